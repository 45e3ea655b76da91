/* SPDX-License-Identifier: ISC */
/*
 * chan.h: channel drivers, the ways a page leaves pagerd.  For now only
 * the console driver exists: it prints to standard output, so a new
 * installation shows what it would page without any provider account.
 */
#ifndef CHAN_H
#define CHAN_H

#include <stdint.h>
#include <stdio.h>

/* One message for one recipient, lent to the driver for the call. */
struct chan_msg {
	int64_t alert_id;
	const char *to;      /* person or address; "" for everyone */
	const char *subject; /* one line */
	const char *body;    /* may be NULL */
};

/* chan-console.c */
void chan_console_init(FILE *);
int chan_console_send(const struct chan_msg *);

#endif
