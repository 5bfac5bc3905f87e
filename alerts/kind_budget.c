/* kind_budget.c - a tenant is over its daily budget.
 *
 * Tenants with a daily_budget_usd ([[tenant]]): spend today >= 1.2 x the
 * budget is a warning, >= 1.5 x critical. Daily: it does not depend on
 * the window.
 */
#include <math.h>
#include <stdio.h>

#include "alerts/rules.h"

extern const struct alert_kind kind_budget;

static const struct setting keys[] = {{0}};

static void evaluate(const struct view *v, const void *settings, struct rule_hits *out)
{
    (void)settings;
    char scope[200];
    for (size_t i = 0; i < v->ntenants; i++) {
        const struct view_tenant *t = &v->tenants[i];
        if (!isfinite(t->budget_usd) || !isfinite(t->today_usd))
            continue;
        bool critical = t->today_usd >= 1.5 * t->budget_usd;
        if (!critical && t->today_usd < 1.2 * t->budget_usd)
            continue;
        snprintf(scope, sizeof scope, "tenant:%s", t->tenant);
        struct rule_hit *h = rules_add(out, &kind_budget, scope, 0, t->today_usd, t->budget_usd,
                                       (critical ? 1.5 : 1.2) * t->budget_usd, critical);
        snprintf(h->summary, sizeof h->summary,
                 "%s spent $%.2f today, %.0f%% of its $%.2f daily budget", scope,
                 t->today_usd, 100 * h->ratio, t->budget_usd);
    }
}

const struct alert_kind kind_budget = {
    .name = "budget",
    .doc = "a tenant's spend today is at least 1.2 x its daily_budget_usd ([[tenant]]; "
           "warning), or 1.5 x (critical)",
    .keys = keys,
    .settings_size = 0,
    .daily = evaluate,
};
