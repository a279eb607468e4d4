/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ptx_esc.h — text from a recording made safe to print, into bounded
 * buffers (built on query/esc.h). A recording is untrusted input: its argv,
 * paths, names and host names may hold newlines, terminal escape sequences
 * and bytes that are not UTF-8, and none of them may reach a terminal raw.
 * argv and paths are shell words a user can paste
 * into bash, as in query's text lines (query/esc.h: as is when every byte is
 * safe, '...' when all are printable, else $'...' with C escapes); other text
 * is as is but with \ and every byte that is not printable C-escaped (\n \r
 * \t \\ \xNN): unlike query's C escapes, printable UTF-8 stays. Printable:
 * ASCII 0x20..0x7e and valid UTF-8 from U+00A0 on (so C1 controls are
 * escaped too).
 *
 * Each function writes a NUL-terminated string of at most len - 1 bytes into
 * buf (len > 0) and returns buf. What does not fit is cut between two
 * characters or escapes, and the string then ends in "..." (when len > 3).
 */
#ifndef PROVTAP_PTX_ESC_H
#define PROVTAP_PTX_ESC_H

#include <stddef.h>
#include <linux/types.h>

struct pt_ptx;

/* The n bytes at s (NULs included) as one shell word: "curl", "'a b'", "$'a\nb'", "''" when n is 0. */
char *pt_esc_word(char *buf, size_t len, const char *s, size_t n);

/*
 * The NUL-terminated strings in argv (argv_len bytes; a last one without its
 * NUL runs to the end) as shell words separated by spaces; "" when argv_len is 0.
 */
char *pt_esc_argv(char *buf, size_t len, const char *argv, size_t argv_len);

/* NUL-terminated s as text ("?" when s is NULL). */
char *pt_esc_text(char *buf, size_t len, const char *s);

/* The name of x's process proc (pt_ptx_proc_name: argv[0]'s last part, else comm) as text. */
char *pt_esc_proc_name(char *buf, size_t len, const struct pt_ptx *x, __u32 proc);

#endif /* PROVTAP_PTX_ESC_H */
