/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cgroup.h — a private cgroup v2 for a recorded command: made below the
 * caller's own cgroup in the v2 hierarchy (found in /proc/self/mounts, so a
 * hybrid layout with v2 at /sys/fs/cgroup/unified works too), emptied and
 * removed afterwards. Its directory fd is what clone3(CLONE_INTO_CGROUP) and
 * the proc probes' cgroup scope take.
 */
#ifndef PROVTAP_CGROUP_H
#define PROVTAP_CGROUP_H

#include <stddef.h>

struct pt_cgroup {
	char path[512];		/* its directory; "" when none */
	int fd;			/* O_DIRECTORY fd of it, -1 when none */
};

/* Mount point of the cgroup v2 hierarchy into buf; 0 or -ENOENT (none), -errno. */
int pt_cgroup_v2_mount(char *buf, size_t len);

/*
 * 0 when the directory fd (named path, for the message) is in a cgroup v2
 * hierarchy; else -ENOTDIR with err saying where cgroup v2 is mounted (a
 * cgroup v1 directory, or a plain one, cannot scope the proc probes), or
 * -errno when it cannot be told.
 */
int pt_cgroup_v2_check(int fd, const char *path, char *err, size_t errlen);

/*
 * The level of cgroup v2 directory fd, as the kernel counts it (its root 0),
 * by walking ".." up to the hierarchy's root (inode 1). -1 when that root is
 * not reached (a cgroup namespace's or a bind mount's root shows another
 * directory there) or on an error.
 */
int pt_cgroup_level(int fd);

/*
 * Create the cgroup NAME below the caller's cgroup v2. Returns 0 and fills
 * *cg, or -errno with errlen bytes of explanation in err (-ENOENT: no cgroup
 * v2 is mounted). On error *cg is empty (path "", fd -1).
 */
int pt_cgroup_create(const char *name, struct pt_cgroup *cg, char *err, size_t errlen);

/*
 * Start exe with argv and envp as a child already inside the cgroup
 * (clone3 CLONE_INTO_CGROUP: its first instruction runs in it), in directory
 * cwd when not NULL, with SIGINT/SIGQUIT back to their defaults. Returns its
 * pid once it has exec'd, or -errno with err (errlen bytes). When the child
 * could not chdir or exec (a script whose #! interpreter is missing, say) it
 * has been reaped, *exec_errno (may be NULL) is its errno and err says what
 * failed; otherwise *exec_errno is 0.
 */
int pt_cgroup_spawn(const struct pt_cgroup *cg, const char *exe, char *const *argv, char *const *envp,
		    const char *cwd, int *exec_errno, char *err, size_t errlen);

/* Processes in the cgroup (and below it) now, or -errno. */
int pt_cgroup_nprocs(const struct pt_cgroup *cg);

/*
 * Kill every process in the cgroup (cgroup.kill, SIGKILL; before 5.14, which
 * has none, every process listed, each round) and wait up to timeout_ms for
 * it to be empty. 0, -ETIMEDOUT, or -errno.
 */
int pt_cgroup_kill(const struct pt_cgroup *cg, int timeout_ms);

/*
 * Close and remove the cgroup and the cgroups made inside it (they must be
 * empty). NULL-safe, idempotent; 0, or -errno with cg->path kept for the
 * message.
 */
int pt_cgroup_remove(struct pt_cgroup *cg);

#endif /* PROVTAP_CGROUP_H */
