/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* cmd_record.h — the record/show/replay/merge commands for provtap's command table (cli/main.c). */
#ifndef PROVTAP_CMD_RECORD_H
#define PROVTAP_CMD_RECORD_H

#include <stdio.h>

int cmd_record(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_merge(int argc, char **argv);
void usage_record(FILE *out);
void usage_show(FILE *out);
void usage_replay(FILE *out);
void usage_merge(FILE *out);

/* record's own failures (the command's exit status is record's otherwise), as timeout(1) and env(1) */
#define PT_EXIT_RECORDER	125	/* the recorder failed */
#define PT_EXIT_NOEXEC		126	/* the command cannot be executed */
#define PT_EXIT_NOTFOUND	127	/* the command was not found */

/* A child's wait status as the shell reports it: its exit code, 128+N for signal N, else PT_EXIT_RECORDER. */
int pt_exit_status_code(int st);

#endif /* PROVTAP_CMD_RECORD_H */
