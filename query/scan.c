// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "collector/store.h"
#include "common/log.h"
#include "common/units.h"
#include "query/filter.h"
#include "query/filter_int.h"
#include "query/scan.h"

struct pt_scan {
	struct pt_reader *r;
	struct pt_filter *f;
	struct pt_view view;
	const struct pt_store_seg_info *seg;	/* of the last record read */
	__u64 since, until;
	__u64 corrupt;
	bool drops;
	bool procs;
	bool match_all;		/* the empty filter: no evaluation per record */
	bool need_names;	/* the filter has `point NAME`: look the names up per record */
	bool windowed;		/* --since or --until given */
};

static void on_corrupt(const char *file, __u64 off, const char *why, void *ctx)
{
	struct pt_scan *s = ctx;

	s->corrupt++;
	pt_warn("store: %s at offset %llu: %s (skipped; answers are partial)", file, (unsigned long long)off, why);
}

int pt_scan_open(const struct pt_scan_opts *o, struct pt_scan **out, char *err, size_t errlen)
{
	struct pt_filter_err fe = {};
	struct pt_scan *s;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pt_view_init(&s->view);
	s->since = o->since_ns;
	s->until = o->until_ns;
	s->drops = o->drops;
	s->procs = o->procs;
	if (s->until && s->since > s->until) {
		snprintf(err, errlen, "the window is empty: --since is after --until");
		free(s);
		return -EINVAL;
	}
	rc = pt_filter_parse(o->expr ? o->expr : "", &s->f, &fe);
	if (rc) {
		snprintf(err, errlen, "filter: %s at position %d", fe.msg, fe.pos + 1);
		free(s);
		return rc;
	}
	s->match_all = s->f->root->kind == PF_TRUE;
	s->need_names = pf_node_uses_point(s->f->root);
	s->windowed = s->since || s->until;
	rc = pt_reader_open(o->store_dir, NULL, on_corrupt, s, &s->r);
	if (rc) {
		snprintf(err, errlen, "cannot read the store %s: %s", o->store_dir, strerror(-rc));
		pt_filter_free(s->f);
		free(s);
		return rc;
	}
	if (s->match_all && o->pkt_fields)
		pt_reader_set_projection(s->r, o->pkt_fields | (s->windowed ? PT_FLD_TS : 0));
	*out = s;
	return 0;
}

__u64 pt_scan_realtime(const struct pt_scan *s, __u64 boot_ns)
{
	if (!s->view.clock_valid)
		return 0;
	return boot_ns + (__u64)s->view.clock_offset;	/* modulo 2^64, as format.c: any record's ts is defined */
}

static bool in_window(const struct pt_scan *s, __u64 boot_ns)
{
	__u64 rt;

	if (!s->since && !s->until)
		return true;
	rt = pt_scan_realtime(s, boot_ns);
	return (!s->since || rt >= s->since) && (!s->until || rt <= s->until);
}

int pt_scan_next(struct pt_scan *s, const struct pt_rec_hdr **rec)
{
	const struct pt_rec_hdr *h;
	int rc;

	while ((rc = pt_reader_next(s->r, &h, &s->seg)) == 1) {
		/* the common case first: a packet record, no window, the empty filter */
		if (h->type == PT_REC_PKT && h->len >= sizeof(struct pt_pkt)) {
			const struct pt_pkt *p = (const void *)h;

			if (s->windowed && !in_window(s, p->ts_ns))
				continue;
			if (!s->match_all) {
				struct pt_point_names n = {};

				if (s->need_names)
					n = pt_view_names(&s->view, p->point);
				if (!pt_filter_match(s->f, p, &n))
					continue;
			}
			*rec = h;
			return 1;
		}
		if (h->type == PT_REC_POINT || h->type == PT_REC_CLOCK) {
			pt_view_learn(&s->view, h);
			continue;
		}
		if (h->type == PT_REC_LOSS && h->len >= sizeof(struct pt_loss_rec)) {
			if (!in_window(s, ((const struct pt_loss_rec *)h)->boottime_ns))
				continue;
		} else if (s->procs && h->type >= PT_REC_PROC && h->type <= PT_REC_CHUNK) {
			/* whole: the process model needs every one, whatever the window */
		} else if (s->drops && h->type == PT_REC_DROP && h->len >= sizeof(struct pt_drop)) {
			/* a drop is filtered by its packet's identity (struct pt_drop.pkt) */
			const struct pt_pkt *p = (const void *)h;
			struct pt_point_names n = pt_view_names(&s->view, p->point);

			if (!in_window(s, p->ts_ns) || !pt_filter_match(s->f, p, &n))
				continue;
		} else {
			continue;
		}
		*rec = h;
		return 1;
	}
	return rc;
}

const struct pt_view *pt_scan_view(const struct pt_scan *s)
{
	return &s->view;
}

const struct pt_store_seg_info *pt_scan_segment(const struct pt_scan *s)
{
	return s->seg;
}

bool pt_scan_partial(const struct pt_scan *s, __u64 *n)
{
	if (n)
		*n = s->corrupt;
	return s->corrupt != 0;
}

void pt_scan_close(struct pt_scan *s)
{
	if (!s)
		return;
	pt_reader_close(s->r);
	pt_filter_free(s->f);
	free(s);
}

int pt_view_lookup(const struct pt_view *v, const char *name)
{
	int found = -ENOENT;
	__u64 newest = 0;

	for (int i = 0; i < PT_MAX_POINTS; i++) {
		struct pt_point_names n = pt_view_names(v, (__u16)i);

		if (!n.full || (strcmp(n.full, name) && !(n.alias && !strcmp(n.alias, name))))
			continue;
		if (found < 0 || v->info[i].attach_realtime_ns >= newest) {
			found = i;
			newest = v->info[i].attach_realtime_ns;
		}
	}
	return found;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (long long)doe - 719468;
}

int pt_parse_time(const char *s, __u64 now_ns, __u64 *out)
{
	unsigned y, mo, d, h, mi, sec;
	long long frac = 0, scale = 1000000000LL, off = 0, t;
	const char *p;
	int n = 0;
	__u64 dur;

	if (!strcmp(s, "now")) {
		*out = now_ns;
		return 0;
	}
	if (s[0] == '-') {
		if (pt_parse_duration(s + 1, &dur) || dur > now_ns)
			return -EINVAL;
		*out = now_ns - dur;
		return 0;
	}
	/* exactly YYYY-MM-DDTHH:MM:SS (sscanf alone takes blanks and signs), a day the month has */
	for (int i = 0; i < 19; i++)
		if (!s[i] || (i == 4 || i == 7 ? s[i] != '-' : i == 10 ? s[i] != 'T' :
			      i == 13 || i == 16 ? s[i] != ':' : (s[i] < '0' || s[i] > '9')))
			return -EINVAL;
	if (sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	if (d > (mo == 2 ? 28u + (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) :
		 mo == 4 || mo == 6 || mo == 9 || mo == 11 ? 30u : 31u))
		return -EINVAL;
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	if (*p == 'Z' && !p[1]) {
		off = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		unsigned oh, om;

		if (sscanf(p + 1, "%2u:%2u", &oh, &om) != 2 || oh > 23 || om > 59)
			return -EINVAL;
		off = (long long)(oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
	} else {
		return -EINVAL;
	}
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	if (t < 0)
		return -EINVAL;
	*out = (__u64)t * 1000000000ULL + (__u64)frac;
	return 0;
}

char *pt_scan_known_points(const struct pt_scan *s, char *buf, size_t len)
{
	const struct pt_view *v = &s->view;
	size_t off;
	int known = 0;

	off = (size_t)snprintf(buf, len, "the store knows");
	for (int i = 0; i < PT_MAX_POINTS && off < len; i++) {
		if (!v->name[i][0])
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s %s%s%s%s", known ? "," : ":", v->name[i],
					v->info[i].alias[0] ? " (=" : "", v->info[i].alias,
					v->info[i].alias[0] ? ")" : "");
		known++;
	}
	if (!known && off < len)
		snprintf(buf + off, len - off, " no capture points");
	return buf;
}

int pt_scan_unknown_point(const struct pt_scan *s, char *err, size_t errlen)
{
	struct pt_point_names *names;
	const char *u;
	char known[2048];
	size_t n = 0;

	if (!pt_filter_uses_point(s->f))
		return 0;
	names = calloc(PT_MAX_POINTS, sizeof(*names));
	if (!names)
		return 0;	/* the plain "no packets match" then */
	for (int i = 0; i < PT_MAX_POINTS; i++)
		if (s->view.name[i][0])
			names[n++] = pt_view_names(&s->view, (__u16)i);
	u = pt_filter_point_unknown(s->f, names, n);
	if (u)
		snprintf(err, errlen, "unknown capture point '%s'; %s", u,
			 pt_scan_known_points(s, known, sizeof(known)));
	free(names);
	return u ? -ENOENT : 0;
}
