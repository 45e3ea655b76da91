/* SPDX-License-Identifier: ISC */
/*
 * people.c: parse the people file into a struct people and look people
 * up by id.  Every problem is reported as "file:line: message"; all of
 * them are collected, one per line, in the cause.
 */
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "people.h"
#include "xmalloc.h"

#define PEOPLE_MAX_ID 64

struct people_errs {
	const char *file;
	char *text;
	int n;
};

static void people_err(struct people_errs *, int, const char *, ...)
    printflike(3, 4);
static int people_parse_config(config_t *, const char *, struct people *,
    struct people_errs *);
static struct people *people_from_config(config_t *, const char *, char **);

/* Keys allowed in one person's group. */
static const char *people_keys[] = {
	"id", "name", "email", "sms", "voice", "chat", "notify",
};

/* Append "file:line: message" to the collected errors. */
static void
people_err(struct people_errs *e, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg, *text;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	xasprintf(&text, "%s%s%s:%d: %s", e->text != NULL ? e->text : "",
	    e->text != NULL ? "\n" : "", e->file, line,
	    msg != NULL ? msg : "out of memory");
	free(msg);
	free(e->text);
	e->text = text;
	e->n++;
}

/* Ids are short and safe to show anywhere: letters, digits, . _ - */
int
people_id_is_valid(const char *id)
{
	size_t len = strlen(id), i;

	if (len == 0 || len > PEOPLE_MAX_ID)
		return 0;
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)id[i]) &&
		    strchr("._-", id[i]) == NULL)
			return 0;
	}
	return 1;
}

/* E.164: "+", a non-zero country code digit, 2 to 15 digits in all. */
int
people_number_is_valid(const char *s)
{
	size_t n = 0;

	if (*s++ != '+' || *s == '0')
		return 0;
	for (; *s != '\0'; s++, n++) {
		if (!isdigit((unsigned char)*s))
			return 0;
	}
	return n >= 2 && n <= 15;
}

/* Check a parsed config and build the people from it. */
static struct people *
people_from_config(config_t *cfg, const char *file, char **cause)
{
	struct people_errs e = { file, NULL, 0 };
	struct people *pp;

	pp = xcalloc(1, sizeof *pp);
	if (people_parse_config(cfg, file, pp, &e) != 0) {
		people_free(pp);
		*cause = e.text;
		return NULL;
	}
	return pp;
}

/* Read and check the people file at path. */
struct people *
people_load(const char *path, char **cause)
{
	struct people *pp = NULL;
	config_t cfg;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	config_init(&cfg);
	if (config_read(&cfg, f) != CONFIG_TRUE)
		xasprintf(cause, "%s:%d: %s", path, config_error_line(&cfg),
		    config_error_text(&cfg));
	else
		pp = people_from_config(&cfg, path, cause);
	fclose(f);
	config_destroy(&cfg);
	return pp;
}

/* Parse people from the text of a file called file (for messages). */
struct people *
people_parse(const char *text, const char *file, char **cause)
{
	struct people *pp = NULL;
	config_t cfg;

	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE)
		xasprintf(cause, "%s:%d: %s", file, config_error_line(&cfg),
		    config_error_text(&cfg));
	else
		pp = people_from_config(&cfg, file, cause);
	config_destroy(&cfg);
	return pp;
}

/* Copy an optional string member of group g; -1 if it is not a string. */
static int
people_string(config_setting_t *g, const char *key, char **out,
    struct people_errs *e)
{
	config_setting_t *s;

	*out = NULL;
	if ((s = config_setting_get_member(g, key)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		people_err(e, config_setting_source_line(s),
		    "%s must be a string", key);
		return -1;
	}
	*out = xstrdup(config_setting_get_string(s));
	return 0;
}

static int
people_parse_config(config_t *cfg, const char *file, struct people *pp,
    struct people_errs *e)
{
	config_setting_t *root, *list, *g, *m;
	struct person *p;
	const char *key;
	char *why, *text;
	int i, j, n, known;
	size_t k, q;

	pp->file = xstrdup(file);
	root = config_root_setting(cfg);
	for (i = 0; i < config_setting_length(root); i++) {
		m = config_setting_get_elem(root, i);
		if (strcmp(config_setting_name(m), "people") != 0)
			people_err(e, config_setting_source_line(m),
			    "unknown key \"%s\"", config_setting_name(m));
	}
	list = config_setting_get_member(root, "people");
	if (list == NULL) {
		people_err(e, 1, "no people list");
		return -1;
	}
	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		people_err(e, config_setting_source_line(list),
		    "people must be a list: people = ( { ... }, ... );");
		return -1;
	}
	n = config_setting_length(list);
	pp->list = xcalloc(n > 0 ? (size_t)n : 1, sizeof *pp->list);
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, i);
		p = &pp->list[pp->n++];
		p->line = config_setting_source_line(g);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			people_err(e, p->line, "person %d is not a group", i + 1);
			continue;
		}
		for (j = 0; j < config_setting_length(g); j++) {
			m = config_setting_get_elem(g, j);
			key = config_setting_name(m);
			for (known = 0, k = 0; k < nitems(people_keys); k++)
				known |= strcmp(key, people_keys[k]) == 0;
			if (!known)
				people_err(e, config_setting_source_line(m),
				    "unknown key \"%s\" in person", key);
		}
		if (people_string(g, "id", &p->id, e) != 0 ||
		    people_string(g, "name", &p->name, e) != 0 ||
		    people_string(g, "email", &p->email, e) != 0 ||
		    people_string(g, "sms", &p->sms, e) != 0 ||
		    people_string(g, "voice", &p->voice, e) != 0 ||
		    people_string(g, "chat", &p->chat, e) != 0)
			continue;
		if (p->id == NULL) {
			people_err(e, p->line, "person without an id");
			continue;
		}
		if (!people_id_is_valid(p->id)) {
			people_err(e, p->line, "bad id \"%s\": use up to %d"
			    " letters, digits, '.', '_' or '-'", p->id,
			    PEOPLE_MAX_ID);
			continue;
		}
		if (p->name == NULL)
			p->name = xstrdup(p->id);
		if (people_rules_parse(g, file, &p->rules, &why) != 0) {
			/* already "file:line: message" lines */
			xasprintf(&text, "%s%s%s", e->text != NULL ? e->text :
			    "", e->text != NULL ? "\n" : "", why);
			free(e->text);
			e->text = text;
			e->n++;
			free(why);
		} else if (p->rules.n == 0)
			people_rules_default(&p->rules, p->email != NULL,
			    p->sms != NULL, p->voice != NULL, p->chat != NULL);
		if (p->email != NULL && (strchr(p->email, '@') == NULL ||
		    strpbrk(p->email, " \t\r\n<>") != NULL))
			people_err(e, p->line, "person %s: bad email \"%s\"",
			    p->id, p->email);
		if (p->sms != NULL && !people_number_is_valid(p->sms))
			people_err(e, p->line, "person %s: bad sms number"
			    " \"%s\": use E.164 such as +15555550101", p->id,
			    p->sms);
		if (p->voice != NULL && !people_number_is_valid(p->voice))
			people_err(e, p->line, "person %s: bad voice number"
			    " \"%s\": use E.164 such as +15555550101", p->id,
			    p->voice);
		for (q = 0; q + 1 < pp->n; q++) {
			if (pp->list[q].id != NULL &&
			    strcmp(pp->list[q].id, p->id) == 0) {
				people_err(e, p->line, "duplicate id \"%s\""
				    " (first at line %d)", p->id,
				    pp->list[q].line);
				break;
			}
		}
	}
	return e->n == 0 ? 0 : -1;
}

void
people_free(struct people *pp)
{
	size_t i;

	if (pp == NULL)
		return;
	for (i = 0; i < pp->n; i++) {
		free(pp->list[i].id);
		free(pp->list[i].name);
		free(pp->list[i].email);
		free(pp->list[i].sms);
		free(pp->list[i].voice);
		free(pp->list[i].chat);
		people_rules_clear(&pp->list[i].rules);
	}
	free(pp->list);
	free(pp->file);
	free(pp);
}

/* The person with this id, or NULL. */
const struct person *
people_find(const struct people *pp, const char *id)
{
	size_t i;

	if (pp == NULL)
		return NULL;
	for (i = 0; i < pp->n; i++) {
		if (pp->list[i].id != NULL && strcmp(pp->list[i].id, id) == 0)
			return &pp->list[i];
	}
	return NULL;
}
