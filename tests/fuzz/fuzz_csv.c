/* libFuzzer target: the in-place CSV reader of the GTFS loader (src/gtfs/csv.h).
 *
 * The input is one file. It is copied into a heap buffer of exactly len + 1 bytes
 * (the one spare byte lx_csv_init may overwrite), so ASan catches any access past it,
 * and read to the end with lx_csv_next. Every record is checked twice:
 *
 *  - invariants: at least one field; every field lies inside the buffer, after the
 *    previous one, and is NUL-terminated at its length; the record's line does not go
 *    back; the reader moves forward and ends exactly at the end of the buffer, where it
 *    stays;
 *  - against a model: a second, deliberately naive reader below, written from the
 *    rules in csv.h and csv.c's header (BOM; CRLF, LF or CR; blank lines skipped;
 *    unquoted fields trimmed of spaces and tabs; quoted fields with "" and line breaks;
 *    text after a closing quote dropped and flagged), which must find the same
 *    records, fields, lines and bad_quote flags.
 *
 * Any difference calls abort(), which libFuzzer reports as a crash with the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gtfs/csv.h"

#define FUZZ_NAME "fuzz_csv"
#include "fuzz_check.h"

/* ---- the model: one record at a time over the original bytes ---- */

typedef struct {
    const unsigned char *d;
    size_t n, i;
    uint32_t line;
    /* the current record */
    uint32_t rec_line, nf;
    int bad;
    char *val; /* all field values of the record, each followed by a NUL */
    size_t *off, *len;
    size_t val_len, cap_val, cap_f;
} model;

static void m_put(model *m, char ch)
{
    if (m->val_len == m->cap_val) {
        m->cap_val = m->cap_val ? 2 * m->cap_val : 256;
        m->val = realloc(m->val, m->cap_val);
        CHECK(m->val);
    }
    m->val[m->val_len++] = ch;
}

static void m_end_field(model *m, size_t start)
{
    if (m->nf == m->cap_f) {
        m->cap_f = m->cap_f ? 2 * m->cap_f : 32;
        m->off = realloc(m->off, m->cap_f * sizeof *m->off);
        m->len = realloc(m->len, m->cap_f * sizeof *m->len);
        CHECK(m->off && m->len);
    }
    m->off[m->nf] = start;
    m->len[m->nf] = m->val_len - start;
    m->nf++;
    m_put(m, 0);
}

static int at(const model *m, size_t k)
{
    return m->i + k < m->n ? m->d[m->i + k] : -1;
}

/* 1 and the record in m, or 0 at the end */
static int m_next(model *m)
{
    for (;;) {
        int c = at(m, 0);
        if (c == '\r' && at(m, 1) == '\n') {
            m->i += 2;
            m->line++;
        } else if (c == '\n' || c == '\r') {
            m->i++;
            m->line++;
        } else {
            break;
        }
    }
    if (m->i >= m->n)
        return 0;
    m->rec_line = m->line;
    m->nf = 0;
    m->bad = 0;
    m->val_len = 0;
    for (;;) {
        while (at(m, 0) == ' ' || at(m, 0) == '\t')
            m->i++;
        size_t start = m->val_len;
        if (at(m, 0) == '"') {
            m->i++;
            int closed = 0;
            for (int c; (c = at(m, 0)) >= 0;) {
                if (c == '"' && at(m, 1) == '"') {
                    m_put(m, '"');
                    m->i += 2;
                } else if (c == '"') {
                    m->i++;
                    closed = 1;
                    break;
                } else {
                    /* a line break inside quotes: CRLF counts once, at its LF */
                    if (c == '\n' || (c == '\r' && at(m, 1) != '\n'))
                        m->line++;
                    m_put(m, (char)c);
                    m->i++;
                }
            }
            m->bad |= !closed;
            for (int c; (c = at(m, 0)) >= 0 && c != ',' && c != '\n' && c != '\r'; m->i++)
                m->bad |= c != ' ' && c != '\t';
        } else {
            for (int c; (c = at(m, 0)) >= 0 && c != ',' && c != '\n' && c != '\r'; m->i++) {
                m->bad |= c == '"';
                m_put(m, (char)c);
            }
            while (m->val_len > start &&
                   (m->val[m->val_len - 1] == ' ' || m->val[m->val_len - 1] == '\t'))
                m->val_len--;
        }
        m_end_field(m, start);
        int c = at(m, 0);
        if (c == ',') {
            m->i++;
            continue;
        }
        if (c == '\r' && at(m, 1) == '\n')
            m->i += 2, m->line++;
        else if (c >= 0)
            m->i++, m->line++;
        return 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    CHECK(buf);
    if (size)
        memcpy(buf, data, size);
    model m = {.d = data, .n = size, .line = 1};
    if (size >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
        m.i = 3;

    lx_csv c;
    CHECK(lx_csv_init(&c, buf, size) == 0);
    char *const start = c.p;
    CHECK(start == buf + m.i);
    CHECK(c.end == buf + size);
    const char *prev_end = NULL;
    uint32_t prev_line = 0;
    size_t records = 0;
    for (;;) {
        char *before = c.p;
        int r = lx_csv_next(&c);
        CHECK(r == 0 || r == 1);
        int mr = m_next(&m);
        CHECK(r == mr);
        if (!r)
            break;
        records++;
        CHECK(records <= size);
        CHECK(c.p > before && c.p <= c.end);
        CHECK(lx_csv_offset(&c, start) == m.i - (size_t)(start - buf));
        CHECK(c.nf >= 1 && c.nf <= c.cap);
        CHECK(c.line > prev_line);
        CHECK(c.next_line >= c.line);
        CHECK(c.line == m.rec_line);
        CHECK(c.next_line == m.line);
        CHECK(c.bad_quote == m.bad);
        CHECK(c.nf == m.nf);
        prev_line = c.line;
        prev_end = NULL;
        for (uint32_t k = 0; k < c.nf; k++) {
            const char *f = c.f[k];
            CHECK(f >= start && f <= c.end);
            CHECK(c.len[k] <= (size_t)(c.end - f));
            CHECK(f[c.len[k]] == 0);
            CHECK(!prev_end || f > prev_end);
            prev_end = f + c.len[k];
            CHECK(c.len[k] == m.len[k]);
            CHECK(memcmp(f, m.val + m.off[k], c.len[k]) == 0);
        }
    }
    /* at the end, and it stays there */
    CHECK(c.p == c.end);
    CHECK(m.i == m.n);
    CHECK(lx_csv_next(&c) == 0);
    CHECK(c.p == c.end);
    lx_csv_free(&c);
    free(buf);
    free(m.val);
    free(m.off);
    free(m.len);
    return 0;
}
