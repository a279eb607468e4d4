/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_fd.bpf.h — what an FD refers to (struct pt_fdinfo), read through
 * current->files with CO-RE, and sockaddrs read from user memory.
 *
 * Cost: a data call resolves its FD at exit, so this is the probes' hot path.
 * bpf_probe_read_kernel costs about as much per call as per hundred bytes, so
 * the struct file, the inode and the sock_common are each read as one block
 * of PT_BLK bytes (PT_BLK_GET takes a field from the block, or reads it alone
 * when this kernel's layout puts it past the block); the FD table is reached
 * with plain loads in the "btf" variant (proc_maps.bpf.h, pt_btf). A TCP
 * socket costs ten reads.
 * Include after proc_task.bpf.h.
 */
#ifndef PROVTAP_PROC_FD_BPF_H
#define PROVTAP_PROC_FD_BPF_H

#define PT_BLK			160	/* bytes of a struct file, inode, sock_common read at once */

/*
 * PT_BLK_GET(blk, n, p, type, field): the value of @field of the kernel object
 * @p of @type, from @blk (a __u64 array holding the object's first @n bytes),
 * or read alone when this kernel has it past them. @n and the offset are
 * CO-RE constants: the verifier keeps one of the two branches.
 */
#define PT_BLK_GET(blk, n, p, type, field)					\
	PT_BLK_GET_T(blk, n, p, type, field, typeof(((type *)0)->field))

/* PT_BLK_GET with the field's value type @vt given (a volatile field) */
#define PT_BLK_GET_T(blk, n, p, type, field, vt) ({				\
	vt __v = 0;								\
	__u32 __o = bpf_core_field_offset(type, field);				\
									\
	if (pt_cast)								\
		__v = PT_CAST(type, p)->field;					\
	else if (__o + sizeof(__v) <= (n))					\
		__v = *(typeof(__v) *)((void *)(blk) + __o);			\
	else									\
		bpf_core_read(&__v, sizeof(__v), &((type *)(p))->field);	\
	__v;									\
})

/*
 * Read the first min(size of @type, PT_BLK) bytes of @p into @blk; returns
 * that length, 0 when the read failed. With pt_cast nothing is read (PT_BLK_GET
 * loads the fields): returns 1.
 */
#define PT_BLK_READ(blk, p, type) ({						\
	__u32 __n = bpf_core_type_size(type);					\
									\
	if (__n > PT_BLK)							\
		__n = PT_BLK;							\
	if (pt_cast)								\
		__n = 1;							\
	else if (bpf_probe_read_kernel(blk, __n, p))				\
		__n = 0;							\
	__n;									\
})

/* 1 when @fi is an IPv4/IPv6 socket. */
static __always_inline int pt_fi_inet(const struct pt_fdinfo *fi)
{
	return fi->kind == PT_FK_SOCKET && (fi->family == PT_AF_INET || fi->family == PT_AF_INET6);
}

/* 1 when @fi is a TCP socket (IPv4/IPv6 stream, IPPROTO_TCP). */
static __always_inline int pt_fi_tcp(const struct pt_fdinfo *fi)
{
	return pt_fi_inet(fi) && fi->proto == IPPROTO_TCP && fi->type == PT_SOCK_STREAM;
}

/*
 * Socket part of @fi from @sk (kernel pointer); TCP: raw write_seq and
 * copied_seq. Returns 1 for a TCP socket, else 0.
 */
static __always_inline int pt_sock_fill(struct pt_fdinfo *fi, struct sock *sk, __u64 *cb)
{
	struct sock_common *skc = (void *)sk;
	__u16 family, proto, type;
	__u32 n, po, to, pt = 0;
	struct net *net;

	if (!sk)
		return 0;
	n = PT_BLK_READ(cb, sk, struct sock_common);
	family = PT_BLK_GET(cb, n, skc, struct sock_common, skc_family);
	fi->family = family;
	fi->sk_state = PT_BLK_GET_T(cb, n, skc, struct sock_common, skc_state, __u8);
	fi->cookie = PT_BLK_GET(cb, n, skc, struct sock_common, skc_cookie.counter);
	/* sk_protocol and sk_type: one read when they are neighbours */
	po = bpf_core_field_offset(struct sock, sk_protocol);
	to = bpf_core_field_offset(struct sock, sk_type);
	if (!pt_cast && bpf_core_field_size(struct sock, sk_protocol) == 2 &&
	    bpf_core_field_size(struct sock, sk_type) == 2 && to == po + 2) {
		bpf_probe_read_kernel(&pt, sizeof(pt), (void *)sk + po);
		proto = pt & 0xffff;
		type = pt >> 16;
	} else {
		proto = PT_RD(sk, struct sock, sk_protocol);
		type = PT_RD(sk, struct sock, sk_type);
	}
	fi->type = type;
	/* proto is a __u8 in the record: IPPROTO_MPTCP (262) would read as TCP */
	fi->proto = proto > 255 ? 0 : proto;
	net = PT_BLK_GET(cb, n, skc, struct sock_common, skc_net.net);
	fi->sk_netns_ino = PT_RD(net, struct net, ns.inum);
	if (family == PT_AF_INET) {
		*(__u32 *)fi->laddr = PT_BLK_GET(cb, n, skc, struct sock_common, skc_rcv_saddr);
		*(__u32 *)fi->raddr = PT_BLK_GET(cb, n, skc, struct sock_common, skc_daddr);
	} else if (family == PT_AF_INET6) {
		*(__u64 *)fi->laddr = PT_BLK_GET(cb, n, skc, struct sock_common, skc_v6_rcv_saddr.in6_u.u6_addr32[0]) |
				      (__u64)PT_BLK_GET(cb, n, skc, struct sock_common,
							 skc_v6_rcv_saddr.in6_u.u6_addr32[1]) << 32;
		*(__u64 *)(fi->laddr + 8) =
			PT_BLK_GET(cb, n, skc, struct sock_common, skc_v6_rcv_saddr.in6_u.u6_addr32[2]) |
			(__u64)PT_BLK_GET(cb, n, skc, struct sock_common, skc_v6_rcv_saddr.in6_u.u6_addr32[3]) << 32;
		*(__u64 *)fi->raddr = PT_BLK_GET(cb, n, skc, struct sock_common, skc_v6_daddr.in6_u.u6_addr32[0]) |
				      (__u64)PT_BLK_GET(cb, n, skc, struct sock_common,
							 skc_v6_daddr.in6_u.u6_addr32[1]) << 32;
		*(__u64 *)(fi->raddr + 8) =
			PT_BLK_GET(cb, n, skc, struct sock_common, skc_v6_daddr.in6_u.u6_addr32[2]) |
			(__u64)PT_BLK_GET(cb, n, skc, struct sock_common, skc_v6_daddr.in6_u.u6_addr32[3]) << 32;
	} else {
		return 0;
	}
	fi->lport = PT_BLK_GET(cb, n, skc, struct sock_common, skc_num);
	fi->rport = bpf_ntohs(PT_BLK_GET(cb, n, skc, struct sock_common, skc_dport));
	if (proto == IPPROTO_TCP && type == PT_SOCK_STREAM) {
		struct tcp_sock *tp = (void *)sk;

		fi->snd_seq = PT_RD(tp, struct tcp_sock, write_seq);
		fi->rcv_seq = PT_RD(tp, struct tcp_sock, copied_seq);
		return 1;
	}
	return 0;
}

/*
 * pt_file_fill_ptrs - fill @fi (zeroed by the caller) with the object of the
 * open file @file (a kernel pointer read with PT_RD: CO-RE, or plain loads
 * through bpf_rdonly_cast in "btf-cast"; any task's file will do:
 * bpf/proc_seed.bpf.c fills seeded FDs with it). TCP: as
 * pt_fd_resolve. @pp (may be NULL): the file and, for a TCP socket, its sock.
 * Returns the enum pt_fd_kind written, PT_FK_NONE when a read failed.
 */
static __always_inline int pt_file_fill_ptrs(struct pt_fdinfo *fi, struct file *file,
					     struct pt_fdptrs *pp)
{
	__u64 blk[PT_BLK / 8];
	struct super_block *sb;
	struct socket *sock;
	struct inode *inode;
	__u16 mode;
	__u32 n;
	__u8 kind;

	if (pp) {
		pp->file = (__u64)file;
		pp->sk = 0;
	}
	n = PT_BLK_READ(blk, file, struct file);
	if (!n)
		return PT_FK_NONE;
	inode = PT_BLK_GET(blk, n, file, struct file, f_inode);
	fi->pos = PT_BLK_GET(blk, n, file, struct file, f_pos);
	sock = PT_BLK_GET(blk, n, file, struct file, private_data);
	if (!inode)
		return PT_FK_NONE;
	n = PT_BLK_READ(blk, inode, struct inode);
	mode = PT_BLK_GET(blk, n, inode, struct inode, i_mode);
	fi->ino = PT_BLK_GET(blk, n, inode, struct inode, i_ino);
	sb = PT_BLK_GET(blk, n, inode, struct inode, i_sb);
	fi->dev = PT_RD(sb, struct super_block, s_dev);
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
		struct sock *sk = sock ? PT_RD(sock, struct socket, sk) : NULL;

		if (pt_sock_fill(fi, sk, blk) && pp)
			pp->sk = (__u64)sk;
	}
	return kind;
}

/* pt_file_fill_ptrs without the pointers. */
static __always_inline int pt_file_fill(struct pt_fdinfo *fi, struct file *file)
{
	return pt_file_fill_ptrs(fi, file, NULL);
}

/*
 * pt_fd_file - the struct file of @fd in the current task's FD table, now;
 * NULL when @fd is not open (or a read failed).
 */
static __always_inline struct file *pt_fd_file(int fd)
{
	struct file **fdarr;
	struct file *file = NULL;
	struct fdtable *fdt;
	unsigned int max;

	if (fd < 0)
		return NULL;
	if (pt_btf) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct files_struct *files = task->files;

		if (!files)
			return NULL;
		fdt = files->fdt;
		if (!fdt)
			return NULL;
		max = fdt->max_fds;
		fdarr = fdt->fd;
	} else {
		struct task_struct *task = (void *)bpf_get_current_task();

		fdt = BPF_CORE_READ(task, files, fdt);
		if (!fdt)
			return NULL;
		max = BPF_CORE_READ(fdt, max_fds);
		fdarr = BPF_CORE_READ(fdt, fd);
	}
	if ((unsigned int)fd >= max || !fdarr)
		return NULL;
	if (pt_cast) {
		/* the slot as a kernel struct holding one pointer: a plain load,
		 * not a bpf_probe_read_kernel call (~25 ns on a data call) */
		struct llist_node *slot = PT_CAST(struct llist_node, (__u64)fdarr + (__u64)fd * sizeof(file));

		return (struct file *)slot->next;
	}
	if (bpf_probe_read_kernel(&file, sizeof(file), &fdarr[fd]))
		return NULL;
	return file;
}

/*
 * pt_fd_resolve - fill @fi (zeroed by the caller) with the object behind @fd
 * of the current task, now; @pp (not NULL) gets its file and TCP sock
 * pointers (0 when none). TCP: snd_seq/rcv_seq are write_seq/copied_seq as
 * they are now (callers rewind them for data calls). Returns the enum
 * pt_fd_kind written, PT_FK_NONE when fd is not open or a read failed (then
 * @fi may be partly filled with what was read before).
 */
__noinline int pt_fd_resolve(struct pt_fdinfo *fi, int fd, struct pt_fdptrs *pp)
{
	struct file *file;

	if (!fi || !pp)
		return PT_FK_NONE;
	pp->file = 0;
	pp->sk = 0;
	file = pt_fd_file(fd);
	if (!file)
		return PT_FK_NONE;
	return pt_file_fill_ptrs(fi, file, pp);
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
