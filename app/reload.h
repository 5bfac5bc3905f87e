/* reload.h - a running app takes a new configuration (the daemon's SIGHUP).
 *
 * The new file is read and checked completely (every source, the time
 * zone, the price table) before anything changes: a config that does not
 * load is logged line by line and the running one is kept as it was.
 *
 * What a good config changes, and what it keeps:
 *   - sources: one whose name, type and every setting are unchanged keeps
 *     running (its file positions, connections and status untouched); a
 *     removed one is stopped; a changed one is stopped and started again
 *     under its new settings; a new one is started. The new ones start
 *     once the old ones have closed (a changed receiver can take its port
 *     again), after a flush (a changed file source resumes where it was).
 *   - hooks, alert rules and their lifecycle, tenants and budgets, prices
 *     and the time zone: in force at once (the alerts are evaluated right
 *     after the reload, once alerting has started; prices apply to the
 *     records counted from now on). The alerts and their state are kept:
 *     a firing alert is not paged again.
 *     A queued notification goes to its hook if that hook is still
 *     configured (same name and command), else it is dropped.
 *   - the counted data, the database and its lock: untouched. A changed
 *     [general] db or log takes effect at the next start (logged).
 *
 * One reload runs at a time; a request during one runs when it is done.
 */
#ifndef SPENDTOP_RELOAD_H
#define SPENDTOP_RELOAD_H

#include "app/app.h"

struct reload;

/* Reloads for a, whose loop runs (a is borrowed and outlives r). */
struct reload *reload_new(struct app *a);
/* Read the config again (the file a was opened with: -c, else searched
 * again) and apply it. 0 when it is in force (its new sources may still
 * be starting), -1 when it was refused (logged; nothing changed). */
int reload_request(struct reload *r);
/* The app is stopping: sources waiting for their start are not started. */
void reload_stop(struct reload *r);
/* After the loop has ended. */
void reload_free(struct reload *r);

#endif
