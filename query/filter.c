// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * filter.c — evaluating filters on records: the parsed tree (pt_filter_match)
 * and the compiled rule list (pt_policy_match, the twin of the BPF side).
 *
 * Both agree on what a primitive needs from a packet (the property the unit
 * tests check for every expression/packet pair):
 *   host/net   the identity family matches (PT_PF_IPV4 / PT_PF_IPV6) and the
 *              masked address equals the network;
 *   port(range) PT_PF_L4 is set and l4proto is TCP or UDP;
 *   proto      the packet is IP and l4proto equals it (non-IP records have
 *              l4proto 0, so only "proto 0" needs the family test);
 *   ip / ip6   the family flag;
 *   vni        PT_PF_VXLAN is set and vni equals it.
 * The process primitives (proc, comm, pid, tid) are false on packets; on the
 * process family's records see pt_filter_match_rec in filter.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "query/filter_int.h"

void pf_node_free(struct pf_node *n)
{
	if (!n)
		return;
	pf_node_free(n->l);
	pf_node_free(n->r);
	free(n->name);
	free(n);
}

/* True when a node of the subtree has a kind in the mask (1 << enum pf_kind). */
static bool node_uses(const struct pf_node *n, unsigned int kinds)
{
	if (!n)
		return false;
	return (kinds & 1u << n->kind) || node_uses(n->l, kinds) || node_uses(n->r, kinds);
}

bool pf_node_uses_point(const struct pf_node *n)
{
	return node_uses(n, 1u << PF_POINT);
}


/* NULL-safe; frees the tree and the text. */
void pt_filter_free(struct pt_filter *f)
{
	if (!f)
		return;
	pf_node_free(f->root);
	free(f->text);
	free(f);
}

/* The text given to pt_filter_parse (owned by f); "" for NULL. */
const char *pt_filter_text(const struct pt_filter *f)
{
	return f ? f->text : "";
}

/* False for NULL. */
bool pt_filter_uses_point(const struct pt_filter *f)
{
	return f && pf_node_uses_point(f->root);
}

/* False for NULL. */
bool pt_filter_uses_proc(const struct pt_filter *f)
{
	return f && node_uses(f->root, 1u << PF_PROC | 1u << PF_COMM | 1u << PF_PID | 1u << PF_TID);
}

static bool family_ok(const struct pt_pkt *pkt, int family)
{
	if (family == 4)
		return pkt->flags & PT_PF_IPV4;
	if (family == 6)
		return pkt->flags & PT_PF_IPV6;
	return false;
}

static bool l4_ports_ok(const struct pt_pkt *pkt)
{
	return (pkt->flags & PT_PF_L4) &&
	       (pkt->l4proto == IPPROTO_TCP || pkt->l4proto == IPPROTO_UDP);
}

static bool addr_in(const __u8 *a, const struct pf_node *n)
{
	int i;

	for (i = 0; i < 16; i++)
		if ((a[i] & n->mask[i]) != n->addr[i])
			return false;
	return true;
}

/* Combine a test on the source and one on the destination per the direction. */
static bool by_dir(enum pf_dir dir, bool src, bool dst)
{
	switch (dir) {
	case PF_DIR_SRC: return src;
	case PF_DIR_DST: return dst;
	case PF_DIR_BOTH: return src && dst;
	default: return src || dst;
	}
}

static bool port_in(__u16 port, const struct pf_node *n)
{
	return port >= n->lo && port <= n->hi;
}

static bool point_is(const char *name, const struct pt_point_names *names)
{
	size_t nl, fl;

	if (!names)
		return false;
	if (names->alias && !strcmp(names->alias, name))
		return true;
	if (!names->full)
		return false;
	if (!strcmp(names->full, name))
		return true;
	nl = strlen(name);
	fl = strlen(names->full);
	if (fl <= nl || strncmp(names->full, name, nl))
		return false;
	return !strcmp(names->full + nl, ":in") || !strcmp(names->full + nl, ":out");
}

static bool node_match(const struct pf_node *n, const struct pt_pkt *pkt,
		       const struct pt_point_names *names)
{
	switch (n->kind) {
	case PF_TRUE:
		return true;
	case PF_AND:
		return node_match(n->l, pkt, names) && node_match(n->r, pkt, names);
	case PF_OR:
		return node_match(n->l, pkt, names) || node_match(n->r, pkt, names);
	case PF_NOT:
		return !node_match(n->l, pkt, names);
	case PF_ADDR:
		return family_ok(pkt, n->family) &&
		       by_dir(n->dir, addr_in(pkt->saddr, n), addr_in(pkt->daddr, n));
	case PF_PORT:
		return l4_ports_ok(pkt) && by_dir(n->dir, port_in(pkt->sport, n), port_in(pkt->dport, n));
	case PF_PROTO:
		return (pkt->flags & (PT_PF_IPV4 | PT_PF_IPV6)) && pkt->l4proto == n->proto;
	case PF_FAMILY:
		return family_ok(pkt, n->family);
	case PF_VNI:
		return (pkt->flags & PT_PF_VXLAN) && pkt->vni == n->vni;
	case PF_POINT:
		return point_is(n->name, names);
	case PF_PROC:
	case PF_COMM:
	case PF_PID:
	case PF_TID:
		return false;
	}
	return false;
}

static const char *node_point_unknown(const struct pf_node *n, const struct pt_point_names *names, size_t nn)
{
	const char *u;

	if (!n)
		return NULL;
	if (n->kind == PF_POINT) {
		for (size_t i = 0; i < nn; i++)
			if (point_is(n->name, &names[i]))
				return NULL;
		return n->name;
	}
	u = node_point_unknown(n->l, names, nn);
	return u ? u : node_point_unknown(n->r, names, nn);
}

const char *pt_filter_point_unknown(const struct pt_filter *f, const struct pt_point_names *names, size_t n)
{
	return f ? node_point_unknown(f->root, names, n) : NULL;
}

/* See filter.h. Pure; names may be NULL. */
bool pt_filter_match(const struct pt_filter *f, const struct pt_pkt *pkt,
		     const struct pt_point_names *names)
{
	return !f || node_match(f->root, pkt, names);
}

/*
 * A socket's two ends in the packet sense, for the packet primitives on a SYS
 * or DATA record. An end is absent when its address and port are both 0 (not
 * bound, not connected); an absent end matches no host/net/port test.
 */
struct flow {
	__u8 family;		/* 4 or 6 (an AF_INET6 socket talking IPv4 through
				 * v4-mapped addresses is 4, as its packets are) */
	__u8 proto;		/* struct pt_fdinfo.proto */
	bool has_src, has_dst;
	__u8 src[16], dst[16];	/* network order; IPv4 in 0..3 */
	__u16 sport, dport;
};

/* One end as given by the kernel or a call: family AF_*, 16 address bytes, port. */
struct end {
	int family;
	const __u8 *addr;
	__u16 port;
};

static bool all_zero(const __u8 *a, size_t n)
{
	while (n--)
		if (*a++)
			return false;
	return true;
}

static bool end_absent(const struct end *e)
{
	return all_zero(e->addr, 16) && !e->port;
}

/* The end's address as family 4 or 6 into out; returns the family, 0 for a non-IP end. */
static int end_addr(const struct end *e, __u8 out[16])
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(out, 0, 16);
	if (e->family == AF_INET) {
		memcpy(out, e->addr, 4);
		return 4;
	}
	if (e->family != AF_INET6)
		return 0;
	if (!memcmp(e->addr, mapped, sizeof(mapped))) {
		memcpy(out, e->addr + 12, 4);
		return 4;
	}
	memcpy(out, e->addr, 16);
	return 6;
}

/*
 * Put end e into one side of fl (family fl->family already chosen): an
 * unspecified address takes the flow's family; an address of the other family
 * leaves the side absent.
 */
static void flow_side(const struct end *e, int family, bool *has, __u8 addr[16], __u16 *port)
{
	int fam;

	*has = false;
	if (end_absent(e))
		return;
	fam = end_addr(e, addr);
	if (fam != family && !all_zero(addr, 16))
		return;
	*has = true;
	*port = e->port;
}

/*
 * The flow of an IP socket: local and remote from info, a missing one taken
 * from the call's own sockaddr (fill, NULL when none; fill_remote: which end it
 * is). out selects src = local, dst = remote (else the reverse). False when
 * info is not an AF_INET/AF_INET6 socket.
 */
static bool sock_flow(const struct pt_fdinfo *fi, const struct end *fill, bool fill_remote, bool out,
		      struct flow *fl)
{
	struct end local = { fi->family, fi->laddr, fi->lport };
	struct end remote = { fi->family, fi->raddr, fi->rport };
	struct end *e = fill_remote ? &remote : &local;
	__u8 tmp[16];

	if (fi->kind != PT_FK_SOCKET || (fi->family != AF_INET && fi->family != AF_INET6))
		return false;
	if (fill && (fill->family == AF_INET || fill->family == AF_INET6) && end_absent(e))
		*e = *fill;
	memset(fl, 0, sizeof(*fl));
	fl->proto = fi->proto;
	fl->family = (__u8)end_addr(end_absent(&remote) ? &local : &remote, tmp);
	if (out) {
		flow_side(&local, fl->family, &fl->has_src, fl->src, &fl->sport);
		flow_side(&remote, fl->family, &fl->has_dst, fl->dst, &fl->dport);
	} else {
		flow_side(&remote, fl->family, &fl->has_src, fl->src, &fl->sport);
		flow_side(&local, fl->family, &fl->has_dst, fl->dst, &fl->dport);
	}
	return true;
}

/* What the primitives see in a PROC, SYS or DATA record. */
struct subject {
	const struct pt_task *task;
	const struct pt_proc *proc;	/* PT_REC_PROC, else NULL */
	const struct flow *flow;	/* an IP socket, else NULL */
};

static bool comm_is(const char *name, const struct pt_task *t)
{
	size_t len = strlen(name);

	return strnlen(t->comm, PT_COMM_LEN) == len && !memcmp(t->comm, name, len);
}

/* pid N: the task, or the child of a fork. */
static bool pid_is(__u32 id, const struct subject *s)
{
	return s->task->pid == id || (s->proc && s->proc->kind == PT_PK_FORK && s->proc->child_pid == id);
}

/* tid N: the task, the child of a fork, or the thread an exec replaced. */
static bool tid_is(__u32 id, const struct subject *s)
{
	const struct pt_proc *p = s->proc;

	return s->task->tid == id || (p && p->kind == PT_PK_FORK && p->child_tid == id) ||
	       (p && p->kind == PT_PK_EXEC && p->old_tid == id);
}

static bool flow_match(const struct pf_node *n, const struct flow *fl)
{
	switch (n->kind) {
	case PF_ADDR:
		return fl->family == n->family &&
		       by_dir(n->dir, fl->has_src && addr_in(fl->src, n), fl->has_dst && addr_in(fl->dst, n));
	case PF_PORT:
		return (fl->proto == IPPROTO_TCP || fl->proto == IPPROTO_UDP) &&
		       by_dir(n->dir, fl->has_src && port_in(fl->sport, n), fl->has_dst && port_in(fl->dport, n));
	case PF_PROTO:
		return fl->proto == n->proto;
	case PF_FAMILY:
		return fl->family == n->family;
	default:
		return false;	/* vni, point */
	}
}

static bool subj_match(const struct pf_node *n, const struct subject *s)
{
	switch (n->kind) {
	case PF_TRUE:
	case PF_PROC:
		return true;
	case PF_AND:
		return subj_match(n->l, s) && subj_match(n->r, s);
	case PF_OR:
		return subj_match(n->l, s) || subj_match(n->r, s);
	case PF_NOT:
		return !subj_match(n->l, s);
	case PF_COMM:
		return comm_is(n->name, s->task);
	case PF_PID:
		return pid_is(n->id, s);
	case PF_TID:
		return tid_is(n->id, s);
	default:
		return s->flow && flow_match(n, s->flow);
	}
}

/* Three-valued: what a filter says of a record it cannot see. */
enum tv { TV_FALSE, TV_TRUE, TV_UNKNOWN };

/* The filter on a CHUNK: "proc" is true, every other primitive unknown (Kleene logic). */
static enum tv chunk_match(const struct pf_node *n)
{
	enum tv l, r;

	switch (n->kind) {
	case PF_TRUE:
	case PF_PROC:
		return TV_TRUE;
	case PF_NOT:
		l = chunk_match(n->l);
		return l == TV_UNKNOWN ? l : l == TV_TRUE ? TV_FALSE : TV_TRUE;
	case PF_AND:
	case PF_OR:
		l = chunk_match(n->l);
		r = chunk_match(n->r);
		if (n->kind == PF_AND)
			return l == TV_FALSE || r == TV_FALSE ? TV_FALSE
			       : l == TV_TRUE && r == TV_TRUE ? TV_TRUE : TV_UNKNOWN;
		return l == TV_TRUE || r == TV_TRUE ? TV_TRUE
		       : l == TV_FALSE && r == TV_FALSE ? TV_FALSE : TV_UNKNOWN;
	default:
		return TV_UNKNOWN;
	}
}

/* See filter.h. Pure; names may be NULL. */
bool pt_filter_match_rec(const struct pt_filter *f, const struct pt_rec_hdr *h,
			 const struct pt_point_names *names)
{
	struct subject s = { 0 };
	struct end fill;
	struct flow fl;

	switch (h->type) {
	case PT_REC_PKT:
		return h->len >= sizeof(struct pt_pkt) && pt_filter_match(f, (const struct pt_pkt *)h, names);
	case PT_REC_DROP:
		return h->len >= sizeof(struct pt_drop) && pt_filter_match(f, (const struct pt_pkt *)h, names);
	case PT_REC_PROC:
		if (h->len < sizeof(struct pt_proc))
			return false;
		s.proc = (const struct pt_proc *)h;
		s.task = &s.proc->task;
		break;
	case PT_REC_SYS: {
		const struct pt_sys *sy = (const void *)h;

		if (h->len < sizeof(*sy))
			return false;
		s.task = &sy->task;
		/* the call's sockaddr: bind's is the local end, connect's and accept's the remote one */
		fill = (struct end){ sy->addr_family, sy->addr, sy->port };
		if (!(sy->flags & PT_SF_NOARGS) && sock_flow(&sy->info, sy->flags & PT_SF_ADDR ? &fill : NULL,
							     sy->call != PT_CALL_BIND, true, &fl))
			s.flow = &fl;
		break;
	}
	case PT_REC_DATA: {
		const struct pt_data *d = (const void *)h;

		if (h->len < sizeof(*d))
			return false;
		s.task = &d->task;
		fill = (struct end){ d->peer_family, d->peer_addr, d->peer_port };
		if (!(d->flags & PT_DAF_NOARGS) &&
		    sock_flow(&d->info, d->flags & PT_DAF_ADDR ? &fill : NULL, true, d->dir != PT_DIR_IN, &fl))
			s.flow = &fl;
		break;
	}
	case PT_REC_CHUNK:
		return h->len >= sizeof(struct pt_chunk) && (!f || chunk_match(f->root) == TV_TRUE);
	case PT_REC_LOSS:
		return h->len >= sizeof(struct pt_loss_rec);
	case PT_REC_POINT:
		return h->len >= sizeof(struct pt_point_rec);
	case PT_REC_CLOCK:
		return h->len >= sizeof(struct pt_clock_rec);
	case PT_REC_STATS:
		return h->len >= sizeof(struct pt_stats_rec);
	default:
		return false;
	}
	return !f || subj_match(f->root, &s);
}

static bool rule_addr_ok(const __u8 *a, const __u32 *net, const __u32 *mask)
{
	__u32 w;
	int i;

	for (i = 0; i < 4; i++) {
		memcpy(&w, a + 4 * i, 4);
		if ((w & mask[i]) != net[i])
			return false;
	}
	return true;
}

static bool port_range_ok(__u16 port, __u16 lo, __u16 hi)
{
	return port >= lo && port <= hi;
}

/* 4 or 6 from the identity family flags, 0 for non-IP (as the BPF side computes it). */
static __u8 pkt_family(const struct pt_pkt *pkt)
{
	return pkt->flags & PT_PF_IPV4 ? 4 : pkt->flags & PT_PF_IPV6 ? 6 : 0;
}

/*
 * One rule against one record: every constraint present must hold
 * (bpf/pkt.bpf.c pt_rule_match).
 *   SRC/DST/FAMILY  the record is IP and, when rule->family is not 0, of that
 *                   family; addresses compared as 4 network-order words,
 *                   (addr & mask) == rule address;
 *   PROTO           l4proto == proto;
 *   SPORT/DPORT     PT_PF_L4 set, l4proto TCP or UDP, port within lo..hi;
 *   VNI             PT_PF_VXLAN set and vni equal.
 */
static bool rule_match(const struct pt_rule *r, const struct pt_pkt *pkt)
{
	__u8 fam = pkt_family(pkt);

	if ((r->has & (PT_RH_SRC | PT_RH_DST | PT_RH_FAMILY)) && (!fam || (r->family && r->family != fam)))
		return false;
	if ((r->has & PT_RH_SRC) && !rule_addr_ok(pkt->saddr, r->src, r->src_mask))
		return false;
	if ((r->has & PT_RH_DST) && !rule_addr_ok(pkt->daddr, r->dst, r->dst_mask))
		return false;
	if ((r->has & PT_RH_PROTO) && pkt->l4proto != r->proto)
		return false;
	if ((r->has & (PT_RH_SPORT | PT_RH_DPORT)) && !l4_ports_ok(pkt))
		return false;
	if ((r->has & PT_RH_SPORT) && !port_range_ok(pkt->sport, r->sport_lo, r->sport_hi))
		return false;
	if ((r->has & PT_RH_DPORT) && !port_range_ok(pkt->dport, r->dport_lo, r->dport_hi))
		return false;
	if ((r->has & PT_RH_VNI) && (!(pkt->flags & PT_PF_VXLAN) || pkt->vni != r->vni))
		return false;
	return true;
}

/*
 * The first of rules[0..min(nrules, PT_MAX_RULES)) that matches decides; else
 * default_action. An action other than PT_ACT_EXCLUDE (including 0, the
 * all-zero policy) includes.
 */
bool pt_policy_match(const struct pt_policy *pol, const struct pt_pkt *pkt)
{
	__u32 i, n = pol->nrules < PT_MAX_RULES ? pol->nrules : PT_MAX_RULES;

	for (i = 0; i < n; i++)
		if (rule_match(&pol->rules[i], pkt))
			return pol->rules[i].action != PT_ACT_EXCLUDE;
	return pol->default_action != PT_ACT_EXCLUDE;
}

bool pt_filter_match_follow(const struct pt_filter *f, const struct pt_rec_hdr *h,
			    const struct pt_point_names *names, struct pt_chunk_follow *cf)
{
	if (h->type == PT_REC_CHUNK) {
		const struct pt_chunk *k = (const void *)h;

		if (h->len < sizeof(*k))
			return false;
		for (int j = 0; j < PT_CHUNK_FOLLOW; j++)
			if (cf->data[j].tid == k->tid && cf->data[j].ts == k->ts_ns && cf->data[j].msg == k->msg_index)
				return true;
		return false;
	}
	if (!pt_filter_match_rec(f, h, names))
		return false;
	if (h->type == PT_REC_DATA && h->len >= sizeof(struct pt_data)) {
		const struct pt_data *d = (const void *)h;

		cf->data[cf->next].tid = d->task.tid;
		cf->data[cf->next].ts = d->task.ts_ns;
		cf->data[cf->next].msg = d->msg_index;
		cf->next = (cf->next + 1) % PT_CHUNK_FOLLOW;
	}
	return true;
}
