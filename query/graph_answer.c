// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * graph_answer.c — the answer a walk builds (graph_int.h): its vertices,
 * edges, lines, notes and warnings, the keys of what was expanded, and the
 * text and JSON members they are made of.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "query/graph_int.h"
#include "query/json.h"

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

void pt_gaddf(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

void pt_gaddjs(char *buf, size_t len, const char *key, const char *val)
{
	char *tmp = NULL;
	size_t tn = 0;
	FILE *f = open_memstream(&tmp, &tn);

	if (!f)
		return;
	fprintf(f, "%s\"%s\":", buf[0] ? "," : "", key);
	pt_json_str(f, val);
	fclose(f);
	if (tmp && strlen(buf) + tn + 1 < len)
		strcat(buf, tmp);
	free(tmp);
}

void pt_gaddjn(char *buf, size_t len, const char *key, unsigned long long v)
{
	pt_gaddf(buf, len, "%s\"%s\":%llu", buf[0] ? "," : "", key, v);
}

int pt_gwarn(struct pt_gwalk *w, const char *fmt, ...)
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

static __u32 find_vertex(const struct pt_graph *g, const char *id)
{
	for (size_t i = 0; i < g->nv; i++)
		if (!strcmp(g->v[i].id, id))
			return (__u32)i;
	return PT_GRAPH_NONE;
}

__u32 pt_gadd_vertex(struct pt_gwalk *w, __u8 kind, const char *id, __u64 ts, const char *summary,
		     const char *json)
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

__u32 pt_gadd_edge(struct pt_gwalk *w, __u32 from, __u32 to, const struct pt_gcand *c)
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

__u32 pt_gadd_node(struct pt_gwalk *w, __u32 vtx, __u32 edg, __u32 parent, __u8 mark, const char *note)
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

int pt_gadd_note(struct pt_gwalk *w, __u32 parent, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pt_gadd_node(w, PT_GRAPH_NONE, PT_GRAPH_NONE, parent, PT_GN_NOTE, buf) == PT_GRAPH_NONE ? -ENOMEM : 0;
}

/* True (and remembered) when key was not expanded before. -ENOMEM on failure. */
int pt_gfirst_time(struct pt_gwalk *w, const char *key)
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
