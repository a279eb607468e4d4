// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * badcalls — calls cut short in awkward ways, for the bad-input checks of
 * tests/integration/test_procq.sh. Waits for one line on stdin first (the
 * test loads the probes meanwhile), then runs both scenarios:
 *
 *  1. exit mid-call: a forked child blocks in read(2) of an empty pipe; once
 *     /proc says it is in read, it is killed with SIGKILL.
 *  2. close under a blocked recv: thread A blocks in recv(2) on one end of a
 *     socketpair; once /proc says it is in recvfrom, the main thread closes
 *     that fd, then writes BC_LATE to the other end (A's recv, still holding
 *     the socket, returns those bytes) and closes it.
 *
 *   badcalls OUTDIR
 *
 * Writes OUTDIR/badcalls.info, one "key value" a line: killed_pid,
 * killed_status (wait status), sp_fd0, sp_fd1, closer_tid, reader_tid,
 * close_ret, recv_ret. Exit 0 when both went as described, else a message on
 * stderr and exit 1. Waiting for the other task is polled with a bound (5 s).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BC_LATE "late bytes"

static int sp[2];
static volatile pid_t reader_tid;
static ssize_t recv_ret = -2;

static void die(const char *what)
{
	fprintf(stderr, "badcalls: %s: %s\n", what, errno ? strerror(errno) : "unexpected result");
	exit(1);
}

/* Poll /proc/PATH (a task's syscall file) until it names syscall nr, at most 5 s. 0 or -1. */
static int wait_in_syscall(const char *path, long nr)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	for (int i = 0; i < 2500; i++) {
		FILE *f = fopen(path, "r");
		long cur = -1;

		if (f) {
			if (fscanf(f, "%ld", &cur) != 1)
				cur = -1;
			fclose(f);
		}
		if (cur == nr)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static void *reader(void *arg)
{
	char buf[64];

	reader_tid = (pid_t)syscall(SYS_gettid);
	recv_ret = recv(sp[0], buf, sizeof(buf), 0);
	return NULL;
}

int main(int argc, char **argv)
{
	char path[4096], line[16];
	int p[2], st, close_ret;
	pthread_t th;
	pid_t kid;
	FILE *info;

	if (argc != 2) {
		fprintf(stderr, "usage: badcalls OUTDIR\n");
		return 2;
	}
	if (read(0, line, sizeof(line)) <= 0)
		die("waiting for the go line on stdin");

	/* 1. killed in the middle of read(2) */
	if (pipe(p))
		die("pipe");
	kid = fork();
	if (kid < 0)
		die("fork");
	if (!kid) {
		char c;

		close(p[1]);
		(void)read(p[0], &c, 1);	/* blocks: nobody writes */
		_exit(3);
	}
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d/syscall", kid);
	if (wait_in_syscall(path, SYS_read))
		die("the child never blocked in read");
	kill(kid, SIGKILL);
	if (waitpid(kid, &st, 0) != kid)
		die("waitpid");
	close(p[1]);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		die("the child was not killed by SIGKILL");

	/* 2. close(2) by another thread under a blocked recv(2) */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		die("socketpair");
	if ((errno = pthread_create(&th, NULL, reader, NULL)))
		die("pthread_create");
	for (int i = 0; i < 5000 && !reader_tid; i++)
		usleep(1000);
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", reader_tid);
	if (!reader_tid || wait_in_syscall(path, SYS_recvfrom))
		die("the reader never blocked in recv");
	close_ret = close(sp[0]);
	if (write(sp[1], BC_LATE, strlen(BC_LATE)) != (ssize_t)strlen(BC_LATE))
		die("write to the other end");
	close(sp[1]);
	pthread_join(th, NULL);

	snprintf(path, sizeof(path), "%s/badcalls.info", argv[1]);
	info = fopen(path, "w");
	if (!info)
		die(path);
	fprintf(info, "killed_pid %d\nkilled_status %d\nsp_fd0 %d\nsp_fd1 %d\ncloser_tid %d\nreader_tid %d\n"
		"close_ret %d\nrecv_ret %zd\n", kid, st, sp[0], sp[1], (int)syscall(SYS_gettid), (int)reader_tid,
		close_ret, recv_ret);
	if (fclose(info))
		die(path);
	if (close_ret || recv_ret != (ssize_t)strlen(BC_LATE)) {
		fprintf(stderr, "badcalls: close returned %d, the blocked recv %zd (expected 0 and %zu)\n", close_ret,
			recv_ret, strlen(BC_LATE));
		return 1;
	}
	return 0;
}
