// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "collector/ring.h"

#define RB_BUSY		(1U << 31)
#define RB_DISCARD	(1U << 30)
#define RB_HDR		8

int pt_ring_open(struct pt_ring *r, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;
	int err;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto fail;
	}
	if (info.type != BPF_MAP_TYPE_RINGBUF) {
		err = -EINVAL;
		goto fail;
	}
	r->map_id = info.id;
	r->size = info.max_entries;
	p = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	r->cons = p;
	p = mmap(NULL, r->page + 2 * (size_t)r->size, PROT_READ, MAP_SHARED, fd, (off_t)r->page);
	if (p == MAP_FAILED) {
		err = -errno;
		munmap(r->cons, r->page);
		r->cons = NULL;
		goto fail;
	}
	r->prod = p;
	r->data = (unsigned char *)p + r->page;
	return 0;
fail:
	close(fd);
	r->fd = -1;
	return err;
}

void pt_ring_close(struct pt_ring *r)
{
	if (!r)
		return;
	if (r->cons)
		munmap(r->cons, r->page);
	if (r->prod)
		munmap(r->prod, r->page + 2 * (size_t)r->size);
	if (r->fd >= 0 && (r->cons || r->prod))
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

__u64 pt_ring_consumer(const struct pt_ring *r)
{
	return __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
}

__u64 pt_ring_producer(const struct pt_ring *r)
{
	return __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
}

void pt_ring_commit(struct pt_ring *r, __u64 pos)
{
	__atomic_store_n(r->cons, (unsigned long)pos, __ATOMIC_RELEASE);
}

int pt_ring_peek(const struct pt_ring *r, __u64 *pos, pt_ring_fn fn, void *ctx)
{
	__u64 prod = pt_ring_producer(r), p = *pos;
	__u32 mask = r->size - 1;
	int n = 0;

	while (p < prod) {
		const __u32 *hdr = (const __u32 *)(r->data + (p & mask));
		__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		__u64 next;

		if (len & RB_BUSY)
			break;
		next = p + ((((__u64)(len & ~RB_DISCARD)) + RB_HDR + 7) & ~7ULL);
		if (!(len & RB_DISCARD)) {
			if (fn(ctx, (const unsigned char *)hdr + RB_HDR, len) > 0)
				break;
			n++;
		}
		p = next;
	}
	*pos = p;
	return n;
}
