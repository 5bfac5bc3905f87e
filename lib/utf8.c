/* utf8.c - strict UTF-8 (see utf8.h). */
#include "lib/utf8.h"

#include <string.h>

int utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    if (len == 0)
        return -1;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int n;
    uint32_t v, min;
    if ((c & 0xe0) == 0xc0) {
        n = 2; v = c & 0x1f; min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3; v = c & 0x0f; min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4; v = c & 0x07; min = 0x10000;
    } else {
        return -1;
    }
    if (len < (size_t)n)
        return -1;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return -1;
    *cp = v;
    return n;
}

int utf8_encode(uint32_t cp, char *out)
{
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

bool utf8_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||    /* C0, DEL, C1 */
           cp == 0x061c ||                               /* ARABIC LETTER MARK */
           cp == 0x200e || cp == 0x200f ||               /* LRM, RLM */
           (cp >= 0x2028 && cp <= 0x202e) ||             /* LS, PS, LRE..RLO */
           (cp >= 0x2066 && cp <= 0x2069);               /* LRI..PDI */
}

/* Unicode 15.1: general category Cf, and Default_Ignorable_Code_Point
 * (DerivedCoreProperties.txt; unassigned ones included, as Unicode asks,
 * so that a newer sender's character is not shown raw). Sorted. */
static const uint32_t invisible[][2] = {
    {0x00ad, 0x00ad},   {0x034f, 0x034f},   {0x0600, 0x0605},   {0x061c, 0x061c},
    {0x06dd, 0x06dd},   {0x070f, 0x070f},   {0x0890, 0x0891},   {0x08e2, 0x08e2},
    {0x115f, 0x1160},   {0x17b4, 0x17b5},   {0x180b, 0x180f},   {0x200b, 0x200f},
    {0x202a, 0x202e},   {0x2060, 0x206f},   {0x3164, 0x3164},   {0xfe00, 0xfe0f},
    {0xfeff, 0xfeff},   {0xffa0, 0xffa0},   {0xfff0, 0xfffb},   {0x110bd, 0x110bd},
    {0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a},
    {0xe0000, 0xe0fff},
};

bool utf8_is_invisible(uint32_t cp)
{
    if (cp < 0xad)
        return false;
    size_t lo = 0, hi = sizeof invisible / sizeof invisible[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < invisible[mid][0])
            hi = mid;
        else if (cp > invisible[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

bool utf8_json_has_nul(const char *json, size_t len)
{
    /* two memchr passes, next to nothing beside the parse: most documents
     * have no backslash at all */
    if (memchr(json, '\0', len))
        return true;
    const char *p = json, *end = json + len;
    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
        if (end - p >= 6 && p[1] == 'u' && memcmp(p + 2, "0000", 4) == 0)
            return true;
        if (end - p <= 2)
            break;
        p += 2; /* past the escaped character, a backslash included */
    }
    return false;
}

size_t utf8_json_nul_free_len(const char *json, size_t len)
{
    size_t n = len;
    for (const char *p = json; (p = memchr(p, '\0', len - (size_t)(p - json))) != NULL; p++)
        n += UTF8_REPLACEMENT_LEN - 1;
    return n;
}

void utf8_json_nul_free(const char *json, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (json[i] == '\0') {
            memcpy(out + n, UTF8_REPLACEMENT, UTF8_REPLACEMENT_LEN);
            n += UTF8_REPLACEMENT_LEN;
            i++;
        } else if (json[i] == '\\' && len - i >= 6 && json[i + 1] == 'u' &&
                   memcmp(json + i + 2, "0000", 4) == 0) {
            memcpy(out + n, "\\ufffd", 6);
            n += 6;
            i += 6;
        } else if (json[i] == '\\' && len - i >= 2 && json[i + 1] != '\0') {
            out[n++] = json[i++]; /* an escape: after "\\\\", u0000 is text */
            out[n++] = json[i++];
        } else {
            out[n++] = json[i++];
        }
    }
    out[n] = '\0';
}
