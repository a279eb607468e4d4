// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * procmodel.c — the engine of query/procmodel.h: lifecycle, the reorder
 * buffer, record dispatch, processes and threads (see procmodel_int.h for the
 * other files).
 *
 * Per record: one copy into the reorder buffer (a binary heap on (ts, arrival)),
 * a cached process lookup, a hash lookup of the thread, then the record's own
 * work in procmodel_fd.c / procmodel_io.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "query/procmodel_int.h"

/* ---- processes and threads ---- */

static __u64 absdiff(__u64 a, __u64 b)
{
	return a > b ? a - b : b - a;
}

/*
 * Process (pid, start_ns): exact start first; else, when either side's start
 * comes from a seed (seed, or the candidate's start_approx), one within the
 * slack. NONE if none.
 */
static __u32 proc_find(const struct pt_procmodel *m, __u32 pid, __u64 start_ns, bool seed)
{
	__u32 i;

	for (i = pm_map_get(&m->pidmap, pid); i != NONE; i = m->procs[i].prev_pid)
		if (m->procs[i].pub.start_ns == start_ns)
			return i;
	for (i = pm_map_get(&m->pidmap, pid); i != NONE; i = m->procs[i].prev_pid)
		if ((seed || m->procs[i].start_approx) &&
		    absdiff(m->procs[i].pub.start_ns, start_ns) < PT_PM_SEED_SLACK_NS)
			return i;
	return NONE;
}

/* New process (pid, start_ns) known by origin, first seen with task t. *out = its index. 0 or -ENOMEM. */
static int proc_new(struct pt_procmodel *m, __u32 pid, __u64 start_ns, __u8 origin, const struct pt_task *t,
		    __u32 *out)
{
	__u32 i = (__u32)m->nprocs;
	struct pm_proc *p;
	int rc;

	if ((rc = PM_RESERVE(m->procs, m->cprocs, m->nprocs + 1)))
		return rc;
	p = &m->procs[i];
	memset(p, 0, sizeof(*p));
	p->pub.pid = pid;
	p->pub.start_ns = start_ns;
	p->pub.origin = origin;
	p->pub.parent = NONE;
	p->pub.first_ts = t->ts_ns;
	p->pub.uid = t->uid;
	p->pub.cgroup_id = t->cgroup_id;
	p->pub.netns_ino = t->netns_ino;
	p->prev_pid = pm_map_get(&m->pidmap, pid);
	p->tparent = NONE;
	if ((rc = pm_map_set(&m->pidmap, pid, i)))
		return rc;
	m->nprocs++;
	*out = i;
	return 0;
}

/* A comm as a NUL-terminated string (the kernel's may fill all 16 bytes). */
static void comm_copy(char *dst, const char *src)
{
	memcpy(dst, src, PT_COMM_LEN);
	dst[PT_COMM_LEN - 1] = '\0';
}

/* Note comm as tid's at ts when it changed. 0 or -ENOMEM. */
static int comm_note(struct pm_proc *p, struct pt_pm_thread *th, const char *comm, __u64 ts)
{
	char c[PT_COMM_LEN];
	struct pt_pm_comm *e;
	int rc;

	comm_copy(c, comm);
	if (!strcmp(th->comm, c))
		return 0;
	if ((rc = PM_RESERVE(p->comms, p->ccomms, p->pub.ncomms + 1)))
		return rc;
	e = &p->comms[p->pub.ncomms++];
	e->ts = ts;
	e->tid = th->tid;
	memcpy(e->comm, c, PT_COMM_LEN);
	memcpy(th->comm, c, PT_COMM_LEN);
	return 0;
}

/*
 * Thread tid of proc, alive: the one known, or a new one from ts (a tid whose
 * thread exited is a new thread). *out = its index. 0 or -ENOMEM.
 */
static int thread_get(struct pt_procmodel *m, __u32 proc, __u32 tid, __u64 ts, __u8 origin, __u32 *out)
{
	__u32 r = pm_map_get(&m->tidmap, tid);
	struct pm_proc *p = &m->procs[proc];
	struct pt_pm_thread *th;
	int rc;

	if (r != NONE && m->trefs[r].proc == proc && !p->threads[m->trefs[r].idx].exited) {
		*out = m->trefs[r].idx;
		return 0;
	}
	if ((rc = PM_RESERVE(p->threads, p->cthreads, p->pub.nthreads + 1)))
		return rc;
	if (r == NONE) {
		if ((rc = PM_RESERVE(m->trefs, m->ctrefs, m->ntrefs + 1)))
			return rc;
		r = (__u32)m->ntrefs;
		if ((rc = pm_map_put(&m->tidmap, tid, r)))
			return rc;
		m->ntrefs++;
	}
	th = &p->threads[p->pub.nthreads];
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	th->origin = origin;
	th->from_ts = ts;
	th->to_ts = PT_PM_OPEN;
	m->trefs[r] = (struct pm_tref){ proc, (__u32)p->pub.nthreads };
	*out = (__u32)p->pub.nthreads++;
	return 0;
}

int pm_task(struct pt_procmodel *m, const struct pt_task *t, bool seed, __u32 *proc)
{
	__u32 i = m->last_proc, ti;
	int rc;

	if (i == NONE || m->procs[i].pub.pid != t->pid || m->procs[i].pub.start_ns != t->start_ns) {
		i = proc_find(m, t->pid, t->start_ns, seed);
		if (i == NONE) {
			if ((rc = proc_new(m, t->pid, t->start_ns, PT_PMO_SEEN, t, &i)))
				return rc;
			m->procs[i].pub.ppid = t->ppid;
			m->procs[i].start_approx = seed;
		} else if (!seed && m->procs[i].start_approx) {
			m->procs[i].pub.start_ns = t->start_ns;	/* the kernel's is exact */
			m->procs[i].start_approx = false;
		}
		m->last_proc = i;
	}
	if ((rc = thread_get(m, i, t->tid, t->ts_ns, seed ? PT_PMO_SEED : PT_PMO_SEEN, &ti)))
		return rc;
	*proc = i;
	return comm_note(&m->procs[i], &m->procs[i].threads[ti], t->comm, t->ts_ns);
}

/* End thread idx of proc at ts with status. */
static void thread_end(struct pm_proc *p, __u32 idx, __u64 ts, __s32 status)
{
	struct pt_pm_thread *th = &p->threads[idx];

	if (th->exited)
		return;
	th->exited = true;
	th->to_ts = ts;
	th->exit_status = status;
}

/* The thread tid of proc if alive, else NONE. */
static __u32 thread_find(const struct pt_procmodel *m, __u32 proc, __u32 tid)
{
	__u32 r = pm_map_get(&m->tidmap, tid);

	if (r == NONE || m->trefs[r].proc != proc || m->procs[proc].threads[m->trefs[r].idx].exited)
		return NONE;
	return m->trefs[r].idx;
}

/* Note r (EXEC or SEED: filename and argv after it) as an exec of proc by tid. 0 or -ENOMEM. */
static int exec_add(struct pt_procmodel *m, __u32 proc, const struct pt_proc *r, __u32 tid, bool seeded)
{
	const char *data = (const char *)(r + 1);
	struct pm_proc *p = &m->procs[proc];
	struct pt_pm_exec *e;
	size_t flen = strnlen(data, r->path_len);
	int rc;

	if ((rc = PM_RESERVE(p->execs, p->cexecs, p->pub.nexecs + 1)))
		return rc;
	e = &p->execs[p->pub.nexecs];
	memset(e, 0, sizeof(*e));
	e->ts = r->task.ts_ns;
	e->tid = tid;
	e->argc = r->argc;
	e->flags = r->flags & (PT_PRF_ARGV_TRUNC | PT_PRF_PATH_TRUNC | PT_PRF_FAULT);
	e->seeded = seeded;
	e->argv_len = (__u32)(r->data_len - r->path_len);
	if (!(e->filename = pm_strndup(m, data, flen)))
		return -ENOMEM;
	if (!(e->argv = pm_strndup(m, data + r->path_len, e->argv_len)))
		return -ENOMEM;
	p->pub.nexecs++;
	return 0;
}

/*
 * FORK: a thread joins the parent; a process is created (or completed, when
 * its own records came first) with the parent's table copied lazily.
 */
static int apply_fork(struct pt_procmodel *m, const struct pt_proc *r)
{
	__u32 parent, child, ti;
	struct pm_proc *c;
	int rc;

	if ((rc = pm_task(m, &r->task, false, &parent)))
		return rc;
	if (r->flags & PT_PRF_THREAD) {
		if ((rc = thread_get(m, parent, r->child_tid, r->task.ts_ns, PT_PMO_FORK, &ti)))
			return rc;
		return comm_note(&m->procs[parent], &m->procs[parent].threads[ti], r->task.comm, r->task.ts_ns);
	}
	child = proc_find(m, r->child_pid, r->child_start_ns, false);
	if (child == NONE && (rc = proc_new(m, r->child_pid, r->child_start_ns, PT_PMO_FORK, &r->task, &child)))
		return rc;
	if ((rc = PM_RESERVE(m->procs[parent].children, m->procs[parent].cchildren,
			     m->procs[parent].pub.nchildren + 1)))
		return rc;
	c = &m->procs[child];
	if (c->pub.origin == PT_PMO_FORK && c->pub.parent != NONE)
		return 0;	/* the same fork twice */
	for (__u32 a = parent; a != NONE; a = m->procs[a].pub.parent)
		if (a == child)
			return 0;	/* would make a cycle: records contradict each other */
	c->pub.origin = PT_PMO_FORK;
	c->pub.first_ts = r->task.ts_ns;
	c->pub.ppid = r->task.pid;
	c->pub.parent = parent;
	c->pub.fork_tid = r->task.tid;
	c->fork_ts = r->task.ts_ns;
	if (!c->nfds)	/* its own records came first: what they bound stays as is */
		c->tparent = parent;
	m->procs[parent].children[m->procs[parent].pub.nchildren++] = child;
	if ((rc = thread_get(m, child, r->child_tid, r->task.ts_ns, PT_PMO_FORK, &ti)))
		return rc;
	c->threads[ti].from_ts = r->task.ts_ns;
	c->threads[ti].origin = PT_PMO_FORK;
	return comm_note(c, &c->threads[ti], r->task.comm, r->task.ts_ns);
}

/* EXEC: the program, the thread that became the leader, close-on-exec FDs. */
static int apply_exec(struct pt_procmodel *m, const struct pt_proc *r)
{
	__u32 proc, old;
	int rc;

	if ((rc = pm_task(m, &r->task, false, &proc)))
		return rc;
	if ((rc = exec_add(m, proc, r, r->old_tid ? r->old_tid : r->task.tid, false)))
		return rc;
	/* a non-leader thread's exec: it goes on as the leader under tid = pid */
	if (r->old_tid && r->old_tid != r->task.tid && (old = thread_find(m, proc, r->old_tid)) != NONE)
		thread_end(&m->procs[proc], old, r->task.ts_ns, 0);
	return pm_table_exec(m, proc, r->task.ts_ns, r->task.tid);
}

/* EXIT: the thread; with PT_PRF_GROUP the process and its whole table. */
static int apply_exit(struct pt_procmodel *m, const struct pt_proc *r)
{
	__u32 proc, ti;
	struct pm_proc *p;
	int rc;

	if ((rc = pm_task(m, &r->task, false, &proc)))
		return rc;
	p = &m->procs[proc];
	if ((ti = thread_find(m, proc, r->task.tid)) != NONE)
		thread_end(p, ti, r->task.ts_ns, r->exit_code);
	if (!(r->flags & PT_PRF_GROUP))
		return 0;
	p->pub.exited = true;
	p->pub.exit_ts = r->task.ts_ns;
	p->pub.exit_status = r->exit_code;
	p->pub.signaled = (r->flags & PT_PRF_SIGNAL) != 0;
	for (size_t i = 0; i < p->pub.nthreads; i++)
		thread_end(p, (__u32)i, r->task.ts_ns, r->exit_code);
	return pm_table_exit(m, proc, r->task.ts_ns, r->task.tid);
}

/* PT_PK_SEED: a process alive at load, matched to kernel records by start within the slack. */
static int apply_seed(struct pt_procmodel *m, const struct pt_proc *r)
{
	__u32 proc = proc_find(m, r->task.pid, r->task.start_ns, true), ti;
	struct pm_proc *p;
	int rc;

	if (proc == NONE) {
		if ((rc = proc_new(m, r->task.pid, r->task.start_ns, PT_PMO_SEED, &r->task, &proc)))
			return rc;
		m->procs[proc].start_approx = true;
		m->procs[proc].pub.ppid = r->task.ppid;
	}
	p = &m->procs[proc];
	if (p->pub.origin == PT_PMO_SEEN)
		p->pub.origin = PT_PMO_SEED;
	if ((rc = exec_add(m, proc, r, r->task.tid, true)))
		return rc;
	if ((rc = thread_get(m, proc, r->task.tid, r->task.ts_ns, PT_PMO_SEED, &ti)))
		return rc;
	return comm_note(p, &p->threads[ti], r->task.comm, r->task.ts_ns);
}

/* ---- records ---- */

/* Does a successful call of this kind act on its fd argument (struct pt_sys fd)? */
static bool takes_fd(__u32 call)
{
	switch (call) {
	case PT_CALL_BIND: case PT_CALL_LISTEN: case PT_CALL_CONNECT: case PT_CALL_SHUTDOWN:
	case PT_CALL_ACCEPT: case PT_CALL_ACCEPT4: case PT_CALL_DUP: case PT_CALL_DUP2: case PT_CALL_DUP3:
	case PT_CALL_FCNTL: case PT_CALL_IOCTL:
		return true;
	}
	return false;
}

/* Validate a record copy and read its time. 0 or -EINVAL. */
static int rec_check(const struct pt_rec_hdr *h, __u64 *ts)
{
	switch (h->type) {
	case PT_REC_PROC: {
		const struct pt_proc *r = (const void *)h;

		if (h->len < sizeof(*r) || h->len < sizeof(*r) + r->data_len || r->path_len > r->data_len)
			return -EINVAL;
		*ts = r->task.ts_ns;
		return 0;
	}
	case PT_REC_SYS: {
		const struct pt_sys *r = (const void *)h;

		if (h->len < sizeof(*r) || h->len < sizeof(*r) + r->data_len)
			return -EINVAL;
		/* a call on a file descriptor succeeds only on one (no kernel writes this; a
		 * crafted store could, and the model would index its objects with NONE) */
		if (r->fd < 0 && !(r->flags & PT_SF_NOARGS) && (r->ret >= 0 || r->ret == -EINPROGRESS) &&
		    takes_fd(r->call))
			return -EINVAL;
		*ts = r->task.ts_ns;
		return 0;
	}
	case PT_REC_DATA: {
		const struct pt_data *r = (const void *)h;

		if (h->len < sizeof(*r) || h->len < sizeof(*r) + r->cap_len ||
		    (r->dir != PT_DIR_IN && r->dir != PT_DIR_OUT))
			return -EINVAL;
		*ts = r->task.ts_ns;
		return 0;
	}
	case PT_REC_CHUNK: {
		const struct pt_chunk *r = (const void *)h;

		if (h->len < sizeof(*r))
			return -EINVAL;
		*ts = r->ts_ns;
		return 0;
	}
	}
	return -EINVAL;
}

/* Apply one record copy; frees it unless its content was kept. */
static int apply(struct pt_procmodel *m, struct pt_rec_hdr *h, __u64 ts)
{
	bool kept = false;
	__u32 proc;
	int rc = 0;

	if (ts < m->applied)
		m->st.late++;
	else
		m->applied = ts;
	switch (h->type) {
	case PT_REC_PROC: {
		const struct pt_proc *r = (const void *)h;

		if (r->kind == PT_PK_FORK)
			rc = apply_fork(m, r);
		else if (r->kind == PT_PK_EXEC)
			rc = apply_exec(m, r);
		else if (r->kind == PT_PK_EXIT)
			rc = apply_exit(m, r);
		else if (r->kind == PT_PK_SEED)
			rc = apply_seed(m, r);
		break;
	}
	case PT_REC_SYS: {
		const struct pt_sys *r = (const void *)h;

		if (!(rc = pm_task(m, &r->task, r->call == PT_CALL_SEED_FD, &proc)))
			rc = pm_apply_sys(m, r, proc);
		break;
	}
	case PT_REC_DATA: {
		const struct pt_data *r = (const void *)h;

		if (!(rc = pm_task(m, &r->task, false, &proc)))
			rc = pm_apply_data(m, r, proc, h, &kept);
		break;
	}
	case PT_REC_CHUNK:
		rc = pm_apply_chunk(m, (const void *)h, h, &kept);
		break;
	}
	if (!kept)
		free(h);
	return rc;
}

/* Reorder buffer order: time, then arrival. */
static bool q_less(const struct pm_qent *a, const struct pm_qent *b)
{
	return a->ts != b->ts ? a->ts < b->ts : a->seq < b->seq;
}

/* Push e (room reserved by the caller). */
static void q_push(struct pt_procmodel *m, struct pm_qent e)
{
	size_t i = m->nq++;

	while (i && q_less(&e, &m->q[(i - 1) / 2])) {
		m->q[i] = m->q[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	m->q[i] = e;
}

/* Pop the oldest (m->nq > 0). */
static struct pm_qent q_pop(struct pt_procmodel *m)
{
	struct pm_qent top = m->q[0], last = m->q[--m->nq];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= m->nq)
			break;
		if (c + 1 < m->nq && q_less(&m->q[c + 1], &m->q[c]))
			c++;
		if (!q_less(&m->q[c], &last))
			break;
		m->q[i] = m->q[c];
		i = c;
	}
	if (m->nq)
		m->q[i] = last;
	return top;
}

/* Apply the buffered records older than the window (all: every one). */
static int drain(struct pt_procmodel *m, bool all)
{
	while (m->nq && (all || m->newest - m->q[0].ts > m->reorder_ns)) {
		struct pm_qent e = q_pop(m);
		int rc = apply(m, e.rec, e.ts);

		if (rc)
			return rc;
	}
	return 0;
}

struct pt_procmodel *pt_procmodel_new(const struct pt_procmodel_opts *o, int *err)
{
	struct pt_procmodel *m = calloc(1, sizeof(*m));

	if (!m) {
		*err = -ENOMEM;
		return NULL;
	}
	m->reorder_ns = o && o->reorder_ns ? o->reorder_ns : PT_PM_REORDER_NS;
	m->last_proc = NONE;
	*err = 0;
	return m;
}

int pt_procmodel_feed(struct pt_procmodel *m, const struct pt_rec_hdr *rec)
{
	struct pt_rec_hdr h;
	struct pt_rec_hdr *copy;
	__u64 ts;
	int rc;

	memcpy(&h, rec, sizeof(h));
	if (h.type != PT_REC_PROC && h.type != PT_REC_SYS && h.type != PT_REC_DATA && h.type != PT_REC_CHUNK) {
		m->st.ignored++;
		return 0;
	}
	if (m->finished || h.len < sizeof(h)) {
		m->st.malformed++;
		return -EINVAL;
	}
	if ((rc = PM_RESERVE(m->q, m->cq, m->nq + 1)))
		return rc;
	if (!(copy = malloc(h.len)))
		return -ENOMEM;
	memcpy(copy, rec, h.len);
	if (rec_check(copy, &ts)) {
		free(copy);
		m->st.malformed++;
		return -EINVAL;
	}
	q_push(m, (struct pm_qent){ ts, m->seq++, copy });
	m->st.records++;
	if (m->nq > m->st.max_buffered)
		m->st.max_buffered = m->nq;
	if (ts > m->newest)
		m->newest = ts;
	return drain(m, false);
}

/* The process of pid alive at ts other than self, latest start first; NONE if none. */
static __u32 alive_at(const struct pt_procmodel *m, __u32 pid, __u64 ts, __u32 self)
{
	__u32 best = NONE;

	for (__u32 i = pm_map_get(&m->pidmap, pid); i != NONE; i = m->procs[i].prev_pid) {
		const struct pm_proc *p = &m->procs[i];

		if (i == self || p->pub.start_ns > ts || (p->pub.exited && p->pub.exit_ts < ts))
			continue;
		if (best == NONE || p->pub.start_ns > m->procs[best].pub.start_ns)
			best = i;
	}
	return best;
}

/* Children by first_ts, then index. */
static int cmp_child(const void *a, const void *b, void *ctx)
{
	const struct pt_procmodel *m = ctx;
	const struct pm_proc *x = &m->procs[*(const __u32 *)a], *y = &m->procs[*(const __u32 *)b];

	if (x->pub.first_ts != y->pub.first_ts)
		return x->pub.first_ts < y->pub.first_ts ? -1 : 1;
	return *(const __u32 *)a < *(const __u32 *)b ? -1 : *(const __u32 *)a > *(const __u32 *)b;
}

/* Parents of processes not seen forked; children sorted; table_known. 0 or -ENOMEM. */
static int procs_finish(struct pt_procmodel *m)
{
	__u8 *known;	/* 0 not yet, 1 no, 2 yes */
	int rc;

	for (__u32 i = 0; i < m->nprocs; i++) {
		struct pm_proc *p = &m->procs[i];
		__u32 par;

		if (p->pub.parent != NONE || !p->pub.ppid)
			continue;
		if ((par = alive_at(m, p->pub.ppid, p->pub.start_ns, i)) == NONE)
			continue;
		if ((rc = PM_RESERVE(m->procs[par].children, m->procs[par].cchildren,
				     m->procs[par].pub.nchildren + 1)))
			return rc;
		p->pub.parent = par;
		m->procs[par].children[m->procs[par].pub.nchildren++] = i;
	}
	if (!(known = calloc(m->nprocs + 1, 1)))
		return -ENOMEM;
	for (__u32 i = 0; i < m->nprocs; i++) {
		struct pm_proc *p = &m->procs[i];
		__u32 j = i;
		__u8 v;

		/* up the fork chain to a process whose answer is known or decidable */
		while (!known[j] && m->procs[j].pub.origin == PT_PMO_FORK && m->procs[j].tparent != NONE)
			j = m->procs[j].tparent;
		v = known[j] ? known[j] : m->procs[j].pub.origin == PT_PMO_SEED ? 2 : 1;
		for (__u32 k = i; !known[k]; k = m->procs[k].tparent) {
			known[k] = v;
			if (k == j)
				break;
		}
		if (p->pub.nchildren)
			qsort_r(p->children, p->pub.nchildren, sizeof(__u32), cmp_child, m);
		p->pub.execs = p->execs;
		p->pub.comms = p->comms;
		p->pub.threads = p->threads;
		p->pub.children = p->children;
	}
	for (__u32 i = 0; i < m->nprocs; i++)
		m->procs[i].pub.table_known = known[i] == 2;
	free(known);
	return 0;
}

int pt_procmodel_finish(struct pt_procmodel *m)
{
	int rc;

	if (m->finished)
		return 0;
	if ((rc = drain(m, true)) || (rc = procs_finish(m)))
		return rc;
	pm_streams_finish(m);
	if ((rc = pm_conns_build(m)))
		return rc;
	m->finished = true;
	return 0;
}

void pt_procmodel_free(struct pt_procmodel *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nq; i++)
		free(m->q[i].rec);
	free(m->q);
	for (size_t i = 0; i < m->nprocs; i++) {
		struct pm_proc *p = &m->procs[i];

		free(p->execs);
		free(p->comms);
		free(p->threads);
		free(p->children);
		pm_table_free(p);
	}
	free(m->procs);
	pm_map_free(&m->pidmap);
	free(m->trefs);
	pm_map_free(&m->tidmap);
	free(m->bnds);
	free(m->cxs);
	for (size_t i = 0; i < m->nobjs; i++) {
		for (int d = 0; d < 2; d++) {
			free(m->objs[i].st[d].calls);
			free(m->objs[i].st[d].piece);
			free(m->objs[i].st[d].unsure);
		}
	}
	free(m->objs);
	pm_map_free(&m->sockmap);
	free(m->pieces);
	free(m->pends);
	pm_map_free(&m->pendmap);
	free(m->peers);
	pm_map_free(&m->peermap);
	free(m->conns);
	for (size_t i = 0; i < m->nkept; i++)
		free(m->kept[i]);
	free(m->kept);
	pm_arena_free(m);
	free(m);
}

const struct pt_pm_stats *pt_procmodel_stats(const struct pt_procmodel *m)
{
	return &m->st;
}

size_t pt_procmodel_nprocs(const struct pt_procmodel *m)
{
	return m->finished ? m->nprocs : 0;
}

const struct pt_pm_proc *pt_procmodel_proc(const struct pt_procmodel *m, __u32 i)
{
	return m->finished && i < m->nprocs ? &m->procs[i].pub : NULL;
}

__u32 pt_procmodel_find_proc(const struct pt_procmodel *m, __u32 pid, __u64 start_ns)
{
	return m->finished ? proc_find(m, pid, start_ns, false) : NONE;
}

__u32 pt_procmodel_proc_at(const struct pt_procmodel *m, __u32 pid, __u64 ts)
{
	return m->finished ? alive_at(m, pid, ts, NONE) : NONE;
}
