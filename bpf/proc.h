/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc.h — the process/FD/socket probe family's wire contract, shared by the
 * BPF programs (bpf/proc.bpf.c), the loader, the collector, the store, the
 * query engine and the tests. Same rules as pkt.h: fixed-width, explicitly
 * padded, copied byte for byte from the ring buffer into the store; change a
 * layout only together with PT_PROC_VERSION. Record types continue pkt.h's
 * enum pt_rec_type (include pkt.h first).
 *
 * Records (all start with struct pt_rec_hdr):
 *   PT_REC_PROC   struct pt_proc    fork, exec, exit (sched tracepoints), and
 *                                   processes seeded at load (task iterators,
 *                                   bpf/proc_seed.bpf.c)
 *   PT_REC_SYS    struct pt_sys     FD-table and socket calls: socket, bind,
 *                                   connect, accept, close, dup, fcntl, pipe,
 *                                   open, shutdown, ... (and seeded FDs)
 *   PT_REC_DATA   struct pt_data    one data call (read/write/send/recv
 *                                   families, sendfile), with the first
 *                                   content chunk inline when --content is on
 *   PT_REC_CHUNK  struct pt_chunk   the rest of a call's content, in order
 *
 * Identities: a process is (pid, start_ns) on its host; a thread adds tid.
 * A socket is its inode (task.netns_ino disambiguates nothing: inodes are
 * unique per sockfs mount, i.e. per host) plus cookie when the kernel has
 * assigned one. Calls that fail are recorded too (ret < 0), so a user sees
 * the refused connect, the EBADF close, the EAGAIN read.
 *
 * Include after vmlinux.h (BPF side) or after <linux/types.h> (user side).
 */
#ifndef PROVTAP_PROC_H
#define PROVTAP_PROC_H

#define PT_PROC_VERSION		1

#define PT_REC_PROC		7
#define PT_REC_SYS		8
#define PT_REC_DATA		9
#define PT_REC_CHUNK		10

#define PT_COMM_LEN		16
#define PT_CONTENT_MAX		65536	/* largest `probe load --content`; content is read in
					 * windows of this size */
#define PT_CALL_CONTENT_MAX	(1u << 20)	/* largest content per call of any load
						 * (provtap record's) */
#define PT_CHUNK_MAX		4096	/* content bytes in one record (inline or CHUNK) */
#define PT_IOV_MAX		32	/* iovec entries (readv/writev/sendmsg/recvmsg) read */
#define PT_MMSG_MAX		16	/* messages of sendmmsg/recvmmsg recorded per call */
#define PT_PATH_MAX		256	/* bytes of a path (open*, execve filename) kept */
#define PT_ARGV_MAX		1024	/* bytes of argv (NUL-separated) kept per exec */
#define PT_PIDTREE_MAX		65536	/* processes followed by --pid-tree */

/* Who did it. First member of every kernel record after the type/len header. */
struct pt_task {
	__u64 ts_ns;		/* CLOCK_BOOTTIME ns (bpf_ktime_get_boot_ns) at the event */
	__u64 start_ns;		/* process start: group leader's start_boottime (ns);
				 * (pid, start_ns) names the process across pid reuse */
	__u32 pid;		/* tgid, in the initial pid namespace */
	__u32 tid;		/* thread id, initial pid namespace */
	__u32 ppid;		/* real parent's tgid at the event */
	__u32 uid;		/* real uid */
	__u64 cgroup_id;	/* cgroup v2 id (bpf_get_current_cgroup_id) */
	__u64 netns_ino;	/* inode of the task's network namespace */
	char  comm[PT_COMM_LEN];	/* NUL-terminated */
};

_Static_assert(sizeof(struct pt_task) == 64, "struct pt_task is part of the store format");

/* ---- process events ---- */

enum pt_proc_kind {
	PT_PK_FORK	= 1,	/* task = parent (the forking thread); child_* = new task */
	PT_PK_EXEC	= 2,	/* task = after exec (comm updated); data = filename\0argv */
	PT_PK_EXIT	= 3,	/* task = the exiting thread; exit_code set */
	PT_PK_SEED	= 4,	/* a process alive when the probes were attached (BPF task
				 * iterator, once per process): task = its thread-group
				 * leader (tid == pid; other threads are not seeded), ts_ns
				 * = when seeded, start_ns exact; data = exe path\0argv
				 * like EXEC: the path of mm->exe_file from the root of its
				 * mount namespace, argv read from its memory (argc the
				 * strings kept); PT_PRF_FAULT: no exe (the leader has
				 * exited) or argv unread (a read failed, or the kernel
				 * cannot run the sleepable iterator: then argc 0) */
};

enum pt_proc_flag {
	PT_PRF_THREAD	= 1 << 0,	/* FORK created a thread (child_pid == task.pid) */
	PT_PRF_GROUP	= 1 << 1,	/* EXIT of the last thread: the process is gone */
	PT_PRF_ARGV_TRUNC = 1 << 2,	/* argv longer than PT_ARGV_MAX (or argc > kept) */
	PT_PRF_PATH_TRUNC = 1 << 3,	/* filename longer than PT_PATH_MAX */
	PT_PRF_FAULT	= 1 << 4,	/* reading argv/filename failed: data is partial */
	PT_PRF_SIGNAL	= 1 << 5,	/* EXIT: killed by a signal (exit_code & 0x7f) */
	PT_PRF_UNFOLLOWED = 1 << 6,	/* FORK under PT_SCOPE_PIDTREE: the child could not be
					 * added to pt_ptree (full): its events are not recorded */
	PT_PRF_SHARED_FILES = 1 << 7,	/* FORK: the child shares the parent's FD table
					 * (CLONE_FILES): set for ordinary threads, and for a
					 * process made with CLONE_FILES but not CLONE_THREAD */
};

/*
 * PT_REC_PROC. For EXEC and SEED, data_len bytes follow: the filename
 * (NUL-terminated, at most PT_PATH_MAX with the NUL), then argv as consecutive
 * NUL-terminated strings (argc of them, at most PT_ARGV_MAX bytes).
 */
struct pt_proc {
	__u16 type;		/* PT_REC_PROC */
	__u16 len;		/* sizeof(struct pt_proc) + data_len */
	__u8  kind;		/* enum pt_proc_kind */
	__u8  pad0;
	__u16 flags;		/* enum pt_proc_flag */
	struct pt_task task;
	__u32 child_pid;	/* FORK: the new task's tgid (== task.pid for a thread) */
	__u32 child_tid;	/* FORK: the new task's tid */
	__u64 child_start_ns;	/* FORK: the new process's start_ns (its own for a process) */
	__s32 exit_code;	/* EXIT: wait status (code << 8 | signal), group's when PT_PRF_GROUP */
	__u32 old_tid;		/* EXEC: tid before exec (a non-leader thread's exec takes the pid) */
	__u32 argc;		/* EXEC/SEED: arguments in the data (kept ones) */
	__u16 data_len;		/* bytes after the struct */
	__u16 path_len;		/* EXEC/SEED: bytes of the filename incl. its NUL */
	/* __u8 data[data_len] follows */
};

_Static_assert(sizeof(struct pt_proc) == 104, "struct pt_proc is part of the store format");

/* ---- what an FD refers to ---- */

enum pt_fd_kind {
	PT_FK_NONE	= 0,	/* not resolved (fd not open at exit, or read failed) */
	PT_FK_FILE	= 1,	/* regular file */
	PT_FK_DIR	= 2,
	PT_FK_PIPE	= 3,	/* pipe or FIFO */
	PT_FK_SOCKET	= 4,
	PT_FK_CHR	= 5,	/* character device (tty, /dev/null, ...) */
	PT_FK_OTHER	= 6,	/* eventfd, epoll, anon inodes, block devices, ... */
};

/*
 * The object behind an FD at the time of the call, read through
 * current->files with CO-RE. Addresses are network order (IPv4 in the first
 * 4 bytes, AF_UNIX: zero); ports host order. TCP sequence numbers are raw
 * (not relative to the ISN): user space turns them into stream offsets and
 * joins them with the seq of packet records.
 */
struct pt_fdinfo {
	__u8  kind;		/* enum pt_fd_kind */
	__u8  sk_state;		/* socket: skc_state (TCP_ESTABLISHED, ...) */
	__u16 family;		/* socket: AF_INET, AF_INET6, AF_UNIX, ... */
	__u16 type;		/* socket: SOCK_STREAM, SOCK_DGRAM, ... */
	__u8  proto;		/* socket: IPPROTO_TCP, IPPROTO_UDP, ... (sk_protocol) */
	__u8  pad0;
	__u32 dev;		/* inode's superblock s_dev (files, pipes, sockets), kernel
				 * encoding MAJOR << 20 | MINOR: stat's st_dev is
				 * makedev(dev >> 20, dev & 0xfffff) */
	__u32 pad1;
	__u64 ino;		/* inode number (sockets: the socket inode) */
	__u64 cookie;		/* socket: sk_cookie if the kernel assigned one, else 0 */
	__u64 sk_netns_ino;	/* socket: inode of the socket's network namespace */
	__u64 pos;		/* file: f_pos after the call */
	__u8  laddr[16];	/* socket: local address */
	__u8  raddr[16];	/* socket: remote address (0 if not connected) */
	__u16 lport, rport;	/* socket: host order */
	__u32 snd_seq;		/* TCP: send sequence (see struct pt_data / pt_sys) */
	__u32 rcv_seq;		/* TCP: receive sequence (see struct pt_data / pt_sys) */
	__u32 pad2;
};

_Static_assert(sizeof(struct pt_fdinfo) == 96, "struct pt_fdinfo is part of the store format");

/* ---- calls ---- */

/* Our own call numbers: stable across architectures, unlike syscall numbers. */
enum pt_call {
	PT_CALL_NONE = 0,
	/* PT_REC_SYS */
	PT_CALL_SOCKET = 1, PT_CALL_SOCKETPAIR, PT_CALL_BIND, PT_CALL_LISTEN, PT_CALL_ACCEPT,
	PT_CALL_ACCEPT4, PT_CALL_CONNECT, PT_CALL_SHUTDOWN, PT_CALL_CLOSE, PT_CALL_CLOSE_RANGE,
	PT_CALL_DUP, PT_CALL_DUP2, PT_CALL_DUP3, PT_CALL_FCNTL, PT_CALL_PIPE, PT_CALL_PIPE2,
	PT_CALL_OPEN, PT_CALL_OPENAT, PT_CALL_OPENAT2, PT_CALL_CREAT,
	PT_CALL_SEED_FD,	/* an FD open when the probes were attached (BPF task_file
				 * iterator): newfd = the FD, fd = newfd2 = -1, ret 0,
				 * info = its object, PT_SF_CLOEXEC as it is set; data =
				 * its path for files, directories, devices and other
				 * non-socket, non-pipe objects (as for PT_PK_SEED's exe;
				 * PT_SF_PATH_TRUNC, PT_SF_FAULT when partial). The task is
				 * the leader, or the thread whose FD table it is when a
				 * thread does not share the leader's */
	PT_CALL_EXECVE,		/* a FAILED execve (ret < 0); a successful one is the
				 * PT_REC_PROC EXEC record and has no PT_REC_SYS */
	PT_CALL_EXECVEAT,	/* a FAILED execveat, likewise */
	PT_CALL_IOCTL,		/* ioctl FIOCLEX or FIONCLEX only (arg[0] = the command):
				 * the close-on-exec bit, as fcntl F_SETFD sets it
				 * (CPython's os.set_inheritable uses these); other
				 * ioctls are not recorded */
	/* PT_REC_DATA */
	PT_CALL_READ = 64, PT_CALL_WRITE, PT_CALL_READV, PT_CALL_WRITEV, PT_CALL_PREAD64,
	PT_CALL_PWRITE64, PT_CALL_SEND, PT_CALL_SENDTO, PT_CALL_SENDMSG, PT_CALL_SENDMMSG,
	PT_CALL_RECV, PT_CALL_RECVFROM, PT_CALL_RECVMSG, PT_CALL_RECVMMSG, PT_CALL_SENDFILE,
	PT_CALL_MAX
};

enum pt_sys_flag {
	PT_SF_NOARGS	= 1 << 0,	/* exit seen without its entry (probes loaded mid-call):
					 * fd/args unknown, only ret is valid */
	PT_SF_FAULT	= 1 << 1,	/* a user/kernel read failed: some fields are 0 */
	PT_SF_PATH_TRUNC = 1 << 2,	/* path longer than PT_PATH_MAX */
	PT_SF_CLOEXEC	= 1 << 3,	/* the new FD(s) are close-on-exec (O_CLOEXEC,
					 * SOCK_CLOEXEC, F_DUPFD_CLOEXEC, dup3 flag) */
	PT_SF_ADDR	= 1 << 4,	/* addr/port hold the call's sockaddr (bind/connect/accept peer) */
};

/*
 * PT_REC_SYS: a call that changes the FD table or a socket, at syscall exit.
 *   fd      the FD operated on (close, dup*, fcntl, bind, listen, connect,
 *           shutdown, accept's listener; close_range: first), else -1
 *   newfd   the FD created: ret of socket, accept(4), open(at)(2), creat,
 *           dup, F_DUPFD(_CLOEXEC); the target of dup2/dup3; pipe(2) and
 *           socketpair: fds[0]; else -1
 *   newfd2  pipe(2) and socketpair: fds[1]; close_range: last; else -1
 *   arg[]   socket/socketpair: domain, type (with flags), protocol;
 *           open, openat, openat2, creat: flags, mode, dirfd (AT_FDCWD for
 *           open/creat; creat's flags are O_CREAT|O_WRONLY|O_TRUNC, what the
 *           kernel applies; openat2's flags and mode come from its open_how);
 *           execve, execveat: flags (execveat's; 0 for execve), 0, dirfd
 *           (AT_FDCWD for execve);
 *           dup3/pipe2/accept4: flags; fcntl: cmd, arg; listen: backlog;
 *           shutdown: how; close_range: flags
 *   info    the object of newfd when the call created one (accept: the new
 *           connection, with snd_seq = write_seq and rcv_seq = copied_seq at
 *           exit, i.e. ISN + 1 of each side when no data moved yet), else of fd
 *           (connect: after the call, same seq meaning)
 *   addr    the sockaddr the caller passed (bind, connect) or got (accept),
 *           when PT_SF_ADDR; network order, port host order
 * data_len bytes of path follow for the open calls, creat, execve, execveat and
 * PT_CALL_SEED_FD (NUL-terminated).
 */
struct pt_sys {
	__u16 type;		/* PT_REC_SYS */
	__u16 len;		/* sizeof(struct pt_sys) + data_len */
	__u16 call;		/* enum pt_call */
	__u16 flags;		/* enum pt_sys_flag */
	struct pt_task task;
	__s64 ret;		/* syscall return: >= 0 or -errno */
	__s32 fd, newfd, newfd2;
	__u16 data_len;
	__u16 addr_family;	/* PT_SF_ADDR: AF_INET / AF_INET6 / AF_UNIX */
	__u64 arg[3];
	__u8  addr[16];
	__u16 port;
	__u8  pad[6];
	struct pt_fdinfo info;
	/* __u8 data[data_len] follows */
};

_Static_assert(sizeof(struct pt_sys) == 240, "struct pt_sys is part of the store format");

enum pt_data_flag {
	PT_DAF_NOARGS	= 1 << 0,	/* exit without entry: only ret is valid, no content */
	PT_DAF_FAULT	= 1 << 1,	/* reading the user buffer failed: captured < what it
					 * should be, the missing bytes are a gap */
	PT_DAF_TRUNC	= 1 << 2,	/* size > --content: only the first captured bytes kept */
	PT_DAF_IOV_TRUNC = 1 << 3,	/* more iovecs than PT_IOV_MAX: later ones not captured */
	PT_DAF_NOCONTENT = 1 << 4,	/* content is not in user memory (sendfile) */
	PT_DAF_ADDR	= 1 << 5,	/* peer_addr/peer_port from the call's sockaddr */
	PT_DAF_MMSG_TRUNC = 1 << 6,	/* more messages than PT_MMSG_MAX: the rest not recorded */
	PT_DAF_SEQ_UNCERTAIN = 1 << 7,	/* TCP send: another send on the socket moved its write
					 * sequence while this call ran (two threads writing at
					 * once), so info.snd_seq (write_seq at exit - size) may
					 * not be this call's: its bytes are size bytes somewhere
					 * in [seq_lo, info.snd_seq + size), in the order the
					 * kernel took the sends */
	PT_DAF_SEQ_LOCKED = 1 << 8,	/* TCP send: info.snd_seq (and seq_lo) read under the
					 * socket lock, at the entry and exit of
					 * tcp_sendmsg_locked (send-fentry, send-kprobe) or at
					 * each of its copy steps (send-tp): exact,
					 * whatever other threads send; with SEQ_UNCERTAIN the
					 * call blocked and another send went in meanwhile */
	PT_DAF_LIMIT	= 1 << 9,	/* TCP: the call's bytes start past the connection's
					 * content budget in its direction (pt_proc_cfg.
					 * conn_content_max + PT_CONN_CONTENT_SLACK): no content
					 * captured (record's --content-max) */
};

/*
 * PT_REC_DATA: one data call (one message of sendmmsg/recvmmsg), at exit.
 *   dir       PT_DIR_OUT (write/send, sendfile) or PT_DIR_IN (read/recv)
 *   size      bytes the call moved (ret for most; msg_len for an mmsg entry);
 *             0 when ret < 0
 *   captured  content bytes recorded for this call, inline + CHUNKs:
 *             min(size, --content) unless FAULT/RING cut it shorter (or a
 *             CHUNK with PT_CHF_FAULT, past the first PT_CONTENT_MAX bytes)
 *   info      the FD's object; TCP: snd_seq = sequence number of the first
 *             byte this call sent (write_seq at exit - size; write_seq is also
 *             read at the call's entry, and when it moved by more than size in
 *             between, another send interleaved: PT_DAF_SEQ_UNCERTAIN and
 *             seq_lo), rcv_seq = that of the first byte it received
 *             (copied_seq at exit - size, less the 1 the kernel counts for a
 *             peer's FIN this call consumed), so the call covers [seq, seq +
 *             size) of its direction's stream; the other direction's field is
 *             its value at exit (nothing subtracted), and a receive with
 *             MSG_PEEK (which does not consume) is not rewound; sendmmsg/
 *             recvmmsg: message i covers its own msg_len bytes
 *   seq_lo    PT_DAF_SEQ_UNCERTAIN: write_seq at the call's entry (the lowest
 *             sequence its bytes can have); else 0. A send whose entry the
 *             probes did not see (loaded during the call) is not checked
 *   offset    pread64/pwrite64: the file offset argument; else -1
 * cap_len content bytes follow inline (the first min(captured, PT_CHUNK_MAX));
 * the remaining captured - cap_len come in PT_REC_CHUNK records with the same
 * (task.tid, task.ts_ns, msg_index), after it. A CHUNK the ring could not take
 * is counted (pt_pstats CHUNK ring_fail) and shows as a gap: the bytes that
 * arrived fall short of captured.
 */
struct pt_data {
	__u16 type;		/* PT_REC_DATA */
	__u16 len;		/* sizeof(struct pt_data) + cap_len */
	__u16 call;		/* enum pt_call */
	__u16 flags;		/* enum pt_data_flag */
	struct pt_task task;
	__s64 ret;
	__s32 fd;		/* sendfile: out_fd */
	__s32 fd2;		/* sendfile: in_fd; else -1 */
	__u64 size;
	__u64 captured;
	__s64 offset;
	__u32 cap_len;		/* inline content bytes */
	__u16 msg_index;	/* sendmmsg/recvmmsg: index in the vector; else 0 */
	__u8  dir;		/* PT_DIR_IN / PT_DIR_OUT (pkt.h) */
	__u8  pad0;
	__u8  peer_addr[16];	/* PT_DAF_ADDR: sendto/sendmsg destination, recvfrom/recvmsg source */
	__u16 peer_port;
	__u16 peer_family;
	__u32 seq_lo;		/* PT_DAF_SEQ_UNCERTAIN: see above (was padding: 0) */
	struct pt_fdinfo info;
	/* __u8 content[cap_len] follows */
};

_Static_assert(sizeof(struct pt_data) == 240, "struct pt_data is part of the store format");

/* PT_REC_CHUNK: more content of the PT_REC_DATA with the same (tid, ts_ns). */
struct pt_chunk {
	__u16 type;		/* PT_REC_CHUNK */
	__u16 len;		/* sizeof(struct pt_chunk) + bytes */
	__u32 tid;
	__u64 ts_ns;		/* the DATA record's task.ts_ns */
	__u64 off;		/* offset of these bytes within the call's content */
	__u16 msg_index;	/* the DATA record's msg_index */
	__u8  flags;		/* PT_CHF_* (was padding: 0) */
	__u8  pad[5];
	/* __u8 content[len - sizeof(struct pt_chunk)] follows */
};

/*
 * Content past the first PT_CONTENT_MAX bytes of a call is read after its
 * DATA record went out (in windows of PT_CONTENT_MAX through the stage): the
 * DATA record announces all of it, and when the rest cannot be read a CHUNK
 * with no bytes at the first byte not read says why; the call then has off
 * bytes captured, not the DATA record's captured:
 *   PT_CHF_FAULT  reading the caller's buffer failed (a CHUNK fault)
 *   PT_CHF_IOV    the rest lies past PT_IOV_MAX iovecs (a CHUNK truncation)
 */
#define PT_CHF_FAULT		1
#define PT_CHF_IOV		2

_Static_assert(sizeof(struct pt_chunk) == 32, "struct pt_chunk is part of the store format");

/* ---- scoping and counters ---- */

enum pt_scope {
	PT_SCOPE_ALL	= 0,	/* every process (except ignored pids) */
	PT_SCOPE_CGROUP	= 1,	/* tasks in cgroup_id or below it */
	PT_SCOPE_PIDTREE = 2,	/* root_pid and its descendants (followed across fork) */
	PT_SCOPE_COMM	= 3,	/* tasks whose comm equals comm (at the event) */
	PT_SCOPE_NETNS	= 4,	/* tasks in network namespace netns_ino */
};

/* The probe's configuration: BPF_MAP_TYPE_ARRAY "pt_pcfg", one entry, set by the loader. */
struct pt_proc_cfg {
	__u32 scope;		/* enum pt_scope */
	__u32 content_max;	/* bytes captured per data call, 0 = metadata only */
	__u64 cgroup_id;	/* PT_SCOPE_CGROUP */
	__u64 netns_ino;	/* PT_SCOPE_NETNS */
	__u32 root_pid;		/* PT_SCOPE_PIDTREE */
	__u32 variant;		/* enum pt_proc_variant loaded: for status (programs do not read it) */
	char  comm[PT_COMM_LEN];	/* PT_SCOPE_COMM */
	__u32 send_variant;	/* the send hook's variant (loader/features.h enum pt_prog): for status */
	__u32 content_flags;	/* PT_CONTENT_INET */
	__u32 cgroup_level;	/* PT_SCOPE_CGROUP: the cgroup's level + 1 (the root 1), which lets
				 * "btf" test the scope by plain loads; 0 = not known: the helper */
	__u64 conn_content_max;	/* TCP: content bytes wanted per connection and direction, 0 =
				 * no limit: a call starting past it (+ PT_CONN_CONTENT_SLACK)
				 * is recorded without content, PT_DAF_LIMIT */
};

/*
 * Where a TCP call starts in its direction's stream is estimated at its exit
 * from counters read without the socket lock: bytes_acked + (start seq -
 * snd_una) for a send (the active side's SYN counts 1), bytes_received -
 * (rcv_nxt - start seq) for a receive (bpf/proc.bpf.c, pt_past_budget: a
 * read torn by a concurrent update is detected and not held to the budget).
 * The slack covers the SYN, calls the kernel reorders against the call's
 * sequence (two threads on one socket) and a receive's sequence rewound for
 * a FIN: content that might lie below the budget is kept, and the .ptx build
 * cuts exactly at --content-max.
 */
#define PT_CONN_CONTENT_SLACK	(128u << 10)

/* pt_proc_cfg.content_flags */
#define PT_CONTENT_INET		1	/* content of calls on IPv4/IPv6 sockets only (what a
					 * recording keeps): other FDs' calls (files, pipes, unix
					 * sockets) are recorded as with content_max 0 (captured 0,
					 * not marked truncated) */

/* The program variants (bpf/proc_maps.bpf.h, loader/proc_attach.c). */
enum pt_proc_variant {
	PT_PV_CORE = 0,		/* bpf_probe_read_kernel everywhere, sys_enter on every call */
	PT_PV_BTF = 1,		/* BTF task pointer, arguments from pt_regs at exit */
	PT_PV_BTF_CAST = 2,	/* and bpf_rdonly_cast from the FD to the socket */
};

/* Counter categories: index into the per-CPU array "pt_pstats". */
enum pt_proc_cat {
	PT_PC_PROC = 0,		/* PT_REC_PROC */
	PT_PC_SYS = 1,		/* PT_REC_SYS */
	PT_PC_DATA = 2,		/* PT_REC_DATA */
	PT_PC_CHUNK = 3,	/* PT_REC_CHUNK */
	PT_PC_MAX
};

/*
 * struct pt_loss_rec.point of the family's ring-buffer losses (records the
 * collector writes): one value per enum pt_proc_cat, never a capture point id.
 */
#define PT_PROC_LOSS_POINT(cat)		(0xfff0 + (cat))
#define PT_IS_PROC_LOSS_POINT(p)	((p) >= 0xfff0 && (p) < 0xfff0 + PT_PC_MAX)

/* Per category, per CPU. seen = out_of_scope + emitted + ring_fail. */
struct pt_proc_stats {
	__u64 seen;		/* events that reached the probe */
	__u64 out_of_scope;	/* skipped by the scope (or an ignored pid) */
	__u64 emitted;		/* records committed to the ring */
	__u64 ring_fail;	/* records lost: bpf_ringbuf_reserve/output failed */
	__u64 noargs;		/* exits without a recorded entry */
	__u64 fault;		/* records with a failed user/kernel read */
	__u64 trunc;		/* DATA: content cut by --content; PROC: argv/path cut */
	__u64 pad;
};

#endif /* PROVTAP_PROC_H */
