// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_export.c — `provtap export pcapng 'EXPR' -o FILE`: the matching records of
 * the store as a pcapng file (query/pcapng.h). The file is written under a
 * temporary name next to FILE and put in place only when it is complete and
 * holds at least one packet, so a failed, interrupted (SIGINT, SIGTERM, SIGHUP) or
 * empty export leaves nothing behind and never clobbers an existing file (unless
 * --force). FILE may be a symbolic link: the file it leads to is written and the link
 * stays; anything but a regular file (device, FIFO, socket, directory) is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "common/tmpfile.h"
#include "common/units.h"
#include "query/filter.h"
#include "query/pcapng.h"
#include "query/scan.h"

void usage_export(FILE *out)
{
	fprintf(out,
		"usage: provtap export pcapng [EXPR] -o FILE [--force] [--store DIR] [--since T] [--until T]\n"
		"\n"
		"Write the packets of the store that match EXPR (the filter language plus `point NAME`;\n"
		"none = every packet) in the window to FILE as pcapng, for tshark/Wireshark.\n"
		"\n"
		"  -o, --output FILE  the file to write; an existing file is refused unless --force.\n"
		"                     A symbolic link is written through (the link stays); a device,\n"
		"                     FIFO, socket or directory is refused\n"
		"  -f, --force        replace FILE if it exists (a regular file only)\n"
		"  --store DIR        the store (default $PROVTAP_STORE, then /var/lib/provtap)\n"
		"  --since T, --until T  window: RFC 3339 (2026-11-23T20:00:00Z), `now`, or relative (-5m)\n"
		"\n"
		"One interface (IDB) per capture point that has packets, named ifname@netns:dir, with\n"
		"nanosecond wall-clock timestamps and the packet direction. Points recorded with a\n"
		"snaplen give the captured bytes; for metadata-only points provtap synthesises the\n"
		"Ethernet/IP/TCP-UDP-ICMP headers (and VXLAN outer headers) from the record, marks each such\n"
		"packet with the comment \"%s\", and writes headers only: tools show the packet as\n"
		"truncated to them. Ring-buffer losses of a point are reported as its interface's drops.\n"
		"The file is written under a temporary name beside it (FILE.tmp.XXXXXX) and put in place\n"
		"when complete; an error or SIGINT/SIGTERM/SIGHUP removes it. Exit status 1 when nothing\n"
		"matched (no file is written) or FILE cannot be written, 2 on a usage error.\n"
		"\nexamples:\n"
		"  provtap export pcapng 'tcp and port 80' -o web.pcapng --since -5m\n"
		"  provtap export pcapng 'point veth1@tenant-a:in' -o veth1.pcapng --force\n"
		"  tshark -r web.pcapng -T fields -e frame.interface_name -e ip.src -e tcp.srcport\n",
		PT_PCAPNG_SYNTH_COMMENT);
}

/*
 * The temporary file being written, for the signal handler to remove: set (live) only while
 * the fatal signals are blocked, so the handler never sees a half-written name.
 */
static char tmp_path[PATH_MAX + sizeof(".tmp.XXXXXX")];
static volatile sig_atomic_t tmp_live;
static const int fatal_sigs[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction old_acts[sizeof(fatal_sigs) / sizeof(fatal_sigs[0])];
static bool handled[sizeof(fatal_sigs) / sizeof(fatal_sigs[0])];

/* SIGINT/SIGTERM/SIGHUP: remove the temporary file, then die of the signal (SA_RESETHAND). */
static void on_fatal_signal(int sig)
{
	if (tmp_live)
		unlink(tmp_path);
	raise(sig);	/* blocked until the handler returns; then the default action */
}

static void block_fatal(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		sigaddset(&set, fatal_sigs[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* Install the handler for the fatal signals that are not ignored (nohup keeps SIGHUP ignored). */
static void catch_fatal(void)
{
	struct sigaction sa = { .sa_handler = on_fatal_signal, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++) {
		if (sigaction(fatal_sigs[i], NULL, &old_acts[i]) || old_acts[i].sa_handler == SIG_IGN)
			continue;
		handled[i] = !sigaction(fatal_sigs[i], &sa, NULL);
	}
}

static void restore_fatal(void)
{
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++) {
		if (handled[i])
			sigaction(fatal_sigs[i], &old_acts[i], NULL);
		handled[i] = false;
	}
}

/* Remove the temporary file if it is still there. */
static void drop_tmp(void)
{
	sigset_t old;

	block_fatal(&old);
	if (tmp_live)
		unlink(tmp_path);
	tmp_live = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static const char *file_type(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/*
 * The file -o path names, into out (PATH_MAX): path itself, or the file a symbolic link
 * leads to (so that the link stays a link). Only a regular file is ever replaced, and only
 * with force. Returns 0, or an exit code after saying why not.
 */
static int resolve_output(const char *path, bool force, char *out)
{
	char link_to[PATH_MAX], *real = NULL;
	const char *file = path;
	struct stat st;
	ssize_t n;
	int ret = PT_EXIT_FAIL;

	if (lstat(path, &st)) {
		if (errno != ENOENT) {
			fprintf(stderr, "provtap export: cannot write %s: %s\n", path, strerror(errno));
			return PT_EXIT_FAIL;
		}
		goto ok;	/* a new file */
	}
	if (S_ISLNK(st.st_mode)) {
		real = realpath(path, NULL);
		if (!real) {
			int e = errno;

			n = readlink(path, link_to, sizeof(link_to) - 1);
			link_to[n < 0 ? 0 : n] = 0;
			if (e == ENOENT)
				fprintf(stderr, "provtap export: %s is a symbolic link to %s, which does not exist; "
					"not writing through it\n", path, link_to);
			else
				fprintf(stderr, "provtap export: cannot follow the symbolic link %s (-> %s): %s\n",
					path, link_to, strerror(e));
			goto cleanup;
		}
		if (stat(real, &st)) {
			fprintf(stderr, "provtap export: %s (-> %s): %s\n", path, real, strerror(errno));
			goto cleanup;
		}
		file = real;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "provtap export: %s%s%s is %s; -o takes a regular file, not replacing it\n", path,
			real ? " -> " : "", real ? real : "", file_type(st.st_mode));
		goto cleanup;
	}
	if (!force) {
		fprintf(stderr, "provtap export: %s exists; not overwriting it (use --force)\n", path);
		goto cleanup;
	}
ok:
	snprintf(out, PATH_MAX, "%s", file);
	ret = 0;
cleanup:
	free(real);
	return ret;
}

/*
 * Put tmp in place as path: atomically refuse an existing path unless force; never replace
 * anything but a regular file. Returns 0 or -errno: -EEXIST when path exists (no force),
 * -ENOTSUP when it is no longer a regular file (replaced since resolve_output()).
 */
static int install(const char *tmp, const char *path, bool force)
{
	struct stat st;

	if (force) {
		if (!lstat(path, &st) && !S_ISREG(st.st_mode))
			return -ENOTSUP;
		return rename(tmp, path) ? -errno : 0;
	}
	if (link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno == EEXIST)
		return -EEXIST;
	if (errno != EPERM && errno != EOPNOTSUPP && errno != EXDEV)
		return -errno;
	/* no hard links on this file system: check, then rename (not atomic) */
	if (lstat(path, &st) == 0)
		return -EEXIST;
	return rename(tmp, path) ? -errno : 0;
}

/*
 * EXPR's syntax, before any file or the store is touched (a usage error comes
 * first): 0 with *names_point (EXPR has a `point` term), or a usage error
 * (said), 1-based position as every filter error.
 */
static int check_expr(const char *expr, bool *names_point)
{
	struct pt_filter_err fe;
	struct pt_filter *f;

	if (pt_filter_parse(expr ? expr : "", &f, &fe)) {
		fprintf(stderr, "provtap export: filter: %s at position %d\n", fe.msg, fe.pos + 1);
		return PT_EXIT_USAGE;
	}
	*names_point = pt_filter_uses_point(f);
	pt_filter_free(f);
	return 0;
}

/*
 * After an export without packets, whose EXPR names a point: 1 and
 * "unknown capture point 'X'; the store knows: ..." in msg when the store has
 * no point of that name (a typo, not a lack of traffic), as the queries say
 * it; else 0. Reads the store once more, to learn its points.
 */
static int unknown_point(const struct pt_scan_opts *so, char *msg, size_t len)
{
	const struct pt_rec_hdr *h;
	struct pt_scan *s;
	int rc;

	if (pt_scan_open(so, &s, msg, len))
		return 0;
	while ((rc = pt_scan_next(s, &h)) == 1)
		;
	rc = !rc && pt_scan_unknown_point(s, msg, len);
	pt_scan_close(s);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	enum { O_STORE = 1000, O_SINCE, O_UNTIL };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' }, { "force", no_argument, NULL, 'f' },
		{ "store", required_argument, NULL, O_STORE }, { "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char prog[] = "provtap export", target[PATH_MAX];
	const char *env = getenv("PROVTAP_STORE");
	struct pt_scan_opts so = { .store_dir = env && *env ? env : "/var/lib/provtap" };
	__u64 now = pt_now_ns(CLOCK_REALTIME);
	struct pt_pcapng_stats st;
	const char *path = NULL, *fmt;
	char err[512];
	bool force = false, partial = false, names_point = false;
	sigset_t oldmask;
	FILE *f = NULL;
	int c, fd, rc, ret;

	optind = 1;
	argv[0] = prog;	/* getopt's own messages: "provtap export: unrecognized option ..." */
	while ((c = getopt_long(argc, argv, "o:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': path = optarg; break;
		case 'f': force = true; break;
		case O_STORE: so.store_dir = optarg; break;
		case O_SINCE:
		case O_UNTIL:
			if (pt_parse_time(optarg, now, c == O_SINCE ? &so.since_ns : &so.until_ns)) {
				fprintf(stderr, "provtap export: --%s takes RFC 3339 (2026-11-23T20:00:00Z), "
					"'now' or a relative time (-5m), not '%s'\n",
					c == O_SINCE ? "since" : "until", optarg);
				return PT_EXIT_USAGE;
			}
			break;
		case 'h':
			usage_export(stdout);
			return 0;
		default:
			fprintf(stderr, "try `provtap export --help`\n");
			return PT_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "provtap export: a format is needed (pcapng); try `provtap export --help`\n");
		return PT_EXIT_USAGE;
	}
	fmt = argv[optind++];
	if (strcmp(fmt, "pcapng")) {
		fprintf(stderr, "provtap export: unknown format '%s' (only pcapng)\n", fmt);
		return PT_EXIT_USAGE;
	}
	if (optind < argc)
		so.expr = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "provtap export: one filter EXPR (quote it), then options\n");
		return PT_EXIT_USAGE;
	}
	if (!path || !*path) {
		fprintf(stderr, "provtap export: -o FILE is needed\n");
		return PT_EXIT_USAGE;
	}
	ret = check_expr(so.expr, &names_point);
	if (ret)
		return ret;
	ret = resolve_output(path, force, target);
	if (ret)
		return ret;

	/* from here on the temporary file exists: removed on every path, and on SIGINT/SIGTERM/SIGHUP */
	ret = PT_EXIT_FAIL;
	catch_fatal();
	block_fatal(&oldmask);
	fd = pt_tmp_beside(target, tmp_path, sizeof(tmp_path), err, sizeof(err));
	tmp_live = fd >= 0;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (fd < 0) {
		fprintf(stderr, "provtap export: %s\n", err);
		goto cleanup;
	}
	f = fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "provtap export: %s: %s\n", tmp_path, strerror(errno));
		close(fd);
		goto cleanup;
	}

	rc = pt_pcapng_export(&so, f, &st, &partial, err, sizeof(err));
	if (fclose(f) && !rc) {
		rc = -EIO;
		snprintf(err, sizeof(err), "writing %s: %s", path, strerror(errno));
	}
	f = NULL;
	if (rc) {
		fprintf(stderr, "provtap export: %s\n", err);
		ret = rc == -EINVAL ? PT_EXIT_USAGE : PT_EXIT_FAIL;
		goto cleanup;
	}
	if (!st.packets) {
		if (names_point && unknown_point(&so, err, sizeof(err)))
			fprintf(stderr, "provtap export: %s; nothing written\n", err);
		else if (so.expr && *so.expr)
			fprintf(stderr, "provtap export: no packets matched '%s' in the store %s%s; nothing written\n",
				so.expr, so.store_dir, so.since_ns || so.until_ns ? " within the window" : "");
		else
			fprintf(stderr, "provtap export: no packets in the store %s%s; nothing written\n",
				so.store_dir, so.since_ns || so.until_ns ? " within the window" : "");
		goto cleanup;
	}
	block_fatal(&oldmask);
	rc = install(tmp_path, target, force);
	if (!rc)
		tmp_live = 0;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (rc) {
		if (rc == -EEXIST)
			fprintf(stderr, "provtap export: %s appeared meanwhile; not overwriting it (use --force)\n",
				path);
		else if (rc == -ENOTSUP)
			fprintf(stderr, "provtap export: %s became something else than a regular file meanwhile; "
				"not replacing it\n", target);
		else
			fprintf(stderr, "provtap export: cannot create %s: %s\n", target, strerror(-rc));
		goto cleanup;
	}
	printf("wrote %llu packets on %u interfaces to %s\n", (unsigned long long)st.packets, st.interfaces, path);
	if (st.synthesised)
		printf("  %llu of them with headers synthesised from metadata (no snaplen)\n",
		       (unsigned long long)st.synthesised);
	if (st.lost)
		printf("  %llu records lost by the kernel at these points (reported as interface drops)\n",
		       (unsigned long long)st.lost);
	if (partial)
		printf("  partial: corrupt store regions or malformed records were skipped\n");
	ret = 0;
cleanup:
	drop_tmp();
	restore_fatal();
	return ret;
}
