/* owner.h - what the owner of a database tells its viewers, and what a
 * viewer may ask of it (issue 13).
 *
 * The database is the only thing the owner (the daemon that collects and
 * alerts) and its viewers (dashboards and --once attached to it) share.
 * Besides the data itself (the store's rows, read through db.h's change
 * log, and the alert state), the owner keeps one row that says who it is
 * and what a viewer needs to compute the owner's own figures: the settings
 * its views are made with (time zone, default window, staleness, the alert
 * thresholds the screen colours by, the budgets, the prices in force) and
 * the health of each of its sources. A viewer needs no config of its own and shows
 * exactly what the owner would.
 *
 * The other way, a viewer writes a request row ('silence' an alert,
 * 'poll' now) and the owner, which reads the requests every second, does
 * it and deletes the row. Nothing else a viewer does writes anything.
 */
#ifndef SPENDTOP_OWNER_H
#define SPENDTOP_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "core/budget.h"
#include "core/db.h"
#include "core/source.h"
#include "core/view.h"
#include "lib/strbuf.h"

struct owner_facts {
    long pid;
    char mode[16];               /* "daemon", "dashboard", "once" */
    int64_t started;             /* when it took the database */
    char timezone[64];
    int64_t window, refresh;     /* the default window; seconds per tick */
    int64_t stale_after;
    double factor, mix_shift, cache_drop, reasoning_factor;
    struct view_budget *budgets; /* read: owned (owner_facts_free) */
    size_t nbudgets;
    /* the budgets per period (budget.h), [[budget]]s and the tenants' day
     * budgets alike; read: owned, their period one of budget_period_names */
    struct budget_settings *periods;
    size_t nperiods;
    /* the prices in force (pricing_describe, "" when not known) and their
     * table's source and date (app/prices.h), for the age flag */
    char prices[96];
    char prices_source[300];
    int64_t prices_date;
    struct source_status *sources; /* read: owned, names included */
    size_t nsources;
    /* the owner's alerts_generation (0: not said): a viewer reads the
     * alert table again only when it moved, not at every commit (20,000
     * alerts firing at once are 20,000 rows) */
    uint64_t alerts;
};

/* The facts as the JSON text the row holds (to compare with the last
 * written: the row is rewritten only when it changed). */
void owner_facts_json(const struct owner_facts *f, struct strbuf *out);
/* The same but the sources' last success (0): what else changed. It moves
 * at every poll (each second, for a followed file) while nothing a view
 * shows does. */
void owner_facts_json_untimed(const struct owner_facts *f, struct strbuf *out);
/* The owner's row: f's identity and the JSON made by owner_facts_json. */
int owner_publish(struct db *db, const struct owner_facts *f, const char *json);
/* The row into f (strings owned by f: owner_facts_free). 0; 1 when there
 * is no row (no owner has written one yet); -1 on error (a row that does
 * not parse is one). */
int owner_read(struct db *db, struct owner_facts *f);
void owner_facts_free(struct owner_facts *f);

/* A viewer's request: kind "silence" (arg: the alert id) or "poll" (arg
 * ""), at time at. 0, or -1 (read-only, or the owner holds the write lock
 * past the short busy timeout: the caller says so and may try again). */
int owner_request_put(struct db *db, const char *kind, const char *arg, int64_t at);
/* The owner: fn for each request written since the last call (oldest
 * first), then they are deleted. Returns how many, or -1. */
typedef void (*owner_request_fn)(void *ctx, const char *kind, const char *arg,
                                 int64_t at, long pid);
int owner_requests_take(struct db *db, owner_request_fn fn, void *ctx);

#endif
