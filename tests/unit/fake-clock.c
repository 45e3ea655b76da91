/* SPDX-License-Identifier: ISC */
/*
 * fake-clock.c: the fake clock of fake-clock.h.  A pure timer armed
 * with event_add(ev, tv) is recorded here with its fake due instant
 * (now + tv) instead of being given to libevent, so no test ever waits
 * for real time and a timer cannot fire early or late: fake_clock_
 * advance_to() sets the clock to each due instant in turn and makes that
 * timer active, then runs the loop.
 */
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>

#include "fake-clock.h"
#include "xmalloc.h"

int64_t __wrap_clock_now_ms(void);
int __real_event_add(struct event *, const struct timeval *);
int __wrap_event_add(struct event *, const struct timeval *);
int __real_event_del(struct event *);
int __wrap_event_del(struct event *);
void __real_event_free(struct event *);
void __wrap_event_free(struct event *);

struct fake_timer {
	struct event *ev;
	int64_t due;
};

static struct event_base *fake_base;
static int64_t fake_now;
static struct fake_timer *fake_timers;
static size_t fake_n;

int64_t
__wrap_clock_now_ms(void)
{
	return fake_now;
}

static void
fake_clock_forget(struct event *ev)
{
	size_t i;

	for (i = 0; i < fake_n; i++) {
		if (fake_timers[i].ev == ev) {
			fake_timers[i] = fake_timers[--fake_n];
			return;
		}
	}
}

int
__wrap_event_add(struct event *ev, const struct timeval *tv)
{
	if (tv == NULL || (event_get_events(ev) & (EV_READ | EV_WRITE |
	    EV_SIGNAL)) != 0)
		return __real_event_add(ev, tv);
	fake_clock_forget(ev);
	fake_timers = xreallocarray(fake_timers, fake_n + 1,
	    sizeof *fake_timers);
	fake_timers[fake_n].ev = ev;
	fake_timers[fake_n].due = fake_now + (int64_t)tv->tv_sec * 1000 +
	    tv->tv_usec / 1000;
	fake_n++;
	return 0;
}

int
__wrap_event_del(struct event *ev)
{
	fake_clock_forget(ev);
	return __real_event_del(ev);
}

void
__wrap_event_free(struct event *ev)
{
	fake_clock_forget(ev);
	__real_event_free(ev);
}

void
fake_clock_init(struct event_base *base, int64_t now)
{
	fake_base = base;
	fake_now = now;
	free(fake_timers);
	fake_timers = NULL;
	fake_n = 0;
}

int64_t
fake_clock_now(void)
{
	return fake_now;
}

void
fake_clock_run(void)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (event_base_get_num_events(fake_base,
		    EVENT_BASE_COUNT_ACTIVE) == 0)
			return;
		event_base_loop(fake_base, EVLOOP_NONBLOCK);
	}
}

int64_t
fake_clock_next_due(void)
{
	int64_t min = INT64_MAX;
	size_t i;

	for (i = 0; i < fake_n; i++)
		if (fake_timers[i].due < min)
			min = fake_timers[i].due;
	return min;
}

size_t
fake_clock_ntimers(void)
{
	return fake_n;
}

void
fake_clock_advance_to(int64_t t)
{
	struct event *ev;
	size_t i, min;

	for (;;) {
		fake_clock_run();
		for (i = 0, min = fake_n; i < fake_n; i++)
			if (fake_timers[i].due <= t && (min == fake_n ||
			    fake_timers[i].due < fake_timers[min].due))
				min = i;
		if (min == fake_n)
			break;
		if (fake_timers[min].due > fake_now)
			fake_now = fake_timers[min].due;
		/* as libevent does, every timer due by now fires in the
		 * same turn of the loop */
		for (i = 0; i < fake_n;) {
			if (fake_timers[i].due > fake_now) {
				i++;
				continue;
			}
			ev = fake_timers[i].ev;
			fake_timers[i] = fake_timers[--fake_n];
			event_active(ev, EV_TIMEOUT, 1);
		}
	}
	if (t > fake_now)
		fake_now = t;
	fake_clock_run();
}
