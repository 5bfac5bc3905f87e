/* rules.c - the registry of alert kinds, and evaluation (see rules.h). */
#include "alerts/rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/alert_settings.h"
#include "core/format.h"
#include "lib/clock.h"
#include "lib/sanitize.h"
#include "lib/xalloc.h"

/* The registry: one line per kind, defined in alerts/kind_NAME.c as
 * kind_NAME. The order is the order kinds are evaluated and documented in
 * (the database stores a kind by its name). */
#define ALERT_KINDS(X)   \
    X(spend_anomaly)     \
    X(model_spike)       \
    X(model_mix)         \
    X(cache_drop)        \
    X(reasoning_jump)    \
    X(budget)            \
    X(budget_forecast)   \
    X(source_stale)      \
    /* (the list ends here) */

#define DECLARE(n) extern const struct alert_kind kind_##n;
ALERT_KINDS(DECLARE)
#define ENTRY(n) &kind_##n,
static const struct alert_kind *const kinds[] = {ALERT_KINDS(ENTRY) NULL};
#define NAME(n) #n,
const char *const rules_kind_names[] = {ALERT_KINDS(NAME) NULL};

const char *const rules_severity_names[] = {"warning", "critical", NULL};

size_t rules_nkinds(void) { return sizeof kinds / sizeof *kinds - 1; }

const struct alert_kind *rules_kind_at(size_t i)
{
    return i < rules_nkinds() ? kinds[i] : NULL;
}

const struct alert_kind *rules_kind_find(const char *name)
{
    for (size_t i = 0; name && kinds[i]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

void rules_hits_free(struct rule_hits *h)
{
    free(h->hits);
    free(h->budgets);
    memset(h, 0, sizeof *h);
}

static void scope_name(const struct view_scope *s, char *buf, size_t len)
{
    switch (s->kind) {
    case SCOPE_TOTAL: snprintf(buf, len, "total"); break;
    case SCOPE_PROVIDER: snprintf(buf, len, "provider:%s", s->provider); break;
    case SCOPE_MODEL: snprintf(buf, len, "model:%s/%s", s->provider, s->model); break;
    case SCOPE_TENANT: snprintf(buf, len, "tenant:%s", s->tenant); break;
    }
}

struct rule_hit *rules_add(struct rule_hits *out, const struct alert_kind *kind,
                           const char *scope, int64_t window, double value, double baseline,
                           double threshold, bool critical)
{
    xgrow(&out->hits, &out->cap, out->n + 1, sizeof *out->hits);
    struct rule_hit *h = &out->hits[out->n++];
    memset(h, 0, sizeof *h);
    h->kind = kind;
    snprintf(h->scope, sizeof h->scope, "%s", scope);
    h->window = window;
    h->value = value;
    h->baseline = baseline;
    h->threshold = threshold;
    h->ratio = baseline > 0 ? value / baseline : NAN;
    h->severity = critical ? SEVERITY_CRITICAL : SEVERITY_WARNING;
    return h;
}

int64_t rules_budget_window(const struct view_budget_period *b)
{
    switch (b->period[0]) {
    case 'd': return CLOCK_DAY;
    case 'w': return CLOCK_WEEK;
    default: return 31 * (int64_t)CLOCK_DAY;
    }
}

/* A summary is one human line (SPENDTOP_ALERT_SUMMARY, a pager's text, a
 * syslog line), but the scope in it is a tenant or model name from
 * untrusted spans: a newline or an escape sequence there would split the
 * line or reach whatever terminal shows it. Such characters become visible
 * escapes ("\x0a"), as on the screen; the scope itself stays as sent. */
static void summary_clean(struct rule_hit *h)
{
    char clean[sizeof h->summary];
    sanitize_text(h->summary, clean, sizeof clean, (int)sizeof clean - 1);
    memcpy(h->summary, clean, sizeof clean);
}

void rules_evaluate(const struct view *v, const struct alert_settings *s, bool daily,
                    struct rule_hits *out)
{
    size_t first = out->n;
    char scope[USAGE_SCOPE_MAX], win[16];
    fmt_window(win, sizeof win, v->window);
    for (size_t i = 0; v->baseline_days > 0 && i < v->nscopes; i++) {
        scope_name(&v->scopes[i], scope, sizeof scope);
        struct rule_scope rs = {v, &v->scopes[i], scope, win};
        for (size_t k = 0; kinds[k]; k++)
            if (kinds[k]->scope)
                kinds[k]->scope(&rs, s->kinds[k], out);
    }
    for (size_t k = 0; daily && kinds[k]; k++)
        if (kinds[k]->daily)
            kinds[k]->daily(v, s->kinds[k], out);
    if (daily && v->nbudgets) {
        free(out->budgets);
        out->budgets = xmalloc(v->nbudgets * sizeof *out->budgets);
        memcpy(out->budgets, v->budgets, v->nbudgets * sizeof *out->budgets);
        out->nbudgets = v->nbudgets;
    }
    for (size_t i = first; i < out->n; i++)
        summary_clean(&out->hits[i]);
}
