/* otlp_json.c - OTLP/JSON decoding (see otlp_json.h). */
#include "collectors/otlp_json.h"

#include <cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"

/* ---- a per-document arena for the cJSON tree ------------------------------
 *
 * A 100-span export line is thousands of cJSON nodes and strings; freeing
 * them one by one (cJSON_Delete) cost as much as parsing them. The tree
 * lives only while its document is decoded, so it is parsed into an arena
 * (through cJSON_InitHooks, for the duration of one parse) and dropped
 * whole. One arena block is kept between documents; larger ones go. */

#define ARENA_BLOCK (1u << 20)

struct arena_block {
    struct arena_block *next;
    size_t used, size;
    max_align_t data[];
};

static struct arena_block *arena;

static void *arena_alloc(size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (!arena || arena->size - arena->used < n) {
        size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        struct arena_block *b = malloc(sizeof *b + size);
        if (!b)
            return NULL; /* cJSON turns this into a parse failure */
        b->next = arena;
        b->used = 0;
        b->size = size;
        arena = b;
    }
    void *p = (char *)arena->data + arena->used;
    arena->used += n;
    return p;
}

static void arena_free(void *p) { (void)p; }

/* Drop everything but the first (oldest) block, and empty that. */
static void arena_reset(void)
{
    while (arena && arena->next) {
        struct arena_block *b = arena;
        arena = b->next;
        free(b);
    }
    if (arena && arena->size > ARENA_BLOCK) {
        free(arena);
        arena = NULL;
    }
    if (arena)
        arena->used = 0;
}

void otlp_json_cleanup(void)
{
    arena_reset();
    free(arena);
    arena = NULL;
}

static cJSON *parse_in_arena(const char *json, size_t len)
{
    cJSON_Hooks hooks = {arena_alloc, arena_free};
    cJSON_InitHooks(&hooks);
    cJSON *root = cJSON_ParseWithLength(json, len);
    cJSON_InitHooks(NULL);
    return root;
}

/* The attributes read, current name first (DESIGN.md §3). */
enum attr {
    A_NONE = -1,
    A_OPERATION, A_PROVIDER, A_SYSTEM, A_REQUEST_MODEL, A_RESPONSE_MODEL,
    A_INPUT, A_OUTPUT, A_CACHE_READ, A_CACHE_WRITE, A_REASONING,
};

/* A key and its length: lengths are compared first, so a key is compared
 * byte by byte only with the one or two names of its length. */
#define KEY(s) s, sizeof s - 1

static const struct {
    const char *key; /* after "gen_ai.usage." */
    size_t len;
    enum attr attr;
} usage_keys[] = {
    {KEY("input_tokens"), A_INPUT},
    {KEY("prompt_tokens"), A_INPUT},
    {KEY("output_tokens"), A_OUTPUT},
    {KEY("completion_tokens"), A_OUTPUT},
    {KEY("cache_read.input_tokens"), A_CACHE_READ},
    {KEY("cache_read_input_tokens"), A_CACHE_READ},
    {KEY("prompt_tokens_details.cached_tokens"), A_CACHE_READ},
    {KEY("cache_creation.input_tokens"), A_CACHE_WRITE},
    {KEY("cache_creation_input_tokens"), A_CACHE_WRITE},
    {KEY("reasoning.output_tokens"), A_REASONING},
    {KEY("reasoning_tokens"), A_REASONING},
    {KEY("completion_tokens_details.reasoning_tokens"), A_REASONING},
};

static const struct {
    const char *key; /* after "gen_ai." */
    size_t len;
    enum attr attr;
} genai_keys[] = {
    {KEY("operation.name"), A_OPERATION},
    {KEY("provider.name"), A_PROVIDER},
    {KEY("system"), A_SYSTEM},
    {KEY("request.model"), A_REQUEST_MODEL},
    {KEY("response.model"), A_RESPONSE_MODEL},
};

/* Which attribute a key of length n is. Most span keys start "gen_ai.", so
 * dispatch on that prefix first: this runs for every attribute of every
 * span. */
static enum attr attr_of(const char *k, size_t n)
{
    if (n > 7 && memcmp(k, "gen_ai.", 7) == 0) {
        const char *r = k + 7;
        n -= 7;
        if (n > 6 && memcmp(r, "usage.", 6) == 0) {
            r += 6;
            n -= 6;
            for (size_t i = 0; i < sizeof usage_keys / sizeof *usage_keys; i++)
                if (usage_keys[i].len == n && memcmp(r, usage_keys[i].key, n) == 0)
                    return usage_keys[i].attr;
            return A_NONE;
        }
        for (size_t i = 0; i < sizeof genai_keys / sizeof *genai_keys; i++)
            if (genai_keys[i].len == n && memcmp(r, genai_keys[i].key, n) == 0)
                return genai_keys[i].attr;
        return A_NONE;
    }
    if (n == 26 && memcmp(k, "llm.usage.reasoning_tokens", 26) == 0)
        return A_REASONING;
    return A_NONE;
}

/* s is the literal lit (checking the first byte inline: most names differ
 * there, and this runs for every value of every span). */
static bool is(const char *s, const char *lit)
{
    return s && s[0] == lit[0] && strcmp(s, lit) == 0;
}

/* A non-negative decimal integer string (what the JSON mapping sends for
 * intValue), without strtoll's locale and base handling. */
static bool parse_count(const char *s, int64_t *out)
{
    int64_t n = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (INT64_MAX - (*p - '0')) / 10)
            return false;
        n = n * 10 + (*p - '0');
    }
    if (p == s || *p)
        return false;
    *out = n;
    return true;
}

/* An integer AnyValue: intValue as a decimal string or a number (the JSON
 * mapping says string; exporters send both), or an integral doubleValue. */
static bool value_int(const cJSON *v, int64_t *out)
{
    const cJSON *x = v ? v->child : NULL;
    if (!x || !(is(x->string, "intValue") || is(x->string, "doubleValue")))
        return false;
    if (cJSON_IsNumber(x)) {
        if (!(x->valuedouble >= 0 && x->valuedouble < 9e18))
            return false;
        *out = (int64_t)x->valuedouble;
        return true;
    }
    return cJSON_IsString(x) && parse_count(x->valuestring, out);
}

/* A string AnyValue (an intValue is shown as its digits). */
static const char *value_str(const cJSON *v, char *buf, size_t len)
{
    const cJSON *x = v ? v->child : NULL;
    if (!x)
        return NULL;
    if (is(x->string, "stringValue") && cJSON_IsString(x))
        return x->valuestring;
    if (is(x->string, "intValue")) {
        if (cJSON_IsString(x))
            return x->valuestring;
        if (cJSON_IsNumber(x)) {
            snprintf(buf, len, "%.0f", x->valuedouble);
            return buf;
        }
    }
    return NULL;
}

/* Legacy gen_ai.system values that the current provider names renamed. */
static const char *provider_name(const char *s)
{
    static const struct {
        const char *legacy, *current;
    } map[] = {
        {"xai", "x_ai"},
        {"vertex_ai", "gcp.vertex_ai"},
        {"gemini", "gcp.gemini"},
        {"az.ai.inference", "azure.ai.inference"},
        {"az.ai.openai", "azure.ai.openai"},
        {"mistralai", "mistral_ai"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(s, map[i].legacy) == 0)
            return map[i].current;
    return s;
}

static bool is_inference(const char *op)
{
    return strcmp(op, "chat") == 0 || strcmp(op, "text_completion") == 0 ||
           strcmp(op, "generate_content") == 0 || strcmp(op, "embeddings") == 0;
}

/* The first configured tenant attribute present in attrs. */
static const char *find_tenant(const cJSON *attrs, const struct otlp_options *o,
                               char *buf, size_t len)
{
    for (size_t t = 0; t < o->ntenant_attrs; t++) {
        const cJSON *kv;
        cJSON_ArrayForEach(kv, attrs) {
            const cJSON *k = cJSON_GetObjectItemCaseSensitive(kv, "key");
            if (cJSON_IsString(k) && strcmp(k->valuestring, o->tenant_attrs[t]) == 0) {
                const char *s = value_str(cJSON_GetObjectItemCaseSensitive(kv, "value"), buf, len);
                if (s)
                    return s;
            }
        }
    }
    return NULL;
}

static uint64_t span_key(const cJSON *span)
{
    const cJSON *tid = cJSON_GetObjectItemCaseSensitive(span, "traceId");
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(span, "spanId");
    if (!cJSON_IsString(tid) && !cJSON_IsString(sid))
        return 0;
    /* ids are hex and case-insensitive: hash them lower-cased */
    char buf[96];
    size_t n = 0;
    const char *parts[2] = {cJSON_IsString(tid) ? tid->valuestring : "",
                            cJSON_IsString(sid) ? sid->valuestring : ""};
    for (int i = 0; i < 2; i++) {
        for (const char *p = parts[i]; *p && n < sizeof buf - 2; p++)
            buf[n++] = (char)tolower((unsigned char)*p);
        buf[n++] = ':';
    }
    return hmap_hash(buf, n);
}

static bool start_time(const cJSON *span, int64_t *ts)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(span, "startTimeUnixNano");
    if (cJSON_IsString(t)) {
        char *end;
        long long ns = strtoll(t->valuestring, &end, 10);
        if (end == t->valuestring || *end || ns <= 0)
            return false;
        *ts = ns / 1000000000LL;
        return true;
    }
    if (cJSON_IsNumber(t) && t->valuedouble > 0) {
        *ts = (int64_t)(t->valuedouble / 1e9);
        return true;
    }
    return false;
}

static void reject(struct otlp_result *r, const char *why)
{
    r->rejected++;
    if (!r->error[0])
        snprintf(r->error, sizeof r->error, "%s", why);
}

static void decode_span(const cJSON *span, const char *resource_tenant,
                        const struct otlp_options *o, struct sink *sink,
                        struct otlp_result *r)
{
    r->spans++;
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(span, "attributes");
    const char *str[A_RESPONSE_MODEL + 1] = {0};
    int64_t num[A_REASONING + 1] = {0};
    bool has[A_REASONING + 1] = {0};
    /* the tenant: the first configured attribute (by configured order) */
    const cJSON *tenant_value = NULL;
    size_t tenant_rank = o->ntenant_attrs;
    const cJSON *kv;
    cJSON_ArrayForEach(kv, attrs) {
        const cJSON *k = kv->child;  /* "key" is first in every exporter */
        if (!k || !is(k->string, "key"))
            k = cJSON_GetObjectItemCaseSensitive(kv, "key");
        if (!cJSON_IsString(k))
            continue;
        enum attr a = attr_of(k->valuestring, strlen(k->valuestring));
        const cJSON *v = k->next && is(k->next->string, "value")
                             ? k->next : cJSON_GetObjectItemCaseSensitive(kv, "value");
        if (a == A_NONE) {
            for (size_t t = 0; t < tenant_rank; t++) {
                if (is(k->valuestring, o->tenant_attrs[t])) {
                    tenant_value = v;
                    tenant_rank = t;
                    break;
                }
            }
            continue;
        }
        if (a <= A_RESPONSE_MODEL) {
            const cJSON *x = v ? v->child : NULL;
            if (!str[a] && x && is(x->string, "stringValue") && cJSON_IsString(x))
                str[a] = x->valuestring;
        } else if (!has[a]) {
            has[a] = value_int(v, &num[a]);
        }
    }
    bool usage = has[A_INPUT] || has[A_OUTPUT];
    if (str[A_OPERATION] ? !is_inference(str[A_OPERATION]) : !usage) {
        r->ignored++;
        return;
    }
    struct usage u = {0};
    if (!start_time(span, &u.ts)) {
        reject(r, "span without a valid startTimeUnixNano");
        return;
    }
    u.source = o->source;
    u.provider = str[A_PROVIDER] ? str[A_PROVIDER]
                 : str[A_SYSTEM] ? provider_name(str[A_SYSTEM]) : "unknown";
    u.model = str[A_RESPONSE_MODEL] ? str[A_RESPONSE_MODEL]
              : str[A_REQUEST_MODEL] ? str[A_REQUEST_MODEL] : "unknown";
    char tbuf[32];
    const char *tenant = tenant_value ? value_str(tenant_value, tbuf, sizeof tbuf) : NULL;
    u.tenant = tenant ? tenant : resource_tenant ? resource_tenant : "";
    u.requests = 1;
    u.per_request = true;
    u.input = has[A_INPUT] ? num[A_INPUT] : 0;
    u.output = has[A_OUTPUT] ? num[A_OUTPUT] : 0;
    u.cache_known = has[A_CACHE_READ];
    u.cache_read = has[A_CACHE_READ] ? num[A_CACHE_READ] : 0;
    u.cache_write_5m = has[A_CACHE_WRITE] ? num[A_CACHE_WRITE] : 0;
    u.reasoning_known = has[A_REASONING];
    u.reasoning = has[A_REASONING] ? num[A_REASONING] : 0;
    /* The conventions say input includes cached and cache-write tokens and
     * output includes reasoning. Some instrumentations report the uncached
     * part only; where the parts exceed the whole that is certain, and the
     * whole is rebuilt rather than priced as negative. */
    if (u.input < u.cache_read + u.cache_write_5m)
        u.input += u.cache_read + u.cache_write_5m;
    if (u.output < u.reasoning)
        u.output += u.reasoning;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(span, "status");
    const cJSON *code = status ? cJSON_GetObjectItemCaseSensitive(status, "code") : NULL;
    if (code && ((cJSON_IsNumber(code) && code->valueint == 2) ||
                 (cJSON_IsString(code) && strcmp(code->valuestring, "STATUS_CODE_ERROR") == 0)))
        u.errors = 1;
    u.dedup_key = span_key(span);
    if (sink->put(sink, &u))
        r->counted++;
    else
        r->duplicates++;
}

static int decode_tree(cJSON *root, const char *json, size_t len,
                       const struct otlp_options *o, struct sink *sink,
                       struct otlp_result *r);

int otlp_json_decode(const char *json, size_t len, const struct otlp_options *o,
                     struct sink *sink, struct otlp_result *r)
{
    memset(r, 0, sizeof *r);
    cJSON *root = parse_in_arena(json, len);
    int rc = decode_tree(root, json, len, o, sink, r);
    arena_reset(); /* the whole tree, in one go */
    return rc;
}

static int decode_tree(cJSON *root, const char *json, size_t len,
                       const struct otlp_options *o, struct sink *sink,
                       struct otlp_result *r)
{
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        if (at && at >= json && at <= json + len)
            snprintf(r->error, sizeof r->error, "invalid JSON at byte %ld",
                     (long)(at - json));
        else
            snprintf(r->error, sizeof r->error, "invalid JSON");
        return -1;
    }
    if (!cJSON_IsObject(root)) {
        snprintf(r->error, sizeof r->error, "not a JSON object");
        return -1;
    }
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(root, "resourceSpans");
    if (!rs) {
        bool other = cJSON_GetObjectItemCaseSensitive(root, "resourceMetrics") ||
                     cJSON_GetObjectItemCaseSensitive(root, "resourceLogs") ||
                     cJSON_GetObjectItemCaseSensitive(root, "resourceProfiles");
        /* An empty request ({}) is valid OTLP: it carries nothing. */
        bool empty = root->child == NULL;
        if (other || empty)
            return 0;
        snprintf(r->error, sizeof r->error, "not OTLP trace data (no resourceSpans)");
        return -1;
    }
    if (!cJSON_IsArray(rs)) {
        snprintf(r->error, sizeof r->error, "resourceSpans is not an array");
        return -1;
    }
    const cJSON *res;
    cJSON_ArrayForEach(res, rs) {
        const cJSON *resource = cJSON_GetObjectItemCaseSensitive(res, "resource");
        const cJSON *rattrs = resource ? cJSON_GetObjectItemCaseSensitive(resource, "attributes") : NULL;
        char rbuf[32];
        const char *rtenant = rattrs ? find_tenant(rattrs, o, rbuf, sizeof rbuf) : NULL;
        const cJSON *scopes = cJSON_GetObjectItemCaseSensitive(res, "scopeSpans");
        const cJSON *scope;
        cJSON_ArrayForEach(scope, scopes) {
            const cJSON *spans = cJSON_GetObjectItemCaseSensitive(scope, "spans");
            const cJSON *span;
            cJSON_ArrayForEach(span, spans) {
                if (!cJSON_IsObject(span)) {
                    r->spans++;
                    reject(r, "a span that is not an object");
                    continue;
                }
                decode_span(span, rtenant, o, sink, r);
            }
        }
    }
    return 0;
}
