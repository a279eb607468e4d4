/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tcnl.h — the one netlink question libbpf's tc API cannot answer. */
#ifndef PROVTAP_TCNL_H
#define PROVTAP_TCNL_H

/*
 * Number of tc filters (of any kind, anyone's) on the clsact ingress or egress
 * hook (ingress != 0 selects) of ifindex in the current netns. Returns >= 0,
 * or -errno (-EINVAL/-ENOENT when there is no clsact qdisc or no device).
 */
int pt_tc_filter_count(int ifindex, int ingress);

#endif /* PROVTAP_TCNL_H */
