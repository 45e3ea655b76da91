/* SPDX-License-Identifier: ISC */
/*
 * alert.c: names and parsing for alert priorities and statuses, and
 * freeing of the alert structs.  Pure code.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert.h"

static const char *alert_priority_names[] = { "P1", "P2", "P3", "P4" };
static const char *alert_priority_words[] = { "critical", "high", "medium",
	"low" };
static const char *alert_status_names[] = {
	[ALERT_TRIGGERED] = "triggered",
	[ALERT_ACKNOWLEDGED] = "acknowledged",
	[ALERT_RESOLVED] = "resolved",
};

/* "P1".."P4" or "critical|high|medium|low" (any case) to 1..4; else -1. */
int
alert_priority_parse(const char *s)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, alert_priority_names[i]) == 0 ||
		    strcasecmp(s, alert_priority_words[i]) == 0)
			return i + 1;
	}
	return -1;
}

const char *
alert_priority_name(int p)
{
	if (p < ALERT_PRIORITY_MIN || p > ALERT_PRIORITY_MAX)
		return "P?";
	return alert_priority_names[p - 1];
}

const char *
alert_status_name(enum alert_status s)
{
	if ((unsigned)s >= sizeof alert_status_names / sizeof *alert_status_names)
		return "unknown";
	return alert_status_names[s];
}

int
alert_status_parse(const char *s, enum alert_status *out)
{
	unsigned i;

	for (i = 0; i < sizeof alert_status_names / sizeof *alert_status_names;
	    i++) {
		if (strcmp(s, alert_status_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

/* Free the strings of an alert_new and zero it. */
void
alert_new_clear(struct alert_new *an)
{
	free(an->dedup_key);
	free(an->service);
	free(an->summary);
	free(an->source);
	free(an->details);
	free(an->links);
	free(an->integration);
	free(an->images);
	free(an->client);
	free(an->client_url);
	free(an->external_url);
	memset(an, 0, sizeof *an);
}

void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	free(a->dedup_key);
	free(a->service);
	free(a->summary);
	free(a->source);
	free(a->details);
	free(a->links);
	free(a->integration);
	free(a);
}
