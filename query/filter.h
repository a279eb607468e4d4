/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * filter.h — provtap's filter expressions: tcpdump's subset.
 *
 *   expr    := or
 *   or      := and ( "or" | "||" and )*
 *   and     := unary ( "and" | "&&" unary )*
 *   unary   := ( "not" | "!" ) unary | "(" expr ")" | prim
 *   prim    := [ "src" | "dst" | "src or dst" | "src and dst" ] ( "host" ADDR | "net" CIDR
 *              | "net" ADDR "mask" MASK | "port" N | "portrange" N-M )
 *            | "tcp" | "udp" | "icmp" | "icmp6" | "ip" | "ip6"
 *            | "proto" ( N | tcp | udp | icmp | icmp6 ) | "vni" N
 *            | "point" NAME                      (user space only: tail and queries)
 * An address/CIDR may be IPv4 or IPv6. Keywords are case-sensitive, as in tcpdump.
 *
 * Two uses:
 *  - pt_filter_match(): evaluate on a decoded record in user space (tail, queries);
 *  - pt_filter_compile(): lower to the ordered rule list of struct pt_policy for the
 *    in-kernel filter. What rules cannot express ("point", more than PT_MAX_RULES
 *    rules after expansion) is an error naming the position in the expression.
 */
#ifndef PROVTAP_FILTER_H
#define PROVTAP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bpf/pkt.h"

struct pt_filter;

/* Where and why an expression was refused. pos is a 0-based byte offset into the text. */
struct pt_filter_err {
	int pos;
	char msg[160];
};

/* Names a record's capture point is known by, for "point NAME". Any may be NULL. */
struct pt_point_names {
	const char *full;	/* "ifname@netns:dir" ("ifname:dir" in the loader's netns) */
	const char *alias;	/* user alias */
};

/*
 * Parse expr. An empty or all-blank expr is the match-everything filter.
 * Returns 0 and sets *out (owned by the caller, free with pt_filter_free), or
 * -EINVAL with *err filled and *out unchanged.
 */
int pt_filter_parse(const char *expr, struct pt_filter **out, struct pt_filter_err *err);

/* NULL-safe. */
void pt_filter_free(struct pt_filter *f);

/*
 * True when the packet record matches. names may be NULL (then "point" never
 * matches). A NULL filter matches everything.
 */
bool pt_filter_match(const struct pt_filter *f, const struct pt_pkt *pkt,
		     const struct pt_point_names *names);

/* True when the filter uses "point" (so it cannot go to the kernel). */
bool pt_filter_uses_point(const struct pt_filter *f);

/*
 * Lower to kernel rules. On success returns 0 and fills *pol completely (rules,
 * nrules, default_action). On failure returns -EINVAL (not expressible, with the
 * position of the offending primitive) or -E2BIG (more than PT_MAX_RULES rules;
 * pos 0) with *err filled; *pol is then unspecified. A NULL filter compiles to
 * "include everything".
 */
int pt_filter_compile(const struct pt_filter *f, struct pt_policy *pol, struct pt_filter_err *err);

/*
 * Evaluate a compiled policy on a record exactly as the BPF programs do
 * (bpf/pkt.bpf.c pt_policy_allows). Returns true when the record is included.
 */
bool pt_policy_match(const struct pt_policy *pol, const struct pt_pkt *pkt);

/* The expression as given at parse time (owned by f). "" for the empty filter. */
const char *pt_filter_text(const struct pt_filter *f);

#endif /* PROVTAP_FILTER_H */
