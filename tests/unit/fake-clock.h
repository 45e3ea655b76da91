/* SPDX-License-Identifier: ISC */
/*
 * fake-clock.h: a fake clock for unit tests of the modules on the loop
 * (engine, handoff, oncall).  Linked with -Wl,--wrap=clock_now_ms
 * -Wl,--wrap=event_add -Wl,--wrap=event_del -Wl,--wrap=event_free, it
 * answers clock_now_ms() from a variable and keeps pure timers (no fd,
 * no signal) off libevent's real clock: each is due at the fake instant
 * it was armed for, and fires only when a test moves the clock past it.
 */
#ifndef FAKE_CLOCK_H
#define FAKE_CLOCK_H

#include <stdint.h>

struct event_base;

/* Start at now on base; forgets every timer. */
void fake_clock_init(struct event_base *, int64_t);
int64_t fake_clock_now(void);
/* Move to t, firing each timer due on the way at its own instant. */
void fake_clock_advance_to(int64_t);
/* Run what is active now, until nothing is. */
void fake_clock_run(void);
/* The earliest fake instant a timer is armed for; INT64_MAX: none. */
int64_t fake_clock_next_due(void);
/* How many fake timers are armed. */
size_t fake_clock_ntimers(void);

#endif
