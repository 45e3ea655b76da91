/* SPDX-License-Identifier: ISC */
/*
 * conf-maint.c: the "maintenance" list of pagerd.conf: recurring
 * maintenance windows (maint.h), each a name, a zone, the local
 * weekdays it starts on, its local hours, and the matchers, comment and
 * page_on_expiry of the silence each occurrence is.  Every problem is
 * reported with the window's file and line, so that pagerd -t refuses
 * a bad window before a reload takes it.
 */
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "conf.h"
#include "conf-private.h"
#include "maint.h"
#include "silence.h"
#include "tz.h"
#include "xmalloc.h"

/* A matcher string of window w: at most max bytes, or an error. */
static char *
conf_maint_string(struct conf_ctx *x, const config_setting_t *g,
    const char *w, const char *key, size_t max)
{
	const config_setting_t *v;
	const char *str;

	if ((v = config_setting_get_member(g, key)) == NULL)
		return NULL;
	if ((str = config_setting_get_string(v)) == NULL || *str == '\0' ||
	    strlen(str) > max) {
		CERR(x, v, "maintenance \"%s\": %s must be a string of 1 to"
		    " %zu bytes", w, key, max);
		return NULL;
	}
	return xstrdup(str);
}

static void
conf_maint_labels(struct conf_ctx *x, const config_setting_t *g,
    struct maint_window *w)
{
	const config_setting_t *l, *v;
	const char *str;
	int i, n;

	if ((l = config_setting_get_member(g, "labels")) == NULL)
		return;
	if (!config_setting_is_group(l) ||
	    (n = config_setting_length(l)) > SILENCE_LABELS_MAX) {
		CERR(x, l, "maintenance \"%s\": labels must be a group of at"
		    " most %d strings { name = \"value\"; ... }", w->name,
		    SILENCE_LABELS_MAX);
		return;
	}
	w->s.labels = xcalloc(n + 1, sizeof *w->s.labels);
	for (i = 0; i < n; i++) {
		v = config_setting_get_elem(l, i);
		if ((str = config_setting_get_string(v)) == NULL ||
		    *str == '\0' || strlen(str) > ALERT_KEY_MAX) {
			CERR(x, v, "maintenance \"%s\": label %s must be a"
			    " string of 1 to %d bytes", w->name,
			    config_setting_name(v), ALERT_KEY_MAX);
			continue;
		}
		w->s.labels[w->s.nlabels].name =
		    xstrdup(config_setting_name(v));
		w->s.labels[w->s.nlabels++].value = xstrdup(str);
	}
}

/* One window. */
static void
conf_maint_one(struct conf_ctx *x, const config_setting_t *g,
    struct maint_window *w)
{
	static const char *known[] = { "name", "timezone", "days", "hours",
		"service", "priority", "dedup_key", "summary", "source",
		"labels", "comment", "page_on_expiry", NULL };
	const config_setting_t *v;
	const char *str;
	char *cause = NULL, from[8];
	int b;

	conf_read_known(x, g, "a maintenance window", known);
	w->line = conf_line(g);
	if (config_setting_lookup_string(g, "name", &str) && *str != '\0' &&
	    strlen(str) <= 64 && strspn(str, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(str))
		w->name = xstrdup(str);
	else {
		CERR(x, g, "maintenance window needs a name of up to 64"
		    " letters, digits, '.', '_' or '-'");
		w->name = xstrdup("");
	}
	if (!config_setting_lookup_string(g, "timezone", &str))
		CERR(x, g, "maintenance \"%s\" needs a timezone such as"
		    " \"Europe/London\"", w->name);
	else if ((w->tz = tz_load(str, &cause)) == NULL) {
		CERR(x, config_setting_get_member(g, "timezone"),
		    "maintenance \"%s\": timezone: %s", w->name, cause);
		free(cause);
	}
	if (!config_setting_lookup_string(g, "days", &str))
		CERR(x, g, "maintenance \"%s\" needs days such as \"Sun\" or"
		    " \"Mon-Fri\"", w->name);
	else if (conf_days_parse(str, &w->days) != 0)
		CERR(x, config_setting_get_member(g, "days"),
		    "maintenance \"%s\": days must look like \"Sun\","
		    " \"Mon-Fri\" or \"Mon,Wed,Fri\"", w->name);
	if (!config_setting_lookup_string(g, "hours", &str))
		CERR(x, g, "maintenance \"%s\" needs hours such as"
		    " \"02:00-04:00\"", w->name);
	else if (strlen(str) != 11 || str[5] != '-' ||
	    (memcpy(from, str, 5), from[5] = '\0', conf_hhmm(from,
	    &w->start_min) != 0) || conf_hhmm(str + 6, &w->end_min) != 0 ||
	    w->start_min == w->end_min || w->start_min == 24 * 60)
		CERR(x, config_setting_get_member(g, "hours"),
		    "maintenance \"%s\": hours must be \"HH:MM-HH:MM\", local"
		    " times that differ (an end before the start is the next"
		    " day)", w->name);
	w->s.service = conf_maint_string(x, g, w->name, "service",
	    ALERT_KEY_MAX);
	w->s.dedup_key = conf_maint_string(x, g, w->name, "dedup_key",
	    ALERT_KEY_MAX);
	w->s.summary = conf_maint_string(x, g, w->name, "summary",
	    SILENCE_PATTERN_MAX);
	w->s.source = conf_maint_string(x, g, w->name, "source",
	    ALERT_KEY_MAX);
	if ((v = config_setting_get_member(g, "priority")) != NULL &&
	    ((str = config_setting_get_string(v)) == NULL ||
	    (w->s.priority = alert_priority_parse(str)) <= 0)) {
		w->s.priority = 0;
		CERR(x, v, "maintenance \"%s\": priority must be one of"
		    " P1..P4", w->name);
	}
	conf_maint_labels(x, g, w);
	w->s.comment = conf_maint_string(x, g, w->name, "comment",
	    SILENCE_COMMENT_MAX);
	if (w->s.comment == NULL)
		xasprintf(&w->s.comment, "maintenance window %s", w->name);
	w->s.page_on_expiry = 1;
	if ((v = config_setting_get_member(g, "page_on_expiry")) != NULL) {
		if (config_setting_type(v) != CONFIG_TYPE_BOOL)
			CERR(x, v, "maintenance \"%s\": page_on_expiry must be"
			    " true or false", w->name);
		else if ((b = config_setting_get_bool(v)) == 0)
			w->s.page_on_expiry = 0;
	}
	w->s.creator = xstrdup("pagerd.conf");
	w->s.window = xstrdup(w->name);
	if (silence_check_matchers(&w->s, &cause) != 0) {
		CERR(x, g, "maintenance \"%s\": %s", w->name, cause);
		free(cause);
	}
}

/* The "maintenance" section; names must be unique. */
void
conf_maint_load(struct conf *c, const config_t *cfg, struct conf_errors *e)
{
	struct conf_ctx x = { c, e, c->path };
	const config_setting_t *l, *g;
	int i, n;
	size_t j, k;

	if ((l = config_lookup(cfg, "maintenance")) == NULL)
		return;
	if (!config_setting_is_list(l)) {
		CERR(&x, l, "maintenance must be a list ( ... )");
		return;
	}
	if ((n = config_setting_length(l)) == 0)
		return;
	c->maint = xcalloc(n, sizeof *c->maint);
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(l, i);
		if (!config_setting_is_group(g)) {
			CERR(&x, g, "maintenance entries must be groups"
			    " { ... }");
			continue;
		}
		conf_maint_one(&x, g, &c->maint[c->nmaint++]);
	}
	for (j = 0; j < c->nmaint; j++)
		for (k = 0; k < j; k++)
			if (strcmp(c->maint[j].name, c->maint[k].name) == 0)
				conf_error(e, c->path, c->maint[j].line,
				    "maintenance \"%s\" is defined twice",
				    c->maint[j].name);
}

void
conf_maint_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nmaint; i++)
		maint_window_clear(&c->maint[i]);
	free(c->maint);
}
