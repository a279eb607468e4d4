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

#define PT_PSYS_MAX		512	/* syscall numbers covered by pt_psys (x86_64: < 512) */
#define PT_PARGS_MAX		16384	/* threads inside a traced call at once */
#define PT_PIGNORE_MAX		64

/* Content staging: the DATA header, then up to PT_CONTENT_MAX content bytes,
 * then slack so a piece of up to PT_CHUNK_MAX at any offset below
 * PT_CONTENT_MAX stays inside (the verifier cannot relate offset and size). */
#define PT_STAGE_HDR		240	/* sizeof(struct pt_data) */
#define PT_STAGE_SIZE		(PT_STAGE_HDR + PT_CONTENT_MAX + PT_CHUNK_MAX)

/* The family's records; the loader resizes it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 << 20);
} pt_pring SEC(".maps");

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

/* A traced call's entry, kept from sys_enter to sys_exit. */
struct pt_args {
	__u16 call;		/* enum pt_call */
	__u16 pad0;
	__u32 pad1;
	__u64 a[6];		/* the syscall's arguments */
	struct pt_fdinfo info;	/* close: the object of a[0] before it is closed */
};

/* tid -> the entry of the call in progress; LRU so dead threads do not leak. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PT_PARGS_MAX);
	__type(key, __u32);
	__type(value, struct pt_args);
} pt_pargs SEC(".maps");

/* A sockaddr read from user memory (pt_uaddr_read). */
struct pt_uaddr {
	__u16 family;
	__u16 port;		/* host order */
	__u32 pad;
	__u8  addr[16];		/* network order, IPv4 in the first 4 bytes */
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
	__u32 want;		/* content bytes to capture (<= PT_CONTENT_MAX) */
	__u32 got;		/* content bytes read so far */
	__u32 snd_raw;		/* TCP: write_seq at exit */
	__u32 rcv_raw;		/* TCP: copied_seq at exit */
	__u32 content_max;	/* cfg.content_max at the event, clamped */
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
	struct pt_args a;	/* sys_exit: copy of the call's entry */
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
	__u8 b[PT_STAGE_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_stage);
} pt_pstage SEC(".maps");

#endif /* PROVTAP_PROC_MAPS_BPF_H */
