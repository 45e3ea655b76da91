/* SPDX-License-Identifier: ISC */
/*
 * xfer.h: outbound HTTP and SMTP transfers (libcurl's multi interface,
 * run by a thread of its own).  Nothing here blocks: a transfer starts,
 * and its callback runs on the daemon's loop once it is over.  Only
 * xfer.c includes curl.h.
 */
#ifndef XFER_H
#define XFER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct xfer;

/* How a transfer ended; lent to the callback for the call only. */
struct xfer_result {
	const char *error;       /* NULL, or why it did not complete */
	int timeout;             /* the error was a timeout */
	long status;             /* HTTP status or last SMTP reply; 0: none */
	const char *body;        /* response body, NUL-terminated; "" if none */
	size_t bodylen;
	const char *retry_after; /* Retry-After header, or NULL */
};

typedef void (*xfer_done_cb)(void *, const struct xfer_result *);

/* One HTTP POST; everything is copied by xfer_post(). */
struct xfer_http {
	const char *url;
	const char *const *headers; /* "Name: value", NULL-terminated */
	const char *body;
	size_t bodylen;
	const char *user; /* Basic auth when not NULL */
	const char *password;
	int64_t connect_timeout_ms;
	int64_t timeout_ms; /* the whole transfer */
	int insecure;       /* do not verify the peer's certificate */
	const char *cafile; /* extra CA bundle, or NULL */
};

/* One mail; everything is copied by xfer_smtp(). */
struct xfer_mail {
	const char *url;      /* smtp://host:port/ehlo-name or smtps:// */
	int starttls;         /* 1: STARTTLS required on smtp:// */
	int insecure;
	const char *cafile;
	const char *user;     /* AUTH when not NULL */
	const char *password;
	const char *from;     /* envelope sender */
	const char *const *rcpt; /* envelope recipients, NULL-terminated */
	const char *msg;      /* the RFC 5322 message, CRLF line ends */
	size_t msglen;
	int64_t connect_timeout_ms;
	int64_t timeout_ms;
};

/* xfer.c */
int xfer_init(struct event_base *, char **);
void xfer_shutdown(void);
struct xfer *xfer_post(const struct xfer_http *, xfer_done_cb, void *);
struct xfer *xfer_smtp(const struct xfer_mail *, xfer_done_cb, void *);
size_t xfer_running(void);
void xfer_form_add(char **, size_t *, const char *, const char *);
int64_t xfer_retry_after_ms(const char *, int64_t);

#endif
