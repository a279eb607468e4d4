/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * format.h — records as people (one line each) and programs (JSON lines) see
 * them. Both forms name capture points and convert kernel boottime to wall
 * time with the store's/collector's latest clock record.
 *
 * JSON keys of a packet line: type "pkt", ts (RFC 3339, ns), ts_ns (boottime),
 * point, point_id, dir, hook, len (wire), proto, family, src, dst, sport, dport,
 * flags (TCP, tcpdump letters), seq, ack, win, ip_id, ttl, tos, l3_len,
 * payload_len, frag_off, icmp_type, icmp_code, vlan, vni, outer_src, outer_dst,
 * mark, fp (16 hex digits), fp_mode, trunc, badlen, cap_len, data (hex, when captured).
 * A loss line: type "loss", ts, point, point_id, lost, lost_total.
 * A drop line (struct pt_drop): type "drop", ts, ts_ns, reason (name from this
 * kernel's BTF), reason_code, location (symbol+offset from kallsyms),
 * location_addr, netns_ino, netns (name, when a capture point knows it),
 * ifindex, dev (name, when a capture point of that netns/ifindex knows it),
 * len (skb->len), the identity keys of a packet line (family ... frag_off,
 * flags/seq/ack/win, icmp_type/code, vni...) and fp, fp_mode, trunc, badlen.
 */
#ifndef PROVTAP_FORMAT_H
#define PROVTAP_FORMAT_H

#include <stdbool.h>
#include <stdio.h>
#include "bpf/pkt.h"
#include "query/filter.h"

/* What a reader knows about capture points and the clock, learnt from records. */
struct pt_view {
	struct pt_point_info info[PT_MAX_POINTS];
	char name[PT_MAX_POINTS][96];	/* "" = unknown point */
	__s64 clock_offset;		/* realtime - boottime, ns */
	bool clock_valid;
};

/* Empty view. */
void pt_view_init(struct pt_view *v);

/* Learn from a POINT or CLOCK record; other types are ignored. */
void pt_view_learn(struct pt_view *v, const struct pt_rec_hdr *h);

/* Names of point id for filter matching ("point NAME"). */
struct pt_point_names pt_view_names(const struct pt_view *v, __u16 point);

/* "veth1@ns:in", or "point#N" for an unknown id. Static storage per call site not kept. */
const char *pt_view_point(const struct pt_view *v, __u16 point, char *buf, size_t len);

/*
 * The point info of a capture point (any direction, latest) on the device
 * ifindex in netns netns_ino, for naming the device of a drop; NULL if none.
 */
const struct pt_point_info *pt_view_dev(const struct pt_view *v, __u64 netns_ino, __u32 ifindex);

/* Print one PKT, LOSS or DROP record (other types: nothing). json selects JSON lines. */
void pt_format_rec(FILE *out, const struct pt_rec_hdr *h, const struct pt_view *v, bool json);

/* "tcp", "udp", "icmp", "icmp6", else the number written into buf (>= 4 bytes). */
const char *pt_fmt_proto(__u8 proto, char *buf, size_t len);

/* tcpdump's flag letters (S F P R U E W .) into buf (>= 9 bytes); no flags: "-" if dash, else "". */
char *pt_fmt_tcp_flags(__u8 flags, char *buf, bool dash);

/* Boottime ns as RFC 3339 wall time with v's clock, or "boot+S.NNNNNNNNN" without one. */
void pt_view_fmt_time(const struct pt_view *v, __u64 boot_ns, char *buf, size_t len);

/* Address text for the record's family ("10.0.0.1", "fe80::1"). */
const char *pt_fmt_addr(const __u8 *a, bool v6, char *buf, size_t len);

#endif /* PROVTAP_FORMAT_H */
