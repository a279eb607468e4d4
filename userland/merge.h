/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * merge.h — per-host recordings of one experiment joined into one
 * (`provtap merge`), so that any process of it can be replayed alone with all
 * its peers emulated (userland/replay.h, --only).
 *
 * Each input becomes a host of the result (HOST sections, userland/ptx.h):
 * its processes, its command, environment, working directory and exit
 * status. An input that already has hosts (a merge, or record --hosts-from)
 * keeps them. Times move to the earliest input's origin by the differences of
 * the inputs' wall-clock origins (as good as the hosts' clocks agree). The
 * result's own command, environment and cwd are the first input's, as read
 * (an empty argv stays empty).
 *
 * Connections between hosts are joined: an entry of one input and an entry of
 * another whose endpoints are each other's (local = the other's remote, no
 * NAT in between, not loopback) become twins, the pair closest in start time
 * when ports were reused. A joined pair whose byte counts disagree (one end
 * saw more than the other sent) is reported.
 */
#ifndef PROVTAP_MERGE_H
#define PROVTAP_MERGE_H

#include <stdio.h>
#include "userland/ptx.h"

/* The first process found in two inputs (pt_ptx_merge_same): inputs a < b (0-based). */
struct pt_merge_same {
	unsigned a, b;
	__u32 proc;		/* its index in input a */
	__u32 pid;
	__u64 start_real;	/* wall clock, ns */
	char host[64];
};

/*
 * Do two of the n inputs hold one process (same host name and pid, wall-clock
 * starts within 1 ms)? Then they are one run twice (a copy), or one was
 * already merged into the other. 1 and *same, 0 no, -ENOMEM.
 */
int pt_ptx_merge_same(const struct pt_ptx *const *in, unsigned n, struct pt_merge_same *same);

/* What a merge did, for its report. */
struct pt_merge_result {
	unsigned joined;	/* connections joined across inputs */
	unsigned disagree;	/* ... of which the two ends' byte counts differ */
	unsigned apart;		/* inputs recorded at a time no other input covers (warned) */
	unsigned lone;		/* inputs joined to no other by a connection (warned) */
	struct pt_merge_same same;	/* the merge was refused with -EEXIST: the process two inputs hold */
};

/*
 * Merge n (>= 2) recordings. labels[i] names input i's host (when the input
 * has no hosts of its own); host names must come out distinct. Returns 0 and
 * *out (caller frees with pt_ptx_free), or -EINVAL (duplicate host names,
 * too few inputs) / -EEXIST (two inputs hold one process: pt_ptx_merge_same,
 * which in res->same, for the caller to name the inputs its own way) /
 * -ENOMEM, with errlen bytes of explanation in err (inputs by number). The inputs are not
 * modified. Disagreements, and inputs that look like another experiment's
 * (res->apart, res->lone), are described on report (may be NULL), one line
 * each.
 */
int pt_ptx_merge(const struct pt_ptx *const *in, const char *const *labels, unsigned n, struct pt_ptx **out,
		 struct pt_merge_result *res, FILE *report, char *err, size_t errlen);

#endif /* PROVTAP_MERGE_H */
