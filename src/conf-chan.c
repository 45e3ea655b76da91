/* SPDX-License-Identifier: ISC */
/* conf-chan.c: placeholder until the section's parser lands. */
#include "conf.h"
#include "conf-private.h"

void
conf_chan_load(struct conf *c, const config_t *cfg, struct conf_errors *e)
{
}

void
conf_chan_free(struct conf *c)
{
}
