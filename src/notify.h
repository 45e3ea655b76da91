/* SPDX-License-Identifier: ISC */
/*
 * notify.h: what one notification is about (its event: a page at a
 * stage, an escalation, a reminder, a breach, an acknowledgement, a
 * resolution, a note) and where it stands in the outbox (its state:
 * pending, sending, sent, delivered, failed, cancelled), as enums for
 * the code, with the names the store keeps and the API shows.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

/* What a notification tells about its alert. */
enum notify_event {
	NOTIFY_PAGE,         /* a page for a stage (also a repeat page) */
	NOTIFY_ESCALATED,    /* a page for a stage reached by escalation */
	NOTIFY_REMINDER,     /* an SLA clock falls due soon */
	NOTIFY_BREACH,       /* an SLA clock was breached */
	NOTIFY_ACKNOWLEDGED, /* someone acknowledged it */
	NOTIFY_RESOLVED,     /* someone resolved it */
	NOTIFY_NOTE,         /* a note about no alert (a handoff) */
};
#define NOTIFY_NEVENTS (NOTIFY_NOTE + 1)

/* Where a notification stands. */
enum notify_state {
	NOTIFY_PENDING,   /* waiting for its due instant */
	NOTIFY_SENDING,   /* in flight (sent again after a crash) */
	NOTIFY_SENT,      /* the provider took it */
	NOTIFY_DELIVERED, /* the provider reported it delivered */
	NOTIFY_FAILED,    /* given up on this step */
	NOTIFY_CANCELLED, /* the alert was settled before it went */
};
#define NOTIFY_NSTATES (NOTIFY_CANCELLED + 1)

const char *notify_event_name(enum notify_event);
int notify_event_find(const char *);
int notify_event_is_page(enum notify_event);
const char *notify_state_name(enum notify_state);
int notify_state_find(const char *);

#endif
