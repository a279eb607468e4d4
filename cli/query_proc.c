// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * query_proc.c — `provtap query proc [PID|proc:ID] [--at TIME]`: one process
 * as the process model rebuilt it from the store (lineage, execs, threads,
 * exit, the FD table at a time, connections, bytes per object), or without
 * PID the list of the processes the store knows.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "cli/query.h"
#include "common/units.h"
#include "query/pmload.h"
#include "query/procview.h"
#include "query/vertex.h"

enum { QP_AT = 3100 };

#define LINEAGE_MAX 4096	/* parent links followed (a cycle would be a model bug) */

struct proc_args {
	const char *at;
};

/* Bytes this process moved through one object. */
struct objbytes {
	__u32 obj;
	__u64 bytes[2], calls[2];	/* [0] in (read/received), [1] out (written/sent) */
	struct { __u32 tid; __u64 bytes[2]; } *tids;
	size_t ntids;
};

/* What is shown about the process. */
struct view {
	const struct pt_pmload *l;
	__u32 pi;
	const struct pt_pm_proc *p;
	char id[96];
	__u64 at;
	const char *at_why;		/* "given", "exit" (just before), "end" (of the store) */
	struct pt_pm_binding *fds;
	size_t nfds;
	struct objbytes *ob;		/* objects it held, by index */
	size_t nob;
	__u32 *others;			/* other processes of the pid (PID given alone) */
	size_t nothers;
};

static void usage_proc(FILE *out)
{
	fprintf(out,
		"usage: provtap query proc [PID | proc:HOST/PID@START] [--at TIME] [--store DIR] [--json]\n"
		"       provtap query proc [--since T] [--until T] [--store DIR] [--json|--csv]\n"
		"\n"
		"A process as the process probes (`provtap probe load --procs`) recorded it: its id, pid, parent,\n"
		"start and exit (code or signal), uid, cgroup, netns, lineage (every known ancestor, oldest\n"
		"first) and children, each with its id; every exec (filename and argv); threads; the FD table\n"
		"at TIME with, per fd, what it refers to, how it began (open, socket, accept, pipe, dup,\n"
		"inherit, seed, unknown), close-on-exec and the vertex id of its object; its connections with\n"
		"the peer processes; and the bytes it read/received and wrote/sent per object (and per thread).\n"
		"\n"
		"PID alone names the newest process of that pid in the store (the others of that pid are\n"
		"listed); proc:HOST/PID@START names exactly one (ids as every query prints them). Without\n"
		"PID: one row per process the store knows (alive in [--since, --until] when given).\n"
		"\n"
		"  --at TIME   the FD table at TIME: RFC 3339, 'now', relative (-5m) or boot:NS (boottime\n"
		"              ns, the clock of the ids and of ts_ns). Default: just before the process\n"
		"              exited, or the end of the store if it did not\n"
		"  --json      one JSON document (fields: README, \"query proc\")\n"
		"\n"
		"examples:\n"
		"  provtap query proc 4242\n"
		"  provtap query proc proc:web1/4242@81234567890 --at 2026-11-23T20:00:01Z\n"
		"  provtap query proc 4242 --at boot:81234999000 --json\n"
		"  provtap query proc --since -10m\n"
		"\nExit status: 0 answered, 1 no such process or the store cannot be read, 2 usage.\n");
}

/*
 * The syntax of --at TIME, before the store is read (usage errors first):
 * 0, or a usage error (said). Turning it into boottime needs the store's
 * clock: pt_pv_parse_at() does that later, with the same forms.
 */
static int at_syntax(const char *arg)
{
	__u64 t;

	if (!strncmp(arg, "boot:", 5)) {
		if (!pt_parse_u64(arg + 5, 0, ~0ull - 1, &t))
			return 0;
		fprintf(stderr, "provtap query proc: --at boot:NS takes boottime nanoseconds, not '%s'\n", arg + 5);
		return PT_EXIT_USAGE;
	}
	if (!pt_parse_time(arg, pt_now_ns(CLOCK_REALTIME), &t))
		return 0;
	fprintf(stderr, "provtap query proc: --at takes RFC 3339 (2026-11-23T20:00:00Z), 'now', a relative time (-5m) "
		"or boot:NS (boottime ns), not '%s'\n", arg);
	return PT_EXIT_USAGE;
}

/*
 * The syntax of the process argument, before the store is read: PID (1 to
 * 2^31 - 1) or a proc: vertex id, as pt_pv_find_proc() takes them. 0, or a
 * usage error (said).
 */
static int proc_arg_syntax(const char *arg)
{
	const char *digits = arg + (arg[0] == '-');
	struct pt_vertex_id v;
	char err[512];
	__u64 pid;

	if (!strncmp(arg, "proc:", 5)) {
		if (!pt_vertex_parse(arg, &v, err, sizeof(err)))
			return 0;
		fprintf(stderr, "provtap query proc: %s\n", err);
		return PT_EXIT_USAGE;
	}
	if (!pt_parse_u64(arg, 1, 0x7fffffff, &pid))
		return 0;
	if (*digits && strspn(digits, "0123456789") == strlen(digits))	/* -5, 0, 99999999999 */
		fprintf(stderr, "provtap query proc: PID must be a positive number (1 to 2147483647), not '%s'\n",
			arg);
	else
		fprintf(stderr, "provtap query proc: '%s' is neither a pid nor a process id (PID, proc:PID or "
			"proc:HOST/PID@START)\n", arg);
	return PT_EXIT_USAGE;
}

static int on_opt(void *ctx, int opt, const char *arg)
{
	struct proc_args *a = ctx;

	if (opt != QP_AT)
		return PT_EXIT_USAGE;
	a->at = arg;
	return at_syntax(arg);
}

/* " status 3", " killed by signal 9 (SIGKILL)" into buf. */
static const char *exit_text(__s32 status, char *buf, size_t len)
{
	int sig = status & 0x7f;
	const char *abbrev = sigabbrev_np(sig);

	if (!sig)
		snprintf(buf, len, "status %d", (status >> 8) & 0xff);
	else
		snprintf(buf, len, "killed by signal %d%s%s%s%s", sig, abbrev ? " (SIG" : "", abbrev ? abbrev : "",
			 abbrev ? ")" : "", status & 0x80 ? " (core dumped)" : "");
	return buf;
}

/* ---- gathering ---- */

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Objects the process ever held, and the bytes of its own calls on each. 0 or -ENOMEM. */
static int gather_bytes(struct view *v)
{
	struct pt_pm_binding *h = NULL;
	__u32 *objs = NULL;
	size_t nh = 0, n = 0;
	int rc;

	if ((rc = pt_procmodel_fd_history(v->l->m, v->pi, &h, &nh)))
		return rc;
	rc = -ENOMEM;
	if (nh && !(objs = malloc(nh * sizeof(*objs))))
		goto cleanup;
	for (size_t i = 0; i < nh; i++)
		objs[i] = h[i].obj;
	if (nh)
		qsort(objs, nh, sizeof(*objs), cmp_u32);
	if (nh && !(v->ob = calloc(nh, sizeof(*v->ob))))
		goto cleanup;
	for (size_t i = 0; i < nh; i++)
		if (!n || objs[i] != v->ob[n - 1].obj)
			v->ob[n++].obj = objs[i];
	v->nob = n;
	for (size_t i = 0; i < n; i++) {
		struct objbytes *o = &v->ob[i];

		for (int d = 0; d < 2; d++) {
			const struct pt_pm_stream *s = pt_procmodel_stream(v->l->m, o->obj, d ? PT_DIR_OUT : PT_DIR_IN);

			for (size_t c = 0; s && c < s->ncalls; c++) {
				const struct pt_pm_call *call = &s->calls[c];
				size_t t;

				if (call->proc != v->pi)
					continue;
				o->bytes[d] += call->size;
				o->calls[d]++;
				for (t = 0; t < o->ntids && o->tids[t].tid != call->tid; t++)
					;
				if (t == o->ntids) {
					void *nt = realloc(o->tids, (t + 1) * sizeof(*o->tids));

					if (!nt)
						goto cleanup;
					o->tids = nt;
					o->tids[t].tid = call->tid;
					o->tids[t].bytes[0] = o->tids[t].bytes[1] = 0;
					o->ntids++;
				}
				o->tids[t].bytes[d] += call->size;
			}
		}
	}
	rc = 0;
cleanup:
	free(h);
	free(objs);
	return rc;
}

static void view_free(struct view *v)
{
	for (size_t i = 0; i < v->nob; i++)
		free(v->ob[i].tids);
	free(v->ob);
	free(v->fds);
	free(v->others);
}

/* Ancestors of the process, oldest first, into *out (caller frees). 0 or -ENOMEM. */
static int lineage(const struct view *v, __u32 **out, size_t *n)
{
	__u32 *a = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	for (__u32 i = v->p->parent; i != PT_PM_NONE && k < LINEAGE_MAX; i = pt_procmodel_proc(v->l->m, i)->parent) {
		void *na = realloc(a, (k + 1) * sizeof(*a));

		if (!na) {
			free(a);
			return -ENOMEM;
		}
		a = na;
		a[k++] = i;
	}
	for (size_t i = 0; i < k / 2; i++) {
		__u32 t = a[i];

		a[i] = a[k - 1 - i];
		a[k - 1 - i] = t;
	}
	*out = a;
	*n = k;
	return 0;
}

/* The ends of connection c: k is the one whose socket is obj. */
static int conn_side(const struct pt_pm_conn *c, __u32 obj)
{
	return c->obj[1] == obj ? 1 : 0;
}

static const char *role_of(const struct pt_pm_conn *c, int k)
{
	if (c->client < 0)
		return c->kind == PT_PMC_SOCKETPAIR ? (k ? "fds[1]" : "fds[0]") : "unknown";
	return c->client == k ? "client" : "server";
}

/* The connection end's endpoint text ("unix" for a socketpair). */
static const char *conn_ep(const struct pt_pm_conn *c, int k, char *buf, size_t len)
{
	if (c->kind == PT_PMC_SOCKETPAIR)
		snprintf(buf, len, "unix fds[%d]", k);
	else
		pt_pv_endpoint(buf, len, c->family, c->addr[k], c->port[k]);
	return buf;
}

/* ---- text ---- */

static void text_header(const struct view *v)
{
	const struct pt_pm_proc *p = v->p;
	char t[64], buf[128], id[96];

	printf("%s  %s\n", v->id, pt_pv_comm(p));
	printf("  pid %u  ppid %u  uid %u  cgroup %llu  netns %llu\n", p->pid, p->ppid, p->uid,
	       (unsigned long long)p->cgroup_id, (unsigned long long)p->netns_ino);
	printf("  start   %s", pt_pv_time(v->l, p->start_ns, t, sizeof(t)));
	if (p->origin == PT_PMO_FORK && p->parent != PT_PM_NONE)
		printf("  forked by %s (thread %u)\n", pt_pv_proc_id(v->l, p->parent, id, sizeof(id)), p->fork_tid);
	else if (p->origin == PT_PMO_SEED)
		printf("  running when the probes were loaded (seeded by a BPF task iterator)\n");
	else
		printf("  fork not recorded: first seen %s\n", pt_pv_time(v->l, p->first_ts, t, sizeof(t)));
	if (p->exited)
		printf("  exit    %s  %s\n", pt_pv_time(v->l, p->exit_ts, t, sizeof(t)),
		       exit_text(p->exit_status, buf, sizeof(buf)));
	else
		printf("  exit    not recorded: running at the end of the store\n");
	if (v->nothers) {
		printf("  also pid %u in the store (older):", p->pid);
		for (size_t i = 0; i < v->nothers; i++)
			printf(" %s", pt_pv_proc_id(v->l, v->others[i], id, sizeof(id)));
		printf("\n");
	}
}

/* argv as words separated by spaces (C-escaped nothing: argv is printed as recorded, NULs as spaces). */
static void text_argv(const struct pt_pm_exec *x)
{
	for (__u32 i = 0, off = 0; i < x->argc && off < x->argv_len; i++) {
		const char *a = x->argv + off;

		printf("%s%s", i ? " " : "", a);
		off += (__u32)strnlen(a, x->argv_len - off) + 1;
	}
	if (x->flags & PT_PRF_ARGV_TRUNC)
		printf(" ...");
}

static void text_family(const struct view *v)
{
	const struct pt_pm_proc *p = v->p;
	__u32 *anc = NULL;
	size_t na = 0;
	char id[96], t[64];

	if (!lineage(v, &anc, &na)) {
		printf("\nlineage (oldest first):\n");
		for (size_t i = 0; i < na; i++)
			printf("  %s  %s\n", pt_pv_proc_id(v->l, anc[i], id, sizeof(id)),
			       pt_pv_argv0(pt_procmodel_proc(v->l->m, anc[i])));
		printf("  %s  %s  (this process)\n", v->id, pt_pv_argv0(p));
		if (p->parent == PT_PM_NONE)
			printf("  (parent pid %u not in the store)\n", p->ppid);
	}
	free(anc);
	printf("\nchildren:%s\n", p->nchildren ? "" : " none recorded");
	for (size_t i = 0; i < p->nchildren; i++)
		printf("  %s  %s\n", pt_pv_proc_id(v->l, p->children[i], id, sizeof(id)),
		       pt_pv_argv0(pt_procmodel_proc(v->l->m, p->children[i])));
	printf("\nexecs:%s\n", p->nexecs ? "" : " none recorded");
	for (size_t i = 0; i < p->nexecs; i++) {
		const struct pt_pm_exec *x = &p->execs[i];

		printf("  %s  %s%s%s  argv: ", pt_pv_time(v->l, x->ts, t, sizeof(t)), x->seeded ? "(seed) " : "",
		       x->filename ? x->filename : "?", x->flags & PT_PRF_PATH_TRUNC ? "..." : "");
		text_argv(x);
		printf("\n");
	}
}

static void text_threads(const struct view *v)
{
	struct pt_table *t = pt_table_new(PT_FMT_TABLE, "\nthreads:");
	char b[64];

	if (!t)
		return;
	pt_table_col(t, "tid", "TID", true);
	pt_table_col(t, "comm", "COMM", false);
	pt_table_col(t, "from", "FROM", false);
	pt_table_col(t, "to", "TO", false);
	pt_table_col(t, "status", "STATUS", false);
	for (size_t i = 0; i < v->p->nthreads; i++) {
		const struct pt_pm_thread *th = &v->p->threads[i];

		pt_table_row(t);
		pt_table_u64(t, th->tid);
		pt_table_str(t, th->comm);
		pt_table_str(t, pt_pv_time(v->l, th->from_ts, b, sizeof(b)));
		if (th->to_ts == PT_PM_OPEN)
			pt_table_str(t, "running");
		else
			pt_table_str(t, pt_pv_time(v->l, th->to_ts, b, sizeof(b)));
		if (th->exited)
			pt_table_str(t, exit_text(th->exit_status, b, sizeof(b)));
		else
			pt_table_null(t);
	}
	pt_table_print(t, stdout);
}

static void text_fds(const struct view *v)
{
	char title[160], b[PT_VID_MAX], tb[64];
	struct pt_table *t;

	if (!strcmp(v->at_why, "end"))
		snprintf(title, sizeof(title), "\nFD table at the end of the store (%zu fds):", v->nfds);
	else
		snprintf(title, sizeof(title), "\nFD table at %s%s (%zu fds):", pt_pv_time(v->l, v->at, tb, sizeof(tb)),
			 !strcmp(v->at_why, "exit") ? ", just before its exit" : "", v->nfds);
	t = pt_table_new(PT_FMT_TABLE, title);
	if (!t)
		return;
	pt_table_col(t, "fd", "FD", true);
	pt_table_col(t, "object", "OBJECT", false);
	pt_table_col(t, "begin", "BEGIN", false);
	pt_table_col(t, "since", "SINCE", false);
	pt_table_col(t, "cloexec", "CLOEXEC", false);
	pt_table_col(t, "id", "ID", false);
	for (size_t i = 0; i < v->nfds; i++) {
		const struct pt_pm_binding *f = &v->fds[i];
		const struct pt_pm_obj *o = pt_procmodel_obj(v->l->m, f->obj);

		pt_table_row(t);
		pt_table_u64(t, (__u64)f->fd);
		pt_table_str(t, o ? pt_pv_obj_text(b, sizeof(b), o) : "?");
		if (f->src_fd >= 0)
			snprintf(b, sizeof(b), "%s of fd %d", pt_pv_begin_name(f->begin), f->src_fd);
		else
			snprintf(b, sizeof(b), "%s", pt_pv_begin_name(f->begin));
		pt_table_str(t, b);
		pt_table_str(t, pt_pv_time(v->l, f->from_ts, tb, sizeof(tb)));
		pt_table_str(t, f->cloexec ? "yes" : "no");
		if (pt_pv_obj_id(v->l, f->obj, b, sizeof(b)))
			pt_table_str(t, b);
		else
			pt_table_null(t);
	}
	if (!strcmp(v->at_why, "given") && v->at < v->p->first_ts)
		pt_table_note(t, "(the process was not known yet at that time)");
	else if (v->p->exited && v->at >= v->p->exit_ts)
		pt_table_note(t, "(the process had exited at that time)");
	pt_table_print(t, stdout);
}

/* Peer processes of the connection end opposite obj, as ids separated by spaces into buf. */
static const char *peer_ids(const struct view *v, const struct pt_pm_conn *c, int k, char *buf, size_t len)
{
	__u32 *pp = NULL;
	size_t np = 0, off = 0;
	char id[96];

	buf[0] = 0;
	if (c->obj[!k] == PT_PM_NONE || pt_pv_obj_procs(v->l, c->obj[!k], &pp, &np))
		return NULL;
	for (size_t i = 0; i < np && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "",
					pt_pv_proc_id(v->l, pp[i], id, sizeof(id)));
	free(pp);
	return np ? buf : NULL;
}

static void text_conns_bytes(const struct view *v)
{
	struct pt_table *t = pt_table_new(PT_FMT_TABLE, "\nconnections:"), *u;
	char b[PT_VID_MAX], e[64], big[2048];

	if (!t)
		return;
	pt_table_col(t, "id", "CONN", false);
	pt_table_col(t, "local", "LOCAL", false);
	pt_table_col(t, "role", "ROLE", false);
	pt_table_col(t, "remote", "REMOTE", false);
	pt_table_col(t, "peer", "PEER PROCESSES", false);
	for (size_t i = 0; i < v->nob; i++) {
		const struct pt_pm_obj *o = pt_procmodel_obj(v->l->m, v->ob[i].obj);
		const struct pt_pm_conn *c = o ? pt_procmodel_conn(v->l->m, o->conn) : NULL;
		int k;

		if (!c)
			continue;
		k = conn_side(c, v->ob[i].obj);
		pt_table_row(t);
		pt_vid_conn(b, sizeof(b), c->id);
		pt_table_str(t, b);
		pt_table_str(t, conn_ep(c, k, e, sizeof(e)));
		pt_table_str(t, role_of(c, k));
		pt_table_str(t, conn_ep(c, !k, e, sizeof(e)));
		if (peer_ids(v, c, k, big, sizeof(big)))
			pt_table_str(t, big);
		else
			pt_table_str(t, "not seen on this host");
	}
	pt_table_print(t, stdout);

	u = pt_table_new(PT_FMT_TABLE, "\nbytes by object (this process's calls):");
	if (!u)
		return;
	pt_table_col(u, "object", "OBJECT", false);
	pt_table_col(u, "in", "READ/RECEIVED (B)", true);
	pt_table_col(u, "in_calls", "CALLS", true);
	pt_table_col(u, "out", "WRITTEN/SENT (B)", true);
	pt_table_col(u, "out_calls", "CALLS", true);
	pt_table_col(u, "threads", "BY THREAD (tid:in/out B)", false);
	pt_table_col(u, "id", "ID", false);
	for (size_t i = 0; i < v->nob; i++) {
		const struct objbytes *ob = &v->ob[i];
		size_t off = 0;

		if (!ob->calls[0] && !ob->calls[1])
			continue;
		pt_table_row(u);
		pt_table_str(u, pt_pv_obj_text(b, sizeof(b), pt_procmodel_obj(v->l->m, ob->obj)));
		pt_table_u64(u, ob->bytes[0]);
		pt_table_u64(u, ob->calls[0]);
		pt_table_u64(u, ob->bytes[1]);
		pt_table_u64(u, ob->calls[1]);
		big[0] = 0;
		for (size_t k = 0; k < ob->ntids && off < sizeof(big); k++)
			off += (size_t)snprintf(big + off, sizeof(big) - off, "%s%u:%llu/%llu", k ? " " : "",
						ob->tids[k].tid, (unsigned long long)ob->tids[k].bytes[0],
						(unsigned long long)ob->tids[k].bytes[1]);
		pt_table_str(u, big);
		if (pt_pv_obj_id(v->l, ob->obj, b, sizeof(b)))
			pt_table_str(u, b);
		else
			pt_table_null(u);
	}
	pt_table_print(u, stdout);
}

/* ---- JSON ---- */

static void json_time(const struct view *v, const char *key, __u64 ts)
{
	char t[64];

	printf(",\"%s\":", key);
	pt_pv_json_str(stdout, pt_pv_time(v->l, ts, t, sizeof(t)));
	printf(",\"%s_ts_ns\":%llu", key, (unsigned long long)ts);
}

static void json_procref(const struct view *v, __u32 i)
{
	const struct pt_pm_proc *p = pt_procmodel_proc(v->l->m, i);
	char id[96];

	/* ids hold the store's host name: escaped like any string */
	printf("{\"id\":");
	pt_pv_json_str(stdout, pt_pv_proc_id(v->l, i, id, sizeof(id)));
	printf(",\"pid\":%u,\"comm\":", p->pid);
	pt_pv_json_str(stdout, pt_pv_comm(p));
	printf(",\"argv0\":");
	pt_pv_json_str(stdout, pt_pv_argv0(p));
	printf("}");
}

static void json_exec(const struct view *v, const struct pt_pm_exec *x)
{
	printf("{\"filename\":");
	pt_pv_json_str(stdout, x->filename);
	json_time(v, "ts", x->ts);
	printf(",\"tid\":%u,\"argv\":[", x->tid);
	for (__u32 i = 0, off = 0; i < x->argc && off < x->argv_len; i++) {
		size_t n = strnlen(x->argv + off, x->argv_len - off);

		printf("%s", i ? "," : "");
		pt_json_bytes(stdout, x->argv + off, n);
		off += (__u32)n + 1;
	}
	printf("],\"argv_truncated\":%s,\"path_truncated\":%s,\"seeded\":%s}",
	       x->flags & PT_PRF_ARGV_TRUNC ? "true" : "false", x->flags & PT_PRF_PATH_TRUNC ? "true" : "false",
	       x->seeded ? "true" : "false");
}

static void json_status(__s32 status)
{
	int sig = status & 0x7f;

	printf(",\"exit_status\":%d,\"exit_code\":", status);
	if (sig)
		printf("null,\"signal\":%d", sig);
	else
		printf("%d,\"signal\":null", (status >> 8) & 0xff);
}

/* The object's identity and description keys (no braces). */
static void json_obj_keys(const struct view *v, __u32 obj)
{
	const struct pt_pm_obj *o = pt_procmodel_obj(v->l->m, obj);
	char b[PT_VID_MAX], e[64];

	printf("\"obj\":%u,\"kind\":\"%s\",\"object\":", obj, pt_pv_kind_name(o->kind));
	pt_pv_json_str(stdout, pt_pv_obj_text(b, sizeof(b), o));
	printf(",\"ino\":%llu,\"path\":", (unsigned long long)o->ino);
	pt_pv_json_str(stdout, o->path);
	if (o->kind == PT_FK_SOCKET && (o->family == 2 || o->family == 10)) {
		printf(",\"local\":\"%s\"", pt_pv_endpoint(e, sizeof(e), o->family, o->laddr, o->lport));
		if (o->rport)
			printf(",\"remote\":\"%s\"", pt_pv_endpoint(e, sizeof(e), o->family, o->raddr, o->rport));
		else
			printf(",\"remote\":null");
	}
	printf(",\"id\":");
	pt_pv_json_str(stdout, pt_pv_obj_id(v->l, obj, b, sizeof(b)) ? b : NULL);
	{
		const struct pt_pm_conn *c = pt_procmodel_conn(v->l->m, o->conn);

		printf(",\"conn\":");
		if (c) {
			pt_vid_conn(b, sizeof(b), c->id);
			pt_pv_json_str(stdout, b);
		} else {
			printf("null");
		}
	}
}

static void json_doc(const struct view *v)
{
	const struct pt_pm_proc *p = v->p;
	__u32 *anc = NULL;
	size_t na = 0;
	char id[96], big[2048];

	printf("{\"id\":");
	pt_pv_json_str(stdout, v->id);
	printf(",\"host\":");
	pt_pv_json_str(stdout, v->l->host);
	printf(",\"pid\":%u,\"start_ns\":%llu,\"ppid\":%u,\"parent\":", p->pid, (unsigned long long)p->start_ns,
	       p->ppid);
	if (p->parent != PT_PM_NONE)
		pt_pv_json_str(stdout, pt_pv_proc_id(v->l, p->parent, id, sizeof(id)));
	else
		printf("null");
	printf(",\"origin\":\"%s\",\"fork_tid\":%u", pt_pv_origin_name(p->origin), p->fork_tid);
	json_time(v, "start", p->start_ns);
	json_time(v, "first", p->first_ts);
	printf(",\"exited\":%s", p->exited ? "true" : "false");
	if (p->exited) {
		json_time(v, "exit", p->exit_ts);
		json_status(p->exit_status);
	} else {
		printf(",\"exit\":null,\"exit_ts_ns\":null,\"exit_status\":null,\"exit_code\":null,\"signal\":null");
	}
	printf(",\"uid\":%u,\"cgroup_id\":%llu,\"netns_ino\":%llu,\"comm\":", p->uid,
	       (unsigned long long)p->cgroup_id, (unsigned long long)p->netns_ino);
	pt_pv_json_str(stdout, pt_pv_comm(p));
	printf(",\"table_known\":%s,\"others\":[", p->table_known ? "true" : "false");
	for (size_t i = 0; i < v->nothers; i++) {
		printf("%s", i ? "," : "");
		pt_pv_json_str(stdout, pt_pv_proc_id(v->l, v->others[i], id, sizeof(id)));
	}
	printf("],\"lineage\":[");
	if (!lineage(v, &anc, &na))
		for (size_t i = 0; i < na; i++) {
			printf("%s", i ? "," : "");
			json_procref(v, anc[i]);
		}
	free(anc);
	printf("],\"children\":[");
	for (size_t i = 0; i < p->nchildren; i++) {
		printf("%s", i ? "," : "");
		json_procref(v, p->children[i]);
	}
	printf("],\"execs\":[");
	for (size_t i = 0; i < p->nexecs; i++) {
		printf("%s", i ? "," : "");
		json_exec(v, &p->execs[i]);
	}
	printf("],\"threads\":[");
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct pt_pm_thread *th = &p->threads[i];

		printf("%s{\"tid\":%u,\"origin\":\"%s\",\"comm\":", i ? "," : "", th->tid, pt_pv_origin_name(th->origin));
		pt_pv_json_str(stdout, th->comm);
		json_time(v, "from", th->from_ts);
		if (th->to_ts == PT_PM_OPEN)
			printf(",\"to\":null,\"to_ts_ns\":null");
		else
			json_time(v, "to", th->to_ts);
		printf(",\"exited\":%s", th->exited ? "true" : "false");
		if (th->exited)
			json_status(th->exit_status);
		printf("}");
	}
	printf("]");
	if (!strcmp(v->at_why, "end"))
		printf(",\"at\":null,\"at_ts_ns\":null");
	else
		json_time(v, "at", v->at);
	printf(",\"at_is\":\"%s\",\"fds\":[", v->at_why);
	for (size_t i = 0; i < v->nfds; i++) {
		const struct pt_pm_binding *f = &v->fds[i];

		printf("%s{\"fd\":%d,", i ? "," : "", f->fd);
		json_obj_keys(v, f->obj);
		printf(",\"begin\":\"%s\",\"src_fd\":", pt_pv_begin_name(f->begin));
		if (f->src_fd >= 0)
			printf("%d", f->src_fd);
		else
			printf("null");
		json_time(v, "from", f->from_ts);
		printf(",\"tid_begin\":%u,\"cloexec\":%s}", f->tid_begin, f->cloexec ? "true" : "false");
	}
	printf("],\"connections\":[");
	for (size_t i = 0, n = 0; i < v->nob; i++) {
		const struct pt_pm_obj *o = pt_procmodel_obj(v->l->m, v->ob[i].obj);
		const struct pt_pm_conn *c = o ? pt_procmodel_conn(v->l->m, o->conn) : NULL;
		char e[64];
		int k;

		if (!c)
			continue;
		k = conn_side(c, v->ob[i].obj);
		printf("%s{\"id\":", n++ ? "," : "");
		pt_vid_conn(big, sizeof(big), c->id);
		pt_pv_json_str(stdout, big);
		printf(",\"obj\":%u,\"local\":\"%s\",\"role\":\"%s\"", v->ob[i].obj, conn_ep(c, k, e, sizeof(e)),
		       role_of(c, k));
		printf(",\"remote\":\"%s\",\"peer_procs\":[", conn_ep(c, !k, e, sizeof(e)));
		{
			__u32 *pp = NULL;
			size_t np = 0;

			if (c->obj[!k] != PT_PM_NONE && !pt_pv_obj_procs(v->l, c->obj[!k], &pp, &np))
				for (size_t j = 0; j < np; j++) {
					printf("%s", j ? "," : "");
					pt_pv_json_str(stdout, pt_pv_proc_id(v->l, pp[j], id, sizeof(id)));
				}
			free(pp);
		}
		printf("]}");
	}
	printf("],\"objects\":[");
	for (size_t i = 0, n = 0; i < v->nob; i++) {
		const struct objbytes *ob = &v->ob[i];

		if (!ob->calls[0] && !ob->calls[1])
			continue;
		printf("%s{", n++ ? "," : "");
		json_obj_keys(v, ob->obj);
		printf(",\"in_bytes\":%llu,\"in_calls\":%llu,\"out_bytes\":%llu,\"out_calls\":%llu,\"threads\":[",
		       (unsigned long long)ob->bytes[0], (unsigned long long)ob->calls[0],
		       (unsigned long long)ob->bytes[1], (unsigned long long)ob->calls[1]);
		for (size_t k = 0; k < ob->ntids; k++)
			printf("%s{\"tid\":%u,\"in_bytes\":%llu,\"out_bytes\":%llu}", k ? "," : "", ob->tids[k].tid,
			       (unsigned long long)ob->tids[k].bytes[0], (unsigned long long)ob->tids[k].bytes[1]);
		printf("]}");
	}
	printf("],\"objects_held\":%zu}\n", v->nob);
}

/* ---- the list ---- */

static int list_procs(const struct pt_pmload *l, const struct pt_qopts *q)
{
	struct pt_table *t;
	size_t n = pt_procmodel_nprocs(l->m), shown = 0;
	__u64 since, until;
	char b[128];

	if (pt_pmload_window(l, q->scan.since_ns, q->scan.until_ns, &since, &until, b, sizeof(b))) {
		fprintf(stderr, "provtap query proc: %s\n", b);
		return PT_EXIT_FAIL;
	}
	t = pt_table_new(q->fmt, "processes in the store");
	if (!t) {
		fprintf(stderr, "provtap query proc: out of memory\n");
		return PT_EXIT_FAIL;
	}
	pt_table_col(t, "id", "ID", false);
	pt_table_col(t, "pid", "PID", true);
	pt_table_col(t, "ppid", "PPID", true);
	pt_table_col(t, "comm", "COMM", false);
	pt_table_col(t, "start", "START", false);
	pt_table_col(t, "exit", "EXIT", false);
	pt_table_col(t, "status", "STATUS", false);
	pt_table_col(t, "argv0", "ARGV0", false);
	for (__u32 i = 0; i < n; i++) {
		const struct pt_pm_proc *p = pt_procmodel_proc(l->m, i);

		if ((p->exited && p->exit_ts < since) || p->first_ts > until)
			continue;
		shown++;
		pt_table_row(t);
		pt_table_str(t, pt_pv_proc_id(l, i, b, sizeof(b)));
		pt_table_u64(t, p->pid);
		pt_table_u64(t, p->ppid);
		pt_table_str(t, pt_pv_comm(p));
		pt_table_str(t, pt_pv_time(l, p->start_ns, b, sizeof(b)));
		if (p->exited) {
			pt_table_str(t, pt_pv_time(l, p->exit_ts, b, sizeof(b)));
			pt_table_str(t, exit_text(p->exit_status, b, sizeof(b)));
		} else {
			pt_table_null(t);
			pt_table_str(t, "running");
		}
		pt_table_str(t, pt_pv_argv0(p));
	}
	pt_table_note(t, "%zu of %zu processes (host %s)", shown, n, l->host);
	pt_table_print(t, stdout);
	return 0;
}

int query_proc(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "at", required_argument, NULL, QP_AT },
		{ NULL, 0, NULL, 0 },
	};
	struct proc_args a = { 0 };
	struct view v = { 0 };
	struct pt_pmload *l = NULL;
	struct pt_qopts q;
	char err[512];
	int rc;

	rc = pt_qopts_parse(argc, argv, &q, extra, on_opt, &a, usage_proc);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (q.scan.expr && (q.scan.since_ns || q.scan.until_ns)) {
		fprintf(stderr, "provtap query proc: --since/--until select processes for the list; with a PID, "
			"give --at TIME for the FD table\n");
		return PT_EXIT_USAGE;
	}
	if (q.scan.expr && q.fmt == PT_FMT_CSV) {
		fprintf(stderr, "provtap query proc: a process is one document: use --json, or the text form\n");
		return PT_EXIT_USAGE;
	}
	if (!q.scan.expr && a.at) {
		fprintf(stderr, "provtap query proc: --at needs a PID (the FD table of which process?)\n");
		return PT_EXIT_USAGE;
	}
	if (q.scan.expr && (rc = proc_arg_syntax(q.scan.expr)))
		return rc;
	rc = pt_pmload(q.store_dir, &l, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query proc: %s\n", err);
		return PT_EXIT_FAIL;
	}
	pt_pmload_warn(l, stderr);
	if (!q.scan.expr) {
		rc = list_procs(l, &q);
		goto cleanup;
	}
	v.l = l;
	rc = pt_pv_find_proc(l, q.scan.expr, &v.pi, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query proc: %s\n", err);
		rc = rc == -EINVAL ? PT_EXIT_USAGE : PT_EXIT_FAIL;
		goto cleanup;
	}
	v.p = pt_procmodel_proc(l->m, v.pi);
	pt_pv_proc_id(l, v.pi, v.id, sizeof(v.id));
	if (a.at) {
		rc = pt_pv_parse_at(l, a.at, &v.at, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "provtap query proc: %s\n", err);
			rc = PT_EXIT_USAGE;
			goto cleanup;
		}
		v.at_why = "given";
	} else if (v.p->exited) {
		v.at = v.p->exit_ts ? v.p->exit_ts - 1 : 0;
		v.at_why = "exit";
	} else {
		v.at = PT_PM_OPEN - 1;
		v.at_why = "end";
	}
	if (!strchr(q.scan.expr, '@')) {
		/* PID alone: say which other processes had that pid */
		size_t n = pt_procmodel_nprocs(l->m);

		for (__u32 i = 0; i < n; i++) {
			void *no;

			if (i == v.pi || pt_procmodel_proc(l->m, i)->pid != v.p->pid)
				continue;
			if (!(no = realloc(v.others, (v.nothers + 1) * sizeof(*v.others)))) {
				rc = -ENOMEM;
				break;
			}
			v.others = no;
			v.others[v.nothers++] = i;
		}
	}
	if (rc || (rc = pt_procmodel_fds(l->m, v.pi, v.at, &v.fds, &v.nfds)) || (rc = gather_bytes(&v))) {
		fprintf(stderr, "provtap query proc: %s\n", strerror(-rc));
		rc = PT_EXIT_FAIL;
		goto cleanup;
	}
	if (q.fmt == PT_FMT_JSON) {
		json_doc(&v);
	} else {
		text_header(&v);
		text_family(&v);
		text_threads(&v);
		text_fds(&v);
		text_conns_bytes(&v);
	}
	rc = 0;
cleanup:
	view_free(&v);
	pt_pmload_free(l);
	return rc;
}
