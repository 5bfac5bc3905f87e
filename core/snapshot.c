/* snapshot.c - print a view (see snapshot.h). */
#include "core/snapshot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/format.h"
#include "lib/clock.h"
#include "lib/jsonw.h"
#include "lib/sanitize.h"

static void key_num(struct jsonw *w, const char *k, double v)
{
    jsonw_key(w, k);
    jsonw_double(w, v);
}

static void key_int(struct jsonw *w, const char *k, int64_t v)
{
    jsonw_key(w, k);
    jsonw_int(w, v);
}

static void key_str(struct jsonw *w, const char *k, const char *v)
{
    jsonw_key(w, k);
    jsonw_string(w, v);
}

static void key_time(struct jsonw *w, const char *k, int64_t t)
{
    jsonw_key(w, k);
    if (t <= 0) {
        jsonw_null(w);
        return;
    }
    char buf[32];
    clock_format_utc(t, buf, sizeof buf);
    jsonw_string(w, buf);
}

/* One budget in its period: the snapshot's budgets[]; a hook's "budget"
 * has its top models too. */
static void budget_fields(struct jsonw *w, const struct view_budget_period *b)
{
    key_str(w, "scope", b->scope);
    key_str(w, "period", b->period);
    key_num(w, "limit_usd", b->limit_usd);
    key_num(w, "spent_usd", b->spent_usd);
    key_num(w, "used", b->used);
    key_time(w, "forecast_at", b->forecast_at);
}

static void budget_object(struct jsonw *w, const void *item)
{
    jsonw_object_begin(w);
    budget_fields(w, item);
    jsonw_object_end(w);
}

static void hook_budget_object(struct jsonw *w, const struct view_budget_period *b)
{
    jsonw_object_begin(w);
    budget_fields(w, b);
    key_time(w, "period_start", b->period_start);
    key_time(w, "period_end", b->period_end);
    jsonw_key(w, "top_models");
    jsonw_array_begin(w);
    for (size_t i = 0; i < b->ntop; i++) {
        jsonw_object_begin(w);
        key_str(w, "provider", b->top[i].provider);
        key_str(w, "model", b->top[i].model);
        key_num(w, "spent_usd", b->top[i].usd);
        jsonw_object_end(w);
    }
    jsonw_array_end(w);
    jsonw_object_end(w);
}

static void alert_object(struct jsonw *w, const void *item)
{
    const struct view_alert *a = item;
    char buf[32];
    jsonw_object_begin(w);
    key_str(w, "id", a->id);
    key_str(w, "kind", a->kind);
    key_str(w, "state", a->state);
    key_str(w, "severity", a->severity);
    key_str(w, "scope", a->scope);
    fmt_window(buf, sizeof buf, a->window);
    key_str(w, "window", buf);
    key_num(w, "value", a->value);
    key_num(w, "baseline", a->baseline);
    key_num(w, "ratio", a->ratio);
    key_num(w, "threshold", a->threshold);
    key_time(w, "started_at", a->started_at);
    key_str(w, "summary", a->summary);
    if (a->has_budget) {
        jsonw_key(w, "budget");
        hook_budget_object(w, &a->budget);
    }
    jsonw_object_end(w);
}

void snapshot_alert_json(const struct view_alert *a, struct strbuf *out)
{
    struct jsonw w;
    jsonw_init(&w, out, false);
    alert_object(&w, a);
}

/* The money of the window (spend), then the two rates. */
static void json_spend(struct jsonw *w, const struct view *v)
{
    const struct view_spend *s = &v->spend;
    jsonw_key(w, "spend");
    jsonw_object_begin(w);
    key_num(w, "window_usd", s->window_usd);
    key_num(w, "baseline_usd", s->baseline_usd);
    key_num(w, "ratio", s->ratio);
    key_num(w, "today_usd", s->today_usd);
    key_num(w, "last_24h_usd", s->last_24h_usd);
    key_num(w, "last_7d_usd", s->last_7d_usd);
    key_num(w, "burn_usd_per_hour", s->burn_usd_per_hour);
    key_num(w, "projected_today_usd", s->projected_today_usd);
    key_num(w, "billed_today_usd", s->billed_today_usd);
    /* beyond DESIGN.md §7's keys, after them (README "--once --json") */
    key_num(w, "reported_usd", s->reported_usd);
    key_int(w, "no_usage", s->no_usage);
    jsonw_object_end(w);

    jsonw_key(w, "cache");
    jsonw_object_begin(w);
    key_num(w, "hit_rate", v->cache.rate);
    key_num(w, "baseline_hit_rate", v->cache.baseline);
    key_int(w, "cache_read_tokens", v->cache.part_tokens);
    key_int(w, "input_tokens", v->cache.whole_tokens);
    jsonw_object_end(w);

    jsonw_key(w, "reasoning");
    jsonw_object_begin(w);
    key_num(w, "ratio", v->reasoning.rate);
    key_num(w, "baseline_ratio", v->reasoning.baseline);
    key_int(w, "reasoning_tokens", v->reasoning.part_tokens);
    key_int(w, "output_tokens", v->reasoning.whole_tokens);
    jsonw_object_end(w);
}

/* k: [one object per item], the items an array of n of size bytes. */
static void key_array(struct jsonw *w, const char *k, const void *items, size_t n, size_t size,
                      void (*object)(struct jsonw *w, const void *item))
{
    jsonw_key(w, k);
    jsonw_array_begin(w);
    for (size_t i = 0; i < n; i++)
        object(w, (const char *)items + i * size);
    jsonw_array_end(w);
}

static void tenant_object(struct jsonw *w, const void *item)
{
    const struct view_tenant *t = item;
    jsonw_object_begin(w);
    key_str(w, "tenant", t->tenant);
    key_num(w, "window_usd", t->window_usd);
    key_num(w, "baseline_usd", t->baseline_usd);
    key_num(w, "ratio", t->ratio);
    key_num(w, "today_usd", t->today_usd);
    key_num(w, "burn_usd_per_hour", t->burn_usd_per_hour);
    key_num(w, "budget_usd", t->budget_usd);
    key_num(w, "budget_used", t->budget_used);
    jsonw_object_end(w);
}

static void model_object(struct jsonw *w, const void *item)
{
    const struct view_model *m = item;
    jsonw_object_begin(w);
    key_str(w, "provider", m->provider);
    key_str(w, "model", m->model);
    key_num(w, "window_usd", m->window_usd);
    jsonw_key(w, "requests");
    if (m->requests == 0 && m->requests_unknown > 0)
        jsonw_null(w); /* only usage from metrics: not known, not 0 */
    else
        jsonw_int(w, m->requests);
    key_num(w, "share", m->share);
    key_num(w, "baseline_share", m->baseline_share);
    key_int(w, "requests_unknown", m->requests_unknown);
    jsonw_object_end(w);
}

static void unpriced_object(struct jsonw *w, const void *item)
{
    const struct view_unpriced *u = item;
    jsonw_object_begin(w);
    key_str(w, "provider", u->provider);
    key_str(w, "model", u->model);
    key_int(w, "requests", u->requests);
    key_int(w, "input_tokens", u->input_tokens);
    key_int(w, "output_tokens", u->output_tokens);
    jsonw_object_end(w);
}

static void source_object(struct jsonw *w, const void *item)
{
    const struct view_source *src = item;
    jsonw_object_begin(w);
    key_str(w, "name", src->name);
    key_str(w, "type", src->type);
    key_str(w, "status", src->status);
    key_time(w, "last_success", src->last_success);
    key_str(w, "last_error", src->last_error);
    key_int(w, "records", src->records);
    key_int(w, "rejected", src->rejected);
    key_int(w, "no_usage", src->no_usage);
    key_num(w, "coverage", src->coverage);
    key_num(w, "drift", src->drift);
    jsonw_object_end(w);
}

/* Beyond DESIGN.md §7's keys, after them: whether names were folded past
 * the store's caps (README "--once --json"). */
static void json_folding(struct jsonw *w, const struct view_folding *f)
{
    jsonw_key(w, "folding");
    jsonw_object_begin(w);
    jsonw_key(w, "active");
    jsonw_bool(w, f->active);
    key_int(w, "series", f->series);
    key_int(w, "series_max", f->series_max);
    key_int(w, "models_per_provider_max", f->models_max);
    key_int(w, "tenant_records", f->tenant_records);
    key_int(w, "model_records", f->model_records);
    jsonw_object_end(w);
}

/* The keys in the order of DESIGN.md §7. */
void snapshot_json(const struct view *v, struct strbuf *out)
{
    struct jsonw w;
    char buf[32];
    jsonw_init(&w, out, true);
    jsonw_object_begin(&w);
    key_time(&w, "generated_at", v->now);
    fmt_window(buf, sizeof buf, v->window);
    key_str(&w, "window", buf);
    json_spend(&w, v);
    key_array(&w, "tenants", v->tenants, v->ntenants, sizeof *v->tenants, tenant_object);
    key_array(&w, "models", v->models, v->nmodels, sizeof *v->models, model_object);
    jsonw_key(&w, "mix");
    jsonw_object_begin(&w);
    key_num(&w, "distance", v->mix_distance);
    jsonw_object_end(&w);
    key_array(&w, "alerts", v->alerts, v->nalerts, sizeof *v->alerts, alert_object);
    key_array(&w, "budgets", v->budgets, v->nbudgets, sizeof *v->budgets, budget_object);
    key_array(&w, "unpriced", v->unpriced, v->nunpriced, sizeof *v->unpriced, unpriced_object);
    key_array(&w, "sources", v->sources, v->nsources, sizeof *v->sources, source_object);
    jsonw_key(&w, "prices"); /* beyond §7, after it: the prices in force */
    if (v->prices[0])
        jsonw_string(&w, v->prices);
    else
        jsonw_null(&w);
    json_folding(&w, &v->folding);
    jsonw_object_end(&w);
    strbuf_putc(out, '\n');
}

/* ---- text ------------------------------------------------------------------- */

/* The first line, then spend, cache and reasoning, in full figures. */
static void text_spend(const struct view *v, struct strbuf *out)
{
    char a[32], b[32], c[32], when[32], win[16];
    fmt_time(when, sizeof when, v->now);
    fmt_window(win, sizeof win, v->window);
    strbuf_printf(out, "spendtop snapshot at %s, window %s%s\n", when, win,
                  v->baseline_days ? "" : " (learning: no baseline yet)");
    strbuf_printf(out, "prices: %s\n\n", v->prices[0] ? v->prices : "n/a");
    const struct view_spend *s = &v->spend;
    fmt_usd_full(a, sizeof a, s->window_usd);
    fmt_usd_full(b, sizeof b, s->baseline_usd);
    fmt_ratio_full(c, sizeof c, s->ratio);
    strbuf_printf(out, "Spend      window %s   baseline %s   ratio %s\n", a, b, c);
    if (v->nunpriced) { /* spend these figures do not hold: never read as $0 */
        int64_t n = 0;
        for (size_t i = 0; i < v->nunpriced; i++)
            n += v->unpriced[i].requests;
        strbuf_printf(out, "           + %lld request%s of unpriced models in the window: "
                      "their spend is unknown, not in these figures (below)\n", (long long)n,
                      n == 1 ? "" : "s");
    }
    fmt_usd_full(a, sizeof a, s->today_usd);
    fmt_usd_full(b, sizeof b, s->projected_today_usd);
    fmt_usd_full(c, sizeof c, s->burn_usd_per_hour);
    strbuf_printf(out, "           today %s   projected %s   burn %s%s\n", a, b, c,
                  isfinite(s->burn_usd_per_hour) ? "/h" : ""); /* not "n/a/h" */
    fmt_usd_full(a, sizeof a, s->last_24h_usd);
    fmt_usd_full(b, sizeof b, s->last_7d_usd);
    fmt_usd_full(c, sizeof c, s->billed_today_usd);
    strbuf_printf(out, "           last 24h %s   last 7d %s   billed today %s\n", a, b, c);
    fmt_usd_full(a, sizeof a, s->reported_usd);
    strbuf_printf(out, "           reported by senders %s   calls without usage %lld\n", a,
                  (long long)s->no_usage);
    fmt_pct_full(a, sizeof a, v->cache.rate);
    fmt_pct_full(b, sizeof b, v->cache.baseline);
    strbuf_printf(out, "Cache      hit rate %s   baseline %s   (%lld of %lld input tokens)\n",
                  a, b, (long long)v->cache.part_tokens, (long long)v->cache.whole_tokens);
    fmt_pct_full(a, sizeof a, v->reasoning.rate);
    fmt_pct_full(b, sizeof b, v->reasoning.baseline);
    strbuf_printf(out, "Reasoning  ratio %s   baseline %s   (%lld of %lld output tokens)\n",
                  a, b, (long long)v->reasoning.part_tokens,
                  (long long)v->reasoning.whole_tokens);
}

/* in made safe (sanitize.h), cut to width columns and padded to them by
 * what a terminal shows ("%-24s" pads bytes: "東京" is 6 of them and 4
 * columns), into buf. */
static const char *column(char *buf, size_t len, const char *in, int width)
{
    int cols = sanitize_text(in, buf, len - (size_t)width, width);
    size_t n = strlen(buf);
    for (; cols < width; cols++)
        buf[n++] = ' ';
    buf[n] = '\0';
    return buf;
}

static void text_tenants(const struct view *v, struct strbuf *out)
{
    char a[32], b[32], c[32], d[32], e[32], bu[32], name[SANITIZE_MAX];
    strbuf_printf(out, "\n%-24s %12s %12s %8s %12s %10s %8s\n", "TENANT", "WINDOW",
                  "BASELINE", "RATIO", "TODAY", "BURN/H", "BUDGET");
    for (size_t i = 0; i < v->ntenants; i++) {
        const struct view_tenant *t = &v->tenants[i];
        column(name, sizeof name, t->tenant[0] ? t->tenant : "(unattributed)", 24);
        fmt_usd_full(a, sizeof a, t->window_usd);
        fmt_usd_full(b, sizeof b, t->baseline_usd);
        fmt_ratio_full(c, sizeof c, t->ratio);
        fmt_usd_full(d, sizeof d, t->today_usd);
        fmt_usd_full(e, sizeof e, t->burn_usd_per_hour);
        fmt_pct_full(bu, sizeof bu, t->budget_used);
        strbuf_printf(out, "%s %12s %12s %8s %12s %10s %8s\n", name, a, b, c, d, e, bu);
    }
}

/* The models, their mix, and what could not be priced. */
static void text_models(const struct view *v, struct strbuf *out)
{
    char a[32], b[32], c[32], name[SANITIZE_MAX], name2[SANITIZE_MAX];
    strbuf_printf(out, "\n%-12s %-28s %12s %9s %8s %9s\n", "PROVIDER", "MODEL", "WINDOW",
                  "REQUESTS", "SHARE", "BASELINE");
    for (size_t i = 0; i < v->nmodels; i++) {
        const struct view_model *m = &v->models[i];
        column(name, sizeof name, m->provider, 12);
        column(name2, sizeof name2, m->model, 28);
        fmt_usd_full(a, sizeof a, m->window_usd);
        fmt_pct_full(b, sizeof b, m->share);
        fmt_pct_full(c, sizeof c, m->baseline_share);
        char req[32];
        if (m->requests == 0 && m->requests_unknown > 0)
            snprintf(req, sizeof req, "n/a");
        else
            snprintf(req, sizeof req, "%lld%s", (long long)m->requests,
                     m->requests_unknown > 0 ? "+" : ""); /* some unknown */
        strbuf_printf(out, "%s %s %12s %9s %8s %9s%s\n", name, name2, a, req, b, c,
                      m->price == PRICE_NONE ? "  unpriced"
                      : m->price == PRICE_PARTIAL ? "  partially priced" : "");
    }
    fmt_pct_full(a, sizeof a, v->mix_distance);
    strbuf_printf(out, "model mix distance from baseline: %s\n", a);
    if (!v->nunpriced)
        return;
    strbuf_puts(out, "\nUnpriced models (spend unknown, not counted as $0):\n");
    for (size_t i = 0; i < v->nunpriced; i++) {
        const struct view_unpriced *u = &v->unpriced[i];
        sanitize_text(u->provider, name, sizeof name, 24);
        sanitize_text(u->model, name2, sizeof name2, 40);
        strbuf_printf(out, "  %s/%s: %lld requests, %lld input, %lld output tokens\n",
                      name, name2, (long long)u->requests, (long long)u->input_tokens,
                      (long long)u->output_tokens);
    }
}

static void text_budgets(const struct view *v, struct strbuf *out)
{
    char a[32], b[32], c[32], fc[40], scope[SANITIZE_MAX];
    if (!v->nbudgets)
        return;
    strbuf_printf(out, "\n%-32s %-6s %12s %12s %8s  %s\n", "BUDGET", "PERIOD", "SPENT",
                  "LIMIT", "USED", "FORECAST");
    for (size_t i = 0; i < v->nbudgets; i++) {
        const struct view_budget_period *bp = &v->budgets[i];
        column(scope, sizeof scope, bp->scope, 32);
        fmt_usd_full(a, sizeof a, bp->spent_usd);
        fmt_usd_full(b, sizeof b, bp->limit_usd);
        fmt_pct_full(c, sizeof c, bp->used);
        fmt_forecast(fc, sizeof fc, bp->used, bp->forecast_at, v->now);
        strbuf_printf(out, "%s %-6s %12s %12s %8s  %s\n", scope, bp->period, a, b, c, fc);
    }
}

static void text_alerts_sources(const struct view *v, struct strbuf *out)
{
    char when[32], text[SANITIZE_MAX], name[SANITIZE_MAX];
    strbuf_puts(out, "\nAlerts:\n");
    if (!v->nalerts)
        strbuf_puts(out, "  none\n");
    for (size_t i = 0; i < v->nalerts; i++) {
        const struct view_alert *al = &v->alerts[i];
        sanitize_text(al->summary, text, sizeof text, 120);
        strbuf_printf(out, "  %-8s %-8s %s\n", al->state, al->severity, text);
    }

    strbuf_puts(out, "\nSources:\n");
    for (size_t i = 0; i < v->nsources; i++) {
        const struct view_source *src = &v->sources[i];
        fmt_time(when, sizeof when, src->last_success);
        /* a config's name is any TOML string ("\u001b[2J" too), and a
         * viewer prints the daemon's, another user's */
        int cols = sanitize_text(src->name, name, sizeof name, 64);
        sanitize_text(src->last_error ? src->last_error : "", text, sizeof text, 100);
        strbuf_printf(out, "  %s%*s %-11s %-8s ", name, cols < 16 ? 16 - cols : 0, "",
                      src->type, src->status);
        /* the stale price table's flag counts no records: its age says it */
        if (strcmp(src->type, "price_table") == 0 && src->last_error)
            strbuf_printf(out, "%s\n", text);
        else
            strbuf_printf(out, "records %lld, rejected %lld, no usage %lld, last success %s%s%s\n",
                          (long long)src->records, (long long)src->rejected,
                          (long long)src->no_usage, when, src->last_error ? ", error: " : "",
                          text);
    }
}

/* Folding, when it happens. */
static void text_folding(const struct view *v, struct strbuf *out)
{
    const struct view_folding *f = &v->folding;
    if (!f->active)
        return;
    strbuf_printf(out, "\nFolding: %lld series (cap %lld): %lld records counted as tenant "
                  "'%s', %lld as model '%s' (more than %lld names for a provider)\n",
                  (long long)f->series, (long long)f->series_max, (long long)f->tenant_records,
                  STORE_OVERFLOW_TENANT, (long long)f->model_records, STORE_OTHER_MODELS,
                  (long long)f->models_max);
}

void snapshot_text(const struct view *v, struct strbuf *out)
{
    text_spend(v, out);
    text_tenants(v, out);
    text_models(v, out);
    text_budgets(v, out);
    text_alerts_sources(v, out);
    text_folding(v, out);
}
