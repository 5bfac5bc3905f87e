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

#include "core/config.h"
#include "lib/strbuf.h"
#include "core/usage.h"

#define API_MAX_HEADERS 4

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
    void (*usage_url)(const struct config_source *s, int64_t t0, int64_t t1, int width,
                      const char *page, struct strbuf *url);
    /* URL of one page of daily costs over [t0, t1). */
    void (*cost_url)(const struct config_source *s, int64_t t0, int64_t t1,
                     const char *page, struct strbuf *url);
    /* The authentication headers for key ("Name: value" lines). */
    void (*auth_headers)(const char *key, struct strbuf h[API_MAX_HEADERS], size_t *n);
    /* The start of a page's bucket (unix seconds; 0 skips the bucket). */
    int64_t (*bucket_start)(const struct cJSON *bucket);
    /* One result of a usage (or cost) bucket as a record: fill the fields
     * beyond ts, source and provider (already set); false skips it. */
    bool (*usage_record)(const struct cJSON *result, const struct config_source *s,
                         struct usage *u);
    bool (*cost_record)(const struct cJSON *result, const struct config_source *s,
                        struct usage *u);
};

/* Read one response page of usage (or costs): each result through the
 * provider into out, has_more/next_page into page. 0, or -1 with a message
 * in err when the body is not such a page. Pure: no I/O. */
int api_parse_page(const struct api_provider *p, bool costs, const char *body, size_t len,
                   const struct config_source *s, struct sink *out, struct api_page *page,
                   char *err, size_t errlen);

extern const struct api_provider api_openai, api_anthropic;

/* For providers: the tenant of a result - its tenant_by field, under
 * tenant_names if named there; "" for tenant_by = "none" or a null id. */
const char *api_tenant_of(const struct cJSON *result, const struct config_source *s);
/* For providers: "&page=..." onto url, if there is a page token. */
void api_page_param(struct strbuf *url, const char *page);
/* For providers: an integer field (a JSON number or a numeric string; 0
 * when absent or null), and a string field (NULL when absent or null). */
int64_t api_int(const struct cJSON *o, const char *key);
double api_num(const struct cJSON *o, const char *key);
const char *api_str(const struct cJSON *o, const char *key);
/* For providers: percent-encode s (RFC 3986 unreserved kept) onto url. */
void api_escape(struct strbuf *url, const char *s);

#endif
