// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "cli/query.h"
#include "common/units.h"

enum { QO_STORE = 1000, QO_SINCE, QO_UNTIL, QO_JSON, QO_CSV, QO_HELP };

/*
 * Is s a negative number ("-5", "-1.5")? getopt would read it as a cluster of
 * short options ("invalid option -- '5'"); here it is an operand, for the
 * operator to judge (query proc: "PID must be a positive number").
 */
static bool negative_number(const char *s)
{
	return s[0] == '-' && s[1] >= '0' && s[1] <= '9' && strspn(s + 1, "0123456789.") == strlen(s + 1);
}

/* Set the output format from --json/--csv: 0, or a usage error when the other one was given. */
static int set_fmt(struct pt_qopts *q, enum pt_fmt fmt, const char *op)
{
	if (q->fmt != PT_FMT_TABLE && q->fmt != fmt) {
		fprintf(stderr, "provtap query %s: --json and --csv are two output formats: give one\n", op);
		return PT_EXIT_USAGE;
	}
	q->fmt = fmt;
	return 0;
}

int pt_qopts_parse(int argc, char **argv, struct pt_qopts *q, const struct option *extra,
		   int (*cb)(void *ctx, int opt, const char *arg), void *ctx, void (*usage)(FILE *))
{
	static const struct option common[] = {
		{ "store", required_argument, NULL, QO_STORE }, { "since", required_argument, NULL, QO_SINCE },
		{ "until", required_argument, NULL, QO_UNTIL }, { "json", no_argument, NULL, QO_JSON },
		{ "csv", no_argument, NULL, QO_CSV }, { "help", no_argument, NULL, QO_HELP },
	};
	struct option all[64];
	__u64 now = pt_now_ns(CLOCK_REALTIME);
	const char *env = getenv("PROVTAP_STORE");
	static char prog[64];
	const char *extra_arg = NULL;	/* the first operand after EXPR */
	char *op;
	size_t n = 0;
	int c, rc;

	memset(q, 0, sizeof(*q));
	q->store_dir = env && *env ? env : "/var/lib/provtap";
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		all[n++] = common[i];
	for (; extra && extra[0].name && n < 63; extra++)
		all[n++] = *extra;
	memset(&all[n], 0, sizeof(all[n]));
	/* getopt's own messages say "provtap query OP: ..." (argv[0] is OP again after the loop) */
	op = argv[0];
	snprintf(prog, sizeof(prog), "provtap query %s", op);
	argv[0] = prog;
	/*
	 * "-" first: operands come back in order as option 1 (nothing is permuted),
	 * so a negative number can be taken as an operand before getopt sees it.
	 * Every option here ends its argv element (long options, and -h returns),
	 * so argv[optind] is always the start of the next element.
	 */
	optind = 1;
	for (;;) {
		if (optind < argc && negative_number(argv[optind])) {
			optarg = argv[optind++];
			c = 1;
		} else if ((c = getopt_long(argc, argv, "-h", all, NULL)) == -1) {
			break;
		}
		switch (c) {
		case 1:
			if (!q->scan.expr)
				q->scan.expr = optarg;
			else if (!extra_arg)
				extra_arg = optarg;
			break;
		case QO_STORE: q->store_dir = optarg; break;
		case QO_JSON:
		case QO_CSV:
			if ((rc = set_fmt(q, c == QO_JSON ? PT_FMT_JSON : PT_FMT_CSV, op)))
				return rc;
			break;
		case QO_SINCE:
		case QO_UNTIL:
			if (pt_parse_time(optarg, now, c == QO_SINCE ? &q->scan.since_ns : &q->scan.until_ns)) {
				fprintf(stderr, "provtap query %s: --%s takes RFC 3339 (2026-11-23T20:00:00Z), "
					"'now' or a relative time (-5m), not '%s'\n", op,
					c == QO_SINCE ? "since" : "until", optarg);
				return PT_EXIT_USAGE;
			}
			break;
		case 'h':
		case QO_HELP:
			usage(stdout);
			return -1;
		case '?':
			fprintf(stderr, "try `provtap query %s --help`\n", op);
			return PT_EXIT_USAGE;
		default:
			rc = cb ? cb(ctx, c, optarg) : PT_EXIT_USAGE;
			if (rc)
				return rc;
		}
	}
	argv[0] = op;
	for (; optind < argc && !extra_arg; optind++) {	/* the operands after "--" */
		if (!q->scan.expr)
			q->scan.expr = argv[optind];
		else
			extra_arg = argv[optind];
	}
	if (extra_arg) {
		const char *op = argv[0], *what = "filter EXPR";

		if (!strcmp(op, "why") || !strcmp(op, "impact"))
			what = "VERTEX";
		else if (!strcmp(op, "proc"))
			what = "PID or process id";
		else if (!strcmp(op, "content"))
			what = "CONN";
		fprintf(stderr, "provtap query %s: unexpected argument '%s': one %s (quote it), then options\n", op,
			extra_arg, what);
		return PT_EXIT_USAGE;
	}
	if (q->scan.since_ns && q->scan.until_ns && q->scan.since_ns > q->scan.until_ns) {
		fprintf(stderr, "provtap query %s: the window is empty: --since is after --until\n", argv[0]);
		return PT_EXIT_USAGE;
	}
	q->scan.store_dir = q->store_dir;
	return 0;
}
