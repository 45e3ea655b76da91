/* SPDX-License-Identifier: ISC */
/* api.h: the /api/v1 handlers, health checks, and what they act on. */
#ifndef API_H
#define API_H

#include <stddef.h>
#include <stdint.h>

struct api_ack;
struct command_waits;
struct conf;
struct engine;
struct evhttp_request;
struct heartbeats;
struct handoff;
struct http;
struct intake;
struct json_t;
struct oncall;
struct store;
struct throttle;

/* What the handlers need; main.c owns it and swaps conf on reload. */
struct api {
	const struct conf *conf;
	struct store *store;
	struct intake *intake;
	struct engine *engine;
	struct heartbeats *heartbeats;
	struct oncall *oncall;   /* rotas and people in force */
	struct handoff *handoff; /* may be NULL */
	struct throttle *throttle; /* bad tokens and signatures, by address */
	int ready; /* 0 while starting or stopping */
	int standby; /* another node leads (lease.c) */
	struct command_waits *commands; /* a standby's, for the leader */
};

/* Which values api_time() writes as null rather than as a time. */
enum api_time_none {
	API_TIME_ANY,  /* none: every value is a time */
	API_TIME_SET,  /* 0 and below: the store's "not yet" */
	API_TIME_ROTA, /* ROTA_NONE (INT64_MAX): open-ended, never */
};

/* api.c */
void api_init(struct api *, struct http *);
int api_body(struct api *, struct evhttp_request *, const char **,
    size_t *);
void api_engine_refused(struct evhttp_request *, int, const char *);
struct store_command;
int api_act(struct api *, const struct store_command *, char **);
void api_reply_durable(struct api *, struct evhttp_request *, int,
    struct json_t *);
/* What a standby answers once the leader carried out its command. */
typedef void (*api_command_answer)(struct evhttp_request *, struct api *,
    const struct store_command *);
void api_command(struct evhttp_request *, struct api *,
    const struct store_command *, api_command_answer);

/* api-ack.c: /ack/ links and the SMS and keypress hooks that act */
struct api_ack *api_ack_new(struct api *);
void api_ack_free(struct api_ack *);
void api_ack_http_init(struct api_ack *, struct http *);
char *api_ack_link(int64_t, const char *, void *);

/* api-time.c */
struct json_t *api_time(int64_t, enum api_time_none);

/* api-intake.c */
void api_intake_init(struct api *, struct http *);

/* api-stats.c */
void api_stats_init(struct api *, struct http *);

/* api-silence.c */
void api_silence_init(struct api *, struct http *);

/* api-rota.c */
void api_rota_init(struct api *, struct http *);

/* api-dashboard.c, and the page make embeds (dashboard-html.c) */
void api_dashboard_init(struct api *, struct http *);
extern const unsigned char api_dashboard_html[];
extern const size_t api_dashboard_html_len;

/* api-console.c, and the files make embeds (console-web.c) */
void api_console_init(struct api *, struct http *);
extern const unsigned char api_console_html[], api_console_js[];
extern const unsigned char api_console_css[];
extern const size_t api_console_html_len, api_console_js_len;
extern const size_t api_console_css_len;

#endif
