/* SPDX-License-Identifier: ISC */
/*
 * fuzz-rota.c: libFuzzer target for rota files: rota_parse_findings() on
 * the input and, when it parses, the queries the daemon and the API make
 * of a rota: who is on call, a week's schedule, the next handoff, a
 * week's calendar feed and the 30-day check; then who is on call from
 * the rota's index, which must be what a scan says (else abort).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "rota-private.h"
#include "rota.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
const char *__lsan_default_suppressions(void);

/* Around the 2026 DST changes in Europe: 29 March and 25 October. */
#define FUZZ_T0 INT64_C(1774744200000)
#define FUZZ_T1 INT64_C(1792888200000)
/* The latest instant the rota API accepts (api-rota.c). */
#define FUZZ_TMAX (7000LL * 366 * DURATION_DAY - 1)

/* libconfig 1.5 leaks a little on some syntax errors (tests/lsan.supp). */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

static void
fuzz_oncall(const struct rota *r, int64_t t)
{
	struct rota_shifts sh = { NULL, 0, 0 };

	rota_oncall(r, t, &sh);
	rota_shifts_free(&sh);
}

/* The index (built at FUZZ_T0) and a scan agree at FUZZ_T0 + after. */
static void
fuzz_index_same(const struct rota *r, int64_t after)
{
	struct rota_shifts a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	const struct rota_shift *x, *y;
	size_t i;

	rota_oncall(r, FUZZ_T0 + after, &a);
	rota_oncall_scan(r, FUZZ_T0 + after, &b);
	if (a.n != b.n)
		abort();
	for (i = 0; i < a.n; i++) {
		x = &a.list[i];
		y = &b.list[i];
		if (x->person != y->person || x->start != y->start ||
		    x->end != y->end || x->rota != y->rota ||
		    x->layer != y->layer || x->override != y->override ||
		    x->backup != y->backup)
			abort();
	}
	rota_shifts_free(&a);
	rota_shifts_free(&b);
}

static void
fuzz_queries(struct rota *r)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	struct rota_findings f = { NULL, 0, 0 };
	char buf[64], *ical;
	size_t i;

	/*
	 * A valid rota can still be slow to query: shifts of one minute
	 * are allowed, and a month of them is 43,200 handoffs a layer.
	 * That is a known cost (tests/bench/rota), not a bug, so queries
	 * are skipped for any layer shorter than an hour; the parser
	 * itself still sees every input.  A zero length is not skipped:
	 * the parser must refuse it ("0d" divided by zero once).
	 */
	for (i = 0; i < r->nlayers; i++) {
		if (r->layers[i].shift_ms > 0 &&
		    r->layers[i].shift_ms < DURATION_HOUR)
			return;
	}

	fuzz_oncall(r, FUZZ_T0);
	fuzz_oncall(r, FUZZ_T0 + DURATION_HOUR);
	fuzz_oncall(r, FUZZ_T1 + DURATION_HOUR);
	fuzz_oncall(r, 0);
	fuzz_oncall(r, FUZZ_TMAX);
	if (r->nlayers > 0) {
		fuzz_oncall(r, r->layers[0].start - 1);
		fuzz_oncall(r, r->layers[0].start);
	}

	rota_schedule(r, FUZZ_T0, FUZZ_T0 + DURATION_WEEK, NULL, &sh);
	rota_shifts_free(&sh);
	if (r->nlayers > 0 && r->layers[0].nmembers > 0) {
		rota_schedule(r, FUZZ_T1, FUZZ_T1 + DURATION_WEEK,
		    r->layers[0].members[0], &sh);
		rota_shifts_free(&sh);
	}
	rota_next_handoff(r, FUZZ_T0);
	rota_format_local(r, FUZZ_T1, buf, sizeof buf);

	ical = rota_ical(r, NULL, FUZZ_T0, FUZZ_T0 + DURATION_WEEK, FUZZ_T0);
	free(ical);

	rota_check(r, NULL, FUZZ_T0, FUZZ_T0 + 30 * DURATION_DAY, &f);
	rota_findings_free(&f);

	if (rota_index_build(r, FUZZ_T0) != 0)
		return;
	fuzz_index_same(r, -DURATION_HOUR);
	fuzz_index_same(r, 0);
	fuzz_index_same(r, 3 * DURATION_DAY + 7 * DURATION_MINUTE);
	fuzz_index_same(r, 20 * DURATION_DAY + 1);
	fuzz_index_same(r, 59 * DURATION_DAY + 23 * DURATION_HOUR);
	fuzz_index_same(r, 61 * DURATION_DAY);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota *r;
	char *text;

	/* @include reads any file (/dev/zero for ever): not the parser's */
	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	r = rota_parse_findings(text, "fuzz.conf", &f);
	if (r == NULL && f.nerrors == 0)
		abort(); /* a failure must say why */
	if (r != NULL) {
		fuzz_queries(r);
		rota_free(r);
	}
	rota_findings_free(&f);
	free(text);
	return 0;
}
