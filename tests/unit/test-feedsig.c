/* SPDX-License-Identifier: ISC */
/*
 * test-feedsig.c: calendar feed signatures: the value matches an
 * independent HMAC-SHA256 (Python's hmac module), and any change to the
 * path, the signature or the key is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "feedsig.h"

#define KEY "0123456789abcdef-secret"
#define PATH "/api/v1/rotas/ops.ics"
/* python3 -c 'import hmac, hashlib; print(hmac.new(KEY, PATH,
 * hashlib.sha256).hexdigest())' */
#define SIG "b4483c43e99cb556918a97c61650d057d7e6b11e1da5a0067ab1463f3b43a430"

static void
test_sign(void **state)
{
	char sig[FEEDSIG_HEX_LEN + 1];

	feedsig_sign(KEY, strlen(KEY), PATH, sig);
	assert_string_equal(sig, SIG);
	assert_true(feedsig_verify(KEY, strlen(KEY), PATH, sig));
}

static void
test_uppercase(void **state)
{
	char sig[FEEDSIG_HEX_LEN + 1];
	size_t i;

	memcpy(sig, SIG, sizeof sig);
	for (i = 0; sig[i] != '\0'; i++) {
		if (sig[i] >= 'a' && sig[i] <= 'f')
			sig[i] -= 'a' - 'A';
	}
	assert_true(feedsig_verify(KEY, strlen(KEY), PATH, sig));
}

static void
test_tampered(void **state)
{
	char sig[FEEDSIG_HEX_LEN + 1];
	size_t i;

	/* Another feed, another key. */
	assert_false(feedsig_verify(KEY, strlen(KEY),
	    "/api/v1/rotas/noc.ics", SIG));
	assert_false(feedsig_verify(KEY, strlen(KEY),
	    "/api/v1/people/ops.ics", SIG));
	assert_false(feedsig_verify("0123456789abcdef-secreT", strlen(KEY),
	    PATH, SIG));
	/* Each digit changed in turn. */
	for (i = 0; i < FEEDSIG_HEX_LEN; i++) {
		memcpy(sig, SIG, sizeof sig);
		sig[i] = sig[i] == '0' ? '1' : '0';
		assert_false(feedsig_verify(KEY, strlen(KEY), PATH, sig));
	}
	/* Wrong lengths, non-hex, nothing. */
	assert_false(feedsig_verify(KEY, strlen(KEY), PATH, ""));
	assert_false(feedsig_verify(KEY, strlen(KEY), PATH, NULL));
	memcpy(sig, SIG, sizeof sig);
	sig[FEEDSIG_HEX_LEN - 2] = '\0';
	assert_false(feedsig_verify(KEY, strlen(KEY), PATH, sig));
	assert_false(feedsig_verify(KEY, strlen(KEY), PATH, SIG "00"));
	memcpy(sig, SIG, sizeof sig);
	sig[5] = 'g';
	assert_false(feedsig_verify(KEY, strlen(KEY), PATH, sig));
	/* No key configured: nothing verifies. */
	assert_false(feedsig_verify(NULL, 0, PATH, SIG));
	assert_false(feedsig_verify(KEY, 0, PATH, SIG));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_uppercase),
		cmocka_unit_test(test_tampered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
