// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * udpflood.c — a paced UDP sender of small datagrams, and its sink, for the
 * small-packet rate benchmark (bench/run.sh, section "smallpkt").
 *
 *   udpflood --dst IPV4 --port P --rate PPS --seconds S [--size BYTES]
 *   udpflood --sink --port P
 *
 * Sender: datagrams of --size payload bytes (default 64) to IPV4:P at PPS per
 * second for S seconds, paced against CLOCK_MONOTONIC: whenever it is behind
 * schedule it sends what is due in sendmmsg batches of at most 64. Each
 * datagram carries its sequence number in its first 8 bytes. A datagram the
 * kernel refuses (ENOBUFS, ...) is counted as an error, not retried. Prints
 * one JSON object: sent, errors, seconds, rate (achieved, sent / seconds),
 * reached (rate >= 97 % of PPS and no errors).
 * Sink: binds 0.0.0.0:P and waits until killed, never reading: the datagrams
 * have a socket to go to (no ICMP port unreachable), and what the socket
 * cannot hold the kernel counts as receive-buffer errors. Prints "ready" on
 * stdout once bound.
 * Exit 0 on success, 1 on failure (message on stderr), 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64
#define MAXSZ	1472

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sink(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "udpflood: sink: cannot bind port %d: %s\n", port, strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dst", required_argument, NULL, 'd' }, { "port", required_argument, NULL, 'p' },
		{ "rate", required_argument, NULL, 'r' }, { "seconds", required_argument, NULL, 's' },
		{ "size", required_argument, NULL, 'z' }, { "sink", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	static char buf[BATCH][MAXSZ];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	unsigned long long sent = 0, errors = 0, total, due;
	double rate = 0, secs = 0, t0, t1;
	int port = 0, size = 64, is_sink = 0, fd, opt;
	const char *dst = NULL;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dst = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 's': secs = atof(optarg); break;
		case 'z': size = atoi(optarg); break;
		case 'k': is_sink = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc || port <= 0 || port > 65535)
		goto usage;
	if (is_sink)
		return sink(port);
	if (!dst || rate <= 0 || secs <= 0 || size < 8 || size > MAXSZ || inet_pton(AF_INET, dst, &sa.sin_addr) != 1)
		goto usage;
	sa.sin_port = htons((unsigned short)port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "udpflood: cannot connect a UDP socket to %s:%d: %s\n", dst, port, strerror(errno));
		return 1;
	}
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < BATCH; i++) {
		memset(buf[i], 'x', sizeof(buf[i]));
		iov[i].iov_base = buf[i];
		iov[i].iov_len = (size_t)size;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	total = (unsigned long long)(rate * secs + 0.5);
	t0 = now_s();
	while (sent + errors < total) {
		double t = now_s() - t0;
		int n, k;

		due = (unsigned long long)(t * rate) + 1;
		if (due > total)
			due = total;
		if (due <= sent + errors)
			continue;	/* ahead of schedule: spin */
		n = due - sent - errors > BATCH ? BATCH : (int)(due - sent - errors);
		for (int i = 0; i < n; i++) {
			unsigned long long seq = sent + errors + (unsigned long long)i;

			memcpy(buf[i], &seq, sizeof(seq));
		}
		k = sendmmsg(fd, msg, (unsigned)n, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) {
				fprintf(stderr, "udpflood: sendmmsg: %s\n", strerror(errno));
				return 1;
			}
			errors++;	/* the first of the batch was refused; go on with the next */
			continue;
		}
		sent += (unsigned long long)k;
	}
	t1 = now_s();
	printf("{\"sent\":%llu,\"errors\":%llu,\"seconds\":%.6f,\"rate\":%.0f,\"reached\":%s}\n", sent, errors,
	       t1 - t0, (double)sent / (t1 - t0),
	       !errors && (double)sent / (t1 - t0) >= 0.97 * rate ? "true" : "false");
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: udpflood --dst IPV4 --port P --rate PPS --seconds S [--size BYTES]\n"
			"       udpflood --sink --port P\n");
	return 2;
}
