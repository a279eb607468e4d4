// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * filter_compile.c — lowering a parsed filter to struct pt_policy.
 *
 * Every subtree becomes a decision list: rules in order, first match decides,
 * else the default. A primitive is a list of "include" rules with default
 * "exclude" ("host X" = src X | dst X). "not" swaps include and exclude in every
 * rule and the default. "a and b" / "a or b" is the product of the two lists:
 * for each rule i of a (its default appended as a catch-all), in order, each
 * rule j of b (likewise) gives the rule (Ci and Cj) -> op(ai, aj); rows whose
 * action already decides op (exclude for and, include for or) stay a single
 * rule. That is exact: the first row whose Ci matches is the one a's list picks,
 * and within it the first Cj that matches is b's pick. Intersections are field
 * by field and rules that cannot match are dropped. Both operand orders are
 * tried and the shorter result kept. After every step the list is simplified
 * by rewrites that keep its meaning (see simplify()).
 *
 * Invariant of every rule here: fields whose PT_RH_* bit is clear are zero, and
 * SRC/DST always come with FAMILY.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "query/filter_int.h"

#define PF_RAW_MAX	4096	/* rules a product may produce before simplification */
#define PF_DEEP_MAX	192	/* lists longer than this get only the O(n^2) rewrites */
#define PF_KEEP_MAX	256	/* a simplified intermediate list longer than this is -E2BIG */

#define RH_PORTS	(PT_RH_SPORT | PT_RH_DPORT)

/* A decision list: r[0..n) first-match, then def. */
struct dlist {
	struct pt_rule *r;
	int n, cap;
	__u8 def;
};

struct cctx {
	struct pt_filter_err *err;
	int rc;
};

static int cfail(struct cctx *c, int rc, int pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record the first error; returns rc. */
static int cfail(struct cctx *c, int rc, int pos, const char *fmt, ...)
{
	va_list ap;

	if (c->rc)
		return c->rc;
	c->rc = rc;
	c->err->pos = pos;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

static __u8 flip(__u8 a)
{
	return a == PT_ACT_INCLUDE ? PT_ACT_EXCLUDE : PT_ACT_INCLUDE;
}

static void dl_free(struct dlist *l)
{
	free(l->r);
	l->r = NULL;
	l->n = l->cap = 0;
}

/* Append r with action a. Returns 0 or -ENOMEM (list unchanged). */
static int dl_push(struct dlist *l, const struct pt_rule *r, __u8 a)
{
	struct pt_rule *nr;

	if (l->n == l->cap) {
		nr = realloc(l->r, (l->cap ? l->cap * 2 : 8) * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		l->r = nr;
		l->cap = l->cap ? l->cap * 2 : 8;
	}
	l->r[l->n] = *r;
	l->r[l->n].action = a;
	l->n++;
	return 0;
}

static void dl_drop(struct dlist *l, int i)
{
	memmove(&l->r[i], &l->r[i + 1], (l->n - i - 1) * sizeof(l->r[0]));
	l->n--;
}

/* Intersect two address constraints into (net, mask). False when disjoint. */
static bool addr_and(__u32 *net, __u32 *mask, const __u32 *net2, const __u32 *mask2)
{
	int i;

	for (i = 0; i < 4; i++)
		if ((net[i] ^ net2[i]) & mask[i] & mask2[i])
			return false;
	for (i = 0; i < 4; i++) {
		net[i] |= net2[i];
		mask[i] |= mask2[i];
	}
	return true;
}

static bool range_and(__u16 *lo, __u16 *hi, __u16 lo2, __u16 hi2)
{
	if (lo2 > *lo)
		*lo = lo2;
	if (hi2 < *hi)
		*hi = hi2;
	return *lo <= *hi;
}

/* out = a and b (action of a). Returns false when no packet can match both. */
static bool rule_and(const struct pt_rule *a, const struct pt_rule *b, struct pt_rule *out)
{
	__u8 both = a->has & b->has;

	*out = *a;
	out->has |= b->has;
	if (!(a->has & PT_RH_FAMILY))
		out->family = b->family;
	if (!(a->has & PT_RH_PROTO))
		out->proto = b->proto;
	if (!(a->has & PT_RH_VNI))
		out->vni = b->vni;
	if ((both & PT_RH_FAMILY) && a->family != b->family)
		return false;
	if ((both & PT_RH_PROTO) && a->proto != b->proto)
		return false;
	if ((both & PT_RH_VNI) && a->vni != b->vni)
		return false;
	if ((b->has & PT_RH_SRC) && !addr_and(out->src, out->src_mask, b->src, b->src_mask))
		return false;
	if ((b->has & PT_RH_DST) && !addr_and(out->dst, out->dst_mask, b->dst, b->dst_mask))
		return false;
	if ((both & PT_RH_SPORT) && !range_and(&out->sport_lo, &out->sport_hi, b->sport_lo, b->sport_hi))
		return false;
	if ((both & PT_RH_DPORT) && !range_and(&out->dport_lo, &out->dport_hi, b->dport_lo, b->dport_hi))
		return false;
	if ((b->has & ~a->has) & PT_RH_SPORT) {
		out->sport_lo = b->sport_lo;
		out->sport_hi = b->sport_hi;
	}
	if ((b->has & ~a->has) & PT_RH_DPORT) {
		out->dport_lo = b->dport_lo;
		out->dport_hi = b->dport_hi;
	}
	/* ports only ever match TCP and UDP */
	return !((out->has & RH_PORTS) && (out->has & PT_RH_PROTO) &&
		 out->proto != IPPROTO_TCP && out->proto != IPPROTO_UDP);
}

static bool rules_meet(const struct pt_rule *a, const struct pt_rule *b)
{
	struct pt_rule tmp;

	return rule_and(a, b, &tmp);
}

/* Address constraint a within b. */
static bool addr_within(const __u32 *net, const __u32 *mask, const __u32 *net2, const __u32 *mask2)
{
	int i;

	for (i = 0; i < 4; i++)
		if ((mask2[i] & ~mask[i]) || (net[i] & mask2[i]) != net2[i])
			return false;
	return true;
}

/* True only when every packet matching a matches b (false when unsure). */
static bool rule_within(const struct pt_rule *a, const struct pt_rule *b)
{
	if (b->has & ~a->has)
		return false;
	if ((b->has & PT_RH_FAMILY) && a->family != b->family)
		return false;
	if ((b->has & PT_RH_PROTO) && a->proto != b->proto)
		return false;
	if ((b->has & PT_RH_VNI) && a->vni != b->vni)
		return false;
	if ((b->has & PT_RH_SRC) && !addr_within(a->src, a->src_mask, b->src, b->src_mask))
		return false;
	if ((b->has & PT_RH_DST) && !addr_within(a->dst, a->dst_mask, b->dst, b->dst_mask))
		return false;
	if ((b->has & PT_RH_SPORT) && (a->sport_lo < b->sport_lo || a->sport_hi > b->sport_hi))
		return false;
	if ((b->has & PT_RH_DPORT) && (a->dport_lo < b->dport_lo || a->dport_hi > b->dport_hi))
		return false;
	return true;
}

/* lo..hi of a and b overlap or touch: their union is one range. */
static bool range_union(__u16 *lo, __u16 *hi, __u16 lo2, __u16 hi2)
{
	if ((int)*lo > (int)hi2 + 1 || (int)lo2 > (int)*hi + 1)
		return false;
	if (lo2 < *lo)
		*lo = lo2;
	if (hi2 > *hi)
		*hi = hi2;
	return true;
}

static bool mask_contiguous(const __u32 *mask)
{
	__u8 b[16];
	int i, seen_zero = 0;

	memcpy(b, mask, 16);
	for (i = 0; i < 128; i++) {
		int bit = (b[i / 8] >> (7 - i % 8)) & 1;

		if (bit && seen_zero)
			return false;
		seen_zero |= !bit;
	}
	return true;
}

/* Two sibling prefixes (same mask, one differing bit inside it) become their parent. */
static bool addr_union(__u32 *net, __u32 *mask, const __u32 *net2, const __u32 *mask2)
{
	__u32 nm[4];
	int i, bits = 0, at = -1;

	for (i = 0; i < 4; i++) {
		if (mask[i] != mask2[i])
			return false;
		if (net[i] != net2[i]) {
			bits += __builtin_popcount(net[i] ^ net2[i]);
			at = i;
		}
	}
	if (bits != 1)
		return false;
	memcpy(nm, mask, sizeof(nm));
	nm[at] &= ~(net[at] ^ net2[at]);
	if (!mask_contiguous(nm))
		return false;
	memcpy(mask, nm, sizeof(nm));
	net[at] &= nm[at];
	return true;
}

/* Which PT_RH_* fields of a and b (same has) differ. */
static __u8 rule_diff(const struct pt_rule *a, const struct pt_rule *b)
{
	__u8 d = 0;

	if (a->family != b->family)
		d |= PT_RH_FAMILY;
	if (memcmp(a->src, b->src, 16) || memcmp(a->src_mask, b->src_mask, 16))
		d |= PT_RH_SRC;
	if (memcmp(a->dst, b->dst, 16) || memcmp(a->dst_mask, b->dst_mask, 16))
		d |= PT_RH_DST;
	if (a->proto != b->proto)
		d |= PT_RH_PROTO;
	if (a->sport_lo != b->sport_lo || a->sport_hi != b->sport_hi)
		d |= PT_RH_SPORT;
	if (a->dport_lo != b->dport_lo || a->dport_hi != b->dport_hi)
		d |= PT_RH_DPORT;
	if (a->vni != b->vni)
		d |= PT_RH_VNI;
	return d;
}

/* out = a or b when one rule says exactly that. */
static bool rule_union(const struct pt_rule *a, const struct pt_rule *b, struct pt_rule *out)
{
	__u8 d;

	if (rule_within(a, b) || rule_within(b, a)) {
		*out = rule_within(a, b) ? *b : *a;
		return true;
	}
	if (a->has != b->has)
		return false;
	d = rule_diff(a, b);
	*out = *a;
	switch (d) {
	case PT_RH_SPORT:
		return range_union(&out->sport_lo, &out->sport_hi, b->sport_lo, b->sport_hi);
	case PT_RH_DPORT:
		return range_union(&out->dport_lo, &out->dport_hi, b->dport_lo, b->dport_hi);
	case PT_RH_SRC:
		return addr_union(out->src, out->src_mask, b->src, b->src_mask);
	case PT_RH_DST:
		return addr_union(out->dst, out->dst_mask, b->dst, b->dst_mask);
	}
	return false;
}

/* Everything from the first catch-all rule on collapses into the default. */
static bool cut_at_catchall(struct dlist *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		if (!l->r[i].has) {
			l->def = l->r[i].action;
			l->n = i;
			return true;
		}
	}
	return false;
}

static bool drop_trailing_default(struct dlist *l)
{
	bool changed = false;

	while (l->n && l->r[l->n - 1].action == l->def) {
		l->n--;
		changed = true;
	}
	return changed;
}

/* A rule within an earlier one never decides anything. */
static bool drop_shadowed(struct dlist *l)
{
	bool changed = false;
	int j, k;

	for (j = 1; j < l->n; j++) {
		for (k = 0; k < j; k++) {
			if (rule_within(&l->r[j], &l->r[k])) {
				dl_drop(l, j--);
				changed = true;
				break;
			}
		}
	}
	return changed;
}

/* Some rule before `before` contains all of c. */
static bool covered_before(const struct dlist *l, int before, const struct pt_rule *c)
{
	int k;

	for (k = 0; k < before; k++)
		if (rule_within(c, &l->r[k]))
			return true;
	return false;
}

/*
 * Rule i can go when every packet it decides would get the same action from
 * what follows: no later rule with another action can see such a packet (their
 * overlap is taken by an earlier rule), and the fall-through is the same action
 * (the default, or a later rule containing rule i).
 */
static bool rule_redundant(const struct dlist *l, int i)
{
	const struct pt_rule *ri = &l->r[i];
	bool tail_ok = l->def == ri->action;
	struct pt_rule c;
	int j;

	for (j = i + 1; j < l->n; j++) {
		const struct pt_rule *rj = &l->r[j];

		if (rj->action == ri->action) {
			tail_ok = tail_ok || rule_within(ri, rj);
			continue;
		}
		if (rule_and(ri, rj, &c) && !covered_before(l, i, &c))
			return false;
	}
	return tail_ok;
}

static bool drop_redundant(struct dlist *l)
{
	bool changed = false;
	int i;

	for (i = l->n - 1; i >= 0; i--) {
		if (rule_redundant(l, i)) {
			dl_drop(l, i);
			changed = true;
		}
	}
	return changed;
}

/* No rule strictly between i and j with another action than a meets c. */
static bool clear_between(const struct dlist *l, int i, int j, const struct pt_rule *c, __u8 a)
{
	int k;

	for (k = i + 1; k < j; k++)
		if (l->r[k].action != a && rules_meet(&l->r[k], c))
			return false;
	return true;
}

/*
 * Rules i < j with one action whose union is one rule u: u may take i's place
 * when nothing in between with another action meets rule j, or j's place when
 * nothing in between meets rule i.
 */
static bool merge_pair(struct dlist *l, int i, int j)
{
	struct pt_rule u;
	__u8 a = l->r[i].action;

	if (l->r[j].action != a || !rule_union(&l->r[i], &l->r[j], &u))
		return false;
	u.action = a;
	if (clear_between(l, i, j, &l->r[j], a)) {
		l->r[i] = u;
		dl_drop(l, j);
		return true;
	}
	if (clear_between(l, i, j, &l->r[i], a)) {
		l->r[j] = u;
		dl_drop(l, i);
		return true;
	}
	return false;
}

static bool merge_rules(struct dlist *l)
{
	bool changed = false;
	int i, j;

	for (i = 0; i < l->n; i++) {
		for (j = i + 1; j < l->n; j++) {
			if (merge_pair(l, i, j)) {
				changed = true;
				j = i;	/* rule i changed (or is gone): rescan its partners */
			}
		}
	}
	return changed;
}

/*
 * Shorten l without changing its meaning, to a fixpoint: cut at a catch-all,
 * drop trailing rules equal to the default, rules shadowed by an earlier one,
 * rules whose packets would get the same action anyway, and merge rules whose
 * union is one rule (adjacent ports, sibling prefixes).
 */
static void simplify(struct dlist *l)
{
	bool changed;

	do {
		changed = cut_at_catchall(l);
		changed |= drop_trailing_default(l);
		changed |= drop_shadowed(l);
		if (l->n <= PF_DEEP_MAX) {
			changed |= merge_rules(l);
			changed |= drop_redundant(l);
		}
	} while (changed);
}

/* Emit row i of the product (ra -> aa) against all of b. Returns 0 or -ENOMEM. */
static int product_row(struct dlist *out, const struct pt_rule *ra, __u8 aa, const struct dlist *b,
		       enum pf_kind op)
{
	static const struct pt_rule all;
	struct pt_rule c;
	int j;

	if ((op == PF_AND && aa == PT_ACT_EXCLUDE) || (op == PF_OR && aa == PT_ACT_INCLUDE))
		return dl_push(out, ra, aa);
	for (j = 0; j <= b->n; j++) {
		const struct pt_rule *rb = j < b->n ? &b->r[j] : &all;

		if (rule_and(ra, rb, &c) && dl_push(out, &c, j < b->n ? rb->action : b->def))
			return -ENOMEM;
	}
	return 0;
}

/* out = a op b, simplified. Returns 0, -ENOMEM or -E2BIG (error set). */
static int product(struct cctx *c, const struct dlist *a, const struct dlist *b, enum pf_kind op,
		   struct dlist *out)
{
	static const struct pt_rule all;
	long raw = (long)(a->n + 1) * (b->n + 1);
	int i;

	memset(out, 0, sizeof(*out));
	if (raw > PF_RAW_MAX)
		return cfail(c, -E2BIG, 0, "expression expands to over %d kernel filter rules (at most %d are supported)",
			     PF_RAW_MAX, PT_MAX_RULES);
	for (i = 0; i <= a->n; i++) {
		if (product_row(out, i < a->n ? &a->r[i] : &all, i < a->n ? a->r[i].action : a->def, b, op)) {
			dl_free(out);
			return cfail(c, -ENOMEM, 0, "out of memory");
		}
	}
	out->def = PT_ACT_EXCLUDE;	/* unused: the last row always ends in a catch-all */
	simplify(out);
	if (out->n <= PF_KEEP_MAX)
		return 0;
	dl_free(out);
	return cfail(c, -E2BIG, 0, "expression expands to over %d kernel filter rules (at most %d are supported)",
		     PF_KEEP_MAX, PT_MAX_RULES);
}

/* a op b in whichever operand order gives fewer rules. Frees a and b. */
static int combine(struct cctx *c, struct dlist *a, struct dlist *b, enum pf_kind op, struct dlist *out)
{
	struct dlist ab, ba;
	int rc = product(c, a, b, op, &ab);

	if (!rc && (rc = product(c, b, a, op, &ba)))
		dl_free(&ab);
	dl_free(a);
	dl_free(b);
	if (rc)
		return rc;
	if (ba.n < ab.n) {
		*out = ba;
		dl_free(&ab);
	} else {
		*out = ab;
		dl_free(&ba);
	}
	return 0;
}

static void set_addr(__u32 *net, __u32 *mask, const struct pf_node *n)
{
	memcpy(net, n->addr, 16);
	memcpy(mask, n->mask, 16);
}

/* The include rules of a host/net primitive (one, or two for either direction). */
static int lower_addr(const struct pf_node *n, struct dlist *out)
{
	struct pt_rule r = { .has = PT_RH_FAMILY, .family = n->family };
	struct pt_rule s = r, d = r;

	s.has |= PT_RH_SRC;
	set_addr(s.src, s.src_mask, n);
	d.has |= PT_RH_DST;
	set_addr(d.dst, d.dst_mask, n);
	switch (n->dir) {
	case PF_DIR_SRC:
		return dl_push(out, &s, PT_ACT_INCLUDE);
	case PF_DIR_DST:
		return dl_push(out, &d, PT_ACT_INCLUDE);
	case PF_DIR_BOTH:
		rule_and(&s, &d, &r);
		return dl_push(out, &r, PT_ACT_INCLUDE);
	default:
		return dl_push(out, &s, PT_ACT_INCLUDE) ?: dl_push(out, &d, PT_ACT_INCLUDE);
	}
}

static int lower_port(const struct pf_node *n, struct dlist *out)
{
	struct pt_rule s = { .has = PT_RH_SPORT, .sport_lo = n->lo, .sport_hi = n->hi };
	struct pt_rule d = { .has = PT_RH_DPORT, .dport_lo = n->lo, .dport_hi = n->hi };
	struct pt_rule r;

	switch (n->dir) {
	case PF_DIR_SRC:
		return dl_push(out, &s, PT_ACT_INCLUDE);
	case PF_DIR_DST:
		return dl_push(out, &d, PT_ACT_INCLUDE);
	case PF_DIR_BOTH:
		rule_and(&s, &d, &r);
		return dl_push(out, &r, PT_ACT_INCLUDE);
	default:
		return dl_push(out, &s, PT_ACT_INCLUDE) ?: dl_push(out, &d, PT_ACT_INCLUDE);
	}
}

/* "proto 0" must not match non-IP records (l4proto 0 there): pin the family. */
static int lower_proto(const struct pf_node *n, struct dlist *out)
{
	struct pt_rule r = { .has = PT_RH_PROTO, .proto = n->proto };

	if (n->proto)
		return dl_push(out, &r, PT_ACT_INCLUDE);
	r.has |= PT_RH_FAMILY;
	r.family = 4;
	if (dl_push(out, &r, PT_ACT_INCLUDE))
		return -ENOMEM;
	r.family = 6;
	return dl_push(out, &r, PT_ACT_INCLUDE);
}

/* A primitive's list: include rules, default exclude. Returns 0, -ENOMEM or -EINVAL. */
static int lower_prim(struct cctx *c, const struct pf_node *n, struct dlist *out)
{
	struct pt_rule r = { 0 };
	int rc = 0;

	out->def = PT_ACT_EXCLUDE;
	switch (n->kind) {
	case PF_ADDR: rc = lower_addr(n, out); break;
	case PF_PORT: rc = lower_port(n, out); break;
	case PF_PROTO: rc = lower_proto(n, out); break;
	case PF_FAMILY:
		r.has = PT_RH_FAMILY;
		r.family = n->family;
		rc = dl_push(out, &r, PT_ACT_INCLUDE);
		break;
	case PF_VNI:
		r.has = PT_RH_VNI;
		r.vni = n->vni;
		rc = dl_push(out, &r, PT_ACT_INCLUDE);
		break;
	case PF_POINT:
		return cfail(c, -EINVAL, n->pos, "point is a user-space filter; not available in the kernel");
	case PF_PROC:
	case PF_COMM:
	case PF_PID:
	case PF_TID:
		return cfail(c, -EINVAL, n->pos, "%s matches processes: user space only (the kernel filter applies "
			     "to packets)", n->kind == PF_PROC ? "proc" : n->kind == PF_COMM ? "comm"
			     : n->kind == PF_PID ? "pid" : "tid");
	default:
		out->def = PT_ACT_INCLUDE;	/* PF_TRUE */
		break;
	}
	if (rc) {
		dl_free(out);
		return cfail(c, -ENOMEM, 0, "out of memory");
	}
	return 0;
}

/* The decision list of the subtree n. On error out is empty and c->err set. */
static int lower(struct cctx *c, const struct pf_node *n, struct dlist *out)
{
	struct dlist a = { 0 }, b = { 0 };
	int i, rc;

	memset(out, 0, sizeof(*out));
	switch (n->kind) {
	case PF_NOT:
		rc = lower(c, n->l, out);
		for (i = 0; !rc && i < out->n; i++)
			out->r[i].action = flip(out->r[i].action);
		out->def = flip(out->def);
		return rc;
	case PF_AND:
	case PF_OR:
		rc = lower(c, n->l, &a);
		if (!rc)
			rc = lower(c, n->r, &b);
		if (rc) {
			dl_free(&a);
			return rc;
		}
		return combine(c, &a, &b, n->kind, out);
	default:
		return lower_prim(c, n, out);
	}
}

/* See filter.h. On -ENOMEM too, *err is filled (pos 0). */
int pt_filter_compile(const struct pt_filter *f, struct pt_policy *pol, struct pt_filter_err *err)
{
	struct cctx c = { .err = err };
	struct dlist l = { 0 };
	int rc;

	memset(err, 0, sizeof(*err));
	memset(pol, 0, sizeof(*pol));
	pol->default_action = PT_ACT_INCLUDE;
	if (!f)
		return 0;
	rc = lower(&c, f->root, &l);
	if (rc)
		return rc;
	simplify(&l);
	if (l.n > PT_MAX_RULES) {
		rc = cfail(&c, -E2BIG, 0, "expression needs %d kernel filter rules (at most %d are supported)",
			   l.n, PT_MAX_RULES);
		dl_free(&l);
		return rc;
	}
	pol->nrules = l.n;
	pol->default_action = l.def;
	if (l.n)
		memcpy(pol->rules, l.r, l.n * sizeof(l.r[0]));
	dl_free(&l);
	return 0;
}
