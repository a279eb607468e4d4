// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay_in.c — an inbound connection of a re-run server, re-created by
 * playing its recorded client: wait for the connection's turn, connect from
 * the recorded client address to the server once it listens, then run the
 * recorded script (replay_conn.c) on it.
 *
 * Turn: a recorded connection starts once every played connection whose
 * last data call came before it began in the recording has been played (its
 * script is over: the server need not have closed it; servers often close a
 * connection only when they take the next), so a server sees its clients in
 * the recorded order where the recording shows an order, and concurrently
 * where they overlapped; with
 * timing original also not before its recorded start (relative to the
 * launch). Connecting retries every PT_REPLAY_RETRY_MS while the server is
 * not listening yet (ECONNREFUSED), until the re-run processes have all
 * ended or the grace (pt_replay_opts.grace_s) has passed since the later of
 * its turn and its recorded start: then the connection is reported missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "userland/ptx_esc.h"
#include "userland/ptx_show.h"
#include "userland/replay_int.h"

/* May rc start now? (under the lock) */
static bool its_turn(const struct pt_rconn *rc)
{
	const struct pt_replay *rp = rc->rp;
	const struct pt_ptx *x = rp->o->x;
	const struct pt_ptx_conn *c = &x->conns[rc->conn];

	if (rp->o->timing == PT_REPLAY_ORIGINAL && c->first_ts > rp->origin_ts &&
	    pt_replay_now() < rp->t0 + (c->first_ts - rp->origin_ts))
		return false;
	for (__u32 j = 0; j < x->nconns; j++) {
		const struct pt_ptx_conn *o = &x->conns[j];
		__u64 last = o->nevents ? o->events[o->nevents - 1].ts : o->first_ts;

		if (j != rc->conn && rp->plan->emu[j] == PT_EMU_CLIENT && last < c->first_ts && !rp->conn_played[j])
			return false;
	}
	return true;
}

/* Wait for rc's turn: true, or false when the replay stops or the launches ended first. */
static bool wait_turn(struct pt_rconn *rc)
{
	struct pt_replay *rp = rc->rp;
	bool go;

	pthread_mutex_lock(&rp->lock);
	while (!(go = its_turn(rc)) && !rp->stop && !rp->ended) {
		struct timespec t;

		/* woken by a finished connection; the timed wake covers timing original's start times */
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 5 * 1000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&rp->changed, &rp->lock, &t);
	}
	pthread_mutex_unlock(&rp->lock);
	return go && !rp->stop;
}

/*
 * connect() that gives up when told to stop: non-blocking, polled in 100 ms
 * steps (a full listen queue retries the SYN for minutes). 0, or -1 with errno
 * (EINTR when told to stop). The socket is blocking again after.
 */
static int connect_or_stop(struct pt_replay *rp, int fd, const struct sockaddr *to, socklen_t tl)
{
	int fl = fcntl(fd, F_GETFL), err = 0;
	socklen_t el = sizeof(err);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -1;
	if (connect(fd, to, tl)) {
		if (errno != EINPROGRESS)
			return -1;
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			if (rp->stop) {
				errno = EINTR;
				return -1;
			}
			if (poll(&p, 1, 100) > 0)
				break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el))
			return -1;
		if (err) {
			errno = err;
			return -1;
		}
	}
	return fcntl(fd, F_SETFL, fl);
}

/* A socket connected from the recorded client address to the server: fd, or -1 with *why set. */
static int connect_as_client(struct pt_rconn *rc, int *why)
{
	struct pt_replay *rp = rc->rp;
	const struct pt_ptx_conn *c = &rp->o->x->conns[rc->conn];
	struct sockaddr_storage to, from;
	socklen_t tl, fl;

	__u64 rec = c->first_ts > rp->origin_ts ? rp->t0 + (c->first_ts - rp->origin_ts) : rp->t0;
	__u64 deadline = (pt_replay_now() > rec ? pt_replay_now() : rec) + rp->grace_ns;

	pt_replay_sockaddr(c->family, c->laddr, c->lport, &to, &tl);
	for (;;) {
		int fd = socket(c->family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
		bool ended;

		if (fd < 0) {
			*why = errno;
			return -1;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* the recorded client address and port when free, else the address alone */
		pt_replay_sockaddr(c->family, c->raddr, c->rport, &from, &fl);
		if (bind(fd, (struct sockaddr *)&from, fl)) {
			pt_replay_sockaddr(c->family, c->raddr, 0, &from, &fl);
			(void)!bind(fd, (struct sockaddr *)&from, fl);
		}
		/* published while it connects (end_conns shuts it down); the connect itself gives up on stop */
		pthread_mutex_lock(&rp->lock);
		if (rp->stop) {		/* end_conns has been here (stop is set before it locks) */
			close(fd);
			pthread_mutex_unlock(&rp->lock);
			return -1;
		}
		rc->fd = fd;
		pthread_mutex_unlock(&rp->lock);
		if (!connect_or_stop(rp, fd, (struct sockaddr *)&to, tl))
			return fd;
		*why = errno;
		pthread_mutex_lock(&rp->lock);
		rc->fd = -1;
		close(fd);
		pthread_mutex_unlock(&rp->lock);
		if (*why != ECONNREFUSED && *why != EINTR)
			return -1;
		pthread_mutex_lock(&rp->lock);
		ended = rp->ended;
		pthread_mutex_unlock(&rp->lock);
		if (ended || rp->stop)
			return -1;
		if (pt_replay_now() >= deadline) {
			*why = ETIME;	/* our own give-up (connect does not return ETIME) */
			return -1;
		}
		nanosleep(&(struct timespec){ .tv_nsec = PT_REPLAY_RETRY_MS * 1000000L }, NULL);
	}
}

void *pt_rconn_play(void *arg)
{
	struct pt_rconn *rc = arg;
	struct pt_replay *rp = rc->rp;
	const struct pt_ptx *x = rp->o->x;
	const struct pt_ptx_conn *c = &x->conns[rc->conn];
	char l[64], r[64], nm[96], grace[96];
	int why = 0, fd = -1;

	snprintf(grace, sizeof(grace), "nothing listened there within %llu s (--grace) of its turn",
		 (unsigned long long)(rp->grace_ns / 1000000000u));
	if (wait_turn(rc))
		fd = connect_as_client(rc, &why);	/* sets rc->fd (under the lock) */
	if (fd < 0) {
		if (!rp->stop) {
			pt_replay_count(rp, &rp->res->missing);
			pt_replay_say(rp, "MISSING connection %u (%s at %s, from %s, %llu bytes received, %llu sent in the "
				      "recording): %s", rc->conn, pt_esc_proc_name(nm, sizeof(nm), x, c->proc),
				      pt_ptx_fmt_ep(c->family, c->laddr, c->lport, l, sizeof(l)),
				      pt_ptx_fmt_ep(c->family, c->raddr, c->rport, r, sizeof(r)),
				      (unsigned long long)c->dir[PT_PTX_D_IN].len, (unsigned long long)c->dir[PT_PTX_D_OUT].len,
				      why == ETIME ? grace : why && why != ECONNREFUSED ? strerror(why) :
				      "the re-run never accepted it (nothing listened there before the processes ended)");
		}
		pthread_mutex_lock(&rp->lock);
		rc->done = true;
		rp->conn_played[rc->conn] = true;
		pthread_cond_broadcast(&rp->changed);
		pthread_mutex_unlock(&rp->lock);
		return NULL;
	}
	rc->accepted_ns = pt_replay_now();
	pthread_mutex_lock(&rp->lock);
	rp->res->conns++;
	rp->res->inbound++;
	pthread_mutex_unlock(&rp->lock);
	pt_rconn_run(rc);
	return NULL;
}
