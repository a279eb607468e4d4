// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/cmd_record.h"
#include "common/log.h"
#include "common/units.h"
#include "userland/ptx.h"
#include "userland/ptx_show.h"
#include "userland/record.h"

void usage_record(FILE *out)
{
	fprintf(out,
		"usage: provtap record -o FILE.ptx [--content-max SIZE] [--hosts-from NS1,NS2] -- CMD [ARGS...]\n"
		"\n"
		"Run CMD and record what its process tree did into one file: processes (argv,\n"
		"exit statuses), files opened, every TCP connection's bytes in both directions,\n"
		"UDP datagrams, and whatever the kernel could not deliver. The tree is followed\n"
		"through a cgroup of its own (cgroup v2), also into other network namespaces.\n"
		"Needs root (BPF). Probes and collector are private to this run: a provtap\n"
		"already loaded on the host is not touched.\n"
		"  -o, --output FILE     the recording to write (.ptx); an existing FILE is replaced\n"
		"                        (written to a new FILE.tmp.XXXXXX, then renamed over it)\n"
		"  --content-max SIZE    content kept per connection and direction, and per UDP\n"
		"                        socket and direction (default 64MiB; 0 = no limit); the\n"
		"                        probes stop capturing a TCP connection's content past it\n"
		"                        (+128 KiB). A single call is captured up to 1 MiB.\n"
		"  --hosts-from NS1,NS2  these network namespaces (ip netns names) are hosts of the\n"
		"                        experiment (entered with ip netns exec / nsenter, as MPI\n"
		"                        would ssh): each process is placed on the host whose\n"
		"                        namespace its sockets were in, so that one host's\n"
		"                        processes can be replayed alone (replay --only host=NS1)\n"
		"\n"
		"A recording that lacks data (content cut by --content-max or by the per-call\n"
		"limit, records the kernel dropped) is still written, with the affected\n"
		"connections marked; record says so on stderr, a warning per connection direction\n"
		"and per datagram cut (ten of each at most, then how many more: `show` lists all).\n"
		"The environment and working directory recorded are CMD's (record's own); those\n"
		"of its descendants are not recorded. ^C goes to CMD; a SIGTERM or SIGHUP sent\n"
		"to record is passed on to CMD, and the recording is written when CMD ends (one\n"
		"that comes before CMD started, ^C too, stops record: CMD not run, nothing\n"
		"written).\n"
		"\nexit status: CMD's (128+N if a signal N killed it, or stopped record before\n"
		"CMD ran); 2 a usage error (CMD not run); 125 the recorder failed (CMD not run\n"
		"if -o cannot be written), 126 CMD cannot be executed, 127 CMD not found.\n"
		"\nexamples:\n"
		"  provtap record -o run.ptx -- curl -s http://10.0.0.2:8000/data.bin -o data.bin\n"
		"  provtap record -o job.ptx --content-max 1GiB -- ./experiment.sh 3\n"
		"  provtap record -o mpi.ptx --hosts-from h1,h2 -- ./launch-on-h1-and-h2.sh\n"
		"  provtap show run.ptx\n");
}

void usage_show(FILE *out)
{
	fprintf(out,
		"usage: provtap show FILE.ptx\n"
		"\n"
		"What a recording holds: the command, host, start and duration, processes (tree\n"
		"position, pid, times, exit status, argv), connections (process, role, local and\n"
		"peer address, bytes each way, marks for missing content and kernel losses),\n"
		"peers, UDP datagrams and the files the tree opened.\n"
		"\nexit status: 0 shown, 1 the file cannot be read (missing, truncated, corrupted,\n"
		"another format version: said with where), 2 usage.\n"
		"\nexample:\n"
		"  provtap show run.ptx\n");
}

int pt_exit_status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return PT_EXIT_RECORDER;
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' }, { "content-max", required_argument, NULL, 'c' },
		{ "hosts-from", required_argument, NULL, 'H' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct pt_record_opts o = { .content_max = PT_RECORD_CONTENT_DEFAULT };
	struct pt_record_result res;
	struct pt_hosts_from hosts;
	static char prog[] = "provtap record";
	char msg[512];
	int c, err;

	argv[0] = prog;	/* getopt's own messages: "provtap record: unrecognized option ..." */
	optind = 1;
	/* '+': options end at the first non-option (the command's own options are its own) */
	while ((c = getopt_long(argc, argv, "+ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'c':
			if (pt_parse_size(optarg, &o.content_max)) {
				fprintf(stderr, "provtap record: --content-max takes a size (64MiB, 0 = no limit), not '%s'\n",
					optarg);
				return PT_EXIT_USAGE;
			}
			break;
		case 'H':
			if (pt_hosts_from_parse(optarg, &hosts, msg, sizeof(msg))) {
				fprintf(stderr, "provtap record: %s\n", msg);
				return PT_EXIT_USAGE;
			}
			o.hosts = &hosts;
			break;
		case 'h':
			usage_record(stdout);
			return 0;
		default:
			fprintf(stderr, "try `provtap record --help`\n");
			return PT_EXIT_USAGE;
		}
	}
	if (!o.out || !*o.out || optind >= argc) {
		fprintf(stderr, "provtap record: -o FILE and a command (after --) are required; try `provtap record --help`\n");
		return PT_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "provtap record: needs root (loads BPF probes, makes a cgroup)\n");
		return PT_EXIT_RECORDER;
	}
	o.argv = argv + optind;
	err = pt_record(&o, &res);
	if (res.exe_err == -ENOENT)
		return PT_EXIT_NOTFOUND;
	if (res.exe_err)
		return PT_EXIT_NOEXEC;	/* found, not executable or its exec failed */
	if (err && res.terminated)
		return 128 + res.terminated;	/* stopped before CMD ran, as CMD would have been */
	if (err) {
		if (res.started)
			fprintf(stderr, "provtap record: the command ran (%s %d) but no recording was written\n",
				WIFSIGNALED(res.status) ? "signal" : "exit",
				WIFSIGNALED(res.status) ? WTERMSIG(res.status) : WEXITSTATUS(res.status));
		return PT_EXIT_RECORDER;
	}
	return pt_exit_status_code(res.status);
}

int cmd_show(int argc, char **argv)
{
	struct pt_ptx *x;
	char err[512];
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage_show(stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "provtap show: unknown option '%s'; try `provtap show --help`\n", argv[i]);
			return PT_EXIT_USAGE;
		}
	}
	if (argc != 2) {
		fprintf(stderr, "provtap show: one recording file is needed; try `provtap show --help`\n");
		return PT_EXIT_USAGE;
	}
	rc = pt_ptx_read(argv[1], &x, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "provtap show: %s\n", err);
		return PT_EXIT_FAIL;
	}
	pt_ptx_show(x, argv[1], stdout);
	pt_ptx_free(x);
	return 0;
}
