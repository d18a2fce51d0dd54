// SPDX-License-Identifier: GPL-2.0-only
/* bwmd: the bwm daemon. A thin main over daemon.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bwmd [OPTIONS]\n"
		"Per-pod EDT bandwidth limits under fq, the veth TX queue fix and BIG TCP.\n\n"
		"  -c, --config PATH  configuration file (default " BWM_CONFIG_PATH_DEFAULT ")\n"
		"      --cleanup      detach from all uplinks, restore their qdiscs, remove pins\n"
		"  -v, --verbose      log at debug level\n"
		"  -h, --help         show this help\n"
		"      --version      show the version\n");
}

int main(int argc, char **argv)
{
	enum { OPT_CLEANUP = 0x100, OPT_VERSION };
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "cleanup", no_argument, NULL, OPT_CLEANUP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{}
	};
	const char *config_path = BWM_CONFIG_PATH_DEFAULT;
	struct daemon *d = NULL;
	bool cleanup = false, verbose = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:vh", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case OPT_CLEANUP:
			cleanup = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case OPT_VERSION:
			printf("bwmd %s\n", BWM_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind < argc) {
		log_error("Unexpected argument '%s'", argv[optind]);
		return EXIT_FAILURE;
	}

	log_setup_libbpf();
	if (verbose)
		log_set_max_level(LOG_DEBUG);
	if (cleanup)
		return daemon_cleanup(config_path) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	r = daemon_new(config_path, &d);
	if (r >= 0) {
		if (verbose)
			log_set_max_level(LOG_DEBUG);
		r = daemon_run(d);
	}
	daemon_free(d);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
