// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "common/tmpfile.h"

mode_t pt_umask(void)
{
	char line[128];
	unsigned int mask = 022;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 022;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask: %o", &mask) == 1)
			break;
	fclose(f);
	return (mode_t)(mask & 0777);
}

int pt_tmp_beside(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen)
{
	int fd, rc;

	if (!*path) {
		snprintf(err, errlen, "an empty output path");
		return -EINVAL;
	}
	if ((size_t)snprintf(tmp, tmplen, "%s.tmp.XXXXXX", path) >= tmplen) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s.tmp.XXXXXX: %s", path, strerror(-rc));
		return rc;
	}
	if (fchmod(fd, 0644 & ~pt_umask())) {
		rc = -errno;
		snprintf(err, errlen, "cannot set the mode of %s: %s", tmp, strerror(-rc));
		close(fd);
		unlink(tmp);
		return rc;
	}
	return fd;
}
