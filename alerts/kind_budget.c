/* kind_budget.c - a budget's spend reached one of its thresholds.
 *
 * For each budget (core/budget.h; a [[tenant]]'s daily_budget_usd is a day
 * budget of that tenant), the highest threshold its period's spend has
 * reached is a one-shot event (rule_hit.once): notified once per period,
 * remembered across restarts, and a new period starts afresh. Thresholds
 * below it that were never notified (a restart mid-period, a jump) are
 * not sent late: the highest says more. Warning below 100% of the amount,
 * critical from 100%. A period that ended is still looked at for
 * BUDGET_LATE (core/budget.h): spend reported after its end (a usage
 * API's last hour) that reaches a threshold is paged for that period.
 * Daily: it does not depend on the window.
 */
#include <stdio.h>
#include <string.h>

#include "alerts/rules.h"
#include "core/format.h"

extern const struct alert_kind kind_budget;

static const struct setting keys[] = {{0}};

/* Budget period b's highest threshold reached, if any, as a one-shot hit;
 * ended: a period that ended, whose spend reported since reached it. */
static void hit(const struct view_budget_period *b, bool ended, struct rule_hits *out)
{
    if (!(b->crossed > 0))
        return;
    struct rule_hit *h = rules_add(out, &kind_budget, b->scope, rules_budget_window(b),
                                   b->spent_usd, b->limit_usd, b->crossed * b->limit_usd,
                                   b->crossed >= 1);
    snprintf(h->once, sizeof h->once, "budget|%.200s|%s|%lld|%.0f", b->scope, b->period,
             (long long)b->period_start, 100 * b->crossed);
    h->has_budget = true;
    h->budget = *b;
    char spent[32], limit[32];
    fmt_usd_full(spent, sizeof spent, b->spent_usd);
    fmt_usd_full(limit, sizeof limit, b->limit_usd);
    snprintf(h->summary, sizeof h->summary,
             "%.120s spent %s %s %s%s: %.0f%% of its %s budget (threshold %.0f%%)", b->scope,
             spent, ended ? "in the last" : "this", b->period,
             ended ? " (reported after it ended)" : "", 100 * b->used, limit,
             100 * b->crossed);
}

static void evaluate(const struct view *v, const void *settings, struct rule_hits *out)
{
    (void)settings;
    for (size_t i = 0; i < v->nbudgets; i++)
        hit(&v->budgets[i], false, out);
    /* a threshold notified in its period is not again: the same key */
    for (size_t i = 0; i < v->nbudgets_ended; i++)
        hit(&v->budgets_ended[i], true, out);
}

const struct alert_kind kind_budget = {
    .name = "budget",
    .doc = "a budget's spend in its period reached one of its thresholds ([[budget]], or a "
           "[[tenant]]'s daily_budget_usd); each notifies once per period (critical from 100%)",
    .keys = keys,
    .settings_size = 0,
    .daily = evaluate,
    .budget = true,
};
