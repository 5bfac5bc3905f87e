/* usage_api.h - polling a provider's usage and cost endpoints.
 *
 * One engine (usage_api.c) for every provider; a provider (openai.c,
 * anthropic.c) only says how to build its URLs and headers and how to read
 * one response page - pure functions, tested on fixture JSON.
 *
 * What the engine does, per source:
 *   - first start: backfill 8 days in hourly buckets (daily for costs),
 *     following next_page to the end;
 *   - then every `interval`: fetch again, in 1-minute buckets, the last
 *     whole hour and the current one (providers revise recent minutes),
 *     and today's and yesterday's costs;
 *   - a fetched range REPLACES what the source stored for it (all pages
 *     are read first, then the range is cleared and written), so polling
 *     the same buckets again never adds;
 *   - ranges start and end on hour boundaries (costs: day boundaries), so
 *     hourly and minute data never overlap;
 *   - cursors in the database: a restart fetches only what it missed;
 *   - 429 waits for Retry-After; 5xx, timeouts and network errors back
 *     off exponentially with jitter (capped); 401/403 put the source in
 *     error with the provider's message (never the key) and it tries
 *     again at its interval; other sources are unaffected.
 */
#ifndef SPENDTOP_USAGE_API_H
#define SPENDTOP_USAGE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collectors/collector.h"
#include "core/usage.h"
#include "lib/settings.h"
#include "lib/strbuf.h"

#define API_MAX_HEADERS 4

/* A [[source]] of a usage API type (openai, anthropic). */
struct usage_api_settings {
    struct source_settings base;
    char *api_key_env;          /* the key is in this variable, */
    char *api_key_file;         /* or in this file (never group/other readable) */
    char *base_url;
    const char *tenant_by;      /* the result field that names the tenant, or "none" */
    char **tenant_name_ids;     /* [source.tenant_names] id = "name" */
    char **tenant_name_values;
    size_t ntenant_names;
    int64_t interval;           /* seconds between polls */
    int64_t timeout;            /* seconds per request */
};

struct api_page {
    bool has_more;
    char next_page[1024];
};

struct cJSON;

struct api_provider {
    const char *type;          /* "openai" */
    const char *provider;      /* the provider name its records carry */
    /* URL of one page of usage over [t0, t1) in buckets of width seconds
     * (60 or 3600); page is "" for the first page. */
    void (*usage_url)(const struct usage_api_settings *s, int64_t t0, int64_t t1, int width,
                      const char *page, struct strbuf *url);
    /* URL of one page of daily costs over [t0, t1). */
    void (*cost_url)(const struct usage_api_settings *s, int64_t t0, int64_t t1,
                     const char *page, struct strbuf *url);
    /* The authentication headers for key ("Name: value" lines). */
    void (*auth_headers)(const char *key, struct strbuf h[API_MAX_HEADERS], size_t *n);
    /* The start of a page's bucket (unix seconds; 0 skips the bucket). */
    int64_t (*bucket_start)(const struct cJSON *bucket);
    /* One result of a usage (or cost) bucket as a record: fill the fields
     * beyond ts, source and provider (already set); false skips it. */
    bool (*usage_record)(const struct cJSON *result, const struct usage_api_settings *s,
                         struct usage *u);
    bool (*cost_record)(const struct cJSON *result, const struct usage_api_settings *s,
                        struct usage *u);
};

/* Read one response page of usage (or costs): each result through the
 * provider into out, has_more/next_page into page. 0, or -1 with a message
 * in err when the body is not such a page. Pure: no I/O. */
int api_parse_page(const struct api_provider *p, bool costs, const char *body, size_t len,
                   const struct usage_api_settings *s, struct sink *out, struct api_page *page,
                   char *err, size_t errlen);

extern const struct api_provider api_openai, api_anthropic;

/* ---- for a provider's source type ------------------------------------------------- */

/* Polls for every usage API type; the type's data is its provider. */
extern const struct collector_ops usage_api_ops;

/* The key rows of a usage API type. A provider gives the example key
 * variable (ENV) and key file (FILE), its default base_url (URL), the
 * fields that can name a tenant (BY, NULL-terminated; "none" for none) and
 * the default one (BY_DEFAULT), and an example tenant id (ID). */
#define USAGE_API_KEYS(ENV, FILE, URL, BY, BY_DEFAULT, ID)                                  \
    {.name = "api_key_env", .type = SETTING_ENV,                                             \
     .offset = offsetof(struct usage_api_settings, api_key_env), .example = "\"" ENV "\"",  \
     .doc = "the environment variable that holds the admin key (keys are never written "    \
            "in the config) ..."},                                                          \
    {.name = "api_key_file", .type = SETTING_STRING,                                         \
     .offset = offsetof(struct usage_api_settings, api_key_file),                           \
     .check = usage_api_check_key_file, .example = "\"" FILE "\"",                          \
     .doc = "... or a file that holds it (refused when group or others can read it)"},      \
    {.name = "base_url", .type = SETTING_STRING,                                             \
     .offset = offsetof(struct usage_api_settings, base_url), .def = "\"" URL "\"",         \
     .check = usage_api_check_url, .doc = "https://; http:// for a local test server"},     \
    {.name = "tenant_by", .type = SETTING_ENUM,                                              \
     .offset = offsetof(struct usage_api_settings, tenant_by), .names = BY,                 \
     .def = "\"" BY_DEFAULT "\"", .doc = "the id that names a tenant"},                     \
    {.name = "tenant_names", .type = SETTING_MAP,                                            \
     .offset = offsetof(struct usage_api_settings, tenant_name_ids),                        \
     .value_offset = offsetof(struct usage_api_settings, tenant_name_values),               \
     .count_offset = offsetof(struct usage_api_settings, ntenant_names),                    \
     .example = "[source.tenant_names]\n" ID " = \"acme\"", .doc = "ids -> tenant names"},  \
    {.name = "interval", .type = SETTING_DURATION,                                           \
     .offset = offsetof(struct usage_api_settings, interval), .def = "\"60s\"",             \
     .imin = 10, .imax = 86400, .doc = "between polls"},                                    \
    {.name = "timeout", .type = SETTING_DURATION,                                            \
     .offset = offsetof(struct usage_api_settings, timeout), .def = "\"30s\"", .imin = 1,   \
     .imax = 600, .doc = "per request"}

/* Checks of the rows above, and across them (a type's validate). */
void usage_api_check_key_file(struct settings_ctx *c, const struct toml_value *v, void *settings);
void usage_api_check_url(struct settings_ctx *c, const struct toml_value *v, void *settings);
void usage_api_validate(struct settings_ctx *c, const struct toml_value *tbl,
                        const struct source_settings *s);

/* The API key of s, from api_key_env or api_key_file (trailing whitespace
 * trimmed). Returns 0, or -1 with a message in err that names the variable
 * or file but never contains the secret. */
int usage_api_read_secret(const struct usage_api_settings *s, char *buf, size_t len,
                          char *err, size_t errlen);

/* For providers: the tenant of a result - its tenant_by field, under
 * tenant_names if named there; "" for tenant_by = "none" or a null id. */
const char *api_tenant_of(const struct cJSON *result, const struct usage_api_settings *s);
/* For providers: "&page=..." onto url, if there is a page token. */
void api_page_param(struct strbuf *url, const char *page);
/* For providers: an integer field (a JSON number or a numeric string; 0
 * when absent or null), an amount (a number or a decimal string; NAN when
 * absent, null or anything else: hex, "inf"), and a string field (NULL
 * when absent or null). */
int64_t api_int(const struct cJSON *o, const char *key);
double api_num(const struct cJSON *o, const char *key);
const char *api_str(const struct cJSON *o, const char *key);
/* For providers: percent-encode s (RFC 3986 unreserved kept) onto url. */
void api_escape(struct strbuf *url, const char *s);

#endif
