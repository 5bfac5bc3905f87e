/* test_grpc_server.c - the gRPC server against real clients on its own
 * loop: libcurl over HTTP/2 with prior knowledge (reading grpc-status from
 * the trailers, as gRPC clients do), nghttp2's client session for many
 * streams on one connection and for cancelling one, and raw HTTP/2 bytes
 * for clients no library would be: thousands of streams, half a frame,
 * silence.
 *
 * curl gets a fresh connection per call: Debian 12's curl 7.88.1 fails
 * every transfer that reuses a prior-knowledge HTTP/2 connection ("Error
 * in the HTTP2 framing layer", curl issue 10634, fixed in 8.0.0). */
#include "tests/helpers.h"

#include <curl/curl.h>
#include <nghttp2/nghttp2.h>
#include <signal.h>
#include <stdbool.h>
#include <strings.h>
#include <uv.h>
#include <zlib.h>

#include "lib/grpc_server.h"
#include "lib/strbuf.h"

#define MAX_HELD 64

struct env {
    uv_loop_t loop;
    struct grpc_server *s;
    int port;
    CURLM *multi;
    uv_timer_t curl_timer;
    int running;
    uv_timer_t watchdog;
    uv_prepare_t watch;           /* records the most the server held */
    size_t most_calls, most_bytes;
    bool closed;
    /* the handlers' side */
    struct grpc_call *held[MAX_HELD];
    const uint8_t *held_msg[MAX_HELD];
    size_t held_len[MAX_HELD];
    int nheld, barrier;           /* Hold answers all once barrier are held */
    size_t conns_at_barrier;
    int handled;
    uv_timer_t later;
    struct grpc_call *later_call;
    const uint8_t *later_msg;
    size_t later_len;
    bool later_returned;
};

enum { RPC_GZIP = 1, RPC_RAW = 2 };

struct rpc {
    struct env *env;
    CURL *e;
    struct curl_slist *hdrs;
    uint8_t *body;
    size_t body_len, sent;
    struct strbuf resp;
    int grpc_status;              /* -1: none came */
    char grpc_message[512];
    long http;
    CURLcode rc;
    bool done;
};

/* ---- the server's handlers -------------------------------------------------------- */

static void h_echo(void *ctx, struct grpc_call *call, const uint8_t *msg, size_t len)
{
    struct env *e = ctx;
    e->handled++;
    assert_string_equal(grpc_call_method(call), "/t.Test/Echo");
    grpc_call_respond(call, GRPC_OK, NULL, msg, len);
}

static void h_bad(void *ctx, struct grpc_call *call, const uint8_t *msg, size_t len)
{
    (void)msg;
    (void)len;
    struct env *e = ctx;
    e->handled++;
    grpc_call_respond(call, GRPC_INVALID_ARGUMENT, "no such thing: 100% \"wrong\"\n", NULL, 0);
}

static void release_held(struct env *e)
{
    for (int i = 0; i < e->nheld; i++)
        grpc_call_respond(e->held[i], GRPC_OK, NULL, e->held_msg[i], e->held_len[i]);
    e->nheld = 0;
}

/* Keeps the call (its message must stay valid) until the barrier is met. */
static void h_hold(void *ctx, struct grpc_call *call, const uint8_t *msg, size_t len)
{
    struct env *e = ctx;
    e->handled++;
    assert_true(e->nheld < MAX_HELD);
    e->held[e->nheld] = call;
    e->held_msg[e->nheld] = msg;
    e->held_len[e->nheld] = len;
    e->nheld++;
    if (e->barrier && e->nheld == e->barrier) {
        struct grpc_stats st;
        grpc_server_stats(e->s, &st);
        e->conns_at_barrier = st.connections;
        release_held(e);
    }
}

static void later_fire(uv_timer_t *t)
{
    struct env *e = t->data;
    grpc_call_respond(e->later_call, GRPC_OK, NULL, e->later_msg, e->later_len);
}

/* Answers 30 ms after it returned. */
static void h_later(void *ctx, struct grpc_call *call, const uint8_t *msg, size_t len)
{
    struct env *e = ctx;
    e->handled++;
    e->later_call = call;
    e->later_msg = msg;
    e->later_len = len;
    uv_timer_start(&e->later, later_fire, 30, 0);
    e->later_returned = true;
}

/* ---- curl on the loop (curl's multi-uv pattern) --------------------------------- */

struct sock {
    uv_poll_t poll;
    curl_socket_t fd;
    struct env *env;
};

static void drain(struct env *e)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(e->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct rpc *r;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        r->rc = m->data.result;
        curl_easy_getinfo(r->e, CURLINFO_RESPONSE_CODE, &r->http);
        curl_multi_remove_handle(e->multi, r->e);
        curl_easy_cleanup(r->e);
        r->e = NULL;
        r->done = true;
    }
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    struct sock *s = p->data;
    int flags = status < 0 ? CURL_CSELECT_ERR
                           : ((events & UV_READABLE) ? CURL_CSELECT_IN : 0) |
                             ((events & UV_WRITABLE) ? CURL_CSELECT_OUT : 0);
    curl_multi_socket_action(s->env->multi, s->fd, flags, &s->env->running);
    drain(s->env);
}

static void sock_closed(uv_handle_t *h) { free(h->data); }

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    struct env *e = userp;
    struct sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            curl_multi_assign(e->multi, fd, NULL);
            uv_poll_stop(&s->poll);
            uv_close((uv_handle_t *)&s->poll, sock_closed);
        }
        return 0;
    }
    if (!s) {
        s = calloc(1, sizeof *s);
        s->fd = fd;
        s->env = e;
        uv_poll_init_socket(&e->loop, &s->poll, fd);
        s->poll.data = s;
        curl_multi_assign(e->multi, fd, s);
    }
    int ev = ((what & CURL_POLL_IN) ? UV_READABLE : 0) | ((what & CURL_POLL_OUT) ? UV_WRITABLE : 0);
    uv_poll_start(&s->poll, ev, on_poll);
    return 0;
}

static void on_curl_timer(uv_timer_t *t)
{
    struct env *e = t->data;
    curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &e->running);
    drain(e);
}

static int on_timer(CURLM *m, long ms, void *userp)
{
    (void)m;
    struct env *e = userp;
    if (ms < 0)
        uv_timer_stop(&e->curl_timer);
    else
        uv_timer_start(&e->curl_timer, on_curl_timer, ms ? (uint64_t)ms : 1, 0);
    return 0;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
    struct rpc *r = ud;
    size_t len = size * n;
    if (len > 12 && strncasecmp(buf, "grpc-status:", 12) == 0)
        r->grpc_status = atoi(buf + 12);
    if (len > 13 && strncasecmp(buf, "grpc-message:", 13) == 0) {
        size_t k = len - 13;
        const char *v = buf + 13;
        while (k && *v == ' ') {
            v++;
            k--;
        }
        while (k && (v[k - 1] == '\r' || v[k - 1] == '\n'))
            k--;
        snprintf(r->grpc_message, sizeof r->grpc_message, "%.*s", (int)k, v);
    }
    return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
    struct rpc *r = ud;
    strbuf_append(&r->resp, buf, size * n);
    return size * n;
}

static size_t on_upload(char *buf, size_t size, size_t n, void *ud)
{
    struct rpc *r = ud;
    size_t k = r->body_len - r->sent;
    if (k > size * n)
        k = size * n;
    memcpy(buf, r->body + r->sent, k);
    r->sent += k;
    return k;
}

static uint8_t *gzip_bytes(const uint8_t *in, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, len);
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* A gRPC body: one message, framed (gzip: compressed, flag 1). */
static uint8_t *framed(const uint8_t *msg, size_t len, bool gzip, size_t *out_len)
{
    size_t zlen = len;
    uint8_t *z = gzip ? gzip_bytes(msg, len, &zlen) : NULL;
    uint8_t *b = malloc(5 + zlen + 1);
    b[0] = gzip ? 1 : 0;
    b[1] = (uint8_t)(zlen >> 24);
    b[2] = (uint8_t)(zlen >> 16);
    b[3] = (uint8_t)(zlen >> 8);
    b[4] = (uint8_t)zlen;
    memcpy(b + 5, gzip ? z : msg, zlen);
    free(z);
    *out_len = 5 + zlen;
    return b;
}

/* Start a call of path with msg (RPC_RAW: msg is the whole body as is). */
static struct rpc *rpc_start(struct env *e, const char *path, const void *msg, size_t len,
                             int flags)
{
    struct rpc *r = calloc(1, sizeof *r);
    r->env = e;
    r->grpc_status = -1;
    if (flags & RPC_RAW) {
        r->body = malloc(len + 1);
        memcpy(r->body, msg, len);
        r->body_len = len;
    } else {
        r->body = framed(msg, len, flags & RPC_GZIP, &r->body_len);
    }
    r->hdrs = curl_slist_append(NULL, "content-type: application/grpc");
    r->hdrs = curl_slist_append(r->hdrs, "te: trailers");
    if (flags & RPC_GZIP)
        r->hdrs = curl_slist_append(r->hdrs, "grpc-encoding: gzip");
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", e->port, path);
    r->e = curl_easy_init();
    curl_easy_setopt(r->e, CURLOPT_URL, url);
    curl_easy_setopt(r->e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
    curl_easy_setopt(r->e, CURLOPT_POST, 1L);
    curl_easy_setopt(r->e, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(r->e, CURLOPT_READDATA, r);
    curl_easy_setopt(r->e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    curl_easy_setopt(r->e, CURLOPT_HTTPHEADER, r->hdrs);
    curl_easy_setopt(r->e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(r->e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(r->e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(r->e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(r->e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(r->e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(r->e, CURLOPT_FORBID_REUSE, 1L);
    if (getenv("TEST_CURL_VERBOSE"))
        curl_easy_setopt(r->e, CURLOPT_VERBOSE, 1L);
    assert_int_equal(curl_multi_add_handle(e->multi, r->e), CURLM_OK);
    return r;
}

static void rpc_free(struct rpc *r)
{
    if (r->e) {
        curl_multi_remove_handle(r->env->multi, r->e);
        curl_easy_cleanup(r->e);
    }
    curl_slist_free_all(r->hdrs);
    strbuf_free(&r->resp);
    free(r->body);
    free(r);
}

/* The answer is OK and carries msg back, framed. */
static void assert_echoed(const struct rpc *r, const void *msg, size_t len)
{
    if (r->grpc_status != 0)
        fail_msg("grpc-status %d (%s), curl %d", r->grpc_status, r->grpc_message, r->rc);
    assert_int_equal(r->rc, CURLE_OK);
    assert_int_equal(r->http, 200);
    assert_int_equal(r->resp.len, 5 + len);
    const uint8_t *b = (const uint8_t *)r->resp.s;
    assert_int_equal(b[0], 0);
    assert_int_equal((size_t)b[1] << 24 | (size_t)b[2] << 16 | (size_t)b[3] << 8 | b[4], len);
    assert_memory_equal(b + 5, msg, len);
}

/* ---- the environment ---------------------------------------------------------------- */

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    fail_msg("the test did not finish in 60 s");
}

static void on_watch(uv_prepare_t *p)
{
    struct env *e = p->data;
    if (!e->s)
        return;
    struct grpc_stats st;
    grpc_server_stats(e->s, &st);
    e->most_calls = st.calls > e->most_calls ? st.calls : e->most_calls;
    e->most_bytes = st.bytes > e->most_bytes ? st.bytes : e->most_bytes;
}

static void env_start(struct env *e, const struct grpc_limits *lim)
{
    memset(e, 0, sizeof *e);
    assert_int_equal(uv_loop_init(&e->loop), 0);
    e->s = grpc_server_new(&e->loop, lim);
    assert_int_equal(grpc_server_method(e->s, "/t.Test/Echo", h_echo, e), 0);
    assert_int_equal(grpc_server_method(e->s, "/t.Test/Bad", h_bad, e), 0);
    assert_int_equal(grpc_server_method(e->s, "/t.Test/Hold", h_hold, e), 0);
    assert_int_equal(grpc_server_method(e->s, "/t.Test/Later", h_later, e), 0);
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    char err[256];
    assert_int_equal(grpc_server_listen(e->s, (const struct sockaddr *)&a, err, sizeof err), 0);
    e->port = grpc_server_port(e->s);
    assert_true(e->port > 0);
    e->multi = curl_multi_init();
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
    curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
    uv_timer_init(&e->loop, &e->curl_timer);
    e->curl_timer.data = e;
    uv_timer_init(&e->loop, &e->later);
    e->later.data = e;
    uv_timer_init(&e->loop, &e->watchdog);
    /* referenced: a wait that would never end fails here instead */
    uv_timer_start(&e->watchdog, on_watchdog, 60000, 0);
    uv_prepare_init(&e->loop, &e->watch);
    e->watch.data = e;
    uv_prepare_start(&e->watch, on_watch);
    uv_unref((uv_handle_t *)&e->watch);
}

static void server_closed(void *arg) { ((struct env *)arg)->closed = true; }

/* Nothing is left held once the clients are gone; the server closes and
 * the loop ends with no handle left behind. */
static void env_finish(struct env *e)
{
    curl_multi_cleanup(e->multi);
    struct grpc_stats st;
    grpc_server_stats(e->s, &st);
    grpc_server_close(e->s, server_closed, e);
    e->s = NULL;
    uv_close((uv_handle_t *)&e->curl_timer, NULL);
    uv_close((uv_handle_t *)&e->later, NULL);
    uv_close((uv_handle_t *)&e->watchdog, NULL);
    uv_close((uv_handle_t *)&e->watch, NULL);
    assert_int_equal(uv_run(&e->loop, UV_RUN_DEFAULT), 0);
    assert_true(e->closed);
    assert_int_equal(uv_loop_close(&e->loop), 0);
}

static bool all_done(struct rpc **r, int n)
{
    for (int i = 0; i < n; i++)
        if (!r[i]->done)
            return false;
    return true;
}

static void run_until_done(struct env *e, struct rpc **r, int n)
{
    while (!all_done(r, n))
        uv_run(&e->loop, UV_RUN_ONCE);
}

static struct grpc_stats stats(struct env *e)
{
    struct grpc_stats st;
    grpc_server_stats(e->s, &st);
    return st;
}

/* Turn the loop until the server holds no call and no request byte (it
 * may take a pass or two to notice a client left). */
static void run_until_no_calls(struct env *e)
{
    while (stats(e).calls > 0 || stats(e).bytes > 0)
        uv_run(&e->loop, UV_RUN_ONCE);
}

static void run_until_connections(struct env *e, size_t n)
{
    while (stats(e).connections != n)
        uv_run(&e->loop, UV_RUN_ONCE);
}

/* ---- raw HTTP/2: what no library would send --------------------------------------- */

struct raw {
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_write_t write;
    struct strbuf out;            /* sent once connected */
    struct strbuf in;             /* what came back */
    bool eof, closed;
};

static void raw_closed(uv_handle_t *h) { ((struct raw *)h->data)->closed = true; }

static void raw_alloc(uv_handle_t *h, size_t n, uv_buf_t *b)
{
    (void)h;
    b->base = malloc(n);
    b->len = n;
}

static void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct raw *r = s->data;
    if (n > 0 && r->in.len < (1 << 20))
        strbuf_append(&r->in, b->base, (size_t)n);
    if (n < 0) {
        r->eof = true;
        uv_read_stop(s);
    }
    free(b->base);
}

static void raw_written(uv_write_t *w, int status)
{
    (void)w;
    (void)status;
}

static void raw_connected(uv_connect_t *c, int status)
{
    struct raw *r = c->data;
    assert_int_equal(status, 0);
    uv_read_start((uv_stream_t *)&r->tcp, raw_alloc, raw_read);
    uv_buf_t b = uv_buf_init(r->out.s, (unsigned)r->out.len);
    if (r->out.len)
        uv_write(&r->write, (uv_stream_t *)&r->tcp, &b, 1, raw_written);
}

/* Connect and send bytes (which r->out holds). */
static void raw_start(struct env *e, struct raw *r)
{
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", e->port, &a);
    uv_tcp_init(&e->loop, &r->tcp);
    r->tcp.data = r;
    r->connect.data = r;
    assert_int_equal(uv_tcp_connect(&r->connect, &r->tcp, (const struct sockaddr *)&a,
                                    raw_connected), 0);
}

static void raw_close(struct env *e, struct raw *r)
{
    if (!uv_is_closing((uv_handle_t *)&r->tcp))
        uv_close((uv_handle_t *)&r->tcp, raw_closed);
    while (!r->closed)
        uv_run(&e->loop, UV_RUN_ONCE);
    strbuf_free(&r->out);
    strbuf_free(&r->in);
}

static void h2_frame(struct strbuf *b, uint8_t type, uint8_t flags, uint32_t id,
                     const uint8_t *payload, size_t len)
{
    uint8_t h[9] = {(uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, type, flags,
                    (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    strbuf_append(b, (const char *)h, 9);
    if (len)
        strbuf_append(b, (const char *)payload, len);
}

static void h2_preface(struct strbuf *b)
{
    strbuf_puts(b, NGHTTP2_CLIENT_MAGIC);
    h2_frame(b, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
}

/* HEADERS of a gRPC request to path on stream id, not ending it. */
static void h2_request(struct strbuf *b, nghttp2_hd_deflater *d, uint32_t id, const char *path)
{
    nghttp2_nv nv[] = {
        {(uint8_t *)":method", (uint8_t *)"POST", 7, 4, 0},
        {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0},
        {(uint8_t *)":authority", (uint8_t *)"t", 10, 1, 0},
        {(uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0},
        {(uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, 0},
        {(uint8_t *)"te", (uint8_t *)"trailers", 2, 8, 0},
    };
    uint8_t block[256];
    ssize_t n = nghttp2_hd_deflate_hd(d, block, sizeof block, nv, 6);
    assert_true(n > 0);
    h2_frame(b, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, id, block, (size_t)n);
}

/* ---- nghttp2's client: many calls on one connection ------------------------------ */

struct h2call {
    int32_t id;
    uint8_t *req;
    size_t req_len, req_off, stop_at;  /* sends stop_at bytes of req_len */
    int http, grpc_status;
    char grpc_message[256];
    struct strbuf body;
    bool done;
    uint32_t reset;               /* RST_STREAM's code, when it ended so */
};

struct h2c {
    uv_tcp_t tcp;
    uv_connect_t connect;
    nghttp2_session *h2;
    bool connected, eof, closed;
};

struct h2write {
    uv_write_t w;
    char *data;
};

static void h2c_written(uv_write_t *w, int status)
{
    (void)status;
    struct h2write *hw = (struct h2write *)w;
    free(hw->data);
    free(hw);
}

static void h2c_flush(struct h2c *c)
{
    if (!c->connected || c->eof)
        return;
    struct strbuf out = {0};
    const uint8_t *data;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(c->h2, &data)) > 0)
        strbuf_append(&out, (const char *)data, (size_t)n);
    assert_true(n == 0);
    if (!out.len)
        return;
    struct h2write *hw = calloc(1, sizeof *hw);
    size_t len = out.len;
    hw->data = strbuf_detach(&out);
    uv_buf_t b = uv_buf_init(hw->data, (unsigned)len);
    assert_int_equal(uv_write(&hw->w, (uv_stream_t *)&c->tcp, &b, 1, h2c_written), 0);
}

static void h2c_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct h2c *c = s->data;
    if (n < 0)
        c->eof = true;
    if (n > 0)
        assert_true(nghttp2_session_mem_recv(c->h2, (const uint8_t *)b->base, (size_t)n) == n);
    free(b->base);
    h2c_flush(c);
}

static void h2c_connected(uv_connect_t *req, int status)
{
    struct h2c *c = req->data;
    assert_int_equal(status, 0);
    c->connected = true;
    uv_read_start((uv_stream_t *)&c->tcp, raw_alloc, h2c_read);
    h2c_flush(c);
}

static int h2c_on_header(nghttp2_session *h2, const nghttp2_frame *f, const uint8_t *name,
                         size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *u)
{
    (void)flags;
    (void)u;
    struct h2call *call = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);
    char v[256];
    snprintf(v, sizeof v, "%.*s", (int)vlen, (const char *)value);
    if (nlen == 7 && memcmp(name, ":status", 7) == 0)
        call->http = atoi(v);
    if (nlen == 11 && memcmp(name, "grpc-status", 11) == 0)
        call->grpc_status = atoi(v);
    if (nlen == 12 && memcmp(name, "grpc-message", 12) == 0)
        snprintf(call->grpc_message, sizeof call->grpc_message, "%s", v);
    return 0;
}

static int h2c_on_data(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data,
                       size_t len, void *u)
{
    (void)flags;
    (void)u;
    struct h2call *call = nghttp2_session_get_stream_user_data(h2, id);
    strbuf_append(&call->body, (const char *)data, len);
    return 0;
}

static int h2c_on_close(nghttp2_session *h2, int32_t id, uint32_t code, void *u)
{
    (void)u;
    struct h2call *call = nghttp2_session_get_stream_user_data(h2, id);
    if (call) {
        call->done = true;
        call->reset = code;
    }
    return 0;
}

static ssize_t h2c_body(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t len,
                        uint32_t *flags, nghttp2_data_source *src, void *u)
{
    (void)h2;
    (void)id;
    (void)u;
    struct h2call *call = src->ptr;
    if (call->req_off == call->stop_at && call->stop_at < call->req_len)
        return NGHTTP2_ERR_DEFERRED; /* a client that stops mid-message */
    size_t n = call->stop_at - call->req_off;
    n = n < len ? n : len;
    memcpy(buf, call->req + call->req_off, n);
    call->req_off += n;
    if (call->req_off == call->req_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* Connect; closed_window: a client that takes no answer (its flow-control
 * window is 0 and never opened). */
static void h2c_start_window(struct env *e, struct h2c *c, bool closed_window)
{
    memset(c, 0, sizeof *c);
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, h2c_on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, h2c_on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, h2c_on_close);
    assert_int_equal(nghttp2_session_client_new(&c->h2, cb, c), 0);
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry zero = {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0};
    assert_int_equal(nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, &zero,
                                             closed_window ? 1 : 0), 0);
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", e->port, &a);
    uv_tcp_init(&e->loop, &c->tcp);
    c->tcp.data = c;
    c->connect.data = c;
    assert_int_equal(uv_tcp_connect(&c->connect, &c->tcp, (const struct sockaddr *)&a,
                                    h2c_connected), 0);
}

static void h2c_start(struct env *e, struct h2c *c) { h2c_start_window(e, c, false); }

/* A call of path with msg, framed, on this connection; stall: only half
 * of it is ever sent. */
static struct h2call *h2c_call_stall(struct h2c *c, const char *path, const void *msg,
                                     size_t len, bool stall)
{
    struct h2call *call = calloc(1, sizeof *call);
    call->grpc_status = -1;
    call->req = framed(msg, len, false, &call->req_len);
    call->stop_at = stall ? call->req_len / 2 : call->req_len;
    nghttp2_nv nv[] = {
        {(uint8_t *)":method", (uint8_t *)"POST", 7, 4, 0},
        {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0},
        {(uint8_t *)":authority", (uint8_t *)"t", 10, 1, 0},
        {(uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0},
        {(uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, 0},
        {(uint8_t *)"te", (uint8_t *)"trailers", 2, 8, 0},
    };
    nghttp2_data_provider dp = {.source.ptr = call, .read_callback = h2c_body};
    call->id = nghttp2_submit_request(c->h2, NULL, nv, 6, &dp, call);
    assert_true(call->id > 0);
    h2c_flush(c);
    return call;
}

static struct h2call *h2c_call(struct h2c *c, const char *path, const void *msg, size_t len)
{
    return h2c_call_stall(c, path, msg, len, false);
}

static void h2c_cancel(struct h2c *c, struct h2call *call)
{
    assert_int_equal(nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, call->id,
                                               NGHTTP2_CANCEL), 0);
    h2c_flush(c);
}

static void h2call_wait(struct env *e, struct h2call *call)
{
    while (!call->done)
        uv_run(&e->loop, UV_RUN_ONCE);
}

static void h2call_free(struct h2call *call)
{
    strbuf_free(&call->body);
    free(call->req);
    free(call);
}

static void h2c_closed(uv_handle_t *h) { ((struct h2c *)h->data)->closed = true; }

static void h2c_close(struct env *e, struct h2c *c)
{
    uv_close((uv_handle_t *)&c->tcp, h2c_closed);
    while (!c->closed)
        uv_run(&e->loop, UV_RUN_ONCE);
    nghttp2_session_del(c->h2);
}

static void assert_h2_echoed(const struct h2call *call, const void *msg, size_t len)
{
    if (call->grpc_status != 0)
        fail_msg("grpc-status %d (%s)", call->grpc_status, call->grpc_message);
    assert_int_equal(call->http, 200);
    assert_int_equal(call->body.len, 5 + len);
    assert_memory_equal(call->body.s + 5, msg, len);
}

/* ---- calls that go well ------------------------------------------------------------ */

static void test_a_unary_call_is_echoed(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    /* 1 MiB + 3: more than one DATA frame, one flow-control window */
    size_t big = (1 << 20) + 3;
    uint8_t *msg = malloc(big);
    for (size_t i = 0; i < big; i++)
        msg[i] = (uint8_t)(i * 7 + i / 251);
    struct rpc *r[3] = {rpc_start(&e, "/t.Test/Echo", "hello", 5, 0),
                        rpc_start(&e, "/t.Test/Echo", msg, big, 0),
                        rpc_start(&e, "/t.Test/Echo", "", 0, 0)};
    run_until_done(&e, r, 3);
    assert_echoed(r[0], "hello", 5);
    assert_echoed(r[1], msg, big);
    assert_echoed(r[2], "", 0); /* an empty message is a message */
    assert_int_equal(e.handled, 3);
    assert_int_equal(stats(&e).answered, 3);
    run_until_no_calls(&e);
    for (int i = 0; i < 3; i++)
        rpc_free(r[i]);
    free(msg);
    env_finish(&e);
}

static void test_a_gzip_request_reaches_the_handler_inflated(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    char text[20000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = "spendtop counts tokens "[i % 23];
    struct rpc *r = rpc_start(&e, "/t.Test/Echo", text, sizeof text, RPC_GZIP);
    run_until_done(&e, &r, 1);
    assert_true(r->body_len < 1000); /* it did go compressed */
    assert_echoed(r, text, sizeof text);
    rpc_free(r);
    env_finish(&e);
}

static void test_an_asynchronous_handler_answers_after_a_timer(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    struct rpc *r = rpc_start(&e, "/t.Test/Later", "later", 5, 0);
    run_until_done(&e, &r, 1);
    assert_true(e.later_returned); /* the handler had returned before it answered */
    assert_echoed(r, "later", 5);
    rpc_free(r);
    env_finish(&e);
}

static void test_a_handler_status_and_message_reach_the_client(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    struct rpc *r = rpc_start(&e, "/t.Test/Bad", "x", 1, 0);
    run_until_done(&e, &r, 1);
    assert_int_equal(r->grpc_status, GRPC_INVALID_ARGUMENT);
    /* percent-encoded: '%' itself and the newline; the quotes are printable */
    assert_string_equal(r->grpc_message, "no such thing: 100%25 \"wrong\"%0A");
    assert_int_equal(r->resp.len, 0); /* trailers-only */
    rpc_free(r);
    env_finish(&e);
}

/* ---- calls the server refuses --------------------------------------------------------- */

static void test_an_unknown_method_is_unimplemented(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    struct rpc *r = rpc_start(&e, "/t.Test/Nope", "x", 1, 0);
    run_until_done(&e, &r, 1);
    assert_int_equal(r->grpc_status, GRPC_UNIMPLEMENTED);
    assert_string_equal(r->grpc_message, "unknown method /t.Test/Nope");
    assert_int_equal(e.handled, 0);
    rpc_free(r);
    env_finish(&e);
}

static void test_a_message_over_the_limit_is_resource_exhausted_unread(void **state)
{
    (void)state;
    struct grpc_limits lim = {.max_message = 64 * 1024};
    struct env e;
    env_start(&e, &lim);
    /* 8 MiB, declared and being sent: refused from its prefix, the rest
     * dropped unbuffered and the client told to stop (RST_STREAM NO_ERROR
     * after the status, as grpc-go does; curl 7.88 loses the status then,
     * so this one goes through nghttp2's client) */
    size_t big = 8 << 20;
    uint8_t *msg = calloc(1, big);
    struct h2c c;
    h2c_start(&e, &c);
    struct h2call *huge = h2c_call(&c, "/t.Test/Echo", msg, big);
    /* the same from a prefix alone: 8 MiB declared, 1 KiB sent */
    uint8_t liar[5 + 1024] = {0, 0, 0x80, 0, 0};
    /* a gzip bomb: 16 MiB of zeros in ~16 KiB, inflated only to the cap */
    uint8_t *zeros = calloc(1, 16 << 20);
    struct rpc *r[3] = {rpc_start(&e, "/t.Test/Echo", liar, sizeof liar, RPC_RAW),
                        rpc_start(&e, "/t.Test/Echo", zeros, 16 << 20, RPC_GZIP),
                        rpc_start(&e, "/t.Test/Echo", msg, 64 * 1024, 0)};
    run_until_done(&e, r, 3);
    h2call_wait(&e, huge);
    assert_int_equal(huge->grpc_status, GRPC_RESOURCE_EXHAUSTED);
    assert_int_equal(huge->reset, NGHTTP2_NO_ERROR);
    assert_true(huge->req_off < big / 2); /* it stopped sending */
    assert_int_equal(r[0]->grpc_status, GRPC_RESOURCE_EXHAUSTED);
    assert_int_equal(r[1]->grpc_status, GRPC_RESOURCE_EXHAUSTED);
    assert_true(r[1]->body_len < 64 * 1024);
    assert_echoed(r[2], msg, 64 * 1024); /* at the limit is fine */
    assert_int_equal(e.handled, 1);
    /* held at most: the good 64 KiB, the bomb's compressed bytes or its
     * inflated ones, and a DATA frame (16 KiB) of each of the others */
    assert_true(e.most_bytes <= 3 * 64 * 1024);
    h2c_close(&e, &c);
    h2call_free(huge);
    for (int i = 0; i < 3; i++)
        rpc_free(r[i]);
    free(msg);
    free(zeros);
    env_finish(&e);
}

struct bad_body {
    const char *what;
    const char *body;
    size_t len;
    const char *header;
    int status;
};

static void test_broken_framing_is_internal(void **state)
{
    (void)state;
    static const struct bad_body cases[] = {
        {"flag 2", "\x02\0\0\0\x01x", 6, NULL, GRPC_INTERNAL},
        {"ends inside the message", "\0\0\0\0\x0ahello", 10, NULL, GRPC_INTERNAL},
        {"ends inside the prefix", "\0\0\0", 3, NULL, GRPC_INTERNAL},
        {"no message", "", 0, NULL, GRPC_INTERNAL},
        {"two messages", "\0\0\0\0\x01x\0\0\0\0\x01y", 12, NULL, GRPC_INTERNAL},
        {"compressed without grpc-encoding", "\x01\0\0\0\x01x", 6, NULL, GRPC_INTERNAL},
        {"not gzip", "\x01\0\0\0\x04junk", 9, "grpc-encoding: gzip", GRPC_INTERNAL},
        {"unknown encoding", "\0\0\0\0\x01x", 6, "grpc-encoding: br", GRPC_UNIMPLEMENTED},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct env e;
    env_start(&e, NULL);
    struct rpc *r[16];
    for (size_t i = 0; i < n; i++) {
        r[i] = rpc_start(&e, "/t.Test/Echo", cases[i].body, cases[i].len, RPC_RAW);
        if (cases[i].header) {
            r[i]->hdrs = curl_slist_append(r[i]->hdrs, cases[i].header);
            curl_easy_setopt(r[i]->e, CURLOPT_HTTPHEADER, r[i]->hdrs);
        }
    }
    run_until_done(&e, r, (int)n);
    for (size_t i = 0; i < n; i++) {
        if (r[i]->grpc_status == cases[i].status)
            continue;
        print_error("%s: grpc-status %d (%s), expected %d\n", cases[i].what,
                    r[i]->grpc_status, r[i]->grpc_message, cases[i].status);
        fail();
    }
    assert_int_equal(e.handled, 0);
    for (size_t i = 0; i < n; i++)
        rpc_free(r[i]);
    env_finish(&e);
}

static void test_not_grpc_gets_an_http_status(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    struct rpc *r = rpc_start(&e, "/t.Test/Echo", "x", 1, 0);
    curl_slist_free_all(r->hdrs);
    r->hdrs = curl_slist_append(NULL, "content-type: application/json");
    curl_easy_setopt(r->e, CURLOPT_HTTPHEADER, r->hdrs);
    run_until_done(&e, &r, 1);
    assert_int_equal(r->http, 415);
    assert_int_equal(e.handled, 0);
    rpc_free(r);
    env_finish(&e);
}

/* Protobuf calls are served whatever their content-type's spelling; a
 * call in another codec (application/grpc+json) is UNIMPLEMENTED saying
 * so, not handed over to fail as undecodable protobuf. */
static void test_only_protobuf_messages_are_served(void **state)
{
    (void)state;
    static const struct {
        const char *type;
        bool served;
    } cases[] = {
        {"application/grpc", true},
        {"application/grpc+proto", true},
        {"application/grpc+PROTO; charset=x", true},
        {"application/grpc;x=1", true},
        {"application/grpc+json", false},
        {"application/grpc+json; charset=utf-8", false},
        {"application/grpc+", false},
    };
    size_t n = sizeof cases / sizeof *cases;
    struct env e;
    env_start(&e, NULL);
    struct rpc *r[8];
    for (size_t i = 0; i < n; i++) {
        r[i] = rpc_start(&e, "/t.Test/Echo", "{}", 2, 0);
        curl_slist_free_all(r[i]->hdrs);
        char h[128];
        snprintf(h, sizeof h, "content-type: %s", cases[i].type);
        r[i]->hdrs = curl_slist_append(NULL, h);
        r[i]->hdrs = curl_slist_append(r[i]->hdrs, "te: trailers");
        curl_easy_setopt(r[i]->e, CURLOPT_HTTPHEADER, r[i]->hdrs);
    }
    run_until_done(&e, r, (int)n);
    for (size_t i = 0; i < n; i++) {
        if (cases[i].served) {
            assert_echoed(r[i], "{}", 2);
            continue;
        }
        if (r[i]->http != 200 || r[i]->grpc_status != GRPC_UNIMPLEMENTED ||
            !strstr(r[i]->grpc_message, "only protobuf messages are served"))
            fail_msg("%s: HTTP %ld, grpc-status %d (%s)", cases[i].type, r[i]->http,
                     r[i]->grpc_status, r[i]->grpc_message);
    }
    assert_non_null(strstr(r[4]->grpc_message, "application/grpc+json"));
    assert_int_equal(e.handled, 4);
    for (size_t i = 0; i < n; i++)
        rpc_free(r[i]);
    env_finish(&e);
}

/* ---- many at once --------------------------------------------------------------------- */

static void test_many_concurrent_streams_share_one_connection(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    /* Hold answers only once 50 calls are held at the same time */
    enum { N = 50 };
    e.barrier = N;
    struct h2c c;
    h2c_start(&e, &c);
    struct h2call *call[N];
    char msg[N][24];
    for (int i = 0; i < N; i++) {
        snprintf(msg[i], sizeof msg[i], "call %d", i);
        call[i] = h2c_call(&c, "/t.Test/Hold", msg[i], strlen(msg[i]));
    }
    for (int i = 0; i < N; i++)
        h2call_wait(&e, call[i]);
    for (int i = 0; i < N; i++)
        assert_h2_echoed(call[i], msg[i], strlen(msg[i]));
    assert_int_equal(e.conns_at_barrier, 1);
    /* and more than SETTINGS_MAX_CONCURRENT_STREAMS (100) in a row */
    e.barrier = 0;
    struct h2call *more[300];
    for (int i = 0; i < 300; i++)
        more[i] = h2c_call(&c, "/t.Test/Echo", "m", 1);
    for (int i = 0; i < 300; i++) {
        h2call_wait(&e, more[i]);
        assert_h2_echoed(more[i], "m", 1);
        h2call_free(more[i]);
    }
    h2c_close(&e, &c);
    for (int i = 0; i < N; i++)
        h2call_free(call[i]);
    run_until_no_calls(&e);
    env_finish(&e);
}

static void test_many_connections_at_once(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    enum { N = 40 };
    e.barrier = N;
    struct rpc *r[N];
    char msg[N][24];
    for (int i = 0; i < N; i++) {
        snprintf(msg[i], sizeof msg[i], "conn %d", i);
        r[i] = rpc_start(&e, "/t.Test/Hold", msg[i], strlen(msg[i]), 0);
    }
    run_until_done(&e, r, N);
    for (int i = 0; i < N; i++)
        assert_echoed(r[i], msg[i], strlen(msg[i]));
    assert_int_equal(e.conns_at_barrier, N);
    for (int i = 0; i < N; i++)
        rpc_free(r[i]);
    env_finish(&e);
}

static void test_a_connection_beyond_the_limit_is_refused_and_others_go_on(void **state)
{
    (void)state;
    struct grpc_limits lim = {.max_connections = 3};
    struct env e;
    env_start(&e, &lim);
    struct rpc *held[3];
    for (int i = 0; i < 3; i++)
        held[i] = rpc_start(&e, "/t.Test/Hold", "h", 1, 0);
    while (e.nheld < 3)
        uv_run(&e.loop, UV_RUN_ONCE);
    struct rpc *extra = rpc_start(&e, "/t.Test/Echo", "x", 1, 0);
    run_until_done(&e, &extra, 1);
    assert_int_not_equal(extra->rc, CURLE_OK); /* GOAWAY: nothing was processed */
    assert_int_equal(extra->grpc_status, -1);
    assert_int_equal(stats(&e).refused_connections, 1);
    release_held(&e);
    run_until_done(&e, held, 3);
    for (int i = 0; i < 3; i++)
        assert_echoed(held[i], "h", 1);
    /* the places are free again once those connections are gone */
    run_until_connections(&e, 0);
    struct rpc *again = rpc_start(&e, "/t.Test/Echo", "y", 1, 0);
    run_until_done(&e, &again, 1);
    assert_echoed(again, "y", 1);
    for (int i = 0; i < 3; i++)
        rpc_free(held[i]);
    rpc_free(extra);
    rpc_free(again);
    env_finish(&e);
}

/* ---- clients that stop, cancel or hoard ------------------------------------------- */

static void test_a_client_that_stops_mid_message_is_cut_at_the_deadline(void **state)
{
    (void)state;
    struct grpc_limits lim = {.request_timeout_ms = 1500};
    struct env e;
    env_start(&e, &lim);
    uint8_t msg[1000] = {0};
    struct h2c c;
    h2c_start(&e, &c);
    struct h2call *stalled = h2c_call_stall(&c, "/t.Test/Echo", msg, sizeof msg, true);
    /* others are served meanwhile, on their own connections */
    struct rpc *other[4];
    for (int i = 0; i < 4; i++)
        other[i] = rpc_start(&e, "/t.Test/Echo", "go on", 5, 0);
    run_until_done(&e, other, 4);
    for (int i = 0; i < 4; i++)
        assert_echoed(other[i], "go on", 5);
    assert_false(stalled->done);
    h2call_wait(&e, stalled);
    assert_int_equal(stalled->grpc_status, GRPC_DEADLINE_EXCEEDED);
    assert_int_equal(stalled->reset, NGHTTP2_NO_ERROR); /* told to send no more */
    assert_int_equal(e.handled, 4);
    run_until_no_calls(&e);
    h2c_close(&e, &c);
    h2call_free(stalled);
    for (int i = 0; i < 4; i++)
        rpc_free(other[i]);
    env_finish(&e);
}

static void wait_not_waiting(uv_timer_t *t)
{
    struct env *e = t->data;
    if (!grpc_call_waiting(e->held[0]))
        uv_timer_stop(t);
}

static void flag_closed(uv_handle_t *h) { *(bool *)h->data = true; }

/* Turn the loop until the held call's client is known to be gone. */
static void run_until_not_waiting(struct env *e)
{
    uv_timer_t poll;
    uv_timer_init(&e->loop, &poll);
    poll.data = e;
    uv_timer_start(&poll, wait_not_waiting, 5, 5);
    while (uv_is_active((uv_handle_t *)&poll))
        uv_run(&e->loop, UV_RUN_ONCE);
    bool closed = false;
    poll.data = &closed;
    uv_close((uv_handle_t *)&poll, flag_closed);
    while (!closed)
        uv_run(&e->loop, UV_RUN_ONCE);
}

/* The handler still has the call: its message, still counted; its answer
 * is dropped and nothing of the call remains. */
static void answer_the_abandoned_call(struct env *e)
{
    assert_false(grpc_call_waiting(e->held[0]));
    assert_int_equal(e->held_msg[0][2], 3);
    assert_int_equal(stats(e).calls, 1);
    assert_int_equal(stats(e).bytes, 5000);
    release_held(e);
    assert_int_equal(stats(e).calls, 0);
    assert_int_equal(stats(e).bytes, 0);
}

static void test_a_cancelled_stream_drops_its_answer(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    struct h2c c;
    h2c_start(&e, &c);
    uint8_t msg[5000] = {1, 2, 3};
    struct h2call *call = h2c_call(&c, "/t.Test/Hold", msg, sizeof msg);
    while (e.nheld < 1)
        uv_run(&e.loop, UV_RUN_ONCE);
    assert_true(grpc_call_waiting(e.held[0]));
    h2c_cancel(&c, call); /* RST_STREAM CANCEL; the connection stays */
    run_until_not_waiting(&e);
    answer_the_abandoned_call(&e);
    /* the same connection goes on */
    struct h2call *next = h2c_call(&c, "/t.Test/Echo", "next", 4);
    h2call_wait(&e, next);
    assert_h2_echoed(next, "next", 4);
    assert_int_equal(stats(&e).connections, 1);
    h2c_close(&e, &c);
    h2call_free(call);
    h2call_free(next);
    env_finish(&e);
}

static void test_a_closed_connection_drops_its_answers(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    uint8_t msg[5000] = {1, 2, 3};
    struct rpc *r = rpc_start(&e, "/t.Test/Hold", msg, sizeof msg, 0);
    curl_easy_setopt(r->e, CURLOPT_TIMEOUT_MS, 300L); /* then curl closes it */
    while (e.nheld < 1)
        uv_run(&e.loop, UV_RUN_ONCE);
    run_until_done(&e, &r, 1);
    assert_int_equal(r->rc, CURLE_OPERATION_TIMEDOUT);
    run_until_not_waiting(&e);
    run_until_connections(&e, 0);
    answer_the_abandoned_call(&e);
    struct rpc *next = rpc_start(&e, "/t.Test/Echo", "next", 4, 0);
    run_until_done(&e, &next, 1);
    assert_echoed(next, "next", 4);
    rpc_free(r);
    rpc_free(next);
    env_finish(&e);
}

static void test_held_bytes_are_bounded_per_connection_and_in_all(void **state)
{
    (void)state;
    struct grpc_limits lim = {.max_conn_bytes = 100 * 1024, .max_total_bytes = 150 * 1024};
    struct env e;
    env_start(&e, &lim);
    static uint8_t msg[90 * 1024];
    struct h2c c;
    h2c_start(&e, &c);
    struct h2call *a = h2c_call(&c, "/t.Test/Hold", msg, 90 * 1024);
    while (e.nheld < 1)
        uv_run(&e.loop, UV_RUN_ONCE);
    /* the same connection: 90 + 20 KiB > 100 KiB */
    struct h2call *b = h2c_call(&c, "/t.Test/Echo", msg, 20 * 1024);
    h2call_wait(&e, b);
    assert_int_equal(b->grpc_status, GRPC_UNAVAILABLE);
    /* another connection: its own 70 KiB is fine, 90 + 70 > 150 KiB is not */
    struct h2c c2;
    h2c_start(&e, &c2);
    struct h2call *r = h2c_call(&c2, "/t.Test/Echo", msg, 70 * 1024);
    h2call_wait(&e, r);
    assert_int_equal(r->grpc_status, GRPC_UNAVAILABLE);
    struct rpc *d = rpc_start(&e, "/t.Test/Echo", msg, 40 * 1024, 0);
    run_until_done(&e, &d, 1);
    assert_echoed(d, msg, 40 * 1024);
    release_held(&e);
    h2call_wait(&e, a);
    assert_h2_echoed(a, msg, 90 * 1024);
    h2c_close(&e, &c);
    h2c_close(&e, &c2);
    h2call_free(a);
    h2call_free(b);
    h2call_free(r);
    rpc_free(d);
    env_finish(&e);
}

/* The server's own refusals are told to its owner (for the log): which
 * call, from whom, the status and why; a handler's answers are not. */
struct refusals_seen {
    int n;
    int status[4];
    char path[4][64], message[4][128], peer[4][64];
};

static void on_refused_seen(void *ctx, const char *peer, const char *path, int status,
                            const char *message)
{
    struct refusals_seen *r = ctx;
    if (r->n >= 4)
        return;
    r->status[r->n] = status;
    snprintf(r->path[r->n], sizeof r->path[0], "%s", path);
    snprintf(r->message[r->n], sizeof r->message[0], "%s", message ? message : "");
    snprintf(r->peer[r->n], sizeof r->peer[0], "%s", peer);
    r->n++;
}

static void test_the_servers_refusals_are_told_to_its_owner(void **state)
{
    (void)state;
    struct grpc_limits lim = {.max_message = 1024};
    struct env e;
    env_start(&e, &lim);
    struct refusals_seen seen = {0};
    grpc_server_on_refused(e.s, on_refused_seen, &seen);
    static uint8_t big[2048];
    struct rpc *r[3] = {rpc_start(&e, "/t.Test/Nope", "x", 1, 0),
                        rpc_start(&e, "/t.Test/Echo", big, sizeof big, 0),
                        rpc_start(&e, "/t.Test/Echo", "fine", 4, 0)};
    run_until_done(&e, r, 3);
    assert_echoed(r[2], "fine", 4);
    assert_int_equal(seen.n, 2);
    int nope = strcmp(seen.path[0], "/t.Test/Nope") == 0 ? 0 : 1;
    assert_string_equal(seen.path[nope], "/t.Test/Nope");
    assert_int_equal(seen.status[nope], GRPC_UNIMPLEMENTED);
    assert_string_equal(seen.message[nope], "unknown method /t.Test/Nope");
    assert_string_equal(seen.path[1 - nope], "/t.Test/Echo");
    assert_int_equal(seen.status[1 - nope], GRPC_RESOURCE_EXHAUSTED);
    assert_true(strncmp(seen.peer[0], "127.0.0.1:", 10) == 0 && atoi(seen.peer[0] + 10) > 0);
    assert_string_equal(grpc_status_name(GRPC_UNIMPLEMENTED), "UNIMPLEMENTED");
    /* not HTTP/2 at all: no call, but a refusal all the same */
    struct raw h1 = {0};
    strbuf_puts(&h1.out, "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    raw_start(&e, &h1);
    while (!h1.eof)
        uv_run(&e.loop, UV_RUN_ONCE);
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.path[2], "");
    assert_non_null(strstr(seen.message[2], "HTTP/1"));
    assert_true(strncmp(seen.peer[2], "127.0.0.1:", 10) == 0);
    raw_close(&e, &h1);
    /* a TLS ClientHello (an exporter not told the endpoint is insecure) */
    struct raw tls = {0};
    strbuf_append(&tls.out, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
    raw_start(&e, &tls);
    while (!tls.eof)
        uv_run(&e.loop, UV_RUN_ONCE);
    assert_int_equal(seen.n, 4);
    assert_string_equal(seen.path[3], "");
    assert_non_null(strstr(seen.message[3], "TLS"));
    raw_close(&e, &tls);
    for (int i = 0; i < 3; i++)
        rpc_free(r[i]);
    env_finish(&e);
}

/* Answers a client does not take (its window stays shut) count against
 * its connection until they are sent: it is refused more, others not. */
static void test_answers_a_client_does_not_take_count_against_its_connection(void **state)
{
    (void)state;
    struct grpc_limits lim = {.max_conn_bytes = 1 << 20};
    struct env e;
    env_start(&e, &lim);
    static uint8_t msg[300 * 1024];
    struct h2c c;
    h2c_start_window(&e, &c, true);
    struct h2call *call[4];
    for (int i = 0; i < 3; i++) {
        call[i] = h2c_call(&c, "/t.Test/Echo", msg, sizeof msg);
        while (e.handled < i + 1)
            uv_run(&e.loop, UV_RUN_ONCE);
    }
    /* three answers of 300 KiB wait; a fourth request would make 1.2 MiB */
    assert_true(stats(&e).bytes >= 3 * sizeof msg);
    call[3] = h2c_call(&c, "/t.Test/Echo", msg, sizeof msg);
    h2call_wait(&e, call[3]);
    assert_int_equal(call[3]->grpc_status, GRPC_UNAVAILABLE);
    assert_false(call[0]->done);
    struct rpc *other = rpc_start(&e, "/t.Test/Echo", msg, sizeof msg, 0);
    run_until_done(&e, &other, 1);
    assert_echoed(other, msg, sizeof msg);
    h2c_close(&e, &c);
    run_until_no_calls(&e);
    for (int i = 0; i < 4; i++)
        h2call_free(call[i]);
    rpc_free(other);
    env_finish(&e);
}

static void test_thousands_of_streams_hold_only_their_connection(void **state)
{
    (void)state;
    struct grpc_limits lim = {.max_streams = 100};
    struct env e;
    env_start(&e, &lim);
    /* 3000 requests opened at once, none ever finished, on one connection */
    struct raw flood = {0};
    nghttp2_hd_deflater *d;
    assert_int_equal(nghttp2_hd_deflate_new(&d, 4096), 0);
    h2_preface(&flood.out);
    for (uint32_t i = 0; i < 3000; i++) {
        h2_request(&flood.out, d, 2 * i + 1, "/t.Test/Echo");
        h2_frame(&flood.out, NGHTTP2_DATA, 0, 2 * i + 1, (const uint8_t *)"\0\0\0\0\x09", 5);
    }
    nghttp2_hd_deflate_del(d);
    raw_start(&e, &flood);
    /* wait until the server has seen all of it (its answer is in) */
    while (flood.in.len < 3000 && !flood.eof)
        uv_run(&e.loop, UV_RUN_ONCE);
    /* another client is served all the same */
    struct rpc *r = rpc_start(&e, "/t.Test/Echo", "still here", 10, 0);
    run_until_done(&e, &r, 1);
    assert_echoed(r, "still here", 10);
    /* the flood never held more than its SETTINGS allow (+1: the curl call) */
    assert_true(e.most_calls <= 2 * 100 + 1);
    raw_close(&e, &flood);
    run_until_no_calls(&e);
    rpc_free(r);
    env_finish(&e);
}

/* The frame of type on stream id in what the server sent, or NULL. */
static const uint8_t *raw_frame(const struct raw *r, uint8_t type, uint32_t id, size_t *len)
{
    const uint8_t *p = (const uint8_t *)r->in.s, *end = p + r->in.len;
    while (p && end - p >= 9) {
        size_t n = (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
        uint32_t sid = ((uint32_t)p[5] & 0x7f) << 24 | (uint32_t)p[6] << 16 |
                       (uint32_t)p[7] << 8 | p[8];
        if ((size_t)(end - p) < 9 + n)
            break;
        if (p[3] == type && sid == id) {
            *len = n;
            return p + 9;
        }
        p += 9 + n;
    }
    return NULL;
}

static void test_a_refused_request_still_arriving_is_reset_with_no_error(void **state)
{
    (void)state;
    struct grpc_limits lim = {.max_message = 64 * 1024};
    struct env e;
    env_start(&e, &lim);
    /* a message of 8 MiB announced, its first bytes sent, the stream open */
    struct raw r = {0};
    nghttp2_hd_deflater *d;
    assert_int_equal(nghttp2_hd_deflate_new(&d, 4096), 0);
    h2_preface(&r.out);
    h2_request(&r.out, d, 1, "/t.Test/Echo");
    nghttp2_hd_deflate_del(d);
    uint8_t data[1029] = {0, 0, 0x80, 0, 0};
    h2_frame(&r.out, NGHTTP2_DATA, 0, 1, data, sizeof data);
    raw_start(&e, &r);
    size_t len = 0, hlen = 0;
    const uint8_t *rst;
    while (!(rst = raw_frame(&r, NGHTTP2_RST_STREAM, 1, &len)) && !r.eof)
        uv_run(&e.loop, UV_RUN_ONCE);
    /* the status first (trailers-only HEADERS ending the stream), then
     * RST_STREAM NO_ERROR: send no more of it (RFC 9113 8.1) */
    assert_non_null(rst);
    assert_int_equal(len, 4);
    assert_memory_equal(rst, "\0\0\0\0", 4);
    const uint8_t *head = raw_frame(&r, NGHTTP2_HEADERS, 1, &hlen);
    assert_non_null(head);
    assert_true(head < rst);
    raw_close(&e, &r);
    env_finish(&e);
}

/* A client cannot pile up calls by cancelling them while their handler
 * holds them: they count against its connection, 2 x max_streams. */
static void test_cancelled_calls_still_held_count_against_their_connection(void **state)
{
    (void)state;
    struct grpc_limits lim = {.max_streams = 4};
    struct env e;
    env_start(&e, &lim);
    struct h2c c;
    h2c_start(&e, &c);
    struct h2call *call[9];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 4; i++)
            call[4 * round + i] = h2c_call(&c, "/t.Test/Hold", "h", 1);
        while (e.nheld < 4 * (round + 1))
            uv_run(&e.loop, UV_RUN_ONCE);
        for (int i = 0; i < 4; i++)
            h2c_cancel(&c, call[4 * round + i]);
        for (int i = 0; i < 4; i++)
            h2call_wait(&e, call[4 * round + i]);
    }
    /* 8 calls held, none with a stream: the ninth stream is refused */
    call[8] = h2c_call(&c, "/t.Test/Echo", "x", 1);
    h2call_wait(&e, call[8]);
    assert_int_equal(call[8]->reset, NGHTTP2_REFUSED_STREAM);
    assert_int_equal(e.handled, 8);
    assert_int_equal(stats(&e).calls, 8);
    /* answered (and dropped), they make room again */
    release_held(&e);
    struct h2call *next = h2c_call(&c, "/t.Test/Echo", "y", 1);
    h2call_wait(&e, next);
    assert_h2_echoed(next, "y", 1);
    h2c_close(&e, &c);
    for (int i = 0; i < 9; i++)
        h2call_free(call[i]);
    h2call_free(next);
    env_finish(&e);
}

static void test_an_idle_or_half_sent_connection_is_closed(void **state)
{
    (void)state;
    struct grpc_limits lim = {.idle_timeout_ms = 300};
    struct env e;
    env_start(&e, &lim);
    struct raw silent = {0}, half = {0};
    /* half: the preface, then 4 of the 9 bytes of a frame header */
    h2_preface(&half.out);
    strbuf_append(&half.out, "\0\0\x10\x01", 4);
    raw_start(&e, &silent);
    raw_start(&e, &half);
    while (!silent.eof || !half.eof)
        uv_run(&e.loop, UV_RUN_ONCE);
    assert_int_equal(silent.in.len, 0); /* never spoke HTTP/2: told nothing */
    raw_close(&e, &silent);
    raw_close(&e, &half);
    run_until_connections(&e, 0);
    env_finish(&e);
}

/* A client that sends its bytes slowly: `first` bytes of data at once,
 * then `step` bytes every TRICKLE_MS, until it is all sent or the server
 * closes the connection. */
#define TRICKLE_MS 20
struct trickle {
    struct raw r;
    uv_timer_t timer;
    struct strbuf data;
    size_t first, step, sent;
    bool stopped, timer_closed;
};

static void trickle_timer_closed(uv_handle_t *h) { ((struct trickle *)h->data)->timer_closed = true; }

static void trickle_tick(uv_timer_t *t)
{
    struct trickle *k = t->data;
    if (k->r.eof || k->sent == k->data.len) {
        uv_timer_stop(t);
        k->stopped = true;
        return;
    }
    size_t n = k->sent ? k->step : k->first;
    n = n < k->data.len - k->sent ? n : k->data.len - k->sent;
    uv_buf_t b = uv_buf_init(k->data.s + k->sent, (unsigned)n);
    if (uv_try_write((uv_stream_t *)&k->r.tcp, &b, 1) == (int)n)
        k->sent += n; /* otherwise not connected yet: next tick */
}

static void trickle_start(struct env *e, struct trickle *k, size_t first, size_t step)
{
    k->first = first;
    k->step = step;
    raw_start(e, &k->r);
    uv_timer_init(&e->loop, &k->timer);
    k->timer.data = k;
    uv_timer_start(&k->timer, trickle_tick, TRICKLE_MS, TRICKLE_MS);
}

static void trickle_finish(struct env *e, struct trickle *k)
{
    uv_close((uv_handle_t *)&k->timer, trickle_timer_closed);
    raw_close(e, &k->r);
    while (!k->timer_closed)
        uv_run(&e->loop, UV_RUN_ONCE);
    strbuf_free(&k->data);
}

/* Like OTLP/HTTP's request head: the preface must be whole within
 * head_timeout_ms of the connection, and a frame within head_timeout_ms of
 * its first byte, however slowly they trickle in (each byte was progress
 * to the idle timer, which never came); other clients are served
 * meanwhile. */
static void test_a_trickled_preface_or_frame_is_cut_at_the_head_deadline(void **state)
{
    (void)state;
    struct grpc_limits lim = {.head_timeout_ms = 300};
    struct env e;
    env_start(&e, &lim);
    struct trickle magic = {0}, frame = {0};
    h2_preface(&magic.data);
    h2_preface(&frame.data);
    size_t preface = frame.data.len;
    uint8_t payload[100] = {0};
    h2_frame(&frame.data, 0xfa, 0, 0, payload, sizeof payload); /* an extension's: ignored */
    trickle_start(&e, &magic, 1, 1);
    trickle_start(&e, &frame, preface, 1);
    struct rpc *other[4];
    for (int i = 0; i < 4; i++)
        other[i] = rpc_start(&e, "/t.Test/Echo", "go on", 5, 0);
    run_until_done(&e, other, 4);
    for (int i = 0; i < 4; i++)
        assert_echoed(other[i], "go on", 5);
    while (!magic.stopped || !frame.stopped)
        uv_run(&e.loop, UV_RUN_ONCE);
    /* closed part way: 15 bytes fit in the time at most, of 24 and 109 */
    assert_true(magic.r.eof);
    assert_true(magic.sent < NGHTTP2_CLIENT_MAGIC_LEN);
    assert_true(frame.r.eof);
    assert_true(frame.sent > preface && frame.sent < frame.data.len);
    trickle_finish(&e, &magic);
    trickle_finish(&e, &frame);
    for (int i = 0; i < 4; i++)
        rpc_free(other[i]);
    run_until_connections(&e, 0);
    env_finish(&e);
}

/* PINGs (answered) are not requests: a connection that only pings is
 * closed when idle, as a silent one is. */
static void test_pings_alone_do_not_keep_a_connection(void **state)
{
    (void)state;
    struct grpc_limits lim = {.idle_timeout_ms = 300};
    struct env e;
    env_start(&e, &lim);
    struct trickle pings = {0};
    h2_preface(&pings.data);
    size_t preface = pings.data.len;
    uint8_t opaque[8] = {0};
    for (int i = 0; i < 200; i++) /* 4 s of them */
        h2_frame(&pings.data, NGHTTP2_PING, 0, 0, opaque, sizeof opaque);
    trickle_start(&e, &pings, preface + 17, 17);
    while (!pings.stopped)
        uv_run(&e.loop, UV_RUN_ONCE);
    assert_true(pings.r.eof);
    assert_true(pings.sent < pings.data.len);
    assert_true(pings.r.in.len > 0); /* it was answered meanwhile */
    trickle_finish(&e, &pings);
    run_until_connections(&e, 0);
    env_finish(&e);
}

static void test_an_http1_client_is_told_this_is_grpc(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    struct raw h1 = {0};
    strbuf_puts(&h1.out, "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    raw_start(&e, &h1);
    while (!h1.eof)
        uv_run(&e.loop, UV_RUN_ONCE);
    assert_non_null(strstr(strbuf_str(&h1.in), "HTTP/1.1 505 "));
    assert_non_null(strstr(strbuf_str(&h1.in), "this port speaks gRPC"));
    raw_close(&e, &h1);
    env_finish(&e);
}

/* ---- closing --------------------------------------------------------------------------- */

static void test_close_waits_for_the_calls_handlers_hold(void **state)
{
    (void)state;
    struct env e;
    env_start(&e, NULL);
    struct rpc *r = rpc_start(&e, "/t.Test/Hold", "h", 1, 0);
    while (e.nheld < 1)
        uv_run(&e.loop, UV_RUN_ONCE);
    grpc_server_close(e.s, server_closed, &e);
    run_until_done(&e, &r, 1); /* its connection closed under it */
    assert_int_not_equal(r->rc, CURLE_OK);
    assert_false(e.closed);
    assert_false(grpc_call_waiting(e.held[0]));
    release_held(&e);
    while (!e.closed)
        uv_run(&e.loop, UV_RUN_ONCE);
    rpc_free(r);
    curl_multi_cleanup(e.multi);
    uv_close((uv_handle_t *)&e.curl_timer, NULL);
    uv_close((uv_handle_t *)&e.later, NULL);
    uv_close((uv_handle_t *)&e.watchdog, NULL);
    uv_close((uv_handle_t *)&e.watch, NULL);
    e.s = NULL;
    assert_int_equal(uv_run(&e.loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(uv_loop_close(&e.loop), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_unary_call_is_echoed),
        cmocka_unit_test(test_a_gzip_request_reaches_the_handler_inflated),
        cmocka_unit_test(test_an_asynchronous_handler_answers_after_a_timer),
        cmocka_unit_test(test_a_handler_status_and_message_reach_the_client),
        cmocka_unit_test(test_an_unknown_method_is_unimplemented),
        cmocka_unit_test(test_a_message_over_the_limit_is_resource_exhausted_unread),
        cmocka_unit_test(test_broken_framing_is_internal),
        cmocka_unit_test(test_not_grpc_gets_an_http_status),
        cmocka_unit_test(test_only_protobuf_messages_are_served),
        cmocka_unit_test(test_many_concurrent_streams_share_one_connection),
        cmocka_unit_test(test_many_connections_at_once),
        cmocka_unit_test(test_a_connection_beyond_the_limit_is_refused_and_others_go_on),
        cmocka_unit_test(test_a_client_that_stops_mid_message_is_cut_at_the_deadline),
        cmocka_unit_test(test_a_cancelled_stream_drops_its_answer),
        cmocka_unit_test(test_a_closed_connection_drops_its_answers),
        cmocka_unit_test(test_held_bytes_are_bounded_per_connection_and_in_all),
        cmocka_unit_test(test_answers_a_client_does_not_take_count_against_its_connection),
        cmocka_unit_test(test_the_servers_refusals_are_told_to_its_owner),
        cmocka_unit_test(test_thousands_of_streams_hold_only_their_connection),
        cmocka_unit_test(test_a_refused_request_still_arriving_is_reset_with_no_error),
        cmocka_unit_test(test_cancelled_calls_still_held_count_against_their_connection),
        cmocka_unit_test(test_an_idle_or_half_sent_connection_is_closed),
        cmocka_unit_test(test_a_trickled_preface_or_frame_is_cut_at_the_head_deadline),
        cmocka_unit_test(test_pings_alone_do_not_keep_a_connection),
        cmocka_unit_test(test_an_http1_client_is_told_this_is_grpc),
        cmocka_unit_test(test_close_waits_for_the_calls_handlers_hold),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
