/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_seed.h — seeding the process probes with the processes and FDs that
 * existed before they were attached: runs the BPF task iterators of
 * bpf/proc_seed.bpf.c once, which write PT_PK_SEED and PT_CALL_SEED_FD
 * records (bpf/proc.h) into the probes' own ring, as events. Call it right
 * after pt_proc_attach(): what starts after the iterators passed it is
 * traced, what existed before is seeded, and what falls in between is both
 * (the process model joins a seed with the kernel's records of the same
 * process and FD).
 *
 *   skel = proc_bpf__open(); ... proc_bpf__load(skel); (configure scope)
 *   pt_proc_attach(skel, &links, ...);
 *   pt_proc_seed(skel, &res, err, sizeof(err));
 */
#ifndef PROVTAP_PROC_SEED_H
#define PROVTAP_PROC_SEED_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct proc_bpf;

struct pt_proc_seed_result {
	__u64 procs;		/* PT_PK_SEED records written (one per process in scope) */
	__u64 fds;		/* PT_CALL_SEED_FD records written (one per open FD of those) */
	__u64 lost_procs;	/* PT_PK_SEED records the ring could not take (full) */
	__u64 lost_fds;		/* PT_CALL_SEED_FD records the ring could not take */
	__u64 faults;		/* records with a failed read (exe, argv or path missing) */
	bool argv;		/* argv was read (the sleepable task iterator loaded) */
	char argv_why[160];	/* !argv: why the kernel refused it (its verifier's last word) */
};

/*
 * pt_proc_seed - load bpf/proc_seed.bpf.c with every map of the loaded probe
 * skeleton @probes reused (same ring, counters, scope), run its process
 * iterator then its FD iterator to completion, and fill *res (zeroed first).
 * The sleepable process iterator (argv) is tried first; when the kernel
 * refuses it, the plain one is used and res->argv is false (each seed is then
 * marked PT_PRF_FAULT). Records go through the scope and pt_pignore exactly
 * like the probes' events; ring-full losses are counted in res and in
 * pt_pstats (ring_fail). Returns 0, or -errno with what failed and why in err
 * (errlen bytes, always NUL-terminated); records already written stay in the
 * ring. Nothing of its own is left loaded either way.
 */
int pt_proc_seed(struct proc_bpf *probes, struct pt_proc_seed_result *res, char *err, size_t errlen);

#endif /* PROVTAP_PROC_SEED_H */
