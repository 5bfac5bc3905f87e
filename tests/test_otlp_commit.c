/* test_otlp_commit.c - the receivers' group commit (collectors/
 * otlp_commit.h): the waiters of one loop pass share one flush. */
#include "tests/helpers.h"

#include "collectors/otlp_commit.h"

struct counting {
    struct sink sink;
    int flushes;
    int fail;             /* flushes still to refuse */
};

static int count_flush(struct sink *s, char *err, size_t errlen)
{
    struct counting *c = (struct counting *)s;
    c->flushes++;
    if (c->fail > 0) {
        c->fail--;
        snprintf(err, errlen, "disk full");
        return -1;
    }
    return 0;
}

struct answer {
    int calls;
    bool durable;
    char err[64];
};

static void on_done(void *ctx, bool durable, const char *err)
{
    struct answer *a = ctx;
    a->calls++;
    a->durable = durable;
    snprintf(a->err, sizeof a->err, "%s", err);
}

static void closed(void *arg) { *(int *)arg = 1; }

static void test_the_waiters_of_one_pass_share_one_flush(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct counting c = {.sink = {.flush = count_flush}};
    struct otlp_commit *g = otlp_commit_new(&loop, &c.sink);
    struct answer a[3] = {{0}};
    for (int i = 0; i < 3; i++)
        otlp_commit_wait(g, on_done, &a[i]);
    assert_int_equal(c.flushes, 0); /* nothing before the loop runs */
    uv_run(&loop, UV_RUN_NOWAIT);
    assert_int_equal(c.flushes, 1);
    for (int i = 0; i < 3; i++)
        assert_true(a[i].calls == 1 && a[i].durable);
    /* a failed flush: every waiter hears it, once; a cancelled one not */
    /* cppcheck-suppress unreadVariable ; read by count_flush through the sink */
    c.fail = 1;
    struct answer b[2] = {{0}};
    otlp_commit_wait(g, on_done, &b[0]);
    otlp_commit_cancel(otlp_commit_wait(g, on_done, &b[1]));
    uv_run(&loop, UV_RUN_NOWAIT);
    assert_int_equal(c.flushes, 2);
    assert_true(b[0].calls == 1 && !b[0].durable);
    assert_string_equal(b[0].err, "disk full");
    assert_int_equal(b[1].calls, 0);
    /* nothing waiting: no flush */
    uv_run(&loop, UV_RUN_NOWAIT);
    assert_int_equal(c.flushes, 2);
    /* closing answers whoever still waits */
    struct answer last = {0};
    otlp_commit_wait(g, on_done, &last);
    int done = 0;
    otlp_commit_close(g, closed, &done);
    assert_int_equal(last.calls, 1);
    assert_int_equal(c.flushes, 3);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(done);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_waiters_of_one_pass_share_one_flush),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
