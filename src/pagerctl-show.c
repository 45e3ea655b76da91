/* SPDX-License-Identifier: ISC */
/*
 * pagerctl-show.c: "pagerctl show ID", one alert: its fields, its SLA
 * clocks and its audit timeline, each event's detail made readable.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "number.h"
#include "pagerctl-fmt.h"
#include "pagerctl.h"
#include "xmalloc.h"

/* One value of an audit event's detail, readable: strings bare. */
static char *
pagerctl_show_value(const char *key, const json_t *v)
{
	char when[PAGERCTL_FMT_TIME_LEN], *s;

	if (json_is_string(v)) {
		if (json_string_length(v) == 0 ||
		    strpbrk(json_string_value(v), " =\"") != NULL)
			xasprintf(&s, "\"%s\"", json_string_value(v));
		else
			s = xstrdup(json_string_value(v));
	} else if (json_is_integer(v) && strlen(key) > 3 &&
	    strcmp(key + strlen(key) - 3, "_ms") == 0)
		s = xstrdup(pagerctl_fmt_time(json_integer_value(v), when,
		    sizeof when));
	else if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		fatalx("json_dumps failed");
	return s;
}

/*
 * The detail of an audit event as one readable line: a note is its
 * text; anything else is "key=value" pairs in the daemon's order, an
 * instant "x_ms" shown as local time "x=...", and "late_ms" left out
 * when "late" says the same.
 */
static char *
pagerctl_show_detail(const char *kind, const json_t *d)
{
	const char *k, *text;
	json_t *v;
	char *out = xstrdup(""), *val, *next, *name;

	if (strcmp(kind, "note") == 0 &&
	    (text = json_string_value(json_object_get(d, "text"))) != NULL) {
		free(out);
		return xstrdup(text);
	}
	if (!json_is_object(d)) {
		free(out);
		if (json_is_null(d) || d == NULL)
			return xstrdup("");
		return pagerctl_show_value("", d);
	}
	json_object_foreach((json_t *)d, k, v) {
		if (strcmp(k, "late_ms") == 0 &&
		    json_object_get(d, "late") != NULL)
			continue;
		name = xstrdup(k);
		val = pagerctl_show_value(k, v);
		if (json_is_integer(v) && strlen(name) > 3 &&
		    strcmp(name + strlen(name) - 3, "_ms") == 0)
			name[strlen(name) - 3] = '\0';
		xasprintf(&next, "%s%s%s=%s", out, *out != '\0' ? " " : "",
		    name, val);
		free(name);
		free(val);
		free(out);
		out = next;
	}
	return out;
}

/* One "label  value" line of pagerctl show, value cleaned. */
static void
pagerctl_show_line(const char *label, const char *value)
{
	char *clean = pagerctl_fmt_clean(value);

	printf("%-16s%s\n", label, clean);
	free(clean);
}

/*
 * The state of SLA clock k (object v) of alert j: "met", "open", or
 * "breached" with how late its breach record says the response is:
 * final once the clock stopped, "so far" while it runs.
 */
static char *
pagerctl_show_sla(const json_t *j, const char *k, const json_t *v)
{
	const json_t *b;
	char late[32], *s;
	size_t i;

	if (!json_is_true(json_object_get(v, "breached")))
		return xstrdup(json_is_true(json_object_get(v, "met")) ? "met" :
		    "open");
	json_array_foreach(json_object_get(j, "breaches"), i, b) {
		if (strcmp(pagerctl_str(b, "clock"), k) != 0)
			continue;
		pagerctl_fmt_duration(json_integer_value(json_object_get(b,
		    "late_ms")), late, sizeof late);
		xasprintf(&s, "breached, late by %s%s", late,
		    json_is_true(json_object_get(b, "final")) ? "" :
		    " so far");
		return s;
	}
	return xstrdup("breached");
}

/* pagerctl show ID: the alert, its SLA clocks and its audit timeline. */
int
pagerctl_show(struct pagerctl *ctl, int argc, char **argv)
{
	static const char *times[][2] = {
		{ "created", "created_at" },
		{ "updated", "updated_at" },
		{ "acknowledged", "acknowledged_at" },
		{ "first response", "first_response_at" },
		{ "resolved", "resolved_at" },
	};
	struct pagerctl_table *t;
	json_t *j, *v, *ev;
	const char *k;
	char *path, *line, *s, *state, *who, num[32];
	char when[PAGERCTL_FMT_TIME_LEN];
	char ago[32];
	int64_t ms, now = clock_now_ms();
	size_t i;
	int rc;

	if (argc != 2 || number_positive(argv[1]) < 0)
		pagerctl_cmd_usage("show");
	xasprintf(&path, "/api/v1/alerts/%s", argv[1]);
	if ((rc = pagerctl_api_call(ctl, path, NULL, &j)) != PAGERCTL_OK ||
	    j == NULL)
		return rc;
	line = pagerctl_fmt_clean(pagerctl_str(j, "summary"));
	printf("alert %s: %s\n", argv[1], line);
	free(line);
	pagerctl_show_line("service", pagerctl_str(j, "service"));
	pagerctl_show_line("priority", pagerctl_str(j, "priority"));
	xasprintf(&line, "%s, stage %s", pagerctl_str(j, "status"),
	    pagerctl_int(j, "stage", num, sizeof num));
	pagerctl_show_line("status", line);
	free(line);
	pagerctl_show_line("count", pagerctl_int(j, "count", num, sizeof num));
	pagerctl_show_line("dedup key", pagerctl_str(j, "dedup_key"));
	pagerctl_show_line("integration", pagerctl_str(j, "integration"));
	pagerctl_show_line("source", pagerctl_str(j, "source"));
	for (i = 0; i < nitems(times); i++) {
		ms = pagerctl_ms(j, times[i][1]);
		if (ms == 0) {
			pagerctl_show_line(times[i][0], "-");
			continue;
		}
		pagerctl_fmt_time(ms, when, sizeof when);
		xasprintf(&line, "%s (%s ago)", when,
		    pagerctl_fmt_duration(now - ms, ago, sizeof ago));
		pagerctl_show_line(times[i][0], line);
		free(line);
	}
	v = json_object_get(j, "details");
	if (v != NULL && !json_is_null(v) && json_object_size(v) != 0) {
		if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
			fatalx("json_dumps failed");
		pagerctl_show_line("details", s);
		free(s);
	}
	v = json_object_get(j, "external_url");
	if (json_is_string(v))
		pagerctl_show_line("ticket", json_string_value(v));
	json_array_foreach(json_object_get(j, "links"), i, v) {
		pagerctl_show_line(i == 0 ? "links" : "", json_is_string(v) ?
		    json_string_value(v) : pagerctl_str(v, "href"));
	}

	printf("\n");
	t = pagerctl_table_new(3, "lll", "SLA", "DUE", "STATE");
	json_object_foreach(json_object_get(j, "sla"), k, v) {
		if (json_is_null(v)) {
			pagerctl_table_add(t, k, "-", "none");
			continue;
		}
		state = pagerctl_show_sla(j, k, v);
		pagerctl_table_add(t, k, pagerctl_fmt_time(pagerctl_ms(v,
		    "due_at"), when, sizeof when), state);
		free(state);
	}
	if (pagerctl_table_rows(t) > 0)
		pagerctl_table_print(t);
	else
		pagerctl_table_free(t);

	printf("\n");
	t = pagerctl_table_new(4, "llll", "TIME", "ACTOR", "EVENT", "DETAIL");
	pagerctl_table_flex(t, 3);
	json_array_foreach(json_object_get(j, "events"), i, ev) {
		s = pagerctl_show_detail(pagerctl_str(ev, "kind"),
		    json_object_get(ev, "detail"));
		/* "e2e-responder for ann": the key, and for whom it acted */
		if ((v = json_object_get(ev, "on_behalf_of")) != NULL &&
		    json_is_string(v))
			xasprintf(&who, "%s for %s", pagerctl_str(ev, "actor"),
			    json_string_value(v));
		else
			who = xstrdup(pagerctl_str(ev, "actor"));
		pagerctl_table_add(t, pagerctl_fmt_time(pagerctl_ms(ev, "at"),
		    when, sizeof when), who, pagerctl_str(ev, "kind"), s);
		free(who);
		free(s);
	}
	pagerctl_table_print(t);
	json_decref(j);
	return PAGERCTL_OK;
}
