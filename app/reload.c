/* reload.c - a running app takes a new configuration (see reload.h). */
#include "app/reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/sources.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/xalloc.h"

struct reload {
    struct app *a;
    size_t closing;              /* retired collectors not yet closed (+1 while
                                    a commit is retiring them) */
    struct collector **waiting;  /* made for the new config, started once
                                    closing is 0 */
    size_t nwaiting;
    bool again;                  /* a request came while closing */
    bool stopping;
};

/* A collector stopped by a reload, with the settings it runs on (detached
 * from the old config, which is freed before it has closed). */
struct retiree {
    struct reload *r;
    struct source_settings *settings;
};

/* The new config, checked, with what applying it needs. */
struct next {
    struct config *cfg;
    struct pricing *pricing;
    struct prices_info prices;  /* where it came from */
    struct collector **made;     /* per new source: a new collector, or NULL */
    size_t *kept;                /* per new source: the running collector it
                                    keeps (when made[j] is NULL) */
    size_t added, changed, removed, unchanged;
};

struct reload *reload_new(struct app *a)
{
    struct reload *r = xcalloc(1, sizeof *r);
    r->a = a;
    return r;
}

/* ---- reading and checking the new config --------------------------------------- */

static void next_free(struct next *n)
{
    for (size_t j = 0; n->made && n->cfg && j < n->cfg->nsources; j++)
        collector_free(n->made[j]);
    free(n->made);
    free(n->kept);
    pricing_free(n->pricing);
    config_free(n->cfg);
    memset(n, 0, sizeof *n);
}

/* The running collector of the source named name, or -1. */
static long running_index(const struct app *a, const char *name)
{
    for (size_t i = 0; i < a->ncollectors; i++)
        if (strcmp(a->collectors[i]->cfg->name, name) == 0)
            return (long)i;
    return -1;
}

/* Which new sources keep a running collector, and a collector (no I/O yet)
 * for each of the others. */
static int match_sources(struct app *a, struct next *n, struct strbuf *errs)
{
    size_t ns = n->cfg->nsources;
    n->made = xcalloc(ns ? ns : 1, sizeof *n->made);
    n->kept = xcalloc(ns ? ns : 1, sizeof *n->kept);
    for (size_t j = 0; j < ns; j++) {
        const struct source_settings *s = n->cfg->sources[j];
        long i = running_index(a, s->name);
        const struct source_settings *old = i >= 0 ? a->collectors[i]->cfg : NULL;
        if (old && old->type == s->type && settings_equal(s->type->keys, old, s)) {
            n->kept[j] = (size_t)i;
            n->unchanged++;
            continue;
        }
        char err[512];
        n->made[j] = collector_new(s, &a->loop, ingest_sink(a->ingest), err, sizeof err);
        if (!n->made[j]) {
            strbuf_printf(errs, "%s\n", err);
            return -1;
        }
        if (old)
            n->changed++;
        else
            n->added++;
    }
    n->removed = a->ncollectors - n->unchanged - n->changed;
    return 0;
}

/* Load and check everything the new config needs before anything changes. */
static int prepare(struct app *a, struct next *n, struct strbuf *errs)
{
    char *path = config_find(a->config_arg);
    n->cfg = path ? config_load(path, errs) : config_defaults();
    free(path);
    if (!n->cfg || !config_check_sources(n->cfg, errs))
        return -1;
    if (!clock_timezone_exists(n->cfg->timezone)) {
        strbuf_printf(errs, "unknown time zone '%s'\n", n->cfg->timezone);
        return -1;
    }
    char err[1024];
    n->pricing = prices_load(n->cfg, a->db_file, &n->prices, err, sizeof err);
    if (!n->pricing) {
        strbuf_printf(errs, "%s\n", err);
        return -1;
    }
    return match_sources(a, n, errs);
}

/* ---- applying it ---------------------------------------------------------------- */

/* Where s sits in cfg's sources. */
static size_t source_slot(const struct config *cfg, const struct source_settings *s)
{
    size_t k = 0;
    while (k < cfg->nsources && cfg->sources[k] != s)
        k++;
    return k; /* always found: every collector runs on a source of cfg */
}

static void start_waiting(struct reload *r);

static void retiree_closed(struct collector *c)
{
    struct retiree *t = c->data;
    struct reload *r = t->r;
    collector_free(c);
    sources_free(t->settings);
    free(t);
    if (--r->closing == 0)
        start_waiting(r);
}

/* Stop c (running on old's source slot k); it is freed once closed. */
static void retire(struct reload *r, struct config *old, size_t k, struct collector *c)
{
    struct retiree *t = xcalloc(1, sizeof *t);
    t->r = r;
    t->settings = old->sources[k];
    old->sources[k] = NULL;
    c->on_caught_up = NULL;
    c->data = t;
    r->closing++;
    c->ops->stop(c, retiree_closed);
}

/* The app's collectors for the new config: those kept (their settings
 * move into the new config, the equal new ones take their place in the
 * old one), the others retired; new ones wait in r->waiting. */
static void swap_collectors(struct reload *r, struct next *n)
{
    struct app *a = r->a;
    struct config *old = a->cfg;
    bool *keep = xcalloc(a->ncollectors ? a->ncollectors : 1, sizeof *keep);
    struct collector **now = xcalloc(n->cfg->nsources ? n->cfg->nsources : 1, sizeof *now);
    size_t m = 0;
    r->waiting = xcalloc(n->cfg->nsources ? n->cfg->nsources : 1, sizeof *r->waiting);
    for (size_t j = 0; j < n->cfg->nsources; j++) {
        if (n->made[j]) {
            r->waiting[r->nwaiting++] = n->made[j];
            n->made[j] = NULL;
            continue;
        }
        struct collector *c = a->collectors[n->kept[j]];
        size_t k = source_slot(old, c->cfg);
        struct source_settings *running = old->sources[k];
        old->sources[k] = n->cfg->sources[j];
        n->cfg->sources[j] = running;
        keep[n->kept[j]] = true;
        now[m++] = c;
    }
    for (size_t i = 0; i < a->ncollectors; i++)
        if (!keep[i])
            retire(r, old, source_slot(old, a->collectors[i]->cfg), a->collectors[i]);
    free(keep);
    free(a->collectors);
    a->collectors = now;
    a->ncollectors = m;
}

/* Hooks and alerts on the new config's hooks and rules. */
static void swap_hooks(struct app *a, struct config *cfg)
{
    const char **secret = config_secret_env(cfg);
    if (a->hooks)
        hooks_configure(a->hooks, cfg->hooks, cfg->nhooks, secret);
    else if (!a->no_hooks && cfg->nhooks)
        a->hooks = hooks_new(&a->loop, cfg->hooks, cfg->nhooks, secret, a->db);
    free(secret);
    alerts_configure(a->alerts, &cfg->alerts, cfg->hooks, cfg->nhooks);
}

static void commit(struct reload *r, struct next *n)
{
    struct app *a = r->a;
    if (strcmp(a->cfg->db_path, n->cfg->db_path) != 0)
        log_msg(LOG_WARN, "reload: [general] db changed: it takes effect at the next start");
    clock_set_timezone(n->cfg->timezone); /* checked in prepare: cannot fail */
    ingest_set_pricing(a->ingest, n->pricing);
    /* spend is the stored tokens at the prices in force: a price added or
     * changed by the reload reprices the week at once (DESIGN.md §4) */
    size_t repriced = ingest_reprice(a->ingest);
    if (repriced)
        log_msg(LOG_INFO, "reload: prices: %zu stored minutes priced again", repriced);
    pricing_free(a->pricing);
    a->pricing = n->pricing;
    a->prices = n->prices;
    n->pricing = NULL;
    r->closing++; /* a collector that closes at once must not start the new ones yet */
    swap_collectors(r, n);
    swap_hooks(a, n->cfg);
    app_free_budgets(a); /* they borrow from the old config */
    config_free(a->cfg);
    a->cfg = n->cfg;
    n->cfg = NULL;
    app_make_budgets(a);
    if (a->alerting) {
        /* new budgets and thresholds take effect now, not at the next
         * minute (app_evaluate_alerts kicks the hooks) */
        app_flush(a);
        app_evaluate_alerts(a, clock_now());
    } else if (a->hooks) {
        hooks_kick(a->hooks);
    }
    if (--r->closing == 0)
        start_waiting(r);
}

/* The new sources, once the old ones have closed; then a request that
 * came meanwhile. */
static void start_waiting(struct reload *r)
{
    struct app *a = r->a;
    struct collector **w = r->waiting;
    size_t nw = r->nwaiting;
    r->waiting = NULL;
    r->nwaiting = 0;
    if (r->stopping) {
        for (size_t i = 0; i < nw; i++)
            collector_free(w[i]);
        free(w);
        return;
    }
    if (nw) {
        /* what the stopped ones staged (file positions) is in the database
         * before a source of the same name reads it */
        app_flush(a);
        a->collectors = xrealloc(a->collectors, (a->ncollectors + nw) * sizeof *a->collectors);
        for (size_t i = 0; i < nw; i++) {
            a->collectors[a->ncollectors++] = w[i];
            app_start_collector(a, w[i]);
        }
    }
    free(w);
    if (r->again) {
        r->again = false;
        reload_request(r);
    }
}

int reload_request(struct reload *r)
{
    struct app *a = r->a;
    if (r->stopping)
        return -1;
    if (a->demo) {
        log_msg(LOG_WARN, "reload: --demo runs on no config file: nothing to reload");
        return -1;
    }
    if (r->closing) {
        log_msg(LOG_INFO, "reload: waiting for the sources of the last reload to stop");
        r->again = true;
        return 0;
    }
    struct next n = {0};
    struct strbuf errs = {0};
    if (prepare(a, &n, &errs) != 0) {
        log_msg(LOG_ERROR, "reload: the new config is refused, the running one is kept:");
        const char *line = strbuf_str(&errs);
        while (*line) {
            size_t len = strcspn(line, "\n");
            log_msg(LOG_ERROR, "reload: %.*s", (int)len, line);
            line += len + (line[len] == '\n');
        }
        strbuf_free(&errs);
        next_free(&n);
        return -1;
    }
    strbuf_free(&errs);
    const char *path = n.cfg->path ? n.cfg->path : "the defaults";
    log_msg(LOG_INFO, "reload: %s: %zu sources (%zu added, %zu changed, %zu removed, "
            "%zu unchanged), %zu hooks, %zu tenants", path, n.cfg->nsources, n.added,
            n.changed, n.removed, n.unchanged, n.cfg->nhooks, n.cfg->ntenants);
    config_warn_hooks(n.cfg, "reload: ");
    commit(r, &n);
    next_free(&n);
    return 0;
}

void reload_stop(struct reload *r) { r->stopping = true; }

void reload_free(struct reload *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nwaiting; i++)
        collector_free(r->waiting[i]);
    free(r->waiting);
    free(r);
}
