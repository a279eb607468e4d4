/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * drops.h — the drop probe (bpf/drop.bpf.c): one program on skb:kfree_skb
 * writing struct pt_drop records into the packet probes' pt_ring.
 *
 *   $PIN_DIR/pt_dstats     its counters (struct pt_drop_stats, per CPU)
 *   $PIN_DIR/pt_dreported  one __u64: the ring_fail total the collector has stored
 *                          LOSS records for (point PT_DROP_POINT), so that a
 *                          restarted collector does not count them twice
 *   $PIN_DIR/links/drop    its bpf_link: removing the pin detaches it
 * It is no capture point: it has no slot in pt_points. The loader calls these
 * with the pin dir locked.
 */
#ifndef PROVTAP_DROPS_H
#define PROVTAP_DROPS_H

#include <stdbool.h>
#include <linux/types.h>
#include "bpf/pkt.h"
#include "loader/pins.h"

#define PT_DROP_LINK_PIN	"links/drop"
#define PT_DROP_STATS_PIN	"pt_dstats"
#define PT_DROP_REPORTED_PIN	"pt_dreported"

/*
 * Load the drop probe variant picked by feature probe (or the one named
 * force), reusing the open pinned ring of pins, and attach it; fp_mode is the
 * fingerprint it computes (enum pt_fp_mode). Returns 0; -EEXIST when a drop
 * probe is loaded; -EOPNOTSUPP when no variant fits this kernel; or -errno.
 * Every failure is logged and leaves nothing loaded or pinned.
 */
int pt_drops_load(const struct pt_pins *pins, const char *force, __u8 fp_mode);

/*
 * Detach the drop probe and remove its pins. Returns 0, -ENOENT when none is
 * loaded (not logged), or -errno (logged; what could be removed is).
 */
int pt_drops_unload(void);

/*
 * Sum the per-CPU drop counters of the pt_dstats map fd into *out. 0 or
 * -errno (*out zeroed).
 */
int pt_drops_stats_sum(int fd, struct pt_drop_stats *out);

/* What status shows. */
struct pt_drops_state {
	bool loaded;		/* the link pin exists */
	char variant[24];	/* "drop-btf", ... ("?" when the program is not ours) */
	__u32 prog_id;
	struct pt_drop_stats st;	/* summed over CPUs (zero when unreadable) */
};

/* Fill *s (zeroed first). 0, or -errno when the pins exist but cannot be read. */
int pt_drops_state(struct pt_drops_state *s);

#endif /* PROVTAP_DROPS_H */
