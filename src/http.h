/* SPDX-License-Identifier: ISC */
/*
 * http.h: the evhttp server: listeners, limits, routing with JSON 404
 * and 405 answers, bearer-key authentication and JSON replies.  The
 * handlers themselves live in api.c.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "compat.h"

struct conf;
struct conf_key;
struct event_base;
struct evhttp_request;
struct http;
struct json_t;
struct throttle;

/* libevent 2.1 has no names for these. */
#define HTTP_CREATED 201
#define HTTP_ACCEPTED 202
#define HTTP_UNAUTHORIZED 401
#define HTTP_FORBIDDEN 403
#define HTTP_CONFLICT 409
#define HTTP_TOOLARGE 413
#define HTTP_UNSUPPORTED_TYPE 415
#define HTTP_TOOMANY 429
#define HTTP_UNAVAILABLE 503

#define HTTP_GET 0x1
#define HTTP_POST 0x2
#define HTTP_DELETE 0x4

/* What a route matched: the "{id}" segment, if the pattern had one. */
struct http_match {
	const char *path;
	const char *param;
	const struct conf_key *key; /* who authenticated, or NULL */
};

/* One header of a request, borrowed from its owner. */
struct http_header {
	const char *name;
	const char *value;
};

typedef void (*http_handler_cb)(struct evhttp_request *,
    const struct http_match *, void *);

struct http_route {
	int methods;
	const char *pattern; /* exact, or with "{}" for one segment */
	int role;            /* CONF_ROLE_*, 0: no authentication */
	http_handler_cb handler;
};

/* http.c */
struct http *http_new(struct event_base *, const struct conf *, char **);
void http_free(struct http *);
void http_configure(struct http *, const struct conf *);
void http_add_routes(struct http *, const struct http_route *, size_t,
    void *);
void http_reply_json(struct evhttp_request *, int, struct json_t *);
void http_reply_json_text(struct evhttp_request *, int, const char *,
    size_t);
void http_error(struct evhttp_request *, int, const char *, ...)
    printflike(3, 4);
int http_body(struct evhttp_request *, const struct conf *, const char **,
    size_t *);
int http_require(struct evhttp_request *, const struct conf *, int,
    const struct conf_key **);
int64_t http_request_count(const struct http *);
const char *http_peer(struct evhttp_request *);
int http_refuse(struct evhttp_request *, struct throttle *, int,
    const char *, const char *);

/* http-check.c: pure */
int http_framing_check(const struct http_header *, size_t, const char **);
char *http_redact_uri(const char *, char *, size_t);

#endif
