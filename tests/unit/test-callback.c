/* SPDX-License-Identifier: ISC */
/*
 * test-callback.c: the pure parts of integration callbacks
 * (callback-body.c): the Standard Webhooks signature against the test
 * vector its reference libraries share, the backoff, the default body
 * and template expansion, and the checks of headers and templates.
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

#include "alert.h"
#include "callback.h"
#include "hmac.h"
#include "store.h"

/*
 * The vector of the Standard Webhooks reference libraries (and Svix's):
 * secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id
 * msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp 1614265330.
 */
static void
test_sign_vector(void **state)
{
	uint8_t *key;
	size_t len;
	char *sig;

	(void)state;
	assert_int_equal(hmac_base64_decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    &key, &len), 0);
	sig = callback_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek",
	    1614265330, "{\"test\": 2432232314}");
	assert_string_equal(sig,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	free(sig);
	/* another timestamp, another signature */
	sig = callback_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek",
	    1614265331, "{\"test\": 2432232314}");
	assert_string_not_equal(sig,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	free(sig);
	free(key);
}

static void
test_backoff(void **state)
{
	(void)state;
	/* r = max: the whole delay; base 10s doubling to 10m */
	assert_int_equal(callback_backoff(1, 10000, 600000, -1, UINT32_MAX),
	    10000);
	assert_int_equal(callback_backoff(2, 10000, 600000, -1, UINT32_MAX),
	    20000);
	assert_int_equal(callback_backoff(4, 10000, 600000, -1, UINT32_MAX),
	    80000);
	assert_int_equal(callback_backoff(7, 10000, 600000, -1, UINT32_MAX),
	    600000);
	assert_int_equal(callback_backoff(1000, 10000, 600000, -1,
	    UINT32_MAX), 600000);
	/* r = 0: half of it */
	assert_int_equal(callback_backoff(1, 10000, 600000, -1, 0), 5000);
	assert_int_equal(callback_backoff(3, 10000, 600000, -1, 0), 20000);
	/* Retry-After lengthens it, never past the cap */
	assert_int_equal(callback_backoff(1, 10000, 600000, 120000, 0),
	    120000);
	assert_int_equal(callback_backoff(1, 10000, 600000, 86400000, 0),
	    600000);
}

/* An alert (the strings writable, as struct alert's are). */
static char s_dedup[] = "4711", s_service[] = "support",
    s_summary[] = "printer \"lp3\" on fire", s_integration[] = "zammad",
    s_ana[] = "ana", s_ack[] = "ack", s_via[] = "{\"via\":\"sms\"}",
    s_engine[] = "engine", s_stage[] = "stage",
    s_stage_detail[] = "{\"from\":1,\"to\":2,\"reason\":\"timeout\"}",
    s_bo[] = "bo", s_note[] = "note", s_text[] = "{\"text\":\"line\\none\"}";

static struct alert test_alert = {
	.id = 12, .dedup_key = s_dedup, .service = s_service, .priority = 2,
	.summary = s_summary, .integration = s_integration, .stage = 1,
};

static void
test_body_default(void **state)
{
	struct store_event ev = { 7, 12, 1614265330123LL, s_ana, s_ack,
		s_via };
	struct callback_msg m = { &test_alert, "https://desk/#t/4711", &ev };
	json_t *j;
	char *body;

	(void)state;
	body = callback_body(&m, NULL);
	j = json_loads(body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")),
	    "alert.acknowledged");
	assert_string_equal(json_string_value(json_object_get(j,
	    "timestamp")), "2021-02-25T15:02:10.123Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(j, "data"), "alert"), "external_url")),
	    "https://desk/#t/4711");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(j, "data"), "detail"), "via")), "sms");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "data"), "actor")), "ana");
	json_decref(j);
	free(body);
}

static void
test_body_template(void **state)
{
	struct store_event ev = { 8, 12, 0, s_engine, s_stage,
		s_stage_detail };
	struct store_event note = { 9, 12, 0, s_bo, s_note, s_text };
	struct callback_msg m = { &test_alert, NULL, &ev };
	char *body;

	(void)state;
	body = callback_body(&m, "{\"ticket\": \"{dedup_key}\", \"state\":"
	    " \"{type}\", \"stage\": {stage}, \"text\": \"{summary}\","
	    " \"url\": \"{external_url}\", \"x\": \"{nope}\"}");
	assert_string_equal(body, "{\"ticket\": \"4711\", \"state\":"
	    " \"alert.escalated\", \"stage\": 2, \"text\": \"printer"
	    " \\\"lp3\\\" on fire\", \"url\": \"\", \"x\": \"{nope}\"}");
	free(body);
	m.ev = &note;
	body = callback_body(&m, "{note}|{actor}|{event}|{via}|{priority}");
	assert_string_equal(body, "line\\none|bo|note||P2");
	free(body);
}

static void
test_checks(void **state)
{
	char *cause = NULL;

	(void)state;
	assert_int_equal(callback_template_check("{\"a\": \"{summary}\"}",
	    &cause), 0);
	assert_int_equal(callback_template_check("{\"a\": {\"b\": 1}}",
	    &cause), 0);
	assert_int_equal(callback_template_check("{\"a\": \"{sumary}\"}",
	    &cause), -1);
	assert_non_null(strstr(cause, "{sumary}"));
	free(cause);
	assert_int_equal(callback_header_check("Authorization", "Token x",
	    &cause), 0);
	assert_int_equal(callback_header_check("X-A", "a\r\nX-B: b",
	    &cause), -1);
	free(cause);
	assert_int_equal(callback_header_check("Transfer-Encoding",
	    "chunked", &cause), -1);
	free(cause);
	assert_int_equal(callback_header_check("webhook-ID", "1", &cause), -1);
	free(cause);
	assert_int_equal(callback_header_check("X A", "1", &cause), -1);
	free(cause);
	assert_int_equal(callback_header_check("", "1", &cause), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_vector),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_body_default),
		cmocka_unit_test(test_body_template),
		cmocka_unit_test(test_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
