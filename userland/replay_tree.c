// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay_tree.c — the re-run's process tree, followed through the kernel's
 * proc connector (NETLINK_CONNECTOR, CN_IDX_PROC), so that each re-run
 * process has the tree position the recording gives its counterpart
 * (pt_ptx_tree_pos): a launch has the recorded position of the process it
 * re-runs, a process its parent's position and its index among the parent's
 * children in fork order. Only process forks count (a thread's clone does
 * not), as in the recording's process model.
 *
 * The connector sends a fork event before the child first runs, so once the
 * socket is drained the parent of any connection the re-run made is known.
 * Events are system-wide: those of processes outside the tree are dropped.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include "userland/replay_int.h"

#define RCVBUF		(4 << 20)	/* events of the whole system queue here between drains */
#define ACK_WAIT_MS	1000		/* for the kernel to confirm the subscription */
#define SUB_ACK		0x70747270	/* our subscription's ack number: the kernel's ack to it says SUB_ACK + 1 */

struct node {
	pid_t pid;
	unsigned children;		/* forked so far */
	unsigned depth;			/* dots in pos; UINT_MAX when pos is "" */
	char pos[PT_REPLAY_POS_LEN];	/* "" when too deep to say */
};

struct pt_rtree {
	int fd;
	struct node *v;			/* the tree's live processes */
	size_t n, cap;
};

/* Send the multicast operation op to the connector. 0 or -errno. */
static int send_op(int fd, enum proc_cn_mcast_op op)
{
	char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(op))] __attribute__((aligned(NLMSG_ALIGNTO))) = {};
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct cn_msg *cn = NLMSG_DATA(nlh);

	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*cn) + sizeof(op));
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_pid = 0;
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->ack = SUB_ACK;
	cn->len = sizeof(op);
	memcpy(cn->data, &op, sizeof(op));
	return send(fd, buf, nlh->nlmsg_len, 0) < 0 ? -errno : 0;
}

static struct node *find(const struct pt_rtree *t, pid_t pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == pid)
			return &t->v[i];
	return NULL;
}

/* Add (or, for a reused pid, replace) pid at pos. 0 or -ENOMEM. */
static int add(struct pt_rtree *t, pid_t pid, const char *pos)
{
	struct node *nd = find(t, pid);

	if (!nd) {
		if (t->n == t->cap) {
			size_t nc = t->cap ? t->cap * 2 : 16;
			struct node *v = realloc(t->v, nc * sizeof(*v));

			if (!v)
				return -ENOMEM;
			t->v = v;
			t->cap = nc;
		}
		nd = &t->v[t->n++];
	}
	nd->pid = pid;
	nd->children = 0;
	snprintf(nd->pos, sizeof(nd->pos), "%s", pos);
	nd->depth = nd->pos[0] ? 0 : UINT_MAX;
	for (const char *c = nd->pos; *c; c++)
		nd->depth += *c == '.';
	return 0;
}

/* One event. 1 it was the ack of our subscription (*ack_err its error), else 0; -ENOMEM. */
static int apply(struct pt_rtree *t, const struct cn_msg *cn, int *ack_err)
{
	const struct proc_event *ev = (const void *)cn->data;
	char pos[PT_REPLAY_POS_LEN];
	struct node *parent;
	int n;

	if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC || cn->len < sizeof(*ev))
		return 0;
	switch (ev->what) {
	case PROC_EVENT_NONE:
		if (cn->ack != SUB_ACK + 1)
			return 0;
		*ack_err = (int)ev->event_data.ack.err;
		return 1;
	case PROC_EVENT_FORK:
		/* a thread (child pid != its tgid) is not a process of the tree */
		if (ev->event_data.fork.child_pid != ev->event_data.fork.child_tgid)
			return 0;
		parent = find(t, ev->event_data.fork.parent_tgid);
		if (!parent)
			return 0;
		n = parent->pos[0] ? snprintf(pos, sizeof(pos), "%s.%u", parent->pos, parent->children) : -1;
		parent->children++;
		return add(t, ev->event_data.fork.child_tgid, n >= 0 && (size_t)n < sizeof(pos) ? pos : "");
	case PROC_EVENT_EXIT:
		if (ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid) {
			struct node *nd = find(t, ev->event_data.exit.process_tgid);

			if (nd)
				*nd = t->v[--t->n];
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * Read what is queued. 0, -EAGAIN nothing more, 1 the ack came (*ack_err),
 * -ENOBUFS events were lost, -ENOMEM.
 */
static int read_some(struct pt_rtree *t, int *ack_err)
{
	char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl from;
	socklen_t fl = sizeof(from);
	ssize_t len = recvfrom(t->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	int acked = 0;

	if (len < 0)
		return errno == EINTR ? 0 : -errno;
	if (from.nl_pid != 0)	/* not the kernel's */
		return 0;
	for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
		const struct cn_msg *cn = NLMSG_DATA(h);
		int r;

		if (h->nlmsg_type != NLMSG_DONE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*cn)) ||
		    h->nlmsg_len - NLMSG_LENGTH(sizeof(*cn)) < cn->len)
			continue;
		r = apply(t, cn, ack_err);
		if (r < 0)
			return r;
		acked |= r;
	}
	return acked;
}

int pt_rtree_open(struct pt_rtree **out, char *err, size_t errlen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	struct pt_rtree *t = calloc(1, sizeof(*t));
	int rcvbuf = RCVBUF, ack_err = 0, r = 0, e = 0;

	*out = NULL;
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
	if (t->fd < 0 || bind(t->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = -errno;
		snprintf(err, errlen, "proc connector: %s", strerror(-e));
		goto cleanup;
	}
	if (setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	e = send_op(t->fd, PROC_CN_MCAST_LISTEN);
	if (e) {
		snprintf(err, errlen, "proc connector: subscribing: %s%s", strerror(-e),
			 e == -ECONNREFUSED ? " (it is only in the initial network namespace)" : "");
		goto cleanup;
	}
	/* the kernel acks a subscription it takes; outside the initial PID namespace it ignores it */
	for (__u64 end = pt_replay_now() + ACK_WAIT_MS * 1000000ull; r != 1;) {
		struct pollfd p = { .fd = t->fd, .events = POLLIN };
		__u64 now = pt_replay_now();

		if (now >= end) {
			e = -ETIMEDOUT;
			snprintf(err, errlen, "the proc connector did not confirm the subscription within %d ms "
				 "(outside the initial PID namespace it sends nothing)", ACK_WAIT_MS);
			goto cleanup;
		}
		if (poll(&p, 1, (int)((end - now) / 1000000ull) + 1) <= 0)
			continue;
		r = read_some(t, &ack_err);
		if (r < 0 && r != -EAGAIN && r != -ENOBUFS) {	/* others' events lost before we begin: harmless */
			e = r;
			snprintf(err, errlen, "proc connector: %s", strerror(-e));
			goto cleanup;
		}
	}
	if (ack_err) {
		e = -ack_err;
		snprintf(err, errlen, "proc connector: subscribing: %s", strerror(ack_err));
		goto cleanup;
	}
	*out = t;
	return 0;
cleanup:
	pt_rtree_free(t);
	return e;
}

int pt_rtree_root(struct pt_rtree *t, pid_t pid, const char *pos)
{
	return add(t, pid, pos);
}

int pt_rtree_drain(struct pt_rtree *t)
{
	int ack_err, r;

	/* with nothing of ours in the tree, only others' events were lost */
	while ((r = read_some(t, &ack_err)) >= 0 || (r == -ENOBUFS && !t->n))
		;
	return r == -EAGAIN || r == -EWOULDBLOCK ? 0 : r;
}

const char *pt_rtree_pos(const struct pt_rtree *t, pid_t pid)
{
	const struct node *nd = t ? find(t, pid) : NULL;

	return nd && nd->pos[0] ? nd->pos : NULL;
}

size_t pt_rtree_count(const struct pt_rtree *t)
{
	return t ? t->n : 0;
}

pid_t pt_rtree_pid(const struct pt_rtree *t, size_t i)
{
	return t->v[i].pid;
}

unsigned pt_rtree_depth(const struct pt_rtree *t, size_t i)
{
	return t->v[i].depth;
}

void pt_rtree_free(struct pt_rtree *t)
{
	if (!t)
		return;
	if (t->fd >= 0) {
		send_op(t->fd, PROC_CN_MCAST_IGNORE);
		close(t->fd);
	}
	free(t->v);
	free(t);
}
