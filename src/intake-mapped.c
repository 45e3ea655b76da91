/* SPDX-License-Identifier: ISC */
/*
 * intake-mapped.c: the mapped intake: an alert taken from any JSON
 * webhook (a helpdesk's ticket event) by a mapping from pagerd.conf.
 * Each field of the alert comes from a JSON Pointer into the body, or a
 * template of pointers and text, through an optional value map ("3 high"
 * -> P1, "closed" -> resolve), else from its default.  A body that does
 * not fit is refused with a cause naming the field and the pointer.
 * The mapping is built (and every pointer and map target checked) when
 * the config is read; the parser is pure.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert.h"
#include "compat.h"
#include "intake.h"
#include "intake-private.h"
#include "jsonptr.h"
#include "xmalloc.h"

#define INTAKE_MAPPED_MAP_MAX 256   /* entries of one value map */
#define INTAKE_MAPPED_DETAILS_MAX 64 /* named details */
#define INTAKE_MAPPED_SHOWN 64      /* bytes of a value quoted in a cause */

/* A piece of a template: literal text, or a pointer to fill in. */
struct intake_mapped_part {
	char *text;
	int pointer;
};

struct intake_mapped_pair {
	char *from;
	char *to;
};

/* Where one field comes from. */
struct intake_mapped_src {
	char *spec; /* the pointer or the template as written; NULL: none */
	struct intake_mapped_part *parts;
	size_t nparts;
	struct intake_mapped_pair *map;
	size_t nmap;
	char *def; /* the default, or NULL */
};

struct intake_mapped_detail {
	char *name;
	char *pointer;
};

struct intake_mapping {
	struct intake_mapped_src f[INTAKE_MF_COUNT];
	struct intake_mapped_detail *details; /* details as named pointers */
	size_t ndetails;
};

static const char *intake_mapped_fields[INTAKE_MF_COUNT] = {
	"summary", "priority", "service", "dedup_key", "external_url",
	"action", "details"
};

static const char *intake_mapped_actions[] = { "trigger", "acknowledge",
	"resolve" };

struct intake_mapping *
intake_mapping_new(void)
{
	return xcalloc(1, sizeof (struct intake_mapping));
}

void
intake_mapping_free(struct intake_mapping *m)
{
	struct intake_mapped_src *f;
	size_t i, j;

	if (m == NULL)
		return;
	for (i = 0; i < INTAKE_MF_COUNT; i++) {
		f = &m->f[i];
		free(f->spec);
		for (j = 0; j < f->nparts; j++)
			free(f->parts[j].text);
		free(f->parts);
		for (j = 0; j < f->nmap; j++) {
			free(f->map[j].from);
			free(f->map[j].to);
		}
		free(f->map);
		free(f->def);
	}
	for (i = 0; i < m->ndetails; i++) {
		free(m->details[i].name);
		free(m->details[i].pointer);
	}
	free(m->details);
	free(m);
}

/* The field called name (INTAKE_MF_*), or -1. */
int
intake_mapping_field(const char *name)
{
	int i;

	for (i = 0; i < INTAKE_MF_COUNT; i++)
		if (strcmp(name, intake_mapped_fields[i]) == 0)
			return i;
	return -1;
}

const char *
intake_mapping_field_name(int f)
{
	return f >= 0 && f < INTAKE_MF_COUNT ? intake_mapped_fields[f] : "?";
}

/* The action a word stands for, or -1. */
static int
intake_mapped_action(const char *s)
{
	size_t i;

	for (i = 0; i < nitems(intake_mapped_actions); i++)
		if (strcasecmp(s, intake_mapped_actions[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * 0 if v may be what field f is set to (a map's target or a default),
 * else -1 with *cause saying what it must be.
 */
static int
intake_mapped_target(int f, const char *v, char **cause)
{
	const char *name = intake_mapped_fields[f];

	switch (f) {
	case INTAKE_MF_PRIORITY:
		if (alert_priority_parse(v) < 0) {
			xasprintf(cause, "%s: \"%s\" is not a priority (P1 to"
			    " P4)", name, v);
			return -1;
		}
		return 0;
	case INTAKE_MF_ACTION:
		if (intake_mapped_action(v) < 0) {
			xasprintf(cause, "%s: \"%s\" is not trigger,"
			    " acknowledge or resolve", name, v);
			return -1;
		}
		return 0;
	case INTAKE_MF_EXTERNAL_URL:
		if (!intake_link_ok(v, strlen(v), 0)) {
			xasprintf(cause, "%s: \"%s\" is not an http or https"
			    " URL", name, v);
			return -1;
		}
		return 0;
	case INTAKE_MF_DETAILS:
		xasprintf(cause, "details takes pointers only, no map or"
		    " default");
		return -1;
	}
	if (*v == '\0' || strlen(v) > (f == INTAKE_MF_SUMMARY ?
	    ALERT_SUMMARY_MAX : ALERT_KEY_MAX)) {
		xasprintf(cause, "%s: \"%s\" must be 1 to %d bytes", name, v,
		    f == INTAKE_MF_SUMMARY ? ALERT_SUMMARY_MAX : ALERT_KEY_MAX);
		return -1;
	}
	return 0;
}

static int
intake_mapped_check_field(int f, char **cause)
{
	if (f < 0 || f >= INTAKE_MF_COUNT) {
		xasprintf(cause, "no such field");
		return -1;
	}
	return 0;
}

static void
intake_mapped_add_part(struct intake_mapped_src *src, const char *s,
    size_t len, int pointer)
{
	src->parts = xreallocarray(src->parts, src->nparts + 1,
	    sizeof *src->parts);
	src->parts[src->nparts].text = xstrndup(s, len);
	src->parts[src->nparts++].pointer = pointer;
}

/* Field f comes from the value at pointer p. */
int
intake_mapping_set_pointer(struct intake_mapping *m, int f, const char *p,
    char **cause)
{
	struct intake_mapped_src *src;
	char *why;

	if (intake_mapped_check_field(f, cause) != 0)
		return -1;
	src = &m->f[f];
	if (src->spec != NULL) {
		xasprintf(cause, "%s: give one pointer or template",
		    intake_mapped_fields[f]);
		return -1;
	}
	if (jsonptr_check(p, &why) != 0) {
		xasprintf(cause, "%s: \"%s\": %s", intake_mapped_fields[f], p,
		    why);
		free(why);
		return -1;
	}
	src->spec = xstrdup(p);
	intake_mapped_add_part(src, p, strlen(p), 1);
	return 0;
}

/*
 * Field f is the text of template t, in which each {pointer} is replaced
 * by the value it points to ("#{/ticket/number} {/ticket/title}").
 */
int
intake_mapping_set_template(struct intake_mapping *m, int f, const char *t,
    char **cause)
{
	struct intake_mapped_src *src;
	const char *s = t, *open, *close;
	char *p, *why;
	int n = 0;

	if (intake_mapped_check_field(f, cause) != 0)
		return -1;
	src = &m->f[f];
	if (src->spec != NULL || f == INTAKE_MF_DETAILS) {
		xasprintf(cause, "%s: give one pointer%s",
		    intake_mapped_fields[f], f == INTAKE_MF_DETAILS ? "" :
		    " or template");
		return -1;
	}
	while ((open = strchr(s, '{')) != NULL) {
		if ((close = strchr(open, '}')) == NULL) {
			xasprintf(cause, "%s: template \"%s\": \"{\" at byte"
			    " %zu is not closed", intake_mapped_fields[f], t,
			    (size_t)(open - t) + 1);
			goto fail;
		}
		if (open > s)
			intake_mapped_add_part(src, s, open - s, 0);
		p = xstrndup(open + 1, close - open - 1);
		if (*p == '\0' || jsonptr_check(p, &why) != 0) {
			if (*p == '\0')
				why = xstrdup("empty pointer");
			xasprintf(cause, "%s: template \"%s\": {%s}: %s",
			    intake_mapped_fields[f], t, p, why);
			free(why);
			free(p);
			goto fail;
		}
		intake_mapped_add_part(src, p, strlen(p), 1);
		free(p);
		n++;
		s = close + 1;
	}
	if (strchr(s, '}') != NULL || n == 0) {
		xasprintf(cause, "%s: template \"%s\" needs a {pointer}, and"
		    " no \"}\" outside one", intake_mapped_fields[f], t);
		goto fail;
	}
	if (*s != '\0')
		intake_mapped_add_part(src, s, strlen(s), 0);
	src->spec = xstrdup(t);
	return 0;
fail:
	while (src->nparts > 0)
		free(src->parts[--src->nparts].text);
	free(src->parts);
	src->parts = NULL;
	return -1;
}

/* In field f's value map, from (compared without case) stands for to. */
int
intake_mapping_add_value(struct intake_mapping *m, int f, const char *from,
    const char *to, char **cause)
{
	struct intake_mapped_src *src;
	size_t i;

	if (intake_mapped_check_field(f, cause) != 0 ||
	    intake_mapped_target(f, to, cause) != 0)
		return -1;
	src = &m->f[f];
	if (src->nmap == INTAKE_MAPPED_MAP_MAX) {
		xasprintf(cause, "%s: a map has at most %d entries",
		    intake_mapped_fields[f], INTAKE_MAPPED_MAP_MAX);
		return -1;
	}
	for (i = 0; i < src->nmap; i++)
		if (strcasecmp(src->map[i].from, from) == 0) {
			xasprintf(cause, "%s: \"%s\" is in the map twice",
			    intake_mapped_fields[f], from);
			return -1;
		}
	src->map = xreallocarray(src->map, src->nmap + 1, sizeof *src->map);
	src->map[src->nmap].from = xstrdup(from);
	src->map[src->nmap++].to = xstrdup(to);
	return 0;
}

/* Field f is v where the body has no value for it, or one not mapped. */
int
intake_mapping_set_default(struct intake_mapping *m, int f, const char *v,
    char **cause)
{
	if (intake_mapped_check_field(f, cause) != 0 ||
	    intake_mapped_target(f, v, cause) != 0)
		return -1;
	free(m->f[f].def);
	m->f[f].def = xstrdup(v);
	return 0;
}

/* details.name is the value at pointer p, if there is one. */
int
intake_mapping_add_detail(struct intake_mapping *m, const char *name,
    const char *p, char **cause)
{
	char *why;
	size_t i;

	if (m->f[INTAKE_MF_DETAILS].spec != NULL) {
		xasprintf(cause, "details: give one pointer or named ones");
		return -1;
	}
	if (m->ndetails == INTAKE_MAPPED_DETAILS_MAX) {
		xasprintf(cause, "details: at most %d",
		    INTAKE_MAPPED_DETAILS_MAX);
		return -1;
	}
	for (i = 0; i < m->ndetails; i++)
		if (strcmp(m->details[i].name, name) == 0) {
			xasprintf(cause, "details: \"%s\" twice", name);
			return -1;
		}
	if (jsonptr_check(p, &why) != 0) {
		xasprintf(cause, "details.%s: \"%s\": %s", name, p, why);
		free(why);
		return -1;
	}
	m->details = xreallocarray(m->details, m->ndetails + 1,
	    sizeof *m->details);
	m->details[m->ndetails].name = xstrdup(name);
	m->details[m->ndetails++].pointer = xstrdup(p);
	return 0;
}

/*
 * 0 if the mapping can make an alert: a summary (from the body or a
 * default), and a dedup_key if the action may be other than trigger.
 */
int
intake_mapping_check(const struct intake_mapping *m, char **cause)
{
	const struct intake_mapped_src *a = &m->f[INTAKE_MF_ACTION];

	if (m->f[INTAKE_MF_SUMMARY].spec == NULL &&
	    m->f[INTAKE_MF_SUMMARY].def == NULL) {
		xasprintf(cause, "summary: needs a pointer, a template or a"
		    " default");
		return -1;
	}
	if ((a->spec != NULL || (a->def != NULL &&
	    intake_mapped_action(a->def) != INTAKE_TRIGGER)) &&
	    m->f[INTAKE_MF_DEDUP_KEY].spec == NULL) {
		xasprintf(cause, "action: acknowledge and resolve need a"
		    " dedup_key pointer or template");
		return -1;
	}
	if (a->spec == NULL && a->def == NULL && a->nmap > 0) {
		xasprintf(cause, "action: a map needs a pointer");
		return -1;
	}
	return 0;
}

/* Is v no value: nothing there, null or ""? */
static int
intake_mapped_none(json_t *v)
{
	return v == NULL || json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0);
}

/* A short, printable copy of a value for a cause. */
static char *
intake_mapped_shown(const char *v)
{
	return intake_clean_text(v, INTAKE_MAPPED_SHOWN);
}

/*
 * The scalar v as text into *out; -1 (with *cause naming field and
 * pointer) if it is an object, an array or a string holding a NUL.
 */
static int
intake_mapped_scalar(json_t *v, int f, const char *p, char **out,
    char **cause)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (strlen(json_string_value(v)) == json_string_length(v)) {
			*out = xstrdup(json_string_value(v));
			return 0;
		}
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		*out = json_dumps(v, JSON_ENCODE_ANY);
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		*out = xstrdup(json_is_true(v) ? "true" : "false");
		return 0;
	default:
		break;
	}
	xasprintf(cause, "%s: \"%s\" must be a string, a number or a boolean",
	    intake_mapped_fields[f], p);
	return -1;
}

/*
 * The value of field f in doc into *out (NULL if the body has none;
 * *missing then names the first pointer that found nothing), before its
 * map.  A null or "" is no value.  -1 with *cause if it is not a scalar.
 */
static int
intake_mapped_value(json_t *doc, const struct intake_mapped_src *src,
    int f, char **out, const char **missing, char **cause)
{
	char *buf = NULL, *v, *t;
	json_t *j;
	size_t i;

	*out = NULL;
	*missing = src->spec;
	for (i = 0; i < src->nparts; i++) {
		if (!src->parts[i].pointer) {
			v = xstrdup(src->parts[i].text);
			goto add;
		}
		j = jsonptr_get(doc, src->parts[i].text);
		if (intake_mapped_none(j)) {
			*missing = src->parts[i].text;
			free(buf);
			return 0;
		}
		if (intake_mapped_scalar(j, f, src->parts[i].text, &v,
		    cause) != 0) {
			free(buf);
			return -1;
		}
add:
		if (buf == NULL)
			buf = v;
		else {
			xasprintf(&t, "%s%s", buf, v);
			free(buf);
			free(v);
			buf = t;
		}
	}
	*out = buf;
	return 0;
}

/*
 * The value of field f after its map and default, into *out (NULL: none,
 * and no default).  -1 with *cause if it is of the wrong type, or not in
 * the map and there is no default.
 */
static int
intake_mapped_get(json_t *doc, const struct intake_mapping *m, int f,
    char **out, const char **missing, char **cause)
{
	const struct intake_mapped_src *src = &m->f[f];
	char *v, *shown;
	size_t i;

	if (intake_mapped_value(doc, src, f, &v, missing, cause) != 0)
		return -1;
	if (v != NULL && src->nmap > 0) {
		for (i = 0; i < src->nmap; i++)
			if (strcasecmp(src->map[i].from, v) == 0)
				break;
		if (i < src->nmap) {
			free(v);
			v = xstrdup(src->map[i].to);
		} else if (src->def == NULL) {
			shown = intake_mapped_shown(v);
			xasprintf(cause, "%s: \"%s\" is \"%s\", which its map"
			    " does not have, and there is no default",
			    intake_mapped_fields[f], src->spec, shown);
			free(shown);
			free(v);
			return -1;
		} else {
			free(v);
			v = NULL;
		}
	}
	if (v == NULL && src->def != NULL)
		v = xstrdup(src->def);
	*out = v;
	return 0;
}

/*
 * details: the value at one pointer, or an object of the named ones
 * that have a value.
 */
static void
intake_mapped_details(json_t *doc, const struct intake_mapping *m,
    struct alert_new *an)
{
	json_t *d, *v;
	size_t i;

	if (m->f[INTAKE_MF_DETAILS].spec != NULL) {
		v = jsonptr_get(doc, m->f[INTAKE_MF_DETAILS].spec);
		if (intake_mapped_none(v))
			return;
		d = json_is_object(v) ? json_incref(v) :
		    json_pack("{s:O}", "value", v);
	} else if (m->ndetails > 0) {
		d = json_object();
		for (i = 0; i < m->ndetails; i++)
			if (!intake_mapped_none(v = jsonptr_get(doc,
			    m->details[i].pointer)))
				json_object_set(d, m->details[i].name, v);
	} else
		return;
	if (d != NULL && json_object_size(d) > 0)
		an->details = json_dumps(d, JSON_COMPACT);
	json_decref(d);
}

void
intake_mapped_clear(struct intake_mapped *mp)
{
	alert_new_clear(&mp->an);
	memset(mp, 0, sizeof *mp);
}

/*
 * Parse a body posted to a mapped integration.  On error return -1
 * with *cause naming the field and the pointer that failed (answered
 * 400), mp left empty.
 */
int
intake_mapped_parse(const char *buf, size_t len,
    const struct intake_defaults *def, const struct intake_mapping *m,
    struct intake_mapped *mp, char **cause)
{
	struct alert_new *an = &mp->an;
	char *v[INTAKE_MF_DETAILS], *shown;
	const char *missing[INTAKE_MF_DETAILS];
	json_t *doc;
	size_t n;
	int f, act, bad = -1;

	memset(mp, 0, sizeof *mp);
	memset(v, 0, sizeof v);
	doc = intake_json_object(buf, len, JSON_REJECT_DUPLICATES, cause);
	if (doc == NULL)
		return -1;
	for (f = 0; f < INTAKE_MF_DETAILS; f++)
		if (intake_mapped_get(doc, m, f, &v[f], &missing[f],
		    cause) != 0)
			goto fail;

	mp->action = INTAKE_TRIGGER;
	if (v[INTAKE_MF_ACTION] != NULL) {
		if ((act = intake_mapped_action(v[INTAKE_MF_ACTION])) < 0) {
			bad = INTAKE_MF_ACTION;
			goto bad_value;
		}
		mp->action = act;
	}
	if (v[INTAKE_MF_DEDUP_KEY] != NULL) {
		if (strlen(v[INTAKE_MF_DEDUP_KEY]) > ALERT_KEY_MAX) {
			bad = INTAKE_MF_DEDUP_KEY;
			goto bad_value;
		}
		an->dedup_key = intake_clean_text(v[INTAKE_MF_DEDUP_KEY],
		    ALERT_KEY_MAX);
	} else if (mp->action != INTAKE_TRIGGER) {
		xasprintf(cause, "dedup_key: nothing at \"%s\", and %s needs"
		    " one", missing[INTAKE_MF_DEDUP_KEY] != NULL ?
		    missing[INTAKE_MF_DEDUP_KEY] : "",
		    intake_mapped_actions[mp->action]);
		goto fail;
	}
	if (v[INTAKE_MF_SERVICE] != NULL) {
		if (strlen(v[INTAKE_MF_SERVICE]) > ALERT_KEY_MAX) {
			bad = INTAKE_MF_SERVICE;
			goto bad_value;
		}
		an->service = intake_clean_text(v[INTAKE_MF_SERVICE],
		    ALERT_KEY_MAX);
	} else
		an->service = xstrdup(def->service);
	/* acknowledge and resolve need no more: they act on an alert */
	if (mp->action != INTAKE_TRIGGER)
		goto done;

	if (v[INTAKE_MF_SUMMARY] == NULL) {
		xasprintf(cause, "summary: nothing at \"%s\", and no default",
		    missing[INTAKE_MF_SUMMARY]);
		goto fail;
	}
	n = intake_utf8_prefix(v[INTAKE_MF_SUMMARY], ALERT_SUMMARY_MAX);
	an->summary = intake_clean_text(v[INTAKE_MF_SUMMARY], n);
	an->priority = def->priority;
	if (v[INTAKE_MF_PRIORITY] != NULL &&
	    (an->priority = alert_priority_parse(v[INTAKE_MF_PRIORITY])) < 0) {
		bad = INTAKE_MF_PRIORITY;
		goto bad_value;
	}
	if (v[INTAKE_MF_EXTERNAL_URL] != NULL) {
		if (!intake_link_ok(v[INTAKE_MF_EXTERNAL_URL],
		    strlen(v[INTAKE_MF_EXTERNAL_URL]), 0)) {
			bad = INTAKE_MF_EXTERNAL_URL;
			goto bad_value;
		}
		an->external_url = xstrdup(v[INTAKE_MF_EXTERNAL_URL]);
	}
	intake_mapped_details(doc, m, an);
done:
	for (f = 0; f < INTAKE_MF_DETAILS; f++)
		free(v[f]);
	json_decref(doc);
	return 0;
bad_value:
	shown = intake_mapped_shown(v[bad]);
	xasprintf(cause, "%s: \"%s\" is \"%s\"%s, which is not %s",
	    intake_mapped_fields[bad], m->f[bad].spec != NULL ?
	    m->f[bad].spec : "", shown, strlen(v[bad]) > strlen(shown) ?
	    "..." : "", bad == INTAKE_MF_ACTION ? "trigger, acknowledge or"
	    " resolve" : bad == INTAKE_MF_PRIORITY ? "a priority (P1 to P4):"
	    " map it" : bad == INTAKE_MF_EXTERNAL_URL ? "an http or https URL"
	    " of at most 2048 bytes" : "at most 255 bytes");
	free(shown);
fail:
	for (f = 0; f < INTAKE_MF_DETAILS; f++)
		free(v[f]);
	json_decref(doc);
	intake_mapped_clear(mp);
	return -1;
}
