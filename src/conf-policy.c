/* SPDX-License-Identifier: ISC */
/*
 * conf-policy.c: the "sla", "business_hours" and "policies" sections of
 * pagerd.conf: SLA targets per priority (with the usual defaults),
 * business-hours calendars, and four-stage escalation policies.  The
 * "heartbeats" section is conf-heartbeat.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf-private.h"
#include "duration.h"
#include "log.h"
#include "policy.h"
#include "tz.h"
#include "xmalloc.h"

/* Response, first response, resolution per priority (DESIGN.md 5). */
static const int64_t conf_sla_defaults[4][SLA_NCLOCKS] = {
	{ 5 * DURATION_MINUTE, 15 * DURATION_MINUTE, 4 * DURATION_HOUR },
	{ 15 * DURATION_MINUTE, 30 * DURATION_MINUTE, DURATION_DAY },
	{ DURATION_HOUR, 2 * DURATION_HOUR, 3 * DURATION_DAY },
	{ 4 * DURATION_HOUR, 6 * DURATION_HOUR, 5 * DURATION_DAY },
};

static const char *conf_days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };

static int
conf_day_parse(const char *s)
{
	int i;

	for (i = 0; i < 7; i++)
		if (strncasecmp(s, conf_days[i], 3) == 0)
			return i;
	return -1;
}

/* "Mon-Fri", "Mon,Wed,Fri", "Fri-Mon" into a weekday bit mask. */
int
conf_days_parse(const char *s, unsigned *mask)
{
	int a, b;

	*mask = 0;
	for (;;) {
		if ((a = conf_day_parse(s)) < 0)
			return -1;
		s += 3;
		b = a;
		if (*s == '-') {
			if ((b = conf_day_parse(s + 1)) < 0)
				return -1;
			s += 4;
		}
		for (;;) {
			*mask |= 1u << a;
			if (a == b)
				break;
			a = (a + 1) % 7;
		}
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			return -1;
	}
}

/* "HH:MM" (00:00 to 24:00) into minutes. */
int
conf_hhmm(const char *s, int *min)
{
	int h, m, n;

	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || h < 0 ||
	    m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*min = h * 60 + m;
	return 0;
}

static int
conf_date(const char *s, int64_t *day)
{
	int y, m, d, n;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    m < 1 || m > 12 || d < 1 || d > tz_days_in_month(y, m))
		return -1;
	*day = tz_days_from_civil(y, m, d);
	return 0;
}

static int
conf_int64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
conf_load_calendar(struct conf_ctx *x, const config_setting_t *g,
    struct bizhours *b)
{
	static const char *known[] = { "name", "timezone", "days", "hours",
		"holidays", NULL };
	const config_setting_t *h, *v;
	const char *str;
	char *cause, open[8];
	int i, n;

	conf_read_known(x, g, "business_hours", known);
	if (config_setting_lookup_string(g, "name", &str) && *str != '\0')
		b->name = xstrdup(str);
	else {
		CERR(x, g, "business_hours entry needs a name");
		b->name = xstrdup("");
	}
	if (!config_setting_lookup_string(g, "timezone", &str))
		CERR(x, g, "business_hours \"%s\" needs a timezone", b->name);
	else if ((b->tz = tz_load(str, &cause)) == NULL) {
		CERR(x, g, "business_hours \"%s\": %s", b->name, cause);
		free(cause);
	}
	if (!config_setting_lookup_string(g, "days", &str))
		str = "Mon-Fri";
	if (conf_days_parse(str, &b->days) != 0)
		CERR(x, g, "business_hours \"%s\": days must look like"
		    " \"Mon-Fri\" or \"Mon,Wed,Fri\"", b->name);
	if (!config_setting_lookup_string(g, "hours", &str))
		CERR(x, g, "business_hours \"%s\" needs hours such as"
		    " \"09:00-17:00\"", b->name);
	else if (strlen(str) != 11 || str[5] != '-' ||
	    (memcpy(open, str, 5), open[5] = '\0', conf_hhmm(open,
	    &b->open_min) != 0) || conf_hhmm(str + 6, &b->close_min) != 0 ||
	    b->open_min >= b->close_min)
		CERR(x, g, "business_hours \"%s\": hours must be"
		    " \"HH:MM-HH:MM\" with the opening before the closing",
		    b->name);
	if ((h = config_setting_get_member(g, "holidays")) != NULL) {
		n = config_setting_length(h);
		if (!config_setting_is_array(h) && !config_setting_is_list(h))
			n = 0;
		b->holidays = xcalloc(n > 0 ? n : 1, sizeof *b->holidays);
		for (i = 0; i < n; i++) {
			v = config_setting_get_elem(h, i);
			str = config_setting_get_string(v);
			if (str == NULL || conf_date(str,
			    &b->holidays[b->nholidays]) != 0)
				CERR(x, h, "business_hours \"%s\": holidays must"
				    " be dates such as \"2026-12-25\"", b->name);
			else
				b->nholidays++;
		}
		qsort(b->holidays, b->nholidays, sizeof *b->holidays,
		    conf_int64_cmp);
	}
}

static const struct bizhours *
conf_calendar_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ncalendars; i++)
		if (strcmp(c->calendars[i].name, name) == 0)
			return &c->calendars[i];
	return NULL;
}

static void
conf_load_sla(struct conf_ctx *x, const config_setting_t *sla)
{
	static const char *known_top[] = { "reminder", "P1", "P2", "P3", "P4",
		NULL };
	static const char *known_p[] = { "response", "first_response",
		"resolution", "reminder", "calendar", NULL };
	const config_setting_t *g;
	const char *str;
	int64_t reminder = 0;
	char name[16];	/* "P1".."P4"; room for what -O1 cannot prove */
	int p, c;

	for (p = 0; p < 4; p++)
		for (c = 0; c < SLA_NCLOCKS; c++)
			x->c->sla[p].due[c] = conf_sla_defaults[p][c];
	if (sla == NULL)
		return;
	if (!config_setting_is_group(sla)) {
		CERR(x, sla, "sla must be a group { ... }");
		return;
	}
	conf_read_known(x, sla, "sla", known_top);
	conf_read_member_duration(x, sla, "reminder", &reminder);
	for (p = 0; p < 4; p++) {
		x->c->sla[p].reminder = reminder;
		snprintf(name, sizeof name, "P%d", p + 1);
		if ((g = config_setting_get_member(sla, name)) == NULL)
			continue;
		if (!config_setting_is_group(g)) {
			CERR(x, g, "sla.%s must be a group { ... }", name);
			continue;
		}
		conf_read_known(x, g, "sla priority", known_p);
		for (c = 0; c < SLA_NCLOCKS; c++) {
			conf_read_member_duration(x, g, sla_clock_name(c),
			    &x->c->sla[p].due[c]);
			if (x->c->sla[p].due[c] <= 0)
				CERR(x, g, "sla.%s.%s must be more than 0s",
				    name, sla_clock_name(c));
		}
		conf_read_member_duration(x, g, "reminder",
		    &x->c->sla[p].reminder);
		if (config_setting_lookup_string(g, "calendar", &str) &&
		    (x->c->sla[p].calendar = conf_calendar_find(x->c,
		    str)) == NULL)
			CERR(x, g, "sla.%s: no business_hours named \"%s\"",
			    name, str);
	}
	for (p = 0; p < 4; p++)
		for (c = 0; c < SLA_NCLOCKS; c++)
			if (x->c->sla[p].reminder >= x->c->sla[p].due[c]) {
				CERR(x, sla, "sla reminder of P%d must be"
				    " shorter than its %s target", p + 1,
				    sla_clock_name(c));
				break;
			}
}

/* "rota:NAME", "person:ID", "contact:ID" or "chat:NAME". */
static int
conf_target_parse(const char *s, struct policy_target *t)
{
	static const struct {
		const char *prefix;
		enum policy_target_kind kind;
	} kinds[] = { { "rota:", TARGET_ROTA }, { "person:", TARGET_PERSON },
		{ "contact:", TARGET_CONTACT }, { "chat:", TARGET_CHAT } };
	size_t i, len;

	for (i = 0; i < nitems(kinds); i++) {
		len = strlen(kinds[i].prefix);
		if (strncmp(s, kinds[i].prefix, len) == 0 && s[len] != '\0') {
			t->kind = kinds[i].kind;
			t->name = xstrdup(s + len);
			return 0;
		}
	}
	return -1;
}

static void
conf_load_stage(struct conf_ctx *x, const config_setting_t *g,
    struct policy *p, struct policy_stage *st, int n)
{
	static const char *known[] = { "targets", "ack_within",
		"resolve_within", NULL };
	const config_setting_t *t, *v;
	const char *str;
	int i, len;

	conf_read_known(x, g, "a stage", known);
	conf_read_member_duration(x, g, "ack_within", &st->ack_within);
	conf_read_member_duration(x, g, "resolve_within", &st->resolve_within);
	if ((t = config_setting_get_member(g, "targets")) == NULL ||
	    (!config_setting_is_array(t) && !config_setting_is_list(t)) ||
	    (len = config_setting_length(t)) == 0) {
		CERR(x, g, "policy \"%s\" stage %d needs targets = [ ... ]",
		    p->name, n);
		return;
	}
	st->targets = xcalloc(len, sizeof *st->targets);
	for (i = 0; i < len; i++) {
		v = config_setting_get_elem(t, i);
		str = config_setting_get_string(v);
		if (str == NULL ||
		    conf_target_parse(str, &st->targets[st->ntargets]) != 0) {
			CERR(x, t, "policy \"%s\" stage %d: target %d must be"
			    " rota:NAME, person:ID, contact:ID or chat:NAME",
			    p->name, n, i + 1);
			continue;
		}
		st->ntargets++;
	}
}

static void
conf_load_policy(struct conf_ctx *x, const config_setting_t *g,
    struct policy *p)
{
	static const char *known[] = { "name", "services", "cc", "repeats",
		"stages", NULL };
	const config_setting_t *s, *v;
	const char *str;
	int i, n, repeats;

	conf_read_known(x, g, "a policy", known);
	p->line = conf_line(g);
	if (config_setting_lookup_string(g, "name", &str) && *str != '\0')
		p->name = xstrdup(str);
	else {
		CERR(x, g, "policy needs a name");
		p->name = xstrdup("");
	}
	if ((s = config_setting_get_member(g, "services")) != NULL) {
		n = config_setting_length(s);
		p->services = xcalloc(n > 0 ? n : 1, sizeof *p->services);
		for (i = 0; i < n; i++) {
			v = config_setting_get_elem(s, i);
			if ((str = config_setting_get_string(v)) == NULL) {
				CERR(x, s, "policy \"%s\": services must be"
				    " strings", p->name);
				continue;
			}
			p->services[p->nservices++] = xstrdup(str);
		}
	}
	if (config_setting_lookup_string(g, "cc", &str))
		p->cc = xstrdup(str);
	if (config_setting_lookup_int(g, "repeats", &repeats)) {
		if (repeats < 0 || repeats > 100)
			CERR(x, g, "policy \"%s\": repeats must be from 0 to"
			    " 100", p->name);
		else
			p->repeats = repeats;
	}
	s = config_setting_get_member(g, "stages");
	if (s == NULL || !config_setting_is_list(s) ||
	    (n = config_setting_length(s)) < 1 || n > POLICY_STAGES) {
		CERR(x, g, "policy \"%s\" needs stages = ( ... ) with 1 to %d"
		    " stages", p->name, POLICY_STAGES);
		return;
	}
	p->nstages = n;
	for (i = 0; i < n; i++) {
		v = config_setting_get_elem(s, i);
		if (!config_setting_is_group(v)) {
			CERR(x, v, "policy \"%s\" stage %d must be a group"
			    " { ... }", p->name, i + 1);
			continue;
		}
		conf_load_stage(x, v, p, &p->stages[i], i + 1);
	}
	/* stage 1 must move on by itself, or nobody else is ever paged */
	if (p->nstages > 1 && p->stages[0].ack_within == 0 &&
	    p->stages[0].resolve_within == 0)
		CERR(x, g, "policy \"%s\": stage 1 needs ack_within or"
		    " resolve_within, or later stages are never reached",
		    p->name);
}

/* The policy used when none is configured: page the console. */
static void
conf_default_policy(struct conf *c)
{
	struct policy *p;

	c->policies = xcalloc(1, sizeof *c->policies);
	c->npolicies = 1;
	p = &c->policies[0];
	p->name = xstrdup("default");
	p->nstages = 1;
	p->stages[0].targets = xcalloc(1, sizeof *p->stages[0].targets);
	p->stages[0].targets[0].kind = TARGET_CHAT;
	p->stages[0].targets[0].name = xstrdup("console");
	p->stages[0].ntargets = 1;
	p->stages[0].ack_within = 5 * DURATION_MINUTE;
}

/* The "business_hours" and "sla" sections, which policies refer to. */
void
conf_policy_load_sla(struct conf *c, const config_t *cfg,
    struct conf_errors *e)
{
	struct conf_ctx x = { c, e, c->path };
	const config_setting_t *l, *g;
	int i, n;

	if ((l = config_lookup(cfg, "business_hours")) != NULL) {
		if (!config_setting_is_list(l))
			CERR(&x, l, "business_hours must be a list ( ... )");
		else if ((n = config_setting_length(l)) > 0) {
			c->calendars = xcalloc(n, sizeof *c->calendars);
			for (i = 0; i < n; i++) {
				g = config_setting_get_elem(l, i);
				if (!config_setting_is_group(g)) {
					CERR(&x, g, "business_hours entries"
					    " must be groups { ... }");
					continue;
				}
				conf_load_calendar(&x, g,
				    &c->calendars[c->ncalendars++]);
			}
		}
	}
	conf_load_sla(&x, config_lookup(cfg, "sla"));
}

/* The "policies" section; after conf_policy_load_sla(). */
void
conf_policy_load(struct conf *c, const config_t *cfg, struct conf_errors *e)
{
	struct conf_ctx x = { c, e, c->path };
	const config_setting_t *l, *g;
	int i, n;
	size_t j, k;

	if ((l = config_lookup(cfg, "policies")) == NULL) {
		conf_default_policy(c);
		return;
	}
	if (!config_setting_is_list(l) || (n = config_setting_length(l)) == 0) {
		CERR(&x, l, "policies must be a non-empty list ( ... )");
		return;
	}
	c->policies = xcalloc(n, sizeof *c->policies);
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(l, i);
		if (!config_setting_is_group(g)) {
			CERR(&x, g, "policies entries must be groups { ... }");
			continue;
		}
		conf_load_policy(&x, g, &c->policies[c->npolicies++]);
	}
	for (j = 0; j < c->npolicies; j++)
		for (k = 0; k < j; k++)
			if (strcmp(c->policies[j].name,
			    c->policies[k].name) == 0)
				conf_error(e, c->path, c->policies[j].line,
				    "policy \"%s\" is defined twice",
				    c->policies[j].name);
}

void
conf_policy_free(struct conf *c)
{
	struct policy *p;
	size_t i, j, k;
	int s;

	for (i = 0; i < c->npolicies; i++) {
		p = &c->policies[i];
		free(p->name);
		for (j = 0; j < p->nservices; j++)
			free(p->services[j]);
		free(p->services);
		free(p->cc);
		for (s = 0; s < POLICY_STAGES; s++) {
			for (k = 0; k < p->stages[s].ntargets; k++)
				free(p->stages[s].targets[k].name);
			free(p->stages[s].targets);
		}
	}
	free(c->policies);
	for (i = 0; i < c->ncalendars; i++) {
		free(c->calendars[i].name);
		tz_free(c->calendars[i].tz);
		free(c->calendars[i].holidays);
	}
	free(c->calendars);
}
