// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "query/json.h"
#include "query/table.h"

#define MAX_COLS 24

struct cell {
	char *text;		/* NULL = null */
};

struct pt_table {
	enum pt_fmt fmt;
	char *title;
	int ncols;
	char *key[MAX_COLS], *hdr[MAX_COLS];
	bool num[MAX_COLS];
	struct cell *cells;	/* rows * ncols */
	size_t nrows, cap, cur;	/* cur: cells filled */
	char **notes;
	size_t nnotes;
	bool oom;
};

struct pt_table *pt_table_new(enum pt_fmt fmt, const char *title)
{
	struct pt_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fmt = fmt;
	t->title = title ? strdup(title) : NULL;
	return t;
}

void pt_table_col(struct pt_table *t, const char *key, const char *header, bool numeric)
{
	if (!t || t->ncols == MAX_COLS || t->nrows)
		return;
	t->key[t->ncols] = strdup(key);
	t->hdr[t->ncols] = strdup(header);
	t->num[t->ncols] = numeric;
	t->ncols++;
}

void pt_table_row(struct pt_table *t)
{
	if (!t || t->oom)
		return;
	while (t->cur < t->nrows * (size_t)t->ncols)	/* pad a short previous row */
		t->cells[t->cur++].text = NULL;
	if ((t->nrows + 1) * (size_t)t->ncols > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64 * (size_t)t->ncols;
		struct cell *c = realloc(t->cells, cap * sizeof(*c));

		if (!c) {
			t->oom = true;
			return;
		}
		t->cells = c;
		t->cap = cap;
	}
	t->nrows++;
}

static void put(struct pt_table *t, char *text)
{
	if (!t || t->oom || t->cur >= t->nrows * (size_t)t->ncols) {
		free(text);
		return;
	}
	t->cells[t->cur++].text = text;
}

void pt_table_str(struct pt_table *t, const char *v)
{
	put(t, v ? strdup(v) : NULL);
}

void pt_table_u64(struct pt_table *t, __u64 v)
{
	char *s = NULL;

	if (asprintf(&s, "%llu", (unsigned long long)v) < 0)
		s = NULL;
	put(t, s);
}

void pt_table_f(struct pt_table *t, double v, int decimals)
{
	char *s = NULL;

	if (asprintf(&s, "%.*f", decimals, v) < 0)
		s = NULL;
	put(t, s);
}

void pt_table_null(struct pt_table *t)
{
	put(t, NULL);
}

void pt_table_note(struct pt_table *t, const char *fmt, ...)
{
	char **n, *s = NULL;
	va_list ap;

	if (!t)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	n = s ? realloc(t->notes, (t->nnotes + 1) * sizeof(*n)) : NULL;
	if (!n) {
		free(s);
		return;
	}
	t->notes = n;
	t->notes[t->nnotes++] = s;
}

static void csv_field(FILE *out, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void print_human(struct pt_table *t, FILE *out)
{
	size_t w[MAX_COLS];

	for (int c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->hdr[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			const char *s = t->cells[r * t->ncols + c].text;
			size_t n = s ? strlen(s) : 1;

			w[c] = n > w[c] ? n : w[c];
		}
	}
	if (t->title)
		fprintf(out, "%s\n", t->title);
	for (int c = 0; c < t->ncols; c++)
		fprintf(out, "%s%-*s", c ? "  " : "", c == t->ncols - 1 ? 0 : (int)w[c], t->hdr[c]);
	fputc('\n', out);
	for (size_t r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c].text;

			if (!s)
				s = "-";
			if (t->num[c])
				fprintf(out, "%s%*s", c ? "  " : "", (int)w[c], s);
			else
				fprintf(out, "%s%-*s", c ? "  " : "", c == t->ncols - 1 ? 0 : (int)w[c], s);
		}
		fputc('\n', out);
	}
	if (!t->nrows)
		fprintf(out, "(no rows)\n");
	for (size_t i = 0; i < t->nnotes; i++)
		fprintf(out, "%s\n", t->notes[i]);
}

void pt_table_print(struct pt_table *t, FILE *out)
{
	if (!t)
		return;
	while (t->cur < t->nrows * (size_t)t->ncols)
		t->cells[t->cur++].text = NULL;
	if (t->oom)
		fprintf(stderr, "provtap: error: out of memory building the output; rows are missing\n");
	if (t->fmt == PT_FMT_TABLE) {
		print_human(t, out);
	} else if (t->fmt == PT_FMT_CSV) {
		for (int c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', out);
			csv_field(out, t->key[c]);
		}
		fputc('\n', out);
		for (size_t r = 0; r < t->nrows; r++) {
			for (int c = 0; c < t->ncols; c++) {
				if (c)
					fputc(',', out);
				csv_field(out, t->cells[r * t->ncols + c].text);
			}
			fputc('\n', out);
		}
	} else {
		for (size_t r = 0; r < t->nrows; r++) {
			fputc('{', out);
			for (int c = 0; c < t->ncols; c++) {
				const char *s = t->cells[r * t->ncols + c].text;

				fprintf(out, "%s\"%s\":", c ? "," : "", t->key[c]);
				if (!s)
					fputs("null", out);
				else if (t->num[c])
					fputs(s, out);
				else
					pt_json_str(out, s);
			}
			fputs("}\n", out);
		}
	}
	/* machine formats keep stdout clean: notes go to stderr */
	for (size_t i = 0; t->fmt != PT_FMT_TABLE && i < t->nnotes; i++)
		fprintf(stderr, "provtap: %s\n", t->notes[i]);
	pt_table_free(t);
}

void pt_table_free(struct pt_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i].text);
	for (int c = 0; c < t->ncols; c++) {
		free(t->key[c]);
		free(t->hdr[c]);
	}
	for (size_t i = 0; i < t->nnotes; i++)
		free(t->notes[i]);
	free(t->notes);
	free(t->cells);
	free(t->title);
	free(t);
}
