// SPDX-License-Identifier: GPL-2.0-only
#include "daemon.h"

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <systemd/sd-event.h>

#include "bigtcp_links.h"
#include "config.h"
#include "datapath.h"
#include "escapes.h"
#include "instance.h"
#include "log.h"
#include "metrics_export.h"
#include "netlink.h"
#include "notify.h"
#include "podlinks.h"
#include "pods.h"
#include "podwatch.h"
#include "uplinks.h"
#include "util.h"

/* A reconcile that could not finish (a map write failed, a file was being
 * written) runs again after this. */
#define RETRY_USEC (1000000ULL)
/* How often the pods' counters are looked at for traffic that escaped
 * every managed device (issue 16). */
#define ESCAPE_CHECK_USEC (10 * 1000000ULL)

struct daemon {
	char *config_path;
	struct bwm_config config;
	sd_event *event;
	struct nl_sock *sk;
	struct link_monitor *links;
	struct datapath *dp;
	struct pods *pods;
	struct bigtcp_links *bigtcp;
	struct podlinks *podlinks;            /* issue 16: pods' host-side interfaces */
	struct escapes *escapes;
	sd_event_source *escape_check;
	struct uplink *uplinks;
	size_t n_uplinks;
	struct instance_lock *lock;
	struct podwatch *podwatch;
	sd_event_source *reconcile_pending;   /* a deferred reconcile, coalescing bursts */
	sd_event_source *retry;               /* a reconcile again, RETRY_USEC after one that could not finish */
	sd_event_source *resync;              /* every resync_interval: files and maps read anew */
	struct metrics_export *metrics;
	sd_event_source *metrics_timer;       /* every [metrics] interval, if textfile_dir is set */
};

static struct uplink_env uplink_env(struct daemon *d)
{
	return (struct uplink_env) { .sk = d->sk, .dp = d->dp, .config = &d->config };
}

static void free_uplinks(struct daemon *d)
{
	for (size_t i = 0; i < d->n_uplinks; i++)
		free(d->uplinks[i].name);
	free(d->uplinks);
	d->uplinks = NULL;
	d->n_uplinks = 0;
}

/* The configured uplinks, else the devices of the default routes. */
static int resolve_uplink_names(struct daemon *d, char ***ret_names)
{
	char **names;
	int r;

	if (d->config.uplinks && d->config.uplinks[0]) {
		names = strv_copy(d->config.uplinks);
		if (!names)
			return -ENOMEM;
		*ret_names = names;
		return 0;
	}
	r = netlink_default_route_devices(d->sk, &names);
	if (r < 0)
		return log_error_errno(r, "Failed to read the default routes: %m");
	if (!names[0]) {
		strv_free(names);
		return log_error_errno(ENODEV, "No default route to find the uplinks by: "
				       "set 'uplinks =' in [bwm] of '%s'", d->config_path);
	}
	*ret_names = names;
	return 0;
}

static size_t count_active_uplinks(const struct daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_uplinks; i++)
		n += d->uplinks[i].active;
	return n;
}

static void setup_uplink(struct daemon *d, struct uplink *u)
{
	struct uplink_env env = uplink_env(d);

	u->ifindex = (int)if_nametoindex(u->name);
	if (u->ifindex == 0) {
		log_warning("Uplink '%s' does not exist; it is set up when it appears", u->name);
		return;
	}
	if (uplink_setup(&env, u) >= 0)
		bigtcp_links_uplink(d->bigtcp, d->sk, &d->config, u->ifindex, u->name);
}

/* Brings the uplink set in line with the configuration: new names are set
 * up, names no longer wanted are torn down, the rest stay as they are. */
static int apply_uplinks(struct daemon *d)
{
	struct uplink_env env = uplink_env(d);
	_cleanup_strv_free_ char **names = NULL;
	struct uplink *next;
	size_t n;
	int r;

	r = resolve_uplink_names(d, &names);
	if (r < 0)
		return r;
	n = strv_length(names);
	next = calloc(n, sizeof(*next));
	if (!next)
		return -ENOMEM;

	for (size_t i = 0; i < d->n_uplinks; i++) {
		bool wanted = false;

		for (size_t j = 0; j < n; j++)
			wanted |= strcmp(d->uplinks[i].name, names[j]) == 0;
		if (!wanted)
			uplink_teardown(&env, &d->uplinks[i]);
	}
	for (size_t j = 0; j < n; j++) {
		struct uplink *old = NULL;

		for (size_t i = 0; i < d->n_uplinks; i++)
			if (strcmp(d->uplinks[i].name, names[j]) == 0)
				old = &d->uplinks[i];
		if (old) {
			next[j] = *old;
			old->name = NULL;
		} else {
			next[j].name = TAKE_PTR(names[j]);
			setup_uplink(d, &next[j]);
		}
		if (!next[j].name)
			next[j].name = TAKE_PTR(names[j]);
	}
	free_uplinks(d);
	d->uplinks = next;
	d->n_uplinks = n;
	return 0;
}

static void notify_status(struct daemon *d, const struct pods_summary *s)
{
	notify_statusf("%u pods enforced, %u pending, %u with errors; %zu/%zu uplinks active",
		       s->enforced, s->pending, s->errors, count_active_uplinks(d), d->n_uplinks);
}

static void apply_podlinks(struct daemon *d)
{
	struct uplink_env env = uplink_env(d);
	_cleanup_free_ struct podlink_want *wants = NULL;
	size_t n = 0;

	if (pods_links(d->pods, &wants, &n) >= 0)
		podlinks_apply(d->podlinks, &env, wants, n);
}

/* Issue 16: a limited pod's traffic that met no managed device. */
static int on_escape_check(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	_cleanup_free_ struct podlink_want *pods = NULL;
	char managed[256] = "";
	size_t n = 0;

	for (size_t i = 0; i < d->n_uplinks; i++)
		if (d->uplinks[i].active)
			snprintf(managed + strlen(managed), sizeof(managed) - strlen(managed), "%s'%s'",
				 managed[0] ? ", " : "", d->uplinks[i].name);
	snprintf(managed + strlen(managed), sizeof(managed) - strlen(managed), "%sthe pods' interfaces",
		 managed[0] ? " and " : "");
	if (d->config.pod_interfaces && pods_links(d->pods, &pods, &n) >= 0)
		escapes_check(d->escapes, d->dp, pods, n, managed);
	sd_event_source_set_time_relative(s, ESCAPE_CHECK_USEC);
	return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/* The metrics: bwmd's own part always (for bwmctl), the textfile too when
 * it is time. */
static void write_metrics(struct daemon *d, bool textfile)
{
	struct metrics_uplink *uplinks = calloc(d->n_uplinks ? d->n_uplinks : 1, sizeof(*uplinks));

	if (!uplinks)
		return;
	for (size_t i = 0; i < d->n_uplinks; i++)
		uplinks[i] = (struct metrics_uplink) { .name = d->uplinks[i].name,
						       .active = d->uplinks[i].active,
						       .qdisc_managed = d->config.qdisc == BWM_QDISC_FQ };
	metrics_export_write(d->metrics, &d->config, uplinks, d->n_uplinks, textfile);
	free(uplinks);
}

static int on_metrics_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	write_metrics(d, true);
	sd_event_source_set_time_relative(s, d->config.metrics_interval_ns / 1000);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* The textfile writer runs only with a directory to write to. */
static void arm_metrics(struct daemon *d)
{
	if (!d->config.metrics_textfile_dir[0]) {
		sd_event_source_set_enabled(d->metrics_timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time_relative(d->metrics_timer, 0);
	sd_event_source_set_enabled(d->metrics_timer, SD_EVENT_ONESHOT);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void reconcile_now(struct daemon *d)
{
	struct pods_summary summary = {};
	uint64_t start = monotonic_ns();
	int *ifindexes = NULL;
	char **ifnames = NULL;
	size_t n = 0;
	int r;

	r = pods_reconcile(d->pods, d->dp, &d->config, podwatch_busy, d->podwatch, &summary);
	podwatch_scanned(d->podwatch, summary.dir_dev, summary.dir_ino);
	metrics_export_reconciled(d->metrics, (double)(monotonic_ns() - start) / 1e9, &summary);
	write_metrics(d, false);
	if (r < 0 || summary.retry) {
		sd_event_source_set_time_relative(d->retry, RETRY_USEC);
		sd_event_source_set_enabled(d->retry, SD_EVENT_ONESHOT);
	}
	if (pods_interfaces(d->pods, &ifindexes, &ifnames, &n) >= 0)
		bigtcp_links_pods(d->bigtcp, d->sk, &d->config, ifindexes, ifnames, n);
	free(ifindexes);
	strv_free(ifnames);
	apply_podlinks(d);
	notify_status(d, &summary);
}

static int on_reconcile(sd_event_source *s, void *userdata)
{
	struct daemon *d = userdata;

	sd_event_source_set_enabled(s, SD_EVENT_OFF);
	reconcile_now(d);
	return 0;
}

/* Every trigger (file, link, reload) funnels into one reconcile, run once
 * the loop has drained the events queued now: a burst of hundreds of pod
 * files costs one directory scan, not hundreds. */
static void schedule_reconcile(struct daemon *d)
{
	sd_event_source_set_enabled(d->reconcile_pending, SD_EVENT_ONESHOT);
}

static void on_pods_changed(void *userdata)
{
	schedule_reconcile(userdata);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	schedule_reconcile(userdata);
	return 0;
}

static void arm_resync(struct daemon *d)
{
	if (!d->config.resync_interval_ns) {
		sd_event_source_set_enabled(d->resync, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time_relative(d->resync, d->config.resync_interval_ns / 1000);
	sd_event_source_set_enabled(d->resync, SD_EVENT_ONESHOT);
}

/* The safety net behind inotify and netlink: files and maps read anew. */
static int on_resync(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	pods_resync(d->pods);
	schedule_reconcile(d);
	arm_resync(d);
	return 0;
}

/* (Re)starts the watch on the pods directory: at start, and at each
 * reload, which is also how an operator re-arms it by hand. */
static int watch_pods_dir(struct daemon *d)
{
	d->podwatch = podwatch_free(d->podwatch);
	return podwatch_new(d->event, d->config.pods_dir, on_pods_changed, d, &d->podwatch);
}

static void on_link_event(enum link_event event, int ifindex, const char *ifname, void *userdata)
{
	struct daemon *d = userdata;
	struct uplink_env env = uplink_env(d);

	for (size_t i = 0; i < d->n_uplinks; i++) {
		struct uplink *u = &d->uplinks[i];

		if (event == LINK_EVENT_DEL && u->ifindex == ifindex) {
			log_warning("Uplink '%s' disappeared", u->name);
			uplink_gone(&env, u);
		} else if ((event == LINK_EVENT_NEW && strcmp(u->name, ifname) == 0 && u->ifindex == 0) ||
			   (event == LINK_EVENT_RESYNC && u->ifindex == 0)) {
			log_info("Uplink '%s' appeared", u->name);
			setup_uplink(d, u);
		}
	}
	/* Pods wait for, or lose, their interfaces. */
	schedule_reconcile(d);
}

static int on_links_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct daemon *d = userdata;
	int r = link_monitor_dispatch(d->links);

	if (r < 0)
		log_warning_errno(r, "Failed to read link events: %m");
	return 0;
}

static int reload(struct daemon *d)
{
	struct bwm_config next;
	bool restart_needed, bigtcp_changed, qdisc_changed;
	int r;

	notify_reloading();
	log_info("Reloading configuration '%s'", d->config_path);
	r = config_load(d->config_path, true, &next);
	if (r < 0) {
		log_error("Configuration '%s' not applied; the previous one stays in force",
			  d->config_path);
		notify_ready();
		return 0;
	}
	restart_needed = strcmp(next.pin_dir, d->config.pin_dir) != 0 ||
			 strcmp(next.state_dir, d->config.state_dir) != 0 ||
			 next.max_pods != d->config.max_pods || next.max_flows != d->config.max_flows ||
			 next.qdisc != d->config.qdisc;
	if (restart_needed) {
		log_warning("pin_dir, state_dir, max_pods, max_flows and qdisc change only when bwmd "
			    "restarts; configuration not applied");
		config_free(&next);
		notify_ready();
		return 0;
	}

	bigtcp_changed = next.bigtcp_enable != d->config.bigtcp_enable ||
			 next.bigtcp_size != d->config.bigtcp_size ||
			 next.bigtcp_uplinks != d->config.bigtcp_uplinks ||
			 next.bigtcp_pod_links != d->config.bigtcp_pod_links ||
			 next.bigtcp_pod_peers != d->config.bigtcp_pod_peers;
	qdisc_changed = next.fq_horizon_ns != d->config.fq_horizon_ns ||
			next.fq_buckets_log != d->config.fq_buckets_log ||
			next.fq_limit != d->config.fq_limit ||
			next.fq_flow_limit != d->config.fq_flow_limit ||
			next.fq_orphan_mask != d->config.fq_orphan_mask;

	/* The old sizes back first; the new ones go on below. */
	if (bigtcp_changed)
		bigtcp_links_restore_all(d->bigtcp, d->sk, &d->config);
	config_free(&d->config);
	d->config = next;
	log_set_max_level(d->config.log_level);
	datapath_set_queue_fix(d->dp, d->config.queue_fix);
	datapath_set_pod_mark(d->dp, d->config.pod_interfaces ? d->config.pod_mark_mask : 0);
	apply_uplinks(d);
	for (size_t i = 0; i < d->n_uplinks; i++)
		if (d->uplinks[i].active && (qdisc_changed || bigtcp_changed))
			setup_uplink(d, &d->uplinks[i]);
	watch_pods_dir(d);
	arm_resync(d);
	arm_metrics(d);
	/* Now, not deferred: READY=1 below ends the reload once applied. */
	reconcile_now(d);
	notify_ready();
	return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;

	if (si->ssi_signo == SIGHUP)
		return reload(d);
	log_info("Received %s, stopping", strsignal((int)si->ssi_signo));
	notify_stopping();
	return sd_event_exit(d->event, 0);
}

int daemon_new(const char *config_path, struct daemon **ret)
{
	_cleanup_free_ struct daemon *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->config_path = strdup(config_path);
	if (!d->config_path)
		return -ENOMEM;
	r = config_load(config_path, true, &d->config);
	if (r < 0) {
		free(d->config_path);
		return r;
	}
	log_set_max_level(d->config.log_level);
	*ret = TAKE_PTR(d);
	return 0;
}

static int open_everything(struct daemon *d)
{
	struct datapath_options dp_options = {
		.pin_dir = d->config.pin_dir,
		.max_pods = d->config.max_pods,
		.max_flows = d->config.max_flows,
		.queue_fix = d->config.queue_fix,
		.pod_mark_mask = d->config.pod_interfaces ? d->config.pod_mark_mask : 0,
	};
	sigset_t mask;
	int r;

	r = sd_event_default(&d->event);
	if (r < 0)
		return log_error_errno(r, "Failed to create the event loop: %m");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r = sd_event_add_signal(d->event, NULL, SIGTERM, on_signal, d);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGINT, on_signal, d);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGHUP, on_signal, d);
	if (r < 0)
		return log_error_errno(r, "Failed to set up signal handling: %m");
	/* WATCHDOG=1 from the loop itself, so a stuck loop is caught. */
	r = notify_watchdog_start(d->event);
	if (r < 0)
		return r;

	r = netlink_open(&d->sk);
	if (r < 0)
		return log_error_errno(r, "Failed to open a netlink socket: %m");
	r = link_monitor_open(on_link_event, d, &d->links);
	if (r < 0)
		return log_error_errno(r, "Failed to subscribe to link events: %m");
	r = sd_event_add_io(d->event, NULL, link_monitor_fd(d->links), EPOLLIN, on_links_readable, d);
	if (r < 0)
		return log_error_errno(r, "Failed to watch link events: %m");

	/* Before anything is loaded or pinned: one bwmd per node state. */
	r = datapath_prepare_pin_dir(d->config.pin_dir);
	if (r < 0)
		return r;
	r = instance_lock_take(d->config.state_dir, d->config.pin_dir, &d->lock);
	if (r < 0)
		return r;
	r = datapath_open(&dp_options, &d->dp);
	if (r < 0)
		return r;
	r = bigtcp_links_new(&d->bigtcp);
	if (r >= 0)
		r = podlinks_new(&d->podlinks);
	if (r >= 0)
		r = escapes_new(&d->escapes);
	if (r < 0)
		return log_error_errno(r, "Out of memory: %m");
	r = pods_new(d->config.max_pods, &d->pods);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate the pod table: %m");
	r = pods_adopt(d->pods, d->dp);
	if (r < 0)
		return log_error_errno(r, "Failed to adopt the pinned pods: %m");
	if (r > 0)
		log_info("Adopted %d pod(s) from the pinned maps", r);

	r = sd_event_add_defer(d->event, &d->reconcile_pending, on_reconcile, d);
	if (r < 0)
		return log_error_errno(r, "Failed to set up reconciling: %m");
	sd_event_source_set_enabled(d->reconcile_pending, SD_EVENT_OFF);
	/* After every other event source: see schedule_reconcile(). */
	sd_event_source_set_priority(d->reconcile_pending, SD_EVENT_PRIORITY_IDLE);
	r = sd_event_add_time(d->event, &d->retry, CLOCK_MONOTONIC, 0, 0, on_retry, d);
	if (r >= 0)
		r = sd_event_source_set_enabled(d->retry, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_time(d->event, &d->resync, CLOCK_MONOTONIC, 0, 0, on_resync, d);
	if (r >= 0)
		r = sd_event_add_time_relative(d->event, &d->escape_check, CLOCK_MONOTONIC,
					       ESCAPE_CHECK_USEC, 0, on_escape_check, d);
	if (r >= 0)
		r = sd_event_add_time(d->event, &d->metrics_timer, CLOCK_MONOTONIC, 0, 0, on_metrics_timer, d);
	if (r >= 0)
		r = metrics_export_new(&d->metrics);
	if (r < 0)
		return log_error_errno(r, "Failed to set up reconciling: %m");
	arm_resync(d);
	arm_metrics(d);
	return 0;
}

int daemon_run(struct daemon *d)
{
	int r;

	r = open_everything(d);
	if (r < 0)
		return r;
	r = apply_uplinks(d);
	if (r < 0)
		return r;
	if (count_active_uplinks(d) == 0 && d->n_uplinks > 0 && !d->config.uplinks[0])
		return log_error_errno(ENODEV, "No uplink could be set up");
	for (size_t i = 0; i < d->n_uplinks; i++)
		if (d->uplinks[i].ifindex > 0 && !d->uplinks[i].active)
			return log_error_errno(EIO, "Uplink '%s' could not be set up; stopping",
					       d->uplinks[i].name);

	r = watch_pods_dir(d);
	if (r < 0)
		return r;
	reconcile_now(d);

	/* Programs attached, maps filled: now systemd may order others after us. */
	notify_ready();
	log_info("bwmd ready: %zu uplink(s), pods from '%s'", d->n_uplinks, d->config.pods_dir);

	r = sd_event_loop(d->event);
	if (r < 0)
		return log_error_errno(r, "Event loop failed: %m");

	if (d->config.cleanup_on_exit) {
		struct uplink_env env = uplink_env(d);

		for (size_t i = 0; i < d->n_uplinks; i++)
			uplink_teardown(&env, &d->uplinks[i]);
		podlinks_teardown_all(d->podlinks, &env);
		bigtcp_links_restore_all(d->bigtcp, d->sk, &d->config);
		d->dp = datapath_close(d->dp);
		datapath_unpin(d->config.pin_dir);
		log_info("Cleaned up: programs detached, qdiscs and BIG TCP sizes restored, pins removed");
	} else {
		log_info("Stopped; pinned programs keep enforcing until bwmd returns or 'bwmd --cleanup'");
	}
	return 0;
}

struct daemon *daemon_free(struct daemon *d)
{
	if (!d)
		return NULL;
	podwatch_free(d->podwatch);
	sd_event_source_disable_unref(d->reconcile_pending);
	sd_event_source_disable_unref(d->retry);
	sd_event_source_disable_unref(d->resync);
	sd_event_source_disable_unref(d->escape_check);
	sd_event_source_disable_unref(d->metrics_timer);
	metrics_export_free(d->metrics);
	sd_event_unref(d->event);
	pods_free(d->pods);
	bigtcp_links_free(d->bigtcp);
	podlinks_free(d->podlinks);
	escapes_free(d->escapes);
	datapath_close(d->dp);
	link_monitor_close(d->links);
	netlink_close(d->sk);
	free_uplinks(d);
	instance_lock_release(d->lock);
	config_free(&d->config);
	free(d->config_path);
	free(d);
	return NULL;
}

int daemon_cleanup(const char *config_path)
{
	struct bwm_config config;
	struct instance_lock *lock = NULL;
	struct nl_sock *sk = NULL;
	int r, r2;

	r = config_load(config_path, true, &config);
	if (r < 0)
		return r;
	/* Not under a running bwmd's feet. */
	r = datapath_prepare_pin_dir(config.pin_dir);
	if (r >= 0)
		r = instance_lock_take(config.state_dir, config.pin_dir, &lock);
	if (r >= 0) {
		r = netlink_open(&sk);
		if (r < 0)
			log_error_errno(r, "Failed to open a netlink socket: %m");
	}
	if (r < 0) {
		instance_lock_release(lock);
		config_free(&config);
		return r;
	}
	r = uplinks_cleanup_all(sk, &config);
	r2 = podlinks_cleanup_all(sk, &config);
	if (r >= 0)
		r = r2;
	bigtcp_links_restore_all(NULL, sk, &config);
	r2 = datapath_unpin(config.pin_dir);
	if (r2 < 0)
		log_error_errno(r2, "Failed to remove pins under '%s': %m", config.pin_dir);
	netlink_close(sk);
	instance_lock_release(lock);
	config_free(&config);
	return r < 0 ? r : r2;
}
