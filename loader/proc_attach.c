// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/pkt.h"
#include "bpf/proc.h"
#include "proc.skel.h"
#include "common/log.h"
#include "loader/features.h"
#include "loader/proc_attach.h"

/* Syscalls some architectures lack (aarch64: open, creat, pipe, dup2; x86_64:
 * send, recv): -1 there. */
#ifdef SYS_open
#define PT_NR_OPEN SYS_open
#else
#define PT_NR_OPEN -1
#endif
#ifdef SYS_creat
#define PT_NR_CREAT SYS_creat
#else
#define PT_NR_CREAT -1
#endif
#ifdef SYS_pipe
#define PT_NR_PIPE SYS_pipe
#else
#define PT_NR_PIPE -1
#endif
#ifdef SYS_dup2
#define PT_NR_DUP2 SYS_dup2
#else
#define PT_NR_DUP2 -1
#endif
#ifdef SYS_send
#define PT_NR_SEND SYS_send
#else
#define PT_NR_SEND -1
#endif
#ifdef SYS_recv
#define PT_NR_RECV SYS_recv
#else
#define PT_NR_RECV -1
#endif
#ifdef SYS_openat2
#define PT_NR_OPENAT2 SYS_openat2
#else
#define PT_NR_OPENAT2 -1
#endif
#ifdef SYS_close_range
#define PT_NR_CLOSE_RANGE SYS_close_range
#else
#define PT_NR_CLOSE_RANGE -1
#endif
/* the 64-bit sendfile is SYSCALL_DEFINE4(sendfile64) (tracepoint sendfile64);
 * 32-bit ABIs have both, sendfile64 is the one with a 64-bit offset */
#ifdef SYS_sendfile64
#define PT_NR_SENDFILE SYS_sendfile64
#else
#define PT_NR_SENDFILE SYS_sendfile
#endif

#define C(n, tp, call, nr) { n, tp, call, nr }

const struct pt_proc_call pt_proc_calls[] = {
	C("socket", "socket", PT_CALL_SOCKET, SYS_socket),
	C("socketpair", "socketpair", PT_CALL_SOCKETPAIR, SYS_socketpair),
	C("bind", "bind", PT_CALL_BIND, SYS_bind),
	C("listen", "listen", PT_CALL_LISTEN, SYS_listen),
	C("accept", "accept", PT_CALL_ACCEPT, SYS_accept),
	C("accept4", "accept4", PT_CALL_ACCEPT4, SYS_accept4),
	C("connect", "connect", PT_CALL_CONNECT, SYS_connect),
	C("shutdown", "shutdown", PT_CALL_SHUTDOWN, SYS_shutdown),
	C("close", "close", PT_CALL_CLOSE, SYS_close),
	C("close_range", "close_range", PT_CALL_CLOSE_RANGE, PT_NR_CLOSE_RANGE),
	C("dup", "dup", PT_CALL_DUP, SYS_dup),
	C("dup2", "dup2", PT_CALL_DUP2, PT_NR_DUP2),
	C("dup3", "dup3", PT_CALL_DUP3, SYS_dup3),
	C("fcntl", "fcntl", PT_CALL_FCNTL, SYS_fcntl),
	C("ioctl", "ioctl", PT_CALL_IOCTL, SYS_ioctl),
	C("pipe", "pipe", PT_CALL_PIPE, PT_NR_PIPE),
	C("pipe2", "pipe2", PT_CALL_PIPE2, SYS_pipe2),
	C("open", "open", PT_CALL_OPEN, PT_NR_OPEN),
	C("openat", "openat", PT_CALL_OPENAT, SYS_openat),
	C("openat2", "openat2", PT_CALL_OPENAT2, PT_NR_OPENAT2),
	C("creat", "creat", PT_CALL_CREAT, PT_NR_CREAT),
	C("execve", "execve", PT_CALL_EXECVE, SYS_execve),
	C("execveat", "execveat", PT_CALL_EXECVEAT, SYS_execveat),
	C("read", "read", PT_CALL_READ, SYS_read),
	C("write", "write", PT_CALL_WRITE, SYS_write),
	C("readv", "readv", PT_CALL_READV, SYS_readv),
	C("writev", "writev", PT_CALL_WRITEV, SYS_writev),
	C("pread64", "pread64", PT_CALL_PREAD64, SYS_pread64),
	C("pwrite64", "pwrite64", PT_CALL_PWRITE64, SYS_pwrite64),
	C("send", "send", PT_CALL_SEND, PT_NR_SEND),
	C("sendto", "sendto", PT_CALL_SENDTO, SYS_sendto),
	C("sendmsg", "sendmsg", PT_CALL_SENDMSG, SYS_sendmsg),
	C("sendmmsg", "sendmmsg", PT_CALL_SENDMMSG, SYS_sendmmsg),
	C("recv", "recv", PT_CALL_RECV, PT_NR_RECV),
	C("recvfrom", "recvfrom", PT_CALL_RECVFROM, SYS_recvfrom),
	C("recvmsg", "recvmsg", PT_CALL_RECVMSG, SYS_recvmsg),
	C("recvmmsg", "recvmmsg", PT_CALL_RECVMMSG, SYS_recvmmsg),
	C("sendfile", "sendfile64", PT_CALL_SENDFILE, PT_NR_SENDFILE),
};

const size_t pt_proc_ncalls = sizeof(pt_proc_calls) / sizeof(pt_proc_calls[0]);

const char *const pt_proc_sched_tps[] = {
	"sched_process_fork", "sched_process_exec", "sched_process_exit",
};

const size_t pt_proc_nsched_tps = sizeof(pt_proc_sched_tps) / sizeof(pt_proc_sched_tps[0]);

const char *pt_proc_call_name(__u16 call)
{
	size_t i;

	if (call == PT_CALL_SEED_FD)
		return "seed_fd";
	for (i = 0; i < pt_proc_ncalls; i++)
		if (pt_proc_calls[i].call == call)
			return pt_proc_calls[i].name;
	return "?";
}

/* The program variants (bpf/proc_maps.bpf.h: pt_btf, pt_cast), best first. */
static const struct {
	const char *name;
	__u32 id;		/* enum pt_proc_variant */
	__u32 btf, cast;
} variants[] = {
	{ "btf-cast", PT_PV_BTF_CAST, 1, 1 },	/* plain loads from the task to the socket */
	{ "btf", PT_PV_BTF, 1, 0 },		/* plain loads from the task to the FD slot */
	{ "core", PT_PV_CORE, 0, 0 },		/* bpf_probe_read_kernel everywhere, sys_enter on every call */
};

#define NVARIANTS	(sizeof(variants) / sizeof(variants[0]))

/*
 * The best variant this kernel loads: a trial load of the whole object per
 * variant, libbpf kept quiet, done once per process (the kernel decides, not
 * its version). Returns its index in variants[] ("core" needs no trial: it
 * is what the kernel is required to load), or -errno when a trial could not
 * be set up.
 */
static int best_variant(int ncpu)
{
	static int known = -1;
	struct proc_bpf *t;
	size_t i;
	int e, quiet;

	if (known >= 0)
		return known;
	for (i = 0; i + 1 < NVARIANTS; i++) {
		t = proc_bpf__open();
		if (!t)
			return -errno;
		t->rodata->pt_btf = variants[i].btf;
		t->rodata->pt_cast = variants[i].cast;
		e = bpf_map__set_max_entries(t->maps.pt_pstage, ncpu);
		if (!e)
			e = bpf_map__set_max_entries(t->maps.pt_pring, 4096);
		if (!e)
			e = bpf_map__set_max_entries(t->maps.pt_pargs, 64);
		if (e) {
			proc_bpf__destroy(t);
			return e;
		}
		quiet = pt_log_libbpf_quiet(1);
		e = proc_bpf__load(t);
		pt_log_libbpf_quiet(quiet);
		proc_bpf__destroy(t);
		if (!e)
			break;
	}
	known = (int)i;
	return known;
}

__u32 pt_proc_variant(const struct proc_bpf *skel)
{
	return !skel->rodata->pt_btf ? PT_PV_CORE : skel->rodata->pt_cast ? PT_PV_BTF_CAST : PT_PV_BTF;
}

const char *pt_proc_variant_name(__u32 variant)
{
	for (size_t i = 0; i < NVARIANTS; i++)
		if (variants[i].id == variant)
			return variants[i].name;
	return "?";
}

int pt_proc_prepare(struct proc_bpf *skel, const char *variant, char *err, size_t errlen)
{
	const char *force = variant && *variant ? variant : getenv("PROVTAP_PROC_VARIANT");
	int ncpu, e, v = -1;
	size_t i;

	if (!skel) {
		pt_seterr(err, errlen, "proc probes: no skeleton");
		return -EINVAL;
	}
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0) {
		pt_seterr(err, errlen, "proc probes: cannot count possible CPUs: %s", strerror(-ncpu));
		return ncpu ? ncpu : -EINVAL;
	}
	e = bpf_map__set_max_entries(skel->maps.pt_pstage, ncpu);
	if (e) {
		pt_seterr(err, errlen, "proc probes: cannot size map pt_pstage to %d CPUs: %s", ncpu,
		       strerror(-e));
		return e;
	}
	if (force && *force) {
		for (i = 0; i < NVARIANTS; i++)
			if (!strcmp(force, variants[i].name))
				v = (int)i;
		if (v < 0) {
			pt_seterr(err, errlen, "no program variant '%s'%s: give btf-cast, btf or core", force,
			       variant && *variant ? "" : " (PROVTAP_PROC_VARIANT)");
			return -EINVAL;
		}
	} else {
		v = best_variant(ncpu);
		if (v < 0) {
			pt_seterr(err, errlen, "proc probes: cannot try the program variants: %s", strerror(-v));
			return v;
		}
	}
	skel->rodata->pt_btf = variants[v].btf;
	skel->rodata->pt_cast = variants[v].cast;
	/* "btf" keeps the threads' state in task storage: pt_pargs is unused */
	if (variants[v].btf) {
		e = bpf_map__set_max_entries(skel->maps.pt_pargs, 1);
		if (e) {
			pt_seterr(err, errlen, "proc probes: cannot size map pt_pargs: %s", strerror(-e));
			return e;
		}
	}
	return 0;
}

/* "btf" runs sys_enter only where the state before the call is needed: a
 * close's object, a send's write_seq (bpf/proc.bpf.c, pt_call_snap), the
 * latter not with the send-tp hook except for the calls that may send in
 * several steps. */
static int enter_needed(const struct proc_bpf *skel, __u16 call)
{
	if (!skel->rodata->pt_btf)
		return 1;
	switch (call) {
	case PT_CALL_CLOSE: case PT_CALL_SENDMMSG: case PT_CALL_SENDFILE:
		/* sendmmsg and sendfile may run tcp_sendmsg_locked several times: the
		 * entry's write_seq bounds their bytes even with the tracepoint hook */
		return 1;
	case PT_CALL_WRITE: case PT_CALL_WRITEV: case PT_CALL_SEND: case PT_CALL_SENDTO: case PT_CALL_SENDMSG:
		/* one tcp_sendmsg_locked each: the tracepoint hook notes their start itself */
		return !skel->rodata->pt_hook_tp;
	}
	return 0;
}

/* The directory holding the syscall tracepoints, as libbpf looks for it. */
static const char *tracefs_events(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events",
	};
	char p[128];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/syscalls", dirs[i]);
		if (access(p, F_OK) == 0)
			return dirs[i];
	}
	return NULL;
}

static int tp_exists(const char *events, const char *cat, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s/%s", events, cat, name);
	return access(p, F_OK) == 0;
}

static int add_link(struct pt_proc_links *out, struct bpf_link *link, const char *tp,
		    const char *pin, __u16 call)
{
	struct pt_proc_link *l;

	if (out->n >= PT_PROC_LINKS_MAX) {
		bpf_link__destroy(link);
		return -E2BIG;
	}
	l = &out->l[out->n++];
	l->link = link;
	snprintf(l->tp, sizeof(l->tp), "%.63s", tp);
	snprintf(l->pin, sizeof(l->pin), "%.63s", pin);
	l->call = call;
	return 0;
}

static int attach_sys(struct proc_bpf *skel, struct pt_proc_links *out, const char *dir,
		      const char *suffix, __u16 call, char *err, size_t errlen)
{
	struct bpf_program *prog = !strcmp(dir, "enter") ? skel->progs.pt_sys_enter :
							   skel->progs.pt_sys_exit;
	struct bpf_link *link;
	char name[64], tp[80], pin[80];
	int e;

	snprintf(name, sizeof(name), "sys_%s_%s", dir, suffix);
	link = bpf_program__attach_tracepoint(prog, "syscalls", name);
	e = libbpf_get_error(link);
	if (e) {
		pt_seterr(err, errlen, "proc probes: cannot attach %s to tracepoint syscalls/%s: %s",
		       bpf_program__name(prog), name, strerror(-e));
		return e;
	}
	snprintf(tp, sizeof(tp), "syscalls/%s", name);
	snprintf(pin, sizeof(pin), "proc_%s", name);
	e = add_link(out, link, tp, pin, call);
	if (e)
		pt_seterr(err, errlen, "proc probes: more than %d links", PT_PROC_LINKS_MAX);
	return e;
}

int pt_proc_attach(struct proc_bpf *skel, struct pt_proc_links *out, char *err, size_t errlen)
{
	struct bpf_program *sched[] = { NULL, NULL, NULL };
	const char *events;
	int ncpu, psys_fd, e = 0;
	__u32 psys_max;
	size_t i;

	if (!out) {
		pt_seterr(err, errlen, "proc probes: no link table");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (!skel || !skel->obj) {
		pt_seterr(err, errlen, "proc probes: no skeleton");
		return -EINVAL;
	}
	sched[0] = skel->progs.pt_fork;
	sched[1] = skel->progs.pt_exec;
	sched[2] = skel->progs.pt_exit;
	psys_fd = bpf_map__fd(skel->maps.pt_psys);
	if (psys_fd < 0) {
		pt_seterr(err, errlen, "proc probes: the skeleton is not loaded (map pt_psys has no fd)");
		return -EINVAL;
	}
	ncpu = libbpf_num_possible_cpus();
	if (ncpu > 0 && bpf_map__max_entries(skel->maps.pt_pstage) < (__u32)ncpu) {
		pt_seterr(err, errlen, "proc probes: map pt_pstage has %u entries for %d CPUs: "
		       "pt_proc_prepare() must run before load",
		       bpf_map__max_entries(skel->maps.pt_pstage), ncpu);
		return -EINVAL;
	}
	events = tracefs_events();
	if (!events) {
		pt_seterr(err, errlen, "proc probes: no syscall tracepoints in tracefs "
		       "(/sys/kernel/tracing/events/syscalls): mount it with "
		       "`mount -t tracefs tracefs /sys/kernel/tracing`, or the kernel lacks "
		       "CONFIG_FTRACE_SYSCALLS");
		return -ENOENT;
	}
	psys_max = bpf_map__max_entries(skel->maps.pt_psys);

	/* process events first, so the pid tree follows forks from the start */
	for (i = 0; i < pt_proc_nsched_tps; i++) {
		struct bpf_link *link = bpf_program__attach_raw_tracepoint(sched[i],
									   pt_proc_sched_tps[i]);
		char tp[64], pin[64];

		e = libbpf_get_error(link);
		if (e) {
			pt_seterr(err, errlen, "proc probes: cannot attach %s to raw tracepoint %s: %s",
			       bpf_program__name(sched[i]), pt_proc_sched_tps[i], strerror(-e));
			goto fail;
		}
		snprintf(tp, sizeof(tp), "raw_tp/%s", pt_proc_sched_tps[i]);
		snprintf(pin, sizeof(pin), "proc_%s", pt_proc_sched_tps[i]);
		e = add_link(out, link, tp, pin, 0);
		if (e) {
			pt_seterr(err, errlen, "proc probes: more than %d links", PT_PROC_LINKS_MAX);
			goto fail;
		}
	}

	for (i = 0; i < pt_proc_ncalls; i++) {
		const struct pt_proc_call *c = &pt_proc_calls[i];
		char en[64], ex[64];
		__u32 key;

		snprintf(en, sizeof(en), "sys_enter_%s", c->tp);
		snprintf(ex, sizeof(ex), "sys_exit_%s", c->tp);
		if (c->nr < 0 || !tp_exists(events, "syscalls", en) ||
		    !tp_exists(events, "syscalls", ex)) {
			out->missing[out->nmissing++] = c;
			continue;
		}
		if ((__u32)c->nr >= psys_max) {
			pt_seterr(err, errlen, "proc probes: syscall %s is number %d, beyond map pt_psys "
			       "(%u entries)", c->name, c->nr, psys_max);
			e = -ERANGE;
			goto fail;
		}
		key = c->nr;
		if (bpf_map_update_elem(psys_fd, &key, &c->call, BPF_ANY)) {
			e = -errno;
			pt_seterr(err, errlen, "proc probes: cannot write pt_psys[%d] (%s): %s", c->nr,
			       c->name, strerror(-e));
			goto fail;
		}
		e = enter_needed(skel, c->call) ? attach_sys(skel, out, "enter", c->tp, c->call, err, errlen) : 0;
		if (!e)
			e = attach_sys(skel, out, "exit", c->tp, c->call, err, errlen);
		if (e)
			goto fail;
	}
	return 0;

fail:
	pt_proc_links_destroy(out);
	return e;
}

/* Destroyers: each close of a tracepoint link waits for an RCU grace period
 * (10-30 ms), one after another a hundred of them take seconds; closed from
 * several threads the waits overlap. */
#define DESTROY_THREADS	8

struct destroy_part {
	struct pt_proc_links *l;
	size_t first;		/* this thread's links: first, first + DESTROY_THREADS, ... */
};

static void *destroy_part(void *arg)
{
	struct destroy_part *d = arg;
	size_t n = d->l->n < PT_PROC_LINKS_MAX ? d->l->n : PT_PROC_LINKS_MAX;

	for (size_t i = d->first; i < n; i += DESTROY_THREADS)
		bpf_link__destroy(d->l->l[i].link);
	return NULL;
}

void pt_proc_send_prepare(struct proc_bpf *skel, const struct pt_variant *v)
{
	bool fentry = v && v->prog_id == PT_PROG_SEND_FENTRY, kprobe = v && v->prog_id == PT_PROG_SEND_KPROBE;
	bool tp = v && v->prog_id == PT_PROG_SEND_TP;

	skel->rodata->pt_hook_tp = tp;
	bpf_program__set_autoload(skel->progs.pt_send_tp, tp);
	bpf_program__set_autoload(skel->progs.pt_send_fentry, fentry);
	bpf_program__set_autoload(skel->progs.pt_send_fexit, fentry);
	bpf_program__set_autoload(skel->progs.pt_send_kprobe, kprobe);
	bpf_program__set_autoload(skel->progs.pt_send_kretprobe, kprobe);
}

int pt_proc_send_attach(struct proc_bpf *skel, const struct pt_variant *v, struct pt_proc_links *out, char *err,
			size_t errlen)
{
	struct bpf_program *p[2];
	const char *pin[2];
	struct bpf_link *link;
	int e, n = 2;

	if (!v || (v->prog_id != PT_PROG_SEND_FENTRY && v->prog_id != PT_PROG_SEND_KPROBE &&
		   v->prog_id != PT_PROG_SEND_TP))
		return 0;
	if (v->prog_id == PT_PROG_SEND_TP) {
		p[0] = skel->progs.pt_send_tp;
		pin[0] = "proc_send_tp";
		n = 1;
	} else if (v->prog_id == PT_PROG_SEND_FENTRY) {
		p[0] = skel->progs.pt_send_fentry, p[1] = skel->progs.pt_send_fexit;
		pin[0] = "proc_send_fentry", pin[1] = "proc_send_fexit";
	} else {
		p[0] = skel->progs.pt_send_kprobe, p[1] = skel->progs.pt_send_kretprobe;
		pin[0] = "proc_send_kprobe", pin[1] = "proc_send_kretprobe";
	}
	for (int i = 0; i < n; i++) {
		link = bpf_program__attach(p[i]);
		if (!link) {
			e = -errno;
			pt_seterr(err, errlen, "cannot attach %s (send hook %s) to tcp_sendmsg_locked: %s",
			       bpf_program__name(p[i]), v->name, strerror(-e));
			return e;
		}
		e = add_link(out, link, bpf_program__section_name(p[i]), pin[i], 0);
		if (e) {
			pt_seterr(err, errlen, "too many links (%d)", PT_PROC_LINKS_MAX);
			return e;
		}
	}
	return 0;
}

void pt_proc_links_destroy(struct pt_proc_links *l)
{
	struct destroy_part parts[DESTROY_THREADS];
	pthread_t tid[DESTROY_THREADS];
	int started[DESTROY_THREADS] = { 0 };
	size_t i;

	if (!l)
		return;
	for (i = 0; i < DESTROY_THREADS; i++) {
		parts[i] = (struct destroy_part){ .l = l, .first = i };
		/* thread 0's share (and any thread that cannot start) is done here */
		started[i] = i && !pthread_create(&tid[i], NULL, destroy_part, &parts[i]);
	}
	for (i = 0; i < DESTROY_THREADS; i++)
		if (!started[i])
			destroy_part(&parts[i]);
	for (i = 0; i < DESTROY_THREADS; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
	memset(l, 0, sizeof(*l));
}
