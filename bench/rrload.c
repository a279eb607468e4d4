// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rrload.c — a loopback TCP request/response workload, for the socket-content
 * audit benchmark (bench/run.sh, section "audit").
 *
 *   rrload --port P --calls N [--req BYTES] [--resp BYTES]     many small calls
 *   rrload --port P --calls N --resp BYTES --chunk BYTES       bulk responses
 *
 * One process: it listens on 127.0.0.1:P, forks the server, and as the client
 * connects and runs N exchanges: write a request of --req bytes (default 64),
 * read the whole response of --resp bytes (default 256). The server reads each
 * request whole and writes the response in writes of at most --chunk bytes
 * (default: the whole response in one write); the client reads with a buffer of
 * --chunk bytes (at least 4096). Plain read(2)/write(2) on blocking sockets, so
 * every call is one traced syscall. Payload bytes are printable ASCII, so a
 * tracer that prints them (strace -s) writes one character per byte. Both
 * processes keep the command name "rrload" (no exec), which is what a tracer
 * scopes by (--comm rrload).
 *
 * Checks its own result: every response has the length and content the
 * request asked for, the server saw every request byte. Prints one JSON object:
 *   calls, req_bytes, resp_bytes (totals), client_writes, client_reads,
 *   server_reads, server_writes (read/write calls that moved data, EOF reads not
 *   counted), bytes (all payload bytes both ways), seconds (wall time of the
 *   exchanges: connect to the server's exit).
 * Exit 0 on success, 1 on any failure (message on stderr), 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSG	(64u << 20)

struct counts {
	unsigned long long reads, writes, bytes_in, bytes_out;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read exactly len bytes into buf (reads of at most chunk bytes). 0, or -1 (EOF/error, message). */
static int read_full(int fd, char *buf, size_t len, size_t chunk, struct counts *c, const char *who)
{
	size_t got = 0;

	while (got < len) {
		size_t want = len - got < chunk ? len - got : chunk;
		ssize_t n = read(fd, buf + got, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "rrload: %s: read: %s after %zu of %zu bytes\n", who,
				n ? strerror(errno) : "unexpected EOF", got, len);
			return -1;
		}
		c->reads++;
		c->bytes_in += (unsigned long long)n;
		got += (size_t)n;
	}
	return 0;
}

/* Write len bytes from buf in writes of at most chunk bytes. 0, or -1 (message). */
static int write_full(int fd, const char *buf, size_t len, size_t chunk, struct counts *c, const char *who)
{
	size_t put = 0;

	while (put < len) {
		size_t want = len - put < chunk ? len - put : chunk;
		ssize_t n = write(fd, buf + put, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "rrload: %s: write: %s\n", who, n ? strerror(errno) : "wrote 0 bytes");
			return -1;
		}
		c->writes++;
		c->bytes_out += (unsigned long long)n;
		put += (size_t)n;
	}
	return 0;
}

static void fill(char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('a' + (i + seed) % 26);
}

/* The server: accept one connection, serve N exchanges, report its counts on rep. Exit status. */
static int serve(int lfd, int rep, unsigned long long calls, size_t req, size_t resp, size_t chunk)
{
	struct counts c = {};
	char *in = malloc(req), *out = malloc(resp);
	int fd, err = 1;

	if (!in || !out) {
		fprintf(stderr, "rrload: server: out of memory\n");
		goto cleanup;
	}
	fill(out, resp, 7);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		fprintf(stderr, "rrload: server: accept: %s\n", strerror(errno));
		goto cleanup;
	}
	for (unsigned long long i = 0; i < calls; i++) {
		if (read_full(fd, in, req, req, &c, "server"))
			goto cleanup;
		if (in[0] != 'a' + (char)(i % 26)) {
			fprintf(stderr, "rrload: server: request %llu has the wrong content\n", i);
			goto cleanup;
		}
		if (write_full(fd, out, resp, chunk, &c, "server"))
			goto cleanup;
	}
	close(fd);
	if (write(rep, &c, sizeof(c)) != (ssize_t)sizeof(c)) {
		fprintf(stderr, "rrload: server: cannot report its counts: %s\n", strerror(errno));
		goto cleanup;
	}
	err = 0;
cleanup:
	free(in);
	free(out);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' }, { "calls", required_argument, NULL, 'n' },
		{ "req", required_argument, NULL, 'q' }, { "resp", required_argument, NULL, 'r' },
		{ "chunk", required_argument, NULL, 'c' }, { NULL, 0, NULL, 0 },
	};
	unsigned long long calls = 0, req = 64, resp = 256, chunk = 0;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct counts c = {}, s = {};
	char *qbuf = NULL, *rbuf = NULL, *want = NULL;
	int lfd = -1, fd = -1, rep[2] = { -1, -1 }, one = 1, port = 0, opt, st, err = 1;
	pid_t srv = -1;
	double t0, t1;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 'n': calls = strtoull(optarg, NULL, 0); break;
		case 'q': req = strtoull(optarg, NULL, 0); break;
		case 'r': resp = strtoull(optarg, NULL, 0); break;
		case 'c': chunk = strtoull(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (optind != argc || port <= 0 || port > 65535 || !calls || !req || !resp || req > MAX_MSG ||
	    resp > MAX_MSG)
		goto usage;
	if (!chunk)
		chunk = resp;
	qbuf = malloc(req);
	rbuf = malloc(resp);
	want = malloc(resp);
	if (!qbuf || !rbuf || !want) {
		fprintf(stderr, "rrload: out of memory\n");
		goto cleanup;
	}
	fill(want, resp, 7);
	sa.sin_port = htons((unsigned short)port);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1)) {
		fprintf(stderr, "rrload: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
		goto cleanup;
	}
	if (pipe(rep)) {
		fprintf(stderr, "rrload: pipe: %s\n", strerror(errno));
		goto cleanup;
	}
	t0 = now_s();
	srv = fork();
	if (srv < 0) {
		fprintf(stderr, "rrload: fork: %s\n", strerror(errno));
		goto cleanup;
	}
	if (!srv) {
		close(rep[0]);
		_exit(serve(lfd, rep[1], calls, req, resp, chunk));
	}
	close(rep[1]);
	rep[1] = -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "rrload: client: connect to 127.0.0.1:%d: %s\n", port, strerror(errno));
		goto cleanup;
	}
	for (unsigned long long i = 0; i < calls; i++) {
		fill(qbuf, req, (unsigned)(i % 26));
		if (write_full(fd, qbuf, req, req, &c, "client") ||
		    read_full(fd, rbuf, resp, chunk < 4096 ? 4096 : chunk, &c, "client"))
			goto cleanup;
		if (memcmp(rbuf, want, resp)) {
			fprintf(stderr, "rrload: client: response %llu has the wrong content\n", i);
			goto cleanup;
		}
	}
	close(fd);
	fd = -1;
	if (read(rep[0], &s, sizeof(s)) != (ssize_t)sizeof(s)) {
		fprintf(stderr, "rrload: the server did not report its counts\n");
		goto cleanup;
	}
	if (waitpid(srv, &st, 0) != srv || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "rrload: the server failed (wait status %#x)\n", st);
		srv = -1;
		goto cleanup;
	}
	srv = -1;
	t1 = now_s();
	if (c.bytes_out != calls * req || s.bytes_in != calls * req || s.bytes_out != calls * resp ||
	    c.bytes_in != calls * resp) {
		fprintf(stderr, "rrload: byte counts differ: client out %llu in %llu, server in %llu out %llu\n",
			c.bytes_out, c.bytes_in, s.bytes_in, s.bytes_out);
		goto cleanup;
	}
	printf("{\"calls\":%llu,\"req_bytes\":%llu,\"resp_bytes\":%llu,\"client_writes\":%llu,"
	       "\"client_reads\":%llu,\"server_reads\":%llu,\"server_writes\":%llu,\"bytes\":%llu,"
	       "\"seconds\":%.6f}\n", calls, calls * req, calls * resp, c.writes, c.reads, s.reads, s.writes,
	       calls * (req + resp), t1 - t0);
	err = 0;
cleanup:
	if (srv > 0) {
		kill(srv, SIGKILL);
		waitpid(srv, NULL, 0);
	}
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
	if (rep[0] >= 0)
		close(rep[0]);
	if (rep[1] >= 0)
		close(rep[1]);
	free(qbuf);
	free(rbuf);
	free(want);
	return err;
usage:
	fprintf(stderr, "usage: rrload --port P --calls N [--req BYTES] [--resp BYTES] [--chunk BYTES]\n");
	return 2;
}
