/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * scan.h — records out of a store for queries: in store order, filtered by an
 * expression (the filter language plus `point NAME`), a realtime window and
 * optionally one capture point, with the point names and clock learnt on the
 * way. Streaming: memory does not grow with the store.
 */
#ifndef PROVTAP_SCAN_H
#define PROVTAP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "collector/store.h"
#include "query/format.h"

struct pt_scan_opts {
	const char *store_dir;
	const char *expr;	/* NULL or "" = every packet */
	__u64 since_ns;		/* realtime ns, inclusive; 0 = from the start */
	__u64 until_ns;		/* realtime ns, inclusive; 0 = to the end */
	bool drops;		/* also return PT_REC_DROP records (query drops); default: not */
	/*
	 * Also return every process-family record (PT_REC_PROC, SYS, DATA, CHUNK),
	 * neither filtered by the expression nor by the window: a process model
	 * (query/procmodel.h) needs all of them to rebuild FD tables, and the
	 * caller applies the window to its answers.
	 */
	bool procs;
	/*
	 * 0 = whole records (default). Else the enum pt_pkt_field (collector/store.h)
	 * fields the caller reads of the PT_REC_PKT records it gets: with an empty
	 * expression the store then decodes only those (others, frame data included,
	 * read 0). Ignored when expr is not empty.
	 */
	__u64 pkt_fields;
};

struct pt_scan;

/*
 * Open. Returns 0 and *out; -EINVAL for a bad expression (err holds the message
 * with its 1-based position), -ENOENT for no such store, or -errno. err gets
 * errlen bytes of explanation on every failure.
 */
int pt_scan_open(const struct pt_scan_opts *o, struct pt_scan **out, char *err, size_t errlen);

/*
 * Next record: PT_REC_PKT records (and PT_REC_DROP records when opts.drops)
 * that match the expression (drops by their embedded struct pt_pkt, whose
 * point is PT_DROP_POINT: a `point NAME` term never matches them) and window, and PT_REC_LOSS records
 * inside the window, and with opts.procs every process-family record (other
 * types only update the view).
 * Returns 1 and *rec (valid until the next call), 0 at the end, -errno on an
 * I/O error.
 */
int pt_scan_next(struct pt_scan *s, const struct pt_rec_hdr **rec);

/* Point names and clock as learnt so far. */
const struct pt_view *pt_scan_view(const struct pt_scan *s);

/* Realtime ns of a boottime ns, with the latest clock pair (0 if none seen yet). */
__u64 pt_scan_realtime(const struct pt_scan *s, __u64 boot_ns);

/*
 * Header of the segment the last record returned came from (host name, boot
 * id), NULL before the first. Valid until the next pt_scan_next().
 */
const struct pt_store_seg_info *pt_scan_segment(const struct pt_scan *s);

/* True when corrupt regions were skipped: answers are partial. Count in *n if not NULL. */
bool pt_scan_partial(const struct pt_scan *s, __u64 *n);

/*
 * "the store knows: a, b (=alias), ..." (or "the store knows no capture
 * points") into buf, from the points seen so far. Returns buf.
 */
char *pt_scan_known_points(const struct pt_scan *s, char *buf, size_t len);

/*
 * After an empty answer: -ENOENT with "unknown capture point 'X'; the store
 * knows: ..." in err when the filter names a point that none of the store's
 * points is (a typo rather than no traffic), else 0.
 */
int pt_scan_unknown_point(const struct pt_scan *s, char *err, size_t errlen);

/* NULL-safe. */
void pt_scan_close(struct pt_scan *s);

/*
 * Point id of NAME ("ifname@netns:dir", "ifname:dir" or an alias) in v, the
 * latest point of that name; -ENOENT if v has none.
 */
int pt_view_lookup(const struct pt_view *v, const char *name);

/*
 * Time for --since/--until: RFC 3339 ("2026-11-23T20:00:00Z", fractional
 * seconds and +hh:mm offsets allowed), "now", or relative to now_ns: "-5m",
 * "-90s", "-2h". Returns 0 and *out (realtime ns), or -EINVAL.
 */
int pt_parse_time(const char *s, __u64 now_ns, __u64 *out);

#endif /* PROVTAP_SCAN_H */
