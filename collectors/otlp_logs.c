/* otlp_logs.c - agent CLIs' per-request log events -> usage records (see
 * otlp_signals.h). One row per event: how to recognise it, which
 * attributes carry which tokens, and how they overlap (facts:
 * shared/reference/genai-telemetry-in-the-wild.md §3). */
#include "collectors/otlp_signals.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* An event's own field flag beside otlp_signals.h's: of the cache writes
 * (OTLP_CACHE_WRITE, counted as 5-minute ones), this many were 1-hour
 * writes, which cost more (2x input vs 1.25x). */
#define EVENT_WRITE_1H (1u << 15)

struct event_field {
    const char *attr;
    unsigned what;
};

struct event_kind {
    const char *kind;           /* the emitter kind (otlp_state_claim) */
    const char *names[3];       /* event names: event_name, event.name or body */
    const char *match, *value;  /* and this attribute has this value */
    const char *provider;
    bool error;                 /* a failed request: no tokens */
    bool per_service;           /* one emitter per service, not per session */
    bool traced;                /* the CLI's spans tell of the same calls:
                                   otlp_usage_call_key (otlp_signals.h) */
    const char *request_id;     /* the attribute naming the provider's
                                   request id, read for the call key */
    const char *installation;   /* the attribute naming the installation,
                                   for its metrics that name no session
                                   (otlp_claim_usage) */
    struct event_field fields[6];
};

static const struct event_kind events[] = {
    /* Claude Code: input_tokens is the uncached input; cache reads and
     * creation are reported beside it, and of the creation the 1-hour
     * part (2.1.x: also cache_creation_5m_tokens, the rest). No reasoning
     * count. */
    {"log:claude_code", {"api_request", "claude_code.api_request"}, NULL, NULL,
     "anthropic", false, false, true, "request_id", "user.id",
     {{"input_tokens", OTLP_INPUT},
      {"cache_read_tokens", OTLP_CACHE_READ | OTLP_TO_INPUT},
      {"cache_creation_tokens", OTLP_CACHE_WRITE | OTLP_TO_INPUT},
      {"cache_creation_1h_tokens", EVENT_WRITE_1H},
      {"output_tokens", OTLP_OUTPUT},
      {"cost_usd", OTLP_COST}}},
    /* one per request that failed, when the CLI gives up retrying (its
     * attempt is the last one's); traced: the request's llm_request span
     * ends with an error status, naming the same request_id */
    {"log:claude_code", {"api_error", "claude_code.api_error"}, NULL, NULL,
     "anthropic", true, false, true, "request_id", "user.id", {{NULL, 0}}},
    /* Codex CLI: OpenAI's semantics - input includes the cached tokens,
     * output includes reasoning. The same event over SSE or websocket.
     * Its token metrics carry no conversation.id (0.171 sends none, on
     * the points or the resource): they cannot be matched to a session,
     * so its events are one emitter per service too, or every token would
     * count twice (the events per conversation, the metrics per service). */
    {"log:codex", {"codex.sse_event", "codex.websocket_event"}, "event.kind",
     "response.completed", "openai", false, true, true, NULL, NULL,
     {{"input_token_count", OTLP_INPUT},
      {"cached_token_count", OTLP_CACHE_READ},
      {"cache_write_token_count", OTLP_CACHE_WRITE},
      {"output_token_count", OTLP_OUTPUT},
      {"reasoning_token_count", OTLP_REASONING}}},
    /* Gemini CLI: the prompt count includes cached content; thoughts are
     * not in the candidates' count, tool-use prompt tokens not in the
     * prompt's. */
    {"log:gemini_cli", {"gemini_cli.api_response"}, NULL, NULL, "gcp.gemini", false, false, false, NULL, NULL,
     {{"input_token_count", OTLP_INPUT},
      {"cached_content_token_count", OTLP_CACHE_READ},
      {"tool_token_count", OTLP_INPUT},
      {"output_token_count", OTLP_OUTPUT},
      {"thoughts_token_count", OTLP_REASONING | OTLP_TO_OUTPUT}}},
    {"log:gemini_cli", {"gemini_cli.api_error"}, NULL, NULL, "gcp.gemini", true, false, false,
     NULL, NULL, {{NULL, 0}}},
};

/* The record's event name: its event_name field, else its event.name
 * attribute, else a string body. */
static struct otlp_str event_name(const struct otlp_log *l, struct otlp_str *attr_name)
{
    struct otlp_value v;
    attr_name->p = NULL;
    attr_name->n = 0;
    if (otlp_attr_find(&l->attrs, "event.name", &v) && v.type == OTLP_STRING)
        *attr_name = v.u.s;
    if (l->event_name.p)
        return l->event_name;
    if (attr_name->p)
        return *attr_name;
    if (l->body.type == OTLP_STRING)
        return l->body.u.s;
    return (struct otlp_str){NULL, 0};
}

static const struct event_kind *find_kind(const struct otlp_log *l)
{
    struct otlp_str attr;
    struct otlp_str name = event_name(l, &attr);
    if (!name.p)
        return NULL;
    for (size_t i = 0; i < sizeof events / sizeof *events; i++) {
        const struct event_kind *k = &events[i];
        bool named = false;
        for (size_t j = 0; j < 3 && k->names[j] && !named; j++)
            named = otlp_str_eq(name, k->names[j]) ||
                    (attr.p && otlp_str_eq(attr, k->names[j]));
        if (!named)
            continue;
        struct otlp_value v;
        if (k->match && !(otlp_attr_find(&l->attrs, k->match, &v) && v.type == OTLP_STRING &&
                          otlp_str_eq(v.u.s, k->value)))
            continue;
        return k;
    }
    return NULL;
}

/* The token fields of k from l into u. 1 if any was there, 0 if none, -1
 * (with why) if one was not a count. */
static int read_fields(const struct event_kind *k, const struct otlp_log *l,
                       struct usage *u, char *why, size_t whylen)
{
    int found = 0;
    int64_t w1h = 0;
    for (size_t i = 0; i < 6 && k->fields[i].attr; i++) {
        const struct event_field *f = &k->fields[i];
        struct otlp_value v;
        if (!otlp_attr_find(&l->attrs, f->attr, &v))
            continue;
        if (f->what == OTLP_COST) {
            double usd;
            if (otlp_value_amount(&v, &usd)) {
                u->has_reported = true;
                u->reported_usd = usd;
            }
            continue; /* a cost we cannot read is not a reason to drop tokens */
        }
        int64_t n;
        if (!otlp_value_count(&v, &n)) {
            snprintf(why, whylen, "%s: %s is not a token count", k->names[0], f->attr);
            return -1;
        }
        if (f->what == EVENT_WRITE_1H)
            w1h = n;
        else
            otlp_usage_apply(u, f->what, n);
        found = 1;
    }
    /* the 1-hour writes are a part of all writes, moved to their class */
    if (w1h > u->cache_write_5m) {
        snprintf(why, whylen,
                 "%s: 1-hour cache writes (%" PRId64 ") exceed all cache writes (%" PRId64 ")",
                 k->names[0], w1h, u->cache_write_5m);
        return -1;
    }
    u->cache_write_5m -= w1h;
    u->cache_write_1h += w1h;
    return found;
}

static void reject(struct otlp_result *r, const char *why)
{
    r->rejected++;
    if (!r->error[0])
        snprintf(r->error, sizeof r->error, "%s", why);
}

/* A failed request event: Gemini's api_response with an HTTP error too. */
static bool failed(const struct event_kind *k, const struct otlp_log *l)
{
    struct otlp_value v;
    int64_t status;
    if (k->error)
        return true;
    return otlp_attr_find(&l->attrs, "status_code", &v) && otlp_value_count(&v, &status) &&
           status >= 400;
}

/* Identifies a record across retries: its time and every attribute. */
static uint64_t record_key(const struct otlp_resource *res, const struct otlp_log *l)
{
    uint64_t h = otlp_hash(OTLP_HASH0, "log", 3);
    h = otlp_hash(h, &l->time_ns, sizeof l->time_ns);
    h = otlp_hash_attrs(h, &res->attrs);
    h = otlp_hash_attrs(h, &l->attrs);
    return h ? h : 1;
}

void otlp_log_map(struct otlp_emit *e, const struct otlp_resource *res,
                  const struct otlp_scope *scope, const struct otlp_log *l)
{
    (void)scope;
    struct otlp_result *r = e->r;
    r->log_records++;
    const struct event_kind *k = find_kind(l);
    if (!k || (e->o->signals && !(e->o->signals & OTLP_LOGS))) {
        r->ignored++;
        return;
    }
    struct usage u = {0};
    char why[160];
    int got = k->error ? 0 : read_fields(k, l, &u, why, sizeof why);
    if (got < 0) {
        reject(r, why);
        return;
    }
    if (got == 0 && !k->error) {
        r->ignored++; /* e.g. Codex's response.completed that failed */
        return;
    }
    uint64_t t = l->time_ns ? l->time_ns : l->observed_ns;
    if (t == 0) {
        reject(r, "a usage event without a time");
        return;
    }
    u.ts = (int64_t)(t / 1000000000u);
    uint64_t emitter = otlp_emitter(k->per_service ? NULL : &l->attrs, res);
    if (!otlp_claim_usage(e->state, emitter, &l->attrs, res, k->installation, k->kind, u.ts)) {
        r->superseded++;
        return;
    }
    char mbuf[OTLP_NAME_BUF], tbuf[OTLP_NAME_BUF];
    const char *model = otlp_attr_str(&l->attrs, res, "model", mbuf);
    u.source = e->o->source;
    u.provider = k->provider;
    u.model = model ? model : "unknown";
    u.tenant = otlp_tenant(e->o, &l->attrs, res, tbuf);
    u.requests = 1;
    u.errors = failed(k, l);
    u.per_request = true;
    u.dedup_key = record_key(res, l);
    if (k->traced) {
        struct otlp_value id = {0};
        struct otlp_str rid = {NULL, 0};
        if (k->request_id && otlp_attr_find(&l->attrs, k->request_id, &id) &&
            id.type == OTLP_STRING)
            rid = id.u.s;
        u.call_key = otlp_usage_call_key(emitter, &u, rid, t);
        u.completeness = OTLP_EVENT_COMPLETENESS;
    }
    otlp_put(e->sink, r, &u);
}
