// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_filter.c — filter expressions: parsing, errors with positions, matching
 * on hand-built records, compilation to kernel rules, and the property that the
 * compiled policy and the parsed expression agree on every packet.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "query/filter.h"
#include "bpf/proc.h"
#include "tests/support/checkrun.h"

enum { F_ICMP_ID = 7 };	/* ICMP echo identifier, stored in sport */

static void set_addr(__u8 *dst, int fam, const char *a)
{
	memset(dst, 0, 16);
	ck_assert_msg(inet_pton(fam == 4 ? AF_INET : AF_INET6, a, dst) == 1, "bad test address %s", a);
}

/* An IP record with L4 parsed (TCP/UDP ports, ICMP id/seq in the port fields). */
static struct pt_pkt mkpkt(int fam, const char *s, const char *d, __u8 proto, __u16 sp, __u16 dp)
{
	struct pt_pkt p = { .type = PT_REC_PKT, .len = sizeof(p) };

	p.flags = (fam == 4 ? PT_PF_IPV4 : PT_PF_IPV6) | PT_PF_L4;
	set_addr(p.saddr, fam, s);
	set_addr(p.daddr, fam, d);
	p.l4proto = proto;
	p.sport = sp;
	p.dport = dp;
	return p;
}

/* A non-first IP fragment: l4proto known, no L4 header, ports 0. */
static struct pt_pkt mkfrag(int fam, const char *s, const char *d, __u8 proto)
{
	struct pt_pkt p = mkpkt(fam, s, d, proto, 0, 0);

	p.flags = (p.flags & ~PT_PF_L4) | PT_PF_FRAG;
	p.frag_off = 1480;
	return p;
}

static struct pt_pkt mkvxlan(struct pt_pkt p, __u32 vni)
{
	p.flags |= PT_PF_VXLAN;
	p.vni = vni;
	set_addr(p.outer_saddr, 4, "198.51.100.1");
	set_addr(p.outer_daddr, 4, "198.51.100.2");
	return p;
}

/* ARP or anything else that is not IP: all identity fields 0. */
static struct pt_pkt mknonip(void)
{
	struct pt_pkt p = { .type = PT_REC_PKT, .len = sizeof(p), .wire_len = 42 };

	return p;
}

static struct pt_filter *parse_ok(const char *expr)
{
	struct pt_filter_err err;
	struct pt_filter *f = NULL;
	int rc = pt_filter_parse(expr, &f, &err);

	ck_assert_msg(rc == 0, "parse \"%s\": rc %d at %d: %s", expr, rc, err.pos, err.msg);
	ck_assert_ptr_nonnull(f);
	return f;
}

static bool matches(const char *expr, const struct pt_pkt *p)
{
	struct pt_filter *f = parse_ok(expr);
	bool m = pt_filter_match(f, p, NULL);

	pt_filter_free(f);
	return m;
}

/* Compile expr; returns rule count, policy in *pol. */
static int compile_ok(const char *expr, struct pt_policy *pol)
{
	struct pt_filter *f = parse_ok(expr);
	struct pt_filter_err err;
	int rc = pt_filter_compile(f, pol, &err);

	ck_assert_msg(rc == 0, "compile \"%s\": rc %d: %s", expr, rc, err.msg);
	pt_filter_free(f);
	return (int)pol->nrules;
}

START_TEST(test_match_l3_l4)
{
	struct pt_pkt t4 = mkpkt(4, "10.0.0.1", "10.0.2.2", IPPROTO_TCP, 40000, 80);
	struct pt_pkt u4 = mkpkt(4, "10.0.2.2", "192.168.1.10", IPPROTO_UDP, 53, 5353);
	struct pt_pkt i4 = mkpkt(4, "10.0.0.1", "10.0.2.2", IPPROTO_ICMP, 80, 1);
	struct pt_pkt t6 = mkpkt(6, "fd00::1", "2001:db8::5", IPPROTO_TCP, 443, 51000);
	struct pt_pkt i6 = mkpkt(6, "fd00::2", "fd00::1", IPPROTO_ICMPV6, F_ICMP_ID, 3);
	struct pt_pkt fr = mkfrag(4, "10.0.0.1", "10.0.2.2", IPPROTO_TCP);
	struct pt_pkt na = mknonip();

	ck_assert(matches("tcp", &t4));
	ck_assert(!matches("tcp", &u4));
	ck_assert(matches("udp", &u4));
	ck_assert(matches("icmp", &i4));
	ck_assert(!matches("icmp", &i6));
	ck_assert(matches("icmp6", &i6));
	ck_assert(matches("ip", &t4));
	ck_assert(!matches("ip", &t6));
	ck_assert(matches("ip6", &t6));
	ck_assert(!matches("ip", &na));
	ck_assert(!matches("ip6", &na));
	ck_assert(matches("proto 6", &t4));
	ck_assert(matches("proto udp", &u4));
	ck_assert(matches("proto icmp6", &i6));
	ck_assert(matches("ip proto 17", &u4));
	ck_assert(!matches("ip6 proto 17", &u4));
	ck_assert(!matches("proto 0", &na));	/* non-IP has l4proto 0 but no protocol */

	ck_assert(matches("host 10.0.2.2", &t4));
	ck_assert(matches("host 10.0.2.2", &u4));
	ck_assert(!matches("host 10.0.2.3", &t4));
	ck_assert(matches("src host 10.0.0.1", &t4));
	ck_assert(!matches("dst host 10.0.0.1", &t4));
	ck_assert(matches("src or dst host 10.0.0.1", &t4));
	ck_assert(!matches("src and dst host 10.0.0.1", &t4));
	ck_assert(matches("src and dst net 10.0.0.0/16", &t4));
	ck_assert(matches("dst and src net 10.0.0.0/16", &t4));
	ck_assert(!matches("src and dst net 10.0.0.0/16", &u4));
	ck_assert(matches("net 10.0.0.0/8", &u4));
	ck_assert(matches("net 10.0.0.0 mask 255.0.0.0", &u4));
	ck_assert(matches("dst net 192.168.0.0/16", &u4));
	ck_assert(!matches("src net 192.168.0.0/16", &u4));
	ck_assert(matches("net 0.0.0.0/0", &t4));
	ck_assert(!matches("net 0.0.0.0/0", &t6));	/* an IPv4 net never matches IPv6 */
	ck_assert(!matches("net ::/0", &t4));
	ck_assert(matches("net ::/0", &t6));
	ck_assert(matches("net 2001:db8::/32", &t6));
	ck_assert(matches("dst net 2001:db8::/32", &t6));
	ck_assert(!matches("src net 2001:db8::/32", &t6));
	ck_assert(matches("host fd00::1", &i6));
	ck_assert(matches("host FD00:0:0::1", &i6));
	ck_assert(!matches("host 10.0.0.1", &na));

	ck_assert(matches("port 80", &t4));
	ck_assert(matches("dst port 80", &t4));
	ck_assert(!matches("src port 80", &t4));
	ck_assert(matches("src port 53", &u4));
	ck_assert(matches("portrange 5000-6000", &u4));
	ck_assert(matches("src portrange 50-53", &u4));
	ck_assert(!matches("dst portrange 50-53", &u4));
	ck_assert(matches("src and dst portrange 53-5353", &u4));
	ck_assert(matches("port 443", &t6));
	ck_assert(!matches("port 80", &i4));	/* ICMP id 80 is not a port */
	ck_assert(!matches("port 0", &fr));	/* fragment without L4: no ports */
	ck_assert(!matches("portrange 0-65535", &fr));
	ck_assert(matches("tcp", &fr));
	ck_assert(matches("host 10.0.2.2", &fr));
	ck_assert(!matches("port 0", &na));
}
END_TEST

START_TEST(test_match_vxlan_and_logic)
{
	struct pt_pkt v = mkvxlan(mkpkt(4, "172.16.0.5", "172.16.0.6", IPPROTO_TCP, 1234, 22), 4242);
	struct pt_pkt t4 = mkpkt(4, "10.0.0.1", "10.0.2.2", IPPROTO_TCP, 40000, 80);
	struct pt_pkt u4 = mkpkt(4, "10.0.2.2", "10.0.0.9", IPPROTO_UDP, 53, 5353);

	ck_assert(matches("vni 4242", &v));
	ck_assert(!matches("vni 4243", &v));
	ck_assert(!matches("vni 0", &t4));	/* not VXLAN: vni never matches */
	ck_assert(matches("vni 4242 and host 172.16.0.6 and port 22", &v));
	ck_assert(!matches("host 198.51.100.1", &v));	/* outer addresses are not the identity */
	ck_assert(matches("vni 16777215 or tcp", &v));

	/* precedence: not > and > or, left to right */
	ck_assert(matches("not tcp and udp", &u4));
	ck_assert(!matches("not tcp and udp", &t4));
	ck_assert(matches("tcp or udp and icmp", &t4));
	ck_assert(!matches("tcp or udp and icmp", &u4));
	ck_assert(!matches("(tcp or udp) and icmp", &t4));
	ck_assert(matches("! tcp && udp", &u4));
	ck_assert(matches("!tcp&&udp||icmp", &u4));
	ck_assert(matches("not not tcp", &t4));
	ck_assert(matches("not (udp or icmp)", &t4));
	ck_assert(matches("((((tcp))))", &t4));
	ck_assert(matches("", &t4));
	ck_assert(matches("  \t ", &u4));

	/* tcpdump conveniences: qualifier reuse and a protocol prefix */
	ck_assert(matches("host 10.9.9.9 or 10.0.2.2", &t4));
	ck_assert(matches("src port 1 or 53", &u4));
	ck_assert(!matches("src port 1 or 5353", &u4));
	ck_assert(matches("host 10.9.9.9 or not 10.8.8.8", &u4));
	ck_assert(matches("tcp port 80", &t4));
	ck_assert(!matches("udp port 80", &t4));
	ck_assert(!matches("tcp port 1 or 53", &u4));	/* = tcp port 1 or tcp port 53 */
	ck_assert(matches("udp port 1 or 53", &u4));
	ck_assert(matches("ip src net 10.0.0.0/8", &u4));
	ck_assert(!matches("ip6 host 10.0.2.2", &u4));
}
END_TEST

START_TEST(test_point)
{
	struct pt_pkt t4 = mkpkt(4, "10.0.0.1", "10.0.2.2", IPPROTO_TCP, 40000, 80);
	struct pt_point_names in = { .full = "veth0@ns1:in", .alias = "web" };
	struct pt_point_names out = { .full = "eth0:out", .alias = NULL };
	struct pt_filter *f = parse_ok("point veth0@ns1 and tcp");
	struct pt_filter_err err;
	struct pt_policy pol;

	ck_assert(pt_filter_uses_point(f));
	ck_assert(pt_filter_match(f, &t4, &in));
	ck_assert(!pt_filter_match(f, &t4, &out));
	ck_assert(!pt_filter_match(f, &t4, NULL));
	ck_assert_int_eq(pt_filter_compile(f, &pol, &err), -EINVAL);
	ck_assert_int_eq(err.pos, 0);
	ck_assert_str_eq(err.msg, "point is a user-space filter; not available in the kernel");
	pt_filter_free(f);

	f = parse_ok("tcp and not point web");
	ck_assert(!pt_filter_match(f, &t4, &in));
	ck_assert(pt_filter_match(f, &t4, &out));
	ck_assert_int_eq(pt_filter_compile(f, &pol, &err), -EINVAL);
	ck_assert_int_eq(err.pos, 12);
	pt_filter_free(f);

	f = parse_ok("point eth0:out");
	ck_assert(pt_filter_match(f, &t4, &out));
	ck_assert(!pt_filter_match(f, &t4, &in));
	pt_filter_free(f);
	f = parse_ok("point eth0");
	ck_assert(pt_filter_match(f, &t4, &out));
	pt_filter_free(f);
	f = parse_ok("point eth");	/* a prefix is not the name */
	ck_assert(!pt_filter_match(f, &t4, &out));
	ck_assert(!pt_filter_uses_point(NULL));
	pt_filter_free(f);
	f = parse_ok("tcp");
	ck_assert(!pt_filter_uses_point(f));
	pt_filter_free(f);
	/* which named point no capture point is */
	const struct pt_point_names both[2] = { in, out };
	f = parse_ok("point web or (tcp and not point eth0) or point veth0@ns1:in");
	ck_assert_ptr_null(pt_filter_point_unknown(f, both, 2));
	ck_assert_str_eq(pt_filter_point_unknown(f, &out, 1), "web");
	ck_assert_str_eq(pt_filter_point_unknown(f, &in, 1), "eth0");
	pt_filter_free(f);
	f = parse_ok("tcp");
	ck_assert_ptr_null(pt_filter_point_unknown(f, NULL, 0));
	pt_filter_free(f);
}
END_TEST

START_TEST(test_text_and_null)
{
	struct pt_filter *f = parse_ok("tcp  and port 80");
	struct pt_pkt na = mknonip();
	struct pt_filter_err err;
	struct pt_policy pol;

	ck_assert_str_eq(pt_filter_text(f), "tcp  and port 80");
	pt_filter_free(f);
	f = parse_ok("");
	ck_assert_str_eq(pt_filter_text(f), "");
	pt_filter_free(f);
	ck_assert_str_eq(pt_filter_text(NULL), "");
	pt_filter_free(NULL);
	ck_assert(pt_filter_match(NULL, &na, NULL));
	memset(&pol, 0xab, sizeof(pol));
	ck_assert_int_eq(pt_filter_compile(NULL, &pol, &err), 0);
	ck_assert_uint_eq(pol.nrules, 0);
	ck_assert_uint_eq(pol.default_action, PT_ACT_INCLUDE);
}
END_TEST

struct bad_case {
	const char *expr;
	int pos;
	const char *msg;	/* exact message, or a fragment when partial */
	int partial;
};

static const struct bad_case bad_cases[] = {
	{ "port http", 5, "expected a port number after \"port\", got \"http\"" },
	{ "port", 4, "expected a port number after \"port\", got end of expression" },
	{ "port 65536", 5, "port \"65536\" out of range (0..65535)" },
	{ "port -1", 5, "expected a port number after \"port\", got \"-1\"" },
	{ "portrange 2000-1000", 10, "port range \"2000-1000\" is reversed (2000 > 1000)" },
	{ "portrange 80", 10, "expected a port range N-M after \"portrange\", got \"80\"" },
	{ "portrange 1-70000", 10, "port range \"1-70000\" out of range (0..65535)" },
	{ "host", 4, "expected an IPv4 or IPv6 address after \"host\", got end of expression" },
	{ "host example.com", 5, "expected an IPv4 or IPv6 address after \"host\", got \"example.com\"" },
	{ "host 10.0.0.0/8", 5, "expected an address after \"host\", got \"10.0.0.0/8\" (use \"net\" for a prefix)" },
	{ "host 1.2.3.4 or foo", 16, "\"foo\" is not supported by provtap filters" },
	{ "host 1.2.3.4 or 5.6.7", 16, "expected an IPv4 or IPv6 address after \"host\", got \"5.6.7\"" },
	{ "net 10.0.0.0/33", 13, "prefix length /33 out of range for IPv4 (0..32)" },
	{ "net fd00::/129", 11, "prefix length /129 out of range for IPv6 (0..128)" },
	{ "net 10.0.0.0/", 13, "expected a prefix length after \"/\" in \"10.0.0.0/\"" },
	{ "net 10.0.0.1/8", 4, "\"10.0.0.1/8\" has host bits set outside the prefix (network is 10.0.0.0)" },
	{ "net 10.0.0.0 mask 255.0.255.0", 18, "netmask 255.0.255.0 is not a contiguous prefix mask" },
	{ "net 10.0.0.0 mask ffff::", 18, "netmask ffff:: is IPv6 but the address is IPv4" },
	{ "net 10.0.0.0 mask", 17, "expected a netmask after \"mask\", got end of expression" },
	{ "vni 16777216", 4, "vni \"16777216\" out of range (0..16777215)" },
	{ "vni x", 4, "expected a VNI number after \"vni\", got \"x\"" },
	{ "proto 256", 6, "protocol number \"256\" out of range (0..255)" },
	{ "proto sctp", 6, "expected a protocol number or tcp, udp, icmp, icmp6 after \"proto\", got \"sctp\"" },
	{ "point", 5, "expected a capture point name after \"point\", got end of expression" },
	{ "ether host 1.2.3.4", 0, "\"ether\" is not supported by provtap filters" },
	{ "tcp and vlan 10", 8, "\"vlan\" is not supported by provtap filters" },
	{ "greater 100", 0, "\"greater\" is not supported by provtap filters" },
	{ "tcp[13] & 2 != 0", 0, "\"tcp[13]\" is not supported by provtap filters" },
	{ "80", 0, "expected a filter primitive (host, net, port, tcp, ...) before \"80\"" },
	{ "tcp and 80", 8, "expected a filter primitive (host, net, port, tcp, ...) before \"80\"" },
	{ "tcp udp", 4, "expected \"and\", \"or\" or end of expression, got \"udp\"" },
	{ "host 1.2.3.4 5.6.7.8", 13, "expected \"and\", \"or\" or end of expression, got \"5.6.7.8\"" },
	{ "tcp & udp", 4, "expected \"&&\", got a single \"&\"" },
	{ "tcp | udp", 4, "expected \"||\", got a single \"|\"" },
	{ "tcp and", 7, "expected a filter primitive after \"and\", got end of expression" },
	{ "not", 3, "expected a filter primitive after \"not\", got end of expression" },
	{ "and tcp", 0, "expected a filter primitive, got \"and\"" },
	{ "src tcp", 4, "expected host, net, port or portrange after \"src\", got \"tcp\"" },
	{ "src or dst", 10, "expected host, net, port or portrange after \"dst\", got end of expression" },
	{ "(tcp", 0, "unbalanced parentheses: this \"(\" is never closed" },
	{ "udp or ((tcp)", 7, "unbalanced parentheses: this \"(\" is never closed" },
	{ "tcp)", 3, "unbalanced parentheses: \")\" without a matching \"(\"" },
	{ "()", 1, "empty parentheses: expected an expression before \")\"" },
	{ "tcp and ( )", 10, "empty parentheses: expected an expression before \")\"" },
	{ "(tcp udp)", 5, "expected \"and\", \"or\" or \")\", got \"udp\"" },
	{ "tcp or (udp and", 15, "expected a filter primitive after \"and\", got end of expression" },
	{ "TCP", 0, "\"TCP\" is not supported by provtap filters" },
	{ "comm", 4, "expected a process name after \"comm\", got end of expression" },
	{ "proc comm", 9, "expected a process name after \"comm\", got end of expression" },
	{ "comm ()", 5, "expected a process name after \"comm\", got \"(\"" },
	{ "comm \"\"", 5, "expected a process name after \"comm\", got an empty name" },
	{ "comm \"Web Content", 5, "unterminated quoted name: no closing '\"'" },
	{ "pid x", 4, "expected a process id after \"pid\", got \"x\"" },
	{ "proc pid", 8, "expected a process id after \"pid\", got end of expression" },
	{ "tid -1", 4, "expected a thread id after \"tid\", got \"-1\"" },
	{ "pid 4194304", 4, "process id \"4194304\" out of range (0..4194303)" },
	{ "pid 1 or 2", 9, "expected a filter primitive (host, net, port, tcp, ...) before \"2\"" },
	{ "proc port 80", 5, "expected \"and\", \"or\" or end of expression, got \"port\"" },
	{ "\"tcp\"", 0, "expected a filter primitive, got \"tcp\"" },
	{ "point \"\"", 6, "expected a capture point name after \"point\", got an empty name" },
};

START_TEST(test_bad_expressions)
{
	const struct bad_case *c = &bad_cases[_i];
	struct pt_filter *f = (struct pt_filter *)0x1;
	struct pt_filter_err err;
	int rc = pt_filter_parse(c->expr, &f, &err);

	ck_assert_msg(rc == -EINVAL, "\"%s\": rc %d", c->expr, rc);
	ck_assert_ptr_eq(f, (struct pt_filter *)0x1);
	ck_assert_msg(err.pos == c->pos, "\"%s\": pos %d, want %d (%s)", c->expr, err.pos, c->pos, err.msg);
	ck_assert_msg(!strcmp(err.msg, c->msg), "\"%s\": msg '%s', want '%s'", c->expr, err.msg, c->msg);
}
END_TEST

START_TEST(test_deep_nesting)
{
	char expr[8192];
	struct pt_filter_err err;
	struct pt_filter *f = NULL;
	int i, n = 0;

	for (i = 0; i < 2000; i++)
		expr[n++] = '(';
	strcpy(expr + n, "tcp");
	ck_assert_int_eq(pt_filter_parse(expr, &f, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "expression nested too deeply (more than 1000 levels)");
	ck_assert_ptr_null(f);
}
END_TEST

static void assert_rule_addr(const __u32 *net, const __u32 *mask, const char *a, int plen)
{
	__u32 want = 0;

	ck_assert_int_eq(inet_pton(AF_INET, a, &want), 1);
	ck_assert_uint_eq(net[0], want);
	ck_assert_uint_eq(mask[0], htonl(plen ? 0xffffffffu << (32 - plen) : 0));
	ck_assert_uint_eq(net[1] | net[2] | net[3] | mask[1] | mask[2] | mask[3], 0);
}

START_TEST(test_compile_exact)
{
	struct pt_policy pol;

	ck_assert_int_eq(compile_ok("", &pol), 0);
	ck_assert_uint_eq(pol.default_action, PT_ACT_INCLUDE);

	ck_assert_int_eq(compile_ok("tcp", &pol), 1);
	ck_assert_uint_eq(pol.rules[0].has, PT_RH_PROTO);
	ck_assert_uint_eq(pol.rules[0].proto, IPPROTO_TCP);
	ck_assert_uint_eq(pol.rules[0].action, PT_ACT_INCLUDE);
	ck_assert_uint_eq(pol.default_action, PT_ACT_EXCLUDE);

	ck_assert_int_eq(compile_ok("host 10.0.2.2", &pol), 2);
	ck_assert_uint_eq(pol.rules[0].has, PT_RH_SRC | PT_RH_FAMILY);
	ck_assert_uint_eq(pol.rules[0].family, 4);
	assert_rule_addr(pol.rules[0].src, pol.rules[0].src_mask, "10.0.2.2", 32);
	ck_assert_uint_eq(pol.rules[1].has, PT_RH_DST | PT_RH_FAMILY);
	assert_rule_addr(pol.rules[1].dst, pol.rules[1].dst_mask, "10.0.2.2", 32);
	ck_assert_uint_eq(pol.default_action, PT_ACT_EXCLUDE);

	ck_assert_int_eq(compile_ok("not src net 10.0.0.0/8", &pol), 1);
	assert_rule_addr(pol.rules[0].src, pol.rules[0].src_mask, "10.0.0.0", 8);
	ck_assert_uint_eq(pol.rules[0].action, PT_ACT_EXCLUDE);
	ck_assert_uint_eq(pol.default_action, PT_ACT_INCLUDE);

	ck_assert_int_eq(compile_ok("dst portrange 1000-2000", &pol), 1);
	ck_assert_uint_eq(pol.rules[0].has, PT_RH_DPORT);
	ck_assert_uint_eq(pol.rules[0].dport_lo, 1000);
	ck_assert_uint_eq(pol.rules[0].dport_hi, 2000);

	/* adjacent ports and sibling prefixes merge */
	ck_assert_int_eq(compile_ok("src port 80 or src port 81 or src port 79", &pol), 1);
	ck_assert_uint_eq(pol.rules[0].sport_lo, 79);
	ck_assert_uint_eq(pol.rules[0].sport_hi, 81);
	ck_assert_int_eq(compile_ok("src net 10.0.0.0/25 or src net 10.0.0.128/25", &pol), 1);
	assert_rule_addr(pol.rules[0].src, pol.rules[0].src_mask, "10.0.0.0", 24);

	ck_assert_int_eq(compile_ok("dst host fd00::1:2", &pol), 1);
	ck_assert_uint_eq(pol.rules[0].has, PT_RH_DST | PT_RH_FAMILY);
	ck_assert_uint_eq(pol.rules[0].family, 6);
	ck_assert_uint_eq(pol.rules[0].dst[0], htonl(0xfd000000));
	ck_assert_uint_eq(pol.rules[0].dst[1] | pol.rules[0].dst[2], 0);
	ck_assert_uint_eq(pol.rules[0].dst[3], htonl(0x00010002));
	ck_assert_uint_eq(pol.rules[0].dst_mask[0] & pol.rules[0].dst_mask[1] & pol.rules[0].dst_mask[2] &
			  pol.rules[0].dst_mask[3], 0xffffffffu);

	ck_assert_int_eq(compile_ok("ip6 proto 0", &pol), 1);
	ck_assert_uint_eq(pol.rules[0].has, PT_RH_PROTO | PT_RH_FAMILY);
	ck_assert_uint_eq(pol.rules[0].family, 6);
	ck_assert_uint_eq(pol.rules[0].proto, 0);
	ck_assert_int_eq(compile_ok("proto 0", &pol), 2);	/* one per family: non-IP has l4proto 0 */

	ck_assert_int_eq(compile_ok("vni 7 and ip6", &pol), 1);
	ck_assert_uint_eq(pol.rules[0].has, PT_RH_VNI | PT_RH_FAMILY);
	ck_assert_uint_eq(pol.rules[0].vni, 7);
	ck_assert_uint_eq(pol.rules[0].family, 6);

	/* contradictions compile to "nothing", tautologies to "everything" */
	ck_assert_int_eq(compile_ok("ip and ip6", &pol), 0);
	ck_assert_uint_eq(pol.default_action, PT_ACT_EXCLUDE);
	ck_assert_int_eq(compile_ok("icmp and port 80", &pol), 0);
	ck_assert_uint_eq(pol.default_action, PT_ACT_EXCLUDE);
	ck_assert_int_eq(compile_ok("tcp or not tcp", &pol), 0);
	ck_assert_uint_eq(pol.default_action, PT_ACT_INCLUDE);
}
END_TEST

struct count_case {
	const char *expr;
	int rules;
};

static const struct count_case count_cases[] = {
	{ "tcp and host 10.0.2.2 and port 80", 4 },
	{ "host 10.0.2.2 and port 80", 4 },
	{ "tcp port 443", 2 },
	{ "host 10.0.0.1 and not port 22", 4 },
	{ "not (host 10.0.0.1 or host 10.0.0.9)", 4 },
	{ "udp and not port 53", 3 },
	{ "not tcp and not udp", 2 },
	{ "src net 10.0.0.0/8 and dst port 443", 1 },
	{ "ip6 and not icmp6", 2 },
	{ "vni 100 and tcp and dst port 22", 1 },
	{ "port 80 or port 443 or port 8080", 6 },
	{ "portrange 8000-8080 or port 8081", 2 },
	{ "host 10.0.0.1 or host fd00::1", 4 },
	{ "not port 22 and not port 53", 4 },
};

START_TEST(test_rule_counts)
{
	const struct count_case *c = &count_cases[_i];
	struct pt_policy pol;
	int n = compile_ok(c->expr, &pol);

	ck_assert_msg(n == c->rules, "\"%s\": %d rules, want %d", c->expr, n, c->rules);
}
END_TEST

START_TEST(test_e2big)
{
	const char *expr = "(host 10.0.0.1 or host 10.0.0.9 or host 192.168.1.1 or host 172.16.0.1) and "
			   "(port 22 or port 80 or port 443 or port 8080 or port 53)";
	struct pt_filter *f = parse_ok(expr);
	struct pt_filter_err err;
	struct pt_policy pol;

	ck_assert_int_eq(pt_filter_compile(f, &pol, &err), -E2BIG);
	ck_assert_int_eq(err.pos, 0);
	ck_assert_str_eq(err.msg, "expression needs 80 kernel filter rules (at most 32 are supported)");
	pt_filter_free(f);
}
END_TEST

/* Two big sides whose product would be too large even to simplify. */
START_TEST(test_e2big_raw)
{
	char expr[4096] = "";
	struct pt_filter *f;
	struct pt_filter_err err;
	struct pt_policy pol;
	int side, i;

	for (side = 1; side <= 2; side++) {
		strcat(expr, side == 1 ? "(" : " and (");
		for (i = 0; i < 33; i++)
			sprintf(expr + strlen(expr), "%shost 10.0.%d.%d", i ? " or " : "", side, 2 * i + 1);
		strcat(expr, ")");
	}
	f = parse_ok(expr);
	ck_assert_int_eq(pt_filter_compile(f, &pol, &err), -E2BIG);
	ck_assert_int_eq(err.pos, 0);
	ck_assert_str_eq(err.msg, "expression expands to over 4096 kernel filter rules (at most 32 are supported)");
	pt_filter_free(f);

	/* a long "or" chain stops growing once past 256 intermediate rules */
	expr[0] = '\0';
	for (i = 0; i < 130; i++)
		sprintf(expr + strlen(expr), "%shost 10.1.%d.1", i ? " or " : "", i);
	f = parse_ok(expr);
	ck_assert_int_eq(pt_filter_compile(f, &pol, &err), -E2BIG);
	ck_assert_str_eq(err.msg, "expression expands to over 256 kernel filter rules (at most 32 are supported)");
	pt_filter_free(f);
}
END_TEST

START_TEST(test_policy_zero)
{
	struct pt_policy pol;
	struct pt_pkt t4 = mkpkt(4, "10.0.0.1", "10.0.2.2", IPPROTO_TCP, 40000, 80);
	struct pt_pkt na = mknonip();

	memset(&pol, 0, sizeof(pol));
	ck_assert(pt_policy_match(&pol, &t4));
	ck_assert(pt_policy_match(&pol, &na));
	pol.default_action = PT_ACT_EXCLUDE;
	ck_assert(!pt_policy_match(&pol, &t4));
	/* a rule with SRC but family 6 never matches IPv4 */
	pol.nrules = 1;
	pol.rules[0].has = PT_RH_SRC | PT_RH_FAMILY;
	pol.rules[0].family = 6;
	pol.rules[0].action = PT_ACT_INCLUDE;
	ck_assert(!pt_policy_match(&pol, &t4));
	pol.rules[0].family = 4;
	ck_assert(pt_policy_match(&pol, &t4));	/* mask 0: any IPv4 */
	ck_assert(!pt_policy_match(&pol, &na));
	pol.rules[0].family = 0;	/* as the BPF side: family 0 = any IP family */
	ck_assert(pt_policy_match(&pol, &t4));
	ck_assert(!pt_policy_match(&pol, &na));
	pol.rules[0].action = PT_ACT_EXCLUDE;
	pol.default_action = 0;
	ck_assert(!pt_policy_match(&pol, &t4));
	ck_assert(pt_policy_match(&pol, &na));	/* default 0 includes */
}
END_TEST

static const char *const corpus[] = {
	"",
	"tcp",
	"udp or icmp",
	"not ip",
	"ip6 and not icmp6",
	"proto 0",
	"not proto 0",
	"host 10.0.0.1",
	"src host 10.0.0.2 or dst host 10.0.0.1",
	"src and dst net 10.0.0.0/8",
	"src or dst net 192.168.0.0/16",
	"net 10.0.0.0 mask 255.255.255.252",
	"host fd00::1",
	"net fd00::/16 and not host fd00::2",
	"net 2001:db8::/32 or net 10.0.0.0/8",
	"port 80",
	"not port 80",
	"tcp and host 10.0.0.1 and port 80",
	"tcp and not (port 22 or port 443)",
	"(host 10.0.0.1 or host 10.0.0.2) and (port 80 or port 443)",
	"not (host 10.0.0.1 and port 22)",
	"not (host 10.0.0.1 or port 22) or icmp",
	"src port 1000 or dst portrange 440-450",
	"portrange 1000-2000 and not portrange 1500-1600",
	"src and dst port 80",
	"udp and (port 53 or port 5353) and not vni 100",
	"vni 100",
	"vni 100 or vni 200",
	"not vni 100 and tcp",
	"vni 200 and dst net 10.0.0.0/8",
	"ip and not (tcp or udp)",
	"(tcp or udp) and not (src net 10.0.0.0/8 and dst net 10.0.0.0/8)",
	"not (not (tcp and port 80) or host 10.0.0.2)",
	"host 10.0.0.1 or 10.0.0.2 or 192.168.1.10",
	"tcp port 80 or 443",
	"ip6 src net fd00::/8 or udp dst port 53",
	"dst net 172.16.0.0/12 and not icmp and not port 22",
	"not (ip6 or icmp) and not port 443",
	"(src port 80 and dst port 1000) or (src port 1000 and dst port 80)",
	"net 0.0.0.0/0 and not net 10.0.0.0/8",
	"net ::/0 or port 53",
	"not (vni 100 or vni 200 or ip6)",
	"proto 17 and not src portrange 0-1023",
	"icmp or icmp6 or (tcp and src and dst net 10.0.0.0/30)",
	"((tcp and port 22) or (udp and port 53)) and not host 192.168.1.10",
	"src or dst port 8080 and not (dst host fd00::1 or src host 10.0.0.1)",
};

#define NPKT 64

/* Deterministic mix of records: every family, L4 kind, VXLAN, fragments, non-IP. */
static int packet_set(struct pt_pkt *pk)
{
	static const char *const v4[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.1.2.3", "192.168.1.10",
					  "172.16.5.4", "8.8.8.8" };
	static const char *const v6[] = { "fd00::1", "fd00::2", "fd12::9", "2001:db8::5", "fe80::1" };
	static const __u16 ports[] = { 22, 53, 80, 443, 1000, 1550, 5353, 8080, 40000 };
	static const __u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 };
	unsigned int seed = 12345, r;
	int n = 0;

	pk[n++] = mknonip();
	pk[n++] = mkpkt(4, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 80, 1000);
	pk[n++] = mkpkt(4, "10.0.0.2", "10.0.0.1", IPPROTO_TCP, 1000, 80);
	pk[n++] = mkpkt(4, "10.0.0.1", "10.0.0.1", IPPROTO_TCP, 80, 80);
	pk[n++] = mkpkt(4, "10.0.0.1", "8.8.8.8", IPPROTO_ICMP, 80, 22);
	pk[n++] = mkpkt(4, "10.0.0.1", "172.16.5.4", IPPROTO_TCP, 40000, 22);
	pk[n++] = mkpkt(6, "fd00::1", "fd00::2", IPPROTO_ICMPV6, 53, 443);
	pk[n++] = mkfrag(4, "10.0.0.1", "192.168.1.10", IPPROTO_UDP);
	pk[n++] = mkfrag(6, "fd00::2", "2001:db8::5", IPPROTO_TCP);
	pk[n++] = mkpkt(4, "0.0.0.0", "0.0.0.0", 0, 0, 0);	/* IPv4, protocol 0 */
	pk[n++] = mkpkt(6, "::", "::", 0, 0, 0);
	pk[n++] = mkvxlan(mkpkt(4, "10.0.0.3", "10.1.2.3", IPPROTO_TCP, 443, 40000), 100);
	pk[n++] = mkvxlan(mkpkt(4, "192.168.1.10", "10.0.0.1", IPPROTO_UDP, 53, 5353), 200);
	pk[n++] = mkvxlan(mkpkt(6, "fd00::1", "fd12::9", IPPROTO_TCP, 80, 1550), 100);
	pk[n++] = mkvxlan(mkpkt(4, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 0, 0), 0);
	while (n < NPKT) {
		int fam, a, b;
		__u8 proto;

		r = seed = seed * 1103515245 + 12345;
		fam = (r >> 8) & 1 ? 4 : 6;
		proto = protos[(r >> 10) % 4];
		a = (r >> 13) % (fam == 4 ? 7 : 5);
		b = (r >> 17) % (fam == 4 ? 7 : 5);
		pk[n] = mkpkt(fam, fam == 4 ? v4[a] : v6[a], fam == 4 ? v4[b] : v6[b], proto,
			      ports[(r >> 21) % 9], ports[(r >> 25) % 9]);
		if (((r >> 29) & 3) == 0)
			pk[n] = mkvxlan(pk[n], (r >> 3) & 1 ? 100 : 200);
		n++;
	}
	return n;
}

/* Compiled policy and parsed expression agree on every packet; returns rule count or -errno. */
static int check_equivalent(const char *expr, const struct pt_pkt *pk, int npkt)
{
	struct pt_filter *f = parse_ok(expr);
	struct pt_filter_err err;
	struct pt_policy pol;
	int i, rc = pt_filter_compile(f, &pol, &err);

	if (rc) {
		pt_filter_free(f);
		return rc;
	}
	ck_assert_uint_le(pol.nrules, PT_MAX_RULES);
	for (i = 0; i < npkt; i++) {
		bool want = pt_filter_match(f, &pk[i], NULL);
		bool got = pt_policy_match(&pol, &pk[i]);

		ck_assert_msg(want == got, "\"%s\" packet %d: expression %d, policy %d (%u rules)", expr, i,
			      want, got, pol.nrules);
	}
	pt_filter_free(f);
	return (int)pol.nrules;
}

START_TEST(test_equivalence_corpus)
{
	struct pt_pkt pk[NPKT];
	int npkt = packet_set(pk);
	size_t i;

	ck_assert_int_ge(sizeof(corpus) / sizeof(corpus[0]), 40);
	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		int rc = check_equivalent(corpus[i], pk, npkt);

		ck_assert_msg(rc >= 0, "\"%s\" did not compile: %d", corpus[i], rc);
	}
}
END_TEST

/* Each expression of the corpus matches some packets and misses others (the set is varied enough). */
START_TEST(test_corpus_discriminates)
{
	struct pt_pkt pk[NPKT];
	int npkt = packet_set(pk), i, hits;
	size_t e;

	for (e = 1; e < sizeof(corpus) / sizeof(corpus[0]); e++) {
		struct pt_filter *f = parse_ok(corpus[e]);

		for (i = 0, hits = 0; i < npkt; i++)
			hits += pt_filter_match(f, &pk[i], NULL);
		ck_assert_msg(hits > 0 && hits < npkt, "\"%s\" matches %d of %d", corpus[e], hits, npkt);
		pt_filter_free(f);
	}
}
END_TEST

static const char *const atoms[] = {
	"tcp", "udp", "icmp", "icmp6", "ip", "ip6", "proto 0", "proto 17", "vni 100", "vni 200",
	"host 10.0.0.1", "src host 10.0.0.2", "dst host fd00::1", "host fd00::2", "net 10.0.0.0/8",
	"src net 10.0.0.0/30", "dst net 192.168.0.0/16", "net fd00::/16", "src and dst net 10.0.0.0/8",
	"net 0.0.0.0/0", "port 80", "src port 443", "dst port 22", "portrange 1000-2000",
	"src portrange 50-90", "src and dst port 80", "dst portrange 440-450",
};

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return (*s >> 16) & 0x7fff;
}

static void put(char *buf, size_t sz, const char *str)
{
	size_t n = strlen(buf);

	ck_assert_uint_lt(n + strlen(str), sz);
	strcpy(buf + n, str);
}

/* Append a random expression of at most depth operators to buf. */
static void gen_expr(unsigned int *s, int depth, char *buf, size_t sz)
{
	unsigned int k = rnd(s);

	if (depth == 0 || k % 5 == 0) {
		put(buf, sz, atoms[rnd(s) % (sizeof(atoms) / sizeof(atoms[0]))]);
		return;
	}
	put(buf, sz, k % 4 == 1 ? "not (" : "(");
	gen_expr(s, depth - 1, buf, sz);
	if (k % 4 == 1) {
		put(buf, sz, ")");
		return;
	}
	put(buf, sz, k % 4 == 2 ? ") and (" : ") or (");
	gen_expr(s, depth - 1, buf, sz);
	put(buf, sz, ")");
}

/* Random expressions: compiled and parsed agree whenever they fit in the kernel's rules. */
START_TEST(test_equivalence_random)
{
	struct pt_pkt pk[NPKT];
	int npkt = packet_set(pk), i, compiled = 0, rc;
	unsigned int seed = 42;
	char expr[8192];

	for (i = 0; i < 1000; i++) {
		expr[0] = '\0';
		gen_expr(&seed, 6, expr, sizeof(expr));
		rc = check_equivalent(expr, pk, npkt);
		ck_assert_msg(rc >= 0 || rc == -E2BIG, "\"%s\": %d", expr, rc);
		compiled += rc >= 0;
	}
	ck_assert_msg(compiled >= 990, "only %d of 1000 random expressions compiled", compiled);
}
END_TEST

/* ---- the process family: pt_filter_match_rec ---- */

static bool rmatch(const char *expr, const void *rec)
{
	struct pt_filter *f = parse_ok(expr);
	bool m = pt_filter_match_rec(f, rec, NULL);

	pt_filter_free(f);
	return m;
}

static struct pt_task mktask(const char *comm, __u32 pid, __u32 tid)
{
	struct pt_task t = { .ts_ns = 1000, .start_ns = 10, .pid = pid, .tid = tid, .ppid = 1 };

	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	return t;
}

static struct pt_proc mkproc(__u8 kind, const char *comm, __u32 pid)
{
	struct pt_proc p = { .type = PT_REC_PROC, .len = sizeof(p), .kind = kind };

	p.task = mktask(comm, pid, pid);
	return p;
}

/* An IP socket: fam 4/6 (addresses given in that family), or 46 for an AF_INET6 socket with v4-mapped ends. */
static struct pt_fdinfo mksock(int fam, __u8 proto, const char *l, __u16 lp, const char *r, __u16 rp)
{
	struct pt_fdinfo fi = { .kind = PT_FK_SOCKET, .sk_state = 1, .proto = proto, .ino = 4242 };
	int afam = fam == 46 ? 4 : fam;

	fi.family = fam == 4 ? AF_INET : AF_INET6;
	fi.type = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	if (l)
		set_addr(fi.laddr, afam, l);
	if (r)
		set_addr(fi.raddr, afam, r);
	if (fam == 46) {
		memmove(fi.laddr + 12, fi.laddr, 4);
		memmove(fi.raddr + 12, fi.raddr, 4);
		memset(fi.laddr, 0, 12);
		memset(fi.raddr, 0, 12);
		fi.laddr[10] = fi.laddr[11] = fi.raddr[10] = fi.raddr[11] = 0xff;
	}
	fi.lport = lp;
	fi.rport = rp;
	return fi;
}

static struct pt_sys mksys(__u16 call, const char *comm, __u32 pid, struct pt_fdinfo fi)
{
	struct pt_sys s = { .type = PT_REC_SYS, .len = sizeof(s), .call = call, .fd = 3, .newfd = -1,
			    .newfd2 = -1, .info = fi };

	s.task = mktask(comm, pid, pid);
	return s;
}

static struct pt_data mkdata(__u16 call, __u8 dir, const char *comm, __u32 pid, struct pt_fdinfo fi)
{
	struct pt_data d = { .type = PT_REC_DATA, .len = sizeof(d), .call = call, .dir = dir, .fd = 3, .fd2 = -1,
			     .size = 73, .offset = -1, .info = fi };

	d.task = mktask(comm, pid, pid);
	return d;
}

START_TEST(test_proc_record)
{
	struct pt_proc fk = mkproc(PT_PK_FORK, "bash", 100), th, ex = mkproc(PT_PK_EXEC, "curl", 101);
	struct pt_proc ln = mkproc(PT_PK_EXIT, "systemd-resolve", 7);
	struct pt_point_names names = { .full = "eth0:in" };
	struct pt_filter *f;

	fk.child_pid = fk.child_tid = 101;
	th = fk;
	th.flags = PT_PRF_THREAD;
	th.child_pid = 100;
	th.child_tid = 102;
	ex.task.tid = 101;
	ex.old_tid = 105;	/* a non-leader thread exec'd */

	ck_assert(rmatch("proc", &fk));
	ck_assert(rmatch("", &fk));
	ck_assert(pt_filter_match_rec(NULL, (const void *)&fk, NULL));
	ck_assert(rmatch("comm bash", &fk));
	ck_assert(rmatch("proc comm bash", &fk));
	ck_assert(!rmatch("comm bas", &fk));
	ck_assert(!rmatch("comm bashh", &fk));
	ck_assert(rmatch("pid 100", &fk));
	ck_assert(rmatch("pid 101", &fk));	/* the child of a fork */
	ck_assert(rmatch("proc pid 101", &fk));
	ck_assert(!rmatch("pid 102", &fk));
	ck_assert(rmatch("tid 101", &fk));
	ck_assert(rmatch("tid 102", &th));	/* the new thread */
	ck_assert(!rmatch("pid 102", &th));
	ck_assert(rmatch("pid 100 and tid 100", &th));
	ck_assert(rmatch("tid 105", &ex));	/* the thread the exec replaced */
	ck_assert(rmatch("tid 101", &ex));
	ck_assert(!rmatch("pid 105", &ex));
	ck_assert(rmatch("comm curl and not comm bash", &ex));

	/* comm is cut at 15 bytes, as the kernel cuts it; quoted names may have blanks */
	ck_assert(rmatch("comm systemd-resolved", &ln));
	ck_assert(rmatch("comm systemd-resolve", &ln));
	ck_assert(!rmatch("comm systemd-resolv", &ln));
	snprintf(ln.task.comm, sizeof(ln.task.comm), "Web Content");
	ck_assert(rmatch("comm \"Web Content\"", &ln));
	ck_assert(rmatch("proc comm \"Web Content\" and (pid 7)", &ln));
	ck_assert(!rmatch("comm \"Web\"", &ln));
	memset(ln.task.comm, 'a', sizeof(ln.task.comm));	/* no NUL: compared within 16 bytes */
	ck_assert(!rmatch("comm aaaaaaaaaaaaaaa", &ln));

	/* packet primitives and point are false on a process record */
	ck_assert(!rmatch("tcp", &fk));
	ck_assert(!rmatch("ip or ip6", &fk));
	ck_assert(!rmatch("port 80", &fk));
	ck_assert(!rmatch("host 10.0.0.1", &fk));
	ck_assert(!rmatch("proto 0", &fk));
	ck_assert(!rmatch("vni 0", &fk));
	ck_assert(rmatch("not tcp", &fk));
	f = parse_ok("point eth0");
	ck_assert(!pt_filter_match_rec(f, (const void *)&fk, &names));
	pt_filter_free(f);

	fk.len = sizeof(fk) - 1;
	ck_assert(!rmatch("", &fk));
	ck_assert(!pt_filter_match_rec(NULL, (const void *)&fk, NULL));
}
END_TEST

START_TEST(test_proc_on_packets)
{
	struct pt_pkt t4 = mkpkt(4, "10.0.0.1", "10.0.2.2", IPPROTO_TCP, 40000, 80);

	ck_assert(!matches("proc", &t4));
	ck_assert(!matches("comm curl", &t4));
	ck_assert(!matches("pid 0", &t4));
	ck_assert(!matches("tid 0", &t4));
	ck_assert(matches("not proc", &t4));
	ck_assert(matches("proc or port 80", &t4));
	ck_assert(rmatch("port 80", &t4));	/* match_rec on a packet is pt_filter_match */
	ck_assert(!rmatch("proc", &t4));
	t4.len = sizeof(t4) - 1;
	ck_assert(!rmatch("", &t4));
}
END_TEST

START_TEST(test_sys_data_ipv4)
{
	struct pt_fdinfo fi = mksock(4, IPPROTO_TCP, "10.0.1.2", 41234, "10.0.2.2", 80);
	struct pt_sys con = mksys(PT_CALL_CONNECT, "curl", 101, fi);
	struct pt_data wr = mkdata(PT_CALL_WRITE, PT_DIR_OUT, "curl", 101, fi);
	struct pt_data rd = mkdata(PT_CALL_READ, PT_DIR_IN, "curl", 101, fi);
	const void *out[] = { &con, &wr };
	size_t i;

	/* SYS and DATA out: src = local, dst = remote */
	for (i = 0; i < 2; i++) {
		ck_assert(rmatch("proc and comm curl and pid 101 and tid 101", out[i]));
		ck_assert(rmatch("host 10.0.2.2", out[i]));
		ck_assert(rmatch("host 10.0.1.2", out[i]));
		ck_assert(rmatch("src host 10.0.1.2", out[i]));
		ck_assert(!rmatch("dst host 10.0.1.2", out[i]));
		ck_assert(rmatch("dst host 10.0.2.2", out[i]));
		ck_assert(rmatch("src and dst net 10.0.0.0/16", out[i]));
		ck_assert(!rmatch("src and dst net 10.0.1.0/24", out[i]));
		ck_assert(rmatch("port 80", out[i]));
		ck_assert(rmatch("dst port 80", out[i]));
		ck_assert(!rmatch("src port 80", out[i]));
		ck_assert(rmatch("src port 41234", out[i]));
		ck_assert(rmatch("portrange 41000-42000", out[i]));
		ck_assert(rmatch("tcp", out[i]));
		ck_assert(rmatch("tcp port 80", out[i]));
		ck_assert(!rmatch("udp", out[i]));
		ck_assert(rmatch("proto 6", out[i]));
		ck_assert(rmatch("ip", out[i]));
		ck_assert(!rmatch("ip6", out[i]));
		ck_assert(!rmatch("host fd00::1", out[i]));
		ck_assert(!rmatch("vni 0", out[i]));
		ck_assert(!rmatch("icmp", out[i]));
	}
	/* DATA in: src = remote, dst = local */
	ck_assert(rmatch("src port 80", &rd));
	ck_assert(!rmatch("dst port 80", &rd));
	ck_assert(rmatch("src host 10.0.2.2 and dst host 10.0.1.2", &rd));
	ck_assert(!rmatch("src host 10.0.1.2", &rd));

	/* "only ret is valid": the socket is not looked at */
	con.flags = PT_SF_NOARGS;
	ck_assert(!rmatch("port 80", &con));
	ck_assert(rmatch("comm curl", &con));
	wr.flags = PT_DAF_NOARGS;
	ck_assert(!rmatch("tcp", &wr));

	/* an unbound, unconnected socket has no ends */
	con = mksys(PT_CALL_SOCKET, "curl", 101, mksock(4, IPPROTO_TCP, NULL, 0, NULL, 0));
	ck_assert(!rmatch("host 0.0.0.0", &con));
	ck_assert(!rmatch("port 0", &con));
	ck_assert(rmatch("tcp and ip", &con));

	wr.len = sizeof(wr) - 1;
	ck_assert(!rmatch("", &wr));
}
END_TEST

START_TEST(test_sys_data_ipv6)
{
	struct pt_fdinfo fi = mksock(6, IPPROTO_TCP, "fd00::1", 443, "2001:db8::5", 50000);
	struct pt_sys acc = mksys(PT_CALL_ACCEPT4, "nginx", 50, fi);
	struct pt_data rd = mkdata(PT_CALL_RECV, PT_DIR_IN, "nginx", 50, fi);
	struct pt_data m4 = mkdata(PT_CALL_WRITE, PT_DIR_OUT, "java", 9,
				   mksock(46, IPPROTO_TCP, "10.0.0.5", 8080, "10.0.0.6", 41000));

	ck_assert(rmatch("ip6", &acc));
	ck_assert(!rmatch("ip", &acc));
	ck_assert(rmatch("host 2001:db8::5", &acc));
	ck_assert(rmatch("src host fd00::1 and dst net 2001:db8::/32", &acc));
	ck_assert(rmatch("src port 443 and dst port 50000", &acc));
	ck_assert(!rmatch("net 0.0.0.0/0", &acc));
	ck_assert(rmatch("net ::/0", &acc));
	ck_assert(rmatch("src net 2001:db8::/32 and dst port 443", &rd));
	ck_assert(!rmatch("dst net 2001:db8::/32", &rd));

	/* an AF_INET6 socket talking IPv4 through v4-mapped addresses is IPv4, as its packets */
	ck_assert(rmatch("ip", &m4));
	ck_assert(!rmatch("ip6", &m4));
	ck_assert(rmatch("src host 10.0.0.5 and dst host 10.0.0.6", &m4));
	ck_assert(rmatch("net 10.0.0.0/24 and src port 8080", &m4));
	ck_assert(!rmatch("host ::ffff:10.0.0.6", &m4));
}
END_TEST

START_TEST(test_sys_data_other_objects)
{
	struct pt_fdinfo un = { .kind = PT_FK_SOCKET, .family = AF_UNIX, .type = SOCK_STREAM, .ino = 7 };
	struct pt_fdinfo file = { .kind = PT_FK_FILE, .dev = 8 << 20 | 1, .ino = 1234 };
	struct pt_data ud = mkdata(PT_CALL_WRITE, PT_DIR_OUT, "dbus", 5, un);
	struct pt_data fd = mkdata(PT_CALL_READ, PT_DIR_IN, "cat", 6, file);
	struct pt_sys us = mksys(PT_CALL_CONNECT, "dbus", 5, un);
	const void *recs[] = { &ud, &fd, &us };
	size_t i;

	for (i = 0; i < 3; i++) {
		ck_assert(!rmatch("port 0", recs[i]));
		ck_assert(!rmatch("portrange 0-65535", recs[i]));
		ck_assert(!rmatch("host 0.0.0.0", recs[i]));
		ck_assert(!rmatch("net ::/0", recs[i]));
		ck_assert(!rmatch("ip or ip6", recs[i]));
		ck_assert(!rmatch("tcp or udp", recs[i]));
		ck_assert(!rmatch("proto 0", recs[i]));
		ck_assert(rmatch("not port 80", recs[i]));
		ck_assert(rmatch("proc", recs[i]));
	}
	ck_assert(rmatch("comm dbus and pid 5", &ud));
	ck_assert(rmatch("comm cat", &fd));
}
END_TEST

START_TEST(test_sys_data_call_addr)
{
	struct pt_data st = mkdata(PT_CALL_SENDTO, PT_DIR_OUT, "avahi", 30,
				   mksock(4, IPPROTO_UDP, "0.0.0.0", 5353, NULL, 0));
	struct pt_data rf = mkdata(PT_CALL_RECVFROM, PT_DIR_IN, "dig", 31,
				   mksock(4, IPPROTO_UDP, "10.0.0.2", 40000, NULL, 0));
	struct pt_data cu = mkdata(PT_CALL_SENDTO, PT_DIR_OUT, "dig", 31,
				   mksock(4, IPPROTO_UDP, "10.0.0.2", 40000, "10.0.0.1", 53));
	struct pt_sys con = mksys(PT_CALL_CONNECT, "curl", 101, mksock(4, IPPROTO_TCP, "10.0.1.2", 41234, NULL, 0));
	struct pt_sys bnd = mksys(PT_CALL_BIND, "nginx", 50, mksock(4, IPPROTO_TCP, NULL, 0, NULL, 0));

	/* sendto without the peer flag: no remote end */
	set_addr(st.peer_addr, 4, "224.0.0.251");
	st.peer_port = 5353;
	st.peer_family = AF_INET;
	ck_assert(!rmatch("dst host 224.0.0.251", &st));
	st.flags = PT_DAF_ADDR;
	ck_assert(rmatch("dst host 224.0.0.251", &st));
	ck_assert(rmatch("udp and dst port 5353 and src port 5353", &st));
	ck_assert(rmatch("src host 0.0.0.0", &st));	/* bound to the wildcard address, port 5353 */
	ck_assert(rmatch("ip", &st));

	/* recvfrom: the peer is the source */
	set_addr(rf.peer_addr, 4, "10.0.0.1");
	rf.peer_port = 53;
	rf.peer_family = AF_INET;
	rf.flags = PT_DAF_ADDR;
	ck_assert(rmatch("src host 10.0.0.1 and src port 53", &rf));
	ck_assert(rmatch("dst host 10.0.0.2 and dst port 40000", &rf));

	/* a connected socket's remote end wins over the call's address */
	set_addr(cu.peer_addr, 4, "10.9.9.9");
	cu.peer_port = 9;
	cu.peer_family = AF_INET;
	cu.flags = PT_DAF_ADDR;
	ck_assert(rmatch("dst host 10.0.0.1", &cu));
	ck_assert(!rmatch("host 10.9.9.9", &cu));

	/* a refused connect: the socket has no remote, the call's sockaddr stands in */
	con.ret = -ECONNREFUSED;
	con.flags = PT_SF_ADDR;
	con.addr_family = AF_INET;
	set_addr(con.addr, 4, "10.0.2.2");
	con.port = 80;
	ck_assert(rmatch("dst host 10.0.2.2 and dst port 80", &con));
	ck_assert(rmatch("src port 41234", &con));
	/* bind's sockaddr is the local end */
	bnd.ret = -EADDRINUSE;
	bnd.flags = PT_SF_ADDR;
	bnd.addr_family = AF_INET;
	set_addr(bnd.addr, 4, "10.0.2.2");
	bnd.port = 80;
	ck_assert(rmatch("src host 10.0.2.2 and src port 80", &bnd));
	ck_assert(!rmatch("dst port 80", &bnd));
}
END_TEST

START_TEST(test_proc_or_port)
{
	struct pt_data curl = mkdata(PT_CALL_WRITE, PT_DIR_OUT, "curl", 101,
				     mksock(4, IPPROTO_TCP, "10.0.1.2", 41234, "10.0.2.2", 443));
	struct pt_data nginx = mkdata(PT_CALL_READ, PT_DIR_IN, "nginx", 50,
				      mksock(4, IPPROTO_TCP, "10.0.2.2", 80, "10.0.1.2", 41000));
	struct pt_pkt pkt = mkpkt(4, "10.0.1.2", "10.0.2.2", IPPROTO_TCP, 41000, 80);
	struct pt_proc bash = mkproc(PT_PK_EXEC, "bash", 100);
	struct pt_filter *f = parse_ok("proc comm curl or port 80");

	ck_assert(pt_filter_match_rec(f, (const void *)&curl, NULL));
	ck_assert(pt_filter_match_rec(f, (const void *)&nginx, NULL));
	ck_assert(pt_filter_match_rec(f, (const void *)&pkt, NULL));
	ck_assert(!pt_filter_match_rec(f, (const void *)&bash, NULL));
	ck_assert(pt_filter_match(f, &pkt, NULL));
	pt_filter_free(f);
	/* precedence as before: "proc comm curl and port 80" is one conjunction */
	ck_assert(!rmatch("proc comm curl and port 80", &curl));
	ck_assert(rmatch("proc comm curl and port 443", &curl));
	ck_assert(rmatch("not proc comm curl or port 80", &nginx));
}
END_TEST

START_TEST(test_chunk_and_meta)
{
	unsigned char buf[sizeof(struct pt_chunk) + 8] = { 0 };
	struct pt_chunk *c = (struct pt_chunk *)buf;
	struct pt_loss_rec l = { .type = PT_REC_LOSS, .len = sizeof(l), .point = PT_PROC_LOSS_POINT(PT_PC_DATA) };
	struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr) };
	struct pt_clock_rec ck = { .type = PT_REC_CLOCK, .len = sizeof(ck) };
	struct pt_stats_rec st = { .type = PT_REC_STATS, .len = sizeof(st) };
	struct pt_rec_hdr unknown = { .type = 99, .len = sizeof(unknown) };
	const void *meta[] = { &l, &pr, &ck, &st };
	size_t i;

	c->type = PT_REC_CHUNK;
	c->len = sizeof(buf);
	/* true only when the filter holds whatever the chunk's DATA was */
	ck_assert(pt_filter_match_rec(NULL, (const void *)c, NULL));
	ck_assert(rmatch("", c));
	ck_assert(rmatch("proc", c));
	ck_assert(rmatch("proc or port 80", c));
	ck_assert(rmatch("port 80 or proc", c));
	ck_assert(rmatch("not (comm x and not proc)", c));
	ck_assert(!rmatch("comm curl", c));
	ck_assert(!rmatch("port 80", c));
	ck_assert(!rmatch("not proc", c));
	ck_assert(!rmatch("proc and comm curl", c));
	ck_assert(!rmatch("tcp or not tcp", c));	/* a tautology is not recognised: callers follow the DATA */
	c->len = sizeof(*c) - 1;
	ck_assert(!rmatch("", c));

	for (i = 0; i < 4; i++) {
		ck_assert(rmatch("comm nobody and port 1", meta[i]));
		((struct pt_rec_hdr *)meta[i])->len--;
		ck_assert(!rmatch("", meta[i]));
	}
	ck_assert(!rmatch("", &unknown));
	ck_assert(!pt_filter_match_rec(NULL, &unknown, NULL));
}
END_TEST

START_TEST(test_drop_rec)
{
	struct pt_drop d = { .pkt = mkpkt(4, "10.0.0.1", "10.0.2.2", IPPROTO_UDP, 53, 5353) };

	d.pkt.type = PT_REC_DROP;
	d.pkt.len = sizeof(d);
	ck_assert(rmatch("udp and port 53", &d));
	ck_assert(!rmatch("tcp", &d));
	ck_assert(!rmatch("proc", &d));
	d.pkt.len = sizeof(struct pt_pkt);	/* shorter than a drop */
	ck_assert(!rmatch("", &d));
}
END_TEST

START_TEST(test_proc_compile_refused)
{
	static const struct { const char *expr; int pos; const char *kw; } cases[] = {
		{ "comm curl", 0, "comm" },
		{ "tcp and proc pid 5", 13, "pid" },
		{ "port 80 or not tid 7", 15, "tid" },
		{ "proc or tcp", 0, "proc" },
		{ "tcp and proc comm \"a b\"", 13, "comm" },
	};
	struct pt_filter_err err;
	struct pt_policy pol;
	struct pt_filter *f;
	char want[160];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = parse_ok(cases[i].expr);
		ck_assert(pt_filter_uses_proc(f));
		ck_assert(!pt_filter_uses_point(f));
		ck_assert_int_eq(pt_filter_compile(f, &pol, &err), -EINVAL);
		ck_assert_msg(err.pos == cases[i].pos, "\"%s\": pos %d", cases[i].expr, err.pos);
		snprintf(want, sizeof(want), "%s matches processes: user space only (the kernel filter applies to "
			 "packets)", cases[i].kw);
		ck_assert_str_eq(err.msg, want);
		pt_filter_free(f);
	}
	f = parse_ok("tcp and point eth0");
	ck_assert(!pt_filter_uses_proc(f));
	pt_filter_free(f);
	ck_assert(!pt_filter_uses_proc(NULL));
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_match_l3_l4);
	tcase_add_test(tc, test_match_vxlan_and_logic);
	tcase_add_test(tc, test_point);
	tcase_add_test(tc, test_text_and_null);
	tcase_add_loop_test(tc, test_bad_expressions, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_compile_exact);
	tcase_add_loop_test(tc, test_rule_counts, 0, sizeof(count_cases) / sizeof(count_cases[0]));
	tcase_add_test(tc, test_e2big);
	tcase_add_test(tc, test_e2big_raw);
	tcase_add_test(tc, test_policy_zero);
	tcase_add_test(tc, test_equivalence_corpus);
	tcase_add_test(tc, test_corpus_discriminates);
	tcase_add_test(tc, test_equivalence_random);
	tcase_add_test(tc, test_proc_record);
	tcase_add_test(tc, test_proc_on_packets);
	tcase_add_test(tc, test_sys_data_ipv4);
	tcase_add_test(tc, test_sys_data_ipv6);
	tcase_add_test(tc, test_sys_data_other_objects);
	tcase_add_test(tc, test_sys_data_call_addr);
	tcase_add_test(tc, test_proc_or_port);
	tcase_add_test(tc, test_chunk_and_meta);
	tcase_add_test(tc, test_drop_rec);
	tcase_add_test(tc, test_proc_compile_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pt_check_run(filter_suite());
}
