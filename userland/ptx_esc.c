// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ptx_esc.c — recorded text made safe to print (ptx_esc.h), in the forms of
 * query's text lines (query/esc.h), into bounded buffers.
 */
#include <string.h>
#include "query/esc.h"
#include "userland/ptx.h"
#include "userland/ptx_esc.h"

char *pt_esc_word(char *buf, size_t len, const char *s, size_t n)
{
	struct pt_esc e;

	pt_esc_buf(&e, buf, len);
	pt_esc_shword(&e, (const unsigned char *)s, n);
	return pt_esc_end(&e);
}

char *pt_esc_argv(char *buf, size_t len, const char *argv, size_t argv_len)
{
	struct pt_esc e;

	pt_esc_buf(&e, buf, len);
	for (size_t off = 0; off < argv_len;) {
		size_t n = strnlen(argv + off, argv_len - off);

		if (off)
			pt_esc_put(&e, " ", 1);
		pt_esc_shword(&e, (const unsigned char *)argv + off, n);
		off += n + 1;
	}
	return pt_esc_end(&e);
}

char *pt_esc_text(char *buf, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0, c;
	struct pt_esc e;

	pt_esc_buf(&e, buf, len);
	if (!s)
		pt_esc_put(&e, "?", 1);
	for (size_t i = 0; i < n; i += c) {
		c = pt_esc_printable_len(p + i, n - i);
		if (c && p[i] != '\\') {
			pt_esc_put(&e, s + i, c);
		} else {
			c = 1;
			pt_esc_c(&e, p + i, 1, false);
		}
	}
	return pt_esc_end(&e);
}

char *pt_esc_proc_name(char *buf, size_t len, const struct pt_ptx *x, __u32 proc)
{
	return pt_esc_text(buf, len, pt_ptx_proc_name(x, proc));
}
