/* kind_budget_forecast.c - a budget will be spent within `lead`.
 *
 * The budget's forecast (core/budget.h: the current burn shaped by the
 * same hours of the baseline days) crosses its amount within `lead` of
 * now, in this period. Resolves when the crossing moves out of reach (the
 * burn calms down) or the amount is reached (the budget kind says so).
 * Daily: it does not depend on the window.
 */
#include <stdio.h>

#include "alerts/rules.h"
#include "core/format.h"

extern const struct alert_kind kind_budget_forecast;

struct settings {
    int64_t lead;
};

static const struct setting keys[] = {
    {.name = "lead", .type = SETTING_DURATION, .offset = offsetof(struct settings, lead),
     .def = "\"2h\"", .imin = 60, .imax = 31 * 86400,
     .doc = "budget_forecast fires when a budget's forecast crosses its amount within this"},
    {0},
};

static void evaluate(const struct view *v, const void *settings, struct rule_hits *out)
{
    const struct settings *s = settings;
    for (size_t i = 0; i < v->nbudgets; i++) {
        const struct view_budget_period *b = &v->budgets[i];
        if (b->forecast_at <= 0 || b->forecast_at - v->now > s->lead)
            continue;
        struct rule_hit *h = rules_add(out, &kind_budget_forecast, b->scope,
                                       rules_budget_window(b), b->spent_usd, b->limit_usd,
                                       b->limit_usd, false);
        h->has_budget = true;
        h->budget = *b;
        char limit[32], when[40];
        fmt_usd_full(limit, sizeof limit, b->limit_usd);
        fmt_forecast(when, sizeof when, b->used, b->forecast_at, v->now);
        snprintf(h->summary, sizeof h->summary,
                 "%.160s %s its %s %s budget at the current burn (%.0f%% used)", b->scope, when,
                 limit, b->period, 100 * b->used);
    }
}

const struct alert_kind kind_budget_forecast = {
    .name = "budget_forecast",
    .doc = "a budget's forecast (the current burn, shaped by the same hours of the baseline "
           "days) crosses its amount within `lead`, in this period",
    .keys = keys,
    .settings_size = sizeof(struct settings),
    .daily = evaluate,
    .budget = true,
};
