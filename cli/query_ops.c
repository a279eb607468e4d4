// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * query_ops.c — `provtap query packets|flows|top|throughput|rtt`: option
 * parsing and output of the operators in query/ops.h.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/query.h"
#include "common/units.h"
#include "query/format.h"
#include "query/ops.h"

enum { OO_AT = 2000, OO_INTERVAL, OO_BY, OO_LIMIT };

struct opctx {
	const char *op;
	const char *at;
	__u64 interval_ns;
	bool have_by;
	enum pt_agg_by by;
	__u64 limit;
};

static int opt_cb(void *vctx, int opt, const char *arg)
{
	struct opctx *c = vctx;

	switch (opt) {
	case OO_AT:
		c->at = arg;
		return 0;
	case OO_INTERVAL:
		if (pt_parse_duration(arg, &c->interval_ns) || !c->interval_ns) {
			fprintf(stderr, "provtap query %s: --interval takes a duration (1s, 100ms, 5m), not '%s'\n",
				c->op, arg);
			return PT_EXIT_USAGE;
		}
		return 0;
	case OO_BY:
		if (pt_agg_by_parse(arg, &c->by)) {
			fprintf(stderr, "provtap query %s: --by takes src, dst, sport, dport, proto, flow or point, "
				"not '%s'\n", c->op, arg);
			return PT_EXIT_USAGE;
		}
		c->have_by = true;
		return 0;
	case OO_LIMIT:
		if (pt_parse_u64(arg, 1, 1000000000, &c->limit)) {
			fprintf(stderr, "provtap query %s: --limit takes a number from 1 to 1000000000, not '%s'\n",
				c->op, arg);
			return PT_EXIT_USAGE;
		}
		return 0;
	}
	return PT_EXIT_USAGE;
}

/*
 * Parse the options into c and q. Returns -1 when the caller should return 0
 * (--help), an exit code > 0 on error (said), 0 when they are good. The
 * operator checks what it requires, then opens the scan (open_scan): usage
 * errors come before the store is read.
 */
static int parse(int argc, char **argv, const struct option *extra, void (*usage)(FILE *), struct opctx *c,
		 struct pt_qopts *q)
{
	int rc;

	c->op = argv[0];
	rc = pt_qopts_parse(argc, argv, q, extra, opt_cb, c, usage);
	return rc < 0 ? -1 : rc;
}

/* Open the scan of q into *s: 0, or an exit code (said). */
static int open_scan(const struct opctx *c, struct pt_qopts *q, struct pt_scan **s)
{
	char err[512];
	int rc;

	rc = pt_scan_open(&q->scan, s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query %s: error: %s\n", c->op, err);
		return rc == -EINVAL ? PT_EXIT_USAGE : PT_EXIT_FAIL;
	}
	return 0;
}

/* parse, then open_scan: for the operators that require no option. Same returns as parse. */
static int start(int argc, char **argv, const struct option *extra, void (*usage)(FILE *), struct opctx *c,
		 struct pt_qopts *q, struct pt_scan **s)
{
	int rc = parse(argc, argv, extra, usage, c, q);

	return rc ? rc : open_scan(c, q, s);
}

/* After the stream: report I/O errors, unknown points, empty answers. 0 or an exit code. */
static int finish(const struct opctx *c, struct pt_ops_in *in, int rc)
{
	char err[4096];

	if (rc < 0) {
		fprintf(stderr, "provtap query %s: error: reading the store: %s\n", c->op, strerror(-rc));
		return PT_EXIT_FAIL;
	}
	rc = pt_ops_finish(in, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query %s: %s\n", c->op, err);
		return PT_EXIT_FAIL;
	}
	return 0;
}

/* Notes every operator adds: partial store, kernel losses. */
static void common_notes(struct pt_table *t, const struct pt_ops_in *in)
{
	__u64 n;

	if (pt_scan_partial(in->scan, &n))
		pt_table_note(t, "partial: %llu corrupt region%s skipped", (unsigned long long)n, n == 1 ? "" : "s");
	if (in->lost)
		pt_table_note(t, "note: the kernel lost %llu record%s at these points in the window (ring buffer "
			      "full): counts are low", (unsigned long long)in->lost, in->lost == 1 ? "" : "s");
}

static const char *ts_str(__u64 rt, char *buf, size_t len)
{
	return pt_fmt_rfc3339(rt, buf, len);
}

static const struct option at_opt[] = { { "at", required_argument, NULL, OO_AT }, { NULL, 0, NULL, 0 } };

/* ---- packets ---- */

static void usage_packets(FILE *out)
{
	fprintf(out,
		"usage: provtap query packets [EXPR] [--at POINT] [--store DIR] [--since T] [--until T] [--json|--csv]\n"
		"\n"
		"The matching packet records in store order: one line each (as `store dump`), JSON lines\n"
		"(the record format of `tail --json`), or CSV with the main fields. --at POINT keeps one\n"
		"capture point (ifname@netns:dir, ifname@netns for both directions, or an alias).\n"
		"Exit status 1 when nothing matches.\n"
		"\nexamples:\n"
		"  provtap query packets 'tcp and port 80' --since -5m\n"
		"  provtap query packets 'host 10.0.2.2' --at veth-r1@r1:in --csv > pkts.csv\n");
}

static void pkt_csv(FILE *out, const struct pt_pkt *p, const struct pt_ops_in *in)
{
	const struct pt_view *v = pt_scan_view(in->scan);
	bool ip = p->flags & (PT_PF_IPV4 | PT_PF_IPV6), v6 = p->flags & PT_PF_IPV6;
	bool tcp = ip && (p->flags & PT_PF_L4) && p->l4proto == IPPROTO_TCP;
	char ts[48], pt[96], s[64] = "", d[64] = "", pb[8], fl[12] = "";

	ts_str(pt_ops_time(in, p), ts, sizeof(ts));
	pt_view_point(v, p->point, pt, sizeof(pt));
	if (ip) {
		pt_fmt_addr(p->saddr, v6, s, sizeof(s));
		pt_fmt_addr(p->daddr, v6, d, sizeof(d));
	}
	if (tcp)
		pt_fmt_tcp_flags(p->tcp_flags, fl, false);
	fprintf(out, "%s,%s,%s,%s,", ts, pt, ip ? pt_fmt_proto(p->l4proto, pb, sizeof(pb)) : "", s);
	if (ip)
		fprintf(out, "%u,", p->sport);
	else
		fputc(',', out);
	fprintf(out, "%s,", d);
	if (ip)
		fprintf(out, "%u,", p->dport);
	else
		fputc(',', out);
	if (tcp)
		fprintf(out, "%s,%u,%u,", fl, p->seq, p->ack);
	else
		fputs(",,,", out);
	fprintf(out, "%u,%u,%u,%016llx\n", p->wire_len, p->l3_len, p->l4_payload_len, (unsigned long long)p->fp);
}

int query_packets(int argc, char **argv)
{
	struct opctx c = {};
	struct pt_qopts q;
	struct pt_ops_in in = {};
	const struct pt_pkt *p;
	struct pt_scan *s;
	__u64 n;
	int rc;

	rc = start(argc, argv, at_opt, usage_packets, &c, &q, &s);
	if (rc)
		return rc < 0 ? 0 : rc;
	in.scan = s;
	in.at = c.at;
	while ((rc = pt_ops_next(&in, &p)) == 1) {
		/* the CSV header with the first row: no match prints nothing, as the other formats */
		if (q.fmt == PT_FMT_CSV && in.packets == 1)
			printf("ts,point,proto,src,sport,dst,dport,flags,seq,ack,len,l3_len,payload_len,fp\n");
		if (q.fmt == PT_FMT_CSV)
			pkt_csv(stdout, p, &in);
		else
			pt_format_rec(stdout, (const struct pt_rec_hdr *)p,
				      pt_scan_view(s), q.fmt == PT_FMT_JSON);
	}
	rc = finish(&c, &in, rc);
	if (!rc) {
		FILE *nf = q.fmt == PT_FMT_TABLE ? stdout : stderr;
		const char *pre = q.fmt == PT_FMT_TABLE ? "" : "provtap: ";

		if (pt_scan_partial(s, &n))
			fprintf(nf, "%spartial: %llu corrupt region%s skipped\n", pre, (unsigned long long)n,
				n == 1 ? "" : "s");
		if (in.lost)
			fprintf(nf, "%snote: the kernel lost %llu record%s at these points in the window (ring "
				"buffer full)\n", pre, (unsigned long long)in.lost, in.lost == 1 ? "" : "s");
	}
	pt_ops_in_free(&in);
	pt_scan_close(s);
	return rc;
}

/* ---- flows ---- */

static void usage_flows(FILE *out)
{
	fprintf(out,
		"usage: provtap query flows [EXPR] [--at POINT] [--store DIR] [--since T] [--until T] [--json|--csv]\n"
		"\n"
		"Distinct 5-tuples (direction-specific: src:sport > dst:dport, proto) of the matching IP\n"
		"packets, one row per flow and capture point: first and last seen (RFC 3339), packets, and\n"
		"bytes (IP/L3 lengths). Ports are shown for TCP and UDP only. Ordered by first seen.\n"
		"\nexamples:\n"
		"  provtap query flows 'tcp and host 10.0.2.2' --since -10m\n"
		"  provtap query flows 'udp' --at veth-c@client --json\n");
}

/* Columns proto, src, sport, dst, dport of a tuple. */
static void tuple_cols(struct pt_table *t)
{
	pt_table_col(t, "proto", "PROTO", false);
	pt_table_col(t, "src", "SRC", false);
	pt_table_col(t, "sport", "SPORT", true);
	pt_table_col(t, "dst", "DST", false);
	pt_table_col(t, "dport", "DPORT", true);
}

static void tuple_vals(struct pt_table *t, const struct pt_tuple *k)
{
	char a[64], pb[8];
	bool ports = k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP;

	pt_table_str(t, pt_fmt_proto(k->proto, pb, sizeof(pb)));
	pt_table_str(t, pt_fmt_addr(k->src, k->family == 6, a, sizeof(a)));
	if (ports)
		pt_table_u64(t, k->sport);
	else
		pt_table_null(t);
	pt_table_str(t, pt_fmt_addr(k->dst, k->family == 6, a, sizeof(a)));
	if (ports)
		pt_table_u64(t, k->dport);
	else
		pt_table_null(t);
}

/* Feed every packet of in to an aggregation; an exit code or 0. */
static int run_agg(struct opctx *c, struct pt_ops_in *in, struct pt_agg *a)
{
	const struct pt_pkt *p;
	int rc;

	while ((rc = pt_ops_next(in, &p)) == 1) {
		if (pt_agg_add(a, p, pt_ops_time(in, p))) {
			fprintf(stderr, "provtap query %s: error: out of memory\n", c->op);
			return PT_EXIT_FAIL;
		}
	}
	return finish(c, in, rc);
}

int query_flows(int argc, char **argv)
{
	struct opctx c = {};
	struct pt_qopts q;
	struct pt_ops_in in = {};
	struct pt_agg *a = NULL;
	struct pt_scan *s;
	const struct pt_agg_row *rows;
	struct pt_table *t;
	char b1[48], b2[96];
	size_t n;
	int rc;

	rc = start(argc, argv, at_opt, usage_flows, &c, &q, &s);
	if (rc)
		return rc < 0 ? 0 : rc;
	in.scan = s;
	in.at = c.at;
	a = pt_agg_new(PT_BY_FLOW_POINT);
	rc = a ? run_agg(&c, &in, a) : PT_EXIT_FAIL;
	if (rc)
		goto out;
	rows = pt_agg_rows(a, &n);
	if (!n) {
		fprintf(stderr, "provtap query flows: no IP packets match in the window\n");
		rc = PT_EXIT_FAIL;
		goto out;
	}
	t = pt_table_new(q.fmt, "flows (bytes are IP/L3 lengths)");
	tuple_cols(t);
	pt_table_col(t, "point", "POINT", false);
	pt_table_col(t, "first", "FIRST SEEN", false);
	pt_table_col(t, "last", "LAST SEEN", false);
	pt_table_col(t, "packets", "PACKETS", true);
	pt_table_col(t, "bytes", "BYTES (L3)", true);
	for (size_t i = 0; i < n; i++) {
		pt_table_row(t);
		tuple_vals(t, &rows[i].k);
		pt_table_str(t, pt_view_point(pt_scan_view(s), rows[i].k.point, b2, sizeof(b2)));
		pt_table_str(t, ts_str(rows[i].first_ns, b1, sizeof(b1)));
		pt_table_str(t, ts_str(rows[i].last_ns, b1, sizeof(b1)));
		pt_table_u64(t, rows[i].packets);
		pt_table_u64(t, rows[i].bytes);
	}
	common_notes(t, &in);
	pt_table_print(t, stdout);
out:
	pt_agg_free(a);
	pt_ops_in_free(&in);
	pt_scan_close(s);
	return rc;
}

/* ---- top ---- */

static void usage_top(FILE *out)
{
	fprintf(out,
		"usage: provtap query top [EXPR] --by src|dst|sport|dport|proto|flow|point [--limit N] [--at POINT]\n"
		"                         [--store DIR] [--since T] [--until T] [--json|--csv]\n"
		"\n"
		"Packets and bytes (IP/L3 lengths; a non-IP frame counts its wire length) per key, heaviest\n"
		"first (by bytes, then packets), with each key's share of the total. --limit (default 20)\n"
		"keeps the first N rows; the shares are of all matching packets that have the key\n"
		"(ports: TCP and UDP only, shown as PORT/PROTO; src/dst/flow/proto: IP only).\n"
		"\nexamples:\n"
		"  provtap query top 'tcp' --by dport --limit 5\n"
		"  provtap query top '' --by point --since -1m --json\n");
}

int query_top(int argc, char **argv)
{
	static const struct option extra[] = { { "at", required_argument, NULL, OO_AT },
		{ "by", required_argument, NULL, OO_BY }, { "limit", required_argument, NULL, OO_LIMIT },
		{ NULL, 0, NULL, 0 } };
	static const char *keyname[] = { [PT_BY_SRC] = "src", [PT_BY_DST] = "dst", [PT_BY_SPORT] = "sport",
		[PT_BY_DPORT] = "dport", [PT_BY_PROTO] = "proto", [PT_BY_FLOW] = "flow", [PT_BY_POINT] = "point" };
	static const char *keyhdr[] = { [PT_BY_SRC] = "SRC", [PT_BY_DST] = "DST", [PT_BY_SPORT] = "SPORT",
		[PT_BY_DPORT] = "DPORT", [PT_BY_PROTO] = "PROTO", [PT_BY_FLOW] = "FLOW", [PT_BY_POINT] = "POINT" };
	struct opctx c = { .limit = 20 };
	struct pt_qopts q;
	struct pt_ops_in in = {};
	struct pt_agg *a = NULL;
	struct pt_scan *s = NULL;
	const struct pt_agg_row *rows;
	struct pt_table *t;
	__u64 tp, tb, skipped;
	char title[128], buf[96], pb[8];
	size_t n;
	int rc;

	rc = parse(argc, argv, extra, usage_top, &c, &q);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!c.have_by) {
		fprintf(stderr, "provtap query top: --by src|dst|sport|dport|proto|flow|point is required\n");
		return PT_EXIT_USAGE;
	}
	rc = open_scan(&c, &q, &s);
	if (rc)
		return rc;
	in.scan = s;
	in.at = c.at;
	a = pt_agg_new(c.by);
	rc = a ? run_agg(&c, &in, a) : PT_EXIT_FAIL;
	if (rc)
		goto out;
	rows = pt_agg_rows(a, &n);
	pt_agg_totals(a, &tp, &tb, &skipped);
	if (!n) {
		fprintf(stderr, "provtap query top: none of the %llu matching packets has a %s\n",
			(unsigned long long)skipped, keyname[c.by]);
		rc = PT_EXIT_FAIL;
		goto out;
	}
	snprintf(title, sizeof(title), "top %llu by %s of %llu packets, %llu bytes (IP/L3 lengths)",
		 (unsigned long long)(n < c.limit ? n : c.limit), keyname[c.by], (unsigned long long)tp,
		 (unsigned long long)tb);
	t = pt_table_new(q.fmt, title);
	if (c.by == PT_BY_FLOW) {
		tuple_cols(t);
	} else {
		pt_table_col(t, keyname[c.by], keyhdr[c.by], false);
	}
	pt_table_col(t, "packets", "PACKETS", true);
	pt_table_col(t, "bytes", "BYTES (L3)", true);
	pt_table_col(t, "packets_pct", "PKTS %", true);
	pt_table_col(t, "bytes_pct", "BYTES %", true);
	for (size_t i = 0; i < n && i < c.limit; i++) {
		const struct pt_tuple *k = &rows[i].k;

		pt_table_row(t);
		switch (c.by) {
		case PT_BY_FLOW: tuple_vals(t, k); break;
		case PT_BY_SRC:
		case PT_BY_DST: pt_table_str(t, pt_fmt_addr(k->src, k->family == 6, buf, sizeof(buf))); break;
		case PT_BY_SPORT:
		case PT_BY_DPORT:
			snprintf(buf, sizeof(buf), "%u/%s", k->sport, pt_fmt_proto(k->proto, pb, sizeof(pb)));
			pt_table_str(t, buf);
			break;
		case PT_BY_PROTO: pt_table_str(t, pt_fmt_proto(k->proto, pb, sizeof(pb))); break;
		default: pt_table_str(t, pt_view_point(pt_scan_view(s), k->point, buf, sizeof(buf))); break;
		}
		pt_table_u64(t, rows[i].packets);
		pt_table_u64(t, rows[i].bytes);
		pt_table_f(t, tp ? 100.0 * (double)rows[i].packets / (double)tp : 0, 1);
		pt_table_f(t, tb ? 100.0 * (double)rows[i].bytes / (double)tb : 0, 1);
	}
	if (n > c.limit)
		pt_table_note(t, "%zu more key%s not shown (--limit %llu)", n - (size_t)c.limit,
			      n - c.limit == 1 ? "" : "s", (unsigned long long)c.limit);
	if (skipped)
		pt_table_note(t, "%llu matching packet%s without a %s not counted", (unsigned long long)skipped,
			      skipped == 1 ? "" : "s", keyname[c.by]);
	common_notes(t, &in);
	pt_table_print(t, stdout);
out:
	pt_agg_free(a);
	pt_ops_in_free(&in);
	pt_scan_close(s);
	return rc;
}

/* ---- throughput ---- */

static void usage_throughput(FILE *out)
{
	fprintf(out,
		"usage: provtap query throughput [EXPR] --interval DUR [--at POINT] [--store DIR] [--since T]\n"
		"                                [--until T] [--json|--csv]\n"
		"\n"
		"Packets, bytes and bits/s per interval per capture point. Bytes are IP (L3) lengths (the\n"
		"IPv4 total length / IPv6 payload + 40, what iperf3 counts plus IP/TCP headers); a non-IP\n"
		"frame counts its wire length. Intervals are aligned to multiples of DUR on the wall clock;\n"
		"every interval from the first to the last packet is shown, empty ones as 0.\n"
		"\nexamples:\n"
		"  provtap query throughput 'tcp and port 5201' --interval 1s\n"
		"  provtap query throughput '' --at eth0:in --interval 100ms --csv\n");
}

int query_throughput(int argc, char **argv)
{
	static const struct option extra[] = { { "at", required_argument, NULL, OO_AT },
		{ "interval", required_argument, NULL, OO_INTERVAL }, { NULL, 0, NULL, 0 } };
	struct opctx c = {};
	struct pt_qopts q;
	struct pt_ops_in in = {};
	struct pt_tput *tp = NULL;
	struct pt_tput_row *rows = NULL;
	struct pt_scan *s = NULL;
	const struct pt_pkt *p;
	struct pt_table *t;
	char title[160], ivs[32], b1[48], b2[96];
	size_t n;
	int rc;

	rc = parse(argc, argv, extra, usage_throughput, &c, &q);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!c.interval_ns) {
		fprintf(stderr, "provtap query throughput: --interval DUR is required (e.g. --interval 1s)\n");
		return PT_EXIT_USAGE;
	}
	rc = open_scan(&c, &q, &s);
	if (rc)
		return rc;
	in.scan = s;
	in.at = c.at;
	tp = pt_tput_new(c.interval_ns);
	if (!tp) {
		rc = PT_EXIT_FAIL;
		goto out;
	}
	while ((rc = pt_ops_next(&in, &p)) == 1) {
		int e = pt_tput_add(tp, p, pt_ops_time(&in, p));

		if (e) {
			fprintf(stderr, "provtap query throughput: error: %s\n", e == -E2BIG ?
				"too many intervals in the observed range; use a larger --interval or a shorter window" :
				"out of memory");
			rc = -1;
			break;
		}
	}
	if (rc == -1) {
		rc = PT_EXIT_FAIL;
		goto out;
	}
	rc = finish(&c, &in, rc);
	if (rc)
		goto out;
	rows = pt_tput_rows(tp, &n);
	if (!rows) {
		fprintf(stderr, "provtap query throughput: error: out of memory\n");
		rc = PT_EXIT_FAIL;
		goto out;
	}
	if (c.interval_ns % 1000000000ULL == 0)
		snprintf(ivs, sizeof(ivs), "%llus", (unsigned long long)(c.interval_ns / 1000000000ULL));
	else if (c.interval_ns % 1000000ULL == 0)
		snprintf(ivs, sizeof(ivs), "%llums", (unsigned long long)(c.interval_ns / 1000000ULL));
	else
		snprintf(ivs, sizeof(ivs), "%lluns", (unsigned long long)c.interval_ns);
	snprintf(title, sizeof(title), "throughput per %s interval; bytes are IP (L3) lengths", ivs);
	t = pt_table_new(q.fmt, title);
	pt_table_col(t, "start", "INTERVAL START", false);
	pt_table_col(t, "point", "POINT", false);
	pt_table_col(t, "packets", "PACKETS", true);
	pt_table_col(t, "bytes", "BYTES (L3)", true);
	pt_table_col(t, "bits_per_s", "RATE (bit/s)", true);
	pt_table_col(t, "packets_per_s", "RATE (pkt/s)", true);
	for (size_t i = 0; i < n; i++) {
		double sec = (double)c.interval_ns / 1e9;

		pt_table_row(t);
		pt_table_str(t, ts_str(rows[i].start_ns, b1, sizeof(b1)));
		pt_table_str(t, pt_view_point(pt_scan_view(s), rows[i].point, b2, sizeof(b2)));
		pt_table_u64(t, rows[i].packets);
		pt_table_u64(t, rows[i].bytes);
		pt_table_f(t, (double)rows[i].bytes * 8.0 / sec, 0);
		pt_table_f(t, (double)rows[i].packets / sec, 1);
	}
	common_notes(t, &in);
	pt_table_print(t, stdout);
out:
	free(rows);
	pt_tput_free(tp);
	pt_ops_in_free(&in);
	pt_scan_close(s);
	return rc;
}

/* ---- rtt ---- */

static void usage_rtt(FILE *out)
{
	fprintf(out,
		"usage: provtap query rtt [EXPR] [--at POINT] [--interval DUR] [--store DIR] [--since T]\n"
		"                         [--until T] [--json|--csv]\n"
		"\n"
		"TCP round-trip times seen at each interface: every data segment (seq + payload length; a\n"
		"SYN counts as one byte, so SYN -> SYN/ACK is the handshake sample) is matched with the first\n"
		"ACK of the other direction on the same interface that covers it (sequence numbers modulo\n"
		"2^32). The two capture points of an interface (NAME:in and NAME:out) are one place here:\n"
		"data leaves on one and its ACK returns on the other; --at NAME selects both.\n"
		"Retransmitted segments are left out entirely (Karn): a segment overlapping one still\n"
		"unacknowledged excludes both, one already acknowledged is ignored. An ACK covering several\n"
		"segments (delayed ACK) gives each of them a sample, so RTTs include the receiver's ACK\n"
		"delay, as the TCP stack's own estimate does. Unacknowledged segments are forgotten after\n"
		"60 s. Reported per interface, per flow (the data direction) and, with --interval, per\n"
		"interval (by the segment's time): samples, min, p50, p90, max in ms (nearest-rank).\n"
		"\nexamples:\n"
		"  provtap query rtt 'tcp and port 5201' --at veth-c@client\n"
		"  provtap query rtt 'host 10.0.2.2' --interval 1s --json\n");
}

static void rtt_stats_vals(struct pt_table *t, const struct pt_rtt_stats *st)
{
	pt_table_u64(t, st->samples);
	pt_table_f(t, st->min_ms, 3);
	pt_table_f(t, st->p50_ms, 3);
	pt_table_f(t, st->p90_ms, 3);
	pt_table_f(t, st->max_ms, 3);
}

static void rtt_stats_cols(struct pt_table *t)
{
	pt_table_col(t, "samples", "SAMPLES", true);
	pt_table_col(t, "min_ms", "MIN (ms)", true);
	pt_table_col(t, "p50_ms", "p50 (ms)", true);
	pt_table_col(t, "p90_ms", "p90 (ms)", true);
	pt_table_col(t, "max_ms", "MAX (ms)", true);
}

int query_rtt(int argc, char **argv)
{
	static const struct option extra[] = { { "at", required_argument, NULL, OO_AT },
		{ "interval", required_argument, NULL, OO_INTERVAL }, { NULL, 0, NULL, 0 } };
	static const char *kinds[] = { "interval", "interface", "flow" };
	struct opctx c = {};
	struct pt_qopts q;
	struct pt_ops_in in = { .at_iface = true };
	struct pt_rtt_opts ro = {};
	struct pt_rtt *r = NULL;
	struct pt_rtt_row *rows = NULL;
	struct pt_scan *s = NULL;
	const struct pt_rtt_counts *cnt;
	const struct pt_pkt *p;
	struct pt_table *t[3] = {};
	char b1[48], b2[160];
	size_t n;
	int rc;

	rc = start(argc, argv, extra, usage_rtt, &c, &q, &s);
	if (rc)
		return rc < 0 ? 0 : rc;
	in.scan = s;
	in.at = c.at;
	ro.interval_ns = c.interval_ns;
	r = pt_rtt_new(&ro);
	if (!r) {
		rc = PT_EXIT_FAIL;
		goto out;
	}
	while ((rc = pt_ops_next(&in, &p)) == 1) {
		int site = pt_ops_site(&in, p->point);

		if (site < 0 || pt_rtt_add(r, p, site, pt_ops_time(&in, p))) {
			fprintf(stderr, "provtap query rtt: error: out of memory\n");
			rc = -1;
			break;
		}
	}
	if (rc == -1) {
		rc = PT_EXIT_FAIL;
		goto out;
	}
	rc = finish(&c, &in, rc);
	if (rc)
		goto out;
	rows = pt_rtt_rows(r, &n);
	cnt = pt_rtt_get_counts(r);
	if (!rows) {
		fprintf(stderr, "provtap query rtt: no RTT sample: of %llu matching packets, %llu were TCP data "
			"segments or SYNs and none was acknowledged at the same interface (are both directions "
			"captured there?)\n", (unsigned long long)in.packets, (unsigned long long)cnt->segments);
		rc = PT_EXIT_FAIL;
		goto out;
	}
	if (q.fmt == PT_FMT_TABLE) {
		if (c.interval_ns) {
			t[0] = pt_table_new(q.fmt, "RTT per interval and interface");
			pt_table_col(t[0], "start", "INTERVAL START", false);
			pt_table_col(t[0], "interface", "INTERFACE", false);
			rtt_stats_cols(t[0]);
		}
		t[1] = pt_table_new(q.fmt, "RTT per interface");
		pt_table_col(t[1], "interface", "INTERFACE", false);
		rtt_stats_cols(t[1]);
		t[2] = pt_table_new(q.fmt, "RTT per flow (data direction)");
		pt_table_col(t[2], "interface", "INTERFACE", false);
		pt_table_col(t[2], "flow", "FLOW", false);
		rtt_stats_cols(t[2]);
	} else {
		t[2] = pt_table_new(q.fmt, NULL);
		pt_table_col(t[2], "kind", "KIND", false);
		pt_table_col(t[2], "start", "START", false);
		pt_table_col(t[2], "interface", "INTERFACE", false);
		pt_table_col(t[2], "flow", "FLOW", false);
		rtt_stats_cols(t[2]);
	}
	for (size_t i = 0; i < n; i++) {
		struct pt_table *x = q.fmt == PT_FMT_TABLE ? t[rows[i].kind] : t[2];

		pt_table_row(x);
		if (q.fmt != PT_FMT_TABLE) {
			pt_table_str(x, kinds[rows[i].kind]);
			if (rows[i].kind == PT_RTT_INTERVAL)
				pt_table_str(x, ts_str(rows[i].start_ns, b1, sizeof(b1)));
			else
				pt_table_null(x);
		} else if (rows[i].kind == PT_RTT_INTERVAL) {
			pt_table_str(x, ts_str(rows[i].start_ns, b1, sizeof(b1)));
		}
		pt_table_str(x, pt_ops_site_name(&in, rows[i].site));
		if (rows[i].kind == PT_RTT_FLOW)
			pt_table_str(x, pt_tuple_str(&rows[i].flow, b2, sizeof(b2)));
		else if (q.fmt != PT_FMT_TABLE)
			pt_table_null(x);
		rtt_stats_vals(x, &rows[i].s);
	}
	pt_table_note(t[2], "%llu sample%s from %llu data segments/SYNs; %llu excluded as retransmissions "
		      "(Karn); %llu forgotten unacknowledged after 60 s; %llu unacknowledged at the end",
		      (unsigned long long)cnt->samples, cnt->samples == 1 ? "" : "s",
		      (unsigned long long)cnt->segments, (unsigned long long)cnt->retrans,
		      (unsigned long long)cnt->expired, (unsigned long long)cnt->unacked);
	common_notes(t[2], &in);
	for (int i = 0; i < 3; i++) {
		if (!t[i])
			continue;
		pt_table_print(t[i], stdout);
		if (i < 2 && q.fmt == PT_FMT_TABLE)
			putchar('\n');
	}
out:
	free(rows);
	pt_rtt_free(r);
	pt_ops_in_free(&in);
	pt_scan_close(s);
	return rc;
}
