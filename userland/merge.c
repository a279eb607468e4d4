// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "userland/merge.h"
#include "userland/ptx_esc.h"
#include "userland/ptx_show.h"

static void *dup_mem(const void *p, size_t n, bool *ok)
{
	void *d;

	if (!n || !p)
		return NULL;
	d = malloc(n);
	if (!d) {
		*ok = false;
		return NULL;
	}
	memcpy(d, p, n);
	return d;
}

static char *dup_str(const char *s, bool *ok)
{
	return s ? dup_mem(s, strlen(s) + 1, ok) : NULL;
}

static __u64 shift(__u64 ts, __u64 delta)
{
	return ts == PT_PTX_OPEN ? ts : ts + delta;
}

/* An index of an input moved by base in the merged recording (PT_PTX_NONE stays). */
static __u32 rebase(__u32 i, __u32 base)
{
	return i == PT_PTX_NONE ? PT_PTX_NONE : i + base;
}

/* Append input a's processes, files, connections and datagrams to x, times moved by delta. */
static int copy_in(struct pt_ptx *x, const struct pt_ptx *a, __u64 delta, __u32 host_base, __u32 own_host)
{
	__u32 pbase = x->nprocs, cbase = x->nconns;
	bool ok = true;

	for (__u32 i = 0; i < a->nprocs && ok; i++) {
		const struct pt_ptx_proc *s = &a->procs[i];
		struct pt_ptx_proc *d = pt_ptx_add_proc(x);

		if (!d)
			return -ENOMEM;
		*d = *s;
		d->parent = rebase(s->parent, pbase);
		d->host = s->host == PT_PTX_NONE ? own_host : s->host + host_base;
		d->start_ts = shift(s->start_ts, delta);
		d->exit_ts = shift(s->exit_ts, delta);
		d->execs = s->nexecs ? calloc(s->nexecs, sizeof(*d->execs)) : NULL;
		d->nexecs = 0;
		if (s->nexecs && !d->execs)
			return -ENOMEM;
		for (__u32 k = 0; k < s->nexecs && ok; k++) {
			d->execs[k] = s->execs[k];
			d->execs[k].ts = shift(s->execs[k].ts, delta);
			d->execs[k].filename = dup_str(s->execs[k].filename, &ok);
			d->execs[k].argv = dup_mem(s->execs[k].argv, s->execs[k].argv_len, &ok);
			d->nexecs = k + 1;
		}
	}
	for (__u32 i = 0; i < a->nfiles && ok; i++) {
		struct pt_ptx_file *d = pt_ptx_add_file(x);

		if (!d)
			return -ENOMEM;
		*d = a->files[i];
		d->proc += pbase;
		d->ts = shift(d->ts, delta);
		d->path = dup_str(a->files[i].path, &ok);
	}
	for (__u32 i = 0; i < a->nconns && ok; i++) {
		const struct pt_ptx_conn *s = &a->conns[i];
		struct pt_ptx_conn *d = pt_ptx_add_conn(x);

		if (!d)
			return -ENOMEM;
		*d = *s;
		d->proc = rebase(s->proc, pbase);
		d->twin = rebase(s->twin, cbase);
		d->first_ts = shift(s->first_ts, delta);
		d->last_ts = shift(s->last_ts, delta);
		for (int k = 0; k < 2; k++) {
			d->dir[k].data = dup_mem(s->dir[k].data, s->dir[k].stored, &ok);
			d->dir[k].gaps = dup_mem(s->dir[k].gaps, s->dir[k].ngaps * sizeof(*s->dir[k].gaps), &ok);
		}
		d->events = dup_mem(s->events, s->nevents * sizeof(*s->events), &ok);
		for (__u32 e = 0; ok && e < d->nevents; e++)
			d->events[e].ts = shift(d->events[e].ts, delta);
	}
	for (__u32 i = 0; i < a->ndgrams && ok; i++) {
		struct pt_ptx_dgram *d = pt_ptx_add_dgram(x);

		if (!d)
			return -ENOMEM;
		*d = a->dgrams[i];
		d->proc = rebase(d->proc, pbase);
		d->ts = shift(d->ts, delta);
		d->data = dup_mem(a->dgrams[i].data, a->dgrams[i].captured, &ok);
	}
	return ok ? 0 : -ENOMEM;
}

static bool loopback(const struct pt_ptx_conn *c)
{
	static const __u8 v6lo[16] = { [15] = 1 };

	return c->family == AF_INET ? c->laddr[0] == 127 : !memcmp(c->laddr, v6lo, 16);
}

/* A connection's ends, lower first (by address, then port): a connection and its mirror share them. */
static void ends(const struct pt_ptx_conn *c, const __u8 **a1, __u16 *p1, const __u8 **a2, __u16 *p2)
{
	int m = memcmp(c->laddr, c->raddr, 16);
	bool local_low = m < 0 || (m == 0 && c->lport <= c->rport);

	*a1 = local_low ? c->laddr : c->raddr;
	*p1 = local_low ? c->lport : c->rport;
	*a2 = local_low ? c->raddr : c->laddr;
	*p2 = local_low ? c->rport : c->lport;
}

/* Two connections by family, then ends: 0 when they can be each other's mirror (or the same tuple). */
static int ends_cmp(const struct pt_ptx_conn *c, const struct pt_ptx_conn *d)
{
	const __u8 *c1, *c2, *d1, *d2;
	__u16 cp1, cp2, dp1, dp2;
	int m;

	if (c->family != d->family)
		return c->family < d->family ? -1 : 1;
	ends(c, &c1, &cp1, &c2, &cp2);
	ends(d, &d1, &dp1, &d2, &dp2);
	if ((m = memcmp(c1, d1, 16)))
		return m;
	if (cp1 != dp1)
		return cp1 < dp1 ? -1 : 1;
	if ((m = memcmp(c2, d2, 16)))
		return m;
	return cp2 == dp2 ? 0 : cp2 < dp2 ? -1 : 1;
}

/* Connection indexes by ends_cmp, then index (qsort_r, arg: the recording). */
static int tuple_cmp(const void *pa, const void *pb, void *arg)
{
	const struct pt_ptx *x = arg;
	__u32 i = *(const __u32 *)pa, k = *(const __u32 *)pb;
	int m = ends_cmp(&x->conns[i], &x->conns[k]);

	return m ? m : i < k ? -1 : 1;
}

static void join_group(struct pt_ptx *x, const __u32 *mem, __u32 nmem, const __u32 *input_of_conn,
		       struct pt_merge_result *res, FILE *report);

/*
 * Join the connections of different inputs that are each other's ends: each
 * (in order) with the mirror of another input nearest in time. Only
 * connections with the same ends can pair, so they are grouped first (sorted
 * by ends): O(n log n) plus the pairs within each group (one per reuse of a
 * 4-tuple in a run).
 */
static int join(struct pt_ptx *x, const __u32 *input_of_conn, struct pt_merge_result *res, FILE *report)
{
	__u32 *order = malloc(((size_t)x->nconns + 1) * sizeof(*order)), n = 0;

	if (!order)
		return -ENOMEM;
	for (__u32 i = 0; i < x->nconns; i++)
		if (x->conns[i].twin == PT_PTX_NONE && !loopback(&x->conns[i]))
			order[n++] = i;
	if (n)
		qsort_r(order, n, sizeof(*order), tuple_cmp, x);
	for (__u32 g = 0, end; g < n; g = end) {
		for (end = g + 1; end < n && !ends_cmp(&x->conns[order[g]], &x->conns[order[end]]); end++)
			;
		join_group(x, order + g, end - g, input_of_conn, res, report);
	}
	free(order);
	return 0;
}

/* join() within one group of connections with the same ends, members in index order. */
static void join_group(struct pt_ptx *x, const __u32 *mem, __u32 nmem, const __u32 *input_of_conn,
		       struct pt_merge_result *res, FILE *report)
{
	for (__u32 mi = 0; mi < nmem; mi++) {
		__u32 i = mem[mi];
		const struct pt_ptx_conn *a = &x->conns[i];
		__u32 best = PT_PTX_NONE;
		__u64 best_d = 0;

		if (a->twin != PT_PTX_NONE)
			continue;
		for (__u32 mj = mi + 1; mj < nmem; mj++) {
			__u32 j = mem[mj];
			const struct pt_ptx_conn *b = &x->conns[j];
			__u64 d;

			if (b->twin != PT_PTX_NONE || input_of_conn[i] == input_of_conn[j] || a->family != b->family ||
			    a->lport != b->rport || a->rport != b->lport || memcmp(a->laddr, b->raddr, 16) ||
			    memcmp(a->raddr, b->laddr, 16))
				continue;
			d = a->first_ts > b->first_ts ? a->first_ts - b->first_ts : b->first_ts - a->first_ts;
			if (best == PT_PTX_NONE || d < best_d) {
				best = j;
				best_d = d;
			}
		}
		if (best == PT_PTX_NONE)
			continue;
		pt_ptx_link_twins(x, i, best);
		res->joined++;
		const struct pt_ptx_conn *b = &x->conns[best];

		if (a->dir[PT_PTX_D_OUT].len != b->dir[PT_PTX_D_IN].len || a->dir[PT_PTX_D_IN].len != b->dir[PT_PTX_D_OUT].len) {
			char l[64], r[64];

			res->disagree++;
			if (report)
				fprintf(report, "provtap: warning: connection %s - %s: one end sent %llu and %llu bytes, the other "
					"received %llu and %llu (content cut, or not the same connection)\n",
					pt_ptx_fmt_ep(a->family, a->laddr, a->lport, l, sizeof(l)),
					pt_ptx_fmt_ep(a->family, a->raddr, a->rport, r, sizeof(r)),
					(unsigned long long)a->dir[PT_PTX_D_OUT].len, (unsigned long long)b->dir[PT_PTX_D_OUT].len,
					(unsigned long long)b->dir[PT_PTX_D_IN].len, (unsigned long long)a->dir[PT_PTX_D_IN].len);
		}
	}
}

/* One recorded process, by what identifies it across recordings. */
struct proc_key {
	const char *host;	/* the host name it ran on */
	__u32 pid;
	__u64 start_real;	/* wall-clock start, ns */
	unsigned input;
	__u32 proc;
};

static int key_cmp(const void *pa, const void *pb)
{
	const struct proc_key *a = pa, *b = pb;
	int c = strcmp(a->host, b->host);

	if (c)
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->start_real < b->start_real ? -1 : a->start_real > b->start_real;
}

#define SAME_START_NS	1000000ull	/* starts this close (wall clock) are one process's */

int pt_ptx_merge_same(const struct pt_ptx *const *in, unsigned n, struct pt_merge_same *same)
{
	struct proc_key *k;
	size_t nk = 0, cap = 0;
	int found = 0;

	for (unsigned i = 0; i < n; i++)
		cap += in[i]->nprocs;
	k = malloc((cap + 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		for (__u32 p = 0; p < in[i]->nprocs; p++) {
			const struct pt_ptx_proc *pr = &in[i]->procs[p];

			k[nk++] = (struct proc_key){
				.host = pr->host < in[i]->nhosts && in[i]->hosts[pr->host].hostname[0] ?
						in[i]->hosts[pr->host].hostname : in[i]->host,
				.pid = pr->pid, .start_real = in[i]->origin_real_ns + pr->start_ts, .input = i, .proc = p,
			};
		}
	if (nk)
		qsort(k, nk, sizeof(*k), key_cmp);
	/* a (host, pid) run sorted by start: equal starts from two inputs are neighbours */
	for (size_t j = 1; j < nk && !found; j++) {
		const struct proc_key *a = &k[j - 1], *b = &k[j];

		if (a->input == b->input || a->pid != b->pid || strcmp(a->host, b->host) ||
		    b->start_real - a->start_real > SAME_START_NS)
			continue;
		same->a = a->input < b->input ? a->input : b->input;
		same->b = a->input < b->input ? b->input : a->input;
		same->pid = a->pid;
		same->start_real = a->start_real;
		same->proc = a->input < b->input ? a->proc : b->proc;
		snprintf(same->host, sizeof(same->host), "%s", a->host);
		found = 1;
	}
	free(k);
	return found;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A host for input a (labelled) into x; 0 or -ENOMEM. */
static int host_of_input(struct pt_ptx *x, const struct pt_ptx *a, const char *label)
{
	struct pt_ptx_host *h = pt_ptx_add_host(x);
	bool ok = true;

	if (!h)
		return -ENOMEM;
	snprintf(h->name, sizeof(h->name), "%s", label);
	snprintf(h->hostname, sizeof(h->hostname), "%s", a->host);
	h->exit_status = a->exit_status;
	h->cwd = dup_str(a->cwd, &ok);
	h->argv = dup_mem(a->argv, a->argv_len, &ok);
	h->argc = h->argv ? a->argc : 0;
	h->argv_len = h->argv ? a->argv_len : 0;
	h->env = dup_mem(a->env, a->env_len, &ok);
	h->nenv = h->env ? a->nenv : 0;
	h->env_len = h->env ? a->env_len : 0;
	return ok ? 0 : -ENOMEM;
}

/* A copy of input a's own hosts into x; 0 or -ENOMEM. */
static int copy_hosts(struct pt_ptx *x, const struct pt_ptx *a)
{
	bool ok = true;

	for (__u32 k = 0; k < a->nhosts && ok; k++) {
		struct pt_ptx_host *h = pt_ptx_add_host(x);

		if (!h)
			return -ENOMEM;
		*h = a->hosts[k];
		h->cwd = dup_str(a->hosts[k].cwd, &ok);
		h->argv = dup_mem(a->hosts[k].argv, a->hosts[k].argv_len, &ok);
		h->env = dup_mem(a->hosts[k].env, a->hosts[k].env_len, &ok);
		if (!h->argv)
			h->argc = h->argv_len = 0;
		if (!h->env)
			h->nenv = h->env_len = 0;
	}
	return ok ? 0 : -ENOMEM;
}

/*
 * Inputs that look like another experiment's: joined to no other input by a
 * connection, or recorded at a time no other input covers. Counted in res,
 * one warning each on report. x is the merge (its origin the earliest input's).
 */
static void report_lone(const struct pt_ptx *x, const struct pt_ptx *const *in, const char *const *labels,
			unsigned n, const __u32 *input_of_conn, struct pt_merge_result *res, FILE *report)
{
	__u64 origin = x->origin_real_ns;

	for (unsigned i = 0; i < n; i++) {
		__u64 s = in[i]->origin_real_ns - origin, e = s + in[i]->duration_ns, gap = ~0ull;
		bool joined = false;
		char lb[96];

		for (__u32 c = 0; c < x->nconns && !joined; c++)
			joined = input_of_conn[c] == i && x->conns[c].twin != PT_PTX_NONE &&
				 input_of_conn[x->conns[c].twin] != i;	/* not a twin within the input */
		for (unsigned k = 0; k < n && gap; k++) {
			__u64 ks = in[k]->origin_real_ns - origin, ke = ks + in[k]->duration_ns;

			if (k == i)
				continue;
			gap = ks > e ? (ks - e < gap ? ks - e : gap) : ke < s ? (s - ke < gap ? s - ke : gap) : 0;
		}
		pt_esc_text(lb, sizeof(lb), labels[i]);
		if (gap && gap != ~0ull) {
			res->apart++;
			if (report)
				fprintf(report, "provtap: warning: input %u (%s) was recorded %.1f s apart from the others "
					"(no overlap in time): not the same experiment?\n", i + 1, lb, gap / 1e9);
		} else if (!joined && x->nconns) {
			res->lone++;
			if (report)
				fprintf(report, "provtap: warning: input %u (%s) shares no connection with the others: "
					"not the same experiment? (its peers stay emulated when replayed alone)\n", i + 1, lb);
		}
	}
}

int pt_ptx_merge(const struct pt_ptx *const *in, const char *const *labels, unsigned n, struct pt_ptx **out,
		 struct pt_merge_result *res, FILE *report, char *err, size_t errlen)
{
	struct pt_ptx *x = NULL;
	__u32 *input_of_conn = NULL;
	const char **names;
	__u64 origin = ~0ull, end = 0;
	bool ok = true;
	int rc = 0;

	*out = NULL;
	memset(res, 0, sizeof(*res));
	if (n < 2) {
		snprintf(err, errlen, "merge needs two recordings or more");
		return -EINVAL;
	}
	{
		struct pt_merge_same *s = &res->same;
		char hn[96], cm[64];

		rc = pt_ptx_merge_same(in, n, s);
		if (rc < 0)
			goto oom;
		if (rc > 0) {
			snprintf(err, errlen, "inputs %u and %u both hold process %u (%s) of host %s: the same run twice, "
				 "or one of them is already merged into the other", s->a + 1, s->b + 1, s->pid,
				 pt_esc_proc_name(cm, sizeof(cm), in[s->a], s->proc), pt_esc_text(hn, sizeof(hn), s->host));
			return -EEXIST;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (in[i]->origin_real_ns < origin)
			origin = in[i]->origin_real_ns;
	x = pt_ptx_new();
	if (!x)
		goto oom;
	for (unsigned i = 0; i < n; i++) {
		const struct pt_ptx *a = in[i];
		__u64 delta = a->origin_real_ns - origin;
		__u32 host_base = x->nhosts, own = PT_PTX_NONE, cbase = x->nconns;
		bool unhosted = false;

		rc = copy_hosts(x, a);
		for (__u32 p = 0; p < a->nprocs; p++)
			unhosted = unhosted || a->procs[p].host == PT_PTX_NONE;
		if (!rc && (unhosted || !a->nhosts)) {
			own = x->nhosts;
			rc = host_of_input(x, a, labels[i]);
		}
		if (!rc)
			rc = copy_in(x, a, delta, host_base, own);
		if (rc)
			goto oom;
		__u32 *io = realloc(input_of_conn, (x->nconns + 1) * sizeof(*io));

		if (!io)
			goto oom;
		input_of_conn = io;
		for (__u32 c = cbase; c < x->nconns; c++)
			input_of_conn[c] = i;
		if (delta + a->duration_ns > end)
			end = delta + a->duration_ns;
		for (int k = 0; k < 4; k++)
			x->lost[k] += a->lost[k];
		x->corrupt += a->corrupt;
		x->malformed += a->malformed;
		x->flags |= a->flags;
		if (!i || (x->content_max && (!a->content_max || a->content_max > x->content_max)))
			x->content_max = a->content_max;	/* the loosest limit; 0 (none) wins */
		if (!x->call_content || a->call_content < x->call_content)
			x->call_content = a->call_content;
	}
	/* host names must differ: sorted, neighbours compared (pairwise was O(hosts^2)) */
	names = malloc(((size_t)x->nhosts + 1) * sizeof(*names));
	if (!names)
		goto oom;
	for (__u32 h = 0; h < x->nhosts; h++)
		names[h] = x->hosts[h].name;
	if (x->nhosts)
		qsort(names, x->nhosts, sizeof(*names), name_cmp);
	for (__u32 h = 1; h < x->nhosts; h++)
		if (!strcmp(names[h - 1], names[h])) {
			char hn[96];

			snprintf(err, errlen, "two hosts are named %s: name the inputs apart (NAME=FILE.ptx)",
				 pt_esc_text(hn, sizeof(hn), names[h]));
			free(names);
			rc = -EINVAL;
			goto cleanup;
		}
	free(names);
	/* the first input's facts stand for the whole: its command, environment, origin */
	snprintf(x->host, sizeof(x->host), "%u hosts", x->nhosts);
	snprintf(x->kernel, sizeof(x->kernel), "%s", in[0]->kernel);
	snprintf(x->tool, sizeof(x->tool), "provtap merge (ptx %d)", PT_PTX_VERSION);
	x->origin_real_ns = origin;
	x->origin_boot_ns = in[0]->origin_boot_ns;
	x->duration_ns = end;
	x->exit_status = in[0]->exit_status;
	x->cwd = dup_str(in[0]->cwd, &ok);
	/* as read, an empty argv included (the encoder writes the ARGV section either way) */
	x->argv = dup_mem(in[0]->argv, in[0]->argv_len, &ok);
	x->argc = x->argv ? in[0]->argc : 0;
	x->argv_len = x->argv ? in[0]->argv_len : 0;
	x->env = dup_mem(in[0]->env, in[0]->env_len, &ok);
	x->nenv = x->env ? in[0]->nenv : 0;
	x->env_len = x->env ? in[0]->env_len : 0;
	if (!ok || join(x, input_of_conn, res, report) || pt_ptx_index(x))
		goto oom;
	report_lone(x, in, labels, n, input_of_conn, res, report);
	*out = x;
	x = NULL;
	goto cleanup;
oom:
	snprintf(err, errlen, "out of memory merging the recordings");
	rc = -ENOMEM;
cleanup:
	free(input_of_conn);
	pt_ptx_free(x);
	return rc;
}
