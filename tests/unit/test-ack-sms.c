/* SPDX-License-Identifier: ISC */
/*
 * test-ack-sms.c: SMS reply codes, every form and garbage; the keys
 * provider callbacks are remembered by against replays.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"

static void
ok(const char *body, enum ack_scope scope, enum ack_action action,
    int64_t id)
{
	struct ack_reply r;

	if (ack_sms_parse(body, &r) != 0)
		fail_msg("\"%s\" should parse", body);
	assert_int_equal(r.scope, scope);
	assert_int_equal(r.action, action);
	assert_int_equal(r.alert_id, id);
}

static void
bad(const char *body)
{
	struct ack_reply r;

	if (ack_sms_parse(body, &r) == 0)
		fail_msg("\"%s\" should not parse", body);
}

static void
test_codes(void **state)
{
	ok("12a", ACK_ONE, ACK_ACK, 12);
	ok("12r", ACK_ONE, ACK_RESOLVE, 12);
	ok("12e", ACK_ONE, ACK_ESCALATE, 12);
	ok("12A", ACK_ONE, ACK_ACK, 12);
	ok(" 12 a\n", ACK_ONE, ACK_ACK, 12);
	ok("1 2 R", ACK_ONE, ACK_RESOLVE, 12);
	ok("987654321e", ACK_ONE, ACK_ESCALATE, 987654321);
	ok("a", ACK_ONLY, ACK_ACK, 0);
	ok(" A ", ACK_ONLY, ACK_ACK, 0);
	ok("aa", ACK_ALL, ACK_ACK, 0);
	ok("A a", ACK_ALL, ACK_ACK, 0);
	ok("#12a", ACK_ONE, ACK_ACK, 12);
	ok(" # 12 R ", ACK_ONE, ACK_RESOLVE, 12);
	ok("\t12a\r\n", ACK_ONE, ACK_ACK, 12);
	ok("999999999999999999a", ACK_ONE, ACK_ACK, 999999999999999999);
}

static void
test_garbage(void **state)
{
	bad("");
	bad("   ");
	bad("12");
	bad("12x");
	bad("a12");
	bad("012a");
	bad("-12a");
	bad("+12a");
	bad("12aa");
	bad("aaa");
	bad("r");
	bad("e");
	bad("ok thanks");
	bad("STOP");
	bad("HELP");
	bad("1234567890123456789a"); /* 19 digits */
	bad("12a 13a");
	bad("\xc3\xa9");
	bad("#");
	bad("#a");
	bad("##12a");
	bad("#0a");
	bad("12a.");
	bad("12 ack");
	bad("yes");
	bad("12\xef\xbd\x81"); /* fullwidth a */
}

static void
key_is(const char *kind, const char *sid, const char *digits,
    const char *want)
{
	char *k = ack_hook_key(kind, sid, digits);

	if (want == NULL) {
		if (k != NULL)
			fail_msg("%s %s %s: want no key, got %s", kind,
			    sid ? sid : "NULL", digits ? digits : "NULL", k);
		return;
	}
	assert_non_null(k);
	assert_string_equal(k, want);
	free(k);
}

/* The key of sid, which must be one; a static copy. */
static const char *
ack_hook_key_ok(const char *kind, const char *sid)
{
	static char buf[128];
	char *k = ack_hook_key(kind, sid, NULL);

	assert_non_null(k);
	snprintf(buf, sizeof buf, "%s", k);
	free(k);
	return buf;
}

static void
test_hook_keys(void **state)
{
	char sid[80];

	key_is("sms", "SM0123456789abcdef0123456789abcdef", NULL,
	    "sms:SM0123456789abcdef0123456789abcdef");
	key_is("sms", "SM1", "5", "sms:SM1"); /* digits are for keys only */
	key_is("voice", "CA1", "1", "voice:CA1:1");
	key_is("voice", "CA1", "12*#", "voice:CA1:12*#");
	/* no SID, or not one: no key (nothing to know a replay by) */
	key_is("sms", NULL, NULL, NULL);
	key_is("sms", "", NULL, NULL);
	key_is("sms", "SM1:voice", NULL, NULL);
	key_is("sms", "SM 1", NULL, NULL);
	key_is("voice", "CA1", NULL, NULL);
	key_is("voice", "CA1", "", NULL);
	key_is("voice", "CA1", "1a", NULL);
	key_is("voice", "CA1", "12345678901234567", NULL);
	/* at most 64 characters */
	memset(sid, 'S', 65);
	sid[65] = '\0';
	key_is("sms", sid, NULL, NULL);
	sid[64] = '\0';
	assert_non_null(strstr(ack_hook_key_ok("sms", sid), sid));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_hook_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
