/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * store_int.h — private to collector/store*.c: on-disk layouts of segments,
 * frames, blocks and footers, and the helpers the store's files share.
 *
 * All on-disk integers are little-endian (the host order of the x86_64 hosts
 * provtap runs on; a big-endian port must swap here). CRCs are CRC-32/ISO-HDLC (zlib's crc32, computed by libdeflate).
 *
 * Active segment (.pta):
 *   struct pt_seg_hdr (magic PT_SEG_MAGIC_ACTIVE)
 *   { struct pt_frame_hdr, records[len] }*       one frame per pt_store_append()
 *
 * Sealed segment (.pts):
 *   struct pt_seg_hdr (magic PT_SEG_MAGIC_SEALED, otherwise the .pta's header)
 *   { struct pt_blk_hdr, deflate bytes[comp_len] }*
 *   footer:  struct pt_footer
 *            struct pt_footer_blk[n_blocks]
 *            struct pt_cursor[n_cursors]
 *            __u8 flow_bloom[bloom_bytes], fp_bloom[bloom_bytes]
 *            __u32 crc                           crc32 of the footer up to here
 *   struct pt_trailer                            the last 16 bytes of the file
 */
#ifndef PROVTAP_STORE_INT_H
#define PROVTAP_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "bpf/pkt.h"
#include "collector/store.h"
#include "common/units.h"

#define PT_SEG_MAGIC_ACTIVE	0x41535450u	/* "PTSA" */
#define PT_SEG_MAGIC_SEALED	0x53535450u	/* "PTSS" */
#define PT_FRAME_MAGIC		0x4d524650u	/* "PFRM" */
#define PT_BLK_MAGIC		0x4b4c4250u	/* "PBLK" */
#define PT_FOOTER_MAGIC		0x52544650u	/* "PFTR" */
#define PT_TRAILER_MAGIC	0x444e4550u	/* "PEND" */

#define PT_REC_MAX		65535u		/* struct pt_rec_hdr.len is 16 bits */
#define PT_FRAME_MAX		(64u << 20)	/* largest batch payload accepted */
#define PT_BLK_RAW_TARGET	(1u << 20)	/* a block closes before passing this */
#define PT_BLK_RAW_MAX		(PT_BLK_RAW_TARGET + PT_REC_MAX)
#define PT_BLK_ENC_MAX		(2 * PT_BLK_RAW_MAX)	/* codec output bound, checked */
#define PT_FOOTER_MAX		(256u << 20)
#define PT_CODEC_COLUMNS	1

/* Segment header, first bytes of .pta and .pts files. */
struct pt_seg_hdr {
	__u32 magic;			/* PT_SEG_MAGIC_ACTIVE or PT_SEG_MAGIC_SEALED */
	__u32 version;			/* PT_STORE_VERSION */
	__u64 seq;			/* segment sequence number, as in the file name */
	__u64 created_realtime_ns;	/* CLOCK_REALTIME at creation */
	__u64 created_boottime_ns;	/* CLOCK_BOOTTIME at creation (age-based sealing) */
	char  hostname[64];		/* NUL-padded */
	char  boot_id[40];		/* NUL-padded */
	__u32 hdr_len;			/* sizeof(struct pt_seg_hdr) */
	__u32 crc;			/* crc32 of the bytes above, magic excluded */
};

/* Frame header: one batch in the active segment. The records follow. */
struct pt_frame_hdr {
	__u32 magic;			/* PT_FRAME_MAGIC */
	__u32 len;			/* payload bytes (records back to back) */
	__u32 n_recs;			/* records in the payload */
	__u32 flags;			/* PT_FRAME_F_CURSOR: ring_key/pos are valid */
	__u64 ring_key;			/* cursor: ring buffer key ... */
	__u64 pos;			/* ... and consumer position after this batch */
	__u32 crc;			/* crc32 of this header (crc = 0) and the payload */
	__u32 pad;			/* zero */
};

#define PT_FRAME_F_CURSOR	1u

/* Block header in a sealed segment. comp_len raw DEFLATE (RFC 1951) bytes follow. */
struct pt_blk_hdr {
	__u32 magic;			/* PT_BLK_MAGIC */
	__u32 codec;			/* PT_CODEC_COLUMNS */
	__u32 raw_len;			/* bytes of records once decoded */
	__u32 enc_len;			/* bytes of the codec's streams (inflated size) */
	__u32 comp_len;			/* DEFLATE bytes following this header */
	__u32 n_recs;			/* records in the block */
	__u64 t_min, t_max;		/* time range of timed records; t_min > t_max: none */
	__u32 flags;			/* PT_BLK_F_META: holds non-PKT records */
	__u32 data_crc;			/* crc32 of the comp_len DEFLATE bytes */
	__u32 pad;			/* zero */
	__u32 hdr_crc;			/* crc32 of this header up to here */
};

#define PT_BLK_F_META		1u

/* Fixed part of the footer. */
struct pt_footer {
	__u32 magic;			/* PT_FOOTER_MAGIC */
	__u32 version;			/* PT_STORE_VERSION */
	__u64 t_min, t_max;		/* time range of all timed records; t_min > t_max: none */
	__u64 n_recs;			/* records in the segment */
	__u64 raw_bytes;		/* their bytes, decoded */
	__u32 n_blocks;			/* struct pt_footer_blk entries */
	__u32 n_cursors;		/* struct pt_cursor entries (store state after this segment) */
	__u32 bloom_bytes;		/* size of each bloom filter, a power of two >= 8 */
	__u32 bloom_k;			/* probes per key */
	__u8  points[PT_MAX_POINTS / 8];	/* bit p set: a PKT record of point p is inside */
};

/* One block in the footer's block table. */
struct pt_footer_blk {
	__u64 off;			/* file offset of the struct pt_blk_hdr */
	__u64 t_min, t_max;		/* as in the block header */
	__u32 n_recs;			/* as in the block header */
	__u32 flags;			/* as in the block header */
};

/* A ring-buffer cursor. */
struct pt_cursor {
	__u64 ring_key;
	__u64 pos;
};

/* Last 16 bytes of a sealed segment. */
struct pt_trailer {
	__u64 footer_off;		/* file offset of struct pt_footer */
	__u32 footer_len;		/* bytes from footer_off to this trailer (crc included) */
	__u32 magic;			/* PT_TRAILER_MAGIC */
};

/* ---- shared helpers (store_file.c) ---- */

__u32 pt_crc32(__u32 crc, const void *buf, size_t len);

enum pt_seg_kind { PT_SEG_NONE = 0, PT_SEG_ACTIVE, PT_SEG_SEALED, PT_SEG_TMP };

/* "seg-%012llu.pta"/".pts" into buf (>= 32 bytes). */
void pt_seg_name(char *buf, size_t size, __u64 seq, enum pt_seg_kind kind);
/* Parse a directory entry name; PT_SEG_TMP for any "*.tmp", PT_SEG_NONE for others. */
enum pt_seg_kind pt_seg_parse(const char *name, __u64 *seq);

/* Read exactly len bytes at off. Returns len, less at end of file, or -errno. */
ssize_t pt_pread_full(int fd, void *buf, size_t len, __u64 off);

/*
 * openat(dfd, name, flags | O_CLOEXEC) of a regular file only: a FIFO or device
 * under a segment's name is never opened for real (opening a FIFO blocks until
 * a writer comes). Returns the fd, -ENOTSUP for anything but a regular file, or
 * -errno.
 */
int pt_openat_regular(int dfd, const char *name, int flags);
/* Write all of buf at the current offset. Returns 0 or -errno. */
int pt_write_full(int fd, const void *buf, size_t len);

/* Validate a segment header (magic one of the two, version, crc). 0, -EPROTONOSUPPORT for another
 * store format version (the magic right), or -EBADMSG. */
int pt_seg_hdr_check(const struct pt_seg_hdr *h, __u32 magic);
void pt_seg_hdr_seal(struct pt_seg_hdr *h);	/* fill crc */
/* "store format version N (this provtap ...)": why a segment pt_seg_hdr_check() found of another
 * version is not read (a per-thread buffer, valid until the next call). */
const char *pt_seg_version_why(__u32 version);
void pt_seg_hdr_info(const struct pt_seg_hdr *h, struct pt_store_seg_info *info);

/*
 * Frame iteration over an active segment through an fd (works while a writer
 * appends). buf is grown as needed and owned by the iterator.
 */
struct pt_frame_iter {
	int fd;
	__u64 off;			/* next frame's offset */
	__u64 end;			/* file size when last looked */
	__u64 trust_from;		/* 0 = verify all; else frames at >= this offset skip the CRC */
	struct pt_frame_hdr fh;		/* current frame */
	bool resyncing;			/* inside pt_frame_resync (pt_frame_read must not recurse) */
	__u64 found_at, found;		/* pt_frame_read's own resync from found_at found this good
					 * frame: the caller's pt_frame_resync from there takes it */
	void *buf;			/* current payload */
	size_t cap;
};

enum pt_frame_res {
	PT_FRAME_OK = 0,		/* fh/buf hold the frame at off; caller advances */
	PT_FRAME_END,			/* nothing more (clean end or incomplete frame) */
	PT_FRAME_BAD,			/* a corrupt frame at off (why set) */
};

/*
 * Read the frame at it->off. Incomplete frames at the end of the file are
 * PT_FRAME_END; a frame with a bad magic, length or CRC is PT_FRAME_BAD, and
 * *why says which (also one whose length runs past the end of the file when a
 * good frame follows it: not a torn tail). Returns negative errno on I/O errors.
 */
int pt_frame_read(struct pt_frame_iter *it, const char **why);
/*
 * Offset of the next valid frame after it->off, or 0 when there is none. (A
 * scan pt_frame_read made for the PT_FRAME_BAD it just returned is not made
 * twice.)
 */
__u64 pt_frame_resync(struct pt_frame_iter *it);
/* Check records inside a payload: each hdr len >= 4 and inside. 0 or -EBADMSG. */
int pt_recs_check(const void *recs, size_t len, __u32 n_recs);
void pt_frame_iter_free(struct pt_frame_iter *it);

/* ---- block codec (store_codec.c) ---- */

struct pt_codec;

struct pt_codec *pt_codec_new(int zlevel);
void pt_codec_free(struct pt_codec *c);
/*
 * Encode n_recs records (raw, raw_len bytes, already checked) and compress.
 * On success returns 0 with *out (owned by the codec, valid until its next
 * call), *out_len and *enc_len. Negative errno on failure.
 */
int pt_codec_encode(struct pt_codec *c, const void *raw, size_t raw_len, __u32 n_recs,
		    const void **out, size_t *out_len, size_t *enc_len);
/*
 * Inflate and decode a block into *out (owned by the codec, raw_len bytes).
 * Returns 0, or -EBADMSG when the data does not decode to exactly raw_len
 * bytes of n_recs records, -ENOMEM.
 */
int pt_codec_decode(struct pt_codec *c, const void *comp, size_t comp_len, size_t enc_len,
		    size_t raw_len, __u32 n_recs, const void **out);

/*
 * Decode only the bytes of struct pt_pkt whose keep[] entry is non-zero
 * (PKT_FIXED entries; type and len are always kept) in coded PKT records; the
 * other bytes and captured frame bytes come out 0. NULL = full decoding.
 */
void pt_codec_set_projection(struct pt_codec *c, const unsigned char *keep);

/* ---- index (store_index.c) ---- */

/* Timestamp of a record for time ranges; false for records without one. */
bool pt_rec_time(const struct pt_rec_hdr *h, __u64 *ts);

struct pt_bloom {
	__u8 *bits;
	__u32 bytes;			/* power of two */
	__u32 k;
};

int pt_bloom_init(struct pt_bloom *b, __u64 n_keys_max);
void pt_bloom_add(struct pt_bloom *b, __u64 key);
bool pt_bloom_test(const __u8 *bits, __u32 bytes, __u32 k, __u64 key);
/* Halve the filter while it stays sparse (fill <= 40 %). */
void pt_bloom_shrink(struct pt_bloom *b);
void pt_bloom_free(struct pt_bloom *b);

/* A parsed footer (pointers into raw, which the struct owns). */
struct pt_footer_view {
	void *raw;
	size_t raw_len;
	struct pt_footer f;
	const struct pt_footer_blk *blks;
	const struct pt_cursor *cursors;
	const __u8 *flow_bloom, *fp_bloom;
};

/*
 * Read and verify a sealed segment's header, trailer and footer from fd.
 * Returns 0 and fills hdr and fv (free with pt_footer_free), -EBADMSG with
 * *why and *where on a bad or missing footer (hdr is still filled when the header
 * was good: *hdr_ok), -EPROTONOSUPPORT with *why for a segment of another
 * store format version (not damage: nothing of it is read), negative errno
 * on I/O errors. *blocks_end is where the
 * blocks end: the footer's offset when the trailer is good, else the file size.
 */
int pt_footer_load(int fd, struct pt_seg_hdr *hdr, bool *hdr_ok, struct pt_footer_view *fv,
		   const char **why, __u64 *where, __u64 *blocks_end);
void pt_footer_free(struct pt_footer_view *fv);

/* ---- sealing (store_seal.c) ---- */

/*
 * Write the records of the active segment open on fd (header hdr) as the sealed
 * segment dir/seg-SEQ.pts via seg-SEQ.pts.tmp: blocks, footer with cursors[n],
 * fsync, rename, fsync dir. The .pta is left alone. Returns 0 and the sealed
 * file's size and time range, or negative errno (the tmp file is removed).
 */
struct pt_seal_out {
	__u64 file_bytes, raw_bytes, n_recs;
	__u64 t_min, t_max;
};
int pt_seal_file(int dfd, const char *dir, int fd, __u64 trust_from, const struct pt_seg_hdr *hdr,
		 const struct pt_cursor *cursors, __u32 n_cursors, int zlevel, struct pt_seal_out *out);

/* ---- the writer (store.c, store_recover.c) ---- */

/* A sealed segment the writer knows of, for retention. */
struct pt_seg_ent {
	__u64 seq;
	__u64 bytes;			/* file size */
	__u64 t_max;			/* newest record time (boottime), when t_valid */
	__u64 mtime_ns;			/* file mtime (realtime) */
	bool t_valid;			/* footer read and it has timed records */
	bool same_boot;			/* written during the boot the store runs in */
};

struct pt_store {
	char *dir;
	int dfd;			/* the store directory */
	int lock_fd;			/* LOCK, flock()ed */
	struct pt_store_opts opts;
	char hostname[64];
	char boot_id[40];
	int fd;				/* active segment, -1 = none */
	struct pt_seg_hdr hdr;		/* its header */
	__u64 off;			/* its good end: the next frame goes here */
	__u64 trust_from;		/* frames from here on were written by this process */
	__u64 act_raw, act_recs;	/* record bytes and records in it */
	struct pt_cursor cursors[PT_STORE_MAX_CURSORS];
	__u32 n_cursors;
	struct pt_seg_ent *sealed;	/* by seq, oldest first */
	size_t n_sealed, cap_sealed;
	__u64 next_seq;
	struct pt_store_stats stats;
	bool in_cb;			/* inside opts.on_new_segment */
	__u64 newseg_tried_ns;		/* CLOCK_BOOTTIME of the last try to start a segment after a failure */
	__u64 newseg_said_ns;		/* ... of the last failure logged (0: none since the last success) */
	__u64 seal_failed_ns;		/* ... of the last failed seal of the active segment (0: none) */
};

int pt_store_recover(struct pt_store *s);
int pt_store_new_segment(struct pt_store *s);
/*
 * Seal the active segment when it has records, remove its .pta and, with
 * start_new, start the next one. 0 or -errno (the segment then stays active).
 */
int pt_store_seal_active(struct pt_store *s, bool start_new);
void pt_store_cursor_set(struct pt_store *s, __u64 key, __u64 pos);
int pt_store_sealed_add(struct pt_store *s, const struct pt_seg_ent *e);

#endif /* PROVTAP_STORE_INT_H */
