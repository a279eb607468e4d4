// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * frames.c — canned Ethernet frames for tests (see frames.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "frames.h"

/* Appends to a bounded buffer; once it overflows every put is ignored. */
struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int overflow;
};

static uint8_t *put(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *at;

	if (w->overflow || n > w->cap - w->len) {
		w->overflow = 1;
		return NULL;
	}
	at = w->p + w->len;
	if (src)
		memcpy(at, src, n);
	else
		memset(at, 0, n);
	w->len += n;
	return at;
}

static void put8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put16(struct wbuf *w, uint16_t v)
{
	v = htons(v);
	put(w, &v, 2);
}

static void put32(struct wbuf *w, uint32_t v)
{
	v = htonl(v);
	put(w, &v, 4);
}

static void lay_add(struct frame_layout *lay, size_t off, size_t len)
{
	if (lay && lay->nhdr < FRAME_MAX_HDRS) {
		lay->hdr_off[lay->nhdr] = off;
		lay->hdr_len[lay->nhdr] = len;
		lay->nhdr++;
	}
}

static uint16_t ip_csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

void frame_spec_init(struct frame_spec *s, int ipver, uint8_t l4proto)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	memset(s, 0, sizeof(*s));
	memcpy(s->dmac, dmac, 6);
	memcpy(s->smac, smac, 6);
	s->ipver = ipver;
	s->ethertype = 0x0806;
	if (ipver == 4) {
		s->saddr[0] = 10, s->saddr[3] = 1;
		s->daddr[0] = 10, s->daddr[3] = 2;
	} else if (ipver == 6) {
		s->saddr[0] = 0x20, s->saddr[1] = 0x01, s->saddr[2] = 0x0d, s->saddr[3] = 0xb8;
		memcpy(s->daddr, s->saddr, 16);
		s->saddr[15] = 1;
		s->daddr[15] = 2;
	}
	s->ttl = 64;
	s->ip_id = 0x1234;
	s->l4proto = l4proto;
	s->sport = 40000;
	s->dport = l4proto == IPPROTO_UDP ? 53 : 80;
	s->seq = 1000;
	s->ack = 2000;
	s->tcp_flags = 0x18;
	s->window = 512;
	s->icmp_type = l4proto == IPPROTO_ICMPV6 ? 128 : 8;
	s->icmp_id = 7;
	s->icmp_seq = 1;
}

/* Length of the L4 header the spec asks for (0: none). */
static size_t l4_hdr_len(const struct frame_spec *s)
{
	if (s->no_l4)
		return 0;
	switch (s->l4proto) {
	case IPPROTO_TCP:
		return 20 + s->tcp_opts;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	default:
		return 0;
	}
}

static size_t ext_len(uint8_t kind)
{
	return kind == FRAME_EXT_AH ? 16 : 8;
}

static void put_l4(struct wbuf *w, const struct frame_spec *s, size_t l4len)
{
	size_t i;

	switch (l4len ? s->l4proto : 0) {
	case IPPROTO_TCP:
		put16(w, s->sport);
		put16(w, s->dport);
		put32(w, s->seq);
		put32(w, s->ack);
		put8(w, (uint8_t)((l4len / 4) << 4));
		put8(w, s->tcp_flags);
		put16(w, s->window);
		put16(w, 0);		/* checksum */
		put16(w, 0);		/* urgent pointer */
		for (i = 0; i < (size_t)s->tcp_opts; i++)
			put8(w, 1);	/* NOP */
		break;
	case IPPROTO_UDP:
		put16(w, s->sport);
		put16(w, s->dport);
		put16(w, (uint16_t)(8 + s->payload_len));
		put16(w, 0);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		put8(w, s->icmp_type);
		put8(w, s->icmp_code);
		put16(w, 0);
		put16(w, s->icmp_id);
		put16(w, s->icmp_seq);
		break;
	}
}

size_t frame_build(const struct frame_spec *s, uint8_t *out, size_t cap,
		   struct frame_layout *lay)
{
	struct wbuf w = { .p = out, .cap = cap };
	size_t l4len = l4_hdr_len(s), exts = 0, start;
	uint8_t *iph;
	int i;

	if (lay)
		memset(lay, 0, sizeof(*lay));
	put(&w, s->dmac, 6);
	put(&w, s->smac, 6);
	lay_add(lay, 0, 14);
	for (i = 0; i < s->nvlan && i < 3; i++) {
		uint16_t tpid = s->vlan_tpid[i];

		if (!tpid)
			tpid = (s->nvlan > 1 && i == 0) ? 0x88a8 : 0x8100;
		put16(&w, tpid);	/* lands in the previous header's type field */
		lay_add(lay, w.len, 4);	/* TCI + encapsulated type */
		put16(&w, s->vlan_tci[i]);
	}
	put16(&w, s->ipver == 4 ? 0x0800 : s->ipver == 6 ? 0x86dd : s->ethertype);
	if (lay)
		lay->l3_off = w.len;
	start = w.len;

	if (s->ipver == 4) {
		size_t hl = 20 + s->ip_opts;

		iph = put(&w, NULL, hl);
		if (!iph)
			return 0;
		iph[0] = 0x40 | (uint8_t)(hl / 4);
		iph[1] = s->tos;
		*(uint16_t *)(iph + 2) = htons((uint16_t)(hl + l4len + s->payload_len));
		*(uint16_t *)(iph + 4) = htons(s->ip_id);
		*(uint16_t *)(iph + 6) = htons((uint16_t)((s->frag_off / 8) | (s->mf ? 0x2000 : 0)));
		iph[8] = s->ttl;
		iph[9] = s->l4proto;
		memcpy(iph + 12, s->saddr, 4);
		memcpy(iph + 16, s->daddr, 4);
		memset(iph + 20, 1, s->ip_opts);
		*(uint16_t *)(iph + 10) = htons(ip_csum(iph, hl));
		lay_add(lay, start, hl);
	} else if (s->ipver == 6) {
		for (i = 0; i < s->n_ext && i < FRAME_MAX_EXT; i++)
			exts += ext_len(s->ext[i]);
		put32(&w, 6u << 28 | (uint32_t)s->tos << 20 | (s->flow_label & 0xfffff));
		put16(&w, (uint16_t)(exts + l4len + s->payload_len));
		put8(&w, s->n_ext ? s->ext[0] : s->l4proto);
		put8(&w, s->ttl);
		put(&w, s->saddr, 16);
		put(&w, s->daddr, 16);
		lay_add(lay, start, 40);
		for (i = 0; i < s->n_ext && i < FRAME_MAX_EXT; i++) {
			uint8_t nh = i + 1 < s->n_ext ? s->ext[i + 1] : s->l4proto;
			size_t at = w.len, len = ext_len(s->ext[i]);

			put8(&w, nh);
			if (s->ext[i] == FRAME_EXT_FRAG) {
				put8(&w, 0);
				put16(&w, (uint16_t)(s->frag_off | (s->mf ? 1 : 0)));
				put32(&w, s->frag_id);
			} else if (s->ext[i] == FRAME_EXT_AH) {
				put8(&w, (uint8_t)(len / 4 - 2));
				put(&w, NULL, len - 2);
			} else {
				put8(&w, (uint8_t)(len / 8 - 1));
				put8(&w, 1);	/* PadN option filling the rest */
				put8(&w, (uint8_t)(len - 4));
				put(&w, NULL, len - 4);
			}
			lay_add(lay, at, len);
		}
	}
	if (lay)
		lay->l4_off = w.len;
	if (s->ipver) {
		start = w.len;
		put_l4(&w, s, l4len);
		if (l4len)
			lay_add(lay, start, l4len);
	}
	if (lay)
		lay->payload_off = w.len;
	if (s->payload_len)
		put(&w, s->payload, s->payload_len);
	if (w.len < s->eth_pad_to)
		put(&w, NULL, s->eth_pad_to - w.len);
	return w.overflow ? 0 : w.len;
}

size_t frame_vxlan(const struct frame_spec *outer, uint32_t vni, const struct frame_spec *inner,
		   uint8_t *out, size_t cap, struct frame_layout *lay)
{
	uint8_t pl[FRAME_MAX];
	struct frame_layout il, ol;
	struct frame_spec o = *outer;
	size_t n, total;
	int i;

	pl[0] = 0x08;			/* I flag */
	pl[1] = pl[2] = pl[3] = 0;
	pl[4] = (uint8_t)(vni >> 16);
	pl[5] = (uint8_t)(vni >> 8);
	pl[6] = (uint8_t)vni;
	pl[7] = 0;
	n = frame_build(inner, pl + 8, sizeof(pl) - 8, &il);
	if (!n)
		return 0;
	o.l4proto = IPPROTO_UDP;
	o.no_l4 = 0;
	o.dport = 4789;
	o.payload = pl;
	o.payload_len = n + 8;
	total = frame_build(&o, out, cap, &ol);
	if (!total || !lay)
		return total;
	*lay = ol;
	lay_add(lay, ol.payload_off, 8);
	for (i = 0; i < il.nhdr; i++)
		lay_add(lay, ol.payload_off + 8 + il.hdr_off[i], il.hdr_len[i]);
	lay->l3_off = ol.payload_off + 8 + il.l3_off;
	lay->l4_off = ol.payload_off + 8 + il.l4_off;
	lay->payload_off = ol.payload_off + 8 + il.payload_off;
	return total;
}
