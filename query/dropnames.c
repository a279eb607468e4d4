// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "common/log.h"
#include "common/units.h"
#include "query/dropnames.h"

#define REASON_PREFIX	"SKB_DROP_REASON_"
#define SUBSYS_SHIFT	16	/* SKB_DROP_REASON_SUBSYS_SHIFT */

/* enum skb_drop_reason of the running kernel, loaded once. */
static struct {
	bool loaded;
	struct btf *btf;
	const struct btf_type *t;	/* NULL: no BTF or no such enum */
} reasons;

struct ksym {
	__u64 addr;
	char *name;
};

static struct {
	bool loaded;
	struct ksym *s;
	size_t n;
} ksyms;

static void reasons_load(void)
{
	int quiet, id;

	if (reasons.loaded)
		return;
	reasons.loaded = true;
	quiet = pt_log_libbpf_quiet(1);
	reasons.btf = btf__load_vmlinux_btf();
	pt_log_libbpf_quiet(quiet);
	if (!reasons.btf)
		return;
	id = btf__find_by_name_kind(reasons.btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id > 0)
		reasons.t = btf__type_by_id(reasons.btf, id);
}

const char *pt_drop_reason_name(__u32 reason, char *buf, size_t len)
{
	reasons_load();
	if (reasons.t) {
		const struct btf_enum *e = btf_enum(reasons.t);

		for (int i = 0; i < btf_vlen(reasons.t); i++, e++) {
			const char *nm;

			if ((__u32)e->val != reason)
				continue;
			nm = btf__name_by_offset(reasons.btf, e->name_off);
			if (!nm || !strncmp(nm, "SKB_DROP_REASON_SUBSYS", 22) || !strcmp(nm, REASON_PREFIX "MAX"))
				continue;
			if (!strncmp(nm, REASON_PREFIX, strlen(REASON_PREFIX)))
				nm += strlen(REASON_PREFIX);
			snprintf(buf, len, "%s", nm);
			return buf;
		}
	}
	if (reason >> SUBSYS_SHIFT)
		snprintf(buf, len, "subsys#%u:%u", reason >> SUBSYS_SHIFT, reason & 0xffff);
	else
		snprintf(buf, len, "reason#%u", reason);
	return buf;
}

/*
 * A reason given by number, as pt_drop_reason_name prints one the kernel does
 * not name or the CODE column shows it: "N", "reason#N" or "subsys#S:N"
 * (case-insensitive), decimal. The value, or -1 when name is none of them.
 */
static long reason_number(const char *name)
{
	const char *colon;
	char sub[16];
	__u64 v, s;

	if (!strncasecmp(name, "reason#", 7))
		name += 7;
	else if (!strncasecmp(name, "subsys#", 7) && (colon = strchr(name + 7, ':')) &&
		 (size_t)(colon - name - 7) < sizeof(sub)) {
		snprintf(sub, sizeof(sub), "%.*s", (int)(colon - name - 7), name + 7);
		if (pt_parse_u64(sub, 0, 0xffff, &s) || pt_parse_u64(colon + 1, 0, 0xffff, &v))
			return -1;
		return (long)(s << SUBSYS_SHIFT | v);
	}
	return pt_parse_u64(name, 0, 0xffffffffull, &v) ? -1 : (long)v;
}

long pt_drop_reason_value(const char *name)
{
	long n = reason_number(name);

	if (n >= 0)
		return n;
	reasons_load();
	if (!reasons.t)
		return -1;
	if (!strncasecmp(name, REASON_PREFIX, strlen(REASON_PREFIX)))
		name += strlen(REASON_PREFIX);
	const struct btf_enum *e = btf_enum(reasons.t);

	for (int i = 0; i < btf_vlen(reasons.t); i++, e++) {
		const char *nm = btf__name_by_offset(reasons.btf, e->name_off);

		if (!nm)
			continue;
		if (!strcasecmp(nm, name) ||
		    (!strncmp(nm, REASON_PREFIX, strlen(REASON_PREFIX)) && !strcasecmp(nm + strlen(REASON_PREFIX), name)))
			return (long)(__u32)e->val;
	}
	return -1;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void ksyms_load(void)
{
	char line[512], name[256], type;
	unsigned long long addr;
	size_t cap = 0;
	FILE *f;

	if (ksyms.loaded)
		return;
	ksyms.loaded = true;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr || (type != 'T' && type != 't'))
			continue;
		if (ksyms.n == cap) {
			struct ksym *ns = realloc(ksyms.s, (cap = cap ? cap * 2 : 4096) * sizeof(*ns));

			if (!ns)
				break;
			ksyms.s = ns;
		}
		ksyms.s[ksyms.n].addr = addr;
		ksyms.s[ksyms.n].name = strdup(name);
		if (ksyms.s[ksyms.n].name)
			ksyms.n++;
	}
	fclose(f);
	qsort(ksyms.s, ksyms.n, sizeof(*ksyms.s), ksym_cmp);
}

const char *pt_drop_location_name(__u64 addr, char *buf, size_t len)
{
	size_t lo = 0, hi;

	ksyms_load();
	hi = ksyms.n;
	if (!addr || !ksyms.n || addr < ksyms.s[0].addr) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return buf;
	}
	/* last symbol with s.addr <= addr */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ksyms.s[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	snprintf(buf, len, "%s+0x%llx", ksyms.s[lo].name, (unsigned long long)(addr - ksyms.s[lo].addr));
	return buf;
}
