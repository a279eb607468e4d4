// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "userland/findexe.h"

int pt_find_exe(const char *argv0, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	struct stat st;
	int err = -ENOENT;

	if (strchr(argv0, '/')) {
		snprintf(buf, len, "%s", argv0);
		if (stat(buf, &st))
			return -errno;
		return S_ISREG(st.st_mode) && !access(buf, X_OK) ? 0 : -EACCES;
	}
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (;;) {
		size_t n = strcspn(path, ":");

		/* an empty element (also a leading or trailing ':') is the current directory */
		snprintf(buf, len, "%.*s/%s", (int)(n ? n : 1), n ? path : ".", argv0);
		if (!stat(buf, &st) && S_ISREG(st.st_mode)) {
			if (!access(buf, X_OK))
				return 0;
			err = -EACCES;
		}
		if (!path[n])
			break;
		path += n + 1;
	}
	return err;
}

