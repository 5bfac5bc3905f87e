/* anthropic.c - the Anthropic Admin API usage report and cost report.
 *
 * GET {base_url}/v1/organizations/usage_report/messages and
 * .../cost_report with x-api-key and anthropic-version: 2023-06-01; array
 * parameters as group_by[]= (protocols.md §2). Token semantics
 * (DESIGN.md §3): the four input fields do not overlap, so input is their
 * sum; cache writes come as 5-minute and 1-hour (priced differently);
 * service_tier "batch" gets batch rates, "priority" and "flex" (and their
 * _on_demand/_discount kinds) theirs; context_window "200k-1M" the
 * long-context rates. The report counts no requests.
 * Cost amounts are decimal strings in cents.
 */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collectors/usage_api.h"
#include "lib/clock.h"

static void time_param(struct strbuf *url, const char *name, int64_t t)
{
    char buf[32];
    clock_format_utc(t, buf, sizeof buf);
    strbuf_printf(url, "%s=%s", name, buf);
}

static void usage_url(const struct usage_api_settings *s, int64_t t0, int64_t t1, int width,
                      const char *page, struct strbuf *url)
{
    int64_t buckets = (t1 - t0 + width - 1) / width;
    /* the API's page limits: a day of minutes, a week of hours */
    int64_t max = width == CLOCK_MINUTE ? CLOCK_DAY / CLOCK_MINUTE : CLOCK_WEEK / CLOCK_HOUR;
    strbuf_printf(url, "%s/v1/organizations/usage_report/messages?", s->base_url);
    time_param(url, "starting_at", t0);
    strbuf_puts(url, "&");
    time_param(url, "ending_at", t1);
    strbuf_printf(url, "&bucket_width=%s&limit=%lld&group_by[]=model&group_by[]=service_tier"
                  "&group_by[]=context_window",
                  width == CLOCK_MINUTE ? "1m" : "1h", (long long)(buckets < max ? buckets : max));
    if (strcmp(s->tenant_by, "none") != 0)
        strbuf_printf(url, "&group_by[]=%s", s->tenant_by);
    api_page_param(url, page);
}

static void cost_url(const struct usage_api_settings *s, int64_t t0, int64_t t1, const char *page,
                     struct strbuf *url)
{
    strbuf_printf(url, "%s/v1/organizations/cost_report?", s->base_url);
    time_param(url, "starting_at", t0);
    strbuf_puts(url, "&");
    time_param(url, "ending_at", t1);
    strbuf_printf(url, "&bucket_width=1d&limit=%lld",
                  (long long)((t1 - t0 + CLOCK_DAY - 1) / CLOCK_DAY));
    /* costs exist per workspace, not per api key */
    if (strcmp(s->tenant_by, "workspace_id") == 0)
        strbuf_puts(url, "&group_by[]=workspace_id");
    api_page_param(url, page);
}

static void auth_headers(const char *key, struct strbuf h[API_MAX_HEADERS], size_t *n)
{
    strbuf_printf(&h[0], "x-api-key: %s", key);
    strbuf_puts(&h[1], "anthropic-version: 2023-06-01");
    *n = 2;
}

static int64_t bucket_start(const cJSON *bucket)
{
    int64_t t = 0;
    const char *s = api_str(bucket, "starting_at");
    if (s)
        clock_parse_time(s, &t);
    return t;
}

static bool usage_record(const cJSON *r, const struct usage_api_settings *s, struct usage *u)
{
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(r, "cache_creation");
    int64_t uncached = api_int(r, "uncached_input_tokens");
    const char *model = api_str(r, "model");
    const char *tier = api_str(r, "service_tier");
    u->model = model ? model : "unknown";
    u->tenant = api_tenant_of(r, s);
    u->cache_read = api_int(r, "cache_read_input_tokens");
    u->cache_write_5m = api_int(cc, "ephemeral_5m_input_tokens");
    u->cache_write_1h = api_int(cc, "ephemeral_1h_input_tokens");
    /* the four do not overlap: all input is their sum */
    u->input = uncached + u->cache_read + u->cache_write_5m + u->cache_write_1h;
    u->output = api_int(r, "output_tokens");
    u->cache_known = true;
    u->batch = tier && strcmp(tier, "batch") == 0;
    u->service = usage_service_named(tier, tier ? strlen(tier) : 0);
    /* "200k-1M": every request in the group was over 200k tokens */
    const char *window = api_str(r, "context_window");
    u->long_context = window && strncmp(window, "200k", 4) == 0;
    return true;
}

static bool cost_record(const cJSON *r, const struct usage_api_settings *s, struct usage *u)
{
    double cents = api_num(r, "amount");
    const char *cur = api_str(r, "currency");
    /* "USD" today; ISO 4217 codes are case-insensitive (OpenAI's are
     * lowercase): "usd" is the same dollars, not a currency to drop */
    if (!isfinite(cents) || (cur && strcasecmp(cur, "USD") != 0))
        return false;
    u->model = USAGE_BILLED_MODEL;
    u->tenant = strcmp(s->tenant_by, "workspace_id") == 0 ? api_tenant_of(r, s) : "";
    u->has_billed = true;
    u->billed_usd = cents / 100.0; /* the lowest currency unit */
    return true;
}

const struct api_provider api_anthropic = {
    .type = "anthropic",
    .provider = "anthropic",
    .usage_url = usage_url,
    .cost_url = cost_url,
    .auth_headers = auth_headers,
    .bucket_start = bucket_start,
    .usage_record = usage_record,
    .cost_record = cost_record,
};

static const char *const tenant_by[] = {"workspace_id", "api_key_id", "none", NULL};

static const struct setting keys[] = {
    USAGE_API_KEYS("ANTHROPIC_ADMIN_KEY", "/etc/spendtop/anthropic.key",
                   "https://api.anthropic.com", tenant_by, "workspace_id", "wrkspc_01"),
    {0},
};

const struct source_type anthropic_source = {
    .name = "anthropic",
    .doc = "Anthropic Admin API usage report + cost report (needs an admin key).",
    .example_name = "anthropic-prod",
    .keys = keys,
    .settings_size = sizeof(struct usage_api_settings),
    .validate = usage_api_validate,
    .ops = &usage_api_ops,
    .data = &api_anthropic,
};
