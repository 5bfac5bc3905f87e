/* config.h - typed configuration from TOML (DESIGN.md §5-§7).
 *
 * config_load validates everything up front and reports every problem it
 * finds (not just the first) as "FILE:LINE:COL: message", unknown keys with
 * a did-you-mean. A config that loads is complete: every field below has
 * its value or its default, so no caller re-checks.
 *
 * Secrets are never in the config text: a source names an environment
 * variable (api_key_env) or a file (api_key_file, refused when group or
 * others can read it); config_read_secret fetches the key when needed and
 * nothing else ever holds it.
 */
#ifndef SPENDTOP_CONFIG_H
#define SPENDTOP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

enum source_type {
    SOURCE_OTEL_FILE,
    SOURCE_OTLP_HTTP,
    SOURCE_OPENAI,
    SOURCE_ANTHROPIC,
    SOURCE_DEMO,
};

struct config_source {
    char *name;
    enum source_type type;
    int line;                   /* where [[source]] starts */
    /* otel_file */
    char *path;                 /* a glob */
    bool start_at_end;          /* start_at = "end" (default "beginning") */
    int64_t poll_interval;      /* seconds; default 1 */
    /* otel_file, otlp_http: span attributes, then resource attributes */
    char **tenant_attrs;
    size_t ntenant_attrs;
    /* otlp_http */
    char *listen;               /* default "127.0.0.1:4318" */
    int64_t max_body;           /* bytes; default 16 MiB */
    /* openai, anthropic */
    char *base_url;
    char *api_key_env;
    char *api_key_file;
    char *tenant_by;            /* project_id | api_key_id | user_id |
                                   workspace_id | none */
    int64_t interval;           /* seconds between polls; default 60 */
    int64_t timeout;            /* seconds per request; default 30 */
    char **tenant_name_ids;     /* [source.tenant_names] id = "name" */
    char **tenant_name_values;
    size_t ntenant_names;
};

struct config_tenant {
    char *name;
    double daily_budget_usd;    /* NAN when none */
};

enum severity { SEVERITY_WARNING = 0, SEVERITY_CRITICAL = 1 };

struct config_hook {
    char *name;
    char **argv;                /* command = [...]: run directly (NULL-terminated) */
    size_t argc;
    char *shell;                /* shell = "...": run by /bin/sh -c */
    bool on_firing, on_resolved;
    char **kinds;               /* only these alert kinds (none = all) */
    size_t nkinds;
    char **scopes;              /* only these kinds of scope: "total",
                                   "provider", "model", "tenant", "source"
                                   (none = all) */
    size_t nscopes;
    enum severity min_severity;
    int64_t timeout;            /* seconds; default 10 */
    int attempts;               /* default 3 */
};

struct config_alerts {
    double factor;              /* spend_anomaly: window > factor x baseline */
    double min_spend_usd;
    double model_spike;
    int64_t min_requests;
    double mix_shift;
    double cache_drop;
    int64_t min_input_tokens;
    double reasoning_factor;
    int64_t stale_after;        /* seconds */
    int64_t for_s;              /* a condition must hold this long */
    int64_t repeat;             /* re-notify a firing alert this often */
    int64_t keep_resolved;      /* list resolved alerts this long */
    int64_t *windows;           /* seconds */
    size_t nwindows;
};

struct config_price_field {
    char *model;
    char *field;                /* a LiteLLM key, e.g. input_cost_per_token */
    double value;
};

struct config {
    char *path;                 /* NULL when running on defaults */
    /* [general] */
    int64_t refresh;            /* seconds between redraws; default 1 */
    char *timezone;             /* "UTC", "local" or an IANA name */
    int64_t window;             /* 3600, 21600 or 86400 */
    char *db_path;
    char *log_path;
    /* [pricing] */
    char *pricing_file;
    char **discount_providers;
    double *discount_fractions;
    size_t ndiscounts;
    char **alias_from;
    char **alias_to;
    size_t naliases;
    struct config_price_field *price_fields;
    size_t nprice_fields;
    /* [alerts] */
    struct config_alerts alerts;
    struct config_tenant *tenants;
    size_t ntenants;
    struct config_source *sources;
    size_t nsources;
    struct config_hook *hooks;
    size_t nhooks;
};

/* Every default, no sources. */
struct config *config_defaults(void);
/* Load and validate path. Problems are appended to errors, one per line;
 * returns NULL if there was any. */
struct config *config_load(const char *path, struct strbuf *errors);
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

/* Where state lives: $XDG_STATE_HOME/spendtop or ~/.local/state/spendtop,
 * where ~ is $HOME or, without one, the user's home directory from the
 * password database (/tmp/spendtop-UID only when there is neither). */
void config_state_dir(char *buf, size_t len);

/* The API key of a source, from api_key_env or api_key_file (trailing
 * whitespace trimmed). Returns 0, or -1 with a message in err that names
 * the variable or file but never contains the secret. */
int config_read_secret(const struct config_source *s, char *buf, size_t len,
                       char *err, size_t errlen);

const char *config_source_type_name(enum source_type t);
/* --demo: replace every source by the built-in demo source and drop the
 * hooks (a demo must never page anyone). */
void config_use_demo(struct config *cfg);
/* Warnings that are not errors (e.g. an api_key_env not set here). */
void config_warnings(const struct config *cfg, struct strbuf *out);

#endif
