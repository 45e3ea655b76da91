/* SPDX-License-Identifier: ISC */
/*
 * chan-chat.c: chat webhooks: Slack and Mattermost incoming webhooks,
 * Microsoft Teams Workflows (an Adaptive Card) and a generic JSON
 * webhook.  Any 2xx is taken (Teams answers 202 and runs the flow
 * later); 429 and 5xx are retried, honouring Retry-After.
 */
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "xmalloc.h"

static int chan_chat_check(const struct conf_chan *, char **);
static int chan_chat_send(const struct conf_chan *, const struct chan_page *,
    chan_done_cb, void *, char **);

const struct chan_driver chan_slack_driver = {
	"slack", CHAN_CHAT, chan_chat_check, chan_chat_send
};
const struct chan_driver chan_mattermost_driver = {
	"mattermost", CHAN_CHAT, chan_chat_check, chan_chat_send
};
const struct chan_driver chan_teams_driver = {
	"teams", CHAN_CHAT, chan_chat_check, chan_chat_send
};
const struct chan_driver chan_webhook_chat_driver = {
	"webhook-chat", CHAN_CHAT, chan_chat_check, chan_chat_send
};

static int
chan_chat_check(const struct conf_chan *cc, char **cause)
{
	if (cc->url == NULL || (strncmp(cc->url, "http://", 7) != 0 &&
	    strncmp(cc->url, "https://", 8) != 0)) {
		*cause = xstrdup("url (or url_file) must be an http(s) URL");
		return -1;
	}
	return 0;
}

static int
chan_chat_send(const struct conf_chan *cc, const struct chan_page *pg,
    chan_done_cb done, void *arg, char **cause)
{
	char *body;
	int rc;

	if (cc->driver == &chan_slack_driver)
		body = chan_msg_slack(cc, pg);
	else if (cc->driver == &chan_mattermost_driver)
		body = chan_msg_mattermost(cc, pg);
	else if (cc->driver == &chan_teams_driver)
		body = chan_msg_teams(cc, pg);
	else
		body = chan_msg_webhook(cc, pg);
	rc = chan_json_post(cc, pg, body, done, arg);
	free(body);
	return rc;
}
