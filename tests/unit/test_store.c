// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_store.c — the record store: round trips (active, sealed, codec),
 * index hints, cursors, crash recovery (torn tails at every offset, garbage,
 * interrupted seals, kill -9 of a writer), corruption of sealed segments,
 * locking, errors, retention; and the size and speed of the 4-hop workload.
 *
 * White-box where it must find a block or a footer: it includes the store's
 * private layouts (collector/store_int.h).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/types.h>
#include "bpf/pkt.h"
#include "collector/store.h"
#include "collector/store_int.h"
#include "tests/support/checkrun.h"

/* ---- helpers ---- */

static __u64 rng_state = 0x1234567887654321ull;

static __u64 rnd(void)
{
	__u64 x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static char *mkstore(void)
{
	char *d = strdup("/tmp/pt-store-XXXXXX");

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

static char *seg_path(const char *dir, __u64 seq, const char *ext)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/seg-%012llu.%s", dir, (unsigned long long)seq, ext);
	return p;
}

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static off_t fsize(const char *p)
{
	struct stat st;

	ck_assert_int_eq(stat(p, &st), 0);
	return st.st_size;
}

static void copy_file(const char *from, const char *to, off_t len)
{
	char *buf = malloc(len > 0 ? len : 1);
	int a = open(from, O_RDONLY), b;

	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(pt_pread_full(a, buf, len, 0), len);
	close(a);
	b = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(b, 0);
	ck_assert_int_eq(pt_write_full(b, buf, len), 0);
	close(b);
	free(buf);
}

static void flip_byte(const char *p, off_t off)
{
	int fd = open(p, O_RDWR);
	unsigned char c;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &c, 1, off), 1);
	c ^= 0x5a;
	ck_assert_int_eq(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

/* A growing buffer of records back to back. */
struct recbuf {
	char *p;
	size_t len, cap;
	__u32 n;
};

static void *rb_add(struct recbuf *b, size_t len)
{
	void *r;

	if (b->len + len > b->cap) {
		b->cap = (b->cap + len) * 2;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	r = b->p + b->len;
	memset(r, 0, len);
	b->len += len;
	b->n++;
	return r;
}

static void rb_free(struct recbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* One PKT record with cap bytes of frame; id goes into seq/ack for checking. */
static void add_pkt(struct recbuf *b, __u16 point, __u64 ts, __u64 fp, __u32 id, __u16 cap)
{
	struct pt_pkt *p = rb_add(b, sizeof(*p) + cap);
	unsigned char *data = (unsigned char *)(p + 1);
	__u16 i;

	p->type = PT_REC_PKT;
	p->len = sizeof(*p) + cap;
	p->point = point;
	p->flags = PT_PF_IPV4 | PT_PF_L4;
	p->ts_ns = ts;
	p->fp = fp;
	p->wire_len = 60 + id % 1400;
	p->saddr[0] = 10;
	p->saddr[3] = 1 + id % 3;
	p->daddr[0] = 10;
	p->daddr[3] = 9;
	p->sport = 40000 + id % 3;
	p->dport = 80;
	p->seq = id;
	p->ack = ~id;
	p->l4proto = 6;
	p->ttl = 64 - point % 8;
	p->cap_len = cap;
	p->pad[1] = id & 0xff;		/* odd bytes must survive too */
	for (i = 0; i < cap; i++)
		data[i] = (i < 14) ? (unsigned char)(id + i) : (unsigned char)rnd();
}

/* A record of another type; id in its body. Lengths vary, some odd. */
static void add_other(struct recbuf *b, __u32 id)
{
	switch (id % 4) {
	case 0: {
		struct pt_clock_rec *c = rb_add(b, sizeof(*c));

		c->type = PT_REC_CLOCK;
		c->len = sizeof(*c);
		c->boottime_ns = 1000000000ull + id;
		c->realtime_ns = 1700000000000000000ull + id;
		c->error_ns = id;
		break;
	}
	case 1: {
		struct pt_point_rec *pr = rb_add(b, sizeof(*pr));

		pr->type = PT_REC_POINT;
		pr->len = sizeof(*pr);
		pr->point = id % PT_MAX_POINTS;
		snprintf(pr->info.ifname, sizeof(pr->info.ifname), "veth%u", id);
		break;
	}
	case 2: {
		/* a PKT record shorter than struct pt_pkt: stored verbatim */
		struct pt_rec_hdr *h = rb_add(b, 21);

		h->type = PT_REC_PKT;
		h->len = 21;
		memcpy(h + 1, &id, 4);
		break;
	}
	default: {
		__u16 len = 4 + id % 37;
		struct pt_rec_hdr *h = rb_add(b, len);

		h->type = 77;
		h->len = len;
		if (len >= 8)
			memcpy(h + 1, &id, 4);
		break;
	}
	}
}

/* n mixed records: mostly PKT (a fifth with frame bytes), some others. */
static void gen_mixed(struct recbuf *b, __u32 n, __u32 first_id, __u64 t0)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		__u32 id = first_id + i;

		if (rnd() % 10 == 0)
			add_other(b, id);
		else
			add_pkt(b, id % 8, t0 + id * 1000ull, 0x1000 + id / 8, id,
				rnd() % 5 == 0 ? rnd() % (PT_SNAP_MAX + 1) : 0);
	}
}

/* Append all of b in batches of 1..max_batch records; cursor (7, record index). */
static void append_all(struct pt_store *s, const struct recbuf *b, __u32 max_batch)
{
	size_t off = 0;
	__u32 done = 0;

	while (done < b->n) {
		__u32 k = 1 + rnd() % max_batch, i;
		size_t start = off;
		__u64 cur[2];

		for (i = 0; i < k && done + i < b->n; i++)
			off += ((struct pt_rec_hdr *)(b->p + off))->len;
		done += i;
		cur[0] = 7;
		cur[1] = done;
		ck_assert_int_eq(pt_store_append(s, b->p + start, off - start, i, cur), 0);
	}
}

struct corrupt_log {
	int n;
	char file[8][512];
	__u64 off[8];
	char why[8][96];
};

static void on_corrupt(const char *file, __u64 off, const char *why, void *ctx)
{
	struct corrupt_log *l = ctx;

	if (l->n < 8) {
		snprintf(l->file[l->n], sizeof(l->file[0]), "%s", file);
		l->off[l->n] = off;
		snprintf(l->why[l->n], sizeof(l->why[0]), "%s", why);
	}
	l->n++;
}

/* Read everything with hints into out. Returns the reader's stats. */
static struct pt_reader_stats read_all(const char *dir, const struct pt_read_hints *h,
				       struct corrupt_log *cl, struct recbuf *out)
{
	struct pt_reader_stats st;
	const struct pt_rec_hdr *rec;
	struct pt_reader *r;
	int ret;

	ck_assert_int_eq(pt_reader_open(dir, h, cl ? on_corrupt : NULL, cl, &r), 0);
	while ((ret = pt_reader_next(r, &rec, NULL)) == 1) {
		ck_assert_int_ge(rec->len, sizeof(*rec));
		memcpy(rb_add(out, rec->len), rec, rec->len);
	}
	ck_assert_int_eq(ret, 0);
	st = *pt_reader_get_stats(r);
	pt_reader_close(r);
	return st;
}

static void assert_same(const struct recbuf *a, const struct recbuf *b)
{
	ck_assert_uint_eq(a->n, b->n);
	ck_assert_uint_eq(a->len, b->len);
	ck_assert(memcmp(a->p, b->p, a->len) == 0);
}

static const struct pt_store_opts test_opts = { .hostname = "testhost", .boot_id = "test-boot" };

/* ---- round trips ---- */

START_TEST(t_roundtrip_active)
{
	struct recbuf in = { 0 }, out = { 0 };
	struct pt_store *s;
	char *d = mkstore();

	gen_mixed(&in, 5000, 0, 1000000);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	append_all(s, &in, 64);
	ck_assert_uint_eq(pt_store_get_stats(s)->records, 5000);
	/* read while the writer holds it, then after close */
	read_all(d, NULL, NULL, &out);
	assert_same(&in, &out);
	pt_store_close(s);
	rb_free(&out);
	read_all(d, NULL, NULL, &out);
	assert_same(&in, &out);
	rb_free(&in);
	rb_free(&out);
	rmstore(d);
}
END_TEST

START_TEST(t_roundtrip_sealed)
{
	struct pt_store_opts o = test_opts;
	struct recbuf in = { 0 }, out = { 0 };
	struct pt_reader_stats st;
	struct corrupt_log cl = { 0 };
	const struct pt_store_seg_info *si;
	const struct pt_rec_hdr *rec;
	struct pt_reader *r;
	struct pt_store *s;
	char *d = mkstore();

	gen_mixed(&in, 60000, 0, 1000000);
	o.seg_max_bytes = 3 << 20;	/* several segments, several blocks each */
	ck_assert_int_eq(pt_store_open(d, &o, &s), 0);
	append_all(s, &in, 300);
	ck_assert_uint_ge(pt_store_get_stats(s)->sealed_segments, 2);
	ck_assert_int_eq(pt_store_seal(s), 0);
	pt_store_close(s);
	ck_assert(!exists(seg_path(d, 1, "pta")));
	ck_assert(exists(seg_path(d, 1, "pts")));
	st = read_all(d, NULL, &cl, &out);
	ck_assert_int_eq(cl.n, 0);
	ck_assert_uint_gt(st.blocks_read, 3);
	assert_same(&in, &out);

	ck_assert_int_eq(pt_reader_open(d, NULL, NULL, NULL, &r), 0);
	ck_assert_int_eq(pt_reader_next(r, &rec, &si), 1);
	ck_assert_str_eq(si->hostname, "testhost");
	ck_assert_str_eq(si->boot_id, "test-boot");
	ck_assert_uint_eq(si->seq, 1);
	ck_assert_uint_eq(si->version, PT_STORE_VERSION);
	ck_assert_uint_gt(si->created_realtime_ns, 0);
	pt_reader_close(r);
	rb_free(&in);
	rb_free(&out);
	rmstore(d);
}
END_TEST

START_TEST(t_codec_adversarial)
{
	struct pt_codec *c = pt_codec_new(6);
	struct recbuf in = { 0 };
	const void *comp, *raw;
	size_t clen, elen;
	char *copy;
	int round;

	ck_assert_ptr_nonnull(c);
	for (round = 0; round < 20; round++) {
		__u32 i;

		in.len = in.n = 0;
		/* random bytes in every field, random lengths, random order */
		while (in.len < PT_BLK_RAW_TARGET - 2 * PT_REC_MAX) {
			if (rnd() % 3) {
				__u16 cap = round % 2 ? rnd() % 300 : 0;
				struct pt_pkt *p = rb_add(&in, sizeof(*p) + cap);
				unsigned char *q = (unsigned char *)p;

				for (i = 0; i < sizeof(*p) + cap; i++)
					q[i] = rnd() % 4 ? (unsigned char)rnd() : 0;
				if (rnd() % 2)
					p->fp = rnd() % 16;
				p->type = PT_REC_PKT;
				p->len = sizeof(*p) + cap;
			} else {
				__u16 len = 4 + rnd() % (round == 19 ? 60000 : 400);
				struct pt_rec_hdr *h = rb_add(&in, len);

				for (i = 4; i < len; i++)
					((unsigned char *)h)[i] = rnd();
				h->type = rnd() % 6;
				h->len = len;
			}
		}
		ck_assert_int_eq(pt_codec_encode(c, in.p, in.len, in.n, &comp, &clen, &elen), 0);
		copy = malloc(clen);
		memcpy(copy, comp, clen);
		ck_assert_int_eq(pt_codec_decode(c, copy, clen, elen, in.len, in.n, &raw), 0);
		ck_assert(memcmp(raw, in.p, in.len) == 0);
		/* wrong sizes are refused, not trusted */
		ck_assert_int_eq(pt_codec_decode(c, copy, clen, elen, in.len - 1, in.n, &raw), -EBADMSG);
		ck_assert_int_eq(pt_codec_decode(c, copy, clen, elen, in.len, in.n + 1, &raw), -EBADMSG);
		free(copy);
	}
	pt_codec_free(c);
	rb_free(&in);
}
END_TEST

START_TEST(t_flow_hash)
{
	struct pt_pkt a = { .flags = PT_PF_IPV4, .l4proto = 6, .sport = 1234, .dport = 80 };
	struct pt_pkt b;
	__u64 h;

	a.saddr[0] = 10, a.saddr[3] = 1;
	a.daddr[0] = 10, a.daddr[3] = 2;
	b = a;
	memcpy(b.saddr, a.daddr, 16);
	memcpy(b.daddr, a.saddr, 16);
	b.sport = a.dport;
	b.dport = a.sport;
	b.ts_ns = 99;
	b.point = 3;
	h = pt_flow_hash(&a);
	ck_assert_uint_ne(h, 0);
	ck_assert_uint_eq(h, pt_flow_hash(&b));
	b.sport++;
	ck_assert_uint_ne(h, pt_flow_hash(&b));
	memset(&b, 0, sizeof(b));
	ck_assert_uint_ne(pt_flow_hash(&b), 0);
	/* ICMP echo: request and reply (identifier in sport both ways) alike */
	a.l4proto = 1;
	a.sport = 77;
	a.dport = 1;
	b = a;
	memcpy(b.saddr, a.daddr, 16);
	memcpy(b.daddr, a.saddr, 16);
	b.dport = 2;
	ck_assert_uint_eq(pt_flow_hash(&a), pt_flow_hash(&b));
}
END_TEST

/* ---- index hints ---- */

/*
 * Four sealed segments; segment k has points 10k..10k+3, times in
 * [k*1e9, k*1e9+1e8), fps 1000k+..., flows by sport 100+k; the first also a
 * second time range in later blocks to test block skipping.
 */
static void build_indexed(const char *d, struct recbuf *all)
{
	struct pt_store *s;
	int k;

	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	for (k = 0; k < 4; k++) {
		struct recbuf b = { 0 };
		__u32 i, n = k == 0 ? 20000 : 2000;

		for (i = 0; i < n; i++) {
			struct pt_pkt *p;
			__u64 t = (__u64)(k + 1) * 1000000000ull + (__u64)i * 10000;

			add_pkt(&b, 10 * k + i % 4, t, 1000000ull * (k + 1) + i / 4, i, 0);
			p = (struct pt_pkt *)(b.p + b.len - sizeof(*p));
			p->sport = 100 + k;
		}
		append_all(s, &b, 100);
		memcpy(rb_add(all, b.len), b.p, b.len);
		all->n += b.n - 1;
		ck_assert_int_eq(pt_store_seal(s), 0);
		rb_free(&b);
	}
	pt_store_close(s);
}

static __u32 count_matching(const struct recbuf *b, bool (*match)(const struct pt_pkt *, void *), void *ctx)
{
	size_t off;
	__u32 n = 0;

	for (off = 0; off < b->len;) {
		struct pt_pkt p;
		const struct pt_rec_hdr *h = (const void *)(b->p + off);

		memcpy(&p, h, sizeof(p));
		if (match(&p, ctx))
			n++;
		off += h->len;
	}
	return n;
}

static bool m_time(const struct pt_pkt *p, void *c)
{
	const __u64 *t = c;

	return p->ts_ns >= t[0] && p->ts_ns <= t[1];
}

static bool m_point(const struct pt_pkt *p, void *c)
{
	return p->point == *(int *)c;
}

static bool m_fp(const struct pt_pkt *p, void *c)
{
	return p->fp == *(__u64 *)c;
}

static bool m_flow(const struct pt_pkt *p, void *c)
{
	return pt_flow_hash(p) == *(__u64 *)c;
}

START_TEST(t_index_hints)
{
	struct recbuf all = { 0 }, out = { 0 };
	struct pt_read_hints h;
	struct pt_reader_stats st;
	struct pt_pkt fl;
	__u64 t[2], fp, flow;
	int point;
	char *d = mkstore();

	build_indexed(d, &all);
	ck_assert_uint_eq(all.n, 26000);

	st = read_all(d, NULL, NULL, &out);
	assert_same(&all, &out);
	ck_assert_uint_eq(st.segments_skipped, 0);

	/* time: segment 3 only, and inside segment 1 a late slice (block skipping) */
	t[0] = 3000000000ull;
	t[1] = 3000500000ull;
	h = (struct pt_read_hints){ .t_min = t[0], .t_max = t[1], .point = -1 };
	rb_free(&out);
	st = read_all(d, &h, NULL, &out);
	ck_assert_uint_ge(st.segments_skipped, 3);
	ck_assert_uint_eq(count_matching(&out, m_time, t), count_matching(&all, m_time, t));
	ck_assert_uint_eq(count_matching(&out, m_time, t), 51);

	t[0] = 1000000000ull + 19000ull * 10000;
	t[1] = t[0] + 1000ull * 10000;
	h = (struct pt_read_hints){ .t_min = t[0], .t_max = t[1], .point = -1 };
	rb_free(&out);
	st = read_all(d, &h, NULL, &out);
	ck_assert_uint_eq(st.segments_skipped, 3);
	ck_assert_uint_ge(st.blocks_skipped, 1);
	ck_assert_uint_eq(count_matching(&out, m_time, t), count_matching(&all, m_time, t));
	ck_assert_uint_lt(out.n, 20000);

	/* point */
	point = 21;
	h = (struct pt_read_hints){ .point = point };
	rb_free(&out);
	st = read_all(d, &h, NULL, &out);
	ck_assert_uint_eq(st.segments_skipped, 3);
	ck_assert_uint_eq(count_matching(&out, m_point, &point), 500);

	/* fingerprint */
	fp = 4000000 + 17;
	h = (struct pt_read_hints){ .point = -1, .fp = fp };
	rb_free(&out);
	st = read_all(d, &h, NULL, &out);
	ck_assert_uint_ge(st.segments_skipped, 2);	/* blooms may let one more through */
	ck_assert_uint_eq(count_matching(&out, m_fp, &fp), 4);

	/* flow */
	memcpy(&fl, all.p, sizeof(fl));
	fl.sport = 101;
	flow = pt_flow_hash(&fl);
	h = (struct pt_read_hints){ .point = -1, .flow = flow };
	rb_free(&out);
	st = read_all(d, &h, NULL, &out);
	ck_assert_uint_ge(st.segments_skipped, 2);
	ck_assert_uint_eq(count_matching(&out, m_flow, &flow), count_matching(&all, m_flow, &flow));
	ck_assert_uint_gt(count_matching(&out, m_flow, &flow), 0);

	/* a flow nobody sent: every segment skipped (bloom false positives aside) */
	fl.sport = 9999;
	h = (struct pt_read_hints){ .point = -1, .flow = pt_flow_hash(&fl) };
	rb_free(&out);
	st = read_all(d, &h, NULL, &out);
	ck_assert_uint_ge(st.segments_skipped, 3);
	rb_free(&all);
	rb_free(&out);
	rmstore(d);
}
END_TEST

/* ---- cursors ---- */

/* More ring keys than the table holds: the oldest are evicted, appends never fail. */
/*
 * Projected reads (pt_reader_set_projection): every record comes back in the
 * same order; PKT records carry exactly the kept fields of the full read and
 * zeros everywhere else (frame bytes included); other types come back whole.
 */
START_TEST(t_projection)
{
	struct recbuf b = { 0 };
	struct pt_reader *full, *proj;
	struct pt_store *s;
	char *d = mkstore();
	__u32 n = 0;

	gen_mixed(&b, 20000, 0, 1);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	append_all(s, &b, 64);
	ck_assert_int_eq(pt_store_seal(s), 0);
	pt_store_close(s);
	ck_assert_int_eq(pt_reader_open(d, NULL, NULL, NULL, &full), 0);
	ck_assert_int_eq(pt_reader_open(d, NULL, NULL, NULL, &proj), 0);
	pt_reader_set_projection(proj, PT_FLD_POINT | PT_FLD_TS | PT_FLD_FP);
	for (;;) {
		const struct pt_rec_hdr *hf, *hp;
		int rf = pt_reader_next(full, &hf, NULL), rp;
		static unsigned char keep[65536];

		if (rf == 1) {
			ck_assert_uint_le(hf->len, sizeof(keep));
			memcpy(keep, hf, hf->len);	/* valid only until the next call */
			hf = (const struct pt_rec_hdr *)keep;
		}
		rp = pt_reader_next(proj, &hp, NULL);
		ck_assert_int_eq(rf, rp);
		if (rf != 1)
			break;
		n++;
		ck_assert_uint_eq(hf->type, hp->type);
		ck_assert_uint_eq(hf->len, hp->len);
		if (hf->type != PT_REC_PKT || hf->len < sizeof(struct pt_pkt)) {
			ck_assert_mem_eq(hf, hp, hf->len);
			continue;
		}
		const struct pt_pkt *f = (const void *)hf, *p = (const void *)hp;
		struct pt_pkt want = { .type = f->type, .len = f->len, .point = f->point, .ts_ns = f->ts_ns,
				       .fp = f->fp };

		ck_assert_mem_eq(p, &want, sizeof(want));
		for (size_t k = sizeof(*p); k < p->len; k++)
			ck_assert_uint_eq(((const unsigned char *)p)[k], 0);
	}
	ck_assert_uint_eq(n, 20000);
	pt_reader_close(full);
	pt_reader_close(proj);
	free(b.p);
	rmstore(d);
}
END_TEST

START_TEST(t_cursor_eviction)
{
	struct recbuf b = { 0 };
	struct pt_store *s;
	__u64 c[2];
	bool found;
	char *d = mkstore();

	gen_mixed(&b, 3, 0, 1);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	for (__u64 k = 1; k <= PT_STORE_MAX_CURSORS + 4; k++) {
		c[0] = k, c[1] = 1000 + k;
		ck_assert_int_eq(pt_store_append(s, b.p, b.len, b.n, c), 0);
	}
	c[0] = 6, c[1] = 2006;	/* refresh key 6: it must survive the next eviction */
	ck_assert_int_eq(pt_store_append(s, b.p, b.len, b.n, c), 0);
	c[0] = 100, c[1] = 3100;
	ck_assert_int_eq(pt_store_append(s, b.p, b.len, b.n, c), 0);
	ck_assert_int_eq(pt_store_seal(s), 0);
	pt_store_close(s);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	for (__u64 k = 1; k <= 5; k++) {
		pt_store_cursor(s, k, &found);
		ck_assert_msg(!found, "key %llu should have been evicted", (unsigned long long)k);
	}
	/* 1..4 went first; 100 evicted 5, not 6, because 6 had been refreshed */
	ck_assert_uint_eq(pt_store_cursor(s, 6, &found), 2006);
	ck_assert(found);
	for (__u64 k = 7; k <= PT_STORE_MAX_CURSORS + 4; k++) {
		ck_assert_uint_eq(pt_store_cursor(s, k, &found), 1000 + k);
		ck_assert(found);
	}
	ck_assert_uint_eq(pt_store_cursor(s, 100, &found), 3100);
	ck_assert(found);
	pt_store_close(s);
	free(b.p);
	rmstore(d);
}
END_TEST

START_TEST(t_cursors)
{
	struct recbuf b = { 0 };
	struct pt_store *s;
	__u64 c[2];
	bool found;
	char *d = mkstore();

	gen_mixed(&b, 10, 0, 1);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert_uint_eq(pt_store_cursor(s, 1, &found), 0);
	ck_assert(!found);
	c[0] = 1, c[1] = 100;
	ck_assert_int_eq(pt_store_append(s, b.p, b.len, b.n, c), 0);
	c[0] = 2, c[1] = 555;
	ck_assert_int_eq(pt_store_append(s, b.p, b.len, b.n, c), 0);
	c[0] = 1, c[1] = 200;
	ck_assert_int_eq(pt_store_append(s, b.p, b.len, b.n, c), 0);
	ck_assert_int_eq(pt_store_append(s, b.p, b.len, b.n, NULL), 0);
	ck_assert_uint_eq(pt_store_cursor(s, 1, &found), 200);
	ck_assert(found);
	pt_store_close(s);

	/* from the active segment */
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert_uint_eq(pt_store_cursor(s, 1, &found), 200);
	ck_assert(found);
	ck_assert_uint_eq(pt_store_cursor(s, 2, &found), 555);
	ck_assert(found);
	ck_assert_int_eq(pt_store_seal(s), 0);
	pt_store_close(s);

	/* from the sealed footer (the new active segment is empty) */
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert_uint_eq(pt_store_cursor(s, 1, &found), 200);
	ck_assert(found);
	ck_assert_uint_eq(pt_store_cursor(s, 2, &found), 555);
	ck_assert(found);
	/* a cursor-only batch, then the newest wins across sealed + active */
	c[0] = 2, c[1] = 600;
	ck_assert_int_eq(pt_store_append(s, NULL, 0, 0, c), 0);
	pt_store_close(s);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert_uint_eq(pt_store_cursor(s, 2, &found), 600);
	ck_assert_uint_eq(pt_store_cursor(s, 1, &found), 200);
	pt_store_close(s);
	rb_free(&b);
	rmstore(d);
}
END_TEST

/* ---- crash recovery ---- */

START_TEST(t_torn_tail_every_offset)
{
	struct recbuf in = { 0 }, out = { 0 };
	struct pt_store *s;
	char *d = mkstore(), *e = mkstore();
	char pta[512], save[600];
	off_t before, after, cut;
	size_t good_len;
	__u32 good_n;
	bool found;
	__u64 c[2];

	gen_mixed(&in, 400, 0, 1000);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	append_all(s, &in, 50);
	good_len = in.len;
	good_n = in.n;
	snprintf(pta, sizeof(pta), "%s", seg_path(d, 1, "pta"));
	before = fsize(pta);
	/* the last frame: two records, one with frame bytes */
	add_pkt(&in, 3, 5000000, 42, 9999, 100);
	add_other(&in, 10000);
	c[0] = 7;
	c[1] = 123456;
	ck_assert_int_eq(pt_store_append(s, in.p + good_len, in.len - good_len, 2, c), 0);
	pt_store_close(s);
	after = fsize(pta);
	snprintf(save, sizeof(save), "%s/saved", e);
	copy_file(pta, save, after);

	for (cut = before + 1; cut < after; cut++) {
		copy_file(save, pta, cut);
		ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
		ck_assert_uint_eq(pt_store_get_stats(s)->torn_bytes_cut, cut - before);
		ck_assert_uint_eq(pt_store_cursor(s, 7, &found), good_n);
		pt_store_close(s);
		ck_assert_int_eq(fsize(pta), before);
		rb_free(&out);
		read_all(d, NULL, NULL, &out);
		ck_assert_uint_eq(out.n, good_n);
		ck_assert_uint_eq(out.len, good_len);
		ck_assert(memcmp(out.p, in.p, good_len) == 0);
	}
	/* the whole frame: nothing cut, everything there */
	copy_file(save, pta, after);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert_uint_eq(pt_store_get_stats(s)->torn_bytes_cut, 0);
	ck_assert_uint_eq(pt_store_cursor(s, 7, &found), 123456);
	pt_store_close(s);
	rb_free(&out);
	read_all(d, NULL, NULL, &out);
	assert_same(&in, &out);
	rb_free(&in);
	rb_free(&out);
	rmstore(d);
	rmstore(e);
}
END_TEST

START_TEST(t_garbage_appended)
{
	struct recbuf in = { 0 }, out = { 0 };
	struct corrupt_log cl = { 0 };
	struct pt_store *s;
	char *d = mkstore();
	char garbage[300];
	const char *pta;
	size_t i;
	int fd;

	gen_mixed(&in, 300, 0, 1000);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	append_all(s, &in, 40);
	pt_store_close(s);
	for (i = 0; i < sizeof(garbage); i++)
		garbage[i] = rnd();
	pta = seg_path(d, 1, "pta");
	fd = open(pta, O_WRONLY | O_APPEND);
	ck_assert_int_eq(pt_write_full(fd, garbage, sizeof(garbage)), 0);
	close(fd);

	/* a reader reports it and returns every record */
	read_all(d, NULL, &cl, &out);
	ck_assert_int_eq(cl.n, 1);
	ck_assert_str_eq(cl.file[0], pta);
	ck_assert_uint_eq(cl.off[0], fsize(pta) - sizeof(garbage));
	assert_same(&in, &out);

	/* the writer cuts it */
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert_uint_eq(pt_store_get_stats(s)->torn_bytes_cut, sizeof(garbage));
	pt_store_close(s);
	rb_free(&out);
	memset(&cl, 0, sizeof(cl));
	read_all(d, NULL, &cl, &out);
	ck_assert_int_eq(cl.n, 0);
	assert_same(&in, &out);
	rb_free(&in);
	rb_free(&out);
	rmstore(d);
}
END_TEST

/*
 * 100 batches of 10 records; batch 50's frame is damaged: _i 0, a byte of its
 * payload flips; _i 1, its length grows past the end of the file (which looks
 * like a torn tail, but good frames follow: it must not be cut as one).
 */
START_TEST(t_corrupt_middle_frame)
{
	struct recbuf in = { 0 }, out = { 0 };
	struct corrupt_log cl = { 0 };
	struct pt_store *s;
	char *d = mkstore();
	off_t mid = 0;

	gen_mixed(&in, 1000, 0, 1000);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	for (int i = 0; i < 100; i++) {
		size_t off = 0, start;
		int k;

		/* find records 10i..10i+9 */
		for (k = 0; k < 10 * i; k++)
			off += ((struct pt_rec_hdr *)(in.p + off))->len;
		start = off;
		for (k = 0; k < 10; k++)
			off += ((struct pt_rec_hdr *)(in.p + off))->len;
		if (i == 50)
			mid = fsize(seg_path(d, 1, "pta"));	/* batch 50's frame header */
		ck_assert_int_eq(pt_store_append(s, in.p + start, off - start, 10, NULL), 0);
	}
	pt_store_close(s);
	if (_i == 0) {
		flip_byte(seg_path(d, 1, "pta"), mid + sizeof(struct pt_frame_hdr) + 7);
	} else {
		__u32 len = 1u << 20;	/* < PT_FRAME_MAX, > the whole file */
		int fd = open(seg_path(d, 1, "pta"), O_RDWR);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_lt(fsize(seg_path(d, 1, "pta")), len);
		ck_assert_int_eq(pwrite(fd, &len, 4, mid + offsetof(struct pt_frame_hdr, len)), 4);
		close(fd);
	}
	read_all(d, NULL, &cl, &out);
	ck_assert_int_eq(cl.n, 1);
	ck_assert_uint_eq(out.n, 990);
	/* the writer keeps the good frames after it and does not cut them */
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert_uint_eq(pt_store_get_stats(s)->torn_bytes_cut, 0);
	ck_assert_int_eq(pt_store_seal(s), 0);
	pt_store_close(s);
	rb_free(&out);
	memset(&cl, 0, sizeof(cl));
	read_all(d, NULL, &cl, &out);
	ck_assert_int_eq(cl.n, 0);
	ck_assert_uint_eq(out.n, 990);
	rb_free(&in);
	rb_free(&out);
	rmstore(d);
}
END_TEST

/* A sealed store with several blocks; returns the records and the footer's block table. */
static void build_sealed(const char *d, struct recbuf *in, struct pt_footer_blk *blks, __u32 *n_blks)
{
	struct pt_footer_view fv;
	struct pt_seg_hdr hdr;
	struct pt_store *s;
	const char *why;
	__u64 where, bend;
	bool ok;
	int fd;

	gen_mixed(in, 30000, 0, 1000);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	append_all(s, in, 200);
	ck_assert_int_eq(pt_store_seal(s), 0);
	pt_store_close(s);
	fd = open(seg_path(d, 1, "pts"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pt_footer_load(fd, &hdr, &ok, &fv, &why, &where, &bend), 0);
	ck_assert_uint_ge(fv.f.n_blocks, 3);
	ck_assert_uint_le(fv.f.n_blocks, 16);
	memcpy(blks, fv.blks, fv.f.n_blocks * sizeof(*blks));
	*n_blks = fv.f.n_blocks;
	pt_footer_free(&fv);
	close(fd);
}

/* Records of in, except those of block `skip` (records counted by block table). */
static void expect_without_block(const struct recbuf *in, const struct pt_footer_blk *blks,
				 __u32 n_blks, __u32 skip, __u32 keep_from, struct recbuf *exp)
{
	size_t off = 0;
	__u32 b, i;

	for (b = 0; b < n_blks; b++) {
		for (i = 0; i < blks[b].n_recs; i++) {
			const struct pt_rec_hdr *h = (const void *)(in->p + off);

			if (b != skip && b < keep_from)
				memcpy(rb_add(exp, h->len), h, h->len);
			off += h->len;
		}
	}
}

START_TEST(t_corrupt_sealed_block)
{
	struct recbuf in = { 0 }, out = { 0 }, exp = { 0 };
	struct pt_footer_blk blks[16];
	struct corrupt_log cl = { 0 };
	__u32 n;
	char *d = mkstore();

	build_sealed(d, &in, blks, &n);
	flip_byte(seg_path(d, 1, "pts"), blks[1].off + sizeof(struct pt_blk_hdr) + 100);
	read_all(d, NULL, &cl, &out);
	ck_assert_int_eq(cl.n, 1);
	ck_assert_str_eq(cl.file[0], seg_path(d, 1, "pts"));
	ck_assert_uint_eq(cl.off[0], blks[1].off);
	expect_without_block(&in, blks, n, 1, n, &exp);
	assert_same(&exp, &out);
	rb_free(&in);
	rb_free(&out);
	rb_free(&exp);
	rmstore(d);
}
END_TEST

/* Every record of in is still read from d, with a corrupt region reported (the blocks found by scanning). */
static void expect_scanned(const char *d, const struct recbuf *in)
{
	struct corrupt_log cl = { 0 };
	struct recbuf out = { 0 };

	read_all(d, NULL, &cl, &out);
	ck_assert_int_ge(cl.n, 1);
	assert_same(in, &out);
	rb_free(&out);
}

START_TEST(t_corrupt_footer)
{
	struct recbuf in = { 0 }, out = { 0 };
	struct pt_footer_blk blks[16];
	struct corrupt_log cl = { 0 };
	struct pt_store *s;
	__u32 n;
	char *d = mkstore();
	const char *pts;

	build_sealed(d, &in, blks, &n);
	pts = seg_path(d, 1, "pts");
	/* a byte of the block table */
	flip_byte(pts, fsize(pts) - sizeof(struct pt_trailer) - 4 - 100);
	read_all(d, NULL, &cl, &out);
	ck_assert_int_eq(cl.n, 1);
	ck_assert_str_eq(cl.file[0], seg_path(d, 1, "pts"));
	assert_same(&in, &out);
	/* the writer keeps the segment and can still open */
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	pt_store_close(s);
	ck_assert(exists(seg_path(d, 1, "pts")));

	/* the trailer too: blocks are still found by scanning */
	flip_byte(pts, fsize(pts) - 2);
	expect_scanned(d, &in);

	/* a trailer whose offsets add up only modulo 2^64: refused (the sum wrapped, and the
	 * read at 2^64 - 8 failed the whole store with EINVAL), blocks found by scanning */
	{
		struct pt_trailer tr = { .footer_off = ~0ull - 7, .magic = PT_TRAILER_MAGIC };
		int fd = open(pts, O_RDWR);
		off_t size = fsize(pts);

		tr.footer_len = (__u32)(size - sizeof(tr) + 8);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pwrite(fd, &tr, sizeof(tr), size - sizeof(tr)), sizeof(tr));
		close(fd);
		expect_scanned(d, &in);
		ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
		pt_store_close(s);
	}
	rb_free(&in);
	rmstore(d);

	/* a block table entry outside the segment, under a footer CRC that matches (a CRC proves
	 * only what the writer wrote): refused as inconsistent, blocks found by scanning (the read
	 * at 2^63 failed the whole store with EINVAL, other segments unread) */
	d = mkstore();
	build_sealed(d, &in, blks, &n);
	pts = seg_path(d, 1, "pts");
	{
		struct pt_trailer tr;
		__u64 bad = 1ull << 63;
		int fd = open(pts, O_RDWR);
		char *f;

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pread(fd, &tr, sizeof(tr), fsize(pts) - sizeof(tr)), sizeof(tr));
		f = malloc(tr.footer_len);
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(pread(fd, f, tr.footer_len, tr.footer_off), tr.footer_len);
		memcpy(f + sizeof(struct pt_footer) + offsetof(struct pt_footer_blk, off), &bad, 8);
		*(__u32 *)(f + tr.footer_len - 4) = pt_crc32(0, f, tr.footer_len - 4);
		ck_assert_int_eq(pwrite(fd, f, tr.footer_len, tr.footer_off), tr.footer_len);
		free(f);
		close(fd);
	}
	expect_scanned(d, &in);
	rb_free(&in);
	rb_free(&out);
	rmstore(d);
}
END_TEST

/* A FIFO under a segment's name: readers skip it, saying so; the writer refuses the store. */
START_TEST(t_fifo_segment)
{
	struct recbuf in = { 0 }, out = { 0 };
	struct pt_footer_blk blks[16];
	struct corrupt_log cl = { 0 };
	struct pt_store *s;
	__u32 n;
	char *d = mkstore();

	build_sealed(d, &in, blks, &n);
	ck_assert_int_eq(mkfifo(seg_path(d, 9, "pta"), 0600), 0);
	read_all(d, NULL, &cl, &out);	/* returns: opening it for reading waited for a writer */
	ck_assert_int_eq(cl.n, 1);
	ck_assert_str_eq(cl.file[0], seg_path(d, 9, "pta"));
	assert_same(&in, &out);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), -ENOTSUP);
	unlink(seg_path(d, 9, "pta"));
	ck_assert_int_eq(mkfifo(seg_path(d, 9, "pts"), 0600), 0);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), -ENOTSUP);
	rb_free(&in);
	rb_free(&out);
	rmstore(d);
}
END_TEST

START_TEST(t_truncated_sealed)
{
	struct recbuf in = { 0 }, out = { 0 }, exp = { 0 };
	struct pt_footer_blk blks[16];
	struct corrupt_log cl = { 0 };
	__u32 n;
	char *d = mkstore();
	const char *pts;

	build_sealed(d, &in, blks, &n);
	pts = seg_path(d, 1, "pts");
	ck_assert_int_eq(truncate(pts, blks[2].off + 500), 0);
	read_all(d, NULL, &cl, &out);
	ck_assert_int_ge(cl.n, 1);
	ck_assert_str_eq(cl.file[0], pts);
	expect_without_block(&in, blks, n, n, 2, &exp);
	assert_same(&exp, &out);

	/* garbage file: reported, nothing returned, no crash */
	rb_free(&out);
	memset(&cl, 0, sizeof(cl));
	{
		int fd = open(pts, O_WRONLY | O_TRUNC);
		char junk[5000];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = rnd();
		ck_assert_int_eq(pt_write_full(fd, junk, sizeof(junk)), 0);
		close(fd);
	}
	read_all(d, NULL, &cl, &out);
	ck_assert_int_ge(cl.n, 1);
	ck_assert_uint_eq(out.n, 0);
	rb_free(&in);
	rb_free(&out);
	rb_free(&exp);
	rmstore(d);
}
END_TEST

/*
 * Interrupted seals: (a) a partial .pts.tmp beside the .pta, (b) a complete
 * .pts beside its .pta (crash before the unlink), (c) a truncated .pts beside
 * its .pta. Each recovers every record exactly once.
 */
START_TEST(t_interrupted_seal)
{
	struct recbuf in = { 0 }, more = { 0 }, all = { 0 }, out = { 0 };
	struct corrupt_log cl = { 0 };
	char *d = mkstore(), *e = mkstore();
	char pta_save[600], pts_save[600];
	struct pt_store *s;
	off_t pta_len, pts_len;
	int scen;
	bool found;

	gen_mixed(&in, 5000, 0, 1000);
	gen_mixed(&more, 100, 5000, 1000);
	memcpy(rb_add(&all, in.len), in.p, in.len);
	memcpy(rb_add(&all, more.len), more.p, more.len);
	all.n = in.n + more.n;

	for (scen = 0; scen < 3; scen++) {
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s/*", d);
		ck_assert_int_eq(system(cmd), 0);
		ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
		append_all(s, &in, 100);
		pt_store_close(s);
		snprintf(pta_save, sizeof(pta_save), "%s/pta", e);
		snprintf(pts_save, sizeof(pts_save), "%s/pts", e);
		pta_len = fsize(seg_path(d, 1, "pta"));
		copy_file(seg_path(d, 1, "pta"), pta_save, pta_len);
		ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
		ck_assert_int_eq(pt_store_seal(s), 0);
		append_all(s, &more, 30);
		pt_store_close(s);
		pts_len = fsize(seg_path(d, 1, "pts"));
		copy_file(seg_path(d, 1, "pts"), pts_save, pts_len);
		/* put the crash back: the .pta returns */
		copy_file(pta_save, seg_path(d, 1, "pta"), pta_len);
		if (scen == 0) {
			char tmp[600];

			snprintf(tmp, sizeof(tmp), "%s", seg_path(d, 1, "pts.tmp"));
			ck_assert_int_eq(rename(seg_path(d, 1, "pts"), tmp), 0);
			ck_assert_int_eq(truncate(tmp, pts_len / 2), 0);
		} else if (scen == 2) {
			ck_assert_int_eq(truncate(seg_path(d, 1, "pts"), pts_len - 10), 0);
		}

		/* a reader beside it, before recovery, sees each record once too */
		rb_free(&out);
		memset(&cl, 0, sizeof(cl));
		read_all(d, NULL, &cl, &out);
		assert_same(&all, &out);

		ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
		ck_assert_uint_eq(pt_store_cursor(s, 7, &found), 100);
		pt_store_close(s);
		ck_assert(!exists(seg_path(d, 1, "pts.tmp")));
		ck_assert(exists(seg_path(d, 1, "pts")));
		ck_assert(!exists(seg_path(d, 1, "pta")));
		rb_free(&out);
		memset(&cl, 0, sizeof(cl));
		read_all(d, NULL, &cl, &out);
		ck_assert_int_eq(cl.n, 0);
		assert_same(&all, &out);
	}
	rb_free(&in);
	rb_free(&more);
	rb_free(&all);
	rb_free(&out);
	rmstore(d);
	rmstore(e);
}
END_TEST

/* ---- locking and errors ---- */

START_TEST(t_second_writer)
{
	struct pt_store *s, *s2 = (void *)1;
	char *d = mkstore();
	pid_t pid;
	int st;

	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s2), -EBUSY);
	ck_assert_ptr_null(s2);
	pid = fork();
	if (pid == 0) {
		struct pt_store *c;

		_exit(pt_store_open(d, &test_opts, &c) == -EBUSY ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pt_store_close(s);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s2), 0);
	pt_store_close(s2);
	rmstore(d);
}
END_TEST

START_TEST(t_unwritable)
{
	struct pt_store *s;
	struct pt_reader *r;
	char *d = mkstore();
	char p[700], m[600];
	int fd;

	/* parent is a regular file */
	snprintf(p, sizeof(p), "%s/file", d);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	close(fd);
	snprintf(p, sizeof(p), "%s/file/store", d);
	ck_assert_int_eq(pt_store_open(p, &test_opts, &s), -ENOTDIR);
	ck_assert_ptr_null(s);
	/* missing parent */
	snprintf(p, sizeof(p), "%s/no/such/store", d);
	ck_assert_int_eq(pt_store_open(p, &test_opts, &s), -ENOENT);
	ck_assert_int_eq(pt_reader_open(p, NULL, NULL, NULL, &r), -ENOENT);
	/* a read-only file system, when we may mount one */
	snprintf(m, sizeof(m), "%s/ro", d);
	ck_assert_int_eq(mkdir(m, 0755), 0);
	if (mount("tmpfs", m, "tmpfs", MS_RDONLY, "size=1m") == 0) {
		snprintf(p, sizeof(p), "%s/store", m);
		ck_assert_int_eq(pt_store_open(p, &test_opts, &s), -EROFS);
		ck_assert_int_eq(umount(m), 0);
	} else if (geteuid() != 0) {
		ck_assert_int_eq(chmod(m, 0555), 0);
		snprintf(p, sizeof(p), "%s/store", m);
		ck_assert_int_eq(pt_store_open(p, &test_opts, &s), -EACCES);
	}
	rmstore(d);
}
END_TEST

/* A write that fails half way (file size limit) leaves no trace. */
START_TEST(t_short_write)
{
	struct recbuf a = { 0 }, big = { 0 }, small = { 0 }, out = { 0 };
	char *d = mkstore();
	pid_t pid;
	int st;

	gen_mixed(&a, 100, 0, 1000);
	gen_mixed(&big, 100, 100, 1000);
	gen_mixed(&small, 3, 200, 1000);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl;
		struct pt_store *s;
		off_t good;

		signal(SIGXFSZ, SIG_IGN);
		if (pt_store_open(d, &test_opts, &s) ||
		    pt_store_append(s, a.p, a.len, a.n, NULL))
			_exit(1);
		good = fsize(seg_path(d, 1, "pta"));
		rl.rlim_cur = rl.rlim_max = good + big.len / 2;
		if (setrlimit(RLIMIT_FSIZE, &rl))
			_exit(2);
		if (pt_store_append(s, big.p, big.len, big.n, NULL) != -EFBIG)
			_exit(3);
		if (fsize(seg_path(d, 1, "pta")) != good)
			_exit(4);
		if (pt_store_append(s, small.p, small.len, small.n, NULL))
			_exit(5);
		pt_store_close(s);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	read_all(d, NULL, NULL, &out);
	ck_assert_uint_eq(out.n, a.n + small.n);
	ck_assert(memcmp(out.p, a.p, a.len) == 0);
	ck_assert(memcmp(out.p + a.len, small.p, small.len) == 0);
	rb_free(&a);
	rb_free(&big);
	rb_free(&small);
	rb_free(&out);
	rmstore(d);
}
END_TEST

/* ---- retention ---- */

START_TEST(t_retention_bytes)
{
	struct pt_store_opts o = test_opts;
	struct recbuf in = { 0 }, out = { 0 };
	struct pt_store_stats st;
	struct pt_store *s;
	char *d = mkstore();
	char cmd[600];
	long total;
	FILE *f;

	gen_mixed(&in, 60000, 0, 1000);
	o.seg_max_bytes = 1 << 20;
	o.retain_bytes = 600 << 10;
	ck_assert_int_eq(pt_store_open(d, &o, &s), 0);
	append_all(s, &in, 200);
	st = *pt_store_get_stats(s);
	ck_assert_uint_ge(st.sealed_segments, 5);
	ck_assert_uint_ge(st.deleted_segments, 1);
	ck_assert_uint_lt(st.deleted_segments, st.sealed_segments);
	pt_store_close(s);
	snprintf(cmd, sizeof(cmd), "du -b -c %s/*.pts | tail -1", d);
	f = popen(cmd, "r");
	ck_assert_int_eq(fscanf(f, "%ld", &total), 1);
	pclose(f);
	ck_assert_int_le(total, 600 << 10);
	/* what is left is the newest suffix, in order */
	read_all(d, NULL, NULL, &out);
	ck_assert_uint_lt(out.n, in.n);
	ck_assert_uint_gt(out.n, 0);
	ck_assert(memcmp(out.p, in.p + in.len - out.len, out.len) == 0);
	ck_assert(exists(seg_path(d, st.sealed_segments + 1, "pta")));
	rb_free(&in);
	rb_free(&out);
	rmstore(d);
}
END_TEST

START_TEST(t_retention_age)
{
	struct pt_store_opts o = test_opts;
	struct recbuf old = { 0 }, now = { 0 }, out = { 0 };
	struct pt_store *s;
	struct timespec ts;
	__u64 t;
	char *d = mkstore();

	clock_gettime(CLOCK_BOOTTIME, &ts);
	t = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	/* two segments of old records, one of current ones */
	gen_mixed(&old, 1000, 0, 1000);
	gen_mixed(&now, 1000, 0, t);
	o.retain_age_ns = 1000000000ull;	/* 1 s */
	ck_assert_int_eq(pt_store_open(d, &o, &s), 0);
	append_all(s, &old, 100);
	ck_assert_int_eq(pt_store_seal(s), 0);
	append_all(s, &old, 100);
	ck_assert_int_eq(pt_store_seal(s), 0);
	append_all(s, &now, 100);
	ck_assert_int_eq(pt_store_seal(s), 0);
	append_all(s, &old, 10);	/* the active segment is never removed */
	ck_assert_int_eq(pt_store_retain(s), 2);
	ck_assert_uint_eq(pt_store_get_stats(s)->deleted_segments, 2);
	ck_assert(!exists(seg_path(d, 1, "pts")));
	ck_assert(!exists(seg_path(d, 2, "pts")));
	ck_assert(exists(seg_path(d, 3, "pts")));
	ck_assert(exists(seg_path(d, 4, "pta")));
	pt_store_close(s);
	/* at reopen, from the footers */
	ck_assert_int_eq(pt_store_open(d, &o, &s), 0);
	ck_assert_int_eq(pt_store_retain(s), 0);
	pt_store_close(s);
	read_all(d, NULL, NULL, &out);
	ck_assert_uint_eq(out.n, now.n + old.n);
	rb_free(&old);
	rb_free(&now);
	rb_free(&out);
	rmstore(d);
}
END_TEST

/* An age past what a time plus it can hold deletes nothing (was: the sum wrapped, and every
 * segment was older than it) */
START_TEST(t_retention_age_huge)
{
	struct pt_store_opts o = test_opts;
	struct recbuf old = { 0 }, out = { 0 };
	struct pt_store *s;
	char *d = mkstore();

	gen_mixed(&old, 1000, 0, 1000);
	o.retain_age_ns = ~0ull - 10;	/* t_max (>= 1000) + it wraps */
	ck_assert_int_eq(pt_store_open(d, &o, &s), 0);
	append_all(s, &old, 100);
	ck_assert_int_eq(pt_store_seal(s), 0);
	append_all(s, &old, 100);
	ck_assert_int_eq(pt_store_retain(s), 0);
	ck_assert(exists(seg_path(d, 1, "pts")));
	pt_store_close(s);
	read_all(d, NULL, NULL, &out);
	ck_assert_uint_eq(out.n, 2 * old.n);
	rb_free(&old);
	rb_free(&out);
	rmstore(d);
}
END_TEST

/* ---- a segment that cannot be started, a directory removed ---- */

/* Append all of b in one batch: 0 stored, else the error. */
static int append_once(struct pt_store *s, const struct recbuf *b)
{
	return pt_store_append(s, b->p, b->len, b->n, NULL);
}

/*
 * A seal that worked, then no next segment (here a directory in the way of
 * its temporary file: EISDIR; in life a full disk, EMFILE, EIO): appends
 * are refused, not lost, and once the cause is gone the store starts the
 * segment by itself (was: no active segment until a restart, every append
 * refused for good).
 */
START_TEST(t_new_segment_retried)
{
	struct pt_store_opts o = test_opts;
	struct recbuf a = { 0 }, b = { 0 }, out = { 0 };
	struct pt_store *s;
	char *d = mkstore(), block[600];
	struct timespec t0, t1, nap = { 0, 20000000 };
	int err;

	gen_mixed(&a, 2000, 0, 1000);
	gen_mixed(&b, 10, 5000, 1000);
	o.seg_max_bytes = 64 << 10;
	snprintf(block, sizeof(block), "%s.tmp", seg_path(d, 2, "pta"));
	ck_assert_int_eq(mkdir(block, 0755), 0);
	ck_assert_int_eq(pt_store_open(d, &o, &s), 0);
	/* one batch past the size: the seal follows it, the next segment fails */
	ck_assert_int_eq(append_once(s, &a), 0);
	ck_assert_uint_eq(pt_store_get_stats(s)->sealed_segments, 1);
	ck_assert(exists(seg_path(d, 1, "pts")));
	ck_assert(!exists(seg_path(d, 1, "pta")));
	ck_assert_int_ne(append_once(s, &b), 0);
	ck_assert(!exists(seg_path(d, 2, "pta")));
	ck_assert_int_eq(rmdir(block), 0);
	/* retried at most every 0.5 s: within 3 s it is back */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		err = append_once(s, &b);
		if (!err)
			break;
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (t1.tv_sec - t0.tv_sec < 3);
	ck_assert_int_eq(err, 0);
	ck_assert(exists(seg_path(d, 2, "pta")));
	pt_store_close(s);
	read_all(d, NULL, NULL, &out);
	ck_assert_uint_eq(out.n, a.n + b.n);
	ck_assert(memcmp(out.p, a.p, a.len) == 0);
	ck_assert(memcmp(out.p + a.len, b.p, b.len) == 0);
	rb_free(&a);
	rb_free(&b);
	rb_free(&out);
	rmstore(d);
}
END_TEST

/* Set the store format version in the header of file p. */
static void set_version(const char *p, __u32 v)
{
	int fd = open(p, O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, &v, sizeof(v), offsetof(struct pt_seg_hdr, version)), sizeof(v));
	close(fd);
}

/*
 * Segments of another store format version are another provtap's, not
 * damage: the writer refuses the store and changes nothing (was: the .pta
 * renamed .bad, a .pts next to its .pta deleted, then version-1 segments
 * written among them); readers say which version and read nothing of them.
 */
START_TEST(t_other_version)
{
	struct recbuf a = { 0 }, b = { 0 }, out = { 0 };
	struct corrupt_log cl = { 0 };
	struct pt_reader_stats rs;
	struct pt_store *s;
	char *d = mkstore(), p1[512], p3[512];

	gen_mixed(&a, 100, 0, 1000);
	gen_mixed(&b, 50, 100, 1000);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	append_all(s, &a, 10);
	ck_assert_int_eq(pt_store_seal(s), 0);
	append_all(s, &b, 10);
	pt_store_close(s);
	/* the sealed one: refused, nothing changed */
	set_version(seg_path(d, 1, "pts"), PT_STORE_VERSION + 1);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), -EPROTONOSUPPORT);
	ck_assert(exists(seg_path(d, 1, "pts")));
	ck_assert(exists(seg_path(d, 2, "pta")));
	ck_assert(!exists(seg_path(d, 3, "pta")));
	rs = read_all(d, NULL, &cl, &out);
	ck_assert_uint_eq(out.n, b.n);
	ck_assert_uint_eq(cl.n, 1);
	ck_assert_str_eq(cl.why[0], "store format version 2 (this provtap reads and writes version 1)");
	ck_assert_uint_eq(rs.corrupt, 1);
	rb_free(&out);
	/* the active one too */
	set_version(seg_path(d, 1, "pts"), PT_STORE_VERSION);
	set_version(seg_path(d, 2, "pta"), PT_STORE_VERSION + 1);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), -EPROTONOSUPPORT);
	ck_assert(exists(seg_path(d, 2, "pta")));
	ck_assert(!exists(seg_path(d, 2, "pta.bad")));
	memset(&cl, 0, sizeof(cl));
	read_all(d, NULL, &cl, &out);
	ck_assert_uint_eq(out.n, a.n);
	ck_assert(memcmp(out.p, a.p, a.len) == 0);
	ck_assert_uint_eq(cl.n, 1);
	ck_assert_str_eq(cl.why[0], "store format version 2 (this provtap reads and writes version 1)");
	rb_free(&out);
	/* mixed: our segment 2 would be sealed at open (it is not the last), but another version's
	 * segment 3 comes after it: refused before anything is done */
	set_version(seg_path(d, 2, "pta"), PT_STORE_VERSION);
	snprintf(p1, sizeof(p1), "%s", seg_path(d, 1, "pts"));
	snprintf(p3, sizeof(p3), "%s", seg_path(d, 3, "pts"));
	copy_file(p1, p3, fsize(p1));
	set_version(p3, PT_STORE_VERSION + 1);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), -EPROTONOSUPPORT);
	ck_assert(exists(seg_path(d, 2, "pta")));
	ck_assert(!exists(seg_path(d, 2, "pts")));
	rb_free(&a);
	rb_free(&b);
	rb_free(&out);
	rmstore(d);
}
END_TEST

/* A store whose directory was removed says so (appends into it would reach no one). */
START_TEST(t_removed)
{
	struct pt_store *s;
	char *d = mkstore(), cmd[300];

	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert(!pt_store_removed(s));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert(pt_store_removed(s));
	pt_store_close(s);
	free(d);
}
END_TEST

/* ---- a live reader ---- */

START_TEST(t_live_reader)
{
	struct recbuf a = { 0 }, b = { 0 };
	const struct pt_rec_hdr *rec;
	struct corrupt_log cl = { 0 };
	struct pt_frame_hdr fh;
	struct pt_reader *r;
	struct pt_store *s;
	__u32 n = 0;
	char *d = mkstore();
	int fd;

	gen_mixed(&a, 100, 0, 1000);
	gen_mixed(&b, 50, 100, 1000);
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert_int_eq(pt_store_append(s, a.p, a.len, a.n, NULL), 0);
	ck_assert_int_eq(pt_reader_open(d, NULL, on_corrupt, &cl, &r), 0);
	while (pt_reader_next(r, &rec, NULL) == 1)
		n++;
	ck_assert_uint_eq(n, 100);
	/* half a frame on disk (a writer inside write()): not returned, not reported */
	fd = open(seg_path(d, 1, "pta"), O_WRONLY | O_APPEND);
	fh = (struct pt_frame_hdr){ .magic = PT_FRAME_MAGIC, .len = b.len, .n_recs = b.n };
	ck_assert_int_eq(pt_write_full(fd, &fh, sizeof(fh)), 0);
	ck_assert_int_eq(pt_write_full(fd, b.p, b.len / 2), 0);
	close(fd);
	ck_assert_int_eq(pt_reader_next(r, &rec, NULL), 0);
	ck_assert_int_eq(cl.n, 0);
	pt_store_close(s);
	/* the writer reopens, cuts it, appends: the reader continues */
	ck_assert_int_eq(pt_store_open(d, &test_opts, &s), 0);
	ck_assert_int_eq(pt_store_append(s, b.p, b.len, b.n, NULL), 0);
	while (pt_reader_next(r, &rec, NULL) == 1)
		n++;
	ck_assert_uint_eq(n, 150);
	ck_assert_int_eq(cl.n, 0);
	pt_reader_close(r);
	pt_store_close(s);
	rb_free(&a);
	rb_free(&b);
	rmstore(d);
}
END_TEST

/* ---- kill -9 of a writer ---- */

/* Record i: a PKT whose seq is i and whose frame bytes repeat i. */
static void crash_rec(struct recbuf *b, __u32 i)
{
	add_pkt(b, i % 8, 1000000ull + i, i / 8 + 1, i, i % 3 ? 0 : 40);
}

START_TEST(t_crash_kill9)
{
	int round;

	for (round = 0; round < 6; round++) {
		struct pt_store_opts o = test_opts;
		struct recbuf out = { 0 };
		struct pt_store *s;
		char *d = mkstore();
		unsigned char *seen;
		__u32 acked = 0, i, max_id = 0;
		int pfd[2];
		pid_t pid;
		size_t off;

		o.seg_max_bytes = 256 << 10;	/* seals happen too */
		ck_assert_int_eq(pipe(pfd), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			struct recbuf b = { 0 };
			__u32 next = 0;

			close(pfd[0]);
			if (pt_store_open(d, &o, &s))
				_exit(2);
			for (;;) {
				__u32 k = 1 + next % 17, j;
				__u64 cur[2] = { 1, 0 };

				b.len = b.n = 0;
				for (j = 0; j < k; j++)
					crash_rec(&b, next + j);
				cur[1] = next + k;
				if (pt_store_append(s, b.p, b.len, b.n, cur))
					_exit(3);
				next += k;
				if (write(pfd[1], &next, sizeof(next)) != sizeof(next))
					_exit(4);
			}
		}
		close(pfd[1]);
		/* let it run a random while: until a random number of acks */
		{
			__u32 stop = 2000 + rnd() % 20000, v;

			while (acked < stop && read(pfd[0], &v, sizeof(v)) == sizeof(v))
				acked = v;
			usleep(rnd() % 3000);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			while (read(pfd[0], &v, sizeof(v)) == sizeof(v))
				acked = v;
		}
		close(pfd[0]);

		ck_assert_int_eq(pt_store_open(d, &o, &s), 0);
		{
			bool found;
			__u64 c = pt_store_cursor(s, 1, &found);

			ck_assert(found);
			ck_assert_uint_ge(c, acked);
			max_id = c;
		}
		pt_store_close(s);
		read_all(d, NULL, NULL, &out);
		seen = calloc(max_id + 1, 1);
		for (off = 0; off < out.len;) {
			const struct pt_pkt *p = (const void *)(out.p + off);
			struct recbuf x = { 0 };

			ck_assert_uint_eq(p->type, PT_REC_PKT);
			ck_assert_uint_lt(p->seq, max_id);
			ck_assert_int_eq(seen[p->seq], 0);
			seen[p->seq] = 1;
			/* content intact */
			crash_rec(&x, p->seq);
			ck_assert_uint_eq(p->len, x.len);
			ck_assert(memcmp(p, x.p, sizeof(struct pt_pkt)) == 0);
			ck_assert(memcmp(p + 1, x.p + sizeof(struct pt_pkt), 14 < p->cap_len ? 14 : p->cap_len) == 0);
			rb_free(&x);
			off += p->len;
		}
		/* everything acknowledged is there; nothing beyond the cursor */
		for (i = 0; i < acked; i++)
			ck_assert_msg(seen[i], "record %u acked but missing", i);
		ck_assert_uint_eq(out.n, max_id);
		fprintf(stderr, "kill -9 round %d: %u acked, %u recovered\n", round, acked, max_id);
		free(seen);
		rb_free(&out);
		rmstore(d);
	}
}
END_TEST

/* ---- the 4-hop workload: size and speed ---- */

/*
 * Synthetic traffic: 4 TCP flows, each crossing a 4-hop chain, every packet
 * seen at the in and out points of every hop (8 points; the reverse
 * direction at 8 others). Data packets of 1448 bytes one way, an ACK every
 * second one back. Hop latency 5..50 us, in->out 2..20 us, packet gaps
 * 10..100 us, all with ns jitter; records sorted by time across flows.
 */
struct ev {
	__u64 ts;
	struct pt_pkt p;
};

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static size_t gen_4hop(struct ev *ev, size_t max)
{
	size_t n = 0;
	int f;

	for (f = 0; f < 4 && n < max; f++) {
		__u64 t = 1000000000ull + f * 7777;
		__u32 seq = rnd(), ack = rnd(), ipid_f = rnd(), ipid_r = rnd();
		__u16 win = 502;
		__u32 k;

		for (k = 0; n + 8 <= max / 4 * (f + 1); k++) {
			bool rev = k % 3 == 2;
			struct pt_pkt p = { .type = PT_REC_PKT, .len = sizeof(p) };
			__u64 th = t;
			int h;

			p.flags = PT_PF_IPV4 | PT_PF_L4 | PT_PF_MARK;
			p.l4proto = 6;
			p.tos = 0;
			if (!rev) {
				p.saddr[0] = 10, p.saddr[3] = 1 + f;
				p.daddr[0] = 10, p.daddr[2] = 1, p.daddr[3] = 1;
				p.sport = 40000 + f, p.dport = 5201;
				p.seq = seq, p.ack = ack;
				p.l4_payload_len = 1448;
				p.tcp_flags = 0x18;
				p.ip_id = ipid_f++;
				seq += 1448;
			} else {
				p.daddr[0] = 10, p.daddr[3] = 1 + f;
				p.saddr[0] = 10, p.saddr[2] = 1, p.saddr[3] = 1;
				p.dport = 40000 + f, p.sport = 5201;
				p.seq = ack, p.ack = seq;
				p.l4_payload_len = 0;
				p.tcp_flags = 0x10;
				p.ip_id = ipid_r++;
				if (rnd() % 8 == 0)
					win += rnd() % 5 - 2;
			}
			p.window = win;
			p.l3_len = 52 + p.l4_payload_len;
			p.wire_len = 14 + p.l3_len;
			p.fp = rnd();
			for (h = 0; h < 4; h++) {
				int hop = rev ? 3 - h : h;
				int base = rev ? 8 : 0;

				/* into the hop */
				p.ttl = 64 - h;
				p.point = base + 2 * hop;
				p.dir = PT_DIR_IN;
				p.hook = PT_HOOK_TC;
				p.mark = 0;
				th += 5000 + rnd() % 45000;
				ev[n].ts = p.ts_ns = th;
				ev[n++].p = p;
				/* out of it */
				p.ttl = 63 - h;
				p.point = base + 2 * hop + 1;
				p.dir = PT_DIR_OUT;
				p.mark = 0x100 + hop;
				th += 2000 + rnd() % 18000;
				ev[n].ts = p.ts_ns = th;
				ev[n++].p = p;
			}
			t += 10000 + rnd() % 90000;
		}
	}
	qsort(ev, n, sizeof(*ev), ev_cmp);
	return n;
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

START_TEST(t_bench_4hop)
{
	struct pt_store_opts o = test_opts;
	const char *env = getenv("PT_BENCH_RECORDS");
	size_t n = env ? strtoul(env, NULL, 0) : 1000000, i, batch = 256;
	struct ev *ev = malloc(n * sizeof(*ev));
	struct pt_pkt *recs = malloc(n * sizeof(*recs));
	const struct pt_store_stats *st;
	const struct pt_rec_hdr *rec;
	struct timespec t0, t1, t2, t2b, t3;
	struct pt_reader *r;
	struct pt_store *s;
	double bpr, app, seal, rd;
	size_t nread = 0, bad = 0;
	char *d = mkstore();

	n = gen_4hop(ev, n);
	for (i = 0; i < n; i++)
		recs[i] = ev[i].p;
	free(ev);
	o.seg_max_bytes = 1ull << 40;	/* seal by hand, to time it alone */
	ck_assert_int_eq(pt_store_open(d, &o, &s), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i += batch) {
		size_t k = n - i < batch ? n - i : batch;
		__u64 cur[2] = { 1, i + k };

		if (pt_store_append(s, recs + i, k * sizeof(*recs), k, cur))
			bad++;
	}
	ck_assert_uint_eq(bad, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq(pt_store_seal(s), 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	st = pt_store_get_stats(s);
	bpr = (double)st->sealed_file_bytes / n;
	pt_store_close(s);
	clock_gettime(CLOCK_MONOTONIC, &t2b);

	ck_assert_int_eq(pt_reader_open(d, NULL, NULL, NULL, &r), 0);
	/* no ck_assert per record: check reports each one's location through a pipe */
	while (pt_reader_next(r, &rec, NULL) == 1) {
		if (nread < n && memcmp(rec, &recs[nread], sizeof(*recs)))
			bad++;
		nread++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t3);
	pt_reader_close(r);
	ck_assert_uint_eq(nread, n);
	ck_assert_uint_eq(bad, 0);
	app = n / secs(&t0, &t1);
	seal = n / secs(&t1, &t2);
	rd = n / secs(&t2b, &t3);
	fprintf(stderr, "4-hop workload: %zu records of %zu bytes: %.2f bytes/record sealed "
		"(%.1fx); append %.2f M rec/s, seal %.2f M rec/s (%.0f MB/s raw), "
		"append+seal %.2f M rec/s, read %.2f M rec/s\n",
		n, sizeof(struct pt_pkt), bpr, sizeof(struct pt_pkt) / bpr, app / 1e6, seal / 1e6,
		seal * sizeof(struct pt_pkt) / 1e6, n / secs(&t0, &t2) / 1e6, rd / 1e6);
	if (n >= 100000)
		ck_assert(bpr <= 16.0);
	free(recs);
	rmstore(d);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, t_roundtrip_active);
	tcase_add_test(tc, t_roundtrip_sealed);
	tcase_add_test(tc, t_codec_adversarial);
	tcase_add_test(tc, t_flow_hash);
	tcase_add_test(tc, t_index_hints);
	tcase_add_test(tc, t_cursors);
	tcase_add_test(tc, t_cursor_eviction);
	tcase_add_test(tc, t_projection);
	tcase_add_test(tc, t_torn_tail_every_offset);
	tcase_add_test(tc, t_garbage_appended);
	tcase_add_loop_test(tc, t_corrupt_middle_frame, 0, 2);
	tcase_add_test(tc, t_corrupt_sealed_block);
	tcase_add_test(tc, t_corrupt_footer);
	tcase_add_test(tc, t_fifo_segment);
	tcase_add_test(tc, t_truncated_sealed);
	tcase_add_test(tc, t_interrupted_seal);
	tcase_add_test(tc, t_second_writer);
	tcase_add_test(tc, t_unwritable);
	tcase_add_test(tc, t_short_write);
	tcase_add_test(tc, t_retention_bytes);
	tcase_add_test(tc, t_retention_age);
	tcase_add_test(tc, t_retention_age_huge);
	tcase_add_test(tc, t_new_segment_retried);
	tcase_add_test(tc, t_removed);
	tcase_add_test(tc, t_other_version);
	tcase_add_test(tc, t_live_reader);
	tcase_add_test(tc, t_crash_kill9);
	tcase_add_test(tc, t_bench_4hop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pt_check_run(store_suite());
}
