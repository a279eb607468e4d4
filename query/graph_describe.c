// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * graph_describe.c — how the answer names and describes what it shows
 * (graph_int.h): each vertex's id (query/vertex.h), one-line summary and
 * JSON members, and the labels of the edges made of calls.
 */
#include <stdio.h>
#include <string.h>
#include "query/dropnames.h"
#include "query/format.h"
#include "query/graph_int.h"

/* A process's name: its last comm, else its first thread's, else "?". */
static const char *comm_of(const struct pt_pm_proc *p)
{
	if (p->ncomms)
		return p->comms[p->ncomms - 1].comm;
	return p->nthreads ? p->threads[0].comm : "?";
}

/* argv of exec x as shell words (quoted when needed, control bytes as \xNN) into buf. */
void pt_gargv_text(const struct pt_pm_exec *x, char *buf, size_t len)
{
	const char *a = x->argv;

	buf[0] = 0;
	for (__u32 i = 0; i < x->argc && a < x->argv + x->argv_len; i++) {
		size_t n = strnlen(a, (size_t)(x->argv + x->argv_len - a));
		bool q = !n;

		/* within the n bytes: a cut argv's last word has no NUL */
		for (size_t k = 0; k < n && !q; k++)
			q = strchr(" \t'\"\\$`*?;&|<>(){}", a[k]) != NULL;

		pt_gaddf(buf, len, "%s%s", i ? " " : "", q ? "'" : "");
		for (size_t k = 0; k < n; k++) {
			unsigned char c = (unsigned char)a[k];

			if (c == '\'')
				pt_gaddf(buf, len, "'\\''");
			else if (c < 0x20 || c == 0x7f)
				pt_gaddf(buf, len, "\\x%02x", c);
			else
				pt_gaddf(buf, len, "%c", c);
		}
		pt_gaddf(buf, len, "%s", q ? "'" : "");
		a += n + 1;
	}
	if (x->flags & PT_PRF_ARGV_TRUNC)
		pt_gaddf(buf, len, " ...");
}

const char *pt_gcall_name(__u16 call)
{
	const char *n = pt_call_name(call);

	return n ? n : "call";
}

void pt_gio_label(struct pt_gcand *c, const struct pt_ggrp *g, bool file)
{
	const char *calls = g->mixed ? "calls" : pt_gcall_name(g->call);

	pt_gaddf(c->label, sizeof(c->label), "%llu B ", (unsigned long long)g->bytes);
	if (file && g->f0 >= 0)
		pt_gaddf(c->label, sizeof(c->label), "at file offset [%lld, %lld) ", (long long)g->f0, (long long)g->f1);
	else
		pt_gaddf(c->label, sizeof(c->label), "[%llu, %llu) ", (unsigned long long)g->r0,
			 (unsigned long long)g->r1);
	pt_gaddf(c->label, sizeof(c->label), "in %llu %s%s by tid %u", (unsigned long long)g->n, calls,
		 g->n > 1 && !g->mixed ? " calls" : "", g->tid);
	if (g->trunc)
		pt_gaddf(c->label, sizeof(c->label), ", content truncated (%llu of %llu B captured)",
			 (unsigned long long)g->captured, (unsigned long long)g->bytes);
	else if (g->nocontent)
		pt_gaddf(c->label, sizeof(c->label), ", no content captured");
	else
		pt_gaddf(c->label, sizeof(c->label), ", content captured");
	c->truncated = g->trunc;
	pt_gaddjn(c->json, sizeof(c->json), "calls", g->n);
	pt_gaddjs(c->json, sizeof(c->json), "call", g->mixed ? "mixed" : pt_gcall_name(g->call));
	pt_gaddjn(c->json, sizeof(c->json), "bytes", g->bytes);
	pt_gaddjn(c->json, sizeof(c->json), "captured", g->captured);
	pt_gaddjf(c->json, sizeof(c->json), ",\"offset\":[%llu,%llu]", (unsigned long long)g->r0,
		 (unsigned long long)g->r1);
	if (file && g->f0 >= 0)
		pt_gaddjf(c->json, sizeof(c->json), ",\"file_offset\":[%lld,%lld]", (long long)g->f0, (long long)g->f1);
	pt_gaddjn(c->json, sizeof(c->json), "tid", g->tid);
	pt_gaddjf(c->json, sizeof(c->json), ",\"last_ts_ns\":%llu", (unsigned long long)g->ts1);
}

/* Id, summary and JSON members of process pi. */
static void proc_vertex(const struct pt_gwalk *w, __u32 pi, char *id, size_t idlen, char *sum, size_t sl, char *js,
			size_t jl)
{
	const struct pt_pm_proc *p = pt_procmodel_proc(w->m, pi);
	char argv[1024] = "", pid[PT_VID_MAX];

	pt_vid_proc(id, idlen, w->l->host, p->pid, p->start_ns);
	snprintf(sum, sl, "%s[%u]", comm_of(p), p->pid);
	if (p->nexecs) {
		pt_gargv_text(&p->execs[p->nexecs - 1], argv, sizeof(argv));
		pt_gaddf(sum, sl, " %s", argv);
	}
	if (p->exited)
		pt_gaddf(sum, sl, p->signaled ? ", killed by signal %d" : ", exit %d",
			 p->signaled ? p->exit_status & 0x7f : (p->exit_status >> 8) & 0xff);
	pt_gaddjn(js, jl, "pid", p->pid);
	pt_gaddjn(js, jl, "start_ns", p->start_ns);
	pt_gaddjs(js, jl, "comm", comm_of(p));
	pt_gaddjs(js, jl, "exe", p->nexecs ? p->execs[p->nexecs - 1].filename : NULL);
	pt_gaddjs(js, jl, "argv", p->nexecs ? argv : NULL);
	if (p->parent != PT_PM_NONE) {
		const struct pt_pm_proc *pp = pt_procmodel_proc(w->m, p->parent);

		pt_vid_proc(pid, sizeof(pid), w->l->host, pp->pid, pp->start_ns);
		pt_gaddjs(js, jl, "parent", pid);
	} else {
		pt_gaddjs(js, jl, "parent", NULL);
	}
	if (p->exited)
		pt_gaddjf(js, jl, ",\"exit_status\":%d", p->exit_status);
	else
		pt_gaddjf(js, jl, ",\"exit_status\":null");
}

/* "tcp 10.0.0.1:40000 -> 10.0.0.2:80" (client first; "<->" when neither end connected), or "unix socketpair". */
static void conn_text(const struct pt_pm_conn *c, char *buf, size_t len)
{
	char a[80], b[80];
	int cl = c->client >= 0 ? c->client : 0;

	if (c->kind == PT_PMC_SOCKETPAIR) {
		snprintf(buf, len, "unix socketpair");
		return;
	}
	snprintf(buf, len, "tcp %s %s %s", pt_graph_endpoint(c, cl, a, sizeof(a)), c->client >= 0 ? "->" : "<->",
		 pt_graph_endpoint(c, 1 - cl, b, sizeof(b)));
}

void pt_gdescribe(const struct pt_gwalk *w, const struct pt_gcand *k, char *id, size_t idlen, char *sum, size_t sl,
		  char *js, size_t jl)
{
	const struct pt_pm_conn *c = k->vkind == PT_V_PROC || k->vkind == PT_V_FILE || k->vkind == PT_V_SOCK ?
					     NULL : pt_gconn_of(w, k->conn);
	char ep[80], pid[PT_VID_MAX], nm[96], rn[64], loc[96];

	sum[0] = js[0] = 0;
	switch (k->vkind) {
	case PT_V_PROC:
		proc_vertex(w, k->proc, id, idlen, sum, sl, js, jl);
		return;
	case PT_V_FILE:
		pt_vid_file(id, idlen, k->path);
		snprintf(sum, sl, "file");
		pt_gaddjs(js, jl, "path", k->path);
		return;
	case PT_V_SOCK: {
		const struct pt_pm_obj *o = pt_procmodel_obj(w->m, k->obj);

		pt_vid_sock(id, idlen, w->l->host, o->ino);
		snprintf(sum, sl, "socket inode %llu", (unsigned long long)o->ino);
		if (o->conn != PT_PM_NONE)
			pt_gaddf(sum, sl, " of conn:%s", pt_procmodel_conn(w->m, o->conn)->id);
		pt_gaddjn(js, jl, "ino", o->ino);
		return;
	}
	case PT_V_CONN:
		pt_vid_conn(id, idlen, c->id);
		conn_text(c, sum, sl);
		if (k->side >= 0)
			pt_gaddf(sum, sl, ", bytes [%llu, %llu) sent by %s", (unsigned long long)k->r0,
				 (unsigned long long)k->r1, pt_graph_endpoint(c, k->side, ep, sizeof(ep)));
		pt_gaddjs(js, jl, "conn", c->id);
		pt_gaddjs(js, jl, "endpoint0", pt_graph_endpoint(c, 0, ep, sizeof(ep)));
		pt_gaddjs(js, jl, "endpoint1", pt_graph_endpoint(c, 1, ep, sizeof(ep)));
		if (c->client >= 0)
			pt_gaddjn(js, jl, "client", (unsigned long long)c->client);
		return;
	case PT_V_RECV: {
		const struct pt_pm_call *rc = pt_gcovering(w, c, k->side, PT_DIR_IN, k->r0);

		pt_vid_recv(id, idlen, c->id, c->kind == PT_PMC_TCP ? pt_graph_endpoint(c, k->side, ep, sizeof(ep)) :
								       NULL, k->r0);
		snprintf(sum, sl, "byte %llu of what %s received", (unsigned long long)k->r0,
			 c->kind == PT_PMC_TCP ? ep : "the socketpair end");
		pt_gaddjs(js, jl, "conn", c->id);
		pt_gaddjs(js, jl, "endpoint", c->kind == PT_PMC_TCP ? ep : NULL);
		pt_gaddjn(js, jl, "offset", k->r0);
		if (rc) {
			const struct pt_pm_proc *p = pt_procmodel_proc(w->m, rc->proc);

			pt_vid_proc(pid, sizeof(pid), w->l->host, p->pid, p->start_ns);
			pt_gaddf(sum, sl, ", in %s [%llu, %llu) by %s[%u] tid %u (%s)%s", pt_gcall_name(rc->call),
				 (unsigned long long)rc->off, (unsigned long long)(rc->off + rc->size), comm_of(p), p->pid,
			     rc->tid, pid, pt_gcall_trunc(rc) ? ", content truncated" : "");
			pt_gaddjs(js, jl, "process", pid);
			pt_gaddjs(js, jl, "call", pt_gcall_name(rc->call));
			pt_gaddjf(js, jl, ",\"call_offset\":[%llu,%llu],\"call_ts_ns\":%llu,\"call_truncated\":%s",
				 (unsigned long long)rc->off, (unsigned long long)(rc->off + rc->size),
			     (unsigned long long)rc->ts, pt_gcall_trunc(rc) ? "true" : "false");
		}
		return;
	}
	case PT_V_PKT: {
		const struct pt_ghop *h = &k->gfp->hop[k->hop];
		const char *pn = pt_view_point(&w->l->view, h->point, nm, sizeof(nm));
		char a[80], b[80];

		pt_vid_pkt(id, idlen, k->gfp->fp, pn);
		snprintf(sum, sl, "at %s: tcp %s > %s seq %u, %u B", pn, pt_graph_endpoint(c, k->side, a, sizeof(a)),
			 pt_graph_endpoint(c, 1 - k->side, b, sizeof(b)), h->seq, h->len);
		if (h->copies > 1)
			pt_gaddf(sum, sl, ", seen %u times (retransmitted)", h->copies);
		if (k->gfp->ndrops_all)
			pt_gaddf(sum, sl, ", %u kernel drop(s) of it", k->gfp->ndrops_all);
		pt_gaddjf(js, jl, "\"fp\":\"%016llx\"", (unsigned long long)k->gfp->fp);
		pt_gaddjs(js, jl, "point", pn);
		pt_gaddjn(js, jl, "hop", (unsigned long long)k->hop + 1);
		pt_gaddjn(js, jl, "seq", h->seq);
		pt_gaddjn(js, jl, "payload_len", h->len);
		pt_gaddjn(js, jl, "copies", h->copies);
		return;
	}
	case PT_V_DROP:
		pt_vid_drop(id, idlen, k->gfp->fp, k->drop->ts);
		pt_drop_reason_name(k->drop->reason, rn, sizeof(rn));
		pt_drop_location_name(k->drop->location, loc, sizeof(loc));
		snprintf(sum, sl, "kernel drop of packet %016llx (seq %u, %u B): %s at %s",
			 (unsigned long long)k->gfp->fp, k->drop->seq, k->drop->len, rn, loc);
		pt_gaddjf(js, jl, "\"fp\":\"%016llx\"", (unsigned long long)k->gfp->fp);
		pt_gaddjs(js, jl, "reason", rn);
		pt_gaddjn(js, jl, "reason_code", k->drop->reason);
		pt_gaddjs(js, jl, "location", loc);
		return;
	}
	snprintf(id, idlen, "?");
}
