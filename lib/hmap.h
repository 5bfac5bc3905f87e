/* hmap.h - a string-keyed hash map (open addressing, linear probing).
 *
 * Keys are copied in; values are opaque pointers the caller owns (or lets
 * hmap_free release through a callback). Most maps only grow; one whose
 * names come and go (the store's series, which are freed when their data
 * ages out) removes them with hmap_remove.
 */
#ifndef SPENDTOP_HMAP_H
#define SPENDTOP_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_entry {
    char *key;      /* NULL for an empty slot; NUL-terminated copy */
    size_t keylen;
    uint64_t hash;
    void *val;
};

struct hmap {
    struct hmap_entry *slots;
    size_t cap;     /* power of two, or 0 */
    size_t count;
};

uint64_t hmap_hash(const void *data, size_t len);
/* The value stored under key, or NULL. */
void *hmap_get(const struct hmap *m, const char *key, size_t len);
/* The slot for key's value, created (with *slot == NULL) if missing. The
 * pointer is valid until the next hmap_put. */
void **hmap_put(struct hmap *m, const char *key, size_t len);
/* The stored copy of key (stable for the map's life), or NULL. */
const char *hmap_key(const struct hmap *m, const char *key, size_t len);
/* Remove key. Returns its stored copy, which the caller now owns and
 * frees (so that pointers to it, from hmap_key, can outlive the entry
 * for as long as the caller chooses), and its value in *val; NULL if key
 * is absent. Other entries' values and stored keys are unchanged. */
char *hmap_remove(struct hmap *m, const char *key, size_t len, void **val);
void hmap_free(struct hmap *m, void (*free_val)(void *));

#endif
