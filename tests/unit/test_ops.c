// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_ops.c — the query operators (query/ops.h) on synthetic stores with known
 * answers: throughput bins (empty ones as 0, --at), top ordering, flows per
 * point, RTT (handshake, delayed ACK, Karn, sequence wrap-around), the unknown
 * point and empty window errors; and the CLI's CSV and JSON output of one
 * operator byte for byte (runs the provtap binary built beside this test, or
 * $PROVTAP_BIN).
 *
 * Every store: POINT records, a CLOCK record (realtime = boottime + BASE), then
 * PKT records.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "collector/store.h"
#include "query/ops.h"
#include "query/scan.h"
#include "tests/support/synstore.h"
#include "tests/support/checkrun.h"

#define BASE	1700000000000000000ULL	/* 2023-11-14T22:13:20Z */
#define MS	1000000ULL

/* ---- synthetic stores ---- */

/* Points: 1 eth0@a:out, 2 eth0@a:in (one interface), 3 eth1@b:in alias "web". */
static void sb_open(struct pt_synstore *b)
{
	static const struct pt_syn_point pts[] = {
		{ 1, "eth0", "a", "", PT_DIR_OUT }, { 2, "eth0", "a", "", PT_DIR_IN }, { 3, "eth1", "b", "web", PT_DIR_IN },
	};

	pt_syn_open(b, "ops", BASE, pts, sizeof(pts) / sizeof(pts[0]));
}

/* A packet; l3_len = IP + L4 header + payload. */
static void pkt(struct pt_synstore *b, __u16 point, __u64 ts, const char *src, __u16 sport, const char *dst, __u16 dport,
		__u8 proto, __u8 flags, __u32 seq, __u32 ack, __u16 payload)
{
	struct pt_pkt p = { .type = PT_REC_PKT, .len = sizeof(p), .point = point, .ts_ns = ts };

	p.flags = PT_PF_IPV4 | PT_PF_L4;
	p.dir = point == 1 ? PT_DIR_OUT : PT_DIR_IN;
	p.hook = PT_HOOK_TC;
	inet_pton(AF_INET, src, p.saddr);
	inet_pton(AF_INET, dst, p.daddr);
	p.sport = sport;
	p.dport = dport;
	p.l4proto = proto;
	p.tcp_flags = flags;
	p.seq = seq;
	p.ack = ack;
	p.l4_payload_len = payload;
	p.l3_len = (__u16)(20 + (proto == IPPROTO_TCP ? 20 : 8) + payload);
	p.wire_len = p.l3_len + 14u;
	p.fp = ts + 1;
	p.ttl = 64;
	pt_syn_add(b, &p, sizeof(p));
}

static void udp(struct pt_synstore *b, __u16 point, __u64 ts, const char *src, const char *dst, __u16 payload)
{
	pkt(b, point, ts, src, 5000, dst, 53, IPPROTO_UDP, 0, 0, 0, payload);
}

/* Open a scan + input over dir. */
static struct pt_scan *scan(const char *dir, const char *expr, __u64 since, __u64 until)
{
	struct pt_scan_opts o = { .store_dir = dir, .expr = expr, .since_ns = since, .until_ns = until };
	struct pt_scan *s = NULL;
	char err[256];

	ck_assert_msg(pt_scan_open(&o, &s, err, sizeof(err)) == 0, "%s", err);
	return s;
}

/* Run the provtap binary; returns stdout (caller frees), *status = exit code. */
static char *run_cli(const char *args, int *status)
{
	char exe[PATH_MAX], cmd[PATH_MAX + 512], *out = NULL;
	const char *bin = getenv("PROVTAP_BIN");
	size_t len = 0, n;
	char buf[4096], *line;
	ssize_t r;
	FILE *f, *m;
	int st;

	if (!bin || !*bin) {
		r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		ck_assert_int_gt(r, 0);
		exe[r] = 0;
		snprintf(cmd, sizeof(cmd), "%s/../provtap", dirname(exe));
		bin = cmd;
	}
	ck_assert_msg(access(bin, X_OK) == 0, "no provtap binary at %s (build it, or set PROVTAP_BIN)", bin);
	ck_assert_int_ge(asprintf(&line, "%s %s", bin, args), 0);
	f = popen(line, "r");
	free(line);
	ck_assert_ptr_nonnull(f);
	m = open_memstream(&out, &len);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(m);
	st = pclose(f);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

/* ---- throughput ---- */

static struct pt_synstore tput_store(void)
{
	struct pt_synstore b;

	sb_open(&b);
	udp(&b, 1, 100 * MS, "10.0.0.1", "10.0.0.2", 72);	/* l3 100, bin 0 */
	udp(&b, 1, 500 * MS, "10.0.0.1", "10.0.0.2", 172);	/* l3 200, bin 0 */
	udp(&b, 3, 1500 * MS, "10.0.0.3", "10.0.0.2", 22);	/* l3 50, bin 1 */
	udp(&b, 1, 3200 * MS, "10.0.0.1", "10.0.0.2", 272);	/* l3 300, bin 3 */
	pt_syn_close(&b);
	return b;
}

static struct pt_tput_row *tput(const char *dir, const char *at, size_t *n, int *fin)
{
	struct pt_ops_in in = { .scan = scan(dir, "", 0, 0), .at = at };
	struct pt_tput *t = pt_tput_new(1000 * MS);
	const struct pt_pkt *p;
	struct pt_tput_row *rows;
	char err[512];

	while (pt_ops_next(&in, &p) == 1)
		ck_assert_int_eq(pt_tput_add(t, p, pt_ops_time(&in, p)), 0);
	*fin = pt_ops_finish(&in, err, sizeof(err));
	rows = pt_tput_rows(t, n);
	pt_tput_free(t);
	pt_scan_close(in.scan);
	return rows;
}

START_TEST(throughput_bins)
{
	struct pt_synstore b = tput_store();
	static const struct pt_tput_row want[] = {
		{ BASE + 0, 1, 2, 300 }, { BASE + 0, 3, 0, 0 },
		{ BASE + 1000 * MS, 1, 0, 0 }, { BASE + 1000 * MS, 3, 1, 50 },
		{ BASE + 2000 * MS, 1, 0, 0 }, { BASE + 2000 * MS, 3, 0, 0 },	/* empty: rows of 0 */
		{ BASE + 3000 * MS, 1, 1, 300 }, { BASE + 3000 * MS, 3, 0, 0 },
	};
	size_t n;
	int fin;
	struct pt_tput_row *r = tput(b.dir, NULL, &n, &fin);

	ck_assert_int_eq(fin, 0);
	ck_assert_uint_eq(n, 8);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(r[i].start_ns, want[i].start_ns);
		ck_assert_uint_eq(r[i].point, want[i].point);
		ck_assert_uint_eq(r[i].packets, want[i].packets);
		ck_assert_uint_eq(r[i].bytes, want[i].bytes);
	}
	free(r);

	/* --at: only eth0@a:out, still every interval of its range */
	r = tput(b.dir, "eth0@a:out", &n, &fin);
	ck_assert_int_eq(fin, 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(r[0].bytes, 300);
	ck_assert_uint_eq(r[1].packets, 0);
	ck_assert_uint_eq(r[2].packets, 0);
	ck_assert_uint_eq(r[3].bytes, 300);
	ck_assert_uint_eq(r[3].start_ns, BASE + 3000 * MS);
	free(r);

	/* --at by alias */
	r = tput(b.dir, "web", &n, &fin);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0].point, 3);
	ck_assert_uint_eq(r[0].bytes, 50);
	free(r);
	pt_syn_rm(&b);
}
END_TEST

START_TEST(throughput_csv_json_exact)
{
	struct pt_synstore b = tput_store();
	char args[256], *out;
	int st;

	snprintf(args, sizeof(args), "query throughput --store %s --interval 1s --at eth0@a:out --csv", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 0);
	ck_assert_str_eq(out,
		"start,point,packets,bytes,bits_per_s,packets_per_s\n"
		"2023-11-14T22:13:20.000000000Z,eth0@a:out,2,300,2400,2.0\n"
		"2023-11-14T22:13:21.000000000Z,eth0@a:out,0,0,0,0.0\n"
		"2023-11-14T22:13:22.000000000Z,eth0@a:out,0,0,0,0.0\n"
		"2023-11-14T22:13:23.000000000Z,eth0@a:out,1,300,2400,1.0\n");
	free(out);

	snprintf(args, sizeof(args), "query throughput 'udp' --store %s --interval 2s --json", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 0);
	ck_assert_str_eq(out,
		"{\"start\":\"2023-11-14T22:13:20.000000000Z\",\"point\":\"eth0@a:out\",\"packets\":2,\"bytes\":300,"
		"\"bits_per_s\":1200,\"packets_per_s\":1.0}\n"
		"{\"start\":\"2023-11-14T22:13:20.000000000Z\",\"point\":\"eth1@b:in\",\"packets\":1,\"bytes\":50,"
		"\"bits_per_s\":200,\"packets_per_s\":0.5}\n"
		"{\"start\":\"2023-11-14T22:13:22.000000000Z\",\"point\":\"eth0@a:out\",\"packets\":1,\"bytes\":300,"
		"\"bits_per_s\":1200,\"packets_per_s\":0.5}\n"
		"{\"start\":\"2023-11-14T22:13:22.000000000Z\",\"point\":\"eth1@b:in\",\"packets\":0,\"bytes\":0,"
		"\"bits_per_s\":0,\"packets_per_s\":0.0}\n");
	free(out);
	pt_syn_rm(&b);
}
END_TEST

/* ---- errors ---- */

START_TEST(unknown_point)
{
	struct pt_synstore b = tput_store();
	struct pt_ops_in in = { .scan = scan(b.dir, "", 0, 0), .at = "nosuch@x:in" };
	const struct pt_pkt *p;
	char err[512], args[256], *out;
	int st;

	while (pt_ops_next(&in, &p) == 1)
		ck_abort_msg("a packet of an unknown point");
	ck_assert_int_eq(pt_ops_finish(&in, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "unknown capture point 'nosuch@x:in'"), "%s", err);
	ck_assert_msg(strstr(err, "eth0@a:out") && strstr(err, "eth0@a:in") && strstr(err, "eth1@b:in (=web)"),
		      "%s", err);
	pt_scan_close(in.scan);

	snprintf(args, sizeof(args), "query flows --store %s --at nosuch 2>&1", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 1);
	ck_assert_msg(strstr(out, "unknown capture point 'nosuch'") && strstr(out, "eth1@b:in"), "%s", out);
	free(out);

	/* a point named in the filter that the store does not have: the typo, not "no packets" */
	static const char *const ops[] = { "flows", "packets", "hops", "loss --from eth0@a:out --to eth0@a:in" };
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		snprintf(args, sizeof(args), "query %s --store %s 'tcp and (point web or point eth9)' 2>&1", ops[i],
			 b.dir);
		out = run_cli(args, &st);
		ck_assert_int_eq(st, 1);
		ck_assert_msg(strstr(out, "unknown capture point 'eth9'; the store knows: ") && strstr(out, "eth1@b:in (=web)"),
			      "%s: %s", ops[i], out);
		free(out);
	}
	/* every named point known (eth0@a is both eth0@a:in and :out), nothing matching: no packets */
	snprintf(args, sizeof(args), "query hops --store %s 'port 1 and point eth0@a' 2>&1", b.dir);
	out = run_cli(args, &st);
	ck_assert_msg(st == 1, "exit %d: %s", st, out);
	ck_assert_msg(strstr(out, "no packets match port 1 and point eth0@a in the window") && !strstr(out, "unknown"),
		      "%s", out);
	free(out);
	pt_syn_rm(&b);
}
END_TEST

START_TEST(empty_window)
{
	struct pt_synstore b = tput_store();
	struct pt_ops_in in = { .scan = scan(b.dir, "", BASE + 3300 * MS, BASE + 9000 * MS) };
	const struct pt_pkt *p;
	char err[512], args[256], *out;
	int st;

	while (pt_ops_next(&in, &p) == 1)
		ck_abort_msg("a packet outside the window");
	ck_assert_int_eq(pt_ops_finish(&in, err, sizeof(err)), -ENODATA);
	ck_assert_str_eq(err, "no packets match in the window");
	pt_scan_close(in.scan);

	for (const char *const *op = (const char *const[]){ "packets", "flows", "top --by src",
			"throughput --interval 1s", "rtt", NULL }; *op; op++) {
		snprintf(args, sizeof(args), "query %s --store %s --since 2023-11-14T22:13:24Z 2>&1", *op, b.dir);
		out = run_cli(args, &st);
		ck_assert_msg(st == 1, "%s: exit %d", *op, st);
		ck_assert_msg(strstr(out, "no packets match in the window"), "%s: %s", *op, out);
		free(out);
	}
	pt_syn_rm(&b);
}
END_TEST

/* ---- flows and top ---- */

static struct pt_synstore agg_store(void)
{
	struct pt_synstore b;

	sb_open(&b);
	/* flow A 10.0.0.1:1000 > 10.0.0.2:80 seen at points 1 and 3; flow B from 10.0.0.3 */
	pkt(&b, 1, 10 * MS, "10.0.0.1", 1000, "10.0.0.2", 80, IPPROTO_TCP, 0x18, 1, 1, 60);	/* l3 100 */
	pkt(&b, 3, 11 * MS, "10.0.0.1", 1000, "10.0.0.2", 80, IPPROTO_TCP, 0x18, 1, 1, 60);
	pkt(&b, 1, 20 * MS, "10.0.0.3", 2000, "10.0.0.2", 80, IPPROTO_TCP, 0x18, 1, 1, 160);	/* l3 200 */
	pkt(&b, 1, 30 * MS, "10.0.0.1", 1000, "10.0.0.2", 80, IPPROTO_TCP, 0x18, 61, 1, 60);
	pkt(&b, 1, 40 * MS, "10.0.0.2", 80, "10.0.0.1", 1000, IPPROTO_TCP, 0x10, 1, 121, 0);	/* l3 40, reverse */
	pt_syn_close(&b);
	return b;
}

static const struct pt_agg_row *agg(const char *dir, enum pt_agg_by by, struct pt_agg **a, size_t *n)
{
	struct pt_ops_in in = { .scan = scan(dir, "", 0, 0) };
	const struct pt_pkt *p;

	*a = pt_agg_new(by);
	while (pt_ops_next(&in, &p) == 1)
		ck_assert_int_eq(pt_agg_add(*a, p, pt_ops_time(&in, p)), 0);
	pt_scan_close(in.scan);
	return pt_agg_rows(*a, n);
}

START_TEST(flows_per_point)
{
	struct pt_synstore b = agg_store();
	struct pt_agg *a;
	size_t n;
	const struct pt_agg_row *r = agg(b.dir, PT_BY_FLOW_POINT, &a, &n);
	char buf[128];

	ck_assert_uint_eq(n, 4);
	/* by first seen: A@1 (10ms), A@3 (11ms), B@1 (20ms), reverse of A @1 (40ms) */
	ck_assert_str_eq(pt_tuple_str(&r[0].k, buf, sizeof(buf)), "10.0.0.1:1000 > 10.0.0.2:80");
	ck_assert_uint_eq(r[0].k.point, 1);
	ck_assert_uint_eq(r[0].first_ns, BASE + 10 * MS);
	ck_assert_uint_eq(r[0].last_ns, BASE + 30 * MS);
	ck_assert_uint_eq(r[0].packets, 2);
	ck_assert_uint_eq(r[0].bytes, 200);
	ck_assert_uint_eq(r[1].k.point, 3);
	ck_assert_uint_eq(r[1].first_ns, BASE + 11 * MS);
	ck_assert_uint_eq(r[1].last_ns, BASE + 11 * MS);
	ck_assert_uint_eq(r[1].packets, 1);
	ck_assert_uint_eq(r[1].bytes, 100);
	ck_assert_str_eq(pt_tuple_str(&r[2].k, buf, sizeof(buf)), "10.0.0.3:2000 > 10.0.0.2:80");
	ck_assert_uint_eq(r[2].bytes, 200);
	ck_assert_str_eq(pt_tuple_str(&r[3].k, buf, sizeof(buf)), "10.0.0.2:80 > 10.0.0.1:1000");
	ck_assert_uint_eq(r[3].bytes, 40);
	pt_agg_free(a);
	pt_syn_rm(&b);
}
END_TEST

START_TEST(top_order_and_limit)
{
	struct pt_synstore b = agg_store();
	struct pt_agg *a;
	size_t n;
	const struct pt_agg_row *r = agg(b.dir, PT_BY_SRC, &a, &n);
	__u64 tp, tb, sk;
	char buf[64], args[256], *out;
	int st;

	/* 10.0.0.1: 3 pkts 300 B; 10.0.0.3: 1 pkt 200 B; 10.0.0.2: 1 pkt 40 B */
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(inet_ntop(AF_INET, r[0].k.src, buf, sizeof(buf)), "10.0.0.1");
	ck_assert_uint_eq(r[0].bytes, 300);
	ck_assert_uint_eq(r[0].packets, 3);
	ck_assert_str_eq(inet_ntop(AF_INET, r[1].k.src, buf, sizeof(buf)), "10.0.0.3");
	ck_assert_str_eq(inet_ntop(AF_INET, r[2].k.src, buf, sizeof(buf)), "10.0.0.2");
	pt_agg_totals(a, &tp, &tb, &sk);
	ck_assert_uint_eq(tp, 5);
	ck_assert_uint_eq(tb, 540);
	ck_assert_uint_eq(sk, 0);
	pt_agg_free(a);

	/* by point: eth0@a:out 4 packets 440 B, eth1@b:in 1 packet 100 B */
	r = agg(b.dir, PT_BY_POINT, &a, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(r[0].k.point, 1);
	ck_assert_uint_eq(r[0].bytes, 440);
	ck_assert_uint_eq(r[1].k.point, 3);
	pt_agg_free(a);

	/* by dport: 80/tcp 4 packets 500 B, 1000/tcp 1 packet 40 B */
	r = agg(b.dir, PT_BY_DPORT, &a, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(r[0].k.sport, 80);	/* port kept in sport */
	ck_assert_uint_eq(r[0].bytes, 500);
	ck_assert_uint_eq(r[1].k.sport, 1000);
	pt_agg_free(a);

	snprintf(args, sizeof(args), "query top --store %s --by src --limit 2 --csv", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 0);
	ck_assert_str_eq(out, "src,packets,bytes,packets_pct,bytes_pct\n"
			      "10.0.0.1,3,300,60.0,55.6\n"
			      "10.0.0.3,1,200,20.0,37.0\n");
	free(out);
	pt_syn_rm(&b);
}
END_TEST

START_TEST(top_tie_packets)
{
	struct pt_synstore b;
	struct pt_agg *a;
	size_t n;
	const struct pt_agg_row *r;
	char buf[64];

	sb_open(&b);
	udp(&b, 1, 1 * MS, "10.0.0.9", "10.0.0.2", 172);	/* 200 B in 1 packet */
	udp(&b, 1, 2 * MS, "10.0.0.8", "10.0.0.2", 72);	/* 200 B in 2 packets */
	udp(&b, 1, 3 * MS, "10.0.0.8", "10.0.0.2", 72);
	pt_syn_close(&b);
	r = agg(b.dir, PT_BY_SRC, &a, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(inet_ntop(AF_INET, r[0].k.src, buf, sizeof(buf)), "10.0.0.8");
	ck_assert_uint_eq(r[0].packets, 2);
	pt_agg_free(a);
	pt_syn_rm(&b);
}
END_TEST

/* ---- rtt ---- */

#define C "10.0.0.1"
#define S "10.0.0.2"
#define TS(ms10) ((__u64)(ms10) * 100000ULL)	/* tenths of ms */

static struct pt_rtt_row *rtt(const char *dir, const char *at, __u64 iv, size_t *n, struct pt_rtt_counts *cnt,
			      struct pt_ops_in *in)
{
	struct pt_rtt_opts o = { .interval_ns = iv };
	struct pt_rtt *r = pt_rtt_new(&o);
	const struct pt_pkt *p;
	struct pt_rtt_row *rows;

	memset(in, 0, sizeof(*in));
	in->scan = scan(dir, "tcp", 0, 0);
	in->at = at;
	in->at_iface = true;
	while (pt_ops_next(in, &p) == 1)
		ck_assert_int_eq(pt_rtt_add(r, p, pt_ops_site(in, p->point), pt_ops_time(in, p)), 0);
	rows = pt_rtt_rows(r, n);
	*cnt = *pt_rtt_get_counts(r);
	pt_rtt_free(r);
	pt_scan_close(in->scan);
	return rows;
}

static void ck_stats(const struct pt_rtt_stats *s, __u64 n, double min, double p50, double p90, double max)
{
	ck_assert_uint_eq(s->samples, n);
	ck_assert_double_eq_tol(s->min_ms, min, 1e-6);
	ck_assert_double_eq_tol(s->p50_ms, p50, 1e-6);
	ck_assert_double_eq_tol(s->p90_ms, p90, 1e-6);
	ck_assert_double_eq_tol(s->max_ms, max, 1e-6);
}

START_TEST(rtt_handshake_delack_karn)
{
	struct pt_synstore b;
	struct pt_rtt_counts cnt;
	struct pt_ops_in in;
	size_t n;
	struct pt_rtt_row *r;
	char buf[128];

	sb_open(&b);
	/* client data leaves on eth0@a:out (1), the server's packets come back on eth0@a:in (2) */
	pkt(&b, 1, TS(0), C, 1000, S, 80, IPPROTO_TCP, 0x02, 100, 0, 0);		/* SYN [100,101) */
	pkt(&b, 2, TS(10), S, 80, C, 1000, IPPROTO_TCP, 0x12, 5000, 101, 0);	/* SYN/ACK: 1.0 ms */
	pkt(&b, 1, TS(12), C, 1000, S, 80, IPPROTO_TCP, 0x10, 101, 5001, 0);	/* ACK: SYN/ACK 0.2 ms */
	pkt(&b, 1, TS(100), C, 1000, S, 80, IPPROTO_TCP, 0x18, 101, 5001, 100);	/* [101,201) */
	pkt(&b, 1, TS(110), C, 1000, S, 80, IPPROTO_TCP, 0x18, 201, 5001, 100);	/* [201,301) */
	pkt(&b, 2, TS(150), S, 80, C, 1000, IPPROTO_TCP, 0x10, 5001, 301, 0);	/* delayed ACK: 5.0, 4.0 */
	pkt(&b, 1, TS(200), C, 1000, S, 80, IPPROTO_TCP, 0x18, 301, 5001, 100);	/* [301,401) */
	pkt(&b, 1, TS(2200), C, 1000, S, 80, IPPROTO_TCP, 0x18, 301, 5001, 100);	/* retransmitted */
	pkt(&b, 2, TS(2250), S, 80, C, 1000, IPPROTO_TCP, 0x10, 5001, 401, 0);	/* no sample (Karn) */
	pkt(&b, 1, TS(2260), C, 1000, S, 80, IPPROTO_TCP, 0x18, 301, 5001, 100);	/* copy of acked data: ignored */
	pkt(&b, 1, TS(3000), C, 1000, S, 80, IPPROTO_TCP, 0x18, 401, 5001, 100);	/* [401,501) */
	pkt(&b, 2, TS(3020), S, 80, C, 1000, IPPROTO_TCP, 0x10, 5001, 501, 0);	/* 2.0 ms */
	pkt(&b, 3, TS(3030), S, 80, C, 1000, IPPROTO_TCP, 0x10, 5001, 501, 0);	/* other interface */
	pt_syn_close(&b);

	r = rtt(b.dir, NULL, 100 * MS, &n, &cnt, &in);
	ck_assert_uint_eq(cnt.samples, 5);
	ck_assert_uint_eq(cnt.segments, 8);	/* SYN, SYN/ACK, 5 data, 1 copy of acked */
	ck_assert_uint_eq(cnt.retrans, 3);	/* original + retransmission + late copy */
	ck_assert_uint_eq(cnt.unacked, 0);
	/* intervals (100 ms, by segment time): [0,100ms) has 1.0, 0.2, 5.0, 4.0; [300,400) has 2.0 */
	ck_assert_uint_eq(n, 2 + 1 + 2);
	ck_assert_int_eq(r[0].kind, PT_RTT_INTERVAL);
	ck_assert_uint_eq(r[0].start_ns, BASE);
	ck_stats(&r[0].s, 4, 0.2, 1.0, 5.0, 5.0);
	ck_assert_int_eq(r[1].kind, PT_RTT_INTERVAL);
	ck_assert_uint_eq(r[1].start_ns, BASE + 300 * MS);
	ck_stats(&r[1].s, 1, 2.0, 2.0, 2.0, 2.0);
	ck_assert_int_eq(r[2].kind, PT_RTT_SITE);
	ck_assert_str_eq(pt_ops_site_name(&in, r[2].site), "eth0@a");
	ck_stats(&r[2].s, 5, 0.2, 2.0, 5.0, 5.0);
	/* flows: client->server data {1.0 (SYN), 5.0, 4.0, 2.0}; server->client {0.2 (SYN/ACK)} */
	ck_assert_int_eq(r[3].kind, PT_RTT_FLOW);
	ck_assert_str_eq(pt_tuple_str(&r[3].flow, buf, sizeof(buf)), "10.0.0.1:1000 > 10.0.0.2:80");
	ck_stats(&r[3].s, 4, 1.0, 2.0, 5.0, 5.0);
	ck_assert_str_eq(pt_tuple_str(&r[4].flow, buf, sizeof(buf)), "10.0.0.2:80 > 10.0.0.1:1000");
	ck_stats(&r[4].s, 1, 0.2, 0.2, 0.2, 0.2);
	free(r);
	pt_ops_in_free(&in);

	/* --at one direction selects its interface; the other interface alone has no sample */
	r = rtt(b.dir, "eth0@a:in", 0, &n, &cnt, &in);
	ck_assert_uint_eq(cnt.samples, 5);
	free(r);
	pt_ops_in_free(&in);
	r = rtt(b.dir, "web", 0, &n, &cnt, &in);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(n, 0);
	pt_ops_in_free(&in);
	pt_syn_rm(&b);
}
END_TEST

START_TEST(rtt_seq_wrap)
{
	struct pt_synstore b;
	struct pt_rtt_counts cnt;
	struct pt_ops_in in;
	size_t n;
	struct pt_rtt_row *r;

	sb_open(&b);
	pkt(&b, 1, TS(0), C, 2000, S, 80, IPPROTO_TCP, 0x18, 0xffffffc0u, 1, 100);	/* [-64, 36) wraps */
	pkt(&b, 1, TS(5), C, 2000, S, 80, IPPROTO_TCP, 0x18, 0x24, 1, 100);		/* [36, 136) */
	pkt(&b, 2, TS(20), S, 80, C, 2000, IPPROTO_TCP, 0x10, 1, 0x10, 0);		/* covers neither */
	pkt(&b, 2, TS(30), S, 80, C, 2000, IPPROTO_TCP, 0x10, 1, 0x24, 0);		/* first: 3.0 ms */
	pkt(&b, 2, TS(45), S, 80, C, 2000, IPPROTO_TCP, 0x10, 1, 0x88, 0);		/* second: 4.0 ms */
	pkt(&b, 1, TS(50), C, 2000, S, 80, IPPROTO_TCP, 0x18, 0xffffffc0u, 1, 100);	/* old copy: ignored */
	pt_syn_close(&b);
	r = rtt(b.dir, NULL, 0, &n, &cnt, &in);
	ck_assert_uint_eq(cnt.samples, 2);
	ck_assert_uint_eq(cnt.retrans, 1);
	ck_assert_uint_eq(n, 2);	/* interface + flow */
	ck_stats(&r[1].s, 2, 3.0, 3.0, 4.0, 4.0);
	free(r);
	pt_ops_in_free(&in);
	pt_syn_rm(&b);
}
END_TEST

START_TEST(rtt_percentiles)
{
	float v[10] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };	/* µs */
	struct pt_rtt_stats s;

	pt_rtt_stats_of(v, 10, &s);
	ck_stats(&s, 10, 0.001, 0.005, 0.009, 0.010);
	pt_rtt_stats_of(v, 1, &s);
	ck_stats(&s, 1, 0.001, 0.001, 0.001, 0.001);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ops");
	TCase *t = tcase_create("ops");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, throughput_bins);
	tcase_add_test(t, throughput_csv_json_exact);
	tcase_add_test(t, unknown_point);
	tcase_add_test(t, empty_window);
	tcase_add_test(t, flows_per_point);
	tcase_add_test(t, top_order_and_limit);
	tcase_add_test(t, top_tie_packets);
	tcase_add_test(t, rtt_handshake_delack_karn);
	tcase_add_test(t, rtt_seq_wrap);
	tcase_add_test(t, rtt_percentiles);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return pt_check_run(suite());
}
