// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store_file.c — file-level helpers shared by the store's writer and readers:
 * segment names, segment headers, full reads and writes, and reading the CRC
 * frames of an active segment (also while its writer appends).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libdeflate.h>
#include "collector/store_int.h"

__u32 pt_crc32(__u32 crc, const void *buf, size_t len)
{
	return libdeflate_crc32(crc, buf, len);	/* zlib's crc32(): CRC-32/ISO-HDLC */
}

void pt_seg_name(char *buf, size_t size, __u64 seq, enum pt_seg_kind kind)
{
	snprintf(buf, size, "seg-%012llu.%s", (unsigned long long)seq,
		 kind == PT_SEG_SEALED ? "pts" : kind == PT_SEG_TMP ? "pts.tmp" : "pta");
}

enum pt_seg_kind pt_seg_parse(const char *name, __u64 *seq)
{
	size_t n = strlen(name);
	char *end;

	if (n > 4 && !strcmp(name + n - 4, ".tmp"))
		return PT_SEG_TMP;
	if (strncmp(name, "seg-", 4) || name[4] < '0' || name[4] > '9')
		return PT_SEG_NONE;
	errno = 0;
	*seq = strtoull(name + 4, &end, 10);
	if (errno)
		return PT_SEG_NONE;
	if (!strcmp(end, ".pta"))
		return PT_SEG_ACTIVE;
	if (!strcmp(end, ".pts"))
		return PT_SEG_SEALED;
	return PT_SEG_NONE;
}

int pt_openat_regular(int dfd, const char *name, int flags)
{
	struct stat st;
	int fd = openat(dfd, name, flags | O_CLOEXEC | O_NONBLOCK), err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOTSUP;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

ssize_t pt_pread_full(int fd, void *buf, size_t len, __u64 off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, off + done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

int pt_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

static __u32 seg_hdr_crc(const struct pt_seg_hdr *h)
{
	return pt_crc32(0, (const char *)h + 4, offsetof(struct pt_seg_hdr, crc) - 4);
}

int pt_seg_hdr_check(const struct pt_seg_hdr *h, __u32 magic)
{
	if (h->magic != magic)
		return -EBADMSG;
	if (h->version != PT_STORE_VERSION)
		return -EPROTONOSUPPORT;	/* not damage: another provtap's store */
	if (h->hdr_len != sizeof(*h) || h->crc != seg_hdr_crc(h))
		return -EBADMSG;
	return 0;
}

const char *pt_seg_version_why(__u32 version)
{
	static __thread char msg[96];

	snprintf(msg, sizeof(msg), "store format version %u (this provtap reads and writes version %u)", version,
		 PT_STORE_VERSION);
	return msg;
}

void pt_seg_hdr_seal(struct pt_seg_hdr *h)
{
	h->hdr_len = sizeof(*h);
	h->crc = seg_hdr_crc(h);
}

void pt_seg_hdr_info(const struct pt_seg_hdr *h, struct pt_store_seg_info *info)
{
	memset(info, 0, sizeof(*info));
	info->version = h->version;
	info->seq = h->seq;
	info->created_realtime_ns = h->created_realtime_ns;
	memcpy(info->hostname, h->hostname, sizeof(info->hostname));
	info->hostname[sizeof(info->hostname) - 1] = 0;
	memcpy(info->boot_id, h->boot_id, sizeof(info->boot_id));
	info->boot_id[sizeof(info->boot_id) - 1] = 0;
}

int pt_recs_check(const void *recs, size_t len, __u32 n_recs)
{
	const char *p = recs;
	size_t off = 0;
	__u32 n = 0;

	while (off < len) {
		struct pt_rec_hdr h;

		if (len - off < sizeof(h))
			return -EBADMSG;
		memcpy(&h, p + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - off)
			return -EBADMSG;
		off += h.len;
		n++;
	}
	return n == n_recs ? 0 : -EBADMSG;
}

static int frame_grow(struct pt_frame_iter *it, size_t need)
{
	void *p;
	size_t cap = it->cap ? it->cap : 65536;

	if (need <= it->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(it->buf, cap);
	if (!p)
		return -ENOMEM;
	it->buf = p;
	it->cap = cap;
	return 0;
}

static int frame_size(struct pt_frame_iter *it)
{
	off_t end = lseek(it->fd, 0, SEEK_END);

	if (end < 0)
		return -errno;
	it->end = end;
	return 0;
}

/*
 * The frame at it->off runs past the end of the file: an incomplete last frame
 * (a torn tail, or one being written) is PT_FRAME_END; when a good frame follows
 * it, its length is what is corrupt: PT_FRAME_BAD (readers skip the region and
 * go on, recovery keeps the file instead of cutting good frames as a tail).
 */
static int past_end(struct pt_frame_iter *it, const char **why)
{
	__u64 found;

	if (it->resyncing || !(found = pt_frame_resync(it)))
		return PT_FRAME_END;
	it->found_at = it->off;	/* the caller's resync, next, is this one */
	it->found = found;
	*why = "bad frame length (past the end of the file, and good frames follow)";
	return PT_FRAME_BAD;
}

int pt_frame_read(struct pt_frame_iter *it, const char **why)
{
	struct pt_frame_hdr *fh = &it->fh;
	__u32 crc, want;
	ssize_t n;
	int err;

	err = frame_size(it);
	if (err)
		return err;
	if (it->end < it->off + sizeof(*fh))
		return PT_FRAME_END;
	n = pt_pread_full(it->fd, fh, sizeof(*fh), it->off);
	if (n < 0)
		return n;
	if (n < (ssize_t)sizeof(*fh))
		return PT_FRAME_END;
	if (fh->magic != PT_FRAME_MAGIC) {
		*why = "bad frame magic";
		return PT_FRAME_BAD;
	}
	if (fh->len > PT_FRAME_MAX || fh->n_recs > fh->len / sizeof(struct pt_rec_hdr)) {
		*why = "bad frame length";
		return PT_FRAME_BAD;
	}
	if (it->end < it->off + sizeof(*fh) + fh->len)
		return past_end(it, why);
	err = frame_grow(it, fh->len);
	if (err)
		return err;
	n = pt_pread_full(it->fd, it->buf, fh->len, it->off + sizeof(*fh));
	if (n < 0)
		return n;
	if (n < fh->len)
		return past_end(it, why);
	if (it->trust_from && it->off >= it->trust_from)
		return PT_FRAME_OK;	/* written and checksummed by this very process */
	want = fh->crc;
	fh->crc = 0;
	crc = pt_crc32(0, fh, sizeof(*fh));
	crc = pt_crc32(crc, it->buf, fh->len);
	fh->crc = want;
	if (crc != want) {
		*why = "frame CRC mismatch";
		return PT_FRAME_BAD;
	}
	if (pt_recs_check(it->buf, fh->len, fh->n_recs)) {
		*why = "frame records malformed";
		return PT_FRAME_BAD;
	}
	return PT_FRAME_OK;
}

__u64 pt_frame_resync(struct pt_frame_iter *it)
{
	__u64 start = it->off, pos = it->off + 1, found = 0;
	unsigned char win[65536 + 3];
	bool was = it->resyncing;
	const char *why;

	if (it->found && it->found_at == it->off) {
		found = it->found;
		it->found = 0;
		return found;
	}
	it->found = 0;
	it->resyncing = true;	/* a candidate past the end is not resynced again: it is not good */

	while (pos + sizeof(struct pt_frame_hdr) <= it->end) {
		ssize_t n = pt_pread_full(it->fd, win, sizeof(win), pos);
		ssize_t i;

		if (n < 4)
			break;
		for (i = 0; i + 4 <= n; i++) {
			__u32 m;

			memcpy(&m, win + i, 4);
			if (m != PT_FRAME_MAGIC)
				continue;
			it->off = pos + i;
			if (pt_frame_read(it, &why) == PT_FRAME_OK) {
				found = it->off;
				goto out;
			}
		}
		pos += n - 3;
	}
out:
	it->off = start;
	it->resyncing = was;
	return found;
}

void pt_frame_iter_free(struct pt_frame_iter *it)
{
	free(it->buf);
	it->buf = NULL;
	it->cap = 0;
}
