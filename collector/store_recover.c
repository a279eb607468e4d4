// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store_recover.c — bring a store directory back to a consistent state when
 * its writer opens it: temporaries removed, interrupted seals finished or
 * redone, the torn tail of the active segment cut, cursors and the list of
 * sealed segments rebuilt.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "common/log.h"
#include "collector/store_int.h"

struct seg_pair {
	__u64 seq;
	bool pts, pta;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct seg_pair *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* List segments (sorted by seq) and delete temporaries. */
static int list_segments(struct pt_store *s, struct seg_pair **out, size_t *n_out)
{
	struct seg_pair *v = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int fd;

	fd = dup(s->dfd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		pt_err("store: cannot list %s: %s", s->dir, strerror(-err));
		return err;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		enum pt_seg_kind k;
		__u64 seq = 0;

		k = pt_seg_parse(de->d_name, &seq);
		if (k == PT_SEG_TMP) {
			pt_info("store: removing temporary %s/%s", s->dir, de->d_name);
			if (unlinkat(s->dfd, de->d_name, 0))
				pt_warn("store: cannot remove %s/%s: %s", s->dir, de->d_name,
					strerror(errno));
			continue;
		}
		if (k != PT_SEG_ACTIVE && k != PT_SEG_SEALED)
			continue;
		for (i = 0; i < n && v[i].seq != seq; i++)
			;
		if (i == n) {
			if (n == cap) {
				void *p;

				cap = cap ? 2 * cap : 64;
				p = realloc(v, cap * sizeof(*v));
				if (!p) {
					free(v);
					closedir(d);
					return -ENOMEM;
				}
				v = p;
			}
			v[n++] = (struct seg_pair){ .seq = seq };
		}
		if (k == PT_SEG_ACTIVE)
			v[i].pta = true;
		else
			v[i].pts = true;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), pair_cmp);
	*out = v;
	*n_out = n;
	return 0;
}

/*
 * Read a sealed segment's footer. Returns 0 (cursors merged, entry added),
 * -EBADMSG for a bad one (entry added without index when keep_bad), -errno.
 */
static int load_sealed(struct pt_store *s, __u64 seq, bool keep_bad)
{
	struct pt_footer_view fv;
	struct pt_seg_hdr hdr;
	struct pt_seg_ent e = { .seq = seq };
	const char *why = NULL;
	char name[64];
	struct stat st;
	__u64 where, bend;
	bool hdr_ok;
	__u32 i;
	int fd, err;

	pt_seg_name(name, sizeof(name), seq, PT_SEG_SEALED);
	fd = pt_openat_regular(s->dfd, name, O_RDONLY);
	if (fd < 0) {
		err = fd;
		pt_err("store: cannot open %s/%s: %s", s->dir, name,
		       err == -ENOTSUP ? "not a regular file (move it out of the store)" : strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	e.bytes = st.st_size;
	e.mtime_ns = (__u64)st.st_mtim.tv_sec * 1000000000ull + st.st_mtim.tv_nsec;
	err = pt_footer_load(fd, &hdr, &hdr_ok, &fv, &why, &where, &bend);
	close(fd);
	if (err == -EBADMSG) {
		if (keep_bad) {
			pt_warn("store: %s/%s: %s at offset %llu; readers will scan its blocks",
				s->dir, name, why, (unsigned long long)where);
			return pt_store_sealed_add(s, &e);
		}
		return err;
	}
	if (err) {
		pt_err("store: cannot read %s/%s: %s", s->dir, name, strerror(-err));
		return err;
	}
	for (i = 0; i < fv.f.n_cursors; i++)
		pt_store_cursor_set(s, fv.cursors[i].ring_key, fv.cursors[i].pos);
	e.t_valid = fv.f.t_min <= fv.f.t_max;
	e.t_max = fv.f.t_max;
	e.same_boot = !strncmp(hdr.boot_id, s->boot_id, sizeof(hdr.boot_id));
	pt_footer_free(&fv);
	return pt_store_sealed_add(s, &e);
}

/*
 * Scan the frames of an active segment: merge cursors, count records, and cut
 * a torn tail (an incomplete or bad frame with no good frame after it).
 * Returns 0 with s->off etc. describing the segment, or -errno.
 */
static int scan_active(struct pt_store *s, int fd, const char *name)
{
	struct pt_frame_iter it = { .fd = fd, .off = sizeof(struct pt_seg_hdr) };
	const char *why = "incomplete frame";
	int ret;

	s->act_raw = s->act_recs = 0;
	for (;;) {
		ret = pt_frame_read(&it, &why);
		if (ret < 0) {
			pt_err("store: cannot read %s/%s: %s", s->dir, name, strerror(-ret));
			goto out;
		}
		if (ret == PT_FRAME_BAD) {
			__u64 next = pt_frame_resync(&it);

			if (next) {
				pt_warn("store: %s/%s: %s at offset %llu, %llu bytes skipped; "
					"later frames are good, so the region stays (readers skip it)",
					s->dir, name, why, (unsigned long long)it.off,
					(unsigned long long)(next - it.off));
				it.off = next;
				continue;
			}
		}
		if (ret != PT_FRAME_OK)
			break;
		if (it.fh.flags & PT_FRAME_F_CURSOR)
			pt_store_cursor_set(s, it.fh.ring_key, it.fh.pos);
		s->act_raw += it.fh.len;
		s->act_recs += it.fh.n_recs;
		it.off += sizeof(it.fh) + it.fh.len;
	}
	if (it.end > it.off) {
		__u64 cut = it.end - it.off;

		if (ret == PT_FRAME_END)
			why = "incomplete frame";
		pt_warn("store: %s/%s: torn tail (%s) at offset %llu: cutting %llu bytes", s->dir,
			name, why, (unsigned long long)it.off, (unsigned long long)cut);
		if (ftruncate(fd, it.off) || fsync(fd)) {
			ret = -errno;
			pt_err("store: cannot cut %s/%s to %llu bytes: %s", s->dir, name,
			       (unsigned long long)it.off, strerror(-ret));
			goto out;
		}
		s->stats.torn_bytes_cut += cut;
	}
	s->off = it.off;
	s->trust_from = it.off;	/* what is on disk now was verified just above */
	ret = 0;
out:
	pt_frame_iter_free(&it);
	return ret;
}

/*
 * An active segment found at open. The last one becomes the active segment
 * again when it was written on this host and boot; any other is sealed now.
 */
static int recover_active(struct pt_store *s, __u64 seq, bool last)
{
	char name[64], bad[80];
	struct stat st;
	ssize_t n;
	int fd, err;

	pt_seg_name(name, sizeof(name), seq, PT_SEG_ACTIVE);
	fd = pt_openat_regular(s->dfd, name, O_RDWR);
	if (fd < 0) {
		err = fd;
		pt_err("store: cannot open %s/%s: %s", s->dir, name,
		       err == -ENOTSUP ? "not a regular file (move it out of the store)" : strerror(-err));
		return err;
	}
	n = pt_pread_full(fd, &s->hdr, sizeof(s->hdr), 0);
	if (n < 0 || fstat(fd, &st)) {
		err = n < 0 ? n : -errno;
		pt_err("store: cannot read %s/%s: %s", s->dir, name, strerror(-err));
		close(fd);
		return err;
	}
	/* (another version's segment was refused before: other_version) */
	if (n < (ssize_t)sizeof(s->hdr) || pt_seg_hdr_check(&s->hdr, PT_SEG_MAGIC_ACTIVE) ||
	    s->hdr.seq != seq) {
		close(fd);
		snprintf(bad, sizeof(bad), "%s.bad", name);
		pt_err("store: %s/%s: bad segment header at offset 0; renamed to %s, not read",
		       s->dir, name, bad);
		if (renameat(s->dfd, name, s->dfd, bad)) {
			err = -errno;
			pt_err("store: cannot rename %s/%s: %s", s->dir, name, strerror(-err));
			return err;
		}
		return 0;
	}
	err = scan_active(s, fd, name);
	if (err) {
		close(fd);
		return err;
	}
	s->fd = fd;
	if (last && !strncmp(s->hdr.boot_id, s->boot_id, sizeof(s->hdr.boot_id)) &&
	    !strncmp(s->hdr.hostname, s->hostname, sizeof(s->hdr.hostname)))
		return 0;
	if (!s->act_recs) {
		pt_info("store: removing empty segment %s/%s", s->dir, name);
		unlinkat(s->dfd, name, 0);
		close(fd);
		s->fd = -1;
		return 0;
	}
	pt_info("store: sealing %s/%s left from an earlier run", s->dir, name);
	err = pt_store_seal_active(s, false);
	if (err)
		pt_err("store: cannot seal %s/%s: %s", s->dir, name, strerror(-err));
	return err;
}

/*
 * -EPROTONOSUPPORT (said) when a segment of dir is of another store format
 * version: another provtap's store, refused before anything in it changes
 * (recovery seals, cuts and removes segments of its own version). A header
 * that cannot be read is left to the recovery of that segment.
 */
static int other_version(const struct pt_store *s, const struct seg_pair *v, size_t n)
{
	struct pt_seg_hdr h;
	char name[64];
	int fd;

	for (size_t i = 0; i < 2 * n; i++) {
		const struct seg_pair *p = &v[i / 2];
		bool sealed = !(i & 1);

		if (!(sealed ? p->pts : p->pta))
			continue;
		pt_seg_name(name, sizeof(name), p->seq, sealed ? PT_SEG_SEALED : PT_SEG_ACTIVE);
		fd = pt_openat_regular(s->dfd, name, O_RDONLY);
		if (fd < 0)
			continue;
		if (pt_pread_full(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
		    pt_seg_hdr_check(&h, sealed ? PT_SEG_MAGIC_SEALED : PT_SEG_MAGIC_ACTIVE) == -EPROTONOSUPPORT) {
			close(fd);
			pt_err("store: %s/%s is of %s: give this collector a store directory of its own (nothing "
			       "was changed)", s->dir, name, pt_seg_version_why(h.version));
			return -EPROTONOSUPPORT;
		}
		close(fd);
	}
	return 0;
}

int pt_store_recover(struct pt_store *s)
{
	struct seg_pair *v = NULL;
	size_t n = 0, i;
	int err;

	err = list_segments(s, &v, &n);
	if (!err)
		err = other_version(s, v, n);
	if (err) {
		free(v);
		return err;
	}
	if (n)
		s->next_seq = v[n - 1].seq + 1;
	for (i = 0; i < n; i++) {
		char name[64];

		if (v[i].pts) {
			err = load_sealed(s, v[i].seq, !v[i].pta);
			if (!err && v[i].pta) {
				pt_seg_name(name, sizeof(name), v[i].seq, PT_SEG_ACTIVE);
				pt_info("store: %s/%s was sealed; removing its active copy", s->dir, name);
				if (unlinkat(s->dfd, name, 0))
					pt_warn("store: cannot remove %s/%s: %s", s->dir, name,
						strerror(errno));
				v[i].pta = false;
			} else if (err == -EBADMSG) {
				/* the .pta is intact: the seal did not commit */
				pt_seg_name(name, sizeof(name), v[i].seq, PT_SEG_SEALED);
				pt_warn("store: %s/%s is incomplete and its active segment exists; "
					"removing it to seal again", s->dir, name);
				unlinkat(s->dfd, name, 0);
				err = 0;
			}
			if (err)
				goto out;
		}
		if (v[i].pta) {
			err = recover_active(s, v[i].seq, i == n - 1);
			if (err)
				goto out;
		}
	}
out:
	free(v);
	return err;
}
