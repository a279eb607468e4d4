// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc_seed.c — run the seed iterators of bpf/proc_seed.bpf.c against the
 * loaded process probes (proc_seed.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/pkt.h"
#include "bpf/proc.h"
#include "proc.skel.h"
#include "proc_seed.skel.h"
#include "common/log.h"
#include "loader/proc_seed.h"

#define SEED_LOG_SIZE	(256 * 1024)	/* verifier log kept to explain a refused sleepable iterator */

/* The last non-empty line of a verifier log into out (the reason it gave). */
static void last_line(const char *log, char *out, size_t outlen)
{
	size_t n = strnlen(log, SEED_LOG_SIZE), b;

	while (n && (log[n - 1] == '\n' || log[n - 1] == ' '))
		n--;
	b = n;
	while (b && log[b - 1] != '\n')
		b--;
	snprintf(out, outlen, "%.*s", (int)(n - b), log + b);
}

/*
 * Open the seed object with the probes' maps reused (by name: the seed
 * object includes proc_maps.bpf.h, so every map it shares with the probes
 * has the probes' name; its own are pt_sscratch and its .bss), the process
 * iterator chosen by sleepable, and load it. *out = the skeleton, or NULL
 * with -errno returned and the message in err. A refused sleepable load
 * leaves the verifier's last line in why.
 */
static int seed_open(struct proc_bpf *probes, bool sleepable, struct proc_seed_bpf **out, char *why,
		     size_t whylen, char *err, size_t errlen)
{
	static char vlog[SEED_LOG_SIZE];
	struct proc_seed_bpf *skel;
	struct bpf_map *m, *pm;
	int e, quiet;

	*out = NULL;
	skel = proc_seed_bpf__open();
	if (!skel) {
		e = -errno;
		pt_seterr(err, errlen, "cannot open the seed object: %s", strerror(-e));
		return e;
	}
	bpf_object__for_each_map(m, skel->obj) {
		if (bpf_map__is_internal(m))
			continue;
		pm = bpf_object__find_map_by_name(probes->obj, bpf_map__name(m));
		if (!pm)
			continue;
		e = bpf_map__reuse_fd(m, bpf_map__fd(pm));
		if (e) {
			pt_seterr(err, errlen, "cannot share map %s with the seed iterators: %s", bpf_map__name(m),
			       strerror(-e));
			goto fail;
		}
	}
	bpf_program__set_autoload(skel->progs.pt_seed_proc_s, sleepable);
	bpf_program__set_autoload(skel->progs.pt_seed_proc, !sleepable);
	vlog[0] = 0;
	if (sleepable)
		bpf_program__set_log_buf(skel->progs.pt_seed_proc_s, vlog, sizeof(vlog));
	/* the sleepable load is the feature probe: its refusal is not an error */
	quiet = sleepable ? pt_log_libbpf_quiet(1) : 0;
	e = proc_seed_bpf__load(skel);
	if (sleepable)
		pt_log_libbpf_quiet(quiet);
	if (e) {
		if (sleepable)
			last_line(vlog, why, whylen);
		pt_seterr(err, errlen, "the kernel rejected the seed iterators: %s (run with -vv for the verifier log)",
		       strerror(-e));
		goto fail;
	}
	*out = skel;
	return 0;
fail:
	proc_seed_bpf__destroy(skel);
	return e;
}

/* Attach iterator prog, read it to the end, detach. 0 or -errno (err set). */
static int run_iter(struct bpf_program *prog, char *err, size_t errlen)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	int e = link ? 0 : -errno, fd = -1;
	char buf[4096];
	ssize_t n;

	if (e) {
		link = NULL;
		pt_seterr(err, errlen, "cannot attach iterator %s: %s", bpf_program__name(prog), strerror(-e));
		goto cleanup;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		e = -errno;
		pt_seterr(err, errlen, "cannot create iterator %s: %s", bpf_program__name(prog), strerror(-e));
		goto cleanup;
	}
	/* the programs write no text: read() returns 0 at the end, EAGAIN after
	 * a million objects without output (reading on resumes there) */
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n > 0 || errno == EAGAIN || errno == EINTR)
			continue;
		e = -errno;
		pt_seterr(err, errlen, "iterator %s failed: %s", bpf_program__name(prog), strerror(-e));
		break;
	}
cleanup:
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	return e;
}

int pt_proc_seed(struct proc_bpf *probes, struct pt_proc_seed_result *res, char *err, size_t errlen)
{
	struct proc_seed_bpf *skel = NULL;
	char why[160] = "";
	int e;

	if (!res) {
		pt_seterr(err, errlen, "no result");
		return -EINVAL;
	}
	memset(res, 0, sizeof(*res));
	if (!probes || !probes->obj || bpf_map__fd(probes->maps.pt_pring) < 0) {
		pt_seterr(err, errlen, "the proc probes are not loaded");
		return -EINVAL;
	}
	e = seed_open(probes, true, &skel, why, sizeof(why), err, errlen);
	if (e) {
		snprintf(res->argv_why, sizeof(res->argv_why), "%s", why[0] ? why : strerror(-e));
		e = seed_open(probes, false, &skel, why, sizeof(why), err, errlen);
		if (e)
			goto cleanup;
	} else {
		res->argv = true;
	}
	e = run_iter(res->argv ? skel->progs.pt_seed_proc_s : skel->progs.pt_seed_proc, err, errlen);
	if (!e)
		e = run_iter(skel->progs.pt_seed_fd, err, errlen);
	res->procs = skel->bss->seed_procs;
	res->fds = skel->bss->seed_fds;
	res->lost_procs = skel->bss->seed_lost_procs;
	res->lost_fds = skel->bss->seed_lost_fds;
	res->faults = skel->bss->seed_faults;
cleanup:
	proc_seed_bpf__destroy(skel);
	return e;
}
