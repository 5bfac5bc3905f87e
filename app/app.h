/* app.h - the running program: config, prices, store, database, sources.
 *
 * main.c parses arguments and calls into here; the dashboard, the daemon
 * and --once all run the same app on one libuv loop.
 */
#ifndef SPENDTOP_APP_H
#define SPENDTOP_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "alerts/alerts.h"
#include "alerts/hooks.h"
#include "app/config.h"
#include "app/prices.h"
#include "collectors/collector.h"
#include "core/budget.h"
#include "core/db.h"
#include "core/ingest.h"
#include "core/store.h"
#include "core/view.h"
#include "pricing/pricing.h"
#include "tui/host.h"

struct app_options {
    const char *config_path;   /* -c */
    const char *db_path;       /* --db */
    bool demo;
    bool once;                 /* --once: the clock is frozen */
    bool daemon;               /* --daemon (what viewers are told) */
    /* another process owns the database: app_open answers APP_ATTACH
     * instead of failing (the dashboard and --once become viewers) */
    bool may_attach;
    bool no_hooks;
    bool has_now;
    int64_t now;               /* --now */
    int64_t window;            /* --window; 0 = from the config */
};

struct app {
    uv_loop_t loop;
    bool loop_open;
    struct config *cfg;
    struct pricing *pricing;
    char *db_file;              /* the database owned (a reload keeps it) */
    struct prices_info prices;  /* where the table in force came from */
    struct store *store;
    struct db *db;
    struct ingest *ingest;
    struct collector **collectors;
    size_t ncollectors;
    struct source_status *statuses;  /* a copy, refreshed for each view */
    uv_timer_t flush_timer;
    bool flush_timer_open;
    struct alerts *alerts;
    struct budget_settings *budget_cfg; /* [[budget]] and the tenants' day budgets */
    size_t nbudget_cfg;
    struct budgets *budgets;
    struct hooks *hooks;       /* NULL with --no-hooks */
    struct http *http;         /* the one curl multi handle */
    bool http_closed;
    uv_timer_t alert_timer;
    bool alert_timer_open;
    /* the first verdict, after the loop pass that draws (start_alerting) */
    uv_check_t verdict_check;
    uv_idle_t verdict_idle;
    bool verdict_open;
    bool alerting;             /* the first verdict has been reached */
    char *temp_db;             /* --demo without --db: removed at exit */
    int db_lock;               /* lockfile_take's descriptor; -1 = not held */
    char *attach_path;         /* APP_ATTACH: the database another owns */
    bool config_errors;        /* cfg is config_load_where's: only to attach */
    struct publish *publish;   /* what viewers are told (app/publish.h) */
    struct app_views *views;   /* incremental views kept (app.c) */
    int64_t window;
    bool no_hooks;
    bool demo;
    char *config_arg;          /* -c as given (NULL: searched), for a reload */
    bool drain_hooks;          /* app_stop lets running hooks finish (the daemon) */
    size_t pending_closes;
    void (*on_stopped)(struct app *a);
    void *data;                /* the front end's (the app_host while it stops) */
};

/* What app_open found. Only main turns it into an exit status. */
enum app_open_result {
    APP_OPENED = 0,
    /* another process owns the database and o->may_attach: a->attach_path
     * names it (app/viewer.h views it) */
    APP_ATTACH,
    APP_BAD_CONFIG,  /* the config, its prices or its sources are wrong */
    APP_FAILED,      /* the database, the loop, libcurl: could not start */
};

/* Load the config (or defaults), prices, the database and the sources.
 * Anything but APP_OPENED or APP_ATTACH comes with a message in err (one
 * or more lines). */
enum app_open_result app_open(struct app *a, const struct app_options *o, struct strbuf *err);
/* --once: collect everything available from every source, then flush. */
int app_collect_once(struct app *a, char *err, size_t errlen);
/* After app_collect_once: whether every source failed (each in error,
 * having read nothing: nothing was collected, the figures are unknown). A receiver, which
 * --once does not run, has not failed: what it took in is in the
 * database. */
bool app_every_source_failed(const struct app *a);
/* Dashboard / daemon: start every source and the periodic flush. */
void app_start(struct app *a);
/* Start collector c (made for a source of a->cfg) on the app's loop, as
 * app_start does for each of its own: a source a reload added. */
void app_start_collector(struct app *a, struct collector *c);
/* The budgets of a->cfg ([[budget]]s and the tenants' daily budgets),
 * and their end: they borrow from a->cfg, so a reload frees them before
 * the config they came from and makes them again from the new one (what
 * each threshold has notified is in the database: nothing pages again). */
void app_make_budgets(struct app *a);
void app_free_budgets(struct app *a);
/* Poll every source now (the R key). */
void app_poll_now(struct app *a);
/* Stop sources and timers; on_stopped is called when every handle is
 * closed (the loop then has nothing left). */
void app_stop(struct app *a, void (*on_stopped)(struct app *a));
/* Flush pending changes to the database (logged on failure). */
void app_flush(struct app *a);
/* Free everything (after the loop has ended). */
void app_close(struct app *a);
/* The incremental views kept (app_close frees them; an app made by hand,
 * like bench/tui_frame's, calls this before it frees its store). */
void app_free_views(struct app *a);

/* Evaluate every alert rule at time t (views of each alert window) and
 * queue what must be notified; then start the hooks. */
void app_evaluate_alerts(struct app *a, int64_t t);
/* Silence the alert with this id for its repeat interval. Returns 0, or -1
 * (unknown id); msg says what happened, for the footer. */
int app_silence(struct app *a, const char *alert_id, char *msg, size_t len);

/* The view at the current time for window (0 = the app's), optionally
 * restricted to one tenant or one provider/model. */
void app_view(struct app *a, int64_t window, const char *only_tenant,
              const char *only_provider, const char *only_model,
              bool sparklines, struct view *out);

/* The dashboard's view of an app (tui/host.h): the app collects, the
 * dashboard shows. h.host is ready for tui_run once app_host_init has run;
 * h must outlive the dashboard. */
struct app_host {
    struct host host;
    struct app *app;
    void (*stopped)(void *arg);
    void *stopped_arg;
};
void app_host_init(struct app_host *h, struct app *a);

#endif
