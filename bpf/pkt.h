/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pkt.h — the packet probe family's wire contract, shared by the BPF programs
 * (bpf/pkt.bpf.c), the loader, the collector, the store and the tests.
 *
 * Everything here is fixed-width and explicitly padded: these structs are copied
 * byte for byte from the kernel ring buffer into store segments on disk. Change a
 * layout only together with PT_PKT_VERSION.
 *
 * Include after vmlinux.h (BPF side) or after <linux/types.h> (user side).
 */
#ifndef PROVTAP_PKT_H
#define PROVTAP_PKT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PT_PKT_VERSION		1

#define PT_MAX_POINTS		1024	/* capture points per host */
#define PT_MAX_RULES		32	/* filter rules per capture point */
#define PT_SNAP_MAX		256	/* largest --snaplen */
#define PT_FP_HDR_PAYLOAD	16	/* payload bytes in the header fingerprint */
#define PT_FP_NAT_PAYLOAD	64	/* payload bytes in the NAT-robust fingerprint */
#define PT_IPV6_EXT_MAX		8	/* IPv6 extension headers walked, at most */
#define PT_VXLAN_PORT		4789

/* Leading tag of every record, in ring buffers and in the store. */
enum pt_rec_type {
	PT_REC_PKT	= 1,	/* struct pt_pkt: kernel, one per packet at a capture point */
	PT_REC_POINT	= 2,	/* struct pt_point_rec: user space, capture point definition */
	PT_REC_CLOCK	= 3,	/* struct pt_clock_rec: user space, boottime->realtime pair */
	PT_REC_STATS	= 4,	/* struct pt_stats_rec: user space, per-point counters snapshot */
	PT_REC_LOSS	= 5,	/* struct pt_loss_rec: user space, ring-buffer drops since last */
	PT_REC_DROP	= 6,	/* struct pt_drop: kernel, one per skb freed as a drop (bpf/drop.bpf.c) */
};

/* Every record starts with this. len counts the whole record, header included. */
struct pt_rec_hdr {
	__u16 type;		/* enum pt_rec_type */
	__u16 len;		/* bytes, including this header and any trailing data */
};

/* struct pt_pkt.flags */
enum pt_pkt_flag {
	PT_PF_IPV4	= 1 << 0,	/* identity L3 is IPv4 (addresses in the first 4 bytes) */
	PT_PF_IPV6	= 1 << 1,	/* identity L3 is IPv6 */
	PT_PF_VXLAN	= 1 << 2,	/* VXLAN: identity = inner headers, outer_* = outer IPs */
	PT_PF_OUTER_V6	= 1 << 3,	/* VXLAN outer header is IPv6 */
	PT_PF_VLAN	= 1 << 4,	/* one 802.1Q/802.1ad tag (vlan[0]) */
	PT_PF_QINQ	= 1 << 5,	/* two tags (vlan[0] outer, vlan[1] inner) */
	PT_PF_FRAG	= 1 << 6,	/* IP fragment (frag_off or more-fragments set) */
	PT_PF_L4	= 1 << 7,	/* L4 header parsed: ports/TCP/ICMP fields valid */
	PT_PF_TRUNC	= 1 << 8,	/* frame ended inside a header; fields after it are 0 */
	PT_PF_BADLEN	= 1 << 9,	/* a length field disagreed with the frame (bogus) */
	PT_PF_MARK	= 1 << 10,	/* mark is valid (tc; XDP has no skb mark) */
	PT_PF_FP_NAT	= 1 << 11,	/* fp is the NAT-robust (payload-only) fingerprint */
	PT_PF_EXTLIMIT	= 1 << 12,	/* IPv6 extension chain longer than PT_IPV6_EXT_MAX */
};

/*
 * One packet seen at one capture point. Fixed size; cap_len bytes of the frame
 * (starting at the Ethernet header) follow when the point has a snaplen.
 * All multi-byte fields are host byte order except the addresses, which are
 * network order as on the wire. Fields the packet does not have are 0.
 */
struct pt_pkt {
	__u16 type;		/* PT_REC_PKT */
	__u16 len;		/* sizeof(struct pt_pkt) + cap_len */
	__u16 point;		/* capture point id (index into the point table) */
	__u16 flags;		/* enum pt_pkt_flag */
	__u64 ts_ns;		/* CLOCK_BOOTTIME ns when the probe ran */
	__u64 fp;		/* fingerprint, see bpf/fingerprint.h */
	__u32 wire_len;		/* frame length incl. L2 header (skb->len, XDP data_end-data) */
	__u32 mark;		/* skb->mark when PT_PF_MARK */
	__u8  saddr[16];	/* identity source address (inner for VXLAN); IPv4: bytes 0..3 */
	__u8  daddr[16];	/* identity destination address */
	__u8  outer_saddr[16];	/* VXLAN only: outer source address */
	__u8  outer_daddr[16];	/* VXLAN only: outer destination address */
	__u32 vni;		/* VXLAN network identifier when PT_PF_VXLAN */
	__u32 seq;		/* TCP sequence number */
	__u32 ack;		/* TCP acknowledgment number */
	__u16 sport;		/* TCP/UDP source port; ICMP/ICMPv6 echo: identifier */
	__u16 dport;		/* TCP/UDP destination port; ICMP echo: sequence */
	__u16 window;		/* TCP window (unscaled, as on the wire) */
	__u16 ip_id;		/* IPv4 identification; IPv6: low 16 bits of fragment id */
	__u16 l3_len;		/* IPv4 total length; IPv6 payload length + 40 */
	__u16 l4_payload_len;	/* L4 payload bytes per the IP length (not the capture) */
	__u16 frag_off;		/* fragment offset in bytes */
	__u16 vlan[2];		/* 802.1Q TCI: [0] outer, [1] inner (QinQ) */
	__u16 cap_len;		/* bytes of frame following this struct (0..PT_SNAP_MAX) */
	__u8  l4proto;		/* IPPROTO_* of the last header parsed (inner for VXLAN) */
	__u8  tcp_flags;	/* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE CWR */
	__u8  ttl;		/* IPv4 TTL / IPv6 hop limit (identity header) */
	__u8  tos;		/* IPv4 TOS / IPv6 traffic class */
	__u8  icmp_type;	/* ICMP/ICMPv6 type */
	__u8  icmp_code;	/* ICMP/ICMPv6 code */
	__u8  dir;		/* PT_DIR_IN or PT_DIR_OUT, as the point */
	__u8  hook;		/* PT_HOOK_TC or PT_HOOK_XDP */
	__u8  pad[8];		/* zero; the struct is 144 bytes, data follows */
	/* __u8 data[cap_len] follows */
};

_Static_assert(sizeof(struct pt_pkt) == 144, "struct pt_pkt is part of the store format");

/* Capture point direction and hook (struct pt_pkt, struct pt_point_info). */
enum pt_dir { PT_DIR_IN = 1, PT_DIR_OUT = 2 };
enum pt_hook { PT_HOOK_TC = 1, PT_HOOK_XDP = 2,
	       PT_HOOK_DROP = 3, /* the drop probe: loader variant table only, never a point's hook */
	       PT_HOOK_SEND = 4 /* the proc probes' TCP send hook: variant table only */ };
enum pt_fp_mode { PT_FP_HEADERS = 0, PT_FP_PAYLOAD = 1 };
enum pt_xdp_mode { PT_XDP_NONE = 0, PT_XDP_GENERIC = 1, PT_XDP_NATIVE = 2 };

/*
 * In-kernel filter. A policy is an ordered rule list: the first rule whose
 * every present constraint matches decides (include -> record, exclude -> skip);
 * no match -> default_action. Constraints apply to the identity headers (inner
 * for VXLAN). A rule with an address constraint never matches a non-IP packet,
 * and an IPv4 rule never matches IPv6. Ports apply to TCP/UDP only (a rule with
 * a port constraint never matches ICMP or fragments without L4).
 */
enum pt_action { PT_ACT_INCLUDE = 1, PT_ACT_EXCLUDE = 2 };

enum pt_rule_has {
	PT_RH_SRC	= 1 << 0,	/* src/src_mask */
	PT_RH_DST	= 1 << 1,	/* dst/dst_mask */
	PT_RH_PROTO	= 1 << 2,	/* proto */
	PT_RH_SPORT	= 1 << 3,	/* sport_lo..sport_hi */
	PT_RH_DPORT	= 1 << 4,	/* dport_lo..dport_hi */
	PT_RH_VNI	= 1 << 5,	/* vni (packet must be VXLAN) */
	PT_RH_FAMILY	= 1 << 6,	/* family (4 or 6) */
};

struct pt_rule {
	__u32 src[4];		/* network order, already masked; IPv4 in src[0] */
	__u32 src_mask[4];
	__u32 dst[4];
	__u32 dst_mask[4];
	__u32 vni;
	__u16 sport_lo, sport_hi;	/* inclusive, host order */
	__u16 dport_lo, dport_hi;
	__u8  has;		/* enum pt_rule_has */
	__u8  family;		/* 4 or 6 when PT_RH_FAMILY (implied by SRC/DST) */
	__u8  proto;		/* IPPROTO_* when PT_RH_PROTO */
	__u8  action;		/* enum pt_action */
};

struct pt_policy {
	__u32 nrules;		/* rules[0..nrules) are live */
	__u8  default_action;	/* enum pt_action; include when no filter is set */
	__u8  pad[3];
	struct pt_rule rules[PT_MAX_RULES];
};

/*
 * Per-point counters, one per CPU (BPF_MAP_TYPE_PERCPU_ARRAY, index = point).
 * User space sums CPUs. seen = matched + filtered; matched = emitted + ring_fail.
 */
struct pt_point_stats {
	__u64 seen;		/* packets that reached the probe */
	__u64 filtered;		/* excluded by the filter */
	__u64 emitted;		/* records committed to the ring buffer */
	__u64 ring_fail;	/* records lost: bpf_ringbuf_reserve failed (ring full) */
	__u64 bytes;		/* wire bytes of emitted packets */
	__u64 trunc;		/* emitted records with PT_PF_TRUNC or PT_PF_BADLEN */
};

/*
 * Capture point definition (BPF_MAP_TYPE_ARRAY "pt_points", index = point id),
 * written by the loader, read by status, collector and unload. The kernel
 * programs do not read it. This is also the payload of PT_REC_POINT.
 */
struct pt_point_info {
	__u32 in_use;		/* 1 when this slot is a live capture point */
	__u32 ifindex;		/* inside netns */
	__u64 netns_ino;	/* inode of the network namespace */
	__u64 attach_realtime_ns;	/* when the loader attached it */
	char  ifname[16];	/* at attach time */
	char  netns[48];	/* `ip netns` name; "" = the loader's namespace */
	char  alias[32];	/* optional user alias; "" = none */
	char  variant[24];	/* program variant chosen by the loader */
	__u32 tc_handle;	/* tc filter handle (PT_HOOK_TC) */
	__u32 tc_priority;	/* tc filter priority (PT_HOOK_TC) */
	__u32 prog_id;		/* kernel program id */
	__u16 snaplen;		/* bytes of frame recorded (0 = metadata only) */
	__u8  dir;		/* enum pt_dir */
	__u8  hook;		/* enum pt_hook */
	__u8  xdp_mode;		/* enum pt_xdp_mode */
	__u8  fp_mode;		/* enum pt_fp_mode */
	__u8  qdisc_created;	/* 1 if the loader created the clsact qdisc */
	__u8  filter_trunc;	/* 1 if filter[] holds only the start of the expression */
	__u8  pad[4];
	char  filter[192];	/* the filter expression in force ("" = everything) */
};

/* PT_REC_POINT: a capture point as the store knows it. */
struct pt_point_rec {
	__u16 type;		/* PT_REC_POINT */
	__u16 len;		/* sizeof(struct pt_point_rec) */
	__u16 point;		/* id */
	__u16 pad;
	struct pt_point_info info;
};

/* PT_REC_CLOCK: realtime_ns = boottime_ns + offset at the moment of sampling. */
struct pt_clock_rec {
	__u16 type;		/* PT_REC_CLOCK */
	__u16 len;
	__u32 pad;
	__u64 boottime_ns;	/* CLOCK_BOOTTIME */
	__u64 realtime_ns;	/* CLOCK_REALTIME sampled next to it */
	__u64 error_ns;		/* half the sampling window: |offset error| <= this */
};

/* PT_REC_STATS: cumulative counters of one point (sum over CPUs) at ts. */
struct pt_stats_rec {
	__u16 type;		/* PT_REC_STATS */
	__u16 len;
	__u16 point;
	__u16 pad;
	__u64 boottime_ns;
	struct pt_point_stats stats;
};

/* PT_REC_LOSS: the kernel could not deliver `lost` records of `point` since the last one. */
struct pt_loss_rec {
	__u16 type;		/* PT_REC_LOSS */
	__u16 len;
	__u16 point;
	__u16 pad;
	__u64 boottime_ns;	/* when the collector noticed */
	__u64 lost;		/* ring_fail delta */
	__u64 lost_total;	/* ring_fail cumulative */
};

/*
 * PT_REC_DROP: the kernel freed an skb as a drop (tracepoint skb:kfree_skb,
 * bpf/drop.bpf.c). The record starts with a whole struct pt_pkt so the packet
 * filter and fingerprint apply unchanged: pkt.type = PT_REC_DROP, pkt.len =
 * sizeof(struct pt_drop), pkt.point = PT_DROP_POINT (no capture point),
 * pkt.dir = pkt.hook = 0, pkt.cap_len = 0, pkt.ts_ns = bpf_ktime_get_boot_ns()
 * at the drop, pkt.wire_len = skb->len at the drop (bytes from skb->data, so
 * usually without the L2 header), pkt.mark = skb->mark (PT_PF_MARK). The
 * identity fields are parsed from skb->head + skb->network_header as if the
 * frame were Ethernet with ethertype skb->protocol, with the packet probes'
 * parser, and pkt.fp is the header fingerprint (or the payload one when the
 * drop probe was loaded with --fp payload: PT_PF_FP_NAT), so a drop has the
 * fingerprint its packet had at the capture points.
 */
#define PT_DROP_POINT		0xffff	/* struct pt_drop.pkt.point */

/* struct pt_drop.dflags */
enum pt_drop_flag {
	PT_DF_NETNS_SK	= 1 << 0,	/* netns_ino from skb->sk (skb->dev was NULL) */
	PT_DF_NO_NETNS	= 1 << 1,	/* neither skb->dev nor skb->sk: netns_ino is 0 */
	PT_DF_NO_L3	= 1 << 2,	/* no network header set: identity fields are 0 */
	PT_DF_READ_FAIL	= 1 << 3,	/* bpf_probe_read_kernel of the headers failed */
	PT_DF_PAY_SHORT	= 1 << 4,	/* part of the fingerprint's payload prefix was outside the
					 * linear area (skb frags): fp may differ from the packet's */
};

/* Program variant that wrote a drop (struct pt_drop.variant). */
enum pt_drop_variant {
	PT_DV_TP_BTF	= 1,	/* tp_btf/kfree_skb */
	PT_DV_RAW_TP	= 2,	/* raw_tp/kfree_skb */
	PT_DV_KPROBE	= 3,	/* kprobe/kfree_skb_reason */
};

struct pt_drop {
	struct pt_pkt pkt;	/* identity of the dropped packet, see above */
	__u32 reason;		/* enum skb_drop_reason of the running kernel (names via its BTF) */
	__u32 ifindex;		/* skb->dev->ifindex, 0 when the skb had no device */
	__u64 location;		/* kernel text address that freed the skb (symbol via kallsyms) */
	__u64 netns_ino;	/* inode of skb->dev's netns (else skb->sk's, PT_DF_NETNS_SK) */
	__u16 dflags;		/* enum pt_drop_flag */
	__u8  variant;		/* enum pt_drop_variant */
	__u8  pad[5];		/* zero */
};

_Static_assert(sizeof(struct pt_drop) == 176, "struct pt_drop is part of the store format");

/*
 * Drop probe counters (BPF_MAP_TYPE_PERCPU_ARRAY "pt_dstats", one entry).
 * seen = skipped + emitted + ring_fail.
 */
struct pt_drop_stats {
	__u64 seen;		/* kfree_skb events that reached the probe */
	__u64 skipped;		/* not drops: reason SKB_CONSUMED (or SKB_NOT_DROPPED_YET) */
	__u64 emitted;		/* drop records committed to pt_ring */
	__u64 ring_fail;	/* drop records lost: bpf_ringbuf_reserve failed (ring full) */
	__u64 read_fail;	/* emitted records with PT_DF_READ_FAIL */
	__u64 pad[3];
};

#endif /* PROVTAP_PKT_H */
