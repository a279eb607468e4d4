// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fdfork.c — fork+exec with many inherited FDs, for the FD-inheritance
 * benchmark (bench/run.sh, section "fdinherit").
 *
 *   fdfork --fds K --iterations M
 *
 * Opens K descriptors of /dev/null without close-on-exec (raising the soft
 * RLIMIT_NOFILE if needed), then M times: fork; the child execs this program
 * again (/proc/self/exe --child FD), which checks that the descriptors came
 * through the exec (fcntl F_GETFD on FD, the last one opened) and exits 0; the
 * parent waits. The command name stays "fdfork" across the exec (the kernel
 * names the task after the executed file), which is what a tracer scopes by
 * (--comm fdfork).
 *
 * Prints one JSON object: iterations, fds, pid (the parent's), seconds (wall
 * time of the M iterations), us_per_iteration. Exit 0 when every child exited
 * 0, else 1 with a message; 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The exec'ed child: is @fd, the last of the inherited descriptors, there (-1: none)? Exit status. */
static int child(long fd)
{
	if (fd >= 0 && fcntl((int)fd, F_GETFD) < 0) {
		fprintf(stderr, "fdfork: child: inherited fd %ld is missing: %s\n", fd, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fds", required_argument, NULL, 'k' }, { "iterations", required_argument, NULL, 'n' },
		{ "child", required_argument, NULL, 'c' }, { NULL, 0, NULL, 0 },
	};
	long k = -1, n = 0, last = -1;
	struct rlimit rl;
	char karg[32], self[4096];
	ssize_t sl;
	double t0, t1;
	int opt, fd;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': k = atol(optarg); break;
		case 'n': n = atol(optarg); break;
		case 'c': return child(atol(optarg));
		default: goto usage;
		}
	}
	if (optind != argc || k < 0 || k > 1000000 || n <= 0)
		goto usage;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)k + 64) {
		rl.rlim_cur = (rlim_t)k + 64;
		if (rl.rlim_max < rl.rlim_cur || setrlimit(RLIMIT_NOFILE, &rl)) {
			fprintf(stderr, "fdfork: cannot raise RLIMIT_NOFILE to %ld: %s\n", k + 64, strerror(errno));
			return 1;
		}
	}
	for (long i = 0; i < k; i++) {
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "fdfork: open /dev/null (descriptor %ld of %ld): %s\n", i + 1, k, strerror(errno));
			return 1;
		}
		last = fd;
	}
	snprintf(karg, sizeof(karg), "%ld", last);
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0 || sl >= (ssize_t)sizeof(self) - 1) {
		fprintf(stderr, "fdfork: cannot read /proc/self/exe: %s\n", sl < 0 ? strerror(errno) : "path too long");
		return 1;
	}
	self[sl] = 0;
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		int st;

		if (p < 0) {
			fprintf(stderr, "fdfork: fork: %s\n", strerror(errno));
			return 1;
		}
		if (!p) {
			execl(self, "fdfork", "--child", karg, (char *)NULL);
			fprintf(stderr, "fdfork: exec %s: %s\n", self, strerror(errno));
			_exit(127);
		}
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "fdfork: child %ld failed (wait status %#x)\n", i, st);
			return 1;
		}
	}
	t1 = now_s();
	printf("{\"iterations\":%ld,\"fds\":%ld,\"pid\":%d,\"seconds\":%.6f,\"us_per_iteration\":%.1f}\n", n, k,
	       (int)getpid(), t1 - t0, (t1 - t0) * 1e6 / (double)n);
	return 0;
usage:
	fprintf(stderr, "usage: fdfork --fds K --iterations M\n");
	return 2;
}
