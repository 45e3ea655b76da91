/* SPDX-License-Identifier: ISC */
/*
 * chan.h: channel drivers, the ways a page leaves pagerd (e-mail, SMS,
 * chat, voice, console), behind one interface, and the pure message
 * builders the drivers share (chan-msg*.c).  The configuration of one
 * channel (struct conf_chan) is in conf.h with the rest of pagerd.conf.
 */
#ifndef CHAN_H
#define CHAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "notify.h"

/* What a channel reaches; picks the person's contact to use. */
enum chan_kind {
	CHAN_EMAIL,
	CHAN_SMS,
	CHAN_CHAT,
	CHAN_VOICE,
	CHAN_CONSOLE,
};

struct chan_driver;

/*
 * One alert in a message, with what the message tells about it: a
 * message carrying several (a digest) says each one's own event.
 */
struct chan_alert {
	int64_t id;
	int priority;        /* 1..4 */
	const char *service;
	const char *summary;
	const char *ack_url; /* may be NULL; only on events asking to act */
	enum notify_event event;
	int stage;           /* 0: none */
	const char *reason;  /* "stage 2 page", "acknowledged by ana"; or NULL */
	int64_t created_ms;  /* when the alert was raised: its mail thread */
	const char *links;   /* JSON array of URLs or {href, text}; or NULL */
	const char *client;  /* the tool that raised it (Events v2), or NULL */
	const char *client_url; /* its http(s) URL, or NULL */
	const char *external_url; /* its ticket's http(s) URL, or NULL */
};

/*
 * One message to one address: one alert, or several bundled; or a note
 * about no alert (nalerts 0): reason is its one-line title and note its
 * text (a handoff: "you are on call for ops until ...").
 */
struct chan_page {
	const char *id;      /* stable, unique: Message-ID, webhook-id */
	const char *nonce;   /* random, for a Message-ID unique anywhere */
	const char *to;      /* e-mail, E.164 number, chat handle or "" */
	const char *person;  /* who, for salutations and logs; may be NULL */
	const char *reason;  /* why ("stage 1", "reminder"); may be NULL */
	const struct chan_alert *alerts;
	size_t nalerts;
	const char *note;    /* a note's text when nalerts is 0 */
	const char *more_url;   /* the dashboard, for "+N more"; may be NULL */
	const char *gather_url; /* voice: where the keypress is posted */
	const char *status_url; /* SMS, voice: delivery status callback */
	int64_t now_ms;
};

enum chan_status {
	CHAN_SENT,  /* the provider took it */
	CHAN_RETRY, /* transient: same address again, later */
	CHAN_FAIL,  /* permanent: fail over to the next channel */
};

/* The outcome of one send; lent to the callback for the call only. */
struct chan_result {
	enum chan_status status;
	const char *error;       /* NULL when sent */
	const char *provider_id; /* e.g. a Twilio SID, or NULL */
	int64_t retry_after_ms;  /* -1: the provider said nothing */
	long code;               /* HTTP status or SMTP reply, 0: none */
};

typedef void (*chan_done_cb)(void *, const struct chan_result *);

/* One per chan-*.c file; found by name when the config is loaded. */
struct chan_driver {
	const char *name;
	enum chan_kind kind;
	/* Check a loaded channel's keys; 0 or -1 with *cause. */
	int (*check)(const struct conf_chan *, char **);
	/* Start a send; done runs later on the loop, unless -1 is returned. */
	int (*send)(const struct conf_chan *, const struct chan_page *,
	    chan_done_cb, void *, char **);
};

/* Lent to the console driver for the call (kept for the engine). */
struct chan_msg {
	int64_t alert_id;
	const char *to;      /* person or address; "" for everyone */
	const char *subject; /* one line */
	const char *body;    /* may be NULL */
};

/* chan.c */
const struct chan_driver *chan_driver_find(const char *);
int chan_name_is_valid(const char *);
const char *chan_kind_name(enum chan_kind);
int chan_kind_find(const char *);
void chan_classify_http(long, const char *, const char *, int64_t,
    struct chan_result *);
int chan_send(const struct conf_chan *, const struct chan_page *,
    chan_done_cb, void *, char **);
int chan_http_post(const struct conf_chan *, const char *,
    const char *const *, const char *, const char *, int, chan_done_cb,
    void *);
int chan_json_post(const struct conf_chan *, const struct chan_page *,
    const char *, chan_done_cb, void *);
void chan_conf_clear(struct conf_chan *);

/* chan-console.c */
extern const struct chan_driver chan_console_driver;
void chan_console_init(FILE *);
int chan_console_send(const struct chan_msg *);

/* chan-smtp.c */
extern const struct chan_driver chan_smtp_driver;

/* chan-sms.c */
extern const struct chan_driver chan_twilio_sms_driver;
extern const struct chan_driver chan_webhook_sms_driver;
int chan_twilio_check(const struct conf_chan *, int, char **);
int chan_twilio_post(const struct conf_chan *, const char *, char *,
    chan_done_cb, void *);

/* chan-chat.c */
extern const struct chan_driver chan_slack_driver;
extern const struct chan_driver chan_mattermost_driver;
extern const struct chan_driver chan_teams_driver;
extern const struct chan_driver chan_webhook_chat_driver;

/* chan-voice.c */
extern const struct chan_driver chan_twilio_voice_driver;

/* Template fields; see chan_msg_expand(). */
#define CHAN_SMS_GSM7_MAX 160
#define CHAN_SMS_UCS2_MAX 70

/* chan-msg.c: pure message building, no I/O; what all channels share */
char *chan_msg_expand(const char *, const struct chan_page *,
    const struct chan_alert *, char *(*)(const char *));
const char *chan_msg_reason(const struct chan_page *,
    const struct chan_alert *);
char *chan_msg_digest(const struct chan_page *);
size_t chan_msg_npages(const struct chan_page *);
const struct chan_alert *chan_msg_first_page(const struct chan_page *);
char *chan_msg_xml_cut(const char *, size_t);
char *chan_msg_xml_escape(const char *);
char *chan_msg_plain(const char *);

/* chan-msg-mail.c */
char *chan_msg_rfc2047(const char *);
void chan_msg_date(int64_t, char *, size_t);
char *chan_msg_email(const struct conf_chan *, const struct chan_page *,
    const char *);

/* chan-msg-sms.c */
int chan_msg_gsm7_len(const char *);
char *chan_msg_sms(const struct conf_chan *, const struct chan_page *);

/* chan-msg-voice.c */
char *chan_msg_twiml(const struct conf_chan *, const struct chan_page *);

/* chan-msg-chat.c */
char *chan_msg_mrkdwn_escape(const char *);
char *chan_msg_mattermost_escape(const char *);
char *chan_msg_chat_links(const struct chan_alert *, char *(*)(const char *),
    int);
char *chan_msg_chat_text(const struct conf_chan *, const struct chan_page *,
    char *(*)(const char *), size_t);
char *chan_msg_slack(const struct conf_chan *, const struct chan_page *);
char *chan_msg_mattermost(const struct conf_chan *, const struct chan_page *);
char *chan_msg_teams(const struct conf_chan *, const struct chan_page *);
char *chan_msg_webhook(const struct conf_chan *, const struct chan_page *);

#endif
