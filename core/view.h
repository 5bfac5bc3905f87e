/* view.h - one computed snapshot: every number for one window at one time.
 *
 * The panes, the --once output and the alert rules all read a view; none
 * of them computes money. A view is plain data (the JSON contract of
 * DESIGN.md §7 is its image), so its struct is public.
 *
 * Unknown is NAN for doubles (printed as null): a baseline while learning,
 * a ratio with a zero baseline, a hit rate with no known cache reads, the
 * spend of a model that has no price, and all money while sources are
 * configured but none has succeeded yet and nothing is stored.
 *
 * Definitions (DESIGN.md §5):
 *   window      [now - W, now) at minute resolution (see store.h)
 *   baseline    mean over the previous days d = 1..n of the window shifted
 *               back d days, where n (0..BASELINE_DAYS) counts the days whose shifted
 *               window lies wholly inside the history held; n = 0 is
 *               "learning" and every baseline is NAN
 *   burn        spend over the last hour, in $/h
 *   projected   today + burn x hours left until midnight (in the zone)
 *
 * Precedence (DESIGN.md §4): spans of a provider that has a usage-API
 * source are not counted in any total; they only give that provider's
 * coverage. The names in a view (tenants, providers, models) are its own
 * copies, valid until view_free whatever the store does meanwhile (it
 * frees series whose data aged out); sources' strings borrow from the
 * source list.
 */
#ifndef SPENDTOP_VIEW_H
#define SPENDTOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/source.h"
#include "core/store.h"
#include "core/usage.h"

struct view_spend {
    double window_usd, baseline_usd, ratio;
    double today_usd, last_24h_usd, last_7d_usd;
    double burn_usd_per_hour, projected_today_usd;
    double billed_today_usd;         /* NAN without a cost source */
    /* The senders' own cost figure over the window (Claude Code's
     * cost_usd), beside the estimate: NAN when no record in the window
     * carried one. */
    double reported_usd;
    int64_t no_usage;                /* calls in the window counted without
                                        token counts: their spend is unknown */
};

/* cache hit rate (cache_read / input) or reasoning ratio (reasoning /
 * output), over the records where that is known */
struct view_rate {
    double rate, baseline;
    int64_t part_tokens;             /* cache_read or reasoning, window */
    int64_t whole_tokens;            /* ALL input or output, window */
};

struct view_tenant {
    const char *tenant;              /* "" = unattributed */
    double window_usd, baseline_usd, ratio;
    double today_usd, burn_usd_per_hour;
    double budget_usd, budget_used;  /* NAN without a budget */
    int64_t requests;
};

struct view_model {
    const char *provider, *model;
    enum price_status price;
    double window_usd, baseline_usd; /* NAN when unpriced */
    int64_t requests;                /* of the records that know theirs */
    int64_t requests_unknown;        /* records in the window whose request
                                        count is unknown (usage from metrics);
                                        requests 0 with this > 0 is "unknown" */
    double baseline_requests;        /* mean per day; NAN while learning */
    double share, baseline_share;    /* of priced spend */
    double hit_rate, baseline_hit_rate;
    double reasoning, baseline_reasoning;
};

struct view_unpriced {
    const char *provider, *model;
    int64_t requests, input_tokens, output_tokens;
};

struct view_source {
    const char *name, *type;
    const char *status;              /* "starting", "ok", "error", "stale" */
    int64_t last_success;            /* 0 = never */
    int64_t last_data;               /* records last arrived; 0 = never */
    int64_t started;
    const char *last_error;          /* NULL = none; else error_text */
    /* the view's own copy: the statuses it was computed from are
     * rewritten (and reallocated) by every recomputation, while a paused
     * screen keeps showing this view */
    char error_text[256];
    int64_t records, rejected;
    int64_t no_usage;                /* calls whose tokens (spend) are unknown */
    double coverage, drift;          /* NAN where they do not apply */
};

/* Everything the alert rules compare, for one scope (DESIGN.md §6). */
enum view_scope_kind { SCOPE_TOTAL, SCOPE_PROVIDER, SCOPE_MODEL, SCOPE_TENANT };

struct view_scope {
    enum view_scope_kind kind;
    const char *provider;            /* SCOPE_PROVIDER, SCOPE_MODEL */
    const char *model;               /* SCOPE_MODEL */
    const char *tenant;              /* SCOPE_TENANT */
    double window_usd, baseline_usd; /* NAN unknown / learning */
    int64_t requests;
    double baseline_requests;        /* mean per baseline day */
    double hit_rate, baseline_hit_rate;
    int64_t input_known;             /* input tokens whose cache reads are known */
    double reasoning, baseline_reasoning;
    int64_t output_known;
    double mix_distance;             /* of spend shares by model; NAN for a model */
};

/* One budget in its current period (core/budget.h). Self-contained (no
 * borrowed strings): an alert keeps a copy. */
#define VIEW_BUDGET_TOP 3
struct view_budget_model {
    char provider[USAGE_NAME_MAX + 1], model[USAGE_NAME_MAX + 1]; /* whole */
    double usd;
};
struct view_budget_period {
    char scope[USAGE_SCOPE_MAX];     /* "total", "tenant:acme", ... (whole) */
    char period[8];                  /* "day", "week", "month" */
    int64_t period_start, period_end;
    double limit_usd, spent_usd, used; /* spent NAN when unknown */
    int64_t forecast_at;             /* crossing at the current burn; 0 = not
                                        this period, or crossed already */
    double crossed;                  /* highest threshold reached (fraction), 0 = none */
    struct view_budget_model top[VIEW_BUDGET_TOP]; /* by spend in the period's
                                        days the store holds */
    size_t ntop;
};

struct view_alert {
    char id[40];
    const char *kind;
    const char *state;               /* "firing", "resolved" */
    const char *severity;            /* "warning", "critical" */
    char scope[USAGE_SCOPE_MAX];
    int64_t window;
    double value, baseline, ratio, threshold;
    int64_t started_at, resolved_at; /* resolved_at 0 while firing */
    char summary[300];
    bool silenced;
    bool has_budget;                 /* budget kinds: the budget, for hooks */
    struct view_budget_period budget;
};

/* One hour of the sparklines: hour-aligned, oldest first; the last slot is
 * the current (partial) hour. */
struct view_hour {
    int64_t start;
    double usd, baseline_usd;
    double hit_rate, baseline_hit_rate;
    double reasoning, baseline_reasoning;
};

/* Whether names were folded (store.h): past the series cap tenants become
 * "(overflow)", past a provider's model-name cap models "(other models)". */
struct view_folding {
    bool active;                     /* folded records this process, or
                                        folded names in the window */
    int64_t series, series_max;      /* live series now, the cap */
    int64_t models_max;              /* model names per provider */
    int64_t tenant_records;          /* records folded, this process */
    int64_t model_records;
};

#define VIEW_HOURS (CLOCK_DAY / CLOCK_HOUR)
#define VIEW_WEEK_HOURS (CLOCK_WEEK / CLOCK_HOUR)

struct view {
    int64_t now, window;
    int baseline_days;               /* 0 = learning */
    struct view_spend spend;
    struct view_rate cache, reasoning;
    struct view_tenant *tenants;     /* by window spend, descending */
    size_t ntenants;
    struct view_model *models;       /* by window spend, descending */
    size_t nmodels;
    double mix_distance;
    struct view_unpriced *unpriced;
    size_t nunpriced;
    struct view_source *sources;
    size_t nsources;
    struct view_alert *alerts;       /* filled by the alerts module */
    size_t nalerts;
    struct view_scope *scopes;       /* with view_params.scopes */
    size_t nscopes;
    struct view_budget_period *budgets; /* filled by core/budget.h */
    size_t nbudgets;
    /* The period before a budget's current one, while it ended less than
     * BUDGET_LATE ago (core/budget.h): spend reported late still reaches
     * its thresholds. For the alert rules; not shown. */
    struct view_budget_period *budgets_ended;
    size_t nbudgets_ended;
    struct view_hour hours[VIEW_HOURS];
    double week_usd[VIEW_WEEK_HOURS];/* hourly spend, last 7 days */
    bool has_sparklines;
    struct view_folding folding;
    char prices[96];                 /* the prices in force (pricing_describe);
                                        "" when not given */
    char *names;                     /* the names' copies (view_free) */
};

struct view_budget {
    const char *tenant;
    double daily_usd;
};

struct view_params {
    int64_t now;
    int64_t window;                  /* seconds */
    int64_t day_start, day_end;      /* today, in the configured zone */
    int64_t stale_after;             /* seconds; 0 = never stale */
    const struct view_budget *budgets;
    size_t nbudgets;
    const struct source_status *sources;
    size_t nsources;
    /* drill-down: only series of this tenant and/or model (NULL = all) */
    const char *only_tenant;
    const char *only_provider, *only_model;
    const char *prices;              /* the prices in force, described; NULL none */
    bool sparklines;                 /* fill hours[] and week_usd[] */
    bool scopes;                     /* fill scopes[] (for the alert rules) */
};

/* Compute the view (out is overwritten; free it with view_free). */
void view_compute(const struct store *st, const struct view_params *p,
                  struct view *out);
void view_free(struct view *v);

/* An incremental view: the same view as view_compute, from sums kept
 * since the last one and brought up to date with only what changed, so
 * that a view a minute (or a view per record arriving) over 100,000 series
 * costs in proportion to the series that changed, not to all of them.
 *
 * A cache serves views of one window (a dashboard's and an alert rule's
 * of the same window share one: it keeps the scopes' and the sparklines'
 * sums once a view asked for them). Its sums are made again from the
 * whole store when the store is another one, when the params differ from
 * the last view's in anything else but now (the window, the drill-down,
 * the sources' names and usage providers, the budgeted tenants), when a
 * view asks for scopes or sparklines the cache did not keep, when the
 * hour or the day changes (a rounding residue of sums taken out and put
 * back never lasts longer), when the clock goes back,
 * and on the first view. Otherwise only these series are summed again:
 *  - those view_cache_changing was told of since the last view: the
 *    store's watcher (store_watch) must call it for every change, before
 *    it is made, for as long as the cache is used with that store;
 *  - those with a bucket that crossed an interval's edge since (the store
 *    finds the next one of each series: store_next_minute).
 * Counts are exact whatever the path. Money equals view_compute's to the
 * rounding of a double (sums taken out and put back in another order),
 * and a sum with no record left in it is 0, never a residue. */
struct view_cache;
struct view_cache *view_cache_new(void);
void view_cache_free(struct view_cache *c);
void view_cache_compute(struct view_cache *c, const struct store *st,
                        const struct view_params *p, struct view *out);
/* v[i] = view_cache_compute(c[i], st, &p[i]) for i < n, the sums that must
 * be made again from the store made in one walk of the series for all of
 * them (the alert windows' views, at a start: a walk per window was most
 * of a restart at 100,000 series). */
void view_caches_compute(struct view_cache **c, const struct store *st,
                         const struct view_params *p, struct view *v, size_t n);
/* Series id of st is about to change (a store_watch callback): its sums,
 * still those of the last view, are taken out now. Cheap after the first
 * call for an id until the next view. */
void view_cache_changing(struct view_cache *c, const struct store *st, int id);
/* What the last view_cache_compute did: made the sums again from the
 * whole store, or summed only `summed` series again. */
struct view_cache_work {
    bool full;
    size_t summed;
};
void view_cache_work(const struct view_cache *c, struct view_cache_work *out);

/* Whether series k counts in the totals of a view with p (DESIGN.md §4
 * precedence: a span series of a provider that has a usage-API source
 * does not, once that source has answered: source.h usage_known) - the
 * one definition, for budgets too. */
bool view_series_counted(const struct view_params *p, const struct series_key *k);

/* Staleness, the one definition (a source's "stale" status and the
 * source_stale rule both use it): how long source s has gone without a
 * successful poll or without new data, whichever is longer, counted from
 * its start while it has had none. -1 when it has not started. If no_poll
 * is not NULL it says which is missing longer: true = a successful poll,
 * false = new data. */
int64_t view_source_age(const struct view_source *s, int64_t now, bool *no_poll);
/* Age over stale_after seconds; stale_after 0 = never stale. */
bool view_source_stale(const struct view_source *s, int64_t now, int64_t stale_after);
/* A source's status as everything shows it (the header, the snapshot,
 * the daemon's SIGUSR1 status): "error", "stale", "starting" or "ok". */
const char *view_source_status(const struct source_status *ss, int64_t now,
                               int64_t stale_after);
/* One more source at the end of v->sources, zeroed (v owns the array).
 * A source's last_error that points at its own error_text keeps doing so
 * when the array moves. */
struct view_source *view_add_source(struct view *v);

#endif
