// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_comm_words.c — bpf/comm_words.h (the process probes' command-name
 * test and copy on 64-bit words) agrees with the byte-wise rules they
 * replace: a name equals the scope's when the scope's characters and the
 * NUL after them are equal, whatever follows the task's NUL; a copied name
 * is zero from its first NUL on and in its 16th byte. Edge cases (empty, 7,
 * 8, 9, 15 characters, bytes 0x80/0xff/0x7f/0x01 that break naive word
 * tricks) and 500000 random pairs.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#include "bpf/comm_words.h"
#include "tests/support/checkrun.h"

#define LEN 16

static __u64 word(const unsigned char *b, int i)
{
	__u64 w;

	memcpy(&w, b + 8 * i, 8);	/* x86_64: little-endian, as the probes */
	return w;
}

/* the words agree with the byte rule (pt_comm_eq, which the "core" probes use) */
static void check_eq(const unsigned char *comm, const unsigned char *want)
{
	int w = pt_comm_eq_words(word(comm, 0), word(comm, 1), word(want, 0), word(want, 1));
	int b = pt_comm_eq((const char *)comm, (const char *)want);

	ck_assert_msg(w == b, "comm %.16s vs want %.16s: words %d, bytes %d", comm, want, w, b);
}

static void check_clean(const unsigned char *comm)
{
	unsigned char want[LEN] = { 0 }, got[LEN];
	__u64 o0, o1;

	for (int i = 0; i < LEN - 1 && comm[i]; i++)
		want[i] = comm[i];
	pt_comm_clean_words(word(comm, 0), word(comm, 1), &o0, &o1);
	memcpy(got, &o0, 8);
	memcpy(got + 8, &o1, 8);
	ck_assert_msg(!memcmp(got, want, LEN), "clean of %.16s", comm);
}

/* a NUL-padded scope name of the first n characters of s */
static void padded(unsigned char *out, const char *s, size_t n)
{
	memset(out, 0, LEN);
	memcpy(out, s, n);
}

START_TEST(test_edges)
{
	static const char *names[] = { "", "a", "rrload", "ptcomma", "ptcommab", "ptcommabc", "abcdefghijklmno" };
	unsigned char want[LEN], comm[LEN];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
			padded(want, names[i], strlen(names[i]));
			padded(comm, names[j], strlen(names[j]));
			check_eq(comm, want);
			ck_assert_int_eq(pt_comm_eq_words(word(comm, 0), word(comm, 1), word(want, 0), word(want, 1)),
					 i == j);
			/* garbage after the task's NUL does not count */
			if (strlen(names[j]) < LEN - 1) {
				memset(comm + strlen(names[j]) + 1, 0xff, LEN - strlen(names[j]) - 1);
				check_eq(comm, want);
				ck_assert_int_eq(pt_comm_eq_words(word(comm, 0), word(comm, 1), word(want, 0),
								  word(want, 1)), i == j);
				check_clean(comm);
			}
		}
	}
	/* a prefix is not a match, nor the name with one more character */
	padded(want, "rrload", 6);
	padded(comm, "rrloa", 5);
	check_eq(comm, want);
	padded(comm, "rrloadx", 7);
	check_eq(comm, want);
	/* high bytes (UTF-8 names) and bytes next to the word trick's carries */
	padded(want, "\x80\xff\x7f\x01", 4);
	padded(comm, "\x80\xff\x7f\x01", 4);
	check_eq(comm, want);
	ck_assert(pt_comm_eq_words(word(comm, 0), word(comm, 1), word(want, 0), word(want, 1)));
	comm[3] = 0x81;
	check_eq(comm, want);
	/* 16 bytes without a NUL: the copy ends it in the 16th byte */
	memset(comm, 'z', LEN);
	check_clean(comm);
}
END_TEST

START_TEST(test_random)
{
	static const unsigned char alphabet[] = { 0, 0, 'a', 'b', 0x80, 0xff, 0x7f, 0x01, 0xfe };
	unsigned char want[LEN], comm[LEN];
	unsigned int seed = 12345;

	for (int n = 0; n < 500000; n++) {
		size_t wl = rand_r(&seed) % LEN;

		/* a scope name: non-NUL characters, NUL-padded */
		memset(want, 0, LEN);
		for (size_t i = 0; i < wl; i++)
			want[i] = alphabet[2 + rand_r(&seed) % (sizeof(alphabet) - 2)];
		for (int i = 0; i < LEN; i++)
			comm[i] = alphabet[rand_r(&seed) % sizeof(alphabet)];
		if (rand_r(&seed) % 2)		/* often the same characters, so that matches occur */
			memcpy(comm, want, wl + (rand_r(&seed) % 2));
		check_eq(comm, want);
		check_clean(comm);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("comm_words");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);
	return pt_check_run(s);
}
