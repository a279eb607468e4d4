// SPDX-License-Identifier: GPL-2.0
/*
 * nfqdelay — delay injector for provtap testbeds (the kernels here have no netem).
 *
 *   nfqdelay --queue N --delay-ms D [--max-held 10000] [--stats FILE] [--duration S]
 *
 * Binds NFQUEUE queue N (in the network namespace it runs in: start it with
 * `ip netns exec NS nfqdelay ...`), holds every packet the kernel queues there for D
 * milliseconds after it arrived, then accepts it. An nftables rule `... queue num N`
 * chooses which packets come here (scripts/testbed.sh `delay` sets both up).
 *
 * Timing: one timerfd armed (absolute, CLOCK_MONOTONIC) at the release time of the
 * oldest held packet. With one fixed delay, release times grow in arrival order, so the
 * priority queue is a FIFO ring: O(1) per packet, and packets leave in the order they came.
 *
 * Nothing is lost silently. The kernel queue length is capped at --max-held: packets the
 * kernel could not queue (queue full) or could not send to us (netlink socket overrun) are
 * dropped by the kernel and counted in /proc/net/netfilter/nfnetlink_queue; we report those
 * counters with ours (a packet arriving while we hold --max-held is dropped with NF_DROP and
 * counted). Any drop is also reported on stderr.
 *
 * Stats: one JSON object, written (atomically: FILE.tmp + rename) to --stats FILE right after
 * the queue is bound (so a script can wait for it), at most every 100 ms while packets move,
 * every second otherwise, on SIGUSR1, and at exit. At exit (SIGTERM, SIGINT, SIGHUP or
 * --duration) packets still held are accepted at once (counted as released_early), and the
 * final JSON is also printed on stdout. Exit status 0, or 1 on a setup/netlink error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define COPY_RANGE 64 /* bytes of each packet copied to us: we only need its id and length */
#define RCVBUF (8 << 20)

struct held {
	uint32_t id;
	uint32_t len;
	uint64_t t_in; /* CLOCK_MONOTONIC ns when we received it */
};

static struct {
	unsigned queue;
	uint64_t delay_ns;
	unsigned max_held;
	const char *stats_path;
	double duration_s;
} opt = { .max_held = 10000 };

static struct {
	uint64_t received, held, released, released_early, dropped_full, enobufs, verdict_errors;
	uint64_t bytes_held, max_in_queue;
	uint64_t hold_ns_min, hold_ns_max, hold_ns_sum, hold_n;
	uint64_t kq_dropped, ku_dropped; /* from /proc: queue full, netlink overrun */
	bool kernel_stats_ok;
} st;

/* the FIFO of held packets */
static struct held *ring;
static size_t r_head, r_count;

static struct mnl_socket *nl;
static unsigned portid;
static int tfd = -1;
static uint64_t t_start;

/* outgoing verdicts, sent in one sendmsg per burst */
static char *vbuf;
static size_t vlen;
#define VBUF_SIZE (64 << 10)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nfqdelay --queue N --delay-ms D [--max-held 10000] [--stats FILE] [--duration S]\n"
		   "  holds the packets of NFQUEUE queue N for D ms, then accepts them in order;\n"
		   "  stats JSON in FILE (periodic and at exit) and on stdout at exit.\n");
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static int flush_verdicts(void)
{
	if (!vlen)
		return 0;
	ssize_t n = mnl_socket_sendto(nl, vbuf, vlen);
	vlen = 0;
	if (n < 0) {
		fprintf(stderr, "nfqdelay: sending verdicts: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int put_verdict(uint32_t id, int verdict)
{
	if (vlen + MNL_ALIGN(256) > VBUF_SIZE && flush_verdicts() < 0)
		return -1;
	struct nlmsghdr *nlh = nfq_nlmsg_put(vbuf + vlen, NFQNL_MSG_VERDICT, opt.queue);
	nfq_nlmsg_verdict_put(nlh, id, verdict);
	vlen += NLMSG_ALIGN(nlh->nlmsg_len);
	return 0;
}

/* accept every held packet due at `now` (all of them if `all`) */
static int release(uint64_t now, bool all)
{
	while (r_count) {
		struct held *h = &ring[r_head];
		if (!all && h->t_in + opt.delay_ns > now)
			break;
		if (put_verdict(h->id, NF_ACCEPT) < 0)
			return -1;
		uint64_t hold = now > h->t_in ? now - h->t_in : 0;
		if (all && h->t_in + opt.delay_ns > now) {
			st.released_early++;
		} else {
			st.released++;
			if (!st.hold_n || hold < st.hold_ns_min)
				st.hold_ns_min = hold;
			if (hold > st.hold_ns_max)
				st.hold_ns_max = hold;
			st.hold_ns_sum += hold;
			st.hold_n++;
		}
		r_head = (r_head + 1) % opt.max_held;
		r_count--;
	}
	return flush_verdicts();
}

static void arm_timer(void)
{
	struct itimerspec its = { 0 };
	if (r_count) {
		uint64_t t = ring[r_head].t_in + opt.delay_ns;
		its.it_value.tv_sec = t / 1000000000ull;
		its.it_value.tv_nsec = t % 1000000000ull;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		perror("nfqdelay: timerfd_settime");
		exit(1);
	}
}

static void on_packet(const struct nlmsghdr *nlh, uint64_t now)
{
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR]) {
		fprintf(stderr, "nfqdelay: malformed packet message ignored\n");
		return;
	}
	struct nfqnl_msg_packet_hdr *ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	uint32_t id = ntohl(ph->packet_id);
	uint32_t len = 0;
	if (attr[NFQA_CAP_LEN])
		len = ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN]));
	else if (attr[NFQA_PAYLOAD])
		len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	st.received++;
	if (r_count >= opt.max_held) {
		/* cannot happen while the kernel queue is capped at max_held, but never silently */
		if (!st.dropped_full)
			fprintf(stderr, "nfqdelay: %u packets held (--max-held): dropping new ones (counted)\n",
				opt.max_held);
		st.dropped_full++;
		put_verdict(id, NF_DROP);
		return;
	}
	ring[(r_head + r_count) % opt.max_held] = (struct held){ .id = id, .len = len, .t_in = now };
	r_count++;
	st.held++;
	st.bytes_held += len;
	if (r_count > st.max_in_queue)
		st.max_in_queue = r_count;
}

/* read everything the socket has; returns -1 on a fatal error */
static int on_readable(void)
{
	static char buf[256 << 10];
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* the kernel could not deliver packets to us and dropped them; it counts them
				 * in nfnetlink_queue's user_dropped, which the stats report */
				if (!st.enobufs)
					fprintf(stderr, "nfqdelay: netlink socket overrun: the kernel dropped "
							"packets (see kernel_user_dropped)\n");
				st.enobufs++;
				continue;
			}
			fprintf(stderr, "nfqdelay: recv: %s\n", strerror(errno));
			return -1;
		}
		uint64_t now = now_ns();
		int len = (int)n;
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				if (e->error) {
					if (st.verdict_errors < 5)
						fprintf(stderr, "nfqdelay: kernel rejected a message: %s\n",
							strerror(-e->error));
					st.verdict_errors++;
				}
				continue;
			}
			if (NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_QUEUE &&
			    NFNL_MSG_TYPE(nlh->nlmsg_type) == NFQNL_MSG_PACKET)
				on_packet(nlh, now);
		}
	}
	return flush_verdicts(); /* NF_DROP verdicts for packets over --max-held */
}

/* /proc/net/netfilter/nfnetlink_queue of our netns: queue portid total mode range
 * queue_dropped user_dropped id_seq 1 */
static void read_kernel_stats(void)
{
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "r");
	if (!f)
		return;
	unsigned q, pid, total, mode, range;
	unsigned long long qd, ud, seq;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %u %u %u %u %llu %llu %llu", &q, &pid, &total, &mode, &range, &qd, &ud,
			   &seq) == 8 &&
		    q == opt.queue) {
			if (!st.kernel_stats_ok || qd != st.kq_dropped || ud != st.ku_dropped) {
				if (qd > st.kq_dropped)
					fprintf(stderr, "nfqdelay: kernel queue full: %llu packets dropped so far\n",
						qd);
				if (ud > st.ku_dropped)
					fprintf(stderr, "nfqdelay: kernel could not deliver %llu packets to us\n",
						ud);
			}
			st.kq_dropped = qd;
			st.ku_dropped = ud;
			st.kernel_stats_ok = true;
		}
	}
	fclose(f);
}

static void stats_json(FILE *f, bool running)
{
	read_kernel_stats();
	double mean = st.hold_n ? (double)st.hold_ns_sum / st.hold_n / 1e6 : 0;
	fprintf(f,
		"{\"tool\":\"nfqdelay\",\"pid\":%d,\"queue\":%u,\"delay_ms\":%.3f,\"max_held\":%u,"
		"\"running\":%s,\"uptime_s\":%.3f,"
		"\"received\":%" PRIu64 ",\"held\":%" PRIu64 ",\"released\":%" PRIu64
		",\"released_early\":%" PRIu64 ",\"in_queue\":%zu,\"max_in_queue\":%" PRIu64
		",\"bytes_held\":%" PRIu64 ","
		"\"dropped\":%" PRIu64 ",\"dropped_full\":%" PRIu64 ",\"kernel_queue_dropped\":%" PRIu64
		",\"kernel_user_dropped\":%" PRIu64 ",\"kernel_stats\":%s,\"enobufs\":%" PRIu64
		",\"verdict_errors\":%" PRIu64 ","
		"\"hold_ms_min\":%.3f,\"hold_ms_mean\":%.3f,\"hold_ms_max\":%.3f}\n",
		(int)getpid(), opt.queue, opt.delay_ns / 1e6, opt.max_held, running ? "true" : "false",
		(now_ns() - t_start) / 1e9, st.received, st.held, st.released, st.released_early, r_count,
		st.max_in_queue, st.bytes_held, st.dropped_full + st.kq_dropped + st.ku_dropped,
		st.dropped_full, st.kq_dropped, st.ku_dropped, st.kernel_stats_ok ? "true" : "false",
		st.enobufs, st.verdict_errors, st.hold_ns_min / 1e6, mean, st.hold_ns_max / 1e6);
}

static void write_stats(bool running)
{
	if (!opt.stats_path)
		return;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp", opt.stats_path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "nfqdelay: %s: %s\n", tmp, strerror(errno));
		return;
	}
	stats_json(f, running);
	if (fclose(f) != 0 || rename(tmp, opt.stats_path) != 0)
		fprintf(stderr, "nfqdelay: writing %s: %s\n", opt.stats_path, strerror(errno));
}

/* send one config message and wait for its ack */
static int config(void (*fill)(struct nlmsghdr *, void *), void *arg, const char *what)
{
	char buf[16384];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, opt.queue);
	nlh->nlmsg_flags |= NLM_F_ACK;
	fill(nlh, arg);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		fprintf(stderr, "nfqdelay: %s: %s\n", what, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			fprintf(stderr, "nfqdelay: %s: %s\n", what, strerror(errno));
			return -1;
		}
		int r = mnl_cb_run(buf, n, 0, portid, NULL, NULL);
		if (r < 0) {
			fprintf(stderr, "nfqdelay: %s: %s%s\n", what, strerror(errno),
				errno == EBUSY ? " (another program is bound to this queue)" : "");
			return -1;
		}
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static void fill_bind(struct nlmsghdr *nlh, void *arg)
{
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
}

static void fill_params(struct nlmsghdr *nlh, void *arg)
{
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, COPY_RANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, opt.max_held);
	/* no FAIL_OPEN: a full queue drops (and counts) instead of letting packets skip the delay */
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(0));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "queue", required_argument, NULL, 'q' },    { "delay-ms", required_argument, NULL, 'd' },
		{ "max-held", required_argument, NULL, 'm' }, { "stats", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool have_q = false, have_d = false;
	int c;
	uint64_t v;
	char *end;
	while ((c = getopt_long(argc, argv, "q:d:m:s:t:h", lo, NULL)) != -1) {
		switch (c) {
		case 'q':
			if (!parse_u64(optarg, 65535, &v)) {
				fprintf(stderr, "nfqdelay: --queue: 0..65535, not '%s'\n", optarg);
				return 2;
			}
			opt.queue = v;
			have_q = true;
			break;
		case 'd': {
			errno = 0;
			double ms = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(ms >= 0 && ms <= 3600e3)) {
				fprintf(stderr, "nfqdelay: --delay-ms: 0..3600000 (may be fractional), not '%s'\n",
					optarg);
				return 2;
			}
			opt.delay_ns = (uint64_t)(ms * 1e6 + 0.5);
			have_d = true;
			break;
		}
		case 'm':
			if (!parse_u64(optarg, 10000000, &v) || v == 0) {
				fprintf(stderr, "nfqdelay: --max-held: 1..10000000, not '%s'\n", optarg);
				return 2;
			}
			opt.max_held = v;
			break;
		case 's':
			opt.stats_path = optarg;
			break;
		case 't':
			errno = 0;
			opt.duration_s = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(opt.duration_s > 0)) {
				fprintf(stderr, "nfqdelay: --duration: seconds > 0, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || !have_q || !have_d) {
		usage(stderr);
		return 2;
	}
	t_start = now_ns();
	ring = calloc(opt.max_held, sizeof(*ring));
	vbuf = malloc(VBUF_SIZE);
	if (!ring || !vbuf) {
		fprintf(stderr, "nfqdelay: out of memory\n");
		return 1;
	}

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nfqdelay: netlink socket");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	int fd = mnl_socket_get_fd(nl);
	int rcv = RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	int one = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));

	if (config(fill_bind, NULL, "bind queue") < 0 || config(fill_params, NULL, "configure queue") < 0)
		return 1;

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	int pfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK); /* stats, duration */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || pfd < 0 || ep < 0) {
		perror("nfqdelay: setup");
		return 1;
	}
	struct itimerspec per = { .it_interval = { 0, 100000000 }, .it_value = { 0, 100000000 } };
	timerfd_settime(pfd, 0, &per, NULL);
	int fds[] = { fd, tfd, pfd, sfd };
	for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) {
			perror("nfqdelay: epoll_ctl");
			return 1;
		}
	}

	write_stats(true);
	fprintf(stderr, "nfqdelay: queue %u bound, delay %.3f ms, max held %u\n", opt.queue, opt.delay_ns / 1e6,
		opt.max_held);

	uint64_t deadline = opt.duration_s > 0 ? t_start + (uint64_t)(opt.duration_s * 1e9) : 0;
	uint64_t last_written = 0, last_write_t = now_ns();
	int rc = 0;
	bool stop = false;
	while (!stop) {
		struct epoll_event evs[4];
		int n = epoll_wait(ep, evs, 4, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("nfqdelay: epoll_wait");
			rc = 1;
			break;
		}
		bool force_stats = false;
		for (int i = 0; i < n; i++) {
			uint64_t exp;
			int efd = evs[i].data.fd;
			if (efd == fd) {
				if (on_readable() < 0) {
					rc = 1;
					stop = true;
				}
			} else if (efd == tfd || efd == pfd) {
				if (read(efd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
					perror("nfqdelay: timerfd read");
			} else if (efd == sfd) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGUSR1)
						force_stats = true;
					else
						stop = true;
				}
			}
		}
		uint64_t now = now_ns();
		if (release(now, false) < 0) {
			rc = 1;
			stop = true;
		}
		arm_timer();
		if (deadline && now >= deadline)
			stop = true;
		/* stats: at most every 100 ms while packets move, every second otherwise */
		uint64_t moved = st.received + st.released;
		if (force_stats || (moved != last_written && now - last_write_t >= 100000000ull) ||
		    now - last_write_t >= 1000000000ull) {
			write_stats(true);
			last_written = moved;
			last_write_t = now;
		}
	}
	/* let go of what we hold (in order) rather than have the kernel drop it on unbind;
	 * read what is already queued to us first. (Packets the nftables rule still sends here
	 * after we close are dropped by the kernel: remove the rule before stopping us.) */
	if (rc == 0)
		on_readable();
	release(now_ns(), true);
	write_stats(false);
	stats_json(stdout, false);
	fflush(stdout);
	mnl_socket_close(nl);
	return rc;
}
