/* SPDX-License-Identifier: ISC */
/*
 * fuzz-sms-hook.c: libFuzzer target for what Twilio posts to the SMS
 * and keypress hooks, without the network: the form body is read as
 * api-hooks.c reads it (api_hooks_form_parse), signed and checked as it
 * checks it (twilio_signature, twilio_verify under a test token), its
 * SMS body parsed as a reply code (ack_sms_parse), and the keys the
 * store remembers callbacks by built from its MessageSid, CallSid and
 * Digits (ack_hook_key).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "twilio.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char fuzz_token[] = "fuzz-auth-token-0123456789abcdef";
static const char fuzz_url[] = "https://pager.example.org/hooks/sms/twilio";

/* A reply code that parsed must be one pagerd can act on. */
static void
fuzz_reply(const char *body)
{
	struct ack_reply r;

	if (body == NULL || ack_sms_parse(body, &r) != 0)
		return;
	if ((r.scope != ACK_ONE && r.scope != ACK_ONLY && r.scope != ACK_ALL) ||
	    (r.action != ACK_ACK && r.action != ACK_RESOLVE &&
	    r.action != ACK_ESCALATE) || (r.scope == ACK_ONE) !=
	    (r.alert_id > 0))
		abort();
}

/* A key, if any, is the prefix, the SID and (voice) the digits. */
static void
fuzz_key(const char *kind, const char *sid, const char *digits)
{
	char *key = ack_hook_key(kind, sid, digits), *want;

	if (key == NULL)
		return;
	if (strcmp(kind, "voice") == 0)
		xasprintf(&want, "voice:%s:%s", sid, digits);
	else
		xasprintf(&want, "%s:%s", kind, sid);
	if (strcmp(key, want) != 0 || strlen(key) > 128 ||
	    strchr(sid, ':') != NULL)
		abort();
	free(want);
	free(key);
}

/* What we sign, we verify; a signature of other parameters fails. */
static void
fuzz_signature(const struct twilio_form *f)
{
	char *sig;

	sig = twilio_signature(fuzz_token, sizeof fuzz_token - 1, fuzz_url,
	    f->p, f->n);
	if (sig == NULL || strlen(sig) != 28 ||
	    twilio_verify(fuzz_token, sizeof fuzz_token - 1, fuzz_url, f->p,
	    f->n, sig) != 0)
		abort();
	if (twilio_verify(fuzz_token, sizeof fuzz_token - 1, fuzz_url, f->p,
	    f->n, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=") == 0 &&
	    strcmp(sig, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=") != 0)
		abort();
	if (twilio_verify(fuzz_token, sizeof fuzz_token - 1, fuzz_url, f->p,
	    f->n, NULL) == 0)
		abort();
	free(sig);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct twilio_form f;
	size_t i;

	if (api_hooks_form_parse((const char *)data, size, &f) != 0)
		return 0;
	for (i = 0; i < f.n; i++)
		if (f.p[i].name == NULL || f.p[i].value == NULL)
			abort();
	fuzz_reply(api_hooks_form_get(&f, "Body"));
	fuzz_key("sms", api_hooks_form_get(&f, "MessageSid"), NULL);
	fuzz_key("voice", api_hooks_form_get(&f, "CallSid"),
	    api_hooks_form_get(&f, "Digits"));
	if (!f.truncated)
		fuzz_signature(&f);
	api_hooks_form_free(&f);
	return 0;
}
