/* snapshot.h - a view as --once prints it: JSON (DESIGN.md §7, a contract)
 * or a readable table. Formatting only: every number comes from the view.
 */
#ifndef SPENDTOP_SNAPSHOT_H
#define SPENDTOP_SNAPSHOT_H

#include "lib/strbuf.h"
#include "core/view.h"

/* The §7 object: fixed keys, USD as numbers, tokens as integers, unknown
 * as null. */
void snapshot_json(const struct view *v, struct strbuf *out);
/* The same figures as a table for people. */
void snapshot_text(const struct view *v, struct strbuf *out);
/* One alert as the snapshot writes it, on one line (a hook's stdin). */
void snapshot_alert_json(const struct view_alert *a, struct strbuf *out);

#endif
