/* lx_view_dump: compact JSON text of a view, byte for byte what
 * json_dumps(j, JSON_COMPACT | LX_VIEW_JSON_FLAGS) gives, several times faster.
 *
 * Why. jansson's dumper formats every integer and real through snprintf and writes
 * through a callback a few bytes at a time: it was half of the server's time for a
 * search answer it computes (perf, GET /api/v1/offers without the answer cache). Here
 * the text goes straight into one growing buffer, integers by hand, strings copied in
 * runs between the characters that need escaping.
 *
 * Same text as jansson (test_view_dump compares them on every view and on random
 * trees): keys in insertion order (jansson keeps it), separators "," and ":" without
 * spaces, the escapes jansson writes (\" \\ \b \f \n \r \t, other control characters
 * as \u00XX in capitals, everything else as is: the strings are valid UTF-8), reals
 * with 15 significant digits ("%.15g"), ".0" added when that looks like an integer and
 * the exponent without '+' or leading zeros;
 * like json_dumps without JSON_ENCODE_ANY, only an array or an object is written. */
#include "view/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *p;
    size_t len, cap;
    int failed;
} buf;

static int grow(buf *b, size_t more)
{
    if (b->failed)
        return 0;
    if (b->len + more <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

static void put(buf *b, const char *s, size_t n)
{
    if (grow(b, n)) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    }
}

static void put_c(buf *b, char c)
{
    if (grow(b, 1))
        b->p[b->len++] = c;
}

static void put_int(buf *b, json_int_t v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    put(b, tmp + i, sizeof tmp - (size_t)i);
}

/* The fast path of put_real: a value that is exactly a decimal of at most 6 places
 * between 1e-4 and 1e9 (coordinates, prices). Its "%.15g" is that decimal (at most 15
 * significant digits, and no double is nearer to it than v), written by hand here.
 * 0 when v is not such a value. */
static int put_short_real(buf *b, double v)
{
    double a = v < 0 ? -v : v;
    if (!(a >= 1e-4 && a < 1e9))
        return 0;
    long long r = llround(a * 1e6);
    if ((double)r / 1e6 != a)
        return 0;
    char tmp[32];
    int i = (int)sizeof tmp;
    long long frac = r % 1000000, whole = r / 1000000;
    int places = 6;
    while (places > 1 && frac % 10 == 0) {
        frac /= 10;
        places--;
    }
    for (int k = 0; k < places; k++, frac /= 10)
        tmp[--i] = (char)('0' + frac % 10);
    tmp[--i] = '.';
    do {
        tmp[--i] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole);
    if (v < 0)
        tmp[--i] = '-';
    put(b, tmp + i, sizeof tmp - (size_t)i);
    return 1;
}

static void put_real(buf *b, double v)
{
    if (put_short_real(b, v))
        return;
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.15g", v);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->failed = 1;
        return;
    }
    /* jansson: a real always shows it is one ... */
    char *e = strchr(tmp, 'e');
    if (!e && !strchr(tmp, '.')) {
        tmp[n++] = '.';
        tmp[n++] = '0';
    }
    /* ... and its exponent has no '+' and no leading zeros: 1e15, 1e-7 */
    if (e) {
        char *from = e + 1, *to = e + 1;
        if (*from == '+')
            from++;
        else if (*from == '-')
            from++, to++;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, (size_t)(tmp + n - from));
        n -= (int)(from - to);
    }
    put(b, tmp, (size_t)n);
}

static void put_str(buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    put_c(b, '"');
    size_t run = 0; /* start of the bytes not written yet */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(b, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0};
        size_t el = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            el = 6;
        }
        put(b, esc, el);
    }
    put(b, s + run, n - run);
    put_c(b, '"');
}

static void dump(buf *b, const json_t *j)
{
    if (b->failed)
        return;
    switch (json_typeof(j)) {
    case JSON_NULL: put(b, "null", 4); break;
    case JSON_TRUE: put(b, "true", 4); break;
    case JSON_FALSE: put(b, "false", 5); break;
    case JSON_INTEGER: put_int(b, json_integer_value(j)); break;
    case JSON_REAL: put_real(b, json_real_value(j)); break;
    case JSON_STRING: put_str(b, json_string_value(j), json_string_length(j)); break;
    case JSON_ARRAY: {
        put_c(b, '[');
        size_t n = json_array_size(j);
        for (size_t i = 0; i < n; i++) {
            if (i)
                put_c(b, ',');
            dump(b, json_array_get(j, i));
        }
        put_c(b, ']');
        break;
    }
    case JSON_OBJECT: {
        put_c(b, '{');
        int first = 1;
        for (void *it = json_object_iter((json_t *)j); it;
             it = json_object_iter_next((json_t *)j, it)) {
            if (!first)
                put_c(b, ',');
            first = 0;
            put_str(b, json_object_iter_key(it), json_object_iter_key_len(it));
            put_c(b, ':');
            dump(b, json_object_iter_value(it));
        }
        put_c(b, '}');
        break;
    }
    default:
        b->failed = 1;
    }
}

char *lx_view_dump(const json_t *j, size_t *len)
{
    buf b = {NULL, 0, 0, 0};
    if (!j || (!json_is_array(j) && !json_is_object(j)))
        return NULL;
    dump(&b, j);
    put_c(&b, 0);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    if (len)
        *len = b.len - 1;
    return b.p;
}
