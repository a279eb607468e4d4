// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * graph_expand_proc.c — the expanders of processes, files and sockets
 * (graph_int.h): a process's lineage and the files and connection bytes it
 * read (why) or its children and what it wrote and sent (impact), a file's
 * writers or readers, a socket's senders or readers. Reads and writes are
 * grouped per (process, object): one edge each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "query/graph_int.h"
#include "query/procview.h"

int pt_gproc_cands(struct pt_gcands *cs, const struct pt_ggrps *gs, __u8 ekind, bool out, bool file)
{
	for (size_t i = 0; i < gs->n; i++) {
		const struct pt_ggrp *g = &gs->v[i];
		struct pt_gcand *k;

		if (g->obj == PT_PM_NONE)
			continue;
		k = pt_gcand_new(cs, PT_V_PROC, ekind, out, g->ts0);
		if (!k)
			return -ENOMEM;
		k->proc = g->proc;
		k->t = out ? g->ts0 : g->ts1;
		pt_gio_label(k, g, file);
	}
	return 0;
}

/* Count object o among the inputs or outputs that cannot be followed, and name its kind once. */
static void nofollow(struct pt_gcands *cs, const struct pt_pm_obj *o)
{
	static const char *const kinds[] = { "unresolved object", "file without a known path", "directory", "pipe",
					     "socket outside a connection", "character device", "other object" };
	const char *k = o->kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[o->kind] : "object";

	cs->nofollow++;
	if (!strstr(cs->nofollow_what, k))
		pt_gaddf(cs->nofollow_what, sizeof(cs->nofollow_what), "%s%s", cs->nofollow_what[0] ? ", " : "", k);
}

/*
 * The files process proc opened within [t0, t1) read-only (in) or for writing
 * (!in) on which no call of it in that direction is in gs: "opened" edges, so
 * that an input read through mmap (or an output written so) is not lost. A
 * file opened O_RDWR and never read is left out of why: it is far more often
 * an output than a mapped input.
 */
static int proc_opens(struct pt_gwalk *w, struct pt_gcands *cs, __u32 proc, bool in, __u64 t0, __u64 t1,
		      const __u32 *objs, size_t nobj, const struct pt_ggrps *gs)
{
	for (size_t i = 0; i < nobj; i++) {
		const struct pt_pm_obj *o = pt_procmodel_obj(w->m, objs[i]);
		__u32 acc = o->open_flags & O_ACCMODE;
		struct pt_gcand *k;
		bool seen = false;

		if (o->kind != PT_FK_FILE || !o->path || o->begin != PT_PMB_OPEN || o->creator != proc ||
		    o->first_ts < t0 || o->first_ts >= t1 || (in ? acc != O_RDONLY : acc == O_RDONLY))
			continue;
		for (size_t j = 0; j < gs->n && !seen; j++)
			seen = gs->v[j].obj == objs[i];
		if (seen)
			continue;
		k = pt_gcand_new(cs, PT_V_FILE, PT_GE_OPENED, !in, o->first_ts);
		if (!k)
			return -ENOMEM;
		k->path = o->path;
		k->t = in ? o->first_ts + 1 : o->first_ts;
		snprintf(k->label, sizeof(k->label), "%s, no %s seen", acc == O_RDONLY ? "O_RDONLY" :
			 acc == O_WRONLY ? "O_WRONLY" : "O_RDWR", in ? "read" : "write");
	}
	return 0;
}

/* Calls of process proc on its objects in dir within [t0, t1): files, connection bytes, the rest counted. */
static int proc_io(struct pt_gwalk *w, struct pt_gcands *cs, __u32 proc, __u8 dir, __u64 t0, __u64 t1)
{
	bool in = dir == PT_DIR_IN;
	struct pt_ggrps gs = { 0 };
	__u32 *objs = NULL;
	size_t nobj = 0;
	int rc;

	rc = pt_pv_proc_objs(w->l, proc, &objs, &nobj);
	for (size_t i = 0; !rc && i < nobj; i++)
		rc = pt_gcollect(w, objs[i], dir, proc, t0, t1, 0, 0, &gs);
	for (size_t i = 0; !rc && i < gs.n; i++) {
		const struct pt_ggrp *g = &gs.v[i];
		const struct pt_pm_obj *o = pt_procmodel_obj(w->m, g->obj);
		const struct pt_pm_conn *c = o->conn != PT_PM_NONE ? pt_procmodel_conn(w->m, o->conn) : NULL;
		struct pt_gcand *k;

		if (o->kind == PT_FK_FILE && o->path) {
			k = pt_gcand_new(cs, PT_V_FILE, in ? PT_GE_READ : PT_GE_WROTE, !in, g->ts0);
			if (!k) {
				rc = -ENOMEM;
				break;
			}
			k->path = o->path;
			k->t = in ? g->ts1 + 1 : g->ts0;	/* why: writes before its last read; impact: from its first write */
			pt_gio_label(k, g, true);
		} else if (c && pt_gend_of(c, g->obj) >= 0) {
			k = pt_gcand_new(cs, in ? PT_V_RECV : PT_V_CONN, in ? PT_GE_READ : PT_GE_SENT, !in, g->ts0);
			if (!k) {
				rc = -ENOMEM;
				break;
			}
			k->conn = o->conn;
			k->side = pt_gend_of(c, g->obj);
			k->r0 = g->r0;
			k->r1 = g->r1;
			pt_gio_label(k, g, false);
		} else {
			nofollow(cs, o);
		}
	}
	if (!rc)
		rc = proc_opens(w, cs, proc, in, t0, t1, objs, nobj, &gs);
	free(objs);
	free(gs.v);
	return rc;
}

int pt_gexpand_proc(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at)
{
	const struct pt_pm_proc *p = pt_procmodel_proc(w->m, at->proc);
	struct pt_gcand *k;
	char argv[320];

	if (!w->o->impact) {
		if (p->parent != PT_PM_NONE) {
			k = pt_gcand_new(cs, PT_V_PROC, PT_GE_FORKED, false, p->first_ts);
			if (!k)
				return -ENOMEM;
			k->proc = p->parent;
			k->t = p->first_ts;
			if (p->origin == PT_PMO_FORK)
				snprintf(k->label, sizeof(k->label), "by tid %u", p->fork_tid);
			else
				snprintf(k->label, sizeof(k->label), "(its parent; the fork was not recorded)");
		}
		for (size_t i = 0; i < p->nexecs; i++) {
			const struct pt_pm_exec *x = &p->execs[i];

			if (x->ts >= at->t)
				continue;
			k = pt_gcand_new(cs, PT_V_FILE, PT_GE_EXECUTED, false, x->ts);
			if (!k)
				return -ENOMEM;
			k->path = x->filename;
			k->t = x->ts;
			pt_gargv_text(x, argv, sizeof(argv));
			snprintf(k->label, sizeof(k->label), "%s%sby tid %u: %s", x->seeded ? "(running at load) " : "",
				 x->flags & PT_PRF_PATH_TRUNC ? "(path cut) " : "", x->tid, argv);
			pt_gaddjs(k->json, sizeof(k->json), "argv", argv);
		}
		return proc_io(w, cs, at->proc, PT_DIR_IN, 0, at->t);
	}
	for (size_t i = 0; i < p->nchildren; i++) {
		const struct pt_pm_proc *ch = pt_procmodel_proc(w->m, p->children[i]);

		if (ch->first_ts < at->t)
			continue;
		k = pt_gcand_new(cs, PT_V_PROC, PT_GE_FORKED, true, ch->first_ts);
		if (!k)
			return -ENOMEM;
		k->proc = p->children[i];
		k->t = ch->first_ts;
		snprintf(k->label, sizeof(k->label), "by tid %u", ch->fork_tid);
	}
	return proc_io(w, cs, at->proc, PT_DIR_OUT, at->t, PT_G_END);
}

/* Merge group h into g: the calls of one process on another object of the same file. */
static void grp_merge(struct pt_ggrp *g, const struct pt_ggrp *h)
{
	g->n += h->n;
	g->bytes += h->bytes;
	g->captured += h->captured;
	g->ts0 = h->ts0 < g->ts0 ? h->ts0 : g->ts0;
	g->ts1 = h->ts1 > g->ts1 ? h->ts1 : g->ts1;
	g->r0 = h->r0 < g->r0 ? h->r0 : g->r0;
	g->r1 = h->r1 > g->r1 ? h->r1 : g->r1;
	g->f0 = h->f0 >= 0 && g->f0 >= 0 ? (h->f0 < g->f0 ? h->f0 : g->f0) : -1;
	g->f1 = h->f1 >= 0 && g->f1 >= 0 ? (h->f1 > g->f1 ? h->f1 : g->f1) : -1;
	g->mixed |= h->mixed || h->call != g->call;
	g->trunc |= h->trunc;
	g->nocontent &= h->nocontent;
}

/* Processes writing (why) or reading (impact) file at.path, before / from at.t. */
int pt_gexpand_file(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at)
{
	bool impact = w->o->impact;
	struct pt_ggrps gs = { 0 };
	__u32 *objs;
	size_t nobjs;
	int rc = pt_gfile_objs(w, at->path, &objs, &nobjs);

	for (size_t i = 0; !rc && i < nobjs; i++)
		rc = pt_gcollect(w, objs[i], impact ? PT_DIR_IN : PT_DIR_OUT, PT_PM_NONE, impact ? at->t : 0,
				 impact ? PT_G_END : at->t, 0, 0, &gs);
	free(objs);
	/* one edge per process: merge its objects (each open is an object) into its first group */
	for (size_t i = 0; !rc && i < gs.n; i++) {
		if (gs.v[i].obj == PT_PM_NONE)
			continue;
		for (size_t j = i + 1; j < gs.n; j++) {
			if (gs.v[j].proc != gs.v[i].proc || gs.v[j].obj == PT_PM_NONE)
				continue;
			grp_merge(&gs.v[i], &gs.v[j]);
			gs.v[j].obj = PT_PM_NONE;
		}
	}
	if (!rc)
		rc = pt_gproc_cands(cs, &gs, impact ? PT_GE_READ : PT_GE_WROTE, impact, true);
	free(gs.v);
	return rc;
}

/* The processes that sent on socket at.obj (why) or read from it (impact). */
int pt_gexpand_sock(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at)
{
	bool impact = w->o->impact;
	struct pt_ggrps gs = { 0 };
	int rc = pt_gcollect(w, at->obj, impact ? PT_DIR_IN : PT_DIR_OUT, PT_PM_NONE, 0, PT_G_END, 0, 0, &gs);

	if (!rc)
		rc = pt_gproc_cands(cs, &gs, impact ? PT_GE_READ : PT_GE_SENT, impact, false);
	free(gs.v);
	return rc;
}
