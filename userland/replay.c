// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
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
#include "userland/ptx_show.h"
#include "userland/replay_int.h"

extern char **environ;

#define MAX_PEERS	256

/* A recorded destination, listened on in the replay namespace. */
struct peer {
	__u16 family, port;
	__u8 addr[16];
	int fd;
	unsigned accepted;
};

struct replay_run {
	struct pt_replay rp;
	struct peer peers[MAX_PEERS];
	unsigned npeers;
	struct pt_rconn **conns;	/* served connections */
	unsigned nconns, cap;
	bool *served;			/* per recorded connection */
	struct pt_cgroup cg;
	pid_t child;
	int pidfd;
	char **argv, **envp;
};

static __u64 mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ull + (__u64)t.tv_nsec;
}

/* NUL-separated strings into a NULL-terminated vector pointing into them; NULL on ENOMEM. */
static char **vec(const char *p, __u32 count, __u32 len)
{
	char **v = calloc(count + 1, sizeof(*v));
	__u32 n = 0;

	for (__u32 at = 0; v && at < len && n < count; at += (__u32)strlen(p + at) + 1)
		v[n++] = (char *)p + at;
	return v;
}

static bool outbound(const struct pt_ptx_conn *c)
{
	return c->role == PT_PTX_R_CONNECT && !(c->flags & PT_PTX_C_INTERNAL) &&
	       (c->family == AF_INET || c->family == AF_INET6);
}

static bool is_loopback(__u16 family, const __u8 *a)
{
	static const __u8 v6lo[16] = { [15] = 1 };

	return family == AF_INET ? a[0] == 127 : !memcmp(a, v6lo, 16);
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

/* A fresh network namespace for this process with the peers' addresses on lo, and listeners. */
static int setup_net(struct replay_run *r)
{
	char *up[] = { "ip", "link", "set", "lo", "up", NULL };

	if (unshare(CLONE_NEWNET)) {
		int err = -errno;

		pt_err("replay: cannot create a network namespace: %s", strerror(-err));
		return err;
	}
	if (run_ip(up))
		return -EIO;
	for (unsigned i = 0; i < r->npeers; i++) {
		struct peer *p = &r->peers[i];
		char a[INET6_ADDRSTRLEN + 8];
		bool seen = false;

		for (unsigned k = 0; k < i && !seen; k++)
			seen = r->peers[k].family == p->family && !memcmp(r->peers[k].addr, p->addr, 16);
		if (!seen && !is_loopback(p->family, p->addr)) {
			inet_ntop(p->family, p->addr, a, INET6_ADDRSTRLEN);
			strcat(a, p->family == AF_INET ? "/32" : "/128");
			char *v4[] = { "ip", "addr", "add", a, "dev", "lo", NULL };
			char *v6[] = { "ip", "-6", "addr", "add", a, "dev", "lo", "nodad", NULL };

			if (run_ip(p->family == AF_INET ? v4 : v6))
				return -EIO;
		}
	}
	for (unsigned i = 0; i < r->npeers; i++) {
		struct peer *p = &r->peers[i];
		struct sockaddr_storage ss = {};
		socklen_t sl;
		char ep[64];

		if (p->family == AF_INET) {
			struct sockaddr_in *s4 = (void *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(p->port);
			memcpy(&s4->sin_addr, p->addr, 4);
			sl = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (void *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(p->port);
			memcpy(&s6->sin6_addr, p->addr, 16);
			sl = sizeof(*s6);
		}
		p->fd = socket(p->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (p->fd < 0 || bind(p->fd, (void *)&ss, sl) || listen(p->fd, 128)) {
			int err = -errno;

			pt_err("replay: cannot listen on %s for the recorded peer: %s",
			       pt_ptx_fmt_ep(p->family, p->addr, p->port, ep, sizeof(ep)), strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The recorded peers of outbound connections, in order of first connection. */
static int plan_peers(struct replay_run *r)
{
	const struct pt_ptx *x = r->rp.o->x;

	for (__u32 i = 0; i < x->nconns; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];
		bool seen = false;

		if (!outbound(c))
			continue;
		for (unsigned k = 0; k < r->npeers && !seen; k++)
			seen = r->peers[k].family == c->family && r->peers[k].port == c->rport &&
			       !memcmp(r->peers[k].addr, c->raddr, 16);
		if (seen)
			continue;
		if (r->npeers == MAX_PEERS) {
			pt_err("replay: more than %d distinct peers; not supported", MAX_PEERS);
			return -E2BIG;
		}
		r->peers[r->npeers++] = (struct peer){ .family = c->family, .port = c->rport, .fd = -1 };
		memcpy(r->peers[r->npeers - 1].addr, c->raddr, 16);
	}
	return 0;
}

/* The nth (1-based) recorded outbound connection to peer p, or PT_PTX_NONE. */
static __u32 nth_conn(const struct pt_ptx *x, const struct peer *p, unsigned nth)
{
	for (__u32 i = 0; i < x->nconns; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];

		if (outbound(c) && c->family == p->family && c->rport == p->port && !memcmp(c->raddr, p->addr, 16) &&
		    !--nth)
			return i;
	}
	return PT_PTX_NONE;
}

static void on_accept(struct replay_run *r, struct peer *p)
{
	const struct pt_ptx *x = r->rp.o->x;
	struct pt_rconn *rc;
	char ep[64], from[64] = "?";
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd;

	while ((fd = accept4(p->fd, (void *)&ss, &sl, SOCK_CLOEXEC)) >= 0) {
		__u32 conn;

		p->accepted++;
		conn = nth_conn(x, p, p->accepted);
		pt_ptx_fmt_ep(p->family, p->addr, p->port, ep, sizeof(ep));
		if (conn == PT_PTX_NONE) {
			inet_ntop(ss.ss_family, ss.ss_family == AF_INET ? (void *)&((struct sockaddr_in *)&ss)->sin_addr
									: (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr,
				  from, sizeof(from));
			r->rp.res->unexpected++;
			pt_replay_say(&r->rp, "UNEXPECTED connection #%u to %s (from %s): the recording has %u; closed",
				      p->accepted, ep, from, p->accepted - 1);
			close(fd);
			sl = sizeof(ss);
			continue;
		}
		if (r->nconns == r->cap) {
			unsigned nc = r->cap ? r->cap * 2 : 16;
			struct pt_rconn **n = realloc(r->conns, nc * sizeof(*n));

			if (!n) {
				pt_err("replay: out of memory; connection to %s closed", ep);
				close(fd);
				continue;
			}
			r->conns = n;
			r->cap = nc;
		}
		rc = calloc(1, sizeof(*rc));
		if (!rc) {
			close(fd);
			continue;
		}
		*rc = (struct pt_rconn){ .rp = &r->rp, .fd = fd, .conn = conn, .nth = p->accepted,
					 .accepted_ns = mono_ns() };
		if (pthread_create(&rc->thread, NULL, pt_rconn_serve, rc)) {
			pt_err("replay: cannot start a thread for connection %u", conn);
			close(fd);
			free(rc);
			continue;
		}
		r->conns[r->nconns++] = rc;
		r->served[conn] = true;
		pthread_mutex_lock(&r->rp.lock);
		r->rp.res->conns++;
		pthread_mutex_unlock(&r->rp.lock);
		sl = sizeof(ss);
	}
}

/* Accept and serve until the command ends; then let connections finish (bounded). */
static void serve_until_exit(struct replay_run *r, __u64 t0)
{
	struct pollfd pf[MAX_PEERS + 1];
	bool exited = false;
	__u64 linger_end = 0;

	for (;;) {
		unsigned n = 0, open = 0;

		for (unsigned i = 0; i < r->npeers; i++)
			pf[n++] = (struct pollfd){ .fd = r->peers[i].fd, .events = POLLIN };
		if (!exited)
			pf[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
		if (poll(pf, n, 50) > 0) {
			for (unsigned i = 0; i < r->npeers; i++)
				if (pf[i].revents & POLLIN)
					on_accept(r, &r->peers[i]);
		}
		if (!exited && waitpid(r->child, &r->rp.res->status, WNOHANG) == r->child) {
			exited = true;
			r->rp.res->duration_ns = mono_ns() - t0;
			r->child = 0;
			/* what the command left running goes, as in record */
			if (pt_cgroup_nprocs(&r->cg) > 0) {
				pt_replay_say(&r->rp, "processes of the command still ran after it exited; killed");
				pt_cgroup_kill(&r->cg, 5000);
			}
			linger_end = mono_ns() + PT_REPLAY_LINGER_MS * 1000000ull;
		}
		if (!exited)
			continue;
		pthread_mutex_lock(&r->rp.lock);
		for (unsigned i = 0; i < r->nconns; i++)
			open += !r->conns[i]->done;
		pthread_mutex_unlock(&r->rp.lock);
		if (!open || mono_ns() >= linger_end)
			break;
	}
	r->rp.stop = 1;
	for (unsigned i = 0; i < r->nconns; i++) {
		pthread_mutex_lock(&r->rp.lock);
		bool done = r->conns[i]->done;

		pthread_mutex_unlock(&r->rp.lock);
		if (!done) {
			r->rp.res->unfinished++;
			shutdown(r->conns[i]->fd, SHUT_RDWR);
		}
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

		if (!outbound(c) || r->served[i])
			continue;
		r->rp.res->missing++;
		pt_replay_say(&r->rp, "MISSING connection %u (%s to %s, %llu bytes sent, %llu received in the recording): "
			      "not made by the re-run", i, pt_ptx_proc_name(x, c->proc),
			      pt_ptx_fmt_ep(c->family, c->raddr, c->rport, ep, sizeof(ep)),
			      (unsigned long long)c->dir[PT_PTX_D_OUT].len, (unsigned long long)c->dir[PT_PTX_D_IN].len);
	}
}

/* What the recording has that this replay does not emulate yet: said once each. */
static void report_limits(struct replay_run *r)
{
	const struct pt_ptx *x = r->rp.o->x;
	unsigned inbound = 0;

	for (__u32 i = 0; i < x->nconns; i++)
		inbound += x->conns[i].role == PT_PTX_R_ACCEPT && !(x->conns[i].flags & PT_PTX_C_INTERNAL);
	if (inbound)
		pt_replay_say(&r->rp, "note: %u inbound connection(s) in the recording are not replayed (not yet supported)",
			      inbound);
	if (x->ndgrams)
		pt_replay_say(&r->rp, "note: %u UDP datagram(s) in the recording are not replayed (not yet supported)",
			      x->ndgrams);
	if (x->flags & PT_PTX_F_LOST)
		pt_replay_say(&r->rp, "warning: the recording is incomplete (the kernel dropped records): the re-run may "
			      "diverge where the recording lacks data");
}

int pt_replay(const struct pt_replay_opts *o, struct pt_replay_result *res)
{
	const struct pt_ptx *x = o->x;
	struct replay_run *r;
	struct stat st;
	char exe[PATH_MAX], name[64], msg[512];
	const char *cwd = NULL;
	__u64 t0;
	int err = 0;

	memset(res, 0, sizeof(*res));
	if (geteuid() != 0) {
		pt_err("replay: needs root (a network namespace, a cgroup)");
		return -EPERM;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->rp.o = o;
	r->rp.res = res;
	r->cg.fd = -1;
	r->pidfd = -1;
	pthread_mutex_init(&r->rp.lock, NULL);
	r->served = calloc(x->nconns + 1, sizeof(*r->served));
	r->argv = o->argv ? NULL : vec(x->argv, x->argc, x->argv_len);
	r->envp = x->nenv ? vec(x->env, x->nenv, x->env_len) : NULL;
	if (!r->served || (!o->argv && !r->argv) || (x->nenv && !r->envp)) {
		err = -ENOMEM;
		goto cleanup;
	}
	char *const *argv = o->argv ? o->argv : r->argv;

	if (!argv[0]) {
		pt_err("replay: %s records no command; give one after --", o->name);
		err = -EINVAL;
		goto cleanup;
	}
	err = pt_find_exe(argv[0], exe, sizeof(exe));
	if (err) {
		pt_err("replay: %s: %s", argv[0], err == -ENOENT ? "command not found" : strerror(-err));
		goto cleanup;
	}
	if (x->cwd && x->cwd[0] && !stat(x->cwd, &st) && S_ISDIR(st.st_mode))
		cwd = x->cwd;
	else
		pt_replay_say(&r->rp, "note: the recorded working directory %s does not exist here; running in the "
			      "current one", x->cwd ? x->cwd : "?");
	err = plan_peers(r);
	if (!err)
		err = setup_net(r);
	if (err)
		goto cleanup;
	report_limits(r);
	snprintf(name, sizeof(name), "provtap-replay-%d", (int)getpid());
	err = pt_cgroup_create(name, &r->cg, msg, sizeof(msg));
	if (err) {
		pt_err("replay: %s", msg);
		goto cleanup;
	}
	t0 = mono_ns();
	err = pt_cgroup_spawn(&r->cg, exe, argv, r->envp ? r->envp : environ, cwd, msg, sizeof(msg));
	if (err < 0) {
		pt_err("replay: %s", msg);
		goto cleanup;
	}
	r->child = err;
	err = 0;
	res->started = true;
	r->pidfd = (int)syscall(SYS_pidfd_open, r->child, 0);
	if (r->pidfd < 0) {
		err = -errno;
		pt_err("replay: pidfd_open: %s", strerror(-err));
		goto cleanup;
	}
	{
		struct sigaction ign = { .sa_handler = SIG_IGN }, oi, oq;

		sigaction(SIGINT, &ign, &oi);
		sigaction(SIGQUIT, &ign, &oq);
		serve_until_exit(r, t0);
		sigaction(SIGINT, &oi, NULL);
		sigaction(SIGQUIT, &oq, NULL);
	}
	report_missing(r);
cleanup:
	if (r->child > 0) {
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
	}
	if (r->cg.path[0] && pt_cgroup_nprocs(&r->cg) > 0)
		pt_cgroup_kill(&r->cg, 5000);
	pt_cgroup_remove(&r->cg);
	if (r->pidfd >= 0)
		close(r->pidfd);
	for (unsigned i = 0; i < r->npeers; i++)
		if (r->peers[i].fd >= 0)
			close(r->peers[i].fd);
	pthread_mutex_destroy(&r->rp.lock);
	free(r->conns);
	free(r->served);
	free(r->argv);
	free(r->envp);
	free(r);
	return err;
}
