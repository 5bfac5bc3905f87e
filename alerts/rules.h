/* rules.h - when is something wrong (DESIGN.md §6).
 *
 * A pure function of a view: every windowed alert kind is checked on every
 * scope of a view computed with view_params.scopes, every daily kind once
 * per evaluation, and each condition that holds is a hit. Whether a hit
 * becomes an alert (held for `for`, notified once, resolved) is alerts.c's
 * business, not this file's.
 *
 * The alert kinds are a registry (the list in rules.c): each kind is one
 * file, alerts/kind_NAME.c, that fills one const struct alert_kind - its
 * name, what it means, its thresholds (keys of [alerts], with type,
 * default and doc) and its evaluator. The config ([alerts], a hook's
 * `kinds`), the hooks' SPENDTOP_ALERT_KIND, the JSON and the database all
 * name kinds by that name; config.example.toml documents them from it.
 *
 * A baseline that is still learning (NAN) means no anomaly, spike, mix,
 * cache or reasoning hit. Severity is warning, critical at twice the
 * threshold (budgets: see kind_budget.c). `value` and `threshold` are in
 * the same unit: the threshold is the value the rule compares against.
 */
#ifndef SPENDTOP_RULES_H
#define SPENDTOP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/view.h"
#include "lib/settings.h"

enum severity { SEVERITY_WARNING = 0, SEVERITY_CRITICAL = 1 };

/* "warning", "critical", NULL: the names of enum severity, in its order. */
extern const char *const rules_severity_names[];

struct alert_kind;

struct rule_hit {
    const struct alert_kind *kind;
    char scope[USAGE_SCOPE_MAX]; /* "total", "provider:openai",
                                    "model:openai/o3", "tenant:acme",
                                    "source:spans" */
    int64_t window;         /* seconds; 0 = "today" (budgets) */
    enum severity severity;
    double value, baseline, ratio, threshold;
    char summary[300];
    /* Non-empty: a one-shot event, not an alert with a lifecycle - it
     * notifies once (at once, without `for`) and never again under this key,
     * which the database remembers (a budget threshold in one period). */
    char once[240];
    bool has_budget;            /* budget kinds: the budget, for the hooks */
    struct view_budget_period budget;
};

struct rule_hits {
    struct rule_hit *hits;
    size_t n, cap;
    /* the evaluation's budgets as they are (owned; rules_evaluate with
     * daily): a budget alert's resolve carries its budget then - a hit no
     * longer does, and after a restart the alert had none */
    struct view_budget_period *budgets;
    size_t nbudgets;
};

/* What a windowed kind looks at: one scope of a view of one window. */
struct rule_scope {
    const struct view *view;
    const struct view_scope *scope;
    const char *name;           /* the scope as hits name it: "tenant:acme" */
    const char *window;         /* the window for summaries: "1h" */
};

struct alert_kind {
    const char *name;               /* "spend_anomaly" */
    const char *doc;                /* when it fires, one line */
    /* Its thresholds: keys of [alerts], landing in a struct of
     * settings_size bytes that the evaluator gets. A key several kinds
     * use (min_spend_usd) is one key in [alerts]: such kinds use the same
     * row (the RULES_KEY_* macros below). */
    const struct setting *keys;
    size_t settings_size;
    /* A windowed kind: called for each scope of a view of each window. */
    void (*scope)(const struct rule_scope *s, const void *settings, struct rule_hits *out);
    /* A daily kind: called once per evaluation (it does not depend on the
     * window). */
    void (*daily)(const struct view *v, const void *settings, struct rule_hits *out);
    bool budget;                    /* its hits carry a budget (has_budget) */
};

/* The registry, in its order (evaluation, documentation). */
size_t rules_nkinds(void);
/* Kind i of the registry; NULL past the end. */
const struct alert_kind *rules_kind_at(size_t i);
/* The kind named name (as the database and the config name it), or NULL. */
const struct alert_kind *rules_kind_find(const char *name);
/* The names of every kind, NULL-terminated (for [[hook]] kinds). */
extern const char *const rules_kind_names[];

/* For kinds: a new hit of kind on scope (ratio = value / baseline). */
struct rule_hit *rules_add(struct rule_hits *out, const struct alert_kind *kind,
                           const char *scope, int64_t window, double value, double baseline,
                           double threshold, bool critical);

/* The window a budget's alerts carry: its period's nominal length (a day,
 * a week, 31 days), which keeps a scope's day and month budgets apart. */
int64_t rules_budget_window(const struct view_budget_period *b);

/* Rows of [alerts] that several kinds share. */
#define RULES_KEY_MIN_SPEND_USD(T, M)                                               \
    {.name = "min_spend_usd", .type = SETTING_FLOAT, .offset = offsetof(T, M),       \
     .def = "1.0", .min = 0, .max = 1e12,                                           \
     .doc = "... and at least this much spend in the window (a scope that "         \
            "spends less has no anomaly or mix worth paging about)"}
#define RULES_KEY_MIN_REQUESTS(T, M)                                                \
    {.name = "min_requests", .type = SETTING_INT, .offset = offsetof(T, M),          \
     .def = "20", .imin = 0, .imax = INT64_MAX,                                     \
     .doc = "... and at least this many requests in the window"}

struct alert_settings;

/* Check every windowed kind on v (a view of one window, with scopes) and,
 * if daily, the daily kinds too (check them once per evaluation). Appends
 * to out. */
void rules_evaluate(const struct view *v, const struct alert_settings *s, bool daily,
                    struct rule_hits *out);
void rules_hits_free(struct rule_hits *h);

#endif
