/* otlp_http.c - the OTLP/HTTP receiver: POST /v1/traces, /v1/logs and
 * /v1/metrics, with JSON or protobuf.
 *
 * Listens on `listen` (default 127.0.0.1:4318). HTTP/1.1 with keep-alive,
 * bodies by Content-Length or chunked (OpenTelemetry's JavaScript exporter
 * sends chunked bodies on kept-alive connections), optional
 * Content-Encoding: gzip. A signal's path may come under a prefix
 * (Langfuse's exporter posts /api/public/otel/v1/traces). The body is
 * received by otlp_receive.h - decoded and mapped as by the file follower,
 * and flushed to the database before the answer goes out, so a 200 means
 * durable. Answers, in the request's own Content-Type (application/json,
 * application/x-protobuf or application/protobuf: OTLP/HTTP says the
 * response uses the request's):
 *
 *   200  Export*ServiceResponse: {} / empty, or partialSuccess with the
 *        rejected count and the first reason
 *   400  a body that is not OTLP in its encoding, or a malformed request
 *   404  any other path          405  any other method
 *   411  no length               413  a body above max_body (also gzipped)
 *   415  other content types or encodings
 *   503  the records could not be stored (retry), with Retry-After
 * Errors carry a google.rpc.Status (code, message) in the same encoding.
 *
 * Everything is asynchronous: many connections, slow clients and half-sent
 * bodies only hold their own connection, which is closed after 30 s
 * without progress; a request's head must be whole within HEAD_MS of its
 * first byte (of the connection, for its first request), however slowly
 * it trickles in (408 and close). At most MAX_CONNECTIONS are served at
 * once, fewer when the descriptor limit is lower (it less FD_RESERVE for
 * the database, logs and files): at the limit, a new connection takes the
 * place of the one that has waited longest for a request head (slow or
 * idle clients go first, an export in progress never), and when every
 * connection is busy it gets 503 (Retry-After) and is closed. A client
 * that does not read its answers stops being read (WRITE_HIGH); a
 * connection's last answer is followed by a linger, so that a body
 * refused unread does not turn the answer into a reset. Every refusal is logged - what, from
 * whom, why - at most 10 lines a minute (otlp_receive_refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <strings.h>

#include "collectors/collector.h"
#include "lib/http_parser.h"
#include "collectors/otlp_commit.h"
#include "collectors/otlp_grpc.h"
#include "collectors/otlp_map.h"
#include "collectors/otlp_receive.h"
#include "collectors/otlp_signals.h"
#include "core/store.h"
#include "lib/clock.h"
#include "lib/grpc_wire.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define IDLE_MS 30000
#define LINGER_MS 2000                  /* see linger() */
#define LINGER_BYTES (64u << 20)
#define WRITE_HIGH (64 * 1024)          /* unwritten answer bytes before reading stops */
#define HEAD_MS 10000
#define MAX_CONNECTIONS 1024
#define FD_RESERVE 64
#define RETRY_LISTEN_S 5
/* Retry-After of a 503 (the database, or every connection busy): OTLP/HTTP
 * exporters wait that long before the retry (at least; their backoff may
 * be longer). Either clears in about a commit: seconds, not minutes. */
#define RETRY_AFTER_S 5

struct receiver;

/* A Content-Type the receiver takes: the answer comes in the same one
 * (OTLP/HTTP: "the response MUST use the same Content-Type"). */
struct media {
    const char *type;
    enum otlp_encoding enc;
};

static const struct media medias[] = {
    {"application/json", OTLP_JSON},
    {"application/x-protobuf", OTLP_PROTOBUF},
    {"application/protobuf", OTLP_PROTOBUF},
};

struct conn {
    uv_tcp_t tcp;
    uv_timer_t idle;
    struct receiver *r;
    struct http_parser p;
    bool continue_sent;
    bool closing;
    bool in_head;               /* waiting for a request head ... */
    uint64_t head_since;        /* ... since then (uv_now, ms) */
    int open;                   /* handles not yet closed (tcp, idle) */
    int writes;                 /* in flight */
    bool close_after_write;
    bool lingering;             /* answered and shut down; see linger() */
    uv_shutdown_t shutdown;
    uint64_t drained;           /* bytes read and dropped while lingering */
    /* an export waiting for the group commit: its answer, and the bytes
     * that came after it (read again once it is answered) */
    struct otlp_waiter *waiter;
    struct otlp_reply reply;
    const struct media *reply_media;
    bool reply_keep;
    struct strbuf held;
    bool paused;                /* reading stopped until the answer */
    struct conn *next;
};

struct write_req {
    uv_write_t req;
    struct conn *c;
    char *data;
};

/* A [[source]] of type otlp_http. */
struct otlp_http_settings {
    struct source_settings base;
    char *listen;               /* HOST:PORT */
    char *grpc_listen;          /* HOST:PORT for OTLP/gRPC, or NULL: none */
    int64_t max_body;           /* bytes, after gunzip */
    struct otlp_tenants tenants;
    struct otlp_signal_set signals;
};

struct receiver {
    struct collector *c;
    const struct otlp_http_settings *s;
    uv_tcp_t server;
    bool listening, server_open, server_closing;
    uv_timer_t retry;
    bool retry_open;
    struct conn *conns;
    size_t nconns;
    size_t max_conns;           /* MAX_CONNECTIONS, or less (descriptors) */
    struct otlp_options opts;
    bool stopping;
    collector_cb closed;
    int closing_handles;
    struct otlp_commit *commit; /* while started */
    struct sockaddr_storage grpc_addr;
    bool has_grpc;              /* grpc_listen is set */
    struct otlp_grpc *grpc;     /* while started */
    struct otlp_refusals refusals; /* what was refused, logged (both protocols) */
    bool refusals_open;            /* its timer, from start until the last close */
};

/* ---- connections ---------------------------------------------------------------- */

static void part_stopped(void *arg);

/* Once every part is closed, the refusals' log closes last (the commit's
 * last answers may reject records), then the source is stopped. */
static void maybe_stopped(struct receiver *r)
{
    if (r->stopping && r->closing_handles == 0 && r->nconns == 0 && r->closed) {
        if (r->refusals_open) {
            r->refusals_open = false;
            r->closing_handles++;
            otlp_receive_refusals_close(&r->refusals, part_stopped, r);
            return;
        }
        collector_cb done = r->closed;
        r->closed = NULL;
        done(r->c);
    }
}

static void conn_handle_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    if (--c->open > 0)
        return;
    struct receiver *r = c->r;
    for (struct conn **p = &r->conns; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    r->nconns--;
    hp_free(&c->p);
    strbuf_free(&c->held);
    free(c);
    maybe_stopped(r);
}

static void conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    if (c->waiter) {
        /* the records stay in the sink; only the answer has nowhere to go */
        otlp_commit_cancel(c->waiter);
        c->waiter = NULL;
        strbuf_free(&c->reply.body);
    }
    uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
    uv_close((uv_handle_t *)&c->idle, conn_handle_closed);
}

static void arm(struct conn *c);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);
static bool blocked(const struct conn *c);
static void resume(struct conn *c);

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct conn *c = req->data;
    if (status < 0)
        conn_close(c); /* ECANCELED once closing: a no-op */
}

/* The last answer of a connection is written: shut our side down, and
 * read (and drop) what the client still sends until it closes, for
 * LINGER_MS after its last bytes, LINGER_BYTES at most. Closed at once, a
 * socket with unread bytes sends a reset, which makes a client still
 * sending its body (413 from the Content-Length, 404, 415 before the
 * body) lose the answer: Python's and Java's exporters then report a
 * broken connection, not the status (RFC 9112 9.6). */
static void linger(struct conn *c)
{
    c->lingering = true;
    c->in_head = false;
    if (c->paused) { /* held bytes behind an export answered with close */
        c->paused = false;
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read); /* started before */
    }
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        conn_close(c);
        return;
    }
    arm(c);
}

static void on_written(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    struct conn *c = wr->c;
    free(wr->data);
    free(wr);
    c->writes--;
    if (status < 0)
        conn_close(c);
    else if (c->close_after_write && c->writes == 0 && !c->closing && !c->lingering)
        linger(c);
    else if (c->paused && !c->closing && !c->close_after_write && !blocked(c))
        resume(c); /* the client reads its answers again */
}

static void send_raw(struct conn *c, const char *data, size_t len)
{
    if (c->closing)
        return;
    struct write_req *wr = xcalloc(1, sizeof *wr);
    wr->c = c;
    wr->data = xmalloc(len);
    memcpy(wr->data, data, len);
    uv_buf_t buf = uv_buf_init(wr->data, (unsigned)len);
    c->writes++;
    if (uv_write(&wr->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) != 0) {
        c->writes--;
        free(wr->data);
        free(wr);
        conn_close(c);
    }
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

/* One response of len bytes of type ctype; its head only to a HEAD (whose
 * answer has no body, RFC 9110 9.3.2: the client would take the body for
 * its next answer). */
static void respond(struct conn *c, int status, const char *ctype, const char *body,
                    size_t len, bool keep_alive)
{
    if (strcmp(c->p.method, "HEAD") == 0)
        body = NULL;
    struct strbuf b = {0};
    strbuf_printf(&b, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n",
                  status, reason(status), ctype, len);
    if (status == 405)
        strbuf_puts(&b, "Allow: POST\r\n");
    if (status == 503)
        strbuf_printf(&b, "Retry-After: %d\r\n", RETRY_AFTER_S);
    strbuf_printf(&b, "Connection: %s\r\n\r\n", keep_alive ? "keep-alive" : "close");
    if (body && len)
        strbuf_append(&b, body, len);
    if (!keep_alive)
        c->close_after_write = true;
    send_raw(c, b.s, b.len);
    strbuf_free(&b);
}

/* The client's address, for the log. */
static void peer_name(struct conn *c, char *out, size_t len)
{
    struct sockaddr_storage sa;
    int n = sizeof sa;
    char ip[64] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &n) == 0) {
        if (sa.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&sa, ip, sizeof ip);
            port = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
            snprintf(out, len, "[%s]:%d", ip, port);
            return;
        }
        uv_ip4_name((struct sockaddr_in *)&sa, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in *)&sa)->sin_port);
    }
    snprintf(out, len, "%s:%d", ip, port);
}

/* A refusal in the log: what, from whom, why (rate-limited). */
static void log_refusal(struct conn *c, int status, const char *why)
{
    struct receiver *r = c->r;
    char peer[96];
    peer_name(c, peer, sizeof peer);
    const struct http_parser *p = &c->p;
    otlp_receive_refused(&r->refusals, &r->refusals.requests, "%s%s%.200s from %s: %d %s",
                         p->method[0] ? p->method : "a request", p->method[0] ? " " : "",
                         p->method[0] ? p->target : "", peer, status, why);
}

/* An error: a google.rpc.Status in the request's encoding (JSON when the
 * request's own is unknown), and the refusal in the log (but a 503 for
 * the database, which the source's status logs). */
static void respond_error(struct conn *c, const struct media *m, int status,
                          const char *message, bool keep_alive)
{
    if (!m)
        m = &medias[0]; /* JSON */
    if (status != 503)
        log_refusal(c, status, message);
    struct strbuf b = {0};
    /* gRPC codes: INVALID_ARGUMENT 3, NOT_FOUND 5, RESOURCE_EXHAUSTED 8 (as
     * the gRPC receiver answers a message above the limit), UNAVAILABLE 14,
     * UNIMPLEMENTED 12 */
    int code = status == 404   ? 5
               : status == 413 ? 8
               : status == 503 ? 14
               : status == 415 || status == 501 ? 12
                                                : 3;
    otlp_status_body(m->enc, code, message, &b);
    respond(c, status, m->type, b.s, b.len, keep_alive);
    strbuf_free(&b);
}

/* ---- requests --------------------------------------------------------------------- */

static bool media_is(const char *value, const char *type)
{
    size_t n = strlen(type);
    return strncasecmp(value, type, n) == 0 && (value[n] == '\0' || value[n] == ';' ||
                                                 value[n] == ' ');
}

static const struct {
    const char *path;
    enum otlp_signal sig;
} paths[] = {
    {"/v1/traces", OTLP_TRACES},
    {"/v1/logs", OTLP_LOGS},
    {"/v1/metrics", OTLP_METRICS},
};

/* The signal a request target is for: its path (without the query) is a
 * signal's path, or ends in one (a vendor's prefix). 0 if neither. */
static enum otlp_signal signal_of(const char *target)
{
    size_t n = strcspn(target, "?");
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        size_t pl = strlen(paths[i].path);
        if (n >= pl && strncmp(target + n - pl, paths[i].path, pl) == 0)
            return paths[i].sig;
    }
    return 0;
}

/* The body's media by its Content-Type; NULL if none we take. */
static const struct media *media_of(const char *ctype)
{
    for (size_t i = 0; i < sizeof medias / sizeof *medias; i++)
        if (media_is(ctype, medias[i].type))
            return &medias[i];
    return NULL;
}

/* What is wrong with the request as soon as its head is known: status,
 * with why (the value the client sent, for it and for the log), or 0 if
 * it may go on. */
static int check_head(const struct http_parser *p, char *why, size_t len)
{
    if (!signal_of(p->target)) {
        snprintf(why, len, "OTLP/HTTP serves /v1/traces, /v1/logs and /v1/metrics");
        return 404;
    }
    if (strcmp(p->method, "POST") != 0) {
        snprintf(why, len, "an export is a POST");
        return 405;
    }
    if (!media_of(p->content_type)) {
        snprintf(why, len, "Content-Type must be application/json, application/x-protobuf "
                 "or application/protobuf, not '%s'", p->content_type);
        return 415;
    }
    if (p->content_encoding[0] && strcasecmp(p->content_encoding, "gzip") != 0 &&
        strcasecmp(p->content_encoding, "identity") != 0) {
        snprintf(why, len, "Content-Encoding must be gzip or identity, not '%s'",
                 p->content_encoding);
        return 415;
    }
    return 0;
}

/* The answer to the export c waited for. */
static void answer(struct conn *c)
{
    struct otlp_reply *rep = &c->reply;
    const struct media *m = c->reply_media;
    char peer[96];
    peer_name(c, peer, sizeof peer);
    otlp_receive_account(c->r->c, rep, &c->r->refusals, peer);
    if (rep->outcome == OTLP_INVALID)
        respond_error(c, m, 400, rep->message, c->reply_keep);
    else if (rep->outcome == OTLP_UNAVAILABLE)
        respond_error(c, m, 503, "the records could not be stored; retry", c->reply_keep);
    else
        respond(c, 200, m->type, rep->body.s, rep->body.len, c->reply_keep);
    strbuf_free(&rep->body);
}

static void feed(struct conn *c, const char *data, size_t n);

/* Whether c must not take more requests now: an export waits for the
 * group commit, or the client does not read its answers (pipelined
 * requests it never reads the answers of would pile them up in memory
 * without end). */
static bool blocked(const struct conn *c)
{
    return c->waiter || uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp) > WRITE_HIGH;
}

/* What the client sent while c was blocked, then more from the socket. */
static void resume(struct conn *c)
{
    struct strbuf held = c->held;
    memset(&c->held, 0, sizeof c->held);
    feed(c, held.s, held.len);
    strbuf_free(&held);
    if (!blocked(c) && !c->closing && !c->close_after_write) {
        if (c->paused)
            uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read); /* started before: cannot fail */
        c->paused = false;
        arm(c);
    }
}

static void on_stored(void *ctx, bool durable, const char *err)
{
    struct conn *c = ctx;
    c->waiter = NULL;
    otlp_receive_stored(&c->reply, durable, err);
    answer(c);
    if (c->closing || c->close_after_write)
        return;
    resume(c);
}

/* Decode and map the export now; answer once it is durable. */
static void receive(struct conn *c, const struct media *m, enum otlp_signal sig,
                    const char *body, size_t len)
{
    struct receiver *r = c->r;
    c->reply_media = m;
    c->reply_keep = c->p.keep_alive;
    otlp_receive_decode(m->enc, sig, body, len, &r->opts, r->c->sink, &c->reply);
    if (c->reply.outcome != OTLP_ACCEPTED)
        answer(c);
    else
        c->waiter = otlp_commit_wait(r->commit, on_stored, c);
}

static void handle(struct conn *c)
{
    struct receiver *r = c->r;
    struct http_parser *p = &c->p;
    char why[256];
    int status = check_head(p, why, sizeof why);
    const struct media *m = media_of(p->content_type);
    if (status) {
        respond_error(c, m, status, why, p->keep_alive);
        return;
    }
    const char *body = strbuf_str(&p->body);
    size_t len = p->body.len;
    uint8_t *plain = NULL;
    if (strcasecmp(p->content_encoding, "gzip") == 0) {
        /* every gzip member (RFC 1952 allows several, as Go's reader and
         * so the Collector do), nothing after the last */
        const char *bad;
        int rc = grpc_gunzip((const uint8_t *)body, len, (size_t)r->s->max_body, &plain, &len,
                             &bad);
        if (rc != GRPC_OK) {
            respond_error(c, m, rc == GRPC_RESOURCE_EXHAUSTED ? 413 : 400,
                          rc == GRPC_RESOURCE_EXHAUSTED ? "the unzipped body is larger than "
                          "max_body" : bad, p->keep_alive);
            return;
        }
        body = plain ? (const char *)plain : "";
    }
    receive(c, m, signal_of(p->target), body, len);
    free(plain);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

/* Parse and handle n bytes; an export that waits for the group commit
 * stops the parsing, and the rest is held (and reading paused) until it
 * is answered, so answers go out in the order of the requests; so do
 * more than WRITE_HIGH bytes of answers the client has not read. A client
 * that sends nothing more before its answer (one export in flight, what
 * exporters do) is read on: stopping and starting the socket for every
 * export costs two epoll_ctl calls. */
static void feed(struct conn *c, const char *data, size_t n)
{
    size_t used = 0;
    while (used < n && !c->closing && !c->close_after_write && !blocked(c)) {
        if (!c->in_head && c->p.state == HP_HEAD) {
            /* the first bytes of the next request on a kept-alive connection */
            c->in_head = true;
            c->head_since = uv_now(c->r->c->loop);
        }
        used += hp_feed(&c->p, data + used, n - used);
        struct http_parser *p = &c->p;
        if (p->state == HP_ERROR) {
            respond_error(c, NULL, p->error_status, p->error, false);
            break;
        }
        if (p->headers_done)
            c->in_head = false;
        if (p->headers_done && p->state != HP_DONE && !c->continue_sent) {
            /* refuse early what will be refused anyway, before the body */
            char why[256];
            int status = check_head(p, why, sizeof why);
            if (status) {
                respond_error(c, media_of(p->content_type), status, why, false);
                break;
            }
            if (p->expect_continue) {
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                send_raw(c, cont, sizeof cont - 1);
            }
            c->continue_sent = true;
        }
        if (p->state == HP_DONE) {
            handle(c);
            hp_reset(p);
            c->continue_sent = false;
        }
    }
    if (!c->closing && !c->close_after_write && blocked(c) && used < n) {
        strbuf_append(&c->held, data + used, n - used);
        uv_read_stop((uv_stream_t *)&c->tcp); /* cannot fail */
        c->paused = true;
    }
}

static void on_idle(uv_timer_t *t);

/* The connection's timer: IDLE_MS without progress, or sooner the end of
 * the time its request head has. */
static void arm(struct conn *c)
{
    uint64_t ms = c->lingering ? LINGER_MS : IDLE_MS;
    if (c->in_head) {
        uint64_t now = uv_now(c->r->c->loop), end = c->head_since + HEAD_MS;
        uint64_t left = end > now ? end - now : 1;
        ms = left < ms ? left : ms;
    }
    uv_timer_start(&c->idle, on_idle, ms, 0); /* cannot fail: on_idle is set */
}

/* A short answer, written now if the socket takes it, then the close: for
 * a connection dropped without waiting on it (no write stays queued). */
static void refuse(struct conn *c, int status, const char *why)
{
    char buf[256], retry[32] = "";
    if (status == 503)
        snprintf(retry, sizeof retry, "Retry-After: %d\r\n", RETRY_AFTER_S);
    int n = snprintf(buf, sizeof buf, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n%sConnection: close\r\n\r\n%s", status,
                     reason(status), strlen(why), retry, why);
    uv_buf_t b = uv_buf_init(buf, (unsigned)(n < (int)sizeof buf ? n : (int)sizeof buf - 1));
    (void)uv_try_write((uv_stream_t *)&c->tcp, &b, 1); /* best effort: we close anyway */
    conn_close(c);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    if (n < 0) {
        free(buf->base);
        conn_close(c);
        return;
    }
    if (c->lingering) {
        free(buf->base);
        c->drained += (uint64_t)n;
        if (c->drained > LINGER_BYTES)
            conn_close(c);
        else
            arm(c);
        return;
    }
    feed(c, buf->base, (size_t)n);
    if (!c->closing)
        arm(c);
    free(buf->base);
}

static void on_idle(uv_timer_t *t)
{
    struct conn *c = t->data;
    if (c->in_head && uv_now(c->r->c->loop) >= c->head_since + HEAD_MS) {
        log_msg(LOG_DEBUG, "otlp_http: closing a connection whose request head took "
                "over %ds", HEAD_MS / 1000);
        if (c->p.head_len > 0) /* not a connection that sent nothing at all */
            log_refusal(c, 408, "the request head took too long");
        refuse(c, 408, "the request head took too long");
        return;
    }
    if (!c->lingering)
        log_msg(LOG_DEBUG, "otlp_http: closing a connection idle for %ds", IDLE_MS / 1000);
    conn_close(c);
}

/* At the connection limit: the connection that has waited longest for a
 * request head (slow or idle; never one with an export in progress), or
 * NULL when every one is busy. */
static struct conn *stalest(struct receiver *r, const struct conn *except)
{
    struct conn *best = NULL;
    for (struct conn *c = r->conns; c; c = c->next) {
        if (c != except && !c->closing && c->lingering)
            return c; /* answered already */
        if (c == except || c->closing || c->waiter || c->writes || c->p.state != HP_HEAD)
            continue;
        uint64_t since = c->in_head ? c->head_since : 0; /* idle ones first */
        if (!best || since < (best->in_head ? best->head_since : 0))
            best = c;
    }
    return best;
}

/* How many connections the descriptor limit leaves room for. */
static size_t connection_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur >= MAX_CONNECTIONS + FD_RESERVE)
        return MAX_CONNECTIONS;
    return rl.rlim_cur > FD_RESERVE + 8 ? (size_t)rl.rlim_cur - FD_RESERVE : 8;
}

static void on_connection(uv_stream_t *server, int status)
{
    struct receiver *r = server->data;
    if (status < 0)
        return;
    struct conn *c = xcalloc(1, sizeof *c);
    c->r = r;
    hp_init(&c->p, (size_t)r->s->max_body);
    /* TCP without flags and a timer: their inits always return 0 */
    uv_tcp_init(r->c->loop, &c->tcp);
    uv_timer_init(r->c->loop, &c->idle);
    c->tcp.data = c->idle.data = c;
    c->open = 2;
    c->next = r->conns;
    r->conns = c;
    r->nconns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || r->stopping) {
        conn_close(c);
        return;
    }
    size_t open = r->nconns;
    for (struct conn *o = r->conns; o; o = o->next)
        open -= o->closing; /* closed already, their handles not yet */
    if (open > r->max_conns) {
        struct conn *old = stalest(r, c);
        if (!old) {
            log_msg(LOG_WARN, "otlp_http: %zu connections, every one busy: refusing one",
                    r->max_conns);
            refuse(c, 503, "too many connections; retry");
            return;
        }
        refuse(old, 408, "the connection was needed for another client");
    }
    c->in_head = true; /* its first request head, from now */
    c->head_since = uv_now(r->c->loop);
    arm(c);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        conn_close(c); /* a connection we cannot read is closed at once */
}

/* ---- listening ------------------------------------------------------------------------ */

static int parse_listen(const char *listen, struct sockaddr_storage *sa)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return -1;
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof host)
        return -1;
    memcpy(host, listen, hl);
    host[hl] = '\0';
    int port = atoi(colon + 1);
    if (port <= 0 || port > 65535)
        return -1;
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        return uv_ip6_addr(host + 1, port, (struct sockaddr_in6 *)sa);
    }
    return uv_ip4_addr(hl ? host : "0.0.0.0", port, (struct sockaddr_in *)sa);
}

static void on_retry(uv_timer_t *t);

/* After a failed bind/listen: a fresh socket next time, in a while. */
static void closed_for_retry(uv_handle_t *h)
{
    struct receiver *r = h->data;
    r->server_open = r->server_closing = false;
    r->closing_handles--;
    if (r->stopping)
        maybe_stopped(r);
    else
        uv_timer_start(&r->retry, on_retry, RETRY_LISTEN_S * 1000, 0); /* cannot fail */
}

static void try_listen(struct receiver *r)
{
    struct sockaddr_storage sa;
    if (parse_listen(r->s->listen, &sa) != 0) {
        collector_error(r->c, "cannot use listen = %s", r->s->listen);
        return;
    }
    if (!r->server_open) {
        uv_tcp_init(r->c->loop, &r->server); /* always 0 for TCP without flags */
        r->server.data = r;
        r->server_open = true;
    }
    int rc = uv_tcp_bind(&r->server, (const struct sockaddr *)&sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&r->server, 128, on_connection);
    if (rc != 0) {
        collector_error(r->c, "cannot listen on %s: %s (retrying)", r->s->listen,
                        uv_strerror(rc));
        r->server_closing = true;
        r->closing_handles++;
        uv_close((uv_handle_t *)&r->server, closed_for_retry);
        return;
    }
    r->listening = true;
    log_msg(LOG_INFO, "source %s: listening on %s", r->c->cfg->name, r->s->listen);
    collector_ok(r->c, 0);
    collector_caught_up(r->c);
}

static void on_retry(uv_timer_t *t) { try_listen(t->data); }

/* ---- ops ------------------------------------------------------------------------------- */

static int http_init(struct collector *c, char *err, size_t errlen)
{
    const struct otlp_http_settings *s = (const struct otlp_http_settings *)c->cfg;
    struct sockaddr_storage sa;
    if (parse_listen(s->listen, &sa) != 0) {
        snprintf(err, errlen, "source %s: cannot use listen = %s (HOST:PORT)", c->cfg->name,
                 s->listen);
        return -1;
    }
    struct receiver *r = xcalloc(1, sizeof *r);
    r->c = c;
    r->s = s;
    r->opts.source = c->cfg->name;
    r->opts.tenant_attrs = s->tenants.attrs;
    r->opts.ntenant_attrs = s->tenants.nattrs;
    r->opts.signals = otlp_signals_mask(s->signals.names, s->signals.n);
    r->max_conns = connection_limit();
    r->opts.state = otlp_state_new();
    if (otlp_state_load(r->opts.state, c->sink, c->cfg->name, clock_now(), STORE_RETENTION,
                        err, errlen) != 0) {
        otlp_state_free(r->opts.state);
        free(r);
        return -1;
    }
    const char *glisten = s->grpc_listen;
    if (glisten && *glisten) {
        if (parse_listen(glisten, &r->grpc_addr) != 0) {
            snprintf(err, errlen, "source %s: cannot use grpc_listen = %s (HOST:PORT)",
                     c->cfg->name, glisten);
            otlp_state_free(r->opts.state);
            free(r);
            return -1;
        }
        r->has_grpc = true;
    }
    c->impl = r;
    return 0;
}

static void http_start(struct collector *c)
{
    struct receiver *r = c->impl;
    uv_timer_init(c->loop, &r->retry); /* always 0 */
    r->retry.data = r;
    r->retry_open = true;
    r->commit = otlp_commit_new(c->loop, c->sink);
    otlp_receive_refusals_init(&r->refusals, c->loop, c->cfg->name, OTLP_REFUSALS_MINUTE_MS);
    r->refusals_open = true;
    try_listen(r);
    if (r->has_grpc) {
        r->grpc = otlp_grpc_new(c, &r->opts, r->commit, &r->refusals, &r->grpc_addr,
                                r->s->grpc_listen,
                                (size_t)r->s->max_body);
        otlp_grpc_start(r->grpc);
    }
}

static void http_poll_now(struct collector *c) { (void)c; /* pushed to, never polled */ }

static void http_run_once(struct collector *c, collector_cb done)
{
    /* --once reads what has arrived: a receiver has nothing to read (what
     * a running receiver took in is in the database already) */
    done(c);
}

static void handle_closed(uv_handle_t *h)
{
    struct receiver *r = h->data;
    r->closing_handles--;
    maybe_stopped(r);
}

static void part_stopped(void *arg)
{
    struct receiver *r = arg;
    r->closing_handles--;
    maybe_stopped(r);
}

static void http_stop(struct collector *c, collector_cb closed)
{
    struct receiver *r = c->impl;
    r->stopping = true;
    r->closed = closed;
    if (r->grpc) {
        /* no new calls; the ones waiting are answered by the commit below */
        r->closing_handles++;
        otlp_grpc_stop(r->grpc, part_stopped, r); /* frees it */
        r->grpc = NULL;
    }
    if (r->server_open && !r->server_closing) {
        r->server_closing = true;
        r->closing_handles++;
        uv_close((uv_handle_t *)&r->server, handle_closed);
    }
    if (r->retry_open) {
        r->closing_handles++;
        uv_close((uv_handle_t *)&r->retry, handle_closed);
    }
    for (struct conn *k = r->conns; k; k = k->next)
        conn_close(k);
    if (r->commit) {
        r->closing_handles++;
        otlp_commit_close(r->commit, part_stopped, r); /* flushes, answers, frees */
        r->commit = NULL;
    }
    maybe_stopped(r);
}

static void http_destroy(struct collector *c)
{
    struct receiver *r = c->impl;
    if (r) {
        otlp_state_free(r->opts.state);
    }
    free(c->impl);
    c->impl = NULL;
}

static const struct collector_ops ops = {
    .init = http_init,
    .start = http_start,
    .poll_now = http_poll_now,
    .run_once = http_run_once,
    .stop = http_stop,
    .destroy = http_destroy,
};

static const struct setting keys[] = {
    {.name = "listen", .type = SETTING_HOSTPORT, .offset = offsetof(struct otlp_http_settings, listen),
     .def = "\"127.0.0.1:4318\"", .doc = "where to listen for OTLP/HTTP (HOST:PORT)"},
    {.name = "grpc_listen", .type = SETTING_HOSTPORT,
     .offset = offsetof(struct otlp_http_settings, grpc_listen), .example = "\"127.0.0.1:4317\"",
     .doc = "where to listen for OTLP/gRPC too (HOST:PORT); unset: no gRPC"},
    {.name = "max_body", .type = SETTING_INT, .offset = offsetof(struct otlp_http_settings, max_body),
     .def = "16777216", .imin = 1024, .imax = 1024LL * 1024 * 1024,
     .doc = "bytes, after gzip too; larger requests get 413 (gRPC: RESOURCE_EXHAUSTED)"},
    {.name = "tenants", .type = SETTING_INCLUDE, .include = otlp_tenant_keys,
     .offset = offsetof(struct otlp_http_settings, tenants)},
    {.name = "signals", .type = SETTING_INCLUDE, .include = otlp_signal_keys,
     .offset = offsetof(struct otlp_http_settings, signals)},
    {0},
};

const struct source_type otlp_http_source = {
    .name = "otlp_http",
    .doc = "OTLP receiver: OTLP/HTTP POST /v1/traces, /v1/logs, /v1/metrics (JSON or "
           "protobuf), and OTLP/gRPC on grpc_listen.",
    .example_name = "otlp",
    .keys = keys,
    .settings_size = sizeof(struct otlp_http_settings),
    .ops = &ops,
};
