/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ops_int.h — private to query/ops_*.c: a hash map with fixed-size keys and
 * values whose entries never move (pointers stay valid until pt_omap_free),
 * iterated in insertion order.
 */
#ifndef PROVTAP_OPS_INT_H
#define PROVTAP_OPS_INT_H

#include <stddef.h>
#include <linux/types.h>

#define PT_OMAP_CHUNK	1024	/* entries per chunk */

struct pt_omap {
	size_t ksize, vsize, esize;	/* value at ksize rounded up to 8; esize likewise */
	size_t n;			/* entries */
	unsigned char **chunks;		/* n / PT_OMAP_CHUNK (+1) chunks of PT_OMAP_CHUNK entries */
	size_t nchunks;
	__u32 *idx;			/* open addressing: entry index + 1, 0 = empty */
	size_t icap;			/* power of 2 */
};

/* Empty map for ksize-byte keys (compared with memcmp) and vsize-byte values. */
void pt_omap_init(struct pt_omap *m, size_t ksize, size_t vsize);

/*
 * Value of key; with create, a zeroed one is inserted when missing (*created
 * set if not NULL). NULL when missing (no create) or on ENOMEM.
 */
void *pt_omap_get(struct pt_omap *m, const void *key, int create, int *created);

/* Key and value of entry i (0 <= i < m->n), in insertion order. */
void *pt_omap_key(const struct pt_omap *m, size_t i);
void *pt_omap_val(const struct pt_omap *m, size_t i);

void pt_omap_free(struct pt_omap *m);

#endif /* PROVTAP_OPS_INT_H */
