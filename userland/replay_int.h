/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * replay_int.h — what the parts of a replay share: replay.c (namespace,
 * launches, the accept loop), replay_plan.c (what is re-run and what is
 * emulated), replay_conn.c (serving one TCP connection's script),
 * replay_in.c (playing a recorded client against a re-run server),
 * replay_udp.c (answering datagrams, DNS included), replay_tree.c (the
 * re-run's process tree positions), replay_owner.c (which re-run process
 * made an accepted connection) and replay_netns.c (the recording's network
 * namespace names).
 */
#ifndef PROVTAP_REPLAY_INT_H
#define PROVTAP_REPLAY_INT_H

#include <pthread.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "userland/replay.h"

#define PT_REPLAY_RETRY_MS	10	/* between connection attempts to a server not listening yet */
#define PT_REPLAY_POS_LEN	64	/* a tree position ("0.1.2") and its NUL */

/* What the replay does with a recorded connection entry. */
enum pt_emu {
	PT_EMU_NONE = 0,	/* not replayed: its process is not re-run, or both ends are */
	PT_EMU_PEER = 1,	/* outbound: the replayer listens as the recorded peer and answers */
	PT_EMU_CLIENT = 2,	/* inbound: the replayer connects as the recorded client and plays it */
};

/* One process (tree) the replay starts. */
struct pt_launch {
	__u32 proc;		/* the recorded process it re-runs, PT_PTX_NONE: the recorded command */
	char **argv;		/* NULL-terminated; the strings belong to the recording or the options */
	bool argv_borrowed;	/* argv is the options' own vector (not freed) */
	char **envp;		/* NULL: the replayer's own environment */
	const char *cwd;	/* NULL: the current directory */
	bool has_status;	/* the recording knows how it ended */
	__s32 rec_status;	/* ... its wait status */
	__u64 rec_start;	/* recorded start (ns since the origin) */
	__u64 rec_end;		/* recorded end, PT_PTX_OPEN if not known */
	char label[256];	/* for messages: "curl", "process 0.1 (python3)", "host h1 (python3)" */
	bool started;		/* spawned (or given up) */
	pid_t pid;		/* 0 when not running */
	int pidfd;
	bool exited;
	int status;		/* wait status once exited */
	bool stop_sent;		/* the recorded stop signal was delivered */
};

/* What is re-run (launches, selected processes) and how each connection is emulated. */
struct pt_replay_plan {
	struct pt_launch *launch;
	unsigned nlaunch;
	bool *sel;		/* per recorded process: re-run (it or an ancestor is launched) */
	__u8 *emu;		/* per recorded connection: enum pt_emu */
};

/* The state of one replay, shared by the connection threads (counters under lock). */
struct pt_replay {
	const struct pt_replay_opts *o;
	const struct pt_replay_plan *plan;
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* broadcast: a connection finished, or the launches ended */
	struct pt_replay_result *res;
	volatile int stop;		/* set when connections must end now */
	bool ended;			/* every launched process has exited (under lock) */
	__u64 t0;			/* CLOCK_MONOTONIC ns when the launches started */
	__u64 origin_ts;		/* the recorded time that t0 stands for */
	bool *conn_played;		/* per recorded connection: its script has been played (under lock) */
	__u64 grace_ns;			/* o->grace_s, its default applied */
};

/* One replayed connection, served (outbound) or played (inbound) from recorded connection conn. */
struct pt_rconn {
	struct pt_replay *rp;
	int fd;				/* -1 until connected (inbound) and after the thread closed it;
				 * set, closed and read by other threads only under rp->lock (end_conns
				 * must not shut down a number the thread closed and the process reused) */
	__u32 conn;			/* index in o->x->conns */
	unsigned nth;			/* outbound: 1-based order among connections to that peer */
	bool inbound;			/* PT_EMU_CLIENT */
	__u64 accepted_ns;		/* CLOCK_MONOTONIC when it was accepted / connected */
	pthread_t thread;
	bool done;			/* the thread finished (under rp->lock) */
};

/* CLOCK_MONOTONIC in ns. */
__u64 pt_replay_now(void);

/* Thread body (outbound): serve rc (accepted, rc->fd) until the script and the client are done; closes rc->fd. */
void *pt_rconn_serve(void *rc);

/* Thread body (inbound): wait for rc's turn, connect as the recorded client, play it; as pt_rconn_serve. */
void *pt_rconn_play(void *rc);

/* Run rc's script on rc->fd (connected; marks its connection played), drain, close it, mark rc done. */
void pt_rconn_run(struct pt_rconn *rc);

/* *ss (zeroed) and *sl: the AF_INET (4-byte addr) or AF_INET6 socket address of addr:port. */
void pt_replay_sockaddr(__u16 family, const __u8 *addr, __u16 port, struct sockaddr_storage *ss, socklen_t *sl);

/* Report a line (printf-style) to the report stream, under the lock, prefixed "replay: ". */
void pt_replay_say(struct pt_replay *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Add 1 to a counter of rp->res, under the lock. */
void pt_replay_count(struct pt_replay *rp, unsigned *counter);

/*
 * Plan the replay of o: the launches (o->only, o->argv) and the emulation of
 * every connection. 0, or -EINVAL / -ENOMEM (logged: what cannot be re-run
 * and why). pt_replay_plan_free() releases it (also after an error).
 */
int pt_replay_plan(const struct pt_replay_opts *o, struct pt_replay_plan *p);
void pt_replay_plan_free(struct pt_replay_plan *p);

/* UDP: the recorded peers of the re-run processes' datagrams, answered from the recording. */
struct pt_rudp;

/*
 * Plan, bind (in the replay namespace) and start answering. *out NULL when the
 * re-run processes sent no datagram. 0 or -errno (logged).
 */
int pt_rudp_start(struct pt_replay *rp, struct pt_rudp **out);

/* Stop answering, report the recorded datagrams the re-run did not send, free. NULL-safe. */
void pt_rudp_stop(struct pt_rudp *u);

/* The re-run's process tree: each process's position, as the recording numbers them (replay_tree.c). */
struct pt_rtree;

/*
 * Subscribe to the kernel's process events. Must be called in the initial
 * network namespace (the proc connector lives there), as root, in the
 * initial PID namespace. 0 and *out, or -errno with errlen bytes of
 * explanation in err (*out NULL).
 */
int pt_rtree_open(struct pt_rtree **out, char *err, size_t errlen);

/* Process pid (just started by the replay) is at position pos. 0 or -ENOMEM. */
int pt_rtree_root(struct pt_rtree *t, pid_t pid, const char *pos);

/*
 * Apply the queued events (forks of the tree's processes add their children,
 * exits remove them). 0; -ENOBUFS: the kernel dropped events, positions
 * after this are not reliable (the caller stops using t); -errno.
 */
int pt_rtree_drain(struct pt_rtree *t);

/* pid's position ("0.1"), NULL when pid is not of the tree (or too deep). Owned by t until the next drain. */
const char *pt_rtree_pos(const struct pt_rtree *t, pid_t pid);

/* The tree's live processes: how many, the ith one's pid, and its depth (the dots in its
 * position: 0 for a launch; UINT_MAX when its position is unknown, too deep). */
size_t pt_rtree_count(const struct pt_rtree *t);
pid_t pt_rtree_pid(const struct pt_rtree *t, size_t i);
unsigned pt_rtree_depth(const struct pt_rtree *t, size_t i);

/* Unsubscribe and free. NULL-safe. */
void pt_rtree_free(struct pt_rtree *t);

/* A sock_diag socket of the current network namespace, for pt_replay_owner: fd or -errno. */
int pt_replay_diag_open(void);

/*
 * The process of tree t that holds the client end of connection fd (which
 * the replayer accepted): its pid; when several hold it (inherited), the one
 * nearest the root. 0 when none does (it closed it or exited, or is not of
 * the tree), -errno when the lookup failed.
 */
pid_t pt_replay_owner(int diag_fd, int fd, const struct pt_rtree *t);

/*
 * Give the re-run the recording's network namespace names: a private mount
 * namespace whose /run/netns holds each name the recorded processes entered
 * (and each --hosts-from host) as the calling thread's network namespace, and
 * nothing else (replay_netns.c). Call single-threaded (unshare(CLONE_NEWNS)),
 * after entering the replay's network namespace. Says which names it made
 * (a note). *made_dir: /run/netns did not exist and was created (for
 * pt_replay_netns_done). 0 or -errno (logged).
 */
int pt_replay_netns(struct pt_replay *rp, bool *made_dir);

/* At the end of the replay: remove /run/netns when pt_replay_netns made it. */
void pt_replay_netns_done(bool made_dir);

#endif /* PROVTAP_REPLAY_INT_H */
