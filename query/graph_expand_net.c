// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * graph_expand_net.c — the expanders of connections, received bytes,
 * packets and drops (graph_int.h). A byte's way from the sender's call to
 * the receiver's: the connection's bytes were transmitted as packets (the
 * fingerprints whose payload holds the byte's sequence number), each
 * forwarded from capture point to capture point, maybe dropped, and
 * received; without packet records the connection leads to the receiving
 * end directly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "query/dropnames.h"
#include "query/graph_int.h"

/*
 * The fingerprints carrying byte r0 of what endpoint s sent on conn (its
 * sequence number from the sender's stream, or from_receiver the
 * receiver's) into *fps and *n, kept in kp (candidates point into them),
 * and the most hops one of them made into *maxh. None (*n 0) when the
 * connection has no packet records of that byte or kp is full. 0 or -errno.
 */
static int carriers(struct pt_gwalk *w, struct pt_gkeep *kp, __u32 conn, int s, __u64 r0, bool from_receiver,
		    struct pt_gfp **fps, size_t *n, int *maxh)
{
	const struct pt_pm_conn *c = pt_gconn_of(w, conn);
	struct pt_gflow *f;
	__u32 seq;
	int rc;

	*fps = NULL;
	*n = 0;
	*maxh = 0;
	f = pt_gflow_of(w, conn, &rc);
	if (!f || !f->n || !pt_gseq_of(w, c, s, r0, from_receiver, &seq))
		return rc;
	rc = pt_gflow_carriers(f, (__u8)s, seq, fps, n);
	if (rc || !*n)
		return rc;
	if (kp->n == PT_GKEEP_MAX) {
		free(*fps);
		*fps = NULL;
		*n = 0;
		return 0;
	}
	kp->v[kp->n++] = *fps;
	for (size_t i = 0; i < *n; i++)
		*maxh = (*fps)[i].nhops > *maxh ? (*fps)[i].nhops : *maxh;
	return 0;
}

/*
 * A candidate for the bytes [r0, r1) of conn: sent by end side (PT_V_CONN,
 * PT_V_PKT) or received at end side (PT_V_RECV). NULL on ENOMEM.
 */
static struct pt_gcand *bytes_cand(struct pt_gcands *cs, __u8 vkind, __u8 ekind, bool out, __u64 ts, __u32 conn,
				   int side, __u64 r0, __u64 r1)
{
	struct pt_gcand *k = pt_gcand_new(cs, vkind, ekind, out, ts);

	if (!k)
		return NULL;
	k->conn = conn;
	k->side = side;
	k->r0 = r0;
	k->r1 = r1;
	return k;
}

/* The packet e at hop (when it was seen there), carrying [r0, r1) of what end s sent. NULL on ENOMEM. */
static struct pt_gcand *pkt_cand(struct pt_gcands *cs, __u8 ekind, bool out, __u32 conn, int s, __u64 r0, __u64 r1,
				 const struct pt_gfp *e, int hop)
{
	struct pt_gcand *k = bytes_cand(cs, PT_V_PKT, ekind, out, e->hop[hop].ts, conn, s, r0, r1);

	if (!k)
		return NULL;
	k->gfp = e;
	k->hop = hop;
	return k;
}

/*
 * A copy of candidate at (its connection, range, fingerprint, hop, drop)
 * leading to a vertex of kind vkind by an edge of kind ekind at ts, with no
 * label or JSON yet. NULL on ENOMEM.
 */
static struct pt_gcand *cand_from(struct pt_gcands *cs, const struct pt_gcand *at, __u8 vkind, __u8 ekind, bool out,
				  __u64 ts)
{
	struct pt_gcand *k = pt_gcand_new(cs, vkind, ekind, out, ts);

	if (!k)
		return NULL;
	*k = *at;
	k->vkind = vkind;
	k->ekind = ekind;
	k->out = out;
	k->ts = ts;
	k->label[0] = k->json[0] = 0;
	return k;
}

/* Label k "[r0, r1) of the stream", saying so when a TCP connection has no packet records of those bytes. */
static void stream_label(struct pt_gcand *k, const struct pt_pm_conn *c, __u64 r0, __u64 r1)
{
	snprintf(k->label, sizeof(k->label), "[%llu, %llu) of the stream%s", (unsigned long long)r0,
		 (unsigned long long)r1, c->kind == PT_PMC_TCP ? " (no packet records of these bytes)" : "");
}

/* The hop a drop at ts follows: the last one fingerprint e was seen at by then (0 when none). */
static int hop_before(const struct pt_gfp *e, __u64 ts)
{
	int j = 0;

	while (j + 1 < e->nhops && e->hop[j + 1].ts <= ts)
		j++;
	return j;
}

/*
 * at's packet at hop to, the one before or after at's (then the edge flows
 * forwards), labelled with the time between.
 */
static int hop_cand(struct pt_gcands *cs, const struct pt_gcand *at, int to)
{
	const struct pt_gfp *e = at->gfp;
	bool out = to > at->hop;
	int first = out ? at->hop : to, later = out ? to : at->hop;
	struct pt_gcand *k = cand_from(cs, at, PT_V_PKT, PT_GE_FORWARDED, out, e->hop[later].ts);

	if (!k)
		return -ENOMEM;
	k->hop = to;
	snprintf(k->label, sizeof(k->label), "after %.3f ms", (double)(e->hop[later].ts - e->hop[first].ts) / 1e6);
	return 0;
}

/*
 * why: the bytes [r0, r1) that endpoint r received on conn came in the
 * packets carrying byte r0 (each a chain back to the connection), or, with
 * no packet records, from the connection directly.
 * impact: the processes that read those bytes.
 */
int pt_gexpand_recv(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at, struct pt_gkeep *kp)
{
	const struct pt_pm_conn *c = pt_gconn_of(w, at->conn);
	int s = 1 - at->side, maxh, rc;
	struct pt_gfp *fps;
	struct pt_gcand *k;
	__u64 x0, x1;
	size_t n;

	if (w->o->impact) {
		struct pt_ggrps gs = { 0 };

		rc = pt_gcollect(w, c->obj[at->side], PT_DIR_IN, PT_PM_NONE, 0, PT_G_END, at->r0, at->r1, &gs);
		if (!rc)
			rc = pt_gproc_cands(cs, &gs, PT_GE_READ, true, false);
		free(gs.v);
		return rc;
	}
	if (!pt_gmap_range(w, c, s, false, at->r0, at->r1, &x0, &x1)) {
		x0 = at->r0;	/* the sender made no call here: its offsets are unknown */
		x1 = at->r1;
	}
	rc = carriers(w, kp, at->conn, s, at->r0, true, &fps, &n, &maxh);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (!fps[i].nhops || fps[i].nhops < maxh)	/* did not arrive: under the connection */
			continue;
		k = pkt_cand(cs, PT_GE_RECEIVED, false, at->conn, s, x0, x1, &fps[i], fps[i].nhops - 1);
		if (!k)
			return -ENOMEM;
		snprintf(k->label, sizeof(k->label), "byte %llu delivered to the receiving end",
			 (unsigned long long)at->r0);
	}
	if (n)
		return 0;
	k = bytes_cand(cs, PT_V_CONN, PT_GE_RECEIVED, false, at->ts, at->conn, s, x0, x1);
	if (!k)
		return -ENOMEM;
	stream_label(k, c, at->r0, at->r1);
	return 0;
}

/*
 * why: the sender's calls covering [r0, r1) of what endpoint s sent; and the
 * copies of byte r0 that did not get as far as the others (each followed
 * forwards to where it was lost), when the walk came through packets.
 */
static int conn_side_why(struct pt_gwalk *w, struct pt_gcands *cs, __u32 conn, int s, __u64 r0, __u64 r1,
			 struct pt_gkeep *kp, bool via_pkt)
{
	const struct pt_pm_conn *c = pt_gconn_of(w, conn);
	struct pt_ggrps gs = { 0 };
	struct pt_gfp *fps = NULL;
	size_t n = 0;
	int maxh = 0, rc;

	if (via_pkt && (rc = carriers(w, kp, conn, s, r0, false, &fps, &n, &maxh)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct pt_gcand *k;

		if (!fps[i].nhops || fps[i].nhops == maxh)
			continue;
		k = pkt_cand(cs, PT_GE_TRANSMITTED, true, conn, s, r0, r1, &fps[i], 0);
		if (!k)
			return -ENOMEM;
		k->fwd = true;
		snprintf(k->label, sizeof(k->label), "byte %llu, a copy that did not arrive", (unsigned long long)r0);
	}
	if (conn == PT_PM_NONE || c->obj[s] == PT_PM_NONE)
		return 0;
	rc = pt_gcollect(w, c->obj[s], PT_DIR_OUT, PT_PM_NONE, 0, PT_G_END, r0, r1, &gs);
	if (!rc)
		rc = pt_gproc_cands(cs, &gs, PT_GE_SENT, false, false);
	free(gs.v);
	return rc;
}

/* impact: what endpoint s sent, [r0, r1): its packets (byte r0), or the receiving end directly. */
static int conn_side_impact(struct pt_gwalk *w, struct pt_gcands *cs, __u32 conn, int s, __u64 r0, __u64 r1,
			    struct pt_gkeep *kp)
{
	const struct pt_pm_conn *c = pt_gconn_of(w, conn);
	const struct pt_pm_call *rcall;
	struct pt_gfp *fps;
	struct pt_gcand *k;
	int maxh, rc;
	__u64 y0, y1;
	size_t n;

	rc = carriers(w, kp, conn, s, r0, false, &fps, &n, &maxh);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (!fps[i].nhops)
			continue;
		k = pkt_cand(cs, PT_GE_TRANSMITTED, true, conn, s, r0, r1, &fps[i], 0);
		if (!k)
			return -ENOMEM;
		snprintf(k->label, sizeof(k->label), "byte %llu of [%llu, %llu)", (unsigned long long)r0,
			 (unsigned long long)r0, (unsigned long long)r1);
	}
	if (n || !pt_gmap_range(w, c, s, true, r0, r1, &y0, &y1))
		return 0;
	rcall = pt_gcovering(w, c, 1 - s, PT_DIR_IN, y0);
	k = bytes_cand(cs, PT_V_RECV, PT_GE_RECEIVED, true, rcall ? rcall->ts : 0, conn, 1 - s, y0, y1);
	if (!k)
		return -ENOMEM;
	stream_label(k, c, y0, y1);
	return 0;
}

/*
 * A connection reached from one end's bytes: that end (at.side) as above.
 * The root: why, each end's connect or accept and what it sent; impact,
 * what each end sent (as far as its peer received it, when the sender made
 * no call recorded here).
 */
int pt_gexpand_conn(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at, struct pt_gkeep *kp)
{
	const struct pt_pm_conn *c = pt_gconn_of(w, at->conn);
	int rc = 0;

	if (at->side >= 0)
		return w->o->impact ? conn_side_impact(w, cs, at->conn, at->side, at->r0, at->r1, kp)
				    : conn_side_why(w, cs, at->conn, at->side, at->r0, at->r1, kp,
						    at->ekind == PT_GE_TRANSMITTED);
	for (int s = 0; s < 2 && !rc; s++) {
		const struct pt_pm_stream *so = pt_gend_stream(w, c, s, PT_DIR_OUT);
		const struct pt_pm_stream *ri = pt_gend_stream(w, c, 1 - s, PT_DIR_IN);

		if (!w->o->impact) {
			const struct pt_pm_obj *o = c->obj[s] != PT_PM_NONE ? pt_procmodel_obj(w->m, c->obj[s]) : NULL;

			if (o && o->creator != PT_PM_NONE && (o->role == PT_PMR_CONNECT || o->role == PT_PMR_ACCEPT)) {
				__u8 ek = o->role == PT_PMR_CONNECT ? PT_GE_CONNECTED : PT_GE_ACCEPTED;
				struct pt_gcand *k = pt_gcand_new(cs, PT_V_PROC, ek, false, o->first_ts);
				char ep[80];

				if (!k)
					return -ENOMEM;
				k->proc = o->creator;
				k->t = o->first_ts;
				snprintf(k->label, sizeof(k->label), "at %s", pt_graph_endpoint(c, s, ep, sizeof(ep)));
			}
			if (so)
				rc = conn_side_why(w, cs, at->conn, s, 0, so->end, kp, false);
		} else if (so || ri) {
			/* without the sender's calls, its bytes end where the receiver's do */
			__u64 end = so ? so->end : ri->end;

			if (end)
				rc = conn_side_impact(w, cs, at->conn, s, 0, end, kp);
		}
	}
	return rc;
}

/* The drops of at's packet at its hop: those after its sight there and before the next hop's. */
static int pkt_drops(struct pt_gcands *cs, const struct pt_gcand *at)
{
	const struct pt_gfp *e = at->gfp;

	for (int d = 0; d < e->ndrops; d++) {
		struct pt_gcand *k;
		char rn[64];

		if (hop_before(e, e->drop[d]->ts) != at->hop)
			continue;
		k = cand_from(cs, at, PT_V_DROP, PT_GE_DROPPED, true, e->drop[d]->ts);
		if (!k)
			return -ENOMEM;
		k->drop = e->drop[d];
		snprintf(k->label, sizeof(k->label), "%s", pt_drop_reason_name(e->drop[d]->reason, rn, sizeof(rn)));
	}
	return 0;
}

/*
 * A packet at a hop: its drops there; why, the hop before, or the
 * connection that sent it at the first; impact (and in why a copy followed
 * forwards to its drop), the hop after, or the bytes received at the last.
 */
int pt_gexpand_pkt(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at)
{
	const struct pt_gfp *e = at->gfp;
	const struct pt_pm_conn *c = pt_gconn_of(w, at->conn);
	struct pt_gcand *k;
	__u64 y0, y1;
	int rc = pkt_drops(cs, at);

	if (rc)
		return rc;
	if (!w->o->impact && !at->fwd) {
		if (at->hop > 0)
			return hop_cand(cs, at, at->hop - 1);
		if (at->conn == PT_PM_NONE)
			return 0;
		k = bytes_cand(cs, PT_V_CONN, PT_GE_TRANSMITTED, false, e->hop[0].ts, at->conn, at->side, at->r0,
			       at->r1);
		if (!k)
			return -ENOMEM;
		snprintf(k->label, sizeof(k->label), "seq %u, %u B", e->hop[0].seq, e->hop[0].len);
		return 0;
	}
	if (at->hop + 1 < e->nhops)
		return hop_cand(cs, at, at->hop + 1);
	if (at->fwd || at->conn == PT_PM_NONE || c->obj[1 - at->side] == PT_PM_NONE ||
	    !pt_gmap_range(w, c, at->side, true, at->r0, at->r1, &y0, &y1))
		return 0;
	k = bytes_cand(cs, PT_V_RECV, PT_GE_RECEIVED, true, e->hop[at->hop].ts, at->conn, 1 - at->side, y0, y1);
	if (!k)
		return -ENOMEM;
	snprintf(k->label, sizeof(k->label), "byte %llu delivered to the receiving end", (unsigned long long)y0);
	return 0;
}

/* why, at the root only: the packet at the hop the drop followed (a drop met on the way is an effect: a leaf). */
int pt_gexpand_drop(struct pt_gwalk *w, struct pt_gcands *cs, const struct pt_gcand *at)
{
	const struct pt_gfp *e = at->gfp;
	struct pt_gcand *k;
	int j;

	if (w->o->impact || at->ekind || !e->nhops)
		return 0;
	j = hop_before(e, at->drop->ts);
	k = cand_from(cs, at, PT_V_PKT, PT_GE_DROPPED, false, at->drop->ts);
	if (!k)
		return -ENOMEM;
	k->hop = j;
	snprintf(k->label, sizeof(k->label), "last seen there %.3f ms before",
		 (double)(at->drop->ts - e->hop[j].ts) / 1e6);
	return 0;
}
