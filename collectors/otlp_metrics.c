/* otlp_metrics.c - token metrics -> usage records (see otlp_signals.h).
 *
 * A table of metric names: which attribute names the token type (or that
 * the name says it), what each type's count is, and who sends it. Points
 * become deltas (cumulative streams through the source's state), and the
 * deltas of one export that share time, provider, model and tenant are
 * summed into one record, put when the export is done. */
#include "collectors/otlp_signals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/otlp_families.h"
#include "lib/hmap.h"
#include "lib/xalloc.h"

struct token_type {
    const char *type;
    unsigned what;
};

struct metric_family {
    const char *name;             /* the metric's name */
    const char *type_attr;        /* the attribute naming the token type */
    const struct token_type *types;
    unsigned what;                /* without type_attr: what the value is */
    double scale;                 /* value x scale (0: 1) */
    const char *kind;             /* the emitter kind (otlp_state_claim) */
    const char *provider;         /* NULL: gen_ai.provider.name | gen_ai.system */
    const char *model_attrs[2];
    bool cache_known;             /* the family reports cache reads: a record
                                     with none read none */
    bool reasoning_known;         /* likewise reasoning */
    bool per_service;             /* one emitter per service, not per session
                                     (Codex: as its events, otlp_logs.c) */
    bool traced;                  /* its client's spans tell the same calls:
                                     otlp_traced_key (otlp_signals.h) */
    const char *installation;     /* a point naming no session is its
                                     installation's (otlp_installation) */
};

/* Claude Code: input is the uncached part, cache tokens beside it. */
static const struct token_type claude_types[] = {
    {"input", OTLP_INPUT},
    {"output", OTLP_OUTPUT},
    {"cacheRead", OTLP_CACHE_READ | OTLP_TO_INPUT},
    {"cacheCreation", OTLP_CACHE_WRITE | OTLP_TO_INPUT},
    {NULL, 0},
};
/* Codex CLI: OpenAI's semantics (input includes cached, output reasoning);
 * "total" is the sum of the others and is not read. cache_write_input is
 * its events' cache_write_token_count (0.171 sends both). */
static const struct token_type codex_types[] = {
    {"input", OTLP_INPUT},
    {"cached_input", OTLP_CACHE_READ},
    {"cache_write_input", OTLP_CACHE_WRITE},
    {"output", OTLP_OUTPUT},
    {"reasoning_output", OTLP_REASONING},
    {NULL, 0},
};
/* Gemini CLI: as its api_response event (otlp_logs.c). */
static const struct token_type gemini_types[] = {
    {"input", OTLP_INPUT},
    {"output", OTLP_OUTPUT},
    {"thought", OTLP_REASONING | OTLP_TO_OUTPUT},
    {"cache", OTLP_CACHE_READ},
    {"tool", OTLP_INPUT},
    {NULL, 0},
};
/* The GenAI conventions' histogram: input and output only. */
static const struct token_type genai_types[] = {
    {"input", OTLP_INPUT},
    {"output", OTLP_OUTPUT},
    {NULL, 0},
};

#define CODEX(n, w) {"codex.turn.token_usage." n, NULL, NULL, w, 0, "metric:codex", "openai", \
                     {"model"}, true, true, true, false, NULL}

static const struct metric_family families[] = {
    {"claude_code.token.usage", "type", claude_types, 0, 0, "metric:claude_code",
     "anthropic", {"model"}, true, false, false, false, "user.id"},
    {"claude_code.cost.usage", NULL, NULL, OTLP_COST, 0, "metric:claude_code",
     "anthropic", {"model"}, true, false, false, false, "user.id"},
    {"codex.turn.token_usage", "token_type", codex_types, 0, 0, "metric:codex", "openai",
     {"model"}, true, true, true, false, NULL},
    /* newer Codex builds: one metric per token type (non_cached_input and
     * total are derived from the others and are not read) */
    CODEX("input_tokens", OTLP_INPUT),
    CODEX("cached_input_tokens", OTLP_CACHE_READ),
    CODEX("cache_write_input_tokens", OTLP_CACHE_WRITE),
    CODEX("output_tokens", OTLP_OUTPUT),
    CODEX("reasoning_output_tokens", OTLP_REASONING),
    {"codex.turn.cost_microusd", NULL, NULL, OTLP_COST, 1e-6, "metric:codex", "openai",
     {"model"}, true, true, true, false, NULL},
    {"gemini_cli.token.usage", "type", gemini_types, 0, 0, "metric:gemini_cli", "gcp.gemini",
     {"model"}, true, true, false, false, NULL},
    {"gen_ai.client.token.usage", "gen_ai.token.type", genai_types, 0, 0, "metric:gen_ai",
     NULL, {"gen_ai.response.model", "gen_ai.request.model"}, false, false, false, true, NULL},
};

static const struct metric_family *find_family(struct otlp_str name)
{
    for (size_t i = 0; i < sizeof families / sizeof *families; i++)
        if (otlp_str_eq(name, families[i].name))
            return &families[i];
    return NULL;
}

/* What the point's count is (0: a type not read). */
static unsigned point_what(const struct metric_family *f, const struct otlp_point *p)
{
    if (!f->type_attr)
        return f->what;
    struct otlp_value v;
    if (!otlp_attr_find(&p->attrs, f->type_attr, &v) || v.type != OTLP_STRING)
        return 0;
    for (const struct token_type *t = f->types; t->type; t++)
        if (otlp_str_eq(v.u.s, t->type))
            return t->what;
    return 0;
}

/* ---- the records of one export ------------------------------------------------- */

struct batch_rec {
    struct usage u;
    const struct metric_family *f;
    uint64_t emitter;
    uint64_t traced;              /* otlp_traced_key, or 0 */
    uint64_t service;             /* a point naming no session nor
                                     installation: its service's
                                     installations (otlp_installation), or 0 */
    size_t points;
    char provider[OTLP_NAME_BUF], model[OTLP_NAME_BUF], tenant[OTLP_NAME_BUF];
};

struct otlp_batch {
    struct hmap index;            /* record key -> struct batch_rec */
    struct batch_rec **recs;      /* in the order first seen */
    size_t n, cap;
};

static void batch_free(struct otlp_batch *b)
{
    if (!b)
        return;
    hmap_free(&b->index, NULL);
    for (size_t i = 0; i < b->n; i++)
        free(b->recs[i]);
    free(b->recs);
    free(b);
}

/* The record for (f's kind, emitter, ts, provider, model, tenant), made if
 * new: a kind's families (tokens, cost) add into one record. */
static struct batch_rec *batch_rec(struct otlp_emit *e, const struct metric_family *f,
                                   uint64_t emitter, int64_t ts, const char *provider,
                                   const char *model, const char *tenant)
{
    if (!e->batch)
        e->batch = xcalloc(1, sizeof *e->batch);
    struct otlp_batch *b = e->batch;
    char key[3 * OTLP_NAME_BUF + 64];
    int n = snprintf(key, sizeof key, "%s%c%016llx%c%lld%c%s%c%s%c%s", f->kind, 0,
                     (unsigned long long)emitter, 0, (long long)ts, 0, provider, 0, model, 0,
                     tenant);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof key ? (size_t)n : sizeof key - 1;
    void **slot = hmap_put(&b->index, key, len);
    struct batch_rec *r = *slot;
    if (r)
        return r;
    r = xcalloc(1, sizeof *r);
    snprintf(r->provider, sizeof r->provider, "%s", provider);
    snprintf(r->model, sizeof r->model, "%s", model);
    snprintf(r->tenant, sizeof r->tenant, "%s", tenant);
    r->f = f;
    r->emitter = emitter;
    r->u.ts = ts;
    r->u.source = e->o->source;
    r->u.provider = r->provider;
    r->u.model = r->model;
    r->u.tenant = r->tenant;
    r->u.requests_unknown = true;
    r->u.cache_known = f->cache_known;
    r->u.reasoning_known = f->reasoning_known;
    xgrow(&b->recs, &b->cap, b->n + 1, sizeof *b->recs);
    b->recs[b->n++] = r;
    *slot = r;
    return r;
}

/* ---- deltas ------------------------------------------------------------------------ */

/* The point's value: a sum's number, a histogram's sum. -1 if it has none
 * that can be counted (with why). */
static int point_value(const struct otlp_metric *m, const struct otlp_point *p, double *v,
                       const char **why)
{
    if (m->type == OTLP_HISTOGRAM) {
        if (!p->has_sum && p->count > 0) {
            *why = "a token histogram point without a sum";
            return -1;
        }
        *v = p->has_sum ? p->sum : 0;
    } else if (p->number == OTLP_NUMBER_INT) {
        *v = (double)p->as_int;
    } else if (p->number == OTLP_NUMBER_DOUBLE) {
        *v = p->as_double;
    } else {
        *why = "a token sum point without a value";
        return -1;
    }
    if (!isfinite(*v) || *v < 0 || *v > (double)USAGE_COUNT_MAX) {
        *why = "a token metric point with a negative, non-finite or impossible "
               "(above 10^12) value";
        return -1;
    }
    return 0;
}

/* The stream a cumulative point belongs to. */
static uint64_t stream_key(const struct otlp_resource *res, const struct otlp_scope *scope,
                           const struct otlp_metric *m, const struct otlp_point *p)
{
    uint64_t h = otlp_hash_attrs(OTLP_HASH0, &res->attrs);
    h = otlp_hash(h, scope->name.p, scope->name.n);
    h = otlp_hash(h, "\0", 1);
    h = otlp_hash(h, scope->version.p, scope->version.n);
    h = otlp_hash(h, "\0", 1);
    h = otlp_hash(h, m->name.p, m->name.n);
    return otlp_hash_attrs(h, &p->attrs);
}

/* The amount a cumulative point adds to its stream (see otlp_signals.h),
 * and the stream moved on to it. */
static double cumulative_delta(struct otlp_state *st, uint64_t key, const struct otlp_point *p,
                               double v)
{
    struct otlp_stream *s = otlp_state_stream(st, key);
    struct otlp_stream now = {p->start_ns, p->time_ns, v, p->count};
    double delta;
    if (!s)
        delta = v;              /* first seen: the usage since its start */
    else if (p->time_ns <= s->time_ns)
        return 0;               /* not newer: a retry, or a late point of an
                                   export sent again (a lower value there is
                                   the past, not a reset) */
    else if (p->start_ns != s->start_ns || v < s->value || p->count < s->count)
        delta = v;              /* restarted: the usage since the new start */
    else
        delta = v - s->value;
    otlp_state_set_stream(st, key, &now);
    return delta;
}

static void reject(struct otlp_result *r, const char *why)
{
    r->rejected++;
    if (!r->error[0])
        snprintf(r->error, sizeof r->error, "%s", why);
}

/* Which family a point is of, or NULL if it is not usage. */
static const struct metric_family *usage_family(const struct otlp_emit *e,
                                                const struct otlp_metric *m,
                                                const struct otlp_point *p, unsigned *what)
{
    if (e->o->signals && !(e->o->signals & OTLP_METRICS))
        return NULL;
    const struct metric_family *f = find_family(m->name);
    if (!f || (p->flags & 1)) /* 1: no recorded value */
        return NULL;
    if (!(m->type == OTLP_HISTOGRAM || (m->type == OTLP_SUM && m->monotonic)))
        return NULL;
    *what = point_what(f, p);
    return *what ? f : NULL;
}

/* The provider of point p of family f (NULL: it names none), named as
 * spans name it ("openai.chat" -> "openai"), or one provider's tokens
 * would be two providers by signal, and its usage source would not know
 * these as its own. pbuf and nbuf (OTLP_NAME_BUF each) may hold it. */
static const char *point_provider(const struct metric_family *f, const struct otlp_point *p,
                                  const struct otlp_resource *res, char *pbuf, char *nbuf)
{
    if (f->provider)
        return f->provider;
    const char *provider = otlp_attr_str(&p->attrs, res, "gen_ai.provider.name", pbuf);
    if (!provider)
        provider = otlp_attr_str(&p->attrs, res, "gen_ai.system", pbuf);
    return provider ? otlp_provider_name(provider, strlen(provider), nbuf, OTLP_NAME_BUF)
                    : NULL;
}

void otlp_point_map(struct otlp_emit *e, const struct otlp_resource *res,
                    const struct otlp_scope *scope, const struct otlp_metric *m,
                    const struct otlp_point *p)
{
    struct otlp_result *r = e->r;
    r->data_points++;
    unsigned what;
    const struct metric_family *f = usage_family(e, m, p, &what);
    if (!f) {
        r->ignored++;
        return;
    }
    double v = 0;
    const char *why = NULL;
    if (point_value(m, p, &v, &why) != 0 ||
        (p->time_ns == 0 && (why = "a token metric point without a time")) ||
        (m->temporality != OTLP_DELTA && m->temporality != OTLP_CUMULATIVE &&
         (why = "a token metric without an aggregation temporality"))) {
        reject(r, why);
        return;
    }
    uint64_t key = stream_key(res, scope, m, p);
    double delta = m->temporality == OTLP_DELTA ? v : cumulative_delta(e->state, key, p, v);
    if (delta <= 0) {
        r->ignored++;
        return;
    }
    int64_t ts = (int64_t)(p->time_ns / 1000000000u);
    char pbuf[OTLP_NAME_BUF], nbuf[OTLP_NAME_BUF], mbuf[OTLP_NAME_BUF], tbuf[OTLP_NAME_BUF];
    const char *provider = point_provider(f, p, res, pbuf, nbuf);
    const char *model = NULL;
    for (size_t i = 0; i < 2 && f->model_attrs[i] && !model; i++)
        model = otlp_attr_str(&p->attrs, res, f->model_attrs[i], mbuf);
    uint64_t emitter = otlp_emitter(f->per_service ? NULL : &p->attrs, res), service = 0;
    uint64_t inst = f->installation
                        ? otlp_installation(&p->attrs, res, f->installation, &service) : 0;
    if (inst && inst != service) {
        emitter = inst; /* no session, but an installation: its events' */
        service = 0;
    }
    struct batch_rec *rec = batch_rec(e, f, emitter, ts, provider ? provider : "unknown",
                                      model ? model : "unknown",
                                      otlp_tenant(e->o, &p->attrs, res, tbuf));
    if (f->traced && !rec->traced)
        rec->traced = otlp_traced_key(res, rec->provider);
    rec->service = service;
    if (what & OTLP_COST) {
        rec->u.has_reported = true;
        rec->u.reported_usd += delta * (f->scale ? f->scale : 1);
    } else {
        otlp_usage_apply(&rec->u, what, llround(delta));
    }
    /* the same points again (a retried export) make the same key */
    uint64_t pk = otlp_hash(key, &p->time_ns, sizeof p->time_ns);
    rec->u.dedup_key += otlp_hash(pk, &v, sizeof v) | 1;
    rec->points++;
}

/* Each record, if its emitter's usage is counted from its family: the
 * families claim in the table's order, so where one export holds two
 * families of one emitter (Gemini CLI: its own token metric and the GenAI
 * one) the more detailed wins, whatever the order of the points. */
void otlp_export_end(struct otlp_emit *e)
{
    struct otlp_batch *b = e->batch;
    for (size_t k = 0; b && k < sizeof families / sizeof *families; k++) {
        for (size_t i = 0; i < b->n; i++) {
            struct batch_rec *rec = b->recs[i];
            if (rec->f != &families[k])
                continue;
            if (!otlp_state_claim(e->state, rec->emitter, rec->f->kind, rec->u.ts) ||
                (rec->service &&
                 !otlp_state_claim(e->state, rec->service, rec->f->kind, rec->u.ts)) ||
                (rec->traced &&
                 !otlp_state_claim(e->state, rec->traced, OTLP_TRACED_METRIC, rec->u.ts)))
                e->r->superseded += rec->points;
            else
                otlp_put(e->sink, e->r, &rec->u);
        }
    }
    batch_free(b);
    e->batch = NULL;
    otlp_state_commit(e->state, e->sink, e->o->source);
}

void otlp_export_discard(struct otlp_emit *e)
{
    batch_free(e->batch);
    e->batch = NULL;
}
