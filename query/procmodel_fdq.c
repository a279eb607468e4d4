// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * procmodel_fdq.c — FD table queries of query/procmodel.h: a process's table
 * at a time, its whole history, an object's holders. Stored bindings are
 * read as they are; inherited ones never touched are derived from the
 * parent's table at the fork through the copy chain (procmodel_fd.c).
 */
#include <errno.h>
#include <stdlib.h>
#include "query/procmodel_int.h"

struct vbvec {
	struct pm_vb *v;
	size_t n, cap;
};

/* Append *x to v. 0 or -ENOMEM. */
static int vb_push(struct vbvec *v, const struct pm_vb *x)
{
	int rc = PM_RESERVE(v->v, v->cap, v->n + 1);

	if (!rc)
		v->v[v->n++] = *x;
	return rc;
}

/* Stored binding b as a pm_vb, cloexec_t as at t. */
static void vb_stored(const struct pt_procmodel *m, __u32 b, __u64 t, struct pm_vb *v)
{
	const struct pm_bnd *x = &m->bnds[b];

	*v = (struct pm_vb){
		.proc = x->proc, .obj = x->obj, .fd = x->fd, .src_fd = x->src_fd, .from = x->from, .to = x->to,
		.tid_begin = x->tid_begin, .tid_end = x->tid_end, .begin = x->begin, .end = x->end,
		.cloexec0 = x->cloexec0, .cloexec_t = pm_cx_at(m, x, t), .cloexec_end = x->cloexec, .bidx = b,
	};
}

/* Close-on-exec of v at t. */
static __u8 vb_cloexec_at(const struct pt_procmodel *m, const struct pm_vb *v, __u64 t)
{
	const struct pm_proc *p = &m->procs[v->proc];
	__u8 cx = v->cloexec0;

	if (v->bidx != NONE)
		return pm_cx_at(m, &m->bnds[v->bidx], t);
	for (size_t i = 0; i < p->ntev && p->tev[i].ts <= t; i++)
		if (p->tev[i].kind == PM_TEV_CLOEXEC && pm_tev_covers(&p->tev[i], v->fd))
			cx = 1;
	return cx;
}

/* Stored bindings of proc alive at t. */
static int stored_alive(const struct pt_procmodel *m, __u32 proc, __u64 t, struct vbvec *out)
{
	const struct pm_proc *p = &m->procs[proc];
	int rc;

	for (size_t i = 0; i < p->nfds; i++) {
		__u32 b = pm_stored_at(m, &p->fds[i], t);
		struct pm_vb v;

		if (b == NONE)
			continue;
		vb_stored(m, b, t, &v);
		if ((rc = vb_push(out, &v)))
			return rc;
	}
	return 0;
}

/* The table of proc at t (stored and derived bindings alive at t, cloexec_t at t) into *out (empty on entry). */
static int table_at(const struct pt_procmodel *m, __u32 proc, __u64 t, struct vbvec *out)
{
	struct vbvec cur = { 0 }, next = { 0 };
	__u32 *chain = NULL;
	__u64 *at = NULL;
	size_t n = 0, cap = 0, acap = 0;
	int rc;

	/* chain[0] = proc at t, chain[i + 1] = its tparent at chain[i]'s fork */
	for (__u32 c = proc; c != NONE;) {
		if ((rc = PM_RESERVE(chain, cap, n + 1)) || (rc = PM_RESERVE(at, acap, n + 1)))
			goto cleanup;
		chain[n] = c;
		at[n] = n ? m->procs[chain[n - 1]].fork_ts : t;
		n++;
		if (m->procs[c].tparent == NONE || at[n - 1] < m->procs[c].fork_ts)
			break;
		c = m->procs[c].tparent;
	}
	if ((rc = stored_alive(m, chain[n - 1], at[n - 1], &cur)))
		goto cleanup;
	for (size_t i = n - 1; i-- > 0;) {
		__u32 c = chain[i];

		next.n = 0;
		if ((rc = stored_alive(m, c, at[i], &next)))
			goto cleanup;
		for (size_t k = 0; k < cur.n; k++) {
			struct pm_vb v;

			if (pm_slot_of(&m->procs[c], cur.v[k].fd))
				continue;
			pm_vb_derive(m, c, &cur.v[k], at[i], &v);
			if (v.from <= at[i] && at[i] < v.to && (rc = vb_push(&next, &v)))
				goto cleanup;
		}
		struct vbvec tmp = cur;

		cur = next;
		next = tmp;
	}
	*out = cur;
	cur.v = NULL;
cleanup:
	free(cur.v);
	free(next.v);
	free(chain);
	free(at);
	return rc;
}

/* v as the public struct: cloexec as at the query time (at_t) or at its end. */
static void to_pub(const struct pm_vb *v, bool at_t, struct pt_pm_binding *b)
{
	*b = (struct pt_pm_binding){
		.proc = v->proc, .obj = v->obj, .fd = v->fd, .src_fd = v->src_fd, .from_ts = v->from,
		.to_ts = v->to, .tid_begin = v->tid_begin, .tid_end = v->tid_end, .begin = v->begin,
		.end = v->end, .cloexec_from = v->cloexec0, .cloexec = at_t ? v->cloexec_t : v->cloexec_end,
	};
}

/* By fd, then from_ts. */
static int cmp_fd_from(const void *a, const void *b)
{
	const struct pt_pm_binding *x = a, *y = b;

	if (x->fd != y->fd)
		return x->fd < y->fd ? -1 : 1;
	return x->from_ts < y->from_ts ? -1 : x->from_ts > y->from_ts;
}

/* By from_ts, process, fd. */
static int cmp_from_proc_fd(const void *a, const void *b)
{
	const struct pt_pm_binding *x = a, *y = b;

	if (x->from_ts != y->from_ts)
		return x->from_ts < y->from_ts ? -1 : 1;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

/* Hand v over as a sorted array of public bindings; frees v->v. */
static int publish(struct vbvec *v, bool at_t, int (*cmp)(const void *, const void *), struct pt_pm_binding **out,
		   size_t *n)
{
	struct pt_pm_binding *r = NULL;

	if (v->n && !(r = malloc(v->n * sizeof(*r)))) {
		free(v->v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < v->n; i++)
		to_pub(&v->v[i], at_t, &r[i]);
	if (v->n)
		qsort(r, v->n, sizeof(*r), cmp);
	*out = r;
	*n = v->n;
	free(v->v);
	return 0;
}

int pt_procmodel_fds(const struct pt_procmodel *m, __u32 proc, __u64 ts, struct pt_pm_binding **out, size_t *n)
{
	struct vbvec v = { 0 };
	int rc;

	*out = NULL;
	*n = 0;
	if (!m->finished || proc >= m->nprocs)
		return -EINVAL;
	if ((rc = table_at(m, proc, ts, &v))) {
		free(v.v);
		return rc;
	}
	return publish(&v, true, cmp_fd_from, out, n);
}

int pt_procmodel_fd_history(const struct pt_procmodel *m, __u32 proc, struct pt_pm_binding **out, size_t *n)
{
	const struct pm_proc *p;
	struct vbvec v = { 0 }, inh = { 0 };
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!m->finished || proc >= m->nprocs)
		return -EINVAL;
	p = &m->procs[proc];
	for (size_t i = 0; i < p->nfds; i++) {
		for (size_t k = 0; k < p->fds[i].n; k++) {
			struct pm_vb x;

			vb_stored(m, p->fds[i].hist[k], PT_PM_OPEN, &x);
			if ((rc = vb_push(&v, &x)))
				goto cleanup;
		}
	}
	if (p->tparent != NONE) {
		if ((rc = table_at(m, p->tparent, p->fork_ts, &inh)))
			goto cleanup;
		for (size_t k = 0; k < inh.n; k++) {
			struct pm_vb x;

			if (pm_slot_of(p, inh.v[k].fd))
				continue;
			pm_vb_derive(m, proc, &inh.v[k], PT_PM_OPEN, &x);
			if ((rc = vb_push(&v, &x)))
				goto cleanup;
		}
	}
	free(inh.v);
	return publish(&v, false, cmp_fd_from, out, n);
cleanup:
	free(inh.v);
	free(v.v);
	return rc;
}

int pt_procmodel_holders(const struct pt_procmodel *m, __u32 obj, struct pt_pm_binding **out, size_t *n)
{
	struct vbvec v = { 0 };
	int rc;

	*out = NULL;
	*n = 0;
	if (!m->finished || obj >= m->nobjs)
		return -EINVAL;
	for (__u32 b = m->objs[obj].bhead; b != NONE; b = m->bnds[b].next_obj) {
		struct pm_vb x;

		vb_stored(m, b, PT_PM_OPEN, &x);
		if ((rc = vb_push(&v, &x)))
			goto cleanup;
	}
	/* each holder's children forked while it held obj, that never touched the fd, hold it too:
	 * children are sorted by first_ts, which is fork_ts for the ones it forked (tparent), so
	 * only those forked in [from, to) are looked at (a fork-per-connection server has many) */
	for (size_t i = 0; i < v.n; i++) {
		const struct pm_proc *p = &m->procs[v.v[i].proc];
		size_t lo = 0, hi = p->pub.nchildren;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (m->procs[p->children[mid]].pub.first_ts < v.v[i].from)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k < p->pub.nchildren; k++) {
			__u32 c = p->children[k];
			const struct pm_proc *cp = &m->procs[c];
			struct pm_vb pv, x;

			if (cp->pub.first_ts >= v.v[i].to)
				break;
			if (cp->tparent != v.v[i].proc || cp->fork_ts < v.v[i].from || cp->fork_ts >= v.v[i].to ||
			    pm_slot_of(cp, v.v[i].fd))
				continue;
			pv = v.v[i];
			pv.cloexec_t = vb_cloexec_at(m, &v.v[i], cp->fork_ts);
			pm_vb_derive(m, c, &pv, PT_PM_OPEN, &x);
			if ((rc = vb_push(&v, &x)))
				goto cleanup;
		}
	}
	return publish(&v, false, cmp_from_proc_fd, out, n);
cleanup:
	free(v.v);
	return rc;
}
