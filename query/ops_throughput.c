// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ops_throughput.c — packets and L3 bytes per interval per capture point. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "query/ops.h"

struct bin {
	__u64 packets, bytes;
};

/* One point's bins: c[i] counts interval base + i. */
struct series {
	__u64 base;
	size_t n;
	struct bin *c;
};

struct pt_tput {
	__u64 iv;
	struct series *s[PT_MAX_POINTS];
	int npoints;
	__u64 lo, hi;		/* observed interval numbers, inclusive */
	bool any;
};

struct pt_tput *pt_tput_new(__u64 interval_ns)
{
	struct pt_tput *t;

	if (!interval_ns)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t)
		t->iv = interval_ns;
	return t;
}

/* Make s cover interval b. 0 or -ENOMEM. */
static int cover(struct series *s, __u64 b)
{
	__u64 lo = s->n ? (b < s->base ? b : s->base) : b;
	__u64 hi = s->n ? (b >= s->base + s->n ? b : s->base + s->n - 1) : b;
	size_t n = (size_t)(hi - lo + 1);
	struct bin *c;

	if (s->n && lo == s->base && n == s->n)
		return 0;
	c = realloc(s->c, n * sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (s->n && lo < s->base) {
		memmove(c + (s->base - lo), c, s->n * sizeof(*c));
		memset(c, 0, (s->base - lo) * sizeof(*c));
		memset(c + (s->base - lo) + s->n, 0, (n - (s->base - lo) - s->n) * sizeof(*c));
	} else {
		memset(c + s->n, 0, (n - s->n) * sizeof(*c));
	}
	s->c = c;
	s->base = lo;
	s->n = n;
	return 0;
}

int pt_tput_add(struct pt_tput *t, const struct pt_pkt *p, __u64 rt)
{
	__u64 b = rt / t->iv, lo, hi;
	struct series *s;
	int np = t->npoints;

	if (p->point >= PT_MAX_POINTS)
		return 0;
	s = t->s[p->point];
	if (!s)
		np++;
	lo = t->any && t->lo < b ? t->lo : b;
	hi = t->any && t->hi > b ? t->hi : b;
	if ((hi - lo + 1) > PT_TPUT_MAX_BINS / (__u64)np)
		return -E2BIG;
	if (!s) {
		s = t->s[p->point] = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		t->npoints++;
	}
	if (cover(s, b))
		return -ENOMEM;
	s->c[b - s->base].packets++;
	s->c[b - s->base].bytes += p->flags & (PT_PF_IPV4 | PT_PF_IPV6) ? p->l3_len : p->wire_len;
	t->lo = lo;
	t->hi = hi;
	t->any = true;
	return 0;
}

struct pt_tput_row *pt_tput_rows(const struct pt_tput *t, size_t *n)
{
	struct pt_tput_row *rows;
	size_t k = 0;

	*n = 0;
	if (!t->any)
		return NULL;
	rows = calloc((size_t)(t->hi - t->lo + 1) * (size_t)t->npoints, sizeof(*rows));
	if (!rows)
		return NULL;
	for (__u64 b = t->lo; b <= t->hi; b++) {
		for (int i = 0; i < PT_MAX_POINTS; i++) {
			const struct series *s = t->s[i];

			if (!s)
				continue;
			rows[k].start_ns = b * t->iv;
			rows[k].point = (__u16)i;
			if (b >= s->base && b < s->base + s->n) {
				rows[k].packets = s->c[b - s->base].packets;
				rows[k].bytes = s->c[b - s->base].bytes;
			}
			k++;
		}
	}
	*n = k;
	return rows;
}

void pt_tput_free(struct pt_tput *t)
{
	if (!t)
		return;
	for (int i = 0; i < PT_MAX_POINTS; i++) {
		if (t->s[i])
			free(t->s[i]->c);
		free(t->s[i]);
	}
	free(t);
}
