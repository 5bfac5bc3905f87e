/* window.h - the windows spendtop shows, in one table.
 *
 * The dashboard's 1/2/3 keys, --window and [general] window all name the
 * same few windows; each of them reads this table, so a new window is one
 * entry here. A window's name is its length as a duration ("6h").
 */
#ifndef SPENDTOP_WINDOW_H
#define SPENDTOP_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

/* "1h", "6h", "24h", NULL: in the order of the dashboard's number keys. */
extern const char *const window_names[];

size_t window_count(void);
/* The length of window i (< window_count()) in seconds. */
int64_t window_at(size_t i);
/* The window named exactly name: 0 with its seconds, or -1. */
int window_parse(const char *name, int64_t *seconds);
/* Whether some window is seconds long (however it was spelled). */
bool window_exists(int64_t seconds);
/* The names for a message, quoted or not: "\"1h\", \"6h\" or \"24h\"". */
void window_list(struct strbuf *out, bool quoted);

#endif
