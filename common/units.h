/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* units.h — parsing and printing of sizes, durations and times for the CLI. */
#ifndef PROVTAP_UNITS_H
#define PROVTAP_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * "64MiB", "10GiB", "512k", "4096" (bytes). Suffixes k/K/KiB, M/MiB, G/GiB, T/TiB are
 * powers of 1024. Returns 0 and *out, or -EINVAL (malformed) / -ERANGE (overflow);
 * *out unchanged on error.
 */
int pt_parse_size(const char *s, __u64 *out);

/* "90s", "5m" or "5min", "2h", "7d", "1w", "100ms", "1500us", "10ns" -> nanoseconds. Same errors as above. */
int pt_parse_duration(const char *s, __u64 *out_ns);

/* Whole decimal number in [lo, hi]. Same errors as above. */
int pt_parse_u64(const char *s, __u64 lo, __u64 hi, __u64 *out);

/* Realtime ns -> "2026-11-23T20:33:01.123456789Z" into buf (>= 32 bytes). Returns buf. */
char *pt_fmt_rfc3339(__u64 realtime_ns, char *buf, size_t len);

/* Current time of clock id in ns. */
__u64 pt_now_ns(int clockid);

#endif /* PROVTAP_UNITS_H */
