/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * store.h — provtap's append-only, crash-safe record store.
 *
 * A store is a directory:
 *   LOCK                 flock()ed by the one writer (a second writer gets -EBUSY)
 *   seg-NNNNNNNNNNNN.pta the active segment: a header, then CRC-framed batches of
 *                        records appended with write(); at most one exists
 *   seg-NNNNNNNNNNNN.pts sealed segments: header, raw-DEFLATE blocks with CRC, index footer
 * NNNNNNNNNNNN is a decimal sequence number that only grows. Records are opaque
 * byte strings that start with struct pt_rec_hdr (bpf/pkt.h); the store reads only
 * type, len, and for PT_REC_PKT the fields its indexes need (ts_ns, point, fp,
 * addresses/ports/proto for the flow hash).
 *
 * Durability contract: once pt_store_append() returns 0, the batch survives the
 * death of the writing process (kill -9) at any later moment; after
 * pt_store_sync() it survives power loss too. A batch is atomic: after a crash a
 * reader sees all of it or none of it. A torn tail (a crash inside write()) is
 * detected by length/CRC when the store is next opened for writing, cut off with
 * ftruncate(), and reported once (pt_store_stats.torn_bytes_cut).
 *
 * Cursors: each batch may carry one (ring key, position) pair, the ring-buffer
 * consumer position after the batch's records. The collector writes records
 * first and advances the kernel consumer position after, so a crash in between
 * leaves records both in the store and in the ring; on restart it asks
 * pt_store_cursor() and skips up to that position: no loss, no duplicates.
 */
#ifndef PROVTAP_STORE_H
#define PROVTAP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "bpf/pkt.h"

#define PT_STORE_VERSION	1
#define PT_STORE_MAX_CURSORS	16

struct pt_store;
struct pt_reader;

/* Fixed at segment creation; readable from every segment (pt_reader_seg_header). */
struct pt_store_seg_info {
	__u32 version;		/* PT_STORE_VERSION */
	__u64 seq;		/* segment sequence number */
	__u64 created_realtime_ns;
	char  hostname[64];
	char  boot_id[40];	/* /proc/sys/kernel/random/boot_id */
};

/* pt_store_opts.zlevel: sealed blocks stored without compression (still DEFLATE streams,
 * readable as any other): for a temporary store, so that sealing costs no CPU a workload
 * running beside the collector would miss (provtap record) */
#define PT_STORE_UNCOMPRESSED	(-1)

struct pt_store_opts {
	__u64 seg_max_bytes;	/* seal the active segment past this many raw bytes; 0 = 16 MiB */
	__u64 seg_max_age_ns;	/* ... or when it is older than this (boottime); 0 = 10 min */
	__u64 retain_bytes;	/* delete oldest sealed segments past this total; 0 = keep all */
	__u64 retain_age_ns;	/* delete sealed segments whose newest record is older; 0 = keep */
	int zlevel;		/* DEFLATE level of sealed blocks: 1..12, 0 = 6, PT_STORE_UNCOMPRESSED */
	const char *hostname;	/* NULL = gethostname() */
	const char *boot_id;	/* NULL = read /proc/sys/kernel/random/boot_id */
	/*
	 * Called right after a new active segment is created, before any batch goes
	 * into it, so the writer can put self-describing records (capture points,
	 * clock) at the head of every segment. May call pt_store_append(). NULL = none.
	 */
	int (*on_new_segment)(struct pt_store *s, void *ctx);
	void *ctx;
};

struct pt_store_stats {
	__u64 records;		/* appended since open */
	__u64 batches;
	__u64 raw_bytes;	/* record bytes appended since open */
	__u64 sealed_segments;	/* sealed since open */
	__u64 sealed_raw_bytes;	/* raw bytes of records in those segments */
	__u64 sealed_file_bytes;	/* their size on disk */
	__u64 deleted_segments;	/* removed by retention */
	__u64 torn_bytes_cut;	/* cut from a torn tail at open */
};

/*
 * Open (creating if needed) the store in dir for writing. Recovers: cuts a torn
 * tail of the active segment, finishes an interrupted seal, removes temporaries.
 * Returns 0 and *out, or a negative errno: -EBUSY another writer holds the lock,
 * -EACCES/-EROFS/-ENOENT etc. from the file system. Messages go to the log.
 */
int pt_store_open(const char *dir, const struct pt_store_opts *opts, struct pt_store **out);

/*
 * Append one batch of n_recs records (len bytes, records back to back, each
 * starting with struct pt_rec_hdr whose len is honest). cursor may be NULL;
 * else (ring_key, pos) is stored with the batch. Returns 0 when the batch is
 * durable in the contract's sense, negative errno otherwise (the batch is then
 * not in the store). Seals and applies retention when the active segment is
 * full (errors there are logged, not returned: the batch is already safe).
 */
int pt_store_append(struct pt_store *s, const void *recs, size_t len, __u32 n_recs,
		    const __u64 cursor[2]);

/* fsync the active segment. Returns 0 or negative errno. */
int pt_store_sync(struct pt_store *s);

/*
 * true when the store's directory was removed (rm -rf) while it is open:
 * appends would still succeed, into files no one can reach.
 */
bool pt_store_removed(const struct pt_store *s);

/* Seal the active segment now (if it has records). Returns 0 or negative errno. */
int pt_store_seal(struct pt_store *s);

/* Apply retention now. Returns the number of segments deleted, or negative errno. */
int pt_store_retain(struct pt_store *s);

/*
 * The last stored cursor position for ring_key, found at open or appended
 * since; 0 with *found = false when the store has none.
 */
__u64 pt_store_cursor(const struct pt_store *s, __u64 ring_key, bool *found);

const struct pt_store_stats *pt_store_get_stats(const struct pt_store *s);

/* Seal nothing, sync, unlock, free. NULL-safe. The active segment stays active. */
void pt_store_close(struct pt_store *s);

/* ---- reading ---- */

/* Narrowing hints; a reader may return records outside them (the caller filters). */
struct pt_read_hints {
	__u64 t_min, t_max;	/* boottime ns, inclusive; 0/0 = no time bound */
	int point;		/* -1 = any */
	__u64 fp;		/* 0 = any */
	__u64 flow;		/* 0 = any, else pt_flow_hash() of the wanted 5-tuple */
};

/* Corrupt data a reader skipped. */
typedef void (*pt_corrupt_fn)(const char *file, __u64 offset, const char *why, void *ctx);

/*
 * Open dir for reading (no lock; may run beside a writer). Sees the segments
 * present now, and records of the active segment up to its current end.
 * cb (may be NULL = log a warning) is told of every corrupt or truncated region
 * skipped, with file and offset; reading continues after it.
 * Returns 0 and *out, or negative errno (-ENOENT: no such store; not logged:
 * the caller says what it could not read). A
 * directory with no segment and no LOCK file is opened (an empty store) with
 * a warning that it holds no store.
 */
int pt_reader_open(const char *dir, const struct pt_read_hints *hints,
		   pt_corrupt_fn cb, void *ctx, struct pt_reader **out);

/*
 * Does directory dir hold a store (a LOCK file or a segment)? 1 yes, 0 no,
 * negative errno when it cannot be listed (-ENOTDIR: not a directory).
 */
int pt_store_present(const char *dir);

/*
 * Next record in store order (segment by segment, batch order within).
 * Returns 1 and *rec (valid until the next call), 0 at the end, negative errno
 * on an I/O error. Corrupt regions are reported and skipped, not returned.
 * *seg (may be NULL) gets the segment the record came from.
 */
int pt_reader_next(struct pt_reader *r, const struct pt_rec_hdr **rec,
		   const struct pt_store_seg_info **seg);

/*
 * Fields of struct pt_pkt for pt_reader_set_projection(). type and len are
 * always decoded.
 */
enum pt_pkt_field {
	PT_FLD_POINT	= 1ull << 0,
	PT_FLD_FLAGS	= 1ull << 1,
	PT_FLD_TS	= 1ull << 2,	/* ts_ns */
	PT_FLD_FP	= 1ull << 3,
	PT_FLD_WIRE_LEN	= 1ull << 4,
	PT_FLD_MARK	= 1ull << 5,
	PT_FLD_ADDRS	= 1ull << 6,	/* saddr, daddr */
	PT_FLD_OUTER	= 1ull << 7,	/* outer_saddr, outer_daddr, vni */
	PT_FLD_TCP	= 1ull << 8,	/* seq, ack, window, tcp_flags */
	PT_FLD_PORTS	= 1ull << 9,	/* sport, dport */
	PT_FLD_IP	= 1ull << 10,	/* ip_id, l3_len, l4_payload_len, frag_off, ttl, tos */
	PT_FLD_VLAN	= 1ull << 11,
	PT_FLD_L4	= 1ull << 12,	/* l4proto, icmp_type, icmp_code */
	PT_FLD_POINT_META = 1ull << 13,	/* dir, hook */
};

/*
 * Opt-in projected decoding: from now on, PT_REC_PKT records of sealed blocks
 * have only type, len and the fields in mask (enum pt_pkt_field) decoded; all
 * other fixed fields (cap_len included) read 0 and captured frame bytes read 0.
 * Other record types and active-segment records are returned whole. mask 0 =
 * full decoding (the default). For callers that read nothing else.
 */
void pt_reader_set_projection(struct pt_reader *r, __u64 mask);

/* What a reader did so far (tests and diagnostics). */
struct pt_reader_stats {
	__u64 segments_read;		/* segments opened and read */
	__u64 segments_skipped;		/* sealed segments ruled out by their footer index */
	__u64 blocks_read;		/* sealed blocks decoded */
	__u64 blocks_skipped;		/* sealed blocks ruled out by their time range */
	__u64 frames_read;		/* active-segment frames read */
	__u64 corrupt;			/* corrupt regions reported */
};

const struct pt_reader_stats *pt_reader_get_stats(const struct pt_reader *r);

/* Close and free. NULL-safe. */
void pt_reader_close(struct pt_reader *r);

/*
 * Flow hash over the identity 5-tuple (family, addresses, ports, proto),
 * symmetric: A->B and B->A hash alike. 0 is never returned.
 */
__u64 pt_flow_hash(const struct pt_pkt *p);

#endif /* PROVTAP_STORE_H */
