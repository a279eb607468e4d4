// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ptx.c — the .ptx recording: in-memory helpers, encoder and a reader that
 * checks every length and index before using it (ptx.h).
 *
 * Section payloads (all integers little-endian, offsets from the payload's
 * start; "str" = bytes including their NUL):
 *   ABOUT   text (not NUL-terminated)
 *   META    key\0value\0 ...; keys: host kernel tool origin_boot_ns
 *           origin_real_ns duration_ns content_max call_content exit_status cwd
 *   ARGV    the command's argv: argc NUL-terminated strings, no bytes for an
 *           empty argv (argc 0). Exactly one per file: a file without one is
 *           refused. ENV: likewise, "K=V", at most one.
 *   PROC    0 parent u32, 4 pid u32, 8 ppid u32, 12 flags u32, 16 exit_status
 *           s32, 20 pad u32, 24 start_ts u64, 32 exit_ts u64, 40 comm[16]  (56)
 *   EXEC    0 proc u32, 4 argc u32, 8 flags u16, 10 pad u16, 12 filename_len
 *           u32, 16 argv_len u32, 20 pad u32, 24 ts u64 (32); filename str, argv
 *   FILE    0 proc u32, 4 open_flags u32, 8 dirfd s32, 12 path_len u32, 16 ts
 *           u64 (24); path str
 *   CONN    0 proc u32, 4 flags u32, 8 role u8, 9 pad u8, 10 family u16, 12
 *           lport u16, 14 rport u16, 16 laddr[16], 32 raddr[16], 48 first_ts
 *           u64, 56 last_ts u64 (64). Connections are numbered in file order.
 *           proc: a PROC before it, or PT_PTX_NONE (0xffffffff): not known.
 *   STREAM  0 conn u32, 4 dir u8, 5 pad[3], 8 len u64, 16 ngaps u32, 20
 *           stored u32 (24); ngaps x { off u64, len u64, kind u8, pad[7] }
 *           (24 each); then the stream's first stored bytes (zero in gaps).
 *           len is the stream's length; [stored, len) was not captured and
 *           lies wholly in gaps (past --content-max: a PT_PTX_G_LIMIT gap),
 *           so it takes no room. stored <= len, and fits u32 as a section
 *           does. After its CONN. Version 1: 20 is pad (0) and all len bytes
 *           follow (stored = len).
 *   EVENTS  0 conn u32, 4 n u32 (8); n x { ts u64, off u64, len u64, dir u8,
 *           pad[7] } (32 each). After its CONN and STREAMs.
 *   DGRAM   0 proc u32, 4 dir u8, 5 pad u8, 6 family u16, 8 lport u16, 10
 *           rport u16, 12 pad u32, 16 laddr[16], 32 raddr[16], 48 ts u64, 56
 *           size u64, 64 captured u64, 72 sock u64 (80); captured bytes.
 *           proc is PT_PTX_NONE (0xffffffff) when the process that sent or
 *           received it is not known (as CONN's); else a PROC before it.
 *   LOSS    0 lost[4] u64, 32 corrupt u64, 40 malformed u64 (48)
 *   TWIN    0 conn u32, 4 twin u32 (8): the two entries are the ends of one
 *           connection. After both CONNs; an entry has one twin at most.
 *   HOST    0 nprocs u32, 4 argc u32, 8 nenv u32, 12 exit_status s32, 16
 *           name_len u32, 20 hostname_len u32, 24 cwd_len u32 (0: none), 28
 *           argv_len u32, 32 env_len u32, 36 pad u32, 40 netns_ino u64 (48);
 *           name str, hostname str, cwd str, argv (argc strings), env (nenv
 *           strings), nprocs x proc u32 (its processes; a process is in one
 *           host at most). After the PROCs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include "common/tmpfile.h"
#include "userland/ptx.h"

#define SZ_PROC		56
#define SZ_EXEC		32
#define SZ_FILE		24
#define SZ_CONN		64
#define SZ_STREAM	24
#define SZ_GAP		24
#define SZ_EVHDR	8
#define SZ_EVENT	32
#define SZ_DGRAM	80
#define SZ_LOSS		48
#define SZ_TWIN		8
#define SZ_HOST		48

static const char about_text[] =
	"provtap experiment recording (.ptx), format version 2.\n"
	"Written by `provtap record`; read with `provtap show` and `provtap replay`.\n"
	"After a 64-byte header (magic PROVTAPX, version, lengths, CRC-32s) comes a raw DEFLATE\n"
	"body of sections {u16 type, u16 flags, u32 len, payload}: 1 ABOUT (this text),\n"
	"2 META (key\\0value\\0), 3 ARGV, 4 ENV, 5 PROC, 6 EXEC, 7 FILE, 8 CONN (TCP), 9 STREAM\n"
	"(one direction's bytes with gap marks, up to its last captured byte), 10 EVENTS (the\n"
	"data calls, for timing), 11 DGRAM (UDP), 12 LOSS (records the kernel dropped), 13 TWIN\n"
	"(two entries that are the ends of one connection), 14 HOST (a host of a multi-host\n"
	"recording: its command and processes).\n"
	"Times are ns since the command started (a merged recording: the earliest input's).\n"
	"Field layouts: userland/ptx.c in the provtap sources.\n";

/* ---- in-memory helpers ---- */

struct pt_ptx *pt_ptx_new(void)
{
	return calloc(1, sizeof(struct pt_ptx));
}

void pt_ptx_free(struct pt_ptx *x)
{
	if (!x)
		return;
	free(x->sib);
	for (__u32 i = 0; i < x->nprocs; i++) {
		for (__u32 k = 0; k < x->procs[i].nexecs; k++) {
			free(x->procs[i].execs[k].filename);
			free(x->procs[i].execs[k].argv);
		}
		free(x->procs[i].execs);
	}
	for (__u32 i = 0; i < x->nfiles; i++)
		free(x->files[i].path);
	for (__u32 i = 0; i < x->nconns; i++) {
		for (int d = 0; d < 2; d++) {
			free(x->conns[i].dir[d].data);
			free(x->conns[i].dir[d].gaps);
		}
		free(x->conns[i].events);
	}
	for (__u32 i = 0; i < x->ndgrams; i++)
		free(x->dgrams[i].data);
	for (__u32 i = 0; i < x->nhosts; i++) {
		free(x->hosts[i].cwd);
		free(x->hosts[i].argv);
		free(x->hosts[i].env);
	}
	free(x->hosts);
	free(x->procs);
	free(x->files);
	free(x->conns);
	free(x->dgrams);
	free(x->cwd);
	free(x->argv);
	free(x->env);
	free(x);
}

/* Grow *arr (of elem bytes, *n used, *cap allocated) by one zeroed element; NULL on ENOMEM. */
static void *grow(void **arr, __u32 *n, __u32 *cap, size_t elem)
{
	if (*n == *cap) {
		__u32 nc = *cap ? *cap * 2 : 8;
		void *p;

		if (nc <= *cap)
			return NULL;
		p = realloc(*arr, (size_t)nc * elem);
		if (!p)
			return NULL;
		*arr = p;
		*cap = nc;
	}
	void *e = (char *)*arr + (size_t)(*n)++ * elem;

	memset(e, 0, elem);
	return e;
}

struct pt_ptx_proc *pt_ptx_add_proc(struct pt_ptx *x)
{
	struct pt_ptx_proc *p = grow((void **)&x->procs, &x->nprocs, &x->cap_procs, sizeof(*p));

	free(x->sib);	/* the tree changes: positions per call until pt_ptx_index again */
	x->sib = NULL;
	if (p) {
		p->parent = PT_PTX_NONE;
		p->host = PT_PTX_NONE;
	}
	return p;
}

struct pt_ptx_file *pt_ptx_add_file(struct pt_ptx *x)
{
	return grow((void **)&x->files, &x->nfiles, &x->cap_files, sizeof(struct pt_ptx_file));
}

struct pt_ptx_conn *pt_ptx_add_conn(struct pt_ptx *x)
{
	struct pt_ptx_conn *c = grow((void **)&x->conns, &x->nconns, &x->cap_conns, sizeof(*c));

	if (c) {
		c->proc = PT_PTX_NONE;
		c->twin = PT_PTX_NONE;
	}
	return c;
}

struct pt_ptx_host *pt_ptx_add_host(struct pt_ptx *x)
{
	return grow((void **)&x->hosts, &x->nhosts, &x->cap_hosts, sizeof(struct pt_ptx_host));
}

void pt_ptx_link_twins(struct pt_ptx *x, __u32 a, __u32 b)
{
	x->conns[a].twin = b;
	x->conns[b].twin = a;
	x->conns[a].flags |= PT_PTX_C_INTERNAL;
	x->conns[b].flags |= PT_PTX_C_INTERNAL;
}

const char *pt_ptx_proc_host(const struct pt_ptx *x, __u32 proc)
{
	if (proc < x->nprocs && x->procs[proc].host < x->nhosts)
		return x->hosts[x->procs[proc].host].name;
	return x->host;
}

struct pt_ptx_dgram *pt_ptx_add_dgram(struct pt_ptx *x)
{
	return grow((void **)&x->dgrams, &x->ndgrams, &x->cap_dgrams, sizeof(struct pt_ptx_dgram));
}

__u64 pt_ptx_stream_missing(const struct pt_ptx_stream *s)
{
	__u64 n = 0;

	for (__u32 i = 0; i < s->ngaps; i++)
		n += s->gaps[i].len;
	return n;
}

const struct pt_ptx_gaprange *pt_ptx_stream_gap_at(const struct pt_ptx_stream *s, __u64 off, __u64 *data_end)
{
	__u64 end = s->len;

	for (__u32 i = 0; i < s->ngaps; i++) {
		const struct pt_ptx_gaprange *g = &s->gaps[i];

		if (off >= g->off && off - g->off < g->len) {
			if (data_end)
				*data_end = off;
			return g;
		}
		if (g->off > off && g->off < end)
			end = g->off;
	}
	if (data_end)
		*data_end = end;
	return NULL;
}

size_t pt_ptx_stream_bytes(const struct pt_ptx_stream *s, __u64 off, size_t want, const __u8 **p)
{
	static const __u8 zeros[65536];
	__u64 avail;

	*p = zeros;
	if (off >= s->len)
		return 0;
	if (off < s->stored && s->data) {
		*p = s->data + off;
		avail = s->stored - off;
	} else {
		avail = s->len - off < sizeof(zeros) ? s->len - off : sizeof(zeros);
	}
	return avail < want ? (size_t)avail : want;
}

const char *pt_ptx_stream_check(const struct pt_ptx_stream *s)
{
	__u64 prev_end = 0, covered;

	if (s->stored > s->len)
		return "STREAM stores more bytes than its length";
	for (__u32 g = 0; g < s->ngaps; g++) {
		const struct pt_ptx_gaprange *gr = &s->gaps[g];

		if (!gr->len || gr->off < prev_end || gr->off > s->len || s->len - gr->off < gr->len)
			return "STREAM gaps are not sorted, disjoint and inside the stream";
		prev_end = gr->off + gr->len;
	}
	/* the bytes past the stored ones: one run of adjacent gaps from stored to len */
	covered = s->stored;
	for (__u32 g = 0; g < s->ngaps && covered < s->len; g++) {
		const struct pt_ptx_gaprange *gr = &s->gaps[g];

		if (gr->off + gr->len <= covered)
			continue;
		if (gr->off > covered)
			break;
		covered = gr->off + gr->len;
	}
	if (covered < s->len)
		return "STREAM bytes past the stored ones are not marked as a gap";
	return NULL;
}

const char *pt_ptx_gap_name(__u8 kind)
{
	switch (kind) {
	case PT_PTX_G_RING: return "lost (ring full)";
	case PT_PTX_G_FAULT: return "unreadable buffer";
	case PT_PTX_G_IOV: return "iovecs past the limit";
	case PT_PTX_G_TRUNC: return "truncated (call larger than per-call capture)";
	case PT_PTX_G_NOCONTENT: return "not in user memory (sendfile)";
	case PT_PTX_G_OFF: return "content capture off";
	case PT_PTX_G_UNSEEN: return "not seen";
	case PT_PTX_G_LIMIT: return "past --content-max";
	default: return "unknown";
	}
}

/* Siblings in order: by parent, then start time, then index (qsort_r, arg: the recording). */
static int sib_cmp(const void *a, const void *b, void *arg)
{
	const struct pt_ptx *x = arg;
	const struct pt_ptx_proc *p = &x->procs[*(const __u32 *)a], *q = &x->procs[*(const __u32 *)b];

	if (p->parent != q->parent)
		return p->parent < q->parent ? -1 : 1;
	if (p->start_ts != q->start_ts)
		return p->start_ts < q->start_ts ? -1 : 1;
	return *(const __u32 *)a < *(const __u32 *)b ? -1 : 1;
}

int pt_ptx_index(struct pt_ptx *x)
{
	__u32 *order, *sib;

	free(x->sib);
	x->sib = NULL;
	if (!x->nprocs)
		return 0;
	order = malloc((size_t)x->nprocs * sizeof(*order));
	sib = malloc((size_t)x->nprocs * sizeof(*sib));
	if (!order || !sib) {
		free(order);
		free(sib);
		return -ENOMEM;
	}
	for (__u32 i = 0; i < x->nprocs; i++)
		order[i] = i;
	qsort_r(order, x->nprocs, sizeof(*order), sib_cmp, x);
	for (__u32 i = 0, pos = 0; i < x->nprocs; i++) {
		pos = i && x->procs[order[i]].parent == x->procs[order[i - 1]].parent ? pos + 1 : 0;
		sib[order[i]] = pos;
	}
	free(order);
	x->sib = sib;
	return 0;
}

/* Datagrams by socket, direction, then index (qsort_r, arg: the recording). */
static int dg_cmp(const void *a, const void *b, void *arg)
{
	const struct pt_ptx *x = arg;
	__u32 i = *(const __u32 *)a, k = *(const __u32 *)b;
	const struct pt_ptx_dgram *g = &x->dgrams[i], *h = &x->dgrams[k];

	if (g->sock != h->sock)
		return g->sock < h->sock ? -1 : 1;
	if (g->dir != h->dir)
		return g->dir < h->dir ? -1 : 1;
	return i < k ? -1 : 1;
}

bool *pt_ptx_dgram_limited(const struct pt_ptx *x)
{
	bool *lim;
	__u32 *order;
	__u64 kept = 0;

	if (!x->ndgrams)
		return NULL;
	lim = calloc(x->ndgrams, sizeof(*lim));
	order = malloc((size_t)x->ndgrams * sizeof(*order));
	if (!lim || !order) {
		free(lim);
		free(order);
		return NULL;
	}
	for (__u32 i = 0; i < x->ndgrams; i++)
		order[i] = i;
	qsort_r(order, x->ndgrams, sizeof(*order), dg_cmp, (void *)x);
	for (__u32 k = 0; k < x->ndgrams; k++) {
		const struct pt_ptx_dgram *g = &x->dgrams[order[k]];

		if (k && (g->sock != x->dgrams[order[k - 1]].sock || g->dir != x->dgrams[order[k - 1]].dir))
			kept = 0;
		kept += g->captured;
		lim[order[k]] = x->content_max && g->captured < g->size && kept >= x->content_max;
	}
	free(order);
	return lim;
}

char *pt_ptx_tree_pos(const struct pt_ptx *x, __u32 proc, char *buf, size_t len)
{
	__u32 chain[PT_PTX_POS_DEPTH];
	size_t n = 0, used = 0;
	__u32 p;

	if (!len)
		return buf;
	/* walk up (bounded: the reader rejects cycles); deeper than the chain: unknown */
	for (p = proc; p < x->nprocs && n < PT_PTX_POS_DEPTH; p = x->procs[p].parent)
		chain[n++] = p;
	if (p < x->nprocs || !n)
		goto unknown;
	while (n-- > 0) {
		__u32 c = chain[n], parent = x->procs[c].parent, pos = 0;

		/* position among the parent's children (or among the roots), by start time */
		for (__u32 i = 0; !x->sib && i < x->nprocs; i++) {
			const struct pt_ptx_proc *q = &x->procs[i];

			if (i != c && q->parent == parent &&
			    (q->start_ts < x->procs[c].start_ts || (q->start_ts == x->procs[c].start_ts && i < c)))
				pos++;
		}
		if (x->sib)
			pos = x->sib[c];
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%u", used ? "." : "", pos);
		if (used >= len)
			goto unknown;
	}
	return buf;
unknown:
	/* never a prefix of the true position: that could name another process */
	snprintf(buf, len, "?");
	return buf;
}

const char *pt_ptx_proc_name(const struct pt_ptx *x, __u32 proc)
{
	const struct pt_ptx_proc *p;

	if (proc >= x->nprocs)
		return "?";
	p = &x->procs[proc];
	if (p->nexecs && p->execs[p->nexecs - 1].argc) {
		const char *a0 = p->execs[p->nexecs - 1].argv, *s = strrchr(a0, '/');

		return s && s[1] ? s + 1 : a0;
	}
	return p->comm[0] ? p->comm : "?";
}

/* ---- encoder ---- */

struct wbuf {
	__u8 *p;
	size_t len, cap;
	int err;
	__u32 nsect;
};

static void *wreserve(struct wbuf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (b->len + n > b->cap) {
		size_t nc = b->cap ? b->cap : 4096;

		while (nc < b->len + n)
			nc *= 2;
		__u8 *np = realloc(b->p, nc);

		if (!np) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->p = np;
		b->cap = nc;
	}
	void *r = b->p + b->len;

	b->len += n;
	return r;
}

static void wput(struct wbuf *b, const void *src, size_t n)
{
	void *d = wreserve(b, n);

	if (d && n)
		memcpy(d, src, n);
}

static void w16(struct wbuf *b, __u16 v) { wput(b, &v, 2); }
static void w32(struct wbuf *b, __u32 v) { wput(b, &v, 4); }
static void w64(struct wbuf *b, __u64 v) { wput(b, &v, 8); }
static void w8(struct wbuf *b, __u8 v) { wput(b, &v, 1); }
static void wpad(struct wbuf *b, size_t n)
{
	void *d = wreserve(b, n);

	if (d)
		memset(d, 0, n);
}

/* Open a section; returns the offset of its header for sect_end. */
static size_t sect_begin(struct wbuf *b, __u16 type)
{
	size_t at = b->len;

	w16(b, type);
	w16(b, 0);
	w32(b, 0);
	return at;
}

static void sect_end(struct wbuf *b, size_t at)
{
	size_t plen;
	__u32 l;

	if (b->err)
		return;
	plen = b->len - at - sizeof(struct pt_ptx_sect);
	if (plen > 0xffffffffu) {
		b->err = -EOVERFLOW;
		return;
	}
	l = (__u32)plen;
	memcpy(b->p + at + 4, &l, 4);
	b->nsect++;
}

static void meta_kv(struct wbuf *b, const char *k, const char *v)
{
	wput(b, k, strlen(k) + 1);
	wput(b, v ? v : "", strlen(v ? v : "") + 1);
}

static void meta_u64(struct wbuf *b, const char *k, __u64 v)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRIu64, (uint64_t)v);
	meta_kv(b, k, s);
}

static void enc_host(const struct pt_ptx *x, __u32 h, struct wbuf *b)
{
	const struct pt_ptx_host *ho = &x->hosts[h];
	size_t at, nl = strlen(ho->name) + 1, hl = strlen(ho->hostname) + 1, cl = ho->cwd ? strlen(ho->cwd) + 1 : 0;
	__u32 n = 0;

	for (__u32 i = 0; i < x->nprocs; i++)
		n += x->procs[i].host == h;
	at = sect_begin(b, PT_PTX_S_HOST);
	w32(b, n);
	w32(b, ho->argc);
	w32(b, ho->nenv);
	w32(b, (__u32)ho->exit_status);
	w32(b, (__u32)nl);
	w32(b, (__u32)hl);
	w32(b, (__u32)cl);
	w32(b, ho->argv_len);
	w32(b, ho->env_len);
	w32(b, 0);
	w64(b, ho->netns_ino);
	wput(b, ho->name, nl);
	wput(b, ho->hostname, hl);
	wput(b, ho->cwd, cl);
	wput(b, ho->argv, ho->argv_len);
	wput(b, ho->env, ho->env_len);
	for (__u32 i = 0; i < x->nprocs; i++)
		if (x->procs[i].host == h)
			w32(b, i);
	sect_end(b, at);
}

static void enc_body(const struct pt_ptx *x, struct wbuf *b)
{
	size_t at;
	char s[32];

	at = sect_begin(b, PT_PTX_S_ABOUT);
	wput(b, about_text, sizeof(about_text) - 1);
	sect_end(b, at);

	at = sect_begin(b, PT_PTX_S_META);
	meta_kv(b, "host", x->host);
	meta_kv(b, "kernel", x->kernel);
	meta_kv(b, "tool", x->tool);
	meta_u64(b, "origin_boot_ns", x->origin_boot_ns);
	meta_u64(b, "origin_real_ns", x->origin_real_ns);
	meta_u64(b, "duration_ns", x->duration_ns);
	meta_u64(b, "content_max", x->content_max);
	meta_u64(b, "call_content", x->call_content);
	snprintf(s, sizeof(s), "%d", x->exit_status);
	meta_kv(b, "exit_status", s);
	meta_kv(b, "cwd", x->cwd);
	sect_end(b, at);

	at = sect_begin(b, PT_PTX_S_ARGV);
	wput(b, x->argv, x->argv_len);
	sect_end(b, at);
	at = sect_begin(b, PT_PTX_S_ENV);
	wput(b, x->env, x->env_len);
	sect_end(b, at);

	for (__u32 i = 0; i < x->nprocs; i++) {
		const struct pt_ptx_proc *p = &x->procs[i];

		at = sect_begin(b, PT_PTX_S_PROC);
		w32(b, p->parent);
		w32(b, p->pid);
		w32(b, p->ppid);
		w32(b, p->flags);
		w32(b, (__u32)p->exit_status);
		w32(b, 0);
		w64(b, p->start_ts);
		w64(b, p->exit_ts);
		wput(b, p->comm, 16);
		sect_end(b, at);
	}
	for (__u32 i = 0; i < x->nprocs; i++) {
		for (__u32 k = 0; k < x->procs[i].nexecs; k++) {
			const struct pt_ptx_exec *e = &x->procs[i].execs[k];
			size_t fl = strlen(e->filename ? e->filename : "") + 1;

			at = sect_begin(b, PT_PTX_S_EXEC);
			w32(b, i);
			w32(b, e->argc);
			w16(b, e->flags);
			w16(b, 0);
			w32(b, (__u32)fl);
			w32(b, e->argv_len);
			w32(b, 0);
			w64(b, e->ts);
			wput(b, e->filename ? e->filename : "", fl);
			wput(b, e->argv, e->argv_len);
			sect_end(b, at);
		}
	}
	for (__u32 i = 0; i < x->nfiles; i++) {
		const struct pt_ptx_file *f = &x->files[i];
		size_t pl = strlen(f->path ? f->path : "") + 1;

		at = sect_begin(b, PT_PTX_S_FILE);
		w32(b, f->proc);
		w32(b, f->open_flags);
		w32(b, (__u32)f->dirfd);
		w32(b, (__u32)pl);
		w64(b, f->ts);
		wput(b, f->path ? f->path : "", pl);
		sect_end(b, at);
	}
	for (__u32 i = 0; i < x->nconns; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];

		at = sect_begin(b, PT_PTX_S_CONN);
		w32(b, c->proc);
		w32(b, c->flags);
		w8(b, c->role);
		w8(b, 0);
		w16(b, c->family);
		w16(b, c->lport);
		w16(b, c->rport);
		wput(b, c->laddr, 16);
		wput(b, c->raddr, 16);
		w64(b, c->first_ts);
		w64(b, c->last_ts);
		sect_end(b, at);
		for (int d = 0; d < 2; d++) {
			const struct pt_ptx_stream *s = &c->dir[d];

			at = sect_begin(b, PT_PTX_S_STREAM);
			w32(b, i);
			w8(b, (__u8)d);
			wpad(b, 3);
			w64(b, s->len);
			w32(b, s->ngaps);
			w32(b, (__u32)s->stored);
			for (__u32 g = 0; g < s->ngaps; g++) {
				w64(b, s->gaps[g].off);
				w64(b, s->gaps[g].len);
				w8(b, s->gaps[g].kind);
				wpad(b, 7);
			}
			wput(b, s->data, s->stored);
			sect_end(b, at);
		}
		at = sect_begin(b, PT_PTX_S_EVENTS);
		w32(b, i);
		w32(b, c->nevents);
		for (__u32 e = 0; e < c->nevents; e++) {
			w64(b, c->events[e].ts);
			w64(b, c->events[e].off);
			w64(b, c->events[e].len);
			w8(b, c->events[e].dir);
			wpad(b, 7);
		}
		sect_end(b, at);
	}
	for (__u32 i = 0; i < x->ndgrams; i++) {
		const struct pt_ptx_dgram *g = &x->dgrams[i];

		at = sect_begin(b, PT_PTX_S_DGRAM);
		w32(b, g->proc);
		w8(b, g->dir);
		w8(b, 0);
		w16(b, g->family);
		w16(b, g->lport);
		w16(b, g->rport);
		w32(b, 0);
		wput(b, g->laddr, 16);
		wput(b, g->raddr, 16);
		w64(b, g->ts);
		w64(b, g->size);
		w64(b, g->captured);
		w64(b, g->sock);
		wput(b, g->data, g->captured);
		sect_end(b, at);
	}
	for (__u32 i = 0; i < x->nconns; i++) {
		if (x->conns[i].twin == PT_PTX_NONE || x->conns[i].twin < i)
			continue;
		at = sect_begin(b, PT_PTX_S_TWIN);
		w32(b, i);
		w32(b, x->conns[i].twin);
		sect_end(b, at);
	}
	for (__u32 h = 0; h < x->nhosts; h++)
		enc_host(x, h, b);
	at = sect_begin(b, PT_PTX_S_LOSS);
	for (int k = 0; k < 4; k++)
		w64(b, x->lost[k]);
	w64(b, x->corrupt);
	w64(b, x->malformed);
	sect_end(b, at);
}

int pt_ptx_encode(const struct pt_ptx *x, void **out, size_t *outlen, char *err, size_t errlen)
{
	struct pt_ptx_filehdr h = {};
	struct libdeflate_compressor *zc = NULL;
	struct wbuf b = {};
	__u8 *file = NULL;
	size_t bound, clen;
	int rc = 0;

	*out = NULL;
	*outlen = 0;
	for (__u32 i = 0; i < x->nconns; i++) {
		for (int d = 0; d < 2; d++) {
			const struct pt_ptx_stream *s = &x->conns[i].dir[d];
			const char *why = pt_ptx_stream_check(s);

			rc = why ? -EINVAL : 0;
			if (!why && s->stored > 0xffffffffu) {
				why = "STREAM stores 4 GiB or more";
				rc = -EOVERFLOW;
			}
			if (why) {
				snprintf(err, errlen, "cannot encode connection %u, %s direction: %s", i,
					 d == PT_PTX_D_OUT ? "sent" : "received", why);
				goto cleanup;
			}
		}
	}
	enc_body(x, &b);
	if (b.err) {
		rc = b.err;
		snprintf(err, errlen, "cannot encode the recording: %s", strerror(-rc));
		goto cleanup;
	}
	if (b.len > PT_PTX_RAW_MAX) {
		rc = -EOVERFLOW;
		snprintf(err, errlen, "the recording is %zu bytes before compression, more than the format's %llu",
			 b.len, (unsigned long long)PT_PTX_RAW_MAX);
		goto cleanup;
	}
	zc = libdeflate_alloc_compressor(6);
	if (!zc) {
		rc = -ENOMEM;
		snprintf(err, errlen, "cannot allocate a compressor");
		goto cleanup;
	}
	bound = libdeflate_deflate_compress_bound(zc, b.len);
	file = malloc(sizeof(h) + bound);
	if (!file) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory compressing %zu bytes", b.len);
		goto cleanup;
	}
	clen = libdeflate_deflate_compress(zc, b.p ? b.p : (const __u8 *)"", b.len, file + sizeof(h), bound);
	if (!clen) {
		rc = -EOVERFLOW;
		snprintf(err, errlen, "compression failed");
		goto cleanup;
	}
	memcpy(h.magic, PT_PTX_MAGIC, 8);
	h.version = PT_PTX_VERSION;
	h.hdr_len = sizeof(h);
	h.raw_len = b.len;
	h.comp_len = clen;
	h.raw_crc = libdeflate_crc32(0, b.p, b.len);
	h.comp_crc = libdeflate_crc32(0, file + sizeof(h), clen);
	h.nsections = b.nsect;
	h.flags = x->flags;
	h.hdr_crc = libdeflate_crc32(0, &h, offsetof(struct pt_ptx_filehdr, hdr_crc));
	memcpy(file, &h, sizeof(h));
	*out = file;
	*outlen = sizeof(h) + clen;
	file = NULL;
cleanup:
	libdeflate_free_compressor(zc);
	free(file);
	free(b.p);
	return rc;
}

int pt_ptx_writable(const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	struct stat st;
	int fd;

	if (*path && !stat(path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		return -EINVAL;
	}
	fd = pt_tmp_beside(path, tmp, sizeof(tmp), err, errlen);
	if (fd < 0)
		return fd;
	close(fd);
	unlink(tmp);
	return 0;
}

int pt_ptx_write(const struct pt_ptx *x, const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	void *buf = NULL;
	size_t len = 0, done = 0;
	int fd = -1, rc;

	rc = pt_ptx_encode(x, &buf, &len, err, errlen);
	if (rc)
		return rc;
	tmp[0] = 0;
	fd = pt_tmp_beside(path, tmp, sizeof(tmp), err, errlen);
	if (fd < 0) {
		rc = fd;
		tmp[0] = 0;	/* nothing of ours to remove */
		goto cleanup;
	}
	while (done < len) {
		ssize_t n = write(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(-rc));
			goto cleanup;
		}
		done += (size_t)n;
	}
	if (fsync(fd)) {
		rc = -errno;
		snprintf(err, errlen, "cannot sync %s: %s", tmp, strerror(-rc));
		goto cleanup;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path)) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(-rc));
	}
cleanup:
	if (fd >= 0)
		close(fd);
	if (rc && tmp[0])
		unlink(tmp);
	free(buf);
	return rc;
}

/* ---- reader ---- */

struct rd {
	__u32 version;		/* the file's format version */
	const __u8 *p;
	size_t len, at;		/* the section's payload and the cursor in it */
	const char *name;	/* file, for messages */
	size_t base;		/* offset of the payload in the inflated body */
	char *err;
	size_t errlen;
};

static int bad(struct rd *r, const char *what)
{
	snprintf(r->err, r->errlen, "%s: corrupt recording: %s (inflated body offset %zu)", r->name, what,
		 r->base + r->at);
	return -EBADMSG;
}

static bool have(const struct rd *r, size_t n)
{
	return r->at <= r->len && r->len - r->at >= n;
}

static __u16 r16(struct rd *r) { __u16 v; memcpy(&v, r->p + r->at, 2); r->at += 2; return v; }
static __u32 r32(struct rd *r) { __u32 v; memcpy(&v, r->p + r->at, 4); r->at += 4; return v; }
static __u64 r64(struct rd *r) { __u64 v; memcpy(&v, r->p + r->at, 8); r->at += 8; return v; }
static __u8 r8(struct rd *r) { return r->p[r->at++]; }

/* A copy of n bytes at the cursor (n may be 0: NULL), advancing; *ok false on ENOMEM. */
static void *rdup(struct rd *r, size_t n, bool *ok)
{
	void *d;

	if (!n)
		return NULL;
	d = malloc(n);
	if (!d) {
		*ok = false;
		return NULL;
	}
	memcpy(d, r->p + r->at, n);
	r->at += n;
	return d;
}

/* n NUL-terminated strings exactly filling len bytes at the cursor? Counts them into *count. */
static bool strings_ok(const __u8 *p, size_t len, __u32 *count)
{
	*count = 0;
	if (len && p[len - 1])
		return false;
	for (size_t i = 0; i < len; i++)
		*count += !p[i];
	return true;
}

static int oom(struct rd *r)
{
	snprintf(r->err, r->errlen, "%s: out of memory reading the recording", r->name);
	return -ENOMEM;
}

static int parse_u64(const char *v, __u64 *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v || *end)
		return -EINVAL;
	*out = n;
	return 0;
}

static int rd_meta(struct rd *r, struct pt_ptx *x)
{
	__u32 n;

	if (!strings_ok(r->p, r->len, &n) || n % 2)
		return bad(r, "META is not key/value strings");
	for (size_t at = 0; at < r->len;) {
		const char *k = (const char *)r->p + at, *v = k + strlen(k) + 1;
		__u64 u = 0;
		int e = 0;

		at = (size_t)(v - (const char *)r->p) + strlen(v) + 1;
		if (!strcmp(k, "host"))
			snprintf(x->host, sizeof(x->host), "%s", v);
		else if (!strcmp(k, "kernel"))
			snprintf(x->kernel, sizeof(x->kernel), "%s", v);
		else if (!strcmp(k, "tool"))
			snprintf(x->tool, sizeof(x->tool), "%s", v);
		else if (!strcmp(k, "cwd")) {
			free(x->cwd);
			x->cwd = strdup(v);
			if (!x->cwd)
				return oom(r);
		} else if (!strcmp(k, "exit_status")) {
			char *end;
			long s = strtol(v, &end, 10);

			if (end == v || *end)
				return bad(r, "META exit_status is not a number");
			x->exit_status = (__s32)s;
		} else if (!strcmp(k, "origin_boot_ns"))
			e = parse_u64(v, &x->origin_boot_ns);
		else if (!strcmp(k, "origin_real_ns"))
			e = parse_u64(v, &x->origin_real_ns);
		else if (!strcmp(k, "duration_ns"))
			e = parse_u64(v, &x->duration_ns);
		else if (!strcmp(k, "content_max"))
			e = parse_u64(v, &x->content_max);
		else if (!strcmp(k, "call_content")) {
			e = parse_u64(v, &u);
			x->call_content = (__u32)u;
		}
		if (e)
			return bad(r, "META number field is not a number");
	}
	return 0;
}

/*
 * An ARGV or ENV section (named what) into *dst, *count strings, *len bytes;
 * *seen records that the section was there, even empty (*dst is then NULL,
 * *count and *len 0): present but empty is not absent.
 */
static int rd_strings(struct rd *r, const char *what, bool *seen, char **dst, __u32 *count, __u32 *len)
{
	char why[64];
	bool ok = true;

	if (*seen) {
		snprintf(why, sizeof(why), "%s section twice", what);
		return bad(r, why);
	}
	*seen = true;
	if (!strings_ok(r->p, r->len, count)) {
		snprintf(why, sizeof(why), "%s strings are not NUL-terminated", what);
		return bad(r, why);
	}
	*len = (__u32)r->len;
	*dst = rdup(r, r->len, &ok);
	return ok ? 0 : oom(r);
}

static int rd_proc(struct rd *r, struct pt_ptx *x)
{
	struct pt_ptx_proc *p;

	if (r->len != SZ_PROC)
		return bad(r, "PROC section has the wrong size");
	p = pt_ptx_add_proc(x);
	if (!p)
		return oom(r);
	p->parent = r32(r);
	p->pid = r32(r);
	p->ppid = r32(r);
	p->flags = r32(r);
	p->exit_status = (__s32)r32(r);
	r32(r);
	p->start_ts = r64(r);
	p->exit_ts = r64(r);
	memcpy(p->comm, r->p + r->at, 16);
	p->comm[15] = 0;
	return 0;
}

static int rd_exec(struct rd *r, struct pt_ptx *x)
{
	struct pt_ptx_exec e = {}, *ne;
	struct pt_ptx_proc *p;
	__u32 proc, fl, n;
	bool ok = true;

	if (!have(r, SZ_EXEC))
		return bad(r, "EXEC section too short");
	proc = r32(r);
	e.argc = r32(r);
	e.flags = r16(r);
	r16(r);
	fl = r32(r);
	e.argv_len = r32(r);
	r32(r);
	e.ts = r64(r);
	if (proc >= x->nprocs)
		return bad(r, "EXEC names a process not (yet) in the file");
	if ((__u64)fl + e.argv_len != r->len - r->at || !fl || r->p[r->at + fl - 1])
		return bad(r, "EXEC lengths do not add up");
	if (!strings_ok(r->p + r->at + fl, e.argv_len, &n) || n != e.argc)
		return bad(r, "EXEC argv does not hold argc strings");
	e.filename = rdup(r, fl, &ok);
	e.argv = rdup(r, e.argv_len, &ok);
	p = &x->procs[proc];
	ne = ok ? realloc(p->execs, (p->nexecs + 1) * sizeof(*ne)) : NULL;
	if (!ne) {
		free(e.filename);
		free(e.argv);
		return oom(r);
	}
	p->execs = ne;
	p->execs[p->nexecs++] = e;
	return 0;
}

static int rd_file(struct rd *r, struct pt_ptx *x)
{
	struct pt_ptx_file *f;
	__u32 proc, flags, pl;
	__s32 dirfd;
	__u64 ts;
	bool ok = true;

	if (!have(r, SZ_FILE))
		return bad(r, "FILE section too short");
	proc = r32(r);
	flags = r32(r);
	dirfd = (__s32)r32(r);
	pl = r32(r);
	ts = r64(r);
	if (proc >= x->nprocs)
		return bad(r, "FILE names a process not (yet) in the file");
	if (!pl || pl != r->len - r->at || r->p[r->at + pl - 1])
		return bad(r, "FILE path length does not add up");
	f = pt_ptx_add_file(x);
	if (!f)
		return oom(r);
	f->proc = proc;
	f->open_flags = flags;
	f->dirfd = dirfd;
	f->ts = ts;
	f->path = rdup(r, pl, &ok);
	return ok ? 0 : oom(r);
}

static int rd_conn(struct rd *r, struct pt_ptx *x)
{
	struct pt_ptx_conn *c;

	if (r->len != SZ_CONN)
		return bad(r, "CONN section has the wrong size");
	c = pt_ptx_add_conn(x);
	if (!c)
		return oom(r);
	c->proc = r32(r);
	c->flags = r32(r);
	c->role = r8(r);
	r8(r);
	c->family = r16(r);
	c->lport = r16(r);
	c->rport = r16(r);
	memcpy(c->laddr, r->p + r->at, 16);
	memcpy(c->raddr, r->p + r->at + 16, 16);
	r->at += 32;
	c->first_ts = r64(r);
	c->last_ts = r64(r);
	if (c->proc != PT_PTX_NONE && c->proc >= x->nprocs)
		return bad(r, "CONN names a process not (yet) in the file");
	if (c->role > PT_PTX_R_ACCEPT)
		return bad(r, "CONN has an unknown role");
	return 0;
}

static int rd_stream(struct rd *r, struct pt_ptx *x)
{
	struct pt_ptx_stream *s;
	__u32 conn, ngaps, stored32;
	__u64 len, stored;
	const char *why;
	__u8 dir;
	bool ok = true;

	if (!have(r, SZ_STREAM))
		return bad(r, "STREAM section too short");
	conn = r32(r);
	dir = r8(r);
	r->at += 3;
	len = r64(r);
	ngaps = r32(r);
	stored32 = r32(r);
	stored = r->version == 1 ? len : stored32;	/* version 1: every byte follows */
	if (conn >= x->nconns || dir > PT_PTX_D_IN)
		return bad(r, "STREAM names a connection or direction not in the file");
	s = &x->conns[conn].dir[dir];
	if (s->len || s->ngaps || s->stored)
		return bad(r, "STREAM given twice");
	if ((__u64)ngaps * SZ_GAP > r->len - r->at || stored != r->len - r->at - (__u64)ngaps * SZ_GAP)
		return bad(r, "STREAM lengths do not add up");
	if (ngaps) {
		s->gaps = calloc(ngaps, sizeof(*s->gaps));
		if (!s->gaps)
			return oom(r);
	}
	for (__u32 g = 0; g < ngaps; g++) {
		struct pt_ptx_gaprange *gr = &s->gaps[g];

		gr->off = r64(r);
		gr->len = r64(r);
		gr->kind = r8(r);
		r->at += 7;
	}
	s->ngaps = ngaps;
	s->len = len;
	s->stored = stored;
	why = pt_ptx_stream_check(s);
	if (why) {
		r->at -= (size_t)ngaps * SZ_GAP;	/* the offset of the gaps, for the message */
		return bad(r, why);
	}
	s->data = rdup(r, stored, &ok);
	if (!ok)
		s->stored = 0;
	return ok ? 0 : oom(r);
}

static int rd_events(struct rd *r, struct pt_ptx *x)
{
	struct pt_ptx_conn *c;
	__u32 conn, n;

	if (!have(r, SZ_EVHDR))
		return bad(r, "EVENTS section too short");
	conn = r32(r);
	n = r32(r);
	if (conn >= x->nconns)
		return bad(r, "EVENTS names a connection not in the file");
	c = &x->conns[conn];
	if (c->events)
		return bad(r, "EVENTS given twice for a connection");
	if ((__u64)n * SZ_EVENT != r->len - r->at)
		return bad(r, "EVENTS count does not match its length");
	if (!n)
		return 0;
	c->events = calloc(n, sizeof(*c->events));
	if (!c->events)
		return oom(r);
	for (__u32 i = 0; i < n; i++) {
		struct pt_ptx_event *e = &c->events[i];

		e->ts = r64(r);
		e->off = r64(r);
		e->len = r64(r);
		e->dir = r8(r);
		r->at += 7;
		c->nevents = i + 1;
		if (e->dir > PT_PTX_D_IN || e->off > c->dir[e->dir].len || c->dir[e->dir].len - e->off < e->len)
			return bad(r, "an event lies outside its stream");
		if (i && e->ts < c->events[i - 1].ts)
			return bad(r, "events are not in time order");
	}
	return 0;
}

static int rd_dgram(struct rd *r, struct pt_ptx *x)
{
	struct pt_ptx_dgram *g;
	bool ok = true;

	if (!have(r, SZ_DGRAM))
		return bad(r, "DGRAM section too short");
	g = pt_ptx_add_dgram(x);
	if (!g)
		return oom(r);
	g->proc = r32(r);
	g->dir = r8(r);
	r8(r);
	g->family = r16(r);
	g->lport = r16(r);
	g->rport = r16(r);
	r32(r);
	memcpy(g->laddr, r->p + r->at, 16);
	memcpy(g->raddr, r->p + r->at + 16, 16);
	r->at += 32;
	g->ts = r64(r);
	g->size = r64(r);
	g->captured = r64(r);
	g->sock = r64(r);
	if ((g->proc != PT_PTX_NONE && g->proc >= x->nprocs) || g->dir > PT_PTX_D_IN)
		return bad(r, "DGRAM names a process or direction not in the file");
	if (g->captured > g->size || g->captured != r->len - r->at) {
		g->captured = 0;
		return bad(r, "DGRAM lengths do not add up");
	}
	g->data = rdup(r, g->captured, &ok);
	if (!ok)
		g->captured = 0;
	return ok ? 0 : oom(r);
}

static int rd_loss(struct rd *r, struct pt_ptx *x)
{
	if (r->len != SZ_LOSS)
		return bad(r, "LOSS section has the wrong size");
	for (int k = 0; k < 4; k++)
		x->lost[k] = r64(r);
	x->corrupt = r64(r);
	x->malformed = r64(r);
	return 0;
}

static int rd_twin(struct rd *r, struct pt_ptx *x)
{
	__u32 a, b;

	if (r->len != SZ_TWIN)
		return bad(r, "TWIN section has the wrong size");
	a = r32(r);
	b = r32(r);
	if (a >= x->nconns || b >= x->nconns || a == b)
		return bad(r, "TWIN names connections not in the file");
	if (x->conns[a].twin != PT_PTX_NONE || x->conns[b].twin != PT_PTX_NONE)
		return bad(r, "TWIN links a connection twice");
	pt_ptx_link_twins(x, a, b);
	return 0;
}

/* A NUL-terminated string of exactly len bytes at the cursor (len 0 allowed when may_be_empty). */
static bool str_at(struct rd *r, __u32 len, bool may_be_empty)
{
	if (!len)
		return may_be_empty;
	return len <= r->len - r->at && !r->p[r->at + len - 1] && memchr(r->p + r->at, 0, len) == r->p + r->at + len - 1;
}

static int rd_host(struct rd *r, struct pt_ptx *x)
{
	struct pt_ptx_host *h;
	__u32 n, nl, hl, cl, h_idx, cnt;
	bool ok = true;

	if (!have(r, SZ_HOST))
		return bad(r, "HOST section too short");
	h = pt_ptx_add_host(x);
	if (!h)
		return oom(r);
	h_idx = x->nhosts - 1;
	n = r32(r);
	h->argc = r32(r);
	h->nenv = r32(r);
	h->exit_status = (__s32)r32(r);
	nl = r32(r);
	hl = r32(r);
	cl = r32(r);
	h->argv_len = r32(r);
	h->env_len = r32(r);
	r32(r);
	h->netns_ino = r64(r);
	if ((__u64)nl + hl + cl + h->argv_len + h->env_len + (__u64)n * 4 != r->len - r->at ||
	    nl > sizeof(h->name) || hl > sizeof(h->hostname) || !str_at(r, nl, false)) {
		h->argv_len = h->env_len = 0;
		return bad(r, "HOST lengths do not add up");
	}
	memcpy(h->name, r->p + r->at, nl);
	r->at += nl;
	if (!str_at(r, hl, false)) {
		h->argv_len = h->env_len = 0;
		return bad(r, "HOST host name is not a string");
	}
	memcpy(h->hostname, r->p + r->at, hl);
	r->at += hl;
	if (!str_at(r, cl, true) || !strings_ok(r->p + r->at + cl, h->argv_len, &cnt) || cnt != h->argc ||
	    !strings_ok(r->p + r->at + cl + h->argv_len, h->env_len, &cnt) || cnt != h->nenv) {
		h->argv_len = h->env_len = 0;
		return bad(r, "HOST command, directory or environment are not strings");
	}
	h->cwd = rdup(r, cl, &ok);
	h->argv = rdup(r, h->argv_len, &ok);
	h->env = rdup(r, h->env_len, &ok);
	if (!ok)
		return oom(r);
	for (__u32 i = 0; i < n; i++) {
		__u32 p = r32(r);

		if (p >= x->nprocs || x->procs[p].host != PT_PTX_NONE)
			return bad(r, "HOST names a process not in the file, or one already in a host");
		x->procs[p].host = h_idx;
	}
	return 0;
}

/* Checks that need the whole file: META and ARGV are there (ARGV may be empty), parents exist and form no cycle. */
static int rd_finish(struct rd *r, struct pt_ptx *x, bool have_meta, bool have_argv)
{
	if (!have_meta)
		return bad(r, "no META section");
	if (!have_argv)
		return bad(r, "no ARGV section: the recorded command's argv is missing");
	__u8 *state;
	int rc = 0;

	/* every parent first: the cycle walk below follows them */
	for (__u32 i = 0; i < x->nprocs; i++)
		if (x->procs[i].parent != PT_PTX_NONE && x->procs[i].parent >= x->nprocs)
			return bad(r, "a process names a parent not in the file");
	/* no cycle, in O(n): a walk up stops at a process known good (2); meeting one of its
	 * own (1) is a cycle */
	state = calloc(x->nprocs ? x->nprocs : 1, 1);
	if (!state)
		return oom(r);
	for (__u32 i = 0; i < x->nprocs && !rc; i++) {
		__u32 p;

		for (p = i; p != PT_PTX_NONE && !state[p]; p = x->procs[p].parent)
			state[p] = 1;
		if (p != PT_PTX_NONE && state[p] == 1) {
			rc = bad(r, "the process tree has a cycle");
			break;
		}
		for (p = i; p != PT_PTX_NONE && state[p] == 1; p = x->procs[p].parent)
			state[p] = 2;
	}
	free(state);
	if (!rc && pt_ptx_index(x))
		rc = oom(r);
	return rc;
}

int pt_ptx_decode(const void *buf, size_t len, const char *name, struct pt_ptx **out, char *err, size_t errlen)
{
	const __u8 *file = buf;
	struct pt_ptx_filehdr h;
	struct libdeflate_decompressor *zd = NULL;
	struct pt_ptx *x = NULL;
	struct rd r = { .name = name, .err = err, .errlen = errlen };
	__u8 *raw = NULL;
	size_t at = 0, got = 0;
	bool have_meta = false, have_argv = false, have_env = false;
	int rc = 0;

	*out = NULL;
	if (len < sizeof(h)) {
		snprintf(err, errlen, "%s: not a provtap recording: %zu bytes, shorter than the %zu-byte header%s",
			 name, len, sizeof(h), len >= 8 && !memcmp(buf, PT_PTX_MAGIC, 8) ? " (truncated)" : "");
		return -EBADMSG;
	}
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, PT_PTX_MAGIC, 8)) {
		snprintf(err, errlen, "%s: not a provtap recording (no PROVTAPX magic at offset 0)", name);
		return -EBADMSG;
	}
	if (h.hdr_crc != libdeflate_crc32(0, &h, offsetof(struct pt_ptx_filehdr, hdr_crc))) {
		snprintf(err, errlen, "%s: corrupt recording: header checksum mismatch (offset 0..63)", name);
		return -EBADMSG;
	}
	if (h.version < PT_PTX_VERSION_MIN || h.version > PT_PTX_VERSION) {
		snprintf(err, errlen, "%s: recording format version %u; this provtap reads versions %d to %d",
			 name, h.version, PT_PTX_VERSION_MIN, PT_PTX_VERSION);
		return -EPROTO;
	}
	if (h.hdr_len != sizeof(h)) {
		snprintf(err, errlen, "%s: corrupt recording: header length %u, expected %zu", name, h.hdr_len,
			 sizeof(h));
		return -EBADMSG;
	}
	if (h.comp_len != len - sizeof(h)) {
		snprintf(err, errlen, "%s: %s recording: the header announces %llu bytes of body, the file has %zu",
			 name, h.comp_len > len - sizeof(h) ? "truncated" : "corrupt",
			 (unsigned long long)h.comp_len, len - sizeof(h));
		return -EBADMSG;
	}
	/* DEFLATE cannot expand more than ~1032:1: a larger raw_len is a lie */
	if (h.raw_len > PT_PTX_RAW_MAX || h.raw_len > h.comp_len * 1040 + 4096) {
		snprintf(err, errlen, "%s: corrupt recording: impossible body size %llu", name,
			 (unsigned long long)h.raw_len);
		return -EBADMSG;
	}
	if (h.comp_crc != libdeflate_crc32(0, file + sizeof(h), h.comp_len)) {
		snprintf(err, errlen, "%s: corrupt recording: body checksum mismatch (bytes %zu..%zu)", name,
			 sizeof(h), len);
		return -EBADMSG;
	}
	raw = malloc(h.raw_len ? h.raw_len : 1);
	zd = libdeflate_alloc_decompressor();
	x = pt_ptx_new();
	if (!raw || !zd || !x) {
		snprintf(err, errlen, "%s: out of memory (%llu bytes)", name, (unsigned long long)h.raw_len);
		rc = -ENOMEM;
		goto cleanup;
	}
	if (libdeflate_deflate_decompress(zd, file + sizeof(h), h.comp_len, raw, h.raw_len, &got) !=
		    LIBDEFLATE_SUCCESS || got != h.raw_len ||
	    h.raw_crc != libdeflate_crc32(0, raw, h.raw_len)) {
		snprintf(err, errlen, "%s: corrupt recording: the body does not inflate to its %llu checksummed bytes",
			 name, (unsigned long long)h.raw_len);
		rc = -EBADMSG;
		goto cleanup;
	}
	x->flags = h.flags;
	x->version = h.version;
	r.version = h.version;
	for (__u32 i = 0; i < h.nsections; i++) {
		struct pt_ptx_sect s;

		if (h.raw_len - at < sizeof(s)) {
			r.base = at;
			rc = bad(&r, "a section header runs past the body");
			goto cleanup;
		}
		memcpy(&s, raw + at, sizeof(s));
		at += sizeof(s);
		r.base = at;
		r.at = 0;
		if (s.len > h.raw_len - at) {
			rc = bad(&r, "a section runs past the body");
			goto cleanup;
		}
		r.p = raw + at;
		r.len = s.len;
		switch (s.type) {
		case PT_PTX_S_ABOUT: rc = 0; break;
		case PT_PTX_S_META: rc = rd_meta(&r, x); have_meta = !rc; break;
		case PT_PTX_S_ARGV: rc = rd_strings(&r, "ARGV", &have_argv, &x->argv, &x->argc, &x->argv_len); break;
		case PT_PTX_S_ENV: rc = rd_strings(&r, "ENV", &have_env, &x->env, &x->nenv, &x->env_len); break;
		case PT_PTX_S_PROC: rc = rd_proc(&r, x); break;
		case PT_PTX_S_EXEC: rc = rd_exec(&r, x); break;
		case PT_PTX_S_FILE: rc = rd_file(&r, x); break;
		case PT_PTX_S_CONN: rc = rd_conn(&r, x); break;
		case PT_PTX_S_STREAM: rc = rd_stream(&r, x); break;
		case PT_PTX_S_EVENTS: rc = rd_events(&r, x); break;
		case PT_PTX_S_DGRAM: rc = rd_dgram(&r, x); break;
		case PT_PTX_S_LOSS: rc = rd_loss(&r, x); break;
		case PT_PTX_S_TWIN: rc = rd_twin(&r, x); break;
		case PT_PTX_S_HOST: rc = rd_host(&r, x); break;
		default: rc = 0; break;	/* a later addition: skipped */
		}
		if (rc)
			goto cleanup;
		at += s.len;
	}
	r.base = at;
	r.at = 0;
	if (at != h.raw_len) {
		rc = bad(&r, "bytes after the last section");
		goto cleanup;
	}
	rc = rd_finish(&r, x, have_meta, have_argv);
	if (rc)
		goto cleanup;
	*out = x;
	x = NULL;
cleanup:
	libdeflate_free_decompressor(zd);
	free(raw);
	pt_ptx_free(x);
	return rc;
}

int pt_ptx_read(const char *path, struct pt_ptx **out, char *err, size_t errlen)
{
	struct stat st;
	__u8 *buf = NULL;
	size_t done = 0;
	int fd, rc;

	*out = NULL;
	/* O_NONBLOCK: a FIFO is refused below instead of waiting for a writer (regular files ignore it) */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(-rc));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
		goto cleanup;
	}
	if ((__u64)st.st_size > PT_PTX_RAW_MAX + sizeof(struct pt_ptx_filehdr)) {
		rc = -EFBIG;
		snprintf(err, errlen, "%s: %lld bytes, too large for a recording", path, (long long)st.st_size);
		goto cleanup;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
			goto cleanup;
		}
		if (!n)
			break;
		done += (size_t)n;
	}
	rc = pt_ptx_decode(buf, done, path, out, err, errlen);
cleanup:
	free(buf);
	close(fd);
	return rc;
}
