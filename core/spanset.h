/* spanset.h - which spans were already counted.
 *
 * "Duplicate (traceId, spanId) counts once": exporters retry a batch, and
 * two pipelines can deliver the same span; both arrive close together. The
 * set remembers the most recent arrivals in SPANSET_GENERATIONS tables of
 * SPANSET_GENERATION_KEYS keys each; when the newest is full, the oldest is
 * dropped. So memory is bounded (8 MiB) whatever the volume, and a span is
 * recognised as a duplicate if it was first seen among at least the last
 * (GENERATIONS - 1) x GENERATION_KEYS = 393,216 spans received. Re-reading
 * a file after a restart is prevented by the saved positions, not by this.
 */
#ifndef SPENDTOP_SPANSET_H
#define SPENDTOP_SPANSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPANSET_GENERATIONS 4
#define SPANSET_GENERATION_KEYS (1u << 17)

struct spanset;

struct spanset *spanset_new(void);
void spanset_free(struct spanset *s);
/* Record key (a hash of the span's ids). False if it was already there. */
bool spanset_add(struct spanset *s, uint64_t key);
size_t spanset_count(const struct spanset *s);

#endif
