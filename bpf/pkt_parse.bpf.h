/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pkt_parse.bpf.h — the one packet parser of the tc and XDP programs. Works on
 * (data, data_end) with direct packet access, so the caller must have made the
 * headers linear (tc: bpf_skb_pull_data). Fills the identity fields of a
 * struct pt_pkt plus the few extra inputs the fingerprint needs.
 *
 * Walk: Ethernet, up to two 802.1Q/802.1ad tags (a third tag stops the walk with
 * PT_PF_EXTLIMIT), IPv4 (options skipped) or IPv6 (up to PT_IPV6_EXT_MAX
 * extension headers), then TCP, UDP, ICMP or ICMPv6. UDP to PT_VXLAN_PORT with
 * the VXLAN I flag restarts the walk once on the inner Ethernet frame. A header
 * that does not fit in the frame sets PT_PF_TRUNC and stops; a bogus length
 * field sets PT_PF_BADLEN; either way the fields parsed so far stay. Headers
 * starting past PT_PARSE_MAX bytes are treated as truncated.
 * Include after vmlinux.h, bpf_helpers.h, bpf_endian.h and pkt.h.
 * Needs global BPF functions with pointer arguments (kernel >= 5.12).
 */
#ifndef PROVTAP_PKT_PARSE_BPF_H
#define PROVTAP_PKT_PARSE_BPF_H

#define PT_PARSE_MAX	512	/* headers must start below this frame offset */

#define PT_ETH_P_IP	0x0800
#define PT_ETH_P_IPV6	0x86DD
#define PT_ETH_P_8021Q	0x8100
#define PT_ETH_P_8021AD	0x88A8

#define PT_NEXTHDR_HOP		0
#define PT_NEXTHDR_ROUTING	43
#define PT_NEXTHDR_FRAGMENT	44
#define PT_NEXTHDR_AUTH		51
#define PT_NEXTHDR_DEST		60
#define PT_IPPROTO_ICMPV6	58	/* not in vmlinux.h: uapi ipv6.h define */

/* ICMP and ICMPv6 share this 8-byte head. */
struct pt_icmp_hdr {
	__u8   type;
	__u8   code;
	__be16 csum;
	__be16 id;		/* echo request/reply only */
	__be16 seq;		/* echo request/reply only */
};

/* VXLAN header (RFC 7348). */
struct pt_vxlan_hdr {
	__u8   flags;		/* 0x08: VNI valid (I flag) */
	__u8   rsvd1[3];
	__be32 vni_rsvd;	/* VNI in the upper 24 bits */
};

/* Parser outputs that have no place in struct pt_pkt (fingerprint inputs). */
struct pt_parse {
	__u32 pay_off;		/* frame offset of the payload after the last header */
	__u32 pay_lim;		/* payload bytes per the IP lengths (non-IP: to frame end) */
	__u32 frag_id;		/* IPv6 fragment id (32 bits); IPv4: ip_id */
	__u32 flow_label;	/* IPv6 flow label */
	__u16 ethertype;	/* identity ethertype after VLAN tags */
	__u16 udp_len;		/* UDP length field */
	__u8  ipver;		/* 4, 6, or 0 */
	__u8  frag_more;	/* MF / M bit */
	__u8  pad[2];
};

/*
 * Pointer to @len bytes at frame offset @off, or NULL when they do not fit in
 * [data, data_end) or @off is past PT_PARSE_MAX.
 */
static __always_inline void *pt_hdr(void *data, void *data_end, __u32 off, __u32 len)
{
	void *p;

	if (off > PT_PARSE_MAX)
		return NULL;
	p = data + off;
	if (p + len > data_end)
		return NULL;
	return p;
}

static __always_inline int pt_ipv6_is_ext(__u8 nh)
{
	return nh == PT_NEXTHDR_HOP || nh == PT_NEXTHDR_ROUTING ||
	       nh == PT_NEXTHDR_FRAGMENT || nh == PT_NEXTHDR_AUTH ||
	       nh == PT_NEXTHDR_DEST;
}

/* Forget the identity fields of the outer headers before the VXLAN inner walk. */
static __always_inline void pt_parse_reset_identity(struct pt_pkt *r, struct pt_parse *ps)
{
	__builtin_memset(r->saddr, 0, sizeof(r->saddr));
	__builtin_memset(r->daddr, 0, sizeof(r->daddr));
	r->flags &= ~(PT_PF_IPV4 | PT_PF_IPV6 | PT_PF_FRAG | PT_PF_L4);
	r->seq = 0;
	r->ack = 0;
	r->sport = 0;
	r->dport = 0;
	r->window = 0;
	r->ip_id = 0;
	r->l3_len = 0;
	r->l4_payload_len = 0;
	r->frag_off = 0;
	r->l4proto = 0;
	r->tcp_flags = 0;
	r->ttl = 0;
	r->tos = 0;
	r->icmp_type = 0;
	r->icmp_code = 0;
	__builtin_memset(ps, 0, sizeof(*ps));
}

/* Parser states: which header the walk reads next. */
enum pt_step {
	PT_ST_DONE,
	PT_ST_ETH,	/* Ethernet header at off */
	PT_ST_ETYPE,	/* dispatch on w->next (ethertype), VLAN tags */
	PT_ST_IPV4,
	PT_ST_IPV6,
	PT_ST_EXT,	/* IPv6 extension header chain, w->next = next header */
	PT_ST_L4,	/* dispatch on r->l4proto */
	PT_ST_VXLAN,
	PT_ST_TRUNC,	/* header did not fit: set PT_PF_TRUNC, stop */
};

/* Two layers of: Ethernet, 3 tag steps, IP, PT_IPV6_EXT_MAX + 1 ext steps, L4, VXLAN. */
#define PT_PARSE_STEPS	(2 * (PT_IPV6_EXT_MAX + 8))

/* Walk state between steps. */
struct pt_walk {
	__u64 off;		/* frame offset of the next header */
	__u64 plen;		/* IP payload bytes left after the headers so far */
	__u64 next;		/* ethertype or IPv6 next header to dispatch on */
	__u32 wire_len;
	__u8  layer;		/* 0 outer, 1 VXLAN inner */
	__u8  ntags;		/* VLAN tags in this layer */
	__u8  next_ext;		/* IPv6 extension headers walked */
	__u8  frag;		/* 1: non-first fragment, no L4 header follows */
	__u8  step;		/* enum pt_step to run next */
	__u8  pad[7];
};

/* Consume @hl header bytes from the IP payload budget; BADLEN when it is short. */
static __always_inline void pt_take(struct pt_walk *w, struct pt_pkt *r, struct pt_parse *ps,
				    __u64 hl)
{
	if (hl > w->plen) {
		r->flags |= PT_PF_BADLEN;
		w->plen = 0;
	} else {
		w->plen -= hl;
	}
	r->l4_payload_len = w->plen;
	ps->pay_lim = w->plen;
}

static __always_inline int pt_step_eth(void *data, void *data_end, struct pt_walk *w,
				       struct pt_parse *ps)
{
	struct ethhdr *eth = pt_hdr(data, data_end, w->off, sizeof(*eth));

	if (!eth)
		return PT_ST_TRUNC;
	w->next = bpf_ntohs(eth->h_proto);
	w->off += sizeof(*eth);
	w->ntags = 0;
	return PT_ST_ETYPE;
}

static __always_inline int pt_step_etype(void *data, void *data_end, struct pt_walk *w,
					 struct pt_pkt *r, struct pt_parse *ps)
{
	struct vlan_hdr *vh;
	__u16 proto = w->next;

	if (proto == PT_ETH_P_8021Q || proto == PT_ETH_P_8021AD) {
		if (w->ntags >= 2) {
			r->flags |= PT_PF_EXTLIMIT;
			return PT_ST_DONE;
		}
		vh = pt_hdr(data, data_end, w->off, sizeof(*vh));
		if (!vh)
			return PT_ST_TRUNC;
		if (w->layer == 0) {
			r->vlan[w->ntags & 1] = bpf_ntohs(vh->h_vlan_TCI);
			r->flags |= w->ntags ? PT_PF_QINQ : PT_PF_VLAN;
		}
		w->next = bpf_ntohs(vh->h_vlan_encapsulated_proto);
		w->off += sizeof(*vh);
		w->ntags++;
		return PT_ST_ETYPE;
	}
	ps->ethertype = proto;
	ps->pay_off = w->off;
	ps->pay_lim = w->wire_len > w->off ? w->wire_len - w->off : 0;
	if (proto == PT_ETH_P_IP)
		return PT_ST_IPV4;
	if (proto == PT_ETH_P_IPV6)
		return PT_ST_IPV6;
	return PT_ST_DONE;
}

static __always_inline int pt_step_ipv4(void *data, void *data_end, struct pt_walk *w,
					struct pt_pkt *r, struct pt_parse *ps)
{
	struct iphdr *iph = pt_hdr(data, data_end, w->off, sizeof(*iph));
	__u16 fo, tot;
	__u64 hl;

	if (!iph)
		return PT_ST_TRUNC;
	r->flags |= PT_PF_IPV4;
	ps->ipver = 4;
	__builtin_memcpy(r->saddr, &iph->saddr, 4);
	__builtin_memcpy(r->daddr, &iph->daddr, 4);
	r->ttl = iph->ttl;
	r->tos = iph->tos;
	r->ip_id = bpf_ntohs(iph->id);
	ps->frag_id = r->ip_id;
	fo = bpf_ntohs(iph->frag_off);
	r->frag_off = (fo & 0x1fff) << 3;
	ps->frag_more = !!(fo & 0x2000);
	if (r->frag_off || ps->frag_more)
		r->flags |= PT_PF_FRAG;
	r->l4proto = iph->protocol;
	w->next = iph->protocol;
	tot = bpf_ntohs(iph->tot_len);
	r->l3_len = tot;
	hl = iph->ihl * 4;
	if (iph->version != 4 || hl < sizeof(*iph) || tot < hl) {
		r->flags |= PT_PF_BADLEN;
		ps->pay_lim = 0;
		return PT_ST_DONE;
	}
	if (tot > w->wire_len - w->off)
		r->flags |= PT_PF_BADLEN;
	w->plen = tot - hl;
	r->l4_payload_len = w->plen;
	ps->pay_lim = w->plen;
	w->frag = (fo & 0x1fff) != 0;
	if (!pt_hdr(data, data_end, w->off, hl))
		return PT_ST_TRUNC;
	w->off += hl;
	ps->pay_off = w->off;
	return w->frag ? PT_ST_DONE : PT_ST_L4;
}

static __always_inline int pt_step_ipv6(void *data, void *data_end, struct pt_walk *w,
					struct pt_pkt *r, struct pt_parse *ps)
{
	struct ipv6hdr *ip6 = pt_hdr(data, data_end, w->off, sizeof(*ip6));
	__u64 plen;

	if (!ip6)
		return PT_ST_TRUNC;
	r->flags |= PT_PF_IPV6;
	ps->ipver = 6;
	__builtin_memcpy(r->saddr, &ip6->saddr, 16);
	__builtin_memcpy(r->daddr, &ip6->daddr, 16);
	r->ttl = ip6->hop_limit;
	r->tos = ip6->priority << 4 | ip6->flow_lbl[0] >> 4;
	ps->flow_label = (__u32)(ip6->flow_lbl[0] & 0xf) << 16 |
			 (__u32)ip6->flow_lbl[1] << 8 | ip6->flow_lbl[2];
	plen = bpf_ntohs(ip6->payload_len);
	r->l3_len = plen > 0xffff - sizeof(*ip6) ? 0xffff : plen + sizeof(*ip6);
	if (plen > w->wire_len - w->off - sizeof(*ip6))
		r->flags |= PT_PF_BADLEN;
	w->next = ip6->nexthdr;
	r->l4proto = ip6->nexthdr;
	w->off += sizeof(*ip6);
	w->plen = plen;
	w->next_ext = 0;
	r->l4_payload_len = plen;
	ps->pay_off = w->off;
	ps->pay_lim = plen;
	return PT_ST_EXT;
}

/* One IPv6 extension header, or the end of the chain. */
static __always_inline int pt_step_ext(void *data, void *data_end, struct pt_walk *w,
				       struct pt_pkt *r, struct pt_parse *ps)
{
	__u8 nh = w->next, *eh;
	__u64 hl;

	if (!pt_ipv6_is_ext(nh))
		return w->frag ? PT_ST_DONE : PT_ST_L4;
	if (w->next_ext >= PT_IPV6_EXT_MAX) {
		r->flags |= PT_PF_EXTLIMIT;
		return PT_ST_DONE;
	}
	eh = pt_hdr(data, data_end, w->off, 8);
	if (!eh)
		return PT_ST_TRUNC;
	if (nh == PT_NEXTHDR_FRAGMENT) {
		struct frag_hdr *fh = (void *)eh;
		__u16 fo = bpf_ntohs(fh->frag_off);

		r->frag_off = fo & 0xfff8;
		w->frag = (fo & 0xfff8) != 0;
		ps->frag_more = fo & 1;
		ps->frag_id = bpf_ntohl(fh->identification);
		r->ip_id = ps->frag_id & 0xffff;
		r->flags |= PT_PF_FRAG;
		hl = 8;
	} else if (nh == PT_NEXTHDR_AUTH) {
		hl = ((__u64)eh[1] + 2) * 4;
	} else {
		hl = ((__u64)eh[1] + 1) * 8;
	}
	pt_take(w, r, ps, hl);
	if (!pt_hdr(data, data_end, w->off, hl))
		return PT_ST_TRUNC;
	w->next = eh[0];
	r->l4proto = eh[0];
	w->off += hl;
	w->next_ext++;
	ps->pay_off = w->off;
	return PT_ST_EXT;
}

static __always_inline int pt_step_l4(void *data, void *data_end, struct pt_walk *w,
				      struct pt_pkt *r, struct pt_parse *ps)
{
	__u8 l4 = w->next;
	__u64 hl;

	if (l4 == IPPROTO_TCP) {
		struct tcphdr *th = pt_hdr(data, data_end, w->off, sizeof(*th));

		if (!th)
			return PT_ST_TRUNC;
		r->flags |= PT_PF_L4;
		r->sport = bpf_ntohs(th->source);
		r->dport = bpf_ntohs(th->dest);
		r->seq = bpf_ntohl(th->seq);
		r->ack = bpf_ntohl(th->ack_seq);
		r->tcp_flags = ((__u8 *)th)[13];
		r->window = bpf_ntohs(th->window);
		hl = th->doff * 4;
		if (hl < sizeof(*th)) {
			r->flags |= PT_PF_BADLEN;
			hl = sizeof(*th);
		}
	} else if (l4 == IPPROTO_UDP) {
		struct udphdr *uh = pt_hdr(data, data_end, w->off, sizeof(*uh));

		if (!uh)
			return PT_ST_TRUNC;
		r->flags |= PT_PF_L4;
		r->sport = bpf_ntohs(uh->source);
		r->dport = bpf_ntohs(uh->dest);
		ps->udp_len = bpf_ntohs(uh->len);
		hl = sizeof(*uh);
		if (ps->udp_len < hl || (!w->frag && ps->udp_len > w->plen))
			r->flags |= PT_PF_BADLEN;
	} else if (l4 == IPPROTO_ICMP || l4 == PT_IPPROTO_ICMPV6) {
		struct pt_icmp_hdr *ih = pt_hdr(data, data_end, w->off, sizeof(*ih));
		__u8 echo_req = l4 == IPPROTO_ICMP ? 8 : 128;
		__u8 echo_rep = l4 == IPPROTO_ICMP ? 0 : 129;

		if (!ih)
			return PT_ST_TRUNC;
		r->flags |= PT_PF_L4;
		r->icmp_type = ih->type;
		r->icmp_code = ih->code;
		if (ih->type == echo_req || ih->type == echo_rep) {
			r->sport = bpf_ntohs(ih->id);
			r->dport = bpf_ntohs(ih->seq);
		}
		hl = sizeof(*ih);
	} else {
		return PT_ST_DONE;
	}
	pt_take(w, r, ps, hl);
	if (!pt_hdr(data, data_end, w->off, hl))
		return PT_ST_TRUNC;
	w->off += hl;
	ps->pay_off = w->off;
	if (w->layer == 0 && l4 == IPPROTO_UDP && r->dport == PT_VXLAN_PORT)
		return PT_ST_VXLAN;
	return PT_ST_DONE;
}

/* VXLAN header; on success the walk restarts on the inner Ethernet frame. */
static __always_inline int pt_step_vxlan(void *data, void *data_end, struct pt_walk *w,
					 struct pt_pkt *r, struct pt_parse *ps)
{
	struct pt_vxlan_hdr *vx = pt_hdr(data, data_end, w->off, sizeof(*vx));

	if (!vx)
		return PT_ST_TRUNC;
	if (!(vx->flags & 0x08))
		return PT_ST_DONE;
	r->vni = bpf_ntohl(vx->vni_rsvd) >> 8;
	r->flags |= PT_PF_VXLAN;
	if (ps->ipver == 6)
		r->flags |= PT_PF_OUTER_V6;
	__builtin_memcpy(r->outer_saddr, r->saddr, 16);
	__builtin_memcpy(r->outer_daddr, r->daddr, 16);
	pt_parse_reset_identity(r, ps);
	w->off += sizeof(*vx);
	w->plen = 0;
	w->frag = 0;
	w->layer = 1;
	return PT_ST_ETH;
}

/*
 * pt_parse_step - run step w->step on [data, data_end) and store the next one
 * in w->step; returns it (PT_ST_DONE when the walk is over).
 */
static __always_inline int pt_parse_step(void *data, void *data_end, struct pt_walk *w,
					 struct pt_pkt *r, struct pt_parse *ps)
{
	int st;

	switch (w->step) {
	case PT_ST_ETH:
		st = pt_step_eth(data, data_end, w, ps);
		break;
	case PT_ST_ETYPE:
		st = pt_step_etype(data, data_end, w, r, ps);
		break;
	case PT_ST_IPV4:
		st = pt_step_ipv4(data, data_end, w, r, ps);
		break;
	case PT_ST_IPV6:
		st = pt_step_ipv6(data, data_end, w, r, ps);
		break;
	case PT_ST_EXT:
		st = pt_step_ext(data, data_end, w, r, ps);
		break;
	case PT_ST_L4:
		st = pt_step_l4(data, data_end, w, r, ps);
		break;
	case PT_ST_VXLAN:
		st = pt_step_vxlan(data, data_end, w, r, ps);
		break;
	case PT_ST_TRUNC:
		r->flags |= PT_PF_TRUNC;
		st = PT_ST_DONE;
		break;
	default:
		st = PT_ST_DONE;
		break;
	}
	w->step = st;
	return st;
}

/*
 * One step per call, as global functions: the verifier checks each once with
 * unknown inputs instead of once per header chain (a chain of k headers with a
 * few kinds each would otherwise multiply into millions of paths). Global
 * functions cannot take packet pointers, so there is one per context type;
 * both run the same pt_parse_step. NULL arguments: PT_ST_DONE.
 */
__noinline int pt_parse_step_skb(struct __sk_buff *skb, struct pt_walk *w,
				 struct pt_pkt *r, struct pt_parse *ps)
{
	if (!w || !r || !ps)
		return PT_ST_DONE;
	return pt_parse_step((void *)(long)skb->data, (void *)(long)skb->data_end, w, r, ps);
}

__noinline int pt_parse_step_xdp(struct xdp_md *ctx, struct pt_walk *w,
				 struct pt_pkt *r, struct pt_parse *ps)
{
	if (!w || !r || !ps)
		return PT_ST_DONE;
	return pt_parse_step((void *)(long)ctx->data, (void *)(long)ctx->data_end, w, r, ps);
}

/*
 * pt_parse_frame - parse the frame of @ctx (an skb when @is_skb, else an XDP
 * buffer) whose full length is @wire_len into @r (identity fields, vlan, vni,
 * outer addresses, flags) and @ps. The headers must be in the linear part.
 * @r and @ps must be zeroed by the caller. Never fails: problems are reported
 * in r->flags.
 */
static __always_inline void pt_parse_frame(void *ctx, int is_skb, __u32 wire_len,
					   struct pt_pkt *r, struct pt_parse *ps)
{
	struct pt_walk w = { .wire_len = wire_len, .step = PT_ST_ETH };
	int i, st;

	for (i = 0; i < PT_PARSE_STEPS; i++) {
		if (is_skb)
			st = pt_parse_step_skb(ctx, &w, r, ps);
		else
			st = pt_parse_step_xdp(ctx, &w, r, ps);
		if (st == PT_ST_DONE)
			break;
	}
}

/*
 * The fingerprint inputs that come from the parsed headers (bpf/fingerprint.h):
 * everything but the payload bytes and their count. fi must be zeroed by the
 * caller. The packet probes and the drop probe both fill it here, so their
 * fingerprints of one packet cannot drift apart. Needs fingerprint.h.
 */
static __always_inline void pt_fp_fill(struct pt_fp_in *fi, __u8 mode, const struct pt_pkt *r,
				       const struct pt_parse *ps)
{
	fi->mode = mode;
	fi->ipver = ps->ipver;
	fi->l4proto = r->l4proto;
	fi->tcp_flags = r->tcp_flags;
	fi->icmp_type = r->icmp_type;
	fi->icmp_code = r->icmp_code;
	fi->frag_more = ps->frag_more;
	fi->ethertype = ps->ethertype;
	fi->sport = r->sport;
	fi->dport = r->dport;
	fi->l3_len = r->l3_len;
	fi->l4_payload_len = r->l4_payload_len;
	fi->frag_off = r->frag_off;
	fi->udp_len = ps->udp_len;
	fi->ip_id = ps->frag_id;
	fi->flow_label = ps->flow_label;
	fi->seq = r->seq;
	fi->ack = r->ack;
	__builtin_memcpy(fi->saddr, r->saddr, 16);
	__builtin_memcpy(fi->daddr, r->daddr, 16);
}

/*
 * Payload bytes the fingerprint of mode hashes for a frame of wire_len bytes:
 * min(mode's prefix, the L4 payload, what the frame holds after pay_off).
 */
static __always_inline __u32 pt_fp_payload_want(__u8 mode, const struct pt_parse *ps, __u32 wire_len)
{
	__u32 n = ps->pay_lim, cap = mode == PT_FP_PAYLOAD ? PT_FP_NAT_PAYLOAD : PT_FP_HDR_PAYLOAD;

	if (n > cap)
		n = cap;
	if (ps->pay_off >= wire_len)
		return 0;
	if (n > wire_len - ps->pay_off)
		n = wire_len - ps->pay_off;
	return n;
}

#endif /* PROVTAP_PKT_PARSE_BPF_H */
