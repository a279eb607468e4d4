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
 *            | "proc" | [ "proc" ] ( "comm" NAME | "pid" N | "tid" N )   (user space only)
 *   NAME    := word | '"' any characters but '"' '"'
 * An address/CIDR may be IPv4 or IPv6. Keywords are case-sensitive, as in tcpdump.
 * "proc" alone: a record of the process family (PROC, SYS, DATA, CHUNK); as a
 * qualifier it changes nothing ("proc comm curl" = "comm curl"). A comm NAME
 * longer than the kernel's 15 bytes is cut there, as the kernel cuts comm.
 * N of pid/tid: 0..4194303.
 *
 * Two uses:
 *  - pt_filter_match(), pt_filter_match_rec(): evaluate on a decoded record in
 *    user space (tail, queries);
 *  - pt_filter_compile(): lower to the ordered rule list of struct pt_policy for the
 *    in-kernel filter. What rules cannot express ("point", the process primitives,
 *    more than PT_MAX_RULES rules after expansion) is an error naming the position
 *    in the expression.
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
 * matches). A NULL filter matches everything. The process primitives (proc,
 * comm, pid, tid) are false on a packet.
 */
bool pt_filter_match(const struct pt_filter *f, const struct pt_pkt *pkt,
		     const struct pt_point_names *names);

/*
 * True when the record h (h->len bytes, any type) matches; a NULL filter is
 * the empty one. names: of the record's capture point (PKT, DROP), may be NULL.
 * Any record shorter than its struct: false; a type this build does not know:
 * false. By type:
 *   PKT    as pt_filter_match.
 *   DROP   its struct pt_pkt part, as pt_filter_match.
 *   PROC   proc: true. comm N: task.comm is N. pid N: task.pid is N, or FORK's
 *          child_pid. tid N: task.tid, FORK's child_tid or EXEC's old_tid is N.
 *          Packet primitives and point: false.
 *   SYS, DATA  proc/comm/pid/tid as on PROC (task only). The packet primitives
 *          look at info when it is an AF_INET/AF_INET6 socket (else they are
 *          false, also with PT_SF_NOARGS/PT_DAF_NOARGS):
 *            src = local end and dst = remote end for SYS and DATA dir OUT;
 *            src = remote and dst = local for DATA dir IN;
 *            host/net/port without src/dst: either end;
 *            an end with address and port 0 is absent and matches nothing;
 *            a missing remote end is taken from the call's sockaddr: a DATA's
 *            peer (PT_DAF_ADDR, sendto/recvfrom on an unconnected socket), a
 *            SYS connect/accept addr (PT_SF_ADDR); a missing local end from
 *            bind's addr;
 *            v4-mapped addresses of an AF_INET6 socket are IPv4 (ip, host
 *            10.0.0.1 match them, as they match the packets);
 *            tcp/udp/proto: info.proto; ip/ip6: the family of the remote end
 *            (the local one when there is no remote); port(range): TCP and
 *            UDP sockets only; vni and point: false.
 *   CHUNK  true only when the filter is true whatever the record: the empty
 *          filter, "proc", "proc or port 80", "not (comm x and not proc)"
 *          (Kleene logic: every primitive but proc is unknown). A CHUNK
 *          belongs to the DATA record before it with the same (tid, ts_ns,
 *          msg_index): callers show it when they showed that DATA, which this
 *          function does not know.
 *   LOSS, POINT, CLOCK, STATS  true (callers decide: a LOSS names its point).
 * Pure.
 */
bool pt_filter_match_rec(const struct pt_filter *f, const struct pt_rec_hdr *h,
			 const struct pt_point_names *names);

/* True when the filter uses "point" (so it cannot go to the kernel). */
bool pt_filter_uses_point(const struct pt_filter *f);

/*
 * The first "point NAME" of the filter that none of the n points' names
 * match (as pt_filter_match would), NULL when each matches one. Pure.
 */
const char *pt_filter_point_unknown(const struct pt_filter *f, const struct pt_point_names *names, size_t n);

/*
 * True when the filter uses proc, comm, pid or tid (so it cannot go to the
 * kernel, and "comm x" alone matches no packet). False for NULL.
 */
bool pt_filter_uses_proc(const struct pt_filter *f);

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

/*
 * A reader of a record stream that shows a DATA record's CHUNKs with it: they
 * follow it soon (records of other CPUs may come between), so the last
 * PT_CHUNK_FOLLOW DATA records that matched are remembered. Zero-initialise.
 */
#define PT_CHUNK_FOLLOW 16
struct pt_chunk_follow {
	struct { __u32 tid; __u64 ts; __u16 msg; } data[PT_CHUNK_FOLLOW];
	unsigned next;
};

/*
 * pt_filter_match_rec() for a stream: a CHUNK matches when its DATA record
 * matched (and was seen through cf); everything else as pt_filter_match_rec.
 */
bool pt_filter_match_follow(const struct pt_filter *f, const struct pt_rec_hdr *h,
			    const struct pt_point_names *names, struct pt_chunk_follow *cf);

/* The expression as given at parse time (owned by f). "" for the empty filter. */
const char *pt_filter_text(const struct pt_filter *f);

#endif /* PROVTAP_FILTER_H */
