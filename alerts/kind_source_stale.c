/* kind_source_stale.c - a source stopped delivering.
 *
 * Every source: no successful poll, or no new data, for stale_after (since
 * it started, if it never had one). Daily: it does not depend on the
 * window.
 */
#include <math.h>
#include <stdio.h>

#include "alerts/rules.h"
#include "core/format.h"
#include "lib/clock.h"

extern const struct alert_kind kind_source_stale;

struct thresholds {
    int64_t stale_after;
};

static const struct setting keys[] = {
    {.name = "stale_after", .type = SETTING_DURATION,
     .offset = offsetof(struct thresholds, stale_after), .def = "\"15m\"", .imin = 10,
     .imax = CLOCK_WEEK, .doc = "no successful poll / new data for this long"},
    {0},
};

static void evaluate(const struct view *v, const void *settings, struct rule_hits *out)
{
    const struct thresholds *c = settings;
    char scope[200];
    for (size_t i = 0; i < v->nsources; i++) {
        const struct view_source *s = &v->sources[i];
        if (!view_source_stale(s, v->now, c->stale_after))
            continue;
        bool no_poll;
        int64_t age = view_source_age(s, v->now, &no_poll);
        snprintf(scope, sizeof scope, "source:%s", s->name);
        struct rule_hit *h = rules_add(out, &kind_source_stale, scope, c->stale_after, (double)age,
                                       NAN, (double)c->stale_after, age > 2 * c->stale_after);
        /* seconds under two minutes: a stale_after of 30s is not "0 min" */
        char d[16];
        fmt_duration(d, sizeof d, age);
        snprintf(h->summary, sizeof h->summary, "%s: no %s for %s%s%s", scope,
                 no_poll ? "successful poll" : "new data", d,
                 s->last_error ? ": " : "", s->last_error ? s->last_error : "");
    }
}

const struct alert_kind kind_source_stale = {
    .name = "source_stale",
    .doc = "a source has had no successful poll, or no new data, for stale_after",
    .keys = keys,
    .settings_size = sizeof(struct thresholds),
    .daily = evaluate,
};
