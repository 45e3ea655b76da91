/* SPDX-License-Identifier: ISC */
/*
 * oncall.c: load the people file and every rota of rota_dir.  A rota
 * file that fails to parse is left out with its findings reported; a
 * people file that fails to parse fails the whole load, since no rota
 * could then be checked.
 */
#include <stdlib.h>

#include "conf.h"
#include "log.h"
#include "oncall.h"
#include "people.h"
#include "rota.h"
#include "xmalloc.h"

struct oncall {
	struct people *people;
	struct rota_set *rotas;
};

struct oncall *
oncall_load(const struct conf *c, struct rota_findings *f, char **cause)
{
	struct oncall *o = xcalloc(1, sizeof *o);
	char *why;

	if (c->people != NULL &&
	    (o->people = people_load(c->people, &why)) == NULL) {
		xasprintf(cause, "%s", why);
		free(why);
		free(o);
		return NULL;
	}
	o->rotas = rota_set_new();
	if (c->rota_dir != NULL &&
	    rota_set_load_dir(o->rotas, c->rota_dir, f) < 0) {
		xasprintf(cause, "%s: cannot read the rota folder", c->rota_dir);
		oncall_free(o);
		return NULL;
	}
	return o;
}

void
oncall_free(struct oncall *o)
{
	if (o == NULL)
		return;
	people_free(o->people);
	rota_set_free(o->rotas);
	free(o);
}

const struct people *
oncall_people(const struct oncall *o)
{
	return o->people;
}

const struct rota_set *
oncall_rotas(const struct oncall *o)
{
	return o->rotas;
}
