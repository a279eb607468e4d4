// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <mntent.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

int pt_cgroup_level(int fd)
{
	struct stat st, up;
	int cur = dup(fd), lvl, next;

	for (lvl = 0; cur >= 0 && lvl < 4096; lvl++) {
		if (fstat(cur, &st))
			break;
		if (st.st_ino == 1) {
			close(cur);
			return lvl;
		}
		next = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = -1;
		if (next < 0)
			return -1;
		/* a mount's root: ".." is itself, or on another file system */
		if (fstat(next, &up) || up.st_dev != st.st_dev || up.st_ino == st.st_ino) {
			close(next);
			return -1;
		}
		cur = next;
	}
	if (cur >= 0)
		close(cur);
	return -1;
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

/* nftw: SIGKILL every process listed in this cgroup's cgroup.procs (and, walked, its children's). */
static int kill_listed(const char *path, const struct stat *st, int type, struct FTW *f)
{
	char procs[1100], line[32];
	FILE *in;

	(void)st;
	(void)f;
	if (type != FTW_D)
		return 0;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	in = fopen(procs, "re");
	if (!in)
		return 0;	/* gone meanwhile */
	while (fgets(line, sizeof(line), in)) {
		long pid = strtol(line, NULL, 10);

		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
	}
	fclose(in);
	return 0;
}

int pt_cgroup_kill(const struct pt_cgroup *cg, int timeout_ms)
{
	char path[1024];
	struct timespec t0, t;
	bool listed;
	int fd, rc;

	/* no cgroup.kill before 5.14 (PROVTAP_FAULT_NO_CGROUP_KILL: as if, for tests): each process
	 * listed is killed, again every round, for those forked meanwhile */
	snprintf(path, sizeof(path), "%s/cgroup.kill", cg->path);
	fd = getenv("PROVTAP_FAULT_NO_CGROUP_KILL") ? (errno = ENOENT, -1) : open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return -errno;
	listed = fd < 0;
	if (fd >= 0) {
		rc = write(fd, "1", 1) == 1 ? 0 : -errno;
		close(fd);
		if (rc)
			return rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (listed)
			nftw(cg->path, kill_listed, 16, FTW_PHYS);
		rc = pt_cgroup_nprocs(cg);
		if (rc <= 0)
			return rc;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > timeout_ms)
			return -ETIMEDOUT;
		poll(NULL, 0, 10);
	}
}

/* nftw: remove a child cgroup (a directory below the top, deepest first); files are the kernel's. */
static int rm_child(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	if (type == FTW_DP && f->level > 0 && rmdir(path) && errno != ENOENT)
		return -1;
	return 0;
}

int pt_cgroup_remove(struct pt_cgroup *cg)
{
	if (!cg)
		return 0;
	if (cg->fd >= 0)
		close(cg->fd);
	cg->fd = -1;
	if (!cg->path[0])
		return 0;
	/* cgroups the command made inside ours (emptied by pt_cgroup_kill) go first */
	if ((nftw(cg->path, rm_child, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT) ||
	    (rmdir(cg->path) && errno != ENOENT))
		return -errno;
	cg->path[0] = 0;
	return 0;
}

/* Why exe (which exists) failed to exec with ENOENT: its #! interpreter, into buf; else strerror. */
static const char *enoent_why(const char *exe, char *buf, size_t len)
{
	char line[256], w[200];
	ssize_t n;
	int fd = open(exe, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return strerror(ENOENT);
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 3 || line[0] != '#' || line[1] != '!')
		return strerror(ENOENT);
	line[n] = 0;
	char *p = line + 2 + strspn(line + 2, " \t"), *e = p + strcspn(p, " \t\n");

	*e = 0;
	snprintf(buf, len, "its interpreter %s (#! line) is not there", pt_esc_word(w, sizeof(w), p, strlen(p)));
	return buf;
}

int pt_cgroup_spawn(const struct pt_cgroup *cg, const char *exe, char *const *argv, char *const *envp,
		    const char *cwd, int *exec_errno, char *err, size_t errlen)
{
	struct clone_args ca = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (__u64)cg->fd };
	char ew[256], cw[256], why[256];	/* exe and cwd may come from a recording: printed escaped */
	int pfd[2], child[2] = { 0, 0 };	/* from the child: { step (1 chdir, 2 exec), errno } */
	long pid;
	ssize_t n;

	if (exec_errno)
		*exec_errno = 0;
	if (pipe2(pfd, O_CLOEXEC)) {
		int rc = -errno;

		snprintf(err, errlen, "cannot start %s: pipe: %s", pt_esc_word(ew, sizeof(ew), exe, strlen(exe)),
			 strerror(-rc));
		return rc;
	}
	fflush(NULL);
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		int rc = -errno;

		close(pfd[0]);
		close(pfd[1]);
		snprintf(err, errlen, "cannot start %s in cgroup %s (clone3 CLONE_INTO_CGROUP, Linux >= 5.7): %s",
			 pt_esc_word(ew, sizeof(ew), exe, strlen(exe)), cg->path, strerror(-rc));
		return rc;
	}
	if (pid == 0) {
		/* only async-signal-safe calls here: the parent may have threads (replay) */
		close(pfd[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		child[0] = 1;
		if (!cwd || !chdir(cwd)) {
			child[0] = 2;
			execve(exe, argv, envp);
		}
		child[1] = errno;
		(void)!write(pfd[1], child, sizeof(child));	/* the pipe closes on a successful exec */
		_exit(126);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], child, sizeof(child))) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	if (n != (ssize_t)sizeof(child))
		return (int)pid;	/* exec'd (the pipe closed empty) */
	while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (exec_errno)
		*exec_errno = child[1];
	if (child[0] == 1)
		snprintf(err, errlen, "cannot enter %s to run %s: %s", pt_esc_word(cw, sizeof(cw), cwd, strlen(cwd)),
			 pt_esc_word(ew, sizeof(ew), exe, strlen(exe)), strerror(child[1]));
	else
		snprintf(err, errlen, "cannot execute %s: %s", pt_esc_word(ew, sizeof(ew), exe, strlen(exe)),
			 child[1] == ENOENT ? enoent_why(exe, why, sizeof(why)) : strerror(child[1]));
	return child[1] ? -child[1] : -EIO;
}
