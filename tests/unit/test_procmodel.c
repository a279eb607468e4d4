// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_procmodel.c — query/procmodel.h on synthetic process records
 * (tests/support/procrec.h) with exact answers: fork copies the FD table;
 * exec closes close-on-exec FDs and a reused number is a new object; dup2
 * onto stdout; dup/F_DUPFD share the object; close_range with and without
 * CLOSE_RANGE_CLOEXEC, stored and inherited; F_SETFD; threads share a table;
 * 4000 inherited FDs through 100 fork+exec (timed); failed calls; pid reuse;
 * unknown FDs and bindings lost to a rebind; seeded processes and FDs (start
 * time rounded by /proc); TCP offsets from connect/accept bases across the
 * 2^32 wrap, relative offsets without a base; two threads' sends marked
 * uncertain placed by elimination or left out; UDP/pipe/file/sendfile counts;
 * pairing of a loopback connection and the netns rule; socketpairs; content
 * assembly (inline + chunks, a lost chunk, truncation, fault, content off,
 * unseen bytes, windows) and a connection's content filled from the
 * receiver; records out of order; exit status; the API's guards.
 *
 * Processes are (pid, SN(pid)) unless a test says otherwise; times are small
 * boottime ns, all within the default reorder window.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/close_range.h>
#include "query/procmodel.h"
#include "tests/support/procrec.h"
#include "tests/support/checkrun.h"

#define SN(pid)	((__u64)(pid))
#define OPEN	PT_PM_OPEN

static struct pt_procmodel *m;

static void setup(void)
{
	int err;

	m = pt_procmodel_new(NULL, &err);
	ck_assert_ptr_nonnull(m);
}

static void teardown(void)
{
	pt_procmodel_free(m);
	m = NULL;
}

/* ---- feeding ---- */

static struct pt_task tk(__u64 ts, __u32 pid)
{
	return prec_task(ts, pid, pid, SN(pid), "t");
}

static struct pt_task tkt(__u64 ts, __u32 pid, __u32 tid)
{
	return prec_task(ts, pid, tid, SN(pid), "t");
}

static void feed(union prec *r)
{
	ck_assert_int_eq(pt_procmodel_feed(m, &r->h), 0);
}

static void finish(void)
{
	ck_assert_int_eq(pt_procmodel_finish(m), 0);
}

/* A PT_REC_SYS of t: args, info (may be NULL), path (may be NULL), flags. */
static void sys(const struct pt_task *t, __u16 call, __s64 ret, int fd, int newfd, int newfd2, __u64 a0, __u64 a1,
		__u64 a2, const struct pt_fdinfo *info, const char *path, __u16 flags)
{
	union prec r;

	prec_sys(&r, t, call, ret, fd, newfd, newfd2);
	r.sys.arg[0] = a0;
	r.sys.arg[1] = a1;
	r.sys.arg[2] = a2;
	r.sys.flags = flags;
	if (info)
		r.sys.info = *info;
	if (path)
		prec_sys_path(&r, path);
	feed(&r);
}

/* openat(AT_FDCWD, "/f/<ino>") = fd, a regular file with inode ino. */
static void open_t(const struct pt_task *t, int fd, __u64 ino, bool cloexec)
{
	struct pt_fdinfo i = prec_file(ino, 0);
	char path[32];

	snprintf(path, sizeof(path), "/f/%llu", (unsigned long long)ino);
	sys(t, PT_CALL_OPENAT, fd, -100, fd, -1, cloexec ? O_CLOEXEC : O_RDONLY, 0, (__u64)AT_FDCWD, &i, path,
	    cloexec ? PT_SF_CLOEXEC : 0);
}

static void open_(__u64 ts, __u32 pid, int fd, __u64 ino, bool cloexec)
{
	struct pt_task t = tk(ts, pid);

	open_t(&t, fd, ino, cloexec);
}

static void close_(__u64 ts, __u32 pid, int fd, __s64 ret)
{
	struct pt_task t = tk(ts, pid);

	sys(&t, PT_CALL_CLOSE, ret, fd, -1, -1, 0, 0, 0, NULL, NULL, 0);
}

static void fork_(__u64 ts, __u32 ppid, __u32 cpid)
{
	struct pt_task t = tk(ts, ppid);
	union prec r;

	prec_fork(&r, &t, cpid, cpid, SN(cpid), false);
	feed(&r);
}

static void exec_(__u64 ts, __u32 pid, const char *file, const char *const *argv)
{
	struct pt_task t = tk(ts, pid);
	union prec r;

	prec_exec(&r, &t, file, argv, false);
	feed(&r);
}

static void exit_(__u64 ts, __u32 pid, __s32 status)
{
	struct pt_task t = tk(ts, pid);
	union prec r;

	prec_exit(&r, &t, status, true);
	feed(&r);
}

/* A data call without content on fd, info as given (may be NULL). */
static void data_(const struct pt_task *t, __u16 call, __u8 dir, int fd, __u64 size, const struct pt_fdinfo *info)
{
	union prec r;

	prec_data(&r, t, call, dir, fd, size, NULL, 0, 0);
	if (info)
		r.data.info = *info;
	feed(&r);
}

/* ---- asking ---- */

static __u32 P(__u32 pid)
{
	__u32 i = pt_procmodel_find_proc(m, pid, SN(pid));

	ck_assert_msg(i != PT_PM_NONE, "no process %u", pid);
	return i;
}

/* The object with inode ino (exactly one). */
static __u32 obj_ino(__u64 ino)
{
	__u32 found = PT_PM_NONE;

	for (__u32 i = 0; i < pt_procmodel_nobjs(m); i++) {
		if (pt_procmodel_obj(m, i)->ino != ino)
			continue;
		ck_assert_msg(found == PT_PM_NONE, "two objects with inode %llu", (unsigned long long)ino);
		found = i;
	}
	ck_assert_msg(found != PT_PM_NONE, "no object with inode %llu", (unsigned long long)ino);
	return found;
}

/* The table of pid at ts (caller frees). */
static struct pt_pm_binding *fds_at(__u32 pid, __u64 ts, size_t *n)
{
	struct pt_pm_binding *b;

	ck_assert_int_eq(pt_procmodel_fds(m, P(pid), ts, &b, n), 0);
	return b;
}

/* The table of pid at ts holds exactly the fds want[0..nw) (ascending). */
static void assert_fdset(__u32 pid, __u64 ts, size_t nw, const int *want)
{
	size_t n;
	struct pt_pm_binding *b = fds_at(pid, ts, &n);

	ck_assert_msg(n == nw, "pid %u at %llu: %zu fds, want %zu", pid, (unsigned long long)ts, n, nw);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(b[i].fd, want[i]);
	free(b);
}

static struct pt_pm_binding *history(__u32 pid, size_t *n)
{
	struct pt_pm_binding *b;

	ck_assert_int_eq(pt_procmodel_fd_history(m, P(pid), &b, n), 0);
	return b;
}

static void assert_bnd(const struct pt_pm_binding *b, int fd, __u64 from, __u64 to, __u8 begin, __u8 end)
{
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->fd, fd);
	ck_assert_uint_eq(b->from_ts, from);
	ck_assert_uint_eq(b->to_ts, to);
	ck_assert_uint_eq(b->begin, begin);
	ck_assert_uint_eq(b->end, end);
}

static const struct pt_pm_stream *stream(__u32 obj, __u8 dir)
{
	const struct pt_pm_stream *s = pt_procmodel_stream(m, obj, dir);

	ck_assert_ptr_nonnull(s);
	return s;
}

/* ---- FD tables ---- */

START_TEST(test_fork_copies_table)
{
	struct pt_task t = tk(110, 10);
	struct pt_fdinfo si = prec_sock4(500, SOCK_STREAM, IPPROTO_TCP, NULL, 0, NULL, 0, 0, 0);
	struct pt_pm_binding *b;
	const struct pt_pm_proc *c;
	size_t n;
	__u32 a, s;

	open_(100, 10, 3, 100, false);
	sys(&t, PT_CALL_SOCKET, 4, -1, 4, -1, AF_INET, SOCK_STREAM, 0, &si, NULL, 0);
	fork_(200, 10, 11);
	close_(300, 10, 3, 0);
	close_(400, 11, 4, 0);
	finish();
	a = obj_ino(100);
	s = obj_ino(500);

	b = fds_at(10, 250, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 100, 300, PT_PMB_OPEN, PT_PME_CLOSE);
	ck_assert_uint_eq(b[0].obj, a);
	assert_bnd(&b[1], 4, 110, OPEN, PT_PMB_SOCKET, PT_PME_NONE);
	ck_assert_uint_eq(b[1].obj, s);
	free(b);
	assert_fdset(10, 350, 1, (int[]){ 4 });

	b = fds_at(11, 250, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 200, OPEN, PT_PMB_INHERIT, PT_PME_NONE);
	ck_assert_uint_eq(b[0].obj, a);
	ck_assert_int_eq(b[0].src_fd, 3);
	ck_assert_uint_eq(b[0].proc, P(11));
	assert_bnd(&b[1], 4, 200, 400, PT_PMB_INHERIT, PT_PME_CLOSE);
	ck_assert_uint_eq(b[1].obj, s);
	ck_assert_uint_eq(b[1].tid_end, 11);
	free(b);
	/* the parent's close did not touch the child's copy, and the child's close not the parent's */
	assert_fdset(11, 450, 1, (int[]){ 3 });
	assert_fdset(10, 450, 1, (int[]){ 4 });

	b = history(11, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 200, OPEN, PT_PMB_INHERIT, PT_PME_NONE);
	assert_bnd(&b[1], 4, 200, 400, PT_PMB_INHERIT, PT_PME_CLOSE);
	free(b);

	ck_assert_int_eq(pt_procmodel_holders(m, a, &b, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(b[0].proc, P(10));
	assert_bnd(&b[0], 3, 100, 300, PT_PMB_OPEN, PT_PME_CLOSE);
	ck_assert_uint_eq(b[1].proc, P(11));
	assert_bnd(&b[1], 3, 200, OPEN, PT_PMB_INHERIT, PT_PME_NONE);
	free(b);

	c = pt_procmodel_proc(m, P(11));
	ck_assert_uint_eq(c->origin, PT_PMO_FORK);
	ck_assert_uint_eq(c->parent, P(10));
	ck_assert_uint_eq(c->ppid, 10);
	ck_assert_uint_eq(c->fork_tid, 10);
	ck_assert_uint_eq(c->first_ts, 200);
	ck_assert(!c->table_known);	/* its parent was first seen mid-life */
	ck_assert_uint_eq(pt_procmodel_proc(m, P(10))->nchildren, 1);
	ck_assert_uint_eq(pt_procmodel_proc(m, P(10))->children[0], P(11));
	ck_assert_uint_eq(pt_procmodel_proc(m, P(10))->origin, PT_PMO_SEEN);
	ck_assert_uint_eq(pt_procmodel_nprocs(m), 2);
	ck_assert_uint_eq(pt_procmodel_nobjs(m), 2);
}
END_TEST

START_TEST(test_exec_cloexec_reuse)
{
	static const char *const argv[] = { "true", "x", NULL };
	const struct pt_pm_proc *c;
	struct pt_pm_binding *b;
	size_t n;
	__u32 a, d, bo;

	open_(100, 20, 3, 100, true);
	open_(110, 20, 4, 101, false);
	fork_(200, 20, 21);
	exec_(300, 21, "/bin/true", argv);
	open_(400, 21, 3, 102, false);
	finish();
	a = obj_ino(100);
	bo = obj_ino(101);
	d = obj_ino(102);
	ck_assert_uint_ne(a, d);

	assert_fdset(21, 250, 2, (int[]){ 3, 4 });
	assert_fdset(21, 350, 1, (int[]){ 4 });
	b = fds_at(21, 450, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 400, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	ck_assert_uint_eq(b[0].obj, d);
	assert_bnd(&b[1], 4, 200, OPEN, PT_PMB_INHERIT, PT_PME_NONE);
	ck_assert_uint_eq(b[1].obj, bo);
	free(b);
	assert_fdset(20, 450, 2, (int[]){ 3, 4 });	/* the parent is untouched */

	b = history(21, &n);
	ck_assert_uint_eq(n, 3);
	assert_bnd(&b[0], 3, 200, 300, PT_PMB_INHERIT, PT_PME_CLOEXEC);
	ck_assert_uint_eq(b[0].obj, a);
	ck_assert(b[0].cloexec_from && b[0].cloexec);
	ck_assert_uint_eq(b[0].tid_end, 21);
	assert_bnd(&b[1], 3, 400, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	assert_bnd(&b[2], 4, 200, OPEN, PT_PMB_INHERIT, PT_PME_NONE);
	free(b);

	ck_assert_int_eq(pt_procmodel_holders(m, a, &b, &n), 0);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 100, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	assert_bnd(&b[1], 3, 200, 300, PT_PMB_INHERIT, PT_PME_CLOEXEC);
	free(b);
	ck_assert_int_eq(pt_procmodel_holders(m, d, &b, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(b[0].proc, P(21));
	free(b);

	c = pt_procmodel_proc(m, P(21));
	ck_assert_uint_eq(c->nexecs, 1);
	ck_assert_uint_eq(c->execs[0].ts, 300);
	ck_assert_uint_eq(c->execs[0].tid, 21);
	ck_assert_str_eq(c->execs[0].filename, "/bin/true");
	ck_assert_uint_eq(c->execs[0].argc, 2);
	ck_assert_uint_eq(c->execs[0].argv_len, 7);
	ck_assert_mem_eq(c->execs[0].argv, "true\0x\0", 7);
	ck_assert(!c->execs[0].seeded);
}
END_TEST

START_TEST(test_dup2_onto_stdout)
{
	static const char *const argv[] = { "sh", NULL };
	struct pt_task t = tk(50, 30);
	struct pt_fdinfo tty = { .kind = PT_FK_CHR, .dev = 136, .ino = 7 };
	const struct pt_pm_obj *o;
	struct pt_pm_binding *b;
	union prec r;
	size_t n;
	__u32 f;

	prec_exec(&r, &t, "/bin/sh", argv, true);
	feed(&r);
	sys(&t, PT_CALL_SEED_FD, 0, -1, 1, -1, 0, 0, 0, &tty, "/dev/pts/0", 0);
	open_(100, 30, 3, 300, false);
	t = tk(200, 30);
	sys(&t, PT_CALL_DUP2, 1, 3, 1, -1, 0, 0, 0, NULL, NULL, 0);
	close_(300, 30, 3, 0);
	t = tk(350, 30);
	sys(&t, PT_CALL_DUP2, 1, 1, 1, -1, 0, 0, 0, NULL, NULL, 0);	/* dup2(1, 1): nothing */
	finish();
	f = obj_ino(300);

	b = fds_at(30, 150, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 1, 50, 200, PT_PMB_SEED, PT_PME_DUP2);
	ck_assert_uint_eq(b[0].obj, obj_ino(7));
	ck_assert_uint_eq(b[0].tid_end, 30);
	free(b);
	b = fds_at(30, 250, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 1, 200, OPEN, PT_PMB_DUP, PT_PME_NONE);
	ck_assert_int_eq(b[0].src_fd, 3);
	ck_assert_uint_eq(b[0].obj, f);
	ck_assert_uint_eq(b[1].obj, f);
	free(b);
	assert_fdset(30, 400, 1, (int[]){ 1 });

	b = history(30, &n);
	ck_assert_uint_eq(n, 3);
	assert_bnd(&b[0], 1, 50, 200, PT_PMB_SEED, PT_PME_DUP2);
	assert_bnd(&b[1], 1, 200, OPEN, PT_PMB_DUP, PT_PME_NONE);
	assert_bnd(&b[2], 3, 100, 300, PT_PMB_OPEN, PT_PME_CLOSE);
	free(b);
	ck_assert_int_eq(pt_procmodel_holders(m, f, &b, &n), 0);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 100, 300, PT_PMB_OPEN, PT_PME_CLOSE);
	assert_bnd(&b[1], 1, 200, OPEN, PT_PMB_DUP, PT_PME_NONE);
	free(b);

	o = pt_procmodel_obj(m, obj_ino(7));
	ck_assert_uint_eq(o->kind, PT_FK_CHR);
	ck_assert_uint_eq(o->begin, PT_PMB_SEED);
	ck_assert_str_eq(o->path, "/dev/pts/0");
	o = pt_procmodel_obj(m, f);
	ck_assert_str_eq(o->path, "/f/300");
	ck_assert_int_eq(o->open_dirfd, AT_FDCWD);
	ck_assert(pt_procmodel_proc(m, P(30))->table_known);
	ck_assert_uint_eq(pt_procmodel_proc(m, P(30))->origin, PT_PMO_SEED);
}
END_TEST

START_TEST(test_dup_shares_object)
{
	struct pt_task t = tk(110, 40);
	const struct pt_pm_stream *s;
	struct pt_fdinfo fi;
	struct pt_pm_binding *b;
	size_t n;
	__u32 o;

	open_(100, 40, 3, 400, false);
	sys(&t, PT_CALL_DUP, 4, 3, 4, -1, 0, 0, 0, NULL, NULL, 0);
	t = tk(120, 40);
	sys(&t, PT_CALL_FCNTL, 10, 3, 10, -1, F_DUPFD, 10, 0, NULL, NULL, 0);
	t = tk(130, 40);
	sys(&t, PT_CALL_FCNTL, 11, 3, 11, -1, F_DUPFD_CLOEXEC, 0, 0, NULL, NULL, PT_SF_CLOEXEC);
	t = tk(200, 40);
	fi = prec_file(400, 5);
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 4, 5, &fi);
	t = tk(210, 40);
	fi = prec_file(400, 12);
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 10, 7, &fi);
	t = tk(220, 40);
	fi = prec_file(400, 15);
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 3, 3, &fi);
	finish();
	o = obj_ino(400);
	ck_assert_uint_eq(pt_procmodel_nobjs(m), 1);

	b = fds_at(40, 300, &n);
	ck_assert_uint_eq(n, 4);
	assert_bnd(&b[0], 3, 100, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	assert_bnd(&b[1], 4, 110, OPEN, PT_PMB_DUP, PT_PME_NONE);
	assert_bnd(&b[2], 10, 120, OPEN, PT_PMB_DUP, PT_PME_NONE);
	assert_bnd(&b[3], 11, 130, OPEN, PT_PMB_DUP, PT_PME_NONE);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(b[i].obj, o);
	ck_assert_int_eq(b[1].src_fd, 3);
	ck_assert_int_eq(b[2].src_fd, 3);
	ck_assert(!b[2].cloexec);
	ck_assert(b[3].cloexec);
	free(b);

	s = stream(o, PT_DIR_OUT);
	ck_assert_uint_eq(s->mode, PT_PMS_COUNT);
	ck_assert(s->exact);
	ck_assert_uint_eq(s->ncalls, 3);
	ck_assert_uint_eq(s->bytes, 15);
	ck_assert_uint_eq(s->end, 15);
	ck_assert_uint_eq(s->calls[0].off, 0);
	ck_assert_uint_eq(s->calls[1].off, 5);
	ck_assert_uint_eq(s->calls[2].off, 12);
	ck_assert_int_eq(s->calls[0].fpos, 0);
	ck_assert_int_eq(s->calls[1].fpos, 5);
	ck_assert_int_eq(s->calls[2].fpos, 12);
	ck_assert_uint_eq(stream(o, PT_DIR_IN)->ncalls, 0);
}
END_TEST

START_TEST(test_close_range)
{
	static const char *const argv[] = { "x", NULL };
	struct pt_task t;
	struct pt_pm_binding *b;
	size_t n;

	/* stored: the process's own bindings */
	for (int fd = 3; fd <= 8; fd++)
		open_(100 + 10 * (fd - 3), 50, fd, 500 + fd, false);
	t = tk(200, 50);
	sys(&t, PT_CALL_CLOSE_RANGE, 0, 5, -1, 7, 0, 0, 0, NULL, NULL, 0);
	t = tk(300, 50);
	sys(&t, PT_CALL_CLOSE_RANGE, 0, 3, -1, -1, CLOSE_RANGE_CLOEXEC, 0, 0, NULL, NULL, 0);
	exec_(400, 50, "/bin/x", argv);

	/* inherited: a child's, never touched before the calls */
	for (int fd = 3; fd <= 8; fd++)
		open_(100 + 10 * (fd - 3), 60, fd, 600 + fd, false);
	fork_(160, 60, 61);
	t = tk(200, 61);
	sys(&t, PT_CALL_CLOSE_RANGE, 0, 5, -1, 7, 0, 0, 0, NULL, NULL, 0);
	t = tk(300, 61);
	sys(&t, PT_CALL_CLOSE_RANGE, 0, 3, -1, -1, CLOSE_RANGE_CLOEXEC, 0, 0, NULL, NULL, 0);
	exec_(400, 61, "/bin/x", argv);
	open_(500, 61, 5, 700, false);
	finish();

	for (__u32 pid = 50; pid <= 61; pid += 11) {
		assert_fdset(pid, 250, 3, (int[]){ 3, 4, 8 });
		b = fds_at(pid, 250, &n);
		for (size_t i = 0; i < n; i++)
			ck_assert(!b[i].cloexec);
		free(b);
		b = fds_at(pid, 350, &n);
		ck_assert_uint_eq(n, 3);
		for (size_t i = 0; i < n; i++)
			ck_assert(b[i].cloexec && !b[i].cloexec_from);
		free(b);
		assert_fdset(pid, 450, 0, NULL);
	}
	assert_fdset(61, 550, 1, (int[]){ 5 });
	assert_fdset(60, 550, 6, (int[]){ 3, 4, 5, 6, 7, 8 });

	b = history(50, &n);
	ck_assert_uint_eq(n, 6);
	assert_bnd(&b[0], 3, 100, 400, PT_PMB_OPEN, PT_PME_CLOEXEC);
	assert_bnd(&b[2], 5, 120, 200, PT_PMB_OPEN, PT_PME_CLOSE_RANGE);
	ck_assert_uint_eq(b[2].tid_end, 50);
	assert_bnd(&b[4], 7, 140, 200, PT_PMB_OPEN, PT_PME_CLOSE_RANGE);
	assert_bnd(&b[5], 8, 150, 400, PT_PMB_OPEN, PT_PME_CLOEXEC);
	ck_assert(b[5].cloexec && !b[5].cloexec_from);
	free(b);

	b = history(61, &n);
	ck_assert_uint_eq(n, 7);
	assert_bnd(&b[0], 3, 160, 400, PT_PMB_INHERIT, PT_PME_CLOEXEC);
	ck_assert(b[0].cloexec && !b[0].cloexec_from);
	ck_assert_uint_eq(b[0].tid_end, 61);
	assert_bnd(&b[1], 4, 160, 400, PT_PMB_INHERIT, PT_PME_CLOEXEC);
	assert_bnd(&b[2], 5, 160, 200, PT_PMB_INHERIT, PT_PME_CLOSE_RANGE);
	assert_bnd(&b[3], 5, 500, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	assert_bnd(&b[4], 6, 160, 200, PT_PMB_INHERIT, PT_PME_CLOSE_RANGE);
	assert_bnd(&b[5], 7, 160, 200, PT_PMB_INHERIT, PT_PME_CLOSE_RANGE);
	assert_bnd(&b[6], 8, 160, 400, PT_PMB_INHERIT, PT_PME_CLOEXEC);
	ck_assert_uint_eq(b[6].obj, obj_ino(608));
	free(b);
}
END_TEST

START_TEST(test_setfd)
{
	static const char *const argv[] = { "x", NULL };
	struct pt_task t;
	struct pt_pm_binding *b;
	size_t n;

	open_(100, 70, 3, 703, false);
	open_(110, 70, 4, 704, false);
	t = tk(200, 70);
	sys(&t, PT_CALL_FCNTL, 0, 3, -1, -1, F_SETFD, FD_CLOEXEC, 0, NULL, NULL, 0);
	t = tk(210, 70);
	sys(&t, PT_CALL_FCNTL, 0, 4, -1, -1, F_SETFD, FD_CLOEXEC, 0, NULL, NULL, 0);
	fork_(250, 70, 71);
	t = tk(300, 70);
	sys(&t, PT_CALL_FCNTL, 0, 3, -1, -1, F_SETFD, 0, 0, NULL, NULL, 0);
	exec_(400, 70, "/bin/x", argv);
	exec_(410, 71, "/bin/x", argv);
	finish();

	b = fds_at(70, 150, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert(!b[0].cloexec && !b[1].cloexec);
	free(b);
	b = fds_at(70, 250, &n);
	ck_assert(b[0].cloexec && b[1].cloexec);
	free(b);
	b = fds_at(70, 350, &n);
	ck_assert(!b[0].cloexec && b[1].cloexec);
	free(b);
	assert_fdset(70, 450, 1, (int[]){ 3 });
	b = fds_at(71, 300, &n);	/* the child copied the bits as at the fork */
	ck_assert_uint_eq(n, 2);
	ck_assert(b[0].cloexec && b[1].cloexec);
	free(b);
	assert_fdset(71, 450, 0, NULL);

	b = history(70, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 100, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	ck_assert(!b[0].cloexec_from && !b[0].cloexec);
	assert_bnd(&b[1], 4, 110, 400, PT_PMB_OPEN, PT_PME_CLOEXEC);
	ck_assert(!b[1].cloexec_from && b[1].cloexec);
	free(b);
	b = history(71, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 250, 410, PT_PMB_INHERIT, PT_PME_CLOEXEC);
	assert_bnd(&b[1], 4, 250, 410, PT_PMB_INHERIT, PT_PME_CLOEXEC);
	free(b);
}
END_TEST

/* ioctl FIONCLEX / FIOCLEX set the bit as F_SETFD does (CPython's os.set_inheritable):
 * the inheritable fd survives exec, the other is closed by it */
START_TEST(test_ioctl_cloexec)
{
	static const char *const argv[] = { "x", NULL };
	struct pt_task t;
	struct pt_pm_binding *b;
	size_t n;

	open_(100, 72, 3, 723, true);
	open_(110, 72, 4, 724, false);
	t = tk(200, 72);
	sys(&t, PT_CALL_IOCTL, 0, 3, -1, -1, FIONCLEX, 0, 0, NULL, NULL, 0);
	t = tk(210, 72);
	sys(&t, PT_CALL_IOCTL, 0, 4, -1, -1, FIOCLEX, 0, 0, NULL, NULL, 0);
	t = tk(220, 72);
	sys(&t, PT_CALL_IOCTL, -EBADF, 9, -1, -1, FIOCLEX, 0, 0, NULL, NULL, 0);	/* failed: nothing */
	exec_(400, 72, "/bin/x", argv);
	finish();

	b = fds_at(72, 150, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert(b[0].cloexec && !b[1].cloexec);
	free(b);
	b = fds_at(72, 300, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert(!b[0].cloexec && b[1].cloexec);
	free(b);
	assert_fdset(72, 450, 1, (int[]){ 3 });
	b = history(72, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 100, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	assert_bnd(&b[1], 4, 110, 400, PT_PMB_OPEN, PT_PME_CLOEXEC);
	free(b);
	ck_assert_uint_eq(pt_procmodel_stats(m)->unknown_fd, 0);
}
END_TEST

/*
 * A fork-per-connection server: it opens a connection's fd, forks the child
 * that serves it, closes its own copy; 300 times. Each connection is held
 * by the server over [open, close) and by its own child only (its
 * children are looked up by fork time, not all scanned per holder).
 */
START_TEST(test_holders_fork_per_conn)
{
	const __u32 nconn = 300;
	struct pt_pm_binding *b;
	size_t n;

	for (__u32 k = 0; k < nconn; k++) {
		__u64 t = 1000 + 10 * (__u64)k;

		open_(t, 70, 5, 90000 + k, false);
		fork_(t + 1, 70, 1000 + k);
		close_(t + 2, 70, 5, 0);
	}
	finish();
	ck_assert_uint_eq(pt_procmodel_proc(m, P(70))->nchildren, nconn);
	for (__u32 k = 0; k < nconn; k += 37) {
		__u64 t = 1000 + 10 * (__u64)k;

		ck_assert_int_eq(pt_procmodel_holders(m, obj_ino(90000 + k), &b, &n), 0);
		ck_assert_uint_eq(n, 2);
		ck_assert_uint_eq(b[0].proc, P(70));
		assert_bnd(&b[0], 5, t, t + 2, PT_PMB_OPEN, PT_PME_CLOSE);
		ck_assert_uint_eq(b[1].proc, P(1000 + k));
		assert_bnd(&b[1], 5, t + 1, OPEN, PT_PMB_INHERIT, PT_PME_NONE);
		free(b);
	}
}
END_TEST

START_TEST(test_threads_share_table)
{
	struct pt_task t = tk(150, 80);
	const struct pt_pm_proc *p;
	struct pt_pm_binding *b;
	union prec r;
	size_t n;

	open_(100, 80, 3, 803, false);
	prec_fork(&r, &t, 80, 81, SN(80), true);
	feed(&r);
	t = tkt(200, 80, 81);
	open_t(&t, 5, 805, false);
	t = tkt(300, 80, 81);
	sys(&t, PT_CALL_CLOSE, 0, 3, -1, -1, 0, 0, 0, NULL, NULL, 0);
	t = tkt(400, 80, 81);
	prec_exit(&r, &t, 0, false);
	feed(&r);
	exit_(500, 80, 3 << 8);
	finish();

	ck_assert_uint_eq(pt_procmodel_nprocs(m), 1);
	assert_fdset(80, 250, 2, (int[]){ 3, 5 });
	assert_fdset(80, 350, 1, (int[]){ 5 });	/* the thread's close, seen by the leader */
	assert_fdset(80, 550, 0, NULL);
	b = history(80, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 100, 300, PT_PMB_OPEN, PT_PME_CLOSE);
	ck_assert_uint_eq(b[0].tid_begin, 80);
	ck_assert_uint_eq(b[0].tid_end, 81);
	assert_bnd(&b[1], 5, 200, 500, PT_PMB_OPEN, PT_PME_EXIT);
	ck_assert_uint_eq(b[1].tid_begin, 81);
	ck_assert_uint_eq(b[1].tid_end, 80);
	free(b);

	p = pt_procmodel_proc(m, P(80));
	ck_assert_uint_eq(p->nthreads, 2);
	ck_assert_uint_eq(p->threads[0].tid, 80);
	ck_assert_uint_eq(p->threads[0].from_ts, 100);
	ck_assert_uint_eq(p->threads[0].to_ts, 500);
	ck_assert_uint_eq(p->threads[1].tid, 81);
	ck_assert_uint_eq(p->threads[1].origin, PT_PMO_FORK);
	ck_assert_uint_eq(p->threads[1].from_ts, 150);
	ck_assert_uint_eq(p->threads[1].to_ts, 400);
	ck_assert(p->threads[1].exited);
	ck_assert_int_eq(p->threads[1].exit_status, 0);
	ck_assert(p->exited);
	ck_assert_uint_eq(p->exit_ts, 500);
	ck_assert_int_eq(p->exit_status, 3 << 8);
	ck_assert(!p->signaled);
}
END_TEST

START_TEST(test_4000_fds_fork_exec)
{
	static const char *const argv[] = { "x", NULL };
	struct timespec t0, t1;
	struct pt_pm_binding *b;
	size_t n;
	double el;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int fd = 3; fd < 4003; fd++)
		open_(1000 + (__u64)fd, 90, fd, 10000 + (__u64)fd, fd % 2 == 0);
	for (__u32 i = 0; i < 100; i++)
		fork_(10000 + 10 * i, 90, 1000 + i);
	fork_(15000, 1050, 2000);	/* a grandchild, before its parent's exec */
	for (__u32 i = 0; i < 100; i++)
		exec_(20000 + 10 * i, 1000 + i, "/bin/x", argv);
	finish();
	b = fds_at(1050, 15000, &n);
	ck_assert_uint_eq(n, 4000);
	ck_assert_uint_eq(b[0].obj, obj_ino(10003));
	ck_assert_uint_eq(b[0].begin, PT_PMB_INHERIT);
	ck_assert_uint_eq(b[0].to_ts, OPEN);
	ck_assert_uint_eq(b[1].to_ts, 20500);
	ck_assert_uint_eq(b[1].end, PT_PME_CLOEXEC);
	free(b);
	b = fds_at(1050, 30000, &n);
	ck_assert_uint_eq(n, 2000);	/* the odd fds: no close-on-exec */
	ck_assert_int_eq(b[0].fd, 3);
	ck_assert_int_eq(b[1999].fd, 4001);
	free(b);
	assert_fdset(2000, 14000, 0, NULL);
	b = fds_at(2000, 30000, &n);
	ck_assert_uint_eq(n, 4000);	/* its parent's exec is not its own */
	ck_assert_uint_eq(b[0].from_ts, 15000);
	free(b);
	ck_assert_int_eq(pt_procmodel_holders(m, obj_ino(10004), &b, &n), 0);
	ck_assert_uint_eq(n, 102);	/* the opener, 100 children until their exec, the grandchild */
	ck_assert_uint_eq(b[0].proc, P(90));
	ck_assert_uint_eq(b[1].proc, P(1000));
	ck_assert_uint_eq(b[1].to_ts, 20000);
	ck_assert_uint_eq(b[1].end, PT_PME_CLOEXEC);
	free(b);
	b = history(1099, &n);
	ck_assert_uint_eq(n, 4000);
	free(b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(el < 0.5, "4000 FDs through 100 fork+exec took %.3f s", el);
}
END_TEST

START_TEST(test_failed_calls_change_nothing)
{
	struct pt_task t;
	struct pt_pm_binding *b;
	union prec r;
	size_t n;
	__u32 o;

	open_(100, 100, 3, 1003, false);
	open_(105, 100, 4, 1004, false);
	close_(190, 100, 4, -EINTR);	/* Linux released fd 4 all the same */
	t = tk(110, 100);
	sys(&t, PT_CALL_OPENAT, -ENOENT, -100, -1, -1, O_RDONLY, 0, 0, NULL, "/nope", 0);
	close_(120, 100, 7, -EBADF);
	t = tk(130, 100);
	sys(&t, PT_CALL_DUP2, -EBUSY, 3, 9, -1, 0, 0, 0, NULL, NULL, 0);
	t = tk(140, 100);
	sys(&t, PT_CALL_SOCKET, -EMFILE, -1, -1, -1, AF_INET, SOCK_STREAM, 0, NULL, NULL, 0);
	t = tk(150, 100);
	sys(&t, PT_CALL_FCNTL, -EINVAL, 3, -1, -1, F_SETFD, FD_CLOEXEC, 0, NULL, NULL, 0);
	t = tk(160, 100);
	sys(&t, PT_CALL_CLOSE_RANGE, -EINVAL, 3, -1, 10, 0, 0, 0, NULL, NULL, 0);
	t = tk(170, 100);
	sys(&t, PT_CALL_CONNECT, -ECONNREFUSED, 3, -1, -1, 0, 0, 0, NULL, NULL, 0);
	t = tk(180, 100);
	prec_data(&r, &t, PT_CALL_READ, PT_DIR_IN, 3, 0, NULL, 0, 0);
	r.data.ret = -EAGAIN;
	feed(&r);
	finish();
	o = obj_ino(1003);

	b = fds_at(100, 200, &n);
	ck_assert_uint_eq(n, 1);
	assert_bnd(&b[0], 3, 100, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	ck_assert(!b[0].cloexec);
	free(b);
	b = history(100, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[1], 4, 105, 190, PT_PMB_OPEN, PT_PME_CLOSE);
	free(b);
	ck_assert_uint_eq(pt_procmodel_nobjs(m), 2);
	ck_assert_uint_eq(pt_procmodel_stats(m)->failed, 9);
	ck_assert_uint_eq(pt_procmodel_stats(m)->unknown_fd, 0);
	ck_assert_uint_eq(stream(o, PT_DIR_IN)->failed, 1);
	ck_assert_uint_eq(stream(o, PT_DIR_IN)->ncalls, 0);
	ck_assert_uint_eq(pt_procmodel_obj(m, o)->role, PT_PMR_NONE);
}
END_TEST

START_TEST(test_pid_reuse)
{
	struct pt_task t = prec_task(100, 110, 110, 50, "a");
	struct pt_pm_binding *b;
	union prec r;
	size_t n;
	__u32 a, c;

	open_t(&t, 3, 1103, false);
	t = prec_task(200, 110, 110, 50, "a");
	prec_exit(&r, &t, 0, true);
	feed(&r);
	t = tk(5000, 120);
	prec_fork(&r, &t, 110, 110, 5000, false);
	feed(&r);
	t = prec_task(5100, 110, 110, 5000, "b");
	open_t(&t, 4, 1104, false);
	finish();

	ck_assert_uint_eq(pt_procmodel_nprocs(m), 3);
	a = pt_procmodel_find_proc(m, 110, 50);
	c = pt_procmodel_find_proc(m, 110, 5000);
	ck_assert_uint_ne(a, PT_PM_NONE);
	ck_assert_uint_ne(c, PT_PM_NONE);
	ck_assert_uint_ne(a, c);
	ck_assert_uint_eq(pt_procmodel_proc_at(m, 110, 150), a);
	ck_assert_uint_eq(pt_procmodel_proc_at(m, 110, 300), PT_PM_NONE);
	ck_assert_uint_eq(pt_procmodel_proc_at(m, 110, 5200), c);
	ck_assert_uint_eq(pt_procmodel_proc(m, c)->parent, P(120));
	ck_assert_uint_eq(pt_procmodel_proc(m, a)->parent, PT_PM_NONE);

	ck_assert_int_eq(pt_procmodel_fd_history(m, a, &b, &n), 0);
	ck_assert_uint_eq(n, 1);
	assert_bnd(&b[0], 3, 100, 200, PT_PMB_OPEN, PT_PME_EXIT);
	free(b);
	ck_assert_int_eq(pt_procmodel_fd_history(m, c, &b, &n), 0);
	ck_assert_uint_eq(n, 1);
	assert_bnd(&b[0], 4, 5100, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	free(b);
}
END_TEST

START_TEST(test_unknown_and_lost_fds)
{
	struct pt_task t = tk(200, 130);
	struct pt_fdinfo si = prec_sock4(777, SOCK_STREAM, IPPROTO_TCP, "10.0.0.1", 5555, "10.0.0.2", 80, 0, 1000);
	const struct pt_pm_obj *o;
	struct pt_pm_binding *b;
	size_t n;

	close_(100, 130, 9, 0);
	data_(&t, PT_CALL_READ, PT_DIR_IN, 7, 10, &si);
	t = tk(300, 130);
	si = prec_sock4(778, SOCK_STREAM, IPPROTO_TCP, "10.0.0.1", 5556, "10.0.0.2", 80, 0, 2000);
	data_(&t, PT_CALL_READ, PT_DIR_IN, 7, 10, &si);	/* another socket behind fd 7 */
	open_(400, 130, 7, 1307, false);	/* the kernel hands out 7: the model's was not open */
	finish();

	b = history(130, &n);
	ck_assert_uint_eq(n, 4);
	assert_bnd(&b[0], 7, 200, 300, PT_PMB_UNKNOWN, PT_PME_LOST);
	ck_assert_uint_eq(b[0].obj, obj_ino(777));
	assert_bnd(&b[1], 7, 300, 400, PT_PMB_UNKNOWN, PT_PME_LOST);
	ck_assert_uint_eq(b[1].obj, obj_ino(778));
	assert_bnd(&b[2], 7, 400, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	assert_bnd(&b[3], 9, 100, 100, PT_PMB_UNKNOWN, PT_PME_CLOSE);
	ck_assert_uint_eq(b[3].tid_end, 130);
	free(b);
	assert_fdset(130, 100, 0, NULL);
	assert_fdset(130, 250, 1, (int[]){ 7 });
	ck_assert_uint_eq(pt_procmodel_stats(m)->unknown_fd, 3);
	ck_assert_uint_eq(pt_procmodel_stats(m)->lost, 2);

	o = pt_procmodel_obj(m, obj_ino(777));
	ck_assert_uint_eq(o->begin, PT_PMB_UNKNOWN);
	ck_assert_uint_eq(o->kind, PT_FK_SOCKET);
	ck_assert_uint_eq(o->proto, IPPROTO_TCP);
	ck_assert_uint_eq(o->lport, 5555);
	ck_assert_uint_eq(o->rport, 80);
	ck_assert_uint_eq(stream(obj_ino(777), PT_DIR_IN)->mode, PT_PMS_SEQ);
	ck_assert(!stream(obj_ino(777), PT_DIR_IN)->exact);
	ck_assert_uint_eq(stream(obj_ino(777), PT_DIR_IN)->origin_seq, 1000);
	ck_assert_uint_eq(stream(obj_ino(777), PT_DIR_IN)->calls[0].off, 0);
	ck_assert(!pt_procmodel_proc(m, P(130))->table_known);
}
END_TEST

START_TEST(test_seeded)
{
	static const char *const argv[] = { "srv", "-d", NULL };
	const __u64 exact = 1234567890ull, rounded = 1230000000ull;
	struct pt_task t;
	struct pt_fdinfo nul = { .kind = PT_FK_CHR, .dev = 3, .ino = 5 };
	struct pt_fdinfo sock = prec_sock4(900, SOCK_STREAM, IPPROTO_TCP, "10.0.0.1", 3333, "10.0.0.9", 443, 5000, 9000);
	struct pt_fdinfo log = prec_file(901, 0);
	const struct pt_pm_stream *s;
	const struct pt_pm_proc *p;
	const struct pt_pm_conn *c;
	struct pt_pm_binding *b;
	union prec r;
	size_t n;
	__u32 so;

	/* the kernel's records carry the exact start time; the probes ran before the /proc scan */
	t = prec_task(900, 140, 140, exact, "srv");
	sock.snd_seq = 4900;
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 3, 100, &sock);
	t = prec_task(1000, 140, 140, rounded, "srv");
	prec_exec(&r, &t, "/usr/bin/srv", argv, true);
	feed(&r);
	sys(&t, PT_CALL_SEED_FD, 0, -1, 0, -1, 0, 0, 0, &nul, "/dev/null", 0);
	sys(&t, PT_CALL_SEED_FD, 0, -1, 3, -1, 0, 0, 0, &sock, NULL, 0);
	sys(&t, PT_CALL_SEED_FD, 0, -1, 4, -1, 0, 0, 0, &log, "/var/log/x", PT_SF_CLOEXEC);
	t = prec_task(2000, 140, 140, exact, "srv");
	sock.snd_seq = 5000;
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 3, 100, &sock);
	t.ts_ns = 2100;
	sock.snd_seq = 5100;
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 3, 50, &sock);
	t.ts_ns = 2200;
	data_(&t, PT_CALL_READ, PT_DIR_IN, 3, 20, &sock);
	t.ts_ns = 3000;
	prec_fork(&r, &t, 141, 141, SN(141), false);
	feed(&r);
	exec_(3100, 141, "/bin/x", argv);
	finish();

	ck_assert_uint_eq(pt_procmodel_nprocs(m), 2);
	ck_assert_uint_eq(pt_procmodel_find_proc(m, 140, rounded), PT_PM_NONE);	/* merged: the exact one stays */
	p = pt_procmodel_proc(m, pt_procmodel_find_proc(m, 140, exact));
	ck_assert_uint_eq(p->start_ns, exact);
	ck_assert_uint_eq(p->origin, PT_PMO_SEED);
	ck_assert(p->table_known);
	ck_assert_uint_eq(p->nexecs, 1);
	ck_assert(p->execs[0].seeded);
	ck_assert_str_eq(p->execs[0].filename, "/usr/bin/srv");
	ck_assert_uint_eq(p->execs[0].argc, 2);
	ck_assert_mem_eq(p->execs[0].argv, "srv\0-d\0", 8);
	ck_assert_uint_eq(p->first_ts, 900);
	ck_assert_uint_eq(p->ncomms, 1);
	ck_assert_str_eq(p->comms[0].comm, "srv");
	ck_assert_uint_eq(pt_procmodel_obj(m, obj_ino(900))->begin, PT_PMB_SEED);
	ck_assert_uint_eq(pt_procmodel_stats(m)->unknown_fd, 1);
	ck_assert(pt_procmodel_proc(m, P(141))->table_known);
	ck_assert_uint_eq(pt_procmodel_proc(m, P(141))->parent, pt_procmodel_find_proc(m, 140, exact));

	ck_assert_int_eq(pt_procmodel_fds(m, pt_procmodel_find_proc(m, 140, exact), 1500, &b, &n), 0);
	ck_assert_uint_eq(n, 3);
	assert_bnd(&b[0], 0, 1000, OPEN, PT_PMB_SEED, PT_PME_NONE);
	ck_assert_uint_eq(b[0].tid_begin, 0);
	ck_assert_str_eq(pt_procmodel_obj(m, b[0].obj)->path, "/dev/null");
	assert_bnd(&b[1], 3, 900, OPEN, PT_PMB_SEED, PT_PME_NONE);	/* seen first, confirmed by the seed */
	ck_assert(!b[1].cloexec);
	assert_bnd(&b[2], 4, 1000, OPEN, PT_PMB_SEED, PT_PME_NONE);
	ck_assert(b[2].cloexec);
	free(b);
	assert_fdset(141, 3200, 2, (int[]){ 0, 3 });

	so = obj_ino(900);
	s = stream(so, PT_DIR_OUT);
	ck_assert_uint_eq(s->mode, PT_PMS_SEQ);
	ck_assert(!s->exact);
	ck_assert_uint_eq(s->origin_seq, 4900);
	ck_assert_uint_eq(s->ncalls, 3);
	ck_assert_uint_eq(s->calls[0].off, 0);
	ck_assert_uint_eq(s->calls[1].off, 100);
	ck_assert_uint_eq(s->calls[2].off, 200);
	ck_assert_uint_eq(s->end, 250);
	s = stream(so, PT_DIR_IN);
	ck_assert_uint_eq(s->origin_seq, 9000);
	ck_assert_uint_eq(s->calls[0].off, 0);

	ck_assert_uint_eq(pt_procmodel_nconns(m), 1);
	c = pt_procmodel_conn(m, 0);
	ck_assert_str_eq(c->id, "tcp:10.0.0.1:3333-10.0.0.9:443/900-0");
	ck_assert_uint_eq(c->obj[0], so);
	ck_assert_uint_eq(c->obj[1], PT_PM_NONE);
	ck_assert_int_eq(c->client, -1);
	ck_assert_uint_eq(pt_procmodel_obj(m, so)->conn, 0);
}
END_TEST

/* ---- streams and connections ---- */

static struct pt_fdinfo lo_sock(__u64 ino, __u16 lport, __u16 rport, __u32 snd, __u32 rcv)
{
	return prec_sock4(ino, SOCK_STREAM, IPPROTO_TCP, "127.0.0.1", lport, rport ? "127.0.0.1" : NULL, rport, snd,
			  rcv);
}

static void set_addr4(union prec *r, const char *a, __u16 port)
{
	r->sys.flags |= PT_SF_ADDR;
	r->sys.addr_family = AF_INET;
	inet_pton(AF_INET, a, r->sys.addr);
	r->sys.port = port;
}

START_TEST(test_tcp_offsets_and_pairing)
{
	struct pt_fdinfo i;
	struct pt_task t;
	const struct pt_pm_stream *s;
	const struct pt_pm_conn *c;
	struct pt_pm_binding *b;
	struct pt_pm_range *rg;
	union prec r;
	__u32 lis, srv, cli, *procs;
	size_t n;

	t = tk(100, 150);
	i = lo_sock(1000, 0, 0, 0, 0);
	sys(&t, PT_CALL_SOCKET, 3, -1, 3, -1, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0, &i, NULL, 0);
	t = tk(110, 150);
	i = lo_sock(1000, 8080, 0, 0, 0);
	prec_sys(&r, &t, PT_CALL_BIND, 0, 3, -1, -1);
	r.sys.info = i;
	set_addr4(&r, "127.0.0.1", 8080);
	feed(&r);
	t = tk(120, 150);
	sys(&t, PT_CALL_LISTEN, 0, 3, -1, -1, 128, 0, 0, &i, NULL, 0);

	t = tk(200, 160);
	i = lo_sock(2000, 0, 0, 0, 0);
	sys(&t, PT_CALL_SOCKET, 3, -1, 3, -1, AF_INET, SOCK_STREAM, 0, &i, NULL, 0);
	t = tk(210, 160);
	prec_sys(&r, &t, PT_CALL_CONNECT, 0, 3, -1, -1);
	r.sys.info = lo_sock(2000, 40000, 8080, 0xfffffff0u, 0x10000);
	set_addr4(&r, "127.0.0.1", 8080);
	feed(&r);
	t = tk(220, 150);
	prec_sys(&r, &t, PT_CALL_ACCEPT4, 4, 3, 4, -1);
	r.sys.arg[0] = SOCK_CLOEXEC;
	r.sys.info = lo_sock(1001, 8080, 40000, 0x10000, 0xfffffff0u);
	set_addr4(&r, "127.0.0.1", 40000);
	feed(&r);

	/* client -> server across the 2^32 wrap: 10 + 20 + 5 bytes */
	t = tk(300, 160);
	i = lo_sock(2000, 40000, 8080, 0xfffffff0u, 0x10000);
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 3, 10, &i);
	t = tk(310, 160);
	i.snd_seq = 0xfffffffau;
	data_(&t, PT_CALL_SENDTO, PT_DIR_OUT, 3, 20, &i);
	t = tk(320, 160);
	i.snd_seq = 0x0000000eu;
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 3, 5, &i);
	t = tk(330, 150);
	i = lo_sock(1001, 8080, 40000, 0x10000, 0xfffffff0u);
	data_(&t, PT_CALL_READ, PT_DIR_IN, 4, 30, &i);
	t = tk(340, 150);
	i.rcv_seq = 0x0000000eu;
	data_(&t, PT_CALL_RECV, PT_DIR_IN, 4, 5, &i);
	/* server -> client */
	t = tk(350, 150);
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 4, 100, &i);
	t = tk(360, 160);
	i = lo_sock(2000, 40000, 8080, 0x0000000eu, 0x10000);
	data_(&t, PT_CALL_READ, PT_DIR_IN, 3, 100, &i);
	finish();
	lis = obj_ino(1000);
	srv = obj_ino(1001);
	cli = obj_ino(2000);

	s = stream(cli, PT_DIR_OUT);
	ck_assert_uint_eq(s->mode, PT_PMS_SEQ);
	ck_assert(s->exact);
	ck_assert_uint_eq(s->origin_seq, 0xfffffff0u);
	ck_assert_uint_eq(s->ncalls, 3);
	ck_assert_uint_eq(s->calls[0].off, 0);
	ck_assert_uint_eq(s->calls[1].off, 10);
	ck_assert_uint_eq(s->calls[2].off, 30);
	ck_assert_uint_eq(s->bytes, 35);
	ck_assert_uint_eq(s->end, 35);
	ck_assert_uint_eq(s->first_ts, 300);
	ck_assert_uint_eq(s->last_ts, 320);
	s = stream(srv, PT_DIR_IN);
	ck_assert(s->exact);
	ck_assert_uint_eq(s->calls[0].off, 0);
	ck_assert_uint_eq(s->calls[1].off, 30);
	ck_assert_uint_eq(stream(srv, PT_DIR_OUT)->calls[0].off, 0);
	ck_assert(stream(cli, PT_DIR_IN)->exact);
	ck_assert_uint_eq(stream(cli, PT_DIR_IN)->calls[0].off, 0);
	ck_assert_uint_eq(stream(cli, PT_DIR_IN)->end, 100);
	ck_assert_int_eq(pt_procmodel_stream_procs(m, cli, PT_DIR_OUT, &procs, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(procs[0], P(160));
	free(procs);

	ck_assert(pt_procmodel_obj(m, lis)->listening);
	ck_assert_uint_eq(pt_procmodel_obj(m, lis)->role, PT_PMR_LISTEN);
	ck_assert_uint_eq(pt_procmodel_obj(m, lis)->lport, 8080);
	ck_assert_uint_eq(pt_procmodel_obj(m, srv)->role, PT_PMR_ACCEPT);
	ck_assert_uint_eq(pt_procmodel_obj(m, srv)->listener, lis);
	ck_assert_uint_eq(pt_procmodel_obj(m, cli)->role, PT_PMR_CONNECT);
	ck_assert_uint_eq(pt_procmodel_obj(m, cli)->pair, srv);
	ck_assert_uint_eq(pt_procmodel_obj(m, srv)->pair, cli);

	ck_assert_uint_eq(pt_procmodel_nconns(m), 1);
	c = pt_procmodel_conn(m, 0);
	ck_assert_str_eq(c->id, "tcp:127.0.0.1:8080-127.0.0.1:40000/1001-2000");
	ck_assert_uint_eq(c->kind, PT_PMC_TCP);
	ck_assert_uint_eq(c->obj[0], srv);
	ck_assert_uint_eq(c->obj[1], cli);
	ck_assert_int_eq(c->client, 1);
	ck_assert_uint_eq(c->port[0], 8080);
	ck_assert_uint_eq(c->port[1], 40000);
	ck_assert_uint_eq(c->first_ts, 200);
	ck_assert_uint_eq(pt_procmodel_find_conn(m, c->id), 0);
	ck_assert_uint_eq(pt_procmodel_find_conn(m, "tcp:nope"), PT_PM_NONE);
	ck_assert_uint_eq(pt_procmodel_obj(m, cli)->conn, 0);

	/* no content was captured: the whole stream is a gap of that kind */
	ck_assert_int_eq(pt_procmodel_conn_content(m, 0, 1, 0, ~0ull, &rg, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(rg[0].off, 0);
	ck_assert_uint_eq(rg[0].len, 35);
	ck_assert_uint_eq(rg[0].gap, PT_PMG_OFF);
	free(rg);

	/* accept4(SOCK_CLOEXEC) */
	b = fds_at(150, 400, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[1], 4, 220, OPEN, PT_PMB_ACCEPT, PT_PME_NONE);
	ck_assert(b[1].cloexec);
	ck_assert_uint_eq(b[1].obj, srv);
	free(b);
}
END_TEST

START_TEST(test_tcp_relative_offsets)
{
	struct pt_fdinfo i = prec_sock4(3000, SOCK_STREAM, IPPROTO_TCP, "10.1.0.1", 1111, "10.1.0.2", 2222,
					0xffffffb0u + 100, 0);
	struct pt_task t = tk(100, 170);
	const struct pt_pm_stream *s;

	/* two threads' writes ending in the other order: the one with the lower seq comes second */
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 5, 50, &i);
	t = tkt(110, 170, 171);
	i.snd_seq = 0xffffffb0u;
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 5, 100, &i);
	t = tk(120, 170);
	i.snd_seq = 0xffffffb0u + 150;
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 5, 10, &i);
	finish();

	s = stream(obj_ino(3000), PT_DIR_OUT);
	ck_assert_uint_eq(s->mode, PT_PMS_SEQ);
	ck_assert(!s->exact);
	ck_assert_uint_eq(s->origin_seq, 0xffffffb0u);
	ck_assert_uint_eq(s->ncalls, 3);
	ck_assert_uint_eq(s->calls[0].off, 100);
	ck_assert_uint_eq(s->calls[1].off, 0);
	ck_assert_uint_eq(s->calls[1].tid, 171);
	ck_assert_uint_eq(s->calls[2].off, 150);
	ck_assert_uint_eq(s->end, 160);
	ck_assert_uint_eq(s->bytes, 160);
}
END_TEST

START_TEST(test_tcp_eof_after_fin)
{
	struct pt_fdinfo i = prec_sock4(3100, SOCK_STREAM, IPPROTO_TCP, "10.1.0.1", 1111, "10.1.0.2", 2222, 0, 5000);
	struct pt_task t = tk(100, 180);
	const struct pt_pm_stream *s;

	/* 100 bytes received, then EOF: copied_seq passed the FIN, one past the last byte */
	data_(&t, PT_CALL_READ, PT_DIR_IN, 5, 100, &i);
	t = tk(110, 180);
	i.rcv_seq = 5000 + 100 + 1;
	data_(&t, PT_CALL_READ, PT_DIR_IN, 5, 0, &i);
	finish();

	s = stream(obj_ino(3100), PT_DIR_IN);
	ck_assert_uint_eq(s->mode, PT_PMS_SEQ);
	ck_assert_uint_eq(s->ncalls, 2);
	ck_assert_uint_eq(s->calls[1].off, 101);
	ck_assert_uint_eq(s->calls[1].size, 0);
	ck_assert_uint_eq(s->end, 100);
	ck_assert_uint_eq(s->bytes, 100);
}
END_TEST

/* A write of size bytes of content c by thread tid of 190 on fd 3; flagged uncertain from lo when lo != 0. */
static void send_(__u64 ts, __u32 tid, __u32 seq, __u32 size, char c, __u32 lo)
{
	struct pt_task t = tkt(ts, 190, tid);
	char buf[64];
	union prec r;

	memset(buf, c, sizeof(buf));
	prec_data(&r, &t, PT_CALL_WRITE, PT_DIR_OUT, 3, size, buf, size, size);
	r.data.info = lo_sock(4000, 41000, 8080, seq, 0x5000);
	if (lo) {
		r.data.flags |= PT_DAF_SEQ_UNCERTAIN;
		r.data.seq_lo = lo;
	}
	feed(&r);
}

/*
 * Two threads' sends on one socket, the probe's PT_DAF_SEQ_UNCERTAIN marks:
 * A [0, 10) finished after B [10, 30) had gone in, so its record says 20 with
 * the window [0, 30): B's bytes leave one hole of A's size, A goes there. E [35,
 * 39) and F [39, 45) both overtaken: their window has one hole of 10 bytes for
 * the two, neither is placed, and their bytes are left out of the content
 * rather than shown at a guessed offset.
 */
START_TEST(test_tcp_uncertain_sends)
{
	const __u32 S = 0xfffffff0u;	/* across the wrap */
	const struct pt_pm_stream *s;
	struct pt_pm_range *rg;
	struct pt_task t;
	union prec r;
	__u32 cli;
	size_t n;

	t = tk(100, 190);
	r.sys.info = lo_sock(4000, 0, 0, 0, 0);
	sys(&t, PT_CALL_SOCKET, 3, -1, 3, -1, AF_INET, SOCK_STREAM, 0, &r.sys.info, NULL, 0);
	t = tk(110, 190);
	prec_sys(&r, &t, PT_CALL_CONNECT, 0, 3, -1, -1);
	r.sys.info = lo_sock(4000, 41000, 8080, S, 0x5000);
	set_addr4(&r, "127.0.0.1", 8080);
	feed(&r);
	send_(300, 191, S + 10, 20, 'B', 0);
	send_(310, 192, S + 20, 10, 'A', S);
	send_(320, 191, S + 30, 5, 'D', 0);
	send_(330, 192, S + 41, 4, 'E', S + 35);
	send_(340, 191, S + 39, 6, 'F', S + 35);
	send_(350, 191, S + 45, 3, 'G', 0);
	finish();
	cli = obj_ino(4000);
	s = stream(cli, PT_DIR_OUT);
	ck_assert(s->exact);
	ck_assert_uint_eq(s->ncalls, 6);
	ck_assert_uint_eq(s->calls[0].off, 10);
	ck_assert_uint_eq(s->calls[1].off, 0);		/* A: placed */
	ck_assert_uint_eq(s->calls[1].flags, 0);
	ck_assert_uint_eq(s->calls[2].off, 30);
	ck_assert_uint_eq(s->calls[3].flags, PT_DAF_SEQ_UNCERTAIN);	/* E, F: not placeable */
	ck_assert_uint_eq(s->calls[4].flags, PT_DAF_SEQ_UNCERTAIN);
	ck_assert_uint_eq(s->calls[5].off, 45);
	ck_assert_uint_eq(s->end, 48);
	ck_assert_int_eq(pt_procmodel_content(m, cli, PT_DIR_OUT, 0, ~0ull, &rg, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(rg[0].off, 0);
	ck_assert_uint_eq(rg[0].len, 10);
	ck_assert_mem_eq(rg[0].bytes, "AAAAAAAAAA", 10);
	ck_assert_uint_eq(rg[1].off, 10);
	ck_assert_uint_eq(rg[1].len, 20);
	ck_assert_uint_eq(rg[1].bytes[0], 'B');
	ck_assert_uint_eq(rg[2].off, 30);
	ck_assert_mem_eq(rg[2].bytes, "DDDDD", 5);
	ck_assert_uint_eq(rg[3].off, 35);
	ck_assert_uint_eq(rg[3].len, 10);
	ck_assert_uint_eq(rg[3].gap, PT_PMG_UNSEEN);
	ck_assert_uint_eq(rg[4].off, 45);
	ck_assert_mem_eq(rg[4].bytes, "GGG", 3);
	free(rg);
	/* offsets past the end, up to 2^64 - 1 (was: a signed overflow from 2^63 on): nothing */
	static const __u64 past[] = { 48, 1000, 1ull << 62, (1ull << 63) - 1, 1ull << 63, ~0ull };

	for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
		rg = NULL;
		ck_assert_int_eq(pt_procmodel_content(m, cli, PT_DIR_OUT, past[i], ~0ull, &rg, &n), 0);
		ck_assert_uint_eq(n, 0);
		free(rg);
	}
}
END_TEST

START_TEST(test_call_inflight_across_close)
{
	struct pt_fdinfo a = prec_sock4(0, SOCK_STREAM, 0, NULL, 0, NULL, 0, 0, 0), none = { 0 };
	const struct pt_pm_stream *st;
	struct pt_pm_binding *b;
	struct pt_task t = tk(100, 90);
	union prec r;
	size_t n;
	__u32 o;

	a.family = AF_UNIX;
	a.ino = 901;
	sys(&t, PT_CALL_SOCKETPAIR, 0, -1, 3, 4, AF_UNIX, SOCK_STREAM, 0, &a, NULL, 0);
	prec_fork(&r, &t, 90, 91, SN(90), true);
	feed(&r);
	/* thread 91 blocks in recv on fd 3; thread 90 closes fd 3; the recv returns 10 bytes after */
	t = tk(300, 90);
	sys(&t, PT_CALL_CLOSE, 0, 3, -1, -1, 0, 0, 0, &a, NULL, 0);
	t = tkt(400, 90, 91);
	data_(&t, PT_CALL_RECVFROM, PT_DIR_IN, 3, 10, &none);
	/* the same thread's own close does not count: a call after it on fd 3 is unknown */
	t = tk(500, 90);
	sys(&t, PT_CALL_CLOSE, 0, 4, -1, -1, 0, 0, 0, NULL, NULL, 0);
	data_(&t, PT_CALL_READ, PT_DIR_IN, 4, 5, &none);
	finish();

	o = obj_ino(901);
	st = stream(o, PT_DIR_IN);
	ck_assert_uint_eq(st->ncalls, 1);
	ck_assert_uint_eq(st->bytes, 10);
	ck_assert_uint_eq(st->calls[0].tid, 91);
	ck_assert_uint_eq(pt_procmodel_stats(m)->inflight, 1);
	ck_assert_uint_eq(pt_procmodel_stats(m)->unknown_fd, 1);
	assert_fdset(90, 450, 1, (int[]){ 4 });
	b = history(90, &n);
	ck_assert_uint_eq(n, 3);
	assert_bnd(&b[0], 3, 100, 300, PT_PMB_SOCKETPAIR, PT_PME_CLOSE);
	free(b);
}
END_TEST

/* fcntl(F_SETFD) in flight across another thread's close of its fd: the
 * kernel found no file at exit; the bit went with the fd (was: a read of
 * binding NONE, a crash of every query on the store) */
START_TEST(test_setfd_inflight_across_close)
{
	struct pt_fdinfo a = prec_sock4(0, SOCK_STREAM, 0, NULL, 0, NULL, 0, 0, 0), none = { 0 };
	struct pt_pm_binding *b;
	struct pt_task t = tk(100, 90);
	union prec r;
	size_t n;

	a.family = AF_UNIX;
	a.ino = 902;
	sys(&t, PT_CALL_SOCKETPAIR, 0, -1, 3, 4, AF_UNIX, SOCK_STREAM, 0, &a, NULL, 0);
	prec_fork(&r, &t, 90, 91, SN(90), true);
	feed(&r);
	t = tk(300, 90);
	sys(&t, PT_CALL_CLOSE, 0, 3, -1, -1, 0, 0, 0, &a, NULL, 0);
	t = tkt(400, 90, 91);
	sys(&t, PT_CALL_FCNTL, 0, 3, -1, -1, F_SETFD, FD_CLOEXEC, 0, &none, NULL, 0);
	finish();

	ck_assert_uint_eq(pt_procmodel_stats(m)->inflight, 1);
	ck_assert_uint_eq(pt_procmodel_stats(m)->unknown_fd, 0);
	assert_fdset(90, 450, 1, (int[]){ 4 });
	b = history(90, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 100, 300, PT_PMB_SOCKETPAIR, PT_PME_CLOSE);
	ck_assert(!b[0].cloexec);
	free(b);
}
END_TEST

START_TEST(test_udp_pipe_file_counts)
{
	struct pt_fdinfo u = prec_sock4(4000, SOCK_DGRAM, IPPROTO_UDP, "10.0.0.1", 5353, NULL, 0, 0, 0);
	struct pt_fdinfo p = prec_pipe(4100), f;
	struct pt_task t = tk(90, 180);
	const struct pt_pm_stream *s;
	const struct pt_pm_peer *pe;
	struct pt_pm_range *rg;
	struct pt_pm_binding *b;
	const char *peers[] = { "10.0.0.5", "10.0.0.5", "10.0.0.5", "10.0.0.6" };
	__u32 uo, ro, wo, fo;
	union prec r;
	size_t n;

	sys(&t, PT_CALL_SOCKET, 3, -1, 3, -1, AF_INET, SOCK_DGRAM, 0, &u, NULL, 0);
	for (int k = 0; k < 4; k++) {
		static const __u64 size[] = { 10, 20, 30, 5 };

		t = tk(100 + 10 * (__u64)k, 180);
		prec_data(&r, &t, k == 2 ? PT_CALL_RECVFROM : PT_CALL_SENDTO, k == 2 ? PT_DIR_IN : PT_DIR_OUT, 3, size[k],
			  NULL, 0, 0);
		r.data.info = u;
		r.data.flags = PT_DAF_ADDR;
		r.data.peer_family = AF_INET;
		r.data.peer_port = 53;
		inet_pton(AF_INET, peers[k], r.data.peer_addr);
		feed(&r);
	}
	t = tk(200, 180);
	sys(&t, PT_CALL_PIPE2, 0, -1, 4, 5, O_CLOEXEC, 0, 0, &p, NULL, PT_SF_CLOEXEC);
	t = tk(210, 180);
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 5, 5, &p);
	t = tk(220, 180);
	data_(&t, PT_CALL_WRITEV, PT_DIR_OUT, 5, 7, &p);
	t = tk(230, 180);
	data_(&t, PT_CALL_READ, PT_DIR_IN, 4, 12, &p);
	open_(300, 180, 6, 4200, false);
	t = tk(310, 180);
	f = prec_file(4200, 100);
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 6, 100, &f);
	t = tk(320, 180);
	prec_data(&r, &t, PT_CALL_PWRITE64, PT_DIR_OUT, 6, 10, NULL, 0, 0);
	r.data.offset = 500;
	r.data.info = f;
	feed(&r);
	t = tk(330, 180);
	f = prec_file(4200, 140);
	data_(&t, PT_CALL_READ, PT_DIR_IN, 6, 40, &f);
	t = tk(400, 180);
	prec_data(&r, &t, PT_CALL_SENDFILE, PT_DIR_OUT, 3, 64, NULL, 0, 0);
	r.data.fd2 = 6;
	r.data.flags = PT_DAF_NOCONTENT;
	r.data.info = u;
	feed(&r);
	finish();
	uo = obj_ino(4000);
	fo = obj_ino(4200);

	s = stream(uo, PT_DIR_OUT);
	ck_assert_uint_eq(s->mode, PT_PMS_COUNT);
	ck_assert(s->exact);
	ck_assert_uint_eq(s->ncalls, 4);
	ck_assert_uint_eq(s->calls[0].off, 0);
	ck_assert_uint_eq(s->calls[1].off, 10);
	ck_assert_uint_eq(s->calls[2].off, 30);
	ck_assert_uint_eq(s->calls[3].off, 35);
	ck_assert_uint_eq(s->calls[3].call, PT_CALL_SENDFILE);
	ck_assert_uint_eq(s->bytes, 99);
	ck_assert_uint_eq(s->calls[0].peer, s->calls[1].peer);
	ck_assert_uint_ne(s->calls[0].peer, s->calls[2].peer);
	ck_assert_uint_eq(s->calls[3].peer, PT_PM_NONE);
	pe = pt_procmodel_peer(m, s->calls[2].peer);
	ck_assert_ptr_nonnull(pe);
	ck_assert_uint_eq(pe->port, 53);
	ck_assert_mem_eq(pe->addr, "\x0a\x00\x00\x06", 4);
	s = stream(uo, PT_DIR_IN);
	ck_assert_uint_eq(s->ncalls, 1);
	ck_assert_uint_eq(s->calls[0].off, 0);
	ck_assert_uint_eq(s->calls[0].size, 30);
	ck_assert_uint_eq(pt_procmodel_peer(m, s->calls[0].peer)->addr[3], 5);

	b = fds_at(180, 250, &n);
	ck_assert_uint_eq(n, 3);
	assert_bnd(&b[1], 4, 200, OPEN, PT_PMB_PIPE, PT_PME_NONE);
	assert_bnd(&b[2], 5, 200, OPEN, PT_PMB_PIPE, PT_PME_NONE);
	ck_assert(b[1].cloexec && b[2].cloexec);
	ro = b[1].obj;
	wo = b[2].obj;
	free(b);
	ck_assert_uint_ne(ro, wo);
	ck_assert_uint_eq(pt_procmodel_obj(m, ro)->pair, wo);
	ck_assert_uint_eq(pt_procmodel_obj(m, wo)->pair, ro);
	ck_assert_uint_eq(pt_procmodel_obj(m, wo)->kind, PT_FK_PIPE);
	ck_assert_uint_eq(pt_procmodel_obj(m, wo)->ino, 4100);
	s = stream(wo, PT_DIR_OUT);
	ck_assert_uint_eq(s->ncalls, 2);
	ck_assert_uint_eq(s->calls[1].off, 5);
	ck_assert_uint_eq(s->end, 12);
	ck_assert_int_eq(s->calls[0].fpos, -1);
	s = stream(ro, PT_DIR_IN);
	ck_assert_uint_eq(s->ncalls, 1);
	ck_assert_uint_eq(s->calls[0].size, 12);

	s = stream(fo, PT_DIR_OUT);
	ck_assert_uint_eq(s->ncalls, 2);
	ck_assert_uint_eq(s->calls[0].off, 0);
	ck_assert_int_eq(s->calls[0].fpos, 0);
	ck_assert_uint_eq(s->calls[1].off, 100);
	ck_assert_int_eq(s->calls[1].fpos, 500);
	s = stream(fo, PT_DIR_IN);
	ck_assert_uint_eq(s->ncalls, 2);
	ck_assert_uint_eq(s->calls[0].off, 0);
	ck_assert_int_eq(s->calls[0].fpos, 100);
	ck_assert_uint_eq(s->calls[1].off, 40);
	ck_assert_uint_eq(s->calls[1].size, 64);
	ck_assert_uint_eq(s->calls[1].call, PT_CALL_SENDFILE);
	ck_assert_int_eq(pt_procmodel_content(m, fo, PT_DIR_IN, 40, 64, &rg, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(rg[0].gap, PT_PMG_NOCONTENT);
	ck_assert_uint_eq(rg[0].len, 64);
	free(rg);
	ck_assert_uint_eq(pt_procmodel_nconns(m), 0);
}
END_TEST

START_TEST(test_pairing_rules_and_socketpair)
{
	struct pt_fdinfo a = prec_sock4(7000, SOCK_STREAM, 0, NULL, 0, NULL, 0, 0, 0);
	struct pt_fdinfo x = lo_sock(8000, 6000, 7000, 0, 0), y = lo_sock(8001, 7000, 6000, 0, 0);
	struct pt_task t = tk(100, 190);
	const struct pt_pm_conn *c;
	struct pt_pm_range *rg;
	union prec r;
	size_t n;

	a.family = AF_UNIX;
	memset(a.laddr, 0, sizeof(a.laddr));
	sys(&t, PT_CALL_SOCKETPAIR, 0, -1, 3, 4, AF_UNIX, SOCK_STREAM, 0, &a, NULL, 0);
	t = tk(110, 190);
	prec_data(&r, &t, PT_CALL_WRITE, PT_DIR_OUT, 3, 4, "ping", 4, 4);
	r.data.info = a;
	feed(&r);
	t = tk(120, 190);
	a.ino = 7001;
	prec_data(&r, &t, PT_CALL_READ, PT_DIR_IN, 4, 4, "ping", 4, 4);
	r.data.info = a;
	feed(&r);
	/* mirrored loopback tuples in two network namespaces: not one connection */
	y.sk_netns_ino = 4026532000ull;
	t = tk(200, 191);
	data_(&t, PT_CALL_WRITE, PT_DIR_OUT, 3, 1, &x);
	t = tk(210, 192);
	data_(&t, PT_CALL_READ, PT_DIR_IN, 3, 1, &y);
	finish();

	ck_assert_uint_eq(pt_procmodel_nconns(m), 3);
	c = pt_procmodel_conn(m, 0);
	ck_assert_uint_eq(c->kind, PT_PMC_SOCKETPAIR);
	ck_assert_str_eq(c->id, "unix:7000-7001");
	ck_assert_uint_eq(c->obj[0], obj_ino(7000));
	ck_assert_uint_eq(c->obj[1], obj_ino(7001));
	ck_assert_uint_eq(pt_procmodel_obj(m, obj_ino(7000))->pair, obj_ino(7001));
	ck_assert_int_eq(pt_procmodel_conn_content(m, 0, 0, 0, ~0ull, &rg, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(rg[0].gap, PT_PMG_DATA);
	ck_assert_uint_eq(rg[0].len, 4);
	ck_assert_mem_eq(rg[0].bytes, "ping", 4);
	free(rg);
	ck_assert_int_eq(pt_procmodel_conn_content(m, 0, 1, 0, ~0ull, &rg, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(rg);

	c = pt_procmodel_conn(m, 1);
	ck_assert_str_eq(c->id, "tcp:127.0.0.1:6000-127.0.0.1:7000/8000-0");
	ck_assert_uint_eq(c->obj[1], PT_PM_NONE);
	c = pt_procmodel_conn(m, 2);
	ck_assert_str_eq(c->id, "tcp:127.0.0.1:6000-127.0.0.1:7000/0-8001");
	ck_assert_uint_eq(c->obj[0], PT_PM_NONE);
	ck_assert_uint_eq(c->obj[1], obj_ino(8001));
}
END_TEST

/* ---- content ---- */

static __u8 pat(__u64 i)
{
	return (__u8)(i * 7 + 3);
}

static __u8 buf[10000];

/* A write of size bytes at seq with captured bytes announced, the first min(captured, 4096) inline. */
/* pid 200 connects fd 3 (socket inode 9000, 10.3.0.1:1000 -> 10.3.0.2:2000) at ts 50, write_seq base. */
static void cconnect(__u32 base)
{
	struct pt_task t = tk(50, 200);
	union prec r;

	prec_sys(&r, &t, PT_CALL_CONNECT, 0, 3, -1, -1);
	r.sys.info = prec_sock4(9000, SOCK_STREAM, IPPROTO_TCP, "10.3.0.1", 1000, "10.3.0.2", 2000, base, 77);
	feed(&r);
}

static void cwrite(__u64 ts, __u32 seq, __u64 size, __u64 captured, __u16 flags, __u64 stream_off)
{
	struct pt_task t = tk(ts, 200);
	union prec r;
	__u32 inl = captured < PT_CHUNK_MAX ? (__u32)captured : PT_CHUNK_MAX;

	for (__u64 i = 0; i < size && i < sizeof(buf); i++)
		buf[i] = pat(stream_off + i);
	prec_data(&r, &t, PT_CALL_WRITE, PT_DIR_OUT, 3, size, buf, inl, captured);
	r.data.flags = flags;
	r.data.info = prec_sock4(9000, SOCK_STREAM, IPPROTO_TCP, "10.3.0.1", 1000, "10.3.0.2", 2000, seq, 0);
	feed(&r);
}

static void cchunk(__u64 ts, __u64 off, __u32 len, __u64 stream_off)
{
	union prec r;

	for (__u32 i = 0; i < len; i++)
		buf[i] = pat(stream_off + off + i);
	prec_chunk(&r, 200, ts, 0, off, buf, len);
	feed(&r);
}

static void assert_range(const struct pt_pm_range *r, __u64 off, __u64 len, __u8 gap)
{
	ck_assert_uint_eq(r->off, off);
	ck_assert_uint_eq(r->len, len);
	ck_assert_uint_eq(r->gap, gap);
	if (gap != PT_PMG_DATA) {
		ck_assert_ptr_null(r->bytes);
		return;
	}
	for (__u64 i = 0; i < len; i++)
		ck_assert_msg(r->bytes[i] == pat(off + i), "byte %llu", (unsigned long long)(off + i));
}

START_TEST(test_content_assembly)
{
	const __u32 base = 0xffffff00u;	/* the stream wraps inside the first write */
	struct pt_pm_range *rg;
	union prec r;
	size_t n;
	__u32 o;

	cconnect(base);
	cwrite(100, base, 10000, 10000, 0, 0);	/* whole: inline + 2 chunks */
	cchunk(100, 4096, 4096, 0);
	cchunk(100, 8192, 1808, 0);
	cwrite(200, base + 10000, 10000, 10000, 0, 10000);	/* the middle chunk lost */
	cchunk(200, 8192, 1808, 10000);
	cwrite(300, base + 20000, 10000, 4096, PT_DAF_TRUNC, 20000);	/* past --content */
	cwrite(400, base + 30000, 100, 0, PT_DAF_TRUNC, 30000);	/* content off */
	cwrite(500, base + 30150, 10, 10, 0, 30150);	/* 50 bytes never seen before it */
	cwrite(600, base + 30160, 20, 5, PT_DAF_FAULT, 30160);
	cwrite(650, base + 30180, 100, 0, PT_DAF_LIMIT, 30180);	/* past record's budget */
	prec_chunk(&r, 200, 700, 0, 0, "x", 1);	/* its DATA is missing */
	feed(&r);
	finish();
	o = obj_ino(9000);
	ck_assert_uint_eq(pt_procmodel_stats(m)->orphan_chunks, 1);
	ck_assert_uint_eq(stream(o, PT_DIR_OUT)->end, 30280);

	ck_assert_int_eq(pt_procmodel_content(m, o, PT_DIR_OUT, 0, ~0ull, &rg, &n), 0);
	ck_assert_uint_eq(n, 14);
	assert_range(&rg[0], 0, 4096, PT_PMG_DATA);
	assert_range(&rg[1], 4096, 4096, PT_PMG_DATA);
	assert_range(&rg[2], 8192, 1808, PT_PMG_DATA);
	assert_range(&rg[3], 10000, 4096, PT_PMG_DATA);
	assert_range(&rg[4], 14096, 4096, PT_PMG_RING);
	assert_range(&rg[5], 18192, 1808, PT_PMG_DATA);
	assert_range(&rg[6], 20000, 4096, PT_PMG_DATA);
	assert_range(&rg[7], 24096, 5904, PT_PMG_TRUNC);
	assert_range(&rg[8], 30000, 100, PT_PMG_OFF);
	assert_range(&rg[9], 30100, 50, PT_PMG_UNSEEN);
	assert_range(&rg[10], 30150, 10, PT_PMG_DATA);
	assert_range(&rg[11], 30160, 5, PT_PMG_DATA);
	assert_range(&rg[12], 30165, 15, PT_PMG_FAULT);
	assert_range(&rg[13], 30180, 100, PT_PMG_LIMIT);
	free(rg);

	ck_assert_int_eq(pt_procmodel_content(m, o, PT_DIR_OUT, 5000, 100, &rg, &n), 0);
	ck_assert_uint_eq(n, 1);
	assert_range(&rg[0], 5000, 100, PT_PMG_DATA);
	free(rg);
	ck_assert_int_eq(pt_procmodel_content(m, o, PT_DIR_OUT, 14000, 200, &rg, &n), 0);
	ck_assert_uint_eq(n, 2);
	assert_range(&rg[0], 14000, 96, PT_PMG_DATA);
	assert_range(&rg[1], 14096, 104, PT_PMG_RING);
	free(rg);
	ck_assert_int_eq(pt_procmodel_content(m, o, PT_DIR_OUT, 30170, 1000, &rg, &n), 0);
	ck_assert_uint_eq(n, 2);
	assert_range(&rg[0], 30170, 10, PT_PMG_FAULT);
	assert_range(&rg[1], 30180, 100, PT_PMG_LIMIT);
	free(rg);
	ck_assert_int_eq(pt_procmodel_content(m, o, PT_DIR_OUT, 40000, 10, &rg, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(pt_procmodel_content(m, o, PT_DIR_IN, 0, 10, &rg, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/*
 * Content past the first window ends early: a CHUNK without bytes and
 * PT_CHF_FAULT / PT_CHF_IOV at the first byte not read cuts what the DATA
 * record announced, and the rest is a fault / iov_limit gap, not "lost".
 */
START_TEST(test_content_ends_early)
{
	const __u32 base = 5000;
	struct pt_pm_range *rg;
	union prec r;
	size_t n;
	__u32 o;

	cconnect(base);
	cwrite(100, base, 20000, 20000, 0, 0);	/* announced 20000, 12288 read */
	cchunk(100, 4096, 4096, 0);
	cchunk(100, 8192, 4096, 0);
	prec_chunk(&r, 200, 100, 0, 12288, NULL, 0);
	r.chunk.flags = PT_CHF_FAULT;
	feed(&r);
	cwrite(300, base + 20000, 10000, 10000, 0, 20000);	/* announced 10000, 8192 read */
	cchunk(300, 4096, 4096, 20000);
	prec_chunk(&r, 200, 300, 0, 8192, NULL, 0);
	r.chunk.flags = PT_CHF_IOV;
	feed(&r);
	finish();
	o = obj_ino(9000);
	ck_assert_int_eq(pt_procmodel_content(m, o, PT_DIR_OUT, 0, ~0ull, &rg, &n), 0);
	ck_assert_uint_eq(n, 7);
	assert_range(&rg[0], 0, 4096, PT_PMG_DATA);
	assert_range(&rg[1], 4096, 4096, PT_PMG_DATA);
	assert_range(&rg[2], 8192, 4096, PT_PMG_DATA);
	assert_range(&rg[3], 12288, 7712, PT_PMG_FAULT);
	assert_range(&rg[4], 20000, 4096, PT_PMG_DATA);
	assert_range(&rg[5], 24096, 4096, PT_PMG_DATA);
	assert_range(&rg[6], 28192, 1808, PT_PMG_IOV);
	free(rg);
}
END_TEST

START_TEST(test_conn_content_from_receiver)
{
	struct pt_fdinfo ci = prec_sock4(9100, SOCK_STREAM, IPPROTO_TCP, "10.2.0.1", 40001, "10.2.0.2", 80, 5000, 1);
	struct pt_fdinfo si = prec_sock4(9101, SOCK_STREAM, IPPROTO_TCP, "10.2.0.2", 80, "10.2.0.1", 40001, 1, 5100);
	struct pt_task t = tk(100, 210);
	const struct pt_pm_conn *c;
	struct pt_pm_range *rg;
	union prec r;
	size_t n;

	sys(&t, PT_CALL_CONNECT, 0, 3, -1, -1, 0, 0, 0, &ci, NULL, 0);
	for (int i = 0; i < 300; i++)
		buf[i] = pat((__u64)i);
	t = tk(200, 210);
	prec_data(&r, &t, PT_CALL_WRITE, PT_DIR_OUT, 3, 100, buf, 100, 100);
	r.data.info = ci;
	feed(&r);
	t = tk(210, 210);
	prec_data(&r, &t, PT_CALL_WRITE, PT_DIR_OUT, 3, 200, buf + 100, 50, 50);
	r.data.flags = PT_DAF_TRUNC;
	ci.snd_seq = 5100;
	r.data.info = ci;
	feed(&r);
	/* the server was seen only from its second read on: relative offsets, aligned by seq */
	t = tk(300, 211);
	prec_data(&r, &t, PT_CALL_READ, PT_DIR_IN, 4, 200, buf + 100, 200, 200);
	r.data.info = si;
	feed(&r);
	finish();

	ck_assert(!stream(obj_ino(9101), PT_DIR_IN)->exact);
	ck_assert_uint_eq(stream(obj_ino(9101), PT_DIR_IN)->calls[0].off, 0);
	ck_assert_uint_eq(pt_procmodel_nconns(m), 1);
	c = pt_procmodel_conn(m, 0);
	ck_assert_str_eq(c->id, "tcp:10.2.0.1:40001-10.2.0.2:80/9100-9101");
	ck_assert_int_eq(c->client, 0);
	ck_assert_int_eq(pt_procmodel_conn_content(m, 0, 0, 0, ~0ull, &rg, &n), 0);
	ck_assert_uint_eq(n, 3);
	assert_range(&rg[0], 0, 100, PT_PMG_DATA);
	assert_range(&rg[1], 100, 50, PT_PMG_DATA);
	assert_range(&rg[2], 150, 150, PT_PMG_DATA);	/* from the receiver's read */
	free(rg);
	/* the sender's stream alone still shows the truncation */
	ck_assert_int_eq(pt_procmodel_content(m, obj_ino(9100), PT_DIR_OUT, 0, ~0ull, &rg, &n), 0);
	ck_assert_uint_eq(n, 3);
	assert_range(&rg[2], 150, 150, PT_PMG_TRUNC);
	free(rg);
}
END_TEST

/* ---- time, exits, guards ---- */

START_TEST(test_out_of_order)
{
	struct pt_procmodel_opts o = { .reorder_ns = 10 };
	struct pt_pm_binding *b;
	size_t n;
	int err;

	/* a close and the open reusing its number, fed in the wrong order */
	open_(100, 220, 3, 2201, false);
	open_(300, 220, 3, 2202, false);
	close_(200, 220, 3, 0);
	/* a child's first record before its fork record */
	open_(510, 221, 5, 2215, false);
	fork_(500, 220, 221);
	finish();
	b = history(220, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 100, 200, PT_PMB_OPEN, PT_PME_CLOSE);
	assert_bnd(&b[1], 3, 300, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	free(b);
	ck_assert_uint_eq(pt_procmodel_stats(m)->lost, 0);
	ck_assert_uint_eq(pt_procmodel_stats(m)->late, 0);
	ck_assert_uint_eq(pt_procmodel_proc(m, P(221))->origin, PT_PMO_FORK);
	b = fds_at(221, 520, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 500, OPEN, PT_PMB_INHERIT, PT_PME_NONE);
	ck_assert_uint_eq(b[0].obj, obj_ino(2202));
	assert_bnd(&b[1], 5, 510, OPEN, PT_PMB_OPEN, PT_PME_NONE);
	free(b);

	/* disorder beyond the window: applied late, counted */
	pt_procmodel_free(m);
	m = pt_procmodel_new(&o, &err);
	ck_assert_ptr_nonnull(m);
	open_(1000, 230, 3, 2301, false);
	open_(2000, 230, 4, 2302, false);
	open_(3000, 231, 3, 2311, false);
	close_(1500, 230, 3, 0);
	finish();
	ck_assert_uint_eq(pt_procmodel_stats(m)->max_buffered, 2);
	ck_assert_uint_eq(pt_procmodel_stats(m)->late, 1);
	ck_assert_uint_eq(pt_procmodel_stats(m)->records, 4);
	b = history(230, &n);
	ck_assert_uint_eq(n, 2);
	assert_bnd(&b[0], 3, 1000, 1500, PT_PMB_OPEN, PT_PME_CLOSE);
	free(b);
}
END_TEST

START_TEST(test_exit_signal_and_comm)
{
	static const char *const argv[] = { "ls", NULL };
	struct pt_task t = prec_task(100, 240, 240, SN(240), "sh");
	const struct pt_pm_proc *p;
	struct pt_pm_binding *b;
	union prec r;
	size_t n;

	open_t(&t, 3, 2403, false);
	t = prec_task(200, 240, 240, SN(240), "ls");
	prec_exec(&r, &t, "/bin/ls", argv, false);
	feed(&r);
	t = prec_task(300, 240, 240, SN(240), "ls");
	prec_exit(&r, &t, 9, true);
	feed(&r);
	finish();

	p = pt_procmodel_proc(m, P(240));
	ck_assert(p->exited);
	ck_assert(p->signaled);
	ck_assert_int_eq(p->exit_status & 0x7f, 9);
	ck_assert_uint_eq(p->exit_ts, 300);
	ck_assert_uint_eq(p->ncomms, 2);
	ck_assert_uint_eq(p->comms[0].ts, 100);
	ck_assert_str_eq(p->comms[0].comm, "sh");
	ck_assert_uint_eq(p->comms[1].ts, 200);
	ck_assert_str_eq(p->comms[1].comm, "ls");
	ck_assert_str_eq(p->threads[0].comm, "ls");
	b = history(240, &n);
	ck_assert_uint_eq(n, 1);
	assert_bnd(&b[0], 3, 100, 300, PT_PMB_OPEN, PT_PME_EXIT);
	ck_assert_uint_eq(b[0].tid_end, 240);
	free(b);
	ck_assert_uint_eq(pt_procmodel_proc_at(m, 240, 250), P(240));
	ck_assert_uint_eq(pt_procmodel_proc_at(m, 240, 301), PT_PM_NONE);
}
END_TEST

START_TEST(test_api_guards)
{
	struct pt_pm_binding *b;
	struct pt_pm_range *rg;
	union { struct pt_rec_hdr h; __u8 b[100]; } shortrec = { .h = { .type = PT_REC_SYS, .len = 100 } };
	struct pt_rec_hdr pkt = { .type = PT_REC_PKT, .len = 4 };
	struct pt_task t = tk(200, 250);
	union prec r;
	size_t n;

	open_(100, 250, 3, 2503, false);
	ck_assert_int_eq(pt_procmodel_fds(m, 0, 100, &b, &n), -EINVAL);
	ck_assert_uint_eq(pt_procmodel_nprocs(m), 0);
	ck_assert_ptr_null(pt_procmodel_proc(m, 0));
	ck_assert_ptr_null(pt_procmodel_stream(m, 0, PT_DIR_IN));
	ck_assert_int_eq(pt_procmodel_feed(m, &shortrec.h), -EINVAL);	/* shorter than struct pt_sys */
	ck_assert_int_eq(pt_procmodel_feed(m, &pkt), 0);
	/* successful calls on a negative fd (no kernel writes them; a crafted store): refused,
	 * not applied (the model indexed its objects with NONE) */
	static const __u16 on_fd[] = { PT_CALL_CONNECT, PT_CALL_BIND, PT_CALL_LISTEN, PT_CALL_SHUTDOWN,
				       PT_CALL_ACCEPT, PT_CALL_DUP, PT_CALL_DUP2, PT_CALL_FCNTL };
	for (size_t i = 0; i < sizeof(on_fd) / sizeof(on_fd[0]); i++) {
		prec_sys(&r, &t, on_fd[i], on_fd[i] == PT_CALL_CONNECT ? -EINPROGRESS : 5, -1, 5, -1);
		ck_assert_int_eq(pt_procmodel_feed(m, &r.h), -EINVAL);
	}
	prec_sys(&r, &t, PT_CALL_CONNECT, -EBADF, -1, -1, -1);	/* what the kernel does write */
	ck_assert_int_eq(pt_procmodel_feed(m, &r.h), 0);
	finish();
	ck_assert_int_eq(pt_procmodel_finish(m), 0);
	ck_assert_uint_eq(pt_procmodel_stats(m)->malformed, 9);
	ck_assert_uint_eq(pt_procmodel_stats(m)->ignored, 1);
	ck_assert_uint_eq(pt_procmodel_stats(m)->records, 2);
	ck_assert_uint_eq(pt_procmodel_stats(m)->failed, 1);
	ck_assert_int_eq(pt_procmodel_fds(m, 7, 100, &b, &n), -EINVAL);
	ck_assert_ptr_null(pt_procmodel_stream(m, 0, 3));
	ck_assert_int_eq(pt_procmodel_content(m, 5, PT_DIR_IN, 0, 1, &rg, &n), -EINVAL);
	ck_assert_int_eq(pt_procmodel_conn_content(m, 0, 0, 0, 1, &rg, &n), -EINVAL);
	ck_assert_int_eq(pt_procmodel_holders(m, 9, &b, &n), -EINVAL);
	ck_assert_uint_eq(pt_procmodel_proc_at(m, 250, 300), P(250));
	prec_sys(&r, &t, PT_CALL_CLOSE, 0, 3, -1, -1);
	ck_assert_int_eq(pt_procmodel_feed(m, &r.h), -EINVAL);	/* after finish */
	ck_assert_uint_eq(pt_procmodel_stats(m)->malformed, 10);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("procmodel");
	TCase *tc = tcase_create("procmodel");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_fork_copies_table);
	tcase_add_test(tc, test_exec_cloexec_reuse);
	tcase_add_test(tc, test_dup2_onto_stdout);
	tcase_add_test(tc, test_dup_shares_object);
	tcase_add_test(tc, test_close_range);
	tcase_add_test(tc, test_setfd);
	tcase_add_test(tc, test_holders_fork_per_conn);
	tcase_add_test(tc, test_ioctl_cloexec);
	tcase_add_test(tc, test_threads_share_table);
	tcase_add_test(tc, test_4000_fds_fork_exec);
	tcase_add_test(tc, test_failed_calls_change_nothing);
	tcase_add_test(tc, test_pid_reuse);
	tcase_add_test(tc, test_unknown_and_lost_fds);
	tcase_add_test(tc, test_seeded);
	tcase_add_test(tc, test_tcp_offsets_and_pairing);
	tcase_add_test(tc, test_tcp_relative_offsets);
	tcase_add_test(tc, test_tcp_eof_after_fin);
	tcase_add_test(tc, test_tcp_uncertain_sends);
	tcase_add_test(tc, test_call_inflight_across_close);
	tcase_add_test(tc, test_setfd_inflight_across_close);
	tcase_add_test(tc, test_udp_pipe_file_counts);
	tcase_add_test(tc, test_pairing_rules_and_socketpair);
	tcase_add_test(tc, test_content_assembly);
	tcase_add_test(tc, test_content_ends_early);
	tcase_add_test(tc, test_conn_content_from_receiver);
	tcase_add_test(tc, test_out_of_order);
	tcase_add_test(tc, test_exit_signal_and_comm);
	tcase_add_test(tc, test_api_guards);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pt_check_run(suite());
}
