/* SPDX-License-Identifier: ISC */
/* test-intake.c: validation of the native alert body. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "intake.h"
#include "intake-private.h"

static const struct intake_defaults defs = { 3, "default" };

static void
parse_ok(const char *body, struct alert_new *an)
{
	char *cause = NULL;

	if (intake_native_parse(body, strlen(body), &defs, an, &cause) != 0)
		fail_msg("%s: %s", body, cause);
}

static void
parse_bad(const char *body, const char *want)
{
	struct alert_new an;
	char *cause = NULL;

	assert_int_equal(intake_native_parse(body, strlen(body), &defs, &an,
	    &cause), -1);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: want \"%s\", got \"%s\"", body, want, cause);
	assert_null(an.summary);
	assert_null(an.service);
	free(cause);
}

static void
test_minimal(void **state)
{
	struct alert_new an;

	parse_ok("{\"summary\":\"disk full\"}", &an);
	assert_string_equal(an.summary, "disk full");
	assert_int_equal(an.priority, 3);
	assert_string_equal(an.service, "default");
	assert_null(an.dedup_key);
	assert_null(an.details);
	assert_null(an.links);
	alert_new_clear(&an);
}

static void
test_full(void **state)
{
	struct alert_new an;

	parse_ok("{\"summary\":\"disk full\",\"priority\":\"P1\","
	    "\"service\":\"db\",\"dedup_key\":\"db1/disk\",\"source\":\"nagios\","
	    "\"details\":{\"host\":\"db1\",\"pct\":98},"
	    "\"links\":[\"https://x.example/1\",{\"href\":\"http://y.example\","
	    "\"text\":\"runbook\"}]}", &an);
	assert_int_equal(an.priority, 1);
	assert_string_equal(an.service, "db");
	assert_string_equal(an.dedup_key, "db1/disk");
	assert_string_equal(an.source, "nagios");
	assert_string_equal(an.details, "{\"host\":\"db1\",\"pct\":98}");
	assert_string_equal(an.links, "[\"https://x.example/1\",{\"href\":"
	    "\"http://y.example\",\"text\":\"runbook\"}]");
	alert_new_clear(&an);
}

static void
test_priorities(void **state)
{
	static const struct {
		const char *p;
		int want;
	} cases[] = { { "P1", 1 }, { "p2", 2 }, { "P3", 3 }, { "P4", 4 },
		{ "critical", 1 }, { "High", 2 }, { "medium", 3 }, { "LOW", 4 } };
	struct alert_new an;
	char body[128];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(body, sizeof body, "{\"summary\":\"s\",\"priority\":"
		    "\"%s\"}", cases[i].p);
		parse_ok(body, &an);
		assert_int_equal(an.priority, cases[i].want);
		alert_new_clear(&an);
	}
}

static void
test_nulls_are_absent(void **state)
{
	struct alert_new an;

	parse_ok("{\"summary\":\"s\",\"service\":null,\"details\":null,"
	    "\"links\":null,\"priority\":null}", &an);
	assert_string_equal(an.service, "default");
	assert_int_equal(an.priority, 3);
	alert_new_clear(&an);
}

static void
test_bad(void **state)
{
	char big[1200];

	parse_bad("", "malformed JSON");
	parse_bad("{\"summary\":", "malformed JSON");
	parse_bad("[1,2]", "must be a JSON object");
	parse_bad("{}", "summary is required");
	parse_bad("{\"summary\":null}", "summary is required");
	parse_bad("{\"summary\":\"\"}", "summary must not be empty");
	parse_bad("{\"summary\":\"  \"}", "summary must not be empty");
	parse_bad("{\"summary\":5}", "summary must be a string");
	parse_bad("{\"summary\":\"a\\u0000b\"}", "malformed JSON");
	parse_bad("{\"summary\":\"a\\u0001b\"}", "control characters");
	parse_bad("{\"summary\":\"a\\u009bb\"}", "control characters");
	parse_bad("{\"summary\":\"a\xc2\x85" "b\"}", "control characters");
	parse_bad("{\"summary\":\"a\\nb\"}", "control characters");
	parse_bad("{\"summary\":\"s\",\"priority\":\"P5\"}",
	    "priority must be one of P1..P4");
	parse_bad("{\"summary\":\"s\",\"priority\":1}",
	    "priority must be a string");
	parse_bad("{\"summary\":\"s\",\"sevrity\":\"P1\"}",
	    "unknown field \"sevrity\"");
	parse_bad("{\"summary\":\"s\",\"summary\":\"t\"}", "malformed JSON");
	parse_bad("{\"summary\":\"s\",\"details\":[1]}",
	    "details must be an object");
	parse_bad("{\"summary\":\"s\",\"links\":\"http://x\"}",
	    "links must be an array");
	parse_bad("{\"summary\":\"s\",\"links\":[\"javascript:alert(1)\"]}",
	    "links[0] must be an http or https URL");
	parse_bad("{\"summary\":\"s\",\"links\":[\"http://a\",{\"text\":\"x\"}]}",
	    "links[1] must be an http or https URL");
	parse_bad("{\"summary\":\"s\",\"links\":[{\"href\":\"http://a\","
	    "\"rel\":\"x\"}]}", "links[0]: unknown field \"rel\"");
	parse_bad("{\"summary\":\"s\",\"links\":[3]}", "links[0] must be a URL");
	parse_bad("{\"summary\":\"s\",\"service\":\"\"}",
	    "service must not be empty");
	memset(big, 'a', sizeof big);
	memcpy(big, "{\"summary\":\"", 12);
	memcpy(big + sizeof big - 3, "\"}", 3);
	parse_bad(big, "summary is longer than 1024 characters");
}

/* Does intake_flat_scan() take body (as the native fields)? */
static int
flat(const char *body)
{
	static const char *const names[] = { "summary", "priority",
		"service", "dedup_key", "source" };
	struct intake_flat f[5];
	char *copy = strdup(body);
	int rc;

	assert_non_null(copy);
	rc = intake_flat_scan(copy, strlen(copy), names, 5, f);
	free(copy);
	return rc;
}

static void
test_flat_shapes(void **state)
{
	static const char *const names[] = { "a", "bb" };
	struct intake_flat f[2];
	char body[] = " {\t\"bb\" :\r\n\"x y\" , \"a\":\"\"}\n ";

	assert_int_equal(intake_flat_scan(body, strlen(body), names, 2, f), 1);
	assert_string_equal(f[0].s, "");
	assert_int_equal(f[0].len, 0);
	assert_string_equal(f[1].s, "x y");
	assert_int_equal(f[1].len, 3);

	assert_int_equal(flat("{}"), 1);
	assert_int_equal(flat("{\"summary\":\"s\",\"priority\":\"P1\","
	    "\"service\":\"a\",\"dedup_key\":\"k\",\"source\":\"h\"}"), 1);
	/* left to jansson */
	assert_int_equal(flat(""), 0);
	assert_int_equal(flat("{"), 0);
	assert_int_equal(flat("{\"summary\":\"s\""), 0);
	assert_int_equal(flat("{\"summary\":\"s\",}"), 0);
	assert_int_equal(flat("{,}"), 0);
	assert_int_equal(flat("{\"summary\":\"s\"}x"), 0);
	assert_int_equal(flat("{\"summary\":\"s\"}{}"), 0);
	assert_int_equal(flat("[\"summary\"]"), 0);
	assert_int_equal(flat("{\"summary\":\"s\",\"summary\":\"t\"}"), 0);
	assert_int_equal(flat("{\"summary\":\"s\",\"sevrity\":\"P1\"}"), 0);
	assert_int_equal(flat("{\"summary\":\"s\",\"details\":null}"), 0);
	assert_int_equal(flat("{\"summary\":null}"), 0);
	assert_int_equal(flat("{\"summary\":5}"), 0);
	assert_int_equal(flat("{\"summary\":\"a\\\"b\"}"), 0);
	assert_int_equal(flat("{\"summary\":\"a\\u0041\"}"), 0);
	assert_int_equal(flat("{\"summary\":\"caf\xc3\xa9\"}"), 0);
	assert_int_equal(flat("{\"summary\":\"a\x7f\"}"), 0);
	assert_int_equal(flat("{\"summary\":\"a\tb\"}"), 0);
	assert_int_equal(flat("{\"summ\\u0061ry\":\"s\"}"), 0);
	assert_int_equal(flat("{\"summary\":\"s\"\x0b}"), 0);
	assert_int_equal(flat("{\"summary\" \"s\"}"), 0);
	assert_int_equal(flat("{\"summary\":\"s\" \"priority\":\"P1\"}"), 0);
}

/*
 * A body the flat reader takes and the same body read by jansson (a
 * null "details" changes nothing but leaves it to jansson) give the
 * same alert, or the same refusal.
 */
static void
test_flat_same_as_jansson(void **state)
{
	static const char *const bodies[] = {
		"{\"summary\":\"disk full\"}",
		"{\"summary\":\"s\",\"priority\":\"critical\",\"service\":\"db\","
		    "\"dedup_key\":\"k-1\",\"source\":\"host1\"}",
		"{\"priority\":\"P2\",\"summary\":\" padded \"}",
		"{}",
		"{\"summary\":\"\"}",
		"{\"summary\":\"   \"}",
		"{\"summary\":\"s\",\"priority\":\"P5\"}",
		"{\"summary\":\"s\",\"priority\":\"\"}",
		"{\"summary\":\"s\",\"priority\":\"P1-not-a-priority!\"}",
		"{\"summary\":\"s\",\"service\":\"\"}",
		"{\"summary\":\"s\",\"dedup_key\":\" \"}",
		"{\"summary\":\"s\",\"source\":\"\"}",
		"{\"service\":\"x\"}",
	};
	struct alert_new a, b;
	char *ca, *cb, *body2, big[1200], key[300];
	size_t i, n = (sizeof bodies / sizeof bodies[0]) + 2;
	int ra, rb;

	memset(big, 'a', sizeof big);
	memcpy(big, "{\"summary\":\"", 12);
	memcpy(big + sizeof big - 3, "\"}", 3);
	memset(key, 'k', sizeof key);
	memcpy(key, "{\"summary\":\"s\",\"dedup_key\":\"", 28);
	memcpy(key + sizeof key - 3, "\"}", 3);
	for (i = 0; i < n; i++) {
		const char *body = i < (sizeof bodies / sizeof bodies[0]) ? bodies[i] :
		    i == (sizeof bodies / sizeof bodies[0]) ? big : key;

		assert_int_equal(flat(body), 1);
		/* "{" + "\"details\":null," + the rest */
		assert_true(asprintf(&body2, "{\"details\":null%s%s",
		    strcmp(body, "{}") == 0 ? "" : ",", body + 1) > 0);
		assert_int_equal(flat(body2), 0);
		ca = cb = NULL;
		ra = intake_native_parse(body, strlen(body), &defs, &a, &ca);
		rb = intake_native_parse(body2, strlen(body2), &defs, &b, &cb);
		assert_int_equal(ra, rb);
		if (ra != 0) {
			assert_string_equal(ca, cb);
			assert_null(a.summary);
			free(ca);
			free(cb);
		} else {
			assert_string_equal(a.summary, b.summary);
			assert_string_equal(a.service, b.service);
			assert_int_equal(a.priority, b.priority);
			if (a.dedup_key == NULL)
				assert_null(b.dedup_key);
			else
				assert_string_equal(a.dedup_key, b.dedup_key);
			if (a.source == NULL)
				assert_null(b.source);
			else
				assert_string_equal(a.source, b.source);
			assert_null(a.details);
			assert_null(b.details);
			assert_null(a.links);
			alert_new_clear(&a);
			alert_new_clear(&b);
		}
		free(body2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_nulls_are_absent),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_flat_shapes),
		cmocka_unit_test(test_flat_same_as_jansson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
