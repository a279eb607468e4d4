// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * procrec.c — synthetic process probe records for tests (see procrec.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "procrec.h"

int prec_cat(__u16 type)
{
	switch (type) {
	case PT_REC_PROC: return PT_PC_PROC;
	case PT_REC_SYS: return PT_PC_SYS;
	case PT_REC_DATA: return PT_PC_DATA;
	case PT_REC_CHUNK: return PT_PC_CHUNK;
	}
	return -1;
}

struct pt_task prec_task(__u64 ts, __u32 pid, __u32 tid, __u64 start_ns, const char *comm)
{
	struct pt_task t;

	memset(&t, 0, sizeof(t));
	t.ts_ns = ts;
	t.start_ns = start_ns;
	t.pid = pid;
	t.tid = tid;
	t.ppid = 1;
	t.cgroup_id = 1;
	t.netns_ino = 4026531840ull;
	if (comm)
		strncpy(t.comm, comm, PT_COMM_LEN - 1);
	return t;
}

void prec_fork(union prec *r, const struct pt_task *parent, __u32 child_pid, __u32 child_tid, __u64 child_start_ns,
	       bool thread)
{
	memset(r, 0, sizeof(struct pt_proc));
	r->proc.type = PT_REC_PROC;
	r->proc.len = sizeof(struct pt_proc);
	r->proc.kind = PT_PK_FORK;
	r->proc.flags = thread ? PT_PRF_THREAD : 0;
	r->proc.task = *parent;
	r->proc.child_pid = child_pid;
	r->proc.child_tid = child_tid;
	r->proc.child_start_ns = child_start_ns;
}

void prec_exec(union prec *r, const struct pt_task *t, const char *filename, const char *const *argv, bool seed)
{
	__u8 *d = r->raw + sizeof(struct pt_proc);
	size_t n = strlen(filename) + 1, k = 0;

	memset(r, 0, sizeof(struct pt_proc));
	r->proc.type = PT_REC_PROC;
	r->proc.kind = seed ? PT_PK_SEED : PT_PK_EXEC;
	r->proc.task = *t;
	memcpy(d, filename, n);
	r->proc.path_len = (__u16)n;
	for (; argv && argv[k]; k++) {
		size_t a = strlen(argv[k]) + 1;

		memcpy(d + n, argv[k], a);
		n += a;
	}
	r->proc.argc = (__u32)k;
	r->proc.data_len = (__u16)n;
	r->proc.len = (__u16)(sizeof(struct pt_proc) + n);
}

void prec_exit(union prec *r, const struct pt_task *t, __s32 status, bool group)
{
	memset(r, 0, sizeof(struct pt_proc));
	r->proc.type = PT_REC_PROC;
	r->proc.len = sizeof(struct pt_proc);
	r->proc.kind = PT_PK_EXIT;
	r->proc.flags = (group ? PT_PRF_GROUP : 0) | ((status & 0x7f) ? PT_PRF_SIGNAL : 0);
	r->proc.task = *t;
	r->proc.exit_code = status;
}

void prec_sys(union prec *r, const struct pt_task *t, __u16 call, __s64 ret, __s32 fd, __s32 newfd, __s32 newfd2)
{
	memset(r, 0, sizeof(struct pt_sys));
	r->sys.type = PT_REC_SYS;
	r->sys.len = sizeof(struct pt_sys);
	r->sys.call = call;
	r->sys.task = *t;
	r->sys.ret = ret;
	r->sys.fd = fd;
	r->sys.newfd = newfd;
	r->sys.newfd2 = newfd2;
}

void prec_sys_path(union prec *r, const char *path)
{
	size_t n = strlen(path) + 1;

	memcpy(r->raw + sizeof(struct pt_sys) + r->sys.data_len, path, n);
	r->sys.data_len = (__u16)(r->sys.data_len + n);
	r->sys.len = (__u16)(sizeof(struct pt_sys) + r->sys.data_len);
}

struct pt_fdinfo prec_file(__u64 ino, __u64 pos)
{
	struct pt_fdinfo i;

	memset(&i, 0, sizeof(i));
	i.kind = PT_FK_FILE;
	i.dev = 8 << 20 | 1;
	i.ino = ino;
	i.pos = pos;
	return i;
}

struct pt_fdinfo prec_pipe(__u64 ino)
{
	struct pt_fdinfo i;

	memset(&i, 0, sizeof(i));
	i.kind = PT_FK_PIPE;
	i.dev = 14;
	i.ino = ino;
	return i;
}

struct pt_fdinfo prec_sock4(__u64 ino, __u16 type, __u8 proto, const char *laddr, __u16 lport, const char *raddr,
			    __u16 rport, __u32 snd_seq, __u32 rcv_seq)
{
	struct pt_fdinfo i;

	memset(&i, 0, sizeof(i));
	i.kind = PT_FK_SOCKET;
	i.sk_state = rport ? TCP_ESTABLISHED : TCP_CLOSE;
	i.family = AF_INET;
	i.type = type;
	i.proto = proto;
	i.dev = 9;
	i.ino = ino;
	i.sk_netns_ino = 4026531840ull;
	if (laddr)
		inet_pton(AF_INET, laddr, i.laddr);
	if (raddr)
		inet_pton(AF_INET, raddr, i.raddr);
	i.lport = lport;
	i.rport = rport;
	i.snd_seq = snd_seq;
	i.rcv_seq = rcv_seq;
	return i;
}

void prec_data(union prec *r, const struct pt_task *t, __u16 call, __u8 dir, __s32 fd, __u64 size,
	       const void *content, __u32 cap_len, __u64 captured)
{
	memset(r, 0, sizeof(struct pt_data));
	r->data.type = PT_REC_DATA;
	r->data.len = (__u16)(sizeof(struct pt_data) + cap_len);
	r->data.call = call;
	r->data.task = *t;
	r->data.ret = (__s64)size;
	r->data.fd = fd;
	r->data.fd2 = -1;
	r->data.size = size;
	r->data.captured = captured;
	r->data.offset = -1;
	r->data.cap_len = cap_len;
	r->data.dir = dir;
	if (cap_len)
		memcpy(r->raw + sizeof(struct pt_data), content, cap_len);
}

void prec_chunk(union prec *r, __u32 tid, __u64 ts, __u16 msg, __u64 off, const void *bytes, __u32 len)
{
	memset(r, 0, sizeof(struct pt_chunk));
	r->chunk.type = PT_REC_CHUNK;
	r->chunk.len = (__u16)(sizeof(struct pt_chunk) + len);
	r->chunk.tid = tid;
	r->chunk.ts_ns = ts;
	r->chunk.off = off;
	r->chunk.msg_index = msg;
	if (len)
		memcpy(r->raw + sizeof(struct pt_chunk), bytes, len);
}
