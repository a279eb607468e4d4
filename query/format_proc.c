// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * format_proc.c — the process family's records (bpf/proc.h) as one text line
 * and as one JSON object each; the keys and the text forms are in format.h.
 *
 * Every length comes from the record and is checked against h->len: filenames,
 * argv, paths and content are read only within the record, and strings need
 * not be NUL-terminated. Bytes from the traced processes (comm, paths, argv,
 * content) are escaped in both forms, so a line stays one line and JSON stays
 * valid whatever they hold.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "query/esc.h"
#include "query/format.h"
#include "bpf/proc.h"
#include "query/json.h"

#define PREVIEW_MAX	60	/* content bytes shown in a DATA text line */

/* ---- names ---- */

static const char *const call_names[PT_CALL_MAX] = {
	[PT_CALL_SOCKET] = "socket", [PT_CALL_SOCKETPAIR] = "socketpair", [PT_CALL_BIND] = "bind",
	[PT_CALL_LISTEN] = "listen", [PT_CALL_ACCEPT] = "accept", [PT_CALL_ACCEPT4] = "accept4",
	[PT_CALL_CONNECT] = "connect", [PT_CALL_SHUTDOWN] = "shutdown", [PT_CALL_CLOSE] = "close",
	[PT_CALL_CLOSE_RANGE] = "close_range", [PT_CALL_DUP] = "dup", [PT_CALL_DUP2] = "dup2",
	[PT_CALL_DUP3] = "dup3", [PT_CALL_FCNTL] = "fcntl", [PT_CALL_IOCTL] = "ioctl", [PT_CALL_PIPE] = "pipe", [PT_CALL_PIPE2] = "pipe2",
	[PT_CALL_OPEN] = "open", [PT_CALL_OPENAT] = "openat", [PT_CALL_OPENAT2] = "openat2",
	[PT_CALL_CREAT] = "creat", [PT_CALL_SEED_FD] = "seed_fd", [PT_CALL_EXECVE] = "execve",
	[PT_CALL_EXECVEAT] = "execveat",
	[PT_CALL_READ] = "read", [PT_CALL_WRITE] = "write", [PT_CALL_READV] = "readv",
	[PT_CALL_WRITEV] = "writev", [PT_CALL_PREAD64] = "pread64", [PT_CALL_PWRITE64] = "pwrite64",
	[PT_CALL_SEND] = "send", [PT_CALL_SENDTO] = "sendto", [PT_CALL_SENDMSG] = "sendmsg",
	[PT_CALL_SENDMMSG] = "sendmmsg", [PT_CALL_RECV] = "recv", [PT_CALL_RECVFROM] = "recvfrom",
	[PT_CALL_RECVMSG] = "recvmsg", [PT_CALL_RECVMMSG] = "recvmmsg", [PT_CALL_SENDFILE] = "sendfile",
};

const char *pt_call_name(__u16 call)
{
	return call < PT_CALL_MAX ? call_names[call] : NULL;
}

/* The call's name, or "call#N" into buf. */
static const char *call_str(__u16 call, char *buf, size_t len)
{
	if (pt_call_name(call))
		return pt_call_name(call);
	snprintf(buf, len, "call#%u", call);
	return buf;
}

const char *pt_errno_name(int err, char *buf, size_t len)
{
	/* codes the kernel keeps to itself, seen at syscall exit (include/linux/errno.h) */
	static const char *const kernel[] = {
		[512 - 512] = "ERESTARTSYS", [513 - 512] = "ERESTARTNOINTR", [514 - 512] = "ERESTARTNOHAND",
		[515 - 512] = "ENOIOCTLCMD", [516 - 512] = "ERESTART_RESTARTBLOCK", [524 - 512] = "ENOTSUPP",
		[529 - 512] = "EIOCBQUEUED",
	};
	const char *name = strerrorname_np(err);

	if (!name && err >= 512 && err < 512 + (int)(sizeof(kernel) / sizeof(kernel[0])))
		name = kernel[err - 512];
	if (name)
		return name;
	snprintf(buf, len, "%d", err);
	return buf;
}

/* ret as errno when it is -1..-4095 (the kernel's error range), else 0. */
static int ret_errno(__s64 ret)
{
	return ret < 0 && ret >= -4095 ? (int)-ret : 0;
}

static const char *name_or_num(const char *const *names, size_t n, unsigned int v, char *buf, size_t len)
{
	if (v < n && names[v])
		return names[v];
	snprintf(buf, len, "%u", v);
	return buf;
}

#define NAME_OR_NUM(names, v, buf) name_or_num(names, sizeof(names) / sizeof(names[0]), v, buf, sizeof(buf))

static const char *const fd_kinds[] = {
	[PT_FK_NONE] = "none", [PT_FK_FILE] = "file", [PT_FK_DIR] = "dir", [PT_FK_PIPE] = "pipe",
	[PT_FK_SOCKET] = "socket", [PT_FK_CHR] = "chr", [PT_FK_OTHER] = "other",
};

static const char *const families[] = {
	[AF_UNIX] = "unix", [AF_INET] = "inet", [AF_INET6] = "inet6", [AF_NETLINK] = "netlink",
	[AF_PACKET] = "packet", [AF_VSOCK] = "vsock",
};

static const char *const sock_types[] = {
	[SOCK_STREAM] = "stream", [SOCK_DGRAM] = "dgram", [SOCK_RAW] = "raw", [SOCK_RDM] = "rdm",
	[SOCK_SEQPACKET] = "seqpacket", [SOCK_DCCP] = "dccp", [SOCK_PACKET] = "packet",
};

/* include/net/tcp_states.h; unix sockets use the same values */
static const char *const sk_states[] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV", [4] = "FIN_WAIT1", [5] = "FIN_WAIT2",
	[6] = "TIME_WAIT", [7] = "CLOSE", [8] = "CLOSE_WAIT", [9] = "LAST_ACK", [10] = "LISTEN",
	[11] = "CLOSING", [12] = "NEW_SYN_RECV", [13] = "BOUND_INACTIVE",
};

static const char *const proc_kinds[] = {
	[PT_PK_FORK] = "fork", [PT_PK_EXEC] = "exec", [PT_PK_EXIT] = "exit", [PT_PK_SEED] = "seed",
};

static const char *const proc_cats[PT_PC_MAX] = {
	[PT_PC_PROC] = "proc", [PT_PC_SYS] = "sys", [PT_PC_DATA] = "data", [PT_PC_CHUNK] = "chunk",
};

const char *pt_fmt_proc_cat(__u32 cat)
{
	return cat < PT_PC_MAX ? proc_cats[cat] : "?";
}

/* ---- bytes ---- */

/* A NUL-terminated string of at most max bytes as JSON. */
static void json_strn(FILE *out, const char *s, size_t max)
{
	pt_json_bytes(out, s, strnlen(s, max));
}

static void json_hex(FILE *out, const unsigned char *p, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
	fputc('"', out);
}

/* n bytes C-escaped, " too (query/esc.h). */
static void put_cesc(FILE *out, const unsigned char *p, size_t n)
{
	struct pt_esc e;

	pt_esc_file(&e, out);
	pt_esc_c(&e, p, n, true);
}

/* n bytes as one shell word a user can paste into bash (query/esc.h). */
static void put_shq(FILE *out, const unsigned char *p, size_t n)
{
	struct pt_esc e;

	pt_esc_file(&e, out);
	pt_esc_shword(&e, p, n);
}

/* ---- pieces shared by the records ---- */

static void task_text(FILE *out, const struct pt_view *v, const char *what, const struct pt_task *t)
{
	char ts[48];

	pt_view_fmt_time(v, t->ts_ns, ts, sizeof(ts));
	fprintf(out, "%s %s ", ts, what);
	put_cesc(out, (const unsigned char *)t->comm, strnlen(t->comm, PT_COMM_LEN));
	if (t->tid != t->pid)
		fprintf(out, "[%u/%u]", t->pid, t->tid);
	else
		fprintf(out, "[%u]", t->pid);
}

static void task_json(FILE *out, const struct pt_view *v, const char *type, const struct pt_task *t)
{
	char ts[48];

	pt_view_fmt_time(v, t->ts_ns, ts, sizeof(ts));
	fprintf(out, "{\"type\":\"%s\",\"ts\":\"%s\",\"ts_ns\":%llu,\"pid\":%u,\"tid\":%u,\"ppid\":%u,\"uid\":%u,"
		"\"comm\":", type, ts, (unsigned long long)t->ts_ns, t->pid, t->tid, t->ppid, t->uid);
	json_strn(out, t->comm, PT_COMM_LEN);
	fprintf(out, ",\"start_ns\":%llu,\"cgroup_id\":%llu,\"netns_ino\":%llu", (unsigned long long)t->start_ns,
		(unsigned long long)t->cgroup_id, (unsigned long long)t->netns_ino);
}

/* " = 0", " = -ECONNREFUSED", " = -999" */
static void ret_text(FILE *out, __s64 ret)
{
	char buf[16];
	int err = ret_errno(ret);

	if (err)
		fprintf(out, " = -%s", pt_errno_name(err, buf, sizeof(buf)));
	else
		fprintf(out, " = %lld", (long long)ret);
}

/* ,"ret":R and ,"errno":"NAME" when ret is an error */
static void ret_json(FILE *out, __s64 ret)
{
	char buf[16];
	int err = ret_errno(ret);

	fprintf(out, ",\"ret\":%lld", (long long)ret);
	if (err) {
		fputs(",\"errno\":", out);
		pt_json_str(out, pt_errno_name(err, buf, sizeof(buf)));
	}
}

static bool all_zero(const __u8 *a, size_t n)
{
	while (n--)
		if (*a++)
			return false;
	return true;
}

/* One end of a socket (or a call's sockaddr): family AF_*, network-order address, port. */
struct end {
	int family;
	const __u8 *addr;
	__u16 port;
};

/* Not bound / not connected: address and port both 0. */
static bool end_absent(const struct end *e)
{
	return all_zero(e->addr, 16) && !e->port;
}

/* "10.0.0.1:80", "[fd00::1]:80" */
static const char *end_str(const struct end *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	pt_fmt_addr(e->addr, e->family == AF_INET6, a, sizeof(a));
	snprintf(buf, len, e->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, e->port);
	return buf;
}

static bool inet_family(int family)
{
	return family == AF_INET || family == AF_INET6;
}

/*
 * The ends of an IP socket, the remote (or, for bind, the local) one taken
 * from the call's sockaddr fill when the socket has none (a refused connect,
 * sendto on an unconnected socket). fill may be NULL.
 */
static void sock_ends(const struct pt_fdinfo *fi, const struct end *fill, bool fill_remote, struct end *local,
		      struct end *remote)
{
	struct end *e = fill_remote ? remote : local;

	*local = (struct end){ fi->family, fi->laddr, fi->lport };
	*remote = (struct end){ fi->family, fi->raddr, fi->rport };
	if (fill && inet_family(fill->family) && end_absent(e))
		*e = *fill;
}

static void dev_text(FILE *out, const char *kind, const struct pt_fdinfo *fi)
{
	/* s_dev is the kernel's dev_t: 12 bits of major, 20 of minor */
	fprintf(out, " %s %u:%u ino %llu", kind, fi->dev >> 20, fi->dev & 0xfffff, (unsigned long long)fi->ino);
}

/*
 * The object of an FD: " tcp 10.0.1.2:41234 -> 10.0.2.2:80" (arrow "<-" when
 * in: data received, a connection accepted), " unix socket:[INO]",
 * " pipe:[INO]", " file MAJ:MIN ino INO"; nothing for PT_FK_NONE.
 */
static void obj_text(FILE *out, const struct pt_fdinfo *fi, const struct end *fill, bool fill_remote, bool in)
{
	char l[64], r[64], pb[8];
	struct end local, remote;
	const char *proto;

	switch (fi->kind) {
	case PT_FK_SOCKET:
		if (!inet_family(fi->family)) {
			fprintf(out, " %s socket:[%llu]", NAME_OR_NUM(families, fi->family, pb),
				(unsigned long long)fi->ino);
			return;
		}
		sock_ends(fi, fill, fill_remote, &local, &remote);
		proto = pt_fmt_proto(fi->proto, pb, sizeof(pb));	/* a number lands in pb */
		fprintf(out, " %s%s %s", proto == pb ? "proto " : "", proto, end_str(&local, l, sizeof(l)));
		if (!end_absent(&remote))
			fprintf(out, " %s %s", in ? "<-" : "->", end_str(&remote, r, sizeof(r)));
		return;
	case PT_FK_PIPE:
		fprintf(out, " pipe:[%llu]", (unsigned long long)fi->ino);
		return;
	case PT_FK_FILE:
	case PT_FK_DIR:
	case PT_FK_CHR:
	case PT_FK_OTHER:
		dev_text(out, fd_kinds[fi->kind], fi);
		return;
	default:
		return;
	}
}

/* ,"fd_object":{...} or ,"fd_object":null */
static void obj_json(FILE *out, const struct pt_fdinfo *fi)
{
	char b1[16], b2[16], b3[16], l[64], r[64];
	struct end local, remote;

	if (fi->kind == PT_FK_NONE) {
		fputs(",\"fd_object\":null", out);
		return;
	}
	fprintf(out, ",\"fd_object\":{\"kind\":\"%s\",\"dev\":\"%u:%u\",\"ino\":%llu", NAME_OR_NUM(fd_kinds, fi->kind, b1),
		fi->dev >> 20, fi->dev & 0xfffff, (unsigned long long)fi->ino);
	if (fi->kind == PT_FK_FILE)
		fprintf(out, ",\"pos\":%llu", (unsigned long long)fi->pos);
	if (fi->kind != PT_FK_SOCKET) {
		fputc('}', out);
		return;
	}
	fprintf(out, ",\"family\":\"%s\",\"type\":\"%s\",\"state\":\"%s\",\"cookie\":%llu,\"netns_ino\":%llu",
		NAME_OR_NUM(families, fi->family, b1), NAME_OR_NUM(sock_types, fi->type, b2),
		NAME_OR_NUM(sk_states, fi->sk_state, b3), (unsigned long long)fi->cookie,
		(unsigned long long)fi->sk_netns_ino);
	if (inet_family(fi->family)) {
		sock_ends(fi, NULL, true, &local, &remote);
		fprintf(out, ",\"proto\":\"%s\",\"local\":\"%s\",\"remote\":", pt_fmt_proto(fi->proto, b1, sizeof(b1)),
			end_str(&local, l, sizeof(l)));
		if (end_absent(&remote))
			fputs("null", out);
		else
			fprintf(out, "\"%s\"", end_str(&remote, r, sizeof(r)));
		if (fi->proto == IPPROTO_TCP)
			fprintf(out, ",\"snd_seq\":%u,\"rcv_seq\":%u", fi->snd_seq, fi->rcv_seq);
	}
	fputc('}', out);
}

/* ---- PT_REC_PROC ---- */

/* The filename and argv of an EXEC or SEED, bounded by the record. */
struct execdata {
	const unsigned char *file;
	size_t file_len;		/* without the NUL */
	const unsigned char *argv;	/* argv strings, NUL-separated */
	size_t argv_len;
};

static struct execdata exec_data(const struct pt_proc *p)
{
	const unsigned char *d = (const unsigned char *)(p + 1);
	size_t dlen = p->len - sizeof(*p), plen;
	struct execdata x;

	if (p->data_len < dlen)
		dlen = p->data_len;
	plen = p->path_len < dlen ? p->path_len : dlen;
	x.file = d;
	x.file_len = strnlen((const char *)d, plen);
	x.argv = d + plen;
	x.argv_len = dlen - plen;
	return x;
}

/*
 * The next argument of x (at most argc in all, *i of them taken): sets *arg
 * and *len; false when there is none.
 */
static bool next_arg(const struct pt_proc *p, const struct execdata *x, size_t *off, __u32 *i,
		     const unsigned char **arg, size_t *len)
{
	if (*i >= p->argc || *off >= x->argv_len)
		return false;
	*arg = x->argv + *off;
	*len = strnlen((const char *)*arg, x->argv_len - *off);
	*off += *len + 1;
	(*i)++;
	return true;
}

/* A path's last component. */
static const unsigned char *base_of(const unsigned char *s, size_t n, size_t *blen)
{
	size_t i = n;

	while (i && s[i - 1] != '/')
		i--;
	*blen = n - i;
	return s + i;
}

/* " /usr/bin/curl -s http://x/", with "[argv0]" when argv[0] is not the file or its name. */
static void exec_text(FILE *out, const struct pt_proc *p)
{
	struct execdata x = exec_data(p);
	const unsigned char *arg, *base;
	size_t off = 0, len, blen;
	__u32 i = 0;

	fputc(' ', out);
	put_shq(out, x.file, x.file_len);
	if (p->flags & PT_PRF_PATH_TRUNC)
		fputs("...", out);
	base = base_of(x.file, x.file_len, &blen);
	if (next_arg(p, &x, &off, &i, &arg, &len) &&
	    !(len == x.file_len && !memcmp(arg, x.file, len)) && !(len == blen && !memcmp(arg, base, len))) {
		fputs(" [", out);
		put_shq(out, arg, len);
		fputc(']', out);
	}
	while (next_arg(p, &x, &off, &i, &arg, &len)) {
		fputc(' ', out);
		put_shq(out, arg, len);
	}
	if (p->flags & PT_PRF_ARGV_TRUNC)
		fputs(" ...", out);
	if (p->flags & PT_PRF_FAULT)
		fputs(" [fault]", out);
}

static void exec_json(FILE *out, const struct pt_proc *p)
{
	struct execdata x = exec_data(p);
	const unsigned char *arg;
	size_t off = 0, len;
	__u32 i = 0;

	fputs(",\"filename\":", out);
	pt_json_bytes(out, x.file, x.file_len);
	fputs(",\"argv\":[", out);
	while (next_arg(p, &x, &off, &i, &arg, &len)) {
		if (i > 1)
			fputc(',', out);
		pt_json_bytes(out, arg, len);
	}
	fprintf(out, "],\"argv_truncated\":%s,\"path_truncated\":%s,\"fault\":%s",
		p->flags & PT_PRF_ARGV_TRUNC ? "true" : "false", p->flags & PT_PRF_PATH_TRUNC ? "true" : "false",
		p->flags & PT_PRF_FAULT ? "true" : "false");
}

/* " status 3", " killed by signal 9 (SIGKILL)", with " (core dumped)" */
static void exit_text(FILE *out, __s32 status)
{
	int sig = status & 0x7f;
	const char *abbrev = sigabbrev_np(sig);

	if (!sig) {
		fprintf(out, " status %d", (status >> 8) & 0xff);
		return;
	}
	fprintf(out, " killed by signal %d", sig);
	if (abbrev)
		fprintf(out, " (SIG%s)", abbrev);
	if (status & 0x80)
		fputs(" (core dumped)", out);
}

static void proc_text(FILE *out, const struct pt_proc *p, const struct pt_view *v)
{
	char kb[16];

	task_text(out, v, NAME_OR_NUM(proc_kinds, p->kind, kb), &p->task);
	switch (p->kind) {
	case PT_PK_FORK:
		if (p->flags & PT_PRF_THREAD)
			fprintf(out, " -> thread %u", p->child_tid);
		else
			fprintf(out, " -> %u", p->child_pid);
		break;
	case PT_PK_EXEC:
	case PT_PK_SEED:
		exec_text(out, p);
		break;
	case PT_PK_EXIT:
		if (!(p->flags & PT_PRF_GROUP))
			fputs(" thread", out);
		exit_text(out, p->exit_code);
		break;
	}
	fputc('\n', out);
}

static void proc_json(FILE *out, const struct pt_proc *p, const struct pt_view *v)
{
	int sig = p->exit_code & 0x7f;
	char kb[16];

	task_json(out, v, "proc", &p->task);
	fputs(",\"kind\":", out);
	pt_json_str(out, NAME_OR_NUM(proc_kinds, p->kind, kb));
	switch (p->kind) {
	case PT_PK_FORK:
		fprintf(out, ",\"child_pid\":%u,\"child_tid\":%u,\"child_start_ns\":%llu,\"thread\":%s", p->child_pid,
			p->child_tid, (unsigned long long)p->child_start_ns,
			p->flags & PT_PRF_THREAD ? "true" : "false");
		break;
	case PT_PK_EXEC:
		fprintf(out, ",\"old_tid\":%u", p->old_tid);
		exec_json(out, p);
		break;
	case PT_PK_SEED:
		exec_json(out, p);
		break;
	case PT_PK_EXIT:
		fprintf(out, ",\"status\":%d", p->exit_code);
		if (sig)
			fprintf(out, ",\"exit_code\":null,\"signal\":%d", sig);
		else
			fprintf(out, ",\"exit_code\":%d,\"signal\":null", (p->exit_code >> 8) & 0xff);
		fprintf(out, ",\"group\":%s", p->flags & PT_PRF_GROUP ? "true" : "false");
		break;
	}
	fputs("}\n", out);
}

/* ---- PT_REC_SYS ---- */

/* A flag (one or more bits) and its name. */
struct flag_name {
	unsigned long long bit;
	const char *name;
};

/*
 * The flags of table t set in v, as "NAME|NAME|0x..." (bits no name covers in
 * hex), the first one preceded by sep; a name whose bits are all set takes
 * them, so a multi-bit name goes before its parts. Nothing when v is 0.
 */
static void flags_text(FILE *out, unsigned long long v, const struct flag_name *t, size_t n, const char *sep)
{
	for (size_t i = 0; i < n; i++) {
		if ((v & t[i].bit) == t[i].bit) {
			fprintf(out, "%s%s", sep, t[i].name);
			v &= ~t[i].bit;
			sep = "|";
		}
	}
	if (v)
		fprintf(out, "%s%#llx", sep, v);
}

/*
 * open(2) flags as the kernel takes them (x86-64 / generic values, not libc's):
 * " O_RDONLY|O_CLOEXEC"; without the access mode for pipe2 (access false).
 */
static void open_flags_text(FILE *out, unsigned long long f, bool access)
{
	static const struct flag_name t[] = {
		{ 0100, "O_CREAT" }, { 0200, "O_EXCL" }, { 0400, "O_NOCTTY" }, { 01000, "O_TRUNC" },
		{ 02000, "O_APPEND" }, { 04000, "O_NONBLOCK" }, { 04010000, "O_SYNC" }, { 010000, "O_DSYNC" },
		{ 020000, "O_ASYNC" }, { 040000, "O_DIRECT" }, { 0100000, "O_LARGEFILE" },
		{ 020200000, "O_TMPFILE" }, { 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" },
		{ 01000000, "O_NOATIME" }, { 02000000, "O_CLOEXEC" }, { 010000000, "O_PATH" },
	};
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

	if (access)
		fprintf(out, " %s", acc[f & 3]);
	flags_text(out, access ? f & ~3ULL : f, t, sizeof(t) / sizeof(t[0]), access ? "|" : " ");
}

/* socket(2) domain and type: " AF_INET SOCK_STREAM|SOCK_CLOEXEC 0" */
static void socket_args_text(FILE *out, const struct pt_sys *s)
{
	static const struct flag_name t[] = { { 04000, "SOCK_NONBLOCK" }, { 02000000, "SOCK_CLOEXEC" } };
	static const char *const types[] = {
		[SOCK_STREAM] = "SOCK_STREAM", [SOCK_DGRAM] = "SOCK_DGRAM", [SOCK_RAW] = "SOCK_RAW",
		[SOCK_RDM] = "SOCK_RDM", [SOCK_SEQPACKET] = "SOCK_SEQPACKET", [SOCK_DCCP] = "SOCK_DCCP",
		[SOCK_PACKET] = "SOCK_PACKET",
	};
	static const char *const domains[] = {
		[AF_UNIX] = "AF_UNIX", [AF_INET] = "AF_INET", [AF_INET6] = "AF_INET6",
		[AF_NETLINK] = "AF_NETLINK", [AF_PACKET] = "AF_PACKET", [AF_VSOCK] = "AF_VSOCK",
	};
	unsigned int type = (unsigned int)s->arg[1] & 0xf;
	char db[24], tb[24];

	fprintf(out, " %s %s", NAME_OR_NUM(domains, (unsigned int)s->arg[0], db), NAME_OR_NUM(types, type, tb));
	flags_text(out, s->arg[1] & ~0xfULL, t, sizeof(t) / sizeof(t[0]), "|");
	fprintf(out, " %llu", (unsigned long long)s->arg[2]);
}

/* The path after an open call, shell-quoted, "..." when cut; nothing without one. */
static void path_text(FILE *out, const struct pt_sys *s)
{
	size_t n = s->len - sizeof(*s);
	const unsigned char *d = (const unsigned char *)(s + 1);

	if (s->data_len < n)
		n = s->data_len;
	if (!n)
		return;
	fputc(' ', out);
	put_shq(out, d, strnlen((const char *)d, n));
	if (s->flags & PT_SF_PATH_TRUNC)
		fputs("...", out);
}

/* " fd 3 F_DUPFD_CLOEXEC 10 -> 11 OBJECT", " fd 3 F_SETFL 0x800 OBJECT = 0" */
static void fcntl_text(FILE *out, const struct pt_sys *s, bool ok)
{
	static const char *const cmds[] = {
		[0] = "F_DUPFD", [1] = "F_GETFD", [2] = "F_SETFD", [3] = "F_GETFL", [4] = "F_SETFL",
	};
	unsigned int cmd = (unsigned int)s->arg[0];
	bool dupfd = cmd == 0 || cmd == 1030;	/* F_DUPFD, F_DUPFD_CLOEXEC: arg is the lowest fd */
	char cb[16];

	fprintf(out, " fd %d %s", s->fd, cmd == 1030 ? "F_DUPFD_CLOEXEC" : NAME_OR_NUM(cmds, cmd, cb));
	fprintf(out, dupfd ? " %llu" : " %#llx", (unsigned long long)s->arg[1]);
	if (ok && dupfd)
		fprintf(out, " -> %d", s->newfd);
	obj_text(out, &s->info, NULL, true, false);
	if (!ok || !dupfd)
		ret_text(out, s->ret);
}

/* Per call; see format.h for the forms. ok: ret >= 0. */
static void sys_call_text(FILE *out, const struct pt_sys *s, const struct end *fill, bool ok)
{
	static const char *const how[] = { "SHUT_RD", "SHUT_WR", "SHUT_RDWR" };
	bool fill_remote = s->call != PT_CALL_BIND;
	char hb[16];

	switch (s->call) {
	case PT_CALL_SOCKET:
	case PT_CALL_SOCKETPAIR:
		socket_args_text(out, s);
		break;
	case PT_CALL_PIPE:
	case PT_CALL_PIPE2:
		if (s->call == PT_CALL_PIPE2 && s->arg[0])
			open_flags_text(out, s->arg[0], false);
		break;
	case PT_CALL_OPEN:
	case PT_CALL_OPENAT:
	case PT_CALL_OPENAT2:
	case PT_CALL_CREAT:
		if ((__s32)s->arg[2] != -100)	/* AT_FDCWD */
			fprintf(out, " dirfd %d", (__s32)s->arg[2]);
		path_text(out, s);
		open_flags_text(out, s->arg[0], true);
		if (s->arg[0] & 020000100)	/* O_CREAT, __O_TMPFILE */
			fprintf(out, " mode %04llo", (unsigned long long)s->arg[1]);
		break;
	case PT_CALL_ACCEPT:
	case PT_CALL_ACCEPT4:
		fprintf(out, " fd %d", s->fd);
		if (!ok)
			break;
		fprintf(out, " -> %d", s->newfd);
		obj_text(out, &s->info, fill, true, true);
		if (s->flags & PT_SF_CLOEXEC)
			fputs(" cloexec", out);
		return;
	case PT_CALL_DUP:
	case PT_CALL_DUP2:
	case PT_CALL_DUP3:
		fprintf(out, " %d", s->fd);
		if (ok || s->call != PT_CALL_DUP)
			fprintf(out, " -> %d", s->newfd);
		if (s->flags & PT_SF_CLOEXEC)
			fputs(" cloexec", out);
		obj_text(out, &s->info, NULL, true, false);
		if (!ok)
			ret_text(out, s->ret);
		return;
	case PT_CALL_FCNTL:
		fcntl_text(out, s, ok);
		return;
	case PT_CALL_IOCTL:
		fprintf(out, " fd %d %s", s->fd, s->arg[0] == FIOCLEX ? "FIOCLEX" : s->arg[0] == FIONCLEX ? "FIONCLEX" : "?");
		obj_text(out, &s->info, NULL, true, false);
		ret_text(out, s->ret);
		return;
	case PT_CALL_CLOSE_RANGE:
		fprintf(out, " %u..", (__u32)s->fd);
		fprintf(out, (__u32)s->newfd2 == ~0U ? "max" : "%u", (__u32)s->newfd2);
		if (s->arg[0])
			fprintf(out, " flags %#llx", (unsigned long long)s->arg[0]);
		ret_text(out, s->ret);
		return;
	case PT_CALL_LISTEN:
		fprintf(out, " fd %d backlog %lld", s->fd, (long long)(__s32)s->arg[0]);
		obj_text(out, &s->info, NULL, true, false);
		ret_text(out, s->ret);
		return;
	case PT_CALL_SHUTDOWN:
		fprintf(out, " fd %d %s", s->fd, NAME_OR_NUM(how, (unsigned int)s->arg[0], hb));
		obj_text(out, &s->info, NULL, true, false);
		ret_text(out, s->ret);
		return;
	case PT_CALL_EXECVE:	/* only failed ones are PT_REC_SYS */
	case PT_CALL_EXECVEAT:
		if ((__s32)s->arg[2] != -100)	/* AT_FDCWD */
			fprintf(out, " dirfd %d", (__s32)s->arg[2]);
		path_text(out, s);
		ret_text(out, s->ret);
		return;
	case PT_CALL_SEED_FD:
		fprintf(out, " fd %d", s->fd >= 0 ? s->fd : s->newfd);
		path_text(out, s);
		obj_text(out, &s->info, NULL, true, false);
		return;
	default:	/* bind, connect, close and calls this build does not know */
		fprintf(out, " fd %d", s->fd);
		obj_text(out, &s->info, fill, fill_remote, false);
		ret_text(out, s->ret);
		return;
	}
	/* the calls that create FDs without a source FD */
	if (!ok) {
		ret_text(out, s->ret);
	} else if (s->call == PT_CALL_SOCKETPAIR || s->call == PT_CALL_PIPE || s->call == PT_CALL_PIPE2) {
		fprintf(out, " -> fds %d %d", s->newfd, s->newfd2);
		obj_text(out, &s->info, NULL, true, false);
	} else {
		fprintf(out, " -> fd %d", s->newfd);
		obj_text(out, &s->info, NULL, true, false);
	}
}

static void sys_text(FILE *out, const struct pt_sys *s, const struct pt_view *v)
{
	struct end fill = { s->addr_family, s->addr, s->port };
	char cb[16];

	task_text(out, v, call_str(s->call, cb, sizeof(cb)), &s->task);
	if (s->flags & PT_SF_NOARGS) {
		ret_text(out, s->ret);
		fputs(" (entry not seen)\n", out);
		return;
	}
	sys_call_text(out, s, s->flags & PT_SF_ADDR ? &fill : NULL, s->ret >= 0);
	if (s->flags & PT_SF_FAULT)
		fputs(" [fault]", out);
	fputc('\n', out);
}

static void sys_json(FILE *out, const struct pt_sys *s, const struct pt_view *v)
{
	const unsigned char *d = (const unsigned char *)(s + 1);
	size_t n = s->len - sizeof(*s);
	char cb[16], ab[64];

	task_json(out, v, "sys", &s->task);
	fputs(",\"call\":", out);
	pt_json_str(out, call_str(s->call, cb, sizeof(cb)));
	ret_json(out, s->ret);
	fprintf(out, ",\"fd\":%d,\"newfd\":%d,\"newfd2\":%d,\"args\":[%llu,%llu,%llu],\"cloexec\":%s,\"noargs\":%s,"
		"\"fault\":%s", s->fd, s->newfd, s->newfd2, (unsigned long long)s->arg[0],
		(unsigned long long)s->arg[1], (unsigned long long)s->arg[2],
		s->flags & PT_SF_CLOEXEC ? "true" : "false", s->flags & PT_SF_NOARGS ? "true" : "false",
		s->flags & PT_SF_FAULT ? "true" : "false");
	if (s->data_len < n)
		n = s->data_len;
	if (n) {
		fputs(",\"path\":", out);
		pt_json_bytes(out, d, strnlen((const char *)d, n));
		fprintf(out, ",\"path_truncated\":%s", s->flags & PT_SF_PATH_TRUNC ? "true" : "false");
	}
	if (s->flags & PT_SF_ADDR) {
		fprintf(out, ",\"addr_family\":\"%s\",\"addr\":", NAME_OR_NUM(families, s->addr_family, cb));
		if (inet_family(s->addr_family))
			fprintf(out, "\"%s\"", pt_fmt_addr(s->addr, s->addr_family == AF_INET6, ab, sizeof(ab)));
		else
			fputs("null", out);
		fprintf(out, ",\"port\":%u", s->port);
	}
	obj_json(out, &s->info);
	fputs("}\n", out);
}

/* ---- PT_REC_DATA, PT_REC_CHUNK ---- */

static const struct flag_name data_flags[] = {
	{ PT_DAF_NOARGS, "noargs" }, { PT_DAF_FAULT, "fault" }, { PT_DAF_TRUNC, "truncated" },
	{ PT_DAF_IOV_TRUNC, "iov_truncated" }, { PT_DAF_NOCONTENT, "nocontent" },
	{ PT_DAF_MMSG_TRUNC, "mmsg_truncated" }, { PT_DAF_SEQ_UNCERTAIN, "seq_uncertain" },
	{ PT_DAF_SEQ_LOCKED, "seq_locked" },
	{ PT_DAF_LIMIT, "content_limit" },
};

/* Inline content bytes actually in the record. */
static size_t data_inline(const struct pt_data *d)
{
	size_t n = d->len - sizeof(*d);

	return d->cap_len < n ? d->cap_len : n;
}

/* " 73 B "GET / HTTP/1.1\r\n..."..." and "(captured C of S, truncated)" */
static void data_content_text(FILE *out, const struct pt_data *d)
{
	static const char *const why[] = { "truncated", "fault", "iovecs cut", "messages cut" };
	static const __u16 bits[] = { PT_DAF_TRUNC, PT_DAF_FAULT, PT_DAF_IOV_TRUNC, PT_DAF_MMSG_TRUNC };
	size_t n = data_inline(d), shown = n < PREVIEW_MAX ? n : PREVIEW_MAX;
	bool partial = (d->captured < d->size && d->captured) ||
		       (d->flags & (PT_DAF_FAULT | PT_DAF_IOV_TRUNC | PT_DAF_MMSG_TRUNC));

	fprintf(out, " %llu B", (unsigned long long)d->size);
	if (d->call == PT_CALL_PREAD64 || d->call == PT_CALL_PWRITE64)
		fprintf(out, " at %lld", (long long)d->offset);
	if (d->call == PT_CALL_SENDFILE)
		fprintf(out, " from fd %d", d->fd2);
	if (shown) {
		fputs(" \"", out);
		put_cesc(out, (const unsigned char *)(d + 1), shown);
		fputc('"', out);
		if (shown < d->size)
			fputs("...", out);
	}
	if (!partial)
		return;
	fprintf(out, " (captured %llu of %llu", (unsigned long long)d->captured, (unsigned long long)d->size);
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (d->flags & bits[i])
			fprintf(out, ", %s", why[i]);
	fputc(')', out);
}

static void data_text(FILE *out, const struct pt_data *d, const struct pt_view *v)
{
	struct end peer = { d->peer_family, d->peer_addr, d->peer_port };
	char cb[16];

	task_text(out, v, call_str(d->call, cb, sizeof(cb)), &d->task);
	if (d->flags & PT_DAF_NOARGS) {
		ret_text(out, d->ret);
		fputs(" (entry not seen)\n", out);
		return;
	}
	fprintf(out, " fd %d", d->fd);
	if (d->call == PT_CALL_SENDMMSG || d->call == PT_CALL_RECVMMSG)
		fprintf(out, " msg %u", d->msg_index);
	obj_text(out, &d->info, d->flags & PT_DAF_ADDR ? &peer : NULL, true, d->dir == PT_DIR_IN);
	if (d->ret < 0)
		ret_text(out, d->ret);
	else
		data_content_text(out, d);
	fputc('\n', out);
}

static void data_json(FILE *out, const struct pt_data *d, const struct pt_view *v)
{
	struct end peer = { d->peer_family, d->peer_addr, d->peer_port };
	char cb[16], pb[64];
	bool first = true;

	task_json(out, v, "data", &d->task);
	fputs(",\"call\":", out);
	pt_json_str(out, call_str(d->call, cb, sizeof(cb)));
	ret_json(out, d->ret);
	fprintf(out, ",\"fd\":%d,\"fd2\":%d,\"dir\":\"%s\",\"size\":%llu,\"captured\":%llu,\"offset\":", d->fd, d->fd2,
		d->dir == PT_DIR_IN ? "in" : "out", (unsigned long long)d->size, (unsigned long long)d->captured);
	if (d->offset < 0)
		fputs("null", out);
	else
		fprintf(out, "%lld", (long long)d->offset);
	fprintf(out, ",\"msg_index\":%u,\"flags\":[", d->msg_index);
	for (size_t i = 0; i < sizeof(data_flags) / sizeof(data_flags[0]); i++) {
		if (d->flags & data_flags[i].bit) {
			fprintf(out, "%s\"%s\"", first ? "" : ",", data_flags[i].name);
			first = false;
		}
	}
	fputc(']', out);
	if (d->flags & PT_DAF_ADDR) {
		fputs(",\"peer\":", out);
		if (inet_family(d->peer_family))
			fprintf(out, "\"%s\"", end_str(&peer, pb, sizeof(pb)));
		else
			fputs("null", out);
	}
	obj_json(out, &d->info);
	fputs(",\"content\":", out);
	json_hex(out, (const unsigned char *)(d + 1), data_inline(d));
	fputs("}\n", out);
}

static void chunk_json(FILE *out, const struct pt_chunk *c, const struct pt_view *v)
{
	size_t n = c->len - sizeof(*c);
	char ts[48];

	pt_view_fmt_time(v, c->ts_ns, ts, sizeof(ts));
	fprintf(out, "{\"type\":\"chunk\",\"ts\":\"%s\",\"ts_ns\":%llu,\"tid\":%u,\"off\":%llu,\"msg_index\":%u,"
		"\"len\":%zu,", ts, (unsigned long long)c->ts_ns, c->tid, (unsigned long long)c->off, c->msg_index, n);
	if (c->flags & (PT_CHF_FAULT | PT_CHF_IOV))	/* the content ends here, and why */
		fprintf(out, "\"content_ends\":\"%s\",", c->flags & PT_CHF_FAULT ? "fault" : "iov_limit");
	fputs("\"content\":", out);
	json_hex(out, (const unsigned char *)(c + 1), n);
	fputs("}\n", out);
}

/* ---- LOSS of the family's ring ---- */

static void loss_out(FILE *out, const struct pt_loss_rec *l, const struct pt_view *v, bool json)
{
	const char *cat = proc_cats[l->point - PT_PROC_LOSS_POINT(0)];
	char ts[48];

	pt_view_fmt_time(v, l->boottime_ns, ts, sizeof(ts));
	if (json)
		fprintf(out, "{\"type\":\"loss\",\"ts\":\"%s\",\"point\":\"proc-probes/%s\",\"point_id\":%u,"
			"\"probe\":\"proc\",\"category\":\"%s\",\"lost\":%llu,\"lost_total\":%llu}\n", ts, cat, l->point,
			cat, (unsigned long long)l->lost, (unsigned long long)l->lost_total);
	else
		fprintf(out, "%s loss proc-probes/%s: %llu record(s) lost (%llu in all), ring buffer full "
			"(reload the process probes with a larger --proc-ring-mb)\n", ts, cat,
			(unsigned long long)l->lost, (unsigned long long)l->lost_total);
}

bool pt_format_proc_rec(FILE *out, const struct pt_rec_hdr *h, const struct pt_view *v, bool json)
{
	switch (h->type) {
	case PT_REC_PROC:
		if (h->len < sizeof(struct pt_proc))
			return false;
		(json ? proc_json : proc_text)(out, (const struct pt_proc *)h, v);
		return true;
	case PT_REC_SYS:
		if (h->len < sizeof(struct pt_sys))
			return false;
		(json ? sys_json : sys_text)(out, (const struct pt_sys *)h, v);
		return true;
	case PT_REC_DATA:
		if (h->len < sizeof(struct pt_data))
			return false;
		(json ? data_json : data_text)(out, (const struct pt_data *)h, v);
		return true;
	case PT_REC_CHUNK:
		if (h->len < sizeof(struct pt_chunk))
			return false;
		if (json)
			chunk_json(out, (const struct pt_chunk *)h, v);
		return true;
	case PT_REC_LOSS:
		if (h->len < sizeof(struct pt_loss_rec) || !PT_IS_PROC_LOSS_POINT(((const struct pt_loss_rec *)h)->point))
			return false;
		loss_out(out, (const struct pt_loss_rec *)h, v, json);
		return true;
	default:
		return false;
	}
}
