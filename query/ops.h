/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ops.h — query operators (flows, top, throughput, rtt) as a library over a
 * pt_scan. Each operator is fed matching packets one by one (pt_ops_next) and
 * hands back rows; nothing here prints. The CLI (cli/query_ops.c) turns rows
 * into tables.
 *
 * Bytes are IP (L3) lengths (struct pt_pkt.l3_len) everywhere; a non-IP frame,
 * which has none, counts its wire length. Times in rows are realtime ns from the
 * store's clock pairs (boottime ns when the store has no clock record yet).
 *
 * Memory: flows and top grow with the number of distinct keys; throughput with
 * points x intervals in the observed range (capped, PT_TPUT_MAX_BINS); rtt keeps
 * per flow only the segments not yet acknowledged (expired after
 * pt_rtt_opts.expire_ns) plus its samples (4 bytes per sample, twice: per
 * interval/point and per flow) for exact percentiles.
 */
#ifndef PROVTAP_OPS_H
#define PROVTAP_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bpf/pkt.h"
#include "query/scan.h"

/* A direction-specific 5-tuple. Zero-filled before use: it is a hash key. */
struct pt_tuple {
	__u8  src[16];
	__u8  dst[16];
	__u16 sport;		/* TCP/UDP only; 0 otherwise */
	__u16 dport;
	__u8  family;		/* 4 or 6; 0 = not IP */
	__u8  proto;		/* IPPROTO_* */
	__u16 point;		/* capture point id, or interface id (rtt), when part of a key */
};

/* Tuple of p (point left 0). family 0 for a non-IP frame. */
void pt_tuple_of(const struct pt_pkt *p, struct pt_tuple *t);

/* "10.0.0.1:40000 > 10.0.2.2:80" (IPv6 in brackets); ports left out when not TCP/UDP. */
const char *pt_tuple_str(const struct pt_tuple *t, char *buf, size_t len);

/* ---- the input stream ---- */

/*
 * Packets of a scan restricted to one capture point. `at` matches a point's full
 * name ("veth1@ns:in"), its name without the direction ("veth1@ns": both
 * directions) or its alias. Fill scan and at, zero the rest.
 */
struct pt_ops_in {
	struct pt_scan *scan;
	const char *at;		/* NULL = every point */
	bool at_iface;		/* match `at` on the interface: both directions of a named point */
	/* out */
	__u64 packets;		/* packets delivered */
	__u64 lost;		/* records the kernel lost (LOSS deltas) at the selected points, in window */
	bool at_known;		/* some point of the store is named `at` */
	/* private: interface (site) interning for rtt */
	int site_of[PT_MAX_POINTS];	/* 0 = not yet, else site id + 1 */
	char (*site_name)[96];
	int nsites;
};

/* Next packet: 1 and *p (valid until the next call), 0 at the end, -errno on I/O error. */
int pt_ops_next(struct pt_ops_in *in, const struct pt_pkt **p);

/*
 * After the end of the stream: 0 when packets were delivered; -ENOENT when `at`
 * names no capture point of the store (err lists the known points); -ENODATA
 * when nothing matched (err says so). err gets errlen bytes.
 */
int pt_ops_finish(const struct pt_ops_in *in, char *err, size_t errlen);

/* Realtime ns of p (boottime ns when the store has no clock record yet). */
__u64 pt_ops_time(const struct pt_ops_in *in, const struct pt_pkt *p);

/*
 * Interface ("site") of a point: its name without ":in"/":out", so the two
 * directions of one interface are one site. Returns the site id (>= 0) or
 * -ENOMEM. pt_ops_site_name: its name (owned by in).
 */
int pt_ops_site(struct pt_ops_in *in, __u16 point);
const char *pt_ops_site_name(const struct pt_ops_in *in, int site);

/* Free what in allocated (not the scan). */
void pt_ops_in_free(struct pt_ops_in *in);

/* ---- flows and top: packets/bytes per key ---- */

enum pt_agg_by {
	PT_BY_FLOW_POINT,	/* flows: tuple x point */
	PT_BY_SRC, PT_BY_DST, PT_BY_SPORT, PT_BY_DPORT, PT_BY_PROTO, PT_BY_FLOW, PT_BY_POINT,
};

/* "src", "dst", "sport", "dport", "proto", "flow", "point" -> *out; -EINVAL otherwise. */
int pt_agg_by_parse(const char *s, enum pt_agg_by *out);

struct pt_agg_row {
	struct pt_tuple k;	/* the key: fields not part of it are 0 */
	__u64 first_ns, last_ns;	/* realtime */
	__u64 packets, bytes;
};

struct pt_agg;

/* NULL on ENOMEM. */
struct pt_agg *pt_agg_new(enum pt_agg_by by);

/*
 * Count p at realtime rt. Packets without the key (non-IP for src/dst/flow,
 * non-TCP/UDP for ports) are left out, counted in pt_agg_skipped. 0 or -ENOMEM.
 */
int pt_agg_add(struct pt_agg *a, const struct pt_pkt *p, __u64 rt);

/*
 * Rows, sorted: PT_BY_FLOW_POINT by first seen, then key; the others by bytes,
 * then packets (both descending), then key. Valid until pt_agg_free.
 */
const struct pt_agg_row *pt_agg_rows(struct pt_agg *a, size_t *n);

/* Totals over all rows (for "% of total"), and packets left out. */
void pt_agg_totals(const struct pt_agg *a, __u64 *packets, __u64 *bytes, __u64 *skipped);

void pt_agg_free(struct pt_agg *a);	/* NULL-safe */

/* ---- throughput ---- */

#define PT_TPUT_MAX_BINS	(1u << 22)	/* intervals x points, at most */

struct pt_tput_row {
	__u64 start_ns;		/* realtime, a multiple of the interval */
	__u16 point;
	__u64 packets, bytes;
};

struct pt_tput;

struct pt_tput *pt_tput_new(__u64 interval_ns);

/* Count p at realtime rt. 0, -ENOMEM, or -E2BIG (range too long for the interval). */
int pt_tput_add(struct pt_tput *t, const struct pt_pkt *p, __u64 rt);

/*
 * Rows for every interval from the first to the last one with a packet (at
 * any point), for every point seen, ordered by time then point id; intervals
 * without packets are rows of 0. *n = 0 when nothing was added. Caller frees
 * the array with free(). NULL with *n = 0 on ENOMEM too (check *n).
 */
struct pt_tput_row *pt_tput_rows(const struct pt_tput *t, size_t *n);

void pt_tput_free(struct pt_tput *t);

/* ---- rtt ---- */

struct pt_rtt_opts {
	__u64 interval_ns;	/* 0 = no per-interval rows */
	__u64 expire_ns;	/* forget a segment unacknowledged this long; 0 = 60 s */
	__u32 max_outstanding;	/* per flow; the oldest are forgotten past it; 0 = 65536 */
};

struct pt_rtt_stats {
	__u64 samples;
	double min_ms, p50_ms, p90_ms, max_ms;	/* nearest-rank percentiles */
};

enum pt_rtt_kind {
	PT_RTT_INTERVAL,	/* one interval at one site */
	PT_RTT_SITE,		/* one site over the whole window */
	PT_RTT_FLOW,		/* one flow (the data direction) at one site */
};

struct pt_rtt_row {
	enum pt_rtt_kind kind;
	__u64 start_ns;		/* PT_RTT_INTERVAL: realtime start; PT_RTT_FLOW: first sample's segment */
	int site;		/* pt_ops_site() id */
	struct pt_tuple flow;	/* PT_RTT_FLOW: data sender -> receiver */
	struct pt_rtt_stats s;
};

/* What the matcher did, for notes. */
struct pt_rtt_counts {
	__u64 segments;		/* data segments (and SYNs) seen */
	__u64 samples;
	__u64 retrans;		/* segments excluded as retransmitted or retransmissions (Karn) */
	__u64 expired;		/* forgotten unacknowledged (expiry, max_outstanding) */
	__u64 unacked;		/* still unacknowledged at the end */
};

struct pt_rtt;

struct pt_rtt *pt_rtt_new(const struct pt_rtt_opts *o);

/*
 * Feed one packet seen at interface `site` (pt_ops_site) at realtime rt. Only
 * TCP matters (others return 0 at once). 0 or -ENOMEM.
 *
 * Matching: a data segment [seq, seq + payload + SYN) is matched with the first
 * packet of the other direction at the same site whose ACK field covers it
 * ((s32)(ack - end) >= 0, so sequence numbers may wrap). An ACK covering
 * several segments (delayed ACK) gives each of them a sample. A segment that
 * overlaps one still outstanding is a retransmission: both are excluded
 * (Karn); one wholly below what the other side already acknowledged is
 * ignored. A SYN takes one byte, so SYN -> SYN/ACK is the handshake sample.
 */
int pt_rtt_add(struct pt_rtt *r, const struct pt_pkt *p, int site, __u64 rt);

/*
 * Rows: per interval (by start, then site), then per site, then per flow (by
 * site, then first sample). Rows with no samples are left out. Caller frees
 * the array with free(). *n = 0 and NULL on ENOMEM or no sample.
 */
struct pt_rtt_row *pt_rtt_rows(struct pt_rtt *r, size_t *n);

/* Counters; `unacked` is complete after pt_rtt_rows. */
const struct pt_rtt_counts *pt_rtt_get_counts(const struct pt_rtt *r);

void pt_rtt_free(struct pt_rtt *r);

/* Statistics of n samples (µs, reordered in place). */
void pt_rtt_stats_of(float *us, size_t n, struct pt_rtt_stats *s);

#endif /* PROVTAP_OPS_H */
