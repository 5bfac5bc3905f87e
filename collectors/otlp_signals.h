/* otlp_signals.h - OTLP log events and metric points -> usage records.
 *
 * The agent CLIs that engineering organisations watch (Claude Code, Codex
 * CLI, Gemini CLI) report their token usage as log events (one per API
 * request) and as token metrics, not as spans; the GenAI conventions add a
 * token-usage histogram any instrumented client may send. What each sends,
 * and how its token counts overlap, is in shared/reference/
 * genai-telemetry-in-the-wild.md §3; here it is two tables: log events
 * (otlp_logs.c) and metrics (otlp_metrics.c). A new sender is a row.
 *
 * Log events: one usage record per request event, requests = 1, the
 * sender's own cost figure (Claude Code's cost_usd) as a reported amount.
 * Tenant: the first configured tenant attribute on the record, else on its
 * resource. Token counts are accepted as intValue, integral doubleValue or
 * a stringValue of digits (Codex CLI formats its counts as text); any
 * other value for a count rejects that record, never counts it as 0.
 *
 * Metrics: monotonic Sums and Histograms (their sum) of the names in the
 * table. DELTA points count as they are; CUMULATIVE points become deltas
 * per stream (resource + scope + metric name + point attributes): the
 * first point of a stream counts whole (it is the usage since its start
 * time), a point not newer than the last adds nothing (a retry, or a late
 * point: lower than the last, it is the past, not a reset), and of a newer
 * one a new start time or a value below the last is a reset (the new
 * value is the delta). The
 * points of one export that share time, provider, model and tenant become
 * one record (a token type is one point: apart, their cache hit rate and
 * uncached input would be wrong). Requests are unknown (requests_unknown).
 *
 * One sender, one count: an emitter is (resource service.name, session id
 * - session.id or conversation.id, record attributes then resource). The
 * first kind of usage an emitter reports (its log events, or one metric
 * family) is the one counted for it; the others are `superseded`. Claude
 * Code exports logs every 5 s and metrics every 60 s, so its events win
 * in practice; a source's `signals` option can turn a signal off. Codex
 * CLI's metrics name no session (0.171; earlier ones did), so its events
 * and metrics are one emitter per service (otlp_logs.c, otlp_metrics.c),
 * or each token would count twice. Claude Code's metrics that name no
 * session are matched to its installation (user.id) instead, or naming
 * none to its service (otlp_installation, otlp_claim_usage), for the same
 * reason. An agent CLI's spans of its calls
 * (Claude Code's beta spans, Codex's handle_responses: otlp_families.c)
 * claim as its events do, and a span and its event are one call to the
 * sink (otlp_usage_call_key).
 *
 * State: what a source remembers between exports (the last point of each
 * cumulative stream, the chosen kind of each emitter) lives in a struct
 * otlp_state, kept in the source's cursors (sink->cursor), so it commits
 * in the same transaction as the records it produced: a restart neither
 * loses nor double counts. Entries not seen for the retention are dropped
 * when the state is loaded.
 */
#ifndef SPENDTOP_OTLP_SIGNALS_H
#define SPENDTOP_OTLP_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collectors/otlp.h"
#include "collectors/otlp_map.h"
#include "core/usage.h"
#include "lib/settings.h"

/* ---- what a source remembers ------------------------------------------------- */

struct otlp_state;

struct otlp_state *otlp_state_new(void);
void otlp_state_free(struct otlp_state *st);
/* Read source's saved state from sink's cursors, forgetting (and staging
 * the removal of) entries last seen before now - retention. 0, or -1 with
 * the reason in err (the sink's cursor_each: do not start the source). */
int otlp_state_load(struct otlp_state *st, struct sink *sink, const char *source,
                    int64_t now, int64_t retention, char *err, size_t errlen);
/* Cumulative streams and emitters remembered. */
size_t otlp_state_streams(const struct otlp_state *st);
size_t otlp_state_emitters(const struct otlp_state *st);

/* A cumulative stream's last point. */
struct otlp_stream {
    uint64_t start_ns, time_ns;
    double value;            /* sum (histograms) or value (sums) */
    uint64_t count;          /* histograms: the number of recordings */
};
/* The stream with this key, or NULL. */
struct otlp_stream *otlp_state_stream(struct otlp_state *st, uint64_t key);
/* Remember s for key (staged by otlp_state_commit). */
void otlp_state_set_stream(struct otlp_state *st, uint64_t key, const struct otlp_stream *s);

/* Whether the emitter's usage may be counted as kind (a short stable name
 * such as "log:claude_code"): true if it is the emitter's kind or the
 * emitter had none (kind becomes its kind), or if its kind can no longer
 * count with the source's signals (otlp_state_signals: a "metric:" kind
 * with metrics off, "span" with traces off, "log:" with logs and traces
 * off - Claude Code's and Codex's spans claim as their events): then kind
 * becomes its kind, so that a source whose `signals` were changed counts
 * the signals left at once, not after the old choice expires. seen is
 * unix seconds. */
bool otlp_state_claim(struct otlp_state *st, uint64_t emitter, const char *kind, int64_t seen);
/* The source's signals (enum otlp_signal bits; 0: all), for
 * otlp_state_claim. */
void otlp_state_signals(struct otlp_state *st, unsigned signals);

/* Stage every change since the last commit as cursors of source (sink may
 * be NULL or have no cursor: nothing is staged). A loaded state also drops
 * what it has not seen for the retention, at most once an hour, so a
 * daemon's memory holds the sessions of the retention, not of its life. */
void otlp_state_commit(struct otlp_state *st, struct sink *sink, const char *source);
/* Drop entries last seen before cutoff now, staging their removal (with
 * the next commit); nothing while changes are waiting to be staged. */
void otlp_state_prune(struct otlp_state *st, int64_t cutoff);

/* The names a source's `signals` option takes, NULL-terminated:
 * "traces", "logs", "metrics". */
extern const char *const otlp_signal_names[];
/* The enum otlp_signal bits of n such names (unknown names add nothing);
 * 0 (all signals) for none. */
unsigned otlp_signals_mask(char *const *names, size_t n);
/* The `signals` key of an OTLP source's key table (a SETTING_INCLUDE row):
 * it lands in a struct otlp_signal_set; all three by default. */
struct otlp_signal_set {
    char **names;
    size_t n;
};
extern const struct setting otlp_signal_keys[];

/* ---- the mappings (called by otlp_map.c for each record) ---------------------- */

struct otlp_batch;

/* What a mapping needs: the options, where records go, the counts. */
struct otlp_emit {
    const struct otlp_options *o;
    struct sink *sink;
    struct otlp_result *r;
    struct otlp_state *state;     /* o->state, or one for this export only */
    struct otlp_batch *batch;     /* metric records, put by otlp_export_end */
};

/* One log record: a usage event becomes a record. */
void otlp_log_map(struct otlp_emit *e, const struct otlp_resource *res,
                  const struct otlp_scope *scope, const struct otlp_log *l);
/* One metric data point: a token point becomes (part of) a record. */
void otlp_point_map(struct otlp_emit *e, const struct otlp_resource *res,
                    const struct otlp_scope *scope, const struct otlp_metric *m,
                    const struct otlp_point *p);
/* The export is decoded: put its metric records, stage the state's
 * changes (of log events too) as cursors. */
void otlp_export_end(struct otlp_emit *e);
/* Drop what otlp_point_map gathered (an export that was refused). */
void otlp_export_discard(struct otlp_emit *e);

/* ---- helpers the mappings share -------------------------------------------------- */

/* What a reported count is. The usage record's input and output are
 * wholes (DESIGN.md §3); a sender that reports a part beside the whole
 * (Claude Code's cache tokens beside its uncached input, Gemini's thoughts
 * beside its candidates) has it added to the whole too (OTLP_TO_*). */
enum {
    OTLP_INPUT = 1 << 0,         /* input += n */
    OTLP_CACHE_READ = 1 << 1,    /* cache_read += n (and known) */
    OTLP_CACHE_WRITE = 1 << 2,   /* cache_write_5m += n */
    OTLP_OUTPUT = 1 << 3,        /* output += n */
    OTLP_REASONING = 1 << 4,     /* reasoning += n (and known) */
    OTLP_TO_INPUT = 1 << 5,      /* and input += n */
    OTLP_TO_OUTPUT = 1 << 6,     /* and output += n */
    OTLP_COST = 1 << 7,          /* the sender's own cost (reported_usd) */
};
/* Add count n, meaning what, to u. */
void otlp_usage_apply(struct usage *u, unsigned what, int64_t n);

/* Put u into sink and count it in r: counted, a duplicate (0), or
 * rejected with the reason (the sink refused it: usage_refusal). Returns
 * true if counted. */
bool otlp_put(struct sink *sink, struct otlp_result *r, const struct usage *u);

/* A token count: a non-negative intValue, an integral doubleValue, or a
 * stringValue that is all digits, at most USAGE_COUNT_MAX (usage.h).
 * False for anything else. */
bool otlp_value_count(const struct otlp_value *v, int64_t *out);
/* A non-negative finite amount: intValue, doubleValue or a decimal
 * stringValue. */
bool otlp_value_amount(const struct otlp_value *v, double *out);
/* The value of attribute key in list (the first), or false. */
bool otlp_attr_find(const struct otlp_list *list, const char *key, struct otlp_value *out);
/* The first configured tenant attribute in attrs, else in the resource,
 * as a string into buf (NAME_BUF bytes); "" if none. */
#define OTLP_NAME_BUF (USAGE_NAME_MAX + 2)
const char *otlp_tenant(const struct otlp_options *o, const struct otlp_list *attrs,
                        const struct otlp_resource *res, char *buf);
/* A string attribute (record attributes, then resource) into buf, or NULL. */
const char *otlp_attr_str(const struct otlp_list *attrs, const struct otlp_resource *res,
                          const char *key, char *buf);
/* The emitter of a record (see above). */
uint64_t otlp_emitter(const struct otlp_list *attrs, const struct otlp_resource *res);

/* Claude Code's metrics may name no session (OTEL_METRICS_INCLUDE_SESSION_ID
 * =false; 2.1.332 then drops session.id from its events too, but a
 * collector that keeps metrics small may drop it from the metrics alone)
 * and then cannot be matched to a session's events. They are matched to
 * the installation that sent them instead: the attribute installation
 * names (Claude Code's user.id, on every event, span and metric point it
 * sends; record attributes, then resource) within the service; a point
 * naming neither is matched to the service's installations together.
 * Returns 0 for a record that names a session (its emitter, otlp_emitter,
 * is what counts), else the installation's key (or the service's), the
 * service's into *service. */
uint64_t otlp_installation(const struct otlp_list *attrs, const struct otlp_resource *res,
                           const char *installation, uint64_t *service);
/* Whether a usage event's or a span's usage may be counted as kind (see
 * otlp_state_claim): its emitter (otlp_emitter) is claimed, and with an
 * installation attribute also its installation and its service
 * (otlp_installation), so that the metrics of the installation - or,
 * naming none, of the service - that name no session are superseded once
 * its events counted, and its events once those metrics counted. */
bool otlp_claim_usage(struct otlp_state *st, uint64_t emitter, const struct otlp_list *attrs,
                      const struct otlp_resource *res, const char *installation,
                      const char *kind, int64_t ts);

/* An agent CLI that traces its calls too (Claude Code's beta spans, Codex's
 * handle_responses) reports each call as a span and as an event, and the
 * two share no id (Codex's events carry no trace context; Claude Code's
 * name the turn's span, which every call of the turn shares). They are
 * one call when one emitter reports the same usage as the call ends: this
 * call key (for usage.call_key; 0 for usage with no token counts, which
 * could not tell two calls apart) is what both give - the emitter, the
 * input, cache reads, cache writes and output, and the second in which
 * the call ended (end_ns: the span's end, the event's time; the two are
 * milliseconds apart) - and of the two the event, which tells more (its
 * model, its cost, the 1-hour cache writes), counts
 * (OTLP_EVENT_COMPLETENESS). Two calls of one emitter with the very same
 * usage ending in the same second count once; a span and its event on
 * either side of a second's mark count twice. (Ten seconds joined two runs
 * of `codex exec` whose answers had the same usage: one was not counted.)
 *
 * A call that failed (u->errors, no token counts: Claude Code's
 * llm_request span with an error status and its api_error event, one of
 * each per request however often it was retried) has no usage to tell it
 * apart: its key is the emitter and the provider's request id, which
 * Claude Code 2.1.332 puts on both (request_id; absent when no answer came,
 * a connection error), else the emitter and the second the call ended.
 * request_id (empty: none) is not read for usage that has token counts:
 * that the span of a call that succeeded names the event's request id is
 * not known (the fake API the CLI was recorded against sends none). */
uint64_t otlp_usage_call_key(uint64_t emitter, const struct usage *u,
                             struct otlp_str request_id, uint64_t end_ns);

/* An instrumented client reports its calls as spans and as the GenAI
 * token metric (gen_ai.client.token.usage: OpenTelemetry's own
 * instrumentation-openai records both, and an SDK exports every signal
 * to one endpoint): the same usage twice. The two claim this key, the
 * service's usage of one provider (otlp_emitter without record
 * attributes, and the provider as otlp_provider_name says it), as their
 * kinds ("span", "metric:gen_ai"): the first kind counts (spans, every
 * 5 s by default, usually come before the metrics' 60 s). Per service,
 * not per session, so that the state stays small. A service whose traces
 * are sampled but metrics not should count its metrics alone: a source's
 * `signals` option. */
uint64_t otlp_traced_key(const struct otlp_resource *res, const char *provider);
#define OTLP_TRACED_SPAN "span"
#define OTLP_TRACED_METRIC "metric:gen_ai"
#define OTLP_EVENT_COMPLETENESS 7 /* above any span's (otlp_families.h) */

/* 64-bit FNV-1a, incremental: h = otlp_hash(h, data, n) from OTLP_HASH0. */
#define OTLP_HASH0 0xcbf29ce484222325ULL
uint64_t otlp_hash(uint64_t h, const void *data, size_t n);
/* Every key and value of a list, in order, into h (for stream keys). */
uint64_t otlp_hash_attrs(uint64_t h, const struct otlp_list *attrs);

#endif
