/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * procview.h — how the provenance queries (query proc, conn, content) name
 * and describe what the process model (query/procmodel.h) rebuilt from a
 * store loaded with query/pmload.h: vertex ids (query/vertex.h) of
 * processes, objects and connections, endpoints, objects as one line, the
 * model's enum names, times, and the resolution of user input (a pid or
 * proc: id, a conn id, --at). Pure: prints nothing, except pt_pv_json_*
 * which write to the FILE given.
 */
#ifndef PROVTAP_PROCVIEW_H
#define PROVTAP_PROCVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "query/pmload.h"
#include "query/procmodel.h"

/* Names of the model's enums ("inherit", "cloexec", "truncated", ...); "?" when out of range. */
const char *pt_pv_begin_name(__u8 begin);	/* enum pt_pm_begin: open socket socketpair pipe accept dup inherit seed unknown */
const char *pt_pv_origin_name(__u8 origin);	/* enum pt_pm_origin: fork seed seen */
const char *pt_pv_kind_name(__u8 kind);		/* enum pt_fd_kind: none file dir pipe socket chr other */

/*
 * enum pt_pm_gap: the JSON name (data lost fault iov_limit truncated
 * not_in_user_memory capture_off unseen content_limit) and the words of a text line
 * ("truncated: past --content").
 */
const char *pt_pv_gap_name(__u8 gap);
const char *pt_pv_gap_text(__u8 gap);

/* "10.0.0.1:80", "[2001:db8::1]:443" into buf (>= 64 bytes). Returns buf. */
char *pt_pv_endpoint(char *buf, size_t len, __u16 family, const __u8 *addr, __u16 port);

/*
 * An object in one line into buf (PT_VID_MAX suffices): "file PATH" (or
 * "file DEV ino N" without a path), "chr PATH", "tcp L -> R" ("tcp L
 * listening", "tcp L" unconnected), "udp L -> R", "unix socket:[INO]",
 * "pipe:[INO]", "socket family F", "unknown" (never described). Returns buf.
 */
char *pt_pv_obj_text(char *buf, size_t len, const struct pt_pm_obj *o);

/*
 * The vertex id naming object i, into buf (PT_VID_MAX): conn:ID when it is an
 * end of a connection, else file:PATH when it was opened by path, else
 * sock:HOST/INO for a socket with an inode. Returns false (buf "") when none.
 */
bool pt_pv_obj_id(const struct pt_pmload *l, __u32 i, char *buf, size_t len);

/* proc:HOST/PID@START of process index i into buf (>= 96 bytes). Returns buf. */
char *pt_pv_proc_id(const struct pt_pmload *l, __u32 i, char *buf, size_t len);

/* A process's name: the comm as last seen ("" if none). */
const char *pt_pv_comm(const struct pt_pm_proc *p);

/* Its latest exec's argv[0] (filename when argv is empty), else its comm. Not NUL-safe beyond argv[0]. */
const char *pt_pv_argv0(const struct pt_pm_proc *p);

/* Boottime ns as wall time (RFC 3339, ns) with the store's clock, or "boot+S.NNNNNNNNN". Returns buf (>= 48). */
char *pt_pv_time(const struct pt_pmload *l, __u64 boot_ns, char *buf, size_t len);

/*
 * Parse a time given for --at: "boot:NS" (boottime ns, as the ids' START and
 * ts_ns fields), or what --since accepts (RFC 3339, "now", "-5m": wall time,
 * turned into boottime with the store's clock). Returns 0 and *boot_ns;
 * -EINVAL with a message in err (bad syntax, or wall time with a store that
 * has no clock record).
 */
int pt_pv_parse_at(const struct pt_pmload *l, const char *s, __u64 *boot_ns, char *err, size_t errlen);

/* The newest process of pid in the model (the latest start), PT_PM_NONE when there is none. */
__u32 pt_pv_newest_proc(const struct pt_pmload *l, __u32 pid);

/*
 * Resolve a process argument: "PID", "proc:PID", "proc:HOST/PID" (the newest
 * process of that pid) or "proc:HOST/PID@START" (exactly that one). Returns
 * 0 and *proc; -EINVAL (malformed: err says what is accepted) or -ENOENT (no
 * such process, or another host: err says which and how to list processes).
 */
int pt_pv_find_proc(const struct pt_pmload *l, const char *arg, __u32 *proc, char *err, size_t errlen);

/*
 * Resolve a connection argument: "conn:ID" or "ID". Returns 0 and *conn;
 * -EINVAL (malformed or another kind of vertex) or -ENOENT (none with that id:
 * err says how to list them), err filled. With l NULL only the syntax is
 * checked (0 or -EINVAL; *conn untouched): before the store is read.
 */
int pt_pv_find_conn(const struct pt_pmload *l, const char *arg, __u32 *conn, char *err, size_t errlen);

/*
 * Processes that held object obj at any time (its holders' processes),
 * ascending, unique. *out (caller frees; NULL when *n == 0). 0, -EINVAL, -ENOMEM.
 */
int pt_pv_obj_procs(const struct pt_pmload *l, __u32 obj, __u32 **out, size_t *n);

/*
 * Objects process proc held at any time (its FD history, inherited FDs
 * included), each once, in the order of their first binding (by fd, then
 * time). *out (caller frees; NULL when *n == 0). 0, -EINVAL, -ENOMEM.
 */
int pt_pv_proc_objs(const struct pt_pmload *l, __u32 proc, __u32 **out, size_t *n);

/*
 * When every holder of obj had let it go: the latest end of its bindings, or
 * PT_PM_OPEN when one is still open at the end of the store (or it has none).
 */
__u64 pt_pv_obj_closed(const struct pt_pmload *l, __u32 obj);

/* Write s as a JSON string, or null when s is NULL (pt_json_str). */
void pt_pv_json_str(FILE *out, const char *s);

#endif /* PROVTAP_PROCVIEW_H */
