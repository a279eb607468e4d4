/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * esc.h — text from records and recordings made safe to print: shared by
 * query's text lines (query/format_proc.c) and `provtap show`
 * (userland/ptx_esc.c). Recorded argv, paths and names are untrusted: they
 * may hold newlines, terminal escape sequences and bytes that are not UTF-8.
 *
 *   shell word  as is when every byte is safe, '...' when all are printable,
 *               else $'...' with C escapes: what a user can paste into bash
 *   C escapes   ASCII 0x20..0x7e as is, \ (and " when quoting) escaped,
 *               \n \r \t, every other byte \xNN, UTF-8 included (query's
 *               text lines stay ASCII)
 * Printable (shell words, and ptx_esc.h's text): ASCII 0x20..0x7e and valid
 * UTF-8 from U+00A0 on (so C1 controls and lone 0x9b are escaped).
 *
 * Output goes to a FILE or into a bounded buffer; in a buffer only whole
 * pieces (a character or an escape) are written, and what does not fit is
 * cut where "..." still fits, which then ends the string.
 */
#ifndef PROVTAP_QUERY_ESC_H
#define PROVTAP_QUERY_ESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pt_esc {
	FILE *f;		/* not NULL: write here */
	char *p;		/* else this buffer */
	size_t used, limit;	/* limit: its size - 1 */
	size_t mark;		/* the last piece boundary at which "..." still fits */
	bool cut;
};

/* Write to f. */
void pt_esc_file(struct pt_esc *e, FILE *f);

/* Write into buf (len > 0); pt_esc_end() NUL-terminates it. */
void pt_esc_buf(struct pt_esc *e, char *buf, size_t len);

/* The buffer, NUL-terminated (ending in "..." when something was cut). */
char *pt_esc_end(struct pt_esc *e);

/* n bytes as they are (the caller's own text). */
void pt_esc_put(struct pt_esc *e, const char *s, size_t n);

/* Bytes of the printable character at p (n > 0 available); 0 if it is not one. */
size_t pt_esc_printable_len(const unsigned char *p, size_t n);

/* n bytes C-escaped; quote: " is escaped too. */
void pt_esc_c(struct pt_esc *e, const unsigned char *p, size_t n, bool quote);

/* n bytes (NULs included) as one shell word ("''" when n is 0). */
void pt_esc_shword(struct pt_esc *e, const unsigned char *p, size_t n);

#endif /* PROVTAP_QUERY_ESC_H */
