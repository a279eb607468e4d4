// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ops_rtt.c — TCP round-trip times seen at an interface: each data segment
 * (and SYN) matched with the first ACK of the other direction covering it.
 * Contract and rules in ops.h (pt_rtt_add).
 *
 * Per flow direction and site, the segments not yet acknowledged wait in a
 * ring in the order they were sent. New data has increasing sequence numbers,
 * so the segments a cumulative ACK covers are a prefix of the ring; copies
 * of retransmissions (marked, never sampled) may sit behind newer data and
 * are dropped once an ACK reaches the front past them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "query/ops.h"
#include "query/ops_int.h"

#define TCP_SYN 0x02
#define TCP_ACK 0x10

struct samples {
	float *v;		/* µs */
	size_t n, cap;
};

struct seg {
	__u32 seq, end;		/* [seq, end) in sequence space */
	__u64 ts;		/* boottime ns at the site */
	__u64 rt;		/* realtime ns */
	bool retrans;		/* Karn: never sampled */
};

/* One direction of one connection at one site. */
struct rflow {
	struct seg *q;		/* ring: q[(head + i) % cap], i < cnt */
	size_t cap, head, cnt;
	__u32 snd_nxt;		/* end of the highest segment sent */
	__u32 max_ack;		/* highest ACK this direction sent */
	bool has_nxt, has_ack;
	__u64 first_rt;		/* segment time of the first sample */
	struct samples smp;
};

struct ikey {
	__u64 bin;
	__s64 site;
};

struct pt_rtt {
	struct pt_rtt_opts o;
	struct pt_omap flows;	/* struct pt_tuple (point = site) -> struct rflow */
	struct pt_omap ivals;	/* struct ikey -> struct samples */
	struct samples *sites;	/* by site id */
	int nsites;
	struct pt_rtt_counts c;
};

static bool seq_lt(__u32 a, __u32 b) { return (__s32)(a - b) < 0; }
static bool seq_le(__u32 a, __u32 b) { return (__s32)(a - b) <= 0; }

struct pt_rtt *pt_rtt_new(const struct pt_rtt_opts *o)
{
	struct pt_rtt *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (o)
		r->o = *o;
	if (!r->o.expire_ns)
		r->o.expire_ns = 60ULL * 1000000000ULL;
	if (!r->o.max_outstanding)
		r->o.max_outstanding = 65536;
	pt_omap_init(&r->flows, sizeof(struct pt_tuple), sizeof(struct rflow));
	pt_omap_init(&r->ivals, sizeof(struct ikey), sizeof(struct samples));
	return r;
}

static int push(struct samples *s, float us)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		float *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = us;
	return 0;
}

static struct seg *at(struct rflow *f, size_t i)
{
	return &f->q[(f->head + i) % f->cap];
}

static void pop(struct rflow *f)
{
	f->head = (f->head + 1) % f->cap;
	f->cnt--;
}

static int append(struct rflow *f, const struct seg *s)
{
	if (f->cnt == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct seg *q = malloc(cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		for (size_t i = 0; i < f->cnt; i++)
			q[i] = *at(f, i);
		free(f->q);
		f->q = q;
		f->cap = cap;
		f->head = 0;
	}
	*at(f, f->cnt++) = *s;
	return 0;
}

/* One sample of data flow d (site `site`) for segment s acknowledged at ts. */
static int sample(struct pt_rtt *r, struct rflow *d, int site, const struct seg *s, __u64 ts)
{
	float us = (float)((double)(ts - s->ts) / 1000.0);
	struct samples *iv;

	if (site >= r->nsites) {
		struct samples *n = realloc(r->sites, (size_t)(site + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		memset(n + r->nsites, 0, (size_t)(site + 1 - r->nsites) * sizeof(*n));
		r->sites = n;
		r->nsites = site + 1;
	}
	if (!d->smp.n)
		d->first_rt = s->rt;
	if (push(&d->smp, us) || push(&r->sites[site], us))
		return -ENOMEM;
	if (r->o.interval_ns) {
		struct ikey k = { .bin = s->rt / r->o.interval_ns, .site = site };

		iv = pt_omap_get(&r->ivals, &k, 1, NULL);
		if (!iv || push(iv, us))
			return -ENOMEM;
	}
	r->c.samples++;
	return 0;
}

int pt_rtt_add(struct pt_rtt *r, const struct pt_pkt *p, int site, __u64 rt)
{
	struct pt_tuple t, rev;
	struct rflow *f, *d;
	struct seg s;
	__u32 len;
	int rc;

	if (p->l4proto != IPPROTO_TCP || !(p->flags & PT_PF_L4) || (p->flags & PT_PF_TRUNC))
		return 0;
	pt_tuple_of(p, &t);
	t.point = (__u16)site;
	rev = t;
	memcpy(rev.src, t.dst, 16);
	memcpy(rev.dst, t.src, 16);
	rev.sport = t.dport;
	rev.dport = t.sport;
	f = pt_omap_get(&r->flows, &t, 1, NULL);
	if (!f)
		return -ENOMEM;
	d = pt_omap_get(&r->flows, &rev, 0, NULL);	/* the other direction, if seen */

	if (p->tcp_flags & TCP_ACK) {
		if (!f->has_ack || seq_lt(f->max_ack, p->ack)) {
			f->max_ack = p->ack;
			f->has_ack = true;
		}
		while (d && d->cnt && seq_le(at(d, 0)->end, p->ack)) {
			struct seg *o = at(d, 0);

			if (!o->retrans && p->ts_ns >= o->ts && (rc = sample(r, d, site, o, p->ts_ns)))
				return rc;
			pop(d);
		}
	}

	len = p->l4_payload_len + (p->tcp_flags & TCP_SYN ? 1 : 0);
	if (!len)
		return 0;
	r->c.segments++;
	s = (struct seg){ .seq = p->seq, .end = p->seq + len, .ts = p->ts_ns, .rt = rt };
	if (d && d->has_ack && seq_le(s.end, d->max_ack)) {
		r->c.retrans++;		/* a copy of data already acknowledged */
		return 0;
	}
	if (f->has_nxt && seq_lt(s.seq, f->snd_nxt)) {
		/* retransmission: it and every outstanding segment it overlaps are excluded */
		for (size_t i = 0; i < f->cnt; i++) {
			struct seg *o = at(f, i);

			if (!o->retrans && seq_lt(s.seq, o->end) && seq_lt(o->seq, s.end)) {
				o->retrans = true;
				r->c.retrans++;
			}
		}
		s.retrans = true;
		r->c.retrans++;
	}
	while (f->cnt && (f->cnt >= r->o.max_outstanding || at(f, 0)->ts + r->o.expire_ns < s.ts)) {
		pop(f);
		r->c.expired++;
	}
	if (append(f, &s))
		return -ENOMEM;
	if (!f->has_nxt || seq_lt(f->snd_nxt, s.end)) {
		f->snd_nxt = s.end;
		f->has_nxt = true;
	}
	return 0;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

void pt_rtt_stats_of(float *us, size_t n, struct pt_rtt_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (!n)
		return;
	qsort(us, n, sizeof(*us), cmp_float);
	s->samples = n;
	s->min_ms = us[0] / 1000.0;
	s->max_ms = us[n - 1] / 1000.0;
	/* nearest rank: the smallest sample with at least p% of the samples at or below it */
	s->p50_ms = us[(n * 50 + 99) / 100 - 1] / 1000.0;
	s->p90_ms = us[(n * 90 + 99) / 100 - 1] / 1000.0;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct pt_rtt_row *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->kind == PT_RTT_FLOW && x->site != y->site)
		return x->site < y->site ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->site != y->site)
		return x->site < y->site ? -1 : 1;
	return memcmp(&x->flow, &y->flow, sizeof(x->flow));
}

struct pt_rtt_row *pt_rtt_rows(struct pt_rtt *r, size_t *n)
{
	size_t cap = r->ivals.n + (size_t)r->nsites + r->flows.n, k = 0;
	struct pt_rtt_row *rows;

	*n = 0;
	r->c.unacked = 0;
	for (size_t i = 0; i < r->flows.n; i++)
		r->c.unacked += ((struct rflow *)pt_omap_val(&r->flows, i))->cnt;
	rows = calloc(cap ? cap : 1, sizeof(*rows));
	if (!rows)
		return NULL;
	for (size_t i = 0; i < r->ivals.n; i++) {
		const struct ikey *key = pt_omap_key(&r->ivals, i);
		struct samples *s = pt_omap_val(&r->ivals, i);

		rows[k] = (struct pt_rtt_row){ .kind = PT_RTT_INTERVAL, .start_ns = key->bin * r->o.interval_ns,
					       .site = (int)key->site };
		pt_rtt_stats_of(s->v, s->n, &rows[k++].s);
	}
	for (int i = 0; i < r->nsites; i++) {
		if (!r->sites[i].n)
			continue;
		rows[k] = (struct pt_rtt_row){ .kind = PT_RTT_SITE, .site = i };
		pt_rtt_stats_of(r->sites[i].v, r->sites[i].n, &rows[k++].s);
	}
	for (size_t i = 0; i < r->flows.n; i++) {
		struct rflow *f = pt_omap_val(&r->flows, i);

		if (!f->smp.n)
			continue;
		rows[k] = (struct pt_rtt_row){ .kind = PT_RTT_FLOW, .start_ns = f->first_rt };
		rows[k].flow = *(const struct pt_tuple *)pt_omap_key(&r->flows, i);
		rows[k].site = rows[k].flow.point;
		rows[k].flow.point = 0;
		pt_rtt_stats_of(f->smp.v, f->smp.n, &rows[k++].s);
	}
	qsort(rows, k, sizeof(*rows), cmp_rows);
	*n = k;
	if (!k) {
		free(rows);
		return NULL;
	}
	return rows;
}

const struct pt_rtt_counts *pt_rtt_get_counts(const struct pt_rtt *r)
{
	return &r->c;
}

void pt_rtt_free(struct pt_rtt *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->flows.n; i++) {
		struct rflow *f = pt_omap_val(&r->flows, i);

		free(f->q);
		free(f->smp.v);
	}
	for (size_t i = 0; i < r->ivals.n; i++)
		free(((struct samples *)pt_omap_val(&r->ivals, i))->v);
	for (int i = 0; i < r->nsites; i++)
		free(r->sites[i].v);
	free(r->sites);
	pt_omap_free(&r->flows);
	pt_omap_free(&r->ivals);
	free(r);
}
