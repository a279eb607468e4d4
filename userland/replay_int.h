/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* replay_int.h — what replay.c and replay_conn.c share. */
#ifndef PROVTAP_REPLAY_INT_H
#define PROVTAP_REPLAY_INT_H

#include <pthread.h>
#include "userland/replay.h"

/* The state of one replay, shared by the connection threads (counters under lock). */
struct pt_replay {
	const struct pt_replay_opts *o;
	pthread_mutex_t lock;
	struct pt_replay_result *res;
	volatile int stop;		/* set when connections must end now */
};

/* One accepted connection served from recorded connection conn. */
struct pt_rconn {
	struct pt_replay *rp;
	int fd;
	__u32 conn;			/* index in o->x->conns */
	unsigned nth;			/* 1-based: its order among connections to that peer */
	__u64 accepted_ns;		/* CLOCK_MONOTONIC */
	pthread_t thread;
	bool done;			/* the thread finished (under rp->lock) */
};

/* Thread body: serve rc until the script and the client are done; closes rc->fd. */
void *pt_rconn_serve(void *rc);

/* Report a line (printf-style) to the report stream, under the lock, prefixed "replay: ". */
void pt_replay_say(struct pt_replay *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* PROVTAP_REPLAY_INT_H */
