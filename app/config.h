/* config.h - the configuration, assembled from every part's key tables
 * (DESIGN.md §5-§7).
 *
 * Why here, in app/: the config names every part - the collectors' source
 * types, the alert kinds, the hooks - and the parts must not name each
 * other or what is above them. So each part owns its settings struct and
 * the key table that fills it (lib/settings.h): a source type its
 * [[source]] keys (collectors/sources.h), the alert kinds and the
 * lifecycle their [alerts] keys (alerts/alert_settings.h), the hooks
 * [[hook]] (alerts/hooks.h). This file only reads [general], [pricing]
 * and [[tenant]] itself, hands each other table to its owner, and puts the
 * results together; folders still include each other one way only.
 *
 * config_load validates everything up front and reports every problem it
 * finds (not just the first) as "FILE:LINE:COL: message", unknown keys with
 * a did-you-mean. A config that loads is complete: every field below has
 * its value or its default, so no caller re-checks. config_write_example
 * writes config.example.toml from the same tables.
 *
 * Secrets are never in the config text: a source names an environment
 * variable (api_key_env) or a file (api_key_file, refused when group or
 * others can read it); the source reads the key when it needs it and
 * nothing else ever holds it.
 */
#ifndef SPENDTOP_CONFIG_H
#define SPENDTOP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerts/alert_settings.h"
#include "alerts/hooks.h"
#include "collectors/collector.h"
#include "core/budget.h"
#include "lib/strbuf.h"

struct config_tenant {
    char *name;
    double daily_budget_usd;    /* NAN when none */
};

struct config_price_field {
    char *model;
    char *field;                /* a LiteLLM key, e.g. input_cost_per_token */
    double value;
};

struct config {
    char *path;                 /* NULL when running on defaults */
    /* [general] */
    int64_t refresh;            /* seconds between redraws */
    char *timezone;             /* "UTC", "local" or an IANA name */
    int64_t window;             /* seconds: one of core/window.h's */
    char *db_path;
    char *log_path;
    /* [pricing] */
    char *pricing_file;
    char *pricing_update_url;   /* spendtop prices update's default */
    char **discount_providers;
    double *discount_fractions;
    size_t ndiscounts;
    char **alias_from;
    char **alias_to;
    size_t naliases;
    struct config_price_field *price_fields;
    size_t nprice_fields;
    /* [alerts] */
    struct alert_settings alerts;
    struct config_tenant *tenants;
    size_t ntenants;
    struct budget_settings *budgets;    /* [[budget]] */
    size_t nbudgets;
    struct source_settings **sources;   /* each its type's settings */
    size_t nsources;
    struct hook_settings *hooks;
    size_t nhooks;
};

/* Every default, no sources. */
struct config *config_defaults(void);
/* Load and validate path. Problems are appended to errors, one per line;
 * returns NULL if there was any. */
struct config *config_load(const char *path, struct strbuf *errors);
/* The config at path as far as it loads, errors or not (NULL only when
 * it cannot be read or is not TOML): for a viewer, which needs only where
 * the database and the log are. Never to run sources, alerts or hooks. */
struct config *config_load_where(const char *path);
void config_free(struct config *cfg);

/* The config file to use: explicit (even if missing), else
 * $SPENDTOP_CONFIG, ~/.config/spendtop/config.toml,
 * /etc/spendtop/config.toml - the first that exists. NULL if none.
 * The caller frees the result. */
char *config_find(const char *explicit_path);

/* Something to collect: false, with why (and what to do) appended to
 * errors, when cfg has no [[source]] - a dashboard or a snapshot of
 * nothing would show $0.00 where the truth is "unknown". */
bool config_check_sources(const struct config *cfg, struct strbuf *errors);

/* Every [[hook]] whose command cannot start here (hooks_settings_check_
 * command): false, with a FILE:LINE:COL: line for each appended to out.
 * --check-config fails on it; a daemon starts and logs it. */
bool config_check_hooks(const struct config *cfg, struct strbuf *out);
/* The same, said as warnings in the log, each line after prefix (a daemon
 * starts, or reloads, with a hook that will not run: it still pages
 * through the others). */
void config_warn_hooks(const struct config *cfg, const char *prefix);

/* Where state lives: $XDG_STATE_HOME/spendtop or ~/.local/state/spendtop,
 * where ~ is $HOME or, without one, the user's home directory from the
 * password database (/tmp/spendtop-UID only when there is neither). */
void config_state_dir(char *buf, size_t len);

/* --demo: replace every source by the built-in demo source and drop the
 * hooks (a demo must never page anyone). */
void config_use_demo(struct config *cfg);
/* Warnings that are not errors (e.g. an api_key_env not set here). */
void config_warnings(const struct config *cfg, struct strbuf *out);
/* The environment variables the sources read API keys from, NULL-
 * terminated (for hooks_new: no hook inherits them). The caller frees the
 * array, not the names (they are cfg's). */
const char **config_secret_env(const struct config *cfg);

/* config.example.toml: every key of every table, with its default and doc
 * (make config-example writes it; a test checks the file is current). */
void config_write_example(struct strbuf *out);

#endif
