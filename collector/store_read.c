// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store_read.c — reading a store: sealed segments through their footer index
 * (or block by block when the footer is bad), then the active segment frame
 * by frame up to its current end. Corrupt regions are reported and skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "common/log.h"
#include "collector/store_int.h"

enum rd_state {
	RD_NEXT_SEG = 0,	/* open the next segment */
	RD_SEALED_IDX,		/* blocks from the footer's table */
	RD_SEALED_SCAN,		/* blocks one after the other (no usable footer) */
	RD_ACTIVE,		/* frames of an active segment */
};

struct rd_seg {
	__u64 seq;
	bool pts, pta;
};

struct pt_reader {
	char *dir;
	int dfd;
	struct pt_read_hints h;
	bool has_time;
	__u64 t_lo, t_hi;
	pt_corrupt_fn cb;
	void *ctx;
	struct rd_seg *segs;
	size_t n_segs, cur;
	enum rd_state state;

	int fd;				/* current segment */
	char path[PATH_MAX];
	struct pt_store_seg_info info;
	struct pt_footer_view fv;
	__u32 blk;			/* next block table entry (RD_SEALED_IDX) */
	__u64 scan_off, scan_end;	/* RD_SEALED_SCAN */
	void *comp;
	size_t comp_cap;
	struct pt_codec *codec;
	struct pt_frame_iter it;	/* RD_ACTIVE */
	bool it_dead;			/* garbage with nothing good after it */

	const char *recs;		/* records being handed out */
	size_t recs_len, recs_pos;
	void *rec;			/* aligned copy of the current record */
	struct pt_reader_stats stats;
};

static void report(struct pt_reader *r, __u64 off, const char *why)
{
	r->stats.corrupt++;
	if (r->cb)
		r->cb(r->path, off, why, r->ctx);
	else
		pt_warn("store: %s: %s at offset %llu; skipped", r->path, why,
			(unsigned long long)off);
}

static int seg_cmp(const void *a, const void *b)
{
	const struct rd_seg *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int list_segs(struct pt_reader *r)
{
	size_t cap = 0, i;
	struct dirent *de;
	DIR *d;
	int fd = dup(r->dfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		return err;	/* said by the caller */
	}
	while ((de = readdir(d))) {
		enum pt_seg_kind k;
		__u64 seq = 0;

		k = pt_seg_parse(de->d_name, &seq);
		if (k != PT_SEG_ACTIVE && k != PT_SEG_SEALED)
			continue;
		for (i = 0; i < r->n_segs && r->segs[i].seq != seq; i++)
			;
		if (i == r->n_segs) {
			if (r->n_segs == cap) {
				void *p;

				cap = cap ? cap * 2 : 64;
				p = realloc(r->segs, cap * sizeof(*r->segs));
				if (!p) {
					closedir(d);
					return -ENOMEM;
				}
				r->segs = p;
			}
			r->segs[r->n_segs++] = (struct rd_seg){ .seq = seq };
		}
		if (k == PT_SEG_ACTIVE)
			r->segs[i].pta = true;
		else
			r->segs[i].pts = true;
	}
	closedir(d);
	if (r->n_segs)
		qsort(r->segs, r->n_segs, sizeof(*r->segs), seg_cmp);
	return 0;
}

int pt_store_present(const char *dir)
{
	struct dirent *de;
	int found = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while (!found && (de = readdir(d))) {
		__u64 seq;
		enum pt_seg_kind k = pt_seg_parse(de->d_name, &seq);

		found = !strcmp(de->d_name, "LOCK") || k == PT_SEG_ACTIVE || k == PT_SEG_SEALED;
	}
	closedir(d);
	return found;
}

int pt_reader_open(const char *dir, const struct pt_read_hints *hints,
		   pt_corrupt_fn cb, void *ctx, struct pt_reader **out)
{
	struct pt_reader *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->dfd = -1;
	r->h.point = -1;
	if (hints)
		r->h = *hints;
	r->has_time = r->h.t_min || r->h.t_max;
	r->t_lo = r->h.t_min;
	r->t_hi = r->h.t_max ? r->h.t_max : UINT64_MAX;
	r->cb = cb;
	r->ctx = ctx;
	r->dir = strdup(dir);
	r->rec = malloc(PT_REC_MAX + 1);
	r->codec = pt_codec_new(6);
	if (!r->dir || !r->rec || !r->codec) {
		err = -ENOMEM;
		goto fail;
	}
	r->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->dfd < 0) {
		err = -errno;	/* said by the caller, with what it was doing */
		goto fail;
	}
	err = list_segs(r);
	if (err)
		goto fail;
	/* a mistyped --store: an empty answer would look like no traffic */
	if (!r->n_segs && pt_store_present(dir) == 0)
		pt_warn("%s holds no provtap store (no segments)", dir);
	*out = r;
	return 0;
fail:
	pt_reader_close(r);
	return err;
}

static void seg_close(struct pt_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	pt_footer_free(&r->fv);
	pt_frame_iter_free(&r->it);
	r->recs_len = r->recs_pos = 0;
	r->it_dead = false;
	r->state = RD_NEXT_SEG;
}

/* Does the footer index rule the segment out for the hints? */
static bool seg_ruled_out(const struct pt_reader *r)
{
	const struct pt_footer *f = &r->fv.f;

	if (r->has_time && (f->t_min > f->t_max || f->t_max < r->t_lo || f->t_min > r->t_hi))
		return true;
	if (r->h.point >= 0 && r->h.point < PT_MAX_POINTS &&
	    !(f->points[r->h.point / 8] & (1u << (r->h.point % 8))))
		return true;
	if (r->h.fp && !pt_bloom_test(r->fv.fp_bloom, f->bloom_bytes, f->bloom_k, r->h.fp))
		return true;
	if (r->h.flow && !pt_bloom_test(r->fv.flow_bloom, f->bloom_bytes, f->bloom_k, r->h.flow))
		return true;
	return false;
}

static int open_fd(struct pt_reader *r, __u64 seq, enum pt_seg_kind kind)
{
	char name[64];

	pt_seg_name(name, sizeof(name), seq, kind);
	snprintf(r->path, sizeof(r->path), "%s/%s", r->dir, name);
	r->fd = pt_openat_regular(r->dfd, name, O_RDONLY);
	if (r->fd < 0)
		return r->fd;
	return 0;
}

static int open_active(struct pt_reader *r, __u64 seq)
{
	struct pt_seg_hdr hdr;
	ssize_t n;
	int err, hc;

	err = open_fd(r, seq, PT_SEG_ACTIVE);
	if (err)
		return err;
	n = pt_pread_full(r->fd, &hdr, sizeof(hdr), 0);
	if (n < 0)
		return n;
	hc = n < (ssize_t)sizeof(hdr) ? -EBADMSG : pt_seg_hdr_check(&hdr, PT_SEG_MAGIC_ACTIVE);
	if (hc) {
		report(r, 0, hc == -EPROTONOSUPPORT ? pt_seg_version_why(hdr.version) : "bad segment header");
		seg_close(r);
		return 0;
	}
	pt_seg_hdr_info(&hdr, &r->info);
	r->it = (struct pt_frame_iter){ .fd = r->fd, .off = sizeof(hdr) };
	r->state = RD_ACTIVE;
	r->stats.segments_read++;
	return 0;
}

/* Open a sealed segment. Returns 0, -EAGAIN to fall back to its .pta, -errno. */
static int open_sealed(struct pt_reader *r, const struct rd_seg *sg)
{
	struct pt_seg_hdr hdr;
	const char *why = NULL;
	__u64 where, bend;
	bool hdr_ok;
	int err;

	err = open_fd(r, sg->seq, PT_SEG_SEALED);
	if (err)
		return err;
	err = pt_footer_load(r->fd, &hdr, &hdr_ok, &r->fv, &why, &where, &bend);
	if (err == -EPROTONOSUPPORT) {
		/* another provtap's segment: said, not scanned as if damaged */
		report(r, 0, why);
		seg_close(r);
		return 0;
	}
	if (err && err != -EBADMSG)
		return err;
	if (err && sg->pta) {
		/* an unfinished seal: the .pta has everything */
		seg_close(r);
		return -EAGAIN;
	}
	memset(&r->info, 0, sizeof(r->info));
	r->info.seq = sg->seq;
	if (hdr_ok)
		pt_seg_hdr_info(&hdr, &r->info);
	if (!err) {
		if (seg_ruled_out(r)) {
			r->stats.segments_skipped++;
			seg_close(r);
			return 0;
		}
		r->blk = 0;
		r->state = RD_SEALED_IDX;
	} else {
		report(r, hdr_ok ? where : 0, why);
		r->scan_off = sizeof(struct pt_seg_hdr);
		r->scan_end = bend;
		r->state = RD_SEALED_SCAN;
	}
	r->stats.segments_read++;
	return 0;
}

static int next_seg(struct pt_reader *r)
{
	const struct rd_seg *sg;
	int err;

	while (r->cur < r->n_segs) {
		sg = &r->segs[r->cur++];
		err = -ENOENT;
		if (sg->pts) {
			err = open_sealed(r, sg);
			if (!err)
				return 0;
		}
		if (sg->pta && (!sg->pts || err == -EAGAIN || err == -ENOENT)) {
			err = open_active(r, sg->seq);
			/* sealed meanwhile: read the .pts it became */
			if (err == -ENOENT && !sg->pts) {
				seg_close(r);
				err = open_sealed(r, &(struct rd_seg){ .seq = sg->seq });
			}
			if (!err)
				return 0;
		}
		seg_close(r);
		if (err == -ENOENT)	/* removed by retention meanwhile */
			continue;
		if (err == -ENOTSUP) {	/* a FIFO, device, ... under a segment's name: never opened */
			report(r, 0, "not a regular file");
			continue;
		}
		pt_err("store: cannot read %s: %s", r->path, strerror(-err));
		return err;
	}
	return 1;
}

static int grow_comp(struct pt_reader *r, size_t need)
{
	void *p;

	if (need <= r->comp_cap)
		return 0;
	p = realloc(r->comp, need);
	if (!p)
		return -ENOMEM;
	r->comp = p;
	r->comp_cap = need;
	return 0;
}

/*
 * Read the block at off (must end by end). Returns 0 with records ready,
 * -EBADMSG after reporting a bad block (*hdr_good says whether its header,
 * hence its length, could be trusted), or -errno.
 */
static int read_block(struct pt_reader *r, __u64 off, __u64 end, bool *hdr_good, __u64 *next)
{
	struct pt_blk_hdr bh;
	const void *raw;
	ssize_t n;
	int err;

	*hdr_good = false;
	n = pt_pread_full(r->fd, &bh, sizeof(bh), off);
	if (n < 0)
		return n;
	if (n < (ssize_t)sizeof(bh) || off + sizeof(bh) > end) {
		report(r, off, "truncated block header");
		return -EBADMSG;
	}
	if (bh.magic != PT_BLK_MAGIC ||
	    bh.hdr_crc != pt_crc32(0, &bh, offsetof(struct pt_blk_hdr, hdr_crc))) {
		report(r, off, "bad block header");
		return -EBADMSG;
	}
	if (bh.codec != PT_CODEC_COLUMNS || bh.raw_len > PT_BLK_RAW_MAX ||
	    bh.enc_len > PT_BLK_ENC_MAX || bh.comp_len > 2 * PT_BLK_ENC_MAX) {
		report(r, off, "unsupported block codec or sizes");
		return -EBADMSG;
	}
	*next = off + sizeof(bh) + bh.comp_len;
	if (*next > end) {
		report(r, off, "truncated block");
		return -EBADMSG;
	}
	*hdr_good = true;
	err = grow_comp(r, bh.comp_len);
	if (err)
		return err;
	n = pt_pread_full(r->fd, r->comp, bh.comp_len, off + sizeof(bh));
	if (n < 0)
		return n;
	if (n < bh.comp_len) {
		report(r, off, "truncated block");
		return -EBADMSG;
	}
	if (pt_crc32(0, r->comp, bh.comp_len) != bh.data_crc) {
		report(r, off, "block CRC mismatch");
		return -EBADMSG;
	}
	err = pt_codec_decode(r->codec, r->comp, bh.comp_len, bh.enc_len, bh.raw_len, bh.n_recs, &raw);
	if (err == -EBADMSG) {
		report(r, off, "block does not decode");
		return err;
	}
	if (err)
		return err;
	r->recs = raw;
	r->recs_len = bh.raw_len;
	r->recs_pos = 0;
	r->stats.blocks_read++;
	return 0;
}

static bool blk_ruled_out(const struct pt_reader *r, const struct pt_footer_blk *b)
{
	if (!r->has_time || (b->flags & PT_BLK_F_META))
		return false;
	return b->t_min > b->t_max || b->t_max < r->t_lo || b->t_min > r->t_hi;
}

/* Next block from the footer's table; 1 when the segment is done. */
static int step_indexed(struct pt_reader *r)
{
	while (r->blk < r->fv.f.n_blocks) {
		const struct pt_footer_blk *b = &r->fv.blks[r->blk++];
		__u64 end = r->blk < r->fv.f.n_blocks ? r->fv.blks[r->blk].off : UINT64_MAX;
		__u64 next;
		bool good;
		int err;

		if (blk_ruled_out(r, b)) {
			r->stats.blocks_skipped++;
			continue;
		}
		err = read_block(r, b->off, end, &good, &next);
		if (err == -EBADMSG)
			continue;
		return err;
	}
	return 1;
}

/* Offset of the next plausible block header after off, or 0. */
static __u64 block_resync(struct pt_reader *r, __u64 off, __u64 end)
{
	unsigned char win[65536];
	__u64 pos = off + 1;

	while (pos + sizeof(struct pt_blk_hdr) <= end) {
		ssize_t n = pt_pread_full(r->fd, win, sizeof(win), pos), i;

		if (n < (ssize_t)sizeof(struct pt_blk_hdr))
			break;
		for (i = 0; i + (ssize_t)sizeof(struct pt_blk_hdr) <= n; i++) {
			struct pt_blk_hdr bh;

			memcpy(&bh, win + i, sizeof(bh));
			if (bh.magic == PT_BLK_MAGIC &&
			    bh.hdr_crc == pt_crc32(0, &bh, offsetof(struct pt_blk_hdr, hdr_crc)))
				return pos + i;
		}
		pos += n - sizeof(struct pt_blk_hdr) + 1;
	}
	return 0;
}

/* Next block scanning from the header; 1 when the segment is done. */
static int step_scan(struct pt_reader *r)
{
	while (r->scan_off < r->scan_end) {
		__u64 off = r->scan_off, next;
		bool good;
		int err;

		err = read_block(r, off, r->scan_end, &good, &next);
		if (!err) {
			r->scan_off = next;
			return 0;
		}
		if (err != -EBADMSG)
			return err;
		if (good) {
			r->scan_off = next;
			continue;
		}
		r->scan_off = block_resync(r, off, r->scan_end);
		if (!r->scan_off)
			break;
	}
	return 1;
}

/* Next frame of the active segment; 1 when there is none (yet). */
static int step_active(struct pt_reader *r)
{
	const char *why = NULL;
	__u64 next;
	int ret;

	if (r->it_dead)
		return 1;
	for (;;) {
		ret = pt_frame_read(&r->it, &why);
		if (ret < 0)
			return ret;
		if (ret == PT_FRAME_END)
			return 1;
		if (ret == PT_FRAME_OK)
			break;
		report(r, r->it.off, why);
		next = pt_frame_resync(&r->it);
		if (!next) {
			/* nothing good after it: ignore the rest of the file */
			r->it_dead = true;
			return 1;
		}
		r->it.off = next;
	}
	r->recs = r->it.buf;
	r->recs_len = r->it.fh.len;
	r->recs_pos = 0;
	r->it.off += sizeof(r->it.fh) + r->it.fh.len;
	r->stats.frames_read++;
	return 0;
}

int pt_reader_next(struct pt_reader *r, const struct pt_rec_hdr **rec,
		   const struct pt_store_seg_info **seg)
{
	int ret;

	for (;;) {
		if (r->recs_pos < r->recs_len) {
			struct pt_rec_hdr h;

			const char *at = r->recs + r->recs_pos;

			memcpy(&h, at, sizeof(h));
			/*
			 * Hand out the record in place when it is aligned for its
			 * fields (PKT records are multiples of 8 bytes in buffers
			 * from malloc: nearly always); else an aligned copy. The
			 * buffer stays until the next block or frame is read, i.e.
			 * past the next call.
			 */
			if (((uintptr_t)at & 7) == 0) {
				*rec = (const void *)at;
			} else {
				memcpy(r->rec, at, h.len);
				*rec = r->rec;
			}
			r->recs_pos += h.len;
			if (seg)
				*seg = &r->info;
			return 1;
		}
		switch (r->state) {
		case RD_NEXT_SEG:
			ret = next_seg(r);
			if (ret)
				return ret > 0 ? 0 : ret;
			continue;
		case RD_SEALED_IDX:
			ret = step_indexed(r);
			break;
		case RD_SEALED_SCAN:
			ret = step_scan(r);
			break;
		case RD_ACTIVE:
			ret = step_active(r);
			/* the last segment may still grow: stay on it */
			if (ret > 0 && r->cur >= r->n_segs)
				return 0;
			break;
		default:
			return -EINVAL;
		}
		if (ret < 0) {
			pt_err("store: cannot read %s: %s", r->path, strerror(-ret));
			return ret;
		}
		if (ret > 0)
			seg_close(r);
	}
}

void pt_reader_set_projection(struct pt_reader *r, __u64 mask)
{
	static const struct {
		__u64 fld;
		__u8 off, size;
	} map[] = {
#define F(bit, f) { bit, offsetof(struct pt_pkt, f), sizeof(((struct pt_pkt *)0)->f) },
		F(PT_FLD_POINT, point) F(PT_FLD_FLAGS, flags) F(PT_FLD_TS, ts_ns) F(PT_FLD_FP, fp)
		F(PT_FLD_WIRE_LEN, wire_len) F(PT_FLD_MARK, mark)
		F(PT_FLD_ADDRS, saddr) F(PT_FLD_ADDRS, daddr)
		F(PT_FLD_OUTER, outer_saddr) F(PT_FLD_OUTER, outer_daddr) F(PT_FLD_OUTER, vni)
		F(PT_FLD_TCP, seq) F(PT_FLD_TCP, ack) F(PT_FLD_TCP, window) F(PT_FLD_TCP, tcp_flags)
		F(PT_FLD_PORTS, sport) F(PT_FLD_PORTS, dport)
		F(PT_FLD_IP, ip_id) F(PT_FLD_IP, l3_len) F(PT_FLD_IP, l4_payload_len)
		F(PT_FLD_IP, frag_off) F(PT_FLD_IP, ttl) F(PT_FLD_IP, tos)
		F(PT_FLD_VLAN, vlan)
		F(PT_FLD_L4, l4proto) F(PT_FLD_L4, icmp_type) F(PT_FLD_L4, icmp_code)
		F(PT_FLD_POINT_META, dir) F(PT_FLD_POINT_META, hook)
#undef F
	};
	unsigned char keep[sizeof(struct pt_pkt)] = {};
	size_t i;

	if (!mask) {
		pt_codec_set_projection(r->codec, NULL);
		return;
	}
	memset(keep, 1, offsetof(struct pt_pkt, point));	/* type, len */
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (mask & map[i].fld)
			memset(keep + map[i].off, 1, map[i].size);
	pt_codec_set_projection(r->codec, keep);
}

const struct pt_reader_stats *pt_reader_get_stats(const struct pt_reader *r)
{
	return &r->stats;
}

void pt_reader_close(struct pt_reader *r)
{
	if (!r)
		return;
	seg_close(r);
	if (r->dfd >= 0)
		close(r->dfd);
	pt_codec_free(r->codec);
	free(r->comp);
	free(r->rec);
	free(r->segs);
	free(r->dir);
	free(r);
}
