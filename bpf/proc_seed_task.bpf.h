/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_seed_task.bpf.h — a task that is not current, for the seed iterators
 * of bpf/proc_seed.bpf.c: the scope test (pt_scope_ok's rules), struct
 * pt_task (pt_task_fill's fields), and the path of a dentry. Everything is
 * read with CO-RE (BPF_CORE_READ / bpf_probe_read_kernel) from a kernel
 * pointer, so a task that exits meanwhile yields zeros, never a fault. The
 * functions given a task are inlined (a global function takes no BTF
 * pointer, and the iterators' task is one); the path walk is a global
 * function. Include after proc_fd.bpf.h.
 */
#ifndef PROVTAP_PROC_SEED_TASK_BPF_H
#define PROVTAP_PROC_SEED_TASK_BPF_H

#define PT_PF_KTHREAD		0x00200000	/* task->flags: a kernel thread (6.1, 6.18) */
#define PT_CGROUP_DEPTH		32	/* cgroup levels searched for the --cgroup scope */
#define PT_SEED_DEPTH		32	/* path components kept (power of 2) */
#define PT_SEED_HOPS		(2 * PT_SEED_DEPTH)	/* components + mount crossings walked */
#define PT_SEED_RELOAD(x)	(*(volatile __typeof__(x) *)&(x))
#define PT_SEED_MASK		(2 * PT_PATH_MAX - 1)	/* offsets into pt_seed_scratch.path */

/* Per-CPU scratch of the seed programs (their own map: an iterator may be
 * preempted, so it must not share the tracepoints' pt_pscratch). */
struct pt_seed_scratch {
	struct pt_pjob pj;		/* a PT_PK_SEED record being built */
	struct pt_sjob sj;		/* a PT_CALL_SEED_FD record being built */
	__u64 name[PT_SEED_DEPTH];	/* path walk: component names, leaf first */
	__u32 n, off;			/* path walk: names found, bytes assembled */
	char path[PT_SEED_MASK + 1 + PT_PATH_MAX];	/* path walk: the path being assembled */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_seed_scratch);
} pt_sscratch SEC(".maps");

/*
 * pt_seed_scope_ok - 1 when the probes would trace @task now, under pt_pcfg's scope, else 0; ignored tgids
 * (pt_pignore) never. The rules of pt_scope_ok() for a task that is not
 * current, with one difference: PT_SCOPE_CGROUP tests cfg.cgroup_id and its
 * descendants through the task's cgroup v2 ancestors (a sleepable program may
 * not use the cgroup array pt_pcgrp; the loader sets both to the same
 * cgroup).
 */
static __always_inline int pt_seed_scope_ok(struct task_struct *task)
{
	struct pt_proc_cfg *c = pt_cfg();
	__u32 tgid = BPF_CORE_READ(task, tgid);
	char comm[PT_COMM_LEN];
	struct cgroup *cg, *anc;
	__u64 off;
	int i, level;

	if (bpf_map_lookup_elem(&pt_pignore, &tgid))
		return 0;
	if (!c)
		return 1;
	switch (c->scope) {
	case PT_SCOPE_ALL:
		return 1;
	case PT_SCOPE_CGROUP:
		cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
		if (!cg)
			return 0;
		level = BPF_CORE_READ(cg, level);
		off = bpf_core_field_offset(struct cgroup, ancestors);
		for (i = 0; i < PT_CGROUP_DEPTH; i++) {
			if (i > level)
				break;
			anc = NULL;
			if (bpf_probe_read_kernel(&anc, sizeof(anc), (void *)cg + off + i * sizeof(anc)) || !anc)
				return 0;
			if (BPF_CORE_READ(anc, kn, id) == c->cgroup_id)
				return 1;
		}
		return 0;
	case PT_SCOPE_PIDTREE:
		return tgid == c->root_pid || bpf_map_lookup_elem(&pt_ptree, &tgid) != NULL;
	case PT_SCOPE_COMM:
		__builtin_memset(comm, 0, sizeof(comm));
		BPF_CORE_READ_STR_INTO(&comm, task, comm);
		return pt_comm_eq(comm, c->comm);
	case PT_SCOPE_NETNS:
		return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum) == c->netns_ino;
	}
	return 0;
}

/*
 * pt_seed_task_fill - fill @t from @task as pt_task_fill() fills it from current: ts_ns now, start_ns of the group
 * leader, tgid, tid, real parent's tgid, uid (the task's cred), cgroup v2 id
 * (its default-hierarchy cgroup's), netns inode, comm. Fields whose read
 * fails are 0. Returns 0 (1 for a NULL @t, nothing written).
 */
static __always_inline int pt_seed_task_fill(struct pt_task *t, struct task_struct *task)
{
	if (!t)
		return 1;
	t->ts_ns = bpf_ktime_get_boot_ns();
	t->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	t->pid = BPF_CORE_READ(task, tgid);
	t->tid = BPF_CORE_READ(task, pid);
	t->ppid = BPF_CORE_READ(task, real_parent, tgid);
	t->uid = BPF_CORE_READ(task, cred, uid.val);
	t->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	t->netns_ino = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	__builtin_memset(t->comm, 0, sizeof(t->comm));
	BPF_CORE_READ_STR_INTO(&t->comm, task, comm);
	return 0;
}

/* pt_seed_path() result bits above the length */
#define PT_SEED_PATH_LEN	0xffff
#define PT_SEED_PATH_TRUNC	(1 << 16)	/* deeper than PT_SEED_DEPTH or longer than PT_PATH_MAX */
#define PT_SEED_PATH_FAULT	(1 << 17)	/* a read failed: components may be missing */

/*
 * pt_seed_path - the path of (@dentry_p, @vfsmnt_p) (struct dentry *, struct
 * vfsmount *: a struct path) into s->path, NUL-terminated, at most
 * PT_PATH_MAX bytes with the NUL. Walks d_parent up to each mount's root and
 * crosses to the parent mount at its mountpoint, up to the root of the mount
 * tree the file is in: the path as seen from the root of its mount namespace
 * (a chroot is not applied; a deleted file keeps its last name, without
 * " (deleted)"; a path deeper than PT_SEED_DEPTH components starts with
 * "..."). Returns the bytes written including the NUL (>= 2) with
 * PT_SEED_PATH_TRUNC / PT_SEED_PATH_FAULT or'ed in; 0 when s is NULL.
 */
__noinline int pt_seed_path(struct pt_seed_scratch *s, __u64 dentry_p, __u64 vfsmnt_p)
{
	struct dentry *d = (void *)dentry_p, *parent;
	__u64 moff = bpf_core_field_offset(struct mount, mnt);
	struct mount *mnt, *mparent;
	__u32 i, j, n, o;
	int flags = 0;
	long r;

	if (!s)
		return 0;
	if (!d || !vfsmnt_p)
		flags |= PT_SEED_PATH_FAULT;
	/* n and off live in the map value and are reloaded (volatile: clang
	 * would keep them in registers): the verifier then sees one state per
	 * loop step instead of one per value they can have */
	s->n = 0;
	s->off = 0;
	mnt = (void *)(vfsmnt_p - moff);
	for (i = 0; i < PT_SEED_HOPS && d; i++) {
		if (d == BPF_CORE_READ(mnt, mnt.mnt_root)) {
			mparent = BPF_CORE_READ(mnt, mnt_parent);
			if (!mparent || mparent == mnt)
				break;		/* the root of the mount tree */
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mparent;
			continue;
		}
		parent = BPF_CORE_READ(d, d_parent);
		if (!parent || parent == d)
			break;			/* a filesystem's root that is not mounted */
		n = PT_SEED_RELOAD(s->n);
		if (n >= PT_SEED_DEPTH) {
			flags |= PT_SEED_PATH_TRUNC;
			break;
		}
		s->name[n & (PT_SEED_DEPTH - 1)] = (__u64)BPF_CORE_READ(d, d_name.name);
		s->n = n + 1;
		d = parent;
	}
	if (i == PT_SEED_HOPS)
		flags |= PT_SEED_PATH_TRUNC;
	if (flags & PT_SEED_PATH_TRUNC) {
		s->path[0] = '.';
		s->path[1] = '.';
		s->path[2] = '.';
		s->off = 3;
	}
	for (i = 0; i < PT_SEED_DEPTH; i++) {
		n = PT_SEED_RELOAD(s->n);
		if (i >= n)
			break;
		j = (n - 1 - i) & (PT_SEED_DEPTH - 1);
		o = PT_SEED_RELOAD(s->off);
		if (o > PT_PATH_MAX) {
			flags |= PT_SEED_PATH_TRUNC;
			break;
		}
		/* masked: a bound the verifier sees whatever register clang uses
		 * (o <= PT_PATH_MAX + 1 here: the masks change nothing) */
		barrier_var(o);
		s->path[o & PT_SEED_MASK] = '/';
		o++;
		barrier_var(o);
		r = bpf_probe_read_kernel_str(&s->path[o & PT_SEED_MASK], PT_PATH_MAX, (void *)s->name[j]);
		if (r <= 0) {
			flags |= PT_SEED_PATH_FAULT;
			r = 1;
		}
		s->off = o + r - 1;
	}
	o = PT_SEED_RELOAD(s->off);
	if (!o) {
		s->path[0] = '/';
		o = 1;
	}
	if (o > PT_PATH_MAX - 1) {
		flags |= PT_SEED_PATH_TRUNC;
		o = PT_PATH_MAX - 1;
	}
	barrier_var(o);
	s->path[o & PT_SEED_MASK] = 0;
	return (o + 1) | flags;
}

/*
 * pt_seed_count - one seed record of category @cat offered to the ring (@err
 * from bpf_ringbuf_output), with its fault/trunc marks, into pt_pstats.
 * Atomic adds: an iterator runs preemptible (migration disabled), so a
 * tracepoint program may update the same per-CPU counters meanwhile.
 */
static __always_inline void pt_seed_count(__u32 cat, long err, int fault, int trunc)
{
	struct pt_proc_stats *st = pt_stats(cat);

	if (!st)
		return;
	__sync_fetch_and_add(&st->seen, 1);
	if (err)
		__sync_fetch_and_add(&st->ring_fail, 1);
	else
		__sync_fetch_and_add(&st->emitted, 1);
	if (fault)
		__sync_fetch_and_add(&st->fault, 1);
	if (trunc)
		__sync_fetch_and_add(&st->trunc, 1);
}

#endif /* PROVTAP_PROC_SEED_TASK_BPF_H */
