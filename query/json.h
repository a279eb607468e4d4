/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* json.h — the little JSON writing provtap needs (strings with escapes). */
#ifndef PROVTAP_JSON_H
#define PROVTAP_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write s as a JSON string literal, quotes included, valid whatever the bytes
 * (as pt_json_bytes); NULL writes null.
 */
void pt_json_str(FILE *out, const char *s);

/*
 * n bytes as a JSON string literal (quotes included) that is valid whatever
 * they hold: UTF-8 kept; ", \ and control characters escaped; every byte
 * not part of valid UTF-8 written as \ufffd.
 */
void pt_json_bytes(FILE *out, const void *s, size_t n);

/* Length of the valid UTF-8 sequence at p (n > 0 bytes available), 0 when invalid. */
size_t pt_utf8_len(const unsigned char *p, size_t n);

#endif /* PROVTAP_JSON_H */
