/* otlp_map.c - OTLP records -> usage records (see otlp_map.h). */
#include "collectors/otlp_map.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "collectors/otlp_json.h"
#include "collectors/otlp_pb.h"
#include "collectors/otlp_signals.h"
#include "lib/hmap.h"

const struct setting otlp_tenant_keys[] = {
    {.name = "tenant_attribute", .type = SETTING_STRING_OR_LIST,
     .offset = offsetof(struct otlp_tenants, attrs),
     .count_offset = offsetof(struct otlp_tenants, nattrs), .def = "\"tenant.id\"",
     .doc = "a string or a list; a record's attributes (span, log record, data "
            "point) are searched first, then its resource's"},
    {0},
};

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

/* A token count: a non-negative intValue, or a doubleValue in range (cut
 * to its integer part). Strings are not counts. */
static bool value_count(const struct otlp_value *v, int64_t *out)
{
    if (v->type == OTLP_INT && v->u.i >= 0) {
        *out = v->u.i;
        return true;
    }
    if (v->type == OTLP_DOUBLE && v->u.d >= 0 && v->u.d < 9e18) {
        *out = (int64_t)v->u.d;
        return true;
    }
    return false;
}

/* A view copied into buf as a C string, cut to USAGE_NAME_MAX + 1 bytes
 * (so the ingest still sees that it was longer, and cuts it as it cuts
 * every name). */
#define NAME_BUF (USAGE_NAME_MAX + 2)

static const char *cstr(struct otlp_str s, char *buf)
{
    size_t n = s.n < NAME_BUF - 1 ? s.n : NAME_BUF - 1;
    if (n)
        memcpy(buf, s.p, n);
    buf[n] = '\0';
    return buf;
}

/* A string value (an integer is shown as its digits) into buf, or NULL. */
static const char *value_str(const struct otlp_value *v, char *buf)
{
    if (v->type == OTLP_STRING)
        return cstr(v->u.s, buf);
    if (v->type == OTLP_INT) {
        snprintf(buf, NAME_BUF, "%" PRId64, v->u.i);
        return buf;
    }
    return NULL;
}

/* Legacy gen_ai.system values that the current provider names renamed. */
static const char *provider_name(struct otlp_str s, char *buf)
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
        if (otlp_str_eq(s, map[i].legacy))
            return map[i].current;
    return cstr(s, buf);
}

static bool is_inference(struct otlp_str op)
{
    return otlp_str_eq(op, "chat") || otlp_str_eq(op, "text_completion") ||
           otlp_str_eq(op, "generate_content") || otlp_str_eq(op, "embeddings");
}

/* ---- the walk ------------------------------------------------------------------- */

/* Tenant attribute names whose lengths are kept: every attribute of every
 * span is compared with them. */
#define TENANT_LENS 8

struct map {
    const struct otlp_options *o;
    struct sink *sink;
    struct otlp_result *r;
    size_t tenant_len[TENANT_LENS];
    const char *resource_tenant;    /* of the current resource, or NULL */
    char rtenant[NAME_BUF];
    struct otlp_emit emit;          /* for logs and metrics */
};

/* key is the t-th configured tenant attribute. */
static bool tenant_is(const struct map *m, size_t t, struct otlp_str key)
{
    if (t >= TENANT_LENS)
        return otlp_str_eq(key, m->o->tenant_attrs[t]);
    return key.n == m->tenant_len[t] && memcmp(key.p, m->o->tenant_attrs[t], key.n) == 0;
}

static void reject(struct otlp_result *r, const char *why)
{
    r->rejected++;
    if (!r->error[0])
        snprintf(r->error, sizeof r->error, "%s", why);
}

/* The first configured tenant attribute (by configured order) of a
 * resource that has a string or integer value. */
static void on_resource(void *ctx, enum otlp_signal sig, const struct otlp_resource *res)
{
    (void)sig;
    struct map *m = ctx;
    m->resource_tenant = NULL;
    for (size_t t = 0; t < m->o->ntenant_attrs && !m->resource_tenant; t++) {
        struct otlp_iter it;
        struct otlp_kv kv;
        otlp_iter_init(&it, &res->attrs);
        while (!m->resource_tenant && otlp_next_kv(&it, &kv))
            if (tenant_is(m, t, kv.key))
                m->resource_tenant = value_str(&kv.value, m->rtenant);
    }
}

/* What a span's attributes say, first occurrence of each. */
struct span_attrs {
    struct otlp_str str[A_RESPONSE_MODEL + 1];
    int64_t num[A_REASONING + 1];
    bool has[A_REASONING + 1];
    struct otlp_value tenant;       /* the best-ranked tenant attribute */
    size_t tenant_rank;             /* ntenant_attrs: none */
};

static void read_attrs(const struct map *m, const struct otlp_span *s, struct span_attrs *a)
{
    memset(a, 0, sizeof *a);
    a->tenant_rank = m->o->ntenant_attrs;
    struct otlp_iter it;
    struct otlp_kv kv;
    otlp_iter_init(&it, &s->attrs);
    while (otlp_next_kv(&it, &kv)) {
        enum attr at = attr_of(kv.key.p, kv.key.n);
        if (at == A_NONE) {
            for (size_t t = 0; t < a->tenant_rank; t++) {
                if (tenant_is(m, t, kv.key)) {
                    a->tenant = kv.value;
                    a->tenant_rank = t;
                    break;
                }
            }
        } else if (at <= A_RESPONSE_MODEL) {
            if (!a->str[at].p && kv.value.type == OTLP_STRING)
                a->str[at] = kv.value.u.s;
        } else if (!a->has[at]) {
            a->has[at] = value_count(&kv.value, &a->num[at]);
        }
    }
}

/* An id's bytes at buf (at most 32), with a byte that says how they were
 * read: the same id from JSON (hex) and protobuf (raw) gives the same
 * bytes; text that is not hex is kept as its lower-cased text. */
static size_t id_bytes(const struct otlp_bytes *id, uint8_t *buf)
{
    size_t n;
    if (otlp_bytes_raw(id, buf + 1, 32, &n)) {
        buf[0] = 'b';
        return n + 1;
    }
    buf[0] = 't';
    return otlp_bytes_hex(id, (char *)buf + 1, 33) + 1;
}

/* A hash of the span's (trace id, span id); 0 when it has neither. */
static uint64_t span_key(const struct otlp_span *s)
{
    if (!s->trace_id.p && !s->span_id.p)
        return 0;
    uint8_t buf[2 * 34];
    size_t n = id_bytes(&s->trace_id, buf);
    n += id_bytes(&s->span_id, buf + n);
    return hmap_hash(buf, n);
}

static void fill_usage(const struct map *m, const struct span_attrs *a,
                       const struct otlp_span *s, struct usage *u, char bufs[3][NAME_BUF])
{
    u->ts = (int64_t)(s->start_ns / 1000000000u);
    u->source = m->o->source;
    u->provider = a->str[A_PROVIDER].p ? cstr(a->str[A_PROVIDER], bufs[0])
                  : a->str[A_SYSTEM].p ? provider_name(a->str[A_SYSTEM], bufs[0])
                                       : "unknown";
    u->model = a->str[A_RESPONSE_MODEL].p ? cstr(a->str[A_RESPONSE_MODEL], bufs[1])
               : a->str[A_REQUEST_MODEL].p ? cstr(a->str[A_REQUEST_MODEL], bufs[1])
                                           : "unknown";
    const char *tenant = a->tenant_rank < m->o->ntenant_attrs
                             ? value_str(&a->tenant, bufs[2]) : NULL;
    u->tenant = tenant ? tenant : m->resource_tenant ? m->resource_tenant : "";
    u->requests = 1;
    u->per_request = true;
    u->input = a->has[A_INPUT] ? a->num[A_INPUT] : 0;
    u->output = a->has[A_OUTPUT] ? a->num[A_OUTPUT] : 0;
    u->cache_known = a->has[A_CACHE_READ];
    u->cache_read = a->has[A_CACHE_READ] ? a->num[A_CACHE_READ] : 0;
    u->cache_write_5m = a->has[A_CACHE_WRITE] ? a->num[A_CACHE_WRITE] : 0;
    u->reasoning_known = a->has[A_REASONING];
    u->reasoning = a->has[A_REASONING] ? a->num[A_REASONING] : 0;
    /* The conventions say input includes cached and cache-write tokens and
     * output includes reasoning. Some instrumentations report the uncached
     * part only; where the parts exceed the whole that is certain, and the
     * whole is rebuilt rather than priced as negative. */
    if (u->input < u->cache_read + u->cache_write_5m)
        u->input += u->cache_read + u->cache_write_5m;
    if (u->output < u->reasoning)
        u->output += u->reasoning;
    u->errors = s->status_code == 2; /* STATUS_CODE_ERROR */
    u->dedup_key = span_key(s);
}

static void on_span(void *ctx, const struct otlp_resource *res, const struct otlp_scope *scope,
                    const struct otlp_span *s)
{
    (void)res;
    (void)scope;
    struct map *m = ctx;
    m->r->spans++;
    if (m->o->signals && !(m->o->signals & OTLP_TRACES)) {
        m->r->ignored++; /* the source counts other signals only */
        return;
    }
    struct span_attrs a;
    read_attrs(m, s, &a);
    bool usage = a.has[A_INPUT] || a.has[A_OUTPUT];
    if (a.str[A_OPERATION].p ? !is_inference(a.str[A_OPERATION]) : !usage) {
        m->r->ignored++;
        return;
    }
    if (s->start_ns == 0) {
        reject(m->r, "span without a valid startTimeUnixNano");
        return;
    }
    struct usage u = {0};
    char bufs[3][NAME_BUF];
    fill_usage(m, &a, s, &u, bufs);
    if (m->sink->put(m->sink, &u))
        m->r->counted++;
    else
        m->r->duplicates++;
}

/* Log records and metric points: otlp_logs.c, otlp_metrics.c. */
static void on_log(void *ctx, const struct otlp_resource *res, const struct otlp_scope *scope,
                   const struct otlp_log *l)
{
    struct map *m = ctx;
    otlp_log_map(&m->emit, res, scope, l);
}

static void on_point(void *ctx, const struct otlp_resource *res, const struct otlp_scope *scope,
                     const struct otlp_metric *metric, const struct otlp_point *p)
{
    struct map *m = ctx;
    otlp_point_map(&m->emit, res, scope, metric, p);
}

static void on_invalid(void *ctx, enum otlp_signal sig, const char *why)
{
    struct map *m = ctx;
    if (sig == OTLP_TRACES)
        m->r->spans++;
    else if (sig == OTLP_LOGS)
        m->r->log_records++;
    else
        m->r->data_points++;
    reject(m->r, why);
}

int otlp_map_export(enum otlp_encoding enc, enum otlp_signal sig, const void *buf,
                    size_t len, const struct otlp_options *o, struct sink *sink,
                    struct otlp_result *r)
{
    memset(r, 0, sizeof *r);
    struct map m = {.o = o, .sink = sink, .r = r};
    for (size_t t = 0; t < o->ntenant_attrs && t < TENANT_LENS; t++)
        m.tenant_len[t] = strlen(o->tenant_attrs[t]);
    const struct otlp_visitor v = {
        .ctx = &m,
        .resource = on_resource,
        .span = on_span,
        .log = on_log,
        .point = on_point,
        .invalid = on_invalid,
    };
    /* without a source's state, one for this export alone */
    struct otlp_state *own = o->state ? NULL : otlp_state_new();
    m.emit = (struct otlp_emit){o, sink, r, o->state ? o->state : own, NULL};
    int rc = enc == OTLP_JSON ? otlp_json_visit(buf, len, &v, r->error, sizeof r->error)
                              : otlp_pb_visit(buf, len, sig, &v, r->error, sizeof r->error);
    if (rc == 0)
        otlp_export_end(&m.emit);
    else
        otlp_export_discard(&m.emit);
    otlp_state_free(own);
    return rc;
}
