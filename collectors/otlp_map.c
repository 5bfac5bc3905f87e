/* otlp_map.c - OTLP records -> usage records (see otlp_map.h). */
#include "collectors/otlp_map.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "collectors/otlp_families.h"
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
    struct otlp_span_attrs attrs;   /* what the families read of a span */
    /* The current resource's last traced claim (otlp_traced_key): the
     * spans of one resource and provider claim once, not each */
    struct {
        bool valid, ok;
        int64_t ts;
        char provider[NAME_BUF];
    } traced;
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
    m->traced.valid = false;
    for (size_t t = 0; t < m->o->ntenant_attrs && !m->resource_tenant; t++) {
        struct otlp_iter it;
        struct otlp_kv kv;
        otlp_iter_init(&it, &res->attrs);
        while (!m->resource_tenant && otlp_next_kv(&it, &kv))
            if (tenant_is(m, t, kv.key))
                m->resource_tenant = value_str(&kv.value, m->rtenant);
    }
}

/* Offer every attribute of a span to the families, and find its tenant:
 * the best-ranked configured tenant attribute, by configured order. True
 * when the span has one (then it is in *tenant). */
static bool read_attrs(struct map *m, const struct otlp_span *s, struct otlp_value *tenant)
{
    size_t n = m->o->ntenant_attrs, rank = n;
    otlp_span_attrs_begin(&m->attrs);
    struct otlp_iter it;
    struct otlp_kv kv;
    otlp_iter_init(&it, &s->attrs);
    while (otlp_next_kv(&it, &kv)) {
        otlp_span_attrs_take(&m->attrs, &kv);
        for (size_t t = 0; t < rank; t++) {
            if (tenant_is(m, t, kv.key)) {
                *tenant = kv.value;
                rank = t;
                break;
            }
        }
    }
    return rank < n;
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

/* The key its parent has as a span (so a child finds the parent it
 * names), or 0 for a root span. */
static uint64_t parent_key(const struct otlp_span *s)
{
    const struct otlp_bytes *p = &s->parent_span_id;
    bool set = false;
    for (size_t i = 0; p->p && i < p->n && !set; i++)
        set = p->form == OTLP_RAW ? p->p[i] != 0 : p->p[i] != '0';
    if (!set || !s->trace_id.p)
        return 0;
    uint8_t buf[2 * 34];
    size_t n = id_bytes(&s->trace_id, buf);
    n += id_bytes(p, buf + n);
    return hmap_hash(buf, n);
}

/* A hash of (trace id, the provider's response id), or 0 without one. Two
 * spans of one trace with the same response id tell of the same call; the
 * trace keeps a server that answers every call with one fixed id from
 * merging calls that have nothing to do with each other. */
static uint64_t answer_key(const struct otlp_span *s, struct otlp_str id)
{
    if (!id.p || !id.n || !s->trace_id.p)
        return 0;
    uint8_t buf[34 + 1 + 128];
    size_t n = id_bytes(&s->trace_id, buf);
    buf[n++] = 'r';
    size_t k = id.n < 128 ? id.n : 128;
    memcpy(buf + n, id.p, k);
    return hmap_hash(buf, n + k);
}

static void fill_usage(const struct map *m, const struct otlp_reading *rd,
                       const struct otlp_value *tenant_val, const struct otlp_span *s,
                       struct usage *u, char *tbuf)
{
    u->ts = (int64_t)(s->start_ns / 1000000000u);
    u->source = m->o->source;
    u->provider = rd->provider ? rd->provider : "unknown";
    u->model = rd->model ? rd->model : "unknown";
    const char *tenant = tenant_val ? value_str(tenant_val, tbuf) : NULL;
    u->tenant = tenant ? tenant : m->resource_tenant ? m->resource_tenant : "";
    u->requests = 1;
    u->per_request = true;
    u->service = usage_service_named(rd->service_tier.p, rd->service_tier.n);
    u->input = rd->input;
    u->cache_read = rd->cache_read;
    u->cache_write_5m = rd->cache_write_5m;
    u->cache_write_1h = rd->cache_write_1h;
    u->output = rd->output;
    u->reasoning = rd->reasoning;
    u->cache_known = rd->cache_known;
    u->reasoning_known = rd->reasoning_known;
    u->errors = s->status_code == 2; /* STATUS_CODE_ERROR */
    /* a failed call that reports no tokens used none (as the agent CLIs'
     * api_error events say): a request, not usage of unknown size */
    u->tokens_unknown = rd->tokens_unknown && !u->errors;
    u->dedup_key = span_key(s);
    u->parent_key = parent_key(s);
    u->call_key = answer_key(s, rd->response_id);
    u->completeness = rd->completeness;
}

/* Whether the usage of provider by the resource's service counts from
 * its spans (otlp_signals.h, otlp_traced_key). A claim made holds for the
 * rest of the export; it is made again only to say the emitter is still
 * seen, an hour on. */
static bool traced_claim(struct map *m, const struct otlp_resource *res, const char *provider,
                         int64_t ts)
{
    if (m->traced.valid && strcmp(m->traced.provider, provider) == 0 &&
        (!m->traced.ok || (ts >= m->traced.ts && ts < m->traced.ts + 3600)))
        return m->traced.ok;
    m->traced.ok = otlp_state_claim(m->emit.state, otlp_traced_key(res, provider),
                                    OTLP_TRACED_SPAN, ts);
    m->traced.ts = ts;
    m->traced.valid = true;
    snprintf(m->traced.provider, sizeof m->traced.provider, "%s", provider);
    return m->traced.ok;
}

/* A span: an inference call of some family is counted; wrappers and
 * other spans are ignored; an inference span that cannot be read is
 * rejected with the reason. */
static void on_span(void *ctx, const struct otlp_resource *res, const struct otlp_scope *scope,
                    const struct otlp_span *s)
{
    struct map *m = ctx;
    m->r->spans++;
    if (m->o->signals && !(m->o->signals & OTLP_TRACES)) {
        m->r->ignored++; /* the source counts other signals only */
        return;
    }
    struct otlp_value tenant;
    bool has_tenant = read_attrs(m, s, &tenant);
    struct otlp_reading rd;
    otlp_family_read(&m->attrs, scope, s, &rd);
    if (!rd.inference) {
        m->r->ignored++;
        return;
    }
    if (rd.why[0]) {
        reject(m->r, rd.why);
        return;
    }
    if (s->start_ns == 0) {
        reject(m->r, "span without a valid startTimeUnixNano");
        return;
    }
    struct usage u = {0};
    char tbuf[NAME_BUF];
    fill_usage(m, &rd, has_tenant ? &tenant : NULL, s, &u, tbuf);
    /* an agent CLI's call is also its log event and its metric points:
     * against the metrics, the kind its emitter reported first counts
     * (otlp_signals.h; the span claims as its events do), and a span and
     * the event of one call are one call to the sink (otlp_usage_call_key) */
    if (rd.family->emitter) {
        uint64_t em = otlp_emitter(rd.family->per_service ? NULL : &s->attrs, res);
        if (!otlp_claim_usage(m->emit.state, em, &s->attrs, res, rd.family->installation,
                              rd.family->emitter, u.ts)) {
            m->r->superseded++;
            return;
        }
        u.call_key = otlp_usage_call_key(em, &u, rd.response_id,
                                         s->end_ns ? s->end_ns : s->start_ns);
    } else if (!u.tokens_unknown && !traced_claim(m, res, u.provider, u.ts)) {
        m->r->superseded++; /* its service's GenAI metric counts this provider */
        return;
    }
    if (otlp_put(m->sink, m->r, &u))
        m->r->no_usage += u.tokens_unknown;
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
    otlp_state_signals(o->state ? o->state : own, o->signals);
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
