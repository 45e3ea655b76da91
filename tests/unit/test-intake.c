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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_nulls_are_absent),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
