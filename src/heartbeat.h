/* SPDX-License-Identifier: ISC */
/*
 * heartbeat.h: heartbeat monitors.  A job that should check in at least
 * every interval pings POST /api/v1/heartbeat/NAME; a missed ping raises
 * an alert, and the next ping resolves it.
 */
#ifndef HEARTBEAT_H
#define HEARTBEAT_H

#include <stdint.h>

struct conf;
struct engine;
struct event_base;
struct heartbeats;
struct intake;
struct store;

/* One configured monitor (conf-heartbeat.c parses the "heartbeats" list). */
struct heartbeat_conf {
	char *name;
	int64_t interval_ms;
	int priority;
	char *service;
	char *summary;
	int line;
};

/* heartbeat.c */
struct heartbeats *heartbeats_new(struct event_base *, struct store *,
    struct intake *, struct engine *, const struct conf *);
void heartbeats_free(struct heartbeats *);
void heartbeats_configure(struct heartbeats *, const struct conf *);
void heartbeats_lead(struct heartbeats *, int);
int heartbeats_ping(struct heartbeats *, const char *, int64_t *, int64_t *,
    char **);
int64_t heartbeat_next_due(int64_t, int64_t, int64_t);

#endif
