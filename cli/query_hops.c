// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* query_hops.c — `provtap query hops|loss|delay`: query/hops.h's results as tables. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/query.h"
#include "collector/store.h"
#include "common/units.h"
#include "query/dropnames.h"
#include "query/format.h"
#include "query/hops.h"

#define MAX_PCT 10

enum { HO_PER_FLOW = 2000, HO_HORIZON, HO_MAX_DELAY, HO_FROM, HO_TO, HO_PCT };

struct hops_args {
	const char *op;
	struct pt_hops_opts o;
	double pct[MAX_PCT];
	int npct;
};

static void usage_hops(FILE *out)
{
	fprintf(out,
		"usage: provtap query hops [EXPR] [--per-flow] [--since T] [--until T] [--horizon DUR]\n"
		"                          [--max-delay DUR] [--store DIR] [--json|--csv]\n"
		"\n"
		"Where matching packets go and where they are lost. A packet is a fingerprint; its path is\n"
		"the order in which capture points first see it. The usual path (the one consistent with\n"
		"the most packets, counting packets lost along it) is shown, one row per segment:\n"
		"  AT FROM / AT TO   packets on the path that reached the segment's first / second point\n"
		"  LOST              AT FROM - AT TO - IN FLIGHT; %% of AT FROM - IN FLIGHT\n"
		"  IN FLIGHT         last seen at FROM within the segment's max delay (largest observed,\n"
		"                    or --max-delay) of the newest packet: not counted as lost\n"
		"  RETRANS           the same fingerprint seen again at FROM (no false loss)\n"
		"  p50/p90/p99/MAX   delay FROM->TO in ms (nearest-rank percentiles of exact samples)\n"
		"  DROPS, REASONS    kernel drops (drop probe: `provtap probe load --drops`) of packets last\n"
		"                    seen at FROM, with their reasons; drops before any point, after the\n"
		"                    last one or on other paths are counted in notes\n"
		"Packets on other paths (e.g. the reverse direction: use a one-way EXPR) are counted apart.\n"
		"\n"
		"  --per-flow        the same per 5-tuple flow (both directions are one flow)\n"
		"  --horizon DUR     forget a fingerprint this long after its first sighting (default 10s)\n"
		"  --max-delay DUR   in-flight cut-off instead of each segment's largest delay\n"
		"\n"
		"examples:\n"
		"  provtap query hops 'udp and dst port 9000'\n"
		"  provtap query hops 'tcp and dst host 10.0.3.2 and dst port 8080' --since -5m --per-flow\n"
		"  provtap query hops 'icmp' --json\n"
		"\nExit status: 0 answered, 1 no answer (no packets, or seen at one point only), 2 usage.\n");
}

static void usage_loss(FILE *out)
{
	fprintf(out,
		"usage: provtap query loss [EXPR] --from POINT --to POINT [--since T] [--until T]\n"
		"                          [--max-delay DUR] [--horizon DUR] [--store DIR] [--json|--csv]\n"
		"\n"
		"Packets (fingerprints) seen at FROM, how many of them were then seen at TO, and how many\n"
		"were lost (%% of those whose fate is known). Packets last seen at FROM within the max delay\n"
		"FROM->TO (largest observed, or --max-delay) of the newest packet are in flight, not lost;\n"
		"the same fingerprint seen again at FROM is a retransmission, not a new packet. DROPS: kernel\n"
		"drops (drop probe) of packets last seen at FROM, with their reasons.\n"
		"POINT is a capture point as `provtap store count` prints it (ifname@netns:dir) or an alias.\n"
		"\n"
		"examples:\n"
		"  provtap query loss 'udp and dst port 9000' --from ptr2a@ptr2:in --to ptr2b@ptr2:out\n"
		"  provtap query loss 'tcp' --from c@client:out --to s@server:in --since -10m --json\n"
		"\nExit status: 0 answered, 1 unknown point or no packets at FROM, 2 usage.\n");
}

static void usage_delay(FILE *out)
{
	fprintf(out,
		"usage: provtap query delay [EXPR] --from POINT --to POINT [--percentiles 50,90,99]\n"
		"                           [--since T] [--until T] [--horizon DUR] [--store DIR] [--json|--csv]\n"
		"\n"
		"Delay distribution FROM->TO over the packets seen at both (ts at TO minus the latest copy at\n"
		"FROM before it): count, min, the percentiles (nearest rank over exact µs samples), max and\n"
		"mean, in ms with µs precision.\n"
		"\n"
		"examples:\n"
		"  provtap query delay 'tcp and dst port 8080' --from ptr1a@ptr1:in --to ptr1b@ptr1:out\n"
		"  provtap query delay 'udp' --from c@client:out --to s@server:in --percentiles 50,99,99.9\n"
		"\nExit status: 0 answered, 1 unknown point or no packet seen at both, 2 usage.\n");
}

static int parse_pct(struct hops_args *a, const char *arg)
{
	char *dup = strdup(arg), *save = NULL, *tok;
	int rc = 0;

	if (!dup)
		return PT_EXIT_FAIL;
	a->npct = 0;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		double p = strtod(tok, &end);

		/* plain decimals only (strtod also takes 1e2, 0x32, inf); no empty item (strtok skips them) */
		if (end == tok || *end || strspn(tok, "0123456789.") != strlen(tok) || !(p > 0 && p <= 100) ||
		    a->npct == MAX_PCT || strstr(arg, ",,") || arg[0] == ',' || arg[strlen(arg) - 1] == ',') {
			fprintf(stderr, "provtap query delay: --percentiles takes up to %d numbers in (0, 100] "
				"separated by commas, not '%s'\n", MAX_PCT, arg);
			rc = PT_EXIT_USAGE;
			break;
		}
		a->pct[a->npct++] = p;
	}
	if (!rc && !a->npct) {
		fprintf(stderr, "provtap query delay: --percentiles is empty\n");
		rc = PT_EXIT_USAGE;
	}
	free(dup);
	return rc;
}

static int on_opt(void *ctx, int opt, const char *arg)
{
	struct hops_args *a = ctx;
	__u64 *dur = NULL;

	switch (opt) {
	case HO_PER_FLOW: a->o.per_flow = true; return 0;
	case HO_FROM: a->o.from = arg; return 0;
	case HO_TO: a->o.to = arg; return 0;
	case HO_PCT: return parse_pct(a, arg);
	case HO_HORIZON: dur = &a->o.horizon_ns; break;
	case HO_MAX_DELAY: dur = &a->o.max_delay_ns; break;
	default: return PT_EXIT_USAGE;
	}
	if (pt_parse_duration(arg, dur) || !*dur) {
		fprintf(stderr, "provtap query %s: --%s takes a duration (100ms, 2s, 1m), not '%s'\n", a->op,
			opt == HO_HORIZON ? "horizon" : "max-delay", arg);
		return PT_EXIT_USAGE;
	}
	return 0;
}

static double ms(__u64 ns)
{
	return (double)ns / 1e6;
}

static const char *pname(const struct pt_view *v, int id, char *buf, size_t len)
{
	if (id < 0 || id >= PT_MAX_POINTS)
		return "?";
	return pt_view_point(v, (__u16)id, buf, len);
}

static void path_text(const struct pt_view *v, const struct pt_hops_path *p, char *buf, size_t len)
{
	size_t off = 0;
	char nm[96];

	buf[0] = 0;
	for (int i = 0; i < p->n && off + 1 < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? " -> " : "", pname(v, p->points[i], nm, sizeof(nm)));

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static void flow_text(const struct pt_pkt *p, char *buf, size_t len)
{
	bool v6 = p->flags & PT_PF_IPV6;
	char s[64], d[64];
	char pb[8];
	const char *proto = pt_fmt_proto(p->l4proto, pb, sizeof(pb));

	if (!(p->flags & (PT_PF_IPV4 | PT_PF_IPV6))) {
		snprintf(buf, len, "non-IP");
		return;
	}
	pt_fmt_addr(p->saddr, v6, s, sizeof(s));
	pt_fmt_addr(p->daddr, v6, d, sizeof(d));
	if ((p->flags & PT_PF_L4) && (p->l4proto == 6 || p->l4proto == 17))
		snprintf(buf, len, v6 ? "%s [%s]:%u <> [%s]:%u" : "%s %s:%u <> %s:%u", proto, s, p->sport, d,
			 p->dport);
	else
		snprintf(buf, len, "%s %s <> %s", proto, s, d);
}

/* "20 NETFILTER_DROP, 2 NO_SOCKET" (most frequent first); "" without drops. */
static void reasons_text(const struct pt_hops_seg *sg, char *buf, size_t len)
{
	size_t off = 0;
	char nm[64];

	buf[0] = 0;
	for (size_t i = 0; i < sg->nreasons && off + 1 < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%llu %s", i ? ", " : "",
				 (unsigned long long)sg->reasons[i].count,
				 pt_drop_reason_name(sg->reasons[i].reason, nm, sizeof(nm)));

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* The DROPS and DROP REASONS cells of a segment. */
static void drop_cells(struct pt_table *t, const struct pt_hops_seg *sg)
{
	char buf[512];

	if (!sg->drops_known) {
		pt_table_null(t);
		pt_table_null(t);
		return;
	}
	reasons_text(sg, buf, sizeof(buf));
	pt_table_u64(t, sg->drops);
	pt_table_str(t, buf);
}

/* Notes on the drops not attributed to a segment. */
static void drop_notes(struct pt_table *t, const struct pt_hops_result *r, bool pair)
{
	__u64 after = 0, other = 0;

	if (!r->drops) {
		pt_table_note(t, "DROPS: no kernel drop records of matching packets in the window (recorded only "
			      "while the drop probe is loaded: provtap probe load --drops)");
		return;
	}
	for (size_t g = 0; g < r->ngroups; g++) {
		after += r->groups[g].drops_after;
		other += r->groups[g].drops_other;
	}
	if (r->drops_unseen)
		pt_table_note(t, "%llu kernel drop(s) of matching packets not seen at %s before the drop: not "
			      "attributed", (unsigned long long)r->drops_unseen,
			      pair ? "FROM or TO" : "any capture point");
	if (after)
		pt_table_note(t, "%llu kernel drop(s) of packets after %s (e.g. at the receiver): not attributed",
			      (unsigned long long)after, pair ? "TO" : "the last point of their path");
	if (other)
		pt_table_note(t, "%llu kernel drop(s) of packets on other paths: not attributed",
			      (unsigned long long)other);
}

static double pct_of(__u64 n, __u64 d)
{
	return d ? 100.0 * (double)n / (double)d : 0.0;
}

/* Notes every operator shares: partial store, ring-buffer loss, early folding. */
static void common_notes(struct pt_table *t, struct pt_scan *s, const struct pt_hops_result *r)
{
	const struct pt_view *v = pt_scan_view(s);
	__u64 corrupt;
	char nm[96];

	if (pt_scan_partial(s, &corrupt))
		pt_table_note(t, "partial: %llu corrupt region(s) of the store were skipped",
			      (unsigned long long)corrupt);
	for (int i = 0; r->any_ring_lost && i < PT_MAX_POINTS; i++)
		if (r->ring_lost[i])
			pt_table_note(t, "the probe at %s could not deliver %llu record(s) in this window (ring buffer "
				      "full): loss on segments touching it may be overstated",
				      pname(v, i, nm, sizeof(nm)), (unsigned long long)r->ring_lost[i]);
	if (r->folded_early)
		pt_table_note(t, "%llu fingerprint(s) were forgotten before the horizon (more than %u tracked at "
			      "once): a late copy of them counts as a new packet", (unsigned long long)r->folded_early,
			      PT_HOPS_MAX_LIVE);
}

/* Open the scan and run the engine; exit code on failure (message printed). */
static int run(const char *op, const struct pt_qopts *q, const struct pt_hops_opts *o, struct pt_scan **sp,
	       struct pt_hops **hp)
{
	char msg[4096];
	int rc, err = 0;

	struct pt_scan_opts so = q->scan;

	/* the engine first: it judges the options (usage errors before the store is opened) */
	*hp = pt_hops_new(o, &err);
	if (!*hp) {
		fprintf(stderr, "provtap query %s: %s\n", op,
			err == -EINVAL ? "--from and --to must name two different points" :
			err == -ERANGE ? "--horizon must be shorter than 13 days" : strerror(-err));
		return err == -EINVAL || err == -ERANGE ? PT_EXIT_USAGE : PT_EXIT_FAIL;
	}
	if (!o->per_flow)	/* all the engine reads of a packet (per_flow: its 5-tuple too) */
		so.pkt_fields = PT_FLD_POINT | PT_FLD_TS | PT_FLD_FP;
	rc = pt_scan_open(&so, sp, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "provtap query %s: %s\n", op, msg);
		return rc == -EINVAL ? PT_EXIT_USAGE : PT_EXIT_FAIL;
	}
	rc = pt_hops_run(*hp, *sp, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "provtap query %s: %s\n", op, msg);
		return PT_EXIT_FAIL;
	}
	return 0;
}

static const char *expr_text(const struct pt_qopts *q)
{
	return q->scan.expr && *q->scan.expr ? q->scan.expr : "(all packets)";
}

static void delay_cells(struct pt_table *t, const struct pt_hops_delay *d, const double *pct, int npct)
{
	for (int i = 0; i < npct; i++) {
		if (d->count)
			pt_table_f(t, ms(pt_hops_pct(d, pct[i])), 3);
		else
			pt_table_null(t);
	}
	if (d->count)
		pt_table_f(t, ms(d->max_ns), 3);
	else
		pt_table_null(t);
}

int query_hops(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "per-flow", no_argument, NULL, HO_PER_FLOW },
		{ "horizon", required_argument, NULL, HO_HORIZON },
		{ "max-delay", required_argument, NULL, HO_MAX_DELAY },
		{ NULL, 0, NULL, 0 },
	};
	static const double pct[3] = { 50, 90, 99 };
	struct hops_args a = { .op = "hops" };
	const struct pt_hops_result *r;
	struct pt_scan *s = NULL;
	struct pt_hops *h = NULL;
	struct pt_table *t = NULL;
	const struct pt_view *v;
	struct pt_qopts q;
	__u64 other = 0, one_point = 0, segs = 0, sampled = 0;
	char title[2300], buf[1024], nm[96], nm2[96];
	int rc;

	rc = pt_qopts_parse(argc, argv, &q, extra, on_opt, &a, usage_hops);
	if (rc)
		return rc < 0 ? 0 : rc;
	q.scan.drops = true;	/* kernel drops, attributed to segments */
	a.o.drops = true;
	rc = run("hops", &q, &a.o, &s, &h);
	if (rc)
		goto out;
	r = pt_hops_finish(h);
	v = pt_scan_view(s);
	if (!r->records) {
		if (pt_scan_unknown_point(s, buf, sizeof(buf)))
			fprintf(stderr, "provtap query hops: %s\n", buf);
		else
			fprintf(stderr, "provtap query hops: no packets match %s in the window%s\n", expr_text(&q),
				pt_scan_partial(s, NULL) ? " (partial: corrupt regions of the store were skipped)" : "");
		rc = PT_EXIT_FAIL;
		goto out;
	}
	for (size_t gi = 0; gi < r->ngroups; gi++) {
		segs += r->groups[gi].nseg;
		other += r->groups[gi].other_path;
	}
	if (!segs) {	/* no table: it would have no row */
		path_text(v, &r->groups[0].path, buf, sizeof(buf));
		snprintf(title, sizeof(title), "; %llu packet(s) took other paths", (unsigned long long)other);
		if (a.o.per_flow)
			fprintf(stderr, "provtap query hops: the usual path of each flow of the packets matching %s is "
				"one capture point: no hops to report%s\n", expr_text(&q), other ? title : "");
		else if (!other)
			fprintf(stderr, "provtap query hops: the packets matching %s were seen at one capture point "
				"only (%s): no hops to report\n", expr_text(&q), buf);
		else
			fprintf(stderr, "provtap query hops: the usual path of the packets matching %s is one capture "
				"point (%s): no hops to report%s\n", expr_text(&q), buf, title);
		rc = PT_EXIT_FAIL;
		goto out;
	}
	other = 0;	/* counted again with the rows */
	if (a.o.per_flow) {
		__u64 packets = 0;

		for (size_t gi = 0; gi < r->ngroups; gi++)
			packets += r->groups[gi].packets;
		snprintf(title, sizeof(title), "hops of %s, per flow: %zu flow(s), %llu packet(s) in %llu record(s)",
			 expr_text(&q), r->ngroups, (unsigned long long)packets, (unsigned long long)r->records);
	} else {
		const struct pt_hops_group *g = &r->groups[0];

		path_text(v, &g->path, buf, sizeof(buf));
		snprintf(title, sizeof(title), "hops of %s: %s\n%llu packet(s): %llu on this path (%llu all the way), "
			 "%llu on other paths", expr_text(&q), buf, (unsigned long long)g->packets,
			 (unsigned long long)g->on_path, (unsigned long long)g->path.count,
			 (unsigned long long)g->other_path);
	}
	t = pt_table_new(q.fmt, title);
	if (a.o.per_flow)
		pt_table_col(t, "flow", "FLOW", false);
	pt_table_col(t, "hop", "HOP", true);
	pt_table_col(t, "from", "FROM", false);
	pt_table_col(t, "to", "TO", false);
	pt_table_col(t, "at_from", "AT FROM (pkts)", true);
	pt_table_col(t, "at_to", "AT TO (pkts)", true);
	pt_table_col(t, "lost", "LOST (pkts)", true);
	pt_table_col(t, "lost_pct", "LOST (%)", true);
	pt_table_col(t, "in_flight", "IN FLIGHT (pkts)", true);
	pt_table_col(t, "retrans", "RETRANS (pkts)", true);
	pt_table_col(t, "delay_p50_ms", "p50 (ms)", true);
	pt_table_col(t, "delay_p90_ms", "p90 (ms)", true);
	pt_table_col(t, "delay_p99_ms", "p99 (ms)", true);
	pt_table_col(t, "delay_max_ms", "MAX (ms)", true);
	pt_table_col(t, "drops", "DROPS (pkts)", true);
	pt_table_col(t, "drop_reasons", "DROP REASONS", false);
	for (size_t gi = 0; gi < r->ngroups; gi++) {
		const struct pt_hops_group *g = &r->groups[gi];

		other += g->other_path;
		if (!g->nseg)
			one_point++;
		if (a.o.per_flow)
			flow_text(&g->first, buf, sizeof(buf));
		for (size_t i = 0; i < g->nseg; i++) {
			const struct pt_hops_seg *sg = &g->seg[i];

			pt_table_row(t);
			if (a.o.per_flow)
				pt_table_str(t, buf);
			pt_table_u64(t, i + 1);
			pt_table_str(t, pname(v, sg->from, nm, sizeof(nm)));
			pt_table_str(t, pname(v, sg->to, nm2, sizeof(nm2)));
			pt_table_u64(t, sg->at_from);
			pt_table_u64(t, sg->at_to);
			pt_table_u64(t, sg->lost);
			pt_table_f(t, pct_of(sg->lost, sg->at_from - sg->in_flight), 2);
			pt_table_u64(t, sg->in_flight);
			pt_table_u64(t, sg->retrans);
			delay_cells(t, &sg->d, pct, 3);
			drop_cells(t, sg);
			sampled += sg->d.sampled;
		}
		if (!a.o.per_flow && g->other_path) {
			for (int k = 0; k < PT_HOPS_OTHER_TOP && g->other[k].count; k++) {
				path_text(v, &g->other[k], buf, sizeof(buf));
				pt_table_note(t, "other path: %llu packet(s) %s%s", (unsigned long long)g->other[k].count,
					      buf, g->other[k].n == PT_HOPS_MAX_PATH ? " ..." : "");
			}
			if (g->too_long)
				pt_table_note(t, "%llu packet(s) crossed more than %d points (counted as other paths)",
					      (unsigned long long)g->too_long, PT_HOPS_MAX_PATH);
		}
	}
	if (a.o.per_flow && other)
		pt_table_note(t, "%llu packet(s) took another path than their flow's usual one (not in the rows)",
			      (unsigned long long)other);
	if (one_point)
		pt_table_note(t, "%llu %s seen at one capture point only: no segment to show",
			      (unsigned long long)one_point, a.o.per_flow ? "flow(s)" : "path was");
	pt_table_note(t, "in flight: packets last seen at FROM within the segment's %s of the newest packet "
		      "are not counted as lost", a.o.max_delay_ns ? "--max-delay" : "largest observed delay");
	drop_notes(t, r, false);
	if (sampled)
		pt_table_note(t, "percentiles of segments with more than %u packets are estimated from a uniform "
			      "sample of that size", PT_HOPS_SAMPLES_MAX);
	common_notes(t, s, r);
	pt_table_print(t, stdout);
out:
	pt_hops_free(h);
	pt_scan_close(s);
	return rc;
}

/*
 * Why loss or delay has no answer, on stderr: a `point` of EXPR that the store
 * does not know; else what FROM and TO saw. In pair mode a packet's path is
 * [FROM], [FROM, TO] (at_from, at_to), [TO] or [TO, FROM] (other paths): the
 * last ones, seen at FROM only after TO, suggest --from and --to are reversed.
 */
static void pair_no_answer(const char *op, const struct pt_qopts *q, const struct hops_args *a, struct pt_scan *s,
			   const struct pt_hops_result *r)
{
	const struct pt_hops_group *g = r->ngroups ? &r->groups[0] : NULL;
	const char *from = a->o.from, *to = a->o.to, *part = "";
	__u64 at_from = 0, reversed = 0, to_only = 0;
	char buf[4096];

	if (pt_scan_unknown_point(s, buf, sizeof(buf))) {
		fprintf(stderr, "provtap query %s: %s\n", op, buf);
		return;
	}
	if (g && g->nseg)
		at_from = g->seg[0].at_from;
	for (int k = 0; g && k < PT_HOPS_OTHER_TOP && g->other[k].count; k++) {
		if (g->other[k].n >= 2)
			reversed += g->other[k].count;
		else
			to_only += g->other[k].count;
	}
	if (pt_scan_partial(s, NULL))
		part = " (partial: corrupt regions of the store were skipped)";
	if (!at_from && !reversed) {
		buf[0] = 0;
		if (to_only)
			snprintf(buf, sizeof(buf), "; %llu were seen at %s only", (unsigned long long)to_only, to);
		fprintf(stderr, "provtap query %s: no packets matching %s were seen at %s in the window%s%s\n", op,
			expr_text(q), from, buf, part);
	} else if (!at_from) {
		fprintf(stderr, "provtap query %s: the %llu packet(s) matching %s seen at %s were never seen at %s "
			"after it, only before: are --from and --to reversed?%s\n", op, (unsigned long long)reversed,
			expr_text(q), from, to, part);
	} else {	/* delay: seen at FROM first, never at TO after */
		buf[0] = 0;
		if (reversed)
			snprintf(buf, sizeof(buf), "; %llu were seen at %s before %s: are --from and --to reversed?",
				 (unsigned long long)reversed, to, from);
		fprintf(stderr, "provtap query %s: %llu packet(s) matching %s were seen at %s, none of them then at "
			"%s in the window%s%s\n", op, (unsigned long long)at_from, expr_text(q), from, to, buf, part);
	}
}

/* Common to loss and delay: parse, require --from/--to, run. */
static int pair_query(int argc, char **argv, struct hops_args *a, const struct option *extra, void (*usage)(FILE *),
		      struct pt_qopts *q, struct pt_scan **s, struct pt_hops **h)
{
	int rc = pt_qopts_parse(argc, argv, q, extra, on_opt, a, usage);

	if (rc)
		return rc < 0 ? -1 : rc;
	if (!a->o.from || !a->o.to) {
		fprintf(stderr, "provtap query %s: --from POINT and --to POINT are required; try "
			"`provtap query %s --help`\n", a->op, a->op);
		return PT_EXIT_USAGE;
	}
	if (!strcmp(a->op, "loss")) {	/* kernel drops, attributed to the segment */
		q->scan.drops = true;
		a->o.drops = true;
	}
	return run(a->op, q, &a->o, s, h);
}

int query_loss(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "from", required_argument, NULL, HO_FROM }, { "to", required_argument, NULL, HO_TO },
		{ "horizon", required_argument, NULL, HO_HORIZON },
		{ "max-delay", required_argument, NULL, HO_MAX_DELAY }, { NULL, 0, NULL, 0 },
	};
	struct hops_args a = { .op = "loss" };
	const struct pt_hops_result *r;
	const struct pt_hops_seg *sg;
	struct pt_scan *s = NULL;
	struct pt_hops *h = NULL;
	struct pt_table *t;
	struct pt_qopts q;
	char title[1024], nm[96], nm2[96];
	int rc;

	rc = pair_query(argc, argv, &a, extra, usage_loss, &q, &s, &h);
	if (rc)
		goto out;
	r = pt_hops_finish(h);
	if (!r->ngroups || !r->groups[0].nseg || !r->groups[0].seg[0].at_from) {
		pair_no_answer("loss", &q, &a, s, r);
		rc = PT_EXIT_FAIL;
		goto out;
	}
	sg = &r->groups[0].seg[0];
	snprintf(title, sizeof(title), "loss of %s from %s to %s", expr_text(&q), a.o.from, a.o.to);
	t = pt_table_new(q.fmt, title);
	pt_table_col(t, "from", "FROM", false);
	pt_table_col(t, "to", "TO", false);
	pt_table_col(t, "at_from", "AT FROM (pkts)", true);
	pt_table_col(t, "at_to", "AT TO (pkts)", true);
	pt_table_col(t, "lost", "LOST (pkts)", true);
	pt_table_col(t, "lost_pct", "LOST (%)", true);
	pt_table_col(t, "in_flight", "IN FLIGHT (pkts)", true);
	pt_table_col(t, "retrans", "RETRANS (pkts)", true);
	pt_table_col(t, "max_delay_ms", "CUT-OFF (ms)", true);
	pt_table_col(t, "drops", "DROPS (pkts)", true);
	pt_table_col(t, "drop_reasons", "DROP REASONS", false);
	pt_table_row(t);
	pt_table_str(t, pname(pt_scan_view(s), sg->from, nm, sizeof(nm)));
	pt_table_str(t, pname(pt_scan_view(s), sg->to, nm2, sizeof(nm2)));
	pt_table_u64(t, sg->at_from);
	pt_table_u64(t, sg->at_to);
	pt_table_u64(t, sg->lost);
	pt_table_f(t, pct_of(sg->lost, sg->at_from - sg->in_flight), 2);
	pt_table_u64(t, sg->in_flight);
	pt_table_u64(t, sg->retrans);
	pt_table_f(t, ms(sg->max_delay_ns), 3);
	drop_cells(t, sg);
	if (r->groups[0].other_path)
		pt_table_note(t, "%llu packet(s) were seen at %s without being seen at %s before (not counted)",
			      (unsigned long long)r->groups[0].other_path, a.o.to, a.o.from);
	pt_table_note(t, "in flight: packets last seen at FROM within the cut-off (%s) of the newest packet are "
		      "not counted as lost", a.o.max_delay_ns ? "--max-delay" : "largest observed delay");
	drop_notes(t, r, true);
	common_notes(t, s, r);
	pt_table_print(t, stdout);
out:
	pt_hops_free(h);
	pt_scan_close(s);
	return rc < 0 ? 0 : rc;
}

int query_delay(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "from", required_argument, NULL, HO_FROM }, { "to", required_argument, NULL, HO_TO },
		{ "percentiles", required_argument, NULL, HO_PCT },
		{ "horizon", required_argument, NULL, HO_HORIZON }, { NULL, 0, NULL, 0 },
	};
	struct hops_args a = { .op = "delay", .pct = { 50, 90, 99 }, .npct = 3 };
	const struct pt_hops_result *r;
	const struct pt_hops_delay *d;
	struct pt_scan *s = NULL;
	struct pt_hops *h = NULL;
	struct pt_table *t;
	struct pt_qopts q;
	char title[1024], nm[96], nm2[96], key[32], hdr[32];
	int rc;

	rc = pair_query(argc, argv, &a, extra, usage_delay, &q, &s, &h);
	if (rc)
		goto out;
	r = pt_hops_finish(h);
	if (!r->ngroups || !r->groups[0].nseg || !r->groups[0].seg[0].d.count) {
		pair_no_answer("delay", &q, &a, s, r);
		rc = PT_EXIT_FAIL;
		goto out;
	}
	d = &r->groups[0].seg[0].d;
	snprintf(title, sizeof(title), "delay of %s from %s to %s", expr_text(&q), a.o.from, a.o.to);
	t = pt_table_new(q.fmt, title);
	pt_table_col(t, "from", "FROM", false);
	pt_table_col(t, "to", "TO", false);
	pt_table_col(t, "count", "COUNT (pkts)", true);
	pt_table_col(t, "min_ms", "MIN (ms)", true);
	for (int i = 0; i < a.npct; i++) {
		snprintf(key, sizeof(key), "p%g_ms", a.pct[i]);
		snprintf(hdr, sizeof(hdr), "p%g (ms)", a.pct[i]);
		pt_table_col(t, key, hdr, true);
	}
	pt_table_col(t, "max_ms", "MAX (ms)", true);
	pt_table_col(t, "mean_ms", "MEAN (ms)", true);
	pt_table_row(t);
	pt_table_str(t, pname(pt_scan_view(s), r->groups[0].seg[0].from, nm, sizeof(nm)));
	pt_table_str(t, pname(pt_scan_view(s), r->groups[0].seg[0].to, nm2, sizeof(nm2)));
	pt_table_u64(t, d->count);
	pt_table_f(t, ms(d->min_ns), 3);
	delay_cells(t, d, a.pct, a.npct);
	pt_table_f(t, ms(d->sum_ns) / (double)d->count, 3);
	if (d->sampled)
		pt_table_note(t, "percentiles estimated from a uniform sample of %u of the %llu delays",
			      PT_HOPS_SAMPLES_MAX, (unsigned long long)d->count);
	common_notes(t, s, r);
	pt_table_print(t, stdout);
out:
	pt_hops_free(h);
	pt_scan_close(s);
	return rc < 0 ? 0 : rc;
}
