/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* server.h — the collector's tail server (protocol: tailproto.h). */
#ifndef PROVTAP_SERVER_H
#define PROVTAP_SERVER_H

#include <stddef.h>
#include "query/format.h"

struct pt_server;

/*
 * Listen on path (mode 0660, group root; a stale socket file is replaced, a live
 * one is -EADDRINUSE). view is the collector's, read at every send. 0 or -errno.
 */
int pt_server_open(const char *path, const struct pt_view *view, struct pt_server **out);
int pt_server_listen_fd(const struct pt_server *s);

/* Accept a client (call when the listen fd is readable). Adds its fd to epfd. */
void pt_server_accept(struct pt_server *s, int epfd);

/* Handle readiness of a client fd (request line, writability, hangup). */
void pt_server_client_event(struct pt_server *s, int fd, unsigned int events, int epfd);

/* Offer records (back to back) to every client, filtered. */
void pt_server_publish(struct pt_server *s, const void *recs, size_t len, int epfd);

/* Close everything and unlink the socket. NULL-safe. */
void pt_server_close(struct pt_server *s);

#endif /* PROVTAP_SERVER_H */
