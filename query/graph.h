/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * graph.h — the provenance graph behind `provtap query why|impact`: vertices
 * and edges built on demand from a finished process model (query/pmload.h)
 * and the packet records of the connections the walk crosses. A library: it
 * prints nothing except through the pt_graph_print_* writers, into the FILE
 * the caller gives.
 *
 * Vertices (ids: query/vertex.h) and what each stands for:
 *   process     proc:HOST/PID@START
 *   file        file:PATH, every object opened with that path, and every
 *               file object with the same device and inode
 *   connection  conn:ID; in a walk it stands for the bytes one end sent
 *   bytes       recv:CONN@EP+OFF, the byte at OFF of what end EP received;
 *               as a process's input it is the first byte of the range the
 *               process received (the edge says the range)
 *   packet      pkt:FP@POINT, the packet FP as capture point POINT saw it
 *               first (copies seen again there are counted: retransmissions)
 *   drop        drop:FP@TS, a kernel drop of packet FP
 *   socket      sock:HOST/INO, a root only: a socket by inode
 * Edges point the way information flowed (from -> to), each with the
 * boottime of its first event and a label:
 *   forked          parent process -> child process (at the fork)
 *   executed        file:PROGRAM -> process (an exec, with its argv)
 *   read            file -> process, bytes -> process (read/recv calls, grouped
 *                   per process and object: count, bytes, offset range)
 *   wrote           process -> file
 *   sent            process -> connection (send/write calls on the socket)
 *   connected, accepted   process -> connection (why of a conn: root only)
 *   transmitted-as  connection -> packet at its first capture point: the
 *                   packets whose TCP sequence range holds the byte
 *   forwarded       packet at a point -> the same packet at the next point
 *                   of its path (the order of first sight, as query hops)
 *   dropped-at      packet at the last point it was seen -> drop
 *   received        packet at its last point (or the connection, without
 *                   packet records) -> bytes at the receiving end
 * "opened" is not an edge of its own: reads and writes name the files.
 *
 * The walk. why follows edges backwards from the root, impact forwards.
 * It is temporal: a process's inputs are what it read before the time it
 * is reached at (the write that made the bytes being explained, the fork
 * of a child, the end for a root), its outputs what it did from then on,
 * so a walk never goes back in time and always ends.
 *   why   recv  -> packets carrying that byte (each hop, drops) -> the
 *               connection -> the sender's call(s) covering it -> sender
 *         proc  -> its parent (at its fork), its execs, the files and
 *               connection bytes it read, before the time
 *         file  -> the processes that wrote it (before the time)
 *         conn  -> the processes that connected, accepted and sent on it
 *         pkt, drop -> earlier hops -> the connection -> the sender
 *         sock  -> the processes that sent on it
 *   impact proc -> children forked, files written, bytes sent (-> packets
 *               -> bytes received -> the processes that read them), from
 *               the time on
 *         file  -> the processes that read it
 *         conn  -> each direction's packets, received bytes and readers
 *         recv  -> the processes that read that byte
 *         pkt   -> later hops -> received bytes -> readers
 *         sock  -> the processes that read from it
 * Depth: one step is one process. The processes the root leads to without
 * crossing another process (recv: the sender; proc: itself; file: its
 * writers or readers; conn: its ends) are step 1; a process reached from a
 * step-k process (through a file, a connection, a fork) is step k + 1. A
 * process past --depth is shown, not expanded, and marked so.
 * Fan-out: a vertex lists at most opts.fanout neighbours (by time); the
 * rest are summarised in one line ("... 12 more: 10 read, 2 forked").
 * Reads and writes are grouped per (process, object), so a thousand reads
 * of one file are one edge with a count. Inputs the model cannot follow
 * (pipes, terminals, files without a path, UDP) are counted in a note.
 * A vertex met again is printed with "(see above)" and not expanded again.
 *
 * Packets: for each connection the walk crosses, one scan of the store with
 * `tcp and host A and host B and port P and port Q` (drops included) keeps
 * the TCP records of that 5-tuple with payload (at most PT_GRAPH_PKTS_MAX
 * per connection, more is a warning), so memory grows with the connections
 * crossed, not with the store. Byte offsets become sequence numbers through
 * the stream's origin_seq, modulo 2^32 (wrap-safe for ranges under 2 GiB).
 */
#ifndef PROVTAP_GRAPH_H
#define PROVTAP_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "query/pmload.h"
#include "query/vertex.h"

#define PT_GRAPH_DEPTH		3	/* default --depth */
#define PT_GRAPH_FANOUT		10	/* default --fanout */
#define PT_GRAPH_NODES_MAX	20000	/* lines of one answer; past it the walk stops (truncated) */
#define PT_GRAPH_LEVELS_MAX	2000	/* nesting of one answer (the walk recurses: ~1.3 KiB of stack
					 * a level); deeper nodes are not expanded (truncated) */
#define PT_GRAPH_PKTS_MAX	(1u << 22)	/* packet records kept per connection */
#define PT_GRAPH_NONE		0xffffffffu

enum pt_gedge_kind {
	PT_GE_FORKED = 1,
	PT_GE_EXECUTED,
	PT_GE_READ,
	PT_GE_WROTE,
	PT_GE_SENT,
	PT_GE_CONNECTED,
	PT_GE_ACCEPTED,
	PT_GE_TRANSMITTED,
	PT_GE_FORWARDED,
	PT_GE_DROPPED,
	PT_GE_RECEIVED,
	PT_GE_OPENED,		/* a file the process opened and was not seen reading (why) or
				 * writing (impact): mmap, or calls outside the window */
	PT_GE_MAX
};

struct pt_graph_opts {
	bool impact;		/* false: why (backward), true: impact (forward) */
	unsigned depth;		/* process steps expanded (see above); 0 = the root's chain only */
	unsigned fanout;	/* neighbours listed per vertex, >= 1 */
	const char *store_dir;	/* where the packet records are read from (the model's store) */
};

/* A vertex: unique by id. Strings owned by the graph. */
struct pt_graph_vertex {
	char *id;
	__u8 kind;		/* enum pt_vkind */
	char *summary;		/* one line for people, without the id */
	char *json;		/* further JSON members of its object ("\"pid\":7,..."), may be "" */
	__u64 ts;		/* boottime of what it stands for (0: none) */
};

/* An edge, information flowing from -> to. */
struct pt_graph_edge {
	__u32 from, to;		/* vertex indices */
	__u8 kind;		/* enum pt_gedge_kind */
	bool truncated;		/* a call in it had content cut (--content, fault, iovecs) */
	__u64 ts;		/* boottime of its first event */
	char *label;		/* "10000 B [0, 10000) in 1 sendto by tid 77" (no time: writers add it) */
	char *json;		/* further JSON members, may be "" */
};

enum pt_gnode_mark {
	PT_GN_EXPANDED = 0,	/* its neighbours follow (maybe none) */
	PT_GN_SEEN = 1,		/* expanded earlier in the answer: "(see above)" */
	PT_GN_DEPTH = 2,	/* a process past --depth: not expanded */
	PT_GN_NOTE = 3,		/* not a vertex: a line of text (note) */
	PT_GN_LIMIT = 4,	/* PT_GRAPH_NODES_MAX reached: not expanded */
};

/* One line of the tree, in print order (depth-first, children by time). */
struct pt_graph_node {
	__u32 vertex;		/* PT_GRAPH_NONE for a note */
	__u32 edge;		/* the edge joining it to its parent line; PT_GRAPH_NONE for the root, notes */
	__u32 parent;		/* node index; PT_GRAPH_NONE for the root */
	__u16 level;		/* indentation: the root is 0 */
	__u8 mark;		/* enum pt_gnode_mark */
	char *note;		/* PT_GN_NOTE */
};

struct pt_graph {
	bool impact;
	unsigned depth, fanout;
	__u32 root;		/* vertex index */
	struct pt_graph_vertex *v;
	size_t nv;
	struct pt_graph_edge *e;
	size_t ne;
	struct pt_graph_node *n;
	size_t nn;
	bool truncated;		/* a depth, fan-out or size limit cut the answer */
	char **warnings;	/* what a reader must know (lost records, limits, packets not found) */
	size_t nwarnings;
	const struct pt_pmload *l;	/* the model it was built from (not owned) */
	/* graph_answer.c's own: array sizes, and hash indexes of v by id and of e by its fields
	 * (open addressing, slot = index + 1, 0 empty) */
	size_t vcap, ecap, ncap;
	__u32 *vhash, *ehash;
	size_t vhash_n, ehash_n;	/* slots, a power of two */
};

/*
 * Build the answer for root from the model l. Returns 0 and *out (free with
 * pt_graph_free); -ENOENT when root names nothing in the model (err: "no
 * such vertex: ID" and why: another host, the pid never seen, ...);
 * -ENOMEM; or the -errno of a store scan (err explains). l must outlive *out.
 */
int pt_graph_build(const struct pt_pmload *l, const struct pt_vertex_id *root, const struct pt_graph_opts *o,
		   struct pt_graph **out, char *err, size_t errlen);

/* NULL-safe. */
void pt_graph_free(struct pt_graph *g);

/* The kind names used by every output: "process", "file", ... and "forked", "read", ... */
const char *pt_graph_vkind_name(__u8 kind);
const char *pt_graph_ekind_name(__u8 kind);

/*
 * Writers (query/graph_out.c). Text: a header line, then one line per node,
 * indented two spaces per level: "<- EDGE LABEL at TIME  ID  SUMMARY" ("->"
 * when information flows from the parent line to this one), then notes and
 * warnings. JSON: one document (docs/graph.schema.json). DOT: a digraph,
 * one node per vertex labelled kind, summary and id, one labelled arc per
 * edge, renderable by `dot -Tsvg`.
 */
void pt_graph_print_text(FILE *out, const struct pt_graph *g);
void pt_graph_print_json(FILE *out, const struct pt_graph *g);
void pt_graph_print_dot(FILE *out, const struct pt_graph *g);

#endif /* PROVTAP_GRAPH_H */
