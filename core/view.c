/* view.c - compute one snapshot from the store (see view.h). */
#include "core/view.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/imap.h"
#include "lib/strbuf.h"
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
 * series apart, because money only comes from the first. Most groups
 * have no unpriced series: their unpriced sums are made when one comes
 * (1.6 KB a group: at 10,000 tenants, half of a view's memory). */
struct acc {
    struct tally p[I_COUNT];
    struct tally *u;        /* I_COUNT of them, or NULL: all zero */
};

static const struct tally no_tallies[I_COUNT];

/* The unpriced sums (zero when none were made). */
static const struct tally *acc_u(const struct acc *a)
{
    return a->u ? a->u : no_tallies;
}

static struct tally *acc_u_made(struct acc *a)
{
    if (!a->u)
        a->u = xcalloc(I_COUNT, sizeof *a->u);
    return a->u;
}

static void acc_free(struct acc *a)
{
    free(a->u);
    a->u = NULL;
}

/* Every count of t is 0: no record is left in it. */
static bool no_counts(const struct tally *t)
{
    return !(t->requests | t->errors | t->input | t->input_ck | t->cache_read |
             t->cache_write_5m | t->cache_write_1h | t->output | t->output_rk |
             t->reasoning | t->requests_unknown | t->no_usage | t->reported_n);
}

/* Most of a series' intervals hold nothing (a tenant busy a few minutes
 * a day): adding those would only touch the group's 3 KB of sums, and
 * missing the cache there was a large part of a view's build at 100,000
 * series. Adding zero changes nothing, so skipping it is exact. */
static void acc_add(struct acc *a, const struct tally *t, bool priced)
{
    struct tally *dst = NULL; /* the unpriced made only for something to add */
    for (int i = 0; i < I_COUNT; i++)
        if (!no_counts(&t[i]) || t[i].cost != 0 || t[i].billed != 0 || t[i].reported != 0) {
            if (!dst)
                dst = priced ? a->p : acc_u_made(a);
            tally_add(&dst[i], &t[i]);
        }
}

/* Take sums t back out of a (the incremental view, below). Counts come
 * back exactly; money may keep a rounding residue (a double's last bits
 * of the amounts involved), which must not read as spend: a sum with no
 * record left is 0, and so is a billed amount within 1e-12 of what it
 * was (billed amounts come without a count of their own). */
static void acc_sub(struct acc *a, const struct tally *t, bool priced)
{
    struct tally *dst = priced ? a->p : acc_u_made(a);
    for (int i = 0; i < I_COUNT; i++) {
        double billed = fabs(dst[i].billed) + fabs(t[i].billed);
        tally_sub(&dst[i], &t[i]);
        if (no_counts(&dst[i]))
            dst[i].cost = dst[i].reported = 0;
        if (fabs(dst[i].billed) <= 1e-12 * billed)
            dst[i].billed = 0;
    }
}

static void acc_apply(struct acc *a, const struct tally *t, bool priced, int sign)
{
    if (sign > 0)
        acc_add(a, t, priced);
    else
        acc_sub(a, t, priced);
}

/* Spend over interval i: NAN when all usage in it is unpriced (we do not
 * know it), else the priced sum. */
static double money(const struct acc *a, int i)
{
    if (!tally_active(&a->p[i]) && tally_active(&acc_u(a)[i]))
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

/* The baseline spend: the mean of the baseline days' money (money()),
 * over the days whose money is known. A day whose usage was all unpriced
 * is unknown, not $0: counted as $0 it made a tenant that moved from an
 * unpriced model to a priced one "up from a baseline of $0" and paged.
 * NAN when no day is known. */
static double baseline_money(const struct acc *a, int ndays)
{
    double s = 0;
    int known = 0;
    for (int d = 0; d < ndays; d++) {
        double m = money(a, I_B1 + d);
        if (!isnan(m)) {
            s += m;
            known++;
        }
    }
    return known ? s / known : NAN;
}

static double div_or_nan(double num, double den)
{
    return den > 0 && isfinite(num) ? num / den : NAN;
}

/* Rate part/whole over the window, and over the baseline days pooled. */
static void rate(const struct acc *a, int ndays, bool cache, double *now, double *base)
{
    struct tally w = a->p[I_WIN];
    tally_add(&w, &acc_u(a)[I_WIN]);
    *now = cache ? div_or_nan((double)w.cache_read, (double)w.input_ck)
                 : div_or_nan((double)w.reasoning, (double)w.output_rk);
    if (ndays == 0) {
        *base = NAN;
        return;
    }
    double part = 0, whole = 0;
    for (int d = 0; d < ndays; d++) {
        struct tally b = a->p[I_B1 + d];
        tally_add(&b, &acc_u(a)[I_B1 + d]);
        part += (double)(cache ? b.cache_read : b.reasoning);
        whole += (double)(cache ? b.input_ck : b.output_rk);
    }
    *base = div_or_nan(part, whole);
}

/* A group's members: the series whose sums are in it now, by price
 * status (a model's is the worst of its series'). A group stays when its
 * last member leaves (an incremental view keeps its groups); it is then
 * dead, and listed nowhere, unless pinned (a budgeted tenant is listed
 * without usage). */
struct group_meta {
    int members;
    int by_price[3];     /* by enum price_status */
    bool pinned;
};

/* A growing array of groups found through a string key; during a walk
 * of the store (memo_on), first through the key's interned pointers. */
struct groups {
    struct hmap index;   /* key -> position + 1 */
    struct imap memo;    /* (a, b) pointers -> position, during a walk */
    bool memo_on;
    struct acc *acc;
    const char **a, **b; /* the key's parts (tenant, or provider + model):
                            the index's own copy, valid while the groups are */
    enum price_status *price;
    struct group_meta *meta;
    size_t n, cap;
};

static bool group_live(const struct groups *g, size_t i)
{
    return g->meta[i].members > 0 || g->meta[i].pinned;
}

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

static size_t group_add(struct groups *g, const char *a, const char *b);

/* Room for cap groups. A full build reserves what its walk will need at
 * once: doubling a 33 MB array of sums (10,000 tenants) copies it and
 * zeroes fresh pages for each copy, a tenth of the build. */
static void groups_reserve(struct groups *g, size_t cap)
{
    if (cap <= g->cap)
        return;
    g->acc = xresize_big(g->acc, g->cap * sizeof *g->acc, cap * sizeof *g->acc);
    g->a = xrealloc(g->a, cap * sizeof *g->a);
    g->b = xrealloc(g->b, cap * sizeof *g->b);
    g->price = xrealloc(g->price, cap * sizeof *g->price);
    g->meta = xrealloc(g->meta, cap * sizeof *g->meta);
    g->cap = cap;
}

/* The store interns names (one copy of each while it is used) and does
 * not change during a walk of it, so there a pointer is a name: the
 * memo skips building, hashing and comparing the string key for the nine
 * in ten series whose tenant, and nearly every series whose model, an
 * earlier one already found. It is emptied after the walk: a name freed
 * later may leave its address to another. */
static size_t group_of(struct groups *g, const char *a, const char *b)
{
    if (!g->memo_on)
        return group_add(g, a, b);
    bool created;
    size_t *v = imap_put(&g->memo, (uintptr_t)a, (uintptr_t)b, &created);
    if (created) {
        size_t i = group_add(g, a, b);
        v = imap_put(&g->memo, (uintptr_t)a, (uintptr_t)b, &created);
        *v = i;
    }
    return *v;
}

static size_t group_add(struct groups *g, const char *a, const char *b)
{
    char key[600];
    size_t n = group_key(key, sizeof key, a, b);
    void **slot = hmap_put(&g->index, key, n);
    if (*slot)
        return (size_t)((intptr_t)*slot - 1);
    size_t i = g->n++;
    if (g->n > g->cap)
        groups_reserve(g, g->cap ? g->cap * 2 : 16);
    memset(&g->acc[i], 0, sizeof g->acc[i]);
    memset(&g->meta[i], 0, sizeof g->meta[i]);
    *slot = (void *)(intptr_t)(i + 1);
    /* the names outlive the series they came from (it may be freed) */
    const char *own = hmap_key(&g->index, key, n);
    g->a[i] = own;
    size_t alen = strlen(own);
    g->b[i] = !b ? NULL : alen < n ? own + alen + 1 : ""; /* "" if a filled the key */
    g->price[i] = PRICE_FULL;
    return i;
}

/* One member more (sign 1) or fewer (-1) in group i, priced as price. */
static void group_count(struct groups *g, size_t i, enum price_status price, int sign)
{
    struct group_meta *m = &g->meta[i];
    m->members += sign;
    m->by_price[price] += sign;
    g->price[i] = m->by_price[PRICE_NONE]      ? PRICE_NONE
                  : m->by_price[PRICE_PARTIAL] ? PRICE_PARTIAL
                                               : PRICE_FULL;
}

/* Priced spend of one (owner, model) pair, for the mix distances: the
 * window, then each baseline day. A struct acc is 2.7 KB; there is a pair
 * for every tenant and model (100,000 at scale), and the distances need
 * eight numbers of each. */
struct pair_cost {
    double usd[1 + BASELINE_DAYS];
};

/* The (owner, model) pairs of one kind of owner (providers or tenants),
 * found by the owner's position in its groups and the model name's
 * number (struct names). */
struct pairs {
    struct imap index;   /* (owner position, model number) -> position */
    struct pair_cost *cost;
    size_t *owner;       /* the owner's position in its groups */
    size_t n, cap;
};

/* Model names as numbers, the pairs' keys: a pair per tenant and model
 * is 100,000 at scale, and a string key each was a third of a view's
 * build. Found by the interned pointer during a walk, as groups are. */
struct names {
    struct hmap index;   /* name -> number + 1 */
    struct imap memo;    /* (pointer, 0) -> number, during a walk */
    bool memo_on;
};

static size_t name_number(struct names *m, const char *name)
{
    bool created = true;
    size_t *v = m->memo_on ? imap_put(&m->memo, (uintptr_t)name, 0, &created) : NULL;
    if (!created)
        return *v;
    void **slot = hmap_put(&m->index, name, strlen(name));
    if (!*slot)
        *slot = (void *)(intptr_t)(m->index.count);
    size_t n = (size_t)((intptr_t)*slot - 1);
    if (v)
        *v = n;
    return n;
}

/* Room for cap pairs (as groups_reserve). Not the index's: pair_add holds
 * a slot of it while the pairs grow. */
static void pairs_reserve(struct pairs *g, size_t cap)
{
    if (cap <= g->cap)
        return;
    g->cost = xresize_big(g->cost, g->cap * sizeof *g->cost, cap * sizeof *g->cost);
    g->owner = xrealloc(g->owner, cap * sizeof *g->owner);
    g->cap = cap;
}

/* Add priced sums t to the pair (owner, model number). */
static void pair_add(struct pairs *g, size_t owner, size_t model, const struct tally *t,
                     int sign)
{
    bool created;
    size_t *slot = imap_put(&g->index, owner, model, &created);
    size_t i;
    if (!created) {
        i = *slot;
    } else {
        i = g->n++;
        if (g->n > g->cap)
            pairs_reserve(g, g->cap ? g->cap * 2 : 16);
        memset(&g->cost[i], 0, sizeof g->cost[i]);
        g->owner[i] = owner;
        *slot = i;
    }
    g->cost[i].usd[0] += sign * t[I_WIN].cost;
    for (int d = 0; d < BASELINE_DAYS; d++)
        g->cost[i].usd[1 + d] += sign * t[I_B1 + d].cost;
}

static void pairs_free(struct pairs *g)
{
    imap_free(&g->index);
    xfree_big(g->cost, g->cap * sizeof *g->cost);
    free(g->owner);
}

static void groups_free(struct groups *g)
{
    hmap_free(&g->index, NULL);
    imap_free(&g->memo);
    for (size_t i = 0; i < g->n; i++)
        acc_free(&g->acc[i]);
    xfree_big(g->acc, g->cap * sizeof *g->acc);
    free(g->a);
    free(g->b);
    free(g->price);
    free(g->meta);
}

static const struct source_status *find_source(const struct view_params *p,
                                               const char *name)
{
    for (size_t i = 0; i < p->nsources; i++)
        if (strcmp(p->sources[i].name, name) == 0)
            return &p->sources[i];
    return NULL;
}

/* A usage source of the provider that has answered once (source.h). */
static bool provider_has_usage_source(const struct view_params *p, const char *provider)
{
    for (size_t i = 0; i < p->nsources; i++)
        if (p->sources[i].usage_provider && p->sources[i].usage_known &&
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
        if (tally_active(&a->p[i]) || tally_active(&acc_u(a)[i]) || a->p[i].cost != 0)
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
 * lies wholly inside the history held, which starts at first (the
 * store's first minute). Owes the accumulation every [t0, t1); owes every
 * later stage ndays (baseline means divide by it, and 0 makes them NAN);
 * owes the sparklines their first hour. */
static void stage_intervals(int64_t first, const struct view_params *p, struct intervals *iv)
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

    iv->ndays = 0;
    while (iv->ndays < BASELINE_DAYS && first <= t[I_B1 + iv->ndays][0])
        iv->ndays++;
    iv->hour0 = clock_floor(p->now, CLOCK_HOUR) - (SPARK_SLOTS - 1) * (int64_t)CLOCK_HOUR;
}

/* ---- stage 2: accumulation ------------------------------------------------- */

/* Every sum the later stages read, from one walk of the series (or kept
 * from the last view and brought up to date: the incremental view). */
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
    struct names model_names;
};

static void sums_free(struct sums *s)
{
    acc_free(&s->total);
    groups_free(&s->tenants);
    groups_free(&s->models);
    groups_free(&s->cov);
    groups_free(&s->usage_cost);
    groups_free(&s->drift);
    groups_free(&s->providers);
    pairs_free(&s->provider_models);
    pairs_free(&s->tenant_models);
    hmap_free(&s->model_names.index, NULL);
    imap_free(&s->model_names.memo);
    memset(s, 0, sizeof *s);
}

/* Find names through their interned pointers (on: a walk of the store
 * begins), or no longer (off: it ended; the memos are emptied). */
static void sums_memo(struct sums *s, bool on)
{
    struct groups *all[] = {&s->tenants, &s->models, &s->cov, &s->usage_cost, &s->drift,
                            &s->providers};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        all[i]->memo_on = on;
        imap_free(&all[i]->memo);
    }
    s->model_names.memo_on = on;
    imap_free(&s->model_names.memo);
}

/* How a series is in the sums, by id: set when its sums are added, read
 * when they are taken back out (its key and price may have changed by
 * then). */
enum {
    SF_IN = 1,           /* its sums are in the groups */
    SF_COUNTED = 2,      /* in the totals (else in coverage only) */
    SF_USAGE = 4,        /* from a usage-API source */
    SF_PENDING = 8,      /* taken out before a change; added back next view */
    SF_PRICE = 16,       /* its enum price_status, times SF_PRICE */
};

static enum price_status flag_price(uint8_t f) { return (enum price_status)(f / SF_PRICE % 4); }

/* The moving edges of an incremental view (view_cache): every bound that
 * slides with the clock, as offsets back from now. A bucket starting at s
 * is inside [now - off, ...) while s >= now - off, and crosses the edge at
 * now = s + off + 1. A walk that sums a series can tell, at little more
 * cost, when its sums next change with the clock alone: into next[id]. */
struct edges {
    const int64_t *offsets;
    int n;
    int64_t now;
    int64_t *next;          /* by series id */
};

/* When a series' sums next change, given first[k], its first bucket at or
 * after each edge (INT64_MAX: none). */
static int64_t edges_next(const struct edges *e, const int64_t *first)
{
    int64_t next = INT64_MAX;
    for (int k = 0; k < e->n; k++)
        if (first[k] != INT64_MAX && first[k] + e->offsets[k] + 1 < next)
            next = first[k] + e->offsets[k] + 1;
    return next;
}

/* Sum series id over the n intervals iv into t and find when its sums
 * next change (e->next[id]): one walk of the series. */
static void sum_and_edges(const struct store *st, int id, const int64_t (*iv)[2], int n,
                          struct tally *t, const struct edges *e)
{
    int64_t at[2 * I_COUNT], first[2 * I_COUNT];
    for (int k = 0; k < e->n; k++)
        at[k] = e->now - e->offsets[k];
    store_query(st, id, &(struct store_query){iv, n, t, at, e->n, first, 0, 0, NULL});
    e->next[id] = edges_next(e, first);
}

/* Series id summed over every interval into t[I_COUNT]; cost 0 when its
 * model has no price (acc_add keeps such series apart: money comes only
 * from priced ones). */
static void series_sums(const struct store *st, int id, const struct intervals *iv,
                        bool priced, struct tally *t)
{
    store_sum_many(st, id, (const int64_t(*)[2])iv->t, I_COUNT, t);
    if (!priced)
        for (int i = 0; i < I_COUNT; i++)
            t[i].cost = 0;
}

/* The groups only the alert scopes read. */
static void count_for_scopes(struct sums *s, const struct series_key *k, size_t tenant,
                             enum price_status price, const struct tally *t, int sign)
{
    bool priced = price != PRICE_NONE;
    size_t g = group_of(&s->providers, k->provider, NULL);
    acc_apply(&s->providers.acc[g], t, priced, sign);
    group_count(&s->providers, g, price, sign);
    if (priced) { /* mix shares are of priced spend */
        size_t m = name_number(&s->model_names, k->model);
        pair_add(&s->provider_models, g, m, t, sign);
        pair_add(&s->tenant_models, tenant, m, t, sign);
    }
}

/* Add (sign 1) or take out (-1) a counted series' sums t to the total and
 * each of its groups. A model's price status is the worst of its series':
 * one unpriced series makes it unpriced, one partial makes it partial. */
static void count_series(struct sums *s, const struct series_key *k, uint8_t f,
                         const struct tally *t, bool scopes, int sign)
{
    enum price_status price = flag_price(f);
    bool priced = price != PRICE_NONE;
    if (f & SF_USAGE) {
        size_t g = group_of(&s->usage_cost, k->provider, NULL);
        acc_apply(&s->usage_cost.acc[g], t, priced, sign);
        group_count(&s->usage_cost, g, price, sign);
        g = group_of(&s->drift, k->source, NULL);
        acc_apply(&s->drift.acc[g], t, priced, sign);
        group_count(&s->drift, g, price, sign);
    }
    acc_apply(&s->total, t, priced, sign);
    size_t tg = group_of(&s->tenants, k->tenant, NULL); /* may grow the array */
    acc_apply(&s->tenants.acc[tg], t, priced, sign);
    group_count(&s->tenants, tg, price, sign);
    size_t m = group_of(&s->models, k->provider, k->model);
    acc_apply(&s->models.acc[m], t, priced, sign);
    group_count(&s->models, m, price, sign);
    if (scopes)
        count_for_scopes(s, k, tg, price, t, sign);
}

/* Add or take out series sums t, as flags f say it is counted: a span
 * series of a provider that has a usage-API source is counted by that
 * source (DESIGN.md §4), its spans go to coverage only. */
static void apply_series(struct sums *s, const struct series_key *k, uint8_t f,
                         const struct tally *t, bool scopes, int sign)
{
    if (f & SF_COUNTED) {
        count_series(s, k, f, t, scopes, sign);
        return;
    }
    size_t g = group_of(&s->cov, k->source, k->provider);
    acc_apply(&s->cov.acc[g], t, flag_price(f) != PRICE_NONE, sign);
    group_count(&s->cov, g, flag_price(f), sign);
}

/* How series id is in a view with p: 0 when it is not (freed, or not
 * selected by the drill-down), else its flags. */
static uint8_t series_flags(const struct store *st, const struct view_params *p, int id)
{
    if (!store_series_live(st, id))
        return 0;
    const struct series_key *k = store_series_key(st, id);
    if (!series_selected(p, k))
        return 0;
    const struct source_status *src = find_source(p, k->source);
    uint8_t f = SF_IN;
    if (src && src->usage_provider)
        f |= SF_USAGE;
    if (view_series_counted(p, k))
        f |= SF_COUNTED;
    return (uint8_t)(f | store_series_price(st, id) * SF_PRICE);
}

/* Hour sums of the counted series, (BASELINE_DAYS + 1) days of hour slots
 * oldest first, the last the current hour: slot s of the 24h sparkline is
 * p[BASELINE_DAYS * 24 + s], its baseline day d p[(BASELINE_DAYS - d) *
 * 24 + s]. Priced and unpriced series apart: money only from the first. */
struct sparks {
    struct tally p[SPARK_SLOTS], u[SPARK_SLOTS];
};

/* What a walk of the series owes one view being built (cache_reset).
 * Several are built in one walk: the alert windows' views share most of
 * their intervals (today, 24 hours, 7 days, the burn hour, the drift
 * days) and every series is read once for all of them. */
struct build {
    const struct view_params *p;
    const struct intervals *iv;
    struct sums *s;
    bool scopes;
    const struct edges *e;  /* NULL: no next changes wanted */
    struct sparks *sparks;  /* NULL: no sparklines summed in the walk (one
                               build of a walk at most) */
};
enum { BUILDS_MAX = 4 };

/* The distinct intervals and edges of n builds, and where each build's
 * are among them: made once for a walk of every series. */
struct plan {
    int niv, nat;
    int64_t iv[BUILDS_MAX * I_COUNT][2];
    int64_t at[BUILDS_MAX * 2 * I_COUNT];
    int iv_of[BUILDS_MAX][I_COUNT];
    int at_of[BUILDS_MAX][2 * I_COUNT];
};

static int plan_interval(struct plan *pl, const int64_t *v)
{
    for (int i = 0; i < pl->niv; i++)
        if (pl->iv[i][0] == v[0] && pl->iv[i][1] == v[1])
            return i;
    pl->iv[pl->niv][0] = v[0];
    pl->iv[pl->niv][1] = v[1];
    return pl->niv++;
}

static int plan_edge(struct plan *pl, int64_t t)
{
    for (int k = 0; k < pl->nat; k++)
        if (pl->at[k] == t)
            return k;
    pl->at[pl->nat] = t;
    return pl->nat++;
}

static void plan_make(struct plan *pl, const struct build *b, int n)
{
    pl->niv = pl->nat = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < I_COUNT; j++)
            pl->iv_of[i][j] = plan_interval(pl, b[i].iv->t[j]);
        for (int k = 0; b[i].e && k < b[i].e->n; k++)
            pl->at_of[i][k] = plan_edge(pl, b[i].e->now - b[i].e->offsets[k]);
    }
}

/* Add series id to each build's sums, as its p counts it (and to the
 * groups only scopes read, with scopes), summed in one walk of the series
 * for all of them; f[i] = its flags in build i (0: not in it); with e, its
 * next change. */
static void add_series_planned(const struct store *st, const struct plan *pl,
                               const struct build *b, int n, int id, uint8_t *f)
{
    bool any = false;
    for (int i = 0; i < n; i++) {
        f[i] = series_flags(st, b[i].p, id);
        any |= f[i] != 0;
    }
    if (!any)
        return;
    struct tally sum[BUILDS_MAX * I_COUNT], t[I_COUNT];
    int64_t first[BUILDS_MAX * 2 * I_COUNT], mine[2 * I_COUNT];
    struct store_query q = {(const int64_t(*)[2])pl->iv, pl->niv, sum, pl->at, pl->nat, first,
                            0, 0, NULL};
    for (int i = 0; i < n; i++)
        if (b[i].sparks && (f[i] & SF_COUNTED)) { /* the hour sums in the same walk */
            q.hour0 = b[i].iv->hour0;
            q.nh = SPARK_SLOTS;
            q.hourly = flag_price(f[i]) != PRICE_NONE ? b[i].sparks->p : b[i].sparks->u;
        }
    store_query(st, id, &q);
    const struct series_key *k = store_series_key(st, id);
    for (int i = 0; i < n; i++) {
        if (!f[i])
            continue;
        for (int j = 0; j < I_COUNT; j++) {
            t[j] = sum[pl->iv_of[i][j]];
            if (flag_price(f[i]) == PRICE_NONE)
                t[j].cost = 0;
        }
        apply_series(b[i].s, k, f[i], t, b[i].scopes, 1);
        if (b[i].e) {
            for (int j = 0; j < b[i].e->n; j++)
                mine[j] = first[pl->at_of[i][j]];
            b[i].e->next[id] = edges_next(b[i].e, mine);
        }
    }
}

/* Add series id to the sums over iv, as p counts it (and to the groups
 * only scopes read, with scopes); its flags. With e, its next change. */
static uint8_t add_series(struct sums *s, const struct store *st, const struct view_params *p,
                          const struct intervals *iv, int id, bool scopes,
                          const struct edges *e)
{
    const struct build b = {p, iv, s, scopes, e, NULL};
    struct plan pl;
    plan_make(&pl, &b, 1);
    uint8_t f;
    add_series_planned(st, &pl, &b, 1, id, &f);
    return f;
}

/* Room in s for what a walk of st adds: a tenant per series at most, and
 * a pair per series (the distinct tenants are counted through their
 * interned pointers). */
static void sums_reserve(struct sums *s, const struct store *st, size_t tenants, bool scopes)
{
    size_t nseries = store_series_count(st);
    groups_reserve(&s->tenants, tenants);
    if (scopes) {
        pairs_reserve(&s->tenant_models, nseries);
        imap_reserve(&s->tenant_models.index, nseries);
        imap_reserve(&s->tenants.memo, tenants); /* by interned name */
    }
}

/* One walk of the series for n builds: each selected series (drill-down)
 * is summed over every interval and added to its groups, in id order.
 * Owes every later stage its sums, and the sparklines each series' flags
 * (flags[i][id]); with e, an incremental view each series' next change. */
static void stage_accumulate(const struct store *st, const struct build *b, int n,
                             uint8_t **flags)
{
    size_t nseries = store_series_count(st);
    struct imap seen = {0};
    bool created;
    for (size_t id = 0; id < nseries; id++)
        if (store_series_live(st, (int)id))
            imap_put(&seen, (uintptr_t)store_series_key(st, (int)id)->tenant, 0, &created);
    for (int i = 0; i < n; i++) {
        sums_memo(b[i].s, true);
        sums_reserve(b[i].s, st, imap_count(&seen), b[i].scopes);
    }
    imap_free(&seen);
    struct plan pl;
    plan_make(&pl, b, n);
    uint8_t f[BUILDS_MAX];
    for (size_t id = 0; id < nseries; id++) {
        add_series_planned(st, &pl, b, n, (int)id, f);
        for (int i = 0; i < n; i++)
            flags[i][id] = f[i];
    }
    for (int i = 0; i < n; i++)
        sums_memo(b[i].s, false);
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
    s->baseline_usd = baseline_money(total, ndays);
    s->ratio = div_or_nan(s->window_usd, s->baseline_usd);
    s->today_usd = money(total, I_TODAY);
    s->last_24h_usd = money(total, I_24H);
    s->last_7d_usd = money(total, I_7D);
    s->burn_usd_per_hour = money(total, I_BURN); /* the last hour, so $/h */
    s->projected_today_usd = s->today_usd +
        s->burn_usd_per_hour * (double)(p->day_end - p->now) / (double)CLOCK_HOUR;
    s->billed_today_usd =
        any_billed(p) ? total->p[I_TODAY].billed + acc_u(total)[I_TODAY].billed : NAN;
    /* the senders' own figures, priced or not by our table */
    struct tally w = total->p[I_WIN];
    tally_add(&w, &acc_u(total)[I_WIN]);
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
    v->cache.part_tokens = total->p[I_WIN].cache_read + acc_u(total)[I_WIN].cache_read;
    v->cache.whole_tokens = total->p[I_WIN].input + acc_u(total)[I_WIN].input;
    rate(total, ndays, false, &v->reasoning.rate, &v->reasoning.baseline);
    v->reasoning.part_tokens = total->p[I_WIN].reasoning + acc_u(total)[I_WIN].reasoning;
    v->reasoning.whole_tokens = total->p[I_WIN].output + acc_u(total)[I_WIN].output;
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
    vt->baseline_usd = baseline_money(a, ndays);
    vt->ratio = div_or_nan(vt->window_usd, vt->baseline_usd);
    vt->today_usd = money(a, I_TODAY);
    vt->burn_usd_per_hour = money(a, I_BURN);
    if (!known) /* only budgeted tenants are listed then */
        vt->window_usd = vt->today_usd = vt->burn_usd_per_hour = NAN;
    vt->budget_used = div_or_nan(vt->today_usd, vt->budget_usd);
    vt->requests = a->p[I_WIN].requests + acc_u(a)[I_WIN].requests;
    return true;
}

/* Every tenant seen and every one with a budget (under a drill-down, the
 * selected one only), by window spend. Owes the scopes stage a group for
 * each budgeted tenant: tenant scopes include them. */
static void stage_tenants(struct view *v, struct groups *tenants, const struct view_params *p,
                          int ndays, bool known)
{
    for (size_t i = 0; i < p->nbudgets; i++)
        if (!p->only_tenant || strcmp(p->only_tenant, p->budgets[i].tenant) == 0) {
            size_t g = group_of(tenants, p->budgets[i].tenant, NULL); /* may grow meta */
            tenants->meta[g].pinned = true;
        }
    v->tenants = xcalloc(tenants->n ? tenants->n : 1, sizeof *v->tenants);
    for (size_t i = 0; i < tenants->n; i++)
        if (group_live(tenants, i) && tenant_row(&v->tenants[v->ntenants], tenants->a[i], &tenants->acc[i], p, ndays,
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
        req += (double)(a->p[I_B1 + d].requests + acc_u(a)[I_B1 + d].requests);
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
    vm->requests = a->p[I_WIN].requests + acc_u(a)[I_WIN].requests;
    vm->requests_unknown = a->p[I_WIN].requests_unknown + acc_u(a)[I_WIN].requests_unknown;
    vm->window_usd = priced ? money(a, I_WIN) : NAN;
    vm->baseline_usd = priced ? baseline_money(a, ndays) : NAN;
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
        if (!group_live(models, i) || acc_is_empty(a))
            continue;
        struct view_model *vm = &v->models[v->nmodels++];
        model_row(vm, models, i, ndays, v->spend.window_usd, v->spend.baseline_usd);
        if (vm->price == PRICE_NONE && tally_active(&acc_u(a)[I_WIN])) {
            struct view_unpriced *u = &v->unpriced[v->nunpriced++];
            u->provider = vm->provider;
            u->model = vm->model;
            u->requests = acc_u(a)[I_WIN].requests;
            u->input_tokens = acc_u(a)[I_WIN].input;
            u->output_tokens = acc_u(a)[I_WIN].output;
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

const char *view_source_status(const struct source_status *ss, int64_t now,
                               int64_t stale_after)
{
    struct view_source v = {.last_success = ss->last_success, .last_data = ss->last_data,
                            .started = ss->started};
    if (ss->state == SOURCE_ERROR)
        return "error";
    if (view_source_stale(&v, now, stale_after))
        return "stale";
    return ss->state == SOURCE_STARTING ? "starting" : "ok";
}

/* Span source `name`'s coverage: the spend its spans of usage-API
 * providers saw, over those providers' usage-API spend. NAN when it saw
 * none of their spans. */
static double source_coverage(const struct sums *s, const char *name)
{
    double num = 0, den = 0;
    bool any = false;
    for (size_t g = 0; g < s->cov.n; g++) {
        if (!group_live(&s->cov, g) || strcmp(s->cov.a[g], name) != 0)
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
    double billed = a->p[I_DRIFT].billed + acc_u(a)[I_DRIFT].billed;
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
        vs->status = view_source_status(ss, p->now, p->stale_after);
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


/* Add (sign 1) or take out (-1) series id's hour sums from hour0 on. tmp
 * is SPARK_SLOTS tallies of scratch. */
static void sparks_apply(struct sparks *sp, const struct store *st, int id, uint8_t f,
                         int64_t hour0, int sign, struct tally *tmp)
{
    struct tally *dst = flag_price(f) != PRICE_NONE ? sp->p : sp->u;
    if (sign > 0) {
        store_hourly(st, id, hour0, SPARK_SLOTS, dst);
        return;
    }
    memset(tmp, 0, SPARK_SLOTS * sizeof *tmp);
    store_hourly(st, id, hour0, SPARK_SLOTS, tmp);
    for (int i = 0; i < SPARK_SLOTS; i++)
        if (!tally_is_zero(&tmp[i])) {
            tally_sub(&dst[i], &tmp[i]);
            if (no_counts(&dst[i]))
                dst[i].cost = dst[i].reported = 0;
        }
}

/* The counted series' hour sums, from a walk of every one. */
static void sparks_sum(struct sparks *sp, const struct store *st, const struct intervals *iv,
                       const uint8_t *flags, size_t nflags)
{
    memset(sp, 0, sizeof *sp);
    for (size_t id = 0; id < nflags; id++)
        if (flags[id] & SF_COUNTED)
            sparks_apply(sp, st, (int)id, flags[id], iv->hour0, 1, NULL);
}

/* The sparklines from the hour sums: hours[] (each slot with the same
 * hour of the baseline days) and week_usd[]. Money is blank (NAN), not a
 * flat line of $0, while it is not known. */
static void stage_sparklines(const struct sparks *sp, const struct intervals *iv, bool known,
                             struct view *v)
{
    struct tally *h = xcalloc(SPARK_SLOTS, sizeof *h);
    for (int i = 0; i < SPARK_SLOTS; i++) {
        struct tally u = sp->u[i];
        u.cost = 0;
        h[i] = sp->p[i];
        tally_add(&h[i], &u);
    }
    for (int i = 0; i < VIEW_WEEK_HOURS; i++)
        v->week_usd[i] = known ? h[SPARK_SLOTS - VIEW_WEEK_HOURS + i].cost : NAN;
    for (int i = 0; i < VIEW_HOURS; i++)
        spark_hour(&v->hours[i], h, i, iv, known);
    free(h);
    v->has_sparklines = true;
}

/* ---- stage 8: scopes, for the alert rules ---------------------------------- */

/* One scope's figures from its sums. */
static void fill_scope(struct view_scope *sc, const struct acc *a, int ndays)
{
    sc->window_usd = money(a, I_WIN);
    sc->baseline_usd = baseline_money(a, ndays);
    sc->requests = a->p[I_WIN].requests + acc_u(a)[I_WIN].requests;
    sc->baseline_requests = base_requests(a, ndays);
    rate(a, ndays, true, &sc->hit_rate, &sc->baseline_hit_rate);
    rate(a, ndays, false, &sc->reasoning, &sc->baseline_reasoning);
    sc->input_known = a->p[I_WIN].input_ck + acc_u(a)[I_WIN].input_ck;
    sc->output_known = a->p[I_WIN].output_rk + acc_u(a)[I_WIN].output_rk;
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
    for (size_t i = 0; i < providers->n; i++) {
        if (!group_live(providers, i))
            continue;
        sc->kind = SCOPE_PROVIDER;
        sc->provider = providers->a[i];
        fill_scope(sc, &providers->acc[i], ndays);
        sc->mix_distance = pdist[i];
        sc++;
    }
    for (size_t i = 0; i < models->n; i++) {
        if (!group_live(models, i))
            continue;
        sc->kind = SCOPE_MODEL;
        sc->provider = models->a[i];
        sc->model = models->b[i];
        fill_scope(sc, &models->acc[i], ndays);
        if (models->price[i] == PRICE_NONE)
            sc->window_usd = sc->baseline_usd = NAN;
        sc++;
    }
    for (size_t i = 0; i < tenants->n; i++) {
        if (!group_live(tenants, i))
            continue;
        sc->kind = SCOPE_TENANT;
        sc->tenant = tenants->a[i];
        fill_scope(sc, &tenants->acc[i], ndays);
        sc->mix_distance = tdist[i];
        sc++;
    }
    v->nscopes = (size_t)(sc - v->scopes);
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

/* ---- the incremental view ------------------------------------------------- */

/* The sums of the last view, kept with what they were computed for, so
 * that the next view only redoes what changed (view.h). Between views the
 * store tells of every series about to change (view_cache_changing): its
 * sums, still those of the last view, are taken out then, and added back,
 * new, at the next view. Of the others, only those with a bucket crossing
 * an interval's edge since are summed again: each series' next such
 * moment is kept (next[id]). */
struct view_cache {
    bool valid;
    const struct store *st;    /* the store the sums are of */
    char *key;                 /* what the sums are for (cache_key) */
    struct sums s;
    struct intervals iv;       /* of the sums */
    int64_t now;
    bool scopes, sparklines;
    struct sparks *sparks;     /* with sparklines */
    struct tally *tmp;         /* SPARK_SLOTS of scratch */
    uint8_t *flags;            /* by series id: SF_* */
    int64_t *next;             /* by series id: when its sums next change
                                  with the clock alone */
    size_t nids, cap;
    int *pending;              /* ids with SF_PENDING */
    size_t npending, pending_cap;
    int64_t first;             /* the store's first minute, as of the last view */
    bool first_moved;          /* a series that held it changed since */
    int64_t offsets[2 * I_COUNT]; /* the moving edges: now - offsets[i] */
    int noffsets;
    struct view_cache_work work;  /* of the last view */
};

/* Everything but the time that the sums depend on, and the hour and the
 * day: a new hour or day starts the sums again from the store (the
 * sparklines' slots move, today and the drift days move, and a rounding
 * residue of taking sums out never lasts more than an hour). */
static void key_name(struct strbuf *b, char tag, const char *name)
{
    /* length-prefixed: no name (they are untrusted) can pass for two */
    if (name)
        strbuf_printf(b, "%c%zu:%s", tag, strlen(name), name);
    else
        strbuf_printf(b, "%c-", tag);
}

static char *cache_key(const struct view_params *p, const struct intervals *iv)
{
    struct strbuf b = {0};
    strbuf_printf(&b, "%" PRId64 " %" PRId64 " %" PRId64, p->window, p->day_start,
                  iv->t[I_DRIFT][0]);
    key_name(&b, 't', p->only_tenant);
    key_name(&b, 'p', p->only_provider);
    key_name(&b, 'm', p->only_model);
    for (size_t i = 0; i < p->nsources; i++) {
        key_name(&b, 's', p->sources[i].name);
        key_name(&b, 'u', p->sources[i].usage_provider);
        /* a usage source's first answer moves its provider's spans from
         * the totals to coverage */
        key_name(&b, 'k', p->sources[i].usage_known ? "1" : NULL);
    }
    for (size_t i = 0; i < p->nbudgets; i++)
        key_name(&b, 'b', p->budgets[i].tenant);
    return strbuf_detach(&b);
}

/* The moving edges of iv: every bound but today's start and the drift
 * days (a new day starts the sums again), as offsets back from now. */
static void cache_offsets(struct view_cache *c, const struct intervals *iv, int64_t now)
{
    c->noffsets = 0;
    for (int i = 0; i < I_COUNT; i++)
        for (int e = 0; e < 2; e++) {
            if (i == I_DRIFT || (i == I_TODAY && e == 0))
                continue;
            int64_t off = now - iv->t[i][e];
            bool seen = false;
            for (int k = 0; k < c->noffsets; k++)
                seen |= c->offsets[k] == off;
            if (!seen)
                c->offsets[c->noffsets++] = off;
        }
}

/* The edges of c at now, for the walks that find each series' next
 * change (struct edges). */
static struct edges cache_edges(struct view_cache *c, int64_t now)
{
    return (struct edges){c->offsets, c->noffsets, now, c->next};
}

static void cache_grow(struct view_cache *c, size_t n)
{
    if (n <= c->nids)
        return;
    if (n > c->cap) {
        size_t cap = c->cap ? c->cap : 64;
        while (cap < n)
            cap *= 2;
        c->flags = xrealloc(c->flags, cap * sizeof *c->flags);
        c->next = xrealloc(c->next, cap * sizeof *c->next);
        c->cap = cap;
    }
    memset(c->flags + c->nids, 0, (n - c->nids) * sizeof *c->flags);
    for (size_t i = c->nids; i < n; i++)
        c->next[i] = INT64_MAX;
    c->nids = n;
}

/* The sums of n caches (n <= BUILDS_MAX, none twice) again from the
 * store, in one walk of every series, in id order: c[i] for p[i] over
 * iv[i]. */
static void cache_reset_many(struct view_cache **c, const struct store *st,
                             const struct view_params *const *p,
                             const struct intervals *const *iv, int n, bool track)
{
    struct build b[BUILDS_MAX] = {{0}};
    struct edges e[BUILDS_MAX];
    uint8_t *flags[BUILDS_MAX];
    for (int i = 0; i < n; i++) {
        sums_free(&c[i]->s);
        c[i]->st = st;
        c[i]->nids = 0;
        c[i]->npending = 0;
        cache_grow(c[i], store_series_count(st));
        /* what a view of another kind asked for is kept: one cache can
         * serve a dashboard's views and an alert window's */
        c[i]->scopes |= p[i]->scopes;
        c[i]->sparklines |= p[i]->sparklines;
        /* a view made once (view_compute) prepares no next view; an
         * incremental one finds each series' next change in the same walk */
        if (track) {
            cache_offsets(c[i], iv[i], p[i]->now);
            e[i] = cache_edges(c[i], p[i]->now);
        }
        b[i] = (struct build){p[i], iv[i], &c[i]->s, c[i]->scopes, track ? &e[i] : NULL, NULL};
        flags[i] = c[i]->flags;
        if (c[i]->sparklines && !c[i]->sparks)
            c[i]->sparks = xmalloc(sizeof *c[i]->sparks);
    }
    /* the sparklines' hour sums of one of them in the same walk (the
     * dashboard's view: a walk of its own was a tenth of its first frame) */
    for (int i = 0; i < n; i++)
        if (c[i]->sparklines) {
            memset(c[i]->sparks, 0, sizeof *c[i]->sparks);
            b[i].sparks = c[i]->sparks;
            break;
        }
    stage_accumulate(st, b, n, flags);
    for (int i = 0; i < n; i++) {
        c[i]->work = (struct view_cache_work){.full = true, .summed = c[i]->nids};
        if (c[i]->sparklines && !b[i].sparks)
            sparks_sum(c[i]->sparks, st, iv[i], c[i]->flags, c[i]->nids);
        if (track)
            c[i]->valid = true;
    }
}

static void cache_reset(struct view_cache *c, const struct store *st,
                        const struct view_params *p, const struct intervals *iv, bool track)
{
    cache_reset_many(&c, st, &p, &iv, 1, track);
}

void view_cache_changing(struct view_cache *c, const struct store *st, int id)
{
    if (!c->valid || st != c->st)
        return;
    cache_grow(c, (size_t)id + 1);
    uint8_t f = c->flags[id];
    if (f & SF_PENDING)
        return;
    if ((size_t)id < store_series_count(st) && store_next_minute(st, id, INT64_MIN) <= c->first)
        c->first_moved = true;
    if (f & SF_IN) {
        struct tally t[I_COUNT];
        series_sums(st, id, &c->iv, flag_price(f) != PRICE_NONE, t);
        apply_series(&c->s, store_series_key(st, id), f, t, c->scopes, -1);
        if (c->sparklines && (f & SF_COUNTED)) {
            if (!c->tmp)
                c->tmp = xmalloc(SPARK_SLOTS * sizeof *c->tmp);
            sparks_apply(c->sparks, st, id, f, c->iv.hour0, -1, c->tmp);
        }
    }
    c->flags[id] = SF_PENDING;
    c->next[id] = INT64_MAX;
    xgrow(&c->pending, &c->pending_cap, c->npending + 1, sizeof *c->pending);
    c->pending[c->npending++] = id;
    /* a backlog read, a reload repricing the week: once a quarter of the
     * series changed, summing them all again costs less than taking each
     * out and adding it back, and the changes that follow cost nothing */
    if (c->npending > 64 && c->npending > c->nids / 4)
        c->valid = false;
}

/* Series id's sums moved from the last view's intervals to iv: its buckets
 * did not change, only which intervals hold them. Each interval only
 * slid forward, so what changed is the slice that left at its start and
 * the slice that entered at its end: those are summed (a minute or two
 * each), not every interval twice over (at 16 M spans a quarter of the
 * series move each minute); its next change is found in the same walk. */
static void cache_move(struct view_cache *c, const struct store *st,
                       const struct intervals *iv, const struct edges *e, int id)
{
    uint8_t f = c->flags[id];
    int64_t slice[2 * I_COUNT][2]; /* [i]: left interval i, [I_COUNT + i]: entered */
    for (int i = 0; i < I_COUNT; i++) {
        slice[i][0] = c->iv.t[i][0];
        slice[i][1] = iv->t[i][0];
        slice[I_COUNT + i][0] = c->iv.t[i][1];
        slice[I_COUNT + i][1] = iv->t[i][1];
    }
    struct tally t[2 * I_COUNT];
    sum_and_edges(st, id, (const int64_t(*)[2])slice, 2 * I_COUNT, t, e);
    if (flag_price(f) == PRICE_NONE)
        for (int i = 0; i < 2 * I_COUNT; i++)
            t[i].cost = 0;
    const struct series_key *k = store_series_key(st, id);
    apply_series(&c->s, k, f, t, c->scopes, -1);
    apply_series(&c->s, k, f, t + I_COUNT, c->scopes, 1);
}

/* Bring the sums from the last view's intervals to iv: the series that
 * changed since are added back, new; those with a bucket that crossed an
 * edge are moved. */
static void cache_advance(struct view_cache *c, const struct store *st,
                          const struct view_params *p, const struct intervals *iv)
{
    /* a new hour moves only the sparklines' hour slots (every interval
     * moves by the minute, through the edges): their hour sums are taken
     * again below, a walk far cheaper than summing every interval */
    bool new_hour = c->sparklines && iv->hour0 != c->iv.hour0;
    cache_grow(c, store_series_count(st));
    struct edges e = cache_edges(c, p->now);
    for (size_t i = 0; i < c->npending; i++) {
        int id = c->pending[i];
        uint8_t f = add_series(&c->s, st, p, iv, id, c->scopes, &e);
        c->flags[id] = f;
        c->work.summed++;
        if (!f)
            continue;
        if (c->sparklines && !new_hour && (f & SF_COUNTED))
            sparks_apply(c->sparks, st, id, f, iv->hour0, 1, NULL);
    }
    c->npending = 0;
    for (size_t id = 0; id < c->nids; id++) {
        if (!(c->flags[id] & SF_IN) || c->next[id] > p->now)
            continue;
        cache_move(c, st, iv, &e, (int)id);
        c->work.summed++;
    }
    if (new_hour)
        sparks_sum(c->sparks, st, iv, c->flags, c->nids);
}

/* A count held at the int64 range cannot be taken back out exactly: the
 * sums are made again from the store while one is. */
static bool tally_saturated(const struct tally *t)
{
    const int64_t v[] = {t->requests, t->errors, t->input, t->input_ck, t->cache_read,
                         t->cache_write_5m, t->cache_write_1h, t->output, t->output_rk,
                         t->reasoning, t->requests_unknown, t->no_usage, t->reported_n};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (v[i] == INT64_MAX || v[i] == INT64_MIN)
            return true;
    return false;
}

static bool acc_saturated(const struct acc *a)
{
    for (int i = 0; i < I_COUNT; i++)
        if (tally_saturated(&a->p[i]) || tally_saturated(&acc_u(a)[i]))
            return true;
    return false;
}

/* Every counted series is in the total, whose counts are at least any
 * group's; the coverage groups are apart. */
static bool sums_saturated(const struct sums *s)
{
    if (acc_saturated(&s->total))
        return true;
    for (size_t g = 0; g < s->cov.n; g++)
        if (acc_saturated(&s->cov.acc[g]))
            return true;
    return false;
}

/* The stages after the sums, into v. */
static void view_from_sums(struct view *v, struct sums *s, const struct sparks *sp,
                           const struct store *st, const struct view_params *p,
                           const struct intervals *iv)
{
    bool known = money_known(st, p);
    stage_spend(v, &s->total, p, iv->ndays, known);
    stage_rates(v, &s->total, iv->ndays);
    stage_tenants(v, &s->tenants, p, iv->ndays, known);
    stage_models(v, &s->models, iv->ndays);
    stage_mix(v);
    stage_sources(v, s, p);
    if (p->sparklines)
        stage_sparklines(sp, iv, known, v);
    if (p->scopes)
        stage_scopes(v, s, iv->ndays);
    stage_folding(st, v);
    stage_own_names(v);
}

static void view_start(struct view *v, int64_t first, const struct view_params *p,
                       struct intervals *iv)
{
    memset(v, 0, sizeof *v);
    v->now = p->now;
    v->window = p->window;
    snprintf(v->prices, sizeof v->prices, "%s", p->prices ? p->prices : "");
    stage_intervals(first, p, iv);
    v->baseline_days = iv->ndays;
}

struct view_cache *view_cache_new(void) { return xcalloc(1, sizeof(struct view_cache)); }

void view_cache_free(struct view_cache *c)
{
    if (!c)
        return;
    sums_free(&c->s);
    free(c->key);
    free(c->sparks);
    free(c->tmp);
    free(c->flags);
    free(c->next);
    free(c->pending);
    free(c);
}

/* The store's first minute, without a walk of every series when none that
 * could have held it changed: the series that changed since the last view
 * can only have moved it earlier. */
static int64_t cache_first(struct view_cache *c, const struct store *st, int64_t *known)
{
    if (!c->valid || c->first_moved || st != c->st) {
        c->first_moved = false;
        /* a walk of every series' first record: once for the views made
         * together */
        if (*known == INT64_MIN)
            *known = store_first_minute(st);
        return c->first = *known;
    }
    for (size_t i = 0; i < c->npending; i++) {
        int id = c->pending[i];
        if ((size_t)id < store_series_count(st)) {
            int64_t m = store_next_minute(st, id, INT64_MIN);
            c->first = m < c->first ? m : c->first;
        }
    }
    return c->first;
}

/* view_caches_compute for n <= BUILDS_MAX distinct caches. */
static void caches_compute(struct view_cache **c, const struct store *st,
                           const struct view_params *p, struct view *v, int n)
{
    struct intervals iv[BUILDS_MAX];
    char *key[BUILDS_MAX];
    struct view_cache *rc[BUILDS_MAX];
    const struct view_params *rp[BUILDS_MAX];
    const struct intervals *riv[BUILDS_MAX];
    int nr = 0;
    int64_t first = INT64_MIN; /* the store's first minute, once found */
    for (int i = 0; i < n; i++) {
        view_start(&v[i], cache_first(c[i], st, &first), &p[i], &iv[i]);
        key[i] = cache_key(&p[i], &iv[i]);
        c[i]->work = (struct view_cache_work){0};
        if (c[i]->valid && st == c[i]->st && p[i].now >= c[i]->now &&
            strcmp(key[i], c[i]->key) == 0 && (c[i]->scopes || !p[i].scopes) &&
            (c[i]->sparklines || !p[i].sparklines)) {
            cache_advance(c[i], st, &p[i], &iv[i]);
            if (!sums_saturated(&c[i]->s)) {
                free(key[i]);
                key[i] = NULL;
                continue;
            }
        }
        rc[nr] = c[i];
        rp[nr] = &p[i];
        riv[nr++] = &iv[i];
    }
    if (nr)
        cache_reset_many(rc, st, rp, riv, nr, true);
    for (int i = 0; i < n; i++) {
        if (key[i]) {
            free(c[i]->key);
            c[i]->key = key[i];
        }
        c[i]->iv = iv[i];
        c[i]->now = p[i].now;
        view_from_sums(&v[i], &c[i]->s, c[i]->sparks, st, &p[i], &iv[i]);
    }
}

void view_caches_compute(struct view_cache **c, const struct store *st,
                         const struct view_params *p, struct view *v, size_t n)
{
    bool twice = false;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            twice |= c[i] == c[j];
    size_t step = twice ? 1 : BUILDS_MAX; /* one cache, one view at a time */
    for (size_t i = 0; i < n; i += step)
        caches_compute(c + i, st, p + i, v + i, (int)(n - i < step ? n - i : step));
}

void view_cache_compute(struct view_cache *c, const struct store *st,
                        const struct view_params *p, struct view *v)
{
    caches_compute(&c, st, p, v, 1);
}

void view_cache_work(const struct view_cache *c, struct view_cache_work *out)
{
    *out = c->work;
}

void view_compute(const struct store *st, const struct view_params *p,
                  struct view *v)
{
    struct intervals iv;
    view_start(v, store_first_minute(st), p, &iv);
    struct view_cache c = {0};
    cache_reset(&c, st, p, &iv, false);
    view_from_sums(v, &c.s, c.sparks, st, p, &iv);
    sums_free(&c.s);
    free(c.sparks);
    free(c.flags);
    free(c.next);
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
    free(v->budgets_ended);
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
