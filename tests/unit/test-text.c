/* SPDX-License-Identifier: ISC */
/*
 * test-text.c: text_has_control() finds C0, DEL and C1 characters,
 * lets tab, newline and carriage return through only in multi-line
 * text, and takes other UTF-8 (C2 A0, a no-break space, is not C1).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "text.h"

static void
test_control(void **state)
{
	(void)state;
	assert_false(text_has_control("", 0));
	assert_false(text_has_control("disk full on db1", 0));
	assert_false(text_has_control("na\xc3\xafve \xe2\x9c\x93 \xf0\x9f\x98\x80", 0));
	assert_false(text_has_control("no\xc2\xa0" "break", 0));
	assert_true(text_has_control("bell\a", 0));
	assert_true(text_has_control("\x1b[2J", 1));
	assert_true(text_has_control("del\x7f", 1));
	assert_true(text_has_control("csi \xc2\x9b" "2J", 1));
	assert_true(text_has_control("c1 \xc2\x80", 0));
	assert_true(text_has_control("line\nbreak", 0));
	assert_false(text_has_control("line\nbreak\r\n\tindent", 1));
	assert_true(text_has_control("tab\t", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
