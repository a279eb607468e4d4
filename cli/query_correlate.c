// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * query_correlate.c — `provtap query correlate`: a middlebox's input mapped to
 * its output (query/correlate.h), with the unmatched residue.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/query.h"
#include "common/units.h"
#include "query/correlate.h"
#include "query/format.h"
#include "query/ops.h"

enum { CO_IN = 3000, CO_OUT, CO_BY, CO_MAX_DELAY, CO_LIMIT };

struct corrctx {
	const char *in, *out;
	enum pt_corr_by by;
	__u64 max_delay_ns;
	__u64 limit;
};

static void usage_correlate(FILE *out)
{
	fprintf(out,
		"usage: provtap query correlate [EXPR] --in POINT --out POINT [--by fingerprint|payload|conn-order]\n"
		"                               [--max-delay DUR] [--limit N] [--store DIR] [--since T] [--until T]\n"
		"                               [--json|--csv]\n"
		"\n"
		"Map what a middlebox receives at capture point --in to what it sends at --out, and show the\n"
		"unmatched residue on each side. POINT: ifname@netns:dir, ifname@netns (both directions) or an\n"
		"alias. EXPR (optional) filters both sides.\n"
		"\n"
		"  --by fingerprint  (default) the same packet fingerprint at both points: for middleboxes that\n"
		"                    keep headers. One row per flow pair: packets matched, delay p50/max.\n"
		"  --by payload      a hash of the L4 payload (packets without payload take no part): through\n"
		"                    NAT and L4 proxies that keep payloads (and segment boundaries). Needs\n"
		"                    points loaded with `--fp payload` (the fingerprint is the payload hash)\n"
		"                    or `--snaplen N` (payload bytes, hashed here the same way); refused\n"
		"                    otherwise. One row per connection pair.\n"
		"  --by conn-order   for L4 load balancers that split TCP connections: new connections at --in\n"
		"                    (the client's ACK completing the handshake) matched in time order, one\n"
		"                    to one, to new connections at --out (the proxy's SYN to a backend), each\n"
		"                    SYN after its ACK. One row per client connection -> backend connection,\n"
		"                    with the time between.\n"
		"\n"
		"Packets (connections) are paired first in, first out per key, the out one no earlier than\n"
		"the in one and at most --max-delay (default 1s) after it; the rest is the residue: in\n"
		"packets never seen out, out packets never seen in, per flow with counts (the table shows the\n"
		"first --limit flows per side, default 10; --json/--csv all of them, kind unmatched_in or\n"
		"unmatched_out). Exit status 1 when a point is unknown or has no packet in the window.\n"
		"\nexamples:\n"
		"  provtap query correlate 'tcp' --in veth-r2a@r2:in --out veth-r2b@r2:out --by conn-order\n"
		"  provtap query correlate 'udp port 53' --in fw-in --out fw-out --since -5m\n"
		"  provtap query correlate --in eth0@lb:in --out eth1@lb:out --by payload --json\n");
}

static int opt_cb(void *vctx, int opt, const char *arg)
{
	struct corrctx *c = vctx;

	switch (opt) {
	case CO_IN: c->in = arg; return 0;
	case CO_OUT: c->out = arg; return 0;
	case CO_BY:
		if (pt_corr_by_parse(arg, &c->by)) {
			fprintf(stderr, "provtap query correlate: --by takes fingerprint, payload or conn-order, not '%s'\n",
				arg);
			return PT_EXIT_USAGE;
		}
		return 0;
	case CO_MAX_DELAY:
		if (pt_parse_duration(arg, &c->max_delay_ns) || !c->max_delay_ns) {
			fprintf(stderr, "provtap query correlate: --max-delay takes a duration (1s, 200ms), not '%s'\n",
				arg);
			return PT_EXIT_USAGE;
		}
		return 0;
	case CO_LIMIT:
		if (pt_parse_u64(arg, 1, 1000000000, &c->limit)) {
			fprintf(stderr, "provtap query correlate: --limit takes a number from 1 to 1000000000, not '%s'\n",
				arg);
			return PT_EXIT_USAGE;
		}
		return 0;
	}
	return PT_EXIT_USAGE;
}

static const char *plural(__u64 n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void notes(struct pt_table *t, const struct pt_corr *c, struct pt_scan *s, const struct corrctx *x)
{
	const struct pt_corr_counts *n = pt_corr_get_counts(c);
	static const char *sn[2] = { "--in", "--out" };
	__u64 bad;

	if (pt_scan_partial(s, &bad))
		pt_table_note(t, "partial: %llu corrupt region%s of the store skipped: the mapping may miss packets",
			      (unsigned long long)bad, bad == 1 ? "" : "s");
	for (int i = 0; i < 2; i++) {
		if (n->lost[i])
			pt_table_note(t, "note: the kernel lost %llu record%s at %s in the window (ring buffer full): "
				      "some residue may be records never stored", (unsigned long long)n->lost[i],
				      n->lost[i] == 1 ? "" : "s", sn[i]);
		if (x->by == PT_CORR_PAYLOAD && n->no_payload[i])
			pt_table_note(t, "%llu packet%s without payload at %s left out (payload hashes would collide)",
				      (unsigned long long)n->no_payload[i], n->no_payload[i] == 1 ? "" : "s", sn[i]);
		if (x->by == PT_CORR_PAYLOAD && n->no_hash[i])
			pt_table_note(t, "%llu packet%s with payload at %s had no payload hash (no `--fp payload`, no "
				      "captured payload bytes, VXLAN or fragments) and were left out",
				      (unsigned long long)n->no_hash[i], n->no_hash[i] == 1 ? "" : "s", sn[i]);
		if (x->by == PT_CORR_PAYLOAD && n->short_capture[i])
			pt_table_note(t, "%llu packet%s at %s hashed from fewer payload bytes than the fingerprint "
				      "takes (64): use the same --snaplen at both points, or a larger one",
				      (unsigned long long)n->short_capture[i], n->short_capture[i] == 1 ? "" : "s", sn[i]);
		if (x->by == PT_CORR_CONN && n->already_open[i])
			pt_table_note(t, "%llu TCP flow%s at %s whose SYN was not seen (opened before the window) left out",
				      (unsigned long long)n->already_open[i], n->already_open[i] == 1 ? "" : "s", sn[i]);
	}
	if (x->by == PT_CORR_FP && !n->matched)
		pt_table_note(t, "hint: no packet kept its fingerprint: a middlebox that rewrites headers (NAT, "
			      "an L4 proxy) needs --by payload or --by conn-order");
	if (x->by == PT_CORR_FP && n->fp_nat[0] + n->fp_nat[1])
		pt_table_note(t, "note: %llu record%s carry the payload fingerprint (`--fp payload`): those match by "
			      "payload, not headers", (unsigned long long)(n->fp_nat[0] + n->fp_nat[1]),
			      n->fp_nat[0] + n->fp_nat[1] == 1 ? "" : "s");
}

int query_correlate(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "in", required_argument, NULL, CO_IN }, { "out", required_argument, NULL, CO_OUT },
		{ "by", required_argument, NULL, CO_BY }, { "max-delay", required_argument, NULL, CO_MAX_DELAY },
		{ "limit", required_argument, NULL, CO_LIMIT }, { NULL, 0, NULL, 0 } };
	struct corrctx x = { .by = PT_CORR_FP, .limit = 10 };
	struct pt_corr_opts co = {};
	struct pt_qopts q;
	struct pt_scan *s = NULL;
	struct pt_corr *c = NULL;
	const struct pt_corr_counts *n;
	const struct pt_corr_pair *pairs;
	const struct pt_corr_resid *res;
	struct pt_table *t, *r = NULL;
	bool conn, human;
	char err[4096], title[512], b1[48], b2[160];
	const char *unit, *units;
	size_t np, nr, shown[2] = { 0, 0 }, flows[2] = { 0, 0 };
	int rc;

	rc = pt_qopts_parse(argc, argv, &q, extra, opt_cb, &x, usage_correlate);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!x.in || !x.out) {
		fprintf(stderr, "provtap query correlate: --in POINT and --out POINT are required (the middlebox's "
			"input and output capture points); try `provtap query correlate --help`\n");
		return PT_EXIT_USAGE;
	}
	if (!strcmp(x.in, x.out)) {
		fprintf(stderr, "provtap query correlate: --in and --out must name two different points\n");
		return PT_EXIT_USAGE;
	}
	rc = pt_scan_open(&q.scan, &s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query correlate: error: %s\n", err);
		return rc == -EINVAL ? PT_EXIT_USAGE : PT_EXIT_FAIL;
	}
	co.by = x.by;
	co.max_delay_ns = x.max_delay_ns;
	c = pt_corr_new(&co);
	if (!c) {
		fprintf(stderr, "provtap query correlate: error: out of memory\n");
		rc = PT_EXIT_FAIL;
		goto out;
	}
	rc = pt_corr_scan(c, s, x.in, x.out, err, sizeof(err));
	if (rc == -ENODATA)	/* a side without packets: say so when EXPR names a point the store has not */
		pt_scan_unknown_point(s, err, sizeof(err));
	if (!rc)
		rc = pt_corr_run(c, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query correlate: %s%s\n", rc == -ENOMEM || rc == -EIO ? "error: " : "", err);
		rc = PT_EXIT_FAIL;
		goto out;
	}
	n = pt_corr_get_counts(c);
	pairs = pt_corr_pairs(c, &np);
	res = pt_corr_residue(c, &nr);
	conn = x.by == PT_CORR_CONN;
	human = q.fmt == PT_FMT_TABLE;
	unit = conn ? "connection" : "packet";
	units = conn ? "connections" : "packets";
	for (size_t i = 0; i < nr; i++)
		flows[res[i].side]++;

	if (conn)
		snprintf(title, sizeof(title), "correlate by conn-order, %s -> %s: %llu new %s in, %llu out, %llu "
			 "matched (client connection -> backend connection)", x.in, x.out,
			 (unsigned long long)n->keyed[0], plural(n->keyed[0], unit, units),
			 (unsigned long long)n->keyed[1], (unsigned long long)n->matched);
	else
		snprintf(title, sizeof(title), "correlate by %s, %s -> %s: %llu %s in, %llu out, %llu matched",
			 pt_corr_by_name(x.by), x.in, x.out, (unsigned long long)n->keyed[0],
			 plural(n->keyed[0], unit, units), (unsigned long long)n->keyed[1],
			 (unsigned long long)n->matched);
	t = pt_table_new(q.fmt, human ? title : NULL);
	if (!human)
		pt_table_col(t, "kind", "KIND", false);
	pt_table_col(t, "in_flow", conn ? "IN CONNECTION (client side)" : "IN FLOW", false);
	pt_table_col(t, "out_flow", conn ? "OUT CONNECTION (backend side)" : "OUT FLOW", false);
	pt_table_col(t, "first", conn ? "IN ACK AT" : "FIRST IN", false);
	if (conn) {
		if (!human)
			pt_table_col(t, "connections", "CONNECTIONS", true);
		pt_table_col(t, "delay_ms", "IN ACK -> OUT SYN (ms)", true);
	} else {
		pt_table_col(t, "packets", "PACKETS", true);
		pt_table_col(t, "delay_p50_ms", "DELAY p50 (ms)", true);
		pt_table_col(t, "delay_max_ms", "DELAY MAX (ms)", true);
	}
	for (size_t i = 0; i < np; i++) {
		pt_table_row(t);
		if (!human)
			pt_table_str(t, "pair");
		pt_table_str(t, pt_tuple_str(&pairs[i].in, b2, sizeof(b2)));
		pt_table_str(t, pt_tuple_str(&pairs[i].out, b2, sizeof(b2)));
		pt_table_str(t, pt_fmt_rfc3339(pairs[i].first_ns, b1, sizeof(b1)));
		if (conn) {
			if (!human)
				pt_table_u64(t, pairs[i].packets);
			pt_table_f(t, pairs[i].delay_p50_ms, 3);
		} else {
			pt_table_u64(t, pairs[i].packets);
			pt_table_f(t, pairs[i].delay_p50_ms, 3);
			pt_table_f(t, pairs[i].delay_max_ms, 3);
		}
	}

	snprintf(title, sizeof(title), "unmatched: %llu in-%s never seen out (%zu flow%s), %llu out-%s never "
		 "seen in (%zu flow%s)", (unsigned long long)n->unmatched[0], plural(n->unmatched[0], unit, units),
		 flows[0], flows[0] == 1 ? "" : "s", (unsigned long long)n->unmatched[1],
		 plural(n->unmatched[1], unit, units), flows[1], flows[1] == 1 ? "" : "s");
	if (human && !nr) {
		pt_table_note(t, "%s", title);
	} else if (human) {
		r = pt_table_new(q.fmt, title);
		pt_table_col(r, "side", "SIDE", false);
		pt_table_col(r, "flow", "FLOW", false);
		pt_table_col(r, "first", "FIRST UNMATCHED", false);
		pt_table_col(r, "count", conn ? "CONNECTIONS" : "PACKETS", true);
	}
	for (size_t i = 0; i < nr; i++) {
		const struct pt_corr_resid *e = &res[i];
		bool in = e->side == PT_CORR_IN;

		if (r) {
			if (shown[e->side] >= x.limit)
				continue;
			shown[e->side]++;
			pt_table_row(r);
			pt_table_str(r, in ? "in, never out" : "out, never in");
			pt_table_str(r, pt_tuple_str(&e->flow, b2, sizeof(b2)));
			pt_table_str(r, pt_fmt_rfc3339(e->first_ns, b1, sizeof(b1)));
			pt_table_u64(r, e->count);
			continue;
		}
		pt_table_row(t);
		pt_table_str(t, in ? "unmatched_in" : "unmatched_out");
		if (in)
			pt_table_str(t, pt_tuple_str(&e->flow, b2, sizeof(b2)));
		else
			pt_table_null(t);
		if (in)
			pt_table_null(t);
		else
			pt_table_str(t, pt_tuple_str(&e->flow, b2, sizeof(b2)));
		pt_table_str(t, pt_fmt_rfc3339(e->first_ns, b1, sizeof(b1)));
		pt_table_u64(t, e->count);
		pt_table_null(t);
		if (!conn)
			pt_table_null(t);
	}
	for (int i = 0; r && i < 2; i++)
		if ((size_t)flows[i] > shown[i])
			pt_table_note(r, "%zu more %s flow%s not shown (--limit %llu; --json shows all)",
				      flows[i] - shown[i], i ? "out" : "in", flows[i] - shown[i] == 1 ? "" : "s",
				      (unsigned long long)x.limit);
	if (!human)
		pt_table_note(t, "%s", title);
	notes(r ? r : t, c, s, &x);
	pt_table_print(t, stdout);
	if (r) {
		putchar('\n');
		pt_table_print(r, stdout);
	}
	rc = 0;
out:
	pt_corr_free(c);
	pt_scan_close(s);
	return rc;
}
