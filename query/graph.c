// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * graph.c — the walk of `query why|impact` over a process model and the
 * packets of the connections it crosses (graph.h says what it answers).
 *
 * Each line of the answer is a candidate (struct cand: the vertex it leads
 * to, with the context it is reached in, and the edge) turned into a node;
 * a node's candidates are collected by the expander of its kind, sorted by
 * time, cut at the fan-out, and expanded depth first. Contexts: a process
 * carries the time it is reached at, a connection the sending end and the
 * byte range of the sender's stream, received bytes the receiving end and
 * the range of the receiver's stream, a packet its fingerprint's path and
 * the hop.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "query/dropnames.h"
#include "query/format.h"
#include "query/graph_int.h"
#include "query/json.h"
#include "query/scan.h"

#define T_END	(~0ull)

struct cand {
	__u8 vkind;		/* enum pt_vkind of the target */
	__u8 ekind;		/* enum pt_gedge_kind */
	bool out;		/* information flows from the current vertex to the target */
	bool truncated;
	__u64 ts;		/* of the edge; the sort key */
	__u32 proc;		/* PT_V_PROC */
	__u64 t;		/* PT_V_PROC, PT_V_FILE: the time it is reached at */
	const char *path;	/* PT_V_FILE */
	__u32 obj;		/* PT_V_SOCK */
	__u32 conn;		/* PT_V_CONN, PT_V_RECV, PT_V_PKT, PT_V_DROP: PT_PM_NONE if the model has none */
	int side;		/* PT_V_CONN, PT_V_PKT: sending end; PT_V_RECV: receiving end; -1: root conn */
	__u64 r0, r1;		/* CONN, PKT: range of the sender's stream; RECV: of the receiver's */
	struct pt_gflow *flow;	/* PT_V_PKT, PT_V_DROP */
	const struct pt_gfp *gfp;
	int hop;		/* PT_V_PKT */
	bool fwd;		/* PT_V_PKT in why: a copy that did not arrive, followed forwards to its drop */
	const struct pt_gpkt *drop;	/* PT_V_DROP */
	char label[384];
	char json[384];
};

struct walk {
	const struct pt_pmload *l;
	const struct pt_procmodel *m;
	const struct pt_graph_opts *o;
	struct pt_graph *g;
	struct pt_gflow *flows;	/* loaded connections */
	size_t nflows;
	struct pt_pm_conn fake;	/* a packet root whose 5-tuple the model has no connection for */
	char **keys;		/* "id#context" of the nodes expanded */
	size_t nkeys;
	struct pt_gfp *root_fps;	/* pkt/drop roots: the carriers the root cand points into */
	unsigned cut_depth, cut_fanout;	/* processes not expanded past --depth; lists cut by --fanout */
	char *err;
	size_t errlen;
};

/* ---- small helpers ---- */

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

static void addf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void addf(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* A JSON string member ,"key":"value" (value escaped as pt_json_bytes does) appended to buf. */
static void addjs(char *buf, size_t len, const char *key, const char *val)
{
	char *tmp = NULL;
	size_t tn = 0;
	FILE *f = open_memstream(&tmp, &tn);

	if (!f)
		return;
	fprintf(f, "%s\"%s\":", buf[0] ? "," : "", key);
	if (val)
		pt_json_bytes(f, val, strlen(val));
	else
		fputs("null", f);
	fclose(f);
	if (tmp && strlen(buf) + tn + 1 < len)
		strcat(buf, tmp);
	free(tmp);
}

static void addjn(char *buf, size_t len, const char *key, unsigned long long v)
{
	addf(buf, len, "%s\"%s\":%llu", buf[0] ? "," : "", key, v);
}

const char *pt_graph_vkind_name(__u8 kind)
{
	static const char *const n[] = { [PT_V_PROC] = "process", [PT_V_CONN] = "connection", [PT_V_RECV] = "bytes",
					 [PT_V_FILE] = "file", [PT_V_PKT] = "packet", [PT_V_SOCK] = "socket",
					 [PT_V_DROP] = "drop" };

	return kind < sizeof(n) / sizeof(n[0]) && n[kind] ? n[kind] : "?";
}

const char *pt_graph_ekind_name(__u8 kind)
{
	static const char *const n[] = {
		[PT_GE_FORKED] = "forked", [PT_GE_EXECUTED] = "executed", [PT_GE_READ] = "read",
		[PT_GE_WROTE] = "wrote", [PT_GE_SENT] = "sent", [PT_GE_CONNECTED] = "connected",
		[PT_GE_ACCEPTED] = "accepted", [PT_GE_TRANSMITTED] = "transmitted-as",
		[PT_GE_FORWARDED] = "forwarded", [PT_GE_DROPPED] = "dropped-at", [PT_GE_RECEIVED] = "received",
	};

	return kind < sizeof(n) / sizeof(n[0]) && n[kind] ? n[kind] : "?";
}

static int warn(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int warn(struct walk *w, const char *fmt, ...)
{
	struct pt_graph *g = w->g;
	char buf[512], **nw;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < g->nwarnings; i++)
		if (!strcmp(g->warnings[i], buf))
			return 0;
	nw = realloc(g->warnings, (g->nwarnings + 1) * sizeof(*nw));
	if (!nw)
		return -ENOMEM;
	g->warnings = nw;
	g->warnings[g->nwarnings] = xstrdup(buf);
	if (!g->warnings[g->nwarnings])
		return -ENOMEM;
	g->nwarnings++;
	return 0;
}

static const char *comm_of(const struct pt_pm_proc *p)
{
	if (p->ncomms)
		return p->comms[p->ncomms - 1].comm;
	return p->nthreads ? p->threads[0].comm : "?";
}

/* argv of exec x as shell words (quoted when needed, control bytes as \xNN) into buf. */
static void argv_text(const struct pt_pm_exec *x, char *buf, size_t len)
{
	const char *a = x->argv;

	buf[0] = 0;
	for (__u32 i = 0; i < x->argc && a < x->argv + x->argv_len; i++) {
		size_t n = strnlen(a, (size_t)(x->argv + x->argv_len - a));
		bool q = !n || strpbrk(a, " \t'\"\\$`*?;&|<>(){}") != NULL;

		addf(buf, len, "%s%s", i ? " " : "", q ? "'" : "");
		for (size_t k = 0; k < n; k++) {
			unsigned char c = (unsigned char)a[k];

			if (c == '\'')
				addf(buf, len, "'\\''");
			else if (c < 0x20 || c == 0x7f)
				addf(buf, len, "\\x%02x", c);
			else
				addf(buf, len, "%c", c);
		}
		addf(buf, len, "%s", q ? "'" : "");
		a += n + 1;
	}
	if (x->flags & PT_PRF_ARGV_TRUNC)
		addf(buf, len, " ...");
}

static const char *call_of(__u16 call)
{
	const char *n = pt_call_name(call);

	return n ? n : "call";
}

/* ---- vertices, edges, nodes ---- */

static __u32 find_vertex(const struct pt_graph *g, const char *id)
{
	for (size_t i = 0; i < g->nv; i++)
		if (!strcmp(g->v[i].id, id))
			return (__u32)i;
	return PT_GRAPH_NONE;
}

/* The vertex with this id, made with summary/json when new. PT_GRAPH_NONE on ENOMEM. */
static __u32 vertex(struct walk *w, __u8 kind, const char *id, __u64 ts, const char *summary, const char *json)
{
	struct pt_graph *g = w->g;
	struct pt_graph_vertex *nv, *v;
	__u32 i = find_vertex(g, id);

	if (i != PT_GRAPH_NONE)
		return i;
	nv = realloc(g->v, (g->nv + 1) * sizeof(*nv));
	if (!nv)
		return PT_GRAPH_NONE;
	g->v = nv;
	v = &g->v[g->nv];
	v->kind = kind;
	v->ts = ts;
	v->id = xstrdup(id);
	v->summary = xstrdup(summary);
	v->json = xstrdup(json);
	if (!v->id || !v->summary || !v->json) {
		free(v->id);
		free(v->summary);
		free(v->json);
		return PT_GRAPH_NONE;
	}
	return (__u32)g->nv++;
}

static __u32 edge(struct walk *w, __u32 from, __u32 to, const struct cand *c)
{
	struct pt_graph *g = w->g;
	struct pt_graph_edge *ne, *e;

	for (size_t i = 0; i < g->ne; i++)	/* the same edge met again (a vertex seen twice) */
		if (g->e[i].from == from && g->e[i].to == to && g->e[i].kind == c->ekind && g->e[i].ts == c->ts &&
		    !strcmp(g->e[i].label, c->label))
			return (__u32)i;
	ne = realloc(g->e, (g->ne + 1) * sizeof(*ne));
	if (!ne)
		return PT_GRAPH_NONE;
	g->e = ne;
	e = &g->e[g->ne];
	e->from = from;
	e->to = to;
	e->kind = c->ekind;
	e->truncated = c->truncated;
	e->ts = c->ts;
	e->label = xstrdup(c->label);
	e->json = xstrdup(c->json);
	if (!e->label || !e->json) {
		free(e->label);
		free(e->json);
		return PT_GRAPH_NONE;
	}
	return (__u32)g->ne++;
}

static __u32 node(struct walk *w, __u32 vtx, __u32 edg, __u32 parent, __u8 mark, const char *note)
{
	struct pt_graph *g = w->g;
	struct pt_graph_node *nn, *n;

	nn = realloc(g->n, (g->nn + 1) * sizeof(*nn));
	if (!nn)
		return PT_GRAPH_NONE;
	g->n = nn;
	n = &g->n[g->nn];
	n->vertex = vtx;
	n->edge = edg;
	n->parent = parent;
	n->level = parent == PT_GRAPH_NONE ? 0 : (__u16)(g->n[parent].level + 1);
	n->mark = mark;
	n->note = NULL;
	if (note && !(n->note = xstrdup(note)))
		return PT_GRAPH_NONE;
	return (__u32)g->nn++;
}

static int note(struct walk *w, __u32 parent, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int note(struct walk *w, __u32 parent, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return node(w, PT_GRAPH_NONE, PT_GRAPH_NONE, parent, PT_GN_NOTE, buf) == PT_GRAPH_NONE ? -ENOMEM : 0;
}

/* True (and remembered) when key was not expanded before. -ENOMEM on failure. */
static int first_time(struct walk *w, const char *key)
{
	char **nk;

	for (size_t i = 0; i < w->nkeys; i++)
		if (!strcmp(w->keys[i], key))
			return 0;
	nk = realloc(w->keys, (w->nkeys + 1) * sizeof(*nk));
	if (!nk)
		return -ENOMEM;
	w->keys = nk;
	if (!(w->keys[w->nkeys] = xstrdup(key)))
		return -ENOMEM;
	w->nkeys++;
	return 1;
}

/* ---- the model ---- */

static const struct pt_pm_conn *conn_of(const struct walk *w, __u32 conn)
{
	return conn == PT_PM_NONE ? &w->fake : pt_procmodel_conn(w->m, conn);
}

/* The stream of endpoint k of c in dir, NULL when that end was not seen or made no call. */
static const struct pt_pm_stream *end_stream(const struct walk *w, const struct pt_pm_conn *c, int k, __u8 dir)
{
	const struct pt_pm_stream *s;

	if (c->obj[k] == PT_PM_NONE)
		return NULL;
	s = pt_procmodel_stream(w->m, c->obj[k], dir);
	return s && s->mode != PT_PMS_NONE ? s : NULL;
}

/*
 * Sequence number of byte off of what endpoint s sent on c (TCP), from the
 * sender's stream or else the receiver's; false when neither has calls.
 */
static bool seq_of(const struct walk *w, const struct pt_pm_conn *c, int s, __u64 off, bool from_receiver,
		   __u32 *seq)
{
	const struct pt_pm_stream *st = end_stream(w, c, from_receiver ? 1 - s : s,
						   from_receiver ? PT_DIR_IN : PT_DIR_OUT);

	if (!st || st->mode != PT_PMS_SEQ)
		return false;
	*seq = st->origin_seq + (__u32)off;
	return true;
}

/*
 * Offset of byte (sequence number seq, near offset near) in endpoint k's
 * stream dir of c; false when that stream has no calls. A socketpair has no
 * sequence numbers: the offsets of both ends are the same (exact streams).
 */
static bool off_of(const struct walk *w, const struct pt_pm_conn *c, int k, __u8 dir, __u32 seq, __u64 near,
		   __u64 *off)
{
	const struct pt_pm_stream *st = end_stream(w, c, k, dir);
	__s64 d;

	if (!st)
		return false;
	if (st->mode != PT_PMS_SEQ) {
		*off = near;
		return true;
	}
	d = (__s32)(seq - (st->origin_seq + (__u32)near));
	*off = (__u64)((__s64)near + d);
	return (__s64)near + d >= 0;
}

/* Map [r0, r1) of what endpoint s sent from the sender's stream to the receiver's (from_sender) or back. */
static bool map_range(const struct walk *w, const struct pt_pm_conn *c, int s, bool to_receiver, __u64 r0,
		      __u64 r1, __u64 *o0, __u64 *o1)
{
	__u32 seq;
	__u64 x;

	if (c->kind == PT_PMC_SOCKETPAIR) {
		*o0 = r0;
		*o1 = r1;
		return end_stream(w, c, to_receiver ? 1 - s : s, to_receiver ? PT_DIR_IN : PT_DIR_OUT) != NULL;
	}
	if (!seq_of(w, c, s, r0, !to_receiver, &seq))
		return false;
	if (!off_of(w, c, to_receiver ? 1 - s : s, to_receiver ? PT_DIR_IN : PT_DIR_OUT, seq, r0, &x))
		return false;
	*o0 = x;
	*o1 = x + (r1 - r0);
	return true;
}

/* Calls of one (process, object) pair in one direction, summed. */
struct grp {
	__u32 proc, obj;
	__u64 n, bytes, captured, r0, r1, ts0, ts1;
	__s64 f0, f1;		/* file positions, -1 unknown */
	__u32 tid;
	__u16 call;
	bool mixed, trunc, nocontent;
};

static bool call_trunc(const struct pt_pm_call *c)
{
	return c->flags & (PT_DAF_TRUNC | PT_DAF_FAULT | PT_DAF_IOV_TRUNC | PT_DAF_MMSG_TRUNC) ||
	       (c->captured && c->captured < c->size);
}

static void grp_add(struct grp *g, const struct pt_pm_call *c)
{
	if (!g->n) {
		g->r0 = c->off;
		g->r1 = c->off + c->size;
		g->ts0 = c->ts;
		g->tid = c->tid;
		g->call = c->call;
		g->f0 = c->fpos;
		g->f1 = c->fpos >= 0 ? c->fpos + (__s64)c->size : -1;
		g->nocontent = true;
	}
	g->n++;
	g->bytes += c->size;
	g->captured += c->captured;
	g->r0 = c->off < g->r0 ? c->off : g->r0;
	g->r1 = c->off + c->size > g->r1 ? c->off + c->size : g->r1;
	g->ts1 = c->ts > g->ts1 ? c->ts : g->ts1;
	if (c->fpos >= 0 && g->f0 >= 0) {
		g->f0 = c->fpos < g->f0 ? c->fpos : g->f0;
		g->f1 = c->fpos + (__s64)c->size > g->f1 ? c->fpos + (__s64)c->size : g->f1;
	} else {
		g->f0 = g->f1 = -1;
	}
	g->mixed |= c->call != g->call;
	g->trunc |= call_trunc(c);
	g->nocontent &= !c->captured;
}

struct grps {
	struct grp *v;
	size_t n;
};

static struct grp *grps_get(struct grps *gs, __u32 proc, __u32 obj)
{
	struct grp *nv;

	for (size_t i = 0; i < gs->n; i++)
		if (gs->v[i].proc == proc && gs->v[i].obj == obj)
			return &gs->v[i];
	nv = realloc(gs->v, (gs->n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	gs->v = nv;
	memset(&gs->v[gs->n], 0, sizeof(gs->v[gs->n]));
	gs->v[gs->n].proc = proc;
	gs->v[gs->n].obj = obj;
	return &gs->v[gs->n++];
}

/*
 * Group the calls of obj's stream dir with t0 <= ts < t1 (and, when proc is
 * not PT_PM_NONE, made by proc; when r1 > r0, overlapping [r0, r1)) per
 * (process, obj) into gs. 0 or -ENOMEM.
 */
static int collect(const struct walk *w, __u32 obj, __u8 dir, __u32 proc, __u64 t0, __u64 t1, __u64 r0, __u64 r1,
		   struct grps *gs)
{
	const struct pt_pm_stream *s = pt_procmodel_stream(w->m, obj, dir);

	for (__u64 i = 0; s && i < s->ncalls; i++) {
		const struct pt_pm_call *c = &s->calls[i];
		struct grp *g;

		if (!c->size || c->ts < t0 || c->ts >= t1 || (proc != PT_PM_NONE && c->proc != proc))
			continue;
		if (r1 > r0 && (c->off >= r1 || c->off + c->size <= r0))
			continue;
		g = grps_get(gs, c->proc, obj);
		if (!g)
			return -ENOMEM;
		grp_add(g, c);
	}
	return 0;
}

/* Objects process proc ever held, unique. *out caller frees. */
static int proc_objs(const struct walk *w, __u32 proc, __u32 **out, size_t *n)
{
	struct pt_pm_binding *b = NULL;
	size_t nb = 0, k = 0;
	__u32 *o;
	int rc;

	*out = NULL;
	*n = 0;
	rc = pt_procmodel_fd_history(w->m, proc, &b, &nb);
	if (rc)
		return rc;
	o = calloc(nb ? nb : 1, sizeof(*o));
	if (!o) {
		free(b);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nb; i++) {
		size_t j;

		for (j = 0; j < k && o[j] != b[i].obj; j++)
			;
		if (j == k)
			o[k++] = b[i].obj;
	}
	free(b);
	*out = o;
	*n = k;
	return 0;
}

/* Is object i the file PATH: opened with that path, or the same device and inode as one that was. */
static bool is_file(const struct walk *w, __u32 i, const char *path)
{
	const struct pt_pm_obj *o = pt_procmodel_obj(w->m, i);

	if (o->path && !strcmp(o->path, path))
		return true;
	if (o->kind != PT_FK_FILE || !o->ino)
		return false;
	for (__u32 k = 0; k < pt_procmodel_nobjs(w->m); k++) {
		const struct pt_pm_obj *x = pt_procmodel_obj(w->m, k);

		if (x->path && !strcmp(x->path, path) && x->kind == PT_FK_FILE && x->ino == o->ino && x->dev == o->dev)
			return true;
	}
	return false;
}

/* The endpoint of c whose socket is obj, -1 if none. */
static int end_of(const struct pt_pm_conn *c, __u32 obj)
{
	return c->obj[0] == obj ? 0 : c->obj[1] == obj ? 1 : -1;
}

/* The receive (or send) call of endpoint k's stream dir covering byte off, NULL if none. */
static const struct pt_pm_call *covering(const struct walk *w, const struct pt_pm_conn *c, int k, __u8 dir,
					 __u64 off)
{
	const struct pt_pm_stream *s = end_stream(w, c, k, dir);

	for (__u64 i = 0; s && i < s->ncalls; i++)
		if (s->calls[i].size && s->calls[i].off <= off && off < s->calls[i].off + s->calls[i].size)
			return &s->calls[i];
	return NULL;
}

/* ---- labels ---- */

/* "10000 B [0, 10000) in 1 sendto by tid 77, content captured" and the edge's JSON members. */
static void io_label(const struct walk *w, struct cand *c, const struct grp *g, bool file)
{
	const char *calls = g->mixed ? "calls" : call_of(g->call);

	addf(c->label, sizeof(c->label), "%llu B ", (unsigned long long)g->bytes);
	if (file && g->f0 >= 0)
		addf(c->label, sizeof(c->label), "at file offset [%lld, %lld) ", (long long)g->f0, (long long)g->f1);
	else
		addf(c->label, sizeof(c->label), "[%llu, %llu) ", (unsigned long long)g->r0,
		     (unsigned long long)g->r1);
	addf(c->label, sizeof(c->label), "in %llu %s%s by tid %u", (unsigned long long)g->n, calls,
	     g->n > 1 && !g->mixed ? " calls" : "", g->tid);
	if (g->trunc)
		addf(c->label, sizeof(c->label), ", content truncated (%llu of %llu B captured)",
		     (unsigned long long)g->captured, (unsigned long long)g->bytes);
	else if (g->nocontent)
		addf(c->label, sizeof(c->label), ", no content captured");
	else
		addf(c->label, sizeof(c->label), ", content captured");
	c->truncated = g->trunc;
	addjn(c->json, sizeof(c->json), "calls", g->n);
	addjs(c->json, sizeof(c->json), "call", g->mixed ? "mixed" : call_of(g->call));
	addjn(c->json, sizeof(c->json), "bytes", g->bytes);
	addjn(c->json, sizeof(c->json), "captured", g->captured);
	addf(c->json, sizeof(c->json), ",\"offset\":[%llu,%llu]", (unsigned long long)g->r0,
	     (unsigned long long)g->r1);
	if (file && g->f0 >= 0)
		addf(c->json, sizeof(c->json), ",\"file_offset\":[%lld,%lld]", (long long)g->f0, (long long)g->f1);
	addjn(c->json, sizeof(c->json), "tid", g->tid);
	addf(c->json, sizeof(c->json), ",\"last_ts_ns\":%llu", (unsigned long long)g->ts1);
	(void)w;
}

/* ---- candidates ---- */

struct cands {
	struct cand *v;
	size_t n;
	size_t nofollow;	/* inputs/outputs that cannot be followed */
	char nofollow_what[160];
};

static struct cand *cand_new(struct cands *cs, __u8 vkind, __u8 ekind, bool out, __u64 ts)
{
	struct cand *nv = realloc(cs->v, (cs->n + 1) * sizeof(*nv)), *c;

	if (!nv)
		return NULL;
	cs->v = nv;
	c = &cs->v[cs->n++];
	memset(c, 0, sizeof(*c));
	c->vkind = vkind;
	c->ekind = ekind;
	c->out = out;
	c->ts = ts;
	c->proc = PT_PM_NONE;
	c->obj = PT_PM_NONE;
	c->conn = PT_PM_NONE;
	c->side = -1;
	return c;
}

static void nofollow(struct cands *cs, const struct pt_pm_obj *o)
{
	static const char *const kinds[] = { "unresolved object", "file without a known path", "directory", "pipe",
					     "socket outside a connection", "character device", "other object" };
	const char *k = o->kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[o->kind] : "object";

	cs->nofollow++;
	if (!strstr(cs->nofollow_what, k))
		addf(cs->nofollow_what, sizeof(cs->nofollow_what), "%s%s", cs->nofollow_what[0] ? ", " : "", k);
}

/* Calls of process proc on its objects in dir within [t0, t1): files, connection bytes, the rest counted. */
static int proc_io(struct walk *w, struct cands *cs, __u32 proc, __u8 dir, __u64 t0, __u64 t1)
{
	struct grps gs = { 0 };
	__u32 *objs = NULL;
	size_t nobj = 0;
	int rc;

	rc = proc_objs(w, proc, &objs, &nobj);
	for (size_t i = 0; !rc && i < nobj; i++)
		rc = collect(w, objs[i], dir, proc, t0, t1, 0, 0, &gs);
	for (size_t i = 0; !rc && i < gs.n; i++) {
		const struct grp *g = &gs.v[i];
		const struct pt_pm_obj *o = pt_procmodel_obj(w->m, g->obj);
		const struct pt_pm_conn *c = o->conn != PT_PM_NONE ? pt_procmodel_conn(w->m, o->conn) : NULL;
		bool in = dir == PT_DIR_IN;
		struct cand *k;

		if (o->kind == PT_FK_FILE && o->path) {
			k = cand_new(cs, PT_V_FILE, in ? PT_GE_READ : PT_GE_WROTE, !in, in ? g->ts0 : g->ts0);
			if (!k)
				goto nomem;
			k->path = o->path;
			k->t = in ? g->ts1 + 1 : g->ts0;	/* why: writes before its last read; impact: from its first write */
			io_label(w, k, g, true);
		} else if (c && end_of(c, g->obj) >= 0) {
			k = cand_new(cs, in ? PT_V_RECV : PT_V_CONN, in ? PT_GE_READ : PT_GE_SENT, !in, g->ts0);
			if (!k)
				goto nomem;
			k->conn = o->conn;
			k->side = end_of(c, g->obj);
			k->r0 = g->r0;
			k->r1 = g->r1;
			io_label(w, k, g, false);
		} else {
			nofollow(cs, o);
		}
	}
	free(objs);
	free(gs.v);
	return rc;
nomem:
	free(objs);
	free(gs.v);
	return -ENOMEM;
}

static int expand_proc(struct walk *w, struct cands *cs, const struct cand *at)
{
	const struct pt_pm_proc *p = pt_procmodel_proc(w->m, at->proc);
	struct cand *k;
	char argv[320];

	if (!w->o->impact) {
		if (p->parent != PT_PM_NONE) {
			k = cand_new(cs, PT_V_PROC, PT_GE_FORKED, false, p->first_ts);
			if (!k)
				return -ENOMEM;
			k->proc = p->parent;
			k->t = p->first_ts;
			if (p->origin == PT_PMO_FORK)
				snprintf(k->label, sizeof(k->label), "by tid %u", p->fork_tid);
			else
				snprintf(k->label, sizeof(k->label), "(its parent; the fork was not recorded)");
		}
		for (size_t i = 0; i < p->nexecs; i++) {
			const struct pt_pm_exec *x = &p->execs[i];

			if (x->ts >= at->t)
				continue;
			k = cand_new(cs, PT_V_FILE, PT_GE_EXECUTED, false, x->ts);
			if (!k)
				return -ENOMEM;
			k->path = x->filename;
			k->t = x->ts;
			argv_text(x, argv, sizeof(argv));
			snprintf(k->label, sizeof(k->label), "%s%sby tid %u: %s", x->seeded ? "(running at load) " : "",
				 x->flags & PT_PRF_PATH_TRUNC ? "(path cut) " : "", x->tid, argv);
			addjs(k->json, sizeof(k->json), "argv", argv);
		}
		return proc_io(w, cs, at->proc, PT_DIR_IN, 0, at->t);
	}
	for (size_t i = 0; i < p->nchildren; i++) {
		const struct pt_pm_proc *ch = pt_procmodel_proc(w->m, p->children[i]);

		if (ch->first_ts < at->t)
			continue;
		k = cand_new(cs, PT_V_PROC, PT_GE_FORKED, true, ch->first_ts);
		if (!k)
			return -ENOMEM;
		k->proc = p->children[i];
		k->t = ch->first_ts;
		snprintf(k->label, sizeof(k->label), "by tid %u", ch->fork_tid);
	}
	return proc_io(w, cs, at->proc, PT_DIR_OUT, at->t, T_END);
}

/* Processes writing (why) or reading (impact) file at.path, before / from at.t. */
static int expand_file(struct walk *w, struct cands *cs, const struct cand *at)
{
	bool impact = w->o->impact;
	struct grps gs = { 0 };
	int rc = 0;

	for (__u32 i = 0; !rc && i < pt_procmodel_nobjs(w->m); i++)
		if (is_file(w, i, at->path))
			rc = collect(w, i, impact ? PT_DIR_IN : PT_DIR_OUT, PT_PM_NONE, impact ? at->t : 0,
				     impact ? T_END : at->t, 0, 0, &gs);
	/* one edge per process: merge its objects (each open is an object) */
	for (size_t i = 0; !rc && i < gs.n; i++) {
		struct grp g = gs.v[i];
		struct cand *k;
		size_t j;

		if (g.obj == PT_PM_NONE)
			continue;
		for (j = i + 1; j < gs.n; j++) {
			struct grp *h = &gs.v[j];

			if (h->proc != g.proc || h->obj == PT_PM_NONE)
				continue;
			g.n += h->n;
			g.bytes += h->bytes;
			g.captured += h->captured;
			g.ts0 = h->ts0 < g.ts0 ? h->ts0 : g.ts0;
			g.ts1 = h->ts1 > g.ts1 ? h->ts1 : g.ts1;
			g.r0 = h->r0 < g.r0 ? h->r0 : g.r0;
			g.r1 = h->r1 > g.r1 ? h->r1 : g.r1;
			g.f0 = h->f0 >= 0 && g.f0 >= 0 ? (h->f0 < g.f0 ? h->f0 : g.f0) : -1;
			g.f1 = h->f1 >= 0 && g.f1 >= 0 ? (h->f1 > g.f1 ? h->f1 : g.f1) : -1;
			g.mixed |= h->mixed || h->call != g.call;
			g.trunc |= h->trunc;
			g.nocontent &= h->nocontent;
			h->obj = PT_PM_NONE;
		}
		k = cand_new(cs, PT_V_PROC, impact ? PT_GE_READ : PT_GE_WROTE, impact, g.ts0);
		if (!k) {
			rc = -ENOMEM;
			break;
		}
		k->proc = g.proc;
		k->t = impact ? g.ts0 : g.ts1;
		io_label(w, k, &g, true);
	}
	free(gs.v);
	return rc;
}

/* The flow (packet records) of connection conn, loaded on first use. NULL: none (UDP, socketpair) or error (rc). */
static struct pt_gflow *flow_of(struct walk *w, __u32 conn, int *rc)
{
	const struct pt_pm_conn *c = conn_of(w, conn);
	struct pt_gflow *nf, *f;

	*rc = 0;
	if (c->kind != PT_PMC_TCP)
		return NULL;
	for (size_t i = 0; i < w->nflows; i++)
		if (w->flows[i].conn == conn)
			return &w->flows[i];
	nf = realloc(w->flows, (w->nflows + 1) * sizeof(*nf));
	if (!nf) {
		*rc = -ENOMEM;
		return NULL;
	}
	w->flows = nf;
	f = &w->flows[w->nflows];
	*rc = pt_gflow_load(w->o->store_dir, c, conn, f, w->err, w->errlen);
	if (*rc)
		return NULL;
	w->nflows++;
	if (f->capped && (*rc = warn(w, "conn:%s: more than %u packet records; later ones were not read", c->id,
				     PT_GRAPH_PKTS_MAX)))
		return NULL;
	return f;
}

/* The fingerprints carrying byte r0 of what endpoint s sent on conn; *fps owned by the caller. */
static int carriers(struct walk *w, __u32 conn, int s, __u64 r0, bool from_receiver, struct pt_gflow **fl,
		    struct pt_gfp **fps, size_t *n)
{
	const struct pt_pm_conn *c = conn_of(w, conn);
	struct pt_gflow *f;
	__u32 seq;
	int rc;

	*fps = NULL;
	*n = 0;
	*fl = NULL;
	f = flow_of(w, conn, &rc);
	if (!f || !f->n)
		return rc;
	if (!seq_of(w, c, s, r0, from_receiver, &seq))
		return 0;
	*fl = f;
	return pt_gflow_carriers(f, (__u8)s, seq, fps, n);
}

/* Per-expansion storage of carrier arrays (the candidates point into them). */
struct keep {
	struct pt_gfp *v[64];
	int n;
};

static void pkt_cand_fill(struct cand *k, __u32 conn, int s, __u64 r0, __u64 r1, struct pt_gflow *f,
			  const struct pt_gfp *e, int hop)
{
	k->conn = conn;
	k->side = s;
	k->r0 = r0;
	k->r1 = r1;
	k->flow = f;
	k->gfp = e;
	k->hop = hop;
}

/*
 * why: the bytes [r0, r1) that endpoint r received on conn came in the
 * packets carrying byte r0 (each a chain back to the connection), or, with
 * no packet records, from the connection directly.
 */
static int expand_recv(struct walk *w, struct cands *cs, const struct cand *at, struct keep *kp)
{
	const struct pt_pm_conn *c = conn_of(w, at->conn);
	int s = 1 - at->side;
	struct pt_gflow *f;
	struct pt_gfp *fps;
	size_t n;
	__u64 x0, x1;
	struct cand *k;
	int rc;

	if (w->o->impact) {	/* the processes that read those bytes */
		struct grps gs = { 0 };

		rc = collect(w, c->obj[at->side], PT_DIR_IN, PT_PM_NONE, 0, T_END, at->r0, at->r1, &gs);
		for (size_t i = 0; !rc && i < gs.n; i++) {
			k = cand_new(cs, PT_V_PROC, PT_GE_READ, true, gs.v[i].ts0);
			if (!k) {
				rc = -ENOMEM;
				break;
			}
			k->proc = gs.v[i].proc;
			k->t = gs.v[i].ts0;
			io_label(w, k, &gs.v[i], false);
		}
		free(gs.v);
		return rc;
	}
	if (!map_range(w, c, s, false, at->r0, at->r1, &x0, &x1)) {
		x0 = at->r0;	/* the sender made no call here: its offsets are unknown */
		x1 = at->r1;
	}
	rc = carriers(w, at->conn, s, at->r0, true, &f, &fps, &n);
	if (rc)
		return rc;
	if (n && kp->n < (int)(sizeof(kp->v) / sizeof(kp->v[0]))) {
		int maxh = 0;

		kp->v[kp->n++] = fps;
		for (size_t i = 0; i < n; i++)
			maxh = fps[i].nhops > maxh ? fps[i].nhops : maxh;
		for (size_t i = 0; i < n; i++) {
			if (!fps[i].nhops || fps[i].nhops < maxh)	/* did not arrive: under the connection */
				continue;
			k = cand_new(cs, PT_V_PKT, PT_GE_RECEIVED, false, fps[i].hop[fps[i].nhops - 1].ts);
			if (!k)
				return -ENOMEM;
			pkt_cand_fill(k, at->conn, s, x0, x1, f, &fps[i], fps[i].nhops - 1);
			snprintf(k->label, sizeof(k->label), "byte %llu delivered to the receiving end",
				 (unsigned long long)at->r0);
		}
		return 0;
	}
	free(fps);
	k = cand_new(cs, PT_V_CONN, PT_GE_RECEIVED, false, at->ts);
	if (!k)
		return -ENOMEM;
	k->conn = at->conn;
	k->side = s;
	k->r0 = x0;
	k->r1 = x1;
	snprintf(k->label, sizeof(k->label), "[%llu, %llu) of the stream%s", (unsigned long long)at->r0,
		 (unsigned long long)at->r1, c->kind == PT_PMC_TCP ? " (no packet records of these bytes)" : "");
	return 0;
}

/*
 * why: the sender's calls covering [r0, r1) of what endpoint s sent; and the
 * copies of byte r0 that did not get as far as the others (each followed
 * forwards to where it was lost), when the walk came through packets.
 */
static int conn_side_why(struct walk *w, struct cands *cs, __u32 conn, int s, __u64 r0, __u64 r1,
			 struct keep *kp, bool via_pkt)
{
	const struct pt_pm_conn *c = conn_of(w, conn);
	struct grps gs = { 0 };
	struct pt_gflow *f;
	struct pt_gfp *fps;
	size_t n;
	int rc;

	if (via_pkt) {
		rc = carriers(w, conn, s, r0, false, &f, &fps, &n);
		if (rc)
			return rc;
		if (n && kp->n < (int)(sizeof(kp->v) / sizeof(kp->v[0]))) {
			int maxh = 0;

			kp->v[kp->n++] = fps;
			for (size_t i = 0; i < n; i++)
				maxh = fps[i].nhops > maxh ? fps[i].nhops : maxh;
			for (size_t i = 0; i < n; i++) {
				struct cand *k;

				if (!fps[i].nhops || fps[i].nhops == maxh)
					continue;
				k = cand_new(cs, PT_V_PKT, PT_GE_TRANSMITTED, true, fps[i].hop[0].ts);
				if (!k)
					return -ENOMEM;
				pkt_cand_fill(k, conn, s, r0, r1, f, &fps[i], 0);
				k->fwd = true;
				snprintf(k->label, sizeof(k->label), "byte %llu, a copy that did not arrive",
					 (unsigned long long)r0);
			}
		} else {
			free(fps);
		}
	}
	if (conn == PT_PM_NONE || c->obj[s] == PT_PM_NONE)
		return 0;
	rc = collect(w, c->obj[s], PT_DIR_OUT, PT_PM_NONE, 0, T_END, r0, r1, &gs);
	for (size_t i = 0; !rc && i < gs.n; i++) {
		struct cand *k = cand_new(cs, PT_V_PROC, PT_GE_SENT, false, gs.v[i].ts0);

		if (!k) {
			rc = -ENOMEM;
			break;
		}
		k->proc = gs.v[i].proc;
		k->t = gs.v[i].ts1;
		io_label(w, k, &gs.v[i], false);
	}
	free(gs.v);
	return rc;
}

/* impact: what endpoint s sent, [r0, r1): its packets (byte r0), or the receiving end directly. */
static int conn_side_impact(struct walk *w, struct cands *cs, __u32 conn, int s, __u64 r0, __u64 r1,
			    struct keep *kp)
{
	const struct pt_pm_conn *c = conn_of(w, conn);
	struct pt_gflow *f;
	struct pt_gfp *fps;
	__u64 y0, y1;
	struct cand *k;
	size_t n;
	int rc;

	rc = carriers(w, conn, s, r0, false, &f, &fps, &n);
	if (rc)
		return rc;
	if (n && kp->n < (int)(sizeof(kp->v) / sizeof(kp->v[0]))) {
		kp->v[kp->n++] = fps;
		for (size_t i = 0; i < n; i++) {
			if (!fps[i].nhops)
				continue;
			k = cand_new(cs, PT_V_PKT, PT_GE_TRANSMITTED, true, fps[i].hop[0].ts);
			if (!k)
				return -ENOMEM;
			pkt_cand_fill(k, conn, s, r0, r1, f, &fps[i], 0);
			snprintf(k->label, sizeof(k->label), "byte %llu of [%llu, %llu)", (unsigned long long)r0,
				 (unsigned long long)r0, (unsigned long long)r1);
		}
		return 0;
	}
	free(fps);
	if (!map_range(w, c, s, true, r0, r1, &y0, &y1))
		return 0;
	k = cand_new(cs, PT_V_RECV, PT_GE_RECEIVED, true, 0);
	if (!k)
		return -ENOMEM;
	k->conn = conn;
	k->side = 1 - s;
	k->r0 = y0;
	k->r1 = y1;
	{
		const struct pt_pm_call *rc0 = covering(w, c, 1 - s, PT_DIR_IN, y0);

		k->ts = rc0 ? rc0->ts : 0;
	}
	snprintf(k->label, sizeof(k->label), "[%llu, %llu) of the stream%s", (unsigned long long)y0,
		 (unsigned long long)y1, c->kind == PT_PMC_TCP ? " (no packet records of these bytes)" : "");
	return 0;
}

static int expand_conn(struct walk *w, struct cands *cs, const struct cand *at, struct keep *kp)
{
	const struct pt_pm_conn *c = conn_of(w, at->conn);
	int rc = 0;

	if (at->side >= 0)
		return w->o->impact ? conn_side_impact(w, cs, at->conn, at->side, at->r0, at->r1, kp)
				    : conn_side_why(w, cs, at->conn, at->side, at->r0, at->r1, kp,
						    at->ekind == PT_GE_TRANSMITTED);
	/* the root: both ends */
	for (int s = 0; s < 2 && !rc; s++) {
		const struct pt_pm_stream *so = end_stream(w, c, s, PT_DIR_OUT);
		const struct pt_pm_stream *ri = end_stream(w, c, 1 - s, PT_DIR_IN);

		if (!w->o->impact) {
			const struct pt_pm_obj *o = c->obj[s] != PT_PM_NONE ? pt_procmodel_obj(w->m, c->obj[s]) : NULL;

			if (o && o->creator != PT_PM_NONE && (o->role == PT_PMR_CONNECT || o->role == PT_PMR_ACCEPT)) {
				struct cand *k = cand_new(cs, PT_V_PROC, o->role == PT_PMR_CONNECT ? PT_GE_CONNECTED :
									       PT_GE_ACCEPTED, false, o->first_ts);
				char ep[80];

				if (!k)
					return -ENOMEM;
				k->proc = o->creator;
				k->t = o->first_ts;
				snprintf(k->label, sizeof(k->label), "at %s", pt_graph_endpoint(c, s, ep, sizeof(ep)));
			}
			if (so)
				rc = conn_side_why(w, cs, at->conn, s, 0, so->end, kp, false);
		} else if (so || ri) {
			__u64 end = so ? so->end : 0;

			if (!so && !map_range(w, c, s, false, 0, ri->end, &end, &end))
				end = ri->end;
			if (end)
				rc = conn_side_impact(w, cs, at->conn, s, 0, end, kp);
		}
	}
	return rc;
}

/* Drops of the packet at this hop: those after its sight here and before the next hop's. */
static int pkt_drops(struct cands *cs, const struct cand *at, bool out)
{
	const struct pt_gfp *e = at->gfp;

	for (int d = 0; d < e->ndrops; d++) {
		int j = 0;
		struct cand *k;
		char rn[64];

		while (j + 1 < e->nhops && e->hop[j + 1].ts <= e->drop[d]->ts)
			j++;
		if (j != at->hop)
			continue;
		k = cand_new(cs, PT_V_DROP, PT_GE_DROPPED, out, e->drop[d]->ts);
		if (!k)
			return -ENOMEM;
		*k = *at;
		k->vkind = PT_V_DROP;
		k->ekind = PT_GE_DROPPED;
		k->out = true;
		k->ts = e->drop[d]->ts;
		k->drop = e->drop[d];
		k->label[0] = k->json[0] = 0;
		snprintf(k->label, sizeof(k->label), "%s", pt_drop_reason_name(e->drop[d]->reason, rn, sizeof(rn)));
	}
	return 0;
}

static int expand_pkt(struct walk *w, struct cands *cs, const struct cand *at)
{
	const struct pt_gfp *e = at->gfp;
	const struct pt_pm_conn *c = conn_of(w, at->conn);
	struct cand *k;
	int rc = pkt_drops(cs, at, true);

	if (rc)
		return rc;
	if (!w->o->impact && !at->fwd) {
		if (at->hop > 0) {
			k = cand_new(cs, PT_V_PKT, PT_GE_FORWARDED, false, e->hop[at->hop].ts);
			if (!k)
				return -ENOMEM;
			*k = *at;
			k->ekind = PT_GE_FORWARDED;
			k->out = false;
			k->ts = e->hop[at->hop].ts;
			k->hop = at->hop - 1;
			snprintf(k->label, sizeof(k->label), "after %.3f ms",
				 (double)(e->hop[at->hop].ts - e->hop[at->hop - 1].ts) / 1e6);
			return 0;
		}
		if (at->conn == PT_PM_NONE)
			return 0;
		k = cand_new(cs, PT_V_CONN, PT_GE_TRANSMITTED, false, e->hop[0].ts);
		if (!k)
			return -ENOMEM;
		k->conn = at->conn;
		k->side = at->side;
		k->r0 = at->r0;
		k->r1 = at->r1;
		snprintf(k->label, sizeof(k->label), "seq %u, %u B", e->hop[0].seq, e->hop[0].len);
		return 0;
	}
	if (at->hop + 1 < e->nhops) {
		k = cand_new(cs, PT_V_PKT, PT_GE_FORWARDED, true, e->hop[at->hop + 1].ts);
		if (!k)
			return -ENOMEM;
		*k = *at;
		k->ekind = PT_GE_FORWARDED;
		k->out = true;
		k->ts = e->hop[at->hop + 1].ts;
		k->hop = at->hop + 1;
		snprintf(k->label, sizeof(k->label), "after %.3f ms",
			 (double)(e->hop[at->hop + 1].ts - e->hop[at->hop].ts) / 1e6);
		return 0;
	}
	if (!at->fwd && at->conn != PT_PM_NONE && c->obj[1 - at->side] != PT_PM_NONE) {
		__u64 y0, y1;

		if (!map_range(w, c, at->side, true, at->r0, at->r1, &y0, &y1))
			return 0;
		k = cand_new(cs, PT_V_RECV, PT_GE_RECEIVED, true, e->hop[at->hop].ts);
		if (!k)
			return -ENOMEM;
		k->conn = at->conn;
		k->side = 1 - at->side;
		k->r0 = y0;
		k->r1 = y1;
		snprintf(k->label, sizeof(k->label), "byte %llu delivered to the receiving end",
			 (unsigned long long)y0);
	}
	return 0;
}

static int expand_drop(struct walk *w, struct cands *cs, const struct cand *at)
{
	const struct pt_gfp *e = at->gfp;
	struct cand *k;
	int j = 0;

	if (w->o->impact || at->ekind || !e->nhops)	/* in why, a drop met on the way is an effect: a leaf */
		return 0;
	while (j + 1 < e->nhops && e->hop[j + 1].ts <= at->drop->ts)
		j++;
	k = cand_new(cs, PT_V_PKT, PT_GE_DROPPED, false, at->drop->ts);
	if (!k)
		return -ENOMEM;
	*k = *at;
	k->vkind = PT_V_PKT;
	k->ekind = PT_GE_DROPPED;
	k->out = false;
	k->hop = j;
	k->label[0] = k->json[0] = 0;
	snprintf(k->label, sizeof(k->label), "last seen there %.3f ms before",
		 (double)(at->drop->ts - e->hop[j].ts) / 1e6);
	return 0;
}

static int expand_sock(struct walk *w, struct cands *cs, const struct cand *at)
{
	bool impact = w->o->impact;
	struct grps gs = { 0 };
	int rc = collect(w, at->obj, impact ? PT_DIR_IN : PT_DIR_OUT, PT_PM_NONE, 0, T_END, 0, 0, &gs);

	for (size_t i = 0; !rc && i < gs.n; i++) {
		struct cand *k = cand_new(cs, PT_V_PROC, impact ? PT_GE_READ : PT_GE_SENT, impact, gs.v[i].ts0);

		if (!k) {
			rc = -ENOMEM;
			break;
		}
		k->proc = gs.v[i].proc;
		k->t = impact ? gs.v[i].ts0 : gs.v[i].ts1;
		io_label(w, k, &gs.v[i], false);
	}
	free(gs.v);
	return rc;
}

/* ---- vertex ids and summaries ---- */

static void proc_vertex(const struct walk *w, __u32 pi, char *id, size_t idlen, char *sum, size_t sl, char *js,
			size_t jl)
{
	const struct pt_pm_proc *p = pt_procmodel_proc(w->m, pi);
	char argv[1024] = "", pid[PT_VID_MAX];

	pt_vid_proc(id, idlen, w->l->host, p->pid, p->start_ns);
	snprintf(sum, sl, "%s[%u]", comm_of(p), p->pid);
	if (p->nexecs) {
		argv_text(&p->execs[p->nexecs - 1], argv, sizeof(argv));
		addf(sum, sl, " %s", argv);
	}
	if (p->exited)
		addf(sum, sl, p->signaled ? ", killed by signal %d" : ", exit %d",
		     p->signaled ? p->exit_status & 0x7f : (p->exit_status >> 8) & 0xff);
	addjn(js, jl, "pid", p->pid);
	addjn(js, jl, "start_ns", p->start_ns);
	addjs(js, jl, "comm", comm_of(p));
	addjs(js, jl, "exe", p->nexecs ? p->execs[p->nexecs - 1].filename : NULL);
	addjs(js, jl, "argv", p->nexecs ? argv : NULL);
	if (p->parent != PT_PM_NONE) {
		const struct pt_pm_proc *pp = pt_procmodel_proc(w->m, p->parent);

		pt_vid_proc(pid, sizeof(pid), w->l->host, pp->pid, pp->start_ns);
		addjs(js, jl, "parent", pid);
	} else {
		addjs(js, jl, "parent", NULL);
	}
	if (p->exited)
		addf(js, jl, ",\"exit_status\":%d", p->exit_status);
	else
		addf(js, jl, ",\"exit_status\":null");
}

static void conn_text(const struct walk *w, const struct pt_pm_conn *c, char *buf, size_t len)
{
	char a[80], b[80];
	int cl = c->client >= 0 ? c->client : 0;

	if (c->kind == PT_PMC_SOCKETPAIR) {
		snprintf(buf, len, "unix socketpair");
		return;
	}
	snprintf(buf, len, "tcp %s %s %s", pt_graph_endpoint(c, cl, a, sizeof(a)), c->client >= 0 ? "->" : "<->",
		 pt_graph_endpoint(c, 1 - cl, b, sizeof(b)));
	(void)w;
}

/* id, summary and JSON members of the vertex cand k leads to. */
static void describe(const struct walk *w, const struct cand *k, char *id, size_t idlen, char *sum, size_t sl,
		     char *js, size_t jl)
{
	const struct pt_pm_conn *c = k->vkind == PT_V_PROC || k->vkind == PT_V_FILE || k->vkind == PT_V_SOCK ?
					     NULL : conn_of(w, k->conn);
	char ep[80], ct[256], pid[PT_VID_MAX], nm[96], rn[64], loc[96];

	sum[0] = js[0] = 0;
	switch (k->vkind) {
	case PT_V_PROC:
		proc_vertex(w, k->proc, id, idlen, sum, sl, js, jl);
		return;
	case PT_V_FILE:
		pt_vid_file(id, idlen, k->path);
		snprintf(sum, sl, "file");
		addjs(js, jl, "path", k->path);
		return;
	case PT_V_SOCK: {
		const struct pt_pm_obj *o = pt_procmodel_obj(w->m, k->obj);

		pt_vid_sock(id, idlen, w->l->host, o->ino);
		snprintf(sum, sl, "socket inode %llu", (unsigned long long)o->ino);
		if (o->conn != PT_PM_NONE)
			addf(sum, sl, " of conn:%s", pt_procmodel_conn(w->m, o->conn)->id);
		addjn(js, jl, "ino", o->ino);
		return;
	}
	case PT_V_CONN:
		pt_vid_conn(id, idlen, c->id);
		conn_text(w, c, ct, sizeof(ct));
		snprintf(sum, sl, "%s", ct);
		if (k->side >= 0)
			addf(sum, sl, ", bytes [%llu, %llu) sent by %s", (unsigned long long)k->r0,
			     (unsigned long long)k->r1, pt_graph_endpoint(c, k->side, ep, sizeof(ep)));
		addjs(js, jl, "conn", c->id);
		addjs(js, jl, "endpoint0", pt_graph_endpoint(c, 0, ep, sizeof(ep)));
		addjs(js, jl, "endpoint1", pt_graph_endpoint(c, 1, ep, sizeof(ep)));
		if (c->client >= 0)
			addjn(js, jl, "client", (unsigned long long)c->client);
		return;
	case PT_V_RECV: {
		const struct pt_pm_call *rc = covering(w, c, k->side, PT_DIR_IN, k->r0);

		pt_vid_recv(id, idlen, c->id, c->kind == PT_PMC_TCP ? pt_graph_endpoint(c, k->side, ep, sizeof(ep)) :
								       NULL, k->r0);
		snprintf(sum, sl, "byte %llu of what %s received", (unsigned long long)k->r0,
			 c->kind == PT_PMC_TCP ? ep : "the socketpair end");
		addjs(js, jl, "conn", c->id);
		addjs(js, jl, "endpoint", c->kind == PT_PMC_TCP ? ep : NULL);
		addjn(js, jl, "offset", k->r0);
		if (rc) {
			const struct pt_pm_proc *p = pt_procmodel_proc(w->m, rc->proc);

			pt_vid_proc(pid, sizeof(pid), w->l->host, p->pid, p->start_ns);
			addf(sum, sl, ", in %s [%llu, %llu) by %s[%u] tid %u (%s)%s", call_of(rc->call),
			     (unsigned long long)rc->off, (unsigned long long)(rc->off + rc->size), comm_of(p), p->pid,
			     rc->tid, pid, call_trunc(rc) ? ", content truncated" : "");
			addjs(js, jl, "process", pid);
			addjs(js, jl, "call", call_of(rc->call));
			addf(js, jl, ",\"call_offset\":[%llu,%llu],\"call_ts_ns\":%llu,\"call_truncated\":%s",
			     (unsigned long long)rc->off, (unsigned long long)(rc->off + rc->size),
			     (unsigned long long)rc->ts, call_trunc(rc) ? "true" : "false");
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
			addf(sum, sl, ", seen %u times (retransmitted)", h->copies);
		if (k->gfp->ndrops_all)
			addf(sum, sl, ", %u kernel drop(s) of it", k->gfp->ndrops_all);
		addf(js, jl, "\"fp\":\"%016llx\"", (unsigned long long)k->gfp->fp);
		addjs(js, jl, "point", pn);
		addjn(js, jl, "hop", (unsigned long long)k->hop + 1);
		addjn(js, jl, "seq", h->seq);
		addjn(js, jl, "payload_len", h->len);
		addjn(js, jl, "copies", h->copies);
		return;
	}
	case PT_V_DROP:
		pt_vid_drop(id, idlen, k->gfp->fp, k->drop->ts);
		pt_drop_reason_name(k->drop->reason, rn, sizeof(rn));
		pt_drop_location_name(k->drop->location, loc, sizeof(loc));
		snprintf(sum, sl, "kernel drop of packet %016llx (seq %u, %u B): %s at %s",
			 (unsigned long long)k->gfp->fp, k->drop->seq, k->drop->len, rn, loc);
		addf(js, jl, "\"fp\":\"%016llx\"", (unsigned long long)k->gfp->fp);
		addjs(js, jl, "reason", rn);
		addjn(js, jl, "reason_code", k->drop->reason);
		addjs(js, jl, "location", loc);
		return;
	}
	snprintf(id, idlen, "?");
}

/* The context of a node, for "(see above)": the same vertex reached the same way. */
static void ctx_key(const struct cand *k, const char *id, char *key, size_t len)
{
	snprintf(key, len, "%s#%llu#%d#%llu#%llu", id, (unsigned long long)k->t, k->side,
		 (unsigned long long)k->r0, (unsigned long long)k->r1);
}

/* ---- the walk ---- */

/* impact: by time; why: latest first (the inputs nearest the effect), lineage (fork, exec) ahead. */
static int cmp_impact(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static bool lineage(const struct cand *c)
{
	return c->ekind == PT_GE_FORKED || c->ekind == PT_GE_EXECUTED;
}

static int cmp_why(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (lineage(x) != lineage(y))
		return lineage(x) ? -1 : 1;
	return x->ts > y->ts ? -1 : x->ts < y->ts;
}

static int expand(struct walk *w, const struct cand *at, __u32 nd, unsigned steps);

/* Add the node for candidate k under parent node pn (vertex pv) and expand it. */
static int visit(struct walk *w, const struct cand *k, __u32 pn, __u32 pv, unsigned steps)
{
	static char id[PT_VID_MAX], sum[2048], js[2048], key[PT_VID_MAX + 96];
	__u32 v, e, nd;
	__u8 mark = PT_GN_EXPANDED;
	int rc;

	describe(w, k, id, sizeof(id), sum, sizeof(sum), js, sizeof(js));
	v = vertex(w, k->vkind, id, k->vkind == PT_V_PROC ? pt_procmodel_proc(w->m, k->proc)->first_ts : k->ts, sum,
		   js);
	if (v == PT_GRAPH_NONE)
		return -ENOMEM;
	e = PT_GRAPH_NONE;
	if (pv != PT_GRAPH_NONE && (e = edge(w, k->out ? pv : v, k->out ? v : pv, k)) == PT_GRAPH_NONE)
		return -ENOMEM;
	if (k->vkind == PT_V_PROC)
		steps++;
	ctx_key(k, id, key, sizeof(key));
	rc = first_time(w, key);
	if (rc < 0)
		return rc;
	if (!rc)
		mark = PT_GN_SEEN;
	else if (k->vkind == PT_V_PROC && steps > w->o->depth)
		mark = PT_GN_DEPTH;
	else if (w->g->nn >= PT_GRAPH_NODES_MAX)
		mark = PT_GN_LIMIT;
	if (mark == PT_GN_DEPTH || mark == PT_GN_LIMIT)
		w->g->truncated = true;
	w->cut_depth += mark == PT_GN_DEPTH;
	nd = node(w, v, e, pn, mark, NULL);
	if (nd == PT_GRAPH_NONE)
		return -ENOMEM;
	return mark == PT_GN_EXPANDED ? expand(w, k, nd, steps) : 0;
}

static int expand(struct walk *w, const struct cand *at, __u32 nd, unsigned steps)
{
	struct cands cs = { 0 };
	struct keep kp = { 0 };
	size_t shown, lin;
	int rc = 0;

	switch (at->vkind) {
	case PT_V_PROC: rc = expand_proc(w, &cs, at); break;
	case PT_V_FILE: rc = expand_file(w, &cs, at); break;
	case PT_V_CONN: rc = expand_conn(w, &cs, at, &kp); break;
	case PT_V_RECV: rc = expand_recv(w, &cs, at, &kp); break;
	case PT_V_PKT: rc = expand_pkt(w, &cs, at); break;
	case PT_V_DROP: rc = expand_drop(w, &cs, at); break;
	case PT_V_SOCK: rc = expand_sock(w, &cs, at); break;
	}
	if (rc)
		goto out;
	qsort(cs.v, cs.n, sizeof(*cs.v), w->o->impact ? cmp_impact : cmp_why);
	for (lin = 0; lin < cs.n && !w->o->impact && lineage(&cs.v[lin]); lin++)
		;
	shown = cs.n - lin < w->o->fanout ? cs.n : lin + w->o->fanout;	/* lineage is never cut */
	for (size_t i = 0; i < shown && !rc; i++)
		rc = visit(w, &cs.v[i], nd, w->g->n[nd].vertex, steps);
	if (!rc && cs.n > shown) {
		char what[256] = "";
		unsigned cnt[PT_GE_RECEIVED + 1] = { 0 };

		for (size_t i = shown; i < cs.n; i++)
			cnt[cs.v[i].ekind]++;
		for (int k = 1; k <= PT_GE_RECEIVED; k++)
			if (cnt[k])
				addf(what, sizeof(what), "%s%u %s", what[0] ? ", " : "", cnt[k], pt_graph_ekind_name((__u8)k));
		w->g->truncated = true;
		w->cut_fanout++;
		rc = note(w, nd, "... %zu more (%s): --fanout %zu lists them", cs.n - shown, what, cs.n - lin);
	}
	if (!rc && cs.nofollow)
		rc = note(w, nd, "%zu %s not followed: %s", cs.nofollow, w->o->impact ? "output(s)" : "input(s)",
			  cs.nofollow_what);
	if (!rc && at->vkind == PT_V_CONN && at->side >= 0 && !w->o->impact) {
		const struct pt_pm_conn *c = conn_of(w, at->conn);
		char ep[80];

		if (at->conn == PT_PM_NONE)
			rc = note(w, nd, "no process record of this connection: the sender is not known");
		else if (c->obj[at->side] == PT_PM_NONE)
			rc = note(w, nd, "the sending end %s is not on this host (%s): query its host's store",
				  pt_graph_endpoint(c, at->side, ep, sizeof(ep)), w->l->host);
	}
out:
	for (int i = 0; i < kp.n; i++)
		free(kp.v[i]);
	free(cs.v);
	return rc;
}

/* ---- roots ---- */

static int nosuch(struct walk *w, const char *id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int nosuch(struct walk *w, const char *id, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "no such vertex: %s (%s)", id, why);
	return -ENOENT;
}

static int root_proc(struct walk *w, const struct pt_vertex_id *v, const char *id, struct cand *k)
{
	__u32 best = PT_PM_NONE;

	if (v->has_start) {
		best = pt_procmodel_find_proc(w->m, v->pid, v->start_ns);
	} else {
		for (__u32 i = 0; i < pt_procmodel_nprocs(w->m); i++) {
			const struct pt_pm_proc *p = pt_procmodel_proc(w->m, i);

			if (p->pid == v->pid &&
			    (best == PT_PM_NONE || p->start_ns > pt_procmodel_proc(w->m, best)->start_ns))
				best = i;
		}
	}
	if (best == PT_PM_NONE)
		return nosuch(w, id, v->has_start ? "no process of pid %u started at %llu in the store" :
						    "no process of pid %u in the store", v->pid,
			      (unsigned long long)v->start_ns);
	k->vkind = PT_V_PROC;
	k->proc = best;
	k->t = w->o->impact ? 0 : T_END;
	return 0;
}

/* The receiving end of a recv id: @EP, else the end that accepted, else endpoint 1. */
static int recv_end(const struct walk *w, const struct pt_pm_conn *c, const struct pt_vertex_id *v)
{
	char ep[80];

	if (v->has_ep) {
		for (int k = 0; k < 2; k++)
			if (c->kind == PT_PMC_TCP && !strcmp(pt_graph_endpoint(c, k, ep, sizeof(ep)), v->ep))
				return k;
		return -1;
	}
	if (c->client >= 0)
		return 1 - c->client;
	for (int k = 0; k < 2; k++)
		if (c->obj[k] != PT_PM_NONE && pt_procmodel_obj(w->m, c->obj[k])->role == PT_PMR_ACCEPT)
			return k;
	return 1;
}

static int root_recv(struct walk *w, const struct pt_vertex_id *v, const char *id, struct cand *k)
{
	__u32 ci = pt_procmodel_find_conn(w->m, v->conn);
	const struct pt_pm_conn *c;
	const struct pt_pm_stream *s;
	const struct pt_pm_call *rc;
	char a[80], b[80];
	int r;

	if (ci == PT_PM_NONE)
		return nosuch(w, id, "no connection %s in the store", v->conn);
	c = pt_procmodel_conn(w->m, ci);
	r = recv_end(w, c, v);
	if (r < 0)
		return nosuch(w, id, "%s is not an end of that connection: it joins %s and %s", v->ep,
			      pt_graph_endpoint(c, 0, a, sizeof(a)), pt_graph_endpoint(c, 1, b, sizeof(b)));
	s = end_stream(w, c, r, PT_DIR_IN);
	if (!s)
		return nosuch(w, id, "the end %s received nothing recorded on this host",
			      pt_graph_endpoint(c, r, a, sizeof(a)));
	rc = covering(w, c, r, PT_DIR_IN, v->off);
	if (!rc)
		return nosuch(w, id, "no recorded receive call of %s covers byte %llu; it received [0, %llu)",
			      pt_graph_endpoint(c, r, a, sizeof(a)), (unsigned long long)v->off,
			      (unsigned long long)s->end);
	k->vkind = PT_V_RECV;
	k->conn = ci;
	k->side = r;
	k->r0 = v->off;
	k->r1 = v->off + 1;
	k->ts = rc->ts;
	return 0;
}

/*
 * A packet or drop root: find its record (first of FP at POINT, or the drop
 * of FP at TS), the connection of its 5-tuple (or a stand-in without
 * process records), and its fingerprint's path.
 */
static int root_pkt(struct walk *w, const struct pt_vertex_id *v, const char *id, struct cand *k)
{
	struct pt_scan_opts so = { .store_dir = w->o->store_dir, .expr = "tcp", .drops = true };
	struct pt_drop found;
	const struct pt_rec_hdr *h;
	struct pt_scan *s = NULL;
	struct pt_gflow *f;
	struct pt_gfp *fps = NULL;
	bool hit = false;
	size_t n = 0;
	int rc, d = -1, point = -1;

	if (v->kind == PT_V_PKT && (point = pt_view_lookup(&w->l->view, v->point)) < 0)
		return nosuch(w, id, "no capture point named %s in the store", v->point);
	rc = pt_scan_open(&so, &s, w->err, w->errlen);
	if (rc)
		return rc;
	while (!hit && (rc = pt_scan_next(s, &h)) == 1) {
		const struct pt_pkt *p = (const void *)h;

		if (h->type == PT_REC_PKT && v->kind == PT_V_PKT && h->len >= sizeof(*p))
			hit = p->fp == v->fp && p->point == point && p->l4_payload_len;
		else if (h->type == PT_REC_DROP && v->kind == PT_V_DROP && h->len >= sizeof(struct pt_drop))
			hit = p->fp == v->fp && p->ts_ns == v->ts && p->l4_payload_len;
		if (hit)
			memcpy(&found, h, h->type == PT_REC_DROP ? sizeof(found) : sizeof(struct pt_pkt));
	}
	pt_scan_close(s);
	if (rc < 0) {
		snprintf(w->err, w->errlen, "reading the store %s: %s", w->o->store_dir, strerror(-rc));
		return rc;
	}
	if (!hit)
		return v->kind == PT_V_PKT ? nosuch(w, id, "no TCP packet with payload and fingerprint %016llx was seen "
						       "at %s", (unsigned long long)v->fp, v->point)
					   : nosuch(w, id, "no kernel drop of a TCP packet with payload and fingerprint "
						       "%016llx at %llu", (unsigned long long)v->fp,
						    (unsigned long long)v->ts);
	/* its connection: the model's, by 5-tuple, else a stand-in */
	memset(&w->fake, 0, sizeof(w->fake));
	w->fake.kind = PT_PMC_TCP;
	w->fake.family = found.pkt.flags & PT_PF_IPV6 ? AF_INET6 : AF_INET;
	memcpy(w->fake.addr[0], found.pkt.saddr, 16);
	memcpy(w->fake.addr[1], found.pkt.daddr, 16);
	w->fake.port[0] = found.pkt.sport;
	w->fake.port[1] = found.pkt.dport;
	w->fake.obj[0] = w->fake.obj[1] = PT_PM_NONE;
	w->fake.client = -1;
	snprintf(w->fake.id, sizeof(w->fake.id), "(no process record)");
	k->conn = PT_PM_NONE;
	d = 0;
	for (__u32 i = 0; i < pt_procmodel_nconns(w->m); i++) {
		const struct pt_pm_conn *c = pt_procmodel_conn(w->m, i);
		size_t alen = c->family == AF_INET6 ? 16 : 4;

		if (c->kind != PT_PMC_TCP || c->family != w->fake.family)
			continue;
		for (int e = 0; e < 2; e++)
			if (c->port[e] == found.pkt.sport && c->port[1 - e] == found.pkt.dport &&
			    !memcmp(c->addr[e], found.pkt.saddr, alen) && !memcmp(c->addr[1 - e], found.pkt.daddr, alen)) {
				k->conn = i;
				d = e;
			}
	}
	f = flow_of(w, k->conn, &rc);
	if (!f)
		return rc ? rc : nosuch(w, id, "its connection has no packet records");
	rc = pt_gflow_carriers(f, (__u8)d, found.pkt.seq, &fps, &n);
	if (rc)
		return rc;
	w->root_fps = fps;
	for (size_t i = 0; i < n; i++) {
		if (fps[i].fp != v->fp)
			continue;
		k->flow = f;
		k->gfp = &fps[i];
		k->side = d;
		k->vkind = v->kind;
		if (k->conn == PT_PM_NONE || !off_of(w, conn_of(w, k->conn), d, PT_DIR_OUT, found.pkt.seq, 0, &k->r0))
			k->r0 = 0;
		k->r1 = k->r0 + found.pkt.l4_payload_len;
		if (v->kind == PT_V_PKT) {
			for (int j = 0; j < fps[i].nhops; j++)
				if (fps[i].hop[j].point == point)
					k->hop = j;
		} else {
			for (int j = 0; j < fps[i].ndrops; j++)
				if (fps[i].drop[j]->ts == v->ts)
					k->drop = fps[i].drop[j];
			if (!k->drop)
				return nosuch(w, id, "the drop is not among the first %d of its packet", PT_GFP_DROPS);
		}
		k->ts = v->kind == PT_V_PKT ? fps[i].hop[k->hop].ts : v->ts;
		return 0;
	}
	return nosuch(w, id, "its packet records were not kept");
}

static int root_cand(struct walk *w, const struct pt_vertex_id *v, const char *id, struct cand *k)
{
	memset(k, 0, sizeof(*k));
	k->proc = k->obj = k->conn = PT_PM_NONE;
	k->side = -1;
	if ((v->kind == PT_V_PROC || v->kind == PT_V_SOCK) && v->has_host && strcmp(v->host, w->l->host))
		return nosuch(w, id, "this store is of host %s, not %s", w->l->host, v->host);
	switch (v->kind) {
	case PT_V_PROC:
		return root_proc(w, v, id, k);
	case PT_V_CONN:
		k->vkind = PT_V_CONN;
		k->conn = pt_procmodel_find_conn(w->m, v->conn);
		if (k->conn == PT_PM_NONE)
			return nosuch(w, id, "no connection %s in the store", v->conn);
		return 0;
	case PT_V_RECV:
		return root_recv(w, v, id, k);
	case PT_V_FILE:
		k->vkind = PT_V_FILE;
		k->path = v->path;
		k->t = w->o->impact ? 0 : T_END;
		for (__u32 i = 0; i < pt_procmodel_nobjs(w->m); i++) {
			const struct pt_pm_obj *o = pt_procmodel_obj(w->m, i);

			if (o->path && !strcmp(o->path, v->path))
				return 0;
		}
		for (__u32 i = 0; i < pt_procmodel_nprocs(w->m); i++) {
			const struct pt_pm_proc *p = pt_procmodel_proc(w->m, i);

			for (size_t x = 0; x < p->nexecs; x++)
				if (!strcmp(p->execs[x].filename, v->path))
					return 0;
		}
		return nosuch(w, id, "no process opened or executed that path (paths are as the process gave them)");
	case PT_V_SOCK:
		k->vkind = PT_V_SOCK;
		for (__u32 i = 0; i < pt_procmodel_nobjs(w->m); i++) {
			const struct pt_pm_obj *o = pt_procmodel_obj(w->m, i);

			if (o->kind == PT_FK_SOCKET && o->ino == v->ino) {
				k->obj = i;
				return 0;
			}
		}
		return nosuch(w, id, "no socket with inode %llu in the store", (unsigned long long)v->ino);
	case PT_V_PKT:
	case PT_V_DROP:
		return root_pkt(w, v, id, k);
	}
	return nosuch(w, id, "unknown kind");
}

void pt_graph_free(struct pt_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nv; i++) {
		free(g->v[i].id);
		free(g->v[i].summary);
		free(g->v[i].json);
	}
	for (size_t i = 0; i < g->ne; i++) {
		free(g->e[i].label);
		free(g->e[i].json);
	}
	for (size_t i = 0; i < g->nn; i++)
		free(g->n[i].note);
	for (size_t i = 0; i < g->nwarnings; i++)
		free(g->warnings[i]);
	free(g->v);
	free(g->e);
	free(g->n);
	free(g->warnings);
	free(g);
}

int pt_graph_build(const struct pt_pmload *l, const struct pt_vertex_id *root, const struct pt_graph_opts *o,
		   struct pt_graph **out, char *err, size_t errlen)
{
	struct walk w = { .l = l, .m = l->m, .o = o, .err = err, .errlen = errlen };
	char id[PT_VID_MAX];
	struct cand k;
	int rc;

	*out = NULL;
	w.g = calloc(1, sizeof(*w.g));
	if (!w.g) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w.g->impact = o->impact;
	w.g->depth = o->depth;
	w.g->fanout = o->fanout;
	w.g->l = l;
	pt_vertex_format(root, id, sizeof(id));
	rc = root_cand(&w, root, id, &k);
	if (!rc)
		rc = visit(&w, &k, PT_GRAPH_NONE, PT_GRAPH_NONE, 0);
	if (!rc)
		w.g->root = w.g->n[0].vertex;
	if (!rc && w.g->nn >= PT_GRAPH_NODES_MAX)
		rc = warn(&w, "the answer reached %u lines: the rest of the walk was cut (lower --depth or --fanout)",
			  PT_GRAPH_NODES_MAX);
	if (!rc && w.cut_depth)
		rc = warn(&w, "%u process(es) past --depth %u were not expanded (marked in the answer)", w.cut_depth,
			  o->depth);
	if (!rc && w.cut_fanout)
		rc = warn(&w, "%u list(s) of neighbours were cut at --fanout %u (counted in the answer)", w.cut_fanout,
			  o->fanout);
	if (!rc && l->lost_total)
		rc = warn(&w, "%llu process records were lost in the kernel (ring buffer full): edges may be missing",
			  (unsigned long long)l->lost_total);
	for (size_t i = 0; i < w.nflows; i++)
		pt_gflow_release(&w.flows[i]);
	free(w.flows);
	for (size_t i = 0; i < w.nkeys; i++)
		free(w.keys[i]);
	free(w.keys);
	free(w.root_fps);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory building the graph");
		pt_graph_free(w.g);
		return rc;
	}
	*out = w.g;
	return 0;
}
