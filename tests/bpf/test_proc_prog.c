// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_proc_prog.c — the process/FD/socket probes (bpf/proc.bpf.c) attached
 * with loader/proc_attach.c, driven by real calls of this process (scope
 * PT_SCOPE_PIDTREE rooted at the test, so only its own events and its
 * children's are recorded): every recorded field is compared with what the
 * call did and with what the kernel reports through fstat, getsockname,
 * getpeername, /proc. Loopback only.
 * Without BPF permission: "SKIP: reason" and exit 0, or fail when
 * PROVTAP_REQUIRE_BPF=1.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/openat2.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "userland/cgroup.h"
#include "bpf/pkt.h"
#include "bpf/proc.h"
#include "proc.skel.h"
#include "loader/features.h"
#include "loader/proc_attach.h"
#include "tests/support/procrec.h"
#include "tests/support/checkrun.h"

#define RECMAX		(sizeof(struct pt_data) + PT_CHUNK_MAX)
#define MAXR		16384
#define RING_SIZE	(16 << 20)

struct rec {
	size_t size;		/* bytes the ring handed us */
	union {
		struct pt_rec_hdr h;
		struct pt_proc p;
		struct pt_sys s;
		struct pt_data d;
		struct pt_chunk c;
		__u8 b[RECMAX];
	};
};

struct env {
	struct proc_bpf *skel;
	struct pt_proc_links links;
	struct pt_proc_links slinks;	/* the send hook's (send-tp, send-fentry, send-kprobe) */
	struct ring_buffer *rb;
	struct rec *r;		/* records of the last drain() */
	int n;
	int lost;		/* records beyond MAXR in one drain */
	int bad_len;		/* records whose len != the ring's size */
	__u64 got[PT_PC_MAX];	/* records received per category since env_up */
};

static struct env E;
static char tmpdir[] = "/tmp/pt_proc_test.XXXXXX";

/* The TCP send hook the loader picks here ($PROVTAP_SEND_VARIANT forces one),
 * and the flag it gives every TCP send (PT_DAF_SEQ_LOCKED, or 0). */
static const struct pt_variant *send_v;
static __u16 send_flag;

/* Ring callback: no syscalls in here (they would be recorded). */
static int on_rec(void *ctx, void *data, size_t size)
{
	struct env *e = ctx;
	const struct pt_rec_hdr *h = data;
	int c = size >= sizeof(*h) ? prec_cat(h->type) : -1;
	struct rec *r;

	if (c >= 0)
		e->got[c]++;
	if (size < sizeof(*h) || h->len != size)
		e->bad_len++;
	if (e->n >= MAXR) {
		e->lost++;
		return 0;
	}
	r = &e->r[e->n++];
	r->size = size;
	memcpy(r->b, data, size < RECMAX ? size : RECMAX);
	return 0;
}

static struct proc_bpf *skel_open_load(char *err, size_t errlen, __u32 ring_size)
{
	struct proc_bpf *s = proc_bpf__open();
	int e;

	if (!s) {
		snprintf(err, errlen, "open: %s", strerror(errno));
		return NULL;
	}
	e = pt_proc_prepare(s, NULL, err, errlen);
	if (!e) {
		const char *force = getenv("PROVTAP_SEND_VARIANT");

		/* set but empty: automatic, as PROVTAP_PROC_VARIANT (loader/proc_attach.c) */
		send_v = pt_variant_pick(PT_HOOK_SEND, force && *force ? force : NULL);
		if (!send_v) {
			snprintf(err, errlen, "no send hook variant (PROVTAP_SEND_VARIANT=%s)", force ?: "");
			e = -EINVAL;
		}
	}
	if (!e) {
		pt_proc_send_prepare(s, send_v);
		send_flag = send_v->prog_id == PT_PROG_SEND_SYSCALL ? 0 : PT_DAF_SEQ_LOCKED;
		e = bpf_map__set_max_entries(s->maps.pt_pring, ring_size);
	}
	if (!e) {
		e = proc_bpf__load(s);
		if (e)
			snprintf(err, errlen, "load: %s", strerror(-e));
	}
	if (e) {
		proc_bpf__destroy(s);
		errno = -e;
		return NULL;
	}
	return s;
}

static void set_cfg(const struct pt_proc_cfg *c)
{
	__u32 k = 0;

	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_pcfg), &k, c, 0), 0);
}

/* Load with a ring of ring_size bytes, configure with *c (scope PIDTREE
 * rooted here when c is NULL), attach. */
static void env_up_ring(const struct pt_proc_cfg *c, __u32 ring_size)
{
	struct pt_proc_cfg def = { .scope = PT_SCOPE_PIDTREE };
	char err[256];
	int e;

	memset(&E, 0, sizeof(E));
	E.r = calloc(MAXR, sizeof(*E.r));
	ck_assert_ptr_nonnull(E.r);
	E.skel = skel_open_load(err, sizeof(err), ring_size);
	ck_assert_msg(E.skel, "%s", err);
	if (!c) {
		def.root_pid = getpid();
		c = &def;
	}
	set_cfg(c);
	e = pt_proc_attach(E.skel, &E.links, err, sizeof(err));
	ck_assert_msg(e == 0, "attach: %s", err);
	e = pt_proc_send_attach(E.skel, send_v, &E.slinks, err, sizeof(err));
	ck_assert_msg(e == 0, "attach the send hook: %s", err);
	E.rb = ring_buffer__new(bpf_map__fd(E.skel->maps.pt_pring), on_rec, &E, NULL);
	ck_assert_ptr_nonnull(E.rb);
}

static void env_up(const struct pt_proc_cfg *c)
{
	env_up_ring(c, RING_SIZE);
}

static void env_down(void)
{
	ring_buffer__free(E.rb);
	pt_proc_links_destroy(&E.slinks);
	pt_proc_links_destroy(&E.links);
	proc_bpf__destroy(E.skel);
	free(E.r);
	memset(&E, 0, sizeof(E));
}

/* Replace the records with the ones waiting in the ring. */
static int drain(void)
{
	E.n = 0;
	return ring_buffer__consume(E.rb);
}

/*
 * Counters of category cat summed over CPUs into *sum. No check assertion in
 * here: a passing assertion writes to check's channel, a traced write.
 * Returns 0 or -1.
 */
static int stats_raw(int cat, struct pt_proc_stats *sum)
{
	static struct pt_proc_stats v[1024];
	int ncpu = libbpf_num_possible_cpus(), i;
	__u32 key = cat;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0 || ncpu > 1024 ||
	    bpf_map_lookup_elem(bpf_map__fd(E.skel->maps.pt_pstats), &key, v))
		return -1;
	for (i = 0; i < ncpu; i++) {
		sum->seen += v[i].seen;
		sum->out_of_scope += v[i].out_of_scope;
		sum->emitted += v[i].emitted;
		sum->ring_fail += v[i].ring_fail;
		sum->noargs += v[i].noargs;
		sum->fault += v[i].fault;
		sum->trunc += v[i].trunc;
	}
	return 0;
}

static struct pt_proc_stats stats(int cat)
{
	struct pt_proc_stats sum;

	ck_assert_int_eq(stats_raw(cat, &sum), 0);
	return sum;
}

/*
 * Counters against the records: emitted == received, seen == oos + emitted +
 * ring_fail, nothing lost, every record's len == its ring size. Reads the
 * counters first, then consumes what is left without a traced syscall in
 * between, so both describe the same records.
 */
static void check_counters_ex(int ring_fail_ok)
{
	struct pt_proc_stats st[PT_PC_MAX];
	int c, bad = 0;

	for (c = 0; c < PT_PC_MAX; c++)
		bad |= stats_raw(c, &st[c]);
	drain();
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

static void check_counters(void)
{
	check_counters_ex(0);
}

static __u64 boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static __u32 kdev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

/* ---- finding records ---- */

/* The n-th (0-based) SYS record of call by thread tid (0: any). */
static const struct pt_sys *sys_nth(__u16 call, pid_t tid, int n)
{
	int i;

	for (i = 0; i < E.n; i++) {
		const struct pt_sys *s = &E.r[i].s;

		if (s->type == PT_REC_SYS && s->call == call && (!tid || s->task.tid == (__u32)tid) &&
		    n-- == 0)
			return s;
	}
	return NULL;
}

static const struct pt_sys *sys_one(__u16 call)
{
	const struct pt_sys *s = sys_nth(call, gettid(), 0);

	ck_assert_msg(s, "no SYS record of call %s", pt_proc_call_name(call));
	ck_assert_msg(!sys_nth(call, gettid(), 1), "more than one SYS record of %s",
		      pt_proc_call_name(call));
	return s;
}

/* The n-th DATA record of call on fd (any fd when fd == INT_MIN) by pid. */
static const struct rec *data_nth(__u16 call, int fd, pid_t pid, int n)
{
	int i;

	for (i = 0; i < E.n; i++) {
		const struct pt_data *d = &E.r[i].d;

		if (d->type == PT_REC_DATA && d->call == call && (fd == INT_MIN || d->fd == fd) &&
		    d->task.pid == (__u32)pid && n-- == 0)
			return &E.r[i];
	}
	return NULL;
}

static const struct pt_data *data_one(__u16 call, int fd)
{
	const struct rec *r = data_nth(call, fd, getpid(), 0);

	ck_assert_msg(r, "no DATA record of %s on fd %d", pt_proc_call_name(call), fd);
	ck_assert_msg(!data_nth(call, fd, getpid(), 1), "more than one DATA record of %s on fd %d",
		      pt_proc_call_name(call), fd);
	return &r->d;
}

static const struct pt_proc *proc_nth(__u8 kind, pid_t pid, int n)
{
	int i;

	for (i = 0; i < E.n; i++) {
		const struct pt_proc *p = &E.r[i].p;

		if (p->type == PT_REC_PROC && p->kind == kind && p->task.pid == (__u32)pid && n-- == 0)
			return p;
	}
	return NULL;
}

/* Records of any type from pid. */
static int count_pid(pid_t pid)
{
	int i, n = 0;

	for (i = 0; i < E.n; i++) {
		const struct rec *r = &E.r[i];

		if ((r->h.type == PT_REC_PROC && r->p.task.pid == (__u32)pid) ||
		    (r->h.type == PT_REC_SYS && r->s.task.pid == (__u32)pid) ||
		    (r->h.type == PT_REC_DATA && r->d.task.pid == (__u32)pid))
			n++;
	}
	return n;
}

/* Content of a DATA record (inline + its CHUNKs, in ring order) into buf. */
static size_t content_of(const struct pt_data *d, __u8 *buf, size_t max)
{
	const __u8 *in = (const __u8 *)d + sizeof(*d);
	size_t n = d->cap_len, i;
	int after = 0;

	ck_assert_uint_le(d->cap_len, PT_CHUNK_MAX);
	ck_assert_uint_le(n, max);
	memcpy(buf, in, n);
	for (i = 0; i < (size_t)E.n; i++) {
		const struct rec *r = &E.r[i];

		if (&r->d == d)
			after = 1;
		if (r->h.type != PT_REC_CHUNK || r->c.tid != d->task.tid || r->c.ts_ns != d->task.ts_ns ||
		    r->c.msg_index != d->msg_index)
			continue;
		ck_assert_msg(after, "a CHUNK before its DATA record");
		ck_assert_uint_eq(r->c.off, n);
		ck_assert_uint_le(n + r->c.len - sizeof(struct pt_chunk), max);
		memcpy(buf + n, r->b + sizeof(struct pt_chunk), r->c.len - sizeof(struct pt_chunk));
		n += r->c.len - sizeof(struct pt_chunk);
	}
	return n;
}

static void expect_content(const struct pt_data *d, const void *exp, size_t len)
{
	static __u8 buf[PT_CALL_CONTENT_MAX];
	size_t n = content_of(d, buf, sizeof(buf));

	ck_assert_uint_eq(d->captured, len);
	ck_assert_uint_eq(n, len);
	ck_assert_msg(memcmp(buf, exp, len) == 0, "content differs");
}

/* ---- what the kernel says about us ---- */

static __u64 self_netns(void)
{
	struct stat st;

	ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
	return st.st_ino;
}

/* cgroup v2 id of this process: the inode of its cgroup2 directory; 0 if unknown. */
static __u64 self_cgid(void)
{
	char line[512], mnt[256] = "", path[1024];
	FILE *f = fopen("/proc/self/mounts", "r");
	struct stat st;
	char *cg = NULL;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char dev[64], dir[256], type[64];

		if (sscanf(line, "%63s %255s %63s", dev, dir, type) == 3 && !strcmp(type, "cgroup2")) {
			snprintf(mnt, sizeof(mnt), "%s", dir);
			break;
		}
	}
	fclose(f);
	f = fopen("/proc/self/cgroup", "r");
	if (!f || !mnt[0]) {
		if (f)
			fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			cg = line + 3;
			cg[strcspn(cg, "\n")] = 0;
			break;
		}
	fclose(f);
	if (!cg)
		return 0;
	snprintf(path, sizeof(path), "%s%s", mnt, cg);
	return stat(path, &st) ? 0 : st.st_ino;
}

/* starttime (field 22 of /proc/PID/stat), clock ticks since boot. */
static unsigned long long proc_starttime(pid_t pid)
{
	char p[64], buf[1024], *s;
	unsigned long long v = 0;
	FILE *f;
	int i;

	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	s = strrchr(buf, ')');
	ck_assert_ptr_nonnull(s);
	s += 2;			/* field 3 */
	for (i = 3; i < 22; i++) {
		s = strchr(s, ' ');
		ck_assert_ptr_nonnull(s);
		s++;
	}
	sscanf(s, "%llu", &v);
	return v;
}

/* The task part of a record of this thread, made between t0 and t1. */
static void check_self_task(const struct pt_task *t, __u64 t0, __u64 t1)
{
	char comm[PT_COMM_LEN] = "";
	__u64 cg = self_cgid();

	prctl(PR_GET_NAME, comm);
	ck_assert_uint_eq(t->pid, getpid());
	ck_assert_uint_eq(t->tid, gettid());
	ck_assert_uint_eq(t->ppid, getppid());
	ck_assert_uint_eq(t->uid, getuid());
	ck_assert_uint_eq(t->netns_ino, self_netns());
	if (cg)
		ck_assert_uint_eq(t->cgroup_id, cg);
	ck_assert_str_eq(t->comm, comm);
	ck_assert_uint_ge(t->ts_ns, t0);
	ck_assert_uint_le(t->ts_ns, t1);
	/* /proc's starttime is start_boottime / (NSEC_PER_SEC / USER_HZ) */
	ck_assert_uint_eq(t->start_ns / (1000000000ull / sysconf(_SC_CLK_TCK)),
			  proc_starttime(getpid()));
}

static void check_fdinfo_file(const struct pt_fdinfo *fi, int fd, __u8 kind)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(fi->kind, kind);
	ck_assert_uint_eq(fi->dev, kdev(st.st_dev));
	ck_assert_uint_eq(fi->ino, st.st_ino);
}

/* Local and remote of socket fd as getsockname/getpeername report them. */
static void check_fdinfo_sock(const struct pt_fdinfo *fi, int fd, int type, int proto, int connected)
{
	struct sockaddr_storage la, ra;
	socklen_t ll = sizeof(la), rl = sizeof(ra);
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(fi->kind, PT_FK_SOCKET);
	ck_assert_uint_eq(fi->dev, kdev(st.st_dev));
	ck_assert_uint_eq(fi->ino, st.st_ino);
	ck_assert_uint_eq(fi->type, type);
	ck_assert_uint_eq(fi->proto, proto);
	ck_assert_uint_eq(fi->sk_netns_ino, self_netns());
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&la, &ll), 0);
	ck_assert_uint_eq(fi->family, la.ss_family);
	if (la.ss_family == AF_INET) {
		struct sockaddr_in *l = (void *)&la;

		ck_assert_mem_eq(fi->laddr, &l->sin_addr, 4);
		ck_assert_uint_eq(fi->lport, ntohs(l->sin_port));
	} else if (la.ss_family == AF_INET6) {
		struct sockaddr_in6 *l = (void *)&la;

		ck_assert_mem_eq(fi->laddr, &l->sin6_addr, 16);
		ck_assert_uint_eq(fi->lport, ntohs(l->sin6_port));
	}
	if (!connected) {
		static const __u8 zero[16];

		ck_assert_mem_eq(fi->raddr, zero, 16);
		ck_assert_uint_eq(fi->rport, 0);
		return;
	}
	ck_assert_int_eq(getpeername(fd, (struct sockaddr *)&ra, &rl), 0);
	if (ra.ss_family == AF_INET) {
		struct sockaddr_in *r = (void *)&ra;

		ck_assert_mem_eq(fi->raddr, &r->sin_addr, 4);
		ck_assert_uint_eq(fi->rport, ntohs(r->sin_port));
	} else if (ra.ss_family == AF_INET6) {
		struct sockaddr_in6 *r = (void *)&ra;

		ck_assert_mem_eq(fi->raddr, &r->sin6_addr, 16);
		ck_assert_uint_eq(fi->rport, ntohs(r->sin6_port));
	}
}

/* nftw: remove one entry of tmpdir (deepest first) */
static int rm_tmp(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	remove(path);
	return 0;
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s.%d", tmpdir, name, getpid());
}

static struct sockaddr_in lo4(__u16 port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static __u16 port_of(int fd)
{
	struct sockaddr_storage a;
	socklen_t l = sizeof(a);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	return a.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&a)->sin_port) :
					ntohs(((struct sockaddr_in6 *)&a)->sin6_port);
}

/* ---- FD-table calls ---- */

START_TEST(open_family)
{
	char path[256], path2[256], missing[256];
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	const struct pt_sys *s;
	int fd1, fd2, fd3, fd4, enoent;
	__u64 t0, t1;

	env_up(NULL);
	tmp_path(path, sizeof(path), "open");
	tmp_path(path2, sizeof(path2), "creat");
	tmp_path(missing, sizeof(missing), "missing/none");
	drain();
	t0 = boottime_ns();
	fd1 = syscall(SYS_open, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	fd2 = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY, 0);
	fd3 = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	fd4 = syscall(SYS_creat, path2, 0640);
	enoent = syscall(SYS_open, missing, O_RDONLY, 0);
	t1 = boottime_ns();
	ck_assert_int_ge(fd1, 0);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_ge(fd3, 0);
	ck_assert_int_ge(fd4, 0);
	ck_assert_int_eq(enoent, -1);
	drain();

	s = sys_nth(PT_CALL_OPEN, gettid(), 0);
	ck_assert_ptr_nonnull(s);
	check_self_task(&s->task, t0, t1);
	ck_assert_int_eq(s->ret, fd1);
	ck_assert_int_eq(s->fd, -1);
	ck_assert_int_eq(s->newfd, fd1);
	ck_assert_int_eq(s->newfd2, -1);
	ck_assert_uint_eq(s->flags, PT_SF_CLOEXEC);
	ck_assert_uint_eq(s->arg[0], O_RDWR | O_CREAT | O_CLOEXEC);
	ck_assert_uint_eq(s->arg[1], 0600);
	ck_assert_int_eq((__s64)s->arg[2], AT_FDCWD);
	ck_assert_uint_eq(s->data_len, strlen(path) + 1);
	ck_assert_uint_eq(s->len, sizeof(*s) + s->data_len);
	ck_assert_str_eq((const char *)(s + 1), path);
	check_fdinfo_file(&s->info, fd1, PT_FK_FILE);
	ck_assert_uint_eq(s->info.pos, 0);

	s = sys_nth(PT_CALL_OPEN, gettid(), 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->ret, -ENOENT);
	ck_assert_int_eq(s->newfd, -1);
	ck_assert_uint_eq(s->flags, 0);
	ck_assert_str_eq((const char *)(s + 1), missing);
	ck_assert_uint_eq(s->info.kind, PT_FK_NONE);

	s = sys_one(PT_CALL_OPENAT);
	ck_assert_int_eq(s->newfd, fd2);
	ck_assert_uint_eq(s->flags, 0);
	ck_assert_uint_eq(s->arg[0], O_RDONLY);
	ck_assert_int_eq((__s64)s->arg[2], AT_FDCWD);
	ck_assert_str_eq((const char *)(s + 1), path);
	check_fdinfo_file(&s->info, fd2, PT_FK_FILE);

	s = sys_one(PT_CALL_OPENAT2);
	ck_assert_int_eq(s->newfd, fd3);
	ck_assert_uint_eq(s->flags, PT_SF_CLOEXEC);
	ck_assert_uint_eq(s->arg[0], O_RDONLY | O_CLOEXEC);
	ck_assert_uint_eq(s->arg[1], 0);
	ck_assert_str_eq((const char *)(s + 1), path);

	s = sys_one(PT_CALL_CREAT);
	ck_assert_int_eq(s->newfd, fd4);
	ck_assert_uint_eq(s->arg[0], O_CREAT | O_WRONLY | O_TRUNC);
	ck_assert_uint_eq(s->arg[1], 0640);
	ck_assert_str_eq((const char *)(s + 1), path2);
	check_fdinfo_file(&s->info, fd4, PT_FK_FILE);

	close(fd1);
	close(fd2);
	close(fd3);
	close(fd4);
	unlink(path);
	unlink(path2);
	check_counters();
	env_down();
}
END_TEST

START_TEST(dup_fcntl_close)
{
	int fd, d1, d2, d3, d4, p[2], p2[2], r;
	const struct pt_sys *s;
	struct pt_fdinfo devnull;

	env_up(NULL);
	fd = open("/dev/null", O_WRONLY);
	ck_assert_int_ge(fd, 0);
	drain();
	d1 = syscall(SYS_dup, fd);
	d2 = syscall(SYS_dup2, fd, 100);
	d3 = syscall(SYS_dup3, fd, 101, O_CLOEXEC);
	d4 = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 200);
	ck_assert_int_eq(syscall(SYS_fcntl, d4, F_SETFD, 0), 0);
	ck_assert_int_ge(syscall(SYS_fcntl, fd, F_GETFL), 0);	/* not recorded */
	ck_assert_int_eq(syscall(SYS_ioctl, d4, FIOCLEX), 0);
	ck_assert_int_eq(syscall(SYS_ioctl, d4, FIONCLEX), 0);
	ck_assert_int_eq(syscall(SYS_ioctl, d4, FIONREAD, &r), -1);	/* not recorded, nor its error */
	ck_assert_int_eq(syscall(SYS_pipe, p), 0);
	ck_assert_int_eq(syscall(SYS_pipe2, p2, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(syscall(SYS_close, d1), 0);
	r = syscall(SYS_close, -1);
	ck_assert_int_eq(syscall(SYS_close_range, 100, 101, 0), 0);
	drain();
	ck_assert_int_eq(r, -1);

	s = sys_one(PT_CALL_DUP);
	ck_assert_int_eq(s->fd, fd);
	ck_assert_int_eq(s->newfd, d1);
	ck_assert_int_eq(s->ret, d1);
	ck_assert_uint_eq(s->flags, 0);
	check_fdinfo_file(&s->info, fd, PT_FK_CHR);
	devnull = s->info;

	s = sys_one(PT_CALL_DUP2);
	ck_assert_int_eq(s->fd, fd);
	ck_assert_int_eq(s->newfd, 100);
	ck_assert_int_eq(s->ret, d2);
	ck_assert_uint_eq(s->info.ino, devnull.ino);

	s = sys_one(PT_CALL_DUP3);
	ck_assert_int_eq(s->fd, fd);
	ck_assert_int_eq(s->newfd, 101);
	ck_assert_int_eq(s->ret, d3);
	ck_assert_uint_eq(s->arg[0], O_CLOEXEC);
	ck_assert_uint_eq(s->flags, PT_SF_CLOEXEC);

	s = sys_nth(PT_CALL_FCNTL, gettid(), 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->fd, fd);
	ck_assert_int_eq(s->newfd, d4);
	ck_assert_int_ge(d4, 200);
	ck_assert_uint_eq(s->arg[0], F_DUPFD_CLOEXEC);
	ck_assert_uint_eq(s->arg[1], 200);
	ck_assert_uint_eq(s->flags, PT_SF_CLOEXEC);
	ck_assert_uint_eq(s->info.ino, devnull.ino);
	s = sys_nth(PT_CALL_FCNTL, gettid(), 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->fd, d4);
	ck_assert_int_eq(s->newfd, -1);
	ck_assert_uint_eq(s->arg[0], F_SETFD);
	ck_assert_uint_eq(s->arg[1], 0);
	ck_assert_int_eq(s->ret, 0);
	ck_assert_ptr_null(sys_nth(PT_CALL_FCNTL, gettid(), 2));	/* F_GETFL */

	/* the close-on-exec bit by ioctl: both, and nothing of FIONREAD */
	s = sys_nth(PT_CALL_IOCTL, gettid(), 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->fd, d4);
	ck_assert_uint_eq(s->arg[0], FIOCLEX);
	ck_assert_int_eq(s->ret, 0);
	ck_assert_uint_eq(s->info.ino, devnull.ino);
	s = sys_nth(PT_CALL_IOCTL, gettid(), 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->fd, d4);
	ck_assert_uint_eq(s->arg[0], FIONCLEX);
	ck_assert_ptr_null(sys_nth(PT_CALL_IOCTL, gettid(), 2));

	s = sys_one(PT_CALL_PIPE);
	ck_assert_int_eq(s->ret, 0);
	ck_assert_int_eq(s->newfd, p[0]);
	ck_assert_int_eq(s->newfd2, p[1]);
	ck_assert_uint_eq(s->flags, 0);
	check_fdinfo_file(&s->info, p[0], PT_FK_PIPE);

	s = sys_one(PT_CALL_PIPE2);
	ck_assert_int_eq(s->newfd, p2[0]);
	ck_assert_int_eq(s->newfd2, p2[1]);
	ck_assert_uint_eq(s->arg[0], O_CLOEXEC | O_NONBLOCK);
	ck_assert_uint_eq(s->flags, PT_SF_CLOEXEC);
	check_fdinfo_file(&s->info, p2[0], PT_FK_PIPE);

	s = sys_nth(PT_CALL_CLOSE, gettid(), 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->fd, d1);
	ck_assert_int_eq(s->ret, 0);
	ck_assert_uint_eq(s->info.kind, PT_FK_CHR);	/* read before it was closed */
	ck_assert_uint_eq(s->info.ino, devnull.ino);
	s = sys_nth(PT_CALL_CLOSE, gettid(), 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->fd, -1);
	ck_assert_int_eq(s->ret, -EBADF);
	ck_assert_uint_eq(s->info.kind, PT_FK_NONE);

	s = sys_one(PT_CALL_CLOSE_RANGE);
	ck_assert_int_eq(s->fd, 100);
	ck_assert_int_eq(s->newfd2, 101);
	ck_assert_uint_eq(s->arg[0], 0);
	ck_assert_int_eq(s->ret, 0);
	ck_assert_int_eq(fcntl(100, F_GETFD), -1);

	check_counters();
	env_down();
}
END_TEST

/* ---- sockets ---- */

START_TEST(tcp4_stream)
{
	int srv, cli, acc, r1, r2, w1, w2;
	struct sockaddr_in sa, peer;
	socklen_t plen = sizeof(peer);
	const struct pt_sys *sock, *bnd, *lst, *con, *acp, *shd;
	const struct pt_data *dw1, *dw2, *dr1, *dr2, *dpk;
	char m1[] = "first message, 31 bytes long..", m2[] = "second";
	char buf[64];
	__u64 cookie = 0;
	socklen_t cl = sizeof(cookie);
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = 4096 };

	struct iovec mi[2] = { { "ab", 2 }, { "cde", 3 } };
	struct mmsghdr mm[2];
	const struct rec *mr;

	memset(mm, 0, sizeof(mm));
	mm[0].msg_hdr.msg_iov = &mi[0];
	mm[0].msg_hdr.msg_iovlen = 1;
	mm[1].msg_hdr.msg_iov = &mi[1];
	mm[1].msg_hdr.msg_iovlen = 1;
	cfg.root_pid = getpid();
	env_up(&cfg);
	drain();
	srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(srv, 0);
	sa = lo4(0);
	ck_assert_int_eq(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(srv, 7), 0);
	sa.sin_port = htons(port_of(srv));
	cli = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	ck_assert_int_eq(connect(cli, (struct sockaddr *)&sa, sizeof(sa)), 0);
	acc = accept4(srv, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	ck_assert_int_ge(acc, 0);
	w1 = write(cli, m1, strlen(m1));
	w2 = write(cli, m2, strlen(m2));
	ck_assert_int_eq(w1, (int)strlen(m1));
	ck_assert_int_eq(w2, (int)strlen(m2));
	ck_assert_int_eq(recv(acc, buf, 5, MSG_PEEK), 5);
	r1 = read(acc, buf, strlen(m1));
	r2 = read(acc, buf + r1, sizeof(buf) - r1);
	ck_assert_int_eq(r1, (int)strlen(m1));
	ck_assert_int_eq(r2, (int)strlen(m2));
	/* sendmmsg on a stream: each message has its own sequence range */
	ck_assert_int_eq(sendmmsg(cli, mm, 2, 0), 2);
	ck_assert_int_eq(recv(acc, buf, 5, MSG_WAITALL), 5);
	ck_assert_int_eq(getsockopt(acc, SOL_SOCKET, SO_COOKIE, &cookie, &cl), 0);
	ck_assert_int_eq(shutdown(acc, SHUT_WR), 0);
	drain();

	sock = sys_nth(PT_CALL_SOCKET, gettid(), 0);
	ck_assert_ptr_nonnull(sock);
	ck_assert_int_eq(sock->newfd, srv);
	ck_assert_uint_eq(sock->arg[0], AF_INET);
	ck_assert_uint_eq(sock->arg[1], SOCK_STREAM | SOCK_CLOEXEC);
	ck_assert_uint_eq(sock->arg[2], 0);
	ck_assert_uint_eq(sock->flags, PT_SF_CLOEXEC);
	ck_assert_uint_eq(sock->info.kind, PT_FK_SOCKET);
	ck_assert_uint_eq(sock->info.family, AF_INET);
	ck_assert_uint_eq(sock->info.proto, IPPROTO_TCP);
	ck_assert_uint_eq(sock->info.sk_state, 7 /* TCP_CLOSE */);
	sock = sys_nth(PT_CALL_SOCKET, gettid(), 1);
	ck_assert_ptr_nonnull(sock);
	ck_assert_int_eq(sock->newfd, cli);
	ck_assert_uint_eq(sock->arg[2], IPPROTO_TCP);
	ck_assert_uint_eq(sock->flags, 0);

	bnd = sys_one(PT_CALL_BIND);
	ck_assert_int_eq(bnd->fd, srv);
	ck_assert_int_eq(bnd->ret, 0);
	ck_assert_uint_eq(bnd->flags, PT_SF_ADDR);
	ck_assert_uint_eq(bnd->addr_family, AF_INET);
	ck_assert_uint_eq(bnd->port, 0);
	ck_assert_mem_eq(bnd->addr, &sa.sin_addr, 4);
	ck_assert_uint_eq(bnd->info.lport, ntohs(sa.sin_port));

	lst = sys_one(PT_CALL_LISTEN);
	ck_assert_int_eq(lst->fd, srv);
	ck_assert_uint_eq(lst->arg[0], 7);
	ck_assert_uint_eq(lst->info.sk_state, 10 /* TCP_LISTEN */);
	check_fdinfo_sock(&lst->info, srv, SOCK_STREAM, IPPROTO_TCP, 0);

	con = sys_one(PT_CALL_CONNECT);
	ck_assert_int_eq(con->fd, cli);
	ck_assert_int_eq(con->ret, 0);
	ck_assert_uint_eq(con->flags, PT_SF_ADDR);
	ck_assert_uint_eq(con->addr_family, AF_INET);
	ck_assert_uint_eq(con->port, ntohs(sa.sin_port));
	ck_assert_mem_eq(con->addr, &sa.sin_addr, 4);
	ck_assert_uint_eq(con->info.sk_state, 1 /* TCP_ESTABLISHED */);
	check_fdinfo_sock(&con->info, cli, SOCK_STREAM, IPPROTO_TCP, 1);

	acp = sys_one(PT_CALL_ACCEPT4);
	ck_assert_int_eq(acp->fd, srv);
	ck_assert_int_eq(acp->newfd, acc);
	ck_assert_int_eq(acp->ret, acc);
	ck_assert_uint_eq(acp->arg[0], SOCK_CLOEXEC);
	ck_assert_uint_eq(acp->flags, PT_SF_CLOEXEC | PT_SF_ADDR);
	ck_assert_uint_eq(acp->addr_family, AF_INET);
	ck_assert_uint_eq(acp->port, ntohs(peer.sin_port));
	ck_assert_mem_eq(acp->addr, &peer.sin_addr, 4);
	check_fdinfo_sock(&acp->info, acc, SOCK_STREAM, IPPROTO_TCP, 1);
	/* no data yet: each side's write_seq is what the other expects */
	ck_assert_uint_eq(acp->info.rcv_seq, con->info.snd_seq);
	ck_assert_uint_eq(acp->info.snd_seq, con->info.rcv_seq);

	dw1 = &data_nth(PT_CALL_WRITE, cli, getpid(), 0)->d;
	dw2 = &data_nth(PT_CALL_WRITE, cli, getpid(), 1)->d;
	ck_assert_uint_eq(dw1->dir, PT_DIR_OUT);
	ck_assert_int_eq(dw1->ret, w1);
	ck_assert_uint_eq(dw1->size, w1);
	ck_assert_int_eq(dw1->fd2, -1);
	ck_assert_int_eq(dw1->offset, -1);
	ck_assert_uint_eq(dw1->flags, send_flag);
	expect_content(dw1, m1, w1);
	expect_content(dw2, m2, w2);
	check_fdinfo_sock(&dw1->info, cli, SOCK_STREAM, IPPROTO_TCP, 1);
	ck_assert_uint_eq(dw1->info.snd_seq, con->info.snd_seq);
	ck_assert_uint_eq(dw2->info.snd_seq, dw1->info.snd_seq + w1);

	dr1 = &data_nth(PT_CALL_READ, acc, getpid(), 0)->d;
	dr2 = &data_nth(PT_CALL_READ, acc, getpid(), 1)->d;
	ck_assert_uint_eq(dr1->dir, PT_DIR_IN);
	ck_assert_uint_eq(dr1->size, r1);
	expect_content(dr1, m1, r1);
	expect_content(dr2, m2, r2);
	ck_assert_uint_eq(dr1->info.rcv_seq, acp->info.rcv_seq);
	ck_assert_uint_eq(dr2->info.rcv_seq, dr1->info.rcv_seq + r1);
	ck_assert_uint_eq(dr1->info.rcv_seq, dw1->info.snd_seq);
	mr = data_nth(PT_CALL_SENDMMSG, cli, getpid(), 0);
	ck_assert_ptr_nonnull(mr);
	ck_assert_uint_eq(mr->d.size, 2);
	ck_assert_uint_eq(mr->d.info.snd_seq, dw2->info.snd_seq + w2);
	expect_content(&mr->d, "ab", 2);
	mr = data_nth(PT_CALL_SENDMMSG, cli, getpid(), 1);
	ck_assert_ptr_nonnull(mr);
	ck_assert_uint_eq(mr->d.msg_index, 1);
	ck_assert_uint_eq(mr->d.info.snd_seq, dw2->info.snd_seq + w2 + 2);
	expect_content(&mr->d, "cde", 3);
	ck_assert_uint_eq(data_nth(PT_CALL_RECVFROM, acc, getpid(), 1)->d.info.rcv_seq,
			  dr2->info.rcv_seq + r2);
	/* MSG_PEEK consumes nothing: rcv_seq is not rewound */
	dpk = &data_nth(PT_CALL_RECVFROM, acc, getpid(), 0)->d;
	ck_assert_uint_eq(dpk->size, 5);
	ck_assert_uint_eq(dpk->info.rcv_seq, acp->info.rcv_seq);
	expect_content(dpk, m1, 5);

	shd = sys_one(PT_CALL_SHUTDOWN);
	ck_assert_int_eq(shd->fd, acc);
	ck_assert_uint_eq(shd->arg[0], SHUT_WR);
	ck_assert_uint_eq(shd->info.cookie, cookie);
	ck_assert_uint_ne(cookie, 0);
	ck_assert_uint_eq(dr1->info.cookie, 0);	/* not assigned before SO_COOKIE */

	close(acc);
	close(cli);
	close(srv);
	check_counters();
	env_down();
}
END_TEST

START_TEST(tcp6_and_refused)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in dead;
	const struct pt_sys *s;
	int srv, cli, acc, c4, rc, port;

	env_up(NULL);
	/* a port nobody listens on: bind, note it, close */
	c4 = socket(AF_INET, SOCK_STREAM, 0);
	dead = lo4(0);
	ck_assert_int_eq(bind(c4, (struct sockaddr *)&dead, sizeof(dead)), 0);
	port = port_of(c4);
	close(c4);
	dead.sin_port = htons(port);
	srv = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(srv, 1), 0);
	sa.sin6_port = htons(port_of(srv));
	drain();
	cli = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(cli, (struct sockaddr *)&sa, sizeof(sa)), 0);
	acc = syscall(SYS_accept, srv, NULL, NULL);
	ck_assert_int_ge(acc, 0);
	c4 = socket(AF_INET, SOCK_STREAM, 0);
	rc = connect(c4, (struct sockaddr *)&dead, sizeof(dead));
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	drain();

	s = sys_nth(PT_CALL_CONNECT, gettid(), 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->ret, 0);
	ck_assert_uint_eq(s->addr_family, AF_INET6);
	ck_assert_mem_eq(s->addr, &sa.sin6_addr, 16);
	ck_assert_uint_eq(s->port, ntohs(sa.sin6_port));
	check_fdinfo_sock(&s->info, cli, SOCK_STREAM, IPPROTO_TCP, 1);

	s = sys_one(PT_CALL_ACCEPT);
	ck_assert_int_eq(s->newfd, acc);
	ck_assert_uint_eq(s->flags, 0);	/* no sockaddr asked for */
	check_fdinfo_sock(&s->info, acc, SOCK_STREAM, IPPROTO_TCP, 1);

	s = sys_nth(PT_CALL_CONNECT, gettid(), 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->fd, c4);
	ck_assert_int_eq(s->ret, -ECONNREFUSED);
	ck_assert_uint_eq(s->flags, PT_SF_ADDR);
	ck_assert_uint_eq(s->addr_family, AF_INET);
	ck_assert_uint_eq(s->port, port);
	ck_assert_uint_eq(s->info.kind, PT_FK_SOCKET);
	ck_assert_uint_eq(s->info.sk_state, 7 /* TCP_CLOSE */);

	close(c4);
	close(acc);
	close(cli);
	close(srv);
	check_counters();
	env_down();
}
END_TEST

/* A connected loopback TCP pair: *cli and *acc, with the accept's record. */
static const struct pt_sys *tcp_pair(int *cli, int *acc)
{
	struct sockaddr_in sa = lo4(0);
	int srv = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(srv, 1), 0);
	sa.sin_port = htons(port_of(srv));
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(*cli, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*acc = accept(srv, NULL, NULL);
	ck_assert_int_ge(*acc, 0);
	close(srv);
	drain();
	return sys_one(PT_CALL_ACCEPT);
}

/*
 * Every kind of TCP send, one after the other on one connection: writev (3
 * iovecs), send, sendto, sendmsg (2 iovecs), sendfile from a file. Each is
 * placed in the stream exactly (its snd_seq is where the one before it ended),
 * with its content; under a send hook each of the first four is seen whole by
 * it (PT_DAF_SEQ_LOCKED), as write() is in tcp4_stream.
 */
START_TEST(tcp_send_calls)
{
	char a[] = "alpha-", b[] = "bravo-", c[] = "charlie", path[256], got[128];
	struct iovec wv[3] = { { a, 6 }, { b, 6 }, { c, 7 } }, mv[2] = { { "tan", 3 }, { "gent", 4 } };
	struct msghdr mh = { .msg_iov = mv, .msg_iovlen = 2 };
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = 4096 };
	const struct pt_sys *acp;
	const struct pt_data *d;
	const char *exp = "alpha-bravo-charlie" "hello" "to-peer" "tangent";
	char file[50];
	__u32 seq;
	int cli, acc, fd, i;

	for (i = 0; i < (int)sizeof(file); i++)
		file[i] = (char)('a' + i % 26);
	cfg.root_pid = getpid();
	env_up(&cfg);
	tmp_path(path, sizeof(path), "sendfile");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, file, sizeof(file)), (int)sizeof(file));
	acp = tcp_pair(&cli, &acc);
	seq = acp->info.rcv_seq;	/* the client's first byte */
	drain();
	ck_assert_int_eq(writev(cli, wv, 3), 19);
	ck_assert_int_eq(send(cli, "hello", 5, 0), 5);
	ck_assert_int_eq(sendto(cli, "to-peer", 7, 0, NULL, 0), 7);
	ck_assert_int_eq(sendmsg(cli, &mh, 0), 7);
	ck_assert_int_eq(sendfile(cli, fd, &(off_t){ 0 }, sizeof(file)), (int)sizeof(file));
	ck_assert_int_eq(recv(acc, got, 38 + sizeof(file), MSG_WAITALL), 38 + (int)sizeof(file));
	ck_assert_mem_eq(got, exp, 38);
	ck_assert_mem_eq(got + 38, file, sizeof(file));
	drain();

	d = data_one(PT_CALL_WRITEV, cli);
	ck_assert_uint_eq(d->size, 19);
	ck_assert_uint_eq(d->info.snd_seq, seq);
	ck_assert_uint_eq(d->flags, send_flag);
	expect_content(d, exp, 19);
	d = &data_nth(PT_CALL_SENDTO, cli, getpid(), 0)->d;	/* send(): the sendto syscall */
	ck_assert_uint_eq(d->size, 5);
	ck_assert_uint_eq(d->info.snd_seq, seq + 19);
	ck_assert_uint_eq(d->flags, send_flag);
	expect_content(d, "hello", 5);
	d = &data_nth(PT_CALL_SENDTO, cli, getpid(), 1)->d;
	ck_assert_uint_eq(d->size, 7);
	ck_assert_uint_eq(d->info.snd_seq, seq + 24);
	ck_assert_uint_eq(d->flags, send_flag);
	expect_content(d, "to-peer", 7);
	d = data_one(PT_CALL_SENDMSG, cli);
	ck_assert_uint_eq(d->size, 7);
	ck_assert_uint_eq(d->info.snd_seq, seq + 31);
	ck_assert_uint_eq(d->flags, send_flag);
	expect_content(d, "tangent", 7);
	d = data_one(PT_CALL_SENDFILE, cli);
	ck_assert_int_eq(d->fd2, fd);
	ck_assert_uint_eq(d->size, sizeof(file));
	ck_assert_uint_eq(d->info.snd_seq, seq + 38);
	/* to TCP through tcp_sendmsg_locked from 6.5 on (MSG_SPLICE_PAGES): send-tp (6.12+) sees it
	 * whole; before, do_tcp_sendpages, which no send hook sees */
	if (send_v->prog_id == PT_PROG_SEND_TP)
		ck_assert_uint_eq(d->flags, PT_DAF_NOCONTENT | PT_DAF_SEQ_LOCKED);
	else
		ck_assert_uint_eq(d->flags & ~(__u16)PT_DAF_SEQ_LOCKED, PT_DAF_NOCONTENT);
	ck_assert_uint_eq(d->captured, 0);

	close(cli);
	close(acc);
	close(fd);
	unlink(path);
	check_counters();
	env_down();
}
END_TEST

/* Wait (bounded) until fd's peer has shut down its side: its FIN is queued. */
static void wait_fin(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	int i;

	for (i = 0; i < 500; i++) {
		if (poll(&p, 1, 10) == 1 && (p.revents & POLLRDHUP))
			return;
	}
	ck_abort_msg("no FIN from the peer");
}

/*
 * A receive that returns the last bytes and consumes the peer's FIN: the
 * kernel counts the FIN in copied_seq, and rcv_seq must still be the first
 * byte's sequence number (not one more).
 */
START_TEST(tcp_recv_fin)
{
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = 64 };
	const struct pt_data *d;
	int cli, acc, cli2, acc2;
	__u32 isn1, isn2;
	char buf[100];

	cfg.root_pid = getpid();
	env_up(&cfg);
	/* 1: two reads, the second takes the last bytes and the FIN; then EOF */
	isn1 = tcp_pair(&cli, &acc)->info.rcv_seq;
	ck_assert_int_eq(write(cli, "abcd", 4), 4);
	ck_assert_int_eq(read(acc, buf, 2), 2);
	ck_assert_int_eq(shutdown(cli, SHUT_WR), 0);
	wait_fin(acc);
	ck_assert_int_eq(read(acc, buf, sizeof(buf)), 2);
	ck_assert_int_eq(read(acc, buf, sizeof(buf)), 0);
	drain();
	d = &data_nth(PT_CALL_READ, acc, getpid(), 0)->d;
	ck_assert_uint_eq(d->info.rcv_seq, isn1);
	expect_content(d, "ab", 2);
	d = &data_nth(PT_CALL_READ, acc, getpid(), 1)->d;
	ck_assert_uint_eq(d->size, 2);
	expect_content(d, "cd", 2);
	ck_assert_uint_eq(d->info.sk_state, 8 /* TCP_CLOSE_WAIT */);
	ck_assert_uint_eq(d->info.rcv_seq, isn1 + 2);	/* not isn1 + 3 */
	d = &data_nth(PT_CALL_READ, acc, getpid(), 2)->d;
	ck_assert_uint_eq(d->size, 0);
	ck_assert_uint_eq(d->info.rcv_seq, isn1 + 5);	/* EOF: copied_seq, FIN counted */
	/* 2: one read takes all the data and the FIN */
	isn2 = tcp_pair(&cli2, &acc2)->info.rcv_seq;
	ck_assert_int_eq(write(cli2, "xyz", 3), 3);
	ck_assert_int_eq(shutdown(cli2, SHUT_WR), 0);
	wait_fin(acc2);
	ck_assert_int_eq(read(acc2, buf, sizeof(buf)), 3);
	drain();
	d = data_one(PT_CALL_READ, acc2);
	expect_content(d, "xyz", 3);
	ck_assert_uint_eq(d->info.rcv_seq, isn2);
	close(cli2);
	close(acc2);
	close(cli);
	close(acc);
	check_counters();
	env_down();
}
END_TEST

/* Two threads writing one TCP socket at once (the other end drains it). */
#define HAMMER_N	1000	/* per thread: a few hundred interleave here; minutes under TCG at 3000 */
#define HAMMER_LEN	64

struct hammer {
	int fd;
	int id;
	int failed;
};

static pthread_barrier_t hammer_go;

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	char m[HAMMER_LEN];
	cpu_set_t cpus;
	int i;

	/* one CPU each (when there are two), so that the sends really overlap */
	CPU_ZERO(&cpus);
	CPU_SET(h->id, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	pthread_barrier_wait(&hammer_go);
	for (i = 0; i < HAMMER_N; i++) {
		memset(m, 'a' + h->id, sizeof(m));
		snprintf(m, sizeof(m), "t%d-%06d-", h->id, i);
		m[strlen(m)] = 'a' + h->id;
		if (write(h->fd, m, sizeof(m)) != (ssize_t)sizeof(m))
			h->failed = 1;
	}
	return NULL;
}

static char hammer_got[2 * HAMMER_N * HAMMER_LEN + 1];
static size_t hammer_len;

/*
 * Every write record either places its bytes exactly (the stream has its
 * content at snd_seq), or is marked PT_DAF_SEQ_UNCERTAIN with bounds that
 * hold its content: never a wrong offset without the mark.
 */
START_TEST(tcp_send_threads)
{
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = HAMMER_LEN };
	struct hammer h[2] = { { .id = 0 }, { .id = 1 } };
	int cli, acc, i, n = 0, unsure = 0, big = 4 << 20;
	char bad[256] = "";
	pthread_t th[2];
	ssize_t got;
	__u32 isn;

	cfg.root_pid = getpid();
	env_up_ring(&cfg, 64 << 20);
	isn = tcp_pair(&cli, &acc)->info.rcv_seq;
	/* no send may block (a blocked send lets the other's bytes in between its
	 * own): room for everything, read only at the end (in few records) */
	ck_assert_int_eq(setsockopt(cli, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big)), 0);
	ck_assert_int_eq(setsockopt(acc, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)), 0);
	h[0].fd = h[1].fd = cli;
	ck_assert_int_eq(pthread_barrier_init(&hammer_go, NULL, 2), 0);
	ck_assert_int_eq(pthread_create(&th[0], NULL, hammer_main, &h[0]), 0);
	ck_assert_int_eq(pthread_create(&th[1], NULL, hammer_main, &h[1]), 0);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	pthread_barrier_destroy(&hammer_go);
	ck_assert_int_eq(shutdown(cli, SHUT_WR), 0);
	hammer_len = 0;
	while ((got = read(acc, hammer_got + hammer_len, sizeof(hammer_got) - hammer_len)) > 0)
		hammer_len += (size_t)got;
	ck_assert_int_eq(h[0].failed + h[1].failed, 0);
	ck_assert_uint_eq(hammer_len, 2 * HAMMER_N * HAMMER_LEN);
	drain();
	/* no check assertion in the loop: a passing one is a traced write */
	for (i = 0; i < E.n && !bad[0]; i++) {
		const struct pt_data *d = &E.r[i].d;
		const char *c = (const char *)(d + 1);
		__u64 off, lo, hi;

		if (d->type != PT_REC_DATA || d->call != PT_CALL_WRITE || d->fd != cli)
			continue;
		n++;
		off = (__u32)(d->info.snd_seq - isn);
		if (d->size != HAMMER_LEN || d->cap_len != HAMMER_LEN) {
			snprintf(bad, sizeof(bad), "write record of %llu bytes, %u captured",
				 (unsigned long long)d->size, d->cap_len);
		} else if (!(d->flags & PT_DAF_SEQ_UNCERTAIN)) {
			if (d->flags != send_flag || d->seq_lo || off + HAMMER_LEN > hammer_len ||
			    memcmp(hammer_got + off, c, HAMMER_LEN))
				snprintf(bad, sizeof(bad), "write %.12s (flags %#x, seq_lo %u) placed at %llu, "
					 "where the stream has %.12s", c, d->flags, d->seq_lo,
					 (unsigned long long)off, off < hammer_len ? hammer_got + off : "");
		} else {
			unsure++;
			lo = (__u32)(d->seq_lo - isn);
			hi = off + HAMMER_LEN;
			if (lo >= off || hi > hammer_len || !memmem(hammer_got + lo, hi - lo, c, HAMMER_LEN))
				snprintf(bad, sizeof(bad), "write %.12s not within its bounds [%llu, %llu)", c,
					 (unsigned long long)lo, (unsigned long long)hi);
		}
	}
	ck_assert_msg(!bad[0], "%s", bad);
	ck_assert_int_eq(n, 2 * HAMMER_N);
	/* under the socket lock every write is placed exactly (none blocks: the
	 * buffers hold everything) */
	if (send_flag)
		ck_assert_msg(unsure == 0, "send hook %s: %d of %d writes marked uncertain", send_v->name, unsure, n);
	printf("tcp_send_threads (send hook %s): %d of %d writes interleaved with the other thread's (marked)\n",
	       send_v->name, unsure, n);
	close(cli);
	close(acc);
	check_counters();
	env_down();
}
END_TEST

/* Two threads writing 32 KiB messages to one socket whose send buffer is small: every write blocks
 * for room (the socket lock released), so the other's bytes may go in between its own. */
#define BLOCK_N		40	/* messages per thread */
#define BLOCK_LEN	32768	/* each: "tN-MMMM-HEAD" ... "-N-MMMM-TAIL" (tags of 16 bytes) */
#define BLOCK_TAG	16

static int block_running;	/* writers not done yet: the last one ends the stream */

static void *block_main(void *arg)
{
	struct hammer *h = arg;
	static char m[2][BLOCK_LEN + 1];	/* + the NUL snprintf puts after the tail tag */
	char *b = m[h->id];
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(h->id, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	pthread_barrier_wait(&hammer_go);
	for (int i = 0; i < BLOCK_N; i++) {
		memset(b, 'a' + h->id, BLOCK_LEN);
		snprintf(b, BLOCK_TAG + 1, "t%d-%04d-HEAD....", h->id, i);
		snprintf(b + BLOCK_LEN - BLOCK_TAG, BLOCK_TAG + 1, "....-%d-%04d-TAIL", h->id, i);
		if (write(h->fd, b, BLOCK_LEN) != BLOCK_LEN)
			h->failed = 1;
	}
	/* the reader reads to the end, however the writes went (a short one must not hang it) */
	if (__atomic_sub_fetch(&block_running, 1, __ATOMIC_SEQ_CST) == 0)
		shutdown(h->fd, SHUT_WR);
	return NULL;
}

static char block_got[2 * BLOCK_N * BLOCK_LEN];

/* Did the other writer's bytes go in between message c's first and last bytes in the stream? */
static bool split_in_stream(const char *c, size_t len)
{
	const char *h = memmem(block_got, len, c, BLOCK_TAG);
	const char *t = memmem(block_got, len, c + BLOCK_LEN - BLOCK_TAG, BLOCK_TAG);

	return !h || !t || t + BLOCK_TAG - h != BLOCK_LEN;
}

/*
 * Every write is placed exactly (its bytes at snd_seq in the stream), or
 * marked PT_DAF_SEQ_UNCERTAIN with a window [seq_lo, snd_seq + size) that
 * holds its first and last bytes, the last ones at its end with a send hook
 * (under the socket lock). A write the other's bytes split is always marked;
 * with send-tp only those are.
 */
START_TEST(tcp_send_threads_blocking)
{
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = BLOCK_LEN };
	struct hammer h[2] = { { .id = 0 }, { .id = 1 } };
	int cli, acc, i, n = 0, unsure = 0, small = 4096;
	struct timespec t0, t1;
	size_t len = 0;
	char bad[256] = "";
	pthread_t th[2];
	ssize_t got;
	__u32 isn;

	cfg.root_pid = getpid();
	env_up_ring(&cfg, 64 << 20);
	isn = tcp_pair(&cli, &acc)->info.rcv_seq;
	/* a small send buffer makes every write wait for room (for the ACKs of what it sent);
	 * the receive buffer stays large: a closed window would wait for the persist timer */
	ck_assert_int_eq(setsockopt(cli, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	h[0].fd = h[1].fd = cli;
	block_running = 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(pthread_barrier_init(&hammer_go, NULL, 2), 0);
	ck_assert_int_eq(pthread_create(&th[0], NULL, block_main, &h[0]), 0);
	ck_assert_int_eq(pthread_create(&th[1], NULL, block_main, &h[1]), 0);
	/* read as they write (the writers wait for this reader), to the end of the stream (a
	 * stream longer than expected fills block_got: then read asks for 0 bytes and ends too) */
	while ((got = read(acc, block_got + len, sizeof(block_got) - len < 4096 ? sizeof(block_got) - len : 4096)) > 0)
		len += (size_t)got;
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_barrier_destroy(&hammer_go);
	ck_assert_int_eq(h[0].failed + h[1].failed, 0);
	ck_assert_uint_eq(len, sizeof(block_got));
	drain();
	for (i = 0; i < E.n && !bad[0]; i++) {
		const struct pt_data *d = &E.r[i].d;
		static char c[BLOCK_LEN];
		__u64 off, lo, hi;

		if (d->type != PT_REC_DATA || d->call != PT_CALL_WRITE || d->fd != cli)
			continue;
		n++;
		off = (__u32)(d->info.snd_seq - isn);
		hi = off + BLOCK_LEN;
		if (d->size != BLOCK_LEN || d->captured != BLOCK_LEN ||
		    content_of(d, (__u8 *)c, sizeof(c)) != BLOCK_LEN) {
			snprintf(bad, sizeof(bad), "write record of %llu bytes, %llu captured",
				 (unsigned long long)d->size, (unsigned long long)d->captured);
		} else if (split_in_stream(c, len) &&
			   (d->flags & (PT_DAF_SEQ_UNCERTAIN | send_flag)) != (PT_DAF_SEQ_UNCERTAIN | send_flag)) {
			snprintf(bad, sizeof(bad), "write %.12s: split by the other's bytes in the stream, but flags %#x",
				 c, d->flags);
		} else if (!(d->flags & PT_DAF_SEQ_UNCERTAIN)) {
			if (d->flags != send_flag || d->seq_lo || hi > len || memcmp(block_got + off, c, BLOCK_LEN))
				snprintf(bad, sizeof(bad), "write %.12s (flags %#x) placed at %llu, where the stream "
					 "has %.12s", c, d->flags, (unsigned long long)off,
					 off < len ? block_got + off : "");
		} else if (send_v->prog_id == PT_PROG_SEND_TP && !split_in_stream(c, len)) {
			/* send-tp reads write_seq at the step that copies first: a write is
			 * uncertain only when it really was split (fentry reads it at the
			 * function's entry, before a wait for room, so marks more) */
			snprintf(bad, sizeof(bad), "write %.12s: whole in the stream at %lld, but marked uncertain "
				 "in [%lld, %llu)", c, (long long)((const char *)memmem(block_got, len, c, BLOCK_TAG) - block_got),
				 (long long)(__u32)(d->seq_lo - isn), (unsigned long long)hi);
		} else {
			unsure++;
			lo = (__u32)(d->seq_lo - isn);
			/* a send hook knows where the last bytes went (under the lock); at the
			 * syscall the window may be wider at that end too */
			if (lo >= off || hi > len || !memmem(block_got + lo, hi - lo, c, BLOCK_TAG) ||
			    (send_flag ? memcmp(block_got + hi - BLOCK_TAG, c + BLOCK_LEN - BLOCK_TAG, BLOCK_TAG) :
					 !memmem(block_got + lo, hi - lo, c + BLOCK_LEN - BLOCK_TAG, BLOCK_TAG)))
				snprintf(bad, sizeof(bad), "write %.12s: its window [%llu, %llu) does not hold its "
					 "first and last bytes where it must (there: %.16s / %.16s)", c, (unsigned long long)lo,
					 (unsigned long long)hi, lo < len ? block_got + lo : "", hi <= len ? block_got + hi - 16 : "");
		}
	}
	ck_assert_msg(!bad[0], "%s", bad);
	ck_assert_int_eq(n, 2 * BLOCK_N);
	printf("tcp_send_threads_blocking (send hook %s): %d of %d blocking writes overtaken (marked); "
	       "the writes took %ld ms\n", send_v->name, unsure, n,
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	close(cli);
	close(acc);
	check_counters();
	env_down();
}
END_TEST

START_TEST(udp_peers_and_msgs)
{
	int a, b, sp[2], n;
	struct sockaddr_in aa, ba, from;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in6 from6;
	socklen_t fl = sizeof(from);
	const struct pt_data *d;
	const struct pt_sys *s;
	char buf[256], x[] = "xx-", y[] = "yyyy-", z[] = "zzzzzz";
	struct iovec iov[3] = { { x, 3 }, { y, 5 }, { z, 6 } }, riov[3];
	char r0[4], r1[4], r2[64];
	struct msghdr mh = { 0 };
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = 1024 };
	int a6s, b6s;

	cfg.root_pid = getpid();
	env_up(&cfg);
	a = socket(AF_INET, SOCK_DGRAM, 0);
	b = socket(AF_INET, SOCK_DGRAM, 0);
	aa = lo4(0);
	ba = lo4(0);
	ck_assert_int_eq(bind(a, (struct sockaddr *)&aa, sizeof(aa)), 0);
	ck_assert_int_eq(bind(b, (struct sockaddr *)&ba, sizeof(ba)), 0);
	aa.sin_port = htons(port_of(a));
	ba.sin_port = htons(port_of(b));
	a6s = socket(AF_INET6, SOCK_DGRAM, 0);
	b6s = socket(AF_INET6, SOCK_DGRAM, 0);
	ck_assert_int_eq(bind(b6s, (struct sockaddr *)&a6, sizeof(a6)), 0);
	a6.sin6_port = htons(port_of(b6s));
	drain();

	ck_assert_int_eq(sendto(a, "hello", 5, 0, (struct sockaddr *)&ba, sizeof(ba)), 5);
	ck_assert_int_eq(recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 5);
	ck_assert_int_eq(sendto(a6s, "six", 3, 0, (struct sockaddr *)&a6, sizeof(a6)), 3);
	fl = sizeof(from6);
	ck_assert_int_eq(recvfrom(b6s, buf, sizeof(buf), 0, (struct sockaddr *)&from6, &fl), 3);
	mh.msg_name = &ba;
	mh.msg_namelen = sizeof(ba);
	mh.msg_iov = iov;
	mh.msg_iovlen = 3;
	ck_assert_int_eq(sendmsg(a, &mh, 0), 14);
	riov[0] = (struct iovec){ r0, sizeof(r0) };
	riov[1] = (struct iovec){ r1, sizeof(r1) };
	riov[2] = (struct iovec){ r2, sizeof(r2) };
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_iov = riov;
	mh.msg_iovlen = 3;
	ck_assert_int_eq(recvmsg(b, &mh, 0), 14);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	n = send(sp[0], "unix", 4, 0);
	ck_assert_int_eq(n, 4);
	drain();

	d = data_one(PT_CALL_SENDTO, a);
	ck_assert_uint_eq(d->flags, PT_DAF_ADDR);
	ck_assert_uint_eq(d->peer_family, AF_INET);
	ck_assert_uint_eq(d->peer_port, ntohs(ba.sin_port));
	ck_assert_mem_eq(d->peer_addr, &ba.sin_addr, 4);
	ck_assert_uint_eq(d->info.proto, IPPROTO_UDP);
	ck_assert_uint_eq(d->info.snd_seq, 0);
	check_fdinfo_sock(&d->info, a, SOCK_DGRAM, IPPROTO_UDP, 0);
	expect_content(d, "hello", 5);

	d = data_one(PT_CALL_RECVFROM, b);
	ck_assert_uint_eq(d->dir, PT_DIR_IN);
	ck_assert_uint_eq(d->flags, PT_DAF_ADDR);
	ck_assert_uint_eq(d->peer_family, AF_INET);
	ck_assert_uint_eq(d->peer_port, ntohs(aa.sin_port));
	ck_assert_mem_eq(d->peer_addr, &from.sin_addr, 4);
	expect_content(d, "hello", 5);

	d = data_one(PT_CALL_SENDTO, a6s);
	ck_assert_uint_eq(d->peer_family, AF_INET6);
	ck_assert_mem_eq(d->peer_addr, &a6.sin6_addr, 16);
	ck_assert_uint_eq(d->peer_port, ntohs(a6.sin6_port));
	ck_assert_uint_eq(d->info.family, AF_INET6);
	d = data_one(PT_CALL_RECVFROM, b6s);
	ck_assert_uint_eq(d->peer_family, AF_INET6);
	ck_assert_uint_eq(d->peer_port, ntohs(from6.sin6_port));
	ck_assert_uint_eq(d->peer_port, port_of(a6s));
	ck_assert_mem_eq(d->peer_addr, &from6.sin6_addr, 16);

	d = data_one(PT_CALL_SENDMSG, a);
	ck_assert_uint_eq(d->size, 14);
	ck_assert_uint_eq(d->flags, PT_DAF_ADDR);
	ck_assert_uint_eq(d->peer_port, ntohs(ba.sin_port));
	expect_content(d, "xx-yyyy-zzzzzz", 14);
	d = data_one(PT_CALL_RECVMSG, b);
	ck_assert_uint_eq(d->size, 14);
	ck_assert_uint_eq(d->flags, PT_DAF_ADDR);
	ck_assert_uint_eq(d->peer_port, ntohs(aa.sin_port));
	expect_content(d, "xx-yyyy-zzzzzz", 14);

	s = sys_one(PT_CALL_SOCKETPAIR);
	ck_assert_int_eq(s->newfd, sp[0]);
	ck_assert_int_eq(s->newfd2, sp[1]);
	ck_assert_uint_eq(s->arg[0], AF_UNIX);
	ck_assert_uint_eq(s->arg[1], SOCK_STREAM);
	ck_assert_uint_eq(s->info.family, AF_UNIX);
	ck_assert_uint_eq(s->info.type, SOCK_STREAM);
	check_fdinfo_file(&s->info, sp[0], PT_FK_SOCKET);
	/* send() is sendto() on x86_64 */
	d = data_one(PT_CALL_SENDTO, sp[0]);
	ck_assert_uint_eq(d->flags, 0);
	ck_assert_uint_eq(d->info.family, AF_UNIX);
	expect_content(d, "unix", 4);

	close(a);
	close(b);
	close(a6s);
	close(b6s);
	close(sp[0]);
	close(sp[1]);
	check_counters();
	env_down();
}
END_TEST

START_TEST(mmsg_vectors)
{
	int a, b, i;
	struct sockaddr_in ba, aa;
	struct sockaddr_in from[3];
	char *msgs[3] = { "one", "two-two", "three-three-three" };
	char rb[3][64];
	struct iovec iov[3], riov[3];
	struct mmsghdr mv[3], rv[3];
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = 1024 };

	cfg.root_pid = getpid();
	env_up(&cfg);
	a = socket(AF_INET, SOCK_DGRAM, 0);
	b = socket(AF_INET, SOCK_DGRAM, 0);
	aa = lo4(0);
	ba = lo4(0);
	ck_assert_int_eq(bind(a, (struct sockaddr *)&aa, sizeof(aa)), 0);
	ck_assert_int_eq(bind(b, (struct sockaddr *)&ba, sizeof(ba)), 0);
	ba.sin_port = htons(port_of(b));
	memset(mv, 0, sizeof(mv));
	memset(rv, 0, sizeof(rv));
	for (i = 0; i < 3; i++) {
		iov[i] = (struct iovec){ msgs[i], strlen(msgs[i]) };
		mv[i].msg_hdr.msg_iov = &iov[i];
		mv[i].msg_hdr.msg_iovlen = 1;
		mv[i].msg_hdr.msg_name = &ba;
		mv[i].msg_hdr.msg_namelen = sizeof(ba);
		riov[i] = (struct iovec){ rb[i], sizeof(rb[i]) };
		rv[i].msg_hdr.msg_iov = &riov[i];
		rv[i].msg_hdr.msg_iovlen = 1;
		rv[i].msg_hdr.msg_name = &from[i];
		rv[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	drain();
	ck_assert_int_eq(sendmmsg(a, mv, 3, 0), 3);
	ck_assert_int_eq(recvmmsg(b, rv, 3, MSG_WAITFORONE, NULL), 3);
	drain();

	for (i = 0; i < 3; i++) {
		const struct rec *r = data_nth(PT_CALL_SENDMMSG, a, getpid(), i);
		const struct rec *q = data_nth(PT_CALL_RECVMMSG, b, getpid(), i);

		ck_assert_ptr_nonnull(r);
		ck_assert_ptr_nonnull(q);
		ck_assert_uint_eq(r->d.msg_index, i);
		ck_assert_int_eq(r->d.ret, 3);
		ck_assert_uint_eq(r->d.size, strlen(msgs[i]));
		ck_assert_uint_eq(r->d.flags, PT_DAF_ADDR);
		ck_assert_uint_eq(r->d.peer_port, ntohs(ba.sin_port));
		expect_content(&r->d, msgs[i], strlen(msgs[i]));
		ck_assert_uint_eq(q->d.msg_index, i);
		ck_assert_uint_eq(q->d.size, rv[i].msg_len);
		ck_assert_uint_eq(q->d.flags, PT_DAF_ADDR);
		ck_assert_uint_eq(q->d.peer_port, port_of(a));
		expect_content(&q->d, msgs[i], strlen(msgs[i]));
		/* one call: one timestamp */
		ck_assert_uint_eq(r->d.task.ts_ns, data_nth(PT_CALL_SENDMMSG, a, getpid(), 0)->d.task.ts_ns);
	}
	ck_assert_ptr_null(data_nth(PT_CALL_SENDMMSG, a, getpid(), 3));
	close(a);
	close(b);
	check_counters();
	env_down();
}
END_TEST

/* ---- content ---- */

START_TEST(content_chunks_and_trunc)
{
	static char big[10000];
	char small[10] = "0123456789";
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = PT_CONTENT_MAX };
	const struct rec *r;
	int fd, i, nchunk = 0;
	struct pt_proc_stats st0, st1;

	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	cfg.root_pid = getpid();
	env_up(&cfg);
	fd = open("/dev/null", O_WRONLY);
	drain();
	ck_assert_int_eq(write(fd, big, sizeof(big)), (int)sizeof(big));
	ck_assert_int_eq(write(fd, small, sizeof(small)), (int)sizeof(small));
	drain();

	r = data_nth(PT_CALL_WRITE, fd, getpid(), 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->d.size, sizeof(big));
	ck_assert_uint_eq(r->d.captured, sizeof(big));
	ck_assert_uint_eq(r->d.cap_len, PT_CHUNK_MAX);
	ck_assert_uint_eq(r->size, sizeof(struct pt_data) + PT_CHUNK_MAX);
	ck_assert_uint_eq(r->d.flags, 0);
	for (i = 0; i < E.n; i++) {
		const struct rec *c = &E.r[i];

		if (c->h.type != PT_REC_CHUNK || c->c.ts_ns != r->d.task.ts_ns)
			continue;
		ck_assert_uint_eq(c->c.tid, r->d.task.tid);
		ck_assert_uint_eq(c->c.msg_index, 0);
		ck_assert_uint_eq(c->c.off, nchunk ? 8192 : 4096);
		ck_assert_uint_eq(c->size, sizeof(struct pt_chunk) + (nchunk ? 1808 : 4096));
		nchunk++;
	}
	ck_assert_int_eq(nchunk, 2);
	expect_content(&r->d, big, sizeof(big));
	check_fdinfo_file(&r->d.info, fd, PT_FK_CHR);

	/* a 10-byte write takes 10 bytes of content in the ring, not a chunk */
	r = data_nth(PT_CALL_WRITE, fd, getpid(), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->size, sizeof(struct pt_data) + 10);
	expect_content(&r->d, small, 10);

	/* truncation */
	st0 = stats(PT_PC_DATA);
	cfg.content_max = 100;
	set_cfg(&cfg);
	drain();
	ck_assert_int_eq(write(fd, big, 1000), 1000);
	drain();
	st1 = stats(PT_PC_DATA);
	r = data_nth(PT_CALL_WRITE, fd, getpid(), 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->d.size, 1000);
	ck_assert_uint_eq(r->d.flags, PT_DAF_TRUNC);
	ck_assert_uint_eq(r->size, sizeof(struct pt_data) + 100);
	expect_content(&r->d, big, 100);
	ck_assert_uint_ge(st1.trunc, st0.trunc + 1);

	/* metadata only */
	cfg.content_max = 0;
	set_cfg(&cfg);
	drain();
	ck_assert_int_eq(write(fd, big, 1000), 1000);
	drain();
	r = data_nth(PT_CALL_WRITE, fd, getpid(), 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->d.size, 1000);
	ck_assert_uint_eq(r->d.captured, 0);
	ck_assert_uint_eq(r->d.flags, 0);
	ck_assert_uint_eq(r->size, sizeof(struct pt_data));

	/* IPv4/IPv6 sockets only (provtap record): a write to /dev/null and one on a
	 * unix socket are metadata only, one on a TCP socket keeps its content */
	{
		int sv[2], cli, acc;
		char got[1000];

		cfg.content_max = 4096;
		cfg.content_flags = PT_CONTENT_INET;
		set_cfg(&cfg);
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		tcp_pair(&cli, &acc);
		drain();
		ck_assert_int_eq(write(fd, big, 1000), 1000);
		ck_assert_int_eq(write(sv[0], big, 1000), 1000);
		ck_assert_int_eq(read(sv[1], got, sizeof(got)), 1000);
		ck_assert_int_eq(write(cli, big, 1000), 1000);
		ck_assert_int_eq(recv(acc, got, sizeof(got), MSG_WAITALL), 1000);
		drain();
		r = data_nth(PT_CALL_WRITE, fd, getpid(), 0);
		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(r->d.size, 1000);
		ck_assert_uint_eq(r->d.captured, 0);
		ck_assert_uint_eq(r->d.flags, 0);
		ck_assert_uint_eq(r->size, sizeof(struct pt_data));
		for (i = 0; i < 2; i++) {
			r = data_nth(i ? PT_CALL_READ : PT_CALL_WRITE, sv[i], getpid(), 0);
			ck_assert_ptr_nonnull(r);
			ck_assert_uint_eq(r->d.size, 1000);
			ck_assert_uint_eq(r->d.captured, 0);
			ck_assert_uint_eq(r->d.flags, 0);
			ck_assert_uint_eq(r->size, sizeof(struct pt_data));
		}
		r = data_nth(PT_CALL_WRITE, cli, getpid(), 0);
		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(r->d.flags, send_flag);
		expect_content(&r->d, big, 1000);
		r = data_nth(PT_CALL_RECVFROM, acc, getpid(), 0);
		ck_assert_ptr_nonnull(r);
		expect_content(&r->d, big, 1000);
		close(sv[0]);
		close(sv[1]);
		close(cli);
		close(acc);
	}

	close(fd);
	check_counters();
	env_down();
}
END_TEST

/*
 * record's --content-max in the kernel (pt_proc_cfg.conn_content_max): a TCP
 * call that starts at or past the budget + PT_CONN_CONTENT_SLACK in its
 * direction is recorded whole but without content (PT_DAF_LIMIT); the calls
 * before it keep theirs. 100 exchanges of 4096 bytes each way with a budget
 * of 8192: the threshold 8192 + 131072 is the start of call 34 in both
 * directions, for both ends (the client's send estimate counts its SYN: 1
 * byte more, the same calls).
 */
START_TEST(tcp_conn_content_max)
{
	static char buf[4096], got[4096];
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = 4096, .conn_content_max = 8192 };
	int cli, acc, i, n, lim[4] = { 0 }, full[4] = { 0 };

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 13 + i / 7);
	cfg.root_pid = getpid();
	env_up(&cfg);
	tcp_pair(&cli, &acc);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(write(cli, buf, sizeof(buf)), (int)sizeof(buf));
		ck_assert_int_eq(recv(acc, got, sizeof(got), MSG_WAITALL), (int)sizeof(got));
		ck_assert_int_eq(write(acc, buf, sizeof(buf)), (int)sizeof(buf));
		ck_assert_int_eq(recv(cli, got, sizeof(got), MSG_WAITALL), (int)sizeof(got));
	}
	drain();
	ck_assert_int_eq(E.lost, 0);
	for (i = 0; i < 100; i++) {
		static const char *const what[4] = { "client write", "server recv", "server write", "client recv" };
		const struct rec *c[4] = {
			data_nth(PT_CALL_WRITE, cli, getpid(), i), data_nth(PT_CALL_RECVFROM, acc, getpid(), i),
			data_nth(PT_CALL_WRITE, acc, getpid(), i), data_nth(PT_CALL_RECVFROM, cli, getpid(), i),
		};

		for (n = 0; n < 4; n++) {
			const struct pt_data *d;

			ck_assert_msg(c[n], "exchange %d: no %s", i, what[n]);
			d = &c[n]->d;
			ck_assert_uint_eq(d->size, sizeof(buf));
			if (i < 34) {
				ck_assert_msg(!(d->flags & PT_DAF_LIMIT), "%s %d: flags %#x", what[n], i, d->flags);
				expect_content(d, buf, sizeof(buf));
				full[n]++;
			} else {
				ck_assert_msg(d->flags & PT_DAF_LIMIT, "%s %d: flags %#x", what[n], i, d->flags);
				ck_assert_uint_eq(d->captured, 0);
				ck_assert_uint_eq(d->cap_len, 0);
				lim[n]++;
			}
		}
	}
	for (n = 0; n < 4; n++) {
		ck_assert_int_eq(full[n], 34);
		ck_assert_int_eq(lim[n], 66);
	}

	/* no budget, and one near 2^64 (budget + slack would wrap): every call keeps its content */
	for (int k = 0; k < 2; k++) {
		cfg.conn_content_max = k ? ~0ull - 1000 : 0;
		set_cfg(&cfg);
		drain();
		ck_assert_int_eq(write(cli, buf, sizeof(buf)), (int)sizeof(buf));
		ck_assert_int_eq(recv(acc, got, sizeof(got), MSG_WAITALL), (int)sizeof(got));
		drain();
		expect_content(&data_one(PT_CALL_WRITE, cli)[0], buf, sizeof(buf));
		expect_content(&data_one(PT_CALL_RECVFROM, acc)[0], buf, sizeof(buf));
	}
	close(cli);
	close(acc);
	check_counters();
	env_down();
}
END_TEST

/* The CHUNKs of d that end its content (PT_CHF_*): how many, the last one's flags and off. */
static int content_ends(const struct pt_data *d, __u8 *flags, __u64 *off)
{
	int i, n = 0;

	for (i = 0; i < E.n; i++) {
		const struct rec *r = &E.r[i];

		if (r->h.type != PT_REC_CHUNK || r->c.tid != d->task.tid || r->c.ts_ns != d->task.ts_ns ||
		    r->c.msg_index != d->msg_index || !r->c.flags)
			continue;
		ck_assert_uint_eq(r->c.len, sizeof(struct pt_chunk));
		*flags = r->c.flags;
		*off = r->c.off;
		n++;
	}
	return n;
}

/*
 * Content past the first PT_CONTENT_MAX bytes of a call (provtap record asks
 * for up to PT_CALL_CONTENT_MAX): read in windows after the DATA record, every
 * byte in order; a longer call is cut at PT_CALL_CONTENT_MAX; a fault or the
 * iovec limit in a later window ends the content with a CHUNK that says where
 * and why.
 */
START_TEST(content_windows)
{
	static __u8 big[2 * PT_CALL_CONTENT_MAX];
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = PT_CALL_CONTENT_MAX };
	long pg = sysconf(_SC_PAGESIZE);
	struct pt_proc_stats c0, c1;
	struct iovec iv[40];
	const struct rec *r;
	__u8 fl = 0, *p;
	__u64 off = 0;
	int fd, i;

	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (__u8)(i * 31 + i / 4093);
	cfg.root_pid = getpid();
	env_up(&cfg);
	fd = open("/dev/null", O_WRONLY);
	drain();
	ck_assert_int_eq(write(fd, big, 300 << 10), 300 << 10);
	ck_assert_int_eq(write(fd, big, sizeof(big)), (int)sizeof(big));
	drain();
	ck_assert_int_eq(E.lost, 0);
	r = data_nth(PT_CALL_WRITE, fd, getpid(), 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->d.flags, 0);
	expect_content(&r->d, big, 300 << 10);
	ck_assert_int_eq(content_ends(&r->d, &fl, &off), 0);
	r = data_nth(PT_CALL_WRITE, fd, getpid(), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->d.size, sizeof(big));
	ck_assert_uint_eq(r->d.flags, PT_DAF_TRUNC);
	expect_content(&r->d, big, PT_CALL_CONTENT_MAX);

	/* a fault in the second window: 100 KiB of 300 are present (/dev/null does not touch them) */
	p = mmap(NULL, 300 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq((100 << 10) % pg, 0);
	memcpy(p, big, 100 << 10);
	c0 = stats(PT_PC_CHUNK);
	drain();
	ck_assert_int_eq(write(fd, p, 300 << 10), 300 << 10);
	drain();
	c1 = stats(PT_PC_CHUNK);
	r = data_nth(PT_CALL_WRITE, fd, getpid(), 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->d.flags, 0);
	ck_assert_uint_eq(r->d.captured, 300 << 10);	/* announced: the first window was whole */
	ck_assert_int_eq(content_ends(&r->d, &fl, &off), 1);
	ck_assert_uint_eq(fl, PT_CHF_FAULT);
	ck_assert_uint_eq(off, 100 << 10);
	{
		static __u8 got[PT_CALL_CONTENT_MAX];

		ck_assert_uint_eq(content_of(&r->d, got, sizeof(got)), 100 << 10);
		ck_assert_mem_eq(got, big, 100 << 10);
	}
	ck_assert_uint_eq(c1.fault, c0.fault + 1);
	munmap(p, 300 << 10);

	/* 40 iovecs of 4 KiB: the third window starts at iovec 33, past PT_IOV_MAX */
	for (i = 0; i < 40; i++)
		iv[i] = (struct iovec){ big + i * 4096, 4096 };
	c0 = stats(PT_PC_CHUNK);
	drain();
	ck_assert_int_eq(writev(fd, iv, 40), 40 * 4096);
	drain();
	c1 = stats(PT_PC_CHUNK);
	r = data_nth(PT_CALL_WRITEV, fd, getpid(), 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->d.flags, 0);
	ck_assert_int_eq(content_ends(&r->d, &fl, &off), 1);
	ck_assert_uint_eq(fl, PT_CHF_IOV);
	ck_assert_uint_eq(off, PT_IOV_MAX * 4096);
	ck_assert_uint_eq(c1.trunc, c0.trunc + 1);
	close(fd);
	check_counters();
	env_down();
}
END_TEST

/* A ring too small for a full DATA record: the loss is counted, and the
 * record's CHUNKs are counted lost with it instead of written. */
START_TEST(ring_full)
{
	static char big[10000];
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = PT_CONTENT_MAX };
	struct pt_proc_stats d0, d1, c0, c1;
	const struct rec *r;
	int fd;

	memset(big, 'b', sizeof(big));	/* untouched pages would fault (see content_fault) */
	cfg.root_pid = getpid();
	/* the ring fills while attaching (nobody consumes yet): counted too */
	env_up_ring(&cfg, 4096);
	fd = open("/dev/null", O_WRONLY);
	drain();
	d0 = stats(PT_PC_DATA);
	c0 = stats(PT_PC_CHUNK);
	drain();
	ck_assert_int_eq(write(fd, big, sizeof(big)), (int)sizeof(big));
	ck_assert_int_eq(write(fd, "0123456789", 10), 10);
	drain();
	d1 = stats(PT_PC_DATA);
	c1 = stats(PT_PC_CHUNK);
	ck_assert_uint_eq(d1.ring_fail, d0.ring_fail + 1);
	ck_assert_uint_eq(c1.ring_fail, c0.ring_fail + 2);
	ck_assert_uint_eq(c1.emitted, c0.emitted);
	ck_assert_ptr_null(data_nth(PT_CALL_WRITE, fd, getpid(), 1));
	r = data_nth(PT_CALL_WRITE, fd, getpid(), 0);
	ck_assert_ptr_nonnull(r);
	expect_content(&r->d, "0123456789", 10);
	close(fd);
	check_counters_ex(1);
	env_down();
}
END_TEST

/*
 * Content the probe cannot read: a write of never-touched anonymous memory to
 * /dev/null (which does not read its buffer, so the pages are never faulted
 * in, and bpf_probe_read_user cannot fault them in): PT_DAF_FAULT, captured
 * = the readable prefix.
 */
START_TEST(content_fault)
{
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = PT_CONTENT_MAX };
	long pg = sysconf(_SC_PAGESIZE);
	struct pt_proc_stats s0, s1;
	const struct rec *r;
	__u8 *p;
	int fd;

	cfg.root_pid = getpid();
	env_up(&cfg);
	p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	memset(p, 'f', pg);		/* only the first page is present */
	fd = open("/dev/null", O_WRONLY);
	s0 = stats(PT_PC_DATA);
	drain();
	ck_assert_int_eq(write(fd, p + pg, pg), pg);
	ck_assert_int_eq(write(fd, p, 2 * pg), 2 * pg);
	drain();
	s1 = stats(PT_PC_DATA);
	r = data_nth(PT_CALL_WRITE, fd, getpid(), 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->d.size, pg);
	ck_assert_uint_eq(r->d.flags, PT_DAF_FAULT);
	ck_assert_uint_eq(r->d.captured, 0);
	ck_assert_uint_eq(r->size, sizeof(struct pt_data));
	r = data_nth(PT_CALL_WRITE, fd, getpid(), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->d.size, 2 * pg);
	ck_assert_uint_eq(r->d.flags, PT_DAF_FAULT);
	expect_content(&r->d, p, pg);
	ck_assert_uint_eq(s1.fault, s0.fault + 2);
	munmap(p, 3 * pg);
	close(fd);
	check_counters();
	env_down();
}
END_TEST

START_TEST(iovec_pread_sendfile)
{
	char a[] = "alpha-", b[] = "bravo-", c[] = "charlie";
	struct iovec wv[3] = { { a, 6 }, { b, 6 }, { c, 7 } }, rv[3];
	char r0[5], r1[5], r2[32], path[256], pbuf[8];
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_PIDTREE, .content_max = 4096 };
	const struct pt_data *d;
	int p[2], fd, fdn;

	cfg.root_pid = getpid();
	env_up(&cfg);
	ck_assert_int_eq(pipe(p), 0);
	tmp_path(path, sizeof(path), "pread");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fdn = open("/dev/null", O_WRONLY);
	rv[0] = (struct iovec){ r0, 5 };
	rv[1] = (struct iovec){ r1, 5 };
	rv[2] = (struct iovec){ r2, sizeof(r2) };
	drain();
	ck_assert_int_eq(writev(p[1], wv, 3), 19);
	ck_assert_int_eq(readv(p[0], rv, 3), 19);
	ck_assert_int_eq(pwrite(fd, "0123456789", 10, 100), 10);
	ck_assert_int_eq(pread(fd, pbuf, 4, 103), 4);
	ck_assert_int_eq(sendfile(fdn, fd, NULL, 50), 50);
	drain();

	d = data_one(PT_CALL_WRITEV, p[1]);
	ck_assert_uint_eq(d->size, 19);
	ck_assert_uint_eq(d->dir, PT_DIR_OUT);
	expect_content(d, "alpha-bravo-charlie", 19);
	check_fdinfo_file(&d->info, p[1], PT_FK_PIPE);
	d = data_one(PT_CALL_READV, p[0]);
	ck_assert_uint_eq(d->size, 19);
	expect_content(d, "alpha-bravo-charlie", 19);

	d = data_one(PT_CALL_PWRITE64, fd);
	ck_assert_int_eq(d->offset, 100);
	ck_assert_uint_eq(d->info.pos, 0);	/* pwrite does not move f_pos */
	check_fdinfo_file(&d->info, fd, PT_FK_FILE);
	expect_content(d, "0123456789", 10);
	d = data_one(PT_CALL_PREAD64, fd);
	ck_assert_int_eq(d->offset, 103);
	ck_assert_uint_eq(d->size, 4);
	expect_content(d, "3456", 4);

	d = data_one(PT_CALL_SENDFILE, fdn);
	ck_assert_int_eq(d->fd2, fd);
	ck_assert_uint_eq(d->size, 50);
	ck_assert_uint_eq(d->flags, PT_DAF_NOCONTENT);
	ck_assert_uint_eq(d->captured, 0);
	ck_assert_uint_eq(d->cap_len, 0);
	ck_assert_uint_eq(d->info.kind, PT_FK_CHR);

	close(p[0]);
	close(p[1]);
	close(fd);
	close(fdn);
	unlink(path);
	check_counters();
	env_down();
}
END_TEST

/* A thread blocked in read() before the probes attach: its exit has no entry
 * ("core": PT_DAF_NOARGS; "btf" reads the arguments at exit). */
static int noargs_fd;
static long noargs_ret;
static pid_t noargs_tid;

static void *noargs_reader(void *arg)
{
	char buf[16];

	(void)arg;
	noargs_tid = gettid();
	noargs_ret = syscall(SYS_read, noargs_fd, buf, sizeof(buf));
	return NULL;
}

START_TEST(noargs_exit)
{
	pthread_t th;
	int p[2], i;
	const struct rec *r = NULL;
	struct pt_proc_stats st;
	char state = 0;

	ck_assert_int_eq(pipe(p), 0);
	noargs_fd = p[0];
	ck_assert_int_eq(pthread_create(&th, NULL, noargs_reader, NULL), 0);
	/* wait until the reader sleeps in read() */
	for (i = 0; i < 200 && state != 'S'; i++) {
		char path[64], buf[512], *s;
		FILE *f;

		usleep(10000);
		if (!noargs_tid)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", noargs_tid);
		f = fopen(path, "r");
		if (f && fgets(buf, sizeof(buf), f) && (s = strrchr(buf, ')')))
			state = s[2];
		if (f)
			fclose(f);
	}
	ck_assert_int_eq(state, 'S');
	env_up(NULL);
	drain();
	ck_assert_int_eq(write(p[1], "wake!", 5), 5);
	pthread_join(th, NULL);
	ck_assert_int_eq(noargs_ret, 5);
	drain();
	for (i = 0; i < E.n; i++)
		if (E.r[i].h.type == PT_REC_DATA && E.r[i].d.call == PT_CALL_READ &&
		    E.r[i].d.task.tid == (__u32)noargs_tid)
			r = &E.r[i];
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->d.ret, 5);
	ck_assert_uint_eq(r->d.captured, 0);
	st = stats(PT_PC_DATA);
	if (E.skel->rodata->pt_btf) {
		/* the arguments come from the registers at exit: nothing missing */
		ck_assert_uint_eq(r->d.flags, 0);
		ck_assert_int_eq(r->d.fd, noargs_fd);
		ck_assert_uint_eq(r->d.size, 5);
		check_fdinfo_file(&r->d.info, noargs_fd, PT_FK_PIPE);
		ck_assert_uint_eq(st.noargs, 0);
	} else {
		ck_assert_uint_eq(r->d.flags, PT_DAF_NOARGS);
		ck_assert_int_eq(r->d.fd, -1);
		ck_assert_uint_eq(st.noargs, 1);
	}
	close(p[0]);
	close(p[1]);
	check_counters();
	env_down();
}
END_TEST

/* ---- processes ---- */

START_TEST(fork_exec_exit)
{
	char *argv[] = { "/bin/true", "a1", "bb2", NULL };
	char *envp[] = { NULL };
	const struct pt_proc *f, *x, *e;
	const struct pt_sys *s;
	const char *data;
	pid_t c1, c2, c3;
	int st, i;
	__u64 fork_start = 0;

	env_up(NULL);
	drain();
	c1 = fork();
	if (c1 == 0) {
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(c1, &st, 0), c1);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	c2 = fork();
	if (c2 == 0)
		_exit(3);
	ck_assert_int_eq(waitpid(c2, &st, 0), c2);
	c3 = fork();
	if (c3 == 0) {
		pause();
		_exit(0);
	}
	kill(c3, SIGKILL);
	ck_assert_int_eq(waitpid(c3, &st, 0), c3);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(syscall(SYS_execve, "/nonexistent/prog", argv, envp), -1);
	drain();

	/* fork, from this thread */
	for (i = 0; (f = proc_nth(PT_PK_FORK, getpid(), i)); i++)
		if (f->child_pid == (__u32)c1)
			break;
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->task.tid, gettid());
	ck_assert_uint_eq(f->child_tid, c1);
	ck_assert_uint_eq(f->flags, 0);
	ck_assert_uint_eq(f->len, sizeof(*f));
	ck_assert_uint_ge(f->child_start_ns, f->task.start_ns);
	fork_start = f->child_start_ns;

	/* exec in the child */
	x = proc_nth(PT_PK_EXEC, c1, 0);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->task.tid, c1);
	ck_assert_uint_eq(x->task.ppid, getpid());
	ck_assert_uint_eq(x->task.start_ns, fork_start);
	ck_assert_str_eq(x->task.comm, "true");
	ck_assert_uint_eq(x->old_tid, c1);
	ck_assert_uint_eq(x->flags, 0);
	ck_assert_uint_eq(x->argc, 3);
	ck_assert_uint_eq(x->path_len, sizeof("/bin/true"));
	ck_assert_uint_eq(x->data_len, sizeof("/bin/true") + sizeof("/bin/true\0a1\0bb2"));
	ck_assert_uint_eq(x->len, sizeof(*x) + x->data_len);
	data = (const char *)(x + 1);
	ck_assert_mem_eq(data, "/bin/true\0/bin/true\0a1\0bb2", x->data_len);

	e = proc_nth(PT_PK_EXIT, c1, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->flags, PT_PRF_GROUP);
	ck_assert_int_eq(e->exit_code, 0);
	ck_assert_uint_eq(e->task.start_ns, fork_start);

	e = proc_nth(PT_PK_EXIT, c2, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->flags, PT_PRF_GROUP);
	ck_assert_int_eq(e->exit_code, 3 << 8);

	e = proc_nth(PT_PK_EXIT, c3, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->flags, PT_PRF_GROUP | PT_PRF_SIGNAL);
	ck_assert_int_eq(e->exit_code, SIGKILL);

	s = sys_one(PT_CALL_EXECVE);
	ck_assert_int_eq(s->ret, -ENOENT);
	ck_assert_str_eq((const char *)(s + 1), "/nonexistent/prog");
	ck_assert_int_eq((__s64)s->arg[2], AT_FDCWD);
	/* the successful execve is not a SYS record */
	ck_assert_ptr_null(sys_nth(PT_CALL_EXECVE, c1, 0));

	check_counters();
	env_down();
}
END_TEST

START_TEST(exec_argv_trunc)
{
	static char l1[600], l2[600];
	char *argv[] = { "/bin/true", l1, l2, NULL };
	char *envp[] = { NULL };
	const struct pt_proc *x;
	const char *data;
	pid_t c;
	int st;
	struct pt_proc_stats s0, s1;

	memset(l1, 'x', sizeof(l1) - 1);
	memset(l2, 'y', sizeof(l2) - 1);
	env_up(NULL);
	s0 = stats(PT_PC_PROC);
	drain();
	c = fork();
	if (c == 0) {
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(c, &st, 0), c);
	drain();
	s1 = stats(PT_PC_PROC);
	x = proc_nth(PT_PK_EXEC, c, 0);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->flags, PT_PRF_ARGV_TRUNC);
	ck_assert_uint_eq(x->data_len, x->path_len + PT_ARGV_MAX);
	ck_assert_uint_eq(x->argc, 3);	/* the last one cut */
	data = (const char *)(x + 1) + x->path_len;
	ck_assert_str_eq(data, "/bin/true");
	ck_assert_str_eq(data + 10, l1);
	ck_assert_uint_eq(strlen(data + 10 + 600), PT_ARGV_MAX - 10 - 600 - 1);
	ck_assert_uint_eq(s1.trunc, s0.trunc + 1);
	check_counters();
	env_down();
}
END_TEST

static int clone_fn(void *arg)
{
	(void)arg;
	return 0;
}

/* A process sharing our FD table (CLONE_FILES, not CLONE_THREAD). */
START_TEST(clone_files)
{
	static char stack[64 * 1024];
	const struct pt_proc *f = NULL, *e;
	pid_t c;
	int st, i;

	env_up(NULL);
	drain();
	c = clone(clone_fn, stack + sizeof(stack), CLONE_FILES | SIGCHLD, NULL);
	ck_assert_int_gt(c, 0);
	ck_assert_int_eq(waitpid(c, &st, 0), c);
	drain();
	for (i = 0; (f = proc_nth(PT_PK_FORK, getpid(), i)); i++)
		if (f->child_pid == (__u32)c)
			break;
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->flags, PT_PRF_SHARED_FILES);
	ck_assert_uint_eq(f->child_tid, c);
	e = proc_nth(PT_PK_EXIT, c, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->flags, PT_PRF_GROUP);
	check_counters();
	env_down();
}
END_TEST

static pid_t thr_tid;

static void *thr_main(void *arg)
{
	int fd = *(int *)arg;

	thr_tid = gettid();
	if (write(fd, "t", 1) != 1)
		return (void *)1;
	return NULL;
}

START_TEST(threads)
{
	pthread_t th;
	const struct pt_proc *f = NULL, *e;
	const struct rec *w;
	char path[64];
	int fd, i;

	env_up(NULL);
	fd = open("/dev/null", O_WRONLY);
	drain();
	ck_assert_int_eq(pthread_create(&th, NULL, thr_main, &fd), 0);
	pthread_join(th, NULL);
	/* join returns when the thread's tid is cleared (exit_mm); before 6.16
	 * sched_process_exit fires after that: wait until the task is gone */
	snprintf(path, sizeof(path), "/proc/self/task/%d", thr_tid);
	for (i = 0; i < 500 && access(path, F_OK) == 0; i++)
		usleep(2000);
	drain();
	for (i = 0; (f = proc_nth(PT_PK_FORK, getpid(), i)); i++)
		if (f->child_tid == (__u32)thr_tid)
			break;
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->flags, PT_PRF_THREAD | PT_PRF_SHARED_FILES);
	ck_assert_uint_eq(f->child_pid, getpid());
	ck_assert_uint_eq(f->child_start_ns, f->task.start_ns);
	w = data_nth(PT_CALL_WRITE, fd, getpid(), 0);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(w->d.task.tid, thr_tid);
	ck_assert_uint_eq(w->d.task.pid, getpid());
	ck_assert_uint_eq(w->d.task.start_ns, f->task.start_ns);
	for (i = 0; (e = proc_nth(PT_PK_EXIT, getpid(), i)); i++)
		if (e->task.tid == (__u32)thr_tid)
			break;
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->flags, 0);	/* not the last thread */
	ck_assert_int_eq(e->exit_code, 0);
	close(fd);
	check_counters();
	env_down();
}
END_TEST

/* ---- scope ---- */

/* A child forked before the probes attach (not in the tree) and one after. */
START_TEST(scope_pidtree)
{
	int go[2], fd, st;
	pid_t outside, inside, grand = 0;
	struct pt_proc_stats d0, d1;
	int gp[2];

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(gp), 0);
	fd = open("/dev/null", O_WRONLY);
	outside = fork();
	if (outside == 0) {
		char c;

		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (int i = 0; i < 5; i++)
			if (write(fd, "o", 1) != 1)
				_exit(1);
		_exit(0);
	}
	env_up(NULL);
	d0 = stats(PT_PC_DATA);
	inside = fork();
	if (inside == 0) {
		pid_t g = fork();

		if (g == 0) {
			if (write(fd, "g", 1) != 1)
				_exit(1);
			_exit(0);
		}
		if (write(gp[1], &g, sizeof(g)) != sizeof(g) || write(fd, "i", 1) != 1)
			_exit(1);
		waitpid(g, NULL, 0);
		_exit(0);
	}
	ck_assert_int_eq(read(gp[0], &grand, sizeof(grand)), sizeof(grand));
	ck_assert_int_eq(waitpid(inside, &st, 0), inside);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(outside, &st, 0), outside);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	drain();
	d1 = stats(PT_PC_DATA);
	ck_assert_int_eq(count_pid(outside), 0);
	ck_assert_uint_ge(d1.out_of_scope, d0.out_of_scope + 5);
	ck_assert_ptr_nonnull(data_nth(PT_CALL_WRITE, fd, inside, 0));
	ck_assert_ptr_nonnull(data_nth(PT_CALL_WRITE, fd, grand, 0));
	ck_assert_ptr_nonnull(proc_nth(PT_PK_EXIT, grand, 0));
	/* gone from the tree once exited */
	ck_assert_int_ne(bpf_map_lookup_elem(bpf_map__fd(E.skel->maps.pt_ptree), &grand, &(__u8){ 0 }), 0);
	close(fd);
	check_counters();
	env_down();
}
END_TEST

START_TEST(scope_comm_netns_cgroup_ignore)
{
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_COMM, .comm = "ptcommx" };
	__u32 me = getpid(), k = 0;
	__u8 one = 1;
	char cgdir[512] = "", sub[600];
	int fd, i, st, cgfd;
	pid_t c;
	FILE *f;

	env_up(&cfg);
	fd = open("/dev/null", O_WRONLY);
	drain();
	c = fork();
	if (c == 0) {
		prctl(PR_SET_NAME, "ptcommx");
		if (write(fd, "c", 1) != 1)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(write(fd, "p", 1), 1);
	ck_assert_int_eq(waitpid(c, &st, 0), c);
	drain();
	ck_assert_int_eq(count_pid(getpid()), 0);
	ck_assert_ptr_nonnull(data_nth(PT_CALL_WRITE, fd, c, 0));
	for (i = 0; i < E.n; i++)
		if (E.r[i].h.type == PT_REC_DATA || E.r[i].h.type == PT_REC_PROC)
			ck_assert_str_eq(E.r[i].h.type == PT_REC_DATA ? E.r[i].d.task.comm :
								 E.r[i].p.task.comm, "ptcommx");

	/* netns: ours, then another */
	memset(&cfg, 0, sizeof(cfg));
	cfg.scope = PT_SCOPE_NETNS;
	cfg.netns_ino = self_netns();
	set_cfg(&cfg);
	drain();
	ck_assert_int_eq(write(fd, "n", 1), 1);
	drain();
	ck_assert_ptr_nonnull(data_nth(PT_CALL_WRITE, fd, getpid(), 0));
	cfg.netns_ino = 1;
	set_cfg(&cfg);
	drain();
	ck_assert_int_eq(write(fd, "n", 1), 1);
	drain();
	ck_assert_int_eq(count_pid(getpid()), 0);

	/* cgroup: id only (empty cgroup array), then the array with our cgroup */
	memset(&cfg, 0, sizeof(cfg));
	cfg.scope = PT_SCOPE_CGROUP;
	cfg.cgroup_id = self_cgid();
	if (cfg.cgroup_id) {
		char line[512];

		set_cfg(&cfg);
		drain();
		ck_assert_int_eq(write(fd, "g", 1), 1);
		drain();
		ck_assert_ptr_nonnull(data_nth(PT_CALL_WRITE, fd, getpid(), 0));
		f = fopen("/proc/self/mounts", "r");
		while (f && fgets(line, sizeof(line), f)) {
			char dev[64], dir[256], type[64];

			if (sscanf(line, "%63s %255s %63s", dev, dir, type) == 3 &&
			    !strcmp(type, "cgroup2"))
				snprintf(cgdir, sizeof(cgdir), "%s", dir);
		}
		if (f)
			fclose(f);
		/* a cgroup we are not in: nothing */
		snprintf(sub, sizeof(sub), "%s/pt_proc_test.%d", cgdir, getpid());
		if (cgdir[0] && mkdir(sub, 0755) == 0) {
			cgfd = open(sub, O_RDONLY | O_DIRECTORY);
			ck_assert_int_ge(cgfd, 0);
			ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_pcgrp), &k,
							     &cgfd, 0), 0);
			drain();
			ck_assert_int_eq(write(fd, "g", 1), 1);
			drain();
			ck_assert_int_eq(count_pid(getpid()), 0);
			close(cgfd);
			rmdir(sub);
			/* the cgroup2 root holds us (as a descendant or directly) */
			cgfd = open(cgdir, O_RDONLY | O_DIRECTORY);
			ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_pcgrp), &k,
							     &cgfd, 0), 0);
			close(cgfd);
			drain();
			ck_assert_int_eq(write(fd, "g", 1), 1);
			drain();
			ck_assert_ptr_nonnull(data_nth(PT_CALL_WRITE, fd, getpid(), 0));
		}
	}

	/* ignored pid: nothing, whatever the scope */
	memset(&cfg, 0, sizeof(cfg));
	cfg.scope = PT_SCOPE_ALL;
	set_cfg(&cfg);
	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_pignore), &me, &one, 0), 0);
	drain();
	ck_assert_int_eq(write(fd, "i", 1), 1);
	close(fd);
	drain();
	ck_assert_int_eq(count_pid(getpid()), 0);
	check_counters();
	env_down();
}
END_TEST

/* 1 when a child that moved into cgroup DIR and wrote a byte to fd was recorded doing so, else 0 */
static int recorded_in(const char *dir, int fd)
{
	char procs[1200];
	pid_t c;
	int st;

	drain();
	c = fork();
	if (c == 0) {
		int p;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
		p = open(procs, O_WRONLY);
		if (p < 0 || write(p, "0", 1) != 1)
			_exit(2);
		close(p);
		_exit(write(fd, "c", 1) == 1 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(c, &st, 0), c);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d: status %#x", c, st);
	drain();
	return data_nth(PT_CALL_WRITE, fd, c, 0) != NULL;
}

/*
 * The cgroup scope when the loader knew the cgroup's level ("btf": plain
 * loads up the parent links, bpf/proc_task.bpf.h pt_cgroup_loads): a task
 * two levels below is in, one in a sibling and one above are not; the loads
 * decide, not the cgroup array; from more than PT_CG_UP_MAX levels below,
 * the array (the helper) does. "core" always asks the array.
 */
START_TEST(scope_cgroup_levels)
{
	struct pt_proc_cfg cfg = { .scope = PT_SCOPE_CGROUP };
	char mnt[256] = "", a[300], sib[300], abc[400], deep[1200];
	int fd, afd, sfd, dfd, i, btf, lvl;
	__u32 k = 0;
	struct stat st;

	ck_assert_msg(pt_cgroup_v2_mount(mnt, sizeof(mnt)) == 0, "no cgroup2 mount");
	snprintf(a, sizeof(a), "%s/pt_lv.%d", mnt, getpid());
	snprintf(sib, sizeof(sib), "%s/pt_sib.%d", mnt, getpid());
	snprintf(abc, sizeof(abc), "%s/b/c", a);
	ck_assert_int_eq(mkdir(a, 0755), 0);
	ck_assert_int_eq(mkdir(sib, 0755), 0);
	snprintf(deep, sizeof(deep), "%s/b", a);
	ck_assert_int_eq(mkdir(deep, 0755), 0);
	ck_assert_int_eq(mkdir(abc, 0755), 0);
	/* PT_CG_UP_MAX + 1 levels below a */
	snprintf(deep, sizeof(deep), "%s", a);
	for (i = 0; i < 17; i++) {
		size_t n = strlen(deep);

		snprintf(deep + n, sizeof(deep) - n, "/d");
		ck_assert_int_eq(mkdir(deep, 0755), 0);
	}
	afd = open(a, O_RDONLY | O_DIRECTORY);
	sfd = open(sib, O_RDONLY | O_DIRECTORY);
	dfd = open(abc, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(afd, 0);
	ck_assert_int_ge(sfd, 0);
	ck_assert_int_ge(dfd, 0);
	/* the loader's level: the kernel's count from the hierarchy's root */
	lvl = pt_cgroup_level(afd);
	ck_assert_int_ge(lvl, 1);
	ck_assert_int_eq(pt_cgroup_level(dfd), lvl + 2);
	ck_assert_int_eq(fstat(afd, &st), 0);
	cfg.cgroup_id = st.st_ino;
	cfg.cgroup_level = lvl + 1;
	env_up(&cfg);
	btf = E.skel->rodata->pt_btf != 0;
	fd = open("/dev/null", O_WRONLY);

	/* the array names the sibling: only the loads can find a/b/c in a */
	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_pcgrp), &k, &sfd, 0), 0);
	ck_assert_msg(recorded_in(abc, fd) == btf, "a/b/c %s", btf ? "out" : "in");
	drain();
	ck_assert_int_eq(write(fd, "p", 1), 1);	/* this process: above a */
	drain();
	ck_assert_int_eq(count_pid(getpid()), 0);
	ck_assert_msg(recorded_in(sib, fd) == !btf, "the sibling %s", btf ? "in" : "out");

	/* the array names a: both ways agree; 17 levels below a the helper decides */
	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_pcgrp), &k, &afd, 0), 0);
	ck_assert(recorded_in(abc, fd));
	ck_assert(recorded_in(deep, fd));
	ck_assert_int_eq(bpf_map_update_elem(bpf_map__fd(E.skel->maps.pt_pcgrp), &k, &sfd, 0), 0);
	ck_assert(!recorded_in(deep, fd));
	ck_assert_msg(recorded_in(sib, fd) == !btf, "the sibling, array = sibling");

	close(fd);
	close(afd);
	close(sfd);
	close(dfd);
	for (i = 17; i > 0; i--) {
		ck_assert_int_eq(rmdir(deep), 0);
		deep[strlen(deep) - 2] = 0;
	}
	ck_assert_int_eq(rmdir(abc), 0);
	abc[strlen(abc) - 2] = 0;
	ck_assert_int_eq(rmdir(abc), 0);
	ck_assert_int_eq(rmdir(a), 0);
	ck_assert_int_eq(rmdir(sib), 0);
	check_counters();
	env_down();
}
END_TEST

/* ---- attach bookkeeping ---- */

START_TEST(attach_table)
{
	size_t i, j, nsys = 0, nenter = 0;
	int seen_send = 0;

	env_up(NULL);
	for (i = 0; i < E.links.n; i++) {
		ck_assert_ptr_nonnull(E.links.l[i].link);
		ck_assert(E.links.l[i].pin[0]);
		if (!E.links.l[i].call)
			continue;
		nsys++;
		if (strstr(E.links.l[i].tp, "sys_enter_"))
			nenter++;
	}
	ck_assert_uint_eq(E.links.n, nsys + pt_proc_nsched_tps);
	ck_assert_uint_eq(nsys - nenter, pt_proc_ncalls - E.links.nmissing);
	/* "btf" enters only where the state before the call is needed: close,
	 * and the sends (write, writev, sendto, sendmsg, sendmmsg, sendfile
	 * on x86_64, which has no send); with the send-tp hook only the sends
	 * that may run tcp_sendmsg_locked several times (sendmmsg, sendfile) */
	if (E.skel->rodata->pt_btf)
		ck_assert_uint_eq(nenter, E.skel->rodata->pt_hook_tp ? 3 : 7);
	else
		ck_assert_uint_eq(nenter, pt_proc_ncalls - E.links.nmissing);
	for (i = 0; i < E.links.nmissing; i++) {
		if (E.links.missing[i]->call == PT_CALL_SEND)
			seen_send = 1;
		for (j = 0; j < E.links.n; j++)
			ck_assert_uint_ne(E.links.l[j].call, E.links.missing[i]->call);
	}
#if defined(__x86_64__)
	ck_assert_int_eq(seen_send, 1);
	ck_assert_uint_eq(E.links.nmissing, 2);	/* send, recv */
#endif
	ck_assert_str_eq(pt_proc_call_name(PT_CALL_SENDFILE), "sendfile");
	ck_assert_str_eq(pt_proc_call_name(PT_CALL_EXECVEAT), "execveat");
	pt_proc_links_destroy(&E.links);
	ck_assert_uint_eq(E.links.n, 0);
	pt_proc_links_destroy(NULL);
	env_down();
}
END_TEST

/* The variant a test case runs (its unchecked fixture, in the runner before the tests fork). */
static void variant_btf_cast(void) { setenv("PROVTAP_PROC_VARIANT", "btf-cast", 1); }
static void variant_btf(void) { setenv("PROVTAP_PROC_VARIANT", "btf", 1); }
static void variant_core(void) { setenv("PROVTAP_PROC_VARIANT", "core", 1); }

/* The tests, as test case "variant NAME" of s. */
static void add_variant(Suite *s, const char *v)
{
	static char names[3][32];
	static int nnames;
	TCase *tc;

	snprintf(names[nnames], sizeof(names[nnames]), "variant %s", v);
	tc = tcase_create(names[nnames++]);
	tcase_add_unchecked_fixture(tc, !strcmp(v, "btf-cast") ? variant_btf_cast : !strcmp(v, "btf") ? variant_btf
										  : variant_core, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, attach_table);
	tcase_add_test(tc, open_family);
	tcase_add_test(tc, dup_fcntl_close);
	tcase_add_test(tc, tcp4_stream);
	tcase_add_test(tc, tcp6_and_refused);
	tcase_add_test(tc, tcp_recv_fin);
	tcase_add_test(tc, tcp_send_threads);
	tcase_add_test(tc, tcp_send_threads_blocking);
	tcase_add_test(tc, tcp_send_calls);
	tcase_add_test(tc, udp_peers_and_msgs);
	tcase_add_test(tc, mmsg_vectors);
	tcase_add_test(tc, content_chunks_and_trunc);
	tcase_add_test(tc, tcp_conn_content_max);
	tcase_add_test(tc, content_windows);
	tcase_add_test(tc, iovec_pread_sendfile);
	tcase_add_test(tc, ring_full);
	tcase_add_test(tc, content_fault);
	tcase_add_test(tc, noargs_exit);
	tcase_add_test(tc, fork_exec_exit);
	tcase_add_test(tc, exec_argv_trunc);
	tcase_add_test(tc, threads);
	tcase_add_test(tc, clone_files);
	tcase_add_test(tc, scope_pidtree);
	tcase_add_test(tc, scope_comm_netns_cgroup_ignore);
	tcase_add_test(tc, scope_cgroup_levels);
	suite_add_tcase(s, tc);
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * Load variant @v (PROVTAP_PROC_VARIANT name) once with verifier statistics
 * (log level 4) and print them. 0 or -errno (err set).
 */
static int verifier_summary(const char *v, char *err, size_t errlen)
{
	static char logs[5][1 << 20];
	struct bpf_program *p;
	struct proc_bpf *s;
	int i = 0, e;

	setenv("PROVTAP_PROC_VARIANT", v, 1);
	s = proc_bpf__open();
	if (!s) {
		snprintf(err, errlen, "open: %s", strerror(errno));
		return -errno;
	}
	bpf_object__for_each_program(p, s->obj) {
		if (i < 5) {
			bpf_program__set_log_buf(p, logs[i], sizeof(logs[i]));
			bpf_program__set_log_level(p, 4);
		}
		i++;
	}
	e = pt_proc_prepare(s, NULL, err, errlen);
	if (!e) {
		e = proc_bpf__load(s);
		if (e)
			snprintf(err, errlen, "load: %s", strerror(-e));
	}
	if (!e) {
		i = 0;
		bpf_object__for_each_program(p, s->obj) {
			struct bpf_prog_info info;
			__u32 len = sizeof(info);
			char *st = i < 5 ? strstr(logs[i], "processed") : NULL;

			memset(&info, 0, sizeof(info));
			bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len);
			printf("verifier %-8s %-13s %5u insns, %s", v, bpf_program__name(p),
			       info.xlated_prog_len / 8, st ? st : "(no stats)\n");
			i++;
		}
	}
	proc_bpf__destroy(s);
	return e;
}

/*
 * Every program variant (loader/proc_attach.c) is loaded with its verifier
 * statistics: "core" must load, the others are reported when this kernel
 * refuses them. The suite runs on the best variant that loads and on "core"
 * (the fallback), or on PROVTAP_PROC_VARIANT alone when it is set.
 */
int main(void)
{
	static const char *const variants[] = { "btf-cast", "btf", "core" };
	const char *req = getenv("PROVTAP_REQUIRE_BPF"), *force = getenv("PROVTAP_PROC_VARIANT");
	const char *run[2];
	char err[256] = "", forced[32] = "";
	int rc, e, nrun = 0;
	size_t i;
	Suite *s;

	libbpf_set_print(silent);
	if (force && *force)
		snprintf(forced, sizeof(forced), "%s", force);
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		if (forced[0] && strcmp(forced, variants[i]))
			continue;
		e = verifier_summary(variants[i], err, sizeof(err));
		if (!e) {
			if (!nrun || !strcmp(variants[i], "core"))
				run[nrun++] = variants[i];
			continue;
		}
		if (strcmp(variants[i], "core") && !forced[0]) {
			printf("variant %s: not loadable on this kernel (%s)\n", variants[i], err);
			continue;
		}
		if (req && !strcmp(req, "1")) {
			fprintf(stderr, "FAIL: cannot load the proc programs (variant %s): %s\n", variants[i], err);
			return 1;
		}
		printf("SKIP: cannot load the proc programs (variant %s): %s\n", variants[i], err);
		return 0;
	}
	if (!nrun) {
		fprintf(stderr, "FAIL: no proc program variant to test (PROVTAP_PROC_VARIANT=%s)\n", forced);
		return 1;
	}
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "FAIL: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	/* one runner, a test case per variant: one summary counts them all */
	s = suite_create("proc_prog");
	for (i = 0; i < (size_t)nrun; i++)
		add_variant(s, run[i]);
	printf("variants tested: %s%s%s\n", run[0], nrun > 1 ? ", " : "", nrun > 1 ? run[1] : "");
	fflush(stdout);
	rc = pt_check_run(s);
	/* with what a failed check left in it (it ends its test before that test's unlink) */
	nftw(tmpdir, rm_tmp, 8, FTW_DEPTH | FTW_PHYS);
	return rc;
}
