/* kind_cache_drop.c - the prompt cache stopped working.
 *
 * Every scope: the cache hit rate < baseline - cache_drop, over at least
 * min_input_tokens input tokens whose cache reads are known.
 */
#include <math.h>
#include <stdio.h>

#include "alerts/rules.h"

extern const struct alert_kind kind_cache_drop;

struct thresholds {
    double cache_drop;
    int64_t min_input_tokens;
};

static const struct setting keys[] = {
    {.name = "cache_drop", .type = SETTING_FLOAT, .offset = offsetof(struct thresholds, cache_drop),
     .def = "0.20", .min = 0.01, .max = 1.0,
     .doc = "hit rate < baseline - cache_drop ..."},
    {.name = "min_input_tokens", .type = SETTING_INT,
     .offset = offsetof(struct thresholds, min_input_tokens), .def = "100000", .imin = 0,
     .imax = INT64_MAX, .doc = "... over at least this many input tokens"},
    {0},
};

static void evaluate(const struct rule_scope *rs, const void *settings, struct rule_hits *out)
{
    const struct thresholds *c = settings;
    const struct view_scope *s = rs->scope;
    if (!isfinite(s->hit_rate) || !isfinite(s->baseline_hit_rate) ||
        s->input_known < c->min_input_tokens)
        return;
    double th = s->baseline_hit_rate - c->cache_drop;
    if (!(s->hit_rate < th))
        return;
    struct rule_hit *h = rules_add(out, &kind_cache_drop, rs->name, rs->view->window, s->hit_rate,
                                   s->baseline_hit_rate, th,
                                   s->hit_rate < s->baseline_hit_rate - 2 * c->cache_drop);
    snprintf(h->summary, sizeof h->summary, "%s cache hit rate %.1f%% in %s, baseline %.1f%%",
             rs->name, 100 * s->hit_rate, rs->window, 100 * s->baseline_hit_rate);
}

const struct alert_kind kind_cache_drop = {
    .name = "cache_drop",
    .doc = "the cache hit rate is below its baseline by more than cache_drop, over at least "
           "min_input_tokens input tokens",
    .keys = keys,
    .settings_size = sizeof(struct thresholds),
    .scope = evaluate,
};
