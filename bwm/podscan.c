// SPDX-License-Identifier: GPL-2.0-only
#include "podscan.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The pod names in d, sorted. */
static int list_pod_names(DIR *d, char ***ret_names, size_t *ret_n)
{
	_cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
	size_t n = 0, cap = 1;
	struct dirent *de;

	if (!names)
		return -ENOMEM;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				return -errno;
			break;
		}
		if (!podspec_is_pod_name(de->d_name))
			continue;
		if (n + 1 >= cap) {
			char **bigger = realloc(names, cap * 2 * sizeof(char *));

			if (!bigger)
				return -ENOMEM;
			names = bigger;
			cap *= 2;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			return -ENOMEM;
		names[++n] = NULL;
	}
	qsort(names, n, sizeof(char *), compare_names);
	*ret_names = TAKE_PTR(names);
	*ret_n = n;
	return 0;
}

struct collector {
	struct pod_file *file;
	const char *dir;
};

static void collect_problem(const struct bwm_annotation_problem *pr, void *userdata)
{
	struct collector *c = userdata;
	struct pod_file *f = c->file;
	char path[PATH_MAX];

	if (f->n_problems == PODSCAN_MAX_PROBLEMS) {
		f->n_more_problems++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", c->dir, f->name);
	/* Values and names are escaped there: a pod file cannot forge log
	 * lines or terminal escapes. A line lost to ENOMEM is counted. */
	f->problems[f->n_problems] = annotation_problem_format(path, pr);
	if (f->problems[f->n_problems])
		f->n_problems++;
	else
		f->n_more_problems++;
}

static void file_clear(struct pod_file *f)
{
	free(f->name);
	podspec_free(&f->spec);
	for (size_t i = 0; i < f->n_problems; i++)
		free(f->problems[i]);
	*f = (struct pod_file) {};
}

/* Reads one file into f (whose name is set). Returns 1 if it is to be in
 * the scan, 0 if it went away, -ENOMEM. */
static int read_one(DIR *d, const char *dir, struct pod_file *f, podscan_busy_fn busy, void *userdata)
{
	struct collector c = { .file = f, .dir = dir };
	int r;

	if (busy && busy(f->name, userdata)) {
		f->state = PLAN_FILE_UNREADABLE;
		f->error = EINPROGRESS;
		return 1;
	}
	r = podspec_load_file(dirfd(d), f->name, collect_problem, &c, &f->spec);
	switch (r) {
	case -ENOENT:
		return 0;
	case -ENOMEM:
		return r;
	case -EPERM:
	case -EFBIG:
	case -EXDEV:
	case -EINVAL:
		/* Refusals, reported through collect_problem. */
		f->state = PLAN_FILE_REFUSED;
		f->error = -r;
		return 1;
	default:
		if (r < 0) {
			f->state = PLAN_FILE_UNREADABLE;
			f->error = -r;
		} else {
			f->state = PLAN_FILE_READ;
		}
		return 1;
	}
}

int podscan_read(const char *dir, podscan_busy_fn busy, void *userdata, struct pod_scan *ret)
{
	char **names = NULL;
	struct pod_scan scan = {};
	size_t n = 0, i = 0;
	struct stat st;
	DIR *d;
	int r;

	d = opendir(dir);
	if (!d)
		return -errno;
	if (fstat(dirfd(d), &st) == 0) {
		scan.dir_dev = st.st_dev;
		scan.dir_ino = st.st_ino;
	}
	r = list_pod_names(d, &names, &n);
	if (r >= 0) {
		scan.files = calloc(n ? n : 1, sizeof(*scan.files));
		if (!scan.files)
			r = -ENOMEM;
	}
	for (; r >= 0 && i < n; i++) {
		struct pod_file *f = &scan.files[scan.n_files];

		f->name = names[i];   /* the file owns it now */
		r = read_one(d, dir, f, busy, userdata);
		if (r > 0)
			scan.n_files++;
		else
			file_clear(f);
	}
	/* Names not reached (an error stopped the loop), then the array. */
	for (; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	if (r < 0) {
		podscan_free(&scan);
		return r;
	}
	*ret = scan;
	return 0;
}

void podscan_free(struct pod_scan *scan)
{
	if (!scan)
		return;
	for (size_t i = 0; i < scan->n_files; i++)
		file_clear(&scan->files[i]);
	free(scan->files);
	*scan = (struct pod_scan) {};
}
