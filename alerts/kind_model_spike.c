/* kind_model_spike.c - one model gets many more requests than usual.
 *
 * Models only: requests in the window > model_spike x the baseline
 * requests, and at least min_requests.
 */
#include <math.h>
#include <stdio.h>

#include "alerts/rules.h"

extern const struct alert_kind kind_model_spike;

struct thresholds {
    double model_spike;
    int64_t min_requests;
};

static const struct setting keys[] = {
    {.name = "model_spike", .type = SETTING_FLOAT,
     .offset = offsetof(struct thresholds, model_spike), .def = "5", .min = 1.0, .max = 1e6,
     .doc = "a model's requests > model_spike x its baseline ..."},
    RULES_KEY_MIN_REQUESTS(struct thresholds, min_requests),
    {0},
};

static void evaluate(const struct rule_scope *rs, const void *settings, struct rule_hits *out)
{
    const struct thresholds *c = settings;
    const struct view_scope *s = rs->scope;
    if (s->kind != SCOPE_MODEL || !isfinite(s->baseline_requests))
        return;
    double th = c->model_spike * s->baseline_requests;
    if (!((double)s->requests > th && s->requests >= c->min_requests))
        return;
    struct rule_hit *h = rules_add(out, &kind_model_spike, rs->name, rs->view->window,
                                   (double)s->requests, s->baseline_requests, th,
                                   (double)s->requests > 2 * th);
    snprintf(h->summary, sizeof h->summary, "%s: %lld requests in %s against %.0f on a normal day",
             rs->name, (long long)s->requests, rs->window, s->baseline_requests);
}

const struct alert_kind kind_model_spike = {
    .name = "model_spike",
    .doc = "a model's requests in the window are more than model_spike x its baseline, and "
           "at least min_requests",
    .keys = keys,
    .settings_size = sizeof(struct thresholds),
    .scope = evaluate,
};
