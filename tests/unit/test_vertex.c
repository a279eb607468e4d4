// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_vertex.c — query/vertex.h: every id form parses into the fields it
 * names and formats back to itself (canonical forms), the shorthands print
 * the same ids, and malformed ids are refused with a message naming what is
 * wrong and the accepted forms.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "query/vertex.h"
#include "tests/support/checkrun.h"

static struct pt_vertex_id v;
static char err[512], buf[PT_VID_MAX];

static void roundtrip(const char *id)
{
	ck_assert_msg(pt_vertex_parse(id, &v, err, sizeof(err)) == 0, "%s: %s", id, err);
	ck_assert_int_eq(pt_vertex_format(&v, buf, sizeof(buf)), (int)strlen(id));
	ck_assert_str_eq(buf, id);
}

START_TEST(test_forms)
{
	roundtrip("proc:host1/4321@81234567890");
	ck_assert_uint_eq(v.kind, PT_V_PROC);
	ck_assert(v.has_host && v.has_start);
	ck_assert_str_eq(v.host, "host1");
	ck_assert_uint_eq(v.pid, 4321);
	ck_assert_uint_eq(v.start_ns, 81234567890ull);
	roundtrip("proc:4321");
	ck_assert(!v.has_host && !v.has_start);
	roundtrip("proc:h/7");
	ck_assert(v.has_host && !v.has_start);
	roundtrip("proc:200@7");
	ck_assert(!v.has_host && v.has_start);
	ck_assert_uint_eq(v.start_ns, 7);
	roundtrip("conn:tcp:10.0.1.1:40000-10.0.3.2:9200/11-12");
	ck_assert_uint_eq(v.kind, PT_V_CONN);
	ck_assert_str_eq(v.conn, "tcp:10.0.1.1:40000-10.0.3.2:9200/11-12");
	roundtrip("recv:tcp:10.0.1.1:40000-10.0.3.2:9200/11-12+5000");
	ck_assert_uint_eq(v.kind, PT_V_RECV);
	ck_assert(!v.has_ep);
	ck_assert_str_eq(v.conn, "tcp:10.0.1.1:40000-10.0.3.2:9200/11-12");
	ck_assert_uint_eq(v.off, 5000);
	roundtrip("recv:tcp:[fd00:1::1]:40000-[fd00:3::2]:443/1-2@[fd00:3::2]:443+0");
	ck_assert(v.has_ep);
	ck_assert_str_eq(v.ep, "[fd00:3::2]:443");
	ck_assert_str_eq(v.conn, "tcp:[fd00:1::1]:40000-[fd00:3::2]:443/1-2");
	roundtrip("recv:unix:5-6+18446744073709551615");
	ck_assert_uint_eq(v.off, ~0ull);
	roundtrip("file:/tmp/a b/c@d+e:f");
	ck_assert_str_eq(v.path, "/tmp/a b/c@d+e:f");
	roundtrip("pkt:00000000deadbeef@veth1@ns:in");
	ck_assert_uint_eq(v.fp, 0xdeadbeefull);
	ck_assert_str_eq(v.point, "veth1@ns:in");
	roundtrip("sock:h/123");
	ck_assert_uint_eq(v.ino, 123);
	roundtrip("sock:123");
	roundtrip("drop:ffffffffffffffff@99");
	ck_assert_uint_eq(v.fp, ~0ull);
	ck_assert_uint_eq(v.ts, 99);
}
END_TEST

START_TEST(test_noncanonical)
{
	/* hex digits of any case and count are accepted; the id printed has 16 lower-case ones */
	ck_assert_int_eq(pt_vertex_parse("pkt:BEEF@p:in", &v, err, sizeof(err)), 0);
	pt_vertex_format(&v, buf, sizeof(buf));
	ck_assert_str_eq(buf, "pkt:000000000000beef@p:in");
	ck_assert_int_eq(pt_vertex_parse("drop:1@2", &v, err, sizeof(err)), 0);
	pt_vertex_format(&v, buf, sizeof(buf));
	ck_assert_str_eq(buf, "drop:0000000000000001@2");
}
END_TEST

START_TEST(test_shorthands)
{
	pt_vid_proc(buf, sizeof(buf), "h", 5, 6);
	ck_assert_str_eq(buf, "proc:h/5@6");
	pt_vid_conn(buf, sizeof(buf), "unix:1-2");
	ck_assert_str_eq(buf, "conn:unix:1-2");
	pt_vid_recv(buf, sizeof(buf), "unix:1-2", NULL, 3);
	ck_assert_str_eq(buf, "recv:unix:1-2+3");
	pt_vid_recv(buf, sizeof(buf), "tcp:a-b/1-2", "10.0.0.1:80", 3);
	ck_assert_str_eq(buf, "recv:tcp:a-b/1-2@10.0.0.1:80+3");
	pt_vid_file(buf, sizeof(buf), "/x");
	ck_assert_str_eq(buf, "file:/x");
	pt_vid_pkt(buf, sizeof(buf), 1, "p");
	ck_assert_str_eq(buf, "pkt:0000000000000001@p");
	pt_vid_sock(buf, sizeof(buf), "h", 9);
	ck_assert_str_eq(buf, "sock:h/9");
	pt_vid_drop(buf, sizeof(buf), 2, 3);
	ck_assert_str_eq(buf, "drop:0000000000000002@3");
	/* a short buffer: snprintf's length, truncated text */
	ck_assert_int_eq(pt_vid_file(buf, 4, "/abc"), 9);
	ck_assert_str_eq(buf, "fil");
}
END_TEST

static void refused(const char *id, const char *why)
{
	char want[512];

	snprintf(want, sizeof(want), "bad vertex id '%s': %s (ids: proc:HOST/PID@START, proc:PID, conn:ID, "
		 "recv:CONN+OFFSET, recv:CONN@EP+OFFSET, file:PATH, pkt:FP@POINT, sock:HOST/INO or drop:FP@TS)", id, why);
	ck_assert_int_eq(pt_vertex_parse(id, &v, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, want);
}

START_TEST(test_errors)
{
	refused("1234", "no KIND: prefix");
	refused("thing:1", "unknown kind");
	refused("proc:", "a process is proc:HOST/PID@START (PID and START decimal)");
	refused("proc:abc", "a process is proc:HOST/PID@START (PID and START decimal)");
	refused("proc:0", "a process is proc:HOST/PID@START (PID and START decimal)");
	refused("proc:-5", "a process is proc:HOST/PID@START (PID and START decimal)");
	refused("proc:/5", "a process is proc:HOST/PID@START (PID and START decimal)");
	refused("proc:h/5@x", "START is the process's start time in boottime ns");
	refused("conn:", "CONN is a connection id as `provtap query conn` prints it");
	refused("conn:a+b", "CONN is a connection id as `provtap query conn` prints it");
	refused("recv:tcp:a-b/1-2", "a received byte is recv:CONN+OFFSET (OFFSET decimal)");
	refused("recv:tcp:a-b/1-2+x", "a received byte is recv:CONN+OFFSET (OFFSET decimal)");
	refused("recv:tcp:a-b/1-2+99999999999999999999", "a received byte is recv:CONN+OFFSET (OFFSET decimal)");
	refused("recv:tcp:a-b/1-2@+5", "EP in recv:CONN@EP+OFFSET is the receiving end's address:port");
	refused("recv:+5", "CONN is a connection id as `provtap query conn` prints it");
	refused("file:", "a file is file:PATH (PATH not empty, at most 4096 bytes)");
	refused("pkt:zz@p", "a packet is pkt:FP@POINT (FP hex)");
	refused("pkt:12", "a packet is pkt:FP@POINT (FP hex)");
	refused("pkt:12@", "POINT is a capture point name (ifname@netns:dir or alias)");
	refused("drop:12@x", "a drop is drop:FP@TS (TS boottime ns)");
	refused("drop:@1", "a drop is drop:FP@TS (FP hex, TS boottime ns)");
	refused("sock:h/0", "a socket is sock:HOST/INO (INO its inode, decimal)");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vertex");
	TCase *tc = tcase_create("ids");

	tcase_add_test(tc, test_forms);
	tcase_add_test(tc, test_noncanonical);
	tcase_add_test(tc, test_shorthands);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return pt_check_run(s);
}
