/* hmap.c - string-keyed hash map (see hmap.h). */
#include "lib/hmap.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

/* FNV-1a: short keys, no adversarial-collision concern worth a keyed hash
 * here (names are bounded and maps are small). */
uint64_t hmap_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static struct hmap_entry *find(const struct hmap *m, const char *key,
                               size_t len, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct hmap_entry *e = &m->slots[i];
        if (!e->key || (e->hash == h && e->keylen == len &&
                        memcmp(e->key, key, len) == 0))
            return e;
    }
}

void *hmap_get(const struct hmap *m, const char *key, size_t len)
{
    if (!m->cap)
        return NULL;
    struct hmap_entry *e = find(m, key, len, hmap_hash(key, len));
    return e->key ? e->val : NULL;
}

const char *hmap_key(const struct hmap *m, const char *key, size_t len)
{
    if (!m->cap)
        return NULL;
    struct hmap_entry *e = find(m, key, len, hmap_hash(key, len));
    return e->key;
}

static void grow(struct hmap *m)
{
    struct hmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < old.cap; i++) {
        struct hmap_entry *e = &old.slots[i];
        if (e->key)
            *find(m, e->key, e->keylen, e->hash) = *e;
    }
    free(old.slots);
}

void **hmap_put(struct hmap *m, const char *key, size_t len)
{
    if ((m->count + 1) * 4 > m->cap * 3)
        grow(m);
    uint64_t h = hmap_hash(key, len);
    struct hmap_entry *e = find(m, key, len, h);
    if (!e->key) {
        e->key = xmalloc(len + 1);
        memcpy(e->key, key, len);
        e->key[len] = '\0';
        e->keylen = len;
        e->hash = h;
        e->val = NULL;
        m->count++;
    }
    return &e->val;
}

/* Whether an entry whose home slot is k, found at j, must move into the
 * hole at i: it must unless its home lies cyclically in (i, j]. */
static int must_move(size_t i, size_t j, size_t k)
{
    return i <= j ? (k <= i || k > j) : (k <= i && k > j);
}

char *hmap_remove(struct hmap *m, const char *key, size_t len, void **val)
{
    if (!m->cap)
        return NULL;
    struct hmap_entry *e = find(m, key, len, hmap_hash(key, len));
    if (!e->key)
        return NULL;
    char *stored = e->key;
    if (val)
        *val = e->val;
    /* backward-shift deletion: no tombstones, so look-ups stay as short
     * as if the key had never been there */
    size_t mask = m->cap - 1, i = (size_t)(e - m->slots);
    for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        if (must_move(i, j, (size_t)(m->slots[j].hash & mask))) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    memset(&m->slots[i], 0, sizeof m->slots[i]);
    m->count--;
    return stored;
}

void hmap_free(struct hmap *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key) {
            if (free_val)
                free_val(m->slots[i].val);
            free(m->slots[i].key);
        }
    }
    free(m->slots);
    memset(m, 0, sizeof *m);
}
