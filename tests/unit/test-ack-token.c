/* SPDX-License-Identifier: ISC */
/*
 * test-ack-token.c: signed ack tokens: a round trip, tampering with
 * every field (and with the MAC), the wrong key, expiry, and single use
 * and "open pages of a person" through the store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ack.h"
#include "alert.h"
#include "hmac.h"
#include "store.h"
#include "xmalloc.h"

#define KEY "0123456789abcdef-test-secret"
#define T0 INT64_C(1795000000000)
#define TTL INT64_C(86400000)

static enum ack_verdict
verify(const char *tok, int64_t now, struct ack_token *t)
{
	return ack_token_verify(KEY, strlen(KEY), tok, now, t);
}

static void
test_round_trip(void **state)
{
	struct ack_token t;
	char *tok, *tok2;

	tok = ack_token_sign(KEY, strlen(KEY), 12, "alice.b-c_d",
	    ACK_MASK_ALL, T0 + TTL);
	assert_true(strlen(tok) < ACK_TOKEN_MAX);
	assert_null(strpbrk(tok, "/+=?#&% "));
	assert_int_equal(verify(tok, T0, &t), ACK_TOKEN_OK);
	assert_int_equal(t.alert_id, 12);
	assert_string_equal(t.person, "alice.b-c_d");
	assert_int_equal(t.actions, ACK_MASK_ALL);
	assert_int_equal(t.expires_ms, T0 + TTL);
	assert_int_equal(strlen(t.nonce), 16);
	/* two tokens for the same page differ: each is used once */
	tok2 = ack_token_sign(KEY, strlen(KEY), 12, "alice.b-c_d",
	    ACK_MASK_ALL, T0 + TTL);
	assert_string_not_equal(tok, tok2);
	free(tok2);
	assert_string_equal(ack_verdict_name(ACK_TOKEN_EXPIRED), "expired");
	free(tok);
}

/* Replace field i (0..5, split at dots; the person is 4) of tok by v. */
static char *
with_field(const char *tok, int i, const char *v)
{
	char *f[6], *copy = xstrdup(tok), *p = copy, *out, *last;
	int n;

	last = strrchr(copy, '.');
	*last = '\0';
	for (n = 0; n < 4; n++) {
		f[n] = p;
		p = strchr(p, '.');
		*p++ = '\0';
	}
	f[4] = p;
	f[5] = last + 1;
	f[i] = (char *)v;
	xasprintf(&out, "%s.%s.%s.%s.%s.%s", f[0], f[1], f[2], f[3], f[4],
	    f[5]);
	free(copy);
	return out;
}

static void
forged(const char *tok, const char *what)
{
	struct ack_token t;

	if (verify(tok, T0, &t) != ACK_TOKEN_FORGED)
		fail_msg("%s: \"%s\" was accepted", what, tok);
}

static void
test_tampering(void **state)
{
	static const char *other[6] = { "13", "1", "1895000000",
	    "AAAAAAAAAAAAAAAA", "mallory",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
	char *tok, *bad, *s;
	size_t i, len;
	int f;

	tok = ack_token_sign(KEY, strlen(KEY), 12, "alice", ACK_MASK_ALL,
	    T0 + TTL);
	/* every field replaced by another plausible value */
	for (f = 0; f < 6; f++) {
		bad = with_field(tok, f, other[f]);
		forged(bad, "replaced field");
		free(bad);
	}
	/* every single character flipped */
	len = strlen(tok);
	for (i = 0; i < len; i++) {
		bad = xstrdup(tok);
		bad[i] = bad[i] == 'x' ? 'y' : 'x';
		forged(bad, "flipped character");
		free(bad);
	}
	/* cut, extended, emptied, another key */
	for (i = 0; i < len; i++) {
		bad = xstrndup(tok, i);
		forged(bad, "truncated");
		free(bad);
	}
	xasprintf(&bad, "%s.", tok);
	forged(bad, "trailing dot");
	free(bad);
	xasprintf(&bad, "%sA", tok);
	forged(bad, "longer MAC");
	free(bad);
	forged("", "empty");
	forged("....", "dots");
	s = ack_token_sign("another-secret-0123", 19, 12, "alice",
	    ACK_MASK_ALL, T0 + TTL);
	forged(s, "another key");
	free(s);
	free(tok);
}

/* Fields that do not parse are refused even under a valid MAC. */
/* body signed as ack-token.c signs, whatever its fields say. */
static char *
signed_raw(const char *body)
{
	uint8_t mac[HMAC_SHA256_LEN];
	char *msg, *b64, *tok;

	if (asprintf(&msg, "pagerd-ack-v1:%s", body) == -1)
		fail();
	hmac_sha256(KEY, strlen(KEY), msg, strlen(msg), mac);
	b64 = hmac_base64url(mac, sizeof mac);
	if (asprintf(&tok, "%s.%s", body, b64) == -1)
		fail();
	free(msg);
	free(b64);
	return tok;
}

static void
test_bad_fields(void **state)
{
	struct ack_token t;
	char *tok;

	tok = ack_token_sign(KEY, strlen(KEY), 0, "alice", ACK_MASK_ALL,
	    T0 + TTL);
	assert_int_equal(verify(tok, T0, &t), ACK_TOKEN_FORGED);
	free(tok);
	tok = ack_token_sign(KEY, strlen(KEY), 12, "alice", 0x8, T0 + TTL);
	assert_int_equal(verify(tok, T0, &t), ACK_TOKEN_FORGED);
	free(tok);
	tok = ack_token_sign(KEY, strlen(KEY), 12, "", ACK_MASK_ALL,
	    T0 + TTL);
	assert_int_equal(verify(tok, T0, &t), ACK_TOKEN_FORGED);
	free(tok);
	/* an expiry (seconds) too large for milliseconds, though signed:
	 * refused, not multiplied past INT64_MAX (found by fuzz-ack-token) */
	tok = signed_raw("12.7.9223372036854776.q3Zx9Lw1AbCdEfGh.alice");
	assert_int_equal(verify(tok, T0, &t), ACK_TOKEN_FORGED);
	free(tok);
	tok = signed_raw("12.7.9223372036854775.q3Zx9Lw1AbCdEfGh.alice");
	assert_int_equal(verify(tok, T0, &t), ACK_TOKEN_OK);
	assert_int_equal(t.expires_ms, INT64_MAX / 1000 * 1000);
	free(tok);
	/* a narrower action set survives the round trip */
	tok = ack_token_sign(KEY, strlen(KEY), 12, "alice", ACK_MASK(ACK_ACK),
	    T0 + TTL);
	assert_int_equal(verify(tok, T0, &t), ACK_TOKEN_OK);
	assert_int_equal(t.actions, ACK_MASK(ACK_ACK));
	free(tok);
}

static void
test_expiry(void **state)
{
	struct ack_token t;
	char *tok;

	tok = ack_token_sign(KEY, strlen(KEY), 12, "alice", ACK_MASK_ALL,
	    T0 + TTL);
	assert_int_equal(verify(tok, T0 + TTL - 1, &t), ACK_TOKEN_OK);
	assert_int_equal(verify(tok, T0 + TTL, &t), ACK_TOKEN_EXPIRED);
	/* an expired token still says whose it was, for the audit log */
	assert_int_equal(t.alert_id, 12);
	assert_string_equal(t.person, "alice");
	assert_int_equal(verify(tok, T0 + 10 * TTL, &t), ACK_TOKEN_EXPIRED);
	free(tok);
}

struct fixture {
	char dir[64];
	struct store *s;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *cause = NULL;

	strcpy(f->dir, "/tmp/test-ack-token.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if ((f->s = store_open(f->dir, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd;

	store_close(f->s);
	xasprintf(&cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	free(f);
	return 0;
}

/* Alice's use of token nonce for action on alert 12 at now. */
static int
ack_use(struct store *s, const char *nonce, const char *action, int64_t now,
    char **cause)
{
	struct store_ack_new a = { .nonce = nonce, .alert_id = 12,
	    .person = "alice", .action = action, .used_ms = now };

	return store_ack_use(s, &a, cause);
}

/* Provider callback key taken at now by actor about alert id. */
static int
hook_add(struct store *s, const char *key, int64_t id, const char *actor,
    int64_t now, int64_t keep, char **cause)
{
	struct store_hook_new h = { .key = key, .alert_id = id,
	    .actor = actor, .seen_ms = now };

	return store_hook_add(s, &h, keep, cause);
}

static void
test_single_use(void **state)
{
	struct fixture *f = *state;
	struct ack_token t;
	char *tok, *cause = NULL;

	tok = ack_token_sign(KEY, strlen(KEY), 12, "alice", ACK_MASK_ALL,
	    T0 + TTL);
	assert_int_equal(verify(tok, T0, &t), ACK_TOKEN_OK);
	assert_int_equal(store_ack_used(f->s, t.nonce), 0);
	assert_int_equal(ack_use(f->s, t.nonce, "ack", T0, &cause), 0);
	assert_int_equal(store_ack_used(f->s, t.nonce), 1);
	/* a second use is seen, whatever it asks */
	assert_int_equal(ack_use(f->s, t.nonce, "resolve", T0 + 1, &cause),
	    1);
	free(tok);
	/* another token of the same page is not used */
	tok = ack_token_sign(KEY, strlen(KEY), 12, "alice", ACK_MASK_ALL,
	    T0 + TTL);
	assert_int_equal(verify(tok, T0, &t), ACK_TOKEN_OK);
	assert_int_equal(store_ack_used(f->s, t.nonce), 0);
	free(tok);
}

/*
 * Provider callbacks (migration 10): a key taken is seen again for 24
 * hours, with the alert and actor it was taken with, then forgotten
 * (pruned by the next one recorded).
 */
static void
test_hook_replay(void **state)
{
	struct fixture *f = *state;
	struct store_hook h;
	char *cause = NULL;
	const int64_t keep = 24 * 3600 * INT64_C(1000);

	assert_int_equal(store_hook_seen(f->s, "sms:SM1", T0, keep, &h), 0);
	assert_int_equal(hook_add(f->s, "sms:SM1", 12, "alice", T0, keep,
	    &cause), 0);
	assert_int_equal(store_hook_seen(f->s, "sms:SM1", T0 + 1, keep, &h),
	    1);
	assert_int_equal(h.alert_id, 12);
	assert_string_equal(h.actor, "alice");
	assert_int_equal(h.seen_ms, T0);
	free(h.actor);
	/* another SID, and the same SID as a keypress key, are not seen */
	assert_int_equal(store_hook_seen(f->s, "sms:SM2", T0 + 1, keep, &h), 0);
	assert_int_equal(store_hook_seen(f->s, "voice:SM1:1", T0, keep, &h), 0);
	/* no alert: recorded as none */
	assert_int_equal(hook_add(f->s, "voice:CA1:1", 0, "carol",
	    T0 + 10, keep, &cause), 0);
	assert_int_equal(store_hook_seen(f->s, "voice:CA1:1", T0 + 10, keep,
	    &h), 1);
	assert_int_equal(h.alert_id, 0);
	free(h.actor);
	/* still seen at the end of 24 hours, not after */
	assert_int_equal(store_hook_seen(f->s, "sms:SM1", T0 + keep, keep, &h),
	    1);
	free(h.actor);
	assert_int_equal(store_hook_seen(f->s, "sms:SM1", T0 + keep + 1, keep,
	    &h), 0);
	/* the next one recorded prunes it: recording it again is new */
	assert_int_equal(hook_add(f->s, "sms:SM3", 0, "bob",
	    T0 + keep + 1, keep, &cause), 0);
	assert_int_equal(store_hook_seen(f->s, "sms:SM1", T0, 2 * keep, &h),
	    0);
	assert_int_equal(store_hook_seen(f->s, "voice:CA1:1", T0, 2 * keep,
	    &h), 1);
	free(h.actor);
	assert_int_equal(hook_add(f->s, "sms:SM1", 7, "alice",
	    T0 + keep + 2, keep, &cause), 0);
	assert_int_equal(store_hook_seen(f->s, "sms:SM1", T0 + keep + 2, keep,
	    &h), 1);
	assert_int_equal(h.alert_id, 7);
	free(h.actor);
}

/* Raise an alert and record a page of it to person. */
static int64_t
paged(struct store *s, const char *key, const char *person)
{
	struct store_event_new ev = { .at_ms = T0, .actor = "engine",
	    .kind = "page" };
	struct alert_new an;
	struct store_raise r;
	char *cause = NULL, *d;

	memset(&an, 0, sizeof an);
	an.service = xstrdup("db");
	an.dedup_key = xstrdup(key);
	an.priority = 1;
	an.summary = xstrdup("disk full");
	assert_int_equal(store_begin(s, &cause), 0);
	if (store_alert_raise(s, &an, T0, &r, &cause) != 0)
		fail_msg("%s", cause);
	xasprintf(&d, "{\"stage\":1,\"to\":\"%s\"}", person);
	ev.alert_id = r.id;
	ev.detail = d;
	assert_int_equal(store_event_add(s, &ev, &cause), 0);
	assert_int_equal(store_page_add(s, r.id, person, T0, &cause), 0);
	free(d);
	assert_int_equal(store_commit(s, &cause), 0);
	alert_new_clear(&an);
	free(r.dedup_key);
	return r.id;
}

static void
test_open_pages(void **state)
{
	struct fixture *f = *state;
	int64_t a1, a2, a3, *ids;
	size_t n;

	a1 = paged(f->s, "k1", "alice");
	a2 = paged(f->s, "k2", "bob");
	a3 = paged(f->s, "k3", "alice");
	assert_int_equal(store_ack_pages(f->s, "alice", 1, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], a1);
	assert_int_equal(ids[1], a3);
	free(ids);
	assert_int_equal(store_ack_pages(f->s, "bob", 1, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], a2);
	free(ids);
	assert_int_equal(store_ack_pages(f->s, "carol", 0, &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test_setup_teardown(test_single_use, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_pages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hook_replay, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
