// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* query_graph.c — `provtap query why|impact VERTEX`: the provenance graph (query/graph.h) as text, JSON or DOT. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/query.h"
#include "common/units.h"
#include "query/graph.h"
#include "query/pmload.h"
#include "query/vertex.h"

enum { GO_DEPTH = 2000, GO_FANOUT, GO_DOT };

struct graph_args {
	const char *op;
	struct pt_graph_opts o;
	bool dot;
};

static void usage_common(FILE *out, const char *op)
{
	fprintf(out,
		"usage: provtap query %s VERTEX [--depth N] [--fanout N] [--dot|--json] [--store DIR]\n"
		"\n", op);
}

static void usage_ids(FILE *out)
{
	fprintf(out,
		"\n"
		"VERTEX is an id as every provenance query prints it:\n"
		"  proc:HOST/PID@START   a process (START: its start time, boottime ns); proc:PID is the\n"
		"                        newest process of that pid\n"
		"  conn:ID               a connection (`provtap query conn` lists them)\n"
		"  recv:CONN+OFFSET      the byte at OFFSET of what the accepting end of CONN received;\n"
		"  recv:CONN@EP+OFFSET   ... of what end EP (10.0.3.2:9200) received\n"
		"  file:PATH             a file, by the path a process opened or executed it with\n"
		"  pkt:FP@POINT          a TCP packet (fingerprint, 16 hex digits) at a capture point\n"
		"  drop:FP@TS            a kernel drop of a TCP packet at boottime ns TS\n"
		"  sock:HOST/INO         a socket by inode\n"
		"\n"
		"Edges point the way information flowed: forked, executed, read, wrote, sent,\n"
		"connected, accepted, transmitted-as (bytes -> the packets that carried them, by TCP\n"
		"sequence number), forwarded (a packet at one capture point -> the next), dropped-at,\n"
		"received (packets -> the bytes the receiving socket got). The walk is temporal: a\n"
		"process's inputs are what it read before the moment it is reached at, its outputs\n"
		"what it did from then on. Each line is one vertex with its id (copy it to walk on):\n"
		"  <- sent 10000 B [0, 10000) in 1 sendto by tid 77, content captured at 12:00:01.123456  proc:...\n"
		"\"<-\" the line's vertex fed its parent line's, \"->\" its parent line's fed it.\n"
		"\n"
		"  --depth N     process steps to expand (default %d): the processes the root leads to\n"
		"                directly (recv: the sender; proc: itself; file: its writers or readers)\n"
		"                are step 1, a process reached from a step-k process is step k+1; 0\n"
		"                shows the root's chain up to the first process only\n"
		"  --fanout N    neighbours listed per vertex (default %d; forks and execs always);\n"
		"                the rest are counted on one line. Calls are grouped per process and\n"
		"                object: a thousand reads of one file are one edge\n"
		"  --dot         Graphviz (dot -Tsvg renders it)\n"
		"  --json        one JSON document; schema: docs/graph.schema.json\n"
		"\n"
		"Calls whose content --content cut are marked \"content truncated\" (JSON: truncated).\n"
		"Exit status: 0 answered, 1 no such vertex or the store cannot be read, 2 usage (a\n"
		"malformed VERTEX).\n", PT_GRAPH_DEPTH, PT_GRAPH_FANOUT);
}

static void usage_why(FILE *out)
{
	usage_common(out, "why");
	fprintf(out,
		"Backward provenance: where VERTEX came from. For received bytes: the packets that\n"
		"carried them at each capture point (and their drops), the connection, the sender's\n"
		"call and process, and what that process had read before (files, other connections),\n"
		"its execs and its parents, recursively to --depth.\n");
	usage_ids(out);
	fprintf(out,
		"\nexamples:\n"
		"  provtap query why 'recv:tcp:10.0.1.1:40000-10.0.3.2:9200/8812-8813+5000'\n"
		"  provtap query why proc:4321 --depth 1\n"
		"  provtap query why file:/etc/hosts --dot | dot -Tsvg > why.svg\n");
}

static void usage_impact(FILE *out)
{
	usage_common(out, "impact");
	fprintf(out,
		"Forward provenance: what VERTEX influenced. A process: its children, the files it\n"
		"wrote, the bytes it sent (-> packets -> the receiving processes and what they then\n"
		"did); a file: the processes that read it; a connection: both directions' receivers.\n");
	usage_ids(out);
	fprintf(out,
		"\nexamples:\n"
		"  provtap query impact file:/tmp/payload.bin\n"
		"  provtap query impact proc:myhost/4321@81234567890 --json\n");
}

static int on_opt(void *ctx, int opt, const char *arg)
{
	struct graph_args *a = ctx;
	__u64 v;

	switch (opt) {
	case GO_DOT:
		a->dot = true;
		return 0;
	case GO_DEPTH:
	case GO_FANOUT:
		if (pt_parse_u64(arg, opt == GO_DEPTH ? 0 : 1, 1000, &v)) {
			fprintf(stderr, "provtap query %s: --%s takes a number from %d to 1000, not '%s'\n", a->op,
				opt == GO_DEPTH ? "depth" : "fanout", opt == GO_DEPTH ? 0 : 1, arg);
			return PT_EXIT_USAGE;
		}
		if (opt == GO_DEPTH)
			a->o.depth = (unsigned)v;
		else
			a->o.fanout = (unsigned)v;
		return 0;
	}
	return PT_EXIT_USAGE;
}

static int run(int argc, char **argv, bool impact)
{
	static const struct option extra[] = {
		{ "depth", required_argument, NULL, GO_DEPTH },
		{ "fanout", required_argument, NULL, GO_FANOUT },
		{ "dot", no_argument, NULL, GO_DOT },
		{ NULL, 0, NULL, 0 },
	};
	struct graph_args a = { .op = impact ? "impact" : "why",
				.o = { .impact = impact, .depth = PT_GRAPH_DEPTH, .fanout = PT_GRAPH_FANOUT } };
	struct pt_vertex_id *v = NULL;
	struct pt_pmload *l = NULL;
	struct pt_graph *g = NULL;
	struct pt_qopts q;
	char err[1024];
	int rc;

	rc = pt_qopts_parse(argc, argv, &q, extra, on_opt, &a, impact ? usage_impact : usage_why);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!q.scan.expr || !*q.scan.expr) {
		fprintf(stderr, "provtap query %s: which VERTEX? (e.g. proc:PID, conn:ID, recv:CONN+OFFSET, file:PATH); "
			"try `provtap query %s --help`\n", a.op, a.op);
		return PT_EXIT_USAGE;
	}
	if (q.fmt == PT_FMT_CSV || (q.fmt == PT_FMT_JSON && a.dot)) {
		fprintf(stderr, "provtap query %s: the graph is text, --json or --dot (one of them)\n", a.op);
		return PT_EXIT_USAGE;
	}
	if (q.scan.since_ns || q.scan.until_ns) {
		fprintf(stderr, "provtap query %s: --since/--until do not apply: the walk follows time from the vertex "
			"through the whole store\n", a.op);
		return PT_EXIT_USAGE;
	}
	v = malloc(sizeof(*v));
	if (!v) {
		fprintf(stderr, "provtap query %s: out of memory\n", a.op);
		return PT_EXIT_FAIL;
	}
	if (pt_vertex_parse(q.scan.expr, v, err, sizeof(err))) {
		fprintf(stderr, "provtap query %s: %s\n", a.op, err);
		rc = PT_EXIT_USAGE;
		goto out;
	}
	rc = pt_pmload(q.store_dir, &l, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query %s: %s\n", a.op, err);
		rc = PT_EXIT_FAIL;
		goto out;
	}
	pt_pmload_warn(l, stderr);
	a.o.store_dir = q.store_dir;
	rc = pt_graph_build(l, v, &a.o, &g, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query %s: %s\n", a.op, err);
		if (rc == -ENOENT)
			fprintf(stderr, "provtap query %s: ids are printed by `provtap query proc PID`, `provtap query "
				"conn` and by why/impact themselves\n", a.op);
		rc = PT_EXIT_FAIL;
		goto out;
	}
	if (a.dot)
		pt_graph_print_dot(stdout, g);
	else if (q.fmt == PT_FMT_JSON)
		pt_graph_print_json(stdout, g);
	else
		pt_graph_print_text(stdout, g);
	if (fflush(stdout)) {
		perror("provtap query: writing the answer");
		rc = PT_EXIT_FAIL;
	}
out:
	pt_graph_free(g);
	pt_pmload_free(l);
	free(v);
	return rc;
}

int query_why(int argc, char **argv)
{
	return run(argc, argv, false);
}

int query_impact(int argc, char **argv)
{
	return run(argc, argv, true);
}
