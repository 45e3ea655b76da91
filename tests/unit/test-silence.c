/* SPDX-License-Identifier: ISC */
/*
 * test-silence.c: silences, pure: the body's validation (every refusal
 * names its field), matching (each matcher alone and together, globs,
 * labels of Alertmanager and native details), the window and its early
 * expiry, and the round trip of matchers through their stored text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "silence.h"

/* 2026-12-06T10:00:00Z */
#define T0 INT64_C(1796551200000)
#define H INT64_C(3600000)

static int
parse(const char *body, struct silence *s, char **cause)
{
	*cause = NULL;
	return silence_parse(body, strlen(body), T0, s, cause);
}

/* body is refused with a cause holding want. */
static void
refused(const char *body, const char *want)
{
	struct silence s;
	char *cause;

	assert_int_equal(parse(body, &s, &cause), -1);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("\"%s\": cause \"%s\" lacks \"%s\"", body, cause,
		    want);
	free(cause);
	assert_null(s.service);
}

static void
test_parse_ok(void **state)
{
	struct silence s;
	char *cause;

	assert_int_equal(parse("{\"matchers\": {\"service\": \"db\","
	    " \"priority\": \"P1\", \"labels\": {\"env\": \"prod\"}},"
	    " \"starts_at\": \"2026-12-06T11:00:00Z\","
	    " \"ends_at\": \"2026-12-06T13:00:00+01:00\","
	    " \"comment\": \"upgrade\"}", &s, &cause), 0);
	assert_string_equal(s.service, "db");
	assert_int_equal(s.priority, 1);
	assert_int_equal(s.nlabels, 1);
	assert_string_equal(s.labels[0].name, "env");
	assert_true(s.starts_ms == T0 + H);
	assert_true(s.ends_ms == T0 + 2 * H);
	assert_true(s.page_on_expiry); /* the default */
	assert_string_equal(s.comment, "upgrade");
	silence_clear(&s);

	/* starts_at defaults to now; page_on_expiry can be turned off */
	assert_int_equal(parse("{\"matchers\": {\"summary\": \"disk *\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\","
	    " \"page_on_expiry\": false}", &s, &cause), 0);
	assert_true(s.starts_ms == T0);
	assert_false(s.page_on_expiry);
	silence_clear(&s);
}

static void
test_parse_refused(void **state)
{
	refused("", "JSON object");
	refused("[]", "JSON object");
	refused("{\"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "matchers is required");
	refused("{\"matchers\": {}, \"ends_at\": \"2026-12-06T11:00:00Z\","
	    " \"comment\": \"x\"}", "at least one");
	refused("{\"matchers\": {\"labels\": {}},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "at least one");
	refused("{\"matchers\": {\"summary\": \"**\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "matches every alert");
	refused("{\"matchers\": {\"service\": \"db\"},"
	    " \"starts_at\": \"2026-12-06T12:00:00Z\","
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "ends_at must be after starts_at");
	refused("{\"matchers\": {\"service\": \"db\"},"
	    " \"starts_at\": \"2026-12-06T11:00:00Z\","
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "ends_at must be after starts_at");
	refused("{\"matchers\": {\"service\": \"db\"},"
	    " \"starts_at\": \"2026-12-06T08:00:00Z\","
	    " \"ends_at\": \"2026-12-06T09:00:00Z\", \"comment\": \"x\"}",
	    "in the past");
	refused("{\"matchers\": {\"service\": \"db\"}, \"comment\": \"x\"}",
	    "ends_at is required");
	refused("{\"matchers\": {\"service\": \"db\"},"
	    " \"ends_at\": \"tomorrow\", \"comment\": \"x\"}", "ends_at");
	refused("{\"matchers\": {\"service\": \"db\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00\", \"comment\": \"x\"}",
	    "ends_at");
	refused("{\"matchers\": {\"priority\": \"P9\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "matchers.priority");
	refused("{\"matchers\": {\"priority\": 1},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "matchers.priority");
	refused("{\"matchers\": {\"service\": \"db\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\"}", "comment is required");
	refused("{\"matchers\": {\"service\": \"\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "matchers.service must be a non-empty string");
	refused("{\"matchers\": {\"service\": \"a\\nb\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "control characters");
	refused("{\"matchers\": {\"host\": \"a\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "unknown matcher \"host\"");
	refused("{\"matchers\": {\"labels\": {\"env\": 1}},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "matchers.labels.env");
	refused("{\"matchers\": {\"service\": \"db\"}, \"until\": 1,"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "unknown field \"until\"");
	refused("{\"matchers\": {\"service\": \"db\"},"
	    " \"page_on_expiry\": \"yes\","
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "page_on_expiry");
	refused("{\"matchers\": {\"service\": \"db\", \"service\": \"x\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    "JSON object");
}

static void
test_parse_too_long(void **state)
{
	char *body, *big;
	size_t n = SILENCE_COMMENT_MAX + 1;

	big = malloc(n + 1);
	memset(big, 'c', n);
	big[n] = '\0';
	assert_true(asprintf(&body, "{\"matchers\": {\"service\": \"db\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"%s\"}",
	    big) > 0);
	refused(body, "comment is longer than 1024 bytes");
	free(body);
	big[256] = '\0'; /* 256 bytes: one over ALERT_KEY_MAX */
	assert_true(asprintf(&body, "{\"matchers\": {\"service\": \"%s\"},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    big) > 0);
	refused(body, "matchers.service is longer than 255 bytes");
	free(body);
	free(big);
}

static struct silence_subject
subject(void)
{
	struct silence_subject a;

	memset(&a, 0, sizeof a);
	a.service = "db";
	a.priority = 2;
	a.dedup_key = "db-disk";
	a.summary = "disk full on db1";
	a.source = "db1";
	a.details = "{\"labels\": {\"env\": \"prod\", \"team\": \"data\"}}";
	return a;
}

static void
test_match(void **state)
{
	struct silence s;
	struct silence_label l[2] = { { (char *)"env", (char *)"prod" },
	    { (char *)"team", (char *)"data" } };
	struct silence_subject a = subject();

	memset(&s, 0, sizeof s);
	s.service = (char *)"db";
	assert_true(silence_match(&s, &a));
	s.priority = 1;
	assert_false(silence_match(&s, &a)); /* all must match */
	s.priority = 2;
	assert_true(silence_match(&s, &a));
	s.summary = (char *)"disk full on *";
	assert_true(silence_match(&s, &a));
	s.summary = (char *)"disk full";
	assert_false(silence_match(&s, &a)); /* the whole summary */
	s.summary = (char *)"*db?";
	assert_true(silence_match(&s, &a));
	s.dedup_key = (char *)"db-cpu";
	assert_false(silence_match(&s, &a));
	s.dedup_key = (char *)"db-disk";
	s.source = (char *)"db1";
	assert_true(silence_match(&s, &a));
	s.labels = l;
	s.nlabels = 2;
	assert_true(silence_match(&s, &a));
	l[1].value = (char *)"web";
	assert_false(silence_match(&s, &a));
	/* a label at the top level of native details */
	memset(&s, 0, sizeof s);
	s.labels = l;
	s.nlabels = 1;
	a.details = "{\"env\": \"prod\"}";
	assert_true(silence_match(&s, &a));
	a.details = "{\"env\": 1}";
	assert_false(silence_match(&s, &a));
	a.details = NULL;
	assert_false(silence_match(&s, &a));
	a = subject();
	s.nlabels = 0;
	s.service = (char *)"web";
	assert_false(silence_match(&s, &a));
}

static void
test_window(void **state)
{
	struct silence s;

	memset(&s, 0, sizeof s);
	s.starts_ms = T0;
	s.ends_ms = T0 + 2 * H;
	assert_false(silence_active(&s, T0 - 1));
	assert_string_equal(silence_state(&s, T0 - 1), "pending");
	assert_true(silence_active(&s, T0));
	assert_true(silence_active(&s, T0 + 2 * H - 1));
	assert_false(silence_active(&s, T0 + 2 * H));
	assert_string_equal(silence_state(&s, T0 + 2 * H), "expired");
	s.expired_ms = T0 + H;
	assert_true(silence_end(&s) == T0 + H);
	assert_false(silence_active(&s, T0 + H));
	assert_string_equal(silence_state(&s, T0 + H), "expired");
	/* expired after its end: it ended at its end */
	s.expired_ms = T0 + 3 * H;
	assert_true(silence_end(&s) == T0 + 2 * H);
}

static void
test_overlaps(void **state)
{
	struct silence a, b;

	memset(&a, 0, sizeof a);
	a.service = (char *)"db";
	a.starts_ms = T0;
	a.ends_ms = T0 + 2 * H;
	b = a;
	b.starts_ms = T0 + H;
	b.ends_ms = T0 + 3 * H;
	assert_true(silence_overlaps(&a, &b));
	b.starts_ms = T0 + 2 * H; /* they only touch */
	assert_false(silence_overlaps(&a, &b));
	b.starts_ms = T0 + H;
	b.priority = 1;		/* other matchers */
	assert_false(silence_overlaps(&a, &b));
	b.priority = 0;
	a.expired_ms = T0 + H;	/* a ended early */
	assert_false(silence_overlaps(&a, &b));
}

static void
test_roundtrip(void **state)
{
	struct silence s, t, c;
	char *cause, *text;
	json_t *j;

	assert_int_equal(parse("{\"matchers\": {\"service\": \"db\","
	    " \"priority\": \"high\", \"summary\": \"x*\","
	    " \"dedup_key\": \"k\", \"source\": \"s\","
	    " \"labels\": {\"a\": \"1\", \"b\": \"2\"}},"
	    " \"ends_at\": \"2026-12-06T11:00:00Z\", \"comment\": \"x\"}",
	    &s, &cause), 0);
	j = silence_matchers_json(&s);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	memset(&t, 0, sizeof t);
	assert_int_equal(silence_matchers_load(&t, text, &cause), 0);
	assert_string_equal(t.service, "db");
	assert_int_equal(t.priority, 2);
	assert_string_equal(t.summary, "x*");
	assert_string_equal(t.dedup_key, "k");
	assert_string_equal(t.source, "s");
	assert_int_equal(t.nlabels, 2);
	silence_copy(&c, &s);
	c.id = 7;
	c.creator = strdup("ops-key");
	j = silence_json(&c, T0);
	assert_string_equal(json_string_value(json_object_get(j, "state")),
	    "active");
	assert_string_equal(json_string_value(json_object_get(j,
	    "created_by")), "ops-key");
	assert_string_equal(json_string_value(json_object_get(j, "ends_at")),
	    "2026-12-06T11:00:00.000Z");
	assert_true(json_is_null(json_object_get(j, "expired_at")));
	json_decref(j);
	free(text);
	silence_clear(&c);
	silence_clear(&t);
	silence_clear(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_too_long),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
