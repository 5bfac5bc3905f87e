/* rules.c - the alert conditions (see rules.h). */
#include "alerts/rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "lib/clock.h"
#include "lib/xalloc.h"

static const char *const kind_names[KIND_COUNT] = {
    [KIND_SPEND_ANOMALY] = "spend_anomaly", [KIND_MODEL_SPIKE] = "model_spike",
    [KIND_MODEL_MIX] = "model_mix",         [KIND_CACHE_DROP] = "cache_drop",
    [KIND_REASONING_JUMP] = "reasoning_jump", [KIND_BUDGET] = "budget",
    [KIND_SOURCE_STALE] = "source_stale",
};

const char *rules_kind_name(enum alert_kind k) { return kind_names[k]; }

int rules_kind_parse(const char *name)
{
    for (int k = 0; k < KIND_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

void rules_hits_free(struct rule_hits *h)
{
    free(h->hits);
    memset(h, 0, sizeof *h);
}

static void scope_name(const struct view_scope *s, char *buf, size_t len)
{
    switch (s->kind) {
    case SCOPE_TOTAL: snprintf(buf, len, "total"); break;
    case SCOPE_PROVIDER: snprintf(buf, len, "provider:%s", s->provider); break;
    case SCOPE_MODEL: snprintf(buf, len, "model:%s/%s", s->provider, s->model); break;
    case SCOPE_TENANT: snprintf(buf, len, "tenant:%s", s->tenant); break;
    }
}

static struct rule_hit *add(struct rule_hits *out, enum alert_kind kind, const char *scope,
                            int64_t window, double value, double baseline, double threshold,
                            bool critical)
{
    xgrow(&out->hits, &out->cap, out->n + 1, sizeof *out->hits);
    struct rule_hit *h = &out->hits[out->n++];
    memset(h, 0, sizeof *h);
    h->kind = kind;
    snprintf(h->scope, sizeof h->scope, "%s", scope);
    h->window = window;
    h->value = value;
    h->baseline = baseline;
    h->threshold = threshold;
    h->ratio = baseline > 0 ? value / baseline : NAN;
    h->severity = critical ? SEVERITY_CRITICAL : SEVERITY_WARNING;
    return h;
}

static void windowed(const struct view *v, const struct view_scope *s,
                     const struct config_alerts *c, struct rule_hits *out)
{
    char scope[200], win[16];
    scope_name(s, scope, sizeof scope);
    fmt_window(win, sizeof win, v->window);
    struct rule_hit *h;

    /* spend_anomaly: every scope */
    if (isfinite(s->baseline_usd) && isfinite(s->window_usd)) {
        double th = c->factor * s->baseline_usd;
        if (s->window_usd > th && s->window_usd >= c->min_spend_usd) {
            h = add(out, KIND_SPEND_ANOMALY, scope, v->window, s->window_usd, s->baseline_usd,
                    th, s->window_usd > 2 * th);
            if (s->baseline_usd > 0)
                snprintf(h->summary, sizeof h->summary,
                         "%s spend $%.2f in %s is %.1fx its baseline $%.2f", scope,
                         s->window_usd, win, h->ratio, s->baseline_usd);
            else
                snprintf(h->summary, sizeof h->summary,
                         "%s spend $%.2f in %s where the baseline is $0", scope,
                         s->window_usd, win);
        }
    }
    /* model_spike: models */
    if (s->kind == SCOPE_MODEL && isfinite(s->baseline_requests)) {
        double th = c->model_spike * s->baseline_requests;
        if ((double)s->requests > th && s->requests >= c->min_requests) {
            h = add(out, KIND_MODEL_SPIKE, scope, v->window, (double)s->requests,
                    s->baseline_requests, th, (double)s->requests > 2 * th);
            snprintf(h->summary, sizeof h->summary,
                     "%s: %lld requests in %s against %.0f on a normal day", scope,
                     (long long)s->requests, win, s->baseline_requests);
        }
    }
    /* model_mix: scopes that have a mix, and enough spend for the shares to
     * mean something - a tenant's few requests an hour always "move" */
    if (s->kind != SCOPE_MODEL && isfinite(s->mix_distance) && s->mix_distance >= c->mix_shift &&
        isfinite(s->window_usd) && s->window_usd >= c->min_spend_usd) {
        h = add(out, KIND_MODEL_MIX, scope, v->window, s->mix_distance, 0, c->mix_shift,
                s->mix_distance >= 2 * c->mix_shift);
        h->baseline = NAN; /* a distance from the baseline has no baseline of its own */
        snprintf(h->summary, sizeof h->summary,
                 "%s model mix moved %.0f%% from its baseline in %s", scope,
                 100 * s->mix_distance, win);
    }
    /* cache_drop: enough known input to mean something */
    if (isfinite(s->hit_rate) && isfinite(s->baseline_hit_rate) &&
        s->input_known >= c->min_input_tokens) {
        double th = s->baseline_hit_rate - c->cache_drop;
        if (s->hit_rate < th) {
            h = add(out, KIND_CACHE_DROP, scope, v->window, s->hit_rate, s->baseline_hit_rate,
                    th, s->hit_rate < s->baseline_hit_rate - 2 * c->cache_drop);
            snprintf(h->summary, sizeof h->summary,
                     "%s cache hit rate %.1f%% in %s, baseline %.1f%%", scope,
                     100 * s->hit_rate, win, 100 * s->baseline_hit_rate);
        }
    }
    /* reasoning_jump: where reasoning is known */
    if (isfinite(s->reasoning) && isfinite(s->baseline_reasoning) &&
        s->requests >= c->min_requests) {
        double th = c->reasoning_factor * s->baseline_reasoning;
        if (s->reasoning > th) {
            h = add(out, KIND_REASONING_JUMP, scope, v->window, s->reasoning,
                    s->baseline_reasoning, th, s->reasoning > 2 * th);
            snprintf(h->summary, sizeof h->summary,
                     "%s reasoning is %.1f%% of output in %s, baseline %.1f%%", scope,
                     100 * s->reasoning, win, 100 * s->baseline_reasoning);
        }
    }
}

static void daily(const struct view *v, const struct config_alerts *c, struct rule_hits *out)
{
    char scope[200];
    for (size_t i = 0; i < v->ntenants; i++) {
        const struct view_tenant *t = &v->tenants[i];
        if (!isfinite(t->budget_usd) || !isfinite(t->today_usd))
            continue;
        bool critical = t->today_usd >= 1.5 * t->budget_usd;
        if (!critical && t->today_usd < 1.2 * t->budget_usd)
            continue;
        snprintf(scope, sizeof scope, "tenant:%s", t->tenant);
        struct rule_hit *h = add(out, KIND_BUDGET, scope, 0, t->today_usd, t->budget_usd,
                                 (critical ? 1.5 : 1.2) * t->budget_usd, critical);
        snprintf(h->summary, sizeof h->summary,
                 "%s spent $%.2f today, %.0f%% of its $%.2f daily budget", scope,
                 t->today_usd, 100 * h->ratio, t->budget_usd);
    }
    for (size_t i = 0; i < v->nsources; i++) {
        const struct view_source *s = &v->sources[i];
        if (!view_source_stale(s, v->now, c->stale_after))
            continue;
        bool no_poll;
        int64_t age = view_source_age(s, v->now, &no_poll);
        snprintf(scope, sizeof scope, "source:%s", s->name);
        struct rule_hit *h = add(out, KIND_SOURCE_STALE, scope, c->stale_after, (double)age,
                                 NAN, (double)c->stale_after, age > 2 * c->stale_after);
        snprintf(h->summary, sizeof h->summary, "%s: no %s for %lld min%s%s", scope,
                 no_poll ? "successful poll" : "new data", (long long)(age / CLOCK_MINUTE),
                 s->last_error ? ": " : "", s->last_error ? s->last_error : "");
    }
}

void rules_evaluate(const struct view *v, const struct config_alerts *cfg, bool daily_rules,
                    struct rule_hits *out)
{
    if (v->baseline_days > 0)
        for (size_t i = 0; i < v->nscopes; i++)
            windowed(v, &v->scopes[i], cfg, out);
    if (daily_rules)
        daily(v, cfg, out);
}
