/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * graph_int.h — what the parts of the provenance graph share: the packet
 * index of one connection (graph_pkt.c), used by the walk (graph.c).
 */
#ifndef PROVTAP_GRAPH_INT_H
#define PROVTAP_GRAPH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "query/graph.h"
#include "query/hops.h"
#include "query/procmodel.h"

/* One TCP record with payload of a connection's 5-tuple: a packet at a point, or a kernel drop. */
struct pt_gpkt {
	__u64 ts;		/* boottime */
	__u64 fp;
	__u32 seq;		/* of the first payload byte */
	__u16 len;		/* L4 payload bytes */
	__u16 point;		/* capture point id; PT_DROP_POINT for a drop */
	__u8 dir;		/* 0: endpoint 0 -> endpoint 1 (struct pt_pm_conn), 1: the other way */
	__u8 tcp_flags;
	__u32 reason;		/* drop: enum skb_drop_reason of the recording kernel */
	__u64 location;		/* drop: kernel address */
};

/* The packet records of one connection, in time order. */
struct pt_gflow {
	__u32 conn;		/* connection index in the model */
	struct pt_gpkt *p;
	size_t n;
	bool capped;		/* PT_GRAPH_PKTS_MAX reached: later records not kept */
};

/* One hop of a fingerprint's path: where it was first seen, when, and how often. */
struct pt_ghop {
	__u16 point;
	__u64 ts;		/* first sight there */
	__u32 copies;		/* records of it there (> 1: retransmitted or duplicated) */
	__u32 seq;
	__u16 len;
};

/* A fingerprint carrying a byte: its path (order of first sight) and its drops. */
#define PT_GFP_DROPS	4
struct pt_gfp {
	__u64 fp;
	struct pt_ghop hop[PT_HOPS_MAX_PATH];
	int nhops;
	bool too_long;		/* more points than PT_HOPS_MAX_PATH: the rest not kept */
	const struct pt_gpkt *drop[PT_GFP_DROPS];	/* into the flow; in time order */
	int ndrops;		/* kept; ndrops_all counts all */
	__u32 ndrops_all;
	__u64 first_ts;
};

/*
 * Read the packet records of connection conn (TCP, both ends' addresses
 * known) from the store at dir into f: one scan, drops included. Returns 0;
 * -ENOMEM; or the scan's -errno with err explaining.
 */
int pt_gflow_load(const char *dir, const struct pt_pm_conn *c, __u32 conn, struct pt_gflow *f, char *err,
		  size_t errlen);

/*
 * The fingerprints of f in direction dir whose payload holds sequence
 * number seq, in order of first sight, with their paths and drops. *out
 * (caller frees; NULL when *n == 0). Returns 0 or -ENOMEM.
 */
int pt_gflow_carriers(const struct pt_gflow *f, __u8 dir, __u32 seq, struct pt_gfp **out, size_t *n);

/* NULL-safe; frees what pt_gflow_load allocated, not f itself. */
void pt_gflow_release(struct pt_gflow *f);

/* "10.0.0.1:40000" or "[2001:db8::1]:443" of endpoint k of c into buf. */
const char *pt_graph_endpoint(const struct pt_pm_conn *c, int k, char *buf, size_t len);

#endif /* PROVTAP_GRAPH_INT_H */
