// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The query foundation: time parsing, the table writer's three formats, the store scanner. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collector/store.h"
#include "query/scan.h"
#include "query/table.h"
#include "tests/support/checkrun.h"

#define NS 1000000000ULL

START_TEST(time_forms)
{
	__u64 now = 1700000000ULL * NS, t;

	ck_assert_int_eq(pt_parse_time("now", now, &t), 0);
	ck_assert_uint_eq(t, now);
	ck_assert_int_eq(pt_parse_time("-5m", now, &t), 0);
	ck_assert_uint_eq(t, now - 300 * NS);
	ck_assert_int_eq(pt_parse_time("2023-11-14T22:13:20Z", now, &t), 0);
	ck_assert_uint_eq(t, 1700000000ULL * NS);
	ck_assert_int_eq(pt_parse_time("2023-11-14T22:13:20.5Z", now, &t), 0);
	ck_assert_uint_eq(t, 1700000000ULL * NS + 500000000ULL);
	ck_assert_int_eq(pt_parse_time("2023-11-14T23:13:20.000000001+01:00", now, &t), 0);
	ck_assert_uint_eq(t, 1700000000ULL * NS + 1);
	ck_assert_int_eq(pt_parse_time("2024-02-29T00:00:00Z", now, &t), 0);
	ck_assert_uint_eq(t, 1709164800ULL * NS);
	ck_assert_int_eq(pt_parse_time("2023-13-01T00:00:00Z", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("2023-11-14 22:13:20Z", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("2023-11-14T22:13:20", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("-5x", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("yesterday", now, &t), -EINVAL);
	/* days the month does not have; blanks and signs sscanf would take */
	ck_assert_int_eq(pt_parse_time("2026-02-30T00:00:00Z", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("2023-02-29T00:00:00Z", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("1900-02-29T00:00:00Z", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("2000-02-29T00:00:00Z", now, &t), 0);
	ck_assert_int_eq(pt_parse_time("2023-04-31T00:00:00Z", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("2023-12-31T23:59:59Z", now, &t), 0);
	ck_assert_int_eq(pt_parse_time("2023-1-014T22:13:20Z", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("2023-11-+4T22:13:20Z", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("2023-11- 4T22:13:20Z", now, &t), -EINVAL);
	ck_assert_int_eq(pt_parse_time("2023-11-14T22:13:2", now, &t), -EINVAL);
}
END_TEST

static char *render(struct pt_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	pt_table_print(t, f);
	fclose(f);
	return buf;
}

static struct pt_table *sample(enum pt_fmt fmt)
{
	struct pt_table *t = pt_table_new(fmt, "title");

	pt_table_col(t, "point", "POINT", false);
	pt_table_col(t, "pkts", "PACKETS", true);
	pt_table_col(t, "delay_ms", "DELAY (ms)", true);
	pt_table_row(t);
	pt_table_str(t, "veth1@a:in");
	pt_table_u64(t, 42);
	pt_table_f(t, 1.25, 2);
	pt_table_row(t);
	pt_table_str(t, "x,\"y\"");
	pt_table_u64(t, 7);
	pt_table_null(t);
	return t;
}

START_TEST(table_formats)
{
	char *s = render(sample(PT_FMT_TABLE));

	ck_assert_str_eq(s, "title\n"
			    "POINT       PACKETS  DELAY (ms)\n"
			    "veth1@a:in       42        1.25\n"
			    "x,\"y\"             7           -\n");
	free(s);
	s = render(sample(PT_FMT_JSON));
	ck_assert_str_eq(s, "{\"point\":\"veth1@a:in\",\"pkts\":42,\"delay_ms\":1.25}\n"
			    "{\"point\":\"x,\\\"y\\\"\",\"pkts\":7,\"delay_ms\":null}\n");
	free(s);
	s = render(sample(PT_FMT_CSV));
	ck_assert_str_eq(s, "point,pkts,delay_ms\nveth1@a:in,42,1.25\n\"x,\"\"y\"\"\",7,\n");
	free(s);
}
END_TEST

/* A store: points 0 (a:in) and 1 (b:out), clock offset 1e18, 10 UDP packets at each. */
static char *make_store(void)
{
	static char tmpl[64];
	struct pt_store_opts so = {};
	struct pt_store *st;
	struct pt_clock_rec c = { .type = PT_REC_CLOCK, .len = sizeof(c), .boottime_ns = 0,
				  .realtime_ns = 1000000000ULL * NS };

	snprintf(tmpl, sizeof(tmpl), "/tmp/pt-qcore.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_int_eq(pt_store_open(tmpl, &so, &st), 0);
	for (__u16 i = 0; i < 2; i++) {
		struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr), .point = i };

		pr.info.in_use = 1;
		pr.info.dir = i ? PT_DIR_OUT : PT_DIR_IN;
		pr.info.attach_realtime_ns = 5 + i;
		strcpy(pr.info.ifname, i ? "b" : "a");
		ck_assert_int_eq(pt_store_append(st, &pr, sizeof(pr), 1, NULL), 0);
	}
	ck_assert_int_eq(pt_store_append(st, &c, sizeof(c), 1, NULL), 0);
	for (int k = 0; k < 20; k++) {
		struct pt_pkt p = { .type = PT_REC_PKT, .len = sizeof(p), .point = (__u16)(k % 2) };

		p.flags = PT_PF_IPV4 | PT_PF_L4;
		p.l4proto = 17;
		p.ts_ns = (__u64)(k / 2 + 1) * NS;	/* 1..10 s after boot */
		p.sport = 1000;
		p.dport = (__u16)(k < 10 ? 53 : 9000);
		inet_pton(AF_INET, "10.0.0.1", p.saddr);
		inet_pton(AF_INET, "10.0.0.2", p.daddr);
		p.fp = (__u64)(k / 2 + 1);
		ck_assert_int_eq(pt_store_append(st, &p, sizeof(p), 1, NULL), 0);
	}
	pt_store_close(st);
	return tmpl;
}

static int count(const char *dir, const char *expr, __u64 since, __u64 until)
{
	struct pt_scan_opts o = { .store_dir = dir, .expr = expr, .since_ns = since, .until_ns = until };
	const struct pt_rec_hdr *h;
	struct pt_scan *s;
	char err[200];
	int n = 0;

	ck_assert_int_eq(pt_scan_open(&o, &s, err, sizeof(err)), 0);
	while (pt_scan_next(s, &h) == 1)
		n += h->type == PT_REC_PKT;
	ck_assert(!pt_scan_partial(s, NULL));
	pt_scan_close(s);
	return n;
}

START_TEST(scan_filters_and_windows)
{
	char *d = make_store(), cmd[128], err[200];
	struct pt_scan_opts bad = { .store_dir = d, .expr = "udp and port" };
	struct pt_scan *s = NULL;

	ck_assert_int_eq(count(d, "", 0, 0), 20);
	ck_assert_int_eq(count(d, "port 9000", 0, 0), 10);
	ck_assert_int_eq(count(d, "point a:in", 0, 0), 10);
	ck_assert_int_eq(count(d, "point b", 0, 0), 10);	/* name without :dir = both directions */
	ck_assert_int_eq(count(d, "point b:in", 0, 0), 0);
	/* realtime = 1e18 + boottime: seconds 3..5 after boot hold packets 5..10 (2 per second) */
	ck_assert_int_eq(count(d, "", 1000000000ULL * NS + 3 * NS, 1000000000ULL * NS + 5 * NS), 6);
	ck_assert_int_eq(pt_scan_open(&bad, &s, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "position"));
	bad.expr = "";
	bad.since_ns = 10;
	bad.until_ns = 5;
	ck_assert_int_eq(pt_scan_open(&bad, &s, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(view_lookup)
{
	char *d = make_store(), cmd[128], err[200];
	struct pt_scan_opts o = { .store_dir = d };
	const struct pt_rec_hdr *h;
	struct pt_scan *s;

	ck_assert_int_eq(pt_scan_open(&o, &s, err, sizeof(err)), 0);
	while (pt_scan_next(s, &h) == 1)
		;
	ck_assert_int_eq(pt_view_lookup(pt_scan_view(s), "a:in"), 0);
	ck_assert_int_eq(pt_view_lookup(pt_scan_view(s), "b:out"), 1);
	ck_assert_int_eq(pt_view_lookup(pt_scan_view(s), "c:in"), -ENOENT);
	ck_assert_uint_eq(pt_scan_realtime(s, 7), 1000000000ULL * NS + 7);
	pt_scan_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("query-core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, time_forms);
	tcase_add_test(tc, table_formats);
	tcase_add_test(tc, scan_filters_and_windows);
	tcase_add_test(tc, view_lookup);
	suite_add_tcase(s, tc);
	return pt_check_run(s);
}
