/* ingest.h - where records enter: price them, count them once, store them.
 *
 * The ingest is the sink every collector writes to. For each record it
 * finds the model's price (pricing.h), prices the record, drops duplicate
 * spans, records older than the retention and records usage_refusal
 * refuses, and adds the record to its
 * series in the store. ingest_flush then writes every changed bucket and
 * every cursor staged since the last flush to the database in ONE
 * transaction, with the spans remembered since (calls.h).
 */
#ifndef SPENDTOP_INGEST_H
#define SPENDTOP_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/store.h"
#include "core/usage.h"
#include "pricing/pricing.h"

struct ingest;

struct ingest_stats {
    int64_t counted;
    int64_t duplicates;   /* spans seen before */
    int64_t same_call;    /* another span of a call counted already */
    int64_t replaced;     /* a call's count replaced by a more complete span's */
    int64_t too_old;      /* older than the retention */
    int64_t refused;      /* usage_refusal: an impossible count, or dated
                             in the future */
};

/* What record u costs is computed from (DESIGN.md §4): its tokens by price
 * class, cache reads and reasoning 0 where they are unknown (so that input
 * is priced in full and output at the output rate), and, for a span (one
 * request), its input size for the long-context tiers. The provider is
 * u's as given: the ingest passes the bounded name it stores. */
void ingest_pricing_tokens(const struct usage *u, struct pricing_tokens *out);

/* The price tier of record u (store.h: batch, and a span's long-context
 * class by its input), which the series of u keys. */
const char *ingest_tier(const struct usage *u);

/* db may be NULL (nothing persisted). The ingest borrows st, db and p. */
struct ingest *ingest_new(struct store *st, struct db *db, struct pricing *p);
void ingest_free(struct ingest *in);
/* Price the records put from now on with p (a reloaded price table; the
 * ingest borrows it, the old one may be freed once this returns). Until
 * ingest_reprice, the stored spend is priced by no one table (so the next
 * flush says, and a start then prices it all again). */
void ingest_set_pricing(struct ingest *in, struct pricing *p);
/* Before any record is put: find the newest data stored (what pruning is
 * measured from) and price what the store holds with the table in force
 * (ingest_reprice) - unless the database says that very table priced it
 * (pricing_fingerprint, written with what each reprice priced: a restart
 * with unchanged prices does not walk every stored bucket). 0, or -1 with
 * the reason in err.
 * The spans remembered in the database (calls.h) are read back when the
 * first span is put, not here: a start that gets no new span (a restart,
 * a second --once, a dashboard's first frame) never spends time on them.
 * Should that read fail, spans are refused (-1) and every flush from then
 * on fails saying so, writing nothing: the sources' positions are never
 * committed past a span that was not counted, and a restart reads again. */
int ingest_start(struct ingest *in, char *err, size_t errlen);
/* Spend is the stored tokens priced by the table in force (DESIGN.md §4):
 * price every stored bucket again with p (after a price, an alias or a
 * discount was added, or a newer table loaded). Billed and reported
 * amounts never change; a series stored before tiers were
 * (STORE_TIER_AS_STORED) keeps its cost unless it was unpriced. Changed
 * buckets are written at the next flush, and with them that p priced
 * them (db_put_prices_applied). Returns how many changed. */
size_t ingest_reprice(struct ingest *in);
struct sink *ingest_sink(struct ingest *in);

/* Persist every change since the last flush, in one transaction, and prune
 * what is older than the retention (at most every few minutes), measured
 * back from the newest data stored or the clock, whichever is earlier: a
 * clock far ahead of the data never deletes it (ingest_start warns). On failure
 * returns -1 with the reason in err; nothing is lost, the next flush
 * retries. */
int ingest_flush(struct ingest *in, char *err, size_t errlen);
/* True when there are changes not yet flushed. */
bool ingest_pending(const struct ingest *in);
const struct ingest_stats *ingest_stats(const struct ingest *in);

#endif
