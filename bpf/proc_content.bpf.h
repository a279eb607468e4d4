/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_content.bpf.h — a data call's content: read from user memory (one
 * buffer or an iovec array) into the CPU's pt_pstage entry behind the DATA
 * header, then written to the ring as one PT_REC_DATA with the first
 * PT_CHUNK_MAX bytes inline and PT_REC_CHUNKs for the rest. Every record is
 * bpf_ringbuf_output() with a verifier-bounded length, so ring space is
 * proportional to the bytes captured.
 *
 * Content is read in windows of PT_CONTENT_MAX bytes through the stage. The
 * first window is read before the DATA record is written, so for a call of
 * up to PT_CONTENT_MAX bytes (every `probe load --content`) its captured and
 * PT_DAF_FAULT are exact. Later windows (provtap record captures up to
 * PT_CALL_CONTENT_MAX per call) are read and written after it: the DATA
 * record announces the whole content, and when the rest cannot be read (a
 * fault, or past PT_IOV_MAX iovecs) one CHUNK without bytes at the first
 * byte not read says why (PT_CHF_FAULT, PT_CHF_IOV).
 *
 * Stage layout (struct pt_stage):
 *   [0, 240)                the DATA header (copied from the scratch)
 *   [240, 240 + n)          the window's content (content offset wbase on)
 * A CHUNK at content offset off (a multiple of PT_CHUNK_MAX) is written with
 * its 32-byte header at [240 + off - wbase - 32, 240 + off - wbase), over
 * bytes already in the ring (the previous chunk's, or the DATA header): no
 * second copy.
 * Include after proc_fd.bpf.h.
 */
#ifndef PROVTAP_PROC_CONTENT_BPF_H
#define PROVTAP_PROC_CONTENT_BPF_H

/* Content steps per window: an iovec load or a piece of at most PT_CHUNK_MAX
 * bytes each: <= PT_IOV_MAX loads + PT_CONTENT_MAX / PT_CHUNK_MAX full pieces
 * + PT_IOV_MAX partial ones + 1. */
#define PT_CONTENT_STEPS	(2 * PT_IOV_MAX + PT_CONTENT_MAX / PT_CHUNK_MAX + 1)
#define PT_NCHUNK		(PT_CONTENT_MAX / PT_CHUNK_MAX)
#define PT_NWINDOW		(PT_CALL_CONTENT_MAX / PT_CONTENT_MAX)

struct pt_uiovec {
	__u64 base;
	__u64 len;
};

/*
 * pt_content_step - one step of reading @j's content into @st: load the next
 * iovec, or read the next piece (<= PT_CHUNK_MAX bytes, within the current
 * segment and window) to st->b[PT_STAGE_HDR + j->got - j->wbase]. Returns 1
 * while there is more to do, 0 when done: j->got == j->wend, or a read failed
 * (PT_DAF_FAULT set in j->rec.flags), or the content lies past PT_IOV_MAX
 * iovecs (PT_DAF_IOV_TRUNC).
 */
__noinline int pt_content_step(struct pt_djob *j, struct pt_stage *st)
{
	struct pt_uiovec iov;
	__u64 n, room, off;
	__u32 got, want, i;

	if (!j || !st)
		return 0;
	got = j->got;
	want = j->wend;
	if (want > PT_CALL_CONTENT_MAX || got >= want)
		return 0;
	if (j->cur_rem == 0) {
		if (!j->iov) {
			if (j->iov_i)
				return 0;
			j->cur = j->src;
			j->cur_rem = j->want;
			j->iov_i = 1;
		} else {
			i = j->iov_i;
			if (i >= j->iovcnt)
				return 0;
			if (i >= PT_IOV_MAX) {
				j->rec.flags |= PT_DAF_IOV_TRUNC;
				return 0;
			}
			if (bpf_probe_read_user(&iov, sizeof(iov),
						(void *)(j->iov + (__u64)i * sizeof(iov)))) {
				j->rec.flags |= PT_DAF_FAULT;
				return 0;
			}
			j->iov_i = i + 1;
			j->cur = iov.base;
			j->cur_rem = iov.len;
			return 1;
		}
	}
	n = j->cur_rem;
	room = want - got;
	if (n > room)
		n = room;
	if (n > PT_CHUNK_MAX)
		n = PT_CHUNK_MAX;
	/* A 64-bit offset into the window, bounded by a test clang cannot
	 * drop: it knows got - wbase < PT_CONTENT_MAX, but the 6.1 verifier
	 * does not learn a bound from comparing two registers. */
	off = got - j->wbase;
	barrier_var(off);
	if (off >= PT_CONTENT_MAX)
		return 0;
	off += PT_STAGE_HDR;
	if (bpf_probe_read_user(&st->b[off], n, (void *)j->cur)) {
		j->rec.flags |= PT_DAF_FAULT;
		return 0;
	}
	j->got = got + n;
	j->cur += n;
	j->cur_rem -= n;
	return 1;
}

/* Read the window [j->wbase, j->wend) of the content into @st (it stops short on a fault). */
static __always_inline void pt_content_read(struct pt_djob *j, struct pt_stage *st)
{
	__u32 k;

	for (k = 0; k < PT_CONTENT_STEPS; k++)
		if (j->got >= j->wend || !pt_content_step(j, st))
			break;
}

/* The header of a CHUNK of @j's call at content offset @off with @bytes bytes and PT_CHF_* @flags. */
static __always_inline void pt_chunk_hdr(struct pt_chunk *c, const struct pt_djob *j, __u64 off, __u64 bytes,
					 __u8 flags)
{
	c->type = PT_REC_CHUNK;
	c->len = sizeof(*c) + bytes;
	c->tid = j->rec.task.tid;
	c->ts_ns = j->rec.task.ts_ns;
	c->off = off;
	c->msg_index = j->rec.msg_index;
	c->flags = flags;
	__builtin_memset(c->pad, 0, sizeof(c->pad));
}

/*
 * pt_chunks_emit - the CHUNKs of content [@from, @to) of @j (in the stage
 * window at j->wbase; @from a multiple of PT_CHUNK_MAX, @to <= from +
 * PT_CONTENT_MAX), each counted; when the DATA record was lost (j->err) they
 * are counted ring_fail and not written. Returns 0.
 */
__noinline int pt_chunks_emit(struct pt_djob *j, struct pt_stage *st, __u32 from, __u32 to)
{
	__u32 k, off, w;
	__u64 clen;

	if (!j || !st)
		return 0;
	for (k = 0; k < PT_NCHUNK; k++) {
		struct pt_chunk *c;

		off = from + k * PT_CHUNK_MAX;
		if (off >= to)
			break;
		clen = to - off;
		barrier_var(clen);
		if (clen > PT_CHUNK_MAX)
			clen = PT_CHUNK_MAX;
		if (j->err) {
			pt_count(PT_PC_CHUNK, j->err, 0, 0, 0);
			continue;
		}
		w = off - j->wbase;
		barrier_var(w);
		if (w >= PT_CONTENT_MAX)
			break;
		c = (void *)&st->b[PT_STAGE_HDR - sizeof(*c) + w];
		pt_chunk_hdr(c, j, off, clen, 0);
		pt_count(PT_PC_CHUNK, bpf_ringbuf_output(&pt_pring, c, sizeof(*c) + clen,
							 pt_pring_wake(sizeof(*c) + clen)), 0, 0, 0);
	}
	return 0;
}

/*
 * pt_content_window - read and write the next window of @j's content (after
 * the DATA record): its CHUNKs, and a PT_CHF_FAULT or PT_CHF_IOV CHUNK when
 * the rest could not be read. Returns 1 while there is more to do, 0 when
 * done (all content, or that CHUNK). When the DATA record was lost the
 * window's CHUNKs are only counted lost.
 */
__noinline int pt_content_window(struct pt_djob *j, struct pt_stage *st)
{
	struct pt_chunk *c;
	__u32 from, end;
	__u8 why;

	if (!j || !st || j->got >= j->want || j->want > PT_CALL_CONTENT_MAX)
		return 0;
	from = j->got;
	end = j->want - from > PT_CONTENT_MAX ? from + PT_CONTENT_MAX : j->want;
	j->wbase = from;
	j->wend = end;
	if (j->err) {
		pt_chunks_emit(j, st, from, end);
		j->got = end;
		return end < j->want;
	}
	pt_content_read(j, st);
	pt_chunks_emit(j, st, from, j->got);
	if (j->got >= end)
		return end < j->want;
	/* the rest could not be read: say where it ends, and why */
	why = j->rec.flags & PT_DAF_IOV_TRUNC ? PT_CHF_IOV : PT_CHF_FAULT;
	c = (void *)st->b;
	pt_chunk_hdr(c, j, j->got, 0, why);
	pt_count(PT_PC_CHUNK, bpf_ringbuf_output(&pt_pring, c, sizeof(*c), pt_pring_wake(sizeof(*c))), 0,
		 why == PT_CHF_FAULT, why == PT_CHF_IOV);
	return 0;
}

/*
 * pt_data_emit - emit s->dj.rec, filled by the caller except len, captured,
 * cap_len, with its content when s->dj.want > 0 (source: dj.src, or dj.iov /
 * dj.iovcnt), then the CHUNKs. Counts DATA and CHUNK (seen, emitted or
 * ring_fail, noargs, fault, trunc). When the DATA record is lost its CHUNKs
 * are not written and count as CHUNK ring_fail. Returns 0.
 */
__noinline int pt_data_emit(struct pt_pscratch *s)
{
	struct pt_stage *st = NULL;
	struct pt_data *r;
	struct pt_djob *j;
	__u32 cpu, got = 0, k;
	__u64 cap;
	long err;

	if (!s)
		return 0;
	j = &s->dj;
	r = &j->rec;
	r->type = PT_REC_DATA;
	r->captured = 0;
	r->cap_len = 0;
	r->len = sizeof(*r);
	if (j->want) {
		cpu = bpf_get_smp_processor_id();
		st = bpf_map_lookup_elem(&pt_pstage, &cpu);
		if (!st)
			r->flags |= PT_DAF_FAULT;
	}
	if (st && j->want) {
		j->got = 0;
		j->cur = 0;
		j->cur_rem = 0;
		j->iov_i = 0;
		j->wbase = 0;
		j->wend = j->want > PT_CONTENT_MAX ? PT_CONTENT_MAX : j->want;
		pt_content_read(j, st);
		got = j->got;
		if (got > PT_CONTENT_MAX)
			got = PT_CONTENT_MAX;
		if (got < j->wend)
			r->flags |= PT_DAF_FAULT;
		cap = got;
		barrier_var(cap);
		if (cap > PT_CHUNK_MAX)
			cap = PT_CHUNK_MAX;
		/* the first window read whole: the rest is announced (a later fault is a CHUNK) */
		r->captured = got < j->wend ? got : j->want;
		r->cap_len = cap;
		r->len = sizeof(*r) + cap;
		__builtin_memcpy(st->b, r, sizeof(*r));
		err = bpf_ringbuf_output(&pt_pring, st->b, sizeof(*r) + cap,
					 pt_pring_wake(sizeof(*r) + cap));
	} else {
		err = bpf_ringbuf_output(&pt_pring, r, sizeof(*r), pt_pring_wake(sizeof(*r)));
	}
	pt_count(PT_PC_DATA, err, r->flags & PT_DAF_NOARGS, r->flags & PT_DAF_FAULT,
		 r->flags & PT_DAF_TRUNC);
	if (!st)
		return 0;
	j->err = err;
	if (got > PT_CHUNK_MAX)
		pt_chunks_emit(j, st, PT_CHUNK_MAX, got);
	if (got < j->wend || got >= j->want)
		return 0;	/* (the common case: no call here) */
	for (k = 1; k < PT_NWINDOW; k++)
		if (!pt_content_window(j, st))
			break;
	return 0;
}

#endif /* PROVTAP_PROC_CONTENT_BPF_H */
