/* alert_settings.h - the [alerts] section: when alerts fire and page.
 *
 * The lifecycle (for, repeat, keep_resolved) and the windows rules are
 * evaluated over are this module's keys; the thresholds are the alert
 * kinds' own (rules.h): each kind's keys land in a struct of its own,
 * which only its evaluator reads. Others that must know a threshold (the
 * dashboard colours a ratio above `factor`) ask for it by its key.
 */
#ifndef SPENDTOP_ALERT_SETTINGS_H
#define SPENDTOP_ALERT_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/settings.h"
#include "lib/strbuf.h"
#include "lib/toml.h"

struct alert_settings {
    int64_t for_s;              /* a condition must hold this long */
    int64_t repeat;             /* re-notify a firing alert this often */
    int64_t keep_resolved;      /* list resolved alerts this long */
    int64_t *windows;           /* seconds */
    size_t nwindows;
    void **kinds;               /* each kind's thresholds, in registry order */
};

/* Every default. */
void alert_settings_init(struct alert_settings *s);
/* The [alerts] table t over s (which has its defaults). */
void alert_settings_load(struct settings_ctx *c, const struct toml_value *t,
                         struct alert_settings *s);
void alert_settings_free(struct alert_settings *s);

/* The threshold named key ("factor", "stale_after": its name in
 * [alerts]) as a number (durations in seconds). Naming no threshold is a
 * bug: it aborts. */
double alert_settings_get(const struct alert_settings *s, const char *key);

/* The [alerts] section of config.example.toml. */
void alert_settings_example(struct strbuf *out);

#endif
