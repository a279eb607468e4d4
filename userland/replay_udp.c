// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay_udp.c — the UDP peers of the re-run processes, answered from the
 * recording (DNS included).
 *
 * A flow is the datagrams one recorded socket exchanged with one peer
 * address, in time order. A flow whose first datagram the process sent (a
 * request) is emulated: a socket bound at the peer's address receives the
 * re-run's datagrams. Generic UDP: a new source is given the next flow to
 * that peer not yet taken (by first datagram), each datagram it sends is
 * compared with the flow's next recorded one, and the replies recorded after
 * it (up to the flow's next request) are sent back, after their recorded
 * delays with timing original. DNS (peer port 53): queries carry a random
 * transaction id and resolvers send several at once, so a query is matched
 * by its bytes after the id to a recorded query not answered yet, and the
 * recorded response with that query's id is sent with the new id; a query
 * the recording does not have is reported and refused (RCODE 5), so the
 * resolver does not wait for its timeout.
 *
 * Not emulated: flows the process began by receiving (it was the server),
 * and peers that are themselves re-run (a selected process's socket had
 * that address). One thread serves all peers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common/log.h"
#include "userland/ptx_esc.h"
#include "userland/ptx_show.h"
#include "userland/replay_int.h"

#define UDP_MAX		65536
#define DNS_PORT	53
#define DNS_HDR		12

struct uep {
	__u16 family, port;
	__u8 addr[16];
	int fd;
};

struct uflow {
	__u64 sock;			/* the recorded socket */
	unsigned ep;			/* index in eps */
	__u32 *dg;			/* its datagrams (indices in x->dgrams), by time */
	unsigned n, cap;
	unsigned pos;			/* generic: the next datagram to play */
	bool taken;			/* generic: a source was given this flow */
	struct sockaddr_storage src;
	socklen_t srclen;
	bool diverged;			/* first divergence reported */
};

struct pt_rudp {
	struct pt_replay *rp;
	struct uep *eps;
	unsigned neps;
	struct uflow *flows;
	unsigned nflows;
	bool *used;			/* per recorded datagram: received (request) or sent (reply) */
	pthread_t thread;
	bool running;
};

static const struct pt_ptx *X(const struct pt_rudp *u)
{
	return u->rp->o->x;
}

static bool is_dns(const struct uep *e)
{
	return e->port == DNS_PORT;
}

static int cmp_ts(const void *a, const void *b, void *arg)
{
	const struct pt_ptx *x = arg;
	__u64 ta = x->dgrams[*(const __u32 *)a].ts, tb = x->dgrams[*(const __u32 *)b].ts;

	return ta < tb ? -1 : ta > tb;
}

/* Is (family, addr, port) the local address of a re-run process's socket? Then it is not emulated. */
static bool rerun_addr(const struct pt_rudp *u, __u16 family, const __u8 *addr, __u16 port)
{
	const struct pt_ptx *x = X(u);

	for (__u32 i = 0; i < x->ndgrams; i++) {
		const struct pt_ptx_dgram *g = &x->dgrams[i];

		if (g->proc < x->nprocs && u->rp->plan->sel[g->proc] && g->family == family && g->lport == port &&
		    !memcmp(g->laddr, addr, 16))
			return true;
	}
	return false;
}

/* A received datagram whose source the probes did not see (recv on an unconnected socket). */
static bool no_source(const struct pt_ptx_dgram *g)
{
	static const __u8 zero[16];

	return g->dir == PT_PTX_D_IN && !g->rport && !memcmp(g->raddr, zero, 16);
}

/* Append datagram i to flow f (its list grows by doubling: memory is the
 * datagrams', not flows x datagrams). 0 or -ENOMEM. */
static int flow_push(struct uflow *f, __u32 i)
{
	if (f->n == f->cap) {
		unsigned nc = f->cap ? f->cap * 2 : 8;
		__u32 *n = realloc(f->dg, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		f->dg = n;
		f->cap = nc;
	}
	f->dg[f->n++] = i;
	return 0;
}

/* Datagram i into the flow (its socket, peer endpoint e). 0 or -ENOMEM. */
static int flow_add(struct pt_rudp *u, __u32 i, unsigned e)
{
	const struct pt_ptx *x = X(u);
	struct uflow *f = NULL;

	for (unsigned k = 0; k < u->nflows && !f; k++)
		if (u->flows[k].sock == x->dgrams[i].sock && u->flows[k].ep == e)
			f = &u->flows[k];
	if (!f) {
		f = &u->flows[u->nflows++];
		f->sock = x->dgrams[i].sock;
		f->ep = e;
	}
	return flow_push(f, i);
}

/*
 * Flows of the re-run processes, their peers. A datagram received without a
 * known source goes to the flow its socket last sent to before it (the reply
 * to that request). 0 or -ENOMEM.
 */
static int plan(struct pt_rudp *u, unsigned *server_flows)
{
	const struct pt_ptx *x = X(u);
	int err;

	u->flows = calloc(x->ndgrams + 1, sizeof(*u->flows));
	u->eps = calloc(x->ndgrams + 1, sizeof(*u->eps));
	u->used = calloc(x->ndgrams + 1, sizeof(*u->used));
	if (!u->flows || !u->eps || !u->used)
		return -ENOMEM;
	for (__u32 i = 0; i < x->ndgrams; i++) {
		const struct pt_ptx_dgram *g = &x->dgrams[i];
		unsigned e;

		if (g->proc >= x->nprocs || !u->rp->plan->sel[g->proc] || no_source(g) ||
		    (g->family != AF_INET && g->family != AF_INET6))
			continue;
		for (e = 0; e < u->neps; e++)
			if (u->eps[e].family == g->family && u->eps[e].port == g->rport && !memcmp(u->eps[e].addr, g->raddr, 16))
				break;
		if (e == u->neps) {
			u->eps[e] = (struct uep){ .family = g->family, .port = g->rport, .fd = -1 };
			memcpy(u->eps[e].addr, g->raddr, 16);
			u->neps++;
		}
		err = flow_add(u, i, e);
		if (err)
			return err;
	}
	for (__u32 i = 0; i < x->ndgrams; i++) {
		const struct pt_ptx_dgram *g = &x->dgrams[i];
		unsigned best = ~0u;
		__u64 best_ts = 0;

		if (g->proc >= x->nprocs || !u->rp->plan->sel[g->proc] || !no_source(g))
			continue;
		for (unsigned k = 0; k < u->nflows; k++)
			for (unsigned d = 0; d < u->flows[k].n; d++) {
				const struct pt_ptx_dgram *o = &x->dgrams[u->flows[k].dg[d]];

				if (u->flows[k].sock == g->sock && o->dir == PT_PTX_D_OUT && o->ts <= g->ts &&
				    (best == ~0u || o->ts >= best_ts)) {
					best = k;
					best_ts = o->ts;
				}
			}
		if (best == ~0u)
			continue;	/* received before anything was sent: served, not emulated */
		err = flow_push(&u->flows[best], i);
		if (err)
			return err;
	}
	for (unsigned k = 0; k < u->nflows; k++) {
		struct uflow *f = &u->flows[k];
		const struct uep *e = &u->eps[f->ep];

		qsort_r(f->dg, f->n, sizeof(*f->dg), cmp_ts, (void *)x);
		if (x->dgrams[f->dg[0]].dir != PT_PTX_D_OUT || rerun_addr(u, e->family, e->addr, e->port)) {
			*server_flows += x->dgrams[f->dg[0]].dir != PT_PTX_D_OUT;
			f->n = 0;	/* not emulated */
		}
	}
	/* flows by first datagram, so that generic sources take them in the recorded order */
	for (unsigned a = 1; a < u->nflows; a++)
		for (unsigned b = a; b > 0 && u->flows[b].n && (!u->flows[b - 1].n ||
			     x->dgrams[u->flows[b].dg[0]].ts < x->dgrams[u->flows[b - 1].dg[0]].ts); b--) {
			struct uflow t = u->flows[b];

			u->flows[b] = u->flows[b - 1];
			u->flows[b - 1] = t;
		}
	return 0;
}

/* Bind a socket at every peer some emulated flow sends to. 0 or -errno (logged). */
static int bind_peers(struct pt_rudp *u)
{
	for (unsigned e = 0; e < u->neps; e++) {
		struct uep *p = &u->eps[e];
		struct sockaddr_storage ss;
		socklen_t sl;
		bool needed = false;
		char ep[64];

		for (unsigned k = 0; k < u->nflows && !needed; k++)
			needed = u->flows[k].ep == e && u->flows[k].n;
		if (!needed)
			continue;
		pt_replay_sockaddr(p->family, p->addr, p->port, &ss, &sl);
		p->fd = socket(p->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (p->fd < 0 || bind(p->fd, (void *)&ss, sl)) {
			int err = -errno;

			pt_err("replay: cannot bind %s (UDP) for the recorded peer: %s",
			       pt_ptx_fmt_ep(p->family, p->addr, p->port, ep, sizeof(ep)), strerror(-err));
			return err;
		}
	}
	return 0;
}

/* "proc to 10.0.0.2:53" of datagram i */
static char *dname(const struct pt_rudp *u, __u32 i, char *buf, size_t len)
{
	const struct pt_ptx_dgram *g = &X(u)->dgrams[i];
	char ep[64], nm[96];

	static const __u8 none[16];

	pt_esc_proc_name(nm, sizeof(nm), X(u), g->proc);
	if (!g->rport && !memcmp(g->raddr, none, 16))
		snprintf(ep, sizeof(ep), "an unknown peer");	/* recv() on an unconnected socket names none */
	else
		pt_ptx_fmt_ep(g->family, g->raddr, g->rport, ep, sizeof(ep));
	if (g->dir == PT_PTX_D_OUT)
		snprintf(buf, len, "datagram %u (%.52s to %.52s)", i, nm, ep);
	else
		snprintf(buf, len, "datagram %u (%.52s to %.52s)", i, ep, nm);
	return buf;
}

static void hexs(const __u8 *p, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && i < 16 && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%02x", i ? " " : "", p[i]);
	if (!n)
		snprintf(buf, len, "(nothing)");
}

/* Send recorded datagram i to src (zeros where the recording lacks bytes; new DNS id when id). */
static void send_reply(struct pt_rudp *u, int fd, __u32 i, const struct sockaddr_storage *src, socklen_t sl,
		       const __u8 *id)
{
	const struct pt_ptx_dgram *g = &X(u)->dgrams[i];
	__u8 *buf = calloc(1, g->size ? g->size : 1);
	char nm[128];

	if (!buf)
		return;
	memcpy(buf, g->data, g->captured);
	if (id && g->size >= 2)
		memcpy(buf, id, 2);
	if (g->captured < g->size) {
		pt_replay_count(u->rp, &u->rp->res->unfaithful);
		pt_replay_say(u->rp, "%s: the recording lacks %llu of its %llu bytes: zeros sent instead",
			      dname(u, i, nm, sizeof(nm)), (unsigned long long)(g->size - g->captured),
			      (unsigned long long)g->size);
	}
	if (sendto(fd, buf, g->size, 0, (const struct sockaddr *)src, sl) >= 0)
		pt_replay_count(u->rp, &u->rp->res->datagrams);
	u->used[i] = true;
	free(buf);
}

/* Sleep until at (monotonic ns) unless the replay stops. */
static void sleep_until(const struct pt_rudp *u, __u64 at)
{
	while (!u->rp->stop) {
		__u64 now = pt_replay_now();

		if (now >= at)
			return;
		nanosleep(&(struct timespec){ .tv_nsec = (long)(at - now < 100000000ull ? at - now : 100000000ull) }, NULL);
	}
}

/* The question name of a DNS message ("example.com"), for messages. */
static void dns_qname(const __u8 *p, size_t n, char *buf, size_t len)
{
	size_t at = DNS_HDR, o = 0;

	buf[0] = 0;
	while (at < n && p[at] && p[at] < 64 && o + 1 < len) {
		size_t l = p[at++];

		for (size_t k = 0; k < l && at < n && o + 2 < len; k++, at++)
			buf[o++] = p[at] >= 0x21 && p[at] < 0x7f ? (char)p[at] : '?';
		buf[o++] = '.';
	}
	if (o)
		o--;
	buf[o] = 0;
	if (!o)
		snprintf(buf, len, "(root)");
}

static void on_dns(struct pt_rudp *u, unsigned e, const __u8 *got, size_t n, const struct sockaddr_storage *src,
		   socklen_t sl)
{
	const struct pt_ptx *x = X(u);
	__u32 q = PT_PTX_NONE, resp = PT_PTX_NONE;
	struct uflow *f = NULL;
	char name[256], ep[64];

	for (unsigned k = 0; k < u->nflows && q == PT_PTX_NONE; k++) {
		if (u->flows[k].ep != e)
			continue;
		for (unsigned i = 0; i < u->flows[k].n && q == PT_PTX_NONE; i++) {
			const struct pt_ptx_dgram *g = &x->dgrams[u->flows[k].dg[i]];

			if (g->dir == PT_PTX_D_OUT && !u->used[u->flows[k].dg[i]] && g->size == n &&
			    g->captured == n && !memcmp(g->data + 2, got + 2, n - 2)) {
				q = u->flows[k].dg[i];
				f = &u->flows[k];
			}
		}
	}
	dns_qname(got, n, name, sizeof(name));
	pt_ptx_fmt_ep(u->eps[e].family, u->eps[e].addr, u->eps[e].port, ep, sizeof(ep));
	if (q == PT_PTX_NONE) {
		__u8 refused[512];
		size_t qlen = n < sizeof(refused) ? n : sizeof(refused);

		pt_replay_count(u->rp, &u->rp->res->unexpected);
		pt_replay_say(u->rp, "UNEXPECTED DNS query to %s for %s (%zu bytes): the recording has no such query "
			      "left to answer; refused", ep, name, n);
		/* the query back as a response: QR set, RCODE 5 (refused) */
		memcpy(refused, got, qlen);
		refused[2] |= 0x80;
		refused[3] = (refused[3] & 0xf0) | 5;
		sendto(u->eps[e].fd, refused, qlen, 0, (const struct sockaddr *)src, sl);
		return;
	}
	u->used[q] = true;
	for (unsigned i = 0; i < f->n && resp == PT_PTX_NONE; i++) {
		const struct pt_ptx_dgram *g = &x->dgrams[f->dg[i]];

		if (g->dir == PT_PTX_D_IN && !u->used[f->dg[i]] && g->ts >= x->dgrams[q].ts && g->captured >= 2 &&
		    !memcmp(g->data, x->dgrams[q].data, 2))
			resp = f->dg[i];
	}
	if (resp == PT_PTX_NONE) {
		pt_replay_say(u->rp, "note: DNS query to %s for %s had no answer in the recording; none sent", ep, name);
		return;
	}
	if (u->rp->o->timing == PT_REPLAY_ORIGINAL)
		sleep_until(u, pt_replay_now() + (x->dgrams[resp].ts - x->dgrams[q].ts));
	send_reply(u, u->eps[e].fd, resp, src, sl, got);
}

static void on_generic(struct pt_rudp *u, unsigned e, const __u8 *got, size_t n,
		       const struct sockaddr_storage *src, socklen_t sl)
{
	const struct pt_ptx *x = X(u);
	struct uflow *f = NULL;
	char ep[64], nm[128], a[64], b[64];

	for (unsigned k = 0; k < u->nflows && !f; k++)
		if (u->flows[k].ep == e && u->flows[k].n && u->flows[k].taken && u->flows[k].srclen == sl &&
		    !memcmp(&u->flows[k].src, src, sl))
			f = &u->flows[k];
	for (unsigned k = 0; k < u->nflows && !f; k++)
		if (u->flows[k].ep == e && u->flows[k].n && !u->flows[k].taken) {
			f = &u->flows[k];
			f->taken = true;
			memcpy(&f->src, src, sl);
			f->srclen = sl;
		}
	pt_ptx_fmt_ep(u->eps[e].family, u->eps[e].addr, u->eps[e].port, ep, sizeof(ep));
	while (f && f->pos < f->n && x->dgrams[f->dg[f->pos]].dir != PT_PTX_D_OUT)
		f->pos++;
	if (!f || f->pos >= f->n) {
		hexs(got, n, a, sizeof(a));
		pt_replay_count(u->rp, &u->rp->res->unexpected);
		pt_replay_say(u->rp, "UNEXPECTED datagram to %s (%zu bytes: %s): the recording has no more from this "
			      "source", ep, n, a);
		return;
	}
	__u32 i = f->dg[f->pos++];
	const struct pt_ptx_dgram *g = &x->dgrams[i];
	__u64 prev = g->ts;

	u->used[i] = true;
	for (size_t k = 0; k < n || k < g->captured; k++) {
		if (k < n && k < g->captured && got[k] == g->data[k])
			continue;
		if (k >= g->captured && k < g->size)
			continue;	/* the recording lacks these bytes: nothing to compare */
		if (k >= n && k >= g->size)
			break;
		hexs(g->data + (k < g->captured ? k : g->captured), k < g->captured ? g->captured - k : 0, a, sizeof(a));
		hexs(got + (k < n ? k : n), k < n ? n - k : 0, b, sizeof(b));
		pt_replay_count(u->rp, &u->rp->res->divergences);
		pt_replay_say(u->rp, "DIVERGENCE %s, client to peer, byte offset %zu: expected %s got %s (%zu bytes sent, "
			      "%llu recorded)", dname(u, i, nm, sizeof(nm)), k, a, b, n, (unsigned long long)g->size);
		break;
	}
	/* the replies the peer sent before the flow's next request */
	while (f->pos < f->n && x->dgrams[f->dg[f->pos]].dir == PT_PTX_D_IN && !u->rp->stop) {
		__u32 r = f->dg[f->pos++];

		if (u->rp->o->timing == PT_REPLAY_ORIGINAL)
			sleep_until(u, pt_replay_now() + (x->dgrams[r].ts - prev));
		prev = x->dgrams[r].ts;
		send_reply(u, u->eps[e].fd, r, src, sl, NULL);
	}
}

static void *serve(void *arg)
{
	struct pt_rudp *u = arg;
	struct pollfd *pf = calloc(u->neps, sizeof(*pf));
	__u8 *buf = malloc(UDP_MAX);

	if (!pf || !buf) {
		pt_err("replay: out of memory: datagrams are not answered");
		free(pf);
		free(buf);
		return NULL;
	}
	while (!u->rp->stop) {
		for (unsigned e = 0; e < u->neps; e++)
			pf[e] = (struct pollfd){ .fd = u->eps[e].fd, .events = POLLIN };
		if (poll(pf, u->neps, 50) <= 0)
			continue;
		for (unsigned e = 0; e < u->neps; e++) {
			struct sockaddr_storage src;
			socklen_t sl = sizeof(src);
			ssize_t n;

			if (!(pf[e].revents & POLLIN))
				continue;
			n = recvfrom(u->eps[e].fd, buf, UDP_MAX, 0, (struct sockaddr *)&src, &sl);
			if (n < 0)
				continue;
			if (is_dns(&u->eps[e]) && n >= DNS_HDR)
				on_dns(u, e, buf, (size_t)n, &src, sl);
			else
				on_generic(u, e, buf, (size_t)n, &src, sl);
		}
	}
	free(pf);
	free(buf);
	return NULL;
}

int pt_rudp_start(struct pt_replay *rp, struct pt_rudp **out)
{
	struct pt_rudp *u = calloc(1, sizeof(*u));
	unsigned server_flows = 0, emulated = 0;
	int err;

	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->rp = rp;
	err = plan(u, &server_flows);
	if (err) {
		pt_err("replay: out of memory");
		goto fail;
	}
	for (unsigned k = 0; k < u->nflows; k++)
		emulated += u->flows[k].n > 0;
	if (server_flows)
		pt_replay_say(rp, "note: %u UDP flow(s) began with a datagram the re-run process received (it served "
			      "them): not replayed", server_flows);
	if (!emulated) {
		pt_rudp_stop(u);
		return 0;
	}
	err = bind_peers(u);
	if (err)
		goto fail;
	for (unsigned e = 0; e < u->neps; e++)
		if (u->eps[e].fd < 0) {	/* not needed: drop it from the poll set */
			u->eps[e] = u->eps[u->neps - 1];
			for (unsigned k = 0; k < u->nflows; k++)
				if (u->flows[k].ep == u->neps - 1)
					u->flows[k].ep = e;
			u->neps--;
			e--;
		}
	if (pthread_create(&u->thread, NULL, serve, u)) {
		err = -EAGAIN;
		pt_err("replay: cannot start the UDP thread");
		goto fail;
	}
	u->running = true;
	*out = u;
	return 0;
fail:
	pt_rudp_stop(u);
	return err;
}

void pt_rudp_stop(struct pt_rudp *u)
{
	const struct pt_ptx *x;

	if (!u)
		return;
	x = X(u);
	if (u->running) {
		u->rp->stop = 1;
		pthread_join(u->thread, NULL);
		/* requests the re-run did not send, per flow */
		for (unsigned k = 0; k < u->nflows; k++) {
			const struct uflow *f = &u->flows[k];
			unsigned miss = 0;
			__u32 first = PT_PTX_NONE;

			for (unsigned i = 0; i < f->n; i++)
				if (x->dgrams[f->dg[i]].dir == PT_PTX_D_OUT && !u->used[f->dg[i]]) {
					miss++;
					if (first == PT_PTX_NONE)
						first = f->dg[i];
				}
			if (!miss)
				continue;
			char nm[128];

			u->rp->res->missing += miss;
			pt_replay_say(u->rp, "MISSING %u datagram(s) of the re-run process's flow to its peer, from %s on: "
				      "not sent by the re-run", miss, dname(u, first, nm, sizeof(nm)));
		}
	}
	for (unsigned e = 0; u->eps && e < u->neps; e++)
		if (u->eps[e].fd >= 0)
			close(u->eps[e].fd);
	for (unsigned k = 0; u->flows && k < u->nflows; k++)
		free(u->flows[k].dg);
	free(u->flows);
	free(u->eps);
	free(u->used);
	free(u);
}
