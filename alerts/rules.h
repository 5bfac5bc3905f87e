/* rules.h - when is something wrong (DESIGN.md §6).
 *
 * A pure function of a view: every rule is checked on every scope of a
 * view computed with view_params.scopes, and each condition that holds is
 * a hit. Whether a hit becomes an alert (held for `for`, notified once,
 * resolved) is alerts.c's business, not this file's.
 *
 * Rules and scopes:
 *   spend_anomaly   total, provider, model, tenant: window spend > factor x
 *                   baseline and >= min_spend_usd
 *   model_spike     model: requests > model_spike x baseline requests and
 *                   >= min_requests
 *   model_mix       total, provider, tenant: total variation distance of
 *                   spend shares by model >= mix_shift
 *   cache_drop      total, provider, model, tenant: hit rate < baseline -
 *                   cache_drop over >= min_input_tokens known input tokens
 *   reasoning_jump  total, provider, model, tenant: reasoning ratio >
 *                   reasoning_factor x baseline, where reasoning is known,
 *                   over >= min_requests requests
 *   budget          tenant: spend today >= 1.2 x daily budget (warning),
 *                   >= 1.5 x (critical)
 *   source_stale    source: no successful poll or new data for stale_after
 *
 * A baseline that is still learning (NAN) means no anomaly, spike, mix,
 * cache or reasoning hit. Severity is warning, critical at twice the
 * threshold (budgets: as above). `value` and `threshold` are in the same
 * unit: the threshold is the value the rule compares against.
 */
#ifndef SPENDTOP_RULES_H
#define SPENDTOP_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/view.h"

enum alert_kind {
    KIND_SPEND_ANOMALY,
    KIND_MODEL_SPIKE,
    KIND_MODEL_MIX,
    KIND_CACHE_DROP,
    KIND_REASONING_JUMP,
    KIND_BUDGET,
    KIND_SOURCE_STALE,
    KIND_COUNT,
};

struct rule_hit {
    enum alert_kind kind;
    char scope[200];        /* "total", "provider:openai", "model:openai/o3",
                               "tenant:acme", "source:spans" */
    int64_t window;         /* seconds; 0 = "today" (budgets) */
    enum severity severity;
    double value, baseline, ratio, threshold;
    char summary[300];
};

struct rule_hits {
    struct rule_hit *hits;
    size_t n, cap;
};

const char *rules_kind_name(enum alert_kind k);
/* -1 if name is not a kind */
int rules_kind_parse(const char *name);

/* Check every windowed rule on v (a view of one window, with scopes) and,
 * if daily, the budget and staleness rules too (they do not depend on the
 * window: check them once per evaluation). Appends to out. */
void rules_evaluate(const struct view *v, const struct config_alerts *cfg,
                    bool daily, struct rule_hits *out);
void rules_hits_free(struct rule_hits *h);

#endif
