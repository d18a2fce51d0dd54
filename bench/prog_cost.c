// SPDX-License-Identifier: GPL-2.0-only
/*
 * prog_cost: per-packet cost of bwm's egress program (S4), run by the kernel
 * on a crafted packet with BPF_PROG_TEST_RUN and 'repeat', with 1, 1 000 and
 * 65 000 pods in the maps, through the datapath module bwmd itself uses.
 *
 *   prog_cost [--repeat N] [--runs R]
 *
 * Prints one JSON object: for each pod count and packet kind, the median
 * (and min, max) over R runs of the kernel's average ns per packet
 * ("results"). Two more views (issue 14), each with latency control off and
 * on, on IPv4 packets classified by source address:
 *  - "threads": 1 and 2 threads at once on one pod, as 1 or 2 CPUs sending
 *    one pod's packets; ns per packet is each thread's average, averaged
 *    over the threads, median over R runs. The pod's clock and CoDel state
 *    are then shared between CPUs (issue 12).
 *  - "spread": 65 000 pods, one packet at a time (repeat 1), either always
 *    the same pod (warm) or a different pod per packet, in an order that
 *    defeats prefetching (cache-cold: the pod's limit, state, counters and
 *    classifier entries come from memory); median and mean over the
 *    packets of 2 passes over all pods, after passes that make every pod
 *    backlogged.
 *
 *  - "pod_interfaces" (issue 16): the programs on pods' host-side
 *    interfaces and the uplink's classification by mark, with 2 and 16 000
 *    pods (the default pod_mark_mask, 0x3fff, carries ids up to 16 382),
 *    latency control off and on. from_pod (IPv4 from the pod's own
 *    address, checked against its list) and to_pod (to a backlogged pod,
 *    ingress clock) with 'repeat' as above; the cases a packet's mark
 *    decides (to_pod from another pod of the node, which charges both
 *    clocks; the uplink by mark) one packet per BPF_PROG_TEST_RUN (the
 *    program rewrites the mark, and 'repeat' runs one skb), against
 *    to_pod and the uplink by address measured the same way: the mean of
 *    POD_IF_PACKETS packets per run, median over R runs.
 *
 * Packet kinds: an IPv4 and an IPv6 packet whose pod is found by source
 * address (bridged pods), an IPv4 packet whose pod is found by ingress
 * interface (routed pods), and an IPv4 packet of no pod (host traffic).
 * Every pod packet takes the stamping path (the pod is backlogged), which is
 * what a pod at its limit costs; the program's verdict and stamp are checked
 * so that a figure never comes from a drop or an early return.
 *
 * Each is measured twice: with latency control off (plain EDT, as Cilium's
 * bandwidth manager does it) and on, with bwm.conf's defaults (issue 8):
 * the packet's flow is looked up in the sparse-flow LRU, found bulk, and
 * CoDel watches the pod's queue; the packets are ECN-capable, so CoDel's
 * signal is a CE mark, not a drop.
 *
 * Needs root (CAP_BPF, CAP_NET_ADMIN). Pins go to a bpffs of its own, in
 * its own mount namespace, so nothing is left behind.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "classify.h"
#include "datapath.h"
#include "config.h"
#include "log.h"
#include "packet.h"
#include "pods.h"
#include "util.h"

#define PIN_DIR "/sys/fs/bpf/bwm-bench"
#define MAX_PODS 65535             /* bwm.conf's largest max_pods */
#define WIRE_LEN 1514
/* 10 Gbit/s: a 1514-byte packet advances the pod's clock by 1.2 us, more
 * than one run of the program takes, so the pod stays backlogged; with
 * the 60 s horizon (bwm.conf's largest), millions of runs fit before a drop. */
#define RATE_BYTES_PER_SEC 1250000000ULL
#define HORIZON_NS 60000000000ULL
#define IFINDEX_BASE 100000       /* fake host-side interfaces of routed pods */
#define MAX_THREADS 2
#define SPREAD_PODS 65000
#define SPREAD_PASSES 2
/* Unmeasured passes first: the first finds each pod idle and backlogs it,
 * in the second each pod's flow is new to the sparse-flow rule and skips
 * the queue once (with latency control on); from then on every packet
 * takes the stamping path, as in "results". */
#define SPREAD_WARMUP_PASSES 2
/* A pod of the spread sees a packet once per pass over all pods, some
 * 100 ms apart: at 10 kbit/s a 1514-byte packet advances its clock by
 * 1.2 s, so every pod stays backlogged. The warm case sends all packets to
 * one pod: 2.4 10^5 s of queue, which a horizon of 10^6 s holds. */
#define SPREAD_RATE_BYTES_PER_SEC 1250ULL
#define SPREAD_HORIZON_NS 1000000000000000ULL
/* Visits pods in steps of a prime that does not divide SPREAD_PODS. */
#define SPREAD_STRIDE 7919
/* pod_interfaces: bwm.conf's default field for pod ids in skb->mark, and
 * the loopback (ifindex 1), BPF_PROG_TEST_RUN's stand-in for the measured
 * pod's interface (the kernel wants a real device there). The egress
 * clocks run at 1 Gbit/s (12 us a packet), so that packets one syscall
 * apart keep them backlogged; the ingress clock at RATE_BYTES_PER_SEC, as
 * 'repeat' sends it millions of packets. */
#define POD_MARK_MASK 0x3fffU
#define POD_IFINDEX 1
#define POD_IF_EGRESS_RATE 125000000ULL
#define POD_IF_PACKETS 20000
#define POD_IF_WARMUP 16
/* One packet per BPF_PROG_TEST_RUN costs a syscall, which in the VM's
 * virtual time takes longer than the 1.2 us that a packet advances the
 * ingress clock: to_pod's one-per-run case would drain the backlog that
 * to_pod's 'repeat' runs built, and with a small --repeat it did. A
 * measured packet whose departure is less than POD_IF_BACKLOG_LOW_NS
 * ahead is followed by an unmeasured burst of POD_IF_REFILL packets
 * (120 ms of the ingress clock), where 'repeat' charges every packet
 * (no mark). */
#define POD_IF_BACKLOG_LOW_NS 10000000ULL
#define POD_IF_REFILL 100000
static const unsigned pod_if_counts[] = { 2, 16000 };

static const unsigned pod_counts[] = { 1, 1000, 65000 };

enum kind { KIND_IPV4, KIND_IPV6, KIND_IPV4_IFINDEX, KIND_NO_POD, KIND__MAX };

static const char *const kind_names[] = {
	[KIND_IPV4] = "ipv4",
	[KIND_IPV6] = "ipv6",
	[KIND_IPV4_IFINDEX] = "ipv4_ifindex",
	[KIND_NO_POD] = "no_pod",
};

/* Pod i's addresses: 198.18.0.0 + i and fd00:18::i, all distinct for i < 2^17. */
static uint32_t pod_ipv4(uint32_t i)
{
	return htonl((198U << 24 | 18U << 16) + i);
}

static void pod_ipv6(uint32_t i, uint8_t ret[16])
{
	static const uint8_t prefix[16] = { 0xfd, 0x00, 0x00, 0x18 };

	memcpy(ret, prefix, 16);
	ret[13] = (uint8_t)(i >> 16);
	ret[14] = (uint8_t)(i >> 8);
	ret[15] = (uint8_t)i;
}

/* ECT(0) (RFC 3168): CoDel marks the packet instead of dropping it. */
static size_t build_packet(struct packet *p, enum kind kind, uint32_t pod)
{
	static const uint8_t peer6[16] = { 0xfd, 0x00, 0x00, 0x19, [15] = 2 };   /* fd00:19::2 */
	const uint32_t peer4 = htonl(0xc6130002);                                /* 198.19.0.2 */
	uint8_t a6[16];
	size_t len;

	if (kind == KIND_IPV6) {
		pod_ipv6(pod, a6);
		len = packet_ipv6(p, a6, peer6);
	} else {
		/* The unknown source sits outside every pod's address. */
		len = packet_ipv4(p, kind == KIND_NO_POD ? htonl(0xc6130063) /* 198.19.0.99 */
							   : pod_ipv4(pod), peer4);
	}
	packet_set_ecn(p, PACKET_ECT0);
	return len;
}

/* A limit as bwmd would write it from bwm.conf's defaults. */
static void bench_limit(bool latency_control, uint64_t rate, uint64_t horizon,
			struct bwm_pod_limit *ret)
{
	struct bwm_config config;

	config_init_defaults(&config);
	config.aqm = config.sparse_flows = latency_control;
	pod_limit_from_config(&config, rate, ret);
	ret->horizon_ns = horizon;
	config_free(&config);
}

/* Pods 1..n, their egress limited at rate; ingress_rate 0: none. Pod
 * 'on_loopback' (0: none) has the loopback for its interface. */
static int add_pods(struct datapath *dp, unsigned n, bool latency_control, uint64_t rate,
		    uint64_t ingress_rate, uint64_t horizon, uint32_t on_loopback)
{
	struct bwm_pod_limit limit, ingress;

	bench_limit(latency_control, rate, horizon, &limit);
	bench_limit(latency_control, ingress_rate, horizon, &ingress);

	for (uint32_t id = 1; id <= n; id++) {
		struct bwm_pod_meta meta = { .ifindex = id == on_loopback ? POD_IFINDEX : IFINDEX_BASE + id,
					     .naddrs = 2 };
		uint8_t a6[16];
		int r;

		snprintf(meta.name, sizeof(meta.name), "bench-%u", id);
		bwm_addr_key_from_ipv4(&meta.addrs[0], pod_ipv4(id));
		pod_ipv6(id, a6);
		bwm_addr_key_from_ipv6(&meta.addrs[1], a6);
		r = datapath_pod_update(dp, id, &meta, &limit, ingress_rate ? &ingress : NULL);
		if (r < 0)
			return log_error_errno(r, "Failed to add pod %u of %u: %m", id, n);
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Runs the packet 'repeat' times, 'runs' times over; ret_ns[runs] gets each
 * run's average ns per packet, sorted. */
static int measure(int prog_fd, enum kind kind, uint32_t pod, unsigned repeat, unsigned runs,
		   uint32_t *ret_ns)
{
	struct packet p;
	size_t len = build_packet(&p, kind, pod);
	/* The last run's context, to check the path the figures come from. */
	struct __sk_buff ctx_in = {
		.wire_len = WIRE_LEN,
		.ingress_ifindex = kind == KIND_IPV4_IFINDEX ? IFINDEX_BASE + pod : 0,
	};
	struct __sk_buff ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = &p, .data_size_in = len,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		    .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		    .repeat = repeat);

	for (unsigned i = 0; i < runs; i++) {
		int r = bpf_prog_test_run_opts(prog_fd, &opts);

		if (r < 0)
			return log_error_errno(r, "BPF_PROG_TEST_RUN failed: %m");
		ret_ns[i] = opts.duration;
	}
	if (opts.retval != (__u32)TC_ACT_UNSPEC)
		return log_error_errno(-EPROTO, "%s packet: verdict %u, expected TC_ACT_UNSPEC",
				       kind_names[kind], opts.retval);
	if ((kind == KIND_NO_POD) != (ctx_out.tstamp == 0))
		return log_error_errno(-EPROTO, "%s packet: departure time %llu is not what the "
				       "path should give", kind_names[kind],
				       (unsigned long long)ctx_out.tstamp);
	qsort(ret_ns, runs, sizeof(*ret_ns), cmp_u32);
	return 0;
}

/* A fresh datapath with n pods; pod_if: pod n's interface is the
 * loopback, and ids are carried in the mark (pod_interfaces). */
static int open_datapath(unsigned n, bool latency_control, uint64_t rate, uint64_t ingress_rate,
			 uint64_t horizon, bool pod_if, struct datapath **ret)
{
	struct datapath_options o = { .pin_dir = PIN_DIR, .max_pods = MAX_PODS, .queue_fix = true,
				      .pod_mark_mask = pod_if ? POD_MARK_MASK : 0 };
	struct datapath *dp = NULL;
	int r;

	r = datapath_open(&o, &dp);
	if (r < 0)
		return log_error_errno(r, "Failed to load the datapath: %m");
	r = add_pods(dp, n, latency_control, rate, ingress_rate, horizon, pod_if ? n : 0);
	if (r < 0) {
		datapath_close(dp);
		datapath_unpin(PIN_DIR);
		return r;
	}
	*ret = dp;
	return 0;
}

static int open_with_pods(unsigned n, bool latency_control, uint64_t rate, uint64_t horizon,
			  struct datapath **ret)
{
	return open_datapath(n, latency_control, rate, 0, horizon, false, ret);
}

static void close_datapath(struct datapath *dp)
{
	datapath_close(dp);
	datapath_unpin(PIN_DIR);
}

static int measure_pod_count(unsigned n, bool latency_control, unsigned repeat, unsigned runs,
			     uint32_t *ns)
{
	struct datapath *dp = NULL;
	int r;

	r = open_with_pods(n, latency_control, RATE_BYTES_PER_SEC, HORIZON_NS, &dp);
	for (int k = 0; r >= 0 && k < KIND__MAX; k++) {
		/* The last pod added: in a full map, the one put in last. */
		r = measure(datapath_prog_fd(dp, false), k, n, repeat, runs, ns);
		if (r < 0)
			break;
		printf("%s\n    {\"pods\": %u, \"latency_control\": %s, \"packet\": \"%s\", "
		       "\"ns_median\": %u, \"ns_min\": %u, \"ns_max\": %u}",
		       n == pod_counts[0] && !latency_control && k == 0 ? "" : ",", n,
		       latency_control ? "true" : "false", kind_names[k], ns[runs / 2], ns[0],
		       ns[runs - 1]);
	}
	close_datapath(dp);
	return r;
}

struct thread_run {
	int prog_fd;
	unsigned repeat;
	struct packet p;
	size_t len;
	uint32_t ns;
	int r;
};

static void *run_thread(void *userdata)
{
	struct thread_run *t = userdata;
	struct __sk_buff ctx_in = { .wire_len = WIRE_LEN };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = &t->p, .data_size_in = t->len,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .repeat = t->repeat);

	t->r = bpf_prog_test_run_opts(t->prog_fd, &opts);
	if (t->r == 0 && opts.retval != (__u32)TC_ACT_UNSPEC)
		t->r = -EPROTO;
	t->ns = opts.duration;
	return NULL;
}

/* n_threads threads at once, each 'repeat' packets of pod 1; ret_ns[runs]
 * gets each run's ns per packet (the threads' mean), sorted. */
static int measure_threads(int prog_fd, unsigned n_threads, unsigned repeat, unsigned runs,
			   uint32_t *ret_ns)
{
	struct thread_run t[MAX_THREADS];
	pthread_t threads[MAX_THREADS];

	for (unsigned run = 0; run < runs; run++) {
		uint64_t sum = 0;

		for (unsigned i = 0; i < n_threads; i++) {
			t[i] = (struct thread_run) { .prog_fd = prog_fd, .repeat = repeat };
			t[i].len = build_packet(&t[i].p, KIND_IPV4, 1);
			if (pthread_create(&threads[i], NULL, run_thread, &t[i]) != 0)
				return log_error_errno(-EAGAIN, "Failed to start a thread");
		}
		for (unsigned i = 0; i < n_threads; i++) {
			pthread_join(threads[i], NULL);
			if (t[i].r < 0)
				return log_error_errno(t[i].r, "BPF_PROG_TEST_RUN in a thread failed: %m");
			sum += t[i].ns;
		}
		ret_ns[run] = (uint32_t)(sum / n_threads);
	}
	qsort(ret_ns, runs, sizeof(*ret_ns), cmp_u32);
	return 0;
}

static int print_threads(unsigned repeat, unsigned runs, uint32_t *ns)
{
	bool first = true;
	int r = 0;

	printf("],\n \"threads\": [");
	for (int on = 0; r >= 0 && on <= 1; on++) {
		for (unsigned n = 1; r >= 0 && n <= MAX_THREADS; n++) {
			struct datapath *dp = NULL;

			/* A fresh pod each time: its queue starts empty. */
			r = open_with_pods(1, on, RATE_BYTES_PER_SEC, HORIZON_NS, &dp);
			if (r < 0)
				break;
			r = measure_threads(datapath_prog_fd(dp, false), n, repeat, runs, ns);
			close_datapath(dp);
			if (r < 0)
				break;
			printf("%s\n    {\"threads\": %u, \"pods\": 1, \"latency_control\": %s, "
			       "\"packet\": \"ipv4\", \"ns_median\": %u, \"ns_min\": %u, \"ns_max\": %u}",
			       first ? "" : ",", n, on ? "true" : "false", ns[runs / 2], ns[0],
			       ns[runs - 1]);
			first = false;
		}
	}
	return r;
}

/* One packet of pod 'pod' with repeat 1: its ns, and whether it was
 * stamped (the backlogged path every figure here is meant to measure). */
static int run_once(int prog_fd, uint32_t pod, uint32_t *ret_ns, bool *ret_stamped)
{
	struct packet p;
	size_t len = build_packet(&p, KIND_IPV4, pod);
	struct __sk_buff ctx_in = { .wire_len = WIRE_LEN }, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = &p, .data_size_in = len,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		    .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out), .repeat = 1);
	int r = bpf_prog_test_run_opts(prog_fd, &opts);

	if (r < 0)
		return log_error_errno(r, "BPF_PROG_TEST_RUN failed: %m");
	*ret_ns = opts.duration;
	*ret_stamped = ctx_out.tstamp != 0;
	return 0;
}

/* The spread's packets: after SPREAD_WARMUP_PASSES, SPREAD_PASSES passes
 * over the pods, each pod once per pass, all the same pod (warm) or
 * pods in SPREAD_STRIDE steps (cold). ret_ns gets every packet's ns. */
static int measure_spread(int prog_fd, bool cold, uint32_t *ret_ns, size_t *ret_n)
{
	size_t n = 0;

	for (unsigned pass = 0; pass < SPREAD_WARMUP_PASSES + SPREAD_PASSES; pass++) {
		for (uint32_t i = 0; i < SPREAD_PODS; i++) {
			uint32_t pod = cold ? (uint32_t)((uint64_t)i * SPREAD_STRIDE % SPREAD_PODS) + 1 : 1;
			bool stamped;
			uint32_t ns;
			int r;

			r = run_once(prog_fd, pod, &ns, &stamped);
			if (r < 0)
				return r;
			if (pass < SPREAD_WARMUP_PASSES)
				continue;
			if (!stamped)
				return log_error_errno(-EPROTO, "pod %u was not backlogged", pod);
			ret_ns[n++] = ns;
		}
	}
	qsort(ret_ns, n, sizeof(*ret_ns), cmp_u32);
	*ret_n = n;
	return 0;
}

static int print_spread(void)
{
	_cleanup_free_ uint32_t *ns = calloc((size_t)SPREAD_PODS * SPREAD_PASSES, sizeof(*ns));
	bool first = true;
	int r = 0;

	if (!ns)
		return -ENOMEM;
	printf("],\n \"spread\": [");
	for (int on = 0; r >= 0 && on <= 1; on++) {
		struct datapath *dp = NULL;

		r = open_with_pods(SPREAD_PODS, on, SPREAD_RATE_BYTES_PER_SEC, SPREAD_HORIZON_NS, &dp);
		for (int cold = 0; r >= 0 && cold <= 1; cold++) {
			uint64_t sum = 0;
			size_t n = 0;

			r = measure_spread(datapath_prog_fd(dp, false), cold, ns, &n);
			if (r < 0)
				break;
			for (size_t i = 0; i < n; i++)
				sum += ns[i];
			printf("%s\n    {\"pods\": %u, \"pod_per_packet\": %s, \"latency_control\": %s, "
			       "\"packet\": \"ipv4\", \"packets\": %zu, \"ns_median\": %u, "
			       "\"ns_mean\": %.1f}", first ? "" : ",", SPREAD_PODS, cold ? "true" : "false",
			       on ? "true" : "false", n, ns[n / 2], (double)sum / (double)n);
			first = false;
		}
		if (dp)
			close_datapath(dp);
	}
	return r;
}

/* One pod-interface case: a program, a packet and its context. */
struct pod_if_case {
	const char *name;
	bool to_pod, uplink;       /* which program: to_pod / from_pod, or the uplink's */
	bool one_per_run;          /* repeat 1: the program rewrites the mark */
	uint32_t src;              /* the packet's IPv4 source, network order */
	uint32_t mark;
	uint32_t ifindex;
	bool stamped;              /* what the program must do to it */
};

/* After a packet of a one-per-run case that departs at 'departure': if
 * its clock is less than POD_IF_BACKLOG_LOW_NS ahead, the same packet
 * POD_IF_REFILL times more, unmeasured, moves it that many packets
 * further. Not for a packet with a mark, which the program rewrites. */
static int keep_backlogged(int prog_fd, const struct pod_if_case *c,
			   const struct bpf_test_run_opts *measured, uint64_t departure)
{
	LIBBPF_OPTS(bpf_test_run_opts, burst, .data_in = measured->data_in,
		    .data_size_in = measured->data_size_in, .ctx_in = measured->ctx_in,
		    .ctx_size_in = measured->ctx_size_in, .repeat = POD_IF_REFILL);

	if (!c->one_per_run || !c->stamped || c->mark ||
	    departure >= now_usec_monotonic() * 1000ULL + POD_IF_BACKLOG_LOW_NS)
		return 0;
	if (bpf_prog_test_run_opts(prog_fd, &burst) < 0)
		return log_error_errno(-errno, "BPF_PROG_TEST_RUN failed: %m");
	return 0;
}

/* Runs a case: 'repeat' times per run, or POD_IF_PACKETS packets one per
 * BPF_PROG_TEST_RUN (after POD_IF_WARMUP unmeasured ones); ret_ns[runs]
 * gets each run's mean ns per packet, sorted. */
static int measure_pod_if(int prog_fd, const struct pod_if_case *c, unsigned repeat,
			  unsigned runs, uint32_t *ret_ns)
{
	struct packet p;
	size_t len = packet_ipv4(&p, c->src, htonl(0xc6130002));   /* to 198.19.0.2 */
	struct __sk_buff ctx_in = { .wire_len = WIRE_LEN, .mark = c->mark, .ifindex = c->ifindex };
	struct __sk_buff ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = &p, .data_size_in = len,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		    .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		    .repeat = c->one_per_run ? 1 : repeat);
	unsigned packets = c->one_per_run ? POD_IF_PACKETS : 1;
	int r;

	packet_set_ecn(&p, PACKET_ECT0);
	for (unsigned i = 0; i < POD_IF_WARMUP; i++)
		if (bpf_prog_test_run_opts(prog_fd, &opts) < 0)
			return log_error_errno(-errno, "BPF_PROG_TEST_RUN failed: %m");
	r = keep_backlogged(prog_fd, c, &opts, ctx_out.tstamp);
	if (r < 0)
		return r;
	for (unsigned run = 0; run < runs; run++) {
		uint64_t sum = 0;

		for (unsigned i = 0; i < packets; i++) {
			if (bpf_prog_test_run_opts(prog_fd, &opts) < 0)
				return log_error_errno(-errno, "BPF_PROG_TEST_RUN failed: %m");
			if (opts.retval != (__u32)TC_ACT_UNSPEC || (ctx_out.tstamp != 0) != c->stamped)
				return log_error_errno(-EPROTO, "%s: verdict %u, departure time %llu: not "
						       "the path to measure", c->name, opts.retval,
						       (unsigned long long)ctx_out.tstamp);
			sum += opts.duration;
			r = keep_backlogged(prog_fd, c, &opts, ctx_out.tstamp);
			if (r < 0)
				return r;
		}
		ret_ns[run] = (uint32_t)(sum / packets);
	}
	qsort(ret_ns, runs, sizeof(*ret_ns), cmp_u32);
	return 0;
}

/* Pod n's interface as podlinks.c sets it up (an fq there, its addresses
 * listed); pod 1, the same-node sender, on a fake interface. */
static int link_pods(struct datapath *dp, uint32_t n)
{
	int r = datapath_pod_set_link(dp, n, &(struct bwm_pod_link) {
		.ifindex = POD_IFINDEX, .flags = BWM_LINK_SHAPE | BWM_LINK_OWN_ADDRS });

	if (r >= 0)
		r = datapath_pod_set_link(dp, 1, &(struct bwm_pod_link) { .ifindex = IFINDEX_BASE + 1 });
	return r < 0 ? log_error_errno(r, "Failed to set up the pods' interfaces: %m") : 0;
}

static int print_pod_interfaces(unsigned repeat, unsigned runs, uint32_t *ns)
{
	bool first = true;
	int r = 0;

	printf("],\n \"pod_interfaces\": [");
	for (size_t i = 0; r >= 0 && i < sizeof(pod_if_counts) / sizeof(pod_if_counts[0]); i++) {
		uint32_t n = pod_if_counts[i];
		/* In this order: to_pod with 'repeat' backlogs the ingress clock
		 * for the cases that follow it. */
		const struct pod_if_case cases[] = {
			{ "from_pod", .src = pod_ipv4(n), .ifindex = POD_IFINDEX },
			{ "to_pod", .to_pod = true, .src = htonl(0xc6130002), .ifindex = POD_IFINDEX,
			  .stamped = true },
			{ "to_pod_one_per_run", .to_pod = true, .one_per_run = true,
			  .src = htonl(0xc6130002), .ifindex = POD_IFINDEX, .stamped = true },
			{ "to_pod_same_node", .to_pod = true, .one_per_run = true, .src = pod_ipv4(1),
			  .mark = 1, .ifindex = POD_IFINDEX, .stamped = true },
			{ "uplink_by_address_one_per_run", .uplink = true, .one_per_run = true,
			  .src = pod_ipv4(n), .stamped = true },
			{ "uplink_by_mark_one_per_run", .uplink = true, .one_per_run = true,
			  .src = htonl(0xc6130063), .mark = n, .stamped = true },
		};

		for (int on = 0; r >= 0 && on <= 1; on++) {
			struct datapath *dp = NULL;

			r = open_datapath(n, on, POD_IF_EGRESS_RATE, RATE_BYTES_PER_SEC, HORIZON_NS, true, &dp);
			if (r < 0)
				break;
			r = link_pods(dp, n);
			for (size_t k = 0; r >= 0 && k < sizeof(cases) / sizeof(cases[0]); k++) {
				const struct pod_if_case *c = &cases[k];
				int fd = c->uplink ? datapath_prog_fd(dp, false)
						   : datapath_pod_prog_fd(dp, c->to_pod, false);

				r = measure_pod_if(fd, c, repeat, runs, ns);
				if (r < 0)
					break;
				printf("%s\n    {\"pods\": %u, \"latency_control\": %s, \"program\": \"%s\", "
				       "\"ns_median\": %u, \"ns_min\": %u, \"ns_max\": %u}", first ? "" : ",",
				       n, on ? "true" : "false", c->name, ns[runs / 2], ns[0], ns[runs - 1]);
				first = false;
			}
			close_datapath(dp);
		}
	}
	return r;
}

static int read_jit(void)
{
	FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "repeat", required_argument, NULL, 'r' },
		{ "runs", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned repeat = 1000000, runs = 5;
	uint32_t *ns;
	int c, r = 0;

	while ((c = getopt_long(argc, argv, "r:n:h", options, NULL)) >= 0) {
		switch (c) {
		case 'r': repeat = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': runs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h':
			printf("Usage: prog_cost [--repeat N] [--runs R]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!repeat || !runs) {
		fprintf(stderr, "prog_cost: --repeat and --runs must be at least 1\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "prog_cost: BPF_PROG_TEST_RUN needs root (CAP_BPF, CAP_NET_ADMIN)\n");
		return 1;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") < 0) {
		perror("prog_cost: private bpffs");
		return 1;
	}
	log_setup_libbpf();
	ns = calloc(runs, sizeof(*ns));
	if (!ns)
		return 1;

	printf("{\"repeat\": %u, \"runs\": %u, \"wire_len\": %u, \"bpf_jit_enable\": %d, "
	       "\"max_pods\": %u, \"results\": [", repeat, runs, WIRE_LEN, read_jit(), MAX_PODS);
	for (size_t i = 0; r >= 0 && i < sizeof(pod_counts) / sizeof(pod_counts[0]); i++)
		for (int on = 0; r >= 0 && on <= 1; on++)
			r = measure_pod_count(pod_counts[i], on, repeat, runs, ns);
	if (r >= 0)
		r = print_threads(repeat, runs, ns);
	if (r >= 0)
		r = print_spread();
	if (r >= 0)
		r = print_pod_interfaces(repeat, runs, ns);
	printf("\n]}\n");
	free(ns);
	return r < 0 ? 1 : 0;
}
