/* SPDX-License-Identifier: ISC */
/* test-hmac.c: digests, HMAC (RFC 4231 vectors), hex, base64, comparison. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmac.h"

static void
test_sha256(void **state)
{
	uint8_t h[HMAC_SHA256_LEN];
	char hex[2 * HMAC_SHA256_LEN + 1];

	hmac_digest_sha256("abc", 3, h);
	hmac_hex_encode(h, sizeof h, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

/* RFC 4231 test case 2. */
static void
test_hmac_sha256(void **state)
{
	const char *msg = "what do ya want for nothing?";
	uint8_t h[HMAC_SHA256_LEN];
	char hex[2 * HMAC_SHA256_LEN + 1];

	hmac_sha256("Jefe", 4, msg, strlen(msg), h);
	hmac_hex_encode(h, sizeof h, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
}

static void
test_hex(void **state)
{
	uint8_t b[4];

	assert_int_equal(hmac_hex_decode("00fFa1", b, 3), 0);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(b[2], 0xa1);
	assert_int_equal(hmac_hex_decode("00ff", b, 3), -1);
	assert_int_equal(hmac_hex_decode("00ffa1b", b, 3), -1);
	assert_int_equal(hmac_hex_decode("0xffa1", b, 3), -1);
	assert_int_equal(hmac_hex_decode("gg", b, 1), -1);
}

static void
test_equal_random(void **state)
{
	uint8_t a[16], b[16];

	hmac_random(a, sizeof a);
	memcpy(b, a, sizeof b);
	assert_true(hmac_equal(a, b, sizeof a));
	b[15] ^= 1;
	assert_false(hmac_equal(a, b, sizeof a));
	hmac_random(b, sizeof b);
	assert_memory_not_equal(a, b, sizeof a);
}

/* base64 both ways: RFC 4648 section 10's vectors, padded or not. */
static void
test_base64(void **state)
{
	static const char *plain[] = { "f", "fo", "foo", "foob", "fooba",
	    "foobar" };
	static const char *coded[] = { "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy" };
	static const char *bad[] = { "", "Z", "Zg=", "Zm9v!", "Zm9 v",
	    "Zg===", "=Zg=" };
	char nopad[16], *enc;
	uint8_t *out;
	size_t i, len;

	for (i = 0; i < 6; i++) {
		enc = hmac_base64(plain[i], strlen(plain[i]));
		assert_string_equal(enc, coded[i]);
		free(enc);
		assert_int_equal(hmac_base64_decode(coded[i], &out, &len), 0);
		assert_int_equal(len, strlen(plain[i]));
		assert_memory_equal(out, plain[i], len);
		free(out);
		snprintf(nopad, sizeof nopad, "%s", coded[i]);
		nopad[strcspn(nopad, "=")] = '\0';
		assert_int_equal(hmac_base64_decode(nopad, &out, &len), 0);
		assert_int_equal(len, strlen(plain[i]));
		assert_memory_equal(out, plain[i], len);
		free(out);
	}
	for (i = 0; i < 7; i++)
		assert_int_equal(hmac_base64_decode(bad[i], &out, &len), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac_sha256),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_equal_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
