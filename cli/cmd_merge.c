// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "cli/cmd_record.h"
#include "userland/merge.h"
#include "userland/ptx.h"
#include "userland/ptx_esc.h"
#include "userland/ptx_show.h"

#define MAX_INPUTS	64

void usage_merge(FILE *out)
{
	fprintf(out,
		"usage: provtap merge -o|--output OUT.ptx [NAME=]IN.ptx [NAME=]IN.ptx...\n"
		"\n"
		"Join the recordings of one experiment made on several hosts (one `provtap record`\n"
		"per host) into one, so that any process of it can be replayed alone with all its\n"
		"peers emulated (`provtap replay OUT.ptx --only host=NAME`). Each input becomes a\n"
		"host of the result, named NAME, else the host name it was recorded on when the\n"
		"inputs' differ, else the file name without .ptx; an input that already has hosts\n"
		"(a merge, record --hosts-from) keeps them. A connection between two hosts is\n"
		"joined when each end's local address is the other's remote one (no NAT between);\n"
		"times are aligned by the hosts' wall clocks. Replaying the result without --only\n"
		"runs every host's command side by side. An existing OUT.ptx is replaced (written\n"
		"to a new OUT.ptx.tmp.XXXXXX, then renamed over it).\n"
		"Two inputs holding one process (the same file twice, or a recording and a merge\n"
		"that holds it) are refused. An input joined to no other by a connection, or\n"
		"recorded at a time no other covers, gets a warning (another experiment?).\n"
		"\nexit status: 0 written, 1 an input cannot be read, two inputs hold one process,\n"
		"the hosts' names collide or OUT.ptx cannot be written, 2 usage.\n"
		"\nexamples:\n"
		"  provtap merge -o all.ptx h1.ptx h2.ptx\n"
		"  provtap merge -o all.ptx server=a.ptx client=b.ptx\n");
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct pt_ptx *in[MAX_INPUTS] = { NULL }, *x = NULL;
	char labels[MAX_INPUTS][64], err[512];
	const char *lab[MAX_INPUTS], *path_of[MAX_INPUTS], *out = NULL;
	struct pt_merge_result res;
	unsigned n = 0;
	struct stat ost, ist;
	bool distinct = true, have_out;
	int c, e, rc = PT_EXIT_FAIL;

	static char prog[] = "provtap merge";

	argv[0] = prog;	/* getopt's own messages: "provtap merge: unrecognized option ..." */
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h':
			usage_merge(stdout);
			return 0;
		default:
			fprintf(stderr, "try `provtap merge --help`\n");
			return PT_EXIT_USAGE;
		}
	}
	if (!out || !*out || argc - optind < 2) {
		fprintf(stderr, "provtap merge: -o FILE and two recordings or more are required; try `provtap merge --help`\n");
		return PT_EXIT_USAGE;
	}
	if (argc - optind > MAX_INPUTS) {
		fprintf(stderr, "provtap merge: at most %d recordings\n", MAX_INPUTS);
		return PT_EXIT_USAGE;
	}
	have_out = !stat(out, &ost);
	if (pt_ptx_writable(out, err, sizeof(err))) {
		fprintf(stderr, "provtap merge: %s\n", err);
		return PT_EXIT_FAIL;
	}
	for (int i = optind; i < argc; i++, n++) {
		const char *path = argv[i], *eq = strchr(path, '=');
		char stem[64], tmp[4096];

		labels[n][0] = 0;
		if (eq && eq != path && (size_t)(eq - path) < sizeof(labels[n])) {
			snprintf(labels[n], sizeof(labels[n]), "%.*s", (int)(eq - path), path);
			path = eq + 1;
		}
		if (have_out && !stat(path, &ist) && ist.st_dev == ost.st_dev && ist.st_ino == ost.st_ino) {
			fprintf(stderr, "provtap merge: -o %s is the input %s: it would be replaced; give another "
				"output file\n", out, path);
			rc = PT_EXIT_USAGE;
			goto cleanup;
		}
		path_of[n] = path;
		if (pt_ptx_read(path, &in[n], err, sizeof(err))) {
			fprintf(stderr, "provtap merge: %s\n", err);
			goto cleanup;
		}
		snprintf(tmp, sizeof(tmp), "%s", path);
		snprintf(stem, sizeof(stem), "%s", basename(tmp));
		if (strlen(stem) > 4 && !strcmp(stem + strlen(stem) - 4, ".ptx"))
			stem[strlen(stem) - 4] = 0;
		if (!labels[n][0])
			snprintf(labels[n], sizeof(labels[n]), "=%.*s", (int)sizeof(labels[n]) - 2, stem);	/* '=': not given */
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = i + 1; k < n; k++)
			distinct = distinct && strcmp(in[i]->host, in[k]->host);
	for (unsigned i = 0; i < n; i++) {
		if (labels[i][0] == '=')
			memmove(labels[i], distinct ? in[i]->host : labels[i] + 1,
				strlen(distinct ? in[i]->host : labels[i] + 1) + 1);
		lab[i] = labels[i];
	}
	e = pt_ptx_merge((const struct pt_ptx *const *)in, lab, n, &x, &res, stderr, err, sizeof(err));
	if (e == -EEXIST) {	/* said with the files' names, not the input numbers */
		const struct pt_merge_same *s = &res.same;
		char w1[256], w2[256], cm[64], hn[96];

		fprintf(stderr, "provtap merge: %s and %s both hold process %u (%s) of host %s: the same run twice, "
			"or one of them is already merged into the other; give each recording once\n",
			pt_esc_word(w1, sizeof(w1), path_of[s->a], strlen(path_of[s->a])),
			pt_esc_word(w2, sizeof(w2), path_of[s->b], strlen(path_of[s->b])), s->pid,
			pt_esc_proc_name(cm, sizeof(cm), in[s->a], s->proc), pt_esc_text(hn, sizeof(hn), s->host));
		goto cleanup;
	}
	if (e || pt_ptx_write(x, out, err, sizeof(err))) {
		fprintf(stderr, "provtap merge: %s\n", err);
		goto cleanup;
	}
	fprintf(stderr, "provtap: merged %u recordings into %u hosts (", n, x->nhosts);
	for (__u32 h = 0; h < x->nhosts; h++) {
		char hn[96];

		fprintf(stderr, "%s%s", h ? ", " : "", pt_esc_text(hn, sizeof(hn), x->hosts[h].name));
	}
	fprintf(stderr, "); %u connection(s) joined across hosts%s\n", res.joined,
		res.disagree ? " (some disagree: see the warnings)" : "");
	pt_ptx_report(x, out, stderr);
	rc = 0;
cleanup:
	for (unsigned i = 0; i < n; i++)
		pt_ptx_free(in[i]);
	pt_ptx_free(x);
	return rc;
}
