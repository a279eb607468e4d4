/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ring_wake.bpf.h — when a record wakes the collector (every ring: packets,
 * drops, processes).
 *
 * A record written with flags 0 wakes the collector whenever it has caught
 * up: on a busy host one irq_work (a self-IPI, an MSR write on a VM) per
 * record, which costs more than the rest of a probe. Instead a record wakes
 * it only when it makes the unread bytes cross 1/PT_WAKE_DIV of the ring; the
 * collector also drains on a short timer (collector/collect.c,
 * DRAIN_EVERY_MS), so a quiet ring's records wait at most that long. Two CPUs
 * writing at once can both miss the crossing: then the timer drains.
 */
#ifndef PROVTAP_RING_WAKE_BPF_H
#define PROVTAP_RING_WAKE_BPF_H

#define PT_WAKE_DIV		16

/*
 * pt_wake_flags_n - the flags for writing a @len-byte record into @ring of
 * @ring_size bytes (0: asked of the ring, one more helper call):
 * bpf_ringbuf_output() (@reserved 0: the record is not in the ring yet) or
 * bpf_ringbuf_submit() of a reserved one (@reserved 1: it is already counted
 * as unread).
 */
static __always_inline __u64 pt_wake_flags_n(void *ring, __u64 ring_size, __u64 len, int reserved)
{
	__u64 avail = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
	__u64 at = (ring_size ? ring_size : bpf_ringbuf_query(ring, BPF_RB_RING_SIZE)) / PT_WAKE_DIV;

	len += 8;	/* the ring's record header */
	if (reserved)
		avail = avail > len ? avail - len : 0;
	return avail < at && avail + len >= at ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* pt_wake_flags_n, the ring's size asked of it */
static __always_inline __u64 pt_wake_flags(void *ring, __u64 len, int reserved)
{
	return pt_wake_flags_n(ring, 0, len, reserved);
}

#endif /* PROVTAP_RING_WAKE_BPF_H */
