/* SPDX-License-Identifier: ISC */
/*
 * fuzz-api-json.c: libFuzzer target for the intake parsers of posted
 * bodies: a native alert (POST /api/v1/alerts), a PagerDuty Events v2
 * event (POST /v2/enqueue), an Alertmanager webhook and a mapped
 * integration's body (POST /api/v1/intake/mapped, with a mapping that
 * uses pointers, a template, value maps and named details), and a new
 * silence (POST /api/v1/silences).  Each input goes through all of
 * them, with the defaults of conf/pagerd.conf.  A native body the flat
 * reader takes must give what jansson's reader gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intake.h"
#include "intake-private.h"
#include "silence.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct intake_defaults fuzz_def = { 3, "default" };
static const struct intake_map fuzz_map = {
	{ 1, 2, 3, 4 }, "severity", "service"
};
/* /v2/enqueue parses before it knows the key: no labels (api-intake.c) */
static const struct intake_map fuzz_map_events = {
	{ 1, 2, 3, 4 }, NULL, NULL
};

/* The mapping of the mapped intake, built on the first input. */
static struct intake_mapping *fuzz_mapping;

static void
fuzz_mapping_make(void)
{
	struct intake_mapping *m = intake_mapping_new();
	char *cause = NULL;

	if (intake_mapping_set_template(m, INTAKE_MF_SUMMARY,
	    "#{/ticket/number} {/ticket/title}", &cause) != 0 ||
	    intake_mapping_set_default(m, INTAKE_MF_SUMMARY, "ticket",
	    &cause) != 0 ||
	    intake_mapping_set_pointer(m, INTAKE_MF_PRIORITY,
	    "/ticket/priority", &cause) != 0 ||
	    intake_mapping_add_value(m, INTAKE_MF_PRIORITY, "urgent", "P1",
	    &cause) != 0 ||
	    intake_mapping_set_pointer(m, INTAKE_MF_SERVICE, "/summary",
	    &cause) != 0 ||
	    intake_mapping_set_pointer(m, INTAKE_MF_DEDUP_KEY, "/ticket/id",
	    &cause) != 0 ||
	    intake_mapping_set_pointer(m, INTAKE_MF_ACTION,
	    "/payload/severity", &cause) != 0 ||
	    intake_mapping_add_value(m, INTAKE_MF_ACTION, "info", "resolve",
	    &cause) != 0 ||
	    intake_mapping_add_value(m, INTAKE_MF_ACTION, "warning",
	    "acknowledge", &cause) != 0 ||
	    intake_mapping_set_template(m, INTAKE_MF_EXTERNAL_URL,
	    "https://desk.example/t/{/ticket/id}", &cause) != 0 ||
	    intake_mapping_add_detail(m, "alerts", "/alerts/0/labels",
	    &cause) != 0 ||
	    intake_mapping_add_detail(m, "a~b", "/a~1b/~0", &cause) != 0 ||
	    intake_mapping_check(m, &cause) != 0)
		abort();
	fuzz_mapping = m;
}

/* The characters of s: the summary limit counts them, not bytes. */
static size_t
fuzz_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * What the store and the pages rely on in an accepted alert: a summary
 * and a service, every field within its limit, a priority of P1..P4.
 */
static void
fuzz_alert(const struct alert_new *an)
{
	if (an->summary == NULL ||
	    fuzz_chars(an->summary) > ALERT_SUMMARY_MAX ||
	    an->service == NULL || strlen(an->service) > ALERT_KEY_MAX ||
	    (an->dedup_key != NULL && strlen(an->dedup_key) > ALERT_KEY_MAX) ||
	    (an->source != NULL && strlen(an->source) > ALERT_KEY_MAX) ||
	    an->priority < 1 || an->priority > ALERT_PRIORITY_MAX)
		abort();
}

static int
fuzz_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * A native body the flat reader takes (intake-flat.c) must come out as
 * jansson's reader makes it: the same body with "details":null first
 * (which only jansson reads, and which means no details) gives the same
 * alert, or the same refusal.
 */
static void
fuzz_flat_same(const char *buf, size_t size, int rc, const struct alert_new *an,
    const char *cause)
{
	static const char *const names[] = { "summary", "priority", "service",
		"dedup_key", "source" };
	struct intake_flat f[5];
	struct alert_new jn;
	char *copy, *wide, *jcause = NULL;
	size_t open;
	int flat, jrc;

	copy = malloc(size + 1);
	if (copy == NULL)
		return;
	memcpy(copy, buf, size);
	copy[size] = '\0';
	flat = intake_flat_scan(copy, size, names, 5, f) == 1;
	free(copy);
	if (!flat)
		return;
	for (open = 0; buf[open] != '{'; open++)
		;
	wide = malloc(size + 32);
	if (wide == NULL)
		return;
	memcpy(wide, buf, open + 1);
	memcpy(wide + open + 1, "\"details\":null,", 15);
	memcpy(wide + open + 16, buf + open + 1, size - open - 1);
	/* an empty object has no member for the comma to come before */
	if (memchr(buf, ':', size) == NULL)
		memcpy(wide + open + 1, "\"details\":null ", 15);
	jrc = intake_native_parse(wide, size + 15, &fuzz_def, &jn, &jcause);
	free(wide);
	if (jrc != rc || (rc != 0 && !fuzz_same(cause, jcause)))
		abort();
	if (rc == 0 && (!fuzz_same(an->summary, jn.summary) ||
	    !fuzz_same(an->service, jn.service) ||
	    !fuzz_same(an->dedup_key, jn.dedup_key) ||
	    !fuzz_same(an->source, jn.source) || an->priority != jn.priority ||
	    an->details != NULL || jn.details != NULL))
		abort();
	if (jrc == 0)
		alert_new_clear(&jn);
	free(jcause);
}

/* A parser that fails must say why; one that succeeds must not. */
static void
fuzz_result(int rc, char *cause)
{
	if ((rc == 0) != (cause == NULL))
		abort();
	free(cause);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct alert_new an;
	struct intake_event ev;
	struct intake_am am;
	struct intake_change ch;
	struct intake_mapped mp;
	struct silence si;
	char *cause = NULL;
	size_t i;
	int rc;

	rc = intake_native_parse(buf, size, &fuzz_def, &an, &cause);
	fuzz_flat_same(buf, size, rc, &an, cause);
	fuzz_result(rc, cause);
	if (rc == 0) {
		fuzz_alert(&an);
		alert_new_clear(&an);
	}

	cause = NULL;
	rc = intake_events_parse(buf, size, &fuzz_def, &fuzz_map_events, &ev,
	    &cause);
	fuzz_result(rc, cause);
	if (rc == 0) {
		if (ev.routing_key == NULL ||
		    (ev.action != INTAKE_TRIGGER && ev.dedup_key == NULL))
			abort();
		if (ev.action == INTAKE_TRIGGER)
			fuzz_alert(&ev.an);
		intake_event_clear(&ev);
	}

	cause = NULL;
	rc = intake_change_parse(buf, size, &ch, &cause);
	fuzz_result(rc, cause);
	if (rc == 0) {
		if (ch.routing_key == NULL || ch.summary == NULL ||
		    fuzz_chars(ch.summary) > ALERT_SUMMARY_MAX ||
		    (ch.details != NULL &&
		    strlen(ch.details) > INTAKE_EVENTS_DETAILS_MAX))
			abort();
		intake_change_clear(&ch);
	}

	cause = NULL;
	rc = intake_am_parse(buf, size, &fuzz_def, &fuzz_map, &am, &cause);
	fuzz_result(rc, cause);
	if (rc == 0) {
		for (i = 0; i < am.n; i++) {
			if (am.alerts[i].an.dedup_key == NULL)
				abort();
			fuzz_alert(&am.alerts[i].an);
		}
		intake_am_clear(&am);
	}

	if (fuzz_mapping == NULL)
		fuzz_mapping_make();
	cause = NULL;
	rc = intake_mapped_parse(buf, size, &fuzz_def, fuzz_mapping, &mp,
	    &cause);
	fuzz_result(rc, cause);
	if (rc == 0) {
		if (mp.action != INTAKE_TRIGGER && mp.an.dedup_key == NULL)
			abort();
		if (mp.action == INTAKE_TRIGGER)
			fuzz_alert(&mp.an);
		if (mp.an.external_url != NULL &&
		    strncmp(mp.an.external_url, "https://desk.example/t/",
		    23) != 0)
			abort();
		intake_mapped_clear(&mp);
	}

	/* a silence it accepts has a matcher and ends after it starts */
	cause = NULL;
	rc = silence_parse(buf, size, INT64_C(1796551200000), &si, &cause);
	fuzz_result(rc, cause);
	if (rc == 0) {
		if (silence_check_matchers(&si, &cause) != 0 ||
		    si.ends_ms <= si.starts_ms || si.comment == NULL ||
		    strlen(si.comment) > SILENCE_COMMENT_MAX)
			abort();
		silence_clear(&si);
	}
	return 0;
}
