// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "cli/query.h"
#include "common/units.h"

enum { QO_STORE = 1000, QO_SINCE, QO_UNTIL, QO_JSON, QO_CSV, QO_HELP };

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
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", all, NULL)) != -1) {
		switch (c) {
		case QO_STORE: q->store_dir = optarg; break;
		case QO_JSON: q->fmt = PT_FMT_JSON; break;
		case QO_CSV: q->fmt = PT_FMT_CSV; break;
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
	if (optind < argc)
		q->scan.expr = argv[optind++];
	if (optind < argc) {
		const char *op = argv[0], *what = "filter EXPR";

		if (!strcmp(op, "why") || !strcmp(op, "impact"))
			what = "VERTEX";
		else if (!strcmp(op, "proc"))
			what = "PID or process id";
		else if (!strcmp(op, "content"))
			what = "CONN";
		fprintf(stderr, "provtap query %s: unexpected argument '%s': one %s (quote it), then options\n", op,
			argv[optind], what);
		return PT_EXIT_USAGE;
	}
	if (q->scan.since_ns && q->scan.until_ns && q->scan.since_ns > q->scan.until_ns) {
		fprintf(stderr, "provtap query %s: the window is empty: --since is after --until\n", argv[0]);
		return PT_EXIT_USAGE;
	}
	q->scan.store_dir = q->store_dir;
	return 0;
}
