// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "query/vertex.h"

#define FORMS "proc:HOST/PID@START, proc:PID, conn:ID, recv:CONN+OFFSET, recv:CONN@EP+OFFSET, file:PATH, " \
	      "pkt:FP@POINT, sock:HOST/INO or drop:FP@TS"

static int bad(char *err, size_t errlen, const char *s, const char *why)
{
	snprintf(err, errlen, "bad vertex id '%s': %s (ids: " FORMS ")", s, why);
	return -EINVAL;
}

/* Whole of s[0..n) a decimal (base 10) or hex (base 16) number fitting 64 bits. */
static bool number(const char *s, size_t n, int base, __u64 *out)
{
	char buf[32], *end;

	if (!n || n >= sizeof(buf) || *s == '-' || *s == '+' || *s == ' ')
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	errno = 0;
	*out = strtoull(buf, &end, base);
	return !errno && *end == 0;
}

static bool copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (!n || n >= cap)
		return false;
	memcpy(dst, s, n);
	dst[n] = 0;
	return true;
}

/* "HOST/NUM" or "NUM" into host/num. */
static bool host_num(const char *s, size_t n, struct pt_vertex_id *v, __u64 *num)
{
	const char *slash = memchr(s, '/', n);

	if (!slash)
		return number(s, n, 10, num);
	v->has_host = true;
	return copy(v->host, sizeof(v->host), s, (size_t)(slash - s)) &&
	       number(slash + 1, n - (size_t)(slash + 1 - s), 10, num);
}

static int parse_proc(const char *s, const char *p, struct pt_vertex_id *v, char *err, size_t errlen)
{
	const char *at = strrchr(p, '@');
	size_t n = at ? (size_t)(at - p) : strlen(p);
	__u64 pid;

	if (!host_num(p, n, v, &pid) || !pid || pid > 0x7fffffff)
		return bad(err, errlen, s, "a process is proc:HOST/PID@START (PID and START decimal)");
	v->pid = (__u32)pid;
	if (at) {
		v->has_start = true;
		if (!number(at + 1, strlen(at + 1), 10, &v->start_ns))
			return bad(err, errlen, s, "START is the process's start time in boottime ns");
	}
	return 0;
}

static int parse_recv(const char *s, const char *p, struct pt_vertex_id *v, char *err, size_t errlen)
{
	const char *plus = strrchr(p, '+'), *at;

	if (!plus || !number(plus + 1, strlen(plus + 1), 10, &v->off))
		return bad(err, errlen, s, "a received byte is recv:CONN+OFFSET (OFFSET decimal)");
	at = memchr(p, '@', (size_t)(plus - p));
	if (at) {
		v->has_ep = true;
		if (!copy(v->ep, sizeof(v->ep), at + 1, (size_t)(plus - at - 1)))
			return bad(err, errlen, s, "EP in recv:CONN@EP+OFFSET is the receiving end's address:port");
	}
	if (!copy(v->conn, sizeof(v->conn), p, (size_t)((at ? at : plus) - p)))
		return bad(err, errlen, s, "CONN is a connection id as `provtap query conn` prints it");
	return 0;
}

int pt_vertex_parse(const char *s, struct pt_vertex_id *v, char *err, size_t errlen)
{
	const char *p = strchr(s, ':'), *at;

	memset(v, 0, sizeof(*v));
	if (!p)
		return bad(err, errlen, s, "no KIND: prefix");
	p++;
	if (!strncmp(s, "proc:", 5)) {
		v->kind = PT_V_PROC;
		return parse_proc(s, p, v, err, errlen);
	}
	if (!strncmp(s, "conn:", 5)) {
		v->kind = PT_V_CONN;
		if (!copy(v->conn, sizeof(v->conn), p, strlen(p)) || strchr(p, '+') || strchr(p, '@'))
			return bad(err, errlen, s, "CONN is a connection id as `provtap query conn` prints it");
		return 0;
	}
	if (!strncmp(s, "recv:", 5)) {
		v->kind = PT_V_RECV;
		return parse_recv(s, p, v, err, errlen);
	}
	if (!strncmp(s, "file:", 5)) {
		v->kind = PT_V_FILE;
		if (!copy(v->path, sizeof(v->path), p, strlen(p)))
			return bad(err, errlen, s, "a file is file:PATH (PATH not empty, at most 4096 bytes)");
		return 0;
	}
	if (!strncmp(s, "pkt:", 4) || !strncmp(s, "drop:", 5)) {
		v->kind = s[0] == 'p' ? PT_V_PKT : PT_V_DROP;
		at = strchr(p, '@');
		if (!at || !number(p, (size_t)(at - p), 16, &v->fp))
			return bad(err, errlen, s, v->kind == PT_V_PKT ? "a packet is pkt:FP@POINT (FP hex)"
								    : "a drop is drop:FP@TS (FP hex, TS boottime ns)");
		if (v->kind == PT_V_PKT) {
			if (!copy(v->point, sizeof(v->point), at + 1, strlen(at + 1)))
				return bad(err, errlen, s, "POINT is a capture point name (ifname@netns:dir or alias)");
		} else if (!number(at + 1, strlen(at + 1), 10, &v->ts)) {
			return bad(err, errlen, s, "a drop is drop:FP@TS (TS boottime ns)");
		}
		return 0;
	}
	if (!strncmp(s, "sock:", 5)) {
		v->kind = PT_V_SOCK;
		if (!host_num(p, strlen(p), v, &v->ino) || !v->ino)
			return bad(err, errlen, s, "a socket is sock:HOST/INO (INO its inode, decimal)");
		return 0;
	}
	return bad(err, errlen, s, "unknown kind");
}

int pt_vid_proc(char *buf, size_t len, const char *host, __u32 pid, __u64 start_ns)
{
	return snprintf(buf, len, "proc:%s/%u@%llu", host, pid, (unsigned long long)start_ns);
}

int pt_vid_conn(char *buf, size_t len, const char *conn_id)
{
	return snprintf(buf, len, "conn:%s", conn_id);
}

int pt_vid_recv(char *buf, size_t len, const char *conn_id, const char *ep, __u64 off)
{
	return snprintf(buf, len, "recv:%s%s%s+%llu", conn_id, ep ? "@" : "", ep ? ep : "",
			(unsigned long long)off);
}

int pt_vid_file(char *buf, size_t len, const char *path)
{
	return snprintf(buf, len, "file:%s", path);
}

int pt_vid_pkt(char *buf, size_t len, __u64 fp, const char *point)
{
	return snprintf(buf, len, "pkt:%016llx@%s", (unsigned long long)fp, point);
}

int pt_vid_sock(char *buf, size_t len, const char *host, __u64 ino)
{
	return snprintf(buf, len, "sock:%s/%llu", host, (unsigned long long)ino);
}

int pt_vid_drop(char *buf, size_t len, __u64 fp, __u64 ts)
{
	return snprintf(buf, len, "drop:%016llx@%llu", (unsigned long long)fp, (unsigned long long)ts);
}

int pt_vertex_format(const struct pt_vertex_id *v, char *buf, size_t len)
{
	switch (v->kind) {
	case PT_V_PROC:
		if (!v->has_start)
			return v->has_host ? snprintf(buf, len, "proc:%s/%u", v->host, v->pid)
					   : snprintf(buf, len, "proc:%u", v->pid);
		return v->has_host ? pt_vid_proc(buf, len, v->host, v->pid, v->start_ns)
				   : snprintf(buf, len, "proc:%u@%llu", v->pid, (unsigned long long)v->start_ns);
	case PT_V_CONN:
		return pt_vid_conn(buf, len, v->conn);
	case PT_V_RECV:
		return pt_vid_recv(buf, len, v->conn, v->has_ep ? v->ep : NULL, v->off);
	case PT_V_FILE:
		return pt_vid_file(buf, len, v->path);
	case PT_V_PKT:
		return pt_vid_pkt(buf, len, v->fp, v->point);
	case PT_V_SOCK:
		return v->has_host ? pt_vid_sock(buf, len, v->host, v->ino)
				   : snprintf(buf, len, "sock:%llu", (unsigned long long)v->ino);
	case PT_V_DROP:
		return pt_vid_drop(buf, len, v->fp, v->ts);
	}
	return snprintf(buf, len, "?");
}
