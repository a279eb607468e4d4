/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * procs.h — the process/FD/socket probes (bpf/proc.bpf.c, records in
 * bpf/proc.h) as the loader and the collector see them: pins, load, unload,
 * state. Independent of the packet probes: either family can be loaded alone.
 *
 *   $PIN_DIR/proc/pt_pring       its ring buffer (the collector drains it)
 *   $PIN_DIR/proc/pt_pstats      counters per category (struct pt_proc_stats, per CPU)
 *   $PIN_DIR/proc/pt_pcfg        struct pt_proc_cfg: scope and --content
 *   $PIN_DIR/proc/pt_ptree       --pid-tree members
 *   $PIN_DIR/proc/pt_pignore     processes never traced (a collector adds itself)
 *   $PIN_DIR/proc/pt_preported   per category, the ring_fail count already stored
 *                                as LOSS records (user space only)
 *   $PIN_DIR/links/proc/<tracepoint>   one bpf_link per attachment
 * The loader calls load/unload with the pin dir locked (pins.h).
 */
#ifndef PROVTAP_PROCS_H
#define PROVTAP_PROCS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "bpf/pkt.h"
#include "bpf/proc.h"

#define PT_PROC_DIR		"proc"
#define PT_PROC_LINK_DIR	"links/proc"
#define PT_PROC_RING_PIN	"proc/pt_pring"
#define PT_PROC_STATS_PIN	"proc/pt_pstats"
#define PT_PROC_CFG_PIN		"proc/pt_pcfg"
#define PT_PROC_IGNORE_PIN	"proc/pt_pignore"
#define PT_PROC_REPORTED_PIN	"proc/pt_preported"
#define PT_PROC_RING_DEFAULT	(32ULL << 20)

struct pt_procs_opts {
	__u32 content;		/* bytes per data call (0 = metadata only), <= PT_CALL_CONTENT_MAX
				 * (`probe load --content`: <= PT_CONTENT_MAX) */
	bool content_inet;	/* content of calls on IPv4/IPv6 sockets only (PT_CONTENT_INET) */
	__u64 conn_content_max;	/* TCP: content per connection and direction, 0 = no limit
				 * (pt_proc_cfg.conn_content_max) */
	__u32 scope;		/* enum pt_scope */
	const char *cgroup;	/* PT_SCOPE_CGROUP: a cgroup v2 directory */
	__u32 pid;		/* PT_SCOPE_PIDTREE: root pid */
	const char *comm;	/* PT_SCOPE_COMM */
	const char *netns;	/* PT_SCOPE_NETNS: `ip netns` name or a path to a netns file */
	__u64 ring_bytes;	/* 0 = PT_PROC_RING_DEFAULT */
	const char *variant;	/* force the program variant (btf-cast, btf, core); NULL: the
				 * best this kernel loads (loader/proc_attach.h) */
	const char *send_variant;	/* force the TCP send hook (send-fentry, send-kprobe,
					 * send-syscall); NULL: the first the kernel has */
};

/*
 * Load and attach the family with opts, pin everything, then seed the
 * processes and FDs that already exist in the scope (loader/proc_seed.h: they
 * arrive through the ring like events; logged as "seeded N processes, M
 * FDs", with a warning for seed records the ring could not take). Returns 0; -EEXIST when loaded already; -EINVAL for bad options
 * (logged); or -errno. Every failure is logged and leaves nothing behind.
 */
int pt_procs_load(const struct pt_procs_opts *opts);

/* Detach and unpin the family. 0, -ENOENT when it is not loaded (not logged), or -errno. */
int pt_procs_unload(void);

/* What status shows. */
struct pt_procs_state {
	bool loaded;
	struct pt_proc_cfg cfg;
	char scope[96];		/* human form of the scope, e.g. "pid-tree 1234" */
	const char *variant;	/* the program variant loaded (cfg.variant's name) */
	const char *send_variant;	/* the send hook's variant (cfg.send_variant's name) */
	int links;		/* tracepoint attachments pinned */
	__u64 ring_bytes, backlog;	/* ring size; bytes no collector has consumed (-1 unknown) */
	struct pt_proc_stats st[PT_PC_MAX];	/* summed over CPUs */
};

/* Fill *s (zeroed first). 0, or -errno when the pins exist but cannot be read. */
int pt_procs_state(struct pt_procs_state *s);

/* Counters of the family summed over CPUs, from its pinned stats map fd. 0 or -errno. */
int pt_procs_stats_sum(int stats_fd, struct pt_proc_stats sum[PT_PC_MAX]);

/* Names of the counter categories ("proc", "sys", "data", "chunk"). */
const char *pt_proc_cat_name(int cat);

/*
 * pt_procs_variant_known - name is one of the family's program variants (what
 * --proc-variant takes; the table is loader/proc_attach.c's), asking nothing of
 * the kernel: for checking the option before anything is loaded.
 * pt_procs_variant_names - their names, best first, ", "-separated
 * ("btf-cast, btf, core"), into buf (len bytes, always NUL-terminated); returns buf.
 */
bool pt_procs_variant_known(const char *name);
char *pt_procs_variant_names(char *buf, size_t len);

/*
 * The thread group (process) id of task pid, from /proc/PID/status: pid
 * itself for a process, its process's id for a thread; -ENOENT no such task,
 * else -errno (-EIO: no Tgid line).
 */
int pt_task_tgid(__u32 pid);

#endif /* PROVTAP_PROCS_H */
