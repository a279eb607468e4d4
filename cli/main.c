// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/cmd_record.h"
#include "common/log.h"

#define PT_VERSION "0.1.0"

int pt_cli_verbose;

static void usage_main(FILE *out);

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "provtap version: no arguments, not '%s'\n", argv[1]);
		return PT_EXIT_USAGE;
	}
	printf("provtap %s (packet record v%d)\n", PT_VERSION, 1);
	return 0;
}

static const struct pt_cmd commands[] = {
	{ "probe", cmd_probe, "load, filter, inspect and unload the kernel probes", usage_probe },
	{ "collect", cmd_collect, "run the collector: ring buffers -> store, live tail server", usage_collect },
	{ "tail", cmd_tail, "live stream of records from the collector", usage_tail },
	{ "store", cmd_store, "read a store: per-point counts, records, integrity", usage_store },
	{ "query", cmd_query, "diagnosis queries over the store: hops, loss, delay, ...", usage_query },
	{ "export", cmd_export, "write matching packets to a file (pcapng) for tshark/Wireshark", usage_export },
	{ "record", cmd_record, "run a command and record its processes and network conversation (.ptx)", usage_record },
	{ "show", cmd_show, "what a recording (.ptx) holds: processes, connections, peers, truncation", usage_show },
	{ "replay", cmd_replay, "re-run a recorded command with its peers emulated; report divergence", usage_replay },
	{ "merge", cmd_merge, "join per-host recordings (.ptx) of one experiment into one", usage_merge },
	{ "version", cmd_version, "print the version", NULL },
	{ "help", cmd_help, "help on a command: provtap help COMMAND", NULL },
	{ NULL, NULL, NULL, NULL },
};

static void usage_main(FILE *out)
{
	fprintf(out,
		"usage: provtap [-v|-vv] COMMAND [ARGS]\n"
		"\n"
		"provtap records packets at capture points (tc/XDP probes on interfaces in any\n"
		"network namespace), the kernel's packet drops, and processes, file descriptors and\n"
		"socket content (syscall tracepoints) into a crash-safe store, streams them live,\n"
		"and answers per-hop diagnosis and provenance queries.\n"
		"\ncommands:\n");
	for (const struct pt_cmd *c = commands; c->name; c++)
		fprintf(out, "  %-9s %s\n", c->name, c->summary);
	fprintf(out,
		"\nexample session:\n"
		"  provtap probe load --iface veth1@tenant-a:both --iface br0:in\n"
		"  provtap collect --store /var/lib/provtap --daemon\n"
		"  provtap tail 'tcp and port 80'\n"
		"  provtap probe status\n"
		"  provtap probe unload --all\n"
		"\n-v shows libbpf warnings, -vv also debug output and verifier logs.\n"
		"`provtap COMMAND --help` for each command.\n");
}

/* The commands that dispatch to subcommands (query hops, probe load, ...). */
static bool has_subcommands(const char *name)
{
	static const char *const with[] = { "probe", "store", "query", "export" };

	for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++)
		if (!strcmp(with[i], name))
			return true;
	return false;
}

/*
 * provtap help [COMMAND [SUBCOMMAND]]: as `provtap COMMAND [SUBCOMMAND] --help`.
 * Words after those are ignored (a command without subcommands shows its own
 * help whatever follows).
 */
static int cmd_help(int argc, char **argv)
{
	char *args[4];

	if (argc < 2 || !strcmp(argv[1], "help")) {
		usage_main(stdout);
		return 0;
	}
	for (const struct pt_cmd *c = commands; c->name; c++) {
		if (strcmp(c->name, argv[1]))
			continue;
		if (!c->usage) {
			printf("provtap %s: %s\n", c->name, c->summary);
			return 0;
		}
		if (argc == 2 || !has_subcommands(c->name)) {
			c->usage(stdout);
			return 0;
		}
		/* a subcommand's own help (query hops, probe load, ...) */
		args[0] = argv[1];
		args[1] = argv[2];
		args[2] = "--help";
		args[3] = NULL;
		return c->fn(3, args);
	}
	fprintf(stderr, "provtap: no command '%s'; `provtap help` lists them\n", argv[1]);
	return PT_EXIT_USAGE;
}

int pt_cmd_dispatch(const struct pt_cmd *cmds, const char *prefix, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "%s: a command is needed; try `%s --help`\n", prefix, prefix);
		return PT_EXIT_USAGE;
	}
	for (const struct pt_cmd *c = cmds; c->name; c++)
		if (!strcmp(c->name, argv[1]))
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'; try `%s --help`\n", prefix, argv[1], prefix);
	return PT_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	int i = 1, rc = -1, ferr;

	for (; rc < 0 && i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			pt_cli_verbose += 1;
		else if (!strcmp(argv[i], "-vv"))
			pt_cli_verbose += 2;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage_main(stdout);
			rc = 0;
		} else if (!strcmp(argv[i], "--version")) {
			rc = cmd_version(1, argv + i);
		} else {
			fprintf(stderr, "provtap: unknown option '%s'\n", argv[i]);
			return PT_EXIT_USAGE;
		}
	}
	if (rc < 0) {
		pt_log_init(pt_cli_verbose);
		if (i >= argc) {
			usage_main(stderr);
			return PT_EXIT_USAGE;
		}
		rc = pt_cmd_dispatch(commands, "provtap", argc - i + 1, argv + i - 1);
	}
	/* output cut short (e.g. a full disk) is a failure, not a silent success; a command
	 * that failed already said why */
	ferr = fflush(stdout) ? errno : 0;
	if (!rc && (ferr || ferror(stdout))) {
		pt_err("writing the output: %s", ferr ? strerror(ferr) : "a write failed");
		rc = PT_EXIT_FAIL;
	}
	return rc;
}
