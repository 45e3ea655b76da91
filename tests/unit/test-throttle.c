/* SPDX-License-Identifier: ISC */
/*
 * test-throttle.c: strikes against addresses that send bad tokens or
 * signatures, the blocks that follow, the bounded table, and the log
 * line limit; all on a fake clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "throttle.h"

#define T0 INT64_C(1774744200000)
#define SEC INT64_C(1000)

/* burst 5, then 6 a minute (one each 10 s), blocked 60 s */
static struct throttle *
mk(void)
{
	return throttle_new(5, 6, 60 * SEC, 16);
}

static void
test_block_after_burst(void **state)
{
	struct throttle *t = mk();
	int64_t retry = -1;
	int i;

	for (i = 0; i < 5; i++) {
		assert_int_equal(throttle_blocked(t, "10.0.0.1", T0, &retry),
		    0);
		assert_int_equal(throttle_strike(t, "10.0.0.1", T0), 0);
	}
	assert_int_equal(throttle_blocked(t, "10.0.0.1", T0, &retry), 0);
	/* the sixth at once blocks it for 60 s */
	assert_int_equal(throttle_strike(t, "10.0.0.1", T0), 1);
	assert_int_equal(throttle_blocked(t, "10.0.0.1", T0, &retry), -1);
	assert_int_equal(retry, 60 * SEC);
	assert_int_equal(throttle_blocked(t, "10.0.0.1", T0 + 59 * SEC,
	    &retry), -1);
	assert_int_equal(retry, 1 * SEC);
	/* others are not blocked */
	assert_int_equal(throttle_blocked(t, "10.0.0.2", T0, &retry), 0);
	assert_int_equal(throttle_blocked(t, "::1", T0, &retry), 0);
	/* the block ends, with a clean slate: a whole burst again */
	assert_int_equal(throttle_blocked(t, "10.0.0.1", T0 + 60 * SEC,
	    &retry), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(throttle_strike(t, "10.0.0.1", T0 + 60 * SEC),
		    0);
	assert_int_equal(throttle_strike(t, "10.0.0.1", T0 + 60 * SEC), 1);
	throttle_free(t);
}

/* A few mistakes now and then never block: strikes drain at the rate. */
static void
test_slow_mistakes(void **state)
{
	struct throttle *t = mk();
	int64_t retry, now = T0;
	int i;

	for (i = 0; i < 1000; i++, now += 10 * SEC) {
		assert_int_equal(throttle_strike(t, "10.0.0.1", now), 0);
		assert_int_equal(throttle_blocked(t, "10.0.0.1", now, &retry),
		    0);
	}
	/* faster than the rate: blocked once the burst is spent */
	for (i = 0; i < 20; i++, now += 5 * SEC)
		if (throttle_strike(t, "10.0.0.1", now) == 1)
			break;
	assert_true(i >= 5 && i < 20);
	assert_int_equal(throttle_blocked(t, "10.0.0.1", now, &retry), -1);
	throttle_free(t);
}

/* The table holds 16: the address heard from least recently goes. */
static void
test_bounded(void **state)
{
	struct throttle *t = mk();
	char addr[32];
	int64_t retry;
	int i;

	for (i = 0; i < 6; i++)
		throttle_strike(t, "10.9.9.9", T0 + 100 * SEC);
	assert_int_equal(throttle_blocked(t, "10.9.9.9", T0 + 100 * SEC,
	    &retry), -1);
	for (i = 0; i < 1000; i++) {
		snprintf(addr, sizeof addr, "10.0.%d.%d", i / 256, i % 256);
		throttle_strike(t, addr, T0 + i);
		assert_true(throttle_count(t) <= 16);
	}
	/* 10.9.9.9 was heard from last of all: it stays blocked */
	assert_int_equal(throttle_blocked(t, "10.9.9.9", T0 + 100 * SEC,
	    &retry), -1);
	for (i = 0; i < 1000; i++) {
		snprintf(addr, sizeof addr, "10.1.%d.%d", i / 256, i % 256);
		throttle_strike(t, addr, T0 + 200 * SEC + i);
	}
	assert_int_equal(throttle_count(t), 16);
	/* now it was forgotten */
	assert_int_equal(throttle_blocked(t, "10.9.9.9", T0 + 100 * SEC,
	    &retry), 0);
	throttle_free(t);
}

/* One log line a minute, standing for all held back since the last. */
static void
test_log_lines(void **state)
{
	struct throttle_log l = { 0, 0, 0 };
	int64_t count = -1;
	int i, lines = 0;

	assert_int_equal(throttle_log_due(&l, T0, 60 * SEC, &count), 1);
	assert_int_equal(count, 1);
	for (i = 1; i <= 100; i++)
		lines += throttle_log_due(&l, T0 + i * 100, 60 * SEC, &count);
	assert_int_equal(lines, 0);
	assert_int_equal(throttle_log_due(&l, T0 + 60 * SEC, 60 * SEC,
	    &count), 1);
	assert_int_equal(count, 101);
	assert_int_equal(throttle_log_due(&l, T0 + 200 * SEC, 60 * SEC,
	    &count), 1);
	assert_int_equal(count, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_after_burst),
		cmocka_unit_test(test_slow_mistakes),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_log_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
