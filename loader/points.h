/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * points.h — capture point specs as users write them, and the point table in
 * the pinned pt_points map.
 *
 *   IFNAME[@NETNS][:in|:out|:both][=ALIAS]     or   =ALIAS (unload/filter only)
 * no @NETNS: the namespace provtap runs in; no direction: both (tc) / in (XDP).
 * A point's display name is "IFNAME@NETNS:DIR" ("IFNAME:DIR" without netns).
 */
#ifndef PROVTAP_POINTS_H
#define PROVTAP_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bpf/pkt.h"

struct pt_point_spec {
	char ifname[16];
	char netns[48];
	char alias[32];
	__u8 dirs;		/* bit (1 << PT_DIR_IN) | (1 << PT_DIR_OUT) */
	__u8 hook;		/* enum pt_hook */
	bool dir_given;
};

/*
 * Parse s into *out for hook. Returns 0, or -EINVAL with a message in err
 * (errlen bytes) saying what is wrong; *out is then unspecified.
 */
int pt_point_spec_parse(const char *s, enum pt_hook hook, struct pt_point_spec *out,
			char *err, size_t errlen);

/*
 * True when the point in info is selected by spec: same hook, interface and netns
 * (and direction if the spec gives one); an "=ALIAS" spec selects by alias only.
 */
bool pt_point_spec_matches(const struct pt_point_spec *spec, const struct pt_point_info *info);

/* "veth1@tenant-a:in" into buf; returns buf. */
char *pt_point_name(const struct pt_point_info *info, char *buf, size_t len);

/*
 * The whole table from the pinned map fd: fills table[PT_MAX_POINTS].
 * Returns the number of live points or -errno.
 */
int pt_points_read(int points_fd, struct pt_point_info *table);

#endif /* PROVTAP_POINTS_H */
