/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * correlate.h — `query correlate`: map the packets (or TCP connections) a
 * middlebox receives at one capture point (--in) to those it sends at another
 * (--out), and report what is left unmatched on each side (the residue).
 *
 * Methods:
 *  - PT_CORR_FP: the same fingerprint (struct pt_pkt.fp) on both sides; for
 *    middleboxes that keep headers (routers, bridges, transparent filters).
 *  - PT_CORR_PAYLOAD: a hash of the L4 payload; through NAT and L4 proxies that
 *    keep payloads. The hash is the record's fp when the point was loaded with
 *    `--fp payload` (PT_PF_FP_NAT), else computed here from the captured bytes
 *    (`--snaplen`) with the same function (bpf/fingerprint.h, PT_FP_PAYLOAD
 *    mode), so the two kinds of records match each other. Packets without
 *    payload take no part (they would all collide).
 *  - PT_CORR_CONN: connection creation order, for L4 load balancers that split
 *    TCP connections: new connections at --in (the client's ACK completing the
 *    handshake: the first ACK without SYN of a connection whose SYN was seen)
 *    are matched in time order, one to one, to new connections at --out (the
 *    proxy's SYN to a backend; retransmitted SYNs, same ISN, are not new), each
 *    out SYN no earlier than its in ACK.
 *
 * Packet matching (FP, PAYLOAD): per key, in time order, each out packet takes
 * the earliest unmatched in packet with that key seen no later than it and at
 * most max_delay before it (FIFO, so retransmissions pair up in order). In
 * packets passed over are residue ("in, never seen out"), out packets with no
 * candidate are residue ("out, never seen in"). CONN is the same over the
 * connection events with one key.
 *
 * Memory: every keyed packet (FP, PAYLOAD: 24 bytes) or connection event
 * (CONN) of the two points in the window is kept until pt_corr_run; flows are
 * interned once.
 */
#ifndef PROVTAP_CORRELATE_H
#define PROVTAP_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bpf/pkt.h"
#include "query/ops.h"
#include "query/scan.h"

enum pt_corr_by { PT_CORR_FP, PT_CORR_PAYLOAD, PT_CORR_CONN };

/* "fingerprint" (or "fp"), "payload", "conn-order" -> *out; -EINVAL otherwise. */
int pt_corr_by_parse(const char *s, enum pt_corr_by *out);
const char *pt_corr_by_name(enum pt_corr_by by);

#define PT_CORR_MAX_DELAY_DEFAULT	1000000000ULL	/* 1 s */

struct pt_corr_opts {
	enum pt_corr_by by;
	__u64 max_delay_ns;	/* out at most this long after in; 0 = PT_CORR_MAX_DELAY_DEFAULT */
};

enum pt_corr_side { PT_CORR_IN = 0, PT_CORR_OUT = 1 };

/* A matched pair of flows (FP, PAYLOAD) or connections (CONN). */
struct pt_corr_pair {
	struct pt_tuple in, out;	/* as seen at each point (point field 0) */
	__u64 first_ns;		/* realtime of the first matched in packet (CONN: the in ACK) */
	__u64 out_ns;		/* realtime of the first matched out packet (CONN: the out SYN) */
	__u64 packets;		/* matched packets (CONN: 1) */
	double delay_p50_ms;	/* out - in, nearest-rank p50 (CONN: the one delay) */
	double delay_max_ms;
};

/* Unmatched packets (FP, PAYLOAD) or connections (CONN) of one flow at one side. */
struct pt_corr_resid {
	enum pt_corr_side side;
	struct pt_tuple flow;
	__u64 first_ns;		/* realtime of the first unmatched one */
	__u64 count;
};

struct pt_corr_counts {
	__u64 packets[2];	/* packets delivered per side */
	__u64 keyed[2];		/* taking part in the matching (FP/PAYLOAD: packets; CONN: new connections) */
	__u64 matched;		/* pairs of packets (FP, PAYLOAD) or connections (CONN) */
	__u64 unmatched[2];	/* residue per side */
	__u64 lost[2];		/* records the kernel lost at the side's points (LOSS records in window) */
	__u64 fp_nat[2];	/* packets whose fp is the payload fingerprint (PT_PF_FP_NAT) */
	/* PAYLOAD */
	__u64 no_payload[2];	/* packets without L4 payload: left out */
	__u64 no_hash[2];	/* packets with payload but neither PT_PF_FP_NAT nor captured payload bytes */
	__u64 hashed_bytes[2];	/* of which hashes computed from captured bytes */
	__u64 short_capture[2];	/* hashed from fewer captured bytes than the fingerprint takes */
	/* CONN */
	__u64 already_open[2];	/* in: connections whose ACK came without a SYN seen first (left out) */
};

struct pt_corr;

/* NULL on ENOMEM. */
struct pt_corr *pt_corr_new(const struct pt_corr_opts *o);

/* Feed packet p seen at side at realtime rt. 0 or -ENOMEM. */
int pt_corr_add(struct pt_corr *c, enum pt_corr_side side, const struct pt_pkt *p, __u64 rt);

/*
 * Read the whole scan, feeding the packets at point in_name to the in side and
 * those at out_name to the out side (a point name "ifname@netns:dir", the name
 * without ":dir" for both directions, or an alias). 0; -ENOENT when a name is
 * no capture point of the store (err lists the known ones); -ENODATA when a side
 * got no packet (err names it); -ENOMEM; other -errno on I/O errors.
 */
int pt_corr_scan(struct pt_corr *c, struct pt_scan *s, const char *in_name, const char *out_name, char *err,
		 size_t errlen);

/*
 * Match. 0, or -EINVAL (err says why and what to do): PAYLOAD with a side
 * whose packets with payload carry no payload hash (points loaded without
 * `--fp payload` or `--snaplen`); FP with the two sides in different
 * fingerprint modes. -ENOMEM.
 */
int pt_corr_run(struct pt_corr *c, char *err, size_t errlen);

/* After pt_corr_run: pairs by first_ns (then flows); residue by side, then first_ns. Valid until free. */
const struct pt_corr_pair *pt_corr_pairs(const struct pt_corr *c, size_t *n);
const struct pt_corr_resid *pt_corr_residue(const struct pt_corr *c, size_t *n);
const struct pt_corr_counts *pt_corr_get_counts(const struct pt_corr *c);

/*
 * The payload hash of p as PAYLOAD uses it: its fp when PT_PF_FP_NAT, else
 * computed from the captured bytes. 0 when it has none (no payload, VXLAN,
 * fragment, truncated, or no captured byte of the payload). *from_bytes set
 * when computed, *short_cap when fewer bytes were captured than the hash takes.
 */
__u64 pt_corr_payload_hash(const struct pt_pkt *p, bool *from_bytes, bool *short_cap);

void pt_corr_free(struct pt_corr *c);	/* NULL-safe */

#endif /* PROVTAP_CORRELATE_H */
