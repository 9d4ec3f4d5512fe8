/* The column and field layer of the loader: maps a file's header onto the columns a
 * table knows, reads rows, and turns each field into a typed value or a notice. */
#include "load_int.h"
#include "tzdb.h"
#include "lanxang/text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void lx_notice_row(lx_table *t, lx_severity sev, const char *code, int col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lx_report_add(t->l->r, sev, code, t->file, t->csv.line, col >= 0 ? t->cols[col].name : "",
                  "%s", msg);
}

int lx_table_open(loader *l, lx_table *t, const char *file, lx_col *cols, size_t n_cols,
                  int required)
{
    memset(t, 0, sizeof *t);
    t->l = l;
    t->file = file;
    t->cols = cols;
    t->n_cols = n_cols;
    for (size_t i = 0; i < n_cols; i++)
        cols[i].idx = -1;
    lx_err e = lx_source_read(l->src, file, &t->buf, &t->len);
    if (e == LX_NOTFOUND) {
        if (required)
            lx_report_add(l->r, LX_SEV_ERROR, "missing_required_file", file, 0, "",
                          "the feed has no %s", file);
        return 0;
    }
    if (e) {
        lx_report_add(l->r, LX_SEV_ERROR, "unreadable_file", file, 0, "", "cannot read %s: %s",
                      file, lx_strerror(e));
        return -1;
    }
    if (lx_csv_init(&t->csv, t->buf, t->len) < 0 || lx_csv_next(&t->csv) < 0) {
        lx_table_close(t);
        return -1;
    }
    if (t->csv.nf == 0 || (t->csv.nf == 1 && t->csv.len[0] == 0)) {
        lx_report_add(l->r, LX_SEV_ERROR, "empty_file", file, 1, "",
                      "%s is empty: it has no header row", file);
        lx_table_close(t);
        return 0;
    }
    t->n_header = t->csv.nf;
    for (uint32_t h = 0; h < t->csv.nf; h++) {
        const char *name = t->csv.f[h];
        int known = 0;
        for (size_t i = 0; i < n_cols; i++)
            if (strcmp(cols[i].name, name) == 0) {
                known = 1;
                if (cols[i].idx >= 0)
                    lx_report_add(l->r, LX_SEV_ERROR, "duplicated_column", file, 1, name,
                                  "the column %s appears twice", name);
                else
                    cols[i].idx = (int)h;
            }
        if (!known && *name)
            lx_report_add(l->r, LX_SEV_INFO, "unknown_column", file, 1, name,
                          "the column %s is not part of the specification and is ignored", name);
        if (!*name)
            lx_report_add(l->r, LX_SEV_WARNING, "empty_column_name", file, 1, "",
                          "column %u has no name", h + 1);
    }
    int ok = 1;
    for (size_t i = 0; i < n_cols; i++)
        if (cols[i].required && cols[i].idx < 0) {
            lx_report_add(l->r, LX_SEV_ERROR, "missing_required_column", file, 1, cols[i].name,
                          "the required column %s is missing", cols[i].name);
            ok = 0;
        }
    if (!ok) {
        lx_table_close(t);
        return -1;
    }
    if (l->opts->progress)
        l->opts->progress(l->opts->progress_ud, file, 0, t->len);
    return 1;
}

void lx_progress(loader *l, lx_table *t, int final)
{
    if (l->opts->progress)
        l->opts->progress(l->opts->progress_ud, t->file,
                          final ? t->len : (size_t)(t->csv.p - t->buf), t->len);
}

int lx_table_next(lx_table *t)
{
    for (;;) {
        int r = lx_csv_next(&t->csv);
        if (r <= 0)
            return r;
        t->rows++;
        if ((t->rows & 0xFFFF) == 0)
            lx_progress(t->l, t, 0);
        if (t->csv.bad_quote)
            lx_report_add(t->l->r, LX_SEV_ERROR, "csv_parsing_failed", t->file, t->csv.line, "",
                          "a quote is not closed or stands inside an unquoted field");
        if (t->csv.nf != t->n_header) {
            lx_report_add(t->l->r, LX_SEV_ERROR, "invalid_row_length", t->file, t->csv.line, "",
                          "the row has %u fields, the header %u", t->csv.nf, t->n_header);
            continue;
        }
        return 1;
    }
}

void lx_table_close(lx_table *t)
{
    lx_csv_free(&t->csv);
    free(t->buf);
    t->buf = NULL;
}

const char *lx_field(const lx_table *t, int col)
{
    int i = t->cols[col].idx;
    return i >= 0 ? t->csv.f[i] : "";
}

uint32_t lx_field_len(const lx_table *t, int col)
{
    int i = t->cols[col].idx;
    return i >= 0 ? t->csv.len[i] : 0;
}

int lx_has(const lx_table *t, int col) { return lx_field_len(t, col) > 0; }

int lx_need(lx_table *t, int col)
{
    if (lx_has(t, col))
        return 1;
    lx_notice_row(t, LX_SEV_ERROR, "missing_required_field", col, "the required field %s is empty",
                  t->cols[col].name);
    return 0;
}

/* Whether len bytes are UTF-8 without a NUL (GTFS files are UTF-8; a NUL would cut
 * the string short everywhere it goes). */
static int text_ok(const char *s, uint32_t len)
{
    for (uint32_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = lx_utf8_decode(s + i, len - i, &cp);
        if (n == 1)
            return 0;
        i += (uint32_t)n;
    }
    return 1;
}

const char *lx_str(lx_table *t, int col)
{
    const char *f = lx_field(t, col);
    uint32_t len = lx_field_len(t, col);
    if (!text_ok(f, len))
        lx_notice_row(t, LX_SEV_ERROR, "invalid_character", col,
                      "the text is not valid UTF-8 or holds a NUL byte (GTFS files are UTF-8)");
    return lx_arena_strndup(&t->l->tt->strings, f, len);
}

int lx_int(lx_table *t, int col, long lo, long hi, long dflt, lx_severity sev, long *out)
{
    *out = dflt;
    if (!lx_has(t, col))
        return 1;
    const char *s = lx_field(t, col);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s) {
        lx_notice_row(t, LX_SEV_ERROR, "invalid_integer", col, "'%s' is not a whole number", s);
        return 0;
    }
    if (v < lo || v > hi) {
        lx_notice_row(t, sev, sev == LX_SEV_ERROR ? "number_out_of_range" : "unexpected_enum_value",
                      col, "%ld is outside %ld..%ld", v, lo, hi);
        return 0;
    }
    *out = v;
    return 1;
}

int lx_float(lx_table *t, int col, double lo, double hi, double *out)
{
    *out = NAN;
    if (!lx_has(t, col))
        return 1;
    const char *s = lx_field(t, col);
    char *end;
    double v = strtod(s, &end);
    if (*end || end == s || !isfinite(v)) {
        lx_notice_row(t, LX_SEV_ERROR, "invalid_float", col, "'%s' is not a number", s);
        return 0;
    }
    if (v < lo || v > hi) {
        lx_notice_row(t, LX_SEV_ERROR, "number_out_of_range", col, "%s is outside %g..%g", s, lo, hi);
        return 0;
    }
    *out = v;
    return 1;
}

int lx_gtime(lx_table *t, int col, lx_time_t *out)
{
    *out = LX_TIME_NONE;
    if (!lx_has(t, col))
        return 1;
    if (lx_time_parse(lx_field(t, col), lx_field_len(t, col), 0, out) != LX_OK) {
        lx_notice_row(t, LX_SEV_ERROR, "invalid_time", col, "'%s' is not a time HH:MM:SS",
                      lx_field(t, col));
        *out = LX_TIME_NONE;
        return 0;
    }
    return 1;
}

int lx_gdate(lx_table *t, int col, lx_date_t *out)
{
    *out = LX_DATE_MIN - 1;
    if (!lx_has(t, col))
        return 1;
    if (lx_date_parse(lx_field(t, col), lx_field_len(t, col), 0, out) != LX_OK) {
        lx_notice_row(t, LX_SEV_ERROR, "invalid_date", col, "'%s' is not a date YYYYMMDD",
                      lx_field(t, col));
        *out = LX_DATE_MIN - 1;
        return 0;
    }
    return 1;
}

uint32_t lx_ref(lx_table *t, int col, const lx_map *map, const char *ref_file, int broken)
{
    uint32_t v = lx_map_get(map, lx_field(t, col), lx_field_len(t, col));
    if (v == UINT32_MAX && !broken)
        lx_notice_row(t, LX_SEV_ERROR, "foreign_key_violation", col, "%s '%s' is not in %s",
                      t->cols[col].name, lx_field(t, col), ref_file);
    return v;
}

int lx_key(lx_table *t, int col, lx_map *map, const char *key, uint32_t val)
{
    uint32_t old;
    if (lx_map_put(map, key, (uint32_t)strlen(key), val, &old) != LX_OK)
        return 0;
    if (old != UINT32_MAX) {
        lx_notice_row(t, LX_SEV_ERROR, "duplicate_key", col, "%s '%s' appears twice",
                      t->cols[col].name, key);
        return 0;
    }
    return 1;
}

static const lx_tz *zone_by_name(loader *l, const char *name)
{
    uint32_t i = lx_map_get(&l->zone_names, name, (uint32_t)strlen(name));
    if (i != UINT32_MAX)
        return l->tt->zones[i];
    lx_tz *tz;
    if (lx_tzdb_load(name, &tz) != LX_OK)
        return NULL;
    lx_tz **z = realloc(l->tt->zones, (l->tt->n_zones + 1) * sizeof *z);
    if (!z) {
        lx_tz_destroy(tz);
        return NULL;
    }
    l->tt->zones = z;
    z[l->tt->n_zones] = tz;
    const char *key = lx_tz_name(tz);
    if (lx_map_put(&l->zone_names, key, (uint32_t)strlen(key), l->tt->n_zones, NULL) != LX_OK)
        return NULL;
    return z[l->tt->n_zones++];
}

const lx_tz *lx_zone(loader *l, lx_table *t, int col, lx_severity sev)
{
    const char *name = lx_field(t, col);
    const lx_tz *tz = lx_tzdb_name_valid(name) ? zone_by_name(l, name) : NULL;
    if (tz)
        return tz;
    /* a common mistake: a space for the underscore ("America/New York") */
    char fixed[256];
    snprintf(fixed, sizeof fixed, "%s", name);
    for (char *p = fixed; *p; p++)
        if (*p == ' ')
            *p = '_';
    const lx_tz *alt = strcmp(fixed, name) != 0 && lx_tzdb_name_valid(fixed)
                           ? zone_by_name(l, fixed)
                           : NULL;
    if (alt) {
        lx_notice_row(t, LX_SEV_WARNING, "invalid_timezone", col,
                      "'%s' is not a valid IANA time zone; read as '%s'", name, fixed);
        return alt;
    }
    lx_notice_row(t, sev, "invalid_timezone", col,
                  "'%s' is not a known IANA time zone (such as Asia/Vientiane)", name);
    return NULL;
}
