/* imap.h - a map from a pair of 64-bit integers to a position (open
 * addressing, linear probing), with no allocation per entry.
 *
 * For keys that are already small numbers or interned pointers (a view's
 * (tenant, model) pairs, a walk's memo of names it has seen): hashing two
 * words beats building, hashing and copying a string key, and at 100,000
 * series that was most of a view's build. Entries are never removed;
 * imap_clear empties the map.
 */
#ifndef SPENDTOP_IMAP_H
#define SPENDTOP_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct imap_slot {
    uint64_t a, b;
    size_t val;
    bool used;
};

struct imap {
    struct imap_slot *slots;
    size_t cap;     /* power of two, or 0 */
    size_t count;
};

/* *val = the value under (a, b); false when there is none. */
bool imap_get(const struct imap *m, uint64_t a, uint64_t b, size_t *val);
/* The value slot of (a, b), created (set to 0) if missing; *created says
 * which. The pointer is valid until the next imap_put. */
size_t *imap_put(struct imap *m, uint64_t a, uint64_t b, bool *created);
/* Room for n keys without growing (a caller that knows how many will come
 * spares the rehash of each doubling). */
void imap_reserve(struct imap *m, size_t n);
size_t imap_count(const struct imap *m);
void imap_clear(struct imap *m);
void imap_free(struct imap *m);

#endif
