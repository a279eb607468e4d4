// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_proc_seed.c — seeding the process probes (bpf/proc_seed.bpf.c run by
 * loader/proc_seed.c) with what existed before they were attached. A
 * "holder" child is started first and sets up known FDs (a regular file
 * opened O_CLOEXEC at a known path, a TCP socket connected over loopback, a
 * pipe, the file dup2'ed to fd 100); then the probes are loaded and attached
 * with a scope, seeded, and every SEED and SEED_FD record is compared with
 * what /proc, stat and the sockets say. Scopes (pid tree, comm, netns,
 * cgroup and its descendants, everything minus pt_pignore), ring-full
 * losses (counted, never silent) and processes that exit during the walk.
 * Loopback only.
 * Without BPF permission: "SKIP: reason" and exit 0, or fail when
 * PROVTAP_REQUIRE_BPF=1.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/pkt.h"
#include "bpf/proc.h"
#include "proc.skel.h"
#include "loader/proc_attach.h"
#include "loader/proc_seed.h"
#include "tests/support/procrec.h"
#include "tests/support/checkrun.h"

#define RECMAX		(sizeof(struct pt_proc) + PT_PATH_MAX + PT_ARGV_MAX + 8)
#define MAXR		16384		/* seed records kept per drain */
#define RING_SIZE	(16 << 20)
#define HOLDER_FD_DUP	100
#define HOLDER_COMM	"ptseedholder"

struct rec {
	size_t size;
	union {
		struct pt_rec_hdr h;
		struct pt_proc p;
		struct pt_sys s;
		__u8 b[RECMAX];
	};
};

struct env {
	struct proc_bpf *skel;
	struct pt_proc_links links;
	struct ring_buffer *rb;
	struct pt_proc_seed_result res;
	struct rec *r;		/* SEED / SEED_FD / EXIT records of the drains so far */
	int n;
	int lost;		/* such records beyond MAXR */
	int bad_len;		/* records whose len != the ring's size */
	__u64 got[PT_PC_MAX];	/* records received per category */
};

static struct env E;
static char tmpdir[] = "/tmp/pt_seed_test.XXXXXX";

/* Ring callback: keeps seeds and exits, counts everything. No syscalls in here. */
static int on_rec(void *ctx, void *data, size_t size)
{
	struct env *e = ctx;
	const struct pt_rec_hdr *h = data;
	const struct pt_proc *p = data;
	const struct pt_sys *s = data;
	int c = size >= sizeof(*h) ? prec_cat(h->type) : -1;
	struct rec *r;

	if (c >= 0)
		e->got[c]++;
	if (size < sizeof(*h) || h->len != size)
		e->bad_len++;
	if (!((h->type == PT_REC_PROC && size >= sizeof(*p) && (p->kind == PT_PK_SEED || p->kind == PT_PK_EXIT)) ||
	      (h->type == PT_REC_SYS && size >= sizeof(*s) && s->call == PT_CALL_SEED_FD)))
		return 0;
	if (e->n >= MAXR) {
		e->lost++;
		return 0;
	}
	r = &e->r[e->n++];
	r->size = size;
	memcpy(r->b, data, size < RECMAX ? size : RECMAX);
	return 0;
}

/* Load, configure with *c (and pt_ptree with tree[0..ntree), a cgroup fd
 * when cgfd >= 0, pt_pignore with ignore when non-zero), attach. */
static void env_up_ex(const struct pt_proc_cfg *c, __u32 ring_size, const pid_t *tree, int ntree, int cgfd,
		      pid_t ignore)
{
	char err[256] = "";
	__u32 k = 0;
	__u8 one = 1;
	int e, i;

	memset(&E, 0, sizeof(E));
	E.r = calloc(MAXR, sizeof(*E.r));
	ck_assert_ptr_nonnull(E.r);
	E.skel = proc_bpf__open();
	ck_assert_ptr_nonnull(E.skel);
	e = pt_proc_prepare(E.skel, NULL, err, sizeof(err));
	ck_assert_msg(e == 0, "prepare: %s", err);
	ck_assert_int_eq(bpf_map__set_max_entries(E.skel->maps.pt_pring, ring_size), 0);
	ck_assert_int_eq(proc_bpf__load(E.skel), 0);
	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_pcfg), &k, c, 0), 0);
	for (i = 0; i < ntree; i++)
		ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_ptree), &tree[i], &one, 0), 0);
	if (cgfd >= 0)
		ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_pcgrp), &k, &cgfd, 0), 0);
	if (ignore)
		ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_pignore), &ignore, &one, 0), 0);
	e = pt_proc_attach(E.skel, &E.links, err, sizeof(err));
	ck_assert_msg(e == 0, "attach: %s", err);
	E.rb = ring_buffer__new(bpf_map__fd(E.skel->maps.pt_pring), on_rec, &E, NULL);
	ck_assert_ptr_nonnull(E.rb);
}

static void env_up_tree(pid_t root)
{
	struct pt_proc_cfg c = { .scope = PT_SCOPE_PIDTREE, .root_pid = (__u32)root };

	env_up_ex(&c, RING_SIZE, &root, 1, -1, 0);
}

static void env_down(void)
{
	ring_buffer__free(E.rb);
	pt_proc_links_destroy(&E.links);
	proc_bpf__destroy(E.skel);
	free(E.r);
	memset(&E, 0, sizeof(E));
}

/* Seed (must succeed), then take what the ring holds. */
static void seed(void)
{
	char err[256] = "";
	int e = pt_proc_seed(E.skel, &E.res, err, sizeof(err));

	ck_assert_msg(e == 0, "seed: %s", err);
	ck_assert_int_ge(ring_buffer__consume(E.rb), 0);
}

static int stats_raw(int cat, struct pt_proc_stats *sum)
{
	static struct pt_proc_stats v[1024];
	int ncpu = libbpf_num_possible_cpus(), i;
	__u32 key = cat;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0 || ncpu > 1024 || bpf_map_lookup_elem(bpf_map__fd(E.skel->maps.pt_pstats), &key, v))
		return -1;
	for (i = 0; i < ncpu; i++) {
		sum->seen += v[i].seen;
		sum->out_of_scope += v[i].out_of_scope;
		sum->emitted += v[i].emitted;
		sum->ring_fail += v[i].ring_fail;
		sum->fault += v[i].fault;
		sum->trunc += v[i].trunc;
	}
	return 0;
}

/* pt_pstats against what arrived: emitted == received, seen adds up, no record lost here. */
static void check_counters(int ring_fail_ok)
{
	struct pt_proc_stats st[PT_PC_MAX];
	int c, bad = 0;

	for (c = 0; c < PT_PC_MAX; c++)
		bad |= stats_raw(c, &st[c]);
	ring_buffer__consume(E.rb);
	ck_assert_int_eq(bad, 0);
	for (c = 0; c < PT_PC_MAX; c++) {
		ck_assert_msg(st[c].emitted == E.got[c], "category %d: emitted %llu, received %llu", c,
			      (unsigned long long)st[c].emitted, (unsigned long long)E.got[c]);
		ck_assert_uint_eq(st[c].seen, st[c].out_of_scope + st[c].emitted + st[c].ring_fail);
		if (!ring_fail_ok)
			ck_assert_uint_eq(st[c].ring_fail, 0);
	}
	ck_assert_int_eq(E.lost, 0);
	ck_assert_int_eq(E.bad_len, 0);
}

/* ---- finding records ---- */

static int nseeds(pid_t pid)	/* SEED records of pid (0: any) */
{
	int i, n = 0;

	for (i = 0; i < E.n; i++)
		if (E.r[i].h.type == PT_REC_PROC && E.r[i].p.kind == PT_PK_SEED &&
		    (!pid || E.r[i].p.task.pid == (__u32)pid))
			n++;
	return n;
}

static const struct pt_proc *seed_of(pid_t pid)
{
	for (int i = 0; i < E.n; i++)
		if (E.r[i].h.type == PT_REC_PROC && E.r[i].p.kind == PT_PK_SEED && E.r[i].p.task.pid == (__u32)pid)
			return &E.r[i].p;
	return NULL;
}

static int nseed_fds(pid_t pid)	/* SEED_FD records of pid (0: any) */
{
	int i, n = 0;

	for (i = 0; i < E.n; i++)
		if (E.r[i].h.type == PT_REC_SYS && (!pid || E.r[i].s.task.pid == (__u32)pid))
			n++;
	return n;
}

/* The one SEED_FD record of fd of pid; NULL if none (fails on two). */
static const struct pt_sys *seed_fd(pid_t pid, int fd)
{
	const struct pt_sys *found = NULL;

	for (int i = 0; i < E.n; i++) {
		const struct pt_sys *s = &E.r[i].s;

		if (s->type == PT_REC_SYS && s->task.pid == (__u32)pid && s->newfd == fd) {
			ck_assert_msg(!found, "two SEED_FD records of fd %d", fd);
			found = s;
		}
	}
	return found;
}

static const struct pt_proc *exit_of(pid_t pid)
{
	for (int i = 0; i < E.n; i++)
		if (E.r[i].h.type == PT_REC_PROC && E.r[i].p.kind == PT_PK_EXIT && E.r[i].p.task.pid == (__u32)pid &&
		    (E.r[i].p.flags & PT_PRF_GROUP))
			return &E.r[i].p;
	return NULL;
}

/* ---- the holder ---- */

enum holder_mode { H_PLAIN, H_COMM, H_NETNS, H_CGROUP, H_FORKER, H_MANY };

#define HOLDER_MANY	64	/* H_MANY: the file dup2'ed to 101..164 too */

struct holder {
	pid_t pid;
	int conn;		/* the accepted end of its TCP connection (this process) */
	struct sockaddr_in srv, cli;	/* the listener's address, the holder's socket's */
	char path[PATH_MAX];	/* its regular file */
};

static void holder_body(int w, enum holder_mode mode, const char *arg, const struct sockaddr_in *srv,
			const char *path)
{
	int fd, s, p[2];

	/* dies with the test, even one that failed half-way; only 0, 1, 2 and
	 * the ready pipe (moved to 200) stay */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || dup2(w, 200) != 200 || syscall(SYS_close_range, 3, 199, 0) || syscall(SYS_close_range, 201, ~0U, 0))
		_exit(10);
	if (mode == H_COMM && prctl(PR_SET_NAME, HOLDER_COMM))
		_exit(11);
	if (mode == H_NETNS && unshare(CLONE_NEWNET))
		_exit(12);
	if (mode == H_CGROUP) {
		fd = open(arg, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(13);
		close(fd);
	}
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);		/* 3 */
	if (fd != 3 || write(fd, "hello", 5) != 5)
		_exit(14);
	s = socket(AF_INET, SOCK_STREAM, 0);					/* 4 */
	if (s != 4 || (mode != H_NETNS && connect(s, (const struct sockaddr *)srv, sizeof(*srv))))
		_exit(15);
	if (pipe(p) || p[0] != 5 || p[1] != 6)					/* 5, 6 */
		_exit(16);
	if (dup2(fd, HOLDER_FD_DUP) != HOLDER_FD_DUP)				/* 100 */
		_exit(17);
	for (int i = 1; mode == H_MANY && i <= HOLDER_MANY; i++)
		if (dup2(fd, HOLDER_FD_DUP + i) != HOLDER_FD_DUP + i)
			_exit(18);
	if (write(200, "r", 1) != 1 || close(200))
		_exit(19);
	if (mode == H_FORKER) {
		/* children that exit all the time, while the seeding walks */
		for (;;) {
			pid_t c = fork();

			if (c == 0)
				_exit(0);
			if (c > 0)
				waitpid(c, NULL, 0);
		}
	}
	for (;;)
		pause();
}

/* Start a holder (see the top) and wait until its FDs are set up. */
static void holder_start(struct holder *h, enum holder_mode mode, const char *arg)
{
	socklen_t len = sizeof(h->srv);
	int lsn, rw[2];
	char c;

	memset(h, 0, sizeof(*h));
	snprintf(h->path, sizeof(h->path), "%s/held.%d", tmpdir, mode);
	lsn = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lsn, 0);
	h->srv.sin_family = AF_INET;
	h->srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lsn, (struct sockaddr *)&h->srv, sizeof(h->srv)), 0);
	ck_assert_int_eq(listen(lsn, 4), 0);
	ck_assert_int_eq(getsockname(lsn, (struct sockaddr *)&h->srv, &len), 0);
	ck_assert_int_eq(pipe(rw), 0);
	h->pid = fork();
	ck_assert_int_ge(h->pid, 0);
	if (h->pid == 0) {
		close(rw[0]);
		holder_body(rw[1], mode, arg, &h->srv, h->path);
	}
	close(rw[1]);
	if (read(rw[0], &c, 1) != 1) {
		int st = 0;

		waitpid(h->pid, &st, 0);
		ck_abort_msg("the holder failed to set up: exit status %d (see holder_body)", WEXITSTATUS(st));
	}
	ck_assert_int_eq(read(rw[0], &c, 1), 0);	/* EOF: its end of the pipe is closed */
	close(rw[0]);
	h->conn = -1;
	if (mode != H_NETNS) {
		len = sizeof(h->cli);
		h->conn = accept(lsn, (struct sockaddr *)&h->cli, &len);
		ck_assert_int_ge(h->conn, 0);
	}
	close(lsn);
}

/* Kill the holder (SIGKILL) and reap it. */
static void holder_stop(struct holder *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
	}
	if (h->conn >= 0)
		close(h->conn);
	unlink(h->path);
	h->pid = 0;
}

/* The fds of pid, ascending, from /proc/PID/fd; returns how many (<= max). */
static int fds_of(pid_t pid, int *out, int max)
{
	char p[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(p, sizeof(p), "/proc/%d/fd", pid);
	d = opendir(p);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && n < max)
			out[n++] = atoi(e->d_name);
	closedir(d);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
			int t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

/* The "flags:" of /proc/PID/fdinfo/FD (octal). */
static unsigned int fdinfo_flags(pid_t pid, int fd)
{
	char p[64], line[256];
	unsigned int fl = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &fl) == 1)
			break;
	fclose(f);
	return fl;
}

static __u32 kdev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

/* The whole of a small file into buf (NUL-terminated); bytes read. */
static size_t slurp(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	ck_assert_int_ge(fd, 0);
	while (n < max - 1 && (r = read(fd, buf + n, max - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

static __u64 netns_of(pid_t pid)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/%d/ns/net", pid);
	ck_assert_int_eq(stat(p, &st), 0);
	return st.st_ino;
}

/* The cgroup2 mount point into buf; false if there is none. */
static bool cgroup2_mount(char *buf, size_t len)
{
	char line[512], dev[64], dir[256], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %255s %63s", dev, dir, type) == 3 && !strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", dir);
			found = true;
		}
	if (f)
		fclose(f);
	return found;
}

/* Every SEED_FD of the holder against /proc, stat and its sockets. */
static void check_holder_fds(const struct holder *h, bool connected)
{
	int fds[64], n = fds_of(h->pid, fds, 64), i;
	const struct pt_sys *s;
	char p[64], real[PATH_MAX];
	struct stat st;
	__u32 lo = htonl(INADDR_LOOPBACK);

	ck_assert_int_eq(n, 8);		/* 0, 1, 2, 3, 4, 5, 6, 100 */
	ck_assert_int_eq(nseed_fds(h->pid), n);
	for (i = 0; i < n; i++) {
		s = seed_fd(h->pid, fds[i]);
		ck_assert_msg(s, "no SEED_FD record of fd %d", fds[i]);
		ck_assert_uint_eq(s->len, sizeof(*s) + s->data_len);
		ck_assert_int_eq(s->fd, -1);
		ck_assert_int_eq(s->newfd2, -1);
		ck_assert_int_eq(s->ret, 0);
		ck_assert_uint_eq(s->task.pid, h->pid);
		ck_assert_uint_eq(s->task.tid, h->pid);
		ck_assert_uint_eq(s->task.ppid, getpid());
		ck_assert_uint_eq(!!(s->flags & PT_SF_CLOEXEC), !!(fdinfo_flags(h->pid, fds[i]) & O_CLOEXEC));
		ck_assert_uint_eq(s->flags & (PT_SF_FAULT | PT_SF_NOARGS | PT_SF_ADDR), 0);
		snprintf(p, sizeof(p), "/proc/%d/fd/%d", h->pid, fds[i]);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_uint_eq(s->info.ino, st.st_ino);
		ck_assert_uint_eq(s->info.dev, kdev(st.st_dev));
		switch (st.st_mode & S_IFMT) {
		case S_IFREG: ck_assert_uint_eq(s->info.kind, PT_FK_FILE); break;
		case S_IFCHR: ck_assert_uint_eq(s->info.kind, PT_FK_CHR); break;
		case S_IFIFO: ck_assert_uint_eq(s->info.kind, PT_FK_PIPE); break;
		case S_IFSOCK: ck_assert_uint_eq(s->info.kind, PT_FK_SOCKET); break;
		case S_IFDIR: ck_assert_uint_eq(s->info.kind, PT_FK_DIR); break;
		default: ck_assert_uint_eq(s->info.kind, PT_FK_OTHER); break;
		}
		/* a path for what has one, none for sockets and pipes */
		if (s->info.kind == PT_FK_SOCKET || s->info.kind == PT_FK_PIPE) {
			ck_assert_uint_eq(s->data_len, 0);
		} else {
			ssize_t rl = readlink(p, real, sizeof(real) - 1);

			ck_assert_int_gt(rl, 0);
			real[rl] = 0;
			ck_assert_uint_eq(s->data_len, strlen(real) + 1);
			ck_assert_str_eq((const char *)(s + 1), real);
		}
	}

	/* the file: O_CLOEXEC, at the known path, position 5; its dup at 100 without the flag */
	s = seed_fd(h->pid, 3);
	ck_assert_uint_eq(s->info.kind, PT_FK_FILE);
	ck_assert(s->flags & PT_SF_CLOEXEC);
	ck_assert_uint_eq(s->info.pos, 5);
	ck_assert(realpath(h->path, real));
	ck_assert_str_eq((const char *)(s + 1), real);
	ck_assert_int_eq(stat(h->path, &st), 0);
	ck_assert_uint_eq(s->info.ino, st.st_ino);
	s = seed_fd(h->pid, HOLDER_FD_DUP);
	ck_assert_uint_eq(s->info.kind, PT_FK_FILE);
	ck_assert_uint_eq(s->info.ino, st.st_ino);
	ck_assert(!(s->flags & PT_SF_CLOEXEC));
	ck_assert_uint_eq(s->info.pos, 5);
	ck_assert_str_eq((const char *)(s + 1), real);

	/* the TCP socket, connected to our listener */
	s = seed_fd(h->pid, 4);
	ck_assert_uint_eq(s->info.kind, PT_FK_SOCKET);
	ck_assert_uint_eq(s->info.family, AF_INET);
	ck_assert_uint_eq(s->info.type, SOCK_STREAM);
	ck_assert_uint_eq(s->info.proto, IPPROTO_TCP);
	ck_assert_uint_eq(s->info.sk_netns_ino, netns_of(h->pid));
	if (connected) {
		ck_assert_uint_eq(s->info.sk_state, 1);	/* TCP_ESTABLISHED */
		ck_assert_mem_eq(s->info.laddr, &lo, 4);
		ck_assert_mem_eq(s->info.raddr, &lo, 4);
		ck_assert_uint_eq(s->info.lport, ntohs(h->cli.sin_port));
		ck_assert_uint_eq(s->info.rport, ntohs(h->srv.sin_port));
	} else {
		ck_assert_uint_eq(s->info.sk_state, 7);	/* TCP_CLOSE */
		ck_assert_uint_eq(s->info.lport, 0);
		ck_assert_uint_eq(s->info.rport, 0);
	}

	/* the pipe: one inode, both ends */
	ck_assert_uint_eq(seed_fd(h->pid, 5)->info.kind, PT_FK_PIPE);
	ck_assert_uint_eq(seed_fd(h->pid, 6)->info.kind, PT_FK_PIPE);
	ck_assert_uint_eq(seed_fd(h->pid, 5)->info.ino, seed_fd(h->pid, 6)->info.ino);
}

/* The holder's SEED record against /proc (it is a fork of this process: our exe and argv). */
static void check_holder_seed(const struct holder *h, const char *comm)
{
	const struct pt_proc *p = seed_of(h->pid);
	char exe[PATH_MAX], cmdline[PT_ARGV_MAX + 1];
	const char *data;
	size_t clen;
	ssize_t n;
	__u32 argc = 0;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(nseeds(h->pid), 1);
	ck_assert_uint_eq(p->len, sizeof(*p) + p->data_len);
	ck_assert_uint_eq(p->task.pid, h->pid);
	ck_assert_uint_eq(p->task.tid, h->pid);
	ck_assert_uint_eq(p->task.ppid, getpid());
	ck_assert_uint_eq(p->task.uid, getuid());
	ck_assert_uint_eq(p->task.netns_ino, netns_of(h->pid));
	ck_assert_str_eq(p->task.comm, comm);
	ck_assert_uint_eq(p->flags, 0);
	ck_assert_uint_eq(p->child_pid, 0);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = 0;
	data = (const char *)(p + 1);
	ck_assert_uint_eq(p->path_len, strlen(exe) + 1);
	ck_assert_str_eq(data, exe);
	clen = slurp("/proc/self/cmdline", cmdline, sizeof(cmdline));
	for (size_t i = 0; i < clen; i++)
		argc += cmdline[i] == 0;
	ck_assert_uint_eq(p->argc, argc);
	ck_assert_uint_eq(p->data_len, p->path_len + clen);
	ck_assert_mem_eq(data + p->path_len, cmdline, clen);
}

/* ---- tests ---- */

/* pid tree of the holder: its seed, its FDs, nothing else; its start time is the kernel's. */
START_TEST(seed_pidtree)
{
	struct holder h;
	const struct pt_proc *x;
	__u64 start;

	holder_start(&h, H_PLAIN, NULL);
	env_up_tree(h.pid);
	seed();
	ck_assert_msg(E.res.argv, "argv not read: %s", E.res.argv_why);
	ck_assert_uint_eq(E.res.procs, 1);
	ck_assert_uint_eq(E.res.fds, 8);
	ck_assert_uint_eq(E.res.lost_procs + E.res.lost_fds + E.res.faults, 0);
	ck_assert_int_eq(nseeds(0), 1);
	ck_assert_int_eq(nseed_fds(0), 8);
	check_holder_seed(&h, "bpf_test_proc_s");
	check_holder_fds(&h, true);
	start = seed_of(h.pid)->task.start_ns;
	ck_assert_uint_gt(start, 0);

	/* the kernel's own record of the process names the same start */
	kill(h.pid, SIGKILL);
	waitpid(h.pid, NULL, 0);
	ring_buffer__consume(E.rb);
	x = exit_of(h.pid);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->task.start_ns, start);
	ck_assert_uint_gt(x->task.ts_ns, seed_of(h.pid)->task.ts_ns);
	check_counters(0);
	h.pid = 0;
	holder_stop(&h);
	env_down();
}
END_TEST

/* comm, netns, cgroup (and a cgroup above it): the holder only. */
START_TEST(seed_scopes)
{
	struct pt_proc_cfg c;
	struct holder h;
	char mnt[256], top[512], sub[600], procs[700];
	struct stat st;
	__u64 sub_id;
	int cgfd;

	memset(&c, 0, sizeof(c));
	c.scope = PT_SCOPE_COMM;
	memcpy(c.comm, HOLDER_COMM, sizeof(HOLDER_COMM));
	holder_start(&h, H_COMM, NULL);
	env_up_ex(&c, RING_SIZE, NULL, 0, -1, 0);
	seed();
	ck_assert_int_eq(nseeds(0), 1);
	check_holder_seed(&h, HOLDER_COMM);
	ck_assert_int_eq(nseed_fds(0), 8);
	check_holder_fds(&h, true);
	check_counters(0);
	env_down();
	holder_stop(&h);

	memset(&c, 0, sizeof(c));
	c.scope = PT_SCOPE_NETNS;
	holder_start(&h, H_NETNS, NULL);
	c.netns_ino = netns_of(h.pid);
	ck_assert_uint_ne(c.netns_ino, netns_of(getpid()));
	env_up_ex(&c, RING_SIZE, NULL, 0, -1, 0);
	seed();
	ck_assert_int_eq(nseeds(0), 1);
	check_holder_seed(&h, "bpf_test_proc_s");
	ck_assert_int_eq(nseed_fds(0), 8);
	check_holder_fds(&h, false);
	check_counters(0);
	env_down();
	holder_stop(&h);

	if (!cgroup2_mount(mnt, sizeof(mnt))) {
		/* record and --cgroup need cgroup2: where BPF tests must run, so must this */
		const char *req = getenv("PROVTAP_REQUIRE_BPF");

		ck_assert_msg(!req || strcmp(req, "1"), "no cgroup2 mount: the cgroup scope cannot be tested "
			      "(PROVTAP_REQUIRE_BPF=1)");
		fprintf(stderr, "note: no cgroup2 mount, cgroup scope not tested\n");
		return;
	}
	snprintf(top, sizeof(top), "%s/pt_seed_test.%d", mnt, getpid());
	snprintf(sub, sizeof(sub), "%s/inner", top);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", sub);
	ck_assert_int_eq(mkdir(top, 0755), 0);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	holder_start(&h, H_CGROUP, procs);
	ck_assert_int_eq(stat(sub, &st), 0);
	sub_id = st.st_ino;
	/* the holder's cgroup itself, then the one above it */
	for (int i = 0; i < 2; i++) {
		const char *dir = i ? top : sub;

		memset(&c, 0, sizeof(c));
		c.scope = PT_SCOPE_CGROUP;
		ck_assert_int_eq(stat(dir, &st), 0);
		c.cgroup_id = st.st_ino;
		cgfd = open(dir, O_RDONLY | O_DIRECTORY);
		ck_assert_int_ge(cgfd, 0);
		env_up_ex(&c, RING_SIZE, NULL, 0, cgfd, 0);
		close(cgfd);
		seed();
		ck_assert_int_eq(nseeds(0), 1);
		check_holder_seed(&h, "bpf_test_proc_s");
		ck_assert_uint_eq(seed_of(h.pid)->task.cgroup_id, sub_id);
		ck_assert_int_eq(nseed_fds(0), 8);
		check_holder_fds(&h, true);
		check_counters(0);
		env_down();
	}
	holder_stop(&h);
	ck_assert_int_eq(rmdir(sub), 0);
	ck_assert_int_eq(rmdir(top), 0);
}
END_TEST

/* Everything except an ignored pid: every process once, from its leader; no kernel threads. */
START_TEST(seed_all_ignore)
{
	struct pt_proc_cfg c = { .scope = PT_SCOPE_ALL };
	struct holder h;
	int i, j;

	holder_start(&h, H_PLAIN, NULL);
	env_up_ex(&c, 64 << 20, NULL, 0, -1, h.pid);
	seed();
	ck_assert_uint_eq(E.res.lost_procs + E.res.lost_fds, 0);
	ck_assert_uint_eq(E.res.procs, (__u64)nseeds(0));
	ck_assert_uint_eq(E.res.fds, (__u64)nseed_fds(0));
	ck_assert_int_eq(nseeds(h.pid), 0);
	ck_assert_int_eq(nseed_fds(h.pid), 0);
	ck_assert_int_eq(nseeds(getpid()), 1);
	ck_assert_int_eq(nseeds(getppid()), 1);	/* the test runner */
	ck_assert_int_eq(nseeds(2), 0);		/* kthreadd */
	for (i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(seed_fd(getpid(), i));
	for (i = 0; i < E.n; i++) {
		const struct pt_proc *p = &E.r[i].p;

		if (p->type != PT_REC_PROC || p->kind != PT_PK_SEED)
			continue;
		ck_assert_uint_eq(p->task.tid, p->task.pid);
		ck_assert_uint_gt(p->path_len, 1);
		for (j = i + 1; j < E.n; j++)
			ck_assert(!(E.r[j].h.type == PT_REC_PROC && E.r[j].p.kind == PT_PK_SEED &&
				    E.r[j].p.task.pid == p->task.pid));
	}
	/* the whole system's events keep coming: pt_pstats cannot be compared with the records here */
	ck_assert_int_eq(E.lost, 0);
	ck_assert_int_eq(E.bad_len, 0);
	env_down();
	holder_stop(&h);
}
END_TEST

/* A ring too small: losses counted (result and pt_pstats ring_fail), what arrived is whole. */
START_TEST(seed_ring_full)
{
	struct pt_proc_cfg c = { .scope = PT_SCOPE_PIDTREE };
	struct pt_proc_stats sys;
	struct holder h;

	holder_start(&h, H_MANY, NULL);
	c.root_pid = h.pid;
	env_up_ex(&c, 4096, &h.pid, 1, -1, 0);
	seed();
	ck_assert_uint_eq(E.res.procs + E.res.lost_procs, 1);
	ck_assert_uint_eq(E.res.fds + E.res.lost_fds, 8 + HOLDER_MANY);
	ck_assert_uint_gt(E.res.lost_fds, 0);
	ck_assert_uint_eq(E.res.fds, (__u64)nseed_fds(0));
	ck_assert_int_eq(stats_raw(PT_PC_SYS, &sys), 0);
	ck_assert_uint_eq(sys.ring_fail, E.res.lost_fds);
	ck_assert_uint_eq(sys.emitted, E.res.fds);
	check_counters(1);
	env_down();
	holder_stop(&h);
}
END_TEST

/* Processes that come and go during the walk: nothing breaks, the counts add up. */
START_TEST(seed_exiting)
{
	struct holder h;
	int i;

	holder_start(&h, H_FORKER, NULL);
	env_up_tree(h.pid);
	for (i = 0; i < 5; i++) {
		E.n = 0;
		memset(&E.res, 0, sizeof(E.res));
		seed();
		ck_assert_uint_ge(E.res.procs, 1);
		ck_assert_uint_ge(E.res.fds, 8);
		ck_assert_uint_eq(E.res.lost_procs + E.res.lost_fds, 0);
		ck_assert_ptr_nonnull(seed_of(h.pid));
	}
	holder_stop(&h);
	check_counters(0);
	env_down();
}
END_TEST

static Suite *seed_suite(void)
{
	Suite *s = suite_create("proc_seed");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);	/* 6.1 under qemu without KVM is slow */
	tcase_add_test(tc, seed_pidtree);
	tcase_add_test(tc, seed_scopes);
	tcase_add_test(tc, seed_all_ignore);
	tcase_add_test(tc, seed_ring_full);
	tcase_add_test(tc, seed_exiting);
	suite_add_tcase(s, tc);
	return s;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* Can we load the probes and seed at all? Prints the iterator variant. 0 or -errno. */
static int can_seed(char *err, size_t errlen)
{
	struct pt_proc_seed_result res;
	struct proc_bpf *s = proc_bpf__open();
	struct pt_proc_cfg c = { .scope = PT_SCOPE_PIDTREE, .root_pid = 0x7fffffff };
	__u32 k = 0;
	int e;

	if (!s) {
		snprintf(err, errlen, "open: %s", strerror(errno));
		return -errno;
	}
	e = pt_proc_prepare(s, NULL, err, errlen);
	if (!e && (e = proc_bpf__load(s)))
		snprintf(err, errlen, "load: %s", strerror(-e));
	if (!e && bpf_map_update_elem(bpf_map__fd(s->maps.pt_pcfg), &k, &c, 0)) {
		e = -errno;
		snprintf(err, errlen, "pt_pcfg: %s", strerror(-e));
	}
	if (!e)
		e = pt_proc_seed(s, &res, err, errlen);
	if (!e)
		printf("seed iterators: %s\n", res.argv ? "sleepable (argv read)" : res.argv_why);
	proc_bpf__destroy(s);
	return e;
}

int main(void)
{
	const char *req = getenv("PROVTAP_REQUIRE_BPF");
	char err[256] = "";
	int rc, e;

	libbpf_set_print(silent);
	e = can_seed(err, sizeof(err));
	if (e) {
		if (req && !strcmp(req, "1")) {
			fprintf(stderr, "FAIL: cannot load and seed the proc programs: %s\n", err);
			return 1;
		}
		printf("SKIP: cannot load and seed the proc programs: %s\n", err);
		return 0;
	}
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "FAIL: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	rc = pt_check_run(seed_suite());
	rmdir(tmpdir);
	return rc;
}
