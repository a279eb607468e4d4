/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * synstore.h — synthetic stores for unit tests: a temp directory, a clock
 * record (boottime 0 = realtime base) and POINT records, then whatever
 * records the test appends. Failures print what failed and abort (check
 * reports the test as an error): these helpers have no error returns.
 */
#ifndef PROVTAP_TESTS_SYNSTORE_H
#define PROVTAP_TESTS_SYNSTORE_H

#include <stddef.h>
#include <linux/types.h>

struct pt_store;

/* A capture point to announce (hook tc). */
struct pt_syn_point {
	__u16 id;
	const char *ifname, *netns, *alias;
	__u8 dir;		/* PT_DIR_IN / PT_DIR_OUT */
};

struct pt_synstore {
	char dir[64];
	struct pt_store *s;
};

/* Create /tmp/pt-TAG-XXXXXX, open a store there, write the clock and the n points. */
void pt_syn_open(struct pt_synstore *b, const char *tag, __u64 realtime_base, const struct pt_syn_point *pts,
		 size_t n);
/* Append one record. */
void pt_syn_add(struct pt_synstore *b, const void *rec, size_t len);
/* Close the store (records become readable as an active segment); idempotent. */
void pt_syn_close(struct pt_synstore *b);
/* Remove the directory. */
void pt_syn_rm(struct pt_synstore *b);

#endif /* PROVTAP_TESTS_SYNSTORE_H */
