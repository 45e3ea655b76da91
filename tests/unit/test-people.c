/* SPDX-License-Identifier: ISC */
/*
 * test-people.c: the people file: lookups, and the errors a manager can
 * make (duplicate ids, bad numbers, typos), each with file:line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "people.h"

static const char good[] =
    "people = (\n"
    "  { id = \"alice\"; name = \"Alice Archer\";\n"
    "    email = \"alice@example.org\"; sms = \"+15555550101\";\n"
    "    voice = \"+15555550101\"; chat = \"@alice\"; },\n"
    "  { id = \"bob\"; sms = \"+15555550102\"; }\n"
    ");\n";

static void
test_people_parse(void **state)
{
	const struct person *p;
	struct people *pp;
	char *cause = NULL;

	pp = people_parse(good, "people.conf", &cause);
	assert_non_null(pp);
	assert_int_equal(pp->n, 2);
	p = people_find(pp, "alice");
	assert_non_null(p);
	assert_string_equal(p->name, "Alice Archer");
	assert_string_equal(p->email, "alice@example.org");
	assert_string_equal(p->sms, "+15555550101");
	assert_string_equal(p->voice, "+15555550101");
	assert_string_equal(p->chat, "@alice");
	assert_int_equal(p->line, 2);
	p = people_find(pp, "bob");
	assert_non_null(p);
	assert_string_equal(p->name, "bob"); /* defaults to the id */
	assert_null(p->email);
	assert_null(p->voice);
	assert_null(people_find(pp, "carol"));
	assert_null(people_find(NULL, "alice"));
	people_free(pp);
	people_free(NULL);
}

/* Parse text that must fail; the cause must contain want. */
static void
bad(const char *text, const char *want)
{
	char *cause = NULL;

	assert_null(people_parse(text, "p.conf", &cause));
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", cause, want);
	free(cause);
}

static void
test_people_errors(void **state)
{
	bad("people = ( { id = \"a\"; },\n { id = \"a\"; } );",
	    "p.conf:2: duplicate id \"a\" (first at line 1)");
	bad("people = (\n { id = \"a\"; sms = \"5555550101\"; } );",
	    "p.conf:2: person a: bad sms number \"5555550101\"");
	bad("people = (\n { id = \"a\"; voice = \"+1 555 555\"; } );",
	    "p.conf:2: person a: bad voice number");
	bad("people = (\n { id = \"a\"; sms = \"+1234567890123456\"; } );",
	    "bad sms number");
	bad("people = (\n { name = \"x\"; } );", "p.conf:2: person without");
	bad("people = (\n { id = \"a b\"; } );", "p.conf:2: bad id \"a b\"");
	bad("people = ( { id = \"a\";\n emial = \"a@example.org\"; } );",
	    "p.conf:2: unknown key \"emial\" in person");
	bad("people = ( { id = \"a\"; email = \"nobody\"; } );",
	    "bad email \"nobody\"");
	bad("people = ( { id = 5; } );", "id must be a string");
	bad("people = (\n { id = \"a\" } \n", "p.conf:3: syntax error");
	bad("persons = ();", "unknown key \"persons\"");
	bad("people = 3;", "people must be a list");
	/* All problems are reported, one a line. */
	bad("people = (\n { id = \"a\"; sms = \"1\"; },\n { id = \"a\"; } );",
	    "p.conf:2: person a: bad sms number \"1\": use E.164 such as"
	    " +15555550101\np.conf:3: duplicate id");
}

static void
test_people_numbers(void **state)
{
	assert_int_equal(people_number_is_valid("+15555550101"), 1);
	assert_int_equal(people_number_is_valid("+441234567890"), 1);
	assert_int_equal(people_number_is_valid("+0123456"), 0);
	assert_int_equal(people_number_is_valid("15555550101"), 0);
	assert_int_equal(people_number_is_valid("+"), 0);
	assert_int_equal(people_number_is_valid("+1"), 0);
	assert_int_equal(people_number_is_valid("+1555-555"), 0);
	assert_int_equal(people_number_is_valid("+123456789012345"), 1);
	assert_int_equal(people_number_is_valid("+1234567890123456"), 0);
}

static void
test_people_load(void **state)
{
	struct people *pp;
	char *cause = NULL, *path;
	const char *top = getenv("top_srcdir");

	assert_null(people_load("/nonexistent/people.conf", &cause));
	assert_non_null(strstr(cause, "/nonexistent/people.conf: No such"));
	free(cause);
	cause = NULL;
	if (asprintf(&path, "%s/conf/people.conf", top != NULL ? top : ".") ==
	    -1)
		fail();
	pp = people_load(path, &cause);
	free(path);
	if (pp == NULL)
		fail_msg("%s", cause);
	assert_non_null(people_find(pp, "mia"));
	people_free(pp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_people_parse),
		cmocka_unit_test(test_people_errors),
		cmocka_unit_test(test_people_numbers),
		cmocka_unit_test(test_people_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
