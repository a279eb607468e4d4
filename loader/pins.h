/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pins.h — where the packet probes' shared objects live in bpffs.
 *
 *   $PIN_DIR/pt_ring pt_stats pt_policy pt_active pt_points pt_reported   maps (bpf/pkt_maps.bpf.h)
 *   $PIN_DIR/links/xdp-<point>                                XDP links
 * PIN_DIR is /sys/fs/bpf/provtap, or $PROVTAP_PIN_DIR when set (tests use that to
 * run beside a real installation). tc filters are held by the kernel's tc
 * subsystem, not by pins; their handle/priority are kept in pt_points.
 */
#ifndef PROVTAP_PINS_H
#define PROVTAP_PINS_H

#include <stdbool.h>
#include <linux/types.h>

enum pt_map_id { PT_MAP_RING, PT_MAP_STATS, PT_MAP_POLICY, PT_MAP_ACTIVE, PT_MAP_POINTS, PT_MAP_REPORTED, PT_MAP_NR };

/* Open fds of the pinned maps; -1 where not open. */
struct pt_pins {
	int fd[PT_MAP_NR];
	int lock_fd;		/* flock()ed pin dir while loading/unloading; -1 otherwise */
};

extern const char *const pt_map_names[PT_MAP_NR];

/* The pin directory in use (static storage). */
const char *pt_pin_dir(void);

/* Path of a pinned object below the pin dir into buf. Returns buf. */
char *pt_pin_path(char *buf, size_t len, const char *rel);

void pt_pins_init(struct pt_pins *p);

/*
 * pt_pin_map_open - the map pinned at rel (below the pin dir), checked to be
 * what this provtap builds: map type, key and value size. Returns its fd, or
 * -1 with errno: ENOENT not pinned, EPROTO another layout (logged, naming the
 * sizes: the probes were loaded by another provtap version, whose records and
 * settings this one cannot read or write safely), or bpf_obj_get's errno.
 * Every map read or written through a pin goes through here: a lookup into a
 * smaller value than the map's would overrun the caller's buffer.
 */
int pt_pin_map_open(const char *rel, __u32 type, __u32 key_size, __u32 value_size);

/* The same check of an open map fd (what: its name in the message). 0, -EPROTO (logged), -errno. */
int pt_map_layout_check(int fd, const char *what, __u32 type, __u32 key_size, __u32 value_size);

/*
 * Open every pinned map (pt_pin_map_open: of this provtap's layout). Returns
 * 0, -ENOENT when no probes are loaded (no pins), or another negative errno
 * (with a log line; -EPROTO: loaded by another provtap version). On error
 * nothing stays open.
 */
int pt_pins_open(struct pt_pins *p);

/* Close what is open (NULL-safe, idempotent); releases the lock. */
void pt_pins_close(struct pt_pins *p);

/*
 * Make sure bpffs is mounted below the pin dir, create the dir (when create),
 * and take the exclusive loader lock on it (waits for another provtap loader).
 * 0, -ENOENT (!create and no pin dir: nothing is loaded), or -errno (logged).
 */
int pt_pins_lock(struct pt_pins *p, bool create);

/* Remove every pin we own and the directories (after all points are gone). 0 or -errno. */
int pt_pins_remove_all(void);

/*
 * After a family's unload, with the lock held: remove links/ and the pin
 * directory if nothing is left in them (a later lock re-creates them).
 * Returns 1 when removed, 0 when something is still pinned there.
 */
int pt_pins_remove_if_empty(void);

#endif /* PROVTAP_PINS_H */
