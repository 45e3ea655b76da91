/* SPDX-License-Identifier: ISC */
/*
 * silence.c: silences, pure.  A silence's body (POST /api/v1/silences)
 * is read and validated here; bad input is refused with a cause naming
 * the field, so that nothing half-made reaches the store.  Matching is
 * "every matcher given must match": service, dedup_key and source
 * exactly, priority by number, summary as an fnmatch(3) glob over the
 * whole summary, and each label against the alert's details ("labels"
 * of an Alertmanager alert, else the top level of details).  An empty
 * matcher set, or a summary glob that matches every text, is refused:
 * a silence can never match everything by accident.
 */
#include <fnmatch.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "clock.h"
#include "iso8601.h"
#include "silence.h"
#include "text.h"
#include "xmalloc.h"

/* A non-empty string of at most max bytes, without control characters. */
static int
silence_string(json_t *v, const char *what, size_t max, char **out,
    char **cause)
{
	const char *s = json_string_value(v);

	if (s == NULL || json_string_length(v) == 0 ||
	    strlen(s) != json_string_length(v)) {
		xasprintf(cause, "%s must be a non-empty string", what);
		return -1;
	}
	if (json_string_length(v) > max) {
		xasprintf(cause, "%s is longer than %zu bytes", what, max);
		return -1;
	}
	if (text_has_control(s, 0)) {
		xasprintf(cause, "%s must not contain control characters",
		    what);
		return -1;
	}
	*out = xstrdup(s);
	return 0;
}

static int
silence_labels_read(json_t *o, struct silence *s, char **cause)
{
	const char *k;
	json_t *v;
	char *what;
	int rc;

	if (!json_is_object(o)) {
		xasprintf(cause, "matchers.labels must be an object of"
		    " strings");
		return -1;
	}
	if (json_object_size(o) > SILENCE_LABELS_MAX) {
		xasprintf(cause, "matchers.labels has more than %d labels",
		    SILENCE_LABELS_MAX);
		return -1;
	}
	s->labels = xcalloc(json_object_size(o) + 1, sizeof *s->labels);
	json_object_foreach(o, k, v) {
		if (*k == '\0' || strlen(k) > ALERT_KEY_MAX ||
		    text_has_control(k, 0)) {
			xasprintf(cause, "matchers.labels: a label name must be"
			    " 1 to %d bytes without control characters",
			    ALERT_KEY_MAX);
			return -1;
		}
		xasprintf(&what, "matchers.labels.%.64s", k);
		rc = silence_string(v, what, ALERT_KEY_MAX,
		    &s->labels[s->nlabels].value, cause);
		free(what);
		if (rc != 0)
			return -1;
		s->labels[s->nlabels++].name = xstrdup(k);
	}
	return 0;
}

/* The matchers object o into s; -1 with *cause on bad input. */
static int
silence_matchers_read(json_t *o, struct silence *s, char **cause)
{
	const char *k, *p;
	json_t *v;

	if (!json_is_object(o)) {
		xasprintf(cause, "matchers must be an object");
		return -1;
	}
	json_object_foreach(o, k, v) {
		if (strcmp(k, "service") == 0) {
			if (silence_string(v, "matchers.service",
			    ALERT_KEY_MAX, &s->service, cause) != 0)
				return -1;
		} else if (strcmp(k, "dedup_key") == 0) {
			if (silence_string(v, "matchers.dedup_key",
			    ALERT_KEY_MAX, &s->dedup_key, cause) != 0)
				return -1;
		} else if (strcmp(k, "source") == 0) {
			if (silence_string(v, "matchers.source",
			    ALERT_KEY_MAX, &s->source, cause) != 0)
				return -1;
		} else if (strcmp(k, "summary") == 0) {
			if (silence_string(v, "matchers.summary",
			    SILENCE_PATTERN_MAX, &s->summary, cause) != 0)
				return -1;
		} else if (strcmp(k, "priority") == 0) {
			p = json_string_value(v);
			if (p == NULL ||
			    (s->priority = alert_priority_parse(p)) <= 0) {
				s->priority = 0;
				xasprintf(cause, "matchers.priority must be one"
				    " of P1, P2, P3, P4");
				return -1;
			}
		} else if (strcmp(k, "labels") == 0) {
			if (silence_labels_read(v, s, cause) != 0)
				return -1;
		} else {
			xasprintf(cause, "matchers: unknown matcher"
			    " \"%.64s\" (service, priority, dedup_key,"
			    " summary, source, labels)", k);
			return -1;
		}
	}
	return 0;
}

/*
 * Read the JSON body buf (len bytes) of a new silence into s (cleared
 * first), received at now: starts_at defaults to now, page_on_expiry
 * to true.  0, or -1 with *cause saying what is wrong (s is cleared).
 */
int
silence_parse(const char *buf, size_t len, int64_t now, struct silence *s,
    char **cause)
{
	json_error_t jerr;
	json_t *body, *v;
	const char *k;
	char *ts = NULL;
	int rc = -1;

	memset(s, 0, sizeof *s);
	s->page_on_expiry = 1;
	s->starts_ms = now;
	s->created_ms = now;
	body = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL || !json_is_object(body)) {
		xasprintf(cause, "the body must be a JSON object%s%s",
		    body == NULL ? ": " : "", body == NULL ? jerr.text : "");
		goto out;
	}
	json_object_foreach(body, k, v) {
		if (strcmp(k, "matchers") == 0) {
			if (silence_matchers_read(v, s, cause) != 0)
				goto out;
		} else if (strcmp(k, "starts_at") == 0 ||
		    strcmp(k, "ends_at") == 0) {
			if (!json_is_string(v)) {
				xasprintf(cause, "%s must be an ISO 8601 time",
				    k);
				goto out;
			}
			if (iso8601_parse(json_string_value(v),
			    k[0] == 's' ? &s->starts_ms : &s->ends_ms,
			    &ts) != 0) {
				xasprintf(cause, "%s: %s", k, ts);
				free(ts);
				goto out;
			}
		} else if (strcmp(k, "comment") == 0) {
			if (silence_string(v, "comment", SILENCE_COMMENT_MAX,
			    &s->comment, cause) != 0)
				goto out;
		} else if (strcmp(k, "page_on_expiry") == 0) {
			if (!json_is_boolean(v)) {
				xasprintf(cause, "page_on_expiry must be true"
				    " or false");
				goto out;
			}
			s->page_on_expiry = json_is_true(v);
		} else {
			xasprintf(cause, "unknown field \"%.64s\"", k);
			goto out;
		}
	}
	if (json_object_get(body, "matchers") == NULL) {
		xasprintf(cause, "matchers is required");
		goto out;
	}
	if (json_object_get(body, "ends_at") == NULL) {
		xasprintf(cause, "ends_at is required");
		goto out;
	}
	rc = silence_validate(s, now, cause);
out:
	json_decref(body);
	if (rc != 0)
		silence_clear(s);
	return rc;
}

/* Does the glob p match every text ("*", "**")? */
static int
silence_glob_all(const char *p)
{
	for (; *p != '\0'; p++)
		if (*p != '*')
			return 0;
	return 1;
}

/*
 * Are the matchers of s acceptable: at least one, a priority in range,
 * and not a lone summary glob that matches everything?  0, or -1 with
 * *cause.
 */
int
silence_check_matchers(const struct silence *s, char **cause)
{
	if (s->service == NULL && s->priority == 0 && s->dedup_key == NULL &&
	    s->summary == NULL && s->source == NULL && s->nlabels == 0) {
		xasprintf(cause, "matchers must name at least one of service,"
		    " priority, dedup_key, summary, source, labels: a silence"
		    " never matches every alert");
		return -1;
	}
	if (s->priority != 0 && (s->priority < ALERT_PRIORITY_MIN ||
	    s->priority > ALERT_PRIORITY_MAX)) {
		xasprintf(cause, "matchers.priority must be one of P1, P2, P3,"
		    " P4");
		return -1;
	}
	if (s->summary != NULL && silence_glob_all(s->summary) &&
	    s->service == NULL && s->priority == 0 && s->dedup_key == NULL &&
	    s->source == NULL && s->nlabels == 0) {
		xasprintf(cause, "matchers.summary \"%s\" alone matches every"
		    " alert: name a service or a narrower pattern", s->summary);
		return -1;
	}
	return 0;
}

/*
 * Is s a silence that may be stored at now: good matchers, a comment,
 * and an end after its start and after now?  0, or -1 with *cause.
 */
int
silence_validate(const struct silence *s, int64_t now, char **cause)
{
	if (silence_check_matchers(s, cause) != 0)
		return -1;
	if (s->comment == NULL) {
		xasprintf(cause, "comment is required: say why the alerts are"
		    " silenced");
		return -1;
	}
	if (s->ends_ms <= s->starts_ms) {
		xasprintf(cause, "ends_at must be after starts_at");
		return -1;
	}
	if (s->ends_ms <= now) {
		xasprintf(cause, "ends_at is in the past");
		return -1;
	}
	return 0;
}

/* The string value of label name in details, or NULL (borrowed). */
static const char *
silence_label_get(json_t *d, const char *name)
{
	json_t *l = json_object_get(d, "labels");
	const char *v;

	if (json_is_object(l) &&
	    (v = json_string_value(json_object_get(l, name))) != NULL)
		return v;
	return json_string_value(json_object_get(d, name));
}

/* Does every matcher of s match the alert a?  Ignores the window. */
int
silence_match(const struct silence *s, const struct silence_subject *a)
{
	json_t *d;
	const char *v;
	size_t i;
	int ok = 1;

	if (s->service != NULL && (a->service == NULL ||
	    strcmp(s->service, a->service) != 0))
		return 0;
	if (s->priority != 0 && s->priority != a->priority)
		return 0;
	if (s->dedup_key != NULL && (a->dedup_key == NULL ||
	    strcmp(s->dedup_key, a->dedup_key) != 0))
		return 0;
	if (s->source != NULL && (a->source == NULL ||
	    strcmp(s->source, a->source) != 0))
		return 0;
	if (s->summary != NULL && fnmatch(s->summary, a->summary != NULL ?
	    a->summary : "", 0) != 0)
		return 0;
	if (s->nlabels == 0)
		return 1;
	if (a->details == NULL ||
	    (d = json_loads(a->details, 0, NULL)) == NULL)
		return 0;
	for (i = 0; i < s->nlabels && ok; i++) {
		v = silence_label_get(d, s->labels[i].name);
		ok = v != NULL && strcmp(v, s->labels[i].value) == 0;
	}
	json_decref(d);
	return ok;
}

/* When s stops silencing: its end, or when it was expired early. */
int64_t
silence_end(const struct silence *s)
{
	if (s->expired_ms != 0 && s->expired_ms < s->ends_ms)
		return s->expired_ms;
	return s->ends_ms;
}

/* Does s silence what arrives at now? */
int
silence_active(const struct silence *s, int64_t now)
{
	return s->starts_ms <= now && now < silence_end(s);
}

/* "pending", "active" or "expired" at now. */
const char *
silence_state(const struct silence *s, int64_t now)
{
	if (now >= silence_end(s))
		return "expired";
	return now < s->starts_ms ? "pending" : "active";
}

/*
 * Do a and b have the same matchers and windows that meet?  A second
 * silence of the same alerts over the same time is a mistake (two
 * people silencing one maintenance): extend or expire the first.
 */
int
silence_overlaps(const struct silence *a, const struct silence *b)
{
	json_t *ma, *mb;
	int same;

	if (a->starts_ms >= silence_end(b) || b->starts_ms >= silence_end(a))
		return 0;
	ma = silence_matchers_json(a);
	mb = silence_matchers_json(b);
	same = json_equal(ma, mb);
	json_decref(ma);
	json_decref(mb);
	return same;
}

/* The matchers of s as a JSON object (a new reference). */
json_t *
silence_matchers_json(const struct silence *s)
{
	json_t *m = json_object(), *l;
	size_t i;

	if (s->service != NULL)
		json_object_set_new(m, "service", json_string(s->service));
	if (s->priority != 0)
		json_object_set_new(m, "priority",
		    json_string(alert_priority_name(s->priority)));
	if (s->dedup_key != NULL)
		json_object_set_new(m, "dedup_key", json_string(s->dedup_key));
	if (s->summary != NULL)
		json_object_set_new(m, "summary", json_string(s->summary));
	if (s->source != NULL)
		json_object_set_new(m, "source", json_string(s->source));
	if (s->nlabels > 0) {
		l = json_object();
		for (i = 0; i < s->nlabels; i++)
			json_object_set_new(l, s->labels[i].name,
			    json_string(s->labels[i].value));
		json_object_set_new(m, "labels", l);
	}
	return m;
}

/*
 * The matchers of s from the JSON text silence_matchers_json() wrote
 * (as the store keeps them).  0, or -1 with *cause.
 */
int
silence_matchers_load(struct silence *s, const char *text, char **cause)
{
	json_t *m;
	int rc;

	if ((m = json_loads(text, 0, NULL)) == NULL) {
		xasprintf(cause, "silence %lld: unreadable matchers",
		    (long long)s->id);
		return -1;
	}
	rc = silence_matchers_read(m, s, cause);
	json_decref(m);
	return rc;
}

static json_t *
silence_time(int64_t ms)
{
	char buf[32];

	return json_string(clock_format_iso(ms, buf, sizeof buf));
}

/* s as the API shows it at now (a new reference). */
json_t *
silence_json(const struct silence *s, int64_t now)
{
	json_t *o;

	o = json_pack("{s:I,s:o,s:o,s:o,s:s,s:s?,s:o,s:b,s:s}",
	    "id", (json_int_t)s->id,
	    "matchers", silence_matchers_json(s),
	    "starts_at", silence_time(s->starts_ms),
	    "ends_at", silence_time(s->ends_ms),
	    "comment", s->comment != NULL ? s->comment : "",
	    "created_by", s->creator,
	    "created_at", silence_time(s->created_ms),
	    "page_on_expiry", s->page_on_expiry,
	    "state", silence_state(s, now));
	json_object_set_new(o, "expired_at", s->expired_ms != 0 ?
	    silence_time(s->expired_ms) : json_null());
	json_object_set_new(o, "window", s->window != NULL ?
	    json_string(s->window) : json_null());
	return o;
}

void
silence_clear(struct silence *s)
{
	size_t i;

	free(s->service);
	free(s->dedup_key);
	free(s->summary);
	free(s->source);
	for (i = 0; i < s->nlabels; i++) {
		free(s->labels[i].name);
		free(s->labels[i].value);
	}
	free(s->labels);
	free(s->comment);
	free(s->creator);
	free(s->window);
	memset(s, 0, sizeof *s);
}

static char *
silence_strdup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* A deep copy of from into to. */
void
silence_copy(struct silence *to, const struct silence *from)
{
	size_t i;

	*to = *from;
	to->service = silence_strdup(from->service);
	to->dedup_key = silence_strdup(from->dedup_key);
	to->summary = silence_strdup(from->summary);
	to->source = silence_strdup(from->source);
	to->comment = silence_strdup(from->comment);
	to->creator = silence_strdup(from->creator);
	to->window = silence_strdup(from->window);
	to->labels = xcalloc(from->nlabels + 1, sizeof *to->labels);
	for (i = 0; i < from->nlabels; i++) {
		to->labels[i].name = xstrdup(from->labels[i].name);
		to->labels[i].value = xstrdup(from->labels[i].value);
	}
}
