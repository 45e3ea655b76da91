/* SPDX-License-Identifier: ISC */
/* test-ack-sms.c: SMS reply codes, every form and garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
