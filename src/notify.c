/* SPDX-License-Identifier: ISC */
/*
 * notify.c: the names of notification events and outbox states, the
 * one place that maps them to and from what the store keeps.  Pure.
 */
#include <string.h>

#include "compat.h"
#include "notify.h"

static const char *notify_event_names[] = {
	[NOTIFY_PAGE] = "page",
	[NOTIFY_ESCALATED] = "escalated",
	[NOTIFY_REMINDER] = "reminder",
	[NOTIFY_BREACH] = "breach",
	[NOTIFY_ACKNOWLEDGED] = "acknowledged",
	[NOTIFY_RESOLVED] = "resolved",
	[NOTIFY_NOTE] = "note",
};

static const char *notify_state_names[] = {
	[NOTIFY_PENDING] = "pending",
	[NOTIFY_SENDING] = "sending",
	[NOTIFY_SENT] = "sent",
	[NOTIFY_DELIVERED] = "delivered",
	[NOTIFY_FAILED] = "failed",
	[NOTIFY_CANCELLED] = "cancelled",
};

const char *
notify_event_name(enum notify_event e)
{
	if ((unsigned)e >= nitems(notify_event_names))
		return "page";
	return notify_event_names[e];
}

/* The event named s, or -1. */
int
notify_event_find(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < nitems(notify_event_names); i++)
		if (strcmp(s, notify_event_names[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * Whether e asks the person to act (a page, an escalation, a reminder,
 * a breach), so the message carries an ack link and reply codes; an
 * acknowledgement, a resolution or a note only tells.
 */
int
notify_event_is_page(enum notify_event e)
{
	return e == NOTIFY_PAGE || e == NOTIFY_ESCALATED ||
	    e == NOTIFY_REMINDER || e == NOTIFY_BREACH;
}

const char *
notify_state_name(enum notify_state s)
{
	if ((unsigned)s >= nitems(notify_state_names))
		return "pending";
	return notify_state_names[s];
}

/* The state named s, or -1. */
int
notify_state_find(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < nitems(notify_state_names); i++)
		if (strcmp(s, notify_state_names[i]) == 0)
			return (int)i;
	return -1;
}
