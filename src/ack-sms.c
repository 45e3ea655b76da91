/* SPDX-License-Identifier: ISC */
/*
 * ack-sms.c: parse the short codes people send back by SMS.  Case and
 * white space do not matter ("12A", " 12 a ").  Also the key a provider
 * callback is remembered by, against replays.  Pure.
 */
#include <ctype.h>
#include <string.h>

#include "ack.h"
#include "xmalloc.h"

#define ACK_SID_MAX 64    /* Twilio's are 34 characters */
#define ACK_DIGITS_MAX 16 /* keys of one gather */

#define ACK_SMS_MAX 64 /* longer bodies are not codes */

static int
ack_action_char(char c, enum ack_action *a)
{
	switch (c) {
	case 'a':
		*a = ACK_ACK;
		return 0;
	case 'r':
		*a = ACK_RESOLVE;
		return 0;
	case 'e':
		*a = ACK_ESCALATE;
		return 0;
	}
	return -1;
}

const char *
ack_action_name(enum ack_action a)
{
	switch (a) {
	case ACK_ACK:
		return "acknowledge";
	case ACK_RESOLVE:
		return "resolve";
	default:
		return "escalate";
	}
}

/*
 * Parse an SMS body into r.  Returns 0 for a code, -1 for anything else
 * (the caller answers with a short help text).
 */
int
ack_sms_parse(const char *body, struct ack_reply *r)
{
	char s[ACK_SMS_MAX + 1];
	size_t n = 0, i;
	int64_t id = 0;

	for (; *body != '\0'; body++) {
		if (isspace((unsigned char)*body))
			continue;
		if (n == ACK_SMS_MAX)
			return -1;
		s[n++] = (char)tolower((unsigned char)*body);
	}
	s[n] = '\0';
	memset(r, 0, sizeof *r);
	/* "#12a": the page shows the alert as "#12" */
	if (s[0] == '#' && isdigit((unsigned char)s[1])) {
		memmove(s, s + 1, n);
		n--;
	}
	if (strcmp(s, "a") == 0) {
		r->scope = ACK_ONLY;
		r->action = ACK_ACK;
		return 0;
	}
	if (strcmp(s, "aa") == 0) {
		r->scope = ACK_ALL;
		r->action = ACK_ACK;
		return 0;
	}
	if (n < 2 || !isdigit((unsigned char)s[0]) || s[0] == '0')
		return -1;
	for (i = 0; i < n - 1; i++) {
		if (!isdigit((unsigned char)s[i]) || i >= 18)
			return -1;
		id = id * 10 + (s[i] - '0');
	}
	if (ack_action_char(s[n - 1], &r->action) != 0)
		return -1;
	r->scope = ACK_ONE;
	r->alert_id = id;
	return 0;
}

/*
 * The key a provider callback of kind ("sms", "voice") is remembered by
 * against replays: "sms:" and the MessageSid, or "voice:" the CallSid,
 * ":" and the digits pressed.  NULL if sid is not a SID (1 to 64 letters
 * and digits), or digits (for a keypress) are not 1 to 16 of 0-9, * and
 * #.  The caller frees it.
 */
char *
ack_hook_key(const char *kind, const char *sid, const char *digits)
{
	size_t n, i;
	char *key;

	if (sid == NULL || (n = strlen(sid)) == 0 || n > ACK_SID_MAX)
		return NULL;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)sid[i]))
			return NULL;
	if (strcmp(kind, "voice") != 0) {
		xasprintf(&key, "%s:%s", kind, sid);
		return key;
	}
	if (digits == NULL || (n = strlen(digits)) == 0 ||
	    n > ACK_DIGITS_MAX || strspn(digits, "0123456789*#") != n)
		return NULL;
	xasprintf(&key, "voice:%s:%s", sid, digits);
	return key;
}
