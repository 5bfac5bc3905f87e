/* demo.c - synthetic usage: 8 days of history, a live trickle, an incident.
 *
 * For `spendtop --demo`: no keys, no network. Seven tenants send traffic to
 * six models on a daily curve (peak 4x the trough) with realistic prompt
 * caching and reasoning. In the last 50 minutes tenant "globex" starts
 * sending the reasoning model o3 most of its traffic, without cache hits:
 * the planted incident shows as a spend spike, a tenant outlier, a model
 * mix shift, a reasoning jump and a cache-hit drop.
 *
 * Deterministic: the same start time gives the same numbers (a fixed seed
 * and per-minute generation), so tests can assert on them.
 *
 * How far it has generated is its cursor: a start on a database it wrote
 * before goes on from there (a `type = "demo"` source run by `--once`
 * again, or a restarted daemon, counts no minute twice).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "lib/clock.h"
#include "core/store.h"
#include "lib/xalloc.h"

#define TICK_MS 2000
#define INCIDENT_MINUTES 50

struct model {
    const char *provider, *name;
    double input, output;      /* mean tokens per request */
    double cache_hit;          /* share of input read from the cache */
    double cache_write;        /* share of input written to the cache (5m) */
    double reasoning;          /* share of output that is reasoning */
};

static const struct model models[] = {
    {"openai", "gpt-5", 2500, 420, 0.55, 0.00, 0.30},
    {"openai", "gpt-5-mini", 1500, 300, 0.45, 0.00, 0.20},
    {"openai", "o3", 1200, 2600, 0.40, 0.00, 0.75},
    {"anthropic", "claude-sonnet-4-6", 4000, 500, 0.60, 0.06, 0.10},
    {"anthropic", "claude-haiku-4-5", 1200, 220, 0.40, 0.05, 0.00},
    {"gcp.gemini", "gemini-2.5-flash", 3000, 300, 0.30, 0.00, 0.15},
};
#define NMODELS (sizeof models / sizeof *models)

struct tenant {
    const char *name;
    double rpm;                /* requests per minute at the daily mean */
    double mix[NMODELS];       /* share of requests per model */
};

static const struct tenant tenants[] = {
    {"acme", 9, {0.35, 0.35, 0.02, 0.18, 0.10, 0.00}},
    {"globex", 6, {0.30, 0.40, 0.03, 0.00, 0.12, 0.15}},
    {"initech", 4, {0.00, 0.30, 0.00, 0.45, 0.25, 0.00}},
    {"umbrella", 3, {0.50, 0.20, 0.05, 0.15, 0.10, 0.00}},
    {"hooli", 2.5, {0.10, 0.40, 0.00, 0.00, 0.20, 0.30}},
    {"stark", 1.5, {0.20, 0.20, 0.10, 0.30, 0.20, 0.00}},
    {"", 1, {0.20, 0.50, 0.00, 0.00, 0.30, 0.00}},
};
#define NTENANTS (sizeof tenants / sizeof *tenants)

struct demo {
    struct collector *c;
    uv_timer_t timer;
    bool timer_open;
    int64_t started;        /* the demo's "now" at start; the incident is
                               planted relative to it */
    int64_t generated;      /* seconds generated so far (exclusive end) */
    collector_cb closed;
};

/* Deterministic noise in [0, 1) from a few integers (splitmix64). */
static double noise(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t z = a * 0x9e3779b97f4a7c15ull ^ b * 0xbf58476d1ce4e5b9ull ^ c * 0x94d049bb133111ebull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

/* Daily curve: trough at 04:00 UTC, peak at 16:00 UTC, peak 4x trough. */
static double curve(int64_t t)
{
    double h = (double)((t % CLOCK_DAY + CLOCK_DAY) % CLOCK_DAY) / CLOCK_HOUR;
    return 1.0 + 0.6 * sin(2 * M_PI * (h - 10) / 24);
}

/* Usage of one (tenant, model) over [t, t + secs), emitted at t. */
static int64_t emit(struct demo *d, size_t ti, size_t mi, int64_t t, int secs)
{
    const struct tenant *tn = &tenants[ti];
    const struct model *m = &models[mi];
    int64_t minute = t / CLOCK_MINUTE;
    double share = tn->mix[mi];
    bool incident = t >= d->started - INCIDENT_MINUTES * CLOCK_MINUTE &&
                    strcmp(tn->name, "globex") == 0;
    double expected = tn->rpm * share * curve(t) * secs / CLOCK_MINUTE;
    double extra = 0;
    if (incident && strcmp(m->name, "o3") == 0)
        extra = 30.0 * secs / CLOCK_MINUTE; /* 30 extra requests a minute */
    double jitter = 0.75 + 0.5 * noise((uint64_t)minute, ti, mi);
    double req = expected * jitter + extra;
    /* whole requests, carrying the fraction by chance */
    int64_t n = (int64_t)req + (noise((uint64_t)t, ti + 17, mi) < req - floor(req));
    if (n <= 0)
        return 0;
    double in = m->input * (0.8 + 0.4 * noise((uint64_t)minute, ti + 3, mi));
    double out = m->output * (0.8 + 0.4 * noise((uint64_t)minute, ti + 5, mi));
    double hit = m->cache_hit * (0.85 + 0.3 * noise((uint64_t)minute, ti + 7, mi));
    int64_t extra_n = (int64_t)(extra > 0 ? fmin((double)n, extra) : 0);
    struct usage u = {
        .ts = t,
        .source = d->c->cfg->name,
        .provider = m->provider,
        .model = m->name,
        .tenant = tn->name,
        .requests = n,
        .errors = noise((uint64_t)t, ti + 11, mi) < 0.02 ? 1 : 0,
        .input = (int64_t)(in * (double)n),
        .output = (int64_t)(out * (double)n),
        .cache_known = true,
        .reasoning_known = true,
    };
    /* the incident's extra requests read nothing from the cache */
    u.cache_read = (int64_t)(in * hit * (double)(n - extra_n));
    u.cache_write_5m = (int64_t)(in * m->cache_write * (double)(n - extra_n));
    u.reasoning = (int64_t)(out * m->reasoning * (double)n);
    return d->c->sink->put(d->c->sink, &u) > 0 ? n : 0;
}

/* Generate [d->generated, until) in steps of at most a minute; the end
 * reached is staged as the cursor, with the records. */
static int64_t generate(struct demo *d, int64_t until)
{
    int64_t requests = 0, from = d->generated;
    while (d->generated < until) {
        int64_t t = d->generated;
        int64_t step = CLOCK_MINUTE - t % CLOCK_MINUTE;
        if (t + step > until)
            step = until - t;
        for (size_t ti = 0; ti < NTENANTS; ti++)
            for (size_t mi = 0; mi < NMODELS; mi++)
                if (tenants[ti].mix[mi] > 0 || (strcmp(tenants[ti].name, "globex") == 0 &&
                                                strcmp(models[mi].name, "o3") == 0))
                    requests += emit(d, ti, mi, t, (int)step);
        d->generated = t + step;
    }
    if (d->generated != from) {
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)d->generated);
        d->c->sink->cursor(d->c->sink, d->c->cfg->name, "generated", v);
    }
    return requests;
}

/* A stored "generated": where an earlier run stopped. */
static int load_cursor(void *ctx, const char *key, const char *value)
{
    struct demo *d = ctx;
    char *end;
    long long t = strtoll(value, &end, 10);
    /* what it gave counts; not past now (a clock moved back: from now) */
    if (strcmp(key, "generated") == 0 && *value && !*end && t > d->generated)
        d->generated = t < d->started ? t : d->started;
    return 0;
}

static void on_tick(uv_timer_t *h)
{
    struct demo *d = h->data;
    collector_ok(d->c, generate(d, clock_now()));
}

static int demo_init(struct collector *c, char *err, size_t errlen)
{
    struct demo *d = xcalloc(1, sizeof *d);
    d->c = c;
    d->started = clock_now();
    /* 8 days of history, so every baseline day is complete */
    d->generated = d->started - STORE_RETENTION + CLOCK_MINUTE;
    d->generated -= d->generated % CLOCK_MINUTE;
    c->impl = d;
    if (c->sink->cursor_each &&
        c->sink->cursor_each(c->sink, c->cfg->name, load_cursor, d, err, errlen) != 0) {
        free(d);
        c->impl = NULL;
        return -1;
    }
    return 0;
}

static void demo_start(struct collector *c)
{
    struct demo *d = c->impl;
    collector_ok(c, generate(d, clock_now()));
    collector_caught_up(c);
    uv_timer_init(c->loop, &d->timer); /* always 0 (libuv 1.x) */
    d->timer.data = d;
    d->timer_open = true;
    /* cannot fail: a callback, an open handle */
    uv_timer_start(&d->timer, on_tick, TICK_MS, TICK_MS);
}

static void demo_poll_now(struct collector *c)
{
    on_tick(&((struct demo *)c->impl)->timer);
}

static void demo_run_once(struct collector *c, collector_cb done)
{
    struct demo *d = c->impl;
    collector_ok(c, generate(d, clock_now()));
    done(c);
}

static void on_closed(uv_handle_t *h)
{
    struct demo *d = h->data;
    d->timer_open = false;
    d->closed(d->c);
}

static void demo_stop(struct collector *c, collector_cb closed)
{
    struct demo *d = c->impl;
    if (!d->timer_open) {
        closed(c);
        return;
    }
    d->closed = closed;
    uv_close((uv_handle_t *)&d->timer, on_closed);
}

static void demo_destroy(struct collector *c)
{
    free(c->impl);
    c->impl = NULL;
}

static const struct collector_ops ops = {
    .init = demo_init,
    .start = demo_start,
    .poll_now = demo_poll_now,
    .run_once = demo_run_once,
    .stop = demo_stop,
    .destroy = demo_destroy,
};

static const struct setting keys[] = {{0}};

const struct source_type demo_source = {
    .name = "demo",
    .doc = "Built-in synthetic data (what --demo uses).",
    .example_name = "demo",
    .keys = keys,
    .settings_size = sizeof(struct source_settings),
    .ops = &ops,
};
