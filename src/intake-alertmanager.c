/* SPDX-License-Identifier: ISC */
/*
 * intake-alertmanager.c: Prometheus Alertmanager webhook bodies
 * (payload version 4) into one alert_new per Alertmanager alert, keyed
 * on its fingerprint.  Priority comes from a label (default "severity"),
 * the service from another (default "service").  Pure.
 */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "alert.h"
#include "intake.h"
#include "intake-private.h"
#include "xmalloc.h"

#define INTAKE_AM_MAX_ALERTS 1000

static const char *intake_am_severities[] = { "critical", "error", "warning",
	"info" };

void
intake_am_clear(struct intake_am *am)
{
	size_t i;

	for (i = 0; i < am->n; i++)
		alert_new_clear(&am->alerts[i].an);
	free(am->alerts);
	memset(am, 0, sizeof *am);
}

/*
 * A copy of s (valid UTF-8) cut to at most max bytes on a character
 * boundary, with control characters (C0, DEL, and C1 U+0080..U+009F,
 * which a terminal may obey) turned into spaces.  For the formats whose
 * senders we do not control (Alertmanager, Events v2).
 */
char *
intake_clean_text(const char *s, size_t max)
{
	size_t len = strlen(s), i;
	char *out;

	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	out = xstrndup(s, len);
	for (i = 0; i < len; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
		else if ((unsigned char)out[i] == 0xc2 && i + 1 < len &&
		    (unsigned char)out[i + 1] >= 0x80 &&
		    (unsigned char)out[i + 1] <= 0x9f)
			out[i] = out[i + 1] = ' ';
	}
	return out;
}

static const char *
intake_am_get(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) && json_string_length(v) > 0 &&
	    strlen(json_string_value(v)) == json_string_length(v) ?
	    json_string_value(v) : NULL;
}

static int
intake_am_priority(const char *v, const struct intake_defaults *def,
    const struct intake_map *map)
{
	int i;

	if (v == NULL)
		return def->priority;
	for (i = 0; i < 4; i++)
		if (strcasecmp(v, intake_am_severities[i]) == 0)
			return map->severity[i];
	if ((i = alert_priority_parse(v)) > 0)
		return i;
	return def->priority;
}

static int
intake_am_one(json_t *a, json_t *top, const struct intake_defaults *def,
    const struct intake_map *map, struct intake_am_alert *out, size_t idx,
    char **cause)
{
	json_t *labels = json_object_get(a, "labels");
	json_t *ann = json_object_get(a, "annotations"), *d, *links;
	const char *status = intake_am_get(a, "status");
	const char *fp = intake_am_get(a, "fingerprint"), *s, *inst, *url;
	char *summary;

	if (!json_is_object(labels) || (ann != NULL && !json_is_null(ann) &&
	    !json_is_object(ann))) {
		xasprintf(cause, "alerts[%zu].labels must be an object", idx);
		return -1;
	}
	if (status == NULL || (strcmp(status, "firing") != 0 &&
	    strcmp(status, "resolved") != 0)) {
		xasprintf(cause, "alerts[%zu].status must be firing or"
		    " resolved", idx);
		return -1;
	}
	if (fp == NULL || strlen(fp) > ALERT_KEY_MAX) {
		xasprintf(cause, "alerts[%zu].fingerprint is required", idx);
		return -1;
	}
	out->firing = strcmp(status, "firing") == 0;
	out->an.dedup_key = xstrdup(fp);
	out->an.priority = intake_am_priority(intake_am_get(labels,
	    map->priority_label), def, map);
	s = intake_am_get(labels, map->service_label);
	out->an.service = intake_clean_text(s != NULL ? s : def->service,
	    ALERT_KEY_MAX);
	out->an.source = xstrdup("alertmanager");
	if ((s = intake_am_get(ann, "summary")) == NULL)
		s = intake_am_get(ann, "description");
	if (s != NULL)
		summary = xstrdup(s);
	else if ((s = intake_am_get(labels, "alertname")) != NULL) {
		if ((inst = intake_am_get(labels, "instance")) != NULL)
			xasprintf(&summary, "%s on %s", s, inst);
		else
			summary = xstrdup(s);
	} else
		xasprintf(&summary, "alert %s", fp);
	/* cut to ALERT_SUMMARY_MAX characters, as PagerDuty counts them */
	out->an.summary = intake_clean_text(summary,
	    intake_utf8_prefix(summary, ALERT_SUMMARY_MAX));
	free(summary);
	d = json_pack("{s:O,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?}", "labels", labels,
	    "annotations", ann, "startsAt", json_object_get(a, "startsAt"),
	    "endsAt", json_object_get(a, "endsAt"), "generatorURL",
	    json_object_get(a, "generatorURL"), "groupKey",
	    json_object_get(top, "groupKey"), "receiver",
	    json_object_get(top, "receiver"));
	if (d != NULL) {
		out->an.details = json_dumps(d, JSON_COMPACT);
		json_decref(d);
	}
	url = intake_am_get(a, "generatorURL");
	if (url != NULL && strlen(url) <= 2048 &&
	    (strncmp(url, "http://", 7) == 0 ||
	    strncmp(url, "https://", 8) == 0)) {
		links = json_pack("[{s:s,s:s}]", "href", url, "text",
		    "Prometheus");
		if (links != NULL) {
			out->an.links = json_dumps(links, JSON_COMPACT);
			json_decref(links);
		}
	}
	return 0;
}

/*
 * Parse a webhook body.  On error return -1 with *cause set (answered
 * 400, which Alertmanager does not retry) and am left empty.
 */
int
intake_am_parse(const char *buf, size_t len, const struct intake_defaults *def,
    const struct intake_map *map, struct intake_am *am, char **cause)
{
	json_t *o, *alerts, *a;
	const char *version;
	size_t i, n;

	memset(am, 0, sizeof *am);
	if ((o = intake_json_object(buf, len, 0, cause)) == NULL)
		return -1;
	version = intake_am_get(o, "version");
	if (version == NULL || strcmp(version, "4") != 0) {
		xasprintf(cause, "version must be \"4\"");
		goto fail;
	}
	alerts = json_object_get(o, "alerts");
	if (!json_is_array(alerts)) {
		xasprintf(cause, "alerts must be an array");
		goto fail;
	}
	n = json_array_size(alerts);
	if (n > INTAKE_AM_MAX_ALERTS) {
		xasprintf(cause, "more than %d alerts in one notification",
		    INTAKE_AM_MAX_ALERTS);
		goto fail;
	}
	am->alerts = xcalloc(n > 0 ? n : 1, sizeof *am->alerts);
	json_array_foreach(alerts, i, a) {
		if (!json_is_object(a)) {
			xasprintf(cause, "alerts[%zu] must be an object", i);
			goto fail;
		}
		am->n++;
		if (intake_am_one(a, o, def, map, &am->alerts[i], i,
		    cause) != 0)
			goto fail;
	}
	json_decref(o);
	return 0;
fail:
	intake_am_clear(am);
	json_decref(o);
	return -1;
}
