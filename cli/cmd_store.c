// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "collector/store.h"
#include "common/log.h"
#include "bpf/proc.h"
#include "query/filter.h"
#include "query/format.h"
#include "query/json.h"

void usage_store(FILE *out)
{
	fprintf(out,
		"usage: provtap store count|dump --store DIR [FILTER] [--json]\n"
		"       provtap store verify|stats|seal --store DIR [--json]\n"
		"\n"
		"  count   per capture point: packets, wire bytes, and records the kernel could not\n"
		"          deliver (ring buffer full), for the records matching FILTER\n"
		"  dump    every matching record, as `provtap tail` prints them\n"
		"  verify  read everything; report corrupt or truncated regions (file, offset);\n"
		"          exit 1 if there were any. --json: one object, records, corrupt_regions\n"
		"          and corrupt (file, offset, reason of each)\n"
		"  stats   segments, records and bytes on disk; bytes per record in sealed segments\n"
		"  seal    compress and index the active segment now (not while a collector runs)\n"
		"FILTER is the filter language plus `point NAME`. DIR must be an existing store: seal\n"
		"refuses a directory without one; the others warn and read nothing.\n"
		"\nexamples:\n"
		"  provtap store count --store /var/lib/provtap 'udp'\n"
		"  provtap store dump --store /var/lib/provtap 'point veth1@r1:in' --json\n");
}

struct corrupt_ctx {
	unsigned long long n;
	FILE *json;	/* verify --json: the regions as JSON array elements */
};

static void on_corrupt(const char *file, __u64 off, const char *why, void *ctx)
{
	struct corrupt_ctx *c = ctx;

	if (c->json) {
		fprintf(c->json, "%s{\"file\":", c->n ? "," : "");
		pt_json_str(c->json, file);
		fprintf(c->json, ",\"offset\":%llu,\"reason\":", (unsigned long long)off);
		pt_json_str(c->json, why);
		fputc('}', c->json);
	}
	c->n++;
	pt_warn("store: %s at offset %llu: %s (skipped)", file, (unsigned long long)off, why);
}

/* Records and packets per segment read, in the reader's order (ascending sequence numbers). */
struct seg_count {
	unsigned long long seq, recs, pkts;
};
static struct seg_count *segs;
static size_t nsegs, capsegs;

/* The count of segment seq (the last one, or a new one after it). NULL on ENOMEM. */
static struct seg_count *seg_count(unsigned long long seq)
{
	struct seg_count *n;

	if (nsegs && segs[nsegs - 1].seq == seq)
		return &segs[nsegs - 1];
	if (nsegs == capsegs) {
		n = realloc(segs, (capsegs ? capsegs * 2 : 64) * sizeof(*n));
		if (!n)
			return NULL;
		segs = n;
		capsegs = capsegs ? capsegs * 2 : 64;
	}
	segs[nsegs] = (struct seg_count){ .seq = seq };
	return &segs[nsegs++];
}

/* Seal the active segment of dir. Returns an exit code. */
static int store_seal(const char *dir, bool json)
{
	struct pt_store_opts so = {};
	struct pt_store *s = NULL;
	int err;

	err = pt_store_open(dir, &so, &s);
	if (err == -EBUSY) {
		pt_err("a collector is writing %s; stop it first", dir);
		return PT_EXIT_FAIL;
	}
	if (err) {
		pt_err("cannot open the store %s: %s", dir, strerror(-err));
		return PT_EXIT_FAIL;
	}
	err = pt_store_seal(s);
	if (err)
		pt_err("cannot seal %s: %s", dir, strerror(-err));
	else
		printf(json ? "{\"sealed_segments\":%llu,\"sealed_raw_bytes\":%llu,\"sealed_file_bytes\":%llu}\n"
			    : "sealed: %llu segment(s), %llu raw bytes -> %llu bytes on disk\n",
		       (unsigned long long)pt_store_get_stats(s)->sealed_segments,
		       (unsigned long long)pt_store_get_stats(s)->sealed_raw_bytes,
		       (unsigned long long)pt_store_get_stats(s)->sealed_file_bytes);
	pt_store_close(s);
	return err ? PT_EXIT_FAIL : 0;
}

/* Sizes of the segments read (segs filled), sealed vs active. */
static void store_stats(const char *dir, bool json)
{
	unsigned long long sealed_n = 0, sealed_bytes = 0, sealed_recs = 0, sealed_pkts = 0;
	unsigned long long active_bytes = 0, active_recs = 0, active_pkts = 0;
	char path[4096];
	struct stat st;

	for (size_t k = 0; k < nsegs; k++) {
		unsigned long long i = segs[k].seq;

		if (!segs[k].recs)
			continue;
		snprintf(path, sizeof(path), "%s/seg-%012llu.pts", dir, i);
		if (!stat(path, &st)) {
			sealed_n++;
			sealed_bytes += (unsigned long long)st.st_size;
			sealed_recs += segs[k].recs;
			sealed_pkts += segs[k].pkts;
			continue;
		}
		snprintf(path, sizeof(path), "%s/seg-%012llu.pta", dir, i);
		if (!stat(path, &st))
			active_bytes += (unsigned long long)st.st_size;
		active_recs += segs[k].recs;
		active_pkts += segs[k].pkts;
	}
	if (json) {
		printf("{\"sealed_segments\":%llu,\"sealed_bytes\":%llu,\"sealed_records\":%llu,"
		       "\"sealed_packet_records\":%llu,\"sealed_bytes_per_record\":%.2f,\"active_bytes\":%llu,"
		       "\"active_records\":%llu,\"active_packet_records\":%llu}\n", sealed_n, sealed_bytes,
		       sealed_recs, sealed_pkts, sealed_recs ? (double)sealed_bytes / (double)sealed_recs : 0.0,
		       active_bytes, active_recs, active_pkts);
		return;
	}
	printf("sealed  %llu segment(s), %llu records (%llu packets), %llu bytes", sealed_n, sealed_recs, sealed_pkts,
	       sealed_bytes);
	if (sealed_recs)
		printf(", %.2f bytes/record", (double)sealed_bytes / (double)sealed_recs);
	printf("\nactive  %llu records (%llu packets), %llu bytes (uncompressed until sealed)\n", active_recs,
	       active_pkts, active_bytes);
}

/*
 * One row per capture point incarnation: a point id is reused after unload,
 * so rows are keyed by (id, attach time) as the POINT records tell them apart.
 */
struct point_count {
	__u16 point;
	__u64 attach_ns;
	char name[96];
	unsigned long long pkts, bytes, lost_total;
};

#define MAX_ROWS 8192
static struct point_count rows[MAX_ROWS];
static int nrows, cur_row[PT_MAX_POINTS];

/* The row of point id as the store last defined it (created on first use). */
static struct point_count *row_of(const struct pt_view *v, __u16 id)
{
	int r = cur_row[id];

	if (r >= 0 && rows[r].attach_ns == v->info[id].attach_realtime_ns)
		return &rows[r];
	for (r = 0; r < nrows; r++)
		if (rows[r].point == id && rows[r].attach_ns == v->info[id].attach_realtime_ns)
			break;
	if (r == nrows) {
		if (nrows == MAX_ROWS)
			return NULL;
		memset(&rows[r], 0, sizeof(rows[r]));
		rows[r].point = id;
		rows[r].attach_ns = v->info[id].attach_realtime_ns;
		pt_view_point(v, id, rows[r].name, sizeof(rows[r].name));
		nrows++;
	}
	cur_row[id] = r;
	return &rows[r];
}

int cmd_store(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	static struct pt_view view;
	static struct pt_chunk_follow chunks;
	static char prog[32];
	const char *dir = NULL, *expr = "", *what;
	struct corrupt_ctx cc = {};
	char *corrupt_json = NULL;
	size_t corrupt_len = 0;
	bool filter_ok;
	struct pt_filter *f = NULL;
	struct pt_filter_err fe = {};
	struct pt_reader *r = NULL;
	const struct pt_rec_hdr *h;
	const struct pt_store_seg_info *seg = NULL;
	unsigned long long total = 0, nrec = 0;
	__u64 fam_lost[1 + PT_PC_MAX] = { 0 };	/* largest lost_total: the drop probe, the proc categories */
	bool json = false;
	int c, err, rc = PT_EXIT_FAIL;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage_store(argc < 2 ? stderr : stdout);
		return argc < 2 ? PT_EXIT_USAGE : 0;
	}
	what = argv[1];
	if (strcmp(what, "count") && strcmp(what, "dump") && strcmp(what, "verify") && strcmp(what, "stats") &&
	    strcmp(what, "seal")) {
		fprintf(stderr, "provtap store: unknown command '%s'; try `provtap store --help`\n", what);
		return PT_EXIT_USAGE;
	}
	filter_ok = !strcmp(what, "count") || !strcmp(what, "dump");
	snprintf(prog, sizeof(prog), "provtap store %s", what);
	argv[1] = prog;	/* getopt's own messages: "provtap store count: unrecognized option ..." */
	argv++;
	argc--;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': dir = optarg; break;
		case 'j': json = true; break;
		case 'h': usage_store(stdout); return 0;
		default: fprintf(stderr, "try `provtap store --help`\n"); return PT_EXIT_USAGE;
		}
	}
	if (optind < argc && !filter_ok) {
		fprintf(stderr, "provtap store %s: unexpected argument '%s' (only count and dump take a FILTER)\n",
			what, argv[optind]);
		return PT_EXIT_USAGE;
	}
	if (optind < argc)
		expr = argv[optind++];
	if (!dir) {
		fprintf(stderr, "provtap store %s: --store DIR is required\n", what);
		return PT_EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "provtap store %s: one FILTER argument (quote it)\n", what);
		return PT_EXIT_USAGE;
	}
	if (pt_filter_parse(expr, &f, &fe)) {
		fprintf(stderr, "provtap store %s: filter: %s at position %d:\n  %s\n  %*s^\n", what, fe.msg,
			fe.pos + 1, expr, fe.pos, "");
		return PT_EXIT_USAGE;
	}
	err = pt_store_present(dir);
	if (err < 0) {
		pt_err("no store at %s: %s", dir, strerror(-err));
		goto out;
	}
	if (!err && !strcmp(what, "seal")) {
		pt_err("%s holds no provtap store (no segments); nothing to seal", dir);
		goto out;
	}
	if (!strcmp(what, "seal")) {
		rc = store_seal(dir, json);
		goto out;
	}
	if (json && !strcmp(what, "verify")) {
		cc.json = open_memstream(&corrupt_json, &corrupt_len);
		if (!cc.json) {
			pt_err("out of memory");
			goto out;
		}
	}
	err = pt_reader_open(dir, NULL, on_corrupt, &cc, &r);
	if (err) {
		pt_err("cannot read the store %s: %s", dir, strerror(-err));
		goto out;
	}
	pt_view_init(&view);
	nrows = 0;
	for (int i = 0; i < PT_MAX_POINTS; i++)
		cur_row[i] = -1;
	while ((err = pt_reader_next(r, &h, &seg)) == 1) {
		nrec++;
		if (seg) {
			struct seg_count *sc = seg_count(seg->seq);

			if (!sc) {
				pt_err("out of memory");
				goto out;
			}
			sc->recs++;
			sc->pkts += h->type == PT_REC_PKT;
		}
		pt_view_learn(&view, h);
		if (h->type == PT_REC_LOSS && h->len >= sizeof(struct pt_loss_rec)) {
			const struct pt_loss_rec *l = (const void *)h;
			struct pt_point_names n = pt_view_names(&view, l->point);
			struct pt_pkt probe = { .point = l->point };

			struct point_count *row = l->point < PT_MAX_POINTS ? row_of(&view, l->point) : NULL;

			/* lost_total is cumulative per incarnation: the largest one seen is the count */
			if (row && l->lost_total > row->lost_total &&
			    (!pt_filter_uses_point(f) || pt_filter_match(f, &probe, &n)))
				row->lost_total = l->lost_total;
			/* the drop probe's and the proc probes' (not capture points: no filter names them) */
			if (l->point == PT_DROP_POINT && l->lost_total > fam_lost[0])
				fam_lost[0] = l->lost_total;
			if (PT_IS_PROC_LOSS_POINT(l->point) && l->lost_total > fam_lost[1 + l->point - PT_PROC_LOSS_POINT(0)])
				fam_lost[1 + l->point - PT_PROC_LOSS_POINT(0)] = l->lost_total;
			if (!strcmp(what, "dump"))
				pt_format_rec(stdout, h, &view, json);
			continue;
		}
		if (h->type == PT_REC_DROP && h->len >= sizeof(struct pt_drop)) {
			struct pt_point_names dn = pt_view_names(&view, ((const struct pt_drop *)h)->pkt.point);

			if (!strcmp(what, "dump") && pt_filter_match(f, &((const struct pt_drop *)h)->pkt, &dn))
				pt_format_rec(stdout, h, &view, json);
			continue;
		}
		if (h->type == PT_REC_PROC || h->type == PT_REC_SYS || h->type == PT_REC_DATA ||
		    h->type == PT_REC_CHUNK) {
			if (!strcmp(what, "dump") && pt_filter_match_follow(f, h, NULL, &chunks))
				pt_format_rec(stdout, h, &view, json);
			continue;
		}
		if (h->type != PT_REC_PKT || h->len < sizeof(struct pt_pkt))
			continue;
		const struct pt_pkt *p = (const void *)h;
		struct pt_point_names n = pt_view_names(&view, p->point);

		if (!pt_filter_match(f, p, &n))
			continue;
		total++;
		if (p->point < PT_MAX_POINTS) {
			struct point_count *row = row_of(&view, p->point);

			if (row) {
				row->pkts++;
				row->bytes += p->wire_len;
			}
		}
		if (!strcmp(what, "dump"))
			pt_format_rec(stdout, h, &view, json);
	}
	if (err < 0) {
		pt_err("reading the store %s: %s", dir, strerror(-err));
		goto out;
	}
	if (!strcmp(what, "count")) {
		if (!json)
			printf("%-5s %-32s %12s %14s %10s\n", "ID", "POINT", "PACKETS", "BYTES", "LOST");
		for (int i = 0; i < nrows; i++) {
			const struct point_count *c = &rows[i];

			if (!c->pkts && !c->lost_total)
				continue;
			if (json) {
				printf("{\"point_id\":%u,\"point\":", c->point);
				pt_json_str(stdout, c->name);
				printf(",\"attached_ns\":%llu,\"packets\":%llu,\"bytes\":%llu,\"lost\":%llu}\n",
				       (unsigned long long)c->attach_ns, c->pkts, c->bytes, c->lost_total);
			} else {
				printf("%-5u %-32s %12llu %14llu %10llu\n", c->point, c->name, c->pkts, c->bytes,
				       c->lost_total);
			}
		}
		for (int i = 0; i < 1 + PT_PC_MAX && !pt_filter_uses_point(f); i++) {
			__u16 id = i ? PT_PROC_LOSS_POINT(i - 1) : PT_DROP_POINT;
			char name[32];

			if (!fam_lost[i])
				continue;
			pt_view_point(&view, id, name, sizeof(name));
			if (json)
				printf("{\"point_id\":%u,\"point\":\"%s\",\"packets\":0,\"bytes\":0,\"lost\":%llu}\n", id,
				       name, (unsigned long long)fam_lost[i]);
			else
				printf("%-5u %-32s %12s %14s %10llu\n", id, name, "-", "-",
				       (unsigned long long)fam_lost[i]);
		}
		if (!json)
			printf("total %llu matching packet records\n", total);
	} else if (!strcmp(what, "stats")) {
		store_stats(dir, json);
	} else if (!strcmp(what, "verify") && json) {
		if (fclose(cc.json)) {
			cc.json = NULL;
			pt_err("out of memory");
			goto out;
		}
		cc.json = NULL;
		printf("{\"records\":%llu,\"corrupt_regions\":%llu,\"corrupt\":[%s]}\n", nrec, cc.n,
		       corrupt_json ? corrupt_json : "");
	} else if (!strcmp(what, "verify")) {
		printf("%llu records read, %llu corrupt region(s)\n", nrec, cc.n);
	}
	rc = (!strcmp(what, "verify") && cc.n) ? PT_EXIT_FAIL : 0;
out:
	if (cc.json)
		fclose(cc.json);
	free(corrupt_json);
	free(segs);
	segs = NULL;
	nsegs = capsegs = 0;
	pt_reader_close(r);
	pt_filter_free(f);
	return rc;
}
