/* SPDX-License-Identifier: ISC */
/* conf-policy.c: placeholder until the section's parser lands. */
#include "conf.h"
#include "conf-private.h"

void
conf_policy_load(struct conf *c, const config_t *cfg, struct conf_errors *e)
{
}

void
conf_policy_free(struct conf *c)
{
}
