// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * graph_root.c — the vertex an id names, as the walk's first candidate
 * (graph_int.h): a process by pid (the newest) or pid and start, a
 * connection, a received byte and its receiving end, a file by path, a
 * socket by inode, or a packet or drop found in the store with its
 * connection and its fingerprint's path. What names nothing is refused
 * with why.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "query/graph_int.h"
#include "query/procview.h"
#include "query/scan.h"

/* "no such vertex: ID (WHY)" into w->err; -ENOENT. */
static int nosuch(struct pt_gwalk *w, const char *id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int nosuch(struct pt_gwalk *w, const char *id, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "no such vertex: %s (%s)", id, why);
	return -ENOENT;
}

static int root_proc(struct pt_gwalk *w, const struct pt_vertex_id *v, const char *id, struct pt_gcand *k)
{
	__u32 best = v->has_start ? pt_procmodel_find_proc(w->m, v->pid, v->start_ns)
				  : pt_pv_newest_proc(w->l, v->pid);

	if (best == PT_PM_NONE)
		return nosuch(w, id, v->has_start ? "no process of pid %u started at %llu in the store" :
						    "no process of pid %u in the store", v->pid,
			      (unsigned long long)v->start_ns);
	k->vkind = PT_V_PROC;
	k->proc = best;
	k->t = w->o->impact ? 0 : PT_G_END;
	return 0;
}

/* The connection v->conn into *ci; -ENOENT (w->err says so) when the model has none of that id. */
static int root_conn(struct pt_gwalk *w, const struct pt_vertex_id *v, const char *id, __u32 *ci)
{
	*ci = pt_procmodel_find_conn(w->m, v->conn);
	return *ci == PT_PM_NONE ? nosuch(w, id, "no connection %s in the store", v->conn) : 0;
}

/* The receiving end of a recv id: @EP, else the end that accepted, else endpoint 1. */
static int recv_end(const struct pt_gwalk *w, const struct pt_pm_conn *c, const struct pt_vertex_id *v)
{
	char ep[80];

	if (v->has_ep) {
		for (int k = 0; k < 2; k++)
			if (c->kind == PT_PMC_TCP && !strcmp(pt_graph_endpoint(c, k, ep, sizeof(ep)), v->ep))
				return k;
		return -1;
	}
	if (c->client >= 0)
		return 1 - c->client;
	for (int k = 0; k < 2; k++)
		if (c->obj[k] != PT_PM_NONE && pt_procmodel_obj(w->m, c->obj[k])->role == PT_PMR_ACCEPT)
			return k;
	return 1;
}

static int root_recv(struct pt_gwalk *w, const struct pt_vertex_id *v, const char *id, struct pt_gcand *k)
{
	const struct pt_pm_conn *c;
	const struct pt_pm_stream *s;
	const struct pt_pm_call *rc;
	char a[80], b[80];
	__u32 ci;
	int r;

	if ((r = root_conn(w, v, id, &ci)))
		return r;
	c = pt_procmodel_conn(w->m, ci);
	r = recv_end(w, c, v);
	if (r < 0)
		return nosuch(w, id, "%s is not an end of that connection: it joins %s and %s", v->ep,
			      pt_graph_endpoint(c, 0, a, sizeof(a)), pt_graph_endpoint(c, 1, b, sizeof(b)));
	s = pt_gend_stream(w, c, r, PT_DIR_IN);
	if (!s)
		return nosuch(w, id, "the end %s received nothing recorded on this host",
			      pt_graph_endpoint(c, r, a, sizeof(a)));
	rc = pt_gcovering(w, c, r, PT_DIR_IN, v->off);
	if (!rc)
		return nosuch(w, id, "no recorded receive call of %s covers byte %llu; it received [0, %llu)",
			      pt_graph_endpoint(c, r, a, sizeof(a)), (unsigned long long)v->off,
			      (unsigned long long)s->end);
	k->vkind = PT_V_RECV;
	k->conn = ci;
	k->side = r;
	k->r0 = v->off;
	k->r1 = v->off + 1;
	k->ts = rc->ts;
	return 0;
}

/*
 * A packet or drop root: find its record (first of FP at POINT, or the drop
 * of FP at TS), the connection of its 5-tuple (or a stand-in without
 * process records), and its fingerprint's path.
 */
static int root_pkt(struct pt_gwalk *w, const struct pt_vertex_id *v, const char *id, struct pt_gcand *k)
{
	struct pt_scan_opts so = { .store_dir = w->o->store_dir, .expr = "tcp", .drops = true };
	struct pt_drop found;
	const struct pt_rec_hdr *h;
	struct pt_scan *s = NULL;
	struct pt_gflow *f;
	struct pt_gfp *fps = NULL;
	bool hit = false;
	size_t n = 0;
	int rc, d = -1, point = -1;

	if (v->kind == PT_V_PKT && (point = pt_view_lookup(&w->l->view, v->point)) < 0)
		return nosuch(w, id, "no capture point named %s in the store", v->point);
	rc = pt_scan_open(&so, &s, w->err, w->errlen);
	if (rc)
		return rc;
	while (!hit && (rc = pt_scan_next(s, &h)) == 1) {
		const struct pt_pkt *p = (const void *)h;

		if (h->type == PT_REC_PKT && v->kind == PT_V_PKT && h->len >= sizeof(*p))
			hit = p->fp == v->fp && p->point == point && p->l4_payload_len;
		else if (h->type == PT_REC_DROP && v->kind == PT_V_DROP && h->len >= sizeof(struct pt_drop))
			hit = p->fp == v->fp && p->ts_ns == v->ts && p->l4_payload_len;
		if (hit)
			memcpy(&found, h, h->type == PT_REC_DROP ? sizeof(found) : sizeof(struct pt_pkt));
	}
	pt_scan_close(s);
	if (rc < 0) {
		snprintf(w->err, w->errlen, "reading the store %s: %s", w->o->store_dir, strerror(-rc));
		return rc;
	}
	if (!hit)
		return v->kind == PT_V_PKT ? nosuch(w, id, "no TCP packet with payload and fingerprint %016llx was seen "
						       "at %s", (unsigned long long)v->fp, v->point)
					   : nosuch(w, id, "no kernel drop of a TCP packet with payload and fingerprint "
						       "%016llx at %llu", (unsigned long long)v->fp,
						    (unsigned long long)v->ts);
	/* its connection: the model's, by 5-tuple, else a stand-in */
	memset(&w->fake, 0, sizeof(w->fake));
	w->fake.kind = PT_PMC_TCP;
	w->fake.family = found.pkt.flags & PT_PF_IPV6 ? AF_INET6 : AF_INET;
	memcpy(w->fake.addr[0], found.pkt.saddr, 16);
	memcpy(w->fake.addr[1], found.pkt.daddr, 16);
	w->fake.port[0] = found.pkt.sport;
	w->fake.port[1] = found.pkt.dport;
	w->fake.obj[0] = w->fake.obj[1] = PT_PM_NONE;
	w->fake.client = -1;
	snprintf(w->fake.id, sizeof(w->fake.id), "(no process record)");
	k->conn = PT_PM_NONE;
	d = 0;
	for (__u32 i = 0; i < pt_procmodel_nconns(w->m); i++) {
		const struct pt_pm_conn *c = pt_procmodel_conn(w->m, i);
		size_t alen = c->family == AF_INET6 ? 16 : 4;

		if (c->kind != PT_PMC_TCP || c->family != w->fake.family)
			continue;
		for (int e = 0; e < 2; e++)
			if (c->port[e] == found.pkt.sport && c->port[1 - e] == found.pkt.dport &&
			    !memcmp(c->addr[e], found.pkt.saddr, alen) && !memcmp(c->addr[1 - e], found.pkt.daddr, alen)) {
				k->conn = i;
				d = e;
			}
	}
	f = pt_gflow_of(w, k->conn, &rc);
	if (!f)
		return rc ? rc : nosuch(w, id, "its connection has no packet records");
	rc = pt_gflow_carriers(f, (__u8)d, found.pkt.seq, &fps, &n);
	if (rc)
		return rc;
	w->root_fps = fps;
	for (size_t i = 0; i < n; i++) {
		if (fps[i].fp != v->fp)
			continue;
		k->gfp = &fps[i];
		k->side = d;
		k->vkind = v->kind;
		if (k->conn == PT_PM_NONE || !pt_goff_of(w, pt_gconn_of(w, k->conn), d, PT_DIR_OUT, found.pkt.seq, 0, &k->r0))
			k->r0 = 0;
		k->r1 = k->r0 + found.pkt.l4_payload_len;
		if (v->kind == PT_V_PKT) {
			for (int j = 0; j < fps[i].nhops; j++)
				if (fps[i].hop[j].point == point)
					k->hop = j;
		} else {
			for (int j = 0; j < fps[i].ndrops; j++)
				if (fps[i].drop[j]->ts == v->ts)
					k->drop = fps[i].drop[j];
			if (!k->drop)
				return nosuch(w, id, "the drop is not among the first %d of its packet", PT_GFP_DROPS);
		}
		k->ts = v->kind == PT_V_PKT ? fps[i].hop[k->hop].ts : v->ts;
		return 0;
	}
	return nosuch(w, id, "its packet records were not kept");
}

int pt_groot(struct pt_gwalk *w, const struct pt_vertex_id *v, const char *id, struct pt_gcand *k)
{
	memset(k, 0, sizeof(*k));
	k->proc = k->obj = k->conn = PT_PM_NONE;
	k->side = -1;
	if ((v->kind == PT_V_PROC || v->kind == PT_V_SOCK) && v->has_host && strcmp(v->host, w->l->host))
		return nosuch(w, id, "this store is of host %s, not %s", w->l->host, v->host);
	switch (v->kind) {
	case PT_V_PROC:
		return root_proc(w, v, id, k);
	case PT_V_CONN:
		k->vkind = PT_V_CONN;
		return root_conn(w, v, id, &k->conn);
	case PT_V_RECV:
		return root_recv(w, v, id, k);
	case PT_V_FILE:
		k->vkind = PT_V_FILE;
		k->path = v->path;
		k->t = w->o->impact ? 0 : PT_G_END;
		for (__u32 i = 0; i < pt_procmodel_nobjs(w->m); i++) {
			const struct pt_pm_obj *o = pt_procmodel_obj(w->m, i);

			if (o->path && !strcmp(o->path, v->path))
				return 0;
		}
		for (__u32 i = 0; i < pt_procmodel_nprocs(w->m); i++) {
			const struct pt_pm_proc *p = pt_procmodel_proc(w->m, i);

			for (size_t x = 0; x < p->nexecs; x++)
				if (!strcmp(p->execs[x].filename, v->path))
					return 0;
		}
		return nosuch(w, id, "no process opened or executed that path (paths are as the process gave them)");
	case PT_V_SOCK:
		k->vkind = PT_V_SOCK;
		for (__u32 i = 0; i < pt_procmodel_nobjs(w->m); i++) {
			const struct pt_pm_obj *o = pt_procmodel_obj(w->m, i);

			if (o->kind == PT_FK_SOCKET && o->ino == v->ino) {
				k->obj = i;
				return 0;
			}
		}
		return nosuch(w, id, "no socket with inode %llu in the store", (unsigned long long)v->ino);
	case PT_V_PKT:
	case PT_V_DROP:
		return root_pkt(w, v, id, k);
	}
	return nosuch(w, id, "unknown kind");
}

