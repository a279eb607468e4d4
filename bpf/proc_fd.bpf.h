/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_fd.bpf.h — what an FD refers to (struct pt_fdinfo), read through
 * current->files with CO-RE, and sockaddrs read from user memory.
 * Include after proc_task.bpf.h.
 */
#ifndef PROVTAP_PROC_FD_BPF_H
#define PROVTAP_PROC_FD_BPF_H

/* Socket part of @fi from @sk (kernel pointer); TCP: raw write_seq/copied_seq. */
static __always_inline void pt_sock_fill(struct pt_fdinfo *fi, struct sock *sk)
{
	__u16 family, proto;

	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	proto = BPF_CORE_READ(sk, sk_protocol);
	fi->family = family;
	fi->sk_state = BPF_CORE_READ(sk, __sk_common.skc_state);
	fi->type = BPF_CORE_READ(sk, sk_type);
	/* proto is a __u8 in the record: IPPROTO_MPTCP (262) would read as TCP */
	fi->proto = proto > 255 ? 0 : proto;
	fi->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	fi->sk_netns_ino = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (family == PT_AF_INET) {
		bpf_core_read(fi->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(fi->raddr, 4, &sk->__sk_common.skc_daddr);
	} else if (family == PT_AF_INET6) {
		bpf_core_read(fi->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(fi->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		return;
	}
	fi->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	fi->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (proto == IPPROTO_TCP && fi->type == PT_SOCK_STREAM) {
		struct tcp_sock *tp = (void *)sk;

		fi->snd_seq = BPF_CORE_READ(tp, write_seq);
		fi->rcv_seq = BPF_CORE_READ(tp, copied_seq);
	}
}

/*
 * pt_file_fill - fill @fi (zeroed by the caller) with the object of the open
 * file @file (a kernel pointer, read with CO-RE only, so any task's file will
 * do: bpf/proc_seed.bpf.c fills seeded FDs with it). TCP: as pt_fd_resolve.
 * Returns the enum pt_fd_kind written, PT_FK_NONE when a read failed.
 */
static __always_inline int pt_file_fill(struct pt_fdinfo *fi, struct file *file)
{
	struct inode *inode;
	__u16 mode;
	__u8 kind;

	inode = BPF_CORE_READ(file, f_inode);
	if (!inode)
		return PT_FK_NONE;
	mode = BPF_CORE_READ(inode, i_mode);
	fi->ino = BPF_CORE_READ(inode, i_ino);
	fi->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	fi->pos = BPF_CORE_READ(file, f_pos);
	switch (mode & PT_S_IFMT) {
	case PT_S_IFREG:	kind = PT_FK_FILE; break;
	case PT_S_IFDIR:	kind = PT_FK_DIR; break;
	case PT_S_IFIFO:	kind = PT_FK_PIPE; break;
	case PT_S_IFSOCK:	kind = PT_FK_SOCKET; break;
	case PT_S_IFCHR:	kind = PT_FK_CHR; break;
	default:		kind = PT_FK_OTHER; break;
	}
	fi->kind = kind;
	if (kind == PT_FK_SOCKET) {
		struct socket *sock = BPF_CORE_READ(file, private_data);

		if (sock)
			pt_sock_fill(fi, BPF_CORE_READ(sock, sk));
	}
	return kind;
}

/*
 * pt_fd_resolve - fill @fi (zeroed by the caller) with the object behind @fd
 * of the current task, now. TCP: snd_seq/rcv_seq are write_seq/copied_seq as
 * they are now (callers rewind them for data calls). Returns the enum
 * pt_fd_kind written, PT_FK_NONE when fd is not open or a read failed (then
 * @fi may be partly filled with what was read before).
 */
__noinline int pt_fd_resolve(struct pt_fdinfo *fi, int fd)
{
	struct task_struct *task;
	struct fdtable *fdt;
	struct file **fdarr;
	struct file *file = NULL;
	unsigned int max;

	if (!fi || fd < 0)
		return PT_FK_NONE;
	task = (void *)bpf_get_current_task();
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return PT_FK_NONE;
	max = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned int)fd >= max)
		return PT_FK_NONE;
	fdarr = BPF_CORE_READ(fdt, fd);
	if (!fdarr || bpf_probe_read_kernel(&file, sizeof(file), &fdarr[fd]) || !file)
		return PT_FK_NONE;
	return pt_file_fill(fi, file);
}

/*
 * pt_uaddr_read - read the sockaddr of @len bytes at user address @uptr into
 * @ua (family, port in host order, address in network order; AF_UNIX and
 * other families: family only). Returns 1 when @ua holds an address, 0 when
 * there is none (@uptr 0, @len too short for its family), -1 when the read
 * failed. @ua is zeroed first.
 */
__noinline int pt_uaddr_read(struct pt_uaddr *ua, __u64 uptr, __u64 len)
{
	struct { __u16 family; __u16 port; __u32 flow; __u8 a6[16]; } in6;
	struct { __u16 family; __u16 port; __u8 a4[4]; } in4;
	__u16 family = 0;

	if (!ua)
		return 0;
	__builtin_memset(ua, 0, sizeof(*ua));
	if (!uptr || len < 2)
		return 0;
	if (bpf_probe_read_user(&family, sizeof(family), (void *)uptr))
		return -1;
	if (family == PT_AF_INET) {
		if (len < sizeof(in4))
			return 0;
		if (bpf_probe_read_user(&in4, sizeof(in4), (void *)uptr))
			return -1;
		ua->port = bpf_ntohs(in4.port);
		__builtin_memcpy(ua->addr, in4.a4, 4);
	} else if (family == PT_AF_INET6) {
		if (len < sizeof(in6))
			return 0;
		if (bpf_probe_read_user(&in6, sizeof(in6), (void *)uptr))
			return -1;
		ua->port = bpf_ntohs(in6.port);
		__builtin_memcpy(ua->addr, in6.a6, 16);
	}
	ua->family = family;
	return 1;
}

#endif /* PROVTAP_PROC_FD_BPF_H */
