// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* common/tmpfile.c: the umask read without setting it, and the temporary sibling's name, mode and errors. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "common/tmpfile.h"
#include "tests/support/checkrun.h"

START_TEST(test_umask_read)
{
	mode_t old = umask(027);

	ck_assert_uint_eq(pt_umask(), 027);
	ck_assert_uint_eq(pt_umask(), 027);	/* reading left it as it was */
	umask(0);
	ck_assert_uint_eq(pt_umask(), 0);
	umask(old);
}
END_TEST

START_TEST(test_tmp_beside)
{
	char dir[] = "/tmp/pt-tmpfile.XXXXXX", path[256], tmp[300], err[256] = "";
	mode_t old;
	struct stat st;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.ptx", dir);
	old = umask(027);
	fd = pt_tmp_beside(path, tmp, sizeof(tmp), err, sizeof(err));
	umask(old);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(strncmp(tmp, path, strlen(path)), 0);
	ck_assert_uint_eq(strlen(tmp), strlen(path) + strlen(".tmp.XXXXXX"));
	ck_assert_int_eq(strncmp(tmp + strlen(path), ".tmp.", 5), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);	/* open(0644) under umask 027 */
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
	ck_assert_int_eq(unlink(tmp), 0);

	/* a directory that is not there: -ENOENT, said, nothing made */
	snprintf(path, sizeof(path), "%s/no/out.ptx", dir);
	ck_assert_int_eq(pt_tmp_beside(path, tmp, sizeof(tmp), err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/no/out.ptx.tmp.XXXXXX: No such file or directory"));
	ck_assert_int_eq(pt_tmp_beside("", tmp, sizeof(tmp), err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "an empty output path");
	ck_assert_int_eq(pt_tmp_beside(path, tmp, 10, err, sizeof(err)), -ENAMETOOLONG);
	ck_assert_int_eq(rmdir(dir), 0);	/* empty: nothing was left */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tmpfile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_umask_read);
	tcase_add_test(tc, test_tmp_beside);
	suite_add_tcase(s, tc);
	return pt_check_run(s);
}
