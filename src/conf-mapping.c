/* SPDX-License-Identifier: ISC */
/*
 * conf-mapping.c: the "mapping" group of a mapped integration
 * (format = "mapped"): for each field of the alert, a JSON Pointer (a
 * string), or a group of pointer or template, map and default; details
 * as one pointer or a group of named pointers.  Built into an
 * intake_mapping (intake-mapped.c), which checks each pointer and each
 * map target; every problem is reported at its own line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf-private.h"
#include "intake.h"
#include "xmalloc.h"

/*
 * Report cause at setting s, naming the key path (mapping.priority.map)
 * instead of the field name the cause may begin with.
 */
static void
conf_mapping_error(struct conf_ctx *x, const config_setting_t *s,
    const char *integration, const char *path, int f, char *cause)
{
	const char *why = cause, *field = intake_mapping_field_name(f);
	const char *key = path + strlen("mapping.");
	size_t n = strlen(key);

	if (strncmp(why, key, n) == 0 && why[n] == ':' && why[n + 1] == ' ')
		why += n + 2;
	else if (strncmp(why, field, (n = strlen(field))) == 0 &&
	    why[n] == ':' && why[n + 1] == ' ')
		why += n + 2;
	CERR(x, s, "integrations \"%s\": %s: %s", integration, path, why);
	free(cause);
}

/* A value map: a list of ["from", "to"] pairs. */
static void
conf_mapping_map(struct conf_ctx *x, const config_setting_t *l,
    const char *name, struct intake_mapping *m, int f, const char *field)
{
	const config_setting_t *p;
	const char *from, *to;
	char *cause, path[64];
	int i;

	snprintf(path, sizeof path, "mapping.%s.map", field);
	if (!config_setting_is_list(l) && !config_setting_is_array(l)) {
		CERR(x, l, "integrations \"%s\": %s must be a list of"
		    " [\"from\", \"to\"] pairs", name, path);
		return;
	}
	for (i = 0; (p = config_setting_get_elem(l, i)) != NULL; i++) {
		if (!config_setting_is_array(p) ||
		    config_setting_length(p) != 2 ||
		    (from = config_setting_get_string_elem(p, 0)) == NULL ||
		    (to = config_setting_get_string_elem(p, 1)) == NULL) {
			CERR(x, p, "integrations \"%s\": %s: each entry must be"
			    " [\"from\", \"to\"], two strings", name, path);
			continue;
		}
		if (intake_mapping_add_value(m, f, from, to, &cause) != 0)
			conf_mapping_error(x, p, name, path, f, cause);
	}
}

/* details = "/pointer"; or details = { name = "/pointer"; ... }; */
static void
conf_mapping_details(struct conf_ctx *x, const config_setting_t *s,
    const char *name, struct intake_mapping *m)
{
	const config_setting_t *d;
	char *cause, path[64];
	int i;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (intake_mapping_set_pointer(m, INTAKE_MF_DETAILS,
		    config_setting_get_string(s), &cause) != 0)
			conf_mapping_error(x, s, name, "mapping.details",
			    INTAKE_MF_DETAILS, cause);
		return;
	}
	if (!config_setting_is_group(s)) {
		CERR(x, s, "integrations \"%s\": mapping.details must be a"
		    " pointer or a group of name = pointer", name);
		return;
	}
	for (i = 0; (d = config_setting_get_elem(s, i)) != NULL; i++) {
		snprintf(path, sizeof path, "mapping.details.%s",
		    config_setting_name(d));
		if (config_setting_type(d) != CONFIG_TYPE_STRING)
			CERR(x, d, "integrations \"%s\": %s must be a pointer"
			    " (a string)", name, path);
		else if (intake_mapping_add_detail(m, config_setting_name(d),
		    config_setting_get_string(d), &cause) != 0)
			conf_mapping_error(x, d, name, path, INTAKE_MF_DETAILS,
			    cause);
	}
}

/* One field: "/pointer", or { pointer | template, map, default }. */
static void
conf_mapping_field(struct conf_ctx *x, const config_setting_t *s,
    const char *name, struct intake_mapping *m, int f)
{
	static const char *known[] = { "pointer", "template", "map",
		"default", NULL };
	const char *field = config_setting_name(s), *str;
	const config_setting_t *v;
	char *cause, path[64];
	int i, j;

	snprintf(path, sizeof path, "mapping.%s", field);
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (intake_mapping_set_pointer(m, f,
		    config_setting_get_string(s), &cause) != 0)
			conf_mapping_error(x, s, name, path, f, cause);
		return;
	}
	if (!config_setting_is_group(s)) {
		CERR(x, s, "integrations \"%s\": %s must be a pointer or a"
		    " group { pointer, template, map, default }", name, path);
		return;
	}
	for (i = 0; (v = config_setting_get_elem(s, i)) != NULL; i++) {
		for (j = 0; known[j] != NULL; j++)
			if (strcmp(config_setting_name(v), known[j]) == 0)
				break;
		if (known[j] == NULL)
			CERR(x, v, "integrations \"%s\": unknown key \"%s\" in"
			    " %s (pointer, template, map, default)", name,
			    config_setting_name(v), path);
	}
	if (config_setting_lookup_string(s, "pointer", &str)) {
		v = config_setting_get_member(s, "pointer");
		snprintf(path, sizeof path, "mapping.%s.pointer", field);
		if (intake_mapping_set_pointer(m, f, str, &cause) != 0)
			conf_mapping_error(x, v, name, path, f, cause);
	}
	if (config_setting_lookup_string(s, "template", &str)) {
		v = config_setting_get_member(s, "template");
		snprintf(path, sizeof path, "mapping.%s.template", field);
		if (intake_mapping_set_template(m, f, str, &cause) != 0)
			conf_mapping_error(x, v, name, path, f, cause);
	}
	if ((v = config_setting_get_member(s, "map")) != NULL)
		conf_mapping_map(x, v, name, m, f, field);
	if (config_setting_lookup_string(s, "default", &str)) {
		v = config_setting_get_member(s, "default");
		snprintf(path, sizeof path, "mapping.%s.default", field);
		if (intake_mapping_set_default(m, f, str, &cause) != 0)
			conf_mapping_error(x, v, name, path, f, cause);
	}
	for (j = 0; known[j] != NULL; j++)
		if ((v = config_setting_get_member(s, known[j])) != NULL &&
		    strcmp(known[j], "map") != 0 &&
		    config_setting_type(v) != CONFIG_TYPE_STRING)
			CERR(x, v, "integrations \"%s\": mapping.%s.%s must be"
			    " a string", name, field, known[j]);
}

/*
 * The format and mapping of integration g (named name) into *out: NULL
 * unless format = "mapped", which needs a mapping group.
 */
void
conf_mapping_load(struct conf_ctx *x, const config_setting_t *g,
    const char *name, struct intake_mapping **out)
{
	const config_setting_t *fs, *ms, *s;
	struct intake_mapping *m;
	char *cause;
	int i, f;

	*out = NULL;
	fs = config_setting_get_member(g, "format");
	ms = config_setting_get_member(g, "mapping");
	if (fs == NULL) {
		if (ms != NULL)
			CERR(x, ms, "integrations \"%s\": a mapping needs"
			    " format = \"mapped\"", name);
		return;
	}
	if (config_setting_type(fs) != CONFIG_TYPE_STRING ||
	    strcmp(config_setting_get_string(fs), "mapped") != 0) {
		CERR(x, fs, "integrations \"%s\": format must be \"mapped\"",
		    name);
		return;
	}
	if (ms == NULL || !config_setting_is_group(ms)) {
		CERR(x, ms != NULL ? ms : fs, "integrations \"%s\": format"
		    " \"mapped\" needs a mapping group { ... }", name);
		return;
	}
	m = intake_mapping_new();
	for (i = 0; (s = config_setting_get_elem(ms, i)) != NULL; i++) {
		if ((f = intake_mapping_field(config_setting_name(s))) < 0)
			CERR(x, s, "integrations \"%s\": unknown key \"%s\" in"
			    " mapping (summary, priority, service, dedup_key,"
			    " external_url, action, details)", name,
			    config_setting_name(s));
		else if (f == INTAKE_MF_DETAILS)
			conf_mapping_details(x, s, name, m);
		else
			conf_mapping_field(x, s, name, m, f);
	}
	if (intake_mapping_check(m, &cause) != 0) {
		CERR(x, ms, "integrations \"%s\": mapping.%s", name, cause);
		free(cause);
	}
	*out = m;
}
