// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * graph_answer.c — the answer a walk builds (graph_int.h): its vertices,
 * edges, lines, notes and warnings, the keys of what was expanded, and the
 * text and JSON members they are made of.
 */
#include <errno.h>
#include <limits.h>
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

void pt_gaddjf(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	int k;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= len - n)
		buf[n] = 0;	/* a member cut in half is not JSON */
}

/* ,"key":"val" as pt_json_str writes val, val cut to its first vn bytes (+ "..." when cut); NULL on ENOMEM */
static char *json_member(const char *sep, const char *key, const char *val, size_t vn, size_t *tn)
{
	char *tmp = NULL, *cut = NULL;
	FILE *f;

	if (val && vn < strlen(val)) {
		cut = malloc(vn + 4);
		if (!cut)
			return NULL;
		memcpy(cut, val, vn);
		memcpy(cut + vn, "...", 4);
		val = cut;
	}
	f = open_memstream(&tmp, tn);
	if (f) {
		fprintf(f, "%s\"%s\":", sep, key);
		pt_json_str(f, val);
		if (fclose(f)) {
			free(tmp);
			tmp = NULL;
		}
	}
	free(cut);
	return tmp;
}

void pt_gaddjs(char *buf, size_t len, const char *key, const char *val)
{
	size_t n = strlen(buf), vn = val ? strlen(val) : 0, tn = 0;
	const char *sep = buf[0] ? "," : "";
	char *tmp;

	/* halve the value until the member fits (escapes can make it 6x longer than the text) */
	for (;;) {
		tmp = json_member(sep, key, val, vn, &tn);
		if (!tmp)
			return;
		if (n + tn + 1 <= len) {
			memcpy(buf + n, tmp, tn + 1);
			free(tmp);
			return;
		}
		free(tmp);
		if (!val || !vn)
			return;	/* not even the key fits */
		vn /= 2;
	}
}

void pt_gaddjn(char *buf, size_t len, const char *key, unsigned long long v)
{
	pt_gaddjf(buf, len, "%s\"%s\":%llu", buf[0] ? "," : "", key, v);
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

/* FNV-1a of n bytes at p, continuing from h */
static __u64 fnv(const void *p, size_t n, __u64 h)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

#define FNV0	0xcbf29ce484222325ULL

static __u64 vertex_hash(const char *id)
{
	return fnv(id, strlen(id), FNV0);
}

static __u64 edge_hash(__u32 from, __u32 to, __u8 kind, __u64 ts, const char *label)
{
	__u64 h = fnv(&from, sizeof(from), FNV0);

	h = fnv(&to, sizeof(to), h);
	h = fnv(&kind, sizeof(kind), h);
	h = fnv(&ts, sizeof(ts), h);
	return fnv(label, strlen(label), h);
}

/* Put index i (hash h) into the table of n slots (a power of two, never full). */
static void slot_put(__u32 *t, size_t n, __u64 h, __u32 i)
{
	size_t k = h & (n - 1);

	while (t[k])
		k = (k + 1) & (n - 1);
	t[k] = i + 1;
}

/* Grow the table *t (*n slots) to hold count + 1 entries at most half full, rehashing the
 * count entries there by hash_of(ctx, index). 0 or -ENOMEM (the old table stays). */
static int slots_reserve(const void *ctx, __u32 **t, size_t *n, size_t count, __u64 (*hash_of)(const void *, __u32))
{
	size_t nn = *n ? *n : 64;
	__u32 *nt;

	if ((count + 1) * 2 <= *n)
		return 0;
	while ((count + 1) * 2 > nn)
		nn *= 2;
	nt = calloc(nn, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	for (__u32 i = 0; i < count; i++)
		slot_put(nt, nn, hash_of(ctx, i), i);
	free(*t);
	*t = nt;
	*n = nn;
	return 0;
}

static __u64 vertex_hash_of(const void *g, __u32 i)
{
	return vertex_hash(((const struct pt_graph *)g)->v[i].id);
}

static __u64 edge_hash_of(const void *g, __u32 i)
{
	const struct pt_graph_edge *e = &((const struct pt_graph *)g)->e[i];

	return edge_hash(e->from, e->to, e->kind, e->ts, e->label);
}

/* Make room in an array of elements of size sz for one more (geometric growth). 0 or -ENOMEM. */
static int array_reserve(void **a, size_t *cap, size_t n, size_t sz)
{
	size_t nc = *cap ? *cap * 2 : 16;
	void *na;

	if (n < *cap)
		return 0;
	na = realloc(*a, nc * sz);
	if (!na)
		return -ENOMEM;
	*a = na;
	*cap = nc;
	return 0;
}

static __u32 find_vertex(const struct pt_graph *g, const char *id)
{
	size_t k;

	if (!g->vhash_n)
		return PT_GRAPH_NONE;
	for (k = vertex_hash(id) & (g->vhash_n - 1); g->vhash[k]; k = (k + 1) & (g->vhash_n - 1))
		if (!strcmp(g->v[g->vhash[k] - 1].id, id))
			return g->vhash[k] - 1;
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
	nv = g->v;
	if (array_reserve((void **)&nv, &g->vcap, g->nv, sizeof(*nv)))
		return PT_GRAPH_NONE;
	g->v = nv;
	if (slots_reserve(g, &g->vhash, &g->vhash_n, g->nv, vertex_hash_of))
		return PT_GRAPH_NONE;
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
	slot_put(g->vhash, g->vhash_n, vertex_hash(id), (__u32)g->nv);
	return (__u32)g->nv++;
}

static __u32 find_edge(const struct pt_graph *g, __u64 h, __u32 from, __u32 to, const struct pt_gcand *c)
{
	size_t k;

	if (!g->ehash_n)
		return PT_GRAPH_NONE;
	for (k = h & (g->ehash_n - 1); g->ehash[k]; k = (k + 1) & (g->ehash_n - 1)) {
		const struct pt_graph_edge *e = &g->e[g->ehash[k] - 1];

		if (e->from == from && e->to == to && e->kind == c->ekind && e->ts == c->ts &&
		    !strcmp(e->label, c->label))
			return g->ehash[k] - 1;
	}
	return PT_GRAPH_NONE;
}

__u32 pt_gadd_edge(struct pt_gwalk *w, __u32 from, __u32 to, const struct pt_gcand *c)
{
	struct pt_graph *g = w->g;
	struct pt_graph_edge *ne, *e;
	__u64 h = edge_hash(from, to, c->ekind, c->ts, c->label);

	__u32 i = find_edge(g, h, from, to, c);

	if (i != PT_GRAPH_NONE)	/* the same edge met again (a vertex seen twice) */
		return i;
	ne = g->e;
	if (array_reserve((void **)&ne, &g->ecap, g->ne, sizeof(*ne)))
		return PT_GRAPH_NONE;
	g->e = ne;
	if (slots_reserve(g, &g->ehash, &g->ehash_n, g->ne, edge_hash_of))
		return PT_GRAPH_NONE;
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
	slot_put(g->ehash, g->ehash_n, h, (__u32)g->ne);
	return (__u32)g->ne++;
}

__u32 pt_gadd_node(struct pt_gwalk *w, __u32 vtx, __u32 edg, __u32 parent, __u8 mark, const char *note)
{
	struct pt_graph *g = w->g;
	struct pt_graph_node *nn, *n;

	nn = g->n;
	if (array_reserve((void **)&nn, &g->ncap, g->nn, sizeof(*nn)))
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

static __u64 key_hash_of(const void *w, __u32 i)
{
	return vertex_hash(((const struct pt_gwalk *)w)->keys[i].key);
}

/* The index of key in w->keys, or PT_GRAPH_NONE. */
static __u32 find_key(const struct pt_gwalk *w, const char *key)
{
	size_t k;

	if (!w->khash_n)
		return PT_GRAPH_NONE;
	for (k = vertex_hash(key) & (w->khash_n - 1); w->khash[k]; k = (k + 1) & (w->khash_n - 1))
		if (!strcmp(w->keys[w->khash[k] - 1].key, key))
			return w->khash[k] - 1;
	return PT_GRAPH_NONE;
}

unsigned pt_gkey_steps(const struct pt_gwalk *w, const char *key)
{
	__u32 i = find_key(w, key);

	return i == PT_GRAPH_NONE ? UINT_MAX : w->keys[i].steps;
}

int pt_gkey_add(struct pt_gwalk *w, const char *key, unsigned steps)
{
	__u32 i = find_key(w, key);
	char *dup;

	if (i != PT_GRAPH_NONE) {
		w->keys[i].steps = steps;
		return 0;
	}
	if (slots_reserve(w, &w->khash, &w->khash_n, w->nkeys, key_hash_of) ||
	    array_reserve((void **)&w->keys, &w->kcap, w->nkeys, sizeof(*w->keys)) || !(dup = xstrdup(key)))
		return -ENOMEM;
	w->keys[w->nkeys] = (struct pt_gkey){ .key = dup, .steps = steps };
	slot_put(w->khash, w->khash_n, vertex_hash(key), (__u32)w->nkeys);
	w->nkeys++;
	return 0;
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
	free(g->vhash);
	free(g->ehash);
	free(g);
}
