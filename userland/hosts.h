/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hosts.h — record --hosts-from: network namespaces on this machine that play
 * the experiment's hosts (launched into with `ip netns exec` / nsenter, as an
 * MPI launcher would ssh). The recording gets a host per namespace
 * (userland/ptx.h HOST) and each process the host it ran on, so that one
 * host's processes can be replayed alone (replay --only host=NAME).
 *
 * Which host a process ran on, in this order: the namespace of the sockets it
 * made (the first one in a listed namespace); else the namespace it was
 * first seen in; else, when it made no socket and all its descendants that
 * have a host agree, theirs (a shell or launcher entered into the namespace
 * before it forked the program); else the recording's own host. The probes
 * do not report a process's namespace at each exec (only as first seen), so
 * a launcher that entered a namespace and ran nothing there is not placed.
 */
#ifndef PROVTAP_HOSTS_H
#define PROVTAP_HOSTS_H

#include <stddef.h>
#include <linux/types.h>
#include "query/procmodel.h"
#include "userland/ptx.h"

#define PT_HOSTS_MAX	32

struct pt_hosts_from {
	unsigned n;
	char name[PT_HOSTS_MAX][64];	/* namespace names (/run/netns/NAME) */
	__u64 ino[PT_HOSTS_MAX];	/* their inodes */
};

/*
 * Parse "NS1,NS2" and look the namespaces up in /run/netns. 0, or -EINVAL /
 * -ENOENT / -errno with errlen bytes of explanation in err.
 */
int pt_hosts_from_parse(const char *list, struct pt_hosts_from *h, char *err, size_t errlen);

/*
 * Add a host per namespace of h to x (built from model m: the same process
 * indices) and place the processes. Returns how many processes were placed,
 * or -ENOMEM.
 */
int pt_hosts_from_apply(const struct pt_hosts_from *h, const struct pt_procmodel *m, struct pt_ptx *x);

#endif /* PROVTAP_HOSTS_H */
