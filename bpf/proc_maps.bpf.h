/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_maps.bpf.h — the maps of the process/FD/socket probe family
 * (bpf/proc.bpf.c) and the kernel-only layouts they hold. Map names are the
 * contract with the loader (loader/proc_attach.c and the lead's loader), which
 * sets sizes before load; no pinning here. Include after vmlinux.h,
 * bpf_helpers.h, pkt.h and proc.h.
 */
#ifndef PROVTAP_PROC_MAPS_BPF_H
#define PROVTAP_PROC_MAPS_BPF_H

#include "ring_wake.bpf.h"

#define PT_PSYS_MAX		512	/* syscall numbers covered by pt_psys (x86_64: < 512) */
#define PT_PARGS_MAX		16384	/* "core": in-scope threads whose state is kept (LRU) */
#define PT_PIGNORE_MAX		64

/* Content staging: the DATA header, then a window of up to PT_CONTENT_MAX
 * content bytes, then slack so a piece of up to PT_CHUNK_MAX at any offset
 * below PT_CONTENT_MAX stays inside (the verifier cannot relate offset and
 * size). */
#define PT_STAGE_HDR		240	/* sizeof(struct pt_data) */
#define PT_STAGE_SIZE		(PT_STAGE_HDR + PT_CONTENT_MAX + PT_CHUNK_MAX)

/* The family's records; the loader resizes it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 << 20);
} pt_pring SEC(".maps");

/* pt_pring's size in bytes, set by the loader with the map's size (a data
 * call spares one helper call); 0: asked of the ring at each record */
const volatile __u64 pt_pring_size = 0;

/* The flags for bpf_ringbuf_output() of a @len-byte record into pt_pring (bpf/ring_wake.bpf.h). */
static __always_inline __u64 pt_pring_wake(__u64 len)
{
	return pt_wake_flags_n(&pt_pring, pt_pring_size, len, 0);
}

/* Per-category (enum pt_proc_cat), per-CPU counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PT_PC_MAX);
	__type(key, __u32);
	__type(value, struct pt_proc_stats);
} pt_pstats SEC(".maps");

/* The configuration, read at every event. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_proc_cfg);
} pt_pcfg SEC(".maps");

/* PT_SCOPE_CGROUP: slot 0 holds the cgroup (fd of its directory). Empty slot:
 * the scope falls back to cgroup_id == cfg.cgroup_id (exact, no descendants). */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} pt_pcgrp SEC(".maps");

/* PT_SCOPE_PIDTREE: tgids in scope (value unused, 1). Seeded by the loader,
 * grown at fork, shrunk when a process's last thread exits. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PT_PIDTREE_MAX);
	__type(key, __u32);
	__type(value, __u8);
} pt_ptree SEC(".maps");

/* tgids never traced, whatever the scope (the collector itself). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PT_PIGNORE_MAX);
	__type(key, __u32);
	__type(value, __u8);
} pt_pignore SEC(".maps");

/* Syscall number -> enum pt_call (0: not traced), filled by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PT_PSYS_MAX);
	__type(key, __u32);
	__type(value, __u16);
} pt_psys SEC(".maps");

/*
 * The program variant, set by the loader before load (loader/proc_attach.c,
 * pt_proc_prepare: a trial load decides):
 *   1 "btf"   the current task as a BTF pointer (bpf_get_current_task_btf):
 *             its fields are plain loads, the syscall's arguments are read at
 *             exit from its saved registers (bpf_task_pt_regs), so sys_enter
 *             runs only for the calls that need their state before the call
 *             (close: the object; TCP sends: write_seq), and per-thread
 *             state is BPF task storage (pt_ptls)
 *   0 "core"  every read through bpf_probe_read_kernel (CO-RE), sys_enter on
 *             every traced call keeps its arguments, per-thread state in the
 *             LRU hash pt_pargs
 * The records are the same; "core" marks an exit without its entry
 * PT_SF_NOARGS / PT_DAF_NOARGS, "btf" only a close without its entry.
 */
const volatile __u32 pt_btf = 0;

/* The send hook is send-tp (loader/proc_attach.c pt_proc_send_prepare): see pt_send_tp. */
const volatile __u32 pt_hook_tp = 0;

/*
 * With pt_btf, and when the kernel has the kfunc bpf_rdonly_cast (6.2+; the
 * trial load decides): the FD's struct file, inode and socket are read with
 * plain loads too (the cast is a no-op the verifier inlines), instead of
 * bpf_probe_read_kernel from the FD slot on (proc_fd.bpf.h, PT_RD).
 */
const volatile __u32 pt_cast = 0;

extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k) __ksym __weak;

/* @p (a kernel address) as a @type pointer the verifier lets us load from */
#define PT_CAST(type, p)	((type *)bpf_rdonly_cast((const void *)(p), bpf_core_type_id_kernel(type)))

/*
 * PT_RD(p, type, field): @field of the kernel object @p of @type: a plain
 * load through PT_CAST with pt_cast, else bpf_probe_read_kernel (CO-RE). 0
 * when the read fails.
 */
#define PT_RD_T(p, type, field, vt) ({						\
	vt __r = 0;								\
									\
	if (pt_cast)								\
		__r = PT_CAST(type, p)->field;					\
	else									\
		bpf_core_read(&__r, sizeof(__r), &((type *)(p))->field);	\
	__r;									\
})
#define PT_RD(p, type, field)	PT_RD_T(p, type, field, typeof(((type *)0)->field))

/* A traced call's entry, kept from sys_enter to sys_exit. */
struct pt_args {
	__u16 call;		/* enum pt_call; 0: no call in progress */
	__u16 pad0;
	__u32 pad1;
	__u64 a[6];		/* "core": the syscall's arguments */
	struct pt_fdinfo info;	/* close: the object of a[0] before it is closed */
};

#define PT_TCACHE		4	/* FDs a thread's TCP-send snapshot remembers */

/*
 * A thread's state. a: the call in progress. snap_*: a TCP send's write_seq
 * at its entry (for PT_DAF_SEQ_UNCERTAIN), valid for the call a.call when
 * snap_sk is the socket the exit resolves. c_*: the FDs of the thread's last
 * sends and their socket (0: not TCP), so that a send's entry reads one FD
 * slot and write_seq instead of resolving the FD: an entry is used only while
 * the FD still holds c_file, and the exit checks the socket it resolves.
 */
struct pt_tstate {
	struct pt_args a;
	__u64 snap_sk;		/* struct sock * whose write_seq is snap_seq; 0: none */
	__u32 snap_seq;
	__u32 c_next;		/* next c_* slot to replace */
	__s32 c_fd[PT_TCACHE];
	__u64 c_file[PT_TCACHE];	/* struct file * */
	__u64 c_sk[PT_TCACHE];	/* struct sock *, 0: not a TCP socket */
	/* the send hook (send-fentry, send-kprobe: bpf/proc.bpf.c, pt_lk_*; send-tp
	 * keeps in lk_seq1 where the call's bytes end less its size, see pt_send_tp):
	 * write_seq of lk_sk at the entry (lk_seq0) and exit (lk_seq1) of each
	 * tcp_sendmsg_locked of the send in progress, which holds the socket
	 * lock; lk_n counts them (reset at the send's sys_enter, or send-tp's first step), lk_done: the
	 * last one's exit was seen (a kretprobe out of instances misses it) */
	__u64 lk_sk;
	__u32 lk_seq0, lk_seq1;
	__u32 lk_n;
	__u32 lk_done;
	/* send-tp (pt_send_tp: the tracepoint at each copy step, no exit): the
	 * bytes the call had left to copy at its first step and at the last seen */
	__u32 lk_left0, lk_left;
};

/* "core": tid -> the thread's state; LRU so dead threads do not leak (pt_exit
 * deletes a thread's entry too). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PT_PARGS_MAX);
	__type(key, __u32);
	__type(value, struct pt_tstate);
} pt_pargs SEC(".maps");

/* "btf": the thread's state, in the task (freed with it). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pt_tstate);
} pt_ptls SEC(".maps");

/* A sockaddr read from user memory (pt_uaddr_read). */
struct pt_uaddr {
	__u16 family;
	__u16 port;		/* host order */
	__u32 pad;
	__u8  addr[16];		/* network order, IPv4 in the first 4 bytes */
};

/* The kernel pointers behind a resolved FD (for the TCP-send snapshot). */
struct pt_fdptrs {
	__u64 file;		/* struct file * */
	__u64 sk;		/* struct sock *, when a TCP socket; else 0 */
};

/* A PT_REC_SYS being built: the record, then its path. */
struct pt_sjob {
	struct pt_sys rec;
	char  path[PT_PATH_MAX + 8];
};

/* A PT_REC_DATA being built, and where its content comes from. */
struct pt_djob {
	struct pt_data rec;
	__u64 src;		/* user buffer (iov == 0) */
	__u64 iov;		/* user struct iovec array, 0 for a plain buffer */
	__u64 cur;		/* content step: user pointer of the current piece */
	__u64 cur_rem;		/* content step: bytes left in the current segment */
	__u32 iovcnt;		/* entries at iov */
	__u32 iov_i;		/* content step: next iovec */
	__u32 want;		/* content bytes to capture (<= PT_CALL_CONTENT_MAX) */
	__u32 got;		/* content bytes read so far */
	__u32 wbase;		/* content step: the stage window's first content byte */
	__u32 wend;		/* content step: its end (<= wbase + PT_CONTENT_MAX, <= want) */
	__s32 err;		/* bpf_ringbuf_output of the DATA record (then its CHUNKs are not written) */
	__u32 pad3;
	__u32 snd_raw;		/* TCP: write_seq at exit */
	__u32 rcv_raw;		/* TCP: copied_seq at exit (less a FIN this call consumed) */
	__u64 snap_sk;		/* TCP send: the sock whose write_seq the entry read; 0: none */
	__u32 snap_seq;		/* that write_seq */
	__u32 lk_n;		/* TCP send: the thread's pt_tstate lk_* at exit (lk_n 0: none) */
	__u32 lk_done;
	__u64 lk_sk;
	__u32 lk_seq0, lk_seq1;
	__u32 lk_left0;		/* send-tp: pt_tstate's lk_left0 */
	__u32 content_max;	/* cfg.content_max at the event, clamped to PT_CALL_CONTENT_MAX */
	__u32 mm_i;		/* mmsg: index of the message being recorded */
	__u64 mm_vec;		/* mmsg: user struct mmsghdr array */
	__u32 mm_seq;		/* mmsg, TCP: sequence of the next message's first byte */
	__u16 mm_flags;		/* mmsg: the call's pt_data_flag bits */
	__u8  mm_tcp;		/* mmsg: 1 rewind snd_seq, 2 rcv_seq, 0 neither */
	__u8  pad;
};

/* A PT_REC_PROC being built: the record, then filename and argv. */
struct pt_pjob {
	struct pt_proc rec;
	__u8  data[PT_PATH_MAX + PT_ARGV_MAX + 8];
};

/* Per-CPU scratch of the programs. Programs of this family never nest on one
 * CPU (syscall and sched tracepoints run with preemption off), so one entry
 * serves them all; each record kind has its own part. */
struct pt_pscratch {
	struct pt_args a;	/* sys_exit: the call's arguments (and close's entry) */
	struct pt_tstate tz;	/* zeroes: a new pt_pargs entry */
	struct pt_fdinfo fi;	/* a send's entry: its FD's object */
	struct pt_fdptrs pp;	/* the pointers behind the FD pt_fd_resolve resolved last */
	struct pt_uaddr ua;
	struct pt_sjob sj;
	struct pt_djob dj;
	struct pt_pjob pj;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_pscratch);
} pt_pscratch SEC(".maps");

/* Content staging, one entry per CPU (index bpf_get_smp_processor_id()):
 * larger than a per-CPU map value may be (32 KiB). The loader must size it to
 * the number of possible CPUs before load (pt_proc_prepare()); a CPU without
 * an entry records DATA without content, flagged PT_DAF_FAULT. */
struct pt_stage {
	/* 8-aligned, as the map value is: clang then copies the DATA header
	 * into it with 8-byte moves, not byte by byte (240 loads and 240
	 * stores, an eighth of pt_sys_exit's time per data call) */
	__u8 b[PT_STAGE_SIZE] __attribute__((aligned(8)));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_stage);
} pt_pstage SEC(".maps");

#endif /* PROVTAP_PROC_MAPS_BPF_H */
