/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* findexe.h — the executable a command name means, as execvp(3) would find it. */
#ifndef PROVTAP_FINDEXE_H
#define PROVTAP_FINDEXE_H

#include <stddef.h>

/*
 * The path of the executable argv0 names into buf (len bytes): argv0 itself
 * when it has a '/', else the first match in $PATH (a default path when
 * unset). Returns 0, -ENOENT (not found) or -EACCES (found, not executable).
 * Resolving first lets a caller refuse a bad command before it starts anything.
 */
int pt_find_exe(const char *argv0, char *buf, size_t len);

#endif /* PROVTAP_FINDEXE_H */
