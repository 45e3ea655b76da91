/* SPDX-License-Identifier: ISC */
/*
 * intake-native.c: the body of POST /api/v1/alerts, validated into an
 * alert_new.  Pure: no I/O, no clock.  Every refusal names the field and
 * what was wrong, so the sender can fix it.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alert.h"
#include "intake.h"
#include "intake-private.h"
#include "text.h"
#include "xmalloc.h"

#define INTAKE_LINKS_MAX 20

static const char *intake_native_fields[] = { "summary", "priority", "service",
	"dedup_key", "source", "details", "links" };

/* Those a body read by intake_flat_scan() may have: all strings. */
static const char *const intake_flat_fields[] = { "summary", "priority",
	"service", "dedup_key", "source" };
enum { INTAKE_F_SUMMARY, INTAKE_F_PRIORITY, INTAKE_F_SERVICE,
	INTAKE_F_DEDUP_KEY, INTAKE_F_SOURCE };

/*
 * Take the string s (len bytes, NUL-terminated), the value of field
 * name, into *out: it must be of 1..max bytes, not only blanks, and
 * free of control characters.
 */
static int
intake_text(const char *name, const char *s, size_t len, size_t max,
    int multiline, char **out, char **cause)
{
	if (len == 0 || strspn(s, " \t\r\n") == len) {
		xasprintf(cause, "%s must not be empty", name);
		return -1;
	}
	if (len > max) {
		xasprintf(cause, "%s is longer than %zu bytes", name, max);
		return -1;
	}
	if (strlen(s) != len || text_has_control(s, multiline)) {
		xasprintf(cause, "%s must not contain control characters",
		    name);
		return -1;
	}
	free(*out);
	*out = xstrdup(s);
	return 0;
}

/*
 * Take the optional string field name of o into *out: absent or null
 * leaves *out alone; otherwise it must be a string of 1..max bytes.
 */
static int
intake_string(json_t *o, const char *name, size_t max, int multiline,
    char **out, char **cause)
{
	json_t *v = json_object_get(o, name);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		xasprintf(cause, "%s must be a string", name);
		return -1;
	}
	return intake_text(name, json_string_value(v), json_string_length(v),
	    max, multiline, out, cause);
}

static int
intake_url_ok(const char *s)
{
	return (strncasecmp(s, "https://", 8) == 0 && s[8] != '\0') ||
	    (strncasecmp(s, "http://", 7) == 0 && s[7] != '\0');
}

/* links: an array of URLs or of {"href": URL, "text": label}. */
static int
intake_links(json_t *o, char **out, char **cause)
{
	json_t *v = json_object_get(o, "links"), *l, *href, *text;
	const char *k;
	json_t *kv;
	size_t i;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		xasprintf(cause, "links must be an array");
		return -1;
	}
	if (json_array_size(v) > INTAKE_LINKS_MAX) {
		xasprintf(cause, "links has more than %d entries",
		    INTAKE_LINKS_MAX);
		return -1;
	}
	json_array_foreach(v, i, l) {
		if (json_is_string(l))
			href = l;
		else if (json_is_object(l)) {
			json_object_foreach(l, k, kv) {
				if (strcmp(k, "href") != 0 &&
				    strcmp(k, "text") != 0) {
					xasprintf(cause, "links[%zu]: unknown"
					    " field \"%s\"", i, k);
					return -1;
				}
			}
			href = json_object_get(l, "href");
			text = json_object_get(l, "text");
			if (text != NULL && (!json_is_string(text) ||
			    json_string_length(text) > ALERT_SUMMARY_MAX)) {
				xasprintf(cause, "links[%zu].text must be a"
				    " string of at most %d bytes", i,
				    ALERT_SUMMARY_MAX);
				return -1;
			}
		} else {
			xasprintf(cause, "links[%zu] must be a URL or an object"
			    " with href", i);
			return -1;
		}
		if (href == NULL || !json_is_string(href) ||
		    !intake_url_ok(json_string_value(href)) ||
		    json_string_length(href) > 2048 ||
		    text_has_control(json_string_value(href), 0)) {
			xasprintf(cause, "links[%zu] must be an http or https URL"
			    " of at most 2048 bytes", i);
			return -1;
		}
	}
	*out = json_dumps(v, JSON_COMPACT);
	return 0;
}

/*
 * The checks of intake_native_parse(), in the same order, on a body
 * intake_flat_scan() read: its fields are all strings (or absent), and
 * it has neither details nor links.  0, or -1 with *cause.
 */
static int
intake_native_flat(const struct intake_flat *f,
    const struct intake_defaults *def, struct alert_new *an, char **cause)
{
	char *prio = NULL;
	int rc = -1;

	if (f[INTAKE_F_SUMMARY].s == NULL) {
		xasprintf(cause, "summary is required");
		return -1;
	}
	if (intake_text("summary", f[INTAKE_F_SUMMARY].s,
	    f[INTAKE_F_SUMMARY].len, SIZE_MAX, 0, &an->summary, cause) != 0)
		return -1;
	if (intake_utf8_len(an->summary) > ALERT_SUMMARY_MAX) {
		xasprintf(cause, "summary is longer than %d characters",
		    ALERT_SUMMARY_MAX);
		return -1;
	}
	if (f[INTAKE_F_PRIORITY].s != NULL && intake_text("priority",
	    f[INTAKE_F_PRIORITY].s, f[INTAKE_F_PRIORITY].len, 16, 0, &prio,
	    cause) != 0)
		return -1;
	an->priority = def->priority;
	if (prio != NULL && (an->priority = alert_priority_parse(prio)) < 0) {
		xasprintf(cause, "priority must be one of P1..P4 (or critical,"
		    " high, medium, low)");
		goto out;
	}
	if ((f[INTAKE_F_SERVICE].s != NULL && intake_text("service",
	    f[INTAKE_F_SERVICE].s, f[INTAKE_F_SERVICE].len, ALERT_KEY_MAX, 0,
	    &an->service, cause) != 0) ||
	    (f[INTAKE_F_DEDUP_KEY].s != NULL && intake_text("dedup_key",
	    f[INTAKE_F_DEDUP_KEY].s, f[INTAKE_F_DEDUP_KEY].len, ALERT_KEY_MAX,
	    0, &an->dedup_key, cause) != 0) ||
	    (f[INTAKE_F_SOURCE].s != NULL && intake_text("source",
	    f[INTAKE_F_SOURCE].s, f[INTAKE_F_SOURCE].len, ALERT_KEY_MAX, 0,
	    &an->source, cause) != 0))
		goto out;
	if (an->service == NULL)
		an->service = xstrdup(def->service);
	rc = 0;
out:
	free(prio);
	return rc;
}

/*
 * Parse and validate a native alert body.  On success fill an (owned
 * strings) and return 0; on error return -1 with *cause set and an
 * left empty.
 */
int
intake_native_parse(const char *buf, size_t len,
    const struct intake_defaults *def, struct alert_new *an, char **cause)
{
	struct intake_flat flat[nitems(intake_flat_fields)];
	json_t *o, *v;
	const char *k;
	char *prio = NULL, *copy;
	size_t i;

	memset(an, 0, sizeof *an);
	/* the common shape, without jansson; the same checks */
	copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (intake_flat_scan(copy, len, intake_flat_fields,
	    nitems(intake_flat_fields), flat) == 1) {
		i = intake_native_flat(flat, def, an, cause) != 0;
		free(copy);
		if (i) {
			alert_new_clear(an);
			return -1;
		}
		return 0;
	}
	free(copy);
	o = intake_json_object(buf, len, JSON_REJECT_DUPLICATES, cause);
	if (o == NULL)
		return -1;
	json_object_foreach(o, k, v) {
		for (i = 0; i < nitems(intake_native_fields); i++)
			if (strcmp(k, intake_native_fields[i]) == 0)
				break;
		if (i == nitems(intake_native_fields)) {
			xasprintf(cause, "unknown field \"%.64s\"", k);
			goto fail;
		}
	}
	if (json_object_get(o, "summary") == NULL ||
	    json_is_null(json_object_get(o, "summary"))) {
		xasprintf(cause, "summary is required");
		goto fail;
	}
	if (intake_string(o, "summary", SIZE_MAX, 0, &an->summary,
	    cause) != 0)
		goto fail;
	/* the limit counts characters, as PagerDuty's does */
	if (intake_utf8_len(an->summary) > ALERT_SUMMARY_MAX) {
		xasprintf(cause, "summary is longer than %d characters",
		    ALERT_SUMMARY_MAX);
		goto fail;
	}
	if (intake_string(o, "priority", 16, 0, &prio, cause) != 0)
		goto fail;
	an->priority = def->priority;
	if (prio != NULL && (an->priority = alert_priority_parse(prio)) < 0) {
		xasprintf(cause, "priority must be one of P1..P4 (or critical,"
		    " high, medium, low)");
		goto fail;
	}
	if (intake_string(o, "service", ALERT_KEY_MAX, 0, &an->service,
	    cause) != 0 ||
	    intake_string(o, "dedup_key", ALERT_KEY_MAX, 0, &an->dedup_key,
	    cause) != 0 ||
	    intake_string(o, "source", ALERT_KEY_MAX, 0, &an->source,
	    cause) != 0)
		goto fail;
	if (an->service == NULL)
		an->service = xstrdup(def->service);
	v = json_object_get(o, "details");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_object(v)) {
			xasprintf(cause, "details must be an object");
			goto fail;
		}
		an->details = json_dumps(v, JSON_COMPACT);
	}
	if (intake_links(o, &an->links, cause) != 0)
		goto fail;
	free(prio);
	json_decref(o);
	return 0;
fail:
	free(prio);
	alert_new_clear(an);
	json_decref(o);
	return -1;
}
