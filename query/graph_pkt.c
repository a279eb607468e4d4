// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* graph_pkt.c — the packet records of one connection, and the packets that carried a byte (graph_int.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "query/graph_int.h"
#include "query/procview.h"
#include "query/scan.h"

const char *pt_graph_endpoint(const struct pt_pm_conn *c, int k, char *buf, size_t len)
{
	return pt_pv_endpoint(buf, len, c->family, c->addr[k], c->port[k]);
}

/* Direction of p within c: 0 (endpoint 0 -> 1), 1 (1 -> 0), -1 (another 5-tuple). */
static int pkt_dir(const struct pt_pm_conn *c, const struct pt_pkt *p)
{
	size_t alen = c->family == AF_INET6 ? 16 : 4;

	if (!(p->flags & PT_PF_L4) || p->l4proto != IPPROTO_TCP ||
	    !!(p->flags & PT_PF_IPV6) != (c->family == AF_INET6))
		return -1;
	for (int k = 0; k < 2; k++)
		if (p->sport == c->port[k] && p->dport == c->port[1 - k] && !memcmp(p->saddr, c->addr[k], alen) &&
		    !memcmp(p->daddr, c->addr[1 - k], alen))
			return k;
	return -1;
}

static int cmp_ts(const void *a, const void *b)
{
	const struct pt_gpkt *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

int pt_gflow_load(const char *dir, const struct pt_pm_conn *c, __u32 conn, struct pt_gflow *f, char *err,
		  size_t errlen)
{
	struct pt_scan_opts so = { .store_dir = dir, .drops = true };
	const struct pt_rec_hdr *h;
	struct pt_scan *s = NULL;
	char expr[256], a0[64], a1[64];
	size_t cap = 0;
	int rc;

	memset(f, 0, sizeof(*f));
	f->conn = conn;
	pt_fmt_addr(c->addr[0], c->family == AF_INET6, a0, sizeof(a0));
	pt_fmt_addr(c->addr[1], c->family == AF_INET6, a1, sizeof(a1));
	snprintf(expr, sizeof(expr), "tcp and host %s and host %s and port %u and port %u", a0, a1, c->port[0],
		 c->port[1]);
	so.expr = expr;
	rc = pt_scan_open(&so, &s, err, errlen);
	if (rc)
		goto cleanup;
	while ((rc = pt_scan_next(s, &h)) == 1) {
		const struct pt_pkt *p = (const void *)h;
		struct pt_gpkt *g;
		int d;

		if (h->type == PT_REC_PKT ? h->len < sizeof(struct pt_pkt) :
		    h->type != PT_REC_DROP || h->len < sizeof(struct pt_drop))
			continue;
		d = pkt_dir(c, p);
		if (d < 0 || !p->l4_payload_len)
			continue;
		if (f->n == PT_GRAPH_PKTS_MAX) {
			f->capped = true;
			continue;
		}
		if (f->n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct pt_gpkt *np = realloc(f->p, nc * sizeof(*np));

			if (!np) {
				snprintf(err, errlen, "out of memory reading the packets of %s", c->id);
				rc = -ENOMEM;
				goto cleanup;
			}
			f->p = np;
			cap = nc;
		}
		g = &f->p[f->n++];
		memset(g, 0, sizeof(*g));
		g->ts = p->ts_ns;
		g->fp = p->fp;
		g->seq = p->seq;
		g->len = p->l4_payload_len;
		g->point = h->type == PT_REC_DROP ? PT_DROP_POINT : p->point;
		g->dir = (__u8)d;
		g->tcp_flags = p->tcp_flags;
		if (h->type == PT_REC_DROP) {
			const struct pt_drop *dr = (const void *)h;

			g->reason = dr->reason;
			g->location = dr->location;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "reading the packets of %s from the store %s: %s", c->id, dir, strerror(-rc));
		goto cleanup;
	}
	rc = 0;
	if (f->n)
		qsort(f->p, f->n, sizeof(*f->p), cmp_ts);
cleanup:
	pt_scan_close(s);
	if (rc)
		pt_gflow_release(f);
	return rc;
}

void pt_gflow_release(struct pt_gflow *f)
{
	if (!f)
		return;
	free(f->p);
	f->p = NULL;
	f->n = 0;
}

static bool holds(const struct pt_gpkt *p, __u32 seq)
{
	return (__u32)(seq - p->seq) < p->len;
}

/* Add record p of fingerprint e (its path, copies, drops). */
static void add_sight(struct pt_gfp *e, const struct pt_gpkt *p)
{
	int i;

	if (!e->first_ts || p->ts < e->first_ts)
		e->first_ts = p->ts;
	if (p->point == PT_DROP_POINT) {
		if (e->ndrops < PT_GFP_DROPS)
			e->drop[e->ndrops++] = p;
		e->ndrops_all++;
		return;
	}
	for (i = 0; i < e->nhops; i++)
		if (e->hop[i].point == p->point) {
			e->hop[i].copies++;
			return;
		}
	if (e->nhops == PT_HOPS_MAX_PATH) {
		e->too_long = true;
		return;
	}
	e->hop[i] = (struct pt_ghop){ .point = p->point, .ts = p->ts, .copies = 1, .seq = p->seq, .len = p->len };
	e->nhops++;
}

int pt_gflow_carriers(const struct pt_gflow *f, __u8 dir, __u32 seq, struct pt_gfp **out, size_t *n)
{
	struct pt_gfp *v = NULL;
	size_t nv = 0, cap = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < f->n; i++) {
		const struct pt_gpkt *p = &f->p[i];
		size_t k;

		if (p->dir != dir || !holds(p, seq))
			continue;
		for (k = 0; k < nv && v[k].fp != p->fp; k++)
			;
		if (k < nv)
			continue;
		if (nv == cap) {
			size_t nc = cap ? cap * 2 : 4;
			struct pt_gfp *nvp = realloc(v, nc * sizeof(*nvp));

			if (!nvp) {
				free(v);
				return -ENOMEM;
			}
			v = nvp;
			cap = nc;
		}
		memset(&v[nv], 0, sizeof(v[nv]));
		v[nv++].fp = p->fp;
	}
	/* every record of those fingerprints, in time order: paths and drops */
	for (size_t i = 0; i < f->n && nv; i++)
		for (size_t k = 0; k < nv; k++)
			if (f->p[i].fp == v[k].fp && f->p[i].dir == dir) {
				add_sight(&v[k], &f->p[i]);
				break;
			}
	*out = v;
	*n = nv;
	return 0;
}
