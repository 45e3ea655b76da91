/* SPDX-License-Identifier: ISC */
/*
 * test-twilio-sig.c: X-Twilio-Signature against the vectors of
 * PROTOCOLS.md 1.6 (they match twilio-python's own unit tests).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmac.h"
#include "twilio.h"

#define TOKEN "12345"
#define URL "https://mycompany.com/myapp.php?foo=1&bar=2"

static const struct twilio_param form[] = {
	{ "CallSid", "CA1234567890ABCDE" },
	{ "Caller", "+14158675309" },
	{ "Digits", "1234" },
	{ "From", "+14158675309" },
	{ "To", "+18005551212" },
};

static void
test_form(void **state)
{
	char *s = twilio_signature(TOKEN, 5, URL, form, 5);

	assert_string_equal(s, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
	free(s);
	assert_int_equal(twilio_verify(TOKEN, 5, URL, form, 5,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="), 0);
	/* Order of the parameters as received does not matter. */
	{
		struct twilio_param rev[5];
		int i;

		for (i = 0; i < 5; i++)
			rev[i] = form[4 - i];
		assert_int_equal(twilio_verify(TOKEN, 5, URL, rev, 5,
		    "RSOYDt4T1cUTdK1PDd93/VVr8B8="), 0);
	}
}

static void
test_port(void **state)
{
	const char *u443 = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
	char *s = twilio_signature(TOKEN, 5, u443, form, 5);

	assert_string_equal(s, "kvajT1Ptam85bY51eRf/AJRuM3w=");
	free(s);
	/* Either form of the URL verifies either signature. */
	assert_int_equal(twilio_verify(TOKEN, 5, URL, form, 5,
	    "kvajT1Ptam85bY51eRf/AJRuM3w="), 0);
	assert_int_equal(twilio_verify(TOKEN, 5, u443, form, 5,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="), 0);
}

static void
test_repeated(void **state)
{
	static const struct twilio_param p[] = {
		{ "Sid", "CA123" },
		{ "SidAccount", "AC123" },
		{ "Digits", "5678" },
		{ "Digits", "1234" },
	};
	char *s = twilio_signature(TOKEN, 5, URL, p, 4);

	assert_string_equal(s, "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
	free(s);
}

static void
test_json(void **state)
{
	const char *body = "{\"property\": \"value\", \"boolean\": true}";
	uint8_t h[HMAC_SHA256_LEN];
	char hex[2 * HMAC_SHA256_LEN + 1], url[256], *s;

	hmac_digest_sha256(body, strlen(body), h);
	hmac_hex_encode(h, sizeof h, hex);
	assert_string_equal(hex, "0a1ff7634d9ab3b95db5c9a2dfe9416e"
	    "41502b283a80c7cf19632632f96e6620");
	snprintf(url, sizeof url, "%s&bodySHA256=%s", URL, hex);
	s = twilio_signature(TOKEN, 5, url, NULL, 0);
	assert_string_equal(s, "a9nBmqA0ju/hNViExpshrM61xv4=");
	free(s);
}

static void
test_reject(void **state)
{
	struct twilio_param p[5];

	memcpy(p, form, sizeof p);
	p[2].value = "1235";
	assert_int_equal(twilio_verify(TOKEN, 5, URL, p, 5,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="), -1);
	assert_int_equal(twilio_verify("12346", 5, URL, form, 5,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="), -1);
	assert_int_equal(twilio_verify(TOKEN, 5,
	    "https://mycompany.com/myapp.php?bar=2&foo=1", form, 5,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="), -1);
	assert_int_equal(twilio_verify(TOKEN, 5, URL, form, 5, NULL), -1);
	assert_int_equal(twilio_verify(TOKEN, 5, URL, form, 5, "short"), -1);
}

static void
test_base64(void **state)
{
	char *s;

	s = hmac_base64("", 0);
	assert_string_equal(s, "");
	free(s);
	s = hmac_base64("f", 1);
	assert_string_equal(s, "Zg==");
	free(s);
	s = hmac_base64("foobar", 6);
	assert_string_equal(s, "Zm9vYmFy");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_repeated),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
