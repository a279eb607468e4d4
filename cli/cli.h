/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* cli.h — provtap's command table. Each command: int fn(int argc, char **argv), argv[0] = its name. */
#ifndef PROVTAP_CLI_H
#define PROVTAP_CLI_H

#include <stdio.h>

struct pt_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	void (*usage)(FILE *out);
};

/* Dispatch argv[1] among cmds (NULL-terminated); prefix names the parent ("provtap probe"). */
int pt_cmd_dispatch(const struct pt_cmd *cmds, const char *prefix, int argc, char **argv);

int cmd_probe(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_tail(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_export(int argc, char **argv);
void usage_probe(FILE *out);
void usage_collect(FILE *out);
void usage_tail(FILE *out);
void usage_store(FILE *out);
void usage_query(FILE *out);
void usage_export(FILE *out);

/* Exit codes: 0 ok, 1 failure, 2 usage error. */
#define PT_EXIT_FAIL	1
#define PT_EXIT_USAGE	2

/* Read the global -v flags consumed by main. */
extern int pt_cli_verbose;

#endif /* PROVTAP_CLI_H */
