/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ring.h — a BPF ring buffer read from user space without libbpf's consumer,
 * so the consumer position moves only when the caller says the records are
 * safe (written to the store). libbpf's ring_buffer__poll advances it record
 * by record, which would lose the batch in flight if the collector is killed.
 *
 * Kernel layout (kernel/bpf/ringbuf.c): page 0 = consumer_pos (writable by
 * us), page 1 = producer_pos, then the data area mapped twice so a record
 * that wraps is contiguous. Each record: 8-byte header {u32 len | BUSY<<31 |
 * DISCARD<<30, u32 pg_off}, then len bytes, padded to 8.
 */
#ifndef PROVTAP_RING_H
#define PROVTAP_RING_H

#include <stddef.h>
#include <linux/types.h>

struct pt_ring {
	int fd;			/* map fd (owned) */
	__u32 map_id;
	__u32 size;		/* data area bytes (power of 2) */
	size_t page;
	unsigned long *cons;	/* consumer_pos (mapped rw) */
	unsigned long *prod;	/* producer_pos (mapped ro) */
	unsigned char *data;	/* data area, double-mapped */
};

/* Record visitor: return 0 to go on, > 0 to stop before this record (batch full). */
typedef int (*pt_ring_fn)(void *ctx, const void *rec, __u32 len);

/* Map ring map fd (ownership passes to r). 0 or -errno; on error fd is closed. */
int pt_ring_open(struct pt_ring *r, int fd);
void pt_ring_close(struct pt_ring *r);	/* NULL-safe, idempotent */

__u64 pt_ring_consumer(const struct pt_ring *r);
__u64 pt_ring_producer(const struct pt_ring *r);
/* Publish pos as consumed; the kernel may reuse the space before it. */
void pt_ring_commit(struct pt_ring *r, __u64 pos);

/*
 * Visit committed records from *pos on (discarded ones skipped), stopping at
 * a record still being written, at the producer position, or when fn says so.
 * *pos advances past every record visited. Returns the number visited.
 */
int pt_ring_peek(const struct pt_ring *r, __u64 *pos, pt_ring_fn fn, void *ctx);

#endif /* PROVTAP_RING_H */
