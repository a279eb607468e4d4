// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* esc.c — text made safe to print (esc.h). */
#include <string.h>
#include "query/esc.h"
#include "query/json.h"

void pt_esc_file(struct pt_esc *e, FILE *f)
{
	*e = (struct pt_esc){ .f = f };
}

void pt_esc_buf(struct pt_esc *e, char *buf, size_t len)
{
	*e = (struct pt_esc){ .p = buf, .limit = len - 1 };
}

char *pt_esc_end(struct pt_esc *e)
{
	if (e->f)
		return NULL;
	if (e->cut && e->limit >= 3) {
		e->used = e->mark;
		memcpy(e->p + e->used, "...", 3);
		e->used += 3;
	}
	e->p[e->used] = 0;
	return e->p;
}

void pt_esc_put(struct pt_esc *e, const char *s, size_t n)
{
	if (e->f) {
		fwrite(s, 1, n, e->f);
		return;
	}
	if (e->cut)
		return;
	if (n > e->limit - e->used) {
		e->cut = true;
		return;
	}
	memcpy(e->p + e->used, s, n);
	e->used += n;
	if (e->used + 3 <= e->limit)
		e->mark = e->used;
}

size_t pt_esc_printable_len(const unsigned char *p, size_t n)
{
	size_t k = pt_utf8_len(p, n);

	if (k == 1)
		return p[0] >= 0x20 && p[0] < 0x7f;
	if (k == 2 && p[0] == 0xc2 && p[1] < 0xa0)
		return 0;	/* C1 controls */
	return k;
}

void pt_esc_c(struct pt_esc *e, const unsigned char *p, size_t n, bool quote)
{
	char b[8];

	for (size_t i = 0, run; i < n; i += run ? run : 1) {
		unsigned char c;

		/* a run of bytes that stand as they are: one piece each, written at once */
		for (run = 0; i + run < n && p[i + run] >= 0x20 && p[i + run] < 0x7f && p[i + run] != '\\' &&
			      !(quote && p[i + run] == '"'); run++)
			;
		if (run) {
			if (e->f)
				pt_esc_put(e, (const char *)p + i, run);
			else	/* a bounded buffer cuts between pieces */
				for (size_t k = 0; k < run; k++)
					pt_esc_put(e, (const char *)p + i + k, 1);
			continue;
		}
		c = p[i];
		if (c == '\\' || c == '"')
			snprintf(b, sizeof(b), "\\%c", c);
		else if (c == '\n')
			snprintf(b, sizeof(b), "\\n");
		else if (c == '\r')
			snprintf(b, sizeof(b), "\\r");
		else if (c == '\t')
			snprintf(b, sizeof(b), "\\t");
		else
			snprintf(b, sizeof(b), "\\x%02x", c);
		pt_esc_put(e, b, strlen(b));
	}
}

static bool sh_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("_@%+=:,./-", c));
}

void pt_esc_shword(struct pt_esc *e, const unsigned char *p, size_t n)
{
	size_t i, k;
	bool safe = n > 0, printable = true;

	for (i = 0; i < n; i += k ? k : 1) {
		k = pt_esc_printable_len(p + i, n - i);
		safe = safe && sh_safe(p[i]);
		printable = printable && k;
	}
	if (safe) {
		pt_esc_put(e, (const char *)p, n);
	} else if (printable) {
		pt_esc_put(e, "'", 1);
		for (i = 0; i < n; i += k) {
			k = pt_esc_printable_len(p + i, n - i);
			if (p[i] == '\'')
				pt_esc_put(e, "'\\''", 4);
			else
				pt_esc_put(e, (const char *)p + i, k);
		}
		pt_esc_put(e, "'", 1);
	} else {
		pt_esc_put(e, "$'", 2);
		for (i = 0; i < n; i += k) {
			k = pt_esc_printable_len(p + i, n - i);
			if (k > 1) {
				pt_esc_put(e, (const char *)p + i, k);
				continue;
			}
			k = 1;
			if (p[i] == '\'')
				pt_esc_put(e, "\\'", 2);
			else
				pt_esc_c(e, p + i, 1, true);
		}
		pt_esc_put(e, "'", 1);
	}
}
