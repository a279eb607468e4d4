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
 */
#include <stdlib.h>
#include <string.h>
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

bool pf_node_uses_point(const struct pf_node *n)
{
	if (!n)
		return false;
	return n->kind == PF_POINT || pf_node_uses_point(n->l) || pf_node_uses_point(n->r);
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
	}
	return false;
}

/* See filter.h. Pure; names may be NULL. */
bool pt_filter_match(const struct pt_filter *f, const struct pt_pkt *pkt,
		     const struct pt_point_names *names)
{
	return !f || node_match(f->root, pkt, names);
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
