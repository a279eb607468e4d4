// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include "cli/cli.h"
#include "collector/tailproto.h"
#include "common/log.h"
#include "common/units.h"
#include "query/filter.h"
#include "query/format.h"

void usage_tail(FILE *out)
{
	fprintf(out,
		"usage: provtap tail [FILTER] [--json] [--socket PATH] [--count N]\n"
		"\n"
		"Print records as the collector stores them, one line each: packets, drops, and the\n"
		"process probes' records (proc, sys, data, chunk: `probe load --procs`); a LOST line\n"
		"when the kernel could not deliver records (ring buffer full) or this tail fell\n"
		"behind. FILTER is the probe filter language plus `point NAME` (IFNAME@NETNS[:DIR]\n"
		"or an alias) and, for the process records, `proc`, `comm NAME`, `pid N` and `tid N`\n"
		"(the packet primitives such as host and port apply to a call's socket).\n"
		"  --json        JSON lines (keys: see README \"Record formats\")\n"
		"  --socket PATH the collector's unix socket (default " PT_DEFAULT_SOCKET "; the\n"
		"                PATH given to `provtap collect --socket`)\n"
		"  --count N     exit after N packet records (exit status 0); without it, tail runs\n"
		"                until interrupted, and exits 1 if the collector goes away\n"
		"FILTER is one line of at most 4089 bytes: it is sent to the collector, which\n"
		"filters the records.\n"
		"\nexamples:\n"
		"  provtap tail 'tcp and port 80'\n"
		"  provtap tail 'point veth1@tenant-a:in and icmp' --json\n"
		"  provtap tail 'proc comm curl or port 80'\n");
}

/* Read exactly n bytes; 0 ok, -1 EOF/error. */
static int read_full(int fd, void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Write "TAIL EXPR\n" to fd. 0, or -1 with errno set. */
static int send_request(int fd, const char *expr)
{
	struct iovec iov[3] = {
		{ .iov_base = "TAIL ", .iov_len = 5 },
		{ .iov_base = (void *)expr, .iov_len = strlen(expr) },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	size_t want = iov[0].iov_len + iov[1].iov_len + iov[2].iov_len;
	ssize_t n = writev(fd, iov, 3);

	if (n == (ssize_t)want)
		return 0;
	if (n >= 0)
		errno = EPIPE;	/* a unix stream takes a line this short whole, or not at all */
	return -1;
}

_Static_assert(PT_TAIL_LINE_MAX - sizeof("TAIL \n") + 1 == 4089, "tail --help states the filter limit");

int cmd_tail(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "socket", required_argument, NULL, 'S' },
		{ "count", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char prog[] = "provtap tail";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = PT_DEFAULT_SOCKET, *expr = "";
	struct pt_filter *f = NULL;
	struct pt_filter_err fe = {};
	static struct pt_view view;
	static unsigned char rec[65536];
	long long count = -1, seen = 0;
	__u64 ucount;
	bool json = false;
	char line[512];
	int c, fd = -1, rc = PT_EXIT_FAIL;
	size_t n = 0;

	optind = 1;
	argv[0] = prog;	/* getopt's own messages: "provtap tail: unrecognized option ..." */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'S': path = optarg; break;
		case 'c':
			if (pt_parse_u64(optarg, 1, 1ULL << 62, &ucount)) {
				fprintf(stderr, "provtap tail: --count takes a positive number, not '%s'\n", optarg);
				return PT_EXIT_USAGE;
			}
			count = (long long)ucount;
			break;
		case 'h': usage_tail(stdout); return 0;
		default: fprintf(stderr, "try `provtap tail --help`\n"); return PT_EXIT_USAGE;
		}
	}
	if (optind < argc)
		expr = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "provtap tail: one FILTER argument (quote it)\n");
		return PT_EXIT_USAGE;
	}
	if (strchr(expr, '\n')) {
		/* the collector reads the filter as one line: say where the line break is, shown as \n */
		fe.pos = (int)(strchr(expr, '\n') - expr);
		fprintf(stderr, "provtap tail: filter: a line break at position %d; the filter goes to the collector "
			"as one line (use spaces):\n  ", fe.pos + 1);
		for (const char *p = expr; *p; p++) {
			if (*p == '\n')
				fputs("\\n", stderr);
			else
				fputc(*p, stderr);
		}
		fprintf(stderr, "\n  %*s^\n", fe.pos, "");
		return PT_EXIT_USAGE;
	}
	if (pt_filter_parse(expr, &f, &fe)) {
		fprintf(stderr, "provtap tail: filter: %s at position %d:\n  %s\n  %*s^\n", fe.msg, fe.pos + 1, expr,
			fe.pos, "");
		return PT_EXIT_USAGE;
	}
	pt_filter_free(f);
	if (strlen("TAIL \n") + strlen(expr) > PT_TAIL_LINE_MAX) {
		fprintf(stderr, "provtap tail: the filter is %zu bytes; the collector takes at most %zu\n", strlen(expr),
			PT_TAIL_LINE_MAX - strlen("TAIL \n"));
		return PT_EXIT_USAGE;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "provtap tail: --socket %s: a unix socket path is at most %zu bytes\n", path,
			sizeof(sa.sun_path) - 1);
		return PT_EXIT_USAGE;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		pt_err("cannot reach the collector at %s: %s (is `provtap collect` running?)", path, strerror(errno));
		goto out;
	}
	if (send_request(fd, expr)) {
		pt_err("cannot send the request to the collector at %s: %s", path, strerror(errno));
		goto out;
	}
	while (n < sizeof(line) - 1 && read(fd, line + n, 1) == 1 && line[n++] != '\n')
		;
	line[n] = 0;
	if (strncmp(line, "OK\n", 3)) {
		pt_err("collector refused the tail: %s", n ? line : "connection closed\n");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pt_view_init(&view);
	for (;;) {
		struct pt_rec_hdr *h = (struct pt_rec_hdr *)rec;

		if (read_full(fd, rec, sizeof(*h))) {
			pt_err("the collector closed the stream (stopped?)");
			goto out;
		}
		if (h->len < sizeof(*h) || read_full(fd, rec + sizeof(*h), h->len - sizeof(*h))) {
			pt_err("malformed stream from the collector");
			goto out;
		}
		if (h->type == PT_REC_TAILGAP) {
			const struct pt_tailgap_rec *g = (const void *)rec;

			if (json)
				printf("{\"type\":\"tailgap\",\"skipped\":%llu}\n", (unsigned long long)g->skipped);
			else
				printf("LOST %llu record(s) in this tail: it fell behind the collector (they are in "
				       "the store)\n", (unsigned long long)g->skipped);
			continue;
		}
		pt_view_learn(&view, h);
		pt_format_rec(stdout, h, &view, json);
		if (ferror(stdout))
			goto out;	/* stdout closed (e.g. `| head`) */
		if (h->type == PT_REC_PKT && count >= 0 && ++seen >= count)
			break;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
