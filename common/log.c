// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <bpf/libbpf.h>
#include "common/log.h"

static int verbosity;
static int libbpf_quiet;
static FILE *tee;	/* a second destination of every message (pt_log_tee), or NULL */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (libbpf_quiet)
		return 0;
	if (level == LIBBPF_DEBUG && verbosity < 2)
		return 0;
	if (level != LIBBPF_DEBUG && verbosity < 1)
		return 0;
	if (tee) {
		va_list ap;

		va_copy(ap, args);
		fputs("libbpf: ", tee);
		vfprintf(tee, fmt, ap);
		va_end(ap);
		fflush(tee);
	}
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, args);
}

void pt_log_init(int v)
{
	verbosity = v;
	libbpf_set_print(libbpf_print);
}

int pt_log_verbosity(void)
{
	return verbosity;
}

int pt_log_libbpf_quiet(int quiet)
{
	int old = libbpf_quiet;

	libbpf_quiet = quiet;
	return old;
}

FILE *pt_log_tee(FILE *f)
{
	FILE *old = tee;

	tee = f;
	return old;
}

void pt_log(enum pt_log_level lvl, const char *fmt, ...)
{
	const char *pfx = lvl == PT_LOG_ERROR ? "provtap: error: " :
			  lvl == PT_LOG_WARN ? "provtap: warning: " : "provtap: ";
	va_list ap;

	if (lvl == PT_LOG_DEBUG && verbosity < 2)
		return;
	if (tee) {
		fputs(pfx, tee);
		va_start(ap, fmt);
		vfprintf(tee, fmt, ap);
		va_end(ap);
		fputc('\n', tee);
		fflush(tee);
	}
	fputs(pfx, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void pt_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
