/* imap.c - a map keyed by two integers (see imap.h). */
#include "lib/imap.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

/* Keys are positions and pointers: their low bits repeat (alignment,
 * small counts), so they are mixed (a multiply-xorshift finaliser)
 * before the mask takes the low bits. */
static uint64_t mix(uint64_t a, uint64_t b)
{
    uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    return h;
}

static struct imap_slot *find(const struct imap *m, uint64_t a, uint64_t b)
{
    size_t mask = m->cap - 1;
    for (size_t i = mix(a, b) & mask;; i = (i + 1) & mask) {
        struct imap_slot *s = &m->slots[i];
        if (!s->used || (s->a == a && s->b == b))
            return s;
    }
}

bool imap_get(const struct imap *m, uint64_t a, uint64_t b, size_t *val)
{
    if (!m->cap)
        return false;
    const struct imap_slot *s = find(m, a, b);
    if (s->used)
        *val = s->val;
    return s->used;
}

/* Rehash into cap slots (a power of two, more than twice the count). */
static void rehash(struct imap *m, size_t cap)
{
    struct imap old = *m;
    m->cap = cap;
    m->slots = xresize_big(NULL, 0, m->cap * sizeof *m->slots);
    memset(m->slots, 0, m->cap * sizeof *m->slots);
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].used)
            *find(m, old.slots[i].a, old.slots[i].b) = old.slots[i];
    xfree_big(old.slots, old.cap * sizeof *old.slots);
}

static void grow(struct imap *m) { rehash(m, m->cap ? m->cap * 2 : 64); }

void imap_reserve(struct imap *m, size_t n)
{
    size_t cap = m->cap ? m->cap : 64;
    while (n * 2 > cap)
        cap *= 2;
    if (cap > m->cap)
        rehash(m, cap);
}

size_t *imap_put(struct imap *m, uint64_t a, uint64_t b, bool *created)
{
    /* at most half full: linear probing's runs stay short */
    if ((m->count + 1) * 2 > m->cap)
        grow(m);
    struct imap_slot *s = find(m, a, b);
    *created = !s->used;
    if (!s->used) {
        *s = (struct imap_slot){.a = a, .b = b, .used = true};
        m->count++;
    }
    return &s->val;
}

size_t imap_count(const struct imap *m) { return m->count; }

void imap_clear(struct imap *m)
{
    if (m->cap)
        memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
}

void imap_free(struct imap *m)
{
    xfree_big(m->slots, m->cap * sizeof *m->slots);
    memset(m, 0, sizeof *m);
}
