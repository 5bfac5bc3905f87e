/* view.c - compute one snapshot from the store (see view.h). */
#include "core/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/xalloc.h"

/* The intervals every series is summed over. */
enum {
    I_WIN,
    I_B1, /* I_B1 + d - 1: the window shifted back d days, d = 1..7 */
    I_TODAY = I_B1 + 7,
    I_24H,
    I_7D,
    I_BURN,
    I_DRIFT, /* the last 7 whole UTC days, for billed vs estimated */
    I_COUNT,
};

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

/* Whether the figures mean anything yet. Sources are configured, none has
 * ever succeeded and nothing is stored: a wrong key or a missing export
 * file must read "unknown", not "$0.00 -- all quiet". */
static bool money_known(const struct store *st, const struct view_params *p)
{
    if (p->nsources == 0 || store_series_count(st) > 0)
        return true;
    for (size_t i = 0; i < p->nsources; i++)
        if (p->sources[i].last_success)
            return true;
    return false;
}

static int64_t floor_to(int64_t t, int64_t unit)
{
    int64_t r = t % unit;
    return r < 0 ? t - r - unit : t - r;
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

static void sparklines(const struct store *st, const struct view_params *p,
                       const bool *counted, int ndays, struct view *v)
{
    /* 8 days of hour slots, oldest first; the last is the current hour.
     * Slot s of the 24h sparkline is hours[7 * 24 + s]; its baseline day d
     * is hours[(7 - d) * 24 + s]. */
    enum { SLOTS = 8 * VIEW_HOURS };
    int64_t hour = floor_to(p->now, 3600);
    int64_t first = hour - (SLOTS - 1) * 3600;
    /* priced and unpriced series apart: money only from the first */
    struct tally *h = xcalloc(SLOTS, sizeof *h);
    struct tally *unpriced = xcalloc(SLOTS, sizeof *unpriced);
    for (size_t id = 0; id < store_series_count(st); id++) {
        if (!counted[id])
            continue;
        bool priced = store_series_price(st, (int)id) != PRICE_NONE;
        store_hourly(st, (int)id, first, SLOTS, priced ? h : unpriced);
    }
    for (int i = 0; i < SLOTS; i++) {
        unpriced[i].cost = 0;
        tally_add(&h[i], &unpriced[i]);
    }
    for (int i = 0; i < VIEW_WEEK_HOURS; i++)
        v->week_usd[i] = h[SLOTS - VIEW_WEEK_HOURS + i].cost;
    for (int i = 0; i < VIEW_HOURS; i++) {
        const struct tally *now = &h[7 * VIEW_HOURS + i];
        struct view_hour *vh = &v->hours[i];
        vh->start = first + (int64_t)(7 * VIEW_HOURS + i) * 3600;
        vh->usd = now->cost;
        vh->hit_rate = div_or_nan((double)now->cache_read, (double)now->input_ck);
        vh->reasoning = div_or_nan((double)now->reasoning, (double)now->output_rk);
        double usd = 0, cr = 0, ick = 0, rs = 0, ork = 0;
        for (int d = 1; d <= ndays; d++) {
            const struct tally *b = &h[(7 - d) * VIEW_HOURS + i];
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
    free(h);
    free(unpriced);
    v->has_sparklines = true;
}

/* One scope's figures from its sums. */
static void fill_scope(struct view_scope *sc, const struct acc *a, int ndays)
{
    sc->window_usd = money(a, I_WIN);
    sc->baseline_usd = mean_days(a, ndays, cost_of);
    sc->requests = a->p[I_WIN].requests + a->u[I_WIN].requests;
    double req = 0;
    for (int d = 0; d < ndays; d++)
        req += (double)(a->p[I_B1 + d].requests + a->u[I_B1 + d].requests);
    sc->baseline_requests = ndays ? req / ndays : NAN;
    rate(a, ndays, true, &sc->hit_rate, &sc->baseline_hit_rate);
    rate(a, ndays, false, &sc->reasoning, &sc->baseline_reasoning);
    sc->input_known = a->p[I_WIN].input_ck + a->u[I_WIN].input_ck;
    sc->output_known = a->p[I_WIN].output_rk + a->u[I_WIN].output_rk;
    sc->mix_distance = NAN;
}

/* Total variation distance between a scope's spend shares by model now
 * and in the baseline: half the sum of |share - baseline share|, summed
 * into dist[owner] from the (owner, model) groups in one pass. */
static void mix_distances(const struct groups *owners, const struct groups *pairs,
                          int ndays, double *dist)
{
    for (size_t i = 0; i < pairs->n; i++) {
        long o = group_find(owners, pairs->a[i], NULL);
        if (o < 0)
            continue;
        double win = owners->acc[o].p[I_WIN].cost;
        double base = mean_days(&owners->acc[o], ndays, cost_of);
        double share = div_or_nan(pairs->acc[i].p[I_WIN].cost, win);
        double bshare = div_or_nan(mean_days(&pairs->acc[i], ndays, cost_of), base);
        dist[o] += fabs((isnan(share) ? 0 : share) - (isnan(bshare) ? 0 : bshare)) / 2;
    }
    for (size_t o = 0; o < owners->n; o++)
        if (!(owners->acc[o].p[I_WIN].cost > 0) ||
            !(mean_days(&owners->acc[o], ndays, cost_of) > 0))
            dist[o] = NAN;
}

static void scopes(struct view *v, int ndays, const struct acc *total,
                   const struct groups *providers, const struct groups *provider_models,
                   const struct groups *models, const struct groups *tenants,
                   const struct groups *tenant_models)
{
    size_t n = 1 + providers->n + models->n + tenants->n;
    v->scopes = xcalloc(n, sizeof *v->scopes);
    struct view_scope *sc = v->scopes;
    double *pdist = xcalloc(providers->n + 1, sizeof *pdist);
    double *tdist = xcalloc(tenants->n + 1, sizeof *tdist);
    mix_distances(providers, provider_models, ndays, pdist);
    mix_distances(tenants, tenant_models, ndays, tdist);
    sc->kind = SCOPE_TOTAL;
    fill_scope(sc, total, ndays);
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

void view_compute(const struct store *st, const struct view_params *p,
                  struct view *v)
{
    memset(v, 0, sizeof *v);
    v->now = p->now;
    v->window = p->window;

    int64_t iv[I_COUNT][2];
    iv[I_WIN][0] = p->now - p->window;
    iv[I_WIN][1] = p->now;
    for (int d = 1; d <= 7; d++) {
        iv[I_B1 + d - 1][0] = p->now - d * (int64_t)CLOCK_DAY - p->window;
        iv[I_B1 + d - 1][1] = p->now - d * (int64_t)CLOCK_DAY;
    }
    iv[I_TODAY][0] = p->day_start;
    iv[I_TODAY][1] = p->now;
    iv[I_24H][0] = p->now - CLOCK_DAY;
    iv[I_24H][1] = p->now;
    iv[I_7D][0] = p->now - 7 * (int64_t)CLOCK_DAY;
    iv[I_7D][1] = p->now;
    iv[I_BURN][0] = p->now - CLOCK_HOUR;
    iv[I_BURN][1] = p->now;
    iv[I_DRIFT][1] = floor_to(p->now, CLOCK_DAY);
    iv[I_DRIFT][0] = iv[I_DRIFT][1] - 7 * (int64_t)CLOCK_DAY;

    /* Baseline days: those whose shifted window lies inside the history. */
    int64_t first = store_first_minute(st);
    int ndays = 0;
    while (ndays < 7 && first <= iv[I_B1 + ndays][0])
        ndays++;
    v->baseline_days = ndays;

    struct acc total = {0};
    struct groups tenants = {0}, models = {0};
    /* coverage: span spend of usage-API providers, per span source; and
     * usage-API spend per provider */
    struct groups cov = {0}, usage_cost = {0};
    /* billed vs estimated per usage source */
    struct groups drift = {0};
    /* for the alert scopes: providers, and spend by (provider, model) and
     * (tenant, model) for the mix distance of each provider and tenant */
    struct groups providers = {0}, provider_models = {0}, tenant_models = {0};
    bool any_billed = false;
    for (size_t i = 0; i < p->nsources; i++)
        any_billed |= p->sources[i].reports_billed;

    size_t nseries = store_series_count(st);
    bool *counted = xcalloc(nseries ? nseries : 1, sizeof *counted);
    struct tally t[I_COUNT];
    for (size_t id = 0; id < nseries; id++) {
        const struct series_key *k = store_series_key(st, (int)id);
        if (!series_selected(p, k))
            continue;
        const struct source_status *src = find_source(p, k->source);
        bool usage = src && src->usage_provider;
        for (int i = 0; i < I_COUNT; i++)
            store_sum(st, (int)id, iv[i][0], iv[i][1], &t[i]);
        enum price_status price = store_series_price(st, (int)id);
        bool priced = price != PRICE_NONE;
        if (!priced)
            for (int i = 0; i < I_COUNT; i++)
                t[i].cost = 0;
        if (!usage && provider_has_usage_source(p, k->provider)) {
            /* counted by the provider's usage API: coverage only */
            size_t g = group_of(&cov, k->source, k->provider);
            acc_add(&cov.acc[g], t, priced);
            continue;
        }
        counted[id] = true;
        if (usage) {
            size_t g = group_of(&usage_cost, k->provider, NULL);
            acc_add(&usage_cost.acc[g], t, priced);
            g = group_of(&drift, k->source, NULL);
            acc_add(&drift.acc[g], t, priced);
        }
        acc_add(&total, t, priced);
        size_t tg = group_of(&tenants, k->tenant, NULL); /* may grow the array */
        acc_add(&tenants.acc[tg], t, priced);
        size_t m = group_of(&models, k->provider, k->model);
        acc_add(&models.acc[m], t, priced);
        if (price == PRICE_NONE || models.price[m] == PRICE_NONE)
            models.price[m] = PRICE_NONE;
        else if (price == PRICE_PARTIAL)
            models.price[m] = PRICE_PARTIAL;
        if (p->scopes) {
            size_t g = group_of(&providers, k->provider, NULL);
            acc_add(&providers.acc[g], t, priced);
            if (priced) {
                g = group_of(&provider_models, k->provider, k->model);
                acc_add(&provider_models.acc[g], t, true);
                g = group_of(&tenant_models, k->tenant, k->model);
                acc_add(&tenant_models.acc[g], t, true);
            }
        }
    }

    /* spend */
    struct view_spend *s = &v->spend;
    s->window_usd = money(&total, I_WIN);
    s->baseline_usd = mean_days(&total, ndays, cost_of);
    s->ratio = div_or_nan(s->window_usd, s->baseline_usd);
    s->today_usd = money(&total, I_TODAY);
    s->last_24h_usd = money(&total, I_24H);
    s->last_7d_usd = money(&total, I_7D);
    s->burn_usd_per_hour = money(&total, I_BURN); /* the last hour, so $/h */
    s->projected_today_usd = s->today_usd +
        s->burn_usd_per_hour * (double)(p->day_end - p->now) / 3600.0;
    s->billed_today_usd = any_billed ? total.p[I_TODAY].billed + total.u[I_TODAY].billed : NAN;
    bool known = money_known(st, p);
    if (!known)
        s->window_usd = s->today_usd = s->last_24h_usd = s->last_7d_usd =
            s->burn_usd_per_hour = s->projected_today_usd = s->billed_today_usd = NAN;

    rate(&total, ndays, true, &v->cache.rate, &v->cache.baseline);
    v->cache.part_tokens = total.p[I_WIN].cache_read + total.u[I_WIN].cache_read;
    v->cache.whole_tokens = total.p[I_WIN].input + total.u[I_WIN].input;
    rate(&total, ndays, false, &v->reasoning.rate, &v->reasoning.baseline);
    v->reasoning.part_tokens = total.p[I_WIN].reasoning + total.u[I_WIN].reasoning;
    v->reasoning.whole_tokens = total.p[I_WIN].output + total.u[I_WIN].output;

    /* tenants: every one seen, plus every one with a budget */
    for (size_t i = 0; i < p->nbudgets; i++)
        if (!p->only_tenant || strcmp(p->only_tenant, p->budgets[i].tenant) == 0)
            group_of(&tenants, p->budgets[i].tenant, NULL);
    v->tenants = xcalloc(tenants.n ? tenants.n : 1, sizeof *v->tenants);
    for (size_t i = 0; i < tenants.n; i++) {
        const struct acc *a = &tenants.acc[i];
        struct view_tenant *vt = &v->tenants[v->ntenants];
        vt->tenant = tenants.a[i];
        vt->budget_usd = vt->budget_used = NAN;
        for (size_t b = 0; b < p->nbudgets; b++)
            if (strcmp(p->budgets[b].tenant, vt->tenant) == 0)
                vt->budget_usd = p->budgets[b].daily_usd;
        if (acc_is_empty(a) && isnan(vt->budget_usd))
            continue;
        vt->window_usd = money(a, I_WIN);
        vt->baseline_usd = mean_days(a, ndays, cost_of);
        vt->ratio = div_or_nan(vt->window_usd, vt->baseline_usd);
        vt->today_usd = money(a, I_TODAY);
        vt->burn_usd_per_hour = money(a, I_BURN);
        if (!known) /* only budgeted tenants are listed then */
            vt->window_usd = vt->today_usd = vt->burn_usd_per_hour = NAN;
        vt->budget_used = div_or_nan(vt->today_usd, vt->budget_usd);
        vt->requests = a->p[I_WIN].requests + a->u[I_WIN].requests;
        v->ntenants++;
    }
    qsort(v->tenants, v->ntenants, sizeof *v->tenants, cmp_tenant);

    /* models and the mix */
    v->models = xcalloc(models.n ? models.n : 1, sizeof *v->models);
    v->unpriced = xcalloc(models.n ? models.n : 1, sizeof *v->unpriced);
    double total_win = s->window_usd, total_base = s->baseline_usd;
    for (size_t i = 0; i < models.n; i++) {
        const struct acc *a = &models.acc[i];
        if (acc_is_empty(a))
            continue;
        struct view_model *vm = &v->models[v->nmodels++];
        vm->provider = models.a[i];
        vm->model = models.b[i];
        vm->price = models.price[i];
        bool priced = vm->price != PRICE_NONE;
        vm->requests = a->p[I_WIN].requests + a->u[I_WIN].requests;
        vm->window_usd = priced ? money(a, I_WIN) : NAN;
        vm->baseline_usd = priced ? mean_days(a, ndays, cost_of) : NAN;
        vm->share = priced ? div_or_nan(vm->window_usd, total_win) : NAN;
        vm->baseline_share = priced ? div_or_nan(vm->baseline_usd, total_base) : NAN;
        double req = 0;
        for (int d = 0; d < ndays; d++)
            req += (double)(a->p[I_B1 + d].requests + a->u[I_B1 + d].requests);
        vm->baseline_requests = ndays ? req / ndays : NAN;
        rate(a, ndays, true, &vm->hit_rate, &vm->baseline_hit_rate);
        rate(a, ndays, false, &vm->reasoning, &vm->baseline_reasoning);
        if (!priced && active(&a->u[I_WIN])) {
            struct view_unpriced *u = &v->unpriced[v->nunpriced++];
            u->provider = vm->provider;
            u->model = vm->model;
            u->requests = a->u[I_WIN].requests;
            u->input_tokens = a->u[I_WIN].input;
            u->output_tokens = a->u[I_WIN].output;
        }
    }
    qsort(v->models, v->nmodels, sizeof *v->models, cmp_model);
    v->mix_distance = NAN;
    if (total_win > 0 && total_base > 0) {
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

    /* sources: health, coverage (span sources), drift (usage sources) */
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
        vs->last_error = ss->last_error[0] ? ss->last_error : NULL;
        vs->records = ss->records;
        vs->rejected = ss->rejected;
        /* stale: no successful poll, or no new data, for stale_after (the
         * source_stale rule's test) */
        int64_t success = ss->last_success ? ss->last_success : ss->started;
        int64_t data = ss->last_data ? ss->last_data : ss->started;
        int64_t seen = success < data ? success : data;
        if (ss->state == SOURCE_ERROR)
            vs->status = "error";
        else if (p->stale_after > 0 && seen && p->now - seen > p->stale_after)
            vs->status = "stale";
        else if (ss->state == SOURCE_STARTING)
            vs->status = "starting";
        else
            vs->status = "ok";
        vs->coverage = vs->drift = NAN;
        if (!ss->usage_provider) {
            double num = 0, den = 0;
            bool any = false;
            for (size_t g = 0; g < cov.n; g++) {
                if (strcmp(cov.a[g], ss->name) != 0)
                    continue;
                any = true;
                num += cov.acc[g].p[I_WIN].cost;
                long u = group_find(&usage_cost, cov.b[g], NULL);
                if (u >= 0)
                    den += usage_cost.acc[u].p[I_WIN].cost;
            }
            if (any)
                vs->coverage = div_or_nan(num, den);
        } else if (ss->reports_billed) {
            long g = group_find(&drift, ss->name, NULL);
            if (g >= 0) {
                const struct acc *a = &drift.acc[g];
                double billed = a->p[I_DRIFT].billed + a->u[I_DRIFT].billed;
                double est = a->p[I_DRIFT].cost;
                if (billed > 0 && est > 0)
                    vs->drift = (billed - est) / est;
            }
        }
    }

    if (p->sparklines)
        sparklines(st, p, counted, ndays, v);
    if (p->sparklines && !known) { /* blank, not a flat line of $0 */
        for (int h = 0; h < VIEW_HOURS; h++)
            v->hours[h].usd = NAN;
        for (int h = 0; h < VIEW_WEEK_HOURS; h++)
            v->week_usd[h] = NAN;
    }
    if (p->scopes)
        scopes(v, ndays, &total, &providers, &provider_models, &models, &tenants,
               &tenant_models);

    free(counted);
    groups_free(&tenants);
    groups_free(&models);
    groups_free(&cov);
    groups_free(&usage_cost);
    groups_free(&drift);
    groups_free(&providers);
    groups_free(&provider_models);
    groups_free(&tenant_models);
}

void view_free(struct view *v)
{
    free(v->tenants);
    free(v->models);
    free(v->unpriced);
    free(v->sources);
    free(v->alerts);
    free(v->scopes);
    memset(v, 0, sizeof *v);
}
