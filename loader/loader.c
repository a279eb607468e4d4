// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pkt.skel.h"
#include "common/log.h"
#include "common/units.h"
#include "loader/attach.h"
#include "loader/drops.h"
#include "loader/procs.h"
#include "loader/features.h"
#include "loader/loader.h"
#include "loader/pins.h"
#include "query/filter.h"

/* The skeleton's maps in enum pt_map_id order (pins.h). */
static void skel_maps(struct pkt_bpf *skel, struct bpf_map *maps[PT_MAP_NR])
{
	maps[PT_MAP_RING] = skel->maps.pt_ring;
	maps[PT_MAP_STATS] = skel->maps.pt_stats;
	maps[PT_MAP_POLICY] = skel->maps.pt_policy;
	maps[PT_MAP_ACTIVE] = skel->maps.pt_active;
	maps[PT_MAP_POINTS] = skel->maps.pt_points;
	maps[PT_MAP_REPORTED] = skel->maps.pt_reported;
}

/* Create the maps from the object, size the ring, pin them. 0 or -errno. */
static int create_maps(__u64 ring_bytes)
{
	struct pkt_bpf *skel = NULL;
	struct bpf_map *maps[PT_MAP_NR];
	struct bpf_program *prog;
	char path[512];
	int err, i;

	skel = pkt_bpf__open();
	if (!skel) {
		err = -errno;
		pt_err("cannot open the packet probe object: %s", strerror(-err));
		return err;
	}
	skel_maps(skel, maps);
	err = bpf_map__set_max_entries(skel->maps.pt_ring, (__u32)ring_bytes);
	if (err) {
		pt_err("cannot size the ring buffer to %llu bytes: %s", (unsigned long long)ring_bytes,
		       strerror(-err));
		goto cleanup;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	err = pkt_bpf__load(skel);
	if (err) {
		pt_err("cannot create the packet probe maps: %s", strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < PT_MAP_NR; i++) {
		err = bpf_map__pin(maps[i], pt_pin_path(path, sizeof(path), pt_map_names[i]));
		if (err) {
			pt_err("cannot pin %s: %s", path, strerror(-err));
			while (--i >= 0)
				bpf_map__unpin(maps[i], NULL);
			goto cleanup;
		}
	}
	pt_info("created maps in %s (ring buffer %llu MiB)", pt_pin_dir(),
		(unsigned long long)(ring_bytes >> 20));
cleanup:
	pkt_bpf__destroy(skel);
	return err;
}

static __u32 map_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.max_entries;
}

/* Open the maps, creating them on first use. Warns if an existing ring has another size. */
static int open_or_create_maps(struct pt_pins *pins, __u64 ring_bytes)
{
	__u64 want = ring_bytes ? ring_bytes : PT_RING_DEFAULT_BYTES;
	int err;

	err = pt_pins_open(pins);
	if (err == -ENOENT) {
		err = create_maps(want);
		if (!err)
			err = pt_pins_open(pins);
	} else if (!err && ring_bytes && map_max_entries(pins->fd[PT_MAP_RING]) != ring_bytes) {
		pt_warn("the ring buffer already exists with %u MiB; --ring-mb is ignored "
			"(`provtap probe unload --all` first to resize)",
			map_max_entries(pins->fd[PT_MAP_RING]) >> 20);
	}
	return err;
}

int pt_point_stats_sum(int stats_fd, __u32 point, struct pt_point_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pt_point_stats *v;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(stats_fd, &point, v)) {
		int err = -errno;

		free(v);
		return err;
	}
	for (int i = 0; i < ncpu; i++) {
		sum->seen += v[i].seen;
		sum->filtered += v[i].filtered;
		sum->emitted += v[i].emitted;
		sum->ring_fail += v[i].ring_fail;
		sum->bytes += v[i].bytes;
		sum->trunc += v[i].trunc;
	}
	free(v);
	return 0;
}

static int zero_stats(int stats_fd, __u32 point)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pt_point_stats *v = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*v));
	int err = 0;

	if (!v)
		return -ENOMEM;
	if (bpf_map_update_elem(stats_fd, &point, v, BPF_ANY))
		err = -errno;
	free(v);
	return err;
}

/*
 * Install pol for point: write the inactive slot completely, then flip the
 * active index with one 4-byte update, so readers never see a mix. 0 or -errno.
 */
static int policy_install(const struct pt_pins *pins, __u32 point, const struct pt_policy *pol, bool fresh)
{
	__u32 active = 0, next, key;

	if (!fresh && bpf_map_lookup_elem(pins->fd[PT_MAP_ACTIVE], &point, &active))
		return -errno;
	next = fresh ? 0 : !active;
	key = point * 2 + next;
	if (bpf_map_update_elem(pins->fd[PT_MAP_POLICY], &key, pol, BPF_ANY))
		return -errno;
	if (bpf_map_update_elem(pins->fd[PT_MAP_ACTIVE], &point, &next, BPF_ANY))
		return -errno;
	return 0;
}

/* Compile filter text into pol; logs the position on error. */
static int compile_filter(const char *text, struct pt_policy *pol)
{
	struct pt_filter *f = NULL;
	struct pt_filter_err fe = {};
	int err;

	memset(pol, 0, sizeof(*pol));
	pol->default_action = PT_ACT_INCLUDE;
	if (!text || !*text)
		return 0;
	err = pt_filter_parse(text, &f, &fe);
	if (!err)
		err = pt_filter_compile(f, pol, &fe);
	if (err)
		pt_err("filter: %s at position %d:\n  %s\n  %*s^", fe.msg, fe.pos + 1, text, fe.pos, "");
	pt_filter_free(f);
	return err;
}

static void set_filter_text(struct pt_point_info *info, const char *text)
{
	size_t n = text ? strlen(text) : 0;

	memset(info->filter, 0, sizeof(info->filter));
	info->filter_trunc = n >= sizeof(info->filter);
	if (n)
		memcpy(info->filter, text, info->filter_trunc ? sizeof(info->filter) - 1 : n);
}

/* Same capture point: netns, interface, direction and hook (whatever in_use says). */
static bool same_point(const struct pt_point_info *a, const struct pt_point_info *b)
{
	return a->netns_ino == b->netns_ino && a->ifindex == b->ifindex && a->dir == b->dir && a->hook == b->hook;
}

/*
 * A free id, round robin after the highest one in use, so an id freed by
 * unload is not handed out again at once (records of the old point may still
 * wait in the ring, and stores tell points apart by id and attach time).
 */
static int alloc_point(const struct pt_point_info *table)
{
	int start = 0;

	for (int i = 0; i < PT_MAX_POINTS; i++)
		if (table[i].in_use || table[i].attach_realtime_ns)
			start = i + 1;
	for (int k = 0; k < PT_MAX_POINTS; k++) {
		int i = (start + k) % PT_MAX_POINTS;

		if (!table[i].in_use)
			return i;
	}
	return -ENOSPC;
}

/*
 * Load and attach one point (info filled but for attach results, in_use 0).
 * On success the info is written to the table with in_use = 1. On failure
 * nothing of it remains. 0 or -errno.
 */
static int load_point(struct pt_pins *pins, struct pt_point_info *table, __u32 id,
		      struct pt_point_info *info, const struct pt_variant *v, const struct pt_policy *pol)
{
	struct pkt_bpf *skel = NULL;
	struct bpf_program *prog, *chosen = NULL;
	struct bpf_map *maps[PT_MAP_NR];
	char name[96];
	int err, i;

	pt_point_name(info, name, sizeof(name));
	err = policy_install(pins, id, pol, true);
	if (!err)
		err = zero_stats(pins->fd[PT_MAP_STATS], id);
	if (!err) {
		__u64 zero = 0;

		if (bpf_map_update_elem(pins->fd[PT_MAP_REPORTED], &id, &zero, BPF_ANY))
			err = -errno;
	}
	if (err) {
		pt_err("%s: cannot initialise its policy/counters: %s", name, strerror(-err));
		return err;
	}
	skel = pkt_bpf__open();
	if (!skel) {
		err = -errno;
		pt_err("%s: cannot open the packet probe object: %s", name, strerror(-err));
		return err;
	}
	skel->rodata->pt_point_id = (__u16)id;
	skel->rodata->pt_dir = info->dir;
	skel->rodata->pt_hook = info->hook;
	skel->rodata->pt_snaplen = info->snaplen;
	skel->rodata->pt_fp_mode = info->fp_mode;
	skel_maps(skel, maps);
	for (i = 0; i < PT_MAP_NR; i++) {
		err = bpf_map__reuse_fd(maps[i], pins->fd[i]);
		if (err) {
			pt_err("%s: cannot reuse pinned map %s: %s", name, pt_map_names[i], strerror(-err));
			goto cleanup;
		}
	}
	chosen = v->prog_id == PT_PROG_TC ? skel->progs.pt_tc :
		 v->prog_id == PT_PROG_XDP ? skel->progs.pt_xdp : skel->progs.pt_xdp_direct;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == chosen);
	if (!chosen) {
		err = -ENOENT;
		pt_err("%s: program %s is missing from the object", name, v->prog);
		goto cleanup;
	}
	err = pkt_bpf__load(skel);
	if (err) {
		pt_err("%s: the kernel rejected program %s: %s (run with -vv for the verifier log)", name,
		       v->prog, strerror(-err));
		goto cleanup;
	}
	snprintf(info->variant, sizeof(info->variant), "%s", v->name);
	err = pt_attach(info, bpf_program__fd(chosen));
	if (err)
		goto cleanup;
	info->in_use = 1;
	info->attach_realtime_ns = pt_now_ns(CLOCK_REALTIME);
	if (bpf_map_update_elem(pins->fd[PT_MAP_POINTS], &id, info, BPF_ANY)) {
		err = -errno;
		pt_err("%s: cannot record the point: %s", name, strerror(-err));
		info->in_use = 0;
		pt_detach(info, id, NULL);
		goto cleanup;
	}
	table[id] = *info;
	pt_info("%s: attached %s probe (point %u%s%s)", name, v->name, id,
		info->hook == PT_HOOK_XDP ? (info->xdp_mode == PT_XDP_NATIVE ? ", native XDP" : ", generic XDP") : "",
		info->qdisc_created ? ", created clsact qdisc" : "");
cleanup:
	pkt_bpf__destroy(skel);
	return err;
}

/* Free a slot but keep its attach time, so round-robin allocation moves past it. */
static void free_point(struct pt_point_info *info)
{
	__u64 t = info->attach_realtime_ns;

	memset(info, 0, sizeof(*info));
	info->attach_realtime_ns = t;
}

/* Expand specs into resolved point infos (one per direction). Returns the count or -errno. */
static int plan_points(const struct pt_load_opts *o, struct pt_point_info *plan, int cap)
{
	int n = 0, err;

	for (int s = 0; s < o->nspecs; s++) {
		const struct pt_point_spec *sp = &o->specs[s];

		for (__u8 dir = PT_DIR_IN; dir <= PT_DIR_OUT; dir++) {
			struct pt_point_info *info = &plan[n];
			char name[96];

			if (!(sp->dirs & (1 << dir)))
				continue;
			if (n == cap)
				return -E2BIG;
			memset(info, 0, sizeof(*info));
			snprintf(info->ifname, sizeof(info->ifname), "%s", sp->ifname);
			snprintf(info->netns, sizeof(info->netns), "%s", sp->netns);
			snprintf(info->alias, sizeof(info->alias), "%s", sp->alias);
			info->dir = dir;
			info->hook = sp->hook;
			info->snaplen = o->snaplen;
			info->fp_mode = o->fp_mode;
			set_filter_text(info, o->filter);
			err = pt_resolve(info);
			if (err)
				return err;
			for (int i = 0; i < n; i++) {
				if (same_point(&plan[i], info)) {
					pt_err("%s is named twice", pt_point_name(info, name, sizeof(name)));
					err = -EINVAL;
				}
			}
			if (err)
				return err;
			n++;
		}
	}
	return n;
}

int pt_probe_load(const struct pt_load_opts *o)
{
	static struct pt_point_info table[PT_MAX_POINTS], plan[2 * 64];
	__u32 loaded[2 * 64];
	const struct pt_variant *var[3] = {};
	bool created = false;
	struct pt_policy pol;
	struct pt_pins pins;
	int nloaded = 0, nplan, err, s;

	pt_pins_init(&pins);
	if (pt_require_privileges("provtap probe load"))
		return -EPERM;
	if (o->nspecs > 64) {
		pt_err("at most 64 capture point specs per load");
		return -E2BIG;
	}
	err = compile_filter(o->filter, &pol);
	if (err)
		return err;
	for (s = 0; s < o->nspecs; s++) {
		__u8 h = o->specs[s].hook;

		if (!var[h] && !(var[h] = pt_variant_pick(h, o->variant)))
			return -EOPNOTSUPP;
	}
	err = pt_pins_lock(&pins, true);
	if (err)
		goto cleanup;
	created = pt_pins_open(&pins) == -ENOENT;
	nplan = plan_points(o, plan, 2 * 64);
	if (nplan < 0)
		err = nplan;
	else if (nplan || o->drops)	/* the proc probes alone need none of the packet maps */
		err = open_or_create_maps(&pins, o->ring_bytes);
	else
		created = false;
	if (!err && nplan) {
		err = pt_points_read(pins.fd[PT_MAP_POINTS], table);
		err = err < 0 ? err : 0;
	}
	for (int p = 0; p < nplan && !err; p++) {
		struct pt_point_info *info = &plan[p];
		char name[96];
		int id;

		for (int i = 0; i < PT_MAX_POINTS; i++) {
			if (table[i].in_use && same_point(&table[i], info)) {
				pt_err("%s is already loaded as point %d (unload it first)",
				       pt_point_name(info, name, sizeof(name)), i);
				err = -EEXIST;
			}
		}
		if (err)
			break;
		id = alloc_point(table);
		if (id < 0) {
			pt_err("all %d capture point slots are in use", PT_MAX_POINTS);
			err = id;
			break;
		}
		err = load_point(&pins, table, (__u32)id, info, var[info->hook], &pol);
		if (!err)
			loaded[nloaded++] = (__u32)id;
	}
	if (!err && o->drops)
		err = pt_drops_load(&pins, o->drop_variant, o->fp_mode);
	if (!err && o->procs) {
		err = pt_procs_load(o->procs);
		if (err && o->drops)
			pt_drops_unload();
	}
	if (err && nloaded) {
		pt_warn("undoing the %d point(s) this command attached", nloaded);
		while (nloaded--) {
			__u32 id = loaded[nloaded];

			pt_detach(&table[id], id, table);
			free_point(&table[id]);
			bpf_map_update_elem(pins.fd[PT_MAP_POINTS], &id, &table[id], BPF_ANY);
		}
	}
	if (err && created) {
		int lock = pins.lock_fd;

		/* this command made the maps and leaves no point: take them away again */
		pins.lock_fd = -1;
		pt_pins_close(&pins);
		pins.lock_fd = lock;
		pt_pins_remove_all();
	}
	/* a load that failed leaves no directory it made (empty: nothing else is pinned) */
	if (err)
		pt_pins_remove_if_empty();
cleanup:
	pt_pins_close(&pins);
	return err;
}

/*
 * specs or all, not both (all would win): 0, or -EINVAL logged. The command
 * line refuses the mix first; this keeps the library's callers to the contract.
 */
static int one_selection(int nspecs, bool all, const char *what)
{
	if (!all || !nspecs)
		return 0;
	pt_err("%s: point specs or all, not both", what);
	return -EINVAL;
}

/* Mark in sel every point in use matching specs (or all). Returns how many. */
static int for_matching(struct pt_point_info *table, const struct pt_point_spec *specs, int nspecs, bool all,
			bool *sel)
{
	int n = 0;

	for (int i = 0; i < PT_MAX_POINTS; i++) {
		sel[i] = false;
		if (!table[i].in_use)
			continue;
		for (int s = 0; s < nspecs && !all; s++)
			sel[i] = sel[i] || pt_point_spec_matches(&specs[s], &table[i]);
		sel[i] = sel[i] || all;
		n += sel[i];
	}
	return n;
}

int pt_probe_unload(const struct pt_point_spec *specs, int nspecs, bool all)
{
	static struct pt_point_info table[PT_MAX_POINTS];
	static bool sel[PT_MAX_POINTS];
	struct pt_pins pins;
	int err, n, left = 0, failed = 0;

	pt_pins_init(&pins);
	if (one_selection(nspecs, all, "provtap probe unload"))
		return -EINVAL;
	if (pt_require_privileges("provtap probe unload"))
		return -EPERM;
	err = pt_pins_lock(&pins, false);
	if (!err)
		err = pt_pins_open(&pins);
	if (err == -ENOENT) {
		if (!all)
			pt_err("no probes are loaded (nothing pinned in %s)", pt_pin_dir());
		if (all) {
			pt_drops_unload();
			pt_procs_unload();
		}
		err = all ? pt_pins_remove_all() : -ENOENT;
		goto cleanup;
	}
	if (err)
		goto cleanup;
	err = pt_points_read(pins.fd[PT_MAP_POINTS], table);
	if (err < 0)
		goto cleanup;
	n = for_matching(table, specs, nspecs, all, sel);
	if (all) {
		int derr = pt_drops_unload(), perr = pt_procs_unload();

		if (derr && derr != -ENOENT)
			failed++;
		if (perr && perr != -ENOENT)
			failed++;
	}
	if (!n && !all) {
		pt_err("no loaded capture point matches");
		err = -ENOENT;
		goto cleanup;
	}
	for (__u32 i = 0; i < PT_MAX_POINTS; i++) {
		char name[96];

		if (!sel[i])
			continue;
		pt_point_name(&table[i], name, sizeof(name));
		if (pt_detach(&table[i], i, table)) {
			pt_err("%s: kept in the point table (point %u) because it could not be detached", name, i);
			failed++;
			continue;
		}
		pt_info("%s: unloaded (point %u)", name, i);
		free_point(&table[i]);
		bpf_map_update_elem(pins.fd[PT_MAP_POINTS], &i, &table[i], BPF_ANY);
	}
	for (__u32 i = 0; i < PT_MAX_POINTS; i++) {
		if (!table[i].in_use)
			continue;
		left++;
		/* qdisc ownership may have moved to this point (pt_detach) */
		bpf_map_update_elem(pins.fd[PT_MAP_POINTS], &i, &table[i], BPF_ANY);
	}
	err = failed ? -EIO : 0;
	if (all && !left) {
		int lock = pins.lock_fd;
		long long backlog = pt_ring_backlog(pins.fd[PT_MAP_RING]);

		if (backlog > 0)
			pt_warn("%lld bytes of records no collector has read yet are discarded with the ring buffer "
				"(run `provtap collect` before unloading to keep them)", backlog);
		pins.lock_fd = -1;
		pt_pins_close(&pins);
		pins.lock_fd = lock;
		if (pt_pins_remove_all())
			err = -EIO;
	}
cleanup:
	pt_pins_close(&pins);
	return err;
}

/* Run unload (a family's) with the pin dir locked; -ENOENT logged as "<what> not loaded". */
static int unload_family(int (*unload)(void), const char *what)
{
	struct pt_pins pins;
	int err;

	pt_pins_init(&pins);
	if (pt_require_privileges("provtap probe unload"))
		return -EPERM;
	err = pt_pins_lock(&pins, false);
	if (!err)
		err = unload();
	if (!err)
		pt_pins_remove_if_empty();
	if (err == -ENOENT)
		pt_err("%s not loaded", what);
	pt_pins_close(&pins);
	return err;
}

int pt_probe_unload_drops(void)
{
	return unload_family(pt_drops_unload, "the drop probe is");
}

int pt_probe_unload_procs(void)
{
	return unload_family(pt_procs_unload, "the proc probes are");
}

int pt_probe_filter(const struct pt_point_spec *specs, int nspecs, bool all, const char *filter)
{
	static struct pt_point_info table[PT_MAX_POINTS];
	static bool sel[PT_MAX_POINTS];
	struct pt_policy pol;
	struct pt_pins pins;
	int err;

	pt_pins_init(&pins);
	if (one_selection(nspecs, all, "provtap probe filter"))
		return -EINVAL;
	if (pt_require_privileges("provtap probe filter"))
		return -EPERM;
	err = compile_filter(filter, &pol);
	if (err)
		return err;
	err = pt_pins_lock(&pins, false);
	if (!err)
		err = pt_pins_open(&pins);
	if (err == -ENOENT)
		pt_err("no probes are loaded");
	if (err)
		goto cleanup;
	err = pt_points_read(pins.fd[PT_MAP_POINTS], table);
	if (err < 0)
		goto cleanup;
	if (!for_matching(table, specs, nspecs, all, sel)) {
		pt_err("no loaded capture point matches");
		err = -ENOENT;
		goto cleanup;
	}
	err = 0;
	for (__u32 i = 0; i < PT_MAX_POINTS && !err; i++) {
		char name[96];

		if (!sel[i])
			continue;
		pt_point_name(&table[i], name, sizeof(name));
		err = policy_install(&pins, i, &pol, false);
		if (!err) {
			set_filter_text(&table[i], filter);
			if (bpf_map_update_elem(pins.fd[PT_MAP_POINTS], &i, &table[i], BPF_ANY))
				err = -errno;
		}
		if (err)
			pt_err("%s: cannot install the filter: %s", name, strerror(-err));
		else
			pt_info("%s: filter %s%s%s (%u rule%s)", name, filter && *filter ? "'" : "",
				filter && *filter ? filter : "cleared", filter && *filter ? "'" : "", pol.nrules,
				pol.nrules == 1 ? "" : "s");
	}
cleanup:
	pt_pins_close(&pins);
	return err;
}
