// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * query_conn.c — `provtap query conn [EXPR]`: the connections the process
 * model paired from the store, one row each, with both ends' processes,
 * bytes each way, times, state and whether their content was captured.
 * (`query content`, the bytes of one of them, is in cli/query_content.c.)
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "cli/cli.h"
#include "cli/query.h"
#include "query/filter.h"
#include "query/pmload.h"
#include "query/procview.h"
#include "query/vertex.h"

static void usage_conn(FILE *out)
{
	fprintf(out,
		"usage: provtap query conn [EXPR] [--since T] [--until T] [--store DIR] [--json|--csv]\n"
		"\n"
		"The connections the process probes saw (`provtap probe load --procs`): TCP sockets of this\n"
		"host paired end to end (a peer on another host leaves one end), and socketpairs. One row\n"
		"each: its id (conn:ID, for `query content` and `query why`), the client (the end that\n"
		"connected) and the server (the end that accepted), each with its endpoint and the ids of\n"
		"the processes that held its socket, bytes each way, first and last activity, duration,\n"
		"state (open, or closed and by which end first), and per direction whether the content was\n"
		"captured: complete, truncated (calls longer than --content), gaps (lost, faults, ...), off\n"
		"(probes without --content) or empty. When neither connect nor accept was seen the roles\n"
		"are unknown and endpoint 0 (the lower address:port) is shown as client.\n"
		"\n"
		"EXPR is the filter language (`provtap tail --help`): a connection matches when either\n"
		"end matches as a socket call of one of the processes that held it: host, net, port, tcp,\n"
		"udp, ip/ip6, proc, comm NAME (any name the process had), pid N. --since/--until keep\n"
		"connections active in that window.\n"
		"\n"
		"examples:\n"
		"  provtap query conn ''\n"
		"  provtap query conn 'port 80 and comm curl'\n"
		"  provtap query conn 'host 10.0.3.2' --since -5m --json\n"
		"\nExit status: 0 answered (also with no connection), 1 the store cannot be read, 2 usage.\n");
}

/* Is end k of c matched by f, as a socket call of one of its holders (under any of their comms)? */
static bool end_matches(const struct pt_pmload *l, const struct pt_filter *f, const struct pt_pm_conn *c, int k)
{
	struct pt_sys r;
	__u32 *pp = NULL;
	size_t np = 0;
	bool hit = false;

	memset(&r, 0, sizeof(r));
	r.type = PT_REC_SYS;
	r.len = sizeof(r);
	r.call = PT_CALL_CONNECT;
	r.fd = r.newfd = r.newfd2 = -1;
	r.info.kind = PT_FK_SOCKET;
	r.info.type = SOCK_STREAM;
	if (c->kind == PT_PMC_TCP) {
		r.info.family = c->family;
		r.info.proto = IPPROTO_TCP;
		memcpy(r.info.laddr, c->addr[k], 16);
		memcpy(r.info.raddr, c->addr[!k], 16);
		r.info.lport = c->port[k];
		r.info.rport = c->port[!k];
	} else {
		r.info.family = AF_UNIX;
	}
	if (c->obj[k] == PT_PM_NONE || pt_pv_obj_procs(l, c->obj[k], &pp, &np) || !np) {
		free(pp);
		return pt_filter_match_rec(f, (const void *)&r, NULL);
	}
	for (size_t i = 0; i < np && !hit; i++) {
		const struct pt_pm_proc *p = pt_procmodel_proc(l->m, pp[i]);

		r.task.pid = r.task.tid = p->pid;
		r.task.ppid = p->ppid;
		r.task.uid = p->uid;
		r.task.start_ns = p->start_ns;
		r.task.cgroup_id = p->cgroup_id;
		r.task.netns_ino = p->netns_ino;
		for (size_t j = 0; j < (p->ncomms ? p->ncomms : 1) && !hit; j++) {
			memset(r.task.comm, 0, sizeof(r.task.comm));
			if (p->ncomms)
				memcpy(r.task.comm, p->comms[j].comm, sizeof(r.task.comm) - 1);
			hit = pt_filter_match_rec(f, (const void *)&r, NULL);
		}
	}
	free(pp);
	return hit;
}

/* Bytes connection c carried from end side to the other: the sender's calls, else the receiver's. */
static __u64 dir_bytes(const struct pt_pmload *l, const struct pt_pm_conn *c, int side)
{
	const struct pt_pm_stream *s;

	if (c->obj[side] != PT_PM_NONE && (s = pt_procmodel_stream(l->m, c->obj[side], PT_DIR_OUT)) && s->ncalls)
		return s->bytes;
	if (c->obj[!side] != PT_PM_NONE && (s = pt_procmodel_stream(l->m, c->obj[!side], PT_DIR_IN)))
		return s->bytes;
	return 0;
}

/* "complete", "truncated", "gaps", "off" or "empty": the content side -> other as assembled. */
static const char *content_state(const struct pt_pmload *l, __u32 ci, int side)
{
	struct pt_pm_range *r = NULL;
	size_t n = 0;
	bool data = false, trunc = false, other = false, off = false;

	if (pt_procmodel_conn_content(l->m, ci, side, 0, ~0ull, &r, &n))
		return "?";
	for (size_t i = 0; i < n; i++) {
		data |= r[i].gap == PT_PMG_DATA;
		trunc |= r[i].gap == PT_PMG_TRUNC;
		off |= r[i].gap == PT_PMG_OFF;
		other |= r[i].gap != PT_PMG_DATA && r[i].gap != PT_PMG_TRUNC && r[i].gap != PT_PMG_OFF;
	}
	free(r);
	if (!n)
		return "empty";
	if (other || (off && (data || trunc)))
		return "gaps";
	if (off)
		return "off";
	return trunc ? "truncated" : "complete";
}

/* The processes of end k as ids separated by spaces (NULL when the end was not seen). */
static const char *end_procs(const struct pt_pmload *l, const struct pt_pm_conn *c, int k, char *buf, size_t len)
{
	__u32 *pp = NULL;
	size_t np = 0, off = 0;
	char id[96];

	buf[0] = 0;
	if (c->obj[k] == PT_PM_NONE || pt_pv_obj_procs(l, c->obj[k], &pp, &np))
		return NULL;
	for (size_t i = 0; i < np && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "", pt_pv_proc_id(l, pp[i], id, sizeof(id)));
	free(pp);
	return buf;
}

/*
 * When end k's socket read end-of-stream (its first successful empty receive
 * on a stream socket), PT_PM_OPEN if never.
 */
static __u64 eof_ts(const struct pt_pmload *l, const struct pt_pm_conn *c, int k)
{
	const struct pt_pm_stream *s = c->obj[k] == PT_PM_NONE ? NULL : pt_procmodel_stream(l->m, c->obj[k], PT_DIR_IN);

	for (size_t i = 0; s && i < s->ncalls; i++)
		if (!s->calls[i].size)
			return s->calls[i].ts;
	return PT_PM_OPEN;
}

/*
 * "open", "closed (client first)", "client closed, server open", ... into
 * buf. Who closed first: the end that did not read end-of-stream before its
 * own close (the other one did: it was told); else the earlier last close
 * (a close is timed at syscall exit, after the FIN it sends may have woken
 * the peer).
 */
static const char *state_text(const struct pt_pmload *l, const struct pt_pm_conn *c, int cl, char *buf, size_t len)
{
	const char *name[2] = { cl ? "server" : "client", cl ? "client" : "server" };
	__u64 t[2];

	if (c->kind == PT_PMC_SOCKETPAIR && c->client < 0)
		name[0] = "fds[0]", name[1] = "fds[1]";
	for (int k = 0; k < 2; k++)
		t[k] = c->obj[k] == PT_PM_NONE ? 0 : pt_pv_obj_closed(l, c->obj[k]);
	if (c->obj[0] == PT_PM_NONE || c->obj[1] == PT_PM_NONE) {
		int k = c->obj[0] == PT_PM_NONE;

		snprintf(buf, len, "%s %s (other end not on this host)", name[k], t[k] == PT_PM_OPEN ? "open" : "closed");
	} else if (t[0] == PT_PM_OPEN && t[1] == PT_PM_OPEN) {
		snprintf(buf, len, "open");
	} else if (t[0] == PT_PM_OPEN || t[1] == PT_PM_OPEN) {
		int k = t[0] == PT_PM_OPEN;

		snprintf(buf, len, "%s closed, %s open", name[k], name[!k]);
	} else {
		bool told0 = eof_ts(l, c, 0) <= t[0], told1 = eof_ts(l, c, 1) <= t[1];
		int first = told0 != told1 ? told0 : t[0] > t[1];

		snprintf(buf, len, "closed (%s first)", name[first]);
	}
	return buf;
}

static const char *roles_text(const struct pt_pmload *l, const struct pt_pm_conn *c)
{
	bool con = false, acc = false;

	if (c->kind == PT_PMC_SOCKETPAIR)
		return "socketpair";
	for (int k = 0; k < 2; k++) {
		const struct pt_pm_obj *o = c->obj[k] == PT_PM_NONE ? NULL : pt_procmodel_obj(l->m, c->obj[k]);

		con |= o && o->role == PT_PMR_CONNECT;
		acc |= o && o->role == PT_PMR_ACCEPT;
	}
	return con && acc ? "connect+accept" : con ? "connect" : acc ? "accept" : "unknown";
}

static void conn_row(struct pt_table *t, const struct pt_pmload *l, __u32 ci, __u64 last)
{
	const struct pt_pm_conn *c = pt_procmodel_conn(l->m, ci);
	int cl = c->client >= 0 ? c->client : 0;
	char b[PT_VID_MAX], big[2048];

	pt_table_row(t);
	pt_vid_conn(b, sizeof(b), c->id);
	pt_table_str(t, b);
	for (int k = 0; k < 2; k++) {
		int e = k ? !cl : cl;

		if (c->kind == PT_PMC_TCP)
			pt_table_str(t, pt_pv_endpoint(b, sizeof(b), c->family, c->addr[e], c->port[e]));
		else
			pt_table_str(t, e ? "unix fds[1]" : "unix fds[0]");
		if (end_procs(l, c, e, big, sizeof(big)))
			pt_table_str(t, big);
		else
			pt_table_null(t);
	}
	pt_table_u64(t, dir_bytes(l, c, cl));
	pt_table_u64(t, dir_bytes(l, c, !cl));
	pt_table_str(t, pt_pv_time(l, c->first_ts, b, sizeof(b)));
	pt_table_str(t, pt_pv_time(l, last, b, sizeof(b)));
	pt_table_f(t, (double)(last - c->first_ts) / 1e9, 6);
	pt_table_str(t, state_text(l, c, cl, b, sizeof(b)));
	pt_table_str(t, roles_text(l, c));
	pt_table_str(t, content_state(l, ci, cl));
	pt_table_str(t, content_state(l, ci, !cl));
}

int query_conn(int argc, char **argv)
{
	struct pt_filter *f = NULL;
	struct pt_filter_err fe;
	struct pt_pmload *l = NULL;
	struct pt_table *t = NULL;
	struct pt_qopts q;
	const char *expr;
	__u64 since, until;
	size_t n, shown = 0;
	char err[512];
	int rc;

	rc = pt_qopts_parse(argc, argv, &q, NULL, NULL, NULL, usage_conn);
	if (rc)
		return rc < 0 ? 0 : rc;
	expr = q.scan.expr ? q.scan.expr : "";
	if (pt_filter_parse(expr, &f, &fe)) {
		/* 1-based, with a caret, as probe, tail and store print a filter error */
		fprintf(stderr, "provtap query conn: bad filter: %s at position %d:\n  %s\n  %*s^\n", fe.msg,
			fe.pos + 1, expr, fe.pos, "");
		return PT_EXIT_USAGE;
	}
	if (pt_filter_uses_point(f)) {
		fprintf(stderr, "provtap query conn: `point` names capture points; connections have none\n");
		rc = PT_EXIT_USAGE;
		goto cleanup;
	}
	rc = pt_pmload(q.store_dir, &l, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query conn: %s\n", err);
		rc = PT_EXIT_FAIL;
		goto cleanup;
	}
	pt_pmload_warn(l, stderr);
	if (pt_pmload_window(l, q.scan.since_ns, q.scan.until_ns, &since, &until, err, sizeof(err))) {
		fprintf(stderr, "provtap query conn: %s\n", err);
		rc = PT_EXIT_FAIL;
		goto cleanup;
	}
	t = pt_table_new(q.fmt, "connections");
	if (!t) {
		fprintf(stderr, "provtap query conn: out of memory\n");
		rc = PT_EXIT_FAIL;
		goto cleanup;
	}
	pt_table_col(t, "id", "CONN", false);
	pt_table_col(t, "client", "CLIENT", false);
	pt_table_col(t, "client_procs", "CLIENT PROCESSES", false);
	pt_table_col(t, "server", "SERVER", false);
	pt_table_col(t, "server_procs", "SERVER PROCESSES", false);
	pt_table_col(t, "bytes_out", "CLIENT->SERVER (B)", true);
	pt_table_col(t, "bytes_in", "SERVER->CLIENT (B)", true);
	pt_table_col(t, "first", "FIRST", false);
	pt_table_col(t, "last", "LAST", false);
	pt_table_col(t, "duration", "DURATION (s)", true);
	pt_table_col(t, "state", "STATE", false);
	pt_table_col(t, "roles", "ROLES SEEN", false);
	pt_table_col(t, "content_out", "CONTENT OUT", false);
	pt_table_col(t, "content_in", "CONTENT IN", false);
	n = pt_procmodel_nconns(l->m);
	for (__u32 i = 0; i < n; i++) {
		const struct pt_pm_conn *c = pt_procmodel_conn(l->m, i);
		__u64 last = c->first_ts;

		for (int k = 0; k < 2; k++) {
			const struct pt_pm_obj *o = c->obj[k] == PT_PM_NONE ? NULL : pt_procmodel_obj(l->m, c->obj[k]);

			if (o && o->last_ts > last)
				last = o->last_ts;
		}
		if (last < since || c->first_ts > until)
			continue;
		if (!end_matches(l, f, c, 0) && !end_matches(l, f, c, 1))
			continue;
		conn_row(t, l, i, last);
		shown++;
	}
	pt_table_note(t, "%zu of %zu connections (host %s); content of one: provtap query content CONN", shown, n,
		      l->host);
	pt_table_print(t, stdout);
	rc = 0;
cleanup:
	pt_pmload_free(l);
	pt_filter_free(f);
	return rc;
}
