/* SPDX-License-Identifier: ISC */
/*
 * rota.h: rotas (one libconfig file each) and the pure queries on them:
 * who is on call at t and why, the shifts of a window, validation
 * findings and an iCalendar feed.  Every instant is UTC milliseconds and
 * is passed in: nothing here reads the clock or does I/O after loading.
 */
#ifndef ROTA_H
#define ROTA_H

#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "tz.h"

struct people;
struct rota_index;

#define ROTA_NONE INT64_MAX /* "no such instant" */
#define ROTA_MAX_BACKUP 8 /* backup chain depth followed */

/*
 * A weekly window in local time: starts on each weekday in days at start
 * minutes after midnight, ends ndays later at end minutes after midnight
 * ("Mon-Fri 20:00-08:00": ndays 1, end 480).
 */
struct rota_span {
	int days; /* bit (1 << wday), wday 0 is Sunday */
	int start; /* 0..1439 */
	int ndays; /* 0..7 */
	int end; /* 0..1440 */
};

enum rota_shift_unit {
	ROTA_ELAPSED, /* "12h": shifts are exact lengths of time */
	ROTA_CALENDAR, /* "1d", "1w": handoffs at the same wall-clock time */
};

struct rota_layer {
	char *name;
	int line;
	struct tz_local start_local;
	int64_t start; /* first handoff */
	int64_t end; /* ROTA_NONE when open-ended */
	enum rota_shift_unit unit;
	int64_t shift_ms; /* ROTA_ELAPSED */
	int shift_days; /* ROTA_CALENDAR */
	char **members;
	size_t nmembers;
	int members_line;
	struct rota_span *when; /* on call only inside these; none: always */
	size_t nwhen;
};

enum rota_override_kind {
	ROTA_REPLACE, /* who is replaced by with */
	ROTA_ADD, /* who is on call as well */
	ROTA_OFF, /* who is not on call, whatever else says so */
};

struct rota_override {
	enum rota_override_kind kind;
	char *who;
	char *with; /* ROTA_REPLACE only */
	char *reason; /* may be NULL except for ROTA_OFF */
	int64_t from; /* [from, to) */
	int64_t to;
	int line;
};

struct rota_window {
	struct rota_span span;
	char *text;
	int minimum;
	int line;
};

struct rota {
	char *file;
	char *name;
	char *tzname;
	struct tz *tz;
	struct rota_layer *layers;
	size_t nlayers;
	int layers_line;
	struct rota_override *overrides;
	size_t noverrides;
	char *backup; /* name, or NULL */
	int backup_line;
	const struct rota *backup_rota; /* set by rota_set_link() */

	int minimum; /* coverage, default 1 */
	int coverage_line;
	struct rota_window *windows;
	size_t nwindows;

	int max_consecutive; /* 0: no limit */
	int max_consecutive_line;
	int weekend_rotation;
	int weekend_line;
	int64_t min_rest; /* 0: no minimum */
	int min_rest_line;
	int strict; /* fatigue findings are errors */

	struct rota_index *index; /* rota_index_build(), or NULL */
};

/* All rotas loaded from a directory; backups resolve within the set. */
struct rota_set {
	struct rota **list;
	size_t n;
};

/* One person's stretch on call, with where it came from. */
struct rota_shift {
	const char *person; /* borrowed from the rota */
	int64_t start;
	int64_t end;
	const struct rota *rota; /* the rota that supplied it */
	const struct rota_layer *layer; /* NULL for ROTA_ADD */
	const struct rota_override *override; /* NULL unless an override */
	int backup; /* 1 if rota is a backup of the rota asked about */
};

#define ROTA_WHY_LEN 256 /* rota_shift_why(): enough for any */

struct rota_shifts {
	struct rota_shift *list;
	size_t n;
	size_t size;
};

enum rota_severity {
	ROTA_WARNING,
	ROTA_ERROR,
};

struct rota_finding {
	char *file;
	int line;
	enum rota_severity severity;
	char *message;
};

struct rota_findings {
	struct rota_finding *list;
	size_t n;
	size_t nerrors;
};

/* rota-parse.c */
struct rota *rota_load(const char *, char **);
struct rota *rota_parse(const char *, const char *, char **);
struct rota *rota_load_findings(const char *, struct rota_findings *);
struct rota *rota_parse_findings(const char *, const char *,
    struct rota_findings *);
void rota_free(struct rota *);

/* rota-span.c */
int rota_span_parse(const char *, struct rota_span *, char **);
int rota_local_parse(const char *, struct tz_local *, char **);

/* rota-set.c */
struct rota_set *rota_set_new(void);
void rota_set_free(struct rota_set *);
int rota_set_add(struct rota_set *, struct rota *, char **);
struct rota *rota_set_find(const struct rota_set *, const char *);
struct rota *rota_set_remove(struct rota_set *, const char *);
int rota_set_load_dir(struct rota_set *, const char *, struct rota_findings *);
int rota_set_link(struct rota_set *, struct rota_findings *);
size_t rota_set_index(struct rota_set *, int64_t); /* build those due */

/* rota-findings.c */
void rota_findings_add(struct rota_findings *, const char *, int,
    enum rota_severity, const char *, ...) printflike(5, 6);
void rota_findings_free(struct rota_findings *);
char *rota_finding_format(const struct rota_finding *);

/* rota.c */
int rota_schedule(const struct rota *, int64_t, int64_t, const char *,
    struct rota_shifts *);
int64_t rota_next_handoff(const struct rota *, int64_t);
int rota_span_contains(const struct tz *, const struct rota_span *, int64_t);
int64_t rota_span_next_edge(const struct tz *, const struct rota_span *,
    int64_t);
int64_t rota_layer_handoff(const struct rota *, const struct rota_layer *,
    int64_t);
int64_t rota_layer_slot(const struct rota *, const struct rota_layer *,
    int64_t);
void rota_shifts_free(struct rota_shifts *);
char *rota_shift_why(const struct rota_shift *, char *, size_t);
char *rota_format_local(const struct rota *, int64_t, char *, size_t);

/* What an index holds (rota_index_stats()). */
struct rota_index_stats {
	int64_t from; /* rota_oncall() answers from the index in [from, to) */
	int64_t to;
	size_t nslots; /* stretches with the same people on call */
	size_t nruns; /* shifts */
	size_t bytes; /* memory held */
};

/*
 * rota-index.c: who is on call worked out in advance, from an hour before
 * now to 60 days after (less for rotas that change very often), so that
 * rota_oncall() is a binary search; its answers are a scan's.
 */
int rota_oncall(const struct rota *, int64_t, struct rota_shifts *);
/* The index's answer alone: -1 outside it (tests compare it to a scan). */
int rota_index_oncall(const struct rota *, int64_t, struct rota_shifts *);
int rota_index_build(struct rota *, int64_t); /* at now; backups linked */
void rota_index_drop(struct rota *); /* back to scanning */
int rota_index_due(const struct rota *, int64_t); /* rebuild at now? */
int rota_index_stats(const struct rota *, struct rota_index_stats *);

/* rota-check.c */
void rota_check(const struct rota *, const struct people *, int64_t,
    int64_t, struct rota_findings *);

/* rota-ical.c */
char *rota_ical(const struct rota *, const struct people *, int64_t,
    int64_t, int64_t);
char *rota_ical_person(const struct rota_set *, const struct people *,
    const char *, int64_t, int64_t, int64_t);

#endif
