// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * procmodel_util.c — the small containers of query/procmodel*.c: vector
 * growth, a u64 -> u32 hash map, a string arena, kept record copies.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "query/procmodel_int.h"

#define ARENA_BLOCK	65536

struct pm_ablk {
	struct pm_ablk *next;
	size_t used, cap;
	char data[];
};

__u64 pm_mix(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

int pm_reserve(void **p, size_t *cap, size_t need, size_t esz)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap * 2 : 4;
	while (nc < need)
		nc *= 2;
	np = realloc(*p, nc * esz);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = nc;
	return 0;
}

/* ---- hash map ---- */

static int map_grow(struct pm_map *m)
{
	__u32 ncap = m->cap ? m->cap * 2 : 16;
	struct pm_slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (__u32 i = 0; i < m->cap; i++) {
		__u32 j;

		if (!m->s[i].used)
			continue;
		for (j = pm_mix(m->s[i].key) & (ncap - 1); ns[j].used; j = (j + 1) & (ncap - 1))
			;
		ns[j] = m->s[i];
	}
	free(m->s);
	m->s = ns;
	m->cap = ncap;
	return 0;
}

int pm_map_put(struct pm_map *m, __u64 key, __u32 v)
{
	__u32 j;
	int rc;

	if ((m->n + 1) * 2 > m->cap && (rc = map_grow(m)))
		return rc;
	for (j = pm_mix(key) & (m->cap - 1); m->s[j].used; j = (j + 1) & (m->cap - 1))
		;
	m->s[j] = (struct pm_slot){ .key = key, .v = v, .used = 1 };
	m->n++;
	return 0;
}

int pm_map_set(struct pm_map *m, __u64 key, __u32 v)
{
	if (m->cap) {
		for (__u32 j = pm_mix(key) & (m->cap - 1); m->s[j].used; j = (j + 1) & (m->cap - 1)) {
			if (m->s[j].key == key) {
				m->s[j].v = v;
				return 0;
			}
		}
	}
	return pm_map_put(m, key, v);
}

__u32 pm_map_iter(const struct pm_map *m, __u64 key, __u64 *it)
{
	__u32 j;

	if (!m->cap)
		return NONE;
	/* *it: 0 = start at the home slot, else the slot to look at next + 1 */
	for (j = *it ? (__u32)(*it - 1) : pm_mix(key) & (m->cap - 1); m->s[j].used; j = (j + 1) & (m->cap - 1)) {
		if (m->s[j].key == key) {
			*it = ((j + 1) & (m->cap - 1)) + 1;
			return m->s[j].v;
		}
	}
	*it = j + 1;
	return NONE;
}

__u32 pm_map_get(const struct pm_map *m, __u64 key)
{
	__u64 it = 0;

	return pm_map_iter(m, key, &it);
}

void pm_map_free(struct pm_map *m)
{
	free(m->s);
	memset(m, 0, sizeof(*m));
}

/* ---- memory kept for the engine's life ---- */

char *pm_strndup(struct pt_procmodel *m, const char *s, size_t n)
{
	struct pm_ablk *b = m->arena;
	char *d;

	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = m->arena;
		b->used = 0;
		b->cap = cap;
		m->arena = b;
	}
	d = b->data + b->used;
	memcpy(d, s, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

int pm_keep(struct pt_procmodel *m, void *rec)
{
	int rc = PM_RESERVE(m->kept, m->ckept, m->nkept + 1);

	if (rc)
		return rc;
	m->kept[m->nkept++] = rec;
	return 0;
}

void pm_arena_free(struct pt_procmodel *m)
{
	while (m->arena) {
		struct pm_ablk *n = m->arena->next;

		free(m->arena);
		m->arena = n;
	}
}
