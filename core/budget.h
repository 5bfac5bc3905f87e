/* budget.h - budgets per calendar period, their spend and their forecast.
 *
 * A budget ([[budget]]) is a scope - the total, a tenant, a provider or a
 * model, named as alert scopes are ("total", "tenant:acme",
 * "provider:openai", "model:openai/o3" or "model:o3" for any provider's)
 * - a period (a calendar day, a week from Monday 00:00, a month), an
 * amount in USD and thresholds (fractions of the amount, default 0.5, 0.8
 * and 1.0). Periods are calendar periods in [general] timezone: a day of
 * 23 or 25 hours when the clocks change is one day.
 *
 * Spent: the scope's spend from the period's start to now, counted as the
 * view counts it (DESIGN.md §4 precedence: view_series_counted), priced
 * series only (unknown, NAN, when every usage in it is unpriced). The
 * store holds 8 days; a month is longer, so each whole day's spend of each
 * budgeted scope is remembered in the database (budget_days, written by
 * budgets_remember) and a period's older days come from there.
 *
 * Forecast: when spent reaches the amount at the current burn, shaped by
 * the same hours of the baseline days. The hour-of-day profile p(h) is the
 * mean over the baseline days of each clock hour's spend (relative to
 * now's hour); the current level r is the last hour's spend over the
 * profile's last hour, so the projected spend of a future hour h is
 * r x p(h): a tenant that burns at twice its usual rate at 10:00 is
 * projected at twice its usual afternoon and night, not at 10:00's rate
 * through the night (and one quiet in an hour it is usually busy, r = 0,
 * is projected to spend nothing until it spends again). A rise above the
 * usual last hour is measured against at least the profile's mean hour
 * (and r is then at least 1): a small burst in an hour that is usually
 * nearly idle does not multiply the whole day by its ratio. With no baseline
 * yet (learning), or no usual spend in the last hour but some burn in it,
 * the projection is a straight line at the last hour's burn. With no burn
 * in the last hour and none usual there, it is the profile as it is (the
 * usual spend of the coming hours: a month's budget still gets a date);
 * with neither burn nor profile, it never crosses. Within an hour the
 * spend is taken as even (the crossing minute is interpolated).
 *
 * Late spend: a usage API reports an hour some minutes after it ends, a
 * backlog of spans is read after a restart. For BUDGET_LATE after a
 * period ends its spend is still summed (the view's budgets_ended), so
 * that a threshold crossed by what arrived after the end is paged, for
 * that period, once.
 */
#ifndef SPENDTOP_BUDGET_H
#define SPENDTOP_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/store.h"
#include "core/view.h"
#include "lib/settings.h"
#include "lib/strbuf.h"
#include "lib/toml.h"

#define BUDGET_LATE (6 * 3600)

/* One [[budget]]. */
struct budget_settings {
    char *scope;                /* "total", "tenant:NAME", ... (checked) */
    const char *period;         /* "day", "week", "month" */
    double amount_usd;
    double *thresholds;         /* fractions, ascending */
    size_t nthresholds;
};

/* The periods, NULL-terminated: "day", "week", "month". */
extern const char *const budget_period_names[];

/* Every default into b (zeroed by the caller). */
void budget_settings_init(struct budget_settings *b);
/* One [[budget]] table t over b (which has its defaults). */
void budget_settings_load(struct settings_ctx *c, const struct toml_value *t,
                          struct budget_settings *b);
void budget_settings_free(struct budget_settings *b);
/* The [[budget]] section of config.example.toml. */
void budget_settings_example(struct strbuf *out);

/* [start, end) of the calendar period containing t, in the configured zone
 * (clock_set_timezone). */
void budget_period_bounds(const char *period, int64_t t, int64_t *start, int64_t *end);

struct budgets;

/* The n budgets of cfg (which outlive the result), remembering day sums
 * in db (may be NULL: then only the days the store holds count). Loads
 * what db remembers. */
struct budgets *budgets_new(const struct budget_settings *cfg, size_t n, struct db *db);
void budgets_free(struct budgets *b);
/* Whether b was made from budgets the same as cfg[0..n) (b keeps its own
 * copy of them): a viewer keeps its budgets, and what their fills
 * remember, while the owner's are the same. */
bool budgets_configured_as(const struct budgets *b, const struct budget_settings *cfg, size_t n);

/* Each budget at p->now into v->budgets (the view computed with p: its
 * sources decide precedence), and the periods that ended less than
 * BUDGET_LATE before p->now into v->budgets_ended. */
void budgets_fill_view(const struct budgets *b, const struct store *st,
                       const struct view_params *p, struct view *v);

/* Remember in the database the spend of each whole day the store holds
 * (for periods longer than the store). Returns 0 or -1 (db error). */
int budgets_remember(struct budgets *b, const struct store *st, const struct view_params *p);

#endif
