/* SPDX-License-Identifier: ISC */
/*
 * oncall.c: the people file and every rota of rota_dir, as in force in
 * the daemon.  Each rota file is loaded and validated on its own (syntax,
 * unknown people, contradictory overrides), then with the others
 * (backups) for coverage and fatigue over the next 90 days, as pagerd -t
 * does; a file that fails keeps the previous version of its rota in
 * force (see oncall.h for coverage errors), a deleted file removes its
 * rota.  A people file that fails rejects the whole load, since no rota
 * could then be checked.  rota_dir is watched with inotify: changes are
 * debounced (editors write a file in several steps) and then reloaded.
 */
#include <sys/inotify.h>

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "conf.h"
#include "duration.h"
#include "log.h"
#include "oncall.h"
#include "people.h"
#include "rota.h"
#include "xmalloc.h"

#define ONCALL_MAX_FILES 10000
#define ONCALL_MAX_FILE_SIZE (4 * 1024 * 1024) /* a rota file, bytes */
#define ONCALL_DEBOUNCE_MS 200
#define ONCALL_REWATCH_MS 1000 /* retry while rota_dir is missing */
#define ONCALL_INDEX_MS DURATION_HOUR /* look at rota indexes this often */
#define ONCALL_WATCH_MASK (IN_CREATE | IN_DELETE | IN_MODIFY | \
    IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | \
    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

struct oncall {
	struct people *people;
	struct rota_set *rotas;
	char *people_path; /* copies of the conf's paths */
	char *rota_dir;
	struct oncall_status *status; /* one per rota file, in name order */
	size_t nstatus;

	oncall_change_cb cb;
	void *cbarg;

	struct event_base *base;
	int ifd; /* inotify, or -1 */
	int wd;  /* watch on rota_dir, or -1 */
	int warned; /* the missing folder was logged */
	struct event iev;
	struct event debounce;
	struct event index; /* armed once base is set */
};

static void oncall_inotify_cb(evutil_socket_t, short, void *);
static void oncall_debounce_cb(evutil_socket_t, short, void *);
static void oncall_index_cb(evutil_socket_t, short, void *);

static void
oncall_status_clear(struct oncall_status *st)
{
	free(st->file);
	free(st->name);
	free(st->error);
	xfree_strings(st->warnings, st->nwarnings);
	xfree_strings(st->errors, st->nerrors);
	free(st->text);
	memset(st, 0, sizeof *st);
}

static void
oncall_status_free(struct oncall_status *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		oncall_status_clear(&list[i]);
	free(list);
}

static int
oncall_cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The rota files of dir ("*.conf", not hidden), sorted, as a new array
 * of new strings; NULL (with errno) if dir cannot be read.
 */
char **
oncall_list_dir(const char *dir, size_t *np)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, len;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL && n < ONCALL_MAX_FILES) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 ||
		    strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		xasprintf(&names[n++], "%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, oncall_cmp_name);
	else
		names = xcalloc(1, sizeof *names);
	*np = n;
	return names;
}

static const struct oncall_status *
oncall_status_by_file(const struct oncall_status *list, size_t n,
    const char *file)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(list[i].file, file) == 0)
			return &list[i];
	}
	return NULL;
}

/* Move every finding of from to the end of to; from is left empty. */
static void
oncall_findings_move(struct rota_findings *to, struct rota_findings *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		rota_findings_add(to, from->list[i].file, from->list[i].line,
		    from->list[i].severity, "%s", from->list[i].message);
	rota_findings_free(from);
}

/* Add finding x to st's warnings, or to its errors. */
static void
oncall_status_add(struct oncall_status *st, const struct rota_finding *x)
{
	if (x->severity == ROTA_ERROR) {
		st->errors = xreallocarray(st->errors, st->nerrors + 1,
		    sizeof *st->errors);
		st->errors[st->nerrors++] = rota_finding_format(x);
		return;
	}
	st->warnings = xreallocarray(st->warnings, st->nwarnings + 1,
	    sizeof *st->warnings);
	st->warnings[st->nwarnings++] = rota_finding_format(x);
}

/* The whole file at path, or NULL (a finding in f). */
static char *
oncall_read_file(const char *path, struct rota_findings *f)
{
	char *text = NULL;
	size_t len = 0, n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		rota_findings_add(f, path, 0, ROTA_ERROR, "%s", strerror(errno));
		return NULL;
	}
	text = xmalloc(ONCALL_MAX_FILE_SIZE + 1);
	while ((n = fread(text + len, 1, ONCALL_MAX_FILE_SIZE + 1 - len,
	    fp)) > 0 && len + n <= ONCALL_MAX_FILE_SIZE)
		len += n;
	if (ferror(fp) || n > 0) {
		if (n > 0)
			rota_findings_add(f, path, 0, ROTA_ERROR, "larger than"
			    " %d bytes", ONCALL_MAX_FILE_SIZE);
		else
			rota_findings_add(f, path, 0, ROTA_ERROR, "%s",
			    strerror(errno));
		fclose(fp);
		free(text);
		return NULL;
	}
	fclose(fp);
	text[len] = '\0';
	return xreallocarray(text, len + 1, 1);
}

/*
 * Load one rota file and validate it on its own: a rota with an error
 * finding is refused.  Returns the rota (and the file's text in *textp)
 * or NULL; findings go to f.
 */
static struct rota *
oncall_load_file(const char *path, const struct people *pp,
    const struct rota_set *set, struct rota_findings *f, char **textp)
{
	struct rota *r, *other;
	size_t before = f->nerrors;
	char *text;

	*textp = NULL;
	if ((text = oncall_read_file(path, f)) == NULL)
		return NULL;
	if ((r = rota_parse_findings(text, path, f)) == NULL) {
		free(text);
		return NULL;
	}
	rota_check(r, pp, 0, 0, f); /* names and overrides only */
	if ((other = rota_set_find(set, r->name)) != NULL)
		rota_findings_add(f, path, 1, ROTA_ERROR, "rota \"%s\" is"
		    " already defined in %s", r->name, other->file);
	if (f->nerrors != before) {
		rota_free(r);
		free(text);
		return NULL;
	}
	*textp = text;
	return r;
}

/*
 * The previous version of file's rota, taken out of old (the set in
 * force) if it is there and its name is free in set; else NULL.
 */
static struct rota *
oncall_take_previous(struct rota_set *old, const struct oncall_status *prev,
    const char *file, const struct rota_set *set)
{
	struct rota *kept;

	if (prev == NULL || prev->name == NULL || old == NULL ||
	    (kept = rota_set_find(old, prev->name)) == NULL ||
	    strcmp(kept->file, file) != 0 ||
	    rota_set_find(set, kept->name) != NULL)
		return NULL;
	return rota_set_remove(old, prev->name);
}

/* st keeps the previous version kept (from prev): stale. */
static void
oncall_keep_previous(struct oncall_status *st, struct rota_set *set,
    struct rota *kept, const struct oncall_status *prev)
{
	st->name = xstrdup(kept->name);
	st->state = ONCALL_STALE;
	st->loaded_ms = prev->loaded_ms;
	st->text = prev->text != NULL ? xstrdup(prev->text) : NULL;
	if (rota_set_add(set, kept, NULL) != 0)
		fatalx("%s: rota_set_add", __func__);
}

/*
 * Findings about the rota in force from st (its backup, coverage,
 * fatigue): all kept with st, errors logged one by one, warnings (a rota
 * leaning on its backup at night has dozens, at every reload) counted.
 */
static void
oncall_findings_report(struct oncall_status *st, struct rota_findings *f,
    struct rota_findings *report)
{
	size_t j, nwarn = 0;

	for (j = 0; j < f->n; j++) {
		oncall_status_add(st, &f->list[j]);
		if (f->list[j].severity == ROTA_ERROR)
			rota_findings_add(report, f->list[j].file,
			    f->list[j].line, ROTA_ERROR, "%s",
			    f->list[j].message);
		else
			nwarn++;
	}
	if (nwarn > 0)
		rota_findings_add(report, st->file, 0, ROTA_WARNING, "%zu"
		    " warning%s over the next %d days (GET /api/v1/rotas,"
		    " pagerd -t)", nwarn, nwarn == 1 ? "" : "s", CHECK_DAYS);
	rota_findings_free(f);
}

/* The first error of f (or a general one) is st's error. */
static void
oncall_status_error(struct oncall_status *st, const struct rota_findings *f)
{
	size_t j;

	free(st->error);
	st->error = NULL;
	for (j = 0; j < f->n; j++) {
		if (f->list[j].severity == ROTA_ERROR) {
			st->error = rota_finding_format(&f->list[j]);
			break;
		}
	}
	if (st->error == NULL)
		xasprintf(&st->error, "%s: cannot load", st->file);
}

/*
 * Index each rota of set that needs it (all of them after a load), so
 * that who is on call costs a binary search (rota-index.c).
 */
static void
oncall_index(struct rota_set *set, int64_t now)
{
	struct rota_index_stats st;
	size_t i, n = 0, bytes = 0;

	if (rota_set_index(set, now) == 0)
		return;
	for (i = 0; i < set->n; i++) {
		if (rota_index_stats(set->list[i], &st) == 0) {
			n++;
			bytes += st.bytes;
		}
	}
	log_debug("rotas: %zu of %zu indexed, %zu bytes", n, set->n, bytes);
}

/*
 * Build the rota set of dir.  old (may be NULL) is the set in force and
 * ostatus its status: when a file fails, its previous rota is taken out
 * of old into the new set.  Every finding goes to report.
 */
static int
oncall_build(const char *dir, const struct people *pp, struct rota_set *old,
    const struct oncall_status *ostatus, size_t nostatus, int64_t now,
    struct rota_set **setp, struct oncall_status **stp, size_t *nstp,
    struct rota_findings *report)
{
	struct rota_findings f = { NULL, 0, 0 }, lf = { NULL, 0, 0 };
	const struct oncall_status *prev;
	struct oncall_status *status, *st;
	struct rota_set *set;
	struct rota *r, *kept;
	char **files, *reject;
	size_t n, i, j;
	int relink;

	if ((files = oncall_list_dir(dir, &n)) == NULL) {
		rota_findings_add(report, dir, 0, ROTA_ERROR, "cannot read"
		    " the rota folder: %s", strerror(errno));
		return -1;
	}
	set = rota_set_new();
	status = xcalloc(n + 1, sizeof *status);
	for (i = 0; i < n; i++) {
		st = &status[i];
		st->file = files[i];
		st->checked_ms = now;
		r = oncall_load_file(files[i], pp, set, &f, &st->text);
		if (r != NULL) {
			st->name = xstrdup(r->name);
			st->state = ONCALL_OK;
			st->loaded_ms = now;
			if (rota_set_add(set, r, NULL) != 0)
				fatalx("%s: rota_set_add", __func__);
			oncall_findings_move(report, &f);
			continue;
		}
		oncall_status_error(st, &f);
		oncall_findings_move(report, &f);

		/* Keep the previous version of this file's rota. */
		prev = oncall_status_by_file(ostatus, nostatus, files[i]);
		if ((kept = oncall_take_previous(old, prev, files[i], set)) !=
		    NULL)
			oncall_keep_previous(st, set, kept, prev);
		else
			st->state = ONCALL_FAILED;
	}
	free(files); /* the names now belong to status */

	/*
	 * With backups linked: coverage and fatigue over the coming weeks,
	 * like pagerd -t.  An edit that brings errors into a rota that had
	 * none is refused (its previous version is put back below); other
	 * errors are listed with the rota, which stays in force.
	 */
	rota_set_link(set, &lf);
	reject = xcalloc(n + 1, sizeof *reject);
	for (i = 0; i < n; i++) {
		st = &status[i];
		if (st->name == NULL)
			continue;
		for (j = 0; j < lf.n; j++) {
			if (strcmp(lf.list[j].file, st->file) == 0)
				rota_findings_add(&f, lf.list[j].file,
				    lf.list[j].line, lf.list[j].severity, "%s",
				    lf.list[j].message);
		}
		r = rota_set_find(set, st->name);
		rota_check(r, NULL, now, now + CHECK_DAYS * DURATION_DAY, &f);
		prev = oncall_status_by_file(ostatus, nostatus, st->file);
		if (st->state == ONCALL_OK && f.nerrors > 0 && prev != NULL &&
		    prev->name != NULL && prev->nerrors == 0 &&
		    prev->text != NULL && st->text != NULL &&
		    strcmp(prev->text, st->text) != 0 &&
		    old != NULL && rota_set_find(old, prev->name) != NULL) {
			reject[i] = 1;
			oncall_status_error(st, &f);
			for (j = 0; j < f.n; j++)
				oncall_status_add(st, &f.list[j]);
			oncall_findings_move(report, &f);
			continue;
		}
		oncall_findings_report(st, &f, report);
	}
	rota_findings_free(&lf);
	for (i = 0, relink = 0; i < n; i++) {
		if (!reject[i])
			continue;
		st = &status[i];
		prev = oncall_status_by_file(ostatus, nostatus, st->file);
		r = rota_set_remove(set, st->name);
		if ((kept = oncall_take_previous(old, prev, st->file, set)) ==
		    NULL) {
			/* No previous version after all: better this one,
			 * gaps and all, than no rota. */
			if (rota_set_add(set, r, NULL) != 0)
				fatalx("%s: rota_set_add", __func__);
			free(st->error);
			st->error = NULL;
			continue;
		}
		rota_free(r);
		free(st->name);
		st->name = NULL;
		free(st->text);
		st->text = NULL;
		/* what was found is about the refused version */
		xfree_strings(st->errors, st->nerrors);
		xfree_strings(st->warnings, st->nwarnings);
		st->errors = st->warnings = NULL;
		st->nerrors = st->nwarnings = 0;
		oncall_keep_previous(st, set, kept, prev);
		relink = 1;
	}
	free(reject);
	if (relink) {
		/* Backups may name a rota that was put back. */
		rota_set_link(set, &f);
		rota_findings_free(&f);
	}
	oncall_index(set, now);
	*setp = set;
	*stp = status;
	*nstp = n;
	return 0;
}

/* Log findings: errors as warnings, the rest as information. */
void
oncall_log_findings(const struct rota_findings *f)
{
	char *line;
	size_t i;

	for (i = 0; i < f->n; i++) {
		line = rota_finding_format(&f->list[i]);
		if (f->list[i].severity == ROTA_ERROR)
			log_warnx("%s", line);
		else
			log_info("%s", line);
		free(line);
	}
}

/*
 * Load people and rotas for c.  Findings go to f; NULL with *cause if
 * the people file or the rota folder cannot be read.
 */
struct oncall *
oncall_load(const struct conf *c, struct rota_findings *f, char **cause)
{
	struct oncall *o = xcalloc(1, sizeof *o);
	char *why;

	o->ifd = o->wd = -1;
	if (c->people != NULL &&
	    (o->people = people_load(c->people, &why)) == NULL) {
		xasprintf(cause, "%s", why);
		free(why);
		free(o);
		return NULL;
	}
	o->people_path = c->people != NULL ? xstrdup(c->people) : NULL;
	o->rota_dir = c->rota_dir != NULL ? xstrdup(c->rota_dir) : NULL;
	if (o->rota_dir == NULL)
		o->rotas = rota_set_new();
	else if (oncall_build(o->rota_dir, o->people, NULL, NULL, 0,
	    clock_now_ms(), &o->rotas, &o->status, &o->nstatus, f) != 0) {
		xasprintf(cause, "%s: cannot read the rota folder",
		    c->rota_dir);
		oncall_free(o);
		return NULL;
	}
	return o;
}

/* Put people and rotas in force, tell the owner, then free the old. */
static void
oncall_swap(struct oncall *o, struct people *pp, struct rota_set *set,
    struct oncall_status *status, size_t nstatus)
{
	struct people *oldpp = o->people;
	struct rota_set *oldset = o->rotas;
	struct oncall_status *oldst = o->status;
	size_t oldn = o->nstatus, i, ok = 0, bad = 0;

	o->people = pp;
	o->rotas = set;
	o->status = status;
	o->nstatus = nstatus;
	for (i = 0; i < nstatus; i++) {
		if (status[i].state == ONCALL_OK)
			ok++;
		else
			bad++;
	}
	for (i = 0; i < oldn; i++) {
		if (oldst[i].name != NULL &&
		    oncall_status_by_file(status, nstatus, oldst[i].file) ==
		    NULL)
			log_info("rota %s: %s is gone, rota removed",
			    oldst[i].name, oldst[i].file);
	}
	log_info("rotas: %zu in force, %zu loaded, %zu refused", set->n, ok,
	    bad);
	if (o->cb != NULL)
		o->cb(o, o->cbarg);
	if (oldpp != pp)
		people_free(oldpp);
	rota_set_free(oldset);
	oncall_status_free(oldst, oldn);
}

/* Rebuild the rotas against the people in force. */
static int
oncall_rebuild(struct oncall *o, struct people *pp)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct oncall_status *status = NULL;
	struct rota_set *set;
	size_t n = 0;
	int rc;

	if (o->rota_dir == NULL) {
		set = rota_set_new();
		rc = 0;
	} else
		rc = oncall_build(o->rota_dir, pp, o->rotas, o->status,
		    o->nstatus, clock_now_ms(), &set, &status, &n, &f);
	oncall_log_findings(&f);
	rota_findings_free(&f);
	if (rc != 0)
		return -1;
	oncall_swap(o, pp, set, status, n);
	return 0;
}

static void oncall_rewatch(struct oncall *);

/*
 * SIGHUP: load the people file and the rotas of c again.  Fails, and
 * changes nothing, if the people file or the rota folder cannot be read;
 * a broken rota file keeps its previous version.  Paths are copied.
 */
int
oncall_reload(struct oncall *o, const struct conf *c, char **cause)
{
	struct people *pp = NULL;
	char *why, *olddir = o->rota_dir, *oldpeople = o->people_path;
	int dirchanged;

	if (c->people != NULL && (pp = people_load(c->people, &why)) == NULL) {
		xasprintf(cause, "%s", why);
		free(why);
		return -1;
	}
	dirchanged = (olddir == NULL) != (c->rota_dir == NULL) ||
	    (olddir != NULL && strcmp(olddir, c->rota_dir) != 0);
	o->rota_dir = c->rota_dir != NULL ? xstrdup(c->rota_dir) : NULL;
	o->people_path = c->people != NULL ? xstrdup(c->people) : NULL;
	if (oncall_rebuild(o, pp) != 0) {
		free(o->rota_dir);
		free(o->people_path);
		o->rota_dir = olddir;
		o->people_path = oldpeople;
		people_free(pp);
		xasprintf(cause, "%s: cannot read the rota folder",
		    c->rota_dir);
		return -1;
	}
	free(olddir);
	free(oldpeople);
	if (dirchanged && o->ifd != -1)
		oncall_rewatch(o);
	return 0;
}

/* rota_dir changed on disk: reload the rotas, keeping the people. */
void
oncall_reload_rotas(struct oncall *o)
{
	log_info("reloading rotas from %s", o->rota_dir != NULL ?
	    o->rota_dir : "(none)");
	if (oncall_rebuild(o, o->people) != 0)
		log_warnx("rotas: %s cannot be read, keeping the rotas in"
		    " force", o->rota_dir);
}

void
oncall_free(struct oncall *o)
{
	if (o == NULL)
		return;
	if (o->base != NULL)
		event_del(&o->index);
	if (o->ifd != -1) {
		event_del(&o->iev);
		event_del(&o->debounce);
		close(o->ifd);
	}
	people_free(o->people);
	rota_set_free(o->rotas);
	oncall_status_free(o->status, o->nstatus);
	free(o->people_path);
	free(o->rota_dir);
	free(o);
}

void
oncall_set_change_cb(struct oncall *o, oncall_change_cb cb, void *arg)
{
	o->cb = cb;
	o->cbarg = arg;
}

static void
oncall_arm(struct oncall *o, int64_t ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&o->debounce, &tv); /* re-adding restarts the wait */
}

/* Drop the watch (if any) and watch o->rota_dir again. */
static void
oncall_rewatch(struct oncall *o)
{
	if (o->wd != -1)
		inotify_rm_watch(o->ifd, o->wd);
	o->wd = -1;
	if (o->rota_dir == NULL)
		return;
	if ((o->wd = inotify_add_watch(o->ifd, o->rota_dir,
	    ONCALL_WATCH_MASK)) == -1) {
		if (!o->warned)
			log_warn("rotas: cannot watch %s, trying again",
			    o->rota_dir);
		o->warned = 1;
		oncall_arm(o, ONCALL_REWATCH_MS);
		return;
	}
	if (o->warned)
		log_info("rotas: watching %s again", o->rota_dir);
	o->warned = 0;
}

/*
 * Watch rota_dir on base, and keep the rotas' indexes ahead of the
 * clock.  Returns -1 (logged) if inotify is not available; the daemon
 * then reloads rotas on SIGHUP only.
 */
int
oncall_watch(struct oncall *o, struct event_base *base)
{
	struct timeval tv = { ONCALL_INDEX_MS / 1000, 0 };

	o->base = base;
	event_assign(&o->index, base, -1, EV_PERSIST, oncall_index_cb, o);
	event_add(&o->index, &tv);
	if ((o->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("rotas: inotify_init1");
		return -1;
	}
	event_assign(&o->iev, base, o->ifd, EV_READ | EV_PERSIST,
	    oncall_inotify_cb, o);
	evtimer_assign(&o->debounce, base, oncall_debounce_cb, o);
	event_add(&o->iev, NULL);
	oncall_rewatch(o);
	if (o->wd != -1)
		log_info("rotas: watching %s", o->rota_dir);
	return 0;
}

/* Does an event about name concern a rota file? */
static int
oncall_is_rota_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len >= 6 &&
	    strcmp(name + len - 5, ".conf") == 0;
}

static void
oncall_inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct oncall *o = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;
	int changed = 0;

	for (;;) {
		if ((n = read(fd, buf, sizeof buf)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("rotas: inotify read");
			break;
		}
		if (n == 0)
			break;
		for (p = buf; p < buf + n; p += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW)
				changed = 1;
			else if (ev->mask & (IN_IGNORED | IN_DELETE_SELF |
			    IN_MOVE_SELF | IN_UNMOUNT)) {
				/* The folder went; watch its path again. */
				if (ev->wd == o->wd) {
					if (!(ev->mask & IN_IGNORED))
						inotify_rm_watch(o->ifd, o->wd);
					o->wd = -1;
					changed = 1;
				}
			} else if (ev->wd == o->wd && ev->len > 0 &&
			    oncall_is_rota_name(ev->name))
				changed = 1;
		}
	}
	if (changed)
		oncall_arm(o, ONCALL_DEBOUNCE_MS);
}

/* Quiet for a moment after changes: reload (and re-watch if needed). */
static void
oncall_debounce_cb(evutil_socket_t fd, short what, void *arg)
{
	struct oncall *o = arg;

	if (o->wd == -1) {
		oncall_rewatch(o);
		if (o->wd == -1)
			return;
	}
	oncall_reload_rotas(o);
}

/*
 * Every hour: rebuild the indexes that time has run past the middle of.
 * Hourly, not at an instant worked out in advance, so a wall clock that
 * jumps is noticed soon; a lookup outside an index is still right, only
 * slower.
 */
static void
oncall_index_cb(evutil_socket_t fd, short what, void *arg)
{
	struct oncall *o = arg;

	oncall_index(o->rotas, clock_now_ms());
}

const struct people *
oncall_people(const struct oncall *o)
{
	return o->people;
}

const struct rota_set *
oncall_rotas(const struct oncall *o)
{
	return o->rotas;
}

const char *
oncall_rota_dir(const struct oncall *o)
{
	return o->rota_dir;
}

size_t
oncall_nstatus(const struct oncall *o)
{
	return o->nstatus;
}

const struct oncall_status *
oncall_status(const struct oncall *o, size_t i)
{
	return i < o->nstatus ? &o->status[i] : NULL;
}

/* The status of the file the named rota comes from, or NULL. */
const struct oncall_status *
oncall_status_find(const struct oncall *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nstatus; i++) {
		if (o->status[i].name != NULL &&
		    strcmp(o->status[i].name, name) == 0)
			return &o->status[i];
	}
	return NULL;
}
