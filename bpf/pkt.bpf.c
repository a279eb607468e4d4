// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pkt.bpf.c — the packet probes: one struct pt_pkt per packet seen at a capture
 * point, into pt_ring, unless the point's policy excludes it.
 *
 * Variants (the loader loads exactly one per capture point):
 *   pt_tc          tc clsact ingress/egress; bpf_skb_pull_data, bpf_skb_load_bytes
 *   pt_xdp         XDP; bpf_xdp_load_bytes (kernel >= 5.18)
 *   pt_xdp_direct  XDP; bounded direct packet reads instead of bpf_xdp_load_bytes
 * All use bpf_ringbuf_reserve/submit/query, bpf_ktime_get_boot_ns, bpf_map_lookup_elem,
 * and global BPF functions with pointer arguments (pt_rule_match, the parser
 * steps). None calls task helpers (rejected in tc by older kernels).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "pkt.h"
#include "fingerprint.h"
#include "pkt_maps.bpf.h"
#include "pkt_parse.bpf.h"
#include "ring_wake.bpf.h"

#define PT_TC_ACT_UNSPEC	(-1)
/*
 * tc: bytes made linear before parsing: every byte the parser may read (a
 * header starts below PT_PARSE_MAX, the longest it reads there is an IPv6
 * header plus a TCP header with options). If the pull fails (no memory) the
 * parser sees a shorter frame and the record says truncated: never silent.
 */
#define PT_PULL_LEN		(PT_PARSE_MAX + 100)

enum pt_kind { PT_KIND_TC, PT_KIND_XDP, PT_KIND_XDP_DIRECT };


/* Set by the loader between open and load; one instance per capture point. */
const volatile __u16 pt_point_id = 0;
const volatile __u8 pt_dir = PT_DIR_IN;		/* enum pt_dir */
const volatile __u8 pt_hook = PT_HOOK_TC;	/* enum pt_hook */
const volatile __u16 pt_snaplen = 0;		/* 0..PT_SNAP_MAX */
const volatile __u8 pt_fp_mode = PT_FP_HEADERS;	/* enum pt_fp_mode */

/*
 * pt_rule_match - 1 when every present constraint of @ru holds for @p (see struct
 * pt_rule), else 0 (also for NULL arguments). A global function: the verifier
 * checks it once instead of once per rule and path.
 */
__noinline int pt_rule_match(const struct pt_rule *ru, const struct pt_pkt *p)
{
	const __u32 *sa, *da;
	__u8 has, fam;
	int j;

	if (!ru || !p)
		return 0;
	sa = (const __u32 *)p->saddr;
	da = (const __u32 *)p->daddr;
	has = ru->has;
	fam = p->flags & PT_PF_IPV4 ? 4 : p->flags & PT_PF_IPV6 ? 6 : 0;

	if (has & (PT_RH_SRC | PT_RH_DST | PT_RH_FAMILY)) {
		if (!fam || (ru->family && ru->family != fam))
			return 0;
	}
	if (has & PT_RH_SRC) {
		for (j = 0; j < 4; j++)
			if ((sa[j] & ru->src_mask[j]) != ru->src[j])
				return 0;
	}
	if (has & PT_RH_DST) {
		for (j = 0; j < 4; j++)
			if ((da[j] & ru->dst_mask[j]) != ru->dst[j])
				return 0;
	}
	if ((has & PT_RH_PROTO) && p->l4proto != ru->proto)
		return 0;
	if (has & (PT_RH_SPORT | PT_RH_DPORT)) {
		if (!(p->flags & PT_PF_L4) ||
		    (p->l4proto != IPPROTO_TCP && p->l4proto != IPPROTO_UDP))
			return 0;
		if ((has & PT_RH_SPORT) && (p->sport < ru->sport_lo || p->sport > ru->sport_hi))
			return 0;
		if ((has & PT_RH_DPORT) && (p->dport < ru->dport_lo || p->dport > ru->dport_hi))
			return 0;
	}
	if ((has & PT_RH_VNI) && (!(p->flags & PT_PF_VXLAN) || p->vni != ru->vni))
		return 0;
	return 1;
}

/*
 * pt_policy_allows - 1 to record @p at @point, 0 to skip it. The live slot is
 * pt_policy[point * 2 + pt_active[point]]; the first matching rule decides,
 * else default_action. A missing or all-zero slot includes everything.
 */
static __noinline int pt_policy_allows(__u32 point, const struct pt_pkt *p)
{
	struct pt_policy *pol;
	__u32 *active, slot, n, i;

	active = bpf_map_lookup_elem(&pt_active, &point);
	slot = point * 2 + (active ? *active & 1 : 0);
	pol = bpf_map_lookup_elem(&pt_policy, &slot);
	if (!pol)
		return 1;
	n = pol->nrules;
	for (i = 0; i < PT_MAX_RULES; i++) {
		if (i >= n)
			break;
		if (pt_rule_match(&pol->rules[i], p))
			return pol->rules[i].action != PT_ACT_EXCLUDE;
	}
	return pol->default_action != PT_ACT_EXCLUDE;
}

/*
 * pt_copy - copy @len bytes at frame offset @off into @dst (room for @max bytes,
 * a power of two <= PT_SNAP_MAX), with the hook's method. Returns the bytes
 * copied: @len, fewer when the frame is shorter (direct variant), 0 when @len
 * is 0 or above @max or the helper failed.
 */
static __always_inline __u32 pt_copy(void *ctx, enum pt_kind kind, __u32 off,
				     void *dst, __u32 len, __u32 max)
{
	if (len == 0 || len > max)
		return 0;
	/* hide the range from clang so the verifier sees the bound on this register */
	barrier_var(len);
	len = ((len - 1) & (max - 1)) + 1;
	if (kind == PT_KIND_TC)
		return bpf_skb_load_bytes(ctx, off, dst, len) ? 0 : len;
	if (kind == PT_KIND_XDP)
		return bpf_xdp_load_bytes(ctx, off, dst, len) ? 0 : len;

	struct xdp_md *xdp = ctx;
	void *data = (void *)(long)xdp->data, *data_end = (void *)(long)xdp->data_end;
	__u32 i;

	if (off > PT_PARSE_MAX)
		return 0;
	data += off;
	for (i = 0; i + 8 <= len && i < max; i += 8) {
		if (data + i + 8 > data_end)
			return i;
		*(__u64 *)(dst + i) = *(__u64 *)(data + i);
	}
	for (; i < len && i < max; i++) {
		if (data + i + 1 > data_end)
			return i;
		*(__u8 *)(dst + i) = *(__u8 *)(data + i);
	}
	return i;
}

/* Fingerprint inputs from the parsed record and parser extras; reads the payload prefix. */
static __noinline __u64 pt_fingerprint(void *ctx, enum pt_kind kind, __u32 wire_len,
				      const struct pt_pkt *r, const struct pt_parse *ps)
{
	struct pt_fp_in fi = {};
	__u8 mode = pt_fp_mode == PT_FP_PAYLOAD ? PT_FP_PAYLOAD : PT_FP_HEADERS;
	__u32 n;

	pt_fp_fill(&fi, mode, r, ps);
	n = pt_fp_payload_want(mode, ps, wire_len);
	if (n > PT_FP_NAT_PAYLOAD)	/* a bound the verifier sees */
		n = PT_FP_NAT_PAYLOAD;
	fi.payload_n = pt_copy(ctx, kind, ps->pay_off, fi.payload, n, PT_FP_NAT_PAYLOAD);
	return pt_fp_compute(&fi);
}

static __always_inline void pt_run(void *ctx, enum pt_kind kind)
{
	struct pt_point_stats *st;
	struct pt_parse ps = {};
	struct pt_pkt pk = {};
	struct pt_pkt *rec;
	void *data, *data_end;
	__u32 point = pt_point_id, wire_len, snap, cap;

	st = bpf_map_lookup_elem(&pt_stats, &point);
	if (st)
		st->seen++;

	if (kind == PT_KIND_TC) {
		struct __sk_buff *skb = ctx;
		__u32 need;

		wire_len = skb->len;
		need = wire_len < PT_PULL_LEN ? wire_len : PT_PULL_LEN;
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		if (data + need > data_end)
			bpf_skb_pull_data(skb, need);
		/* keep clang from merging ctx+off pointers: the verifier wants plain ctx loads */
		barrier_var(skb);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		pk.mark = skb->mark;
		pk.flags = PT_PF_MARK;
	} else {
		struct xdp_md *xdp = ctx;

		data = (void *)(long)xdp->data;
		data_end = (void *)(long)xdp->data_end;
		wire_len = data_end - data;
	}

	pt_parse_frame(ctx, kind == PT_KIND_TC, wire_len, &pk, &ps);

	if (!pt_policy_allows(point, &pk)) {
		if (st)
			st->filtered++;
		return;
	}

	pk.type = PT_REC_PKT;
	pk.point = point;
	pk.dir = pt_dir;
	pk.hook = pt_hook;
	pk.wire_len = wire_len;
	pk.fp = pt_fingerprint(ctx, kind, wire_len, &pk, &ps);
	if (pt_fp_mode == PT_FP_PAYLOAD)
		pk.flags |= PT_PF_FP_NAT;

	snap = pt_snaplen;
	if (snap > PT_SNAP_MAX)
		snap = PT_SNAP_MAX;
	if (snap)
		rec = bpf_ringbuf_reserve(&pt_ring, sizeof(*rec) + PT_SNAP_MAX, 0);
	else
		rec = bpf_ringbuf_reserve(&pt_ring, sizeof(*rec), 0);
	if (!rec) {
		if (st)
			st->ring_fail++;
		return;
	}
	cap = 0;
	if (snap)
		cap = pt_copy(ctx, kind, 0, rec + 1, snap < wire_len ? snap : wire_len,
			      PT_SNAP_MAX);
	pk.cap_len = cap;
	pk.len = sizeof(*rec) + cap;
	pk.ts_ns = bpf_ktime_get_boot_ns();
	__builtin_memcpy(rec, &pk, sizeof(pk));
	bpf_ringbuf_submit(rec, pt_wake_flags(&pt_ring, snap ? sizeof(*rec) + PT_SNAP_MAX : sizeof(*rec), 1));

	if (st) {
		st->emitted++;
		st->bytes += wire_len;
		if (pk.flags & (PT_PF_TRUNC | PT_PF_BADLEN))
			st->trunc++;
	}
}

SEC("tc")
int pt_tc(struct __sk_buff *skb)
{
	pt_run(skb, PT_KIND_TC);
	return PT_TC_ACT_UNSPEC;
}

SEC("xdp")
int pt_xdp(struct xdp_md *ctx)
{
	pt_run(ctx, PT_KIND_XDP);
	return XDP_PASS;
}

SEC("xdp")
int pt_xdp_direct(struct xdp_md *ctx)
{
	pt_run(ctx, PT_KIND_XDP_DIRECT);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
