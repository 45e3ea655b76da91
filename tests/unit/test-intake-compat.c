/* SPDX-License-Identifier: ISC */
/*
 * test-intake-compat.c: the PagerDuty Events v2 (alert and change events)
 * and Alertmanager parsers, and the token bucket behind intake rate
 * limits.
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
	    "\"https://x.example\",\"text\":\"graph\",\"rel\":\"x\"},"
	    "{\"href\":\"http://y.example/a?b=c\"}],"
	    "\"images\":[{\"src\":\"https://img.example/p.png\",\"href\":"
	    "\"https://img.example/\",\"alt\":\"cpu\\u0007 graph\"},{\"src\":"
	    "\"https://img.example/q.png\"}],"
	    "\"client\":\"nagios\",\"client_url\":\"https://nagios.example/\"}";
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
	/* only href and text are kept of a link */
	assert_string_equal(ev.an.links, "[{\"href\":\"https://x.example\","
	    "\"text\":\"graph\"},{\"href\":\"http://y.example/a?b=c\"}]");
	assert_string_equal(ev.an.images, "[{\"src\":"
	    "\"https://img.example/p.png\",\"href\":\"https://img.example/\","
	    "\"alt\":\"cpu  graph\"},{\"src\":\"https://img.example/q.png\"}]");
	assert_string_equal(ev.an.client, "nagios");
	assert_string_equal(ev.an.client_url, "https://nagios.example/");
	intake_event_clear(&ev);
}

/* A trigger with n copies of the UTF-8 character c as its summary. */
static char *
ev_summary(const char *c, size_t n)
{
	size_t i, len = strlen(c);
	char *sum = calloc(1, n * len + 1), *body;

	for (i = 0; i < n; i++)
		memcpy(sum + i * len, c, len);
	body = calloc(1, n * len + 200);
	sprintf(body, "{\"routing_key\":\"k\",\"event_action\":\"trigger\","
	    "\"payload\":{\"summary\":\"%s\",\"source\":\"s\",\"severity\":"
	    "\"info\"}}", sum);
	free(sum);
	return body;
}

/*
 * The summary limit counts characters, as PagerDuty's: 1,024 of them
 * are taken whatever their size in bytes (2 for é, 4 for an emoji), and
 * 1,025 are refused, as 1,025 ASCII characters are.
 */
static void
test_events_summary_chars(void **state)
{
	const char *chars[] = { "a", "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x94\xa5" };
	struct intake_event ev;
	char *body, *cause = NULL;
	size_t i;

	for (i = 0; i < 4; i++) {
		body = ev_summary(chars[i], 1024);
		if (intake_events_parse(body, strlen(body), &defs, &map, &ev,
		    &cause) != 0)
			fail_msg("1024 x %s: %s", chars[i], cause);
		assert_int_equal(strlen(ev.an.summary), 1024 *
		    strlen(chars[i]));
		intake_event_clear(&ev);
		free(body);
		body = ev_summary(chars[i], 1025);
		ev_bad(body, "payload.summary must be a string of 1 to 1024"
		    " characters");
		free(body);
	}
}

/*
 * What Prometheus Alertmanager's pagerduty_configs send (its Go structs
 * have no omitempty on these): "" for an image's alt and href, a link's
 * text, and the client and client_url left unconfigured.  Taken as
 * absent, not refused: refusing would lose the page.
 */
static void
test_events_alertmanager_shape(void **state)
{
	const char *body = "{\"routing_key\":\"k\",\"dedup_key\":\"abc\","
	    "\"event_action\":\"trigger\",\"payload\":{\"summary\":\"x\","
	    "\"source\":\"Alertmanager\",\"severity\":\"error\"},"
	    "\"client\":\"\",\"client_url\":\"\","
	    "\"images\":[{\"src\":\"https://g.example/p.png\",\"alt\":\"\","
	    "\"href\":\"\"}],\"links\":[{\"href\":\"https://g.example/\","
	    "\"text\":\"\"}]}";
	struct intake_event ev;
	char *cause = NULL;

	if (intake_events_parse(body, strlen(body), &defs, &map, &ev,
	    &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(ev.an.images,
	    "[{\"src\":\"https://g.example/p.png\"}]");
	assert_string_equal(ev.an.links, "[{\"href\":\"https://g.example/\"}]");
	assert_null(ev.an.client);
	assert_null(ev.an.client_url);
	intake_event_clear(&ev);
}

/* Links, images and the client: wrong types and sizes are refused. */
static void
test_events_context_bad(void **state)
{
#define TRIG "{\"routing_key\":\"k\",\"event_action\":\"trigger\"," \
	"\"payload\":{\"summary\":\"s\",\"source\":\"x\",\"severity\":" \
	"\"info\"},"
	char *body, *p;
	size_t i;

	ev_bad(TRIG "\"links\":{}}", "links must be an array of at most 20");
	ev_bad(TRIG "\"links\":[\"https://a.example\"]}",
	    "links[0].href must be an http or https URL");
	ev_bad(TRIG "\"links\":[{\"text\":\"x\"}]}",
	    "links[0].href must be an http or https URL");
	ev_bad(TRIG "\"links\":[{\"href\":\"\"}]}",
	    "links[0].href must be an http or https URL");
	ev_bad(TRIG "\"images\":[{\"src\":\"\"}]}",
	    "images[0].src must be an https URL");
	ev_bad(TRIG "\"links\":[{\"href\":\"ftp://a.example\"}]}",
	    "links[0].href must be an http or https URL");
	ev_bad(TRIG "\"links\":[{\"href\":\"javascript:alert(1)\"}]}",
	    "links[0].href must be an http or https URL");
	ev_bad(TRIG "\"links\":[{\"href\":\"https://a b\"}]}",
	    "links[0].href must be an http or https URL");
	ev_bad(TRIG "\"links\":[{\"href\":\"https://a\",\"text\":5}]}",
	    "links[0].text must be a string of at most 255 characters");
	ev_bad(TRIG "\"images\":\"https://a\"}",
	    "images must be an array of at most 10 images");
	ev_bad(TRIG "\"images\":[{\"src\":\"http://a.example/p.png\"}]}",
	    "images[0].src must be an https URL");
	ev_bad(TRIG "\"images\":[{\"href\":\"https://a.example/\"}]}",
	    "images[0].src must be an https URL");
	ev_bad(TRIG "\"images\":[{\"src\":\"https://a\",\"href\":[]}]}",
	    "images[0].href must be an http or https URL");
	ev_bad(TRIG "\"images\":[{\"src\":\"https://a\",\"alt\":{}}]}",
	    "images[0].alt must be a string of at most 255 characters");
	ev_bad(TRIG "\"client\":7}", "client must be a string of 1 to 255"
	    " characters");
	ev_bad(TRIG "\"client_url\":\"file:///etc/passwd\"}",
	    "client_url must be an http or https URL");
	/* counts and lengths */
	body = calloc(1, 64 * 30 + 256);
	p = body + sprintf(body, "%s", TRIG "\"links\":[");
	for (i = 0; i < 21; i++)
		p += sprintf(p, "%s{\"href\":\"https://a.example/%zu\"}",
		    i > 0 ? "," : "", i);
	strcpy(p, "]}");
	ev_bad(body, "links must be an array of at most 20 links");
	free(body);
	body = calloc(1, 4096);
	p = body + sprintf(body, "%s", TRIG "\"client_url\":\"https://a/");
	memset(p, 'x', 2100);
	strcpy(p + 2100, "\"}");
	ev_bad(body, "client_url must be an http or https URL of at most 2048");
	free(body);
#undef TRIG
}

/* A change event, with what PagerDuty's documentation sends. */
static void
test_change(void **state)
{
	const char *body = "{\"routing_key\":\"k123\",\"payload\":{"
	    "\"summary\":\"Build Success: timeout 30 s\","
	    "\"timestamp\":\"2020-07-17T08:42:58.315+0000\","
	    "\"source\":\"acme-build\",\"custom_details\":{\"build\":\"2\"}},"
	    "\"links\":[{\"href\":\"https://acme.example/build/2\","
	    "\"text\":\"View\"}]}";
	const char *bare = "{\"routing_key\":\"k\",\"payload\":{\"summary\":"
	    "\"deploy\"}}";
	struct intake_change c;
	char *cause = NULL;

	if (intake_change_parse(body, strlen(body), &c, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(c.routing_key, "k123");
	assert_string_equal(c.summary, "Build Success: timeout 30 s");
	assert_string_equal(c.source, "acme-build");
	assert_int_equal(c.at_ms, (int64_t)1594975378315);
	assert_string_equal(c.details, "{\"build\":\"2\"}");
	assert_string_equal(c.links, "[{\"href\":"
	    "\"https://acme.example/build/2\",\"text\":\"View\"}]");
	intake_change_clear(&c);
	if (intake_change_parse(bare, strlen(bare), &c, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(c.at_ms, 0);
	assert_null(c.source);
	assert_null(c.details);
	assert_null(c.links);
	intake_change_clear(&c);
}

static void
change_bad(const char *body, const char *want)
{
	struct intake_change c;
	char *cause = NULL;

	assert_int_equal(intake_change_parse(body, strlen(body), &c, &cause),
	    -1);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: want \"%s\", got \"%s\"", body, want, cause);
	assert_null(c.routing_key);
	assert_null(c.summary);
	free(cause);
}

static void
test_change_bad(void **state)
{
	char *body;

	change_bad("[1]", "must be a JSON object");
	change_bad("{\"payload\":{\"summary\":\"s\"}}",
	    "routing_key is required");
	change_bad("{\"routing_key\":\"k\"}", "payload is required");
	change_bad("{\"routing_key\":\"k\",\"payload\":{}}",
	    "payload.summary is required");
	change_bad("{\"routing_key\":\"k\",\"payload\":{\"summary\":1}}",
	    "payload.summary must be a string");
	change_bad("{\"routing_key\":\"k\",\"payload\":{\"summary\":\"s\","
	    "\"source\":[]}}", "payload.source must be a string");
	change_bad("{\"routing_key\":\"k\",\"payload\":{\"summary\":\"s\","
	    "\"timestamp\":\"yesterday\"}}", "payload.timestamp must be an ISO"
	    " 8601 time");
	change_bad("{\"routing_key\":\"k\",\"payload\":{\"summary\":\"s\","
	    "\"timestamp\":\"2020-07-17T08:42:58\"}}", "payload.timestamp");
	change_bad("{\"routing_key\":\"k\",\"payload\":{\"summary\":\"s\","
	    "\"custom_details\":\"x\"}}", "payload.custom_details must be an"
	    " object");
	change_bad("{\"routing_key\":\"k\",\"payload\":{\"summary\":\"s\"},"
	    "\"links\":[{\"href\":5}]}", "links[0].href must be an http");
	body = calloc(1, 20000);
	strcpy(body, "{\"routing_key\":\"k\",\"payload\":{\"summary\":\"s\","
	    "\"custom_details\":{\"x\":\"");
	memset(body + strlen(body), 'x', 16400);
	strcat(body, "\"}}}");
	change_bad(body, "payload.custom_details must be an object of at most"
	    " 16384 bytes");
	free(body);
	body = ev_summary("\xc3\xa9", 1025);
	/* the same limit as a trigger's summary: 1,024 characters */
	change_bad(body, "payload.summary must be a string of 1 to 1024");
	free(body);
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

/* A long summary is cut to 1,024 characters, on a UTF-8 boundary. */
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
	/* cut to 1,024 characters: "x" and 1,023 of the 1,025 é */
	assert_int_equal(strlen(am.alerts[0].an.summary), 1 + 2 * 1023);
	assert_string_equal(am.alerts[0].an.summary + 2045, "\xc3\xa9");
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
		cmocka_unit_test(test_events_summary_chars),
		cmocka_unit_test(test_events_context_bad),
		cmocka_unit_test(test_events_alertmanager_shape),
		cmocka_unit_test(test_change),
		cmocka_unit_test(test_change_bad),
		cmocka_unit_test(test_am),
		cmocka_unit_test(test_am_bad),
		cmocka_unit_test(test_am_utf8_cut),
		cmocka_unit_test(test_ratelimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
