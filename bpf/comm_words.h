/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * comm_words.h — task command names (16 bytes) as two little-endian 64-bit
 * words, for the process probes' hot path (bpf/proc_task.bpf.h, "btf": two
 * plain loads of task->comm instead of a byte loop), and the byte rule the
 * words replace. Plain C, so that tests/unit/test_comm_words.c checks the
 * words against it.
 * Byte i of a word is its bits 8i..8i+7. Include after the __u64 type.
 */
#ifndef PROVTAP_COMM_WORDS_H
#define PROVTAP_COMM_WORDS_H

/*
 * pt_comm_eq - the byte rule (the "core" probes, bpf_get_current_comm's copy):
 * 1 when task command name @comm (NUL-terminated within 16 bytes, anything
 * after its NUL) equals the wanted @want (NUL-padded), compared up to the NUL.
 */
static __always_inline int pt_comm_eq(const char *comm, const char *want)
{
	for (int i = 0; i < 16; i++) {
		if (comm[i] != want[i])
			return 0;
		if (!comm[i])
			break;
	}
	return 1;
}

/* 0xff in each byte of @w that is not NUL, 0 in the others */
static __always_inline __u64 pt_nz_bytes(__u64 w)
{
	__u64 y = ((w & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | w;

	return ((y & 0x8080808080808080ULL) >> 7) * 0xff;
}

/* 0xff in each byte of @w before its first NUL (every byte when it has none) */
static __always_inline __u64 pt_prefix_bytes(__u64 w)
{
	__u64 z = ~pt_nz_bytes(w);

	return (z & -z) - 1;
}

/*
 * pt_comm_eq_words - 1 when the task's name (@c0, @c1: NUL-terminated within
 * 16 bytes, anything after the NUL) equals the wanted one (@w0, @w1:
 * NUL-padded, at most 15 characters), else 0: the wanted characters and the
 * NUL after them must be equal, the bytes after it do not count.
 */
static __always_inline int pt_comm_eq_words(__u64 c0, __u64 c1, __u64 w0, __u64 w1)
{
	__u64 n0 = pt_nz_bytes(w0);
	__u64 m0 = (n0 << 8) | 0xff;
	__u64 m1 = n0 == ~0ULL ? (pt_nz_bytes(w1) << 8) | 0xff : 0;

	return !((c0 ^ w0) & m0) && !((c1 ^ w1) & m1);
}

/*
 * pt_comm_clean_words - the task's name (@c0, @c1) as bpf_get_current_comm
 * writes it: the characters before the first NUL, zeros from it on, the
 * 16th byte always 0. Into *@o0, *@o1.
 */
static __always_inline void pt_comm_clean_words(__u64 c0, __u64 c1, __u64 *o0, __u64 *o1)
{
	__u64 p0 = pt_prefix_bytes(c0);

	*o0 = c0 & p0;
	*o1 = p0 == ~0ULL ? c1 & pt_prefix_bytes(c1) & 0x00ffffffffffffffULL : 0;
}

#endif /* PROVTAP_COMM_WORDS_H */
