// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store_seal.c — turn an active segment into a sealed one: records into
 * compressed blocks, the index footer, and the tmp -> final rename that
 * commits it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "common/log.h"
#include "collector/store_int.h"

struct sealer {
	int out;			/* tmp file */
	const char *path;		/* its name, for messages */
	__u64 off;			/* bytes written so far */
	struct pt_codec *codec;
	char *raw;			/* records of the block being built */
	size_t raw_len;
	__u32 raw_recs;
	__u64 blk_tmin, blk_tmax;
	__u32 blk_flags;
	struct pt_footer f;
	struct pt_footer_blk *blks;
	size_t blks_cap;
	struct pt_bloom flow, fp;
};

static int seal_flush(struct sealer *s)
{
	struct pt_blk_hdr bh = {
		.magic = PT_BLK_MAGIC,
		.codec = PT_CODEC_COLUMNS,
		.raw_len = s->raw_len,
		.n_recs = s->raw_recs,
		.t_min = s->blk_tmin,
		.t_max = s->blk_tmax,
		.flags = s->blk_flags,
	};
	size_t comp_len, enc_len;
	const void *comp;
	struct iovec iov[2];
	ssize_t n;
	int err;

	if (!s->raw_recs)
		return 0;
	err = pt_codec_encode(s->codec, s->raw, s->raw_len, s->raw_recs, &comp, &comp_len, &enc_len);
	if (err) {
		pt_err("store: cannot compress a block of %s: %s", s->path, strerror(-err));
		return err;
	}
	bh.enc_len = enc_len;
	bh.comp_len = comp_len;
	bh.data_crc = pt_crc32(0, comp, comp_len);
	bh.hdr_crc = pt_crc32(0, &bh, offsetof(struct pt_blk_hdr, hdr_crc));
	if (s->f.n_blocks == s->blks_cap) {
		size_t cap = s->blks_cap ? s->blks_cap * 2 : 64;
		void *p = realloc(s->blks, cap * sizeof(*s->blks));

		if (!p)
			return -ENOMEM;
		s->blks = p;
		s->blks_cap = cap;
	}
	s->blks[s->f.n_blocks++] = (struct pt_footer_blk){
		.off = s->off, .t_min = bh.t_min, .t_max = bh.t_max,
		.n_recs = bh.n_recs, .flags = bh.flags,
	};
	iov[0] = (struct iovec){ &bh, sizeof(bh) };
	iov[1] = (struct iovec){ (void *)comp, comp_len };
	n = writev(s->out, iov, 2);
	if (n != (ssize_t)(sizeof(bh) + comp_len)) {
		err = n < 0 ? -errno : -ENOSPC;
		pt_err("store: cannot write %s: %s", s->path, strerror(-err));
		return err;
	}
	s->off += n;
	s->raw_len = 0;
	s->raw_recs = 0;
	s->blk_tmin = UINT64_MAX;
	s->blk_tmax = 0;
	s->blk_flags = 0;
	return 0;
}

/* Add the record at rec (hh: its header, copied: records lie back to back, rec may be unaligned). */
static int seal_add(struct sealer *s, const void *rec, const struct pt_rec_hdr *hh)
{
	const struct pt_rec_hdr *h = hh;
	__u64 ts;
	int err;

	if (s->raw_len + h->len > PT_BLK_RAW_TARGET && s->raw_recs) {
		err = seal_flush(s);
		if (err)
			return err;
	}
	memcpy(s->raw + s->raw_len, rec, h->len);
	s->raw_len += h->len;
	s->raw_recs++;
	s->f.n_recs++;
	s->f.raw_bytes += h->len;
	if (pt_rec_time(rec, &ts)) {
		if (ts < s->blk_tmin)
			s->blk_tmin = ts;
		if (ts > s->blk_tmax)
			s->blk_tmax = ts;
	}
	if (h->type == PT_REC_PKT && h->len >= sizeof(struct pt_pkt)) {
		struct pt_pkt p;

		memcpy(&p, rec, sizeof(p));
		if (p.point < PT_MAX_POINTS)
			s->f.points[p.point / 8] |= 1u << (p.point % 8);
		pt_bloom_add(&s->flow, pt_flow_hash(&p));
		if (p.fp)
			pt_bloom_add(&s->fp, p.fp);
	} else {
		s->blk_flags |= PT_BLK_F_META;
	}
	if (s->blk_tmin < s->f.t_min)
		s->f.t_min = s->blk_tmin;
	if (s->blk_tmax > s->f.t_max && s->blk_tmin <= s->blk_tmax)
		s->f.t_max = s->blk_tmax;
	return 0;
}

/* Feed every good frame of the .pta to the sealer; corrupt frames are skipped. */
static int seal_frames(struct sealer *s, int fd, __u64 trust_from, const char *pta)
{
	struct pt_frame_iter it = { .fd = fd, .off = sizeof(struct pt_seg_hdr), .trust_from = trust_from };
	const char *why = NULL;
	int ret;

	for (;;) {
		size_t off;

		ret = pt_frame_read(&it, &why);
		if (ret < 0) {
			pt_err("store: cannot read %s: %s", pta, strerror(-ret));
			break;
		}
		if (ret == PT_FRAME_END) {
			ret = 0;
			break;
		}
		if (ret == PT_FRAME_BAD) {
			__u64 next = pt_frame_resync(&it);

			pt_warn("store: %s: %s at offset %llu; %s", pta, why, (unsigned long long)it.off,
				next ? "skipped to the next good frame" : "rest of the segment dropped");
			if (!next) {
				ret = 0;
				break;
			}
			it.off = next;
			continue;
		}
		for (off = 0; off < it.fh.len;) {
			const char *rec = (const char *)it.buf + off;
			struct pt_rec_hdr hh;

			memcpy(&hh, rec, sizeof(hh));
			ret = seal_add(s, rec, &hh);
			if (ret)
				goto out;
			off += hh.len;
		}
		it.off += sizeof(it.fh) + it.fh.len;
	}
out:
	pt_frame_iter_free(&it);
	return ret;
}

static int seal_footer(struct sealer *s, const struct pt_cursor *cursors, __u32 n_cursors)
{
	size_t len;
	struct pt_trailer tr;
	char *buf, *p;
	__u32 crc;
	int err;

	pt_bloom_shrink(&s->flow);
	pt_bloom_shrink(&s->fp);
	/* both filters share one size: the larger */
	while (s->flow.bytes < s->fp.bytes) {
		memcpy(s->flow.bits + s->flow.bytes, s->flow.bits, s->flow.bytes);
		s->flow.bytes *= 2;
	}
	while (s->fp.bytes < s->flow.bytes) {
		memcpy(s->fp.bits + s->fp.bytes, s->fp.bits, s->fp.bytes);
		s->fp.bytes *= 2;
	}
	s->f.bloom_bytes = s->flow.bytes;
	s->f.bloom_k = s->flow.k;
	s->f.n_cursors = n_cursors;
	len = sizeof(s->f) + s->f.n_blocks * sizeof(*s->blks) + n_cursors * sizeof(*cursors) +
	      2 * (size_t)s->f.bloom_bytes + 4;
	buf = malloc(len + sizeof(tr));
	if (!buf)
		return -ENOMEM;
	p = buf;
	memcpy(p, &s->f, sizeof(s->f));
	p += sizeof(s->f);
	memcpy(p, s->blks, s->f.n_blocks * sizeof(*s->blks));
	p += s->f.n_blocks * sizeof(*s->blks);
	memcpy(p, cursors, n_cursors * sizeof(*cursors));
	p += n_cursors * sizeof(*cursors);
	memcpy(p, s->flow.bits, s->f.bloom_bytes);
	p += s->f.bloom_bytes;
	memcpy(p, s->fp.bits, s->f.bloom_bytes);
	p += s->f.bloom_bytes;
	crc = pt_crc32(0, buf, p - buf);
	memcpy(p, &crc, 4);
	p += 4;
	tr = (struct pt_trailer){ .footer_off = s->off, .footer_len = len, .magic = PT_TRAILER_MAGIC };
	memcpy(p, &tr, sizeof(tr));
	err = pt_write_full(s->out, buf, len + sizeof(tr));
	free(buf);
	if (err) {
		pt_err("store: cannot write the footer of %s: %s", s->path, strerror(-err));
		return err;
	}
	s->off += len + sizeof(tr);
	return 0;
}

int pt_seal_file(int dfd, const char *dir, int fd, __u64 trust_from, const struct pt_seg_hdr *hdr,
		 const struct pt_cursor *cursors, __u32 n_cursors, int zlevel, struct pt_seal_out *out)
{
	char tmp[64], fin[64], pta[64];
	struct pt_seg_hdr sh = *hdr;
	struct sealer s = { .out = -1 };
	struct stat st;
	int err;

	pt_seg_name(tmp, sizeof(tmp), hdr->seq, PT_SEG_TMP);
	pt_seg_name(fin, sizeof(fin), hdr->seq, PT_SEG_SEALED);
	pt_seg_name(pta, sizeof(pta), hdr->seq, PT_SEG_ACTIVE);
	s.path = tmp;
	if (fstat(fd, &st))
		return -errno;
	s.codec = pt_codec_new(zlevel == PT_STORE_UNCOMPRESSED ? 0 : zlevel ? zlevel : 6);
	s.raw = malloc(PT_BLK_RAW_MAX);
	if (!s.codec || !s.raw ||
	    pt_bloom_init(&s.flow, st.st_size / sizeof(struct pt_pkt) + 1) ||
	    pt_bloom_init(&s.fp, st.st_size / sizeof(struct pt_pkt) + 1)) {
		err = -ENOMEM;
		goto out;
	}
	s.f.magic = PT_FOOTER_MAGIC;
	s.f.version = PT_STORE_VERSION;
	s.f.t_min = s.blk_tmin = UINT64_MAX;
	s.f.t_max = s.blk_tmax = 0;

	s.out = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (s.out < 0) {
		err = -errno;
		pt_err("store: cannot create %s/%s: %s", dir, tmp, strerror(-err));
		goto out;
	}
	sh.magic = PT_SEG_MAGIC_SEALED;
	pt_seg_hdr_seal(&sh);
	err = pt_write_full(s.out, &sh, sizeof(sh));
	if (err) {
		pt_err("store: cannot write %s/%s: %s", dir, tmp, strerror(-err));
		goto out;
	}
	s.off = sizeof(sh);
	err = seal_frames(&s, fd, trust_from, pta);
	if (!err)
		err = seal_flush(&s);
	if (!err)
		err = seal_footer(&s, cursors, n_cursors);
	if (err)
		goto out;
	if (fsync(s.out)) {
		err = -errno;
		pt_err("store: cannot fsync %s/%s: %s", dir, tmp, strerror(-err));
		goto out;
	}
	if (renameat(dfd, tmp, dfd, fin)) {
		err = -errno;
		pt_err("store: cannot rename %s/%s to %s: %s", dir, tmp, fin, strerror(-err));
		goto out;
	}
	/* committed by the rename: a failure here must not leave the .pta active, or the next
	 * start would find the .pts beside it and remove it with what was appended since */
	if (fsync(dfd))
		pt_warn("store: cannot fsync directory %s after sealing %s: %s; the seal stands, but a crash "
			"now may lose it", dir, fin, strerror(errno));
	out->file_bytes = s.off;
	out->raw_bytes = s.f.raw_bytes;
	out->n_recs = s.f.n_recs;
	out->t_min = s.f.t_min;
	out->t_max = s.f.t_max;
out:
	if (s.out >= 0) {
		close(s.out);
		if (err)
			unlinkat(dfd, tmp, 0);
	}
	pt_codec_free(s.codec);
	free(s.raw);
	free(s.blks);
	pt_bloom_free(&s.flow);
	pt_bloom_free(&s.fp);
	return err;
}
