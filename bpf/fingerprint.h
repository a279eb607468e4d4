/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fingerprint.h — the packet fingerprint (struct pt_pkt.fp), one pure function
 * shared by the BPF programs and user space. Plain C: fixed-width types, static
 * inline, no helpers, no libc. Include after vmlinux.h (BPF) or <linux/types.h>.
 *
 * The BPF side fills a struct pt_fp_in from the parsed identity headers (inner
 * headers for VXLAN) and calls pt_fp_compute(); user space computes the same
 * value from the same inputs. Words are assembled with explicit shifts, so the
 * value does not depend on the host byte order.
 *
 * Header mode (PT_FP_HEADERS, default) hashes these 64-bit words, in order
 * (bit positions after "<<"; payload_n capped at PT_FP_HDR_PAYLOAD):
 *   w0  mode | ipver << 8 | l4proto << 16 | tcp_flags << 24 |
 *       icmp_type << 32 | icmp_code << 40 | frag_more << 48 | payload_n << 56
 *   w1  ethertype | sport << 16 | dport << 32 | l3_len << 48
 *   w2  frag_off | udp_len << 16 | ip_id << 32
 *       (ip_id: IPv4 identification, or the 32-bit IPv6 fragment id, 0 if none)
 *   w3  flow_label | seq << 32
 *   w4  ack
 *   w5..w6   saddr bytes 0..7, 8..15, little-endian (IPv4 in bytes 0..3)
 *   w7..w8   daddr likewise
 *   w9..w10  payload bytes 0..7, 8..15, little-endian, zero past payload_n
 * (ipver 4, 6, 0 = not IP; ethertype after any VLAN tags, host order)
 * where sport/dport are TCP/UDP ports or ICMP/ICMPv6 echo id/seq (0 otherwise),
 * seq/ack/tcp_flags only for TCP, udp_len only for UDP, l3_len = IPv4 total
 * length or IPv6 payload length + 40, and payload is the first bytes after the
 * last parsed header (L4 payload; IP payload of a non-first fragment; L3 bytes
 * of a non-IP frame), payload_n = min(PT_FP_HDR_PAYLOAD, l4_payload_len, bytes
 * present in the frame) (for non-IP frames: min(PT_FP_HDR_PAYLOAD, present)).
 * Not hashed: TTL/hop limit, TOS/traffic class/ECN, checksums, MACs, VLAN tags,
 * IPv4/IPv6 options or extension headers other than the fragment header, TCP
 * window and options, skb mark, and VXLAN outer headers.
 *
 * NAT-robust mode (PT_FP_PAYLOAD) hashes only:
 *   w0  mode | l4proto << 8 | payload_n << 16 | l4_payload_len << 32
 *   w1..w8   payload bytes 0..63 as 8 little-endian words, zero past payload_n
 * with payload_n = min(PT_FP_NAT_PAYLOAD, l4_payload_len, bytes present).
 *
 * Hash: state starts at 0x9e3779b97f4a7c15; each word goes through a 64-bit
 * multiply-rotate mix (pt_fp_mix), then the word count (11 or 9) is xored in
 * and a final avalanche applied (fmix64). The result is never 0
 * (0 maps to 1), so 0 can mean "no fingerprint".
 */
#ifndef PROVTAP_FINGERPRINT_H
#define PROVTAP_FINGERPRINT_H

#include "pkt.h"

/* Inputs to the fingerprint. Zero the whole struct before filling it. */
struct pt_fp_in {
	__u8  mode;		/* enum pt_fp_mode */
	__u8  ipver;		/* 4, 6, or 0 when not IP */
	__u8  l4proto;		/* IPPROTO_* of the last header parsed */
	__u8  tcp_flags;	/* TCP only */
	__u8  icmp_type;	/* ICMP/ICMPv6 only */
	__u8  icmp_code;
	__u8  frag_more;	/* 1 when more-fragments is set (IPv4 MF, IPv6 M) */
	__u8  payload_n;	/* valid bytes in payload[] */
	__u16 ethertype;	/* host order, after VLAN tags (inner for VXLAN) */
	__u16 sport;		/* as struct pt_pkt */
	__u16 dport;
	__u16 l3_len;		/* as struct pt_pkt */
	__u16 l4_payload_len;	/* as struct pt_pkt */
	__u16 frag_off;		/* bytes */
	__u16 udp_len;		/* UDP length field, UDP only */
	__u16 pad;
	__u32 ip_id;		/* IPv4 identification; IPv6 fragment id (32 bits) */
	__u32 flow_label;	/* IPv6 flow label (low 20 bits) */
	__u32 seq;		/* TCP only */
	__u32 ack;
	__u8  saddr[16];	/* network order, IPv4 in bytes 0..3 */
	__u8  daddr[16];
	__u8  payload[PT_FP_NAT_PAYLOAD];	/* first payload bytes, zero-padded */
};

static inline __u64 pt_fp_rotl(__u64 x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Little-endian load of 8 bytes, independent of host byte order. */
static inline __u64 pt_fp_le64(const __u8 *p)
{
	return (__u64)p[0] | (__u64)p[1] << 8 | (__u64)p[2] << 16 |
	       (__u64)p[3] << 24 | (__u64)p[4] << 32 | (__u64)p[5] << 40 |
	       (__u64)p[6] << 48 | (__u64)p[7] << 56;
}

/* pt_fp_le64 of payload[i..i+8) with the bytes at or past @n read as zero. */
static inline __u64 pt_fp_le64n(const __u8 *payload, __u32 i, __u32 n)
{
	__u64 w = pt_fp_le64(payload + i);

	if (i >= n)
		return 0;
	if (n - i < 8)
		w &= ((__u64)1 << ((n - i) * 8)) - 1;
	return w;
}

static inline __u64 pt_fp_mix(__u64 h, __u64 w)
{
	w *= 0x87c37b91114253d5ULL;
	w = pt_fp_rotl(w, 31);
	w *= 0x4cf5ad432745937fULL;
	h ^= w;
	h = pt_fp_rotl(h, 27);
	return h * 5 + 0x52dce729;
}

static inline __u64 pt_fp_final(__u64 h, __u64 nwords)
{
	h ^= nwords;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

/*
 * pt_fp_compute - fingerprint of @in (see the top of this file for the fields).
 * Pure: reads only @in, never fails, never returns 0. Bytes of payload[] at or
 * past payload_n are ignored (treated as zero), so callers need not clear them.
 */
static inline __u64 pt_fp_compute(const struct pt_fp_in *in)
{
	__u64 h = 0x9e3779b97f4a7c15ULL;
	__u32 n = in->payload_n, i;

	if (in->mode == PT_FP_PAYLOAD) {
		if (n > PT_FP_NAT_PAYLOAD)
			n = PT_FP_NAT_PAYLOAD;
		h = pt_fp_mix(h, (__u64)in->mode | (__u64)in->l4proto << 8 |
				 (__u64)n << 16 | (__u64)in->l4_payload_len << 32);
		for (i = 0; i < PT_FP_NAT_PAYLOAD; i += 8)
			h = pt_fp_mix(h, pt_fp_le64n(in->payload, i, n));
		return pt_fp_final(h, 1 + PT_FP_NAT_PAYLOAD / 8);
	}

	if (n > PT_FP_HDR_PAYLOAD)
		n = PT_FP_HDR_PAYLOAD;
	h = pt_fp_mix(h, (__u64)in->mode | (__u64)in->ipver << 8 |
			 (__u64)in->l4proto << 16 | (__u64)in->tcp_flags << 24 |
			 (__u64)in->icmp_type << 32 | (__u64)in->icmp_code << 40 |
			 (__u64)in->frag_more << 48 | (__u64)n << 56);
	h = pt_fp_mix(h, (__u64)in->ethertype | (__u64)in->sport << 16 |
			 (__u64)in->dport << 32 | (__u64)in->l3_len << 48);
	h = pt_fp_mix(h, (__u64)in->frag_off | (__u64)in->udp_len << 16 |
			 (__u64)in->ip_id << 32);
	h = pt_fp_mix(h, (__u64)in->flow_label | (__u64)in->seq << 32);
	h = pt_fp_mix(h, (__u64)in->ack);
	h = pt_fp_mix(h, pt_fp_le64(in->saddr));
	h = pt_fp_mix(h, pt_fp_le64(in->saddr + 8));
	h = pt_fp_mix(h, pt_fp_le64(in->daddr));
	h = pt_fp_mix(h, pt_fp_le64(in->daddr + 8));
	for (i = 0; i < PT_FP_HDR_PAYLOAD; i += 8)
		h = pt_fp_mix(h, pt_fp_le64n(in->payload, i, n));
	return pt_fp_final(h, 9 + PT_FP_HDR_PAYLOAD / 8);
}

#endif /* PROVTAP_FINGERPRINT_H */
