/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * log.h — the one logging module. Messages go to stderr prefixed "provtap: ";
 * libbpf's own output is routed here by pt_log_init() and shown only at -v
 * (warnings) or -vv (debug).
 */
#ifndef PROVTAP_LOG_H
#define PROVTAP_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum pt_log_level { PT_LOG_ERROR = 0, PT_LOG_WARN = 1, PT_LOG_INFO = 2, PT_LOG_DEBUG = 3 };

/* verbosity: 0 = errors, warnings, infos; 1 = + libbpf warnings; 2 = + debug. */
void pt_log_init(int verbosity);
int pt_log_verbosity(void);
/* Silence libbpf entirely (feature probing) or restore it; returns previous state. */
int pt_log_libbpf_quiet(int quiet);

void pt_log(enum pt_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Every message from now on also to @f (flushed after each), or to stderr only when @f is NULL;
 * returns the previous one. A daemon's setup says things on the terminal that its log must keep.
 */
FILE *pt_log_tee(FILE *f);

#define pt_err(...)   pt_log(PT_LOG_ERROR, __VA_ARGS__)
#define pt_warn(...)  pt_log(PT_LOG_WARN, __VA_ARGS__)
#define pt_info(...)  pt_log(PT_LOG_INFO, __VA_ARGS__)
#define pt_debug(...) pt_log(PT_LOG_DEBUG, __VA_ARGS__)

/* An error message for the caller: formatted into err (errlen bytes); nothing when err is NULL. */
void pt_seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* PROVTAP_LOG_H */
