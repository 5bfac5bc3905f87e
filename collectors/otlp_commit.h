/* otlp_commit.h - group commit for the OTLP receivers.
 *
 * An export is answered only once its records are durable, and a durable
 * commit costs an fsync (synchronous=FULL). Instead of one commit per
 * export, the receivers ask to be told when what they put is durable: the
 * exports taken in during one pass of the loop (every connection that had
 * something to read) wait for ONE flush, run in a uv_check handle right
 * after the loop has polled, and are answered together. Under 16 clients
 * this is the difference between an fsync per export and one per pass.
 *
 * A waiter's callback runs exactly once (durable or not), unless it is
 * cancelled first (its connection went away).
 */
#ifndef SPENDTOP_OTLP_COMMIT_H
#define SPENDTOP_OTLP_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "core/usage.h"

struct otlp_commit;
struct otlp_waiter;

/* durable: the records put before the wait are stored; otherwise err says
 * why not (they stay pending in the sink and go with a later flush). */
typedef void (*otlp_commit_cb)(void *ctx, bool durable, const char *err);

struct otlp_commit *otlp_commit_new(uv_loop_t *loop, struct sink *sink);
/* cb(ctx, ...) once what was put into the sink so far is durable. */
struct otlp_waiter *otlp_commit_wait(struct otlp_commit *g, otlp_commit_cb cb, void *ctx);
/* cb will not be called (w is freed with the next flush). */
void otlp_commit_cancel(struct otlp_waiter *w);
/* Flush now for everyone waiting, then close: done(arg) once closed, and
 * g is freed. */
void otlp_commit_close(struct otlp_commit *g, void (*done)(void *arg), void *arg);

#endif
