/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_attach.h — attaching the process/FD/socket probe family
 * (bpf/proc.bpf.c, skeleton struct proc_bpf) to its tracepoints and taking it
 * off. Loading, map sizes and pinning stay with the caller:
 *
 *   skel = proc_bpf__open();
 *   pt_proc_prepare(skel, NULL, err, sizeof(err));  sizes pt_pstage, picks the
 *                                                   program variant (mandatory)
 *   bpf_map__set_max_entries(skel->maps.pt_pring, ...);   optional
 *   proc_bpf__load(skel);
 *   (write pt_pcfg, seed pt_ptree / pt_pignore / pt_pcgrp)
 *   pt_proc_attach(skel, &links, err, sizeof(err));
 *   (pin links.l[i].link under links.l[i].pin if wanted)
 *   ...
 *   pt_proc_links_destroy(&links);  proc_bpf__destroy(skel);
 *
 * Syscall numbers come from <sys/syscall.h> at build time (the BPF side has
 * none): the table below is for the architecture this file is compiled for,
 * 64-bit ABI only (x86_64: compat 32-bit syscalls fire no syscall
 * tracepoints and are not traced).
 */
#ifndef PROVTAP_PROC_ATTACH_H
#define PROVTAP_PROC_ATTACH_H

#include <stddef.h>
#include <linux/types.h>

struct proc_bpf;
struct bpf_link;

/* One traced call: tracepoints syscalls/sys_enter_<tp> and sys_exit_<tp>. */
struct pt_proc_call {
	const char *name;	/* the call as provtap names it: "sendfile" */
	const char *tp;		/* tracepoint suffix: "sendfile64" on x86_64 */
	__u16 call;		/* enum pt_call */
	int nr;			/* syscall number here, -1: no such syscall on this arch */
};

/* Every call the family can trace, in enum pt_call order; pt_proc_ncalls entries. */
extern const struct pt_proc_call pt_proc_calls[];
extern const size_t pt_proc_ncalls;

/* The process tracepoints (raw_tp): "sched_process_fork", "_exec", "_exit". */
extern const char *const pt_proc_sched_tps[];
extern const size_t pt_proc_nsched_tps;

/* The name of an enum pt_call value ("openat"), "?" for an unknown one. */
const char *pt_proc_call_name(__u16 call);

struct pt_variant;

#define PT_PROC_LINKS_MAX	96	/* 2 per call + 3 process tracepoints, with room */

struct pt_proc_link {
	struct bpf_link *link;	/* owned by the pt_proc_links */
	char tp[64];		/* "syscalls/sys_enter_read", "raw_tp/sched_process_fork" */
	char pin[64];		/* a pin name for it: "proc_sys_enter_read", "proc_sched_process_fork" */
	__u16 call;		/* enum pt_call; 0 for a process tracepoint */
};

struct pt_proc_links {
	size_t n;				/* links attached, l[0..n) */
	struct pt_proc_link l[PT_PROC_LINKS_MAX];
	size_t nmissing;			/* calls skipped, missing[0..nmissing) */
	const struct pt_proc_call *missing[PT_PROC_LINKS_MAX];
						/* "not on this kernel": no syscall number
						 * on this arch, or no tracepoint (x86_64:
						 * send, recv) */
};

/*
 * pt_proc_prepare - between open and load: size the per-CPU content staging
 * map pt_pstage to the possible CPUs (about 70 KiB each) and set the program
 * variant (enum pt_proc_variant): @variant by name ("btf-cast", "btf",
 * "core"); NULL or "": $PROVTAP_PROC_VARIANT if set (the test programs use
 * it), else the best variant a trial load on this kernel accepts (once per
 * process; the kernel decides, never its version number). Returns 0, or
 * -errno with a message in err (errlen bytes, always NUL-terminated).
 */
int pt_proc_prepare(struct proc_bpf *skel, const char *variant, char *err, size_t errlen);

/*
 * The TCP send hook (loader/features.c, hook "send"): send-tp, send-fentry and
 * send-kprobe note write_seq under the socket lock (tcp_sendmsg_locked), for
 * exact send offsets with concurrent senders; send-syscall adds nothing.
 * send-tp also sets the rodata pt_hook_tp, which spares the sends that run
 * one tcp_sendmsg_locked their syscall entry (enter_needed).
 * pt_proc_send_prepare - between open and load: load the programs of v (a
 * PT_HOOK_SEND variant) and no other send hook program.
 * pt_proc_send_attach - after pt_proc_attach(): attach them, into out
 * (pins "proc_send_*"). 0, or -errno with a message in err.
 */
void pt_proc_send_prepare(struct proc_bpf *skel, const struct pt_variant *v);
int pt_proc_send_attach(struct proc_bpf *skel, const struct pt_variant *v, struct pt_proc_links *out, char *err,
			size_t errlen);

/* pt_proc_variant - the variant pt_proc_prepare() set on skel (enum pt_proc_variant). */
__u32 pt_proc_variant(const struct proc_bpf *skel);

/* pt_proc_variant_name - "btf-cast", "btf", "core"; "?" for an unknown value. */
const char *pt_proc_variant_name(__u32 variant);

/*
 * pt_proc_attach - for a loaded skeleton: write pt_psys (syscall number ->
 * enum pt_call, for the calls attached), attach pt_fork, pt_exec, pt_exit to
 * their sched tracepoints, then pt_sys_enter and pt_sys_exit to each call's
 * syscall tracepoints (entry before exit, so no call is seen half). *out is
 * zeroed first and owns the links. A call without a syscall number or
 * tracepoint here is skipped and listed in out->missing, never an error.
 * Returns 0, or -errno with what failed and why in err; on failure nothing
 * stays attached and *out is empty. -ENOENT with "tracefs" in err: syscall
 * tracepoints are not visible (tracefs not mounted, or no
 * CONFIG_FTRACE_SYSCALLS). -EINVAL: pt_proc_prepare() was not called.
 */
int pt_proc_attach(struct proc_bpf *skel, struct pt_proc_links *out, char *err, size_t errlen);

/*
 * pt_proc_links_destroy - detach and free every link of l (a pinned link
 * stays attached through its pin), and leave l empty. NULL-safe; pt_psys is
 * left as it is.
 */
void pt_proc_links_destroy(struct pt_proc_links *l);

#endif /* PROVTAP_PROC_ATTACH_H */
