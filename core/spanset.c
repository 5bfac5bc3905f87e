/* spanset.c - recently seen spans, in generations (see spanset.h). */
#include "core/spanset.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

struct gen {
    uint64_t *slots;   /* open addressing; 0 = empty */
    size_t cap, count;
};

struct spanset {
    struct gen g[SPANSET_GENERATIONS];
    size_t cur;        /* the generation new keys go to */
};

struct spanset *spanset_new(void) { return xcalloc(1, sizeof(struct spanset)); }

void spanset_free(struct spanset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < SPANSET_GENERATIONS; i++)
        free(s->g[i].slots);
    free(s);
}

static size_t slot_of(uint64_t key, size_t cap)
{
    return (size_t)(key ^ (key >> 29)) & (cap - 1);
}

static bool contains(const struct gen *g, uint64_t key)
{
    if (!g->cap)
        return false;
    for (size_t i = slot_of(key, g->cap);; i = (i + 1) & (g->cap - 1)) {
        if (g->slots[i] == key)
            return true;
        if (g->slots[i] == 0)
            return false;
    }
}

static void insert(struct gen *g, uint64_t key)
{
    for (size_t i = slot_of(key, g->cap);; i = (i + 1) & (g->cap - 1)) {
        if (g->slots[i] == 0) {
            g->slots[i] = key;
            g->count++;
            return;
        }
    }
}

static void grow(struct gen *g)
{
    struct gen old = *g;
    /* eightfold, up to what a full generation needs at load 1/2: three
     * rehashes on the way to a full one instead of eight */
    g->cap = old.cap ? old.cap * 8 : 1024;
    if (g->cap > 2 * (size_t)SPANSET_GENERATION_KEYS)
        g->cap = 2 * (size_t)SPANSET_GENERATION_KEYS;
    g->slots = xcalloc(g->cap, sizeof *g->slots);
    g->count = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i])
            insert(g, old.slots[i]);
    free(old.slots);
}

bool spanset_add(struct spanset *s, uint64_t key)
{
    if (key == 0)
        key = 1; /* 0 marks an empty slot */
    for (size_t i = 0; i < SPANSET_GENERATIONS; i++)
        if (contains(&s->g[i], key))
            return false;
    struct gen *g = &s->g[s->cur];
    if (g->count >= SPANSET_GENERATION_KEYS) {
        /* the newest generation is full: the oldest makes room */
        s->cur = (s->cur + 1) % SPANSET_GENERATIONS;
        g = &s->g[s->cur];
        g->count = 0;
        if (g->slots)
            memset(g->slots, 0, g->cap * sizeof *g->slots);
    }
    if ((g->count + 1) * 2 > g->cap)  /* load factor <= 1/2 */
        grow(g);
    insert(g, key);
    return true;
}

size_t spanset_count(const struct spanset *s)
{
    size_t n = 0;
    for (size_t i = 0; i < SPANSET_GENERATIONS; i++)
        n += s->g[i].count;
    return n;
}
