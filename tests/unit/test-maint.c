/* SPDX-License-Identifier: ISC */
/*
 * test-maint.c: the occurrences of recurring maintenance windows, read
 * from pagerd.conf: "Sunday 02:00-04:00 Europe/London" in GMT, in BST
 * and on both days the clocks change; a window that crosses midnight;
 * one whose start falls in a DST gap (Berlin); the occurrence in force
 * versus the next one; and the refusals of bad windows, each with its
 * file and line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "maint.h"
#include "tz.h"
#include "xmalloc.h"

static char tmpdir[] = "/tmp/test-maint.XXXXXX";

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return (tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60) *
	    INT64_C(1000);
}

static int
setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char *cmd;
	int rc;

	xasprintf(&cmd, "rm -rf %s", tmpdir);
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* Load pagerd.conf text: the conf, or NULL with *cause. */
static struct conf *
load(const char *text, char **cause)
{
	struct conf *c;
	char *path;
	FILE *f;

	xasprintf(&path, "%s/pagerd.conf", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	*cause = NULL;
	c = conf_load(path, cause);
	free(path);
	return c;
}

static void
occ(const struct maint_window *w, int64_t t, int64_t want_s, int64_t want_e)
{
	int64_t s, e;

	assert_int_equal(maint_occurrence(w, t, &s, &e), 0);
	if (s != want_s || e != want_e)
		fail_msg("at %lld: got [%lld, %lld), want [%lld, %lld)",
		    (long long)t, (long long)s, (long long)e,
		    (long long)want_s, (long long)want_e);
}

static const char london[] =
    "state_dir = \"/tmp\";\n"
    "maintenance = (\n"
    " { name = \"db-sunday\"; timezone = \"Europe/London\"; days = \"Sun\";\n"
    "   hours = \"02:00-04:00\"; service = \"db\"; priority = \"P1\";\n"
    "   labels = { env = \"prod\"; }; comment = \"weekly\"; },\n"
    " { name = \"night\"; timezone = \"Europe/London\"; days = \"Sat\";\n"
    "   hours = \"23:00-01:00\"; summary = \"backup *\";"
    " page_on_expiry = false; },\n"
    " { name = \"gap\"; timezone = \"Europe/Berlin\"; days = \"Sun\";\n"
    "   hours = \"02:30-05:00\"; source = \"nas\"; }\n"
    ");\n";

static void
test_occurrences(void **state)
{
	struct conf *c;
	char *cause;
	const struct maint_window *w;

	if ((c = load(london, &cause)) == NULL)
		fail_msg("%s", cause);
	assert_int_equal(c->nmaint, 3);
	w = &c->maint[0];
	assert_string_equal(w->name, "db-sunday");
	assert_string_equal(w->s.service, "db");
	assert_int_equal(w->s.priority, 1);
	assert_string_equal(w->s.labels[0].value, "prod");
	assert_string_equal(w->s.comment, "weekly");
	assert_string_equal(w->s.window, "db-sunday");
	assert_true(w->s.page_on_expiry);
	/* winter (GMT): 02:00-04:00 UTC, next Sunday from a Wednesday */
	occ(w, utc(2026, 12, 2, 12, 0), utc(2026, 12, 6, 2, 0),
	    utc(2026, 12, 6, 4, 0));
	/* in force: the same occurrence; at its end, the next week's */
	occ(w, utc(2026, 12, 6, 3, 59), utc(2026, 12, 6, 2, 0),
	    utc(2026, 12, 6, 4, 0));
	occ(w, utc(2026, 12, 6, 4, 0), utc(2026, 12, 13, 2, 0),
	    utc(2026, 12, 13, 4, 0));
	/* summer (BST): 01:00-03:00 UTC */
	occ(w, utc(2026, 6, 3, 0, 0), utc(2026, 6, 7, 1, 0),
	    utc(2026, 6, 7, 3, 0));
	/* the clocks go forward at 01:00 UTC on 29 March: BST already */
	occ(w, utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 0),
	    utc(2026, 3, 29, 3, 0));
	/* and back at 01:00 UTC on 25 October: GMT again by 02:00 */
	occ(w, utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 2, 0),
	    utc(2026, 10, 25, 4, 0));
	/* across midnight: Saturday 23:00 to Sunday 01:00 (GMT) */
	w = &c->maint[1];
	assert_false(w->s.page_on_expiry);
	assert_string_equal(w->s.comment, "maintenance window night");
	occ(w, utc(2026, 12, 6, 0, 30), utc(2026, 12, 5, 23, 0),
	    utc(2026, 12, 6, 1, 0));
	/*
	 * On the night the clocks go back 01:00 comes twice: the end is the
	 * first, 01:00 BST, so the window lasts its usual two hours.
	 */
	occ(w, utc(2026, 10, 24, 12, 0), utc(2026, 10, 24, 22, 0),
	    utc(2026, 10, 25, 0, 0));
	/* Berlin, 29 March: 02:30 does not exist; from the gap's end */
	w = &c->maint[2];
	occ(w, utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 0),
	    utc(2026, 3, 29, 3, 0));
	occ(w, utc(2026, 4, 1, 12, 0), utc(2026, 4, 5, 0, 30),
	    utc(2026, 4, 5, 3, 0));
	conf_free(c);
}

/* text is refused with a cause naming line and holding want. */
static void
refused(const char *text, int line, const char *want)
{
	char *cause, where[32];

	assert_null(load(text, &cause));
	snprintf(where, sizeof where, "pagerd.conf:%d: ", line);
	if (strstr(cause, where) == NULL || strstr(cause, want) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\" or \"%s\"", cause, where,
		    want);
	free(cause);
}

static void
test_refused(void **state)
{
	refused("maintenance = (\n { name = \"a\"; timezone = \"Mars/Base\";"
	    " days = \"Sun\"; hours = \"02:00-04:00\";"
	    " service = \"db\"; } );\n", 2, "maintenance \"a\": timezone:");
	refused("maintenance = (\n { name = \"a\"; timezone = \"UTC\";\n"
	    " days = \"Sunday\"; hours = \"02:00-04:00\";"
	    " service = \"db\"; } );\n", 3, "days must look like");
	refused("maintenance = (\n { name = \"a\"; timezone = \"UTC\";"
	    " days = \"Sun\";\n hours = \"04:00-04:00\";"
	    " service = \"db\"; } );\n", 3, "hours must be");
	refused("maintenance = (\n { name = \"a\"; timezone = \"UTC\";"
	    " days = \"Sun\"; hours = \"2-4\"; service = \"db\"; } );\n",
	    2, "hours must be");
	refused("maintenance = (\n { name = \"a\"; timezone = \"UTC\";"
	    " days = \"Sun\"; hours = \"02:00-04:00\"; } );\n",
	    2, "matchers must name at least one");
	refused("maintenance = (\n { name = \"a\"; timezone = \"UTC\";"
	    " days = \"Sun\"; hours = \"02:00-04:00\"; summary = \"*\"; } );\n",
	    2, "matches every alert");
	refused("maintenance = (\n { name = \"a\"; timezone = \"UTC\";"
	    " days = \"Sun\"; hours = \"02:00-04:00\";\n"
	    " priority = \"P9\"; } );\n", 3, "priority must be one of");
	refused("maintenance = (\n { name = \"a\"; timezone = \"UTC\";"
	    " days = \"Sun\"; hours = \"02:00-04:00\"; service = \"db\";"
	    " every = 1; } );\n", 2, "unknown key \"every\"");
	refused("maintenance = (\n { name = \"a\"; days = \"Sun\";"
	    " hours = \"02:00-04:00\"; service = \"db\"; } );\n", 2,
	    "needs a timezone");
	refused("maintenance = ( { name = \"a\"; timezone = \"UTC\";"
	    " days = \"Sun\"; hours = \"02:00-04:00\"; service = \"db\"; },\n"
	    " { name = \"a\"; timezone = \"UTC\"; days = \"Sat\";"
	    " hours = \"02:00-04:00\"; service = \"db\"; } );\n", 2,
	    "maintenance \"a\" is defined twice");
	refused("maintenance = (\n { name = \"a\"; timezone = \"UTC\";"
	    " days = \"Sun\"; hours = \"02:00-04:00\"; service = \"db\";\n"
	    " page_on_expiry = \"no\"; } );\n", 3, "page_on_expiry must be");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_occurrences),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
