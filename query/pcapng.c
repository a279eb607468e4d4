// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pcapng.c — pcapng writer and frame synthesis for metadata-only records.
 * File layout and synthesis rules: pcapng.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "query/pcapng.h"

/* ---- checksums (RFC 1071), over big-endian 16-bit words ---- */

static __u32 csum_add(__u32 sum, const __u8 *b, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (__u32)b[len - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* ---- big-endian stores into frames ---- */

static void be16(__u8 *b, __u16 v)
{
	b[0] = (__u8)(v >> 8);
	b[1] = (__u8)v;
}

static void be32(__u8 *b, __u32 v)
{
	be16(b, (__u16)(v >> 16));
	be16(b + 2, (__u16)v);
}

/* ---- synthesis ---- */

#define ETH_P_IP_	0x0800
#define ETH_P_IPV6_	0x86dd
#define ETH_P_8021Q_	0x8100
#define ETH_P_8021AD_	0x88a8
#define ETH_P_UNKNOWN_	0x88b5	/* IEEE local experimental ethertype 1 */

/* Ethernet header with zero MACs, the record's tags when tags, then ethertype. */
static size_t synth_eth(const struct pt_pkt *p, __u8 *b, bool tags, __u16 ethertype)
{
	size_t n = 12;

	memset(b, 0, 12);		/* destination, source MAC: not recorded */
	if (tags && (p->flags & PT_PF_QINQ)) {
		be16(b + n, ETH_P_8021AD_);	/* outer TPID: 802.1ad assumed, not recorded */
		be16(b + n + 2, p->vlan[0]);
		be16(b + n + 4, ETH_P_8021Q_);
		be16(b + n + 6, p->vlan[1]);
		n += 8;
	} else if (tags && (p->flags & PT_PF_VLAN)) {
		be16(b + n, ETH_P_8021Q_);
		be16(b + n + 2, p->vlan[0]);
		n += 4;
	}
	be16(b + n, ethertype);
	return n + 2;
}

static bool is_echo(const struct pt_pkt *p)
{
	if (p->l4proto == IPPROTO_ICMP)
		return p->icmp_type == 8 || p->icmp_type == 0;
	return p->icmp_type == 128 || p->icmp_type == 129;
}

/* Pseudo-header sum for TCP/UDP/ICMPv6 (RFC 793, RFC 8200 8.1). */
static __u32 pseudo_sum(const struct pt_pkt *p, bool v6, __u32 l4_len)
{
	__u8 ph[40];

	if (v6) {
		memcpy(ph, p->saddr, 16);
		memcpy(ph + 16, p->daddr, 16);
		be32(ph + 32, l4_len);
		be32(ph + 36, p->l4proto);	/* 3 zero bytes, next header */
		return csum_add(0, ph, 40);
	}
	memcpy(ph, p->saddr, 4);
	memcpy(ph + 4, p->daddr, 4);
	ph[8] = 0;
	ph[9] = p->l4proto;
	be16(ph + 10, (__u16)l4_len);
	return csum_add(0, ph, 12);
}

/*
 * The identity IP packet's headers (IP, IPv6 fragment header, L4) into b.
 * *ip_total gets the IP packet length they announce, *l4_csum whether the L4
 * checksum could be computed. Returns the bytes written.
 */
static size_t synth_ip(const struct pt_pkt *p, __u8 *b, __u32 *ip_total, bool *l4_csum)
{
	bool v6 = p->flags & PT_PF_IPV6;
	bool frag = p->flags & PT_PF_FRAG;
	bool has_l4 = (p->flags & PT_PF_L4) && !(frag && p->frag_off);
	bool mf = frag && !p->frag_off;	/* a first fragment has MF; otherwise unknown -> 0 */
	size_t iph = v6 ? 40 + (frag ? 8 : 0) : 20, l4h = 0, n;
	__u8 *l4;
	__u32 total, opt;

	if (has_l4) {
		switch (p->l4proto) {
		case IPPROTO_TCP: l4h = 20; break;
		case IPPROTO_UDP: l4h = 8; break;
		case IPPROTO_ICMP:
		case IPPROTO_ICMPV6: l4h = 8; break;
		default: has_l4 = false;
		}
	}
	n = iph + l4h;
	total = p->l3_len ? p->l3_len : (__u32)(n + p->l4_payload_len);
	if (total < n)
		total = (__u32)n;	/* bogus length (PT_PF_BADLEN): keep the headers consistent */
	if (total > 0xffff + (v6 ? 40u : 0u))
		total = 0xffff + (v6 ? 40u : 0u);
	*ip_total = total;
	memset(b, 0, n);

	if (v6) {
		/* version 6, traffic class, flow label 0 (not recorded) */
		be32(b, 6u << 28 | (__u32)p->tos << 20);
		be16(b + 4, (__u16)(total - 40));	/* payload length */
		b[6] = frag ? 44 : p->l4proto;		/* next header */
		b[7] = p->ttl;				/* hop limit */
		memcpy(b + 8, p->saddr, 16);
		memcpy(b + 24, p->daddr, 16);
		if (frag) {
			/* fragment header: next header, reserved, offset<<3 | M, id */
			b[40] = p->l4proto;
			be16(b + 42, (__u16)((p->frag_off & ~7u) | (mf ? 1 : 0)));
			be32(b + 44, p->ip_id);	/* only the low 16 bits are recorded */
		}
	} else {
		b[0] = 0x45;				/* version 4, IHL 5: options not recorded */
		b[1] = p->tos;
		be16(b + 2, (__u16)total);
		be16(b + 4, p->ip_id);
		be16(b + 6, (__u16)((mf ? 0x2000 : 0) | ((p->frag_off >> 3) & 0x1fff)));	/* DF unknown: 0 */
		b[8] = p->ttl;
		b[9] = p->l4proto;
		memcpy(b + 12, p->saddr, 4);
		memcpy(b + 16, p->daddr, 4);
		be16(b + 10, csum_fold(csum_add(0, b, 20)));
	}

	l4 = b + iph;
	switch (has_l4 ? p->l4proto : 0) {
	case IPPROTO_TCP:
		be16(l4, p->sport);
		be16(l4 + 2, p->dport);
		be32(l4 + 4, p->seq);
		be32(l4 + 8, p->ack);
		/*
		 * Data offset: the IP length minus the headers minus the L4 payload
		 * is the TCP options' length (IPv4 options are rarer and counted
		 * there too). The options themselves are not recorded: the capture
		 * ends before them.
		 */
		opt = total - n - p->l4_payload_len;
		l4[12] = (__u8)((total > n + p->l4_payload_len && opt <= 40 && !(opt & 3) &&
				 !(p->flags & PT_PF_BADLEN) ? 5 + opt / 4 : 5) << 4);
		l4[13] = p->tcp_flags;
		be16(l4 + 14, p->window);
		break;
	case IPPROTO_UDP:
		be16(l4, p->sport);
		be16(l4 + 2, p->dport);
		be16(l4 + 4, (__u16)(8 + p->l4_payload_len));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4[0] = p->icmp_type;
		l4[1] = p->icmp_code;
		if (is_echo(p)) {
			be16(l4 + 4, p->sport);		/* identifier */
			be16(l4 + 6, p->dport);		/* sequence */
		}
		break;
	}

	/* The headers are the whole packet: the L4 checksum can be computed. */
	*l4_csum = has_l4 && !frag && total == n;
	if (*l4_csum) {
		__u32 sum = p->l4proto == IPPROTO_ICMP ? 0 : pseudo_sum(p, v6, (__u32)l4h);
		__u16 c = csum_fold(csum_add(sum, l4, l4h));
		size_t off = p->l4proto == IPPROTO_TCP ? 16 : p->l4proto == IPPROTO_UDP ? 6 : 2;

		if (p->l4proto == IPPROTO_UDP && !c)
			c = 0xffff;
		be16(l4 + off, c);
	}
	return n;
}

size_t pt_pcapng_synth(const struct pt_pkt *p, __u8 *buf, size_t cap, __u32 *orig_len,
		       char *comment, size_t comment_len)
{
	bool ip = p->flags & (PT_PF_IPV4 | PT_PF_IPV6);
	bool vxlan = p->flags & PT_PF_VXLAN;
	__u16 inner_type = !ip ? ETH_P_UNKNOWN_ : (p->flags & PT_PF_IPV6) ? ETH_P_IPV6_ : ETH_P_IP_;
	__u8 inner[PT_PCAPNG_SYNTH_MAX];
	size_t in_n = 0, n = 0, l2;
	__u32 ip_total = 0, total;
	bool l4_csum = false;

	if (cap < PT_PCAPNG_SYNTH_MAX)
		return 0;
	if (ip)
		in_n = synth_ip(p, inner, &ip_total, &l4_csum);

	if (vxlan) {
		bool ov6 = p->flags & PT_PF_OUTER_V6;
		size_t oh = ov6 ? 40 : 20;
		/* inner frame: Ethernet + identity IP packet (or Ethernet only) */
		__u32 inner_frame = 14 + (ip ? ip_total : 0);
		__u32 udp_len = 8 + 8 + inner_frame;
		__u8 *o, *u;

		n = synth_eth(p, buf, true, ov6 ? ETH_P_IPV6_ : ETH_P_IP_);
		l2 = n;
		o = buf + n;
		memset(o, 0, oh + 16);
		if (ov6) {
			be32(o, 6u << 28);
			be16(o + 4, (__u16)udp_len);
			o[6] = IPPROTO_UDP;
			o[7] = 64;			/* hop limit: not recorded */
			memcpy(o + 8, p->outer_saddr, 16);
			memcpy(o + 24, p->outer_daddr, 16);
		} else {
			o[0] = 0x45;
			be16(o + 2, (__u16)(20 + udp_len));
			o[8] = 64;			/* TTL: not recorded; id 0 */
			o[9] = IPPROTO_UDP;
			memcpy(o + 12, p->outer_saddr, 4);
			memcpy(o + 16, p->outer_daddr, 4);
			be16(o + 10, csum_fold(csum_add(0, o, 20)));
		}
		u = o + oh;
		be16(u, 0);				/* source port: not recorded */
		be16(u + 2, PT_VXLAN_PORT);
		be16(u + 4, (__u16)udp_len);		/* checksum 0: none (RFC 7348, RFC 6935) */
		u[8] = 0x08;				/* VXLAN flags: VNI valid */
		be32(u + 12, p->vni << 8);		/* VNI, reserved */
		n += oh + 16;
		n += synth_eth(p, buf + n, false, inner_type);
		memcpy(buf + n, inner, in_n);
		n += in_n;
		total = (__u32)(l2 + oh + udp_len);
	} else {
		n = synth_eth(p, buf, true, inner_type);
		l2 = n;
		memcpy(buf + n, inner, in_n);
		n += in_n;
		total = (__u32)(l2 + ip_total);
	}

	if (total < p->wire_len)
		total = p->wire_len;
	if (total < n)
		total = (__u32)n;
	*orig_len = total;

	if (comment && comment_len) {
		snprintf(comment, comment_len, "%s; %s%s%s%s", PT_PCAPNG_SYNTH_COMMENT,
			 !ip ? "not IP: ethertype not recorded, Ethernet header only"
			     : l4_csum ? "no payload: L4 checksum computed"
			     : "payload not recorded: L4 checksum 0",
			 vxlan ? "; VXLAN outer headers rebuilt (outer TTL, IP id, UDP source port not recorded)" : "",
			 (p->flags & PT_PF_TRUNC) ? "; record truncated: fields after the last parsed header are 0" : "",
			 (p->flags & PT_PF_BADLEN) ? "; a length field disagreed with the frame" : "");
	}
	return n;
}

/* ---- pcapng blocks ---- */

#define BLK_MAX	2048

struct blk {
	__u8 b[BLK_MAX];
	size_t n;
	bool opts;		/* options written: needs opt_endofopt */
};

/* pcapng fields are little-endian (we write the byte-order magic accordingly). */
static void put(struct blk *k, const void *d, size_t len)
{
	if (k->n + len > BLK_MAX - 8)	/* room kept for endofopt and the trailing length */
		len = BLK_MAX - 8 - k->n;
	memcpy(k->b + k->n, d, len);
	k->n += len;
}

static void put16(struct blk *k, __u16 v)
{
	__u8 b[2] = { (__u8)v, (__u8)(v >> 8) };

	put(k, b, 2);
}

static void put32(struct blk *k, __u32 v)
{
	put16(k, (__u16)v);
	put16(k, (__u16)(v >> 16));
}

static void pad4(struct blk *k)
{
	static const __u8 z[4];

	put(k, z, (4 - (k->n & 3)) & 3);
}

static void blk_begin(struct blk *k, __u32 type)
{
	k->n = 0;
	k->opts = false;
	put32(k, type);
	put32(k, 0);		/* block total length, patched by blk_end */
}

/* One option: code, length, value padded to 32 bits. Values over 1000 bytes are cut. */
static void blk_opt(struct blk *k, __u16 code, const void *v, size_t len)
{
	if (len > 1000)
		len = 1000;
	put16(k, code);
	put16(k, (__u16)len);
	put(k, v, len);
	pad4(k);
	k->opts = true;
}

static void blk_opt_str(struct blk *k, __u16 code, const char *s)
{
	blk_opt(k, code, s, strlen(s));
}

struct ifc {
	__u16 point;
	__u64 lost;		/* ring-buffer losses of point, reported in the ISB */
	__u64 last_ts;
};

struct pt_pcapng {
	FILE *out;
	int err;			/* first write error (sticky) */
	struct blk k;
	struct {
		int ifid;		/* -1: no IDB yet */
		__u64 attach_ns;	/* identity of the definition the IDB describes */
		__u64 netns_ino;
		__u32 ifindex;
		__u64 lost;		/* losses noted for this point */
		__u64 lost_ts;
	} pts[PT_MAX_POINTS];
	struct ifc *ifs;
	size_t nifs, capifs;
	struct pt_pcapng_stats st;
};

static int blk_end(struct pt_pcapng *w)
{
	struct blk *k = &w->k;
	__u32 total;

	if (k->opts)
		put32(k, 0);	/* opt_endofopt */
	total = (__u32)k->n + 4;
	put32(k, total);
	k->b[4] = (__u8)total;
	k->b[5] = (__u8)(total >> 8);
	k->b[6] = (__u8)(total >> 16);
	k->b[7] = (__u8)(total >> 24);
	if (!w->err && fwrite(k->b, 1, k->n, w->out) != k->n)
		w->err = -EIO;
	return w->err;
}

int pt_pcapng_open(FILE *out, const char *shb_comment, struct pt_pcapng **wp)
{
	struct pt_pcapng *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	w->out = out;
	for (size_t i = 0; i < PT_MAX_POINTS; i++)
		w->pts[i].ifid = -1;
	blk_begin(&w->k, PT_PCAPNG_SHB);
	put32(&w->k, PT_PCAPNG_MAGIC);
	put16(&w->k, 1);		/* major version */
	put16(&w->k, 0);		/* minor version */
	put32(&w->k, 0xffffffffU);	/* section length: not given (-1) */
	put32(&w->k, 0xffffffffU);
	if (shb_comment && *shb_comment)
		blk_opt_str(&w->k, 1, shb_comment);	/* opt_comment */
	blk_opt_str(&w->k, 4, "provtap");		/* shb_userappl */
	rc = blk_end(w);
	if (rc) {
		free(w);
		return rc;
	}
	*wp = w;
	return 0;
}

static int write_idb(struct pt_pcapng *w, __u16 point, const struct pt_point_info *info,
		     const char *name_hint, const struct pt_pkt *p)
{
	struct blk *k = &w->k;
	char name[128], desc[512];
	__u8 tsresol = 9;	/* 10^-9 s */
	__u32 snaplen;
	struct ifc *ifc;

	if (w->nifs == w->capifs) {
		size_t nc = w->capifs ? w->capifs * 2 : 16;
		struct ifc *ni = realloc(w->ifs, nc * sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		w->ifs = ni;
		w->capifs = nc;
	}
	if (info) {
		const char *dir = info->dir == PT_DIR_IN ? "in" : "out";
		const char *hook = info->hook == PT_HOOK_XDP ? "XDP" : info->dir == PT_DIR_IN ? "tc ingress" : "tc egress";

		if (info->netns[0])
			snprintf(name, sizeof(name), "%.16s@%.48s:%s", info->ifname, info->netns, dir);
		else
			snprintf(name, sizeof(name), "%.16s:%s", info->ifname, dir);
		snprintf(desc, sizeof(desc),
			 "provtap capture point %u: %s, ifindex %u, netns %s (inode %llu)%s%.32s%s, "
			 "program variant %.24s, %s, filter %s%.192s%s",
			 point, hook, info->ifindex, info->netns[0] ? info->netns : "of the loader",
			 (unsigned long long)info->netns_ino, info->alias[0] ? ", alias '" : "", info->alias,
			 info->alias[0] ? "'" : "", info->variant[0] ? info->variant : "?",
			 info->snaplen ? "frames captured up to snaplen" : "metadata only (headers synthesised)",
			 info->filter[0] ? "'" : "none", info->filter, info->filter[0] ? "'" : "");
		snaplen = info->snaplen ? info->snaplen : PT_PCAPNG_SYNTH_MAX;
	} else {
		if (name_hint && *name_hint)
			snprintf(name, sizeof(name), "%s", name_hint);
		else
			snprintf(name, sizeof(name), "point#%u", point);
		snprintf(desc, sizeof(desc), "provtap capture point %u: no definition in the store", point);
		snaplen = p->cap_len ? PT_SNAP_MAX : PT_PCAPNG_SYNTH_MAX;
	}

	blk_begin(k, PT_PCAPNG_IDB);
	put16(k, PT_PCAPNG_LINKTYPE_ETHERNET);
	put16(k, 0);		/* reserved */
	put32(k, snaplen);
	blk_opt_str(k, 2, name);	/* if_name */
	blk_opt_str(k, 3, desc);	/* if_description */
	blk_opt(k, 9, &tsresol, 1);	/* if_tsresol */
	if (blk_end(w))
		return w->err;

	ifc = &w->ifs[w->nifs];
	memset(ifc, 0, sizeof(*ifc));
	ifc->point = point;
	w->pts[point].ifid = (int)w->nifs++;
	w->pts[point].attach_ns = info ? info->attach_realtime_ns : 0;
	w->pts[point].netns_ino = info ? info->netns_ino : 0;
	w->pts[point].ifindex = info ? info->ifindex : 0;
	w->st.interfaces++;
	return 0;
}

int pt_pcapng_write_pkt(struct pt_pcapng *w, const struct pt_pkt *p, const struct pt_point_info *info,
			const char *name_hint, __u64 ts_ns)
{
	struct blk *k = &w->k;
	__u8 frame[PT_PCAPNG_SYNTH_MAX];
	char comment[512];
	const __u8 *data;
	__u32 caplen, orig, flags;
	int rc;

	if (w->err)
		return w->err;
	if (p->type != PT_REC_PKT || p->len < sizeof(*p) || p->point >= PT_MAX_POINTS ||
	    p->cap_len > PT_SNAP_MAX || p->len < sizeof(*p) + p->cap_len)
		return -EINVAL;
	if (info && !info->in_use)
		info = NULL;
	if (w->pts[p->point].ifid < 0 ||
	    (info && (w->pts[p->point].attach_ns != info->attach_realtime_ns ||
		      w->pts[p->point].netns_ino != info->netns_ino ||
		      w->pts[p->point].ifindex != info->ifindex))) {
		rc = write_idb(w, p->point, info, name_hint, p);
		if (rc)
			return rc;
	}

	comment[0] = 0;
	if (p->cap_len) {
		data = (const __u8 *)(p + 1);
		caplen = p->cap_len;
		orig = p->wire_len > caplen ? p->wire_len : caplen;
	} else {
		caplen = (__u32)pt_pcapng_synth(p, frame, sizeof(frame), &orig, comment, sizeof(comment));
		data = frame;
		w->st.synthesised++;
	}

	blk_begin(k, PT_PCAPNG_EPB);
	put32(k, (__u32)w->pts[p->point].ifid);
	put32(k, (__u32)(ts_ns >> 32));	/* timestamp, units of if_tsresol (ns) */
	put32(k, (__u32)ts_ns);
	put32(k, caplen);
	put32(k, orig);
	put(k, data, caplen);
	pad4(k);
	if (comment[0])
		blk_opt_str(k, 1, comment);	/* opt_comment */
	/* epb_flags: bits 0-1 direction, 01 inbound, 10 outbound */
	flags = p->dir == PT_DIR_IN ? 1 : p->dir == PT_DIR_OUT ? 2 : 0;
	if (flags) {
		__u8 fl[4] = { (__u8)flags, 0, 0, 0 };

		blk_opt(k, 2, fl, 4);
	}
	rc = blk_end(w);
	if (rc)
		return rc;
	w->ifs[w->pts[p->point].ifid].last_ts = ts_ns;
	w->st.packets++;
	return 0;
}

void pt_pcapng_note_loss(struct pt_pcapng *w, __u16 point, __u64 lost, __u64 ts_ns)
{
	if (point >= PT_MAX_POINTS)
		return;
	w->pts[point].lost += lost;
	if (ts_ns > w->pts[point].lost_ts)
		w->pts[point].lost_ts = ts_ns;
}

int pt_pcapng_close(struct pt_pcapng *w, struct pt_pcapng_stats *st)
{
	int rc;

	if (!w)
		return 0;
	/* Losses go to the point's latest interface (only points with packets have one). */
	for (size_t i = 0; i < PT_MAX_POINTS; i++) {
		struct ifc *f;
		__u64 ts, v;
		__u8 b[8];

		if (w->pts[i].ifid < 0 || !w->pts[i].lost)
			continue;
		f = &w->ifs[w->pts[i].ifid];
		ts = w->pts[i].lost_ts > f->last_ts ? w->pts[i].lost_ts : f->last_ts;
		v = w->pts[i].lost;
		for (int j = 0; j < 8; j++)
			b[j] = (__u8)(v >> (8 * j));
		blk_begin(&w->k, PT_PCAPNG_ISB);
		put32(&w->k, (__u32)w->pts[i].ifid);
		put32(&w->k, (__u32)(ts >> 32));
		put32(&w->k, (__u32)ts);
		blk_opt_str(&w->k, 1, "provtap: isb_ifdrop = records the kernel could not deliver (ring buffer full), "
				      "all packets of the point, not only those matching the filter");
		blk_opt(&w->k, 5, b, 8);	/* isb_ifdrop */
		if (blk_end(w))
			break;
		w->st.lost += v;
	}
	if (!w->err && fflush(w->out))
		w->err = -EIO;
	rc = w->err;
	if (st)
		*st = w->st;
	free(w->ifs);
	free(w);
	return rc;
}

int pt_pcapng_export(const struct pt_scan_opts *o, FILE *out, struct pt_pcapng_stats *st, bool *partial,
		     char *err, size_t errlen)
{
	struct pt_scan_opts so;
	struct pt_scan *s = NULL;
	struct pt_pcapng *w = NULL;
	const struct pt_rec_hdr *h;
	const struct pt_view *v;
	char comment[512];
	bool warned_clock = false;
	__u64 bad = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	if (partial)
		*partial = false;
	so = *o;
	so.drops = false;
	rc = pt_scan_open(&so, &s, err, errlen);
	if (rc)
		return rc;
	v = pt_scan_view(s);
	snprintf(comment, sizeof(comment), "exported by provtap from the store %s; filter: %s",
		 o->store_dir, o->expr && *o->expr ? o->expr : "(all packets)");
	rc = pt_pcapng_open(out, comment, &w);
	if (rc) {
		snprintf(err, errlen, "cannot write the pcapng header: %s", strerror(-rc));
		goto out;
	}
	while ((rc = pt_scan_next(s, &h)) == 1) {
		if (h->type == PT_REC_LOSS) {
			const struct pt_loss_rec *l = (const void *)h;

			pt_pcapng_note_loss(w, l->point, l->lost, pt_scan_realtime(s, l->boottime_ns));
			continue;
		}
		if (h->type != PT_REC_PKT)
			continue;	/* drops have no capture point: not exported */
		const struct pt_pkt *p = (const void *)h;
		char name[96];
		__u64 ts = pt_scan_realtime(s, p->ts_ns);

		if (!v->clock_valid) {
			if (!warned_clock)
				pt_warn("export: no clock record before the first packets: their timestamps are "
					"boot time, not wall time");
			warned_clock = true;
			ts = p->ts_ns;
		}
		rc = pt_pcapng_write_pkt(w, p, p->point < PT_MAX_POINTS ? &v->info[p->point] : NULL,
					 pt_view_point(v, p->point, name, sizeof(name)), ts);
		if (rc == -EINVAL) {
			bad++;
			continue;
		}
		if (rc) {
			snprintf(err, errlen, "writing the pcapng file: %s", strerror(-rc));
			goto out;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "reading the store %s: %s", o->store_dir, strerror(-rc));
		goto out;
	}
	if (bad)
		pt_warn("export: %llu malformed packet records skipped", (unsigned long long)bad);
	rc = pt_pcapng_close(w, st);
	w = NULL;
	if (rc)
		snprintf(err, errlen, "writing the pcapng file: %s", strerror(-rc));
out:
	if (w)
		pt_pcapng_close(w, NULL);
	if (partial)
		*partial = pt_scan_partial(s, NULL) || bad;
	pt_scan_close(s);
	return rc;
}
