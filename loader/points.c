// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "loader/points.h"

static bool valid_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* Copy [b, e) to dst[cap] if it is a valid name; else error text. */
static int take(const char *what, const char *b, const char *e, char *dst, size_t cap,
		char *err, size_t errlen)
{
	size_t n = (size_t)(e - b);

	if (n == 0) {
		snprintf(err, errlen, "empty %s", what);
		return -EINVAL;
	}
	if (n >= cap) {
		snprintf(err, errlen, "%s '%.*s' is longer than %zu characters", what, (int)n, b, cap - 1);
		return -EINVAL;
	}
	for (const char *p = b; p < e; p++) {
		if (!valid_name_char(*p)) {
			snprintf(err, errlen, "%s '%.*s' has an invalid character '%c'", what, (int)n, b, *p);
			return -EINVAL;
		}
	}
	memcpy(dst, b, n);
	dst[n] = 0;
	return 0;
}

int pt_point_spec_parse(const char *s, enum pt_hook hook, struct pt_point_spec *out,
			char *err, size_t errlen)
{
	const char *end, *alias, *colon, *at;
	int rc;

	memset(out, 0, sizeof(*out));
	out->hook = hook;
	end = s + strlen(s);
	alias = strchr(s, '=');
	if (alias) {
		rc = take("alias", alias + 1, end, out->alias, sizeof(out->alias), err, errlen);
		if (rc)
			return rc;
		end = alias;
	}
	colon = memchr(s, ':', (size_t)(end - s));
	if (colon) {
		size_t n = (size_t)(end - colon - 1);

		if (n == 2 && !strncmp(colon + 1, "in", 2))
			out->dirs = 1 << PT_DIR_IN;
		else if (n == 3 && !strncmp(colon + 1, "out", 3))
			out->dirs = 1 << PT_DIR_OUT;
		else if (n == 4 && !strncmp(colon + 1, "both", 4))
			out->dirs = (1 << PT_DIR_IN) | (1 << PT_DIR_OUT);
		else {
			snprintf(err, errlen, "direction '%.*s' is not in, out or both", (int)n, colon + 1);
			return -EINVAL;
		}
		out->dir_given = true;
		end = colon;
	} else {
		out->dirs = hook == PT_HOOK_XDP ? 1 << PT_DIR_IN : (1 << PT_DIR_IN) | (1 << PT_DIR_OUT);
	}
	if (hook == PT_HOOK_XDP && out->dirs != (1 << PT_DIR_IN)) {
		snprintf(err, errlen, "XDP sees ingress only; use --iface for :out");
		return -EINVAL;
	}
	if (end == s && out->alias[0] && !out->dir_given)
		return 0;	/* "=ALIAS": the points loaded with that alias */
	at = memchr(s, '@', (size_t)(end - s));
	if (at) {
		rc = take("netns name", at + 1, end, out->netns, sizeof(out->netns), err, errlen);
		if (rc)
			return rc;
		end = at;
	}
	return take("interface name", s, end, out->ifname, sizeof(out->ifname), err, errlen);
}

bool pt_point_spec_matches(const struct pt_point_spec *spec, const struct pt_point_info *info)
{
	if (!info->in_use)
		return false;
	if (spec->alias[0] && !spec->ifname[0])
		return !strcmp(spec->alias, info->alias);
	if (spec->hook != info->hook)
		return false;
	if (strcmp(spec->ifname, info->ifname) || strcmp(spec->netns, info->netns))
		return false;
	if (spec->dir_given && !(spec->dirs & (1 << info->dir)))
		return false;
	return true;
}

char *pt_point_name(const struct pt_point_info *info, char *buf, size_t len)
{
	const char *dir = info->dir == PT_DIR_IN ? "in" : info->dir == PT_DIR_OUT ? "out" : "?";

	if (info->netns[0])
		snprintf(buf, len, "%s@%s:%s", info->ifname, info->netns, dir);
	else
		snprintf(buf, len, "%s:%s", info->ifname, dir);
	return buf;
}

int pt_points_read(int fd, struct pt_point_info *table)
{
	int n = 0;

	for (__u32 i = 0; i < PT_MAX_POINTS; i++) {
		if (bpf_map_lookup_elem(fd, &i, &table[i]))
			return -errno;
		n += table[i].in_use ? 1 : 0;
	}
	return n;
}
