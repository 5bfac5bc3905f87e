/* viewer.h - a dashboard or --once attached to a database another
 * spendtop owns (issue 13).
 *
 * The owner (normally `spendtop --daemon`) collects, alerts and writes; a
 * viewer only reads, through SQLite (WAL: its reads never block the
 * owner's writes). It loads the store as the owner does at start, takes
 * the owner's settings and its sources' health from the owner's row
 * (core/owner.h) and the alert states from the alert table, and computes
 * views with the same code and the same parameters: its figures are the
 * owner's. Then, every POLL_MS, it asks SQLite whether anything was
 * committed (PRAGMA data_version) and reads only what the change log
 * (db.h) names, and it asks the kernel whether the owner still holds the
 * database (lockfile_owner: F_GETLK, acquiring nothing). When the owner
 * is gone (stopped, killed) the viewer says since when and keeps what it
 * has; when an owner is back it attaches again by itself.
 *
 * A viewer never collects, polls, listens, evaluates alerts or runs
 * hooks. What it may ask of the owner (`a` silence an alert, `R` poll
 * now) goes into the requests table, which the owner reads at its next tick.
 * Reads are short transactions and nothing is held across a wait, so a
 * viewer that hangs (a frozen SSH session) holds back no one.
 */
#ifndef SPENDTOP_VIEWER_H
#define SPENDTOP_VIEWER_H

#include <stddef.h>
#include <stdint.h>

#include "core/view.h"
#include "tui/host.h"

struct viewer;

/* View db_path, which another process owns. window: the one shown first
 * (0: the owner's). log_path: the dashboard's log. An owner that has not
 * finished its start (its schema, then its row: two spendtops started at
 * once on a new database) is waited for, up to 10 s each, and so is an
 * owner in --once, whose figures are whole when it ends. NULL with the
 * reason in err (the database cannot be read, its schema is not this
 * spendtop's, or its owner did not finish starting in time). */
struct viewer *viewer_open(const char *db_path, int64_t window, const char *log_path,
                           char *err, size_t errlen);
/* The view now for scope, as the owner would compute it; free it with
 * view_free. Its strings are valid until the next call. */
void viewer_view(struct viewer *v, const struct host_scope *scope, bool sparklines,
                 struct view *out);
/* The dashboard's host (tui/host.h): it runs on the viewer's own loop. */
const struct host *viewer_host(struct viewer *v);
void viewer_free(struct viewer *v);

/* A process that may not view (a daemon; --demo) refused db_path
 * (lockfile_take said LOCKFILE_BUSY, err its message). The holder is
 * waited for until its start is done (its row written, up to 10 s), then:
 * a --once, whose run ends by itself, is waited for up to 60 s (a daemon
 * that systemd starts while a cron'd --once runs must not die of it), and
 * the database taken when it has ended - lockfile_take's answer is
 * returned. A daemon or a dashboard holding it, a holder that does not
 * finish starting, a --once still running: LOCKFILE_BUSY with err saying
 * which (its pid) and what to do. */
int viewer_take_busy(const char *db_path, char *err, size_t errlen);

#endif
