// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_ptx: the .ptx recording format (userland/ptx.h). A recording with every
 * kind of section round-trips field for field; the reader refuses bad input
 * with a clear error and never crashes: every truncation length, every single
 * bit flipped in the header, random byte corruption (with the checksums then
 * fixed up, so the section parser itself is exercised), another version, and
 * hand-made bodies with lying lengths and indices. A long stream cut by
 * --content-max keeps only the bytes below the limit, in memory and in the
 * file (built from a synthetic process model); a version-1 file (every byte
 * of a stream stored) still reads; streams whose stored length lies are
 * refused. An empty ARGV is not a missing one; a datagram of no known process
 * stays so through read, merge and show; show escapes what a recording holds.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <libdeflate.h>
#include "bpf/pkt.h"
#include "query/json.h"
#include "query/pmload.h"
#include "query/procmodel.h"
#include "tests/support/procrec.h"
#include "userland/merge.h"
#include "userland/ptx.h"
#include "userland/ptx_build.h"
#include "userland/replay.h"
#include "userland/replay_int.h"
#include "userland/ptx_esc.h"
#include "userland/ptx_show.h"
#include "tests/support/checkrun.h"

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
	c->dir[PT_PTX_D_OUT].stored = 5;
	c->dir[PT_PTX_D_OUT].data = (__u8 *)strdup("GET /");
	/* 10 bytes received, the 6 past the limit not stored */
	c->dir[PT_PTX_D_IN].len = 10;
	c->dir[PT_PTX_D_IN].stored = 4;
	c->dir[PT_PTX_D_IN].data = malloc(4);
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
	c->dir[PT_PTX_D_IN].stored = 5;
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

/* x recorded on another machine (a merge refuses two inputs holding one process). */
static struct pt_ptx *elsewhere(struct pt_ptx *x)
{
	snprintf(x->host, sizeof(x->host), "h2");
	for (__u32 k = 0; k < x->nhosts; k++)
		snprintf(x->hosts[k].hostname, sizeof(x->hosts[k].hostname), "other");
	return x;
}

/* first and second merged (labels "a", "b"); fails the test on error. */
static struct pt_ptx *merged(const struct pt_ptx *first, const struct pt_ptx *second)
{
	const struct pt_ptx *in[2] = { first, second };
	const char *labels[2] = { "a", "b" };
	struct pt_merge_result res;
	struct pt_ptx *m;

	ck_assert_msg(pt_ptx_merge(in, labels, 2, &m, &res, NULL, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	return m;
}

/* x written and read back; fails the test on error. */
static struct pt_ptx *reread(const struct pt_ptx *x)
{
	struct pt_ptx *y;
	size_t len;
	void *buf = encode(x, &len);

	ck_assert_msg(pt_ptx_decode(buf, len, "m.ptx", &y, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	free(buf);
	return y;
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
	ck_assert_uint_eq(y->version, PT_PTX_VERSION);
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
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_OUT].stored, 5);
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_IN].stored, 4);
	ck_assert_mem_eq(y->conns[0].dir[PT_PTX_D_IN].data, "HTTP", 4);
	/* the bytes past the stored ones read as zeros, without touching data past them */
	const __u8 *p;

	ck_assert_uint_eq(pt_ptx_stream_bytes(&y->conns[0].dir[PT_PTX_D_IN], 2, 100, &p), 2);
	ck_assert_mem_eq(p, "TP", 2);
	ck_assert_uint_eq(pt_ptx_stream_bytes(&y->conns[0].dir[PT_PTX_D_IN], 4, 100, &p), 6);
	ck_assert_mem_eq(p, "\0\0\0\0\0\0", 6);
	ck_assert_uint_eq(pt_ptx_stream_bytes(&y->conns[0].dir[PT_PTX_D_IN], 10, 100, &p), 0);
	ck_assert_uint_eq(y->conns[1].dir[PT_PTX_D_IN].stored, 5);
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
	static const __u32 versions[] = { PT_PTX_VERSION + 1, 0, 9 };
	struct pt_ptx *x = sample(), *y;
	struct pt_ptx_filehdr h;
	size_t len;
	__u8 *buf = encode(x, &len);
	char want[64];

	ck_assert_int_eq(PT_PTX_VERSION, 2);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		memcpy(&h, buf, sizeof(h));
		h.version = versions[i];
		h.hdr_crc = libdeflate_crc32(0, &h, offsetof(struct pt_ptx_filehdr, hdr_crc));
		memcpy(buf, &h, sizeof(h));
		y = (void *)1;
		ck_assert_int_eq(pt_ptx_decode(buf, len, "t.ptx", &y, errbuf, sizeof(errbuf)), -EPROTO);
		ck_assert_ptr_null(y);
		snprintf(want, sizeof(want), "format version %u; this provtap reads versions 1 to 2", versions[i]);
		ck_assert_msg(strstr(errbuf, want), "%s", errbuf);
	}
	free(buf);
	pt_ptx_free(x);
}
END_TEST

/* A file of format version around a raw body, with correct checksums: the section parser is what is tested. */
static __u8 *wrap_v(const __u8 *raw, size_t rlen, __u32 nsect, __u32 version, size_t *len)
{
	struct libdeflate_compressor *zc = libdeflate_alloc_compressor(1);
	size_t bound = libdeflate_deflate_compress_bound(zc, rlen), clen;
	struct pt_ptx_filehdr h = { .version = version, .hdr_len = sizeof(h) };
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

static __u8 *wrap(const __u8 *raw, size_t rlen, __u32 nsect, size_t *len)
{
	return wrap_v(raw, rlen, nsect, PT_PTX_VERSION, len);
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

/* A raw body under construction: sections appended by sect(). */
struct body {
	__u8 p[2048];
	size_t len;
	__u32 nsect;
};

static void sect(struct body *b, __u16 type, const void *payload, __u32 len)
{
	struct pt_ptx_sect s = { .type = type, .len = len };

	ck_assert_uint_le(b->len + sizeof(s) + len, sizeof(b->p));
	memcpy(b->p + b->len, &s, sizeof(s));
	memcpy(b->p + b->len + sizeof(s), payload, len);
	b->len += sizeof(s) + len;
	b->nsect++;
}

/* META, ARGV and connection 0 (no process): what a STREAM needs before it. */
static void body_conn(struct body *b)
{
	static const char meta[] = "host\0h1\0";
	__u8 conn[64] = { 0 };

	sect(b, PT_PTX_S_META, meta, sizeof(meta) - 1);
	sect(b, PT_PTX_S_ARGV, "a", 2);
	memset(conn, 0xff, 4);		/* 0 proc: none */
	conn[8] = PT_PTX_R_CONNECT;	/* 8 role */
	conn[10] = AF_INET;		/* 10 family u16 */
	sect(b, PT_PTX_S_CONN, conn, sizeof(conn));
}

/*
 * A STREAM of connection 0: 0 conn u32, 4 dir u8, 5 pad[3], 8 len u64, 16
 * ngaps u32, 20 stored u32 (version 1: pad) (24); ngaps x { off u64, len u64,
 * kind u8, pad[7] } (24 each); then nbytes bytes.
 */
static void body_stream(struct body *b, __u8 dir, __u64 len, __u32 at20, const struct pt_ptx_gaprange *gaps,
			__u32 ngaps, const void *bytes, __u32 nbytes)
{
	__u8 pl[512] = { 0 };
	size_t o = 24;

	ck_assert_uint_le(24 + ngaps * 24 + nbytes, sizeof(pl));
	pl[4] = dir;
	memcpy(pl + 8, &len, 8);
	memcpy(pl + 16, &ngaps, 4);
	memcpy(pl + 20, &at20, 4);
	for (__u32 g = 0; g < ngaps; g++, o += 24) {
		memcpy(pl + o, &gaps[g].off, 8);
		memcpy(pl + o + 8, &gaps[g].len, 8);
		pl[o + 16] = gaps[g].kind;
	}
	memcpy(pl + o, bytes, nbytes);
	sect(b, PT_PTX_S_STREAM, pl, (__u32)(o + nbytes));
}

/* A version-1 file stores every byte of a stream, the gaps' as zeros: it still reads. */
START_TEST(version1_reads)
{
	static const struct pt_ptx_gaprange limit = { .off = 4, .len = 6, .kind = PT_PTX_G_LIMIT };
	struct pt_ptx *y, *z;
	struct body b = {};
	size_t flen, len;
	__u8 *f, *buf;

	body_conn(&b);
	body_stream(&b, PT_PTX_D_OUT, 5, 0, NULL, 0, "GET /", 5);
	body_stream(&b, PT_PTX_D_IN, 10, 0, &limit, 1, "HTTP\0\0\0\0\0\0", 10);
	f = wrap_v(b.p, b.len, b.nsect, 1, &flen);
	ck_assert_msg(pt_ptx_decode(f, flen, "v1.ptx", &y, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	ck_assert_uint_eq(y->version, 1);
	ck_assert_uint_eq(y->nconns, 1);
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_OUT].len, 5);
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_OUT].stored, 5);
	ck_assert_mem_eq(y->conns[0].dir[PT_PTX_D_OUT].data, "GET /", 5);
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_IN].len, 10);
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_IN].stored, 10);
	ck_assert_mem_eq(y->conns[0].dir[PT_PTX_D_IN].data, "HTTP\0\0\0\0\0\0", 10);
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_IN].ngaps, 1);
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_IN].gaps[0].off, 4);
	ck_assert_uint_eq(y->conns[0].dir[PT_PTX_D_IN].gaps[0].kind, PT_PTX_G_LIMIT);
	/* written again it is version 2, with the same facts */
	buf = encode(y, &len);
	ck_assert_msg(pt_ptx_decode(buf, len, "v2.ptx", &z, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	ck_assert_uint_eq(z->version, 2);
	ck_assert_uint_eq(z->conns[0].dir[PT_PTX_D_IN].len, 10);
	ck_assert_uint_eq(z->conns[0].dir[PT_PTX_D_IN].stored, 10);
	ck_assert_mem_eq(z->conns[0].dir[PT_PTX_D_IN].data, "HTTP\0\0\0\0\0\0", 10);
	pt_ptx_free(z);
	free(buf);
	free(f);
	/* the same body as version 2: its stored field (0) does not match the bytes that follow */
	f = wrap_v(b.p, b.len, b.nsect, 2, &flen);
	ck_assert_int_eq(pt_ptx_decode(f, flen, "t.ptx", &z, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "STREAM lengths do not add up"), "%s", errbuf);
	free(f);
	pt_ptx_free(y);
}
END_TEST

/* Version-2 streams whose stored length lies, or whose unstored tail is not a gap: refused, clearly. */
START_TEST(stream_stored_lies)
{
	struct {
		const char *why;	/* NULL: accepted */
		__u64 len;
		__u32 stored, ngaps, nbytes;
		struct pt_ptx_gaprange gaps[2];
	} cases[] = {
		{ NULL, 10, 4, 2, 4, { { 4, 2, PT_PTX_G_RING }, { 6, 4, PT_PTX_G_LIMIT } } },
		{ NULL, 10, 0, 1, 0, { { 0, 10, PT_PTX_G_LIMIT } } },
		{ "STREAM stores more bytes than its length", 4, 10, 0, 10, {} },
		{ "STREAM bytes past the stored ones are not marked as a gap", 10, 4, 0, 4, {} },
		/* [4, 6) in no gap */
		{ "STREAM bytes past the stored ones are not marked as a gap", 10, 4, 1, 4, { { 6, 4, PT_PTX_G_LIMIT } } },
		/* [6, 7) in no gap */
		{ "STREAM bytes past the stored ones are not marked as a gap", 10, 4, 2, 4,
		  { { 4, 2, PT_PTX_G_RING }, { 7, 3, PT_PTX_G_LIMIT } } },
		/* the gap is among the stored bytes, not after them */
		{ "STREAM bytes past the stored ones are not marked as a gap", 10, 4, 1, 4, { { 0, 4, PT_PTX_G_RING } } },
		/* 6 announced, 4 follow */
		{ "STREAM lengths do not add up", 10, 6, 1, 4, { { 4, 6, PT_PTX_G_LIMIT } } },
		{ "STREAM gaps are not sorted", 10, 4, 1, 4, { { 4, 7, PT_PTX_G_LIMIT } } },
	};
	static const __u8 bytes[16] = "abcdefghijklmno";

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct body b = {};
		struct pt_ptx *y = (void *)1;
		size_t flen;
		__u8 *f;
		int rc;

		body_conn(&b);
		body_stream(&b, PT_PTX_D_IN, cases[i].len, cases[i].stored, cases[i].gaps, cases[i].ngaps, bytes,
			    cases[i].nbytes);
		f = wrap(b.p, b.len, b.nsect, &flen);
		rc = pt_ptx_decode(f, flen, "t.ptx", &y, errbuf, sizeof(errbuf));
		if (!cases[i].why) {
			const struct pt_ptx_stream *s;

			ck_assert_msg(rc == 0, "case %zu: %s", i, errbuf);
			s = &y->conns[0].dir[PT_PTX_D_IN];
			ck_assert_uint_eq(s->stored, cases[i].stored);
			ck_assert_uint_eq(s->len, cases[i].len);
			if (s->stored)
				ck_assert_mem_eq(s->data, bytes, s->stored);
			ck_assert_uint_eq(s->ngaps, cases[i].ngaps);
			for (__u32 g = 0; g < s->ngaps; g++) {
				ck_assert_uint_eq(s->gaps[g].off, cases[i].gaps[g].off);
				ck_assert_uint_eq(s->gaps[g].len, cases[i].gaps[g].len);
				ck_assert_uint_eq(s->gaps[g].kind, cases[i].gaps[g].kind);
			}
			pt_ptx_free(y);
		} else {
			ck_assert_msg(rc == -EBADMSG, "case %zu: rc %d", i, rc);
			ck_assert_ptr_null(y);
			ck_assert_msg(strstr(errbuf, "t.ptx: corrupt recording: ") && strstr(errbuf, cases[i].why),
				      "case %zu: %s", i, errbuf);
		}
		free(f);
	}
}
END_TEST

/* The encoder refuses a stream the reader would refuse, and says which. */
START_TEST(encode_refuses_bad_stream)
{
	struct pt_ptx *x = sample();
	void *buf = (void *)1;
	size_t len = 1;

	x->conns[0].dir[PT_PTX_D_IN].stored = 3;	/* byte 3 neither stored nor in a gap */
	ck_assert_int_eq(pt_ptx_encode(x, &buf, &len, errbuf, sizeof(errbuf)), -EINVAL);
	ck_assert_ptr_null(buf);
	ck_assert_msg(strstr(errbuf, "connection 0, received direction: STREAM bytes past the stored ones are not "
				     "marked as a gap"), "%s", errbuf);
	x->conns[0].dir[PT_PTX_D_IN].stored = 11;
	ck_assert_int_eq(pt_ptx_encode(x, &buf, &len, errbuf, sizeof(errbuf)), -EINVAL);
	ck_assert_msg(strstr(errbuf, "stores more bytes than its length"), "%s", errbuf);
	x->conns[0].dir[PT_PTX_D_IN].stored = 4;
	pt_ptx_free(x);
}
END_TEST

/* merge carries each stream's stored bytes, and only those, into the merged recording, which writes and reads. */
START_TEST(merge_keeps_stored)
{
	struct pt_ptx *a = sample(), *b = elsewhere(sample()), *x, *y;

	snprintf(b->hosts[0].name, sizeof(b->hosts[0].name), "ns3");	/* host names must differ */
	x = merged(a, b);
	ck_assert_uint_eq(x->nconns, 4);
	for (__u32 i = 0; i < 4; i += 2) {
		ck_assert_uint_eq(x->conns[i].dir[PT_PTX_D_IN].len, 10);
		ck_assert_uint_eq(x->conns[i].dir[PT_PTX_D_IN].stored, 4);
		ck_assert_mem_eq(x->conns[i].dir[PT_PTX_D_IN].data, "HTTP", 4);
		ck_assert_uint_eq(x->conns[i].dir[PT_PTX_D_OUT].stored, 5);
	}
	y = reread(x);
	ck_assert_uint_eq(y->conns[2].dir[PT_PTX_D_IN].len, 10);
	ck_assert_uint_eq(y->conns[2].dir[PT_PTX_D_IN].stored, 4);
	ck_assert_mem_eq(y->conns[2].dir[PT_PTX_D_IN].data, "HTTP", 4);
	pt_ptx_free(y);
	pt_ptx_free(x);
	pt_ptx_free(a);
	pt_ptx_free(b);
}
END_TEST

/* A conn of x (no process): local l:lp, remote r:rp (10.9.0.X), first seen at ts. */
static void add_conn(struct pt_ptx *x, __u8 l, __u16 lp, __u8 r, __u16 rp, __u64 ts)
{
	struct pt_ptx_conn *c = pt_ptx_add_conn(x);

	c->proc = PT_PTX_NONE;
	c->family = AF_INET;
	c->role = PT_PTX_R_CONNECT;
	c->laddr[0] = 10, c->laddr[1] = 9, c->laddr[3] = l;
	c->raddr[0] = 10, c->raddr[1] = 9, c->raddr[3] = r;
	c->lport = lp;
	c->rport = rp;
	c->first_ts = c->last_ts = ts;
}

/*
 * merge pairs each connection with the mirror of the other input nearest in time,
 * in order, a 4-tuple reused included; connections of one input never pair.
 */
START_TEST(merge_joins_nearest_mirror)
{
	struct pt_ptx *a = sample(), *b = elsewhere(sample()), *x;
	__u32 a0, b0;

	snprintf(b->hosts[0].name, sizeof(b->hosts[0].name), "ns3");
	a0 = a->nconns;
	add_conn(a, 1, 5000, 2, 80, 100);	/* a0:   T1 */
	add_conn(a, 1, 5001, 2, 80, 200);	/* a0+1: T2 */
	add_conn(a, 1, 5000, 2, 80, 1000);	/* a0+2: T1 reused */
	add_conn(a, 2, 80, 1, 5000, 1003);	/* a0+3: T1's mirror, but in a: never a's pair */
	b0 = b->nconns;
	add_conn(b, 2, 80, 1, 5000, 1005);	/* b0:   T1 mirrored, near a0+2 */
	add_conn(b, 2, 80, 1, 5000, 95);	/* b0+1: T1 mirrored, near a0 */
	add_conn(b, 2, 80, 1, 5001, 210);	/* b0+2: T2 mirrored */
	x = merged(a, b);
	b0 += a->nconns;	/* b's connections follow a's */
	ck_assert_uint_eq(x->conns[a0].twin, b0 + 1);
	ck_assert_uint_eq(x->conns[a0 + 1].twin, b0 + 2);
	ck_assert_uint_eq(x->conns[a0 + 2].twin, b0);
	ck_assert_uint_eq(x->conns[a0 + 3].twin, PT_PTX_NONE);
	ck_assert_uint_eq(x->conns[b0].twin, a0 + 2);
	pt_ptx_free(x);
	pt_ptx_free(a);
	pt_ptx_free(b);
}
END_TEST

/*
 * replay --only: the processes selected are those marked and their descendants, decided
 * once per process (a walk to the root per process was O(n * depth)): a chain of 100000
 * with one marked in its middle, and a side branch.
 */
START_TEST(only_selects_descendants)
{
	struct pt_ptx *x = pt_ptx_new();
	struct pt_replay_plan p;
	struct pt_replay_opts o = { .x = x };
	const __u32 n = 100000;
	bool *only;

	for (__u32 i = 0; i < n; i++)
		pt_ptx_add_proc(x)->parent = i ? i - 1 : PT_PTX_NONE;
	pt_ptx_add_proc(x)->parent = 10;	/* n: a child of 10, above the mark */
	pt_ptx_add_proc(x)->parent = n;		/* n + 1: its child */
	only = calloc(x->nprocs, sizeof(*only));
	only[n / 2] = true;
	o.only = only;
	pt_replay_plan(&o, &p);	/* the launch plan fails (no exec recorded); the selection is made first */
	ck_assert_ptr_nonnull(p.sel);
	for (__u32 i = 0; i < n; i++)
		ck_assert_msg(p.sel[i] == (i >= n / 2), "process %u: %d", i, p.sel[i]);
	ck_assert(!p.sel[n] && !p.sel[n + 1]);
	pt_replay_plan_free(&p);
	free(only);
	pt_ptx_free(x);
}
END_TEST

static __u8 pat(__u64 i)
{
	return (__u8)(i * 7 + 3);
}

/* The TCP socket of the models below (FD 3 of process 200): 10.3.0.1:1000 -> 10.3.0.2:2000, snd_seq seq. */
static struct pt_fdinfo up_sock(__u32 seq)
{
	return prec_sock4(9000, SOCK_STREAM, IPPROTO_TCP, "10.3.0.1", 1000, "10.3.0.2", 2000, seq, 77);
}

/* A model in which process 200 connected FD 3 (up_sock) at time 50. */
static struct pt_procmodel *model_connected(void)
{
	struct pt_task t = prec_task(50, 200, 200, 200, "up");
	struct pt_procmodel *m;
	union prec r;
	int err;

	m = pt_procmodel_new(NULL, &err);
	ck_assert_ptr_nonnull(m);
	prec_sys(&r, &t, PT_CALL_CONNECT, 0, 3, -1, -1);
	r.sys.info = up_sock(1000);
	ck_assert_int_eq(pt_procmodel_feed(m, &r.h), 0);
	return m;
}

/*
 * A finished model_connected() that sent one write of size bytes of which the
 * first captured (a multiple of PT_CHUNK_MAX; pattern pat) were recorded, the
 * rest cut (PT_DAF_TRUNC).
 */
static struct pt_procmodel *model_one_write(__u64 size, __u64 captured)
{
	static __u8 chunk[PT_CHUNK_MAX];
	struct pt_task t = prec_task(100, 200, 200, 200, "up");
	struct pt_procmodel *m = model_connected();
	union prec r;

	for (__u64 off = 0; off < captured; off += PT_CHUNK_MAX) {
		for (__u32 i = 0; i < PT_CHUNK_MAX; i++)
			chunk[i] = pat(off + i);
		if (!off) {
			prec_data(&r, &t, PT_CALL_WRITE, PT_DIR_OUT, 3, size, chunk, PT_CHUNK_MAX, captured);
			r.data.flags = PT_DAF_TRUNC;
			r.data.info = up_sock(1000);
		} else {
			prec_chunk(&r, 200, 100, 0, off, chunk, PT_CHUNK_MAX);
		}
		ck_assert_int_eq(pt_procmodel_feed(m, &r.h), 0);
	}
	ck_assert_int_eq(pt_procmodel_finish(m), 0);
	return m;
}

/* A recording of m built with content_max (0: none), with the META the reader needs. */
static struct pt_ptx *build(struct pt_procmodel *m, __u64 content_max)
{
	struct pt_pmload l = { .m = m };
	struct pt_ptx *x = pt_ptx_new();

	ck_assert_ptr_nonnull(x);
	x->content_max = content_max;
	x->argv = strdup("up");
	x->argv_len = 3;
	x->argc = 1;
	ck_assert_msg(pt_ptx_build(&l, &(struct pt_ptx_build_opts){ .content_max = content_max }, x, errbuf,
				   sizeof(errbuf)) == 0, "%s", errbuf);
	return x;
}

/* The sent stream of x's only connection: len, stored, one gap [gap_off, len) of kind, the pattern below stored. */
static void assert_cut(const struct pt_ptx *x, __u64 len, __u64 stored, __u64 gap_off, __u8 kind)
{
	const struct pt_ptx_stream *s;

	ck_assert_uint_eq(x->nconns, 1);
	s = &x->conns[0].dir[PT_PTX_D_OUT];
	ck_assert_uint_eq(s->len, len);
	ck_assert_uint_eq(s->stored, stored);
	ck_assert_uint_eq(s->ngaps, 1);
	ck_assert_uint_eq(s->gaps[0].off, gap_off);
	ck_assert_uint_eq(s->gaps[0].len, len - gap_off);
	ck_assert_uint_eq(s->gaps[0].kind, kind);
	for (__u64 i = 0; i < stored; i++)
		ck_assert_msg(s->data[i] == pat(i), "byte %llu", (unsigned long long)i);
	ck_assert_uint_eq(x->conns[0].dir[PT_PTX_D_IN].len, 0);
	ck_assert_uint_eq(x->conns[0].dir[PT_PTX_D_IN].stored, 0);
	ck_assert_uint_eq(x->conns[0].flags & PT_PTX_C_TRUNC, PT_PTX_C_TRUNC);
	ck_assert_uint_eq(x->flags & PT_PTX_F_TRUNC, PT_PTX_F_TRUNC);
	ck_assert_uint_eq(x->conns[0].nevents, 1);
	ck_assert_uint_eq(x->conns[0].events[0].len, len);
}

/*
 * A 10 MiB write with 128 KiB captured: with --content-max 64 KiB the
 * recording holds 64 KiB (in memory and in the file) and marks [64 KiB,
 * 10 MiB) as past the limit; without a limit it holds the 128 KiB captured
 * and marks the rest as truncated. Either file is small.
 */
START_TEST(build_cuts_at_content_max)
{
	const __u64 size = 10 << 20, limit = 64 << 10, captured = 128 << 10;
	struct pt_procmodel *m = model_one_write(size, captured);
	struct pt_ptx *x, *y;
	size_t len;
	__u8 *buf;

	x = build(m, limit);
	assert_cut(x, size, limit, limit, PT_PTX_G_LIMIT);
	buf = encode(x, &len);
	ck_assert_msg(len < 1 << 20, "a 10 MiB stream cut at 64 KiB takes %zu bytes", len);
	ck_assert_msg(pt_ptx_decode(buf, len, "cut.ptx", &y, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	assert_cut(y, size, limit, limit, PT_PTX_G_LIMIT);
	ck_assert_uint_eq(y->content_max, limit);
	pt_ptx_free(y);
	free(buf);
	pt_ptx_free(x);

	x = build(m, 0);
	assert_cut(x, size, captured, captured, PT_PTX_G_TRUNC);
	buf = encode(x, &len);
	ck_assert_msg(len < 1 << 20, "a 10 MiB stream with 128 KiB captured takes %zu bytes", len);
	ck_assert_msg(pt_ptx_decode(buf, len, "cut.ptx", &y, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	assert_cut(y, size, captured, captured, PT_PTX_G_TRUNC);
	pt_ptx_free(y);
	free(buf);
	pt_ptx_free(x);
	pt_procmodel_free(m);
}
END_TEST

/*
 * Calls the probes recorded without content because they started past the
 * connection's budget (PT_DAF_LIMIT) are the recording's LIMIT gap, not
 * truncation: the probes' mark is taken at its word, also below the build's
 * own --content-max cut (README: record, the in-kernel cut).
 */
START_TEST(build_marks_kernel_limit)
{
	static __u8 first[1000];
	struct pt_task t = prec_task(100, 200, 200, 200, "up");
	struct pt_procmodel *m = model_connected();
	struct pt_ptx *x;
	union prec r;

	for (__u32 i = 0; i < sizeof(first); i++)
		first[i] = pat(i);
	prec_data(&r, &t, PT_CALL_WRITE, PT_DIR_OUT, 3, 1000, first, sizeof(first), sizeof(first));
	r.data.info = up_sock(1000);
	ck_assert_int_eq(pt_procmodel_feed(m, &r.h), 0);
	t = prec_task(300, 200, 200, 200, "up");
	prec_data(&r, &t, PT_CALL_WRITE, PT_DIR_OUT, 3, 5000, NULL, 0, 0);
	r.data.flags = PT_DAF_LIMIT;
	r.data.info = up_sock(2000);
	ck_assert_int_eq(pt_procmodel_feed(m, &r.h), 0);
	ck_assert_int_eq(pt_procmodel_finish(m), 0);
	for (int k = 0; k < 2; k++) {
		const struct pt_ptx_stream *s;

		x = build(m, k ? 3000 : 0);	/* with a limit, the build's own cut goes on from there */
		ck_assert_uint_eq(x->nconns, 1);
		ck_assert_uint_eq(x->conns[0].nevents, 2);
		s = &x->conns[0].dir[PT_PTX_D_OUT];
		ck_assert_uint_eq(s->len, 6000);
		ck_assert_uint_eq(s->stored, 1000);
		ck_assert_uint_eq(s->ngaps, 1);
		ck_assert_uint_eq(s->gaps[0].off, 1000);
		ck_assert_uint_eq(s->gaps[0].len, 5000);
		ck_assert_uint_eq(s->gaps[0].kind, PT_PTX_G_LIMIT);
		ck_assert_mem_eq(s->data, first, sizeof(first));
		ck_assert_uint_eq(x->conns[0].flags & PT_PTX_C_TRUNC, PT_PTX_C_TRUNC);
		pt_ptx_free(x);
	}
	pt_procmodel_free(m);
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
	/* a FIFO: refused at once (opening it for reading waited for a writer forever) */
	{
		char fifo[64] = "/tmp/provtap-test-fifo-XXXXXX";

		ck_assert_ptr_nonnull(mkdtemp(fifo));
		strcat(fifo, "/r.ptx");
		ck_assert_int_eq(mkfifo(fifo, 0600), 0);
		ck_assert_int_eq(pt_ptx_read(fifo, &y, errbuf, sizeof(errbuf)), -EINVAL);
		ck_assert_msg(strstr(errbuf, "r.ptx: not a regular file"), "%s", errbuf);
		unlink(fifo);
		*strrchr(fifo, '/') = 0;
		rmdir(fifo);
	}
}
END_TEST

/* x's argv emptied: argc 0, no bytes (a command run with an empty argv). */
static void empty_argv(struct pt_ptx *x)
{
	free(x->argv);
	x->argv = NULL;
	x->argc = 0;
	x->argv_len = 0;
}

/*
 * An ARGV section that is present but empty (argc 0) reads back as argc 0;
 * one that is absent is refused, saying the command's argv is missing; an
 * empty one does not hide a second one.
 */
/* A position that cannot be written whole is "?", never a prefix that could be another process's. */
START_TEST(tree_pos_unknown_not_cut)
{
	struct pt_ptx_proc procs[PT_PTX_POS_DEPTH + 2];
	struct pt_ptx x = { 0 };
	char pos[64], small[7];

	memset(procs, 0, sizeof(procs));
	for (__u32 i = 0; i < PT_PTX_POS_DEPTH + 2; i++) {
		procs[i].parent = i ? i - 1 : PT_PTX_NONE;	/* a chain: each the only child of the one before */
		procs[i].start_ts = 100 + i;
	}
	x.procs = procs;
	x.nprocs = PT_PTX_POS_DEPTH + 2;
	ck_assert_str_eq(pt_ptx_tree_pos(&x, 0, pos, sizeof(pos)), "0");
	ck_assert_str_eq(pt_ptx_tree_pos(&x, 3, pos, sizeof(pos)), "0.0.0.0");
	ck_assert_str_eq(pt_ptx_tree_pos(&x, 3, small, sizeof(small)), "?");	/* needs 8 bytes with its NUL */
	ck_assert_str_eq(pt_ptx_tree_pos(&x, 2, small, sizeof(small)), "0.0.0");
	/* 32 levels: "0" and 31 ".0" are 63 characters, the most 64 bytes hold */
	ck_assert_uint_eq(strlen(pt_ptx_tree_pos(&x, 31, pos, sizeof(pos))), 63);
	ck_assert_str_eq(pt_ptx_tree_pos(&x, 32, pos, sizeof(pos)), "?");
	/* deeper than the walk goes: unknown whatever the buffer */
	{
		char big[512];

		ck_assert_uint_eq(strlen(pt_ptx_tree_pos(&x, PT_PTX_POS_DEPTH - 1, big, sizeof(big))),
				  2 * PT_PTX_POS_DEPTH - 1);
		ck_assert_str_eq(pt_ptx_tree_pos(&x, PT_PTX_POS_DEPTH, big, sizeof(big)), "?");
	}
	ck_assert_str_eq(pt_ptx_tree_pos(&x, x.nprocs, pos, sizeof(pos)), "?");
}
END_TEST

/*
 * The process tree a file describes: a parent past the file at any link of a chain (the
 * reader checked only each process's own), a cycle, a 100000-deep chain (read in linear
 * time); positions from the index equal those computed per call.
 */
START_TEST(tree_checked_and_indexed)
{
	struct pt_ptx *x = sample(), *y;
	size_t len;
	void *buf;
	__u32 base = x->nprocs;

	for (int i = 0; i < 3; i++)
		pt_ptx_add_proc(x)->start_ts = 500 + i;
	x->procs[base].parent = base + 1;	/* fine itself; its parent's parent is not in the file */
	x->procs[base + 1].parent = 0x100000;
	x->procs[base + 2].parent = PT_PTX_NONE;
	buf = encode(x, &len);
	ck_assert_int_eq(pt_ptx_decode(buf, len, "t.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "a process names a parent not in the file"), "%s", errbuf);
	free(buf);
	x->procs[base + 1].parent = base + 2;	/* base -> base+1 -> base+2 -> base: a cycle */
	x->procs[base + 2].parent = base;
	buf = encode(x, &len);
	ck_assert_int_eq(pt_ptx_decode(buf, len, "t.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "the process tree has a cycle"), "%s", errbuf);
	free(buf);
	pt_ptx_free(x);

	/* a deep chain and a wide fan: read at once; index and per-call positions agree */
	x = sample();
	base = x->nprocs;
	for (__u32 i = 0; i < 100000; i++) {
		struct pt_ptx_proc *p = pt_ptx_add_proc(x);

		p->start_ts = 1000 + (i * 7919u) % 100000;	/* siblings out of index order */
		p->parent = i < 50000 ? (i ? base + i - 1 : PT_PTX_NONE) : base + (i % 3);
	}
	y = reread(x);
	ck_assert_ptr_nonnull(y->sib);
	for (__u32 i = 0; i < y->nprocs; i += 997) {
		char a[128], b[128];
		__u32 *sib = y->sib;

		pt_ptx_tree_pos(y, i, a, sizeof(a));
		y->sib = NULL;
		pt_ptx_tree_pos(y, i, b, sizeof(b));
		y->sib = sib;
		ck_assert_str_eq(a, b);
	}
	pt_ptx_free(y);
	pt_ptx_free(x);
}
END_TEST

/* record's report: a line per truncated datagram up to 10, then how many more */
START_TEST(report_caps_lines)
{
	struct pt_ptx *x = sample();
	struct pt_ptx_dgram *g = calloc(25, sizeof(*g));
	char *out = NULL, *p;
	size_t n = 0;
	int lines = 0;
	FILE *f;

	ck_assert_ptr_nonnull(g);
	for (int i = 0; i < 25; i++) {
		g[i] = x->dgrams[0];
		g[i].data = NULL;
		g[i].captured = i % 5 ? 0 : g[i].size;	/* 20 of the 25 truncated */
	}
	free(x->dgrams[0].data);
	free(x->dgrams);
	x->dgrams = g;
	x->ndgrams = 25;
	f = open_memstream(&out, &n);
	ck_assert_ptr_nonnull(f);
	pt_ptx_report(x, "r.ptx", f);
	fclose(f);
	for (p = out; (p = strstr(p, "warning: UDP datagram ")); p++)
		lines++;
	ck_assert_int_eq(lines, 10);
	ck_assert_msg(strstr(out, "warning: UDP datagram 1: 0 of its 12 bytes recorded\n"), "%s", out);
	ck_assert_msg(!strstr(out, "warning: UDP datagram 0:"), "%s", out);	/* whole */
	ck_assert_msg(strstr(out, "warning: UDP datagram 12: 0 of its 12 bytes recorded\n"), "%s", out);
	ck_assert_msg(!strstr(out, "warning: UDP datagram 13:"), "%s", out);
	ck_assert_msg(strstr(out, "warning: and 10 more UDP datagram(s) not recorded whole (`provtap show r.ptx` "
			      "lists them)\n"), "%s", out);
	ck_assert_msg(strstr(out, "lacks some of the 10 bytes received: "), "%s", out);
	free(out);
	pt_ptx_free(x);
}
END_TEST

START_TEST(argv_empty_or_absent)
{
	static const char meta[] = "host\0h1\0";
	struct pt_ptx *x = sample(), *y = NULL;
	struct body b = {};
	size_t len, flen;
	__u8 *buf, *f;

	empty_argv(x);
	buf = encode(x, &len);
	ck_assert_msg(pt_ptx_decode(buf, len, "empty.ptx", &y, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	ck_assert_uint_eq(y->argc, 0);
	ck_assert_uint_eq(y->argv_len, 0);
	ck_assert_uint_eq(y->nenv, 2);
	ck_assert_uint_eq(y->nprocs, 2);
	pt_ptx_free(y);
	free(buf);
	pt_ptx_free(x);

	/* META alone: no ARGV section at all */
	sect(&b, PT_PTX_S_META, meta, sizeof(meta) - 1);
	f = wrap(b.p, b.len, b.nsect, &flen);
	ck_assert_int_eq(pt_ptx_decode(f, flen, "noargv.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_ptr_null(y);
	ck_assert_msg(strstr(errbuf, "noargv.ptx: corrupt recording: no ARGV section: the recorded command's argv is "
				     "missing"), "%s", errbuf);
	free(f);
	/* an empty ARGV section: argc 0 */
	sect(&b, PT_PTX_S_ARGV, "", 0);
	f = wrap(b.p, b.len, b.nsect, &flen);
	ck_assert_msg(pt_ptx_decode(f, flen, "t.ptx", &y, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	ck_assert_uint_eq(y->argc, 0);
	pt_ptx_free(y);
	free(f);
	/* then a second one */
	sect(&b, PT_PTX_S_ARGV, "a", 2);
	f = wrap(b.p, b.len, b.nsect, &flen);
	ck_assert_int_eq(pt_ptx_decode(f, flen, "t.ptx", &y, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "ARGV section twice"), "%s", errbuf);
	free(f);
}
END_TEST

/* merge takes its command from the first input as read, an empty argv included; the result reads back. */
START_TEST(merge_keeps_empty_argv)
{
	struct pt_ptx *a = sample(), *b = elsewhere(sample()), *x, *y;

	empty_argv(a);
	snprintf(b->hosts[0].name, sizeof(b->hosts[0].name), "ns3");	/* host names must differ */
	x = merged(a, b);
	ck_assert_uint_eq(x->argc, 0);
	ck_assert_uint_eq(x->argv_len, 0);
	y = reread(x);
	ck_assert_uint_eq(y->argc, 0);
	ck_assert_uint_eq(y->argv_len, 0);
	ck_assert_uint_eq(y->nhosts, 4);	/* ns2, a, ns3, b */
	ck_assert_str_eq(y->hosts[3].name, "b");
	ck_assert_uint_eq(y->hosts[3].argc, 3);
	pt_ptx_free(y);
	pt_ptx_free(x);

	/* the other way round: b's command, a's host without one */
	x = merged(b, a);
	y = reread(x);
	ck_assert_uint_eq(y->argc, 3);
	ck_assert_mem_eq(y->argv, "curl\0-s\0http://10.0.0.2/\0", y->argv_len);
	pt_ptx_free(y);
	pt_ptx_free(x);
	pt_ptx_free(a);
	pt_ptx_free(b);
}
END_TEST

/* Everything show printed for x, as one string (caller frees). */
static char *shown(const struct pt_ptx *x, const char *name)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	ck_assert_ptr_nonnull(f);
	pt_ptx_show(x, name, f);
	ck_assert_int_eq(fclose(f), 0);
	return s;
}

/*
 * A datagram whose process is not known is recorded with PT_PTX_NONE: it
 * reads back so, stays so through merge (never becomes a process of the
 * merged recording) and show says "(unknown process)", not the root's name.
 */
START_TEST(dgram_of_no_process)
{
	struct pt_ptx *x = sample(), *b = elsewhere(sample()), *y, *m, *z;
	size_t len;
	__u8 *buf;
	char *out;

	x->dgrams[0].proc = PT_PTX_NONE;
	buf = encode(x, &len);
	ck_assert_msg(pt_ptx_decode(buf, len, "d.ptx", &y, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	free(buf);
	ck_assert_uint_eq(y->ndgrams, 1);
	ck_assert_uint_eq(y->dgrams[0].proc, PT_PTX_NONE);
	ck_assert_mem_eq(y->dgrams[0].data, "abc", 3);
	out = shown(y, "d.ptx");
	ck_assert_msg(strstr(out, "\nDATAGRAMS (1)\n#    PROCESS        DIR  LOCAL                  PEER                      "
				  "BYTES   TIME(s)  MARKS\n"
				  "0    (unknown process) out  0.0.0.0:0              0.0.0.0:53                   12     "
				  "0.000  TRUNCATED: 3 bytes kept\n"), "%s", out);
	free(out);

	/* merged after an input of 2 processes: still no process, the other input's datagram moved to 1 + 2 */
	snprintf(b->hosts[0].name, sizeof(b->hosts[0].name), "ns3");
	m = merged(b, y);
	ck_assert_uint_eq(m->ndgrams, 2);
	ck_assert_uint_eq(m->dgrams[0].proc, 1);
	ck_assert_uint_eq(m->dgrams[1].proc, PT_PTX_NONE);
	z = reread(m);
	ck_assert_uint_eq(z->dgrams[1].proc, PT_PTX_NONE);
	pt_ptx_free(z);
	pt_ptx_free(m);

	/* a process that is not in the file is still refused */
	x->dgrams[0].proc = 2;
	buf = encode(x, &len);
	ck_assert_int_eq(pt_ptx_decode(buf, len, "d.ptx", &z, errbuf, sizeof(errbuf)), -EBADMSG);
	ck_assert_msg(strstr(errbuf, "DGRAM names a process"), "%s", errbuf);
	free(buf);
	pt_ptx_free(y);
	pt_ptx_free(b);
	pt_ptx_free(x);
}
END_TEST

/* Replace *dst (n bytes at *len) by the n bytes at src. */
static void set_bytes(char **dst, __u32 *len, const char *src, __u32 n)
{
	free(*dst);
	*dst = malloc(n);
	ck_assert_ptr_nonnull(*dst);
	memcpy(*dst, src, n);
	*len = n;
}

/* show's PEERS: one line per remote endpoint, in the order of its first connection, with sums */
START_TEST(show_peers_grouped)
{
	static const __u16 port[] = { 80, 443, 80, 53, 443, 80 };
	static const __u8 host[] = { 2, 2, 2, 9, 2, 3 };	/* 10.0.0.H */
	struct pt_ptx *x = sample();
	__u32 base = x->nconns;
	char *out, *peers;

	for (size_t i = 0; i < sizeof(port) / sizeof(port[0]); i++) {
		struct pt_ptx_conn *c = pt_ptx_add_conn(x);

		c->proc = PT_PTX_NONE;
		c->family = AF_INET;
		c->raddr[0] = 10, c->raddr[3] = host[i];
		c->rport = port[i];
		c->dir[PT_PTX_D_OUT].len = 10 * (i + 1);
		c->dir[PT_PTX_D_IN].len = 100 * (i + 1);
	}
	ck_assert_uint_eq(base, 2);	/* sample()'s: 10.0.0.2:80 and 10.0.0.1:40000 */
	out = shown(x, "t.ptx");
	peers = strstr(out, "\nPEERS\n");
	ck_assert_msg(peers, "%s", out);
	/* 10.0.0.2:80: sample's + the 1st and 3rd added; then :443 (2nd, 5th); :53 on .9; .3:80 */
	ck_assert_msg(strstr(peers, "\n10.0.0.2:80            tcp         3 "), "%s", peers);
	ck_assert_msg(strstr(peers, "\n10.0.0.2:443           tcp         2         70        700\n"
				    "10.0.0.9:53            tcp         1         40        400\n"
				    "10.0.0.3:80            tcp         1         60        600\n"), "%s", peers);
	ck_assert_msg(strstr(peers, "10.0.0.2:80") < strstr(peers, "10.0.0.2:443"), "%s", peers);
	free(out);
	pt_ptx_free(x);
}
END_TEST

/*
 * show prints what a recording holds escaped: newlines, terminal escapes and
 * other control bytes, and bytes that are not UTF-8, never reach the
 * terminal raw. argv and paths are shell words as in query's text lines,
 * names and other text C-escaped; valid UTF-8 stays.
 */
START_TEST(show_escapes_recorded_text)
{
	static const char argv[] = "sh\0-c\0true\0a\nb\033[31m\0";
	struct pt_ptx *x = sample();
	char *out;

	set_bytes(&x->argv, &x->argv_len, argv, sizeof(argv) - 1);
	x->argc = 4;
	set_bytes(&x->procs[0].execs[0].argv, &x->procs[0].execs[0].argv_len, argv, sizeof(argv) - 1);
	x->procs[0].execs[0].argc = 4;
	set_bytes(&x->hosts[0].argv, &x->hosts[0].argv_len, argv, sizeof(argv) - 1);
	x->hosts[0].argc = 4;
	free(x->files[0].path);
	x->files[0].path = strdup("/tmp/x\ny\xff");
	free(x->cwd);
	x->cwd = strdup("/tmp/\xc3\xa9 d");	/* é: printable, kept */
	snprintf(x->procs[1].comm, sizeof(x->procs[1].comm), "ev\033il");
	snprintf(x->kernel, sizeof(x->kernel), "6.18\033]0;pwn\a");
	snprintf(x->hosts[0].hostname, sizeof(x->hosts[0].hostname), "bo\x9bx");	/* a lone C1 byte: not UTF-8 */
	snprintf(x->hosts[0].name, sizeof(x->hosts[0].name), "ns\xc2\x9b" "2");	/* U+009B CSI: a C1 control */
	out = shown(x, "t\r.ptx");

	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		ck_assert_msg(*p == '\n' || (*p >= 0x20 && *p != 0x7f), "raw byte 0x%02x at %zu in:\n%s", *p,
			      (size_t)(p - (const unsigned char *)out), out);
	for (size_t i = 0, n = strlen(out), k; i < n; i += k) {
		k = pt_utf8_len((const unsigned char *)out + i, n - i);
		ck_assert_msg(k && (k != 2 || (__u8)out[i] != 0xc2 || (__u8)out[i + 1] >= 0xa0),
			      "not printable UTF-8 at %zu in:\n%s", i, out);
	}
	ck_assert_msg(strstr(out, "recording  t\\r.ptx (format 2, written by provtap test)\n"), "%s", out);
	ck_assert_msg(strstr(out, "\nhost       h1, 6.18\\x1b]0;pwn\\x07\n"), "%s", out);
	ck_assert_msg(strstr(out, "\ncommand    sh -c true $'a\\nb\\x1b[31m' (exit 7)\n"), "%s", out);
	ck_assert_msg(strstr(out, "\ncwd        '/tmp/\xc3\xa9 d'; environment: 2 variables\n"), "%s", out);
	ck_assert_msg(strstr(out, "\nns\\xc2\\x9b2      bo\\x9bx               1 exit 3     sh -c true $'a\\nb\\x1b[31m'\n"),
		      "%s", out);
	ck_assert_msg(strstr(out, " exit 7     h1               sh -c true $'a\\nb\\x1b[31m'\n"), "%s", out);
	ck_assert_msg(strstr(out, " running    ns\\xc2\\x9b2      (ev\\x1bil, no exec seen)\n"), "%s", out);
	ck_assert_msg(strstr(out, "\n1   0.0 ev\\x1bil   accept   10.0.0.2:80 "), "%s", out);
	ck_assert_msg(strstr(out, "\n0    0.0 ev\\x1bil   out  "), "%s", out);
	ck_assert_msg(strstr(out, "\n0.0        ev\\x1bil       $'/tmp/x\\ny\\xff' (write)\n"), "%s", out);
	free(out);

	/* a name too long for its column is cut between escapes, and says so */
	memset(x->procs[1].comm, 0x1b, sizeof(x->procs[1].comm) - 1);
	out = shown(x, "t.ptx");
	{
		const char *row = strstr(out, "\n1   0.0 "), *p;
		int n = 0;

		ck_assert_msg(row, "%s", out);
		for (p = row + strlen("\n1   0.0 "); !strncmp(p, "\\x1b", 4); p += 4)
			n++;
		ck_assert_msg(n > 0 && n < 15 && !strncmp(p, "... ", 4), "cut inside an escape:\n%s", out);
	}
	free(out);
	pt_ptx_free(x);
}
END_TEST

/* Messages of merge and replay name hosts and processes escaped (pt_esc_proc_name, the duplicate-host error). */
START_TEST(messages_escape_names)
{
	static const char argv[] = "/usr/bin/ev\033]0;x\a\0-v\0";
	const char *labels[2] = { "a", "b" };
	struct pt_ptx *a = sample(), *b = elsewhere(sample()), *m = NULL;
	const struct pt_ptx *in[2] = { a, b };
	struct pt_merge_result res;
	char nm[64];

	set_bytes(&a->procs[0].execs[0].argv, &a->procs[0].execs[0].argv_len, argv, sizeof(argv) - 1);
	a->procs[0].execs[0].argc = 2;
	ck_assert_str_eq(pt_esc_proc_name(nm, sizeof(nm), a, 0), "ev\\x1b]0;x\\x07");
	a->procs[1].nexecs = 0;
	snprintf(a->procs[1].comm, sizeof(a->procs[1].comm), "c\n1");
	ck_assert_str_eq(pt_esc_proc_name(nm, sizeof(nm), a, 1), "c\\n1");
	ck_assert_str_eq(pt_esc_proc_name(nm, sizeof(nm), a, a->nprocs), "?");
	/* sample() is a merged recording: its hosts keep their names in a merge */
	ck_assert_uint_eq(a->nhosts, 1);
	snprintf(a->hosts[0].name, sizeof(a->hosts[0].name), "h\033[2J");
	snprintf(b->hosts[0].name, sizeof(b->hosts[0].name), "h\033[2J");
	ck_assert_int_eq(pt_ptx_merge(in, labels, 2, &m, &res, NULL, errbuf, sizeof(errbuf)), -EINVAL);
	ck_assert_str_eq(errbuf, "two hosts are named h\\x1b[2J: name the inputs apart (NAME=FILE.ptx)");
	ck_assert_ptr_null(m);
	pt_ptx_free(a);
	pt_ptx_free(b);
}
END_TEST

/*
 * merge refuses two inputs holding one process (same host, pid and start: a
 * copy, or a merge and a part of it), and warns of inputs that look like
 * another experiment's: recorded at another time, or joined to no other.
 */
START_TEST(merge_refuses_one_process_twice)
{
	const char *labels[2] = { "a", "b" };
	struct pt_ptx *a = sample(), *b = sample(), *m = NULL;
	const struct pt_ptx *in[2] = { a, b };
	struct pt_merge_result res;
	char *rep = NULL;
	size_t nrep = 0;
	FILE *f;

	ck_assert_int_eq(pt_ptx_merge(in, labels, 2, &m, &res, NULL, errbuf, sizeof(errbuf)), -EEXIST);
	ck_assert_str_eq(errbuf, "inputs 1 and 2 both hold process 101 (?) of host box: the same run twice, "
			 "or one of them is already merged into the other");
	ck_assert_uint_eq(res.same.a, 0);
	ck_assert_uint_eq(res.same.b, 1);
	ck_assert_uint_eq(res.same.pid, 101);
	ck_assert_str_eq(res.same.host, "box");
	ck_assert_ptr_null(m);
	/* one pid, one host, 2 s later: pid reuse, another process; and another time altogether */
	b->origin_real_ns += 2000000000ull;
	snprintf(b->hosts[0].name, sizeof(b->hosts[0].name), "ns3");	/* host names must differ */
	f = open_memstream(&rep, &nrep);
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(pt_ptx_merge(in, labels, 2, &m, &res, f, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	fclose(f);
	ck_assert_uint_eq(res.apart, 2);
	ck_assert_uint_eq(res.lone, 0);
	ck_assert_str_eq(rep, "provtap: warning: input 1 (a) was recorded 2.0 s apart from the others (no overlap in "
			 "time): not the same experiment?\n"
			 "provtap: warning: input 2 (b) was recorded 2.0 s apart from the others (no overlap in "
			 "time): not the same experiment?\n");
	free(rep);
	pt_ptx_free(m);
	/* at one time on two machines, but no connection between them */
	pt_ptx_free(b);
	b = elsewhere(sample());
	in[1] = b;
	snprintf(b->hosts[0].name, sizeof(b->hosts[0].name), "ns3");
	ck_assert_msg(pt_ptx_merge(in, labels, 2, &m, &res, NULL, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	ck_assert_uint_eq(res.apart, 0);
	ck_assert_uint_eq(res.lone, 2);
	ck_assert_uint_eq(res.joined, 0);
	pt_ptx_free(m);
	pt_ptx_free(a);
	pt_ptx_free(b);
}
END_TEST

/* The escapes themselves: the shell-word forms, and a cut that never splits an escape or a character. */
START_TEST(esc_forms_and_cuts)
{
	char b[64];

	ck_assert_str_eq(pt_esc_word(b, sizeof(b), "/usr/bin/curl", 13), "/usr/bin/curl");
	ck_assert_str_eq(pt_esc_word(b, sizeof(b), "", 0), "''");
	ck_assert_str_eq(pt_esc_word(b, sizeof(b), "it's a \xc3\xa9", 9), "'it'\\''s a \xc3\xa9'");
	ck_assert_str_eq(pt_esc_word(b, sizeof(b), "it's\t\xff\xc3\xa9", 8), "$'it\\'s\\t\\xff\xc3\xa9'");
	ck_assert_str_eq(pt_esc_argv(b, sizeof(b), "a\0b c\0", 6), "a 'b c'");
	ck_assert_str_eq(pt_esc_argv(b, sizeof(b), "a\0b", 3), "a b");	/* a last string without its NUL */
	ck_assert_str_eq(pt_esc_text(b, sizeof(b), "a\\b \"c\"\x7f\xc2\x85"), "a\\\\b \"c\"\\x7f\\xc2\\x85");
	ck_assert_str_eq(pt_esc_text(b, sizeof(b), NULL), "?");
	/* $'a\nb' is 7 bytes: fits in 8, not in 7, where it is cut before the \n escape */
	ck_assert_str_eq(pt_esc_word(b, 8, "a\nb", 3), "$'a\\nb'");
	ck_assert_str_eq(pt_esc_word(b, 7, "a\nb", 3), "$'a...");
	/* a 2-byte character is kept whole or not at all */
	ck_assert_str_eq(pt_esc_text(b, 6, "ab\xc3\xa9z"), "ab\xc3\xa9z");
	ck_assert_str_eq(pt_esc_text(b, 6, "ab\xc3\xa9zz"), "ab...");
	ck_assert_str_eq(pt_esc_text(b, 3, "abcd"), "ab");	/* no room for "..." */
	ck_assert_str_eq(pt_esc_text(b, 1, "abcd"), "");
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
	tcase_add_test(t, version1_reads);
	tcase_add_test(t, stream_stored_lies);
	tcase_add_test(t, encode_refuses_bad_stream);
	tcase_add_test(t, merge_keeps_stored);
	tcase_add_test(t, build_cuts_at_content_max);
	tcase_add_test(t, build_marks_kernel_limit);
	tcase_add_test(t, read_errors);
	tcase_add_test(t, tree_pos_unknown_not_cut);
	tcase_add_test(t, tree_checked_and_indexed);
	tcase_add_test(t, show_peers_grouped);
	tcase_add_test(t, merge_joins_nearest_mirror);
	tcase_add_test(t, merge_refuses_one_process_twice);
	tcase_add_test(t, only_selects_descendants);
	tcase_add_test(t, report_caps_lines);
	tcase_add_test(t, argv_empty_or_absent);
	tcase_add_test(t, merge_keeps_empty_argv);
	tcase_add_test(t, dgram_of_no_process);
	tcase_add_test(t, show_escapes_recorded_text);
	tcase_add_test(t, esc_forms_and_cuts);
	tcase_add_test(t, messages_escape_names);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return pt_check_run(suite());
}
