/* test_providers.c - reading the providers' usage and cost pages, and the
 * requests we send them, on the examples of protocols.md §1 and §2. Pure:
 * the engine's page parser with each provider, no network (the engine's
 * polling is tested against a fake server in tests/e2e/providers.sh). */
#include "tests/helpers.h"

#include <cJSON.h>

#include "collectors/usage_api.h"
#include "lib/utf8.h"

/* A sink that keeps copies of what it is given. */
struct capture {
    struct sink sink;
    struct usage u[8];
    char model[8][64], tenant[8][64];
    size_t n;
};

static int capture_put(struct sink *sink, const struct usage *u)
{
    struct capture *c = (struct capture *)sink;
    assert_true(c->n < 8);
    c->u[c->n] = *u;
    snprintf(c->model[c->n], sizeof c->model[0], "%s", u->model);
    snprintf(c->tenant[c->n], sizeof c->tenant[0], "%s", u->tenant);
    c->n++;
    return 1;
}

static struct usage_api_settings source(const char *tenant_by)
{
    static char *ids[] = {"proj_abc", "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"};
    static char *names[] = {"search-team", "billing-team"};
    return (struct usage_api_settings){
        .base = {.name = "api"},
        .base_url = "https://example.test/v1",
        .tenant_by = (char *)tenant_by,
        .tenant_name_ids = ids,
        .tenant_name_values = names,
        .ntenant_names = 2,
    };
}

static int parse_len(const struct api_provider *p, bool costs, const char *body, size_t len,
                     const struct usage_api_settings *s, struct capture *c,
                     struct api_page *page, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->sink.put = capture_put;
    return api_parse_page(p, costs, body, len, s, &c->sink, page, err, errlen);
}

static int parse(const struct api_provider *p, bool costs, const char *body,
                 const struct usage_api_settings *s, struct capture *c, struct api_page *page,
                 char *err, size_t errlen)
{
    return parse_len(p, costs, body, strlen(body), s, c, page, err, errlen);
}

/* protocols.md §1, the usage example (plus a batch row) */
static const char OPENAI_USAGE[] =
    "{\"object\":\"page\",\"data\":[{\"object\":\"bucket\",\"start_time\":1767225600,"
    "\"end_time\":1767312000,\"results\":[{\"object\":\"organization.usage.completions.result\","
    "\"input_tokens\":12000,\"input_cached_tokens\":8000,\"input_cache_write_tokens\":0,"
    "\"input_uncached_tokens\":4000,\"output_tokens\":900,\"num_model_requests\":42,"
    "\"project_id\":\"proj_abc\",\"user_id\":null,\"api_key_id\":null,"
    "\"model\":\"gpt-4o-mini-2024-07-18\",\"batch\":null,\"service_tier\":null},"
    "{\"object\":\"organization.usage.completions.result\",\"input_tokens\":500,"
    "\"input_cached_tokens\":0,\"input_cache_write_tokens\":100,\"output_tokens\":50,"
    "\"num_model_requests\":2,\"project_id\":\"proj_other\",\"model\":\"gpt-4o\",\"batch\":true}]}],"
    "\"has_more\":true,\"next_page\":\"page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=\"}";

static void test_openai_usage(void **state)
{
    (void)state;
    struct usage_api_settings s = source("project_id");
    struct capture c;
    struct api_page page;
    char err[128];
    assert_int_equal(parse(&api_openai, false, OPENAI_USAGE, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.u[0].ts, 1767225600);
    assert_string_equal(c.u[0].provider, "openai");
    assert_string_equal(c.model[0], "gpt-4o-mini-2024-07-18");
    assert_string_equal(c.tenant[0], "search-team");    /* through tenant_names */
    assert_int_equal(c.u[0].requests, 42);
    assert_int_equal(c.u[0].input, 12000);              /* cached included already */
    assert_int_equal(c.u[0].cache_read, 8000);
    assert_int_equal(c.u[0].cache_write_5m, 0);
    assert_int_equal(c.u[0].output, 900);
    assert_true(c.u[0].cache_known);
    assert_false(c.u[0].reasoning_known);               /* not reported */
    assert_false(c.u[0].batch);                         /* null is not batch */
    assert_false(c.u[0].has_billed);
    assert_string_equal(c.tenant[1], "proj_other");     /* unnamed ids stay ids */
    assert_int_equal(c.u[1].cache_write_5m, 100);
    assert_true(c.u[1].batch);
    assert_true(page.has_more);
    assert_string_equal(page.next_page, "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=");

    s = source("none");
    assert_int_equal(parse(&api_openai, false, OPENAI_USAGE, &s, &c, &page, err, sizeof err), 0);
    assert_string_equal(c.tenant[0], "");
    s = source("user_id");                              /* null id: unattributed */
    assert_int_equal(parse(&api_openai, false, OPENAI_USAGE, &s, &c, &page, err, sizeof err), 0);
    assert_string_equal(c.tenant[0], "");
}

static void test_openai_costs(void **state)
{
    (void)state;
    static const char body[] =
        "{\"object\":\"page\",\"data\":[{\"object\":\"bucket\",\"start_time\":1767225600,"
        "\"end_time\":1767312000,\"results\":["
        "{\"object\":\"organization.costs.result\",\"amount\":{\"value\":0.0123,\"currency\":\"usd\"},"
        "\"line_item\":\"gpt-4o-mini-2024-07-18, input\",\"project_id\":\"proj_abc\","
        "\"api_key_id\":null,\"quantity\":82000,\"quantity_unit\":\"tokens\"},"
        "{\"object\":\"organization.costs.result\",\"amount\":{\"value\":9.5,\"currency\":\"eur\"},"
        "\"project_id\":\"proj_abc\"}]}],\"has_more\":false,\"next_page\":null}";
    struct usage_api_settings s = source("project_id");
    struct capture c;
    struct api_page page;
    char err[128];
    assert_int_equal(parse(&api_openai, true, body, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 1);                           /* not USD: not ours to add */
    assert_true(c.u[0].has_billed);
    assert_close(c.u[0].billed_usd, 0.0123, 1e-12);
    assert_string_equal(c.model[0], USAGE_BILLED_MODEL);
    assert_string_equal(c.tenant[0], "search-team");
    assert_int_equal(c.u[0].input + c.u[0].output + c.u[0].requests, 0);
    assert_false(page.has_more);
    assert_string_equal(page.next_page, "");
}

/* protocols.md §2, the usage example, and a batch row */
static const char ANTHROPIC_USAGE[] =
    "{\"data\":[{\"starting_at\":\"2026-01-01T00:00:00Z\",\"ending_at\":\"2026-01-02T00:00:00Z\","
    "\"results\":[{\"uncached_input_tokens\":1500,\"cache_creation\":{\"ephemeral_5m_input_tokens\":500,"
    "\"ephemeral_1h_input_tokens\":1000},\"cache_read_input_tokens\":200,\"output_tokens\":500,"
    "\"server_tool_use\":{\"web_search_requests\":10},\"api_key_id\":\"apikey_01Rj2N8SVvo6BePZj99NhmiT\","
    "\"workspace_id\":null,\"model\":\"claude-sonnet-4-20250514\",\"service_tier\":\"standard\","
    "\"context_window\":\"0-200k\"},"
    "{\"uncached_input_tokens\":10,\"cache_creation\":null,\"cache_read_input_tokens\":0,"
    "\"output_tokens\":5,\"api_key_id\":null,\"workspace_id\":\"wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ\","
    "\"model\":\"claude-3-5-haiku-20241022\",\"service_tier\":\"batch\"}]}],"
    "\"has_more\":false,\"next_page\":null}";

static void test_anthropic_usage(void **state)
{
    (void)state;
    struct usage_api_settings s = source("api_key_id");
    struct capture c;
    struct api_page page;
    char err[128];
    assert_int_equal(parse(&api_anthropic, false, ANTHROPIC_USAGE, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.u[0].ts, 1767225600);            /* 2026-01-01T00:00:00Z */
    assert_string_equal(c.u[0].provider, "anthropic");
    assert_string_equal(c.model[0], "claude-sonnet-4-20250514");
    assert_string_equal(c.tenant[0], "apikey_01Rj2N8SVvo6BePZj99NhmiT");
    assert_int_equal(c.u[0].input, 1500 + 200 + 500 + 1000);  /* the four do not overlap */
    assert_int_equal(c.u[0].cache_read, 200);
    assert_int_equal(c.u[0].cache_write_5m, 500);
    assert_int_equal(c.u[0].cache_write_1h, 1000);
    assert_int_equal(c.u[0].output, 500);
    assert_int_equal(c.u[0].requests, 0);               /* the report counts none */
    assert_true(c.u[0].cache_known);
    assert_false(c.u[0].batch);
    assert_string_equal(c.tenant[1], "");               /* null api key (Console) */
    assert_int_equal(c.u[1].input, 10);
    assert_true(c.u[1].batch);
    assert_false(page.has_more);

    s = source("workspace_id");
    assert_int_equal(parse(&api_anthropic, false, ANTHROPIC_USAGE, &s, &c, &page, err, sizeof err), 0);
    assert_string_equal(c.tenant[0], "");
    assert_string_equal(c.tenant[1], "billing-team");
}

static void test_anthropic_costs(void **state)
{
    (void)state;
    static const char body[] =
        "{\"data\":[{\"starting_at\":\"2026-01-01T00:00:00Z\",\"ending_at\":\"2026-01-02T00:00:00Z\","
        "\"results\":[{\"amount\":\"123.78912\",\"currency\":\"USD\",\"description\":"
        "\"Claude Sonnet 4 Usage - Input Tokens\",\"cost_type\":\"tokens\",\"model\":"
        "\"claude-sonnet-4-20250514\",\"workspace_id\":\"wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ\"}]}],"
        "\"has_more\":true,\"next_page\":\"page_2\"}";
    struct usage_api_settings s = source("workspace_id");
    struct capture c;
    struct api_page page;
    char err[128];
    assert_int_equal(parse(&api_anthropic, true, body, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 1);
    assert_close(c.u[0].billed_usd, 1.2378912, 1e-12);  /* cents */
    assert_string_equal(c.model[0], USAGE_BILLED_MODEL);
    assert_string_equal(c.tenant[0], "billing-team");
    assert_true(page.has_more);
    assert_string_equal(page.next_page, "page_2");

    s = source("api_key_id");                           /* no per-key costs exist */
    assert_int_equal(parse(&api_anthropic, true, body, &s, &c, &page, err, sizeof err), 0);
    assert_string_equal(c.tenant[0], "");
}

/* An amount sent as text is a decimal, or it is not an amount (unknown,
 * never a number strtod would make of it). */
static void test_amounts_are_decimals(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        double want; /* NAN: refused */
    } cases[] = {
        {"{\"a\":\"123.78912\"}", 123.78912}, {"{\"a\":\"-4.5e-2\"}", -0.045},
        {"{\"a\":12.5}", 12.5},              {"{\"a\":\"0x10\"}", NAN},
        {"{\"a\":\"inf\"}", NAN},            {"{\"a\":\"nan\"}", NAN},
        {"{\"a\":\" 12\"}", NAN},            {"{\"a\":\"12 \"}", NAN},
        {"{\"a\":\"1e999\"}", NAN},          {"{\"a\":\"\"}", NAN},
        {"{\"a\":null}", NAN},               {"{}", NAN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *o = cJSON_Parse(cases[i].json);
        assert_non_null(o);
        double got = api_num(o, "a");
        if (isnan(cases[i].want))
            assert_true(isnan(got));
        else
            assert_close(got, cases[i].want, 1e-12);
        cJSON_Delete(o);
    }
}

static void test_not_a_page(void **state)
{
    (void)state;
    struct usage_api_settings s = source("none");
    struct capture c;
    struct api_page page;
    char err[128];
    assert_int_equal(parse(&api_openai, false, "<html>502 Bad Gateway</html>", &s, &c, &page,
                           err, sizeof err), -1);
    assert_string_equal(err, "the response is not JSON");
    assert_int_equal(parse(&api_anthropic, false, "{\"type\":\"error\"}", &s, &c, &page,
                           err, sizeof err), -1);
    assert_string_equal(err, "the response has no \"data\" array");
    /* a cursor longer than we keep: cut, it would ask for another page */
    char body[1200];
    snprintf(body, sizeof body, "{\"data\":[],\"has_more\":true,\"next_page\":\"%01100d\"}", 7);
    assert_int_equal(parse(&api_openai, false, body, &s, &c, &page, err, sizeof err), -1);
    assert_string_equal(err, "the response's next_page is 1100 bytes (at most 1023)");
    assert_int_equal(c.n, 0);
}

/* A NUL in an id or a model (the escape \u0000, or a raw NUL byte) is
 * U+FFFD: "proj_abc\u0000evil" is a tenant of its own, not proj_abc
 * (named search-team) cut short, and its usage is not merged into
 * search-team's. An escaped backslash before u0000 is that text. */
static void test_a_nul_in_a_name_is_a_name_of_its_own(void **state)
{
    (void)state;
    static const char openai[] =
        "{\"object\":\"page\",\"data\":[{\"object\":\"bucket\",\"start_time\":1767225600,"
        "\"end_time\":1767229200,\"results\":["
        "{\"input_tokens\":10,\"output_tokens\":1,\"num_model_requests\":1,"
        "\"project_id\":\"proj_abc\",\"model\":\"gpt-4o\"},"
        "{\"input_tokens\":20,\"output_tokens\":2,\"num_model_requests\":1,"
        "\"project_id\":\"proj_abc\\u0000evil\",\"model\":\"gpt-4o\\u0000-mini\"},"
        "{\"input_tokens\":30,\"output_tokens\":3,\"num_model_requests\":1,"
        "\"project_id\":\"proj_abc\\\\u0000\",\"model\":\"gpt-4o\"}]}],"
        "\"has_more\":false,\"next_page\":null}";
    struct usage_api_settings s = source("project_id");
    struct capture c;
    struct api_page page;
    char err[128];
    assert_int_equal(parse(&api_openai, false, openai, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.tenant[0], "search-team");
    assert_string_equal(c.tenant[1], "proj_abc" UTF8_REPLACEMENT "evil");
    assert_string_equal(c.model[1], "gpt-4o" UTF8_REPLACEMENT "-mini");
    assert_int_equal(c.u[1].input, 20);
    assert_string_equal(c.tenant[2], "proj_abc\\u0000");  /* backslash, u0000 */

    /* a raw NUL byte (not JSON, but cJSON lets it through): the same */
    static const char raw[] =
        "{\"data\":[{\"start_time\":1767225600,\"results\":[{\"input_tokens\":20,"
        "\"project_id\":\"proj_abc\0evil\"}]}]}";
    assert_int_equal(parse_len(&api_openai, false, raw, sizeof raw - 1, &s, &c, &page, err,
                               sizeof err), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.tenant[0], "proj_abc" UTF8_REPLACEMENT "evil");

    /* Anthropic's workspaces, in its cost report too */
    static const char anthropic[] =
        "{\"data\":[{\"starting_at\":\"2026-01-01T00:00:00Z\",\"ending_at\":\"2026-01-02T00:00:00Z\","
        "\"results\":[{\"amount\":\"100\",\"currency\":\"USD\","
        "\"workspace_id\":\"wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ\"},"
        "{\"amount\":\"200\",\"currency\":\"USD\","
        "\"workspace_id\":\"wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ\\u0000x\"}]}],\"has_more\":false}";
    s = source("workspace_id");
    assert_int_equal(parse(&api_anthropic, true, anthropic, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.tenant[0], "billing-team");
    assert_string_equal(c.tenant[1], "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ" UTF8_REPLACEMENT "x");
    assert_close(c.u[1].billed_usd, 2.0, 1e-12);        /* 200 cents */

    /* a backslash before a raw NUL is no escape: not JSON, as before */
    static const char bad[] = "{\"data\":[],\"next_page\":\"a\\\0\"}";
    assert_int_equal(parse_len(&api_openai, false, bad, sizeof bad - 1, &s, &c, &page, err,
                               sizeof err), -1);
}

static void test_requests(void **state)
{
    (void)state;
    struct usage_api_settings s = source("api_key_id");
    struct strbuf url = {0};
    api_openai.usage_url(&s, 1767225600, 1767225600 + 3 * 3600, 3600, "a+b/c=", &url);
    assert_string_equal(url.s,
        "https://example.test/v1/organization/usage/completions?start_time=1767225600"
        "&end_time=1767236400&bucket_width=1h&limit=3&group_by=model&group_by=project_id"
        "&group_by=batch&group_by=service_tier&group_by=api_key_id&page=a%2Bb%2Fc%3D");
    strbuf_free(&url);

    s.base_url = "https://example.test";
    api_anthropic.usage_url(&s, 1767225600, 1767225600 + 120, 60, "", &url);
    assert_string_equal(url.s,
        "https://example.test/v1/organizations/usage_report/messages?"
        "starting_at=2026-01-01T00:00:00Z&ending_at=2026-01-01T00:02:00Z&bucket_width=1m"
        "&limit=2&group_by[]=model&group_by[]=service_tier&group_by[]=context_window"
        "&group_by[]=api_key_id");
    strbuf_free(&url);

    struct strbuf h[API_MAX_HEADERS] = {{0}};
    size_t n = 0;
    api_anthropic.auth_headers("sk-ant-admin-x", h, &n);
    assert_int_equal(n, 2);
    assert_string_equal(h[0].s, "x-api-key: sk-ant-admin-x");
    assert_string_equal(h[1].s, "anthropic-version: 2023-06-01");
    for (size_t i = 0; i < API_MAX_HEADERS; i++)
        strbuf_free(&h[i]);
}

/* Service tiers and context windows as the usage APIs group them
 * (protocols.md §1, §2): OpenAI's service_tier, Anthropic's service_tier
 * kinds and context_window "200k-1M" (long-context rates). */
static void test_service_tiers_and_context_windows(void **state)
{
    (void)state;
    static const char openai[] =
        "{\"object\":\"page\",\"data\":[{\"object\":\"bucket\",\"start_time\":1767225600,"
        "\"end_time\":1767312000,\"results\":["
        "{\"object\":\"organization.usage.completions.result\",\"input_tokens\":10,"
        "\"output_tokens\":1,\"num_model_requests\":1,\"model\":\"gpt-5\",\"batch\":false,"
        "\"service_tier\":\"priority\"},"
        "{\"object\":\"organization.usage.completions.result\",\"input_tokens\":10,"
        "\"output_tokens\":1,\"num_model_requests\":1,\"model\":\"gpt-5\",\"batch\":false,"
        "\"service_tier\":\"flex\"},"
        "{\"object\":\"organization.usage.completions.result\",\"input_tokens\":10,"
        "\"output_tokens\":1,\"num_model_requests\":1,\"model\":\"gpt-5\",\"batch\":false,"
        "\"service_tier\":\"default\"}]}],\"has_more\":false,\"next_page\":null}";
    static const char anthropic[] =
        "{\"data\":[{\"starting_at\":\"2026-01-01T00:00:00Z\",\"ending_at\":\"2026-01-02T00:00:00Z\","
        "\"results\":[{\"uncached_input_tokens\":300000,\"output_tokens\":5,"
        "\"model\":\"claude-sonnet-4-5\",\"service_tier\":\"priority_on_demand\","
        "\"context_window\":\"200k-1M\"},"
        "{\"uncached_input_tokens\":10,\"output_tokens\":5,\"model\":\"claude-sonnet-4-5\","
        "\"service_tier\":\"flex_discount\",\"context_window\":\"0-200k\"}]}],"
        "\"has_more\":false,\"next_page\":null}";
    struct usage_api_settings s = source("none");
    struct capture c;
    struct api_page page;
    char err[128];
    assert_int_equal(parse(&api_openai, false, openai, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.u[0].service, USAGE_SERVICE_PRIORITY);
    assert_int_equal(c.u[1].service, USAGE_SERVICE_FLEX);
    assert_int_equal(c.u[2].service, USAGE_SERVICE_STANDARD);
    assert_false(c.u[0].long_context);
    assert_int_equal(parse(&api_anthropic, false, anthropic, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.u[0].service, USAGE_SERVICE_PRIORITY);
    assert_true(c.u[0].long_context);
    assert_int_equal(c.u[1].service, USAGE_SERVICE_FLEX);
    assert_false(c.u[1].long_context);
    assert_false(c.u[1].batch);
}

/* Every field the completions result can carry (the spec's example, all
 * token kinds): input is input_tokens alone - the text, audio and image
 * parts (cached or not) are inside it, never added again; numbers may come
 * as strings; a result of another kind (embeddings) is not completions
 * usage; a result without its group keys (group_by not honoured) is an
 * unknown model of no tenant, still counted. */
static void test_openai_every_field(void **state)
{
    (void)state;
    static const char body[] =
        "{\"object\":\"page\",\"data\":[{\"object\":\"bucket\",\"start_time\":\"1767225600\","
        "\"end_time\":1767229200,\"results\":["
        "{\"object\":\"organization.usage.completions.result\",\"input_tokens\":5000,"
        "\"input_cached_tokens\":1800,\"input_cache_write_tokens\":200,"
        "\"input_uncached_tokens\":3000,\"output_tokens\":1000,\"input_text_tokens\":2500,"
        "\"output_text_tokens\":800,\"input_cached_text_tokens\":1500,"
        "\"input_audio_tokens\":300,\"input_cached_audio_tokens\":100,"
        "\"output_audio_tokens\":100,\"input_image_tokens\":200,"
        "\"input_cached_image_tokens\":200,\"output_image_tokens\":100,"
        "\"num_model_requests\":5,\"project_id\":\"proj_abc\",\"user_id\":\"user-abc\","
        "\"api_key_id\":\"key_abc\",\"model\":\"gpt-4o-mini-2024-07-18\",\"batch\":false,"
        "\"service_tier\":\"default\"},"
        "{\"object\":\"organization.usage.embeddings.result\",\"input_tokens\":7,"
        "\"num_model_requests\":1,\"model\":\"text-embedding-3-small\"},"
        "{\"object\":\"organization.usage.completions.result\",\"input_tokens\":\"40\","
        "\"output_tokens\":\"4\",\"num_model_requests\":\"1\"}]},"
        "{\"object\":\"bucket\",\"start_time\":1767229200,\"end_time\":1767232800,"
        "\"results\":[]}],\"has_more\":true,\"next_page\":null}";
    struct usage_api_settings s = source("api_key_id");
    struct capture c;
    struct api_page page;
    char err[128];
    assert_int_equal(parse(&api_openai, false, body, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.u[0].ts, 1767225600);            /* a numeric string */
    assert_int_equal(c.u[0].input, 5000);
    assert_int_equal(c.u[0].cache_read, 1800);
    assert_int_equal(c.u[0].cache_write_5m, 200);
    assert_int_equal(c.u[0].cache_write_1h, 0);
    assert_int_equal(c.u[0].output, 1000);
    assert_int_equal(c.u[0].requests, 5);
    assert_string_equal(c.tenant[0], "key_abc");
    assert_int_equal(c.u[0].service, USAGE_SERVICE_STANDARD);
    assert_false(c.u[0].batch);
    assert_string_equal(c.model[1], "unknown");
    assert_string_equal(c.tenant[1], "");
    assert_int_equal(c.u[1].input, 40);
    assert_int_equal(c.u[1].output, 4);
    assert_int_equal(c.u[1].requests, 1);
    assert_true(page.has_more);                         /* and no cursor: the end */
    assert_string_equal(page.next_page, "");
}

/* OpenAI's cost amounts: a number or a decimal string, "usd" in either
 * case (the spec's is lowercase) or no currency at all; an amount that is
 * null or no decimal is no cost. */
static void test_openai_cost_amounts(void **state)
{
    (void)state;
    static const char body[] =
        "{\"object\":\"page\",\"data\":[{\"object\":\"bucket\",\"start_time\":1767225600,"
        "\"end_time\":1767312000,\"results\":["
        "{\"object\":\"organization.costs.result\",\"amount\":{\"value\":\"0.25\","
        "\"currency\":\"usd\"},\"line_item\":null,\"project_id\":null,\"api_key_id\":null,"
        "\"quantity\":null,\"quantity_unit\":null},"
        "{\"object\":\"organization.costs.result\",\"amount\":{\"value\":1,\"currency\":\"USD\"}},"
        "{\"object\":\"organization.costs.result\",\"amount\":{\"value\":2}},"
        "{\"object\":\"organization.costs.result\",\"amount\":{\"value\":null,\"currency\":\"usd\"}},"
        "{\"object\":\"organization.costs.result\",\"amount\":null},"
        "{\"object\":\"organization.costs.result\",\"amount\":{\"value\":\"1,5\",\"currency\":\"usd\"}}"
        "]}],\"has_more\":false,\"next_page\":null}";
    struct usage_api_settings s = source("project_id");
    struct capture c;
    struct api_page page;
    char err[128];
    assert_int_equal(parse(&api_openai, true, body, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 3);
    assert_close(c.u[0].billed_usd, 0.25, 1e-12);
    assert_string_equal(c.tenant[0], "");               /* a null project */
    assert_close(c.u[1].billed_usd, 1.0, 1e-12);
    assert_close(c.u[2].billed_usd, 2.0, 1e-12);
}

/* Anthropic's report as it may come: times with fractions or an offset
 * (the same instant), every group key null or absent (not grouped), no
 * cache_creation, amounts as numbers, and the currency in either case. */
static void test_anthropic_every_field(void **state)
{
    (void)state;
    static const char usage[] =
        "{\"data\":[{\"starting_at\":\"2026-01-01T00:00:00.000Z\",\"ending_at\":\"2026-01-01T01:00:00Z\","
        "\"results\":[{\"uncached_input_tokens\":10,\"cache_read_input_tokens\":null,"
        "\"output_tokens\":2,\"server_tool_use\":null,\"api_key_id\":null,\"workspace_id\":null,"
        "\"model\":null,\"service_tier\":null,\"context_window\":null}]},"
        "{\"starting_at\":\"2026-01-01T02:00:00+01:00\",\"ending_at\":\"2026-01-01T03:00:00+01:00\","
        "\"results\":[{\"uncached_input_tokens\":\"20\",\"output_tokens\":4,"
        "\"cache_creation\":{\"ephemeral_5m_input_tokens\":null},\"inference_geo\":\"us\","
        "\"speed\":\"standard\"}]},"
        "{\"starting_at\":\"not a time\",\"results\":[{\"uncached_input_tokens\":30}]}],"
        "\"has_more\":false,\"next_page\":null}";
    struct usage_api_settings s = source("workspace_id");
    struct capture c;
    struct api_page page;
    char err[128];
    assert_int_equal(parse(&api_anthropic, false, usage, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.u[0].ts, 1767225600);
    assert_int_equal(c.u[1].ts, 1767225600 + 3600);     /* 02:00+01:00 */
    assert_string_equal(c.model[0], "unknown");
    assert_string_equal(c.tenant[0], "");
    assert_int_equal(c.u[0].input, 10);
    assert_int_equal(c.u[1].input, 20);
    assert_int_equal(c.u[1].output, 4);
    assert_int_equal(c.u[0].service, USAGE_SERVICE_STANDARD);
    assert_false(c.u[0].batch);
    assert_false(c.u[0].long_context);

    static const char costs[] =
        "{\"data\":[{\"starting_at\":\"2026-01-01T00:00:00Z\",\"ending_at\":\"2026-01-02T00:00:00Z\","
        "\"results\":[{\"amount\":250,\"currency\":\"USD\",\"workspace_id\":null},"
        "{\"amount\":\"100\",\"currency\":\"usd\"},"
        "{\"amount\":\"100\"},"
        "{\"amount\":\"100\",\"currency\":\"EUR\"},"
        "{\"amount\":null,\"currency\":\"USD\"}]},"
        "{\"starting_at\":\"2026-01-02T00:00:00Z\",\"ending_at\":\"2026-01-03T00:00:00Z\","
        "\"results\":[]}],\"has_more\":false,\"next_page\":null}";
    assert_int_equal(parse(&api_anthropic, true, costs, &s, &c, &page, err, sizeof err), 0);
    assert_int_equal(c.n, 3);
    assert_close(c.u[0].billed_usd, 2.5, 1e-12);        /* 250 cents */
    assert_string_equal(c.tenant[0], "");               /* the default workspace */
    assert_close(c.u[1].billed_usd, 1.0, 1e-12);
    assert_close(c.u[2].billed_usd, 1.0, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openai_usage),
        cmocka_unit_test(test_openai_costs),
        cmocka_unit_test(test_anthropic_usage),
        cmocka_unit_test(test_anthropic_costs),
        cmocka_unit_test(test_amounts_are_decimals),
        cmocka_unit_test(test_not_a_page),
        cmocka_unit_test(test_a_nul_in_a_name_is_a_name_of_its_own),
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_service_tiers_and_context_windows),
        cmocka_unit_test(test_openai_every_field),
        cmocka_unit_test(test_openai_cost_amounts),
        cmocka_unit_test(test_anthropic_every_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
