/* SPDX-License-Identifier: ISC */
/*
 * retention.h: removing resolved alerts older than store.retention, in
 * small batches run from the event loop.
 */
#ifndef RETENTION_H
#define RETENTION_H

#include <stdint.h>

struct event_base;
struct store;
struct retention;

struct retention *retention_new(struct event_base *, struct store *,
    int64_t);
void retention_configure(struct retention *, int64_t);
void retention_free(struct retention *);
int64_t retention_interval(int64_t);

#endif
