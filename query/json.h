/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* json.h — the little JSON writing provtap needs (strings with escapes). */
#ifndef PROVTAP_JSON_H
#define PROVTAP_JSON_H

#include <stdio.h>

/* Write s as a JSON string literal, quotes included; NULL writes null. */
void pt_json_str(FILE *out, const char *s);

#endif /* PROVTAP_JSON_H */
