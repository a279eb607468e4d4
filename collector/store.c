// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store.c — the store's writer: open and lock, append CRC frames to the active
 * segment, seal it when full, apply retention, remember cursors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "common/log.h"
#include "collector/store_int.h"

/*
 * 16 MiB: sealing runs inline in the append that fills the segment and pauses
 * draining for about 0.1 s at this size; a 64 MiB ring holds 0.44 s of records
 * at 1 M/s, so the pause never fills it.
 */
#define DEF_SEG_MAX_BYTES	(16ull << 20)
#define DEF_SEG_MAX_AGE_NS	(600ull * 1000000000ull)

static void read_boot_id(char *buf, size_t size)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, size, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	if (!buf[0])
		snprintf(buf, size, "unknown");
}

/*
 * Take LOCK. Returns 0, -EBUSY when another process holds it (its pid, as it
 * wrote it, is named in the log), or -errno from open/flock.
 */
static int store_lock(struct pt_store *s)
{
	char pid[32];
	ssize_t n;
	int err;

	s->lock_fd = openat(s->dfd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lock_fd < 0) {
		err = -errno;
		pt_err("store: cannot open %s/LOCK: %s", s->dir, strerror(-err));
		return err;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		if (err == -EWOULDBLOCK) {
			n = pread(s->lock_fd, pid, sizeof(pid) - 1, 0);
			pid[n > 0 ? n : 0] = 0;
			pid[strcspn(pid, "\n")] = 0;
			pt_err("store: %s is already open for writing by another process (pid %s)",
			       s->dir, pid[0] ? pid : "unknown");
			return -EBUSY;
		}
		pt_err("store: cannot lock %s/LOCK: %s", s->dir, strerror(-err));
		return err;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(s->lock_fd, 0) || pwrite(s->lock_fd, pid, n, 0) != n)
		pt_warn("store: cannot write the pid into %s/LOCK: %s", s->dir, strerror(errno));
	return 0;
}

/*
 * The table is kept least recently set first: setting a key moves it to the
 * end, and a new key evicts the oldest when the table is full. Rings come and
 * go (every `unload --all` + `load`, every boot makes a new key) and only the
 * live ring's position matters, so eviction never loses what a restart needs.
 */
void pt_store_cursor_set(struct pt_store *s, __u64 key, __u64 pos)
{
	__u32 i;

	for (i = 0; i < s->n_cursors && s->cursors[i].ring_key != key; i++)
		;
	if (i == s->n_cursors && s->n_cursors == PT_STORE_MAX_CURSORS)
		i = 0;	/* evict the oldest */
	else if (i == s->n_cursors)
		s->n_cursors++;
	memmove(&s->cursors[i], &s->cursors[i + 1], (s->n_cursors - 1 - i) * sizeof(s->cursors[0]));
	s->cursors[s->n_cursors - 1] = (struct pt_cursor){ key, pos };
}

int pt_store_sealed_add(struct pt_store *s, const struct pt_seg_ent *e)
{
	if (s->n_sealed == s->cap_sealed) {
		size_t cap = s->cap_sealed ? 2 * s->cap_sealed : 16;
		void *p = realloc(s->sealed, cap * sizeof(*s->sealed));

		if (!p)
			return -ENOMEM;
		s->sealed = p;
		s->cap_sealed = cap;
	}
	s->sealed[s->n_sealed++] = *e;
	return 0;
}

/*
 * Create seg-SEQ.pta (header written to a .tmp, fsynced, renamed) as the
 * active segment and call opts.on_new_segment. On failure no active segment
 * is left (s->fd = -1) and -errno is returned.
 */
/*
 * 1 when a failure to start a segment is to be logged: the first, then once a
 * minute while they go on (appends retry every second: newseg_retry).
 */
static bool newseg_say(struct pt_store *s)
{
	__u64 now = pt_now_ns(CLOCK_BOOTTIME);

	if (s->newseg_said_ns && now - s->newseg_said_ns < 60000000000ULL)
		return false;
	s->newseg_said_ns = now;
	return true;
}

int pt_store_new_segment(struct pt_store *s)
{
	char name[64], tmp[80];
	struct pt_seg_hdr *h = &s->hdr;
	int fd, err;

	memset(h, 0, sizeof(*h));
	h->magic = PT_SEG_MAGIC_ACTIVE;
	h->version = PT_STORE_VERSION;
	h->seq = s->next_seq;
	h->created_realtime_ns = pt_now_ns(CLOCK_REALTIME);
	h->created_boottime_ns = pt_now_ns(CLOCK_BOOTTIME);
	memcpy(h->hostname, s->hostname, sizeof(h->hostname));
	memcpy(h->boot_id, s->boot_id, sizeof(h->boot_id));
	pt_seg_hdr_seal(h);
	pt_seg_name(name, sizeof(name), h->seq, PT_SEG_ACTIVE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);

	fd = openat(s->dfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		if (newseg_say(s))
			pt_err("store: cannot create %s/%s: %s", s->dir, tmp, strerror(-err));
		return err;
	}
	err = pt_write_full(fd, h, sizeof(*h));
	if (!err && fsync(fd))
		err = -errno;
	if (!err && renameat(s->dfd, tmp, s->dfd, name))
		err = -errno;
	if (!err && fsync(s->dfd))
		err = -errno;
	if (err) {
		if (newseg_say(s))
			pt_err("store: cannot create segment %s/%s: %s", s->dir, name, strerror(-err));
		close(fd);
		unlinkat(s->dfd, tmp, 0);
		return err;
	}
	if (s->newseg_said_ns)
		pt_info("store: %s: writing again, into segment %s", s->dir, name);
	s->newseg_said_ns = 0;
	s->seal_failed_ns = 0;	/* a new segment: its seal is tried when due */
	s->next_seq++;
	s->fd = fd;
	s->off = sizeof(*h);
	s->trust_from = s->off;
	s->act_raw = 0;
	s->act_recs = 0;
	if (s->opts.on_new_segment) {
		s->in_cb = true;
		err = s->opts.on_new_segment(s, s->opts.ctx);
		s->in_cb = false;
		if (err)
			pt_warn("store: on_new_segment for %s/%s failed: %s", s->dir, name,
				strerror(err < 0 ? -err : err));
	}
	return 0;
}

int pt_store_seal_active(struct pt_store *s, bool start_new)
{
	struct pt_seal_out so;
	struct pt_seg_ent e;
	char name[64];
	int err;

	if (s->fd < 0 || !s->act_recs)
		return 0;
	err = pt_seal_file(s->dfd, s->dir, s->fd, s->trust_from, &s->hdr, s->cursors, s->n_cursors,
			   s->opts.zlevel, &so);
	if (err)
		return err;
	e = (struct pt_seg_ent){
		.seq = s->hdr.seq, .bytes = so.file_bytes, .t_max = so.t_max,
		.mtime_ns = pt_now_ns(CLOCK_REALTIME), .t_valid = so.t_min <= so.t_max,
		.same_boot = true,
	};
	err = pt_store_sealed_add(s, &e);
	if (err)
		return err;
	s->stats.sealed_segments++;
	s->stats.sealed_raw_bytes += so.raw_bytes;
	s->stats.sealed_file_bytes += so.file_bytes;
	pt_seg_name(name, sizeof(name), s->hdr.seq, PT_SEG_ACTIVE);
	if (unlinkat(s->dfd, name, 0))
		pt_warn("store: cannot remove sealed %s/%s: %s", s->dir, name, strerror(errno));
	close(s->fd);
	s->fd = -1;
	return start_new ? pt_store_new_segment(s) : 0;
}

int pt_store_open(const char *dir, const struct pt_store_opts *opts, struct pt_store **out)
{
	struct pt_store *s;
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dfd = s->lock_fd = s->fd = -1;
	if (opts)
		s->opts = *opts;
	if (!s->opts.seg_max_bytes)
		s->opts.seg_max_bytes = DEF_SEG_MAX_BYTES;
	if (!s->opts.seg_max_age_ns)
		s->opts.seg_max_age_ns = DEF_SEG_MAX_AGE_NS;
	s->dir = strdup(dir);
	if (!s->dir) {
		err = -ENOMEM;
		goto fail;
	}
	if (s->opts.hostname)
		snprintf(s->hostname, sizeof(s->hostname), "%s", s->opts.hostname);
	else if (gethostname(s->hostname, sizeof(s->hostname) - 1))
		snprintf(s->hostname, sizeof(s->hostname), "unknown");
	if (s->opts.boot_id)
		snprintf(s->boot_id, sizeof(s->boot_id), "%s", s->opts.boot_id);
	else
		read_boot_id(s->boot_id, sizeof(s->boot_id));
	s->opts.hostname = s->hostname;
	s->opts.boot_id = s->boot_id;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = -errno;
		pt_err("store: cannot create directory %s: %s", dir, strerror(-err));
		goto fail;
	}
	s->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dfd < 0) {
		err = -errno;
		pt_err("store: cannot open directory %s: %s", dir, strerror(-err));
		goto fail;
	}
	err = store_lock(s);
	if (err)
		goto fail;
	s->next_seq = 1;
	err = pt_store_recover(s);
	if (err)
		goto fail;
	if (s->fd < 0) {
		err = pt_store_new_segment(s);
		if (err)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	pt_store_close(s);
	return err;
}

#define SEAL_RETRY_NS	10000000000ULL	/* a failed seal is tried again after this long */

static void maybe_seal(struct pt_store *s)
{
	__u64 now = pt_now_ns(CLOCK_BOOTTIME), age = now - s->hdr.created_boottime_ns;
	__u64 seq = s->hdr.seq;
	int err;

	if (s->in_cb || (s->act_raw < s->opts.seg_max_bytes && age < s->opts.seg_max_age_ns))
		return;
	/* not on every append while it fails: each try reads and compresses the whole segment */
	if (s->seal_failed_ns && now - s->seal_failed_ns < SEAL_RETRY_NS)
		return;
	err = pt_store_seal_active(s, false);
	if (err) {
		pt_err("store: sealing segment %llu of %s failed (%s); it stays active, tried again in %llu s",
		       (unsigned long long)seq, s->dir, strerror(-err), SEAL_RETRY_NS / 1000000000ULL);
		s->seal_failed_ns = now;
		return;
	}
	s->seal_failed_ns = 0;
	if (s->opts.retain_bytes || s->opts.retain_age_ns)
		pt_store_retain(s);
	s->newseg_tried_ns = now;
	if (pt_store_new_segment(s))
		pt_err("store: %s: segment %llu sealed, but no next one could be started; records wait in the "
		       "ring buffers, tried again every half second", s->dir, (unsigned long long)seq);
}

/*
 * An append without an active segment (starting one failed: disk full, ...):
 * try again, at most every 0.5 s. 0 when there is one now, else -errno.
 */
static int newseg_retry(struct pt_store *s)
{
	__u64 now = pt_now_ns(CLOCK_BOOTTIME);

	/* (under the collector's 1 s tick, so that a tick's append always tries) */
	if (s->in_cb || now - s->newseg_tried_ns < 500000000ULL)
		return -EIO;
	s->newseg_tried_ns = now;
	return pt_store_new_segment(s);
}

int pt_store_append(struct pt_store *s, const void *recs, size_t len, __u32 n_recs,
		    const __u64 cursor[2])
{
	struct pt_frame_hdr fh = { .magic = PT_FRAME_MAGIC, .len = len, .n_recs = n_recs };
	struct iovec iov[2];
	size_t done = 0, total = sizeof(fh) + len;
	int err;

	if (!s || (len && !recs))
		return -EINVAL;
	if (s->fd < 0 && (err = newseg_retry(s)))
		return err;	/* newseg_say() says why */
	if (len > PT_FRAME_MAX || pt_recs_check(recs, len, n_recs)) {
		pt_err("store: append to %s: batch of %u records in %zu bytes is malformed or too big",
		       s->dir, n_recs, len);
		return -EINVAL;
	}
	if (!n_recs && !cursor)
		return 0;
	if (cursor) {
		fh.flags = PT_FRAME_F_CURSOR;
		fh.ring_key = cursor[0];
		fh.pos = cursor[1];
	}
	fh.crc = pt_crc32(pt_crc32(0, &fh, sizeof(fh)), recs, len);

	while (done < total) {
		ssize_t n;
		int cnt = 0;

		if (done < sizeof(fh))
			iov[cnt++] = (struct iovec){ (char *)&fh + done, sizeof(fh) - done };
		if (len) {
			size_t skip = done > sizeof(fh) ? done - sizeof(fh) : 0;

			iov[cnt++] = (struct iovec){ (char *)recs + skip, len - skip };
		}
		n = pwritev(s->fd, iov, cnt, s->off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			char name[64];

			err = n < 0 ? -errno : -ENOSPC;
			pt_seg_name(name, sizeof(name), s->hdr.seq, PT_SEG_ACTIVE);
			pt_err("store: cannot append %zu bytes to %s/%s: %s", total, s->dir, name,
			       strerror(-err));
			if (ftruncate(s->fd, s->off))
				pt_err("store: cannot cut %s/%s back to %llu: %s", s->dir, name,
				       (unsigned long long)s->off, strerror(errno));
			return err;
		}
		done += n;
	}
	s->off += total;
	s->act_raw += len;
	s->act_recs += n_recs;
	s->stats.records += n_recs;
	s->stats.batches++;
	s->stats.raw_bytes += len;
	if (cursor)
		pt_store_cursor_set(s, cursor[0], cursor[1]);
	maybe_seal(s);
	return 0;
}

bool pt_store_removed(const struct pt_store *s)
{
	struct stat st;

	return s && s->dfd >= 0 && !fstat(s->dfd, &st) && st.st_nlink == 0;
}

int pt_store_sync(struct pt_store *s)
{
	int err;

	if (!s || s->fd < 0)
		return 0;
	if (fsync(s->fd)) {
		err = -errno;
		pt_err("store: cannot fsync segment %llu of %s: %s", (unsigned long long)s->hdr.seq,
		       s->dir, strerror(-err));
		return err;
	}
	return 0;
}

int pt_store_seal(struct pt_store *s)
{
	int err;

	if (!s)
		return -EINVAL;
	if (s->in_cb)
		return 0;
	err = pt_store_seal_active(s, true);
	if (err)
		pt_err("store: sealing segment %llu of %s failed: %s", (unsigned long long)s->hdr.seq,
		       s->dir, strerror(-err));
	return err;
}

static bool seg_expired(const struct pt_store *s, const struct pt_seg_ent *e)
{
	__u64 now, t;

	if (!s->opts.retain_age_ns)
		return false;
	/* as differences: an age of 200000 days added to a time wraps */
	if (e->t_valid && e->same_boot)
		now = pt_now_ns(CLOCK_BOOTTIME), t = e->t_max;
	else
		now = pt_now_ns(CLOCK_REALTIME), t = e->mtime_ns;
	return now > t && now - t > s->opts.retain_age_ns;
}

int pt_store_retain(struct pt_store *s)
{
	__u64 total = s->fd >= 0 ? s->off : 0;
	size_t i, del = 0;
	int deleted = 0;

	for (i = 0; i < s->n_sealed; i++)
		total += s->sealed[i].bytes;
	for (i = 0; i < s->n_sealed; i++) {
		struct pt_seg_ent *e = &s->sealed[i];
		bool over = s->opts.retain_bytes && total > s->opts.retain_bytes;
		char name[64];

		if (!over && !seg_expired(s, e)) {
			s->sealed[del++] = *e;
			continue;
		}
		pt_seg_name(name, sizeof(name), e->seq, PT_SEG_SEALED);
		if (unlinkat(s->dfd, name, 0) && errno != ENOENT) {
			pt_err("store: retention cannot remove %s/%s: %s", s->dir, name, strerror(errno));
			s->sealed[del++] = *e;
			continue;
		}
		pt_info("store: retention removed %s/%s (%llu bytes)", s->dir, name,
			(unsigned long long)e->bytes);
		total -= e->bytes;
		deleted++;
	}
	s->n_sealed = del;
	s->stats.deleted_segments += deleted;
	return deleted;
}

__u64 pt_store_cursor(const struct pt_store *s, __u64 ring_key, bool *found)
{
	__u32 i;

	for (i = 0; i < s->n_cursors; i++) {
		if (s->cursors[i].ring_key == ring_key) {
			*found = true;
			return s->cursors[i].pos;
		}
	}
	*found = false;
	return 0;
}

const struct pt_store_stats *pt_store_get_stats(const struct pt_store *s)
{
	return &s->stats;
}

void pt_store_close(struct pt_store *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		pt_store_sync(s);
		close(s->fd);
	}
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->dfd >= 0)
		close(s->dfd);
	free(s->sealed);
	free(s->dir);
	free(s);
}
