// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "drop.skel.h"
#include "common/log.h"
#include "loader/drops.h"
#include "loader/features.h"

static struct bpf_program *variant_prog(struct drop_bpf *skel, enum pt_prog id)
{
	switch (id) {
	case PT_PROG_DROP_BTF: return skel->progs.pt_drop_btf;
	case PT_PROG_DROP_RAW: return skel->progs.pt_drop_raw;
	case PT_PROG_DROP_KPROBE: return skel->progs.pt_drop_kprobe;
	default: return NULL;
	}
}

/*
 * Open the drop object with only variant @v's program, its ring reused from
 * @pins and its counters from @stats_fd (a stale pin, or -1), and load it into
 * *skel; on failure *skel is NULL and the reason logged (a refusal as a
 * warning when the caller will @retry with the next variant).
 * PROVTAP_FAULT_REFUSE naming v stands for the kernel's refusal (tests).
 */
static int open_load(const struct pt_variant *v, const struct pt_pins *pins, int stats_fd, __u8 fp_mode,
		     bool retry, struct drop_bpf **skel)
{
	struct bpf_program *prog, *chosen;
	int err;

	*skel = drop_bpf__open();
	if (!*skel) {
		err = -errno;
		pt_err("drop probe: cannot open its object: %s", strerror(-err));
		return err;
	}
	(*skel)->rodata->pt_fp_mode = fp_mode;
	err = bpf_map__reuse_fd((*skel)->maps.pt_ring, pins->fd[PT_MAP_RING]);
	if (err) {
		pt_err("drop probe: cannot reuse pinned map pt_ring: %s", strerror(-err));
		goto fail;
	}
	if (stats_fd >= 0) {
		err = bpf_map__reuse_fd((*skel)->maps.pt_dstats, stats_fd);
		if (err) {
			pt_err("drop probe: cannot reuse its pinned counters: %s", strerror(-err));
			goto fail;
		}
	}
	chosen = variant_prog(*skel, v->prog_id);
	bpf_object__for_each_program(prog, (*skel)->obj)
		bpf_program__set_autoload(prog, prog == chosen);
	err = pt_variant_fault_refused(v) ? -EACCES : drop_bpf__load(*skel);
	if (err) {
		pt_log(retry ? PT_LOG_WARN : PT_LOG_ERROR, "drop probe: the kernel rejected program %s (variant "
		       "%s): %s%s", v->prog, v->name, strerror(-err), pt_variant_refusal_hint(v));
		goto fail;
	}
	return 0;
fail:
	drop_bpf__destroy(*skel);
	*skel = NULL;
	return err;
}

int pt_drops_load(const struct pt_pins *pins, const char *force, __u8 fp_mode)
{
	const struct pt_variant *v, *next;
	struct drop_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	char lpath[512], spath[512];
	char rpath[512];
	bool stats_pinned = false, reported_pinned = false;
	int err, fd = -1, rfd = -1;

	pt_pin_path(lpath, sizeof(lpath), PT_DROP_LINK_PIN);
	pt_pin_path(spath, sizeof(spath), PT_DROP_STATS_PIN);
	pt_pin_path(rpath, sizeof(rpath), PT_DROP_REPORTED_PIN);
	if (access(lpath, F_OK) == 0) {
		pt_err("the drop probe is already loaded (%s); `provtap probe unload --drops` first", lpath);
		return -EEXIST;
	}
	v = pt_variant_pick(PT_HOOK_DROP, force);
	if (!v)
		return -EOPNOTSUPP;
	/* a stale counter pin (a crashed unload) is reused, not an error; another version's is */
	fd = pt_pin_map_open(PT_DROP_STATS_PIN, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
			     sizeof(struct pt_drop_stats));
	if (fd < 0 && errno == EPROTO)
		return -EPROTO;
	/* the feature probe said yes, the kernel said no: the next variant (automatic pick only) */
	for (;;) {
		next = force ? NULL : pt_variant_next(v);
		err = open_load(v, pins, fd, fp_mode, next != NULL, &skel);
		if (!err || !next)
			break;
		pt_warn("drop probe: the kernel refused variant %s; trying %s", v->name, next->name);
		v = next;
	}
	if (err)
		goto cleanup;
	if (fd < 0) {
		err = bpf_map__pin(skel->maps.pt_dstats, spath);
		if (err) {
			pt_err("drop probe: cannot pin %s: %s", spath, strerror(-err));
			goto cleanup;
		}
		stats_pinned = true;
	} else {
		struct pt_drop_stats *zero = calloc((size_t)libbpf_num_possible_cpus(), sizeof(*zero));
		__u32 key = 0;

		if (zero)
			bpf_map_update_elem(bpf_map__fd(skel->maps.pt_dstats), &key, zero, BPF_ANY);
		free(zero);
	}
	/* the collector's mark of stored losses, zero with the counters (a stale pin is reused) */
	rfd = pt_pin_map_open(PT_DROP_REPORTED_PIN, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64));
	if (rfd < 0 && errno == EPROTO) {
		err = -EPROTO;
		goto cleanup;
	}
	if (rfd < 0) {
		rfd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pt_dreported", sizeof(__u32), sizeof(__u64), 1, NULL);
		if (rfd < 0 || bpf_obj_pin(rfd, rpath)) {
			err = -errno;
			pt_err("drop probe: cannot create and pin %s: %s", rpath, strerror(-err));
			goto cleanup;
		}
		reported_pinned = true;
	} else if (bpf_map_update_elem(rfd, &(__u32){ 0 }, &(__u64){ 0 }, BPF_ANY)) {
		err = -errno;
		pt_err("drop probe: cannot reset %s: %s", rpath, strerror(-err));
		goto cleanup;
	}
	link = bpf_program__attach(variant_prog(skel, v->prog_id));
	if (!link) {
		err = -errno;
		pt_err("drop probe: cannot attach %s (variant %s): %s", v->prog, v->name, strerror(-err));
		goto cleanup;
	}
	err = bpf_link__pin(link, lpath);
	if (err) {
		pt_err("drop probe: cannot pin its link at %s: %s", lpath, strerror(-err));
		goto cleanup;
	}
	pt_info("drop probe: attached %s variant (%s) to skb:kfree_skb", v->name, v->prog);
cleanup:
	if (err && stats_pinned)
		unlink(spath);
	if (err && reported_pinned)
		unlink(rpath);
	if (rfd >= 0)
		close(rfd);
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);	/* the pin keeps it attached */
	drop_bpf__destroy(skel);
	return err;
}

int pt_drops_unload(void)
{
	char lpath[512], spath[512], rpath[512];
	int err = 0, found = 0;

	pt_pin_path(lpath, sizeof(lpath), PT_DROP_LINK_PIN);
	pt_pin_path(spath, sizeof(spath), PT_DROP_STATS_PIN);
	pt_pin_path(rpath, sizeof(rpath), PT_DROP_REPORTED_PIN);
	if (unlink(lpath) == 0)
		found = 1;
	else if (errno != ENOENT) {
		err = -errno;
		pt_err("cannot remove the drop probe's link %s: %s", lpath, strerror(-err));
	}
	if (unlink(spath) == 0)
		found = 1;
	else if (errno != ENOENT && !err) {
		err = -errno;
		pt_err("cannot remove %s: %s", spath, strerror(-err));
	}
	if (unlink(rpath) && errno != ENOENT && !err) {
		err = -errno;
		pt_err("cannot remove %s: %s", rpath, strerror(-err));
	}
	if (!err && found)
		pt_info("drop probe: unloaded");
	return err ? err : found ? 0 : -ENOENT;
}

/* Variant name of the program behind a link fd into s. */
static void link_variant(int lfd, struct pt_drops_state *s)
{
	struct bpf_link_info li = {};
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(li);
	int pfd;

	snprintf(s->variant, sizeof(s->variant), "?");
	if (bpf_obj_get_info_by_fd(lfd, &li, &len))
		return;
	s->prog_id = li.prog_id;
	pfd = bpf_prog_get_fd_by_id(li.prog_id);
	if (pfd < 0)
		return;
	len = sizeof(pi);
	if (!bpf_obj_get_info_by_fd(pfd, &pi, &len)) {
		const struct pt_variant *v = pt_variant_by_prog(pi.name);

		if (v)
			snprintf(s->variant, sizeof(s->variant), "%s", v->name);
	}
	close(pfd);
}

int pt_drops_stats_sum(int fd, struct pt_drop_stats *out)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct pt_drop_stats *v;
	__u32 key = 0;

	memset(out, 0, sizeof(*out));
	v = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*v)) : NULL;
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, v))
		err = -errno;
	for (int i = 0; !err && i < ncpu; i++) {
		out->seen += v[i].seen;
		out->skipped += v[i].skipped;
		out->emitted += v[i].emitted;
		out->ring_fail += v[i].ring_fail;
		out->read_fail += v[i].read_fail;
	}
	free(v);
	return err;
}

int pt_drops_state(struct pt_drops_state *s)
{
	char path[512];
	int lfd, sfd, err;

	memset(s, 0, sizeof(*s));
	lfd = bpf_obj_get(pt_pin_path(path, sizeof(path), PT_DROP_LINK_PIN));
	if (lfd < 0)
		return errno == ENOENT ? 0 : -errno;
	s->loaded = true;
	link_variant(lfd, s);
	close(lfd);
	sfd = pt_pin_map_open(PT_DROP_STATS_PIN, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
			      sizeof(struct pt_drop_stats));
	if (sfd < 0)
		return -errno;
	err = pt_drops_stats_sum(sfd, &s->st);
	close(sfd);
	return err;
}
