/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dropnames.h — names for the numbers in a drop record (struct pt_drop), from
 * the kernel this process runs on: the reason from its BTF (enum
 * skb_drop_reason), the location from /proc/kallsyms. Both are looked up when
 * a record is printed, not stored with it: a store read on another kernel (or
 * after a reboot: kallsyms addresses move with KASLR) gets that kernel's
 * answers. Records keep the raw reason and address, which JSON prints too.
 */
#ifndef PROVTAP_DROPNAMES_H
#define PROVTAP_DROPNAMES_H

#include <stddef.h>
#include <linux/types.h>

/*
 * Reason name without the "SKB_DROP_REASON_" prefix ("NETFILTER_DROP",
 * "NOT_SPECIFIED", "SKB_CONSUMED"), into buf; a reason this kernel's BTF does
 * not name (or no BTF) gives "reason#N" (subsystem reasons: "subsys#S:N").
 * Returns buf.
 */
const char *pt_drop_reason_name(__u32 reason, char *buf, size_t len);

/*
 * Reverse of pt_drop_reason_name: a name this kernel's BTF knows, with or
 * without the prefix, or any code by number as the tables print it: "N",
 * "reason#N" or "subsys#S:N" (named or not, without BTF too). Case-insensitive.
 * Returns the value, or -1 when unknown.
 */
long pt_drop_reason_value(const char *name);

/*
 * Location "symbol+0xoff" (nearest kernel text symbol at or below addr) into
 * buf; "0x<addr>" when kallsyms is unreadable or hides addresses (not root).
 * Returns buf.
 */
const char *pt_drop_location_name(__u64 addr, char *buf, size_t len);

#endif /* PROVTAP_DROPNAMES_H */
