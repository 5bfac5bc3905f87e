/* kind_model_mix.c - spend moved between models.
 *
 * Total, provider and tenant scopes: the total variation distance between
 * the window's and the baseline's spend shares by model >= mix_shift, in
 * a scope that spends at least min_spend_usd - a tenant's few requests an
 * hour always "move".
 */
#include <math.h>
#include <stdio.h>

#include "alerts/rules.h"

extern const struct alert_kind kind_model_mix;

struct thresholds {
    double mix_shift;
    double min_spend_usd;
};

static const struct setting keys[] = {
    {.name = "mix_shift", .type = SETTING_FLOAT, .offset = offsetof(struct thresholds, mix_shift),
     .def = "0.25", .min = 0.01, .max = 1.0,
     .doc = "total variation distance of spend shares by model"},
    RULES_KEY_MIN_SPEND_USD(struct thresholds, min_spend_usd),
    {0},
};

static void evaluate(const struct rule_scope *rs, const void *settings, struct rule_hits *out)
{
    const struct thresholds *c = settings;
    const struct view_scope *s = rs->scope;
    if (s->kind == SCOPE_MODEL || !isfinite(s->mix_distance) || s->mix_distance < c->mix_shift ||
        !isfinite(s->window_usd) || s->window_usd < c->min_spend_usd)
        return;
    struct rule_hit *h = rules_add(out, &kind_model_mix, rs->name, rs->view->window,
                                   s->mix_distance, 0, c->mix_shift,
                                   s->mix_distance >= 2 * c->mix_shift);
    h->baseline = NAN; /* a distance from the baseline has no baseline of its own */
    snprintf(h->summary, sizeof h->summary, "%s model mix moved %.0f%% from its baseline in %s",
             rs->name, 100 * s->mix_distance, rs->window);
}

const struct alert_kind kind_model_mix = {
    .name = "model_mix",
    .doc = "the spend shares by model moved from the baseline's by at least mix_shift (total "
           "variation distance), where the scope spends at least min_spend_usd",
    .keys = keys,
    .settings_size = sizeof(struct thresholds),
    .scope = evaluate,
};
