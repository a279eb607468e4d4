// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc_seed.bpf.c — the processes and FDs that existed before the process
 * probes (bpf/proc.bpf.c) were attached, as PT_PK_SEED and PT_CALL_SEED_FD
 * records (bpf/proc.h) in the same ring pt_pring. BPF task iterators, run
 * once by the loader (loader/proc_seed.c) right after the probes are
 * attached, with every map of proc_maps.bpf.h reused from the loaded probes
 * (bpf_map__reuse_fd); only pt_sscratch and the counters below are this
 * object's own.
 *
 * Programs (the loader loads one of the first two):
 *   pt_seed_proc_s  iter.s/task (sleepable): one PT_PK_SEED per process in
 *                   scope, from its thread-group leader: task fields, exe path
 *                   (mm->exe_file), argv read from the process's memory
 *                   [arg_start, arg_end) with bpf_copy_from_user_task (5.18+)
 *   pt_seed_proc    iter/task: the same without argv (PT_PRF_FAULT, argc 0),
 *                   for a kernel that refuses the sleepable one
 *   pt_seed_fd      iter/task_file: one PT_CALL_SEED_FD per open FD of the
 *                   processes in scope: the FD's object (pt_file_fill of
 *                   proc_fd.bpf.h), close-on-exec from the FD table, the path
 *                   of files, directories and devices
 *
 * Threads: a process is seeded once, from its leader (task.tid == pid); its
 * other threads are not seeded (the process model learns a thread from its
 * first record; they share the leader's FD table). The kernel's task_file
 * iterator visits a thread only when its FD table is not the leader's, so a
 * table is seeded once (per table: a thread that unshared its FD table has
 * its own SEED_FDs under its tid). Kernel threads and processes whose every
 * thread has exited (zombies) are not seeded: the probes never trace the
 * former and will never see the latter again. A leader that exited while
 * other threads run is seeded without exe and argv (PT_PRF_FAULT).
 *
 * Counters: pt_pstats (PT_PC_PROC, PT_PC_SYS) like the probes, but only for
 * tasks in scope (a task outside it is no event); ring-full losses are
 * ring_fail there. The seed_* globals count this run for the loader's report.
 * A task that exits during the walk is harmless: every read is CO-RE with
 * fault handling (its fields then read 0) or holds its own reference
 * (bpf_copy_from_user_task takes the mm).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "pkt.h"
#include "proc.h"
#include "proc_maps.bpf.h"
#include "proc_task.bpf.h"
#include "proc_fd.bpf.h"
#include "proc_seed_task.bpf.h"

/* This run's records, for the loader (atomic adds). */
__u64 seed_procs;		/* PT_PK_SEED records written */
__u64 seed_fds;			/* PT_CALL_SEED_FD records written */
__u64 seed_lost_procs;		/* PT_PK_SEED records the ring could not take */
__u64 seed_lost_fds;		/* PT_CALL_SEED_FD records the ring could not take */
__u64 seed_faults;		/* records with a failed read (exe, argv, path) */

static __always_inline struct pt_seed_scratch *pt_seed_scratch(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&pt_sscratch, &k);
}

/* The exe path of @task into s->pj.data; the bytes written with the NUL (>= 1). */
static __always_inline __u32 pt_seed_exe(struct pt_seed_scratch *s, struct task_struct *task)
{
	struct pt_proc *r = &s->pj.rec;
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	int n;

	if (!exe) {
		r->flags |= PT_PRF_FAULT;
		s->pj.data[0] = 0;
		return 1;
	}
	n = pt_seed_path(s, (__u64)BPF_CORE_READ(exe, f_path.dentry), (__u64)BPF_CORE_READ(exe, f_path.mnt));
	if (n & PT_SEED_PATH_FAULT)
		r->flags |= PT_PRF_FAULT;
	if (n & PT_SEED_PATH_TRUNC)
		r->flags |= PT_PRF_PATH_TRUNC;
	bpf_probe_read_kernel(s->pj.data, PT_PATH_MAX, s->path);
	n &= PT_SEED_PATH_LEN;
	if (n < 1 || n > PT_PATH_MAX) {
		s->pj.data[0] = 0;
		return 1;
	}
	return n;
}

/*
 * pt_seed_proc_one - the PT_PK_SEED record of @task if it is a process's
 * leader in scope (see the top of this file); argv only when @can_read
 * (constant: the sleepable program). Returns 0.
 */
static __always_inline int pt_seed_proc_one(struct task_struct *task, const int can_read)
{
	struct pt_seed_scratch *s;
	struct pt_proc *r;
	__u64 start, end, alen = 0, path_len, total = 0, data_len;
	__u32 argc = 0;
	long err;

	if (!task || BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid) ||
	    (BPF_CORE_READ(task, flags) & PT_PF_KTHREAD) || BPF_CORE_READ(task, signal, live.counter) <= 0)
		return 0;
	if (!pt_seed_scope_ok(task))
		return 0;
	s = pt_seed_scratch();
	if (!s)
		return 0;
	r = &s->pj.rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = PT_PK_SEED;
	pt_seed_task_fill(&r->task, task);
	path_len = pt_seed_exe(s, task);
	barrier_var(path_len);	/* keep the clamp: the verifier needs it */
	if (path_len > PT_PATH_MAX)
		path_len = PT_PATH_MAX;
	if (!can_read) {
		r->flags |= PT_PRF_FAULT;
	} else {
		start = BPF_CORE_READ(task, mm, arg_start);
		end = BPF_CORE_READ(task, mm, arg_end);
		if (end > start)
			alen = end - start;
		if (alen > PT_ARGV_MAX) {
			alen = PT_ARGV_MAX;
			r->flags |= PT_PRF_ARGV_TRUNC;
		}
		barrier_var(alen);
		if (alen > PT_ARGV_MAX)
			alen = PT_ARGV_MAX;
		if (alen && bpf_copy_from_user_task(&s->pj.data[path_len], alen, (void *)start, task, 0)) {
			r->flags |= PT_PRF_FAULT;
			alen = 0;
		} else if (alen) {
			s->pj.data[path_len + alen - 1] = 0;
			argc = pt_count_nul(&s->pj, path_len, alen);
			/* argc itself: the word at the bottom of the initial stack */
			start = BPF_CORE_READ(task, mm, start_stack);
			if (!bpf_copy_from_user_task(&total, sizeof(total), (void *)start, task, 0) &&
			    total > argc)
				r->flags |= PT_PRF_ARGV_TRUNC;
		}
	}
	r->argc = argc;
	r->path_len = path_len;
	data_len = path_len + alen;
	barrier_var(data_len);	/* keep the clamp: the verifier needs it */
	if (data_len > PT_PATH_MAX + PT_ARGV_MAX)
		data_len = PT_PATH_MAX + PT_ARGV_MAX;
	r->type = PT_REC_PROC;
	r->data_len = data_len;
	r->len = sizeof(*r) + data_len;
	err = bpf_ringbuf_output(&pt_pring, r, sizeof(*r) + data_len, 0);
	pt_seed_count(PT_PC_PROC, err, r->flags & PT_PRF_FAULT, r->flags & (PT_PRF_ARGV_TRUNC | PT_PRF_PATH_TRUNC));
	__sync_fetch_and_add(err ? &seed_lost_procs : &seed_procs, 1);
	if (r->flags & PT_PRF_FAULT)
		__sync_fetch_and_add(&seed_faults, 1);
	return 0;
}

SEC("iter.s/task")
int pt_seed_proc_s(struct bpf_iter__task *ctx)
{
	return pt_seed_proc_one(ctx->task, 1);
}

SEC("iter/task")
int pt_seed_proc(struct bpf_iter__task *ctx)
{
	return pt_seed_proc_one(ctx->task, 0);
}

/* Close-on-exec bit of @fd in @task's FD table: 1, 0, or 0 when unreadable. */
static __always_inline int pt_seed_cloexec(struct task_struct *task, __u32 fd)
{
	unsigned long *bits = BPF_CORE_READ(task, files, fdt, close_on_exec);
	unsigned long word = 0;

	if (!bits || bpf_probe_read_kernel(&word, sizeof(word), bits + fd / (8 * sizeof(word))))
		return 0;
	return (word >> (fd % (8 * sizeof(word)))) & 1;
}

SEC("iter/task_file")
int pt_seed_fd(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct pt_seed_scratch *s;
	struct pt_sys *r;
	__u32 fd = ctx->fd;
	__u64 data_len = 0;
	int n, kind;
	long err;

	if (!task || !file || (BPF_CORE_READ(task, flags) & PT_PF_KTHREAD))
		return 0;
	if (!pt_seed_scope_ok(task))
		return 0;
	s = pt_seed_scratch();
	if (!s)
		return 0;
	r = &s->sj.rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->type = PT_REC_SYS;
	r->call = PT_CALL_SEED_FD;
	r->fd = -1;
	r->newfd = fd;
	r->newfd2 = -1;
	pt_seed_task_fill(&r->task, task);
	kind = pt_file_fill(&r->info, file);
	if (kind == PT_FK_NONE)
		r->flags |= PT_SF_FAULT;
	if (pt_seed_cloexec(task, fd))
		r->flags |= PT_SF_CLOEXEC;
	if (kind != PT_FK_NONE && kind != PT_FK_SOCKET && kind != PT_FK_PIPE) {
		n = pt_seed_path(s, (__u64)BPF_CORE_READ(file, f_path.dentry),
				 (__u64)BPF_CORE_READ(file, f_path.mnt));
		if (n & PT_SEED_PATH_FAULT)
			r->flags |= PT_SF_FAULT;
		if (n & PT_SEED_PATH_TRUNC)
			r->flags |= PT_SF_PATH_TRUNC;
		bpf_probe_read_kernel(s->sj.path, PT_PATH_MAX, s->path);
		data_len = n & PT_SEED_PATH_LEN;
	}
	barrier_var(data_len);	/* keep the clamp: the verifier needs it */
	if (data_len > PT_PATH_MAX)
		data_len = PT_PATH_MAX;
	r->data_len = data_len;
	r->len = sizeof(*r) + data_len;
	err = bpf_ringbuf_output(&pt_pring, r, sizeof(*r) + data_len, 0);
	pt_seed_count(PT_PC_SYS, err, r->flags & PT_SF_FAULT, r->flags & PT_SF_PATH_TRUNC);
	__sync_fetch_and_add(err ? &seed_lost_fds : &seed_fds, 1);
	if (r->flags & PT_SF_FAULT)
		__sync_fetch_and_add(&seed_faults, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
