/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_task.bpf.h — who did it: counters, the scope test, struct pt_task and
 * the thread's state, for the programs of bpf/proc.bpf.c. The current task is
 * read with bpf_get_current_*() helpers and BPF_CORE_READ, or in the "btf"
 * variant (proc_maps.bpf.h, pt_btf) with plain loads through
 * bpf_get_current_task_btf(); both verify on 6.1 and 6.18.
 * Include after proc_maps.bpf.h.
 */
#ifndef PROVTAP_PROC_TASK_BPF_H
#define PROVTAP_PROC_TASK_BPF_H

#include "comm_words.h"

/* uapi values vmlinux.h does not carry (macros) */
#define PT_AF_UNIX		1
#define PT_AF_INET		2
#define PT_AF_INET6		10
#define PT_SOCK_STREAM		1
#define PT_O_WRONLY		01
#define PT_O_CREAT		0100
#define PT_O_TRUNC		01000
#define PT_O_CLOEXEC		02000000	/* == SOCK_CLOEXEC */
#define PT_AT_FDCWD		(-100)
#define PT_F_DUPFD		0
#define PT_F_SETFD		2
#define PT_F_DUPFD_CLOEXEC	1030
#define PT_FIONCLEX		0x5450
#define PT_FIOCLEX		0x5451
#define PT_MSG_PEEK		2
#define PT_S_IFMT		0170000
#define PT_S_IFSOCK		0140000
#define PT_S_IFREG		0100000
#define PT_S_IFDIR		0040000
#define PT_S_IFCHR		0020000
#define PT_S_IFIFO		0010000
#define PT_SIGNAL_GROUP_EXIT	0x00000004	/* include/linux/sched/signal.h, 6.1 and 6.18 */

static __always_inline struct pt_proc_stats *pt_stats(__u32 cat)
{
	return bpf_map_lookup_elem(&pt_pstats, &cat);
}

/* One event of category @cat skipped by the scope. */
static __always_inline void pt_count_oos(__u32 cat)
{
	struct pt_proc_stats *st = pt_stats(cat);

	if (st) {
		st->seen++;
		st->out_of_scope++;
	}
}

/* One record of category @cat offered to the ring (@err from
 * bpf_ringbuf_output), and its noargs/fault/trunc marks, with one lookup. */
static __always_inline void pt_count(__u32 cat, long err, int noargs, int fault, int trunc)
{
	struct pt_proc_stats *st = pt_stats(cat);

	if (!st)
		return;
	st->seen++;
	if (err)
		st->ring_fail++;
	else
		st->emitted++;
	if (noargs)
		st->noargs++;
	if (fault)
		st->fault++;
	if (trunc)
		st->trunc++;
}

static __always_inline struct pt_proc_cfg *pt_cfg(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&pt_pcfg, &k);
}

/* 1 when scope @c's test is a few plain loads ("btf": a command name, a
 * network namespace, a cgroup whose level the loader knew): pt_scope_loads()
 * makes it. The other scopes take a helper call or a lookup. */
static __always_inline int pt_scope_by_loads(const struct pt_proc_cfg *c)
{
	return pt_btf && c && (c->scope == PT_SCOPE_COMM || c->scope == PT_SCOPE_NETNS ||
			       (c->scope == PT_SCOPE_CGROUP && c->cgroup_level));
}

#define PT_CG_UP_MAX	16	/* cgroup levels walked up by plain loads; from deeper, the helper */

/* 1 when the current task is in @c's cgroup or below it, asked of the helper (the cgroup array
 * the loader filled); without an entry there, by the id of the task's own cgroup */
static __always_inline int pt_cgroup_helper(const struct pt_proc_cfg *c)
{
	long r = bpf_current_task_under_cgroup(&pt_pcgrp, 0);

	if (r >= 0)
		return r == 1;
	return c->cgroup_id && bpf_get_current_cgroup_id() == c->cgroup_id;
}

/*
 * pt_cgroup_loads - "btf": 1 when @task's cgroup (v2) is @c's or below it:
 * up from it to @c's level (cgroup_level - 1) by the parent links, then the
 * id (what bpf_current_task_under_cgroup decides, without the helper call and
 * before any lookup, so that the rest of the host leaves at once). A task
 * more than PT_CG_UP_MAX levels below asks the helper.
 */
static __always_inline int pt_cgroup_loads(struct task_struct *task, const struct pt_proc_cfg *c)
{
	struct cgroup *cg = task->cgroups->dfl_cgrp;
	int up = cg->level - (int)(c->cgroup_level - 1), i;

	if (up < 0)
		return 0;
	if (up > PT_CG_UP_MAX)
		return pt_cgroup_helper(c);
	for (i = 0; i < PT_CG_UP_MAX && i < up; i++)
		cg = cg->self.parent->cgroup;
	return cg->kn->id == c->cgroup_id;
}

/* 1 when the current task is in scope @c, for which pt_scope_by_loads() holds, else 0 */
static __always_inline int pt_scope_loads(const struct pt_proc_cfg *c)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (c->scope == PT_SCOPE_CGROUP)
		return pt_cgroup_loads(task, c);
	if (c->scope == PT_SCOPE_NETNS)
		return task->nsproxy->net_ns->ns.inum == c->netns_ino;
	return pt_comm_eq_words(*(__u64 *)&task->comm[0], *(__u64 *)&task->comm[8],
				*(__u64 *)&c->comm[0], *(__u64 *)&c->comm[8]);
}

/* pt_scope_in - 1 when the current task (process @tgid) is in the configured
 * scope of @c, else 0 (see pt_scope_ok). */
static __always_inline int pt_scope_in(const struct pt_proc_cfg *c, __u32 tgid)
{
	struct task_struct *task;
	char comm[PT_COMM_LEN];

	if (!c)
		return 1;
	if (pt_scope_by_loads(c))
		return pt_scope_loads(c);
	switch (c->scope) {
	case PT_SCOPE_ALL:
		return 1;
	case PT_SCOPE_CGROUP:
		return pt_cgroup_helper(c);
	case PT_SCOPE_PIDTREE:
		return tgid == c->root_pid || bpf_map_lookup_elem(&pt_ptree, &tgid) != NULL;
	case PT_SCOPE_COMM:
		__builtin_memset(comm, 0, sizeof(comm));
		bpf_get_current_comm(comm, sizeof(comm));
		return pt_comm_eq(comm, c->comm);
	case PT_SCOPE_NETNS:
		task = (void *)bpf_get_current_task();
		return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum) == c->netns_ino;
	}
	return 0;
}

/*
 * pt_scope_quick - 0 when the current task is out of a scope whose test is a
 * few plain loads ("btf": a command name or a network namespace), else 1 (in
 * it, or a scope this does not test: a cgroup's or a pid tree's takes a
 * helper call or a lookup, and pt_scope_ok decides).
 */
static __always_inline int pt_scope_quick(void)
{
	struct pt_proc_cfg *c = pt_cfg();

	return !pt_scope_by_loads(c) || pt_scope_loads(c);
}

/*
 * pt_scope_ok - 1 when the current task is in the configured scope and not
 * ignored, else 0. No configuration: everything is in scope (ARRAY maps
 * always have it, zeroed = PT_SCOPE_ALL). An unknown scope value: nothing.
 * The scope first: most calls a host makes are out of it, and its test is
 * cheaper than the ignore list's hash lookup. Inlined, as pt_task_fill (both
 * together took pt_sys_exit from ~830 to ~750 ns per traced data call).
 * Costs measured here (2026-11, 6.18 on AMD with the SRSO safe-RET and
 * retpoline mitigations: every call and return is a thunk), ten in a loop of
 * a syscall tracepoint program, warm: a BPF-to-BPF call ~8 ns,
 * bpf_get_current_pid_tgid ~8, bpf_task_storage_get and a hash lookup ~19,
 * bpf_get_current_cgroup_id ~21, bpf_task_pt_regs ~22, an 8-byte
 * bpf_probe_read_kernel ~24, bpf_ktime_get_boot_ns ~40 (kvm-clock),
 * bpf_probe_read_user of 64-256 bytes ~80; perf's glue around the program
 * ~85-135 ns a hit. Hence plain loads wherever "btf" allows them. Larger
 * callees stay global functions (verified once; inlining pt_fd_resolve or
 * pt_data_record measured no gain).
 */
static __always_inline int pt_scope_ok(void)
{
	__u32 tgid = pt_btf ? bpf_get_current_task_btf()->tgid : bpf_get_current_pid_tgid() >> 32;

	if (!pt_scope_in(pt_cfg(), tgid))
		return 0;
	return bpf_map_lookup_elem(&pt_pignore, &tgid) == NULL;
}

/* pt_scope_ok after pt_scope_quick() returned 1: the scope tests it made are
 * not made again (a command name, a network namespace), only the rest. */
static __always_inline int pt_scope_ok_quick(void)
{
	__u32 tgid;

	if (!pt_scope_by_loads(pt_cfg()))
		return pt_scope_ok();
	tgid = bpf_get_current_task_btf()->tgid;
	return bpf_map_lookup_elem(&pt_pignore, &tgid) == NULL;
}

/*
 * pt_task_fill - fill @t from the current task (see struct pt_task). Fields
 * whose read fails are 0. Returns 0 (1 for a NULL @t, nothing written).
 */
static __always_inline int pt_task_fill(struct pt_task *t)
{
	struct task_struct *task;
	__u64 id;

	if (!t)
		return 1;
	t->ts_ns = bpf_ktime_get_boot_ns();
	if (pt_btf) {
		/* plain loads, not helper calls (~30 ns on a data call): pid and
		 * tgid are what bpf_get_current_pid_tgid reports, the default
		 * hierarchy's cgroup what bpf_get_current_cgroup_id does, and
		 * cred->uid what bpf_get_current_uid_gid does (the kuid, i.e. the
		 * uid in the initial user namespace) */
		task = bpf_get_current_task_btf();
		t->pid = task->tgid;
		t->tid = task->pid;
		t->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
		t->start_ns = task->group_leader->start_boottime;
		t->ppid = task->real_parent->tgid;
		t->uid = task->cred->uid.val;
		t->netns_ino = task->nsproxy->net_ns->ns.inum;
		/* as bpf_get_current_comm, by words (the verifier allows 8-byte
		 * loads inside the array; comm_words.h) */
		pt_comm_clean_words(*(__u64 *)&task->comm[0], *(__u64 *)&task->comm[8],
				    (__u64 *)&t->comm[0], (__u64 *)&t->comm[8]);
		return 0;
	}
	id = bpf_get_current_pid_tgid();
	t->pid = id >> 32;
	t->tid = (__u32)id;
	t->cgroup_id = bpf_get_current_cgroup_id();
	task = (void *)bpf_get_current_task();
	t->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	t->ppid = BPF_CORE_READ(task, real_parent, tgid);
	t->uid = (__u32)bpf_get_current_uid_gid();
	t->netns_ino = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	__builtin_memset(t->comm, 0, sizeof(t->comm));
	bpf_get_current_comm(t->comm, sizeof(t->comm));
	return 0;
}

/*
 * pt_tstate - the current thread's state (struct pt_tstate), created zeroed
 * when @create and missing; NULL when missing (or it cannot be created).
 * "btf": task storage; "core": pt_pargs by tid (@z: zeroes to create from).
 */
static __always_inline struct pt_tstate *pt_tstate(int create, const struct pt_tstate *z)
{
	struct pt_tstate *ts;
	__u32 tid;

	if (pt_btf)
		return bpf_task_storage_get(&pt_ptls, bpf_get_current_task_btf(), 0,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	tid = (__u32)bpf_get_current_pid_tgid();
	ts = bpf_map_lookup_elem(&pt_pargs, &tid);
	if (ts || !create || !z)
		return ts;
	bpf_map_update_elem(&pt_pargs, &tid, z, BPF_NOEXIST);
	return bpf_map_lookup_elem(&pt_pargs, &tid);
}

/*
 * pt_count_nul - NUL bytes in pj->data[off, off + len), off <= PT_PATH_MAX,
 * len <= PT_ARGV_MAX: the strings of an argv. A global function, so that each
 * early loop exit is cheap to verify.
 */
__noinline int pt_count_nul(struct pt_pjob *pj, __u32 off, __u32 len)
{
	__u64 o = off, i;
	__u32 n = 0;
	__u8 ch;

	barrier_var(o);
	if (!pj || o > PT_PATH_MAX)
		return 0;
	for (i = 0; i < PT_ARGV_MAX; i++) {
		if (i >= len)
			break;
		ch = pj->data[o + i];
		/* branch-free: 1 for a NUL, 0 otherwise */
		n += 1 - (((__u32)ch + 255) >> 8);
	}
	return n;
}

#endif /* PROVTAP_PROC_TASK_BPF_H */
