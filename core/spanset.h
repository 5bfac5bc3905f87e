/* spanset.h - which spans were already counted.
 *
 * "Duplicate (traceId, spanId) counts once": exporters retry, and two
 * pipelines can deliver the same span. A span's key lives in the partition
 * of its start day, and partitions older than the retention are dropped,
 * so memory is bounded by 8 days of spans (16 bytes each), not by the
 * total ever read.
 */
#ifndef SPENDTOP_SPANSET_H
#define SPENDTOP_SPANSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spanset;

struct spanset *spanset_new(void);
void spanset_free(struct spanset *s);
/* Record key for a span starting at ts. False if it was already there. */
bool spanset_add(struct spanset *s, uint64_t key, int64_t ts);
/* Forget spans that started on days wholly before t. */
void spanset_prune(struct spanset *s, int64_t before);
size_t spanset_count(const struct spanset *s);

#endif
