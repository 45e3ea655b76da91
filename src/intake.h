/* SPDX-License-Identifier: ISC */
/*
 * intake.h: turning posted bodies into validated alerts (one parser per
 * inbound format), and the group-commit queue that makes them durable
 * before anyone is told they were accepted.
 */
#ifndef INTAKE_H
#define INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "store.h"

struct event_base;
struct intake;

/* Defaults for fields a post leaves out. */
struct intake_defaults {
	int priority;
	const char *service;
};

/*
 * Called once per submitted alert after its batch committed (error is
 * NULL, r filled in) or failed (error says why; nothing was stored).
 * r and error are lent for the call only.
 */
typedef void (*intake_done_cb)(void *, const struct store_raise *,
    const char *);

/*
 * What runs with each batch: raised() inside the transaction, once per
 * alert, after the store recorded it (returning -1 fails the whole
 * batch); then committed() after COMMIT, or failed() after a rollback.
 */
struct intake_hooks {
	int (*raised)(void *, const struct store_raise *,
	    const struct alert_new *, int64_t, char **);
	void (*committed)(void *);
	void (*failed)(void *);
	void *arg;
};

/* intake.c */
struct intake *intake_new(struct event_base *, struct store *);
void intake_free(struct intake *);
void intake_set_hooks(struct intake *, const struct intake_hooks *);
void intake_submit(struct intake *, struct alert_new *, intake_done_cb,
    void *);
size_t intake_pending(const struct intake *);
void intake_flush(struct intake *);

/* intake-native.c */
int intake_native_parse(const char *, size_t, const struct intake_defaults *,
    struct alert_new *, char **);

#endif
