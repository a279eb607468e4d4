// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "cli/cli.h"
#include "common/units.h"
#include "cli/cmd_record.h"
#include "userland/ptx.h"
#include "userland/replay.h"

void usage_replay(FILE *out)
{
	fprintf(out,
		"usage: provtap replay FILE.ptx [--timing fast|original] [--only SELECTOR]... [--verify]\n"
		"                      [--grace SECONDS] [-- CMD [ARGS...]]\n"
		"\n"
		"Re-run the recorded command (or CMD, e.g. a rebuilt binary) with its remote peers\n"
		"emulated from the recording, in a new network namespace where every recorded\n"
		"address lives on the loopback interface:\n"
		"  - outbound TCP connections reach fake peers that answer with the recorded bytes\n"
		"    (matched to recorded ones by the connecting process's position in the process\n"
		"    tree, destination address and port, and order: see below);\n"
		"  - inbound TCP connections are re-created by playing the recorded clients against\n"
		"    the re-run server (each once the server listens, in the recorded order);\n"
		"  - UDP datagrams it sent are answered with the recorded replies; DNS answers come\n"
		"    from the recording (matched by question, the transaction id patched in).\n"
		"The command gets the recorded environment and working directory. Needs root.\n"
		"  --timing fast       no recorded delays: answer as soon as the other end has sent\n"
		"                      what it sent before the answer in the recording (default)\n"
		"  --timing original   also wait the recorded delays\n"
		"  --only SELECTOR     re-run only these recorded processes (with their descendants),\n"
		"                      each from its recorded argv; everything else they talked to\n"
		"                      (other processes, hosts of a merged recording) is emulated.\n"
		"                      SELECTOR: POS (tree position as `show` prints it, e.g. 0.1),\n"
		"                      pid=N (recorded pid), name=NAME (program), host=NAME (every\n"
		"                      process of a host of a merged or --hosts-from recording).\n"
		"                      Repeat to re-run several.\n"
		"  --verify            exit 0 only if the re-run matched the recording: the same\n"
		"                      bytes sent on every connection and datagram, no unexpected\n"
		"                      or missing connection, nothing served that the recording\n"
		"                      lacks, the same exit status; 1 otherwise\n"
		"  --grace SECONDS     how long past the recorded times replay waits for the re-run\n"
		"                      (default 30, at most 86400): a played client gives up on a\n"
		"                      server that has not listened this long after the client's\n"
		"                      turn (reported missing), a connection whose re-run end takes\n"
		"                      no bytes this long is given up (a divergence), and a re-run\n"
		"                      that ended by itself in the recording is killed when it still\n"
		"                      runs this long plus twice the recorded delay after its last\n"
		"                      played client (with none, after the replay started)\n"
		"\n"
		"Network namespace names: the re-run sees /run/netns holding only the names the\n"
		"recorded processes entered (ip netns exec, ip -n, nsenter --net=/run/netns/...)\n"
		"and the hosts of a --hosts-from recording, each leading into the replay's own\n"
		"namespace (a private mount namespace; the host's /run/netns is not changed).\n"
		"\n"
		"Divergences go to stderr, one line each: connection, direction, byte offset,\n"
		"expected and actual bytes (hex and text).\n"
		"\nconnection matching: where recorded processes at several tree positions (as\n"
		"`show` prints them) connected to one destination, replay follows the re-run's\n"
		"forks (kernel proc events) and finds the process holding each accepted\n"
		"connection's client socket; it gets the first recorded connection of its position\n"
		"to that destination not served yet (a note says when that is not the one order\n"
		"alone gives). Order to the destination decides, with a note, when that process is\n"
		"not found (it closed the socket or exited before replay looked), its position has\n"
		"no such connection left, or process events were lost or cannot be had (replay\n"
		"outside the initial network or PID namespace). Positions match when the re-run\n"
		"forks in the recorded order.\n"
		"\nexit status: without --verify the (first) command's (128+N for signal N); with\n"
		"--verify 0 (same) or 1 (diverged); 2 usage, 125 replay itself failed (or what was\n"
		"selected cannot be re-run), 126 command not executable, 127 command not found,\n"
		"128+N replay itself was stopped by signal N (SIGTERM, SIGHUP: the re-run is killed).\n"
		"\nexamples:\n"
		"  provtap replay run.ptx\n"
		"  provtap replay run.ptx --verify --timing original\n"
		"  provtap replay run.ptx -- ./build/client --fast 10.0.0.2\n"
		"  provtap replay server.ptx --verify          # its clients are played to it\n"
		"  provtap replay all.ptx --only host=h2 --verify\n");
}

#define MAX_ONLY	64

struct only {
	const char *sel[MAX_ONLY];
	int n;
};

/* Options (getopt from optind up to the first non-option); -1 to go on, else the exit code. */
static int parse_opts(int argc, char **argv, struct pt_replay_opts *o, bool *verify, struct only *only)
{
	static const struct option opts[] = {
		{ "timing", required_argument, NULL, 't' }, { "verify", no_argument, NULL, 'V' },
		{ "only", required_argument, NULL, 'O' }, { "grace", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!strcmp(optarg, "fast"))
				o->timing = PT_REPLAY_FAST;
			else if (!strcmp(optarg, "original"))
				o->timing = PT_REPLAY_ORIGINAL;
			else {
				fprintf(stderr, "provtap replay: --timing takes fast or original, not '%s'\n", optarg);
				return PT_EXIT_USAGE;
			}
			break;
		case 'V': *verify = true; break;
		case 'g': {
			__u64 v;

			if (pt_parse_u64(optarg, 1, 86400, &v)) {
				fprintf(stderr, "provtap replay: --grace takes whole seconds from 1 to 86400, not '%s'\n",
					optarg);
				return PT_EXIT_USAGE;
			}
			o->grace_s = (unsigned)v;
			break;
		}
		case 'O':
			if (only->n == MAX_ONLY) {
				fprintf(stderr, "provtap replay: at most %d --only\n", MAX_ONLY);
				return PT_EXIT_USAGE;
			}
			only->sel[only->n++] = optarg;
			break;
		case 'h':
			usage_replay(stdout);
			return 0;
		default:
			fprintf(stderr, "try `provtap replay --help`\n");
			return PT_EXIT_USAGE;
		}
	}
	return -1;
}

int cmd_replay(int argc, char **argv)
{
	struct pt_replay_opts o = { .report = stderr, .timing = PT_REPLAY_FAST };
	struct pt_replay_result res;
	struct pt_ptx *x = NULL;
	struct only only = { .n = 0 };
	bool verify = false, *sel = NULL;
	char err[512];
	int rc;

	static char prog[] = "provtap replay";

	argv[0] = prog;	/* getopt's own messages: "provtap replay: unrecognized option ..." */
	optind = 1;
	rc = parse_opts(argc, argv, &o, &verify, &only);
	if (rc >= 0)
		return rc;
	/* FILE, then options may follow it, then -- CMD */
	if (optind >= argc || !strcmp(argv[optind - 1], "--")) {
		fprintf(stderr, "provtap replay: a recording file is needed; try `provtap replay --help`\n");
		return PT_EXIT_USAGE;
	}
	o.name = argv[optind];
	argv[optind] = argv[0];	/* parse what follows the file */
	argc -= optind;
	argv += optind;
	optind = 1;
	rc = parse_opts(argc, argv, &o, &verify, &only);
	if (rc >= 0)
		return rc;
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--")) {
			fprintf(stderr, "provtap replay: unexpected '%s'; give another command after --\n", argv[optind]);
			return PT_EXIT_USAGE;
		}
		o.argv = argv + optind;
	}
	rc = pt_ptx_read(o.name, &x, err, sizeof(err));
	if (rc) {
		/* 125, not 1: with --verify, 1 means the re-run diverged */
		fprintf(stderr, "provtap replay: %s\n", err);
		return PT_EXIT_RECORDER;
	}
	o.x = x;
	if (only.n) {
		sel = calloc(x->nprocs + 1, sizeof(*sel));
		if (!sel) {
			fprintf(stderr, "provtap replay: out of memory\n");
			rc = PT_EXIT_RECORDER;
			goto cleanup;
		}
		for (int i = 0; i < only.n; i++) {
			if (pt_replay_select(x, only.sel[i], sel, err, sizeof(err)) < 0) {
				fprintf(stderr, "provtap replay: %s\n", err);
				rc = PT_EXIT_USAGE;
				goto cleanup;
			}
		}
		o.only = sel;
	}
	rc = pt_replay(&o, &res);
	if (rc) {
		rc = res.exe_err == -ENOENT ? PT_EXIT_NOTFOUND : res.exe_err ? PT_EXIT_NOEXEC : PT_EXIT_RECORDER;
		goto cleanup;
	}
	fprintf(stderr, "replay: %u connection(s) served from the recording (%u of them played to the re-run as its "
		"clients), %u datagram(s) answered, in %.3f s (recorded run %.3f s); %u divergence(s), %u unexpected, "
		"%u missing, %u with bytes the recording lacks; exit status %d%s\n",
		res.conns, res.inbound, res.datagrams, res.duration_ns / 1e9, x->duration_ns / 1e9, res.divergences,
		res.unexpected, res.missing, res.unfaithful, pt_exit_status_code(res.status),
		res.status_diverged ? ", not as recorded" : " as recorded");
	rc = pt_exit_status_code(res.status);
	if (res.terminated) {
		/* replay itself was stopped: its own status, not the killed command's (137) */
		fprintf(stderr, "replay: terminated by signal %d before the re-run ended\n", res.terminated);
		rc = 128 + res.terminated;
		goto cleanup;
	}
	if (verify) {
		if (res.divergences || res.unexpected || res.missing || res.unfaithful || res.unfinished ||
		    res.status_diverged) {
			fprintf(stderr, "replay: verify: FAILED\n");
			rc = PT_EXIT_FAIL;
		} else {
			fprintf(stderr, "replay: verify: ok\n");
			rc = 0;
		}
	}
cleanup:
	free(sel);
	pt_ptx_free(x);
	return rc;
}
