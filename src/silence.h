/* SPDX-License-Identifier: ISC */
/*
 * silence.h: silences, the on-purpose quiet of maintenance.  A silence
 * is a set of matchers (every one given must match an alert), a window
 * [starts_at, ends_at) and what happens to the alerts it held when it
 * ends.  Pure: parsing, validation, matching and the JSON form; the
 * engine (engine-silence.c) keeps them on the loop, the store keeps
 * them on disk (store-silence.c).
 */
#ifndef SILENCE_H
#define SILENCE_H

#include <stddef.h>
#include <stdint.h>

struct json_t;

#define SILENCE_COMMENT_MAX 1024
#define SILENCE_LABELS_MAX 16
#define SILENCE_PATTERN_MAX 1024 /* bytes of the summary glob */

struct silence_label {
	char *name;
	char *value;
};

struct silence {
	int64_t id;		/* 0 until stored */
	/* matchers: NULL (0 for priority) means "any" */
	char *service;
	int priority;
	char *dedup_key;
	char *summary;		/* fnmatch(3) glob over the whole summary */
	char *source;
	struct silence_label *labels;
	size_t nlabels;

	int64_t starts_ms;
	int64_t ends_ms;
	int64_t created_ms;
	int64_t expired_ms;	/* 0: not expired early (DELETE) */
	char *comment;
	char *creator;		/* the API key's name */
	char *window;		/* the maintenance window that made it */
	int page_on_expiry;	/* page what it held, if still unacked */
};

/* What a silence is matched against: an alert's fields, borrowed. */
struct silence_subject {
	const char *service;
	int priority;
	const char *dedup_key;
	const char *summary;
	const char *source;
	const char *details; /* JSON object text, or NULL */
};

/* silence.c */
int silence_parse(const char *, size_t, int64_t, struct silence *, char **);
int silence_validate(const struct silence *, int64_t, char **);
int silence_check_matchers(const struct silence *, char **);
int silence_match(const struct silence *, const struct silence_subject *);
int silence_active(const struct silence *, int64_t);
int silence_overlaps(const struct silence *, const struct silence *);
int64_t silence_end(const struct silence *);
const char *silence_state(const struct silence *, int64_t);
struct json_t *silence_matchers_json(const struct silence *);
int silence_matchers_load(struct silence *, const char *, char **);
struct json_t *silence_json(const struct silence *, int64_t);
void silence_clear(struct silence *);
void silence_copy(struct silence *, const struct silence *);

#endif
