/* SPDX-License-Identifier: ISC */
/*
 * api-ack-private.h: shared by the files of the HTTP side of
 * acknowledgements only: api-ack.c (links), api-ack-act.c (what links
 * and hooks share), api-ack-sms.c (the SMS hook) and api-ack-voice.c
 * (the keypress hook).  api-ack.c registers the routes of all three.
 */
#ifndef API_ACK_PRIVATE_H
#define API_ACK_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "ack.h"
#include "engine.h"

struct ack_token;
struct api;
struct conf;
struct evhttp_request;
struct http_match;

/* Automatic SMS answers sent to one number in the current window. */
struct api_ack_rate {
	char *number;
	int64_t start_ms;
	int64_t count;
};

struct api_ack {
	struct api *api; /* conf, store, engine, people in force */
	struct api_ack_rate *rates;
	size_t nrates;
};

/* api-ack-act.c */
const char *api_ack_action_done(enum ack_action); /* "Acknowledged" */
int api_ack_base(const struct conf *, const char **); /* public_url */
int api_ack_refuse(struct api_ack *, struct evhttp_request *, int,
    const struct ack_token *, const char *, const char *);
int api_ack_check(struct api_ack *, struct evhttp_request *, const char *,
    const char *, int, struct ack_token *, int *, const char **);
void api_ack_consume(struct api_ack *, const struct ack_token *,
    enum ack_action); /* mark the token used */
enum engine_result api_ack_do(struct api_ack *, enum ack_action, int64_t,
    const char *, const char *, char **);
int api_ack_replayed(struct api_ack *, struct evhttp_request *,
    const char *, const char *); /* 1: a replay, answered */
void api_ack_remember(struct api_ack *, const char *, int64_t,
    const char *); /* the hook key taken, by whom */
void api_ack_twiml(struct evhttp_request *, int, const char *);
void api_ack_twiml_durable(struct api_ack *, struct evhttp_request *,
    char *, char *); /* once on disk */

/* api-ack-sms.c: POST /hooks/sms/twilio */
void api_ack_sms(struct evhttp_request *, const struct http_match *,
    void *);

/* api-ack-voice.c: POST /hooks/voice/twilio/gather/{token} */
void api_ack_gather(struct evhttp_request *, const struct http_match *,
    void *);

#endif
