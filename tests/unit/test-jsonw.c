/* SPDX-License-Identifier: ISC */
/*
 * test-jsonw.c: jsonw writes what jansson's json_dumps(JSON_COMPACT)
 * writes for the same object, byte for byte: every control character,
 * ", \, /, DEL, UTF-8 of 2 to 4 bytes; it refuses what jansson refuses
 * (bad UTF-8: overlong, surrogates, past U+10FFFF, cut short) and then
 * writes nothing; integers of every size and sign.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* {"k":s} by jansson, or NULL if jansson refuses s. */
static char *
jansson_obj(const char *s)
{
	json_t *j = json_pack("{s:s}", "k", s);
	char *d;

	if (j == NULL)
		return NULL;
	d = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return d;
}

/* The same by jsonw, NULL if refused (and then nothing was written). */
static char *
jsonw_obj(const char *s)
{
	struct jsonw w = { NULL, 0, 0 };
	size_t len;
	char *d;

	jsonw_raw(&w, "{", 1);
	jsonw_key(&w, "k", 1);
	len = w.len;
	if (jsonw_str(&w, s) != 0) {
		assert_int_equal(w.len, len);
		assert_int_equal(strlen(w.p), len);
		jsonw_free(&w);
		return NULL;
	}
	jsonw_raw(&w, "}", 1);
	assert_int_equal(strlen(w.p), w.len);
	d = strdup(w.p);
	jsonw_free(&w);
	return d;
}

static void
same(const char *s)
{
	char *a = jansson_obj(s), *b = jsonw_obj(s);

	if (a == NULL)
		assert_null(b);
	else {
		assert_non_null(b);
		assert_string_equal(a, b);
	}
	free(a);
	free(b);
}

static void
test_strings(void **state)
{
	static const char *v[] = {
		"", "plain", "named in the policy", "person:p02",
		"quote \" back \\ slash / del \x7f",
		"na\xc3\xafve \xe2\x9c\x93 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
		"\xc2\x80\xc2\x9f\xc2\xa0\xef\xbb\xbf\xe2\x80\xa8",
		/* not UTF-8 */
		"\xff", "a\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x9c", "\x80",
		"ok \xf8\x88\x80\x80\x80",
	};
	char s[4];
	size_t i;
	int c;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		same(v[i]);
	for (c = 1; c < 0x80; c++) {
		s[0] = 'x';
		s[1] = (char)c;
		s[2] = 'y';
		s[3] = '\0';
		same(s);
	}
}

static void
test_ints(void **state)
{
	static const long long v[] = { 0, 1, -1, 9, 10, 599, -600000,
	    1796644635762LL, LLONG_MAX, LLONG_MIN };
	struct jsonw w = { NULL, 0, 0 };
	char want[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		jsonw_reset(&w);
		jsonw_int(&w, v[i]);
		snprintf(want, sizeof want, "%lld", v[i]);
		assert_string_equal(w.p, want);
	}
	/* a key after the first, and a buffer that grows */
	jsonw_reset(&w);
	for (i = 0; i < 200; i++)
		jsonw_key(&w, "member", i == 0);
	assert_int_equal(w.len, 200 * 10 - 1);
	assert_int_equal(strncmp(w.p, "\"member\":,\"member\":", 19), 0);
	jsonw_free(&w);
	assert_null(w.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_ints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
