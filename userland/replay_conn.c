// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay_conn.c — one replayed connection run from its recording: the
 * recorded data calls of the re-run process's end (events) are walked in
 * order; for each send of the process the bytes are read and compared, for
 * each receive the recorded other end's bytes are sent (after the recorded
 * delay with timing original), for an end-of-stream the write side is shut
 * down. The same script serves an outbound connection (the replayer is the
 * peer the process connected to) and plays an inbound one (the replayer is
 * the client the process accepted).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "userland/ptx_esc.h"
#include "userland/ptx_show.h"
#include "userland/replay_int.h"

#define EXCERPT	16

struct script {
	struct pt_rconn *rc;
	const struct pt_ptx_conn *c;
	__u64 out_off;		/* bytes read from the process (its OUT stream) */
	__u64 in_off;		/* bytes sent to it (its IN stream) */
	bool out_diverged;	/* first mismatch reported */
	bool unfaithful;	/* served bytes the recording lacks */
	bool eof;		/* the process closed its side */
	bool stalled;		/* the process took none of what was sent to it for --grace (serve) */
	const char *us;		/* the re-run end: "client" (outbound) or "server" (inbound) */
	const char *them;	/* the emulated end: "peer" or "client" */
	char name[200];
};

void pt_replay_say(struct pt_replay *rp, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&rp->lock);
	fputs("replay: ", rp->o->report);
	va_start(ap, fmt);
	vfprintf(rp->o->report, fmt, ap);
	va_end(ap);
	fputc('\n', rp->o->report);
	fflush(rp->o->report);
	pthread_mutex_unlock(&rp->lock);
}

void pt_replay_count(struct pt_replay *rp, unsigned *counter)
{
	pthread_mutex_lock(&rp->lock);
	(*counter)++;
	pthread_mutex_unlock(&rp->lock);
}

__u64 pt_replay_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ull + (__u64)t.tv_nsec;
}

/* "47 45 54 |GET|" for up to EXCERPT bytes. */
static char *excerpt(const __u8 *p, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	if (n > EXCERPT)
		n = EXCERPT;
	buf[0] = 0;
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%02x", i ? " " : "", p[i]);
	if (o < len)
		o += (size_t)snprintf(buf + o, len - o, " |");
	for (size_t i = 0; i < n && o + 2 < len; i++)
		buf[o++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	if (o + 2 < len) {
		buf[o++] = '|';
		buf[o] = 0;
	}
	if (!n)
		snprintf(buf, len, "(nothing)");
	return buf;
}

/*
 * Wait until the process's end is ready for @events (POLLIN: it sent more;
 * POLLOUT: it takes more): 1 ready, 0 not within @timeout_ms (< 0: no limit),
 * -1 told to stop.
 */
static int wait_ready(struct script *s, short events, long long timeout_ms)
{
	for (long long waited = 0; timeout_ms < 0 || waited < timeout_ms; waited += 100) {
		struct pollfd p = { .fd = s->rc->fd, .events = events };

		if (s->rc->rp->stop)
			return -1;
		if (poll(&p, 1, 100) > 0)
			return 1;
	}
	return 0;
}

/* Compare n bytes the process sent at s->out_off with the recording; report the first mismatch. */
static void compare(struct script *s, const __u8 *got, size_t n)
{
	const struct pt_ptx_stream *exp = &s->c->dir[PT_PTX_D_OUT];
	char e[128], g[128];
	size_t i = 0;

	/* run by run: recorded bytes are compared, bytes in gaps (all those past the stored ones) are not */
	while (i < n && !s->out_diverged) {
		__u64 off = s->out_off + i, end;
		const struct pt_ptx_gaprange *gap;
		const __u8 *want;
		size_t run, k;

		if (off >= exp->len)
			return;
		gap = pt_ptx_stream_gap_at(exp, off, &end);
		if (gap) {
			i += gap->off + gap->len - off < n - i ? (size_t)(gap->off + gap->len - off) : n - i;
			continue;
		}
		run = pt_ptx_stream_bytes(exp, off, end - off < n - i ? (size_t)(end - off) : n - i, &want);
		if (!run)
			return;	/* cannot happen: a recorded byte is a stored one (pt_ptx_stream_check) */
		for (k = 0; k < run && want[k] == got[i + k]; k++)
			;
		i += k;
		if (k == run)
			continue;
		off += k;
		k = pt_ptx_stream_bytes(exp, off, EXCERPT, &want);
		s->out_diverged = true;
		pt_replay_count(s->rc->rp, &s->rc->rp->res->divergences);
		pt_replay_say(s->rc->rp, "DIVERGENCE %s, %s to %s, byte offset %llu: expected %s got %s", s->name,
			      s->us, s->them, (unsigned long long)off, excerpt(want, k, e, sizeof(e)),
			      excerpt(got + i, n - i, g, sizeof(g)));
	}
}

/*
 * Read what the process sends until its stream reaches target, comparing. 1
 * done, 0 the process closed first or went silent (reported), -1 stop/error.
 */
static int expect(struct script *s, __u64 target)
{
	__u8 buf[16384];

	while (s->out_off < target) {
		size_t want = target - s->out_off < sizeof(buf) ? (size_t)(target - s->out_off) : sizeof(buf);
		int r = wait_ready(s, POLLIN, PT_REPLAY_STALL_MS);
		ssize_t n;

		if (r < 0)
			return -1;
		if (r == 0) {
			pt_replay_count(s->rc->rp, &s->rc->rp->res->divergences);
			pt_replay_say(s->rc->rp, "DIVERGENCE %s, %s to %s: the %s sent %llu bytes, the recording "
				      "%llu by this point (silent for %d ms; the %s's bytes are sent anyway)",
				      s->name, s->us, s->them, s->us, (unsigned long long)s->out_off,
				      (unsigned long long)target, PT_REPLAY_STALL_MS, s->them);
			s->out_off = target;
			return 0;
		}
		n = recv(s->rc->fd, buf, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pt_replay_count(s->rc->rp, &s->rc->rp->res->divergences);
			pt_replay_say(s->rc->rp, "DIVERGENCE %s, %s to %s: the %s %s at byte offset %llu, the "
				      "recording has %llu bytes", s->name, s->us, s->them, s->us,
				      n ? "failed" : "closed the connection", (unsigned long long)s->out_off,
				      (unsigned long long)s->c->dir[PT_PTX_D_OUT].len);
			s->eof = true;
			return 0;
		}
		compare(s, buf, (size_t)n);
		s->out_off += (__u64)n;
	}
	return 1;
}

/*
 * Send the recorded other end's bytes up to end. 1 done, 0 the process's end
 * is gone or took nothing for --grace (s->stalled: a re-run that stopped
 * reading must not hold the replay for ever), -1 told to stop.
 */
static int serve(struct script *s, __u64 end)
{
	const struct pt_ptx_stream *in = &s->c->dir[PT_PTX_D_IN];

	while (s->in_off < end) {
		__u64 run_end;
		const struct pt_ptx_gaprange *g = pt_ptx_stream_gap_at(in, s->in_off, &run_end);
		const __u8 *p;
		ssize_t n;
		size_t k;

		if (g) {
			run_end = g->off + g->len;
			if (!s->unfaithful) {
				s->unfaithful = true;
				pt_replay_count(s->rc->rp, &s->rc->rp->res->unfaithful);
				pt_replay_say(s->rc->rp, "%s: the recording lacks %s bytes %llu..%llu (%s): zeros sent "
					      "instead", s->name, s->them, (unsigned long long)g->off,
					      (unsigned long long)(g->off + g->len), pt_ptx_gap_name(g->kind));
			}
		}
		if (run_end > end)
			run_end = end;
		/* gap bytes read as zeros: data holds only the stored ones */
		k = pt_ptx_stream_bytes(in, s->in_off, (size_t)(run_end - s->in_off), &p);
		if (!k)
			return 0;
		n = send(s->rc->fd, p, k, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int w = wait_ready(s, POLLOUT, (long long)(s->rc->rp->grace_ns / 1000000u));

			if (w > 0)
				continue;
			s->stalled = !w;
			return w;
		}
		if (n <= 0)
			return 0;
		s->in_off += (__u64)n;
	}
	return 1;
}

/* Sleep until the monotonic time at (ns), unless told to stop. */
static void sleep_until(struct script *s, __u64 at)
{
	while (!s->rc->rp->stop) {
		__u64 now = pt_replay_now();
		struct timespec t;

		if (now >= at)
			return;
		t.tv_sec = 0;
		t.tv_nsec = (long)(at - now < 100000000ull ? at - now : 100000000ull);
		nanosleep(&t, NULL);
	}
}

/* After the script: read what else the process sends until it closes; more than recorded is reported. */
static void drain(struct script *s)
{
	const struct pt_ptx_stream *exp = &s->c->dir[PT_PTX_D_OUT];
	__u8 buf[16384], first[EXCERPT];
	__u64 extra = 0, at = s->out_off;
	size_t nfirst = 0;
	char g[128];

	while (!s->eof && wait_ready(s, POLLIN, -1) > 0) {
		ssize_t n = recv(s->rc->fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (s->out_off < exp->len) {
			size_t k = (size_t)(exp->len - s->out_off < (__u64)n ? exp->len - s->out_off : (__u64)n);

			compare(s, buf, k);
			s->out_off += k;
			memmove(buf, buf + k, (size_t)n - k);
			n -= (ssize_t)k;
			at = s->out_off;
		}
		if (n > 0 && nfirst < EXCERPT) {
			size_t k = (size_t)n < EXCERPT - nfirst ? (size_t)n : EXCERPT - nfirst;

			memcpy(first + nfirst, buf, k);
			nfirst += k;
		}
		extra += (__u64)n;
	}
	if (extra) {
		pt_replay_count(s->rc->rp, &s->rc->rp->res->divergences);
		pt_replay_say(s->rc->rp, "DIVERGENCE %s, %s to %s, byte offset %llu: %llu bytes more than recorded: %s",
			      s->name, s->us, s->them, (unsigned long long)at, (unsigned long long)extra, excerpt(first, nfirst, g, sizeof(g)));
	}
}

void pt_rconn_run(struct pt_rconn *rc)
{
	struct pt_replay *rp = rc->rp;
	const struct pt_ptx *x = rp->o->x;
	struct script s = { .rc = rc, .c = &x->conns[rc->conn] };
	__u64 prev_ts = s.c->first_ts, prev_wall = rc->accepted_ns;
	char peer[64], local[64], nm[96];
	bool shut = false;

	pt_ptx_fmt_ep(s.c->family, s.c->raddr, s.c->rport, peer, sizeof(peer));
	if (rc->inbound) {
		s.us = "server";
		s.them = "client";
		snprintf(s.name, sizeof(s.name), "connection %u (%s at %s, from %s)", rc->conn,
			 pt_esc_proc_name(nm, sizeof(nm), x, s.c->proc), pt_ptx_fmt_ep(s.c->family, s.c->laddr, s.c->lport, local,
								       sizeof(local)), peer);
	} else {
		s.us = "client";
		s.them = "peer";
		snprintf(s.name, sizeof(s.name), "connection %u (%s to %s, #%u to that peer)", rc->conn,
			 pt_esc_proc_name(nm, sizeof(nm), x, s.c->proc), peer, rc->nth);
	}
	for (__u32 i = 0; i < s.c->nevents && !rp->stop; i++) {
		const struct pt_ptx_event *e = &s.c->events[i];
		int r = 1;

		if (e->dir == PT_PTX_D_OUT) {
			r = expect(&s, e->off + e->len);
		} else {
			if (rp->o->timing == PT_REPLAY_ORIGINAL && e->ts > prev_ts)
				sleep_until(&s, prev_wall + (e->ts - prev_ts));
			if (!e->len) {
				shutdown(rc->fd, SHUT_WR);	/* the recorded other end closed here */
				shut = true;
			} else {
				r = serve(&s, e->off + e->len);
			}
		}
		if (r < 0 || (r == 0 && s.eof))
			break;
		if (r == 0 && e->dir == PT_PTX_D_IN) {
			pt_replay_count(rp, &rp->res->divergences);
			char what[64] = "closed the connection";

			if (s.stalled)
				snprintf(what, sizeof(what), "took nothing more for %llu s (--grace)",
					 (unsigned long long)(rp->grace_ns / 1000000000u));
			pt_replay_say(rp, "DIVERGENCE %s, %s to %s: the %s %s after %llu of the %llu bytes the recorded "
				      "%s sent", s.name, s.them, s.us, s.us, what, (unsigned long long)s.in_off,
				      (unsigned long long)s.c->dir[PT_PTX_D_IN].len, s.them);
			break;
		}
		prev_ts = e->ts;
		prev_wall = pt_replay_now();
	}
	/* a played client is gone after its last recorded call: the server sees it close */
	if (rc->inbound && !shut && !rp->stop) {
		shutdown(rc->fd, SHUT_WR);
		shut = true;
	}
	pthread_mutex_lock(&rp->lock);
	rp->conn_played[rc->conn] = true;
	pthread_cond_broadcast(&rp->changed);
	pthread_mutex_unlock(&rp->lock);
	if (!rp->stop && !s.eof)
		drain(&s);
	if (!shut)
		shutdown(rc->fd, SHUT_RDWR);
	pthread_mutex_lock(&rp->lock);
	close(rc->fd);		/* under the lock: end_conns may be about to shut it down */
	rc->fd = -1;
	rc->done = true;
	pthread_cond_broadcast(&rp->changed);
	pthread_mutex_unlock(&rp->lock);
}

void *pt_rconn_serve(void *arg)
{
	pt_rconn_run(arg);
	return NULL;
}
