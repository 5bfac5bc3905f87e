/* otlp_http.c - the OTLP/HTTP receiver: POST /v1/traces with JSON.
 *
 * Listens on `listen` (default 127.0.0.1:4318). HTTP/1.1 with keep-alive,
 * bodies by Content-Length or chunked (OpenTelemetry's JavaScript exporter
 * sends chunked bodies on kept-alive connections), optional
 * Content-Encoding: gzip. The body is decoded and mapped (otlp_map.h) as
 * by the file follower, and the records are flushed to the database before
 * the answer goes out, so a 200 means durable. Answers:
 *
 *   200 {}                                      accepted
 *   200 {"partialSuccess": {"rejectedSpans", "errorMessage"}}
 *   400  a body that is not OTLP/JSON, or a malformed request
 *   404  any other path          405  any other method
 *   411  no length               413  a body above max_body (also gzipped)
 *   415  protobuf (not supported yet) and other content types or encodings
 *   503  the records could not be stored (retry)
 *
 * Everything is asynchronous: many connections, slow clients and half-sent
 * bodies only hold their own connection, which is closed after 30 s
 * without progress. At most MAX_CONNECTIONS are served at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "collectors/collector.h"
#include "lib/http_parser.h"
#include "collectors/otlp_map.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define IDLE_MS 30000
#define MAX_CONNECTIONS 1024
#define RETRY_LISTEN_S 5

struct receiver;

struct conn {
    uv_tcp_t tcp;
    uv_timer_t idle;
    struct receiver *r;
    struct http_parser p;
    bool continue_sent;
    bool closing;
    int open;                   /* handles not yet closed (tcp, idle) */
    int writes;                 /* in flight */
    bool close_after_write;
    struct conn *next;
};

struct write_req {
    uv_write_t req;
    struct conn *c;
    char *data;
};

struct receiver {
    struct collector *c;
    uv_tcp_t server;
    bool listening, server_open, server_closing;
    uv_timer_t retry;
    bool retry_open;
    struct conn *conns;
    size_t nconns;
    struct otlp_options opts;
    bool stopping;
    collector_cb closed;
    int closing_handles;
};

/* ---- connections ---------------------------------------------------------------- */

static void maybe_stopped(struct receiver *r)
{
    if (r->stopping && r->closing_handles == 0 && r->nconns == 0 && r->closed) {
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
    free(c);
    maybe_stopped(r);
}

static void conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
    uv_close((uv_handle_t *)&c->idle, conn_handle_closed);
}

static void on_written(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    struct conn *c = wr->c;
    free(wr->data);
    free(wr);
    c->writes--;
    if (status < 0 || (c->close_after_write && c->writes == 0))
        conn_close(c);
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

/* One response. Errors carry a google.rpc.Status-shaped JSON body. */
static void respond(struct conn *c, int status, const char *json, bool keep_alive)
{
    struct strbuf b = {0};
    strbuf_printf(&b, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                  "Content-Length: %zu\r\n%s%s\r\n", status, reason(status), strlen(json),
                  status == 405 ? "Allow: POST\r\n" : "",
                  keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
    strbuf_puts(&b, json);
    if (!keep_alive)
        c->close_after_write = true;
    send_raw(c, b.s, b.len);
    strbuf_free(&b);
}

static void respond_error(struct conn *c, int status, const char *message, bool keep_alive)
{
    struct strbuf b = {0};
    /* gRPC codes: INVALID_ARGUMENT 3, NOT_FOUND 5, UNAVAILABLE 14, UNIMPLEMENTED 12 */
    int code = status == 404 ? 5 : status == 503 ? 14 : status == 415 || status == 501 ? 12 : 3;
    strbuf_printf(&b, "{\"code\":%d,\"message\":", code);
    jsonw_quote(&b, message);
    strbuf_putc(&b, '}');
    respond(c, status, strbuf_str(&b), keep_alive);
    strbuf_free(&b);
}

/* ---- requests --------------------------------------------------------------------- */

static bool media_is(const char *value, const char *type)
{
    size_t n = strlen(type);
    return strncasecmp(value, type, n) == 0 && (value[n] == '\0' || value[n] == ';' ||
                                                 value[n] == ' ');
}

/* What is wrong with the request as soon as its head is known: status, or
 * 0 if it may go on. */
static int check_head(const struct http_parser *p, const char **why)
{
    const char *path = p->target;
    size_t plen = strcspn(path, "?");
    if (plen != 10 || strncmp(path, "/v1/traces", 10) != 0) {
        *why = "only /v1/traces is served";
        return 404;
    }
    if (strcmp(p->method, "POST") != 0) {
        *why = "POST /v1/traces";
        return 405;
    }
    if (media_is(p->content_type, "application/x-protobuf")) {
        *why = "OTLP protobuf is not supported yet: send Content-Type: application/json";
        return 415;
    }
    if (!media_is(p->content_type, "application/json")) {
        *why = "Content-Type must be application/json";
        return 415;
    }
    if (p->content_encoding[0] && strcasecmp(p->content_encoding, "gzip") != 0 &&
        strcasecmp(p->content_encoding, "identity") != 0) {
        *why = "Content-Encoding must be gzip or identity";
        return 415;
    }
    return 0;
}

/* gunzip into out, at most max bytes. 0, 413 if larger, 400 if corrupt. */
static int gunzip(const char *in, size_t len, size_t max, struct strbuf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return 400;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    char chunk[65536];
    int rc;
    do {
        z.next_out = (Bytef *)chunk;
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&z);
            return 400;
        }
        size_t got = sizeof chunk - z.avail_out;
        if (out->len + got > max) {
            inflateEnd(&z);
            return 413;
        }
        strbuf_append(out, chunk, got);
    } while (rc != Z_STREAM_END && (z.avail_in > 0 || z.avail_out == 0));
    inflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : 400;
}

static void handle(struct conn *c)
{
    struct receiver *r = c->r;
    struct http_parser *p = &c->p;
    const char *why = "";
    int status = check_head(p, &why);
    if (status) {
        respond_error(c, status, why, p->keep_alive);
        return;
    }
    const char *body = strbuf_str(&p->body);
    size_t len = p->body.len;
    struct strbuf plain = {0};
    if (strcasecmp(p->content_encoding, "gzip") == 0) {
        status = gunzip(body, len, r->c->cfg->max_body, &plain);
        if (status) {
            respond_error(c, status, status == 413 ? "the unzipped body is larger than max_body"
                                                   : "the body is not valid gzip", p->keep_alive);
            strbuf_free(&plain);
            return;
        }
        body = strbuf_str(&plain);
        len = plain.len;
    }
    struct otlp_result res;
    struct sink *sink = r->c->sink;
    if (otlp_map_export(OTLP_JSON, OTLP_TRACES, body, len, &r->opts, sink, &res) != 0) {
        r->c->status.rejected++;
        respond_error(c, 400, res.error, p->keep_alive);
        strbuf_free(&plain);
        return;
    }
    strbuf_free(&plain);
    /* durable before we say so */
    char err[256];
    if (sink->flush(sink, err, sizeof err) != 0) {
        collector_error(r->c, "%s", err);
        respond_error(c, 503, "the records could not be stored; retry", p->keep_alive);
        return;
    }
    collector_ok(r->c, (int64_t)res.counted);
    r->c->status.no_usage += (int64_t)res.no_usage;
    if (res.rejected == 0) {
        respond(c, 200, "{}", p->keep_alive);
        return;
    }
    r->c->status.rejected += (int64_t)res.rejected;
    log_msg(LOG_WARN, "%s: %zu span(s) rejected: %s", r->c->status.name, res.rejected,
            res.error);
    struct strbuf b = {0};
    strbuf_printf(&b, "{\"partialSuccess\":{\"rejectedSpans\":\"%zu\",\"errorMessage\":",
                  res.rejected);
    jsonw_quote(&b, res.error);
    strbuf_puts(&b, "}}");
    respond(c, 200, strbuf_str(&b), p->keep_alive);
    strbuf_free(&b);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    if (n < 0) {
        free(buf->base);
        conn_close(c);
        return;
    }
    uv_timer_again(&c->idle);
    size_t used = 0;
    while (used < (size_t)n && !c->closing && !c->close_after_write) {
        used += hp_feed(&c->p, buf->base + used, (size_t)n - used);
        struct http_parser *p = &c->p;
        if (p->state == HP_ERROR) {
            respond_error(c, p->error_status, p->error, false);
            break;
        }
        if (p->headers_done && p->state != HP_DONE && !c->continue_sent) {
            /* refuse early what will be refused anyway, before the body */
            const char *why;
            int status = check_head(p, &why);
            if (status) {
                respond_error(c, status, why, false);
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
    free(buf->base);
}

static void on_idle(uv_timer_t *t)
{
    struct conn *c = t->data;
    log_msg(LOG_DEBUG, "otlp_http: closing a connection idle for %ds", IDLE_MS / 1000);
    conn_close(c);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct receiver *r = server->data;
    if (status < 0)
        return;
    struct conn *c = xcalloc(1, sizeof *c);
    c->r = r;
    hp_init(&c->p, (size_t)r->c->cfg->max_body);
    uv_tcp_init(r->c->loop, &c->tcp);
    uv_timer_init(r->c->loop, &c->idle);
    c->tcp.data = c->idle.data = c;
    c->open = 2;
    c->next = r->conns;
    r->conns = c;
    r->nconns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 || r->nconns > MAX_CONNECTIONS ||
        r->stopping) {
        conn_close(c);
        return;
    }
    uv_timer_start(&c->idle, on_idle, IDLE_MS, IDLE_MS);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
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
        uv_timer_start(&r->retry, on_retry, RETRY_LISTEN_S * 1000, 0);
}

static void try_listen(struct receiver *r)
{
    struct sockaddr_storage sa;
    if (parse_listen(r->c->cfg->listen, &sa) != 0) {
        collector_error(r->c, "cannot use listen = %s", r->c->cfg->listen);
        return;
    }
    if (!r->server_open) {
        uv_tcp_init(r->c->loop, &r->server);
        r->server.data = r;
        r->server_open = true;
    }
    int rc = uv_tcp_bind(&r->server, (const struct sockaddr *)&sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&r->server, 128, on_connection);
    if (rc != 0) {
        collector_error(r->c, "cannot listen on %s: %s (retrying)", r->c->cfg->listen,
                        uv_strerror(rc));
        r->server_closing = true;
        r->closing_handles++;
        uv_close((uv_handle_t *)&r->server, closed_for_retry);
        return;
    }
    r->listening = true;
    log_msg(LOG_INFO, "source %s: listening on %s", r->c->cfg->name, r->c->cfg->listen);
    collector_ok(r->c, 0);
    collector_caught_up(r->c);
}

static void on_retry(uv_timer_t *t) { try_listen(t->data); }

/* ---- ops ------------------------------------------------------------------------------- */

static int http_init(struct collector *c, char *err, size_t errlen)
{
    struct receiver *r = xcalloc(1, sizeof *r);
    struct sockaddr_storage sa;
    if (parse_listen(c->cfg->listen, &sa) != 0) {
        snprintf(err, errlen, "source %s: cannot use listen = %s (HOST:PORT)", c->cfg->name,
                 c->cfg->listen);
        free(r);
        return -1;
    }
    r->c = c;
    r->opts.source = c->cfg->name;
    r->opts.tenant_attrs = c->cfg->tenant_attrs;
    r->opts.ntenant_attrs = c->cfg->ntenant_attrs;
    c->impl = r;
    return 0;
}

static void http_start(struct collector *c)
{
    struct receiver *r = c->impl;
    uv_timer_init(c->loop, &r->retry);
    r->retry.data = r;
    r->retry_open = true;
    try_listen(r);
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

static void http_stop(struct collector *c, collector_cb closed)
{
    struct receiver *r = c->impl;
    r->stopping = true;
    r->closed = closed;
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
    maybe_stopped(r);
}

static void http_destroy(struct collector *c)
{
    free(c->impl);
    c->impl = NULL;
}

const struct collector_ops otlp_http_ops = {
    .init = http_init,
    .start = http_start,
    .poll_now = http_poll_now,
    .run_once = http_run_once,
    .stop = http_stop,
    .destroy = http_destroy,
};
