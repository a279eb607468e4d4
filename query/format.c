// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "common/units.h"
#include "bpf/proc.h"
#include "query/dropnames.h"
#include "query/format.h"
#include "query/json.h"

void pt_view_init(struct pt_view *v)
{
	memset(v, 0, sizeof(*v));
}

void pt_view_learn(struct pt_view *v, const struct pt_rec_hdr *h)
{
	if (h->type == PT_REC_POINT && h->len >= sizeof(struct pt_point_rec)) {
		const struct pt_point_rec *p = (const void *)h;
		char base[72];

		if (p->point >= PT_MAX_POINTS)
			return;
		struct pt_point_info *in = &v->info[p->point];

		*in = p->info;
		/* the strings as C strings whatever the store holds (a crafted or corrupt record) */
		in->ifname[sizeof(in->ifname) - 1] = 0;
		in->netns[sizeof(in->netns) - 1] = 0;
		in->alias[sizeof(in->alias) - 1] = 0;
		in->variant[sizeof(in->variant) - 1] = 0;
		in->filter[sizeof(in->filter) - 1] = 0;
		if (!in->in_use)
			return;
		if (in->netns[0])
			snprintf(base, sizeof(base), "%.15s@%.47s", in->ifname, in->netns);
		else
			snprintf(base, sizeof(base), "%s", in->ifname);
		snprintf(v->name[p->point], sizeof(v->name[0]), "%s:%s", base, in->dir == PT_DIR_IN ? "in" : "out");
	} else if (h->type == PT_REC_CLOCK && h->len >= sizeof(struct pt_clock_rec)) {
		const struct pt_clock_rec *c = (const void *)h;

		v->clock_offset = (__s64)(c->realtime_ns - c->boottime_ns);
		v->clock_valid = true;
	}
}

struct pt_point_names pt_view_names(const struct pt_view *v, __u16 point)
{
	struct pt_point_names n = {};

	if (point < PT_MAX_POINTS && v->name[point][0]) {
		n.full = v->name[point];
		n.alias = v->info[point].alias[0] ? v->info[point].alias : NULL;
	}
	return n;
}

const char *pt_view_point(const struct pt_view *v, __u16 point, char *buf, size_t len)
{
	if (point < PT_MAX_POINTS && v->name[point][0])
		snprintf(buf, len, "%s", v->name[point]);
	else if (point == PT_DROP_POINT)
		snprintf(buf, len, "drop-probe");	/* its LOSS records: drop records lost */
	else if (PT_IS_PROC_LOSS_POINT(point))	/* the proc probes' LOSS records, by category */
		snprintf(buf, len, "proc-probes/%s", pt_fmt_proc_cat(point - PT_PROC_LOSS_POINT(0)));
	else
		snprintf(buf, len, "point#%u", point);
	return buf;
}

const char *pt_fmt_addr(const __u8 *a, bool v6, char *buf, size_t len)
{
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *pt_fmt_proto(__u8 p, char *buf, size_t len)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmp6";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

/* tcpdump's flag letters: S F P R . (ACK) U E W */
char *pt_fmt_tcp_flags(__u8 f, char *buf, bool dash)
{
	char *p = buf;

	if (f & 0x02) *p++ = 'S';
	if (f & 0x01) *p++ = 'F';
	if (f & 0x08) *p++ = 'P';
	if (f & 0x04) *p++ = 'R';
	if (f & 0x20) *p++ = 'U';
	if (f & 0x40) *p++ = 'E';
	if (f & 0x80) *p++ = 'W';
	if (f & 0x10) *p++ = '.';
	if (p == buf && dash)
		*p++ = '-';
	*p = 0;
	return buf;
}

void pt_view_fmt_time(const struct pt_view *v, __u64 ts, char *buf, size_t len)
{
	if (v->clock_valid)
		pt_fmt_rfc3339(ts + (__u64)v->clock_offset, buf, len);	/* modulo 2^64: any ts is defined */
	else
		snprintf(buf, len, "boot+%llu.%09llu", (unsigned long long)(ts / 1000000000ULL),
			 (unsigned long long)(ts % 1000000000ULL));
}

static void pkt_human(FILE *out, const struct pt_pkt *p, const struct pt_view *v)
{
	bool v6 = p->flags & PT_PF_IPV6;
	char ts[48], pt[96], s[64], d[64], pb[8], fl[16];

	pt_view_fmt_time(v, p->ts_ns, ts, sizeof(ts));
	fprintf(out, "%s %-24s ", ts, pt_view_point(v, p->point, pt, sizeof(pt)));
	if (!(p->flags & (PT_PF_IPV4 | PT_PF_IPV6))) {
		fprintf(out, "non-IP len %u", p->wire_len);
	} else {
		pt_fmt_addr(p->saddr, v6, s, sizeof(s));
		pt_fmt_addr(p->daddr, v6, d, sizeof(d));
		fprintf(out, "%s ", pt_fmt_proto(p->l4proto, pb, sizeof(pb)));
		if ((p->flags & PT_PF_L4) && (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP))
			fprintf(out, v6 ? "[%s]:%u > [%s]:%u" : "%s:%u > %s:%u", s, p->sport, d, p->dport);
		else
			fprintf(out, "%s > %s", s, d);
		if ((p->flags & PT_PF_L4) && p->l4proto == IPPROTO_TCP)
			fprintf(out, " [%s] seq %u ack %u win %u", pt_fmt_tcp_flags(p->tcp_flags, fl, true), p->seq, p->ack,
				p->window);
		if ((p->flags & PT_PF_L4) && (p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6))
			fprintf(out, " type %u code %u", p->icmp_type, p->icmp_code);
		fprintf(out, " len %u payload %u ttl %u", p->wire_len, p->l4_payload_len, p->ttl);
		if (!v6)
			fprintf(out, " id %u", p->ip_id);
		if (p->flags & PT_PF_FRAG)
			fprintf(out, " frag %u", p->frag_off);
	}
	if (p->flags & PT_PF_VXLAN)
		fprintf(out, " vni %u outer %s > %s", p->vni,
			pt_fmt_addr(p->outer_saddr, p->flags & PT_PF_OUTER_V6, s, sizeof(s)),
			pt_fmt_addr(p->outer_daddr, p->flags & PT_PF_OUTER_V6, d, sizeof(d)));
	if (p->flags & (PT_PF_VLAN | PT_PF_QINQ))
		fprintf(out, " vlan %u", p->vlan[0] & 0xfff);
	if (p->flags & PT_PF_QINQ)
		fprintf(out, ".%u", p->vlan[1] & 0xfff);
	if (p->flags & (PT_PF_TRUNC | PT_PF_BADLEN))
		fprintf(out, " %s", p->flags & PT_PF_BADLEN ? "[bad length]" : "[truncated]");
	fprintf(out, " fp %016llx\n", (unsigned long long)p->fp);
}

static void pkt_json(FILE *out, const struct pt_pkt *p, const struct pt_view *v)
{
	bool v6 = p->flags & PT_PF_IPV6, ip = p->flags & (PT_PF_IPV4 | PT_PF_IPV6);
	char ts[48], pt[96], s[64], d[64], pb[8], fl[16];

	pt_view_fmt_time(v, p->ts_ns, ts, sizeof(ts));
	fprintf(out, "{\"type\":\"pkt\",\"ts\":\"%s\",\"ts_ns\":%llu,\"point\":", ts, (unsigned long long)p->ts_ns);
	pt_json_str(out, pt_view_point(v, p->point, pt, sizeof(pt)));
	fprintf(out, ",\"point_id\":%u,\"dir\":\"%s\",\"hook\":\"%s\",\"len\":%u", p->point,
		p->dir == PT_DIR_IN ? "in" : "out", p->hook == PT_HOOK_XDP ? "xdp" : "tc", p->wire_len);
	if (ip) {
		fprintf(out, ",\"family\":%d,\"proto\":\"%s\",\"src\":\"%s\",\"dst\":\"%s\"", v6 ? 6 : 4,
			pt_fmt_proto(p->l4proto, pb, sizeof(pb)), pt_fmt_addr(p->saddr, v6, s, sizeof(s)),
			pt_fmt_addr(p->daddr, v6, d, sizeof(d)));
		fprintf(out, ",\"sport\":%u,\"dport\":%u,\"ttl\":%u,\"tos\":%u,\"ip_id\":%u,\"l3_len\":%u,"
			"\"payload_len\":%u,\"frag_off\":%u", p->sport, p->dport, p->ttl, p->tos, p->ip_id,
			p->l3_len, p->l4_payload_len, p->frag_off);
		if (p->l4proto == IPPROTO_TCP)
			fprintf(out, ",\"flags\":\"%s\",\"seq\":%u,\"ack\":%u,\"win\":%u",
				pt_fmt_tcp_flags(p->tcp_flags, fl, true), p->seq, p->ack, p->window);
		if (p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6)
			fprintf(out, ",\"icmp_type\":%u,\"icmp_code\":%u", p->icmp_type, p->icmp_code);
	}
	if (p->flags & PT_PF_VXLAN)
		fprintf(out, ",\"vni\":%u,\"outer_src\":\"%s\",\"outer_dst\":\"%s\"", p->vni,
			pt_fmt_addr(p->outer_saddr, p->flags & PT_PF_OUTER_V6, s, sizeof(s)),
			pt_fmt_addr(p->outer_daddr, p->flags & PT_PF_OUTER_V6, d, sizeof(d)));
	if (p->flags & (PT_PF_VLAN | PT_PF_QINQ))
		fprintf(out, ",\"vlan\":[%u%s", p->vlan[0] & 0xfff, p->flags & PT_PF_QINQ ? "," : "]");
	if (p->flags & PT_PF_QINQ)
		fprintf(out, "%u]", p->vlan[1] & 0xfff);
	if (p->flags & PT_PF_MARK)
		fprintf(out, ",\"mark\":%u", p->mark);
	fprintf(out, ",\"fp\":\"%016llx\",\"fp_mode\":\"%s\",\"trunc\":%s,\"badlen\":%s,\"cap_len\":%u",
		(unsigned long long)p->fp, p->flags & PT_PF_FP_NAT ? "payload" : "headers",
		p->flags & PT_PF_TRUNC ? "true" : "false", p->flags & PT_PF_BADLEN ? "true" : "false", p->cap_len);
	if (p->cap_len && p->len >= sizeof(*p) + p->cap_len) {
		const __u8 *data = (const __u8 *)(p + 1);

		fputs(",\"data\":\"", out);
		for (unsigned int i = 0; i < p->cap_len; i++)
			fprintf(out, "%02x", data[i]);
		fputc('"', out);
	}
	fputs("}\n", out);
}

const struct pt_point_info *pt_view_dev(const struct pt_view *v, __u64 netns_ino, __u32 ifindex)
{
	const struct pt_point_info *best = NULL;

	if (!ifindex)
		return NULL;
	for (int i = 0; i < PT_MAX_POINTS; i++) {
		const struct pt_point_info *in = &v->info[i];

		if (v->name[i][0] && in->ifindex == ifindex && in->netns_ino == netns_ino &&
		    (!best || in->attach_realtime_ns >= best->attach_realtime_ns))
			best = in;
	}
	return best;
}

static void drop_human(FILE *out, const struct pt_drop *d, const struct pt_view *v)
{
	const struct pt_pkt *p = &d->pkt;
	const struct pt_point_info *dev = pt_view_dev(v, d->netns_ino, d->ifindex);
	bool v6 = p->flags & PT_PF_IPV6;
	char ts[48], rs[64], loc[128], s[64], dd[64], pb[8];

	pt_view_fmt_time(v, p->ts_ns, ts, sizeof(ts));
	fprintf(out, "%s DROP %s at %s netns %llu", ts, pt_drop_reason_name(d->reason, rs, sizeof(rs)),
		pt_drop_location_name(d->location, loc, sizeof(loc)), (unsigned long long)d->netns_ino);
	if (dev && dev->netns[0])
		fprintf(out, " (%s)", dev->netns);
	if (d->ifindex)
		fprintf(out, " dev %s#%u", dev ? dev->ifname : "", d->ifindex);
	if (p->flags & (PT_PF_IPV4 | PT_PF_IPV6)) {
		pt_fmt_addr(p->saddr, v6, s, sizeof(s));
		pt_fmt_addr(p->daddr, v6, dd, sizeof(dd));
		fprintf(out, " %s ", pt_fmt_proto(p->l4proto, pb, sizeof(pb)));
		if ((p->flags & PT_PF_L4) && (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP))
			fprintf(out, v6 ? "[%s]:%u > [%s]:%u" : "%s:%u > %s:%u", s, p->sport, dd, p->dport);
		else
			fprintf(out, "%s > %s", s, dd);
		fprintf(out, " len %u payload %u", p->wire_len, p->l4_payload_len);
	} else {
		fprintf(out, " %s len %u", d->dflags & PT_DF_NO_L3 ? "no-L3" : "non-IP", p->wire_len);
	}
	fprintf(out, " fp %016llx\n", (unsigned long long)p->fp);
}

static void drop_json(FILE *out, const struct pt_drop *d, const struct pt_view *v)
{
	const struct pt_pkt *p = &d->pkt;
	const struct pt_point_info *dev = pt_view_dev(v, d->netns_ino, d->ifindex);
	bool v6 = p->flags & PT_PF_IPV6;
	char ts[48], rs[64], loc[128], s[64], dd[64], pb[8], fl[16];

	pt_view_fmt_time(v, p->ts_ns, ts, sizeof(ts));
	fprintf(out, "{\"type\":\"drop\",\"ts\":\"%s\",\"ts_ns\":%llu,\"reason\":", ts,
		(unsigned long long)p->ts_ns);
	pt_json_str(out, pt_drop_reason_name(d->reason, rs, sizeof(rs)));
	fprintf(out, ",\"reason_code\":%u,\"location\":", d->reason);
	pt_json_str(out, pt_drop_location_name(d->location, loc, sizeof(loc)));
	fprintf(out, ",\"location_addr\":\"0x%llx\",\"netns_ino\":%llu,\"netns\":",
		(unsigned long long)d->location, (unsigned long long)d->netns_ino);
	pt_json_str(out, dev ? dev->netns : NULL);
	fprintf(out, ",\"ifindex\":%u,\"dev\":", d->ifindex);
	pt_json_str(out, dev ? dev->ifname : NULL);
	fprintf(out, ",\"len\":%u", p->wire_len);
	if (p->flags & (PT_PF_IPV4 | PT_PF_IPV6)) {
		fprintf(out, ",\"family\":%d,\"proto\":\"%s\",\"src\":\"%s\",\"dst\":\"%s\"", v6 ? 6 : 4,
			pt_fmt_proto(p->l4proto, pb, sizeof(pb)), pt_fmt_addr(p->saddr, v6, s, sizeof(s)),
			pt_fmt_addr(p->daddr, v6, dd, sizeof(dd)));
		fprintf(out, ",\"sport\":%u,\"dport\":%u,\"ttl\":%u,\"tos\":%u,\"ip_id\":%u,\"l3_len\":%u,"
			"\"payload_len\":%u,\"frag_off\":%u", p->sport, p->dport, p->ttl, p->tos, p->ip_id,
			p->l3_len, p->l4_payload_len, p->frag_off);
		if (p->l4proto == IPPROTO_TCP)
			fprintf(out, ",\"flags\":\"%s\",\"seq\":%u,\"ack\":%u,\"win\":%u",
				pt_fmt_tcp_flags(p->tcp_flags, fl, true), p->seq, p->ack, p->window);
		if (p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6)
			fprintf(out, ",\"icmp_type\":%u,\"icmp_code\":%u", p->icmp_type, p->icmp_code);
	}
	if (p->flags & PT_PF_VXLAN)
		fprintf(out, ",\"vni\":%u", p->vni);
	fprintf(out, ",\"mark\":%u,\"fp\":\"%016llx\",\"fp_mode\":\"%s\",\"trunc\":%s,\"badlen\":%s,"
		"\"dflags\":%u}\n", p->mark, (unsigned long long)p->fp, p->flags & PT_PF_FP_NAT ? "payload" : "headers",
		p->flags & PT_PF_TRUNC ? "true" : "false", p->flags & PT_PF_BADLEN ? "true" : "false", d->dflags);
}

void pt_format_rec(FILE *out, const struct pt_rec_hdr *h, const struct pt_view *v, bool json)
{
	char ts[48], pt[96];

	if (pt_format_proc_rec(out, h, v, json))
		return;
	if (h->type == PT_REC_PKT && h->len >= sizeof(struct pt_pkt)) {
		if (json)
			pkt_json(out, (const struct pt_pkt *)h, v);
		else
			pkt_human(out, (const struct pt_pkt *)h, v);
	} else if (h->type == PT_REC_DROP && h->len >= sizeof(struct pt_drop)) {
		if (json)
			drop_json(out, (const struct pt_drop *)h, v);
		else
			drop_human(out, (const struct pt_drop *)h, v);
	} else if (h->type == PT_REC_LOSS && h->len >= sizeof(struct pt_loss_rec)) {
		const struct pt_loss_rec *l = (const void *)h;

		pt_view_fmt_time(v, l->boottime_ns, ts, sizeof(ts));
		pt_view_point(v, l->point, pt, sizeof(pt));
		if (json) {
			fprintf(out, "{\"type\":\"loss\",\"ts\":\"%s\",\"point\":", ts);
			pt_json_str(out, pt);
			fprintf(out, ",\"point_id\":%u,\"lost\":%llu,\"lost_total\":%llu}\n", l->point,
				(unsigned long long)l->lost, (unsigned long long)l->lost_total);
		} else {
			fprintf(out, "%s %-24s LOST %llu record(s): ring buffer full (%llu in all; "
				"reload probes with a larger --ring-mb)\n", ts, pt, (unsigned long long)l->lost,
				(unsigned long long)l->lost_total);
		}
	}
}
