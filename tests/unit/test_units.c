// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_units.c — common/units.c, the sizes, durations and numbers every
 * command line option goes through: each suffix's scale, exact suffix
 * matching (no "10 GiB", "5mins", "1.5G"), overflow as -ERANGE, ranges, and
 * the output left alone on error.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include "common/units.h"
#include "tests/support/checkrun.h"

#define KI (1ULL << 10)
#define S 1000000000ULL

struct ok_case {
	const char *in;
	__u64 want;
};

START_TEST(test_sizes)
{
	static const struct ok_case ok[] = {
		{ "0", 0 }, { "4096", 4096 }, { "7B", 7 }, { "512k", 512 * KI }, { "512K", 512 * KI },
		{ "3KiB", 3 * KI }, { "3KB", 3 * KI }, { "64M", 64 * KI * KI }, { "64MiB", 64 * KI * KI },
		{ "64MB", 64 * KI * KI }, { "10G", 10 * KI * KI * KI }, { "10GiB", 10 * KI * KI * KI },
		{ "2TiB", 2 * KI * KI * KI * KI }, { "16777215TiB", 16777215ULL << 40 },
	};
	static const char *const einval[] = { "", "k", "-1", " 1", "1 ", "10 GiB", "1.5G", "1m", "1mb", "1Kib",
					      "1GiBs", "0x10", "1PiB" };
	__u64 v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 12345;
		ck_assert_msg(!pt_parse_size(ok[i].in, &v) && v == ok[i].want, "'%s' -> %llu, want %llu", ok[i].in,
			      (unsigned long long)v, (unsigned long long)ok[i].want);
	}
	for (size_t i = 0; i < sizeof(einval) / sizeof(einval[0]); i++) {
		v = 12345;
		ck_assert_msg(pt_parse_size(einval[i], &v) == -EINVAL, "'%s' accepted", einval[i]);
		ck_assert_uint_eq(v, 12345);
	}
	v = 12345;
	ck_assert_int_eq(pt_parse_size("16777216TiB", &v), -ERANGE);	/* 2^64 */
	ck_assert_int_eq(pt_parse_size("99999999999999999999", &v), -ERANGE);
	ck_assert_uint_eq(v, 12345);
	ck_assert_int_eq(pt_parse_size(NULL, &v), -EINVAL);
}
END_TEST

START_TEST(test_durations)
{
	static const struct ok_case ok[] = {
		{ "0s", 0 }, { "10ns", 10 }, { "1500us", 1500000 }, { "100ms", 100000000 }, { "90s", 90 * S },
		{ "5m", 300 * S }, { "5min", 300 * S }, { "2h", 7200 * S }, { "7d", 7 * 86400 * S },
		{ "1w", 7 * 86400 * S },
	};
	static const char *const einval[] = { "", "5", "s", "5 s", "5mins", "5M", "1.5s", "-1s", "5sec", "5H" };
	__u64 v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 12345;
		ck_assert_msg(!pt_parse_duration(ok[i].in, &v) && v == ok[i].want, "'%s' -> %llu, want %llu",
			      ok[i].in, (unsigned long long)v, (unsigned long long)ok[i].want);
	}
	for (size_t i = 0; i < sizeof(einval) / sizeof(einval[0]); i++) {
		v = 12345;
		ck_assert_msg(pt_parse_duration(einval[i], &v) == -EINVAL, "'%s' accepted", einval[i]);
		ck_assert_uint_eq(v, 12345);
	}
	ck_assert_int_eq(pt_parse_duration("30501w", &v), -ERANGE);	/* > 2^64 ns */
	ck_assert_int_eq(pt_parse_duration("30500w", &v), 0);
	ck_assert_uint_eq(v, 30500ULL * 7 * 86400 * S);
}
END_TEST

START_TEST(test_numbers)
{
	__u64 v = 7;

	ck_assert_int_eq(pt_parse_u64("1", 1, 10, &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(pt_parse_u64("10", 1, 10, &v), 0);
	ck_assert_uint_eq(v, 10);
	v = 7;
	ck_assert_int_eq(pt_parse_u64("0", 1, 10, &v), -ERANGE);
	ck_assert_int_eq(pt_parse_u64("11", 1, 10, &v), -ERANGE);
	ck_assert_int_eq(pt_parse_u64("5k", 1, 10, &v), -EINVAL);
	ck_assert_int_eq(pt_parse_u64("-5", 0, 10, &v), -EINVAL);
	ck_assert_int_eq(pt_parse_u64("", 0, 10, &v), -EINVAL);
	ck_assert_int_eq(pt_parse_u64("18446744073709551616", 0, ~0ULL, &v), -ERANGE);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(pt_parse_u64("18446744073709551615", 0, ~0ULL, &v), 0);
	ck_assert_uint_eq(v, ~0ULL);
}
END_TEST

START_TEST(test_rfc3339)
{
	char b[40];

	ck_assert_str_eq(pt_fmt_rfc3339(0, b, sizeof(b)), "1970-01-01T00:00:00.000000000Z");
	ck_assert_str_eq(pt_fmt_rfc3339(1795465981123456789ULL, b, sizeof(b)), "2026-11-23T20:33:01.123456789Z");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_rfc3339);
	suite_add_tcase(s, tc);
	return pt_check_run(s);
}
