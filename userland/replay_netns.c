// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay_netns.c — the recording's network namespace names, seen by the
 * re-run. A recorded experiment that entered a namespace by name (`ip netns
 * exec h1`, `ip -n h1`, `nsenter --net=/run/netns/h1`, a --hosts-from host)
 * would, re-run as is, enter the host's namespace of that name (or fail when
 * it is gone): outside the replay's namespace, so its peers are not emulated,
 * its played clients never reach it, and a server waiting for them waits
 * forever. So the replay gets a private mount namespace in which /run/netns is
 * a tmpfs holding each name the recorded processes opened under /run/netns
 * (or /var/run/netns) without creating it, and each --hosts-from host, every
 * one a bind mount of the replay's own network namespace. A name the
 * recording does not know fails to open (the host's namespaces are not
 * reachable by name from the re-run); a name the experiment created itself
 * (`ip netns add`: opened with O_CREAT) is left for the re-run to create
 * again, in the tmpfs, gone with the replay.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/log.h"
#include "userland/ptx_esc.h"
#include "userland/replay_int.h"

#define NETNS_DIR	"/run/netns"
#define MAX_NAMES	256

/* Can s name an entry of /run/netns (one path component, not "." or "..")? */
static bool name_ok(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..") && strlen(s) <= NAME_MAX;
}

/* The name in "/run/netns/NAME" or "/var/run/netns/NAME", NULL if path is not one. */
static const char *ns_name(const char *path)
{
	static const char *const dirs[] = { "/run/netns/", "/var/run/netns/" };

	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		size_t n = strlen(dirs[i]);

		if (!strncmp(path, dirs[i], n) && name_ok(path + n))
			return path + n;
	}
	return NULL;
}

static bool has(char **names, unsigned n, const char *s)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return true;
	return false;
}

/* Was name created by a recorded process (opened with O_CREAT)? */
static bool created(const struct pt_ptx *x, const char *name)
{
	for (__u32 i = 0; i < x->nfiles; i++) {
		const char *s = ns_name(x->files[i].path ? x->files[i].path : "");

		if (s && !strcmp(s, name) && (x->files[i].open_flags & O_CREAT))
			return true;
	}
	return false;
}

/* Add s to names (a copy) unless there or the experiment created it. 0, or -ENOMEM / -E2BIG. */
static int add(const struct pt_ptx *x, char **names, unsigned *n, const char *s)
{
	if (has(names, *n, s) || created(x, s))
		return 0;
	if (*n >= MAX_NAMES)
		return -E2BIG;
	names[*n] = strdup(s);
	if (!names[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* The names to provide, into names (MAX_NAMES slots). 0 or -errno. */
static int collect(const struct pt_ptx *x, char **names, unsigned *n)
{
	int err = 0;

	for (__u32 i = 0; !err && i < x->nhosts; i++)
		if (x->hosts[i].netns_ino && name_ok(x->hosts[i].name))
			err = add(x, names, n, x->hosts[i].name);
	for (__u32 i = 0; !err && i < x->nfiles; i++) {
		const char *s = x->files[i].path ? ns_name(x->files[i].path) : NULL;

		if (s && !(x->files[i].open_flags & O_CREAT))
			err = add(x, names, n, s);
	}
	return err;
}

/* /run/netns/NAME: a bind mount of the calling thread's network namespace. 0 or -errno. */
static int bind_name(const char *name)
{
	char path[sizeof(NETNS_DIR) + NAME_MAX + 2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", NETNS_DIR, name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL))
		return -errno;
	return 0;
}

int pt_replay_netns(struct pt_replay *rp, bool *made_dir)
{
	const struct pt_ptx *x = rp->o->x;
	char *names[MAX_NAMES], list[512] = "";
	unsigned n = 0;
	size_t used = 0;
	int err;

	*made_dir = false;
	err = collect(x, names, &n);
	if (err) {
		pt_err("replay: %s", err == -E2BIG ? "the recording names more than 256 network namespaces" :
		       "out of memory");
		goto cleanup;
	}
	/* no name to give and none on the host to hide: nothing to do */
	if (!n && access(NETNS_DIR, F_OK))
		goto cleanup;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL)) {
		err = -errno;
		pt_err("replay: cannot create a mount namespace (for the recording's network namespace names): %s",
		       strerror(-err));
		goto cleanup;
	}
	if (mkdir(NETNS_DIR, 0755) == 0)
		*made_dir = true;
	else if (errno != EEXIST) {
		err = -errno;
		pt_err("replay: cannot create %s: %s", NETNS_DIR, strerror(-err));
		goto cleanup;
	}
	if (mount("provtap-replay", NETNS_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755")) {
		err = -errno;
		pt_err("replay: cannot mount a tmpfs on %s: %s", NETNS_DIR, strerror(-err));
		goto cleanup;
	}
	for (unsigned i = 0; i < n; i++) {
		char w[96];

		pt_esc_word(w, sizeof(w), names[i], strlen(names[i]));
		err = bind_name(names[i]);
		if (err) {
			pt_err("replay: cannot make %s/%s the replay's namespace: %s", NETNS_DIR, w, strerror(-err));
			goto cleanup;
		}
		if (used < sizeof(list) - 1)
			used += snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", w);
	}
	if (n)
		pt_replay_say(rp, "note: network namespace name(s) %s%s lead into the replay's own namespace here "
			      "(the host's namespaces are not reachable by name from the re-run)", list,
			      used >= sizeof(list) - 1 ? "..." : "");
cleanup:
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
	return err;
}

void pt_replay_netns_done(bool made_dir)
{
	/* the mounts are the private namespace's: they go with it; the directory is the host's */
	if (!made_dir)
		return;
	umount2(NETNS_DIR, MNT_DETACH);
	rmdir(NETNS_DIR);
}
