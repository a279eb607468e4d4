/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * format.h — records as people (one line each) and programs (JSON lines) see
 * them. Both forms name capture points and convert kernel boottime to wall
 * time with the store's/collector's latest clock record.
 *
 * JSON keys of a packet line: type "pkt", ts (RFC 3339, ns), ts_ns (boottime),
 * point, point_id, dir, hook, len (wire), proto, family, src, dst, sport, dport,
 * flags (TCP, tcpdump letters), seq, ack, win, ip_id, ttl, tos, l3_len,
 * payload_len, frag_off, icmp_type, icmp_code, vlan, vni, outer_src, outer_dst,
 * mark, fp (16 hex digits), fp_mode, trunc, badlen, cap_len, data (hex, when captured).
 * A loss line: type "loss", ts, point, point_id, lost, lost_total.
 * A drop line (struct pt_drop): type "drop", ts, ts_ns, reason (name from this
 * kernel's BTF), reason_code, location (symbol+offset from kallsyms),
 * location_addr, netns_ino, netns (name, when a capture point knows it),
 * ifindex, dev (name, when a capture point of that netns/ifindex knows it),
 * len (skb->len), the identity keys of a packet line (family ... frag_off,
 * flags/seq/ack/win, icmp_type/code, vni...) and fp, fp_mode, trunc, badlen.
 *
 * The process family (bpf/proc.h; written by format_proc.c). Strings from the
 * traced processes (comm, filename, argv, path) are JSON strings of their
 * bytes: valid UTF-8 kept, control characters, " and \ escaped, every byte
 * that is not valid UTF-8 written as U+FFFD (the exact bytes of content are
 * in hex). Names the build does not know are their number as a string ("7"),
 * calls "call#N".
 *   task keys, first in every proc/sys/data line: type, ts, ts_ns, pid, tid,
 *     ppid, uid, comm, start_ns, cgroup_id, netns_ino (struct pt_task).
 *   type "proc": kind ("fork", "exec", "exit", "seed"), then per kind
 *     fork: child_pid, child_tid, child_start_ns, thread (bool);
 *     exec: old_tid, filename, argv (array of strings), argv_truncated,
 *           path_truncated, fault (bools);
 *     seed: filename (the exe), argv, argv_truncated, path_truncated, fault;
 *     exit: status (raw wait status), exit_code (null when killed), signal
 *           (null when not killed), group (bool: the last thread, the process
 *           is gone).
 *   type "sys": call ("connect", "accept4", ..., "seed_fd"), ret, errno (name,
 *     "ECONNREFUSED", only when ret < 0), fd, newfd, newfd2 (-1 = none), args
 *     (the three struct pt_sys.arg as unsigned numbers), cloexec, noargs,
 *     fault (bools), path and path_truncated (when the record has a path),
 *     addr_family ("inet", "inet6", "unix", ...), addr (null unless IP) and
 *     port (when PT_SF_ADDR: the call's sockaddr), fd_object.
 *   type "data": call, ret, errno (when ret < 0), fd, fd2 (sendfile's in_fd,
 *     else -1), dir ("in", "out"), size, captured, offset (pread64/pwrite64,
 *     else null), msg_index, flags (array of "noargs", "fault", "truncated",
 *     "iov_truncated", "nocontent", "mmsg_truncated"), peer ("addr:port",
 *     null for a non-IP peer; only when PT_DAF_ADDR), fd_object, content (hex
 *     of the inline bytes; the rest comes in chunk lines).
 *   fd_object: null when unresolved, else {kind ("file", "dir", "pipe",
 *     "socket", "chr", "other"), dev ("major:minor" of the superblock), ino,
 *     pos (files), and for sockets family, type ("stream", "dgram", ...),
 *     state ("ESTABLISHED", "LISTEN", ...), cookie, netns_ino, and for IP
 *     sockets proto, local ("10.0.1.2:41234", "[fd00::1]:80"), remote (null
 *     when not connected), and for TCP snd_seq, rcv_seq}.
 *   type "chunk": ts, ts_ns (the DATA's), tid, off, msg_index, len, content (hex).
 *   a LOSS of the family (point PT_PROC_LOSS_POINT(cat)): type "loss", ts,
 *     point ("proc-probes/data"), point_id, probe "proc", category ("proc",
 *     "sys", "data", "chunk"), lost, lost_total.
 *
 * Text lines of the process family: wall time, the call or event, the task as
 * comm[pid] (comm[pid/tid] for a thread other than the leader; comm C-escaped),
 * then what happened. Paths and argv are shell words (quoted, $'...' for
 * control or invalid bytes), "..." when cut. A failed call ends in
 * "= -ENAME" (the number when the name is unknown); calls that made an FD show
 * it after "->". An FD's object: "tcp 10.0.1.2:41234 -> 10.0.2.2:80" ("<-" for
 * data received and accepted connections; the call's own sockaddr stands in
 * for a missing remote end), "unix socket:[INO]", "pipe:[INO]",
 * "file MAJ:MIN ino INO" (also dir, chr, other).
 *   fork bash[100] -> 101                 fork bash[100] -> thread 102
 *   exec curl[101] /usr/bin/curl -s 'http://x/?a b' ...   ([argv0] shown when
 *        it is neither the filename nor its last component)
 *   exit curl[101] status 0               exit x[5] killed by signal 9 (SIGKILL)
 *   exit x[5/7] thread status 0           seed bash[100] /usr/bin/bash -l
 *   socket x[1] AF_INET SOCK_STREAM|SOCK_CLOEXEC 0 -> fd 3
 *   connect curl[101] fd 3 tcp 10.0.1.2:41234 -> 10.0.2.2:80 = -ECONNREFUSED
 *   accept4 nginx[50] fd 6 -> 7 tcp 10.0.2.2:80 <- 10.0.1.2:41234 cloexec
 *   close x[1] fd 3 = 0                   dup2 x[1] 4 -> 1
 *   openat x[1] /etc/hosts O_RDONLY|O_CLOEXEC -> fd 3 file 8:1 ino 1234
 *   pipe2 x[1] O_CLOEXEC -> fds 3 4 pipe:[99]
 *   write curl[101] fd 3 tcp 10.0.1.2:41234 -> 10.0.2.2:80 73 B "GET / HTTP/1.1\r\nHost: x\r\n..."...
 *        (at most 60 content bytes, C-escaped; "..." after the quote when
 *        more was moved; "(captured C of S, truncated)" when content is
 *        missing: C > 0 and C < S, or fault, iovecs cut, messages cut)
 *   read x[1] fd 3 file 8:1 ino 1234 512 B     pread64 ... 512 B at 4096
 *   loss proc-probes/data: 12 record(s) lost (40 in all), ring buffer full (...)
 * A CHUNK prints nothing as text: the DATA line already says what was captured.
 */
#ifndef PROVTAP_FORMAT_H
#define PROVTAP_FORMAT_H

#include <stdbool.h>
#include <stdio.h>
#include "bpf/pkt.h"
#include "query/filter.h"
#include "query/json.h"

/* What a reader knows about capture points and the clock, learnt from records. */
struct pt_view {
	struct pt_point_info info[PT_MAX_POINTS];
	char name[PT_MAX_POINTS][96];	/* "" = unknown point */
	__s64 clock_offset;		/* realtime - boottime, ns */
	bool clock_valid;
};

/* Empty view. */
void pt_view_init(struct pt_view *v);

/* Learn from a POINT or CLOCK record; other types are ignored. */
void pt_view_learn(struct pt_view *v, const struct pt_rec_hdr *h);

/* Names of point id for filter matching ("point NAME"). */
struct pt_point_names pt_view_names(const struct pt_view *v, __u16 point);

/* "veth1@ns:in", or "point#N" for an unknown id. Static storage per call site not kept. */
const char *pt_view_point(const struct pt_view *v, __u16 point, char *buf, size_t len);

/* The name of proc probe counter category cat (enum pt_proc_cat): "proc", "sys", "data", "chunk". */
const char *pt_fmt_proc_cat(__u32 cat);

/*
 * The point info of a capture point (any direction, latest) on the device
 * ifindex in netns netns_ino, for naming the device of a drop; NULL if none.
 */
const struct pt_point_info *pt_view_dev(const struct pt_view *v, __u64 netns_ino, __u32 ifindex);

/*
 * Print one PKT, DROP, LOSS, PROC, SYS, DATA or CHUNK record (other types, and
 * records shorter than their struct: nothing). json selects JSON lines.
 */
void pt_format_rec(FILE *out, const struct pt_rec_hdr *h, const struct pt_view *v, bool json);

/*
 * pt_format_rec's part for the process family (format_proc.c): PROC, SYS,
 * DATA, CHUNK and a LOSS whose point is PT_IS_PROC_LOSS_POINT. Returns false,
 * having written nothing, for any other record or one shorter than its struct.
 */
bool pt_format_proc_rec(FILE *out, const struct pt_rec_hdr *h, const struct pt_view *v, bool json);

/* Name of an enum pt_call ("connect", "accept4", "seed_fd"), NULL when unknown. */
const char *pt_call_name(__u16 call);

/*
 * Symbolic name of errno err > 0 ("ECONNREFUSED", kernel-internal ones such as
 * "ERESTARTSYS"), else err in decimal written into buf (>= 12 bytes).
 */
const char *pt_errno_name(int err, char *buf, size_t len);

/* "tcp", "udp", "icmp", "icmp6", else the number written into buf (>= 4 bytes). */
const char *pt_fmt_proto(__u8 proto, char *buf, size_t len);

/* tcpdump's flag letters (S F P R U E W .) into buf (>= 9 bytes); no flags: "-" if dash, else "". */
char *pt_fmt_tcp_flags(__u8 flags, char *buf, bool dash);

/* Boottime ns as RFC 3339 wall time with v's clock, or "boot+S.NNNNNNNNN" without one. */
void pt_view_fmt_time(const struct pt_view *v, __u64 boot_ns, char *buf, size_t len);

/* Address text for the record's family ("10.0.0.1", "fe80::1"). */
const char *pt_fmt_addr(const __u8 *a, bool v6, char *buf, size_t len);

#endif /* PROVTAP_FORMAT_H */
