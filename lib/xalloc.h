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

/* Resize a large array that is filled at once (a view's groups, a map's
 * table) from old_n to n bytes, keeping the first of them. From 2 MiB up
 * it is a mapping of its own, 2 MiB-aligned, that the kernel is advised
 * to back with huge pages: on a virtual machine a page fault costs
 * microseconds, and one per 4 KiB of a freshly filled 30 MB array was a
 * fifth of a view's build at 100,000 series. A mapping goes back to the
 * system when freed (malloc's heap may keep it, and a peak of the heap
 * is a peak of the process). Below 2 MiB it is xrealloc. p is NULL (with
 * old_n 0) or came from here with size old_n. Untouched parts take no
 * memory. */
void *xresize_big(void *p, size_t old_n, size_t n);

/* Free p, which xresize_big made n bytes long. */
void xfree_big(void *p, size_t n);

/* Called once before aborting on out-of-memory (e.g. endwin). */
void xalloc_set_fatal_hook(void (*hook)(void));

#endif
