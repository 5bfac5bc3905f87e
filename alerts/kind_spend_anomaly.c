/* kind_spend_anomaly.c - a scope spends more than it does on a normal day.
 *
 * Every scope: window spend > factor x baseline, and at least
 * min_spend_usd (a few cents doubling is no incident).
 */
#include <math.h>
#include <stdio.h>

#include "alerts/rules.h"

extern const struct alert_kind kind_spend_anomaly;

struct thresholds {
    double factor;
    double min_spend_usd;
};

static const struct setting keys[] = {
    {.name = "factor", .type = SETTING_FLOAT, .offset = offsetof(struct thresholds, factor),
     .def = "1.5", .min = 1.0, .max = 1000,
     .doc = "window spend > factor x baseline ..."},
    RULES_KEY_MIN_SPEND_USD(struct thresholds, min_spend_usd),
    {0},
};

static void evaluate(const struct rule_scope *rs, const void *settings, struct rule_hits *out)
{
    const struct thresholds *c = settings;
    const struct view_scope *s = rs->scope;
    if (!isfinite(s->baseline_usd) || !isfinite(s->window_usd))
        return;
    double th = c->factor * s->baseline_usd;
    if (!(s->window_usd > th && s->window_usd >= c->min_spend_usd))
        return;
    struct rule_hit *h = rules_add(out, &kind_spend_anomaly, rs->name, rs->view->window,
                                   s->window_usd, s->baseline_usd, th, s->window_usd > 2 * th);
    if (s->baseline_usd > 0)
        snprintf(h->summary, sizeof h->summary, "%s spend $%.2f in %s is %.1fx its baseline $%.2f",
                 rs->name, s->window_usd, rs->window, h->ratio, s->baseline_usd);
    else
        snprintf(h->summary, sizeof h->summary, "%s spend $%.2f in %s where the baseline is $0",
                 rs->name, s->window_usd, rs->window);
}

const struct alert_kind kind_spend_anomaly = {
    .name = "spend_anomaly",
    .doc = "a scope's window spend is more than factor x its baseline, and at least "
           "min_spend_usd",
    .keys = keys,
    .settings_size = sizeof(struct thresholds),
    .scope = evaluate,
};
