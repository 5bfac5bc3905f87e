/* grpc_server.c - unary gRPC over h2c on libuv with libnghttp2 (see
 * grpc_server.h).
 *
 * Ownership. A connection owns its uv handles (freed in their close
 * callbacks, like every handle in this project), its nghttp2 session and
 * the calls on it. A call is created at a stream's HEADERS and freed once
 * both the stream is over (closed by nghttp2, or the connection gone) and
 * no handler holds it. A call a handler holds outlives its stream and its
 * connection: it is then detached, its answer dropped when it comes. The
 * server is freed after grpc_server_close once nothing is left.
 *
 * Re-entrancy. nghttp2 calls back from inside nghttp2_session_mem_recv and
 * _mem_send, where the session must not be driven again. So a request
 * that completes there only goes on a ready list; handlers run after
 * mem_recv returns, and while a read is being processed (conn->busy) an
 * answer is only submitted and a close only noted: the end of on_read
 * writes and closes.
 */
#include "lib/grpc_server.h"

#include <inttypes.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define MAX_PATH 256
#define MAX_HEADER_BYTES (16 * 1024)  /* a request's header list */
#define MAX_MESSAGE_TEXT 1024         /* grpc-message, encoded */
#define STREAM_WINDOW (1 << 20)       /* flow control, per stream */
#define CONN_WINDOW (4 << 20)         /* and per connection */
#define WRITE_CHUNK (64 * 1024)       /* bytes gathered per uv_write */
#define WRITE_HIGH (256 * 1024)       /* unwritten bytes before reading stops */
#define MAX_REFUSING 16               /* over-limit connections being told so */
#define REFUSE_LINGER_MS 1000         /* time they get to read the GOAWAY */

struct method {
    char path[MAX_PATH];
    grpc_handler fn;
    void *ctx;
    struct method *next;
};

enum call_state {
    CALL_RECEIVING,  /* the request is arriving */
    CALL_READY,      /* it is whole; the handler gets it after this read */
    CALL_HANDLER,    /* a handler holds it */
    CALL_ANSWERED,   /* the answer is submitted (or the call was refused) */
};

struct conn;

struct grpc_call {
    struct grpc_server *s;
    struct conn *c;               /* NULL once its connection is gone */
    int32_t id;
    bool stream_open;
    enum call_state state;
    /* the request's head */
    char path[MAX_PATH];
    bool post, grpc_type, gzip, bad_encoding;
    char codec[16];             /* application/grpc+json, ...: not protobuf */
    size_t header_bytes;
    const struct method *m;
    uint64_t deadline;            /* for CALL_RECEIVING */
    /* the request */
    struct grpc_reader rd;
    uint8_t *msg;
    size_t msg_len;
    size_t charged;               /* request bytes counted against the limits */
    /* the answer, read by nghttp2 from out */
    uint8_t *out;
    size_t out_len, out_off;
    struct grpc_call *prev, *next;  /* on c->calls, in arrival order */
    struct grpc_call *ready_next;
};

/* Where the client's bytes are in HTTP/2's framing (RFC 9113 3.4, 4.1):
 * the preface's magic, then frames of a 9-byte header and its payload.
 * Followed beside nghttp2, which does not say, so that a preface or a
 * frame trickled in cannot hold its connection (head_timeout_ms). */
struct framing {
    uint32_t left;                /* bytes of the magic or of a payload */
    uint8_t hdr[3];               /* a frame header's length ... */
    uint8_t nhdr;                 /* ... and how much of the header is in */
    bool magic;                   /* still in the magic */
    bool inside;                  /* between the first and last byte of one */
    uint64_t since;               /* its first byte (uv_now) */
};

struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    struct grpc_server *s;
    nghttp2_session *h2;
    int open;                     /* handles not yet closed */
    bool refused;                 /* over max_connections: GOAWAY, then close */
    bool started;                 /* the first bytes were the HTTP/2 preface */
    bool busy;                    /* inside on_read */
    bool closing, torn, reading, close_after_write;
    struct grpc_call *calls, *calls_tail;
    struct grpc_call *ready, *ready_tail;
    size_t ncalls, nhandler;      /* calls attached; of them held by handlers */
    size_t bytes;                 /* request bytes held */
    size_t write_bytes;           /* handed to uv_write, not yet written */
    int writes;
    uint64_t last_activity;       /* a request received, an answer written */
    struct framing fr;
    struct conn *prev, *next;
};

struct write_req {
    uv_write_t req;
    struct conn *c;
    char *data;
    size_t len;
};

struct grpc_server {
    uv_loop_t *loop;
    struct grpc_limits lim;
    uv_tcp_t listener;
    int port;
    struct method *methods;
    struct conn *conns;
    size_t nconns, nrefusing;     /* served / being refused */
    size_t ncalls, bytes;
    int open_handles;             /* listener, bare refused sockets */
    uint64_t answered, refused, refused_connections;
    bool closing;
    void (*done)(void *arg);
    void *done_arg;
    grpc_refused_fn on_refused;
    void *refused_ctx;
};

static void conn_flush(struct conn *c);
static void conn_arm(struct conn *c);
static void conn_close(struct conn *c);

/* ---- the server's end ------------------------------------------------------ */

static void server_maybe_done(struct grpc_server *s)
{
    if (!s->closing || s->open_handles > 0 || s->conns || s->ncalls > 0 || !s->done)
        return;
    void (*done)(void *) = s->done;
    void *arg = s->done_arg;
    while (s->methods) {
        struct method *m = s->methods;
        s->methods = m->next;
        free(m);
    }
    free(s);
    done(arg);
}

/* ---- calls: lifetime and limits -------------------------------------------- */

static void call_uncharge(struct grpc_call *call)
{
    if (call->c)
        call->c->bytes -= call->charged;
    call->s->bytes -= call->charged;
    call->charged = 0;
}

/* Count n more request bytes: NULL, or why the call is refused. Either
 * refusal is UNAVAILABLE: it passes once calls before it are answered, and
 * OTLP exporters retry UNAVAILABLE, while RESOURCE_EXHAUSTED without a
 * RetryInfo is final for them (the OTLP specification; the Collector's and
 * Go's exporters drop the data). */
static const char *call_charge(struct grpc_call *call, size_t n)
{
    struct grpc_server *s = call->s;
    if (call->c->bytes + n > s->lim.max_conn_bytes)
        return "this connection holds too many requests; retry";
    if (s->bytes + n > s->lim.max_total_bytes)
        return "the server holds too many requests; retry";
    call->c->bytes += n;
    s->bytes += n;
    call->charged += n;
    return NULL;
}

static void call_unlink(struct grpc_call *call)
{
    struct conn *c = call->c;
    if (!c)
        return;
    if (call->prev)
        call->prev->next = call->next;
    else
        c->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    else
        c->calls_tail = call->prev;
    c->ncalls--;
    call->prev = call->next = NULL;
}

static void call_free(struct grpc_call *call)
{
    struct grpc_server *s = call->s;
    call_uncharge(call);
    call_unlink(call);
    grpc_reader_free(&call->rd);
    free(call->msg);
    free(call->out);
    free(call);
    s->ncalls--;
    server_maybe_done(s);
}

/* ---- answers -------------------------------------------------------------------- */

#define NV(n, v) \
    { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE }

/* nghttp2 reads an OK answer's one message, then the trailers go out. */
static ssize_t read_answer(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t length,
                           uint32_t *flags, nghttp2_data_source *src, void *user)
{
    (void)user;
    struct grpc_call *call = src->ptr;
    size_t n = call->out_len - call->out_off;
    if (n > length)
        n = length;
    memcpy(buf, call->out + call->out_off, n);
    call->out_off += n;
    if (call->out_off == call->out_len) {
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nghttp2_nv trailers[] = {NV("grpc-status", "0")};
        if (nghttp2_submit_trailer(h2, id, trailers, 1) != 0)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets this stream only */
    }
    return (ssize_t)n;
}

static int submit_ok(struct grpc_call *call, const uint8_t *resp, size_t len)
{
    call->out_len = GRPC_PREFIX_LEN + len;
    call->out = xmalloc(call->out_len);
    grpc_prefix_write(call->out, (uint32_t)len);
    if (len)
        memcpy(call->out + GRPC_PREFIX_LEN, resp, len);
    nghttp2_nv head[] = {NV(":status", "200"), NV("content-type", "application/grpc"),
                         NV("grpc-accept-encoding", "identity,gzip")};
    nghttp2_data_provider dp = {.source.ptr = call, .read_callback = read_answer};
    return nghttp2_submit_response(call->c->h2, call->id, head, 3, &dp);
}

/* Trailers-only: one HEADERS frame that ends the stream (should the
 * request still be arriving, on_frame_send then resets the stream). */
static int submit_status(struct grpc_call *call, int http, int status, const char *message)
{
    char code[16], hstatus[8];
    snprintf(code, sizeof code, "%d", status);
    snprintf(hstatus, sizeof hstatus, "%d", http);
    nghttp2_nv nv[5] = {{(uint8_t *)":status", (uint8_t *)hstatus, 7, strlen(hstatus), 0},
                        NV("content-type", "application/grpc"), NV("grpc-status", code)};
    size_t n = 3;
    /* at function scope: nv refers to it until the response is submitted */
    /* cppcheck-suppress variableScope */
    char text[MAX_MESSAGE_TEXT];
    if (message && *message) {
        grpc_message_encode(message, text, sizeof text);
        nv[n++] = (nghttp2_nv)NV("grpc-message", text);
    }
    if (status == GRPC_UNIMPLEMENTED)
        nv[n++] = (nghttp2_nv)NV("grpc-accept-encoding", "identity,gzip");
    return nghttp2_submit_response(call->c->h2, call->id, nv, n, NULL);
}

/* The server refuses a call it has not handed to a handler. */
static void call_refuse(struct grpc_call *call, int http, int status, const char *message)
{
    call_uncharge(call);
    grpc_reader_free(&call->rd);
    free(call->msg);
    call->msg = NULL;
    call->state = CALL_ANSWERED;
    call->s->refused++;
    if (call->s->on_refused) {
        char peer[96];
        grpc_call_peer(call, peer, sizeof peer);
        call->s->on_refused(call->s->refused_ctx, peer, call->path, status, message);
    }
    if (submit_status(call, http, status, message) != 0)
        nghttp2_submit_rst_stream(call->c->h2, NGHTTP2_FLAG_NONE, call->id, NGHTTP2_INTERNAL_ERROR);
}

void grpc_call_respond(struct grpc_call *call, int status, const char *message,
                       const uint8_t *resp, size_t len)
{
    struct conn *c = call->c;
    if (call->state != CALL_HANDLER)
        return; /* answered twice: a bug in the handler; ignored */
    if (c)
        c->nhandler--;
    call->state = CALL_ANSWERED;
    if (status == GRPC_OK && call->stream_open)
        call->s->answered++;
    else
        call->s->refused++;
    if (!call->stream_open || !c || c->closing) {
        call_free(call); /* nobody to tell */
        return;
    }
    c->last_activity = uv_now(c->s->loop); /* an answer: the connection is in use */
    if (len > UINT32_MAX) {
        status = GRPC_INTERNAL;
        message = "the answer is too large";
    }
    /* resp may be the request message itself (an echo): copy, then free */
    int rc = status == GRPC_OK ? submit_ok(call, resp, len)
                               : submit_status(call, 200, status, message);
    free(call->msg);
    call->msg = NULL;
    call_uncharge(call);
    /* the answer counts until it is sent, without a check (it exists
     * already): a client that does not read its answers fills its own
     * connection's budget, and is refused more requests */
    c->bytes += call->out_len;
    call->s->bytes += call->out_len;
    call->charged = call->out_len;
    if (rc != 0)
        nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, call->id, NGHTTP2_INTERNAL_ERROR);
    if (!c->busy) {
        conn_flush(c);
        conn_arm(c);
    }
}

bool grpc_call_waiting(const struct grpc_call *call)
{
    return call->stream_open && call->c && !call->c->closing;
}

const char *grpc_call_method(const struct grpc_call *call) { return call->path; }

static void conn_peer(const struct conn *c, char *out, size_t len)
{
    struct sockaddr_storage sa;
    int n = sizeof sa;
    char ip[64];
    snprintf(out, len, "?");
    if (!c || uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &n) != 0)
        return;
    if (sa.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&sa, ip, sizeof ip);
        snprintf(out, len, "[%s]:%d", ip, ntohs(((struct sockaddr_in6 *)&sa)->sin6_port));
    } else if (sa.ss_family == AF_INET) {
        uv_ip4_name((struct sockaddr_in *)&sa, ip, sizeof ip);
        snprintf(out, len, "%s:%d", ip, ntohs(((struct sockaddr_in *)&sa)->sin_port));
    }
}

void grpc_call_peer(const struct grpc_call *call, char *out, size_t len)
{
    conn_peer(call->c, out, len);
}

void grpc_server_on_refused(struct grpc_server *s, grpc_refused_fn fn, void *ctx)
{
    s->on_refused = fn;
    s->refused_ctx = ctx;
}

/* ---- requests, from nghttp2's callbacks ---------------------------------------- */

static struct grpc_call *stream_call(nghttp2_session *h2, int32_t id)
{
    return nghttp2_session_get_stream_user_data(h2, id);
}

static int on_begin_headers(nghttp2_session *h2, const nghttp2_frame *frame, void *user)
{
    struct conn *c = user;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    /* reset streams whose handler has not answered still count: opening
     * and cancelling streams cannot pile calls up */
    if (c->refused || c->ncalls >= 2 * (size_t)c->s->lim.max_streams) {
        nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                  NGHTTP2_REFUSED_STREAM);
        return 0;
    }
    struct grpc_call *call = xcalloc(1, sizeof *call);
    call->s = c->s;
    call->c = c;
    call->id = frame->hd.stream_id;
    call->stream_open = true;
    call->deadline = uv_now(c->s->loop) + c->s->lim.request_timeout_ms;
    call->prev = c->calls_tail;
    if (c->calls_tail)
        c->calls_tail->next = call;
    else
        c->calls = call;
    c->calls_tail = call;
    c->ncalls++;
    c->s->ncalls++;
    nghttp2_session_set_stream_user_data(h2, call->id, call);
    return 0;
}

static bool header_is(const uint8_t *name, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(name, want, len) == 0;
}

/* application/grpc, application/grpc+proto, application/grpc;...: a gRPC
 * call of protobuf messages. Another subtype (application/grpc+json) is
 * gRPC too, but its messages are in a codec no handler reads: refused as
 * UNIMPLEMENTED, saying so (decoded as protobuf, they would be refused as
 * undecodable, INVALID_ARGUMENT, which tells the client nothing). */
static void content_type(struct grpc_call *call, const uint8_t *value, size_t len)
{
    call->grpc_type = len >= 16 && memcmp(value, "application/grpc", 16) == 0 &&
                      (len == 16 || value[16] == '+' || value[16] == ';');
    if (!call->grpc_type || len == 16 || value[16] != '+')
        return;
    size_t sub = 0;
    while (17 + sub < len && value[17 + sub] != ';' && value[17 + sub] != ' ')
        sub++;
    if (sub == 5 && strncasecmp((const char *)value + 17, "proto", 5) == 0)
        return;
    size_t n = sub < sizeof call->codec ? sub : sizeof call->codec - 1;
    memcpy(call->codec, value + 17, n);
    call->codec[n] = '\0';
    if (n == 0) /* "application/grpc+": no codec named */
        snprintf(call->codec, sizeof call->codec, "?");
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user)
{
    (void)flags;
    (void)user;
    struct grpc_call *call = stream_call(h2, frame->hd.stream_id);
    if (!call || frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    call->header_bytes += namelen + valuelen + 32; /* as SETTINGS_MAX_HEADER_LIST_SIZE counts */
    if (call->header_bytes > MAX_HEADER_BYTES)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* this stream is reset */
    if (header_is(name, namelen, ":method")) {
        call->post = header_is(value, valuelen, "POST");
    } else if (header_is(name, namelen, ":path")) {
        size_t n = valuelen < MAX_PATH ? valuelen : 0; /* too long: no method has it */
        memcpy(call->path, value, n);
        call->path[n] = '\0';
    } else if (header_is(name, namelen, "content-type")) {
        content_type(call, value, valuelen);
    } else if (header_is(name, namelen, "grpc-encoding")) {
        call->gzip = header_is(value, valuelen, "gzip");
        call->bad_encoding = !call->gzip && !header_is(value, valuelen, "identity");
    }
    return 0;
}

static const struct method *find_method(const struct grpc_server *s, const char *path)
{
    for (const struct method *m = s->methods; m; m = m->next)
        if (strcmp(m->path, path) == 0)
            return m;
    return NULL;
}

/* The request's head is whole: refuse it now, or get ready for its message. */
static void call_head(struct grpc_call *call)
{
    char why[MAX_PATH + 64];
    if (!call->post) {
        call_refuse(call, 405, GRPC_INTERNAL, "gRPC calls are POST requests");
    } else if (!call->grpc_type) {
        call_refuse(call, 415, GRPC_INTERNAL, "content-type must be application/grpc");
    } else if (call->codec[0]) {
        snprintf(why, sizeof why, "content-type application/grpc+%s: only protobuf messages "
                 "are served (application/grpc or application/grpc+proto)", call->codec);
        call_refuse(call, 200, GRPC_UNIMPLEMENTED, why);
    } else if (!(call->m = find_method(call->s, call->path))) {
        snprintf(why, sizeof why, "unknown method %s", call->path[0] ? call->path : "(too long)");
        call_refuse(call, 200, GRPC_UNIMPLEMENTED, why);
    } else if (call->bad_encoding) {
        call_refuse(call, 200, GRPC_UNIMPLEMENTED,
                    "grpc-encoding must be identity or gzip");
    } else {
        grpc_reader_init(&call->rd, call->s->lim.max_message, call->gzip);
    }
}

static int on_data(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data,
                   size_t len, void *user)
{
    (void)flags;
    struct conn *c = user;
    struct grpc_call *call = stream_call(h2, id);
    if (!call || call->state != CALL_RECEIVING)
        return 0; /* a refused call's rest: dropped */
    c->last_activity = uv_now(c->s->loop); /* a request arriving */
    const char *full = call_charge(call, len);
    if (full) {
        call_refuse(call, 200, GRPC_UNAVAILABLE, full);
        return 0;
    }
    int status = grpc_reader_feed(&call->rd, data, len);
    if (status != GRPC_OK)
        call_refuse(call, 200, status, call->rd.error);
    return 0;
}

/* The request ended: its one message, inflated, goes to the ready list. */
static void call_end(struct grpc_call *call)
{
    if (call->state != CALL_RECEIVING)
        return;
    uint8_t *msg;
    size_t len;
    int status = grpc_reader_finish(&call->rd, &msg, &len);
    if (status != GRPC_OK) {
        call_refuse(call, 200, status, call->rd.error);
        return;
    }
    /* from now on the request holds its inflated size */
    call_uncharge(call);
    call->msg = msg;
    call->msg_len = len;
    const char *full = call_charge(call, len);
    if (full) {
        call_refuse(call, 200, GRPC_UNAVAILABLE, full);
        return;
    }
    struct conn *c = call->c;
    call->state = CALL_READY;
    if (c->ready_tail)
        c->ready_tail->ready_next = call;
    else
        c->ready = call;
    c->ready_tail = call;
}

static int on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame, void *user)
{
    struct conn *c = user;
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
        return 0;
    struct grpc_call *call = stream_call(h2, frame->hd.stream_id);
    if (!call)
        return 0;
    c->last_activity = uv_now(c->s->loop); /* a request: the connection is in use */
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
        call_head(call);
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
        call_end(call);
    return 0;
}

/* Our answer ended the stream while the request is still arriving (a
 * refusal): RST_STREAM NO_ERROR tells the client to send no more of it
 * (RFC 9113 8.1); nghttp2 would go on taking it in. */
static int on_frame_send(nghttp2_session *h2, const nghttp2_frame *frame, void *user)
{
    (void)user;
    int32_t id = frame->hd.stream_id;
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
        nghttp2_session_get_stream_remote_close(h2, id) == 0)
        nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR);
    return 0;
}

static int on_stream_close(nghttp2_session *h2, int32_t id, uint32_t error, void *user)
{
    (void)error;
    (void)user;
    struct grpc_call *call = stream_call(h2, id);
    if (!call)
        return 0;
    call->stream_open = false;
    if (call->state == CALL_RECEIVING)
        call->s->refused++; /* the client gave up (RST_STREAM) */
    /* a handler's call lives until it answers; a ready one until the
     * ready list is run, which drops it */
    if (call->state != CALL_HANDLER && call->state != CALL_READY)
        call_free(call);
    return 0;
}

/* Hand the calls that became whole in this read to their handlers. */
static void run_ready(struct conn *c)
{
    while (c->ready && !c->closing) {
        struct grpc_call *call = c->ready;
        c->ready = call->ready_next;
        if (!c->ready)
            c->ready_tail = NULL;
        call->ready_next = NULL;
        if (!call->stream_open) {
            call->s->refused++;
            call_free(call); /* reset before anyone saw it */
            continue;
        }
        call->state = CALL_HANDLER;
        c->nhandler++;
        call->m->fn(call->m->ctx, call, call->msg, call->msg_len);
    }
}

/* ---- connections ------------------------------------------------------------------ */

static void conn_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    if (--c->open > 0)
        return;
    struct grpc_server *s = c->s;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->refused)
        s->nrefusing--;
    else
        s->nconns--;
    if (c->h2)
        nghttp2_session_del(c->h2);
    free(c);
    server_maybe_done(s);
}

/* Its calls leave with it: those a handler holds are detached (their
 * answers will be dropped), the others freed. */
static void conn_drop_calls(struct conn *c)
{
    struct grpc_call *call = c->calls;
    c->calls = c->calls_tail = NULL;
    c->ready = c->ready_tail = NULL;
    c->ncalls = c->nhandler = 0;
    while (call) {
        struct grpc_call *next = call->next;
        call->c = NULL; /* what a held call holds still counts for the server */
        call->prev = call->next = call->ready_next = NULL;
        call->stream_open = false;
        if (call->state != CALL_HANDLER)
            call_free(call);
        call = next;
    }
}

static void conn_close(struct conn *c)
{
    c->closing = true;
    if (c->busy || c->torn)
        return; /* on_read tears it down once nghttp2 is out of the way */
    c->torn = true;
    conn_drop_calls(c);
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
    uv_close((uv_handle_t *)&c->timer, conn_closed);
}

static void on_written(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    struct conn *c = wr->c;
    c->writes--;
    c->write_bytes -= wr->len;
    free(wr->data);
    free(wr);
    if (c->closing)
        return;
    if (status < 0 || (c->close_after_write && c->writes == 0)) {
        conn_close(c);
        return;
    }
    if (c->ncalls) /* answers going out; not a PING's ACK */
        c->last_activity = uv_now(c->s->loop);
    conn_flush(c);
    conn_arm(c);
}

static void conn_write(struct conn *c, struct strbuf *b)
{
    struct write_req *wr = xcalloc(1, sizeof *wr);
    wr->c = c;
    wr->len = b->len;
    wr->data = strbuf_detach(b);
    uv_buf_t buf = uv_buf_init(wr->data, (unsigned)wr->len);
    c->writes++;
    c->write_bytes += wr->len;
    if (uv_write(&wr->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) != 0) {
        c->writes--;
        c->write_bytes -= wr->len;
        free(wr->data);
        free(wr);
        conn_close(c);
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf);

/* Read while the client reads our answers; stop while they pile up. */
static void conn_read_while_writing(struct conn *c)
{
    bool want = c->write_bytes < WRITE_HIGH;
    if (want == c->reading)
        return;
    int rc = want ? uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read)
                  : uv_read_stop((uv_stream_t *)&c->tcp);
    if (rc != 0) {
        conn_close(c);
        return;
    }
    c->reading = want;
    /* a frame's time runs while we read: not while its client would not
     * take our answers */
    if (want && c->fr.inside)
        c->fr.since = uv_now(c->s->loop);
}

/* Write what nghttp2 has to send, up to WRITE_HIGH unwritten bytes. */
static void conn_flush(struct conn *c)
{
    if (c->closing || !c->started)
        return;
    struct strbuf out = {0};
    while (c->write_bytes + out.len < WRITE_HIGH) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(c->h2, &data);
        if (n < 0) {
            strbuf_free(&out);
            conn_close(c);
            return;
        }
        if (n == 0)
            break;
        strbuf_append(&out, (const char *)data, (size_t)n);
        if (out.len >= WRITE_CHUNK)
            conn_write(c, &out);
    }
    if (out.len)
        conn_write(c, &out);
    strbuf_free(&out);
    if (c->closing)
        return;
    conn_read_while_writing(c);
    /* a GOAWAY went out, or the session is over. A refused connection
     * reads on until the client closes (or REFUSE_LINGER_MS), or its
     * unread request would turn our close into a reset that loses the
     * GOAWAY. */
    if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2) &&
        c->writes == 0 && !c->refused)
        conn_close(c);
}

static uint64_t conn_idle_ms(const struct conn *c)
{
    uint64_t idle = c->s->lim.idle_timeout_ms;
    return c->refused && idle > REFUSE_LINGER_MS ? REFUSE_LINGER_MS : idle;
}

/* When the preface or the frame arriving must be whole; UINT64_MAX if
 * none is (or we are not reading). */
static uint64_t frame_deadline(const struct conn *c)
{
    return c->fr.inside && c->reading ? c->fr.since + c->s->lim.head_timeout_ms : UINT64_MAX;
}

/* The timer: at the earliest request or frame deadline, or when the
 * connection will have been idle too long (never while a handler holds a
 * call). */
static void on_timer(uv_timer_t *t);
static void conn_arm(struct conn *c)
{
    if (c->closing)
        return;
    uint64_t next = c->nhandler ? UINT64_MAX : c->last_activity + conn_idle_ms(c);
    if (frame_deadline(c) < next)
        next = frame_deadline(c);
    for (struct grpc_call *call = c->calls; call; call = call->next)
        if (call->state == CALL_RECEIVING && call->deadline < next)
            next = call->deadline;
    if (next == UINT64_MAX) {
        uv_timer_stop(&c->timer); /* cannot fail */
        return;
    }
    uint64_t now = uv_now(c->s->loop);
    uv_timer_start(&c->timer, on_timer, next > now ? next - now : 0, 0); /* cannot fail */
}

static void on_timer(uv_timer_t *t)
{
    struct conn *c = t->data;
    uint64_t now = uv_now(c->s->loop);
    if (now >= frame_deadline(c)) {
        log_msg(LOG_DEBUG, "grpc: closing a connection whose %s took over %" PRIu64 " ms",
                c->fr.magic ? "preface" : "frame", c->s->lim.head_timeout_ms);
        conn_close(c);
        return;
    }
    for (struct grpc_call *call = c->calls; call; call = call->next)
        if (call->state == CALL_RECEIVING && call->deadline <= now)
            call_refuse(call, 200, GRPC_DEADLINE_EXCEEDED,
                        "the request did not arrive whole in time");
    if (c->nhandler == 0 && now >= c->last_activity + conn_idle_ms(c)) {
        conn_close(c);
        return;
    }
    conn_flush(c);
    conn_arm(c);
}

/* ---- framing: how long a preface or a frame has been arriving --------------------- */

static void framing_start(struct framing *f, uint64_t now)
{
    memset(f, 0, sizeof *f);
    f->magic = true;
    f->left = NGHTTP2_CLIENT_MAGIC_LEN;
    f->inside = true; /* the preface is due from the connection on */
    f->since = now;
}

/* n more bytes of a frame header: its payload's length once all 9 are in. */
static size_t framing_header(struct framing *f, const uint8_t *p, size_t n)
{
    size_t take = 9u - f->nhdr < n ? 9u - f->nhdr : n;
    for (size_t i = 0; i < take; i++, f->nhdr++)
        if (f->nhdr < 3)
            f->hdr[f->nhdr] = p[i];
    if (f->nhdr == 9) {
        f->nhdr = 0;
        f->left = (uint32_t)f->hdr[0] << 16 | (uint32_t)f->hdr[1] << 8 | f->hdr[2];
        f->inside = f->left > 0;
    }
    return take;
}

/* The client sent n more bytes at now: where its preface or frames are. */
static void framing_feed(struct framing *f, const uint8_t *p, size_t n, uint64_t now)
{
    while (n > 0) {
        if (!f->inside) {
            f->inside = true;
            f->since = now;
        }
        size_t take;
        if (f->magic || f->left > 0) {
            take = f->left < n ? f->left : n;
            f->left -= (uint32_t)take;
            if (f->left == 0) {
                f->magic = false;
                f->inside = false;
            }
        } else {
            take = framing_header(f, p, n);
        }
        p += take;
        n -= take;
    }
}

/* Not HTTP/2 at all (most likely an HTTP/1.1 OTLP exporter pointed at the
 * gRPC port): say so in words it can read, then close. */
static void answer_not_h2(struct conn *c)
{
    c->started = false; /* nothing of HTTP/2 goes out now */
    if (c->s->on_refused) {
        char peer[96];
        conn_peer(c, peer, sizeof peer);
        c->s->on_refused(c->s->refused_ctx, peer, "", GRPC_UNIMPLEMENTED,
                         "HTTP/1 (an OTLP/HTTP exporter?): this port speaks gRPC");
    }
    static const char text[] = "this port speaks gRPC: HTTP/2 without TLS (prior knowledge)\n";
    struct strbuf b = {0};
    strbuf_printf(&b, "HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Type: text/plain\r\n"
                  "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", sizeof text - 1, text);
    c->close_after_write = true;
    conn_write(c, &b);
    strbuf_free(&b);
    uv_read_stop((uv_stream_t *)&c->tcp); /* cannot fail */
    c->reading = false;
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    struct conn *c = stream->data;
    if (n <= 0 || c->closing) {
        free(buf->base);
        if (n < 0)
            conn_close(c);
        return;
    }
    framing_feed(&c->fr, (const uint8_t *)buf->base, (size_t)n, uv_now(c->s->loop));
    bool first = !c->started;
    c->started = true;
    c->busy = true;
    ssize_t rv = nghttp2_session_mem_recv(c->h2, (const uint8_t *)buf->base, (size_t)n);
    c->busy = false;
    bool http1 = rv == NGHTTP2_ERR_BAD_CLIENT_MAGIC && first && buf->base[0] >= 'A' &&
                 buf->base[0] <= 'Z';
    /* a TLS handshake record: a client that was not told the endpoint has
     * no TLS (gRPC exporters default to TLS unless insecure) */
    bool tls = rv == NGHTTP2_ERR_BAD_CLIENT_MAGIC && first && buf->base[0] == 0x16;
    free(buf->base);
    if (http1 && !c->closing) {
        answer_not_h2(c);
        return;
    }
    if (tls && c->s->on_refused) {
        char peer[96];
        conn_peer(c, peer, sizeof peer);
        c->s->on_refused(c->s->refused_ctx, peer, "", GRPC_UNAVAILABLE,
                         "a TLS handshake: this port speaks gRPC without TLS (an exporter "
                         "without insecure?)");
    }
    if (rv < 0) {
        log_msg(LOG_DEBUG, "grpc: closing a connection: %s", nghttp2_strerror((int)rv));
        conn_close(c);
        return;
    }
    c->busy = true;
    run_ready(c);
    c->busy = false;
    if (c->closing) {
        conn_close(c);
        return;
    }
    conn_flush(c);
    conn_arm(c);
}

/* ---- accepting --------------------------------------------------------------------- */

static void bare_closed(uv_handle_t *h)
{
    struct grpc_server *s = h->data;
    free(h);
    s->open_handles--;
    server_maybe_done(s);
}

/* Beyond what may even be told: accept and close at once. */
static void refuse_bare(struct grpc_server *s, uv_stream_t *listener)
{
    uv_tcp_t *t = xmalloc(sizeof *t);
    uv_tcp_init(s->loop, t); /* cannot fail for TCP without flags */
    t->data = s;
    s->open_handles++;
    uv_accept(listener, (uv_stream_t *)t); /* a failure leaves nothing to read */
    uv_close((uv_handle_t *)t, bare_closed);
}

static nghttp2_session *session_new(struct conn *c)
{
    static nghttp2_session_callbacks *cbs;
    if (!cbs) {
        if (nghttp2_session_callbacks_new(&cbs) != 0)
            return NULL;
        nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
        nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
        nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
        nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
    }
    nghttp2_session *h2;
    if (nghttp2_session_server_new(&h2, cbs, c) != 0)
        return NULL;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, c->s->lim.max_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_BYTES},
    };
    if (nghttp2_submit_settings(h2, NGHTTP2_FLAG_NONE, iv, 3) != 0 ||
        nghttp2_session_set_local_window_size(h2, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW) != 0) {
        nghttp2_session_del(h2);
        return NULL;
    }
    if (c->refused) {
        static const char why[] = "too many connections";
        nghttp2_submit_goaway(h2, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR,
                              (const uint8_t *)why, sizeof why - 1);
    }
    return h2;
}

static void on_connection(uv_stream_t *listener, int status)
{
    struct grpc_server *s = listener->data;
    if (status < 0 || s->closing)
        return;
    bool refused = s->nconns >= s->lim.max_connections;
    if (refused && s->nrefusing >= MAX_REFUSING) {
        s->refused_connections++;
        refuse_bare(s, listener);
        return;
    }
    struct conn *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->refused = refused;
    uv_tcp_init(s->loop, &c->tcp);   /* cannot fail for TCP without flags */
    uv_timer_init(s->loop, &c->timer); /* cannot fail */
    c->tcp.data = c->timer.data = c;
    c->open = 2;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    if (refused) {
        s->nrefusing++;
        s->refused_connections++;
    } else {
        s->nconns++;
    }
    c->last_activity = uv_now(s->loop);
    framing_start(&c->fr, c->last_activity);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 || !(c->h2 = session_new(c))) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1); /* small answers go out at once; failure is harmless */
    conn_read_while_writing(c);
    if (refused) {
        c->started = true; /* tell it now, before it asks */
        conn_flush(c);
    }
    conn_arm(c);
}

/* ---- the server ------------------------------------------------------------------------ */

struct grpc_server *grpc_server_new(uv_loop_t *loop, const struct grpc_limits *limits)
{
    struct grpc_server *s = xcalloc(1, sizeof *s);
    s->loop = loop;
    if (limits)
        s->lim = *limits;
    struct grpc_limits *l = &s->lim;
    l->max_message = l->max_message ? l->max_message : 4 << 20;
    l->max_streams = l->max_streams ? l->max_streams : 100;
    l->max_connections = l->max_connections ? l->max_connections : 256;
    l->max_conn_bytes = l->max_conn_bytes ? l->max_conn_bytes : 16 << 20;
    l->max_total_bytes = l->max_total_bytes ? l->max_total_bytes : 128 << 20;
    l->request_timeout_ms = l->request_timeout_ms ? l->request_timeout_ms : 30000;
    l->idle_timeout_ms = l->idle_timeout_ms ? l->idle_timeout_ms : 120000;
    l->head_timeout_ms = l->head_timeout_ms ? l->head_timeout_ms : 10000;
    if (l->max_message > UINT32_MAX)
        l->max_message = UINT32_MAX; /* what the 4-byte length can say */
    uv_tcp_init(loop, &s->listener); /* cannot fail for TCP without flags */
    s->listener.data = s;
    s->open_handles = 1;
    s->port = -1;
    return s;
}

int grpc_server_method(struct grpc_server *s, const char *path, grpc_handler fn, void *ctx)
{
    if (strlen(path) >= MAX_PATH)
        return -1;
    struct method *m = xcalloc(1, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", path);
    m->fn = fn;
    m->ctx = ctx;
    m->next = s->methods;
    s->methods = m;
    return 0;
}

int grpc_server_listen(struct grpc_server *s, const struct sockaddr *addr, char *err,
                       size_t errlen)
{
    int rc = uv_tcp_bind(&s->listener, addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 511, on_connection);
    if (rc != 0) {
        snprintf(err, errlen, "%s", uv_strerror(rc));
        return rc;
    }
    struct sockaddr_storage got;
    int len = sizeof got;
    if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&got, &len) == 0)
        s->port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                                  : ((struct sockaddr_in *)&got)->sin_port);
    return 0;
}

int grpc_server_port(const struct grpc_server *s) { return s->port; }

void grpc_server_stats(const struct grpc_server *s, struct grpc_stats *out)
{
    out->connections = s->nconns;
    out->calls = s->ncalls;
    out->bytes = s->bytes;
    out->answered = s->answered;
    out->refused = s->refused;
    out->refused_connections = s->refused_connections;
}

static void listener_closed(uv_handle_t *h)
{
    struct grpc_server *s = h->data;
    s->open_handles--;
    server_maybe_done(s);
}

void grpc_server_close(struct grpc_server *s, void (*done)(void *arg), void *arg)
{
    s->closing = true;
    s->done = done;
    s->done_arg = arg;
    uv_close((uv_handle_t *)&s->listener, listener_closed);
    for (struct conn *c = s->conns; c; c = c->next)
        conn_close(c);
}
