/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * graph_int.h — what the parts of the provenance graph share. The walk
 * (graph.c) turns candidates (struct pt_gcand) into the lines of the answer
 * (graph_answer.c). A vertex's candidates come from its expander:
 * graph_expand_proc.c for processes, files and sockets, graph_expand_net.c
 * for connections, received bytes, packets and drops. They read the process
 * model through graph_model.c and the packets of a connection through its
 * packet index (graph_pkt.c). graph_root.c finds the vertex an id names;
 * graph_describe.c gives vertices their ids and summaries, edges their labels.
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

/* ---- the walk ---- */

#define PT_G_END	(~0ull)	/* a time after every event */

/*
 * A line of the answer to be: the vertex it leads to, with the context it
 * is reached in, and the edge joining it to the vertex being expanded.
 * Contexts: a process carries the time it is reached at, a connection the
 * sending end and the byte range of the sender's stream, received bytes the
 * receiving end and the range of the receiver's stream, a packet its
 * fingerprint's path and the hop.
 */
struct pt_gcand {
	__u8 vkind;		/* enum pt_vkind of the target */
	__u8 ekind;		/* enum pt_gedge_kind */
	bool out;		/* information flows from the current vertex to the target */
	bool truncated;
	__u64 ts;		/* of the edge; the sort key */
	__u32 proc;		/* PT_V_PROC */
	__u64 t;		/* PT_V_PROC, PT_V_FILE: the time it is reached at */
	const char *path;	/* PT_V_FILE */
	__u32 obj;		/* PT_V_SOCK */
	__u32 conn;		/* PT_V_CONN, PT_V_RECV, PT_V_PKT, PT_V_DROP: PT_PM_NONE if the model has none */
	int side;		/* PT_V_CONN, PT_V_PKT: sending end; PT_V_RECV: receiving end; -1: root conn */
	__u64 r0, r1;		/* CONN, PKT: range of the sender's stream; RECV: of the receiver's */
	const struct pt_gfp *gfp;	/* PT_V_PKT, PT_V_DROP: the fingerprint (its path and drops) */
	int hop;		/* PT_V_PKT */
	bool fwd;		/* PT_V_PKT in why: a copy that did not arrive, followed forwards to its drop */
	const struct pt_gpkt *drop;	/* PT_V_DROP */
	char label[384];
	char json[384];
};

/* The candidates of one vertex, and its inputs (why) or outputs (impact) that cannot be followed. */
struct pt_gcands {
	struct pt_gcand *v;
	size_t n;
	size_t nofollow;
	char nofollow_what[160];	/* their kinds, ", "-separated */
};

/*
 * The carrier arrays of one expansion (its candidates point into them),
 * freed after it. An expansion needs at most two; were it full, a byte's
 * carriers would not be kept and the walk would go on without its packets.
 */
#define PT_GKEEP_MAX	64
struct pt_gkeep {
	struct pt_gfp *v[PT_GKEEP_MAX];
	int n;
};

/* One pt_graph_build. */
struct pt_gwalk {
	const struct pt_pmload *l;
	const struct pt_procmodel *m;
	const struct pt_graph_opts *o;
	struct pt_graph *g;
	struct pt_gflow *flows;	/* loaded connections */
	size_t nflows;
	struct pt_pm_conn fake;	/* a packet root whose 5-tuple the model has no connection for */
	struct pt_gkey {
		char *key;	/* "id#context" of a node expanded */
		unsigned steps;	/* the fewest processes from the root it was expanded at */
	} *keys;
	size_t nkeys, kcap;
	__u32 *khash;		/* index + 1 into keys by the key's hash, at most half full */
	size_t khash_n;
	struct pt_gfp *root_fps;	/* pkt/drop roots: the carriers the root cand points into */
	unsigned cut_depth, cut_fanout;	/* processes not expanded past --depth; lists cut by --fanout */
	unsigned cut_levels;		/* nodes not expanded at PT_GRAPH_LEVELS_MAX */
	char *err;
	size_t errlen;
};

/*
 * A new candidate at the end of cs: zeroed, with these kinds, direction and
 * time, and proc, obj, conn PT_PM_NONE, side -1. NULL on ENOMEM (cs unchanged).
 * Pointers into cs->v are invalid after the next call.
 */
struct pt_gcand *pt_gcand_new(struct pt_gcands *cs, __u8 vkind, __u8 ekind, bool out, __u64 ts);

/* ---- the answer (graph_answer.c): out of memory is PT_GRAPH_NONE or -ENOMEM, the answer left valid ---- */

/* Append printf output to the string in buf (size len); what does not fit is cut. */
void pt_gaddf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Append printf output that is JSON to buf: all of it, or nothing when it does not fit. */
void pt_gaddjf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Append the JSON member ,"key":"val" (val as pt_json_str writes it) to buf; when it does not fit,
 * val is cut (its shown part ends "...") until it does; nothing only when not even the key fits. */
void pt_gaddjs(char *buf, size_t len, const char *key, const char *val);

/* Append the JSON member ,"key":v to buf; nothing when it does not fit (pt_gaddjf). */
void pt_gaddjn(char *buf, size_t len, const char *key, unsigned long long v);

/* Add a warning to the answer (once: a repeated text is not added again). 0 or -ENOMEM. */
int pt_gwarn(struct pt_gwalk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The index of the vertex with this id, made (copies of id, summary, json) when new. */
__u32 pt_gadd_vertex(struct pt_gwalk *w, __u8 kind, const char *id, __u64 ts, const char *summary,
		     const char *json);

/* The index of the edge from -> to of candidate c (its kind, time, label, json), made when new. */
__u32 pt_gadd_edge(struct pt_gwalk *w, __u32 from, __u32 to, const struct pt_gcand *c);

/* Add a line: vertex vtx (or a note, copied), joined by edge edg, under node parent. Its index. */
__u32 pt_gadd_node(struct pt_gwalk *w, __u32 vtx, __u32 edg, __u32 parent, __u8 mark, const char *note);

/* Add a note line under node parent. 0 or -ENOMEM. */
int pt_gadd_note(struct pt_gwalk *w, __u32 parent, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The fewest steps a node of this key ("id#context") was expanded at, UINT_MAX when none was. */
unsigned pt_gkey_steps(const struct pt_gwalk *w, const char *key);

/* Remember key as expanded at steps (only nodes that are: one cut at --depth claims nothing; a
 * key known already takes the new, smaller, steps). 0 or -ENOMEM. */
int pt_gkey_add(struct pt_gwalk *w, const char *key, unsigned steps);

/* ---- the process model (graph_model.c) ---- */

/* Calls of one (process, object) pair in one direction, summed. */
struct pt_ggrp {
	__u32 proc, obj;
	__u64 n, bytes, captured, r0, r1, ts0, ts1;	/* calls, bytes, stream range, first and last call */
	__s64 f0, f1;		/* file positions, -1 unknown */
	__u32 tid;		/* of the first call */
	__u16 call;		/* of the first call */
	bool mixed, trunc, nocontent;	/* calls of several kinds; content cut in one; none captured */
};

struct pt_ggrps {
	struct pt_ggrp *v;
	size_t n;
};

/* Connection conn of the model, or the walk's stand-in (w->fake) for PT_PM_NONE. */
const struct pt_pm_conn *pt_gconn_of(const struct pt_gwalk *w, __u32 conn);

/* The endpoint of c whose socket is obj, -1 if none. */
int pt_gend_of(const struct pt_pm_conn *c, __u32 obj);

/* The stream of endpoint k of c in dir, NULL when that end was not seen or made no call. */
const struct pt_pm_stream *pt_gend_stream(const struct pt_gwalk *w, const struct pt_pm_conn *c, int k, __u8 dir);

/*
 * Sequence number of byte off of what endpoint s sent on c (TCP) into *seq,
 * from the sender's stream or (from_receiver) the receiver's; false when
 * that stream has no calls or no sequence numbers.
 */
bool pt_gseq_of(const struct pt_gwalk *w, const struct pt_pm_conn *c, int s, __u64 off, bool from_receiver,
		__u32 *seq);

/*
 * Offset of byte (sequence number seq, near offset near) in endpoint k's
 * stream dir of c into *off; false when that stream has no calls. A
 * socketpair has no sequence numbers: the offsets of both ends are the same.
 */
bool pt_goff_of(const struct pt_gwalk *w, const struct pt_pm_conn *c, int k, __u8 dir, __u32 seq, __u64 near,
		__u64 *off);

/*
 * Map [r0, r1) of what endpoint s sent from the sender's stream to the
 * receiver's (to_receiver) or back, into [*o0, *o1); false when the stream
 * mapped to (or, for TCP, the one mapped from) has no calls.
 */
bool pt_gmap_range(const struct pt_gwalk *w, const struct pt_pm_conn *c, int s, bool to_receiver, __u64 r0,
		   __u64 r1, __u64 *o0, __u64 *o1);

/* The receive (or send) call of endpoint k's stream dir covering byte off, NULL if none. */
const struct pt_pm_call *pt_gcovering(const struct pt_gwalk *w, const struct pt_pm_conn *c, int k, __u8 dir,
				      __u64 off);

/* Did call c have content cut (--content, a fault, iovec or message limits)? */
bool pt_gcall_trunc(const struct pt_pm_call *c);

/*
 * Group the calls of obj's stream dir with t0 <= ts < t1 (and, when proc is
 * not PT_PM_NONE, made by proc; when r1 > r0, overlapping [r0, r1)) per
 * (process, obj) into gs (appended; caller frees gs->v). 0 or -ENOMEM.
 */
int pt_gcollect(const struct pt_gwalk *w, __u32 obj, __u8 dir, __u32 proc, __u64 t0, __u64 t1, __u64 r0, __u64 r1,
		struct pt_ggrps *gs);

/*
 * The objects that are the file PATH, ascending: opened with that path, or
 * of the same device and inode as one that was. One pass each (was a scan
 * of every object per object). *out (caller frees) and *n; 0 or -ENOMEM.
 */
int pt_gfile_objs(const struct pt_gwalk *w, const char *path, __u32 **out, size_t *n);

/*
 * The packet records of connection conn, loaded on first use and kept in
 * the walk (the pointer is valid until the next call; the records it holds
 * until the walk ends). NULL with *rc 0 when it has none to load (UDP,
 * socketpair); NULL with *rc -errno on failure (w->err explains a scan error).
 */
struct pt_gflow *pt_gflow_of(struct pt_gwalk *w, __u32 conn, int *rc);

/* ---- descriptions (graph_describe.c) ---- */

/* "sendto" for a call number, "call" when unknown. */
const char *pt_gcall_name(__u16 call);

/* argv of exec x as shell words (quoted when needed, control bytes as \xNN) into buf. */
void pt_gargv_text(const struct pt_pm_exec *x, char *buf, size_t len);

/*
 * Label c's edge with the calls of g, "10000 B [0, 10000) in 1 sendto by
 * tid 77, content captured" (file: with file offsets when known), mark it
 * truncated when one was, and add the calls' JSON members to c->json.
 */
void pt_gio_label(struct pt_gcand *c, const struct pt_ggrp *g, bool file);

/* The id, summary and JSON members of the vertex candidate k leads to, into the buffers given. */
void pt_gdescribe(const struct pt_gwalk *w, const struct pt_gcand *k, char *id, size_t idlen, char *sum, size_t sl,
		  char *js, size_t jl);

/* ---- expanders: the candidates of vertex at into cs; 0 or -errno (w->err explains) ---- */

/* graph_expand_proc.c */
int pt_gexpand_proc(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at);
int pt_gexpand_file(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at);
int pt_gexpand_sock(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at);

/*
 * One process candidate per group of gs (groups whose obj is PT_PM_NONE
 * skipped), edge ekind at the group's first call, labelled with its calls
 * (file offsets when file). Going out (the process read the information)
 * it is reached at its first call, else at its last. 0 or -ENOMEM.
 */
int pt_gproc_cands(struct pt_gcands *cs, const struct pt_ggrps *gs, __u8 ekind, bool out, bool file);

/* graph_expand_net.c; the carrier arrays candidates point into are put in kp */
int pt_gexpand_conn(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at, struct pt_gkeep *kp);
int pt_gexpand_recv(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at, struct pt_gkeep *kp);
int pt_gexpand_pkt(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at);
int pt_gexpand_drop(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at);

/* ---- roots (graph_root.c) ---- */

/*
 * The candidate for the vertex id v names (id: v formatted) into *k.
 * Returns 0; -ENOENT with "no such vertex: ID (why)" in w->err; -ENOMEM;
 * or a store scan's -errno (w->err explains).
 */
int pt_groot(struct pt_gwalk *w, const struct pt_vertex_id *v, const char *id, struct pt_gcand *k);

#endif /* PROVTAP_GRAPH_INT_H */
