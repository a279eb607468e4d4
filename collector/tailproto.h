/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tailproto.h — the collector's local socket protocol (SOCK_STREAM, unix).
 *
 * client -> server: one line, "TAIL <filter expression>\n" (expression may be empty),
 *   at most PT_TAIL_LINE_MAX bytes with its newline; a longer one is refused
 *   ("ERR 0 ...") when its first PT_TAIL_LINE_MAX bytes have come.
 * server -> client: one line, "OK\n" or "ERR <pos> <message>\n" (then close);
 * after OK, a stream of records back to back, each starting with struct
 * pt_rec_hdr: first every known PT_REC_POINT and the latest PT_REC_CLOCK, then
 * every matching PT_REC_PKT and every PT_REC_LOSS as the collector stores them,
 * and PT_REC_TAILGAP when this client was too slow to be sent some records.
 */
#ifndef PROVTAP_TAILPROTO_H
#define PROVTAP_TAILPROTO_H

#include <linux/types.h>

#define PT_REC_TAILGAP	64	/* tail-socket only, never stored */
#define PT_DEFAULT_SOCKET "/run/provtap.sock"
#define PT_TAIL_LINE_MAX 4095	/* the request line, "TAIL " and newline included */

struct pt_tailgap_rec {
	__u16 type;		/* PT_REC_TAILGAP */
	__u16 len;
	__u32 pad;
	__u64 skipped;		/* records not sent to this client since the last gap record */
};

#endif /* PROVTAP_TAILPROTO_H */
