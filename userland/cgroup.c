// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include "userland/cgroup.h"
#include "userland/ptx_esc.h"

int pt_cgroup_v2_mount(char *buf, size_t len)
{
	struct mntent *m;
	FILE *f = setmntent("/proc/self/mounts", "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(buf, len, "%s", m->mnt_dir);
			err = 0;
			break;
		}
	}
	endmntent(f);
	return err;
}

int pt_cgroup_v2_check(int fd, const char *path, char *err, size_t errlen)
{
	char mnt[256];
	struct statfs sf;

	if (fstatfs(fd, &sf))
		return -errno;
	if (sf.f_type == CGROUP2_SUPER_MAGIC)
		return 0;
	if (pt_cgroup_v2_mount(mnt, sizeof(mnt)))
		snprintf(err, errlen, "%s is not a cgroup v2 directory, and no cgroup v2 hierarchy is mounted "
			 "(mount -t cgroup2 none /sys/fs/cgroup/unified)", path);
	else
		snprintf(err, errlen, "%s is not a cgroup v2 directory (cgroup v2 is mounted at %s)", path, mnt);
	return -ENOTDIR;
}

/* The caller's cgroup v2 path ("/a/b", "/" at the root) from /proc/self/cgroup; 0 or -errno. */
static int own_cgroup(char *buf, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "0::", 3)) {
			size_t n;

			line[strcspn(line, "\n")] = 0;
			n = strlen(line + 3);
			err = n < len ? 0 : -ENAMETOOLONG;
			if (!err)
				memcpy(buf, line + 3, n + 1);
			break;
		}
	}
	fclose(f);
	return err;
}

int pt_cgroup_create(const char *name, struct pt_cgroup *cg, char *err, size_t errlen)
{
	char mnt[256], own[512];
	int rc;

	cg->path[0] = 0;
	cg->fd = -1;
	rc = pt_cgroup_v2_mount(mnt, sizeof(mnt));
	if (rc) {
		snprintf(err, errlen, "no cgroup v2 hierarchy is mounted (needed to follow the command's "
			 "processes): mount -t cgroup2 none /sys/fs/cgroup/unified");
		return rc;
	}
	rc = own_cgroup(own, sizeof(own));
	if (rc) {
		snprintf(err, errlen, "cannot tell this process's cgroup v2 from /proc/self/cgroup: %s",
			 strerror(-rc));
		return rc;
	}
	if ((size_t)snprintf(cg->path, sizeof(cg->path), "%s%s/%s", mnt, strcmp(own, "/") ? own : "", name) >=
	    sizeof(cg->path)) {
		cg->path[0] = 0;
		snprintf(err, errlen, "cgroup path too long");
		return -ENAMETOOLONG;
	}
	if (mkdir(cg->path, 0755)) {
		rc = -errno;
		snprintf(err, errlen, "cannot create cgroup %s: %s", cg->path, strerror(-rc));
		cg->path[0] = 0;
		return rc;
	}
	cg->fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open cgroup %s: %s", cg->path, strerror(-rc));
		rmdir(cg->path);
		cg->path[0] = 0;
		return rc;
	}
	return 0;
}

/* Processes directly in cgroup dir (lines of its cgroup.procs), or -errno. */
static int count_procs(const char *dir)
{
	char path[1024], line[64];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

int pt_cgroup_nprocs(const struct pt_cgroup *cg)
{
	char path[1024], line[64];
	FILE *f;

	/* cgroup.events "populated" covers descendants; count this level for the message */
	snprintf(path, sizeof(path), "%s/cgroup.events", cg->path);
	f = fopen(path, "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "populated ", 10) && line[10] == '0') {
				fclose(f);
				return 0;
			}
		}
		fclose(f);
	}
	int n = count_procs(cg->path);

	return n == 0 ? 1 : n;	/* populated but none at this level: some below */
}

int pt_cgroup_kill(const struct pt_cgroup *cg, int timeout_ms)
{
	char path[1024];
	struct timespec t0, t;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/cgroup.kill", cg->path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = write(fd, "1", 1) == 1 ? 0 : -errno;
	close(fd);
	if (rc)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		rc = pt_cgroup_nprocs(cg);
		if (rc <= 0)
			return rc;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > timeout_ms)
			return -ETIMEDOUT;
		poll(NULL, 0, 10);
	}
}

int pt_cgroup_remove(struct pt_cgroup *cg)
{
	int rc = 0;

	if (!cg)
		return 0;
	if (cg->fd >= 0)
		close(cg->fd);
	cg->fd = -1;
	if (cg->path[0] && rmdir(cg->path) && errno != ENOENT)
		rc = -errno;
	cg->path[0] = 0;
	return rc;
}

int pt_cgroup_spawn(const struct pt_cgroup *cg, const char *exe, char *const *argv, char *const *envp,
		    const char *cwd, char *err, size_t errlen)
{
	struct clone_args ca = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (__u64)cg->fd };
	char ew[256], cw[256];	/* exe and cwd may come from a recording: printed escaped */
	long pid;

	fflush(NULL);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		int rc = -errno;

		snprintf(err, errlen, "cannot start %s in cgroup %s (clone3 CLONE_INTO_CGROUP, Linux >= 5.7): %s",
			 pt_esc_word(ew, sizeof(ew), exe, strlen(exe)), cg->path, strerror(-rc));
		return rc;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (cwd && chdir(cwd)) {
			fprintf(stderr, "provtap: cannot enter %s to run %s: %s\n", pt_esc_word(cw, sizeof(cw), cwd, strlen(cwd)),
				pt_esc_word(ew, sizeof(ew), exe, strlen(exe)), strerror(errno));
			_exit(126);
		}
		execve(exe, argv, envp);
		fprintf(stderr, "provtap: cannot execute %s: %s\n", pt_esc_word(ew, sizeof(ew), exe, strlen(exe)),
			strerror(errno));
		_exit(126);
	}
	return (int)pid;
}
