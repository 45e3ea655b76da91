/* SPDX-License-Identifier: ISC */
/*
 * people-rules.c: parse one person's "notify" list of the people file:
 *
 *	notify = ( { channel = "chat"; after = "0m"; },
 *	           { channel = "sms"; after = "1m"; },
 *	           { channel = "voice"; after = "3m"; } );
 *
 * channel is a channel kind (email, sms, chat, voice, console) or the
 * name of a configured channel; after is a delay from the page.  Without
 * "notify", the default uses whatever contacts the person has.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "compat.h"
#include "duration.h"
#include "people-rules.h"
#include "xmalloc.h"

#define PEOPLE_RULES_MAX 16

static void
people_rules_add(struct people_rules *r, const char *channel, int64_t after)
{
	r->list = xreallocarray(r->list, r->n + 1, sizeof *r->list);
	r->list[r->n].channel = xstrdup(channel);
	r->list[r->n].after_ms = after;
	r->n++;
}

/* Stable insertion sort by delay: the order in the file breaks ties. */
static void
people_rules_sort(struct people_rules *r)
{
	struct people_rule t;
	size_t i, j;

	for (i = 1; i < r->n; i++) {
		t = r->list[i];
		for (j = i; j > 0 && r->list[j - 1].after_ms > t.after_ms; j--)
			r->list[j] = r->list[j - 1];
		r->list[j] = t;
	}
}

static void printflike(4, 5)
people_rules_error(char **cause, const char *file, int line,
    const char *fmt, ...)
{
	char *msg, *l;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	xasprintf(&l, "%s%s%s:%d: %s", *cause != NULL ? *cause : "",
	    *cause != NULL ? "\n" : "", file, line, msg != NULL ? msg : "?");
	free(*cause);
	free(msg);
	*cause = l;
}

/*
 * The rules of person p (a libconfig group), file naming the people file
 * for messages.  No "notify" gives an empty list (see
 * people_rules_default).  -1 with every problem in *cause, one
 * "file:line: message" per line.
 */
int
people_rules_parse(const config_setting_t *p, const char *file,
    struct people_rules *r, char **cause)
{
	const config_setting_t *list, *g, *s;
	const char *ch, *after, *f;
	char *dcause = NULL;
	int64_t ms;
	int i, n, j;

	memset(r, 0, sizeof *r);
	*cause = NULL;
	if ((list = config_setting_get_member(p, "notify")) == NULL)
		return 0;
	f = config_setting_source_file(list) != NULL ?
	    config_setting_source_file(list) : file;
	if (!config_setting_is_list(list)) {
		people_rules_error(cause, f, config_setting_source_line(list),
		    "notify must be a list ( { channel = ...; after = ...; },"
		    " ... )");
		return -1;
	}
	n = config_setting_length(list);
	if (n == 0)
		people_rules_error(cause, f, config_setting_source_line(list),
		    "notify is empty");
	if (n > PEOPLE_RULES_MAX)
		people_rules_error(cause, f, config_setting_source_line(list),
		    "notify has more than %d rules", PEOPLE_RULES_MAX);
	for (i = 0; i < n && i < PEOPLE_RULES_MAX; i++) {
		g = config_setting_get_elem(list, i);
		if (!config_setting_is_group(g)) {
			people_rules_error(cause, f,
			    config_setting_source_line(g), "notify must hold"
			    " groups { channel = ...; after = ...; }");
			continue;
		}
		for (j = 0; (s = config_setting_get_elem(g, j)) != NULL; j++)
			if (strcmp(config_setting_name(s), "channel") != 0 &&
			    strcmp(config_setting_name(s), "after") != 0)
				people_rules_error(cause, f,
				    config_setting_source_line(s), "notify:"
				    " unknown key \"%s\"",
				    config_setting_name(s));
		if (!config_setting_lookup_string(g, "channel", &ch) ||
		    !chan_name_is_valid(ch)) {
			people_rules_error(cause, f,
			    config_setting_source_line(g), "notify: channel"
			    " must name a channel or a kind (email, sms, chat,"
			    " voice, console)");
			continue;
		}
		ms = 0;
		if (config_setting_lookup_string(g, "after", &after) &&
		    duration_parse(after, &ms, &dcause) != 0) {
			people_rules_error(cause, f,
			    config_setting_source_line(g), "notify: after: %s",
			    dcause);
			free(dcause);
			dcause = NULL;
			continue;
		}
		if (ms < 0 || ms > DURATION_DAY) {
			people_rules_error(cause, f,
			    config_setting_source_line(g), "notify: after must"
			    " be between 0s and 1d");
			continue;
		}
		people_rules_add(r, ch, ms);
	}
	if (*cause != NULL) {
		people_rules_clear(r);
		return -1;
	}
	people_rules_sort(r);
	return 0;
}

/*
 * The rules of a person without "notify", from the contacts they have:
 * chat and e-mail at once, SMS after 1 minute, voice after 3.
 */
void
people_rules_default(struct people_rules *r, int email, int sms, int voice,
    int chat)
{
	memset(r, 0, sizeof *r);
	if (chat)
		people_rules_add(r, "chat", 0);
	if (email)
		people_rules_add(r, "email", 0);
	if (sms)
		people_rules_add(r, "sms", DURATION_MINUTE);
	if (voice)
		people_rules_add(r, "voice", 3 * DURATION_MINUTE);
	if (r->n == 0)
		people_rules_add(r, "console", 0);
}

void
people_rules_clear(struct people_rules *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->list[i].channel);
	free(r->list);
	memset(r, 0, sizeof *r);
}
