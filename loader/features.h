/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * features.h — "can this kernel do X", asked once, silently, and the program
 * variant table that maps the answers to the programs the loader loads.
 */
#ifndef PROVTAP_FEATURES_H
#define PROVTAP_FEATURES_H

#include <stdbool.h>
#include <stdio.h>
#include "bpf/pkt.h"

enum pt_feature {
	PT_FEAT_RINGBUF		= 1 << 0,	/* BPF_MAP_TYPE_RINGBUF (5.8) */
	PT_FEAT_TC		= 1 << 1,	/* BPF_PROG_TYPE_SCHED_CLS */
	PT_FEAT_XDP		= 1 << 2,	/* BPF_PROG_TYPE_XDP */
	PT_FEAT_BOOT_NS_TC	= 1 << 3,	/* bpf_ktime_get_boot_ns in tc (5.8) */
	PT_FEAT_BOOT_NS_XDP	= 1 << 4,	/* bpf_ktime_get_boot_ns in XDP */
	PT_FEAT_XDP_LOAD_BYTES	= 1 << 5,	/* bpf_xdp_load_bytes (5.18) */
	PT_FEAT_SKB_LOAD_BYTES	= 1 << 6,	/* bpf_skb_load_bytes in tc */
	PT_FEAT_KPROBE		= 1 << 9,	/* the kernel has kprobes (kprobe PMU present) */
	PT_FEAT_TP_BTF_KFREE_SKB = 1 << 10,	/* a tp_btf program on kfree_skb loads */
	PT_FEAT_RAW_TP		= 1 << 11,	/* BPF_PROG_TYPE_RAW_TRACEPOINT */
	PT_FEAT_KFREE_SKB_REASON = 1 << 12,	/* tracepoint kfree_skb has the reason argument (5.17) */
	PT_FEAT_KFREE_SKB_REASON_FN = 1 << 13,	/* kallsyms has kfree_skb_reason (5.17..6.10) */
	PT_FEAT_BOOT_NS_TRACE	= 1 << 14,	/* bpf_ktime_get_boot_ns in raw tracepoints */
	PT_FEAT_FENTRY_SENDMSG	= 1 << 15,	/* an fentry program on tcp_sendmsg_locked loads and attaches */
	PT_FEAT_SENDMSG_FN	= 1 << 16,	/* kallsyms has tcp_sendmsg_locked (a kprobe target) */
	PT_FEAT_TP_SENDMSG	= 1 << 17,	/* a tp_btf program on tracepoint tcp_sendmsg_locked loads (6.12) */
};

struct pt_features {
	unsigned int have;	/* enum pt_feature bits */
	bool probed;
};

/* Probe once (libbpf silenced) and cache. Never fails: absent = not set. */
const struct pt_features *pt_features_get(void);

/* One line per feature, "name yes|no", to out. */
void pt_features_print(FILE *out, const struct pt_features *f);

/* The programs of bpf/pkt.bpf.c and bpf/drop.bpf.c (the loader maps them to skeleton members). */
enum pt_prog { PT_PROG_TC, PT_PROG_XDP, PT_PROG_XDP_DIRECT,
	       PT_PROG_DROP_BTF, PT_PROG_DROP_RAW, PT_PROG_DROP_KPROBE,	/* bpf/drop.bpf.c */
	       PT_PROG_SEND_FENTRY, PT_PROG_SEND_KPROBE, PT_PROG_SEND_SYSCALL,	/* bpf/proc.bpf.c */
	       PT_PROG_SEND_TP };

struct pt_variant {
	const char *name;	/* shown in status, accepted by --variant */
	enum pt_hook hook;
	enum pt_prog prog_id;
	const char *prog;	/* its name, for messages */
	unsigned int needs;	/* enum pt_feature bits that must all be present */
	const char *note;
};

/*
 * Pick the first variant for hook whose needs are met, or the one named
 * force (NULL = automatic). Returns it, or NULL with a log line saying which
 * feature is missing (or that force is unknown / does not fit this hook).
 */
const struct pt_variant *pt_variant_pick(enum pt_hook hook, const char *force);

/*
 * The automatic pick's fallback: the variant of v's hook after v in
 * preference order whose needs this kernel meets, or NULL when v is the last.
 * For when the kernel refused v although its feature probe said yes (a
 * verifier limit, a hook a distribution patched out).
 */
const struct pt_variant *pt_variant_next(const struct pt_variant *v);

/*
 * 1 when PROVTAP_FAULT_REFUSE (a ","-separated list of variant names, for
 * tests of the fallbacks) names v: the loader then treats v as refused by the
 * kernel without asking it. Else 0.
 */
int pt_variant_fault_refused(const struct pt_variant *v);

/* What to add to the message of v's refusal: where its cause is to be seen. */
const char *pt_variant_refusal_hint(const struct pt_variant *v);

/*
 * The variant whose BPF program is named prog (as the kernel keeps program
 * names: at most 15 characters), or NULL.
 */
const struct pt_variant *pt_variant_by_prog(const char *prog);

/* The variant of program id, or NULL. */
const struct pt_variant *pt_variant_by_id(enum pt_prog id);

/*
 * The variant of hook named name, or NULL. Asks nothing of the kernel (whether
 * it can run the variant is pt_variant_pick's question): for checking a
 * --variant, --drop-variant or --send-variant argument before anything is loaded.
 */
const struct pt_variant *pt_variant_find(enum pt_hook hook, const char *name);

/*
 * The names of hook's variants, preferred first, ", "-separated ("xdp,
 * xdp-direct"), into buf (len bytes, always NUL-terminated). Returns buf.
 */
char *pt_variant_names(enum pt_hook hook, char *buf, size_t len);

/*
 * 0 when this process may load and attach probes; else -EPERM with a log line
 * naming what (e.g. "provtap probe load") needs which capabilities.
 */
int pt_require_privileges(const char *what);

#endif /* PROVTAP_FEATURES_H */
