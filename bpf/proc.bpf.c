// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc.bpf.c — the process/FD/socket probes: PT_REC_PROC, PT_REC_SYS,
 * PT_REC_DATA and PT_REC_CHUNK records (bpf/proc.h) into pt_pring.
 *
 * Programs (attached by loader/proc_attach.c), in the variant the loader
 * chose (proc_maps.bpf.h: pt_btf, pt_cast):
 *   pt_sys_enter  tracepoint syscalls/sys_enter_*: "core" for every traced
 *                 call (scope, then the arguments and close's FD object into
 *                 the thread's state); "btf" only for close and the sends
 *                 (close's object, a send's write_seq)
 *   pt_sys_exit   tracepoint syscalls/sys_exit_*: pt_psys maps the syscall
 *                 number to enum pt_call; one PT_REC_SYS, or one PT_REC_DATA
 *                 (+ CHUNKs) per call (per message for sendmmsg/recvmmsg)
 *   pt_fork       raw_tp sched_process_fork(parent, child)
 *   pt_exec       raw_tp sched_process_exec(p, old_pid, bprm)
 *   pt_exit       raw_tp sched_process_exit(p [, group_dead on >= 6.16]): only
 *                 the first argument is read, so it attaches on 6.1 and 6.18
 *   pt_send_*     the TCP send hook (loaded only when chosen: loader/features.c,
 *                 hook "send"): fentry+fexit or kprobe+kretprobe on
 *                 tcp_sendmsg_locked, write_seq under the socket lock
 *
 * Portability: no kernel version tests. "core" reads through CO-RE
 * (BPF_CORE_READ / bpf_probe_read_*) only; "btf" also walks the current task
 * as a BTF pointer (get_current_task_btf, task_pt_regs, task storage) and
 * "btf-cast" the FD's objects (bpf_rdonly_cast); the loader's trial load picks
 * the best one the kernel accepts. Helpers of every variant: get_current_{task,
 * pid_tgid,uid_gid,comm,cgroup_id}, current_task_under_cgroup,
 * ktime_get_boot_ns, probe_read_{user,kernel}{,_str}, ringbuf_{output,query},
 * get_smp_processor_id. Heavy
 * parts are global functions, verified once each; loops are bounded.
 * Checked on 6.18 and on Debian 12's 6.1.0-50 (qemu): tests/bpf/test_proc_prog
 * prints each program's verifier statistics. Bounds the verifier needs are
 * kept from clang with barrier_var() before the test (6.1 learns no bound
 * from comparing two registers, and clang drops tests it can prove).
 *
 * Why the per-syscall perf tracepoints, not raw_tp sys_enter/sys_exit
 * (measured on 6.18, 2026-11, dd of 64-byte blocks, 2M syscalls): an empty
 * program on the raw sys_enter or sys_exit costs 60-90 ns per syscall, for
 * every syscall of the machine; on a per-syscall tracepoint ~107 ns per hit
 * (perf's trace buffer and trace_call_bpf), but only for the traced calls,
 * and "btf" enters only close and the sends. The raw pair made the
 * out-of-scope floor no lower on read/write loops and higher on rrload (every
 * read ran sys_enter too), so it was not kept. The syscall slow path itself
 * (TIF work set by any syscall tracepoint) is ~30 ns. Tried again 2026-11-25
 * on an Intel host (retpolines), the raw sys_exit alone (tp_btf, registers
 * from its context, the per-syscall entries kept): a traced call ~20 ns
 * cheaper (dd bs=64: +180 instead of +200 ns a call in scope, +32-44 instead
 * of +49-52 out of it), but every untraced syscall of the host +40 ns
 * instead of +9 (getppid loop), and rrload and the record client/server
 * benchmark unchanged within their noise: not kept either.
 *
 * The syscall tracepoint context is read with bpf_probe_read_kernel past the
 * first argument: a direct ctx load of args[5] would raise the program's
 * max_ctx_offset above the record size of a 1-argument syscall (close, pipe)
 * and perf would refuse the attach (EACCES). args[0] is loaded directly:
 * every traced call has at least one argument.
 *
 * A failed execve/execveat is a PT_REC_SYS (PT_CALL_EXECVE/EXECVEAT, ret < 0,
 * path); a successful one is only the PT_REC_PROC EXEC record.
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
#include "proc_content.bpf.h"

#define PT_UIO_MAXIOV	1024	/* the kernel's cap on sendmmsg/recvmmsg vlen */

/* The syscall tracepoints' BPF context (kernel/trace/trace_syscalls.c,
 * struct syscall_tp_t): the first 8 bytes are not readable. */
struct pt_tp_sys_enter {
	__u64 ent;
	__s32 nr;
	__u32 pad;
	__u64 args[6];
};

struct pt_tp_sys_exit {
	__u64 ent;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

/* struct mmsghdr as user space lays it out (x86_64) */
struct pt_ummsg {
	__u64 name;
	__s32 namelen;
	__u32 pad0;
	__u64 iov;
	__u64 iovlen;
	__u64 control;
	__u64 controllen;
	__u32 flags;
	__u32 pad1;
	__u32 msg_len;
	__u32 pad2;
};

static __always_inline struct pt_pscratch *pt_scratch(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&pt_pscratch, &k);
}

static __always_inline __u32 pt_call_cat(__u32 call)
{
	return call >= PT_CALL_READ ? PT_PC_DATA : PT_PC_SYS;
}

static __always_inline int pt_call_out(__u32 call)
{
	switch (call) {
	case PT_CALL_WRITE: case PT_CALL_WRITEV: case PT_CALL_PWRITE64: case PT_CALL_SEND:
	case PT_CALL_SENDTO: case PT_CALL_SENDMSG: case PT_CALL_SENDMMSG: case PT_CALL_SENDFILE:
		return 1;
	}
	return 0;
}

/* ---- PT_REC_SYS ---- */

static __always_inline void pt_sys_addr(struct pt_pscratch *s, __u64 uptr, __u64 len)
{
	struct pt_sys *r = &s->sj.rec;
	int n = pt_uaddr_read(&s->ua, uptr, len);

	if (n < 0) {
		r->flags |= PT_SF_FAULT;
	} else if (n > 0) {
		r->flags |= PT_SF_ADDR;
		r->addr_family = s->ua.family;
		r->port = s->ua.port;
		__builtin_memcpy(r->addr, s->ua.addr, sizeof(r->addr));
	}
}

static __always_inline void pt_sys_path(struct pt_pscratch *s, __u64 uptr)
{
	struct pt_sys *r = &s->sj.rec;
	long n = bpf_probe_read_user_str(s->sj.path, PT_PATH_MAX + 1, (void *)uptr);

	if (n <= 0) {
		r->flags |= PT_SF_FAULT;
		return;
	}
	if (n > PT_PATH_MAX) {
		s->sj.path[PT_PATH_MAX - 1] = 0;
		n = PT_PATH_MAX;
		r->flags |= PT_SF_PATH_TRUNC;
	}
	r->data_len = n;
}

/* pipe/pipe2/socketpair: the two fds the kernel wrote to user memory. */
static __always_inline void pt_sys_fds(struct pt_pscratch *s, __u64 uptr)
{
	struct pt_sys *r = &s->sj.rec;
	__s32 fds[2];

	if (bpf_probe_read_user(fds, sizeof(fds), (void *)uptr)) {
		r->flags |= PT_SF_FAULT;
		return;
	}
	r->newfd = fds[0];
	r->newfd2 = fds[1];
}

/*
 * pt_sys_record - build and emit the PT_REC_SYS of @call returning @ret from
 * s->a (the entry, valid when @have) and the current task; counts SYS.
 * Returns 0.
 */
__noinline int pt_sys_record(struct pt_pscratch *s, __u32 call, __s64 ret, __u32 have)
{
	struct pt_sys *r;
	__u64 a0, a1, a2, a3, a4, dl;
	__s32 alen, info_fd;
	__u64 how[2];
	long err;

	if (!s)
		return 0;
	r = &s->sj.rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->type = PT_REC_SYS;
	r->call = call;
	r->ret = ret;
	r->fd = -1;
	r->newfd = -1;
	r->newfd2 = -1;
	if (!have) {
		r->flags = PT_SF_NOARGS;
		goto emit;
	}
	a0 = s->a.a[0];
	a1 = s->a.a[1];
	a2 = s->a.a[2];
	a3 = s->a.a[3];
	a4 = s->a.a[4];

	switch (call) {
	case PT_CALL_SOCKET:
	case PT_CALL_SOCKETPAIR:
		r->arg[0] = a0;
		r->arg[1] = a1;
		r->arg[2] = a2;
		if (a1 & PT_O_CLOEXEC)
			r->flags |= PT_SF_CLOEXEC;
		if (call == PT_CALL_SOCKET) {
			if (ret >= 0)
				r->newfd = ret;
		} else if (ret == 0) {
			pt_sys_fds(s, a3);
		}
		break;
	case PT_CALL_BIND:
	case PT_CALL_CONNECT:
		r->fd = a0;
		pt_sys_addr(s, a1, a2);
		break;
	case PT_CALL_LISTEN:
	case PT_CALL_SHUTDOWN:
		r->fd = a0;
		r->arg[0] = a1;
		break;
	case PT_CALL_ACCEPT:
	case PT_CALL_ACCEPT4:
		r->fd = a0;
		if (call == PT_CALL_ACCEPT4) {
			r->arg[0] = a3;
			if (a3 & PT_O_CLOEXEC)
				r->flags |= PT_SF_CLOEXEC;
		}
		if (ret >= 0) {
			r->newfd = ret;
			if (a1 && a2) {
				if (bpf_probe_read_user(&alen, sizeof(alen), (void *)a2))
					r->flags |= PT_SF_FAULT;
				else if (alen > 0)
					pt_sys_addr(s, a1, alen);
			}
		}
		break;
	case PT_CALL_CLOSE:
		r->fd = a0;
		break;
	case PT_CALL_CLOSE_RANGE:
		r->fd = a0;
		r->newfd2 = a1;
		r->arg[0] = a2;
		break;
	case PT_CALL_DUP:
		r->fd = a0;
		if (ret >= 0)
			r->newfd = ret;
		break;
	case PT_CALL_DUP2:
	case PT_CALL_DUP3:
		r->fd = a0;
		r->newfd = a1;
		if (call == PT_CALL_DUP3) {
			r->arg[0] = a2;
			if (a2 & PT_O_CLOEXEC)
				r->flags |= PT_SF_CLOEXEC;
		}
		break;
	case PT_CALL_IOCTL:
		r->fd = a0;
		r->arg[0] = (__u32)a1;
		break;
	case PT_CALL_FCNTL:
		r->fd = a0;
		r->arg[0] = a1;
		r->arg[1] = a2;
		if (a1 == PT_F_DUPFD || a1 == PT_F_DUPFD_CLOEXEC) {
			if (ret >= 0)
				r->newfd = ret;
			if (a1 == PT_F_DUPFD_CLOEXEC)
				r->flags |= PT_SF_CLOEXEC;
		}
		break;
	case PT_CALL_PIPE:
	case PT_CALL_PIPE2:
		if (call == PT_CALL_PIPE2) {
			r->arg[0] = a1;
			if (a1 & PT_O_CLOEXEC)
				r->flags |= PT_SF_CLOEXEC;
		}
		if (ret == 0)
			pt_sys_fds(s, a0);
		break;
	case PT_CALL_OPEN:
	case PT_CALL_CREAT:
		if (call == PT_CALL_OPEN) {
			r->arg[0] = a1;
			r->arg[1] = a2;
		} else {
			r->arg[0] = PT_O_CREAT | PT_O_WRONLY | PT_O_TRUNC;
			r->arg[1] = a1;
		}
		r->arg[2] = (__u64)(__s64)PT_AT_FDCWD;
		pt_sys_path(s, a0);
		break;
	case PT_CALL_OPENAT:
		r->arg[0] = a2;
		r->arg[1] = a3;
		r->arg[2] = (__u64)(__s64)(__s32)a0;
		pt_sys_path(s, a1);
		break;
	case PT_CALL_OPENAT2:
		/* struct open_how { __u64 flags, mode, resolve; } */
		if (bpf_probe_read_user(how, sizeof(how), (void *)a2)) {
			r->flags |= PT_SF_FAULT;
		} else {
			r->arg[0] = how[0];
			r->arg[1] = how[1];
		}
		r->arg[2] = (__u64)(__s64)(__s32)a0;
		pt_sys_path(s, a1);
		break;
	case PT_CALL_EXECVE:
		r->arg[2] = (__u64)(__s64)PT_AT_FDCWD;
		pt_sys_path(s, a0);
		break;
	case PT_CALL_EXECVEAT:
		r->arg[0] = a4;
		r->arg[2] = (__u64)(__s64)(__s32)a0;
		pt_sys_path(s, a1);
		break;
	}
	if (call == PT_CALL_OPEN || call == PT_CALL_OPENAT || call == PT_CALL_OPENAT2 ||
	    call == PT_CALL_CREAT) {
		if (ret >= 0)
			r->newfd = ret;
		if (r->arg[0] & PT_O_CLOEXEC)
			r->flags |= PT_SF_CLOEXEC;
	}

	if (call == PT_CALL_CLOSE) {
		__builtin_memcpy(&r->info, &s->a.info, sizeof(r->info));
	} else {
		info_fd = ret >= 0 && r->newfd >= 0 ? r->newfd : r->fd;
		if (info_fd >= 0)
			pt_fd_resolve(&r->info, info_fd, &s->pp);
	}

emit:
	pt_task_fill(&r->task);
	dl = r->data_len;
	barrier_var(dl);
	if (dl > PT_PATH_MAX)
		dl = PT_PATH_MAX;
	r->data_len = dl;
	r->len = sizeof(*r) + dl;
	err = bpf_ringbuf_output(&pt_pring, &s->sj, sizeof(*r) + dl,
				 pt_pring_wake(sizeof(*r) + dl));
	pt_count(PT_PC_SYS, err, r->flags & PT_SF_NOARGS, r->flags & PT_SF_FAULT,
		 r->flags & PT_SF_PATH_TRUNC);
	return 0;
}

/* ---- PT_REC_DATA ---- */

static __always_inline void pt_data_peer(struct pt_pscratch *s, __u64 uptr, __u64 len)
{
	struct pt_data *r = &s->dj.rec;

	if (pt_uaddr_read(&s->ua, uptr, len) > 0) {
		r->flags |= PT_DAF_ADDR;
		r->peer_family = s->ua.family;
		r->peer_port = s->ua.port;
		__builtin_memcpy(r->peer_addr, s->ua.addr, sizeof(r->peer_addr));
	}
}

/* Content to capture for a call that moved @size bytes (flags TRUNC as needed). */
static __always_inline void pt_data_want(struct pt_djob *j, __u64 size)
{
	__u32 cmax = j->content_max;

	j->want = 0;
	if (!cmax || !size || (j->rec.flags & (PT_DAF_NOCONTENT | PT_DAF_LIMIT)))
		return;
	if (size > cmax) {
		j->rec.flags |= PT_DAF_TRUNC;
		j->want = cmax;
	} else {
		j->want = size;
	}
}

/*
 * pt_send_interleaved - for a TCP send that moved @size bytes, whose exit
 * read write_seq into j->snd_raw: 1 when its entry read write_seq of the same
 * socket (j->snap_*) and it moved by more than @size in between (another send
 * interleaved: rec.seq_lo is set), else 0 (exact, or not checkable).
 */
static __always_inline int pt_send_interleaved(struct pt_djob *j, __u32 size)
{
	if (!j->snap_sk || !size || j->snd_raw - j->snap_seq == size)
		return 0;
	j->rec.seq_lo = j->snap_seq;
	return 1;
}

/*
 * pt_past_budget - 1 when the TCP call of s->dj.rec (a send when @out, else a
 * receive; s->dj.rec.info's seqs already rewound to the call's start, except
 * for a MSG_PEEK receive, @peek) starts at or past @budget +
 * PT_CONN_CONTENT_SLACK in its direction's stream (see bpf/proc.h); else 0.
 * The kernel adds to the counter (bytes_acked, bytes_received) just before it
 * moves the sequence (snd_una, rcv_nxt), so a read between the two would
 * place the call too far by what that update moved: the sequence is read
 * before and after the counter, and a call is not held to the budget when it
 * changed. A send that may have been overtaken (PT_DAF_SEQ_UNCERTAIN) is
 * placed at its lowest possible sequence (seq_lo).
 */
static __always_inline int pt_past_budget(struct pt_pscratch *s, int out, int peek, __u64 budget)
{
	struct tcp_sock *tp = (void *)s->pp.sk;
	const struct pt_data *r = &s->dj.rec;
	__u32 q0, q1, at;
	__s64 start;

	if (out) {
		at = r->flags & PT_DAF_SEQ_UNCERTAIN ? r->seq_lo : r->info.snd_seq;
		q0 = PT_RD(tp, struct tcp_sock, snd_una);
		start = (__s64)PT_RD(tp, struct tcp_sock, bytes_acked);
		q1 = PT_RD(tp, struct tcp_sock, snd_una);
		start += (__s32)(at - q1);
	} else {
		at = peek ? s->dj.rcv_raw : r->info.rcv_seq;
		q0 = PT_RD(tp, struct tcp_sock, rcv_nxt);
		start = (__s64)PT_RD(tp, struct tcp_sock, bytes_received);
		q1 = PT_RD(tp, struct tcp_sock, rcv_nxt);
		start -= (__s32)(q1 - at);
	}
	/* no budget + slack: it may wrap */
	return q0 == q1 && start > PT_CONN_CONTENT_SLACK && (__u64)start - PT_CONN_CONTENT_SLACK >= budget;
}

/*
 * pt_send_locked - for a TCP send that moved @size bytes on s->pp.sk: when the
 * send hook saw exactly one tcp_sendmsg_locked of this call on that socket,
 * its sequence from there (read under the socket lock): exact when write_seq
 * moved by @size inside it, else (the call blocked, releasing the lock, and
 * another send went in) uncertain within [lk_seq0, lk_seq1). 1 when it set
 * r->info.snd_seq and the flags, 0 when the hook has nothing for this call.
 */
static __always_inline int pt_send_locked(struct pt_pscratch *s, __u32 size)
{
	struct pt_djob *j = &s->dj;

	if (pt_hook_tp) {
		if (!j->lk_n || !size || j->lk_sk != s->pp.sk)
			return 0;
		/* placed from under the lock only when the tracepoint saw the whole
		 * call as one tcp_sendmsg_locked: its first step had exactly the
		 * bytes the call moved left to copy (not a partial send, not probes
		 * that came while it ran, not several calls: sendfile batches, kTLS
		 * records); lk_seq1 is then where its bytes end less its size */
		if (j->lk_n == 1 && j->lk_left0 == size) {
			j->rec.flags |= PT_DAF_SEQ_LOCKED;
			j->rec.info.snd_seq = j->lk_seq1;
			if (j->lk_seq1 != j->lk_seq0) {
				j->rec.seq_lo = j->lk_seq0;
				j->rec.flags |= PT_DAF_SEQ_UNCERTAIN;
			}
			return 1;
		}
		/* else as at the syscall, the first step standing for a missing entry */
		if (!j->snap_sk) {
			j->snap_sk = j->lk_sk;
			j->snap_seq = j->lk_seq0;
		}
		return 0;
	}
	if (j->lk_n != 1 || !j->lk_done || !size || j->lk_sk != s->pp.sk)
		return 0;
	j->rec.flags |= PT_DAF_SEQ_LOCKED;
	if (j->lk_seq1 - j->lk_seq0 == size) {
		j->rec.info.snd_seq = j->lk_seq0;
		return 1;
	}
	j->rec.info.snd_seq = j->lk_seq1 - size;
	j->rec.seq_lo = j->lk_seq0;
	j->rec.flags |= PT_DAF_SEQ_UNCERTAIN;
	return 1;
}

/*
 * pt_rcv_end - copied_seq after a TCP receive of @size bytes on s->pp.sk
 * (s->dj.rcv_raw), less 1 when this call consumed the peer's FIN: the kernel
 * counts the FIN in copied_seq (tcp_recvmsg, found_fin_ok), so without this a
 * receive that returns the last bytes and the FIN would start one byte late.
 * Consumed here means: a FIN was received (SOCK_DONE, in a state that follows
 * one), everything up to and including it is read (copied_seq == rcv_nxt),
 * and this call read something (an earlier call that consumed the FIN leaves
 * nothing for this one). Returns the sequence of the byte after the call's
 * last.
 */
__noinline __u32 pt_rcv_end(struct pt_pscratch *s, __u32 size)
{
	struct sock_common *skc;
	struct tcp_sock *tp;
	__u8 st;

	if (!s)
		return 0;
	st = s->dj.rec.info.sk_state;
	if (!size || !s->pp.sk || (st != TCP_CLOSE_WAIT && st != TCP_LAST_ACK &&
				   st != TCP_CLOSING && st != TCP_TIME_WAIT && st != TCP_CLOSE))
		return s->dj.rcv_raw;
	skc = (void *)s->pp.sk;
	tp = (void *)s->pp.sk;
	if (!(PT_RD(skc, struct sock_common, skc_flags) &
	      (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE))) ||
	    PT_RD(tp, struct tcp_sock, rcv_nxt) != s->dj.rcv_raw)
		return s->dj.rcv_raw;
	return s->dj.rcv_raw - 1;
}

/*
 * pt_mmsg_total - sum of msg_len over the first @n (<= PT_UIO_MAXIOV) entries
 * of the user mmsghdr vector @vec: the bytes a sendmmsg/recvmmsg moved, for
 * the TCP sequence of each message. Unreadable entries count 0.
 */
__noinline int pt_mmsg_total(__u64 vec, __u32 n)
{
	__u32 i, len, sum = 0;

	for (i = 0; i < PT_UIO_MAXIOV; i++) {
		if (i >= n)
			break;
		len = 0;
		bpf_probe_read_user(&len, sizeof(len), (void *)(vec + (__u64)i *
				    sizeof(struct pt_ummsg) + offsetof(struct pt_ummsg, msg_len)));
		sum += len;
	}
	return sum;
}

/*
 * pt_mmsg_one - the DATA record of message s->dj.mm_i of a sendmmsg/recvmmsg
 * whose common part s->dj.rec holds (flags = the call's: restored here per
 * message). TCP: s->dj.mm_seq is the sequence of this message's first byte
 * and is advanced by its msg_len. A global function: the per-message work is
 * verified once, not once per loop iteration. Returns 0.
 */
__noinline int pt_mmsg_one(struct pt_pscratch *s)
{
	struct pt_ummsg m;
	struct pt_djob *j;
	struct pt_data *r;

	if (!s)
		return 0;
	j = &s->dj;
	r = &j->rec;
	r->flags = j->mm_flags;
	r->msg_index = j->mm_i;
	r->peer_family = 0;
	r->peer_port = 0;
	__builtin_memset(r->peer_addr, 0, sizeof(r->peer_addr));
	j->src = 0;
	j->iov = 0;
	j->iovcnt = 0;
	j->want = 0;
	if (bpf_probe_read_user(&m, sizeof(m), (void *)(j->mm_vec + (__u64)j->mm_i * sizeof(m)))) {
		r->flags |= PT_DAF_FAULT;
		r->size = 0;
		return pt_data_emit(s);
	}
	r->size = m.msg_len;
	j->iov = m.iov;
	j->iovcnt = m.iovlen > PT_UIO_MAXIOV ? PT_UIO_MAXIOV : m.iovlen;
	if (m.name && m.namelen > 0)
		pt_data_peer(s, m.name, m.namelen);
	if (j->mm_tcp == 1)
		r->info.snd_seq = j->mm_seq;
	else if (j->mm_tcp == 2)
		r->info.rcv_seq = j->mm_seq;
	j->mm_seq += m.msg_len;
	pt_data_want(j, m.msg_len);
	return pt_data_emit(s);
}

/* sendmmsg/recvmmsg: one DATA per message (<= PT_MMSG_MAX), after the
 * common part of s->dj.rec is filled. */
static __always_inline int pt_mmsg_record(struct pt_pscratch *s, __u32 call, __s64 ret,
					  __u64 vec, int tcp, int peek)
{
	struct pt_djob *j = &s->dj;
	__u32 n = ret > 0 ? ret : 0, i, total;

	if (n == 0) {
		j->rec.size = 0;
		j->want = 0;
		return pt_data_emit(s);
	}
	j->mm_flags = j->rec.flags;
	if (n > PT_MMSG_MAX)
		j->mm_flags |= PT_DAF_MMSG_TRUNC;
	j->mm_vec = vec;
	/* TCP: 1 rewinds snd_seq, 2 rcv_seq (not for MSG_PEEK), 0 neither */
	j->mm_tcp = 0;
	j->mm_seq = 0;
	if (tcp && call == PT_CALL_SENDMMSG) {
		total = pt_mmsg_total(vec, n);
		j->mm_tcp = 1;
		j->mm_seq = j->snd_raw - total;
		if (pt_send_interleaved(j, total))
			j->mm_flags |= PT_DAF_SEQ_UNCERTAIN;
	} else if (tcp && !peek) {
		total = pt_mmsg_total(vec, n);
		j->mm_tcp = 2;
		j->mm_seq = pt_rcv_end(s, total) - total;
	}
	for (i = 0; i < PT_MMSG_MAX; i++) {
		if (i >= n)
			break;
		j->mm_i = i;
		pt_mmsg_one(s);
	}
	return 0;
}

/*
 * pt_data_record - build and emit the PT_REC_DATA record(s) of @call
 * returning @ret from s->a (valid when @have), with content per
 * cfg.content_max (none for a TCP call past cfg.conn_content_max; sendmmsg
 * and recvmmsg messages are not held to it); counts DATA and CHUNK. Returns 0.
 */
__noinline int pt_data_record(struct pt_pscratch *s, __u32 call, __s64 ret, __u32 have)
{
	struct pt_proc_cfg *c = pt_cfg();
	struct pt_djob *j;
	struct pt_data *r;
	__u64 a1, a2, a3, a4, a5, size, hdr[4];
	__s32 alen;
	int out, peek = 0, tcp;

	if (!s)
		return 0;
	j = &s->dj;
	r = &j->rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->type = PT_REC_DATA;
	r->call = call;
	r->ret = ret;
	r->fd = -1;
	r->fd2 = -1;
	r->offset = -1;
	out = pt_call_out(call);
	r->dir = out ? PT_DIR_OUT : PT_DIR_IN;
	j->src = 0;
	j->iov = 0;
	j->iovcnt = 0;
	j->want = 0;
	j->content_max = c ? c->content_max : 0;
	if (j->content_max > PT_CALL_CONTENT_MAX)
		j->content_max = PT_CALL_CONTENT_MAX;
	pt_task_fill(&r->task);
	if (!have) {
		j->snap_sk = 0;
		r->flags = PT_DAF_NOARGS;
		return pt_data_emit(s);
	}
	r->fd = s->a.a[0];
	a1 = s->a.a[1];
	a2 = s->a.a[2];
	a3 = s->a.a[3];
	a4 = s->a.a[4];
	a5 = s->a.a[5];
	size = ret > 0 ? ret : 0;

	switch (call) {
	case PT_CALL_READ:
	case PT_CALL_WRITE:
	case PT_CALL_SEND:
		j->src = a1;
		break;
	case PT_CALL_RECV:
		j->src = a1;
		peek = a3 & PT_MSG_PEEK;
		break;
	case PT_CALL_PREAD64:
	case PT_CALL_PWRITE64:
		j->src = a1;
		r->offset = a3;
		break;
	case PT_CALL_READV:
	case PT_CALL_WRITEV:
		j->iov = a1;
		j->iovcnt = a2;
		break;
	case PT_CALL_SENDTO:
		j->src = a1;
		if (a4 && a5)
			pt_data_peer(s, a4, a5);
		break;
	case PT_CALL_RECVFROM:
		j->src = a1;
		peek = a3 & PT_MSG_PEEK;
		if (ret >= 0 && a4 && a5 &&
		    !bpf_probe_read_user(&alen, sizeof(alen), (void *)a5) && alen > 0)
			pt_data_peer(s, a4, alen);
		break;
	case PT_CALL_SENDMSG:
	case PT_CALL_RECVMSG:
		if (call == PT_CALL_RECVMSG)
			peek = a2 & PT_MSG_PEEK;
		/* struct user_msghdr: name, namelen, iov, iovlen */
		if (bpf_probe_read_user(hdr, sizeof(hdr), (void *)a1)) {
			r->flags |= PT_DAF_FAULT;
			break;
		}
		j->iov = hdr[2];
		j->iovcnt = hdr[3] > PT_UIO_MAXIOV ? PT_UIO_MAXIOV : hdr[3];
		if (hdr[0] && (__s32)hdr[1] > 0 && (out || ret >= 0))
			pt_data_peer(s, hdr[0], (__s32)hdr[1]);
		break;
	case PT_CALL_RECVMMSG:
		peek = a3 & PT_MSG_PEEK;
		break;
	case PT_CALL_SENDFILE:
		r->fd2 = a1;
		r->flags |= PT_DAF_NOCONTENT;
		break;
	}

	pt_fd_resolve(&r->info, r->fd, &s->pp);
	if (c && (c->content_flags & PT_CONTENT_INET) && !pt_fi_inet(&r->info))
		j->content_max = 0;
	tcp = s->pp.sk && pt_fi_tcp(&r->info);
	j->snd_raw = r->info.snd_seq;
	j->rcv_raw = r->info.rcv_seq;
	/* the entry's write_seq counts only for the socket this exit found */
	if (!tcp || j->snap_sk != s->pp.sk)
		j->snap_sk = 0;

	if (call == PT_CALL_SENDMMSG || call == PT_CALL_RECVMMSG)
		return pt_mmsg_record(s, call, ret, a1, tcp, peek);

	if (tcp) {
		if (out && pt_send_locked(s, size)) {
			/* placed from under the socket lock */
		} else if (out) {
			r->info.snd_seq -= size;
			if (pt_send_interleaved(j, size))
				r->flags |= PT_DAF_SEQ_UNCERTAIN;
		} else if (!peek) {
			r->info.rcv_seq = pt_rcv_end(s, size) - size;
		}
		if (size && c && c->conn_content_max && j->content_max &&
		    pt_past_budget(s, out, peek, c->conn_content_max))
			r->flags |= PT_DAF_LIMIT;
	}
	r->size = size;
	if (ret > 0 && !(r->flags & PT_DAF_FAULT))
		pt_data_want(j, size);
	return pt_data_emit(s);
}

/* ---- programs ---- */

/*
 * pt_call_snap - 1 for the calls whose entry notes write_seq when their FD is a
 * TCP socket (the send family; pwrite64 does not take sockets).
 */
static __always_inline int pt_call_snap(__u32 call)
{
	return pt_call_out(call) && call != PT_CALL_PWRITE64;
}

/*
 * pt_send_snap - at the entry of a send on @fd: note in @ts the socket and its
 * write_seq when @fd is a TCP socket (else snap_sk 0). The thread's last FDs
 * (ts->c_*) spare resolving the FD: an entry counts only while the FD still
 * holds the same struct file, and the exit checks that the socket it resolves
 * is snap_sk (a file freed and reallocated at the same address with another
 * socket is caught there). Returns 0.
 */
__noinline int pt_send_snap(struct pt_pscratch *s, struct pt_tstate *ts, int fd)
{
	struct tcp_sock *tp;
	struct file *file;
	__u64 sk = 0;
	__u32 i, slot;
	int hit = 0;

	if (!s || !ts)
		return 0;
	ts->snap_sk = 0;
	ts->lk_n = 0;
	ts->lk_sk = 0;
	file = pt_fd_file(fd);
	if (!file)
		return 0;
	for (i = 0; i < PT_TCACHE; i++) {
		if (ts->c_fd[i] == fd && ts->c_file[i] == (__u64)file) {
			sk = ts->c_sk[i];
			hit = 1;
			break;
		}
	}
	if (!hit) {
		__builtin_memset(&s->fi, 0, sizeof(s->fi));
		pt_fd_resolve(&s->fi, fd, &s->pp);
		if (s->pp.file != (__u64)file)
			return 0;
		sk = s->pp.sk;
		slot = ts->c_next & (PT_TCACHE - 1);
		ts->c_next = slot + 1;
		ts->c_fd[slot] = fd;
		ts->c_file[slot] = (__u64)file;
		ts->c_sk[slot] = sk;
	}
	if (!sk)
		return 0;
	tp = (void *)sk;
	ts->snap_seq = PT_RD(tp, struct tcp_sock, write_seq);
	ts->snap_sk = sk;
	return 0;
}

/*
 * pt_args_regs - "btf": the current syscall's arguments into s->a.a, read at
 * its exit from the registers saved at its entry (x86_64: di, si, dx, r10,
 * r8, r9, which no traced call changes; the return value is in ax). Returns 0.
 */
static __always_inline int pt_args_regs(struct pt_pscratch *s)
{
#if defined(__TARGET_ARCH_x86)
	struct pt_regs *regs = (void *)bpf_task_pt_regs(bpf_get_current_task_btf());

	s->a.a[0] = PT_REGS_PARM1_SYSCALL(regs);
	s->a.a[1] = PT_REGS_PARM2_SYSCALL(regs);
	s->a.a[2] = PT_REGS_PARM3_SYSCALL(regs);
	s->a.a[3] = PT_REGS_PARM4_SYSCALL(regs);
	s->a.a[4] = PT_REGS_PARM5_SYSCALL(regs);
	s->a.a[5] = regs->r9;
#else
#error "pt_args_regs: the syscall argument registers of this architecture"
#endif
	return 0;
}

/*
 * pt_tstate_scoped - "btf": the current thread's state for a send's entry or
 * the send hook, made when missing: NULL when the thread is out of scope. A
 * thread it knows needs no scope test (the send's exit has one), but a scope
 * whose test is a few loads is tested first, so that the sends of the rest of
 * the host skip the task storage lookup (~20 ns).
 */
static __always_inline struct pt_tstate *pt_tstate_scoped(void)
{
	struct pt_tstate *ts;

	if (!pt_scope_quick())
		return NULL;
	ts = pt_tstate(0, NULL);
	if (ts)
		return ts;
	return pt_scope_ok_quick() ? pt_tstate(1, NULL) : NULL;
}

/* pt_syscall_nr - "btf": the number of the current task's syscall, from the registers saved at its entry. */
static __always_inline __u32 pt_syscall_nr(void)
{
#if defined(__TARGET_ARCH_x86)
	struct pt_regs *regs = (void *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return (__u32)regs->orig_ax;
#else
#error "pt_syscall_nr: the syscall number register of this architecture"
#endif
}

SEC("tracepoint")
int pt_sys_enter(struct pt_tp_sys_enter *ctx)
{
	struct pt_pscratch *s;
	struct pt_tstate *ts;
	__u32 nr = ctx->nr, call;
	__u64 a0 = 0;
	__u16 *cp;

	cp = bpf_map_lookup_elem(&pt_psys, &nr);
	if (!cp || !*cp)
		return 0;
	call = *cp;
	s = pt_scratch();
	if (!s)
		return 0;
	/* "btf" attaches here only close and the sends (loader/proc_attach.c, enter_needed) */
	if (pt_btf && call != PT_CALL_CLOSE) {
		/* a send (with send-tp only sendmmsg and sendfile come here) */
		ts = pt_tstate_scoped();
		if (!ts)
			return 0;
		ts->a.call = call;
		/* a direct load: every call "btf" enters has an argument (see above) */
		a0 = ctx->args[0];
		return pt_send_snap(s, ts, (int)a0);
	}
	if (!pt_scope_ok())
		return 0;
	if (call == PT_CALL_IOCTL) {
		/* only FIOCLEX/FIONCLEX are recorded: no state for the others */
		a0 = 0;
		bpf_probe_read_kernel(&a0, sizeof(a0), (void *)ctx + offsetof(struct pt_tp_sys_enter, args[1]));
		if ((__u32)a0 != PT_FIOCLEX && (__u32)a0 != PT_FIONCLEX)
			return 0;
	}
	ts = pt_tstate(1, &s->tz);
	if (!ts)
		return 0;
	ts->a.call = call;
	bpf_probe_read_kernel(ts->a.a, sizeof(ts->a.a), (void *)ctx + offsetof(struct pt_tp_sys_enter, args));
	if (call == PT_CALL_CLOSE) {
		__builtin_memset(&ts->a.info, 0, sizeof(ts->a.info));
		pt_fd_resolve(&ts->a.info, (int)ts->a.a[0], &s->pp);
	} else if (pt_call_snap(call)) {
		pt_send_snap(s, ts, (int)ts->a.a[0]);
	}
	return 0;
}

/* A send's exit: what its entry and the send hook noted, into s->dj. */
static __always_inline void pt_take_snaps(struct pt_pscratch *s, const struct pt_tstate *ts)
{
	if (ts->snap_sk) {
		s->dj.snap_sk = ts->snap_sk;
		s->dj.snap_seq = ts->snap_seq;
	}
	s->dj.lk_n = ts->lk_n;
	s->dj.lk_done = ts->lk_done;
	s->dj.lk_sk = ts->lk_sk;
	s->dj.lk_seq0 = ts->lk_seq0;
	s->dj.lk_seq1 = ts->lk_seq1;
	s->dj.lk_left0 = ts->lk_left0;
}

SEC("tracepoint")
int pt_sys_exit(struct pt_tp_sys_exit *ctx)
{
	__u32 nr = ctx->nr, call, have = 0;
	__s64 ret = ctx->ret;
	struct pt_pscratch *s;
	struct pt_tstate *ts = NULL;
	__u64 cmd;
	__u16 *cp;

	cp = bpf_map_lookup_elem(&pt_psys, &nr);
	if (!cp || !*cp)
		return 0;
	call = *cp;
	/* a successful exec is the PROC EXEC record (and a non-leader's exec
	 * returns under the leader's tid, without an entry) */
	if ((call == PT_CALL_EXECVE || call == PT_CALL_EXECVEAT) && ret == 0) {
		if (!pt_btf) {
			ts = pt_tstate(0, NULL);
			if (ts)
				ts->a.call = 0;
		}
		return 0;
	}
	/* "btf": a call without entry state (all but close), or a send whose
	 * entry ran the same quick test (its state was not set), out of a
	 * quickly tested scope ends here */
	if (pt_btf && call != PT_CALL_CLOSE && !pt_scope_quick()) {
		pt_count_oos(pt_call_cat(call));
		return 0;
	}
	s = pt_scratch();
	if (!s)
		return 0;
	s->dj.snap_sk = 0;
	s->dj.lk_n = 0;
	s->a.call = 0;
	if (pt_btf) {
		/* the entry's state, for the calls that have one */
		if (call == PT_CALL_CLOSE || pt_call_snap(call))
			ts = pt_tstate(0, NULL);
		if (ts && ts->a.call == call) {
			if (call == PT_CALL_CLOSE)
				__builtin_memcpy(&s->a.info, &ts->a.info, sizeof(s->a.info));
			else
				pt_take_snaps(s, ts);
			have = 1;
		} else if (call == PT_CALL_CLOSE) {
			/* the object before the close is unknown */
			__builtin_memset(&s->a.info, 0, sizeof(s->a.info));
		}
		if (ts)
			ts->a.call = 0;
		if (call == PT_CALL_CLOSE ? !pt_scope_ok() : !pt_scope_ok_quick()) {
			pt_count_oos(pt_call_cat(call));
			return 0;
		}
		pt_args_regs(s);
		/* "btf" has every argument; only a close can miss its entry */
		have = have || call != PT_CALL_CLOSE;
	} else {
		ts = pt_tstate(0, NULL);
		if (ts && ts->a.call) {
			__builtin_memcpy(&s->a, &ts->a, sizeof(s->a));
			have = ts->a.call == call;
			if (have)
				pt_take_snaps(s, ts);
			ts->a.call = 0;
		} else if (call == PT_CALL_IOCTL) {
			return 0;	/* not one of the two its entry keeps */
		} else if (!pt_scope_ok()) {
			pt_count_oos(pt_call_cat(call));
			return 0;
		}
	}
	if (call == PT_CALL_FCNTL && have) {
		cmd = s->a.a[1];
		if (cmd != PT_F_DUPFD && cmd != PT_F_DUPFD_CLOEXEC && cmd != PT_F_SETFD)
			return 0;
	}
	if (call == PT_CALL_IOCTL) {
		/* only what changes the FD table: the close-on-exec bit (the
		 * command is an unsigned int) */
		cmd = (__u32)s->a.a[1];
		if (!have || (cmd != PT_FIOCLEX && cmd != PT_FIONCLEX))
			return 0;
	}
	if (call >= PT_CALL_READ)
		return pt_data_record(s, call, ret, have);
	return pt_sys_record(s, call, ret, have);
}

static __always_inline long pt_proc_emit(struct pt_proc *r, __u64 data_len)
{
	long err;

	barrier_var(data_len);	/* keep the clamp: the verifier needs it */
	if (data_len > PT_PATH_MAX + PT_ARGV_MAX)
		data_len = PT_PATH_MAX + PT_ARGV_MAX;
	r->type = PT_REC_PROC;
	r->data_len = data_len;
	r->len = sizeof(*r) + data_len;
	pt_task_fill(&r->task);
	err = bpf_ringbuf_output(&pt_pring, r, sizeof(*r) + data_len,
				 pt_pring_wake(sizeof(*r) + data_len));
	pt_count(PT_PC_PROC, err, 0, r->flags & PT_PRF_FAULT,
		 r->flags & (PT_PRF_ARGV_TRUNC | PT_PRF_PATH_TRUNC));
	return err;
}

/*
 * The send hook (loader/features.c, hook "send"; not loaded unless chosen):
 * tcp_sendmsg_locked runs with the socket lock held, so write_seq at its
 * entry is where the call's bytes start, and at its exit, less what it
 * returned, where they start when it did not block. Noted only inside a
 * send the thread's state has (a thread whose state exists passed the scope
 * test once; the send's exit tests it again), for its exit.
 */
static __always_inline int pt_lk_enter(__u64 sk)
{
	struct pt_tstate *ts = pt_tstate(0, NULL);

	if (!ts || !ts->a.call || !pt_call_snap(ts->a.call))
		return 0;
	ts->lk_n++;
	ts->lk_sk = sk;
	ts->lk_seq0 = PT_RD(sk, struct tcp_sock, write_seq);
	ts->lk_done = 0;
	return 0;
}

static __always_inline int pt_lk_exit(void)
{
	struct pt_tstate *ts = pt_tstate(0, NULL);
	__u64 sk;

	if (!ts || !ts->a.call || !ts->lk_sk)
		return 0;
	sk = ts->lk_sk;		/* outside PT_RD: its CO-RE access is the tcp_sock's alone */
	ts->lk_seq1 = PT_RD(sk, struct tcp_sock, write_seq);
	ts->lk_done = 1;
	return 0;
}

SEC("?fentry/tcp_sendmsg_locked")
int BPF_PROG(pt_send_fentry, struct sock *sk)
{
	return pt_lk_enter((__u64)sk);
}

SEC("?fexit/tcp_sendmsg_locked")
int BPF_PROG(pt_send_fexit, struct sock *sk)
{
	return pt_lk_exit();
}

SEC("?kprobe/tcp_sendmsg_locked")
int BPF_KPROBE(pt_send_kprobe, struct sock *sk)
{
	return pt_lk_enter((__u64)sk);
}

SEC("?kretprobe/tcp_sendmsg_locked")
int BPF_KRETPROBE(pt_send_kretprobe)
{
	return pt_lk_exit();
}

/*
 * The send hook "send-tp": tracepoint tcp:tcp_sendmsg_locked (6.12+), run at
 * the top of each copy step of tcp_sendmsg_locked, under the socket lock,
 * before the step queues its bytes. Every release of the lock in there (a
 * wait for memory) is followed by another step, so the bytes the call had
 * left at its last step went in from write_seq there on, without a gap:
 * lk_seq1 = that write_seq less what the call had copied before it is where
 * its bytes end less its size, as the fexit hook's reading is. It is
 * lk_seq0, write_seq at the last step before the call copied anything (a
 * first step may wait for room, other senders going in meanwhile): exact,
 * unless another sender's bytes went in between its own (then uncertain, in
 * [lk_seq0, lk_seq1 + size)); pt_send_locked says when the reading counts. A socket other than
 * the first, or more bytes left than at the step before, is another
 * tcp_sendmsg_locked (sendfile batches): lk_n counts them (some repeats are
 * not seen so: pt_send_locked also compares the bytes left at the first step
 * with what the call moved). sendmmsg is not followed (pt_mmsg_record).
 * "btf" attaches no syscall entry to the sends that run one of them
 * (loader/proc_attach.c enter_needed): the first step notes the call, from
 * the syscall number in the task's saved registers, for the exit (which
 * clears it); a step of a call not traced (splice) notes nothing.
 */
SEC("?tp_btf/tcp_sendmsg_locked")
int BPF_PROG(pt_send_tp, struct sock *sk, struct msghdr *msg)
{
	struct pt_tstate *ts;
	__u32 left, seq, nr;
	__u16 *cp;

	if (!pt_scope_quick())
		return 0;
	ts = pt_tstate(0, NULL);
	if (!ts || !ts->a.call) {
		/* "core" enters every traced call: nothing noted, not one of them */
		if (!pt_btf)
			return 0;
		/* "btf": a step of a traced send first (kernel threads, splice
		 * and the rest of the host stop here), then the scope */
		nr = pt_syscall_nr();
		cp = bpf_map_lookup_elem(&pt_psys, &nr);
		if (!cp || !pt_call_snap(*cp))
			return 0;
		if (!ts && !(pt_scope_ok_quick() && (ts = pt_tstate(1, NULL))))
			return 0;
		ts->a.call = *cp;
		ts->lk_n = 0;
		ts->snap_sk = 0;
	} else if (!pt_call_snap(ts->a.call)) {
		return 0;
	}
	if (ts->a.call == PT_CALL_SENDMMSG)
		return 0;	/* pt_mmsg_record places its messages from the entry's write_seq */
	left = (__u32)msg->msg_iter.count;
	seq = PT_RD(sk, struct tcp_sock, write_seq);
	if (!ts->lk_n) {
		ts->lk_n = 1;
		ts->lk_sk = (__u64)sk;
		ts->lk_seq0 = seq;
		ts->lk_seq1 = seq;
		ts->lk_left0 = left;
		ts->lk_left = left;
		return 0;
	}
	if ((__u64)sk != ts->lk_sk || left > ts->lk_left) {
		ts->lk_n++;
		return 0;
	}
	/* nothing copied yet (the first step waited for room): the call starts here */
	if (left == ts->lk_left0)
		ts->lk_seq0 = seq;
	ts->lk_seq1 = seq - (ts->lk_left0 - left);
	ts->lk_left = left;
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(pt_fork, struct task_struct *parent, struct task_struct *child)
{
	struct pt_pscratch *s;
	struct pt_proc_cfg *c;
	struct pt_proc *r;
	__u32 ctgid, ptgid;
	__u8 one = 1;

	if (!pt_scope_ok()) {
		pt_count_oos(PT_PC_PROC);
		return 0;
	}
	s = pt_scratch();
	if (!s)
		return 0;
	r = &s->pj.rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = PT_PK_FORK;
	ctgid = BPF_CORE_READ(child, tgid);
	ptgid = bpf_get_current_pid_tgid() >> 32;
	if (ctgid == ptgid) {
		r->flags |= PT_PRF_THREAD;
	} else {
		c = pt_cfg();
		if (c && c->scope == PT_SCOPE_PIDTREE &&
		    bpf_map_update_elem(&pt_ptree, &ctgid, &one, BPF_ANY))
			r->flags |= PT_PRF_UNFOLLOWED;
	}
	if (BPF_CORE_READ(child, files) == BPF_CORE_READ(parent, files))
		r->flags |= PT_PRF_SHARED_FILES;
	r->child_pid = ctgid;
	r->child_tid = BPF_CORE_READ(child, pid);
	r->child_start_ns = BPF_CORE_READ(child, group_leader, start_boottime);
	pt_proc_emit(r, 0);
	return 0;
}

/*
 * pt_exec_record - build and emit the EXEC record: filename from @bprm_p
 * (struct linux_binprm *), argv from the new mm's [arg_start, arg_end).
 * Returns 0.
 */
__noinline int pt_exec_record(struct pt_pscratch *s, __u64 bprm_p, __u32 old_pid)
{
	struct linux_binprm *bprm = (void *)bprm_p;
	struct task_struct *task = (void *)bpf_get_current_task();
	struct pt_proc *r;
	__u64 start, end, alen = 0, path_len;
	__u32 argc = 0, total;
	const char *fname;
	long n;

	if (!s)
		return 0;
	r = &s->pj.rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = PT_PK_EXEC;
	r->old_tid = old_pid;
	fname = BPF_CORE_READ(bprm, filename);
	n = bpf_probe_read_kernel_str(s->pj.data, PT_PATH_MAX + 1, fname);
	if (n <= 0) {
		r->flags |= PT_PRF_FAULT;
		s->pj.data[0] = 0;
		n = 1;
	} else if (n > PT_PATH_MAX) {
		r->flags |= PT_PRF_PATH_TRUNC;
		s->pj.data[PT_PATH_MAX - 1] = 0;
		n = PT_PATH_MAX;
	}
	path_len = n;

	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	if (end > start)
		alen = end - start;
	if (alen > PT_ARGV_MAX) {
		alen = PT_ARGV_MAX;
		r->flags |= PT_PRF_ARGV_TRUNC;
	}
	barrier_var(path_len);	/* keep the clamp: the verifier needs it */
	if (path_len > PT_PATH_MAX)
		path_len = PT_PATH_MAX;
	if (alen) {
		if (bpf_probe_read_user(&s->pj.data[path_len], alen, (void *)start)) {
			r->flags |= PT_PRF_FAULT;
			alen = 0;
		} else {
			s->pj.data[path_len + alen - 1] = 0;
			argc = pt_count_nul(&s->pj, path_len, alen);
		}
	}
	total = BPF_CORE_READ(bprm, argc);
	if (argc < total)
		r->flags |= PT_PRF_ARGV_TRUNC;
	r->argc = argc;
	r->path_len = path_len;
	pt_proc_emit(r, path_len + alen);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(pt_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), old = old_pid;

	/* a non-leader's exec: its entry under the old tid is dead ("core") */
	if (old != tid && !pt_btf)
		bpf_map_delete_elem(&pt_pargs, &old);
	if (!pt_scope_ok()) {
		pt_count_oos(PT_PC_PROC);
		return 0;
	}
	return pt_exec_record(pt_scratch(), (__u64)bprm, old);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(pt_exit, struct task_struct *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, tgid = id >> 32, sflags;
	struct signal_struct *sig;
	struct pt_pscratch *s;
	struct pt_proc *r;
	int group, in, code;

	if (!pt_btf)
		bpf_map_delete_elem(&pt_pargs, &tid);
	sig = BPF_CORE_READ(p, signal);
	/* do_exit() decrements signal->live before the tracepoint (6.1, 6.18) */
	group = BPF_CORE_READ(sig, live.counter) == 0;
	in = pt_scope_ok();
	if (group)
		bpf_map_delete_elem(&pt_ptree, &tgid);
	if (!in) {
		pt_count_oos(PT_PC_PROC);
		return 0;
	}
	s = pt_scratch();
	if (!s)
		return 0;
	r = &s->pj.rec;
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = PT_PK_EXIT;
	/* what wait() reports: the group's code once a group exit started */
	sflags = BPF_CORE_READ(sig, flags);
	if (sflags & PT_SIGNAL_GROUP_EXIT)
		code = BPF_CORE_READ(sig, group_exit_code);
	else
		code = BPF_CORE_READ(p, exit_code);
	r->exit_code = code;
	if (group)
		r->flags |= PT_PRF_GROUP;
	if (code & 0x7f)
		r->flags |= PT_PRF_SIGNAL;
	pt_proc_emit(r, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
