// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fdparent — the parent of the FD-inheritance scenario (tests/integration/test_procq.sh).
 *
 *   fdparent OUTDIR FDCHILD NEXTRA
 *
 * Closes every fd above 2 it inherited (so the numbers it gets are known),
 * waits for one line on stdin (the test loads the probes meanwhile), then:
 * starts a loopback TCP server (a fork of itself, see fdproto.h), connects a
 * socket to it, opens OUTDIR/inherited.txt, a close-on-exec OUTDIR/cloexec.txt
 * and NEXTRA times /dev/null (raising RLIMIT_NOFILE as needed), forks, and the
 * child execs FDCHILD with the socket, file and close-on-exec fd numbers. When
 * the child has exited it closes its socket (the server then sees EOF), waits
 * for the server and writes OUTDIR/parent.info, one "key value" a line:
 * sock_fd, file_fd, cloexec_fd, first_extra, nextra, port, server_pid,
 * child_pid, child_status, server_status. Exit 0 when the child and the server
 * both exited 0; messages on stderr say what failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fdproto.h"

static int die(const char *what)
{
	fprintf(stderr, "fdparent: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Read exactly n bytes with reads of at most max each (MSG_WAITALL when once). */
static int recv_n(int fd, unsigned char *buf, size_t n, size_t max, int once)
{
	size_t got = 0;

	while (got < n) {
		size_t want = n - got < max ? n - got : max;
		ssize_t r = recv(fd, buf + got, want, once ? MSG_WAITALL : 0);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* The server: one connection, fdproto.h's exchange, OUTDIR/server.bin. Exits. */
static void serve(int ls, const char *outdir)
{
	static unsigned char buf[FDP_THREAD_BYTES + FDP_BIG + 1];
	char path[4096];
	size_t n = FDP_THREAD_BYTES + FDP_BIG;
	ssize_t extra;
	FILE *f;
	int c;

	c = accept(ls, NULL, NULL);
	if (c < 0)
		die("accept");
	close(ls);
	if (send(c, FDP_GREETING, strlen(FDP_GREETING), 0) != (ssize_t)strlen(FDP_GREETING))
		die("send greeting");
	if (recv_n(c, buf, FDP_THREAD_BYTES, FDP_SMALL_READ, 0) ||
	    recv_n(c, buf + FDP_THREAD_BYTES, FDP_BIG, FDP_BIG, 1))
		die("receiving the child's bytes");
	extra = recv(c, buf + n, 1, 0);
	if (extra != 0) {
		fprintf(stderr, "fdparent: server: expected EOF after %zu bytes, recv returned %zd\n", n, extra);
		exit(1);
	}
	close(c);
	snprintf(path, sizeof(path), "%s/server.bin", outdir);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f))
		die(path);
	exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	char path[4096], a1[16], a2[16], a3[16], line[16];
	int ls, s, f, cx, first = -1, nextra, st_child, st_server;
	pid_t server, child;
	struct rlimit rl;
	FILE *info;

	if (argc != 4) {
		fprintf(stderr, "usage: fdparent OUTDIR FDCHILD NEXTRA\n");
		return 2;
	}
	nextra = atoi(argv[3]);
	if (syscall(SYS_close_range, 3, ~0u, 0))
		die("close_range");
	if (read(0, line, sizeof(line)) <= 0)
		die("waiting for the go line on stdin");
	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit");
	if (rl.rlim_cur < (rlim_t)nextra + 64) {
		rl.rlim_cur = (rlim_t)nextra + 64;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			die("setrlimit RLIMIT_NOFILE");
	}

	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&sa, &salen))
		die("listening socket on 127.0.0.1");
	server = fork();
	if (server < 0)
		die("fork server");
	if (!server)
		serve(ls, argv[1]);
	close(ls);

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect to the server");
	snprintf(path, sizeof(path), "%s/inherited.txt", argv[1]);
	f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (f < 0)
		die(path);
	snprintf(path, sizeof(path), "%s/cloexec.txt", argv[1]);
	cx = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (cx < 0)
		die(path);
	for (int i = 0; i < nextra; i++) {
		int x = open("/dev/null", O_RDONLY);

		if (x < 0)
			die("open /dev/null");
		if (!i)
			first = x;
	}

	child = fork();
	if (child < 0)
		die("fork child");
	if (!child) {
		snprintf(a1, sizeof(a1), "%d", s);
		snprintf(a2, sizeof(a2), "%d", f);
		snprintf(a3, sizeof(a3), "%d", cx);
		execl(argv[2], "fdchild", a1, a2, a3, argv[1], (char *)NULL);
		fprintf(stderr, "fdparent: exec %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	if (waitpid(child, &st_child, 0) != child)
		die("waitpid child");
	close(s);
	if (waitpid(server, &st_server, 0) != server)
		die("waitpid server");

	snprintf(path, sizeof(path), "%s/parent.info", argv[1]);
	info = fopen(path, "w");
	if (!info)
		die(path);
	fprintf(info, "sock_fd %d\nfile_fd %d\ncloexec_fd %d\nfirst_extra %d\nnextra %d\nport %u\n"
		"server_pid %d\nchild_pid %d\nchild_status %d\nserver_status %d\n",
		s, f, cx, first, nextra, ntohs(sa.sin_port), server, child, st_child, st_server);
	if (fclose(info))
		die(path);
	if (st_child || st_server) {
		fprintf(stderr, "fdparent: child wait status %d, server wait status %d\n", st_child, st_server);
		return 1;
	}
	return 0;
}
