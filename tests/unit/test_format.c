// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Record decoding: point/clock learning, human lines and JSON lines, exactly;
 * the process family's records (bpf/proc.h) in both forms, and every JSON line
 * checked by a strict parser (RFC 8259, UTF-8, no lone surrogates).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "query/format.h"
#include "bpf/proc.h"
#include "tests/support/checkrun.h"

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
	ck_assert_str_eq(pt_view_point(&view, PT_DROP_POINT, buf, sizeof(buf)), "drop-probe");
	ck_assert_str_eq(pt_view_point(&view, PT_PROC_LOSS_POINT(PT_PC_DATA), buf, sizeof(buf)), "proc-probes/data");
	ck_assert_ptr_null(pt_view_names(&view, 9).full);

	/* a crafted POINT record whose strings fill their arrays without a NUL: kept as C strings */
	struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr), .point = 5 };

	pr.info.in_use = 1;
	memset(pr.info.ifname, 'I', sizeof(pr.info.ifname));
	memset(pr.info.netns, 'N', sizeof(pr.info.netns));
	memset(pr.info.alias, 'A', sizeof(pr.info.alias));
	memset(pr.info.variant, 'V', sizeof(pr.info.variant));
	memset(pr.info.filter, 'F', sizeof(pr.info.filter));
	pt_view_learn(&view, (struct pt_rec_hdr *)&pr);
	n = pt_view_names(&view, 5);
	ck_assert_uint_eq(strlen(n.alias), sizeof(pr.info.alias) - 1);
	ck_assert_uint_eq(strlen(view.info[5].netns), sizeof(pr.info.netns) - 1);
	ck_assert_uint_eq(strlen(view.info[5].variant), sizeof(pr.info.variant) - 1);
	ck_assert_uint_eq(strlen(view.info[5].filter), sizeof(pr.info.filter) - 1);
	ck_assert_str_eq(n.full, "IIIIIIIIIIIIIII@NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN:out");
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

/* ---- a strict JSON checker: one value per line, RFC 8259, strings valid UTF-8 ---- */

struct jp {
	const unsigned char *s;
	size_t i;
};

static void jws(struct jp *p)
{
	while (p->s[p->i] == ' ' || p->s[p->i] == '\t')
		p->i++;
}

static bool jvalue(struct jp *p, int depth);

static bool jlit(struct jp *p, const char *w)
{
	size_t n = strlen(w);

	if (strncmp((const char *)p->s + p->i, w, n))
		return false;
	p->i += n;
	return true;
}

static int jhex4(struct jp *p)
{
	int v = 0;

	for (int k = 0; k < 4; k++) {
		unsigned char c = p->s[p->i++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* One UTF-8 character (not ASCII) at p->i; false when invalid. */
static bool jutf8(struct jp *p)
{
	const unsigned char *c = p->s + p->i;
	unsigned int cp, n, k, min;

	if (c[0] >= 0xc2 && c[0] <= 0xdf)
		n = 2, cp = c[0] & 0x1f, min = 0x80;
	else if (c[0] >= 0xe0 && c[0] <= 0xef)
		n = 3, cp = c[0] & 0x0f, min = 0x800;
	else if (c[0] >= 0xf0 && c[0] <= 0xf4)
		n = 4, cp = c[0] & 0x07, min = 0x10000;
	else
		return false;
	for (k = 1; k < n; k++) {
		if ((c[k] & 0xc0) != 0x80)
			return false;
		cp = cp << 6 | (c[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	p->i += n;
	return true;
}

static bool jstring(struct jp *p)
{
	int u, lo;

	if (p->s[p->i++] != '"')
		return false;
	for (;;) {
		unsigned char c = p->s[p->i];

		if (c == '"') {
			p->i++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c >= 0x80) {
			if (!jutf8(p))
				return false;
			continue;
		}
		p->i++;
		if (c != '\\')
			continue;
		c = p->s[p->i++];
		if (c == 'u') {
			u = jhex4(p);
			if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
				return false;
			if (u >= 0xd800 && u <= 0xdbff) {	/* a high surrogate needs its low one */
				if (p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
					return false;
				p->i += 2;
				lo = jhex4(p);
				if (lo < 0xdc00 || lo > 0xdfff)
					return false;
			}
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return false;
		}
	}
}

static bool jnumber(struct jp *p)
{
	size_t start;

	if (p->s[p->i] == '-')
		p->i++;
	if (p->s[p->i] == '0')
		p->i++;
	else if (p->s[p->i] >= '1' && p->s[p->i] <= '9')
		while (p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	else
		return false;
	if (p->s[p->i] == '.') {
		start = ++p->i;
		while (p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
		if (p->i == start)
			return false;
	}
	if (p->s[p->i] == 'e' || p->s[p->i] == 'E') {
		p->i++;
		if (p->s[p->i] == '+' || p->s[p->i] == '-')
			p->i++;
		start = p->i;
		while (p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
		if (p->i == start)
			return false;
	}
	return true;
}

/* "[...]" or "{...}": values (with keys for an object) separated by commas. */
static bool jcompound(struct jp *p, int depth, bool object)
{
	char close = object ? '}' : ']';

	p->i++;
	jws(p);
	if (p->s[p->i] == close) {
		p->i++;
		return true;
	}
	for (;;) {
		jws(p);
		if (object) {
			if (!jstring(p))
				return false;
			jws(p);
			if (p->s[p->i++] != ':')
				return false;
		}
		if (!jvalue(p, depth + 1))
			return false;
		jws(p);
		if (p->s[p->i] == close) {
			p->i++;
			return true;
		}
		if (p->s[p->i++] != ',')
			return false;
	}
}

static bool jvalue(struct jp *p, int depth)
{
	if (depth > 64)
		return false;
	jws(p);
	switch (p->s[p->i]) {
	case '{': return jcompound(p, depth, true);
	case '[': return jcompound(p, depth, false);
	case '"': return jstring(p);
	case 't': return jlit(p, "true");
	case 'f': return jlit(p, "false");
	case 'n': return jlit(p, "null");
	default: return jnumber(p);
	}
}

/* True when s is lines of exactly one JSON value each, every line ending in "\n". */
static bool json_lines_valid(const char *s)
{
	struct jp p = { (const unsigned char *)s, 0 };

	while (p.s[p.i]) {
		if (!jvalue(&p, 0))
			return false;
		jws(&p);
		if (p.s[p.i++] != '\n')
			return false;
	}
	return true;
}

START_TEST(json_checker_self_test)
{
	ck_assert(json_lines_valid("{\"a\":[1,-2.5e3,true,null,\"\\u00e9\\ud83d\\ude00\xc3\xa9\"]}\n{}\n"));
	ck_assert(!json_lines_valid("{\"a\":\"\xff\"}\n"));		/* invalid UTF-8 */
	ck_assert(!json_lines_valid("{\"a\":\"\xed\xa0\x80\"}\n"));	/* encoded surrogate */
	ck_assert(!json_lines_valid("{\"a\":\"\\ud800\"}\n"));	/* lone surrogate */
	ck_assert(!json_lines_valid("{\"a\":\"\n\"}\n"));		/* raw control character */
	ck_assert(!json_lines_valid("{\"a\":\"\\x41\"}\n"));
	ck_assert(!json_lines_valid("{\"a\":01}\n"));
	ck_assert(!json_lines_valid("{\"a\":1,}\n"));
	ck_assert(!json_lines_valid("{\"a\":1}"));			/* no newline */
	ck_assert(!json_lines_valid("{\"a\":1} x\n"));
}
END_TEST

/* pt_json_str of s, as a line */
static char *json_str_line(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fputs("{\"s\":", f);
	pt_json_str(f, s);
	fputs("}\n", f);
	fclose(f);
	return buf;
}

START_TEST(json_str_any_bytes)
{
	/* point names, paths and comms are bytes: invalid UTF-8 must not make invalid JSON */
	char *out = json_str_line("a\xff\xc3\xa9\xed\xa0\x80\"\\\x01z");

	ck_assert(json_lines_valid(out));
	ck_assert_str_eq(out, "{\"s\":\"a\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd\\\"\\\\\\u0001z\"}\n");
	free(out);
	out = json_str_line(NULL);
	ck_assert_str_eq(out, "{\"s\":null}\n");
	free(out);
}
END_TEST

/* ---- the process family ---- */

static unsigned char rbuf[8192];	/* the record under test, with its trailing data */

/* JSON of rec, checked valid (caller frees). */
static char *render_json(const void *rec)
{
	char *s = render(rec, true);

	ck_assert_msg(json_lines_valid(s), "invalid JSON: %s", s);
	return s;
}

static void expect(const void *rec, const char *text, const char *json)
{
	char *s = render(rec, false);

	ck_assert_str_eq(s, text);
	free(s);
	s = render_json(rec);
	if (json)
		ck_assert_str_eq(s, json);
	free(s);
}

/* JSON of rec contains part. */
static void expect_json_has(const void *rec, const char *part)
{
	char *s = render_json(rec);

	ck_assert_msg(strstr(s, part), "%s\nhas no %s", s, part);
	free(s);
}

#define TS "2023-11-14T22:13:25.000000123Z"
#define TASK_JSON(type, pid, tid, comm) \
	"{\"type\":\"" type "\",\"ts\":\"" TS "\",\"ts_ns\":5000000123,\"pid\":" #pid ",\"tid\":" #tid \
	",\"ppid\":1,\"uid\":1000,\"comm\":\"" comm "\",\"start_ns\":77,\"cgroup_id\":9,\"netns_ino\":4026531840"

static struct pt_task mktask(const char *comm, __u32 pid, __u32 tid)
{
	struct pt_task t = { .ts_ns = 5000000123ULL, .start_ns = 77, .pid = pid, .tid = tid, .ppid = 1,
			     .uid = 1000, .cgroup_id = 9, .netns_ino = 4026531840ULL };

	memcpy(t.comm, comm, strnlen(comm, PT_COMM_LEN));
	return t;
}

/* A PROC record in rbuf with n bytes of data (filename\0argv...) after it. */
static struct pt_proc *mkproc(__u8 kind, struct pt_task t, const char *data, size_t n, __u32 argc)
{
	struct pt_proc *p = (struct pt_proc *)rbuf;

	memset(rbuf, 0, sizeof(rbuf));
	*p = (struct pt_proc){ .type = PT_REC_PROC, .len = sizeof(*p) + n, .kind = kind, .task = t, .argc = argc,
			       .data_len = n, .old_tid = t.tid };
	if (n) {
		p->path_len = strnlen(data, n) + 1;
		memcpy(p + 1, data, n);
	}
	return p;
}

static struct pt_fdinfo mksock(int fam, __u8 proto, const char *l, __u16 lp, const char *r, __u16 rp)
{
	struct pt_fdinfo fi = { .kind = PT_FK_SOCKET, .sk_state = 1, .proto = proto, .dev = 8, .ino = 4242,
				.cookie = 11, .sk_netns_ino = 4026531840ULL, .snd_seq = 1000, .rcv_seq = 2000 };

	fi.family = fam == 4 ? AF_INET : AF_INET6;
	fi.type = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	if (l)
		inet_pton(fi.family, l, fi.laddr);
	if (r)
		inet_pton(fi.family, r, fi.raddr);
	fi.lport = lp;
	fi.rport = rp;
	return fi;
}

/* A SYS record in rbuf, with path (NULL: none) after it. */
static struct pt_sys *mksys(__u16 call, struct pt_task t, __s64 ret, __s32 fd, __s32 newfd, const char *path)
{
	struct pt_sys *s = (struct pt_sys *)rbuf;
	size_t n = path ? strlen(path) + 1 : 0;

	memset(rbuf, 0, sizeof(rbuf));
	*s = (struct pt_sys){ .type = PT_REC_SYS, .len = sizeof(*s) + n, .call = call, .task = t, .ret = ret,
			      .fd = fd, .newfd = newfd, .newfd2 = -1, .data_len = n };
	if (path)
		memcpy(s + 1, path, n);
	return s;
}

/* A DATA record in rbuf with n bytes of inline content; size = captured = n unless ret < 0. */
static struct pt_data *mkdata(__u16 call, __u8 dir, struct pt_task t, __s64 ret, const void *content, size_t n)
{
	struct pt_data *d = (struct pt_data *)rbuf;

	memset(rbuf, 0, sizeof(rbuf));
	*d = (struct pt_data){ .type = PT_REC_DATA, .len = sizeof(*d) + n, .call = call, .task = t, .ret = ret,
			       .fd = 3, .fd2 = -1, .size = ret > 0 ? (__u64)ret : 0, .captured = n, .offset = -1,
			       .cap_len = n, .dir = dir };
	if (n)
		memcpy(d + 1, content, n);
	return d;
}

START_TEST(proc_fork_exec_exit)
{
	static const char argv[] = "/usr/bin/curl\0curl\0-s\0http://x/?a b\0it's";
	static const char busybox[] = "/bin/busybox\0ls\0-l";
	struct pt_proc *p = mkproc(PT_PK_FORK, mktask("bash", 100, 100), NULL, 0, 0);

	p->child_pid = p->child_tid = 101;
	p->child_start_ns = 555;
	expect(p, TS " fork bash[100] -> 101\n",
	       TASK_JSON("proc", 100, 100, "bash") ",\"kind\":\"fork\",\"child_pid\":101,\"child_tid\":101,"
	       "\"child_start_ns\":555,\"thread\":false}\n");
	p->flags = PT_PRF_THREAD;
	p->child_pid = 100;
	p->child_tid = 102;
	expect(p, TS " fork bash[100] -> thread 102\n", NULL);
	expect_json_has(p, "\"child_pid\":100,\"child_tid\":102,\"child_start_ns\":555,\"thread\":true}");

	p = mkproc(PT_PK_EXEC, mktask("curl", 101, 101), argv, sizeof(argv), 5);
	expect(p, TS " exec curl[101] /usr/bin/curl -s 'http://x/?a b' 'it'\\''s'\n",
	       TASK_JSON("proc", 101, 101, "curl") ",\"kind\":\"exec\",\"old_tid\":101,\"filename\":\"/usr/bin/curl\","
	       "\"argv\":[\"curl\",\"-s\",\"http://x/?a b\",\"it's\"],\"argv_truncated\":false,"
	       "\"path_truncated\":false,\"fault\":false}\n");
	/* argc bounds the arguments; the data bounds argc */
	p->argc = 2;
	expect(p, TS " exec curl[101] /usr/bin/curl -s\n", NULL);
	p->argc = 9;
	p->flags = PT_PRF_ARGV_TRUNC;
	expect(p, TS " exec curl[101] /usr/bin/curl -s 'http://x/?a b' 'it'\\''s' ...\n", NULL);
	expect_json_has(p, "\"argv\":[\"curl\",\"-s\",\"http://x/?a b\",\"it's\"],\"argv_truncated\":true");
	/* argv[0] other than the file is shown */
	p = mkproc(PT_PK_SEED, mktask("ls", 7, 7), busybox, sizeof(busybox), 2);
	expect(p, TS " seed ls[7] /bin/busybox [ls] -l\n",
	       TASK_JSON("proc", 7, 7, "ls") ",\"kind\":\"seed\",\"filename\":\"/bin/busybox\",\"argv\":[\"ls\",\"-l\"],"
	       "\"argv_truncated\":false,\"path_truncated\":false,\"fault\":false}\n");
	p = mkproc(PT_PK_EXEC, mktask("sh", 8, 8), NULL, 0, 0);	/* nothing read */
	p->flags = PT_PRF_FAULT;
	expect(p, TS " exec sh[8] '' [fault]\n", NULL);
	expect_json_has(p, "\"filename\":\"\",\"argv\":[],\"argv_truncated\":false,\"path_truncated\":false,\"fault\":true}");

	p = mkproc(PT_PK_EXIT, mktask("curl", 101, 101), NULL, 0, 0);
	p->flags = PT_PRF_GROUP;
	p->exit_code = 3 << 8;
	expect(p, TS " exit curl[101] status 3\n",
	       TASK_JSON("proc", 101, 101, "curl") ",\"kind\":\"exit\",\"status\":768,\"exit_code\":3,\"signal\":null,"
	       "\"group\":true}\n");
	p->flags |= PT_PRF_SIGNAL;
	p->exit_code = 9;
	expect(p, TS " exit curl[101] killed by signal 9 (SIGKILL)\n", NULL);
	expect_json_has(p, "\"status\":9,\"exit_code\":null,\"signal\":9,\"group\":true}");
	p->exit_code = 0x80 | 11;
	expect(p, TS " exit curl[101] killed by signal 11 (SIGSEGV) (core dumped)\n", NULL);
	p->flags = 0;
	p->task.tid = 103;
	p->exit_code = 0;
	expect(p, TS " exit curl[101/103] thread status 0\n", NULL);
	expect_json_has(p, "\"tid\":103,");
	expect_json_has(p, "\"group\":false}");
}
END_TEST

/* comm, filename and argv with quotes, newlines, backslashes and bytes that are not UTF-8 */
START_TEST(proc_hostile_strings)
{
	static const char data[] = "/bin/bu\"sy box\n\0-b\"a\nsh\0\xff\xfe\0x\0caf\xc3\xa9";
	struct pt_proc *p = mkproc(PT_PK_EXEC, mktask("a\"b\n\xff\\", 5, 5), data, sizeof(data), 5);

	p->flags = PT_PRF_PATH_TRUNC;
	expect(p, TS " exec a\\\"b\\n\\xff\\\\[5] $'/bin/bu\\\"sy box\\n'... [$'-b\\\"a\\nsh'] $'\\xff\\xfe' x "
	       "'caf\xc3\xa9'\n",
	       TASK_JSON("proc", 5, 5, "a\\\"b\\u000a\\ufffd\\\\") ",\"kind\":\"exec\",\"old_tid\":5,"
	       "\"filename\":\"/bin/bu\\\"sy box\\u000a\",\"argv\":[\"-b\\\"a\\u000ash\",\"\\ufffd\\ufffd\",\"x\","
	       "\"caf\xc3\xa9\"],\"argv_truncated\":false,\"path_truncated\":true,\"fault\":false}\n");
	/* a comm using all 16 bytes, lengths beyond the record: read within the record only */
	memset(p->task.comm, 'c', PT_COMM_LEN);
	p->data_len = 4000;
	p->path_len = 4000;
	p->argc = 1000;
	expect(p, TS " exec cccccccccccccccc[5] $'/bin/bu\\\"sy box\\n'...\n", NULL);
}
END_TEST

START_TEST(sys_sockets)
{
	struct pt_sys *s = mksys(PT_CALL_CONNECT, mktask("curl", 101, 101), 0, 3, -1, NULL);

	s->info = mksock(4, IPPROTO_TCP, "10.0.1.2", 41234, "10.0.2.2", 80);
	s->flags = PT_SF_ADDR;
	s->addr_family = AF_INET;
	inet_pton(AF_INET, "10.0.2.2", s->addr);
	s->port = 80;
	expect(s, TS " connect curl[101] fd 3 tcp 10.0.1.2:41234 -> 10.0.2.2:80 = 0\n",
	       TASK_JSON("sys", 101, 101, "curl") ",\"call\":\"connect\",\"ret\":0,\"fd\":3,\"newfd\":-1,\"newfd2\":-1,"
	       "\"args\":[0,0,0],\"cloexec\":false,\"noargs\":false,\"fault\":false,\"addr_family\":\"inet\","
	       "\"addr\":\"10.0.2.2\",\"port\":80,\"fd_object\":{\"kind\":\"socket\",\"dev\":\"0:8\",\"ino\":4242,"
	       "\"family\":\"inet\",\"type\":\"stream\",\"state\":\"ESTABLISHED\",\"cookie\":11,"
	       "\"netns_ino\":4026531840,\"proto\":\"tcp\",\"local\":\"10.0.1.2:41234\",\"remote\":\"10.0.2.2:80\","
	       "\"snd_seq\":1000,\"rcv_seq\":2000}}\n");
	/* refused: the socket lost its remote end, the call's sockaddr shows where it went */
	s->ret = -ECONNREFUSED;
	s->info.sk_state = 7;
	memset(s->info.raddr, 0, 16);
	s->info.rport = 0;
	expect(s, TS " connect curl[101] fd 3 tcp 10.0.1.2:41234 -> 10.0.2.2:80 = -ECONNREFUSED\n", NULL);
	expect_json_has(s, "\"ret\":-111,\"errno\":\"ECONNREFUSED\",\"fd\":3,");
	expect_json_has(s, "\"state\":\"CLOSE\",\"cookie\":11,\"netns_ino\":4026531840,\"proto\":\"tcp\","
			"\"local\":\"10.0.1.2:41234\",\"remote\":null,");
	s->ret = -512;	/* kernel-internal errno */
	expect(s, TS " connect curl[101] fd 3 tcp 10.0.1.2:41234 -> 10.0.2.2:80 = -ERESTARTSYS\n", NULL);
	s->ret = -4000;	/* no name */
	expect(s, TS " connect curl[101] fd 3 tcp 10.0.1.2:41234 -> 10.0.2.2:80 = -4000\n", NULL);
	expect_json_has(s, "\"ret\":-4000,\"errno\":\"4000\",");
	s->flags = PT_SF_NOARGS;
	s->ret = -EINPROGRESS;
	expect(s, TS " connect curl[101] = -EINPROGRESS (entry not seen)\n", NULL);
	expect_json_has(s, "\"noargs\":true,");

	s = mksys(PT_CALL_ACCEPT4, mktask("nginx", 50, 52), 7, 6, 7, NULL);
	s->info = mksock(6, IPPROTO_TCP, "fd00::2", 80, "fd00::1", 41234);
	s->flags = PT_SF_CLOEXEC;
	expect(s, TS " accept4 nginx[50/52] fd 6 -> 7 tcp [fd00::2]:80 <- [fd00::1]:41234 cloexec\n", NULL);
	expect_json_has(s, "\"call\":\"accept4\",\"ret\":7,\"fd\":6,\"newfd\":7,\"newfd2\":-1,\"args\":[0,0,0],"
			"\"cloexec\":true,");
	expect_json_has(s, "\"family\":\"inet6\",\"type\":\"stream\",\"state\":\"ESTABLISHED\",\"cookie\":11,"
			"\"netns_ino\":4026531840,\"proto\":\"tcp\",\"local\":\"[fd00::2]:80\","
			"\"remote\":\"[fd00::1]:41234\",\"snd_seq\":1000,\"rcv_seq\":2000}}\n");
	s->ret = -EAGAIN;
	s->newfd = -1;
	expect(s, TS " accept4 nginx[50/52] fd 6 = -EAGAIN\n", NULL);

	s = mksys(PT_CALL_SOCKET, mktask("x", 1, 1), 3, -1, 3, NULL);
	s->arg[0] = AF_INET;
	s->arg[1] = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
	s->info = mksock(4, IPPROTO_TCP, NULL, 0, NULL, 0);
	s->info.sk_state = 7;
	expect(s, TS " socket x[1] AF_INET SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC 0 -> fd 3 tcp 0.0.0.0:0\n", NULL);
	expect_json_has(s, "\"args\":[2,526337,0],");
	s->arg[0] = AF_PACKET;
	s->arg[1] = SOCK_RAW;
	s->arg[2] = 768;
	s->ret = -EPERM;
	expect(s, TS " socket x[1] AF_PACKET SOCK_RAW 768 = -EPERM\n", NULL);

	s = mksys(PT_CALL_BIND, mktask("nginx", 50, 50), -EADDRINUSE, 6, -1, NULL);
	s->info = mksock(4, IPPROTO_TCP, NULL, 0, NULL, 0);
	s->flags = PT_SF_ADDR;
	s->addr_family = AF_INET;
	s->port = 80;
	expect(s, TS " bind nginx[50] fd 6 tcp 0.0.0.0:80 = -EADDRINUSE\n", NULL);
	s->call = PT_CALL_LISTEN;
	s->ret = 0;
	s->flags = 0;
	s->arg[0] = 511;
	s->info = (struct pt_fdinfo){ .kind = PT_FK_SOCKET, .sk_state = 10, .family = AF_UNIX, .type = SOCK_STREAM,
				      .ino = 5555 };
	expect(s, TS " listen nginx[50] fd 6 backlog 511 unix socket:[5555] = 0\n", NULL);
	expect_json_has(s, "\"fd_object\":{\"kind\":\"socket\",\"dev\":\"0:0\",\"ino\":5555,\"family\":\"unix\","
			"\"type\":\"stream\",\"state\":\"LISTEN\",\"cookie\":0,\"netns_ino\":0}}\n");
	s->call = PT_CALL_SHUTDOWN;
	s->arg[0] = 1;
	expect(s, TS " shutdown nginx[50] fd 6 SHUT_WR unix socket:[5555] = 0\n", NULL);
	s->call = 63;	/* a call this build does not know */
	expect(s, TS " call#63 nginx[50] fd 6 unix socket:[5555] = 0\n", NULL);
	expect_json_has(s, "\"call\":\"call#63\",");
}
END_TEST

START_TEST(sys_fd_table)
{
	struct pt_sys *s = mksys(PT_CALL_CLOSE, mktask("x", 1, 1), 0, 3, -1, NULL);

	expect(s, TS " close x[1] fd 3 = 0\n",
	       TASK_JSON("sys", 1, 1, "x") ",\"call\":\"close\",\"ret\":0,\"fd\":3,\"newfd\":-1,\"newfd2\":-1,"
	       "\"args\":[0,0,0],\"cloexec\":false,\"noargs\":false,\"fault\":false,\"fd_object\":null}\n");
	s->ret = -EBADF;
	expect(s, TS " close x[1] fd 3 = -EBADF\n", NULL);
	s = mksys(PT_CALL_DUP2, mktask("x", 1, 1), 1, 4, 1, NULL);
	expect(s, TS " dup2 x[1] 4 -> 1\n", NULL);
	s->ret = -EBADF;
	expect(s, TS " dup2 x[1] 4 -> 1 = -EBADF\n", NULL);
	s->call = PT_CALL_DUP3;
	s->ret = 1;
	s->flags = PT_SF_CLOEXEC;
	s->info = (struct pt_fdinfo){ .kind = PT_FK_PIPE, .dev = 13, .ino = 99 };
	expect(s, TS " dup3 x[1] 4 -> 1 cloexec pipe:[99]\n", NULL);
	s->call = PT_CALL_DUP;
	s->flags = 0;
	s->ret = -EMFILE;
	expect(s, TS " dup x[1] 4 pipe:[99] = -EMFILE\n", NULL);

	s->call = PT_CALL_PIPE2;
	s->ret = 0;
	s->fd = -1;
	s->newfd = 3;
	s->newfd2 = 4;
	s->arg[0] = 02000000 | 04000;	/* O_CLOEXEC | O_NONBLOCK */
	expect(s, TS " pipe2 x[1] O_NONBLOCK|O_CLOEXEC -> fds 3 4 pipe:[99]\n", NULL);
	expect_json_has(s, "\"fd\":-1,\"newfd\":3,\"newfd2\":4,\"args\":[526336,0,0],");
	expect_json_has(s, "\"fd_object\":{\"kind\":\"pipe\",\"dev\":\"0:13\",\"ino\":99}}\n");

	s->call = PT_CALL_FCNTL;
	s->fd = 3;
	s->newfd = 11;
	s->newfd2 = -1;
	s->ret = 11;
	s->arg[0] = 1030;	/* F_DUPFD_CLOEXEC */
	s->arg[1] = 10;
	expect(s, TS " fcntl x[1] fd 3 F_DUPFD_CLOEXEC 10 -> 11 pipe:[99]\n", NULL);
	s->arg[0] = 4;	/* F_SETFL */
	s->arg[1] = 04000;
	s->ret = 0;
	expect(s, TS " fcntl x[1] fd 3 F_SETFL 0x800 pipe:[99] = 0\n", NULL);

	s->call = PT_CALL_CLOSE_RANGE;
	s->newfd2 = -1;
	s->arg[0] = 4;
	expect(s, TS " close_range x[1] 3..max flags 0x4 = 0\n", NULL);
	s->newfd2 = 9;
	s->arg[0] = 0;
	expect(s, TS " close_range x[1] 3..9 = 0\n", NULL);
}
END_TEST

START_TEST(sys_open)
{
	struct pt_sys *s = mksys(PT_CALL_OPENAT, mktask("cat", 9, 9), 3, -1, 3, "/etc/hosts");

	s->flags = PT_SF_CLOEXEC;
	s->arg[0] = 02000000;	/* O_RDONLY | O_CLOEXEC */
	s->arg[2] = (__u64)-100;	/* AT_FDCWD */
	s->info = (struct pt_fdinfo){ .kind = PT_FK_FILE, .dev = 8 << 20 | 1, .ino = 1234 };
	expect(s, TS " openat cat[9] /etc/hosts O_RDONLY|O_CLOEXEC -> fd 3 file 8:1 ino 1234\n",
	       TASK_JSON("sys", 9, 9, "cat") ",\"call\":\"openat\",\"ret\":3,\"fd\":-1,\"newfd\":3,\"newfd2\":-1,"
	       "\"args\":[524288,0,18446744073709551516],\"cloexec\":true,\"noargs\":false,\"fault\":false,"
	       "\"path\":\"/etc/hosts\",\"path_truncated\":false,\"fd_object\":{\"kind\":\"file\",\"dev\":\"8:1\","
	       "\"ino\":1234,\"pos\":0}}\n");
	s = mksys(PT_CALL_OPENAT, mktask("cat", 9, 9), -ENOENT, -1, -1, "no such/it's\x01");
	s->arg[0] = 01 | 0100 | 01000;	/* O_WRONLY | O_CREAT | O_TRUNC */
	s->arg[1] = 0644;
	s->arg[2] = 5;
	s->flags = PT_SF_PATH_TRUNC | PT_SF_FAULT;
	expect(s, TS " openat cat[9] dirfd 5 $'no such/it\\'s\\x01'... O_WRONLY|O_CREAT|O_TRUNC mode 0644 = -ENOENT "
	       "[fault]\n", NULL);
	expect_json_has(s, "\"ret\":-2,\"errno\":\"ENOENT\",");
	expect_json_has(s, "\"fault\":true,\"path\":\"no such/it's\\u0001\",\"path_truncated\":true,\"fd_object\":null}");
	s->call = PT_CALL_OPEN;
	s->arg[0] = 04010002 | 020200000;	/* O_RDWR | O_SYNC | O_TMPFILE */
	s->arg[2] = (__u64)-100;
	s->flags = 0;
	s->ret = -EISDIR;
	expect(s, TS " open cat[9] $'no such/it\\'s\\x01' O_RDWR|O_SYNC|O_TMPFILE mode 0644 = -EISDIR\n", NULL);

	s = mksys(PT_CALL_SEED_FD, mktask("bash", 100, 100), 0, 0, -1, NULL);
	s->info = (struct pt_fdinfo){ .kind = PT_FK_CHR, .dev = 24, .ino = 3 };
	expect(s, TS " seed_fd bash[100] fd 0 chr 0:24 ino 3\n", NULL);
	expect_json_has(s, "\"call\":\"seed_fd\",");
}
END_TEST

START_TEST(data_records)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: 10.0.2.2\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
	struct pt_data *d = mkdata(PT_CALL_WRITE, PT_DIR_OUT, mktask("curl", 101, 101), 72, req, 72);

	d->info = mksock(4, IPPROTO_TCP, "10.0.1.2", 41234, "10.0.2.2", 80);
	expect(d, TS " write curl[101] fd 3 tcp 10.0.1.2:41234 -> 10.0.2.2:80 72 B "
	       "\"GET / HTTP/1.1\\r\\nHost: 10.0.2.2\\r\\nUser-Agent: curl/7.88.1\\r\\nAcc\"...\n",
	       TASK_JSON("data", 101, 101, "curl") ",\"call\":\"write\",\"ret\":72,\"fd\":3,\"fd2\":-1,\"dir\":\"out\","
	       "\"size\":72,\"captured\":72,\"offset\":null,\"msg_index\":0,\"flags\":[],\"fd_object\":{"
	       "\"kind\":\"socket\",\"dev\":\"0:8\",\"ino\":4242,\"family\":\"inet\",\"type\":\"stream\","
	       "\"state\":\"ESTABLISHED\",\"cookie\":11,\"netns_ino\":4026531840,\"proto\":\"tcp\","
	       "\"local\":\"10.0.1.2:41234\",\"remote\":\"10.0.2.2:80\",\"snd_seq\":1000,\"rcv_seq\":2000},"
	       "\"content\":\"474554202f20485454502f312e310d0a486f73743a2031302e302e322e320d0a557365722d4167656e743a"
	       "206375726c2f372e38382e310d0a4163636570743a202a2f2a0d0a0d0a\"}\n");
	/* 5000 bytes moved, --content kept 100, 72 inline (the rest in chunks) */
	d->ret = d->size = 5000;
	d->captured = 100;
	d->flags = PT_DAF_TRUNC;
	expect(d, TS " write curl[101] fd 3 tcp 10.0.1.2:41234 -> 10.0.2.2:80 5000 B "
	       "\"GET / HTTP/1.1\\r\\nHost: 10.0.2.2\\r\\nUser-Agent: curl/7.88.1\\r\\nAcc\"... "
	       "(captured 100 of 5000, truncated)\n", NULL);
	expect_json_has(d, "\"size\":5000,\"captured\":100,\"offset\":null,\"msg_index\":0,\"flags\":[\"truncated\"],");
	d->flags = PT_DAF_FAULT | PT_DAF_IOV_TRUNC;
	d->captured = 72;
	expect(d, TS " write curl[101] fd 3 tcp 10.0.1.2:41234 -> 10.0.2.2:80 5000 B "
	       "\"GET / HTTP/1.1\\r\\nHost: 10.0.2.2\\r\\nUser-Agent: curl/7.88.1\\r\\nAcc\"... "
	       "(captured 72 of 5000, fault, iovecs cut)\n", NULL);
	expect_json_has(d, "\"flags\":[\"fault\",\"iov_truncated\"],");

	/* a short reply read back: src is the remote end */
	d = mkdata(PT_CALL_READ, PT_DIR_IN, mktask("curl", 101, 101), 17, "HTTP/1.1 200 OK\r\n", 17);
	d->info = mksock(4, IPPROTO_TCP, "10.0.1.2", 41234, "10.0.2.2", 80);
	expect(d, TS " read curl[101] fd 3 tcp 10.0.1.2:41234 <- 10.0.2.2:80 17 B \"HTTP/1.1 200 OK\\r\\n\"\n", NULL);
	expect_json_has(d, "\"dir\":\"in\",\"size\":17,\"captured\":17,");

	/* a file read without content: the object is its device and inode */
	d = mkdata(PT_CALL_PREAD64, PT_DIR_IN, mktask("cat", 9, 9), 512, NULL, 0);
	d->offset = 4096;
	d->info = (struct pt_fdinfo){ .kind = PT_FK_FILE, .dev = 8 << 20 | 1, .ino = 1234, .pos = 4608 };
	expect(d, TS " pread64 cat[9] fd 3 file 8:1 ino 1234 512 B at 4096\n",
	       TASK_JSON("data", 9, 9, "cat") ",\"call\":\"pread64\",\"ret\":512,\"fd\":3,\"fd2\":-1,\"dir\":\"in\","
	       "\"size\":512,\"captured\":0,\"offset\":4096,\"msg_index\":0,\"flags\":[],\"fd_object\":{"
	       "\"kind\":\"file\",\"dev\":\"8:1\",\"ino\":1234,\"pos\":4608},\"content\":\"\"}\n");
	d->call = PT_CALL_READ;
	d->offset = -1;
	d->ret = -EAGAIN;
	d->size = 0;
	expect(d, TS " read cat[9] fd 3 file 8:1 ino 1234 = -EAGAIN\n", NULL);
	expect_json_has(d, "\"ret\":-11,\"errno\":\"EAGAIN\",");
	d->flags = PT_DAF_NOARGS;
	d->ret = 512;
	expect(d, TS " read cat[9] = 512 (entry not seen)\n", NULL);
	expect_json_has(d, "\"flags\":[\"noargs\"],");
}
END_TEST

START_TEST(data_peers_and_binary)
{
	unsigned char bin[100];
	struct pt_data *d = mkdata(PT_CALL_SENDTO, PT_DIR_OUT, mktask("avahi", 30, 30), 4, "\x00\x01\xff\x7f", 4);

	/* an unconnected UDP socket: the call's destination is the remote end */
	d->info = mksock(4, IPPROTO_UDP, NULL, 5353, NULL, 0);
	d->info.sk_state = 7;
	d->flags = PT_DAF_ADDR;
	d->peer_family = AF_INET;
	d->peer_port = 5353;
	inet_pton(AF_INET, "224.0.0.251", d->peer_addr);
	expect(d, TS " sendto avahi[30] fd 3 udp 0.0.0.0:5353 -> 224.0.0.251:5353 4 B \"\\x00\\x01\\xff\\x7f\"\n", NULL);
	expect_json_has(d, "\"flags\":[],\"peer\":\"224.0.0.251:5353\",\"fd_object\":{");
	expect_json_has(d, "\"local\":\"0.0.0.0:5353\",\"remote\":null},\"content\":\"0001ff7f\"}\n");
	d->call = PT_CALL_RECVFROM;
	d->dir = PT_DIR_IN;
	d->peer_family = AF_INET6;
	inet_pton(AF_INET6, "fe80::1", d->peer_addr);
	d->info = mksock(6, IPPROTO_UDP, "::", 5353, NULL, 0);
	expect(d, TS " recvfrom avahi[30] fd 3 udp [::]:5353 <- [fe80::1]:5353 4 B \"\\x00\\x01\\xff\\x7f\"\n", NULL);
	expect_json_has(d, "\"peer\":\"[fe80::1]:5353\",");
	d->peer_family = AF_UNIX;
	expect_json_has(d, "\"peer\":null,");

	d->call = PT_CALL_RECVMMSG;
	d->flags = PT_DAF_MMSG_TRUNC;
	d->msg_index = 2;
	d->info = (struct pt_fdinfo){ .kind = PT_FK_SOCKET, .sk_state = 1, .family = AF_UNIX, .type = SOCK_DGRAM,
				      .ino = 77 };
	expect(d, TS " recvmmsg avahi[30] fd 3 msg 2 unix socket:[77] 4 B \"\\x00\\x01\\xff\\x7f\" "
	       "(captured 4 of 4, messages cut)\n", NULL);
	expect_json_has(d, "\"msg_index\":2,\"flags\":[\"mmsg_truncated\"],");
	expect_json_has(d, "\"family\":\"unix\",\"type\":\"dgram\",\"state\":\"ESTABLISHED\",\"cookie\":0,"
			"\"netns_ino\":0},\"content\":\"0001ff7f\"}\n");

	/* sendfile: no content */
	d = mkdata(PT_CALL_SENDFILE, PT_DIR_OUT, mktask("nginx", 50, 50), 1000, NULL, 0);
	d->fd = 6;
	d->fd2 = 7;
	d->flags = PT_DAF_NOCONTENT;
	d->info = mksock(4, IPPROTO_TCP, "10.0.2.2", 80, "10.0.1.2", 41234);
	expect(d, TS " sendfile nginx[50] fd 6 tcp 10.0.2.2:80 -> 10.0.1.2:41234 1000 B from fd 7\n", NULL);
	expect_json_has(d, "\"fd\":6,\"fd2\":7,\"dir\":\"out\",\"size\":1000,\"captured\":0,\"offset\":null,"
			"\"msg_index\":0,\"flags\":[\"nocontent\"],");

	/* binary content: at most 60 bytes shown, escaped; cap_len beyond the record is cut to it */
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 37);
	d = mkdata(PT_CALL_WRITE, PT_DIR_OUT, mktask("x", 1, 1), 100, bin, 100);
	{
		char *s = render(d, false);
		size_t q = strcspn(s, "\"");
		const char *want = "\"\\x00%Jo\\x94\\xb9\\xde\\x03(Mr\\x97\\xbc";

		ck_assert_msg(!strncmp(s + q, want, strlen(want)), "%s", s);
		ck_assert_ptr_nonnull(strstr(s, "\"...\n"));
		free(s);
	}
	d->cap_len = 5000;
	expect_json_has(d, "\"captured\":100,");
	{
		char *s = render_json(d);

		ck_assert_uint_eq(strlen(strstr(s, "\"content\":\"")), strlen("\"content\":\"\"}\n") + 200);
		free(s);
	}
}
END_TEST

START_TEST(chunk_and_proc_loss)
{
	struct pt_chunk *c = (struct pt_chunk *)rbuf;
	struct pt_loss_rec l = { .type = PT_REC_LOSS, .len = sizeof(l), .point = PT_PROC_LOSS_POINT(PT_PC_DATA),
				 .boottime_ns = 1000, .lost = 12, .lost_total = 40 };

	memset(rbuf, 0, sizeof(rbuf));
	*c = (struct pt_chunk){ .type = PT_REC_CHUNK, .len = sizeof(*c) + 3, .tid = 101, .ts_ns = 5000000123ULL,
				.off = 4096, .msg_index = 1 };
	memcpy(c + 1, "a\"\xff", 3);
	expect(c, "", "{\"type\":\"chunk\",\"ts\":\"" TS "\",\"ts_ns\":5000000123,\"tid\":101,\"off\":4096,\"msg_index\":1,"
	       "\"len\":3,\"content\":\"6122ff\"}\n");
	expect(&l, "2023-11-14T22:13:20.000001000Z loss proc-probes/data: 12 record(s) lost (40 in all), ring buffer "
	       "full (reload the process probes with a larger --proc-ring-mb)\n",
	       "{\"type\":\"loss\",\"ts\":\"2023-11-14T22:13:20.000001000Z\",\"point\":\"proc-probes/data\","
	       "\"point_id\":65522,\"probe\":\"proc\",\"category\":\"data\",\"lost\":12,\"lost_total\":40}\n");
	l.point = PT_PROC_LOSS_POINT(PT_PC_CHUNK);
	expect_json_has(&l, "\"point\":\"proc-probes/chunk\",\"point_id\":65523,\"probe\":\"proc\",\"category\":\"chunk\"");
	l.point = PT_PROC_LOSS_POINT(PT_PC_MAX);	/* not the family's: an unknown capture point */
	expect_json_has(&l, "\"point\":\"point#65524\"");
}
END_TEST

START_TEST(proc_short_records)
{
	static const struct { __u16 type; size_t size; } kinds[] = {
		{ PT_REC_PROC, sizeof(struct pt_proc) }, { PT_REC_SYS, sizeof(struct pt_sys) },
		{ PT_REC_DATA, sizeof(struct pt_data) }, { PT_REC_CHUNK, sizeof(struct pt_chunk) },
	};
	struct pt_rec_hdr *h = (struct pt_rec_hdr *)rbuf;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char *s;

		memset(rbuf, 0, sizeof(rbuf));
		h->type = kinds[i].type;
		h->len = kinds[i].size - 1;
		s = render(h, false);
		ck_assert_str_eq(s, "");
		free(s);
		s = render(h, true);
		ck_assert_str_eq(s, "");
		free(s);
		h->len = kinds[i].size;	/* all zero but complete: renders, valid */
		s = render_json(h);
		ck_assert_uint_gt(strlen(s), 0);
		free(s);
	}
}
END_TEST

/* Random bytes in every string and length field: one line of text, valid JSON. */
START_TEST(proc_fuzz_json_valid)
{
	unsigned int seed = 7;

	for (int round = 0; round < 2000; round++) {
		static const __u16 types[] = { PT_REC_PROC, PT_REC_SYS, PT_REC_DATA, PT_REC_CHUNK };
		static const size_t sizes[] = { sizeof(struct pt_proc), sizeof(struct pt_sys), sizeof(struct pt_data),
						sizeof(struct pt_chunk) };
		struct pt_rec_hdr *h = (struct pt_rec_hdr *)rbuf;
		int k = round % 4;
		size_t extra, i;
		size_t nl;
		char *s;

		for (i = 0; i < sizeof(struct pt_data) + 600; i++) {
			seed = seed * 1103515245 + 12345;
			rbuf[i] = (unsigned char)(seed >> 16);
		}
		extra = (seed >> 8) % 600;
		h->type = types[k];
		h->len = (__u16)(sizes[k] + extra);
		s = render_json(h);
		free(s);
		s = render(h, false);
		nl = strcspn(s, "\n");
		ck_assert_msg(k == 3 || (s[nl] == '\n' && !s[nl + 1]), "not one line: %s", s);
		free(s);
	}
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
	tcase_add_test(tc, json_checker_self_test);
	tcase_add_test(tc, json_str_any_bytes);
	tcase_add_test(tc, proc_fork_exec_exit);
	tcase_add_test(tc, proc_hostile_strings);
	tcase_add_test(tc, sys_sockets);
	tcase_add_test(tc, sys_fd_table);
	tcase_add_test(tc, sys_open);
	tcase_add_test(tc, data_records);
	tcase_add_test(tc, data_peers_and_binary);
	tcase_add_test(tc, chunk_and_proc_loss);
	tcase_add_test(tc, proc_short_records);
	tcase_add_test(tc, proc_fuzz_json_valid);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pt_check_run(suite());
}
