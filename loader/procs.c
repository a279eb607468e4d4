// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * procs.c — load, unload and report the process/FD/socket probes (procs.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "proc.skel.h"
#include "common/log.h"
#include "loader/pins.h"
#include "loader/loader.h"
#include "loader/features.h"
#include "loader/proc_attach.h"
#include "loader/proc_seed.h"
#include "loader/procs.h"
#include "userland/cgroup.h"

static const char *const cat_names[PT_PC_MAX] = { "proc", "sys", "data", "chunk" };

const char *pt_proc_cat_name(int cat)
{
	return cat >= 0 && cat < PT_PC_MAX ? cat_names[cat] : "?";
}

int pt_task_tgid(__u32 pid)
{
	char path[64], line[128];
	int tgid = -EIO;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/* enum pt_proc_variant runs from PT_PV_CORE to PT_PV_BTF_CAST, best last */
bool pt_procs_variant_known(const char *name)
{
	for (__u32 v = PT_PV_CORE; name && v <= PT_PV_BTF_CAST; v++)
		if (!strcmp(pt_proc_variant_name(v), name))
			return true;
	return false;
}

char *pt_procs_variant_names(char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return buf;
	buf[0] = 0;
	for (int v = PT_PV_BTF_CAST; v >= PT_PV_CORE && n < len; v--)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", pt_proc_variant_name((__u32)v));
	return buf;
}

int pt_procs_stats_sum(int stats_fd, struct pt_proc_stats sum[PT_PC_MAX])
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct pt_proc_stats *v;

	memset(sum, 0, sizeof(*sum) * PT_PC_MAX);
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (__u32 k = 0; k < PT_PC_MAX && !err; k++) {
		if (bpf_map_lookup_elem(stats_fd, &k, v)) {
			err = -errno;
			break;
		}
		for (int i = 0; i < ncpu; i++) {
			sum[k].seen += v[i].seen;
			sum[k].out_of_scope += v[i].out_of_scope;
			sum[k].emitted += v[i].emitted;
			sum[k].ring_fail += v[i].ring_fail;
			sum[k].noargs += v[i].noargs;
			sum[k].fault += v[i].fault;
			sum[k].trunc += v[i].trunc;
		}
	}
	free(v);
	return err;
}

/* The parent pid of pid from /proc/PID/stat; -1 when it is gone. */
static int parent_of(int pid)
{
	char path[64], buf[512], *p;
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && sscanf(p + 1, " %*c %d", &ppid) != 1)
		ppid = -1;
	fclose(f);
	return ppid;
}

/*
 * Put root and its living descendants into the pid-tree map (fork events keep
 * it current from now on; a process forked between this walk and the attach
 * is added by the fork program, which is attached first). 0 or -errno.
 */
static int seed_pid_tree(int map_fd, int root)
{
	int *pids = NULL, *ppids = NULL, n = 0, cap = 0, added = 1, err = 0;
	struct dirent *e;
	DIR *d;
	__u8 one = 1;

	if (bpf_map_update_elem(map_fd, &root, &one, BPF_ANY))
		return -errno;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		int pid = atoi(e->d_name);

		if (pid <= 0)
			continue;
		if (n == cap) {
			int nc = cap ? cap * 2 : 1024;
			int *np = realloc(pids, nc * sizeof(*np)), *npp;

			if (!np) {
				err = -ENOMEM;
				break;
			}
			pids = np;
			npp = realloc(ppids, nc * sizeof(*npp));
			if (!npp) {
				err = -ENOMEM;
				break;
			}
			ppids = npp;
			cap = nc;
		}
		pids[n] = pid;
		ppids[n++] = parent_of(pid);
	}
	closedir(d);
	/* transitive closure: repeat until no process joins (depth of the tree rounds) */
	while (!err && added) {
		added = 0;
		for (int i = 0; i < n; i++) {
			__u8 v;

			if (pids[i] == root || ppids[i] <= 0 || !bpf_map_lookup_elem(map_fd, &pids[i], &v))
				continue;
			if (bpf_map_lookup_elem(map_fd, &ppids[i], &v))
				continue;
			if (bpf_map_update_elem(map_fd, &pids[i], &one, BPF_ANY)) {
				err = -errno;
				break;
			}
			added++;
		}
	}
	free(pids);
	free(ppids);
	return err;
}

/* Scope options into cfg (and the cgroup fd to install). 0 or -EINVAL/-errno (logged). */
static int plan_scope(const struct pt_procs_opts *o, struct pt_proc_cfg *cfg, int *cgroup_fd)
{
	struct stat st;
	char msg[512];
	int err;

	memset(cfg, 0, sizeof(*cfg));
	*cgroup_fd = -1;
	if (o->content > PT_CALL_CONTENT_MAX) {
		pt_err("--content %u: at most %u bytes per call", o->content, PT_CALL_CONTENT_MAX);
		return -EINVAL;
	}
	cfg->content_max = o->content;
	cfg->content_flags = o->content_inet ? PT_CONTENT_INET : 0;
	cfg->conn_content_max = o->content ? o->conn_content_max : 0;
	cfg->scope = o->scope;
	switch (o->scope) {
	case PT_SCOPE_ALL:
		return 0;
	case PT_SCOPE_CGROUP:
		*cgroup_fd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*cgroup_fd < 0 || fstat(*cgroup_fd, &st)) {
			err = -errno;

			pt_err("--cgroup %s: %s (give a cgroup v2 directory, e.g. /sys/fs/cgroup/system.slice)",
			       o->cgroup, strerror(-err));
			if (*cgroup_fd >= 0)
				close(*cgroup_fd);
			*cgroup_fd = -1;
			return err;
		}
		err = pt_cgroup_v2_check(*cgroup_fd, o->cgroup, msg, sizeof(msg));
		if (err) {
			if (err == -ENOTDIR)
				pt_err("--cgroup %s", msg);
			else
				pt_err("--cgroup %s: %s", o->cgroup, strerror(-err));
			close(*cgroup_fd);
			*cgroup_fd = -1;
			return err;
		}
		cfg->cgroup_id = st.st_ino;	/* cgroup v2: the directory's inode is the cgroup id */
		err = pt_cgroup_level(*cgroup_fd);
		cfg->cgroup_level = err >= 0 ? (__u32)err + 1 : 0;
		return 0;
	case PT_SCOPE_PIDTREE: {
		int tgid = o->pid ? pt_task_tgid(o->pid) : -ENOENT;

		if (tgid < 0) {
			pt_err("--pid-tree %u: %s", o->pid, tgid == -ENOENT ? "no such process" : strerror(-tgid));
			return -EINVAL;
		}
		if ((__u32)tgid != o->pid) {
			/* the tree is followed by process (tgid): a thread's id would match nothing */
			pt_err("--pid-tree %u: a thread of process %d; give the process id", o->pid, tgid);
			return -EINVAL;
		}
		cfg->root_pid = o->pid;
		return 0;
	}
	case PT_SCOPE_COMM:
		if (!o->comm[0] || strlen(o->comm) >= PT_COMM_LEN) {
			pt_err("--comm '%s': give a command name of 1 to %d characters (as in /proc/PID/comm)",
			       o->comm, PT_COMM_LEN - 1);
			return -EINVAL;
		}
		memcpy(cfg->comm, o->comm, strlen(o->comm));
		return 0;
	case PT_SCOPE_NETNS: {
		char path[512];

		if (strchr(o->netns, '/'))
			snprintf(path, sizeof(path), "%s", o->netns);
		else
			snprintf(path, sizeof(path), "/var/run/netns/%s", o->netns);
		if (stat(path, &st)) {
			int err = -errno;

			pt_err("--netns %s: %s: %s", o->netns, path, strerror(-err));
			return err;
		}
		cfg->netns_ino = st.st_ino;
		return 0;
	}
	default:
		pt_err("unknown scope %u", o->scope);
		return -EINVAL;
	}
}

static void scope_text(const struct pt_proc_cfg *cfg, char *buf, size_t len)
{
	switch (cfg->scope) {
	case PT_SCOPE_CGROUP: snprintf(buf, len, "cgroup id %llu", (unsigned long long)cfg->cgroup_id); break;
	case PT_SCOPE_PIDTREE: snprintf(buf, len, "pid-tree %u", cfg->root_pid); break;
	case PT_SCOPE_COMM: snprintf(buf, len, "comm %.*s", PT_COMM_LEN, cfg->comm); break;
	case PT_SCOPE_NETNS: snprintf(buf, len, "netns inode %llu", (unsigned long long)cfg->netns_ino); break;
	default: snprintf(buf, len, "all processes"); break;
	}
}

/* Pin map at rel below the pin dir. 0 or -errno (logged). */
static int pin_map(struct bpf_map *m, const char *rel)
{
	char path[512];
	int err = bpf_map__pin(m, pt_pin_path(path, sizeof(path), rel));

	if (err)
		pt_err("proc probes: cannot pin %s: %s", path, strerror(-err));
	return err;
}

/* Unlink every pin in the pin dir's subdirectory rel, then the directory; *found when it existed. */
static void empty_dir(const char *rel, int *err, int *found)
{
	char path[512], lp[768];
	struct dirent *e;
	DIR *d;

	d = opendir(pt_pin_path(path, sizeof(path), rel));
	if (!d)
		return;
	*found = 1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(lp, sizeof(lp), "%s/%s", path, e->d_name);
		if (unlink(lp) && errno != ENOENT) {
			*err = -errno;
			pt_err("cannot remove %s: %s", lp, strerror(errno));
		}
	}
	closedir(d);
	if (rmdir(path) && errno != ENOENT) {
		*err = -errno;
		pt_err("cannot remove %s: %s", path, strerror(errno));
	}
}

/* Remove every pin of the family (links first, so the programs stop). 0, -ENOENT, or -errno (logged). */
static int remove_pins(void)
{
	static const char *const maps[] = { PT_PROC_RING_PIN, PT_PROC_STATS_PIN, PT_PROC_CFG_PIN,
					    PT_PROC_IGNORE_PIN, PT_PROC_REPORTED_PIN };
	char path[512];
	int err = 0, found = 0;

	empty_dir(PT_PROC_LINK_DIR, &err, &found);
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		if (!unlink(pt_pin_path(path, sizeof(path), maps[i])))
			found = 1;
		else if (errno != ENOENT) {
			err = -errno;
			pt_err("cannot remove %s: %s", path, strerror(errno));
		}
	}
	/* maps pinned by the object itself beside the named ones (tree, scratch) */
	empty_dir(PT_PROC_DIR, &err, &found);
	return err ? err : found ? 0 : -ENOENT;
}

/*
 * Open, prepare (program variant, send hook sv, ring size) and load the
 * family into *skel; on failure *skel is NULL and the reason logged (a
 * refusal as a warning when the caller will @retry with another send hook).
 * PROVTAP_FAULT_REFUSE naming sv stands for the kernel's refusal (tests).
 */
static int open_load(const struct pt_procs_opts *o, const struct pt_variant *sv, bool retry, struct proc_bpf **skel)
{
	char msg[256] = "";
	int err;

	*skel = proc_bpf__open();
	if (!*skel) {
		err = -errno;
		pt_err("proc probes: cannot open their object: %s", strerror(-err));
		return err;
	}
	err = pt_proc_prepare(*skel, o->variant, msg, sizeof(msg));
	if (err) {
		pt_err("proc probes: %s", msg);
		goto fail;
	}
	pt_proc_send_prepare(*skel, sv);
	err = bpf_map__set_max_entries((*skel)->maps.pt_pring, (__u32)(o->ring_bytes ? o->ring_bytes
										      : PT_PROC_RING_DEFAULT));
	if (!err) {
		(*skel)->rodata->pt_pring_size = bpf_map__max_entries((*skel)->maps.pt_pring);
		err = pt_variant_fault_refused(sv) ? -EACCES : proc_bpf__load(*skel);
	}
	if (err) {
		pt_log(retry ? PT_LOG_WARN : PT_LOG_ERROR, "proc probes: the kernel rejected them (variant %s, send hook "
		       "%s): %s%s", pt_proc_variant_name(pt_proc_variant(*skel)), sv->name, strerror(-err),
		       pt_variant_refusal_hint(sv));
		goto fail;
	}
	return 0;
fail:
	proc_bpf__destroy(*skel);
	*skel = NULL;
	return err;
}

int pt_procs_load(const struct pt_procs_opts *o)
{
	struct pt_proc_links links = {};
	struct pt_proc_seed_result seed = {};
	struct proc_bpf *skel = NULL;
	struct pt_proc_cfg cfg;
	const struct pt_variant *sv = NULL, *next;
	char path[512], lp[768], msg[256] = "", scope[96];
	int err, cgfd = -1, rfd = -1;
	bool pinned = false;
	__u32 zero = 0;

	if (access(pt_pin_path(path, sizeof(path), PT_PROC_RING_PIN), F_OK) == 0) {
		pt_err("the proc probes are already loaded (%s); `provtap probe unload --procs` first", path);
		return -EEXIST;
	}
	err = plan_scope(o, &cfg, &cgfd);
	if (err)
		return err;
	sv = pt_variant_pick(PT_HOOK_SEND, o->send_variant);
	if (!sv) {
		err = -EOPNOTSUPP;
		goto cleanup;
	}
	/* the feature probe said yes, the kernel said no: the next send hook (automatic pick only) */
	for (;;) {
		next = o->send_variant ? NULL : pt_variant_next(sv);
		err = open_load(o, sv, next != NULL, &skel);
		if (!err || !next)
			break;
		pt_warn("proc probes: the kernel refused send hook %s; trying %s%s", sv->name, next->name,
			next->prog_id == PT_PROG_SEND_SYSCALL ? " (concurrent TCP sends on one socket are marked "
								"uncertain)" : "");
		sv = next;
	}
	if (err)
		goto cleanup;
	cfg.variant = pt_proc_variant(skel);
	cfg.send_variant = sv->prog_id;
	/* configure before attaching: the first event already sees the scope */
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.pt_pcfg), &zero, &cfg, BPF_ANY) ||
	    (cgfd >= 0 && bpf_map_update_elem(bpf_map__fd(skel->maps.pt_pcgrp), &zero, &cgfd, BPF_ANY))) {
		err = -errno;
		pt_err("proc probes: cannot configure the scope: %s", strerror(-err));
		goto cleanup;
	}
	if (cfg.scope == PT_SCOPE_PIDTREE) {
		err = seed_pid_tree(bpf_map__fd(skel->maps.pt_ptree), (int)cfg.root_pid);
		if (err) {
			pt_err("proc probes: cannot seed the pid tree of %u: %s", cfg.root_pid, strerror(-err));
			goto cleanup;
		}
	}
	rfd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pt_preported", sizeof(__u32), sizeof(__u64), PT_PC_MAX, NULL);
	if (rfd < 0) {
		err = -errno;
		pt_err("proc probes: cannot create pt_preported: %s", strerror(-err));
		goto cleanup;
	}
	if (mkdir(pt_pin_path(path, sizeof(path), PT_PROC_DIR), 0700) && errno != EEXIST) {
		err = -errno;
		pt_err("cannot create %s: %s", path, strerror(-err));
		goto cleanup;
	}
	pinned = true;
	if ((err = pin_map(skel->maps.pt_pring, PT_PROC_RING_PIN)) ||
	    (err = pin_map(skel->maps.pt_pstats, PT_PROC_STATS_PIN)) ||
	    (err = pin_map(skel->maps.pt_pcfg, PT_PROC_CFG_PIN)) ||
	    (err = pin_map(skel->maps.pt_pignore, PT_PROC_IGNORE_PIN)))
		goto cleanup;
	if (bpf_obj_pin(rfd, pt_pin_path(path, sizeof(path), PT_PROC_REPORTED_PIN))) {
		err = -errno;
		pt_err("proc probes: cannot pin %s: %s", path, strerror(-err));
		goto cleanup;
	}
	err = pt_proc_attach(skel, &links, msg, sizeof(msg));
	if (!err)
		err = pt_proc_send_attach(skel, sv, &links, msg, sizeof(msg));
	if (err) {
		pt_err("proc probes: %s", msg);
		goto cleanup;
	}
	/* now, not earlier: what starts from here on is traced, what existed is seeded */
	err = pt_proc_seed(skel, &seed, msg, sizeof(msg));
	if (err) {
		pt_err("proc probes: cannot seed the processes and FDs that exist: %s", msg);
		goto cleanup;
	}
	if (mkdir(pt_pin_path(path, sizeof(path), PT_PROC_LINK_DIR), 0700) && errno != EEXIST) {
		err = -errno;
		pt_err("cannot create %s: %s", path, strerror(-err));
		goto cleanup;
	}
	for (size_t i = 0; i < links.n; i++) {
		snprintf(lp, sizeof(lp), "%s/%s", path, links.l[i].pin);
		err = bpf_link__pin(links.l[i].link, lp);
		if (err) {
			pt_err("proc probes: cannot pin link %s: %s", lp, strerror(-err));
			goto cleanup;
		}
	}
	scope_text(&cfg, scope, sizeof(scope));
	pt_info("proc probes: %zu tracepoint attachments, scope %s, content %u bytes per call, variant %s, "
		"send hook %s", links.n, scope, cfg.content_max, pt_proc_variant_name(cfg.variant), sv->name);
	pt_info("proc probes: seeded %llu processes, %llu FDs", (unsigned long long)seed.procs,
		(unsigned long long)seed.fds);
	if (seed.lost_procs || seed.lost_fds)
		pt_warn("proc probes: %llu process and %llu FD seed records lost: the ring buffer (%u MiB) was "
			"full; reload with a larger --proc-ring-mb", (unsigned long long)seed.lost_procs,
			(unsigned long long)seed.lost_fds, bpf_map__max_entries(skel->maps.pt_pring) >> 20);
	if (!seed.argv)
		pt_warn("proc probes: seeded processes have no argv: this kernel refused the sleepable task "
			"iterator (%s)", seed.argv_why);
	if (seed.faults)
		pt_info("proc probes: %llu seed records are partial (an exe, argv or path could not be read)",
			(unsigned long long)seed.faults);
	for (size_t i = 0; i < links.nmissing; i++)
		pt_info("proc probes: %s is not on this kernel (no syscall or tracepoint sys_enter_%s); "
			"not traced", links.missing[i]->name, links.missing[i]->tp);
cleanup:
	if (err && pinned)
		remove_pins();
	pt_proc_links_destroy(&links);	/* the pins keep them attached */
	if (rfd >= 0)
		close(rfd);
	if (cgfd >= 0)
		close(cgfd);
	proc_bpf__destroy(skel);
	return err;
}

int pt_procs_unload(void)
{
	int err = remove_pins();

	if (!err)
		pt_info("proc probes: unloaded");
	return err;
}

int pt_procs_state(struct pt_procs_state *s)
{
	char path[512];
	struct bpf_map_info ri = {};
	__u32 rlen = sizeof(ri), zero = 0;
	struct dirent *e;
	int fd, err = 0;
	DIR *d;

	memset(s, 0, sizeof(*s));
	fd = bpf_obj_get(pt_pin_path(path, sizeof(path), PT_PROC_RING_PIN));
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	s->loaded = true;
	if (!bpf_obj_get_info_by_fd(fd, &ri, &rlen))
		s->ring_bytes = ri.max_entries;
	s->backlog = (__u64)pt_ring_backlog(fd);
	close(fd);
	d = opendir(pt_pin_path(path, sizeof(path), PT_PROC_LINK_DIR));
	if (d) {
		while ((e = readdir(d)))
			s->links += e->d_name[0] != '.';
		closedir(d);
	}
	fd = pt_pin_map_open(PT_PROC_CFG_PIN, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(s->cfg));
	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &s->cfg))
		err = -errno;
	if (fd >= 0)
		close(fd);
	scope_text(&s->cfg, s->scope, sizeof(s->scope));
	s->variant = pt_proc_variant_name(s->cfg.variant);
	s->send_variant = pt_variant_by_id((enum pt_prog)s->cfg.send_variant) ?
			  pt_variant_by_id((enum pt_prog)s->cfg.send_variant)->name : "?";
	fd = pt_pin_map_open(PT_PROC_STATS_PIN, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
			     sizeof(struct pt_proc_stats));
	if (fd < 0)
		return err ? err : -errno;
	if (!err)
		err = pt_procs_stats_sum(fd, s->st);
	close(fd);
	return err;
}
