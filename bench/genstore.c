// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * genstore.c — a realistic store with known answers, for the query benchmarks.
 *
 *   genstore --dir DIR [--packets N] [--flows F] [--loss-permille L] [--seed S]
 *            [--segment-size BYTES] [--csv FILE] [--tcp]
 *
 * N packets (default 2,500,000) of F flows (default 4096: TCP mostly, some UDP,
 * 1 in 16 IPv6), each with its own fingerprint, cross a 4-point path
 *
 *   p0 cli0@gc:out  ->  p1 r1a@gr:in  ->  p2 r1b@gr:out  ->  p3 srv0@gs:in
 *
 * with realistic per-hop delays (µs: a veth hop ~15-60 µs, the router's forwarding
 * 30-300 µs with a queueing tail up to ~2 ms, the last hop ~15-60 µs) and TTL decreasing
 * at the router. About L/1000 (default 10 = 1 %) of the packets are lost inside the
 * router (seen at p0 and p1, never at p2 and p3); none in the last 2,000 packets, so
 * no loss is mistaken for "in flight". Packets start ~10 µs apart (100k packets/s),
 * and records are written in timestamp order in 6,000-record batches through
 * pt_store_append(), as the collector writes them: POINT and CLOCK records at the head
 * of every segment (default segment size), everything sealed at the end.
 *
 * --csv FILE also writes every packet record as "point,fp,ts" (fp as a signed 64-bit
 * integer, for sqlite3), in the same order.
 *
 * Prints one JSON object: records, packets, lost (the known answer for segment
 * p1 -> p2), the point names, per-segment delay percentiles (nearest rank over µs
 * rounded to nearest, as `query hops` computes them), seconds, bytes on disk.
 *
 * --tcp: instead, N TCP data segments (IPv4 and 1 in 16 IPv6, F connections,
 * skewed popularity, 1448-byte payloads, 10 % shorter) leaving one interface,
 * and their ACKs coming back, for `query rtt` and `query throughput`:
 *
 *   p0 cli0@gc:out (data)   p1 cli0@gc:in (ACKs)
 *
 * Every timestamp is a whole µs. The receiver acknowledges every second segment
 * of a connection (one ACK covering both) after an RTT of 100 µs to ~3 ms (1 % up
 * to 20 ms more), an ACK never before the connection's previous one; a last odd
 * segment gets its own ACK. 1 in 200 ACKed pairs has its first segment sent
 * again just after the second (a spurious retransmission, before the ACK): by
 * Karn's rule neither copy gives a sample. Sequence numbers do not wrap. With
 * --csv, rows are "point,ts,flow,seq,end,ack,l3_len" (ack 0 on data segments).
 * The JSON then gives the known answers: records, segments, acks, retrans (extra
 * copies), per point packets and L3 bytes, rtt (samples, min, p50, p90, max µs
 * over every sample, nearest rank) and ack_rtt (per ACK: ACK time - time of the
 * last segment it covers, as Wireshark's tcp.analysis.ack_rtt: n, p50, max µs).
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>
#include <linux/types.h>

#include "bpf/pkt.h"
#include "collector/store.h"

#define NPTS	4
#define BATCH	6000
#define T0	1000000000000ull		/* boottime of the first packet: 1000 s */
#define RT_OFF	1767225600000000000ull		/* realtime - boottime (2026-01-01) */

static const char *const pt_if[NPTS] = { "cli0", "r1a", "r1b", "srv0" };
static const char *const pt_ns[NPTS] = { "gc", "gr", "gr", "gs" };
static const __u8 pt_dir[NPTS] = { PT_DIR_OUT, PT_DIR_IN, PT_DIR_OUT, PT_DIR_IN };
/* --tcp: one interface, both directions */
static const char *const tcp_if[2] = { "cli0", "cli0" };
static const char *const tcp_ns[2] = { "gc", "gc" };
static const __u8 tcp_dir[2] = { PT_DIR_OUT, PT_DIR_IN };
/* the points in use (path mode: all of the above; --tcp: 2) */
static int npts = NPTS;
static const char *const *g_if = pt_if, *const *g_ns = pt_ns;
static const __u8 *g_dir = pt_dir;

static __u64 rng_state = 0x853c49e6748fea9bull;

static __u64 rnd(void)
{
	__u64 x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static double urand(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static __u64 mix64(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct flow {
	__u8 v6, proto;
	__u8 saddr[16], daddr[16];
	__u16 sport, dport;
	__u32 seq, ack;
	__u16 ip_id;
	__u16 plen;	/* typical payload */
};

/* A pending sighting, in a min-heap by ts. */
struct ev {
	__u64 ts;
	__u32 pkt;	/* packet index */
	__u8 point;
};

static struct ev *heap;
static size_t nheap, capheap;

static void push(struct ev e)
{
	size_t i;

	if (nheap == capheap) {
		capheap = capheap ? capheap * 2 : 4096;
		heap = realloc(heap, capheap * sizeof(*heap));
		if (!heap) {
			perror("genstore");
			exit(1);
		}
	}
	for (i = nheap++; i > 0; i = (i - 1) / 2) {
		size_t p = (i - 1) / 2;

		if (heap[p].ts < e.ts || (heap[p].ts == e.ts && heap[p].point <= e.point))
			break;
		heap[i] = heap[p];
	}
	heap[i] = e;
}

static struct ev pop(void)
{
	struct ev top = heap[0], last = heap[--nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= nheap)
			break;
		if (c + 1 < nheap && (heap[c + 1].ts < heap[c].ts ||
				      (heap[c + 1].ts == heap[c].ts && heap[c + 1].point < heap[c].point)))
			c++;
		if (last.ts < heap[c].ts || (last.ts == heap[c].ts && last.point <= heap[c].point))
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = last;
	return top;
}

/* Per packet: what every sighting needs. */
struct pk {
	__u64 fp;
	__u32 flow;
	__u32 seq, ack;
	__u16 ip_id, plen;
	__u8 tcp_flags;
	bool rev;	/* --tcp: an ACK, server -> client */
};

struct gen {
	struct flow *flows;
	__u32 nflows;
	struct pk *pk;		/* ring of packets in flight, indexed pkt % PKRING */
	struct pt_store *s;
	struct pt_pkt *batch;
	size_t nb;
	FILE *csv;
	__u64 records;
	__u32 *delay_us[NPTS - 1];	/* rounded µs, per segment, for the expected percentiles */
	__u64 ndelay[NPTS - 1];
	bool tcp;			/* --tcp mode */
	__u64 pkts[2], bytes[2];	/* --tcp: per point */
};

#define PKRING	(1u << 16)

static void die_err(const char *what, int err)
{
	fprintf(stderr, "genstore: %s: %s\n", what, strerror(-err));
	exit(1);
}

static int on_new_segment(struct pt_store *s, void *ctx)
{
	struct pt_clock_rec c = { .type = PT_REC_CLOCK, .len = sizeof(c), .boottime_ns = T0 - 1000000,
				  .realtime_ns = T0 - 1000000 + RT_OFF, .error_ns = 1000 };
	int err;

	(void)ctx;
	for (int i = 0; i < npts; i++) {
		struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr), .point = (__u16)i };

		pr.info.in_use = 1;
		pr.info.ifindex = (__u32)i + 2;
		pr.info.netns_ino = 4026532000ull + (__u64)i / 2;
		pr.info.attach_realtime_ns = RT_OFF + T0 - 5000000000ull + (__u64)i;
		snprintf(pr.info.ifname, sizeof(pr.info.ifname), "%s", g_if[i]);
		snprintf(pr.info.netns, sizeof(pr.info.netns), "%s", g_ns[i]);
		snprintf(pr.info.variant, sizeof(pr.info.variant), "tc");
		pr.info.dir = g_dir[i];
		pr.info.hook = PT_HOOK_TC;
		err = pt_store_append(s, &pr, sizeof(pr), 1, NULL);
		if (err)
			return err;
	}
	return pt_store_append(s, &c, sizeof(c), 1, NULL);
}

static void flush(struct gen *g)
{
	int err;

	if (!g->nb)
		return;
	err = pt_store_append(g->s, g->batch, g->nb * sizeof(*g->batch), (__u32)g->nb, NULL);
	if (err)
		die_err("append", err);
	g->records += g->nb;
	g->nb = 0;
}

static void emit(struct gen *g, const struct ev *e)
{
	const struct pk *k = &g->pk[e->pkt % PKRING];
	const struct flow *f = &g->flows[k->flow];
	struct pt_pkt *p = &g->batch[g->nb++];

	memset(p, 0, sizeof(*p));
	p->type = PT_REC_PKT;
	p->len = sizeof(*p);
	p->point = e->point;
	p->flags = (f->v6 ? PT_PF_IPV6 : PT_PF_IPV4) | PT_PF_L4 | PT_PF_MARK;
	p->ts_ns = e->ts;
	p->fp = k->fp;
	memcpy(p->saddr, k->rev ? f->daddr : f->saddr, 16);
	memcpy(p->daddr, k->rev ? f->saddr : f->daddr, 16);
	p->sport = k->rev ? f->dport : f->sport;
	p->dport = k->rev ? f->sport : f->dport;
	p->l4proto = f->proto;
	p->l4_payload_len = k->plen;
	if (f->proto == IPPROTO_TCP) {
		p->seq = k->seq;
		p->ack = k->ack;
		p->window = 502;
		p->tcp_flags = k->tcp_flags;
		p->l3_len = (f->v6 ? 40 : 20) + 32 + k->plen;
	} else {
		p->l3_len = (f->v6 ? 40 : 20) + 8 + k->plen;
	}
	if (!f->v6)
		p->ip_id = k->ip_id;
	p->ttl = e->point >= 2 ? 63 : 64;	/* the router decrements it */
	p->wire_len = p->l3_len + 14u;
	p->dir = g_dir[e->point];
	p->hook = PT_HOOK_TC;
	if (g->tcp) {
		g->pkts[e->point]++;
		g->bytes[e->point] += p->l3_len;
		if (g->csv)
			fprintf(g->csv, "%u,%llu,%u,%u,%u,%u,%u\n", e->point, (unsigned long long)e->ts, k->flow,
				k->rev ? 0 : k->seq, k->rev ? 0 : k->seq + k->plen, k->rev ? k->ack : 0, p->l3_len);
	} else if (g->csv) {
		fprintf(g->csv, "%u,%lld,%llu\n", e->point, (long long)k->fp, (unsigned long long)e->ts);
	}
	if (g->nb == BATCH)
		flush(g);
}

/* Delay of segment i (0: p0->p1, 1: p1->p2 the router, 2: p2->p3), ns. */
static __u64 hop_delay(int i)
{
	double u = urand();

	if (i == 1) {
		/* forwarding 30-300 µs, 2 % queued up to 2 ms more */
		double d = 30000 + 270000 * u * u;

		if (urand() < 0.02)
			d += 2000000 * urand();
		return (__u64)d;
	}
	return 15000 + (__u64)(45000 * u * u) + rnd() % 1000;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static __u32 pct(const __u32 *v, __u64 n, double p)
{
	double r = p / 100.0 * (double)n;
	__u64 rank = (__u64)r;

	if ((double)rank < r - 1e-9)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* --tcp: per connection, the segments sent since its last ACK */
struct conn {
	__u64 first_ts;		/* the pending segment's time, if npend */
	__u32 first_seq;	/* its sequence number and length (for a retransmission) */
	__u16 first_plen;
	__u64 last_ack_ts;
	int npend;
};

/* Queue one sighting of a new packet event (ring slot *id) at point pt. */
static struct pk *tcp_event(struct gen *g, __u32 *id, __u64 ts, __u8 pt)
{
	struct pk *k = &g->pk[*id % PKRING];

	memset(k, 0, sizeof(*k));
	k->fp = mix64(*id ^ 0x9e3779b97f4a7c15ull) | 1;
	push((struct ev){ .ts = ts, .pkt = *id, .point = pt });
	(*id)++;
	return k;
}

/*
 * The ACK of connection fi's pending segments (the last sent at last_ts): samples
 * into rtt (one per pending segment, the first left out when it was retransmitted)
 * and ackrtt (one per ACK).
 */
static void tcp_ack(struct gen *g, struct conn *c, __u32 fi, __u64 last_ts, bool retrans, __u32 *id,
		    __u32 *rtt, __u64 *nrtt, __u32 *ackrtt, __u64 *nack)
{
	struct flow *f = &g->flows[fi];
	double u = urand();
	__u64 r_us = 100 + (__u64)(2900 * u * u * u), ts;	/* after the copy at last_ts + 1 µs */
	struct pk *k;

	if (urand() < 0.01)
		r_us += (__u64)(20000 * urand());
	ts = last_ts + r_us * 1000;
	if (ts <= c->last_ack_ts)
		ts = c->last_ack_ts + 1000;
	c->last_ack_ts = ts;
	k = tcp_event(g, id, ts, 1);
	k->flow = fi;
	k->rev = true;
	k->seq = f->ack;
	k->ack = f->seq;	/* everything sent so far */
	k->ip_id = f->ip_id++;
	k->tcp_flags = 0x10;
	if (c->npend == 2 && !retrans)
		rtt[(*nrtt)++] = (__u32)((ts - c->first_ts) / 1000);
	rtt[(*nrtt)++] = (__u32)((ts - last_ts) / 1000);
	ackrtt[(*nack)++] = (__u32)((ts - last_ts) / 1000);
	c->npend = 0;
}

static void print_stats(const char *name, __u32 *v, __u64 n, bool p90)
{
	qsort(v, n, sizeof(*v), cmp_u32);
	printf("\"%s\":{\"n\":%llu,\"min\":%u,\"p50\":%u,", name, (unsigned long long)n, n ? v[0] : 0,
	       n ? pct(v, n, 50) : 0);
	if (p90)
		printf("\"p90\":%u,", n ? pct(v, n, 90) : 0);
	printf("\"max\":%u}", n ? v[n - 1] : 0);
}

static unsigned long long dir_bytes(const char *dir);

/* --tcp: n data segments and their ACKs (see the head comment); seals, prints the JSON. */
static int gen_tcp(struct gen *g, const char *dir, unsigned long long n)
{
	struct conn *conns = calloc(g->nflows, sizeof(*conns));
	__u32 *rtt = malloc(n * sizeof(*rtt)), *ackrtt = malloc(n * sizeof(*ackrtt)), id = 0;
	__u64 nrtt = 0, nack = 0, retrans = 0, t = T0;
	double t0, t1, t2;
	int err;

	if (!conns || !rtt || !ackrtt)
		die_err("memory", -ENOMEM);
	t0 = now_s();
	for (__u64 i = 0; i < n; i++) {
		__u32 fi = (__u32)((__u64)(urand() * urand() * g->nflows)) % g->nflows;
		struct flow *f = &g->flows[fi];
		struct conn *c = &conns[fi];
		struct pk *k;
		__u16 plen;

		if (i)
			t += (5 + rnd() % 10) * 1000;	/* ~10 µs apart, whole µs */
		while (nheap && heap[0].ts <= t) {
			struct ev e = pop();

			emit(g, &e);
		}
		plen = urand() < 0.1 ? (__u16)(1 + rnd() % 1447) : f->plen;
		k = tcp_event(g, &id, t, 0);
		k->flow = fi;
		k->seq = f->seq;
		k->ack = f->ack;
		k->plen = plen;
		k->ip_id = f->ip_id++;
		k->tcp_flags = 0x18;
		f->seq += plen;
		if (!c->npend++) {
			c->first_ts = t;
			c->first_seq = k->seq;
			c->first_plen = plen;
			continue;
		}
		/* the second segment: maybe a spurious retransmission of the first, then the ACK */
		bool re = rnd() % 200 == 0;

		if (re) {
			struct pk *x = tcp_event(g, &id, t + 1000, 0);

			x->flow = fi;
			x->seq = c->first_seq;
			x->ack = f->ack;
			x->plen = c->first_plen;
			x->ip_id = f->ip_id++;
			x->tcp_flags = 0x18;
			retrans++;
		}
		tcp_ack(g, c, fi, t, re, &id, rtt, &nrtt, ackrtt, &nack);
	}
	for (__u32 fi = 0; fi < g->nflows; fi++)
		if (conns[fi].npend)
			tcp_ack(g, &conns[fi], fi, conns[fi].first_ts, false, &id, rtt, &nrtt, ackrtt, &nack);
	while (nheap) {
		struct ev e = pop();

		emit(g, &e);
	}
	flush(g);
	t1 = now_s();
	err = pt_store_seal(g->s);
	if (err)
		die_err("seal", err);
	t2 = now_s();
	pt_store_close(g->s);
	if (g->csv && fclose(g->csv)) {
		fprintf(stderr, "genstore: writing the CSV: %s\n", strerror(errno));
		return 1;
	}
	printf("{\"records\":%llu,\"segments\":%llu,\"acks\":%llu,\"retrans\":%llu,\"flows\":%u,"
	       "\"points\":[\"cli0@gc:out\",\"cli0@gc:in\"],\"packets\":[%llu,%llu],\"bytes\":[%llu,%llu],",
	       (unsigned long long)g->records, n, (unsigned long long)nack, (unsigned long long)retrans, g->nflows,
	       (unsigned long long)g->pkts[0], (unsigned long long)g->pkts[1], (unsigned long long)g->bytes[0],
	       (unsigned long long)g->bytes[1]);
	print_stats("rtt", rtt, nrtt, true);
	putchar(',');
	print_stats("ack_rtt", ackrtt, nack, false);
	printf(",\"gen_s\":%.3f,\"seal_s\":%.3f,\"disk_bytes\":%llu,\"span_s\":%.3f}\n", t1 - t0, t2 - t1,
	       dir_bytes(dir), (double)(t - T0) / 1e9);
	free(conns);
	free(rtt);
	free(ackrtt);
	return 0;
}

static unsigned long long dir_bytes(const char *dir)
{
	unsigned long long n = 0;
	char path[4096];
	struct dirent *d;
	struct stat st;
	DIR *dp = opendir(dir);

	if (!dp)
		return 0;
	while ((d = readdir(dp))) {
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (d->d_name[0] != '.' && !stat(path, &st) && S_ISREG(st.st_mode))
			n += (unsigned long long)st.st_size;
	}
	closedir(dp);
	return n;
}

/* What main allocated (so that a sanitized build reports no leak). */
static void gen_free(struct gen *g)
{
	free(g->flows);
	free(g->pk);
	free(g->batch);
	for (int i = 0; i < NPTS - 1; i++)
		free(g->delay_us[i]);
	free(heap);
	heap = NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' }, { "packets", required_argument, NULL, 'n' },
		{ "flows", required_argument, NULL, 'f' }, { "loss-permille", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' }, { "segment-size", required_argument, NULL, 'g' },
		{ "csv", required_argument, NULL, 'c' }, { "tcp", no_argument, NULL, 't' }, { NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *csv = NULL;
	unsigned long long n = 2500000, seg = 0, lost = 0, seed = 1;
	unsigned nflows = 4096, loss_pm = 10;
	struct pt_store_opts so = {};
	struct gen g = {};
	__u64 t = T0;
	double t0, t1, t2;
	int c, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 'f': nflows = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'l': loss_pm = (unsigned)strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'g': seg = strtoull(optarg, NULL, 0); break;
		case 'c': csv = optarg; break;
		case 't': g.tcp = true; break;
		default: goto usage;
		}
	}
	if (!dir || !n || n > 100000000ull || !nflows || loss_pm > 1000)
		goto usage;
	rng_state ^= mix64(seed) | 1;
	if (mkdir(dir, 0750)) {
		fprintf(stderr, "genstore: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (csv && !(g.csv = fopen(csv, "w"))) {
		fprintf(stderr, "genstore: cannot create %s: %s\n", csv, strerror(errno));
		return 1;
	}
	g.nflows = nflows;
	if (g.tcp) {
		npts = 2;
		g_if = tcp_if;
		g_ns = tcp_ns;
		g_dir = tcp_dir;
	}
	g.flows = calloc(nflows, sizeof(*g.flows));
	g.pk = calloc(PKRING, sizeof(*g.pk));
	g.batch = calloc(BATCH, sizeof(*g.batch));
	for (int i = 0; i < NPTS - 1; i++)
		g.delay_us[i] = malloc((g.tcp ? 1 : n) * sizeof(__u32));
	if (!g.flows || !g.pk || !g.batch || !g.delay_us[0] || !g.delay_us[1] || !g.delay_us[2])
		die_err("memory", -ENOMEM);
	for (unsigned i = 0; i < nflows; i++) {
		struct flow *f = &g.flows[i];

		f->v6 = i % 16 == 15;
		f->proto = i % 8 == 3 && !g.tcp ? IPPROTO_UDP : IPPROTO_TCP;
		if (f->v6) {
			f->saddr[0] = f->daddr[0] = 0xfd;
			f->saddr[14] = (__u8)(i >> 8);
			f->saddr[15] = (__u8)i;
			f->daddr[15] = 2;
		} else {
			f->saddr[0] = f->daddr[0] = 10;
			f->saddr[2] = (__u8)(i >> 8);
			f->saddr[3] = (__u8)i;
			f->daddr[1] = 3;
			f->daddr[3] = 2;
		}
		f->sport = (__u16)(32768 + (mix64(i) % 28000));
		f->dport = f->proto == IPPROTO_UDP ? 53 : (i % 3 ? 443 : 80);
		f->seq = (__u32)mix64(i * 7 + 1);
		if (g.tcp)
			f->seq &= 0x7fffffff;	/* no wrap within the store */
		f->ack = (__u32)mix64(i * 7 + 2);
		f->ip_id = (__u16)mix64(i * 7 + 3);
		f->plen = f->proto == IPPROTO_UDP ? 40 + i % 400 : 1448;
	}
	so.seg_max_bytes = seg;
	so.seg_max_age_ns = 1ull << 62;
	so.hostname = "genstore";
	so.on_new_segment = on_new_segment;
	err = pt_store_open(dir, &so, &g.s);
	if (err)
		die_err("pt_store_open", err);
	if (g.tcp) {
		err = gen_tcp(&g, dir, n);
		gen_free(&g);
		return err;
	}

	t0 = now_s();
	for (__u64 i = 0; i < n; i++) {
		/* a busy link: skewed flow popularity */
		__u32 fi = (__u32)((__u64)(urand() * urand() * nflows)) % nflows;
		struct flow *f = &g.flows[fi];
		struct pk *k = &g.pk[i % PKRING];
		bool drop = loss_pm && i + 2000 < n && rnd() % 1000 < loss_pm;
		__u64 ts;

		t += 5000 + rnd() % 10000;	/* ~10 µs apart */
		/* release every sighting that happened before this packet's first one */
		while (nheap && heap[0].ts <= t) {
			struct ev e = pop();

			emit(&g, &e);
		}
		k->fp = mix64(i ^ mix64(seed)) | 1;
		k->flow = fi;
		k->ip_id = f->ip_id++;
		if (f->proto == IPPROTO_TCP) {
			k->plen = urand() < 0.1 ? (__u16)(rnd() % 1448) : f->plen;
			k->seq = f->seq;
			f->seq += k->plen;
			k->ack = f->ack;
			k->tcp_flags = 0x18;
		} else {
			k->plen = f->plen;
		}
		ts = t;
		for (int p = 0; p < NPTS; p++) {
			if (p) {
				__u64 d = hop_delay(p - 1);

				ts += d;
				g.delay_us[p - 1][g.ndelay[p - 1]++] = (__u32)((d + 500) / 1000);
			}
			push((struct ev){ .ts = ts, .pkt = (__u32)i, .point = (__u8)p });
			if (p == 1 && drop) {
				lost++;
				break;
			}
		}
	}
	while (nheap) {
		struct ev e = pop();

		emit(&g, &e);
	}
	flush(&g);
	t1 = now_s();
	err = pt_store_seal(g.s);
	if (err)
		die_err("seal", err);
	t2 = now_s();
	pt_store_close(g.s);
	if (g.csv && fclose(g.csv)) {
		fprintf(stderr, "genstore: writing %s: %s\n", csv, strerror(errno));
		return 1;
	}
	printf("{\"records\":%llu,\"packets\":%llu,\"flows\":%u,\"lost\":%llu,\"lost_from\":\"%s@%s:in\","
	       "\"lost_to\":\"%s@%s:out\",\"points\":[",
	       (unsigned long long)g.records, n, nflows, lost, pt_if[1], pt_ns[1], pt_if[2], pt_ns[2]);
	for (int i = 0; i < NPTS; i++)
		printf("%s\"%s@%s:%s\"", i ? "," : "", pt_if[i], pt_ns[i], pt_dir[i] == PT_DIR_IN ? "in" : "out");
	printf("],\"delay_us\":[");
	for (int i = 0; i < NPTS - 1; i++) {
		__u32 *v = g.delay_us[i];
		__u64 m = g.ndelay[i];

		qsort(v, m, sizeof(*v), cmp_u32);
		printf("%s{\"n\":%llu,\"p50\":%u,\"p90\":%u,\"p99\":%u,\"max\":%u}", i ? "," : "",
		       (unsigned long long)m, pct(v, m, 50), pct(v, m, 90), pct(v, m, 99), v[m - 1]);
	}
	printf("],\"gen_s\":%.3f,\"seal_s\":%.3f,\"disk_bytes\":%llu,\"span_s\":%.3f}\n", t1 - t0, t2 - t1,
	       dir_bytes(dir), (double)(t - T0) / 1e9);
	gen_free(&g);
	return 0;
usage:
	fprintf(stderr, "usage: genstore --dir DIR [--packets N] [--flows F] [--loss-permille L] [--seed S]\n"
			"                [--segment-size BYTES] [--csv FILE] [--tcp]\n");
	return 2;
}
