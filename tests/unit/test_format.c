// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Record decoding: point/clock learning, human lines and JSON lines, exactly. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "query/format.h"

static struct pt_view view;

/* Render rec with fn into a string (caller frees). */
static char *render(const void *rec, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	pt_format_rec(f, rec, &view, json);
	fclose(f);
	return buf;
}

static void learn_point(__u16 id, const char *ifname, const char *netns, __u8 dir, const char *alias)
{
	struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr), .point = id };

	pr.info.in_use = 1;
	pr.info.dir = dir;
	snprintf(pr.info.ifname, sizeof(pr.info.ifname), "%s", ifname);
	snprintf(pr.info.netns, sizeof(pr.info.netns), "%s", netns);
	snprintf(pr.info.alias, sizeof(pr.info.alias), "%s", alias);
	pt_view_learn(&view, (struct pt_rec_hdr *)&pr);
}

static void setup(void)
{
	struct pt_clock_rec c = { .type = PT_REC_CLOCK, .len = sizeof(c) };

	pt_view_init(&view);
	learn_point(3, "veth1", "tenant-a", PT_DIR_IN, "web");
	learn_point(4, "br0", "", PT_DIR_OUT, "");
	/* realtime = boottime + 1.7e18 ns: 2023-11-14T22:13:20Z at boottime 0 */
	c.boottime_ns = 1000;
	c.realtime_ns = 1700000000000000000ULL + 1000;
	pt_view_learn(&view, (struct pt_rec_hdr *)&c);
}

static struct pt_pkt tcp4(void)
{
	struct pt_pkt p = { .type = PT_REC_PKT, .len = sizeof(p), .point = 3, .dir = PT_DIR_IN,
			    .hook = PT_HOOK_TC };

	p.flags = PT_PF_IPV4 | PT_PF_L4 | PT_PF_MARK;
	p.ts_ns = 5000000123ULL;
	p.fp = 0x0123456789abcdefULL;
	p.wire_len = 74;
	p.mark = 7;
	inet_pton(AF_INET, "10.0.1.1", p.saddr);
	inet_pton(AF_INET, "10.0.2.2", p.daddr);
	p.sport = 40000;
	p.dport = 80;
	p.seq = 1000;
	p.ack = 2000;
	p.window = 64240;
	p.ip_id = 4321;
	p.l3_len = 60;
	p.l4_payload_len = 0;
	p.l4proto = 6;
	p.tcp_flags = 0x12;	/* SYN+ACK */
	p.ttl = 63;
	return p;
}

START_TEST(point_names)
{
	char buf[96];
	struct pt_point_names n = pt_view_names(&view, 3);

	ck_assert_str_eq(n.full, "veth1@tenant-a:in");
	ck_assert_str_eq(n.alias, "web");
	n = pt_view_names(&view, 4);
	ck_assert_str_eq(n.full, "br0:out");
	ck_assert_ptr_null(n.alias);
	ck_assert_str_eq(pt_view_point(&view, 9, buf, sizeof(buf)), "point#9");
	ck_assert_ptr_null(pt_view_names(&view, 9).full);
}
END_TEST

START_TEST(tcp_human)
{
	struct pt_pkt p = tcp4();
	char *s = render(&p, false);

	ck_assert_str_eq(s, "2023-11-14T22:13:25.000000123Z veth1@tenant-a:in        tcp 10.0.1.1:40000 > "
			    "10.0.2.2:80 [S.] seq 1000 ack 2000 win 64240 len 74 payload 0 ttl 63 id 4321 "
			    "fp 0123456789abcdef\n");
	free(s);
}
END_TEST

START_TEST(tcp_json)
{
	struct pt_pkt p = tcp4();
	char *s = render(&p, true);

	ck_assert_str_eq(s, "{\"type\":\"pkt\",\"ts\":\"2023-11-14T22:13:25.000000123Z\",\"ts_ns\":5000000123,"
			    "\"point\":\"veth1@tenant-a:in\",\"point_id\":3,\"dir\":\"in\",\"hook\":\"tc\",\"len\":74,"
			    "\"family\":4,\"proto\":\"tcp\",\"src\":\"10.0.1.1\",\"dst\":\"10.0.2.2\",\"sport\":40000,"
			    "\"dport\":80,\"ttl\":63,\"tos\":0,\"ip_id\":4321,\"l3_len\":60,\"payload_len\":0,"
			    "\"frag_off\":0,\"flags\":\"S.\",\"seq\":1000,\"ack\":2000,\"win\":64240,\"mark\":7,"
			    "\"fp\":\"0123456789abcdef\",\"fp_mode\":\"headers\",\"trunc\":false,\"badlen\":false,"
			    "\"cap_len\":0}\n");
	free(s);
}
END_TEST

START_TEST(vxlan_v6_vlan_snap)
{
	unsigned char buf[sizeof(struct pt_pkt) + 4];
	struct pt_pkt *p = (struct pt_pkt *)buf;
	char *s;

	memset(buf, 0, sizeof(buf));
	p->type = PT_REC_PKT;
	p->len = sizeof(buf);
	p->point = 4;
	p->dir = PT_DIR_OUT;
	p->hook = PT_HOOK_TC;
	p->flags = PT_PF_IPV6 | PT_PF_L4 | PT_PF_VXLAN | PT_PF_VLAN | PT_PF_QINQ | PT_PF_TRUNC;
	p->ts_ns = 1000;
	p->fp = 1;
	p->wire_len = 150;
	inet_pton(AF_INET6, "fd00::1", p->saddr);
	inet_pton(AF_INET6, "fd00::2", p->daddr);
	inet_pton(AF_INET, "192.0.2.1", p->outer_saddr);
	inet_pton(AF_INET, "192.0.2.2", p->outer_daddr);
	p->vni = 42;
	p->vlan[0] = 0x2064;	/* prio 1, id 100 */
	p->vlan[1] = 200;
	p->l4proto = 17;
	p->sport = 53;
	p->dport = 5353;
	p->cap_len = 4;
	memcpy(buf + sizeof(*p), "\xde\xad\xbe\xef", 4);
	s = render(p, false);
	ck_assert_str_eq(s, "2023-11-14T22:13:20.000001000Z br0:out                  udp [fd00::1]:53 > [fd00::2]:5353 "
			    "len 150 payload 0 ttl 0 vni 42 outer 192.0.2.1 > 192.0.2.2 vlan 100.200 [truncated] "
			    "fp 0000000000000001\n");
	free(s);
	s = render(p, true);
	ck_assert_ptr_nonnull(strstr(s, "\"family\":6,\"proto\":\"udp\",\"src\":\"fd00::1\",\"dst\":\"fd00::2\""));
	ck_assert_ptr_nonnull(strstr(s, "\"vni\":42,\"outer_src\":\"192.0.2.1\",\"outer_dst\":\"192.0.2.2\""));
	ck_assert_ptr_nonnull(strstr(s, "\"vlan\":[100,200]"));
	ck_assert_ptr_nonnull(strstr(s, "\"trunc\":true,\"badlen\":false,\"cap_len\":4,\"data\":\"deadbeef\"}\n"));
	ck_assert_ptr_null(strstr(s, "\"mark\""));
	free(s);
}
END_TEST

START_TEST(loss_and_other_types)
{
	struct pt_loss_rec l = { .type = PT_REC_LOSS, .len = sizeof(l), .point = 3, .boottime_ns = 1000,
				 .lost = 5, .lost_total = 12 };
	struct pt_stats_rec st = { .type = PT_REC_STATS, .len = sizeof(st) };
	char *s = render(&l, true);

	ck_assert_str_eq(s, "{\"type\":\"loss\",\"ts\":\"2023-11-14T22:13:20.000001000Z\",\"point\":\"veth1@tenant-a:in\","
			    "\"point_id\":3,\"lost\":5,\"lost_total\":12}\n");
	free(s);
	s = render(&l, false);
	ck_assert_ptr_nonnull(strstr(s, "LOST 5 record(s): ring buffer full (12 in all"));
	free(s);
	s = render(&st, false);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(short_records_ignored)
{
	struct pt_pkt p = tcp4();
	char *s;

	p.len = sizeof(p) - 1;	/* claims to be shorter than a packet record */
	s = render(&p, false);
	ck_assert_str_eq(s, "");
	free(s);
	p = tcp4();
	p.len = sizeof(p);
	p.cap_len = 200;	/* says data follows but len has none: no data printed */
	s = render(&p, true);
	ck_assert_ptr_null(strstr(s, "\"data\""));
	free(s);
}
END_TEST

START_TEST(no_clock_boot_relative)
{
	struct pt_pkt p = tcp4();
	char *s;

	view.clock_valid = false;
	s = render(&p, false);
	ck_assert_int_eq(strncmp(s, "boot+5.000000123 ", 17), 0);
	free(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("records");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, point_names);
	tcase_add_test(tc, tcp_human);
	tcase_add_test(tc, tcp_json);
	tcase_add_test(tc, vxlan_v6_vlan_snap);
	tcase_add_test(tc, loss_and_other_types);
	tcase_add_test(tc, short_records_ignored);
	tcase_add_test(tc, no_clock_boot_relative);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
