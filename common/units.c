// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/units.h"

/* Parse the leading decimal of s into *v and point *end past it. -EINVAL/-ERANGE. */
static int leading_u64(const char *s, __u64 *v, const char **end)
{
	char *e;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &e, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*end = e;
	return 0;
}

static int scale(__u64 v, __u64 mul, __u64 *out)
{
	if (mul && v > (~0ULL) / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

struct suffix {
	const char *sfx;
	__u64 mul;
};

/* A decimal with one of tab's suffixes (exact match), scaled. */
static int parse_scaled(const char *s, const struct suffix *tab, size_t n, __u64 *out)
{
	const char *end;
	__u64 v;
	int err;

	err = leading_u64(s, &v, &end);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(end, tab[i].sfx))
			return scale(v, tab[i].mul, out);
	return -EINVAL;
}

int pt_parse_size(const char *s, __u64 *out)
{
	static const struct suffix tab[] = {
		{ "", 1 }, { "B", 1 },
		{ "k", 1ULL << 10 }, { "K", 1ULL << 10 }, { "KiB", 1ULL << 10 }, { "KB", 1ULL << 10 },
		{ "M", 1ULL << 20 }, { "MiB", 1ULL << 20 }, { "MB", 1ULL << 20 },
		{ "G", 1ULL << 30 }, { "GiB", 1ULL << 30 }, { "GB", 1ULL << 30 },
		{ "T", 1ULL << 40 }, { "TiB", 1ULL << 40 }, { "TB", 1ULL << 40 },
	};

	return parse_scaled(s, tab, sizeof(tab) / sizeof(tab[0]), out);
}

int pt_parse_duration(const char *s, __u64 *out_ns)
{
	static const struct suffix tab[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "min", 60000000000ULL }, { "h", 3600000000000ULL },
		{ "d", 86400000000000ULL },
		{ "w", 604800000000000ULL },
	};

	return parse_scaled(s, tab, sizeof(tab) / sizeof(tab[0]), out_ns);
}

int pt_parse_u64(const char *s, __u64 lo, __u64 hi, __u64 *out)
{
	const char *end;
	__u64 v;
	int err;

	err = leading_u64(s, &v, &end);
	if (err)
		return err;
	if (*end)
		return -EINVAL;
	if (v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

char *pt_fmt_rfc3339(__u64 ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	char head[24];

	gmtime_r(&sec, &tm);
	strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09lluZ", head, (unsigned long long)(ns % 1000000000ULL));
	return buf;
}

__u64 pt_now_ns(int clockid)
{
	struct timespec ts;

	clock_gettime(clockid, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}
