#include "lanxang/text.h"

#include <string.h>

size_t lx_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0) {
        *cp = 0;
        return 0;
    }
    unsigned c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = c;
        return 1;
    }
    if (len > n) {
        *cp = c;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = c;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = c;
        return 1;
    }
    *cp = v;
    return len;
}

/* Base letters of U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A),
 * lower case; '\0' where the code point is not a letter we fold to ASCII. Two-letter
 * folds (ß, æ, œ, ĳ) are handled in fold_latin. */
static const char latin_base[] =
    /* C0 */ "aaaaaaaceeeeiiii" /* D0 */ "dnooooo\0ouuuuyt\0"
    /* E0 */ "aaaaaaaceeeeiiii" /* F0 */ "dnooooo\0ouuuuyty"
    /* 100 */ "aaaaaaccccccccdd" /* 110 */ "ddeeeeeeeeeegggg"
    /* 120 */ "gggghhhhiiiiiiii" /* 130 */ "ii\0\0jjkkklllllll"
    /* 140 */ "lllnnnnnnnnnoooo" /* 150 */ "oo\0\0rrrrrrssssss"
    /* 160 */ "ssttttttuuuuuuuu" /* 170 */ "uuuuwwyyyzzzzzzs";

static const char *fold_latin(uint32_t cp)
{
    switch (cp) {
    case 0xDF: return "ss";
    case 0xC6: case 0xE6: return "ae";
    case 0x152: case 0x153: return "oe";
    case 0x132: case 0x133: return "ij";
    case 0xD7: return " "; /* multiplication sign */
    case 0xF7: return " ";
    default: break;
    }
    return NULL;
}

/* Vietnamese and other Latin Extended Additional letters (U+1E00..U+1EFF) pair
 * upper/lower and fold to a base vowel by range; enough for names like "Nà Mơ". */
static char fold_ext_additional(uint32_t cp)
{
    if (cp >= 0x1EA0 && cp <= 0x1EB7) return 'a';
    if (cp >= 0x1EB8 && cp <= 0x1EC7) return 'e';
    if (cp >= 0x1EC8 && cp <= 0x1ECB) return 'i';
    if (cp >= 0x1ECC && cp <= 0x1EE3) return 'o';
    if (cp >= 0x1EE4 && cp <= 0x1EF1) return 'u';
    if (cp >= 0x1EF2 && cp <= 0x1EF9) return 'y';
    return 0;
}

static int is_apostrophe(uint32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == '`';
}

static int is_separator(uint32_t cp)
{
    if (cp < 0x80)
        return !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'));
    return cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0xB7 ||
           cp == 0x30FB || (cp >= 0xFF01 && cp <= 0xFF0F);
}

size_t lx_fold(const char *in, char *out, size_t cap)
{
    size_t n = strlen(in), o = 0, i = 0;
    int pending_space = 0;
#define PUT(ch)                                                                            \
    do {                                                                                   \
        if (o + 1 < cap)                                                                   \
            out[o] = (char)(ch);                                                           \
        o++;                                                                               \
    } while (0)
    while (i < n) {
        uint32_t cp;
        size_t len = lx_utf8_decode(in + i, n - i, &cp);
        const char *start = in + i;
        i += len;
        if (len == 1 && cp >= 0x80) {
            /* an invalid byte: kept as it is, never taken for a Latin-1 letter */
            if (pending_space) {
                PUT(' ');
                pending_space = 0;
            }
            PUT(*start);
            continue;
        }
        if (is_apostrophe(cp) || (cp >= 0x300 && cp <= 0x36F))
            continue;
        if (is_separator(cp)) {
            pending_space = o > 0;
            continue;
        }
        if (pending_space) {
            PUT(' ');
            pending_space = 0;
        }
        if (cp < 0x80) {
            PUT(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            continue;
        }
        const char *multi = fold_latin(cp);
        if (multi) {
            for (; *multi; multi++)
                PUT(*multi);
            continue;
        }
        char base = 0;
        if (cp >= 0xC0 && cp <= 0x17F)
            base = latin_base[cp - 0xC0];
        else if (cp == 0x1A1 || cp == 0x1A0)
            base = 'o';
        else if (cp == 0x1AF || cp == 0x1B0)
            base = 'u';
        else if (cp >= 0x1E00 && cp <= 0x1EFF)
            base = fold_ext_additional(cp);
        if (base) {
            PUT(base);
            continue;
        }
        for (size_t k = 0; k < len; k++)
            PUT(start[k]);
    }
    if (cap)
        out[o < cap ? o : cap - 1] = 0;
    return o;
#undef PUT
}

#define ED_MAX 128

static size_t to_cps(const char *s, uint32_t *cps)
{
    size_t n = strlen(s), i = 0, k = 0;
    while (i < n && k < ED_MAX)
        i += lx_utf8_decode(s + i, n - i, &cps[k++]);
    return k;
}

unsigned lx_edit_distance(const char *a, const char *b)
{
    /* optimal string alignment: Levenshtein plus the swap of two neighbours
     * ("Vientain" is one typo away from "Vientiane"'s first eight letters) */
    uint32_t ca[ED_MAX], cb[ED_MAX];
    size_t na = to_cps(a, ca), nb = to_cps(b, cb);
    unsigned rows[3][ED_MAX + 1];
    unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = (unsigned)i;
        for (size_t j = 1; j <= nb; j++) {
            unsigned best = prev[j - 1] + (ca[i - 1] != cb[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca[i - 1] == cb[j - 2] && ca[i - 2] == cb[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        unsigned *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

void lx_mask_document(const char *doc, char *buf, size_t n)
{
    /* count characters, not bytes, so that a document in another script masks right */
    size_t len = strlen(doc), chars = 0;
    for (size_t i = 0; i < len; i++)
        chars += ((unsigned char)doc[i] & 0xC0) != 0x80;
    size_t keep = chars > 4 ? 4 : 0, k = 0, c = 0;
    for (size_t i = 0; i < len && k + 1 < n; i++) {
        int start = ((unsigned char)doc[i] & 0xC0) != 0x80;
        c += start;
        if (c + keep > chars)
            buf[k++] = doc[i];
        else if (start)
            buf[k++] = '*';
    }
    if (n)
        buf[k < n ? k : n - 1] = 0;
}
