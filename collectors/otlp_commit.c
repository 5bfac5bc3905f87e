/* otlp_commit.c - group commit for the OTLP receivers (see otlp_commit.h). */
#include "collectors/otlp_commit.h"

#include <stdlib.h>

#include "lib/xalloc.h"

struct otlp_waiter {
    otlp_commit_cb cb;            /* NULL: cancelled */
    void *ctx;
    struct otlp_waiter *next;
};

struct otlp_commit {
    uv_check_t check;
    struct sink *sink;
    struct otlp_waiter *head, **tail;
    void (*done)(void *arg);
    void *done_arg;
};

/* One flush for everyone waiting now; callbacks may wait again (they join
 * the next pass). */
static void flush_all(struct otlp_commit *g)
{
    struct otlp_waiter *w = g->head;
    g->head = NULL;
    g->tail = &g->head;
    if (!w)
        return;
    char err[256] = "";
    bool durable = g->sink->flush(g->sink, err, sizeof err) == 0;
    while (w) {
        struct otlp_waiter *next = w->next;
        if (w->cb)
            w->cb(w->ctx, durable, err);
        free(w);
        w = next;
    }
}

static void on_check(uv_check_t *h)
{
    struct otlp_commit *g = h->data;
    /* nothing is waiting once flushed: stop until the next wait */
    uv_check_stop(&g->check); /* cannot fail */
    /* a waiter added by a callback (a pipelined request read from what a
     * connection held back) is flushed now: a check handle does not keep
     * the loop from blocking in its next poll */
    while (g->head)
        flush_all(g);
}

struct otlp_commit *otlp_commit_new(uv_loop_t *loop, struct sink *sink)
{
    struct otlp_commit *g = xcalloc(1, sizeof *g);
    uv_check_init(loop, &g->check); /* cannot fail for a check handle */
    g->check.data = g;
    g->sink = sink;
    g->tail = &g->head;
    return g;
}

struct otlp_waiter *otlp_commit_wait(struct otlp_commit *g, otlp_commit_cb cb, void *ctx)
{
    struct otlp_waiter *w = xcalloc(1, sizeof *w);
    w->cb = cb;
    w->ctx = ctx;
    *g->tail = w;
    g->tail = &w->next;
    uv_check_start(&g->check, on_check); /* a no-op when already started */
    return w;
}

void otlp_commit_cancel(struct otlp_waiter *w) { w->cb = NULL; }

static void closed(uv_handle_t *h)
{
    struct otlp_commit *g = h->data;
    void (*done)(void *) = g->done;
    void *arg = g->done_arg;
    free(g);
    if (done)
        done(arg);
}

void otlp_commit_close(struct otlp_commit *g, void (*done)(void *arg), void *arg)
{
    g->done = done;
    g->done_arg = arg;
    while (g->head)
        flush_all(g);
    uv_close((uv_handle_t *)&g->check, closed);
}
