// SPDX-License-Identifier: GPL-2.0-only
/*
 * The egress program run by the kernel on crafted packets
 * (BPF_PROG_TEST_RUN), through the same datapath module bwmd uses. Needs
 * root (CAP_BPF + CAP_NET_ADMIN); exits 77 (skipped) without.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>
#include <cmocka.h>

#include "classify.h"
#include "datapath.h"
#include "log.h"
#include "packet.h"
#include "sparse.h"

#define MS 1000000ULL
#define MBIT_S(x) ((x) * 125000ULL)
#define SKIP 77
/* Issue 16: bwm.conf's default field for pod ids, and its "charged" value. */
#define POD_MARK_MASK 0x3fffU
#define MARK_CHARGED POD_MARK_MASK
/* BPF_PROG_TEST_RUN's device when ctx->ifindex is 1: the namespace's
 * loopback, which stands in for a pod's host-side interface. */
#define POD_IFINDEX 1

static char pin_dir[64];
static struct datapath *dp;

static size_t packet_v4(struct packet *p, const char *src)
{
	uint32_t saddr, daddr;

	inet_pton(AF_INET, src, &saddr);
	inet_pton(AF_INET, "198.19.0.1", &daddr);
	return packet_ipv4(p, saddr, daddr);
}

static size_t packet_v6(struct packet *p, const char *src)
{
	uint8_t saddr[16], daddr[16];

	inet_pton(AF_INET6, src, saddr);
	inet_pton(AF_INET6, "fd00:19::1", daddr);
	return packet_ipv6(p, saddr, daddr);
}

struct run_result {
	int verdict;
	uint64_t tstamp;
	uint32_t queue_mapping;
};

/* Runs the Ethernet egress program once; ctx carries wire_len, tstamp,
 * ingress_ifindex as the kernel would at tc egress. */
static struct run_result run_out(const void *p, size_t len, uint32_t wire_len, uint64_t tstamp,
				 uint32_t ingress_ifindex, void *out, size_t out_size)
{
	struct __sk_buff ctx_in = {
		.wire_len = wire_len, .tstamp = tstamp, .ingress_ifindex = ingress_ifindex,
	};
	struct __sk_buff ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = p, .data_size_in = len,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		    .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		    .data_out = out, .data_size_out = out_size,
		    .repeat = 1);
	struct run_result r;

	assert_int_equal(bpf_prog_test_run_opts(datapath_prog_fd(dp, false), &opts), 0);
	r.verdict = (int)opts.retval;
	r.tstamp = ctx_out.tstamp;
	r.queue_mapping = ctx_out.queue_mapping;
	return r;
}

static struct run_result run(const void *p, size_t len, uint32_t wire_len,
			     uint64_t tstamp, uint32_t ingress_ifindex)
{
	return run_out(p, len, wire_len, tstamp, ingress_ifindex, NULL, 0);
}

static void add_pod_limit(uint32_t id, const char *name, const char *addr, uint32_t ifindex,
			  const struct bwm_pod_limit *limit_in)
{
	struct bwm_pod_meta meta = { .ifindex = ifindex };
	struct bwm_pod_limit limit = *limit_in;

	snprintf(meta.name, sizeof(meta.name), "%s", name);
	if (addr && strchr(addr, ':')) {
		uint8_t a6[16];

		assert_int_equal(inet_pton(AF_INET6, addr, a6), 1);
		bwm_addr_key_from_ipv6(&meta.addrs[meta.naddrs++], a6);
	} else if (addr) {
		uint32_t a4;

		assert_int_equal(inet_pton(AF_INET, addr, &a4), 1);
		bwm_addr_key_from_ipv4(&meta.addrs[meta.naddrs++], a4);
	}
	assert_int_equal(datapath_pod_update(dp, id, &meta, &limit, NULL), 0);
}

/* Plain EDT: no CoDel, no sparse-flow bypass. */
static void add_pod(uint32_t id, const char *name, const char *addr, uint32_t ifindex,
		    uint64_t rate, uint64_t horizon)
{
	struct bwm_pod_limit limit = { .rate_bytes_per_sec = rate, .horizon_ns = horizon };

	add_pod_limit(id, name, addr, ifindex, &limit);
}

static struct bwm_pod_state pod_state(uint32_t id)
{
	struct bwm_pod_limit limit;
	struct bwm_pod_state state;

	assert_int_equal(datapath_pod_read(dp, id, &limit, &state), 0);
	return state;
}

static struct bwm_pod_counters pod_counters(uint32_t id)
{
	struct bwm_pod_counters counters;

	assert_int_equal(datapath_pod_counters(dp, id, &counters), 0);
	return counters;
}

static int setup(void **unused)
{
	struct datapath_options o = { .pin_dir = pin_dir, .max_pods = 64, .queue_fix = true,
				      .pod_mark_mask = POD_MARK_MASK };

	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/bwm-test-%d", getpid());
	return datapath_open(&o, &dp) < 0 ? -1 : 0;
}

static int teardown(void **unused)
{
	dp = datapath_close(dp);
	datapath_unpin(pin_dir);
	return 0;
}

static void unknown_source_passes_untouched(void **unused)
{
	struct packet p;
	size_t len = packet_v4(&p, "198.18.9.9");
	struct run_result r = run(&p, len, 1500, 0, 0);

	assert_int_equal(r.verdict, TC_ACT_UNSPEC);
	assert_int_equal(r.tstamp, 0);
}

static void non_ip_passes_untouched(void **unused)
{
	struct packet p;
	size_t len = packet_v4(&p, "198.18.1.1");
	struct run_result r;

	add_pod(9, "arp-test", "198.18.1.1", 0, MBIT_S(1), 100 * MS);
	p.eth.h_proto = htons(ETH_P_ARP);
	r = run(&p, len, 1500, 0, 0);
	assert_int_equal(r.verdict, TC_ACT_UNSPEC);
	assert_int_equal(r.tstamp, 0);
	assert_int_equal(pod_counters(9).packets, 0);
}

/* The delays check_paced_sequence() stamps, 0 and 12..60 ms less the few
 * microseconds between the runs, in the histogram (bpf/histogram.h):
 * 0 -> bucket 0; 12 ms < 2^24 ns -> 11; 24 ms < 2^25 -> 12; 36, 48, 60 ms
 * < 2^26 -> 13. */
static void check_paced_histogram(struct bwm_delay_hist h)
{
	const uint64_t want[HIST_BUCKETS] = { [0] = 1, [11] = 1, [12] = 1, [13] = 3 };

	for (int b = 0; b < HIST_BUCKETS; b++)
		assert_int_equal(h.bucket[b], want[b]);
	assert_true(h.sum_ns <= 180 * MS && h.sum_ns > 179 * MS);
}

/* At 1 Mbit/s a 1500-byte packet takes exactly 12 ms: after the first
 * packet (sent now, which sets the pod's clock), the n-th leaves at
 * clock + n * 12 ms. */
static void check_paced_sequence(uint32_t id, const struct packet *p, size_t len)
{
	struct run_result r = run(p, len, 1500, 0, 0);
	uint64_t t0;

	assert_int_equal(r.verdict, TC_ACT_UNSPEC);
	assert_int_equal(r.tstamp, 0);
	t0 = pod_state(id).t_last_ns;
	assert_true(t0 > 0);

	for (uint64_t n = 1; n <= 5; n++) {
		r = run(p, len, 1500, 0, 0);
		assert_int_equal(r.verdict, TC_ACT_UNSPEC);
		assert_int_equal(r.tstamp, t0 + n * 12 * MS);
	}
	assert_int_equal(pod_counters(id).packets, 6);
	assert_int_equal(pod_counters(id).bytes, 6 * 1500);
	check_paced_histogram(pod_counters(id).delay);
}

static void ipv4_pod_is_paced(void **unused)
{
	struct packet p;
	size_t len = packet_v4(&p, "198.18.0.10");

	add_pod(1, "web-1", "198.18.0.10", 0, MBIT_S(1), 1000 * MS);
	check_paced_sequence(1, &p, len);
}

static void ipv6_pod_is_paced(void **unused)
{
	struct packet p;
	size_t len = packet_v6(&p, "fd00:18::10");

	add_pod(2, "web-2", "fd00:18::10", 0, MBIT_S(1), 1000 * MS);
	check_paced_sequence(2, &p, len);
}

static void routed_pod_is_found_by_ingress_interface(void **unused)
{
	struct packet p;
	/* The source address is not the pod's (e.g. after SNAT on the way). */
	size_t len = packet_v4(&p, "198.18.200.1");
	struct run_result r;

	add_pod(3, "routed", NULL, 4242, MBIT_S(1), 1000 * MS);
	r = run(&p, len, 1500, 0, 4242);
	assert_int_equal(r.verdict, TC_ACT_UNSPEC);
	r = run(&p, len, 1500, 0, 4242);
	assert_int_equal(r.tstamp, pod_state(3).t_last_ns);
	assert_true(r.tstamp > 0);
	/* Another interface, same address: not the pod. */
	r = run(&p, len, 1500, 0, 4243);
	assert_int_equal(r.tstamp, 0);
	assert_int_equal(pod_counters(3).packets, 2);
}

static void packet_beyond_horizon_is_dropped_and_counted(void **unused)
{
	struct packet p;
	size_t len = packet_v4(&p, "198.18.0.11");
	uint64_t t0;
	int n;

	/* 30 ms horizon at 12 ms a packet: the packets due at +12 and +24 ms
	 * are stamped, the one due at +36 ms is dropped. */
	add_pod(4, "dropper", "198.18.0.11", 0, MBIT_S(1), 30 * MS);
	run(&p, len, 1500, 0, 0);
	t0 = pod_state(4).t_last_ns;
	for (n = 1; n <= 2; n++)
		assert_int_equal(run(&p, len, 1500, 0, 0).tstamp, t0 + n * 12 * MS);
	assert_int_equal(run(&p, len, 1500, 0, 0).verdict, TC_ACT_SHOT);
	assert_int_equal(pod_counters(4).drops[BWM_DROP_HORIZON], 1);
	assert_int_equal(pod_counters(4).packets, 3);
	/* A drop does not move the clock. */
	assert_int_equal(pod_state(4).t_last_ns, t0 + 24 * MS);
}

static void unlimited_pod_is_counted_not_paced(void **unused)
{
	struct packet p;
	size_t len = packet_v6(&p, "fd00:18::12");

	add_pod(5, "free", "fd00:18::12", 0, 0, 1000 * MS);
	for (int i = 0; i < 3; i++)
		assert_int_equal(run(&p, len, 9000, 0, 0).tstamp, 0);
	assert_int_equal(pod_counters(5).packets, 3);
	assert_int_equal(pod_counters(5).bytes, 27000);
	/* Nothing stamped, nothing in the histogram. */
	for (int b = 0; b < HIST_BUCKETS; b++)
		assert_int_equal(pod_counters(5).delay.bucket[b], 0);
}

static void limit_change_and_removal_take_effect(void **unused)
{
	struct packet p;
	size_t len = packet_v4(&p, "198.18.0.13");
	uint64_t t0;

	add_pod(6, "changing", "198.18.0.13", 0, MBIT_S(1), 1000 * MS);
	run(&p, len, 1500, 0, 0);
	t0 = pod_state(6).t_last_ns;
	/* 10 Mbit/s: 1.2 ms a packet, from the same clock. */
	add_pod(6, "changing", "198.18.0.13", 0, MBIT_S(10), 1000 * MS);
	assert_int_equal(run(&p, len, 1500, 0, 0).tstamp, t0 + 1200000);
	assert_int_equal(datapath_pod_remove(dp, 6), 0);
	assert_int_equal(run(&p, len, 1500, 0, 0).tstamp, 0);
}

static void queue_mapping_is_reset(void **unused)
{
	struct packet p;
	size_t len = packet_v4(&p, "198.18.9.10");

	/* BPF_PROG_TEST_RUN cannot preset queue_mapping; this checks the
	 * program leaves it at 0 (the netns test reproduces the pinning). */
	assert_int_equal(run(&p, len, 1500, 0, 0).queue_mapping, 0);
}

/* At 1 Mbit/s, 1500-byte bulk packets queue 12 ms apart; a small packet of
 * another flow then leaves at once, and still moves the pod's clock by its
 * own time on the wire. */
static void sparse_flow_leaves_ahead_of_the_queue(void **unused)
{
	struct bwm_pod_limit limit = { .rate_bytes_per_sec = MBIT_S(1), .horizon_ns = 1000 * MS,
				       .sparse_quantum = 3028 };
	struct packet bulk, sparse;
	size_t bulk_len = packet_v4(&bulk, "198.18.0.20");
	size_t sparse_len = packet_v4(&sparse, "198.18.0.20");
	uint64_t clock, skipped, first, second, small_ns = sparse_len * 1000000000ULL / MBIT_S(1);

	bulk.v4.tcp.source = htons(40000);
	sparse.v4.tcp.source = htons(40001);
	add_pod_limit(10, "sparse", "198.18.0.20", 0, &limit);
	/* The bulk flow's first packet leaves now; the first that would wait
	 * skips the queue too, as any new flow's does (fq_codel's new-flow
	 * priority); then the flow's own clock holds it back: the rest wait. */
	for (int i = 0; i < 4; i++)
		run(&bulk, bulk_len, 1500, 0, 0);
	assert_true(run(&bulk, bulk_len, 1500, 0, 0).tstamp > 0);
	assert_int_equal(pod_counters(10).sparse_packets, 1);
	clock = pod_state(10).t_last_ns;
	skipped = pod_counters(10).sparse_packets;

	/* wire_len may not be below the packet's length (test_run checks). */
	assert_int_equal(run(&sparse, sparse_len, sparse_len, 0, 0).tstamp, 0);
	assert_int_equal(pod_state(10).t_last_ns, clock + small_ns);
	assert_int_equal(pod_counters(10).sparse_packets, skipped + 1);
	/* Right away again, twice: over its share (1/SPARSE_SHARE of the rate,
	 * bpf/sparse.h), the flow is paced at it, SPARSE_SHARE x its wire time
	 * apart, still ahead of the queue (issue 14: not sent behind the bulk
	 * flows' packets). */
	first = run(&sparse, sparse_len, sparse_len, 0, 0).tstamp;
	second = run(&sparse, sparse_len, sparse_len, 0, 0).tstamp;
	assert_true(first > 0 && first < clock);
	assert_int_equal(second, first + SPARSE_SHARE * small_ns);
	assert_int_equal(pod_counters(10).sparse_packets, skipped + 3);
	assert_int_equal(pod_state(10).t_last_ns, clock + 3 * small_ns);
}

/* With the queue at the horizon (slow start overshoots there before CoDel
 * catches up), bulk packets are dropped but a sparse flow's packet still
 * leaves at once: 1 Mbit/s, 12.5 ms horizon; the second bulk packet is due
 * at +12 ms, the third at +24 ms (dropped); a small packet of a new flow
 * would be due at +12.9 ms, past the horizon, and skips the queue. */
static void sparse_flow_passes_a_queue_at_the_horizon(void **unused)
{
	struct bwm_pod_limit limit = { .rate_bytes_per_sec = MBIT_S(1), .horizon_ns = 12500000,
				       .sparse_quantum = 200 };
	struct packet bulk, sparse;
	size_t bulk_len = packet_v4(&bulk, "198.18.0.22");
	size_t sparse_len = packet_v4(&sparse, "198.18.0.22");

	bulk.v4.tcp.source = htons(41000);
	sparse.v4.tcp.source = htons(41001);
	add_pod_limit(13, "at-horizon", "198.18.0.22", 0, &limit);
	run(&bulk, bulk_len, 1500, 0, 0);                       /* leaves now */
	assert_true(run(&bulk, bulk_len, 1500, 0, 0).tstamp > 0);   /* +12 ms */
	assert_int_equal(run(&bulk, bulk_len, 1500, 0, 0).verdict, TC_ACT_SHOT);
	assert_int_equal(pod_counters(13).drops[BWM_DROP_HORIZON], 1);
	assert_int_equal(run(&sparse, sparse_len, sparse_len, 0, 0).verdict, TC_ACT_UNSPEC);
	assert_int_equal(pod_counters(13).sparse_packets, 1);
}

/* Sends 1500-byte packets at 1 Mbit/s (12 ms each on the wire) until one
 * is signalled; returns how many were sent, that one included. */
static int packets_until_signalled(const void *p, size_t len, uint32_t pod, void *out,
				   size_t out_size)
{
	uint64_t signals = pod_counters(pod).ecn_marks + pod_counters(pod).drops[BWM_DROP_AQM];

	for (int n = 1; n <= 20; n++) {
		run_out(p, len, 1500, 0, 0, out, out_size);
		if (pod_counters(pod).ecn_marks + pod_counters(pod).drops[BWM_DROP_AQM] > signals)
			return n;
	}
	return -1;
}

/* CoDel with a 30 ms target and a 1 ns interval, at 1 Mbit/s: packet 1
 * leaves now, packets 2..5 wait 0, 12, 24 and 36 ms before their own 12 ms
 * on the wire; 36 ms is above target, and the wait is persistent at packet
 * 6, which is signalled: an ECN-capable one is CE-marked and sent, a
 * Not-ECT one is dropped and the clock does not move. */
static void codel_marks_ecn_capable_packets_and_drops_others(void **unused)
{
	struct bwm_pod_limit limit = { .rate_bytes_per_sec = MBIT_S(1), .horizon_ns = 1000 * MS,
				       .aqm_target_ns = 30 * MS, .aqm_interval_ns = 1,
				       .flags = BWM_LIMIT_ECN };
	struct packet p, out, p6;
	size_t len = packet_v4(&p, "198.18.0.21");
	size_t len6 = packet_v6(&p6, "fd00:18::21");
	uint64_t clock;

	packet_set_ecn(&p, PACKET_ECT0);
	add_pod_limit(11, "codel", "198.18.0.21", 0, &limit);
	assert_int_equal(packets_until_signalled(&p, len, 11, &out, sizeof(out)), 6);
	assert_int_equal(out.v4.ip.tos & 3, PACKET_CE);
	assert_int_equal(packet_ipv4_checksum(&out), 0);
	assert_int_equal(pod_counters(11).ecn_marks, 1);

	/* The next signal is due one interval later: the next packet. */
	packet_set_ecn(&p, PACKET_NOT_ECT);
	clock = pod_state(11).t_last_ns;
	assert_int_equal(run(&p, len, 1500, 0, 0).verdict, TC_ACT_SHOT);
	assert_int_equal(pod_counters(11).drops[BWM_DROP_AQM], 1);
	assert_int_equal(pod_state(11).t_last_ns, clock);

	/* IPv6: ECN in the traffic class. */
	add_pod_limit(12, "codel6", "fd00:18::21", 0, &limit);
	packet_set_ecn(&p6, PACKET_ECT0);
	assert_int_equal(packets_until_signalled(&p6, len6, 12, &out, sizeof(out)), 6);
	assert_int_equal(out.v6.ip.flow_lbl[0] & 0x30, 0x30);
	assert_int_equal(pod_counters(12).ecn_marks, 1);
}

/* A 1 ms target with 12 ms packets: the target is at least two packets on
 * the wire (24 ms), so the waits of 0, 12 and 24 ms (a hair less, as time
 * passes) do not start CoDel's interval; the wait of 36 ms does, and the
 * interval has grown by as much as the target (23 ms). */
static void codel_target_is_never_below_two_packets(void **unused)
{
	struct bwm_pod_limit limit = { .rate_bytes_per_sec = MBIT_S(1), .horizon_ns = 1000 * MS,
				       .aqm_target_ns = 1 * MS, .aqm_interval_ns = 1 };
	struct packet p;
	size_t len = packet_v4(&p, "198.18.0.23");
	uint64_t t0;

	add_pod_limit(14, "codel-floor", "198.18.0.23", 0, &limit);
	run(&p, len, 1500, 0, 0);
	t0 = pod_state(14).t_last_ns;
	for (int n = 2; n <= 4; n++) {
		run(&p, len, 1500, 0, 0);
		assert_int_equal(pod_state(14).aqm.first_above_ns, 0);
	}
	run(&p, len, 1500, 0, 0);
	assert_true(pod_state(14).aqm.first_above_ns >= t0 + 23 * MS);
}

/* Issue 12, defect 6: many flows, each within its own sparse share, find a
 * backlogged 1 Mbit/s pod. Before the pod's budget each of them skipped the
 * queue; now all the pod's sparse packets together get the budget's burst,
 * 4 quanta (12112 bytes) at a third of the rate: 9 packets of 1500 bytes
 * (36 ms each against the budget, up to 290.7 ms ahead), the bulk flow's
 * first one included, and the others queue. */
static void sparse_flows_share_the_pods_budget(void **unused)
{
	struct bwm_pod_limit limit = { .rate_bytes_per_sec = MBIT_S(1), .horizon_ns = 1000 * MS,
				       .sparse_quantum = 3028 };
	struct packet p;
	size_t len = packet_v4(&p, "198.18.0.24");
	int queued = 0;

	add_pod_limit(15, "many-sparse", "198.18.0.24", 0, &limit);
	p.v4.tcp.source = htons(42000);
	for (int i = 0; i < 3; i++)   /* a queue: now, ahead (a new flow), queued */
		run(&p, len, 1500, 0, 0);
	assert_int_equal(pod_counters(15).sparse_packets, 1);
	for (int flow = 1; flow <= 64; flow++) {
		p.v4.tcp.source = htons((uint16_t)(42000 + flow));
		queued += run(&p, len, 1500, 0, 0).tstamp != 0;
	}
	assert_int_equal(pod_counters(15).sparse_packets, 9);
	assert_int_equal(queued, 64 - 8);
	assert_int_equal(pod_counters(15).drops[BWM_DROP_HORIZON], 0);
}

/* Issue 12, defect 7: a packet longer than the horizon allows is shaped,
 * not dropped. 64 KB GSO packets at 1 and 4 Mbit/s take 524 and 131 ms,
 * beyond the 100 ms horizon; the horizon is floored at four of them. The
 * first leaves now, the next ones (60 KB, to stay clear of the floor's
 * edge) queue behind it until the fifth would leave later than four 64 KB
 * packets' time; fq's own horizon (10 s) caps the floor. A small packet of
 * another flow behind them sees the same horizon. */
static void gso_packets_longer_than_the_horizon_are_shaped(void **unused)
{
	static const uint64_t rates[] = { MBIT_S(1), MBIT_S(4) };

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct bwm_pod_limit limit = { .rate_bytes_per_sec = rates[i], .horizon_ns = 100 * MS,
					       .horizon_max_ns = 10000 * MS };
		uint32_t id = 16 + (uint32_t)i;
		struct packet p;
		size_t len = packet_v4(&p, "198.18.0.25");
		uint64_t t0, tx60k = 61440 * 1000000000ULL / rates[i];

		add_pod_limit(id, "big-gso", "198.18.0.25", 0, &limit);
		assert_int_equal(run(&p, len, 65536, 0, 0).tstamp, 0);
		t0 = pod_state(id).t_last_ns;
		for (uint64_t n = 1; n <= 3; n++)
			assert_int_equal(run(&p, len, 61440, 0, 0).tstamp, t0 + n * tx60k);
		p.v4.tcp.source = htons(43000);
		assert_int_equal(run(&p, len, 1500, 0, 0).tstamp,
				 t0 + 3 * tx60k + 1500 * 1000000000ULL / rates[i]);
		p.v4.tcp.source = 0;
		assert_int_equal(run(&p, len, 61440, 0, 0).verdict, TC_ACT_SHOT);
		assert_int_equal(pod_counters(id).drops[BWM_DROP_HORIZON], 1);
		assert_int_equal(pod_counters(id).packets, 5);
		assert_int_equal(datapath_pod_remove(dp, id), 0);
	}
}

/* Issue 12, defect 9: frames with in-band VLAN tags (802.1Q; 802.1ad over
 * 802.1Q) are classified by their source address and CE-marked, not
 * dropped, for IPv4 and IPv6. */
static void vlan_tagged_frames_are_paced_and_marked(void **unused)
{
	static const uint16_t qinq[] = { ETH_P_8021AD, ETH_P_8021Q };
	struct bwm_pod_limit limit = { .rate_bytes_per_sec = MBIT_S(1), .horizon_ns = 1000 * MS,
				       .aqm_target_ns = 30 * MS, .aqm_interval_ns = 1,
				       .flags = BWM_LIMIT_ECN };
	uint32_t id = 20;

	for (size_t n_tags = 1; n_tags <= 2; n_tags++) {
		for (int family = 4; family <= 6; family += 2, id++) {
			const uint16_t *tpids = n_tags == 1 ? &qinq[1] : qinq;
			struct tagged_packet t, out;
			struct packet p;
			size_t l3 = packet_l3_offset(n_tags), len;

			if (family == 4) {
				len = packet_v4(&p, "198.18.0.26");
				add_pod_limit(id, "vlan", "198.18.0.26", 0, &limit);
			} else {
				len = packet_v6(&p, "fd00:18::26");
				add_pod_limit(id, "vlan6", "fd00:18::26", 0, &limit);
			}
			packet_set_ecn(&p, PACKET_ECT0);
			len = packet_tag(&t, &p, len, tpids, n_tags);
			/* As the CoDel test above: the sixth packet is signalled. */
			assert_int_equal(packets_until_signalled(&t, len, id, &out, sizeof(out)), 6);
			assert_int_equal(pod_counters(id).ecn_marks, 1);
			assert_int_equal(pod_counters(id).drops[BWM_DROP_AQM], 0);
			if (family == 4) {
				assert_int_equal(out.bytes[l3 + 1] & 3, PACKET_CE);
				assert_int_equal(packet_ipv4_checksum_at(&out, l3), 0);
			} else {
				assert_int_equal(out.bytes[l3 + 1] & 0x30, 0x30);
			}
			assert_int_equal(datapath_pod_remove(dp, id), 0);
		}
	}
}

/* Issue 12, defect 8: two threads run the program on one backlogged pod at
 * once, as two CPUs would; the pod's clock advances by exactly the sum of
 * their packets' times (10 us each: 1500 bytes at 1.2 Gbit/s) and the
 * per-CPU counters add up. A primer puts 100 ms of queue ahead first, so
 * that no packet finds the pod idle while the threads start. */
#define THREADS 2
#define THREAD_PACKETS 20000
#define PRIMER_PACKETS 10000

struct thread_run {
	const struct packet *p;
	size_t len;
	int ok;
};

/* ---- pods' host-side interfaces (issue 16) ---- */

struct ctx_result {
	int verdict;
	struct __sk_buff ctx;
};

static struct ctx_result run_ctx(int prog_fd, const void *p, size_t len, struct __sk_buff ctx_in)
{
	struct ctx_result r = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p, .data_size_in = len,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		    .ctx_out = &r.ctx, .ctx_size_out = sizeof(r.ctx), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(prog_fd, &opts), 0);
	r.verdict = (int)opts.retval;
	return r;
}

static struct bwm_pod_link_counters link_counters(uint32_t id)
{
	struct bwm_pod_link_counters c;

	assert_int_equal(datapath_pod_link_counters(dp, id, &c), 0);
	return c;
}

static struct bwm_pod_counters ingress_counters(uint32_t id)
{
	struct bwm_pod_counters c;

	assert_int_equal(datapath_pod_ingress_counters(dp, id, &c), 0);
	return c;
}

/* A pod on interface ifindex, as podlinks.c sets it up. */
static void add_linked_pod(uint32_t id, const char *name, const char *addr, uint32_t ifindex,
			   uint64_t egress, uint64_t ingress, uint32_t flags)
{
	struct bwm_pod_limit limit = { .rate_bytes_per_sec = egress, .horizon_ns = 1000 * MS };
	struct bwm_pod_limit in = { .rate_bytes_per_sec = ingress, .horizon_ns = 1000 * MS };
	struct bwm_pod_meta meta = { .ifindex = ifindex };

	snprintf(meta.name, sizeof(meta.name), "%s", name);
	if (addr) {
		uint32_t a4;

		assert_int_equal(inet_pton(AF_INET, addr, &a4), 1);
		bwm_addr_key_from_ipv4(&meta.addrs[meta.naddrs++], a4);
	}
	assert_int_equal(datapath_pod_update(dp, id, &meta, &limit, &in), 0);
	assert_int_equal(datapath_pod_set_link(dp, id, &(struct bwm_pod_link) {
		.ifindex = ifindex ? ifindex : 99, .flags = flags }), 0);
}

static void pod_interface_writes_the_mark_and_counts_spoofing(void **unused)
{
	int fd = datapath_pod_prog_fd(dp, false, false);
	struct packet p, p6;
	size_t len = packet_v4(&p, "198.18.20.2");
	size_t len6 = packet_v6(&p6, "fe80::2");
	struct ctx_result r;

	add_linked_pod(20, "linked", "198.18.20.2", POD_IFINDEX, MBIT_S(1), 0, BWM_LINK_OWN_ADDRS);
	/* Its own source: the id goes into the field, the mark's other bits stay. */
	r = run_ctx(fd, &p, len, (struct __sk_buff) { .ifindex = POD_IFINDEX, .mark = 0x4000,
						      .gso_segs = 3 });
	assert_int_equal(r.verdict, TC_ACT_UNSPEC);
	assert_int_equal(r.ctx.mark, 0x4000 | 20);
	assert_int_equal(link_counters(20).packets, 1);
	assert_int_equal(link_counters(20).segs, 3);
	assert_int_equal(link_counters(20).spoofed_packets, 0);
	/* A neighbour's source: spoofed, and still the sender's id. */
	len = packet_v4(&p, "198.18.20.3");
	r = run_ctx(fd, &p, len, (struct __sk_buff) { .ifindex = POD_IFINDEX });
	assert_int_equal(r.ctx.mark, 20);
	assert_int_equal(link_counters(20).spoofed_packets, 1);
	assert_int_equal(link_counters(20).spoofed_bytes, len);
	/* Neighbour discovery from its link-local address is not spoofing. */
	run_ctx(fd, &p6, len6, (struct __sk_buff) { .ifindex = POD_IFINDEX });
	assert_int_equal(link_counters(20).spoofed_packets, 1);
	assert_int_equal(link_counters(20).packets, 3);
	assert_int_equal(datapath_pod_remove(dp, 20), 0);
	/* No pod on the interface: untouched. */
	r = run_ctx(fd, &p, len, (struct __sk_buff) { .ifindex = POD_IFINDEX, .mark = 7 });
	assert_int_equal(r.ctx.mark, 7);
}

/* The uplink: a pod known by its mark only (no address, no interface the
 * packet came in by: a bridged pod, or one behind a tunnel) is paced, and
 * the packet says so; a second managed device lets it pass. */
static void uplink_classifies_by_mark_and_charges_once(void **unused)
{
	int fd = datapath_prog_fd(dp, false);
	struct packet p;
	size_t len = packet_v4(&p, "198.19.77.1");   /* after SNAT, or the tunnel's outer source */
	struct ctx_result r;
	uint64_t t0;

	add_linked_pod(21, "by-mark", NULL, 0, MBIT_S(1), 0, 0);
	r = run_ctx(fd, &p, len, (struct __sk_buff) { .mark = 21, .wire_len = 1500 });
	assert_int_equal(r.ctx.mark, MARK_CHARGED);
	t0 = pod_state(21).t_last_ns;
	r = run_ctx(fd, &p, len, (struct __sk_buff) { .mark = 21, .wire_len = 1500 });
	assert_int_equal(r.ctx.tstamp, t0 + 12 * MS);
	assert_int_equal(pod_counters(21).packets, 2);
	assert_int_equal(pod_counters(21).segs, 2);
	/* Charged already (the tunnel's own device did it): passes. */
	r = run_ctx(fd, &p, len, (struct __sk_buff) { .mark = MARK_CHARGED, .wire_len = 1500 });
	assert_int_equal(r.ctx.tstamp, 0);
	assert_int_equal(pod_counters(21).packets, 2);
	/* A mark that names no pod with an interface is not believed. */
	r = run_ctx(fd, &p, len, (struct __sk_buff) { .mark = 22, .wire_len = 1500 });
	assert_int_equal(r.ctx.tstamp, 0);
	assert_int_equal(r.ctx.mark, 22);
	assert_int_equal(datapath_pod_remove(dp, 21), 0);
}

/* pod_interfaces = no (no mark field): the uplink classifies by address
 * and interface as before issue 16, and paces. */
static void uplink_paces_without_the_mark_field(void **unused)
{
	struct packet p;
	size_t len = packet_v4(&p, "198.18.24.2");
	struct run_result r;

	assert_int_equal(datapath_set_pod_mark(dp, 0), 0);
	add_pod(24, "no-mark", "198.18.24.2", 0, MBIT_S(1), 100 * MS);
	run(&p, len, 1500, 0, 0);
	r = run(&p, len, 1500, 0, 0);
	assert_int_equal(r.verdict, TC_ACT_UNSPEC);
	assert_int_not_equal(r.tstamp, 0);
	assert_int_equal(pod_counters(24).packets, 2);
	assert_int_equal(datapath_pod_remove(dp, 24), 0);
	assert_int_equal(datapath_set_pod_mark(dp, POD_MARK_MASK), 0);
}

/* kubernetes.io/ingress-bandwidth: EDT on the pod's ingress clock at its
 * interface's egress, where an fq is; counted only where none is. */
static void traffic_to_a_pod_is_shaped_on_its_ingress_clock(void **unused)
{
	int fd = datapath_pod_prog_fd(dp, true, false);
	struct packet p;
	size_t len = packet_v4(&p, "198.19.0.2");
	struct ctx_result r;
	struct bwm_pod_limit limit;
	struct bwm_pod_state state;
	uint64_t t0;

	add_linked_pod(23, "ingress", "198.18.23.2", POD_IFINDEX, 0, MBIT_S(1), BWM_LINK_SHAPE);
	r = run_ctx(fd, &p, len, (struct __sk_buff) { .ifindex = POD_IFINDEX, .wire_len = 1500 });
	assert_int_equal(r.ctx.tstamp, 0);
	assert_int_equal(datapath_pod_read(dp, 23, &limit, &state), 0);
	assert_int_equal(state.t_last_ns, 0);   /* the egress clock is not this one */
	for (uint64_t n = 1; n <= 3; n++) {
		r = run_ctx(fd, &p, len, (struct __sk_buff) { .ifindex = POD_IFINDEX, .wire_len = 1500 });
		if (n == 1)
			t0 = r.ctx.tstamp - 12 * MS;
		assert_int_equal(r.ctx.tstamp, t0 + n * 12 * MS);
	}
	assert_int_equal(ingress_counters(23).packets, 4);
	assert_int_equal(pod_counters(23).packets, 0);
	/* No fq on the interface: counted, never stamped. */
	assert_int_equal(datapath_pod_set_link(dp, 23, &(struct bwm_pod_link) {
		.ifindex = POD_IFINDEX }), 0);
	r = run_ctx(fd, &p, len, (struct __sk_buff) { .ifindex = POD_IFINDEX, .wire_len = 1500 });
	assert_int_equal(r.ctx.tstamp, 0);
	assert_int_equal(ingress_counters(23).packets, 5);
	assert_int_equal(datapath_pod_remove(dp, 23), 0);
}

/* Pod to pod on the node: the sender's egress clock (1 Mbit/s: 12 ms a
 * packet) is charged at the receiver's interface, and the packet waits for
 * the later of its two departures; the receiver's clock (4 Mbit/s: 3 ms)
 * is charged its own time. Frames a bridge floods are not the sender's to
 * pay once per port. */
static void same_node_traffic_is_charged_to_the_sender(void **unused)
{
	int fd = datapath_pod_prog_fd(dp, true, false);
	struct packet p;
	size_t len = packet_v4(&p, "198.18.44.2");
	struct ctx_result r;
	uint64_t first = 0;

	add_linked_pod(44, "sender", "198.18.44.2", 0, MBIT_S(1), 0, 0);
	add_linked_pod(45, "receiver", "198.18.45.2", POD_IFINDEX, 0, MBIT_S(4), BWM_LINK_SHAPE);
	for (uint64_t n = 0; n <= 3; n++) {
		r = run_ctx(fd, &p, len, (struct __sk_buff) { .ifindex = POD_IFINDEX, .mark = 44,
							      .wire_len = 1500 });
		assert_int_equal(r.verdict, TC_ACT_UNSPEC);
		assert_int_equal(r.ctx.mark, MARK_CHARGED);
		if (n == 1)
			first = r.ctx.tstamp - 12 * MS;
		if (n >= 1)
			assert_int_equal(r.ctx.tstamp, first + n * 12 * MS);
	}
	assert_int_equal(pod_counters(44).packets, 4);
	assert_int_equal(ingress_counters(45).packets, 4);
	/* The receiver's clock advanced by its own 3 ms a packet only. */
	{
		struct bwm_pod_limit limit;
		struct bwm_pod_state s;
		struct bwm_pod_counters c = ingress_counters(45);

		(void)limit;
		assert_int_equal(c.bytes, 4 * 1500);
		assert_int_equal(datapath_pod_read(dp, 44, &limit, &s), 0);
		assert_int_equal(s.t_last_ns, first + 3 * 12 * MS);
	}
	/* Broadcast: the receiver's, not the sender's. */
	memset(p.eth.h_dest, 0xff, sizeof(p.eth.h_dest));
	run_ctx(fd, &p, len, (struct __sk_buff) { .ifindex = POD_IFINDEX, .mark = 44, .wire_len = 1500 });
	assert_int_equal(pod_counters(44).packets, 4);
	assert_int_equal(ingress_counters(45).packets, 5);
	assert_int_equal(datapath_pod_remove(dp, 44), 0);
	assert_int_equal(datapath_pod_remove(dp, 45), 0);
}

static void *run_packets(void *userdata)
{
	struct thread_run *t = userdata;
	struct __sk_buff ctx_in = { .wire_len = 1500 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = t->p, .data_size_in = t->len,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .repeat = THREAD_PACKETS);

	t->ok = bpf_prog_test_run_opts(datapath_prog_fd(dp, false), &opts) == 0 &&
		opts.retval == (__u32)TC_ACT_UNSPEC;
	return NULL;
}

static void concurrent_cpus_lose_no_charge(void **unused)
{
	struct bwm_pod_limit limit = { .rate_bytes_per_sec = 150000000, .horizon_ns = 60000 * MS };
	struct __sk_buff ctx_in = { .wire_len = 1500 };
	struct thread_run runs[THREADS];
	pthread_t threads[THREADS];
	struct packet p;
	size_t len = packet_v4(&p, "198.18.0.27");
	LIBBPF_OPTS(bpf_test_run_opts, primer, .data_in = &p, .data_size_in = len,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .repeat = PRIMER_PACKETS);
	uint64_t t0;

	add_pod_limit(24, "threads", "198.18.0.27", 0, &limit);
	run(&p, len, 1500, 0, 0);
	assert_int_equal(bpf_prog_test_run_opts(datapath_prog_fd(dp, false), &primer), 0);
	t0 = pod_state(24).t_last_ns;
	for (int i = 0; i < THREADS; i++) {
		runs[i] = (struct thread_run) { .p = &p, .len = len };
		assert_int_equal(pthread_create(&threads[i], NULL, run_packets, &runs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_true(runs[i].ok);
	}
	assert_int_equal(pod_state(24).t_last_ns, t0 + THREADS * THREAD_PACKETS * 10000ULL);
	assert_int_equal(pod_counters(24).packets, 1 + PRIMER_PACKETS + THREADS * THREAD_PACKETS);
	assert_int_equal(pod_counters(24).drops[BWM_DROP_HORIZON], 0);
}

static void report_cost_per_packet(void **unused)
{
	struct packet p;
	size_t len = packet_v4(&p, "198.18.0.10");
	struct __sk_buff ctx_in = { .wire_len = 1500 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = &p, .data_size_in = len,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in), .repeat = 1000000);

	/* A figure for the record, not an assertion (shared, noisy machine). */
	add_pod(1, "web-1", "198.18.0.10", 0, MBIT_S(100000), 1000 * MS);
	assert_int_equal(bpf_prog_test_run_opts(datapath_prog_fd(dp, false), &opts), 0);
	printf("# egress program, IPv4 pod packet: %u ns/packet (host kernel, %u runs)\n",
	       opts.duration, opts.repeat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unknown_source_passes_untouched),
		cmocka_unit_test(non_ip_passes_untouched),
		cmocka_unit_test(ipv4_pod_is_paced),
		cmocka_unit_test(ipv6_pod_is_paced),
		cmocka_unit_test(routed_pod_is_found_by_ingress_interface),
		cmocka_unit_test(packet_beyond_horizon_is_dropped_and_counted),
		cmocka_unit_test(unlimited_pod_is_counted_not_paced),
		cmocka_unit_test(limit_change_and_removal_take_effect),
		cmocka_unit_test(queue_mapping_is_reset),
		cmocka_unit_test(sparse_flow_leaves_ahead_of_the_queue),
		cmocka_unit_test(sparse_flow_passes_a_queue_at_the_horizon),
		cmocka_unit_test(codel_marks_ecn_capable_packets_and_drops_others),
		cmocka_unit_test(codel_target_is_never_below_two_packets),
		cmocka_unit_test(sparse_flows_share_the_pods_budget),
		cmocka_unit_test(gso_packets_longer_than_the_horizon_are_shaped),
		cmocka_unit_test(vlan_tagged_frames_are_paced_and_marked),
		cmocka_unit_test(pod_interface_writes_the_mark_and_counts_spoofing),
		cmocka_unit_test(uplink_classifies_by_mark_and_charges_once),
		cmocka_unit_test(uplink_paces_without_the_mark_field),
		cmocka_unit_test(traffic_to_a_pod_is_shaped_on_its_ingress_clock),
		cmocka_unit_test(same_node_traffic_is_charged_to_the_sender),
		cmocka_unit_test(concurrent_cpus_lose_no_charge),
		cmocka_unit_test(report_cost_per_packet),
	};

	if (geteuid() != 0) {
		printf("SKIP: BPF_PROG_TEST_RUN needs root (CAP_BPF, CAP_NET_ADMIN)\n");
		return SKIP;
	}
	/* Pins go to a bpffs of this test's own, in its own mount namespace. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") < 0) {
		perror("private bpffs");
		return 1;
	}
	log_setup_libbpf();
	return cmocka_run_group_tests(tests, setup, teardown);
}
