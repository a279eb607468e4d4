// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * drop.bpf.c — the drop probe: one struct pt_drop (bpf/pkt.h) per skb the
 * kernel frees as a drop, into the shared pt_ring, with the drop reason, the
 * freeing location, netns, device and the packet's identity and fingerprint.
 *
 * Variants (the loader loads exactly one, loader/drops.c):
 *   pt_drop_btf     tp_btf/kfree_skb: reason is the tracepoint's 3rd argument
 *   pt_drop_raw     raw_tp/kfree_skb: same arguments, untyped (kernels whose
 *                   tp_btf attach fails)
 *   pt_drop_kprobe  kprobe/kfree_skb_reason(skb, reason), location = the return
 *                   address: for kernels with kprobes whose kfree_skb tracepoint
 *                   lacks the reason argument (never on kernels without kprobes)
 *
 * Not drops: on kernels >= 5.17 consume_skb() fires skb:consume_skb, not
 * skb:kfree_skb; kernels >= 6.3 route kfree_skb_reason(skb, SKB_CONSUMED) to
 * consume_skb's tracepoint too. The probe still skips SKB_CONSUMED and
 * SKB_NOT_DROPPED_YET (counted as skipped) for the kprobe variant and for
 * safety. SKB_DROP_REASON_NOT_SPECIFIED is recorded: on these kernels it only
 * reaches skb:kfree_skb through plain kfree_skb(), i.e. a drop at a call site
 * not annotated with a reason, never through the consume path.
 *
 * Packet identity: the headers are copied with bpf_probe_read_kernel from
 * skb->head + skb->network_header into a per-CPU buffer behind a synthetic
 * 14-byte Ethernet header (ethertype = skb->protocol) and parsed by the packet
 * probes' parser (pkt_parse.bpf.h), so the fields and the fingerprint are the
 * ones the tc/XDP probes computed for the same packet.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "pkt.h"
#include "fingerprint.h"
#include "pkt_parse.bpf.h"
#include "ring_wake.bpf.h"

#define PT_ETH_HLEN	14
/* parser reads at most a 40-byte header starting at offset <= PT_PARSE_MAX */
#define PT_DBUF_LEN	(PT_PARSE_MAX + 64)
#define PT_DCOPY_MAX	(PT_DBUF_LEN - PT_ETH_HLEN)

/* Set by the loader between open and load. */
const volatile __u8 pt_fp_mode = PT_FP_HEADERS;	/* enum pt_fp_mode */

/* The packet probes' ring, reused from its pin by the loader (same name, type). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} pt_ring SEC(".maps");

/* Drop probe counters, one entry; pinned as pt_dstats by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_drop_stats);
} pt_dstats SEC(".maps");

/* Header copy being parsed: a synthetic Ethernet header, then the L3 bytes. */
struct pt_dbuf {
	__u32 len;			/* valid bytes in data[] */
	__u32 pad;
	__u8  data[PT_DBUF_LEN];
	struct pt_fp_in fi;		/* fingerprint inputs (too big for the stack) */
};

/* Per-CPU scratch; not pinned (one per loaded program). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_dbuf);
} pt_dbuf SEC(".maps");

/*
 * pt_parse_step_dbuf - one parser step over b->data[0..b->len) (see
 * pt_parse_step_skb). A global function: verified once. NULL arguments:
 * PT_ST_DONE.
 */
__noinline int pt_parse_step_dbuf(struct pt_dbuf *b, struct pt_walk *w, struct pt_pkt *r,
				  struct pt_parse *ps)
{
	__u32 n;

	if (!b || !w || !r || !ps)
		return PT_ST_DONE;
	n = b->len;
	if (n > PT_DBUF_LEN)
		n = PT_DBUF_LEN;
	return pt_parse_step(b->data, b->data + n, w, r, ps);
}

/* 1 when reason is not a drop (consumed / not dropped), as this kernel numbers them. */
static __always_inline int pt_not_a_drop(__u32 reason)
{
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
		return 1;
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_NOT_DROPPED_YET) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_NOT_DROPPED_YET))
		return 1;
	return 0;
}

/*
 * pt_drop_parse - fill @pk's identity and fingerprint and @d's netns/ifindex/
 * dflags from @skb. Never fails: what could not be read is flagged in *dflags.
 */
static __noinline void pt_drop_parse(struct sk_buff *skb, struct pt_pkt *pk, __u64 *netns_ino,
				     __u32 *ifindex, __u16 *dflags)
{
	struct pt_parse ps = {};
	struct pt_walk w = {};
	struct net_device *dev;
	struct pt_dbuf *b;
	struct sock *sk;
	unsigned char *head, *data;
	__u32 zero = 0, tail, len, i;
	__u64 data_off, l3_total, src, n;	/* 64-bit: sizes the verifier must see bounded */
	__u16 nh;
	__be16 proto;
	__u8 mode = pt_fp_mode == PT_FP_PAYLOAD ? PT_FP_PAYLOAD : PT_FP_HEADERS;

	dev = BPF_CORE_READ(skb, dev);
	if (dev) {
		*ifindex = BPF_CORE_READ(dev, ifindex);
		*netns_ino = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	} else {
		sk = BPF_CORE_READ(skb, sk);
		if (sk) {
			*netns_ino = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
			*dflags |= PT_DF_NETNS_SK;
		} else {
			*dflags |= PT_DF_NO_NETNS;
		}
	}

	pk->mark = BPF_CORE_READ(skb, mark);
	pk->flags = PT_PF_MARK;
	b = bpf_map_lookup_elem(&pt_dbuf, &zero);
	if (!b)
		return;
	head = BPF_CORE_READ(skb, head);
	data = BPF_CORE_READ(skb, data);
	tail = BPF_CORE_READ(skb, tail);
	nh = BPF_CORE_READ(skb, network_header);
	len = BPF_CORE_READ(skb, len);
	proto = BPF_CORE_READ(skb, protocol);
	data_off = data - head;
	/* network_header is 0 (never set) or ~0 on skbs no layer has parsed yet */
	if (!head || nh == 0xffff || nh >= tail || (nh == 0 && data_off != 0)) {
		*dflags |= PT_DF_NO_L3;
		return;
	}
	/* L3 bytes of the packet: from the network header to the end of skb->len */
	l3_total = (__u64)len + data_off > nh ? (__u64)len + data_off - nh : 0;

	__builtin_memset(b->data, 0, PT_ETH_HLEN);
	__builtin_memcpy(b->data + 12, &proto, 2);
	n = tail - nh;
	if (n > PT_DCOPY_MAX)
		n = PT_DCOPY_MAX;
	if (bpf_probe_read_kernel(b->data + PT_ETH_HLEN, n, head + nh)) {
		*dflags |= PT_DF_READ_FAIL;
		n = 0;
	}
	b->len = PT_ETH_HLEN + n;

	w.wire_len = l3_total + PT_ETH_HLEN > 0xffffffffULL ? 0xffffffff : l3_total + PT_ETH_HLEN;
	w.step = PT_ST_ETH;
	for (i = 0; i < PT_PARSE_STEPS; i++)
		if (pt_parse_step_dbuf(b, &w, pk, &ps) == PT_ST_DONE)
			break;

	/* fingerprint: the same inputs as the packet probes, payload read from the skb */
	__builtin_memset(&b->fi, 0, sizeof(b->fi));
	pt_fp_fill(&b->fi, mode, pk, &ps);
	n = pt_fp_payload_want(mode, &ps, w.wire_len);
	if (n && ps.pay_off >= PT_ETH_HLEN) {
		/* the payload prefix lives at head + nh + (pay_off - 14); linear part only */
		src = (__u64)nh + ps.pay_off - PT_ETH_HLEN;
		if (src >= tail) {
			*dflags |= PT_DF_PAY_SHORT;
			n = 0;
		} else if (n > tail - src) {
			*dflags |= PT_DF_PAY_SHORT;
			n = tail - src;
		}
		if (n > PT_FP_NAT_PAYLOAD)
			n = PT_FP_NAT_PAYLOAD;
		if (n && bpf_probe_read_kernel(b->fi.payload, n, head + src)) {
			*dflags |= PT_DF_READ_FAIL;
			n = 0;
		}
	} else {
		n = 0;
	}
	b->fi.payload_n = n;
	pk->fp = pt_fp_compute(&b->fi);
	if (mode == PT_FP_PAYLOAD)
		pk->flags |= PT_PF_FP_NAT;
}

static __always_inline void pt_drop_run(struct sk_buff *skb, __u64 location, __u32 reason, __u8 variant)
{
	struct pt_drop_stats *st;
	struct pt_pkt pk = {};
	struct pt_drop *rec;
	__u64 netns_ino = 0;
	__u32 zero = 0, ifindex = 0;
	__u16 dflags = 0;

	st = bpf_map_lookup_elem(&pt_dstats, &zero);
	if (st)
		st->seen++;
	if (!skb || pt_not_a_drop(reason)) {
		if (st)
			st->skipped++;
		return;
	}
	pt_drop_parse(skb, &pk, &netns_ino, &ifindex, &dflags);
	pk.type = PT_REC_DROP;
	pk.len = sizeof(*rec);
	pk.point = PT_DROP_POINT;
	pk.wire_len = BPF_CORE_READ(skb, len);

	rec = bpf_ringbuf_reserve(&pt_ring, sizeof(*rec), 0);
	if (!rec) {
		if (st)
			st->ring_fail++;
		return;
	}
	pk.ts_ns = bpf_ktime_get_boot_ns();
	__builtin_memcpy(&rec->pkt, &pk, sizeof(pk));
	rec->reason = reason;
	rec->ifindex = ifindex;
	rec->location = location;
	rec->netns_ino = netns_ino;
	rec->dflags = dflags;
	rec->variant = variant;
	__builtin_memset(rec->pad, 0, sizeof(rec->pad));
	bpf_ringbuf_submit(rec, pt_wake_flags(&pt_ring, sizeof(*rec), 1));
	if (st) {
		st->emitted++;
		if (dflags & PT_DF_READ_FAIL)
			st->read_fail++;
	}
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(pt_drop_btf, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	pt_drop_run(skb, (__u64)location, (__u32)reason, PT_DV_TP_BTF);
	return 0;
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(pt_drop_raw, struct sk_buff *skb, void *location, __u64 reason)
{
	pt_drop_run(skb, (__u64)location, (__u32)reason, PT_DV_RAW_TP);
	return 0;
}

SEC("kprobe/kfree_skb_reason")
int BPF_KPROBE(pt_drop_kprobe, struct sk_buff *skb, __u64 reason)
{
	__u64 ret = 0;

	/* at function entry the return address is at the stack pointer */
	bpf_probe_read_kernel(&ret, sizeof(ret), (void *)PT_REGS_SP(ctx));
	pt_drop_run(skb, ret, (__u32)reason, PT_DV_KPROBE);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
