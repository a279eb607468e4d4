// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "common/log.h"
#include "common/units.h"
#include "loader/drops.h"
#include "loader/features.h"
#include "loader/loader.h"
#include "loader/pins.h"
#include "loader/procs.h"
#include "query/json.h"

long long pt_ring_backlog(int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	struct bpf_map_info ri = {};
	__u32 rlen = sizeof(ri), size;
	unsigned long *cons, *prod;
	long long used;

	if (bpf_obj_get_info_by_fd(fd, &ri, &rlen))
		return -1;
	size = ri.max_entries;
	cons = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
	if (cons == MAP_FAILED)
		return -1;
	prod = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, page);
	if (prod == MAP_FAILED) {
		munmap(cons, (size_t)page);
		return -1;
	}
	used = (long long)(__atomic_load_n(prod, __ATOMIC_ACQUIRE) - __atomic_load_n(cons, __ATOMIC_ACQUIRE));
	munmap(cons, (size_t)page);
	munmap(prod, (size_t)page);
	return used > (long long)size ? (long long)size : used;
}

static const char *hook_name(const struct pt_point_info *p)
{
	if (p->hook == PT_HOOK_TC)
		return "tc";
	return p->xdp_mode == PT_XDP_NATIVE ? "xdp/native" : "xdp/generic";
}

/* The drop probe's line (or "drops" object), after the points. */
static void drops_status(FILE *out, bool json)
{
	struct pt_drops_state d;
	int err = pt_drops_state(&d);

	if (err)
		pt_warn("cannot read the drop probe's state: %s", strerror(-err));
	if (json) {
		fprintf(out, ",\"drops\":{\"loaded\":%s", d.loaded ? "true" : "false");
		if (d.loaded)
			fprintf(out, ",\"variant\":\"%s\",\"prog_id\":%u,\"seen\":%llu,\"skipped\":%llu,"
				"\"recorded\":%llu,\"ring_drops\":%llu,\"read_fail\":%llu", d.variant, d.prog_id,
				(unsigned long long)d.st.seen, (unsigned long long)d.st.skipped,
				(unsigned long long)d.st.emitted, (unsigned long long)d.st.ring_fail,
				(unsigned long long)d.st.read_fail);
		fputc('}', out);
		return;
	}
	if (!d.loaded) {
		fprintf(out, "\ndrop probe: not loaded (`provtap probe load --drops`)\n");
		return;
	}
	fprintf(out, "\ndrop probe  skb:kfree_skb, variant %s (prog %u)\n", d.variant, d.prog_id);
	fprintf(out, "  %12s %12s %12s %10s %10s\n", "SEEN", "NOT-DROPS", "RECORDED", "RINGDROP", "READFAIL");
	fprintf(out, "  %12llu %12llu %12llu %10llu %10llu\n", (unsigned long long)d.st.seen,
		(unsigned long long)d.st.skipped, (unsigned long long)d.st.emitted,
		(unsigned long long)d.st.ring_fail, (unsigned long long)d.st.read_fail);
	if (d.st.ring_fail)
		fprintf(out, "  ^ %llu drop record(s) lost: ring buffer full; reload with a larger --ring-mb or keep "
			"the collector running\n", (unsigned long long)d.st.ring_fail);
}

/* Why a family's state cannot be read, from -errno. */
static const char *why(int err)
{
	if (err == -EPROTO)
		return "loaded by another provtap version (its maps' layout is not this one's)";
	if (err == -ENOENT)
		return "one of its pinned maps is missing (a family half loaded or half removed; "
		       "`provtap probe unload --all` removes what is left)";
	return strerror(-err);
}

/*
 * The proc family (p, read by pt_procs_state, which returned err): scope,
 * content, attachments, counters per category; when loaded but unreadable,
 * only that and why (JSON: "error"). Returns err.
 */
static int procs_status(FILE *out, bool json, const struct pt_procs_state *p, int err)
{
	if (json) {
		fprintf(out, ",\"procs\":{\"loaded\":%s", p->loaded ? "true" : "false");
		if (p->loaded && err) {
			fprintf(out, ",\"error\":");
			pt_json_str(out, why(err));
		} else if (p->loaded) {
			fprintf(out, ",\"scope\":");
			pt_json_str(out, p->scope);
			fprintf(out, ",\"variant\":\"%s\",\"send_variant\":\"%s\",\"content\":%u,\"tracepoints\":%d,"
				"\"content_inet_only\":%s,\"content_per_connection\":%llu,\"ring_bytes\":%llu,"
				"\"ring_backlog_bytes\":%lld,\"categories\":{",
				p->variant, p->send_variant, p->cfg.content_max, p->links,
				p->cfg.content_flags & PT_CONTENT_INET ? "true" : "false",
				(unsigned long long)p->cfg.conn_content_max,
				(unsigned long long)p->ring_bytes, (long long)p->backlog);
			for (int i = 0; i < PT_PC_MAX; i++)
				fprintf(out, "%s\"%s\":{\"seen\":%llu,\"out_of_scope\":%llu,\"recorded\":%llu,"
					"\"ring_drops\":%llu,\"noargs\":%llu,\"faults\":%llu,\"truncated\":%llu}",
					i ? "," : "", pt_proc_cat_name(i), (unsigned long long)p->st[i].seen,
					(unsigned long long)p->st[i].out_of_scope, (unsigned long long)p->st[i].emitted,
					(unsigned long long)p->st[i].ring_fail, (unsigned long long)p->st[i].noargs,
					(unsigned long long)p->st[i].fault, (unsigned long long)p->st[i].trunc);
			fputc('}', out);
		}
		fputc('}', out);
		return p->loaded ? err : 0;
	}
	if (!p->loaded) {
		fprintf(out, "\nproc probes: not loaded (`provtap probe load --procs`)\n");
		return 0;
	}
	if (err) {
		fprintf(out, "\nproc probes: loaded, but their state cannot be read: %s\n", why(err));
		return err;
	}
	fprintf(out, "\nproc probes  variant %s, send hook %s, %d attachments, scope %s, content %u bytes per call%s",
		p->variant, p->send_variant, p->links, p->scope, p->cfg.content_max,
		p->cfg.content_flags & PT_CONTENT_INET ? " (IPv4/IPv6 sockets only)" : "");
	if (p->cfg.conn_content_max)
		fprintf(out, ", TCP content up to %llu bytes per connection and direction",
			(unsigned long long)p->cfg.conn_content_max);
	fputc('\n', out);
	fprintf(out, "  ring buffer %llu MiB, %lld bytes waiting for the collector\n",
		(unsigned long long)(p->ring_bytes >> 20), (long long)p->backlog);
	fprintf(out, "  %-6s %12s %12s %12s %10s %8s %8s %8s\n", "KIND", "SEEN", "OUT-SCOPE", "RECORDED", "RINGDROP",
		"NOARGS", "FAULTS", "TRUNC");
	for (int i = 0; i < PT_PC_MAX; i++)
		fprintf(out, "  %-6s %12llu %12llu %12llu %10llu %8llu %8llu %8llu\n", pt_proc_cat_name(i),
			(unsigned long long)p->st[i].seen, (unsigned long long)p->st[i].out_of_scope,
			(unsigned long long)p->st[i].emitted, (unsigned long long)p->st[i].ring_fail,
			(unsigned long long)p->st[i].noargs, (unsigned long long)p->st[i].fault,
			(unsigned long long)p->st[i].trunc);
	for (int i = 0; i < PT_PC_MAX; i++) {
		if (p->st[i].ring_fail) {
			fprintf(out, "  ^ records lost: ring buffer full; reload with a larger --proc-ring-mb, a "
				"narrower scope or less --content, or keep the collector running\n");
			break;
		}
	}
	return 0;
}

int pt_probe_status(FILE *out, bool json)
{
	static struct pt_point_info table[PT_MAX_POINTS];
	const struct pt_features *f = pt_features_get();
	struct bpf_map_info ri = {};
	__u32 rlen = sizeof(ri);
	struct pt_procs_state ps;
	struct pt_pins pins;
	long long backlog;
	int err, perr, n;

	pt_pins_init(&pins);
	err = pt_pins_open(&pins);
	if (err == -ENOENT) {
		perr = pt_procs_state(&ps);
		if (json) {
			fprintf(out, "{\"pin_dir\":");
			pt_json_str(out, pt_pin_dir());
			fprintf(out, ",\"loaded\":%s,\"points\":[]", ps.loaded ? "true" : "false");
			if (ps.loaded)
				perr = procs_status(out, json, &ps, perr);
			fprintf(out, "}\n");
		} else if (ps.loaded) {
			fprintf(out, "pin dir     %s\nno packet probes or drop probe loaded\n", pt_pin_dir());
			perr = procs_status(out, json, &ps, perr);
		} else {
			fprintf(out, "no probes loaded (nothing pinned in %s)\n", pt_pin_dir());
		}
		return ps.loaded ? perr : 0;
	}
	if (err)
		return err;
	n = pt_points_read(pins.fd[PT_MAP_POINTS], table);
	if (n < 0) {
		err = n;
		pt_err("cannot read the capture point table: %s", strerror(-err));
		goto cleanup;
	}
	bpf_obj_get_info_by_fd(pins.fd[PT_MAP_RING], &ri, &rlen);
	backlog = pt_ring_backlog(pins.fd[PT_MAP_RING]);
	if (json) {
		fprintf(out, "{\"pin_dir\":");
		pt_json_str(out, pt_pin_dir());
		fprintf(out, ",\"loaded\":true,\"ring_bytes\":%u,\"ring_backlog_bytes\":%lld,\"points\":[",
			ri.max_entries, backlog);
	} else {
		fprintf(out, "pin dir     %s\n", pt_pin_dir());
		fprintf(out, "ring buffer %u MiB, %lld bytes waiting for the collector\n", ri.max_entries >> 20,
			backlog);
		fprintf(out, "kernel features:\n");
		pt_features_print(out, f);
		fprintf(out, "\n%-4s %-28s %-12s %-11s %5s %12s %10s %12s %10s %8s  %s\n", "ID", "POINT", "HOOK",
			"VARIANT", "SNAP", "SEEN", "FILTERED", "RECORDED", "RINGDROP", "TRUNC", "FILTER");
	}
	for (__u32 i = 0, k = 0; i < PT_MAX_POINTS; i++) {
		struct pt_point_stats st;
		char name[96], full[160];

		if (!table[i].in_use)
			continue;
		pt_point_stats_sum(pins.fd[PT_MAP_STATS], i, &st);
		pt_point_name(&table[i], name, sizeof(name));
		if (table[i].alias[0])
			snprintf(full, sizeof(full), "%s=%s", name, table[i].alias);
		else
			snprintf(full, sizeof(full), "%s", name);
		if (json) {
			fprintf(out, "%s{\"id\":%u,\"point\":", k++ ? "," : "", i);
			pt_json_str(out, name);
			fprintf(out, ",\"alias\":");
			pt_json_str(out, table[i].alias);
			fprintf(out, ",\"ifindex\":%u,\"netns_ino\":%llu,\"hook\":\"%s\",\"variant\":\"%s\","
				"\"prog_id\":%u,\"snaplen\":%u,\"fingerprint\":\"%s\",\"qdisc_created\":%s,"
				"\"seen\":%llu,\"filtered\":%llu,\"recorded\":%llu,\"ring_drops\":%llu,"
				"\"bytes\":%llu,\"truncated\":%llu,\"filter\":",
				table[i].ifindex, (unsigned long long)table[i].netns_ino, hook_name(&table[i]),
				table[i].variant, table[i].prog_id, table[i].snaplen,
				table[i].fp_mode == PT_FP_PAYLOAD ? "payload" : "headers",
				table[i].qdisc_created ? "true" : "false", (unsigned long long)st.seen,
				(unsigned long long)st.filtered, (unsigned long long)st.emitted,
				(unsigned long long)st.ring_fail, (unsigned long long)st.bytes,
				(unsigned long long)st.trunc);
			pt_json_str(out, table[i].filter);
			fprintf(out, ",\"filter_truncated\":%s}", table[i].filter_trunc ? "true" : "false");
		} else {
			fprintf(out, "%-4u %-28s %-12s %-11s %5u %12llu %10llu %12llu %10llu %8llu  %s%s%s\n", i, full,
				hook_name(&table[i]), table[i].variant, table[i].snaplen, (unsigned long long)st.seen,
				(unsigned long long)st.filtered, (unsigned long long)st.emitted,
				(unsigned long long)st.ring_fail, (unsigned long long)st.trunc,
				table[i].filter[0] ? table[i].filter : "-", table[i].filter_trunc ? "..." : "",
				table[i].fp_mode == PT_FP_PAYLOAD ? "  [fp: payload]" : "");
			if (st.ring_fail)
				fprintf(out, "     ^ %llu record(s) lost: ring buffer full; reload with a larger "
					"--ring-mb or keep the collector running\n", (unsigned long long)st.ring_fail);
		}
	}
	if (json)
		fprintf(out, "]");
	else if (!n)
		fprintf(out, "(no capture points)\n");
	drops_status(out, json);
	err = procs_status(out, json, &ps, pt_procs_state(&ps));
	if (json)
		fprintf(out, "}\n");
cleanup:
	pt_pins_close(&pins);
	return err;
}
