/* test_http.c - the curl-on-libuv client against a real local server (an
 * in-process libuv TCP server): a slow answer never blocks the loop, a
 * runaway body is an error, timeouts and refused connections are reported,
 * and Retry-After is read. */
#include "tests/helpers.h"

#include <signal.h>
#include <stdbool.h>

#include "lib/http.h"

struct server {
    uv_tcp_t tcp;
    int port;
    const char *reply;         /* what each connection gets, after delay_ms */
    size_t big;                /* or, if non-zero, a body of this many bytes */
    uint64_t delay_ms;
};

struct sconn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    struct server *s;
    uv_write_t w;
    char *out;
    int open;
};

static void sconn_closed(uv_handle_t *h)
{
    struct sconn *c = h->data;
    if (--c->open == 0) {
        free(c->out);
        free(c);
    }
}

static void written(uv_write_t *w, int status)
{
    (void)status;
    struct sconn *c = w->data;
    uv_close((uv_handle_t *)&c->tcp, sconn_closed);
    uv_close((uv_handle_t *)&c->timer, sconn_closed);
}

static void answer(uv_timer_t *t)
{
    struct sconn *c = t->data;
    struct server *s = c->s;
    size_t n;
    if (s->big) {
        char head[128];
        int hn = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", s->big);
        n = (size_t)hn + s->big;
        c->out = malloc(n);
        memcpy(c->out, head, (size_t)hn);
        memset(c->out + hn, 'x', s->big);
    } else {
        n = strlen(s->reply);
        c->out = strdup(s->reply);
    }
    uv_buf_t b = uv_buf_init(c->out, (unsigned)n);
    c->w.data = c;
    uv_write(&c->w, (uv_stream_t *)&c->tcp, &b, 1, written);
}

static void alloc_cb(uv_handle_t *h, size_t n, uv_buf_t *b)
{
    (void)h;
    static char buf[65536];
    b->base = buf;
    b->len = n < sizeof buf ? n : sizeof buf;
}

/* Answer once the request is in (closing with it unread would reset the
 * connection); its contents do not matter. */
static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    (void)b;
    struct sconn *c = s->data;
    if (n > 0 && !uv_is_active((uv_handle_t *)&c->timer) && !c->out)
        uv_timer_start(&c->timer, answer, c->s->delay_ms, 0);
}

static void on_conn(uv_stream_t *srv, int status)
{
    struct server *s = srv->data;
    if (status < 0)
        return;
    struct sconn *c = calloc(1, sizeof *c);
    c->s = s;
    c->open = 2;
    uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    uv_accept(srv, (uv_stream_t *)&c->tcp);
    uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

static void serve(uv_loop_t *loop, struct server *s)
{
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    uv_tcp_init(loop, &s->tcp);
    s->tcp.data = s;
    assert_int_equal(uv_tcp_bind(&s->tcp, (const struct sockaddr *)&a, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&s->tcp, 16, on_conn), 0);
    struct sockaddr_storage bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&bound, &len);
    s->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
}

struct result {
    bool done;
    long status;
    size_t len;
    long retry_after;
    char error[256];
    char body[64];
};

static void got(void *ctx, const struct http_response *r)
{
    struct result *res = ctx;
    res->done = true;
    res->status = r->status;
    res->len = r->len;
    res->retry_after = r->retry_after;
    snprintf(res->error, sizeof res->error, "%s", r->error);
    snprintf(res->body, sizeof res->body, "%s", r->body);
}

static int ticks;
static void tick(uv_timer_t *t) { (void)t; ticks++; }

static void closed(void *data) { *(int *)data = 1; }

/* GET http://127.0.0.1:port/ with the server answering as configured. */
static struct result get(struct server *s, long timeout_ms, size_t max_body, int port)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    if (s)
        serve(&loop, s);
    struct http *h = http_new(&loop, "spendtop-test");
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/organization/costs", s ? s->port : port);
    struct http_request req = {.url = url, .connect_timeout_ms = 2000, .timeout_ms = timeout_ms,
                               .max_body = max_body};
    struct result res = {0};
    char err[256];
    assert_int_equal(http_get(h, &req, got, &res, err, sizeof err), 0);
    assert_false(res.done); /* never called from inside http_get */
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    ticks = 0;
    uv_timer_start(&t, tick, 20, 20);
    while (!res.done)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    int done = 0;
    http_close(h, closed, &done);
    if (s)
        uv_close((uv_handle_t *)&s->tcp, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(done);
    http_free(h);
    assert_int_equal(uv_loop_close(&loop), 0);
    return res;
}

static void test_a_slow_answer_does_not_block_the_loop(void **state)
{
    (void)state;
    struct server s = {.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", .delay_ms = 600};
    struct result r = get(&s, 5000, 1024, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{}");
    /* a 20 ms timer kept firing while the answer was awaited */
    assert_true(ticks >= 10);
}

static void test_a_runaway_body_is_an_error(void **state)
{
    (void)state;
    struct server s = {.big = 10 * 1024 * 1024};
    struct result r = get(&s, 10000, 64 * 1024, 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.error, "larger than 65536 bytes"));
}

static void test_timeout_and_refused_connection(void **state)
{
    (void)state;
    struct server s = {.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", .delay_ms = 3000};
    struct result r = get(&s, 300, 1024, 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.error, "imed out"));
    /* nothing listens on port 1 */
    r = get(NULL, 2000, 1024, 1);
    assert_int_equal(r.status, 0);
    assert_true(r.error[0] != '\0');
}

static void test_retry_after_is_read(void **state)
{
    (void)state;
    struct server s = {.reply = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n"
                                "Content-Length: 2\r\n\r\n{}"};
    struct result r = get(&s, 5000, 1024, 0);
    assert_int_equal(r.status, 429);
    assert_int_equal(r.retry_after, 7);
}

int main(void)
{
    /* the test server writes on after curl drops a runaway body */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_slow_answer_does_not_block_the_loop),
        cmocka_unit_test(test_a_runaway_body_is_an_error),
        cmocka_unit_test(test_timeout_and_refused_connection),
        cmocka_unit_test(test_retry_after_is_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
