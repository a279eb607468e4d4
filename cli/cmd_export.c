// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cmd_export.c — `provtap export pcapng 'EXPR' -o FILE`: the matching records of
 * the store as a pcapng file (query/pcapng.h). The file is written under a
 * temporary name next to FILE and put in place only when it is complete and
 * holds at least one packet, so a failed or empty export leaves nothing behind
 * and never clobbers an existing file (unless --force).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "common/units.h"
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
		"  -o, --output FILE  the file to write; an existing file is refused unless --force\n"
		"  -f, --force        replace FILE if it exists\n"
		"  --store DIR        the store (default $PROVTAP_STORE, then /var/lib/provtap)\n"
		"  --since T, --until T  window: RFC 3339 (2026-11-23T20:00:00Z), `now`, or relative (-5m)\n"
		"\n"
		"One interface (IDB) per capture point that has packets, named ifname@netns:dir, with\n"
		"nanosecond wall-clock timestamps and the packet direction. Points recorded with a\n"
		"snaplen give the captured bytes; for metadata-only points provtap synthesises the\n"
		"Ethernet/IP/TCP-UDP-ICMP headers (and VXLAN outer headers) from the record, marks each such\n"
		"packet with the comment \"%s\", and writes headers only: tools show the packet as\n"
		"truncated to them. Ring-buffer losses of a point are reported as its interface's drops.\n"
		"Exit status 1 when nothing matched (no file is written).\n"
		"\nexamples:\n"
		"  provtap export pcapng 'tcp and port 80' -o web.pcapng --since -5m\n"
		"  provtap export pcapng 'point veth1@tenant-a:in' -o veth1.pcapng --force\n"
		"  tshark -r web.pcapng -T fields -e frame.interface_name -e ip.src -e tcp.srcport\n",
		PT_PCAPNG_SYNTH_COMMENT);
}

/* Put tmp in place as path: atomically refuse an existing path unless force. Returns 0 or -errno. */
static int install(const char *tmp, const char *path, bool force)
{
	if (force)
		return rename(tmp, path) ? -errno : 0;
	if (link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno == EEXIST)
		return -EEXIST;
	if (errno != EPERM && errno != EOPNOTSUPP && errno != EXDEV)
		return -errno;
	/* no hard links on this file system: check, then rename (not atomic) */
	if (access(path, F_OK) == 0)
		return -EEXIST;
	return rename(tmp, path) ? -errno : 0;
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
	const char *env = getenv("PROVTAP_STORE");
	struct pt_scan_opts so = { .store_dir = env && *env ? env : "/var/lib/provtap" };
	__u64 now = pt_now_ns(CLOCK_REALTIME);
	struct pt_pcapng_stats st;
	const char *path = NULL, *fmt;
	char *tmp = NULL, err[512];
	bool force = false, partial = false;
	FILE *f = NULL;
	int c, fd, rc, ret = PT_EXIT_FAIL;

	optind = 1;
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
	if (!force && access(path, F_OK) == 0) {
		fprintf(stderr, "provtap export: %s exists; not overwriting it (use --force)\n", path);
		return PT_EXIT_FAIL;
	}

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		fprintf(stderr, "provtap export: out of memory\n");
		return PT_EXIT_FAIL;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "provtap export: cannot create %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return PT_EXIT_FAIL;
	}
	fchmod(fd, 0644);	/* mkstemp makes 0600; a capture file is usually shared */
	f = fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "provtap export: %s: %s\n", tmp, strerror(errno));
		close(fd);
		goto out;
	}

	rc = pt_pcapng_export(&so, f, &st, &partial, err, sizeof(err));
	if (fclose(f) && !rc) {
		rc = -EIO;
		snprintf(err, sizeof(err), "writing %s: %s", tmp, strerror(errno));
	}
	f = NULL;
	if (rc) {
		fprintf(stderr, "provtap export: %s\n", err);
		ret = rc == -EINVAL ? PT_EXIT_USAGE : PT_EXIT_FAIL;
		goto out;
	}
	if (!st.packets) {
		if (so.expr && *so.expr)
			fprintf(stderr, "provtap export: no packets matched '%s' in the store %s%s; nothing written\n",
				so.expr, so.store_dir, so.since_ns || so.until_ns ? " within the window" : "");
		else
			fprintf(stderr, "provtap export: no packets in the store %s%s; nothing written\n",
				so.store_dir, so.since_ns || so.until_ns ? " within the window" : "");
		goto out;
	}
	rc = install(tmp, path, force);
	if (rc) {
		if (rc == -EEXIST)
			fprintf(stderr, "provtap export: %s appeared meanwhile; not overwriting it (use --force)\n",
				path);
		else
			fprintf(stderr, "provtap export: cannot create %s: %s\n", path, strerror(-rc));
		goto out;
	}
	free(tmp);
	tmp = NULL;
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
out:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return ret;
}
