// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* query_drops.c — `provtap query drops`: the kernel drops (struct pt_drop) in a store. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/query.h"
#include "common/units.h"
#include "query/dropnames.h"
#include "query/format.h"

enum { DO_BY = 3000, DO_REASON };

#define MAX_GROUPS 4096

struct drops_args {
	bool by_reason;
	long reason;		/* only this reason value; -1 = all */
};

/* One --by reason row: reason, location and netns of the drop. */
struct group {
	__u32 reason;
	__u64 location;
	__u64 netns_ino;
	__u64 count;
	__u64 first_ts, last_ts;	/* boottime ns */
};

static void usage_drops(FILE *out)
{
	fprintf(out,
		"usage: provtap query drops [EXPR] [--by reason] [--reason R] [--since T] [--until T]\n"
		"                           [--store DIR] [--json|--csv]\n"
		"\n"
		"Kernel drops recorded by the drop probe (`provtap probe load --drops`), one row each:\n"
		"time, reason (enum skb_drop_reason, named from this kernel's BTF), location (the kernel\n"
		"function that freed the packet, from /proc/kallsyms), netns inode, device (ifindex; the\n"
		"name when a capture point of that netns and ifindex is in the store), protocol, source,\n"
		"destination and the packet's fingerprint, which is the one its packet records carry at\n"
		"the capture points. EXPR applies to the dropped packet's headers (`point` never matches).\n"
		"Names are resolved by the kernel reading the store: read a store of another host or boot\n"
		"and reasons/locations may be wrong (the raw values are in --json).\n"
		"\n"
		"  --by reason      one row per reason, location and netns, with counts\n"
		"  --reason R       only drops with this reason: a name (NETFILTER_DROP, or SKB_DROP_REASON_...),\n"
		"                   or its code as the tables print it (the CODE, reason#N, subsys#S:N)\n"
		"\n"
		"examples:\n"
		"  provtap query drops 'udp and port 9000'\n"
		"  provtap query drops 'host 10.0.3.2' --by reason --since -5m\n"
		"  provtap query drops --reason NETFILTER_DROP --json\n"
		"\nExit status: 0 answered (also with no drops), 1 the store cannot be read, 2 usage.\n");
}

static int on_opt(void *ctx, int opt, const char *arg)
{
	struct drops_args *a = ctx;

	switch (opt) {
	case DO_BY:
		if (strcmp(arg, "reason")) {
			fprintf(stderr, "provtap query drops: --by takes reason, not '%s'\n", arg);
			return PT_EXIT_USAGE;
		}
		a->by_reason = true;
		return 0;
	case DO_REASON:
		a->reason = pt_drop_reason_value(arg);
		if (a->reason < 0) {
			fprintf(stderr, "provtap query drops: this kernel names no drop reason '%s' (a code works too: "
				"N, reason#N or subsys#S:N as the tables print it)\n", arg);
			return PT_EXIT_USAGE;
		}
		return 0;
	default:
		return PT_EXIT_USAGE;
	}
}

/* Protocol of a drop's packet; "-" when it is not IP. */
static const char *proto_str(const struct pt_pkt *p, char *buf, size_t len)
{
	return p->flags & (PT_PF_IPV4 | PT_PF_IPV6) ? pt_fmt_proto(p->l4proto, buf, len) : "-";
}

static void row_drop(struct pt_table *t, const struct pt_scan *s, const struct pt_drop *d)
{
	const struct pt_pkt *p = &d->pkt;
	const struct pt_point_info *dev = pt_view_dev(pt_scan_view(s), d->netns_ino, d->ifindex);
	bool ip = p->flags & (PT_PF_IPV4 | PT_PF_IPV6), v6 = p->flags & PT_PF_IPV6;
	bool ports = ip && (p->flags & PT_PF_L4) && (p->l4proto == 6 || p->l4proto == 17);
	char buf[128], fp[24];

	pt_table_row(t);
	pt_view_fmt_time(pt_scan_view(s), p->ts_ns, buf, sizeof(buf));
	pt_table_str(t, buf);
	pt_table_str(t, pt_drop_reason_name(d->reason, buf, sizeof(buf)));
	pt_table_u64(t, d->reason);
	pt_table_str(t, pt_drop_location_name(d->location, buf, sizeof(buf)));
	if (d->netns_ino)
		pt_table_u64(t, d->netns_ino);
	else
		pt_table_null(t);
	if (dev && dev->netns[0])
		pt_table_str(t, dev->netns);
	else
		pt_table_null(t);
	if (d->ifindex)
		pt_table_u64(t, d->ifindex);
	else
		pt_table_null(t);
	if (dev)
		pt_table_str(t, dev->ifname);
	else
		pt_table_null(t);
	pt_table_str(t, proto_str(p, buf, sizeof(buf)));
	if (ip) {
		pt_table_str(t, pt_fmt_addr(p->saddr, v6, buf, sizeof(buf)));
		pt_table_str(t, pt_fmt_addr(p->daddr, v6, buf, sizeof(buf)));
	} else {
		pt_table_null(t);
		pt_table_null(t);
	}
	if (ports) {
		pt_table_u64(t, p->sport);
		pt_table_u64(t, p->dport);
	} else {
		pt_table_null(t);
		pt_table_null(t);
	}
	pt_table_u64(t, p->wire_len);
	snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)p->fp);
	pt_table_str(t, fp);
}

static int group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

int query_drops(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "by", required_argument, NULL, DO_BY },
		{ "reason", required_argument, NULL, DO_REASON },
		{ NULL, 0, NULL, 0 },
	};
	struct drops_args a = { .reason = -1 };
	struct group *groups = NULL;
	size_t ngroups = 0;
	struct pt_scan *s = NULL;
	struct pt_table *t = NULL;
	const struct pt_rec_hdr *h;
	struct pt_qopts q;
	__u64 ndrops = 0, corrupt = 0, ring_lost = 0;
	char err[256], buf[128];
	int rc;

	rc = pt_qopts_parse(argc, argv, &q, extra, on_opt, &a, usage_drops);
	if (rc)
		return rc < 0 ? 0 : rc;
	q.scan.drops = true;
	rc = pt_scan_open(&q.scan, &s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap query drops: %s\n", err);
		return rc == -EINVAL ? PT_EXIT_USAGE : PT_EXIT_FAIL;
	}
	if (a.by_reason) {
		groups = calloc(MAX_GROUPS, sizeof(*groups));
		if (!groups) {
			fprintf(stderr, "provtap query drops: out of memory\n");
			pt_scan_close(s);
			return PT_EXIT_FAIL;
		}
	}
	t = pt_table_new(q.fmt, a.by_reason ? "kernel drops by reason, location and netns" : "kernel drops");
	if (!t) {
		free(groups);
		pt_scan_close(s);
		return PT_EXIT_FAIL;
	}
	if (a.by_reason) {
		pt_table_col(t, "reason", "REASON", false);
		pt_table_col(t, "reason_code", "CODE", true);
		pt_table_col(t, "location", "LOCATION", false);
		pt_table_col(t, "netns_ino", "NETNS", true);
		pt_table_col(t, "drops", "DROPS", true);
		pt_table_col(t, "first", "FIRST", false);
		pt_table_col(t, "last", "LAST", false);
	} else {
		pt_table_col(t, "ts", "TIME", false);
		pt_table_col(t, "reason", "REASON", false);
		pt_table_col(t, "reason_code", "CODE", true);
		pt_table_col(t, "location", "LOCATION", false);
		pt_table_col(t, "netns_ino", "NETNS", true);
		pt_table_col(t, "netns", "NETNS NAME", false);
		pt_table_col(t, "ifindex", "IFINDEX", true);
		pt_table_col(t, "dev", "DEV", false);
		pt_table_col(t, "proto", "PROTO", false);
		pt_table_col(t, "src", "SRC", false);
		pt_table_col(t, "dst", "DST", false);
		pt_table_col(t, "sport", "SPORT", true);
		pt_table_col(t, "dport", "DPORT", true);
		pt_table_col(t, "len", "LEN (B)", true);
		pt_table_col(t, "fp", "FP", false);
	}
	while ((rc = pt_scan_next(s, &h)) == 1) {
		const struct pt_drop *d = (const void *)h;

		if (h->type == PT_REC_LOSS) {
			ring_lost += ((const struct pt_loss_rec *)h)->lost;
			continue;
		}
		if (h->type != PT_REC_DROP || (a.reason >= 0 && d->reason != (__u32)a.reason))
			continue;
		ndrops++;
		if (!a.by_reason) {
			row_drop(t, s, d);
			continue;
		}
		size_t i;

		for (i = 0; i < ngroups; i++)
			if (groups[i].reason == d->reason && groups[i].location == d->location &&
			    groups[i].netns_ino == d->netns_ino)
				break;
		if (i == ngroups) {
			if (ngroups == MAX_GROUPS)
				continue;	/* reported below: counts are then partial */
			groups[ngroups++] = (struct group){ d->reason, d->location, d->netns_ino, 0,
							    d->pkt.ts_ns, d->pkt.ts_ns };
		}
		groups[i].count++;
		if (d->pkt.ts_ns > groups[i].last_ts)
			groups[i].last_ts = d->pkt.ts_ns;
	}
	if (rc < 0) {	/* no table: the rows so far would pass for all of them */
		fprintf(stderr, "provtap query drops: reading the store %s: %s\n", q.store_dir, strerror(-rc));
		pt_table_free(t);
		rc = PT_EXIT_FAIL;
		goto out;
	}
	if (a.by_reason) {
		qsort(groups, ngroups, sizeof(*groups), group_cmp);
		for (size_t i = 0; i < ngroups; i++) {
			pt_table_row(t);
			pt_table_str(t, pt_drop_reason_name(groups[i].reason, buf, sizeof(buf)));
			pt_table_u64(t, groups[i].reason);
			pt_table_str(t, pt_drop_location_name(groups[i].location, buf, sizeof(buf)));
			pt_table_u64(t, groups[i].netns_ino);
			pt_table_u64(t, groups[i].count);
			pt_view_fmt_time(pt_scan_view(s), groups[i].first_ts, buf, sizeof(buf));
			pt_table_str(t, buf);
			pt_view_fmt_time(pt_scan_view(s), groups[i].last_ts, buf, sizeof(buf));
			pt_table_str(t, buf);
		}
		if (ngroups == MAX_GROUPS)
			pt_table_note(t, "partial: more than %d reason/location/netns groups; the rest are not shown",
				      MAX_GROUPS);
	}
	pt_table_note(t, "%llu drop(s); reasons and locations named by the running kernel",
		      (unsigned long long)ndrops);
	if (ring_lost)
		pt_table_note(t, "incomplete: %llu record(s) of matching or other probes were lost in the ring "
			      "buffer (LOSS records)", (unsigned long long)ring_lost);
	if (pt_scan_partial(s, &corrupt))
		pt_table_note(t, "partial: %llu corrupt region(s) of the store were skipped",
			      (unsigned long long)corrupt);
	pt_table_print(t, stdout);
	rc = 0;
out:
	free(groups);
	pt_scan_close(s);
	return rc;
}
