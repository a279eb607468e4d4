// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * procmodel_fd.c — FD tables of query/procmodel.h.
 *
 * Storage. A process has slots (fd -> its bindings in time order, a hash
 * map) for the fds it has stored history of. A forked process starts with no
 * slots and a link to its parent's table at the fork (tparent, fork_ts): an
 * fd without a slot is whatever the parent had at the fork, changed only by
 * the process's table-wide events since (exec, close_range, exit: list tev).
 * The first call on such an fd "materializes" it: the inherited binding is
 * stored (with those events applied), in every process up the copy chain that
 * lacked it, and from then on the fd's history is stored. So a fork is O(1),
 * an exec or exit O(slots), and queries derive the rest (procmodel_fdq.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/close_range.h>
#include "query/procmodel_int.h"

/* ---- stored bindings ---- */

struct pm_fdslot *pm_slot_of(const struct pm_proc *p, __s32 fd)
{
	__u32 i = pm_map_get(&p->fdmap, (__u32)fd);

	return i == NONE ? NULL : &p->fds[i];
}

/* A new empty slot for fd in p (fd has none). *out valid until the next slot_new on p. 0 or -ENOMEM. */
static int slot_new(struct pm_proc *p, __s32 fd, struct pm_fdslot **out)
{
	int rc;

	if ((rc = PM_RESERVE(p->fds, p->cfds, p->nfds + 1)) || (rc = pm_map_put(&p->fdmap, (__u32)fd, (__u32)p->nfds)))
		return rc;
	*out = &p->fds[p->nfds++];
	memset(*out, 0, sizeof(**out));
	(*out)->fd = fd;
	return 0;
}

/* The open stored binding of fd in p, NONE if none. */
static __u32 cur_of(const struct pt_procmodel *m, const struct pm_proc *p, __s32 fd)
{
	const struct pm_fdslot *s = pm_slot_of(p, fd);

	if (!s || !s->n || m->bnds[s->hist[s->n - 1]].to != PT_PM_OPEN)
		return NONE;
	return s->hist[s->n - 1];
}

__u32 pm_stored_at(const struct pt_procmodel *m, const struct pm_fdslot *s, __u64 t)
{
	size_t lo = 0, hi = s ? s->n : 0;

	while (lo < hi) {	/* first binding with from > t */
		size_t mid = (lo + hi) / 2;

		if (m->bnds[s->hist[mid]].from <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || m->bnds[s->hist[lo - 1]].to <= t)
		return NONE;
	return s->hist[lo - 1];
}

__u8 pm_cx_at(const struct pt_procmodel *m, const struct pm_bnd *b, __u64 t)
{
	__u8 v = b->cloexec0;

	for (__u32 c = b->cx; c != NONE && m->cxs[c].ts <= t; c = m->cxs[c].next)
		v = m->cxs[c].val;
	return v;
}

/* Set stored binding b's close-on-exec bit to val at ts. 0 or -ENOMEM. */
static int cx_set(struct pt_procmodel *m, __u32 b, __u64 ts, __u8 val)
{
	__u32 c = (__u32)m->ncxs, *link;
	int rc;

	if (m->bnds[b].cloexec == val)
		return 0;
	if ((rc = PM_RESERVE(m->cxs, m->ccxs, m->ncxs + 1)))
		return rc;
	m->cxs[c] = (struct pm_cx){ .ts = ts, .next = NONE, .val = val };
	for (link = &m->bnds[b].cx; *link != NONE; link = &m->cxs[*link].next)
		;
	*link = c;
	m->ncxs++;
	m->bnds[b].cloexec = val;
	return 0;
}

/*
 * Store a new binding fd -> obj of proc from ts (open). The fd must have no
 * open binding. *out = its index if out. 0 or -ENOMEM (nothing changed).
 */
static int bnd_new(struct pt_procmodel *m, __u32 proc, __s32 fd, __u32 obj, __u64 ts, __u8 begin, __u8 cloexec,
		   __u32 tid, __s32 src_fd, __u32 *out)
{
	struct pm_proc *p = &m->procs[proc];
	struct pm_fdslot *s = pm_slot_of(p, fd);
	struct pm_obj *o = &m->objs[obj];
	__u32 b = (__u32)m->nbnds;
	int rc;

	if ((rc = PM_RESERVE(m->bnds, m->cbnds, m->nbnds + 1)) || (!s && (rc = slot_new(p, fd, &s))) ||
	    (rc = PM_RESERVE(s->hist, s->cap, s->n + 1)))
		return rc;
	m->bnds[b] = (struct pm_bnd){
		.from = ts, .to = PT_PM_OPEN, .proc = proc, .obj = obj, .fd = fd, .src_fd = src_fd,
		.next_obj = NONE, .cx = NONE, .tid_begin = tid, .begin = begin, .end = PT_PME_NONE,
		.cloexec0 = cloexec, .cloexec = cloexec,
	};
	if (o->btail == NONE)
		o->bhead = b;
	else
		m->bnds[o->btail].next_obj = b;
	o->btail = b;
	s->hist[s->n++] = b;
	m->nbnds++;
	if (out)
		*out = b;
	return 0;
}

/* End stored binding b at ts, how and by which thread. */
static void bnd_end(struct pt_procmodel *m, __u32 b, __u64 ts, __u8 end, __u32 tid)
{
	m->bnds[b].to = ts;
	m->bnds[b].end = end;
	m->bnds[b].tid_end = tid;
	if (end == PT_PME_LOST)
		m->st.lost++;
}

/* ---- copy-on-write ---- */

bool pm_tev_covers(const struct pm_tev *e, __s32 fd)
{
	return e->kind == PM_TEV_EXEC || e->kind == PM_TEV_EXIT || ((__u32)fd >= e->first && (__u32)fd <= e->last);
}

/* The end of a binding closed by a table event of this kind. */
static __u8 tev_end(__u8 kind)
{
	return kind == PM_TEV_EXEC ? PT_PME_CLOEXEC : kind == PM_TEV_CLOSE ? PT_PME_CLOSE_RANGE : PT_PME_EXIT;
}

void pm_vb_derive(const struct pt_procmodel *m, __u32 child, const struct pm_vb *pv, __u64 t, struct pm_vb *v)
{
	const struct pm_proc *c = &m->procs[child];
	__u8 cx = pv->cloexec_t;

	*v = (struct pm_vb){
		.proc = child, .obj = pv->obj, .fd = pv->fd, .src_fd = pv->fd, .from = c->fork_ts,
		.to = PT_PM_OPEN, .begin = PT_PMB_INHERIT, .end = PT_PME_NONE, .cloexec0 = cx, .cloexec_t = cx,
		.bidx = NONE,
	};
	for (size_t i = 0; i < c->ntev; i++) {
		const struct pm_tev *e = &c->tev[i];

		if (!pm_tev_covers(e, pv->fd))
			continue;
		if (e->kind == PM_TEV_CLOEXEC) {
			cx = 1;
			if (e->ts <= t)
				v->cloexec_t = 1;
			continue;
		}
		if (e->kind == PM_TEV_EXEC && !cx)
			continue;
		v->to = e->ts;
		v->end = tev_end(e->kind);
		v->tid_end = e->tid;
		break;
	}
	v->cloexec_end = cx;
}

/*
 * Give fd of proc stored history if it has none and its table was copied at a
 * fork: store what it inherited, in every process up the copy chain that has
 * no slot for fd (each gets a slot, maybe empty: "nothing inherited").
 * 0 or -ENOMEM.
 */
static int materialize(struct pt_procmodel *m, __u32 proc, __s32 fd)
{
	__u32 *chain = NULL, top = proc;
	size_t n = 0, cap = 0;
	int rc = 0;

	while (!pm_slot_of(&m->procs[top], fd) && m->procs[top].tparent != NONE) {
		if ((rc = PM_RESERVE(chain, cap, n + 1)))
			goto cleanup;
		chain[n++] = top;
		top = m->procs[top].tparent;
	}
	while (n--) {
		__u32 c = chain[n], parent = m->procs[c].tparent, pb;
		struct pm_fdslot *s;
		struct pm_vb pv, v;

		pb = pm_stored_at(m, pm_slot_of(&m->procs[parent], fd), m->procs[c].fork_ts);
		if (pb == NONE) {
			if ((rc = slot_new(&m->procs[c], fd, &s)))
				goto cleanup;
			continue;
		}
		pv = (struct pm_vb){ .obj = m->bnds[pb].obj, .fd = fd,
				     .cloexec_t = pm_cx_at(m, &m->bnds[pb], m->procs[c].fork_ts) };
		pm_vb_derive(m, c, &pv, PT_PM_OPEN, &v);
		if ((rc = bnd_new(m, c, fd, v.obj, v.from, PT_PMB_INHERIT, v.cloexec0, 0, fd, &pb)))
			goto cleanup;
		if (v.cloexec_end != v.cloexec0) {
			/* a close_range CLOSE_RANGE_CLOEXEC set it: when is in the events */
			for (size_t i = 0; i < m->procs[c].ntev; i++) {
				const struct pm_tev *e = &m->procs[c].tev[i];

				if (e->kind == PM_TEV_CLOEXEC && pm_tev_covers(e, fd)) {
					if ((rc = cx_set(m, pb, e->ts, 1)))
						goto cleanup;
					break;
				}
			}
		}
		if (v.to != PT_PM_OPEN) {
			m->bnds[pb].to = v.to;
			m->bnds[pb].end = v.end;
			m->bnds[pb].tid_end = v.tid_end;
		}
	}
cleanup:
	free(chain);
	return rc;
}

/* Add a table-wide event to proc if anybody inherits from it lazily. 0 or -ENOMEM. */
static int tev_add(struct pt_procmodel *m, __u32 proc, __u8 kind, __u64 ts, __u32 tid, __u32 first, __u32 last)
{
	struct pm_proc *p = &m->procs[proc];
	int rc;

	if (p->tparent == NONE)
		return 0;
	if ((rc = PM_RESERVE(p->tev, p->ctev, p->ntev + 1)))
		return rc;
	p->tev[p->ntev++] = (struct pm_tev){ .ts = ts, .tid = tid, .first = first, .last = last, .kind = kind };
	return 0;
}

/* ---- the calls ---- */

/*
 * Bind fd of proc to obj from ts: an open binding of fd ends first with
 * end_old (an fd the kernel handed out while the model had it open: LOST).
 */
static int bind_at(struct pt_procmodel *m, __u32 proc, __s32 fd, __u32 obj, __u64 ts, __u8 begin, __u8 cloexec,
		   __u32 tid, __s32 src_fd, __u8 end_old)
{
	__u32 old;
	int rc;

	if ((rc = materialize(m, proc, fd)))
		return rc;
	if ((old = cur_of(m, &m->procs[proc], fd)) != NONE)
		bnd_end(m, old, ts, end_old, tid);
	return bnd_new(m, proc, fd, obj, ts, begin, cloexec, tid, src_fd, NULL);
}

/*
 * A call that succeeded on fd without a binding, its object unresolved (the
 * kernel found no file behind fd at exit): if another thread of proc closed
 * fd last, the call was in flight across that close (it held the file) and
 * its object is the one closed. NONE otherwise.
 */
static __u32 closed_under(const struct pt_procmodel *m, __u32 proc, __s32 fd, __u32 tid)
{
	const struct pm_fdslot *s = pm_slot_of(&m->procs[proc], fd);
	const struct pm_bnd *b;

	if (!s || !s->n)
		return NONE;
	b = &m->bnds[s->hist[s->n - 1]];
	if (b->to == PT_PM_OPEN || (b->end != PT_PME_CLOSE && b->end != PT_PME_CLOSE_RANGE) || !b->tid_end ||
	    b->tid_end == tid)
		return NONE;
	return b->obj;
}

int pm_fd_obj(struct pt_procmodel *m, __u32 proc, __s32 fd, __u64 ts, __u32 tid, const struct pt_fdinfo *info,
	      bool create, __u32 *obj)
{
	__u32 b, o;
	int rc;

	*obj = NONE;
	if (fd < 0)
		return 0;
	if ((rc = materialize(m, proc, fd)))
		return rc;
	b = cur_of(m, &m->procs[proc], fd);
	if (b != NONE && create && pm_obj_mismatch(&m->objs[m->bnds[b].obj], info)) {
		bnd_end(m, b, ts, PT_PME_LOST, 0);
		b = NONE;
	}
	if (b == NONE && create && (!info || info->kind == PT_FK_NONE) && (o = closed_under(m, proc, fd, tid)) != NONE) {
		m->st.inflight++;
		*obj = o;
		return pm_obj_describe(m, o, NULL, ts);
	}
	if (b == NONE) {
		if (!create)
			return 0;
		if ((rc = pm_obj_unknown(m, PT_PMB_UNKNOWN, ts, proc, info, &o)) ||
		    (rc = bnd_new(m, proc, fd, o, ts, PT_PMB_UNKNOWN, 0, tid, -1, &b)))
			return rc;
		m->st.unknown_fd++;
	}
	*obj = m->bnds[b].obj;
	return pm_obj_describe(m, *obj, info, ts);
}

/* The fd a call created: newfd, else ret. */
static __s32 new_fd(const struct pt_sys *s)
{
	if (s->newfd >= 0)
		return s->newfd;
	return s->ret >= 0 && s->ret <= 0x7fffffff ? (__s32)s->ret : -1;
}

/* The path after an open/seed record, if obj has none yet (ENOMEM: left unknown). */
static void set_path(struct pt_procmodel *m, __u32 obj, const struct pt_sys *s)
{
	struct pt_pm_obj *o = &m->objs[obj].pub;
	const char *p = (const char *)(s + 1);

	if (!s->data_len || o->path)
		return;
	o->path = pm_strndup(m, p, strnlen(p, s->data_len));	/* NULL on ENOMEM: path unknown */
	o->path_trunc = (s->flags & PT_SF_PATH_TRUNC) != 0;
}

/* open*, creat, socket, accept*: one new object on new_fd. */
static int sys_new1(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc, __u8 begin, __u8 cloexec)
{
	__s32 fd = new_fd(s);
	__u32 obj, listener = NONE;
	int rc;

	if (fd < 0)
		return 0;
	if (begin == PT_PMB_ACCEPT && (rc = pm_fd_obj(m, proc, s->fd, s->task.ts_ns, s->task.tid, NULL, true, &listener)))
		return rc;
	if ((rc = pm_obj_new(m, begin, s->task.ts_ns, proc, &s->info, &obj)))
		return rc;
	if (begin == PT_PMB_OPEN) {
		struct pt_pm_obj *o = &m->objs[obj].pub;

		o->open_flags = (__u32)s->arg[0];
		o->open_mode = (__u32)s->arg[1];
		o->open_dirfd = (__s32)s->arg[2];
		set_path(m, obj, s);
	} else {
		pm_obj_created(m, obj, s, listener);
	}
	if (listener != NONE)
		pm_obj_sockcall(m, listener, s);
	return bind_at(m, proc, fd, obj, s->task.ts_ns, begin, cloexec, s->task.tid, -1, PT_PME_LOST);
}

/* pipe*, socketpair: newfd and newfd2. */
static int sys_new2(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc, __u8 begin, __u8 cloexec)
{
	__u32 a, b;
	int rc;

	if (s->newfd < 0 || s->newfd2 < 0)
		return 0;
	/* info describes newfd; a pipe's two ends share its inode, a socketpair's do not */
	if ((rc = pm_obj_new(m, begin, s->task.ts_ns, proc, &s->info, &a)) ||
	    (rc = pm_obj_new(m, begin, s->task.ts_ns, proc, begin == PT_PMB_PIPE ? &s->info : NULL, &b)))
		return rc;
	pm_obj_created(m, a, s, NONE);
	pm_obj_created(m, b, s, NONE);
	m->objs[a].pub.pair = b;
	m->objs[b].pub.pair = a;
	if ((rc = bind_at(m, proc, s->newfd, a, s->task.ts_ns, begin, cloexec, s->task.tid, -1, PT_PME_LOST)))
		return rc;
	return bind_at(m, proc, s->newfd2, b, s->task.ts_ns, begin, cloexec, s->task.tid, -1, PT_PME_LOST);
}

/* dup family: newfd -> the object of oldfd; an open newfd ends with end_old. */
static int sys_dup(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc, __s32 newfd, __u8 cloexec,
		   __u8 end_old)
{
	__u32 obj;
	int rc;

	if (newfd < 0)
		return 0;
	/* info describes the new fd: the same object as the old one */
	if ((rc = pm_fd_obj(m, proc, s->fd, s->task.ts_ns, s->task.tid, &s->info, true, &obj)))
		return rc;
	return bind_at(m, proc, newfd, obj, s->task.ts_ns, PT_PMB_DUP, cloexec, s->task.tid, s->fd, end_old);
}

/* The close-on-exec bit of s->fd set to cx at the call (fcntl F_SETFD, ioctl FIOCLEX/FIONCLEX). */
static int set_cloexec(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc, __u8 cx)
{
	__u32 obj, b;
	int rc;

	if ((rc = pm_fd_obj(m, proc, s->fd, s->task.ts_ns, s->task.tid, &s->info, true, &obj)))
		return rc;
	/* NONE: another thread closed fd while the call ran (pm_fd_obj's
	 * in-flight case): the bit went with the fd */
	b = cur_of(m, &m->procs[proc], s->fd);
	return b == NONE ? 0 : cx_set(m, b, s->task.ts_ns, cx);
}

/* fcntl: F_DUPFD(_CLOEXEC) duplicate, F_SETFD sets the bit, others only show fd is open. */
static int sys_fcntl(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc)
{
	__u32 obj;

	switch (s->arg[0]) {
	case F_DUPFD:
		return sys_dup(m, s, proc, new_fd(s), 0, PT_PME_LOST);
	case F_DUPFD_CLOEXEC:
		return sys_dup(m, s, proc, new_fd(s), 1, PT_PME_LOST);
	case F_SETFD:
		return set_cloexec(m, s, proc, (s->arg[1] & FD_CLOEXEC) ? 1 : 0);
	default:	/* succeeded: fd is open */
		return pm_fd_obj(m, proc, s->fd, s->task.ts_ns, s->task.tid, &s->info, true, &obj);
	}
}

/* ioctl FIOCLEX / FIONCLEX (the probes record no other): set or clear the bit, as F_SETFD. */
static int sys_ioctl(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc)
{
	if (s->arg[0] != FIOCLEX && s->arg[0] != FIONCLEX)
		return 0;
	return set_cloexec(m, s, proc, s->arg[0] == FIOCLEX);
}

/* close: Linux releases the fd whatever close returns, unless EBADF. */
static int sys_close(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc)
{
	__u32 b, obj;
	int rc;

	if (s->ret < 0)
		m->st.failed++;
	if (s->ret == -EBADF || s->fd < 0)
		return 0;
	if ((rc = materialize(m, proc, s->fd)))
		return rc;
	if ((b = cur_of(m, &m->procs[proc], s->fd)) == NONE) {
		/* an fd the model does not know: say so, closed at once */
		if ((rc = pm_obj_unknown(m, PT_PMB_UNKNOWN, s->task.ts_ns, proc, &s->info, &obj)) ||
		    (rc = bnd_new(m, proc, s->fd, obj, s->task.ts_ns, PT_PMB_UNKNOWN, 0, s->task.tid, -1, &b)))
			return rc;
		m->st.unknown_fd++;
	}
	bnd_end(m, b, s->task.ts_ns, PT_PME_CLOSE, s->task.tid);
	return 0;
}

/*
 * close_range(first, last, flags): stored bindings in the range now, inherited
 * ones through a table event. CLOSE_RANGE_CLOEXEC only sets the bit.
 */
static int sys_close_range(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc)
{
	__u32 first = (__u32)s->fd, last = (__u32)s->newfd2;
	bool cloexec = (s->arg[0] & CLOSE_RANGE_CLOEXEC) != 0;
	struct pm_proc *p = &m->procs[proc];
	int rc;

	for (size_t i = 0; i < p->nfds; i++) {
		__u32 fd = (__u32)p->fds[i].fd, b;

		if (fd < first || fd > last || (b = cur_of(m, p, p->fds[i].fd)) == NONE)
			continue;
		if (!cloexec)
			bnd_end(m, b, s->task.ts_ns, PT_PME_CLOSE_RANGE, s->task.tid);
		else if ((rc = cx_set(m, b, s->task.ts_ns, 1)))
			return rc;
	}
	return tev_add(m, proc, cloexec ? PM_TEV_CLOEXEC : PM_TEV_CLOSE, s->task.ts_ns, s->task.tid, first, last);
}

/* An FD open at load. The binding the model has for it, if the same object, is the seeded one. */
static int sys_seed(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc)
{
	__s32 fd = s->newfd >= 0 ? s->newfd : s->fd;
	__u8 cloexec = (s->flags & PT_SF_CLOEXEC) != 0;
	__u32 b, obj;
	int rc;

	if (fd < 0)
		return 0;
	if ((rc = materialize(m, proc, fd)))
		return rc;
	b = cur_of(m, &m->procs[proc], fd);
	if (b != NONE && !pm_obj_mismatch(&m->objs[m->bnds[b].obj], &s->info)) {
		if (m->bnds[b].begin == PT_PMB_UNKNOWN)
			m->bnds[b].begin = PT_PMB_SEED;
		obj = m->bnds[b].obj;
		if (m->objs[obj].pub.begin == PT_PMB_UNKNOWN)
			m->objs[obj].pub.begin = PT_PMB_SEED;
		if ((rc = pm_obj_describe(m, obj, &s->info, s->task.ts_ns)))
			return rc;
		set_path(m, obj, s);
		return cx_set(m, b, s->task.ts_ns, cloexec);
	}
	if ((rc = pm_obj_unknown(m, PT_PMB_SEED, s->task.ts_ns, proc, &s->info, &obj)))
		return rc;
	set_path(m, obj, s);
	return bind_at(m, proc, fd, obj, s->task.ts_ns, PT_PMB_SEED, cloexec, 0, -1, PT_PME_LOST);
}

/* Exit without entry: only ret is known. Calls whose ret is a new fd still bind it. */
static int sys_noargs(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc)
{
	const struct pt_fdinfo *info = s->info.kind != PT_FK_NONE ? &s->info : NULL;
	__u8 begin;
	__u32 obj;
	int rc;

	switch (s->call) {
	case PT_CALL_OPEN: case PT_CALL_OPENAT: case PT_CALL_OPENAT2: case PT_CALL_CREAT:
		begin = PT_PMB_OPEN;
		break;
	case PT_CALL_SOCKET:
		begin = PT_PMB_SOCKET;
		break;
	case PT_CALL_ACCEPT: case PT_CALL_ACCEPT4:
		begin = PT_PMB_ACCEPT;
		break;
	case PT_CALL_DUP:
		begin = PT_PMB_DUP;
		break;
	default:
		m->st.noargs++;
		return 0;
	}
	if (s->ret < 0 || s->ret > 0x7fffffff)
		return 0;
	if ((rc = pm_obj_unknown(m, begin, s->task.ts_ns, proc, info, &obj)))
		return rc;
	return bind_at(m, proc, (__s32)s->ret, obj, s->task.ts_ns, begin, 0, s->task.tid, -1, PT_PME_LOST);
}

int pm_apply_sys(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc)
{
	__u8 cx = (s->flags & PT_SF_CLOEXEC) != 0;
	__u32 obj;
	int rc;

	if (s->flags & PT_SF_NOARGS)
		return sys_noargs(m, s, proc);
	if (s->call == PT_CALL_CLOSE)
		return sys_close(m, s, proc);
	if (s->ret < 0 && !(s->call == PT_CALL_CONNECT && s->ret == -EINPROGRESS)) {
		m->st.failed++;
		return 0;
	}
	switch (s->call) {
	case PT_CALL_OPEN: case PT_CALL_OPENAT: case PT_CALL_OPENAT2: case PT_CALL_CREAT:
		return sys_new1(m, s, proc, PT_PMB_OPEN, cx || (s->arg[0] & O_CLOEXEC));
	case PT_CALL_SOCKET:
		return sys_new1(m, s, proc, PT_PMB_SOCKET, cx || (s->arg[1] & SOCK_CLOEXEC));
	case PT_CALL_ACCEPT:
		return sys_new1(m, s, proc, PT_PMB_ACCEPT, cx);
	case PT_CALL_ACCEPT4:
		return sys_new1(m, s, proc, PT_PMB_ACCEPT, cx || (s->arg[0] & SOCK_CLOEXEC));
	case PT_CALL_PIPE:
		return sys_new2(m, s, proc, PT_PMB_PIPE, cx);
	case PT_CALL_PIPE2:
		return sys_new2(m, s, proc, PT_PMB_PIPE, cx || (s->arg[0] & O_CLOEXEC));
	case PT_CALL_SOCKETPAIR:
		return sys_new2(m, s, proc, PT_PMB_SOCKETPAIR, cx || (s->arg[1] & SOCK_CLOEXEC));
	case PT_CALL_DUP:
		return sys_dup(m, s, proc, new_fd(s), 0, PT_PME_LOST);
	case PT_CALL_DUP2:
		if (s->fd == s->newfd)	/* dup2(fd, fd): nothing changes */
			return 0;
		return sys_dup(m, s, proc, s->newfd, 0, PT_PME_DUP2);
	case PT_CALL_DUP3:
		return sys_dup(m, s, proc, s->newfd, cx || (s->arg[0] & O_CLOEXEC), PT_PME_DUP2);
	case PT_CALL_FCNTL:
		return sys_fcntl(m, s, proc);
	case PT_CALL_IOCTL:
		return sys_ioctl(m, s, proc);
	case PT_CALL_CLOSE_RANGE:
		return sys_close_range(m, s, proc);
	case PT_CALL_BIND: case PT_CALL_LISTEN: case PT_CALL_CONNECT: case PT_CALL_SHUTDOWN:
		if ((rc = pm_fd_obj(m, proc, s->fd, s->task.ts_ns, s->task.tid, &s->info, true, &obj)))
			return rc;
		pm_obj_sockcall(m, obj, s);
		return 0;
	case PT_CALL_SEED_FD:
		return sys_seed(m, s, proc);
	}
	return 0;
}

/* Close the stored bindings of proc that end with an exec or exit. */
static void end_stored(struct pt_procmodel *m, __u32 proc, __u64 ts, __u32 tid, __u8 end)
{
	struct pm_proc *p = &m->procs[proc];

	for (size_t i = 0; i < p->nfds; i++) {
		__u32 b = cur_of(m, p, p->fds[i].fd);

		if (b != NONE && (end == PT_PME_EXIT || m->bnds[b].cloexec))
			bnd_end(m, b, ts, end, tid);
	}
}

int pm_table_exec(struct pt_procmodel *m, __u32 proc, __u64 ts, __u32 tid)
{
	end_stored(m, proc, ts, tid, PT_PME_CLOEXEC);
	return tev_add(m, proc, PM_TEV_EXEC, ts, tid, 0, ~0u);
}

int pm_table_exit(struct pt_procmodel *m, __u32 proc, __u64 ts, __u32 tid)
{
	end_stored(m, proc, ts, tid, PT_PME_EXIT);
	return tev_add(m, proc, PM_TEV_EXIT, ts, tid, 0, ~0u);
}

void pm_table_free(struct pm_proc *p)
{
	for (size_t i = 0; i < p->nfds; i++)
		free(p->fds[i].hist);
	free(p->fds);
	pm_map_free(&p->fdmap);
	free(p->tev);
}
