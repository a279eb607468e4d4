/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * collect.h — the collector daemon: drains the probes' ring buffers into the
 * store and serves live tails. Runs until SIGINT/SIGTERM; probes keep running
 * without it (the ring buffer holds their records meanwhile).
 */
#ifndef PROVTAP_COLLECT_H
#define PROVTAP_COLLECT_H

#include <stdbool.h>
#include <linux/types.h>

struct pt_collect_opts {
	const char *store_dir;
	const char *socket_path;	/* NULL = PT_DEFAULT_SOCKET */
	const char *user;		/* switch to this user after setup; NULL = stay root */
	__u64 retain_bytes;		/* 0 = keep everything */
	__u64 retain_age_ns;
	__u64 seg_max_bytes;		/* 0 = store default */
	int zlevel;			/* pt_store_opts.zlevel: 0 = store default */
	int ready_fd;			/* write "ok\n" here when serving, then close; -1 = none */
	int log_fd;			/* once ready, stderr goes here (daemon log); -1 = keep */
};

/* Run the collector. Returns 0 after a clean stop, or a negative errno (logged). */
int pt_collect_run(const struct pt_collect_opts *o);

#endif /* PROVTAP_COLLECT_H */
