/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ptx_show.h — a recording (userland/ptx.h) for people: the summary `record`
 * ends with, with a warning per thing the recording lacks, and the full
 * listing of `show` (processes, connections, peers, datagrams, files,
 * truncation and losses).
 */
#ifndef PROVTAP_PTX_SHOW_H
#define PROVTAP_PTX_SHOW_H

#include <stdio.h>
#include <linux/types.h>
#include "userland/ptx.h"

/* "10.0.0.1:80" or "[2001:db8::1]:443" into buf (>= 64 bytes). Returns buf. */
char *pt_ptx_fmt_ep(__u16 family, const __u8 *addr, __u16 port, char *buf, size_t len);

/*
 * One summary line (processes, connections, bytes, datagrams, files, into
 * name) and one "provtap: warning: " line per connection with gaps and for
 * kernel losses, to out.
 */
void pt_ptx_report(const struct pt_ptx *x, const char *name, FILE *out);

/* Everything in x, as tables, to out. */
void pt_ptx_show(const struct pt_ptx *x, const char *name, FILE *out);

#endif /* PROVTAP_PTX_SHOW_H */
