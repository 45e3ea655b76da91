/* SPDX-License-Identifier: ISC */
/*
 * test-intake-compat.c: the PagerDuty Events v2 and Alertmanager parsers,
 * and the token bucket behind intake rate limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake.h"
#include "ratelimit.h"

static const struct intake_defaults defs = { 3, "web" };
static const struct intake_map map = { { 1, 2, 3, 4 }, "severity",
	"service" };

static void
ev_bad(const char *body, const char *want)
{
	struct intake_event ev;
	char *cause = NULL;

	assert_int_equal(intake_events_parse(body, strlen(body), &defs, &map,
	    &ev, &cause), -1);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: want \"%s\", got \"%s\"", body, want, cause);
	assert_null(ev.routing_key);
	free(cause);
}

static void
test_events_trigger(void **state)
{
	const char *body = "{\"routing_key\":\"k123\",\"event_action\":"
	    "\"trigger\",\"dedup_key\":\"d1\",\"payload\":{\"summary\":\"cpu hot\","
	    "\"source\":\"web1\",\"severity\":\"warning\",\"component\":\"nginx\","
	    "\"custom_details\":{\"load\":9}},\"links\":[{\"href\":"
	    "\"https://x.example\",\"text\":\"graph\"},{\"href\":\"ftp://no\"}],"
	    "\"client\":\"nagios\"}";
	struct intake_event ev;
	char *cause = NULL;

	if (intake_events_parse(body, strlen(body), &defs, &map, &ev,
	    &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(ev.action, INTAKE_TRIGGER);
	assert_string_equal(ev.routing_key, "k123");
	assert_string_equal(ev.dedup_key, "d1");
	assert_string_equal(ev.an.dedup_key, "d1");
	assert_string_equal(ev.an.summary, "cpu hot");
	assert_string_equal(ev.an.source, "web1");
	assert_string_equal(ev.an.service, "web");
	assert_int_equal(ev.an.priority, 3);
	assert_string_equal(ev.an.details, "{\"severity\":\"warning\","
	    "\"timestamp\":null,\"component\":\"nginx\",\"group\":null,"
	    "\"class\":null,\"custom_details\":{\"load\":9}}");
	assert_string_equal(ev.an.links, "[{\"href\":\"https://x.example\","
	    "\"text\":\"graph\"}]");
	intake_event_clear(&ev);
}

/* Text from senders we do not control loses its control characters. */
static void
test_events_controls(void **state)
{
	const char *body = "{\"routing_key\":\"k\",\"event_action\":"
	    "\"trigger\",\"payload\":{\"summary\":\"a\\u001bb\\u009bc\\u00e9\","
	    "\"source\":\"s\\u0007\",\"severity\":\"info\"}}";
	struct intake_event ev;
	char *cause = NULL;

	if (intake_events_parse(body, strlen(body), &defs, &map, &ev,
	    &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(ev.an.summary, "a b  c\xc3\xa9");
	assert_string_equal(ev.an.source, "s ");
	intake_event_clear(&ev);
}

static void
test_events_ack_resolve(void **state)
{
	const char *ack = "{\"routing_key\":\"k\",\"event_action\":"
	    "\"acknowledge\",\"dedup_key\":\"d1\"}";
	const char *res = "{\"routing_key\":\"k\",\"event_action\":\"resolve\","
	    "\"dedup_key\":\"d1\"}";
	struct intake_event ev;
	char *cause = NULL;

	assert_int_equal(intake_events_parse(ack, strlen(ack), &defs, &map,
	    &ev, &cause), 0);
	assert_int_equal(ev.action, INTAKE_ACKNOWLEDGE);
	assert_null(ev.an.summary);
	intake_event_clear(&ev);
	assert_int_equal(intake_events_parse(res, strlen(res), &defs, &map,
	    &ev, &cause), 0);
	assert_int_equal(ev.action, INTAKE_RESOLVE);
	assert_string_equal(ev.dedup_key, "d1");
	intake_event_clear(&ev);
}

static void
test_events_bad(void **state)
{
	ev_bad("{", "malformed JSON");
	ev_bad("[]", "must be a JSON object");
	ev_bad("{\"event_action\":\"trigger\"}", "routing_key is required");
	ev_bad("{\"routing_key\":\"k\"}", "event_action is required");
	ev_bad("{\"routing_key\":\"k\",\"event_action\":\"snooze\"}",
	    "event_action must be trigger, acknowledge or resolve");
	ev_bad("{\"routing_key\":\"k\",\"event_action\":\"resolve\"}",
	    "dedup_key is required to resolve");
	ev_bad("{\"routing_key\":\"k\",\"event_action\":\"trigger\"}",
	    "payload is required");
	ev_bad("{\"routing_key\":\"k\",\"event_action\":\"trigger\",\"payload\":"
	    "{\"source\":\"s\",\"severity\":\"info\"}}",
	    "payload.summary is required");
	ev_bad("{\"routing_key\":\"k\",\"event_action\":\"trigger\",\"payload\":"
	    "{\"summary\":\"s\",\"severity\":\"info\"}}",
	    "payload.source is required");
	ev_bad("{\"routing_key\":\"k\",\"event_action\":\"trigger\",\"payload\":"
	    "{\"summary\":\"s\",\"source\":\"x\",\"severity\":\"high\"}}",
	    "payload.severity must be critical, error, warning or info");
	ev_bad("{\"routing_key\":5,\"event_action\":\"trigger\"}",
	    "routing_key must be a string");
}

#define AM_HEAD "{\"version\":\"4\",\"groupKey\":\"g\",\"status\":\"firing\"," \
	"\"receiver\":\"pager\",\"alerts\":["

static void
test_am(void **state)
{
	const char *body = AM_HEAD
	    "{\"status\":\"firing\",\"labels\":{\"alertname\":\"DiskFull\","
	    "\"instance\":\"db1\",\"severity\":\"critical\",\"service\":\"db\"},"
	    "\"annotations\":{},\"generatorURL\":\"http://prom/g\","
	    "\"fingerprint\":\"aaaa\"},"
	    "{\"status\":\"resolved\",\"labels\":{\"alertname\":\"Slow\","
	    "\"severity\":\"P4\"},\"annotations\":{\"summary\":\"slow\\npages\"},"
	    "\"fingerprint\":\"bbbb\"},"
	    "{\"status\":\"firing\",\"labels\":{\"severity\":\"bogus\"},"
	    "\"fingerprint\":\"cccc\"}]}";
	struct intake_am am;
	char *cause = NULL;

	if (intake_am_parse(body, strlen(body), &defs, &map, &am, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(am.n, 3);
	assert_true(am.alerts[0].firing);
	assert_string_equal(am.alerts[0].an.dedup_key, "aaaa");
	assert_string_equal(am.alerts[0].an.summary, "DiskFull on db1");
	assert_string_equal(am.alerts[0].an.service, "db");
	assert_int_equal(am.alerts[0].an.priority, 1);
	assert_string_equal(am.alerts[0].an.links,
	    "[{\"href\":\"http://prom/g\",\"text\":\"Prometheus\"}]");
	assert_false(am.alerts[1].firing);
	assert_string_equal(am.alerts[1].an.summary, "slow pages");
	assert_string_equal(am.alerts[1].an.service, "web");
	assert_int_equal(am.alerts[1].an.priority, 4);
	assert_string_equal(am.alerts[2].an.summary, "alert cccc");
	assert_int_equal(am.alerts[2].an.priority, 3);
	assert_null(am.alerts[2].an.links);
	intake_am_clear(&am);
}

static void
am_bad(const char *body, const char *want)
{
	struct intake_am am;
	char *cause = NULL;

	assert_int_equal(intake_am_parse(body, strlen(body), &defs, &map, &am,
	    &cause), -1);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: want \"%s\", got \"%s\"", body, want, cause);
	assert_int_equal(am.n, 0);
	free(cause);
}

static void
test_am_bad(void **state)
{
	am_bad("nope", "malformed JSON");
	am_bad("{\"version\":\"3\",\"alerts\":[]}", "version must be \"4\"");
	am_bad("{\"version\":\"4\"}", "alerts must be an array");
	am_bad(AM_HEAD "1]}", "alerts[0] must be an object");
	am_bad(AM_HEAD "{\"status\":\"firing\",\"labels\":{}}]}",
	    "alerts[0].fingerprint is required");
	am_bad(AM_HEAD "{\"status\":\"firing\",\"labels\":{},\"fingerprint\":"
	    "\"a\"},{\"status\":\"gone\",\"labels\":{},\"fingerprint\":\"b\"}]}",
	    "alerts[1].status must be firing or resolved");
	am_bad(AM_HEAD "{\"status\":\"firing\",\"labels\":5,\"fingerprint\":"
	    "\"a\"}]}", "alerts[0].labels must be an object");
}

/* A long summary is cut on a UTF-8 boundary. */
static void
test_am_utf8_cut(void **state)
{
	char body[4096], sum[2100];
	struct intake_am am;
	char *cause = NULL;
	size_t i;

	for (i = 0; i + 2 <= 2050; i += 2)
		memcpy(sum + i, "\xc3\xa9", 2);
	sum[2050] = '\0';
	snprintf(body, sizeof body, AM_HEAD "{\"status\":\"firing\",\"labels\""
	    ":{},\"annotations\":{\"summary\":\"x%s\"},\"fingerprint\":\"f\"}]}",
	    sum);
	assert_int_equal(intake_am_parse(body, strlen(body), &defs, &map, &am,
	    &cause), 0);
	assert_true(strlen(am.alerts[0].an.summary) <= 1024);
	assert_int_equal(strlen(am.alerts[0].an.summary), 1023);
	intake_am_clear(&am);
}

static void
test_ratelimit(void **state)
{
	struct ratelimit rl;
	int64_t retry = 0;
	int i;

	memset(&rl, 0, sizeof rl);
	/* 60 a minute, burst 3: three at once, then one a second */
	for (i = 0; i < 3; i++)
		assert_int_equal(ratelimit_take(&rl, 60, 3, 1000, &retry), 0);
	assert_int_equal(ratelimit_take(&rl, 60, 3, 1000, &retry), -1);
	assert_int_equal(retry, 1000);
	assert_int_equal(ratelimit_take(&rl, 60, 3, 1500, &retry), -1);
	assert_int_equal(retry, 500);
	assert_int_equal(ratelimit_take(&rl, 60, 3, 2000, &retry), 0);
	assert_int_equal(ratelimit_take(&rl, 60, 3, 2000, &retry), -1);
	/* a long pause refills to the burst, no more */
	for (i = 0; i < 3; i++)
		assert_int_equal(ratelimit_take(&rl, 60, 3, 600000, &retry), 0);
	assert_int_equal(ratelimit_take(&rl, 60, 3, 600000, &retry), -1);
	/* no limit */
	assert_int_equal(ratelimit_take(&rl, 0, 0, 600000, &retry), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_trigger),
		cmocka_unit_test(test_events_ack_resolve),
		cmocka_unit_test(test_events_controls),
		cmocka_unit_test(test_events_bad),
		cmocka_unit_test(test_am),
		cmocka_unit_test(test_am_bad),
		cmocka_unit_test(test_am_utf8_cut),
		cmocka_unit_test(test_ratelimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
