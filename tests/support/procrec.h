/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * procrec.h — synthetic records of the process probe family (bpf/proc.h) for
 * tests: fill a union prec with a builder, adjust fields if needed, then hand
 * &r.h to whatever consumes records. Builders zero the record first, set
 * type and len (including trailing data) and every field the kernel probe
 * would set for that event; fds not used are -1, info is zero (PT_FK_NONE).
 */
#ifndef PROVTAP_TEST_PROCREC_H
#define PROVTAP_TEST_PROCREC_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "bpf/pkt.h"
#include "bpf/proc.h"

union prec {
	struct pt_rec_hdr h;
	struct pt_proc proc;
	struct pt_sys sys;
	struct pt_data data;
	struct pt_chunk chunk;
	__u8 raw[sizeof(struct pt_data) + PT_CHUNK_MAX + PT_PATH_MAX + PT_ARGV_MAX];
};

/* The counter category (enum pt_proc_cat) of records of type, or -1 (not a proc family record). */
int prec_cat(__u16 type);

/* The task of thread tid of process (pid, start_ns) at ts: ppid 1, uid 0, comm (may be NULL: ""). */
struct pt_task prec_task(__u64 ts, __u32 pid, __u32 tid, __u64 start_ns, const char *comm);

/* FORK by parent of (child_pid, child_tid, child_start_ns); thread: PT_PRF_THREAD. */
void prec_fork(union prec *r, const struct pt_task *parent, __u32 child_pid, __u32 child_tid, __u64 child_start_ns,
	       bool thread);

/* EXEC (kind PT_PK_EXEC) or SEED (seed true) of filename with argv (NULL-terminated, may be NULL). */
void prec_exec(union prec *r, const struct pt_task *t, const char *filename, const char *const *argv, bool seed);

/* EXIT of t with wait status; group: PT_PRF_GROUP; PT_PRF_SIGNAL when status & 0x7f. */
void prec_exit(union prec *r, const struct pt_task *t, __s32 status, bool group);

/* A PT_REC_SYS call with ret, fd, newfd, newfd2 (args 0, info none, no path). */
void prec_sys(union prec *r, const struct pt_task *t, __u16 call, __s64 ret, __s32 fd, __s32 newfd, __s32 newfd2);

/* Append path (NUL included) to a PT_REC_SYS record: data_len and len grow. */
void prec_sys_path(union prec *r, const char *path);

/* info of a regular file (dev 8:1) with inode ino at file position pos. */
struct pt_fdinfo prec_file(__u64 ino, __u64 pos);

/* info of a pipe with inode ino. */
struct pt_fdinfo prec_pipe(__u64 ino);

/*
 * info of an IPv4 socket with inode ino: type (SOCK_STREAM/SOCK_DGRAM), proto,
 * local and remote "a.b.c.d" (NULL: 0.0.0.0) and ports, TCP snd/rcv seq,
 * state TCP_ESTABLISHED when connected (rport) else TCP_CLOSE.
 */
struct pt_fdinfo prec_sock4(__u64 ino, __u16 type, __u8 proto, const char *laddr, __u16 lport, const char *raddr,
			    __u16 rport, __u32 snd_seq, __u32 rcv_seq);

/*
 * A PT_REC_DATA call on fd in dir moving size bytes (ret = size) with
 * captured content bytes announced, the first cap_len of content inline.
 * offset -1, fd2 -1, msg_index 0.
 */
void prec_data(union prec *r, const struct pt_task *t, __u16 call, __u8 dir, __s32 fd, __u64 size,
	       const void *content, __u32 cap_len, __u64 captured);

/* A PT_REC_CHUNK with len bytes at off of the content of (tid, ts, msg). */
void prec_chunk(union prec *r, __u32 tid, __u64 ts, __u16 msg, __u64 off, const void *bytes, __u32 len);

#endif /* PROVTAP_TEST_PROCREC_H */
