/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * loader.h — packet probes: load onto capture points, change their filter,
 * report, unload. Probes live in the kernel independent of any provtap process;
 * all state is in the pinned maps (pins.h) and the kernel's tc/XDP attachments.
 */
#ifndef PROVTAP_LOADER_H
#define PROVTAP_LOADER_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "loader/points.h"

struct pt_procs_opts;

#define PT_RING_DEFAULT_BYTES	(64ULL << 20)

struct pt_load_opts {
	const struct pt_point_spec *specs;
	int nspecs;
	const char *filter;	/* NULL or "" = everything */
	__u16 snaplen;		/* 0..PT_SNAP_MAX */
	__u64 ring_bytes;	/* 0 = default, or keep the existing ring's size */
	__u8 fp_mode;		/* enum pt_fp_mode */
	const char *variant;	/* force a program variant by name; NULL = probe */
	bool drops;		/* also load the drop probe (loader/drops.h) */
	const char *drop_variant;	/* force its variant (drop-btf, drop-raw, drop-kprobe) */
	const struct pt_procs_opts *procs;	/* also load the proc probes (loader/procs.h); NULL = no */
};

/*
 * Attach a probe to every capture point in opts (each direction of a spec is
 * one point), the drop probe when opts->drops and the proc probes when
 * opts->procs (then specs may be empty; -EEXIST when they are loaded already). All or nothing: on any failure everything this call attached is
 * removed again and a negative errno is returned, with a log line naming the
 * point and the reason. A point that is already loaded is an error (-EEXIST).
 */
int pt_probe_load(const struct pt_load_opts *opts);

/*
 * Remove the points matching specs (or all, and then the maps and pins too).
 * Removes exactly what provtap created: our tc filters (only when still ours),
 * clsact qdiscs we created when no other filter remains on them, XDP links.
 * Returns 0, -ENOENT when nothing matched, -EINVAL for specs and all together,
 * or -errno (partial failures logged, the rest still done).
 */
int pt_probe_unload(const struct pt_point_spec *specs, int nspecs, bool all);

/*
 * Remove the drop probe (also done by pt_probe_unload(..., all)). 0, -ENOENT
 * when it is not loaded (logged), or -errno.
 */
int pt_probe_unload_drops(void);

/* Remove the proc probes (also done by pt_probe_unload(..., all)). 0, -ENOENT (logged), or -errno. */
int pt_probe_unload_procs(void);

/*
 * Replace the filter of the matching points (all when all) atomically: a probe
 * running concurrently sees either the old or the new rule list, never a mix.
 * Returns 0, -EINVAL (bad expression, logged with its position; or specs and
 * all together), -ENOENT.
 */
int pt_probe_filter(const struct pt_point_spec *specs, int nspecs, bool all, const char *filter);

/*
 * Print capture points, variants, counters, drops and filters. json: one
 * object. 0, or -errno when something loaded cannot be read (-EPROTO: loaded
 * by another provtap version; what can be read is printed all the same).
 */
int pt_probe_status(FILE *out, bool json);

/* Bytes in the ring buffer (map fd) that no collector has consumed; -1 if unknown. */
long long pt_ring_backlog(int ring_fd);

/* Counters of one point summed over CPUs. 0 or -errno. */
int pt_point_stats_sum(int stats_fd, __u32 point, struct pt_point_stats *sum);

#endif /* PROVTAP_LOADER_H */
