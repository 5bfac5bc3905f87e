/* kind_reasoning_jump.c - models think much longer than usual.
 *
 * Every scope where reasoning is known: the reasoning ratio >
 * reasoning_factor x baseline, over at least min_requests requests.
 */
#include <math.h>
#include <stdio.h>

#include "alerts/rules.h"

extern const struct alert_kind kind_reasoning_jump;

struct thresholds {
    double reasoning_factor;
    int64_t min_requests;
};

static const struct setting keys[] = {
    {.name = "reasoning_factor", .type = SETTING_FLOAT,
     .offset = offsetof(struct thresholds, reasoning_factor), .def = "2", .min = 1.0, .max = 1000,
     .doc = "reasoning ratio > reasoning_factor x baseline"},
    RULES_KEY_MIN_REQUESTS(struct thresholds, min_requests),
    {0},
};

static void evaluate(const struct rule_scope *rs, const void *settings, struct rule_hits *out)
{
    const struct thresholds *c = settings;
    const struct view_scope *s = rs->scope;
    if (!isfinite(s->reasoning) || !isfinite(s->baseline_reasoning) ||
        s->requests < c->min_requests)
        return;
    double th = c->reasoning_factor * s->baseline_reasoning;
    if (!(s->reasoning > th))
        return;
    struct rule_hit *h = rules_add(out, &kind_reasoning_jump, rs->name, rs->view->window,
                                   s->reasoning, s->baseline_reasoning, th, s->reasoning > 2 * th);
    snprintf(h->summary, sizeof h->summary, "%s reasoning is %.1f%% of output in %s, baseline %.1f%%",
             rs->name, 100 * s->reasoning, rs->window, 100 * s->baseline_reasoning);
}

const struct alert_kind kind_reasoning_jump = {
    .name = "reasoning_jump",
    .doc = "the reasoning share of output is more than reasoning_factor x its baseline, over "
           "at least min_requests requests",
    .keys = keys,
    .settings_size = sizeof(struct thresholds),
    .scope = evaluate,
};
