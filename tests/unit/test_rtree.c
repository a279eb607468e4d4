// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_rtree.c — userland/replay_tree.c, the replay's view of the re-run's
 * process tree through the kernel's proc connector, with real processes:
 * positions by fork order ("2" -> "2.0", "2.0.0", "2.1"; a thread's clone
 * does not count; a process outside the tree has none), exits removing
 * processes, a position too long to say ("" inside, NULL outside, depth
 * UINT_MAX), and lost events: when the socket overflows while the tree has
 * processes, pt_rtree_drain says -ENOBUFS (the replay then matches by order
 * alone); while it has none, the loss is only others' and is not reported.
 *
 * The proc connector needs root in the initial network and PID namespaces:
 * elsewhere "SKIP: reason" and exit 0, or fail when PROVTAP_REQUIRE_BPF=1
 * (set where the kernel-facing tests must run).
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "userland/replay_int.h"
#include "tests/support/checkrun.h"

/* a pipe whose read end blocks a process until the test closes the write end */
struct gate {
	int fd[2];
};

static void gate_open(struct gate *g)
{
	ck_assert_int_eq(pipe(g->fd), 0);
}

static void gate_wait(struct gate *g)
{
	char c;

	close(g->fd[1]);
	while (read(g->fd[0], &c, 1) > 0)
		;
}

static void gate_release(struct gate *g)
{
	close(g->fd[0]);
	close(g->fd[1]);
}

static void *idle_thread(void *arg)
{
	return arg;
}

/* who is which: processes write (tag, pid) pairs in whatever order they run */
enum { T_G0, T_GG0, T_G1, T_N };

static void put_pid(int fd, int tag, pid_t pid)
{
	int m[2] = { tag, pid };

	if (write(fd, m, sizeof(m)) != sizeof(m))	/* atomic: less than PIPE_BUF */
		_exit(3);
}

/* n pairs from fd into pid[tag] */
static void get_pids(int fd, pid_t *pid, int n)
{
	for (int i = 0; i < n; i++) {
		int m[2];

		ck_assert_int_eq(read(fd, m, sizeof(m)), sizeof(m));
		ck_assert_int_lt(m[0], T_N);
		pid[m[0]] = m[1];
	}
}

/* Reap every child of the calling process, then exit (in the test's children only). */
static void reap_and_exit(int code)
{
	while (wait(NULL) > 0)
		;
	_exit(code);
}

/* Fork a child that writes (tag, its pid) to out and waits for stop. */
static void fork_waiter(int out, int tag, struct gate *stop)
{
	if (fork() == 0) {
		put_pid(out, tag, getpid());
		gate_wait(stop);
		_exit(0);
	}
}

/*
 * The root process C, once go opens: forks G0, which starts and joins a
 * thread, then forks GG0; C then forks G1. Every new process writes its pid
 * to out and waits for stop; each reaps its children after stop. (The
 * kernel names a thread's parent the parent of its process: G0's thread is
 * announced as a fork by C, which must not count as C's child.)
 */
static void root_body(struct gate *go, struct gate *stop, int out)
{
	pthread_t th;

	gate_wait(go);
	if (fork() == 0) {
		put_pid(out, T_G0, getpid());
		if (pthread_create(&th, NULL, idle_thread, NULL) || pthread_join(th, NULL))
			_exit(4);
		fork_waiter(out, T_GG0, stop);
		gate_wait(stop);
		reap_and_exit(0);
	}
	fork_waiter(out, T_G1, stop);
	gate_wait(stop);
	reap_and_exit(0);
}

/* pid's position is want (NULL: none) */
static void check_pos(const struct pt_rtree *t, pid_t pid, const char *want)
{
	const char *pos = pt_rtree_pos(t, pid);

	if (!want)
		ck_assert_msg(!pos, "pid %d: position %s, expected none", pid, pos);
	else
		ck_assert_msg(pos && !strcmp(pos, want), "pid %d: position %s, expected %s", pid,
			      pos ? pos : "(none)", want);
}

/* the depth pt_rtree_depth gives pid, which must be in the tree */
static unsigned depth_of(const struct pt_rtree *t, pid_t pid)
{
	for (size_t i = 0; i < pt_rtree_count(t); i++)
		if (pt_rtree_pid(t, i) == pid)
			return pt_rtree_depth(t, i);
	ck_abort_msg("pid %d is not in the tree", pid);
	return 0;
}

static struct pt_rtree *open_tree(void)
{
	struct pt_rtree *t = NULL;
	char err[256] = "";
	int e = pt_rtree_open(&t, err, sizeof(err));

	ck_assert_msg(!e && t, "pt_rtree_open: %d %s", e, err);
	return t;
}

START_TEST(test_positions)
{
	struct pt_rtree *t = open_tree();
	struct gate go, stop;
	int out[2], st;
	pid_t c, g[T_N] = { 0 }, g0, gg0, g1, x;

	gate_open(&go);
	gate_open(&stop);
	ck_assert_int_eq(pipe(out), 0);
	c = fork();
	ck_assert_int_ge(c, 0);
	if (c == 0) {
		close(out[0]);
		root_body(&go, &stop, out[1]);
	}
	close(out[1]);
	ck_assert_int_eq(pt_rtree_root(t, c, "2"), 0);
	gate_release(&go);
	get_pids(out[0], g, T_N);
	g0 = g[T_G0];
	gg0 = g[T_GG0];
	g1 = g[T_G1];
	/* a process outside the tree, forked while the tree grows */
	x = fork();
	if (x == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(x, NULL, 0), x);

	/* each fork event is queued before its child first ran: all are in by now */
	ck_assert_int_eq(pt_rtree_drain(t), 0);
	ck_assert_uint_eq(pt_rtree_count(t), 4);
	check_pos(t, c, "2");
	check_pos(t, g0, "2.0");
	check_pos(t, gg0, "2.0.0");
	check_pos(t, g1, "2.1");	/* G0's thread is not a child of C */
	check_pos(t, x, NULL);
	ck_assert_uint_eq(depth_of(t, c), 0);
	ck_assert_uint_eq(depth_of(t, g0), 1);
	ck_assert_uint_eq(depth_of(t, gg0), 2);
	ck_assert_uint_eq(depth_of(t, g1), 1);

	/* exits remove them: C reaps G0 and G1 (G0 reaped GG0) before it exits itself */
	gate_release(&stop);
	ck_assert_int_eq(waitpid(c, &st, 0), c);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the root process ended with status %#x", st);
	ck_assert_int_eq(pt_rtree_drain(t), 0);
	ck_assert_uint_eq(pt_rtree_count(t), 0);
	check_pos(t, c, NULL);
	check_pos(t, g0, NULL);
	check_pos(t, gg0, NULL);
	close(out[0]);
	pt_rtree_free(t);
}
END_TEST

START_TEST(test_too_deep)
{
	char deep[PT_REPLAY_POS_LEN];
	struct pt_rtree *t = open_tree();
	struct gate go, stop;
	int out[2], st;
	pid_t c, g = 0;

	/* 62 characters: the child's ".0" would not fit with its NUL */
	memset(deep, '1', PT_REPLAY_POS_LEN - 2);
	for (int i = 1; i < PT_REPLAY_POS_LEN - 3; i += 2)	/* "1.1. ... 1.11" */
		deep[i] = '.';
	deep[PT_REPLAY_POS_LEN - 2] = 0;
	gate_open(&go);
	gate_open(&stop);
	ck_assert_int_eq(pipe(out), 0);
	c = fork();
	ck_assert_int_ge(c, 0);
	if (c == 0) {
		close(out[0]);
		gate_wait(&go);
		fork_waiter(out[1], T_G0, &stop);
		gate_wait(&stop);
		reap_and_exit(0);
	}
	close(out[1]);
	ck_assert_int_eq(pt_rtree_root(t, c, deep), 0);
	gate_release(&go);
	get_pids(out[0], &g, 1);
	ck_assert_int_eq(pt_rtree_drain(t), 0);
	ck_assert_uint_eq(pt_rtree_count(t), 2);
	check_pos(t, c, deep);
	ck_assert_uint_eq(depth_of(t, c), (PT_REPLAY_POS_LEN - 2) / 2 - 1);
	check_pos(t, g, NULL);		/* in the tree, position unknown */
	ck_assert_uint_eq(depth_of(t, g), UINT_MAX);
	gate_release(&stop);
	ck_assert_int_eq(waitpid(c, &st, 0), c);
	ck_assert_int_eq(pt_rtree_drain(t), 0);
	ck_assert_uint_eq(pt_rtree_count(t), 0);
	close(out[0]);
	pt_rtree_free(t);
}
END_TEST

/*
 * Open a tree and shrink its socket's receive buffer (the socket is the
 * lowest free descriptor when it is made: this test process has no threads).
 */
static struct pt_rtree *open_small_tree(void)
{
	int fd = dup(0), proto = -1, small = 4096;
	socklen_t l = sizeof(proto);
	struct pt_rtree *t;

	ck_assert_int_ge(fd, 0);
	close(fd);
	t = open_tree();
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l), 0);
	ck_assert_int_eq(proto, NETLINK_CONNECTOR);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	return t;
}

/* n processes that exit at once (2n events of processes outside any tree) */
static void storm(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		ck_assert_int_ge(p, 0);
		if (p == 0)
			_exit(0);
		ck_assert_int_eq(waitpid(p, NULL, 0), p);
	}
}

START_TEST(test_lost_events)
{
	struct pt_rtree *t = open_small_tree();
	struct gate stop;
	pid_t c;

	/* nothing of ours in the tree: others' events lost are not our loss */
	storm(500);
	ck_assert_int_eq(pt_rtree_drain(t), 0);

	/* with a process in the tree, a loss may have hidden its forks: said */
	gate_open(&stop);
	c = fork();
	ck_assert_int_ge(c, 0);
	if (c == 0) {
		gate_wait(&stop);
		_exit(0);
	}
	ck_assert_int_eq(pt_rtree_root(t, c, "0"), 0);
	storm(500);
	ck_assert_int_eq(pt_rtree_drain(t), -ENOBUFS);
	gate_release(&stop);
	ck_assert_int_eq(waitpid(c, NULL, 0), c);
	pt_rtree_free(t);
}
END_TEST

/* "" when the proc connector can be used here, else why not */
static const char *cannot_use(char *buf, size_t len)
{
	struct pt_rtree *t = NULL;
	char err[200] = "";

	if (geteuid() != 0)
		return "not root (the proc connector needs CAP_NET_ADMIN)";
	if (pt_rtree_open(&t, err, sizeof(err))) {
		snprintf(buf, len, "the proc connector: %s", err);
		return buf;
	}
	pt_rtree_free(t);
	return "";
}

int main(void)
{
	const char *req = getenv("PROVTAP_REQUIRE_BPF");
	Suite *s = suite_create("rtree");
	TCase *tc = tcase_create("connector");
	char why[300];
	const char *no = cannot_use(why, sizeof(why));

	if (*no) {
		if (req && !strcmp(req, "1")) {
			fprintf(stderr, "FAIL: %s (PROVTAP_REQUIRE_BPF=1)\n", no);
			return 1;
		}
		printf("SKIP: %s\n", no);
		return 0;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_positions);
	tcase_add_test(tc, test_too_deep);
	tcase_add_test(tc, test_lost_events);
	suite_add_tcase(s, tc);
	return pt_check_run(s);
}
