/* The CSV reader. The hot loop is the unquoted field: scan to the next comma or
 * line end. Fields are cut in place by writing NUL over the delimiter, which is why
 * the buffer needs one spare byte at its end. Unquoted fields are trimmed of spaces
 * and tabs (feeds written by spreadsheets pad them); quoted fields are kept as
 * written. */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

int lx_csv_init(lx_csv *c, char *buf, size_t len)
{
    memset(c, 0, sizeof *c);
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF) {
        buf += 3;
        len -= 3;
    }
    c->p = buf;
    c->end = buf + len;
    *c->end = 0;
    c->next_line = 1;
    c->cap = 32;
    c->f = malloc(c->cap * sizeof *c->f);
    c->len = malloc(c->cap * sizeof *c->len);
    return c->f && c->len ? 0 : -1;
}

void lx_csv_free(lx_csv *c)
{
    free(c->f);
    free(c->len);
    c->f = NULL;
    c->len = NULL;
}

static int add_field(lx_csv *c, char *start, size_t len)
{
    if (c->nf == c->cap) {
        uint32_t cap = c->cap * 2;
        char **f = realloc(c->f, cap * sizeof *f);
        if (!f)
            return -1;
        c->f = f;
        uint32_t *l = realloc(c->len, cap * sizeof *l);
        if (!l)
            return -1;
        c->len = l;
        c->cap = cap;
    }
    c->f[c->nf] = start;
    c->len[c->nf] = (uint32_t)len;
    c->nf++;
    return 0;
}

/* consumes a line end at p (CRLF, LF or CR) whose first byte was ch (p itself may
 * already hold the NUL that cut the field); returns the position after it */
static char *eat_eol(lx_csv *c, char *p, char ch)
{
    if (ch == '\r' && p + 1 < c->end && p[1] == '\n')
        p++;
    c->next_line++;
    return p + 1;
}

/* Records the field start..fe, cuts it with a NUL and steps *pp over the delimiter at
 * *pp. Returns 1 when another field follows, 0 at the end of the record, -1 when out
 * of memory. */
static int end_field(lx_csv *c, char *start, char *fe, char **pp)
{
    char *p = *pp;
    if (add_field(c, start, (size_t)(fe - start)) < 0)
        return -1;
    char delim = p < c->end ? *p : 0;
    *fe = 0;
    if (delim == ',') {
        *pp = p + 1;
        return 1;
    }
    if (p < c->end)
        *pp = eat_eol(c, p, delim);
    return 0;
}

int lx_csv_next(lx_csv *c)
{
    char *p = c->p, *end = c->end;
    /* skip blank lines */
    while (p < end && (*p == '\n' || *p == '\r'))
        p = eat_eol(c, p, *p);
    if (p >= end) {
        c->p = p;
        return 0;
    }
    c->nf = 0;
    c->bad_quote = 0;
    c->line = c->next_line;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p < end && *p == '"') {
            /* quoted field: unescape "" in place */
            char *start = ++p, *w = p;
            int closed = 0;
            while (p < end) {
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    closed = 1;
                    break;
                }
                if (*p == '\n' || (*p == '\r' && !(p + 1 < end && p[1] == '\n')))
                    c->next_line++;
                *w++ = *p++;
            }
            if (!closed)
                c->bad_quote = 1;
            /* text after the closing quote up to the delimiter is dropped, and flagged */
            while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
                if (*p != ' ' && *p != '\t')
                    c->bad_quote = 1;
                p++;
            }
            int more = end_field(c, start, w, &p);
            if (more < 0)
                return -1;
            if (more)
                continue;
            break;
        }
        char *start = p;
        while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
            if (*p == '"')
                c->bad_quote = 1;
            p++;
        }
        char *fe = p;
        while (fe > start && (fe[-1] == ' ' || fe[-1] == '\t'))
            fe--;
        int more = end_field(c, start, fe, &p);
        if (more < 0)
            return -1;
        if (!more)
            break;
    }
    c->p = p;
    return 1;
}
