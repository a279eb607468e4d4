// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ops_common.c — the operators' shared parts: tuples, the input stream, the hash map. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "query/format.h"
#include "query/ops.h"
#include "query/ops_int.h"

/* ---- hash map ---- */

static __u64 hash_bytes(const void *k, size_t n)
{
	const unsigned char *p = k;
	__u64 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

void pt_omap_init(struct pt_omap *m, size_t ksize, size_t vsize)
{
	memset(m, 0, sizeof(*m));
	m->ksize = ksize;
	m->vsize = vsize;
	m->esize = (((ksize + 7) & ~(size_t)7) + vsize + 7) & ~(size_t)7;
}

void *pt_omap_key(const struct pt_omap *m, size_t i)
{
	return m->chunks[i / PT_OMAP_CHUNK] + (i % PT_OMAP_CHUNK) * m->esize;
}

void *pt_omap_val(const struct pt_omap *m, size_t i)
{
	return (unsigned char *)pt_omap_key(m, i) + ((m->ksize + 7) & ~(size_t)7);
}

static int grow_index(struct pt_omap *m)
{
	size_t cap = m->icap ? m->icap * 2 : 64;
	__u32 *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		size_t j = hash_bytes(pt_omap_key(m, i), m->ksize) & (cap - 1);

		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = (__u32)(i + 1);
	}
	free(m->idx);
	m->idx = idx;
	m->icap = cap;
	return 0;
}

void *pt_omap_get(struct pt_omap *m, const void *key, int create, int *created)
{
	size_t j;

	if (created)
		*created = 0;
	if (m->icap) {
		for (j = hash_bytes(key, m->ksize) & (m->icap - 1); m->idx[j]; j = (j + 1) & (m->icap - 1))
			if (!memcmp(pt_omap_key(m, m->idx[j] - 1), key, m->ksize))
				return pt_omap_val(m, m->idx[j] - 1);
	}
	if (!create)
		return NULL;
	if ((m->n + 1) * 2 > m->icap && grow_index(m))
		return NULL;
	if (m->n == m->nchunks * PT_OMAP_CHUNK) {
		unsigned char **c = realloc(m->chunks, (m->nchunks + 1) * sizeof(*c));

		if (!c)
			return NULL;
		m->chunks = c;
		c[m->nchunks] = calloc(PT_OMAP_CHUNK, m->esize);
		if (!c[m->nchunks])
			return NULL;
		m->nchunks++;
	}
	memcpy(pt_omap_key(m, m->n), key, m->ksize);
	for (j = hash_bytes(key, m->ksize) & (m->icap - 1); m->idx[j]; j = (j + 1) & (m->icap - 1))
		;
	m->idx[j] = (__u32)(m->n + 1);
	m->n++;
	if (created)
		*created = 1;
	return pt_omap_val(m, m->n - 1);
}

void pt_omap_free(struct pt_omap *m)
{
	for (size_t i = 0; i < m->nchunks; i++)
		free(m->chunks[i]);
	free(m->chunks);
	free(m->idx);
	memset(m, 0, sizeof(*m));
}

/* ---- tuples ---- */

void pt_tuple_of(const struct pt_pkt *p, struct pt_tuple *t)
{
	memset(t, 0, sizeof(*t));
	if (!(p->flags & (PT_PF_IPV4 | PT_PF_IPV6)))
		return;
	t->family = p->flags & PT_PF_IPV6 ? 6 : 4;
	memcpy(t->src, p->saddr, t->family == 6 ? 16 : 4);
	memcpy(t->dst, p->daddr, t->family == 6 ? 16 : 4);
	t->proto = p->l4proto;
	if ((p->flags & PT_PF_L4) && (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP)) {
		t->sport = p->sport;
		t->dport = p->dport;
	}
}

const char *pt_tuple_str(const struct pt_tuple *t, char *buf, size_t len)
{
	char s[64], d[64];
	bool v6 = t->family == 6;

	if (!t->family) {
		snprintf(buf, len, "non-IP");
		return buf;
	}
	pt_fmt_addr(t->src, v6, s, sizeof(s));
	pt_fmt_addr(t->dst, v6, d, sizeof(d));
	if (t->proto == IPPROTO_TCP || t->proto == IPPROTO_UDP)
		snprintf(buf, len, v6 ? "[%s]:%u > [%s]:%u" : "%s:%u > %s:%u", s, t->sport, d, t->dport);
	else
		snprintf(buf, len, "%s > %s", s, d);
	return buf;
}

/* ---- the input stream ---- */

/* Length of a point name without its ":in"/":out" suffix. */
static size_t iface_len(const char *name)
{
	size_t n = strlen(name);

	if (n > 3 && !strcmp(name + n - 3, ":in"))
		return n - 3;
	if (n > 4 && !strcmp(name + n - 4, ":out"))
		return n - 4;
	return n;
}

/* Does point id's name (full, without direction, alias) equal at? */
static bool point_is(const struct pt_view *v, __u16 id, const char *at, bool iface)
{
	struct pt_point_names n = pt_view_names(v, id);
	size_t l;

	if (!n.full)
		return false;
	l = iface_len(n.full);
	if (!strcmp(n.full, at) || (n.alias && !strcmp(n.alias, at)))
		return true;
	if (strlen(at) == l && !strncmp(n.full, at, l))
		return true;
	if (iface) {	/* "veth1@ns:in" selects veth1@ns:out too */
		size_t la = iface_len(at);

		return la == l && !strncmp(n.full, at, l);
	}
	return false;
}

int pt_ops_next(struct pt_ops_in *in, const struct pt_pkt **p)
{
	const struct pt_view *v = pt_scan_view(in->scan);
	const struct pt_rec_hdr *h;
	int rc;

	while ((rc = pt_scan_next(in->scan, &h)) == 1) {
		__u16 point = h->type == PT_REC_PKT ? ((const struct pt_pkt *)h)->point
						    : ((const struct pt_loss_rec *)h)->point;

		if (in->at && !point_is(v, point, in->at, in->at_iface))
			continue;
		if (h->type == PT_REC_LOSS) {
			in->lost += ((const struct pt_loss_rec *)h)->lost;
			continue;
		}
		in->packets++;
		*p = (const struct pt_pkt *)h;
		return 1;
	}
	return rc;
}

int pt_ops_finish(const struct pt_ops_in *in, char *err, size_t errlen)
{
	const struct pt_view *v = pt_scan_view(in->scan);
	char known[2048];

	if (in->packets)
		return 0;
	if (in->at) {
		for (int i = 0; i < PT_MAX_POINTS; i++)
			if (point_is(v, (__u16)i, in->at, in->at_iface))
				return snprintf(err, errlen, "no packets match at %s in the window", in->at), -ENODATA;
		snprintf(err, errlen, "unknown capture point '%s'; %s", in->at,
			 pt_scan_known_points(in->scan, known, sizeof(known)));
		return -ENOENT;
	}
	if (pt_scan_unknown_point(in->scan, err, errlen))
		return -ENOENT;
	snprintf(err, errlen, "no packets match in the window");
	return -ENODATA;
}

__u64 pt_ops_time(const struct pt_ops_in *in, const struct pt_pkt *p)
{
	__u64 rt = pt_scan_realtime(in->scan, p->ts_ns);

	return rt ? rt : p->ts_ns;
}

int pt_ops_site(struct pt_ops_in *in, __u16 point)
{
	const struct pt_view *v = pt_scan_view(in->scan);
	char name[96];
	size_t l;

	if (point >= PT_MAX_POINTS)
		point = PT_MAX_POINTS - 1;
	if (in->site_of[point])
		return in->site_of[point] - 1;
	pt_view_point(v, point, name, sizeof(name));
	l = iface_len(name);
	name[l] = 0;
	for (int i = 0; i < in->nsites; i++) {
		if (!strcmp(in->site_name[i], name)) {
			in->site_of[point] = i + 1;
			return i;
		}
	}
	if (!(in->nsites & 15)) {
		char (*s)[96] = realloc(in->site_name, (size_t)(in->nsites + 16) * sizeof(*s));

		if (!s)
			return -ENOMEM;
		in->site_name = s;
	}
	snprintf(in->site_name[in->nsites], sizeof(in->site_name[0]), "%s", name);
	in->site_of[point] = ++in->nsites;
	return in->nsites - 1;
}

const char *pt_ops_site_name(const struct pt_ops_in *in, int site)
{
	return site >= 0 && site < in->nsites ? in->site_name[site] : "?";
}

void pt_ops_in_free(struct pt_ops_in *in)
{
	free(in->site_name);
	in->site_name = NULL;
	in->nsites = 0;
}
