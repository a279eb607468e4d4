// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/query.h"

struct qop {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct qop ops[] = {
	{ "hops", query_hops, "per-hop packets, loss, delay and drops along the path of matching packets" },
	{ "loss", query_loss, "packets lost between two capture points" },
	{ "delay", query_delay, "delay between two capture points, with percentiles" },
	{ "rtt", query_rtt, "TCP round-trip times at a point, per interval and flow" },
	{ "throughput", query_throughput, "bytes and packets per interval per point" },
	{ "top", query_top, "the heaviest sources, destinations, ports, flows or points" },
	{ "flows", query_flows, "distinct 5-tuples with first/last seen, packets and bytes per point" },
	{ "packets", query_packets, "the matching packet records" },
	{ "drops", query_drops, "kernel drops with reason, location, netns and device" },
	{ "correlate", query_correlate, "map a middlebox's input packets/connections to its output" },
	{ "proc", query_proc, "a process: lineage, argv, exit, FD table at a time, connections, bytes" },
	{ "conn", query_conn, "connections: both ends' processes, bytes each way, duration" },
	{ "content", query_content, "the bytes a connection carried, with gaps marked" },
	{ "why", query_why, "provenance graph, backward: where a process, file or received byte came from" },
	{ "impact", query_impact, "provenance graph, forward: what a process, file or connection influenced" },
	{ NULL, NULL, NULL },
};

void usage_query(FILE *out)
{
	fprintf(out,
		"usage: provtap query OP [EXPR] [--store DIR] [--since T] [--until T] [--json|--csv] [OP options]\n"
		"\n"
		"Questions answered from the store (never the kernel). EXPR is the filter language plus\n"
		"`point NAME`; T is RFC 3339 (2026-11-23T20:00:00Z), `now`, or relative (-5m). --store\n"
		"defaults to $PROVTAP_STORE, then /var/lib/provtap. Output: an aligned table with units,\n"
		"--json (JSON lines) or --csv. A store with corrupt regions gives answers marked partial.\n"
		"\noperators:\n");
	for (const struct qop *o = ops; o->name; o++)
		fprintf(out, "  %-11s %s\n", o->name, o->summary);
	fprintf(out, "\n`provtap query OP --help` for each.\n");
}

int cmd_query(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage_query(argc < 2 ? stderr : stdout);
		return argc < 2 ? PT_EXIT_USAGE : 0;
	}
	for (const struct qop *o = ops; o->name; o++)
		if (!strcmp(o->name, argv[1]))
			return o->fn(argc - 1, argv + 1);
	fprintf(stderr, "provtap query: unknown operator '%s'; try `provtap query --help`\n", argv[1]);
	return PT_EXIT_USAGE;
}
