/* otlp_receive.c - one OTLP export request in, its answer out (see
 * otlp_receive.h). */
#include "collectors/otlp_receive.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "collectors/collector.h"
#include "lib/log.h"
#include "lib/jsonw.h"
#include "lib/pb.h"

/* The partial-success count's name, per signal (JSON). */
static const char *rejected_key(enum otlp_signal sig)
{
    return sig == OTLP_LOGS ? "rejectedLogRecords"
           : sig == OTLP_METRICS ? "rejectedDataPoints" : "rejectedSpans";
}

static void success_body(enum otlp_encoding enc, enum otlp_signal sig,
                         const struct otlp_result *r, struct strbuf *b)
{
    if (enc == OTLP_JSON) {
        if (r->rejected == 0) {
            strbuf_puts(b, "{}");
            return;
        }
        /* int64 travels as a string in OTLP/JSON */
        strbuf_printf(b, "{\"partialSuccess\":{\"%s\":\"%zu\",\"errorMessage\":",
                      rejected_key(sig), r->rejected);
        jsonw_quote(b, r->error);
        strbuf_puts(b, "}}");
        return;
    }
    if (r->rejected == 0)
        return;
    struct strbuf ps = {0};
    pb_put_uint(&ps, 1, r->rejected);
    pb_put_bytes(&ps, 2, r->error, strlen(r->error));
    pb_put_bytes(b, 1, ps.s, ps.len);
    strbuf_free(&ps);
}

void otlp_receive_decode(enum otlp_encoding enc, enum otlp_signal sig, const void *buf,
                         size_t len, const struct otlp_options *o, struct sink *sink,
                         struct otlp_reply *out)
{
    memset(out, 0, sizeof *out);
    if (otlp_map_export(enc, sig, buf, len, o, sink, &out->result) != 0) {
        out->outcome = OTLP_INVALID;
        snprintf(out->message, sizeof out->message, "%s", out->result.error);
        return;
    }
    out->outcome = OTLP_ACCEPTED;
    success_body(enc, sig, &out->result, &out->body);
}

void otlp_receive_stored(struct otlp_reply *out, bool durable, const char *err)
{
    if (out->outcome != OTLP_ACCEPTED || durable)
        return;
    out->outcome = OTLP_UNAVAILABLE;
    snprintf(out->message, sizeof out->message, "%s", err);
    strbuf_free(&out->body);
}

void otlp_receive(enum otlp_encoding enc, enum otlp_signal sig, const void *buf, size_t len,
                  const struct otlp_options *o, struct sink *sink, struct otlp_reply *out)
{
    otlp_receive_decode(enc, sig, buf, len, o, sink, out);
    if (out->outcome != OTLP_ACCEPTED || !sink->flush)
        return;
    /* durable before we say so */
    char err[256];
    otlp_receive_stored(out, sink->flush(sink, err, sizeof err) == 0, err);
}

void otlp_receive_account(struct collector *c, const struct otlp_reply *rep,
                          struct otlp_refusals *log, const char *peer)
{
    if (rep->outcome == OTLP_INVALID) {
        c->status.rejected++;
    } else if (rep->outcome == OTLP_UNAVAILABLE) {
        collector_error(c, "%s", rep->message);
    } else {
        collector_ok(c, (int64_t)rep->result.counted);
        c->status.no_usage += (int64_t)rep->result.no_usage;
        c->status.rejected += (int64_t)rep->result.rejected;
        if (rep->result.rejected)
            otlp_receive_refused(log, &log->records,
                                 "%zu record(s) of an export from %s (partial success): %s",
                                 rep->result.rejected, peer, rep->result.error);
    }
}

void otlp_status_body(enum otlp_encoding enc, int grpc_code, const char *message,
                      struct strbuf *out)
{
    if (enc == OTLP_JSON) {
        strbuf_printf(out, "{\"code\":%d,\"message\":", grpc_code);
        jsonw_quote(out, message);
        strbuf_putc(out, '}');
        return;
    }
    pb_put_uint(out, 1, (uint64_t)grpc_code);
    pb_put_bytes(out, 2, message, strlen(message));
}

/* The end of l's minute: how many were not logged, if any; the next
 * refusal begins a minute. */
static void end_minute(struct otlp_refusals *r, struct otlp_log_limit *l)
{
    if (l->unlogged)
        log_msg(LOG_WARN, "source %s: %" PRIu64 " more %s in the last minute", r->source,
                l->unlogged, l->more);
    l->logged = 0;
    l->unlogged = 0;
}

static void on_minute(uv_timer_t *t);

/* The timer at the end of the first minute with refusals not logged. */
static void arm(struct otlp_refusals *r)
{
    uint64_t due = UINT64_MAX;
    struct otlp_log_limit *ls[] = {&r->requests, &r->records};
    for (size_t i = 0; i < 2; i++)
        if (ls[i]->unlogged && ls[i]->since + r->minute_ms < due)
            due = ls[i]->since + r->minute_ms;
    if (due == UINT64_MAX)
        return;
    uint64_t now = uv_now(r->timer.loop);
    /* cannot fail: a callback, an open handle (nothing is logged once closing) */
    uv_timer_start(&r->timer, on_minute, due > now ? due - now : 0, 0);
}

static void on_minute(uv_timer_t *t)
{
    struct otlp_refusals *r = t->data;
    uint64_t now = uv_now(t->loop);
    struct otlp_log_limit *ls[] = {&r->requests, &r->records};
    for (size_t i = 0; i < 2; i++)
        if (ls[i]->unlogged && now - ls[i]->since >= r->minute_ms)
            end_minute(r, ls[i]);
    arm(r); /* the other's minute, if it has some unlogged */
}

void otlp_receive_refusals_init(struct otlp_refusals *r, uv_loop_t *loop, const char *source,
                        uint64_t minute_ms)
{
    memset(r, 0, sizeof *r);
    r->requests.more = "request(s) refused";
    r->records.more = "export(s) with records refused";
    r->source = source;
    r->minute_ms = minute_ms;
    uv_timer_init(loop, &r->timer); /* always 0 */
    r->timer.data = r;
}

static void refusals_closed(uv_handle_t *h)
{
    struct otlp_refusals *r = h->data;
    r->closed(r->closed_arg);
}

void otlp_receive_refusals_close(struct otlp_refusals *r, void (*done)(void *arg), void *arg)
{
    end_minute(r, &r->requests);
    end_minute(r, &r->records);
    r->closed = done;
    r->closed_arg = arg;
    uv_close((uv_handle_t *)&r->timer, refusals_closed);
}

void otlp_receive_refused(struct otlp_refusals *r, struct otlp_log_limit *l, const char *fmt,
                          ...)
{
    uint64_t now = uv_now(r->timer.loop);
    if (l->logged > 0 && now - l->since >= r->minute_ms)
        end_minute(r, l); /* the timer's, unless the loop was late */
    if (l->logged == 0)
        l->since = now;
    if (l->logged >= OTLP_REFUSALS_LOGGED) {
        if (l->unlogged++ == 0)
            arm(r);
        return;
    }
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* log_msg escapes what the client wrote (a path, a reason) */
    log_msg(LOG_WARN, "source %s: refused %s%s", r->source, what,
            ++l->logged == OTLP_REFUSALS_LOGGED ? " (no more this minute)" : "");
}
