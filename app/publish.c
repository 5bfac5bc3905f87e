/* publish.c - the owner's side of viewers (see publish.h). */
#include "app/publish.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts/alerts.h"
#include "app/app.h"
#include "core/lockfile.h"
#include "core/owner.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xalloc.h"

/* A request older than this was made while no owner was there. */
#define REQUEST_MAX_AGE 60
/* A row whose only news is its sources' last success is written at most
 * this often (seconds; below half the least stale_after, 10 s). */
#define SUCCESS_EVERY 5

struct publish {
    struct app *app;
    char mode[16];
    int64_t started;
    char *last;          /* the JSON last written */
    char *last_untimed;  /* the same, owner_facts_json_untimed */
    int64_t written_at;  /* clock_wall() when */
    int64_t data_version;
};

/* The facts now: settings from the config, health from the collectors.
 * Strings borrow from the app. */
static void gather(struct publish *p, struct owner_facts *f)
{
    struct app *a = p->app;
    const struct alert_settings *al = &a->cfg->alerts;
    memset(f, 0, sizeof *f);
    f->pid = (long)getpid();
    snprintf(f->mode, sizeof f->mode, "%s", p->mode);
    f->started = p->started;
    snprintf(f->timezone, sizeof f->timezone, "%s", a->cfg->timezone);
    f->window = a->window;
    f->refresh = a->cfg->refresh;
    f->stale_after = (int64_t)alert_settings_get(al, "stale_after");
    f->factor = alert_settings_get(al, "factor");
    f->mix_shift = alert_settings_get(al, "mix_shift");
    f->cache_drop = alert_settings_get(al, "cache_drop");
    f->reasoning_factor = alert_settings_get(al, "reasoning_factor");
    f->budgets = xcalloc(a->cfg->ntenants + 1, sizeof *f->budgets);
    for (size_t i = 0; i < a->cfg->ntenants; i++)
        f->budgets[f->nbudgets++] = (struct view_budget){a->cfg->tenants[i].name,
                                                         a->cfg->tenants[i].daily_budget_usd};
    f->periods = a->budget_cfg;
    f->nperiods = a->nbudget_cfg;
    if (a->pricing)
        pricing_describe(a->pricing, f->prices, sizeof f->prices);
    snprintf(f->prices_source, sizeof f->prices_source, "%s", a->prices.source);
    f->prices_date = a->prices.date;
    f->alerts = alerts_generation(a->alerts);
    f->sources = xcalloc(a->ncollectors + 1, sizeof *f->sources);
    for (size_t i = 0; i < a->ncollectors; i++)
        f->sources[f->nsources++] = a->collectors[i]->status;
}

/* Whether the row must be written: the facts changed since it was last,
 * and not only in the sources' last success - that moves at every poll
 * (each second, for a followed file), and each write is a commit with
 * its fsync that wakes every viewer: an idle daemon wrote once a second
 * for nothing a viewer shows. The time alone goes every SUCCESS_EVERY s,
 * for the sources' staleness and the snapshot's last_success. */
static bool facts_due(struct publish *p, const char *json, const char *untimed)
{
    if (p->last && strcmp(p->last, json) == 0)
        return false;
    return !p->last_untimed || strcmp(p->last_untimed, untimed) != 0 ||
           clock_wall() - p->written_at >= SUCCESS_EVERY;
}

/* The row, when the facts changed since it was last written. */
static void write_facts(struct publish *p)
{
    struct owner_facts f;
    gather(p, &f);
    struct strbuf json = {0}, untimed = {0};
    owner_facts_json(&f, &json);
    owner_facts_json_untimed(&f, &untimed);
    if (facts_due(p, strbuf_str(&json), strbuf_str(&untimed))) {
        if (owner_publish(p->app->db, &f, strbuf_str(&json)) == 0) {
            free(p->last);
            free(p->last_untimed);
            p->last = strbuf_detach(&json);
            p->last_untimed = strbuf_detach(&untimed);
            p->written_at = clock_wall();
        } else {
            log_msg(LOG_WARN, "cannot tell viewers what changed (will retry): %s",
                    db_error(p->app->db));
        }
    }
    strbuf_free(&json);
    strbuf_free(&untimed);
    free(f.budgets);
    free(f.sources);
}

static void on_request(void *ctx, const char *kind, const char *arg, int64_t at, long pid)
{
    struct app *a = ctx;
    if (clock_wall() - at > REQUEST_MAX_AGE) {
        log_msg(LOG_INFO, "viewer pid %ld: dropped a %s request of %llds ago", pid, kind,
                (long long)(clock_wall() - at));
    } else if (strcmp(kind, "silence") == 0) {
        char msg[200];
        app_silence(a, arg, msg, sizeof msg);
        log_msg(LOG_INFO, "viewer pid %ld: %s", pid, msg);
    } else if (strcmp(kind, "poll") == 0) {
        log_msg(LOG_INFO, "viewer pid %ld: polling every source now", pid);
        app_poll_now(a);
    } else {
        log_msg(LOG_WARN, "viewer pid %ld: unknown request ignored", pid);
    }
}

/* Each commit: the viewers watching DB.lock look at once. */
static void ring(void *ctx)
{
    struct app *a = ctx;
    lockfile_ring(a->db_lock);
}

struct publish *publish_new(struct app *a, const char *mode)
{
    struct publish *p = xcalloc(1, sizeof *p);
    p->app = a;
    snprintf(p->mode, sizeof p->mode, "%s", mode);
    p->started = clock_now();
    p->data_version = -1;
    /* the start is done: the database is kept from now on, whatever it
     * holds (a start that failed before this leaves nothing behind) */
    lockfile_keep();
    db_on_commit(a->db, ring, a);
    write_facts(p);
    return p;
}

void publish_tick(struct publish *p)
{
    write_facts(p);
    /* only another connection's commit changes it: a viewer's request */
    int64_t v = db_data_version(p->app->db);
    if (v < 0 || v == p->data_version)
        return;
    p->data_version = v;
    if (owner_requests_take(p->app->db, on_request, p->app) < 0)
        log_msg(LOG_WARN, "cannot read viewers' requests: %s", db_error(p->app->db));
}

void publish_free(struct publish *p)
{
    if (!p)
        return;
    free(p->last);
    free(p->last_untimed);
    free(p);
}
