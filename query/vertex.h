/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vertex.h — the ids of provenance-graph vertices, as users write them and as
 * every query prints them (so a user walks the graph by copying ids):
 *
 *   proc:HOST/PID@START     a process; START = its start time, boottime ns
 *                           (struct pt_task.start_ns), exact. Also accepted on
 *                           input: proc:PID and proc:HOST/PID (the newest
 *                           process of that pid: the caller resolves it)
 *   conn:ID                 a connection (query/procmodel.h, "Connection id")
 *   recv:CONN+OFFSET        the byte at OFFSET of what the receiving end of
 *                           connection CONN received; the receiving end is the
 *                           one that accepted (else endpoint 1). Written
 *   recv:CONN@EP+OFFSET     to name the receiving end EP explicitly
 *                           ("10.0.3.2:9200", "[2001:db8::1]:443")
 *   file:PATH               a file, by the path it was opened with
 *   pkt:FP@POINT            a packet at a capture point: FP = the fingerprint,
 *                           16 hex digits; POINT = a capture point name
 *                           ("veth1@ns:in" or an alias)
 *   sock:HOST/INO           a socket (inode), e.g. one not in any connection
 *   drop:FP@TS              a kernel drop of the packet FP at boottime ns TS
 *
 * A conn id never contains '+', so the last '+' of a recv id starts OFFSET;
 * a conn id never contains '@' either.
 */
#ifndef PROVTAP_VERTEX_H
#define PROVTAP_VERTEX_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum pt_vkind {
	PT_V_PROC = 1,
	PT_V_CONN,
	PT_V_RECV,
	PT_V_FILE,
	PT_V_PKT,
	PT_V_SOCK,
	PT_V_DROP,
};

#define PT_VID_MAX	4200	/* longest id formatted (file: paths up to 4096) */

struct pt_vertex_id {
	__u8 kind;		/* enum pt_vkind */
	bool has_host;		/* proc, sock: HOST given */
	bool has_start;		/* proc: @START given */
	bool has_ep;		/* recv: @EP given */
	char host[64];		/* proc, sock */
	__u32 pid;		/* proc */
	__u64 start_ns;		/* proc */
	char conn[176];		/* conn, recv: the connection id (PT_PM_CONN_ID_MAX) */
	char ep[64];		/* recv: receiving endpoint as written */
	__u64 off;		/* recv */
	char path[4097];	/* file */
	__u64 fp;		/* pkt, drop */
	char point[96];		/* pkt */
	__u64 ino;		/* sock */
	__u64 ts;		/* drop: boottime ns */
};

/*
 * Parse s. Returns 0 and *v; -EINVAL with a message in err (errlen bytes)
 * naming what is wrong and the accepted forms.
 */
int pt_vertex_parse(const char *s, struct pt_vertex_id *v, char *err, size_t errlen);

/*
 * Format v as its canonical id into buf (len bytes; PT_VID_MAX always
 * suffices). Returns the length snprintf would write (>= len: truncated).
 */
int pt_vertex_format(const struct pt_vertex_id *v, char *buf, size_t len);

/* Shorthands for the canonical ids printed by queries; same return as pt_vertex_format. */
int pt_vid_proc(char *buf, size_t len, const char *host, __u32 pid, __u64 start_ns);
int pt_vid_conn(char *buf, size_t len, const char *conn_id);
int pt_vid_recv(char *buf, size_t len, const char *conn_id, const char *ep, __u64 off);	/* ep may be NULL */
int pt_vid_file(char *buf, size_t len, const char *path);
int pt_vid_pkt(char *buf, size_t len, __u64 fp, const char *point);
int pt_vid_sock(char *buf, size_t len, const char *host, __u64 ino);
int pt_vid_drop(char *buf, size_t len, __u64 fp, __u64 ts);

#endif /* PROVTAP_VERTEX_H */
