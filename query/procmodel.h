/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * procmodel.h — processes, FD tables, objects, connections and stream content
 * rebuilt from the process probe family's records (bpf/proc.h). A library: it
 * prints nothing. Feed it every PT_REC_PROC/SYS/DATA/CHUNK record of a window
 * in store order, call pt_procmodel_finish(), then query. Indices returned by
 * the queries (process, object, connection, peer) are stable for the life of
 * the engine; PT_PM_NONE means "none".
 *
 * Time. Records from different CPUs may arrive slightly out of time order.
 * They are held in a reorder buffer and applied in (ts, arrival) order once
 * the newest ts fed is more than opts.reorder_ns past theirs; finish applies
 * the rest. A record older than one already applied is still applied (counted
 * in stats.late). A CHUNK carries its DATA's ts, so it stays right after it.
 *
 * Processes are (pid, start_ns): pid reuse makes a new process. A seed
 * (PT_PK_SEED, from the load's task iterator) carries the kernel's exact
 * start_ns; a seed written from /proc would carry one rounded to the clock
 * tick, so a seed is the same process as kernel records of that pid whose
 * start_ns is within PT_PM_SEED_SLACK_NS of it (the kernel's exact start_ns
 * then wins). A process
 * is known from its fork (PT_PMO_FORK), its seed (PT_PMO_SEED) or, failing
 * both, from its first record (PT_PMO_SEEN; its parent is then the process of
 * pid ppid alive at its start, if known). Threads share the process's FD
 * table (the records do not say whether a clone shared it; CLONE_THREAD
 * almost always comes with CLONE_FILES); a fork without PT_PRF_THREAD copies
 * it.
 *
 * FD tables are temporal: every binding (fd -> object) has [from_ts, to_ts),
 * how it began and how it ended; nothing is deleted. A fork copies the
 * parent's table without copying it: the child's bindings are derived from
 * the parent's at fork time until the child touches that fd (then the
 * inherited binding is stored), so forking a process with thousands of FDs
 * costs O(1) and an exec O(FDs the child touched). Calls that fail (ret < 0)
 * change nothing, except close(2), which on Linux releases the fd whatever
 * it returns unless -EBADF, and a connect that returns -EINPROGRESS (the
 * socket is connecting). An fd used without a binding the model knows (the
 * process existed before load and no seed named it, or records were lost)
 * gets a PT_PMB_UNKNOWN binding to an object described only by what the call
 * reported (kind, inode, addresses); an fd whose binding disagrees with the
 * object the kernel reports (another inode) is ended PT_PME_LOST and rebound
 * so; but a call on an fd another thread closed while the call ran (the
 * kernel found no file behind fd at exit, and the fd's last binding was
 * closed by another thread) belongs to the object closed, and makes no
 * binding (stats.inflight). Nothing is invented: an object is never merged with another unless
 * both are the same socket inode (a socket has one open file description).
 * A seeded FD (PT_CALL_SEED_FD) is newfd, or fd when newfd is -1; the
 * binding the model already has for it (records before the seed) is kept
 * and marked PT_PMB_SEED when it is the same object.
 *
 * Objects are open file descriptions: open/socket/accept/pipe/socketpair make
 * one, dup*, F_DUPFD and fork share it. Each has two streams (PT_DIR_IN:
 * received/read, PT_DIR_OUT: sent/written), see struct pt_pm_stream.
 *
 * Connections. Two TCP sockets on this host whose local endpoint is the
 * other's remote one are paired (greedily in order of first sighting; a pair
 * must be in the same network namespace when its addresses are loopback, and
 * when both sequence bases are known they must agree); a TCP socket whose
 * peer is not here is a connection with one end. A socketpair is a connection
 * too. Connection id (stable: no timestamp in it):
 *   TCP         "tcp:<ep0>-<ep1>/<ino0>-<ino1>"
 *   socketpair  "unix:<ino0>-<ino1>"
 * where ep0 < ep1 are the two endpoints ordered by (address bytes, port) and
 * printed "10.0.0.1:40000" or "[2001:db8::1]:443", ino_k is the inode of the
 * socket at ep_k (0 when that end was not seen on this host); a socketpair's
 * are those of fds[0] then fds[1] (0 while a call has not described it).
 * Socket inodes are unique per host, so the id is unique; a window that sees
 * both ends of a connection names it the same whatever its bounds (one that
 * sees one end has 0 for the other), and the endpoints part joins other
 * hosts' ids.
 *
 * Memory: one reorder-buffer copy per record (freed once applied, except
 * DATA/CHUNK records with content, whose bytes are kept for assembly), a
 * 56-byte call per data record, a binding per FD a process touched. After
 * finish the queries do not modify the engine (they may run concurrently);
 * arrays they hand out are copies the caller frees.
 */
#ifndef PROVTAP_PROCMODEL_H
#define PROVTAP_PROCMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bpf/pkt.h"
#include "bpf/proc.h"

#define PT_PM_NONE		0xffffffffu	/* no process / object / connection / peer */
#define PT_PM_OPEN		(~0ull)		/* to_ts of a binding or thread still open at the end */
#define PT_PM_REORDER_NS	(100ull * 1000000ull)	/* default reorder window */
#define PT_PM_SEED_SLACK_NS	(10ull * 1000000ull)	/* /proc start time granularity (USER_HZ 100) */
#define PT_PM_CONN_ID_MAX	176

struct pt_procmodel_opts {
	__u64 reorder_ns;	/* 0 = PT_PM_REORDER_NS; ~0 = hold everything until finish */
};

/* How a process or thread became known. */
enum pt_pm_origin {
	PT_PMO_FORK = 1,	/* its fork/clone was recorded */
	PT_PMO_SEED = 2,	/* seeded from /proc at load */
	PT_PMO_SEEN = 3,	/* first seen in a record of its own */
};

/* How a binding began (also how an object became known: pt_pm_obj.begin). */
enum pt_pm_begin {
	PT_PMB_OPEN = 1,	/* open, openat, openat2, creat */
	PT_PMB_SOCKET = 2,
	PT_PMB_SOCKETPAIR = 3,
	PT_PMB_PIPE = 4,	/* pipe, pipe2 */
	PT_PMB_ACCEPT = 5,	/* accept, accept4 */
	PT_PMB_DUP = 6,		/* dup, dup2, dup3, F_DUPFD(_CLOEXEC) of src_fd */
	PT_PMB_INHERIT = 7,	/* copied at the process's fork from the parent's src_fd */
	PT_PMB_SEED = 8,	/* open when the probes were loaded (PT_CALL_SEED_FD) */
	PT_PMB_UNKNOWN = 9,	/* first seen in use; how it began is not known */
};

/* How a binding ended. */
enum pt_pm_end {
	PT_PME_NONE = 0,	/* still open at the end of the window */
	PT_PME_CLOSE = 1,	/* close (an fd not known, closed: from_ts == to_ts) */
	PT_PME_DUP2 = 2,	/* dup2/dup3 onto it: implicit close */
	PT_PME_CLOEXEC = 3,	/* exec with its close-on-exec bit set */
	PT_PME_CLOSE_RANGE = 4,	/* close_range without CLOSE_RANGE_CLOEXEC */
	PT_PME_EXIT = 5,	/* the process exited */
	PT_PME_LOST = 6,	/* ended unseen: its number was bound again, or the kernel
				 * reported another object behind it */
};

enum pt_pm_role {
	PT_PMR_NONE = 0,
	PT_PMR_CONNECT = 1,	/* connect() succeeded (or is in progress) */
	PT_PMR_ACCEPT = 2,	/* returned by accept */
	PT_PMR_LISTEN = 3,	/* listen() succeeded */
};

/* How a stream's offsets are computed. */
enum pt_pm_smode {
	PT_PMS_NONE = 0,	/* no data call yet */
	PT_PMS_SEQ = 1,		/* TCP: from the call's sequence number (64-bit unwrapped) */
	PT_PMS_COUNT = 2,	/* running byte count of the object in that direction */
};

/* What a range of assembled content is. */
enum pt_pm_gap {
	PT_PMG_DATA = 0,	/* captured bytes (not a gap) */
	PT_PMG_RING = 1,	/* captured, but its CHUNK record was lost (ring full) */
	PT_PMG_FAULT = 2,	/* reading the user buffer failed */
	PT_PMG_IOV = 3,		/* iovecs past PT_IOV_MAX */
	PT_PMG_TRUNC = 4,	/* past --content */
	PT_PMG_NOCONTENT = 5,	/* not in user memory (sendfile) */
	PT_PMG_OFF = 6,		/* content capture was off */
	PT_PMG_UNSEEN = 7,	/* no recorded call moved these bytes */
	PT_PMG_LIMIT = 8,	/* past the connection's content budget (PT_DAF_LIMIT: record's
				 * --content-max), not captured */
};

enum pt_pm_conn_kind { PT_PMC_TCP = 1, PT_PMC_SOCKETPAIR = 2 };

struct pt_pm_exec {
	__u64 ts;
	__u32 tid;		/* the thread that called execve (its tid before the exec) */
	__u32 argc;		/* arguments kept in argv */
	const char *filename;	/* NUL-terminated */
	const char *argv;	/* argc NUL-terminated strings back to back: argv_len bytes */
	__u32 argv_len;
	__u16 flags;		/* PT_PRF_ARGV_TRUNC, PT_PRF_PATH_TRUNC, PT_PRF_FAULT */
	bool seeded;		/* the program running at load (PT_PK_SEED): ts is the seed's */
};

/* A thread's comm changed (or the thread was first seen) at ts. */
struct pt_pm_comm {
	__u64 ts;
	__u32 tid;
	char comm[PT_COMM_LEN];
};

struct pt_pm_thread {
	__u32 tid;
	__u8 origin;		/* PT_PMO_FORK: clone (or the process's fork) seen; else SEEN/SEED */
	bool exited;
	__s32 exit_status;	/* wait status of its EXIT record */
	__u64 from_ts, to_ts;	/* clone (or first seen) .. exit; to_ts PT_PM_OPEN while alive */
	char comm[PT_COMM_LEN];	/* as last seen */
};

struct pt_pm_proc {
	__u32 pid;
	__u64 start_ns;
	__u32 ppid;		/* parent's pid at the fork, or as first reported */
	__u32 parent;		/* the parent's process index, PT_PM_NONE if not known */
	__u8 origin;		/* enum pt_pm_origin */
	bool table_known;	/* every binding it held is known: seeded, or forked from such */
	bool exited;
	bool signaled;		/* killed by a signal: exit_status & 0x7f */
	__u32 fork_tid;		/* PT_PMO_FORK: the parent's thread that forked */
	__u64 first_ts;		/* fork, seed or first record */
	__u64 exit_ts;		/* PT_PRF_GROUP exit, 0 while alive */
	__s32 exit_status;	/* wait status: code << 8 | signal */
	__u32 uid;		/* as first seen */
	__u64 cgroup_id, netns_ino;	/* as first seen */
	const struct pt_pm_exec *execs;	/* in time order; a seed's program first */
	size_t nexecs;
	const struct pt_pm_comm *comms;	/* in time order */
	size_t ncomms;
	const struct pt_pm_thread *threads;	/* in order of appearance */
	size_t nthreads;
	const __u32 *children;	/* process indices, by first_ts */
	size_t nchildren;
};

struct pt_pm_binding {
	__u32 proc, obj;
	__s32 fd;
	__s32 src_fd;		/* PT_PMB_DUP: the fd duplicated; PT_PMB_INHERIT: the parent's fd
				 * (same number, process pt_pm_proc.parent); else -1 */
	__u64 from_ts, to_ts;	/* [from, to); to_ts PT_PM_OPEN while open. SEED/UNKNOWN:
				 * from_ts is the first evidence, it began earlier */
	__u32 tid_begin;	/* thread whose call began it; 0 for INHERIT/SEED */
	__u32 tid_end;		/* thread whose call (or exit) ended it; 0 if none */
	__u8 begin, end;	/* enum pt_pm_begin, enum pt_pm_end */
	bool cloexec_from;	/* close-on-exec when it began */
	bool cloexec;		/* ... at the query time (pt_procmodel_fds) or at its end */
};

/* A data call, one direction of one object. */
struct pt_pm_call {
	__u64 ts;
	__u64 off;		/* stream offset of its first byte (see pt_pm_stream.exact) */
	__u64 size;		/* bytes moved (0: EOF / empty) */
	__u64 captured;		/* content bytes the probe announced (inline + chunks) */
	__s64 fpos;		/* files: file position of its first byte (pread/pwrite offset, or
				 * f_pos after the call - size); -1 otherwise */
	__u32 proc, tid;
	__u16 call;		/* enum pt_call (PT_CALL_SENDFILE in PT_DIR_IN: its in_fd side) */
	__u16 flags;		/* enum pt_data_flag */
	__u32 peer;		/* sendto/recvfrom address: pt_procmodel_peer(); PT_PM_NONE if none */
};

/*
 * Offsets. PT_PMS_SEQ (TCP): offset = unwrapped(seq of the call) - base. The
 * base is the write_seq (OUT) / copied_seq (IN) reported at connect or accept
 * exit: exact, offsets are true stream offsets. A socket first seen
 * mid-stream (seeded, or no connect/accept seen; also IN of a connect that
 * returned EINPROGRESS) has base = the lowest sequence number of its calls
 * (the first call's, unless calls were concurrent): exact is false.
 * PT_PMS_COUNT (UDP, unix, pipes, files...): offset = bytes this object moved
 * in that direction before the call; exact when the object was created in the
 * window.
 * A TCP send recorded PT_DAF_SEQ_UNCERTAIN (another thread's send overtook
 * it) is placed by elimination: when the part of its window [seq_lo, its
 * end) that no other placed call covers is one hole of its size, it goes
 * there and loses the mark. A call that keeps PT_DAF_SEQ_UNCERTAIN in flags
 * after finish could not be placed: its off is only a guess, and content
 * assembly leaves its bytes out (they come from the receiver when its calls
 * were seen, else they are unseen).
 */
struct pt_pm_stream {
	__u8 mode;		/* enum pt_pm_smode */
	bool exact;
	__u32 origin_seq;	/* PT_PMS_SEQ: sequence number at offset 0 */
	__u64 bytes;		/* sum of sizes (a MSG_PEEK receive counts, and so does the read after it) */
	__u64 ncalls;		/* successful calls (size 0 included) */
	__u64 failed;		/* calls with ret < 0 (not in calls) */
	__u64 first_ts, last_ts;	/* of the calls; 0 when none */
	__u64 end;		/* max(off + size) over the calls that moved bytes (size > 0) */
	const struct pt_pm_call *calls;	/* ncalls, in time order */
};

struct pt_pm_obj {
	__u8 kind;		/* enum pt_fd_kind as last described; PT_FK_NONE: never described */
	__u8 begin;		/* enum pt_pm_begin of the call that made it (SEED, UNKNOWN: existed) */
	__u8 role;		/* enum pt_pm_role */
	__u8 sk_state;		/* socket state as last seen */
	__u16 family, type;	/* socket: AF_*, SOCK_* (flags removed) */
	__u8 proto;		/* socket: IPPROTO_* */
	__u8 shut;		/* shutdown() seen: bit 0 reads, bit 1 writes */
	bool listening;
	bool path_trunc;
	__u32 dev;
	__u64 ino, cookie, sk_netns_ino;
	const char *path;	/* open/creat/seed path as given (relative to open_dirfd), or NULL */
	__u32 open_flags, open_mode;
	__s32 open_dirfd;
	__u8 laddr[16], raddr[16];	/* as last seen; network order */
	__u16 lport, rport;
	__u64 first_ts, last_ts;	/* created (or first seen) .. last record about it */
	__u32 creator;		/* process that created (or first held) it */
	__u32 pair;		/* other end: pipe, socketpair, paired TCP socket; else PT_PM_NONE */
	__u32 listener;		/* PT_PMR_ACCEPT: the listening socket's object */
	__u32 conn;		/* its connection, PT_PM_NONE if none */
};

struct pt_pm_peer {
	__u16 family;		/* AF_INET / AF_INET6 / AF_UNIX */
	__u16 port;		/* host order */
	__u8 addr[16];		/* network order */
};

struct pt_pm_conn {
	char id[PT_PM_CONN_ID_MAX];	/* see the top of this file */
	__u8 kind;		/* enum pt_pm_conn_kind */
	__u16 family;
	__u8 addr[2][16];	/* TCP: endpoint k (ep0 < ep1) */
	__u16 port[2];
	__u32 obj[2];		/* the socket at endpoint k, PT_PM_NONE if not seen on this host */
	int client;		/* the end that connect()ed (0 or 1), -1 if not known */
	__u64 first_ts;
};

/* A piece of assembled content: [off, off + len) of a stream. */
struct pt_pm_range {
	__u64 off, len;
	__u8 gap;		/* enum pt_pm_gap; PT_PMG_DATA: bytes holds len bytes */
	const __u8 *bytes;	/* owned by the engine; NULL for gaps */
};

struct pt_pm_stats {
	__u64 records;		/* PROC/SYS/DATA/CHUNK records accepted */
	__u64 ignored;		/* records of other types */
	__u64 malformed;	/* records rejected with -EINVAL */
	__u64 late;		/* applied after a newer record (disorder beyond the window) */
	__u64 failed;		/* calls with ret < 0 */
	__u64 noargs;		/* exits without entry that told too little to apply */
	__u64 unknown_fd;	/* PT_PMB_UNKNOWN bindings made */
	__u64 lost;		/* bindings ended PT_PME_LOST */
	__u64 orphan_chunks;	/* CHUNK records without their DATA */
	__u64 max_buffered;	/* most records held in the reorder buffer */
	__u64 inflight;		/* calls that succeeded on an fd another thread had closed
				 * meanwhile (the kernel saw no file at exit): given the
				 * object closed, no binding made */
};

struct pt_procmodel;

/* New engine; o may be NULL (defaults). NULL with *err = -ENOMEM on failure. */
struct pt_procmodel *pt_procmodel_new(const struct pt_procmodel_opts *o, int *err);

/*
 * Feed one record (rec->len bytes). Types other than PT_REC_PROC/SYS/DATA/CHUNK
 * are ignored (0). Returns 0; -EINVAL for a record too short for its type or
 * its trailing data, or fed after finish (skipped; the engine stays usable);
 * -ENOMEM (the record is lost, the engine stays consistent).
 */
int pt_procmodel_feed(struct pt_procmodel *m, const struct pt_rec_hdr *rec);

/*
 * Apply what is buffered and build the answers: parents of seeded/seen
 * processes, stream offsets, connections. Once; later calls return 0. Queries
 * answer only after it. Returns 0 or -ENOMEM (the engine is then unusable
 * for queries).
 */
int pt_procmodel_finish(struct pt_procmodel *m);

/* NULL-safe. Frees everything the engine handed out by pointer. */
void pt_procmodel_free(struct pt_procmodel *m);

const struct pt_pm_stats *pt_procmodel_stats(const struct pt_procmodel *m);

/* Processes, in order of first appearance. NULL when i is out of range or before finish. */
size_t pt_procmodel_nprocs(const struct pt_procmodel *m);
const struct pt_pm_proc *pt_procmodel_proc(const struct pt_procmodel *m, __u32 i);

/*
 * Index of process (pid, start_ns), PT_PM_NONE if none. Exact start, except a
 * seeded process no kernel record has named: within PT_PM_SEED_SLACK_NS.
 */
__u32 pt_procmodel_find_proc(const struct pt_procmodel *m, __u32 pid, __u64 start_ns);

/* Index of the process with this pid alive at ts (start_ns <= ts, not exited before ts), or PT_PM_NONE. */
__u32 pt_procmodel_proc_at(const struct pt_procmodel *m, __u32 pid, __u64 ts);

/*
 * FD table of process proc at ts: the bindings with from_ts <= ts < to_ts,
 * by fd, cloexec as at ts. *out (caller frees; NULL when *n == 0).
 * Returns 0, -EINVAL (bad index, before finish) or -ENOMEM.
 */
int pt_procmodel_fds(const struct pt_procmodel *m, __u32 proc, __u64 ts, struct pt_pm_binding **out,
		     size_t *n);

/* Every binding process proc ever had (inherited ones included), by (fd, from_ts). As pt_procmodel_fds. */
int pt_procmodel_fd_history(const struct pt_procmodel *m, __u32 proc, struct pt_pm_binding **out, size_t *n);

/* Objects, in order of creation. NULL when i is out of range or before finish. */
size_t pt_procmodel_nobjs(const struct pt_procmodel *m);
const struct pt_pm_obj *pt_procmodel_obj(const struct pt_procmodel *m, __u32 i);

/* Every binding of obj in any process over time (inherited ones included), by (from_ts, proc, fd). As above. */
int pt_procmodel_holders(const struct pt_procmodel *m, __u32 obj, struct pt_pm_binding **out, size_t *n);

/* Stream of obj in dir (PT_DIR_IN / PT_DIR_OUT); NULL on a bad index or dir, or before finish. */
const struct pt_pm_stream *pt_procmodel_stream(const struct pt_procmodel *m, __u32 obj, __u8 dir);

/* Processes that made the calls of a stream, ascending, unique. *out caller frees. 0, -EINVAL, -ENOMEM. */
int pt_procmodel_stream_procs(const struct pt_procmodel *m, __u32 obj, __u8 dir, __u32 **out, size_t *n);

/* A peer address of pt_pm_call.peer; NULL if out of range or before finish. */
const struct pt_pm_peer *pt_procmodel_peer(const struct pt_procmodel *m, __u32 peer);

/* Connections, by first_ts. NULL when i is out of range or before finish. */
size_t pt_procmodel_nconns(const struct pt_procmodel *m);
const struct pt_pm_conn *pt_procmodel_conn(const struct pt_procmodel *m, __u32 i);

/* Index of the connection with this id, PT_PM_NONE if none. */
__u32 pt_procmodel_find_conn(const struct pt_procmodel *m, const char *id);

/*
 * Content of [off, off + len) of obj's stream dir, clipped to the stream's
 * end: ranges covering it without holes or overlaps, in offset order; bytes
 * point into the engine (valid until pt_procmodel_free). Where calls overlap
 * (MSG_PEEK), captured bytes win over gaps, and the earlier call over the
 * later. *out (caller frees; NULL when *n == 0). Returns 0, -EINVAL (bad
 * index or dir, before finish) or -ENOMEM.
 */
int pt_procmodel_content(const struct pt_procmodel *m, __u32 obj, __u8 dir, __u64 off, __u64 len,
			 struct pt_pm_range **out, size_t *n);

/*
 * Content of the bytes connection conn carried from endpoint side (0 or 1) to
 * the other, as pt_procmodel_content: offsets of the sender's PT_DIR_OUT
 * stream (of the receiver's PT_DIR_IN stream when the sender was not seen or
 * made no call). Bytes the sender's calls did not capture are taken from the
 * receiver's calls where they did, aligned by sequence number (TCP) or by
 * count when both streams are exact (socketpair). 0, -EINVAL (bad index or
 * side, before finish) or -ENOMEM.
 */
int pt_procmodel_conn_content(const struct pt_procmodel *m, __u32 conn, int side, __u64 off, __u64 len,
			      struct pt_pm_range **out, size_t *n);

#endif /* PROVTAP_PROCMODEL_H */
