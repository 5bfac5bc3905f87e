/* config.c - configuration (see config.h). */
#include "app/config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/sources.h"
#include "core/window.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/settings.h"
#include "lib/toml.h"
#include "lib/xalloc.h"
#include "pricing/pricing.h"

#define MiB (1024 * 1024)
#define DOC_COL 27
#define SECTION_DOC_COL 35

/* ---- [general] ---------------------------------------------------------------------- */

static void check_timezone(struct settings_ctx *c, const struct toml_value *v, void *settings)
{
    const struct config *cfg = settings;
    if (!clock_timezone_exists(cfg->timezone))
        settings_error(c, v, "unknown time zone '%s' (use \"UTC\", \"local\" or a name like "
                       "\"Europe/Berlin\")", cfg->timezone);
}

/* window: a duration as long as one of the windows the dashboard shows */
static bool parse_window(struct settings_ctx *c, const struct setting *k,
                         const struct toml_value *v, void *settings)
{
    int64_t s = 0;
    if (toml_type(v) != TOML_STRING || clock_parse_duration(toml_string(v), &s) != 0 ||
        !window_exists(s)) {
        struct strbuf list = {0};
        window_list(&list, true);
        settings_error(c, v, "'%s' must be %s", k->name, strbuf_str(&list));
        strbuf_free(&list);
        return false;
    }
    ((struct config *)settings)->window = s;
    return true;
}

static const struct setting general_keys[] = {
    {.name = "refresh", .type = SETTING_DURATION, .offset = offsetof(struct config, refresh),
     .def = "\"1s\"", .imin = 1, .imax = CLOCK_HOUR, .doc = "how often the dashboard redraws its clock (new data is drawn as it arrives)"},
    {.name = "timezone", .type = SETTING_STRING, .offset = offsetof(struct config, timezone),
     .def = "\"UTC\"", .check = check_timezone,
     .doc = "\"UTC\", \"local\" or an IANA name (\"Europe/Berlin\"): moves the \"today\" "
            "boundary and the clock shown"},
    {.name = "window", .type = SETTING_CUSTOM, .parse = parse_window, .def = "\"1h\"",
     .names = window_names, .doc = "the window shown at start"},
    {.name = "db", .type = SETTING_STRING, .offset = offsetof(struct config, db_path),
     .example = "\"/var/lib/spendtop/spendtop.db\"",
     .doc = "default: spendtop.db in $XDG_STATE_HOME/spendtop or ~/.local/state/spendtop"},
    {.name = "log", .type = SETTING_STRING, .offset = offsetof(struct config, log_path),
     .example = "\"/var/log/spendtop.log\"",
     .doc = "the dashboard's log (a daemon and --once log to stderr); default: spendtop.log "
            "in $XDG_STATE_HOME/spendtop or ~/.local/state/spendtop, wherever --db puts the db"},
    {0},
};

/* ---- [pricing] --------------------------------------------------------------------- */

static void check_price_file(struct settings_ctx *c, const struct toml_value *v, void *settings)
{
    const struct config *cfg = settings;
    if (access(cfg->pricing_file, R_OK) != 0)
        settings_error(c, v, "cannot read price file '%s': %s", cfg->pricing_file,
                       strerror(errno));
}

/* discounts = { provider = fraction, ... }: each bad entry reported, the
 * good ones kept */
static bool parse_discounts(struct settings_ctx *c, const struct setting *k,
                            const struct toml_value *d, void *settings)
{
    struct config *cfg = settings;
    if (toml_type(d) != TOML_TABLE) {
        settings_error(c, d, "'%s' must be a table, not %s", k->name,
                       toml_type_name(toml_type(d)));
        return false;
    }
    for (size_t i = 0; i < toml_table_size(d); i++) {
        const struct toml_value *v = toml_table_value(d, i);
        if (toml_type(v) != TOML_FLOAT && toml_type(v) != TOML_INTEGER) {
            settings_error(c, v, "discount for '%s' must be a number (0.15 = 15%% off)",
                           toml_table_key(d, i));
            continue;
        }
        double f = toml_float(v);
        if (!(f >= 0 && f < 1)) {
            settings_error(c, v, "discount for '%s' must be a fraction from 0 to below 1 "
                           "(0.15 = 15%% off)", toml_table_key(d, i));
            continue;
        }
        size_t n = cfg->ndiscounts++;
        cfg->discount_providers = xrealloc(cfg->discount_providers, (n + 1) * sizeof(char *));
        cfg->discount_fractions = xrealloc(cfg->discount_fractions, (n + 1) * sizeof(double));
        cfg->discount_providers[n] = xstrdup(toml_table_key(d, i));
        cfg->discount_fractions[n] = f;
    }
    return true;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static void release_discounts(const struct setting *k, void *settings)
{
    (void)k;
    struct config *cfg = settings;
    free_list(cfg->discount_providers, cfg->ndiscounts);
    free(cfg->discount_fractions);
    cfg->discount_providers = NULL;
    cfg->discount_fractions = NULL;
    cfg->ndiscounts = 0;
}

/* aliases = { "reported id" = "price-table key", ... } */
static bool parse_aliases(struct settings_ctx *c, const struct setting *k,
                          const struct toml_value *a, void *settings)
{
    struct config *cfg = settings;
    if (toml_type(a) != TOML_TABLE) {
        settings_error(c, a, "'%s' must be a table, not %s", k->name,
                       toml_type_name(toml_type(a)));
        return false;
    }
    for (size_t i = 0; i < toml_table_size(a); i++) {
        const struct toml_value *v = toml_table_value(a, i);
        if (toml_type(v) != TOML_STRING) {
            settings_error(c, v, "alias for '%s' must be a string (a price-table model)",
                           toml_table_key(a, i));
            continue;
        }
        size_t n = cfg->naliases++;
        cfg->alias_from = xrealloc(cfg->alias_from, (n + 1) * sizeof(char *));
        cfg->alias_to = xrealloc(cfg->alias_to, (n + 1) * sizeof(char *));
        cfg->alias_from[n] = xstrdup(toml_table_key(a, i));
        cfg->alias_to[n] = xstrdup(toml_string(v));
    }
    return true;
}

static void release_aliases(const struct setting *k, void *settings)
{
    (void)k;
    struct config *cfg = settings;
    free_list(cfg->alias_from, cfg->naliases);
    free_list(cfg->alias_to, cfg->naliases);
    cfg->alias_from = cfg->alias_to = NULL;
    cfg->naliases = 0;
}

/* One [pricing.models."model"] table of LiteLLM price fields. */
static void add_price_fields(struct settings_ctx *c, struct config *cfg, const char *model,
                             const struct toml_value *fields)
{
    for (size_t j = 0; j < toml_table_size(fields); j++) {
        const char *field = toml_table_key(fields, j);
        const struct toml_value *v = toml_table_value(fields, j);
        if (strcmp(field, "litellm_provider") == 0 || strcmp(field, "mode") == 0)
            continue;
        if (!pricing_is_price_field(field)) {
            settings_error_at(c, toml_table_key_line(fields, j), toml_table_key_col(fields, j),
                              "unknown price field '%s' for model '%s' (LiteLLM names, "
                              "e.g. input_cost_per_token)", field, model);
            continue;
        }
        if ((toml_type(v) != TOML_FLOAT && toml_type(v) != TOML_INTEGER) ||
            !(toml_float(v) >= 0)) {
            settings_error(c, v, "'%s' must be a non-negative number (USD per token)", field);
            continue;
        }
        size_t n = cfg->nprice_fields++;
        cfg->price_fields = xrealloc(cfg->price_fields, (n + 1) * sizeof *cfg->price_fields);
        cfg->price_fields[n] = (struct config_price_field){
            xstrdup(model), xstrdup(field), toml_float(v)};
    }
}

static bool parse_models(struct settings_ctx *c, const struct setting *k,
                         const struct toml_value *m, void *settings)
{
    if (toml_type(m) != TOML_TABLE) {
        settings_error(c, m, "'%s' must be a table, not %s", k->name,
                       toml_type_name(toml_type(m)));
        return false;
    }
    for (size_t i = 0; i < toml_table_size(m); i++) {
        const char *model = toml_table_key(m, i);
        const struct toml_value *fields = toml_table_value(m, i);
        if (toml_type(fields) != TOML_TABLE)
            settings_error(c, fields, "[pricing.models.\"%s\"] must be a table of LiteLLM "
                           "price fields", model);
        else
            add_price_fields(c, settings, model, fields);
    }
    return true;
}

static void release_models(const struct setting *k, void *settings)
{
    (void)k;
    struct config *cfg = settings;
    for (size_t i = 0; i < cfg->nprice_fields; i++) {
        free(cfg->price_fields[i].model);
        free(cfg->price_fields[i].field);
    }
    free(cfg->price_fields);
    cfg->price_fields = NULL;
    cfg->nprice_fields = 0;
}

static const struct setting pricing_keys[] = {
    {.name = "file", .type = SETTING_STRING, .offset = offsetof(struct config, pricing_file),
     .check = check_price_file,
     .example = "\"/etc/spendtop/model_prices_and_context_window.json\"",
     .doc = "a LiteLLM price file that REPLACES the compiled-in table "
            "(https://github.com/BerriAI/litellm, model_prices_and_context_window.json)"},
    {.name = "update_url", .type = SETTING_STRING,
     .offset = offsetof(struct config, pricing_update_url),
     .def = "\"https://raw.githubusercontent.com/BerriAI/litellm/main/"
            "model_prices_and_context_window.json\"",
     .doc = "where `spendtop prices update` downloads a LiteLLM price table from (it is "
            "stored beside the database and used from the next start on)"},
    {.name = "discounts", .type = SETTING_CUSTOM, .def = "{}", .parse = parse_discounts,
     .release = release_discounts,
     .doc = "negotiated discounts, a fraction off per provider: "
            "discounts = { openai = 0.15, anthropic = 0.10 }"},
    {.name = "aliases", .type = SETTING_CUSTOM, .def = "{}", .parse = parse_aliases,
     .release = release_aliases,
     .doc = "reported model id -> price-table key, tried last: "
            "aliases = { \"router-default\" = \"gpt-4o-mini\" }"},
    {.name = "models", .type = SETTING_CUSTOM, .parse = parse_models, .release = release_models,
     .example = "[pricing.models.\"in-house-llama\"]\n"
                "input_cost_per_token = 2e-7\n"
                "output_cost_per_token = 6e-7\n"
                "cache_read_input_token_cost = 5e-8\n"
                "cache_creation_input_token_cost = 2.5e-7              # 5-minute writes\n"
                "cache_creation_input_token_cost_above_1hr = 4e-7      # 1-hour writes\n"
                "output_cost_per_reasoning_token = 6e-7\n"
                "input_cost_per_token_batches = 1e-7\n"
                "output_cost_per_token_batches = 3e-7\n"
                "input_cost_per_token_above_200k_tokens = 4e-7         # long-context tier",
     .doc = "Override or add single models, in LiteLLM's field names (USD per token):"},
    {0},
};

/* ---- [[tenant]] -------------------------------------------------------------------- */

static const struct setting tenant_keys[] = {
    {.name = "name", .type = SETTING_STRING, .offset = offsetof(struct config_tenant, name),
     .required = true, .example = "\"acme\"", .doc = "required, unique"},
    {.name = "daily_budget_usd", .type = SETTING_FLOAT,
     .offset = offsetof(struct config_tenant, daily_budget_usd), .min = 0.000001, .max = 1e12,
     .example = "250.0", .doc = "a day budget of this tenant (not also a [[budget]] of its "
                                "day): a [[budget]] with scope \"tenant:NAME\", period "
                                "\"day\" and the default thresholds"},
    {0},
};

/* The top level: only these tables. */
static const struct setting top_keys[] = {
    {.name = "general"}, {.name = "pricing"}, {.name = "alerts"},
    {.name = "tenant"}, {.name = "budget"}, {.name = "source"}, {.name = "hook"}, {0},
};

/* ---- defaults ---------------------------------------------------------------------- */

/* $HOME, else the password database's: cron jobs, systemd services without
 * User= and CI runners may start us with no HOME, and the 7-day history
 * belongs in the user's home, not in /tmp (lost on reboot). */
static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (home && home[0] == '/')
        return home;
    const struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

void config_state_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = home_dir();
    if (xdg && xdg[0] == '/')
        snprintf(buf, len, "%s/spendtop", xdg);
    else if (home)
        snprintf(buf, len, "%s/.local/state/spendtop", home);
    else
        snprintf(buf, len, "/tmp/spendtop-%ld", (long)getuid());
}

static char *state_file(const char *name)
{
    char dir[4096], path[4200];
    config_state_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return xstrdup(path);
}

struct config *config_defaults(void)
{
    struct config *cfg = xcalloc(1, sizeof *cfg);
    settings_defaults(general_keys, cfg);
    settings_defaults(pricing_keys, cfg);
    /* where state lives depends on the environment, not on a table */
    cfg->db_path = state_file("spendtop.db");
    cfg->log_path = state_file("spendtop.log");
    alert_settings_init(&cfg->alerts);
    return cfg;
}

/* ---- load ------------------------------------------------------------------------- */

/* A section t by keys into cfg: unknown keys first, then every key. */
static void load_section(struct settings_ctx *c, const struct toml_value *t,
                         const struct setting *keys, void *settings, const char *where)
{
    const struct setting *tables[] = {keys};
    settings_check_unknown(c, t, tables, 1, where);
    settings_load(c, t, keys, settings, where);
}

static void load_tenants(struct settings_ctx *c, struct config *cfg, const struct toml_value *arr)
{
    cfg->ntenants = toml_array_size(arr);
    cfg->tenants = xcalloc(cfg->ntenants ? cfg->ntenants : 1, sizeof *cfg->tenants);
    for (size_t i = 0; i < cfg->ntenants; i++) {
        const struct toml_value *t = toml_array_at(arr, i);
        struct config_tenant *ct = &cfg->tenants[i];
        ct->daily_budget_usd = NAN;
        if (toml_type(t) != TOML_TABLE) {
            settings_error(c, t, "[[tenant]] entries must be tables");
            continue;
        }
        load_section(c, t, tenant_keys, ct, "[[tenant]]");
        if (!ct->name)
            ct->name = xstrdup("");
        for (size_t j = 0; j < i; j++)
            if (cfg->tenants[j].name && strcmp(cfg->tenants[j].name, ct->name) == 0 &&
                *ct->name)
                settings_error(c, t, "tenant '%s' is configured twice", ct->name);
    }
}

static void load_budgets(struct settings_ctx *c, struct config *cfg, const struct toml_value *arr)
{
    cfg->nbudgets = toml_array_size(arr);
    cfg->budgets = xcalloc(cfg->nbudgets ? cfg->nbudgets : 1, sizeof *cfg->budgets);
    for (size_t i = 0; i < cfg->nbudgets; i++) {
        const struct toml_value *t = toml_array_at(arr, i);
        budget_settings_init(&cfg->budgets[i]);
        if (toml_type(t) != TOML_TABLE)
            settings_error(c, t, "[[budget]] entries must be tables");
        else
            budget_settings_load(c, t, &cfg->budgets[i]);
        /* one budget per scope and period: its notifications are keyed by them */
        for (size_t j = 0; j < i; j++)
            if (cfg->budgets[j].scope && cfg->budgets[i].scope &&
                strcmp(cfg->budgets[j].scope, cfg->budgets[i].scope) == 0 &&
                cfg->budgets[j].period == cfg->budgets[i].period)
                settings_error(c, t, "a %s budget of '%s' is configured twice",
                               cfg->budgets[i].period, cfg->budgets[i].scope);
        /* and a tenant's daily_budget_usd is its day budget (one of them
         * was ignored without a word) */
        for (size_t j = 0; j < cfg->ntenants && cfg->budgets[i].scope; j++)
            if (cfg->budgets[i].period == budget_period_names[0] &&
                isfinite(cfg->tenants[j].daily_budget_usd) &&
                strncmp(cfg->budgets[i].scope, "tenant:", 7) == 0 &&
                strcmp(cfg->budgets[i].scope + 7, cfg->tenants[j].name) == 0)
                settings_error(c, t, "a day budget of '%s' is configured twice: here and as "
                               "[[tenant]] '%s''s daily_budget_usd (keep one)",
                               cfg->budgets[i].scope, cfg->tenants[j].name);
    }
}

static void load_sources(struct settings_ctx *c, struct config *cfg, const struct toml_value *arr)
{
    cfg->nsources = toml_array_size(arr);
    cfg->sources = xcalloc(cfg->nsources ? cfg->nsources : 1, sizeof *cfg->sources);
    for (size_t i = 0; i < cfg->nsources; i++) {
        const struct toml_value *t = toml_array_at(arr, i);
        struct source_settings *s = cfg->sources[i] = sources_load(c, t);
        const struct toml_value *name = toml_table_get(t, "name");
        if (name && !*s->name)
            settings_error(c, name, "a source's name must not be empty "
                           "(names key the saved cursors)");
        for (size_t j = 0; j < i; j++)
            if (*s->name && strcmp(cfg->sources[j]->name, s->name) == 0)
                settings_error(c, toml_table_get(t, "name"), "source name '%s' is used twice "
                               "(names key the saved cursors)", s->name);
    }
}

static void load_hooks(struct settings_ctx *c, struct config *cfg, const struct toml_value *arr)
{
    cfg->nhooks = toml_array_size(arr);
    cfg->hooks = xcalloc(cfg->nhooks ? cfg->nhooks : 1, sizeof *cfg->hooks);
    for (size_t i = 0; i < cfg->nhooks; i++) {
        const struct toml_value *t = toml_array_at(arr, i);
        hooks_settings_init(&cfg->hooks[i]);
        if (toml_type(t) != TOML_TABLE)
            settings_error(c, t, "[[hook]] entries must be tables");
        else
            hooks_settings_load(c, t, &cfg->hooks[i]);
        const char *name = cfg->hooks[i].name;
        for (size_t j = 0; name && j < i; j++)
            if (cfg->hooks[j].name && strcmp(cfg->hooks[j].name, name) == 0)
                settings_error(c, toml_table_get(t, "name"), "hook name '%s' is used twice "
                               "(a queued notification finds its hook by name)", name);
    }
}

static char *read_all(const char *path, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    struct strbuf b = {0};
    char chunk[16384];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        strbuf_append(&b, chunk, (size_t)n);
        if (b.len > 16 * MiB) {
            snprintf(err, errlen, "larger than 16 MiB: not a config file");
            close(fd);
            strbuf_free(&b);
            return NULL;
        }
    }
    int e = errno;
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "%s", strerror(e));
        strbuf_free(&b);
        return NULL;
    }
    *len = b.len;
    return strbuf_detach(&b);
}

/* Each section of root to its owner, in a fixed order (so are the errors). */
static void load_root(struct settings_ctx *c, struct config *cfg, const struct toml_value *root)
{
    const struct setting *tables[] = {top_keys};
    settings_check_unknown(c, root, tables, 1, "the top level");
    const struct toml_value *t;
    if ((t = settings_want(c, root, "general", TOML_TABLE, "a table")))
        load_section(c, t, general_keys, cfg, "[general]");
    if ((t = settings_want(c, root, "pricing", TOML_TABLE, "a table")))
        load_section(c, t, pricing_keys, cfg, "[pricing]");
    if ((t = settings_want(c, root, "alerts", TOML_TABLE, "a table")))
        alert_settings_load(c, t, &cfg->alerts);
    if ((t = settings_want(c, root, "tenant", TOML_ARRAY, "an array of tables ([[tenant]])")))
        load_tenants(c, cfg, t);
    if ((t = settings_want(c, root, "budget", TOML_ARRAY, "an array of tables ([[budget]])")))
        load_budgets(c, cfg, t);
    if ((t = settings_want(c, root, "source", TOML_ARRAY, "an array of tables ([[source]])")))
        load_sources(c, cfg, t);
    if ((t = settings_want(c, root, "hook", TOML_ARRAY, "an array of tables ([[hook]])")))
        load_hooks(c, cfg, t);
}

static struct config *load(const char *path, struct strbuf *errors, bool keep_on_errors)
{
    size_t len = 0;
    char err[512];
    char *text = read_all(path, &len, err, sizeof err);
    if (!text) {
        strbuf_printf(errors, "%s:1:1: cannot read config: %s\n", path, err);
        return NULL;
    }
    struct toml_value *root = toml_parse(text, len, path, err, sizeof err);
    free(text);
    if (!root) {
        strbuf_printf(errors, "%s\n", err);
        return NULL;
    }
    struct config *cfg = config_defaults();
    cfg->path = xstrdup(path);
    struct settings_ctx c = {path, errors, 0};
    load_root(&c, cfg, root);
    toml_free(root);
    if (c.nerrors && !keep_on_errors) {
        config_free(cfg);
        return NULL;
    }
    return cfg;
}

struct config *config_load(const char *path, struct strbuf *errors)
{
    return load(path, errors, false);
}

struct config *config_load_where(const char *path)
{
    struct strbuf ignored = {0};
    struct config *cfg = load(path, &ignored, true);
    strbuf_free(&ignored);
    return cfg;
}

void config_warnings(const struct config *cfg, struct strbuf *out)
{
    for (size_t i = 0; i < cfg->nsources; i++)
        sources_warnings(cfg->sources[i], cfg->path ? cfg->path : "-", out);
}

const char **config_secret_env(const struct config *cfg)
{
    enum { PER_SOURCE = 8 };
    const char **names = xcalloc(PER_SOURCE * cfg->nsources + 1, sizeof *names);
    size_t n = 0;
    for (size_t i = 0; i < cfg->nsources; i++)
        n += sources_env(cfg->sources[i], names + n, PER_SOURCE);
    return names;
}

char *config_find(const char *explicit_path)
{
    if (explicit_path)
        return xstrdup(explicit_path);
    const char *env = getenv("SPENDTOP_CONFIG");
    if (env && *env)
        return xstrdup(env);
    char path[4096];
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = home_dir();
    if (xdg && xdg[0] == '/')
        snprintf(path, sizeof path, "%s/spendtop/config.toml", xdg);
    else if (home)
        snprintf(path, sizeof path, "%s/.config/spendtop/config.toml", home);
    else
        path[0] = '\0';
    if (path[0] && access(path, F_OK) == 0)
        return xstrdup(path);
    if (access("/etc/spendtop/config.toml", F_OK) == 0)
        return xstrdup("/etc/spendtop/config.toml");
    return NULL;
}

#define CONFIG_SEARCH_TEXT \
    "$SPENDTOP_CONFIG, ~/.config/spendtop/config.toml, /etc/spendtop/config.toml"

bool config_check_sources(const struct config *cfg, struct strbuf *errors)
{
    if (cfg->nsources > 0)
        return true;
    if (cfg->path)
        strbuf_printf(errors, "%s:1:1: no [[source]]: nothing to collect (config.example.toml "
                      "shows each type; spendtop --demo runs on synthetic data)\n", cfg->path);
    else
        strbuf_printf(errors, "spendtop: no config file found (looked for " CONFIG_SEARCH_TEXT "): "
                      "nothing to collect; start from config.example.toml, or try "
                      "spendtop --demo\n");
    return false;
}

bool config_check_hooks(const struct config *cfg, struct strbuf *out)
{
    bool ok = true;
    for (size_t i = 0; i < cfg->nhooks; i++)
        ok &= hooks_settings_check_command(&cfg->hooks[i], cfg->path ? cfg->path : "-", out);
    return ok;
}

void config_warn_hooks(const struct config *cfg, const char *prefix)
{
    struct strbuf errs = {0};
    if (!config_check_hooks(cfg, &errs)) {
        const char *s = strbuf_str(&errs);
        for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1)
            log_msg(LOG_WARN, "%s%.*s", prefix, (int)(nl - s), s);
    }
    strbuf_free(&errs);
}

static void free_sources(struct config *cfg)
{
    for (size_t i = 0; i < cfg->nsources; i++)
        sources_free(cfg->sources[i]);
    free(cfg->sources);
    cfg->sources = NULL;
    cfg->nsources = 0;
}

static void free_hooks(struct config *cfg)
{
    for (size_t i = 0; i < cfg->nhooks; i++)
        hooks_settings_free(&cfg->hooks[i]);
    free(cfg->hooks);
    cfg->hooks = NULL;
    cfg->nhooks = 0;
}

void config_use_demo(struct config *cfg)
{
    free_sources(cfg);
    free_hooks(cfg);
    cfg->sources = xcalloc(1, sizeof *cfg->sources);
    cfg->sources[0] = sources_new("demo", "demo");
    cfg->nsources = 1;
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    settings_free(general_keys, cfg);
    settings_free(pricing_keys, cfg);
    alert_settings_free(&cfg->alerts);
    for (size_t i = 0; i < cfg->ntenants; i++)
        settings_free(tenant_keys, &cfg->tenants[i]);
    free(cfg->tenants);
    for (size_t i = 0; i < cfg->nbudgets; i++)
        budget_settings_free(&cfg->budgets[i]);
    free(cfg->budgets);
    free_sources(cfg);
    free_hooks(cfg);
    free(cfg);
}

/* ---- config.example.toml ------------------------------------------------------------- */

static const char example_head[] =
    "# spendtop configuration - every key, with its default.\n"
    "#\n"
    "# spendtop looks for its config in this order: -c FILE, $SPENDTOP_CONFIG,\n"
    "# ~/.config/spendtop/config.toml, /etc/spendtop/config.toml. It needs at\n"
    "# least one [[source]] (spendtop --demo runs on synthetic data instead).\n"
    "# Check a config with\n"
    "#   spendtop --check-config -c FILE\n"
    "# which prints every problem as FILE:LINE:COL: message.\n"
    "#\n"
    "# Durations are strings: \"30s\", \"5m\", \"1h\", \"1d\", or combined (\"1h30m\").\n"
    "#\n"
    "# Written by `make config-example` from the tables that read it.\n";

void config_write_example(struct strbuf *out)
{
    strbuf_puts(out, example_head);
    strbuf_puts(out, "\n[general]\n");
    settings_write_example(general_keys, false, DOC_COL, out);
    strbuf_puts(out, "\n[pricing]\n");
    settings_write_example(pricing_keys, false, DOC_COL, out);
    strbuf_puts(out, "\n");
    alert_settings_example(out);
    strbuf_puts(out, "\n");
    settings_write_comment(out, "Tenants with a daily budget (see the budget alert kind).");
    strbuf_puts(out, "# [[tenant]]\n");
    settings_write_example(tenant_keys, true, SECTION_DOC_COL, out);
    strbuf_puts(out, "\n");
    budget_settings_example(out);
    strbuf_puts(out, "\n# ---- sources -------------------------------------------------"
                     "-----------------\n");
    sources_example(out);
    strbuf_puts(out, "\n# ---- hooks ---------------------------------------------------"
                     "-------------------\n\n");
    hooks_settings_example(out);
}
