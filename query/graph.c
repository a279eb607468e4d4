// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * graph.c — the walk of `query why|impact` over a process model and the
 * packets of the connections it crosses (graph.h says what it answers).
 *
 * Each line of the answer is a candidate (struct pt_gcand: the vertex it
 * leads to, with the context it is reached in, and the edge) turned into a
 * node; a node's candidates are collected by the expander of its kind
 * (graph_expand_proc.c, graph_expand_net.c), sorted by time, cut at the
 * fan-out, and expanded depth first. The root comes from graph_root.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "query/graph_int.h"

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
		[PT_GE_OPENED] = "opened",
	};

	return kind < sizeof(n) / sizeof(n[0]) && n[kind] ? n[kind] : "?";
}

struct pt_gcand *pt_gcand_new(struct pt_gcands *cs, __u8 vkind, __u8 ekind, bool out, __u64 ts)
{
	struct pt_gcand *nv = realloc(cs->v, (cs->n + 1) * sizeof(*nv)), *c;

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

/* The context of a node, for "(see above)": the same vertex reached the same way. */
static void ctx_key(const struct pt_gcand *k, const char *id, char *key, size_t len)
{
	snprintf(key, len, "%s#%llu#%d#%llu#%llu", id, (unsigned long long)k->t, k->side,
		 (unsigned long long)k->r0, (unsigned long long)k->r1);
}

/* impact: by time; why: latest first (the inputs nearest the effect), lineage (fork, exec) ahead. */
static int cmp_impact(const void *a, const void *b)
{
	const struct pt_gcand *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static bool lineage(const struct pt_gcand *c)
{
	return c->ekind == PT_GE_FORKED || c->ekind == PT_GE_EXECUTED;
}

static int cmp_why(const void *a, const void *b)
{
	const struct pt_gcand *x = a, *y = b;

	if (lineage(x) != lineage(y))
		return lineage(x) ? -1 : 1;
	return x->ts > y->ts ? -1 : x->ts < y->ts;
}

static int expand(struct pt_gwalk *w, const struct pt_gcand *at, __u32 nd, unsigned steps);

/* Add the node for candidate k under parent node pn (vertex pv) and expand it. */
static int visit(struct pt_gwalk *w, const struct pt_gcand *k, __u32 pn, __u32 pv, unsigned steps)
{
	static char id[PT_VID_MAX], sum[2048], js[8192], key[PT_VID_MAX + 96];
	__u32 v, e, nd;
	__u64 ts;
	__u8 mark = PT_GN_EXPANDED;
	int rc;

	pt_gdescribe(w, k, id, sizeof(id), sum, sizeof(sum), js, sizeof(js));
	ts = k->vkind == PT_V_PROC ? pt_procmodel_proc(w->m, k->proc)->first_ts : k->ts;
	v = pt_gadd_vertex(w, k->vkind, id, ts, sum, js);
	if (v == PT_GRAPH_NONE)
		return -ENOMEM;
	e = PT_GRAPH_NONE;
	if (pv != PT_GRAPH_NONE && (e = pt_gadd_edge(w, k->out ? pv : v, k->out ? v : pv, k)) == PT_GRAPH_NONE)
		return -ENOMEM;
	if (k->vkind == PT_V_PROC)
		steps++;
	/* only an expanded node claims its key, with the steps it took: one cut at --depth, or
	 * expanded with fewer steps left, is expanded again where it is reached with more left */
	ctx_key(k, id, key, sizeof(key));
	if (pt_gkey_steps(w, key) <= steps)
		mark = PT_GN_SEEN;
	else if (pn != PT_GRAPH_NONE && w->g->n[pn].level + 1u >= PT_GRAPH_LEVELS_MAX)
		mark = PT_GN_LIMIT, w->cut_levels++;
	else if (k->vkind == PT_V_PROC && steps > w->o->depth)
		mark = PT_GN_DEPTH;
	else if (w->g->nn >= PT_GRAPH_NODES_MAX)
		mark = PT_GN_LIMIT;
	else if ((rc = pt_gkey_add(w, key, steps)))
		return rc;
	if (mark == PT_GN_DEPTH || mark == PT_GN_LIMIT)
		w->g->truncated = true;
	w->cut_depth += mark == PT_GN_DEPTH;
	nd = pt_gadd_node(w, v, e, pn, mark, NULL);
	if (nd == PT_GRAPH_NONE)
		return -ENOMEM;
	return mark == PT_GN_EXPANDED ? expand(w, k, nd, steps) : 0;
}

static int expand(struct pt_gwalk *w, const struct pt_gcand *at, __u32 nd, unsigned steps)
{
	struct pt_gcands cs = { 0 };
	struct pt_gkeep kp = { 0 };
	size_t shown, lin;
	int rc = 0;

	switch (at->vkind) {
	case PT_V_PROC: rc = pt_gexpand_proc(w, &cs, at); break;
	case PT_V_FILE: rc = pt_gexpand_file(w, &cs, at); break;
	case PT_V_CONN: rc = pt_gexpand_conn(w, &cs, at, &kp); break;
	case PT_V_RECV: rc = pt_gexpand_recv(w, &cs, at, &kp); break;
	case PT_V_PKT: rc = pt_gexpand_pkt(w, &cs, at); break;
	case PT_V_DROP: rc = pt_gexpand_drop(w, &cs, at); break;
	case PT_V_SOCK: rc = pt_gexpand_sock(w, &cs, at); break;
	}
	if (rc)
		goto out;
	if (cs.n)
		qsort(cs.v, cs.n, sizeof(*cs.v), w->o->impact ? cmp_impact : cmp_why);
	for (lin = 0; lin < cs.n && !w->o->impact && lineage(&cs.v[lin]); lin++)
		;
	shown = cs.n - lin < w->o->fanout ? cs.n : lin + w->o->fanout;	/* lineage is never cut */
	for (size_t i = 0; i < shown && !rc; i++)
		rc = visit(w, &cs.v[i], nd, w->g->n[nd].vertex, steps);
	if (!rc && cs.n > shown) {
		char what[256] = "";
		unsigned cnt[PT_GE_MAX] = { 0 };

		for (size_t i = shown; i < cs.n; i++)
			cnt[cs.v[i].ekind]++;
		for (int k = 1; k < PT_GE_MAX; k++)
			if (cnt[k])
				pt_gaddf(what, sizeof(what), "%s%u %s", what[0] ? ", " : "", cnt[k], pt_graph_ekind_name((__u8)k));
		w->g->truncated = true;
		w->cut_fanout++;
		rc = pt_gadd_note(w, nd, "... %zu more (%s): --fanout %zu lists them", cs.n - shown, what, cs.n - lin);
	}
	if (!rc && cs.nofollow)
		rc = pt_gadd_note(w, nd, "%zu %s not followed: %s", cs.nofollow, w->o->impact ? "output(s)" : "input(s)",
				  cs.nofollow_what);
	if (!rc && at->vkind == PT_V_CONN && at->side >= 0 && !w->o->impact) {
		const struct pt_pm_conn *c = pt_gconn_of(w, at->conn);
		char ep[80];

		if (at->conn == PT_PM_NONE)
			rc = pt_gadd_note(w, nd, "no process record of this connection: the sender is not known");
		else if (c->obj[at->side] == PT_PM_NONE)
			rc = pt_gadd_note(w, nd, "the sending end %s is not on this host (%s): query its host's store",
					  pt_graph_endpoint(c, at->side, ep, sizeof(ep)), w->l->host);
	}
out:
	for (int i = 0; i < kp.n; i++)
		free(kp.v[i]);
	free(cs.v);
	return rc;
}

int pt_graph_build(const struct pt_pmload *l, const struct pt_vertex_id *root, const struct pt_graph_opts *o,
		   struct pt_graph **out, char *err, size_t errlen)
{
	struct pt_gwalk w = { .l = l, .m = l->m, .o = o, .err = err, .errlen = errlen };
	char id[PT_VID_MAX];
	struct pt_gcand k;
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
	rc = pt_groot(&w, root, id, &k);
	if (!rc)
		rc = visit(&w, &k, PT_GRAPH_NONE, PT_GRAPH_NONE, 0);
	if (!rc)
		w.g->root = w.g->n[0].vertex;
	if (!rc && w.g->nn >= PT_GRAPH_NODES_MAX)
		rc = pt_gwarn(&w, "the answer reached %u lines: the rest of the walk was cut (lower --depth or --fanout)",
			      PT_GRAPH_NODES_MAX);
	if (!rc && w.cut_levels)
		rc = pt_gwarn(&w, "%u path(s) nested %u levels deep were cut there (lower --depth)", w.cut_levels,
			      PT_GRAPH_LEVELS_MAX);
	if (!rc && w.cut_depth)
		rc = pt_gwarn(&w, "%u process(es) past --depth %u were not expanded (marked in the answer)", w.cut_depth,
			      o->depth);
	if (!rc && w.cut_fanout)
		rc = pt_gwarn(&w, "%u list(s) of neighbours were cut at --fanout %u (counted in the answer)", w.cut_fanout,
			      o->fanout);
	if (!rc && l->lost_total)
		rc = pt_gwarn(&w, "%llu process records were lost in the kernel (ring buffer full): edges may be missing",
			      (unsigned long long)l->lost_total);
	for (size_t i = 0; i < w.nflows; i++)
		pt_gflow_release(&w.flows[i]);
	free(w.flows);
	for (size_t i = 0; i < w.nkeys; i++)
		free(w.keys[i].key);
	free(w.keys);
	free(w.khash);
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
