/* log.h - the log: a file, or stderr when no file is open.
 *
 * Never writes into the curses screen: while the TUI runs, logging goes to
 * the log file only (log_set_quiet). Every message is sanitised on the way
 * out (control characters escaped), because messages quote untrusted text
 * such as model names and malformed input lines. Secrets are never passed
 * to the log in the first place.
 *
 * Under systemd (stderr is the journal's stream, JOURNAL_STREAM), a line
 * on stderr is "<N>message", N the syslog priority (3 error, 4 warn,
 * 6 info, 7 debug), without the time or the name the journal adds.
 */
#ifndef SPENDTOP_LOG_H
#define SPENDTOP_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Append to path (created 0600). On failure keeps logging to stderr and
 * returns -errno with a message in err. */
int log_open(const char *path, char *err, size_t errlen);
void log_close(void);
/* The program's name, at the start of every line (default "log"). Also
 * looks whether stderr is the journal (call it once stderr is final). */
void log_set_ident(const char *ident);
/* When quiet, nothing is written to stderr (the TUI owns the terminal). */
void log_set_quiet(bool quiet);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
