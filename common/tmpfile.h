/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tmpfile.h — the temporary sibling an output file is written under before it
 * is put in place (rename or link), so a reader never sees half a file.
 */
#ifndef PROVTAP_TMPFILE_H
#define PROVTAP_TMPFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * This process's file mode creation mask, read without changing it
 * (/proc/self/status "Umask:"; umask(2) can only be read by setting it, which
 * races with other threads creating files). 022 when it cannot be read.
 */
mode_t pt_umask(void);

/*
 * Create @path's temporary sibling "PATH.tmp.XXXXXX" into @tmp (@tmplen bytes)
 * with O_EXCL and O_CLOEXEC (never an existing file or a symbolic link planted
 * there) and the mode open(PATH, O_CREAT, 0644) would give it (mkstemp's is
 * 0600). Returns the fd; or -errno with @err filled and nothing left behind.
 */
int pt_tmp_beside(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen);

#endif /* PROVTAP_TMPFILE_H */
