/* slab.h - small buffers packed into huge pages.
 *
 * For many small buffers of a fixed size that are read at random, one at
 * a time: the store's interned names (a span's look-up compares them, at
 * a random place among 100,000 series). From malloc, they lie among
 * everything else in 4 KiB pages, and on a virtual machine the TLB miss
 * (a nested page walk) of each such touch is expensive. Here they are
 * carved from blocks that end up 2 MiB in huge pages (xalloc_huge), so
 * the TLB covers them all.
 *
 * Sizes are rounded up to 16 bytes; a freed buffer is kept for the next
 * one of its size (the blocks are never given back). Not for buffers that
 * grow: one growing through the sizes leaves a freed buffer of each size
 * behind, and when every series grows at once (a first read in time
 * order) none is reused - a series' hour records here took a first read
 * of 10,000 series x 100 spans each from 107 to 152 MB. Buffers larger
 * than SLAB_MAX come from malloc. The caller says a buffer's size when it
 * gives it back (it knows it), which is what lets a buffer carry no
 * header. Built with AddressSanitizer, every buffer comes from malloc,
 * so that the sanitizer sees each one.
 *
 * One slab for the process (no threads: DESIGN.md).
 */
#ifndef SPENDTOP_SLAB_H
#define SPENDTOP_SLAB_H

#include <stddef.h>

#define SLAB_MAX 4096

/* n bytes (n > 0); never fails (xalloc.h). */
void *slab_alloc(size_t n);
/* p (of old bytes; NULL and 0: none) moved to n bytes (n > 0), its first
 * min(old, n) bytes kept. */
void *slab_realloc(void *p, size_t old, size_t n);
/* Give back p, of n bytes (as allocated); NULL is nothing. */
void slab_free(void *p, size_t n);

#endif
