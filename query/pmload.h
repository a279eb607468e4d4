/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pmload.h — a process model (query/procmodel.h) built from a store: every
 * process-family record (PROC, SYS, DATA, CHUNK) in store order, finished,
 * with what a query must say about it: the host, the clock, the capture
 * points, the records the kernel could not deliver, and corrupt regions.
 *
 * The model always sees the whole store: an FD table at time T needs every
 * record before T, and a closed socket stays queryable. Queries apply their
 * window (--since/--until/--at) to the answers, not to the input.
 *
 * One boot of one host. Boottime timestamps and pids restart with a reboot,
 * so when the store moves to segments of another boot id (or host name) the
 * model built so far is dropped and its records counted in other_boot: the
 * answers are about the newest boot of the store.
 */
#ifndef PROVTAP_PMLOAD_H
#define PROVTAP_PMLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "bpf/proc.h"
#include "query/format.h"
#include "query/procmodel.h"

struct pt_pmload {
	struct pt_procmodel *m;		/* finished */
	char host[64];			/* the store's host name ("unknown" if none) */
	char boot_id[40];
	struct pt_view view;		/* capture points and clock as learnt */
	__u64 records;			/* process-family records fed */
	__u64 lost[PT_PC_MAX];		/* records the kernel could not deliver, per
					 * enum pt_proc_cat (the family's LOSS records) */
	__u64 lost_total;
	__u64 other_boot;		/* records of earlier boots, dropped: see above */
	__u64 corrupt;			/* corrupt store regions skipped: answers are partial */
	__u64 malformed;		/* records the model rejected */
};

/*
 * Read the store at dir into a new model. Returns 0 and *out; on failure
 * -ENOENT (no such store), -ENOMEM or -errno of the read, with err holding
 * errlen bytes of explanation. A store without process records is not an
 * error (the model is empty).
 */
int pt_pmload(const char *dir, struct pt_pmload **out, char *err, size_t errlen);

/* NULL-safe. */
void pt_pmload_free(struct pt_pmload *l);

/* Realtime ns of a boottime ns (0 when the store has no clock record). */
__u64 pt_pmload_realtime(const struct pt_pmload *l, __u64 boot_ns);

/* Boottime ns of a realtime ns (0 when the store has no clock record, or
 * when real_ns is before the boot). */
__u64 pt_pmload_boottime(const struct pt_pmload *l, __u64 real_ns);

/*
 * The boottime window [*since, *until] of a realtime --since/--until (0: not
 * given): *since 0 and *until PT_PM_OPEN when not given; a bound before the
 * boot is the boot's start (*until then 0: nothing is in the window). -EINVAL
 * and errlen bytes of explanation when a bound is given and the store has no
 * clock record to place it.
 */
int pt_pmload_window(const struct pt_pmload *l, __u64 since_real, __u64 until_real, __u64 *since,
		     __u64 *until, char *err, size_t errlen);

/*
 * One line per thing a reader of the answers must know (records lost by the
 * kernel per category, dropped boots, corrupt regions, rejected records),
 * each prefixed "provtap: warning: ", to out. Nothing when all is well.
 */
void pt_pmload_warn(const struct pt_pmload *l, FILE *out);

#endif /* PROVTAP_PMLOAD_H */
