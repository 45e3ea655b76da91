/* SPDX-License-Identifier: ISC */
/*
 * twilio.h: what pagerd takes from Twilio: X-Twilio-Signature checks
 * (twilio-sig.c, pure) and the delivery status webhooks under /hooks/
 * (api-hooks.c), which update the outbox.
 */
#ifndef TWILIO_H
#define TWILIO_H

#include <stddef.h>

struct command_waits;
struct conf;
struct evhttp_request;
struct evkeyvalq;
struct http;
struct outbox;
struct throttle;

/* One form parameter of a webhook, URL-decoded. */
struct twilio_param {
	const char *name;
	const char *value;
};

/* A webhook's form body, its signature checked (api_hooks_form_read). */
struct twilio_form {
	struct twilio_param *p; /* point into q */
	size_t n;
	struct evkeyvalq *q;
	char *copy;
	int truncated; /* more parameters than were kept */
};

/* What the /hooks/ handlers act on; the owner swaps conf on reload. */
struct api_hooks {
	const struct conf *conf;
	struct store *store;	/* answers once a report is on disk */
	struct outbox *outbox;	/* the leader's; NULL on a standby */
	struct command_waits *commands; /* a standby's, for the leader */
	struct throttle *throttle; /* bad signatures, by address */
};

/* twilio-sig.c */
char *twilio_signature(const char *, size_t, const char *,
    const struct twilio_param *, size_t);
int twilio_verify(const char *, size_t, const char *,
    const struct twilio_param *, size_t, const char *);

/* api-hooks.c */
void api_hooks_init(struct api_hooks *, struct http *);
int api_hooks_form_read(struct evhttp_request *, const struct conf *, int,
    struct throttle *, struct twilio_form *);
int api_hooks_form_parse(const char *, size_t, struct twilio_form *);
const char *api_hooks_form_get(const struct twilio_form *, const char *);
void api_hooks_form_free(struct twilio_form *);

#endif
