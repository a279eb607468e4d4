// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/btf.h>
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
	/* the drop probe (--drops): kprobe only where the tracepoint has no reason */
	{ "drop-btf", PT_HOOK_DROP, PT_PROG_DROP_BTF, "pt_drop_btf",
	  PT_FEAT_RINGBUF | PT_FEAT_TP_BTF_KFREE_SKB | PT_FEAT_KFREE_SKB_REASON | PT_FEAT_BOOT_NS_TRACE,
	  "tp_btf/kfree_skb, reason from the tracepoint" },
	{ "drop-raw", PT_HOOK_DROP, PT_PROG_DROP_RAW, "pt_drop_raw",
	  PT_FEAT_RINGBUF | PT_FEAT_RAW_TP | PT_FEAT_KFREE_SKB_REASON | PT_FEAT_BOOT_NS_TRACE,
	  "raw_tp/kfree_skb, same arguments untyped" },
	{ "drop-kprobe", PT_HOOK_DROP, PT_PROG_DROP_KPROBE, "pt_drop_kprobe",
	  PT_FEAT_RINGBUF | PT_FEAT_KPROBE | PT_FEAT_KFREE_SKB_REASON_FN | PT_FEAT_BOOT_NS_TRACE,
	  "kprobe/kfree_skb_reason, for kernels whose tracepoint lacks the reason" },
	/* the proc probes' TCP send sequence (--procs): under the socket lock where the kernel lets us;
	 * the tracepoint first: one raw tracepoint run per copy step in place of a syscall-tracepoint
	 * entry per send (the fentry and kprobe hooks need that entry too) */
	{ "send-tp", PT_HOOK_SEND, PT_PROG_SEND_TP, "pt_send_tp", PT_FEAT_TP_SENDMSG,
	  "tp_btf on tracepoint tcp:tcp_sendmsg_locked (6.12+): write_seq under the socket lock at each copy "
	  "step; sends need no syscall entry" },
	{ "send-fentry", PT_HOOK_SEND, PT_PROG_SEND_FENTRY, "pt_send_fentry", PT_FEAT_FENTRY_SENDMSG,
	  "fentry+fexit on tcp_sendmsg_locked: write_seq under the socket lock, exact with concurrent senders" },
	{ "send-kprobe", PT_HOOK_SEND, PT_PROG_SEND_KPROBE, "pt_send_kprobe", PT_FEAT_KPROBE | PT_FEAT_SENDMSG_FN,
	  "kprobe+kretprobe on tcp_sendmsg_locked, the same" },
	{ "send-syscall", PT_HOOK_SEND, PT_PROG_SEND_SYSCALL, "pt_sys_enter", 0,
	  "write_seq at the syscall's entry and exit: concurrent sends are marked uncertain" },
};

static const struct { unsigned int bit; const char *name; } feat_names[] = {
	{ PT_FEAT_RINGBUF, "ringbuf" },
	{ PT_FEAT_TC, "prog_type_sched_cls" },
	{ PT_FEAT_XDP, "prog_type_xdp" },
	{ PT_FEAT_BOOT_NS_TC, "helper_ktime_get_boot_ns_tc" },
	{ PT_FEAT_BOOT_NS_XDP, "helper_ktime_get_boot_ns_xdp" },
	{ PT_FEAT_XDP_LOAD_BYTES, "helper_xdp_load_bytes" },
	{ PT_FEAT_SKB_LOAD_BYTES, "helper_skb_load_bytes" },
	{ PT_FEAT_KPROBE, "kprobes" },
	{ PT_FEAT_TP_BTF_KFREE_SKB, "tp_btf_kfree_skb" },
	{ PT_FEAT_RAW_TP, "prog_type_raw_tracepoint" },
	{ PT_FEAT_KFREE_SKB_REASON, "kfree_skb_tracepoint_reason" },
	{ PT_FEAT_KFREE_SKB_REASON_FN, "kallsyms_kfree_skb_reason" },
	{ PT_FEAT_BOOT_NS_TRACE, "helper_ktime_get_boot_ns_raw_tp" },
	{ PT_FEAT_FENTRY_SENDMSG, "fentry_tcp_sendmsg_locked" },
	{ PT_FEAT_SENDMSG_FN, "kallsyms_tcp_sendmsg_locked" },
	{ PT_FEAT_TP_SENDMSG, "tp_btf_tcp_sendmsg_locked" },
};

static struct pt_features cache;

/*
 * A 2-instruction tracing program of attach type @at on the vmlinux BTF type
 * @id: its fd once the kernel loaded it, else -1.
 */
static int trivial_tracing_prog(int id, enum bpf_attach_type at)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, po, .expected_attach_type = at, .attach_btf_id = id);

	return id > 0 ? bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &po) : -1;
}

/* bit when a tp_btf program on the tracepoint whose BTF typedef is @id loads. */
static void probe_tp_btf(int id, unsigned int bit)
{
	int fd = trivial_tracing_prog(id, BPF_TRACE_RAW_TP);

	if (fd >= 0) {
		cache.have |= bit;
		close(fd);
	}
}

/*
 * The kfree_skb tracepoint: sets PT_FEAT_KFREE_SKB_REASON when its BTF
 * prototype (btf_trace_kfree_skb: void *, skb, location, reason[, rx_sk]) has
 * the reason, and PT_FEAT_TP_BTF_KFREE_SKB when a 2-instruction tp_btf
 * program attached to it loads.
 */
static void probe_kfree_skb_tp(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "btf_trace_kfree_skb", BTF_KIND_TYPEDEF);
	const struct btf_type *t;

	if (id <= 0)
		return;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;		/* pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;	/* func proto */
	if (t && btf_is_func_proto(t) && btf_vlen(t) >= 4) {
		const struct btf_param *pa = btf_params(t);
		const struct btf_type *rt = btf__type_by_id(btf, pa[3].type);

		if (rt && btf_is_enum(rt))
			cache.have |= PT_FEAT_KFREE_SKB_REASON;
	}
	probe_tp_btf(id, PT_FEAT_TP_BTF_KFREE_SKB);
}

/*
 * PT_FEAT_FENTRY_SENDMSG: a 2-instruction fentry program on
 * tcp_sendmsg_locked loads and attaches (kernels without BPF trampolines
 * load it and refuse the attach), then is detached at once.
 */
static void probe_fentry_sendmsg(const struct btf *btf)
{
	int fd = trivial_tracing_prog(btf__find_by_name_kind(btf, "tcp_sendmsg_locked", BTF_KIND_FUNC),
				      BPF_TRACE_FENTRY), lfd;

	if (fd < 0)
		return;
	lfd = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, NULL);
	if (lfd >= 0) {
		cache.have |= PT_FEAT_FENTRY_SENDMSG;
		close(lfd);
	}
	close(fd);
}

/* 1 when /proc/kallsyms names the function sym (kernel text). */
static bool kallsyms_has(const char *sym)
{
	char line[512], name[256], type;
	unsigned long long addr;
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 && (type == 'T' || type == 't') &&
		    !strcmp(name, sym))
			found = true;
	fclose(f);
	return found;
}

static bool helper(enum bpf_prog_type t, enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(t, id, NULL) == 1;
}

const struct pt_features *pt_features_get(void)
{
	struct btf *btf;
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
	if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0)
		cache.have |= PT_FEAT_KPROBE;
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL) == 1)
		cache.have |= PT_FEAT_RAW_TP;
	if (helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_ktime_get_boot_ns))
		cache.have |= PT_FEAT_BOOT_NS_TRACE;
	btf = btf__load_vmlinux_btf();
	if (btf) {
		probe_kfree_skb_tp(btf);
		probe_fentry_sendmsg(btf);
		/* the tracepoint tcp:tcp_sendmsg_locked (6.12 on): the send-tp hook */
		probe_tp_btf(btf__find_by_name_kind(btf, "btf_trace_tcp_sendmsg_locked", BTF_KIND_TYPEDEF),
			     PT_FEAT_TP_SENDMSG);
		btf__free(btf);
	}
	if (kallsyms_has("kfree_skb_reason"))
		cache.have |= PT_FEAT_KFREE_SKB_REASON_FN;
	if (kallsyms_has("tcp_sendmsg_locked"))
		cache.have |= PT_FEAT_SENDMSG_FN;
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

static const char *hook_str(enum pt_hook hook)
{
	return hook == PT_HOOK_TC ? "tc" : hook == PT_HOOK_XDP ? "xdp" : hook == PT_HOOK_DROP ? "drop" : "send";
}

const struct pt_variant *pt_variant_by_prog(const char *prog)
{
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (!strncmp(variants[i].prog, prog, 15) && strlen(prog) == strnlen(variants[i].prog, 15))
			return &variants[i];
	return NULL;
}

const struct pt_variant *pt_variant_by_id(enum pt_prog id)
{
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (variants[i].prog_id == id)
			return &variants[i];
	return NULL;
}

const struct pt_variant *pt_variant_find(enum pt_hook hook, const char *name)
{
	for (size_t i = 0; name && i < sizeof(variants) / sizeof(variants[0]); i++)
		if (variants[i].hook == hook && !strcmp(variants[i].name, name))
			return &variants[i];
	return NULL;
}

char *pt_variant_names(enum pt_hook hook, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return buf;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]) && n < len; i++) {
		if (variants[i].hook != hook)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", variants[i].name);
	}
	return buf;
}

const struct pt_variant *pt_variant_next(const struct pt_variant *v)
{
	const struct pt_features *f = pt_features_get();
	size_t i, n = sizeof(variants) / sizeof(variants[0]);

	if (!v || v < variants || v >= variants + n)
		return NULL;
	for (i = (size_t)(v - variants) + 1; i < n; i++)
		if (variants[i].hook == v->hook && (variants[i].needs & f->have) == variants[i].needs)
			return &variants[i];
	return NULL;
}

int pt_variant_fault_refused(const struct pt_variant *v)
{
	const char *list = getenv("PROVTAP_FAULT_REFUSE"), *p;
	size_t n;

	if (!list || !v)
		return 0;
	n = strlen(v->name);
	for (p = list; *p; p += strcspn(p, ","), p += *p == ',')
		if (!strncmp(p, v->name, n) && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

const char *pt_variant_refusal_hint(const struct pt_variant *v)
{
	return pt_variant_fault_refused(v) ? " (PROVTAP_FAULT_REFUSE)" : " (run with -vv for the verifier log)";
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
			pt_debug("variant %s chosen for %s", v->name, hook_str(hook));
			return v;
		}
	}
	if (force && !last) {
		char names[128];

		pt_err("no %s program variant named '%s'; valid names: %s", hook_str(hook), force,
		       pt_variant_names(hook, names, sizeof(names)));
	} else if (last) {
		pt_err("this kernel cannot run the %s probe: missing %s", last->name,
		       first_missing(last->needs, f->have));
	}
	return NULL;
}
