// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "collector/collect.h"
#include "collector/privs.h"
#include "collector/ring.h"
#include "collector/server.h"
#include "collector/store.h"
#include "collector/tailproto.h"
#include "common/log.h"
#include "common/units.h"
#include "loader/drops.h"
#include "loader/loader.h"
#include "loader/pins.h"
#include "loader/procs.h"

#define BATCH_CAP	(1u << 20)
/*
 * The probes wake the collector only when a ring's unread bytes cross a
 * fraction of it (bpf/proc_maps.bpf.h, bpf/pkt.bpf.c: a wake-up per record
 * cost more than the rest of a probe), so it also drains this often: the
 * longest a record waits before it is stored and tailed.
 */
#define DRAIN_EVERY_MS	10
#define CLOCK_EVERY_NS	(30ULL * 1000000000ULL)
#define STATS_EVERY_NS	(10ULL * 1000000000ULL)

/* A ring buffer the collector drains into the store, with its own cursor. */
struct src {
	struct pt_ring ring;
	bool have;
	bool backoff;			/* store append failed: ring fd out of epoll until the tick */
	__u64 key;			/* cursor key: boot hash << 32 | map id */
	const char *what;		/* for messages */
};

struct collector {
	const struct pt_collect_opts *o;
	struct pt_store *store;
	struct pt_server *srv;
	struct pt_pins pins;		/* stats + points (ring fd moves into pkt.ring) */
	struct src pkt;			/* the packet/drop probes' ring */
	struct src proc;		/* the proc family's ring (loader/procs.h) */
	int proc_stats_fd, proc_reported_fd;
	__u64 proc_fail_seen[PT_PC_MAX];
	int drop_stats_fd, drop_reported_fd;	/* the drop probe's counters (loader/drops.h) */
	__u32 drop_stats_id;			/* their map's id, 0 when not open */
	__u64 drop_fail_seen;
	bool waiting_logged;
	long long foreign_ring_id;	/* the packet ring of probes of another layout (said once), 0 none */
	long long foreign_proc_ring_id;	/* the same for the proc family */
	bool pin_unreadable_logged;
	int lock_fd;			/* one collector per pin dir (abstract socket) */
	__u32 boot_hash;
	struct pt_view view;
	struct pt_point_info known[PT_MAX_POINTS];	/* as last written to the store */
	__u64 ring_fail_seen[PT_MAX_POINTS];
	bool unknown_point;		/* a batch names a point we have not written yet */
	unsigned char *batch;
	size_t batch_len;
	__u32 batch_n;
	__u64 malformed;		/* ring records with an impossible length */
	__u64 malformed_said;		/* ... of them logged so far */
	bool store_gone;		/* its directory was removed: nothing more is stored */
	__u64 last_clock, last_stats, last_append_err;
	int epfd;
};

static __u32 boot_hash(void)
{
	char buf[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	__u32 h = 2166136261u;

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	for (char *p = buf; *p && *p != '\n'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

/* 1 when a store error is to be logged: the first, then once a minute while they go on. */
static bool say_store_err(struct collector *c)
{
	__u64 now = pt_now_ns(CLOCK_BOOTTIME);
	bool say = !c->last_append_err || now - c->last_append_err > 60000000000ULL;

	c->last_append_err = now;
	return say;
}

static int append(struct collector *c, const void *rec, size_t len)
{
	int err;

	if (c->store_gone)
		return -ENOENT;	/* said once, by drain() */
	err = pt_store_append(c->store, rec, len, 1, NULL);
	if (err && say_store_err(c))
		pt_err("store: cannot append a record: %s", strerror(-err));
	return err;
}

/* Write and publish a clock pair; its error is half the sampling window. */
/* A boottime/realtime pair: realtime read on both sides of boottime, error = half the window. */
static struct pt_clock_rec sample_clock(void)
{
	struct pt_clock_rec r = { .type = PT_REC_CLOCK, .len = sizeof(r) };
	__u64 rt1 = pt_now_ns(CLOCK_REALTIME);

	r.boottime_ns = pt_now_ns(CLOCK_BOOTTIME);
	r.realtime_ns = pt_now_ns(CLOCK_REALTIME);
	r.error_ns = (r.realtime_ns - rt1) / 2 + 1;
	r.realtime_ns = rt1 + (r.realtime_ns - rt1) / 2;
	return r;
}

static void write_clock(struct collector *c)
{
	struct pt_clock_rec r = sample_clock();

	c->last_clock = r.boottime_ns;
	pt_view_learn(&c->view, (struct pt_rec_hdr *)&r);
	if (!append(c, &r, sizeof(r)) && c->srv)
		pt_server_publish(c->srv, &r, sizeof(r), c->epfd);
}

/* Every segment starts with the point table and a clock pair (self-describing segments). */
static int on_new_segment(struct pt_store *s, void *ctx)
{
	struct collector *c = ctx;
	struct pt_clock_rec r;
	int err;

	for (__u16 i = 0; i < PT_MAX_POINTS; i++) {
		struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr), .point = i };

		if (!c->known[i].in_use)
			continue;
		pr.info = c->known[i];
		err = pt_store_append(s, &pr, sizeof(pr), 1, NULL);
		if (err)
			return err;
	}
	r = sample_clock();
	return pt_store_append(s, &r, sizeof(r), 1, NULL);
}

/*
 * Store and publish a LOSS record of @point when its ring_fail counter
 * (@total) passed *@seen. The mark moves, and is noted at @key of the pinned
 * "reported" map @reported_fd (-1: none) so that a restarted collector starts
 * from there, only once the record is in the store: a failed append is
 * retried on the next tick rather than forgotten (a crash in between repeats
 * lost_total). Returns the records newly counted lost (the caller says so),
 * 0 when none were stored.
 */
static __u64 store_loss(struct collector *c, __u16 point, __u64 now, __u64 total, __u64 *seen, int reported_fd,
			__u32 key)
{
	struct pt_loss_rec l = { .type = PT_REC_LOSS, .len = sizeof(l), .point = point, .boottime_ns = now };

	if (total <= *seen)
		return 0;
	l.lost = total - *seen;
	l.lost_total = total;
	if (append(c, &l, sizeof(l)))
		return 0;
	*seen = total;
	if (reported_fd >= 0 && bpf_map_update_elem(reported_fd, &key, &total, BPF_ANY))
		pt_warn("cannot note the reported losses of point %u: %s", point, strerror(errno));
	if (c->srv)
		pt_server_publish(c->srv, &l, sizeof(l), c->epfd);
	return l.lost;
}

/* A LOSS record when point i's ring_fail counter grew (store_loss). */
static void point_losses(struct collector *c, __u16 i, __u64 now, const struct pt_point_stats *st)
{
	__u64 lost = store_loss(c, i, now, st->ring_fail, &c->ring_fail_seen[i], c->pins.fd[PT_MAP_REPORTED], i);
	char name[96];

	if (lost)
		pt_warn("%s: the kernel dropped %llu record(s), ring buffer full (%llu in all); "
			"reload with a larger --ring-mb", pt_point_name(&c->known[i], name, sizeof(name)),
			(unsigned long long)lost, (unsigned long long)st->ring_fail);
}

/*
 * Store and publish POINT records for every point that changed in the pinned
 * table. A point is one incarnation (id, attach time): before a point is
 * forgotten or its id is taken by a new one, its last drops are recorded.
 */
static void sync_points(struct collector *c)
{
	static struct pt_point_info table[PT_MAX_POINTS];
	__u64 now = pt_now_ns(CLOCK_BOOTTIME);

	c->unknown_point = false;
	if (c->pins.fd[PT_MAP_POINTS] < 0 || pt_points_read(c->pins.fd[PT_MAP_POINTS], table) < 0)
		return;
	for (__u16 i = 0; i < PT_MAX_POINTS; i++) {
		struct pt_point_rec pr = { .type = PT_REC_POINT, .len = sizeof(pr), .point = i };
		struct pt_point_info old;
		bool new_incarnation;
		char name[96];

		if (!memcmp(&table[i], &c->known[i], sizeof(table[i])))
			continue;
		new_incarnation = table[i].attach_realtime_ns != c->known[i].attach_realtime_ns;
		if (c->known[i].in_use && new_incarnation) {
			struct pt_point_stats st;

			/* the old point's last word (its counters are not yet reset) */
			if (!pt_point_stats_sum(c->pins.fd[PT_MAP_STATS], i, &st))
				point_losses(c, i, now, &st);
		}
		pr.info = table[i];
		/* known[] first: a seal this append makes starts the next segment's point table with it */
		old = c->known[i];
		c->known[i] = table[i];
		if (append(c, &pr, sizeof(pr))) {
			c->known[i] = old;
			continue;	/* retried next tick: known[] still differs */
		}
		if (new_incarnation) {
			__u64 reported = 0;

			/* what an earlier collector stored already (the loader zeroed it for a new point) */
			bpf_map_lookup_elem(c->pins.fd[PT_MAP_REPORTED], &(__u32){ i }, &reported);
			c->ring_fail_seen[i] = reported;
			if (table[i].in_use)
				pt_info("capture point %u: %s", i, pt_point_name(&table[i], name, sizeof(name)));
		}
		pt_view_learn(&c->view, (struct pt_rec_hdr *)&pr);
		if (c->srv)
			pt_server_publish(c->srv, &pr, sizeof(pr), c->epfd);
	}
}

/* LOSS records for ring_fail growth; STATS snapshots every STATS_EVERY_NS. */
static void check_losses(struct collector *c, __u64 now)
{
	bool snap = now - c->last_stats >= STATS_EVERY_NS;

	if (c->pins.fd[PT_MAP_STATS] < 0)
		return;
	for (__u16 i = 0; i < PT_MAX_POINTS; i++) {
		struct pt_stats_rec s = { .type = PT_REC_STATS, .len = sizeof(s), .point = i, .boottime_ns = now };

		if (!c->known[i].in_use || pt_point_stats_sum(c->pins.fd[PT_MAP_STATS], i, &s.stats))
			continue;
		point_losses(c, i, now, &s.stats);
		if (snap)
			append(c, &s, sizeof(s));
	}
	if (snap)
		c->last_stats = now;
}

static int batch_add(void *ctx, const void *rec, __u32 len)
{
	struct collector *c = ctx;
	const struct pt_rec_hdr *h = rec;

	if (len < sizeof(*h) || h->len < sizeof(*h) || h->len > len) {
		c->malformed++;
		return 0;
	}
	if (c->batch_len + h->len > BATCH_CAP)
		return 1;
	if (h->type == PT_REC_PKT && h->len >= sizeof(struct pt_pkt)) {
		__u16 pt = ((const struct pt_pkt *)h)->point;

		if (pt < PT_MAX_POINTS && !c->known[pt].in_use)
			c->unknown_point = true;
	}
	memcpy(c->batch + c->batch_len, rec, h->len);
	c->batch_len += h->len;
	c->batch_n++;
	return 0;
}

/*
 * Move what is committed in ring r into the store: batch, append with the
 * ring position as cursor, then advance the kernel's consumer position. A
 * failed append leaves the records in the ring (retried on the next round).
 * At most one ring's worth of bytes per call, or with @all what was
 * committed when it started: a ring filled as fast as it is stored must not
 * keep the loop from tick() (losses, fsync), the signals and the tail
 * clients; the ring's fd stays readable, so the next round goes on.
 */
static void drain_src(struct collector *c, struct src *r, bool all)
{
	bool synced = false;
	__u64 start, max;

	if (!r->have || r->backoff || c->store_gone)
		return;
	start = pt_ring_consumer(&r->ring);
	max = all ? pt_ring_producer(&r->ring) - start : r->ring.size;
	for (;;) {
		__u64 cons = pt_ring_consumer(&r->ring), pos = cons;
		__u64 cursor[2];
		int err;

		if (cons - start >= max)
			return;

		c->batch_len = 0;
		c->batch_n = 0;
		c->unknown_point = false;
		pt_ring_peek(&r->ring, &pos, batch_add, c);
		if (pos == cons)
			return;
		if (c->unknown_point && !synced) {
			sync_points(c);	/* records of a point unloaded meanwhile stay unknown: once is enough */
			synced = true;
		}
		if (c->batch_n) {
			cursor[0] = r->key;
			cursor[1] = pos;
			err = pt_store_append(c->store, c->batch, c->batch_len, c->batch_n, cursor);
			if (err) {
				if (say_store_err(c))
					pt_err("store: cannot write %u records (%s); they stay in the %s ring buffer "
					       "and are retried every second", c->batch_n, strerror(-err), r->what);
				/* stop the level-triggered wakeups until the next tick */
				if (!r->backoff)
					epoll_ctl(c->epfd, EPOLL_CTL_DEL, r->ring.fd, NULL);
				r->backoff = true;
				return;
			}
		}
		pt_ring_commit(&r->ring, pos);
		if (c->batch_n && c->srv)
			pt_server_publish(c->srv, c->batch, c->batch_len, c->epfd);
	}
}

/*
 * Drain the rings: each by one ring's worth, or with @all what they hold now
 * (at the end: what comes later stays for the next collector). First, once:
 * a store whose directory was removed (said once) takes nothing more, since
 * appends would go on into files no one can reach and the ring positions
 * past them count as stored; the records stay in the rings for another
 * collector instead (c->store_gone, which stops the main loop).
 */
static void drain(struct collector *c, bool all)
{
	if (!c->store_gone && pt_store_removed(c->store)) {
		c->store_gone = true;
		pt_err("the store directory %s was removed while collecting: stopping; what the probes "
		       "record meanwhile stays in their ring buffers (and is counted as lost when they fill)",
		       c->o->store_dir);
	}
	drain_src(c, &c->pkt, all);
	drain_src(c, &c->proc, all);
}

/* Map ring fd (owned) into r and skip what the store already holds. 0 or -errno (fd closed). */
static int open_src(struct collector *c, struct src *r, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	__u64 stored, cons, prod;
	bool found;
	int err;

	err = pt_ring_open(&r->ring, fd);
	if (err) {
		pt_err("cannot map the %s ring buffer: %s", r->what, strerror(-err));
		return err;
	}
	r->have = true;
	r->backoff = false;
	r->key = ((__u64)c->boot_hash << 32) | r->ring.map_id;
	cons = pt_ring_consumer(&r->ring);
	prod = pt_ring_producer(&r->ring);
	stored = pt_store_cursor(c->store, r->key, &found);
	if (found && stored > cons && stored <= prod) {
		pt_info("%s ring: skipping %llu bytes the store already holds (collector restart)", r->what,
			(unsigned long long)(stored - cons));
		pt_ring_commit(&r->ring, stored);
	}
	ev.data.fd = r->ring.fd;
	epoll_ctl(c->epfd, EPOLL_CTL_ADD, r->ring.fd, &ev);
	pt_info("collecting from the %s ring buffer %u (%u MiB), %llu bytes waiting", r->what, r->ring.map_id,
		r->ring.size >> 20, (unsigned long long)(pt_ring_producer(&r->ring) - pt_ring_consumer(&r->ring)));
	return 0;
}

static void close_src(struct collector *c, struct src *r)
{
	if (r->have) {
		if (!r->backoff)
			epoll_ctl(c->epfd, EPOLL_CTL_DEL, r->ring.fd, NULL);
		pt_ring_close(&r->ring);
	}
	r->have = false;
	r->backoff = false;
}

/* Put r's fd back into epoll after a store error (the tick retries). */
static void retry_src(struct collector *c, struct src *r)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = r->ring.fd };

	if (!r->backoff || !r->have)
		return;
	r->backoff = false;
	epoll_ctl(c->epfd, EPOLL_CTL_ADD, r->ring.fd, &ev);
}

/* Map id of the ring pinned at rel; 0 when there is none, -1 when it cannot be looked at. */
static long long pinned_map_id(const char *rel)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[512];
	int fd;

	fd = bpf_obj_get(pt_pin_path(path, sizeof(path), rel));
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/* ---- the proc family's ring and counters ---- */

static void proc_close(struct collector *c)
{
	int fd = pt_pin_map_open(PT_PROC_IGNORE_PIN, BPF_MAP_TYPE_HASH, sizeof(__u32), sizeof(__u8));

	if (fd >= 0) {
		bpf_map_delete_elem(fd, &(__u32){ (__u32)getpid() });
		close(fd);
	}
	close_src(c, &c->proc);
	if (c->proc_stats_fd >= 0)
		close(c->proc_stats_fd);
	if (c->proc_reported_fd >= 0)
		close(c->proc_reported_fd);
	c->proc_stats_fd = c->proc_reported_fd = -1;
}

/* Attach to the proc ring pinned (map id id), unless its family's maps are of another layout. */
static void proc_open(struct collector *c, long long id)
{
	char path[512];
	int fd;

	/* another provtap version's proc probes: said once (pt_pin_map_open), not read */
	if (id == c->foreign_proc_ring_id)
		return;
	c->proc_stats_fd = pt_pin_map_open(PT_PROC_STATS_PIN, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
					   sizeof(struct pt_proc_stats));
	if (c->proc_stats_fd < 0 && errno == EPROTO) {
		c->foreign_proc_ring_id = id;
		return;
	}
	fd = bpf_obj_get(pt_pin_path(path, sizeof(path), PT_PROC_RING_PIN));
	if (fd < 0 || open_src(c, &c->proc, fd)) {
		if (c->proc_stats_fd >= 0)
			close(c->proc_stats_fd);
		c->proc_stats_fd = -1;
		return;
	}
	/*
	 * The collector's own store writes are not provenance: never trace this
	 * process. Entries of collectors that died without removing theirs go
	 * first (their pid could be reused by a process that should be traced).
	 */
	fd = pt_pin_map_open(PT_PROC_IGNORE_PIN, BPF_MAP_TYPE_HASH, sizeof(__u32), sizeof(__u8));
	if (fd >= 0) {
		__u32 key, next, *prev = NULL;

		while (!bpf_map_get_next_key(fd, prev, &next)) {
			key = next;
			prev = &key;
			if (kill((pid_t)key, 0) && errno == ESRCH)
				bpf_map_delete_elem(fd, &key);
		}
	}
	if (fd < 0 || bpf_map_update_elem(fd, &(__u32){ (__u32)getpid() }, &(__u8){ 1 }, BPF_ANY))
		pt_warn("proc probes: cannot exclude the collector itself (%s): its own writes may be traced",
			strerror(errno));
	if (fd >= 0)
		close(fd);
	c->proc_reported_fd = pt_pin_map_open(PT_PROC_REPORTED_PIN, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64));
	for (int i = 0; i < PT_PC_MAX; i++) {
		c->proc_fail_seen[i] = 0;
		if (c->proc_reported_fd >= 0)
			bpf_map_lookup_elem(c->proc_reported_fd, &(__u32){ (__u32)i }, &c->proc_fail_seen[i]);
	}
}

/* LOSS records (point PT_PROC_LOSS_POINT(cat)) for the proc family's ring_fail growth. */
static void proc_losses(struct collector *c, __u64 now)
{
	struct pt_proc_stats st[PT_PC_MAX];

	if (c->proc_stats_fd < 0 || pt_procs_stats_sum(c->proc_stats_fd, st))
		return;
	for (int i = 0; i < PT_PC_MAX; i++) {
		__u64 lost = store_loss(c, (__u16)PT_PROC_LOSS_POINT(i), now, st[i].ring_fail, &c->proc_fail_seen[i],
					c->proc_reported_fd, (__u32)i);

		if (lost)
			pt_warn("proc probes: the kernel dropped %llu %s record(s), ring buffer full (%llu in all); "
				"reload with a larger --ring-mb or a narrower scope", (unsigned long long)lost,
				pt_proc_cat_name(i), (unsigned long long)st[i].ring_fail);
	}
}

/* ---- the drop probe's counters ---- */

/*
 * A LOSS record (point PT_DROP_POINT) when the drop probe's ring_fail grew:
 * drop records the kernel could not write to the packet ring. As for points,
 * the mark moves (and is noted in pt_dreported for a later collector) only
 * once the record is stored.
 */
static void drop_losses(struct collector *c, __u64 now)
{
	struct pt_drop_stats st;
	__u64 lost;

	if (c->drop_stats_fd < 0 || pt_drops_stats_sum(c->drop_stats_fd, &st))
		return;
	lost = store_loss(c, PT_DROP_POINT, now, st.ring_fail, &c->drop_fail_seen, c->drop_reported_fd, 0);
	if (lost)
		pt_warn("drop probe: the kernel dropped %llu drop record(s), ring buffer full (%llu in all); "
			"reload with a larger --ring-mb", (unsigned long long)lost, (unsigned long long)st.ring_fail);
}

static void drop_close(struct collector *c)
{
	if (c->drop_stats_fd >= 0)
		close(c->drop_stats_fd);
	if (c->drop_reported_fd >= 0)
		close(c->drop_reported_fd);
	c->drop_stats_fd = c->drop_reported_fd = -1;
	c->drop_stats_id = 0;
	c->drop_fail_seen = 0;
}

/*
 * Follow the drop probe being loaded, unloaded or reloaded (its counters'
 * pin): the old counters' last losses are stored before they are let go.
 */
static void drop_tick(struct collector *c, __u64 now)
{
	long long id = pinned_map_id(PT_DROP_STATS_PIN);

	if (id < 0)
		return;		/* unreadable now: keep following what is open */
	drop_losses(c, now);
	if (id && id == c->drop_stats_id)
		return;
	drop_close(c);
	/* by id: the map just looked at, even if the pin is replaced meanwhile (the next tick sees that) */
	c->drop_stats_fd = id ? bpf_map_get_fd_by_id((__u32)id) : -1;
	if (c->drop_stats_fd < 0)
		return;
	c->drop_stats_id = (__u32)id;
	if (pt_map_layout_check(c->drop_stats_fd, PT_DROP_STATS_PIN, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
				sizeof(struct pt_drop_stats))) {
		close(c->drop_stats_fd);	/* another version's: not read (said once per new map) */
		c->drop_stats_fd = -1;
		return;
	}
	c->drop_reported_fd = pt_pin_map_open(PT_DROP_REPORTED_PIN, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64));
	if (c->drop_reported_fd >= 0)
		bpf_map_lookup_elem(c->drop_reported_fd, &(__u32){ 0 }, &c->drop_fail_seen);
	drop_losses(c, now);
}

/* Follow the proc family being loaded, unloaded or reloaded. */
static void proc_tick(struct collector *c, __u64 now)
{
	long long id = pinned_map_id(PT_PROC_RING_PIN);

	if (c->proc.have && id >= 0 && id != c->proc.ring.map_id) {
		drain_src(c, &c->proc, false);
		if (pt_ring_producer(&c->proc.ring) == pt_ring_consumer(&c->proc.ring)) {
			proc_losses(c, now);
			pt_info("proc probes were unloaded or reloaded; switching rings");
			proc_close(c);
		}
	}
	if (!c->proc.have && id > 0)
		proc_open(c, id);
	if (c->proc.have)
		proc_losses(c, now);
}

static void detach_ring(struct collector *c)
{
	close_src(c, &c->pkt);
	pt_pins_close(&c->pins);
}

/* Open the pinned maps and ring when probes exist; skip what the store already has. */
static void attach_ring(struct collector *c)
{
	long long ring_id = 0;
	int err;

	/* another provtap version's probes: said once (pt_pins_open), tried again when others are loaded */
	if (c->foreign_ring_id) {
		ring_id = pinned_map_id(pt_map_names[PT_MAP_RING]);
		if (ring_id == c->foreign_ring_id)
			return;
		c->foreign_ring_id = 0;
	}
	err = pt_pins_open(&c->pins);
	if (err == -EPROTO)
		c->foreign_ring_id = ring_id ? ring_id : pinned_map_id(pt_map_names[PT_MAP_RING]);
	if (err) {
		if (err == -ENOENT && !c->waiting_logged)
			pt_info("waiting for probes (`provtap probe load`; pins in %s)", pt_pin_dir());
		c->waiting_logged = true;
		return;
	}
	err = open_src(c, &c->pkt, c->pins.fd[PT_MAP_RING]);
	c->pins.fd[PT_MAP_RING] = -1;
	if (err) {
		pt_pins_close(&c->pins);
		return;
	}
	c->waiting_logged = false;
	/*
	 * Re-announce every point (the store may have rolled to a segment without
	 * them). Drops counted before this collector started are reported once as
	 * LOSS records; lost_total stays the cumulative truth across restarts.
	 */
	memset(c->known, 0, sizeof(c->known));
	sync_points(c);
	/* the drop probe's counters from now (not the first tick): an unload before it loses none */
	drop_tick(c, pt_now_ns(CLOCK_BOOTTIME));
}

/* The pinned ring was replaced (probes unloaded/reloaded) or removed. */
static bool ring_changed(struct collector *c)
{
	long long id = pinned_map_id(pt_map_names[PT_MAP_RING]);

	if (id < 0) {
		/* e.g. --user: root's pins are out of reach; keep the ring we hold */
		if (!c->pin_unreadable_logged)
			pt_warn("cannot look at the pinned ring in %s (%s): a reload of the probes will need a "
				"collector restart", pt_pin_dir(), strerror(errno));
		c->pin_unreadable_logged = true;
		return false;
	}
	return id != c->pkt.ring.map_id;
}

/* Ring records with an impossible length, said as they come (at most once a tick, and at the end),
 * not only at exit: a SIGKILL would lose the count. */
static void say_malformed(struct collector *c)
{
	if (c->malformed <= c->malformed_said)
		return;
	pt_warn("%llu ring record(s) had an impossible length and were skipped (%llu in all)",
		(unsigned long long)(c->malformed - c->malformed_said), (unsigned long long)c->malformed);
	c->malformed_said = c->malformed;
}

static void tick(struct collector *c)
{
	__u64 now = pt_now_ns(CLOCK_BOOTTIME);

	retry_src(c, &c->pkt);
	retry_src(c, &c->proc);

	if (!c->pkt.have) {
		attach_ring(c);
	} else if (ring_changed(c)) {
		drain(c, false);
		if (pt_ring_producer(&c->pkt.ring) == pt_ring_consumer(&c->pkt.ring)) {
			pt_info("probes were unloaded or reloaded; switching rings");
			check_losses(c, now);	/* the old probes' last drops, before their counters go */
			detach_ring(c);
			attach_ring(c);
		}
	}
	if (c->pkt.have) {
		sync_points(c);
		check_losses(c, now);
		drop_tick(c, now);
	}
	proc_tick(c, now);
	say_malformed(c);
	if (now - c->last_clock >= CLOCK_EVERY_NS)
		write_clock(c);
	drain(c, false);
	pt_store_sync(c->store);
}

/*
 * Take the one-collector-per-probes lock: an abstract unix socket named after
 * the pin dir (two collectors draining one ring would each store part of it).
 * The kernel frees it when the process ends, however it ends, and it leaves
 * no file behind. The holder's pid is asked with SO_PEERCRED. 0 or -errno.
 */
static int lock_probes(struct collector *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *pd = pt_pin_dir();
	socklen_t len;
	int n, err, q;

	n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "provtap-collect:%s", pd);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path) - 1) {
		pt_err("pin dir %s is too long for the collector lock", pd);
		return -ENAMETOOLONG;
	}
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	c->lock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->lock_fd < 0)
		return -errno;
	if (!bind(c->lock_fd, (struct sockaddr *)&sa, len) && !listen(c->lock_fd, 8))
		return 0;
	err = errno == EADDRINUSE ? -EBUSY : -errno;
	if (err != -EBUSY) {
		pt_err("cannot take the collector lock for %s: %s", pd, strerror(-err));
		return err;
	}
	q = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (q >= 0 && !connect(q, (struct sockaddr *)&sa, len)) {
		struct ucred cr = {};
		socklen_t cl = sizeof(cr);

		if (!getsockopt(q, SOL_SOCKET, SO_PEERCRED, &cr, &cl))
			pt_err("another collector (pid %d) is collecting from the probes in %s; one collector per "
			       "set of probes (it would get only part of the records)", (int)cr.pid, pd);
		else
			q = -1;
	} else {
		if (q >= 0)
			close(q);
		q = -1;
	}
	if (q < 0)
		pt_err("another collector is collecting from the probes in %s; one collector per set of probes", pd);
	else
		close(q);
	return err;
}

/* Hand every file of the store to uid:gid (they were created as root). 0 or -errno. */
static int chown_store(const char *dir, uid_t uid, gid_t gid)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (fchownat(dirfd(d), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW)) {
			err = -errno;
			pt_err("cannot hand %s/%s to the collector's user: %s", dir, e->d_name, strerror(-err));
			break;
		}
	}
	closedir(d);
	return err;
}

static int setup_fds(struct collector *c, int *sfd, int *tfd)
{
	struct itimerspec it = { .it_interval.tv_sec = 1, .it_value.tv_sec = 1 };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	*sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	*tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (*sfd < 0 || *tfd < 0 || c->epfd < 0 || timerfd_settime(*tfd, 0, &it, NULL))
		return -errno;
	ev.data.fd = *sfd;
	epoll_ctl(c->epfd, EPOLL_CTL_ADD, *sfd, &ev);
	ev.data.fd = *tfd;
	epoll_ctl(c->epfd, EPOLL_CTL_ADD, *tfd, &ev);
	ev.data.fd = pt_server_listen_fd(c->srv);
	epoll_ctl(c->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	return 0;
}

int pt_collect_run(const struct pt_collect_opts *o)
{
	struct pt_store_opts so = { .retain_bytes = o->retain_bytes, .retain_age_ns = o->retain_age_ns,
				    .seg_max_bytes = o->seg_max_bytes, .zlevel = o->zlevel,
				    .on_new_segment = on_new_segment };
	struct collector *c;
	int sfd = -1, tfd = -1, err;
	FILE *tee = NULL;
	uid_t uid = 0;
	gid_t gid = 0;
	bool stop = false;

	/* a daemon's setup speaks on the terminal (errors must be seen) and into its log, which
	 * must tell the whole story (e.g. the rings it took up, probes of another version) */
	if (o->log_fd >= 0) {
		int fd = fcntl(o->log_fd, F_DUPFD_CLOEXEC, 0);

		tee = fd >= 0 ? fdopen(fd, "a") : NULL;
		if (!tee && fd >= 0)
			close(fd);
		pt_log_tee(tee);
	}
	c = calloc(1, sizeof(*c));
	err = c ? 0 : -ENOMEM;
	if (err)
		goto cleanup;
	c->o = o;
	c->epfd = -1;
	c->proc_stats_fd = c->proc_reported_fd = -1;
	c->drop_stats_fd = c->drop_reported_fd = -1;
	c->pkt.what = "packet";
	c->proc.what = "proc";
	pt_pins_init(&c->pins);
	pt_view_init(&c->view);
	c->boot_hash = boot_hash();
	so.ctx = c;
	c->lock_fd = -1;
	c->batch = malloc(BATCH_CAP);
	err = c->batch ? 0 : -ENOMEM;
	if (!err && o->user)
		err = pt_privs_lookup(o->user, &uid, &gid);
	if (!err)
		err = lock_probes(c);
	if (!err && o->user) {
		struct pt_pins probe;

		pt_pins_init(&probe);
		if (pt_pins_open(&probe) == -ENOENT && pinned_map_id(PT_PROC_RING_PIN) <= 0) {
			pt_err("--user: load the probes before starting the collector; as %s it could not "
			       "open root's pins later", o->user);
			err = -ENOENT;
		}
		pt_pins_close(&probe);
	}
	if (!err)
		err = pt_server_open(o->socket_path ? o->socket_path : PT_DEFAULT_SOCKET, &c->view, &c->srv);
	if (!err && mkdir(o->store_dir, 0750) && errno != EEXIST) {
		err = -errno;
		pt_err("cannot create store directory %s: %s", o->store_dir, strerror(-err));
	}
	if (!err && o->user && chown(o->store_dir, uid, gid)) {
		err = -errno;
		pt_err("cannot hand %s to user %s: %s", o->store_dir, o->user, strerror(-err));
	}
	if (!err) {
		err = pt_store_open(o->store_dir, &so, &c->store);
		if (err && err != -EBUSY)	/* the store names the other writer itself */
			pt_err("cannot open the store %s: %s", o->store_dir, strerror(-err));
	}
	if (!err && o->user)
		err = chown_store(o->store_dir, uid, gid);
	if (!err)
		err = setup_fds(c, &sfd, &tfd);
	if (err)
		goto cleanup;
	attach_ring(c);
	proc_tick(c, pt_now_ns(CLOCK_BOOTTIME));
	write_clock(c);
	drain(c, false);
	err = pt_privs_drop(o->user, uid, gid);
	if (err)
		goto cleanup;
	pt_info("collector ready: store %s, socket %s", o->store_dir, o->socket_path ? o->socket_path : PT_DEFAULT_SOCKET);
	if (o->ready_fd >= 0) {
		if (write(o->ready_fd, "ok\n", 3) != 3)
			pt_warn("could not signal readiness");
		close(o->ready_fd);
	}
	if (o->log_fd >= 0) {
		/* a daemon: from now on everything it says goes to its log */
		pt_log_tee(NULL);
		if (tee)
			fclose(tee);
		tee = NULL;
		fflush(stderr);
		dup2(o->log_fd, STDERR_FILENO);
		close(o->log_fd);
	}
	while (!stop) {
		struct epoll_event evs[32];
		int n = epoll_wait(c->epfd, evs, 32, DRAIN_EVERY_MS);

		if (n < 0 && errno != EINTR) {
			err = -errno;
			pt_err("epoll_wait: %s", strerror(-err));
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd) {
				stop = true;
			} else if (fd == tfd) {
				__u64 exp;

				if (read(tfd, &exp, sizeof(exp)) < 0)
					pt_debug("timerfd read");
				tick(c);
			} else if ((c->pkt.have && fd == c->pkt.ring.fd) || (c->proc.have && fd == c->proc.ring.fd)) {
				/* drained below, once for all the events of this round */
			} else if (fd == pt_server_listen_fd(c->srv)) {
				pt_server_accept(c->srv, c->epfd);
			} else {
				pt_server_client_event(c->srv, fd, evs[i].events, c->epfd);
			}
		}
		drain(c, false);
		if (c->store_gone) {
			err = -ENOENT;
			break;
		}
	}
	drain(c, true);
	if (c->pkt.have) {
		/* drops of the last moments are stored too, not left to the next collector */
		sync_points(c);
		check_losses(c, pt_now_ns(CLOCK_BOOTTIME));
		drop_tick(c, pt_now_ns(CLOCK_BOOTTIME));
	}
	if (c->proc.have)
		proc_losses(c, pt_now_ns(CLOCK_BOOTTIME));
	pt_info("collector stopping: %llu records stored this run", (unsigned long long)pt_store_get_stats(c->store)->records);
cleanup:
	if (!c)
		goto out;
	say_malformed(c);
	detach_ring(c);
	proc_close(c);
	drop_close(c);
	pt_server_close(c->srv);
	pt_store_close(c->store);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->lock_fd >= 0)
		close(c->lock_fd);	/* releases the lock */
	free(c->batch);
	free(c);
out:
	if (tee) {
		pt_log_tee(NULL);
		fclose(tee);
	}
	return err;
}
