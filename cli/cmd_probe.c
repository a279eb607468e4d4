// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "common/log.h"
#include "common/units.h"
#include "bpf/pkt.h"
#include "query/filter.h"
#include "loader/features.h"
#include "loader/loader.h"
#include "loader/procs.h"

#define MAX_SPECS 64

static void usage_load(FILE *out)
{
	fprintf(out,
		"usage: provtap probe load (--iface SPEC | --xdp SPEC | --drops | --procs)... [--filter EXPR]\n"
		"                          [--snaplen N] [--ring-mb N] [--fp headers|payload] [--variant NAME]\n"
		"                          [--drop-variant NAME] [--content N] [--proc-ring-mb N] [--proc-variant NAME]\n"
		"                          [--send-variant NAME]\n"
		"                          [--cgroup PATH | --pid-tree PID | --comm NAME | --netns NAME]\n"
		"\n"
		"Attach packet probes, the drop probe and/or the process/FD/socket probes. SPEC is IFNAME[@NETNS][:in|:out|:both][=ALIAS]: NETNS is an\n"
		"`ip netns` name (none: the current namespace); the direction defaults to both for --iface and\n"
		"is in for --xdp (XDP sees ingress only).\n"
		"  --iface SPEC     tc (clsact) probe, ingress and/or egress; repeatable\n"
		"  --xdp SPEC       XDP ingress probe (native if the driver has it, else generic);\n"
		"                   refused if another XDP program is attached; repeatable\n"
		"  --filter EXPR    in-kernel filter (tcpdump subset: host, net, src, dst, port,\n"
		"                   portrange, tcp, udp, icmp, icmp6, ip, ip6, proto, vni, and/or/not)\n"
		"  --snaplen N      also record the first N bytes of each frame (0..256, default 0)\n"
		"  --ring-mb N      packet points' and --drops' ring buffer size in MiB, a power of 2 up to\n"
		"                   2048 (default 64; set when the first of them is loaded)\n"
		"  --fp MODE        fingerprint: headers (default; invariant header fields) or payload\n"
		"                   (NAT-robust: L4 payload only)\n"
		"  --variant NAME   force a program variant (tc; xdp, xdp-direct) instead of probing\n"
		"  --drops          also record kernel drops (skb:kfree_skb: reason, location, netns,\n"
		"                   device, packet identity and fingerprint) into the same ring; --filter\n"
		"                   does not apply to drops (filter them in queries)\n"
		"  --drop-variant NAME  force the drop probe's variant (drop-btf, drop-raw, drop-kprobe)\n"
		"  --procs          process, FD and socket probes (syscall and sched tracepoints): fork,\n"
		"                   exec, exit, socket/connect/accept/close/dup/fcntl/pipe/open..., and\n"
		"                   every read/write/send/recv call with its socket and TCP sequence;\n"
		"                   processes and FDs that already exist are recorded once at load\n"
		"  --content N      with --procs: also record the first N bytes of each data call\n"
		"                   (0..65536, default 0 = metadata only)\n"
		"  --proc-ring-mb N with --procs: their own ring buffer, power of 2 (default 32)\n"
		"  --proc-variant NAME  with --procs: force their program variant (btf-cast, btf, core)\n"
		"                   instead of the best one this kernel loads\n"
		"  --send-variant NAME  with --procs: force the TCP send hook (send-tp, send-fentry,\n"
		"                   send-kprobe: sequence read under the socket lock, exact with\n"
		"                   concurrent senders; send-syscall: at the syscall, concurrent sends\n"
		"                   marked uncertain)\n"
		"  --cgroup PATH    with --procs: only tasks in this cgroup v2 directory or below\n"
		"  --pid-tree PID   with --procs: only PID and its descendants (followed across fork)\n"
		"  --comm NAME      with --procs: only tasks whose command name is NAME\n"
		"  --netns NAME     with --procs: only tasks in network namespace NAME (`ip netns`) or\n"
		"                   a namespace file path\n"
		"All or nothing: if one point fails, the points this command attached are removed.\n"
		"\nexamples:\n"
		"  provtap probe load --iface veth1@tenant-a:both --iface br0:in --xdp eth0\n"
		"  provtap probe load --iface eth0:in --filter 'tcp and not port 22' --snaplen 128\n"
		"  provtap probe load --drops\n"
		"  provtap probe load --procs --content 4096 --pid-tree 1234\n");
}

static void usage_unload(FILE *out)
{
	fprintf(out,
		"usage: provtap probe unload (--iface SPEC | --xdp SPEC | --drops | --procs)... | --all\n"
		"\n"
		"SPEC as for load (the hook must match: --xdp for XDP points), or =ALIAS.\n"
		"Detach probes. Only what provtap created is removed: its tc filters (if still its\n"
		"own), clsact qdiscs it created when no other filter uses them, XDP links. --all also\n"
		"removes the maps and pins (and with them records not yet collected). --drops removes\n"
		"the drop probe, --procs the process/FD/socket probes; --all does both too.\n"
		"\nexamples:\n"
		"  provtap probe unload --iface veth1@tenant-a        # both directions\n"
		"  provtap probe unload --all\n");
}

static void usage_filter(FILE *out)
{
	fprintf(out,
		"usage: provtap probe filter ((--iface SPEC | --xdp SPEC)... | --all) EXPR\n"
		"\n"
		"Replace the in-kernel filter of loaded points atomically while they run.\n"
		"SPEC as for load (the hook must match: --xdp for XDP points), or =ALIAS.\n"
		"An empty EXPR ('') records everything again.\n"
		"\nexamples:\n"
		"  provtap probe filter --all 'udp port 53 or icmp'\n"
		"  provtap probe filter --iface veth1@tenant-a:in ''\n");
}

static void usage_status(FILE *out)
{
	fprintf(out,
		"usage: provtap probe status [--json]\n"
		"\n"
		"Capture points, the program variant chosen, counters (seen, filtered, recorded,\n"
		"ring-buffer drops, truncated), filters, ring buffer use and kernel features.\n"
		"Exit status 1 when what is loaded cannot be read (e.g. probes loaded by another\n"
		"provtap version, whose maps have another layout: unload them with that version,\n"
		"or `provtap probe unload --all`).\n");
}

void usage_probe(FILE *out)
{
	fprintf(out, "usage: provtap probe load|status|filter|unload ...\n\n");
	usage_load(out);
	fputc('\n', out);
	usage_status(out);
	fputc('\n', out);
	usage_filter(out);
	fputc('\n', out);
	usage_unload(out);
}

enum { OPT_IFACE = 256, OPT_XDP, OPT_FILTER, OPT_SNAPLEN, OPT_RING, OPT_FP, OPT_VARIANT, OPT_ALL, OPT_JSON,
       OPT_DROPS, OPT_DROP_VARIANT, OPT_PROCS, OPT_CONTENT, OPT_PROC_RING, OPT_CGROUP, OPT_PIDTREE, OPT_COMM,
       OPT_NETNS, OPT_PROC_VARIANT, OPT_SEND_VARIANT };

static const struct option long_opts[] = {
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "xdp", required_argument, NULL, OPT_XDP },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "ring-mb", required_argument, NULL, OPT_RING },
	{ "fp", required_argument, NULL, OPT_FP },
	{ "variant", required_argument, NULL, OPT_VARIANT },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "drops", no_argument, NULL, OPT_DROPS },
	{ "drop-variant", required_argument, NULL, OPT_DROP_VARIANT },
	{ "procs", no_argument, NULL, OPT_PROCS },
	{ "content", required_argument, NULL, OPT_CONTENT },
	{ "proc-ring-mb", required_argument, NULL, OPT_PROC_RING },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "pid-tree", required_argument, NULL, OPT_PIDTREE },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "proc-variant", required_argument, NULL, OPT_PROC_VARIANT },
	{ "send-variant", required_argument, NULL, OPT_SEND_VARIANT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct probe_args {
	struct pt_point_spec specs[MAX_SPECS];
	int nspecs;
	const char *filter;
	bool filter_set, snaplen_set, fp_set;
	__u64 snaplen, ring_mb;
	int fp_mode;
	const char *variant, *drop_variant;
	bool all, json, drops, procs, content_set;
	struct pt_procs_opts po;
	int nscopes;
	__u64 content, proc_ring_mb;
	char prog[32];	/* "provtap probe load": the prefix of every message */
};

/* Parse options allowed by `allowed` (a string of OPT_ codes as chars). 0 ok, else exit code. */
static int parse(int argc, char **argv, struct probe_args *a, const char *allowed, void (*usage)(FILE *))
{
	char err[160];
	int c;

	memset(a, 0, sizeof(*a));
	snprintf(a->prog, sizeof(a->prog), "provtap probe %s", argv[0]);
	argv[0] = a->prog;	/* getopt's own messages: "provtap probe load: unrecognized option ..." */
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		if (c == '?' || !strchr(allowed, c - OPT_IFACE + 'a')) {
			if (c != '?')
				fprintf(stderr, "%s: option --%s does not apply here\n", a->prog,
					long_opts[c - OPT_IFACE].name);
			fprintf(stderr, "try `%s --help`\n", a->prog);
			return PT_EXIT_USAGE;
		}
		switch (c) {
		case OPT_IFACE:
		case OPT_XDP:
			if (a->nspecs == MAX_SPECS) {
				fprintf(stderr, "%s: at most %d --iface/--xdp per command\n", a->prog, MAX_SPECS);
				return PT_EXIT_USAGE;
			}
			if (pt_point_spec_parse(optarg, c == OPT_XDP ? PT_HOOK_XDP : PT_HOOK_TC,
						&a->specs[a->nspecs], err, sizeof(err))) {
				fprintf(stderr, "%s: bad capture point '%s': %s\n", a->prog, optarg, err);
				return PT_EXIT_USAGE;
			}
			a->nspecs++;
			break;
		case OPT_FILTER:
			a->filter = optarg;
			a->filter_set = true;
			break;
		case OPT_SNAPLEN:
			if (pt_parse_u64(optarg, 0, PT_SNAP_MAX, &a->snaplen)) {
				fprintf(stderr, "%s: --snaplen takes 0..%d, not '%s'\n", a->prog, PT_SNAP_MAX,
					optarg);
				return PT_EXIT_USAGE;
			}
			a->snaplen_set = true;
			break;
		case OPT_RING:
			if (pt_parse_u64(optarg, 1, 2048, &a->ring_mb) || (a->ring_mb & (a->ring_mb - 1))) {
				fprintf(stderr, "%s: --ring-mb takes a power of 2 from 1 to 2048, not '%s'\n",
					a->prog, optarg);
				return PT_EXIT_USAGE;
			}
			break;
		case OPT_FP:
			if (!strcmp(optarg, "headers"))
				a->fp_mode = PT_FP_HEADERS;
			else if (!strcmp(optarg, "payload"))
				a->fp_mode = PT_FP_PAYLOAD;
			else {
				fprintf(stderr, "%s: --fp takes headers or payload, not '%s'\n", a->prog, optarg);
				return PT_EXIT_USAGE;
			}
			a->fp_set = true;
			break;
		case OPT_VARIANT:
			a->variant = optarg;
			break;
		case OPT_ALL:
			a->all = true;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_DROPS:
			a->drops = true;
			break;
		case OPT_DROP_VARIANT:
			a->drop_variant = optarg;
			break;
		case OPT_PROCS:
			a->procs = true;
			break;
		case OPT_CONTENT:
			if (pt_parse_u64(optarg, 0, PT_CONTENT_MAX, &a->content)) {
				fprintf(stderr, "%s: --content takes 0..%d bytes, not '%s'\n", a->prog,
					PT_CONTENT_MAX, optarg);
				return PT_EXIT_USAGE;
			}
			a->content_set = true;
			a->po.content = (__u32)a->content;
			break;
		case OPT_PROC_RING:
			if (pt_parse_u64(optarg, 1, 2048, &a->proc_ring_mb) ||
			    (a->proc_ring_mb & (a->proc_ring_mb - 1))) {
				fprintf(stderr, "%s: --proc-ring-mb takes a power of 2 from 1 to 2048, not '%s'\n",
					a->prog, optarg);
				return PT_EXIT_USAGE;
			}
			a->po.ring_bytes = a->proc_ring_mb << 20;
			break;
		case OPT_CGROUP:
			a->po.scope = PT_SCOPE_CGROUP;
			a->po.cgroup = optarg;
			a->nscopes++;
			break;
		case OPT_PIDTREE: {
			__u64 pid;

			if (pt_parse_u64(optarg, 1, 0x7fffffff, &pid)) {
				fprintf(stderr, "%s: --pid-tree takes a process id, not '%s'\n", a->prog, optarg);
				return PT_EXIT_USAGE;
			}
			a->po.scope = PT_SCOPE_PIDTREE;
			a->po.pid = (__u32)pid;
			a->nscopes++;
			break;
		}
		case OPT_COMM:
			a->po.scope = PT_SCOPE_COMM;
			a->po.comm = optarg;
			a->nscopes++;
			break;
		case OPT_NETNS:
			a->po.scope = PT_SCOPE_NETNS;
			a->po.netns = optarg;
			a->nscopes++;
			break;
		case OPT_PROC_VARIANT:
			a->po.variant = optarg;
			break;
		case OPT_SEND_VARIANT:
			a->po.send_variant = optarg;
			break;
		}
	}
	return 0;
}

#define A(o) ((char)((o) - OPT_IFACE + 'a'))

/*
 * A filter the kernel can take? Checked here, before any privilege or probe is needed, so
 * that a malformed one is a usage error (2) like everywhere else. 0, or an exit code.
 */
static int check_filter(const char *prog, const char *expr)
{
	static struct pt_policy pol;
	struct pt_filter_err fe = {};
	struct pt_filter *f = NULL;
	int err;

	if (!expr || !*expr)
		return 0;
	err = pt_filter_parse(expr, &f, &fe);
	if (!err)
		err = pt_filter_compile(f, &pol, &fe);
	pt_filter_free(f);
	if (!err)
		return 0;
	fprintf(stderr, "%s: filter: %s at position %d:\n  %s\n  %*s^\n", prog, fe.msg, fe.pos + 1, expr, fe.pos,
		"");
	return err == -ENOMEM ? PT_EXIT_FAIL : PT_EXIT_USAGE;
}

/* Nothing may be left after the options (but what the command takes). 0, or PT_EXIT_USAGE. */
static int no_more_args(const struct probe_args *a, int argc, char **argv, const char *hint)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "%s: unexpected argument '%s'%s\n", a->prog, argv[optind], hint);
	return PT_EXIT_USAGE;
}

/*
 * Options only packet points use, given without one (--procs and/or --drops alone), would be
 * ignored: refused instead. --ring-mb and --fp serve --drops too (its records go to the packet
 * ring, with their fingerprint). 0, or PT_EXIT_USAGE naming the option.
 */
static int check_packet_opts(const struct probe_args *a)
{
	const char *opt = a->filter_set ? "--filter" : a->snaplen_set ? "--snaplen" :
			  a->variant ? "--variant" : NULL;

	if (a->nspecs)
		return 0;
	if (opt) {
		fprintf(stderr, "%s: %s applies to packet points (--iface/--xdp)%s\n", a->prog, opt,
			a->filter_set && a->drops ? "; drops are filtered in queries" : "");
		return PT_EXIT_USAGE;
	}
	opt = a->drops ? NULL : a->ring_mb ? "--ring-mb" : a->fp_set ? "--fp" : NULL;
	if (!opt)
		return 0;
	fprintf(stderr, "%s: %s applies to packet points (--iface/--xdp) and --drops%s\n", a->prog, opt,
		a->ring_mb ? " (the proc probes' ring is sized by --proc-ring-mb)" : "");
	return PT_EXIT_USAGE;
}

/*
 * name (NULL: not given) a variant of hook (hname: "tc", "xdp", "drop", "send") in the
 * loader's table? Checked here so that a typo is a usage error before the privilege check and
 * the feature probe (pt_variant_pick checks again). 0, or PT_EXIT_USAGE listing the names.
 */
static int check_variant(const char *prog, const char *opt, enum pt_hook hook, const char *hname,
			 const char *name)
{
	char names[128];

	if (!name || pt_variant_find(hook, name))
		return 0;
	fprintf(stderr, "%s: %s: no %s program variant named '%s'; valid names: %s\n", prog, opt, hname, name,
		pt_variant_names(hook, names, sizeof(names)));
	return PT_EXIT_USAGE;
}

/*
 * --variant forces one program on every packet point, so the points must share a hook, and the
 * name must be one of that hook's variants. 0, or PT_EXIT_USAGE.
 */
static int check_packet_variant(const struct probe_args *a)
{
	bool tc = false, xdp = false;
	char names[128];

	if (!a->variant)
		return 0;
	for (int i = 0; i < a->nspecs; i++) {
		tc = tc || a->specs[i].hook == PT_HOOK_TC;
		xdp = xdp || a->specs[i].hook == PT_HOOK_XDP;
	}
	if (tc && xdp) {
		fprintf(stderr, "%s: --variant forces one program on every point: load --iface and --xdp points "
				"with separate commands\n", a->prog);
		return PT_EXIT_USAGE;
	}
	if (tc && pt_variant_find(PT_HOOK_XDP, a->variant)) {
		fprintf(stderr, "%s: --variant '%s' is for --xdp points; --iface points take: %s\n", a->prog,
			a->variant, pt_variant_names(PT_HOOK_TC, names, sizeof(names)));
		return PT_EXIT_USAGE;
	}
	if (xdp && pt_variant_find(PT_HOOK_TC, a->variant)) {
		fprintf(stderr, "%s: --variant '%s' is for --iface points; --xdp points take: %s\n", a->prog,
			a->variant, pt_variant_names(PT_HOOK_XDP, names, sizeof(names)));
		return PT_EXIT_USAGE;
	}
	return tc ? check_variant(a->prog, "--variant", PT_HOOK_TC, "tc", a->variant)
		  : check_variant(a->prog, "--variant", PT_HOOK_XDP, "xdp", a->variant);
}

/* Every variant name given (--variant, --drop-variant, --proc-variant, --send-variant). 0, or PT_EXIT_USAGE. */
static int check_variants(const struct probe_args *a)
{
	char names[128];
	int rc;

	rc = check_packet_variant(a);
	if (!rc)
		rc = check_variant(a->prog, "--drop-variant", PT_HOOK_DROP, "drop", a->drop_variant);
	if (!rc)
		rc = check_variant(a->prog, "--send-variant", PT_HOOK_SEND, "send", a->po.send_variant);
	if (!rc && a->po.variant && !pt_procs_variant_known(a->po.variant)) {
		fprintf(stderr, "%s: --proc-variant: no program variant '%s'; valid names: %s\n", a->prog,
			a->po.variant, pt_procs_variant_names(names, sizeof(names)));
		rc = PT_EXIT_USAGE;
	}
	return rc;
}

/*
 * The --comm and --pid-tree scopes, checked before any privilege is needed so that a bad one is
 * a usage error (the loader checks again when it loads). 0, or PT_EXIT_USAGE.
 */
static int check_scope(const struct probe_args *a)
{
	size_t n;
	int tgid;

	switch (a->po.scope) {
	case PT_SCOPE_COMM:
		n = strlen(a->po.comm);
		if (n && n < PT_COMM_LEN)
			return 0;
		fprintf(stderr, "%s: --comm '%s': give a command name of 1 to %d characters (the kernel's "
				"TASK_COMM_LEN - 1, as in /proc/PID/comm)\n", a->prog, a->po.comm, PT_COMM_LEN - 1);
		return PT_EXIT_USAGE;
	case PT_SCOPE_PIDTREE:
		tgid = pt_task_tgid(a->po.pid);
		if (tgid == -ENOENT) {
			fprintf(stderr, "%s: --pid-tree %u: no process %u (no such process)\n", a->prog, a->po.pid,
				a->po.pid);
			return PT_EXIT_USAGE;
		}
		if (tgid > 0 && (__u32)tgid != a->po.pid) {
			fprintf(stderr, "%s: --pid-tree %u: a thread of process %d; give the process id (the tree "
				"is followed by process)\n", a->prog, a->po.pid, tgid);
			return PT_EXIT_USAGE;
		}
		return 0;	/* another error: the loader says what is wrong */
	default:
		return 0;
	}
}

static int probe_load(int argc, char **argv)
{
	const char allowed[] = { A(OPT_IFACE), A(OPT_XDP), A(OPT_FILTER), A(OPT_SNAPLEN), A(OPT_RING), A(OPT_FP),
				 A(OPT_VARIANT), A(OPT_DROPS), A(OPT_DROP_VARIANT), A(OPT_PROCS), A(OPT_CONTENT),
				 A(OPT_PROC_RING), A(OPT_CGROUP), A(OPT_PIDTREE), A(OPT_COMM), A(OPT_NETNS), A(OPT_PROC_VARIANT), A(OPT_SEND_VARIANT), 0 };
	struct probe_args a;
	struct pt_load_opts o = {};
	int rc = parse(argc, argv, &a, allowed, usage_load);

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = no_more_args(&a, argc, argv, " (filters go in --filter)");
	if (rc)
		return rc;
	if (!a.nspecs && !a.drops && !a.procs) {
		fprintf(stderr, "provtap probe load: name at least one --iface, --xdp, --drops or --procs\n");
		return PT_EXIT_USAGE;
	}
	if (!a.procs && (a.nscopes || a.content_set || a.proc_ring_mb || a.po.variant || a.po.send_variant)) {
		fprintf(stderr, "provtap probe load: --content, --proc-ring-mb, --proc-variant, --send-variant, --cgroup, "
				"--pid-tree, --comm and --netns need --procs\n");
		return PT_EXIT_USAGE;
	}
	if (a.nscopes > 1) {
		fprintf(stderr, "provtap probe load: give at most one of --cgroup, --pid-tree, --comm, --netns\n");
		return PT_EXIT_USAGE;
	}
	if (a.drop_variant && !a.drops) {
		fprintf(stderr, "provtap probe load: --drop-variant needs --drops\n");
		return PT_EXIT_USAGE;
	}
	rc = check_packet_opts(&a);
	if (!rc)
		rc = check_variants(&a);
	if (!rc)
		rc = check_scope(&a);
	if (!rc)
		rc = check_filter(a.prog, a.filter);
	if (rc)
		return rc;
	o.specs = a.specs;
	o.nspecs = a.nspecs;
	o.filter = a.filter;
	o.snaplen = (__u16)a.snaplen;
	o.ring_bytes = a.ring_mb << 20;
	o.fp_mode = (__u8)a.fp_mode;
	o.variant = a.variant;
	o.drops = a.drops;
	o.drop_variant = a.drop_variant;
	o.procs = a.procs ? &a.po : NULL;
	return pt_probe_load(&o) ? PT_EXIT_FAIL : 0;
}

static int probe_unload(int argc, char **argv)
{
	const char allowed[] = { A(OPT_IFACE), A(OPT_XDP), A(OPT_ALL), A(OPT_DROPS), A(OPT_PROCS), 0 };
	struct probe_args a;
	int rc = parse(argc, argv, &a, allowed, usage_unload);

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = no_more_args(&a, argc, argv, "");
	if (rc)
		return rc;
	if ((!a.all && !a.nspecs && !a.drops && !a.procs) ||
	    (a.all && (a.nspecs || a.drops || a.procs))) {
		fprintf(stderr, "provtap probe unload: give --iface/--xdp SPEC..., --drops and/or --procs, or --all\n");
		return PT_EXIT_USAGE;
	}
	rc = 0;
	if (a.drops && pt_probe_unload_drops())
		rc = PT_EXIT_FAIL;
	if (a.procs && pt_probe_unload_procs())
		rc = PT_EXIT_FAIL;
	if ((a.nspecs || a.all) && pt_probe_unload(a.specs, a.nspecs, a.all))
		rc = PT_EXIT_FAIL;
	return rc;
}

static int probe_filter(int argc, char **argv)
{
	const char allowed[] = { A(OPT_IFACE), A(OPT_XDP), A(OPT_ALL), 0 };
	struct probe_args a;
	const char *expr;
	int rc = parse(argc, argv, &a, allowed, usage_filter);

	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind >= argc || (!a.all && !a.nspecs) || (a.all && a.nspecs)) {
		fprintf(stderr, "provtap probe filter: give --iface/--xdp SPEC... or --all, then one EXPR "
				"('' to clear)\n");
		return PT_EXIT_USAGE;
	}
	expr = argv[optind++];
	rc = no_more_args(&a, argc, argv, " (one EXPR: quote it)");
	if (rc)
		return rc;
	rc = check_filter(a.prog, expr);
	if (rc)
		return rc;
	return pt_probe_filter(a.specs, a.nspecs, a.all, expr) ? PT_EXIT_FAIL : 0;
}

static int probe_status(int argc, char **argv)
{
	const char allowed[] = { A(OPT_JSON), 0 };
	struct probe_args a;
	int rc = parse(argc, argv, &a, allowed, usage_status);

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = no_more_args(&a, argc, argv, "");
	if (rc)
		return rc;
	return pt_probe_status(stdout, a.json) ? PT_EXIT_FAIL : 0;
}

static const struct pt_cmd probe_cmds[] = {
	{ "load", probe_load, NULL, NULL },
	{ "status", probe_status, NULL, NULL },
	{ "filter", probe_filter, NULL, NULL },
	{ "unload", probe_unload, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

int cmd_probe(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage_probe(stdout);
		return 0;
	}
	return pt_cmd_dispatch(probe_cmds, "provtap probe", argc, argv);
}
