/* openai.c - the OpenAI organization Usage API and Costs API.
 *
 * GET {base_url}/organization/usage/completions and
 * {base_url}/organization/costs (protocols.md §1). Token semantics
 * (DESIGN.md §3): input_tokens already includes cached and cache-write
 * tokens; input_cached_tokens are the cache reads, input_cache_write_tokens
 * the (5-minute) writes. Reasoning is not reported. Usage is grouped by
 * model, project, batch and service tier (so batch, priority and flex
 * rates apply), plus the api key or user
 * when tenant_by asks for them. Costs are USD amounts per day.
 */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collectors/usage_api.h"
#include "lib/clock.h"

static void usage_url(const struct usage_api_settings *s, int64_t t0, int64_t t1, int width,
                      const char *page, struct strbuf *url)
{
    int64_t buckets = (t1 - t0 + width - 1) / width;
    /* the API's page limits: a day of minutes, a week of hours */
    int64_t max = width == CLOCK_MINUTE ? CLOCK_DAY / CLOCK_MINUTE : CLOCK_WEEK / CLOCK_HOUR;
    strbuf_printf(url, "%s/organization/usage/completions?start_time=%lld&end_time=%lld"
                  "&bucket_width=%s&limit=%lld&group_by=model&group_by=project_id&group_by=batch"
                  "&group_by=service_tier",
                  s->base_url, (long long)t0, (long long)t1, width == CLOCK_MINUTE ? "1m" : "1h",
                  (long long)(buckets < max ? buckets : max));
    if (strcmp(s->tenant_by, "api_key_id") == 0 || strcmp(s->tenant_by, "user_id") == 0)
        strbuf_printf(url, "&group_by=%s", s->tenant_by);
    api_page_param(url, page);
}

static void cost_url(const struct usage_api_settings *s, int64_t t0, int64_t t1, const char *page,
                     struct strbuf *url)
{
    strbuf_printf(url, "%s/organization/costs?start_time=%lld&end_time=%lld&bucket_width=1d"
                  "&limit=%lld", s->base_url, (long long)t0, (long long)t1,
                  (long long)((t1 - t0 + CLOCK_DAY - 1) / CLOCK_DAY));
    if (strcmp(s->tenant_by, "project_id") == 0 || strcmp(s->tenant_by, "api_key_id") == 0)
        strbuf_printf(url, "&group_by=%s", s->tenant_by);
    api_page_param(url, page);
}

static void auth_headers(const char *key, struct strbuf h[API_MAX_HEADERS], size_t *n)
{
    strbuf_printf(&h[0], "Authorization: Bearer %s", key);
    *n = 1;
}

static int64_t bucket_start(const cJSON *bucket) { return api_int(bucket, "start_time"); }

static bool usage_record(const cJSON *r, const struct usage_api_settings *s, struct usage *u)
{
    const char *obj = api_str(r, "object");
    if (obj && strcmp(obj, "organization.usage.completions.result") != 0)
        return false;
    const char *model = api_str(r, "model");
    u->model = model ? model : "unknown";
    u->tenant = api_tenant_of(r, s);
    u->requests = api_int(r, "num_model_requests");
    u->input = api_int(r, "input_tokens");          /* cached and writes included */
    u->cache_read = api_int(r, "input_cached_tokens");
    u->cache_write_5m = api_int(r, "input_cache_write_tokens");
    u->output = api_int(r, "output_tokens");
    u->cache_known = true;
    u->batch = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "batch"));
    const char *tier = api_str(r, "service_tier"); /* "priority", "flex", "default", ... */
    u->service = usage_service_named(tier, tier ? strlen(tier) : 0);
    return true;
}

static bool cost_record(const cJSON *r, const struct usage_api_settings *s, struct usage *u)
{
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(r, "amount");
    double usd = api_num(amount, "value");
    const char *cur = api_str(amount, "currency");
    if (!isfinite(usd) || (cur && strcmp(cur, "usd") != 0 && strcmp(cur, "USD") != 0))
        return false;
    u->model = USAGE_BILLED_MODEL;
    /* costs exist per project and per key, not per user */
    u->tenant = strcmp(s->tenant_by, "user_id") == 0 ? "" : api_tenant_of(r, s);
    u->has_billed = true;
    u->billed_usd = usd;
    return true;
}

const struct api_provider api_openai = {
    .type = "openai",
    .provider = "openai",
    .usage_url = usage_url,
    .cost_url = cost_url,
    .auth_headers = auth_headers,
    .bucket_start = bucket_start,
    .usage_record = usage_record,
    .cost_record = cost_record,
};

static const char *const tenant_by[] = {"project_id", "api_key_id", "user_id", "none", NULL};

static const struct setting keys[] = {
    USAGE_API_KEYS("OPENAI_ADMIN_KEY", "/etc/spendtop/openai.key", "https://api.openai.com/v1",
                   tenant_by, "project_id", "proj_abc"),
    {0},
};

const struct source_type openai_source = {
    .name = "openai",
    .doc = "OpenAI organization Usage API + Costs API (needs an admin key).",
    .example_name = "openai-prod",
    .keys = keys,
    .settings_size = sizeof(struct usage_api_settings),
    .validate = usage_api_validate,
    .ops = &usage_api_ops,
    .data = &api_openai,
};
