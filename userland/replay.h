/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * replay.h — re-run a recorded command (userland/ptx.h) with its remote peers
 * emulated from the recording, and report where the re-run diverges.
 *
 * Mechanism: the replaying process moves into a fresh network namespace
 * (unshare), where every recorded address of the re-run processes and of
 * their peers is put on the loopback interface. The command (the recorded
 * one, another, or with `only` the recorded processes selected) runs there in
 * a cgroup of its own, with the recorded environment and working directory.
 * No syscall interception: any binary, static or not, in any language.
 *
 * Emulated from the recording, for each connection whose recorded end is
 * re-run and whose other end is not:
 *  - outbound (the process connected): the replayer listens at the recorded
 *    peer address; each accepted connection is matched to a recorded one by
 *    (tree position of the process that made it, destination address and
 *    port, order among that position's connections to it) and served (the
 *    position is looked up only for a destination that recorded processes at
 *    several positions connected to: replay_tree.c follows the re-run's
 *    forks, replay_owner.c finds the process holding the client's socket;
 *    when either cannot tell, order to the destination decides, with a note):
 *    the peer's bytes are sent once the client has sent what it had sent
 *    before them, and what the client sends is compared;
 *  - inbound (the process accepted): the replayer plays the recorded client:
 *    it connects from the recorded client address once the server listens
 *    (and once the recorded connections that had ended before this one began
 *    are over), sends what the client sent when the server had sent what it
 *    had before, and compares what the server sends;
 *  - UDP datagrams the process sent (DNS included): the replayer receives
 *    them at the recorded peer address and answers with the recorded replies
 *    (DNS: matched by question, the transaction id patched in).
 * With timing "original" the recorded delays are kept.
 *
 * Reported (to the report stream, one line each): a divergence (connection,
 * direction, byte offset, expected vs actual bytes in hex), an end that sends
 * less (after PT_REPLAY_STALL_MS of silence) or more than recorded, a
 * connection or datagram the recording does not have (unexpected) or one it
 * has that the re-run did not make (missing; a played client gives up when
 * the re-run has not listened grace_s after the connection's turn), bytes
 * served that the recording lacks, and a different exit status. A re-run
 * that still runs grace_s (plus twice the recorded delay) after its last
 * played client ended, where the recording has it end by itself, is killed
 * (said), so a server that never got its clients does not hang the replay.
 */
#ifndef PROVTAP_REPLAY_H
#define PROVTAP_REPLAY_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "userland/ptx.h"

#define PT_REPLAY_STALL_MS	2000	/* client silence before "sent less than recorded" */
#define PT_REPLAY_LINGER_MS	5000	/* after the command ends, how long connections may finish */
#define PT_REPLAY_GRACE_S	30	/* default pt_replay_opts.grace_s */

enum pt_replay_timing {
	PT_REPLAY_FAST = 0,	/* no recorded delays: as fast as the client goes */
	PT_REPLAY_ORIGINAL = 1,	/* the recorded delays between the peer's answers and what preceded them */
};

struct pt_replay_opts {
	const struct pt_ptx *x;
	const char *name;		/* the recording's file name, for messages */
	__u8 timing;			/* enum pt_replay_timing */
	char *const *argv;		/* the command to run instead of the recorded one (one launch only) */
	const bool *only;		/* per recorded process: re-run it (and its descendants) alone with
					 * everything else emulated; NULL = the recorded command(s) */
	FILE *report;			/* where divergences are reported */
	unsigned grace_s;		/* how long, beyond the recorded times, a played client waits for the
					 * re-run to listen, and the re-run may run on after its last played
					 * client (then it is killed); 0: PT_REPLAY_GRACE_S */
};

struct pt_replay_result {
	int exe_err;			/* a command did not run: -ENOENT not found in PATH, -EACCES found but not
					 * executable, -ENOEXEC its exec failed (a missing #! interpreter); else 0 */
	bool started;
	int status;			/* the (first) command's wait status */
	__u64 duration_ns;		/* command start .. the end of the last one */
	unsigned launches;		/* commands started */
	unsigned status_diverged;	/* commands that ended otherwise than recorded */
	unsigned conns;			/* connections served or played from the recording */
	unsigned inbound;		/* ... of which the replayer played the client */
	unsigned datagrams;		/* datagrams answered from the recording */
	unsigned divergences;		/* byte mismatches, short and long sends */
	unsigned unexpected;		/* connections or datagrams not in the recording */
	unsigned missing;		/* recorded connections or datagrams not made */
	unsigned unfaithful;		/* connections where bytes the recording lacks were served */
	unsigned unfinished;		/* connections still open at the end (cut) */
	int terminated;			/* the signal (SIGTERM, SIGHUP) that ended the replay early, else 0 */
};

/*
 * Replay. Returns 0 when the command(s) ran (statuses and divergences in
 * *res, all reported), or a negative errno (logged): res->exe_err when a
 * command was not found or is not executable (nothing started), -EPERM not root, -EINVAL what was asked cannot be
 * re-run (nothing started), else a setup failure (nothing is left running:
 * the cgroup is killed and removed, the namespace goes with the process).
 * Must be called by a process that may leave its network namespace behind
 * (it moves into a new one and stays there).
 */
int pt_replay(const struct pt_replay_opts *o, struct pt_replay_result *res);

/*
 * Mark in sel (x->nprocs entries, not cleared first) the processes selector
 * names: "POS" (tree position as `show` prints it, e.g. 0.1), "pid=N"
 * (recorded pid), "name=NAME" (program name as `show` prints it, or comm),
 * "host=NAME" (every process of that host). Returns how many it marked, or
 * -EINVAL with errlen bytes of explanation in err (bad syntax, or nothing
 * matches).
 */
int pt_replay_select(const struct pt_ptx *x, const char *selector, bool *sel, char *err, size_t errlen);

#endif /* PROVTAP_REPLAY_H */
