// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_ptx: the .ptx recording format (userland/ptx.h). A recording with every
 * kind of section round-trips field for field; the reader refuses bad input
 * with a clear error and never crashes: every truncation length, every single
 * bit flipped in the header, random byte corruption (with the checksums then
 * fixed up, so the section parser itself is exercised), another version, and
 * hand-made bodies with lying lengths and indices.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libdeflate.h>
#include "bpf/pkt.h"
#include "userland/ptx.h"

static char errbuf[512];

/* A recording with two processes, an exec each, a file, a connection with a gap, a datagram. */
static struct pt_ptx *sample(void)
{
	static const char argv[] = "curl\0-s\0http://10.0.0.2/\0";
	static const char env[] = "PATH=/bin\0HOME=/root\0";
	struct pt_ptx *x = pt_ptx_new();
	struct pt_ptx_proc *p;
	struct pt_ptx_file *f;
	struct pt_ptx_conn *c;
	struct pt_ptx_dgram *g;

	ck_assert_ptr_nonnull(x);
	snprintf(x->host, sizeof(x->host), "h1");
	snprintf(x->kernel, sizeof(x->kernel), "6.18");
	snprintf(x->tool, sizeof(x->tool), "provtap test");
	x->origin_boot_ns = 111;
	x->origin_real_ns = 222;
	x->duration_ns = 333;
	x->content_max = 64 << 20;
	x->call_content = 65536;
	x->exit_status = 7 << 8;
	x->cwd = strdup("/tmp");
	x->argv = malloc(sizeof(argv) - 1);
	memcpy(x->argv, argv, sizeof(argv) - 1);
	x->argv_len = sizeof(argv) - 1;
	x->argc = 3;
	x->env = malloc(sizeof(env) - 1);
	memcpy(x->env, env, sizeof(env) - 1);
	x->env_len = sizeof(env) - 1;
	x->nenv = 2;
	x->lost[2] = 5;
	x->flags = PT_PTX_F_TRUNC | PT_PTX_F_LOST;

	p = pt_ptx_add_proc(x);
	p->pid = 100;
	p->ppid = 1;
	p->flags = PT_PTX_P_ROOT | PT_PTX_P_EXITED;
	p->exit_status = 7 << 8;
	p->start_ts = 0;
	p->exit_ts = 300;
	memcpy(p->comm, "curl", 5);
	p->execs = calloc(1, sizeof(*p->execs));
	p->nexecs = 1;
	p->execs[0].ts = 5;
	p->execs[0].argc = 3;
	p->execs[0].filename = strdup("/usr/bin/curl");
	p->execs[0].argv = malloc(sizeof(argv) - 1);
	memcpy(p->execs[0].argv, argv, sizeof(argv) - 1);
	p->execs[0].argv_len = sizeof(argv) - 1;
	p = pt_ptx_add_proc(x);
	p->pid = 101;
	p->ppid = 100;
	p->parent = 0;
	p->start_ts = 50;
	p->exit_ts = PT_PTX_OPEN;

	f = pt_ptx_add_file(x);
	f->proc = 1;
	f->open_flags = 0101;
	f->dirfd = -100;
	f->ts = 60;
	f->path = strdup("out.txt");

	c = pt_ptx_add_conn(x);
	c->proc = 0;
	c->role = PT_PTX_R_CONNECT;
	c->flags = PT_PTX_C_TRUNC | PT_PTX_C_EOF_IN;
	c->family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", c->laddr);
	inet_pton(AF_INET, "10.0.0.2", c->raddr);
	c->lport = 40000;
	c->rport = 80;
	c->first_ts = 10;
	c->last_ts = 290;
	c->dir[PT_PTX_D_OUT].len = 5;
	c->dir[PT_PTX_D_OUT].data = (__u8 *)strdup("GET /");
	c->dir[PT_PTX_D_IN].len = 10;
	c->dir[PT_PTX_D_IN].data = calloc(1, 10);
	memcpy(c->dir[PT_PTX_D_IN].data, "HTTP", 4);
	c->dir[PT_PTX_D_IN].gaps = calloc(1, sizeof(struct pt_ptx_gaprange));
	c->dir[PT_PTX_D_IN].gaps[0] = (struct pt_ptx_gaprange){ .off = 4, .len = 6, .kind = PT_PTX_G_LIMIT };
	c->dir[PT_PTX_D_IN].ngaps = 1;
	c->events = calloc(3, sizeof(*c->events));
	c->nevents = 3;
	c->events[0] = (struct pt_ptx_event){ .ts = 20, .off = 0, .len = 5, .dir = PT_PTX_D_OUT };
	c->events[1] = (struct pt_ptx_event){ .ts = 30, .off = 0, .len = 10, .dir = PT_PTX_D_IN };
	c->events[2] = (struct pt_ptx_event){ .ts = 40, .off = 10, .len = 0, .dir = PT_PTX_D_IN };

	/* the same connection seen from its other end (process 1 accepted it), linked as twins */
	c = pt_ptx_add_conn(x);
	c->proc = 1;
	c->role = PT_PTX_R_ACCEPT;
	c->family = AF_INET;
	inet_pton(AF_INET, "10.0.0.2", c->laddr);
	inet_pton(AF_INET, "10.0.0.1", c->raddr);
	c->lport = 80;
	c->rport = 40000;
	c->dir[PT_PTX_D_IN].len = 5;
	c->dir[PT_PTX_D_IN].data = (__u8 *)strdup("GET /");
	pt_ptx_link_twins(x, 0, 1);

	/* process 1 ran on another host, with its own command */
	struct pt_ptx_host *h = pt_ptx_add_host(x);

	snprintf(h->name, sizeof(h->name), "ns2");
	snprintf(h->hostname, sizeof(h->hostname), "box");
	h->netns_ino = 4026532000ull;
	h->exit_status = 3 << 8;
	h->cwd = strdup("/srv");
	h->argv = malloc(sizeof(argv) - 1);
	memcpy(h->argv, argv, sizeof(argv) - 1);
	h->argv_len = sizeof(argv) - 1;
	h->argc = 3;
	x->procs[1].host = 0;

	g = pt_ptx_add_dgram(x);
	g->proc = 1;
	g->dir = PT_PTX_D_OUT;
	g->family = AF_INET;
	g->rport = 53;
	g->ts = 70;
	g->size = 12;
	g->captured = 3;
	g->sock = 999;
	g->data = malloc(3);
	memcpy(g->data, "abc", 3);
	return x;
}

static void *encode(const struct pt_ptx *x, size_t *len)
{
	void *buf;

	ck_assert_msg(pt_ptx_encode(x, &buf, len, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	return buf;
}

START_TEST(round_trip)
{
	struct pt_ptx *x = sample(), *y = NULL;
	char path[] = "/tmp/test_ptx.XXXXXX", pos[32];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_msg(pt_ptx_write(x, path, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	ck_assert_msg(pt_ptx_read(path, &y, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	unlink(path);
	ck_assert_str_eq(y->host, "h1");
	ck_assert_str_eq(y->kernel, "6.18");
	ck_assert_str_eq(y->cwd, "/tmp");
	ck_assert_uint_eq(y->origin_boot_ns, 111);
	ck_assert_uint_eq(y->origin_real_ns, 222);
	ck_assert_uint_eq(y->duration_ns, 333);
	ck_assert_uint_eq(y->content_max, 64 << 20);
	ck_assert_uint_eq(y->call_content, 65536);
	ck_assert_int_eq(y->exit_status, 7 << 8);
	ck_assert_uint_eq(y->argc, 3);
	ck_assert_mem_eq(y->argv, x->argv, x->argv_len);
	ck_assert_uint_eq(y->nenv, 2);
	ck_assert_uint_eq(y->lost[2], 5);
	ck_assert_uint_eq(y->flags, PT_PTX_F_TRUNC | PT_PTX_F_LOST);
	ck_assert_uint_eq(y->nprocs, 2);
	ck_assert_uint_eq(y->procs[1].parent, 0);
	ck_assert_uint_eq(y->procs[0].parent, PT_PTX_NONE);
	ck_assert_uint_eq(y->procs[1].exit_ts, PT_PTX_OPEN);
	ck_assert_uint_eq(y->procs[0].nexecs, 1);
	ck_assert_str_eq(y->procs[0].execs[0].filename, "/usr/bin/curl");
	ck_assert_str_eq(pt_ptx_proc_name(y, 0), "curl");
	ck_assert_str_eq(pt_ptx_tree_pos(y, 1, pos, sizeof(pos)), "0.0");
	ck_assert_uint_eq(y->nfiles, 1);
	ck_assert_str_eq(y->files[0].path, "out.txt");
	ck_assert_int_eq(y->files[0].dirfd, -100);
	ck_assert_uint_eq(y->nconns, 2);
	ck_assert_uint_eq(y->conns[0].rport, 80);
	ck_assert_uint_eq(y->conns[0].flags, PT_PTX_C_TRUNC | PT_PTX_C_EOF_IN | PT_PTX_C_INTERNAL);
	ck_assert_uint_eq(y->conns[0].twin, 1);
	ck_assert_uint_eq(y->conns[1].twin, 0);
	ck_assert_uint_eq(y->conns[1].role, PT_PTX_R_ACCEPT);
	ck_assert_uint_eq(y->nhosts, 1);
	ck_assert_str_eq(y->hosts[0].name, "ns2");
	ck_assert_str_eq(y->hosts[0].hostname, "box");
	ck_assert_str_eq(y->hosts[0].cwd, "/srv");
	ck_assert_uint_eq(y->hosts[0].netns_ino, 4026532000ull);
	ck_assert_int_eq(y->hosts[0].exit_status, 3 << 8);
	ck_assert_uint_eq(y->hosts[0].argc, 3);
	ck_assert_uint_eq(y->hosts[0].nenv, 0);
	ck_assert_mem_eq(y->hosts[0].argv, x->argv, x->argv_len);
	ck_assert_uint_eq(y->procs[0].host, PT_PTX_NONE);
	ck_assert_uint_eq(y->procs[1].host, 0);
	ck_assert_str_eq(pt_ptx_proc_host(y, 0), "h1");
	ck_assert_str_eq(pt_ptx_proc_host(y, 1), "ns2");
	ck_assert_mem_eq(y->conns[0].raddr, x->conns[0].raddr, 16);
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_IN].len, 10);
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_IN].ngaps, 1);
	ck_assert_uint_eq(pt_ptx_stream_missing(&y->conns[0].dir[PT_PTX_D_IN]), 6);
	ck_assert_ptr_null(pt_ptx_stream_gap_at(&y->conns[0].dir[PT_PTX_D_IN], 3, NULL));
	ck_assert_ptr_nonnull(pt_ptx_stream_gap_at(&y->conns[0].dir[PT_PTX_D_IN], 4, NULL));
	ck_assert_mem_eq(y->conns[0].dir[PT_PTX_D_OUT].data, "GET /", 5);
	ck_assert_uint_eq(y->conns[0].nevents, 3);
	ck_assert_uint_eq(y->conns[0].events[2].len, 0);
	ck_assert_uint_eq(y->ndgrams, 1);
	ck_assert_uint_eq(y->dgrams[0].size, 12);
	ck_assert_mem_eq(y->dgrams[0].data, "abc", 3);
	pt_ptx_free(x);
	pt_ptx_free(y);
}
END_TEST

START_TEST(truncated_everywhere)
{
	struct pt_ptx *x = sample(), *y;
	size_t len;
	__u8 *buf = encode(x, &len);

	for (size_t n = 0; n < len; n++) {
		y = (void *)1;
		ck_assert_int_eq(pt_ptx_decode(buf, n, "t.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
		ck_assert_ptr_null(y);
		if (n >= 64)
			ck_assert_msg(strstr(errbuf, "truncated"), "cut at %zu: %s", n, errbuf);
	}
	ck_assert_int_eq(pt_ptx_decode(buf, 0, "t.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "not a provtap recording"), "%s", errbuf);
	free(buf);
	pt_ptx_free(x);
}
END_TEST

START_TEST(header_bit_flips)
{
	struct pt_ptx *x = sample(), *y;
	size_t len;
	__u8 *buf = encode(x, &len);

	for (size_t bit = 0; bit < 64 * 8; bit++) {
		buf[bit / 8] ^= (__u8)(1u << (bit % 8));
		ck_assert_int_lt(pt_ptx_decode(buf, len, "t.ptx", &y, errbuf, sizeof(errbuf)), 0);
		ck_assert_ptr_null(y);
		buf[bit / 8] ^= (__u8)(1u << (bit % 8));
	}
	ck_assert_int_eq(pt_ptx_decode(buf, len, "t.ptx", &y, errbuf, sizeof(errbuf)), 0);
	pt_ptx_free(y);
	/* a flipped body byte: the checksum catches it */
	buf[len - 3] ^= 0x10;
	ck_assert_int_eq(pt_ptx_decode(buf, len, "t.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "checksum"), "%s", errbuf);
	free(buf);
	pt_ptx_free(x);
}
END_TEST

START_TEST(other_version)
{
	struct pt_ptx *x = sample(), *y;
	struct pt_ptx_filehdr h;
	size_t len;
	__u8 *buf = encode(x, &len);

	memcpy(&h, buf, sizeof(h));
	h.version = 2;
	h.hdr_crc = libdeflate_crc32(0, &h, offsetof(struct pt_ptx_filehdr, hdr_crc));
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(pt_ptx_decode(buf, len, "t.ptx", &y, errbuf, sizeof(errbuf)), -EPROTO);
	ck_assert_msg(strstr(errbuf, "version 2") && strstr(errbuf, "version 1"), "%s", errbuf);
	free(buf);
	pt_ptx_free(x);
}
END_TEST

/* A file around a raw body, with correct checksums: the section parser is what is tested. */
static __u8 *wrap(const __u8 *raw, size_t rlen, __u32 nsect, size_t *len)
{
	struct libdeflate_compressor *zc = libdeflate_alloc_compressor(1);
	size_t bound = libdeflate_deflate_compress_bound(zc, rlen), clen;
	struct pt_ptx_filehdr h = { .version = PT_PTX_VERSION, .hdr_len = sizeof(h) };
	__u8 *f = malloc(sizeof(h) + bound);

	clen = libdeflate_deflate_compress(zc, rlen ? raw : (const __u8 *)"", rlen, f + sizeof(h), bound);
	ck_assert_uint_gt(clen, 0);
	memcpy(h.magic, PT_PTX_MAGIC, 8);
	h.raw_len = rlen;
	h.comp_len = clen;
	h.raw_crc = libdeflate_crc32(0, raw, rlen);
	h.comp_crc = libdeflate_crc32(0, f + sizeof(h), clen);
	h.nsections = nsect;
	h.hdr_crc = libdeflate_crc32(0, &h, offsetof(struct pt_ptx_filehdr, hdr_crc));
	memcpy(f, &h, sizeof(h));
	libdeflate_free_compressor(zc);
	*len = sizeof(h) + clen;
	return f;
}

/* The inflated body of an encoded recording. */
static __u8 *body_of(const __u8 *file, size_t len, size_t *rlen, __u32 *nsect)
{
	struct pt_ptx_filehdr h;
	struct libdeflate_decompressor *zd = libdeflate_alloc_decompressor();
	__u8 *raw;

	memcpy(&h, file, sizeof(h));
	raw = malloc(h.raw_len);
	ck_assert_int_eq(libdeflate_deflate_decompress(zd, file + sizeof(h), len - sizeof(h), raw, h.raw_len, NULL),
			 LIBDEFLATE_SUCCESS);
	libdeflate_free_decompressor(zd);
	*rlen = h.raw_len;
	*nsect = h.nsections;
	return raw;
}

START_TEST(fuzzed_bodies)
{
	struct pt_ptx *x = sample(), *y;
	size_t len, rlen, flen;
	__u32 nsect;
	__u8 *buf = encode(x, &len), *raw = body_of(buf, len, &rlen, &nsect);
	__u8 *mut = malloc(rlen);
	unsigned seed = 12345, ok = 0, refused = 0;

	for (int round = 0; round < 20000; round++) {
		memcpy(mut, raw, rlen);
		int nflips = 1 + (int)(rand_r(&seed) % 4);

		for (int k = 0; k < nflips; k++) {
			size_t at = rand_r(&seed) % rlen;

			/* half the time a random byte, else a boundary value in a length-like spot */
			mut[at] = (rand_r(&seed) & 1) ? (__u8)rand_r(&seed) : (rand_r(&seed) & 1 ? 0xff : 0);
		}
		__u8 *f = wrap(mut, rlen, nsect, &flen);
		int rc = pt_ptx_decode(f, flen, "fuzz.ptx", &y, errbuf, sizeof(errbuf));

		if (rc == 0) {
			char pos[64];

			/* whatever was accepted must be usable: walk it */
			for (__u32 i = 0; i < y->nprocs; i++) {
				pt_ptx_tree_pos(y, i, pos, sizeof(pos));
				pt_ptx_proc_name(y, i);
			}
			for (__u32 i = 0; i < y->nconns; i++)
				for (__u32 e = 0; e < y->conns[i].nevents; e++) {
					const struct pt_ptx_event *ev = &y->conns[i].events[e];

					ck_assert_uint_le(ev->off + ev->len, y->conns[i].dir[ev->dir].len);
				}
			pt_ptx_free(y);
			ok++;
		} else {
			ck_assert_ptr_null(y);
			ck_assert_msg(rc == -EBADMSG && strstr(errbuf, "fuzz.ptx"), "rc %d: %s", rc, errbuf);
			refused++;
		}
		free(f);
	}
	/* both outcomes happen: the mutations hit fields that are checked and some that are free text */
	ck_assert_uint_gt(refused, 1000);
	ck_assert_uint_gt(ok, 0);
	/* a section count larger than the body, and bytes after the last section */
	__u8 *f = wrap(raw, rlen, nsect + 1, &flen);

	ck_assert_int_eq(pt_ptx_decode(f, flen, "t.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "past the body"), "%s", errbuf);
	free(f);
	f = wrap(raw, rlen, nsect - 1, &flen);
	ck_assert_int_eq(pt_ptx_decode(f, flen, "t.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "after the last section"), "%s", errbuf);
	free(f);
	free(mut);
	free(raw);
	free(buf);
	pt_ptx_free(x);
}
END_TEST

/* Hand-made bodies: each lies in one way and is refused with the reason. */
START_TEST(lying_sections)
{
	struct {
		const char *why;
		__u16 type;
		__u8 payload[96];
		__u32 len;
	} cases[] = {
		{ "wrong size", PT_PTX_S_PROC, { 0 }, 10 },
		{ "not (yet) in the file", PT_PTX_S_EXEC, { 5 }, 40 },	/* proc 5 of none */
		{ "not in the file", PT_PTX_S_STREAM, { 0 }, 24 },	/* conn 0 of none */
		{ "not in the file", PT_PTX_S_EVENTS, { 0 }, 8 },
		{ "key/value", PT_PTX_S_META, { 'k', 0, 'v' }, 3 },
		{ "TWIN names connections", PT_PTX_S_TWIN, { 0, 0, 0, 0, 1 }, 8 },	/* conns 0, 1 of none */
		{ "wrong size", PT_PTX_S_TWIN, { 0 }, 12 },
		{ "HOST section too short", PT_PTX_S_HOST, { 0 }, 40 },
		/* name_len 5 but no bytes follow */
		{ "HOST lengths", PT_PTX_S_HOST, { [16] = 5 }, 48 },
		/* name "a", host name "b", then one process index of none */
		{ "HOST names a process", PT_PTX_S_HOST, { 1, [16] = 2, [20] = 2, [48] = 'a', 0, 'b', 0, 0, 0, 0, 0 }, 56 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		__u8 raw[256];
		struct pt_ptx_sect s = { .type = cases[i].type, .len = cases[i].len };
		struct pt_ptx *y;
		size_t flen;

		memcpy(raw, &s, sizeof(s));
		memcpy(raw + sizeof(s), cases[i].payload, cases[i].len);
		__u8 *f = wrap(raw, sizeof(s) + cases[i].len, 1, &flen);

		ck_assert_int_eq(pt_ptx_decode(f, flen, "t.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
		ck_assert_msg(strstr(errbuf, cases[i].why), "case %zu: %s", i, errbuf);
		free(f);
	}
	/* an empty body lacks META */
	size_t flen;
	struct pt_ptx *y;
	__u8 *f = wrap(NULL, 0, 0, &flen);

	ck_assert_int_eq(pt_ptx_decode(f, flen, "t.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "no META"), "%s", errbuf);
	free(f);
}
END_TEST

START_TEST(read_errors)
{
	struct pt_ptx *y;

	ck_assert_int_eq(pt_ptx_read("/nonexistent/x.ptx", &y, errbuf, sizeof(errbuf)), -ENOENT);
	ck_assert_msg(strstr(errbuf, "/nonexistent/x.ptx"), "%s", errbuf);
	ck_assert_int_eq(pt_ptx_read("/tmp", &y, errbuf, sizeof(errbuf)), -EINVAL);
	ck_assert_int_eq(pt_ptx_read("/etc/hostname", &y, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "not a provtap recording"), "%s", errbuf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ptx");
	TCase *t = tcase_create("format");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, round_trip);
	tcase_add_test(t, truncated_everywhere);
	tcase_add_test(t, header_bit_flips);
	tcase_add_test(t, other_version);
	tcase_add_test(t, fuzzed_bodies);
	tcase_add_test(t, lying_sections);
	tcase_add_test(t, read_errors);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
