// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include "bpf/pkt.h"
#include "common/log.h"
#include "loader/pins.h"

const char *const pt_map_names[PT_MAP_NR] = {
	[PT_MAP_RING] = "pt_ring",	[PT_MAP_STATS] = "pt_stats",
	[PT_MAP_POLICY] = "pt_policy",	[PT_MAP_ACTIVE] = "pt_active",
	[PT_MAP_POINTS] = "pt_points",	[PT_MAP_REPORTED] = "pt_reported",
};

/* the layout of each (bpf/pkt_maps.bpf.h): type, key size, value size */
static const struct { __u32 type, key, value; } map_layout[PT_MAP_NR] = {
	[PT_MAP_RING] = { BPF_MAP_TYPE_RINGBUF, 0, 0 },
	[PT_MAP_STATS] = { BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(struct pt_point_stats) },
	[PT_MAP_POLICY] = { BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct pt_policy) },
	[PT_MAP_ACTIVE] = { BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u32) },
	[PT_MAP_POINTS] = { BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct pt_point_info) },
	[PT_MAP_REPORTED] = { BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64) },
};

const char *pt_pin_dir(void)
{
	const char *env = getenv("PROVTAP_PIN_DIR");

	return env && *env ? env : "/sys/fs/bpf/provtap";
}

char *pt_pin_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", pt_pin_dir(), rel);
	return buf;
}

void pt_pins_init(struct pt_pins *p)
{
	for (int i = 0; i < PT_MAP_NR; i++)
		p->fd[i] = -1;
	p->lock_fd = -1;
}

void pt_pins_close(struct pt_pins *p)
{
	if (!p)
		return;
	for (int i = 0; i < PT_MAP_NR; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	p->lock_fd = -1;
}

int pt_map_layout_check(int fd, const char *what, __u32 type, __u32 key_size, __u32 value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type == type && info.key_size == key_size && info.value_size == value_size)
		return 0;
	pt_err("map %s is not of this provtap's layout (type %u, key %u, value %u bytes; this provtap's: type "
	       "%u, key %u, value %u): the probes were loaded by another provtap version; unload them with that "
	       "one, or `provtap probe unload --all`", what, info.type, info.key_size, info.value_size, type,
	       key_size, value_size);
	return -EPROTO;
}

int pt_pin_map_open(const char *rel, __u32 type, __u32 key_size, __u32 value_size)
{
	char path[512];
	int fd, e;

	fd = bpf_obj_get(pt_pin_path(path, sizeof(path), rel));
	if (fd < 0)
		return -1;
	e = pt_map_layout_check(fd, path, type, key_size, value_size);
	if (e) {
		close(fd);
		errno = -e;
		return -1;
	}
	return fd;
}

int pt_pins_open(struct pt_pins *p)
{
	char path[512];
	int err;

	for (int i = 0; i < PT_MAP_NR; i++) {
		if (p->fd[i] >= 0)
			continue;
		p->fd[i] = pt_pin_map_open(pt_map_names[i], map_layout[i].type, map_layout[i].key,
					   map_layout[i].value);
		if (p->fd[i] < 0) {
			err = -errno;
			p->fd[i] = -1;
			if (err != -ENOENT && err != -EPROTO)
				pt_err("cannot open pinned map %s: %s",
				       pt_pin_path(path, sizeof(path), pt_map_names[i]), strerror(-err));
			for (int j = 0; j < PT_MAP_NR; j++) {
				if (p->fd[j] >= 0)
					close(p->fd[j]);
				p->fd[j] = -1;
			}
			return err;
		}
	}
	return 0;
}

/* mkdir -p for the pin dir; 0 or -errno. */
static int mkdirs(const char *dir)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int pt_pins_lock(struct pt_pins *p, bool create)
{
	struct statfs st;
	char links[512];
	int err;

	if (!create && access(pt_pin_dir(), F_OK))
		return -ENOENT;	/* nothing loaded: do not leave a directory behind */

	if (statfs("/sys/fs/bpf", &st) || st.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
			err = -errno;
			pt_err("bpffs is not mounted on /sys/fs/bpf and mounting it failed: %s", strerror(-err));
			return err;
		}
		pt_info("mounted bpffs on /sys/fs/bpf");
	}
	for (int tries = 0;; tries++) {
		struct stat ds;

		err = create ? mkdirs(pt_pin_dir()) : 0;
		if (!err && create)
			err = mkdirs(pt_pin_path(links, sizeof(links), "links"));
		if (err) {
			pt_err("cannot create pin directory %s: %s", pt_pin_dir(), strerror(-err));
			return err;
		}
		if (statfs(pt_pin_dir(), &st) || st.f_type != BPF_FS_MAGIC) {
			pt_err("pin directory %s is not on a bpf file system", pt_pin_dir());
			return -EINVAL;
		}
		p->lock_fd = open(pt_pin_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (p->lock_fd < 0 || flock(p->lock_fd, LOCK_EX)) {
			err = -errno;
			pt_err("cannot lock %s: %s", pt_pin_dir(), strerror(-err));
			return err;
		}
		/* an unload that held the lock may have removed the (then empty) directory */
		if (fstat(p->lock_fd, &ds) || ds.st_nlink || tries == 3)
			return 0;
		close(p->lock_fd);
		p->lock_fd = -1;
		if (!create)
			return -ENOENT;
	}
}

int pt_pins_remove_if_empty(void)
{
	char path[512];

	/* rmdir removes only empty directories: whatever is still pinned keeps them */
	if (rmdir(pt_pin_path(path, sizeof(path), "links")) && errno != ENOENT)
		return 0;
	if (rmdir(pt_pin_dir()) && errno != ENOENT) {
		/* links/ was empty but something else is here: put links/ back for its loader */
		mkdirs(path);
		return 0;
	}
	return 1;
}

int pt_pins_remove_all(void)
{
	char path[512];
	int err = 0;

	for (int i = 0; i < PT_MAP_NR; i++) {
		if (unlink(pt_pin_path(path, sizeof(path), pt_map_names[i])) && errno != ENOENT) {
			err = -errno;
			pt_err("cannot remove pin %s: %s", path, strerror(errno));
		}
	}
	if (rmdir(pt_pin_path(path, sizeof(path), "links")) && errno != ENOENT) {
		err = -errno;
		pt_err("cannot remove %s: %s (something else is pinned there?)", path, strerror(errno));
	}
	if (rmdir(pt_pin_dir()) && errno != ENOENT) {
		err = -errno;
		pt_err("cannot remove %s: %s (something else is pinned there?)", pt_pin_dir(), strerror(errno));
	}
	return err;
}
