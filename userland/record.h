/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * record.h — run a command and record it into a .ptx (userland/ptx.h).
 *
 * The command runs in a cgroup of its own (created below the caller's cgroup
 * v2, entered at clone time with CLONE_INTO_CGROUP, so its first instruction
 * is already in scope), with the proc probes scoped to that cgroup under a
 * private pin dir, and a collector (forked) writing a private temporary store.
 * When the command ends, what is left of its tree is killed, the ring is
 * drained, the collector stopped, the store loaded into a process model and
 * the recording built and written. Cgroup, pins and temporary store are
 * removed whatever happens.
 *
 * Environment and working directory: the probes record neither. The recording
 * holds the recorder's own (those the command started with); its descendants'
 * are not recorded.
 */
#ifndef PROVTAP_RECORD_H
#define PROVTAP_RECORD_H

#include <stdbool.h>
#include <linux/types.h>
#include "userland/hosts.h"

#define PT_RECORD_CONTENT_DEFAULT	(64ULL << 20)
#define PT_RECORD_RING_BYTES		(64ULL << 20)

struct pt_record_opts {
	const char *out;		/* the .ptx to write */
	__u64 content_max;		/* content kept per connection direction; 0 = no limit */
	char *const *argv;		/* the command, NULL-terminated; argv[0] looked up in PATH */
	const struct pt_hosts_from *hosts;	/* namespaces that are hosts of the experiment, or NULL */
};

/* How the recording went: what `record` says about it. */
struct pt_record_result {
	int exe_err;			/* the command did not run: -ENOENT not found in PATH, -EACCES found but not
					 * executable, -ENOEXEC its exec failed (a missing #! interpreter); else 0 */
	bool started;			/* the command was started */
	int status;			/* its wait status when started */
	bool written;			/* the recording was written */
	bool incomplete;		/* it lacks data (truncated content, kernel losses): marked inside */
	int terminated;			/* !started: the SIGTERM/SIGHUP that stopped record before it, or 0 */
};

/*
 * Record o->argv into o->out. Returns 0 when the recording was written (the
 * command's own exit status is in res->status, whatever it was), or a
 * negative errno, logged: res->exe_err says when the command was not found
 * or is not executable (nothing was started), else the recorder failed
 * (before the command ran, or after: res->started says).
 */
int pt_record(const struct pt_record_opts *o, struct pt_record_result *res);

#endif /* PROVTAP_RECORD_H */
