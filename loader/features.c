// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/capability.h>
#include "common/log.h"
#include "loader/features.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* Preferred first. The tc variant never calls task helpers (see kernel.md). */
static const struct pt_variant variants[] = {
	{ "tc", PT_HOOK_TC, PT_PROG_TC, "pt_tc",
	  PT_FEAT_RINGBUF | PT_FEAT_TC | PT_FEAT_BOOT_NS_TC | PT_FEAT_SKB_LOAD_BYTES,
	  "clsact classifier, direct packet access" },
	{ "xdp", PT_HOOK_XDP, PT_PROG_XDP, "pt_xdp",
	  PT_FEAT_RINGBUF | PT_FEAT_XDP | PT_FEAT_BOOT_NS_XDP | PT_FEAT_XDP_LOAD_BYTES,
	  "snaplen copied with bpf_xdp_load_bytes" },
	{ "xdp-direct", PT_HOOK_XDP, PT_PROG_XDP_DIRECT, "pt_xdp_direct",
	  PT_FEAT_RINGBUF | PT_FEAT_XDP | PT_FEAT_BOOT_NS_XDP,
	  "snaplen copied by direct packet access (kernels < 5.18)" },
};

static const struct { unsigned int bit; const char *name; } feat_names[] = {
	{ PT_FEAT_RINGBUF, "ringbuf" },
	{ PT_FEAT_TC, "prog_type_sched_cls" },
	{ PT_FEAT_XDP, "prog_type_xdp" },
	{ PT_FEAT_BOOT_NS_TC, "helper_ktime_get_boot_ns_tc" },
	{ PT_FEAT_BOOT_NS_XDP, "helper_ktime_get_boot_ns_xdp" },
	{ PT_FEAT_XDP_LOAD_BYTES, "helper_xdp_load_bytes" },
	{ PT_FEAT_SKB_LOAD_BYTES, "helper_skb_load_bytes" },
	{ PT_FEAT_PIDTGID_TC, "helper_get_current_pid_tgid_tc" },
	{ PT_FEAT_KPROBE, "kprobes" },
};

static struct pt_features cache;

static bool helper(enum bpf_prog_type t, enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(t, id, NULL) == 1;
}

const struct pt_features *pt_features_get(void)
{
	int quiet;

	if (cache.probed)
		return &cache;
	quiet = pt_log_libbpf_quiet(1);
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1)
		cache.have |= PT_FEAT_RINGBUF;
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) == 1)
		cache.have |= PT_FEAT_TC;
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) == 1)
		cache.have |= PT_FEAT_XDP;
	if (helper(BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_ktime_get_boot_ns))
		cache.have |= PT_FEAT_BOOT_NS_TC;
	if (helper(BPF_PROG_TYPE_XDP, BPF_FUNC_ktime_get_boot_ns))
		cache.have |= PT_FEAT_BOOT_NS_XDP;
	if (helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_load_bytes))
		cache.have |= PT_FEAT_XDP_LOAD_BYTES;
	if (helper(BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_skb_load_bytes))
		cache.have |= PT_FEAT_SKB_LOAD_BYTES;
	if (helper(BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_get_current_pid_tgid))
		cache.have |= PT_FEAT_PIDTGID_TC;
	if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0)
		cache.have |= PT_FEAT_KPROBE;
	pt_log_libbpf_quiet(quiet);
	cache.probed = true;
	return &cache;
}

void pt_features_print(FILE *out, const struct pt_features *f)
{
	for (size_t i = 0; i < sizeof(feat_names) / sizeof(feat_names[0]); i++)
		fprintf(out, "  %-32s %s\n", feat_names[i].name, f->have & feat_names[i].bit ? "yes" : "no");
}

static const char *first_missing(unsigned int needs, unsigned int have)
{
	for (size_t i = 0; i < sizeof(feat_names) / sizeof(feat_names[0]); i++)
		if ((needs & feat_names[i].bit) && !(have & feat_names[i].bit))
			return feat_names[i].name;
	return NULL;
}

int pt_require_privileges(const char *what)
{
	cap_flag_value_t bpf = CAP_CLEAR, admin = CAP_CLEAR, net = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (caps) {
		if (CAP_IS_SUPPORTED(CAP_BPF))
			cap_get_flag(caps, CAP_BPF, CAP_EFFECTIVE, &bpf);
		cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &admin);
		cap_get_flag(caps, CAP_NET_ADMIN, CAP_EFFECTIVE, &net);
		cap_free(caps);
	}
	if ((bpf == CAP_SET || admin == CAP_SET) && net == CAP_SET)
		return 0;
	pt_err("%s needs root (CAP_BPF or CAP_SYS_ADMIN, and CAP_NET_ADMIN)", what);
	return -EPERM;
}

const struct pt_variant *pt_variant_pick(enum pt_hook hook, const char *force)
{
	const struct pt_features *f = pt_features_get();
	const struct pt_variant *last = NULL;

	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		const struct pt_variant *v = &variants[i];

		if (v->hook != hook || (force && strcmp(force, v->name)))
			continue;
		last = v;
		if ((v->needs & f->have) == v->needs) {
			pt_debug("variant %s chosen for %s", v->name, hook == PT_HOOK_TC ? "tc" : "xdp");
			return v;
		}
	}
	if (force && !last)
		pt_err("no %s program variant named '%s' (tc: tc; xdp: xdp, xdp-direct)",
		       hook == PT_HOOK_TC ? "tc" : "xdp", force);
	else if (last)
		pt_err("this kernel cannot run the %s probe: missing %s", last->name,
		       first_missing(last->needs, f->have));
	return NULL;
}
