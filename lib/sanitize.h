/* sanitize.h - make untrusted text safe to show.
 *
 * Tenant and model names come from span attributes: anyone who can send a
 * span can put escape sequences in them. Before such text reaches a
 * terminal (the TUI, --once tables, the log) control characters (C0, C1,
 * bidirectional controls: utf8_is_control), invisible ones (zero-width
 * and format characters: utf8_is_invisible) and invalid UTF-8 become
 * visible escapes ("\x1b", "\u202e", "\u200b", "\U000e0001"), each as
 * many columns as its text, and long names are cut to a column budget
 * with an ellipsis.
 */
#ifndef SPENDTOP_SANITIZE_H
#define SPENDTOP_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

#define SANITIZE_MAX 512

/* Write a safe copy of in into out (outlen bytes) of at most max_cols
 * columns. With ascii, every non-ASCII character is escaped too (for
 * terminals that are not UTF-8). Returns the columns used. */
int sanitize_text_ex(const char *in, char *out, size_t outlen, int max_cols,
                     bool ascii);
int sanitize_text(const char *in, char *out, size_t outlen, int max_cols);

/* Cut in to at most max bytes at a UTF-8 character boundary (for names on
 * the way in). Returns the new length. */
size_t sanitize_cut(char *s, size_t max);

#endif
