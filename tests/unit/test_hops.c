// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_hops.c — query/hops.h on synthetic stores with known answers: loss on
 * the right segment, the in-flight cut-off (observed max delay and
 * --max-delay), retransmissions without false loss, nearest-rank percentiles,
 * path order independent of point ids, other paths, per-flow rows, pair mode
 * (loss/delay) by name and alias, unknown points, empty windows, the horizon
 * and bounded tracking; kernel drop records attributed to the segment after
 * the packet's last point, with reasons (and the ones not attributed).
 *
 * Every store has four capture points, written first with a clock record:
 *   id 0 "a@t:in"  id 1 "b@t:in" (alias "beta")  id 2 "c@t:in"  id 3 "d@t:in"
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "bpf/pkt.h"
#include "collector/store.h"
#include "query/hops.h"
#include "query/scan.h"
#include "tests/support/checkrun.h"

#define MS 1000000ull
#define T0 (1000ull * MS)		/* boottime of the first event */
#define RT_OFF 1700000000000000000ull	/* realtime - boottime */

struct ev {
	__u64 ts;
	__u64 fp;
	__u16 point;		/* PT_DROP_POINT: a kernel drop record */
	__u16 sport;
	__u16 dport;
	__u32 reason;		/* drops */
};

static struct ev *evs;
static size_t nev, evcap;

static void ev(__u16 point, __u64 ts, __u64 fp, __u16 sport)
{
	if (nev == evcap) {
		evcap = evcap ? evcap * 2 : 1024;
		evs = realloc(evs, evcap * sizeof(*evs));
		ck_assert_ptr_nonnull(evs);
	}
	evs[nev++] = (struct ev){ T0 + ts, fp, point, sport, 9000, 0 };
}

/* A kernel drop of fp (to dport) at ts with this reason. */
static void evd(__u64 ts, __u64 fp, __u16 sport, __u16 dport, __u32 reason)
{
	ev(PT_DROP_POINT, ts, fp, sport);
	evs[nev - 1].dport = dport;
	evs[nev - 1].reason = reason;
}

/* Events sorted by time (stable: equal times keep insertion order). */
static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x < y ? -1 : x > y;
}

static char *mkstore(void)
{
	char *d = strdup("/tmp/pt-hops-XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void rmstore(char *d)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
	free(d);
}

/* Write the points, a clock pair, then the events (in time order) as UDP packets; reset events. */
static char *write_store(void)
{
	static const char *ifn[4] = { "a", "b", "c", "d" };
	char *dir = mkstore();
	struct pt_store *s;
	struct pt_clock_rec c = { .type = PT_REC_CLOCK, .len = sizeof(c), .boottime_ns = T0,
				  .realtime_ns = T0 + RT_OFF };
	unsigned char *batch;
	size_t n = 0, off = 0;

	ck_assert_int_eq(pt_store_open(dir, NULL, &s), 0);
	for (int i = 0; i < 4; i++) {
		struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr), .point = (__u16)i };

		pr.info.in_use = 1;
		pr.info.ifindex = (__u32)i + 2;
		pr.info.attach_realtime_ns = RT_OFF + (__u64)i + 1;
		pr.info.dir = PT_DIR_IN;
		pr.info.hook = PT_HOOK_TC;
		snprintf(pr.info.ifname, sizeof(pr.info.ifname), "%s", ifn[i]);
		snprintf(pr.info.netns, sizeof(pr.info.netns), "t");
		if (i == 1)
			snprintf(pr.info.alias, sizeof(pr.info.alias), "beta");
		ck_assert_int_eq(pt_store_append(s, &pr, sizeof(pr), 1, NULL), 0);
	}
	ck_assert_int_eq(pt_store_append(s, &c, sizeof(c), 1, NULL), 0);
	qsort(evs, nev, sizeof(*evs), cmp_ev);
	batch = calloc(1000, sizeof(struct pt_drop));
	ck_assert_ptr_nonnull(batch);
	for (size_t i = 0; i < nev; i++) {
		struct pt_drop *d = (struct pt_drop *)(batch + off);
		struct pt_pkt *p = &d->pkt;
		bool drop = evs[i].point == PT_DROP_POINT;

		memset(d, 0, sizeof(*d));
		n++;
		p->type = drop ? PT_REC_DROP : PT_REC_PKT;
		p->len = drop ? sizeof(*d) : sizeof(*p);
		off += p->len;
		p->point = evs[i].point;
		p->flags = PT_PF_IPV4 | PT_PF_L4;
		p->ts_ns = evs[i].ts;
		p->fp = evs[i].fp;
		p->wire_len = 242;
		memcpy(p->saddr, "\x0a\x00\x01\x01", 4);
		memcpy(p->daddr, "\x0a\x00\x03\x02", 4);
		p->sport = evs[i].sport;
		p->dport = evs[i].dport;
		p->l3_len = 228;
		p->l4_payload_len = 200;
		p->l4proto = 17;
		p->ttl = 64;
		p->dir = drop ? 0 : PT_DIR_IN;
		p->hook = drop ? 0 : PT_HOOK_TC;
		if (drop) {
			d->reason = evs[i].reason;
			d->ifindex = 3;
			d->location = 0xffffffff81000000ull;
			d->netns_ino = 4026531840ull;
			d->variant = PT_DV_TP_BTF;
		}
		if (n == 1000 || i + 1 == nev) {
			ck_assert_int_eq(pt_store_append(s, batch, off, (__u32)n, NULL), 0);
			n = off = 0;
		}
	}
	free(batch);
	pt_store_close(s);
	nev = 0;
	return dir;
}

static struct pt_scan *scan;

/* Run the engine over the store; rc of pt_hops_run into *rc, message into msg. */
static struct pt_hops *run(const char *dir, const char *expr, __u64 since, const struct pt_hops_opts *o, int *rc,
			   char *msg, size_t msglen)
{
	struct pt_scan_opts so = { .store_dir = dir, .expr = expr, .since_ns = since, .drops = o->drops };
	struct pt_hops *h;
	char err[256];
	int e = 0;

	pt_scan_close(scan);
	ck_assert_msg(pt_scan_open(&so, &scan, err, sizeof(err)) == 0, "%s", err);
	h = pt_hops_new(o, &e);
	ck_assert_ptr_nonnull(h);
	*rc = pt_hops_run(h, scan, msg, msglen);
	return h;
}

static const struct pt_hops_result *run_ok(const char *dir, const struct pt_hops_opts *o, struct pt_hops **h)
{
	char msg[512] = "";
	int rc;

	*h = run(dir, NULL, 0, o, &rc, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "pt_hops_run: %d %s", rc, msg);
	return pt_hops_finish(*h);
}

static void assert_path(const struct pt_hops_path *p, int n, const __u16 *want)
{
	ck_assert_int_eq(p->n, n);
	for (int i = 0; i < n; i++)
		ck_assert_uint_eq(p->points[i], want[i]);
}

static void assert_counts(const struct pt_hops_seg *s, __u64 at_from, __u64 at_to, __u64 lost, __u64 in_flight,
			  __u64 retrans)
{
	ck_assert_uint_eq(s->at_from, at_from);
	ck_assert_uint_eq(s->at_to, at_to);
	ck_assert_uint_eq(s->lost, lost);
	ck_assert_uint_eq(s->in_flight, in_flight);
	ck_assert_uint_eq(s->retrans, retrans);
}

static void assert_seg(const struct pt_hops_seg *s, __u64 at_from, __u64 at_to, __u64 lost, __u64 in_flight,
		       __u64 retrans)
{
	ck_assert_uint_eq(s->at_from, at_from);
	ck_assert_uint_eq(s->at_to, at_to);
	ck_assert_uint_eq(s->lost, lost);
	ck_assert_uint_eq(s->in_flight, in_flight);
	ck_assert_uint_eq(s->retrans, retrans);
	ck_assert(!s->drops_known);
}

/* drops, then the reasons in order as (reason, count) pairs */
static void assert_drops(const struct pt_hops_seg *s, __u64 drops, size_t nreasons, ...)
{
	va_list ap;

	ck_assert(s->drops_known);
	ck_assert_uint_eq(s->drops, drops);
	ck_assert_uint_eq(s->nreasons, nreasons);
	va_start(ap, nreasons);
	for (size_t i = 0; i < nreasons; i++) {
		__u32 reason = va_arg(ap, __u32);
		__u64 count = va_arg(ap, __u64);

		ck_assert_uint_eq(s->reasons[i].reason, reason);
		ck_assert_uint_eq(s->reasons[i].count, count);
	}
	va_end(ap);
}

/* ---- tests ---- */

/* 100 packets a->b->c->d, 1 ms per hop; fps 10, 20, 30 never reach c: 3 lost on b->c only. */
START_TEST(test_loss_on_one_segment)
{
	static const __u16 want[4] = { 0, 1, 2, 3 };
	struct pt_hops_opts o = {};
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char *dir;

	for (__u64 i = 1; i <= 100; i++) {
		ev(0, i * MS, i, 1000);
		ev(1, i * MS + MS, i, 1000);
		if (i % 10 || i > 30) {
			ev(2, i * MS + 2 * MS, i, 1000);
			ev(3, i * MS + 3 * MS, i, 1000);
		}
	}
	dir = write_store();
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->records, 100 * 4 - 3 * 2);
	ck_assert_uint_eq(r->ngroups, 1);
	assert_path(&r->groups[0].path, 4, want);
	ck_assert_uint_eq(r->groups[0].path.count, 97);
	ck_assert_uint_eq(r->groups[0].packets, 100);
	ck_assert_uint_eq(r->groups[0].on_path, 100);
	ck_assert_uint_eq(r->groups[0].other_path, 0);
	ck_assert_uint_eq(r->groups[0].nseg, 3);
	assert_seg(&r->groups[0].seg[0], 100, 100, 0, 0, 0);
	assert_seg(&r->groups[0].seg[1], 100, 97, 3, 0, 0);
	assert_seg(&r->groups[0].seg[2], 97, 97, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(r->groups[0].seg[i].d.count, r->groups[0].seg[i].at_to);
		ck_assert_uint_eq(r->groups[0].seg[i].d.min_ns, MS);
		ck_assert_uint_eq(r->groups[0].seg[i].d.max_ns, MS);
		ck_assert_uint_eq(pt_hops_pct(&r->groups[0].seg[i].d, 50), MS);
	}
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/*
 * 50 packets at a, 1 ms apart; each reaches b 5 ms later, but the store ends at
 * the 50th packet at a (t = 50 ms): packets 46..50 are in flight; packet 20 is
 * lost. With --max-delay 1ms only 49 and 50 are in flight.
 */
static char *inflight_store(void)
{
	for (__u64 i = 1; i <= 50; i++) {
		ev(0, i * MS, i, 1000);
		if (i + 5 <= 50 && i != 20)
			ev(1, (i + 5) * MS, i, 1000);
	}
	return write_store();
}

START_TEST(test_in_flight_cutoff)
{
	struct pt_hops_opts o = {};
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char *dir = inflight_store();

	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->end_ns, T0 + 50 * MS);
	ck_assert_uint_eq(r->groups[0].nseg, 1);
	ck_assert_uint_eq(r->groups[0].seg[0].max_delay_ns, 5 * MS);
	assert_seg(&r->groups[0].seg[0], 50, 44, 1, 5, 0);
	pt_hops_free(h);

	o.max_delay_ns = 1 * MS;
	r = run_ok(dir, &o, &h);
	assert_seg(&r->groups[0].seg[0], 50, 44, 4, 2, 0);
	pt_hops_free(h);

	/* the same through pair mode (query loss), by name and by alias */
	o = (struct pt_hops_opts){ .from = "a@t:in", .to = "beta" };
	r = run_ok(dir, &o, &h);
	ck_assert_int_eq(r->from_id, 0);
	ck_assert_int_eq(r->to_id, 1);
	ck_assert_uint_eq(r->groups[0].seg[0].from, 0);
	ck_assert_uint_eq(r->groups[0].seg[0].to, 1);
	assert_seg(&r->groups[0].seg[0], 50, 44, 1, 5, 0);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/* fp 5 is sent twice at a (the copy 0.5 ms later), arrives once at b: no loss, 1 retransmission. */
START_TEST(test_retransmission_no_false_loss)
{
	struct pt_hops_opts o = {};
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char *dir;

	for (__u64 i = 1; i <= 10; i++) {
		ev(0, i * 10 * MS, i, 1000);
		if (i == 5)
			ev(0, i * 10 * MS + MS / 2, i, 1000);
		ev(1, i * 10 * MS + MS, i, 1000);
	}
	dir = write_store();
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->records, 21);
	ck_assert_uint_eq(r->groups[0].packets, 10);
	assert_seg(&r->groups[0].seg[0], 10, 10, 0, 0, 1);
	/* delay from the latest copy at a: 0.5 ms for fp 5, 1 ms for the others */
	ck_assert_uint_eq(r->groups[0].seg[0].d.min_ns, MS / 2);
	ck_assert_uint_eq(r->groups[0].seg[0].d.max_ns, MS);
	pt_hops_free(h);

	o = (struct pt_hops_opts){ .from = "a@t:in", .to = "b@t:in" };
	r = run_ok(dir, &o, &h);
	assert_seg(&r->groups[0].seg[0], 10, 10, 0, 0, 1);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/* Delays 1..100 ms in a shuffled order: nearest rank p50 = 50, p90 = 90, p99 = 99, max 100. */
START_TEST(test_percentiles)
{
	struct pt_hops_opts o = { .from = "a@t:in", .to = "b@t:in" };
	const struct pt_hops_result *r;
	const struct pt_hops_delay *d;
	struct pt_hops *h;
	__u64 delay[100];
	char *dir;

	for (int i = 0; i < 100; i++)
		delay[i] = (__u64)i + 1;
	for (int i = 99; i > 0; i--) {	/* fixed shuffle */
		int j = (i * 37 + 11) % (i + 1);
		__u64 t = delay[i];

		delay[i] = delay[j];
		delay[j] = t;
	}
	for (__u64 i = 0; i < 100; i++) {
		ev(0, i * MS, i + 1, 1000);
		ev(1, i * MS + delay[i] * MS, i + 1, 1000);
	}
	dir = write_store();
	r = run_ok(dir, &o, &h);
	d = &r->groups[0].seg[0].d;
	ck_assert_uint_eq(d->count, 100);
	ck_assert_uint_eq(d->n, 100);
	ck_assert(!d->sampled);
	ck_assert_uint_eq(d->min_ns, 1 * MS);
	ck_assert_uint_eq(d->max_ns, 100 * MS);
	ck_assert_uint_eq(d->sum_ns, 5050 * MS);
	ck_assert_uint_eq(pt_hops_pct(d, 50), 50 * MS);
	ck_assert_uint_eq(pt_hops_pct(d, 90), 90 * MS);
	ck_assert_uint_eq(pt_hops_pct(d, 99), 99 * MS);
	ck_assert_uint_eq(pt_hops_pct(d, 100), 100 * MS);
	ck_assert_uint_eq(pt_hops_pct(d, 99.9), 100 * MS);
	ck_assert_uint_eq(pt_hops_pct(d, 0.5), 1 * MS);
	assert_seg(&r->groups[0].seg[0], 100, 100, 0, 0, 0);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/* µs resolution of the samples: 1.2345 ms rounds to 1.235 ms (nearest µs); min/max exact in ns. */
START_TEST(test_microsecond_samples)
{
	struct pt_hops_opts o = {};
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char *dir;

	ev(0, MS, 1, 1000);
	ev(1, MS + 1234500, 1, 1000);
	dir = write_store();
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->groups[0].seg[0].d.max_ns, 1234500);
	ck_assert_uint_eq(pt_hops_pct(&r->groups[0].seg[0].d, 50), 1235000);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/*
 * Point ids out of path order: the path is c(2) -> a(0) -> d(3). 20 packets go
 * all the way, 3 stop after a (old enough not to be in flight), 5 go the other
 * way d -> a -> c and 2 skip a (c -> d): 7 on other paths, listed commonest first.
 */
START_TEST(test_path_order_and_other_paths)
{
	static const __u16 want[3] = { 2, 0, 3 }, rev[3] = { 3, 0, 2 }, skip[2] = { 2, 3 };
	struct pt_hops_opts o = {};
	const struct pt_hops_result *r;
	const struct pt_hops_group *g;
	struct pt_hops *h;
	__u64 fp = 1, t = 0;
	char *dir;

	for (int i = 0; i < 3; i++, fp++, t += MS) {	/* lost between a and d, early on */
		ev(2, t, fp, 1000);
		ev(0, t + 100000, fp, 1000);
	}
	for (int i = 0; i < 20; i++, fp++, t += MS) {
		ev(2, t, fp, 1000);
		ev(0, t + 100000, fp, 1000);
		ev(3, t + 200000, fp, 1000);
	}
	for (int i = 0; i < 5; i++, fp++, t += MS) {
		ev(3, t, fp, 1000);
		ev(0, t + 100000, fp, 1000);
		ev(2, t + 200000, fp, 1000);
	}
	for (int i = 0; i < 2; i++, fp++, t += MS) {
		ev(2, t, fp, 1000);
		ev(3, t + 200000, fp, 1000);
	}
	dir = write_store();
	r = run_ok(dir, &o, &h);
	g = &r->groups[0];
	assert_path(&g->path, 3, want);
	ck_assert_uint_eq(g->packets, 30);
	ck_assert_uint_eq(g->on_path, 23);
	ck_assert_uint_eq(g->path.count, 20);
	ck_assert_uint_eq(g->other_path, 7);
	assert_path(&g->other[0], 3, rev);
	ck_assert_uint_eq(g->other[0].count, 5);
	assert_path(&g->other[1], 2, skip);
	ck_assert_uint_eq(g->other[1].count, 2);
	ck_assert_uint_eq(g->other[2].count, 0);
	assert_seg(&g->seg[0], 23, 23, 0, 0, 0);
	assert_seg(&g->seg[1], 23, 20, 3, 0, 0);
	ck_assert_uint_eq(g->seg[1].d.max_ns, 100000);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/* The usual path is the one consistent with most packets: 60% lost on b->c still shows a->b->c. */
START_TEST(test_usual_path_with_heavy_loss)
{
	static const __u16 want[3] = { 0, 1, 2 };
	struct pt_hops_opts o = {};
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char *dir;

	for (__u64 i = 1; i <= 10; i++) {
		ev(0, i * MS, i, 1000);
		ev(1, i * MS + 100000, i, 1000);
		if (i > 6)	/* the lost ones early: none in flight */
			ev(2, i * MS + 200000, i, 1000);
	}
	dir = write_store();
	r = run_ok(dir, &o, &h);
	assert_path(&r->groups[0].path, 3, want);
	assert_seg(&r->groups[0].seg[1], 10, 4, 6, 0, 0);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/* Two flows: sport 1000 has 10 packets a->b, one lost; sport 2000 has 5 packets a->b->c. */
START_TEST(test_per_flow_rows)
{
	static const __u16 ab[2] = { 0, 1 }, abc[3] = { 0, 1, 2 };
	struct pt_hops_opts o = { .per_flow = true };
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char *dir;

	for (__u64 i = 1; i <= 10; i++) {
		ev(0, i * MS, i, 1000);
		if (i != 3)
			ev(1, i * MS + 100000, i, 1000);
	}
	for (__u64 i = 1; i <= 5; i++) {
		ev(0, i * MS + 500000, 100 + i, 2000);
		ev(1, i * MS + 600000, 100 + i, 2000);
		ev(2, i * MS + 700000, 100 + i, 2000);
	}
	dir = write_store();
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->ngroups, 2);
	ck_assert_uint_eq(r->groups[0].packets, 10);
	ck_assert_uint_eq(r->groups[0].first.sport, 1000);
	ck_assert_uint_ne(r->groups[0].flow, 0);
	assert_path(&r->groups[0].path, 2, ab);
	ck_assert_uint_eq(r->groups[0].nseg, 1);
	assert_seg(&r->groups[0].seg[0], 10, 9, 1, 0, 0);
	ck_assert_uint_eq(r->groups[1].packets, 5);
	ck_assert_uint_eq(r->groups[1].first.sport, 2000);
	assert_path(&r->groups[1].path, 3, abc);
	ck_assert_uint_eq(r->groups[1].nseg, 2);
	assert_seg(&r->groups[1].seg[0], 5, 5, 0, 0, 0);
	assert_seg(&r->groups[1].seg[1], 5, 5, 0, 0, 0);
	ck_assert_uint_eq(r->groups[1].seg[1].d.count, 5);
	pt_hops_free(h);

	/* not per flow: one group, the usual path a->b->c; flow 1000's 9 arrivals at b stop there */
	o.per_flow = false;
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->ngroups, 1);
	ck_assert_uint_eq(r->groups[0].packets, 15);
	assert_path(&r->groups[0].path, 3, abc);
	ck_assert_uint_eq(r->groups[0].seg[0].at_from, 15);
	ck_assert_uint_eq(r->groups[0].seg[0].at_to, 14);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

START_TEST(test_unknown_point)
{
	struct pt_hops_opts o = { .from = "a@t:in", .to = "nope@x:in" };
	struct pt_hops *h;
	char msg[1024] = "", *dir;
	int rc;

	ev(0, MS, 1, 1000);
	ev(1, 2 * MS, 1, 1000);
	dir = write_store();
	h = run(dir, NULL, 0, &o, &rc, msg, sizeof(msg));
	ck_assert_int_eq(rc, -ENOENT);
	ck_assert_msg(strstr(msg, "'nope@x:in'") && strstr(msg, "a@t:in") && strstr(msg, "b@t:in (=beta)") &&
		      strstr(msg, "d@t:in"), "%s", msg);
	pt_hops_free(h);

	/* the same name twice is refused up front */
	o.to = "a@t:in";
	ck_assert_ptr_null(pt_hops_new(&o, &rc));
	ck_assert_int_eq(rc, -EINVAL);
	rmstore(dir);
}
END_TEST

START_TEST(test_empty_window)
{
	struct pt_hops_opts o = {}, po = { .from = "a@t:in", .to = "b@t:in" };
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char msg[256], *dir;
	int rc;

	ev(0, MS, 1, 1000);
	ev(1, 2 * MS, 1, 1000);
	dir = write_store();
	/* a window after every packet */
	h = run(dir, NULL, T0 + RT_OFF + 10 * MS, &o, &rc, msg, sizeof(msg));
	ck_assert_int_eq(rc, 0);
	r = pt_hops_finish(h);
	ck_assert_uint_eq(r->records, 0);
	ck_assert_uint_eq(r->ngroups, 0);
	pt_hops_free(h);
	/* an expression nothing matches; pair mode still resolves the names */
	h = run(dir, "tcp", 0, &po, &rc, msg, sizeof(msg));
	ck_assert_int_eq(rc, 0);
	r = pt_hops_finish(h);
	ck_assert_uint_eq(r->records, 0);
	ck_assert_int_eq(r->from_id, 0);
	ck_assert_int_eq(r->to_id, 1);
	pt_hops_free(h);
	/* the window start cuts packets at a: only b is left, nothing on two points */
	h = run(dir, NULL, T0 + RT_OFF + MS + 1, &o, &rc, msg, sizeof(msg));
	ck_assert_int_eq(rc, 0);
	r = pt_hops_finish(h);
	ck_assert_uint_eq(r->records, 1);
	ck_assert_uint_eq(r->groups[0].nseg, 0);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/*
 * Horizon: a fingerprint seen at b 2 s after a is a new packet with a 1 s
 * horizon (a lost, b another path), the same one with the default 10 s.
 */
START_TEST(test_horizon)
{
	struct pt_hops_opts o = { .horizon_ns = 1000 * MS };
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char *dir;

	ev(0, 0, 7, 1000);
	ev(1, 2000 * MS, 7, 1000);
	for (__u64 i = 1; i <= 4; i++) {	/* keep time moving and a usual path a->b */
		ev(0, 2000 * MS + i * MS, 100 + i, 1000);
		ev(1, 2000 * MS + i * MS + 100, 100 + i, 1000);
	}
	dir = write_store();
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->groups[0].packets, 6);
	ck_assert_uint_eq(r->groups[0].other_path, 1);
	assert_seg(&r->groups[0].seg[0], 5, 4, 1, 0, 0);
	pt_hops_free(h);
	o.horizon_ns = 0;
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->groups[0].packets, 5);
	assert_seg(&r->groups[0].seg[0], 5, 5, 0, 0, 0);
	ck_assert_uint_eq(r->groups[0].seg[0].d.max_ns, 2000 * MS);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/* 200k packets 1 ms apart with a 100 ms horizon: tracking stays near 100 fingerprints. */
START_TEST(test_bounded_tracking)
{
	struct pt_hops_opts o = { .horizon_ns = 100 * MS };
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char *dir;

	for (__u64 i = 1; i <= 200000; i++) {
		ev(0, i * MS, i, 1000);
		if (i % 1000 != 500)
			ev(1, i * MS + 50000, i, 1000);
	}
	dir = write_store();
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->groups[0].packets, 200000);
	assert_seg(&r->groups[0].seg[0], 200000, 199800, 200, 0, 0);
	ck_assert_msg(r->max_live <= 110, "max_live %llu", (unsigned long long)r->max_live);
	ck_assert_uint_eq(r->folded_early, 0);
	pt_hops_free(h);

	/* a live cap below the horizon folds early (and says so) without changing these counts */
	o.max_live = 1024;
	o.horizon_ns = 0;
	r = run_ok(dir, &o, &h);
	ck_assert_uint_gt(r->folded_early, 0);
	ck_assert_uint_le(r->max_live, 1024);
	assert_seg(&r->groups[0].seg[0], 200000, 199800, 200, 0, 0);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/* 5000 fingerprints tracked at once: the ring and the table grow (twice) without losing one. */
START_TEST(test_growth)
{
	struct pt_hops_opts o = {};
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char *dir;

	for (__u64 i = 1; i <= 5000; i++)
		ev(0, i * 1000, i, 1000);
	for (__u64 i = 1; i <= 5000; i++)
		if (i % 100 != 1)
			ev(1, 5000000 + i * 1000, i, 1000);
	dir = write_store();
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->max_live, 5000);
	ck_assert_uint_eq(r->groups[0].packets, 5000);
	assert_seg(&r->groups[0].seg[0], 5000, 4950, 50, 0, 0);
	ck_assert_uint_eq(r->groups[0].seg[0].d.min_ns, 5000000);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/* Ring-buffer loss records in the window are counted per point. */
START_TEST(test_ring_loss_noted)
{
	struct pt_hops_opts o = {};
	struct pt_loss_rec l = { .type = PT_REC_LOSS, .len = sizeof(l), .point = 2, .lost = 7, .lost_total = 7 };
	int e;
	struct pt_hops *h = pt_hops_new(&o, &e);

	ck_assert_ptr_nonnull(h);
	pt_hops_feed_loss(h, &l);
	ck_assert(pt_hops_finish(h)->any_ring_lost);
	ck_assert_uint_eq(pt_hops_finish(h)->ring_lost[2], 7);
	pt_hops_free(h);
}
END_TEST

/*
 * Kernel drops on a->b->c->d (1 ms per hop), reasons as raw numbers:
 *   fps 10, 20, 30 (reason 6) and 50 (reason 2) dropped after b    -> b->c: 4 (6 x3, 2 x1)
 *   fp 60 dropped after a (reason 7)                               -> a->b
 *   fp 80 dropped after a (reason 7), resent at a, then delivered  -> a->b (and 1 retrans, no loss)
 *   fp 70 dropped after d (reason 3)                               -> after the path
 *   fp 1090 seen at c only, then dropped (reason 5)                -> other path
 *   fp 999 never seen (reason 6)                                   -> unseen
 *   a drop of fp 15 to port 9001: excluded by the expression 'dst port 9000'
 */
static char *drops_store(void)
{
	for (__u64 i = 1; i <= 100; i++) {
		__u64 t = i * MS;

		if (i == 80) {
			ev(0, t, i, 1000);
			evd(t + MS / 2, i, 1000, 9000, 7);
			ev(0, t + 7 * MS / 10, i, 1000);
		} else {
			ev(0, t, i, 1000);
		}
		if (i == 60) {
			evd(t + MS / 2, i, 1000, 9000, 7);
			continue;
		}
		ev(1, t + MS, i, 1000);
		if (i == 10 || i == 20 || i == 30 || i == 50) {
			evd(t + 3 * MS / 2, i, 1000, 9000, i == 50 ? 2 : 6);
			continue;
		}
		ev(2, t + 2 * MS, i, 1000);
		ev(3, t + 3 * MS, i, 1000);
		if (i == 70)
			evd(t + 7 * MS / 2, i, 1000, 9000, 3);
	}
	ev(2, 92 * MS + MS / 5, 1090, 1000);
	evd(92 * MS + 2 * MS / 5, 1090, 1000, 9000, 5);
	evd(95 * MS, 999, 1000, 9000, 6);
	evd(15 * MS + MS / 2, 15, 1000, 9001, 6);
	return write_store();
}

START_TEST(test_drops_attributed)
{
	static const __u16 want[4] = { 0, 1, 2, 3 };
	struct pt_hops_opts o = { .drops = true };
	const struct pt_hops_result *r;
	const struct pt_hops_group *g;
	char *dir = drops_store(), msg[512] = "";
	struct pt_hops *h;
	int rc;

	h = run(dir, "udp and dst port 9000", 0, &o, &rc, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "%s", msg);
	r = pt_hops_finish(h);
	ck_assert_uint_eq(r->drops, 9);
	ck_assert_uint_eq(r->drops_unseen, 1);
	ck_assert_uint_eq(r->ngroups, 1);
	g = &r->groups[0];
	assert_path(&g->path, 4, want);
	ck_assert_uint_eq(g->packets, 101);
	ck_assert_uint_eq(g->other_path, 1);
	ck_assert_uint_eq(g->drops_after, 1);
	ck_assert_uint_eq(g->drops_other, 1);
	assert_counts(&g->seg[0], 100, 99, 1, 0, 1);
	assert_drops(&g->seg[0], 2, 1, 7u, 2ull);
	assert_counts(&g->seg[1], 99, 95, 4, 0, 0);
	assert_drops(&g->seg[1], 4, 2, 6u, 3ull, 2u, 1ull);
	assert_counts(&g->seg[2], 95, 95, 0, 0, 0);
	assert_drops(&g->seg[2], 0, 0);
	/* the drop records are no packets: not in records, no effect on the end of the window */
	ck_assert_uint_eq(r->records, 100 + 99 + 95 + 95 + 1 + 1);
	ck_assert_uint_eq(r->end_ns, T0 + 103 * MS);
	pt_hops_free(h);

	/* without the expression the drop of fp 15 (port 9001) counts too: after a, on a->b */
	h = run(dir, NULL, 0, &o, &rc, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "%s", msg);
	r = pt_hops_finish(h);
	ck_assert_uint_eq(r->drops, 10);
	assert_drops(&r->groups[0].seg[0], 3, 2, 7u, 2ull, 6u, 1ull);
	pt_hops_free(h);

	/* pair mode b -> c (query loss): only b and c are tracked */
	o = (struct pt_hops_opts){ .from = "beta", .to = "c@t:in", .drops = true };
	h = run(dir, "udp and dst port 9000", 0, &o, &rc, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "%s", msg);
	r = pt_hops_finish(h);
	ck_assert_uint_eq(r->drops, 9);
	ck_assert_uint_eq(r->drops_unseen, 3);	/* 60 and 80 (seen at a only when dropped), 999 */
	g = &r->groups[0];
	ck_assert_uint_eq(g->drops_after, 1);
	ck_assert_uint_eq(g->drops_other, 1);
	assert_counts(&g->seg[0], 99, 95, 4, 0, 0);
	assert_drops(&g->seg[0], 4, 2, 6u, 3ull, 2u, 1ull);
	pt_hops_free(h);

	/* a scan without drop records: drops unknown */
	o = (struct pt_hops_opts){};
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->drops, 0);
	assert_seg(&r->groups[0].seg[1], 99, 95, 4, 0, 0);
	ck_assert_uint_eq(r->groups[0].seg[1].drops, 0);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/* A packet whose latest event is a drop is not in flight: fp 48 of the in-flight store is dropped. */
START_TEST(test_drop_not_in_flight)
{
	struct pt_hops_opts o = { .drops = true };
	const struct pt_hops_result *r;
	struct pt_hops *h;
	char *dir;

	evd(48 * MS + MS / 2, 48, 1000, 9000, 6);
	dir = inflight_store();
	r = run_ok(dir, &o, &h);
	assert_counts(&r->groups[0].seg[0], 50, 44, 2, 4, 0);
	assert_drops(&r->groups[0].seg[0], 1, 1, 6u, 1ull);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

/* Per flow: each flow's drops on its own usual path. */
START_TEST(test_drops_per_flow)
{
	struct pt_hops_opts o = { .per_flow = true, .drops = true };
	const struct pt_hops_result *r;
	const struct pt_hops_group *g1, *g2;
	struct pt_hops *h;
	char *dir;

	for (__u64 i = 1; i <= 10; i++) {
		ev(0, i * 10 * MS, i, 1000);
		if (i == 3)
			evd(i * 10 * MS + MS / 2, i, 1000, 9000, 6);
		else
			ev(1, i * 10 * MS + MS, i, 1000);
		ev(0, i * 10 * MS + 2 * MS, 100 + i, 2000);
		ev(1, i * 10 * MS + 3 * MS, 100 + i, 2000);
		if (i == 5)
			evd(i * 10 * MS + 3 * MS + MS / 2, 100 + i, 2000, 9000, 2);
		else
			ev(2, i * 10 * MS + 4 * MS, 100 + i, 2000);
	}
	dir = write_store();
	r = run_ok(dir, &o, &h);
	ck_assert_uint_eq(r->ngroups, 2);
	g1 = r->groups[0].first.sport == 1000 ? &r->groups[0] : &r->groups[1];
	g2 = r->groups[0].first.sport == 1000 ? &r->groups[1] : &r->groups[0];
	ck_assert_uint_eq(g1->nseg, 1);
	ck_assert_uint_eq(g2->nseg, 2);
	assert_counts(&g1->seg[0], 10, 9, 1, 0, 0);
	assert_drops(&g1->seg[0], 1, 1, 6u, 1ull);
	assert_drops(&g2->seg[0], 0, 0);
	assert_counts(&g2->seg[1], 10, 9, 1, 0, 0);
	assert_drops(&g2->seg[1], 1, 1, 2u, 1ull);
	ck_assert_uint_eq(r->drops, 2);
	ck_assert_uint_eq(r->drops_unseen, 0);
	pt_hops_free(h);
	rmstore(dir);
}
END_TEST

static void teardown(void)
{
	pt_scan_close(scan);
	scan = NULL;
	nev = 0;
}

static Suite *suite(void)
{
	Suite *s = suite_create("hops");
	TCase *tc = tcase_create("hops");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_loss_on_one_segment);
	tcase_add_test(tc, test_in_flight_cutoff);
	tcase_add_test(tc, test_retransmission_no_false_loss);
	tcase_add_test(tc, test_percentiles);
	tcase_add_test(tc, test_microsecond_samples);
	tcase_add_test(tc, test_path_order_and_other_paths);
	tcase_add_test(tc, test_usual_path_with_heavy_loss);
	tcase_add_test(tc, test_per_flow_rows);
	tcase_add_test(tc, test_unknown_point);
	tcase_add_test(tc, test_empty_window);
	tcase_add_test(tc, test_horizon);
	tcase_add_test(tc, test_bounded_tracking);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_ring_loss_noted);
	tcase_add_test(tc, test_drops_attributed);
	tcase_add_test(tc, test_drop_not_in_flight);
	tcase_add_test(tc, test_drops_per_flow);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pt_check_run(suite());
}
