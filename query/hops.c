// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hops.c — the engine of query/hops.h.
 *
 * Hot path (one call per packet record, no allocation in the steady state):
 *   fingerprint -> open-addressing table (linear probing, backward-shift
 *   deletion) -> an entry in a ring of entries in arrival order. A new point
 *   on the entry's path adds one delay sample to the (group, A, B) segment.
 *   The ring's oldest entries are folded, once older than the horizon, into
 *   per-(group, path) counters and removed from the table.
 * Everything else (usual path, loss, in-flight, percentiles) happens once in
 * pt_hops_finish().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "collector/store.h"
#include "query/format.h"
#include "query/hops.h"
#include "query/scan.h"

#define MAXP PT_HOPS_MAX_PATH
#define POP_AHEAD 8		/* pop_head prefetches the slot of the entry this far ahead */
#define BATCH 32		/* pt_hops_run: records read ahead so their slots can be prefetched */
#define PEEK_AHEAD 4		/* ... and the entries of the slots this far ahead */

#define TICK_SHIFT 20		/* expiry clock: ticks of 2^20 ns (~1.05 ms) */

/* A fingerprint being tracked: one cache line. */
struct ent {
	__u64 fp;
	__u64 last_ts;		/* latest copy at the last point of the path */
	__u32 first_tick;	/* first sighting anywhere, (u32)(ts >> TICK_SHIFT): expiry */
	__u32 group;
	__u16 points[MAXP];
	__u8 rep[MAXP];		/* repeats at each point, saturating at 255 */
	__u8 n;			/* points on the path */
	__u8 too_long;		/* a point past MAXP was seen */
	__u8 dropped;		/* a drop record came after the latest copy: not in flight */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct ent) == 64, "an entry is one cache line");

/*
 * A table slot (u64): 0 = empty, else tag << 32 | (u32)seq, where tag =
 * fp_tag(fp) (never 0) and seq the entry's ring sequence number. The ring holds
 * fewer than 2^32 entries, so the low 32 bits of seq find it; the entry's fp
 * confirms a tag match. The home slot is a function of the tag alone, so the
 * table can be rebuilt and entries moved without reading the ring.
 */
typedef __u64 slot_t;

/* Packets that followed one exact path, per group. */
struct pagg {
	__u32 group;
	__u32 next;		/* next path of the same group, index + 1; 0 = end */
	__u8 n, too_long;
	__u16 points[MAXP];
	__u64 count;
	__u64 rep[MAXP];
};

/* Kernel drops of one reason of packets whose path was `points` at the drop, per group. */
struct dagg {
	__u32 group;
	__u32 next;		/* next of the same group, index + 1; 0 = end */
	__u32 reason;
	__u8 n, too_long;
	__u16 points[MAXP];
	__u64 count;
};

/* Delay samples of one (group, A, B) segment. */
struct pair {
	__u32 group;
	__u16 a, b;
	__u64 count, sum, min, max;
	__u32 *us;
	__u32 n, cap;
	bool sampled, sorted;
};

struct grp {
	__u64 flow;
	struct pt_pkt first;
	__u32 path_head;	/* index + 1 into paths */
	__u32 drop_head;	/* index + 1 into drops */
};

/* Open-addressing index of u32 (index + 1) values whose keys live in an array. */
struct idx {
	__u32 *v;
	__u64 cap, n;		/* cap: power of 2 */
};

struct pt_hops {
	struct pt_hops_opts o;
	bool pair_mode;
	__u64 horizon;
	__u32 horizon_ticks;	/* horizon >> TICK_SHIFT */

	struct ent *ring;
	__u64 rcap, head, tail;	/* live entries: seq in [head, tail) */
	slot_t *tab;
	__u64 tcap;		/* power of 2, >= 2 * rcap */
	unsigned tbits;

	struct grp *groups;
	size_t ngroups, gcap;
	struct idx gidx;	/* flow -> group */

	struct pagg *paths;
	size_t npaths, pcap;
	struct idx pidx;	/* (group, path) -> path */

	struct dagg *drops;
	size_t ndrops, dcap;
	struct idx didx;	/* (group, reason, path) -> drops */

	struct pair *pairs;
	size_t npairs, paircap;
	struct idx qidx;	/* (group, a, b) -> pair */

	__u32 last_path;	/* fold: the path counted last, index + 1 (0 = none) */
	__u64 now;		/* newest ts seen */
	__u64 rng;
	bool finished;
	struct pt_hops_result res;

	/* pair mode: point id classification cache */
	__u8 cls[PT_MAX_POINTS];	/* 0 unknown, 1 neither, 2 from, 3 to */
	__u64 cls_at[PT_MAX_POINTS];
};

static inline __u64 mix(__u64 x)
{
	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ull;
	x ^= x >> 29;
	return x;
}

/*
 * The ring and the table are probed at random: past a few MB, 2 MB pages (where
 * the system allows them on request) save a TLB miss per probe. Freed with free().
 */
static void *big_alloc(size_t size, bool zero)
{
	const size_t huge = 2u << 20;
	void *m;

	if (size < huge)
		return zero ? calloc(1, size) : malloc(size);
	size = (size + huge - 1) & ~(huge - 1);
	m = aligned_alloc(huge, size);
	if (!m)
		return NULL;
	madvise(m, size, MADV_HUGEPAGE);	/* advice only: fine if refused */
	if (zero)
		memset(m, 0, size);
	return m;
}

/* ---- generic u32 index ---- */

typedef __u64 (*key_fn)(const struct pt_hops *h, __u32 i);
typedef bool (*eq_fn)(const struct pt_hops *h, __u32 i, const void *key);

static int idx_grow(struct pt_hops *h, struct idx *x, key_fn kf)
{
	__u64 ncap = x->cap ? x->cap * 2 : 64;
	__u32 *nv = calloc(ncap, sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	for (__u64 i = 0; i < x->cap; i++) {
		__u32 v = x->v[i];
		__u64 j;

		if (!v)
			continue;
		for (j = kf(h, v - 1) & (ncap - 1); nv[j]; j = (j + 1) & (ncap - 1))
			;
		nv[j] = v;
	}
	free(x->v);
	x->v = nv;
	x->cap = ncap;
	return 0;
}

/* Slot of key (hash hk) in x: *found = its value index, else the empty slot to fill. */
static __u64 idx_find(const struct pt_hops *h, const struct idx *x, __u64 hk, eq_fn eq, const void *key,
		      __u32 *found)
{
	__u64 j;

	*found = 0;
	for (j = hk & (x->cap - 1); x->v[j]; j = (j + 1) & (x->cap - 1)) {
		if (eq(h, x->v[j] - 1, key)) {
			*found = x->v[j];
			break;
		}
	}
	return j;
}

/* ---- groups ---- */

static __u64 grp_key(const struct pt_hops *h, __u32 i)
{
	return mix(h->groups[i].flow);
}

static bool grp_eq(const struct pt_hops *h, __u32 i, const void *key)
{
	return h->groups[i].flow == *(const __u64 *)key;
}

static int grp_new(struct pt_hops *h, __u64 flow, const struct pt_pkt *p, __u32 *out)
{
	if (h->ngroups == h->gcap) {
		size_t nc = h->gcap ? h->gcap * 2 : 16;
		struct grp *ng = realloc(h->groups, nc * sizeof(*ng));

		if (!ng)
			return -ENOMEM;
		h->groups = ng;
		h->gcap = nc;
	}
	memset(&h->groups[h->ngroups], 0, sizeof(h->groups[0]));
	h->groups[h->ngroups].flow = flow;
	memcpy(&h->groups[h->ngroups].first, p, sizeof(*p));
	h->groups[h->ngroups].first.len = sizeof(*p);
	h->groups[h->ngroups].first.cap_len = 0;
	*out = (__u32)h->ngroups++;
	return 0;
}

static int grp_get(struct pt_hops *h, const struct pt_pkt *p, __u32 *out)
{
	__u64 flow, j;
	__u32 f;
	int rc;

	if (!h->o.per_flow) {
		if (!h->ngroups)
			return grp_new(h, 0, p, out);
		*out = 0;
		return 0;
	}
	flow = pt_flow_hash(p);
	if ((h->gidx.n + 1) * 2 > h->gidx.cap && (rc = idx_grow(h, &h->gidx, grp_key)))
		return rc;
	j = idx_find(h, &h->gidx, mix(flow), grp_eq, &flow, &f);
	if (f) {
		*out = f - 1;
		return 0;
	}
	if ((rc = grp_new(h, flow, p, out)))
		return rc;
	h->gidx.v[j] = *out + 1;
	h->gidx.n++;
	return 0;
}

/* ---- segments' delays ---- */

static __u64 pair_hash(__u32 g, __u16 a, __u16 b)
{
	return mix(((__u64)g << 32) | ((__u64)a << 16) | b);
}

static __u64 pair_key(const struct pt_hops *h, __u32 i)
{
	return pair_hash(h->pairs[i].group, h->pairs[i].a, h->pairs[i].b);
}

struct pair_k {
	__u32 g;
	__u16 a, b;
};

static bool pair_eq(const struct pt_hops *h, __u32 i, const void *key)
{
	const struct pair_k *k = key;

	return h->pairs[i].group == k->g && h->pairs[i].a == k->a && h->pairs[i].b == k->b;
}

static struct pair *pair_lookup(const struct pt_hops *h, __u32 g, __u16 a, __u16 b)
{
	struct pair_k k = { g, a, b };
	__u32 f;

	if (!h->qidx.cap)
		return NULL;
	idx_find(h, &h->qidx, pair_hash(g, a, b), pair_eq, &k, &f);
	return f ? &h->pairs[f - 1] : NULL;
}

static __u64 rnd(struct pt_hops *h)
{
	__u64 x = h->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return h->rng = x;
}

static int pair_add(struct pt_hops *h, __u32 g, __u16 a, __u16 b, __u64 d)
{
	struct pair_k k = { g, a, b };
	struct pair *q;
	__u64 j, us;
	__u32 f;
	int rc;

	if ((h->qidx.n + 1) * 2 > h->qidx.cap && (rc = idx_grow(h, &h->qidx, pair_key)))
		return rc;
	j = idx_find(h, &h->qidx, pair_hash(g, a, b), pair_eq, &k, &f);
	if (!f) {
		if (h->npairs == h->paircap) {
			size_t nc = h->paircap ? h->paircap * 2 : 16;
			struct pair *np = realloc(h->pairs, nc * sizeof(*np));

			if (!np)
				return -ENOMEM;
			h->pairs = np;
			h->paircap = nc;
		}
		q = &h->pairs[h->npairs];
		memset(q, 0, sizeof(*q));
		q->group = g;
		q->a = a;
		q->b = b;
		h->qidx.v[j] = (__u32)++h->npairs;
		h->qidx.n++;
	} else {
		q = &h->pairs[f - 1];
	}
	q->count++;
	q->sum += d;
	if (q->count == 1 || d < q->min)
		q->min = d;
	if (d > q->max)
		q->max = d;
	us = (d + 500) / 1000;
	if (us > UINT32_MAX)
		us = UINT32_MAX;
	if (q->n < PT_HOPS_SAMPLES_MAX) {
		if (q->n == q->cap) {
			__u32 nc = q->cap ? q->cap * 2 : 16;
			__u32 *nu = realloc(q->us, (size_t)nc * sizeof(*nu));

			if (!nu)
				return -ENOMEM;
			q->us = nu;
			q->cap = nc;
		}
		q->us[q->n++] = (__u32)us;
	} else {
		/* reservoir: keep each of the count samples with probability n / count */
		__u64 r = rnd(h) % q->count;

		q->sampled = true;
		if (r < q->n)
			q->us[r] = (__u32)us;
	}
	return 0;
}

/* ---- per-path counters ---- */

struct path_k {
	__u32 g;
	__u8 n, too_long;
	const __u16 *points;
};

static __u64 path_hash(__u32 g, __u8 n, __u8 too_long, const __u16 *pts)
{
	__u64 x = ((__u64)g << 16) ^ ((__u64)n << 8) ^ too_long;

	for (int i = 0; i < n; i++)
		x = mix(x ^ ((__u64)pts[i] << 40) ^ (__u64)i);
	return mix(x);
}

static __u64 path_key(const struct pt_hops *h, __u32 i)
{
	const struct pagg *p = &h->paths[i];

	return path_hash(p->group, p->n, p->too_long, p->points);
}

static bool path_eq(const struct pt_hops *h, __u32 i, const void *key)
{
	const struct pagg *p = &h->paths[i];
	const struct path_k *k = key;

	return p->group == k->g && p->n == k->n && p->too_long == k->too_long &&
	       !memcmp(p->points, k->points, k->n * sizeof(__u16));
}

/* Count a finished (or, at the end, still tracked) entry on its path. */
static int fold(struct pt_hops *h, const struct ent *e)
{
	struct path_k k = { e->group, e->n, e->too_long, e->points };
	struct pagg *p;
	__u64 j;
	__u32 f;
	int rc;

	if (h->last_path) {	/* consecutive entries mostly share a path */
		p = &h->paths[h->last_path - 1];
		if (p->group == e->group && p->n == e->n && p->too_long == e->too_long &&
		    !memcmp(p->points, e->points, e->n * sizeof(__u16)))
			goto count;
	}
	if ((h->pidx.n + 1) * 2 > h->pidx.cap && (rc = idx_grow(h, &h->pidx, path_key)))
		return rc;
	j = idx_find(h, &h->pidx, path_hash(e->group, e->n, e->too_long, e->points), path_eq, &k, &f);
	if (!f) {
		if (h->npaths == h->pcap) {
			size_t nc = h->pcap ? h->pcap * 2 : 16;
			struct pagg *np = realloc(h->paths, nc * sizeof(*np));

			if (!np)
				return -ENOMEM;
			h->paths = np;
			h->pcap = nc;
		}
		p = &h->paths[h->npaths];
		memset(p, 0, sizeof(*p));
		p->group = e->group;
		p->n = e->n;
		p->too_long = e->too_long;
		memcpy(p->points, e->points, e->n * sizeof(__u16));
		p->next = h->groups[e->group].path_head;
		h->groups[e->group].path_head = (__u32)(h->npaths + 1);
		h->pidx.v[j] = (__u32)++h->npaths;
		h->pidx.n++;
	} else {
		p = &h->paths[f - 1];
	}
	h->last_path = (__u32)(p - h->paths) + 1;
count:
	p->count++;
	for (int i = 0; i < e->n; i++)
		p->rep[i] += e->rep[i];
	return 0;
}

/* ---- kernel drops ---- */

struct drop_k {
	__u32 g, reason;
	__u8 n, too_long;
	const __u16 *points;
};

static __u64 drop_hash(__u32 g, __u32 reason, __u8 n, __u8 too_long, const __u16 *pts)
{
	return mix(path_hash(g, n, too_long, pts) ^ ((__u64)reason << 1));
}

static __u64 drop_key(const struct pt_hops *h, __u32 i)
{
	const struct dagg *d = &h->drops[i];

	return drop_hash(d->group, d->reason, d->n, d->too_long, d->points);
}

static bool drop_eq(const struct pt_hops *h, __u32 i, const void *key)
{
	const struct dagg *d = &h->drops[i];
	const struct drop_k *k = key;

	return d->group == k->g && d->reason == k->reason && d->n == k->n && d->too_long == k->too_long &&
	       !memcmp(d->points, k->points, k->n * sizeof(__u16));
}

/* Count one drop of entry e (its path as it is now) with this reason. */
static int drop_add(struct pt_hops *h, const struct ent *e, __u32 reason)
{
	struct drop_k k = { e->group, reason, e->n, e->too_long, e->points };
	struct dagg *d;
	__u64 j;
	__u32 f;
	int rc;

	if ((h->didx.n + 1) * 2 > h->didx.cap && (rc = idx_grow(h, &h->didx, drop_key)))
		return rc;
	j = idx_find(h, &h->didx, drop_hash(e->group, reason, e->n, e->too_long, e->points), drop_eq, &k, &f);
	if (!f) {
		if (h->ndrops == h->dcap) {
			size_t nc = h->dcap ? h->dcap * 2 : 16;
			struct dagg *nd = realloc(h->drops, nc * sizeof(*nd));

			if (!nd)
				return -ENOMEM;
			h->drops = nd;
			h->dcap = nc;
		}
		d = &h->drops[h->ndrops];
		memset(d, 0, sizeof(*d));
		d->group = e->group;
		d->reason = reason;
		d->n = e->n;
		d->too_long = e->too_long;
		memcpy(d->points, e->points, e->n * sizeof(__u16));
		d->next = h->groups[e->group].drop_head;
		h->groups[e->group].drop_head = (__u32)(h->ndrops + 1);
		h->didx.v[j] = (__u32)++h->ndrops;
		h->didx.n++;
	} else {
		d = &h->drops[f - 1];
	}
	d->count++;
	return 0;
}

/* ---- fingerprint table over the ring ---- */

static inline __u32 fp_tag(__u64 fp)
{
	return (__u32)(fp >> 32) | 1;
}

static inline __u64 tag_home(const struct pt_hops *h, __u32 tag)
{
	return ((__u64)tag * 0x9e3779b97f4a7c15ull) >> (64 - h->tbits);
}

static inline __u64 tab_home(const struct pt_hops *h, __u64 fp)
{
	return tag_home(h, fp_tag(fp));
}

static inline slot_t slot_of(__u64 fp, __u64 seq)
{
	return (slot_t)fp_tag(fp) << 32 | (__u32)seq;
}

/* The entry of fp, or NULL. */
static inline struct ent *tab_find(const struct pt_hops *h, __u64 fp)
{
	__u32 tag = fp_tag(fp);

	for (__u64 i = tag_home(h, tag); h->tab[i]; i = (i + 1) & (h->tcap - 1)) {
		struct ent *e;

		if ((__u32)(h->tab[i] >> 32) != tag)
			continue;
		e = &h->ring[(__u32)h->tab[i] & (h->rcap - 1)];
		if (e->fp == fp)
			return e;
	}
	return NULL;
}

static void tab_del(struct pt_hops *h, __u64 fp, __u64 seq)
{
	__u64 mask = h->tcap - 1, i, j;
	slot_t v = slot_of(fp, seq);

	for (i = tab_home(h, fp); h->tab[i] != v; i = (i + 1) & mask)
		if (!h->tab[i])
			return;
	for (j = i;;) {
		__u64 k;

		j = (j + 1) & mask;
		if (!h->tab[j])
			break;
		k = tag_home(h, (__u32)(h->tab[j] >> 32));
		/* the entry at j may move to the hole at i unless its home lies in (i, j] */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			h->tab[i] = h->tab[j];
			i = j;
		}
	}
	h->tab[i] = 0;
}

static void tab_put(struct pt_hops *h, __u64 fp, __u64 seq)
{
	__u64 i;

	for (i = tab_home(h, fp); h->tab[i]; i = (i + 1) & (h->tcap - 1))
		;
	h->tab[i] = slot_of(fp, seq);
}

/* Fold and forget the oldest entry. */
static int pop_head(struct pt_hops *h)
{
	struct ent *e = &h->ring[h->head & (h->rcap - 1)];
	int rc;

	/* the table slot of an entry popped soon: its probe would miss the cache */
	if (h->head + POP_AHEAD < h->tail)
		__builtin_prefetch(&h->tab[tab_home(h, h->ring[(h->head + POP_AHEAD) & (h->rcap - 1)].fp)], 1);
	rc = fold(h, e);

	tab_del(h, e->fp, h->head);
	h->head++;
	return rc;
}

/* Make room for one more entry: grow the ring and the table, or fold the oldest early. */
static int ring_room(struct pt_hops *h)
{
	__u64 ncap, ntcap;
	struct ent *nr;
	slot_t *nt;

	if (h->tail - h->head < h->rcap)
		return 0;
	if (h->rcap >= h->o.max_live) {
		h->res.folded_early++;
		return pop_head(h);
	}
	ncap = h->rcap * 2;
	ntcap = ncap * 2;
	nr = big_alloc(ncap * sizeof(*nr), false);
	nt = big_alloc(ntcap * sizeof(*nt), true);
	if (!nr || !nt) {
		free(nr);
		free(nt);
		return -ENOMEM;
	}
	for (__u64 s = h->head; s < h->tail; s++)
		nr[s & (ncap - 1)] = h->ring[s & (h->rcap - 1)];
	free(h->ring);
	free(h->tab);
	h->ring = nr;
	h->rcap = ncap;
	h->tab = nt;
	h->tcap = ntcap;
	h->tbits++;
	for (__u64 s = h->head; s < h->tail; s++)
		tab_put(h, h->ring[s & (ncap - 1)].fp, s);
	return 0;
}

struct pt_hops *pt_hops_new(const struct pt_hops_opts *o, int *err)
{
	struct pt_hops *h;

	if (!!o->from != !!o->to || (o->from && !strcmp(o->from, o->to))) {
		*err = -EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		*err = -ENOMEM;
		return NULL;
	}
	h->o = *o;
	h->pair_mode = o->from != NULL;
	h->horizon = o->horizon_ns ? o->horizon_ns : PT_HOPS_HORIZON_NS;
	if ((h->horizon >> TICK_SHIFT) >= (1ull << 30)) {	/* u32 tick arithmetic; ~13 days */
		free(h);
		*err = -ERANGE;
		return NULL;
	}
	h->horizon_ticks = (__u32)(h->horizon >> TICK_SHIFT);
	if (!h->o.max_live)
		h->o.max_live = PT_HOPS_MAX_LIVE;
	if (h->o.max_live < 1024)
		h->o.max_live = 1024;
	h->rcap = 1024;
	h->tbits = 11;
	h->tcap = 1ull << h->tbits;
	h->ring = aligned_alloc(64, h->rcap * sizeof(*h->ring));
	h->tab = calloc(h->tcap, sizeof(*h->tab));
	h->rng = 0x9e3779b97f4a7c15ull;
	h->res.from_id = h->res.to_id = -1;
	if (!h->ring || !h->tab) {
		pt_hops_free(h);
		*err = -ENOMEM;
		return NULL;
	}
	return h;
}

void pt_hops_feed_loss(struct pt_hops *h, const struct pt_loss_rec *l)
{
	if (l->point < PT_MAX_POINTS && l->lost) {
		h->res.ring_lost[l->point] += l->lost;
		h->res.any_ring_lost = true;
	}
}

int pt_hops_feed(struct pt_hops *h, const struct pt_pkt *p, int point_class)
{
	__u64 ts = p->ts_ns;
	__u32 now_tick;
	struct ent *e;
	__u16 pt;
	int rc;

	if (h->finished)
		return -EINVAL;
	if (h->pair_mode) {
		if (point_class != 1 && point_class != 2)
			return 0;
		pt = (__u16)(point_class - 1);
	} else {
		pt = p->point;
	}
	h->res.records++;
	if (ts > h->now)
		h->now = ts;
	/*
	 * Expired: more than horizon_ticks + 1 whole ticks since the first sighting,
	 * so more than the horizon in ns (at most two ticks late). u32 differences
	 * wrap correctly while entries are younger than 2^31 ticks (~26 days).
	 */
	now_tick = (__u32)(h->now >> TICK_SHIFT);
	while (h->head < h->tail &&
	       (__u32)(now_tick - h->ring[h->head & (h->rcap - 1)].first_tick) > h->horizon_ticks + 1)
		if ((rc = pop_head(h)))
			return rc;

	e = tab_find(h, p->fp);
	if (e) {
		for (int k = 0; k < e->n; k++) {
			if (e->points[k] != pt)
				continue;
			if (e->rep[k] != UINT8_MAX)
				e->rep[k]++;
			e->dropped = 0;
			if (k == e->n - 1)
				e->last_ts = ts;
			return 0;
		}
		e->dropped = 0;
		if (e->n == MAXP) {
			e->too_long = 1;
			return 0;
		}
		rc = pair_add(h, e->group, e->points[e->n - 1], pt, ts > e->last_ts ? ts - e->last_ts : 0);
		e->points[e->n] = pt;
		e->rep[e->n] = 0;
		e->n++;
		e->last_ts = ts;
		return rc;
	}

	/* a new fingerprint */
	if ((rc = ring_room(h)))
		return rc;
	e = &h->ring[h->tail & (h->rcap - 1)];
	memset(e, 0, sizeof(*e));
	if ((rc = grp_get(h, p, &e->group)))
		return rc;
	e->fp = p->fp;
	e->first_tick = (__u32)(ts >> TICK_SHIFT);
	e->last_ts = ts;
	e->n = 1;
	e->points[0] = pt;
	tab_put(h, p->fp, h->tail);
	h->tail++;
	if (h->tail - h->head > h->res.max_live)
		h->res.max_live = h->tail - h->head;
	return 0;
}

int pt_hops_feed_drop(struct pt_hops *h, const struct pt_drop *d)
{
	struct ent *e;

	if (h->finished)
		return -EINVAL;
	h->res.drops++;
	e = tab_find(h, d->pkt.fp);
	if (e) {
		e->dropped = 1;
		return drop_add(h, e, d->reason);
	}
	h->res.drops_unseen++;
	return 0;
}

/* ---- the end ---- */

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Sort n u32 keys ascending: LSD radix, 4 passes of one byte each, skipping a
 * pass when every key has the same byte there. Falls back to qsort without memory.
 */
static void sort_u32(__u32 *v, __u32 n)
{
	__u32 cnt[4][256] = {}, *tmp, *src = v, *dst;

	if (n < 64) {
		qsort(v, n, sizeof(*v), cmp_u32);
		return;
	}
	tmp = malloc((size_t)n * sizeof(*tmp));
	if (!tmp) {
		qsort(v, n, sizeof(*v), cmp_u32);
		return;
	}
	dst = tmp;
	for (__u32 i = 0; i < n; i++) {
		__u32 x = v[i];

		cnt[0][x & 0xff]++;
		cnt[1][(x >> 8) & 0xff]++;
		cnt[2][(x >> 16) & 0xff]++;
		cnt[3][x >> 24]++;
	}
	for (int b = 0; b < 4; b++) {
		__u32 off[256], sum = 0, *t;
		int sh = b * 8;

		if (cnt[b][(src[0] >> sh) & 0xff] == n)
			continue;	/* every key has this byte */
		for (int k = 0; k < 256; k++) {
			off[k] = sum;
			sum += cnt[b][k];
		}
		for (__u32 i = 0; i < n; i++) {
			__u32 x = src[i];

			dst[off[(x >> sh) & 0xff]++] = x;
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, (size_t)n * sizeof(*v));
	free(tmp);
}

static int cmp_pagg_count(const void *a, const void *b)
{
	const struct pagg *x = *(const struct pagg *const *)a, *y = *(const struct pagg *const *)b;

	return x->count > y->count ? -1 : x->count < y->count;
}

static int cmp_reason(const void *a, const void *b)
{
	const struct pt_hops_reason *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

/* Add count drops of reason to segment s (reasons: a small array owned by the engine). */
static int seg_add_drops(struct pt_hops_seg *s, __u32 reason, __u64 count)
{
	struct pt_hops_reason *r = (struct pt_hops_reason *)s->reasons;

	s->drops += count;
	for (size_t i = 0; i < s->nreasons; i++) {
		if (r[i].reason == reason) {
			r[i].count += count;
			return 0;
		}
	}
	r = realloc(r, (s->nreasons + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	r[s->nreasons].reason = reason;
	r[s->nreasons].count = count;
	s->reasons = r;
	s->nreasons++;
	return 0;
}

static int cmp_group(const void *a, const void *b)
{
	const struct pt_hops_group *x = a, *y = b;

	return x->packets > y->packets ? -1 : x->packets < y->packets;
}

/* Is q (n points) a prefix of path p (m points)? */
static bool is_prefix(const __u16 *q, int n, const __u16 *p, int m)
{
	return n <= m && !memcmp(q, p, (size_t)n * sizeof(__u16));
}

__u64 pt_hops_pct(const struct pt_hops_delay *d, double p)
{
	double r;
	__u64 rank;

	if (!d->n || !d->us)
		return 0;
	r = p / 100.0 * d->n;
	rank = (__u64)r;
	if ((double)rank < r - 1e-9)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > d->n)
		rank = d->n;
	return (__u64)d->us[rank - 1] * 1000;
}

static __u16 out_point(const struct pt_hops *h, __u16 pt)
{
	if (!h->pair_mode)
		return pt;
	return (__u16)((pt == 0 ? h->res.from_id : h->res.to_id) < 0 ? 0xffff
		       : (pt == 0 ? h->res.from_id : h->res.to_id));
}

/* Usual path, counts and delays of group g into out (internal point ids). */
static int group_result(struct pt_hops *h, __u32 g, struct pt_hops_group *out)
{
	struct pagg **v = NULL, *best = NULL;
	size_t n = 0, k;
	__u64 best_score = 0, seen[MAXP] = {}, retrans[MAXP] = {};
	__u16 path[MAXP];
	int m;

	for (__u32 i = h->groups[g].path_head; i; i = h->paths[i - 1].next)
		n++;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	k = 0;
	for (__u32 i = h->groups[g].path_head; i; i = h->paths[i - 1].next)
		v[k++] = &h->paths[i - 1];
	qsort(v, n, sizeof(*v), cmp_pagg_count);

	out->flow = h->groups[g].flow;
	out->first = h->groups[g].first;
	if (h->pair_mode) {
		m = 2;
		path[0] = 0;
		path[1] = 1;
	} else {
		/* the candidate consistent with the most packets; candidates: the 64 commonest */
		for (size_t c = 0; c < n && c < 64; c++) {
			__u64 score = 0;

			if (v[c]->too_long)
				continue;
			for (size_t q = 0; q < n; q++)
				if (!v[q]->too_long && is_prefix(v[q]->points, v[q]->n, v[c]->points, v[c]->n))
					score += v[q]->count;
			if (!best || score > best_score || (score == best_score && v[c]->n > best->n)) {
				best = v[c];
				best_score = score;
			}
		}
		m = best ? best->n : 0;
		if (best)
			memcpy(path, best->points, (size_t)m * sizeof(__u16));
	}
	out->path.n = (__u8)m;
	for (int i = 0; i < m; i++)
		out->path.points[i] = out_point(h, path[i]);

	k = 0;
	for (size_t q = 0; q < n; q++) {
		const struct pagg *p = v[q];

		out->packets += p->count;
		if (!p->too_long && m && is_prefix(p->points, p->n, path, m)) {
			out->on_path += p->count;
			if (p->n == m)
				out->path.count += p->count;
			for (int i = 0; i < p->n; i++) {
				seen[i] += p->count;
				retrans[i] += p->rep[i];
			}
			continue;
		}
		out->other_path += p->count;
		if (p->too_long)
			out->too_long += p->count;
		if (k < PT_HOPS_OTHER_TOP) {	/* v is sorted: the first ones are the commonest */
			out->other[k].n = p->n;
			out->other[k].count = p->count;
			for (int i = 0; i < p->n; i++)
				out->other[k].points[i] = out_point(h, p->points[i]);
			k++;
		}
	}
	free(v);

	out->nseg = m > 1 ? (size_t)m - 1 : 0;
	out->seg = calloc(out->nseg ? out->nseg : 1, sizeof(*out->seg));
	if (!out->seg)
		return -ENOMEM;
	for (size_t i = 0; i < out->nseg; i++) {
		struct pt_hops_seg *s = &out->seg[i];
		struct pair *q = pair_lookup(h, g, path[i], path[i + 1]);

		s->from = out_point(h, path[i]);
		s->to = out_point(h, path[i + 1]);
		s->at_from = seen[i];
		s->at_to = seen[i + 1];
		s->retrans = retrans[i];
		s->drops_known = false;	/* PT_REC_DROP records are not stored yet */
		if (q) {
			if (!q->sorted) {
				sort_u32(q->us, q->n);
				q->sorted = true;
			}
			s->d.count = q->count;
			s->d.min_ns = q->min;
			s->d.max_ns = q->max;
			s->d.sum_ns = q->sum;
			s->d.us = q->us;
			s->d.n = q->n;
			s->d.sampled = q->sampled;
		}
		s->max_delay_ns = h->o.max_delay_ns ? h->o.max_delay_ns : s->d.max_ns;
		s->drops_known = h->o.drops || h->res.drops;
	}
	/* kernel drops: on the segment after the packet's last point, if that was on the usual path */
	for (__u32 i = h->groups[g].drop_head; i; i = h->drops[i - 1].next) {
		const struct dagg *d = &h->drops[i - 1];

		if (d->too_long || !m || !is_prefix(d->points, d->n, path, m))
			out->drops_other += d->count;
		else if (d->n == m)
			out->drops_after += d->count;
		else if (seg_add_drops(&out->seg[d->n - 1], d->reason, d->count))
			return -ENOMEM;
	}
	for (size_t i = 0; i < out->nseg; i++)
		if (out->seg[i].nreasons > 1)
			qsort((void *)out->seg[i].reasons, out->seg[i].nreasons, sizeof(struct pt_hops_reason),
			      cmp_reason);
	return 0;
}

const struct pt_hops_result *pt_hops_finish(struct pt_hops *h)
{
	struct pt_hops_result *r = &h->res;
	__u32 *path_of;		/* internal usual path per group, flattened */
	__u8 *plen;

	if (h->finished)
		return r;
	h->finished = true;
	r->end_ns = h->now;
	/* entries still tracked count on their paths too; they stay for the in-flight check */
	for (__u64 s = h->head; s < h->tail; s++)
		if (fold(h, &h->ring[s & (h->rcap - 1)]))
			goto oom;
	r->groups = calloc(h->ngroups ? h->ngroups : 1, sizeof(*r->groups));
	path_of = calloc((h->ngroups ? h->ngroups : 1) * MAXP, sizeof(*path_of));
	plen = calloc(h->ngroups ? h->ngroups : 1, 1);
	if (!r->groups || !path_of || !plen) {
		free(path_of);
		free(plen);
		goto oom;
	}
	r->ngroups = h->ngroups;
	for (__u32 g = 0; g < h->ngroups; g++) {
		if (group_result(h, g, &r->groups[g])) {
			free(path_of);
			free(plen);
			goto oom;
		}
		/* keep the internal ids of the usual path for the in-flight check */
		plen[g] = r->groups[g].path.n;
		if (h->pair_mode) {
			path_of[g * MAXP] = 0;
			path_of[g * MAXP + 1] = 1;
		} else {
			for (int i = 0; i < plen[g]; i++)
				path_of[g * MAXP + i] = r->groups[g].path.points[i];
		}
	}
	/* in flight: tracked packets that stopped short of the usual path's end recently */
	for (__u64 s = h->head; s < h->tail; s++) {
		const struct ent *e = &h->ring[s & (h->rcap - 1)];
		struct pt_hops_group *gr = &r->groups[e->group];
		int m = plen[e->group], i;
		struct pt_hops_seg *sg;

		if (e->too_long || e->n >= m || e->dropped)
			continue;
		for (i = 0; i < e->n && e->points[i] == path_of[e->group * MAXP + i]; i++)
			;
		if (i < e->n)
			continue;
		sg = &gr->seg[e->n - 1];
		if (e->last_ts + sg->max_delay_ns >= r->end_ns)
			sg->in_flight++;
	}
	for (size_t g = 0; g < r->ngroups; g++)
		for (size_t i = 0; i < r->groups[g].nseg; i++) {
			struct pt_hops_seg *sg = &r->groups[g].seg[i];

			sg->lost = sg->at_from - sg->at_to - sg->in_flight;
		}
	free(path_of);
	free(plen);
	qsort(r->groups, r->ngroups, sizeof(*r->groups), cmp_group);
	return r;
oom:
	return NULL;
}

/* ---- scans ---- */

static bool name_is(const struct pt_point_names *n, const char *name)
{
	return n->full && (!strcmp(n->full, name) || (n->alias && !strcmp(n->alias, name)));
}

static int classify(struct pt_hops *h, const struct pt_view *v, __u16 id)
{
	struct pt_point_names n;

	if (id >= PT_MAX_POINTS)
		return 0;
	if (h->cls[id] && h->cls_at[id] == v->info[id].attach_realtime_ns)
		return h->cls[id] - 1;
	n = pt_view_names(v, id);
	h->cls_at[id] = v->info[id].attach_realtime_ns;
	if (name_is(&n, h->o.from)) {
		h->cls[id] = 2;
		h->res.from_id = id;
	} else if (name_is(&n, h->o.to)) {
		h->cls[id] = 3;
		h->res.to_id = id;
	} else {
		h->cls[id] = 1;
	}
	return h->cls[id] - 1;
}

static void known_points(const struct pt_view *v, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < PT_MAX_POINTS && off + 1 < len; i++) {
		struct pt_point_names n = pt_view_names(v, (__u16)i);
		int w;

		if (!n.full)
			continue;
		w = snprintf(buf + off, len - off, "%s%s%s%s%s", off ? ", " : "", n.full, n.alias ? " (=" : "",
			     n.alias ? n.alias : "", n.alias ? ")" : "");
		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (!off)
		snprintf(buf, len, "none (the store has no capture point records)");
}

/* A record read ahead by pt_hops_run (the fixed part only: the engine never looks at frame data). */
struct ahead {
	int type;		/* PT_REC_PKT or PT_REC_DROP */
	int cls;		/* pair mode point class of a packet */
	union {
		struct pt_pkt p;
		struct pt_drop d;
	} u;
};

static inline __u64 ahead_fp(const struct ahead *a)
{
	return a->type == PT_REC_PKT ? a->u.p.fp : a->u.d.pkt.fp;
}

/* Feed n read-ahead records in order, prefetching the entries of the ones a little further on. */
static int feed_ahead(struct pt_hops *h, const struct ahead *b, int n)
{
	int rc;

	for (int i = 0; i < n; i++) {
		if (i + PEEK_AHEAD < n) {
			__u64 fp = ahead_fp(&b[i + PEEK_AHEAD]);
			slot_t t = h->tab[tab_home(h, fp)];

			if ((__u32)(t >> 32) == fp_tag(fp))
				__builtin_prefetch(&h->ring[(__u32)t & (h->rcap - 1)], 1);
		}
		if (b[i].type == PT_REC_PKT)
			rc = pt_hops_feed(h, &b[i].u.p, b[i].cls);
		else
			rc = pt_hops_feed_drop(h, &b[i].u.d);
		if (rc)
			return rc;
	}
	return 0;
}

int pt_hops_run(struct pt_hops *h, struct pt_scan *s, char *msg, size_t msglen)
{
	const struct pt_view *v = pt_scan_view(s);
	const struct pt_rec_hdr *rec;
	struct ahead b[BATCH];
	int rc, n = 0, frc;

	/*
	 * Records are read BATCH at a time and the table slot of each is prefetched
	 * as it is read: by the time it is fed, its slot is in the cache. Loss
	 * records only add to counters: they are counted as they come.
	 */
	while ((rc = pt_scan_next(s, &rec)) == 1) {
		if (rec->type == PT_REC_PKT) {
			const struct pt_pkt *p = (const void *)rec;

			b[n].type = PT_REC_PKT;
			b[n].cls = h->pair_mode ? classify(h, v, p->point) : 0;
			memcpy(&b[n].u.p, p, sizeof(*p));
		} else if (rec->type == PT_REC_DROP) {
			if (rec->len < sizeof(struct pt_drop))
				continue;
			b[n].type = PT_REC_DROP;
			memcpy(&b[n].u.d, rec, sizeof(struct pt_drop));
		} else {
			if (rec->type == PT_REC_LOSS)
				pt_hops_feed_loss(h, (const void *)rec);
			continue;
		}
		{
			__u64 home = tab_home(h, ahead_fp(&b[n]));

			/* the probe may run on into the next line (a new fingerprint runs to an empty slot) */
			__builtin_prefetch(&h->tab[home], 1);
			__builtin_prefetch(&h->tab[(home + 2) & (h->tcap - 1)], 1);
		}
		if (++n == BATCH) {
			rc = feed_ahead(h, b, n);
			n = 0;
			if (rc)
				break;
		}
	}
	if (n && (frc = feed_ahead(h, b, n)) && rc >= 0)
		rc = frc;
	if (rc < 0) {
		snprintf(msg, msglen, "%s", rc == -ENOMEM ? "out of memory" : strerror(-rc));
		return rc;
	}
	if (h->pair_mode) {
		const char *names[2] = { h->o.from, h->o.to };
		int *ids[2] = { &h->res.from_id, &h->res.to_id };

		for (int i = 0; i < 2; i++) {
			if (*ids[i] < 0)
				*ids[i] = pt_view_lookup(v, names[i]);
			if (*ids[i] < 0) {
				char known[2048];

				known_points(v, known, sizeof(known));
				snprintf(msg, msglen, "unknown capture point '%s'; the store knows: %s", names[i],
					 known);
				return -ENOENT;
			}
		}
	}
	if (!pt_hops_finish(h)) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void pt_hops_free(struct pt_hops *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->npairs; i++)
		free(h->pairs[i].us);
	for (size_t g = 0; h->res.groups && g < h->res.ngroups; g++) {
		for (size_t i = 0; h->res.groups[g].seg && i < h->res.groups[g].nseg; i++)
			free((void *)h->res.groups[g].seg[i].reasons);
		free(h->res.groups[g].seg);
	}
	free(h->drops);
	free(h->didx.v);
	free(h->res.groups);
	free(h->pairs);
	free(h->qidx.v);
	free(h->paths);
	free(h->pidx.v);
	free(h->groups);
	free(h->gidx.v);
	free(h->ring);
	free(h->tab);
	free(h);
}
