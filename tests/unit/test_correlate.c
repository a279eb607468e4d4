// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_correlate.c — query correlate (query/correlate.h) on synthetic stores with
 * known answers: by fingerprint (delays, FIFO retransmissions, max-delay, out
 * before in, residue both ways), by payload (the `--fp payload` fingerprint,
 * hashes computed from captured bytes matching it, packets without payload left
 * out, refusal without payload hashes), by connection order (handshake
 * completion in, SYN out, retransmitted SYN, a connection already open, residue
 * both ways), unknown point and empty window; and the CLI's JSON and exit codes
 * (runs the provtap binary built beside this test, or $PROVTAP_BIN).
 *
 * Store: POINT records (1 mb0@m:in alias "mbin", 2 mb1@m:out alias "mbout",
 * 3 other@x:in), a CLOCK record (realtime = boottime + BASE), then PKT records.
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
#include "bpf/fingerprint.h"
#include "collector/store.h"
#include "query/correlate.h"
#include "query/scan.h"
#include "tests/support/synstore.h"
#include "tests/support/frames.h"
#include "tests/support/checkrun.h"

#define BASE	1700000000000000000ULL	/* 2023-11-14T22:13:20Z */
#define MS	1000000ULL
#define US	1000ULL

#define F_SYN	0x02
#define F_ACK	0x10
#define F_PSH	0x08

static void sb_open(struct pt_synstore *b)
{
	static const struct pt_syn_point pts[] = {
		{ 1, "mb0", "m", "mbin", PT_DIR_IN }, { 2, "mb1", "m", "mbout", PT_DIR_OUT },
		{ 3, "other", "x", "", PT_DIR_IN },
	};

	pt_syn_open(b, "corr", BASE, pts, sizeof(pts) / sizeof(pts[0]));
}

/* A TCP packet record with fingerprint fp (flags may add PT_PF_FP_NAT). */
static void tcp(struct pt_synstore *b, __u16 point, __u64 ts, const char *src, __u16 sport, const char *dst, __u16 dport,
		__u8 tflags, __u32 seq, __u16 payload, __u64 fp, __u16 extra_flags)
{
	struct pt_pkt p = { .type = PT_REC_PKT, .len = sizeof(p), .point = point, .ts_ns = ts };

	p.flags = PT_PF_IPV4 | PT_PF_L4 | extra_flags;
	p.dir = point == 2 ? PT_DIR_OUT : PT_DIR_IN;
	p.hook = PT_HOOK_TC;
	inet_pton(AF_INET, src, p.saddr);
	inet_pton(AF_INET, dst, p.daddr);
	p.sport = sport;
	p.dport = dport;
	p.l4proto = IPPROTO_TCP;
	p.tcp_flags = tflags;
	p.seq = seq;
	p.l4_payload_len = payload;
	p.l3_len = (__u16)(40 + payload);
	p.wire_len = p.l3_len + 14u;
	p.fp = fp;
	pt_syn_add(b, &p, sizeof(p));
}

/* A TCP packet with its frame captured (snaplen): headers as given, payload bytes pay[0..n). */
static void tcp_cap(struct pt_synstore *b, __u16 point, __u64 ts, const char *src, __u16 sport, const char *dst,
		    __u16 dport, const __u8 *pay, size_t n, size_t snaplen)
{
	struct frame_spec fs;
	struct frame_layout lay;
	__u8 frame[FRAME_MAX];
	__u8 rec[sizeof(struct pt_pkt) + PT_SNAP_MAX];
	struct pt_pkt *p = (struct pt_pkt *)rec;
	size_t flen;

	frame_spec_init(&fs, 4, IPPROTO_TCP);
	inet_pton(AF_INET, src, fs.saddr);
	inet_pton(AF_INET, dst, fs.daddr);
	fs.sport = sport;
	fs.dport = dport;
	fs.tcp_flags = F_ACK | F_PSH;
	fs.payload = pay;
	fs.payload_len = n;
	flen = frame_build(&fs, frame, sizeof(frame), &lay);
	ck_assert_uint_gt(flen, 0);
	memset(rec, 0, sizeof(rec));
	p->type = PT_REC_PKT;
	p->point = point;
	p->ts_ns = ts;
	p->flags = PT_PF_IPV4 | PT_PF_L4;
	p->dir = point == 2 ? PT_DIR_OUT : PT_DIR_IN;
	p->hook = PT_HOOK_TC;
	memcpy(p->saddr, fs.saddr, 4);
	memcpy(p->daddr, fs.daddr, 4);
	p->sport = sport;
	p->dport = dport;
	p->l4proto = IPPROTO_TCP;
	p->tcp_flags = fs.tcp_flags;
	p->l3_len = (__u16)(flen - lay.l3_off);
	p->l4_payload_len = (__u16)n;
	p->wire_len = (__u32)flen;
	p->fp = 12345;	/* a header fingerprint: not used by payload matching */
	p->cap_len = (__u16)(flen < snaplen ? flen : snaplen);
	memcpy(rec + sizeof(*p), frame, p->cap_len);
	p->len = (__u16)(sizeof(*p) + p->cap_len);
	pt_syn_add(b, rec, p->len);
}

/* The `--fp payload` fingerprint of n bytes of pay over TCP, as the kernel computes it. */
static __u64 payload_fp(const __u8 *pay, size_t n)
{
	struct pt_fp_in in;

	memset(&in, 0, sizeof(in));
	in.mode = PT_FP_PAYLOAD;
	in.l4proto = IPPROTO_TCP;
	in.l4_payload_len = (__u16)n;
	in.payload_n = (__u8)(n < PT_FP_NAT_PAYLOAD ? n : PT_FP_NAT_PAYLOAD);
	memcpy(in.payload, pay, in.payload_n);
	return pt_fp_compute(&in);
}

/* Scan dir with expr, correlate in -> out by method. Returns pt_corr_scan/run's code; *cp for inspection. */
static int corr(const char *dir, const char *expr, const char *in, const char *out, enum pt_corr_by by,
		__u64 max_delay, struct pt_corr **cp, char *err, size_t errlen)
{
	struct pt_scan_opts so = { .store_dir = dir, .expr = expr };
	struct pt_corr_opts co = { .by = by, .max_delay_ns = max_delay };
	struct pt_scan *s = NULL;
	int rc;

	ck_assert_msg(pt_scan_open(&so, &s, err, errlen) == 0, "%s", err);
	*cp = pt_corr_new(&co);
	ck_assert_ptr_nonnull(*cp);
	rc = pt_corr_scan(*cp, s, in, out, err, errlen);
	if (!rc)
		rc = pt_corr_run(*cp, err, errlen);
	pt_scan_close(s);
	return rc;
}

static void tuple_is(const struct pt_tuple *t, const char *want)
{
	char buf[128];

	ck_assert_str_eq(pt_tuple_str(t, buf, sizeof(buf)), want);
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

/* ---- by fingerprint ---- */

#define A "10.0.0.1"
#define S "10.0.9.9"

static struct pt_synstore fp_store(void)
{
	struct pt_synstore b;

	sb_open(&b);
	/* flow 1: 4 packets through, delays 1, 2, 3, 4 ms */
	for (int i = 0; i < 4; i++) {
		tcp(&b, 1, (100 + 10 * i) * MS, A, 40000, S, 80, F_ACK, 1000 + i, 100, 0x100 + i, 0);
		tcp(&b, 2, (100 + 10 * i + 1 + i) * MS, A, 40000, S, 80, F_ACK, 1000 + i, 100, 0x100 + i, 0);
	}
	/* flow 1: a packet lost in the middlebox (in only) */
	tcp(&b, 1, 200 * MS, A, 40000, S, 80, F_ACK, 2000, 100, 0x200, 0);
	/* flow 1: sent twice (retransmission, same fp) and both through: FIFO pairs 300->301, 310->312 */
	tcp(&b, 1, 300 * MS, A, 40000, S, 80, F_ACK, 3000, 100, 0x300, 0);
	tcp(&b, 2, 301 * MS, A, 40000, S, 80, F_ACK, 3000, 100, 0x300, 0);
	tcp(&b, 1, 310 * MS, A, 40000, S, 80, F_ACK, 3000, 100, 0x300, 0);
	tcp(&b, 2, 312 * MS, A, 40000, S, 80, F_ACK, 3000, 100, 0x300, 0);
	/* flow 2: one through (5 ms), one out more than max-delay (1 s) after its in: residue both sides */
	tcp(&b, 1, 400 * MS, "10.0.0.2", 40001, S, 80, F_ACK, 1, 10, 0x400, 0);
	tcp(&b, 2, 405 * MS, "10.0.0.2", 40001, S, 80, F_ACK, 1, 10, 0x400, 0);
	tcp(&b, 1, 500 * MS, "10.0.0.2", 40001, S, 80, F_ACK, 2, 10, 0x500, 0);
	tcp(&b, 2, 1600 * MS, "10.0.0.2", 40001, S, 80, F_ACK, 2, 10, 0x500, 0);
	/* out before in (same fp): residue both sides */
	tcp(&b, 2, 700 * MS, "10.0.0.3", 40002, S, 80, F_ACK, 1, 10, 0x700, 0);
	tcp(&b, 1, 701 * MS, "10.0.0.3", 40002, S, 80, F_ACK, 1, 10, 0x700, 0);
	/* generated by the middlebox itself (out only) */
	tcp(&b, 2, 800 * MS, S, 80, A, 40000, F_ACK | F_SYN, 7, 0, 0x800, 0);
	/* another point: ignored */
	tcp(&b, 3, 100 * MS, A, 40000, S, 80, F_ACK, 1000, 100, 0x100, 0);
	pt_syn_close(&b);
	return b;
}

START_TEST(fingerprint_pairs_and_residue)
{
	struct pt_synstore b = fp_store();
	struct pt_corr *c;
	const struct pt_corr_pair *p;
	const struct pt_corr_resid *r;
	const struct pt_corr_counts *n;
	char err[1024];
	size_t np, nr;

	ck_assert_msg(corr(b.dir, "", "mb0@m:in", "mbout", PT_CORR_FP, 0, &c, err, sizeof(err)) == 0, "%s", err);
	n = pt_corr_get_counts(c);
	ck_assert_uint_eq(n->packets[0], 10);
	ck_assert_uint_eq(n->packets[1], 10);
	ck_assert_uint_eq(n->matched, 7);
	ck_assert_uint_eq(n->unmatched[0], 3);
	ck_assert_uint_eq(n->unmatched[1], 3);

	p = pt_corr_pairs(c, &np);
	ck_assert_uint_eq(np, 2);
	tuple_is(&p[0].in, "10.0.0.1:40000 > 10.0.9.9:80");
	tuple_is(&p[0].out, "10.0.0.1:40000 > 10.0.9.9:80");
	ck_assert_uint_eq(p[0].packets, 6);	/* delays 1 2 3 4 1 2: p50 (rank 3) = 2 ms, max 4 */
	ck_assert_uint_eq(p[0].first_ns, BASE + 100 * MS);
	ck_assert_uint_eq(p[0].out_ns, BASE + 101 * MS);
	ck_assert_double_eq_tol(p[0].delay_p50_ms, 2.0, 1e-9);
	ck_assert_double_eq_tol(p[0].delay_max_ms, 4.0, 1e-9);
	tuple_is(&p[1].in, "10.0.0.2:40001 > 10.0.9.9:80");
	ck_assert_uint_eq(p[1].packets, 1);
	ck_assert_double_eq_tol(p[1].delay_p50_ms, 5.0, 1e-9);

	r = pt_corr_residue(c, &nr);
	ck_assert_uint_eq(nr, 6);
	/* in: flow 1 (the lost one at 200 ms), flow 2 (500 ms), flow 3 (701 ms) */
	ck_assert_int_eq(r[0].side, PT_CORR_IN);
	tuple_is(&r[0].flow, "10.0.0.1:40000 > 10.0.9.9:80");
	ck_assert_uint_eq(r[0].count, 1);
	ck_assert_uint_eq(r[0].first_ns, BASE + 200 * MS);
	tuple_is(&r[1].flow, "10.0.0.2:40001 > 10.0.9.9:80");
	ck_assert_uint_eq(r[1].first_ns, BASE + 500 * MS);
	tuple_is(&r[2].flow, "10.0.0.3:40002 > 10.0.9.9:80");
	/* out: 700 (before its in), 800 (own), 1600 (too late) */
	ck_assert_int_eq(r[3].side, PT_CORR_OUT);
	tuple_is(&r[3].flow, "10.0.0.3:40002 > 10.0.9.9:80");
	tuple_is(&r[4].flow, "10.0.9.9:80 > 10.0.0.1:40000");
	tuple_is(&r[5].flow, "10.0.0.2:40001 > 10.0.9.9:80");
	ck_assert_uint_eq(r[5].first_ns, BASE + 1600 * MS);
	pt_corr_free(c);

	/* a longer --max-delay lets the late one through */
	ck_assert_msg(corr(b.dir, "", "mbin", "mbout", PT_CORR_FP, 2000 * MS, &c, err, sizeof(err)) == 0, "%s", err);
	n = pt_corr_get_counts(c);
	ck_assert_uint_eq(n->matched, 8);
	p = pt_corr_pairs(c, &np);
	ck_assert_uint_eq(p[1].packets, 2);
	ck_assert_double_eq_tol(p[1].delay_max_ms, 1100.0, 1e-9);
	pt_corr_free(c);

	/* the expression applies to both sides */
	ck_assert_msg(corr(b.dir, "host 10.0.0.2", "mbin", "mbout", PT_CORR_FP, 0, &c, err, sizeof(err)) == 0, "%s",
		      err);
	n = pt_corr_get_counts(c);
	ck_assert_uint_eq(n->packets[0], 2);
	ck_assert_uint_eq(n->matched, 1);
	ck_assert_uint_eq(n->unmatched[0] + n->unmatched[1], 2);
	pt_corr_free(c);
	pt_syn_rm(&b);
}
END_TEST

START_TEST(fingerprint_modes_differ)
{
	struct pt_synstore b;
	struct pt_corr *c;
	char err[1024];

	sb_open(&b);
	tcp(&b, 1, 100 * MS, A, 40000, S, 80, F_ACK, 1, 10, 0x1, 0);
	tcp(&b, 2, 101 * MS, A, 40000, S, 80, F_ACK, 1, 10, 0x2, PT_PF_FP_NAT);
	pt_syn_close(&b);
	ck_assert_int_eq(corr(b.dir, "", "mbin", "mbout", PT_CORR_FP, 0, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "different fingerprint modes") && strstr(err, "--by payload"), "%s", err);
	pt_corr_free(c);
	pt_syn_rm(&b);
}
END_TEST

/* ---- by payload ---- */

START_TEST(payload_fp_nat_through_proxy)
{
	struct pt_synstore b;
	struct pt_corr *c;
	const struct pt_corr_pair *p;
	const struct pt_corr_resid *r;
	const struct pt_corr_counts *n;
	char err[1024];
	size_t np, nr;

	sb_open(&b);
	/* client 10.0.1.1:5000 -> VIP 10.0.2.100:8080, proxied as 10.0.3.1:6000 -> 10.0.3.2:8080 */
	for (int i = 0; i < 3; i++) {
		tcp(&b, 1, (100 + i * 10) * MS, "10.0.1.1", 5000, "10.0.2.100", 8080, F_ACK | F_PSH, 1 + i, 50,
		    0xa0 + i, PT_PF_FP_NAT);
		tcp(&b, 2, (100 + i * 10 + 2) * MS, "10.0.3.1", 6000, "10.0.3.2", 8080, F_ACK | F_PSH, 900 + i, 50,
		    0xa0 + i, PT_PF_FP_NAT);
	}
	/* pure ACKs (no payload): all the same payload fingerprint, left out */
	tcp(&b, 1, 140 * MS, "10.0.1.1", 5000, "10.0.2.100", 8080, F_ACK, 4, 0, 0x77, PT_PF_FP_NAT);
	tcp(&b, 2, 141 * MS, "10.0.3.1", 6000, "10.0.3.2", 8080, F_ACK, 904, 0, 0x77, PT_PF_FP_NAT);
	tcp(&b, 2, 142 * MS, "10.0.3.1", 6000, "10.0.3.2", 8080, F_ACK, 904, 0, 0x77, PT_PF_FP_NAT);
	/* second client: one payload never forwarded */
	tcp(&b, 1, 150 * MS, "10.0.1.1", 5001, "10.0.2.100", 8080, F_ACK | F_PSH, 1, 20, 0xb0, PT_PF_FP_NAT);
	pt_syn_close(&b);

	ck_assert_msg(corr(b.dir, "tcp", "mbin", "mbout", PT_CORR_PAYLOAD, 0, &c, err, sizeof(err)) == 0, "%s", err);
	n = pt_corr_get_counts(c);
	ck_assert_uint_eq(n->keyed[0], 4);
	ck_assert_uint_eq(n->keyed[1], 3);
	ck_assert_uint_eq(n->no_payload[0], 1);
	ck_assert_uint_eq(n->no_payload[1], 2);
	ck_assert_uint_eq(n->matched, 3);
	p = pt_corr_pairs(c, &np);
	ck_assert_uint_eq(np, 1);
	tuple_is(&p[0].in, "10.0.1.1:5000 > 10.0.2.100:8080");
	tuple_is(&p[0].out, "10.0.3.1:6000 > 10.0.3.2:8080");
	ck_assert_uint_eq(p[0].packets, 3);
	ck_assert_double_eq_tol(p[0].delay_p50_ms, 2.0, 1e-9);
	r = pt_corr_residue(c, &nr);
	ck_assert_uint_eq(nr, 1);
	ck_assert_int_eq(r[0].side, PT_CORR_IN);
	tuple_is(&r[0].flow, "10.0.1.1:5001 > 10.0.2.100:8080");
	ck_assert_uint_eq(r[0].count, 1);
	pt_corr_free(c);
	pt_syn_rm(&b);
}
END_TEST

START_TEST(payload_from_captured_bytes)
{
	struct pt_synstore b;
	struct pt_corr *c;
	const struct pt_corr_pair *p;
	const struct pt_corr_resid *r;
	const struct pt_corr_counts *n;
	__u8 pay1[100], pay2[30], pay3[30];
	char err[1024];
	size_t np, nr;
	bool fb, sc;

	for (size_t i = 0; i < sizeof(pay1); i++)
		pay1[i] = (__u8)(i * 7 + 1);
	memset(pay2, 'x', sizeof(pay2));
	memset(pay3, 'y', sizeof(pay3));
	sb_open(&b);
	/* in: snaplen bytes; out: one with bytes, one with the kernel's payload fingerprint (mixed) */
	tcp_cap(&b, 1, 100 * MS, "10.0.1.1", 5000, "10.0.2.100", 8080, pay1, sizeof(pay1), 256);
	tcp_cap(&b, 2, 103 * MS, "10.0.3.1", 6000, "10.0.3.2", 8080, pay1, sizeof(pay1), 256);
	tcp_cap(&b, 1, 110 * MS, "10.0.1.1", 5000, "10.0.2.100", 8080, pay2, sizeof(pay2), 256);
	tcp(&b, 2, 111 * MS, "10.0.3.1", 6000, "10.0.3.2", 8080, F_ACK | F_PSH, 0, sizeof(pay2),
	    payload_fp(pay2, sizeof(pay2)), PT_PF_FP_NAT);
	/* different payload: residue on each side */
	tcp_cap(&b, 1, 120 * MS, "10.0.1.1", 5000, "10.0.2.100", 8080, pay3, sizeof(pay3), 256);
	tcp_cap(&b, 2, 121 * MS, "10.0.3.1", 6000, "10.0.3.2", 8080, pay2, 10, 256);
	pt_syn_close(&b);

	ck_assert_msg(corr(b.dir, "", "mbin", "mbout", PT_CORR_PAYLOAD, 0, &c, err, sizeof(err)) == 0, "%s", err);
	n = pt_corr_get_counts(c);
	ck_assert_uint_eq(n->hashed_bytes[0], 3);
	ck_assert_uint_eq(n->hashed_bytes[1], 2);
	ck_assert_uint_eq(n->short_capture[0], 0);
	ck_assert_uint_eq(n->matched, 2);
	p = pt_corr_pairs(c, &np);
	ck_assert_uint_eq(np, 1);
	tuple_is(&p[0].out, "10.0.3.1:6000 > 10.0.3.2:8080");
	ck_assert_uint_eq(p[0].packets, 2);
	ck_assert_double_eq_tol(p[0].delay_max_ms, 3.0, 1e-9);
	r = pt_corr_residue(c, &nr);
	ck_assert_uint_eq(nr, 2);
	ck_assert_uint_eq(r[0].first_ns, BASE + 120 * MS);
	ck_assert_uint_eq(r[1].first_ns, BASE + 121 * MS);
	pt_corr_free(c);

	/* the computed hash is the kernel's payload fingerprint */
	{
		struct pt_scan_opts so = { .store_dir = b.dir, .expr = "" };
		struct pt_scan *s;
		const struct pt_rec_hdr *h;

		ck_assert_int_eq(pt_scan_open(&so, &s, err, sizeof(err)), 0);
		while (pt_scan_next(s, &h) == 1) {
			const struct pt_pkt *pk = (const void *)h;

			if (h->type == PT_REC_PKT && pk->ts_ns == 100 * MS) {
				ck_assert_uint_eq(pt_corr_payload_hash(pk, &fb, &sc), payload_fp(pay1, sizeof(pay1)));
				ck_assert(fb && !sc);
			}
		}
		pt_scan_close(s);
	}
	pt_syn_rm(&b);
}
END_TEST

START_TEST(payload_refused_without_hashes)
{
	struct pt_synstore b;
	struct pt_corr *c;
	char err[1024], args[256], *out;
	int st;

	sb_open(&b);
	tcp(&b, 1, 100 * MS, A, 40000, S, 80, F_ACK, 1, 10, 0x1, 0);
	tcp(&b, 2, 101 * MS, A, 40000, S, 80, F_ACK, 1, 10, 0x1, 0);
	pt_syn_close(&b);
	ck_assert_int_eq(corr(b.dir, "", "mbin", "mbout", PT_CORR_PAYLOAD, 0, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "no payload hash") && strstr(err, "--fp payload") && strstr(err, "--snaplen"), "%s",
		      err);
	pt_corr_free(c);

	snprintf(args, sizeof(args), "query correlate --store %s --in mbin --out mbout --by payload 2>&1", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 1);
	ck_assert_msg(strstr(out, "--fp payload"), "%s", out);
	free(out);
	pt_syn_rm(&b);
}
END_TEST

/* ---- by connection order ---- */

#define VIP "10.0.2.100"
#define PX "10.0.3.1"

/* Client connection k: SYN at t, (SYN/ACK is the other direction), ACK at t + 1 ms. */
static void client_conn(struct pt_synstore *b, __u64 t, __u16 cport)
{
	tcp(b, 1, t, "10.0.1.1", cport, VIP, 8080, F_SYN, 1000u * cport, 0, t + 1, 0);
	tcp(b, 1, t + 1 * MS, "10.0.1.1", cport, VIP, 8080, F_ACK, 1000u * cport + 1, 0, t + 2, 0);
	tcp(b, 1, t + 1 * MS + 10 * US, "10.0.1.1", cport, VIP, 8080, F_ACK | F_PSH, 1000u * cport + 1, 100, t + 3,
	    0);
}

static void backend_syn(struct pt_synstore *b, __u64 t, __u16 pport, const char *be)
{
	tcp(b, 2, t, PX, pport, be, 8080, F_SYN, 7000u * pport, 0, t + 5, 0);
}

static struct pt_synstore conn_store(void)
{
	struct pt_synstore b;

	sb_open(&b);
	/* a backend connection before any client connection (a health check): out residue */
	backend_syn(&b, 5 * MS, 6999, "10.0.3.3");
	/* a client flow whose SYN was before the window */
	tcp(&b, 1, 6 * MS, "10.0.1.9", 4444, VIP, 8080, F_ACK, 1, 0, 0x99, 0);
	client_conn(&b, 10 * MS, 50001);
	backend_syn(&b, 11 * MS + 300 * US, 60001, "10.0.3.2");
	client_conn(&b, 20 * MS, 50002);
	backend_syn(&b, 21 * MS + 200 * US, 60002, "10.0.3.3");
	backend_syn(&b, 1021 * MS + 200 * US, 60002, "10.0.3.3");	/* retransmitted SYN: not new */
	client_conn(&b, 30 * MS, 50003);
	backend_syn(&b, 31 * MS + 100 * US, 60003, "10.0.3.2");
	/* a client connection the proxy never forwarded (last, so the order stays right) */
	client_conn(&b, 40 * MS, 50004);
	pt_syn_close(&b);
	return b;
}

START_TEST(conn_order_mapping)
{
	struct pt_synstore b = conn_store();
	struct pt_corr *c;
	const struct pt_corr_pair *p;
	const struct pt_corr_resid *r;
	const struct pt_corr_counts *n;
	char err[1024];
	size_t np, nr;

	ck_assert_msg(corr(b.dir, "tcp", "mbin", "mb1@m:out", PT_CORR_CONN, 0, &c, err, sizeof(err)) == 0, "%s", err);
	n = pt_corr_get_counts(c);
	ck_assert_uint_eq(n->keyed[0], 4);
	ck_assert_uint_eq(n->keyed[1], 4);
	ck_assert_uint_eq(n->already_open[0], 1);
	ck_assert_uint_eq(n->matched, 3);
	p = pt_corr_pairs(c, &np);
	ck_assert_uint_eq(np, 3);
	tuple_is(&p[0].in, "10.0.1.1:50001 > 10.0.2.100:8080");
	tuple_is(&p[0].out, "10.0.3.1:60001 > 10.0.3.2:8080");
	ck_assert_uint_eq(p[0].first_ns, BASE + 11 * MS);
	ck_assert_uint_eq(p[0].out_ns, BASE + 11 * MS + 300 * US);
	ck_assert_double_eq_tol(p[0].delay_p50_ms, 0.3, 1e-9);
	ck_assert_uint_eq(p[0].packets, 1);
	tuple_is(&p[1].in, "10.0.1.1:50002 > 10.0.2.100:8080");
	tuple_is(&p[1].out, "10.0.3.1:60002 > 10.0.3.3:8080");
	tuple_is(&p[2].in, "10.0.1.1:50003 > 10.0.2.100:8080");
	tuple_is(&p[2].out, "10.0.3.1:60003 > 10.0.3.2:8080");
	ck_assert_double_eq_tol(p[2].delay_p50_ms, 0.1, 1e-9);
	r = pt_corr_residue(c, &nr);
	ck_assert_uint_eq(nr, 2);
	ck_assert_int_eq(r[0].side, PT_CORR_IN);
	tuple_is(&r[0].flow, "10.0.1.1:50004 > 10.0.2.100:8080");
	ck_assert_uint_eq(r[0].first_ns, BASE + 41 * MS);
	ck_assert_int_eq(r[1].side, PT_CORR_OUT);
	tuple_is(&r[1].flow, "10.0.3.1:6999 > 10.0.3.3:8080");
	ck_assert_uint_eq(n->unmatched[0], 1);
	ck_assert_uint_eq(n->unmatched[1], 1);
	pt_corr_free(c);
	pt_syn_rm(&b);
}
END_TEST

/* A connection's port reused after it closed (new ISN) is a new connection on both sides. */
START_TEST(conn_order_port_reuse)
{
	struct pt_synstore b;
	struct pt_corr *c;
	const struct pt_corr_pair *p;
	char err[1024];
	size_t np;

	sb_open(&b);
	client_conn(&b, 10 * MS, 50001);
	backend_syn(&b, 12 * MS, 60001, "10.0.3.2");
	tcp(&b, 1, 100 * MS, "10.0.1.1", 50001, VIP, 8080, F_SYN, 777, 0, 0x1, 0);
	tcp(&b, 1, 101 * MS, "10.0.1.1", 50001, VIP, 8080, F_ACK, 778, 0, 0x2, 0);
	tcp(&b, 2, 102 * MS, PX, 60001, "10.0.3.2", 8080, F_SYN, 999, 0, 0x3, 0);
	pt_syn_close(&b);
	ck_assert_msg(corr(b.dir, "", "mbin", "mbout", PT_CORR_CONN, 0, &c, err, sizeof(err)) == 0, "%s", err);
	p = pt_corr_pairs(c, &np);
	ck_assert_uint_eq(np, 2);
	ck_assert_uint_eq(p[1].first_ns, BASE + 101 * MS);
	ck_assert_uint_eq(p[1].out_ns, BASE + 102 * MS);
	ck_assert_uint_eq(pt_corr_get_counts(c)->unmatched[0] + pt_corr_get_counts(c)->unmatched[1], 0);
	pt_corr_free(c);
	pt_syn_rm(&b);
}
END_TEST

START_TEST(conn_order_cli_json)
{
	struct pt_synstore b = conn_store();
	char args[512], *out;
	int st;

	snprintf(args, sizeof(args), "query correlate tcp --store %s --in mbin --out mbout --by conn-order --json "
		 "2>/dev/null", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 0);
	ck_assert_str_eq(out,
		"{\"kind\":\"pair\",\"in_flow\":\"10.0.1.1:50001 > 10.0.2.100:8080\",\"out_flow\":\"10.0.3.1:60001 > "
		"10.0.3.2:8080\",\"first\":\"2023-11-14T22:13:20.011000000Z\",\"connections\":1,\"delay_ms\":0.300}\n"
		"{\"kind\":\"pair\",\"in_flow\":\"10.0.1.1:50002 > 10.0.2.100:8080\",\"out_flow\":\"10.0.3.1:60002 > "
		"10.0.3.3:8080\",\"first\":\"2023-11-14T22:13:20.021000000Z\",\"connections\":1,\"delay_ms\":0.200}\n"
		"{\"kind\":\"pair\",\"in_flow\":\"10.0.1.1:50003 > 10.0.2.100:8080\",\"out_flow\":\"10.0.3.1:60003 > "
		"10.0.3.2:8080\",\"first\":\"2023-11-14T22:13:20.031000000Z\",\"connections\":1,\"delay_ms\":0.100}\n"
		"{\"kind\":\"unmatched_in\",\"in_flow\":\"10.0.1.1:50004 > 10.0.2.100:8080\",\"out_flow\":null,"
		"\"first\":\"2023-11-14T22:13:20.041000000Z\",\"connections\":1,\"delay_ms\":null}\n"
		"{\"kind\":\"unmatched_out\",\"in_flow\":null,\"out_flow\":\"10.0.3.1:6999 > 10.0.3.3:8080\","
		"\"first\":\"2023-11-14T22:13:20.005000000Z\",\"connections\":1,\"delay_ms\":null}\n");
	free(out);

	/* the human table shows the mapping and the residue */
	snprintf(args, sizeof(args), "query correlate tcp --store %s --in mbin --out mbout --by conn-order", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 0);
	ck_assert_msg(strstr(out, "3 matched") && strstr(out, "10.0.3.1:60003 > 10.0.3.2:8080") &&
		      strstr(out, "unmatched: 1 in-connection never seen out (1 flow), 1 out-connection never seen "
			      "in (1 flow)") && strstr(out, "whose SYN was not seen"), "%s", out);
	free(out);
	pt_syn_rm(&b);
}
END_TEST

/* ---- bad input ---- */

START_TEST(unknown_point_and_empty)
{
	struct pt_synstore b = fp_store();
	struct pt_corr *c;
	char err[2048], args[512], *out;
	int st;

	ck_assert_int_eq(corr(b.dir, "", "mbin", "nosuch@x:out", PT_CORR_FP, 0, &c, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "--out: unknown capture point 'nosuch@x:out'") && strstr(err, "mb0@m:in (=mbin)") &&
		      strstr(err, "mb1@m:out (=mbout)"), "%s", err);
	pt_corr_free(c);

	/* a known point without packets in the selection */
	ck_assert_int_eq(corr(b.dir, "udp", "mbin", "mbout", PT_CORR_FP, 0, &c, err, sizeof(err)), -ENODATA);
	ck_assert_msg(strstr(err, "--in: no packets match at mbin"), "%s", err);
	pt_corr_free(c);

	snprintf(args, sizeof(args), "query correlate --store %s --in nosuch --out mbout 2>&1", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 1);
	ck_assert_msg(strstr(out, "unknown capture point 'nosuch'") && strstr(out, "other@x:in"), "%s", out);
	free(out);

	snprintf(args, sizeof(args), "query correlate --store %s --in mbin --out mbout --since "
		 "2030-01-01T00:00:00Z 2>&1", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 1);
	ck_assert_msg(strstr(out, "no packets match"), "%s", out);
	free(out);

	snprintf(args, sizeof(args), "query correlate --store %s --in mbin 2>&1", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 2);
	free(out);
	snprintf(args, sizeof(args), "query correlate --store %s --in mbin --out mbout --by magic 2>&1", b.dir);
	out = run_cli(args, &st);
	ck_assert_int_eq(st, 2);
	ck_assert_msg(strstr(out, "conn-order"), "%s", out);
	free(out);

	/* conn-order without a handshake (a SYN/ACK is no new connection): nothing to map */
	ck_assert_int_eq(corr(b.dir, "", "mbin", "mbout", PT_CORR_CONN, 0, &c, err, sizeof(err)), -ENODATA);
	ck_assert_msg(strstr(err, "no new TCP connection"), "%s", err);
	pt_corr_free(c);
	pt_syn_rm(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("correlate");
	TCase *t = tcase_create("correlate");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, fingerprint_pairs_and_residue);
	tcase_add_test(t, fingerprint_modes_differ);
	tcase_add_test(t, payload_fp_nat_through_proxy);
	tcase_add_test(t, payload_from_captured_bytes);
	tcase_add_test(t, payload_refused_without_hashes);
	tcase_add_test(t, conn_order_mapping);
	tcase_add_test(t, conn_order_port_reuse);
	tcase_add_test(t, conn_order_cli_json);
	tcase_add_test(t, unknown_point_and_empty);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return pt_check_run(suite());
}
