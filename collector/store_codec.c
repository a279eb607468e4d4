// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store_codec.c — the block codec of sealed segments (PT_CODEC_COLUMNS).
 *
 * Packet records at several capture points repeat each other: the same packet
 * seen one hop later differs in point, time and a few per-hop fields, and the
 * next packet of a flow at the same point differs in time, seq and ip_id. The
 * codec therefore predicts every PKT record from an earlier one of the block
 * (its reference), stores the difference column by column, and lets zlib
 * squeeze the mostly-zero, periodic columns.
 *
 * Encoded streams (this is what zlib compresses; integers little-endian):
 *   struct enc_hdr                n_recs, n_pkt, stream lengths
 *   pmode[PKT_FIXED]              how each plane is stored: PLANE_ZERO (absent,
 *                                 all zero), PLANE_DENSE (n_pkt bytes) or
 *                                 PLANE_SPARSE (a bitmap of ceil(n_pkt/8)
 *                                 bytes, bit k = byte k is not zero, then the
 *                                 non-zero bytes in order)
 *   kind[n_recs]                  0: coded PKT record, 1: verbatim record
 *   ref[]                         per coded record, varint: distance back, in
 *                                 coded records, to its reference; 0 = none
 *                                 (predicted from an all-zero record)
 *   plane[PKT_FIXED][n_pkt]       (as pmode says) byte j of every coded record's residual: the
 *                                 fixed struct pt_pkt part XORed with the
 *                                 reference, except the SUB fields below,
 *                                 which hold (value - reference value) mod 2^n
 *   cap[cap_len]                  bytes after the fixed part (captured frame),
 *                                 XORed with the reference's bytes where it
 *                                 has them
 *   verb[verb_len]                verbatim records back to back (non-PKT
 *                                 records and PKT records shorter than the
 *                                 fixed part)
 *
 * The reference is chosen by the encoder only (the decoder reads the distance):
 * the last record with the same fingerprint (previous hop of the same packet),
 * else the last record of the same directional flow at the same point (previous
 * packet), else the previous coded record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>
#include "collector/store_int.h"

#define PKT_FIXED	sizeof(struct pt_pkt)
#define REF_TABLE	4096	/* entries of each encoder lookup table, power of two */
#define TILE		64	/* residual rows transposed at a time */

/* Header of the encoded streams. */
struct enc_hdr {
	__u32 n_recs;		/* records in the block */
	__u32 n_pkt;		/* coded PKT records among them */
	__u32 ref_len;		/* bytes of the ref stream */
	__u32 planes_len;	/* bytes of the planes as stored */
	__u32 cap_len;		/* bytes of the cap stream */
	__u32 verb_len;		/* bytes of the verbatim stream */
};

/*
 * Fields predicted by subtraction (SUB_FIELDS); all other bytes by XOR.
 * X(field, type) is expanded once per field.
 */
#define SUB_FIELDS(X)						\
	X(len, __u16) X(point, __u16) X(ts_ns, __u64)		\
	X(wire_len, __u32) X(seq, __u32) X(ack, __u32)		\
	X(window, __u16) X(ip_id, __u16) X(l3_len, __u16)	\
	X(l4_payload_len, __u16) X(ttl, __u8)

_Static_assert(PKT_FIXED % 8 == 0, "struct pt_pkt is a whole number of words");

enum { PLANE_ZERO = 0, PLANE_DENSE = 1, PLANE_SPARSE = 2 };

#define PKT_MAX		(PT_BLK_RAW_MAX / PKT_FIXED + 1)	/* coded records per block, at most */

struct ref_slot {
	__u64 key;
	__u32 idx1;		/* coded record index + 1; 0 = empty */
};

struct pt_codec {
	struct libdeflate_compressor *zc;	/* raw DEFLATE (RFC 1951), whole blocks */
	struct libdeflate_decompressor *zd;
	unsigned char *enc;	/* encoded streams, PT_BLK_ENC_MAX */
	unsigned char *comp;	/* deflate output */
	size_t comp_cap;
	unsigned char *raw;	/* decode output, PT_BLK_RAW_MAX */
	unsigned char *dense;	/* planes, unpacked: PKT_FIXED x n_pkt */
	unsigned char *side;	/* encoder: cap then verbatim stream */
	unsigned char *ptmp;	/* one packed plane */
	unsigned char tile[TILE][PKT_FIXED];	/* residual rows on their way to the planes */
	__u32 *pkt_off;		/* offset of each coded record (input or output) */
	struct ref_slot fp_tab[REF_TABLE];
	struct ref_slot flow_tab[REF_TABLE];
	bool proj;			/* decode only the keep[] bytes of coded records */
	unsigned char keep[PKT_FIXED];
};

struct pt_codec *pt_codec_new(int zlevel)
{
	struct pt_codec *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->enc = malloc(PT_BLK_ENC_MAX);
	c->raw = malloc(PT_BLK_RAW_MAX);
	c->pkt_off = malloc(PKT_MAX * sizeof(__u32));
	c->dense = malloc(PKT_MAX * PKT_FIXED + 8);	/* + sparse unpacking's overrun */
	c->side = malloc(PT_BLK_RAW_MAX);
	c->ptmp = malloc(PKT_MAX + PKT_MAX / 8 + 1);
	if (!c->enc || !c->raw || !c->pkt_off || !c->dense || !c->side || !c->ptmp)
		goto fail;
	c->zc = libdeflate_alloc_compressor(zlevel);
	c->zd = libdeflate_alloc_decompressor();
	if (!c->zc || !c->zd)
		goto fail;
	c->comp_cap = libdeflate_deflate_compress_bound(c->zc, PT_BLK_ENC_MAX);
	c->comp = malloc(c->comp_cap);
	if (!c->comp)
		goto fail;
	return c;
fail:
	pt_codec_free(c);
	return NULL;
}

void pt_codec_free(struct pt_codec *c)
{
	if (!c)
		return;
	libdeflate_free_compressor(c->zc);	/* NULL-safe */
	libdeflate_free_decompressor(c->zd);
	free(c->enc);
	free(c->comp);
	free(c->raw);
	free(c->pkt_off);
	free(c->dense);
	free(c->side);
	free(c->ptmp);
	free(c);
}

static inline __u64 mix64(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static inline __u64 ld64(const unsigned char *p)
{
	__u64 v;

	memcpy(&v, p, 8);
	return v;
}

/* Directional flow at one point: addresses, ports, proto, point. */
static __u64 flow_point_key(const unsigned char *p)
{
	__u64 h = 0x9e3779b97f4a7c15ull;
	int i;

	for (i = 0; i < 4; i++)
		h = mix64(h ^ ld64(p + offsetof(struct pt_pkt, saddr) + 8 * i));
	h ^= (__u64)ld64(p + offsetof(struct pt_pkt, sport)) & 0xffffffffull;
	h ^= (__u64)p[offsetof(struct pt_pkt, l4proto)] << 32;
	h ^= (__u64)(p[offsetof(struct pt_pkt, point)] | p[offsetof(struct pt_pkt, point) + 1] << 8) << 40;
	return mix64(h) | 1;
}

static struct ref_slot *slot(struct ref_slot *tab, __u64 key)
{
	return &tab[mix64(key) & (REF_TABLE - 1)];
}

/* Residual of rec against ref (NULL = zeros) into res. */
static void residual(unsigned char *res, const unsigned char *rec, const unsigned char *ref)
{
	static const unsigned char zero[PKT_FIXED];
	size_t i;

	if (!ref)
		ref = zero;
	for (i = 0; i < PKT_FIXED; i += 8) {
		__u64 v = ld64(rec + i) ^ ld64(ref + i);

		memcpy(res + i, &v, 8);
	}
#define SUB(f, T) {							\
		T a, b;							\
		memcpy(&a, rec + offsetof(struct pt_pkt, f), sizeof(T));	\
		memcpy(&b, ref + offsetof(struct pt_pkt, f), sizeof(T));	\
		a -= b;							\
		memcpy(res + offsetof(struct pt_pkt, f), &a, sizeof(T));	\
	}
	SUB_FIELDS(SUB)
#undef SUB
}

/* Rows tile[0..cnt) become bytes [0..cnt) of every plane (planes n apart). */
static void tile_out(unsigned char (*tile)[PKT_FIXED], __u32 cnt, unsigned char *planes, __u32 n)
{
	__u32 j, t;

	for (j = 0; j < PKT_FIXED; j++, planes += n)
		for (t = 0; t < cnt; t++)
			planes[t] = tile[t][j];
}

static bool is_coded(const unsigned char *rec, __u16 len)
{
	__u16 type;

	memcpy(&type, rec, 2);
	return type == PT_REC_PKT && len >= PKT_FIXED;
}

static unsigned char *put_varint(unsigned char *p, __u32 v)
{
	while (v >= 0x80) {
		*p++ = (v & 0x7f) | 0x80;
		v >>= 7;
	}
	*p++ = v;
	return p;
}

/* Pack one plane of n bytes into c->ptmp; returns its length, sets *mode. */
static size_t pack_plane(struct pt_codec *c, const unsigned char *pl, __u32 n, unsigned char *mode)
{
	size_t bm = (n + 7) / 8, nnz = 0, i;
	unsigned char *vals;

	for (i = 0; i + 8 <= n; i += 8) {
		__u64 w = ld64(pl + i);

		if (w) {
			/* count non-zero bytes: fold each byte's bits into its low bit */
			w |= w >> 4;
			w |= w >> 2;
			w |= w >> 1;
			nnz += __builtin_popcountll(w & 0x0101010101010101ull);
		}
	}
	for (; i < n; i++)
		nnz += pl[i] != 0;
	if (!nnz) {
		*mode = PLANE_ZERO;
		return 0;
	}
	if (bm + nnz >= n) {
		*mode = PLANE_DENSE;
		memcpy(c->ptmp, pl, n);
		return n;
	}
	*mode = PLANE_SPARSE;
	memset(c->ptmp, 0, bm);
	vals = c->ptmp + bm;
	for (i = 0; i < n; i++) {
		if (!(i & 7) && i + 8 <= n && !ld64(pl + i)) {
			i += 7;
			continue;
		}
		if (pl[i]) {
			c->ptmp[i / 8] |= 1u << (i % 8);
			*vals++ = pl[i];
		}
	}
	return bm + nnz;
}

/*
 * Unpack one plane from *pp (bounded by end). *pl gets its n bytes: NULL for a
 * PLANE_ZERO plane (all zero), a pointer into the stream itself for a dense one
 * (no copy), else out (n bytes, and up to 7 bytes past them overwritten). 0 or
 * -EBADMSG.
 */
static int unpack_plane(const unsigned char **pp, const unsigned char *end, unsigned char mode,
			unsigned char *out, __u32 n, const unsigned char **pl)
{
	const unsigned char *p = *pp, *bm;
	size_t nb = (n + 7) / 8, b;

	switch (mode) {
	case PLANE_ZERO:
		*pl = NULL;
		return 0;
	case PLANE_DENSE:
		if ((size_t)(end - p) < n)
			return -EBADMSG;
		*pl = p;
		*pp = p + n;
		return 0;
	case PLANE_SPARSE:
		if ((size_t)(end - p) < nb)
			return -EBADMSG;
		bm = p;
		p += nb;
		for (b = 0; b < nb; b++) {
			unsigned m = bm[b];
			unsigned char *o = out + b * 8;
			__u64 w = 0;

			/* bits past n (none from the encoder) take no value, as before */
			if (b == nb - 1 && (n & 7))
				m &= (1u << (n & 7)) - 1;
			if (m == 0xff) {
				if (end - p < 8)
					return -EBADMSG;
				memcpy(o, p, 8);
				p += 8;
				continue;
			}
			if (end - p >= 8) {
				while (m) {
					w |= (__u64)*p++ << (8 * __builtin_ctz(m));
					m &= m - 1;
				}
			} else {
				while (m) {
					if (p >= end)
						return -EBADMSG;
					w |= (__u64)*p++ << (8 * __builtin_ctz(m));
					m &= m - 1;
				}
			}
			memcpy(o, &w, 8);
		}
		*pl = out;
		*pp = p;
		return 0;
	default:
		return -EBADMSG;
	}
}

/* Step *pp over one plane of n bytes without unpacking it. 0 or -EBADMSG. */
static int skip_plane(const unsigned char **pp, const unsigned char *end, unsigned char mode, __u32 n)
{
	const unsigned char *p = *pp;
	size_t nb = (n + 7) / 8, b, nnz = 0;

	switch (mode) {
	case PLANE_ZERO:
		return 0;
	case PLANE_DENSE:
		if ((size_t)(end - p) < n)
			return -EBADMSG;
		*pp = p + n;
		return 0;
	case PLANE_SPARSE:
		if ((size_t)(end - p) < nb)
			return -EBADMSG;
		for (b = 0; b + 8 <= nb; b += 8)
			nnz += __builtin_popcountll(ld64(p + b));
		for (; b < nb; b++) {
			unsigned m = p[b];

			/* bits past n take no value, as in unpack_plane */
			if (b == nb - 1 && (n & 7))
				m &= (1u << (n & 7)) - 1;
			nnz += __builtin_popcount(m);
		}
		if (nb && (n & 7) && nb % 8 == 0) {
			/* the last byte was counted whole by the word loop */
			unsigned m = p[nb - 1];

			nnz -= __builtin_popcount(m & ~((1u << (n & 7)) - 1) & 0xff);
		}
		if ((size_t)(end - p) - nb < nnz)
			return -EBADMSG;
		*pp = p + nb + nnz;
		return 0;
	default:
		return -EBADMSG;
	}
}

void pt_codec_set_projection(struct pt_codec *c, const unsigned char *keep)
{
	size_t i;

	c->proj = keep != NULL;
	for (i = 0; i < PKT_FIXED; i++)
		c->keep[i] = keep ? keep[i] != 0 : 1;
	/* the decoder needs type and len */
	memset(c->keep, 1, 4);
}

static int zdeflate(struct pt_codec *c, size_t in_len, size_t *out_len)
{
	*out_len = libdeflate_deflate_compress(c->zc, c->enc, in_len, c->comp, c->comp_cap);
	return *out_len ? 0 : -EIO;	/* 0: cannot happen with comp_cap = the bound */
}

int pt_codec_encode(struct pt_codec *c, const void *raw, size_t raw_len, __u32 n_recs,
		    const void **out, size_t *out_len, size_t *enc_len)
{
	const unsigned char *in = raw;
	struct enc_hdr eh = { .n_recs = n_recs };
	unsigned char *pmode, *kind, *refs, *planes, *cap, *verb, *p;
	size_t off, cap_len = 0, verb_len = 0;
	__u32 i, j, k;
	int err;

	if (raw_len > PT_BLK_RAW_MAX)
		return -E2BIG;
	/* pass 1: classify, count, size the streams */
	for (off = 0, i = 0; i < n_recs; i++) {
		__u16 len;

		memcpy(&len, in + off + 2, 2);
		if (is_coded(in + off, len)) {
			c->pkt_off[eh.n_pkt++] = off;
			cap_len += len - PKT_FIXED;
		} else {
			verb_len += len;
		}
		off += len;
	}
	pmode = c->enc + sizeof(eh);
	kind = pmode + PKT_FIXED;
	refs = kind + n_recs;
	planes = c->dense;
	cap = c->side;
	verb = cap + cap_len;
	/* worst case: every plane dense */
	if ((size_t)(refs - c->enc) + 5 * (size_t)eh.n_pkt + PKT_FIXED * (size_t)eh.n_pkt +
	    cap_len + verb_len > PT_BLK_ENC_MAX)
		return -E2BIG;
	memset(c->fp_tab, 0, sizeof(c->fp_tab));
	memset(c->flow_tab, 0, sizeof(c->flow_tab));

	/* pass 2: streams */
	p = refs;
	for (off = 0, i = 0, k = 0; i < n_recs; i++) {
		const unsigned char *rec = in + off;
		const unsigned char *ref = NULL;
		struct ref_slot *fs = NULL, *ws;
		__u16 len, ref_len = 0;
		__u64 fp, fk;
		__u32 r = 0;

		memcpy(&len, rec + 2, 2);
		off += len;
		if (!is_coded(rec, len)) {
			kind[i] = 1;
			memcpy(verb, rec, len);
			verb += len;
			continue;
		}
		kind[i] = 0;
		memcpy(&fp, rec + offsetof(struct pt_pkt, fp), 8);
		fk = flow_point_key(rec);
		if (fp) {
			fs = slot(c->fp_tab, fp);
			if (fs->idx1 && fs->key == fp)
				r = fs->idx1;
		}
		ws = slot(c->flow_tab, fk);
		if (!r && ws->idx1 && ws->key == fk)
			r = ws->idx1;
		if (!r && k > 0)
			r = k;
		if (r) {
			ref = in + c->pkt_off[r - 1];
			memcpy(&ref_len, ref + 2, 2);
			p = put_varint(p, k + 1 - r);
		} else {
			p = put_varint(p, 0);
		}
		residual(c->tile[k % TILE], rec, ref);
		if (k % TILE == TILE - 1)
			tile_out(c->tile, TILE, planes + k + 1 - TILE, eh.n_pkt);
		for (j = PKT_FIXED; j < len; j++)
			*cap++ = rec[j] ^ (j < ref_len ? ref[j] : 0);
		if (fs) {
			fs->key = fp;
			fs->idx1 = k + 1;
		}
		ws->key = fk;
		ws->idx1 = k + 1;
		k++;
	}
	if (k % TILE)
		tile_out(c->tile, k % TILE, planes + k - k % TILE, eh.n_pkt);
	eh.ref_len = p - refs;
	eh.cap_len = cap_len;
	eh.verb_len = verb_len;
	for (j = 0; j < PKT_FIXED; j++) {
		size_t plen = pack_plane(c, planes + (size_t)j * eh.n_pkt, eh.n_pkt, &pmode[j]);

		memcpy(p, c->ptmp, plen);
		p += plen;
		eh.planes_len += plen;
	}
	memcpy(p, c->side, cap_len + verb_len);
	memcpy(c->enc, &eh, sizeof(eh));
	*enc_len = (p - c->enc) + cap_len + verb_len;
	err = zdeflate(c, *enc_len, out_len);
	if (err)
		return err;
	*out = c->comp;
	return 0;
}

static int get_varint(const unsigned char **pp, const unsigned char *end, __u32 *v)
{
	const unsigned char *p = *pp;
	__u32 x = 0;
	int shift;

	for (shift = 0; shift < 35; shift += 7) {
		if (p >= end)
			return -EBADMSG;
		x |= (__u32)(*p & 0x7f) << shift;
		if (!(*p++ & 0x80)) {
			*pp = p;
			*v = x;
			return 0;
		}
	}
	return -EBADMSG;
}

static int zinflate(struct pt_codec *c, const void *comp, size_t comp_len, size_t enc_len)
{
	size_t used;

	/* without actual_out: anything but exactly enc_len bytes out is an error */
	if (libdeflate_deflate_decompress_ex(c->zd, comp, comp_len, c->enc, enc_len, &used, NULL) !=
	    LIBDEFLATE_SUCCESS || used != comp_len)
		return -EBADMSG;
	return 0;
}

/* The SUB_FIELDS as (offset, size), for the decoder. */
struct sub_field {
	__u8 off, size;
};

static const struct sub_field sub_fields[] = {
#define SF(f, T) { offsetof(struct pt_pkt, f), sizeof(T) },
	SUB_FIELDS(SF)
#undef SF
};

#define N_SUB	(sizeof(sub_fields) / sizeof(sub_fields[0]))

/* A SUB field with at least one non-zero plane. */
struct sub_act {
	__u8 off, size, n;
	__u8 shift[8];			/* 8 * byte index in the field */
	const unsigned char *pl[8];	/* that byte's plane */
};

/*
 * Decoding a record: copy its reference (or zeros), then patch only the bytes
 * whose plane is not all zero (XOR bytes: one XOR each; SUB fields: the
 * field's residual added). Planes that are all zero (most of them: the fields
 * a packet keeps from hop to hop and within a flow) cost nothing.
 */
int pt_codec_decode(struct pt_codec *c, const void *comp, size_t comp_len, size_t enc_len,
		    size_t raw_len, __u32 n_recs, const void **out)
{
	static const unsigned char zero[PKT_FIXED];
	const unsigned char *pmode, *kind, *refs, *refs_end, *planes, *planes_end, *cap, *cap_end;
	const unsigned char *verb, *verb_end;
	const unsigned char *pl[PKT_FIXED];
	const unsigned char *xpl[PKT_FIXED];
	__u8 xoff[PKT_FIXED], in_sub[PKT_FIXED] = {};
	struct sub_act sa[N_SUB];
	unsigned char *o = c->raw, *o_end = c->raw + raw_len;
	struct enc_hdr eh;
	size_t need;
	__u32 i, k, nx = 0, ns = 0;
	int err;

	if (enc_len > PT_BLK_ENC_MAX || raw_len > PT_BLK_RAW_MAX || enc_len < sizeof(eh))
		return -EBADMSG;
	err = zinflate(c, comp, comp_len, enc_len);
	if (err)
		return err;
	memcpy(&eh, c->enc, sizeof(eh));
	if (eh.n_recs != n_recs || eh.n_pkt > n_recs || eh.n_pkt > raw_len / PKT_FIXED)
		return -EBADMSG;
	need = sizeof(eh) + PKT_FIXED + (size_t)n_recs + eh.ref_len + eh.planes_len +
	       (size_t)eh.cap_len + eh.verb_len;
	if (need != enc_len)
		return -EBADMSG;
	pmode = c->enc + sizeof(eh);
	kind = pmode + PKT_FIXED;
	refs = kind + n_recs;
	refs_end = refs + eh.ref_len;
	planes = refs_end;
	planes_end = planes + eh.planes_len;
	for (i = 0; i < PKT_FIXED; i++)
		if (c->proj && !c->keep[i]) {
			if (skip_plane(&planes, planes_end, pmode[i], eh.n_pkt))
				return -EBADMSG;
			pl[i] = NULL;
		} else if (unpack_plane(&planes, planes_end, pmode[i], c->dense + (size_t)i * eh.n_pkt, eh.n_pkt, &pl[i]))
			return -EBADMSG;
	if (planes != planes_end)
		return -EBADMSG;
	/* the planes to apply: SUB fields with a non-zero byte, then the non-zero XOR bytes */
	for (i = 0; i < N_SUB; i++) {
		struct sub_act *a = &sa[ns];

		a->off = sub_fields[i].off;
		a->size = sub_fields[i].size;
		a->n = 0;
		for (__u32 b = 0; b < a->size; b++) {
			in_sub[a->off + b] = 1;
			if (pl[a->off + b]) {
				a->shift[a->n] = (__u8)(8 * b);
				a->pl[a->n++] = pl[a->off + b];
			}
		}
		if (a->n)
			ns++;
	}
	for (i = 0; i < PKT_FIXED; i++) {
		if (pl[i] && !in_sub[i]) {
			xoff[nx] = (__u8)i;
			xpl[nx++] = pl[i];
		}
	}
	cap = planes_end;
	cap_end = cap + eh.cap_len;
	verb = cap_end;
	verb_end = verb + eh.verb_len;

	for (i = 0, k = 0; i < n_recs; i++) {
		const unsigned char *ref = zero;
		__u16 len, ref_len = 0;
		__u32 d, j;

		if (kind[i] == 1) {
			struct pt_rec_hdr h;

			if (verb_end - verb < (ptrdiff_t)sizeof(h))
				return -EBADMSG;
			memcpy(&h, verb, sizeof(h));
			if (h.len < sizeof(h) || h.len > verb_end - verb || h.len > o_end - o)
				return -EBADMSG;
			memcpy(o, verb, h.len);
			verb += h.len;
			o += h.len;
			continue;
		}
		if (kind[i] != 0 || k >= eh.n_pkt)
			return -EBADMSG;
		if (get_varint(&refs, refs_end, &d) || d > k)
			return -EBADMSG;
		if (d) {
			ref = c->raw + c->pkt_off[k - d];
			memcpy(&ref_len, ref + 2, 2);
		}
		if (o_end - o < (ptrdiff_t)PKT_FIXED)
			return -EBADMSG;
		memcpy(o, ref, PKT_FIXED);
		for (j = 0; j < nx; j++)
			o[xoff[j]] ^= xpl[j][k];
		for (j = 0; j < ns; j++) {
			const struct sub_act *a = &sa[j];
			__u64 v = 0;

			for (__u32 b = 0; b < a->n; b++)
				v |= (__u64)a->pl[b][k] << a->shift[b];
			switch (a->size) {
			case 1:
				o[a->off] += (__u8)v;
				break;
			case 2: {
				__u16 x;

				memcpy(&x, o + a->off, 2);
				x += (__u16)v;
				memcpy(o + a->off, &x, 2);
				break;
			}
			case 4: {
				__u32 x;

				memcpy(&x, o + a->off, 4);
				x += (__u32)v;
				memcpy(o + a->off, &x, 4);
				break;
			}
			default: {
				__u64 x;

				memcpy(&x, o + a->off, 8);
				x += v;
				memcpy(o + a->off, &x, 8);
				break;
			}
			}
		}
		memcpy(&len, o + 2, 2);
		if (len < PKT_FIXED || len > o_end - o || (size_t)(len - PKT_FIXED) > (size_t)(cap_end - cap))
			return -EBADMSG;
		if (c->proj) {
			memset(o + PKT_FIXED, 0, len - PKT_FIXED);
			cap += len - PKT_FIXED;
		} else {
			for (j = PKT_FIXED; j < len; j++)
				o[j] = *cap++ ^ (j < ref_len ? ref[j] : 0);
		}
		c->pkt_off[k++] = o - c->raw;
		o += len;
	}
	if (o != o_end || k != eh.n_pkt || refs != refs_end || cap != cap_end || verb != verb_end)
		return -EBADMSG;
	*out = c->raw;
	return 0;
}
