// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include "collector/privs.h"
#include "common/log.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

int pt_privs_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		pt_err("no user named '%s'", user);
		return -ENOENT;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int pt_privs_drop(const char *user, uid_t uid, gid_t gid)
{
	cap_value_t keep[] = { CAP_BPF };
	cap_t caps = NULL;
	int err = 0;

	/* nothing dropped here can come back, not even through exec of a setuid file */
	for (cap_value_t cv = 0; cv <= CAP_LAST_CAP; cv++) {
		if (cv != CAP_BPF && CAP_IS_SUPPORTED(cv) && prctl(PR_CAPBSET_DROP, cv, 0, 0, 0)) {
			err = -errno;
			pt_err("cannot drop capability %d from the bounding set: %s", cv, strerror(-err));
			return err;
		}
	}
	if (user) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid)) {
			err = -errno;
			pt_err("cannot switch to user %s: %s", user, strerror(-err));
			return err;
		}
	}
	caps = cap_init();
	if (!caps) {
		err = -errno;
		pt_err("cannot drop capabilities: %s", strerror(-err));
		return err;
	}
	if (CAP_IS_SUPPORTED(CAP_BPF) &&
	    (cap_set_flag(caps, CAP_PERMITTED, 1, keep, CAP_SET) ||
	     cap_set_flag(caps, CAP_EFFECTIVE, 1, keep, CAP_SET))) {
		err = -errno;
		goto cleanup;
	}
	if (cap_set_proc(caps)) {
		err = -errno;
		pt_err("cannot drop capabilities: %s", strerror(-err));
		goto cleanup;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		pt_err("cannot set no_new_privs: %s", strerror(-err));
	}
	pt_debug("privileges dropped (kept CAP_BPF)%s%s", user ? ", now user " : "", user ? user : "");
cleanup:
	cap_free(caps);
	return err;
}
