/* SPDX-License-Identifier: ISC */
/*
 * test-intake-mapped.c: JSON Pointers (RFC 6901) and the mapped intake:
 * a mapping built as pagerd.conf builds it, bodies in, alerts or causes
 * naming the pointer out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake.h"
#include "jsonptr.h"

static const struct intake_defaults defs = { 3, "web" };

/* RFC 6901 section 5's document, and what each of its pointers gives. */
static void
test_jsonptr_rfc(void **state)
{
	static const struct {
		const char *p;
		const char *want; /* compact JSON */
	} t[] = {
		{ "/foo", "[\"bar\",\"baz\"]" },
		{ "/foo/0", "\"bar\"" },
		{ "/", "0" },
		{ "/a~1b", "1" },
		{ "/c%d", "2" },
		{ "/e^f", "3" },
		{ "/g|h", "4" },
		{ "/i\\j", "5" },
		{ "/k\"l", "6" },
		{ "/ ", "7" },
		{ "/m~0n", "8" },
	};
	const char *doc = "{\"foo\":[\"bar\",\"baz\"],\"\":0,\"a/b\":1,"
	    "\"c%d\":2,\"e^f\":3,\"g|h\":4,\"i\\\\j\":5,\"k\\\"l\":6,"
	    "\" \":7,\"m~n\":8}";
	json_t *d = json_loads(doc, 0, NULL), *v;
	char *s;
	size_t i;

	assert_non_null(d);
	assert_ptr_equal(jsonptr_get(d, ""), d);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(jsonptr_check(t[i].p, NULL), 0);
		if ((v = jsonptr_get(d, t[i].p)) == NULL)
			fail_msg("%s: nothing", t[i].p);
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (strcmp(s, t[i].want) != 0)
			fail_msg("%s: %s, want %s", t[i].p, s, t[i].want);
		free(s);
	}
	json_decref(d);
}

static void
test_jsonptr_missing(void **state)
{
	json_t *d = json_loads("{\"a\":[1,{\"b\":null}],\"s\":\"x\"}", 0,
	    NULL);
	char *cause = NULL;

	assert_non_null(jsonptr_get(d, "/a/1/b"));
	assert_true(json_is_null(jsonptr_get(d, "/a/1/b")));
	assert_null(jsonptr_get(d, "/a/2"));
	assert_null(jsonptr_get(d, "/a/-"));
	assert_null(jsonptr_get(d, "/a/01"));
	assert_null(jsonptr_get(d, "/a/+1"));
	assert_null(jsonptr_get(d, "/a/1x"));
	assert_null(jsonptr_get(d, "/a/99999999999999999999"));
	assert_null(jsonptr_get(d, "/s/0"));
	assert_null(jsonptr_get(d, "/nope/x"));
	assert_null(jsonptr_get(d, "a"));
	assert_null(jsonptr_get(d, "/a~2"));
	assert_int_equal(jsonptr_check("a/b", &cause), -1);
	assert_non_null(strstr(cause, "start with"));
	free(cause);
	assert_int_equal(jsonptr_check("/a~", &cause), -1);
	assert_non_null(strstr(cause, "~"));
	free(cause);
	assert_int_equal(jsonptr_check("/a~2b", &cause), -1);
	free(cause);
	assert_int_equal(jsonptr_check("", NULL), 0);
	json_decref(d);
}

/* A helpdesk-like mapping, as conf.c would build it. */
static struct intake_mapping *
mapping(void)
{
	struct intake_mapping *m = intake_mapping_new();
	char *cause = NULL;

#define OK(x) do { if ((x) != 0) fail_msg("%s: %s", #x, cause); } while (0)
	OK(intake_mapping_set_template(m, INTAKE_MF_SUMMARY,
	    "#{/ticket/number} {/ticket/title}", &cause));
	OK(intake_mapping_set_pointer(m, INTAKE_MF_PRIORITY,
	    "/ticket/priority/name", &cause));
	OK(intake_mapping_add_value(m, INTAKE_MF_PRIORITY, "3 high", "P1",
	    &cause));
	OK(intake_mapping_add_value(m, INTAKE_MF_PRIORITY, "1 low", "P4",
	    &cause));
	OK(intake_mapping_set_default(m, INTAKE_MF_PRIORITY, "P3", &cause));
	OK(intake_mapping_set_pointer(m, INTAKE_MF_DEDUP_KEY, "/ticket/id",
	    &cause));
	OK(intake_mapping_set_pointer(m, INTAKE_MF_SERVICE,
	    "/ticket/group/name", &cause));
	OK(intake_mapping_set_pointer(m, INTAKE_MF_ACTION, "/ticket/state",
	    &cause));
	OK(intake_mapping_add_value(m, INTAKE_MF_ACTION, "closed", "resolve",
	    &cause));
	OK(intake_mapping_add_value(m, INTAKE_MF_ACTION, "pending close",
	    "acknowledge", &cause));
	OK(intake_mapping_set_default(m, INTAKE_MF_ACTION, "trigger",
	    &cause));
	OK(intake_mapping_set_template(m, INTAKE_MF_EXTERNAL_URL,
	    "https://desk.example/#ticket/zoom/{/ticket/id}", &cause));
	OK(intake_mapping_add_detail(m, "customer", "/ticket/customer/email",
	    &cause));
	OK(intake_mapping_add_detail(m, "tags", "/ticket/tags", &cause));
	OK(intake_mapping_check(m, &cause));
#undef OK
	return m;
}

static void
test_mapped_trigger(void **state)
{
	struct intake_mapping *m = mapping();
	const char *body = "{\"ticket\":{\"id\":42,\"number\":\"31001\","
	    "\"title\":\"Printer\\u0007 on fire\",\"state\":\"open\","
	    "\"priority\":{\"name\":\"3 high\"},\"group\":{\"name\":\"Users\"},"
	    "\"customer\":{\"email\":\"a@b.example\"},\"tags\":[\"x\"]}}";
	struct intake_mapped mp;
	char *cause = NULL;

	if (intake_mapped_parse(body, strlen(body), &defs, m, &mp,
	    &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(mp.action, INTAKE_TRIGGER);
	assert_string_equal(mp.an.summary, "#31001 Printer  on fire");
	assert_int_equal(mp.an.priority, 1);
	assert_string_equal(mp.an.service, "Users");
	assert_string_equal(mp.an.dedup_key, "42");
	assert_string_equal(mp.an.external_url,
	    "https://desk.example/#ticket/zoom/42");
	assert_string_equal(mp.an.details,
	    "{\"customer\":\"a@b.example\",\"tags\":[\"x\"]}");
	intake_mapped_clear(&mp);

	/* defaults: unmapped priority, no group, unmapped state */
	body = "{\"ticket\":{\"id\":\"7\",\"number\":8,\"title\":\"t\","
	    "\"state\":\"new\",\"priority\":{\"name\":\"2 normal\"},"
	    "\"customer\":{\"email\":\"\"},\"tags\":null}}";
	if (intake_mapped_parse(body, strlen(body), &defs, m, &mp,
	    &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(mp.action, INTAKE_TRIGGER);
	assert_string_equal(mp.an.summary, "#8 t");
	assert_int_equal(mp.an.priority, 3);
	assert_string_equal(mp.an.service, "web");
	assert_null(mp.an.details);
	intake_mapped_clear(&mp);
	intake_mapping_free(m);
}

static void
test_mapped_actions(void **state)
{
	struct intake_mapping *m = mapping();
	const char *body = "{\"ticket\":{\"id\":42,\"state\":\"Closed\"}}";
	struct intake_mapped mp;
	char *cause = NULL;

	if (intake_mapped_parse(body, strlen(body), &defs, m, &mp,
	    &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(mp.action, INTAKE_RESOLVE);
	assert_string_equal(mp.an.dedup_key, "42");
	assert_string_equal(mp.an.service, "web");
	assert_null(mp.an.summary);
	intake_mapped_clear(&mp);
	body = "{\"ticket\":{\"id\":42,\"state\":\"pending close\"}}";
	if (intake_mapped_parse(body, strlen(body), &defs, m, &mp,
	    &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(mp.action, INTAKE_ACKNOWLEDGE);
	intake_mapped_clear(&mp);
	intake_mapping_free(m);
}

static void
mapped_bad(const struct intake_mapping *m, const char *body, const char *want)
{
	struct intake_mapped mp;
	char *cause = NULL;

	assert_int_equal(intake_mapped_parse(body, strlen(body), &defs, m,
	    &mp, &cause), -1);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: want \"%s\", got \"%s\"", body, want, cause);
	assert_null(mp.an.summary);
	assert_null(mp.an.dedup_key);
	free(cause);
}

static void
test_mapped_bad(void **state)
{
	struct intake_mapping *m = mapping(), *m2;
	char *cause = NULL;

	mapped_bad(m, "[1]", "JSON object");
	mapped_bad(m, "{", "malformed JSON");
	mapped_bad(m, "{\"ticket\":{\"id\":1,\"number\":1}}",
	    "summary: nothing at \"/ticket/title\"");
	mapped_bad(m, "{\"ticket\":{\"id\":1,\"number\":1,\"title\":{}}}",
	    "\"/ticket/title\" must be a string, a number or a boolean");
	mapped_bad(m, "{\"ticket\":{\"state\":\"closed\"}}",
	    "dedup_key: nothing at \"/ticket/id\", and resolve needs one");
	mapped_bad(m, "{\"ticket\":{\"id\":[],\"state\":\"closed\"}}",
	    "dedup_key: \"/ticket/id\" must be");

	m2 = intake_mapping_new();
	assert_int_equal(intake_mapping_set_pointer(m2, INTAKE_MF_SUMMARY,
	    "/t", &cause), 0);
	assert_int_equal(intake_mapping_set_pointer(m2, INTAKE_MF_PRIORITY,
	    "/p", &cause), 0);
	assert_int_equal(intake_mapping_add_value(m2, INTAKE_MF_PRIORITY,
	    "urgent", "P1", &cause), 0);
	assert_int_equal(intake_mapping_set_pointer(m2,
	    INTAKE_MF_EXTERNAL_URL, "/u", &cause), 0);
	mapped_bad(m2, "{\"t\":\"x\",\"p\":\"meh\"}",
	    "priority: \"/p\" is \"meh\", which its map does not have");
	mapped_bad(m2, "{\"t\":\"x\",\"u\":\"javascript:alert(1)\"}",
	    "external_url: \"/u\" is \"javascript:alert(1)\", which is not"
	    " an http or https URL");
	intake_mapping_free(m2);

	m2 = intake_mapping_new();
	assert_int_equal(intake_mapping_set_pointer(m2, INTAKE_MF_SUMMARY,
	    "/t", &cause), 0);
	assert_int_equal(intake_mapping_set_pointer(m2, INTAKE_MF_PRIORITY,
	    "/p", &cause), 0);
	assert_int_equal(intake_mapping_set_pointer(m2, INTAKE_MF_DEDUP_KEY,
	    "/d", &cause), 0);
	mapped_bad(m2, "{\"t\":\"x\",\"p\":\"P7\"}",
	    "priority: \"/p\" is \"P7\", which is not a priority");
	intake_mapping_free(m2);
	intake_mapping_free(m);
}

/* What pagerd -t refuses, and why. */
static void
test_mapping_bad(void **state)
{
	struct intake_mapping *m = intake_mapping_new();
	char *cause = NULL;

#define BAD(x, want) do {						\
	assert_int_equal((x), -1);					\
	if (strstr(cause, want) == NULL)				\
		fail_msg("%s: want \"%s\", got \"%s\"", #x, want, cause); \
	free(cause);							\
	cause = NULL;							\
} while (0)
	assert_int_equal(intake_mapping_field("summary"), INTAKE_MF_SUMMARY);
	assert_int_equal(intake_mapping_field("sumary"), -1);
	BAD(intake_mapping_set_pointer(m, INTAKE_MF_SUMMARY, "title", &cause),
	    "must start with \"/\"");
	BAD(intake_mapping_set_pointer(m, INTAKE_MF_SUMMARY, "/a~2", &cause),
	    "followed by 0 or 1");
	BAD(intake_mapping_set_template(m, INTAKE_MF_SUMMARY, "x {/a", &cause),
	    "is not closed");
	BAD(intake_mapping_set_template(m, INTAKE_MF_SUMMARY, "x {a}", &cause),
	    "{a}: a JSON Pointer must start");
	BAD(intake_mapping_set_template(m, INTAKE_MF_SUMMARY, "plain",
	    &cause), "needs a {pointer}");
	BAD(intake_mapping_add_value(m, INTAKE_MF_PRIORITY, "urgent", "P9",
	    &cause), "priority: \"P9\" is not a priority");
	BAD(intake_mapping_add_value(m, INTAKE_MF_ACTION, "closed", "close",
	    &cause), "not trigger, acknowledge or resolve");
	BAD(intake_mapping_set_default(m, INTAKE_MF_EXTERNAL_URL, "ftp://x",
	    &cause), "not an http or https URL");
	BAD(intake_mapping_set_default(m, INTAKE_MF_DETAILS, "x", &cause),
	    "details takes pointers only");
	BAD(intake_mapping_check(m, &cause), "summary: needs");
	assert_int_equal(intake_mapping_set_pointer(m, INTAKE_MF_SUMMARY,
	    "/t", &cause), 0);
	BAD(intake_mapping_set_pointer(m, INTAKE_MF_SUMMARY, "/u", &cause),
	    "give one pointer or template");
	assert_int_equal(intake_mapping_add_value(m, INTAKE_MF_ACTION,
	    "closed", "resolve", &cause), 0);
	BAD(intake_mapping_check(m, &cause), "action: a map needs a pointer");
	assert_int_equal(intake_mapping_set_pointer(m, INTAKE_MF_ACTION,
	    "/s", &cause), 0);
	BAD(intake_mapping_check(m, &cause), "need a dedup_key");
	assert_int_equal(intake_mapping_set_pointer(m, INTAKE_MF_DEDUP_KEY,
	    "/id", &cause), 0);
	assert_int_equal(intake_mapping_check(m, &cause), 0);
	BAD(intake_mapping_add_value(m, INTAKE_MF_ACTION, "CLOSED", "resolve",
	    &cause), "in the map twice");
#undef BAD
	intake_mapping_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonptr_rfc),
		cmocka_unit_test(test_jsonptr_missing),
		cmocka_unit_test(test_mapped_trigger),
		cmocka_unit_test(test_mapped_actions),
		cmocka_unit_test(test_mapped_bad),
		cmocka_unit_test(test_mapping_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
