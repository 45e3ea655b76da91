/* SPDX-License-Identifier: ISC */
/*
 * oncall.h: the people file and the rotas in force in the daemon,
 * loaded from the paths pagerd.conf names, and replaced as a whole on
 * reload.
 */
#ifndef ONCALL_H
#define ONCALL_H

struct conf;
struct oncall;
struct people;
struct rota_findings;
struct rota_set;

/* oncall.c */
struct oncall *oncall_load(const struct conf *, struct rota_findings *,
    char **);
void oncall_free(struct oncall *);
const struct people *oncall_people(const struct oncall *);
const struct rota_set *oncall_rotas(const struct oncall *);

#endif
