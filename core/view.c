/* view.c - compute one snapshot from the store (see view.h). */
#include "core/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/xalloc.h"

/* The view is computed in stages, each a function below that says what it
 * owes the next: intervals (where to sum), accumulation (one walk of the
 * series into groups), spend, tenants, models and the mix, sources,
 * sparklines, and the scopes the alert rules read. view_compute at the end
 * runs them in order. */

/* The intervals every series is summed over. */
enum {
    I_WIN,
    I_B1, /* I_B1 + d - 1: the window shifted back d days, d = 1..BASELINE_DAYS */
    I_TODAY = I_B1 + BASELINE_DAYS,
    I_24H,
    I_7D,
    I_BURN,
    I_DRIFT, /* the last 7 whole UTC days, for billed vs estimated */
    I_COUNT,
};

/* Hour slots the sparklines read: the current day and each baseline day. */
enum { SPARK_SLOTS = (BASELINE_DAYS + 1) * VIEW_HOURS };

/* Sums of one group (total, a tenant, a model): priced and unpriced
 * series apart, because money only comes from the first. */
struct acc {
    struct tally p[I_COUNT];
    struct tally u[I_COUNT];
};

static void acc_add(struct acc *a, const struct tally *t, bool priced)
{
    struct tally *dst = priced ? a->p : a->u;
    for (int i = 0; i < I_COUNT; i++)
        tally_add(&dst[i], &t[i]);
}

/* Any usage at all: requests, or tokens (a provider's usage report may
 * count tokens without requests). */
static bool active(const struct tally *t)
{
    return t->requests > 0 || t->input > 0 || t->output > 0;
}

/* Spend over interval i: NAN when all usage in it is unpriced (we do not
 * know it), else the priced sum. */
static double money(const struct acc *a, int i)
{
    if (!active(&a->p[i]) && active(&a->u[i]))
        return NAN;
    return a->p[i].cost;
}

static double mean_days(const struct acc *a, int ndays, double (*f)(const struct tally *))
{
    if (ndays == 0)
        return NAN;
    double s = 0;
    for (int d = 0; d < ndays; d++)
        s += f(&a->p[I_B1 + d]);
    return s / ndays;
}

static double cost_of(const struct tally *t) { return t->cost; }

static double div_or_nan(double num, double den)
{
    return den > 0 && isfinite(num) ? num / den : NAN;
}

/* Rate part/whole over the window, and over the baseline days pooled. */
static void rate(const struct acc *a, int ndays, bool cache, double *now, double *base)
{
    struct tally w = a->p[I_WIN];
    tally_add(&w, &a->u[I_WIN]);
    *now = cache ? div_or_nan((double)w.cache_read, (double)w.input_ck)
                 : div_or_nan((double)w.reasoning, (double)w.output_rk);
    if (ndays == 0) {
        *base = NAN;
        return;
    }
    double part = 0, whole = 0;
    for (int d = 0; d < ndays; d++) {
        struct tally b = a->p[I_B1 + d];
        tally_add(&b, &a->u[I_B1 + d]);
        part += (double)(cache ? b.cache_read : b.reasoning);
        whole += (double)(cache ? b.input_ck : b.output_rk);
    }
    *base = div_or_nan(part, whole);
}

/* A growing array of groups found through a string key. */
struct groups {
    struct hmap index;   /* key -> position + 1 */
    struct acc *acc;
    const char **a, **b; /* the key's parts (tenant, or provider + model) */
    enum price_status *price;
    size_t n, cap;
};

static size_t group_key(char *key, size_t len, const char *a, const char *b)
{
    size_t n = (size_t)snprintf(key, len, "%s%c%s", a, '\0', b ? b : "");
    return n >= len ? len - 1 : n;
}

/* Index of group (a, b), or -1. */
static long group_find(const struct groups *g, const char *a, const char *b)
{
    char key[600];
    size_t n = group_key(key, sizeof key, a, b);
    void *slot = hmap_get(&g->index, key, n);
    return slot ? (long)((intptr_t)slot - 1) : -1;
}

static size_t group_of(struct groups *g, const char *a, const char *b)
{
    char key[600];
    size_t n = group_key(key, sizeof key, a, b);
    void **slot = hmap_put(&g->index, key, n);
    if (*slot)
        return (size_t)((intptr_t)*slot - 1);
    size_t i = g->n++;
    if (g->n > g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        g->acc = xrealloc(g->acc, cap * sizeof *g->acc);
        g->a = xrealloc(g->a, cap * sizeof *g->a);
        g->b = xrealloc(g->b, cap * sizeof *g->b);
        g->price = xrealloc(g->price, cap * sizeof *g->price);
        g->cap = cap;
    }
    memset(&g->acc[i], 0, sizeof g->acc[i]);
    g->a[i] = a;
    g->b[i] = b;
    g->price[i] = PRICE_FULL;
    *slot = (void *)(intptr_t)(i + 1);
    return i;
}

/* Priced spend of one (owner, model) pair, for the mix distances: the
 * window, then each baseline day. A struct acc is 2.7 KB; there is a pair
 * for every tenant and model (100,000 at scale), and the distances need
 * eight numbers of each. */
struct pair_cost {
    double usd[1 + BASELINE_DAYS];
};

/* The (owner, model) pairs of one kind of owner (providers or tenants),
 * found by the owner's position in its groups and the model's name. */
struct pairs {
    struct hmap index;   /* owner position and model -> position + 1 */
    struct pair_cost *cost;
    size_t *owner;       /* the owner's position in its groups */
    size_t n, cap;
};

/* Add priced sums t to the pair (owner, model). */
static void pair_add(struct pairs *g, size_t owner, const char *model, const struct tally *t)
{
    char key[sizeof owner + 512];
    size_t mlen = strnlen(model, sizeof key - sizeof owner);
    memcpy(key, &owner, sizeof owner);
    memcpy(key + sizeof owner, model, mlen);
    void **slot = hmap_put(&g->index, key, sizeof owner + mlen);
    size_t i;
    if (*slot) {
        i = (size_t)((intptr_t)*slot - 1);
    } else {
        i = g->n++;
        if (g->n > g->cap) {
            g->cap = g->cap ? g->cap * 2 : 16;
            g->cost = xrealloc(g->cost, g->cap * sizeof *g->cost);
            g->owner = xrealloc(g->owner, g->cap * sizeof *g->owner);
        }
        memset(&g->cost[i], 0, sizeof g->cost[i]);
        g->owner[i] = owner;
        *slot = (void *)(intptr_t)(i + 1);
    }
    g->cost[i].usd[0] += t[I_WIN].cost;
    for (int d = 0; d < BASELINE_DAYS; d++)
        g->cost[i].usd[1 + d] += t[I_B1 + d].cost;
}

static void pairs_free(struct pairs *g)
{
    hmap_free(&g->index, NULL);
    free(g->cost);
    free(g->owner);
}

static void groups_free(struct groups *g)
{
    hmap_free(&g->index, NULL);
    free(g->acc);
    free(g->a);
    free(g->b);
    free(g->price);
}

static const struct source_status *find_source(const struct view_params *p,
                                               const char *name)
{
    for (size_t i = 0; i < p->nsources; i++)
        if (strcmp(p->sources[i].name, name) == 0)
            return &p->sources[i];
    return NULL;
}

static bool provider_has_usage_source(const struct view_params *p, const char *provider)
{
    for (size_t i = 0; i < p->nsources; i++)
        if (p->sources[i].usage_provider &&
            strcmp(p->sources[i].usage_provider, provider) == 0)
            return true;
    return false;
}

bool view_series_counted(const struct view_params *p, const struct series_key *k)
{
    const struct source_status *src = find_source(p, k->source);
    return (src && src->usage_provider) || !provider_has_usage_source(p, k->provider);
}

/* Whether the figures mean anything yet. Sources are configured, none has
 * ever succeeded and nothing is stored: a wrong key or a missing export
 * file must read "unknown", not "$0.00 -- all quiet". */
static bool money_known(const struct store *st, const struct view_params *p)
{
    struct store_folding f;
    store_folding(st, &f);
    if (p->nsources == 0 || f.series > 0)
        return true;
    for (size_t i = 0; i < p->nsources; i++)
        if (p->sources[i].last_success)
            return true;
    return false;
}

static bool series_selected(const struct view_params *p, const struct series_key *k)
{
    if (p->only_tenant && strcmp(p->only_tenant, k->tenant) != 0)
        return false;
    if (p->only_provider && strcmp(p->only_provider, k->provider) != 0)
        return false;
    if (p->only_model && strcmp(p->only_model, k->model) != 0)
        return false;
    return true;
}

/* Descending by window spend (unknown last), then by requests, then name. */
static int cmp_tenant(const void *x, const void *y)
{
    const struct view_tenant *a = x, *b = y;
    double wa = isnan(a->window_usd) ? -1 : a->window_usd;
    double wb = isnan(b->window_usd) ? -1 : b->window_usd;
    if (wa != wb)
        return wa < wb ? 1 : -1;
    double ta = isnan(a->today_usd) ? -1 : a->today_usd;
    double tb = isnan(b->today_usd) ? -1 : b->today_usd;
    if (ta != tb)
        return ta < tb ? 1 : -1;
    if (a->requests != b->requests)
        return a->requests < b->requests ? 1 : -1;
    return strcmp(a->tenant, b->tenant);
}

static int cmp_model(const void *x, const void *y)
{
    const struct view_model *a = x, *b = y;
    double wa = isnan(a->window_usd) ? -1 : a->window_usd;
    double wb = isnan(b->window_usd) ? -1 : b->window_usd;
    if (wa != wb)
        return wa < wb ? 1 : -1;
    if (a->requests != b->requests)
        return a->requests < b->requests ? 1 : -1;
    int c = strcmp(a->provider, b->provider);
    return c ? c : strcmp(a->model, b->model);
}

static bool acc_is_empty(const struct acc *a)
{
    for (int i = 0; i < I_COUNT; i++)
        if (active(&a->p[i]) || active(&a->u[i]) || a->p[i].cost != 0)
            return false;
    return true;
}

/* ---- stage 1: intervals ---------------------------------------------------- */

/* Where the series are summed, and how much baseline the history holds. */
struct intervals {
    int64_t t[I_COUNT][2];          /* [t0, t1) of each I_* */
    int ndays;                      /* baseline days held: 0 (learning) ..
                                       BASELINE_DAYS */
    int64_t hour0;                  /* start of the first sparkline slot */
};

/* The intervals of p, and the baseline days: those whose shifted window
 * lies wholly inside the history held. Owes the accumulation every
 * [t0, t1); owes every later stage ndays (baseline means divide by it, and
 * 0 makes them NAN); owes the sparklines their first hour. */
static void stage_intervals(const struct store *st, const struct view_params *p,
                            struct intervals *iv)
{
    int64_t(*t)[2] = iv->t;
    t[I_WIN][0] = p->now - p->window;
    t[I_WIN][1] = p->now;
    for (int d = 1; d <= BASELINE_DAYS; d++) {
        t[I_B1 + d - 1][0] = p->now - d * (int64_t)CLOCK_DAY - p->window;
        t[I_B1 + d - 1][1] = p->now - d * (int64_t)CLOCK_DAY;
    }
    t[I_TODAY][0] = p->day_start;
    t[I_TODAY][1] = p->now;
    t[I_24H][0] = p->now - CLOCK_DAY;
    t[I_24H][1] = p->now;
    t[I_7D][0] = p->now - CLOCK_WEEK;
    t[I_7D][1] = p->now;
    t[I_BURN][0] = p->now - CLOCK_HOUR;
    t[I_BURN][1] = p->now;
    t[I_DRIFT][1] = clock_floor(p->now, CLOCK_DAY);
    t[I_DRIFT][0] = t[I_DRIFT][1] - CLOCK_WEEK;

    int64_t first = store_first_minute(st);
    iv->ndays = 0;
    while (iv->ndays < BASELINE_DAYS && first <= t[I_B1 + iv->ndays][0])
        iv->ndays++;
    iv->hour0 = clock_floor(p->now, CLOCK_HOUR) - (SPARK_SLOTS - 1) * (int64_t)CLOCK_HOUR;
}

/* ---- stage 2: accumulation ------------------------------------------------- */

/* Every sum the later stages read, from one walk of the series. */
struct sums {
    struct acc total;               /* every counted series */
    struct groups tenants;          /* by tenant */
    struct groups models;           /* by (provider, model), with price status */
    /* coverage: span spend of usage-API providers by (span source,
     * provider); usage-API spend by provider */
    struct groups cov, usage_cost;
    struct groups drift;            /* billed vs estimated, by usage source */
    /* for the alert scopes only: providers, and spend by (provider, model)
     * and (tenant, model) for each provider's and tenant's mix distance */
    struct groups providers;
    struct pairs provider_models, tenant_models;
    bool *counted;                  /* by series id: in the totals */
};

static void sums_free(struct sums *s)
{
    free(s->counted);
    groups_free(&s->tenants);
    groups_free(&s->models);
    groups_free(&s->cov);
    groups_free(&s->usage_cost);
    groups_free(&s->drift);
    groups_free(&s->providers);
    pairs_free(&s->provider_models);
    pairs_free(&s->tenant_models);
}

/* Series id summed over every interval into t[I_COUNT]; cost 0 when its
 * model has no price (acc_add keeps such series apart: money comes only
 * from priced ones). */
static void series_sums(const struct store *st, int id, const struct intervals *iv,
                        bool priced, struct tally *t)
{
    for (int i = 0; i < I_COUNT; i++)
        store_sum(st, id, iv->t[i][0], iv->t[i][1], &t[i]);
    if (!priced)
        for (int i = 0; i < I_COUNT; i++)
            t[i].cost = 0;
}

/* The groups only the alert scopes read. */
static void count_for_scopes(struct sums *s, const struct series_key *k, size_t tenant,
                             bool priced, const struct tally *t)
{
    size_t g = group_of(&s->providers, k->provider, NULL);
    acc_add(&s->providers.acc[g], t, priced);
    if (priced) { /* mix shares are of priced spend */
        pair_add(&s->provider_models, g, k->model, t);
        pair_add(&s->tenant_models, tenant, k->model, t);
    }
}

/* Add a counted series' sums t to the total and to each of its groups. A
 * model's price status is the worst of its series': one unpriced series
 * makes it unpriced, one partial makes it partial. */
static void count_series(struct sums *s, const struct series_key *k, bool usage,
                         enum price_status price, const struct tally *t, bool scopes)
{
    bool priced = price != PRICE_NONE;
    if (usage) {
        size_t g = group_of(&s->usage_cost, k->provider, NULL);
        acc_add(&s->usage_cost.acc[g], t, priced);
        g = group_of(&s->drift, k->source, NULL);
        acc_add(&s->drift.acc[g], t, priced);
    }
    acc_add(&s->total, t, priced);
    size_t tg = group_of(&s->tenants, k->tenant, NULL); /* may grow the array */
    acc_add(&s->tenants.acc[tg], t, priced);
    size_t m = group_of(&s->models, k->provider, k->model);
    acc_add(&s->models.acc[m], t, priced);
    if (price == PRICE_NONE || s->models.price[m] == PRICE_NONE)
        s->models.price[m] = PRICE_NONE;
    else if (price == PRICE_PARTIAL)
        s->models.price[m] = PRICE_PARTIAL;
    if (scopes)
        count_for_scopes(s, k, tg, priced, t);
}

/* One walk of the series: each selected series (drill-down) is summed over
 * every interval and added to its groups. A span series of a provider that
 * has a usage-API source is counted by that source (DESIGN.md §4): its
 * spans go to coverage only. Owes every later stage its sums, and the
 * sparklines the series that are counted. */
static void stage_accumulate(const struct store *st, const struct view_params *p,
                             const struct intervals *iv, struct sums *s)
{
    size_t nseries = store_series_count(st);
    s->counted = xcalloc(nseries ? nseries : 1, sizeof *s->counted);
    struct tally t[I_COUNT];
    for (size_t id = 0; id < nseries; id++) {
        if (!store_series_live(st, (int)id))
            continue;
        const struct series_key *k = store_series_key(st, (int)id);
        if (!series_selected(p, k))
            continue;
        const struct source_status *src = find_source(p, k->source);
        bool usage = src && src->usage_provider;
        enum price_status price = store_series_price(st, (int)id);
        series_sums(st, (int)id, iv, price != PRICE_NONE, t);
        if (!usage && provider_has_usage_source(p, k->provider)) {
            size_t g = group_of(&s->cov, k->source, k->provider);
            acc_add(&s->cov.acc[g], t, price != PRICE_NONE);
            continue;
        }
        s->counted[id] = true;
        count_series(s, k, usage, price, t, p->scopes);
    }
}

/* ---- stage 3: spend, cache and reasoning of the total ------------------------ */

static bool any_billed(const struct view_params *p)
{
    bool any = false;
    for (size_t i = 0; i < p->nsources; i++)
        any |= p->sources[i].reports_billed;
    return any;
}

/* The total's spend; all NAN while money is not known (money_known). Owes
 * the models stage the window and baseline spend that its shares divide. */
static void stage_spend(struct view *v, const struct acc *total, const struct view_params *p,
                        int ndays, bool known)
{
    struct view_spend *s = &v->spend;
    s->window_usd = money(total, I_WIN);
    s->baseline_usd = mean_days(total, ndays, cost_of);
    s->ratio = div_or_nan(s->window_usd, s->baseline_usd);
    s->today_usd = money(total, I_TODAY);
    s->last_24h_usd = money(total, I_24H);
    s->last_7d_usd = money(total, I_7D);
    s->burn_usd_per_hour = money(total, I_BURN); /* the last hour, so $/h */
    s->projected_today_usd = s->today_usd +
        s->burn_usd_per_hour * (double)(p->day_end - p->now) / (double)CLOCK_HOUR;
    s->billed_today_usd =
        any_billed(p) ? total->p[I_TODAY].billed + total->u[I_TODAY].billed : NAN;
    /* the senders' own figures, priced or not by our table */
    struct tally w = total->p[I_WIN];
    tally_add(&w, &total->u[I_WIN]);
    s->reported_usd = w.reported_n > 0 ? w.reported : NAN;
    s->no_usage = w.no_usage;
    if (!known)
        s->window_usd = s->today_usd = s->last_24h_usd = s->last_7d_usd =
            s->burn_usd_per_hour = s->projected_today_usd = s->billed_today_usd = NAN;
}

/* The total's cache hit rate and reasoning ratio (tokens, not money: they
 * stay known while money is not). */
static void stage_rates(struct view *v, const struct acc *total, int ndays)
{
    rate(total, ndays, true, &v->cache.rate, &v->cache.baseline);
    v->cache.part_tokens = total->p[I_WIN].cache_read + total->u[I_WIN].cache_read;
    v->cache.whole_tokens = total->p[I_WIN].input + total->u[I_WIN].input;
    rate(total, ndays, false, &v->reasoning.rate, &v->reasoning.baseline);
    v->reasoning.part_tokens = total->p[I_WIN].reasoning + total->u[I_WIN].reasoning;
    v->reasoning.whole_tokens = total->p[I_WIN].output + total->u[I_WIN].output;
}

/* ---- stage 4: tenants ------------------------------------------------------ */

/* Tenant's daily budget (the last one configured for it); NAN without. */
static double tenant_budget(const struct view_params *p, const char *tenant)
{
    double usd = NAN;
    for (size_t b = 0; b < p->nbudgets; b++)
        if (strcmp(p->budgets[b].tenant, tenant) == 0)
            usd = p->budgets[b].daily_usd;
    return usd;
}

/* Fill *vt for tenant `name` from its sums. False (not listed) for a
 * tenant with neither usage nor a budget. */
static bool tenant_row(struct view_tenant *vt, const char *name, const struct acc *a,
                       const struct view_params *p, int ndays, bool known)
{
    vt->tenant = name;
    vt->budget_used = NAN;
    vt->budget_usd = tenant_budget(p, name);
    if (acc_is_empty(a) && isnan(vt->budget_usd))
        return false;
    vt->window_usd = money(a, I_WIN);
    vt->baseline_usd = mean_days(a, ndays, cost_of);
    vt->ratio = div_or_nan(vt->window_usd, vt->baseline_usd);
    vt->today_usd = money(a, I_TODAY);
    vt->burn_usd_per_hour = money(a, I_BURN);
    if (!known) /* only budgeted tenants are listed then */
        vt->window_usd = vt->today_usd = vt->burn_usd_per_hour = NAN;
    vt->budget_used = div_or_nan(vt->today_usd, vt->budget_usd);
    vt->requests = a->p[I_WIN].requests + a->u[I_WIN].requests;
    return true;
}

/* Every tenant seen and every one with a budget (under a drill-down, the
 * selected one only), by window spend. Owes the scopes stage a group for
 * each budgeted tenant: tenant scopes include them. */
static void stage_tenants(struct view *v, struct groups *tenants, const struct view_params *p,
                          int ndays, bool known)
{
    for (size_t i = 0; i < p->nbudgets; i++)
        if (!p->only_tenant || strcmp(p->only_tenant, p->budgets[i].tenant) == 0)
            group_of(tenants, p->budgets[i].tenant, NULL);
    v->tenants = xcalloc(tenants->n ? tenants->n : 1, sizeof *v->tenants);
    for (size_t i = 0; i < tenants->n; i++)
        if (tenant_row(&v->tenants[v->ntenants], tenants->a[i], &tenants->acc[i], p, ndays,
                       known))
            v->ntenants++;
    qsort(v->tenants, v->ntenants, sizeof *v->tenants, cmp_tenant);
}

/* ---- stage 5: models and the mix ------------------------------------------- */

/* Mean requests per baseline day, priced or not; NAN while learning. */
static double base_requests(const struct acc *a, int ndays)
{
    double req = 0;
    for (int d = 0; d < ndays; d++)
        req += (double)(a->p[I_B1 + d].requests + a->u[I_B1 + d].requests);
    return ndays ? req / ndays : NAN;
}

/* Fill *vm for model i of the groups; its shares are of the total's
 * window and baseline spend. An unpriced model has no money at all. */
static void model_row(struct view_model *vm, const struct groups *models, size_t i, int ndays,
                      double total_win, double total_base)
{
    const struct acc *a = &models->acc[i];
    vm->provider = models->a[i];
    vm->model = models->b[i];
    vm->price = models->price[i];
    bool priced = vm->price != PRICE_NONE;
    vm->requests = a->p[I_WIN].requests + a->u[I_WIN].requests;
    vm->requests_unknown = a->p[I_WIN].requests_unknown + a->u[I_WIN].requests_unknown;
    vm->window_usd = priced ? money(a, I_WIN) : NAN;
    vm->baseline_usd = priced ? mean_days(a, ndays, cost_of) : NAN;
    vm->share = priced ? div_or_nan(vm->window_usd, total_win) : NAN;
    vm->baseline_share = priced ? div_or_nan(vm->baseline_usd, total_base) : NAN;
    vm->baseline_requests = base_requests(a, ndays);
    rate(a, ndays, true, &vm->hit_rate, &vm->baseline_hit_rate);
    rate(a, ndays, false, &vm->reasoning, &vm->baseline_reasoning);
}

/* Every model with usage, by window spend, and the unpriced ones with
 * window usage listed apart (their tokens, never $0). Reads the spend
 * stage's totals; owes the mix stage each model's shares. */
static void stage_models(struct view *v, const struct groups *models, int ndays)
{
    v->models = xcalloc(models->n ? models->n : 1, sizeof *v->models);
    v->unpriced = xcalloc(models->n ? models->n : 1, sizeof *v->unpriced);
    for (size_t i = 0; i < models->n; i++) {
        const struct acc *a = &models->acc[i];
        if (acc_is_empty(a))
            continue;
        struct view_model *vm = &v->models[v->nmodels++];
        model_row(vm, models, i, ndays, v->spend.window_usd, v->spend.baseline_usd);
        if (vm->price == PRICE_NONE && active(&a->u[I_WIN])) {
            struct view_unpriced *u = &v->unpriced[v->nunpriced++];
            u->provider = vm->provider;
            u->model = vm->model;
            u->requests = a->u[I_WIN].requests;
            u->input_tokens = a->u[I_WIN].input;
            u->output_tokens = a->u[I_WIN].output;
        }
    }
    qsort(v->models, v->nmodels, sizeof *v->models, cmp_model);
}

/* Total variation distance between the window's and the baseline's spend
 * shares by priced model: half the sum of |share - baseline share|; NAN
 * unless both spends are positive. Owes the scopes stage the total's. */
static void stage_mix(struct view *v)
{
    v->mix_distance = NAN;
    if (!(v->spend.window_usd > 0 && v->spend.baseline_usd > 0))
        return;
    double dist = 0;
    for (size_t i = 0; i < v->nmodels; i++) {
        const struct view_model *vm = &v->models[i];
        if (vm->price == PRICE_NONE)
            continue;
        double a = isnan(vm->share) ? 0 : vm->share;
        double b = isnan(vm->baseline_share) ? 0 : vm->baseline_share;
        dist += fabs(a - b);
    }
    v->mix_distance = dist / 2;
}

/* ---- stage 6: sources ------------------------------------------------------ */

int64_t view_source_age(const struct view_source *s, int64_t now, bool *no_poll)
{
    if (!s->started)
        return -1;
    int64_t success = s->last_success ? s->last_success : s->started;
    int64_t data = s->last_data ? s->last_data : s->started;
    if (no_poll)
        *no_poll = success < data;
    return now - (success < data ? success : data);
}

bool view_source_stale(const struct view_source *s, int64_t now, int64_t stale_after)
{
    return stale_after > 0 && view_source_age(s, now, NULL) > stale_after;
}

/* Span source `name`'s coverage: the spend its spans of usage-API
 * providers saw, over those providers' usage-API spend. NAN when it saw
 * none of their spans. */
static double source_coverage(const struct sums *s, const char *name)
{
    double num = 0, den = 0;
    bool any = false;
    for (size_t g = 0; g < s->cov.n; g++) {
        if (strcmp(s->cov.a[g], name) != 0)
            continue;
        any = true;
        num += s->cov.acc[g].p[I_WIN].cost;
        long u = group_find(&s->usage_cost, s->cov.b[g], NULL);
        if (u >= 0)
            den += s->usage_cost.acc[u].p[I_WIN].cost;
    }
    return any ? div_or_nan(num, den) : NAN;
}

/* Usage source `name`'s drift: (billed - estimated) / estimated over the
 * last whole days; NAN unless both are positive. */
static double source_drift(const struct sums *s, const char *name)
{
    long g = group_find(&s->drift, name, NULL);
    if (g < 0 || !s->drift.acc)
        return NAN;
    const struct acc *a = &s->drift.acc[g];
    double billed = a->p[I_DRIFT].billed + a->u[I_DRIFT].billed;
    double est = a->p[I_DRIFT].cost;
    return billed > 0 && est > 0 ? (billed - est) / est : NAN;
}

/* Each source's health, and its coverage (span sources) or drift (usage
 * sources with a cost endpoint). The source_stale rule reads the same
 * fields through view_source_stale. */
static void stage_sources(struct view *v, const struct sums *s, const struct view_params *p)
{
    v->sources = xcalloc(p->nsources ? p->nsources : 1, sizeof *v->sources);
    v->nsources = p->nsources;
    for (size_t i = 0; i < p->nsources; i++) {
        const struct source_status *ss = &p->sources[i];
        struct view_source *vs = &v->sources[i];
        vs->name = ss->name;
        vs->type = ss->type;
        vs->last_success = ss->last_success;
        vs->last_data = ss->last_data;
        vs->started = ss->started;
        snprintf(vs->error_text, sizeof vs->error_text, "%s", ss->last_error);
        vs->last_error = vs->error_text[0] ? vs->error_text : NULL;
        vs->records = ss->records;
        vs->rejected = ss->rejected;
        vs->no_usage = ss->no_usage;
        if (ss->state == SOURCE_ERROR)
            vs->status = "error";
        else if (view_source_stale(vs, p->now, p->stale_after))
            vs->status = "stale";
        else if (ss->state == SOURCE_STARTING)
            vs->status = "starting";
        else
            vs->status = "ok";
        vs->coverage = vs->drift = NAN;
        if (!ss->usage_provider)
            vs->coverage = source_coverage(s, ss->name);
        else if (ss->reports_billed)
            vs->drift = source_drift(s, ss->name);
    }
}

/* ---- stage 7: sparklines --------------------------------------------------- */

/* Slot i of the 24h sparkline from the hour sums h, against the same hour
 * of each baseline day. */
static void spark_hour(struct view_hour *vh, const struct tally *h, int i,
                       const struct intervals *iv, bool known)
{
    const struct tally *now = &h[BASELINE_DAYS * VIEW_HOURS + i];
    vh->start = iv->hour0 + (int64_t)(BASELINE_DAYS * VIEW_HOURS + i) * CLOCK_HOUR;
    vh->usd = known ? now->cost : NAN;
    vh->hit_rate = div_or_nan((double)now->cache_read, (double)now->input_ck);
    vh->reasoning = div_or_nan((double)now->reasoning, (double)now->output_rk);
    double usd = 0, cr = 0, ick = 0, rs = 0, ork = 0;
    int ndays = iv->ndays;
    for (int d = 1; d <= ndays; d++) {
        const struct tally *b = &h[(BASELINE_DAYS - d) * VIEW_HOURS + i];
        usd += b->cost;
        cr += (double)b->cache_read;
        ick += (double)b->input_ck;
        rs += (double)b->reasoning;
        ork += (double)b->output_rk;
    }
    vh->baseline_usd = ndays ? usd / ndays : NAN;
    vh->baseline_hit_rate = ndays ? div_or_nan(cr, ick) : NAN;
    vh->baseline_reasoning = ndays ? div_or_nan(rs, ork) : NAN;
}

/* The counted series' hourly sums, (BASELINE_DAYS + 1) days of hour slots
 * oldest first, the last the current hour: into hours[] (each slot with
 * the same hour of the baseline days) and week_usd[]. Money is blank (NAN),
 * not a flat line of $0, while it is not known. */
static void stage_sparklines(const struct store *st, const struct intervals *iv,
                             const bool *counted, bool known, struct view *v)
{
    /* Slot s of the 24h sparkline is h[BASELINE_DAYS * 24 + s]; its
     * baseline day d is h[(BASELINE_DAYS - d) * 24 + s]. Priced and
     * unpriced series apart: money only from the first. */
    struct tally *h = xcalloc(SPARK_SLOTS, sizeof *h);
    struct tally *unpriced = xcalloc(SPARK_SLOTS, sizeof *unpriced);
    for (size_t id = 0; id < store_series_count(st); id++) {
        if (!counted[id])
            continue;
        bool priced = store_series_price(st, (int)id) != PRICE_NONE;
        store_hourly(st, (int)id, iv->hour0, SPARK_SLOTS, priced ? h : unpriced);
    }
    for (int i = 0; i < SPARK_SLOTS; i++) {
        unpriced[i].cost = 0;
        tally_add(&h[i], &unpriced[i]);
    }
    for (int i = 0; i < VIEW_WEEK_HOURS; i++)
        v->week_usd[i] = known ? h[SPARK_SLOTS - VIEW_WEEK_HOURS + i].cost : NAN;
    for (int i = 0; i < VIEW_HOURS; i++)
        spark_hour(&v->hours[i], h, i, iv, known);
    free(h);
    free(unpriced);
    v->has_sparklines = true;
}

/* ---- stage 8: scopes, for the alert rules ---------------------------------- */

/* One scope's figures from its sums. */
static void fill_scope(struct view_scope *sc, const struct acc *a, int ndays)
{
    sc->window_usd = money(a, I_WIN);
    sc->baseline_usd = mean_days(a, ndays, cost_of);
    sc->requests = a->p[I_WIN].requests + a->u[I_WIN].requests;
    sc->baseline_requests = base_requests(a, ndays);
    rate(a, ndays, true, &sc->hit_rate, &sc->baseline_hit_rate);
    rate(a, ndays, false, &sc->reasoning, &sc->baseline_reasoning);
    sc->input_known = a->p[I_WIN].input_ck + a->u[I_WIN].input_ck;
    sc->output_known = a->p[I_WIN].output_rk + a->u[I_WIN].output_rk;
    sc->mix_distance = NAN;
}

/* Total variation distance between a scope's spend shares by model now
 * and in the baseline: half the sum of |share - baseline share|, summed
 * into dist[owner] from the (owner, model) pairs in one pass. */
static void mix_distances(const struct groups *owners, const struct pairs *pairs,
                          int ndays, double *dist)
{
    /* each owner's window and baseline spend, read once in order */
    double *win = xcalloc(owners->n + 1, sizeof *win);
    double *base = xcalloc(owners->n + 1, sizeof *base);
    for (size_t o = 0; o < owners->n; o++) {
        win[o] = owners->acc[o].p[I_WIN].cost;
        base[o] = mean_days(&owners->acc[o], ndays, cost_of);
    }
    for (size_t i = 0; i < pairs->n; i++) {
        size_t o = pairs->owner[i];
        const double *usd = pairs->cost[i].usd;
        double pbase = NAN;
        if (ndays > 0) {
            pbase = 0;
            for (int d = 0; d < ndays; d++)
                pbase += usd[1 + d];
            pbase /= ndays;
        }
        double share = div_or_nan(usd[0], win[o]);
        double bshare = div_or_nan(pbase, base[o]);
        dist[o] += fabs((isnan(share) ? 0 : share) - (isnan(bshare) ? 0 : bshare)) / 2;
    }
    for (size_t o = 0; o < owners->n; o++)
        if (!(win[o] > 0) || !(base[o] > 0))
            dist[o] = NAN;
    free(win);
    free(base);
}

/* Every scope the rules check: the total (with the mix stage's distance),
 * each provider, model and tenant (the budgeted ones included, from the
 * tenants stage). An unpriced model's scope has no money. */
static void stage_scopes(struct view *v, const struct sums *s, int ndays)
{
    const struct groups *providers = &s->providers, *models = &s->models;
    const struct groups *tenants = &s->tenants;
    size_t n = 1 + providers->n + models->n + tenants->n;
    v->scopes = xcalloc(n, sizeof *v->scopes);
    struct view_scope *sc = v->scopes;
    double *pdist = xcalloc(providers->n + 1, sizeof *pdist);
    double *tdist = xcalloc(tenants->n + 1, sizeof *tdist);
    mix_distances(providers, &s->provider_models, ndays, pdist);
    mix_distances(tenants, &s->tenant_models, ndays, tdist);
    sc->kind = SCOPE_TOTAL;
    fill_scope(sc, &s->total, ndays);
    sc->mix_distance = v->mix_distance;
    sc++;
    for (size_t i = 0; i < providers->n; i++, sc++) {
        sc->kind = SCOPE_PROVIDER;
        sc->provider = providers->a[i];
        fill_scope(sc, &providers->acc[i], ndays);
        sc->mix_distance = pdist[i];
    }
    for (size_t i = 0; i < models->n; i++, sc++) {
        sc->kind = SCOPE_MODEL;
        sc->provider = models->a[i];
        sc->model = models->b[i];
        fill_scope(sc, &models->acc[i], ndays);
        if (models->price[i] == PRICE_NONE)
            sc->window_usd = sc->baseline_usd = NAN;
    }
    for (size_t i = 0; i < tenants->n; i++, sc++) {
        sc->kind = SCOPE_TENANT;
        sc->tenant = tenants->a[i];
        fill_scope(sc, &tenants->acc[i], ndays);
        sc->mix_distance = tdist[i];
    }
    v->nscopes = n;
    free(pdist);
    free(tdist);
}

/* ---- stage 9: folding, and the view's own names ----------------------------- */

/* How much the store folded, and whether the window shows it. */
static void stage_folding(const struct store *st, struct view *v)
{
    struct store_folding f;
    store_folding(st, &f);
    struct view_folding *vf = &v->folding;
    vf->series = (int64_t)f.series;
    vf->series_max = STORE_MAX_SERIES;
    vf->models_max = STORE_MAX_MODELS;
    vf->tenant_records = f.tenant_records;
    vf->model_records = f.model_records;
    vf->active = f.tenant_records > 0 || f.model_records > 0;
    for (size_t i = 0; i < v->ntenants; i++)
        vf->active |= strcmp(v->tenants[i].tenant, STORE_OVERFLOW_TENANT) == 0;
    for (size_t i = 0; i < v->nmodels; i++)
        vf->active |= strcmp(v->models[i].model, STORE_OTHER_MODELS) == 0;
}

/* Every name field of v that points into the store, to fn. */
static void each_name(struct view *v, void (*fn)(void *ctx, const char **name), void *ctx)
{
    for (size_t i = 0; i < v->ntenants; i++)
        fn(ctx, &v->tenants[i].tenant);
    for (size_t i = 0; i < v->nmodels; i++) {
        fn(ctx, &v->models[i].provider);
        fn(ctx, &v->models[i].model);
    }
    for (size_t i = 0; i < v->nunpriced; i++) {
        fn(ctx, &v->unpriced[i].provider);
        fn(ctx, &v->unpriced[i].model);
    }
    for (size_t i = 0; i < v->nscopes; i++) {
        fn(ctx, &v->scopes[i].provider);
        fn(ctx, &v->scopes[i].model);
        fn(ctx, &v->scopes[i].tenant);
    }
}

static void name_size(void *ctx, const char **name)
{
    if (*name)
        *(size_t *)ctx += strlen(*name) + 1;
}

static void name_copy(void *ctx, const char **name)
{
    char **at = ctx;
    if (!*name)
        return;
    size_t n = strlen(*name) + 1;
    memcpy(*at, *name, n);
    *name = *at;
    *at += n;
}

/* The names become the view's own: one block, freed by view_free. */
static void stage_own_names(struct view *v)
{
    size_t size = 0;
    each_name(v, name_size, &size);
    v->names = xmalloc(size ? size : 1);
    char *at = v->names;
    each_name(v, name_copy, &at);
}

/* ---- the view: the stages in order ----------------------------------------- */

void view_compute(const struct store *st, const struct view_params *p,
                  struct view *v)
{
    memset(v, 0, sizeof *v);
    v->now = p->now;
    v->window = p->window;
    snprintf(v->prices, sizeof v->prices, "%s", p->prices ? p->prices : "");

    struct intervals iv;
    stage_intervals(st, p, &iv);
    v->baseline_days = iv.ndays;
    struct sums s = {0};
    stage_accumulate(st, p, &iv, &s);
    bool known = money_known(st, p);
    stage_spend(v, &s.total, p, iv.ndays, known);
    stage_rates(v, &s.total, iv.ndays);
    stage_tenants(v, &s.tenants, p, iv.ndays, known);
    stage_models(v, &s.models, iv.ndays);
    stage_mix(v);
    stage_sources(v, &s, p);
    if (p->sparklines)
        stage_sparklines(st, &iv, s.counted, known, v);
    if (p->scopes)
        stage_scopes(v, &s, iv.ndays);
    stage_folding(st, v);
    stage_own_names(v);
    sums_free(&s);
}

void view_free(struct view *v)
{
    free(v->tenants);
    free(v->models);
    free(v->unpriced);
    free(v->sources);
    free(v->alerts);
    free(v->scopes);
    free(v->budgets);
    free(v->names);
    memset(v, 0, sizeof *v);
}

struct view_source *view_add_source(struct view *v)
{
    bool *own = xcalloc(v->nsources + 1, sizeof *own);
    for (size_t i = 0; i < v->nsources; i++)
        own[i] = v->sources[i].last_error == v->sources[i].error_text;
    v->sources = xrealloc(v->sources, (v->nsources + 1) * sizeof *v->sources);
    for (size_t i = 0; i < v->nsources; i++)
        if (own[i])
            v->sources[i].last_error = v->sources[i].error_text;
    free(own);
    struct view_source *s = &v->sources[v->nsources++];
    memset(s, 0, sizeof *s);
    return s;
}
