/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ptx.h — the recording of an experiment (.ptx): what `provtap record` writes
 * and `show` / `replay` read. One self-describing, versioned, checksummed,
 * compressed file holding the process tree (argv, exit statuses), the files it
 * opened, every TCP connection's bytes in both directions with the marks of
 * what is missing, UDP datagrams, and the records the kernel lost.
 *
 * File layout (little-endian; see ptx.c for the writer and the checks):
 *
 *   struct pt_ptx_filehdr (64 bytes)
 *     magic[8]      "PROVTAPX"
 *     version       PT_PTX_VERSION (2); a reader reads 1 to PT_PTX_VERSION
 *                   and refuses any other (version 1: every STREAM holds all
 *                   of its len bytes; see ptx.c)
 *     hdr_len       64
 *     raw_len       bytes of the body once inflated (<= PT_PTX_RAW_MAX)
 *     comp_len      bytes of compressed body after the header (the file is
 *                   exactly 64 + comp_len bytes long)
 *     raw_crc       CRC-32 of the inflated body
 *     comp_crc      CRC-32 of the compressed body
 *     nsections     sections in the body
 *     flags         enum pt_ptx_flag, a summary of what the body says
 *     pad[12]       zero
 *     hdr_crc       CRC-32 of the 60 bytes before it
 *   body: raw DEFLATE (RFC 1951) of nsections sections, back to back:
 *     struct pt_ptx_sect { type (enum pt_ptx_sect_type), flags (0), len }
 *     followed by len bytes of payload, laid out per type in ptx.c.
 *
 * Self-describing: the first section (PT_PTX_S_ABOUT) is text saying what the
 * file is and how its sections are laid out, the second (PT_PTX_S_META)
 * key=value pairs (host, kernel, provtap version, times, command, cwd, limits).
 * A reader skips section types it does not know (a later minor addition), but
 * a layout change of a known section needs a new PT_PTX_VERSION.
 *
 * Times in the sections are ns since the recording's origin (the boottime at
 * which the command was started, origin_boot_ns); origin_real_ns is the same
 * instant in wall-clock time. A merged recording's origin is the earliest of
 * its inputs' (their times moved by the differences of origin_real_ns).
 *
 * Connections: each entry is one recorded end of a TCP connection, seen from
 * its process (local = that process's end). When both ends were recorded (in
 * one recording, or joined by merge) each end has its own entry and the two
 * are linked by a TWIN section (pt_ptx_conn.twin), so either process can be
 * replayed alone with the other end emulated from its twin's recording.
 *
 * Hosts: a recording of several hosts (record --hosts-from, or merge) has a
 * HOST section per host naming the processes that ran there, and for a
 * merged one the command each host's recording ran. Processes in no HOST ran
 * on the recording's own host (META host).
 *
 * Memory: a struct pt_ptx owns every array and string it points to;
 * pt_ptx_free() releases them. Builders fill it with the pt_ptx_add_*()
 * helpers.
 */
#ifndef PROVTAP_PTX_H
#define PROVTAP_PTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#define PT_PTX_MAGIC		"PROVTAPX"
#define PT_PTX_VERSION		2	/* written; read: PT_PTX_VERSION_MIN .. this */
#define PT_PTX_VERSION_MIN	1
#define PT_PTX_RAW_MAX		(4ULL << 30)	/* largest inflated body a reader accepts */
#define PT_PTX_NONE		0xffffffffu	/* no process / connection */
#define PT_PTX_OPEN		(~0ull)		/* exit_ts of a process alive at the end */

struct pt_ptx_filehdr {
	char  magic[8];
	__u32 version;
	__u32 hdr_len;
	__u64 raw_len;
	__u64 comp_len;
	__u32 raw_crc;
	__u32 comp_crc;
	__u32 nsections;
	__u32 flags;
	__u8  pad[12];
	__u32 hdr_crc;
};

_Static_assert(sizeof(struct pt_ptx_filehdr) == 64, "the .ptx header is 64 bytes");

struct pt_ptx_sect {
	__u16 type;
	__u16 flags;
	__u32 len;
};

enum pt_ptx_sect_type {
	PT_PTX_S_ABOUT = 1,	/* text: what this file is, section layouts */
	PT_PTX_S_META = 2,	/* key\0value\0 pairs */
	PT_PTX_S_ARGV = 3,	/* the recorded command: NUL-terminated strings */
	PT_PTX_S_ENV = 4,	/* its environment: NUL-terminated "K=V" strings */
	PT_PTX_S_PROC = 5,	/* one process */
	PT_PTX_S_EXEC = 6,	/* one exec of a process */
	PT_PTX_S_FILE = 7,	/* one file opened */
	PT_PTX_S_CONN = 8,	/* one TCP connection, without its content */
	PT_PTX_S_STREAM = 9,	/* one direction of a connection: gaps and bytes */
	PT_PTX_S_EVENTS = 10,	/* the data calls of a connection, in time order */
	PT_PTX_S_DGRAM = 11,	/* one UDP datagram */
	PT_PTX_S_LOSS = 12,	/* what the kernel and the recorder could not deliver */
	PT_PTX_S_TWIN = 13,	/* two connection entries that are the ends of one connection */
	PT_PTX_S_HOST = 14,	/* one host of a multi-host recording: its command and processes */
};

/* Summary flags (header and pt_ptx.flags). */
enum pt_ptx_flag {
	PT_PTX_F_TRUNC = 1 << 0,	/* some content is missing (gaps in a stream or datagram) */
	PT_PTX_F_LOST = 1 << 1,		/* the kernel dropped records: anything may be missing */
	PT_PTX_F_PARTIAL = 1 << 2,	/* the store had corrupt regions or rejected records */
};

/* Process flags. */
enum pt_ptx_proc_flag {
	PT_PTX_P_EXITED = 1 << 0,	/* exit_status is valid */
	PT_PTX_P_SIGNALED = 1 << 1,	/* killed by a signal: exit_status & 0x7f */
	PT_PTX_P_ROOT = 1 << 2,		/* the command record started (parent outside the recording) */
};

/* Connection flags. */
enum pt_ptx_conn_flag {
	PT_PTX_C_TRUNC = 1 << 0,	/* a direction has gaps: bytes the recording lacks */
	PT_PTX_C_LOST = 1 << 1,		/* recorded while the kernel dropped records: may be incomplete */
	PT_PTX_C_INTERNAL = 1 << 2,	/* both ends were in the recording (no peer to emulate) */
	PT_PTX_C_INEXACT = 1 << 3,	/* stream offsets are relative to the first call seen */
	PT_PTX_C_EOF_IN = 1 << 4,	/* the local end read end-of-stream from the peer */
};

enum pt_ptx_role {
	PT_PTX_R_UNKNOWN = 0,
	PT_PTX_R_CONNECT = 1,	/* the recorded process connected: an outbound connection */
	PT_PTX_R_ACCEPT = 2,	/* the recorded process accepted it: inbound */
};

/* Directions of a connection, from the recorded (local) end. */
enum pt_ptx_dir {
	PT_PTX_D_OUT = 0,	/* local -> peer (what the recorded process sent) */
	PT_PTX_D_IN = 1,	/* peer -> local (what it received) */
};

/* What a gap is: the values of enum pt_pm_gap (query/procmodel.h), plus the recorder's own. */
enum pt_ptx_gap {
	PT_PTX_G_RING = 1,	/* captured, but the kernel could not deliver it */
	PT_PTX_G_FAULT = 2,	/* reading the user buffer failed */
	PT_PTX_G_IOV = 3,	/* iovecs past the probe's limit */
	PT_PTX_G_TRUNC = 4,	/* the call moved more than the probe captures per call */
	PT_PTX_G_NOCONTENT = 5,	/* not in user memory (sendfile) */
	PT_PTX_G_OFF = 6,	/* content capture was off */
	PT_PTX_G_UNSEEN = 7,	/* no recorded call moved these bytes */
	PT_PTX_G_LIMIT = 16,	/* past record's --content-max */
	PT_PTX_G_MAX
};

struct pt_ptx_exec {
	__u64 ts;
	__u32 argc;
	__u16 flags;		/* PT_PRF_ARGV_TRUNC, PT_PRF_PATH_TRUNC, PT_PRF_FAULT (bpf/proc.h) */
	char *filename;
	char *argv;		/* argc NUL-terminated strings, argv_len bytes */
	__u32 argv_len;
};

struct pt_ptx_proc {
	__u32 parent;		/* index of the parent process, PT_PTX_NONE for a root */
	__u32 pid, ppid;	/* as recorded (pids of the recording host) */
	__u32 flags;		/* enum pt_ptx_proc_flag */
	__s32 exit_status;	/* wait status when PT_PTX_P_EXITED */
	__u64 start_ts, exit_ts;	/* exit_ts PT_PTX_OPEN when it was still alive */
	__u32 host;		/* index in pt_ptx.hosts; PT_PTX_NONE: the recording's own host */
	char comm[16];
	struct pt_ptx_exec *execs;
	__u32 nexecs;
};

struct pt_ptx_file {
	__u32 proc;
	__u32 open_flags;
	__s32 dirfd;		/* AT_FDCWD (-100) or the fd a relative path is relative to */
	__u64 ts;
	char *path;		/* as given to open */
};

struct pt_ptx_gaprange {
	__u64 off, len;
	__u8 kind;		/* enum pt_ptx_gap */
};

/*
 * One direction of a connection: len bytes, of which data holds the first
 * stored (zero in the gaps among them). Bytes past stored were not captured:
 * [stored, len) lies wholly in gaps (typically PT_PTX_G_LIMIT past
 * --content-max), so a 10 GB transfer cut at 64 MiB holds 64 MiB. Read the
 * bytes with pt_ptx_stream_bytes(), never data past stored.
 */
struct pt_ptx_stream {
	__u64 len;
	__u64 stored;		/* bytes in data, <= len */
	__u8 *data;		/* stored bytes (NULL when stored == 0) */
	struct pt_ptx_gaprange *gaps;	/* sorted, disjoint */
	__u32 ngaps;
};

/* A data call of the local end: [off, off + len) of direction dir at ts. len 0: end of stream (IN). */
struct pt_ptx_event {
	__u64 ts;
	__u64 off;
	__u64 len;
	__u8 dir;		/* enum pt_ptx_dir */
};

struct pt_ptx_conn {
	__u32 proc;		/* the process whose socket it is (that connected / accepted) */
	__u8 role;		/* enum pt_ptx_role */
	__u32 flags;		/* enum pt_ptx_conn_flag */
	__u16 family;		/* AF_INET / AF_INET6 */
	__u8 laddr[16], raddr[16];	/* network order */
	__u16 lport, rport;	/* host order */
	__u64 first_ts, last_ts;
	__u32 twin;		/* the entry of the other end (both recorded), PT_PTX_NONE if none */
	struct pt_ptx_stream dir[2];	/* enum pt_ptx_dir */
	struct pt_ptx_event *events;
	__u32 nevents;
};

struct pt_ptx_dgram {
	__u32 proc;		/* the process that sent / received it, PT_PTX_NONE if not known */
	__u8 dir;		/* enum pt_ptx_dir */
	__u16 family;
	__u8 laddr[16], raddr[16];	/* raddr: destination (OUT) or source (IN) */
	__u16 lport, rport;
	__u64 ts;
	__u64 size;		/* bytes of the datagram */
	__u64 captured;		/* bytes kept in data (<= size; less: truncated) */
	__u64 sock;		/* the socket's inode: datagrams of one socket share it */
	__u8 *data;
};

/* A host of a multi-host recording (HOST section); its processes have pt_ptx_proc.host = its index. */
struct pt_ptx_host {
	char name[64];		/* label: the --hosts-from namespace, or the merged input's host */
	char hostname[64];	/* host name the recording of it was made on */
	__u64 netns_ino;	/* its network namespace (--hosts-from), 0 if not known */
	__s32 exit_status;	/* its command's wait status (argc > 0) */
	char *cwd;		/* its command's working directory; NULL: the recording's */
	char *argv;		/* its command (merge: the input's), argc strings; argc 0: none */
	__u32 argc, argv_len;
	char *env;		/* its command's environment, nenv "K=V" strings; nenv 0: the recording's */
	__u32 nenv, env_len;
};

struct pt_ptx {
	__u32 version;		/* format version it was read from; 0: built in memory */
	__u32 flags;		/* enum pt_ptx_flag */
	char host[64];
	char kernel[128];
	char tool[64];		/* provtap version that wrote it */
	__u64 origin_boot_ns, origin_real_ns;
	__u64 duration_ns;	/* command start .. its end */
	__u64 content_max;	/* record's --content-max: content kept per stream direction */
	__u32 call_content;	/* bytes the probes captured per data call */
	__s32 exit_status;	/* the command's wait status */
	char *cwd;
	char *argv;		/* argc strings back to back, argv_len bytes (argc 0: empty, argv may be NULL) */
	__u32 argc, argv_len;
	char *env;		/* nenv "K=V" strings back to back, env_len bytes */
	__u32 nenv, env_len;
	__u64 lost[4];		/* records the kernel dropped: proc, sys, data, chunk */
	__u64 corrupt;		/* corrupt store regions the recorder skipped */
	__u64 malformed;	/* records the process model rejected */
	struct pt_ptx_proc *procs;
	__u32 nprocs;
	struct pt_ptx_file *files;
	__u32 nfiles;
	struct pt_ptx_conn *conns;
	__u32 nconns;
	struct pt_ptx_dgram *dgrams;
	__u32 ndgrams;
	struct pt_ptx_host *hosts;
	__u32 nhosts;
	/* capacities of the arrays above (builders only) */
	__u32 cap_procs, cap_files, cap_conns, cap_dgrams, cap_hosts;
	/* each process's position among its parent's children (or the roots) by start
	 * time, nprocs entries (pt_ptx_index; decoding makes it); NULL: computed per call */
	__u32 *sib;
};

/* A new, empty recording; NULL on -ENOMEM. */
struct pt_ptx *pt_ptx_new(void);

/* NULL-safe. Frees everything the recording owns. */
void pt_ptx_free(struct pt_ptx *x);

/*
 * Index the process tree for pt_ptx_tree_pos (x->sib), in O(n log n); call it
 * again after changing procs. 0 or -ENOMEM (then positions are computed per
 * call, O(n) each).
 */
int pt_ptx_index(struct pt_ptx *x);

/*
 * Append a zeroed element to the array and return it (its index is the
 * count - 1), or NULL on -ENOMEM (the recording is unchanged). Pointers to
 * earlier elements of the same array may move.
 */
struct pt_ptx_proc *pt_ptx_add_proc(struct pt_ptx *x);
struct pt_ptx_file *pt_ptx_add_file(struct pt_ptx *x);
struct pt_ptx_conn *pt_ptx_add_conn(struct pt_ptx *x);
struct pt_ptx_dgram *pt_ptx_add_dgram(struct pt_ptx *x);
struct pt_ptx_host *pt_ptx_add_host(struct pt_ptx *x);

/* Link connections a and b as the two ends of one connection (both get PT_PTX_C_INTERNAL). */
void pt_ptx_link_twins(struct pt_ptx *x, __u32 a, __u32 b);

/* Name of the host process proc ran on: its host's name, else the recording's host. */
const char *pt_ptx_proc_host(const struct pt_ptx *x, __u32 proc);

/* Bytes of gap (of any kind) in a stream. */
__u64 pt_ptx_stream_missing(const struct pt_ptx_stream *s);

/*
 * The gap covering offset off of s, or NULL if the byte at off is recorded.
 * *data_end (may be NULL) gets the end of the recorded run starting at off
 * (off itself when off is in a gap).
 */
const struct pt_ptx_gaprange *pt_ptx_stream_gap_at(const struct pt_ptx_stream *s, __u64 off, __u64 *data_end);

/*
 * Up to want bytes of s from offset off: *p points at them and their count is
 * returned (0 when off >= s->len). The stored bytes come from data (zero in
 * its gaps); bytes past stored read as zeros from a static buffer, so fewer
 * than want may come back: call again from off + the count. *p is owned by
 * s or static; never points past what s holds.
 */
size_t pt_ptx_stream_bytes(const struct pt_ptx_stream *s, __u64 off, size_t want, const __u8 **p);

/*
 * Why s breaks the stream rules (stored <= len, gaps sorted, disjoint, not
 * empty and inside [0, len), [stored, len) wholly in gaps), or NULL if it
 * keeps them. The text is static.
 */
const char *pt_ptx_stream_check(const struct pt_ptx_stream *s);

/* Name of a gap kind ("truncated", "ring", ...). */
const char *pt_ptx_gap_name(__u8 kind);

/*
 * The process's position in the process tree: "0" for the first root, "0.2"
 * for its third child (children by start time), into buf. "?" when it is
 * unknown: proc is not a process of x, it is more than PT_PTX_POS_DEPTH
 * levels deep, or its position does not fit in len (a cut position could
 * equal another process's). Returns buf.
 */
#define PT_PTX_POS_DEPTH	64
char *pt_ptx_tree_pos(const struct pt_ptx *x, __u32 proc, char *buf, size_t len);

/*
 * Which datagrams --content-max cut (x->content_max per socket and direction,
 * as the build applies it): limited[i] for each of x->ndgrams. Returns
 * limited (caller frees), NULL on -ENOMEM or when there are no datagrams.
 */
bool *pt_ptx_dgram_limited(const struct pt_ptx *x);

/* The last exec's argv[0]'s basename, else comm ("?" if neither). Static-lifetime or owned by x. */
const char *pt_ptx_proc_name(const struct pt_ptx *x, __u32 proc);

/*
 * Write x to path (atomically: a new path.tmp.XXXXXX, fsync, rename; an
 * existing path is replaced). Returns 0 or -errno, with errlen bytes of
 * explanation in err. x is not modified.
 */
int pt_ptx_write(const struct pt_ptx *x, const char *path, char *err, size_t errlen);

/*
 * Can pt_ptx_write write path? Checked before work that would be lost
 * otherwise (record runs the command first): path is not empty, is a regular
 * file or absent, and a path.tmp.XXXXXX can be created in its directory (and
 * is removed). 0 or -errno, with errlen bytes of explanation in err.
 */
int pt_ptx_writable(const char *path, char *err, size_t errlen);

/*
 * Encode x into a malloc'd buffer (*out, *outlen: the whole file). 0, -ENOMEM,
 * -EOVERFLOW (a section too large) or -EINVAL (a stream breaks the rules of
 * pt_ptx_stream_check: the file would not read back), with err.
 */
int pt_ptx_encode(const struct pt_ptx *x, void **out, size_t *outlen, char *err, size_t errlen);

/*
 * Read the recording at path. Returns 0 and *out (caller frees with
 * pt_ptx_free), or a negative errno with errlen bytes of explanation in err
 * naming the file, the offset and what is wrong: -ENOENT / -errno (cannot
 * read), -EBADMSG (not a recording, truncated, checksum mismatch, malformed
 * section), -EPROTO (a format version outside PT_PTX_VERSION_MIN ..
 * PT_PTX_VERSION), -ENOMEM. Never crashes on any input. (*out)->version is
 * the file's format version.
 */
int pt_ptx_read(const char *path, struct pt_ptx **out, char *err, size_t errlen);

/* As pt_ptx_read, from buf (len bytes, a whole file's contents); name is used in messages. */
int pt_ptx_decode(const void *buf, size_t len, const char *name, struct pt_ptx **out, char *err, size_t errlen);

#endif /* PROVTAP_PTX_H */
