// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * graph_model.c — what the walk asks of the process model (graph_int.h):
 * the streams of a connection's ends and the mapping of byte offsets
 * between them through TCP sequence numbers, the calls of an object
 * grouped per process, files by path, and the packet records of the
 * connections crossed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "query/graph_int.h"

const struct pt_pm_conn *pt_gconn_of(const struct pt_gwalk *w, __u32 conn)
{
	return conn == PT_PM_NONE ? &w->fake : pt_procmodel_conn(w->m, conn);
}

int pt_gend_of(const struct pt_pm_conn *c, __u32 obj)
{
	return c->obj[0] == obj ? 0 : c->obj[1] == obj ? 1 : -1;
}

const struct pt_pm_stream *pt_gend_stream(const struct pt_gwalk *w, const struct pt_pm_conn *c, int k, __u8 dir)
{
	const struct pt_pm_stream *s;

	if (c->obj[k] == PT_PM_NONE)
		return NULL;
	s = pt_procmodel_stream(w->m, c->obj[k], dir);
	return s && s->mode != PT_PMS_NONE ? s : NULL;
}

bool pt_gseq_of(const struct pt_gwalk *w, const struct pt_pm_conn *c, int s, __u64 off, bool from_receiver,
		__u32 *seq)
{
	const struct pt_pm_stream *st = pt_gend_stream(w, c, from_receiver ? 1 - s : s,
						       from_receiver ? PT_DIR_IN : PT_DIR_OUT);

	if (!st || st->mode != PT_PMS_SEQ)
		return false;
	*seq = st->origin_seq + (__u32)off;
	return true;
}

bool pt_goff_of(const struct pt_gwalk *w, const struct pt_pm_conn *c, int k, __u8 dir, __u32 seq, __u64 near,
		__u64 *off)
{
	const struct pt_pm_stream *st = pt_gend_stream(w, c, k, dir);
	__s64 d;

	if (!st)
		return false;
	if (st->mode != PT_PMS_SEQ) {
		*off = near;
		return true;
	}
	d = (__s32)(seq - (st->origin_seq + (__u32)near));
	*off = (__u64)((__s64)near + d);
	return (__s64)near + d >= 0;
}

bool pt_gmap_range(const struct pt_gwalk *w, const struct pt_pm_conn *c, int s, bool to_receiver, __u64 r0,
		   __u64 r1, __u64 *o0, __u64 *o1)
{
	__u32 seq;
	__u64 x;

	if (c->kind == PT_PMC_SOCKETPAIR) {
		*o0 = r0;
		*o1 = r1;
		return pt_gend_stream(w, c, to_receiver ? 1 - s : s, to_receiver ? PT_DIR_IN : PT_DIR_OUT) != NULL;
	}
	if (!pt_gseq_of(w, c, s, r0, !to_receiver, &seq))
		return false;
	if (!pt_goff_of(w, c, to_receiver ? 1 - s : s, to_receiver ? PT_DIR_IN : PT_DIR_OUT, seq, r0, &x))
		return false;
	*o0 = x;
	*o1 = x + (r1 - r0);
	return true;
}

const struct pt_pm_call *pt_gcovering(const struct pt_gwalk *w, const struct pt_pm_conn *c, int k, __u8 dir,
				      __u64 off)
{
	const struct pt_pm_stream *s = pt_gend_stream(w, c, k, dir);

	for (__u64 i = 0; s && i < s->ncalls; i++)
		if (s->calls[i].size && s->calls[i].off <= off && off < s->calls[i].off + s->calls[i].size)
			return &s->calls[i];
	return NULL;
}

bool pt_gcall_trunc(const struct pt_pm_call *c)
{
	return c->flags & (PT_DAF_TRUNC | PT_DAF_FAULT | PT_DAF_IOV_TRUNC | PT_DAF_MMSG_TRUNC) ||
	       (c->captured && c->captured < c->size);
}

/* The file position after a call at pos (>= 0) of size bytes; INT64_MAX past it (a crafted
 * record: the kernel refuses positions that overflow). */
static __s64 fpos_end(__s64 pos, __u64 size)
{
	return size > (__u64)(INT64_MAX - pos) ? INT64_MAX : pos + (__s64)size;
}

static void grp_add(struct pt_ggrp *g, const struct pt_pm_call *c)
{
	if (!g->n) {
		g->r0 = c->off;
		g->r1 = c->off + c->size;
		g->ts0 = c->ts;
		g->tid = c->tid;
		g->call = c->call;
		g->f0 = c->fpos;
		g->f1 = c->fpos >= 0 ? fpos_end(c->fpos, c->size) : -1;
		g->nocontent = true;
	}
	g->n++;
	g->bytes += c->size;
	g->captured += c->captured;
	g->r0 = c->off < g->r0 ? c->off : g->r0;
	g->r1 = c->off + c->size > g->r1 ? c->off + c->size : g->r1;
	g->ts1 = c->ts > g->ts1 ? c->ts : g->ts1;
	if (c->fpos >= 0 && g->f0 >= 0) {
		g->f0 = c->fpos < g->f0 ? c->fpos : g->f0;
		g->f1 = fpos_end(c->fpos, c->size) > g->f1 ? fpos_end(c->fpos, c->size) : g->f1;
	} else {
		g->f0 = g->f1 = -1;
	}
	g->mixed |= c->call != g->call;
	g->trunc |= pt_gcall_trunc(c);
	g->nocontent &= !c->captured;
}

static struct pt_ggrp *grps_get(struct pt_ggrps *gs, __u32 proc, __u32 obj)
{
	struct pt_ggrp *nv;

	for (size_t i = 0; i < gs->n; i++)
		if (gs->v[i].proc == proc && gs->v[i].obj == obj)
			return &gs->v[i];
	nv = realloc(gs->v, (gs->n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	gs->v = nv;
	memset(&gs->v[gs->n], 0, sizeof(gs->v[gs->n]));
	gs->v[gs->n].proc = proc;
	gs->v[gs->n].obj = obj;
	return &gs->v[gs->n++];
}

int pt_gcollect(const struct pt_gwalk *w, __u32 obj, __u8 dir, __u32 proc, __u64 t0, __u64 t1, __u64 r0, __u64 r1,
		struct pt_ggrps *gs)
{
	const struct pt_pm_stream *s = pt_procmodel_stream(w->m, obj, dir);

	for (__u64 i = 0; s && i < s->ncalls; i++) {
		const struct pt_pm_call *c = &s->calls[i];
		struct pt_ggrp *g;

		if (!c->size || c->ts < t0 || c->ts >= t1 || (proc != PT_PM_NONE && c->proc != proc))
			continue;
		if (r1 > r0 && (c->off >= r1 || c->off + c->size <= r0))
			continue;
		g = grps_get(gs, c->proc, obj);
		if (!g)
			return -ENOMEM;
		grp_add(g, c);
	}
	return 0;
}

struct devino {
	__u64 ino;
	__u32 dev;
};

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_devino(const void *a, const void *b)
{
	const struct devino *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->dev < y->dev ? -1 : x->dev > y->dev;
}

int pt_gfile_objs(const struct pt_gwalk *w, const char *path, __u32 **out, size_t *n)
{
	__u32 nobj = pt_procmodel_nobjs(w->m), *v = NULL;
	struct devino *ids = NULL, key;
	size_t nid = 0, nv = 0;

	*out = NULL;
	*n = 0;
	/* the inodes opened under path: other objects of one of them are the file too */
	for (__u32 i = 0; i < nobj; i++) {
		const struct pt_pm_obj *o = pt_procmodel_obj(w->m, i);

		if (!o->path || strcmp(o->path, path))
			continue;
		if (!v && !(v = malloc(nobj * sizeof(*v))))
			goto nomem;
		v[nv++] = i;
		if (o->kind != PT_FK_FILE || !o->ino)
			continue;
		if (!ids && !(ids = malloc(nobj * sizeof(*ids))))
			goto nomem;
		ids[nid++] = (struct devino){ .ino = o->ino, .dev = o->dev };
	}
	if (nid) {
		qsort(ids, nid, sizeof(*ids), cmp_devino);
		for (__u32 i = 0; i < nobj; i++) {
			const struct pt_pm_obj *o = pt_procmodel_obj(w->m, i);

			if (o->kind != PT_FK_FILE || !o->ino || (o->path && !strcmp(o->path, path)))
				continue;	/* (a path match is in v already) */
			key = (struct devino){ .ino = o->ino, .dev = o->dev };
			if (bsearch(&key, ids, nid, sizeof(*ids), cmp_devino))
				v[nv++] = i;
		}
		/* ascending object order, as the scan by index gave */
		qsort(v, nv, sizeof(*v), cmp_u32);
	}
	free(ids);
	*out = v;
	*n = nv;
	return 0;
nomem:
	free(v);
	free(ids);
	return -ENOMEM;
}

struct pt_gflow *pt_gflow_of(struct pt_gwalk *w, __u32 conn, int *rc)
{
	const struct pt_pm_conn *c = pt_gconn_of(w, conn);
	struct pt_gflow *nf, *f;

	*rc = 0;
	if (c->kind != PT_PMC_TCP)
		return NULL;
	for (size_t i = 0; i < w->nflows; i++)
		if (w->flows[i].conn == conn)
			return &w->flows[i];
	nf = realloc(w->flows, (w->nflows + 1) * sizeof(*nf));
	if (!nf) {
		*rc = -ENOMEM;
		return NULL;
	}
	w->flows = nf;
	f = &w->flows[w->nflows];
	*rc = pt_gflow_load(w->o->store_dir, c, conn, f, w->err, w->errlen);
	if (*rc)
		return NULL;
	w->nflows++;
	if (f->capped && (*rc = pt_gwarn(w, "conn:%s: more than %u packet records; later ones were not read", c->id,
					 PT_GRAPH_PKTS_MAX)))
		return NULL;
	return f;
}
