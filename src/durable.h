/* SPDX-License-Identifier: ISC */
/*
 * durable.h: answering the outside world only once what a request
 * changed is on disk, without syncing on the loop (durable.c).
 */
#ifndef DURABLE_H
#define DURABLE_H

#include "store.h"

void durable_ignore(void *, int);
void durable_then(struct store *, store_durable_cb, void *);

#endif
