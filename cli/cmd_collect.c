// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cli.h"
#include "collector/collect.h"
#include "collector/tailproto.h"
#include "common/log.h"
#include "common/units.h"

void usage_collect(FILE *out)
{
	fprintf(out,
		"usage: provtap collect --store DIR [--socket PATH] [--retain SIZE|AGE] [--segment-size SIZE]\n"
		"                       [--user NAME] [--daemon [--log FILE]]\n"
		"\n"
		"Drain the probes' ring buffers into the store in DIR and serve live tails on a\n"
		"unix socket (default " PT_DEFAULT_SOCKET ", mode 0660, group root). Runs until\n"
		"SIGINT/SIGTERM. Probes keep running without it: their records wait in the ring\n"
		"buffer and are collected when it starts again, none twice. Waits for probes if\n"
		"none are loaded yet. After setup it keeps only CAP_BPF.\n"
		"  --socket PATH      serve tails on this unix socket instead (what `provtap tail\n"
		"                     --socket PATH` connects to); a file there that is not a socket\n"
		"                     is refused, as is a socket another collector serves\n"
		"  --retain SIZE|AGE  delete the oldest sealed segments past SIZE (e.g. 10GiB) or\n"
		"                     older than AGE (e.g. 7d, 90min); may be given twice, once each\n"
		"  --segment-size S   seal (compress, index) segments at this raw size (default 16MiB)\n"
		"  --user NAME        after setup, run as user NAME (its uid and primary group),\n"
		"                     still with only CAP_BPF; the store directory and its files are\n"
		"                     handed to NAME. Load the probes first: as NAME it cannot open\n"
		"                     root's pins, so it refuses to start without them\n"
		"  --daemon           detach once ready; prints the daemon's PID on stdout\n"
		"  --log FILE         with --daemon: the daemon's log (default\n"
		"                     /var/log/provtap-collect.log): all it says, its start also on\n"
		"                     the terminal\n"
		"\nexamples:\n"
		"  provtap collect --store /var/lib/provtap --daemon\n"
		"  provtap collect --store /var/lib/provtap --retain 10GiB --retain 7d\n");
}

/*
 * Fork; the child runs the collector and reports readiness through a pipe; the
 * parent prints the child's PID once it is ready, or fails with its status.
 */
static int daemonize(struct pt_collect_opts *o, const char *log_path)
{
	int p[2], logfd;
	char buf[8];
	pid_t pid;
	ssize_t n;

	logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (logfd < 0) {
		int err = -errno;

		pt_err("cannot open log %s: %s", log_path, strerror(-err));
		return err;
	}
	if (pipe2(p, O_CLOEXEC)) {
		close(logfd);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(logfd);
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		close(p[0]);
		setsid();
		dup2(nul, 0);
		dup2(logfd, 1);
		/* stderr stays on the terminal until ready, so setup errors are seen */
		o->ready_fd = p[1];
		o->log_fd = logfd;
		int err = pt_collect_run(o);

		exit(err ? PT_EXIT_FAIL : 0);
	}
	close(p[1]);
	close(logfd);
	n = read(p[0], buf, sizeof(buf));
	close(p[0]);
	if (n > 0) {
		printf("%d\n", (int)pid);
		return 0;
	}
	int st = 0;

	waitpid(pid, &st, 0);
	pt_err("the collector did not start (see the messages above)");
	return -ECHILD;
}

/*
 * One --retain: a size (10GiB) or an age (7d) into o, at most one of each, not
 * zero. "512m" is refused as ambiguous (sizes take M/MiB, ages min). 0, or -1
 * having said why.
 */
static int parse_retain(const char *arg, struct pt_collect_opts *o)
{
	size_t n = strlen(arg);
	__u64 v;

	if (n > 1 && arg[n - 1] == 'm' && arg[n - 2] >= '0' && arg[n - 2] <= '9') {
		fprintf(stderr, "provtap collect: --retain '%s': m could mean minutes or megabytes; write "
			"%.*smin for an age or %.*sMiB for a size\n", arg, (int)n - 1, arg, (int)n - 1, arg);
		return -1;
	}
	if (!pt_parse_size(arg, &v)) {
		if (o->retain_bytes) {
			fprintf(stderr, "provtap collect: --retain: one size limit, not two ('%s')\n", arg);
			return -1;
		}
		o->retain_bytes = v;
	} else if (!pt_parse_duration(arg, &v)) {
		if (o->retain_age_ns) {
			fprintf(stderr, "provtap collect: --retain: one age limit, not two ('%s')\n", arg);
			return -1;
		}
		o->retain_age_ns = v;
	} else {
		fprintf(stderr, "provtap collect: --retain takes a size (10GiB) or an age (7d), not '%s'\n", arg);
		return -1;
	}
	if (!v) {
		fprintf(stderr, "provtap collect: --retain '%s': a limit of zero would keep nothing; leave "
			"--retain out to keep everything\n", arg);
		return -1;
	}
	return 0;
}

int cmd_collect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' }, { "socket", required_argument, NULL, 'S' },
		{ "retain", required_argument, NULL, 'r' }, { "user", required_argument, NULL, 'u' },
		{ "daemon", no_argument, NULL, 'd' }, { "log", required_argument, NULL, 'l' },
		{ "segment-size", required_argument, NULL, 'g' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pt_collect_opts o = { .ready_fd = -1, .log_fd = -1 };
	const char *log_path = "/var/log/provtap-collect.log";
	bool daemon = false, log_given = false;
	static char prog[] = "provtap collect";
	int c;

	optind = 1;
	argv[0] = prog;	/* getopt's own messages: "provtap collect: unrecognized option ..." */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': o.store_dir = optarg; break;
		case 'S': o.socket_path = optarg; break;
		case 'u': o.user = optarg; break;
		case 'd': daemon = true; break;
		case 'l': log_path = optarg; log_given = true; break;
		case 'g':
			if (pt_parse_size(optarg, &o.seg_max_bytes) || o.seg_max_bytes < 4096) {
				fprintf(stderr, "provtap collect: --segment-size takes a size >= 4KiB, not '%s'\n",
					optarg);
				return PT_EXIT_USAGE;
			}
			break;
		case 'r':
			if (parse_retain(optarg, &o))
				return PT_EXIT_USAGE;
			break;
		case 'h':
			usage_collect(stdout);
			return 0;
		default:
			fprintf(stderr, "try `provtap collect --help`\n");
			return PT_EXIT_USAGE;
		}
	}
	if (log_given && !daemon) {
		fprintf(stderr, "provtap collect: --log FILE is the daemon's log and needs --daemon (in the "
			"foreground the collector writes to stderr)\n");
		return PT_EXIT_USAGE;
	}
	if (!o.store_dir || optind != argc) {
		fprintf(stderr, "provtap collect: --store DIR is required (and nothing else positional)\n");
		return PT_EXIT_USAGE;
	}
	if (daemon)
		return daemonize(&o, log_path) ? PT_EXIT_FAIL : 0;
	return pt_collect_run(&o) ? PT_EXIT_FAIL : 0;
}
