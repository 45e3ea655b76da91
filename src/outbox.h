/* SPDX-License-Identifier: ISC */
/*
 * outbox.h: the notification outbox.  Every page step is a row in the
 * store before anything is sent; the outbox sends due rows through the
 * channel drivers, retries with backoff and jitter, fails over to the
 * person's next channel, rate-limits and bundles per address, applies
 * delivery reports, and reports a person unreachable on every channel.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "notify.h"

struct conf;
struct event_base;
struct outbox;
struct person;
struct store;
struct store_note;

/* A person's contacts; NULL when they have none of that kind. */
struct outbox_contact {
	const char *email;
	const char *sms;
	const char *voice;
	const char *chat;
};

/* One notification rule: channel (name or kind) after a delay. */
struct outbox_rule {
	const char *channel;
	int64_t after_ms;
};

/*
 * One person to page about one alert, or to send a note about no alert
 * (alert_id 0, note its text, reason its title); everything is lent for
 * the call.
 */
struct outbox_page {
	int64_t alert_id;
	const char *person; /* id */
	struct outbox_contact contact;
	const struct outbox_rule *rules; /* NULL: the default rules */
	size_t nrules;
	enum notify_event event; /* what it tells; NOTIFY_NOTE for a note */
	int stage;           /* the alert's stage it is about; 0: none */
	const char *reason;  /* "stage 1 page", "acknowledged by X", ... */
	const char *ack_url; /* may be NULL */
	const char *note;    /* required when alert_id is 0 */
};

/* Called (from the loop) when a person cannot be reached on any channel. */
typedef void (*outbox_unreachable_cb)(int64_t, const char *, void *);

/* Where one rule sends: a configured channel and the address. */
struct outbox_route {
	const struct conf_chan *chan;
	const char *address;
};

/* What to do with a send after its outcome. */
enum outbox_next {
	OUTBOX_DONE,     /* sent */
	OUTBOX_RETRY,    /* same address after *delay */
	OUTBOX_FAILOVER, /* this step failed: next channel now */
};

/* What a provider's delivery report means for the row. */
enum outbox_report {
	OUTBOX_REPORT_NONE, /* in progress: nothing to do */
	OUTBOX_REPORT_DELIVERED,
	OUTBOX_REPORT_FAILED,
};

/* outbox.c */
struct outbox *outbox_new(struct event_base *, struct store *,
    const struct conf *);
void outbox_close(struct outbox *);
void outbox_free(struct outbox *);
void outbox_reconfigure(struct outbox *, const struct conf *);
void outbox_set_unreachable_cb(struct outbox *, outbox_unreachable_cb,
    void *);
int outbox_page(struct outbox *, const struct outbox_page *, int64_t,
    char **);
void outbox_page_person(struct outbox_page *, const struct person *,
    struct outbox_rule **);
void outbox_kick(struct outbox *);
void outbox_set_join(struct outbox *, int (*)(void *), void *);
int outbox_join(struct outbox *, char **);
void outbox_join_end(struct outbox *, int);
void outbox_rebuild_soon(struct outbox *);
int outbox_cancel(struct outbox *, int64_t, const char *, char **);
int outbox_resume(struct outbox *, char **);
int outbox_report(struct outbox *, const char *, const char *, const char *,
    const char *, char **);
/*
 * At most this many messages in flight at once, over all channels and
 * addresses.  The rest wait in the queue, due, and go as sends finish:
 * tens of thousands of transfers at once (a storm to as many addresses)
 * made libcurl scan its connection list at every new one and ran out of
 * descriptors, and pages left at ~200 a second instead of thousands.
 */
#define OUTBOX_SENDS_MAX 256

size_t outbox_inflight(const struct outbox *);

/* A later rule of a page, not yet a row (outbox-later.c). */
struct outbox_later {
	int step;         /* index in the person's rules */
	int64_t after_ms; /* from when the page was written */
	char *channel;
	char *address;
};

/* outbox-later.c: the later rules of a page as text, pure */
char *outbox_later_add(char *, int, int64_t, const char *, const char *);
int64_t outbox_later_first(const char *);
int outbox_later_parse(const char *, struct outbox_later **, size_t *);
void outbox_later_free(struct outbox_later *, size_t);
int outbox_later_take(const char *, int64_t, int64_t, int,
    struct outbox_later **, size_t *, char **, int64_t *);

/* outbox-decide.c: pure decisions, time as a parameter */
int64_t outbox_backoff(const struct conf_chan *, int, int64_t, uint32_t);
enum outbox_next outbox_decide(const struct conf_chan *, int,
    const struct chan_result *, uint32_t, int64_t *);
int64_t outbox_rate_next(const int64_t *, size_t, int, int64_t, int64_t);
int outbox_route(const struct conf *, const struct outbox_rule *,
    const struct outbox_contact *, const char *, struct outbox_route *);
size_t outbox_bundle(const struct store_note *, size_t, size_t, size_t);
enum outbox_report outbox_report_map(int, const char *, const char *,
    const char *);

#endif
