// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "query/pmload.h"
#include "query/scan.h"

static const char *const cat_names[PT_PC_MAX] = { "proc", "sys", "data", "chunk" };

/* A fresh model for the boot the scan has just moved to. */
static int restart(struct pt_pmload *l, const struct pt_store_seg_info *seg)
{
	int err = 0;

	if (l->m) {
		l->other_boot += l->records;
		l->records = 0;
		memset(l->lost, 0, sizeof(l->lost));
		l->lost_total = 0;
		l->malformed = 0;
		pt_procmodel_free(l->m);
	}
	l->m = pt_procmodel_new(NULL, &err);
	if (!l->m)
		return err;
	snprintf(l->host, sizeof(l->host), "%s", seg && seg->hostname[0] ? seg->hostname : "unknown");
	snprintf(l->boot_id, sizeof(l->boot_id), "%s", seg ? seg->boot_id : "");
	return 0;
}

static bool same_boot(const struct pt_pmload *l, const struct pt_store_seg_info *seg)
{
	return !seg || (!strncmp(l->boot_id, seg->boot_id, sizeof(l->boot_id) - 1) &&
			!strncmp(l->host, seg->hostname[0] ? seg->hostname : "unknown", sizeof(l->host) - 1));
}

int pt_pmload(const char *dir, struct pt_pmload **out, char *err, size_t errlen)
{
	struct pt_scan_opts so = { .store_dir = dir, .procs = true };
	const struct pt_rec_hdr *h;
	struct pt_scan *s = NULL;
	struct pt_pmload *l;
	int rc;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* match nothing of the packet families: only process records and losses come back */
	so.expr = "proc";
	rc = pt_scan_open(&so, &s, err, errlen);
	if (rc)
		goto cleanup;
	rc = restart(l, NULL);
	if (rc)
		goto nomem;
	while ((rc = pt_scan_next(s, &h)) == 1) {
		const struct pt_store_seg_info *seg = pt_scan_segment(s);

		if (!l->records && !l->lost_total && seg) {
			/* the first record names the boot */
			snprintf(l->host, sizeof(l->host), "%s", seg->hostname[0] ? seg->hostname : "unknown");
			snprintf(l->boot_id, sizeof(l->boot_id), "%s", seg->boot_id);
		} else if (!same_boot(l, seg)) {
			rc = restart(l, seg);
			if (rc)
				goto nomem;
		}
		if (h->type == PT_REC_LOSS) {
			const struct pt_loss_rec *lr = (const void *)h;

			if (PT_IS_PROC_LOSS_POINT(lr->point)) {
				l->lost[lr->point - PT_PROC_LOSS_POINT(0)] += lr->lost;
				l->lost_total += lr->lost;
			}
			continue;
		}
		if (h->type < PT_REC_PROC || h->type > PT_REC_CHUNK)
			continue;
		l->records++;
		rc = pt_procmodel_feed(l->m, h);
		if (rc == -EINVAL)
			l->malformed++;
		else if (rc)
			goto nomem;
	}
	if (rc < 0) {
		snprintf(err, errlen, "reading the store %s: %s", dir, strerror(-rc));
		goto cleanup;
	}
	rc = pt_procmodel_finish(l->m);
	if (rc)
		goto nomem;
	l->view = *pt_scan_view(s);
	pt_scan_partial(s, &l->corrupt);
	pt_scan_close(s);
	*out = l;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory building the process model");
	rc = -ENOMEM;
cleanup:
	pt_scan_close(s);
	pt_pmload_free(l);
	return rc;
}

void pt_pmload_free(struct pt_pmload *l)
{
	if (!l)
		return;
	pt_procmodel_free(l->m);
	free(l);
}

__u64 pt_pmload_realtime(const struct pt_pmload *l, __u64 boot_ns)
{
	/* modulo 2^64, as format.c: a crafted record's ts is defined too */
	return l->view.clock_valid ? boot_ns + (__u64)l->view.clock_offset : 0;
}

__u64 pt_pmload_boottime(const struct pt_pmload *l, __u64 real_ns)
{
	__s64 b = (__s64)(real_ns - (__u64)l->view.clock_offset);

	return l->view.clock_valid && b > 0 ? (__u64)b : 0;
}

int pt_pmload_window(const struct pt_pmload *l, __u64 since_real, __u64 until_real, __u64 *since,
		     __u64 *until, char *err, size_t errlen)
{
	*since = 0;
	*until = PT_PM_OPEN;
	if ((since_real || until_real) && !l->view.clock_valid) {
		snprintf(err, errlen, "the store has no clock record to place --since/--until in its boot's time");
		return -EINVAL;
	}
	if (since_real)
		*since = pt_pmload_boottime(l, since_real);
	if (until_real)
		*until = pt_pmload_boottime(l, until_real);
	return 0;
}

void pt_pmload_warn(const struct pt_pmload *l, FILE *out)
{
	for (int i = 0; i < PT_PC_MAX; i++)
		if (l->lost[i])
			fprintf(out, "provtap: warning: %llu %s records were lost in the kernel (ring buffer full): "
				"answers about the processes involved may be incomplete\n",
				(unsigned long long)l->lost[i], cat_names[i]);
	if (l->other_boot)
		fprintf(out, "provtap: warning: %llu process records of earlier boots of %s were left out "
			"(answers are about boot %s)\n", (unsigned long long)l->other_boot, l->host, l->boot_id);
	if (l->corrupt)
		fprintf(out, "provtap: warning: %llu corrupt store regions were skipped: answers are partial\n",
			(unsigned long long)l->corrupt);
	if (l->malformed)
		fprintf(out, "provtap: warning: %llu malformed process records were ignored\n",
			(unsigned long long)l->malformed);
}
