/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * procmodel_int.h — private to query/procmodel*.c: the engine's state and the
 * functions its files share.
 *
 *   procmodel.c       lifecycle, reorder buffer, dispatch, processes, threads
 *   procmodel_fd.c    FD tables (copy-on-write across fork), FD-table calls
 *   procmodel_fdq.c   table queries: table at a time, history, holders
 *   procmodel_obj.c   objects, socket calls, connections
 *   procmodel_io.c    data calls, streams, chunks, content assembly
 *   procmodel_util.c  vectors, hash map, string arena
 */
#ifndef PROVTAP_PROCMODEL_INT_H
#define PROVTAP_PROCMODEL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "query/procmodel.h"

#define NONE PT_PM_NONE

/* Hash map: u64 key -> u32 value, open addressing, duplicates allowed, no deletion. */
struct pm_slot {
	__u64 key;
	__u32 v;
	__u32 used;
};

struct pm_map {
	struct pm_slot *s;
	__u32 cap, n;		/* cap: power of 2 (0 = empty map) */
};

/* Table-wide event of a process, applied to the bindings it inherited and never touched. */
enum pm_tev_kind {
	PM_TEV_EXEC = 1,	/* closes those with cloexec set */
	PM_TEV_CLOSE = 2,	/* close_range: closes [first, last] */
	PM_TEV_CLOEXEC = 3,	/* close_range CLOSE_RANGE_CLOEXEC: sets cloexec on [first, last] */
	PM_TEV_EXIT = 4,	/* closes all */
};

struct pm_tev {
	__u64 ts;
	__u32 tid;
	__u32 first, last;
	__u8 kind;
};

/* An fd of a process with stored history (touched since its fork, or no parent table). */
struct pm_fdslot {
	__s32 fd;
	size_t n, cap;
	__u32 *hist;		/* binding indices in time order; the last is open if its to == PT_PM_OPEN */
};

struct pm_proc {
	struct pt_pm_proc pub;	/* array members point at the vectors below after finish */
	struct pt_pm_exec *execs;
	size_t cexecs;
	struct pt_pm_comm *comms;
	size_t ccomms;
	struct pt_pm_thread *threads;
	size_t cthreads;
	__u32 *children;
	size_t cchildren;
	bool start_approx;	/* start_ns from a seed only (maybe rounded to a tick) */
	__u32 prev_pid;		/* the next older process with this pid */
	__u32 tparent;		/* its table was copied from this process at fork_ts; NONE */
	__u64 fork_ts;
	struct pm_map fdmap;	/* fd -> index into fds */
	struct pm_fdslot *fds;
	size_t nfds, cfds;
	struct pm_tev *tev;	/* only with a tparent: nobody else inherits */
	size_t ntev, ctev;
};

/* A stored binding. */
struct pm_bnd {
	__u64 from, to;
	__u32 proc, obj;
	__s32 fd, src_fd;
	__u32 next_obj;		/* next stored binding of obj */
	__u32 cx;		/* first F_SETFD change (index into cxs), NONE */
	__u32 tid_begin, tid_end;
	__u8 begin, end;
	__u8 cloexec0;		/* at from */
	__u8 cloexec;		/* now (or at to) */
};

/* A change of a binding's close-on-exec bit. */
struct pm_cx {
	__u64 ts;
	__u32 next;
	__u8 val;
};

/* A binding as some process sees it: stored, or derived from its parent's. */
struct pm_vb {
	__u32 proc, obj;
	__s32 fd, src_fd;
	__u64 from, to;
	__u32 tid_begin, tid_end;
	__u8 begin, end;
	__u8 cloexec0;		/* at from */
	__u8 cloexec_t;		/* at the time asked for */
	__u8 cloexec_end;	/* at to (or now) */
	__u32 bidx;		/* the stored binding, NONE if derived */
};

struct pm_stream {
	struct pt_pm_stream pub;	/* pub.calls points at calls after finish */
	struct pt_pm_call *calls;	/* SEQ: off holds the unwrapped position until finish */
	__u32 *piece;		/* per call: first content piece, NONE */
	size_t ccalls;
	__u64 last_end;		/* SEQ: unwrapped position past the last call; COUNT: running count */
	__u64 min_pos;		/* SEQ: lowest unwrapped position of a call */
	__u64 base_pos;		/* SEQ with a base: its unwrapped position */
	bool have_ref;		/* SEQ: last_end is set */
	bool have_base;
	struct pm_unsure *unsure;	/* SEQ: calls marked PT_DAF_SEQ_UNCERTAIN, until finish */
	size_t nunsure, cunsure;
};

/* A TCP send whose offset is uncertain: call ci, bytes somewhere in [lo, calls[ci].off + size). */
struct pm_unsure {
	__u32 ci;
	__u64 lo;		/* unwrapped position of the PT_REC_DATA seq_lo */
};

struct pm_obj {
	struct pt_pm_obj pub;
	__u32 bhead, btail;	/* stored bindings, via pm_bnd.next_obj */
	struct pm_stream st[2];	/* [0] PT_DIR_IN, [1] PT_DIR_OUT */
	__u32 snd_base, rcv_base;	/* TCP: write_seq / copied_seq at connect or accept exit */
	bool has_snd_base, has_rcv_base;
};

/* Captured bytes of a call: [off, off + len) of its content. */
struct pm_piece {
	const __u8 *p;
	__u32 off, len;
	__u32 next;		/* next piece of the call, by off; NONE */
};

/* A call whose CHUNK records may follow. */
struct pm_pend {
	__u64 ts;
	__u32 tid, obj, call;
	__u16 msg;
	__u8 dix;
};

struct pm_tref {
	__u32 proc, idx;	/* thread idx of process proc */
};

struct pm_qent {
	__u64 ts, seq;
	struct pt_rec_hdr *rec;
};

struct pm_ablk;

struct pt_procmodel {
	__u64 reorder_ns;
	bool finished;
	struct pt_pm_stats st;

	struct pm_qent *q;	/* reorder buffer: binary min-heap on (ts, seq) */
	size_t nq, cq;
	__u64 seq, newest, applied;

	struct pm_proc *procs;
	size_t nprocs, cprocs;
	struct pm_map pidmap;	/* pid -> newest process of that pid */
	__u32 last_proc;	/* lookup cache */
	struct pm_tref *trefs;
	size_t ntrefs, ctrefs;
	struct pm_map tidmap;	/* tid -> tref of its latest thread */

	struct pm_bnd *bnds;
	size_t nbnds, cbnds;
	struct pm_cx *cxs;
	size_t ncxs, ccxs;

	struct pm_obj *objs;
	size_t nobjs, cobjs;
	struct pm_map sockmap;	/* socket inode -> object */

	struct pm_piece *pieces;
	size_t npieces, cpieces;
	struct pm_pend *pends;
	size_t npends, cpends;
	struct pm_map pendmap;	/* hash of (tid, ts, msg) -> pend */
	struct pt_pm_peer *peers;
	size_t npeers, cpeers;
	struct pm_map peermap;	/* hash of the address -> peer */

	struct pt_pm_conn *conns;
	size_t nconns, cconns;

	void **kept;		/* record copies whose content pieces point into them */
	size_t nkept, ckept;
	struct pm_ablk *arena;	/* strings */
};

/* ---- procmodel_util.c ---- */

/* A 64-bit hash of x. */
__u64 pm_mix(__u64 x);

/* Make room for need elements of esz bytes in *p (capacity *cap). 0 or -ENOMEM. */
int pm_reserve(void **p, size_t *cap, size_t need, size_t esz);
#define PM_RESERVE(arr, cap, need) pm_reserve((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* Insert (key, v); 0 or -ENOMEM. */
int pm_map_put(struct pm_map *m, __u64 key, __u32 v);
/* Replace the value of key (the first one) or insert it; 0 or -ENOMEM. */
int pm_map_set(struct pm_map *m, __u64 key, __u32 v);
/* First value of key, NONE if none. */
__u32 pm_map_get(const struct pm_map *m, __u64 key);
/* Values of key one by one: *it = 0 first; NONE at the end. */
__u32 pm_map_iter(const struct pm_map *m, __u64 key, __u64 *it);
void pm_map_free(struct pm_map *m);

/* Copy of n bytes of s plus a NUL, owned by the engine; NULL on ENOMEM. */
char *pm_strndup(struct pt_procmodel *m, const char *s, size_t n);

/* Free the strings of pm_strndup. */
void pm_arena_free(struct pt_procmodel *m);

/* Keep a record copy alive until pt_procmodel_free (content points into it). 0 or -ENOMEM. */
int pm_keep(struct pt_procmodel *m, void *rec);

/* ---- procmodel.c ---- */

/*
 * Process of a record's task (created PT_PMO_SEEN when new) and its thread
 * (comm changes noted). seed: the task comes from user space's /proc scan
 * (PT_CALL_SEED_FD): its start time may be rounded. *proc set; 0 or -ENOMEM.
 */
int pm_task(struct pt_procmodel *m, const struct pt_task *t, bool seed, __u32 *proc);

/* ---- procmodel_fd.c ---- */

/* PT_REC_SYS. 0 or -ENOMEM. */
int pm_apply_sys(struct pt_procmodel *m, const struct pt_sys *s, __u32 proc);

/* Process exit and exec: the table's part. 0 or -ENOMEM. */
int pm_table_exit(struct pt_procmodel *m, __u32 proc, __u64 ts, __u32 tid);
int pm_table_exec(struct pt_procmodel *m, __u32 proc, __u64 ts, __u32 tid);

/*
 * Object behind fd of proc now. With create (a call succeeded on fd), an fd
 * without a binding gets a PT_PMB_UNKNOWN one, and one whose object is not
 * the one info describes is ended PT_PME_LOST and rebound (info may be NULL).
 * *obj = NONE when there is none (create false). 0 or -ENOMEM.
 */
int pm_fd_obj(struct pt_procmodel *m, __u32 proc, __s32 fd, __u64 ts, __u32 tid, const struct pt_fdinfo *info,
	      bool create, __u32 *obj);

/* Free the tables' memory of a process. */
void pm_table_free(struct pm_proc *p);

/* fd's slot (stored history) in p, NULL if none. */
struct pm_fdslot *pm_slot_of(const struct pm_proc *p, __s32 fd);

/* The stored binding of slot s alive at t (from <= t < to); NONE if none or s is NULL. */
__u32 pm_stored_at(const struct pt_procmodel *m, const struct pm_fdslot *s, __u64 t);

/* Close-on-exec bit of stored binding b at t. */
__u8 pm_cx_at(const struct pt_procmodel *m, const struct pm_bnd *b, __u64 t);

/* Does table event e apply to fd? */
bool pm_tev_covers(const struct pm_tev *e, __s32 fd);

/*
 * The binding child inherited from pv (its parent's binding of pv->fd alive
 * at the child's fork, pv->cloexec_t as at the fork), as the child's table
 * events made it: from the fork to the first event that closed it (or
 * PT_PM_OPEN); cloexec_t as at t, cloexec_end at its end.
 */
void pm_vb_derive(const struct pt_procmodel *m, __u32 child, const struct pm_vb *pv, __u64 t, struct pm_vb *v);

/* ---- procmodel_obj.c ---- */

/* New object created by begin at ts by proc, described by info (may be NULL). *obj set; 0 or -ENOMEM. */
int pm_obj_new(struct pt_procmodel *m, __u8 begin, __u64 ts, __u32 proc, const struct pt_fdinfo *info,
	       __u32 *obj);

/* Object for a binding not seen to begin: the socket of info's inode if known, else a new one. */
int pm_obj_unknown(struct pt_procmodel *m, __u8 begin, __u64 ts, __u32 proc, const struct pt_fdinfo *info,
		   __u32 *obj);

/* True when info names an object other than o (both have an inode and they differ). */
bool pm_obj_mismatch(const struct pm_obj *o, const struct pt_fdinfo *info);

/* Update obj from info (kind, inode, socket fields as last seen; info may be NULL) and last_ts. 0 or -ENOMEM. */
int pm_obj_describe(struct pt_procmodel *m, __u32 obj, const struct pt_fdinfo *info, __u64 ts);

/* A TCP socket (IPv4/IPv6). */
bool pm_obj_tcp(const struct pm_obj *o);

/* Socket calls on an existing object: bind, listen, connect, shutdown, accept's listener. */
void pm_obj_sockcall(struct pt_procmodel *m, __u32 obj, const struct pt_sys *s);

/* A new object made by socket/accept/socketpair: family/type/proto, addresses, bases. */
void pm_obj_created(struct pt_procmodel *m, __u32 obj, const struct pt_sys *s, __u32 listener);

/* Pair TCP sockets, make the connections. 0 or -ENOMEM. */
int pm_conns_build(struct pt_procmodel *m);

/* ---- procmodel_io.c ---- */

int pm_apply_data(struct pt_procmodel *m, const struct pt_data *d, __u32 proc, struct pt_rec_hdr *copy,
		  bool *kept);
int pm_apply_chunk(struct pt_procmodel *m, const struct pt_chunk *c, struct pt_rec_hdr *copy, bool *kept);

/* Turn unwrapped positions into offsets, set the streams' public fields. */
void pm_streams_finish(struct pt_procmodel *m);

#endif /* PROVTAP_PROCMODEL_INT_H */
