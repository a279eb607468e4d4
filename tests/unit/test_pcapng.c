// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcapng export: header synthesis byte by byte, the file's block structure
 * parsed here (lengths, IDBs, EPBs per interface, timestamps, options), then
 * the same file read by tshark and capinfos with exact per-interface counts and
 * decoded fields, and the `export` command's file handling.
 *
 * The synthetic store: points 0 (veth1@ns-a:in, snaplen 128) and 5 (br0:out,
 * metadata only) have packets, point 2 has none (no IDB for it); one CLOCK
 * record (realtime = boottime + 1.7e18); one LOSS record for point 5.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collector/store.h"
#include "query/pcapng.h"
#include "tests/support/frames.h"

/* The command under test, compiled in (cli/ is not part of libprovtap.a). */
#include "cli/cmd_export.c"
#include "tests/support/checkrun.h"

#define CLOCK_OFF	1700000000000000000ULL	/* realtime - boottime */
#define TS0		2000000000ULL		/* boottime of packet 0 */
#define TS_STEP		1000123ULL

static char dir[64];
static char outdir[64];

/* What a packet of the store is and what tshark must decode. */
struct exp {
	__u16 point;
	int ifid;		/* interface id in the file */
	bool synth;
	const char *src, *dst;	/* ip.src / ipv6.src as tshark prints (VXLAN: outer,inner) */
	const char *sport;	/* tcp.srcport or udp.srcport ("" none) */
	const char *seq;	/* tcp.seq_raw */
	const char *flags;	/* tcp.flags */
	const char *ipck;	/* ip.checksum.status ("" IPv6) */
	const char *l4ck;	/* tcp/udp/icmp checksum.status */
	__u32 caplen, origlen;
	const char *extra;	/* one more field's expected value, see fields_cmd */
	__u32 tcp_len;		/* tcp.len of a synthesised TCP packet */
};

/* Records, in store order; exp[] describes them. */
static struct exp exps[16];
static int nexp;

static struct pt_pkt base_pkt(__u16 point, int i)
{
	struct pt_pkt p = { .type = PT_REC_PKT, .len = sizeof(p), .point = point };

	p.ts_ns = TS0 + (__u64)i * TS_STEP;
	p.dir = point == 0 ? PT_DIR_IN : PT_DIR_OUT;
	p.hook = PT_HOOK_TC;
	p.fp = 0x1000 + (__u64)i;
	p.ttl = 63;
	return p;
}

static void v4(struct pt_pkt *p, const char *s, const char *d)
{
	p->flags |= PT_PF_IPV4;
	inet_pton(AF_INET, s, p->saddr);
	inet_pton(AF_INET, d, p->daddr);
}

/* Snap record: the frame of spec, cap_len = min(128, len). */
static size_t snap_rec(__u8 *buf, int i, struct frame_spec *fs)
{
	struct pt_pkt p = base_pkt(0, i);
	__u8 frame[FRAME_MAX];
	size_t n = frame_build(fs, frame, sizeof(frame), NULL);

	ck_assert_uint_gt(n, 0);
	p.wire_len = (__u32)n;
	p.cap_len = (__u16)(n < 128 ? n : 128);
	p.len = (__u16)(sizeof(p) + p.cap_len);
	p.flags = (fs->ipver == 6 ? PT_PF_IPV6 : PT_PF_IPV4) | PT_PF_L4;
	memcpy(p.saddr, fs->saddr, 16);
	memcpy(p.daddr, fs->daddr, 16);
	p.l4proto = fs->l4proto;
	memcpy(buf, &p, sizeof(p));
	memcpy(buf + sizeof(p), frame, p.cap_len);
	return p.len;
}

/* Append n bytes of records to the store. */
static void put_recs(struct pt_store *s, const void *recs, size_t len, __u32 n)
{
	ck_assert_int_eq(pt_store_append(s, recs, len, n, NULL), 0);
}

static void add_point(struct pt_store *s, __u16 id, const char *ifname, const char *netns, __u8 dir,
		      __u16 snaplen)
{
	struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr), .point = id };

	pr.info.in_use = 1;
	pr.info.dir = dir;
	pr.info.hook = PT_HOOK_TC;
	pr.info.ifindex = 10 + id;
	pr.info.netns_ino = 4026530000ULL + id;
	pr.info.attach_realtime_ns = CLOCK_OFF + id;
	pr.info.snaplen = snaplen;
	snprintf(pr.info.ifname, sizeof(pr.info.ifname), "%s", ifname);
	snprintf(pr.info.netns, sizeof(pr.info.netns), "%s", netns);
	snprintf(pr.info.variant, sizeof(pr.info.variant), "tc-v1");
	put_recs(s, &pr, sizeof(pr), 1);
}

static void add_exp(__u16 point, bool synth, const char *src, const char *dst, const char *sport, const char *seq,
		    const char *flags, const char *ipck, const char *l4ck, __u32 caplen, __u32 origlen,
		    const char *extra)
{
	exps[nexp++] = (struct exp){ point, point == 0 ? 0 : 1, synth, src, dst, sport, seq, flags, ipck, l4ck,
				     caplen, origlen, extra };
}

static void make_store(void)
{
	static const struct pt_store_opts so = { .hostname = "testhost", .boot_id = "test-boot" };
	struct pt_clock_rec c = { .type = PT_REC_CLOCK, .len = sizeof(c) };
	struct pt_loss_rec l = { .type = PT_REC_LOSS, .len = sizeof(l), .point = 5 };
	struct pt_store *s;
	struct frame_spec fs;
	__u8 buf[1024];
	struct pt_pkt p;
	int i = 0;

	snprintf(dir, sizeof(dir), "/tmp/pt-pcapng-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(outdir, sizeof(outdir), "/tmp/pt-pcapng-out-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(outdir));
	ck_assert_int_eq(pt_store_open(dir, &so, &s), 0);
	add_point(s, 0, "veth1", "ns-a", PT_DIR_IN, 128);
	add_point(s, 2, "eth9", "ns-z", PT_DIR_IN, 0);	/* no packets: no IDB */
	add_point(s, 5, "br0", "", PT_DIR_OUT, 0);
	c.boottime_ns = 1000;
	c.realtime_ns = CLOCK_OFF + 1000;
	put_recs(s, &c, sizeof(c), 1);
	nexp = 0;

	/* 0: snap, IPv4 TCP 10.0.0.1:40000 -> 10.0.0.2:80 with 200 payload bytes (frame 254, 128 kept) */
	frame_spec_init(&fs, 4, IPPROTO_TCP);
	static const __u8 payload[200];
	fs.payload = payload;
	fs.payload_len = sizeof(payload);
	put_recs(s, buf, snap_rec(buf, i++, &fs), 1);
	add_exp(0, false, "10.0.0.1", "10.0.0.2", "40000", "1000", "0x0018", "", "", 128, 254, "");

	/* 1: synth, IPv4 TCP pure ACK without options: the headers are the packet -> checksums computed */
	p = base_pkt(5, i++);
	v4(&p, "10.1.0.1", "10.2.0.2");
	p.flags |= PT_PF_L4;
	p.l4proto = IPPROTO_TCP;
	p.sport = 33000, p.dport = 80, p.seq = 0x11223344, p.ack = 0x55667788, p.tcp_flags = 0x10;
	p.window = 64240, p.ip_id = 77, p.l3_len = 40, p.wire_len = 54;
	put_recs(s, &p, sizeof(p), 1);
	add_exp(5, true, "10.1.0.1", "10.2.0.2", "33000", "287454020", "0x0010", "1", "1", 54, 54, "");
	exps[nexp - 1].tcp_len = 0;

	/* 2: snap, IPv4 UDP 10.0.0.1:40000 -> 10.0.0.2:53 */
	frame_spec_init(&fs, 4, IPPROTO_UDP);
	put_recs(s, buf, snap_rec(buf, i++, &fs), 1);
	add_exp(0, false, "10.0.0.1", "10.0.0.2", "40000", "", "", "", "", 42, 42, "");

	/* 3: synth, IPv4 TCP PSH|ACK with 100 payload bytes: truncated to the headers, TCP checksum 0 */
	p = base_pkt(5, i++);
	v4(&p, "10.1.0.1", "10.2.0.2");
	p.flags |= PT_PF_L4;
	p.l4proto = IPPROTO_TCP;
	p.sport = 33000, p.dport = 80, p.seq = 1000, p.ack = 2000, p.tcp_flags = 0x18;
	p.window = 500, p.l3_len = 140, p.l4_payload_len = 100, p.wire_len = 154;
	put_recs(s, &p, sizeof(p), 1);
	add_exp(5, true, "10.1.0.1", "10.2.0.2", "33000", "1000", "0x0018", "1", "2", 54, 154, "");
	exps[nexp - 1].tcp_len = 100;

	/* 4: synth, IPv4 UDP with 20 payload bytes */
	p = base_pkt(5, i++);
	v4(&p, "10.1.0.1", "10.2.0.3");
	p.flags |= PT_PF_L4;
	p.l4proto = IPPROTO_UDP;
	p.sport = 5353, p.dport = 53, p.l3_len = 48, p.l4_payload_len = 20, p.wire_len = 62;
	put_recs(s, &p, sizeof(p), 1);
	add_exp(5, true, "10.1.0.1", "10.2.0.3", "5353", "", "", "1", "3", 42, 62, "28");	/* udp.length; v4 UDP csum 0: none */

	/* 5: synth, ICMP echo request id 7 seq 3, no payload -> ICMP checksum computed */
	p = base_pkt(5, i++);
	v4(&p, "10.1.0.1", "10.2.0.2");
	p.flags |= PT_PF_L4;
	p.l4proto = IPPROTO_ICMP;
	p.icmp_type = 8, p.sport = 7, p.dport = 3, p.l3_len = 28, p.wire_len = 42;
	put_recs(s, &p, sizeof(p), 1);
	add_exp(5, true, "10.1.0.1", "10.2.0.2", "", "", "", "1", "1", 42, 42, "7");	/* icmp.ident */

	/* 6: snap, IPv6 UDP 2001:db8::1 -> 2001:db8::2 */
	frame_spec_init(&fs, 6, IPPROTO_UDP);
	put_recs(s, buf, snap_rec(buf, i++, &fs), 1);
	add_exp(0, false, "2001:db8::1", "2001:db8::2", "40000", "", "", "", "", 62, 62, "");

	/* 7: synth, IPv6 UDP without payload -> UDP checksum computed */
	p = base_pkt(5, i++);
	p.flags = PT_PF_IPV6 | PT_PF_L4;
	inet_pton(AF_INET6, "fd00::1", p.saddr);
	inet_pton(AF_INET6, "fd00::2", p.daddr);
	p.l4proto = IPPROTO_UDP;
	p.sport = 1000, p.dport = 2000, p.l3_len = 48, p.wire_len = 62;
	put_recs(s, &p, sizeof(p), 1);
	add_exp(5, true, "fd00::1", "fd00::2", "1000", "", "", "", "1", 62, 62, "8");	/* udp.length */

	/* 8: synth, VLAN 100, IPv4 TCP SYN (options not recorded: l3_len 60) */
	p = base_pkt(5, i++);
	v4(&p, "10.3.0.1", "10.3.0.2");
	p.flags |= PT_PF_L4 | PT_PF_VLAN;
	p.vlan[0] = 100;
	p.l4proto = IPPROTO_TCP;
	p.sport = 44000, p.dport = 443, p.seq = 5, p.tcp_flags = 0x02, p.window = 64240;
	p.l3_len = 60, p.wire_len = 78;
	put_recs(s, &p, sizeof(p), 1);
	add_exp(5, true, "10.3.0.1", "10.3.0.2", "44000", "5", "0x0002", "1", "2", 58, 78, "100");	/* vlan.id */
	exps[nexp - 1].tcp_len = 0;

	/* 9: synth, VXLAN 172.16.0.1 -> 172.16.0.2 VNI 42, inner IPv4 TCP 10.9.0.1:1234 -> 10.9.0.2:80 */
	p = base_pkt(5, i++);
	v4(&p, "10.9.0.1", "10.9.0.2");
	p.flags |= PT_PF_L4 | PT_PF_VXLAN;
	inet_pton(AF_INET, "172.16.0.1", p.outer_saddr);
	inet_pton(AF_INET, "172.16.0.2", p.outer_daddr);
	p.vni = 42;
	p.l4proto = IPPROTO_TCP;
	p.sport = 1234, p.dport = 80, p.seq = 9, p.ack = 10, p.tcp_flags = 0x10, p.window = 100;
	p.l3_len = 40 + 10, p.l4_payload_len = 10, p.wire_len = 14 + 20 + 8 + 8 + 14 + 50;
	put_recs(s, &p, sizeof(p), 1);
	add_exp(5, true, "172.16.0.1,10.9.0.1", "172.16.0.2,10.9.0.2", "1234", "9", "0x0010", "1,1", "2", 104, 114,
		"42");	/* vxlan.vni */
	exps[nexp - 1].tcp_len = 10;

	/* 10: synth, IPv4 non-first fragment of UDP (offset 1480): no L4 header */
	p = base_pkt(5, i++);
	v4(&p, "10.1.0.1", "10.2.0.2");
	p.flags |= PT_PF_FRAG;
	p.l4proto = IPPROTO_UDP;
	p.frag_off = 1480, p.ip_id = 999, p.l3_len = 520, p.wire_len = 534;
	put_recs(s, &p, sizeof(p), 1);
	add_exp(5, true, "10.1.0.1", "10.2.0.2", "", "", "", "1", "", 34, 534, "185");	/* ip.frag_offset, 8-byte units */

	l.boottime_ns = TS0 + 5 * TS_STEP;
	l.lost = 3;
	l.lost_total = 3;
	put_recs(s, &l, sizeof(l), 1);
	pt_store_close(s);
}

static void rm_rf(const char *d)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", d);
}

static void teardown(void)
{
	if (dir[0])
		rm_rf(dir);
	if (outdir[0])
		rm_rf(outdir);
	dir[0] = outdir[0] = 0;
}

static void setup(void)
{
	/* check skips the teardown of a failed test; the test process exits, though */
	atexit(teardown);
	make_store();
}

/* Export with expr/window into outdir/name. Returns the stats. */
static struct pt_pcapng_stats export(const char *name, const char *expr, __u64 since, __u64 until, char *path,
				     size_t plen)
{
	struct pt_scan_opts o = { .store_dir = dir, .expr = expr, .since_ns = since, .until_ns = until };
	struct pt_pcapng_stats st;
	char err[256] = "";
	bool partial = true;
	FILE *f;

	snprintf(path, plen, "%s/%s", outdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(pt_pcapng_export(&o, f, &st, &partial, err, sizeof(err)) == 0, "export: %s", err);
	ck_assert(!partial);
	ck_assert_int_eq(fclose(f), 0);
	return st;
}

/* ---- our own pcapng parser ---- */

static __u32 le32(const __u8 *b)
{
	return (__u32)b[0] | (__u32)b[1] << 8 | (__u32)b[2] << 16 | (__u32)b[3] << 24;
}

static __u16 le16(const __u8 *b)
{
	return (__u16)(b[0] | b[1] << 8);
}

struct parsed {
	int nidb, nepb, nisb;
	int per_if[8];
	__u32 snaplen[8];
	char if_name[8][128];
	__u8 tsresol[8];
	struct {
		__u32 ifid, caplen, origlen, flags;
		__u64 ts;
		char comment[512];
		__u8 data[256];
	} epb[32];
	__u64 ifdrop[8];
};

/* Walk the options at o..end, check their alignment and the end marker; call back per option. */
static void walk_opts(const __u8 *o, const __u8 *end, void (*fn)(void *, __u16, const __u8 *, __u16), void *ctx)
{
	bool ended = false;

	while (o < end) {
		__u16 code = le16(o), len = le16(o + 2);

		ck_assert_msg(o + 4 + ((len + 3u) & ~3u) <= end, "option %u overruns its block", code);
		if (code == 0) {
			ck_assert_uint_eq(len, 0);
			ended = true;
			o += 4;
			break;
		}
		fn(ctx, code, o + 4, len);
		o += 4 + ((len + 3u) & ~3u);
	}
	ck_assert_msg(ended, "options not closed by opt_endofopt");
	ck_assert_msg(o == end, "bytes after opt_endofopt");
}

struct optctx {
	struct parsed *ps;
	__u32 type;
	int idx;
};

static void on_opt(void *vc, __u16 code, const __u8 *v, __u16 len)
{
	struct optctx *c = vc;
	struct parsed *ps = c->ps;

	if (c->type == PT_PCAPNG_IDB && code == 2)
		snprintf(ps->if_name[c->idx], sizeof(ps->if_name[0]), "%.*s", len, (const char *)v);
	if (c->type == PT_PCAPNG_IDB && code == 9) {
		ck_assert_uint_eq(len, 1);
		ps->tsresol[c->idx] = v[0];
	}
	if (c->type == PT_PCAPNG_EPB && code == 1)
		snprintf(ps->epb[c->idx].comment, sizeof(ps->epb[0].comment), "%.*s", len, (const char *)v);
	if (c->type == PT_PCAPNG_EPB && code == 2) {
		ck_assert_uint_eq(len, 4);
		ps->epb[c->idx].flags = le32(v);
	}
	if (c->type == PT_PCAPNG_ISB && code == 5) {
		ck_assert_uint_eq(len, 8);
		ps->ifdrop[c->idx] = (__u64)le32(v) | (__u64)le32(v + 4) << 32;
	}
}

static void parse_file(const char *path, struct parsed *ps)
{
	static __u8 b[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n, off = 0;

	ck_assert_ptr_nonnull(f);
	n = fread(b, 1, sizeof(b), f);
	fclose(f);
	memset(ps, 0, sizeof(*ps));
	ck_assert_uint_ge(n, 28);
	ck_assert_uint_eq(le32(b), PT_PCAPNG_SHB);
	ck_assert_uint_eq(le32(b + 8), PT_PCAPNG_MAGIC);
	ck_assert_uint_eq(le16(b + 12), 1);
	ck_assert_uint_eq(le16(b + 14), 0);
	while (off < n) {
		__u32 type, total;
		const __u8 *blk = b + off, *body;
		struct optctx c = { .ps = ps };

		ck_assert_uint_ge(n - off, 12);
		type = le32(blk);
		total = le32(blk + 4);
		ck_assert_msg(total % 4 == 0 && total >= 12 && off + total <= n, "block at %zu: bad length %u", off, total);
		ck_assert_msg(le32(blk + total - 4) == total, "block at %zu: trailing length differs", off);
		body = blk + 8;
		c.type = type;
		switch (type) {
		case PT_PCAPNG_SHB:
			ck_assert_uint_eq(off, 0);
			walk_opts(body + 16, blk + total - 4, on_opt, &c);
			break;
		case PT_PCAPNG_IDB:
			ck_assert_int_lt(ps->nidb, 8);
			c.idx = ps->nidb;
			ck_assert_uint_eq(le16(body), PT_PCAPNG_LINKTYPE_ETHERNET);
			ps->snaplen[ps->nidb] = le32(body + 4);
			walk_opts(body + 8, blk + total - 4, on_opt, &c);
			ps->nidb++;
			break;
		case PT_PCAPNG_EPB: {
			__u32 ifid = le32(body), cap = le32(body + 12);

			ck_assert_int_lt(ps->nepb, 32);
			ck_assert_msg(ifid < (__u32)ps->nidb, "EPB before its IDB");
			c.idx = ps->nepb;
			ps->epb[c.idx].ifid = ifid;
			ps->epb[c.idx].ts = (__u64)le32(body + 4) << 32 | le32(body + 8);
			ps->epb[c.idx].caplen = cap;
			ps->epb[c.idx].origlen = le32(body + 16);
			ck_assert_uint_le(cap, 256);
			ck_assert_uint_le(cap, ps->epb[c.idx].origlen);
			ck_assert_uint_le(cap, ps->snaplen[ifid]);
			memcpy(ps->epb[c.idx].data, body + 20, cap);
			walk_opts(body + 20 + ((cap + 3) & ~3u), blk + total - 4, on_opt, &c);
			ps->per_if[ifid]++;
			ps->nepb++;
			break;
		}
		case PT_PCAPNG_ISB: {
			__u32 ifid = le32(body);

			ck_assert_uint_lt(ifid, (__u32)ps->nidb);
			c.idx = (int)ifid;
			walk_opts(body + 12, blk + total - 4, on_opt, &c);
			ps->nisb++;
			break;
		}
		default:
			ck_abort_msg("unexpected block type 0x%x", type);
		}
		off += total;
	}
	ck_assert_uint_eq(off, n);
}

/* ---- synthesis, byte level ---- */

static __u16 be16_at(const __u8 *b)
{
	return (__u16)(b[0] << 8 | b[1]);
}

static __u32 be32_at(const __u8 *b)
{
	return (__u32)be16_at(b) << 16 | be16_at(b + 2);
}

/* One's complement sum of b (plus sum) folded: 0xffff when the checksum inside is right. */
static __u16 sum16(__u32 sum, const __u8 *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

START_TEST(synth_ipv4_tcp)
{
	struct pt_pkt p = base_pkt(5, 0);
	__u8 b[PT_PCAPNG_SYNTH_MAX], ph[12];
	char comment[512];
	__u32 orig = 0;
	size_t n;

	v4(&p, "192.0.2.1", "198.51.100.2");
	p.flags |= PT_PF_L4;
	p.l4proto = IPPROTO_TCP;
	p.tos = 0x10, p.ip_id = 0xbeef, p.ttl = 61;
	p.sport = 1, p.dport = 2, p.seq = 3, p.ack = 4, p.tcp_flags = 0x11, p.window = 5;
	p.l3_len = 40, p.wire_len = 60;	/* Ethernet padding seen on the wire */
	n = pt_pcapng_synth(&p, b, sizeof(b), &orig, comment, sizeof(comment));
	ck_assert_uint_eq(n, 54);
	ck_assert_uint_eq(orig, 60);
	ck_assert_uint_eq(be16_at(b + 12), 0x0800);
	ck_assert_uint_eq(b[14], 0x45);
	ck_assert_uint_eq(b[15], 0x10);
	ck_assert_uint_eq(be16_at(b + 16), 40);
	ck_assert_uint_eq(be16_at(b + 18), 0xbeef);
	ck_assert_uint_eq(be16_at(b + 20), 0);	/* no flags, offset 0 */
	ck_assert_uint_eq(b[22], 61);
	ck_assert_uint_eq(b[23], IPPROTO_TCP);
	ck_assert_uint_eq(sum16(0, b + 14, 20), 0xffff);
	ck_assert_uint_eq(be16_at(b + 34), 1);
	ck_assert_uint_eq(be16_at(b + 36), 2);
	ck_assert_uint_eq(be32_at(b + 38), 3);
	ck_assert_uint_eq(be32_at(b + 42), 4);
	ck_assert_uint_eq(b[46], 0x50);
	ck_assert_uint_eq(b[47], 0x11);
	ck_assert_uint_eq(be16_at(b + 48), 5);
	/* whole packet present: TCP checksum over pseudo header + header is right */
	memcpy(ph, b + 26, 8);
	ph[8] = 0, ph[9] = IPPROTO_TCP, ph[10] = 0, ph[11] = 20;
	ck_assert_uint_eq(sum16(sum16(0, ph, 12), b + 34, 20), 0xffff);
	ck_assert_str_eq(comment, PT_PCAPNG_SYNTH_COMMENT "; no payload: L4 checksum computed");

	/* with payload: truncated, checksum 0, original length from the IP length */
	p.l3_len = 1040, p.l4_payload_len = 1000, p.wire_len = 0;
	n = pt_pcapng_synth(&p, b, sizeof(b), &orig, comment, sizeof(comment));
	ck_assert_uint_eq(n, 54);
	ck_assert_uint_eq(orig, 1054);
	ck_assert_uint_eq(be16_at(b + 16), 1040);
	ck_assert_uint_eq(be16_at(b + 50), 0);
	ck_assert_str_eq(comment, PT_PCAPNG_SYNTH_COMMENT "; payload not recorded: L4 checksum 0");
	ck_assert_uint_eq(pt_pcapng_synth(&p, b, 100, &orig, NULL, 0), 0);	/* buffer too small */

	/* SYN with 20 bytes of options: the data offset covers them, the capture ends before them */
	p.tcp_flags = 0x02, p.l3_len = 60, p.l4_payload_len = 0, p.wire_len = 74;
	n = pt_pcapng_synth(&p, b, sizeof(b), &orig, NULL, 0);
	ck_assert_uint_eq(n, 54);
	ck_assert_uint_eq(orig, 74);
	ck_assert_uint_eq(b[46], 0xa0);
	ck_assert_uint_eq(be16_at(b + 50), 0);
}
END_TEST

START_TEST(synth_ipv6_frag_qinq)
{
	struct pt_pkt p = base_pkt(5, 0);
	__u8 b[PT_PCAPNG_SYNTH_MAX];
	__u32 orig;
	size_t n;

	p.flags = PT_PF_IPV6 | PT_PF_FRAG | PT_PF_L4 | PT_PF_QINQ;
	p.vlan[0] = 0x0064, p.vlan[1] = 0x2005;
	inet_pton(AF_INET6, "2001:db8::a", p.saddr);
	inet_pton(AF_INET6, "2001:db8::b", p.daddr);
	p.l4proto = IPPROTO_UDP, p.tos = 0xb8, p.ttl = 9, p.ip_id = 0x4242;
	p.sport = 7, p.dport = 8, p.frag_off = 0;	/* first fragment: MF */
	p.l3_len = 1280, p.l4_payload_len = 1224, p.wire_len = 1302;
	n = pt_pcapng_synth(&p, b, sizeof(b), &orig, NULL, 0);
	ck_assert_uint_eq(n, 22 + 40 + 8 + 8);
	ck_assert_uint_eq(orig, 1302);
	ck_assert_uint_eq(be16_at(b + 12), 0x88a8);
	ck_assert_uint_eq(be16_at(b + 14), 0x0064);
	ck_assert_uint_eq(be16_at(b + 16), 0x8100);
	ck_assert_uint_eq(be16_at(b + 18), 0x2005);
	ck_assert_uint_eq(be16_at(b + 20), 0x86dd);
	ck_assert_uint_eq(be32_at(b + 22), 6u << 28 | 0xb8u << 20);
	ck_assert_uint_eq(be16_at(b + 26), 1240);	/* payload length */
	ck_assert_uint_eq(b[28], 44);			/* fragment header next */
	ck_assert_uint_eq(b[29], 9);
	ck_assert_uint_eq(b[62], IPPROTO_UDP);
	ck_assert_uint_eq(be16_at(b + 64), 1);		/* offset 0, M */
	ck_assert_uint_eq(be32_at(b + 66), 0x4242);
	ck_assert_uint_eq(be16_at(b + 70), 7);
	ck_assert_uint_eq(be16_at(b + 74), 8 + 1224);
	ck_assert_uint_eq(be16_at(b + 76), 0);		/* fragment: no checksum */

	/* not IP at all: Ethernet only, unknown ethertype */
	memset(&p, 0, sizeof(p));
	p.type = PT_REC_PKT, p.wire_len = 60;
	n = pt_pcapng_synth(&p, b, sizeof(b), &orig, NULL, 0);
	ck_assert_uint_eq(n, 14);
	ck_assert_uint_eq(orig, 60);
	ck_assert_uint_eq(be16_at(b + 12), 0x88b5);
}
END_TEST

/* ---- the file, parsed here ---- */

START_TEST(file_structure)
{
	static struct parsed ps;
	char path[256];
	struct pt_pcapng_stats st = export("all.pcapng", NULL, 0, 0, path, sizeof(path));

	ck_assert_uint_eq(st.packets, (__u64)nexp);
	ck_assert_uint_eq(st.interfaces, 2);
	ck_assert_uint_eq(st.synthesised, 8);
	ck_assert_uint_eq(st.lost, 3);
	parse_file(path, &ps);
	ck_assert_int_eq(ps.nidb, 2);
	ck_assert_int_eq(ps.nepb, nexp);
	ck_assert_int_eq(ps.per_if[0], 3);
	ck_assert_int_eq(ps.per_if[1], 8);
	ck_assert_str_eq(ps.if_name[0], "veth1@ns-a:in");
	ck_assert_str_eq(ps.if_name[1], "br0:out");
	ck_assert_uint_eq(ps.tsresol[0], 9);
	ck_assert_uint_eq(ps.tsresol[1], 9);
	ck_assert_uint_eq(ps.snaplen[0], 128);
	ck_assert_uint_eq(ps.snaplen[1], PT_PCAPNG_SYNTH_MAX);
	ck_assert_int_eq(ps.nisb, 1);
	ck_assert_uint_eq(ps.ifdrop[1], 3);
	for (int i = 0; i < nexp; i++) {
		ck_assert_uint_eq(ps.epb[i].ifid, (__u32)exps[i].ifid);
		ck_assert_uint_eq(ps.epb[i].ts, CLOCK_OFF + TS0 + (__u64)i * TS_STEP);
		ck_assert_msg(ps.epb[i].caplen == exps[i].caplen && ps.epb[i].origlen == exps[i].origlen,
			      "packet %d: caplen %u origlen %u, want %u %u", i, ps.epb[i].caplen, ps.epb[i].origlen,
			      exps[i].caplen, exps[i].origlen);
		ck_assert_uint_eq(ps.epb[i].flags, exps[i].point == 0 ? 1 : 2);	/* inbound / outbound */
		if (exps[i].synth)
			ck_assert_msg(!strncmp(ps.epb[i].comment, PT_PCAPNG_SYNTH_COMMENT,
					       strlen(PT_PCAPNG_SYNTH_COMMENT)), "packet %d: comment '%s'", i,
				      ps.epb[i].comment);
		else
			ck_assert_str_eq(ps.epb[i].comment, "");
	}
	/* snap bytes are written as stored: the first frame's IPv4 source */
	ck_assert_uint_eq(ps.epb[0].data[26], 10);
	ck_assert_uint_eq(ps.epb[0].data[29], 1);
}
END_TEST

START_TEST(filter_and_window)
{
	static struct parsed ps;
	char path[256];
	struct pt_pcapng_stats st;

	/* udp: packets 2, 4, 6, 7 (the fragment has no ports but is UDP: 10) */
	st = export("udp.pcapng", "udp", 0, 0, path, sizeof(path));
	parse_file(path, &ps);
	ck_assert_uint_eq(st.packets, (__u64)ps.nepb);
	ck_assert_int_eq(ps.nidb, 2);
	ck_assert_int_eq(ps.per_if[0], 2);
	ck_assert_int_eq(ps.per_if[1], ps.nepb - 2);

	/* only the metadata point: one interface, id 0 */
	st = export("br0.pcapng", "point br0:out", 0, 0, path, sizeof(path));
	parse_file(path, &ps);
	ck_assert_int_eq(ps.nidb, 1);
	ck_assert_int_eq(ps.per_if[0], 8);
	ck_assert_str_eq(ps.if_name[0], "br0:out");

	/* window [packet 3, packet 6] in realtime */
	st = export("win.pcapng", NULL, CLOCK_OFF + TS0 + 3 * TS_STEP, CLOCK_OFF + TS0 + 6 * TS_STEP, path,
		    sizeof(path));
	parse_file(path, &ps);
	ck_assert_int_eq(ps.nepb, 4);
	ck_assert_uint_eq(ps.epb[0].ts, CLOCK_OFF + TS0 + 3 * TS_STEP);
	ck_assert_int_eq(ps.nidb, 2);
	ck_assert_uint_eq(ps.epb[0].ifid, 0);	/* br0 came first this time */
	ck_assert_str_eq(ps.if_name[0], "br0:out");
	ck_assert_str_eq(ps.if_name[1], "veth1@ns-a:in");
	ck_assert_int_eq(ps.per_if[0], 3);	/* packets 3, 4, 5 */
	ck_assert_int_eq(ps.per_if[1], 1);	/* packet 6 */

	/* nothing */
	st = export("none.pcapng", "host 203.0.113.9", 0, 0, path, sizeof(path));
	ck_assert_uint_eq(st.packets, 0);
	ck_assert_uint_eq(st.interfaces, 0);
}
END_TEST

/* ---- tshark and capinfos ---- */

static bool have_tool(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* Run cmd, return its stdout (caller frees); asserts exit status 0. */
static char *run(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0, n;
	char buf[4096];

	ck_assert_ptr_nonnull(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		out = realloc(out, len + n + 1);
		memcpy(out + len, buf, n);
		len += n;
	}
	if (!out)
		out = calloc(1, 1);
	out[len] = 0;
	ck_assert_msg(pclose(f) == 0, "`%s` failed:\n%s", cmd, out);
	return out;
}

/* Split s at sep in place into at most max fields. */
static int split(char *s, char sep, char **f, int max)
{
	int n = 0;

	f[n++] = s;
	for (char *p = s; *p && n < max; p++) {
		if (*p == sep) {
			*p = 0;
			f[n++] = p + 1;
		}
	}
	return n;
}

START_TEST(tshark_decodes)
{
	char path[256], cmd[1536], *out, *line, *save = NULL;
	int i = 0;

	/* scripts/setup.sh installs tshark for `make test`: its absence is a failure, not a skip */
	ck_assert_msg(have_tool("tshark"), "tshark is not installed (run scripts/setup.sh)");
	export("all.pcapng", NULL, 0, 0, path, sizeof(path));
	snprintf(cmd, sizeof(cmd),
		 "tshark -n -r '%s' -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
		 "-o udp.check_checksum:TRUE -T fields -E separator='|' "
		 "-e frame.interface_id -e frame.interface_name -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst "
		 "-e tcp.srcport -e udp.srcport -e tcp.seq_raw -e tcp.flags -e ip.checksum.status "
		 "-e tcp.checksum.status -e udp.checksum.status -e icmp.checksum.status "
		 "-e frame.cap_len -e frame.len -e frame.comment "
		 "-e udp.length -e icmp.ident -e vlan.id -e vxlan.vni -e ip.frag_offset -e frame.time_epoch "
		 "-e tcp.len 2>/dev/null",
		 path);
	out = run(cmd);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		char *f[32], want[64];
		const struct exp *e;
		int n = split(line, '|', f, 32);
		const char *l4ck;

		ck_assert_msg(i < nexp, "tshark: more packets than stored: %s", line);
		ck_assert_msg(n == 24, "tshark line %d has %d fields: %s", i, n, line);
		e = &exps[i];
		snprintf(want, sizeof(want), "%d", e->ifid);
		ck_assert_str_eq(f[0], want);
		ck_assert_str_eq(f[1], e->point == 0 ? "veth1@ns-a:in" : "br0:out");
		ck_assert_str_eq(strchr(e->src, ':') ? f[3] : f[2], e->src);
		ck_assert_str_eq(strchr(e->dst, ':') ? f[5] : f[4], e->dst);
		ck_assert_msg(!strcmp(f[6], e->sport) || !strcmp(f[7], e->sport), "packet %d: ports %s/%s want %s",
			      i, f[6], f[7], e->sport);
		ck_assert_str_eq(f[8], e->seq);
		ck_assert_str_eq(f[9], e->flags);
		if (e->synth) {
			ck_assert_str_eq(f[10], e->ipck);
			l4ck = *f[11] ? f[11] : *f[12] ? f[12] : f[13];
			ck_assert_msg(!strcmp(l4ck, e->l4ck), "packet %d: L4 checksum status %s, want %s", i, l4ck,
				      e->l4ck);
			ck_assert_msg(!strncmp(f[16], PT_PCAPNG_SYNTH_COMMENT, strlen(PT_PCAPNG_SYNTH_COMMENT)),
				      "packet %d: comment '%s'", i, f[16]);
		} else {
			ck_assert_str_eq(f[16], "");
		}
		snprintf(want, sizeof(want), "%u", e->caplen);
		ck_assert_str_eq(f[14], want);
		snprintf(want, sizeof(want), "%u", e->origlen);
		ck_assert_str_eq(f[15], want);
		if (*e->extra) {
			bool found = false;

			for (int k = 17; k <= 21; k++)
				found |= !strcmp(f[k], e->extra);
			ck_assert_msg(found, "packet %d: %s not among udp.length/icmp.ident/vlan.id/vxlan.vni/"
					     "ip.frag_offset (%s|%s|%s|%s|%s)", i, e->extra, f[17], f[18], f[19], f[20],
				      f[21]);
		}
		/* ns timestamps: 1700000002.<ns> */
		snprintf(want, sizeof(want), "%llu.%09llu", (CLOCK_OFF + TS0 + (__u64)i * TS_STEP) / 1000000000ULL,
			 (CLOCK_OFF + TS0 + (__u64)i * TS_STEP) % 1000000000ULL);
		ck_assert_str_eq(f[22], want);
		/* TCP payload length as stored (options counted in the header, not as payload) */
		if (*e->seq && e->synth) {
			snprintf(want, sizeof(want), "%u", e->tcp_len);
			ck_assert_str_eq(f[23], want);
		}
	}
	ck_assert_int_eq(i, nexp);
	free(out);

	/* per-interface counts, as tshark counts them */
	snprintf(cmd, sizeof(cmd), "tshark -n -r '%s' -Y 'frame.interface_id == 1' 2>/dev/null | wc -l", path);
	out = run(cmd);
	ck_assert_int_eq(atoi(out), 8);
	free(out);
	snprintf(cmd, sizeof(cmd), "tshark -n -r '%s' -Y 'frame.interface_id == 0' 2>/dev/null | wc -l", path);
	out = run(cmd);
	ck_assert_int_eq(atoi(out), 3);
	free(out);
}
END_TEST

START_TEST(capinfos_counts)
{
	char path[256], cmd[512], *out, *p;

	ck_assert_msg(have_tool("capinfos"), "capinfos is not installed (run scripts/setup.sh)");
	export("all.pcapng", NULL, 0, 0, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "capinfos -c -M '%s' 2>/dev/null", path);
	out = run(cmd);
	ck_assert_msg(strstr(out, "Number of packets:   11\n"), "capinfos -c -M:\n%s", out);
	free(out);
	/* the full report has the interfaces, in order, each with its packet count */
	snprintf(cmd, sizeof(cmd), "capinfos -M '%s' 2>/dev/null", path);
	out = run(cmd);
	ck_assert_msg(strstr(out, "Number of interfaces in file: 2\n"), "capinfos:\n%s", out);
	ck_assert_msg(strstr(out, "Capture application: provtap\n"), "capinfos:\n%s", out);
	p = strstr(out, "Interface #0 info:");
	ck_assert_msg(p, "capinfos:\n%s", out);
	ck_assert_msg(strstr(p, "Name = veth1@ns-a:in\n"), "capinfos:\n%s", out);
	p = strstr(p, "Number of packets = ");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(atoi(p + strlen("Number of packets = ")), 3);
	p = strstr(p, "Interface #1 info:");
	ck_assert_msg(p, "capinfos:\n%s", out);
	ck_assert_msg(strstr(p, "Name = br0:out\n"), "capinfos:\n%s", out);
	ck_assert_msg(strstr(p, "Time resolution = 0x09\n"), "capinfos:\n%s", out);
	ck_assert_msg(strstr(p, "Number of stat entries = 1\n"), "capinfos:\n%s", out);	/* the ISB */
	p = strstr(p, "Number of packets = ");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(atoi(p + strlen("Number of packets = ")), 8);
	ck_assert_ptr_null(strstr(p, "Interface #2"));
	free(out);
}
END_TEST

/* ---- the command ---- */

static int run_cmd(const char *expr, const char *out, bool force)
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = "export";
	argv[argc++] = "pcapng";
	if (expr)
		argv[argc++] = (char *)expr;
	argv[argc++] = "-o";
	argv[argc++] = (char *)out;
	argv[argc++] = "--store";
	argv[argc++] = dir;
	if (force)
		argv[argc++] = "--force";
	argv[argc] = NULL;
	fflush(stdout);
	return cmd_export(argc, argv);
}

START_TEST(command_files)
{
	char path[256], junk[300];
	struct stat sb;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cmd.pcapng", outdir);
	ck_assert_int_eq(run_cmd("tcp", path, false), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_gt(sb.st_size, 100);
	/* exists: refused, left alone */
	ck_assert_int_eq(run_cmd("udp", path, false), PT_EXIT_FAIL);
	ck_assert_int_eq(stat(path, &sb), 0);
	off_t first = sb.st_size;
	/* --force replaces */
	ck_assert_int_eq(run_cmd("icmp", path, true), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_lt(sb.st_size, first);
	/* nothing matched: exit 1, no file, no temporaries */
	snprintf(junk, sizeof(junk), "%s/none.pcapng", outdir);
	ck_assert_int_eq(run_cmd("host 203.0.113.9", junk, false), PT_EXIT_FAIL);
	ck_assert_int_ne(stat(junk, &sb), 0);
	/* malformed expression: usage error, no file */
	ck_assert_int_eq(run_cmd("tcp and and", junk, false), PT_EXIT_USAGE);
	ck_assert_int_ne(stat(junk, &sb), 0);
	snprintf(junk, sizeof(junk), "ls %s | grep -c tmp", outdir);
	f = popen(junk, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fgetc(f), '0');
	pclose(f);
}
END_TEST

START_TEST(command_usage)
{
	char *a1[] = { "export", NULL };
	char *a2[] = { "export", "pcap", "-o", "/tmp/x", NULL };
	char *a3[] = { "export", "pcapng", "tcp", NULL };
	char *a4[] = { "export", "pcapng", "-o", "/nonexistent-dir/x.pcapng", "--store", dir, NULL };
	char *a5[] = { "export", "pcapng", "-o", "/tmp/x", "--store", "/nonexistent-store", NULL };

	ck_assert_int_eq(cmd_export(1, a1), PT_EXIT_USAGE);
	ck_assert_int_eq(cmd_export(4, a2), PT_EXIT_USAGE);
	ck_assert_int_eq(cmd_export(3, a3), PT_EXIT_USAGE);	/* no -o */
	ck_assert_int_eq(cmd_export(6, a4), PT_EXIT_FAIL);
	ck_assert_int_eq(cmd_export(6, a5), PT_EXIT_FAIL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pcapng");
	TCase *t = tcase_create("synth");

	tcase_add_test(t, synth_ipv4_tcp);
	tcase_add_test(t, synth_ipv6_frag_qinq);
	suite_add_tcase(s, t);
	t = tcase_create("file");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, file_structure);
	tcase_add_test(t, filter_and_window);
	tcase_add_test(t, tshark_decodes);
	tcase_add_test(t, capinfos_counts);
	tcase_add_test(t, command_files);
	tcase_add_test(t, command_usage);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return pt_check_run(suite());
}
