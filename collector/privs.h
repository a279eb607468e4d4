/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* privs.h — shedding privileges once the collector holds what it needs. */
#ifndef PROVTAP_PRIVS_H
#define PROVTAP_PRIVS_H

#include <sys/types.h>

/*
 * Look user up: returns 0 and fills uid and gid, or -ENOENT (logged).
 */
int pt_privs_lookup(const char *user, uid_t *uid, gid_t *gid);

/*
 * Switch to uid/gid when user != NULL, then keep only CAP_BPF (map lookups on
 * kernels where unprivileged BPF is off, e.g. Debian's 6.1, need it even with
 * an open fd) and set no_new_privs. 0 or -errno (logged).
 */
int pt_privs_drop(const char *user, uid_t uid, gid_t gid);

#endif /* PROVTAP_PRIVS_H */
