/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ptx_build.h — a recording (userland/ptx.h) from a process model loaded from
 * a store (query/pmload.h): every process with its execs and exit, every file
 * it opened, every TCP connection with both directions' bytes (gaps marked
 * with their reason) and its data calls, every UDP datagram, and the losses.
 */
#ifndef PROVTAP_PTX_BUILD_H
#define PROVTAP_PTX_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "query/pmload.h"
#include "userland/ptx.h"

struct pt_ptx_build_opts {
	__u64 origin_boot_ns;	/* time 0 of the recording (boottime) */
	__u64 content_max;	/* content kept per stream direction; 0 = no limit */
	bool lost_uncounted;	/* records were lost that no counter has (the collector died):
				 * marked as the kernel's losses are */
};

/*
 * Add what l's model holds to x (whose meta fields the caller fills). Times
 * become ns since o->origin_boot_ns. Processes keep the model's order, so
 * model process i is x->procs[i]. Sets the PT_PTX_F_* and per-connection
 * flags from the gaps and l's losses. Returns 0, or -ENOMEM with err (x is
 * then partly filled; free it).
 */
int pt_ptx_build(const struct pt_pmload *l, const struct pt_ptx_build_opts *o, struct pt_ptx *x, char *err,
		 size_t errlen);

#endif /* PROVTAP_PTX_BUILD_H */
