/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * netns.h — entering named network namespaces (`ip netns`, /var/run/netns/NAME)
 * for the calling thread, and coming back.
 */
#ifndef PROVTAP_NETNS_H
#define PROVTAP_NETNS_H

#include <stdint.h>

struct pt_netns_guard {
	int orig_fd;		/* our namespace, to return to; -1 when nothing to undo */
};

/*
 * Enter netns NAME ("" or NULL = stay). Fills *ino with the namespace's inode
 * (may be NULL). Returns 0, -ENOENT (no such named netns, logged) or -errno.
 * On error the thread is in its original namespace.
 */
int pt_netns_enter(const char *name, struct pt_netns_guard *g, uint64_t *ino);

/* Return to the original namespace; NULL-safe, idempotent. Aborts if impossible. */
void pt_netns_leave(struct pt_netns_guard *g);

/* Inode of the named netns without entering it (0 on error). "" = ours. */
uint64_t pt_netns_ino(const char *name);

#endif /* PROVTAP_NETNS_H */
