/* daemon.h - spendtop --daemon: collect and alert with no UI, under a
 * service manager or a shell.
 *
 * Signals (documented in spendtop(1) and the README):
 *   SIGHUP           reload the config (app/reload.h); a config that does
 *                    not load is logged and the running one kept
 *   SIGTERM, SIGINT  stop: sources stop, receivers answer what they took,
 *                    running hooks finish or meet their timeout, the data
 *                    is flushed, exit 0; another one while stopping is
 *                    logged and changes nothing
 *   SIGUSR1          log a status summary (sources, counts, alerts, queue)
 *   SIGUSR2          poll every source now (the dashboard's R)
 * Under systemd with Type=notify it says READY=1 once its sources have
 * started, RELOADING=1/READY=1 around a reload, STOPPING=1, and pings the
 * watchdog (WatchdogSec=) from the loop at half its interval, so a loop
 * that stops turning gets the service restarted.
 */
#ifndef SPENDTOP_DAEMON_H
#define SPENDTOP_DAEMON_H

#include "app/app.h"

/* Run a (opened by app_open) until SIGTERM or SIGINT; the exit status. */
int daemon_run(struct app *a);

#endif
