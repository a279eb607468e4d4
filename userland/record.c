// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "collector/collect.h"
#include "collector/store.h"
#include "common/log.h"
#include "common/units.h"
#include "loader/loader.h"
#include "loader/pins.h"
#include "loader/procs.h"
#include "query/pmload.h"
#include "userland/cgroup.h"
#include "userland/findexe.h"
#include "userland/ptx.h"
#include "userland/ptx_build.h"
#include "userland/ptx_show.h"
#include "userland/record.h"

extern char **environ;

#define DRAIN_TIMEOUT_MS	10000
#define KILL_TIMEOUT_MS		5000

/* Everything a recording holds on to, for one cleanup. */
struct recorder {
	char tmp[PATH_MAX];		/* private temp dir: store, collector socket and log */
	char pin_dir[256];
	bool probes;			/* loaded under pin_dir */
	struct pt_cgroup cg;
	pid_t collector;
	int collector_st;		/* its wait status once reaped (collector_gone), else -1 */
	pid_t child;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) && errno != ENOENT)
		pt_warn("record: cannot remove %s: %s", path, strerror(errno));
	return 0;
}

/* Copy file path to stderr, each line indented. */
static void show_file(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "  | %s", line);
	fclose(f);
}

/*
 * The loader and the collector say what they do on stderr; for record that is
 * noise around the command's own output. Send our stderr to path until
 * quiet_end, which shows it when asked (a failure, or -v). Returns the saved
 * stderr fd, or -1 (then nothing is redirected).
 */
static int quiet_begin(const char *path)
{
	int saved, fd;

	if (pt_log_verbosity() > 0)
		return -1;
	fflush(stderr);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	saved = fd < 0 ? -1 : fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
	if (saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		saved = -1;
	}
	if (fd >= 0)
		close(fd);
	return saved;
}

static void quiet_end(int saved, const char *path, bool show)
{
	if (saved < 0)
		return;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	if (show)
		show_file(path);
	unlink(path);
}

/* Fork the collector on the private store; wait until it serves. 0 or -errno (logged). */
static int start_collector(struct recorder *r)
{
	char store[PATH_MAX + 16], sock[PATH_MAX + 16], logp[PATH_MAX + 16], buf[8];
	int p[2], logfd;
	ssize_t n;

	snprintf(store, sizeof(store), "%s/store", r->tmp);
	snprintf(sock, sizeof(sock), "%s/collect.sock", r->tmp);
	snprintf(logp, sizeof(logp), "%s/collect.log", r->tmp);
	logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (logfd < 0 || pipe2(p, O_CLOEXEC)) {
		int err = -errno;

		pt_err("record: cannot set up the collector in %s: %s", r->tmp, strerror(-err));
		if (logfd >= 0)
			close(logfd);
		return err;
	}
	r->collector = fork();
	if (r->collector < 0) {
		int err = -errno;

		pt_err("record: cannot fork the collector: %s", strerror(-err));
		close(logfd);
		close(p[0]);
		close(p[1]);
		r->collector = 0;
		return err;
	}
	if (r->collector == 0) {
		/* a temporary store (the .ptx is built from it): sealing it uncompressed
		 * takes no CPU from the command running beside it */
		struct pt_collect_opts co = { .store_dir = store, .socket_path = sock, .ready_fd = p[1],
					      .log_fd = logfd, .zlevel = PT_STORE_UNCOMPRESSED };

		/* not in the terminal's process group: a ^C for the command must not stop it early */
		setpgid(0, 0);
		dup2(logfd, STDERR_FILENO);	/* its messages: the log, shown if it fails */
		signal(SIGINT, SIG_IGN);
		close(p[0]);
		_exit(pt_collect_run(&co) ? 1 : 0);
	}
	close(p[1]);
	close(logfd);
	do
		n = read(p[0], buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n <= 0) {
		pt_err("record: the collector did not start:");
		show_file(logp);
		waitpid(r->collector, NULL, 0);
		r->collector = 0;
		return -ECHILD;
	}
	return 0;
}

/* Has the collector ended (it is reaped here, its wait status kept in r->collector_st)? */
static bool collector_gone(struct recorder *r)
{
	int st;

	if (r->collector_st >= 0)
		return true;
	if (r->collector > 0 && waitpid(r->collector, &st, WNOHANG) == r->collector) {
		r->collector_st = st;
		return true;
	}
	return false;
}

/* Wait until the collector has consumed the whole proc ring (bounded). */
static bool drain(struct recorder *r)
{
	char path[512];
	int fd = bpf_obj_get(pt_pin_path(path, sizeof(path), PT_PROC_RING_PIN));
	long long left = -1;

	if (fd < 0) {
		pt_warn("record: cannot open the ring %s to see it drained: %s", path, strerror(errno));
		return false;
	}
	for (int waited = 0; waited < DRAIN_TIMEOUT_MS; waited += 5) {
		left = pt_ring_backlog(fd);
		if (left == 0 || collector_gone(r))
			break;
		poll(NULL, 0, 5);
	}
	close(fd);
	if (left != 0 && r->collector_st >= 0)
		pt_warn("record: the collector is gone with %lld bytes left in the ring: the recording lacks them",
			left);
	else if (left != 0)
		pt_warn("record: the collector did not drain the ring within %d s (%lld bytes left): the "
			"recording lacks them", DRAIN_TIMEOUT_MS / 1000, left);
	return left == 0;
}

/*
 * Stop the collector: SIGTERM makes it drain, store its losses and exit.
 * false when it did not end well (it died, or failed): what it had not
 * stored is missing, in an amount nobody counted.
 */
static bool stop_collector(struct recorder *r)
{
	int st = 0;
	pid_t w;

	if (r->collector <= 0)
		return true;
	if (collector_gone(r)) {
		w = r->collector;
		st = r->collector_st;
	} else {
		kill(r->collector, SIGTERM);
		while ((w = waitpid(r->collector, &st, 0)) < 0 && errno == EINTR)
			;
	}
	if (w < 0)
		pt_warn("record: cannot wait for the collector %d: %s", r->collector, strerror(errno));
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		pt_warn("record: the collector %s %d: what it had not stored is missing", WIFSIGNALED(st) ?
			"was killed by signal" : "ended with status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	r->collector = 0;
	return w >= 0 && WIFEXITED(st) && !WEXITSTATUS(st);
}

/* Unload the probes if loaded, quietly: their messages are shown only if it fails. */
static void unload_probes(struct recorder *r)
{
	char quiet[PATH_MAX + 16];
	int saved, err;

	if (!r->probes)
		return;
	snprintf(quiet, sizeof(quiet), "%s/unload.log", r->tmp);
	saved = r->tmp[0] ? quiet_begin(quiet) : -1;
	err = pt_probe_unload(NULL, 0, true);
	quiet_end(saved, quiet, err && err != -ENOENT);	/* (a failed load removed them itself) */
	r->probes = false;
}

static void cleanup(struct recorder *r)
{
	int err;

	if (r->child > 0) {
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
		r->child = 0;
	}
	if (r->cg.path[0] && pt_cgroup_nprocs(&r->cg) > 0)
		pt_cgroup_kill(&r->cg, KILL_TIMEOUT_MS);
	stop_collector(r);
	unload_probes(r);
	rmdir(r->pin_dir);
	err = pt_cgroup_remove(&r->cg);
	if (err)
		pt_warn("record: cannot remove cgroup %s: %s", r->cg.path, strerror(-err));
	if (r->tmp[0])
		nftw(r->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A deep copy of a NULL-terminated string vector; NULL on ENOMEM. */
static char **strv_dup(char *const *v)
{
	size_t n = 0;
	char **d;

	while (v[n])
		n++;
	d = calloc(n + 1, sizeof(*d));
	for (size_t i = 0; d && i < n; i++) {
		d[i] = strdup(v[i]);
		if (!d[i]) {
			while (i--)
				free(d[i]);
			free(d);
			return NULL;
		}
	}
	return d;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Environment and argv as NUL-separated strings. -ENOMEM or 0. */
static int pack_strings(char *const *v, char **out, __u32 *count, __u32 *len)
{
	size_t n = 0;
	char *p;

	*count = 0;
	for (char *const *s = v; *s; s++)
		n += strlen(*s) + 1;
	*out = p = malloc(n ? n : 1);
	if (!p)
		return -ENOMEM;
	for (char *const *s = v; *s; s++) {
		size_t l = strlen(*s) + 1;

		memcpy(p, *s, l);
		p += l;
		(*count)++;
	}
	*len = (__u32)n;
	return 0;
}

/* The recording's own facts (meta, command, environment). 0 or -ENOMEM. */
static int fill_meta(struct pt_ptx *x, const struct pt_record_opts *o, const struct pt_pmload *l)
{
	struct utsname u;
	char cwd[PATH_MAX];

	snprintf(x->host, sizeof(x->host), "%s", l->host);
	if (!uname(&u))
		snprintf(x->kernel, sizeof(x->kernel), "%.20s %.64s %.20s", u.sysname, u.release, u.machine);
	snprintf(x->tool, sizeof(x->tool), "provtap record (ptx %d)", PT_PTX_VERSION);
	x->content_max = o->content_max;
	x->call_content = PT_CALL_CONTENT_MAX;
	x->cwd = strdup(getcwd(cwd, sizeof(cwd)) ? cwd : "");
	if (!x->cwd || pack_strings(o->argv, &x->argv, &x->argc, &x->argv_len))
		return -ENOMEM;
	return 0;
}

/*
 * SIGTERM / SIGHUP to record (timeout(1), a closed terminal, a dropped ssh): passed
 * on to the command, which ends as it would without us; record then writes what
 * was recorded and cleans up as usual. Before the command runs, the signal is
 * kept and record stops at the next step (cleaning up).
 */
static volatile sig_atomic_t term_sig;
static volatile pid_t term_child;

static void on_term(int sig)
{
	term_sig = sig;
	if (term_child > 0)
		kill(term_child, sig);
}

/*
 * A SIGTERM/SIGHUP came before the command started: say so. -EINTR then,
 * whatever @err the step it interrupted returned (a probe load the signal cut
 * short fails for that reason, not its own); else @err.
 */
static int terminated_early(int err)
{
	if (!term_sig)
		return err;
	pt_err("record: terminated by signal %d before the command ran; nothing recorded", (int)term_sig);
	return -EINTR;
}

int pt_record(const struct pt_record_opts *o, struct pt_record_result *res)
{
	struct recorder r = { .cg = { .fd = -1 }, .collector_st = -1 };
	/* the .ptx keeps the network's bytes only: no content of files, pipes and unix sockets, and of a TCP
	 * connection only what --content-max keeps (the probes stop capturing past it: the ring,
	 * the temporary store and the model stay within it however much the command moves) */
	struct pt_procs_opts po = { .content = PT_CALL_CONTENT_MAX, .content_inet = true,
				    .scope = PT_SCOPE_CGROUP, .ring_bytes = PT_RECORD_RING_BYTES,
				    .conn_content_max = o->content_max };
	struct pt_load_opts lo = { .procs = &po };
	struct pt_procs_state ps;
	struct pt_pmload *l = NULL;
	struct pt_ptx *x = NULL;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit, old_term, old_hup;
	struct sigaction fwd = { .sa_handler = on_term }, dfl = { .sa_handler = SIG_DFL }, old_chld;
	char exe[PATH_MAX], store[PATH_MAX + 16], quiet[PATH_MAX + 16], name[64], msg[512] = "";
	__u64 t0, t1, real0;
	char **cmd_env = NULL, *old_pin = NULL;
	int err, st = 0, saved, xerr;
	bool unstored;

	memset(res, 0, sizeof(*res));
	err = pt_find_exe(o->argv[0], exe, sizeof(exe));
	if (err) {
		res->exe_err = err;
		pt_err("record: %s: %s", o->argv[0], err == -ENOENT ? "command not found" : strerror(-err));
		return err;
	}
	/* the command runs once: a recording that cannot be written is said before it runs */
	err = pt_ptx_writable(o->out, msg, sizeof(msg));
	if (err) {
		pt_err("record: %s; the command was not run", msg);
		return err;
	}
	term_sig = 0;
	term_child = 0;
	/* the command's exit status is waited for: an inherited SIGCHLD ignore would reap it unseen */
	sigaction(SIGCHLD, &dfl, &old_chld);
	sigemptyset(&fwd.sa_mask);
	fwd.sa_flags = SA_RESTART;	/* the steps go on to a point where they stop cleanly */
	sigaction(SIGTERM, &fwd, &old_term);
	sigaction(SIGHUP, &fwd, &old_hup);
	/* until the command runs, ^C stops record as SIGTERM does (cleaning up); then it is the
	 * command's, and ignored here until all is written and cleaned up */
	sigaction(SIGINT, &fwd, &old_int);
	sigaction(SIGQUIT, &fwd, &old_quit);
	snprintf(r.tmp, sizeof(r.tmp), "/tmp/provtap-record.XXXXXX");
	if (!mkdtemp(r.tmp)) {
		err = -errno;
		pt_err("record: cannot create a temporary directory: %s", strerror(-err));
		r.tmp[0] = 0;
		goto cleanup;
	}
	/* private pins: beside any provtap already loaded on this host, never touching it */
	snprintf(r.pin_dir, sizeof(r.pin_dir), "/sys/fs/bpf/provtap-record-%d", (int)getpid());
	/* the command's environment is ours as it was before the private pin dir was set */
	cmd_env = strv_dup(environ);
	if (!cmd_env) {
		err = -ENOMEM;
		pt_err("record: out of memory");
		goto cleanup;
	}
	old_pin = getenv("PROVTAP_PIN_DIR") ? strdup(getenv("PROVTAP_PIN_DIR")) : NULL;
	setenv("PROVTAP_PIN_DIR", r.pin_dir, 1);
	snprintf(name, sizeof(name), "provtap-record-%d", (int)getpid());
	err = pt_cgroup_create(name, &r.cg, msg, sizeof(msg));
	if (err) {
		pt_err("record: %s", msg);
		goto cleanup;
	}
	err = terminated_early(0);
	if (err)
		goto cleanup;
	po.cgroup = r.cg.path;
	r.probes = true;	/* a failed load removes what it made; unloading again is harmless */
	snprintf(quiet, sizeof(quiet), "%s/load.log", r.tmp);
	saved = quiet_begin(quiet);
	err = pt_probe_load(&lo);
	quiet_end(saved, quiet, err && !term_sig);
	if (err && !term_sig)
		pt_err("record: cannot load the proc probes (messages above)");
	err = terminated_early(err);
	if (err)
		goto cleanup;
	err = terminated_early(start_collector(&r));
	if (err)
		goto cleanup;
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGQUIT, &ign, NULL);
	real0 = pt_now_ns(CLOCK_REALTIME);
	t0 = pt_now_ns(CLOCK_BOOTTIME);
	err = pt_cgroup_spawn(&r.cg, exe, o->argv, cmd_env, NULL, &xerr, msg, sizeof(msg));
	if (err < 0) {
		pt_err("record: %s", msg);
		if (xerr)	/* it did not run: no recording of nothing */
			res->exe_err = -ENOEXEC;
	} else {
		r.child = err;
		term_child = r.child;
		if (term_sig)	/* it came between the spawn and term_child */
			kill(r.child, term_sig);
		err = 0;
		res->started = true;
		while (waitpid(r.child, &st, 0) < 0 && errno == EINTR)
			;
		term_child = 0;
		r.child = 0;
		res->status = st;
	}
	t1 = pt_now_ns(CLOCK_BOOTTIME);
	if (err)
		goto cleanup;
	int left = pt_cgroup_nprocs(&r.cg);

	if (left > 0) {
		pt_warn("record: %d process(es) of the command still ran after it exited; killed (their "
			"records up to now are kept)", left);
		if (pt_cgroup_kill(&r.cg, KILL_TIMEOUT_MS))
			pt_warn("record: cgroup %s did not empty within %d s", r.cg.path, KILL_TIMEOUT_MS / 1000);
	}
	unstored = !drain(&r);
	if (pt_procs_state(&ps))
		memset(&ps, 0, sizeof(ps));
	unstored = !stop_collector(&r) || unstored;
	unload_probes(&r);

	snprintf(store, sizeof(store), "%s/store", r.tmp);
	err = pt_pmload(store, &l, msg, sizeof(msg));
	if (err) {
		pt_err("record: cannot read the recorded store: %s", msg);
		goto cleanup;
	}
	/* the counters are authoritative for what the ring lost (the collector may have missed the end) */
	for (int k = 0; k < PT_PC_MAX; k++) {
		if (ps.st[k].ring_fail > l->lost[k]) {
			l->lost_total += ps.st[k].ring_fail - l->lost[k];
			l->lost[k] = ps.st[k].ring_fail;
		}
	}
	x = pt_ptx_new();
	err = x ? fill_meta(x, o, l) : -ENOMEM;
	if (!err)
		err = pack_strings(cmd_env, &x->env, &x->nenv, &x->env_len);
	if (err) {
		pt_err("record: out of memory");
		goto cleanup;
	}
	x->origin_boot_ns = t0;
	x->origin_real_ns = real0;
	x->duration_ns = t1 - t0;
	x->exit_status = st;
	err = pt_ptx_build(l, &(struct pt_ptx_build_opts){ .origin_boot_ns = t0, .content_max = o->content_max,
							  .lost_uncounted = unstored },
			   x, msg, sizeof(msg));
	if (!err && o->hosts && pt_hosts_from_apply(o->hosts, l->m, x) < 0) {
		err = -ENOMEM;
		snprintf(msg, sizeof(msg), "out of memory placing the processes on hosts");
	}
	if (!err)
		err = pt_ptx_write(x, o->out, msg, sizeof(msg));
	if (err) {
		pt_err("record: %s", msg);
		goto cleanup;
	}
	res->written = true;
	res->incomplete = x->flags & (PT_PTX_F_TRUNC | PT_PTX_F_LOST | PT_PTX_F_PARTIAL);
	pt_ptx_report(x, o->out, stderr);
cleanup:
	cleanup(&r);
	if (!res->started && err == -EINTR)
		res->terminated = term_sig;
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
	pt_pmload_free(l);
	pt_ptx_free(x);
	strv_free(cmd_env);
	if (old_pin)
		setenv("PROVTAP_PIN_DIR", old_pin, 1);
	else if (r.pin_dir[0])
		unsetenv("PROVTAP_PIN_DIR");
	free(old_pin);
	return err;
}
