/* SPDX-License-Identifier: ISC */
/*
 * test-http-check.c: request framing (Content-Length and
 * Transfer-Encoding headers) and the redaction of secrets from request
 * paths before they are logged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http.h"

static int
framing(const char *n1, const char *v1, const char *n2, const char *v2,
    const char **why)
{
	struct http_header h[3] = { { "Host", "x" }, { n1, v1 }, { n2, v2 } };

	*why = NULL;
	return http_framing_check(h, n2 != NULL ? 3 : n1 != NULL ? 2 : 1,
	    why);
}

static void
test_framing(void **state)
{
	const char *why;

	assert_int_equal(framing(NULL, NULL, NULL, NULL, &why), 0);
	assert_int_equal(framing("Content-Length", "30", NULL, NULL, &why), 0);
	assert_int_equal(framing("content-length", "0", NULL, NULL, &why), 0);
	assert_int_equal(framing("Transfer-Encoding", "chunked", NULL, NULL,
	    &why), 0);
	/* two lengths, even equal ones */
	assert_int_equal(framing("Content-Length", "30", "Content-Length",
	    "5", &why), -1);
	assert_string_equal(why, "more than one Content-Length header");
	assert_int_equal(framing("Content-Length", "30", "CONTENT-LENGTH",
	    "30", &why), -1);
	/* anything but digits */
	assert_int_equal(framing("Content-Length", "+30", NULL, NULL, &why),
	    -1);
	assert_string_equal(why, "Content-Length must be only digits");
	assert_int_equal(framing("Content-Length", "-1", NULL, NULL, &why), -1);
	assert_int_equal(framing("Content-Length", " 30", NULL, NULL, &why),
	    -1);
	assert_int_equal(framing("Content-Length", "30 ", NULL, NULL, &why),
	    -1);
	assert_int_equal(framing("Content-Length", "0x1e", NULL, NULL, &why),
	    -1);
	assert_int_equal(framing("Content-Length", "3,0", NULL, NULL, &why),
	    -1);
	assert_int_equal(framing("Content-Length", "", NULL, NULL, &why), -1);
	assert_int_equal(framing("Content-Length", NULL, NULL, NULL, &why), -1);
	assert_int_equal(framing("Content-Length", "9999999999999999999",
	    NULL, NULL, &why), -1);
	assert_int_equal(framing("Content-Length", "999999999999999999",
	    NULL, NULL, &why), 0);
	/* a length beside chunked: smuggling */
	assert_int_equal(framing("Content-Length", "30", "Transfer-Encoding",
	    "chunked", &why), -1);
	assert_string_equal(why,
	    "Content-Length and Transfer-Encoding together");
}

static void
redacts(const char *uri, const char *want)
{
	char buf[256];

	assert_string_equal(http_redact_uri(uri, buf, sizeof buf), want);
}

static void
test_redact(void **state)
{
	char small[12];

	redacts("/ack/12.7.1774747800.AAAAAAAAAAAAAAAA.alice.MACMACMAC",
	    "/ack/12.7.1...");
	redacts("/ack/abc", "/ack/abc");
	redacts("/ack/abcdef", "/ack/abcdef");
	redacts("/ack/abcdefg", "/ack/abcdef...");
	redacts("/ack/", "/ack/");
	redacts("/hooks/voice/twilio/gather/12.7.99.NONCE.carol.MAC?all=1",
	    "/hooks/voice/twilio/gather/12.7.9...?all=1");
	redacts("/api/v1/rotas/primary.ics?sig=0123456789abcdef&from=x",
	    "/api/v1/rotas/primary.ics?sig=012345...&from=x");
	redacts("/api/v1/alerts?status=triggered&limit=5",
	    "/api/v1/alerts?status=triggered&limit=5");
	redacts("/hooks/sms/twilio", "/hooks/sms/twilio");
	redacts("http://pager.example.org:8080/ack/12.7.1774747800.X.alice.M",
	    "http://pager.example.org:8080/ack/12.7.1...");
	redacts("/api/v1/alerts?next=http://x/ack/abcdefgh",
	    "/api/v1/alerts?next=http://x/ack/abcdefgh");
	redacts("/", "/");
	redacts(NULL, "");
	/* never past the buffer */
	assert_string_equal(http_redact_uri("/api/v1/alerts/12345678", small,
	    sizeof small), "/api/v1/ale");
	assert_string_equal(http_redact_uri("/ack/abcdefghijk", small,
	    sizeof small), "/ack/abcdef");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
