/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hops.h — per-hop packets, loss, retransmissions and delay of the packets of a
 * scan (the engine behind `provtap query hops|loss|delay`). A library: it
 * prints nothing; the CLI (cli/query_hops.c) turns the results into tables.
 *
 * Model. A packet is a fingerprint (struct pt_pkt.fp, equal at every hop). Its
 * *path* is the list of capture points in the order they first saw it. A
 * fingerprint seen again at a point already on its path is a *repeat* (a
 * retransmission or duplicate); it neither extends the path nor counts as a
 * new packet, so it creates no false loss. The delay of a segment A->B is, per
 * packet that reaches B right after A on its path, ts(B) - ts(latest copy at A
 * before B) (CLOCK_BOOTTIME, clamped at 0).
 *
 * Usual path (per group: the whole scan, or one 5-tuple flow with per_flow):
 * the observed path P consistent with the most packets, i.e. maximising the
 * number of packets whose path is P or a prefix of P (a prefix = a packet lost
 * along P). Ties go to the longer path. Packets whose path is not a prefix of
 * the usual path are "other path" (e.g. the reverse direction, a point skipped)
 * and are counted apart; the most common of them are listed.
 *
 * Per segment i (P[i] -> P[i+1]) of the usual path: at_from = packets whose path
 * reaches P[i], at_to = those reaching P[i+1], in_flight = those whose last
 * point is P[i] and whose latest copy there is within max-delay of the end of
 * the scan (the newest packet's ts; max-delay = opts.max_delay_ns or else the
 * largest delay observed on that segment), lost = at_from - at_to - in_flight,
 * retrans = repeats at P[i] of packets on the usual path.
 *
 * Pair mode (opts.from/to set, `loss`/`delay`): only those two points are
 * looked at and the usual path is forced to [from, to]. A packet seen at TO
 * without FROM before it is "other path" (to_only).
 *
 * Kernel drops (PT_REC_DROP records, fed when opts.drops). A drop is matched
 * to the tracked fingerprint it carries, at the time it is fed (store order:
 * the drop probe and the packet probes share one ring, so a packet's records
 * at the points it crossed come before its drop). The packet was then last
 * seen at the last point of its path so far, so the drop is attributed to the
 * segment that starts there: seen at FROM, not (yet) at TO. Per group and per
 * the packet's path at the drop: a drop whose path is a strict prefix of the
 * usual path counts on the segment from its last point (drops, reasons); one
 * whose path is the whole usual path happened after its last point
 * (drops_after, e.g. at the receiving socket); one on another path
 * (drops_other); a fingerprint not tracked at that moment (never seen at a
 * capture point, or forgotten past the horizon) is not attributed
 * (drops_unseen). A packet whose latest event is a drop is not in flight.
 *
 * Memory is bounded: one fixed-size entry per fingerprint seen within the
 * horizon (an open-addressing table over a ring of entries in arrival order;
 * entries older than the horizon relative to the newest packet are folded into
 * per-path counters and freed), plus the delay samples.
 *
 * Delay samples: exact. Each segment keeps its delays as u32 microseconds
 * (rounded to nearest) and sorts them once at the end; percentiles use the
 * nearest-rank definition: p = the smallest sample with at least p% of the
 * samples <= it (rank ceil(p/100 * n)), so delays 1..100 ms give p50 = 50 ms,
 * p90 = 90, p99 = 99, p100 = max = 100. min, max and mean are exact in ns.
 * Past PT_HOPS_SAMPLES_MAX samples a segment keeps a uniform reservoir sample
 * of that size (percentiles are then estimates; sampled is set).
 */
#ifndef PROVTAP_HOPS_H
#define PROVTAP_HOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bpf/pkt.h"

struct pt_scan;

#define PT_HOPS_MAX_PATH	12		/* points on one packet's path; longer = other path */
#define PT_HOPS_SAMPLES_MAX	(1u << 24)	/* exact delay samples per segment */
#define PT_HOPS_HORIZON_NS	(10ull * 1000000000ull)
#define PT_HOPS_MAX_LIVE	(1u << 22)	/* fingerprints tracked at once; older folded early */
#define PT_HOPS_OTHER_TOP	3		/* other paths listed per group */

struct pt_hops_opts {
	__u64 horizon_ns;	/* 0 = PT_HOPS_HORIZON_NS */
	__u64 max_delay_ns;	/* in-flight cut-off; 0 = largest delay observed on the segment */
	__u32 max_live;		/* 0 = PT_HOPS_MAX_LIVE */
	bool per_flow;		/* one group per 5-tuple (pt_flow_hash, symmetric) */
	bool drops;		/* drop records are fed (the scan has opts.drops): drops_known */
	const char *from;	/* pair mode: point names ("ifname@netns:dir" or alias), both or neither */
	const char *to;
};

/* Delays of one segment. Owned by the engine; valid until pt_hops_free(). */
struct pt_hops_delay {
	__u64 count;		/* packets that crossed the segment */
	__u64 min_ns, max_ns, sum_ns;	/* exact; 0 when count == 0 */
	const __u32 *us;	/* sorted samples, microseconds */
	__u32 n;		/* samples kept (== count unless sampled) */
	bool sampled;		/* reservoir in use: percentiles are estimates */
};

struct pt_hops_seg {
	__u16 from, to;		/* point ids */
	__u64 at_from, at_to;	/* packets on the usual path reaching from / to */
	__u64 lost, in_flight, retrans;
	__u64 max_delay_ns;	/* the in-flight cut-off used */
	__u64 drops;		/* kernel drops attributed here (packet last seen at FROM) */
	bool drops_known;	/* opts.drops set or drop records fed (else drops is 0: unknown) */
	const struct pt_hops_reason *reasons;	/* nreasons, by count descending (then reason) */
	size_t nreasons;
	struct pt_hops_delay d;
};

/* Drops of one reason (enum skb_drop_reason of the recording kernel: query/dropnames.h names it). */
struct pt_hops_reason {
	__u32 reason;
	__u64 count;
};

struct pt_hops_path {
	__u8 n;
	__u16 points[PT_HOPS_MAX_PATH];
	__u64 count;
};

struct pt_hops_group {
	__u64 flow;		/* pt_flow_hash, 0 without per_flow */
	struct pt_pkt first;	/* the group's first packet (per_flow: its 5-tuple to print) */
	__u64 packets;		/* distinct fingerprints (tracking entries) in the group */
	__u64 on_path, other_path, too_long;	/* too_long: paths over PT_HOPS_MAX_PATH (in other_path) */
	struct pt_hops_path path;	/* the usual path (count: packets that followed it whole) */
	struct pt_hops_seg *seg;	/* path.n - 1 segments (owned by the engine) */
	size_t nseg;
	struct pt_hops_path other[PT_HOPS_OTHER_TOP];	/* most common other paths (count 0 = none) */
	__u64 drops_after;	/* drops of packets that had crossed the whole usual path */
	__u64 drops_other;	/* drops of packets on other paths */
};

struct pt_hops_result {
	struct pt_hops_group *groups;	/* sorted by packets, descending */
	size_t ngroups;
	__u64 records;		/* PKT records consumed */
	__u64 drops;		/* DROP records consumed */
	__u64 drops_unseen;	/* ... whose fingerprint was not tracked when fed: not attributed */
	__u64 end_ns;		/* boottime of the newest packet */
	__u64 folded_early;	/* entries folded before the horizon (max_live reached) */
	__u64 max_live;		/* most entries tracked at once */
	__u64 ring_lost[PT_MAX_POINTS];	/* PT_REC_LOSS in the window: records the probe could not deliver */
	bool any_ring_lost;
	int from_id, to_id;	/* pair mode: a point id of each name, else -1 */
};

struct pt_hops;

/* New engine. NULL with *err set (errno-style, negative) on bad options or ENOMEM. */
struct pt_hops *pt_hops_new(const struct pt_hops_opts *o, int *err);

/*
 * Feed one packet record. point_class (pair mode only) is 1 if the packet's
 * point is FROM, 2 if TO, 0 otherwise; ignored in path mode. Returns 0 or -ENOMEM.
 */
int pt_hops_feed(struct pt_hops *h, const struct pt_pkt *p, int point_class);

/*
 * Feed a PT_REC_DROP record (a kernel drop of a packet; d->pkt.fp as at the
 * capture points). Returns 0 or -ENOMEM.
 */
int pt_hops_feed_drop(struct pt_hops *h, const struct pt_drop *d);

/* Feed a PT_REC_LOSS record (counted per point for notes). */
void pt_hops_feed_loss(struct pt_hops *h, const struct pt_loss_rec *l);

/*
 * Drain a scan: feeds its packets (classifying points by name in pair mode),
 * drop records (when the scan returns them) and loss records, then finishes. Returns 0; -ENOENT when a pair-mode point
 * name is unknown (msg lists the known points); -ENOMEM; or the scan's -errno.
 * msg (msglen bytes) explains every failure.
 */
int pt_hops_run(struct pt_hops *h, struct pt_scan *s, char *msg, size_t msglen);

/* Fold what is still tracked and compute the result (once; later calls return it again). */
const struct pt_hops_result *pt_hops_finish(struct pt_hops *h);

/* Nearest-rank percentile p (0 < p <= 100) of d in ns (µs resolution); 0 if empty. */
__u64 pt_hops_pct(const struct pt_hops_delay *d, double p);

/* NULL-safe. Frees the result too. */
void pt_hops_free(struct pt_hops *h);

#endif /* PROVTAP_HOPS_H */
