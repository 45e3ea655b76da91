/* SPDX-License-Identifier: ISC */
/*
 * rota.c (benchmark): who-is-on-call queries per second for a rota of
 * 50 members, 3 layers and 500 overrides, by a scan and from its index
 * (over the instants the index covers, with the ratio; also the index's
 * build time and size), the time to produce its 180-day
 * calendar and to check it over 90 days, and the time to check a rota of
 * 1-minute shifts (3 members, a coverage window that cannot be met) over
 * 7 and 90 days, and with the fatigue checks too.  Each check also says
 * how many shifts it went through.  Prints figures; never passes or fails
 * on them.
 * Run by hand: tests/bench/rota [seconds-per-figure]
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "rota.h"
#include "xmalloc.h"

#define BENCH_MEMBERS 50
#define BENCH_OVERRIDES 500

/* 1-minute shifts: 1,440 a day; two needed 09:00-17:00 on weekdays. */
static const char bench_minute[] =
    "name = \"minute\"; timezone = \"Europe/Berlin\";\n"
    "layers = ( { name = \"tick\"; start = \"2025-12-29 00:00\";"
    " shift = \"1m\";\n"
    "  members = [ \"a\", \"b\", \"c\" ]; } );\n"
    "coverage = { minimum = 1;\n"
    "  windows = ( { when = \"Mon-Fri 09:00-17:00\"; minimum = 2; } ); };\n"
    "%s";
static const char bench_fatigue[] =
    "fatigue = { max_consecutive_shifts = 2; weekend_rotation = true;"
    " min_rest = \"2m\"; };\n";

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bench_cat(char **, const char *, ...) printflike(2, 3);

/* Append to a growing string. */
static void
bench_cat(char **s, const char *fmt, ...)
{
	char *more, *next;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&more, fmt, ap) == -1)
		abort();
	va_end(ap);
	xasprintf(&next, "%s%s", *s, more);
	free(more);
	free(*s);
	*s = next;
}

static char *
bench_rota_text(void)
{
	static const char *kinds[] = { "off", "add", "replace" };
	char *s = xstrdup("name = \"bench\"; timezone = \"Europe/Berlin\";\n"
	    "layers = (\n");
	char members[BENCH_MEMBERS * 12 + 1] = "", m[16];
	int i, day, hour;

	for (i = 0; i < BENCH_MEMBERS; i++) {
		snprintf(m, sizeof m, "%s\"p%02d\"", i ? ", " : "", i);
		strcat(members, m);
	}
	bench_cat(&s, "{ name = \"week\"; start = \"2026-01-05 09:00\";"
	    " shift = \"1w\"; members = [ %s ]; },\n", members);
	bench_cat(&s, "{ name = \"day\"; start = \"2026-01-05 08:00\";"
	    " shift = \"1d\"; members = [ %s ]; when = \"Mon-Fri"
	    " 08:00-20:00\"; },\n", members);
	bench_cat(&s, "{ name = \"night\"; start = \"2026-01-05 20:00\";"
	    " shift = \"12h\"; members = [ %s ]; when = \"20:00-08:00\";"
	    " }\n);\noverrides = (\n", members);
	/* 500 overrides over the year, none contradicting another. */
	for (i = 0; i < BENCH_OVERRIDES; i++) {
		day = 1 + i * 365 / BENCH_OVERRIDES;
		hour = (i * 7) % 20;
		bench_cat(&s, "{ kind = \"%s\"; who = \"p%02d\";", kinds[i % 3],
		    i % BENCH_MEMBERS);
		if (i % 3 == 2)
			bench_cat(&s, " with = \"p%02d\";",
			    (i + 1) % BENCH_MEMBERS);
		{
			char from[64], to[64], *line;
			int y = 2026, mo = 1, d = day;
			static const int mdays[] = { 31, 28, 31, 30, 31, 30,
				31, 31, 30, 31, 30, 31 };

			while (d > mdays[mo - 1]) {
				d -= mdays[mo - 1];
				mo++;
			}
			snprintf(from, sizeof from, "%04d-%02d-%02d %02d:00", y,
			    mo, d, hour);
			snprintf(to, sizeof to, "%04d-%02d-%02d %02d:30", y, mo,
			    d, hour + 3);
			xasprintf(&line, " from = \"%s\"; to = \"%s\";"
			    " reason = \"bench\"; }%s\n", from, to,
			    i + 1 < BENCH_OVERRIDES ? "," : "");
			bench_cat(&s, "%s", line);
			free(line);
		}
	}
	bench_cat(&s, ");\n");
	return s;
}

/*
 * Time rota_oncall on r at random instants of [from, from + span) until
 * secs have gone by; microseconds per query.
 */
static double
bench_oncall(const struct rota *r, int64_t from, int64_t span, double secs,
    double *people)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	unsigned long n = 0, x = 12345;
	size_t total = 0;
	double t0, el;

	t0 = bench_now();
	do {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		sh.n = 0;
		rota_oncall(r, from + (int64_t)((x >> 11) % (uint64_t)span),
		    &sh);
		total += sh.n;
		n++;
	} while ((n & 1023) != 0 || (el = bench_now() - t0) < secs);
	rota_shifts_free(&sh);
	*people = (double)total / n;
	return el / n * 1e6;
}

/*
 * The same as the engine asks (engine_resolve_target): a new list each
 * time, and why each person is on call.
 */
static double
bench_engine(const struct rota *r, int64_t from, int64_t span, double secs)
{
	struct rota_shifts sh;
	unsigned long n = 0, x = 12345;
	char why[ROTA_WHY_LEN];
	double t0, el;
	size_t i;

	t0 = bench_now();
	do {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		memset(&sh, 0, sizeof sh);
		rota_oncall(r, from + (int64_t)((x >> 11) % (uint64_t)span),
		    &sh);
		for (i = 0; i < sh.n; i++)
			rota_shift_why(&sh.list[i], why, sizeof why);
		rota_shifts_free(&sh);
		n++;
	} while ((n & 1023) != 0 || (el = bench_now() - t0) < secs);
	return el / n * 1e6;
}

/*
 * The index of r built at now: its build time and size, and who is on
 * call from it next to a scan at the same instants.
 */
static void
bench_index(struct rota *r, int64_t now, double secs)
{
	struct rota_index_stats st;
	struct rota_index *ix;
	unsigned long n = 0;
	double t0, el, direct, indexed, engine, people, p;

	t0 = bench_now();
	do {
		if (rota_index_build(r, now) != 0) {
			fprintf(stderr, "rota_index_build failed\n");
			exit(1);
		}
		n++;
	} while ((el = bench_now() - t0) < secs / 4);
	rota_index_stats(r, &st);
	printf("index: %.1f ms to build (%lu builds), %.1f days, %zu slots,"
	    " %zu shifts, %zu bytes\n", el / n * 1e3, n,
	    (double)(st.to - st.from) / DURATION_DAY, st.nslots, st.nruns,
	    st.bytes);
	indexed = bench_oncall(r, st.from, st.to - st.from, secs, &people);
	engine = bench_engine(r, st.from, st.to - st.from, secs);
	ix = r->index; /* the same instants by a scan */
	r->index = NULL;
	direct = bench_oncall(r, st.from, st.to - st.from, secs, &p);
	r->index = ix;
	printf("who is on call over the index's %.1f days: %.3f us each from"
	    " the index, %.1f us by a scan: %.0fx faster (%.2f people on"
	    " average)\n", (double)(st.to - st.from) / DURATION_DAY, indexed,
	    direct, direct / indexed, people);
	printf("who is on call as the engine asks (new list, why of each):"
	    " %.3f us each from the index\n", engine);
}

/*
 * Time rota_check of r over days days from base: at least once, then
 * again until secs have gone by.
 */
static void
bench_check(const char *what, const struct rota *r, int64_t base, int days,
    double secs)
{
	struct rota_findings f = { NULL, 0, 0 };
	struct rota_shifts sh = { NULL, 0, 0 };
	int64_t to = base + days * DURATION_DAY;
	size_t nfindings = 0;
	unsigned long n = 0;
	double t0, el;

	rota_schedule(r, base, to, NULL, &sh);
	t0 = bench_now();
	do {
		rota_check(r, NULL, base, to, &f);
		nfindings = f.n;
		rota_findings_free(&f);
		memset(&f, 0, sizeof f);
		n++;
	} while ((el = bench_now() - t0) < secs);
	printf("%d-day check, %s: %zu shifts, %zu findings, %.2f ms each"
	    " (%lu runs)\n", days, what, sh.n, nfindings, el / n * 1e3, n);
	rota_shifts_free(&sh);
}

static struct rota *
bench_parse(const char *text)
{
	struct rota *r;
	char *cause = NULL;

	if ((r = rota_parse(text, "bench.conf", &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		exit(1);
	}
	return r;
}

int
main(int argc, char **argv)
{
	struct rota_shifts sh = { NULL, 0, 0 };
	double secs = argc > 1 ? atof(argv[1]) : 2.0, t0, el;
	int64_t base = 1767225600000LL; /* 2026-01-01T00:00Z */
	char *text, *cause = NULL, *ical;
	struct rota *r;
	unsigned long n = 0, x = 12345;
	size_t events = 0, total = 0;
	const char *p;

	text = bench_rota_text();
	t0 = bench_now();
	if ((r = rota_parse(text, "bench.conf", &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	printf("rota: %zu members, %zu layers, %zu overrides; parsed in"
	    " %.1f ms\n", r->layers[0].nmembers, r->nlayers, r->noverrides,
	    (bench_now() - t0) * 1e3);

	t0 = bench_now();
	do {
		/* Random instants over the year of the overrides. */
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		sh.n = 0;
		rota_oncall(r, base + (int64_t)((x >> 11) % (365ULL *
		    DURATION_DAY)), &sh);
		total += sh.n;
		n++;
	} while ((n & 1023) != 0 || (el = bench_now() - t0) < secs);
	printf("who is on call: %lu queries in %.2f s: %.0f queries/s,"
	    " %.1f us each (%.2f people on average)\n", n, el, n / el,
	    el / n * 1e6, (double)total / n);
	rota_shifts_free(&sh);
	/* Built in spring: 60 days of overrides, windows and a DST change. */
	bench_index(r, base + 70 * DURATION_DAY, secs);
	rota_index_drop(r);

	n = 0;
	t0 = bench_now();
	do {
		ical = rota_ical(r, NULL, base, base + 180 * DURATION_DAY,
		    base);
		if (n == 0) {
			for (p = ical; (p = strstr(p, "BEGIN:VEVENT")) != NULL;
			    p++)
				events++;
			total = strlen(ical);
		}
		free(ical);
		n++;
	} while ((el = bench_now() - t0) < secs);
	printf("180-day calendar: %zu events, %zu bytes, %.1f ms each"
	    " (%lu runs)\n", events, total, el / n * 1e3, n);
	bench_check("50 members", r, base, 90, secs);
	rota_free(r);
	free(text);

	xasprintf(&text, bench_minute, "");
	r = bench_parse(text);
	bench_index(r, base + 70 * DURATION_DAY, secs);
	rota_index_drop(r);
	bench_check("1-minute shifts", r, base, 7, secs);
	bench_check("1-minute shifts", r, base, 90, secs);
	rota_free(r);
	free(text);
	xasprintf(&text, bench_minute, bench_fatigue);
	r = bench_parse(text);
	bench_check("1-minute shifts and fatigue checks", r, base, 90, secs);
	rota_free(r);
	free(text);
	return 0;
}
