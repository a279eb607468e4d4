// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "userland/ptx_build.h"

static __u64 rel(const struct pt_ptx_build_opts *o, __u64 ts)
{
	return ts > o->origin_boot_ns ? ts - o->origin_boot_ns : 0;
}

static char *dupn(const void *p, size_t n)
{
	char *d = malloc(n ? n : 1);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

static int add_procs(const struct pt_procmodel *m, const struct pt_ptx_build_opts *o, struct pt_ptx *x)
{
	size_t n = pt_procmodel_nprocs(m);

	for (__u32 i = 0; i < n; i++) {
		const struct pt_pm_proc *mp = pt_procmodel_proc(m, i);
		struct pt_ptx_proc *p = pt_ptx_add_proc(x);

		if (!p)
			return -ENOMEM;
		p->parent = mp->parent == PT_PM_NONE ? PT_PTX_NONE : mp->parent;
		p->pid = mp->pid;
		p->ppid = mp->ppid;
		p->start_ts = rel(o, mp->first_ts);
		p->exit_ts = mp->exited ? rel(o, mp->exit_ts) : PT_PTX_OPEN;
		p->exit_status = mp->exit_status;
		p->flags = (mp->exited ? PT_PTX_P_EXITED : 0) | (mp->signaled ? PT_PTX_P_SIGNALED : 0) |
			   (mp->parent == PT_PM_NONE ? PT_PTX_P_ROOT : 0);
		if (mp->ncomms)
			memcpy(p->comm, mp->comms[mp->ncomms - 1].comm, sizeof(p->comm) - 1);
		if (!mp->nexecs)
			continue;
		p->execs = calloc(mp->nexecs, sizeof(*p->execs));
		if (!p->execs)
			return -ENOMEM;
		for (size_t k = 0; k < mp->nexecs; k++) {
			const struct pt_pm_exec *me = &mp->execs[k];
			struct pt_ptx_exec *e = &p->execs[k];

			p->nexecs = (__u32)k + 1;
			e->ts = rel(o, me->ts);
			e->argc = me->argc;
			e->flags = me->flags;
			e->filename = strdup(me->filename ? me->filename : "");
			e->argv = dupn(me->argv, me->argv_len);
			e->argv_len = me->argv_len;
			if (!e->filename || !e->argv)
				return -ENOMEM;
		}
	}
	return 0;
}

static int add_files(const struct pt_procmodel *m, const struct pt_ptx_build_opts *o, struct pt_ptx *x)
{
	size_t n = pt_procmodel_nobjs(m);

	for (__u32 i = 0; i < n; i++) {
		const struct pt_pm_obj *ob = pt_procmodel_obj(m, i);
		struct pt_ptx_file *f;

		if (ob->begin != PT_PMB_OPEN || !ob->path || ob->creator >= x->nprocs)
			continue;
		f = pt_ptx_add_file(x);
		if (!f)
			return -ENOMEM;
		f->proc = ob->creator;
		f->open_flags = ob->open_flags;
		f->dirfd = ob->open_dirfd;
		f->ts = rel(o, ob->first_ts);
		f->path = strdup(ob->path);
		if (!f->path)
			return -ENOMEM;
	}
	return 0;
}

/* Append a gap to s, merging with the previous one of the same kind. 0 or -ENOMEM. */
static int add_gap(struct pt_ptx_stream *s, __u32 *cap, __u64 off, __u64 len, __u8 kind)
{
	if (!len)
		return 0;
	if (s->ngaps && s->gaps[s->ngaps - 1].kind == kind && s->gaps[s->ngaps - 1].off + s->gaps[s->ngaps - 1].len == off) {
		s->gaps[s->ngaps - 1].len += len;
		return 0;
	}
	if (s->ngaps == *cap) {
		__u32 nc = *cap ? *cap * 2 : 4;
		struct pt_ptx_gaprange *g = realloc(s->gaps, nc * sizeof(*g));

		if (!g)
			return -ENOMEM;
		s->gaps = g;
		*cap = nc;
	}
	s->gaps[s->ngaps++] = (struct pt_ptx_gaprange){ .off = off, .len = len, .kind = kind };
	return 0;
}

/*
 * Where the bytes of a local socket's stream end: the end of its last call
 * that moved bytes. Not the model's stream end: a read that returns
 * end-of-stream reports copied_seq after the FIN, which counts one sequence
 * number, so it sits one past the last byte. ~0 when no call moved bytes.
 */
static __u64 data_end(const struct pt_procmodel *m, __u32 obj, __u8 mdir)
{
	const struct pt_pm_stream *st = pt_procmodel_stream(m, obj, mdir);
	__u64 end = 0;
	bool any = false;

	for (size_t i = 0; st && i < st->ncalls; i++) {
		if (st->calls[i].size && st->calls[i].off + st->calls[i].size > end)
			end = st->calls[i].off + st->calls[i].size;
		any = any || st->calls[i].size;
	}
	return any ? end : ~0ull;
}

/*
 * One direction of a connection from the model's assembled content, cut at
 * end. Bytes past limit (content_max, 0: none) are a PT_PTX_G_LIMIT gap; of
 * the rest, s->data holds those up to the last captured one (zero in gaps),
 * the gaps after it are marked but not stored: memory and file size stay
 * within limit however long the stream. 0 or -ENOMEM (s then holds what was
 * filled so far; the caller frees it with the recording).
 */
static int fill_stream(const struct pt_procmodel *m, __u32 conn, int side, __u64 end, __u64 limit,
		       struct pt_ptx_stream *s)
{
	struct pt_pm_range *r = NULL;
	__u64 keep, stored;
	size_t n = 0;
	__u32 cap = 0;
	int err;

	err = pt_procmodel_conn_content(m, conn, side, 0, end, &r, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		if (r[i].off + r[i].len > s->len)
			s->len = r[i].off + r[i].len;
	keep = limit && s->len > limit ? limit : s->len;
	/* stored: up to the last captured byte below keep */
	stored = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].gap == PT_PMG_DATA && r[i].off < keep)
			stored = r[i].off + r[i].len < keep ? r[i].off + r[i].len : keep;
	if (stored) {
		s->data = calloc(1, stored);	/* zero in gaps */
		if (!s->data) {
			err = -ENOMEM;
			goto cleanup;
		}
		s->stored = stored;
	}
	for (size_t i = 0; i < n && !err; i++) {
		__u64 off = r[i].off, len = r[i].len;

		if (off >= keep)
			continue;	/* a gap beyond the limit is reported as the limit's */
		if (off + len > keep)
			len = keep - off;
		if (r[i].gap != PT_PMG_DATA)
			err = add_gap(s, &cap, off, len, r[i].gap == PT_PMG_LIMIT ? PT_PTX_G_LIMIT : r[i].gap);
		else	/* below stored: it ends at the last of these */
			memcpy(s->data + off, r[i].bytes, len);
	}
	if (!err && keep < s->len)
		err = add_gap(s, &cap, keep, s->len - keep, PT_PTX_G_LIMIT);
cleanup:
	free(r);
	return err;
}

static int cmp_event(const void *a, const void *b)
{
	const struct pt_ptx_event *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The local socket's data calls, both directions, by time; offsets clipped to the streams. */
static int fill_events(const struct pt_procmodel *m, __u32 obj, const struct pt_ptx_build_opts *o,
		       struct pt_ptx_conn *c)
{
	static const __u8 mdir[2] = { [PT_PTX_D_OUT] = PT_DIR_OUT, [PT_PTX_D_IN] = PT_DIR_IN };
	size_t total = 0;

	for (int d = 0; d < 2; d++) {
		const struct pt_pm_stream *st = pt_procmodel_stream(m, obj, mdir[d]);

		total += st ? st->ncalls : 0;
	}
	if (!total)
		return 0;
	c->events = calloc(total, sizeof(*c->events));
	if (!c->events)
		return -ENOMEM;
	for (int d = 0; d < 2; d++) {
		const struct pt_pm_stream *st = pt_procmodel_stream(m, obj, mdir[d]);

		for (size_t i = 0; st && i < st->ncalls; i++) {
			const struct pt_pm_call *call = &st->calls[i];
			struct pt_ptx_event *e = &c->events[c->nevents];
			__u64 slen = c->dir[d].len;

			if (!call->size && d == PT_PTX_D_IN) {
				/* end of stream: after the last byte (see data_end) */
				e->ts = rel(o, call->ts);
				e->dir = (__u8)d;
				e->off = slen;
				c->flags |= PT_PTX_C_EOF_IN;
				c->nevents++;
				continue;
			}
			if (call->off > slen)	/* not in the assembled stream: nothing to replay */
				continue;
			e->ts = rel(o, call->ts);
			e->dir = (__u8)d;
			e->off = call->off;
			e->len = call->size > slen - call->off ? slen - call->off : call->size;
			c->nevents++;
		}
		if (st && !st->exact && st->ncalls)
			c->flags |= PT_PTX_C_INEXACT;
	}
	qsort(c->events, c->nevents, sizeof(*c->events), cmp_event);
	return 0;
}

/* The end of connection i at endpoint side, as a new entry of x; *out its index. 0 or -ENOMEM. */
static int add_end(const struct pt_pmload *l, const struct pt_ptx_build_opts *o, struct pt_ptx *x, __u32 i,
		   int side, __u32 *out)
{
	const struct pt_procmodel *m = l->m;
	const struct pt_pm_conn *mc = pt_procmodel_conn(m, i);
	const struct pt_pm_obj *ob = pt_procmodel_obj(m, mc->obj[side]);
	struct pt_ptx_conn *c = pt_ptx_add_conn(x);
	int err;

	if (!c)
		return -ENOMEM;
	*out = x->nconns - 1;
	c->proc = ob->creator < x->nprocs ? ob->creator : PT_PTX_NONE;
	c->role = ob->role == PT_PMR_CONNECT ? PT_PTX_R_CONNECT :
		  ob->role == PT_PMR_ACCEPT ? PT_PTX_R_ACCEPT : PT_PTX_R_UNKNOWN;
	c->family = mc->family;
	memcpy(c->laddr, mc->addr[side], 16);
	memcpy(c->raddr, mc->addr[1 - side], 16);
	c->lport = mc->port[side];
	c->rport = mc->port[1 - side];
	c->first_ts = rel(o, mc->first_ts);
	c->last_ts = rel(o, ob->last_ts);
	err = fill_stream(m, i, side, data_end(m, mc->obj[side], PT_DIR_OUT), o->content_max, &c->dir[PT_PTX_D_OUT]);
	if (!err)
		err = fill_stream(m, i, 1 - side, data_end(m, mc->obj[side], PT_DIR_IN), o->content_max,
				  &c->dir[PT_PTX_D_IN]);
	if (!err)
		err = fill_events(m, mc->obj[side], o, c);
	if (err)
		return err;
	if (c->dir[0].ngaps || c->dir[1].ngaps) {
		c->flags |= PT_PTX_C_TRUNC;
		x->flags |= PT_PTX_F_TRUNC;
	}
	if (l->lost_total || o->lost_uncounted)
		c->flags |= PT_PTX_C_LOST;
	return 0;
}

/*
 * Every TCP connection end seen here: one entry each; a connection whose two
 * ends were both seen gets two entries (the client's first) linked as twins.
 */
static int add_conns(const struct pt_pmload *l, const struct pt_ptx_build_opts *o, struct pt_ptx *x)
{
	const struct pt_procmodel *m = l->m;
	size_t n = pt_procmodel_nconns(m);

	for (__u32 i = 0; i < n; i++) {
		const struct pt_pm_conn *mc = pt_procmodel_conn(m, i);
		__u32 ends[2], nends = 0;
		int first, err;

		if (mc->kind != PT_PMC_TCP)
			continue;
		first = mc->client >= 0 ? mc->client : 0;
		for (int k = 0; k < 2; k++) {
			int side = k ? 1 - first : first;

			if (mc->obj[side] == PT_PM_NONE)
				continue;
			err = add_end(l, o, x, i, side, &ends[nends++]);
			if (err)
				return err;
		}
		if (nends == 2)
			pt_ptx_link_twins(x, ends[0], ends[1]);
	}
	return 0;
}

static int add_dgrams(const struct pt_procmodel *m, const struct pt_ptx_build_opts *o, struct pt_ptx *x)
{
	size_t n = pt_procmodel_nobjs(m);

	for (__u32 i = 0; i < n; i++) {
		const struct pt_pm_obj *ob = pt_procmodel_obj(m, i);

		if (ob->kind != PT_FK_SOCKET || ob->proto != IPPROTO_UDP ||
		    (ob->family != AF_INET && ob->family != AF_INET6))
			continue;
		for (int d = 0; d < 2; d++) {
			const struct pt_pm_stream *st = pt_procmodel_stream(m, i, d == PT_PTX_D_OUT ? PT_DIR_OUT : PT_DIR_IN);
			__u64 kept = 0;	/* bytes of this socket and direction kept so far: --content-max holds them */

			for (size_t k = 0; st && k < st->ncalls; k++) {
				const struct pt_pm_call *call = &st->calls[k];
				const struct pt_pm_peer *peer = call->peer != PT_PM_NONE ? pt_procmodel_peer(m, call->peer) : NULL;
				struct pt_pm_range *r = NULL;
				struct pt_ptx_dgram *g;
				size_t nr = 0;
				int err;

				g = pt_ptx_add_dgram(x);
				if (!g)
					return -ENOMEM;
				/* a process the model does not know is no process, never the root's */
				g->proc = call->proc < x->nprocs ? call->proc : PT_PTX_NONE;
				g->dir = (__u8)d;
				g->family = ob->family;
				memcpy(g->laddr, ob->laddr, 16);
				g->lport = ob->lport;
				memcpy(g->raddr, peer ? peer->addr : ob->raddr, 16);
				g->rport = peer ? peer->port : ob->rport;
				g->ts = rel(o, call->ts);
				g->size = call->size;
				g->sock = ob->ino;
				if (!call->size)
					continue;
				err = pt_procmodel_content(m, i, d == PT_PTX_D_OUT ? PT_DIR_OUT : PT_DIR_IN, call->off,
							   call->size, &r, &nr);
				if (err)
					return err;
				/* the datagram's leading captured bytes, as many as --content-max leaves room
				 * for (per socket and direction, as a TCP stream's); nothing after a gap */
				__u64 room = !o->content_max ? call->size :
					     o->content_max > kept ? o->content_max - kept : 0;

				g->data = malloc(call->size);
				for (size_t q = 0; g->data && q < nr && r[q].gap == PT_PMG_DATA &&
						   r[q].off == call->off + g->captured && g->captured < room; q++) {
					__u64 take = r[q].len < room - g->captured ? r[q].len : room - g->captured;

					memcpy(g->data + g->captured, r[q].bytes, take);
					g->captured += take;
				}
				free(r);
				if (!g->data)
					return -ENOMEM;
				kept += g->captured;
				if (g->captured < g->size)
					x->flags |= PT_PTX_F_TRUNC;
			}
		}
	}
	return 0;
}

int pt_ptx_build(const struct pt_pmload *l, const struct pt_ptx_build_opts *o, struct pt_ptx *x, char *err,
		 size_t errlen)
{
	int rc;

	rc = add_procs(l->m, o, x);
	if (!rc)
		rc = add_files(l->m, o, x);
	if (!rc)
		rc = add_conns(l, o, x);
	if (!rc)
		rc = add_dgrams(l->m, o, x);
	if (rc) {
		snprintf(err, errlen, "cannot build the recording: %s", strerror(-rc));
		return rc;
	}
	for (int k = 0; k < 4 && k < PT_PC_MAX; k++)
		x->lost[k] = l->lost[k];
	x->corrupt = l->corrupt;
	x->malformed = l->malformed;
	if (l->lost_total || o->lost_uncounted)
		x->flags |= PT_PTX_F_LOST;
	if (l->corrupt || l->malformed)
		x->flags |= PT_PTX_F_PARTIAL;
	return 0;
}
