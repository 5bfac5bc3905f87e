/* otlp_grpc.c - OTLP/gRPC for an OTLP receiver source (see otlp_grpc.h). */
#include "collectors/otlp_grpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/otlp_commit.h"
#include "collectors/otlp_receive.h"
#include "lib/grpc_server.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define RETRY_LISTEN_MS 5000
#define DEFAULT_CONN_BYTES ((size_t)16 << 20)   /* grpc_server.h's defaults */
#define DEFAULT_TOTAL_BYTES ((size_t)128 << 20)

struct method {
    struct otlp_grpc *g;
    enum otlp_signal sig;
    const char *path;
};

struct otlp_grpc {
    struct collector *c;
    const struct otlp_options *o;
    struct otlp_commit *commit;
    struct otlp_refusals *refusals;
    struct sockaddr_storage addr;
    char label[128];
    size_t max_message;
    struct grpc_server *server;   /* NULL between a failed listen and the retry */
    uv_timer_t retry;
    bool retry_open;
    struct method methods[3];
    int closing;                  /* closes not yet completed */
    void (*done)(void *arg);
    void *done_arg;
};

static const struct {
    enum otlp_signal sig;
    const char *path;
} services[] = {
    {OTLP_TRACES, "/opentelemetry.proto.collector.trace.v1.TraceService/Export"},
    {OTLP_LOGS, "/opentelemetry.proto.collector.logs.v1.LogsService/Export"},
    {OTLP_METRICS, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"},
};

/* A refused call in the log (rate-limited with OTLP/HTTP's refusals). */
static void on_refused(void *ctx, const char *peer, const char *path, int status,
                       const char *message)
{
    struct otlp_grpc *g = ctx;
    otlp_receive_refused(g->refusals, &g->refusals->requests, "gRPC %.200s from %s: %s %s",
                         path[0] ? path : "(no call)", peer, grpc_status_name(status),
                         message ? message : "");
}

static void answer(struct otlp_grpc *g, struct grpc_call *call, struct otlp_reply *rep)
{
    char peer[96];
    grpc_call_peer(call, peer, sizeof peer);
    otlp_receive_account(g->c, rep, g->refusals, peer);
    if (rep->outcome == OTLP_INVALID)
        on_refused(g, peer, grpc_call_method(call), GRPC_INVALID_ARGUMENT, rep->message);
    if (rep->outcome == OTLP_ACCEPTED)
        grpc_call_respond(call, GRPC_OK, NULL, (const uint8_t *)rep->body.s, rep->body.len);
    else if (rep->outcome == OTLP_INVALID)
        grpc_call_respond(call, GRPC_INVALID_ARGUMENT, rep->message, NULL, 0);
    else
        grpc_call_respond(call, GRPC_UNAVAILABLE, "the records could not be stored; retry",
                          NULL, 0);
    strbuf_free(&rep->body);
}

/* A call whose records wait for the group commit. */
struct pending {
    struct otlp_grpc *g;
    struct grpc_call *call;
    struct otlp_reply rep;
};

static void on_stored(void *ctx, bool durable, const char *err)
{
    struct pending *p = ctx;
    otlp_receive_stored(&p->rep, durable, err);
    answer(p->g, p->call, &p->rep);
    free(p);
}

/* One Export call: decoded and mapped now, answered once durable. */
static void on_export(void *ctx, struct grpc_call *call, const uint8_t *msg, size_t len)
{
    struct method *m = ctx;
    struct otlp_grpc *g = m->g;
    struct pending *p = xcalloc(1, sizeof *p);
    otlp_receive_decode(OTLP_PROTOBUF, m->sig, msg, len, g->o, g->c->sink, &p->rep);
    if (p->rep.outcome != OTLP_ACCEPTED) {
        answer(g, call, &p->rep);
        free(p);
        return;
    }
    p->g = g;
    p->call = call;
    otlp_commit_wait(g->commit, on_stored, p);
}

struct otlp_grpc *otlp_grpc_new(struct collector *c, const struct otlp_options *o,
                                struct otlp_commit *commit, struct otlp_refusals *refusals,
                                const struct sockaddr_storage *addr, const char *label,
                                size_t max_message)
{
    struct otlp_grpc *g = xcalloc(1, sizeof *g);
    g->c = c;
    g->o = o;
    g->commit = commit;
    g->refusals = refusals;
    g->addr = *addr;
    snprintf(g->label, sizeof g->label, "%s", label);
    g->max_message = max_message;
    for (size_t i = 0; i < 3; i++)
        g->methods[i] = (struct method){g, services[i].sig, services[i].path};
    return g;
}

static void maybe_done(struct otlp_grpc *g)
{
    if (g->closing > 0 || !g->done)
        return;
    void (*done)(void *) = g->done;
    void *arg = g->done_arg;
    free(g);
    done(arg);
}

static void server_closed(void *arg)
{
    struct otlp_grpc *g = arg;
    g->closing--;
    maybe_done(g);
}

static void try_listen(struct otlp_grpc *g);

static void on_retry(uv_timer_t *t) { try_listen(t->data); }

/* A failed server can only be closed; a new one is made on the retry. */
static void listen_failed(struct otlp_grpc *g)
{
    g->closing++;
    grpc_server_close(g->server, server_closed, g);
    g->server = NULL;
    /* cannot fail: a callback, an open handle */
    uv_timer_start(&g->retry, on_retry, RETRY_LISTEN_MS, 0);
}

static void try_listen(struct otlp_grpc *g)
{
    if (g->done)
        return; /* stopping */
    /* a connection's byte budget holds two messages of max_body, which may
     * be above its default: else a message the limit allows would be
     * refused by the budget (UNAVAILABLE) on every retry */
    struct grpc_limits limits = {.max_message = g->max_message};
    size_t two = 2 * (g->max_message + GRPC_PREFIX_LEN); /* max_body <= 1 GiB */
    limits.max_conn_bytes = two > DEFAULT_CONN_BYTES ? two : DEFAULT_CONN_BYTES;
    limits.max_total_bytes = 2 * limits.max_conn_bytes > DEFAULT_TOTAL_BYTES
                                 ? 2 * limits.max_conn_bytes : DEFAULT_TOTAL_BYTES;
    g->server = grpc_server_new(g->c->loop, &limits);
    for (size_t i = 0; i < 3; i++)
        grpc_server_method(g->server, g->methods[i].path, on_export, &g->methods[i]);
    grpc_server_on_refused(g->server, on_refused, g);
    char err[256];
    if (grpc_server_listen(g->server, (const struct sockaddr *)&g->addr, err, sizeof err) != 0) {
        collector_error(g->c, "cannot listen for gRPC on %s: %s (retrying)", g->label, err);
        listen_failed(g);
        return;
    }
    log_msg(LOG_INFO, "source %s: listening for gRPC on %s", g->c->cfg->name, g->label);
}

void otlp_grpc_start(struct otlp_grpc *g)
{
    uv_timer_init(g->c->loop, &g->retry); /* always 0 (libuv 1.x) */
    g->retry.data = g;
    g->retry_open = true;
    try_listen(g);
}

static void timer_closed(uv_handle_t *h)
{
    struct otlp_grpc *g = h->data;
    g->closing--;
    maybe_done(g);
}

void otlp_grpc_stop(struct otlp_grpc *g, void (*done)(void *arg), void *arg)
{
    g->done = done;
    g->done_arg = arg;
    g->closing++; /* held until every close below is under way */
    if (g->server) {
        g->closing++;
        grpc_server_close(g->server, server_closed, g);
        g->server = NULL;
    }
    if (g->retry_open) {
        g->closing++;
        g->retry_open = false;
        uv_close((uv_handle_t *)&g->retry, timer_closed);
    }
    g->closing--;
    maybe_done(g);
}

