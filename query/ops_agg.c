// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ops_agg.c — flows (tuple x point) and top (one key): packets and L3 bytes per key. */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "query/ops.h"
#include "query/ops_int.h"

struct agg_val {
	__u64 first_ns, last_ns, packets, bytes;
};

struct pt_agg {
	enum pt_agg_by by;
	struct pt_omap m;
	struct pt_agg_row *rows;
	__u64 packets, bytes, skipped;
};

int pt_agg_by_parse(const char *s, enum pt_agg_by *out)
{
	static const char *names[] = { [PT_BY_SRC] = "src", [PT_BY_DST] = "dst", [PT_BY_SPORT] = "sport",
				       [PT_BY_DPORT] = "dport", [PT_BY_PROTO] = "proto", [PT_BY_FLOW] = "flow",
				       [PT_BY_POINT] = "point" };

	for (int i = PT_BY_SRC; i <= PT_BY_POINT; i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum pt_agg_by)i;
			return 0;
		}
	}
	return -EINVAL;
}

struct pt_agg *pt_agg_new(enum pt_agg_by by)
{
	struct pt_agg *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->by = by;
	pt_omap_init(&a->m, sizeof(struct pt_tuple), sizeof(struct agg_val));
	return a;
}

/* Bytes a packet counts for: L3 length, or the wire length of a non-IP frame. */
static __u64 pkt_bytes(const struct pt_pkt *p)
{
	return p->flags & (PT_PF_IPV4 | PT_PF_IPV6) ? p->l3_len : p->wire_len;
}

/* Project p onto the aggregation key; false when p has no such key. */
static bool key_of(enum pt_agg_by by, const struct pt_pkt *p, struct pt_tuple *k)
{
	struct pt_tuple t;

	pt_tuple_of(p, &t);
	memset(k, 0, sizeof(*k));
	switch (by) {
	case PT_BY_FLOW_POINT:
		if (!t.family)
			return false;
		*k = t;
		k->point = p->point;
		return true;
	case PT_BY_FLOW:
		*k = t;
		return t.family;
	case PT_BY_SRC:
	case PT_BY_DST:
		if (!t.family)
			return false;
		k->family = t.family;
		memcpy(k->src, by == PT_BY_SRC ? t.src : t.dst, 16);
		return true;
	case PT_BY_SPORT:
	case PT_BY_DPORT:
		if (t.proto != IPPROTO_TCP && t.proto != IPPROTO_UDP)
			return false;
		k->proto = t.proto;	/* 53/udp and 53/tcp are two keys */
		k->sport = by == PT_BY_SPORT ? t.sport : t.dport;
		return true;
	case PT_BY_PROTO:
		if (!t.family)
			return false;
		k->proto = t.proto;
		return true;
	case PT_BY_POINT:
		k->point = p->point;
		return true;
	}
	return false;
}

int pt_agg_add(struct pt_agg *a, const struct pt_pkt *p, __u64 rt)
{
	struct pt_tuple k;
	struct agg_val *v;
	int created;

	if (!key_of(a->by, p, &k)) {
		a->skipped++;
		return 0;
	}
	v = pt_omap_get(&a->m, &k, 1, &created);
	if (!v)
		return -ENOMEM;
	if (created || rt < v->first_ns)
		v->first_ns = rt;
	if (rt > v->last_ns)
		v->last_ns = rt;
	v->packets++;
	v->bytes += pkt_bytes(p);
	a->packets++;
	a->bytes += pkt_bytes(p);
	return 0;
}

static int cmp_key(const struct pt_agg_row *x, const struct pt_agg_row *y)
{
	/* ports and points numerically, then the rest bytewise */
	if (x->k.point != y->k.point)
		return x->k.point < y->k.point ? -1 : 1;
	if (x->k.sport != y->k.sport)
		return x->k.sport < y->k.sport ? -1 : 1;
	if (x->k.dport != y->k.dport)
		return x->k.dport < y->k.dport ? -1 : 1;
	return memcmp(&x->k, &y->k, sizeof(x->k));
}

static int cmp_top(const void *a, const void *b)
{
	const struct pt_agg_row *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return cmp_key(x, y);
}

static int cmp_flows(const void *a, const void *b)
{
	const struct pt_agg_row *x = a, *y = b;
	int c;

	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	c = memcmp(&x->k, &y->k, offsetof(struct pt_tuple, point));
	if (c)
		return c;
	return x->k.point < y->k.point ? -1 : x->k.point > y->k.point;
}

const struct pt_agg_row *pt_agg_rows(struct pt_agg *a, size_t *n)
{
	free(a->rows);
	a->rows = calloc(a->m.n ? a->m.n : 1, sizeof(*a->rows));
	*n = 0;
	if (!a->rows)
		return NULL;
	for (size_t i = 0; i < a->m.n; i++) {
		const struct agg_val *v = pt_omap_val(&a->m, i);
		struct pt_agg_row *r = &a->rows[i];

		r->k = *(const struct pt_tuple *)pt_omap_key(&a->m, i);
		r->first_ns = v->first_ns;
		r->last_ns = v->last_ns;
		r->packets = v->packets;
		r->bytes = v->bytes;
	}
	qsort(a->rows, a->m.n, sizeof(*a->rows), a->by == PT_BY_FLOW_POINT ? cmp_flows : cmp_top);
	*n = a->m.n;
	return a->rows;
}

void pt_agg_totals(const struct pt_agg *a, __u64 *packets, __u64 *bytes, __u64 *skipped)
{
	if (packets)
		*packets = a->packets;
	if (bytes)
		*bytes = a->bytes;
	if (skipped)
		*skipped = a->skipped;
}

void pt_agg_free(struct pt_agg *a)
{
	if (!a)
		return;
	pt_omap_free(&a->m);
	free(a->rows);
	free(a);
}
