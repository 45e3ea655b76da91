/* SPDX-License-Identifier: ISC */
/*
 * intake-events.c: PagerDuty Events API v2 bodies (POST /v2/enqueue),
 * validated into an intake_event.  Pure.  Severity maps to a priority
 * through the configured table (critical P1, error P2, warning P3, info
 * P4 by default); payload.source and custom_details go into details.
 */
#include <jansson.h>
#include <string.h>

#include "alert.h"
#include "intake.h"
#include "intake-private.h"
#include "xmalloc.h"

static const char *intake_events_severities[] = { "critical", "error",
	"warning", "info" };

/* Optional string member of o, at most max bytes, into *out. */
static int
intake_events_string(json_t *o, const char *name, size_t max, int required,
    char **out, char **cause)
{
	json_t *v = json_object_get(o, name);

	if (v == NULL || json_is_null(v)) {
		if (required)
			xasprintf(cause, "%s is required", name);
		return required ? -1 : 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		xasprintf(cause, "%s must be a string of 1 to %zu bytes", name,
		    max);
		return -1;
	}
	*out = intake_clean_text(json_string_value(v), max);
	return 0;
}

void
intake_event_clear(struct intake_event *ev)
{
	free(ev->routing_key);
	free(ev->dedup_key);
	alert_new_clear(&ev->an);
	memset(ev, 0, sizeof *ev);
}

/* Links: [{"href": URL, "text": ...}] kept if http(s). */
static char *
intake_events_links(json_t *o)
{
	json_t *links = json_object_get(o, "links"), *out, *l, *href;
	size_t i;
	char *s;

	if (!json_is_array(links) || json_array_size(links) == 0)
		return NULL;
	out = json_array();
	json_array_foreach(links, i, l) {
		href = json_object_get(l, "href");
		if (i >= 20 || !json_is_string(href) ||
		    (strncmp(json_string_value(href), "https://", 8) != 0 &&
		    strncmp(json_string_value(href), "http://", 7) != 0))
			continue;
		json_array_append_new(out, json_pack("{s:O,s:O?}", "href", href,
		    "text", json_is_string(json_object_get(l, "text")) ?
		    json_object_get(l, "text") : NULL));
	}
	s = json_array_size(out) > 0 ? json_dumps(out, JSON_COMPACT) : NULL;
	json_decref(out);
	return s;
}

/*
 * Parse an Events v2 body.  On error return -1 with *cause naming the
 * problem (answered 400 "invalid event"), ev left empty.
 */
int
intake_events_parse(const char *buf, size_t len,
    const struct intake_defaults *def, const struct intake_map *map,
    struct intake_event *ev, char **cause)
{
	json_t *o, *p, *d;
	char *action = NULL, *sev = NULL;
	size_t i;

	memset(ev, 0, sizeof *ev);
	o = intake_json_object(buf, len, JSON_REJECT_DUPLICATES, cause);
	if (o == NULL)
		return -1;
	if (intake_events_string(o, "routing_key", 256, 1, &ev->routing_key,
	    cause) != 0 ||
	    intake_events_string(o, "event_action", 16, 1, &action,
	    cause) != 0 ||
	    intake_events_string(o, "dedup_key", ALERT_KEY_MAX, 0,
	    &ev->dedup_key, cause) != 0)
		goto fail;
	if (strcmp(action, "trigger") == 0)
		ev->action = INTAKE_TRIGGER;
	else if (strcmp(action, "acknowledge") == 0)
		ev->action = INTAKE_ACKNOWLEDGE;
	else if (strcmp(action, "resolve") == 0)
		ev->action = INTAKE_RESOLVE;
	else {
		xasprintf(cause, "event_action must be trigger, acknowledge or"
		    " resolve");
		goto fail;
	}
	if (ev->action != INTAKE_TRIGGER) {
		if (ev->dedup_key == NULL) {
			xasprintf(cause, "dedup_key is required to %s", action);
			goto fail;
		}
		goto done;
	}

	p = json_object_get(o, "payload");
	if (!json_is_object(p)) {
		xasprintf(cause, "payload is required for a trigger");
		goto fail;
	}
	if (intake_events_string(p, "summary", ALERT_SUMMARY_MAX, 1,
	    &ev->an.summary, cause) != 0) {
		char *c = *cause;

		xasprintf(cause, "payload.%s", c);
		free(c);
		goto fail;
	}
	if (intake_events_string(p, "source", ALERT_KEY_MAX, 1, &ev->an.source,
	    cause) != 0 ||
	    intake_events_string(p, "severity", 16, 1, &sev, cause) != 0) {
		char *c = *cause;

		xasprintf(cause, "payload.%s", c);
		free(c);
		goto fail;
	}
	for (i = 0; i < 4; i++)
		if (strcmp(sev, intake_events_severities[i]) == 0)
			break;
	if (i == 4) {
		xasprintf(cause, "payload.severity must be critical, error,"
		    " warning or info");
		goto fail;
	}
	ev->an.priority = map->severity[i];
	ev->an.service = xstrdup(def->service);
	if (ev->dedup_key != NULL)
		ev->an.dedup_key = xstrdup(ev->dedup_key);
	d = json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?}",
	    "severity", json_object_get(p, "severity"),
	    "timestamp", json_object_get(p, "timestamp"),
	    "component", json_object_get(p, "component"),
	    "group", json_object_get(p, "group"),
	    "class", json_object_get(p, "class"),
	    "custom_details", json_object_get(p, "custom_details"));
	if (d != NULL) {
		ev->an.details = json_dumps(d, JSON_COMPACT);
		json_decref(d);
	}
	ev->an.links = intake_events_links(o);
done:
	free(action);
	free(sev);
	json_decref(o);
	return 0;
fail:
	free(action);
	free(sev);
	intake_event_clear(ev);
	json_decref(o);
	return -1;
}
