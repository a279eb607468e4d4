// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* correlate.c — map a middlebox's input to its output: by fingerprint, payload hash or connection order. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bpf/fingerprint.h"
#include "query/correlate.h"
#include "query/format.h"
#include "query/ops_int.h"

#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_ACK	0x10

/* A keyed packet (FP, PAYLOAD) or a connection event (CONN, key 0). */
struct ent {
	__u64 key;
	__u64 ts;		/* boottime ns: matching and delays */
	__u64 rt;		/* realtime ns: shown */
	__u32 flow;		/* index into the side's flow table */
	__u32 matched;
};

struct evec {
	struct ent *v;
	size_t n, cap;
};

/* CONN: per-flow handshake state at one side. */
enum { CS_NONE, CS_SYN, CS_OPEN, CS_UNKNOWN, CS_RESPONDER };
struct cstate {
	__u32 isn;
	__u8 st;
};

struct match {
	__u32 in_flow, out_flow;
	__u64 in_ts, out_ts;	/* boottime */
	__u64 in_rt, out_rt;	/* realtime */
};

struct rkey {
	__u32 side, flow;
};

struct rval {
	__u64 first_ns, count;
};

struct pt_corr {
	struct pt_corr_opts o;
	struct pt_omap flows[2];	/* struct pt_tuple -> __u32 index */
	struct pt_omap conn[2];		/* CONN: struct pt_tuple -> struct cstate */
	struct evec ev[2];
	struct match *m;
	size_t nm, mcap;
	struct pt_corr_pair *pairs;
	size_t npairs;
	struct pt_corr_resid *resid;
	size_t nresid;
	struct pt_corr_counts cnt;
	bool ran;
};

int pt_corr_by_parse(const char *s, enum pt_corr_by *out)
{
	if (!strcmp(s, "fingerprint") || !strcmp(s, "fp"))
		*out = PT_CORR_FP;
	else if (!strcmp(s, "payload"))
		*out = PT_CORR_PAYLOAD;
	else if (!strcmp(s, "conn-order") || !strcmp(s, "conn"))
		*out = PT_CORR_CONN;
	else
		return -EINVAL;
	return 0;
}

const char *pt_corr_by_name(enum pt_corr_by by)
{
	switch (by) {
	case PT_CORR_FP: return "fingerprint";
	case PT_CORR_PAYLOAD: return "payload";
	default: return "conn-order";
	}
}

struct pt_corr *pt_corr_new(const struct pt_corr_opts *o)
{
	struct pt_corr *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *o;
	if (!c->o.max_delay_ns)
		c->o.max_delay_ns = PT_CORR_MAX_DELAY_DEFAULT;
	for (int i = 0; i < 2; i++) {
		pt_omap_init(&c->flows[i], sizeof(struct pt_tuple), sizeof(__u32));
		pt_omap_init(&c->conn[i], sizeof(struct pt_tuple), sizeof(struct cstate));
	}
	return c;
}

void pt_corr_free(struct pt_corr *c)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++) {
		pt_omap_free(&c->flows[i]);
		pt_omap_free(&c->conn[i]);
		free(c->ev[i].v);
	}
	free(c->m);
	free(c->pairs);
	free(c->resid);
	free(c);
}

/* Flow index of t at side, interned. -1 on ENOMEM. */
static long flow_id(struct pt_corr *c, int side, const struct pt_tuple *t)
{
	int created;
	__u32 *v = pt_omap_get(&c->flows[side], t, 1, &created);

	if (!v)
		return -1;
	if (created)
		*v = (__u32)(c->flows[side].n - 1);
	return *v;
}

static const struct pt_tuple *flow_of(const struct pt_corr *c, int side, __u32 id)
{
	return pt_omap_key(&c->flows[side], id);
}

static int push(struct evec *e, const struct ent *x)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 1024;
		struct ent *v = realloc(e->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = *x;
	return 0;
}

__u64 pt_corr_payload_hash(const struct pt_pkt *p, bool *from_bytes, bool *short_cap)
{
	struct pt_fp_in in;
	size_t l2, off, present, want;
	const __u8 *data = (const __u8 *)(p + 1);

	*from_bytes = *short_cap = false;
	if (!p->l4_payload_len)
		return 0;
	if (p->flags & PT_PF_FP_NAT)
		return p->fp;
	if (!p->cap_len || !(p->flags & PT_PF_L4) || (p->flags & (PT_PF_VXLAN | PT_PF_FRAG | PT_PF_TRUNC | PT_PF_BADLEN)) ||
	    !(p->flags & (PT_PF_IPV4 | PT_PF_IPV6)) || p->l3_len < p->l4_payload_len)
		return 0;
	/* The payload starts after Ethernet, the tags, and the IP + L4 headers (l3_len - payload). */
	l2 = 14 + (p->flags & PT_PF_QINQ ? 8 : p->flags & PT_PF_VLAN ? 4 : 0);
	off = l2 + (size_t)(p->l3_len - p->l4_payload_len);
	if (p->cap_len <= off || p->len < sizeof(*p) + p->cap_len)
		return 0;
	present = p->cap_len - off;
	want = p->l4_payload_len < PT_FP_NAT_PAYLOAD ? p->l4_payload_len : PT_FP_NAT_PAYLOAD;
	memset(&in, 0, sizeof(in));
	in.mode = PT_FP_PAYLOAD;
	in.l4proto = p->l4proto;
	in.l4_payload_len = p->l4_payload_len;
	in.payload_n = (__u8)(present < want ? present : want);
	memcpy(in.payload, data + off, in.payload_n);
	*from_bytes = true;
	*short_cap = present < want;
	return pt_fp_compute(&in);
}

static int add_conn(struct pt_corr *c, int side, const struct pt_pkt *p, const struct pt_tuple *t, __u64 rt)
{
	__u8 f = p->tcp_flags;
	struct cstate *st;
	struct ent e = { .ts = p->ts_ns, .rt = rt };
	long id;

	if (p->l4proto != IPPROTO_TCP || !(p->flags & PT_PF_L4))
		return 0;
	st = pt_omap_get(&c->conn[side], t, 1, NULL);
	if (!st)
		return -ENOMEM;
	if ((f & TCP_SYN) && (f & TCP_ACK)) {
		/* the other direction's SYN/ACK (a point seeing both directions): its ACKs are not new connections */
		if (st->st == CS_NONE)
			st->st = CS_RESPONDER;
		return 0;
	}
	if (f & TCP_SYN) {
		if (st->st == CS_SYN && st->isn == p->seq)
			return 0;	/* retransmitted SYN */
		if (st->st == CS_OPEN && st->isn == p->seq)
			return 0;	/* a late duplicate of the SYN of an open connection */
		st->st = CS_SYN;
		st->isn = p->seq;
		if (side == PT_CORR_IN)
			return 0;
	} else if (side == PT_CORR_IN && (f & TCP_ACK) && !(f & TCP_RST)) {
		if (st->st == CS_NONE) {
			st->st = CS_UNKNOWN;
			c->cnt.already_open[side]++;
			return 0;
		}
		if (st->st != CS_SYN)
			return 0;
		st->st = CS_OPEN;
	} else {
		return 0;
	}
	id = flow_id(c, side, t);
	if (id < 0)
		return -ENOMEM;
	e.flow = (__u32)id;
	c->cnt.keyed[side]++;
	return push(&c->ev[side], &e);
}

int pt_corr_add(struct pt_corr *c, enum pt_corr_side side, const struct pt_pkt *p, __u64 rt)
{
	struct pt_tuple t;
	struct ent e = { .ts = p->ts_ns, .rt = rt };
	long id;

	c->cnt.packets[side]++;
	if (p->flags & PT_PF_FP_NAT)
		c->cnt.fp_nat[side]++;
	pt_tuple_of(p, &t);
	switch (c->o.by) {
	case PT_CORR_CONN:
		return add_conn(c, side, p, &t, rt);
	case PT_CORR_PAYLOAD: {
		bool fb, sc;

		if (!p->l4_payload_len) {
			c->cnt.no_payload[side]++;
			return 0;
		}
		e.key = pt_corr_payload_hash(p, &fb, &sc);
		if (!e.key) {
			c->cnt.no_hash[side]++;
			return 0;
		}
		c->cnt.hashed_bytes[side] += fb;
		c->cnt.short_capture[side] += sc;
		break;
	}
	default:
		e.key = p->fp;
		break;
	}
	id = flow_id(c, side, &t);
	if (id < 0)
		return -ENOMEM;
	e.flow = (__u32)id;
	c->cnt.keyed[side]++;
	return push(&c->ev[side], &e);
}

/* ---- scanning ---- */

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

/* Is point id named `at` (full name, name without direction = both directions, alias)? */
static bool point_is(const struct pt_view *v, __u16 id, const char *at)
{
	struct pt_point_names n;

	if (id >= PT_MAX_POINTS)
		return false;
	n = pt_view_names(v, id);
	if (!n.full)
		return false;
	if (!strcmp(n.full, at) || (n.alias && *n.alias && !strcmp(n.alias, at)))
		return true;
	return strlen(at) == iface_len(n.full) && !strncmp(n.full, at, strlen(at));
}

int pt_corr_scan(struct pt_corr *c, struct pt_scan *s, const char *in_name, const char *out_name, char *err,
		 size_t errlen)
{
	const char *names[2] = { in_name, out_name };
	const struct pt_rec_hdr *h;
	int rc;

	while ((rc = pt_scan_next(s, &h)) == 1) {
		const struct pt_view *v = pt_scan_view(s);
		__u16 point = h->type == PT_REC_PKT ? ((const struct pt_pkt *)h)->point
						    : h->type == PT_REC_LOSS ? ((const struct pt_loss_rec *)h)->point
									     : PT_DROP_POINT;

		for (int side = 0; side < 2; side++) {
			if (!point_is(v, point, names[side]))
				continue;
			if (h->type == PT_REC_LOSS) {
				c->cnt.lost[side] += ((const struct pt_loss_rec *)h)->lost;
			} else if (h->type == PT_REC_PKT) {
				const struct pt_pkt *p = (const void *)h;
				__u64 rt = pt_scan_realtime(s, p->ts_ns);

				if (pt_corr_add(c, (enum pt_corr_side)side, p, rt ? rt : p->ts_ns)) {
					snprintf(err, errlen, "out of memory");
					return -ENOMEM;
				}
			}
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "reading the store: %s", strerror(-rc));
		return rc;
	}
	for (int side = 0; side < 2; side++) {
		struct pt_ops_in in = { .scan = s, .at = names[side] };
		char e[3072];

		if (c->cnt.packets[side])
			continue;
		rc = pt_ops_finish(&in, e, sizeof(e));
		snprintf(err, errlen, "--%s: %s%s", side ? "out" : "in", e,
			 rc == -ENODATA ? ": nothing to correlate" : "");
		return rc ? rc : -ENODATA;
	}
	return 0;
}

/* ---- matching ---- */

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->flow < y->flow ? -1 : x->flow > y->flow;
}

static int add_match(struct pt_corr *c, const struct ent *i, const struct ent *o)
{
	if (c->nm == c->mcap) {
		size_t cap = c->mcap ? c->mcap * 2 : 256;
		struct match *m = realloc(c->m, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		c->m = m;
		c->mcap = cap;
	}
	c->m[c->nm++] = (struct match){ i->flow, o->flow, i->ts, o->ts, i->rt, o->rt };
	return 0;
}

/* Match one key's runs: in[0..ni), out[0..no), both in time order. */
static int match_run(struct pt_corr *c, struct ent *in, size_t ni, struct ent *out, size_t no)
{
	size_t i = 0;

	for (size_t j = 0; j < no; j++) {
		while (i < ni && in[i].ts + c->o.max_delay_ns < out[j].ts)
			i++;	/* too old for this and every later out: residue */
		if (i < ni && in[i].ts <= out[j].ts) {
			in[i].matched = out[j].matched = 1;
			if (add_match(c, &in[i], &out[j]))
				return -ENOMEM;
			i++;
		}
	}
	return 0;
}

static int cmp_match(const void *a, const void *b)
{
	const struct match *x = a, *y = b;
	__u64 dx = x->out_ts - x->in_ts, dy = y->out_ts - y->in_ts;

	if (x->in_flow != y->in_flow)
		return x->in_flow < y->in_flow ? -1 : 1;
	if (x->out_flow != y->out_flow)
		return x->out_flow < y->out_flow ? -1 : 1;
	return dx < dy ? -1 : dx > dy;
}

static int cmp_tuple(const struct pt_tuple *a, const struct pt_tuple *b)
{
	return memcmp(a, b, sizeof(*a));
}

static int cmp_pair(const void *a, const void *b)
{
	const struct pt_corr_pair *x = a, *y = b;
	int r;

	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	r = cmp_tuple(&x->in, &y->in);
	return r ? r : cmp_tuple(&x->out, &y->out);
}

static int cmp_resid(const void *a, const void *b)
{
	const struct pt_corr_resid *x = a, *y = b;

	if (x->side != y->side)
		return x->side < y->side ? -1 : 1;
	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return cmp_tuple(&x->flow, &y->flow);
}

static int build_pairs(struct pt_corr *c)
{
	size_t k = 0;

	qsort(c->m, c->nm, sizeof(*c->m), cmp_match);
	c->pairs = calloc(c->nm ? c->nm : 1, sizeof(*c->pairs));
	if (!c->pairs)
		return -ENOMEM;
	for (size_t a = 0, b; a < c->nm; a = b) {
		struct pt_corr_pair *p = &c->pairs[k++];
		size_t n;

		/* CONN: every connection is its own pair, even on a reused port */
		for (b = a + 1; c->o.by != PT_CORR_CONN && b < c->nm && c->m[b].in_flow == c->m[a].in_flow &&
				c->m[b].out_flow == c->m[a].out_flow; b++)
			;
		n = b - a;
		p->in = *flow_of(c, PT_CORR_IN, c->m[a].in_flow);
		p->out = *flow_of(c, PT_CORR_OUT, c->m[a].out_flow);
		p->packets = n;
		p->first_ns = p->out_ns = ~0ULL;
		for (size_t i = a; i < b; i++) {
			if (c->m[i].in_rt < p->first_ns)
				p->first_ns = c->m[i].in_rt;
			if (c->m[i].out_rt < p->out_ns)
				p->out_ns = c->m[i].out_rt;
		}
		/* sorted by delay within the pair: nearest rank */
		p->delay_p50_ms = (double)(c->m[a + (n * 50 + 99) / 100 - 1].out_ts -
					   c->m[a + (n * 50 + 99) / 100 - 1].in_ts) / 1e6;
		p->delay_max_ms = (double)(c->m[b - 1].out_ts - c->m[b - 1].in_ts) / 1e6;
	}
	c->npairs = k;
	qsort(c->pairs, c->npairs, sizeof(*c->pairs), cmp_pair);
	return 0;
}

static int build_residue(struct pt_corr *c)
{
	struct pt_omap r;
	int rc = 0;

	pt_omap_init(&r, sizeof(struct rkey), sizeof(struct rval));
	for (int side = 0; side < 2; side++) {
		for (size_t i = 0; i < c->ev[side].n; i++) {
			const struct ent *e = &c->ev[side].v[i];
			struct rkey k = { (__u32)side, e->flow };
			struct rval *v;
			int created;

			if (e->matched)
				continue;
			c->cnt.unmatched[side]++;
			v = pt_omap_get(&r, &k, 1, &created);
			if (!v) {
				rc = -ENOMEM;
				goto out;
			}
			if (created || e->rt < v->first_ns)
				v->first_ns = e->rt;
			v->count++;
		}
	}
	c->resid = calloc(r.n ? r.n : 1, sizeof(*c->resid));
	if (!c->resid) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct rkey *k = pt_omap_key(&r, i);
		const struct rval *v = pt_omap_val(&r, i);

		c->resid[i] = (struct pt_corr_resid){ .side = (enum pt_corr_side)k->side,
			.flow = *flow_of(c, (int)k->side, k->flow), .first_ns = v->first_ns, .count = v->count };
	}
	c->nresid = r.n;
	qsort(c->resid, c->nresid, sizeof(*c->resid), cmp_resid);
out:
	pt_omap_free(&r);
	return rc;
}

static int check_inputs(struct pt_corr *c, char *err, size_t errlen)
{
	const struct pt_corr_counts *n = &c->cnt;
	static const char *sn[2] = { "--in", "--out" };

	if (c->o.by == PT_CORR_PAYLOAD) {
		for (int s = 0; s < 2; s++) {
			if (n->keyed[s])
				continue;
			if (n->no_hash[s]) {
				snprintf(err, errlen, "the records at %s carry no payload hash: %llu packets with payload, "
					 "none loaded with `--fp payload` or with captured payload bytes. Load the probes "
					 "at both points with `provtap probe load --iface SPEC --fp payload` (a payload "
					 "fingerprint per packet) or with `--snaplen 128` (payload bytes, hashed here), "
					 "capture again, and query that window; or use --by fingerprint (headers kept) "
					 "or --by conn-order (TCP connections split by a proxy)", sn[s],
					 (unsigned long long)n->no_hash[s]);
				return -EINVAL;
			}
			snprintf(err, errlen, "none of the %llu packets at %s has an L4 payload: nothing to match by "
				 "payload (try --by conn-order for TCP connections)", (unsigned long long)n->packets[s],
				 sn[s]);
			return -ENODATA;
		}
	} else if (c->o.by == PT_CORR_FP) {
		bool nat_in = n->fp_nat[0] == n->packets[0], nat_out = n->fp_nat[1] == n->packets[1];
		bool hdr_in = !n->fp_nat[0], hdr_out = !n->fp_nat[1];

		if ((nat_in && hdr_out) || (hdr_in && nat_out)) {
			snprintf(err, errlen, "the two points use different fingerprint modes (--in: %s, --out: %s), "
				 "so fingerprints cannot match: use --by payload (the payload fingerprint is a payload "
				 "hash), or load both points with the same --fp", nat_in ? "payload" : "headers",
				 nat_out ? "payload" : "headers");
			return -EINVAL;
		}
	} else if (!n->keyed[0] && !n->keyed[1]) {
		snprintf(err, errlen, "no new TCP connection in the window: no handshake completed at --in (client "
			 "SYN then ACK) and no SYN at --out, among %llu and %llu packets",
			 (unsigned long long)n->packets[0], (unsigned long long)n->packets[1]);
		return -ENODATA;
	}
	return 0;
}

int pt_corr_run(struct pt_corr *c, char *err, size_t errlen)
{
	struct evec *in = &c->ev[PT_CORR_IN], *out = &c->ev[PT_CORR_OUT];
	size_t i = 0, j = 0;
	int rc;

	if (c->ran)
		return 0;
	rc = check_inputs(c, err, errlen);
	if (rc)
		return rc;
	qsort(in->v, in->n, sizeof(*in->v), cmp_ent);
	qsort(out->v, out->n, sizeof(*out->v), cmp_ent);
	while (i < in->n && j < out->n) {
		__u64 k = in->v[i].key < out->v[j].key ? in->v[i].key : out->v[j].key;
		size_t i2 = i, j2 = j;

		while (i2 < in->n && in->v[i2].key == k)
			i2++;
		while (j2 < out->n && out->v[j2].key == k)
			j2++;
		if (i2 > i && j2 > j && match_run(c, in->v + i, i2 - i, out->v + j, j2 - j))
			goto oom;
		i = i2;
		j = j2;
	}
	c->cnt.matched = c->nm;
	if (build_pairs(c) || build_residue(c))
		goto oom;
	c->ran = true;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

const struct pt_corr_pair *pt_corr_pairs(const struct pt_corr *c, size_t *n)
{
	*n = c->npairs;
	return c->pairs;
}

const struct pt_corr_resid *pt_corr_residue(const struct pt_corr *c, size_t *n)
{
	*n = c->nresid;
	return c->resid;
}

const struct pt_corr_counts *pt_corr_get_counts(const struct pt_corr *c)
{
	return &c->cnt;
}
