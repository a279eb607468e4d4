// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * query_content.c — `provtap query content CONN`: the bytes one direction of
 * a connection carried, as the process probes captured them (--content),
 * assembled from both ends' calls, with every gap marked and named.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/query.h"
#include "common/units.h"
#include "query/pmload.h"
#include "query/procview.h"
#include "query/vertex.h"

enum { QC_DIR = 3200, QC_OFFSET, QC_LEN, QC_RAW };

struct content_args {
	int dir;		/* PT_DIR_OUT (client -> server) or PT_DIR_IN */
	__u64 off, len;		/* len ~0: to the end */
	bool raw;
};

static void usage_content(FILE *out)
{
	fprintf(out,
		"usage: provtap query content CONN [--dir in|out] [--offset N] [--len N] [--raw|--json]\n"
		"                             [--store DIR]\n"
		"\n"
		"The bytes one direction of a connection carried, as captured by `provtap probe load --procs\n"
		"--content N`: the sender's calls, completed from the receiver's where the sender's missed\n"
		"bytes. CONN is an id as `provtap query conn` prints it, with or without `conn:`.\n"
		"\n"
		"  --dir out     what the client (the end that connected) sent; the default\n"
		"  --dir in      what the client received. When neither connect nor accept was seen,\n"
		"                out is endpoint 0 -> endpoint 1 (0 = the lower address:port; for a\n"
		"                socketpair, fds[0] -> fds[1])\n"
		"  --offset N    from byte N of that direction's stream (0 = its first byte)\n"
		"  --len N       at most N bytes\n"
		"  --raw         exactly the bytes on stdout. If the range has a gap, nothing is written and\n"
		"                the exit status is 1, with a message naming the first gap's offset, length\n"
		"                and reason: ask for a range without gaps with --offset/--len\n"
		"  --json        one document: the range, and each run of captured bytes or gap as\n"
		"                {off, len, gap, hex|reason}: gap is data (hex holds the bytes) or why the\n"
		"                bytes are missing (lost, fault, iov_limit, truncated, not_in_user_memory,\n"
		"                capture_off, unseen; content_limit: only in provtap record's own store)\n"
		"\n"
		"The text form is a hex dump with stream offsets; each gap is its own line with its\n"
		"length and reason: lost (ring buffer full), fault (the caller's buffer could not be\n"
		"read), iov limit (past 32 iovecs), truncated (past --content), not in user memory\n"
		"(sendfile), capture off (no --content), unseen (no recorded call moved those bytes).\n"
		"\n"
		"examples:\n"
		"  provtap query content conn:tcp:10.0.1.2:41234-10.0.3.2:9200/812-815\n"
		"  provtap query content tcp:10.0.1.2:41234-10.0.3.2:9200/812-815 --dir in --raw >reply.bin\n"
		"  provtap query content CONN --offset 4096 --len 100 --json\n"
		"\nExit status: 0 answered, 1 no such connection, the store cannot be read, an offset past the\n"
		"end, or --raw over a gap; 2 usage.\n");
}

static int on_opt(void *ctx, int opt, const char *arg)
{
	struct content_args *a = ctx;

	switch (opt) {
	case QC_DIR:
		if (strcmp(arg, "in") && strcmp(arg, "out")) {
			fprintf(stderr, "provtap query content: --dir takes in or out, not '%s'\n", arg);
			return PT_EXIT_USAGE;
		}
		a->dir = arg[0] == 'i' ? PT_DIR_IN : PT_DIR_OUT;
		return 0;
	case QC_OFFSET:
	case QC_LEN:
		if (pt_parse_u64(arg, opt == QC_LEN ? 1 : 0, ~0ull - 1, opt == QC_LEN ? &a->len : &a->off)) {
			fprintf(stderr, "provtap query content: --%s takes a number of bytes%s, not '%s'\n",
				opt == QC_LEN ? "len" : "offset", opt == QC_LEN ? " (1 or more)" : "", arg);
			return PT_EXIT_USAGE;
		}
		return 0;
	case QC_RAW:
		a->raw = true;
		return 0;
	default:
		return PT_EXIT_USAGE;
	}
}

/* The sender's end (0 or 1) of direction dir: out = the client, else endpoint 0. */
static int sender_of(const struct pt_pm_conn *c, int dir)
{
	int cl = c->client >= 0 ? c->client : 0;

	return dir == PT_DIR_OUT ? cl : !cl;
}

/* "127.0.0.1:80" or "unix fds[1]" into buf. */
static const char *ep_text(const struct pt_pm_conn *c, int k, char *buf, size_t len)
{
	if (c->kind == PT_PMC_SOCKETPAIR)
		snprintf(buf, len, "unix fds[%d]", k);
	else
		pt_pv_endpoint(buf, len, c->family, c->addr[k], c->port[k]);
	return buf;
}

/* The processes that held end k's socket: ids separated by spaces, or JSON strings when json. */
static void print_procs(const struct pt_pmload *l, const struct pt_pm_conn *c, int k, bool json)
{
	__u32 *pp = NULL;
	size_t np = 0;
	char id[96];

	if (c->obj[k] == PT_PM_NONE || pt_pv_obj_procs(l, c->obj[k], &pp, &np) || !np) {
		fputs(json ? "" : "not seen on this host", stdout);
		free(pp);
		return;
	}
	for (size_t i = 0; i < np; i++) {
		pt_pv_proc_id(l, pp[i], id, sizeof(id));
		if (json) {
			printf("%s", i ? "," : "");
			pt_pv_json_str(stdout, id);	/* the id holds the store's host name */
		} else {
			printf("%s%s", i ? " " : "", id);
		}
	}
	free(pp);
}

static const char *role_word(const struct pt_pm_conn *c, int k)
{
	if (c->client < 0)
		return c->kind == PT_PMC_SOCKETPAIR ? "end" : "endpoint (role unknown)";
	return c->client == k ? "client" : "server";
}

/* End (exclusive) of the run of contiguous captured ranges starting at r[i] (one call's bytes each). */
static size_t run_end(const struct pt_pm_range *r, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && r[j].gap == PT_PMG_DATA && r[j].off == r[j - 1].off + r[j - 1].len)
		j++;
	return j;
}

static void hexline(__u64 off, const __u8 *b, size_t n)
{
	printf("%08llx ", (unsigned long long)off);
	for (size_t j = 0; j < 16; j++) {
		if (j == 8)
			putchar(' ');
		if (j < n)
			printf(" %02x", b[j]);
		else
			printf("   ");
	}
	printf("  |");
	for (size_t j = 0; j < n; j++)
		putchar(b[j] >= 0x20 && b[j] < 0x7f ? b[j] : '.');
	printf("|\n");
}

/* Hex dump of ranges r[0..n) (contiguous, captured), 16 bytes a line from r[0].off. */
static void hexdump(const struct pt_pm_range *r, size_t n)
{
	__u8 line[16];
	size_t fill = 0;
	__u64 off = r[0].off;

	for (size_t i = 0; i < n; i++)
		for (__u64 j = 0; j < r[i].len; j++) {
			line[fill++] = r[i].bytes[j];
			if (fill == sizeof(line)) {
				hexline(off, line, fill);
				off += fill;
				fill = 0;
			}
		}
	if (fill)
		hexline(off, line, fill);
}

static void print_text(const struct pt_pmload *l, const struct pt_pm_conn *c, int s, const struct pt_pm_range *r,
		       size_t n, __u64 a, __u64 b, __u64 total)
{
	char id[PT_VID_MAX], e[64];
	__u64 cap = 0, ngaps = 0;

	for (size_t i = 0; i < n; i++) {
		if (r[i].gap == PT_PMG_DATA)
			cap += r[i].len;
		else
			ngaps++;
	}
	pt_vid_conn(id, sizeof(id), c->id);
	printf("%s\n", id);
	printf("  from %s %s: ", role_word(c, s), ep_text(c, s, e, sizeof(e)));
	print_procs(l, c, s, false);
	printf("\n  to   %s %s: ", role_word(c, !s), ep_text(c, !s, e, sizeof(e)));
	print_procs(l, c, !s, false);
	printf("\n  bytes [%llu, %llu) of %llu: %llu captured, %llu gap(s)\n", (unsigned long long)a,
	       (unsigned long long)b, (unsigned long long)total, (unsigned long long)cap, (unsigned long long)ngaps);
	for (size_t i = 0; i < n;) {
		size_t j = run_end(r, n, i);

		if (r[i].gap == PT_PMG_DATA) {
			hexdump(&r[i], j - i);
			i = j;
			continue;
		}
		printf("-- gap at %llu (0x%llx), %llu bytes: %s\n", (unsigned long long)r[i].off,
		       (unsigned long long)r[i].off, (unsigned long long)r[i].len, pt_pv_gap_text(r[i].gap));
		i++;
	}
}

static void print_json(const struct pt_pmload *l, const struct pt_pm_conn *c, int s, int dir,
		       const struct pt_pm_range *r, size_t n, __u64 a, __u64 b, __u64 total)
{
	char id[PT_VID_MAX], e[64];
	bool complete = true;

	pt_vid_conn(id, sizeof(id), c->id);
	printf("{\"conn\":");
	pt_pv_json_str(stdout, id);
	printf(",\"dir\":\"%s\",\"from\":\"%s\",\"from_role\":\"%s\",\"from_procs\":[", dir == PT_DIR_OUT ? "out" : "in",
	       ep_text(c, s, e, sizeof(e)), role_word(c, s));
	print_procs(l, c, s, true);
	printf("],\"to\":\"%s\",\"to_role\":\"%s\",\"to_procs\":[", ep_text(c, !s, e, sizeof(e)), role_word(c, !s));
	print_procs(l, c, !s, true);
	printf("],\"offset\":%llu,\"end\":%llu,\"stream_bytes\":%llu,\"ranges\":[", (unsigned long long)a,
	       (unsigned long long)b, (unsigned long long)total);
	for (size_t i = 0, j; i < n; i = j) {
		__u64 len = r[i].len;

		j = r[i].gap == PT_PMG_DATA ? run_end(r, n, i) : i + 1;
		for (size_t k = i + 1; k < j; k++)
			len += r[k].len;
		printf("%s{\"off\":%llu,\"len\":%llu,\"gap\":\"%s\"", i ? "," : "", (unsigned long long)r[i].off,
		       (unsigned long long)len, pt_pv_gap_name(r[i].gap));
		if (r[i].gap == PT_PMG_DATA) {
			printf(",\"hex\":\"");
			for (size_t k = i; k < j; k++)
				for (__u64 b = 0; b < r[k].len; b++)
					printf("%02x", r[k].bytes[b]);
			printf("\"");
		} else {
			complete = false;
			printf(",\"reason\":");
			pt_pv_json_str(stdout, pt_pv_gap_text(r[i].gap));
		}
		printf("}");
	}
	printf("],\"complete\":%s}\n", complete ? "true" : "false");
}

int query_content(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "dir", required_argument, NULL, QC_DIR },
		{ "offset", required_argument, NULL, QC_OFFSET },
		{ "len", required_argument, NULL, QC_LEN },
		{ "raw", no_argument, NULL, QC_RAW },
		{ NULL, 0, NULL, 0 },
	};
	struct content_args a = { .dir = PT_DIR_OUT, .len = ~0ull };
	struct pt_pm_range *all = NULL, *r = NULL;
	size_t nall = 0, n = 0;
	const struct pt_pm_conn *c;
	struct pt_pmload *l = NULL;
	struct pt_qopts q;
	__u64 total, end;
	__u32 ci;
	char err[512];
	int rc, s;

	rc = pt_qopts_parse(argc, argv, &q, extra, on_opt, &a, usage_content);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!q.scan.expr || !*q.scan.expr) {
		fprintf(stderr, "provtap query content: which connection? Give CONN as `provtap query conn ''` "
			"prints it\n");
		return PT_EXIT_USAGE;
	}
	if (q.scan.since_ns || q.scan.until_ns || q.fmt == PT_FMT_CSV || (a.raw && q.fmt == PT_FMT_JSON)) {
		fprintf(stderr, "provtap query content: takes --dir, --offset, --len and one of --raw or --json "
			"(not --since, --until, --csv)\n");
		return PT_EXIT_USAGE;
	}
	if (pt_pv_find_conn(NULL, q.scan.expr, &ci, err, sizeof(err))) {	/* the syntax, before the store */
		fprintf(stderr, "provtap query content: %s\n", err);
		return PT_EXIT_USAGE;
	}
	rc = pt_pmload(q.store_dir, &l, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query content: %s\n", err);
		return PT_EXIT_FAIL;
	}
	pt_pmload_warn(l, stderr);
	rc = pt_pv_find_conn(l, q.scan.expr, &ci, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query content: %s\n", err);
		rc = rc == -EINVAL ? PT_EXIT_USAGE : PT_EXIT_FAIL;
		goto cleanup;
	}
	c = pt_procmodel_conn(l->m, ci);
	s = sender_of(c, a.dir);
	if ((rc = pt_procmodel_conn_content(l->m, ci, s, 0, ~0ull, &all, &nall)) ||
	    (rc = pt_procmodel_conn_content(l->m, ci, s, a.off, a.len, &r, &n))) {
		fprintf(stderr, "provtap query content: %s\n", strerror(-rc));
		rc = PT_EXIT_FAIL;
		goto cleanup;
	}
	total = nall ? all[nall - 1].off + all[nall - 1].len : 0;
	if (a.off > total) {
		fprintf(stderr, "provtap query content: --offset %llu is past the end of what conn:%s carried %s "
			"(%llu bytes)\n", (unsigned long long)a.off, c->id, a.dir == PT_DIR_OUT ? "out" : "in",
			(unsigned long long)total);
		rc = PT_EXIT_FAIL;
		goto cleanup;
	}
	end = n ? r[n - 1].off + r[n - 1].len : a.off;
	if (a.raw) {
		for (size_t i = 0; i < n; i++)
			if (r[i].gap != PT_PMG_DATA) {
				fprintf(stderr, "provtap query content: bytes [%llu, %llu) of conn:%s %s are not all "
					"captured: gap at offset %llu, %llu bytes (%s); nothing written (use --offset/--len "
					"for a range without gaps)\n", (unsigned long long)a.off, (unsigned long long)end,
					c->id, a.dir == PT_DIR_OUT ? "out" : "in", (unsigned long long)r[i].off,
					(unsigned long long)r[i].len, pt_pv_gap_text(r[i].gap));
				rc = PT_EXIT_FAIL;
				goto cleanup;
			}
		for (size_t i = 0; i < n; i++)
			if (fwrite(r[i].bytes, 1, r[i].len, stdout) != r[i].len) {
				fprintf(stderr, "provtap query content: writing to stdout: %s\n", strerror(errno));
				rc = PT_EXIT_FAIL;
				goto cleanup;
			}
	} else if (q.fmt == PT_FMT_JSON) {
		print_json(l, c, s, a.dir, r, n, a.off, end, total);
	} else {
		print_text(l, c, s, r, n, a.off, end, total);
	}
	rc = 0;	/* main() flushes stdout and reports a write that failed */
cleanup:
	free(all);
	free(r);
	pt_pmload_free(l);
	return rc;
}
