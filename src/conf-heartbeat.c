/* SPDX-License-Identifier: ISC */
/*
 * conf-heartbeat.c: the "heartbeats" list of pagerd.conf: one group per
 * monitor (name, interval, and the priority, service and summary of the
 * alert raised when its check-ins stop).  heartbeat.c runs them.
 */
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "conf.h"
#include "conf-private.h"
#include "duration.h"
#include "heartbeat.h"
#include "xmalloc.h"

/* One heartbeat monitor: name, interval, and the alert it raises. */
static void
conf_heartbeat_one(struct conf_ctx *x, const config_setting_t *g,
    struct heartbeat_conf *h)
{
	static const char *known[] = { "name", "interval", "priority",
		"service", "summary", NULL };
	const char *str;

	conf_read_known(x, g, "a heartbeat", known);
	h->line = conf_line(g);
	if (config_setting_lookup_string(g, "name", &str) && *str != '\0' &&
	    strlen(str) <= 64 && strspn(str, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(str))
		h->name = xstrdup(str);
	else {
		CERR(x, g, "heartbeat needs a name of up to 64 letters, digits,"
		    " '.', '_' or '-'");
		h->name = xstrdup("");
	}
	if (config_setting_get_member(g, "interval") == NULL)
		CERR(x, g, "heartbeat \"%s\" needs an interval", h->name);
	else if (conf_read_member_duration(x, g, "interval",
	    &h->interval_ms) == 0 && (h->interval_ms < DURATION_SECOND ||
	    h->interval_ms > 31 * DURATION_DAY))
		CERR(x, g, "heartbeat \"%s\": interval must be from 1s to 31d",
		    h->name);
	h->priority = 2;
	if (config_setting_lookup_string(g, "priority", &str) &&
	    (h->priority = alert_priority_parse(str)) < 0)
		CERR(x, g, "heartbeat \"%s\": priority must be one of P1..P4",
		    h->name);
	h->service = xstrdup(config_setting_lookup_string(g, "service", &str) ?
	    str : x->c->intake_default_service != NULL ?
	    x->c->intake_default_service : "default");
	if (config_setting_lookup_string(g, "summary", &str))
		h->summary = xstrdup(str);
}

/* The "heartbeats" section; names must be unique. */
void
conf_heartbeat_load(struct conf *c, const config_t *cfg,
    struct conf_errors *e)
{
	struct conf_ctx x = { c, e, c->path };
	const config_setting_t *l, *g;
	int i, n;
	size_t j, k;

	if ((l = config_lookup(cfg, "heartbeats")) == NULL)
		return;
	if (!config_setting_is_list(l)) {
		CERR(&x, l, "heartbeats must be a list ( ... )");
		return;
	}
	if ((n = config_setting_length(l)) == 0)
		return;
	c->heartbeats = xcalloc(n, sizeof *c->heartbeats);
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(l, i);
		if (!config_setting_is_group(g)) {
			CERR(&x, g, "heartbeats entries must be groups"
			    " { ... }");
			continue;
		}
		conf_heartbeat_one(&x, g, &c->heartbeats[c->nheartbeats++]);
	}
	for (j = 0; j < c->nheartbeats; j++)
		for (k = 0; k < j; k++)
			if (strcmp(c->heartbeats[j].name,
			    c->heartbeats[k].name) == 0)
				conf_error(e, c->path, c->heartbeats[j].line,
				    "heartbeat \"%s\" is defined twice",
				    c->heartbeats[j].name);
}

void
conf_heartbeat_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nheartbeats; i++) {
		free(c->heartbeats[i].name);
		free(c->heartbeats[i].service);
		free(c->heartbeats[i].summary);
	}
	free(c->heartbeats);
}
