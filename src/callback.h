/* SPDX-License-Identifier: ISC */
/*
 * callback.h: the state changes of an alert (acknowledged, escalated,
 * a note, resolved, an SLA breach) posted back to the integration it
 * came from, a helpdesk's ticket say: signed as Standard Webhooks, in
 * order per alert, at least once, from the durable queue of
 * store-callback.c, on a loop timer of their own so that a slow or dead
 * receiver never delays a page or an intake.
 */
#ifndef CALLBACK_H
#define CALLBACK_H

#include <stddef.h>
#include <stdint.h>

struct alert;
struct conf;
struct event_base;
struct store;
struct store_event;

struct callback_queue;

/* What one callback tells: an audit event of an alert. */
struct callback_msg {
	const struct alert *alert;
	const char *external_url; /* the ticket's link, or NULL */
	const struct store_event *ev;
};

/* callback-body.c: pure */
/* The Standard Webhooks event type of an audit kind ("alert.resolved"). */
const char *callback_type(const char *);
/* The body of m: tpl expanded (values JSON-escaped), or the default JSON. */
char *callback_body(const struct callback_msg *, const char *);
/* 0 if tpl names only known fields, else -1 and *cause. */
int callback_template_check(const char *, char **);
/* 0 if "name: value" may be sent as an extra header, else -1 and *cause. */
int callback_header_check(const char *, const char *, char **);
/* "v1,<base64 HMAC-SHA256 of id.ts.body>" (free it). */
char *callback_sign(const uint8_t *, size_t, const char *, int64_t,
    const char *);
/*
 * The delay after failed attempts: base doubling up to max, jittered
 * (between half and all of it, by r), at least retry_after (ms), at
 * most max.
 */
int64_t callback_backoff(int, int64_t, int64_t, int64_t, uint32_t);

/* callback.c: the sender on the loop */
struct callback_queue *callback_new(struct event_base *, struct store *,
    const struct conf *);
void callback_configure(struct callback_queue *, const struct conf *);
void callback_kick(struct callback_queue *);
void callback_lead(struct callback_queue *, int);
void callback_close(struct callback_queue *);
void callback_free(struct callback_queue *);

#endif
