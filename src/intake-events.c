/* SPDX-License-Identifier: ISC */
/*
 * intake-events.c: PagerDuty Events API v2 bodies, validated: alert
 * events (POST /v2/enqueue) into an intake_event, change events (POST
 * /v2/change/enqueue) into an intake_change.  Pure.  Severity maps to a
 * priority through the configured table (critical P1, error P2, warning
 * P3, info P4 by default); payload.source and custom_details go into
 * details; links, images, client and client_url are kept, checked and
 * bounded (intake.h) so that no event can bloat the store.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert.h"
#include "intake.h"
#include "intake-private.h"
#include "iso8601.h"
#include "xmalloc.h"

static const char *intake_events_severities[] = { "critical", "error",
	"warning", "info" };

/*
 * Optional string member name of o, 1 to max characters if chars (as
 * PagerDuty counts its summary) else bytes, into *out with control
 * characters made spaces.  where prefixes the name in *cause
 * ("payload.").
 */
static int
intake_events_string(json_t *o, const char *where, const char *name,
    size_t max, int chars, int required, char **out, char **cause)
{
	json_t *v = json_object_get(o, name);
	const char *s;

	if (v == NULL || json_is_null(v)) {
		if (required)
			xasprintf(cause, "%s%s is required", where, name);
		return required ? -1 : 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v) ||
	    (chars ? intake_utf8_len(json_string_value(v)) :
	    json_string_length(v)) > max) {
		xasprintf(cause, "%s%s must be a string of 1 to %zu %s", where,
		    name, max, chars ? "characters" : "bytes");
		return -1;
	}
	s = json_string_value(v);
	*out = intake_clean_text(s, strlen(s));
	return 0;
}

/*
 * Is v a URL pagerd may show as a link: a string starting http:// (or
 * only https:// if https), at most INTAKE_EVENTS_URL_MAX bytes, with no
 * space or control character (which would end or forge it in a chat
 * message)?
 */
static int
intake_events_url_ok(json_t *v, int https)
{
	return json_is_string(v) && intake_link_ok(json_string_value(v),
	    json_string_length(v), https);
}

/* The same test of s, of len bytes (the mapped intake's external_url). */
int
intake_link_ok(const char *s, size_t len, int https)
{
	const unsigned char *p;

	if (len > INTAKE_EVENTS_URL_MAX || strlen(s) != len)
		return 0;
	if (strncasecmp(s, "https://", 8) == 0)
		s += 8;
	else if (!https && strncasecmp(s, "http://", 7) == 0)
		s += 7;
	else
		return 0;
	if (*s == '\0' || *s == '/')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || (p[0] == 0xc2 &&
		    p[1] >= 0x80 && p[1] <= 0x9f))
			return 0;
	return 1;
}

/*
 * Is the optional member v left out: absent, null, or "" (Prometheus
 * Alertmanager's pagerduty_configs send "alt":"", "href":"" and
 * "text":"" for what they were not given)?
 */
static int
intake_events_absent(json_t *v)
{
	return v == NULL || json_is_null(v) ||
	    (json_is_string(v) && json_string_length(v) == 0);
}

/*
 * A member of an entry of links or images: optional (absent, null, "") or
 * a string label of at most INTAKE_EVENTS_LABEL_MAX characters, set on
 * out cleaned; -1 with *cause if it is something else.
 */
static int
intake_events_label(json_t *l, const char *list, size_t i, const char *name,
    json_t *out, char **cause)
{
	json_t *v = json_object_get(l, name);
	char *t;

	if (intake_events_absent(v))
		return 0;
	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v) ||
	    intake_utf8_len(json_string_value(v)) > INTAKE_EVENTS_LABEL_MAX) {
		xasprintf(cause, "%s[%zu].%s must be a string of at most %d"
		    " characters", list, i, name, INTAKE_EVENTS_LABEL_MAX);
		return -1;
	}
	t = intake_clean_text(json_string_value(v), json_string_length(v));
	json_object_set_new(out, name, json_string(t));
	free(t);
	return 0;
}

/*
 * The end of reading an array of links or images: on success (rc 0)
 * what was kept, if anything, into *out as compact JSON; arr is freed.
 */
static int
intake_events_kept(json_t *arr, char **out, int rc)
{
	if (rc == 0 && json_array_size(arr) > 0)
		*out = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return rc;
}

/*
 * links: [{"href": URL, "text": label}], at most INTAKE_EVENTS_LINKS_MAX,
 * into *out as compact JSON of those two members only (NULL if none).
 * Anything else in the entries is dropped; a wrong type is refused.
 */
static int
intake_events_links(json_t *o, char **out, char **cause)
{
	json_t *links = json_object_get(o, "links"), *arr, *l, *e;
	size_t i;

	if (links == NULL || json_is_null(links))
		return 0;
	if (!json_is_array(links) || json_array_size(links) >
	    INTAKE_EVENTS_LINKS_MAX) {
		xasprintf(cause, "links must be an array of at most %d links",
		    INTAKE_EVENTS_LINKS_MAX);
		return -1;
	}
	arr = json_array();
	json_array_foreach(links, i, l) {
		if (!json_is_object(l) ||
		    !intake_events_url_ok(json_object_get(l, "href"), 0)) {
			xasprintf(cause, "links[%zu].href must be an http or"
			    " https URL of at most %d bytes", i,
			    INTAKE_EVENTS_URL_MAX);
			goto fail;
		}
		e = json_pack("{s:O}", "href", json_object_get(l, "href"));
		json_array_append_new(arr, e);
		if (intake_events_label(l, "links", i, "text", e, cause) != 0)
			goto fail;
	}
	return intake_events_kept(arr, out, 0);
fail:
	return intake_events_kept(arr, out, -1);
}

/*
 * images: [{"src": https URL, "href": URL, "alt": text}], at most
 * INTAKE_EVENTS_IMAGES_MAX, into *out as compact JSON (NULL if none).
 * PagerDuty requires src to be served over HTTPS.
 */
static int
intake_events_images(json_t *o, char **out, char **cause)
{
	json_t *images = json_object_get(o, "images"), *arr, *l, *e, *href;
	size_t i;

	if (images == NULL || json_is_null(images))
		return 0;
	if (!json_is_array(images) || json_array_size(images) >
	    INTAKE_EVENTS_IMAGES_MAX) {
		xasprintf(cause, "images must be an array of at most %d"
		    " images", INTAKE_EVENTS_IMAGES_MAX);
		return -1;
	}
	arr = json_array();
	json_array_foreach(images, i, l) {
		if (!json_is_object(l) ||
		    !intake_events_url_ok(json_object_get(l, "src"), 1)) {
			xasprintf(cause, "images[%zu].src must be an https URL"
			    " of at most %d bytes", i, INTAKE_EVENTS_URL_MAX);
			goto fail;
		}
		e = json_pack("{s:O}", "src", json_object_get(l, "src"));
		json_array_append_new(arr, e);
		href = json_object_get(l, "href");
		if (!intake_events_absent(href)) {
			if (!intake_events_url_ok(href, 0)) {
				xasprintf(cause, "images[%zu].href must be an"
				    " http or https URL of at most %d bytes",
				    i, INTAKE_EVENTS_URL_MAX);
				goto fail;
			}
			json_object_set(e, "href", href);
		}
		if (intake_events_label(l, "images", i, "alt", e, cause) != 0)
			goto fail;
	}
	return intake_events_kept(arr, out, 0);
fail:
	return intake_events_kept(arr, out, -1);
}

/*
 * client (a name) and client_url (an http or https URL) of a trigger;
 * either may be "", as Alertmanager sends them when not configured.
 */
static int
intake_events_client(json_t *o, struct alert_new *an, char **cause)
{
	json_t *u = json_object_get(o, "client_url");

	if (!intake_events_absent(json_object_get(o, "client")) &&
	    intake_events_string(o, "", "client", INTAKE_EVENTS_LABEL_MAX, 1,
	    0, &an->client, cause) != 0)
		return -1;
	if (intake_events_absent(u))
		return 0;
	if (!intake_events_url_ok(u, 0)) {
		xasprintf(cause, "client_url must be an http or https URL of"
		    " at most %d bytes", INTAKE_EVENTS_URL_MAX);
		return -1;
	}
	an->client_url = xstrdup(json_string_value(u));
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
	if (intake_events_string(o, "", "routing_key", 256, 0, 1,
	    &ev->routing_key, cause) != 0 ||
	    intake_events_string(o, "", "event_action", 16, 0, 1,
	    &action, cause) != 0 ||
	    intake_events_string(o, "", "dedup_key", ALERT_KEY_MAX, 0,
	    0, &ev->dedup_key, cause) != 0)
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
	if (intake_events_string(p, "payload.", "summary", ALERT_SUMMARY_MAX,
	    1, 1, &ev->an.summary, cause) != 0 ||
	    intake_events_string(p, "payload.", "source", ALERT_KEY_MAX, 0,
	    1, &ev->an.source, cause) != 0 ||
	    intake_events_string(p, "payload.", "severity", 16, 0, 1, &sev,
	    cause) != 0)
		goto fail;
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
	if (intake_events_links(o, &ev->an.links, cause) != 0 ||
	    intake_events_images(o, &ev->an.images, cause) != 0 ||
	    intake_events_client(o, &ev->an, cause) != 0)
		goto fail;
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

void
intake_change_clear(struct intake_change *c)
{
	free(c->routing_key);
	free(c->summary);
	free(c->source);
	free(c->details);
	free(c->links);
	memset(c, 0, sizeof *c);
}

/*
 * Parse a change event: routing_key, payload.summary (required),
 * payload.source, payload.timestamp (ISO 8601), payload.custom_details
 * (an object of at most INTAKE_EVENTS_DETAILS_MAX bytes) and links.  On
 * error return -1 with *cause naming the field, c left empty.
 */
int
intake_change_parse(const char *buf, size_t len, struct intake_change *c,
    char **cause)
{
	json_t *o, *p, *v;
	char *err = NULL;

	memset(c, 0, sizeof *c);
	o = intake_json_object(buf, len, JSON_REJECT_DUPLICATES, cause);
	if (o == NULL)
		return -1;
	if (intake_events_string(o, "", "routing_key", 256, 0, 1,
	    &c->routing_key, cause) != 0)
		goto fail;
	p = json_object_get(o, "payload");
	if (!json_is_object(p)) {
		xasprintf(cause, "payload is required");
		goto fail;
	}
	if (intake_events_string(p, "payload.", "summary", ALERT_SUMMARY_MAX,
	    1, 1, &c->summary, cause) != 0 ||
	    intake_events_string(p, "payload.", "source", ALERT_KEY_MAX, 0,
	    0, &c->source, cause) != 0)
		goto fail;
	v = json_object_get(p, "timestamp");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) > 64 ||
		    iso8601_parse(json_string_value(v), &c->at_ms,
		    &err) != 0) {
			xasprintf(cause, "payload.timestamp must be an ISO 8601"
			    " time with an offset");
			free(err);
			goto fail;
		}
	}
	v = json_object_get(p, "custom_details");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_object(v) || (c->details = json_dumps(v,
		    JSON_COMPACT)) == NULL ||
		    strlen(c->details) > INTAKE_EVENTS_DETAILS_MAX) {
			xasprintf(cause, "payload.custom_details must be an"
			    " object of at most %d bytes",
			    INTAKE_EVENTS_DETAILS_MAX);
			goto fail;
		}
	}
	if (intake_events_links(o, &c->links, cause) != 0)
		goto fail;
	json_decref(o);
	return 0;
fail:
	intake_change_clear(c);
	json_decref(o);
	return -1;
}
