/* SPDX-License-Identifier: ISC */
/*
 * metrics.h: counters kept in memory for GET /metrics: HTTP answers by
 * kind and status, store commit latency, checkpoints, event-loop lag,
 * refused and throttled callbacks (bad tokens, bad signatures) and
 * replayed ones, integration callbacks sent, failed and waiting.
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
void metrics_commit_loop(int64_t);
void metrics_checkpoint(int, int64_t);
void metrics_wal_frames(int64_t);
void metrics_store_up(int);
void metrics_store_error(void);
void metrics_role(int, int);
void metrics_loop_lag(int64_t);
void metrics_refused(const char *);
void metrics_throttled(void);
void metrics_replayed(const char *);
void metrics_callback(int);
void metrics_callback_pending(int64_t);
void metrics_write(struct evbuffer *);

#endif
