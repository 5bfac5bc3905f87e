/* xalloc.h - allocation that cannot fail.
 *
 * Out of memory is the one error spendtop does not try to survive: every
 * allocation goes through these, and on failure the registered fatal hook
 * runs first (the TUI uses it to give the terminal back with endwin()) and
 * then the process aborts with a message on stderr.
 */
#ifndef SPENDTOP_XALLOC_H
#define SPENDTOP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *items (of elem bytes each) so that it holds at least need elements;
 * *cap is updated. Doubling keeps appends amortised O(1). */
void xgrow(void *items_ptr, size_t *cap, size_t need, size_t elem);

/* n bytes for a large table, 2 MiB-aligned and in huge pages where the
 * kernel gives them on request (transparent huge pages in "madvise" mode,
 * the usual default); freed with free(). Untouched parts take no memory.
 * On a virtual machine, one page fault per 4 KiB of a table written once,
 * and a TLB miss (a nested page walk) per random access to one, were a
 * large part of a first read's time at 100,000 series. */
void *xalloc_huge(size_t n);

/* Called once before aborting on out-of-memory (e.g. endwin). */
void xalloc_set_fatal_hook(void (*hook)(void));

#endif
