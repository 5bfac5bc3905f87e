/* sanitize.c - safe display of untrusted text (see sanitize.h). */
#include "lib/sanitize.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "lib/utf8.h"

int sanitize_text(const char *in, char *out, size_t outlen, int max_cols)
{
    return sanitize_text_ex(in, out, outlen, max_cols, false);
}

int sanitize_text_ex(const char *in, char *out, size_t outlen, int max_cols,
                     bool ascii)
{
    const char *ellipsis = ascii ? "~" : "\xe2\x80\xa6";
    size_t n = 0;
    int cols = 0;
    const unsigned char *p = (const unsigned char *)in;
    size_t left = strlen(in);
    if (outlen == 0)
        return 0;
    while (left > 0) {
        char piece[16];
        size_t plen;
        int pcols;
        uint32_t cp;
        int used = utf8_decode(p, left, &cp);
        if (used < 0 || utf8_is_control(cp) || utf8_is_invisible(cp) ||
            (ascii && cp >= 0x80)) {
            /* a stray byte or an ASCII control: \xNN; else \uNNNN, or
             * \UNNNNNNNN past U+FFFF (\ue0001 would read as U+E000 "1") */
            if (used <= 1) {
                used = 1;
                plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", *p);
            } else if (cp > 0xffff) {
                plen = (size_t)snprintf(piece, sizeof piece, "\\U%08x", (unsigned)cp);
            } else {
                plen = (size_t)snprintf(piece, sizeof piece, "\\u%04x", (unsigned)cp);
            }
            pcols = (int)plen;
        } else {
            memcpy(piece, p, (size_t)used);
            plen = (size_t)used;
            int w = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
            pcols = w < 0 ? 1 : w;
        }
        /* keep room for the ellipsis if anything follows */
        bool last = (size_t)used == left;
        int room = max_cols - cols - (last ? 0 : 1);
        if (pcols > room || n + plen + 4 > outlen) {
            if (cols < max_cols && n + strlen(ellipsis) < outlen) {
                memcpy(out + n, ellipsis, strlen(ellipsis));
                n += strlen(ellipsis);
                cols++;
            }
            break;
        }
        memcpy(out + n, piece, plen);
        n += plen;
        cols += pcols;
        p += used;
        left -= (size_t)used;
    }
    out[n] = '\0';
    return cols;
}

size_t sanitize_cut(char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max)
        return len;
    size_t cut = max;
    /* back up to the start of a UTF-8 character */
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    s[cut] = '\0';
    return cut;
}
