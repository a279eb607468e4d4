/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * filter_int.h — private to query/filter*.c: the parsed form of a filter.
 *
 * The parser (filter_parse.c) builds a tree of struct pf_node; the evaluator
 * (filter.c) and the compiler (filter_compile.c) walk it. Every node remembers
 * the byte offset of the token it came from so later stages can point at it.
 */
#ifndef PROVTAP_FILTER_INT_H
#define PROVTAP_FILTER_INT_H

#include "query/filter.h"
#include "bpf/proc.h"

#define PF_MAX_DEPTH	1000	/* tree depth: "(", "not" and operator chains */
#define PF_ID_MAX	4194303	/* largest pid/tid: PID_MAX_LIMIT - 1 */

enum pf_kind {
	PF_TRUE,	/* the empty filter */
	PF_AND,		/* l and r */
	PF_OR,		/* l or r */
	PF_NOT,		/* not l */
	PF_ADDR,	/* host / net: family, addr, mask, dir */
	PF_PORT,	/* port / portrange: lo..hi, dir; TCP/UDP with L4 parsed */
	PF_PROTO,	/* tcp udp icmp icmp6 "proto N": IP packet with l4proto == proto */
	PF_FAMILY,	/* ip / ip6: family */
	PF_VNI,		/* vni N: VXLAN packet with that VNI */
	PF_POINT,	/* point NAME (user space only) */
	PF_PROC,	/* proc: a record of the process family (user space only) */
	PF_COMM,	/* comm NAME: the task's comm (user space only) */
	PF_PID,		/* pid N: the task's pid, or a fork's child (user space only) */
	PF_TID,		/* tid N: the task's tid, a fork's child, an exec's old tid (user space only) */
};

/* Which header field an address or port primitive looks at. */
enum pf_dir {
	PF_DIR_EITHER,	/* default, "src or dst" */
	PF_DIR_SRC,
	PF_DIR_DST,
	PF_DIR_BOTH,	/* "src and dst" */
};

struct pf_node {
	enum pf_kind kind;
	int pos;			/* byte offset of the primitive or operator */
	struct pf_node *l, *r;		/* PF_AND, PF_OR: both; PF_NOT: l */
	enum pf_dir dir;		/* PF_ADDR, PF_PORT */
	__u8 family;			/* PF_ADDR, PF_FAMILY: 4 or 6 */
	__u8 proto;			/* PF_PROTO: IPPROTO_* */
	__u16 lo, hi;			/* PF_PORT: inclusive, host order */
	__u32 vni;			/* PF_VNI */
	__u8 addr[16];			/* PF_ADDR: network order, masked; IPv4 in 0..3 */
	__u8 mask[16];			/* PF_ADDR: contiguous prefix mask */
	__u32 id;			/* PF_PID, PF_TID */
	char *name;			/* PF_POINT, PF_COMM: owned; PF_COMM at most
					 * PT_COMM_LEN - 1 bytes (longer names are cut
					 * there, as the kernel cuts comm) */
};

struct pt_filter {
	char *text;			/* the expression as given; owned */
	struct pf_node *root;		/* never NULL; PF_TRUE for the empty filter */
};

/* Free a node and its subtree. NULL-safe. */
void pf_node_free(struct pf_node *n);

/* True when any node of the subtree is PF_POINT. */
bool pf_node_uses_point(const struct pf_node *n);

#endif /* PROVTAP_FILTER_INT_H */
