// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "userland/hosts.h"

int pt_hosts_from_parse(const char *list, struct pt_hosts_from *h, char *err, size_t errlen)
{
	const char *p = list;

	memset(h, 0, sizeof(*h));
	while (*p) {
		size_t len = strcspn(p, ",");
		char path[128];
		struct stat st;

		if (!len || len >= sizeof(h->name[0]) || memchr(p, '/', len)) {
			snprintf(err, errlen, "--hosts-from %s: namespace names are separated by commas, without '/'", list);
			return -EINVAL;
		}
		if (h->n == PT_HOSTS_MAX) {
			snprintf(err, errlen, "--hosts-from: at most %d namespaces", PT_HOSTS_MAX);
			return -EINVAL;
		}
		snprintf(h->name[h->n], sizeof(h->name[0]), "%.*s", (int)len, p);
		snprintf(path, sizeof(path), "/run/netns/%s", h->name[h->n]);
		if (stat(path, &st)) {
			int e = -errno;

			snprintf(err, errlen, "--hosts-from: no network namespace %s (%s: %s)", h->name[h->n], path,
				 strerror(-e));
			return e;
		}
		for (unsigned k = 0; k < h->n; k++)
			if (h->ino[k] == (__u64)st.st_ino) {
				snprintf(err, errlen, "--hosts-from: %s and %s are the same namespace", h->name[k],
					 h->name[h->n]);
				return -EINVAL;
			}
		h->ino[h->n++] = (__u64)st.st_ino;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!h->n) {
		snprintf(err, errlen, "--hosts-from takes namespace names: NS1,NS2");
		return -EINVAL;
	}
	return 0;
}

static __u32 host_of_ino(const struct pt_hosts_from *h, __u64 ino, __u32 base)
{
	for (unsigned k = 0; k < h->n; k++)
		if (ino && h->ino[k] == ino)
			return base + k;
	return PT_PTX_NONE;
}

int pt_hosts_from_apply(const struct pt_hosts_from *h, const struct pt_procmodel *m, struct pt_ptx *x)
{
	__u32 base = x->nhosts, n = (__u32)pt_procmodel_nprocs(m);
	bool *sockets;
	int placed = 0;

	if (n > x->nprocs)
		n = x->nprocs;
	sockets = calloc(n + 1, sizeof(*sockets));
	if (!sockets)
		return -ENOMEM;
	for (unsigned k = 0; k < h->n; k++) {
		struct pt_ptx_host *ho = pt_ptx_add_host(x);

		if (!ho) {
			free(sockets);
			return -ENOMEM;
		}
		snprintf(ho->name, sizeof(ho->name), "%s", h->name[k]);
		snprintf(ho->hostname, sizeof(ho->hostname), "%s", x->host);
		ho->netns_ino = h->ino[k];
	}
	/* 1. the sockets it made */
	for (__u32 i = 0; i < pt_procmodel_nobjs(m); i++) {
		const struct pt_pm_obj *ob = pt_procmodel_obj(m, i);
		__u32 host;

		if (ob->kind != PT_FK_SOCKET || ob->creator >= n || (ob->family != AF_INET && ob->family != AF_INET6))
			continue;
		sockets[ob->creator] = true;
		host = host_of_ino(h, ob->sk_netns_ino, base);
		if (host != PT_PTX_NONE && x->procs[ob->creator].host == PT_PTX_NONE)
			x->procs[ob->creator].host = host;
	}
	/* 2. the namespace it was first seen in */
	for (__u32 i = 0; i < n; i++)
		if (x->procs[i].host == PT_PTX_NONE && !sockets[i])
			x->procs[i].host = host_of_ino(h, pt_procmodel_proc(m, i)->netns_ino, base);
	/* 3. its descendants', when they agree (children come after their parents: repeat to a fixpoint) */
	for (bool changed = true; changed;) {
		changed = false;
		for (__u32 i = 0; i < n; i++) {
			__u32 agreed = PT_PTX_NONE;
			bool conflict = false;

			if (x->procs[i].host != PT_PTX_NONE || sockets[i])
				continue;
			for (__u32 c = 0; c < n && !conflict; c++) {
				if (x->procs[c].parent != i || x->procs[c].host == PT_PTX_NONE)
					continue;
				conflict = agreed != PT_PTX_NONE && agreed != x->procs[c].host;
				agreed = x->procs[c].host;
			}
			if (!conflict && agreed != PT_PTX_NONE) {
				x->procs[i].host = agreed;
				changed = true;
			}
		}
	}
	for (__u32 i = 0; i < n; i++)
		placed += x->procs[i].host != PT_PTX_NONE;
	free(sockets);
	return placed;
}
