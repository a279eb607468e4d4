/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pcapng.h — stored packet records as a pcapng file (one section, little-endian).
 *
 * Layout written:
 *   SHB  shb_userappl "provtap", optional shb_comment (what was exported)
 *   IDB  one per capture point that has packets, written just before its first
 *        EPB (pcapng allows IDBs anywhere before use), interface ids in order of
 *        first packet: linktype Ethernet, snaplen, if_name "ifname@netns:dir",
 *        if_description (hook, ifindex, alias, variant, filter), if_tsresol 9
 *   EPB  one per packet: ns timestamp (realtime), captured and original length,
 *        epb_flags direction, opt_comment when the headers were synthesised
 *   ISB  one per interface at the end when the store recorded ring-buffer losses
 *        for that point inside the window (isb_ifdrop)
 * Options are 32-bit aligned and end with opt_endofopt; every block's total
 * length is repeated at its end.
 *
 * Frames. A record with cap_len bytes is written as captured (original length =
 * wire_len). A metadata-only record (point without snaplen) gets synthesised
 * headers, see pt_pcapng_synth(); such EPBs carry the comment
 * PT_PCAPNG_SYNTH_COMMENT (followed by details after "; ").
 */
#ifndef PROVTAP_PCAPNG_H
#define PROVTAP_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "bpf/pkt.h"
#include "query/scan.h"

#define PT_PCAPNG_SYNTH_COMMENT	"provtap: headers synthesised from metadata (no snaplen)"

/*
 * Largest synthesised frame: Ethernet + 2 tags, outer IPv6 + UDP + VXLAN,
 * inner Ethernet, IPv6 + fragment header, TCP (22+40+8+8+14+48+20 = 160).
 * Also the snaplen announced for metadata-only points.
 */
#define PT_PCAPNG_SYNTH_MAX	160

/* pcapng block types and constants used (also by the tests' parser). */
#define PT_PCAPNG_SHB		0x0A0D0D0AU
#define PT_PCAPNG_IDB		0x00000001U
#define PT_PCAPNG_ISB		0x00000005U
#define PT_PCAPNG_EPB		0x00000006U
#define PT_PCAPNG_MAGIC		0x1A2B3C4DU
#define PT_PCAPNG_LINKTYPE_ETHERNET	1

/*
 * pt_pcapng_synth - build the headers of metadata-only record p into buf (cap
 * bytes, at least PT_PCAPNG_SYNTH_MAX).
 *
 * Ethernet: zero MACs; one 802.1Q tag (0x8100) for PT_PF_VLAN, two (outer 0x88a8,
 * inner 0x8100) for PT_PF_QINQ; ethertype by family. A record that is neither
 * IPv4 nor IPv6 gets Ethernet only, ethertype 0x88b5 (local experimental: the
 * real one is not recorded).
 * IPv4: IHL 5 (options are not recorded), tos, total length = l3_len, id, MF
 * only for a first fragment (PT_PF_FRAG with offset 0; unknown otherwise), DF 0,
 * fragment offset, ttl, protocol, correct header checksum, addresses.
 * IPv6: traffic class, flow label 0 (not recorded), payload length = l3_len-40,
 * hop limit, addresses; a fragment header (id = ip_id, M as for IPv4) for
 * PT_PF_FRAG; other extension headers are not recorded and not written.
 * L4 (PT_PF_L4 and not a non-first fragment): TCP with ports, seq, ack, flags,
 * window, and a data offset covering the options' length (l3_len minus the
 * headers minus l4_payload_len, when 4..40 bytes; the option bytes are not
 * recorded and not written); UDP with length 8 + payload;
 * ICMP/ICMPv6 type, code, and echo id/sequence for echo messages.
 * Only headers are written (no invented payload). L4 checksums are computed when
 * the synthesised headers are the whole IP packet (no payload, l3_len equal to
 * the headers), else 0. The IPv4 header checksum is always correct.
 * VXLAN (PT_PF_VXLAN): the outer headers are synthesised too: Ethernet, outer
 * IPv4/IPv6 from outer_saddr/daddr (TTL 64, id 0: not recorded), UDP source
 * port 0 (not recorded) to 4789, checksum 0, VXLAN header with the VNI, then the
 * inner Ethernet (zero MACs) and the identity headers as above; tags go on the
 * outer frame.
 *
 * *orig_len gets the packet's original length: max(wire_len, the synthesised
 * L2 headers + l3_len, the synthesised length), so tools see the truncation.
 * comment (may be NULL) gets PT_PCAPNG_SYNTH_COMMENT plus details.
 * Returns the number of bytes written (> 0), or 0 if cap is too small.
 */
size_t pt_pcapng_synth(const struct pt_pkt *p, __u8 *buf, size_t cap, __u32 *orig_len,
		       char *comment, size_t comment_len);

struct pt_pcapng;

/* Per-writer totals. */
struct pt_pcapng_stats {
	__u64 packets;		/* EPBs written */
	__u64 synthesised;	/* of which with synthesised headers */
	__u32 interfaces;	/* IDBs written */
	__u64 lost;		/* ring-buffer losses written in ISBs */
};

/*
 * Start a pcapng section on out (the caller keeps ownership of out and closes
 * it). shb_comment may be NULL. Returns 0 and *w, or -errno (-EIO for a write
 * error).
 */
int pt_pcapng_open(FILE *out, const char *shb_comment, struct pt_pcapng **w);

/*
 * Write one PT_REC_PKT record p seen at capture point info (NULL or !in_use:
 * unknown point, named name_hint or "point#N"). ts_ns is the timestamp to
 * write (realtime ns since the epoch). An IDB is written first when the
 * point has none yet or its definition changed (re-attached point id).
 * Returns 0 or -errno (-EIO: write error; -EINVAL: malformed record).
 */
int pt_pcapng_write_pkt(struct pt_pcapng *w, const struct pt_pkt *p, const struct pt_point_info *info,
			const char *name_hint, __u64 ts_ns);

/* Count `lost` ring-buffer losses against point (reported in ISBs at close). */
void pt_pcapng_note_loss(struct pt_pcapng *w, __u16 point, __u64 lost, __u64 ts_ns);

/*
 * Write the ISBs and flush out (out stays open). Returns 0 or -EIO. Fills *st
 * when not NULL. Frees w; NULL-safe (returns 0).
 */
int pt_pcapng_close(struct pt_pcapng *w, struct pt_pcapng_stats *st);

/*
 * Export the records scan `o` selects from the store into out as pcapng
 * (streaming). Returns 0 with *st filled (st->packets may be 0), or -errno
 * with err set (bad expression, no store, I/O error). *partial (may be NULL)
 * is set when corrupt store regions were skipped.
 */
int pt_pcapng_export(const struct pt_scan_opts *o, FILE *out, struct pt_pcapng_stats *st, bool *partial,
		     char *err, size_t errlen);

#endif /* PROVTAP_PCAPNG_H */
