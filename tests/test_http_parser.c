/* test_http_parser.c - the receiver's request parser: every split of the
 * input, pipelining, chunked bodies, and every refusal with its status. */
#include "tests/helpers.h"

#include "lib/http_parser.h"

/* Feed text in pieces of `step` bytes; returns bytes used. */
static size_t feed(struct http_parser *p, const char *text, size_t step)
{
    size_t n = strlen(text), used = 0;
    while (used < n && p->state != HP_DONE && p->state != HP_ERROR) {
        size_t k = n - used < step ? n - used : step;
        used += hp_feed(p, text + used, k);
    }
    return used;
}

static const char *post =
    "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Content-Length: 11\r\nContent-Encoding: gzip\r\n\r\n{\"a\":\"bc\"}\n";

static void test_a_post_in_every_split(void **state)
{
    (void)state;
    for (size_t step = 1; step <= strlen(post); step++) {
        struct http_parser p;
        hp_init(&p, 1024);
        assert_int_equal(feed(&p, post, step), strlen(post));
        assert_int_equal(p.state, HP_DONE);
        assert_string_equal(p.method, "POST");
        assert_string_equal(p.target, "/v1/traces");
        assert_string_equal(p.content_type, "application/json");
        assert_string_equal(p.content_encoding, "gzip");
        assert_true(p.keep_alive);
        assert_int_equal(p.body.len, 11);
        assert_memory_equal(p.body.s, "{\"a\":\"bc\"}\n", 11);
        hp_free(&p);
    }
}

static void test_chunked_with_extensions_and_trailers(void **state)
{
    (void)state;
    const char *req = "POST /v1/traces HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\n";
    for (size_t step = 1; step < 20; step++) {
        struct http_parser p;
        hp_init(&p, 1024);
        assert_int_equal(feed(&p, req, step), strlen(req));
        assert_int_equal(p.state, HP_DONE);
        assert_string_equal(strbuf_str(&p.body), "hello, world");
        hp_free(&p);
    }
}

static void test_pipelined_requests_and_reset(void **state)
{
    (void)state;
    char two[1024];
    snprintf(two, sizeof two, "%s%s", post,
             "GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    struct http_parser p;
    hp_init(&p, 1024);
    size_t used = hp_feed(&p, two, strlen(two));
    assert_int_equal(used, strlen(post)); /* stops at the end of the first */
    assert_int_equal(p.state, HP_DONE);
    hp_reset(&p);
    assert_int_equal(hp_feed(&p, two + used, strlen(two) - used), strlen(two) - used);
    assert_int_equal(p.state, HP_DONE);
    assert_string_equal(p.method, "GET");
    assert_int_equal(p.minor, 0);
    assert_true(p.keep_alive);
    assert_int_equal(p.body.len, 0);
    hp_free(&p);
}

static void test_http10_closes_and_11_can_close(void **state)
{
    (void)state;
    struct http_parser p;
    hp_init(&p, 64);
    feed(&p, "GET / HTTP/1.0\r\n\r\n", 64);
    assert_false(p.keep_alive);
    hp_reset(&p);
    feed(&p, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 64);
    assert_false(p.keep_alive);
    hp_free(&p);
}

/* An HTTP/1.0 client's Expect is ignored (RFC 9110 10.1.1): no 100
 * Continue it cannot have asked for, no 417. */
static void test_expect_from_http10_is_ignored(void **state)
{
    (void)state;
    struct http_parser p;
    hp_init(&p, 64);
    feed(&p, "POST /v1/traces HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", 64);
    assert_true(p.headers_done);
    assert_int_equal(p.state, HP_BODY);
    assert_false(p.expect_continue);
    hp_reset(&p);
    feed(&p, "POST /v1/traces HTTP/1.0\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}", 64);
    assert_int_equal(p.state, HP_DONE);
    hp_free(&p);
}

/* Connection is a list of options (RFC 9112 9.6): close anywhere in it, or
 * in another Connection header, closes; keep-alive in it keeps 1.0 open. */
static void test_connection_is_a_list(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        bool keep;
    } cases[] = {
        {"GET / HTTP/1.1\r\nConnection: close, TE\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nConnection: TE,close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nConnection: Upgrade ,  CLOSE \r\n\r\n", false},
        {"GET / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", true},
        {"GET / HTTP/1.0\r\nConnection: TE, keep-alive\r\n\r\n", true},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct http_parser p;
        hp_init(&p, 64);
        feed(&p, cases[i].head, 64);
        assert_int_equal(p.state, HP_DONE);
        if (p.keep_alive != cases[i].keep)
            fail_msg("%s: keep_alive %d", cases[i].head, p.keep_alive);
        hp_free(&p);
    }
}

static void test_expect_continue_is_seen_before_the_body(void **state)
{
    (void)state;
    struct http_parser p;
    hp_init(&p, 64);
    feed(&p, "POST /v1/traces HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", 64);
    assert_int_equal(p.state, HP_BODY);
    assert_true(p.headers_done);
    assert_true(p.expect_continue);
    feed(&p, "{}", 64);
    assert_int_equal(p.state, HP_DONE);
    hp_free(&p);
}

/* An absolute-form target (RFC 9112 3.2.2: a server MUST accept it) is
 * taken as its path and query; the Host header, if any, is ignored. */
static void test_absolute_form_targets(void **state)
{
    (void)state;
    static const struct {
        const char *line, *target;
    } cases[] = {
        {"POST http://localhost:4318/v1/traces HTTP/1.1", "/v1/traces"},
        {"POST HTTPS://[::1]:4318/api/public/otel/v1/logs?a=b HTTP/1.1",
         "/api/public/otel/v1/logs?a=b"},
        {"POST http://x HTTP/1.1", "/"},
        {"POST http://x?q=1 HTTP/1.1", "/?q=1"},
    };
    static const char *hosts[] = {"", "Host: localhost:4318\r\n", "Host: elsewhere\r\n"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (size_t h = 0; h < sizeof hosts / sizeof *hosts; h++) {
            char req[512];
            snprintf(req, sizeof req, "%s\r\n%sContent-Length: 2\r\n\r\n{}", cases[i].line,
                     hosts[h]);
            for (size_t step = 1; step <= strlen(req); step += 5) {
                struct http_parser p;
                hp_init(&p, 64);
                assert_int_equal(feed(&p, req, step), strlen(req));
                if (p.state != HP_DONE || strcmp(p.target, cases[i].target) != 0)
                    fail_msg("%s -> state %d (%s), target '%s'", req, p.state,
                             p.error ? p.error : "", p.target);
                assert_string_equal(p.method, "POST");
                assert_int_equal(p.body.len, 2);
                hp_free(&p);
            }
        }
    }
}

static void refused(const char *req, size_t max_body, int status)
{
    struct http_parser p;
    hp_init(&p, max_body);
    feed(&p, req, 7);
    if (p.state != HP_ERROR || p.error_status != status)
        fail_msg("%s -> state %d status %d (%s), expected %d", req, p.state, p.error_status,
                 p.error ? p.error : "", status);
    hp_free(&p);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("POST /v1/traces HTTP/1.1\r\nContent-Length: 100\r\n\r\n", 99, 413);
    refused("POST /v1/traces HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n", 63, 413);
    refused("POST /v1/traces HTTP/1.1\r\n\r\n", 99, 411);
    refused("POST /v1/traces HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 99, 400);
    refused("POST /v1/traces HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 99, 400);
    refused("POST /v1/traces HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 99, 400);
    refused("POST /v1/traces HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 99, 501);
    /* chunked twice (two headers: "chunked, chunked"): not a body to guess at */
    refused("POST /v1/traces HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
            "Transfer-Encoding: chunked\r\n\r\n", 99, 400);
    refused("POST /v1/traces HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            99, 501);
    refused("POST /v1/traces HTTP/1.1\nHost: x\n\n", 99, 400);           /* bare LF */
    refused("POST /v1/traces HTTP/1.1\r\nHost : x\r\n\r\n", 99, 400);    /* space before : */
    refused("POST /v1/traces HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 99, 400);
    /* a target that is neither a path nor an http(s) URI with a host */
    refused("POST http:///v1/traces HTTP/1.1\r\n\r\n", 99, 400);
    refused("POST http://user@x/v1/traces HTTP/1.1\r\n\r\n", 99, 400);
    refused("POST ftp://x/v1/traces HTTP/1.1\r\n\r\n", 99, 400);
    refused("POST http:/v1/traces HTTP/1.1\r\n\r\n", 99, 400);
    refused("POST http:// HTTP/1.1\r\n\r\n", 99, 400);
    refused("OPTIONS * HTTP/1.1\r\n\r\n", 99, 400);
    refused("CONNECT x:4318 HTTP/1.1\r\n\r\n", 99, 400);
    refused("POST /v1/traces HTTP/2.0\r\n\r\n", 99, 505);
    /* a TLS ClientHello (an https:// exporter at this port): said so */
    struct http_parser tp;
    hp_init(&tp, 99);
    hp_feed(&tp, "\x16\x03\x01\x02\x00\x01", 6);
    assert_int_equal(tp.state, HP_ERROR);
    assert_int_equal(tp.error_status, 400);
    assert_non_null(strstr(tp.error, "TLS"));
    hp_free(&tp);
    /* HTTP/2's preface (a gRPC exporter at this port): said so, not 400 */
    refused("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 99, 505);
    refused("POST /v1/traces\r\n\r\n", 99, 400);
    refused("PO(ST /v1/traces HTTP/1.1\r\n\r\n", 99, 400);
    refused("POST /v1/traces HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", 99, 417);
    refused("POST /v1/traces HTTP/1.1\r\nX: a\x01b\r\n\r\n", 99, 400);
    refused("POST /v1/traces HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 99, 400);
    refused("POST /v1/traces HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 99, 400);
    char big[HP_MAX_HEAD + 100];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    big[sizeof big - 1] = '\0';
    refused(big, 99, 431);
    struct strbuf many = {0};
    strbuf_puts(&many, "GET / HTTP/1.1\r\n");
    for (int i = 0; i <= HP_MAX_HEADERS; i++)
        strbuf_printf(&many, "X-%d: y\r\n", i);
    strbuf_puts(&many, "\r\n");
    refused(strbuf_str(&many), 99, 431);
    strbuf_free(&many);
}

/* Random bytes never crash it, and it always ends in a defined state. */
static void test_garbage_is_refused_not_crashed(void **state)
{
    (void)state;
    srand(11);
    for (int round = 0; round < 2000; round++) {
        char buf[512];
        size_t n = (size_t)(rand() % (int)sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(rand() % 4 == 0 ? "\r\n :/"[rand() % 5] : rand() % 256);
        struct http_parser p;
        hp_init(&p, 256);
        size_t used = 0;
        while (used < n && p.state != HP_DONE && p.state != HP_ERROR)
            used += hp_feed(&p, buf + used, n - used);
        assert_true(used <= n);
        assert_true(p.state <= HP_ERROR);
        hp_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_post_in_every_split),
        cmocka_unit_test(test_chunked_with_extensions_and_trailers),
        cmocka_unit_test(test_pipelined_requests_and_reset),
        cmocka_unit_test(test_http10_closes_and_11_can_close),
        cmocka_unit_test(test_connection_is_a_list),
        cmocka_unit_test(test_expect_from_http10_is_ignored),
        cmocka_unit_test(test_expect_continue_is_seen_before_the_body),
        cmocka_unit_test(test_absolute_form_targets),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_garbage_is_refused_not_crashed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
