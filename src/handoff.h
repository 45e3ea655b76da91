/* SPDX-License-Identifier: ISC */
/*
 * handoff.h: handoff notes.  One timer per rota fires when its on-call
 * set changes; the incoming people get a note listing the open alerts
 * routed to that rota, and the change is an audit event.
 */
#ifndef HANDOFF_H
#define HANDOFF_H

#include <stdint.h>

struct engine;
struct event_base;
struct handoff;
struct oncall;
struct outbox;
struct store;

/* handoff.c */
struct handoff *handoff_new(struct event_base *, struct store *,
    struct engine *, struct oncall *);
void handoff_free(struct handoff *);
void handoff_set_outbox(struct handoff *, struct outbox *);
void handoff_rearm(struct handoff *);
const char *handoff_last(const struct handoff *, const char *, int64_t *);

#endif
