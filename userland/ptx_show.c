// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "common/units.h"
#include "query/procview.h"
#include "userland/ptx_esc.h"
#include "userland/ptx_show.h"

char *pt_ptx_fmt_ep(__u16 family, const __u8 *addr, __u16 port, char *buf, size_t len)
{
	return pt_pv_endpoint(buf, len, family, addr, port);
}

/* "exit 3", "signal 9", "running" */
static char *fmt_status(__u32 flags, __s32 st, char *buf, size_t len)
{
	if (!(flags & PT_PTX_P_EXITED))
		snprintf(buf, len, "running");
	else if (flags & PT_PTX_P_SIGNALED || WIFSIGNALED(st))
		snprintf(buf, len, "signal %d", st & 0x7f);
	else
		snprintf(buf, len, "exit %d", (st >> 8) & 0xff);
	return buf;
}

/* argv as shell words (escaped: ptx_esc.h), cut to len; "(empty argv)" for none. */
static char *fmt_argv(const char *argv, __u32 argv_len, char *buf, size_t len)
{
	if (!argv_len) {
		snprintf(buf, len, "(empty argv)");
		return buf;
	}
	return pt_esc_argv(buf, len, argv, argv_len);
}

/* "0.1 curl": process proc's tree position and name (escaped), "(unknown process)" for none. */
static char *fmt_who(const struct pt_ptx *x, __u32 proc, char *buf, size_t len)
{
	char pos[64];
	int n;

	if (proc >= x->nprocs) {
		snprintf(buf, len, "(unknown process)");
		return buf;
	}
	n = snprintf(buf, len, "%s ", pt_ptx_tree_pos(x, proc, pos, sizeof(pos)));
	/* the name escaped into what is left: its cut falls between escapes, not inside one */
	if (n > 0 && (size_t)n < len)
		pt_esc_proc_name(buf + n, len - (size_t)n, x, proc);
	return buf;
}

/* Connections by remote endpoint, then index (qsort_r, arg: the recording). */
static int peer_cmp(const void *a, const void *b, void *arg)
{
	const struct pt_ptx *x = arg;
	__u32 i = *(const __u32 *)a, k = *(const __u32 *)b;
	const struct pt_ptx_conn *c = &x->conns[i], *d = &x->conns[k];
	int m = memcmp(c->raddr, d->raddr, 16);

	if (m)
		return m;
	if (c->rport != d->rport)
		return c->rport < d->rport ? -1 : 1;
	return i < k ? -1 : 1;
}

/*
 * One PEERS line per remote endpoint, in the order of its first connection, in
 * O(n log n) (a recording may hold very many connections).
 */
static void peers(const struct pt_ptx *x, FILE *out)
{
	__u32 *order = malloc((x->nconns ? x->nconns : 1) * sizeof(*order)), *first;
	char r[64];

	if (!order) {
		fprintf(out, "(out of memory)\n");
		return;
	}
	for (__u32 i = 0; i < x->nconns; i++)
		order[i] = i;
	qsort_r(order, x->nconns, sizeof(*order), peer_cmp, (void *)x);
	/* first[i]: for a peer's first connection i, where its group starts in order; else NONE */
	first = malloc((x->nconns ? x->nconns : 1) * sizeof(*first));
	if (!first) {
		free(order);
		fprintf(out, "(out of memory)\n");
		return;
	}
	memset(first, 0xff, (size_t)x->nconns * sizeof(*first));
	for (__u32 g = 0; g < x->nconns; g++)
		if (!g || x->conns[order[g - 1]].rport != x->conns[order[g]].rport ||
		    memcmp(x->conns[order[g - 1]].raddr, x->conns[order[g]].raddr, 16))
			first[order[g]] = g;
	for (__u32 i = 0; i < x->nconns; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];
		__u64 s = 0, rc = 0;
		unsigned n = 0;

		if (first[i] == PT_PTX_NONE)
			continue;
		for (__u32 g = first[i]; g < x->nconns && x->conns[order[g]].rport == c->rport &&
					 !memcmp(x->conns[order[g]].raddr, c->raddr, 16); g++) {
			n++;
			s += x->conns[order[g]].dir[PT_PTX_D_OUT].len;
			rc += x->conns[order[g]].dir[PT_PTX_D_IN].len;
		}
		fprintf(out, "%-22s %-6s %6u %10llu %10llu\n", pt_ptx_fmt_ep(c->family, c->raddr, c->rport, r, sizeof(r)),
			"tcp", n, (unsigned long long)s, (unsigned long long)rc);
	}
	free(first);
	free(order);
}

static const char *role_name(__u8 role)
{
	return role == PT_PTX_R_CONNECT ? "connect" : role == PT_PTX_R_ACCEPT ? "accept" : "?";
}

/* Gaps of a direction by reason: "1200 bytes past --content-max". */
static void fmt_gaps(const struct pt_ptx_stream *s, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (int kind = 1; kind < PT_PTX_G_MAX; kind++) {
		__u64 n = 0;

		for (__u32 i = 0; i < s->ngaps; i++)
			n += s->gaps[i].kind == kind ? s->gaps[i].len : 0;
		if (n && o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%llu bytes %s", o ? ", " : "",
					      (unsigned long long)n, pt_ptx_gap_name((__u8)kind));
	}
}

#define REPORT_EACH	10	/* pt_ptx_report: warning lines per kind before a count */

void pt_ptx_report(const struct pt_ptx *x, const char *name, FILE *out)
{
	__u64 sent = 0, rcvd = 0, lost = 0;
	char l[64], r[64], g[256], t[256], who[128];
	__u32 nconns = 0, shown, more;
	bool *lim;

	/* a connection with both ends recorded counts once, from its first end */
	for (__u32 i = 0; i < x->nconns; i++) {
		if (x->conns[i].twin < i)
			continue;
		nconns++;
		sent += x->conns[i].dir[PT_PTX_D_OUT].len;
		rcvd += x->conns[i].dir[PT_PTX_D_IN].len;
	}
	for (int k = 0; k < 4; k++)
		lost += x->lost[k];
	fprintf(out, "provtap: recorded %u process(es), %u TCP connection(s) (%llu bytes sent, %llu received), "
		"%u UDP datagram(s), %u file(s) opened, in %.3f s into %s\n", x->nprocs, nconns,
		(unsigned long long)sent, (unsigned long long)rcvd, x->ndgrams, x->nfiles, x->duration_ns / 1e9,
		pt_esc_text(t, sizeof(t), name));
	if (x->nhosts) {
		unsigned rest = x->nprocs, *per = calloc(x->nhosts, sizeof(*per));

		for (__u32 i = 0; per && i < x->nprocs; i++)
			if (x->procs[i].host < x->nhosts)
				per[x->procs[i].host]++;
		fprintf(out, "provtap: hosts:");
		for (__u32 h = 0; h < x->nhosts; h++) {
			unsigned n = per ? per[h] : 0;

			rest -= n;
			fprintf(out, "%s %s (%u process(es))", h ? "," : "", pt_esc_text(t, sizeof(t), x->hosts[h].name), n);
		}
		free(per);
		if (rest)	/* processes of no host: the recording machine's own (a merge has none) */
			fprintf(out, "; %u process(es) on %s itself", rest, pt_esc_text(t, sizeof(t), x->host));
		fputc('\n', out);
	}
	/* a line per affected connection direction, then per datagram, REPORT_EACH of each at
	 * most and then how many more: `provtap show` lists them all */
	shown = more = 0;
	for (__u32 i = 0; i < x->nconns; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];

		for (int d = 0; d < 2; d++) {
			if (!c->dir[d].ngaps)
				continue;
			if (shown == REPORT_EACH) {
				more++;
				continue;
			}
			shown++;
			fmt_gaps(&c->dir[d], g, sizeof(g));
			fprintf(out, "provtap: warning: connection %u (%s %s > %s) lacks some of the %llu bytes %s: %s\n", i,
				pt_esc_proc_name(who, sizeof(who), x, c->proc),
				pt_ptx_fmt_ep(c->family, c->laddr, c->lport, l, sizeof(l)),
				pt_ptx_fmt_ep(c->family, c->raddr, c->rport, r, sizeof(r)),
				(unsigned long long)c->dir[d].len, d == PT_PTX_D_OUT ? "sent" : "received", g);
		}
	}
	if (more)
		fprintf(out, "provtap: warning: and %u more connection direction(s) lack content (`provtap show %s` "
			"lists them)\n", more, pt_esc_text(t, sizeof(t), name));
	shown = more = 0;
	lim = pt_ptx_dgram_limited(x);
	for (__u32 i = 0; i < x->ndgrams; i++) {
		if (x->dgrams[i].captured >= x->dgrams[i].size)
			continue;
		if (shown == REPORT_EACH) {
			more++;
			continue;
		}
		shown++;
		fprintf(out, "provtap: warning: UDP datagram %u: %llu of its %llu bytes recorded%s\n", i,
			(unsigned long long)x->dgrams[i].captured, (unsigned long long)x->dgrams[i].size,
			lim && lim[i] ? " (past --content-max for its socket and direction)" : "");
	}
	free(lim);
	if (more)
		fprintf(out, "provtap: warning: and %u more UDP datagram(s) not recorded whole (`provtap show %s` "
			"lists them)\n", more, pt_esc_text(t, sizeof(t), name));
	if (lost)
		fprintf(out, "provtap: warning: the kernel dropped %llu record(s) (proc %llu, sys %llu, data %llu, "
			"chunk %llu; ring buffer full): processes, calls or content may be missing anywhere; every "
			"connection is marked\n", (unsigned long long)lost, (unsigned long long)x->lost[0],
			(unsigned long long)x->lost[1], (unsigned long long)x->lost[2], (unsigned long long)x->lost[3]);
	else if (x->flags & PT_PTX_F_LOST)
		fprintf(out, "provtap: warning: records the collector did not store are missing (it failed before "
			"the end; how many is not known): processes, calls or content may be missing anywhere; every "
			"connection is marked\n");
	if (x->corrupt || x->malformed)
		fprintf(out, "provtap: warning: %llu corrupt store region(s) and %llu malformed record(s) were "
			"skipped while building the recording\n", (unsigned long long)x->corrupt,
			(unsigned long long)x->malformed);
}

void pt_ptx_show(const struct pt_ptx *x, const char *name, FILE *out)
{
	char t[40], buf[512], pos[64], st[32], l[64], r[64], e1[256], e2[256];
	char path[4 * PATH_MAX + 8];	/* a path escaped: 4 bytes per byte at worst */
	__u64 lost = 0;
	bool *lim;

	for (int k = 0; k < 4; k++)
		lost += x->lost[k];
	fprintf(out, "recording  %s (format %u, written by %s)\n", pt_esc_text(e1, sizeof(e1), name),
		x->version ? x->version : PT_PTX_VERSION, pt_esc_text(e2, sizeof(e2), x->tool));
	fprintf(out, "host       %s, %s\n", pt_esc_text(e1, sizeof(e1), x->host),
		pt_esc_text(e2, sizeof(e2), x->kernel));
	fprintf(out, "started    %s, duration %.3f s\n", pt_fmt_rfc3339(x->origin_real_ns, t, sizeof(t)),
		x->duration_ns / 1e9);
	fprintf(out, "command    %s (%s)\n", fmt_argv(x->argv, x->argv_len, buf, sizeof(buf)),
		fmt_status(PT_PTX_P_EXITED, x->exit_status, st, sizeof(st)));
	fprintf(out, "cwd        %s; environment: %u variables\n",
		x->cwd ? pt_esc_word(path, sizeof(path), x->cwd, strlen(x->cwd)) : "?", x->nenv);
	fprintf(out, "content    up to %u bytes per call, ", x->call_content);
	if (x->content_max)
		fprintf(out, "%llu bytes per connection direction\n", (unsigned long long)x->content_max);
	else
		fprintf(out, "no limit per connection direction\n");
	if (lost)
		fprintf(out, "losses     %llu record(s) dropped by the kernel (proc %llu, sys %llu, data %llu, chunk %llu): "
			"INCOMPLETE\n", (unsigned long long)lost, (unsigned long long)x->lost[0],
			(unsigned long long)x->lost[1], (unsigned long long)x->lost[2], (unsigned long long)x->lost[3]);
	else if (x->flags & PT_PTX_F_LOST)
		fprintf(out, "losses     records the collector did not store (how many is not known): INCOMPLETE\n");
	else
		fprintf(out, "losses     none\n");
	if (x->flags & PT_PTX_F_TRUNC)
		fprintf(out, "truncated  yes: some content is missing (see MARKS)\n");
	if (x->nhosts) {
		fprintf(out, "\nHOSTS (%u)\n%-16s %-16s %6s %-10s %s\n", x->nhosts, "HOST", "RECORDED ON", "PROCS",
			"STATUS", "COMMAND");
		for (__u32 h = 0; h < x->nhosts; h++) {
			const struct pt_ptx_host *ho = &x->hosts[h];
			unsigned n = 0;

			for (__u32 i = 0; i < x->nprocs; i++)
				n += x->procs[i].host == h;
			if (ho->argc)
				fmt_argv(ho->argv, ho->argv_len, buf, 120);
			else
				snprintf(buf, sizeof(buf), "(part of the recorded command)");
			fprintf(out, "%-16s %-16s %6u %-10s %s\n", pt_esc_text(e1, sizeof(e1), ho->name),
				pt_esc_text(e2, sizeof(e2), ho->hostname), n,
				ho->argc ? fmt_status(PT_PTX_P_EXITED, ho->exit_status, st, sizeof(st)) : "-", buf);
		}
	}

	fprintf(out, "\nPROCESSES (%u)\n%-10s %8s %8s %10s %10s %-10s %s%s\n", x->nprocs, "POS", "PID", "PPID",
		"START(s)", "END(s)", "STATUS", x->nhosts ? "HOST             " : "", "COMMAND");
	for (__u32 i = 0; i < x->nprocs; i++) {
		const struct pt_ptx_proc *p = &x->procs[i];
		char end[24];

		if (p->exit_ts == PT_PTX_OPEN)
			snprintf(end, sizeof(end), "-");
		else
			snprintf(end, sizeof(end), "%.3f", p->exit_ts / 1e9);
		if (p->nexecs)
			fmt_argv(p->execs[p->nexecs - 1].argv, p->execs[p->nexecs - 1].argv_len, buf, 120);
		else
			snprintf(buf, sizeof(buf), "(%s, no exec seen)", pt_esc_text(e1, sizeof(e1), p->comm));
		char host[sizeof(e1) + 1] = "";

		if (x->nhosts)
			snprintf(host, sizeof(host), "%-16s ", pt_esc_text(e1, sizeof(e1), pt_ptx_proc_host(x, i)));
		fprintf(out, "%-10s %8u %8u %10.3f %10s %-10s %s%s\n", pt_ptx_tree_pos(x, i, pos, sizeof(pos)), p->pid,
			p->ppid, p->start_ts / 1e9, end, fmt_status(p->flags, p->exit_status, st, sizeof(st)), host, buf);
	}

	fprintf(out, "\nCONNECTIONS (%u)\n%-3s %-14s %-8s %-22s %-22s %10s %10s %9s %9s  %s\n", x->nconns, "#",
		"PROCESS", "ROLE", "LOCAL", "PEER", "SENT", "RECEIVED", "START(s)", "DUR(s)", "MARKS");
	for (__u32 i = 0; i < x->nconns; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];
		char who[40], marks[600] = "", g[256];
		size_t o = 0;

		fmt_who(x, c->proc, who, sizeof(who));
		for (int d = 0; d < 2; d++) {
			if (!c->dir[d].ngaps)
				continue;
			fmt_gaps(&c->dir[d], g, sizeof(g));
			o += (size_t)snprintf(marks + o, sizeof(marks) - o, "%sTRUNCATED %s: %s", o ? "; " : "",
					      d == PT_PTX_D_OUT ? "sent" : "received", g);
		}
		if (c->flags & PT_PTX_C_LOST && o < sizeof(marks))
			o += (size_t)snprintf(marks + o, sizeof(marks) - o, "%sMAY BE INCOMPLETE (kernel losses)", o ? "; " : "");
		if (c->twin != PT_PTX_NONE && o < sizeof(marks))
			o += (size_t)snprintf(marks + o, sizeof(marks) - o, "%sboth ends recorded (other end #%u)",
					      o ? "; " : "", c->twin);
		else if (c->flags & PT_PTX_C_INTERNAL && o < sizeof(marks))
			o += (size_t)snprintf(marks + o, sizeof(marks) - o, "%sboth ends recorded", o ? "; " : "");
		if (c->flags & PT_PTX_C_INEXACT && o < sizeof(marks))
			snprintf(marks + o, sizeof(marks) - o, "%soffsets relative", o ? "; " : "");
		fprintf(out, "%-3u %-14s %-8s %-22s %-22s %10llu %10llu %9.3f %9.3f  %s\n", i, who, role_name(c->role),
			pt_ptx_fmt_ep(c->family, c->laddr, c->lport, l, sizeof(l)),
			pt_ptx_fmt_ep(c->family, c->raddr, c->rport, r, sizeof(r)),
			(unsigned long long)c->dir[PT_PTX_D_OUT].len, (unsigned long long)c->dir[PT_PTX_D_IN].len,
			c->first_ts / 1e9, (c->last_ts - c->first_ts) / 1e9, o ? marks : "-");
	}

	fprintf(out, "\nPEERS\n%-22s %-6s %6s %10s %10s\n", "PEER", "PROTO", "CONNS", "SENT", "RECEIVED");
	peers(x, out);

	fprintf(out, "\nDATAGRAMS (%u)\n", x->ndgrams);
	if (x->ndgrams)
		fprintf(out, "%-4s %-14s %-4s %-22s %-22s %8s %9s  %s\n", "#", "PROCESS", "DIR", "LOCAL", "PEER", "BYTES",
			"TIME(s)", "MARKS");
	lim = pt_ptx_dgram_limited(x);
	for (__u32 i = 0; i < x->ndgrams; i++) {
		const struct pt_ptx_dgram *g = &x->dgrams[i];
		char who[40], m[80] = "-";

		fmt_who(x, g->proc, who, sizeof(who));
		if (g->captured < g->size)
			snprintf(m, sizeof(m), "TRUNCATED: %llu bytes kept%s", (unsigned long long)g->captured,
				 lim && lim[i] ? " (past --content-max)" : "");
		fprintf(out, "%-4u %-14s %-4s %-22s %-22s %8llu %9.3f  %s\n", i, who, g->dir == PT_PTX_D_OUT ? "out" : "in",
			pt_ptx_fmt_ep(g->family, g->laddr, g->lport, l, sizeof(l)),
			pt_ptx_fmt_ep(g->family, g->raddr, g->rport, r, sizeof(r)), (unsigned long long)g->size,
			g->ts / 1e9, m);
	}
	free(lim);

	fprintf(out, "\nFILES OPENED (%u)\n", x->nfiles);
	for (__u32 i = 0; i < x->nfiles; i++) {
		const struct pt_ptx_file *f = &x->files[i];

		fprintf(out, "%-10s %-14s %s%s\n", pt_ptx_tree_pos(x, f->proc, pos, sizeof(pos)),
			pt_esc_proc_name(e1, sizeof(e1), x, f->proc),
			pt_esc_word(path, sizeof(path), f->path, strlen(f->path)), (f->open_flags & 3) ? " (write)" : "");
	}
}
