// SPDX-License-Identifier: GPL-2.0-only
/*
 * rr_prober: many concurrent TCP request/response flows, each from its own
 * network namespace (pod), measured on one clock; netperf TCP_RR in spirit.
 * sockperf measures one flow at a time and netperf is not in Debian's main
 * archive, hence this small tool (bench/run cross-checks it against sockperf
 * on a single flow).
 *
 *   rr_prober server --port PORT
 *       echoes whatever each connection sends, until killed
 *   rr_prober client --server ADDR --port PORT --netns NS[,NS...]
 *                    [--flows-per-ns N] [--size BYTES] [--time S] [--warmup S]
 *                    [--rate PER_S [--poisson [--seed N]]] [--cdf FILE]
 *                    [--samples FILE]
 *       one flow per namespace (times N), each sending SIZE bytes and waiting
 *       for SIZE bytes back: back to back, or with --rate at most PER_S
 *       requests a second per flow (RPC-like: request k is due PER_S^-1
 *       after request k-1 was sent, or as soon as k-1's response is in if
 *       that is later; the flows' first requests are spread evenly over one
 *       period). With --poisson the gaps between a flow's requests are
 *       exponential with mean PER_S^-1 (Poisson arrivals, from a fixed seed
 *       per flow and N, default 0, so a run in virtual time repeats; bench
 *       S5 gives each of its rounds its own N): periodic flows of one
 *       period keep whatever alignment their first round trips gave them,
 *       and their latencies then say more about that alignment than about
 *       the path (bench S5: p50s alone from 40 to 549 us in two modes with
 *       the same path, 2026-12-03). After the warm-up, every round trip
 *       is recorded. Prints one JSON object; --cdf writes "latency_us
 *       fraction" lines for plotting, --samples every round trip's
 *       latency_us, one a line in ascending order (for pooling runs).
 *       The object also gives the CPU time the whole machine was busy
 *       while it measured (elapsed time on every CPU less their idle time,
 *       /proc/stat), per transaction: at a load that leaves the CPU idle
 *       part of the time, that is what the path costs (bench S1).
 *
 * A namespace is entered with setns() only to create its socket: a socket
 * keeps the namespace it was made in, so one epoll loop drives them all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE 65536
#define CONNECT_TIMEOUT_MS 10000
#define CDF_POINTS 400

struct flow {
	int fd;
	size_t sent, received;     /* bytes of the current transaction */
	uint64_t started_ns;       /* when its request was first written */
	uint64_t due_ns;           /* --rate: when its next request is due; 0: in flight */
	uint64_t transactions;     /* completed after the warm-up */
	unsigned short seed[3];    /* --poisson: erand48's state */
};

struct samples {
	uint64_t *ns;
	size_t n, cap;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The CPU time all CPUs spent idle (or waiting for I/O), in clock ticks
 * (USER_HZ), from /proc/stat's first line; -1 if it cannot be read. A
 * tickless kernel times idle spells exactly (get_idle_time()), where the
 * busy fields are sampled once a tick: 1000 ticks at half load leave
 * those about 1.6% off, run to run. */
static long long cpu_idle_ticks(void)
{
	unsigned long long idle, iowait;
	FILE *f = fopen("/proc/stat", "re");
	int fields;

	if (!f)
		return -1;
	/* user, nice and system come first. */
	fields = fscanf(f, "cpu %*u %*u %*u %llu %llu", &idle, &iowait);
	fclose(f);
	return fields == 2 ? (long long)(idle + iowait) : -1;
}

/* A point to measure busy CPU time from: when, and the idle time by then. */
struct cpu_mark {
	uint64_t at_ns;
	long long idle_ticks;
};

static struct cpu_mark cpu_mark_now(void)
{
	return (struct cpu_mark){ .at_ns = now_ns(), .idle_ticks = cpu_idle_ticks() };
}

/* The CPU seconds all online CPUs were busy between two marks; -1 unknown. */
static double cpu_busy_s(struct cpu_mark from, struct cpu_mark to)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (from.idle_ticks < 0 || to.idle_ticks < 0 || cpus < 1)
		return -1;
	return (double)(to.at_ns - from.at_ns) / 1e9 * (double)cpus -
	       (double)(to.idle_ticks - from.idle_ticks) / (double)sysconf(_SC_CLK_TCK);
}

static int samples_add(struct samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 65536;
		uint64_t *ns = realloc(s->ns, cap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		s->ns = ns;
		s->cap = cap;
	}
	s->ns[s->n++] = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples, in microseconds. */
static double percentile_us(const struct samples *s, double p)
{
	size_t rank = (size_t)(p / 100.0 * (double)s->n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return (double)s->ns[rank - 1] / 1000.0;
}

static int run_server(uint16_t port)
{
	/* One IPv6 socket serves IPv4 too (as ::ffff:a.b.c.d). */
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	static char buf[MAX_SIZE];
	struct epoll_event ev, events[64];
	int one = 1, zero = 0, lfd, efd;

	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	efd = epoll_create1(EPOLL_CLOEXEC);
	if (lfd < 0 || efd < 0) {
		perror("rr_prober server: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 4096) < 0) {
		perror("rr_prober server: bind/listen");
		return 1;
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = lfd };
	epoll_ctl(efd, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(efd, events, 64, -1);

		if (n < 0 && errno != EINTR) {
			perror("rr_prober server: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;
			ssize_t r;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = c };
					epoll_ctl(efd, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			/* Blocking socket, readable: the echo of a request up to
			 * MAX_SIZE fits the socket buffer, so the write does not
			 * stall the other connections. */
			r = read(fd, buf, sizeof(buf));
			if (r <= 0 || write(fd, buf, (size_t)r) != r) {
				epoll_ctl(efd, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
			}
		}
	}
}

/* A socket created in namespace ns, connecting (non-blocking) to addr. */
static int flow_socket(const char *ns, const struct sockaddr_storage *addr, socklen_t addr_len,
		       int home_ns)
{
	char path[512];
	int nsfd, fd, one = 1;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "rr_prober: cannot enter namespace '%s': %m\n", ns);
		if (nsfd >= 0)
			close(nsfd);
		return -1;
	}
	close(nsfd);
	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (setns(home_ns, CLONE_NEWNET) < 0) {
		perror("rr_prober: setns back");
		exit(1);
	}
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)addr, addr_len) < 0 && errno != EINPROGRESS) {
		fprintf(stderr, "rr_prober: connect from '%s': %m\n", ns);
		close(fd);
		return -1;
	}
	return fd;
}

static bool all_connected(struct flow *flows, size_t n, int efd)
{
	struct epoll_event events[64];
	uint64_t deadline = now_ns() + CONNECT_TIMEOUT_MS * 1000000ULL;
	size_t pending = n;

	while (pending && now_ns() < deadline) {
		int k = epoll_wait(efd, events, 64, 100);

		for (int i = 0; i < k; i++) {
			struct flow *f = events[i].data.ptr;
			int err = 0;
			socklen_t len = sizeof(err);

			getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err) {
				fprintf(stderr, "rr_prober: connect: %s\n", strerror(err));
				return false;
			}
			/* Connected: from now on wait for replies only. */
			events[i].events = EPOLLIN;
			epoll_ctl(efd, EPOLL_CTL_MOD, f->fd, &events[i]);
			pending--;
		}
	}
	if (pending)
		fprintf(stderr, "rr_prober: %zu of %zu flows did not connect\n", pending, n);
	return pending == 0;
}

/* Writes the rest of f's request; -1 when the flow broke. */
static int flow_send(struct flow *f, const char *buf, size_t size)
{
	while (f->sent < size) {
		ssize_t w = write(f->fd, buf, size - f->sent);

		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		f->sent += (size_t)w;
	}
	return 0;
}

/* Sorts the samples, then prints the run's JSON object. */
static void print_results(const struct flow *flows, size_t n, struct samples *s, double secs,
			  size_t size, unsigned broken, double busy_s)
{
	uint64_t fmin = UINT64_MAX, fmax = 0;

	for (size_t i = 0; i < n; i++) {
		fmin = flows[i].transactions < fmin ? flows[i].transactions : fmin;
		fmax = flows[i].transactions > fmax ? flows[i].transactions : fmax;
	}
	qsort(s->ns, s->n, sizeof(*s->ns), cmp_u64);
	printf("{\"flows\": %zu, \"size\": %zu, \"seconds\": %.3f, \"transactions\": %zu, "
	       "\"tps\": %.1f, \"broken_flows\": %u, \"flow_tps_min\": %.1f, \"flow_tps_max\": %.1f",
	       n, size, secs, s->n, (double)s->n / secs, broken, (double)fmin / secs,
	       (double)fmax / secs);
	if (s->n) {
		double sum = 0;

		for (size_t i = 0; i < s->n; i++)
			sum += (double)s->ns[i];
		printf(", \"min_us\": %.1f, \"mean_us\": %.1f, \"p50_us\": %.1f, \"p90_us\": %.1f, "
		       "\"p99_us\": %.1f, \"p999_us\": %.1f, \"max_us\": %.1f",
		       (double)s->ns[0] / 1000.0, sum / (double)s->n / 1000.0,
		       percentile_us(s, 50), percentile_us(s, 90), percentile_us(s, 99),
		       percentile_us(s, 99.9), (double)s->ns[s->n - 1] / 1000.0);
		if (busy_s >= 0)
			printf(", \"cpu_busy_s\": %.3f, \"cpu_us_per_transaction\": %.2f", busy_s,
			       busy_s * 1e6 / (double)s->n);
	}
	printf("}\n");
}

/* PATH: the sorted samples as "latency_us fraction" lines, POINTS of them
 * spread evenly over the ranks, or every sample's latency_us (POINTS 0). */
static int write_latencies(const char *path, const struct samples *s, size_t points)
{
	size_t lines = points ? points : s->n;
	FILE *f;

	if (!path || !s->n)
		return 0;
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "rr_prober: %s: %m\n", path);
		return -1;
	}
	for (size_t k = 0; k < lines; k++) {
		size_t i = points ? k * (s->n - 1) / (points - 1) : k;

		if (points)
			fprintf(f, "%.1f %.6f\n", (double)s->ns[i] / 1000.0,
				(double)(i + 1) / (double)s->n);
		else
			fprintf(f, "%.1f\n", (double)s->ns[i] / 1000.0);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "rr_prober: %s: %m\n", path);
		return -1;
	}
	return 0;
}

struct client_options {
	const char *server;
	uint16_t port;
	char *netns;             /* comma-separated */
	unsigned flows_per_ns;
	size_t size;
	double time_s, warmup_s;
	double rate;             /* requests per second per flow; 0: back to back */
	bool poisson;            /* exponential gaps of mean 1/rate, not fixed ones */
	unsigned short seed;     /* --poisson: mixed into each flow's seed */
	const char *cdf;
	const char *samples;
};

/* The gap before a flow's next request: the period, or with --poisson an
 * exponential draw of that mean (1 - u: erand48's u may be 0, never 1). */
static uint64_t next_gap_ns(struct flow *f, bool poisson, uint64_t period_ns)
{
	if (!poisson)
		return period_ns;
	return (uint64_t)(-log(1.0 - erand48(f->seed)) * (double)period_ns);
}

/* An IPv4 or IPv6 address and port. */
static int parse_server(const char *text, uint16_t port, struct sockaddr_storage *ret,
			socklen_t *ret_len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ret;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ret;

	memset(ret, 0, sizeof(*ret));
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*ret_len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*ret_len = sizeof(*v6);
		return 0;
	}
	return -1;
}

static int run_client(const struct client_options *o)
{
	struct sockaddr_storage addr;
	socklen_t addr_len;
	static char buf[MAX_SIZE];
	struct epoll_event events[256];
	struct samples samples = {};
	struct flow *flows = NULL;
	size_t n = 0;
	unsigned broken = 0;
	int rc;
	uint64_t t0, t_measure, t_end, period_ns = o->rate > 0 ? (uint64_t)(1e9 / o->rate) : 0;
	struct cpu_mark measure_from = { 0 };
	int home_ns, efd;

	if (parse_server(o->server, o->port, &addr, &addr_len) < 0) {
		fprintf(stderr, "rr_prober: '%s' is not an IPv4 or IPv6 address\n", o->server);
		return 2;
	}
	home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	efd = epoll_create1(EPOLL_CLOEXEC);
	if (home_ns < 0 || efd < 0) {
		perror("rr_prober");
		return 1;
	}
	for (char *save = NULL, *ns = strtok_r(o->netns, ",", &save); ns;
	     ns = strtok_r(NULL, ",", &save)) {
		for (unsigned k = 0; k < o->flows_per_ns; k++) {
			struct flow *grown = realloc(flows, (n + 1) * sizeof(*flows));
			struct epoll_event ev;

			if (!grown)
				return 1;
			flows = grown;
			flows[n] = (struct flow){
				.fd = flow_socket(ns, &addr, addr_len, home_ns),
				.seed = { 0x1234, (unsigned short)n, (unsigned short)(0x5678 + o->seed) },
			};
			if (flows[n].fd < 0)
				return 1;
			ev = (struct epoll_event){ .events = EPOLLOUT, .data.ptr = &flows[n] };
			n++;
			epoll_ctl(efd, EPOLL_CTL_ADD, flows[n - 1].fd, &ev);
		}
	}
	/* realloc may have moved the flows: point epoll at their final place. */
	for (size_t i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = &flows[i] };

		epoll_ctl(efd, EPOLL_CTL_MOD, flows[i].fd, &ev);
	}
	if (!n || !all_connected(flows, n, efd))
		return 1;

	memset(buf, 'r', sizeof(buf));
	t0 = now_ns();
	t_measure = t0 + (uint64_t)(o->warmup_s * 1e9);
	t_end = t_measure + (uint64_t)(o->time_s * 1e9);
	for (size_t i = 0; i < n; i++) {
		if (period_ns) {
			/* Periodic flows start spread evenly over one period,
			 * Poisson ones after a first gap of their own. */
			flows[i].due_ns = t0 + (o->poisson ? next_gap_ns(&flows[i], true, period_ns)
							   : period_ns * i / n);
			continue;
		}
		flows[i].started_ns = now_ns();
		if (flow_send(&flows[i], buf, o->size) < 0)
			return 1;
	}
	for (;;) {
		uint64_t now = now_ns(), wake = t_end;
		struct timespec timeout;
		int k;

		if (now >= t_end)
			break;
		if (now >= t_measure && !measure_from.at_ns)
			measure_from = cpu_mark_now();
		/* --rate: the requests that are due go now; the next one due
		 * sets the wake-up. */
		for (size_t i = 0; period_ns && i < n; i++) {
			struct flow *f = &flows[i];

			if (!f->due_ns)
				continue;
			if (f->due_ns > now) {
				wake = f->due_ns < wake ? f->due_ns : wake;
				continue;
			}
			f->due_ns = 0;
			f->started_ns = now;
			if (flow_send(f, buf, o->size) < 0) {
				epoll_ctl(efd, EPOLL_CTL_DEL, f->fd, NULL);
				broken++;
			}
		}
		/* epoll_wait's milliseconds are too coarse for requests due
		 * every few hundred microseconds. */
		timeout = (struct timespec){ .tv_sec = (time_t)((wake - now) / 1000000000ULL),
					     .tv_nsec = (long)((wake - now) % 1000000000ULL) };
		k = epoll_pwait2(efd, events, 256, &timeout, NULL);
		for (int i = 0; i < k; i++) {
			struct flow *f = events[i].data.ptr;
			ssize_t r = read(f->fd, buf, o->size - f->received);

			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				/* A broken flow stops; the others go on. */
				epoll_ctl(efd, EPOLL_CTL_DEL, f->fd, NULL);
				broken++;
				continue;
			}
			f->received += (size_t)r;
			if (f->received < o->size)
				continue;
			now = now_ns();
			if (now >= t_measure && now < t_end) {
				if (samples_add(&samples, now - f->started_ns) < 0)
					return 1;
				f->transactions++;
			}
			f->sent = f->received = 0;
			if (period_ns) {
				/* Due a gap after this one was sent, or now if
				 * that has passed: never a burst to catch up. */
				uint64_t gap = next_gap_ns(f, o->poisson, period_ns);

				f->due_ns = f->started_ns + gap > now ? f->started_ns + gap : now;
				continue;
			}
			f->started_ns = now;
			if (flow_send(f, buf, o->size) < 0) {
				epoll_ctl(efd, EPOLL_CTL_DEL, f->fd, NULL);
				broken++;
			}
		}
	}
	print_results(flows, n, &samples, o->time_s, o->size, broken,
		      measure_from.at_ns ? cpu_busy_s(measure_from, cpu_mark_now()) : -1);
	rc = samples.n ? 0 : 1;
	if (write_latencies(o->cdf, &samples, CDF_POINTS) < 0 ||
	    write_latencies(o->samples, &samples, 0) < 0)
		rc = 1;
	for (size_t i = 0; i < n; i++)
		close(flows[i].fd);
	free(flows);
	free(samples.ns);
	return rc;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: rr_prober server --port PORT\n"
		"       rr_prober client --server ADDR --port PORT --netns NS[,NS...]\n"
		"                        [--flows-per-ns N] [--size BYTES] [--time S]\n"
		"                        [--warmup S] [--rate PER_S [--poisson [--seed N]]]\n"
		"                        [--cdf FILE] [--samples FILE]\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "server", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "flows-per-ns", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 'm' },
		{ "time", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "rate", required_argument, NULL, 'r' },
		{ "poisson", no_argument, NULL, 'P' },
		{ "seed", required_argument, NULL, 'S' },
		{ "cdf", required_argument, NULL, 'c' },
		{ "samples", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct client_options o = { .port = 0, .flows_per_ns = 1, .size = 1, .time_s = 10,
				    .warmup_s = 1 };
	const char *mode;
	int c;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "s:p:n:f:m:t:w:r:PS:c:l:h", options, NULL)) >= 0) {
		switch (c) {
		case 's': o.server = optarg; break;
		case 'p': o.port = (uint16_t)atoi(optarg); break;
		case 'n': o.netns = optarg; break;
		case 'f': o.flows_per_ns = (unsigned)atoi(optarg); break;
		case 'm': o.size = (size_t)atol(optarg); break;
		case 't': o.time_s = atof(optarg); break;
		case 'w': o.warmup_s = atof(optarg); break;
		case 'r': o.rate = atof(optarg); break;
		case 'P': o.poisson = true; break;
		case 'S': o.seed = (unsigned short)atoi(optarg); break;
		case 'c': o.cdf = optarg; break;
		case 'l': o.samples = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* A flow whose peer vanished must not kill the whole run. */
	signal(SIGPIPE, SIG_IGN);
	if (o.port == 0) {
		usage(stderr);
		return 2;
	}
	if (strcmp(mode, "server") == 0)
		return run_server(o.port);
	if (strcmp(mode, "client") != 0 || !o.server || !o.netns || !o.flows_per_ns ||
	    o.size < 1 || o.size > MAX_SIZE || o.time_s <= 0 || o.warmup_s < 0 || o.rate < 0 ||
	    (o.poisson && o.rate <= 0)) {
		usage(stderr);
		return 2;
	}
	return run_client(&o);
}
