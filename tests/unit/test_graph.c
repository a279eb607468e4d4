// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_graph.c — query/graph.h (why/impact) on a synthetic store with an
 * exact history, and query/vertex.h's ids.
 *
 * The history (boottime µs; realtime = BASE + ts): bash[100] (running at
 * load) forks python3[200] at 100, which execs cli.py, reads twelve library
 * files /lib/m0../lib/m11 and then 3000 bytes of /data/payload, connects
 * 10.0.1.1:40000 -> 10.0.3.2:9200 (its first byte has sequence number
 * 0xfffffc00: the stream wraps 2^32 at offset 1024) and sends them (one
 * sendto, content captured), then 20000 bytes more (content cut at 4096).
 * python3[300] (running at load) accepted the connection, receives both,
 * and writes 3000 bytes to /out/result. The 3000 bytes crossed three
 * capture points c@cl:out -> r@rt:in -> s@sv:in in three packets of 1000
 * bytes; the second packet's first copy (fp 1001) was dropped after r@rt:in
 * and its retransmission (fp 2001) arrived. No packet of the 20000 bytes
 * was recorded.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "query/graph.h"
#include "query/graph_int.h"
#include "query/pmload.h"
#include "query/vertex.h"
#include "tests/support/procrec.h"
#include "tests/support/synstore.h"
#include "tests/support/checkrun.h"

#define BASE	(1700000000ull * 1000000000ull)	/* 2023-11-14T22:13:20Z */
#define ISN	0xfffffc00u
#define CONN	"tcp:10.0.1.1:40000-10.0.3.2:9200/1000-2001"

/*
 * The client python3[200] expanded in why at --fanout 2, each line indented by IND: its exec,
 * its parent bash[100] (not expanded: past --depth DEPTH), and the latest two of its 13 reads.
 */
#define WHY_CLIENT(IND, DEPTH) \
	IND "<- executed by tid 200: python3 cli.py 10.0.3.2 at 22:13:20.000110  file:/usr/bin/python3  file\n" \
	IND "<- forked by tid 100 at 22:13:20.000100  proc:H/100@100  bash[100] bash  [not expanded: past --depth " DEPTH "]\n" \
	IND "<- read 3000 B at file offset [0, 3000) in 1 read by tid 200, no content captured at 22:13:20.000401  file:/data/payload  file\n" \
	IND "<- read 100 B at file offset [0, 100) in 1 read by tid 200, no content captured at 22:13:20.000311  file:/lib/m11  file\n" \
	IND "* ... 12 more (11 read, 1 opened): --fanout 14 lists them\n"
#define WANT_NOPKT \
	"why recv:" CONN "@10.0.3.2:9200+5000 (depth 1, fan-out 2; host H)\n" \
	"recv:" CONN "@10.0.3.2:9200+5000  byte 5000 of what 10.0.3.2:9200 received, in recvfrom [3000, 23000) by python3[300] tid 300 (proc:H/300@300), content truncated\n" \
	"  <- received [5000, 5001) of the stream (no packet records of these bytes) at 22:13:20.000750  conn:" CONN "  tcp 10.0.1.1:40000 -> 10.0.3.2:9200, bytes [5000, 5001) sent by 10.0.1.1:40000\n" \
	"    <- sent 20000 B [3000, 23000) in 1 sendto by tid 200, content truncated (4096 of 20000 B captured) at 22:13:20.000650  proc:H/200@200  python3[200] python3 cli.py 10.0.3.2, exit 0\n" \
	WHY_CLIENT("      ", "1") \
	"warning: 1 process(es) past --depth 1 were not expanded (marked in the answer)\n" \
	"warning: 1 list(s) of neighbours were cut at --fanout 2 (counted in the answer)\n"
#define WANT_DEPTH0 \
	"why proc:H/200@200 (depth 0, fan-out 10; host H)\n" \
	"proc:H/200@200  python3[200] python3 cli.py 10.0.3.2, exit 0  [not expanded: past --depth 0]\n" \
	"warning: 1 process(es) past --depth 0 were not expanded (marked in the answer)\n"
#define WANT_DEPTH1 \
	"why proc:H/200@200 (depth 1, fan-out 1; host H)\n" \
	"proc:H/200@200  python3[200] python3 cli.py 10.0.3.2, exit 0\n" \
	"  <- executed by tid 200: python3 cli.py 10.0.3.2 at 22:13:20.000110  file:/usr/bin/python3  file\n" \
	"  <- forked by tid 100 at 22:13:20.000100  proc:H/100@100  bash[100] bash  [not expanded: past --depth 1]\n" \
	"  <- read 3000 B at file offset [0, 3000) in 1 read by tid 200, no content captured at 22:13:20.000401  file:/data/payload  file\n" \
	"  * ... 13 more (12 read, 1 opened): --fanout 14 lists them\n" \
	"warning: 1 process(es) past --depth 1 were not expanded (marked in the answer)\n" \
	"warning: 1 list(s) of neighbours were cut at --fanout 1 (counted in the answer)\n"
#define WANT_IMPACT \
	"impact of file:/data/payload (depth 3, fan-out 10; host H)\n" \
	"file:/data/payload  file\n" \
	"  -> read 3000 B at file offset [0, 3000) in 1 read by tid 200, no content captured at 22:13:20.000401  proc:H/200@200  python3[200] python3 cli.py 10.0.3.2, exit 0\n" \
	"    -> sent 23000 B [0, 23000) in 2 sendto calls by tid 200, content truncated (7096 of 23000 B captured) at 22:13:20.000600  conn:" CONN "  tcp 10.0.1.1:40000 -> 10.0.3.2:9200, bytes [0, 23000) sent by 10.0.1.1:40000\n" \
	"      -> transmitted-as byte 0 of [0, 23000) at 22:13:20.000601  pkt:0000000000001000@c@cl:out  at c@cl:out: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294966272, 1000 B\n" \
	"        -> forwarded after 0.001 ms at 22:13:20.000602  pkt:0000000000001000@r@rt:in  at r@rt:in: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294966272, 1000 B\n" \
	"          -> forwarded after 0.001 ms at 22:13:20.000603  pkt:0000000000001000@s@sv:in  at s@sv:in: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294966272, 1000 B\n" \
	"            -> received byte 0 delivered to the receiving end at 22:13:20.000603  recv:" CONN "@10.0.3.2:9200+0  byte 0 of what 10.0.3.2:9200 received, in recvfrom [0, 3000) by python3[300] tid 300 (proc:H/300@300)\n" \
	"              -> read 23000 B [0, 23000) in 2 recvfrom calls by tid 300, content truncated (7096 of 23000 B captured) at 22:13:20.000700  proc:H/300@300  python3[300] python3 srv.py\n" \
	"                -> wrote 3000 B at file offset [0, 3000) in 1 write by tid 300, no content captured at 22:13:20.000810  file:/out/result  file\n" \
	"                -> opened O_RDWR, no write seen at 22:13:20.000820  file:/out/mapped  file\n"
#define WANT_WHYFILE \
	"why file:/out/result (depth 2, fan-out 2; host H)\n" \
	"file:/out/result  file\n" \
	"  <- wrote 3000 B at file offset [0, 3000) in 1 write by tid 300, no content captured at 22:13:20.000810  proc:H/300@300  python3[300] python3 srv.py\n" \
	"    <- executed (running at load) by tid 300: python3 srv.py at 22:13:20.000020  file:/usr/bin/python3  file\n" \
	"    <- read 23000 B [0, 23000) in 2 recvfrom calls by tid 300, content truncated (7096 of 23000 B captured) at 22:13:20.000700  recv:" CONN "@10.0.3.2:9200+0  byte 0 of what 10.0.3.2:9200 received, in recvfrom [0, 3000) by python3[300] tid 300 (proc:H/300@300)\n" \
	"      <- received byte 0 delivered to the receiving end at 22:13:20.000603  pkt:0000000000001000@s@sv:in  at s@sv:in: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294966272, 1000 B\n" \
	"        <- forwarded after 0.001 ms at 22:13:20.000603  pkt:0000000000001000@r@rt:in  at r@rt:in: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294966272, 1000 B\n" \
	"          <- forwarded after 0.001 ms at 22:13:20.000602  pkt:0000000000001000@c@cl:out  at c@cl:out: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294966272, 1000 B\n" \
	"            <- transmitted-as seq 4294966272, 1000 B at 22:13:20.000601  conn:" CONN "  tcp 10.0.1.1:40000 -> 10.0.3.2:9200, bytes [0, 23000) sent by 10.0.1.1:40000\n" \
	"              <- sent 23000 B [0, 23000) in 2 sendto calls by tid 200, content truncated (7096 of 23000 B captured) at 22:13:20.000600  proc:H/200@200  python3[200] python3 cli.py 10.0.3.2, exit 0\n" \
	WHY_CLIENT("                ", "2") \
	"warning: 1 process(es) past --depth 2 were not expanded (marked in the answer)\n" \
	"warning: 1 list(s) of neighbours were cut at --fanout 2 (counted in the answer)\n"
#define WANT_PKT \
	"why pkt:0000000000001001@r@rt:in (depth 1, fan-out 2; host H)\n" \
	"pkt:0000000000001001@r@rt:in  at r@rt:in: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294967272, 1000 B, 1 kernel drop(s) of it\n" \
	"  -> dropped-at reason#60000 at 22:13:20.000613  drop:0000000000001001@613000  kernel drop of packet 0000000000001001 (seq 4294967272, 1000 B): reason#60000 at 0x0\n" \
	"  <- forwarded after 0.001 ms at 22:13:20.000612  pkt:0000000000001001@c@cl:out  at c@cl:out: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294967272, 1000 B, 1 kernel drop(s) of it\n" \
	"    <- transmitted-as seq 4294967272, 1000 B at 22:13:20.000611  conn:" CONN "  tcp 10.0.1.1:40000 -> 10.0.3.2:9200, bytes [1000, 2000) sent by 10.0.1.1:40000\n" \
	"      -> transmitted-as byte 1000, a copy that did not arrive at 22:13:20.000611  pkt:0000000000001001@c@cl:out  at c@cl:out: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294967272, 1000 B, 1 kernel drop(s) of it  (see above)\n" \
	"      <- sent 3000 B [0, 3000) in 1 sendto by tid 200, content captured at 22:13:20.000600  proc:H/200@200  python3[200] python3 cli.py 10.0.3.2, exit 0\n" \
	WHY_CLIENT("        ", "1") \
	"warning: 1 process(es) past --depth 1 were not expanded (marked in the answer)\n" \
	"warning: 1 list(s) of neighbours were cut at --fanout 2 (counted in the answer)\n"
#define WANT_CONN \
	"why conn:" CONN " (depth 1, fan-out 2; host H)\n" \
	"conn:" CONN "  tcp 10.0.1.1:40000 -> 10.0.3.2:9200\n" \
	"  <- sent 23000 B [0, 23000) in 2 sendto calls by tid 200, content truncated (7096 of 23000 B captured) at 22:13:20.000600  proc:H/200@200  python3[200] python3 cli.py 10.0.3.2, exit 0\n" \
	WHY_CLIENT("    ", "1") \
	"  <- accepted at 10.0.3.2:9200 at 22:13:20.000520  proc:H/300@300  python3[300] python3 srv.py\n" \
	"    <- executed (running at load) by tid 300: python3 srv.py at 22:13:20.000020  file:/usr/bin/python3  file\n" \
	"  * ... 1 more (1 connected): --fanout 3 lists them\n" \
	"warning: 1 process(es) past --depth 1 were not expanded (marked in the answer)\n" \
	"warning: 2 list(s) of neighbours were cut at --fanout 2 (counted in the answer)\n"

static struct pt_synstore st;
static struct pt_pmload *pl;

static void add(union prec *r)
{
	pt_syn_add(&st, r, r->h.len);
}

static struct pt_task tk(__u64 ts, __u32 pid)
{
	return prec_task(ts * 1000, pid, pid, (__u64)pid, pid == 100 ? "bash" : "python3");
}

static __u64 open_flags = O_RDONLY;	/* of the opens sys_ records */

static void sys_(__u64 ts, __u32 pid, __u16 call, __s64 ret, int fd, int newfd, const struct pt_fdinfo *i,
		 const char *path)
{
	struct pt_task t = tk(ts, pid);
	union prec r;

	prec_sys(&r, &t, call, ret, fd, newfd, -1);
	if (i)
		r.sys.info = *i;
	if (path) {
		r.sys.arg[0] = open_flags;
		r.sys.arg[2] = (__u64)AT_FDCWD;
		prec_sys_path(&r, path);
	}
	add(&r);
}

static void data_(__u64 ts, __u32 pid, __u16 call, __u8 dir, int fd, __u64 size, __u64 captured,
		  const struct pt_fdinfo *i)
{
	static __u8 content[4096];
	struct pt_task t = tk(ts, pid);
	union prec r;
	__u32 cap = (__u32)(captured < sizeof(content) ? captured : sizeof(content));

	prec_data(&r, &t, call, dir, fd, size, content, cap, captured);
	r.data.info = *i;
	if (captured < size && captured)
		r.data.flags |= PT_DAF_TRUNC;
	add(&r);
}

/* One file read: open, read size bytes, close. */
static void read_file(__u64 ts, __u32 pid, const char *path, __u64 ino, __u64 size)
{
	struct pt_fdinfo fi = prec_file(ino, 0);

	sys_(ts, pid, PT_CALL_OPENAT, 3, -100, 3, &fi, path);
	fi.pos = size;
	data_(ts + 1, pid, PT_CALL_READ, PT_DIR_IN, 3, size, 0, &fi);
	sys_(ts + 2, pid, PT_CALL_CLOSE, 0, 3, -1, NULL, NULL);
}

static void pkt(__u64 ts, __u16 point, __u64 fp, __u32 seq, __u16 len)
{
	struct pt_pkt p;

	memset(&p, 0, sizeof(p));
	p.type = PT_REC_PKT;
	p.len = sizeof(p);
	p.point = point;
	p.flags = PT_PF_IPV4 | PT_PF_L4;
	p.ts_ns = ts * 1000;
	p.fp = fp;
	inet_pton(AF_INET, "10.0.1.1", p.saddr);
	inet_pton(AF_INET, "10.0.3.2", p.daddr);
	p.sport = 40000;
	p.dport = 9200;
	p.seq = seq;
	p.ack = 5000;
	p.l4proto = IPPROTO_TCP;
	p.tcp_flags = 0x18;
	p.l4_payload_len = len;
	p.l3_len = (__u16)(len + 40);
	p.wire_len = p.l3_len + 14u;
	p.dir = point == 0 ? PT_DIR_OUT : PT_DIR_IN;
	pt_syn_add(&st, &p, sizeof(p));
}

static void drop_(__u64 ts, __u64 fp, __u32 seq, __u16 len)
{
	struct pt_drop d;

	memset(&d, 0, sizeof(d));
	d.pkt.type = PT_REC_DROP;
	d.pkt.len = sizeof(d);
	d.pkt.point = PT_DROP_POINT;
	d.pkt.flags = PT_PF_IPV4 | PT_PF_L4;
	d.pkt.ts_ns = ts * 1000;
	d.pkt.fp = fp;
	inet_pton(AF_INET, "10.0.1.1", d.pkt.saddr);
	inet_pton(AF_INET, "10.0.3.2", d.pkt.daddr);
	d.pkt.sport = 40000;
	d.pkt.dport = 9200;
	d.pkt.seq = seq;
	d.pkt.l4proto = IPPROTO_TCP;
	d.pkt.l4_payload_len = len;
	d.reason = 60000;	/* a number no kernel names: "reason#60000" on every machine */
	d.location = 0;
	pt_syn_add(&st, &d, sizeof(d));
}

static void history(void)
{
	static const struct pt_syn_point pts[] = {
		{ 0, "c", "cl", "", PT_DIR_OUT }, { 1, "r", "rt", "", PT_DIR_IN }, { 2, "s", "sv", "", PT_DIR_IN },
	};
	const char *cargv[] = { "python3", "cli.py", "10.0.3.2", NULL };
	const char *sargv[] = { "python3", "srv.py", NULL };
	const char *bargv[] = { "bash", NULL };
	struct pt_fdinfo ci, si, li;
	struct pt_task t;
	union prec r;
	char err[256];

	pt_syn_open(&st, "graph", BASE, pts, 3);
	t = tk(10, 100);
	prec_exec(&r, &t, "/usr/bin/bash", bargv, true);
	add(&r);
	t = tk(20, 300);
	prec_exec(&r, &t, "/usr/bin/python3", sargv, true);
	add(&r);
	li = prec_sock4(2000, SOCK_STREAM, IPPROTO_TCP, "0.0.0.0", 9200, NULL, 0, 0, 0);
	sys_(30, 300, PT_CALL_SOCKET, 3, -1, 3, &li, NULL);
	sys_(31, 300, PT_CALL_LISTEN, 0, 3, -1, &li, NULL);
	t = tk(100, 100);
	prec_fork(&r, &t, 200, 200, 200, false);
	add(&r);
	t = tk(110, 200);
	prec_exec(&r, &t, "/usr/bin/python3", cargv, false);
	add(&r);
	{
		/* opened, never read (mapped): an "opened" edge in why */
		struct pt_fdinfo fm = prec_file(49, 0);

		sys_(150, 200, PT_CALL_OPENAT, 3, -100, 3, &fm, "/lib/mapped.so");
		sys_(151, 200, PT_CALL_CLOSE, 0, 3, -1, NULL, NULL);
	}
	for (int i = 0; i < 12; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/lib/m%d", i);
		read_file(200 + 10 * (__u64)i, 200, path, 50 + (__u64)i, 100);
	}
	read_file(400, 200, "/data/payload", 77, 3000);
	ci = prec_sock4(1000, SOCK_STREAM, IPPROTO_TCP, "10.0.1.1", 40000, NULL, 0, 0, 0);
	sys_(500, 200, PT_CALL_SOCKET, 4, -1, 4, &ci, NULL);
	ci = prec_sock4(1000, SOCK_STREAM, IPPROTO_TCP, "10.0.1.1", 40000, "10.0.3.2", 9200, ISN, 5000);
	sys_(510, 200, PT_CALL_CONNECT, 0, 4, -1, &ci, NULL);
	si = prec_sock4(2001, SOCK_STREAM, IPPROTO_TCP, "10.0.3.2", 9200, "10.0.1.1", 40000, 5000, ISN);
	sys_(520, 300, PT_CALL_ACCEPT4, 4, 3, 4, &si, NULL);
	data_(600, 200, PT_CALL_SENDTO, PT_DIR_OUT, 4, 3000, 3000, &ci);
	for (__u32 i = 0; i < 3; i++) {
		__u64 fp = 0x1000 + i;

		pkt(601 + 10 * i, 0, fp, ISN + 1000 * i, 1000);
		pkt(602 + 10 * i, 1, fp, ISN + 1000 * i, 1000);
		if (i == 1)
			drop_(613, fp, ISN + 1000, 1000);
		else
			pkt(603 + 10 * i, 2, fp, ISN + 1000 * i, 1000);
	}
	pkt(631, 0, 0x2001, ISN + 1000, 1000);
	pkt(632, 1, 0x2001, ISN + 1000, 1000);
	pkt(633, 2, 0x2001, ISN + 1000, 1000);
	ci.snd_seq = ISN + 3000;
	data_(650, 200, PT_CALL_SENDTO, PT_DIR_OUT, 4, 20000, 4096, &ci);
	data_(700, 300, PT_CALL_RECVFROM, PT_DIR_IN, 4, 3000, 3000, &si);
	si.rcv_seq = ISN + 3000;
	data_(750, 300, PT_CALL_RECVFROM, PT_DIR_IN, 4, 20000, 4096, &si);
	{
		struct pt_fdinfo fo = prec_file(88, 0);

		open_flags = O_WRONLY | O_CREAT;
		sys_(800, 300, PT_CALL_OPENAT, 5, -100, 5, &fo, "/out/result");
		open_flags = O_RDONLY;
		fo.pos = 3000;
		data_(810, 300, PT_CALL_WRITE, PT_DIR_OUT, 5, 3000, 0, &fo);
		/* opened for writing, never written (a mapped output): "opened" in impact */
		fo = prec_file(89, 0);
		open_flags = O_RDWR | O_CREAT;
		sys_(820, 300, PT_CALL_OPENAT, 6, -100, 6, &fo, "/out/mapped");
		open_flags = O_RDONLY;
	}
	t = tk(900, 200);
	prec_exit(&r, &t, 0, true);
	add(&r);
	pt_syn_close(&st);
	ck_assert_int_eq(pt_pmload(st.dir, &pl, err, sizeof(err)), 0);
}

static void setup(void)
{
	history();
}

static void teardown(void)
{
	pt_pmload_free(pl);
	pl = NULL;
	pt_syn_rm(&st);
}

/* Build why/impact of id; -errno and the message in err (when given). */
static int build(const char *id, bool impact, unsigned depth, unsigned fanout, struct pt_graph **g, char *err,
		 size_t errlen)
{
	struct pt_graph_opts o = { .impact = impact, .depth = depth, .fanout = fanout, .store_dir = st.dir };
	struct pt_vertex_id v;
	char e[512];

	ck_assert_int_eq(pt_vertex_parse(id, &v, e, sizeof(e)), 0);
	return pt_graph_build(pl, &v, &o, g, err ? err : e, err ? errlen : sizeof(e));
}

/* The text form with the host name replaced by "H" (caller frees). */
static char *text(const struct pt_graph *g, void (*pr)(FILE *, const struct pt_graph *))
{
	char *buf = NULL, *out, *p, *q;
	size_t n = 0, hl = strlen(pl->host);
	FILE *f = open_memstream(&buf, &n);

	ck_assert_ptr_nonnull(f);
	pr(f, g);
	fclose(f);
	out = calloc(1, n + 1);
	ck_assert_ptr_nonnull(out);
	for (p = buf, q = out; *p;) {
		if (!strncmp(p, pl->host, hl)) {
			*q++ = 'H';
			p += hl;
		} else {
			*q++ = *p++;
		}
	}
	free(buf);
	return out;
}

static size_t first_diff(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] && a[i] == b[i])
		i++;
	return i;
}

static void assert_text(const struct pt_graph *g, const char *want)
{
	char *got = text(g, pt_graph_print_text);

	if (strcmp(got, want)) {
		fprintf(stderr, "differs at [%s] / [%s]\n", got + first_diff(got, want), want + first_diff(got, want));
		fprintf(stderr, "got:\n%s\nwant:\n%s(first difference at byte %zu)\n", got, want, first_diff(got, want));
	}
	ck_assert_msg(!strcmp(got, want), "the text tree differs (printed above)");
	free(got);
}

START_TEST(test_why_recv)
{
	struct pt_graph *g;

	ck_assert_int_eq(build("recv:" CONN "+1500", false, 3, 3, &g, NULL, 0), 0);
	assert_text(g,
		"why recv:" CONN "@10.0.3.2:9200+1500 (depth 3, fan-out 3; host H)\n"
		"recv:" CONN "@10.0.3.2:9200+1500  byte 1500 of what 10.0.3.2:9200 received, in recvfrom [0, 3000) by python3[300] tid 300 (proc:H/300@300)\n"
		"  <- received byte 1500 delivered to the receiving end at 22:13:20.000633  pkt:0000000000002001@s@sv:in  at s@sv:in: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294967272, 1000 B\n"
		"    <- forwarded after 0.001 ms at 22:13:20.000633  pkt:0000000000002001@r@rt:in  at r@rt:in: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294967272, 1000 B\n"
		"      <- forwarded after 0.001 ms at 22:13:20.000632  pkt:0000000000002001@c@cl:out  at c@cl:out: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294967272, 1000 B\n"
		"        <- transmitted-as seq 4294967272, 1000 B at 22:13:20.000631  conn:" CONN "  tcp 10.0.1.1:40000 -> 10.0.3.2:9200, bytes [1500, 1501) sent by 10.0.1.1:40000\n"
		"          -> transmitted-as byte 1500, a copy that did not arrive at 22:13:20.000611  pkt:0000000000001001@c@cl:out  at c@cl:out: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294967272, 1000 B, 1 kernel drop(s) of it\n"
		"            -> forwarded after 0.001 ms at 22:13:20.000612  pkt:0000000000001001@r@rt:in  at r@rt:in: tcp 10.0.1.1:40000 > 10.0.3.2:9200 seq 4294967272, 1000 B, 1 kernel drop(s) of it\n"
		"              -> dropped-at reason#60000 at 22:13:20.000613  drop:0000000000001001@613000  kernel drop of packet 0000000000001001 (seq 4294967272, 1000 B): reason#60000 at 0x0\n"
		"          <- sent 3000 B [0, 3000) in 1 sendto by tid 200, content captured at 22:13:20.000600  proc:H/200@200  python3[200] python3 cli.py 10.0.3.2, exit 0\n"
		"            <- executed by tid 200: python3 cli.py 10.0.3.2 at 22:13:20.000110  file:/usr/bin/python3  file\n"
		"            <- forked by tid 100 at 22:13:20.000100  proc:H/100@100  bash[100] bash\n"
		"              <- executed (running at load) by tid 100: bash at 22:13:20.000010  file:/usr/bin/bash  file\n"
		"            <- read 3000 B at file offset [0, 3000) in 1 read by tid 200, no content captured at 22:13:20.000401  file:/data/payload  file\n"
		"            <- read 100 B at file offset [0, 100) in 1 read by tid 200, no content captured at 22:13:20.000311  file:/lib/m11  file\n"
		"            <- read 100 B at file offset [0, 100) in 1 read by tid 200, no content captured at 22:13:20.000301  file:/lib/m10  file\n"
		"            * ... 11 more (10 read, 1 opened): --fanout 14 lists them\n"
		"warning: 1 list(s) of neighbours were cut at --fanout 3 (counted in the answer)\n");
	pt_graph_free(g);
}
END_TEST

/* Bytes with no packet records (the 20000-byte send): from the connection directly; its content was cut. */
START_TEST(test_why_no_packets_truncated)
{
	struct pt_graph *g;
	size_t i;

	ck_assert_int_eq(build("recv:" CONN "@10.0.3.2:9200+5000", false, 1, 2, &g, NULL, 0), 0);
	assert_text(g, WANT_NOPKT);
	for (i = 0; i < g->ne && g->e[i].kind != PT_GE_SENT; i++)
		;
	ck_assert_uint_lt(i, g->ne);
	ck_assert(g->e[i].truncated);
	pt_graph_free(g);
}
END_TEST

/* --depth: 0 stops at the first process; 1 expands the sender but not its parent. */
START_TEST(test_depth)
{
	struct pt_graph *g;

	ck_assert_int_eq(build("proc:200", false, 0, 10, &g, NULL, 0), 0);
	assert_text(g, WANT_DEPTH0);
	ck_assert(g->truncated);
	pt_graph_free(g);
	ck_assert_int_eq(build("proc:200", false, 1, 1, &g, NULL, 0), 0);
	assert_text(g, WANT_DEPTH1);
	pt_graph_free(g);
}
END_TEST

/*
 * A process first reached past --depth, then within it by another path, is
 * expanded there (was: the cut node claimed it, and the second showed "(see
 * above)", pointing at nothing expanded). Here python3[400] wrote /data/f
 * from /in/src; bash[100] and its child python3[200] read /data/f. why
 * proc:200 --depth 2 reaches the writer through the parent first (3 steps),
 * then through 200's own read (2 steps): its input /in/src must show.
 */
START_TEST(test_depth_then_within)
{
	const char *bargv[] = { "bash", NULL }, *wargv[] = { "python3", "w.py", NULL };
	const char *cargv[] = { "python3", "c.py", NULL };
	struct pt_graph *g;
	struct pt_fdinfo fo;
	struct pt_task t;
	union prec r;
	char err[256], *got;

	teardown();	/* a store of its own; the fixture's teardown frees this one */
	pt_syn_open(&st, "graph-depth", BASE, NULL, 0);
	t = tk(10, 100);
	prec_exec(&r, &t, "/usr/bin/bash", bargv, true);
	add(&r);
	t = tk(15, 400);
	prec_exec(&r, &t, "/usr/bin/python3", wargv, true);
	add(&r);
	read_file(16, 400, "/in/src", 90, 10);
	fo = prec_file(91, 0);
	open_flags = O_WRONLY | O_CREAT;
	sys_(20, 400, PT_CALL_OPENAT, 3, -100, 3, &fo, "/data/f");
	open_flags = O_RDONLY;
	fo.pos = 100;
	data_(21, 400, PT_CALL_WRITE, PT_DIR_OUT, 3, 100, 0, &fo);
	sys_(22, 400, PT_CALL_CLOSE, 0, 3, -1, NULL, NULL);
	read_file(30, 100, "/data/f", 91, 100);
	t = tk(100, 100);
	prec_fork(&r, &t, 200, 200, 200, false);
	add(&r);
	t = tk(110, 200);
	prec_exec(&r, &t, "/usr/bin/python3", cargv, false);
	add(&r);
	read_file(150, 200, "/data/f", 91, 100);
	pt_syn_close(&st);
	ck_assert_int_eq(pt_pmload(st.dir, &pl, err, sizeof(err)), 0);

	ck_assert_int_eq(build("proc:200", false, 2, 10, &g, NULL, 0), 0);
	got = text(g, pt_graph_print_text);
	ck_assert_msg(strstr(got, "[not expanded: past --depth 2]"), "the parent's path is cut:\n%s", got);
	ck_assert_msg(strstr(got, "file:/in/src"), "the writer's input is missing:\n%s", got);
	free(got);
	pt_graph_free(g);
}
END_TEST

/*
 * A chain of 1101 processes, each reading the file the one before it wrote:
 * why of the last at --depth 1000 nests two levels a process and stops at
 * PT_GRAPH_LEVELS_MAX (the walk recurses: ~1.3 KiB of stack a level), with
 * the cut marked and warned about.
 */
START_TEST(test_levels_cut)
{
	const char *argv[] = { "python3", "step.py", NULL };
	struct pt_graph *g;
	struct pt_fdinfo fo;
	struct pt_task t;
	union prec r;
	char err[256], path[32], *got;
	__u32 n = 1101, pid;

	teardown();
	pt_syn_open(&st, "graph-levels", BASE, NULL, 0);
	for (__u32 i = 0; i < n; i++) {
		__u64 ts = 1000 + 10 * (__u64)i;

		pid = 1000 + i;
		t = tk(ts, pid);
		prec_exec(&r, &t, "/usr/bin/python3", argv, true);
		add(&r);
		if (i) {
			snprintf(path, sizeof(path), "/chain/%u", i - 1);
			read_file(ts + 1, pid, path, 5000 + (__u64)i - 1, 10);
		}
		snprintf(path, sizeof(path), "/chain/%u", i);
		fo = prec_file(5000 + (__u64)i, 0);
		open_flags = O_WRONLY | O_CREAT;
		sys_(ts + 5, pid, PT_CALL_OPENAT, 3, -100, 3, &fo, path);
		open_flags = O_RDONLY;
		fo.pos = 10;
		data_(ts + 6, pid, PT_CALL_WRITE, PT_DIR_OUT, 3, 10, 0, &fo);
		sys_(ts + 7, pid, PT_CALL_CLOSE, 0, 3, -1, NULL, NULL);
	}
	pt_syn_close(&st);
	ck_assert_int_eq(pt_pmload(st.dir, &pl, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "proc:%u", pid);
	ck_assert_int_eq(build(path, false, 1000, 10, &g, NULL, 0), 0);
	ck_assert(g->truncated);
	got = text(g, pt_graph_print_text);
	ck_assert_msg(strstr(got, "[not expanded: the answer is too large]"), "no cut node");
	ck_assert_msg(strstr(got, "warning: 1 path(s) nested 2000 levels deep were cut there"), "no warning");
	ck_assert_msg(!strstr(got, "past --depth"), "cut by --depth first");
	free(got);
	pt_graph_free(g);
}
END_TEST

/* impact of the file: the client read it, sent it, the packets carried it, the server read it and wrote a file. */
START_TEST(test_impact_file)
{
	struct pt_graph *g;

	ck_assert_int_eq(build("file:/data/payload", true, 3, 10, &g, NULL, 0), 0);
	assert_text(g, WANT_IMPACT);
	pt_graph_free(g);
}
END_TEST

/* why of a file: its writer, and what the writer had received (a recv vertex: recursion through the network). */
START_TEST(test_why_file)
{
	struct pt_graph *g;

	ck_assert_int_eq(build("file:/out/result", false, 2, 2, &g, NULL, 0), 0);
	assert_text(g, WANT_WHYFILE);
	pt_graph_free(g);
}
END_TEST

/* "opened": a file opened read-only and never read is an input (why) of its
 * opener; one opened for writing and never written an output (impact). */
START_TEST(test_opened)
{
	struct pt_graph *g;
	char *t;

	ck_assert_int_eq(build("proc:200", false, 1, 20, &g, NULL, 0), 0);
	t = text(g, pt_graph_print_text);
	ck_assert_msg(strstr(t, "\n  <- opened O_RDONLY, no read seen at 22:13:20.000150  file:/lib/mapped.so  file\n"),
		      "%s", t);
	ck_assert_msg(!strstr(t, "/out/mapped"), "%s", t);
	free(t);
	pt_graph_free(g);
	ck_assert_int_eq(build("proc:300", true, 1, 20, &g, NULL, 0), 0);
	t = text(g, pt_graph_print_text);
	ck_assert_msg(strstr(t, "\n  -> opened O_RDWR, no write seen at 22:13:20.000820  file:/out/mapped  file\n"), "%s", t);
	ck_assert_msg(strstr(t, "\n  -> wrote 3000 B"), "%s", t);
	ck_assert_msg(!strstr(t, "opened O_WRONLY"), "/out/result was written: no opened edge\n%s", t);
	free(t);
	pt_graph_free(g);
}
END_TEST

/* A packet root and a connection root. */
START_TEST(test_pkt_conn_roots)
{
	struct pt_graph *g;

	ck_assert_int_eq(build("pkt:0000000000001001@r@rt:in", false, 1, 2, &g, NULL, 0), 0);
	assert_text(g, WANT_PKT);
	pt_graph_free(g);
	ck_assert_int_eq(build("conn:" CONN, false, 1, 2, &g, NULL, 0), 0);
	assert_text(g, WANT_CONN);
	pt_graph_free(g);
}
END_TEST

static void assert_nosuch(const char *id, const char *msg)
{
	struct pt_graph *g = NULL;
	char err[512], want[512];
	const char *h = strstr(msg, "host H,");

	/* "host H" stands for this machine's name */
	if (h)
		snprintf(want, sizeof(want), "%.*shost %s%s", (int)(h - msg), msg, pl->host, h + 6);
	else
		snprintf(want, sizeof(want), "%s", msg);
	ck_assert_int_eq(build(id, false, 3, 10, &g, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(g);
	ck_assert_str_eq(err, want);
}

START_TEST(test_unknown)
{
	assert_nosuch("proc:999", "no such vertex: proc:999 (no process of pid 999 in the store)");
	assert_nosuch("proc:otherhost/200@200", "no such vertex: proc:otherhost/200@200 (this store is of host H, not otherhost)");
	assert_nosuch("conn:tcp:1.2.3.4:1-5.6.7.8:2/1-2",
		      "no such vertex: conn:tcp:1.2.3.4:1-5.6.7.8:2/1-2 (no connection tcp:1.2.3.4:1-5.6.7.8:2/1-2 in the "
		      "store)");
	assert_nosuch("recv:" CONN "+23000", "no such vertex: recv:" CONN "+23000 (no recorded receive call of "
		      "10.0.3.2:9200 covers byte 23000; it received [0, 23000))");
	assert_nosuch("recv:" CONN "@10.9.9.9:1+0", "no such vertex: recv:" CONN "@10.9.9.9:1+0 (10.9.9.9:1 is not "
		      "an end of that connection: it joins 10.0.1.1:40000 and 10.0.3.2:9200)");
	assert_nosuch("file:/nope", "no such vertex: file:/nope (no process opened or executed that path (paths are "
		      "as the process gave them))");
	assert_nosuch("pkt:0000000000001001@nowhere:in", "no such vertex: pkt:0000000000001001@nowhere:in (no capture "
		      "point named nowhere:in in the store)");
	assert_nosuch("pkt:00000000000000ff@s@sv:in", "no such vertex: pkt:00000000000000ff@s@sv:in (no TCP packet "
		      "with payload and fingerprint 00000000000000ff was seen at s@sv:in)");
	assert_nosuch("sock:5", "no such vertex: sock:5 (no socket with inode 5 in the store)");
	assert_nosuch("drop:1001@1", "no such vertex: drop:0000000000001001@1 (no kernel drop of a TCP packet with "
		      "payload and fingerprint 0000000000001001 at 1)");
}
END_TEST

/* The answer's vertex and edge tables past their first sizes: an id or edge met again is the one
 * already there, at any size (hash indexes, rehashed as they grow). */
START_TEST(test_graph_tables_grow)
{
	struct pt_gwalk w = { 0 };
	struct pt_gcand c = { 0 };
	char id[32];
	__u32 i, v;

	w.g = calloc(1, sizeof(*w.g));
	ck_assert_ptr_nonnull(w.g);
	for (i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "proc:h/%u@1", i);
		ck_assert_uint_eq(pt_gadd_vertex(&w, PT_V_PROC, id, i, "s", "{}"), i);
	}
	for (i = 0; i < 5000; i += 7) {
		snprintf(id, sizeof(id), "proc:h/%u@1", i);
		ck_assert_uint_eq(pt_gadd_vertex(&w, PT_V_PROC, id, 0, "other", "{}"), i);
	}
	ck_assert_uint_eq(w.g->nv, 5000);
	ck_assert_str_eq(w.g->v[4999].id, "proc:h/4999@1");
	c.ekind = 1;
	for (i = 0; i + 1 < 5000; i++) {
		c.ts = i;
		snprintf(c.label, sizeof(c.label), "e%u", i % 3);
		ck_assert_uint_eq(pt_gadd_edge(&w, i, i + 1, &c), i);
	}
	/* the same again: found; one field different: new */
	c.ts = 10;
	snprintf(c.label, sizeof(c.label), "e%u", 10 % 3);
	ck_assert_uint_eq(pt_gadd_edge(&w, 10, 11, &c), 10);
	snprintf(c.label, sizeof(c.label), "other");
	v = pt_gadd_edge(&w, 10, 11, &c);
	ck_assert_uint_eq(v, 4999);
	c.ts = 11;
	snprintf(c.label, sizeof(c.label), "e%u", 10 % 3);
	ck_assert_uint_eq(pt_gadd_edge(&w, 10, 11, &c), 5000);
	ck_assert_uint_eq(w.g->ne, 5001);
	ck_assert_uint_eq(w.g->e[4999].to, 11);
	pt_graph_free(w.g);
}
END_TEST

/* The JSON members of a vertex stay JSON when they do not fit: a value is cut
 * (ending "...") until its escaped form fits, a number is whole or absent
 * (was: a 6x-escaped argv dropped, a number cut to `nu`) */
START_TEST(test_json_members_fit)
{
	char buf[64], val[200];

	memset(val, 0xff, sizeof(val) - 1);	/* each byte escapes to \ufffd */
	val[sizeof(val) - 1] = 0;
	buf[0] = 0;
	pt_gaddjn(buf, sizeof(buf), "pid", 7);
	pt_gaddjs(buf, sizeof(buf), "argv", val);
	ck_assert_str_eq(buf, "\"pid\":7,\"argv\":\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd...\"");
	pt_gaddjn(buf, sizeof(buf), "exit_status", 1234567);
	ck_assert_str_eq(buf, "\"pid\":7,\"argv\":\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd...\"");
	pt_gaddjf(buf, sizeof(buf), ",\"x\":%d", 1);
	ck_assert_str_eq(buf, "\"pid\":7,\"argv\":\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd...\",\"x\":1");
	/* a value that fits is whole */
	buf[0] = 0;
	pt_gaddjs(buf, sizeof(buf), "comm", "a\"b");
	ck_assert_str_eq(buf, "\"comm\":\"a\\\"b\"");
	pt_gaddjs(buf, sizeof(buf), "exe", NULL);
	ck_assert_str_eq(buf, "\"comm\":\"a\\\"b\",\"exe\":null");
}
END_TEST


static Suite *suite(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("why");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_why_recv);
	tcase_add_test(tc, test_json_members_fit);
	tcase_add_test(tc, test_depth_then_within);
	tcase_add_test(tc, test_levels_cut);
	tcase_add_test(tc, test_why_no_packets_truncated);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_impact_file);
	tcase_add_test(tc, test_why_file);
	tcase_add_test(tc, test_pkt_conn_roots);
	tcase_add_test(tc, test_graph_tables_grow);
	tcase_add_test(tc, test_opened);
	tcase_add_test(tc, test_unknown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pt_check_run(suite());
}
