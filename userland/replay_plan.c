// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay_plan.c — what a replay re-runs and what it emulates.
 *
 * Launches: without a selection, the recorded command; for a multi-host
 * recording made by merge, each host's command (they run side by side).
 * With a selection (--only), each selected process whose parent is not
 * selected is started alone from its recorded program and argv (its last
 * exec), with its host's (else the recording's) environment and working
 * directory; its descendants come with it. A process that never exec'd, or
 * whose argv the probes cut, cannot be started alone: refused, naming it.
 *
 * Emulation, per connection entry: its process is re-run and its other end
 * is not (no twin, or a twin whose process is not re-run) -> the replayer
 * plays the other end: the peer (outbound) or the client (inbound).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "bpf/proc.h"
#include "common/log.h"
#include "userland/ptx_esc.h"
#include "userland/replay_int.h"

/* NUL-separated strings into a NULL-terminated vector pointing into them; NULL on ENOMEM. */
static char **vec(const char *p, __u32 count, __u32 len)
{
	char **v = calloc(count + 1, sizeof(*v));
	__u32 n = 0;

	for (__u32 at = 0; v && at < len && n < count; at += (__u32)strlen(p + at) + 1)
		v[n++] = (char *)p + at;
	return v;
}

/* Does selector sel name process i of x? */
static bool names(const struct pt_ptx *x, __u32 i, const char *sel)
{
	char pos[64];

	if (!strncmp(sel, "pid=", 4))
		return strtoul(sel + 4, NULL, 10) == x->procs[i].pid;
	if (!strncmp(sel, "name=", 5))
		return !strcmp(pt_ptx_proc_name(x, i), sel + 5) || !strcmp(x->procs[i].comm, sel + 5);
	if (!strncmp(sel, "host=", 5))
		return !strcmp(pt_ptx_proc_host(x, i), sel + 5);
	return !strcmp(pt_ptx_tree_pos(x, i, pos, sizeof(pos)), sel);
}

int pt_replay_select(const struct pt_ptx *x, const char *selector, bool *sel, char *err, size_t errlen)
{
	int n = 0;

	if (!strncmp(selector, "pid=", 4)) {
		char *end;

		strtoul(selector + 4, &end, 10);
		if (end == selector + 4 || *end) {
			snprintf(err, errlen, "--only %s: pid= takes a number", selector);
			return -EINVAL;
		}
	} else if (strncmp(selector, "name=", 5) && strncmp(selector, "host=", 5) &&
		   (!selector[0] || strspn(selector, "0123456789.") != strlen(selector))) {
		snprintf(err, errlen, "--only %s: not a selector (POS such as 0.1, pid=N, name=NAME or host=NAME)",
			 selector);
		return -EINVAL;
	}
	for (__u32 i = 0; i < x->nprocs; i++) {
		if (names(x, i, selector)) {
			sel[i] = true;
			n++;
		}
	}
	if (!n) {
		snprintf(err, errlen, "--only %s matches no process of the recording (`provtap show` lists them)",
			 selector);
		return -EINVAL;
	}
	return n;
}

/* A launch re-running recorded process i alone. 0, -EINVAL (logged), -ENOMEM. */
static int launch_proc(const struct pt_replay_opts *o, __u32 i, struct pt_launch *l)
{
	const struct pt_ptx *x = o->x;
	const struct pt_ptx_proc *p = &x->procs[i];
	const struct pt_ptx_host *h = p->host < x->nhosts ? &x->hosts[p->host] : NULL;
	const struct pt_ptx_exec *e = p->nexecs ? &p->execs[p->nexecs - 1] : NULL;
	char pos[64], nm[96];

	pt_ptx_tree_pos(x, i, pos, sizeof(pos));
	l->proc = i;
	pt_esc_proc_name(nm, sizeof(nm), x, i);
	snprintf(l->label, sizeof(l->label), "process %s (%s)", pos, nm);
	if (o->argv)
		l->argv = NULL;	/* the caller's */
	else if (p->flags & PT_PTX_P_ROOT && h && h->argc)
		l->argv = vec(h->argv, h->argc, h->argv_len);
	else if (p->flags & PT_PTX_P_ROOT && !h && x->argc)
		l->argv = vec(x->argv, x->argc, x->argv_len);
	else if (!e || !e->argc) {
		pt_err("replay: process %s (%s, pid %u) did not run a program of its own (no exec recorded): it "
		       "cannot be started alone; select its parent, or give the command after --", pos, nm, p->pid);
		return -EINVAL;
	} else if (e->flags & (PT_PRF_ARGV_TRUNC | PT_PRF_FAULT)) {
		pt_err("replay: process %s (%s, pid %u): its recorded argv was cut by the probes; give the command "
		       "after --", pos, nm, p->pid);
		return -EINVAL;
	} else {
		l->argv = vec(e->argv, e->argc, e->argv_len);
	}
	if (!o->argv && !l->argv)
		return -ENOMEM;
	if (h && h->nenv)
		l->envp = vec(h->env, h->nenv, h->env_len);
	else if (x->nenv)
		l->envp = vec(x->env, x->nenv, x->env_len);
	if ((h && h->nenv) || x->nenv)
		if (!l->envp)
			return -ENOMEM;
	l->cwd = h && h->cwd ? h->cwd : x->cwd;
	l->has_status = p->flags & PT_PTX_P_EXITED;
	l->rec_status = p->exit_status;
	l->rec_start = p->start_ts;
	l->rec_end = p->exit_ts;
	return 0;
}

/* A launch of host h's command (a merged recording). */
static int launch_host(const struct pt_ptx *x, __u32 h, struct pt_launch *l)
{
	const struct pt_ptx_host *ho = &x->hosts[h];
	char hn[64], nm[64];

	l->proc = PT_PTX_NONE;
	for (__u32 i = 0; i < x->nprocs && l->proc == PT_PTX_NONE; i++)
		if (x->procs[i].host == h && x->procs[i].flags & PT_PTX_P_ROOT)
			l->proc = i;
	snprintf(l->label, sizeof(l->label), "host %s's command (%s)", pt_esc_text(hn, sizeof(hn), ho->name),
		 l->proc != PT_PTX_NONE ? pt_esc_proc_name(nm, sizeof(nm), x, l->proc) :
		 pt_esc_text(nm, sizeof(nm), ho->argc ? ho->argv : "?"));
	l->argv = vec(ho->argv, ho->argc, ho->argv_len);
	l->envp = ho->nenv ? vec(ho->env, ho->nenv, ho->env_len) : x->nenv ? vec(x->env, x->nenv, x->env_len) : NULL;
	if (!l->argv || ((ho->nenv || x->nenv) && !l->envp))
		return -ENOMEM;
	l->cwd = ho->cwd ? ho->cwd : x->cwd;
	l->has_status = true;
	l->rec_status = ho->exit_status;
	l->rec_start = l->proc != PT_PTX_NONE ? x->procs[l->proc].start_ts : 0;
	l->rec_end = l->proc != PT_PTX_NONE ? x->procs[l->proc].exit_ts : PT_PTX_OPEN;
	return 0;
}

static int plan_launches(const struct pt_replay_opts *o, struct pt_replay_plan *p)
{
	const struct pt_ptx *x = o->x;
	unsigned hosts_with_cmd = 0;
	int err;

	for (__u32 h = 0; h < x->nhosts; h++)
		hosts_with_cmd += x->hosts[h].argc > 0;
	p->launch = calloc(x->nprocs + x->nhosts + 1, sizeof(*p->launch));
	if (!p->launch)
		return -ENOMEM;
	for (__u32 k = 0; k < x->nprocs + x->nhosts + 1; k++)
		p->launch[k].pidfd = -1;
	if (o->only) {
		for (__u32 i = 0; i < x->nprocs; i++) {
			__u32 parent = x->procs[i].parent;

			if (!p->sel[i] || (parent != PT_PTX_NONE && p->sel[parent]))
				continue;
			err = launch_proc(o, i, &p->launch[p->nlaunch++]);
			if (err)
				return err;
		}
	} else if (hosts_with_cmd && !o->argv) {
		for (__u32 h = 0; h < x->nhosts; h++) {
			if (!x->hosts[h].argc)
				continue;
			err = launch_host(x, h, &p->launch[p->nlaunch++]);
			if (err)
				return err;
		}
	} else {
		struct pt_launch *l = &p->launch[p->nlaunch++];

		l->proc = PT_PTX_NONE;
		for (__u32 i = 0; i < x->nprocs && l->proc == PT_PTX_NONE; i++)
			if (x->procs[i].flags & PT_PTX_P_ROOT)
				l->proc = i;
		l->argv = o->argv ? NULL : vec(x->argv, x->argc, x->argv_len);
		l->envp = x->nenv ? vec(x->env, x->nenv, x->env_len) : NULL;
		if ((!o->argv && !l->argv) || (x->nenv && !l->envp))
			return -ENOMEM;
		l->cwd = x->cwd;
		l->has_status = true;
		l->rec_status = x->exit_status;
		l->rec_start = 0;
		l->rec_end = x->duration_ns;
		snprintf(l->label, sizeof(l->label), "the command");
	}
	if (o->argv && p->nlaunch != 1) {
		pt_err("replay: a command after -- replaces one process; the selection starts %u", p->nlaunch);
		return -EINVAL;
	}
	for (unsigned k = 0; k < p->nlaunch; k++) {
		struct pt_launch *l = &p->launch[k];
		struct stat st;
		char cwd[512];

		if (o->argv) {
			free(l->argv);
			l->argv = (char **)o->argv;
			l->argv_borrowed = true;
		}
		if (!l->argv[0]) {
			pt_err("replay: %s records no command for %s; give one after --", o->name, l->label);
			return -EINVAL;
		}
		if (l->cwd && (!l->cwd[0] || stat(l->cwd, &st) || !S_ISDIR(st.st_mode))) {
			pt_info("replay: note: the recorded working directory %s of %s does not exist here; running in "
				"the current one", pt_esc_word(cwd, sizeof(cwd), l->cwd, strlen(l->cwd)), l->label);
			l->cwd = NULL;
		}
	}
	return 0;
}

static void plan_emulation(const struct pt_ptx *x, struct pt_replay_plan *p)
{
	for (__u32 i = 0; i < x->nconns; i++) {
		const struct pt_ptx_conn *c = &x->conns[i];

		p->emu[i] = PT_EMU_NONE;
		if (c->proc >= x->nprocs || !p->sel[c->proc] || (c->family != AF_INET && c->family != AF_INET6))
			continue;
		if (c->twin != PT_PTX_NONE ? x->conns[c->twin].proc < x->nprocs && p->sel[x->conns[c->twin].proc]
					   : (c->flags & PT_PTX_C_INTERNAL) != 0)
			continue;	/* both ends are re-run (or were recorded as one, without a twin) */
		if (c->role == PT_PTX_R_CONNECT)
			p->emu[i] = PT_EMU_PEER;
		else if (c->role == PT_PTX_R_ACCEPT)
			p->emu[i] = PT_EMU_CLIENT;
	}
}

int pt_replay_plan(const struct pt_replay_opts *o, struct pt_replay_plan *p)
{
	const struct pt_ptx *x = o->x;
	int err;

	memset(p, 0, sizeof(*p));
	p->sel = calloc(x->nprocs + 1, sizeof(*p->sel));
	p->emu = calloc(x->nconns + 1, sizeof(*p->emu));
	if (!p->sel || !p->emu)
		return -ENOMEM;
	/* selected: marked, or a descendant of a marked process; each answer is kept for the
	 * processes walked through (a walk to the root per process was O(n * depth)) */
	if (!o->only) {
		for (__u32 i = 0; i < x->nprocs; i++)
			p->sel[i] = true;
	} else {
		__u8 *known = calloc(x->nprocs + 1, 1);	/* 0 not yet, 1 selected, 2 not */

		if (!known)
			return -ENOMEM;
		for (__u32 i = 0; i < x->nprocs; i++) {
			__u32 q = i, stop = PT_PTX_NONE, steps = 0;
			bool yes = false;

			for (; q < x->nprocs && steps++ <= x->nprocs; q = x->procs[q].parent) {
				if (known[q] || o->only[q]) {
					yes = known[q] ? known[q] == 1 : true;
					stop = q;
					break;
				}
			}
			for (q = i, steps = 0; q < x->nprocs && q != stop && steps++ <= x->nprocs; q = x->procs[q].parent)
				known[q] = yes ? 1 : 2;
			if (stop != PT_PTX_NONE && !known[stop])
				known[stop] = 1;	/* marked itself */
			p->sel[i] = known[i] == 1;
		}
		free(known);
	}
	err = plan_launches(o, p);
	if (err)
		return err;
	plan_emulation(x, p);
	return 0;
}

void pt_replay_plan_free(struct pt_replay_plan *p)
{
	for (unsigned k = 0; p->launch && k < p->nlaunch; k++) {
		if (!p->launch[k].argv_borrowed)
			free(p->launch[k].argv);
		free(p->launch[k].envp);
	}
	free(p->launch);
	free(p->sel);
	free(p->emu);
	memset(p, 0, sizeof(*p));
}
