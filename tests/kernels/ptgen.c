// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ptgen.c — a traffic generator and sink with exactly known packets and bytes, for the guest
 * run of `make test-kernels` (tests/kernels/guest.sh), where there is no python: built static,
 * it needs nothing from the guest but the kernel. IPv4 only.
 *
 *   ptgen udp-send DST PORT COUNT SIZE
 *       COUNT datagrams of SIZE (>= 16) bytes, one sendto(2) each, to DST:PORT. Datagram i
 *       (from 0) starts with the 16 bytes "ptgen-udp-%05d-" (i) and goes on with the letters
 *       'a' + (k % 26) at offset k of the datagram. Prints "sent COUNT".
 *   ptgen udp-sink PORT EXPECT READY_FILE TIMEOUT_S
 *       binds 0.0.0.0:PORT, creates READY_FILE, then recvfrom(2) until EXPECT datagrams came
 *       or none came for TIMEOUT_S seconds. Prints "received N bytes B".
 *   ptgen tcp-send DST PORT BYTES CHUNK
 *       connects, write(2)s BYTES bytes (byte k of the stream is 'a' + (k % 26)) CHUNK at a
 *       time, shuts down its sending side and prints the server's answer.
 *   ptgen tcp-sink PORT READY_FILE TIMEOUT_S
 *       listens on 0.0.0.0:PORT, creates READY_FILE, accepts one connection, read(2)s to EOF
 *       at most 1024 bytes at a time (each call's content fits a process record inline),
 *       checks every byte against the pattern, answers "ok N" (or "bad N AT") and closes.
 *       Prints the same. A sink gives up after TIMEOUT_S seconds without traffic.
 *
 * Exit status: 0 done (a sink that timed out too: its count says what came), 1 a system call
 * failed (the message names it and why), 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define UDP_MAX 65507

static int usage(void)
{
	fprintf(stderr, "usage: ptgen udp-send DST PORT COUNT SIZE\n"
			"       ptgen udp-sink PORT EXPECT READY_FILE TIMEOUT_S\n"
			"       ptgen tcp-send DST PORT BYTES CHUNK\n"
			"       ptgen tcp-sink PORT READY_FILE TIMEOUT_S\n");
	return 2;
}

/* A decimal argument in [lo, hi] into *v; 0, or -1 with a message. */
static int num(const char *s, const char *what, long lo, long hi, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || end == s || *end || *v < lo || *v > hi) {
		fprintf(stderr, "ptgen: %s must be a number in %ld..%ld, got '%s'\n", what, lo, hi, s);
		return -1;
	}
	return 0;
}

static int die(const char *what)
{
	fprintf(stderr, "ptgen: %s: %s\n", what, strerror(errno));
	return 1;
}

/* dst:port into *sa; 0, or -1 with a message. */
static int addr(struct sockaddr_in *sa, const char *ip, long port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) {
		fprintf(stderr, "ptgen: not an IPv4 address: '%s'\n", ip);
		return -1;
	}
	return 0;
}

/* A socket of type bound to 0.0.0.0:port with SO_RCVTIMEO = timeout_s; fd, or -1 (errno set). */
static int bound(int type, long port, long timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };
	struct sockaddr_in sa;
	int one = 1, fd = socket(AF_INET, type, 0);

	if (fd < 0)
		return -1;
	addr(&sa, "0.0.0.0", port);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || (type == SOCK_STREAM && listen(fd, 1))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Create path (the sink is ready). 0, or -1 with errno. */
static int ready(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	return close(fd);
}

static void pattern(char *buf, long off, long n)
{
	for (long k = 0; k < n; k++)
		buf[k] = (char)('a' + (off + k) % 26);
}

static int udp_send(char **av)
{
	static char buf[UDP_MAX];
	struct sockaddr_in sa;
	long port, count, size;
	int fd;

	if (addr(&sa, av[0], 0) || num(av[1], "PORT", 1, 65535, &port) ||
	    num(av[2], "COUNT", 1, 1000000, &count) || num(av[3], "SIZE", 16, UDP_MAX, &size))
		return 2;
	sa.sin_port = htons((unsigned short)port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return die("socket");
	for (long i = 0; i < count; i++) {
		char head[17];

		pattern(buf, 0, size);
		snprintf(head, sizeof(head), "ptgen-udp-%05ld-", i % 100000);
		memcpy(buf, head, 16);
		if (sendto(fd, buf, (size_t)size, 0, (struct sockaddr *)&sa, sizeof(sa)) != size)
			return die("sendto");
	}
	close(fd);
	printf("sent %ld\n", count);
	return 0;
}

static int udp_sink(char **av)
{
	static char buf[UDP_MAX];
	long port, expect, timeout, n = 0, bytes = 0;
	int fd;

	if (num(av[0], "PORT", 1, 65535, &port) || num(av[1], "EXPECT", 0, 1000000, &expect) ||
	    num(av[3], "TIMEOUT_S", 1, 3600, &timeout))
		return 2;
	fd = bound(SOCK_DGRAM, port, timeout);
	if (fd < 0)
		return die("udp socket");
	if (ready(av[2]))
		return die(av[2]);
	while (n < expect) {
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0, NULL, NULL);

		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r < 0)
			return die("recvfrom");
		n++;
		bytes += r;
	}
	close(fd);
	printf("received %ld bytes %ld\n", n, bytes);
	return 0;
}

static int tcp_send(char **av)
{
	static char buf[65536], reply[128];
	struct sockaddr_in sa;
	long port, total, chunk, off = 0;
	ssize_t r;
	int fd;

	if (addr(&sa, av[0], 0) || num(av[1], "PORT", 1, 65535, &port) ||
	    num(av[2], "BYTES", 1, 1L << 30, &total) || num(av[3], "CHUNK", 1, (long)sizeof(buf), &chunk))
		return 2;
	sa.sin_port = htons((unsigned short)port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return die("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return die("connect");
	while (off < total) {
		long n = total - off < chunk ? total - off : chunk;

		pattern(buf, off, n);
		r = write(fd, buf, (size_t)n);
		if (r <= 0)
			return die("write");
		off += r;
	}
	if (shutdown(fd, SHUT_WR))
		return die("shutdown");
	r = read(fd, reply, sizeof(reply) - 1);
	if (r < 0)
		return die("read");
	reply[r] = 0;
	close(fd);
	printf("%s\n", reply);
	return 0;
}

static int tcp_sink(char **av)
{
	static char buf[65536], want[65536];
	long port, timeout, n = 0, bad = -1;
	char reply[64];
	int lfd, fd;

	if (num(av[0], "PORT", 1, 65535, &port) || num(av[2], "TIMEOUT_S", 1, 3600, &timeout))
		return 2;
	lfd = bound(SOCK_STREAM, port, timeout);
	if (lfd < 0)
		return die("tcp socket");
	if (ready(av[1]))
		return die(av[1]);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return die("accept");
	for (;;) {
		ssize_t r = read(fd, buf, 1024);

		if (r < 0)
			return die("read");
		if (r == 0)
			break;
		pattern(want, n, r);
		if (bad < 0 && memcmp(buf, want, (size_t)r))
			for (long k = 0; k < r && bad < 0; k++)
				if (buf[k] != want[k])
					bad = n + k;
		n += r;
	}
	if (bad < 0)
		snprintf(reply, sizeof(reply), "ok %ld", n);
	else
		snprintf(reply, sizeof(reply), "bad %ld %ld", n, bad);
	if (write(fd, reply, strlen(reply)) < 0)
		return die("write");
	close(fd);
	close(lfd);
	printf("%s\n", reply);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int nargs; int (*fn)(char **); } cmds[] = {
		{ "udp-send", 4, udp_send }, { "udp-sink", 4, udp_sink },
		{ "tcp-send", 4, tcp_send }, { "tcp-sink", 3, tcp_sink },
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return argc == cmds[i].nargs + 2 ? cmds[i].fn(argv + 2) : usage();
	return usage();
}
