// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay.c — a replay's frame (replay.h): the namespace and its addresses,
 * the listeners of the emulated peers, the launches in a cgroup, the loop
 * that accepts connections until the launches end, and what is reported at
 * the end (missing connections, exit statuses).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common/log.h"
#include "userland/cgroup.h"
#include "userland/findexe.h"
#include "userland/ptx_esc.h"
#include "userland/ptx_show.h"
#include "userland/replay_int.h"

extern char **environ;

#define MAX_PEERS	256
#define MAX_ADDRS	1024
#define STOP_GRACE_MS	100	/* timing fast: after its last played client, a server stopped by a signal gets it */

void pt_replay_sockaddr(__u16 family, const __u8 *addr, __u16 port, struct sockaddr_storage *ss, socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr, 4);
		*sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr, 16);
		*sl = sizeof(*s6);
	}
}

/* A recorded destination, listened on in the replay namespace. */
struct peer {
	__u16 family, port;
	__u8 addr[16];
	int fd;
	unsigned accepted;
	__u32 first;		/* the first recorded connection to it */
	bool by_pos;		/* recorded processes at several tree positions connected to it */
	__u32 *conns;		/* the emulated recorded connections to it, in recorded order */
	unsigned n, cap;
	unsigned next;		/* conns[0..next) are served */
};

/* Set by SIGTERM / SIGHUP during the replay: end the launches now and clean up. */
static volatile sig_atomic_t terminated;

static void on_term(int sig)
{
	terminated = sig;
}

struct replay_run {
	struct pt_replay rp;
	struct pt_replay_plan plan;
	struct peer peers[MAX_PEERS];
	unsigned npeers;
	struct pt_rconn **conns;	/* served and played connections */
	unsigned nconns, cap;
	bool *served;			/* per recorded connection */
	struct pt_cgroup cg;
	struct pt_rudp *udp;
	char (*exe)[PATH_MAX];		/* per launch */
	char (*proc_pos)[PT_REPLAY_POS_LEN];	/* per recorded process: its tree position ("" not needed) */
	struct pt_rtree *tree;		/* the re-run's positions; NULL when not needed or not known */
	int diag_fd;			/* sock_diag in the replay namespace (with tree) */
	bool made_netns_dir;		/* pt_replay_netns created /run/netns */
	int launch_err;			/* a launch after the first failed (-errno, logged): replay fails */
};

static bool is_loopback(__u16 family, const __u8 *a)
{
	static const __u8 v6lo[16] = { [15] = 1 };

	return family == AF_INET ? a[0] == 127 : !memcmp(a, v6lo, 16);
}

static bool is_any(__u16 family, const __u8 *a)
{
	static const __u8 zero[16];

	return !memcmp(a, zero, family == AF_INET ? 4 : 16);
}

/* Run `ip ARGS...` (in our namespace); 0 or -1 (logged with the command). */
static int run_ip(char *const *args)
{
	static const char *const paths[] = { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" };
	const char *ip = NULL;
	pid_t pid;
	int st = 0;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && !ip; i++)
		if (!access(paths[i], X_OK))
			ip = paths[i];
	if (!ip) {
		pt_err("replay: the ip command (iproute2) is needed to set up the replay namespace");
		return -1;
	}
	if (posix_spawn(&pid, ip, NULL, NULL, args, environ) || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st)) {
		pt_err("replay: `ip %s %s %s %s ...` failed (status %d)", args[1], args[2], args[3] ? args[3] : "",
		       args[3] && args[4] ? args[4] : "", st);
		return -1;
	}
	return 0;
}

/* The addresses the re-run processes and their emulated ends use, once each. */
struct addrs {
	struct { __u16 family; __u8 a[16]; } v[MAX_ADDRS];
	unsigned n;
};

static int add_addr(struct addrs *s, __u16 family, const __u8 *a)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	__u8 v4[16] = {};

	if (family == AF_INET6 && !memcmp(a, mapped, 12)) {	/* ::ffff:a.b.c.d is the v4 address */
		memcpy(v4, a + 12, 4);
		family = AF_INET;
		a = v4;
	}
	if ((family != AF_INET && family != AF_INET6) || is_loopback(family, a) || is_any(family, a))
		return 0;
	for (unsigned i = 0; i < s->n; i++)
		if (s->v[i].family == family && !memcmp(s->v[i].a, a, 16))
			return 0;
	if (s->n == MAX_ADDRS) {
		pt_err("replay: more than %d distinct addresses; not supported", MAX_ADDRS);
		return -E2BIG;
	}
	s->v[s->n].family = family;
	memcpy(s->v[s->n].a, a, 16);
	s->n++;
	return 0;
}

/* Every address of a re-run process's connection or datagram, both ends, on lo. */
static int setup_addrs(struct replay_run *r)
{
	const struct pt_ptx *x = r->rp.o->x;
	struct addrs *s = calloc(1, sizeof(*s));
	int err = 0;

	if (!s)
		return -ENOMEM;
	for (__u32 i = 0; i < x->nconns && !err; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];

		if (c->proc < x->nprocs && r->plan.sel[c->proc]) {
			err = add_addr(s, c->family, c->laddr);
			if (!err)
				err = add_addr(s, c->family, c->raddr);
		}
	}
	for (__u32 i = 0; i < x->ndgrams && !err; i++) {
		const struct pt_ptx_dgram *g = &x->dgrams[i];

		if (g->proc < x->nprocs && r->plan.sel[g->proc]) {
			err = add_addr(s, g->family, g->laddr);
			if (!err)
				err = add_addr(s, g->family, g->raddr);
		}
	}
	for (unsigned i = 0; i < s->n && !err; i++) {
		char a[INET6_ADDRSTRLEN + 8];

		inet_ntop(s->v[i].family, s->v[i].a, a, INET6_ADDRSTRLEN);
		strcat(a, s->v[i].family == AF_INET ? "/32" : "/128");
		char *v4[] = { "ip", "addr", "add", a, "dev", "lo", NULL };
		char *v6[] = { "ip", "-6", "addr", "add", a, "dev", "lo", "nodad", NULL };

		if (run_ip(s->v[i].family == AF_INET ? v4 : v6))
			err = -EIO;
	}
	free(s);
	return err;
}

/*
 * A fresh network namespace for this process with the addresses on lo, the
 * recording's namespace names leading into it, and the peers' listeners.
 */
static int setup_net(struct replay_run *r)
{
	char *up[] = { "ip", "link", "set", "lo", "up", NULL };
	int err;

	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		pt_err("replay: cannot create a network namespace: %s", strerror(-err));
		return err;
	}
	if (run_ip(up))
		return -EIO;
	err = pt_replay_netns(&r->rp, &r->made_netns_dir);
	if (err)
		return err;
	err = setup_addrs(r);
	if (err)
		return err;
	for (unsigned i = 0; i < r->npeers; i++) {
		struct peer *p = &r->peers[i];
		struct sockaddr_storage ss;
		socklen_t sl;
		char ep[64];

		pt_replay_sockaddr(p->family, p->addr, p->port, &ss, &sl);
		p->fd = socket(p->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (p->fd < 0 || bind(p->fd, (void *)&ss, sl) || listen(p->fd, 128)) {
			err = -errno;
			pt_err("replay: cannot listen on %s for the recorded peer: %s",
			       pt_ptx_fmt_ep(p->family, p->addr, p->port, ep, sizeof(ep)), strerror(-err));
			return err;
		}
	}
	return 0;
}

static bool to_peer(const struct pt_ptx_conn *c, const struct peer *p)
{
	return c->family == p->family && c->rport == p->port && !memcmp(c->raddr, p->addr, 16);
}

/* The recorded tree position of connection c's process ("?" when it has none). */
static const char *conn_pos(const struct replay_run *r, const struct pt_ptx_conn *c)
{
	return c->proc < r->rp.o->x->nprocs ? r->proc_pos[c->proc] : "?";
}

/*
 * The recorded peers of the emulated outbound connections, in order of first
 * connection, each marked by_pos when processes at several positions
 * connected to it. 0, -E2BIG (logged) or -ENOMEM.
 */
static int plan_peers(struct replay_run *r)
{
	const struct pt_ptx *x = r->rp.o->x;

	r->proc_pos = calloc(x->nprocs + 1, sizeof(*r->proc_pos));
	if (!r->proc_pos)
		return -ENOMEM;
	for (__u32 i = 0; i < x->nconns; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];
		struct peer *p = NULL;

		if (r->plan.emu[i] != PT_EMU_PEER)
			continue;
		if (c->proc < x->nprocs && !r->proc_pos[c->proc][0])
			pt_ptx_tree_pos(x, c->proc, r->proc_pos[c->proc], sizeof(r->proc_pos[c->proc]));
		for (unsigned k = 0; k < r->npeers && !p; k++)
			if (to_peer(c, &r->peers[k]))
				p = &r->peers[k];
		if (p) {
			p->by_pos = p->by_pos || strcmp(conn_pos(r, &x->conns[p->first]), conn_pos(r, c));
		} else {
			if (r->npeers == MAX_PEERS) {
				pt_err("replay: more than %d distinct peers; not supported", MAX_PEERS);
				return -E2BIG;
			}
			p = &r->peers[r->npeers++];
			*p = (struct peer){ .family = c->family, .port = c->rport, .fd = -1, .first = i };
			memcpy(p->addr, c->raddr, 16);
		}
		if (p->n == p->cap) {
			unsigned nc = p->cap ? p->cap * 2 : 8;
			__u32 *v = realloc(p->conns, nc * sizeof(*v));

			if (!v)
				return -ENOMEM;
			p->conns = v;
			p->cap = nc;
		}
		p->conns[p->n++] = i;
	}
	return 0;
}

/*
 * The first emulated connection to p not served yet, by recorded order, from
 * the process at position pos (NULL: any); PT_PTX_NONE if none. *had (may be
 * NULL): the recording has a connection from pos to p, served or not.
 */
static __u32 first_unused(const struct replay_run *r, const struct peer *p, const char *pos, bool *had)
{
	const struct pt_ptx *x = r->rp.o->x;

	for (unsigned k = p->next; k < p->n; k++) {
		__u32 i = p->conns[k];

		if (r->served[i] || (pos && strcmp(conn_pos(r, &x->conns[i]), pos)))
			continue;
		if (had)
			*had = true;
		return i;
	}
	for (unsigned k = 0; had && pos && k < p->n && !*had; k++)
		*had = !strcmp(conn_pos(r, &x->conns[p->conns[k]]), pos);
	return PT_PTX_NONE;
}

/* Do the connections to p not served yet come from processes at several positions? */
static bool unused_from_several(const struct replay_run *r, const struct peer *p)
{
	const struct pt_ptx *x = r->rp.o->x;
	const char *pos = NULL;

	for (unsigned k = p->next; k < p->n; k++) {
		const struct pt_ptx_conn *c = &x->conns[p->conns[k]];

		if (r->served[p->conns[k]])
			continue;
		if (pos && strcmp(pos, conn_pos(r, c)))
			return true;
		pos = conn_pos(r, c);
	}
	return false;
}

/* Apply the re-run's process events; lost ones end position matching (said once). */
static void follow_tree(struct replay_run *r)
{
	int err;

	if (!r->tree)
		return;
	err = pt_rtree_drain(r->tree);
	if (!err)
		return;
	pt_replay_say(&r->rp, "note: %s: from now on connections are matched by destination and order only",
		      err == -ENOBUFS ? "the kernel dropped process events (the system forked and exited faster than "
					"replay read them)"
				      : strerror(-err));
	pt_rtree_free(r->tree);
	r->tree = NULL;
}

/*
 * The recorded connection that accepted connection fd (the p->accepted'th to
 * p) is served as, PT_PTX_NONE if the recording has no more to p. Where
 * processes at several positions connected to p, the re-run process that
 * made it is looked up and its position decides: its first connection to p
 * not served yet; when it has none, or is not found, the first to p not
 * served yet (order alone). Said when that is not what order alone gives,
 * and when the process is not found and order alone has a choice.
 */
static __u32 match_conn(struct replay_run *r, struct peer *p, int fd)
{
	__u32 first = first_unused(r, p, NULL, NULL), c;
	const char *pos = NULL;
	bool had = false;
	char ep[64];
	pid_t owner;

	if (first == PT_PTX_NONE || !p->by_pos)
		return first;
	follow_tree(r);	/* the forks that made the process that connected are queued by now */
	if (!r->tree)
		return first;
	pt_ptx_fmt_ep(p->family, p->addr, p->port, ep, sizeof(ep));
	owner = pt_replay_owner(r->diag_fd, fd, r->tree);
	if (owner > 0)
		pos = pt_rtree_pos(r->tree, owner);
	if (!pos) {
		if (unused_from_several(r, p))
			pt_replay_say(&r->rp, "note: connection #%u to %s: %s%s; served by order as recorded connection "
				      "%u (process %s)", p->accepted, ep, owner < 0 ? "finding its process failed: " :
				      "no re-run process holds its client end (closed, or its process exited, before replay "
				      "looked)", owner < 0 ? strerror(-owner) : "", first,
				      conn_pos(r, &r->rp.o->x->conns[first]));
		return first;
	}
	c = first_unused(r, p, pos, &had);
	if (c == first)
		return c;
	if (c != PT_PTX_NONE) {
		pt_replay_say(&r->rp, "note: connection #%u to %s is process %s's: served as its recorded connection %u, "
			      "not %u (process %s) as order alone would", p->accepted, ep, pos, c, first,
			      conn_pos(r, &r->rp.o->x->conns[first]));
		return c;
	}
	pt_replay_say(&r->rp, "note: position mismatch: connection #%u to %s is process %s's, and the recording has %s "
		      "from that position to it; served by order as recorded connection %u (process %s)", p->accepted, ep,
		      pos, had ? "no more connections" : "no connection", first, conn_pos(r, &r->rp.o->x->conns[first]));
	return first;
}

/*
 * Where processes at several positions connected to one destination, follow
 * the re-run's process tree (before leaving the initial network namespace,
 * where the proc connector is). Not possible here (no proc connector, not
 * the initial PID namespace): said, and order alone decides. 0 or -ENOMEM.
 */
static int follow_positions(struct replay_run *r)
{
	char msg[256];
	bool needed = false;
	int err;

	for (unsigned i = 0; i < r->npeers && !needed; i++)
		needed = r->peers[i].by_pos;
	if (!needed)
		return 0;
	err = pt_rtree_open(&r->tree, msg, sizeof(msg));
	if (err == -ENOMEM) {
		pt_err("replay: %s", msg);
		return err;
	}
	if (err)
		pt_replay_say(&r->rp, "note: cannot follow the re-run's processes (%s): connections are matched by "
			      "destination and order only", msg);
	return 0;
}

/*
 * Room in the list for one more connection, made before its thread starts (a
 * started thread that could not be kept would have to be joined at once, and
 * a serve thread ends only when its client closes). false on ENOMEM.
 */
static bool room(struct replay_run *r)
{
	if (r->nconns == r->cap) {
		unsigned nc = r->cap ? r->cap * 2 : 16;
		struct pt_rconn **n = realloc(r->conns, nc * sizeof(*n));

		if (!n)
			return false;
		r->conns = n;
		r->cap = nc;
	}
	return true;
}

/* Keep rc (its thread started) in the list, which room() made space in. */
static void keep(struct replay_run *r, struct pt_rconn *rc)
{
	r->conns[r->nconns++] = rc;
}

static void on_accept(struct replay_run *r, struct peer *p)
{
	struct pt_rconn *rc;
	char ep[64], from[64] = "?";
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd;

	while ((fd = accept4(p->fd, (void *)&ss, &sl, SOCK_CLOEXEC)) >= 0) {
		__u32 conn;

		p->accepted++;
		conn = match_conn(r, p, fd);
		pt_ptx_fmt_ep(p->family, p->addr, p->port, ep, sizeof(ep));
		sl = sizeof(ss);
		if (conn == PT_PTX_NONE) {
			inet_ntop(ss.ss_family, ss.ss_family == AF_INET ? (void *)&((struct sockaddr_in *)&ss)->sin_addr
									: (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr,
				  from, sizeof(from));
			pt_replay_count(&r->rp, &r->rp.res->unexpected);
			pt_replay_say(&r->rp, "UNEXPECTED connection #%u to %s (from %s): the recording has %u; closed",
				      p->accepted, ep, from, p->n);
			close(fd);
			continue;
		}
		rc = room(r) ? calloc(1, sizeof(*rc)) : NULL;
		if (!rc) {
			pt_err("replay: out of memory; connection to %s closed", ep);
			close(fd);
			continue;
		}
		*rc = (struct pt_rconn){ .rp = &r->rp, .fd = fd, .conn = conn, .nth = p->accepted,
					 .accepted_ns = pt_replay_now() };
		if (pthread_create(&rc->thread, NULL, pt_rconn_serve, rc)) {
			pt_err("replay: cannot start a thread for connection %u", conn);
			close(fd);
			free(rc);
			continue;
		}
		keep(r, rc);
		r->served[conn] = true;
		while (p->next < p->n && r->served[p->conns[p->next]])
			p->next++;
		pt_replay_count(&r->rp, &r->rp.res->conns);
	}
}

/* Start a player for every emulated inbound connection. 0 or -errno (logged). */
static int start_players(struct replay_run *r)
{
	const struct pt_ptx *x = r->rp.o->x;

	for (__u32 i = 0; i < x->nconns; i++) {
		struct pt_rconn *rc;

		if (r->plan.emu[i] != PT_EMU_CLIENT)
			continue;
		rc = room(r) ? calloc(1, sizeof(*rc)) : NULL;
		if (!rc)
			return -ENOMEM;
		*rc = (struct pt_rconn){ .rp = &r->rp, .fd = -1, .conn = i, .inbound = true };
		if (pthread_create(&rc->thread, NULL, pt_rconn_play, rc)) {
			pt_err("replay: cannot start a thread for connection %u", i);
			free(rc);
			return -EAGAIN;
		}
		keep(r, rc);
		r->served[i] = true;
	}
	return 0;
}

/*
 * When the re-run's launches stop, as the recording says they did. First the
 * clients played to them (if any) run to their end, at *all_done_ns.
 *  - A launch that ended by itself in the recording and still runs twice its
 *    recorded delay plus the grace after that is killed (a server whose
 *    clients never reached it waits for them forever; a client of a re-run
 *    server that diverged waits for an answer). With no played clients the
 *    delay counts from the replay's start.
 *  - A launch recorded until a signal stopped it (a server someone killed)
 *    gets that signal once the played clients are done, every other launch
 *    has started and those that ended by themselves have ended: after the
 *    recorded delay from the last of those with timing original,
 *    STOP_GRACE_MS with fast. (In a merged replay its clients may be re-run
 *    launches, not played ones; alone, it is stopped as recorded.)
 */
static void stop_as_recorded(struct replay_run *r, __u64 *all_done_ns, __u64 *quiet_ns)
{
	const struct pt_ptx *x = r->rp.o->x;
	__u64 last = r->rp.origin_ts, quiet_last, now, wait_ns, rec_delay;
	bool any = false, open = false, running = false;

	pthread_mutex_lock(&r->rp.lock);
	for (unsigned i = 0; i < r->nconns; i++) {
		if (!r->conns[i]->inbound)
			continue;
		any = true;
		open = open || !r->rp.conn_played[r->conns[i]->conn];
		if (x->conns[r->conns[i]->conn].last_ts > last)
			last = x->conns[r->conns[i]->conn].last_ts;
	}
	pthread_mutex_unlock(&r->rp.lock);
	if (open)
		return;
	now = pt_replay_now();
	if (!*all_done_ns)
		*all_done_ns = now;
	quiet_last = last;
	for (unsigned k = 0; k < r->plan.nlaunch; k++) {
		struct pt_launch *l = &r->plan.launch[k];

		if (!l->started) {
			running = true;		/* its turn is still to come */
			continue;
		}
		/* the recorded ends of those that ended by themselves (running or not): a
		 * signalled launch gets its signal the recorded delay after the last of them */
		if (l->has_status && !WIFSIGNALED(l->rec_status) && l->rec_end != PT_PTX_OPEN &&
		    l->rec_end > quiet_last)
			quiet_last = l->rec_end;
		if (l->exited || l->pid <= 0 || !l->has_status || WIFSIGNALED(l->rec_status))
			continue;
		running = true;
		if (l->stop_sent || (!any && l->rec_end == PT_PTX_OPEN))
			continue;	/* killed, not reaped yet; or no recorded end to measure from */
		/* it ended by itself in the recording: give up on it only when far past that */
		rec_delay = l->rec_end != PT_PTX_OPEN && l->rec_end > last ? l->rec_end - last : 0;
		wait_ns = 2 * rec_delay + r->rp.grace_ns;
		if (now < *all_done_ns + wait_ns)
			continue;
		pt_replay_say(&r->rp, "%s still ran %.1f s after %s (it ended %.1f s after it in the recording; "
			      "--grace %llu s): killed", l->label, wait_ns / 1e9,
			      any ? "its last played client had ended" : "the replay started", rec_delay / 1e9,
			      (unsigned long long)(r->rp.grace_ns / 1000000000u));
		kill(l->pid, SIGKILL);
		l->stop_sent = true;
	}
	if (running)
		return;
	if (!*quiet_ns)
		*quiet_ns = now;
	for (unsigned k = 0; k < r->plan.nlaunch; k++) {
		struct pt_launch *l = &r->plan.launch[k];

		if (l->exited || l->pid <= 0 || l->stop_sent || !l->has_status || !WIFSIGNALED(l->rec_status))
			continue;
		rec_delay = l->rec_end != PT_PTX_OPEN && l->rec_end > quiet_last ? l->rec_end - quiet_last : 0;
		wait_ns = r->rp.o->timing == PT_REPLAY_ORIGINAL ? rec_delay : STOP_GRACE_MS * 1000000ull;
		if (now < *quiet_ns + wait_ns)
			continue;
		pt_replay_say(&r->rp, "note: %s was stopped by signal %d in the recording%s; sent now", l->label,
			      WTERMSIG(l->rec_status), any ? ", after its clients" : "");
		kill(l->pid, WTERMSIG(l->rec_status));
		l->stop_sent = true;
	}
}

/*
 * Start the launches that are due: each at its recorded start relative to
 * the earliest (hosts of a merged recording started at different times: a
 * client host must not start before its server host listens). 0 or -errno
 * (logged).
 */
static int launch_due(struct replay_run *r)
{
	char msg[512];

	for (unsigned k = 0; k < r->plan.nlaunch; k++) {
		struct pt_launch *l = &r->plan.launch[k];
		int pid, xerr;

		if (l->started || pt_replay_now() < r->rp.t0 + (l->rec_start - r->rp.origin_ts))
			continue;
		l->started = true;
		pid = pt_cgroup_spawn(&r->cg, r->exe[k], l->argv, l->envp ? l->envp : environ, l->cwd, &xerr, msg,
				      sizeof(msg));
		if (pid < 0) {
			pt_err("replay: %s", msg);
			if (xerr && !r->rp.res->exe_err)
				r->rp.res->exe_err = -ENOEXEC;
			/* it ended there, as a shell says of a command it cannot run (reap waits for no pid) */
			l->exited = true;
			l->status = W_EXITCODE(xerr ? 126 : 125, 0);
			return pid;
		}
		l->pid = pid;
		/* it stands for the recorded process it re-runs: its position is that one's */
		if (r->tree && l->proc < r->rp.o->x->nprocs) {
			char pos[PT_REPLAY_POS_LEN];

			/* an unknown position ("?") is "" to the tree: not one to match by */
			pt_ptx_tree_pos(r->rp.o->x, l->proc, pos, sizeof(pos));
			if (pt_rtree_root(r->tree, pid, strcmp(pos, "?") ? pos : "")) {
				pt_err("replay: out of memory");
				return -ENOMEM;
			}
		}
		r->rp.res->started = true;
		r->rp.res->launches++;
		l->pidfd = (int)syscall(SYS_pidfd_open, l->pid, 0);
		if (l->pidfd < 0) {
			int err = -errno;

			pt_err("replay: pidfd_open: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Collect the launches that ended; true when all have. */
static bool reap(struct replay_run *r)
{
	bool all = true;

	for (unsigned k = 0; k < r->plan.nlaunch; k++) {
		struct pt_launch *l = &r->plan.launch[k];

		if (!l->exited && l->pid > 0 && waitpid(l->pid, &l->status, WNOHANG) == l->pid) {
			l->exited = true;
			l->pid = 0;
		}
		if (!l->started && (terminated || r->launch_err)) {	/* never to be started */
			l->exited = l->started = true;
			l->status = terminated ? terminated : SIGKILL;
		}
		all = all && l->exited;
	}
	return all;
}

/* Accept and serve until the launches end; then let connections finish (bounded). */
static void serve_until_exit(struct replay_run *r)
{
	struct pollfd pf[MAX_PEERS + 64];
	bool exited = false;
	__u64 linger_end = 0, players_done = 0, quiet = 0;

	for (;;) {
		unsigned n = 0, open = 0;

		for (unsigned i = 0; i < r->npeers; i++)
			pf[n++] = (struct pollfd){ .fd = r->peers[i].fd, .events = POLLIN };
		for (unsigned k = 0; !exited && k < r->plan.nlaunch && n < sizeof(pf) / sizeof(pf[0]); k++)
			if (r->plan.launch[k].pid > 0)
				pf[n++] = (struct pollfd){ .fd = r->plan.launch[k].pidfd, .events = POLLIN };
		if (poll(pf, n, 20) > 0) {
			for (unsigned i = 0; i < r->npeers; i++)
				if (pf[i].revents & POLLIN)
					on_accept(r, &r->peers[i]);
		}
		follow_tree(r);	/* the system's events queue up too: keep the socket drained */
		if (!exited && !terminated && !r->launch_err)
			r->launch_err = launch_due(r);	/* a later launch failed: end the others */
		if (!exited && (terminated || r->launch_err) && pt_cgroup_nprocs(&r->cg) > 0) {
			if (terminated)
				pt_replay_say(&r->rp, "terminated by signal %d: the re-run processes are killed",
					      (int)terminated);
			else
				pt_replay_say(&r->rp, "a launch failed: the re-run processes are killed");
			pt_cgroup_kill(&r->cg, 5000);
		}
		if (!exited) {
			stop_as_recorded(r, &players_done, &quiet);
			if (reap(r)) {
				exited = true;
				r->rp.res->duration_ns = pt_replay_now() - r->rp.t0;
				pthread_mutex_lock(&r->rp.lock);
				r->rp.ended = true;
				pthread_cond_broadcast(&r->rp.changed);
				pthread_mutex_unlock(&r->rp.lock);
				/* what the command left running goes, as in record */
				if (pt_cgroup_nprocs(&r->cg) > 0) {
					pt_replay_say(&r->rp, "processes of the command still ran after it exited; killed");
					pt_cgroup_kill(&r->cg, 5000);
				}
				linger_end = pt_replay_now() + PT_REPLAY_LINGER_MS * 1000000ull;
			}
		}
		if (!exited)
			continue;
		pthread_mutex_lock(&r->rp.lock);
		for (unsigned i = 0; i < r->nconns; i++)
			open += !r->conns[i]->done;
		pthread_mutex_unlock(&r->rp.lock);
		if (!open || pt_replay_now() >= linger_end)
			break;
	}
}

/* Stop every connection thread (cut those still open) and join them. */
static void end_conns(struct replay_run *r)
{
	r->rp.stop = 1;
	pthread_mutex_lock(&r->rp.lock);
	pthread_cond_broadcast(&r->rp.changed);
	pthread_mutex_unlock(&r->rp.lock);
	for (unsigned i = 0; i < r->nconns; i++) {
		pthread_mutex_lock(&r->rp.lock);
		bool done = r->conns[i]->done;

		/* under the lock: the thread closes its FD under it too */
		if (!done && r->conns[i]->fd >= 0)
			shutdown(r->conns[i]->fd, SHUT_RDWR);
		pthread_mutex_unlock(&r->rp.lock);
		if (!done)
			r->rp.res->unfinished++;
		pthread_join(r->conns[i]->thread, NULL);
		free(r->conns[i]);
	}
	r->nconns = 0;
	if (r->rp.res->unfinished)
		pt_replay_say(&r->rp, "%u connection(s) were still open %d s after the command ended; cut",
			      r->rp.res->unfinished, PT_REPLAY_LINGER_MS / 1000);
}

static void report_missing(struct replay_run *r)
{
	const struct pt_ptx *x = r->rp.o->x;
	char ep[64];

	for (__u32 i = 0; i < x->nconns; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];
		char nm[96];

		if (r->plan.emu[i] != PT_EMU_PEER || r->served[i])
			continue;
		r->rp.res->missing++;
		pt_replay_say(&r->rp, "MISSING connection %u (%s to %s, %llu bytes sent, %llu received in the recording): "
			      "not made by the re-run", i, pt_esc_proc_name(nm, sizeof(nm), x, c->proc),
			      pt_ptx_fmt_ep(c->family, c->raddr, c->rport, ep, sizeof(ep)),
			      (unsigned long long)c->dir[PT_PTX_D_OUT].len, (unsigned long long)c->dir[PT_PTX_D_IN].len);
	}
}

/* Exit statuses against the recorded ones, one line per launch that differs. */
static void report_status(struct replay_run *r)
{
	struct pt_replay_result *res = r->rp.res;

	for (unsigned k = 0; k < r->plan.nlaunch; k++) {
		const struct pt_launch *l = &r->plan.launch[k];

		if (k == 0)
			res->status = l->status;
		if (!l->has_status || l->status == l->rec_status)
			continue;
		res->status_diverged++;
		pt_replay_say(&r->rp, "DIVERGENCE exit status of %s: %s %d, recorded %s %d", l->label,
			      WIFSIGNALED(l->status) ? "signal" : "exit",
			      WIFSIGNALED(l->status) ? WTERMSIG(l->status) : WEXITSTATUS(l->status),
			      WIFSIGNALED(l->rec_status) ? "signal" : "exit",
			      WIFSIGNALED(l->rec_status) ? WTERMSIG(l->rec_status) : WEXITSTATUS(l->rec_status));
	}
}

/* What the recording has that this replay does not emulate: said once each. */
static void report_limits(struct replay_run *r)
{
	const struct pt_ptx *x = r->rp.o->x;
	unsigned unknown = 0, joined = 0;

	for (__u32 i = 0; i < x->nconns; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];

		if (c->proc >= x->nprocs || !r->plan.sel[c->proc])
			continue;
		unknown += c->role == PT_PTX_R_UNKNOWN;
		joined += r->rp.o->only && c->twin == PT_PTX_NONE && c->flags & PT_PTX_C_INTERNAL;
	}
	if (unknown)
		pt_replay_say(&r->rp, "note: %u connection(s) of the re-run processes have no known role (neither "
			      "connected nor accepted while recorded): not replayed", unknown);
	if (joined)
		pt_replay_say(&r->rp, "note: %u connection(s) were recorded with both ends as one (an older recording): "
			      "their other end is not emulated", joined);
	if (x->flags & PT_PTX_F_LOST)
		pt_replay_say(&r->rp, "warning: the recording is incomplete (records were lost while it was made): the re-run may "
			      "diverge where the recording lacks data");
}

int pt_replay(const struct pt_replay_opts *o, struct pt_replay_result *res)
{
	const struct pt_ptx *x = o->x;
	struct replay_run *r;
	/* a SIGTERM/SIGHUP is ours from the moment there is a cgroup to clean up: kill the re-run, clean up */
	struct sigaction term = { .sa_handler = on_term }, ot, oh, dfl = { .sa_handler = SIG_DFL }, oc;
	bool term_set = false;
	char name[64], msg[512];
	int err = 0, e;

	memset(res, 0, sizeof(*res));
	if (geteuid() != 0) {
		pt_err("replay: needs root (a network namespace, a cgroup)");
		return -EPERM;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	/* the re-run's exit statuses are waited for: an inherited SIGCHLD ignore would reap them unseen */
	sigaction(SIGCHLD, &dfl, &oc);
	r->rp.o = o;
	r->rp.res = res;
	r->rp.plan = &r->plan;
	r->rp.grace_ns = (__u64)(o->grace_s ? o->grace_s : PT_REPLAY_GRACE_S) * 1000000000ull;
	r->cg.fd = -1;
	r->diag_fd = -1;
	pthread_mutex_init(&r->rp.lock, NULL);
	pthread_cond_init(&r->rp.changed, NULL);
	r->served = calloc(x->nconns + 1, sizeof(*r->served));
	r->rp.conn_played = calloc(x->nconns + 1, sizeof(*r->rp.conn_played));
	err = r->served && r->rp.conn_played ? pt_replay_plan(o, &r->plan) : -ENOMEM;
	if (err) {
		if (err == -ENOMEM)
			pt_err("replay: out of memory");
		goto cleanup;
	}
	r->exe = calloc(r->plan.nlaunch, sizeof(*r->exe));
	if (!r->exe) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (unsigned k = 0; k < r->plan.nlaunch; k++) {
		const char *a0 = r->plan.launch[k].argv[0];
		char w[256];

		err = pt_find_exe(a0, r->exe[k], sizeof(r->exe[k]));
		if (err) {
			res->exe_err = err;
			pt_err("replay: %s: %s", pt_esc_word(w, sizeof(w), a0, strlen(a0)),
			       err == -ENOENT ? "command not found" : strerror(-err));
			goto cleanup;
		}
	}
	err = plan_peers(r);
	if (!err)
		err = follow_positions(r);
	if (!err)
		err = setup_net(r);
	if (!err && r->tree) {
		/* in the replay's namespace (setup_net): the re-run's sockets are there */
		r->diag_fd = pt_replay_diag_open();
		if (r->diag_fd < 0) {
			/* as when the processes cannot be followed (follow_positions) */
			pt_replay_say(&r->rp, "note: cannot find which process holds a connection (sock_diag: %s): "
				      "connections are matched by destination and order only", strerror(-r->diag_fd));
			pt_rtree_free(r->tree);
			r->tree = NULL;
		}
	}
	if (err)
		goto cleanup;
	report_limits(r);
	snprintf(name, sizeof(name), "provtap-replay-%d", (int)getpid());
	err = pt_cgroup_create(name, &r->cg, msg, sizeof(msg));
	if (err) {
		pt_err("replay: %s", msg);
		goto cleanup;
	}
	terminated = 0;
	sigemptyset(&term.sa_mask);
	sigaction(SIGTERM, &term, &ot);
	sigaction(SIGHUP, &term, &oh);
	term_set = true;
	err = pt_rudp_start(&r->rp, &r->udp);
	if (err)
		goto cleanup;
	r->rp.origin_ts = PT_PTX_OPEN;
	for (unsigned k = 0; k < r->plan.nlaunch; k++)
		if (r->plan.launch[k].rec_start < r->rp.origin_ts)
			r->rp.origin_ts = r->plan.launch[k].rec_start;
	r->rp.t0 = pt_replay_now();
	err = launch_due(r);
	if (!err)
		err = start_players(r);
	if (err)
		goto cleanup;
	{
		/* ^C is the command's (it ends, then so do we) */
		struct sigaction ign = { .sa_handler = SIG_IGN }, oi, oq;

		sigaction(SIGINT, &ign, &oi);
		sigaction(SIGQUIT, &ign, &oq);
		serve_until_exit(r);
		sigaction(SIGINT, &oi, NULL);
		sigaction(SIGQUIT, &oq, NULL);
	}
	res->terminated = terminated;
	end_conns(r);
	pt_rudp_stop(r->udp);
	r->udp = NULL;
	report_missing(r);
	report_status(r);
	err = terminated ? 0 : r->launch_err;	/* stopped: that is what replay says, not a launch's failure */
cleanup:
	for (unsigned k = 0; k < r->plan.nlaunch; k++) {
		struct pt_launch *l = &r->plan.launch[k];

		if (l->pid > 0) {
			kill(l->pid, SIGKILL);
			waitpid(l->pid, NULL, 0);
		}
		if (l->pidfd >= 0)
			close(l->pidfd);
	}
	if (r->nconns)
		end_conns(r);	/* after a failure: players started before it */
	pt_rudp_stop(r->udp);
	if (r->cg.path[0] && pt_cgroup_nprocs(&r->cg) > 0)
		pt_cgroup_kill(&r->cg, 5000);
	e = pt_cgroup_remove(&r->cg);
	if (e)
		pt_warn("replay: cannot remove cgroup %s: %s", r->cg.path, strerror(-e));
	if (term_set) {
		sigaction(SIGTERM, &ot, NULL);
		sigaction(SIGHUP, &oh, NULL);
	}
	pt_replay_netns_done(r->made_netns_dir);
	for (unsigned i = 0; i < r->npeers; i++)
		if (r->peers[i].fd >= 0)
			close(r->peers[i].fd);
	pt_rtree_free(r->tree);
	if (r->diag_fd >= 0)
		close(r->diag_fd);
	pthread_cond_destroy(&r->rp.changed);
	pthread_mutex_destroy(&r->rp.lock);
	pt_replay_plan_free(&r->plan);
	free(r->proc_pos);
	for (unsigned k = 0; k < r->npeers; k++)
		free(r->peers[k].conns);
	free(r->exe);
	free(r->conns);
	free(r->served);
	free(r->rp.conn_played);
	free(r);
	sigaction(SIGCHLD, &oc, NULL);
	return err;
}
