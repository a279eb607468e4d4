/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * attach.h — putting one loaded program on one capture point and taking it off,
 * in the point's network namespace, coexisting with what others attached.
 */
#ifndef PROVTAP_ATTACH_H
#define PROVTAP_ATTACH_H

#include "bpf/pkt.h"

/*
 * Fill info->ifindex and info->netns_ino from ifname/netns. Returns 0,
 * -ENOENT (no such netns or interface; logged) or -errno.
 */
int pt_resolve(struct pt_point_info *info);

/*
 * Attach prog_fd at info (tc clsact filter of info->dir, or an XDP link pinned
 * as links/xdp-<point>... the point id is not known here, so the XDP link is
 * pinned by pt_attach under a name from ifindex/netns; see attach.c). Fills
 * tc_handle, tc_priority, qdisc_created, xdp_mode, prog_id.
 * Returns 0, or -errno with a log line; on failure nothing stays attached.
 * -EBUSY: XDP is taken by a program that is not ours.
 */
int pt_attach(struct pt_point_info *info, int prog_fd);

/*
 * Remove what pt_attach put at info (point id `id`): our tc filter only if it
 * is still the program we attached; the clsact qdisc only if we created it and
 * no filter is left on it (else ownership moves to another of our points on
 * that device in table, which may be NULL). A vanished interface or netns
 * counts as detached. Returns 0 or -errno (logged).
 */
int pt_detach(struct pt_point_info *info, __u32 id, struct pt_point_info *table);

#endif /* PROVTAP_ATTACH_H */
