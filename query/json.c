// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "query/json.h"

/* Length of the valid UTF-8 sequence at p (n bytes available), 0 when invalid. */
size_t pt_utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f;	/* > U+10FFFF */
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

void pt_json_bytes(FILE *out, const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0, k;

	fputc('"', out);
	while (i < n) {
		if (p[i] == '"' || p[i] == '\\') {
			fprintf(out, "\\%c", p[i++]);
		} else if (p[i] < 0x20) {
			fprintf(out, "\\u%04x", p[i++]);
		} else if ((k = pt_utf8_len(p + i, n - i))) {
			fwrite(p + i, 1, k, out);
			i += k;
		} else {
			fputs("\\ufffd", out);
			i++;
		}
	}
	fputc('"', out);
}

void pt_json_str(FILE *out, const char *s)
{
	if (!s)
		fputs("null", out);
	else
		pt_json_bytes(out, s, strlen(s));
}

