// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* procview.c — names, ids and input resolution for the provenance queries (query/procview.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "common/units.h"
#include "query/json.h"
#include "query/procview.h"
#include "query/scan.h"
#include "query/vertex.h"

#define NAME(tab, v) ((v) < sizeof(tab) / sizeof((tab)[0]) && (tab)[v] ? (tab)[v] : "?")

static const char *const begin_names[] = {
	[PT_PMB_OPEN] = "open", [PT_PMB_SOCKET] = "socket", [PT_PMB_SOCKETPAIR] = "socketpair",
	[PT_PMB_PIPE] = "pipe", [PT_PMB_ACCEPT] = "accept", [PT_PMB_DUP] = "dup", [PT_PMB_INHERIT] = "inherit",
	[PT_PMB_SEED] = "seed", [PT_PMB_UNKNOWN] = "unknown",
};
static const char *const origin_names[] = { [PT_PMO_FORK] = "fork", [PT_PMO_SEED] = "seed", [PT_PMO_SEEN] = "seen" };
static const char *const kind_names[] = {
	[PT_FK_NONE] = "none", [PT_FK_FILE] = "file", [PT_FK_DIR] = "dir", [PT_FK_PIPE] = "pipe",
	[PT_FK_SOCKET] = "socket", [PT_FK_CHR] = "chr", [PT_FK_OTHER] = "other",
};
static const char *const gap_names[] = {
	[PT_PMG_DATA] = "data", [PT_PMG_RING] = "lost", [PT_PMG_FAULT] = "fault", [PT_PMG_IOV] = "iov_limit",
	[PT_PMG_TRUNC] = "truncated", [PT_PMG_NOCONTENT] = "not_in_user_memory", [PT_PMG_OFF] = "capture_off",
	[PT_PMG_UNSEEN] = "unseen", [PT_PMG_LIMIT] = "content_limit",
};
static const char *const gap_texts[] = {
	[PT_PMG_DATA] = "captured",
	[PT_PMG_RING] = "lost: captured, but the ring buffer was full (see `provtap probe status`)",
	[PT_PMG_FAULT] = "fault: reading the caller's buffer failed",
	[PT_PMG_IOV] = "iov limit: past the first 32 iovecs of the call",
	[PT_PMG_TRUNC] = "truncated: past --content of the call",
	[PT_PMG_NOCONTENT] = "not in user memory (sendfile)",
	[PT_PMG_OFF] = "capture off: the probes ran without --content",
	[PT_PMG_UNSEEN] = "unseen: no recorded call moved these bytes",
	[PT_PMG_LIMIT] = "content limit: past the connection's content budget (record's --content-max)",
};

const char *pt_pv_begin_name(__u8 begin) { return NAME(begin_names, begin); }
const char *pt_pv_origin_name(__u8 origin) { return NAME(origin_names, origin); }
const char *pt_pv_kind_name(__u8 kind) { return NAME(kind_names, kind); }
const char *pt_pv_gap_name(__u8 gap) { return NAME(gap_names, gap); }
const char *pt_pv_gap_text(__u8 gap) { return NAME(gap_texts, gap); }

char *pt_pv_endpoint(char *buf, size_t len, __u16 family, const __u8 *addr, __u16 port)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (family == AF_INET6) {
		inet_ntop(AF_INET6, addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		inet_ntop(AF_INET, addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, port);
	}
	return buf;
}

static bool inet(__u16 family)
{
	return family == AF_INET || family == AF_INET6;
}

char *pt_pv_obj_text(char *buf, size_t len, const struct pt_pm_obj *o)
{
	char l[64], r[64];
	const char *proto;

	switch (o->kind) {
	case PT_FK_FILE:
	case PT_FK_DIR:
	case PT_FK_CHR:
	case PT_FK_OTHER:
		if (o->path)
			snprintf(buf, len, "%s %s%s", kind_names[o->kind], o->path, o->path_trunc ? "..." : "");
		else
			snprintf(buf, len, "%s %u:%u ino %llu", kind_names[o->kind], o->dev >> 20, o->dev & 0xfffff,
				 (unsigned long long)o->ino);
		return buf;
	case PT_FK_PIPE:
		snprintf(buf, len, "pipe:[%llu]", (unsigned long long)o->ino);
		return buf;
	case PT_FK_SOCKET:
		break;
	default:
		snprintf(buf, len, "%s", o->path ? o->path : "unknown");
		return buf;
	}
	if (o->family == AF_UNIX) {
		snprintf(buf, len, "unix socket:[%llu]", (unsigned long long)o->ino);
		return buf;
	}
	if (!inet(o->family)) {
		snprintf(buf, len, "socket family %u:[%llu]", o->family, (unsigned long long)o->ino);
		return buf;
	}
	proto = o->proto == IPPROTO_TCP ? "tcp" : o->proto == IPPROTO_UDP ? "udp" : "ip";
	pt_pv_endpoint(l, sizeof(l), o->family, o->laddr, o->lport);
	if (o->rport)
		snprintf(buf, len, "%s %s -> %s", proto, l, pt_pv_endpoint(r, sizeof(r), o->family, o->raddr, o->rport));
	else
		snprintf(buf, len, "%s %s%s", proto, l, o->listening ? " listening" : "");
	return buf;
}

bool pt_pv_obj_id(const struct pt_pmload *l, __u32 i, char *buf, size_t len)
{
	const struct pt_pm_obj *o = pt_procmodel_obj(l->m, i);
	const struct pt_pm_conn *c = o ? pt_procmodel_conn(l->m, o->conn) : NULL;

	buf[0] = 0;
	if (c)
		pt_vid_conn(buf, len, c->id);
	else if (o && o->path && o->kind != PT_FK_SOCKET)
		pt_vid_file(buf, len, o->path);
	else if (o && o->kind == PT_FK_SOCKET && o->ino)
		pt_vid_sock(buf, len, l->host, o->ino);
	return buf[0] != 0;
}

char *pt_pv_proc_id(const struct pt_pmload *l, __u32 i, char *buf, size_t len)
{
	const struct pt_pm_proc *p = pt_procmodel_proc(l->m, i);

	if (p)
		pt_vid_proc(buf, len, l->host, p->pid, p->start_ns);
	else
		snprintf(buf, len, "?");
	return buf;
}

const char *pt_pv_comm(const struct pt_pm_proc *p)
{
	return p->ncomms ? p->comms[p->ncomms - 1].comm : "";
}

const char *pt_pv_argv0(const struct pt_pm_proc *p)
{
	const struct pt_pm_exec *x = p->nexecs ? &p->execs[p->nexecs - 1] : NULL;

	if (x && x->argc && x->argv_len && x->argv[0])
		return x->argv;
	if (x && x->filename && x->filename[0])
		return x->filename;
	return pt_pv_comm(p);
}

char *pt_pv_time(const struct pt_pmload *l, __u64 boot_ns, char *buf, size_t len)
{
	pt_view_fmt_time(&l->view, boot_ns, buf, len);
	return buf;
}

int pt_pv_parse_at(const struct pt_pmload *l, const char *s, __u64 *boot_ns, char *err, size_t errlen)
{
	__u64 real;

	if (!strncmp(s, "boot:", 5)) {
		if (pt_parse_u64(s + 5, 0, ~0ull - 1, boot_ns)) {
			snprintf(err, errlen, "--at boot:NS takes boottime nanoseconds, not '%s'", s + 5);
			return -EINVAL;
		}
		return 0;
	}
	if (pt_parse_time(s, pt_now_ns(CLOCK_REALTIME), &real)) {
		snprintf(err, errlen, "--at takes RFC 3339 (2026-11-23T20:00:00Z), 'now', a relative time (-5m) or "
			 "boot:NS (boottime ns), not '%s'", s);
		return -EINVAL;
	}
	if (!l->view.clock_valid) {
		snprintf(err, errlen, "the store has no clock record to turn '%s' into boottime: give --at boot:NS", s);
		return -EINVAL;
	}
	*boot_ns = pt_pmload_boottime(l, real);
	if (!*boot_ns) {
		char b[64];

		snprintf(err, errlen, "--at %s is before the store's boot (it began at %s)", s,
			 pt_pv_time(l, 0, b, sizeof(b)));
		return -EINVAL;
	}
	return 0;
}

__u32 pt_pv_newest_proc(const struct pt_pmload *l, __u32 pid)
{
	__u32 best = PT_PM_NONE;

	for (__u32 i = 0; i < pt_procmodel_nprocs(l->m); i++) {
		const struct pt_pm_proc *p = pt_procmodel_proc(l->m, i);

		if (p->pid == pid && (best == PT_PM_NONE || p->start_ns >= pt_procmodel_proc(l->m, best)->start_ns))
			best = i;
	}
	return best;
}

int pt_pv_find_proc(const struct pt_pmload *l, const char *arg, __u32 *proc, char *err, size_t errlen)
{
	struct pt_vertex_id v = { 0 };
	__u64 pid;
	__u32 best;
	size_t n = pt_procmodel_nprocs(l->m);

	if (!strncmp(arg, "proc:", 5)) {
		if (pt_vertex_parse(arg, &v, err, errlen))
			return -EINVAL;
		if (v.has_host && strcmp(v.host, l->host)) {
			snprintf(err, errlen, "%s is a process of host %s; this store is of host %s", arg, v.host,
				 l->host);
			return -ENOENT;
		}
		pid = v.pid;
	} else if (pt_parse_u64(arg, 1, 0x7fffffff, &pid)) {
		snprintf(err, errlen, "'%s' is neither a pid nor a process id (PID, proc:PID or proc:HOST/PID@START)",
			 arg);
		return -EINVAL;
	}
	best = v.has_start ? pt_procmodel_find_proc(l->m, (__u32)pid, v.start_ns) : pt_pv_newest_proc(l, (__u32)pid);
	if (best == PT_PM_NONE) {
		snprintf(err, errlen, "no process %s in the store (host %s, %zu processes); `provtap query proc` lists them",
			 arg, l->host, n);
		return -ENOENT;
	}
	*proc = best;
	return 0;
}

int pt_pv_find_conn(const struct pt_pmload *l, const char *arg, __u32 *conn, char *err, size_t errlen)
{
	char buf[PT_VID_MAX];
	struct pt_vertex_id v;

	if (strncmp(arg, "conn:", 5)) {
		if (!strncmp(arg, "proc:", 5) || !strncmp(arg, "recv:", 5) || !strncmp(arg, "file:", 5) ||
		    !strncmp(arg, "pkt:", 4) || !strncmp(arg, "sock:", 5) || !strncmp(arg, "drop:", 5)) {
			snprintf(err, errlen, "'%s' is not a connection id: give conn:ID as `provtap query conn` prints it",
				 arg);
			return -EINVAL;
		}
		snprintf(buf, sizeof(buf), "conn:%s", arg);
		arg = buf;
	}
	if (pt_vertex_parse(arg, &v, err, errlen))
		return -EINVAL;
	if (!l)
		return 0;
	*conn = pt_procmodel_find_conn(l->m, v.conn);
	if (*conn == PT_PM_NONE) {
		snprintf(err, errlen, "no connection %s in the store (host %s, %zu connections); "
			 "`provtap query conn ''` lists them", arg, l->host, pt_procmodel_nconns(l->m));
		return -ENOENT;
	}
	return 0;
}

/*
 * The distinct processes (by_proc) or objects of the bindings b[0, nb), in
 * order of first appearance, into *out (caller frees; NULL when *n == 0).
 * Frees b. 0 or -ENOMEM.
 */
static int binding_set(struct pt_pm_binding *b, size_t nb, bool by_proc, __u32 **out, size_t *n)
{
	size_t k = 0;
	__u32 *v;

	*out = NULL;
	*n = 0;
	if (!nb) {
		free(b);
		return 0;
	}
	v = malloc(nb * sizeof(*v));
	if (!v) {
		free(b);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nb; i++) {
		__u32 x = by_proc ? b[i].proc : b[i].obj;
		size_t j;

		for (j = 0; j < k && v[j] != x; j++)
			;
		if (j == k)
			v[k++] = x;
	}
	free(b);
	*out = v;
	*n = k;
	return 0;
}

int pt_pv_obj_procs(const struct pt_pmload *l, __u32 obj, __u32 **out, size_t *n)
{
	struct pt_pm_binding *b = NULL;
	size_t nb = 0;
	__u32 *v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = pt_procmodel_holders(l->m, obj, &b, &nb)))
		return rc;
	if ((rc = binding_set(b, nb, true, out, n)))
		return rc;
	v = *out;
	for (size_t i = 1; i < *n; i++)	/* few: insertion sort */
		for (size_t j = i; j && v[j - 1] > v[j]; j--) {
			__u32 t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return 0;
}

int pt_pv_proc_objs(const struct pt_pmload *l, __u32 proc, __u32 **out, size_t *n)
{
	struct pt_pm_binding *b = NULL;
	size_t nb = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = pt_procmodel_fd_history(l->m, proc, &b, &nb)))
		return rc;
	return binding_set(b, nb, false, out, n);
}

__u64 pt_pv_obj_closed(const struct pt_pmload *l, __u32 obj)
{
	struct pt_pm_binding *b = NULL;
	size_t nb = 0;
	__u64 last = 0;

	if (pt_procmodel_holders(l->m, obj, &b, &nb) || !nb) {
		free(b);
		return PT_PM_OPEN;
	}
	for (size_t i = 0; i < nb && last != PT_PM_OPEN; i++)
		if (b[i].to_ts > last)
			last = b[i].to_ts;
	free(b);
	return last;
}

void pt_pv_json_str(FILE *out, const char *s)
{
	pt_json_str(out, s);
}
