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

/* Built with AddressSanitizer, the huge-page allocations below (and
 * lib/slab's) are plain malloc, realloc and free: the sanitizer then sees
 * every buffer (overruns, leaks, use after free) as it does the rest. */
#if defined(__SANITIZE_ADDRESS__)
#define XALLOC_PLAIN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XALLOC_PLAIN 1
#endif
#endif

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
/* xalloc_huge, zeroed; below the huge-page size calloc's (whose fresh
 * pages are not touched until used). */
void *xcalloc_huge(size_t n);

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

/* Many small buffers of about n bytes in all are to be allocated at once
 * (a load's series streams: 420 MB in 100,000 buffers at 16 M spans): the
 * heap grows by n in one step and the kernel is advised to back it with
 * huge pages. On a virtual machine a page fault costs microseconds, and
 * the 100,000 faults of that load were 40% of a start (measured: 108,000
 * faults and 8 s of CPU -> 1,600 and 5 s). A hint: where the heap cannot
 * grow so (no brk heap, a kernel without THP) nothing changes. End with
 * xalloc_heap_reserve_end(), which lets the heap give back what was not
 * used. Only what is touched takes memory. */
void xalloc_heap_reserve(size_t n);
void xalloc_heap_reserve_end(void);

/* Called once before aborting on out-of-memory (e.g. endwin). */
void xalloc_set_fatal_hook(void (*hook)(void));

#endif
