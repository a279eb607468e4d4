// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store_index.c — what sealed segments are indexed by: record times, the
 * symmetric flow hash, bloom filters, and loading/verifying a segment footer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include "collector/store_int.h"

static inline __u64 mix64(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

bool pt_rec_time(const struct pt_rec_hdr *h, __u64 *ts)
{
	const char *p = (const char *)h;
	struct pt_rec_hdr hh;

	memcpy(&hh, h, sizeof(hh));	/* records lie back to back: h may be unaligned */

	switch (hh.type) {
	case PT_REC_PKT:
		if (hh.len < sizeof(struct pt_pkt))
			return false;
		memcpy(ts, p + offsetof(struct pt_pkt, ts_ns), 8);
		return true;
	case PT_REC_CLOCK:
		if (hh.len < sizeof(struct pt_clock_rec))
			return false;
		memcpy(ts, p + offsetof(struct pt_clock_rec, boottime_ns), 8);
		return true;
	case PT_REC_STATS:
		if (hh.len < sizeof(struct pt_stats_rec))
			return false;
		memcpy(ts, p + offsetof(struct pt_stats_rec, boottime_ns), 8);
		return true;
	case PT_REC_LOSS:
		if (hh.len < sizeof(struct pt_loss_rec))
			return false;
		memcpy(ts, p + offsetof(struct pt_loss_rec, boottime_ns), 8);
		return true;
	default:
		return false;
	}
}

static __u64 hash_words(__u64 h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		__u64 w;

		memcpy(&w, p + i, 8);
		h = mix64(h ^ w);
	}
	if (i < len) {
		__u64 w = 0;

		memcpy(&w, p + i, len - i);
		h = mix64(h ^ w);
	}
	return h;
}

/*
 * Endpoints are ordered (address, port) pairs, lowest first, so both
 * directions hash alike. ICMP echo keeps the identifier on both sides (the
 * sequence in dport changes every packet and is not part of the flow).
 */
__u64 pt_flow_hash(const struct pt_pkt *p)
{
	__u8 a[16 + 2], b[16 + 2];
	__u16 fam = p->flags & (PT_PF_IPV4 | PT_PF_IPV6);
	__u16 sport = p->sport, dport = p->dport;
	__u64 h;

	if (p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6)
		dport = sport;
	memcpy(a, p->saddr, 16);
	memcpy(a + 16, &sport, 2);
	memcpy(b, p->daddr, 16);
	memcpy(b + 16, &dport, 2);
	if (memcmp(a, b, sizeof(a)) > 0) {
		__u8 t[sizeof(a)];

		memcpy(t, a, sizeof(a));
		memcpy(a, b, sizeof(a));
		memcpy(b, t, sizeof(a));
	}
	h = mix64(0x70726f76746170ull ^ ((__u64)fam << 8) ^ p->l4proto);
	h = hash_words(h, a, sizeof(a));
	h = hash_words(h, b, sizeof(b));
	return h ? h : 1;
}

int pt_bloom_init(struct pt_bloom *b, __u64 n_keys_max)
{
	__u64 bits = 64;

	while (bits < n_keys_max * 16 && bits < (1ull << 34))
		bits <<= 1;
	b->bytes = bits / 8;
	b->k = 6;
	b->bits = calloc(1, b->bytes);
	return b->bits ? 0 : -ENOMEM;
}

static inline void bloom_probe(__u64 key, __u64 *h1, __u64 *h2)
{
	__u64 h = mix64(key ^ 0x5bd1e9955bd1e995ull);

	*h1 = h;
	*h2 = mix64(h) | 1;
}

void pt_bloom_add(struct pt_bloom *b, __u64 key)
{
	__u64 h1, h2, mask = (__u64)b->bytes * 8 - 1;
	__u32 i;

	bloom_probe(key, &h1, &h2);
	for (i = 0; i < b->k; i++) {
		__u64 bit = (h1 + i * h2) & mask;

		b->bits[bit >> 3] |= 1u << (bit & 7);
	}
}

bool pt_bloom_test(const __u8 *bits, __u32 bytes, __u32 k, __u64 key)
{
	__u64 h1, h2, mask = (__u64)bytes * 8 - 1;
	__u32 i;

	bloom_probe(key, &h1, &h2);
	for (i = 0; i < k; i++) {
		__u64 bit = (h1 + i * h2) & mask;

		if (!(bits[bit >> 3] & (1u << (bit & 7))))
			return false;
	}
	return true;
}

/*
 * Folding works because probe positions are taken modulo a power of two:
 * a position modulo m/2 is the position modulo m, modulo m/2.
 */
void pt_bloom_shrink(struct pt_bloom *b)
{
	while (b->bytes > 8) {
		__u32 half = b->bytes / 2, i;
		__u64 set = 0;

		for (i = 0; i < half; i++)
			set += __builtin_popcount(b->bits[i] | b->bits[i + half]);
		if (set * 10 > (__u64)half * 8 * 4)
			break;
		for (i = 0; i < half; i++)
			b->bits[i] |= b->bits[i + half];
		b->bytes = half;
	}
}

void pt_bloom_free(struct pt_bloom *b)
{
	free(b->bits);
	b->bits = NULL;
}

int pt_footer_load(int fd, struct pt_seg_hdr *hdr, bool *hdr_ok, struct pt_footer_view *fv,
		   const char **why, __u64 *where, __u64 *blocks_end)
{
	struct pt_trailer tr;
	struct stat st;
	size_t need;
	__u32 crc;
	ssize_t n;
	int hc;
	char *p;

	memset(fv, 0, sizeof(*fv));
	*hdr_ok = false;
	*where = 0;
	if (fstat(fd, &st))
		return -errno;
	*blocks_end = st.st_size;
	n = pt_pread_full(fd, hdr, sizeof(*hdr), 0);
	if (n < 0)
		return n;
	hc = n < (ssize_t)sizeof(*hdr) ? -EBADMSG : pt_seg_hdr_check(hdr, PT_SEG_MAGIC_SEALED);
	if (hc) {
		*why = hc == -EPROTONOSUPPORT ? pt_seg_version_why(hdr->version) : "bad segment header";
		return hc;
	}
	*hdr_ok = true;
	*where = st.st_size;
	if ((__u64)st.st_size < sizeof(*hdr) + sizeof(tr)) {
		*why = "truncated: no trailer";
		return -EBADMSG;
	}
	*where = st.st_size - sizeof(tr);
	n = pt_pread_full(fd, &tr, sizeof(tr), st.st_size - sizeof(tr));
	if (n < 0)
		return n;
	if (n < (ssize_t)sizeof(tr) || tr.magic != PT_TRAILER_MAGIC) {
		*why = "bad trailer (truncated or interrupted seal)";
		return -EBADMSG;
	}
	/* without overflow: footer_off + footer_len == the trailer's offset */
	if (tr.footer_off < sizeof(*hdr) || tr.footer_len > PT_FOOTER_MAX ||
	    tr.footer_len < sizeof(struct pt_footer) + 4 || tr.footer_off > st.st_size - sizeof(tr) ||
	    tr.footer_len != st.st_size - sizeof(tr) - tr.footer_off) {
		*why = "bad trailer offsets";
		return -EBADMSG;
	}
	*where = tr.footer_off;
	*blocks_end = tr.footer_off;
	fv->raw = malloc(tr.footer_len);
	if (!fv->raw)
		return -ENOMEM;
	fv->raw_len = tr.footer_len;
	n = pt_pread_full(fd, fv->raw, tr.footer_len, tr.footer_off);
	if (n < 0 || n < tr.footer_len) {
		pt_footer_free(fv);
		if (n < 0)
			return n;
		*why = "short footer";
		return -EBADMSG;
	}
	p = fv->raw;
	memcpy(&crc, p + tr.footer_len - 4, 4);
	memcpy(&fv->f, p, sizeof(fv->f));
	if (crc != pt_crc32(0, p, tr.footer_len - 4) || fv->f.magic != PT_FOOTER_MAGIC ||
	    fv->f.version != PT_STORE_VERSION) {
		pt_footer_free(fv);
		*why = "footer CRC mismatch";
		return -EBADMSG;
	}
	need = sizeof(fv->f) + (size_t)fv->f.n_blocks * sizeof(struct pt_footer_blk) +
	       (size_t)fv->f.n_cursors * sizeof(struct pt_cursor) + 2 * (size_t)fv->f.bloom_bytes + 4;
	if (need != tr.footer_len || fv->f.n_cursors > PT_STORE_MAX_CURSORS ||
	    fv->f.bloom_bytes < 8 || (fv->f.bloom_bytes & (fv->f.bloom_bytes - 1)) ||
	    fv->f.bloom_k == 0 || fv->f.bloom_k > 32) {
		pt_footer_free(fv);
		*why = "footer layout inconsistent";
		return -EBADMSG;
	}
	p += sizeof(fv->f);
	fv->blks = (const struct pt_footer_blk *)p;
	/* each block after the previous one and before the footer (a CRC proves no more than the writer) */
	_Static_assert(sizeof(struct pt_seg_hdr) >= sizeof(struct pt_blk_hdr), "footer_off - blk_hdr cannot wrap");
	for (__u32 i = 0; i < fv->f.n_blocks; i++) {
		__u64 lo = i ? fv->blks[i - 1].off + sizeof(struct pt_blk_hdr) : sizeof(*hdr);

		if (fv->blks[i].off < lo || fv->blks[i].off > tr.footer_off - sizeof(struct pt_blk_hdr)) {
			pt_footer_free(fv);
			*why = "footer block table inconsistent (a block outside the segment or out of order)";
			return -EBADMSG;
		}
	}
	p += (size_t)fv->f.n_blocks * sizeof(struct pt_footer_blk);
	fv->cursors = (const struct pt_cursor *)p;
	p += (size_t)fv->f.n_cursors * sizeof(struct pt_cursor);
	fv->flow_bloom = (const __u8 *)p;
	fv->fp_bloom = fv->flow_bloom + fv->f.bloom_bytes;
	return 0;
}

void pt_footer_free(struct pt_footer_view *fv)
{
	free(fv->raw);
	fv->raw = NULL;
}
