// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "cli/cli.h"
#include "cli/cmd_record.h"
#include "userland/ptx.h"
#include "userland/replay.h"

void usage_replay(FILE *out)
{
	fprintf(out,
		"usage: provtap replay FILE.ptx [--timing fast|original] [--verify] [-- CMD [ARGS...]]\n"
		"\n"
		"Re-run the recorded command (or CMD, e.g. a rebuilt binary) with the remote peers\n"
		"of its outbound TCP connections emulated from the recording: in a new network\n"
		"namespace each recorded peer address lives on the loopback interface and answers\n"
		"with the recorded bytes. Connections are matched to recorded ones by destination\n"
		"address and port and their order to it. The command gets the recorded environment\n"
		"and working directory. Needs root.\n"
		"  --timing fast       answer as soon as the client has sent what it sent before\n"
		"                      the answer in the recording (default)\n"
		"  --timing original   also wait the recorded delay before each answer\n"
		"  --verify            exit 0 only if the re-run matched the recording: the same\n"
		"                      bytes sent on every connection, no unexpected or missing\n"
		"                      connection, nothing served that the recording lacks, the\n"
		"                      same exit status; 1 otherwise\n"
		"\n"
		"Divergences go to stderr, one line each: connection, direction, byte offset,\n"
		"expected and actual bytes (hex and text). Not replayed yet: inbound connections,\n"
		"UDP (DNS) — their presence is reported.\n"
		"\nexit status: without --verify the command's (128+N for signal N); with --verify\n"
		"0 (same) or 1 (diverged); 2 usage, 125 replay itself failed, 127 command not found.\n"
		"\nexamples:\n"
		"  provtap replay run.ptx\n"
		"  provtap replay run.ptx --verify --timing original\n"
		"  provtap replay run.ptx -- ./build/client --fast 10.0.0.2\n");
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return PT_EXIT_RECORDER;
}

/* Options (getopt from optind up to the first non-option); -1 to go on, else the exit code. */
static int parse_opts(int argc, char **argv, struct pt_replay_opts *o, bool *verify)
{
	static const struct option opts[] = {
		{ "timing", required_argument, NULL, 't' }, { "verify", no_argument, NULL, 'V' },
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
	bool verify = false;
	char err[512];
	int rc;

	optind = 1;
	rc = parse_opts(argc, argv, &o, &verify);
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
	rc = parse_opts(argc, argv, &o, &verify);
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
		fprintf(stderr, "provtap replay: %s\n", err);
		return PT_EXIT_FAIL;
	}
	o.x = x;
	rc = pt_replay(&o, &res);
	if (rc) {
		pt_ptx_free(x);
		return rc == -ENOENT ? PT_EXIT_NOTFOUND : PT_EXIT_RECORDER;
	}
	bool same_status = res.status == x->exit_status;

	fprintf(stderr, "replay: %u connection(s) served from the recording in %.3f s (recorded run %.3f s); "
		"%u divergence(s), %u unexpected, %u missing, %u with bytes the recording lacks; exit status %d%s\n",
		res.conns, res.duration_ns / 1e9, x->duration_ns / 1e9, res.divergences, res.unexpected, res.missing,
		res.unfaithful, status_code(res.status),
		same_status ? " as recorded" : "");
	if (!same_status)
		fprintf(stderr, "replay: DIVERGENCE exit status %d, recorded %d\n", status_code(res.status),
			status_code(x->exit_status));
	pt_ptx_free(x);
	if (!verify)
		return status_code(res.status);
	if (res.divergences || res.unexpected || res.missing || res.unfaithful || res.unfinished || !same_status) {
		fprintf(stderr, "replay: verify: FAILED\n");
		return PT_EXIT_FAIL;
	}
	fprintf(stderr, "replay: verify: ok\n");
	return 0;
}
