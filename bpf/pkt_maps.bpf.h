/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pkt_maps.bpf.h — the maps of the packet probe family. Names are the contract
 * with the loader, which sets sizes and pin paths before load; no pinning here.
 * Include after vmlinux.h, bpf_helpers.h and pkt.h.
 */
#ifndef PROVTAP_PKT_MAPS_BPF_H
#define PROVTAP_PKT_MAPS_BPF_H

/* Records (struct pt_pkt + snap bytes); the loader resizes it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} pt_ring SEC(".maps");

/* Per-point, per-CPU counters, index = point id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PT_MAX_POINTS);
	__type(key, __u32);
	__type(value, struct pt_point_stats);
} pt_stats SEC(".maps");

/* Filter double buffer: slot point * 2 + pt_active[point]. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PT_MAX_POINTS * 2);
	__type(key, __u32);
	__type(value, struct pt_policy);
} pt_policy SEC(".maps");

/* Which pt_policy slot of a point is live (0 or 1). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PT_MAX_POINTS);
	__type(key, __u32);
	__type(value, __u32);
} pt_active SEC(".maps");

/* Capture point table; user space only, defined here to be created and pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PT_MAX_POINTS);
	__type(key, __u32);
	__type(value, struct pt_point_info);
} pt_points SEC(".maps");

/*
 * Per point, the ring_fail count the collector has stored LOSS records up to;
 * user space only. It lives beside the counters so a restarted collector does
 * not report the same drops again. The loader zeroes it with the counters.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PT_MAX_POINTS);
	__type(key, __u32);
	__type(value, __u64);
} pt_reported SEC(".maps");

#endif /* PROVTAP_PKT_MAPS_BPF_H */
