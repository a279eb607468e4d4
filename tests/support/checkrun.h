/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* checkrun.h — the end of every check-based test program's main() (inline: the bench
 * programs link tests/support/ too, without libcheck). */
#ifndef PROVTAP_TESTS_CHECKRUN_H
#define PROVTAP_TESTS_CHECKRUN_H

#include <check.h>
#include <stdlib.h>

/*
 * Run every test of s with check's normal output (its "N%: Checks: ..."
 * summary is what tests/run-check.sh reads), free it. EXIT_SUCCESS when none
 * failed, else EXIT_FAILURE: main()'s return value.
 */
static inline int pt_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* PROVTAP_TESTS_CHECKRUN_H */
