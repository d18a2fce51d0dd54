// SPDX-License-Identifier: GPL-2.0-only
/* bwmctl: shows what bwm enforces, from the pinned maps (bwmd need not run). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bigtcp_links.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "metrics_export.h"
#include "netlink.h"
#include "podstats.h"
#include "util.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bwmctl [OPTIONS] status [POD]\n"
		"       bwmctl [OPTIONS] links\n"
		"       bwmctl [OPTIONS] metrics\n"
		"status:  each pod's limit, achieved rate, packets, drops, ECN marks, queue delay.\n"
		"links:   the BIG TCP sizes of the links bwm manages, and theirs before bwm.\n"
		"metrics: bwm's Prometheus metrics, as bwmd writes them for node_exporter.\n\n"
		"  -c, --config PATH      configuration file (default " BWM_CONFIG_PATH_DEFAULT ")\n"
		"  -p, --pin-dir DIR      pinned maps directory (default: from the configuration)\n"
		"  -i, --interval SECONDS sampling interval for the achieved rate (default 1; 0: none)\n"
		"  -j, --json             JSON output\n"
		"  -h, --help             show this help\n"
		"      --version          show the version\n");
}

/* A mistake on the command line: what was wrong, and where help is. */
static int usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "bwmctl: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nSee 'bwmctl --help'.\n");
	return EXIT_FAILURE;
}

/* Seconds, 0..3600; strtod alone takes "", "nan" and "inf". */
static int parse_interval(const char *text, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || *end || errno || !isfinite(v) || v < 0 || v > 3600)
		return -EINVAL;
	*ret = v;
	return 0;
}

static void sleep_seconds(double seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds,
			       .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int status(const char *pin_dir, const char *only, double interval, bool json)
{
	struct pinned_maps *maps = NULL;
	struct pod_stats_snapshot before = {}, now = {};
	char why[256] = "";
	size_t shown;
	int r;

	r = pinned_maps_open(pin_dir, &maps, why, sizeof(why));
	if (r == -EPROTO)
		return log_error_errno(r, "The maps under '%s' are not this bwmctl's: %s (a bwmctl of "
				       "the bwmd version that pinned them reads them)", pin_dir, why);
	if (r == -ENOENT)
		return log_error_errno(r, "No bwm maps pinned under '%s': bwmd has not run on this "
				       "node, or 'bwmd --cleanup' removed them", pin_dir);
	if (r == -EPERM || r == -EACCES)
		return log_error_errno(r, "Cannot read the maps under '%s': %m (run as root, or with "
				       "CAP_BPF)", pin_dir);
	if (r < 0)
		return log_error_errno(r, "Cannot open the maps under '%s': %m", pin_dir);

	if (interval > 0) {
		r = pod_stats_take(maps, &before);
		if (r < 0)
			goto out;
		sleep_seconds(interval);
	}
	r = pod_stats_take(maps, &now);
	if (r < 0)
		goto out;
	if (interval > 0)
		pod_stats_rates(&now, &before);

	shown = json ? pod_stats_print_json(stdout, &now, only) :
		       pod_stats_print_table(stdout, &now, only);
	if (only && shown == 0)
		r = log_error_errno(ENOENT, "No pod '%s' is enforced", only);
out:
	if (r < 0 && r != -ENOENT)
		log_error_errno(r, "Failed to read the maps: %m");
	pod_stats_free(&before);
	pod_stats_free(&now);
	pinned_maps_close(maps);
	return r;
}

static int links(const struct bwm_config *config, bool json)
{
	struct nl_sock *sk = NULL;
	int r;

	r = netlink_open(&sk);
	if (r < 0)
		return log_error_errno(r, "Failed to open a netlink socket: %m");
	r = bigtcp_links_print(stdout, sk, config, json);
	if (r < 0)
		log_error_errno(r, "Failed to read '%s': %m", config->state_dir);
	else if (r == 0 && !json)
		fprintf(stderr, "bwmctl: bwm manages no link's BIG TCP sizes (no records under "
			"'%s/bigtcp'): [bigtcp] is off, the kernel lacks BIG TCP, or bwmd has not run\n",
			config->state_dir);
	netlink_close(sk);
	return r;
}

/* bwmd's own part as it last wrote it, then the pods' from the maps. */
static int metrics(const struct bwm_config *config)
{
	char path[PATH_MAX];
	_cleanup_free_ char *node = NULL;
	size_t size = 0;
	char why[256];
	int r;

	snprintf(path, sizeof(path), "%s/" METRICS_NODE_FILE, config->state_dir);
	r = file_read_all(AT_FDCWD, path, 1 << 20, &node, &size);
	if (r < 0)
		printf("# bwmd's own metrics are missing (%s: %s): bwmd has not run\n", path,
		       strerror(-r));
	else
		fwrite(node, 1, size, stdout);
	r = metrics_render_pinned_pods(stdout, config->pin_dir, config->max_pods, why, sizeof(why));
	if (r == -EPROTO)
		return log_error_errno(r, "The maps under '%s' are not this bwmctl's: %s", config->pin_dir,
				       why);
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "Cannot read the maps under '%s': %m", config->pin_dir);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 0x100 };
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{}
	};
	const char *config_path = BWM_CONFIG_PATH_DEFAULT, *pin_dir = NULL, *only = NULL;
	bool config_given = false;
	struct bwm_config config;
	double interval = 1;
	bool json = false;
	const char *command;
	int c, r;

	log_set_prefix(false);
	while ((c = getopt_long(argc, argv, "c:p:i:jh", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			config_path = optarg;
			config_given = true;
			break;
		case 'p':
			pin_dir = optarg;
			break;
		case 'i':
			if (parse_interval(optarg, &interval) < 0)
				return usage_error("--interval \"%s\": expected seconds, 0..3600", optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case OPT_VERSION:
			printf("bwmctl %s\n", BWM_VERSION);
			return EXIT_SUCCESS;
		default:
			/* getopt has said what was wrong. */
			fprintf(stderr, "See 'bwmctl --help'.\n");
			return EXIT_FAILURE;
		}
	}
	if (optind >= argc)
		return usage_error("no command given%s", "");
	command = argv[optind];
	if (strcmp(command, "status") != 0 && strcmp(command, "links") != 0 &&
	    strcmp(command, "metrics") != 0)
		return usage_error("unknown command \"%s\"", command);
	if (optind + 1 < argc)
		only = argv[optind + 1];
	if (optind + 2 < argc || (only && strcmp(command, "status") != 0))
		return usage_error("unexpected argument \"%s\"", argv[argc - 1]);

	log_set_max_level(LOG_WARNING);
	/* The default file may be missing (every key has a default); a file
	 * named on the command line must be there. */
	r = config_load(config_path, !config_given, &config);
	if (r < 0)
		return EXIT_FAILURE;
	if (strcmp(command, "links") == 0)
		r = links(&config, json);
	else if (strcmp(command, "metrics") == 0)
		r = metrics(&config);
	else
		r = status(pin_dir ? pin_dir : config.pin_dir, only, interval, json);
	config_free(&config);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
