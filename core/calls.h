/* calls.h - one provider call, one count, across exports and restarts.
 *
 * A span is counted once however often it arrives: an exporter retries a
 * batch whose answer it never got (also after spendtop restarted), two
 * pipelines deliver the same export. And a provider call is counted once
 * however many instrumentations traced it: a library's span and the SDK's
 * own span beneath it (Traceloop around the Anthropic SDK), or two spans of
 * one trace with the same response id. Of the spans of one call, the one
 * that told the most (usage.completeness) is what counts: when a better one
 * arrives after a worse one was counted, the worse one's count is taken
 * back and the better one's added.
 *
 * The rule (README "One call, one count"):
 *   - the same (traceId, spanId) again: not counted;
 *   - a span whose parent is a remembered inference span, or that is the
 *     parent of one (unless the two name different response ids: the
 *     provider answered them apart), or that has a remembered span's
 *     (traceId, response id): the same call, counted once, keeping the
 *     more complete usage (the first on a tie).
 * Its horizon: the calls that arrived in the last CALLS_HORIZON seconds,
 * at most CALLS_MAX of them (the oldest CALLS_MAX / CALLS_GENERATIONS are
 * forgotten together when the newest generation fills). Its limits: a span
 * of a call beneath a wrapper that is itself beneath the other span (an
 * inference span, a non-inference span, an inference span) is not related
 * to it unless they share a response id; spans without ids are never
 * duplicates.
 *
 * Memory and disk: every remembered span is a row of the database table
 * seen_spans, written in the same transaction as the buckets its usage
 * went to (calls_flush within the ingest's flush), so a crash can neither
 * keep a count whose span is forgotten nor forget a span whose count was
 * kept. A restart reads the rows back (calls_load). Memory grows with the
 * calls remembered, to about 28 MB resident at CALLS_MAX (a count kept
 * encoded, core/chunk.h: 41 MB when it was a struct tally).
 */
#ifndef SPENDTOP_CALLS_H
#define SPENDTOP_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/store.h"
#include "core/usage.h"

#define CALLS_HORIZON (24 * 3600)
#define CALLS_GENERATIONS 4
#define CALLS_MAX (1u << 17)

struct calls;

struct calls *calls_new(void);
void calls_free(struct calls *c);

enum calls_verdict {
    CALLS_NEW,     /* no call of this span is remembered: count it */
    CALLS_SEEN,    /* this very span again: do not count */
    CALLS_SAME,    /* another span of a counted call, telling no more: do not count */
    CALLS_BETTER,  /* another span of a counted call, telling more: take the
                      call's count back (calls_counted) and count this one */
};

/* Where a span's call is, between calls_check and calls_remember. */
struct calls_ref {
    int gen;
    uint32_t entry;
    enum calls_verdict verdict;
};

/* What to do with span record u (u->dedup_key != 0). */
enum calls_verdict calls_check(struct calls *c, const struct usage *u, struct calls_ref *ref);

/* For CALLS_BETTER: what the call counted so far (series id, the minute it
 * went to, the tally added there), to take back out of the store. */
void calls_counted(const struct calls *c, const struct calls_ref *ref, int *series,
                   int64_t *minute, struct tally *t);

/* Remember u after calls_check said ref (not CALLS_SEEN), at time now. When
 * the caller counted u (CALLS_NEW, CALLS_BETTER): t is what it added to
 * series at minute. */
void calls_remember(struct calls *c, const struct calls_ref *ref, const struct usage *u,
                    int series, int64_t minute, const struct tally *t, int64_t now);

/* The calls remembered (for tests). */
size_t calls_count(const struct calls *c);

/* Read the spans remembered in db since now - CALLS_HORIZON; the series
 * their counts went to are found (or made) in st. 0, or -1 with err. */
int calls_load(struct calls *c, struct db *db, struct store *st, int64_t now,
               char *err, size_t errlen);
/* Within the caller's transaction: write what was remembered since the last
 * calls_flushed, and every prune minutes forget rows past the horizon. 0 or
 * -1 (the caller rolls back; the next flush writes it all again). */
int calls_flush(struct calls *c, struct db *db, const struct store *st, int64_t now,
                bool prune);
/* The transaction committed: what calls_flush wrote is durable. */
void calls_flushed(struct calls *c);
/* Remembered since the last calls_flushed. */
bool calls_pending(const struct calls *c);

#endif
