// SPDX-License-Identifier: GPL-2.0-only
#include "podwatch.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "annotations.h"
#include "log.h"
#include "util.h"

#define CHECK_INTERVAL_USEC (1000000ULL)

struct busy_file {
	char *name;
	uint64_t since_usec;   /* CLOCK_MONOTONIC */
};

struct podwatch {
	sd_event *event;
	char *dir;
	char *qdir;                  /* escaped, for messages */
	sd_event_source *inotify;    /* NULL while not watching */
	sd_event_source *timer;
	dev_t dev;                   /* what is watched */
	ino_t ino;
	bool gone_logged;
	podwatch_fn changed;
	void *userdata;
	struct busy_file *busy;
	size_t n_busy, cap_busy;
};

static uint64_t now_usec(const struct podwatch *w)
{
	uint64_t t = 0;

	sd_event_now(w->event, CLOCK_MONOTONIC, &t);
	return t;
}

static struct busy_file *find_busy(const struct podwatch *w, const char *name)
{
	for (size_t i = 0; i < w->n_busy; i++)
		if (strcmp(w->busy[i].name, name) == 0)
			return &w->busy[i];
	return NULL;
}

static void busy_add(struct podwatch *w, const char *name)
{
	struct busy_file *b = find_busy(w, name);

	if (b)
		return;   /* busy since its first write */
	if (w->n_busy == w->cap_busy) {
		size_t cap = w->cap_busy ? w->cap_busy * 2 : 8;
		struct busy_file *bigger = realloc(w->busy, cap * sizeof(*bigger));

		if (!bigger)
			return;   /* then it is read as it is: no worse than before */
		w->busy = bigger;
		w->cap_busy = cap;
	}
	w->busy[w->n_busy].name = strdup(name);
	if (!w->busy[w->n_busy].name)
		return;
	w->busy[w->n_busy++].since_usec = now_usec(w);
}

static void busy_remove_at(struct podwatch *w, size_t i)
{
	free(w->busy[i].name);
	w->busy[i] = w->busy[--w->n_busy];
}

static void busy_remove(struct podwatch *w, const char *name)
{
	struct busy_file *b = find_busy(w, name);

	if (b)
		busy_remove_at(w, (size_t)(b - w->busy));
}

/* Drops busy files past PODWATCH_BUSY_MAX_USEC; true if any. */
static bool busy_expire(struct podwatch *w)
{
	uint64_t now = now_usec(w);
	bool expired = false;

	for (size_t i = 0; i < w->n_busy;) {
		if (now - w->busy[i].since_usec >= PODWATCH_BUSY_MAX_USEC) {
			busy_remove_at(w, i);
			expired = true;
		} else {
			i++;
		}
	}
	return expired;
}

bool podwatch_busy(const char *name, void *userdata)
{
	const struct podwatch *w = userdata;

	return w && find_busy(w, name) != NULL;
}

static void disarm(struct podwatch *w)
{
	w->inotify = sd_event_source_disable_unref(w->inotify);
}

static int on_event(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
	struct podwatch *w = userdata;

	if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
		log_warning("Pods directory '%s' was removed, moved or unmounted; watching the path "
			    "for a directory to come back, enforcement unchanged meanwhile", w->qdir);
		disarm(w);
		w->changed(w->userdata);
		return 0;
	}
	if (ev->len && (ev->mask & IN_MODIFY)) {
		/* More follows; IN_CLOSE_WRITE says when it is whole. */
		busy_add(w, ev->name);
		return 0;
	}
	if (ev->len && (ev->mask & (IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)))
		busy_remove(w, ev->name);
	/* Anything else, IN_Q_OVERFLOW too: the reconcile reads everything. */
	w->changed(w->userdata);
	return 0;
}

/* Watches the directory at the path now, if there is one; tells the owner
 * unless this is the first watch (it reads the directory anyway). */
static void arm(struct podwatch *w, bool tell)
{
	const uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE |
			      IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
	struct stat st;
	int r;

	if (stat(w->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (!w->gone_logged)
			log_warning("Pods directory '%s' does not exist; enforcement unchanged until it does",
				    w->qdir);
		w->gone_logged = true;
		return;
	}
	r = sd_event_add_inotify(w->event, &w->inotify, w->dir, mask, on_event, w);
	if (r < 0) {
		if (!w->gone_logged)
			log_warning_errno(r, "Failed to watch pods directory '%s': %m; trying again", w->qdir);
		w->gone_logged = true;
		return;
	}
	if (w->gone_logged)
		log_info("Watching pods directory '%s' again", w->qdir);
	w->gone_logged = false;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	/* Its files may differ from what was there before. */
	if (tell)
		w->changed(w->userdata);
}

static void watch_again(struct podwatch *w)
{
	log_warning("Pods directory '%s' is another directory now (replaced, mounted over or "
		    "unmounted); watching that one", w->qdir);
	disarm(w);
	arm(w, true);
}

/* Once a second: the path still leads to the directory watched (a mount
 * over it, or a rename into place, changes that silently), and busy files
 * past their time are read. */
static int on_check(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct podwatch *w = userdata;
	struct stat st;

	if (!w->inotify)
		arm(w, true);
	else if (stat(w->dir, &st) < 0 || st.st_dev != w->dev || st.st_ino != w->ino)
		watch_again(w);
	if (busy_expire(w))
		w->changed(w->userdata);
	sd_event_source_set_time_relative(s, CHECK_INTERVAL_USEC);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* Without this, a scan that read a mount over the path before the check saw
 * it leaves the maps with that mount's pods once it is unmounted: the watch
 * never left the directory underneath, which did not change. */
void podwatch_scanned(struct podwatch *w, dev_t dev, ino_t ino)
{
	if (!w || !w->inotify || (dev == 0 && ino == 0) || (dev == w->dev && ino == w->ino))
		return;
	watch_again(w);
}

int podwatch_new(sd_event *event, const char *dir, podwatch_fn changed, void *userdata,
		 struct podwatch **ret)
{
	struct podwatch *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->event = sd_event_ref(event);
	w->changed = changed;
	w->userdata = userdata;
	w->dir = strdup(dir);
	w->qdir = annotation_escape(dir, PATH_MAX);
	if (!w->dir || !w->qdir) {
		podwatch_free(w);
		return -ENOMEM;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		log_warning_errno(errno, "Failed to create pods directory '%s': %m", w->qdir);
	r = sd_event_add_time_relative(event, &w->timer, CLOCK_MONOTONIC, CHECK_INTERVAL_USEC, 0,
				       on_check, w);
	if (r < 0) {
		podwatch_free(w);
		return log_error_errno(r, "Failed to set up the pods directory check: %m");
	}
	arm(w, false);
	*ret = w;
	return 0;
}

struct podwatch *podwatch_free(struct podwatch *w)
{
	if (!w)
		return NULL;
	disarm(w);
	sd_event_source_disable_unref(w->timer);
	sd_event_unref(w->event);
	for (size_t i = 0; i < w->n_busy; i++)
		free(w->busy[i].name);
	free(w->busy);
	free(w->dir);
	free(w->qdir);
	free(w);
	return NULL;
}
