// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "collector/server.h"
#include "bpf/proc.h"
#include "collector/tailproto.h"
#include "common/log.h"
#include "query/filter.h"

#define MAX_CLIENTS	64
#define OUT_CAP		(4u << 20)	/* per-client backlog before records are skipped */

struct client {
	int fd;			/* -1 = free slot */
	int streaming;		/* request accepted */
	char req[PT_TAIL_LINE_MAX + 1];
	size_t req_len;
	struct pt_filter *filter;
	unsigned char *out;	/* pending bytes [out_off, out_len) */
	size_t out_off, out_len;
	__u64 skipped;
	int want_out;		/* EPOLLOUT registered */
	struct pt_chunk_follow chunks;	/* a DATA record offered: its CHUNKs go too */
};

struct pt_server {
	int lfd;
	char path[108];
	const struct pt_view *view;
	struct client c[MAX_CLIENTS];
};

int pt_server_open(const char *path, const struct pt_view *view, struct pt_server **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pt_server *s;
	struct stat st;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pt_err("socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A socket file nobody answers on is stale: replace it; a live one is another collector. */
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		close(fd);
		pt_err("%s exists and is not a socket; refusing to replace it", path);
		return -EEXIST;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		pt_err("%s: another collector is serving this socket", path);
		return -EADDRINUSE;
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660) || chown(path, 0, 0) ||
	    listen(fd, 16)) {
		err = -errno;
		pt_err("cannot listen on %s: %s", sa.sun_path, strerror(-err));
		close(fd);
		unlink(path);
		return err;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	s->lfd = fd;
	s->view = view;
	snprintf(s->path, sizeof(s->path), "%s", path);
	for (int i = 0; i < MAX_CLIENTS; i++)
		s->c[i].fd = -1;
	*out = s;
	return 0;
}

int pt_server_listen_fd(const struct pt_server *s)
{
	return s->lfd;
}

static struct client *find(struct pt_server *s, int fd)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->c[i].fd == fd)
			return &s->c[i];
	return NULL;
}

static void drop_client(struct client *c, int epfd)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	pt_filter_free(c->filter);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void pt_server_accept(struct pt_server *s, int epfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct client *c;
	int fd;

	fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	c = find(s, -1);
	if (!c) {
		static const char busy[] = "ERR 0 too many tail clients\n";

		if (write(fd, busy, sizeof(busy) - 1) < 0)
			pt_debug("tail client refused");
		close(fd);
		return;
	}
	c->fd = fd;
	ev.data.fd = fd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev))
		drop_client(c, epfd);
}

/* Send what is pending; register for EPOLLOUT while anything remains. -1 = client gone. */
static int flush(struct client *c, int epfd)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if ((c->out_len != 0) != c->want_out) {
		struct epoll_event ev = { .events = EPOLLIN | (c->out_len ? EPOLLOUT : 0), .data.fd = c->fd };

		c->want_out = c->out_len != 0;
		epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
	}
	return 0;
}

/* Queue len bytes; false when the backlog is full. */
static bool queue(struct client *c, const void *p, size_t len)
{
	if (c->out_off && c->out_len + len > OUT_CAP) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + len > OUT_CAP)
		return false;
	memcpy(c->out + c->out_len, p, len);
	c->out_len += len;
	return true;
}

/* Queue one record, preceded by a gap record if this client missed some. */
static void offer(struct client *c, const struct pt_rec_hdr *h)
{
	if (c->skipped) {
		struct pt_tailgap_rec g = { .type = PT_REC_TAILGAP, .len = sizeof(g), .skipped = c->skipped };

		if (c->out_len + sizeof(g) + h->len > OUT_CAP || !queue(c, &g, sizeof(g))) {
			c->skipped++;
			return;
		}
		c->skipped = 0;
	}
	if (!queue(c, h, h->len))
		c->skipped++;
}

static void start_stream(struct pt_server *s, struct client *c, int epfd)
{
	struct pt_filter_err fe = {};
	char *expr = c->req + 4, line[256];

	c->req[c->req_len - 1] = 0;	/* the newline */
	if (strncmp(c->req, "TAIL", 4) || (*expr && *expr != ' ')) {
		snprintf(line, sizeof(line), "ERR 0 expected \"TAIL <filter>\"\n");
		goto refuse;
	}
	if (pt_filter_parse(*expr ? expr + 1 : expr, &c->filter, &fe)) {
		snprintf(line, sizeof(line), "ERR %d %s\n", fe.pos, fe.msg);
		goto refuse;
	}
	c->out = malloc(OUT_CAP);
	if (!c->out) {
		snprintf(line, sizeof(line), "ERR 0 out of memory\n");
		goto refuse;
	}
	c->streaming = 1;
	queue(c, "OK\n", 3);
	for (__u16 i = 0; i < PT_MAX_POINTS; i++) {
		struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr), .point = i };

		if (!s->view->name[i][0])
			continue;
		pr.info = s->view->info[i];
		queue(c, &pr, sizeof(pr));
	}
	if (s->view->clock_valid) {
		struct pt_clock_rec cr = { .type = PT_REC_CLOCK, .len = sizeof(cr), .boottime_ns = 0,
					   .realtime_ns = (__u64)s->view->clock_offset };

		queue(c, &cr, sizeof(cr));
	}
	if (flush(c, epfd))
		drop_client(c, epfd);
	return;
refuse:
	if (write(c->fd, line, strlen(line)) < 0)
		pt_debug("tail client went away");
	drop_client(c, epfd);
}

/* A request line longer than the protocol allows: say so (an older or foreign client), then close. */
static void refuse_long(struct client *c, int epfd)
{
	char line[128];

	snprintf(line, sizeof(line), "ERR 0 the request line is longer than the collector takes (at most %d bytes)\n",
		 PT_TAIL_LINE_MAX);
	if (write(c->fd, line, strlen(line)) < 0)
		pt_debug("tail client went away");
	drop_client(c, epfd);
}

void pt_server_client_event(struct pt_server *s, int fd, unsigned int events, int epfd)
{
	struct client *c = find(s, fd);

	if (!c)
		return;
	if (events & (EPOLLHUP | EPOLLERR)) {
		drop_client(c, epfd);
		return;
	}
	if ((events & EPOLLOUT) && flush(c, epfd)) {
		drop_client(c, epfd);
		return;
	}
	if (!(events & EPOLLIN))
		return;
	if (c->streaming) {
		char junk[256];
		ssize_t n = read(fd, junk, sizeof(junk));

		if (n == 0 || (n < 0 && errno != EAGAIN))
			drop_client(c, epfd);
		return;
	}
	for (;;) {
		ssize_t n = read(fd, c->req + c->req_len, 1);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			drop_client(c, epfd);
			return;
		}
		if (++c->req_len == sizeof(c->req)) {
			refuse_long(c, epfd);
			return;
		}
		if (c->req[c->req_len - 1] == '\n') {
			start_stream(s, c, epfd);
			return;
		}
	}
}

void pt_server_publish(struct pt_server *s, const void *recs, size_t len, int epfd)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->c[i];
		const unsigned char *p = recs, *end = p + len;

		if (c->fd < 0 || !c->streaming)
			continue;
		while (p + sizeof(struct pt_rec_hdr) <= end) {
			const struct pt_rec_hdr *h = (const void *)p;

			if (h->len < sizeof(*h) || p + h->len > end)
				break;
			p += h->len;
			if (h->type == PT_REC_PKT || h->type == PT_REC_DROP) {
				/* a drop starts with its packet's identity (struct pt_drop.pkt) */
				struct pt_point_names n = pt_view_names(s->view, ((const struct pt_pkt *)h)->point);

				if (h->len < sizeof(struct pt_pkt) ||
				    !pt_filter_match(c->filter, (const struct pt_pkt *)h, &n))
					continue;
			} else if (h->type == PT_REC_STATS) {
				continue;
			} else if (h->type == PT_REC_PROC || h->type == PT_REC_SYS || h->type == PT_REC_DATA ||
				   h->type == PT_REC_CHUNK) {
				if (!pt_filter_match_follow(c->filter, h, NULL, &c->chunks))
					continue;
			}
			offer(c, h);
		}
		if (flush(c, epfd))
			drop_client(c, epfd);
	}
}

void pt_server_close(struct pt_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (s->c[i].fd >= 0) {
			close(s->c[i].fd);
			pt_filter_free(s->c[i].filter);
			free(s->c[i].out);
		}
	}
	close(s->lfd);
	unlink(s->path);
	free(s);
}
