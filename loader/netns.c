// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/log.h"
#include "loader/netns.h"

static int open_ns(const char *name)
{
	char path[256];

	if (!name || !*name)
		return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (strchr(name, '/')) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

uint64_t pt_netns_ino(const char *name)
{
	struct stat st;
	int fd = open_ns(name);
	uint64_t ino = 0;

	if (fd < 0)
		return 0;
	if (!fstat(fd, &st))
		ino = st.st_ino;
	close(fd);
	return ino;
}

int pt_netns_enter(const char *name, struct pt_netns_guard *g, uint64_t *ino)
{
	struct stat st;
	int fd, err;

	g->orig_fd = -1;
	fd = open_ns(name);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			pt_err("no network namespace named '%s' (see `ip netns list`)", name);
		else
			pt_err("cannot open network namespace '%s': %s", name ? name : "", strerror(-err));
		return err;
	}
	if (ino)
		*ino = fstat(fd, &st) ? 0 : st.st_ino;
	if (!name || !*name) {
		close(fd);
		return 0;
	}
	g->orig_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (g->orig_fd < 0 || setns(fd, CLONE_NEWNET)) {
		err = -errno;
		pt_err("cannot enter network namespace '%s': %s", name, strerror(-err));
		close(fd);
		if (g->orig_fd >= 0)
			close(g->orig_fd);
		g->orig_fd = -1;
		return err;
	}
	close(fd);
	return 0;
}

void pt_netns_leave(struct pt_netns_guard *g)
{
	if (!g || g->orig_fd < 0)
		return;
	if (setns(g->orig_fd, CLONE_NEWNET)) {
		pt_err("cannot return to the original network namespace: %s", strerror(errno));
		abort();
	}
	close(g->orig_fd);
	g->orig_fd = -1;
}
