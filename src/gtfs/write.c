/* GTFS writer: a loaded timetable back out as a feed directory.
 *
 * What is written. One CSV file per GTFS table, UTF-8, LF line endings, a header
 * row, and a fixed set of columns per file (see the TABLES list at the bottom: each
 * entry is a file name, its header, whether it has rows, and its row writer). The
 * required files (agency, stops, routes, trips, stop_times) are always written; an
 * optional file is written only when its table has rows: calendar.txt when some
 * service has a calendar.txt row, calendar_dates.txt when there are exceptions, and
 * frequencies, transfers, translations, feed_info and lanxang's extension files
 * (lx_*.txt, see docs/gtfs-extensions.md) when present. A field is quoted only when it
 * holds a comma, a quote, CR or LF, or starts or ends with a space or tab, with quotes doubled (RFC 4180). Absent values are
 * empty fields: LX_NONE indexes, direction_id -1, min_transfer_time -1, LX_TIME_NONE
 * stop times, NAN coordinates, feed_info dates before LX_DATE_MIN. Coordinates (and
 * lx_stations.txt km) are written in the shorter of "%.15g" / "%.17g" that reads back
 * to the same double, so a value that came from a decimal string of up to 15 digits
 * is written as it was read, less trailing zeros ("24.8760" -> "24.876"). Fare amounts
 * are stored in the currency's minor unit and are written in the major unit with
 * exactly the currency's decimals, from lx_currency_digits, the table the loader
 * parses them with (47000 CNY fen -> "470.00", 350000 LAK -> "350000").
 *
 * The atomic-file discipline. Each file is written to "NAME.tmp" in the target
 * directory, fsync'ed, closed, and only then renamed over NAME; after the last file
 * the directory itself is fsync'ed so that the renames are durable. A crash or a full
 * disk therefore never leaves a half-written file under a real GTFS name: a reader
 * sees either the previous NAME or the complete new one (a stray NAME.tmp at most).
 * On any error the .tmp being written is removed and the error (LX_IO, LX_NOMEM) is
 * returned; the files renamed before it stay. Replacing a whole directory atomically
 * is the caller's business (write to a fresh directory and rename it). An optional
 * file that this export does not write is removed if an earlier export left it, so
 * that the directory never mixes two feeds.
 *
 * Speed. The rows are formatted by hand into one 1 MiB buffer that is handed to
 * write(2) when full; no stdio, no per-field printf except for doubles. A million
 * stop times (40 MB) take about 0.1 s of CPU, plus the fsync.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "lanxang/gtfs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUF_SIZE (1u << 20)
/* Room reserved for one number, time or date field, separator included. */
#define FIELD_MAX 48
#define NAME_MAX_LEN 40

/* ---- the CSV writer: one open file at a time, errors are sticky ---- */

typedef struct {
    int dirfd;
    int fd;                         /* -1 when no file is open */
    char *buf;                      /* OUT_BUF_SIZE bytes, reused for every file */
    size_t len;
    int row_start;                  /* no field written yet on this row */
    lx_err err;                     /* first error; later calls do nothing */
    char name[NAME_MAX_LEN], tmp[NAME_MAX_LEN + 4];
} csv;

static lx_err errno_err(void) { return errno == ENOMEM ? LX_NOMEM : LX_IO; }

static void csv_fail(csv *w, lx_err e)
{
    if (w->err == LX_OK)
        w->err = e;
}

static void csv_flush(csv *w)
{
    const char *p = w->buf;
    size_t left = w->len;
    w->len = 0;
    if (w->err != LX_OK || w->fd < 0)
        return;
    while (left > 0) {
        ssize_t k = write(w->fd, p, left);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            csv_fail(w, errno_err());
            return;
        }
        p += k;
        left -= (size_t)k;
    }
}

/* A pointer to at least n (<= FIELD_MAX) free bytes of the buffer. */
static char *csv_room(csv *w, size_t n)
{
    if (OUT_BUF_SIZE - w->len < n)
        csv_flush(w);
    return w->buf + w->len;
}

static void csv_bytes(csv *w, const char *s, size_t n)
{
    while (n > 0) {
        if (w->len == OUT_BUF_SIZE)
            csv_flush(w);
        size_t k = OUT_BUF_SIZE - w->len;
        if (k > n)
            k = n;
        memcpy(w->buf + w->len, s, k);
        w->len += k;
        s += k;
        n -= k;
    }
}

/* The separator before a field: a comma unless the field opens the row. */
static void csv_sep(csv *w)
{
    if (!w->row_start)
        w->buf[w->len++] = ',';
    w->row_start = 0;
}

static void csv_end_row(csv *w)
{
    *csv_room(w, 1) = '\n';
    w->len++;
    w->row_start = 1;
}

static void csv_empty(csv *w)
{
    csv_room(w, 1);
    csv_sep(w);
}

static void csv_str(csv *w, const char *s)
{
    csv_empty(w);
    if (!s)
        return;
    size_t n = strcspn(s, ",\"\r\n");
    /* the reader trims unquoted fields, so padding survives only inside quotes */
    int padded = n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
    if (s[n] == '\0' && !padded) {
        csv_bytes(w, s, n);
        return;
    }
    csv_bytes(w, "\"", 1);
    for (;;) {
        n = strcspn(s, "\"");
        csv_bytes(w, s, n);
        if (s[n] == '\0')
            break;
        csv_bytes(w, "\"\"", 2);
        s += n + 1;
    }
    csv_bytes(w, "\"", 1);
}

/* Writes the decimal digits of v ending just before end; returns the first digit. */
static char *put_u64(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static void csv_u64(csv *w, uint64_t v)
{
    char tmp[24];
    char *p = put_u64(tmp + sizeof tmp, v);
    char *d = csv_room(w, FIELD_MAX);
    size_t n = (size_t)(tmp + sizeof tmp - p);
    if (!w->row_start)
        *d++ = ',';
    w->row_start = 0;
    memcpy(d, p, n);
    w->len = (size_t)(d + n - w->buf);
}

static void csv_i64(csv *w, int64_t v)
{
    if (v >= 0) {
        csv_u64(w, (uint64_t)v);
        return;
    }
    char tmp[24];
    char *p = put_u64(tmp + sizeof tmp, (uint64_t)0 - (uint64_t)v);
    *--p = '-';
    csv_empty(w);
    csv_bytes(w, p, (size_t)(tmp + sizeof tmp - p));
}

/* A string already known to need no quoting (formatted numbers, dates, times). */
static void csv_plain(csv *w, const char *s)
{
    size_t n = strlen(s);
    csv_empty(w);
    csv_bytes(w, s, n);
}

/* The id of row idx of a table, or an empty field for LX_NONE (or a bad index). */
#define CSV_REF(w, table, n, idx)                                                          \
    csv_str((w), (idx) < (n) ? (table)[(idx)].id : NULL)

static void csv_time(csv *w, lx_time_t t)
{
    char b[16];
    if (t == LX_TIME_NONE || t < 0 || t > LX_TIME_MAX) {
        csv_empty(w);
        return;
    }
    lx_time_format(t, b);
    csv_plain(w, b);
}

static void csv_date(csv *w, lx_date_t d)
{
    char b[16];
    if (d < LX_DATE_MIN || d > LX_DATE_MAX) {
        csv_empty(w);
        return;
    }
    lx_date_format(d, 0, b);
    csv_plain(w, b);
}

/* The shorter of %.15g and %.17g that reads back as v; NAN (or inf) is empty. */
static void csv_double(csv *w, double v)
{
    char b[40];
    if (!isfinite(v)) {
        csv_empty(w);
        return;
    }
    snprintf(b, sizeof b, "%.15g", v);
    if (strtod(b, NULL) != v)
        snprintf(b, sizeof b, "%.17g", v);
    csv_plain(w, b);
}

/* Opens NAME.tmp and writes the header row. */
static void csv_open(csv *w, const char *name, const char *header)
{
    w->len = 0;
    w->row_start = 1;
    w->fd = -1;
    if (w->err != LX_OK)
        return;
    snprintf(w->name, sizeof w->name, "%s", name);
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp", name);
    w->fd = openat(w->dirfd, w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
                   0644);
    if (w->fd < 0) {
        csv_fail(w, errno_err());
        return;
    }
    csv_bytes(w, header, strlen(header));
    csv_end_row(w);
}

/* Flushes, fsyncs and closes the file, then renames NAME.tmp to NAME; on any error
 * the .tmp is removed instead. */
static void csv_close(csv *w)
{
    if (w->fd < 0)
        return;
    csv_flush(w);
    if (w->err == LX_OK && fsync(w->fd) != 0)
        csv_fail(w, LX_IO);
    if (close(w->fd) != 0)
        csv_fail(w, LX_IO);
    w->fd = -1;
    if (w->err == LX_OK && renameat(w->dirfd, w->tmp, w->dirfd, w->name) != 0)
        csv_fail(w, LX_IO);
    if (w->err != LX_OK)
        unlinkat(w->dirfd, w->tmp, 0);
}

/* ---- the directory ---- */

/* mkdir -p dir, mode 0755 (less the umask). */
static lx_err make_dirs(const char *dir)
{
    size_t n = strlen(dir);
    char *p = malloc(n + 1);
    if (!p)
        return LX_NOMEM;
    memcpy(p, dir, n + 1);
    lx_err e = LX_OK;
    for (size_t i = 1; i <= n && e == LX_OK; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        if (p[i - 1] == '/')
            continue; /* "a//b", "a/" */
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            /* an existing directory may also answer EACCES or EROFS */
            int err = errno;
            struct stat st;
            if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
                e = err == ENOMEM ? LX_NOMEM : LX_IO;
        }
        p[i] = c;
    }
    free(p);
    return e;
}

/* ---- the tables: one row writer per file ---- */

static void rows_agency(csv *w, const lx_tt *tt)
{
    uint32_t n;
    const lx_agency *a = lx_tt_agencies(tt, &n);
    for (uint32_t i = 0; i < n; i++) {
        csv_str(w, a[i].id);
        csv_str(w, a[i].name);
        csv_str(w, a[i].url);
        csv_str(w, a[i].timezone);
        csv_str(w, a[i].lang);
        csv_str(w, a[i].phone);
        csv_str(w, a[i].fare_url);
        csv_str(w, a[i].email);
        csv_end_row(w);
    }
}

static void rows_stops(csv *w, const lx_tt *tt)
{
    uint32_t n;
    const lx_station *s = lx_tt_stations(tt, &n);
    for (uint32_t i = 0; i < n; i++) {
        csv_str(w, s[i].id);
        csv_str(w, s[i].code);
        csv_str(w, s[i].name);
        csv_str(w, s[i].desc);
        csv_double(w, s[i].lat);
        csv_double(w, s[i].lon);
        csv_str(w, s[i].zone_id);
        csv_str(w, s[i].url);
        csv_u64(w, s[i].location_type);
        CSV_REF(w, s, n, s[i].parent);
        csv_str(w, s[i].timezone);
        csv_u64(w, s[i].wheelchair_boarding);
        csv_str(w, s[i].platform_code);
        csv_end_row(w);
    }
}

static void rows_routes(csv *w, const lx_tt *tt)
{
    uint32_t n, na;
    const lx_route *r = lx_tt_routes(tt, &n);
    const lx_agency *a = lx_tt_agencies(tt, &na);
    for (uint32_t i = 0; i < n; i++) {
        csv_str(w, r[i].id);
        CSV_REF(w, a, na, r[i].agency);
        csv_str(w, r[i].short_name);
        csv_str(w, r[i].long_name);
        csv_str(w, r[i].desc);
        csv_i64(w, r[i].type);
        csv_str(w, r[i].url);
        csv_str(w, r[i].color);
        csv_str(w, r[i].text_color);
        csv_end_row(w);
    }
}

static void rows_trips(csv *w, const lx_tt *tt)
{
    uint32_t n, nr, ns;
    const lx_trip *t = lx_tt_trips(tt, &n);
    const lx_route *r = lx_tt_routes(tt, &nr);
    const lx_service *s = lx_tt_services(tt, &ns);
    for (uint32_t i = 0; i < n; i++) {
        CSV_REF(w, r, nr, t[i].route);
        CSV_REF(w, s, ns, t[i].service);
        csv_str(w, t[i].id);
        csv_str(w, t[i].headsign);
        csv_str(w, t[i].short_name);
        if (t[i].direction_id < 0)
            csv_empty(w);
        else
            csv_u64(w, (uint64_t)t[i].direction_id);
        csv_str(w, t[i].block_id);
        csv_u64(w, t[i].wheelchair_accessible);
        csv_u64(w, t[i].bikes_allowed);
        csv_end_row(w);
    }
}

static void rows_stop_times(csv *w, const lx_tt *tt)
{
    uint32_t n, ns, nst = lx_tt_stop_time_count(tt);
    const lx_trip *t = lx_tt_trips(tt, &n);
    const lx_station *s = lx_tt_stations(tt, &ns);
    const uint32_t *stop = lx_tt_st_stop(tt), *seq = lx_tt_st_sequence(tt);
    const lx_time_t *arr = lx_tt_st_arrival(tt), *dep = lx_tt_st_departure(tt);
    const uint8_t *pick = lx_tt_st_pickup(tt), *drop = lx_tt_st_dropoff(tt);
    const char *const *head = lx_tt_st_headsign(tt);
    for (uint32_t i = 0; i < n && w->err == LX_OK; i++) {
        uint32_t first = t[i].st_first, end = first + t[i].st_count;
        if (first > nst || end > nst || end < first)
            continue; /* not in a checked timetable */
        for (uint32_t j = first; j < end; j++) {
            csv_str(w, t[i].id);
            csv_time(w, arr[j]);
            csv_time(w, dep[j]);
            CSV_REF(w, s, ns, stop[j]);
            csv_u64(w, seq[j]);
            csv_str(w, head ? head[j] : NULL);
            csv_u64(w, pick[j]);
            csv_u64(w, drop[j]);
            csv_end_row(w);
        }
    }
}

static int has_calendar(const lx_tt *tt)
{
    uint32_t n;
    const lx_service *s = lx_tt_services(tt, &n);
    for (uint32_t i = 0; i < n; i++)
        if (s[i].has_calendar)
            return 1;
    return 0;
}

static void rows_calendar(csv *w, const lx_tt *tt)
{
    uint32_t n;
    const lx_service *s = lx_tt_services(tt, &n);
    for (uint32_t i = 0; i < n; i++) {
        if (!s[i].has_calendar)
            continue;
        csv_str(w, s[i].id);
        for (int d = 0; d < 7; d++)
            csv_u64(w, (s[i].weekdays >> d) & 1u);
        csv_date(w, s[i].start);
        csv_date(w, s[i].end);
        csv_end_row(w);
    }
}

static int has_exceptions(const lx_tt *tt)
{
    uint32_t n;
    lx_tt_service_exceptions(tt, &n);
    return n > 0;
}

static void rows_calendar_dates(csv *w, const lx_tt *tt)
{
    uint32_t n, nx;
    const lx_service *s = lx_tt_services(tt, &n);
    const lx_service_exception *x = lx_tt_service_exceptions(tt, &nx);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t first = s[i].ex_first, end = first + s[i].ex_count;
        if (first > nx || end > nx || end < first)
            continue;
        for (uint32_t j = first; j < end; j++) {
            csv_str(w, s[i].id);
            csv_date(w, x[j].date);
            csv_u64(w, x[j].type);
            csv_end_row(w);
        }
    }
}

static int has_frequencies(const lx_tt *tt)
{
    uint32_t n;
    lx_tt_frequencies(tt, &n);
    return n > 0;
}

static void rows_frequencies(csv *w, const lx_tt *tt)
{
    uint32_t n, nt;
    const lx_frequency *f = lx_tt_frequencies(tt, &n);
    const lx_trip *t = lx_tt_trips(tt, &nt);
    for (uint32_t i = 0; i < n; i++) {
        CSV_REF(w, t, nt, f[i].trip);
        csv_time(w, f[i].start);
        csv_time(w, f[i].end);
        csv_i64(w, f[i].headway);
        csv_u64(w, f[i].exact_times);
        csv_end_row(w);
    }
}

static int has_transfers(const lx_tt *tt)
{
    uint32_t n;
    lx_tt_transfers(tt, &n);
    return n > 0;
}

static void rows_transfers(csv *w, const lx_tt *tt)
{
    uint32_t n, ns, nr, nt;
    const lx_transfer *x = lx_tt_transfers(tt, &n);
    const lx_station *s = lx_tt_stations(tt, &ns);
    const lx_route *r = lx_tt_routes(tt, &nr);
    const lx_trip *t = lx_tt_trips(tt, &nt);
    for (uint32_t i = 0; i < n; i++) {
        CSV_REF(w, s, ns, x[i].from_stop);
        CSV_REF(w, s, ns, x[i].to_stop);
        CSV_REF(w, r, nr, x[i].from_route);
        CSV_REF(w, r, nr, x[i].to_route);
        CSV_REF(w, t, nt, x[i].from_trip);
        CSV_REF(w, t, nt, x[i].to_trip);
        csv_u64(w, x[i].type);
        if (x[i].min_transfer_time < 0)
            csv_empty(w);
        else
            csv_i64(w, x[i].min_transfer_time);
        csv_end_row(w);
    }
}

static int has_translations(const lx_tt *tt)
{
    uint32_t n;
    lx_tt_translations(tt, &n);
    return n > 0;
}

static void rows_translations(csv *w, const lx_tt *tt)
{
    uint32_t n;
    const lx_translation *x = lx_tt_translations(tt, &n);
    for (uint32_t i = 0; i < n; i++) {
        csv_str(w, x[i].table);
        csv_str(w, x[i].field);
        csv_str(w, x[i].lang);
        csv_str(w, x[i].translation);
        csv_str(w, x[i].record_id);
        csv_str(w, x[i].record_sub_id);
        csv_str(w, x[i].field_value);
        csv_end_row(w);
    }
}

static int has_feed_info(const lx_tt *tt) { return lx_tt_feed_info(tt) != NULL; }

static void rows_feed_info(csv *w, const lx_tt *tt)
{
    const lx_feed_info *f = lx_tt_feed_info(tt);
    csv_str(w, f->publisher_name);
    csv_str(w, f->publisher_url);
    csv_str(w, f->lang);
    csv_str(w, f->default_lang);
    csv_date(w, f->start);
    csv_date(w, f->end);
    csv_str(w, f->version);
    csv_str(w, f->contact_email);
    csv_str(w, f->contact_url);
    csv_end_row(w);
}

/* ---- lanxang extensions ---- */

static int station_has_ext(const lx_station *s)
{
    return s->country[0] || !isnan(s->km) || s->change_time >= 0 || s->border_time >= 0;
}

static void csv_opt_int(csv *w, int32_t v)
{
    if (v >= 0)
        csv_i64(w, v);
    else
        csv_empty(w);
}

static int has_lx_stations(const lx_tt *tt)
{
    uint32_t n;
    const lx_station *s = lx_tt_stations(tt, &n);
    for (uint32_t i = 0; i < n; i++)
        if (station_has_ext(&s[i]))
            return 1;
    return 0;
}

static void rows_lx_stations(csv *w, const lx_tt *tt)
{
    uint32_t n;
    const lx_station *s = lx_tt_stations(tt, &n);
    for (uint32_t i = 0; i < n; i++) {
        if (!station_has_ext(&s[i]))
            continue;
        char country[sizeof s[i].country + 1];
        memcpy(country, s[i].country, sizeof s[i].country);
        country[sizeof s[i].country] = '\0';
        csv_str(w, s[i].id);
        csv_str(w, country);
        csv_double(w, s[i].km);
        csv_opt_int(w, s[i].change_time);
        csv_opt_int(w, s[i].border_time);
        csv_end_row(w);
    }
}

static int has_layouts(const lx_tt *tt)
{
    uint32_t n;
    lx_tt_layouts(tt, &n);
    return n > 0;
}

static void rows_lx_seat_layouts(csv *w, const lx_tt *tt)
{
    uint32_t n, nc;
    const lx_layout *l = lx_tt_layouts(tt, &n);
    const lx_coach *c = lx_tt_coaches(tt, &nc);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t first = l[i].coach_first, end = first + l[i].coach_count;
        if (first > nc || end > nc || end < first)
            continue;
        for (uint32_t j = first; j < end; j++) {
            csv_str(w, l[i].id);
            csv_u64(w, c[j].coach);
            csv_str(w, c[j].cls);
            csv_u64(w, c[j].seats);
            csv_str(w, c[j].letters);
            csv_str(w, c[j].window_letters);
            csv_end_row(w);
        }
    }
}

static int has_train_layouts(const lx_tt *tt)
{
    uint32_t n;
    const lx_trip *t = lx_tt_trips(tt, &n);
    for (uint32_t i = 0; i < n; i++)
        if (t[i].layout != LX_NONE)
            return 1;
    return 0;
}

static void rows_lx_train_layouts(csv *w, const lx_tt *tt)
{
    uint32_t n, nl;
    const lx_trip *t = lx_tt_trips(tt, &n);
    const lx_layout *l = lx_tt_layouts(tt, &nl);
    for (uint32_t i = 0; i < n; i++) {
        if (t[i].layout == LX_NONE)
            continue;
        csv_str(w, t[i].id);
        CSV_REF(w, l, nl, t[i].layout);
        csv_end_row(w);
    }
}

static int has_fares(const lx_tt *tt)
{
    uint32_t n;
    lx_tt_fares(tt, &n);
    return n > 0;
}

/* amount in minor units -> "470.00" (2 decimals) or "350000" (0 decimals). */
static void csv_price(csv *w, int64_t amount, int decimals)
{
    char tmp[32];
    char *end = tmp + sizeof tmp;
    uint64_t mag = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
    uint64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    char *p = end;
    if (decimals > 0) {
        uint64_t frac = mag % scale;
        for (int i = 0; i < decimals; i++) {
            *--p = (char)('0' + frac % 10);
            frac /= 10;
        }
        *--p = '.';
    }
    p = put_u64(p, mag / scale);
    if (amount < 0)
        *--p = '-';
    csv_empty(w);
    csv_bytes(w, p, (size_t)(end - p));
}

static void rows_lx_fares(csv *w, const lx_tt *tt)
{
    uint32_t n, na, ns;
    const lx_fare *f = lx_tt_fares(tt, &n);
    const lx_agency *a = lx_tt_agencies(tt, &na);
    const lx_station *s = lx_tt_stations(tt, &ns);
    for (uint32_t i = 0; i < n; i++) {
        char cur[sizeof f[i].currency + 1];
        memcpy(cur, f[i].currency, sizeof f[i].currency);
        cur[sizeof f[i].currency] = '\0';
        CSV_REF(w, a, na, f[i].agency);
        CSV_REF(w, s, ns, f[i].from_stop);
        CSV_REF(w, s, ns, f[i].to_stop);
        csv_str(w, f[i].cls);
        csv_str(w, cur);
        csv_price(w, f[i].amount, lx_currency_digits(cur));
        csv_end_row(w);
    }
}

static int has_sales_rules(const lx_tt *tt)
{
    uint32_t n;
    lx_tt_sales_rules(tt, &n);
    return n > 0;
}

static void rows_lx_sales_rules(csv *w, const lx_tt *tt)
{
    uint32_t n, na;
    const lx_sales_rule *r = lx_tt_sales_rules(tt, &n);
    const lx_agency *a = lx_tt_agencies(tt, &na);
    for (uint32_t i = 0; i < n; i++) {
        CSV_REF(w, a, na, r[i].agency);
        csv_str(w, r[i].scope);
        csv_i64(w, r[i].open_days);
        csv_i64(w, r[i].close_minutes);
        csv_i64(w, r[i].hold_minutes);
        csv_i64(w, r[i].hold_minutes_near);
        csv_i64(w, r[i].near_minutes);
        csv_i64(w, r[i].max_passengers);
        csv_end_row(w);
    }
}

static int has_fare_types(const lx_tt *tt)
{
    uint32_t n;
    lx_tt_fare_types(tt, &n);
    return n > 0;
}

static void rows_lx_fare_types(csv *w, const lx_tt *tt)
{
    uint32_t n, na;
    const lx_fare_type *f = lx_tt_fare_types(tt, &n);
    const lx_agency *a = lx_tt_agencies(tt, &na);
    for (uint32_t i = 0; i < n; i++) {
        CSV_REF(w, a, na, f[i].agency);
        csv_str(w, f[i].fare_type);
        if (f[i].min_age >= 0)
            csv_i64(w, f[i].min_age);
        else
            csv_empty(w);
        if (f[i].max_age >= 0)
            csv_i64(w, f[i].max_age);
        else
            csv_empty(w);
        csv_i64(w, f[i].percent);
        csv_i64(w, f[i].seat);
        csv_end_row(w);
    }
}

static int has_quotas(const lx_tt *tt)
{
    uint32_t n;
    lx_tt_quotas(tt, &n);
    return n > 0;
}

static void rows_lx_seat_quotas(csv *w, const lx_tt *tt)
{
    uint32_t n, nt;
    const lx_quota *q = lx_tt_quotas(tt, &n);
    const lx_trip *t = lx_tt_trips(tt, &nt);
    for (uint32_t i = 0; i < n; i++) {
        CSV_REF(w, t, nt, q[i].trip);
        csv_str(w, q[i].kind == LX_QUOTA_CROSS_BORDER ? "cross_border" : "long_distance");
        csv_str(w, q[i].coaches);
        csv_i64(w, q[i].share_pct);
        csv_i64(w, q[i].min_km);
        csv_i64(w, q[i].release_minutes);
        csv_end_row(w);
    }
}

typedef struct {
    const char *name;
    const char *header;
    int (*present)(const lx_tt *tt); /* NULL: always written */
    void (*rows)(csv *w, const lx_tt *tt);
} table;

static const table TABLES[] = {
    {"agency.txt",
     "agency_id,agency_name,agency_url,agency_timezone,agency_lang,agency_phone,"
     "agency_fare_url,agency_email",
     NULL, rows_agency},
    {"stops.txt",
     "stop_id,stop_code,stop_name,stop_desc,stop_lat,stop_lon,zone_id,stop_url,"
     "location_type,parent_station,stop_timezone,wheelchair_boarding,platform_code",
     NULL, rows_stops},
    {"routes.txt",
     "route_id,agency_id,route_short_name,route_long_name,route_desc,route_type,"
     "route_url,route_color,route_text_color",
     NULL, rows_routes},
    {"trips.txt",
     "route_id,service_id,trip_id,trip_headsign,trip_short_name,direction_id,block_id,"
     "wheelchair_accessible,bikes_allowed",
     NULL, rows_trips},
    {"stop_times.txt",
     "trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign,"
     "pickup_type,drop_off_type",
     NULL, rows_stop_times},
    {"calendar.txt",
     "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
     "end_date",
     has_calendar, rows_calendar},
    {"calendar_dates.txt", "service_id,date,exception_type", has_exceptions, rows_calendar_dates},
    {"frequencies.txt", "trip_id,start_time,end_time,headway_secs,exact_times", has_frequencies,
     rows_frequencies},
    {"transfers.txt",
     "from_stop_id,to_stop_id,from_route_id,to_route_id,from_trip_id,to_trip_id,"
     "transfer_type,min_transfer_time",
     has_transfers, rows_transfers},
    {"translations.txt",
     "table_name,field_name,language,translation,record_id,record_sub_id,field_value",
     has_translations, rows_translations},
    {"feed_info.txt",
     "feed_publisher_name,feed_publisher_url,feed_lang,default_lang,feed_start_date,"
     "feed_end_date,feed_version,feed_contact_email,feed_contact_url",
     has_feed_info, rows_feed_info},
    {"lx_stations.txt", "stop_id,country,km,min_change_time,border_time", has_lx_stations,
     rows_lx_stations},
    {"lx_seat_layouts.txt", "layout_id,coach,class,seats,letters,window_letters", has_layouts,
     rows_lx_seat_layouts},
    {"lx_train_layouts.txt", "trip_id,layout_id", has_train_layouts, rows_lx_train_layouts},
    {"lx_fares.txt", "agency_id,from_stop_id,to_stop_id,class,currency,price", has_fares,
     rows_lx_fares},
    {"lx_sales_rules.txt",
     "agency_id,scope,open_days,close_minutes,hold_minutes,hold_minutes_near,"
     "near_minutes,max_passengers",
     has_sales_rules, rows_lx_sales_rules},
    {"lx_seat_quotas.txt", "trip_id,kind,coaches,share_pct,min_km,release_minutes", has_quotas,
     rows_lx_seat_quotas},
    {"lx_fare_types.txt", "agency_id,fare_type,min_age,max_age,percent,seat", has_fare_types,
     rows_lx_fare_types},
};

lx_err lx_gtfs_write(const lx_tt *tt, const char *dir)
{
    if (!tt || !dir || !*dir)
        return LX_INVAL;
    lx_err e = make_dirs(dir);
    if (e != LX_OK)
        return e;
    csv w = {.fd = -1, .row_start = 1};
    w.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w.dirfd < 0)
        return errno_err();
    w.buf = malloc(OUT_BUF_SIZE);
    if (!w.buf) {
        close(w.dirfd);
        return LX_NOMEM;
    }
    for (size_t i = 0; i < sizeof TABLES / sizeof TABLES[0] && w.err == LX_OK; i++) {
        const table *t = &TABLES[i];
        if (t->present && !t->present(tt)) {
            /* a file left by an earlier export would pair with this feed's other files */
            if (unlinkat(w.dirfd, t->name, 0) != 0 && errno != ENOENT)
                csv_fail(&w, errno_err());
            continue;
        }
        csv_open(&w, t->name, t->header);
        if (w.err == LX_OK)
            t->rows(&w, tt);
        csv_close(&w);
    }
    /* make the renames durable; a file system that cannot sync a directory says EINVAL */
    if (w.err == LX_OK && fsync(w.dirfd) != 0 && errno != EINVAL)
        w.err = LX_IO;
    close(w.dirfd);
    free(w.buf);
    return w.err;
}
