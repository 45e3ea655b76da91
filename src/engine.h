/* SPDX-License-Identifier: ISC */
/*
 * engine.h: the escalation engine on the daemon's loop.  It keeps the
 * escalation state of every open alert, one libevent timer each, and
 * carries out what esc.c decides: it resolves a stage's targets from the
 * rotas, records every decision in the audit log, and pages.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <stdint.h>

#include "intake.h"

struct conf;
struct engine;
struct event_base;
struct outbox;
struct people;
struct rota_set;
struct store;

enum engine_result {
	ENGINE_OK,
	ENGINE_NOT_FOUND, /* no such alert */
	ENGINE_CONFLICT,  /* not in a state that allows it */
	ENGINE_ERROR,     /* the store failed; nothing changed */
};

/* Makes the acknowledgement link of a page to a person (caller frees). */
typedef char *(*engine_link_cb)(int64_t, const char *, void *);

/* engine.c */
struct engine *engine_new(struct event_base *, struct store *,
    const struct conf *);
void engine_free(struct engine *);
void engine_configure(struct engine *, const struct conf *);
void engine_set_rotas(struct engine *, const struct rota_set *,
    const struct people *);
int engine_resume(struct engine *, char **);
void engine_adopt(struct engine *);
void engine_adopt_unstarted(struct engine *);
void engine_adopt_range(struct engine *, int64_t, int64_t);
void engine_stop(struct engine *);
int engine_leading(const struct engine *);
void engine_set_outbox(struct engine *, struct outbox *);
void engine_set_link(struct engine *, engine_link_cb, void *);
void engine_intake_hooks(struct engine *, struct intake_hooks *);
/* Each: alert id, actor, on whose behalf (NULL: the actor's own) ... */
enum engine_result engine_ack(struct engine *, int64_t, const char *,
    const char *, const char *, char **);
enum engine_result engine_resolve(struct engine *, int64_t, const char *,
    const char *, const char *, char **);
enum engine_result engine_note(struct engine *, int64_t, const char *,
    const char *, const char *, char **);
enum engine_result engine_escalate(struct engine *, int64_t, const char *,
    const char *, char **);
/* ... on whose behalf, the duration as given, in ms */
enum engine_result engine_snooze(struct engine *, int64_t, const char *,
    const char *, const char *, int64_t, char **);
int64_t engine_snoozed_until(const struct engine *, int64_t);
size_t engine_open_count(const struct engine *);
/* engine-silence.c: silences in force (the caller keeps the silence) */
struct silence;
int64_t engine_silence_overlap(const struct engine *, const struct silence *);
void engine_silence_counts(const struct engine *, int64_t, size_t *,
    size_t *);
int engine_silence_add(struct engine *, struct silence *, char **);
enum engine_result engine_silence_expire(struct engine *, int64_t,
    const char *, char **);
void engine_rota_alerts(const struct engine *, const char *,
    void (*)(int64_t, void *), void *);

#endif
