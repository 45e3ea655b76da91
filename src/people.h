/* SPDX-License-Identifier: ISC */
/*
 * people.h: the people file (libconfig): who can be paged and how.
 * Rotas and escalation targets refer to a person by its short id.
 */
#ifndef PEOPLE_H
#define PEOPLE_H

#include <stddef.h>

#include "people-rules.h"

/* One person; every string is owned by the struct people. */
struct person {
	char *id; /* short identifier used in rotas ("alice") */
	char *name;
	char *email; /* NULL when not given, likewise below */
	char *sms; /* E.164: "+" and 2-15 digits */
	char *voice;
	char *chat;
	int line; /* where the entry starts in the file */
	struct people_rules rules; /* "notify", or the default from contacts */
};

struct people {
	char *file;
	struct person *list;
	size_t n;
};

/* people.c */
struct people *people_load(const char *, char **);
struct people *people_parse(const char *, const char *, char **);
void people_free(struct people *);
const struct person *people_find(const struct people *, const char *);
int people_id_is_valid(const char *);
int people_number_is_valid(const char *);

#endif
