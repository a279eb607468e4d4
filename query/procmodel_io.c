// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * procmodel_io.c — data calls of query/procmodel.h: streams and their
 * offsets, content pieces (inline bytes and CHUNK records), and content
 * assembly.
 *
 * A TCP stream keeps 64-bit unwrapped positions while fed: the first position
 * is 2^32 + (base or first seq) and each call's is the previous end plus the
 * signed 32-bit distance of its seq from it, so wraps and calls slightly out
 * of order land right. finish turns positions into offsets from the base (or
 * from the lowest position when there is no base).
 *
 * A TCP send marked PT_DAF_SEQ_UNCERTAIN (bpf/proc.h: another thread's send
 * overtook it, its bytes are somewhere in [seq_lo, snd_seq + size)) is placed
 * at finish by elimination when its window has exactly one hole of its size
 * (place_one); one that cannot be keeps the mark and its guessed offset, and
 * content assembly leaves its bytes out (the receiver's calls, when seen,
 * still fill them).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "query/procmodel_int.h"

/* Stream index of a direction: 0 PT_DIR_IN, 1 PT_DIR_OUT. */
static int dix(__u8 dir)
{
	return dir == PT_DIR_OUT;
}

/* Hash of a peer address. */
static __u64 peer_key(__u16 family, __u16 port, const __u8 *addr)
{
	__u64 a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return pm_mix(a ^ pm_mix(b ^ ((__u64)family << 16 | port)));
}

/* Index of the peer address, added when new. 0 or -ENOMEM. */
static int peer_get(struct pt_procmodel *m, __u16 family, __u16 port, const __u8 *addr, __u32 *out)
{
	__u64 key = peer_key(family, port, addr), it = 0;
	struct pt_pm_peer *p;
	__u32 i;
	int rc;

	while ((i = pm_map_iter(&m->peermap, key, &it)) != NONE) {
		p = &m->peers[i];
		if (p->family == family && p->port == port && !memcmp(p->addr, addr, 16)) {
			*out = i;
			return 0;
		}
	}
	i = (__u32)m->npeers;
	if ((rc = PM_RESERVE(m->peers, m->cpeers, m->npeers + 1)) || (rc = pm_map_put(&m->peermap, key, i)))
		return rc;
	p = &m->peers[m->npeers++];
	p->family = family;
	p->port = port;
	memcpy(p->addr, addr, 16);
	*out = i;
	return 0;
}

/*
 * Append call c to obj's stream dx, placing it (c->off) from seq (TCP) or the
 * running count. *ci = its index. 0 or -ENOMEM (nothing added).
 */
static int call_add(struct pt_procmodel *m, __u32 obj, int dx, struct pt_pm_call *c, __u32 seq, __u32 *ci)
{
	struct pm_obj *o = &m->objs[obj];
	struct pm_stream *s = &o->st[dx];
	size_t n = s->pub.ncalls;

	if (n == s->ccalls) {
		size_t nc = s->ccalls ? s->ccalls * 2 : 4;
		struct pt_pm_call *calls = realloc(s->calls, nc * sizeof(*calls));
		__u32 *piece;

		if (!calls)
			return -ENOMEM;
		s->calls = calls;
		if (!(piece = realloc(s->piece, nc * sizeof(*piece))))
			return -ENOMEM;
		s->piece = piece;
		s->ccalls = nc;
	}
	if (s->pub.mode == PT_PMS_NONE)
		s->pub.mode = pm_obj_tcp(o) ? PT_PMS_SEQ : PT_PMS_COUNT;
	if (s->pub.mode == PT_PMS_SEQ) {
		__u64 pos;

		if (!s->have_ref) {
			bool has = dx ? o->has_snd_base : o->has_rcv_base;

			s->last_end = 1ull << 32 | (has ? (dx ? o->snd_base : o->rcv_base) : seq);
			s->have_base = has;
			s->base_pos = s->last_end;
			s->min_pos = ~0ull;
			s->have_ref = true;
		}
		pos = s->last_end + (__u64)(__s64)(__s32)(seq - (__u32)s->last_end);
		s->last_end = pos + c->size;
		if (pos < s->min_pos)
			s->min_pos = pos;
		c->off = pos;
	} else {
		c->off = s->last_end;
		s->last_end += c->size;
	}
	s->calls[n] = *c;
	s->piece[n] = NONE;
	s->pub.ncalls++;
	s->pub.bytes += c->size;
	if (!s->pub.first_ts || c->ts < s->pub.first_ts)
		s->pub.first_ts = c->ts;
	if (c->ts > s->pub.last_ts)
		s->pub.last_ts = c->ts;
	*ci = (__u32)n;
	return 0;
}

/* Add captured bytes [off, off + len) of call ci of obj's stream dx, kept sorted by off. 0 or -ENOMEM. */
static int piece_add(struct pt_procmodel *m, __u32 obj, int dx, __u32 ci, __u32 off, __u32 len, const __u8 *p)
{
	__u32 i = (__u32)m->npieces, *link;
	int rc;

	if ((rc = PM_RESERVE(m->pieces, m->cpieces, m->npieces + 1)))
		return rc;
	m->pieces[i] = (struct pm_piece){ .p = p, .off = off, .len = len };
	for (link = &m->objs[obj].st[dx].piece[ci]; *link != NONE && m->pieces[*link].off <= off;
	     link = &m->pieces[*link].next)
		;
	m->pieces[i].next = *link;
	*link = i;
	m->npieces++;
	return 0;
}

/*
 * Note call ci of stream s, a TCP send marked PT_DAF_SEQ_UNCERTAIN by record
 * d, for placement at finish (place_unsure). A stream without sequence
 * numbers keeps the mark only. 0 or -ENOMEM.
 */
static int unsure_add(struct pm_stream *s, __u32 ci, const struct pt_data *d)
{
	int rc;

	if (s->pub.mode != PT_PMS_SEQ)
		return 0;
	if ((rc = PM_RESERVE(s->unsure, s->cunsure, s->nunsure + 1)))
		return rc;
	/* the window's start, unwrapped like the call's own position */
	s->unsure[s->nunsure++] = (struct pm_unsure){
		.ci = ci, .lo = s->calls[ci].off - (__u32)(d->info.snd_seq - d->seq_lo) };
	return 0;
}

/* Hash of the (tid, ts, msg_index) that ties CHUNKs to their DATA. */
static __u64 pend_key(__u32 tid, __u64 ts, __u16 msg)
{
	return pm_mix(ts) ^ pm_mix((__u64)tid << 16 | msg);
}

int pm_apply_data(struct pt_procmodel *m, const struct pt_data *d, __u32 proc, struct pt_rec_hdr *copy, bool *kept)
{
	__u64 ts = d->task.ts_ns;
	__u32 tid = d->task.tid, obj, ci, peer = NONE;
	int dx = dix(d->dir), rc;
	struct pt_pm_call c;

	*kept = false;
	if (d->ret < 0) {
		m->st.failed++;
		if (d->flags & PT_DAF_NOARGS)
			return 0;
		if (!(rc = pm_fd_obj(m, proc, d->fd, ts, tid, NULL, false, &obj)) && obj != NONE)
			m->objs[obj].st[dx].pub.failed++;
		return rc;
	}
	if (d->flags & PT_DAF_NOARGS) {
		m->st.noargs++;	/* fd unknown: the call cannot be placed */
		return 0;
	}
	if ((rc = pm_fd_obj(m, proc, d->fd, ts, tid, &d->info, true, &obj)) || obj == NONE)
		return rc;
	if ((d->flags & PT_DAF_ADDR) && (rc = peer_get(m, d->peer_family, d->peer_port, d->peer_addr, &peer)))
		return rc;
	c = (struct pt_pm_call){
		.ts = ts, .size = d->size, .captured = d->captured < d->cap_len ? d->cap_len : d->captured,
		.fpos = -1, .proc = proc, .tid = tid, .call = d->call, .flags = d->flags, .peer = peer,
	};
	if (c.captured > c.size)
		c.captured = c.size;
	if (d->offset >= 0)
		c.fpos = d->offset;
	else if (d->info.kind == PT_FK_FILE && d->info.pos >= d->size)
		c.fpos = (__s64)(d->info.pos - d->size);
	if ((rc = call_add(m, obj, dx, &c, dx ? d->info.snd_seq : d->info.rcv_seq, &ci)))
		return rc;
	if ((d->flags & PT_DAF_SEQ_UNCERTAIN) && (rc = unsure_add(&m->objs[obj].st[dx], ci, d)))
		return rc;
	if (d->cap_len && c.captured) {
		if ((rc = pm_keep(m, copy)))
			return rc;
		*kept = true;
		if ((rc = piece_add(m, obj, dx, ci, 0, (__u32)(d->cap_len < c.captured ? d->cap_len : c.captured),
				    (const __u8 *)(d + 1))))
			return rc;
	}
	if (c.captured > d->cap_len) {
		struct pm_pend *p;

		if ((rc = PM_RESERVE(m->pends, m->cpends, m->npends + 1)) ||
		    (rc = pm_map_put(&m->pendmap, pend_key(tid, ts, d->msg_index), (__u32)m->npends)))
			return rc;
		p = &m->pends[m->npends++];
		*p = (struct pm_pend){ .ts = ts, .tid = tid, .obj = obj, .call = ci, .msg = d->msg_index,
				       .dix = (__u8)dx };
	}
	if (d->call == PT_CALL_SENDFILE && d->fd2 >= 0) {
		/* the in_fd side: read by the kernel, never in user memory */
		if ((rc = pm_fd_obj(m, proc, d->fd2, ts, tid, NULL, true, &obj)))
			return rc;
		c.captured = 0;
		c.flags = PT_DAF_NOCONTENT;
		c.peer = NONE;
		c.fpos = -1;
		return call_add(m, obj, 0, &c, 0, &ci);
	}
	return 0;
}

int pm_apply_chunk(struct pt_procmodel *m, const struct pt_chunk *k, struct pt_rec_hdr *copy, bool *kept)
{
	__u64 it = 0;
	__u32 i, len = k->len - (__u32)sizeof(*k);
	const struct pm_pend *p = NULL;
	struct pt_pm_call *c;

	*kept = false;
	while ((i = pm_map_iter(&m->pendmap, pend_key(k->tid, k->ts_ns, k->msg_index), &it)) != NONE) {
		p = &m->pends[i];
		if (p->ts == k->ts_ns && p->tid == k->tid && p->msg == k->msg_index)
			break;
	}
	if (i == NONE) {
		m->st.orphan_chunks++;
		return 0;
	}
	c = &m->objs[p->obj].st[p->dix].calls[p->call];
	if (k->flags & (PT_CHF_FAULT | PT_CHF_IOV)) {
		/* the content ends here (read after the DATA record announced it) */
		if (k->off < c->captured) {
			c->captured = k->off;
			c->flags |= k->flags & PT_CHF_FAULT ? PT_DAF_FAULT : PT_DAF_IOV_TRUNC;
		}
		return 0;
	}
	if (!len || k->off >= c->captured)
		return 0;
	if (k->off + len > c->captured)
		len = (__u32)(c->captured - k->off);
	if (pm_keep(m, copy))
		return -ENOMEM;
	*kept = true;
	return piece_add(m, p->obj, p->dix, p->call, (__u32)k->off, len, (const __u8 *)(k + 1));
}

/* Ascending by start, for the placed calls of a window. */
static int cmp_iv(const void *a, const void *b)
{
	const __u64 *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/*
 * Place u (a call of s marked PT_DAF_SEQ_UNCERTAIN) by elimination: when the
 * bytes of its window [lo, hi) that no placed call of s covers form exactly
 * one hole of its size, that hole is where its bytes went. Positions are the
 * unwrapped ones (before finish). Returns true when placed (off set, mark
 * cleared); false (nothing changed) when the hole is not unique, or on -ENOMEM
 * (then it stays marked: never placed wrong).
 */
static bool place_one(struct pm_stream *s, const struct pm_unsure *u)
{
	struct pt_pm_call *c = &s->calls[u->ci];
	__u64 lo = u->lo, hi = c->off + c->size, pos = lo, hole = 0, hole_at = 0;
	__u64 (*iv)[2] = NULL;
	size_t n = 0, cap = 0;
	bool ok = false;

	if (hi <= lo || hi - lo < c->size)
		return false;
	for (size_t k = 0; k < s->pub.ncalls; k++) {
		const struct pt_pm_call *o = &s->calls[k];

		if (k == u->ci || !o->size || (o->flags & PT_DAF_SEQ_UNCERTAIN) || o->off >= hi ||
		    o->off + o->size <= lo)
			continue;
		if (PM_RESERVE(iv, cap, n + 1))
			goto out;
		iv[n][0] = o->off;
		iv[n][1] = o->off + o->size;
		n++;
	}
	if (n)
		qsort(iv, n, sizeof(*iv), cmp_iv);
	for (size_t k = 0; k <= n; k++) {
		__u64 start = k < n ? iv[k][0] : hi, end = k < n ? iv[k][1] : hi;

		if (start > pos) {
			if (hole)
				goto out;	/* two holes */
			hole = start - pos;
			hole_at = pos;
		}
		if (end > pos)
			pos = end;
	}
	if (hole == c->size) {
		c->off = hole_at;
		c->flags &= (__u16)~PT_DAF_SEQ_UNCERTAIN;
		ok = true;
	}
out:
	free(iv);
	return ok;
}

/* Every uncertain call of s that elimination places; repeated while one is (it may free another's window). */
static void place_unsure(struct pm_stream *s)
{
	bool more = s->nunsure > 0;

	while (more) {
		more = false;
		for (size_t k = 0; k < s->nunsure; k++) {
			if (!(s->calls[s->unsure[k].ci].flags & PT_DAF_SEQ_UNCERTAIN) || !place_one(s, &s->unsure[k]))
				continue;
			more = true;
			if (s->calls[s->unsure[k].ci].off < s->min_pos)
				s->min_pos = s->calls[s->unsure[k].ci].off;
		}
	}
	free(s->unsure);
	s->unsure = NULL;
	s->nunsure = s->cunsure = 0;
}

void pm_streams_finish(struct pt_procmodel *m)
{
	for (size_t i = 0; i < m->nobjs; i++) {
		struct pm_obj *o = &m->objs[i];
		__u8 b = o->pub.begin;

		for (int dx = 0; dx < 2; dx++) {
			struct pm_stream *s = &o->st[dx];
			__u64 origin;

			s->pub.calls = s->calls;
			if (s->pub.mode == PT_PMS_COUNT) {
				s->pub.exact = b == PT_PMB_OPEN || b == PT_PMB_SOCKET || b == PT_PMB_SOCKETPAIR ||
					       b == PT_PMB_PIPE || b == PT_PMB_ACCEPT;
				s->pub.end = s->last_end;
				continue;
			}
			if (s->pub.mode != PT_PMS_SEQ)
				continue;
			place_unsure(s);
			origin = s->have_base ? s->base_pos : s->min_pos;
			s->pub.exact = s->have_base;
			s->pub.origin_seq = (__u32)origin;
			for (size_t k = 0; k < s->pub.ncalls; k++) {
				struct pt_pm_call *c = &s->calls[k];

				c->off = c->off >= origin ? c->off - origin : 0;
				/* an empty call does not extend the stream: the EOF read after a FIN
				 * sits one sequence number past the last byte (the FIN's) */
				if (c->size && c->off + c->size > s->pub.end)
					s->pub.end = c->off + c->size;
			}
		}
	}
}

/* ---- queries ---- */

const struct pt_pm_stream *pt_procmodel_stream(const struct pt_procmodel *m, __u32 obj, __u8 dir)
{
	if (!m->finished || obj >= m->nobjs || (dir != PT_DIR_IN && dir != PT_DIR_OUT))
		return NULL;
	return &m->objs[obj].st[dix(dir)].pub;
}

/* Ascending u32. */
static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

int pt_procmodel_stream_procs(const struct pt_procmodel *m, __u32 obj, __u8 dir, __u32 **out, size_t *n)
{
	const struct pt_pm_stream *s = pt_procmodel_stream(m, obj, dir);
	__u32 *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EINVAL;
	if (!s->ncalls)
		return 0;
	if (!(v = malloc(s->ncalls * sizeof(*v))))
		return -ENOMEM;
	for (size_t i = 0; i < s->ncalls; i++)
		v[i] = s->calls[i].proc;
	qsort(v, s->ncalls, sizeof(*v), cmp_u32);
	for (size_t i = 0; i < s->ncalls; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	*out = v;
	*n = k;
	return 0;
}

const struct pt_pm_peer *pt_procmodel_peer(const struct pt_procmodel *m, __u32 peer)
{
	return m->finished && peer < m->npeers ? &m->peers[peer] : NULL;
}

/* ---- content assembly ---- */

/* A candidate for [start, end) of the assembled range: data or a gap, of one source. */
struct span {
	__s64 start, end;
	const __u8 *p;		/* data: the byte at start */
	__u32 order;		/* push order: earlier call first */
	__u8 gap, rank;		/* rank: data of source 0, of 1, gaps of 0, of 1 (lower wins) */
};

struct asm_ctx {
	__s64 a, b;		/* the window */
	struct span *v;
	size_t n, cap;
	struct pt_pm_range *r;
	size_t nr, rcap;
};

struct src {
	const struct pm_stream *s;
	__s64 shift;		/* added to the stream's offsets */
};

/* Add [lo, hi) (shifted offsets) clipped to the window. 0 or -ENOMEM. */
static int span_add(struct asm_ctx *x, __s64 lo, __s64 hi, const __u8 *p, __u8 gap, __u8 rank)
{
	int rc;

	if (lo < x->a) {
		if (p)
			p += x->a - lo;
		lo = x->a;
	}
	if (hi > x->b)
		hi = x->b;
	if (lo >= hi)
		return 0;
	if ((rc = PM_RESERVE(x->v, x->cap, x->n + 1)))
		return rc;
	x->v[x->n] = (struct span){ .start = lo, .end = hi, .p = p, .order = (__u32)x->n, .gap = gap, .rank = rank };
	x->n++;
	return 0;
}

/* Why bytes [captured, size) of call c were not captured. */
static __u8 tail_gap(const struct pt_pm_call *c)
{
	if (c->flags & PT_DAF_FAULT)
		return PT_PMG_FAULT;
	if (c->flags & PT_DAF_IOV_TRUNC)
		return PT_PMG_IOV;
	if (c->flags & PT_DAF_NOCONTENT)
		return PT_PMG_NOCONTENT;
	if (c->flags & PT_DAF_LIMIT)
		return PT_PMG_LIMIT;
	/* captured = min(size, --content) otherwise: nothing at all means content was off */
	return c->captured ? PT_PMG_TRUNC : PT_PMG_OFF;
}

/* Spans of every call of source src (0 or 1) that meet the window. */
static int gather(const struct pt_procmodel *m, struct asm_ctx *x, const struct src *sr, __u8 src)
{
	const struct pm_stream *s = sr->s;
	__u8 drank = src, grank = 2 + src;
	int rc;

	for (size_t ci = 0; ci < s->pub.ncalls; ci++) {
		const struct pt_pm_call *c = &s->calls[ci];
		__s64 o = (__s64)c->off + sr->shift;
		__u64 pos = 0, cap = c->captured < c->size ? c->captured : c->size;

		/* a send that could not be placed: its offset is a guess, its bytes are left out */
		if (!c->size || (c->flags & PT_DAF_SEQ_UNCERTAIN) || o + (__s64)c->size <= x->a || o >= x->b)
			continue;
		for (__u32 pi = s->piece[ci]; pi != NONE && m->pieces[pi].off < cap; pi = m->pieces[pi].next) {
			const struct pm_piece *p = &m->pieces[pi];
			__u64 ps = p->off, pe = p->off + p->len < cap ? p->off + p->len : cap;

			if (ps > pos && (rc = span_add(x, o + (__s64)pos, o + (__s64)ps, NULL, PT_PMG_RING, grank)))
				return rc;
			if (pe > pos) {
				__u64 from = ps > pos ? ps : pos;

				if ((rc = span_add(x, o + (__s64)from, o + (__s64)pe, p->p + (from - ps), PT_PMG_DATA, drank)))
					return rc;
				pos = pe;
			}
		}
		if (pos < cap && (rc = span_add(x, o + (__s64)pos, o + (__s64)cap, NULL, PT_PMG_RING, grank)))
			return rc;
		if (cap < c->size && (rc = span_add(x, o + (__s64)cap, o + (__s64)c->size, NULL, tail_gap(c), grank)))
			return rc;
	}
	return 0;
}

/* Spans by start, then push order. */
static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Heap order: better span first. */
static bool better(const struct span *x, const struct span *y)
{
	return x->rank != y->rank ? x->rank < y->rank : x->order < y->order;
}

/* Push span e on heap h of n (room for it is there). */
static void heap_push(__u32 *h, size_t *n, const struct span *v, __u32 e)
{
	size_t i = (*n)++;

	while (i && better(&v[e], &v[h[(i - 1) / 2]])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = e;
}

/* Pop the best span of heap h (*n > 0). */
static void heap_pop(__u32 *h, size_t *n, const struct span *v)
{
	__u32 last = h[--*n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && better(&v[h[c + 1]], &v[h[c]]))
			c++;
		if (!better(&v[h[c]], &v[last]))
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
}

/* Append [lo, hi) as gap (bytes p when data), merged with the previous range when continuous. */
static int emit(struct asm_ctx *x, __s64 lo, __s64 hi, __u8 gap, const __u8 *p)
{
	struct pt_pm_range *l = x->nr ? &x->r[x->nr - 1] : NULL;
	int rc;

	if (l && l->gap == gap && (gap != PT_PMG_DATA || l->bytes + l->len == p)) {
		l->len += (__u64)(hi - lo);
		return 0;
	}
	if ((rc = PM_RESERVE(x->r, x->rcap, x->nr + 1)))
		return rc;
	x->r[x->nr++] = (struct pt_pm_range){ .off = (__u64)lo, .len = (__u64)(hi - lo), .gap = gap, .bytes = p };
	return 0;
}

/*
 * Ranges of [off, off + len) over sources (the first preferred), clipped to
 * their end: sweep the span starts, the best span covering each point wins.
 */
static int assemble(const struct pt_procmodel *m, const struct src *srcs, int nsrc, __u64 off, __u64 len,
		    struct pt_pm_range **out, size_t *n)
{
	/* an offset past any stream (2^63 or more) is past this one's end too */
	struct asm_ctx x = { .a = off > (__u64)INT64_MAX ? INT64_MAX : (__s64)off };
	__s64 end = 0, pos;
	__u32 *heap = NULL;
	size_t nh = 0, i = 0;
	int rc = 0;

	for (int k = 0; k < nsrc; k++)
		if ((__s64)srcs[k].s->pub.end + srcs[k].shift > end)
			end = (__s64)srcs[k].s->pub.end + srcs[k].shift;
	x.b = len > (__u64)(end - x.a) || x.a > end ? end : x.a + (__s64)len;
	for (int k = 0; k < nsrc && x.a < x.b; k++)
		if ((rc = gather(m, &x, &srcs[k], (__u8)k)))
			goto cleanup;
	if (x.n) {
		qsort(x.v, x.n, sizeof(*x.v), cmp_span);
		if (!(heap = malloc(x.n * sizeof(*heap)))) {
			rc = -ENOMEM;
			goto cleanup;
		}
	}
	for (pos = x.a; pos < x.b;) {
		__s64 next;

		while (i < x.n && x.v[i].start <= pos)
			heap_push(heap, &nh, x.v, (__u32)i++);
		while (nh && x.v[heap[0]].end <= pos)
			heap_pop(heap, &nh, x.v);
		next = i < x.n && x.v[i].start < x.b ? x.v[i].start : x.b;
		if (!nh) {
			if ((rc = emit(&x, pos, next, PT_PMG_UNSEEN, NULL)))
				goto cleanup;
			pos = next;
			continue;
		}
		{
			const struct span *s = &x.v[heap[0]];
			__s64 e = s->end < next ? s->end : next;

			if ((rc = emit(&x, pos, e, s->gap, s->p ? s->p + (pos - s->start) : NULL)))
				goto cleanup;
			pos = e;
		}
	}
	*out = x.r;
	*n = x.nr;
	x.r = NULL;
cleanup:
	free(x.v);
	free(x.r);
	free(heap);
	return rc;
}

int pt_procmodel_content(const struct pt_procmodel *m, __u32 obj, __u8 dir, __u64 off, __u64 len,
			 struct pt_pm_range **out, size_t *n)
{
	struct src s;

	*out = NULL;
	*n = 0;
	if (!pt_procmodel_stream(m, obj, dir))
		return -EINVAL;
	s = (struct src){ &m->objs[obj].st[dix(dir)], 0 };
	return assemble(m, &s, 1, off, len, out, n);
}

int pt_procmodel_conn_content(const struct pt_procmodel *m, __u32 conn, int side, __u64 off, __u64 len,
			      struct pt_pm_range **out, size_t *n)
{
	const struct pt_pm_conn *c;
	struct src s[2];
	int ns = 0;

	*out = NULL;
	*n = 0;
	if (!m->finished || conn >= m->nconns || (side != 0 && side != 1))
		return -EINVAL;
	c = &m->conns[conn];
	if (c->obj[side] != NONE && m->objs[c->obj[side]].st[1].pub.ncalls)
		s[ns++] = (struct src){ &m->objs[c->obj[side]].st[1], 0 };
	if (c->obj[!side] != NONE) {
		const struct pm_stream *r = &m->objs[c->obj[!side]].st[0];

		if (!ns)
			s[ns++] = (struct src){ r, 0 };
		else if (s[0].s->pub.mode == PT_PMS_SEQ && r->pub.mode == PT_PMS_SEQ)
			/* same sequence space: sender offset = receiver offset + (origin_r - origin_s) */
			s[ns++] = (struct src){ r, (__s32)(r->pub.origin_seq - s[0].s->pub.origin_seq) };
		else if (s[0].s->pub.mode == PT_PMS_COUNT && r->pub.mode == PT_PMS_COUNT && s[0].s->pub.exact &&
			 r->pub.exact)
			s[ns++] = (struct src){ r, 0 };
	}
	return assemble(m, s, ns, off, len, out, n);
}
