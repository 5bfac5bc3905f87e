/* otlp_families.c - the instrumentation families table (see otlp_families.h).
 *
 * The facts behind each row, and the npm package it was recorded from, are
 * in shared/reference/genai-telemetry-in-the-wild.md §2 and in the spans
 * under tests/fixtures/otlp/families/.
 */
#include "collectors/otlp_families.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>


/* The GenAI conventions' names, current and legacy, with the extensions
 * other libraries add beside them (the Anthropic SDK's 5m/1h cache write
 * split, Codex's and the Vercel AI SDK 7's reasoning counts). */
#define GENAI_INPUT "gen_ai.usage.input_tokens gen_ai.usage.prompt_tokens"
#define GENAI_OUTPUT "gen_ai.usage.output_tokens gen_ai.usage.completion_tokens"
#define GENAI_CACHE_READ                                                   \
    "gen_ai.usage.cache_read.input_tokens gen_ai.usage.cache_read_input_tokens " \
    "gen_ai.usage.prompt_tokens_details.cached_tokens"
#define GENAI_CACHE_WRITE                                                  \
    "gen_ai.usage.cache_creation.input_tokens gen_ai.usage.cache_write.input_tokens " \
    "gen_ai.usage.cache_creation_input_tokens"
#define GENAI_MODEL "gen_ai.response.model gen_ai.request.model"
#define GENAI_PROVIDER "gen_ai.provider.name gen_ai.system"
#define VERCEL_ANTHROPIC "ai.response.providerMetadata#anthropic.usage.cache_creation."

const struct otlp_family otlp_families[] = {
    /* @traceloop/instrumentation-anthropic (JS, 0.27): gen_ai.usage.input_tokens
     * is Anthropic's own input_tokens, the uncached part; cache reads and
     * writes beside it. (Traceloop's Python instrumentation adds them in:
     * it is the conventions' row.) */
    {
        .name = "traceloop-anthropic-js",
        .scope = "@traceloop/instrumentation-anthropic",
        .kind = "gen_ai.operation.name",
        .inference = "chat text_completion",
        .usage_is_inference = true,
        .input = OTLP_INPUT_UNCACHED,
        .attrs = {
            [OTLP_F_INPUT] = GENAI_INPUT,
            [OTLP_F_CACHE_READ] = GENAI_CACHE_READ,
            [OTLP_F_CACHE_WRITE] = GENAI_CACHE_WRITE,
            [OTLP_F_OUTPUT] = GENAI_OUTPUT,
            [OTLP_F_MODEL] = GENAI_MODEL,
            [OTLP_F_PROVIDER] = GENAI_PROVIDER,
            [OTLP_F_RESPONSE_ID] = "gen_ai.response.id",
        },
        .provider = "anthropic",
    },
    /* Arize OpenInference (openai 4.2, anthropic 0.2, langchain 4.1; Python
     * alike): LLM spans carry llm.token_count.*, prompt includes the cache.
     * Through LangChain the provider is only in the metadata JSON. */
    {
        .name = "openinference",
        .marker = "openinference.span.kind",
        .kind = "openinference.span.kind",
        .inference = "LLM EMBEDDING",
        .input = OTLP_INPUT_ALL,
        .attrs = {
            [OTLP_F_INPUT] = "llm.token_count.prompt",
            [OTLP_F_CACHE_READ] = "llm.token_count.prompt_details.cache_read",
            [OTLP_F_CACHE_WRITE] = "llm.token_count.prompt_details.cache_write",
            [OTLP_F_OUTPUT] = "llm.token_count.completion",
            [OTLP_F_REASONING] = "llm.token_count.completion_details.reasoning",
            [OTLP_F_MODEL] = "llm.response.model_name llm.model_name "
                             "llm.request.model_name embedding.model_name",
            [OTLP_F_PROVIDER] = "llm.provider llm.system metadata#ls_provider",
        },
    },
    /* Langfuse (JS 5.11 @langfuse/openai + @langfuse/otel; Python alike):
     * generations carry usage_details, a JSON object of disjoint parts. */
    {
        .name = "langfuse",
        .marker = "langfuse.observation.type",
        .kind = "langfuse.observation.type",
        .inference = "generation embedding",
        .input = OTLP_INPUT_ALL,
        .parts = "langfuse.observation.usage_details",
        .attrs = {
            [OTLP_F_MODEL] = "langfuse.observation.model.name " GENAI_MODEL,
            [OTLP_F_PROVIDER] = GENAI_PROVIDER,
        },
    },
    /* Vercel AI SDK 5 and 6 (experimental_telemetry): the provider calls are
     * the ai.*.doGenerate / doStream / doEmbed spans; ai.generateText and
     * ai.streamText around them carry the same totals in ai.usage.* and are
     * wrappers. Input includes the cache; the 1-hour writes of Anthropic
     * are only in the provider metadata JSON. */
    {
        .name = "vercel-ai",
        .marker = "ai.operationId",
        .kind = "ai.operationId",
        .inference = "*.doGenerate *.doStream *.doEmbed",
        .input = OTLP_INPUT_ALL,
        .attrs = {
            [OTLP_F_INPUT] = GENAI_INPUT " ai.usage.inputTokens",
            [OTLP_F_CACHE_READ] = "ai.usage.inputTokenDetails.cacheReadTokens "
                                  "ai.usage.cachedInputTokens",
            [OTLP_F_CACHE_WRITE] = "ai.usage.inputTokenDetails.cacheWriteTokens",
            [OTLP_F_CACHE_WRITE_5M] = VERCEL_ANTHROPIC "ephemeral_5m_input_tokens",
            [OTLP_F_CACHE_WRITE_1H] = VERCEL_ANTHROPIC "ephemeral_1h_input_tokens",
            [OTLP_F_OUTPUT] = GENAI_OUTPUT " ai.usage.outputTokens",
            [OTLP_F_REASONING] = "ai.usage.outputTokenDetails.reasoningTokens "
                                 "ai.usage.reasoningTokens",
            [OTLP_F_MODEL] = "gen_ai.response.model ai.response.model "
                             "gen_ai.request.model ai.model.id",
            [OTLP_F_PROVIDER] = "gen_ai.system ai.model.provider",
            [OTLP_F_RESPONSE_ID] = "gen_ai.response.id ai.response.id",
        },
    },
    /* Claude Code's beta spans (CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1): one
     * claude_code.llm_request per API request, plain names, input uncached
     * as in its api_request log events. */
    {
        .name = "claude-code",
        .span_name = "claude_code.llm_request",
        .input = OTLP_INPUT_UNCACHED,
        .attrs = {
            [OTLP_F_INPUT] = "input_tokens",
            [OTLP_F_CACHE_READ] = "cache_read_tokens",
            [OTLP_F_CACHE_WRITE] = "cache_creation_tokens",
            [OTLP_F_OUTPUT] = "output_tokens",
            [OTLP_F_MODEL] = "model " GENAI_MODEL,
            [OTLP_F_PROVIDER] = GENAI_PROVIDER,
            [OTLP_F_RESPONSE_ID] = "request_id",
        },
        .provider = "anthropic",
        .emitter = "log:claude_code",
        .installation = "user.id",
    },
    /* Codex CLI's handle_responses (0.171): a span per streamed event
     * handled, the one of response.completed with the call's usage (the
     * others, without, are not calls); OpenAI's semantics (input includes
     * the cache, output the reasoning), its own name for the reasoning, no
     * model. The same call is its codex.sse_event and its
     * codex.turn.token_usage points (otlp_logs.c, otlp_metrics.c), one
     * emitter per service as those are. The session_task.turn span around
     * it sums a turn in codex.turn.token_usage.* and is not read. */
    {
        .name = "codex",
        .span_name = "handle_responses",
        .kind = "gen_ai.operation.name",
        .inference = "chat",
        .usage_is_inference = true,
        .input = OTLP_INPUT_ALL,
        .attrs = {
            [OTLP_F_INPUT] = GENAI_INPUT,
            [OTLP_F_CACHE_READ] = GENAI_CACHE_READ,
            [OTLP_F_CACHE_WRITE] = GENAI_CACHE_WRITE,
            [OTLP_F_OUTPUT] = GENAI_OUTPUT,
            [OTLP_F_REASONING] = "codex.usage.reasoning_output_tokens "
                                 "gen_ai.usage.reasoning.output_tokens",
            [OTLP_F_MODEL] = GENAI_MODEL " model",
            [OTLP_F_PROVIDER] = GENAI_PROVIDER,
            [OTLP_F_RESPONSE_ID] = "gen_ai.response.id",
        },
        .provider = "openai",
        .emitter = "log:codex",
        .per_service = true,
    },
    /* The GenAI semantic conventions, current and legacy names: OTel's own
     * instrumentation-openai, the Anthropic SDK's built-in tracing,
     * Traceloop for OpenAI and LangChain, the Vercel AI SDK 7 (@ai-sdk/otel).
     * Every span no row above took. Not Gemini CLI's llm_call:
     * 0.61 puts no provider and no tokens on it (its usage is in its events
     * and metrics), so it was a second, usage-less request of each call;
     * one that carried tokens would still count (usage_is_inference). */
    {
        .name = "genai",
        .kind = "gen_ai.operation.name",
        .inference = "chat text_completion generate_content embeddings",
        .usage_is_inference = true,
        .input = OTLP_INPUT_ALL,
        .attrs = {
            [OTLP_F_INPUT] = GENAI_INPUT,
            [OTLP_F_CACHE_READ] = GENAI_CACHE_READ,
            [OTLP_F_CACHE_WRITE] = GENAI_CACHE_WRITE,
            [OTLP_F_CACHE_WRITE_5M] = "anthropic.usage.cache_creation.ephemeral_5m_input_tokens "
                                      VERCEL_ANTHROPIC "ephemeral_5m_input_tokens",
            [OTLP_F_CACHE_WRITE_1H] = "anthropic.usage.cache_creation.ephemeral_1h_input_tokens "
                                      VERCEL_ANTHROPIC "ephemeral_1h_input_tokens",
            [OTLP_F_OUTPUT] = GENAI_OUTPUT,
            [OTLP_F_REASONING] = "gen_ai.usage.reasoning.output_tokens "
                                 "gen_ai.usage.reasoning_tokens "
                                 "gen_ai.usage.completion_tokens_details.reasoning_tokens "
                                 "llm.usage.reasoning_tokens codex.usage.reasoning_output_tokens "
                                 "ai.usage.outputTokenDetails.reasoningTokens",
            [OTLP_F_MODEL] = GENAI_MODEL,
            [OTLP_F_PROVIDER] = GENAI_PROVIDER,
            [OTLP_F_RESPONSE_ID] = "gen_ai.response.id",
            [OTLP_F_SERVICE_TIER] = "openai.response.service_tier "
                                    "gen_ai.openai.response.service_tier",
        },
    },
};

const size_t otlp_families_count = sizeof otlp_families / sizeof *otlp_families;

#define NFAM (sizeof otlp_families / sizeof *otlp_families)

/* ---- the rows, compiled once ------------------------------------------------ */

/* Every attribute some row reads gets an id; a row's lists become ids. */
#define NAMES_MAX 8            /* names in one list */
#define INDEX_SLOTS 512        /* > 2 x OTLP_FAMILY_KEYS */

struct name {
    uint16_t id;
    const char *path;          /* JSON path after '#', or NULL */
    size_t pathlen;
};

struct list {
    uint8_t n;
    struct name names[NAMES_MAX];
};

struct compiled {
    struct list attrs[OTLP_F_COUNT];
    int marker, kind, parts;   /* ids, -1 = none */
};

static struct {
    bool done;
    size_t nkeys;
    const char *key[OTLP_FAMILY_KEYS];
    size_t len[OTLP_FAMILY_KEYS];
    int16_t slot[INDEX_SLOTS];  /* id + 1; 0 = empty */
    struct compiled rows[NFAM];
} idx;

/* A key's hash for the index, eight bytes a step: every attribute of every
 * span is looked up here, and a byte-at-a-time hash (hmap_hash) of keys
 * like "gen_ai.usage.cache_read.input_tokens" was most of the look-up. */
static uint64_t key_hash(const char *k, size_t n)
{
    uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15u, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, k + i, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9u;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, k + i, n - i);
    h = (h ^ w) * 0x94d049bb133111ebu;
    return h ^ (h >> 31);
}

static int find_key(const char *k, size_t n, bool add)
{
    size_t at = (size_t)key_hash(k, n) & (INDEX_SLOTS - 1);
    for (;; at = (at + 1) & (INDEX_SLOTS - 1)) {
        int id = idx.slot[at] - 1;
        if (id < 0)
            break;
        if (idx.len[id] == n && memcmp(idx.key[id], k, n) == 0)
            return id;
    }
    /* the table is sized for the rows: a test fails if they outgrow it */
    if (!add || idx.nkeys >= OTLP_FAMILY_KEYS)
        return -1;
    idx.key[idx.nkeys] = k;
    idx.len[idx.nkeys] = n;
    idx.slot[at] = (int16_t)(idx.nkeys + 1);
    return (int)idx.nkeys++;
}

static void compile_list(const char *s, struct list *l)
{
    l->n = 0;
    if (!s)
        return;
    while (*s && l->n < NAMES_MAX) {
        size_t n = strcspn(s, " ");
        size_t keylen = strcspn(s, " #");
        struct name *nm = &l->names[l->n];
        int id = find_key(s, keylen, true);
        if (id >= 0) {
            nm->id = (uint16_t)id;
            nm->path = keylen < n ? s + keylen + 1 : NULL;
            nm->pathlen = keylen < n ? n - keylen - 1 : 0;
            l->n++;
        }
        s += n;
        while (*s == ' ')
            s++;
    }
}

static int compile_one(const char *s)
{
    return s ? find_key(s, strlen(s), true) : -1;
}

static void compile(void)
{
    if (idx.done)
        return;
    for (size_t f = 0; f < NFAM; f++) {
        const struct otlp_family *fam = &otlp_families[f];
        struct compiled *c = &idx.rows[f];
        c->marker = compile_one(fam->marker);
        c->kind = compile_one(fam->kind);
        c->parts = compile_one(fam->parts);
        for (int a = 0; a < OTLP_F_COUNT; a++)
            compile_list(fam->attrs[a], &c->attrs[a]);
    }
    idx.done = true;
}

/* ---- a span's attributes ----------------------------------------------------- */

void otlp_span_attrs_begin(struct otlp_span_attrs *a)
{
    compile();
    if (++a->seq == 0) { /* wrapped: old stamps could match again */
        memset(a->stamp, 0, sizeof a->stamp);
        a->seq = 1;
    }
}

bool otlp_span_attrs_take(struct otlp_span_attrs *a, const struct otlp_kv *kv)
{
    int id = find_key(kv->key.p, kv->key.n, false);
    if (id < 0 || a->stamp[id] == a->seq)
        return false;
    a->stamp[id] = a->seq;
    a->val[id] = kv->value;
    return true;
}

static const struct otlp_value *attr(const struct otlp_span_attrs *a, int id)
{
    return id >= 0 && a->stamp[id] == a->seq ? &a->val[id] : NULL;
}

/* ---- recognising the family ---------------------------------------------------- */

static bool str_is(struct otlp_str s, const char *lit, size_t n)
{
    return s.p && s.n == n && memcmp(s.p, lit, n) == 0;
}

/* s matches pattern: equal, or (pattern "p*") starts with p. */
static bool matches(struct otlp_str s, const char *pattern)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return s.p && s.n >= n - 1 && memcmp(s.p, pattern, n - 1) == 0;
    return str_is(s, pattern, n);
}

static bool recognises(size_t f, const struct otlp_span_attrs *a,
                       const struct otlp_scope *scope, const struct otlp_span *span)
{
    const struct otlp_family *fam = &otlp_families[f];
    if (!fam->scope && !fam->marker && !fam->span_name)
        return true;
    return (fam->scope && scope && matches(scope->name, fam->scope)) ||
           (fam->marker && attr(a, idx.rows[f].marker)) ||
           (fam->span_name && matches(span->name, fam->span_name));
}

/* The kind value v is one of list's (space-separated; "*.x" = ends in .x). */
static bool kind_in(struct otlp_str v, const char *list)
{
    while (*list) {
        size_t n = strcspn(list, " ");
        if (list[0] == '*') {
            if (v.n >= n - 1 && memcmp(v.p + v.n - (n - 1), list + 1, n - 1) == 0)
                return true;
        } else if (str_is(v, list, n)) {
            return true;
        }
        list += n;
        while (*list == ' ')
            list++;
    }
    return false;
}

/* ---- values ---------------------------------------------------------------------- */

/* The most a count may be: sums of a few stay far from overflow, and a
 * double holds every count up to it exactly. */
/* no record holds more (usage.h): sums of such counts would overflow */
#define COUNT_MAX ((double)USAGE_COUNT_MAX)

/* The JSON attributes of one span, parsed once each. */
struct scratch {
    cJSON *json[4];            /* NULL: not JSON */
    int json_id[4];
    int njson;
};

static bool double_count(double d, int64_t *out)
{
    if (!isfinite(d) || d < 0 || d > COUNT_MAX || d != floor(d))
        return false;
    *out = (int64_t)d;
    return true;
}

/* Why a value is not a count, into why. */
static void not_a_count(char *why, size_t len, const char *name, size_t n,
                        const struct otlp_value *v)
{
    int k = (int)(n > 80 ? 80 : n);
    if (v->type == OTLP_INT)
        snprintf(why, len, "%.*s: %" PRId64 " is not a token count", k, name, v->u.i);
    else if (v->type == OTLP_DOUBLE)
        snprintf(why, len, "%.*s: %g is not a token count", k, name, v->u.d);
    else if (v->type == OTLP_STRING)
        snprintf(why, len, "%.*s: a string that is not a whole number", k, name);
    else
        snprintf(why, len, "%.*s: not a number", k, name);
}

static bool value_count(const struct otlp_value *v, int64_t *out)
{
    switch (v->type) {
    case OTLP_INT:
        if (v->u.i < 0 || (double)v->u.i > COUNT_MAX)
            return false;
        *out = v->u.i;
        return true;
    case OTLP_DOUBLE:
        return double_count(v->u.d, out);
    case OTLP_STRING:
        return otlp_text_count(v->u.s.p, v->u.s.n, out);
    default:
        return false;
    }
}

static bool json_count(const cJSON *j, int64_t *out)
{
    if (cJSON_IsNumber(j))
        return double_count(j->valuedouble, out);
    if (cJSON_IsString(j))
        return otlp_text_count(j->valuestring, strlen(j->valuestring), out);
    return false;
}

/* The parsed JSON text of attribute id (a string value), or NULL. */
static const cJSON *json_attr(const struct otlp_span_attrs *a, int id, struct scratch *sc)
{
    for (int i = 0; i < sc->njson; i++)
        if (sc->json_id[i] == id)
            return sc->json[i];
    const struct otlp_value *v = attr(a, id);
    if (!v || v->type != OTLP_STRING || sc->njson == 4)
        return NULL;
    cJSON *j = cJSON_ParseWithLength(v->u.s.p, v->u.s.n);
    sc->json_id[sc->njson] = id;
    sc->json[sc->njson++] = j;
    return j;
}

/* The member at a dotted path under j, or NULL. */
static const cJSON *json_path(const cJSON *j, const char *path, size_t n)
{
    char key[64];
    while (j && n) {
        size_t k = 0;
        while (k < n && path[k] != '.')
            k++;
        if (k >= sizeof key || !cJSON_IsObject(j))
            return NULL;
        memcpy(key, path, k);
        key[k] = '\0';
        j = cJSON_GetObjectItemCaseSensitive(j, key);
        path += k < n ? k + 1 : k;
        n -= k < n ? k + 1 : k;
    }
    return j;
}

enum found { ABSENT, FOUND, INVALID };

/* The first name of list present on the span, as a count. */
static enum found list_count(const struct otlp_span_attrs *a, const struct list *l,
                             struct scratch *sc, int64_t *out, char *why, size_t len)
{
    for (int i = 0; i < l->n; i++) {
        const struct name *nm = &l->names[i];
        if (!nm->path) {
            const struct otlp_value *v = attr(a, nm->id);
            if (!v)
                continue;
            if (value_count(v, out))
                return FOUND;
            not_a_count(why, len, idx.key[nm->id], idx.len[nm->id], v);
            return INVALID;
        }
        const cJSON *j = json_path(json_attr(a, nm->id, sc), nm->path, nm->pathlen);
        if (!j)
            continue;
        if (json_count(j, out))
            return FOUND;
        snprintf(why, len, "%.*s: %.*s is not a token count", (int)idx.len[nm->id],
                 idx.key[nm->id], (int)nm->pathlen, nm->path);
        return INVALID;
    }
    return ABSENT;
}

/* The first name of list present on the span as a string, copied into buf
 * (len bytes, cut to fit) and returned; with view, also its place in the
 * export (valid while the export is: only plain attributes are viewed). */
static const char *list_str(const struct otlp_span_attrs *a, const struct list *l,
                            struct scratch *sc, struct otlp_str *view, char *buf, size_t len)
{
    for (int i = 0; i < l->n; i++) {
        const struct name *nm = &l->names[i];
        const char *p = NULL;
        size_t n = 0;
        if (!nm->path) {
            const struct otlp_value *v = attr(a, nm->id);
            if (v && v->type == OTLP_STRING && v->u.s.n) {
                p = v->u.s.p;
                n = v->u.s.n;
            }
        } else {
            const cJSON *j = json_path(json_attr(a, nm->id, sc), nm->path, nm->pathlen);
            if (cJSON_IsString(j) && *j->valuestring) {
                p = j->valuestring;
                n = strlen(p);
            }
        }
        if (!p)
            continue;
        if (view && !nm->path) {
            view->p = p;
            view->n = n;
        }
        if (!buf)
            return p;
        n = n < len - 1 ? n : len - 1;
        memcpy(buf, p, n);
        buf[n] = '\0';
        return buf;
    }
    return NULL;
}

/* ---- reading a span ---------------------------------------------------------------- */

/* The token counts a span told, by field. */
struct counts {
    bool has[OTLP_F_TOKENS];
    int64_t n[OTLP_F_TOKENS];
};

/* Langfuse's usage_details: every key is a part, and the parts add up to
 * the call's usage ("total" aside). A key is classed by its name: cache
 * reads ("cache_read", "cached"), cache writes ("cache_creation",
 * "cache_write"; "1h" for the 1-hour ones), reasoning, then by its prefix
 * input / prompt or output / completion. Other keys are not tokens spendtop
 * prices, and are left out. */
static int part_field(const char *k)
{
    if (strncmp(k, "total", 5) == 0)
        return -1;
    if (strstr(k, "cache_read") || strstr(k, "cached"))
        return OTLP_F_CACHE_READ;
    if (strstr(k, "cache_creation") || strstr(k, "cache_write"))
        return strstr(k, "1h") ? OTLP_F_CACHE_WRITE_1H : OTLP_F_CACHE_WRITE_5M;
    if (strstr(k, "reasoning"))
        return OTLP_F_REASONING;
    if (strncmp(k, "input", 5) == 0 || strncmp(k, "prompt", 6) == 0)
        return OTLP_F_INPUT;
    if (strncmp(k, "output", 6) == 0 || strncmp(k, "completion", 10) == 0)
        return OTLP_F_OUTPUT;
    return -1;
}

static bool read_parts(const struct otlp_span_attrs *a, int id, struct scratch *sc,
                       struct counts *c, char *why, size_t len)
{
    const struct otlp_value *v = attr(a, id);
    if (!v)
        return true;
    const cJSON *j = json_attr(a, id, sc);
    if (!cJSON_IsObject(j)) {
        snprintf(why, len, "%s is not a JSON object", idx.key[id]);
        return false;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, j) {
        int f = part_field(m->string);
        int64_t n;
        if (f < 0)
            continue;
        if (!json_count(m, &n)) {
            snprintf(why, len, "%s: %.60s is not a token count", idx.key[id], m->string);
            return false;
        }
        c->n[f] += n;
        c->has[f] = true;
    }
    return true;
}

static bool read_counts(const struct otlp_span_attrs *a, size_t f, struct scratch *sc,
                        struct counts *c, char *why, size_t len)
{
    memset(c, 0, sizeof *c);
    const struct compiled *row = &idx.rows[f];
    if (row->parts >= 0 && !read_parts(a, row->parts, sc, c, why, len))
        return false;
    for (int k = 0; k < OTLP_F_TOKENS; k++) {
        if (c->has[k])
            continue;
        enum found r = list_count(a, &row->attrs[k], sc, &c->n[k], why, len);
        if (r == INVALID)
            return false;
        c->has[k] = r == FOUND;
    }
    return true;
}

/* Turn what the family counted into spendtop's token classes. */
static bool derive(const struct otlp_family *fam, const struct counts *c,
                   struct otlp_reading *out)
{
    const bool *has = c->has;
    const int64_t *n = c->n;
    int64_t w1h = has[OTLP_F_CACHE_WRITE_1H] ? n[OTLP_F_CACHE_WRITE_1H] : 0;
    int64_t w5m = has[OTLP_F_CACHE_WRITE_5M] ? n[OTLP_F_CACHE_WRITE_5M]
                  : has[OTLP_F_CACHE_WRITE]  ? n[OTLP_F_CACHE_WRITE] - w1h : 0;
    if (w5m < 0) {
        snprintf(out->why, sizeof out->why,
                 "1-hour cache writes (%" PRId64 ") exceed all cache writes (%" PRId64 ")",
                 w1h, n[OTLP_F_CACHE_WRITE]);
        return false;
    }
    int64_t read = has[OTLP_F_CACHE_READ] ? n[OTLP_F_CACHE_READ] : 0;
    int64_t cached = read + w5m + w1h;
    int64_t input = has[OTLP_F_INPUT] ? n[OTLP_F_INPUT] : 0;
    if (fam->input == OTLP_INPUT_UNCACHED || fam->parts || !has[OTLP_F_INPUT])
        input += cached;
    else if (cached > input) {
        snprintf(out->why, sizeof out->why,
                 "cache tokens (%" PRId64 ") exceed input tokens (%" PRId64 ") in a span "
                 "whose input includes them", cached, input);
        return false;
    }
    int64_t reasoning = has[OTLP_F_REASONING] ? n[OTLP_F_REASONING] : 0;
    int64_t output = has[OTLP_F_OUTPUT] ? n[OTLP_F_OUTPUT] : 0;
    if (fam->output_excludes_reasoning || fam->parts || !has[OTLP_F_OUTPUT])
        output += reasoning;
    else if (reasoning > output) {
        snprintf(out->why, sizeof out->why,
                 "reasoning tokens (%" PRId64 ") exceed output tokens (%" PRId64 ")",
                 reasoning, output);
        return false;
    }
    out->input = input;
    out->cache_read = read;
    out->cache_write_5m = w5m;
    out->cache_write_1h = w1h;
    out->output = output;
    out->reasoning = reasoning;
    bool writes = has[OTLP_F_CACHE_WRITE] || has[OTLP_F_CACHE_WRITE_5M] ||
                  has[OTLP_F_CACHE_WRITE_1H];
    /* A span that counts its cache writes speaks of the prompt cache: no
     * read beside them is a read of none (instrumentations leave a zero
     * out), the very span of a cache that stopped hitting. Only a span
     * with no cache attribute at all does not say (DESIGN.md §3). */
    out->cache_known = has[OTLP_F_CACHE_READ] || writes;
    out->reasoning_known = has[OTLP_F_REASONING];
    bool split = has[OTLP_F_CACHE_WRITE_5M] || has[OTLP_F_CACHE_WRITE_1H];
    out->completeness = has[OTLP_F_INPUT] + has[OTLP_F_OUTPUT] + has[OTLP_F_CACHE_READ] +
                        writes + split + has[OTLP_F_REASONING];
    out->tokens_unknown = !has[OTLP_F_INPUT] && !has[OTLP_F_OUTPUT] && !has[OTLP_F_CACHE_READ] &&
                          !writes && !has[OTLP_F_REASONING];
    return true;
}

/* Whether span (of family f) is an inference call: from its kind
 * attribute, or where it has none, from its token counts (counted tells
 * whether any was there, usable or not). */
static bool is_inference(const struct otlp_span_attrs *a, size_t f, bool counted)
{
    const struct otlp_family *fam = &otlp_families[f];
    if (!fam->kind)
        return true;
    const struct otlp_value *k = attr(a, idx.rows[f].kind);
    if (k)
        return k->type == OTLP_STRING && kind_in(k->u.s, fam->inference);
    return fam->usage_is_inference && counted;
}

static void read_names(const struct otlp_span_attrs *a, size_t f, struct scratch *sc,
                       struct otlp_reading *out)
{
    const struct compiled *row = &idx.rows[f];
    out->model = list_str(a, &row->attrs[OTLP_F_MODEL], sc, NULL, out->model_buf,
                          sizeof out->model_buf);
    char raw[USAGE_NAME_MAX + 2];
    struct otlp_str pv = {0};
    if (list_str(a, &row->attrs[OTLP_F_PROVIDER], sc, &pv, raw, sizeof raw))
        out->provider = otlp_provider_name(raw, strlen(raw), out->provider_buf,
                                           sizeof out->provider_buf);
    else
        out->provider = otlp_families[f].provider;
    list_str(a, &row->attrs[OTLP_F_RESPONSE_ID], sc, &out->response_id, NULL, 0);
    list_str(a, &row->attrs[OTLP_F_SERVICE_TIER], sc, &out->service_tier, NULL, 0);
}

void otlp_family_read(const struct otlp_span_attrs *a, const struct otlp_scope *scope,
                      const struct otlp_span *span, struct otlp_reading *out)
{
    memset(out, 0, offsetof(struct otlp_reading, why) + 1);
    size_t f = 0;
    while (f + 1 < NFAM && !recognises(f, a, scope, span))
        f++;
    out->family = &otlp_families[f];
    struct scratch sc = {.njson = 0};
    struct counts c;
    bool ok = read_counts(a, f, &sc, &c, out->why, sizeof out->why);
    bool counted = !ok;
    for (int i = 0; i < OTLP_F_TOKENS; i++)
        counted |= c.has[i];
    out->inference = is_inference(a, f, counted);
    /* what a wrapper carries is no concern of ours, usable or not */
    if (!out->inference)
        out->why[0] = '\0';
    else if (ok && derive(out->family, &c, out))
        read_names(a, f, &sc, out);
    for (int i = 0; i < sc.njson; i++)
        cJSON_Delete(sc.json[i]);
}

/* ---- provider names ------------------------------------------------------------ */

/* Spellings of a provider -> its GenAI conventions name, which the price
 * table's prefixes and the usage sources use. Looked up whole, then with
 * each trailing ".api" segment dropped ("openai.chat", "google.vertex.chat"). */
static const struct {
    const char *alias, *name;
} providers[] = {
    {"openai", "openai"},
    {"anthropic", "anthropic"},
    {"azure.ai.openai", "azure.ai.openai"},
    {"az.ai.openai", "azure.ai.openai"},
    {"azure", "azure.ai.openai"},
    {"azure_openai", "azure.ai.openai"},
    {"azure-openai", "azure.ai.openai"},
    {"azure.ai.inference", "azure.ai.inference"},
    {"az.ai.inference", "azure.ai.inference"},
    {"azure_ai", "azure.ai.inference"},
    {"aws.bedrock", "aws.bedrock"},
    {"bedrock", "aws.bedrock"},
    {"amazon_bedrock", "aws.bedrock"},
    {"amazon-bedrock", "aws.bedrock"},
    {"aws", "aws.bedrock"},
    {"gcp.vertex_ai", "gcp.vertex_ai"},
    {"vertex_ai", "gcp.vertex_ai"},
    {"vertexai", "gcp.vertex_ai"},
    {"google_vertexai", "gcp.vertex_ai"},
    {"google.vertex", "gcp.vertex_ai"},
    {"google-vertex", "gcp.vertex_ai"},
    {"gcp.gemini", "gcp.gemini"},
    {"gemini", "gcp.gemini"},
    {"google_genai", "gcp.gemini"},
    {"google.generative-ai", "gcp.gemini"},
    {"google", "gcp.gemini"},
    {"gcp.gen_ai", "gcp.gen_ai"},
    {"x_ai", "x_ai"},
    {"xai", "x_ai"},
    {"mistral_ai", "mistral_ai"},
    {"mistralai", "mistral_ai"},
    {"mistral", "mistral_ai"},
    {"cohere", "cohere"},
    {"deepseek", "deepseek"},
    {"groq", "groq"},
    {"perplexity", "perplexity"},
    {"moonshot_ai", "moonshot_ai"},
    {"moonshot", "moonshot_ai"},
    {"ibm.watsonx.ai", "ibm.watsonx.ai"},
    {"watsonx", "ibm.watsonx.ai"},
};

const char *otlp_provider_name(const char *s, size_t n, char *buf, size_t len)
{
    char low[USAGE_NAME_MAX + 1];
    size_t m = 0;
    for (; m < n && m < USAGE_NAME_MAX; m++)
        low[m] = (char)(s[m] >= 'A' && s[m] <= 'Z' ? s[m] - 'A' + 'a' : s[m]);
    low[m] = '\0';
    for (size_t k = m; k > 0;) {
        for (size_t i = 0; i < sizeof providers / sizeof *providers; i++)
            if (strlen(providers[i].alias) == k && memcmp(providers[i].alias, low, k) == 0)
                return providers[i].name;
        while (k > 0 && low[k - 1] != '.')
            k--;
        if (k > 0)
            k--; /* before the dot */
    }
    size_t c = n < len - 1 ? n : len - 1;
    memcpy(buf, s, c);
    buf[c] = '\0';
    return buf;
}
