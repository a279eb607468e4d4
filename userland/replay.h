/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * replay.h — re-run a recorded command (userland/ptx.h) with its remote peers
 * emulated from the recording, and report where the re-run diverges.
 *
 * Mechanism: the replaying process moves into a fresh network namespace
 * (unshare), where every recorded peer address of an outbound TCP connection
 * is put on the loopback interface and listened on. The command (the recorded
 * one, or another) runs there in a cgroup of its own, with the recorded
 * environment and working directory. No syscall interception: any binary,
 * static or not, in any language. Each accepted connection is matched to a
 * recorded one by (destination address and port, order of connection to that
 * destination), and served from the recording: the bytes the recorded peer
 * sent are sent once the client has sent what it had sent before them (with
 * the recorded delay in between with timing "original"), and the bytes the
 * client sends are compared with the recorded ones.
 *
 * Reported (to the report stream, one line each): a divergence (connection,
 * direction, byte offset, expected vs actual bytes in hex), a client that
 * sends less (after PT_REPLAY_STALL_MS of silence) or more than recorded, a
 * connection the recording does not have (unexpected) or one it has that the
 * re-run did not make (missing), bytes served that the recording lacks, and a
 * different exit status. Not yet replayed: inbound connections, UDP (DNS).
 */
#ifndef PROVTAP_REPLAY_H
#define PROVTAP_REPLAY_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "userland/ptx.h"

#define PT_REPLAY_STALL_MS	2000	/* client silence before "sent less than recorded" */
#define PT_REPLAY_LINGER_MS	5000	/* after the command ends, how long connections may finish */

enum pt_replay_timing {
	PT_REPLAY_FAST = 0,	/* no recorded delays: as fast as the client goes */
	PT_REPLAY_ORIGINAL = 1,	/* the recorded delays between the peer's answers and what preceded them */
};

struct pt_replay_opts {
	const struct pt_ptx *x;
	const char *name;		/* the recording's file name, for messages */
	__u8 timing;			/* enum pt_replay_timing */
	char *const *argv;		/* the command to run; NULL = the recorded one */
	FILE *report;			/* where divergences are reported */
};

struct pt_replay_result {
	bool started;
	int status;			/* the command's wait status */
	__u64 duration_ns;		/* command start .. its end */
	unsigned conns;			/* connections served from the recording */
	unsigned divergences;		/* byte mismatches, short and long sends */
	unsigned unexpected;		/* connections not in the recording */
	unsigned missing;		/* recorded connections not made */
	unsigned unfaithful;		/* connections where bytes the recording lacks were served */
	unsigned unfinished;		/* connections still open at the end (cut) */
};

/*
 * Replay. Returns 0 when the command ran (its status and the divergences in
 * *res, all reported), or a negative errno (logged): -ENOENT command not
 * found (nothing started), -EPERM not root, else a setup failure (nothing is
 * left running: the command's cgroup is killed and removed, the namespace
 * goes with the process).
 */
int pt_replay(const struct pt_replay_opts *o, struct pt_replay_result *res);

#endif /* PROVTAP_REPLAY_H */
