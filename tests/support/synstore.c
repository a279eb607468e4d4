// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bpf/pkt.h"
#include "collector/store.h"
#include "tests/support/synstore.h"

static void must(int rc, const char *what, const char *dir)
{
	if (rc) {
		fprintf(stderr, "synstore %s: %s failed (%d)\n", dir, what, rc);
		abort();
	}
}

void pt_syn_open(struct pt_synstore *b, const char *tag, __u64 realtime_base, const struct pt_syn_point *pts,
		 size_t n)
{
	struct pt_clock_rec c = { .type = PT_REC_CLOCK, .len = sizeof(c), .boottime_ns = 0,
				  .realtime_ns = realtime_base };

	snprintf(b->dir, sizeof(b->dir), "/tmp/pt-%s-XXXXXX", tag);
	must(!mkdtemp(b->dir), "mkdtemp", b->dir);
	must(pt_store_open(b->dir, NULL, &b->s), "pt_store_open", b->dir);
	pt_syn_add(b, &c, sizeof(c));
	for (size_t i = 0; i < n; i++) {
		struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr), .point = pts[i].id };

		pr.info.in_use = 1;
		pr.info.dir = pts[i].dir;
		pr.info.hook = PT_HOOK_TC;
		snprintf(pr.info.ifname, sizeof(pr.info.ifname), "%s", pts[i].ifname);
		snprintf(pr.info.netns, sizeof(pr.info.netns), "%s", pts[i].netns);
		snprintf(pr.info.alias, sizeof(pr.info.alias), "%s", pts[i].alias);
		pt_syn_add(b, &pr, sizeof(pr));
	}
}

void pt_syn_add(struct pt_synstore *b, const void *rec, size_t len)
{
	must(pt_store_append(b->s, rec, len, 1, NULL), "pt_store_append", b->dir);
}

void pt_syn_close(struct pt_synstore *b)
{
	pt_store_close(b->s);
	b->s = NULL;
}

void pt_syn_rm(struct pt_synstore *b)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
	must(system(cmd), "rm -rf", b->dir);
}
