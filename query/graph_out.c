// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * graph_out.c — a provenance graph (query/graph.h) as an indented text tree,
 * one JSON document (docs/graph.schema.json) or a Graphviz digraph.
 */
#include <stdio.h>
#include <time.h>
#include "common/units.h"
#include "query/format.h"
#include "query/graph.h"
#include "query/json.h"

static const char *const marks[] = { "expanded", "seen", "depth", "note", "limit" };

/* Wall time of boottime ts: "HH:MM:SS.uuuuuu" (UTC; full: RFC 3339), "boot+S.N" without a clock. */
static const char *when(const struct pt_graph *g, __u64 ts, bool full, char *buf, size_t len)
{
	__u64 rt = pt_pmload_realtime(g->l, ts);
	time_t sec;
	struct tm tm;

	if (!g->l->view.clock_valid) {
		snprintf(buf, len, "boot+%llu.%09llu", (unsigned long long)(ts / 1000000000ull),
			 (unsigned long long)(ts % 1000000000ull));
		return buf;
	}
	if (full)
		return pt_fmt_rfc3339(rt, buf, len);
	sec = (time_t)(rt / 1000000000ull);
	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%06llu", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(rt % 1000000000ull / 1000));
	return buf;
}

/* "<-" when information flowed from this line's vertex into its parent's, "->" the other way. */
static const char *arrow(const struct pt_graph *g, const struct pt_graph_node *n)
{
	return g->e[n->edge].to == n->vertex ? "->" : "<-";
}

void pt_graph_print_text(FILE *out, const struct pt_graph *g)
{
	char tb[48];

	fprintf(out, "%s %s (depth %u, fan-out %u; host %s)\n", g->impact ? "impact of" : "why",
		g->v[g->root].id, g->depth, g->fanout, g->l->host);
	for (size_t i = 0; i < g->nn; i++) {
		const struct pt_graph_node *n = &g->n[i];
		const struct pt_graph_vertex *v;

		fprintf(out, "%*s", 2 * n->level, "");
		if (n->mark == PT_GN_NOTE) {
			fprintf(out, "* %s\n", n->note);
			continue;
		}
		v = &g->v[n->vertex];
		if (n->edge != PT_GRAPH_NONE) {
			const struct pt_graph_edge *e = &g->e[n->edge];

			fprintf(out, "%s %s%s%s", arrow(g, n), pt_graph_ekind_name(e->kind), e->label[0] ? " " : "",
				e->label);
			if (e->ts)
				fprintf(out, " at %s", when(g, e->ts, false, tb, sizeof(tb)));
			fputs("  ", out);
		}
		fprintf(out, "%s  %s", v->id, v->summary);
		if (n->mark == PT_GN_SEEN)
			fputs("  (see above)", out);
		else if (n->mark == PT_GN_DEPTH)
			fprintf(out, "  [not expanded: past --depth %u]", g->depth);
		else if (n->mark == PT_GN_LIMIT)
			fputs("  [not expanded: the answer is too large]", out);
		fputc('\n', out);
	}
	for (size_t i = 0; i < g->nwarnings; i++)
		fprintf(out, "warning: %s\n", g->warnings[i]);
}

static void jtime(FILE *out, const struct pt_graph *g, __u64 ts)
{
	char tb[48];

	if (!ts) {
		fputs("\"ts\":null,\"ts_ns\":null", out);
		return;
	}
	fprintf(out, "\"ts\":\"%s\",\"ts_ns\":%llu", when(g, ts, true, tb, sizeof(tb)), (unsigned long long)ts);
}

void pt_graph_print_json(FILE *out, const struct pt_graph *g)
{
	fputs("{\"root\":", out);
	pt_json_str(out, g->v[g->root].id);
	fprintf(out, ",\"direction\":\"%s\",\"depth\":%u,\"fanout\":%u,\"host\":", g->impact ? "impact" : "why",
		g->depth, g->fanout);
	pt_json_str(out, g->l->host);
	fputs(",\"vertices\":[", out);
	for (size_t i = 0; i < g->nv; i++) {
		const struct pt_graph_vertex *v = &g->v[i];

		fprintf(out, "%s{\"id\":", i ? "," : "");
		pt_json_str(out, v->id);
		fprintf(out, ",\"kind\":\"%s\",\"summary\":", pt_graph_vkind_name(v->kind));
		pt_json_str(out, v->summary);
		fputc(',', out);
		jtime(out, g, v->ts);
		fprintf(out, "%s%s}", v->json[0] ? "," : "", v->json);
	}
	fputs("],\"edges\":[", out);
	for (size_t i = 0; i < g->ne; i++) {
		const struct pt_graph_edge *e = &g->e[i];

		fprintf(out, "%s{\"from\":", i ? "," : "");
		pt_json_str(out, g->v[e->from].id);
		fputs(",\"to\":", out);
		pt_json_str(out, g->v[e->to].id);
		fprintf(out, ",\"kind\":\"%s\",", pt_graph_ekind_name(e->kind));
		jtime(out, g, e->ts);
		fputs(",\"label\":", out);
		pt_json_str(out, e->label);
		fprintf(out, ",\"truncated\":%s%s%s}", e->truncated ? "true" : "false", e->json[0] ? "," : "", e->json);
	}
	fputs("],\"tree\":[", out);
	for (size_t i = 0; i < g->nn; i++) {
		const struct pt_graph_node *n = &g->n[i];

		fprintf(out, "%s{\"level\":%u,\"mark\":\"%s\",\"vertex\":", i ? "," : "", n->level, marks[n->mark]);
		if (n->vertex != PT_GRAPH_NONE)
			pt_json_str(out, g->v[n->vertex].id);
		else
			fputs("null", out);
		if (n->edge != PT_GRAPH_NONE)
			fprintf(out, ",\"edge\":%u", n->edge);
		else
			fputs(",\"edge\":null", out);
		if (n->note) {
			fputs(",\"note\":", out);
			pt_json_str(out, n->note);
		}
		fputc('}', out);
	}
	fprintf(out, "],\"truncated\":%s,\"warnings\":[", g->truncated ? "true" : "false");
	for (size_t i = 0; i < g->nwarnings; i++) {
		fputs(i ? "," : "", out);
		pt_json_str(out, g->warnings[i]);
	}
	fputs("]}\n", out);
}

/* s inside a DOT double-quoted string: " and \ escaped, control and non-ASCII bytes as '?'. */
static void dot_str(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fputc('?', out);
		else
			fputc(*p, out);
	}
}

void pt_graph_print_dot(FILE *out, const struct pt_graph *g)
{
	char tb[48];

	fputs("digraph provtap {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n  edge [fontsize=9];\n"
	      "  label=\"", out);
	fprintf(out, "%s ", g->impact ? "impact of" : "why");
	dot_str(out, g->v[g->root].id);
	fprintf(out, " (depth %u, fan-out %u)%s\";\n", g->depth, g->fanout, g->truncated ? " - cut, see the text form" : "");
	for (size_t i = 0; i < g->nv; i++) {
		const struct pt_graph_vertex *v = &g->v[i];

		fprintf(out, "  v%zu [label=\"%s\\n", i, pt_graph_vkind_name(v->kind));
		dot_str(out, v->summary);
		fputs("\\n", out);
		dot_str(out, v->id);
		fprintf(out, "\"%s];\n", i == g->root ? ", style=bold, penwidth=2" : "");
	}
	for (size_t i = 0; i < g->ne; i++) {
		const struct pt_graph_edge *e = &g->e[i];

		fprintf(out, "  v%u -> v%u [label=\"%s", e->from, e->to, pt_graph_ekind_name(e->kind));
		if (e->label[0]) {
			fputs("\\n", out);
			dot_str(out, e->label);
		}
		if (e->ts)
			fprintf(out, "\\n%s", when(g, e->ts, false, tb, sizeof(tb)));
		fprintf(out, "\"%s];\n", e->truncated ? ", style=dashed" : "");
	}
	fputs("}\n", out);
}
