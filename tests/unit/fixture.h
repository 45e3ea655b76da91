/* SPDX-License-Identifier: ISC */
/*
 * fixture.h: the setup shared by the unit tests of the modules on the
 * loop (engine, handoff, oncall).  A fixture is a temporary folder with
 * a pagerd.conf, a people file and a rota folder, the conf and oncall
 * loaded from it on an event base with the fake clock (fake-clock.h),
 * and, for the tests that need them, a store in its state folder (or,
 * with PAGERD_TEST_PG, on that PostgreSQL database, emptied first: see
 * store-pg.test) and an engine on that store.
 *
 * It also catches the console: linked with -Wl,--wrap=chan_console_send,
 * every line the engine or handoff would print there is kept, with the
 * fake instant it went, for the test to look at.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct engine;
struct event_base;
struct oncall;
struct store;

/* A file to write into the fixture's folder: name is relative to it. */
struct fixture_file {
	const char *name;
	const char *text;
};

/* What a fixture is made of. */
struct fixture_spec {
	const char *name;	/* the test's name, for the folder */
	const char *conf;	/* pagerd.conf */
	const char *people;	/* people.conf */
	const struct fixture_file *rotas; /* in rota.d, name NULL ends */
	int flags;
#define FIXTURE_ENGINE 0x1	/* a state folder, a store and an engine */
};

struct fixture {
	char dir[64];
	struct conf *conf;
	struct oncall *oncall;
	struct store *store;		/* NULL without FIXTURE_ENGINE */
	struct event_base *base;
	struct engine *engine;		/* NULL without FIXTURE_ENGINE */
};

/*
 * Make the folder and load it, with the fake clock started at now;
 * fails the test on any error.
 */
struct fixture *fixture_new(const struct fixture_spec *, int64_t);
/* Free all of it, remove the folder and forget the console lines. */
void fixture_free(struct fixture *);
/* Write text into the file name below the fixture's folder. */
void fixture_write(struct fixture *, const char *, const char *);
/* Start a new engine on the fixture's store and resume it (no run). */
void fixture_engine_start(struct fixture *);
/*
 * Raise an alert for service "web" at the given priority now, as intake
 * does: the engine's hooks inside its commit; then run the loop.
 */
int64_t fixture_raise(struct fixture *, const char *, int);
/* The same up to its COMMIT; committed() is the caller's to call. */
struct intake_hooks;
int64_t fixture_raise_committed(struct fixture *, const char *, int,
    struct intake_hooks *);

/* A console line (a page or a note), and the fake instant it went. */
struct fixture_sent {
	int64_t alert_id;
	char *to;
	char *subject;
	char *body;		/* NULL: none */
	int64_t at;
};

/* How many console lines were caught, and the i-th. */
size_t fixture_nsent(void);
const struct fixture_sent *fixture_sent(size_t);
/* How many lines went to "to" whose subject contains what. */
size_t fixture_sent_count(const char *, const char *);
void fixture_sent_clear(void);

#endif
