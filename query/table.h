/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * table.h — every query's output: an aligned human table whose headers carry
 * units (default), JSON lines (--json: one object per row, keys as declared),
 * or CSV (--csv: a header line of keys, then rows; RFC 4180 quoting).
 */
#ifndef PROVTAP_TABLE_H
#define PROVTAP_TABLE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

enum pt_fmt { PT_FMT_TABLE, PT_FMT_JSON, PT_FMT_CSV };

struct pt_table;

/* New table; title is printed above the human table only (may be NULL). NULL on ENOMEM. */
struct pt_table *pt_table_new(enum pt_fmt fmt, const char *title);

/*
 * Declare a column before the first row: key (JSON/CSV name), header (human,
 * with unit, e.g. "DELAY p50 (ms)"), numeric (right-aligned; JSON unquoted).
 */
void pt_table_col(struct pt_table *t, const char *key, const char *header, bool numeric);

/* Start a row; then one value per column, in order. */
void pt_table_row(struct pt_table *t);
void pt_table_str(struct pt_table *t, const char *v);
void pt_table_u64(struct pt_table *t, __u64 v);
void pt_table_f(struct pt_table *t, double v, int decimals);
void pt_table_null(struct pt_table *t);	/* "-" in the table, null in JSON, empty in CSV */

/* A line printed under the human table (notes like "partial: 1 corrupt region"). */
void pt_table_note(struct pt_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print everything (rows are buffered for alignment) and free. NULL-safe. */
void pt_table_print(struct pt_table *t, FILE *out);

/* Free without printing (an answer abandoned on an error). NULL-safe. */
void pt_table_free(struct pt_table *t);

#endif /* PROVTAP_TABLE_H */
