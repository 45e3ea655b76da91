/* SPDX-License-Identifier: ISC */
/*
 * metrics.h: counters kept in memory for GET /metrics: HTTP answers by
 * kind and status, store commit latency, event-loop lag.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdint.h>

struct event_base;
struct evbuffer;
struct evhttp_request;

/* metrics.c */
void metrics_init(struct event_base *);
void metrics_free(void);
void metrics_http_reply(struct evhttp_request *, int);
void metrics_commit(int64_t);
void metrics_loop_lag(int64_t);
void metrics_write(struct evbuffer *);

#endif
