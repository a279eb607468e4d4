// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay_owner.c — which re-run process made a connection the replayer
 * accepted: the client's socket is looked up by its addresses with sock_diag
 * (in the replay namespace, where both ends are), and its inode among the
 * open files (/proc/PID/fd) of the processes of the re-run's tree.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include "userland/replay_int.h"

int pt_replay_diag_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return fd < 0 ? -errno : fd;
}

/* addr and port of a socket address (AF_INET or AF_INET6) into the diag id's form. */
static void id_ep(const struct sockaddr_storage *ss, __be32 addr[4], __be16 *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		memcpy(addr, &s4->sin_addr, 4);
		*port = s4->sin_port;
	} else {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		memcpy(addr, &s6->sin6_addr, 16);
		*port = s6->sin6_port;
	}
}

/*
 * The inode of the TCP socket whose local end is ss_local and remote end
 * ss_remote. >0, 0 none (or orphaned: closed by its process), -errno.
 */
static long long sock_inode(int diag_fd, const struct sockaddr_storage *local, const struct sockaddr_storage *remote)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST },
		.r = { .sdiag_family = (__u8)local->ss_family, .sdiag_protocol = IPPROTO_TCP, .idiag_states = ~0u,
		       .id.idiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE } },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t len;

	/* an exact lookup (not a dump): src is the socket's local end, dst its remote one */
	id_ep(local, req.r.id.idiag_src, &req.r.id.idiag_sport);
	id_ep(remote, req.r.id.idiag_dst, &req.r.id.idiag_dport);
	if (sendto(diag_fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	len = recv(diag_fd, buf, sizeof(buf), 0);
	if (len < 0)
		return -errno;
	for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			return e->error == -ENOENT ? 0 : e->error;
		}
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
			return (long long)((const struct inet_diag_msg *)NLMSG_DATA(h))->idiag_inode;
	}
	return 0;
}

/* Does pid have socket:[inode] open? */
static bool holds(pid_t pid, const char *want)
{
	char dir[64], link[PATH_MAX], target[64];
	struct dirent *d;
	bool found = false;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	dp = opendir(dir);
	if (!dp)
		return false;	/* gone */
	while (!found && (d = readdir(dp))) {
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		found = !strcmp(target, want);
	}
	closedir(dp);
	return found;
}

pid_t pt_replay_owner(int diag_fd, int fd, const struct pt_rtree *t)
{
	struct sockaddr_storage us, them;
	socklen_t ul = sizeof(us), tl = sizeof(them);
	pid_t best = 0;
	unsigned best_depth = 0;
	char want[48];
	long long ino;

	if (getsockname(fd, (struct sockaddr *)&us, &ul) || getpeername(fd, (struct sockaddr *)&them, &tl))
		return -errno;
	if (us.ss_family != AF_INET && us.ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	/* the client's socket: local end = our peer, remote end = us */
	ino = sock_inode(diag_fd, &them, &us);
	if (ino <= 0)
		return (pid_t)ino;
	snprintf(want, sizeof(want), "socket:[%lld]", ino);
	for (size_t i = 0; i < pt_rtree_count(t); i++) {
		pid_t pid = pt_rtree_pid(t, i);
		unsigned d = pt_rtree_depth(t, i);

		/* an inherited socket: the holder nearest the root made it */
		if ((!best || d < best_depth) && holds(pid, want)) {
			best = pid;
			best_depth = d;
		}
	}
	return best;
}
