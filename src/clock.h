/* SPDX-License-Identifier: ISC */
/*
 * clock.h: the one place pagerd reads the time.  Instants are UTC
 * milliseconds since the epoch.  Pure modules take "now" as an argument.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/* clock.c */
int64_t clock_now_ms(void);
int64_t clock_mono_ms(void);
char *clock_format_iso(int64_t, char *, size_t);

#endif
