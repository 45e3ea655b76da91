/* SPDX-License-Identifier: ISC */
/*
 * callback-body.c: the pure parts of a callback (callback.c sends
 * them): its body, from a template or the default JSON; the Standard
 * Webhooks signature; the checks of a configured header and template;
 * the delay before the next attempt.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alert.h"
#include "callback.h"
#include "hmac.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* An audit kind and the event type it is posted as. */
static const struct {
	const char *kind;
	const char *type;
} callback_types[] = {
	{ "ack", "alert.acknowledged" },
	{ "resolve", "alert.resolved" },
	{ "note", "alert.note" },
	{ "stage", "alert.escalated" },
	{ "breach", "alert.sla_breach" },
	{ "snooze", "alert.snoozed" },
	{ "retrigger", "alert.triggered" },
};

/* The fields a template may name, each as {name}. */
static const char *const callback_fields[] = {
	"type", "event", "timestamp", "actor", "via", "on_behalf_of", "id",
	"service", "summary", "priority", "dedup_key", "integration",
	"external_url", "stage", "note", "clock", "late",
};

const char *
callback_type(const char *kind)
{
	size_t i;

	for (i = 0; i < nitems(callback_types); i++)
		if (strcmp(kind, callback_types[i].kind) == 0)
			return callback_types[i].type;
	return "alert.changed";
}

/* t (UTC ms) as RFC 3339 with milliseconds, into buf. */
static const char *
callback_time(int64_t t, char *buf, size_t len)
{
	time_t secs = (time_t)(t / 1000);
	struct tm tm;

	char ymd[32];

	gmtime_r(&secs, &tm);
	strftime(ymd, sizeof ymd, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", ymd, (int)(t % 1000));
	return buf;
}

/* The value of field name (of callback_fields) for m into buf, or "". */
static const char *
callback_field(const struct callback_msg *m, json_t *detail,
    const char *name, char *buf, size_t len)
{
	const struct alert *a = m->alert;
	const char *v = NULL;
	json_t *j;

	if (strcmp(name, "type") == 0)
		v = callback_type(m->ev->kind);
	else if (strcmp(name, "event") == 0)
		v = m->ev->kind;
	else if (strcmp(name, "timestamp") == 0)
		v = callback_time(m->ev->at_ms, buf, len);
	else if (strcmp(name, "actor") == 0)
		v = m->ev->actor;
	else if (strcmp(name, "id") == 0) {
		snprintf(buf, len, "%lld", (long long)a->id);
		v = buf;
	} else if (strcmp(name, "service") == 0)
		v = a->service;
	else if (strcmp(name, "summary") == 0)
		v = a->summary;
	else if (strcmp(name, "priority") == 0)
		v = alert_priority_name(a->priority);
	else if (strcmp(name, "dedup_key") == 0)
		v = a->dedup_key;
	else if (strcmp(name, "integration") == 0)
		v = a->integration;
	else if (strcmp(name, "external_url") == 0)
		v = m->external_url;
	else if (strcmp(name, "stage") == 0) {
		if (strcmp(m->ev->kind, "stage") == 0 &&
		    json_is_integer(j = json_object_get(detail, "to")))
			snprintf(buf, len, "%lld",
			    (long long)json_integer_value(j));
		else
			snprintf(buf, len, "%d", a->stage);
		v = buf;
	} else {
		/* via, on_behalf_of, clock, late: the detail's; note: text */
		j = json_object_get(detail, strcmp(name, "note") == 0 ?
		    "text" : name);
		v = json_string_value(j);
	}
	return v != NULL ? v : "";
}

/* s JSON-escaped, without the quotes. */
static char *
callback_json_escape(const char *s)
{
	json_t *j = json_string(s);
	char *d, *out;

	if (j == NULL) /* not UTF-8 */
		j = json_string("?");
	if ((d = json_dumps(j, JSON_ENCODE_ANY)) == NULL)
		fatalx("json_dumps failed");
	json_decref(j);
	out = xstrndup(d + 1, strlen(d) - 2);
	free(d);
	return out;
}

/* The length of the field name {p + 1 ...} names, or 0 if none. */
static size_t
callback_placeholder(const char *p, size_t *idx)
{
	const char *end;
	size_t n, i;

	if (*p != '{' || (end = strchr(p + 1, '}')) == NULL)
		return 0;
	n = end - p - 1;
	for (i = 0; i < nitems(callback_fields); i++)
		if (strlen(callback_fields[i]) == n &&
		    strncmp(p + 1, callback_fields[i], n) == 0) {
			*idx = i;
			return n;
		}
	return 0;
}

/* The default body: {"type", "timestamp", "data": {...}}. */
static char *
callback_default(const struct callback_msg *m, json_t *detail)
{
	const struct alert *a = m->alert;
	char when[64], *out;
	json_t *al, *j;

	al = json_pack("{s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}", "id",
	    (json_int_t)a->id, "service", a->service, "priority",
	    alert_priority_name(a->priority), "summary", a->summary,
	    "dedup_key", a->dedup_key, "integration", a->integration,
	    "external_url", m->external_url);
	j = json_pack("{s:s,s:s,s:{s:o,s:s,s:s?,s:o}}", "type",
	    callback_type(m->ev->kind), "timestamp",
	    callback_time(m->ev->at_ms, when, sizeof when), "data",
	    "alert", al, "event", m->ev->kind, "actor", m->ev->actor,
	    "detail", detail != NULL ? json_incref(detail) : json_object());
	if (j == NULL || (out = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("callback: cannot build a body");
	json_decref(j);
	return out;
}

char *
callback_body(const struct callback_msg *m, const char *tpl)
{
	json_t *detail = NULL;
	char buf[64], *esc, *out = NULL;
	const char *p, *v;
	size_t len = 0, n, idx;
	FILE *f;

	if (m->ev->detail != NULL)
		detail = json_loads(m->ev->detail, 0, NULL);
	if (detail != NULL && !json_is_object(detail)) {
		json_decref(detail);
		detail = NULL;
	}
	if (tpl == NULL) {
		out = callback_default(m, detail);
		json_decref(detail);
		return out;
	}
	if ((f = open_memstream(&out, &len)) == NULL)
		fatal("open_memstream");
	for (p = tpl; *p != '\0'; p++) {
		if ((n = callback_placeholder(p, &idx)) == 0) {
			fputc(*p, f);
			continue;
		}
		v = callback_field(m, detail, callback_fields[idx], buf,
		    sizeof buf);
		esc = callback_json_escape(v);
		fputs(esc, f);
		free(esc);
		p += n + 1;
	}
	if (fclose(f) != 0)
		fatal("open_memstream");
	json_decref(detail);
	return out;
}

int
callback_template_check(const char *tpl, char **cause)
{
	const char *p, *end, *q;
	size_t idx;

	for (p = tpl; (p = strchr(p, '{')) != NULL; p++) {
		if (callback_placeholder(p, &idx) != 0 ||
		    (end = strchr(p + 1, '}')) == NULL || end == p + 1)
			continue;
		/* {word} that is no field: a typo, not JSON */
		for (q = p + 1; q < end; q++)
			if (!((*q >= 'a' && *q <= 'z') || *q == '_'))
				break;
		if (q == end) {
			xasprintf(cause, "unknown field {%.*s} in the body"
			    " template", (int)(end - p - 1), p + 1);
			return -1;
		}
	}
	return 0;
}

int
callback_header_check(const char *name, const char *value, char **cause)
{
	/* hop-by-hop, framing, and what pagerd sets itself */
	static const char *const reserved[] = { "connection", "keep-alive",
		"proxy-authenticate", "proxy-authorization", "proxy-connection",
		"te", "trailer", "transfer-encoding", "upgrade", "host",
		"content-length", "expect", "webhook-id", "webhook-timestamp",
		"webhook-signature" };
	const char *p;
	size_t i;

	if (*name == '\0') {
		*cause = xstrdup("a header needs a name");
		return -1;
	}
	for (p = name; *p != '\0'; p++)
		if (strchr("!#$%&'*+-.^_`|~", *p) == NULL &&
		    !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9'))) {
			xasprintf(cause, "header name \"%s\" is not an HTTP"
			    " token", name);
			return -1;
		}
	for (i = 0; i < nitems(reserved); i++)
		if (strcasecmp(name, reserved[i]) == 0) {
			xasprintf(cause, "header %s is set by pagerd or the"
			    " connection, not the configuration", name);
			return -1;
		}
	for (p = value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n' || (*p > 0 && *p < ' ' &&
		    *p != '\t') || *p == 0x7f) {
			xasprintf(cause, "header %s: the value holds a control"
			    " character (CR, LF ...)", name);
			return -1;
		}
	return 0;
}

char *
callback_sign(const uint8_t *key, size_t keylen, const char *id, int64_t ts,
    const char *body)
{
	uint8_t mac[HMAC_SHA256_LEN];
	char *msg, *b64, *out;

	xasprintf(&msg, "%s.%lld.%s", id, (long long)ts, body);
	hmac_sha256(key, keylen, msg, strlen(msg), mac);
	free(msg);
	b64 = hmac_base64(mac, sizeof mac);
	xasprintf(&out, "v1,%s", b64);
	free(b64);
	return out;
}

int64_t
callback_backoff(int failed, int64_t base, int64_t max, int64_t retry_after,
    uint32_t r)
{
	int64_t d = base;
	int i;

	for (i = 1; i < failed && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	d = d / 2 + (int64_t)((double)(d - d / 2) * r / UINT32_MAX);
	if (d < retry_after)
		d = retry_after;
	return d > max ? max : d;
}
