/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * query.h — `provtap query OP`: each operator is a command (argv[0] = OP) in
 * its own cli/query_*.c, with a usage function. Shared option parsing in
 * cli/query_opts.c.
 */
#ifndef PROVTAP_CLI_QUERY_H
#define PROVTAP_CLI_QUERY_H

#include <stdio.h>
#include "query/scan.h"
#include "query/table.h"

/* Options every query takes. */
struct pt_qopts {
	struct pt_scan_opts scan;	/* store_dir, expr, since/until (realtime ns) */
	enum pt_fmt fmt;
	const char *store_dir;
};

/*
 * Parse the common options (--store DIR, --since T, --until T, --json, --csv)
 * and at most one positional EXPR from argv, leaving the operator's own long
 * options to `extra` (getopt_long table, may be NULL) via cb(ctx, opt, optarg)
 * which returns 0 or an exit code. Returns 0, or an exit code (usage printed).
 * --store defaults to $PROVTAP_STORE, then /var/lib/provtap. A negative number
 * ("-5") is an operand, not options; --json with --csv is a usage error.
 */
struct option;
int pt_qopts_parse(int argc, char **argv, struct pt_qopts *q, const struct option *extra,
		   int (*cb)(void *ctx, int opt, const char *arg), void *ctx, void (*usage)(FILE *));

/* Operators: each in cli/query_*.c. */
int query_hops(int argc, char **argv);
int query_loss(int argc, char **argv);
int query_delay(int argc, char **argv);
int query_rtt(int argc, char **argv);
int query_throughput(int argc, char **argv);
int query_top(int argc, char **argv);
int query_flows(int argc, char **argv);
int query_packets(int argc, char **argv);
int query_drops(int argc, char **argv);
int query_correlate(int argc, char **argv);
int query_proc(int argc, char **argv);		/* cli/query_proc.c */
int query_conn(int argc, char **argv);		/* cli/query_conn.c */
int query_content(int argc, char **argv);	/* cli/query_content.c */
int query_why(int argc, char **argv);		/* cli/query_graph.c */
int query_impact(int argc, char **argv);	/* cli/query_graph.c */

#endif /* PROVTAP_CLI_QUERY_H */
