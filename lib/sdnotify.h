/* sdnotify.h - tell the service manager how the service is doing.
 *
 * systemd's notification protocol (sd_notify(3)), spoken directly: one
 * datagram of "KEY=VALUE" lines to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace). No
 * libsystemd: the protocol is the documented interface. Without
 * NOTIFY_SOCKET (not started by systemd with Type=notify) nothing is
 * sent and nothing fails.
 */
#ifndef SPENDTOP_SDNOTIFY_H
#define SPENDTOP_SDNOTIFY_H

#include <stdint.h>

/* Send state ("READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...", several
 * separated by newlines). 1 when sent, 0 when there is no NOTIFY_SOCKET,
 * -errno when it could not be sent. Never blocks. */
int sdnotify_send(const char *state);
/* The watchdog interval systemd expects pings within (WatchdogSec=), in
 * microseconds; 0 when there is no watchdog for this process (unset, or
 * $WATCHDOG_PID names another process). */
uint64_t sdnotify_watchdog_usec(void);

#endif
