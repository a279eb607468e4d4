// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "common/log.h"
#include "loader/attach.h"
#include "loader/netns.h"
#include "loader/pins.h"
#include "loader/points.h"
#include "loader/tcnl.h"

static const char *ns_label(const struct pt_point_info *info)
{
	return info->netns[0] ? info->netns : "(current)";
}

int pt_resolve(struct pt_point_info *info)
{
	struct pt_netns_guard g;
	uint64_t ino = 0;
	int err;

	err = pt_netns_enter(info->netns, &g, &ino);
	if (err)
		return err;
	info->netns_ino = ino;
	info->ifindex = if_nametoindex(info->ifname);
	err = info->ifindex ? 0 : -ENOENT;
	pt_netns_leave(&g);
	if (err)
		pt_err("no interface '%s' in network namespace %s", info->ifname, ns_label(info));
	return err;
}

static __u32 prog_id_of(int fd)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);

	return bpf_obj_get_info_by_fd(fd, &pi, &len) ? 0 : pi.id;
}

static void xdp_link_path(const struct pt_point_info *info, char *buf, size_t len)
{
	char rel[96];

	snprintf(rel, sizeof(rel), "links/xdp-%llu-%u", (unsigned long long)info->netns_ino, info->ifindex);
	pt_pin_path(buf, len, rel);
}

static int attach_tc(struct pt_point_info *info, int prog_fd)
{
	enum bpf_tc_attach_point ap = info->dir == PT_DIR_IN ? BPF_TC_INGRESS : BPF_TC_EGRESS;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)info->ifindex, .attach_point = ap);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pt_err("%s@%s: cannot create the clsact qdisc: %s", info->ifname, ns_label(info), strerror(-err));
		return err;
	}
	info->qdisc_created = err != -EEXIST;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pt_err("%s@%s: cannot attach the tc %s filter: %s", info->ifname, ns_label(info),
		       info->dir == PT_DIR_IN ? "ingress" : "egress", strerror(-err));
		if (info->qdisc_created) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
			info->qdisc_created = 0;
		}
		return err;
	}
	info->tc_handle = opts.handle;
	info->tc_priority = opts.priority;
	info->prog_id = opts.prog_id ? opts.prog_id : prog_id_of(prog_fd);
	return 0;
}

static int attach_xdp(struct pt_point_info *info, int prog_fd)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char path[512];
	int link_fd, err;

	err = bpf_xdp_query((int)info->ifindex, 0, &q);
	if (!err && q.attach_mode != XDP_ATTACHED_NONE) {
		__u32 other = q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;

		pt_err("%s@%s: XDP already has program id %u, which provtap did not attach; "
		       "refusing to replace it (use --iface %s%s%s:in for a tc ingress probe instead)",
		       info->ifname, ns_label(info), other, info->ifname, info->netns[0] ? "@" : "",
		       info->netns);
		return -EBUSY;
	}
	link_fd = bpf_link_create(prog_fd, (int)info->ifindex, BPF_XDP, NULL);
	if (link_fd < 0) {
		err = -errno;
		pt_err("%s@%s: cannot attach XDP: %s", info->ifname, ns_label(info), strerror(-err));
		return err;
	}
	xdp_link_path(info, path, sizeof(path));
	if (bpf_obj_pin(link_fd, path)) {
		err = -errno;
		pt_err("%s@%s: cannot pin the XDP link at %s: %s", info->ifname, ns_label(info), path,
		       strerror(-err));
		close(link_fd);
		return err;
	}
	close(link_fd);
	memset(&q, 0, sizeof(q));
	q.sz = sizeof(q);
	info->xdp_mode = PT_XDP_GENERIC;
	if (!bpf_xdp_query((int)info->ifindex, 0, &q) && q.attach_mode == XDP_ATTACHED_DRV)
		info->xdp_mode = PT_XDP_NATIVE;
	info->prog_id = prog_id_of(prog_fd);
	return 0;
}

int pt_attach(struct pt_point_info *info, int prog_fd)
{
	struct pt_netns_guard g;
	int err;

	err = pt_netns_enter(info->netns, &g, NULL);
	if (err)
		return err;
	if (!if_indextoname(info->ifindex, (char[IF_NAMESIZE]){0})) {
		err = -ENODEV;
		pt_err("%s@%s: interface vanished", info->ifname, ns_label(info));
	} else if (info->hook == PT_HOOK_XDP) {
		err = attach_xdp(info, prog_fd);
	} else {
		err = attach_tc(info, prog_fd);
	}
	pt_netns_leave(&g);
	return err;
}

/* Another of our tc points on the same device, to inherit the qdisc; -1 if none. */
static int qdisc_heir(const struct pt_point_info *info, __u32 id, const struct pt_point_info *table)
{
	for (int i = 0; table && i < PT_MAX_POINTS; i++) {
		const struct pt_point_info *o = &table[i];

		if ((__u32)i != id && o->in_use && o->hook == PT_HOOK_TC && o->ifindex == info->ifindex &&
		    o->netns_ino == info->netns_ino)
			return i;
	}
	return -1;
}

static int detach_tc(struct pt_point_info *info, __u32 id, struct pt_point_info *table)
{
	enum bpf_tc_attach_point ap = info->dir == PT_DIR_IN ? BPF_TC_INGRESS : BPF_TC_EGRESS;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)info->ifindex, .attach_point = ap);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = info->tc_handle, .priority = info->tc_priority);
	LIBBPF_OPTS(bpf_tc_opts, d, .handle = info->tc_handle, .priority = info->tc_priority);
	int err = 0, nin, nout, heir;

	if (bpf_tc_query(&hook, &q) == 0) {
		if (q.prog_id == info->prog_id) {
			err = bpf_tc_detach(&hook, &d);
			if (err)
				pt_err("%s@%s: cannot detach tc filter: %s", info->ifname, ns_label(info),
				       strerror(-err));
		} else {
			pt_warn("%s@%s: the tc filter at priority %u handle %#x now runs program %u, "
				"not ours (%u); left alone", info->ifname, ns_label(info), info->tc_priority,
				info->tc_handle, q.prog_id, info->prog_id);
		}
	}
	if (!info->qdisc_created || err)
		return err;
	nin = pt_tc_filter_count((int)info->ifindex, 1);
	nout = pt_tc_filter_count((int)info->ifindex, 0);
	if (nin < 0 && nout < 0)
		return 0;	/* no clsact any more */
	if (nin <= 0 && nout <= 0) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		err = bpf_tc_hook_destroy(&hook);
		if (err && err != -ENOENT)
			pt_err("%s@%s: cannot remove the clsact qdisc we created: %s", info->ifname,
			       ns_label(info), strerror(-err));
		return err == -ENOENT ? 0 : err;
	}
	heir = qdisc_heir(info, id, table);
	if (heir >= 0 && table) {
		table[heir].qdisc_created = 1;
		pt_debug("clsact on %s passes to point %d", info->ifname, heir);
		return 0;	/* the caller writes the table back */
	}
	pt_info("%s@%s: keeping the clsact qdisc we created: %d other filter(s) use it", info->ifname,
		ns_label(info), (nin > 0 ? nin : 0) + (nout > 0 ? nout : 0));
	return 0;
}

static int detach_xdp(struct pt_point_info *info)
{
	char path[512];

	xdp_link_path(info, path, sizeof(path));
	if (unlink(path) && errno != ENOENT) {
		int err = -errno;

		pt_err("%s@%s: cannot remove XDP link pin %s: %s", info->ifname, ns_label(info), path,
		       strerror(-err));
		return err;
	}
	return 0;
}

int pt_detach(struct pt_point_info *info, __u32 id, struct pt_point_info *table)
{
	struct pt_netns_guard g;
	char name[IF_NAMESIZE] = "";
	int err;

	if (info->hook == PT_HOOK_XDP)
		return detach_xdp(info);	/* the pin holds the link; the netns does not matter */
	if (pt_netns_ino(info->netns) != info->netns_ino) {
		pt_info("%s@%s: network namespace is gone; nothing to detach", info->ifname, ns_label(info));
		return 0;
	}
	err = pt_netns_enter(info->netns, &g, NULL);
	if (err)
		return err;
	if (!if_indextoname(info->ifindex, name)) {
		pt_info("%s@%s: interface is gone; nothing to detach", info->ifname, ns_label(info));
		err = 0;
	} else {
		if (strcmp(name, info->ifname))
			pt_info("%s@%s: interface was renamed to %s", info->ifname, ns_label(info), name);
		/* by ifindex; detach_tc checks the filter still runs our program */
		err = detach_tc(info, id, table);
	}
	pt_netns_leave(&g);
	return err;
}
