/* spanset.c - seen-span set, partitioned by day (see spanset.h). */
#include "core/spanset.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define MAX_PARTS 16

struct part {
    int64_t day;
    uint64_t *slots;   /* open addressing; 0 = empty */
    size_t cap, count;
};

struct spanset {
    struct part parts[MAX_PARTS];
    size_t nparts;
};

struct spanset *spanset_new(void) { return xcalloc(1, sizeof(struct spanset)); }

void spanset_free(struct spanset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nparts; i++)
        free(s->parts[i].slots);
    free(s);
}

static int64_t day_of(int64_t ts)
{
    return ts >= 0 ? ts / 86400 : (ts - 86399) / 86400;
}

static bool insert(struct part *p, uint64_t key)
{
    size_t mask = p->cap - 1;
    for (size_t i = (size_t)(key ^ (key >> 29)) & mask;; i = (i + 1) & mask) {
        if (p->slots[i] == key)
            return false;
        if (p->slots[i] == 0) {
            p->slots[i] = key;
            p->count++;
            return true;
        }
    }
}

static void grow(struct part *p)
{
    struct part old = *p;
    p->cap = old.cap ? old.cap * 2 : 1024;
    p->slots = xcalloc(p->cap, sizeof *p->slots);
    p->count = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i])
            insert(p, old.slots[i]);
    free(old.slots);
}

static struct part *part_for(struct spanset *s, int64_t day)
{
    for (size_t i = 0; i < s->nparts; i++)
        if (s->parts[i].day == day)
            return &s->parts[i];
    if (s->nparts == MAX_PARTS) {
        /* more distinct days than the retention holds: drop the oldest */
        size_t oldest = 0;
        for (size_t i = 1; i < s->nparts; i++)
            if (s->parts[i].day < s->parts[oldest].day)
                oldest = i;
        free(s->parts[oldest].slots);
        s->parts[oldest] = s->parts[--s->nparts];
    }
    struct part *p = &s->parts[s->nparts++];
    memset(p, 0, sizeof *p);
    p->day = day;
    return p;
}

bool spanset_add(struct spanset *s, uint64_t key, int64_t ts)
{
    if (key == 0)
        key = 1;  /* 0 marks an empty slot */
    struct part *p = part_for(s, day_of(ts));
    if ((p->count + 1) * 2 > p->cap)
        grow(p);
    return insert(p, key);
}

void spanset_prune(struct spanset *s, int64_t before)
{
    int64_t day = day_of(before);
    size_t keep = 0;
    for (size_t i = 0; i < s->nparts; i++) {
        if (s->parts[i].day < day)
            free(s->parts[i].slots);
        else
            s->parts[keep++] = s->parts[i];
    }
    s->nparts = keep;
}

size_t spanset_count(const struct spanset *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nparts; i++)
        n += s->parts[i].count;
    return n;
}
