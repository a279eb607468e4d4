// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * storebench.c — the store alone: append N synthetic packet records in
 * collector-sized batches, seal, then read everything back and check it.
 *
 *   storebench --dir DIR --records N [--batch B] [--segment-size BYTES]
 *
 * Records look like a busy host's: 256 flows (IPv4 TCP mostly, some UDP and
 * IPv6), timestamps ~0.5 us apart, sequence numbers advancing per flow, 4
 * capture points. DIR must not exist (it is created). Prints one JSON object:
 * append seconds, seal seconds, records/s for append+seal, bytes on disk; and
 * "valid" (records read back == N, in order, none corrupt). Exit 1 on error.
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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill(struct pt_pkt *p, unsigned long long i, __u64 ts)
{
	unsigned flow = (unsigned)((i * 2654435761ULL) >> 8) % 256;

	memset(p, 0, sizeof(*p));
	p->type = PT_REC_PKT;
	p->len = sizeof(*p);
	p->point = (__u16)(i % 4);
	p->ts_ns = ts;
	p->fp = (i / 4) * 0x9e3779b97f4a7c15ULL;	/* one packet seen at 4 points */
	p->dir = p->point & 1 ? PT_DIR_OUT : PT_DIR_IN;
	p->hook = PT_HOOK_TC;
	p->ttl = 64;
	if (flow % 16 == 15) {
		p->flags = PT_PF_IPV6 | PT_PF_L4 | PT_PF_MARK;
		p->saddr[0] = 0xfd;
		p->saddr[15] = (__u8)flow;
		p->daddr[0] = 0xfd;
		p->daddr[15] = 1;
		p->l3_len = 40 + 20 + 100;
	} else {
		p->flags = PT_PF_IPV4 | PT_PF_L4 | PT_PF_MARK;
		p->saddr[0] = 10;
		p->saddr[3] = (__u8)flow;
		p->daddr[0] = 10;
		p->daddr[3] = 2;
		p->l3_len = 20 + 20 + 1448;
		p->ip_id = (__u16)(i / 4);
	}
	if (flow % 8 == 7) {
		p->l4proto = IPPROTO_UDP;
		p->sport = (__u16)(30000 + flow);
		p->dport = 53;
		p->l4_payload_len = 60;
	} else {
		p->l4proto = IPPROTO_TCP;
		p->sport = (__u16)(40000 + flow);
		p->dport = 443;
		p->seq = (__u32)(flow * 100000u + (i / 4) * 1448u);
		p->ack = (__u32)(flow * 7u);
		p->window = 512;
		p->tcp_flags = 0x18;
		p->l4_payload_len = 1448;
	}
	p->wire_len = p->l3_len + 14u;
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' }, { "records", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' }, { "segment-size", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	unsigned long long n = 0, batch = 6000, seg = 64ULL << 20, done = 0, got = 0, bad = 0;
	struct pt_store_opts so = {};
	struct pt_store *s = NULL;
	struct pt_reader *r = NULL;
	const struct pt_rec_hdr *h;
	struct pt_pkt *buf;
	double t0, t1, t2, t3;
	__u64 ts = 1000000000ULL, last_ts = 0;
	int c, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 'b': batch = strtoull(optarg, NULL, 0); break;
		case 'g': seg = strtoull(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (!dir || !n || !batch || batch > 7000)
		goto usage;
	if (mkdir(dir, 0750)) {
		fprintf(stderr, "storebench: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	buf = calloc(batch, sizeof(*buf));
	if (!buf)
		return 1;
	so.seg_max_bytes = seg;
	so.hostname = "bench";
	err = pt_store_open(dir, &so, &s);
	if (err) {
		fprintf(stderr, "storebench: pt_store_open %s: %s\n", dir, strerror(-err));
		return 1;
	}
	t0 = now_s();
	while (done < n) {
		unsigned long long k = n - done < batch ? n - done : batch;

		for (unsigned long long j = 0; j < k; j++) {
			ts += 400 + ((done + j) * 7919) % 200;
			fill(&buf[j], done + j, ts);
		}
		err = pt_store_append(s, buf, k * sizeof(*buf), (__u32)k, NULL);
		if (err) {
			fprintf(stderr, "storebench: append at record %llu: %s\n", done, strerror(-err));
			return 1;
		}
		done += k;
	}
	t1 = now_s();
	err = pt_store_seal(s);
	if (err) {
		fprintf(stderr, "storebench: seal: %s\n", strerror(-err));
		return 1;
	}
	t2 = now_s();
	pt_store_close(s);
	/* read back: every record, in order */
	err = pt_reader_open(dir, NULL, NULL, NULL, &r);
	if (err) {
		fprintf(stderr, "storebench: reader: %s\n", strerror(-err));
		return 1;
	}
	while ((err = pt_reader_next(r, &h, NULL)) == 1) {
		const struct pt_pkt *p = (const void *)h;

		if (h->type != PT_REC_PKT || h->len != sizeof(*p) || p->ts_ns <= last_ts)
			bad++;
		else
			last_ts = p->ts_ns;
		got++;
	}
	t3 = now_s();
	if (err < 0)
		fprintf(stderr, "storebench: reading back: %s\n", strerror(-err));
	else if (pt_reader_get_stats(r)->corrupt)
		fprintf(stderr, "storebench: %llu corrupt region(s) reading back\n",
			(unsigned long long)pt_reader_get_stats(r)->corrupt);
	printf("{\"records\":%llu,\"batch\":%llu,\"append_s\":%.4f,\"seal_s\":%.4f,\"read_s\":%.4f,"
	       "\"append_rate\":%.0f,\"append_seal_rate\":%.0f,\"read_rate\":%.0f,\"disk_bytes\":%llu,"
	       "\"bytes_per_record\":%.2f,\"read_back\":%llu,\"bad\":%llu,\"valid\":%s}\n",
	       n, batch, t1 - t0, t2 - t1, t3 - t2, (double)n / (t1 - t0), (double)n / (t2 - t0),
	       (double)got / (t3 - t2), dir_bytes(dir), (double)dir_bytes(dir) / (double)n, got, bad,
	       !err && got == n && !bad && !pt_reader_get_stats(r)->corrupt ? "true" : "false");
	pt_reader_close(r);
	free(buf);
	return err < 0 || got != n || bad ? 1 : 0;
usage:
	fprintf(stderr, "usage: storebench --dir DIR --records N [--batch B<=7000] [--segment-size BYTES]\n");
	return 2;
}
