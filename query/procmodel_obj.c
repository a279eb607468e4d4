// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * procmodel_obj.c — objects (open file descriptions) of query/procmodel.h:
 * what is known of them, the socket calls' effects, and connections.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "query/procmodel_int.h"
#include "query/procview.h"

#define SOCK_TYPE_MASK	0xf

bool pm_obj_tcp(const struct pm_obj *o)
{
	return o->pub.kind == PT_FK_SOCKET && o->pub.proto == IPPROTO_TCP &&
	       (o->pub.family == AF_INET || o->pub.family == AF_INET6);
}

/* All 16 bytes zero. */
static bool zero16(const __u8 *a)
{
	static const __u8 z[16];

	return !memcmp(a, z, 16);
}

int pm_obj_new(struct pt_procmodel *m, __u8 begin, __u64 ts, __u32 proc, const struct pt_fdinfo *info,
	       __u32 *obj)
{
	__u32 i = (__u32)m->nobjs;
	struct pm_obj *o;
	int rc;

	if ((rc = PM_RESERVE(m->objs, m->cobjs, m->nobjs + 1)))
		return rc;
	if (info && info->kind == PT_FK_SOCKET && info->ino && (rc = pm_map_set(&m->sockmap, info->ino, i)))
		return rc;	/* a new socket: its inode now names it */
	o = &m->objs[i];
	memset(o, 0, sizeof(*o));
	o->pub.begin = begin;
	o->pub.first_ts = o->pub.last_ts = ts;
	o->pub.creator = proc;
	o->pub.pair = o->pub.listener = o->pub.conn = NONE;
	o->pub.open_dirfd = -1;
	o->bhead = o->btail = NONE;
	m->nobjs++;
	*obj = i;
	return pm_obj_describe(m, i, info, ts);
}

int pm_obj_unknown(struct pt_procmodel *m, __u8 begin, __u64 ts, __u32 proc, const struct pt_fdinfo *info,
		   __u32 *obj)
{
	__u32 o;

	if (info && info->kind == PT_FK_SOCKET && info->ino && (o = pm_map_get(&m->sockmap, info->ino)) != NONE) {
		*obj = o;
		return pm_obj_describe(m, o, info, ts);
	}
	return pm_obj_new(m, begin, ts, proc, info && info->kind != PT_FK_NONE ? info : NULL, obj);
}

bool pm_obj_mismatch(const struct pm_obj *o, const struct pt_fdinfo *info)
{
	return info && info->kind != PT_FK_NONE && info->ino && o->pub.ino &&
	       (info->ino != o->pub.ino || (info->dev && o->pub.dev && info->dev != o->pub.dev));
}

int pm_obj_describe(struct pt_procmodel *m, __u32 obj, const struct pt_fdinfo *info, __u64 ts)
{
	struct pt_pm_obj *o = &m->objs[obj].pub;
	bool new_ino;

	if (ts > o->last_ts)
		o->last_ts = ts;
	if (!info || info->kind == PT_FK_NONE)
		return 0;
	o->kind = info->kind;
	new_ino = info->ino && info->ino != o->ino;
	if (info->ino) {
		o->ino = info->ino;
		o->dev = info->dev;
	}
	if (info->kind != PT_FK_SOCKET)
		return 0;
	if (info->family)
		o->family = info->family;
	if (info->type)
		o->type = info->type;
	if (info->proto)
		o->proto = info->proto;
	o->sk_state = info->sk_state;
	if (info->cookie)
		o->cookie = info->cookie;
	if (info->sk_netns_ino)
		o->sk_netns_ino = info->sk_netns_ino;
	if (info->lport || !zero16(info->laddr)) {
		memcpy(o->laddr, info->laddr, 16);
		o->lport = info->lport;
	}
	if (info->rport) {
		memcpy(o->raddr, info->raddr, 16);
		o->rport = info->rport;
	}
	if (new_ino && pm_map_get(&m->sockmap, o->ino) == NONE)
		return pm_map_put(&m->sockmap, o->ino, obj);
	return 0;
}

/* The protocol socket(family, type, 0) gets: TCP or UDP for IP, else 0. */
static __u8 default_proto(__u16 family, __u16 type)
{
	if (family != AF_INET && family != AF_INET6)
		return 0;
	return type == SOCK_STREAM ? IPPROTO_TCP : type == SOCK_DGRAM ? IPPROTO_UDP : 0;
}

/* TCP sequence bases of a connect or accept exit, when the socket is TCP and info was read. */
static void seq_bases(struct pm_obj *o, const struct pt_sys *s, bool rcv)
{
	if (!pm_obj_tcp(o) || s->info.kind != PT_FK_SOCKET || (s->flags & PT_SF_FAULT))
		return;
	if (!o->has_snd_base) {
		o->snd_base = s->info.snd_seq;
		o->has_snd_base = true;
	}
	if (rcv && !o->has_rcv_base) {
		o->rcv_base = s->info.rcv_seq;
		o->has_rcv_base = true;
	}
}

void pm_obj_created(struct pt_procmodel *m, __u32 obj, const struct pt_sys *s, __u32 listener)
{
	struct pm_obj *o = &m->objs[obj];
	struct pt_pm_obj *p = &o->pub;

	switch (s->call) {
	case PT_CALL_SOCKET:
	case PT_CALL_SOCKETPAIR:
		p->kind = PT_FK_SOCKET;
		if (!p->family)
			p->family = (__u16)s->arg[0];
		if (!p->type)
			p->type = (__u16)(s->arg[1] & SOCK_TYPE_MASK);
		if (!p->proto)
			p->proto = s->arg[2] ? (__u8)s->arg[2] : default_proto(p->family, p->type);
		break;
	case PT_CALL_PIPE:
	case PT_CALL_PIPE2:
		p->kind = PT_FK_PIPE;
		break;
	case PT_CALL_ACCEPT:
	case PT_CALL_ACCEPT4:
		p->kind = PT_FK_SOCKET;
		p->role = PT_PMR_ACCEPT;
		p->listener = listener;
		if (listener != NONE) {
			const struct pt_pm_obj *l = &m->objs[listener].pub;

			if (!p->family)
				p->family = l->family;
			if (!p->type)
				p->type = l->type;
			if (!p->proto)
				p->proto = l->proto;
		}
		if ((s->flags & PT_SF_ADDR) && !p->rport) {
			memcpy(p->raddr, s->addr, 16);
			p->rport = s->port;
		}
		seq_bases(o, s, true);
		break;
	}
}

void pm_obj_sockcall(struct pt_procmodel *m, __u32 obj, const struct pt_sys *s)
{
	struct pm_obj *o = &m->objs[obj];
	struct pt_pm_obj *p = &o->pub;

	switch (s->call) {
	case PT_CALL_BIND:
		if ((s->flags & PT_SF_ADDR) && !p->lport) {
			memcpy(p->laddr, s->addr, 16);
			p->lport = s->port;
		}
		break;
	case PT_CALL_LISTEN:
	case PT_CALL_ACCEPT:
	case PT_CALL_ACCEPT4:
		p->listening = true;
		p->role = PT_PMR_LISTEN;
		break;
	case PT_CALL_CONNECT:
		p->role = PT_PMR_CONNECT;
		if ((s->flags & PT_SF_ADDR) && !p->rport) {
			memcpy(p->raddr, s->addr, 16);
			p->rport = s->port;
		}
		/* EINPROGRESS: the SYN is out (write_seq known), copied_seq is not set yet */
		seq_bases(o, s, s->ret == 0 || s->info.sk_state == TCP_ESTABLISHED);
		break;
	case PT_CALL_SHUTDOWN:
		p->shut |= s->arg[0] == SHUT_RD ? 1 : s->arg[0] == SHUT_WR ? 2 : 3;
		break;
	}
}

/* ---- connections ---- */

static int ep_cmp(const __u8 *a, __u16 pa, const __u8 *b, __u16 pb)
{
	int c = memcmp(a, b, 16);

	if (c)
		return c;
	return pa < pb ? -1 : pa > pb;
}

/* 1 when o's local endpoint is the lower of its two. */
static bool local_low(const struct pt_pm_obj *o)
{
	return ep_cmp(o->laddr, o->lport, o->raddr, o->rport) <= 0;
}

/* TCP candidates by family, canonical (low, high) endpoints, first_ts, index. */
static int cmp_cand(const void *a, const void *b, void *ctx)
{
	const struct pt_procmodel *m = ctx;
	__u32 i = *(const __u32 *)a, j = *(const __u32 *)b;
	const struct pt_pm_obj *x = &m->objs[i].pub, *y = &m->objs[j].pub;
	const __u8 *xl = local_low(x) ? x->laddr : x->raddr, *xh = local_low(x) ? x->raddr : x->laddr;
	const __u8 *yl = local_low(y) ? y->laddr : y->raddr, *yh = local_low(y) ? y->raddr : y->laddr;
	__u16 xlp = local_low(x) ? x->lport : x->rport, xhp = local_low(x) ? x->rport : x->lport;
	__u16 ylp = local_low(y) ? y->lport : y->rport, yhp = local_low(y) ? y->rport : y->lport;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if ((c = ep_cmp(xl, xlp, yl, ylp)) || (c = ep_cmp(xh, xhp, yh, yhp)))
		return c;
	if (x->first_ts != y->first_ts)
		return x->first_ts < y->first_ts ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* The same endpoint pair, in either order. */
static bool same_tuple(const struct pt_pm_obj *x, const struct pt_pm_obj *y)
{
	return x->family == y->family &&
	       ((!ep_cmp(x->laddr, x->lport, y->laddr, y->lport) && !ep_cmp(x->raddr, x->rport, y->raddr, y->rport)) ||
		(!ep_cmp(x->laddr, x->lport, y->raddr, y->rport) && !ep_cmp(x->raddr, x->rport, y->laddr, y->lport)));
}

/* a's local endpoint is b's remote one and the other way round. */
static bool mirror(const struct pt_pm_obj *a, const struct pt_pm_obj *b)
{
	return a->family == b->family && !ep_cmp(a->laddr, a->lport, b->raddr, b->rport) &&
	       !ep_cmp(a->raddr, a->rport, b->laddr, b->lport);
}

/* 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. */
static bool loopback(__u16 family, const __u8 *a)
{
	static const __u8 v6lo[16] = { [15] = 1 };
	static const __u8 v4m[12] = { [10] = 0xff, [11] = 0xff };

	if (family == AF_INET)
		return a[0] == 127;
	return !memcmp(a, v6lo, 16) || (!memcmp(a, v4m, 12) && a[12] == 127);
}

/* May a and b (mirrored tuples) be the two ends of one connection? */
static bool compat(const struct pm_obj *a, const struct pm_obj *b)
{
	if (a->pub.sk_netns_ino && b->pub.sk_netns_ino && a->pub.sk_netns_ino != b->pub.sk_netns_ino &&
	    loopback(a->pub.family, a->pub.laddr))
		return false;
	if (a->has_snd_base && b->has_rcv_base && a->snd_base != b->rcv_base)
		return false;
	return !(b->has_snd_base && a->has_rcv_base && b->snd_base != a->rcv_base);
}

/* A new zeroed connection (client -1). *out valid until the next conn_new. 0 or -ENOMEM. */
static int conn_new(struct pt_procmodel *m, struct pt_pm_conn **out)
{
	int rc = PM_RESERVE(m->conns, m->cconns, m->nconns + 1);

	if (rc)
		return rc;
	*out = &m->conns[m->nconns++];
	memset(*out, 0, sizeof(**out));
	(*out)->client = -1;
	return 0;
}

/* The TCP connection of socket a and its peer b (NONE: not seen). */
static int conn_tcp(struct pt_procmodel *m, __u32 a, __u32 b)
{
	const struct pt_pm_obj *x = &m->objs[a].pub;
	char e0[64], e1[64];
	struct pt_pm_conn *c;
	int k = local_low(x) ? 0 : 1, rc;

	if ((rc = conn_new(m, &c)))
		return rc;
	c->kind = PT_PMC_TCP;
	c->family = x->family;
	memcpy(c->addr[k], x->laddr, 16);
	c->port[k] = x->lport;
	memcpy(c->addr[!k], x->raddr, 16);
	c->port[!k] = x->rport;
	c->obj[k] = a;
	c->obj[!k] = b;
	c->first_ts = x->first_ts;
	if (b != NONE && m->objs[b].pub.first_ts < c->first_ts)
		c->first_ts = m->objs[b].pub.first_ts;
	for (int i = 0; i < 2; i++) {
		if (c->obj[i] == NONE)
			continue;
		if (m->objs[c->obj[i]].pub.role == PT_PMR_CONNECT)
			c->client = i;
		else if (m->objs[c->obj[i]].pub.role == PT_PMR_ACCEPT && c->client < 0)
			c->client = !i;
	}
	pt_pv_endpoint(e0, sizeof(e0), c->family, c->addr[0], c->port[0]);
	pt_pv_endpoint(e1, sizeof(e1), c->family, c->addr[1], c->port[1]);
	snprintf(c->id, sizeof(c->id), "tcp:%s-%s/%llu-%llu", e0, e1,
		 c->obj[0] == NONE ? 0ull : (unsigned long long)m->objs[c->obj[0]].pub.ino,
		 c->obj[1] == NONE ? 0ull : (unsigned long long)m->objs[c->obj[1]].pub.ino);
	return 0;
}

/* The connection of socketpair objects a (fds[0]) and b. 0 or -ENOMEM. */
static int conn_pair(struct pt_procmodel *m, __u32 a, __u32 b)
{
	struct pt_pm_conn *c;
	int rc;

	if ((rc = conn_new(m, &c)))
		return rc;
	c->kind = PT_PMC_SOCKETPAIR;
	c->family = m->objs[a].pub.family;
	c->obj[0] = a;
	c->obj[1] = b;
	c->first_ts = m->objs[a].pub.first_ts;
	snprintf(c->id, sizeof(c->id), "unix:%llu-%llu", (unsigned long long)m->objs[a].pub.ino,
		 (unsigned long long)m->objs[b].pub.ino);
	return 0;
}

/* Connections by first_ts, then id. */
static int cmp_conn(const void *a, const void *b)
{
	const struct pt_pm_conn *x = a, *y = b;

	if (x->first_ts != y->first_ts)
		return x->first_ts < y->first_ts ? -1 : 1;
	return strcmp(x->id, y->id);
}

int pm_conns_build(struct pt_procmodel *m)
{
	__u32 *cand = NULL, *peer = NULL;
	size_t n = 0;
	int rc = 0;

	if (m->nobjs && (!(cand = malloc(m->nobjs * sizeof(*cand))) || !(peer = malloc(m->nobjs * sizeof(*peer))))) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (__u32 i = 0; i < m->nobjs; i++) {
		peer[i] = NONE;
		if (pm_obj_tcp(&m->objs[i]) && m->objs[i].pub.rport && m->objs[i].pub.lport)
			cand[n++] = i;
	}
	if (n)
		qsort_r(cand, n, sizeof(*cand), cmp_cand, m);
	/* within a run of one tuple (by first sighting), pair each with the first mirror that fits */
	for (size_t i = 0; i < n; i++) {
		__u32 a = cand[i];

		for (size_t j = i + 1; peer[a] == NONE && j < n && same_tuple(&m->objs[a].pub, &m->objs[cand[j]].pub);
		     j++) {
			__u32 b = cand[j];

			if (peer[b] == NONE && mirror(&m->objs[a].pub, &m->objs[b].pub) && compat(&m->objs[a], &m->objs[b])) {
				peer[a] = b;
				peer[b] = a;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		__u32 a = cand[i];

		if (peer[a] != NONE && peer[a] < a)
			continue;	/* made with its peer */
		if ((rc = conn_tcp(m, a, peer[a])))
			goto cleanup;
	}
	for (__u32 i = 0; i < m->nobjs; i++) {
		__u32 b = m->objs[i].pub.pair;

		/* a socketpair's fds[0] object was made first */
		if (m->objs[i].pub.begin == PT_PMB_SOCKETPAIR && b != NONE && i < b && (rc = conn_pair(m, i, b)))
			goto cleanup;
	}
	if (m->nconns)
		qsort(m->conns, m->nconns, sizeof(*m->conns), cmp_conn);
	for (__u32 i = 0; i < m->nconns; i++) {
		const struct pt_pm_conn *c = &m->conns[i];

		for (int k = 0; k < 2; k++)
			if (c->obj[k] != NONE)
				m->objs[c->obj[k]].pub.conn = i;
		if (c->kind == PT_PMC_TCP && c->obj[0] != NONE && c->obj[1] != NONE) {
			m->objs[c->obj[0]].pub.pair = c->obj[1];
			m->objs[c->obj[1]].pub.pair = c->obj[0];
		}
	}
cleanup:
	free(cand);
	free(peer);
	return rc;
}

size_t pt_procmodel_nobjs(const struct pt_procmodel *m)
{
	return m->finished ? m->nobjs : 0;
}

const struct pt_pm_obj *pt_procmodel_obj(const struct pt_procmodel *m, __u32 i)
{
	return m->finished && i < m->nobjs ? &m->objs[i].pub : NULL;
}

size_t pt_procmodel_nconns(const struct pt_procmodel *m)
{
	return m->finished ? m->nconns : 0;
}

const struct pt_pm_conn *pt_procmodel_conn(const struct pt_procmodel *m, __u32 i)
{
	return m->finished && i < m->nconns ? &m->conns[i] : NULL;
}

__u32 pt_procmodel_find_conn(const struct pt_procmodel *m, const char *id)
{
	for (__u32 i = 0; m->finished && i < m->nconns; i++)
		if (!strcmp(m->conns[i].id, id))
			return i;
	return NONE;
}
