/* SPDX-License-Identifier: ISC */
/*
 * rota-parse.c: one rota file (libconfig) into a struct rota.  Checks
 * everything that can be checked without other files or a time window;
 * each problem becomes an error finding with the line it is on.
 */
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "people.h"
#include "rota.h"
#include "xmalloc.h"

#define ROTA_MAX_MEMBERS 1000
#define ROTA_MAX_ITEMS 100000

/* Parser state: the rota being built and where errors go. */
struct rp {
	const char *file;
	struct rota_findings *f;
	struct rota *r;
	size_t nerrors;
};

static void rp_err(struct rp *, int, const char *, ...) printflike(3, 4);

static const char *rota_keys[] = {
	"name", "timezone", "layers", "overrides", "backup", "coverage",
	"fatigue",
};
static const char *layer_keys[] = {
	"name", "start", "end", "shift", "members", "when",
};
static const char *override_keys[] = {
	"kind", "who", "with", "from", "to", "reason",
};
static const char *coverage_keys[] = { "minimum", "windows" };
static const char *window_keys[] = { "when", "minimum" };
static const char *fatigue_keys[] = {
	"max_consecutive_shifts", "weekend_rotation", "min_rest", "strict",
};

static void
rp_err(struct rp *rp, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	rota_findings_add(rp->f, rp->file, line, ROTA_ERROR, "%s",
	    msg != NULL ? msg : "out of memory");
	free(msg);
	rp->nerrors++;
}

/* Complain about members of group g not in keys. */
static void
rp_keys(struct rp *rp, config_setting_t *g, const char **keys, size_t n,
    const char *what)
{
	config_setting_t *m;
	const char *name;
	size_t k;
	int i, known;

	for (i = 0; i < config_setting_length(g); i++) {
		m = config_setting_get_elem(g, i);
		name = config_setting_name(m);
		if (name == NULL)
			continue;
		for (known = 0, k = 0; k < n; k++)
			known |= strcmp(name, keys[k]) == 0;
		if (!known)
			rp_err(rp, config_setting_source_line(m),
			    "unknown key \"%s\" in %s", name, what);
	}
}

/* A string member: 1 found, 0 absent (error if required), -1 bad. */
static int
rp_string(struct rp *rp, config_setting_t *g, const char *key, int required,
    const char *what, const char **out, int *line)
{
	config_setting_t *s;

	*out = NULL;
	if ((s = config_setting_get_member(g, key)) == NULL) {
		if (required)
			rp_err(rp, config_setting_source_line(g),
			    "%s: missing %s", what, key);
		return required ? -1 : 0;
	}
	if (line != NULL)
		*line = config_setting_source_line(s);
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		rp_err(rp, config_setting_source_line(s),
		    "%s: %s must be a string in double quotes", what, key);
		return -1;
	}
	*out = config_setting_get_string(s);
	return 1;
}

/* An integer member within [lo, hi]; same returns as rp_string. */
static int
rp_int(struct rp *rp, config_setting_t *g, const char *key, int lo, int hi,
    const char *what, int *out, int *line)
{
	config_setting_t *s;
	long long v;

	if ((s = config_setting_get_member(g, key)) == NULL)
		return 0;
	if (line != NULL)
		*line = config_setting_source_line(s);
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		rp_err(rp, config_setting_source_line(s),
		    "%s: %s must be a whole number", what, key);
		return -1;
	}
	v = config_setting_get_int64(s);
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	if (v < lo || v > hi) {
		rp_err(rp, config_setting_source_line(s),
		    "%s: %s must be between %d and %d", what, key, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 1;
}

static int
rp_bool(struct rp *rp, config_setting_t *g, const char *key,
    const char *what, int *out, int *line)
{
	config_setting_t *s;

	if ((s = config_setting_get_member(g, key)) == NULL)
		return 0;
	if (line != NULL)
		*line = config_setting_source_line(s);
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		rp_err(rp, config_setting_source_line(s),
		    "%s: %s must be true or false", what, key);
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 1;
}

/* A local date and time of the rota into UTC; 0, or -1 after an error. */
static int
rp_local(struct rp *rp, const char *s, int line, const char *what,
    struct tz_local *lt, int64_t *t)
{
	char *cause = NULL;

	if (rota_local_parse(s, lt, &cause) != 0) {
		rp_err(rp, line, "%s: %s", what, cause);
		free(cause);
		return -1;
	}
	*t = rp->r->tz != NULL ? tz_from_local(rp->r->tz, lt) : 0;
	return 0;
}

/* Whether local time lt does not exist in tz (a DST gap). */
static int
rp_in_gap(const struct tz *tz, const struct tz_local *lt)
{
	struct tz_local back;

	tz_to_local(tz, tz_from_local(tz, lt), &back);
	return back.year != lt->year || back.month != lt->month ||
	    back.day != lt->day || back.hour != lt->hour ||
	    back.minute != lt->minute;
}

/* Parse "when": one window string or a list of them. */
static int
rp_when(struct rp *rp, config_setting_t *s, const char *what,
    struct rota_span **out, size_t *n)
{
	config_setting_t *e;
	char *cause = NULL;
	int i, len, line = config_setting_source_line(s);

	*out = NULL;
	*n = 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		*out = xcalloc(1, sizeof **out);
		if (rota_span_parse(config_setting_get_string(s), *out,
		    &cause) != 0)
			goto fail;
		*n = 1;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST)
		goto notstring;
	len = config_setting_length(s);
	if (len == 0) {
		rp_err(rp, line, "%s: when is empty", what);
		return -1;
	}
	*out = xcalloc((size_t)len, sizeof **out);
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			goto notstring;
		if (rota_span_parse(config_setting_get_string(e), &(*out)[i],
		    &cause) != 0)
			goto fail;
		(*n)++;
	}
	return 0;
notstring:
	rp_err(rp, line, "%s: when must be a string such as"
	    " \"Mon-Fri 09:00-17:00\" or a list of them", what);
	return -1;
fail:
	rp_err(rp, line, "%s: %s", what, cause);
	free(cause);
	return -1;
}

/* Parse the shift length and decide wall-clock days or elapsed time. */
static int
rp_shift(struct rp *rp, struct rota_layer *l, const char *s, int line,
    const char *what)
{
	char *cause = NULL;
	const char *p;
	int64_t ms;
	int days = 0, other = 0;

	if (duration_parse(s, &ms, &cause) != 0) {
		rp_err(rp, line, "%s: shift: %s", what, cause);
		free(cause);
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p == 'd' || *p == 'w')
			days = 1;
		else if (isalpha((unsigned char)*p))
			other = 1;
	}
	if (days && other) {
		rp_err(rp, line, "%s: shift \"%s\" mixes days with hours:"
		    " use whole days or weeks (wall clock) or hours (elapsed"
		    " time)", what, s);
		return -1;
	}
	if (days) {
		/* "0d" or "0w": a zero-length turn would divide by zero. */
		if (ms < DURATION_DAY) {
			rp_err(rp, line, "%s: shift \"%s\" is zero: a shift is"
			    " at least 1d (or at least 1m in hours, such as"
			    " \"12h\")", what, s);
			return -1;
		}
		if (ms > 52 * DURATION_WEEK) {
			rp_err(rp, line, "%s: shift \"%s\" is longer than a"
			    " year", what, s);
			return -1;
		}
		l->unit = ROTA_CALENDAR;
		l->shift_days = (int)(ms / DURATION_DAY);
		l->shift_ms = ms;
		return 0;
	}
	if (ms < DURATION_MINUTE || ms > 52 * DURATION_WEEK) {
		rp_err(rp, line, "%s: shift \"%s\" must be between 1m and 52w",
		    what, s);
		return -1;
	}
	l->unit = ROTA_ELAPSED;
	l->shift_ms = ms;
	return 0;
}

static void
rp_layer(struct rp *rp, config_setting_t *g, size_t idx)
{
	struct rota_layer *l = &rp->r->layers[idx];
	config_setting_t *m, *e;
	struct tz_local end_local;
	const char *s;
	char what[128];
	int line, i, len;

	l->line = config_setting_source_line(g);
	l->end = ROTA_NONE;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		rp_err(rp, l->line, "layer %zu is not a group { ... }", idx + 1);
		xasprintf(&l->name, "%zu", idx + 1);
		return;
	}
	rp_keys(rp, g, layer_keys, nitems(layer_keys), "layer");
	if (rp_string(rp, g, "name", 0, "layer", &s, &line) == 1)
		l->name = xstrdup(s);
	else
		xasprintf(&l->name, "%zu", idx + 1);
	snprintf(what, sizeof what, "layer \"%s\"", l->name);

	if (rp_string(rp, g, "start", 1, what, &s, &line) == 1)
		rp_local(rp, s, line, what, &l->start_local, &l->start);
	if (rp_string(rp, g, "end", 0, what, &s, &line) == 1 &&
	    rp_local(rp, s, line, what, &end_local, &l->end) == 0 &&
	    l->end <= l->start)
		rp_err(rp, line, "%s: end is not after start", what);
	if (rp_string(rp, g, "shift", 1, what, &s, &line) == 1)
		rp_shift(rp, l, s, line, what);

	if ((m = config_setting_get_member(g, "members")) == NULL) {
		rp_err(rp, l->line, "%s: missing members", what);
	} else {
		l->members_line = config_setting_source_line(m);
		len = config_setting_length(m);
		if ((config_setting_type(m) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(m) != CONFIG_TYPE_LIST))
			rp_err(rp, l->members_line, "%s: members must be a"
			    " list such as [ \"alice\", \"bob\" ]", what);
		else if (len == 0)
			rp_err(rp, l->members_line, "%s: members is empty",
			    what);
		else if (len > ROTA_MAX_MEMBERS)
			rp_err(rp, l->members_line, "%s: too many members",
			    what);
		else {
			l->members = xcalloc((size_t)len, sizeof *l->members);
			for (i = 0; i < len; i++) {
				e = config_setting_get_elem(m, i);
				if (config_setting_type(e) !=
				    CONFIG_TYPE_STRING) {
					rp_err(rp, l->members_line, "%s: member"
					    " %d is not a string", what, i + 1);
					continue;
				}
				s = config_setting_get_string(e);
				if (!people_id_is_valid(s)) {
					rp_err(rp, l->members_line, "%s: bad"
					    " member \"%s\"", what, s);
					continue;
				}
				l->members[l->nmembers++] = xstrdup(s);
			}
		}
	}
	if ((m = config_setting_get_member(g, "when")) != NULL)
		rp_when(rp, m, what, &l->when, &l->nwhen);
}

static void
rp_override(struct rp *rp, config_setting_t *g, size_t idx)
{
	struct rota_override *o = &rp->r->overrides[idx];
	struct tz_local lt, lt2;
	const char *s;
	char what[64];
	int line, have_from = 0, have_to = 0;

	o->line = config_setting_source_line(g);
	snprintf(what, sizeof what, "override %zu", idx + 1);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		rp_err(rp, o->line, "%s is not a group { ... }", what);
		return;
	}
	rp_keys(rp, g, override_keys, nitems(override_keys), "override");
	if (rp_string(rp, g, "kind", 1, what, &s, &line) == 1) {
		if (strcmp(s, "replace") == 0)
			o->kind = ROTA_REPLACE;
		else if (strcmp(s, "add") == 0)
			o->kind = ROTA_ADD;
		else if (strcmp(s, "off") == 0)
			o->kind = ROTA_OFF;
		else
			rp_err(rp, line, "%s: kind must be \"replace\","
			    " \"add\" or \"off\"", what);
	}
	if (rp_string(rp, g, "who", 1, what, &s, &line) == 1) {
		if (people_id_is_valid(s))
			o->who = xstrdup(s);
		else
			rp_err(rp, line, "%s: bad person \"%s\"", what, s);
	}
	if (rp_string(rp, g, "with", o->kind == ROTA_REPLACE, what, &s,
	    &line) == 1) {
		if (o->kind != ROTA_REPLACE)
			rp_err(rp, line, "%s: with is only for kind"
			    " \"replace\"", what);
		else if (!people_id_is_valid(s))
			rp_err(rp, line, "%s: bad person \"%s\"", what, s);
		else if (o->who != NULL && strcmp(s, o->who) == 0)
			rp_err(rp, line, "%s: replaces %s with %s", what, s, s);
		else
			o->with = xstrdup(s);
	}
	if (rp_string(rp, g, "reason", o->kind == ROTA_OFF, what, &s,
	    &line) == 1)
		o->reason = xstrdup(s);
	if (rp_string(rp, g, "from", 1, what, &s, &line) == 1)
		have_from = rp_local(rp, s, line, what, &lt, &o->from) == 0;
	if (rp_string(rp, g, "to", 1, what, &s, &line) == 1)
		have_to = rp_local(rp, s, line, what, &lt2, &o->to) == 0;
	if (!have_from || !have_to || rp->r->tz == NULL || o->to > o->from)
		return;
	/* Both ends in the hour skipped when DST begins: say so. */
	if (rp_in_gap(rp->r->tz, &lt) || rp_in_gap(rp->r->tz, &lt2))
		rp_err(rp, line, "%s: %04d-%02d-%02d %02d:%02d to %02d:%02d"
		    " falls in the hour skipped when daylight saving time"
		    " begins in %s on that date: those local times do not"
		    " exist", what, lt.year, lt.month, lt.day, lt.hour,
		    lt.minute, lt2.hour, lt2.minute, rp->r->tzname);
	else
		rp_err(rp, line, "%s: to is not after from", what);
}

static void
rp_coverage(struct rp *rp, config_setting_t *g)
{
	struct rota *r = rp->r;
	struct rota_window *w;
	config_setting_t *list, *e;
	char *cause = NULL;
	const char *s;
	int i, len, line;

	r->coverage_line = config_setting_source_line(g);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		rp_err(rp, r->coverage_line, "coverage must be a group");
		return;
	}
	rp_keys(rp, g, coverage_keys, nitems(coverage_keys), "coverage");
	rp_int(rp, g, "minimum", 0, 1000, "coverage", &r->minimum, NULL);
	if ((list = config_setting_get_member(g, "windows")) == NULL)
		return;
	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		rp_err(rp, config_setting_source_line(list), "coverage:"
		    " windows must be a list ( { ... }, ... )");
		return;
	}
	len = config_setting_length(list);
	r->windows = xcalloc(len > 0 ? (size_t)len : 1, sizeof *r->windows);
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(list, i);
		w = &r->windows[r->nwindows];
		w->line = config_setting_source_line(e);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			rp_err(rp, w->line, "coverage window %d is not a group",
			    i + 1);
			continue;
		}
		rp_keys(rp, e, window_keys, nitems(window_keys),
		    "coverage window");
		if (rp_int(rp, e, "minimum", 1, 1000, "coverage window",
		    &w->minimum, NULL) == 0)
			rp_err(rp, w->line, "coverage window: missing minimum");
		if (rp_string(rp, e, "when", 1, "coverage window", &s,
		    &line) != 1)
			continue;
		if (rota_span_parse(s, &w->span, &cause) != 0) {
			rp_err(rp, line, "coverage window: %s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		w->text = xstrdup(s);
		r->nwindows++;
	}
}

static void
rp_fatigue(struct rp *rp, config_setting_t *g)
{
	struct rota *r = rp->r;
	char *cause = NULL;
	const char *s;
	int line = config_setting_source_line(g);

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		rp_err(rp, line, "fatigue must be a group");
		return;
	}
	rp_keys(rp, g, fatigue_keys, nitems(fatigue_keys), "fatigue");
	rp_int(rp, g, "max_consecutive_shifts", 1, 1000, "fatigue",
	    &r->max_consecutive, &r->max_consecutive_line);
	rp_bool(rp, g, "weekend_rotation", "fatigue", &r->weekend_rotation,
	    &r->weekend_line);
	rp_bool(rp, g, "strict", "fatigue", &r->strict, NULL);
	if (rp_string(rp, g, "min_rest", 0, "fatigue", &s,
	    &r->min_rest_line) == 1 &&
	    duration_parse(s, &r->min_rest, &cause) != 0) {
		rp_err(rp, r->min_rest_line, "fatigue: min_rest: %s", cause);
		free(cause);
	}
	if (r->max_consecutive_line == 0)
		r->max_consecutive_line = line;
	if (r->weekend_line == 0)
		r->weekend_line = line;
	if (r->min_rest_line == 0)
		r->min_rest_line = line;
}

/* Names of rotas end up in URLs and calendar UIDs: keep them plain. */
static int
rota_name_is_valid(const char *s)
{
	return people_id_is_valid(s);
}

static struct rota *
rota_from_config(config_t *cfg, const char *file, struct rota_findings *f)
{
	struct rp rp = { file, f, NULL, 0 };
	struct rota *r;
	config_setting_t *root, *s;
	char *cause = NULL;
	const char *str;
	int line, i, len;

	r = rp.r = xcalloc(1, sizeof *r);
	r->file = xstrdup(file);
	r->minimum = 1;
	root = config_root_setting(cfg);
	rp_keys(&rp, root, rota_keys, nitems(rota_keys), "rota");

	if (rp_string(&rp, root, "name", 1, "rota", &str, &line) == 1) {
		if (rota_name_is_valid(str))
			r->name = xstrdup(str);
		else
			rp_err(&rp, line, "bad rota name \"%s\": use letters,"
			    " digits, '.', '_' or '-'", str);
	}
	if (rp_string(&rp, root, "timezone", 1, "rota", &str, &line) == 1) {
		r->tzname = xstrdup(str);
		if ((r->tz = tz_load(str, &cause)) == NULL) {
			rp_err(&rp, line, "%s", cause);
			free(cause);
			cause = NULL;
		}
	}

	if ((s = config_setting_get_member(root, "layers")) == NULL)
		rp_err(&rp, 1, "rota: missing layers");
	else if (config_setting_type(s) != CONFIG_TYPE_LIST ||
	    config_setting_length(s) == 0)
		rp_err(&rp, config_setting_source_line(s), "rota: layers must"
		    " be a list of one or more groups ( { ... }, ... )");
	else {
		r->layers_line = config_setting_source_line(s);
		len = config_setting_length(s);
		r->layers = xcalloc((size_t)len, sizeof *r->layers);
		for (i = 0; i < len; i++) {
			r->nlayers++;
			rp_layer(&rp, config_setting_get_elem(s, i), (size_t)i);
		}
	}

	if ((s = config_setting_get_member(root, "overrides")) != NULL) {
		len = config_setting_length(s);
		if (config_setting_type(s) != CONFIG_TYPE_LIST)
			rp_err(&rp, config_setting_source_line(s), "rota:"
			    " overrides must be a list ( { ... }, ... )");
		else if (len > ROTA_MAX_ITEMS)
			rp_err(&rp, config_setting_source_line(s), "rota:"
			    " too many overrides");
		else if (len > 0) {
			r->overrides = xcalloc((size_t)len,
			    sizeof *r->overrides);
			for (i = 0; i < len; i++) {
				r->noverrides++;
				rp_override(&rp, config_setting_get_elem(s, i),
				    (size_t)i);
			}
		}
	}

	if (rp_string(&rp, root, "backup", 0, "rota", &str,
	    &r->backup_line) == 1) {
		if (!rota_name_is_valid(str))
			rp_err(&rp, r->backup_line, "bad backup rota name"
			    " \"%s\"", str);
		else if (r->name != NULL && strcmp(str, r->name) == 0)
			rp_err(&rp, r->backup_line, "rota %s is its own backup",
			    str);
		else
			r->backup = xstrdup(str);
	}
	if ((s = config_setting_get_member(root, "coverage")) != NULL)
		rp_coverage(&rp, s);
	if ((s = config_setting_get_member(root, "fatigue")) != NULL)
		rp_fatigue(&rp, s);

	if (rp.nerrors != 0) {
		rota_free(r);
		return NULL;
	}
	return r;
}

/* Parse text of a rota file called file; errors go to f. */
struct rota *
rota_parse_findings(const char *text, const char *file,
    struct rota_findings *f)
{
	struct rota *r = NULL;
	config_t cfg;

	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE)
		rota_findings_add(f, file, config_error_line(&cfg), ROTA_ERROR,
		    "%s", config_error_text(&cfg));
	else
		r = rota_from_config(&cfg, file, f);
	config_destroy(&cfg);
	return r;
}

/* Read and parse the rota file at path; errors go to f. */
struct rota *
rota_load_findings(const char *path, struct rota_findings *f)
{
	struct rota *r = NULL;
	config_t cfg;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		rota_findings_add(f, path, 0, ROTA_ERROR, "%s",
		    strerror(errno));
		return NULL;
	}
	config_init(&cfg);
	if (config_read(&cfg, fp) != CONFIG_TRUE)
		rota_findings_add(f, path, config_error_line(&cfg), ROTA_ERROR,
		    "%s", config_error_text(&cfg));
	else
		r = rota_from_config(&cfg, path, f);
	fclose(fp);
	config_destroy(&cfg);
	return r;
}

/* Join findings into one cause, one "file:line: message" a line. */
static void
rota_findings_cause(struct rota_findings *f, char **cause)
{
	char *line, *text = NULL, *next;
	size_t i;

	for (i = 0; i < f->n; i++) {
		line = rota_finding_format(&f->list[i]);
		xasprintf(&next, "%s%s%s", text != NULL ? text : "",
		    text != NULL ? "\n" : "", line);
		free(text);
		free(line);
		text = next;
	}
	*cause = text != NULL ? text : xstrdup("bad rota");
}

/* Parse a rota; on error *cause holds every problem, one a line. */
struct rota *
rota_parse(const char *text, const char *file, char **cause)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota *r;

	if ((r = rota_parse_findings(text, file, &f)) == NULL)
		rota_findings_cause(&f, cause);
	rota_findings_free(&f);
	return r;
}

struct rota *
rota_load(const char *path, char **cause)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota *r;

	if ((r = rota_load_findings(path, &f)) == NULL)
		rota_findings_cause(&f, cause);
	rota_findings_free(&f);
	return r;
}

/* Free a rota from rota_parse() or rota_load(); NULL does nothing. */
void
rota_free(struct rota *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	rota_index_drop(r);
	for (i = 0; i < r->nlayers; i++) {
		free(r->layers[i].name);
		for (j = 0; j < r->layers[i].nmembers; j++)
			free(r->layers[i].members[j]);
		free(r->layers[i].members);
		free(r->layers[i].when);
	}
	free(r->layers);
	for (i = 0; i < r->noverrides; i++) {
		free(r->overrides[i].who);
		free(r->overrides[i].with);
		free(r->overrides[i].reason);
	}
	free(r->overrides);
	for (i = 0; i < r->nwindows; i++)
		free(r->windows[i].text);
	free(r->windows);
	tz_free(r->tz);
	free(r->tzname);
	free(r->backup);
	free(r->name);
	free(r->file);
	free(r);
}
