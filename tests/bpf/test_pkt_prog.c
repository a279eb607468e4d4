// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_pkt_prog.c — the packet probes (bpf/pkt.bpf.c) run on canned frames with
 * bpf_prog_test_run_opts: every parser path, truncation at every header
 * boundary, bogus lengths, fingerprints, filters, snaplen, counters.
 * Without BPF permission: "SKIP: reason" and exit 0, or fail when
 * PROVTAP_REQUIRE_BPF=1.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/pkt.h"
#include "bpf/fingerprint.h"
#include "pkt.skel.h"
#include "tests/support/frames.h"
#include "tests/support/checkrun.h"

#define MAX_RECS	256
#define TEST_POINT	3

enum kind { K_TC, K_XDP, K_XDPD, K_N };
static const char *kind_name[K_N] = { "tc", "xdp", "xdp_direct" };

struct cfg {
	__u16 snaplen;
	__u8 fp_mode;
	__u32 ring_size;	/* 0: 1 MiB */
};

struct rec {
	struct pt_pkt h;
	__u8 data[PT_SNAP_MAX];
	size_t size;		/* bytes the ring handed us */
};

struct env {
	struct pkt_bpf *skel;
	struct ring_buffer *rb;
	struct rec recs[MAX_RECS];
	int nrec;
};

static struct env E;

static int on_rec(void *ctx, void *data, size_t size)
{
	struct env *e = ctx;
	struct rec *r;

	if (e->nrec >= MAX_RECS)
		return 0;
	r = &e->recs[e->nrec++];
	memset(r, 0, sizeof(*r));
	memcpy(r, data, size < sizeof(r->h) + PT_SNAP_MAX ? size : sizeof(r->h) + PT_SNAP_MAX);
	r->size = size;
	return 0;
}

/* Open, configure and load the skeleton. Returns NULL with errno set on failure. */
static struct pkt_bpf *skel_load(const struct cfg *c)
{
	struct pkt_bpf *s = pkt_bpf__open();
	int err;

	if (!s)
		return NULL;
	s->rodata->pt_point_id = TEST_POINT;
	s->rodata->pt_dir = PT_DIR_IN;
	s->rodata->pt_hook = PT_HOOK_TC;
	s->rodata->pt_snaplen = c->snaplen;
	s->rodata->pt_fp_mode = c->fp_mode;
	err = bpf_map__set_max_entries(s->maps.pt_ring, c->ring_size ? c->ring_size : 1 << 20);
	if (!err)
		err = pkt_bpf__load(s);
	if (err) {
		pkt_bpf__destroy(s);
		errno = -err;
		return NULL;
	}
	return s;
}

static void env_up(const struct cfg *c)
{
	memset(&E, 0, sizeof(E));
	E.skel = skel_load(c);
	ck_assert_msg(E.skel, "load: %s", strerror(errno));
	E.rb = ring_buffer__new(bpf_map__fd(E.skel->maps.pt_ring), on_rec, &E, NULL);
	ck_assert_ptr_nonnull(E.rb);
}

static void env_default(void)
{
	struct cfg c = { 0 };

	env_up(&c);
}

static void env_down(void)
{
	ring_buffer__free(E.rb);
	pkt_bpf__destroy(E.skel);
	memset(&E, 0, sizeof(E));
}

static int prog_fd(enum kind k)
{
	struct bpf_program *p = k == K_TC ? E.skel->progs.pt_tc :
				k == K_XDP ? E.skel->progs.pt_xdp : E.skel->progs.pt_xdp_direct;

	return bpf_program__fd(p);
}

/* Run program @k once on @frame (tc: with skb mark @mark); returns records drained. */
static int run_mark(enum kind k, const void *frame, size_t len, __u32 mark)
{
	struct __sk_buff skb = { .mark = mark };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len, .repeat = 1);
	int err;

	if (k == K_TC) {
		o.ctx_in = &skb;
		o.ctx_size_in = sizeof(skb);
	}
	err = bpf_prog_test_run_opts(prog_fd(k), &o);
	ck_assert_msg(err == 0, "%s test_run(len %zu): %s", kind_name[k], len, strerror(-err));
	ck_assert_uint_eq(o.retval, k == K_TC ? (__u32)-1 : XDP_PASS);
	E.nrec = 0;
	return ring_buffer__consume(E.rb);
}

static int run(enum kind k, const void *frame, size_t len)
{
	return run_mark(k, frame, len, 0);
}

/* Run and expect exactly one record; returns it. */
static const struct pt_pkt *one(enum kind k, const void *frame, size_t len)
{
	int n = run(k, frame, len);

	ck_assert_msg(n == 1 && E.nrec == 1, "%s: %d records (len %zu)", kind_name[k], n, len);
	return &E.recs[0].h;
}

static struct pt_point_stats stats(void)
{
	struct pt_point_stats sum = { 0 }, *v;
	int ncpu = libbpf_num_possible_cpus(), i;
	__u32 key = TEST_POINT;

	ck_assert_int_gt(ncpu, 0);
	v = calloc(ncpu, sizeof(*v));
	ck_assert_int_eq(bpf_map_lookup_elem(bpf_map__fd(E.skel->maps.pt_stats), &key, v), 0);
	for (i = 0; i < ncpu; i++) {
		sum.seen += v[i].seen;
		sum.filtered += v[i].filtered;
		sum.emitted += v[i].emitted;
		sum.ring_fail += v[i].ring_fail;
		sum.bytes += v[i].bytes;
		sum.trunc += v[i].trunc;
	}
	free(v);
	return sum;
}

static void set_policy(__u32 slot_in_point, const struct pt_policy *p)
{
	__u32 key = TEST_POINT * 2 + slot_in_point;

	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_policy), &key, p, 0), 0);
}

static void set_active(__u32 slot)
{
	__u32 key = TEST_POINT;

	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_active), &key, &slot, 0), 0);
}

static const __u8 PAYLOAD[] = "provtap payload: 0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ";

static size_t build(const struct frame_spec *s, __u8 *buf, struct frame_layout *lay)
{
	size_t n = frame_build(s, buf, FRAME_MAX, lay);

	ck_assert_uint_gt(n, 0);
	return n;
}

static struct frame_spec tcp4(void)
{
	struct frame_spec s;

	frame_spec_init(&s, 4, IPPROTO_TCP);
	s.payload = PAYLOAD;
	s.payload_len = 40;
	return s;
}

static __u64 boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Fingerprint of @s as the kernel should compute it in header mode. */
static __u64 fp_expect(const struct frame_spec *s, __u16 l3_len, __u16 l4_pay)
{
	struct pt_fp_in in;
	size_t n = s->payload_len < PT_FP_HDR_PAYLOAD ? s->payload_len : PT_FP_HDR_PAYLOAD;

	memset(&in, 0, sizeof(in));
	in.mode = PT_FP_HEADERS;
	in.ipver = s->ipver;
	in.l4proto = s->l4proto;
	in.ethertype = s->ipver == 4 ? 0x0800 : 0x86dd;
	in.sport = s->sport;
	in.dport = s->dport;
	in.l3_len = l3_len;
	in.l4_payload_len = l4_pay;
	if (s->l4proto == IPPROTO_TCP) {
		in.tcp_flags = s->tcp_flags;
		in.seq = s->seq;
		in.ack = s->ack;
	}
	if (s->l4proto == IPPROTO_UDP)
		in.udp_len = 8 + s->payload_len;
	in.ip_id = s->ipver == 4 ? s->ip_id : 0;
	in.flow_label = s->flow_label;
	memcpy(in.saddr, s->saddr, 16);
	memcpy(in.daddr, s->daddr, 16);
	memcpy(in.payload, s->payload, n);
	in.payload_n = n;
	return pt_fp_compute(&in);
}

START_TEST(tcp4_fields)
{
	struct frame_spec s = tcp4();
	struct frame_layout lay;
	__u8 f[FRAME_MAX];
	size_t n;
	int k;

	s.ip_opts = 8;
	s.tcp_opts = 12;
	s.tos = 0x10;
	n = build(&s, f, &lay);
	env_default();
	for (k = 0; k < K_N; k++) {
		__u64 t0 = boottime_ns();
		const struct pt_pkt *p = one(k, f, n);
		__u8 zero[16] = { 0 };

		ck_assert_uint_eq(p->type, PT_REC_PKT);
		ck_assert_uint_eq(p->len, sizeof(struct pt_pkt));
		ck_assert_uint_eq(E.recs[0].size, sizeof(struct pt_pkt));
		ck_assert_uint_eq(p->point, TEST_POINT);
		ck_assert_uint_eq(p->dir, PT_DIR_IN);
		ck_assert_uint_eq(p->hook, PT_HOOK_TC);
		ck_assert_uint_eq(p->flags, PT_PF_IPV4 | PT_PF_L4 | (k == K_TC ? PT_PF_MARK : 0));
		ck_assert(p->ts_ns >= t0 && p->ts_ns <= boottime_ns());
		ck_assert_uint_eq(p->wire_len, n);
		ck_assert_uint_eq(p->mark, 0);
		ck_assert_mem_eq(p->saddr, s.saddr, 16);
		ck_assert_mem_eq(p->daddr, s.daddr, 16);
		ck_assert_mem_eq(p->outer_saddr, zero, 16);
		ck_assert_mem_eq(p->outer_daddr, zero, 16);
		ck_assert_uint_eq(p->vni, 0);
		ck_assert_uint_eq(p->seq, 1000);
		ck_assert_uint_eq(p->ack, 2000);
		ck_assert_uint_eq(p->sport, 40000);
		ck_assert_uint_eq(p->dport, 80);
		ck_assert_uint_eq(p->window, 512);
		ck_assert_uint_eq(p->ip_id, 0x1234);
		ck_assert_uint_eq(p->l3_len, 28 + 32 + 40);
		ck_assert_uint_eq(p->l4_payload_len, 40);
		ck_assert_uint_eq(p->frag_off, 0);
		ck_assert_uint_eq(p->vlan[0], 0);
		ck_assert_uint_eq(p->cap_len, 0);
		ck_assert_uint_eq(p->l4proto, IPPROTO_TCP);
		ck_assert_uint_eq(p->tcp_flags, 0x18);
		ck_assert_uint_eq(p->ttl, 64);
		ck_assert_uint_eq(p->tos, 0x10);
		ck_assert_uint_eq(p->icmp_type, 0);
		for (size_t k = 0; k < sizeof(p->pad); k++)
			ck_assert_uint_eq(p->pad[k], 0);
		ck_assert_uint_eq(p->fp, fp_expect(&s, 100, 40));
	}
	env_down();
}
END_TEST

START_TEST(udp6_ext_chain)
{
	struct frame_spec s;
	__u8 f[FRAME_MAX];
	size_t n;
	int k;

	frame_spec_init(&s, 6, IPPROTO_UDP);
	s.payload = PAYLOAD;
	s.payload_len = 10;
	s.flow_label = 0xabcde;
	s.tos = 0xb8;
	s.ttl = 7;
	s.n_ext = 4;
	s.ext[0] = FRAME_EXT_HOP;
	s.ext[1] = FRAME_EXT_ROUTING;
	s.ext[2] = FRAME_EXT_AH;
	s.ext[3] = FRAME_EXT_DEST;
	n = build(&s, f, NULL);
	env_default();
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_uint_eq(p->flags & ~PT_PF_MARK, PT_PF_IPV6 | PT_PF_L4);
		ck_assert_mem_eq(p->saddr, s.saddr, 16);
		ck_assert_mem_eq(p->daddr, s.daddr, 16);
		ck_assert_uint_eq(p->l4proto, IPPROTO_UDP);
		ck_assert_uint_eq(p->sport, 40000);
		ck_assert_uint_eq(p->dport, 53);
		ck_assert_uint_eq(p->l3_len, 40 + 8 + 8 + 16 + 8 + 8 + 10);
		ck_assert_uint_eq(p->l4_payload_len, 10);
		ck_assert_uint_eq(p->ttl, 7);
		ck_assert_uint_eq(p->tos, 0xb8);
		ck_assert_uint_eq(p->seq, 0);
		ck_assert_uint_eq(p->fp, fp_expect(&s, p->l3_len, 10));
	}
	env_down();
}
END_TEST

START_TEST(ipv6_ext_limit)
{
	struct frame_spec s;
	__u8 f[FRAME_MAX];
	size_t n;
	int k, i, next;

	for (next = PT_IPV6_EXT_MAX; next <= PT_IPV6_EXT_MAX + 1; next++) {
		frame_spec_init(&s, 6, IPPROTO_TCP);
		s.n_ext = next;
		for (i = 0; i < next; i++)
			s.ext[i] = FRAME_EXT_DEST;
		n = build(&s, f, NULL);
		env_default();
		for (k = 0; k < K_N; k++) {
			const struct pt_pkt *p = one(k, f, n);

			if (next == PT_IPV6_EXT_MAX) {
				ck_assert_uint_eq(p->flags & ~PT_PF_MARK, PT_PF_IPV6 | PT_PF_L4);
				ck_assert_uint_eq(p->l4proto, IPPROTO_TCP);
				ck_assert_uint_eq(p->seq, 1000);
			} else {
				ck_assert_uint_eq(p->flags & ~PT_PF_MARK, PT_PF_IPV6 | PT_PF_EXTLIMIT);
				ck_assert_uint_eq(p->l4proto, FRAME_EXT_DEST);
				ck_assert_uint_eq(p->sport, 0);
			}
			ck_assert_mem_eq(p->saddr, s.saddr, 16);
		}
		env_down();
	}
}
END_TEST

START_TEST(ipv6_fragments)
{
	struct frame_spec s;
	__u8 f[FRAME_MAX];
	size_t n;
	int k;

	frame_spec_init(&s, 6, IPPROTO_TCP);
	s.payload = PAYLOAD;
	s.payload_len = 24;
	s.n_ext = 2;
	s.ext[0] = FRAME_EXT_HOP;
	s.ext[1] = FRAME_EXT_FRAG;
	s.frag_id = 0xdeadbeef;
	s.mf = 1;
	env_default();
	/* first fragment: L4 parsed */
	n = build(&s, f, NULL);
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_uint_eq(p->flags & ~PT_PF_MARK, PT_PF_IPV6 | PT_PF_FRAG | PT_PF_L4);
		ck_assert_uint_eq(p->frag_off, 0);
		ck_assert_uint_eq(p->ip_id, 0xbeef);
		ck_assert_uint_eq(p->dport, 80);
		ck_assert_uint_eq(p->l4_payload_len, 24);
	}
	/* non-first fragment: no L4 */
	s.frag_off = 1480;
	s.no_l4 = 1;
	n = build(&s, f, NULL);
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_uint_eq(p->flags & ~PT_PF_MARK, PT_PF_IPV6 | PT_PF_FRAG);
		ck_assert_uint_eq(p->frag_off, 1480);
		ck_assert_uint_eq(p->ip_id, 0xbeef);
		ck_assert_uint_eq(p->l4proto, IPPROTO_TCP);
		ck_assert_uint_eq(p->sport, 0);
		ck_assert_uint_eq(p->l4_payload_len, 24);
	}
	env_down();
}
END_TEST

START_TEST(ipv4_fragments)
{
	struct frame_spec s = tcp4();
	__u8 f[FRAME_MAX];
	__u64 fp_first, fp_second;
	size_t n;
	int k;

	s.mf = 1;
	env_default();
	n = build(&s, f, NULL);
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_uint_eq(p->flags & ~PT_PF_MARK, PT_PF_IPV4 | PT_PF_FRAG | PT_PF_L4);
		ck_assert_uint_eq(p->frag_off, 0);
		ck_assert_uint_eq(p->sport, 40000);
	}
	fp_first = E.recs[0].h.fp;
	s.frag_off = 2960;
	s.mf = 0;
	s.no_l4 = 1;
	n = build(&s, f, NULL);
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_uint_eq(p->flags & ~PT_PF_MARK, PT_PF_IPV4 | PT_PF_FRAG);
		ck_assert_uint_eq(p->frag_off, 2960);
		ck_assert_uint_eq(p->ip_id, 0x1234);
		ck_assert_uint_eq(p->l4proto, IPPROTO_TCP);
		ck_assert_uint_eq(p->sport, 0);
		ck_assert_uint_eq(p->seq, 0);
		ck_assert_uint_eq(p->l4_payload_len, 40);
		ck_assert_uint_eq(p->l3_len, 60);
	}
	fp_second = E.recs[0].h.fp;
	ck_assert_uint_ne(fp_first, fp_second);
	env_down();
}
END_TEST

START_TEST(icmp_both)
{
	struct frame_spec s;
	__u8 f[FRAME_MAX];
	size_t n;
	int k, v;

	env_default();
	for (v = 4; v <= 6; v += 2) {
		frame_spec_init(&s, v, v == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
		s.payload = PAYLOAD;
		s.payload_len = 32;
		n = build(&s, f, NULL);
		for (k = 0; k < K_N; k++) {
			const struct pt_pkt *p = one(k, f, n);

			ck_assert_uint_eq(p->flags & ~PT_PF_MARK,
					  (v == 4 ? PT_PF_IPV4 : PT_PF_IPV6) | PT_PF_L4);
			ck_assert_uint_eq(p->icmp_type, v == 4 ? 8 : 128);
			ck_assert_uint_eq(p->icmp_code, 0);
			ck_assert_uint_eq(p->sport, 7);
			ck_assert_uint_eq(p->dport, 1);
			ck_assert_uint_eq(p->l4_payload_len, 32);
		}
		/* not an echo: no id/seq */
		s.icmp_type = v == 4 ? 3 : 1;
		s.icmp_code = 1;
		n = build(&s, f, NULL);
		for (k = 0; k < K_N; k++) {
			const struct pt_pkt *p = one(k, f, n);

			ck_assert_uint_eq(p->icmp_type, v == 4 ? 3 : 1);
			ck_assert_uint_eq(p->icmp_code, 1);
			ck_assert_uint_eq(p->sport, 0);
			ck_assert_uint_eq(p->dport, 0);
		}
	}
	env_down();
}
END_TEST

START_TEST(vlan_qinq)
{
	struct frame_spec s = tcp4();
	__u8 f[FRAME_MAX];
	size_t n;
	int k;

	env_default();
	s.nvlan = 1;
	s.vlan_tci[0] = 0x2064;
	n = build(&s, f, NULL);
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_uint_eq(p->flags & ~PT_PF_MARK, PT_PF_IPV4 | PT_PF_L4 | PT_PF_VLAN);
		ck_assert_uint_eq(p->vlan[0], 0x2064);
		ck_assert_uint_eq(p->vlan[1], 0);
		ck_assert_uint_eq(p->dport, 80);
	}
	s.nvlan = 2;
	s.vlan_tci[0] = 100;
	s.vlan_tci[1] = 200;
	n = build(&s, f, NULL);
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_uint_eq(p->flags & ~PT_PF_MARK,
				  PT_PF_IPV4 | PT_PF_L4 | PT_PF_VLAN | PT_PF_QINQ);
		ck_assert_uint_eq(p->vlan[0], 100);
		ck_assert_uint_eq(p->vlan[1], 200);
		ck_assert_uint_eq(p->seq, 1000);
	}
	/* a third tag stops the walk: EXTLIMIT, two tags kept, no L3 */
	s.nvlan = 3;
	s.vlan_tci[2] = 300;
	n = build(&s, f, NULL);
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_uint_eq(p->flags & ~PT_PF_MARK,
				  PT_PF_VLAN | PT_PF_QINQ | PT_PF_EXTLIMIT);
		ck_assert_uint_eq(p->vlan[1], 200);
		ck_assert_uint_eq(p->l4proto, 0);
	}
	env_down();
}
END_TEST

START_TEST(non_ip)
{
	struct frame_spec s;
	__u8 f[FRAME_MAX], g[FRAME_MAX];
	__u64 fp1;
	size_t n;
	int k;

	frame_spec_init(&s, 0, 0);
	s.payload = PAYLOAD;
	s.payload_len = 28;
	n = build(&s, f, NULL);
	memcpy(g, f, n);
	g[20] ^= 1;
	env_default();
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_uint_eq(p->flags & ~PT_PF_MARK, 0);
		ck_assert_uint_eq(p->l3_len, 0);
		ck_assert_uint_ne(p->fp, 0);
		fp1 = p->fp;
		ck_assert_uint_ne(one(k, g, n)->fp, fp1);
	}
	env_down();
}
END_TEST

START_TEST(vxlan)
{
	struct frame_spec in = tcp4(), out;
	__u8 f[FRAME_MAX], bare[FRAME_MAX];
	size_t n, nb;
	int k, ov;

	in.saddr[3] = 11;
	in.daddr[3] = 12;
	nb = build(&in, bare, NULL);
	env_default();
	for (ov = 4; ov <= 6; ov += 2) {
		frame_spec_init(&out, ov, IPPROTO_UDP);
		out.ttl = 3;
		out.nvlan = 1;
		out.vlan_tci[0] = 42;
		n = frame_vxlan(&out, 0x123456, &in, f, sizeof(f), NULL);
		ck_assert_uint_gt(n, 0);
		for (k = 0; k < K_N; k++) {
			const struct pt_pkt *p = one(k, f, n);
			__u64 fp_wrapped = p->fp;

			ck_assert_uint_eq(p->flags & ~PT_PF_MARK,
					  PT_PF_VXLAN | PT_PF_IPV4 | PT_PF_L4 | PT_PF_VLAN |
					  (ov == 6 ? PT_PF_OUTER_V6 : 0));
			ck_assert_uint_eq(p->vni, 0x123456);
			ck_assert_uint_eq(p->vlan[0], 42);
			ck_assert_mem_eq(p->saddr, in.saddr, 16);
			ck_assert_mem_eq(p->daddr, in.daddr, 16);
			ck_assert_mem_eq(p->outer_saddr, out.saddr, 16);
			ck_assert_mem_eq(p->outer_daddr, out.daddr, 16);
			ck_assert_uint_eq(p->sport, 40000);
			ck_assert_uint_eq(p->dport, 80);
			ck_assert_uint_eq(p->seq, 1000);
			ck_assert_uint_eq(p->ttl, 64);
			ck_assert_uint_eq(p->l4proto, IPPROTO_TCP);
			ck_assert_uint_eq(p->l3_len, 80);
			ck_assert_uint_eq(p->l4_payload_len, 40);
			ck_assert_uint_eq(p->wire_len, n);
			ck_assert_uint_eq(fp_wrapped, one(k, bare, nb)->fp);
			ck_assert_uint_eq(fp_wrapped, fp_expect(&in, 80, 40));
		}
	}
	/* VXLAN without the I flag: plain UDP */
	frame_spec_init(&out, 4, IPPROTO_UDP);
	n = frame_vxlan(&out, 7, &in, f, sizeof(f), NULL);
	f[14 + 20 + 8] = 0;
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_uint_eq(p->flags & ~PT_PF_MARK, PT_PF_IPV4 | PT_PF_L4);
		ck_assert_uint_eq(p->dport, 4789);
		ck_assert_mem_eq(p->saddr, out.saddr, 16);
	}
	env_down();
}
END_TEST

/*
 * Shortest frame tc test_run accepts: the kernel wants the L3 header of an
 * IPv4/IPv6 ethertype (6.18: -EINVAL below 14 + 20 or 14 + 40 bytes).
 */
static size_t tc_min_len(const __u8 *f)
{
	__u16 et = (__u16)(f[12] << 8 | f[13]);

	return et == 0x0800 ? 34 : et == 0x86dd ? 54 : 14;
}

/*
 * Cut @f at every length (from the shortest test_run accepts); check TRUNC
 * exactly below the payload and the fields of the headers before the cut.
 */
static void trunc_loop(const __u8 *f, size_t n, const struct frame_layout *lay,
		       const struct frame_spec *id, const struct frame_spec *outer, size_t vx_end)
{
	const struct frame_spec *l2 = outer ? outer : id;
	size_t cut, iphl = id->ipver == 4 ? 20 : 40;
	int k, i;

	for (k = 0; k < K_N; k++) {
		for (cut = k == K_TC ? tc_min_len(f) : 14; cut <= n; cut++) {
			const struct pt_pkt *p = one(k, f, cut);
			int trunc = !!(p->flags & PT_PF_TRUNC);

			ck_assert_msg(trunc == (cut < lay->payload_off),
				      "%s cut %zu: flags %#x", kind_name[k], cut, p->flags);
			ck_assert_uint_eq(p->wire_len, cut);
			for (i = 0; i < l2->nvlan; i++)
				if (cut >= 14 + 4 * (size_t)(i + 1))
					ck_assert_uint_eq(p->vlan[i], l2->vlan_tci[i]);
			if (cut >= lay->l3_off + iphl) {
				ck_assert_mem_eq(p->saddr, id->saddr, 16);
				ck_assert_uint_eq(p->ttl, id->ttl);
			}
			if (cut >= lay->l4_off + 8 && cut >= lay->payload_off) {
				ck_assert(p->flags & PT_PF_L4);
				ck_assert_uint_eq(p->sport, id->sport);
				ck_assert_uint_eq(p->dport, id->dport);
			}
			if (cut < lay->l4_off + 8)
				ck_assert(!(p->flags & PT_PF_L4) || (outer && cut >= vx_end - 8));
			if (outer) {
				ck_assert_uint_eq(!!(p->flags & PT_PF_VXLAN), cut >= vx_end);
				if (cut >= vx_end) {
					ck_assert_uint_eq(p->vni, 99);
					ck_assert_mem_eq(p->outer_saddr, outer->saddr, 16);
				} else if (cut >= (size_t)(14 + 4 * outer->nvlan + 20)) {
					ck_assert_mem_eq(p->saddr, outer->saddr, 16);
				}
			}
		}
	}
}

START_TEST(truncation)
{
	struct frame_spec s = tcp4(), o;
	struct frame_layout lay;
	__u8 f[FRAME_MAX];
	size_t n;

	env_default();
	/* VLAN, IPv4 with options, TCP with options */
	s.nvlan = 1;
	s.vlan_tci[0] = 0x0123;
	s.ip_opts = 12;
	s.tcp_opts = 8;
	s.payload_len = 4;
	n = build(&s, f, &lay);
	trunc_loop(f, n, &lay, &s, NULL, 0);
	/* QinQ, IPv6 with hop-by-hop, fragment (first), AH; UDP */
	frame_spec_init(&s, 6, IPPROTO_UDP);
	s.nvlan = 2;
	s.vlan_tci[0] = 10;
	s.vlan_tci[1] = 20;
	s.n_ext = 3;
	s.ext[0] = FRAME_EXT_HOP;
	s.ext[1] = FRAME_EXT_FRAG;
	s.ext[2] = FRAME_EXT_AH;
	s.payload = PAYLOAD;
	s.payload_len = 2;
	n = build(&s, f, &lay);
	trunc_loop(f, n, &lay, &s, NULL, 0);
	/* ICMP */
	frame_spec_init(&s, 4, IPPROTO_ICMP);
	s.sport = 7;
	s.dport = 1;
	n = build(&s, f, &lay);
	trunc_loop(f, n, &lay, &s, NULL, 0);
	/* VXLAN: VLAN + IPv4 outer, TCP/IPv6 inner */
	frame_spec_init(&o, 4, IPPROTO_UDP);
	o.nvlan = 1;
	o.vlan_tci[0] = 77;
	frame_spec_init(&s, 6, IPPROTO_TCP);
	s.payload = PAYLOAD;
	s.payload_len = 3;
	n = frame_vxlan(&o, 99, &s, f, sizeof(f), &lay);
	ck_assert_uint_gt(n, 0);
	trunc_loop(f, n, &lay, &s, &o, 14 + 4 + 20 + 8 + 8);
	env_down();
}
END_TEST

/* Build @s, let @patch damage it, run all programs, expect @flags (without MARK). */
static void bogus(struct frame_spec *s, void (*patch)(__u8 *f, const struct frame_layout *lay),
		  __u16 flags, const char *what)
{
	struct frame_layout lay;
	__u8 f[FRAME_MAX];
	size_t n = build(s, f, &lay);
	int k;

	patch(f, &lay);
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p = one(k, f, n);

		ck_assert_msg((p->flags & ~PT_PF_MARK) == flags, "%s/%s: flags %#x, want %#x",
			      kind_name[k], what, p->flags, flags);
		ck_assert_mem_eq(p->saddr, s->saddr, 16);
	}
}

static void p_ihl4(__u8 *f, const struct frame_layout *l) { f[l->l3_off] = 0x44; }
static void p_ver6(__u8 *f, const struct frame_layout *l) { f[l->l3_off] = 0x65; }
static void p_tot_small(__u8 *f, const struct frame_layout *l) { f[l->l3_off + 2] = 0; f[l->l3_off + 3] = 10; }
static void p_tot_big(__u8 *f, const struct frame_layout *l) { f[l->l3_off + 2] = 5; f[l->l3_off + 3] = 0xdc; }
static void p_doff3(__u8 *f, const struct frame_layout *l) { f[l->l4_off + 12] = 3 << 4; }
static void p_doff15(__u8 *f, const struct frame_layout *l) { f[l->l4_off + 12] = 15 << 4; }
static void p_udp4(__u8 *f, const struct frame_layout *l) { f[l->l4_off + 4] = 0; f[l->l4_off + 5] = 4; }
static void p_plen6(__u8 *f, const struct frame_layout *l) { f[l->l3_off + 4] = 0x10; }

START_TEST(bogus_lengths)
{
	struct frame_spec s = tcp4();
	struct pt_point_stats st;

	env_default();
	bogus(&s, p_ihl4, PT_PF_IPV4 | PT_PF_BADLEN, "ihl 4");
	ck_assert_uint_eq(E.recs[0].h.l3_len, 80);
	bogus(&s, p_ver6, PT_PF_IPV4 | PT_PF_BADLEN, "version 6 in IPv4");
	bogus(&s, p_tot_small, PT_PF_IPV4 | PT_PF_BADLEN, "tot_len < ihl");
	bogus(&s, p_tot_big, PT_PF_IPV4 | PT_PF_L4 | PT_PF_BADLEN, "tot_len > frame");
	ck_assert_uint_eq(E.recs[0].h.l4_payload_len, 1500 - 40);
	ck_assert_uint_eq(E.recs[0].h.dport, 80);
	bogus(&s, p_doff3, PT_PF_IPV4 | PT_PF_L4 | PT_PF_BADLEN, "doff 3");
	ck_assert_uint_eq(E.recs[0].h.seq, 1000);
	ck_assert_uint_eq(E.recs[0].h.l4_payload_len, 40);
	s.payload_len = 30;	/* 60 header bytes in the frame (padding), not in tot_len */
	s.eth_pad_to = 14 + 20 + 20 + 30 + 20;
	bogus(&s, p_doff15, PT_PF_IPV4 | PT_PF_L4 | PT_PF_BADLEN, "doff 15 > payload");
	ck_assert_uint_eq(E.recs[0].h.l4_payload_len, 0);
	frame_spec_init(&s, 4, IPPROTO_UDP);
	bogus(&s, p_udp4, PT_PF_IPV4 | PT_PF_L4 | PT_PF_BADLEN, "udp len 4");
	frame_spec_init(&s, 6, IPPROTO_UDP);
	bogus(&s, p_plen6, PT_PF_IPV6 | PT_PF_L4 | PT_PF_BADLEN, "ipv6 plen > frame");
	ck_assert_uint_eq(E.recs[0].h.l3_len, 0x1000 + 8 + 40);
	st = stats();
	ck_assert_uint_eq(st.trunc, 8 * K_N);
	ck_assert_uint_eq(st.emitted, 8 * K_N);
	env_down();
}
END_TEST

START_TEST(fp_invariance)
{
	struct frame_spec s = tcp4(), t;
	__u8 f[FRAME_MAX], pl[64];
	__u64 base;
	size_t n;
	int k;

	env_default();
	for (k = 0; k < K_N; k++) {
		n = build(&s, f, NULL);
		base = one(k, f, n)->fp;
		t = s;
		t.ttl = 1;
		t.tos = 0x03;
		t.smac[5] = 0x77;
		t.dmac[0] = 0x0a;
		t.window = 9;
		t.nvlan = 2;
		t.vlan_tci[0] = 5;
		n = build(&t, f, NULL);
		ck_assert_uint_eq(one(k, f, n)->fp, base);
		t.eth_pad_to = n + 30;	/* trailing Ethernet padding beyond tot_len */
		n = build(&t, f, NULL);
		ck_assert_uint_eq(one(k, f, n)->fp, base);
		t = s;
		t.seq++;
		n = build(&t, f, NULL);
		ck_assert_uint_ne(one(k, f, n)->fp, base);
		t = s;
		t.payload = PAYLOAD + 1;
		n = build(&t, f, NULL);
		ck_assert_uint_ne(one(k, f, n)->fp, base);
		t = s;
		t.ip_id++;
		n = build(&t, f, NULL);
		ck_assert_uint_ne(one(k, f, n)->fp, base);
		t = s;
		t.daddr[3]++;
		n = build(&t, f, NULL);
		ck_assert_uint_ne(one(k, f, n)->fp, base);
		/* only the first PT_FP_HDR_PAYLOAD bytes count */
		memcpy(pl, PAYLOAD, sizeof(pl));
		pl[PT_FP_HDR_PAYLOAD] ^= 0xff;
		t = s;
		t.payload = pl;
		n = build(&t, f, NULL);
		ck_assert_uint_eq(one(k, f, n)->fp, base);
	}
	env_down();
}
END_TEST

START_TEST(fp_nat_mode)
{
	struct cfg c = { .fp_mode = PT_FP_PAYLOAD };
	struct frame_spec s = tcp4(), t;
	struct pt_fp_in in;
	__u8 f[FRAME_MAX];
	__u64 base;
	size_t n;
	int k;

	s.payload_len = 70;
	memset(&in, 0, sizeof(in));
	in.mode = PT_FP_PAYLOAD;
	in.l4proto = IPPROTO_TCP;
	in.l4_payload_len = 70;
	in.payload_n = PT_FP_NAT_PAYLOAD;
	memcpy(in.payload, PAYLOAD, PT_FP_NAT_PAYLOAD);
	env_up(&c);
	for (k = 0; k < K_N; k++) {
		const struct pt_pkt *p;

		n = build(&s, f, NULL);
		p = one(k, f, n);
		ck_assert(p->flags & PT_PF_FP_NAT);
		base = p->fp;
		ck_assert_uint_eq(base, pt_fp_compute(&in));
		t = s;
		t.saddr[3] = 99;
		t.daddr[0] = 192;
		t.sport = 1;
		t.dport = 8080;
		t.seq = 5;
		t.ip_id = 9;
		t.ttl = 2;
		n = build(&t, f, NULL);
		ck_assert_uint_eq(one(k, f, n)->fp, base);
		t.payload = PAYLOAD + 1;
		n = build(&t, f, NULL);
		ck_assert_uint_ne(one(k, f, n)->fp, base);
		t = s;
		t.l4proto = IPPROTO_UDP;
		n = build(&t, f, NULL);
		ck_assert_uint_ne(one(k, f, n)->fp, base);
	}
	env_down();
}
END_TEST

/* Send @f on every program; expect it emitted (@want 1) or filtered (0). */
static void expect_pass(const __u8 *f, size_t n, int want, const char *what)
{
	int k;

	for (k = 0; k < K_N; k++)
		ck_assert_msg(run(k, f, n) == want, "%s/%s: want %s", kind_name[k], what,
			      want ? "emitted" : "filtered");
}

START_TEST(filters)
{
	struct pt_policy pol;
	struct frame_spec s = tcp4(), t, o;
	struct pt_point_stats st;
	__u8 f[FRAME_MAX];
	size_t n;

	env_default();
	/* all-zero slot: record everything */
	n = build(&s, f, NULL);
	expect_pass(f, n, 1, "zero policy");

	/* include tcp dport 80 only */
	memset(&pol, 0, sizeof(pol));
	pol.nrules = 1;
	pol.default_action = PT_ACT_EXCLUDE;
	pol.rules[0].has = PT_RH_PROTO | PT_RH_DPORT;
	pol.rules[0].proto = IPPROTO_TCP;
	pol.rules[0].dport_lo = pol.rules[0].dport_hi = 80;
	pol.rules[0].action = PT_ACT_INCLUDE;
	set_policy(0, &pol);
	expect_pass(f, n, 1, "tcp 80");
	t = s;
	t.dport = 443;
	n = build(&t, f, NULL);
	expect_pass(f, n, 0, "tcp 443");
	frame_spec_init(&t, 4, IPPROTO_UDP);
	t.dport = 80;
	n = build(&t, f, NULL);
	expect_pass(f, n, 0, "udp 80");
	frame_spec_init(&t, 4, IPPROTO_ICMP);
	n = build(&t, f, NULL);
	expect_pass(f, n, 0, "icmp");
	t = s;			/* non-first fragment: no ports, never matches a port rule */
	t.frag_off = 8;
	t.no_l4 = 1;
	n = build(&t, f, NULL);
	expect_pass(f, n, 0, "fragment");
	st = stats();
	ck_assert_uint_eq(st.seen, 6 * K_N);
	ck_assert_uint_eq(st.emitted, 2 * K_N);
	ck_assert_uint_eq(st.filtered, 4 * K_N);

	/* double buffer: stage "exclude host 10.0.0.1" in slot 1, then flip */
	memset(&pol, 0, sizeof(pol));
	pol.nrules = 1;
	pol.default_action = PT_ACT_INCLUDE;
	pol.rules[0].has = PT_RH_SRC;
	pol.rules[0].family = 4;
	memcpy(&pol.rules[0].src[0], s.saddr, 4);
	pol.rules[0].src_mask[0] = 0xffffffff;
	pol.rules[0].action = PT_ACT_EXCLUDE;
	set_policy(1, &pol);
	t = s;
	t.dport = 443;
	n = build(&t, f, NULL);
	expect_pass(f, n, 0, "still slot 0");
	set_active(1);
	expect_pass(f, n, 0, "host excluded");
	t.saddr[3] = 3;
	n = build(&t, f, NULL);
	expect_pass(f, n, 1, "other host");
	frame_spec_init(&t, 6, IPPROTO_TCP);	/* IPv4 rule never matches IPv6 */
	n = build(&t, f, NULL);
	expect_pass(f, n, 1, "ipv6");
	frame_spec_init(&t, 0, 0);		/* address rule never matches non-IP */
	n = build(&t, f, NULL);
	expect_pass(f, n, 1, "arp");

	/* default exclude, no rules */
	memset(&pol, 0, sizeof(pol));
	pol.default_action = PT_ACT_EXCLUDE;
	set_policy(0, &pol);
	set_active(0);
	n = build(&s, f, NULL);
	expect_pass(f, n, 0, "default exclude");

	/* vni 100 only; the rule sees inner headers */
	memset(&pol, 0, sizeof(pol));
	pol.nrules = 2;
	pol.default_action = PT_ACT_EXCLUDE;
	pol.rules[0].has = PT_RH_VNI;
	pol.rules[0].vni = 100;
	pol.rules[0].action = PT_ACT_INCLUDE;
	pol.rules[1].has = PT_RH_DST;
	pol.rules[1].family = 4;
	memcpy(&pol.rules[1].dst[0], s.daddr, 4);
	pol.rules[1].dst_mask[0] = htonl(0xffffff00);
	pol.rules[1].dst[0] &= pol.rules[1].dst_mask[0];
	pol.rules[1].action = PT_ACT_INCLUDE;
	set_policy(1, &pol);
	set_active(1);
	frame_spec_init(&o, 4, IPPROTO_UDP);
	o.daddr[0] = 172;
	t = s;
	t.daddr[0] = 192;
	n = frame_vxlan(&o, 100, &t, f, sizeof(f), NULL);
	expect_pass(f, n, 1, "vni 100");
	n = frame_vxlan(&o, 200, &t, f, sizeof(f), NULL);
	expect_pass(f, n, 0, "vni 200");
	n = frame_vxlan(&o, 200, &s, f, sizeof(f), NULL);
	expect_pass(f, n, 1, "vni 200, inner dst 10.0.0.0/24");
	n = build(&t, f, NULL);
	expect_pass(f, n, 0, "bare, dst 192.0.0.2");
	env_down();
}
END_TEST

START_TEST(snaplen)
{
	static const __u16 snaps[] = { 0, 64, 256 };
	struct frame_spec s = tcp4();
	__u8 small[FRAME_MAX], big[FRAME_MAX], pl[200];
	size_t ns, nb;
	unsigned int i;
	int k;

	s.payload_len = 6;
	ns = build(&s, small, NULL);		/* 60 bytes */
	for (i = 0; i < sizeof(pl); i++)
		pl[i] = (__u8)(i * 7);
	s.payload = pl;
	s.payload_len = sizeof(pl);
	s.tcp_opts = 40;
	s.ip_opts = 40;
	nb = build(&s, big, NULL);
	ck_assert_uint_eq(ns, 60);
	ck_assert_uint_gt(nb, 256);
	for (i = 0; i < sizeof(snaps) / sizeof(snaps[0]); i++) {
		struct cfg c = { .snaplen = snaps[i] };
		size_t room = sizeof(struct pt_pkt) + (snaps[i] ? PT_SNAP_MAX : 0);

		env_up(&c);
		for (k = 0; k < K_N; k++) {
			const struct pt_pkt *p = one(k, small, ns);
			size_t cap = snaps[i] < ns ? snaps[i] : ns;

			ck_assert_uint_eq(p->cap_len, cap);
			ck_assert_uint_eq(p->len, sizeof(*p) + cap);
			ck_assert_uint_eq(E.recs[0].size, room);
			ck_assert_mem_eq(E.recs[0].data, small, cap);
			p = one(k, big, nb);
			cap = snaps[i] < nb ? snaps[i] : nb;
			ck_assert_uint_eq(p->cap_len, cap);
			ck_assert_uint_eq(p->len, sizeof(*p) + cap);
			ck_assert_mem_eq(E.recs[0].data, big, cap);
			ck_assert_uint_eq(p->wire_len, nb);
		}
		env_down();
	}
}
END_TEST

START_TEST(stats_and_mark)
{
	struct frame_spec s = tcp4();
	struct pt_point_stats st;
	__u8 f[FRAME_MAX];
	size_t n = build(&s, f, NULL);
	int k;

	env_default();
	ck_assert_int_eq(run_mark(K_TC, f, n, 0x42), 1);
	ck_assert_uint_eq(E.recs[0].h.mark, 0x42);
	ck_assert(E.recs[0].h.flags & PT_PF_MARK);
	for (k = K_XDP; k < K_N; k++) {
		ck_assert_int_eq(run_mark(k, f, n, 0), 1);
		ck_assert_uint_eq(E.recs[0].h.mark, 0);
		ck_assert(!(E.recs[0].h.flags & PT_PF_MARK));
	}
	ck_assert_int_eq(run(K_TC, f, 40), 1);	/* truncated inside TCP */
	ck_assert(E.recs[0].h.flags & PT_PF_TRUNC);
	st = stats();
	ck_assert_uint_eq(st.seen, 4);
	ck_assert_uint_eq(st.emitted, 4);
	ck_assert_uint_eq(st.filtered, 0);
	ck_assert_uint_eq(st.ring_fail, 0);
	ck_assert_uint_eq(st.bytes, 3 * n + 40);
	ck_assert_uint_eq(st.trunc, 1);
	env_down();
}
END_TEST

START_TEST(ring_full)
{
	struct cfg c = { .ring_size = 4096 };
	struct frame_spec s = tcp4();
	struct pt_point_stats st;
	__u8 f[FRAME_MAX];
	size_t n = build(&s, f, NULL);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = n, .repeat = 1);
	int i, k, got;

	env_up(&c);
	for (k = 0; k < K_N; k++) {
		for (i = 0; i < 100; i++)
			ck_assert_int_eq(bpf_prog_test_run_opts(prog_fd(k), &o), 0);
		st = stats();
		ck_assert_uint_eq(st.seen, 100 * (k + 1));
		ck_assert_uint_eq(st.emitted + st.ring_fail, st.seen);
		ck_assert_uint_gt(st.ring_fail, 0);
		E.nrec = 0;
		got = ring_buffer__consume(E.rb);
		ck_assert_int_gt(got, 0);
		ck_assert_int_lt(got, 100);
		ck_assert_uint_eq(st.emitted, (__u64)(st.seen - st.ring_fail));
	}
	env_down();
}
END_TEST

START_TEST(hooks_agree)
{
	struct frame_spec in = tcp4(), out;
	struct pt_pkt r[K_N];
	__u8 f[FRAME_MAX];
	size_t n;
	int k;

	in.nvlan = 1;
	frame_spec_init(&out, 6, IPPROTO_UDP);
	n = frame_vxlan(&out, 5, &in, f, sizeof(f), NULL);
	env_default();
	for (k = 0; k < K_N; k++) {
		r[k] = *one(k, f, n);
		r[k].ts_ns = 0;
		r[k].flags &= ~PT_PF_MARK;
	}
	ck_assert_mem_eq(&r[K_TC], &r[K_XDP], sizeof(r[0]));
	ck_assert_mem_eq(&r[K_TC], &r[K_XDPD], sizeof(r[0]));
	env_down();
}
END_TEST

static Suite *pkt_suite(void)
{
	Suite *s = suite_create("pkt_prog");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tcp4_fields);
	tcase_add_test(tc, udp6_ext_chain);
	tcase_add_test(tc, ipv6_ext_limit);
	tcase_add_test(tc, ipv6_fragments);
	tcase_add_test(tc, ipv4_fragments);
	tcase_add_test(tc, icmp_both);
	tcase_add_test(tc, vlan_qinq);
	tcase_add_test(tc, non_ip);
	tcase_add_test(tc, vxlan);
	tcase_add_test(tc, truncation);
	tcase_add_test(tc, bogus_lengths);
	tcase_add_test(tc, fp_invariance);
	tcase_add_test(tc, fp_nat_mode);
	tcase_add_test(tc, filters);
	tcase_add_test(tc, snaplen);
	tcase_add_test(tc, stats_and_mark);
	tcase_add_test(tc, ring_full);
	tcase_add_test(tc, hooks_agree);
	suite_add_tcase(s, tc);
	return s;
}

static int silent(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	return 0;
}

int main(void)
{
	const char *req = getenv("PROVTAP_REQUIRE_BPF");
	struct cfg c = { 0 };
	struct pkt_bpf *probe;

	libbpf_set_print(silent);
	probe = skel_load(&c);
	if (!probe) {
		int err = errno;

		if (req && !strcmp(req, "1")) {
			fprintf(stderr, "FAIL: cannot load the packet programs: %s\n", strerror(err));
			return 1;
		}
		printf("SKIP: cannot load the packet programs: %s\n", strerror(err));
		return 0;
	}
	pkt_bpf__destroy(probe);

	return pt_check_run(pkt_suite());
}
