/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * frames.h — canned Ethernet frames for tests: VLAN/QinQ tags, IPv4 (options,
 * fragments), IPv6 (extension header chains), TCP/UDP/ICMP/ICMPv6 and VXLAN.
 * Describe a frame in a struct frame_spec, build it with frame_build(); the
 * layout tells where each header starts and ends (for truncation tests).
 * Checksums: IPv4 header checksum is correct; L4 checksums are left 0.
 */
#ifndef PROVTAP_TEST_FRAMES_H
#define PROVTAP_TEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX	2048
#define FRAME_MAX_EXT	12	/* IPv6 extension headers in a spec */
#define FRAME_MAX_HDRS	24	/* headers in a layout */

/* IPv6 extension header kinds (values are the next-header numbers). */
enum frame_ext {
	FRAME_EXT_HOP	= 0,
	FRAME_EXT_ROUTING = 43,
	FRAME_EXT_FRAG	= 44,	/* uses spec frag_off, mf, frag_id */
	FRAME_EXT_AH	= 51,	/* 16 bytes: payload len field 2 */
	FRAME_EXT_DEST	= 60,
};

struct frame_spec {
	uint8_t  dmac[6], smac[6];
	int      nvlan;			/* 0..3 tags; tag i uses vlan_tpid[i]/vlan_tci[i] */
	uint16_t vlan_tpid[3];		/* 0 -> 0x88a8 for the outer of two+, else 0x8100 */
	uint16_t vlan_tci[3];
	int      ipver;			/* 4, 6, or 0 for a non-IP frame with ethertype */
	uint16_t ethertype;		/* non-IP only */
	uint8_t  saddr[16], daddr[16];	/* IPv4 in bytes 0..3 */
	uint8_t  ttl, tos;		/* IPv6: hop limit, traffic class */
	uint16_t ip_id;
	uint16_t frag_off;		/* bytes, multiple of 8 */
	int      mf;			/* more fragments */
	uint32_t frag_id;		/* IPv6 fragment header id */
	uint32_t flow_label;
	int      ip_opts;		/* IPv4 option bytes (multiple of 4, <= 40), NOPs */
	int      n_ext;			/* IPv6 extension headers, in order */
	uint8_t  ext[FRAME_MAX_EXT];	/* enum frame_ext */
	uint8_t  l4proto;		/* IPPROTO_*; headers are built for TCP/UDP/ICMP/ICMPV6 */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t  tcp_flags;
	uint16_t window;
	int      tcp_opts;		/* TCP option bytes (multiple of 4, <= 40) */
	uint8_t  icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	int      no_l4;			/* 1: no L4 header (payload right after IP headers) */
	const uint8_t *payload;
	size_t   payload_len;
	size_t   eth_pad_to;		/* pad the frame with zeros to this length (e.g. 60) */
};

/* Where the headers of a built frame are. */
struct frame_layout {
	size_t l3_off;			/* start of the IP header (after tags) */
	size_t l4_off;			/* start of the L4 header (after IP/ext headers) */
	size_t payload_off;		/* start of the payload */
	int    nhdr;			/* headers: start/len, outermost first */
	size_t hdr_off[FRAME_MAX_HDRS];
	size_t hdr_len[FRAME_MAX_HDRS];
};

/* Defaults: MACs, 10.0.0.1 -> 10.0.0.2 or 2001:db8::1 -> 2001:db8::2, TTL 64,
 * TCP 40000 -> 80 seq 1000 ack 2000 ACK|PSH window 512, UDP 40000 -> 53,
 * ICMP echo request id 7 seq 1. */
void frame_spec_init(struct frame_spec *s, int ipver, uint8_t l4proto);

/*
 * frame_build - write the frame of @s into @out (room for @cap bytes).
 * Returns its length, or 0 if it does not fit. Fills @lay when not NULL.
 */
size_t frame_build(const struct frame_spec *s, uint8_t *out, size_t cap,
		   struct frame_layout *lay);

/*
 * frame_vxlan - build the frame of @inner and wrap it as VXLAN @vni in the UDP
 * packet described by @outer (its l4proto, dport 4789 and payload are forced).
 * Returns the frame length in @out, or 0 if it does not fit. @lay as above:
 * headers are outer ones, the VXLAN header, then the inner ones; l3_off,
 * l4_off and payload_off are the inner ones.
 */
size_t frame_vxlan(const struct frame_spec *outer, uint32_t vni, const struct frame_spec *inner,
		   uint8_t *out, size_t cap, struct frame_layout *lay);

#endif /* PROVTAP_TEST_FRAMES_H */
