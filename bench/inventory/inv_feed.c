/* The synthetic timetable of the inventory benchmark: see inv_feed.h. */
#include "inv_feed.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double bi_default_km[10] = {0, 62, 118, 205, 251, 330, 402, 455, 540, 610};

typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
}

static void hms(sbuf *b, int minutes)
{
    put(b, "%02d:%02d:00", minutes / 60, minutes % 60);
}

enum { F_AGENCY, F_STOPS, F_ROUTES, F_DATES, F_TRIPS, F_TIMES, F_STATIONS, F_SEATS, F_TRAINS, F_N };
static const char *const names[F_N] = {
    "agency.txt",     "stops.txt",       "routes.txt",          "calendar_dates.txt",   "trips.txt",
    "stop_times.txt", "lx_stations.txt", "lx_seat_layouts.txt", "lx_train_layouts.txt",
};

lx_err bi_feed_load(const bi_feed *f, lx_tt **out, char *msg, size_t msg_len)
{
    const double *km = f->km ? f->km : bi_default_km;
    if (msg_len)
        msg[0] = 0;
    if (f->trains < 1 || f->stations < 2 || f->stations > 65 || f->coaches < 1 || f->coaches > 99 ||
        f->seats_per_coach < 1 || (!f->km && f->stations != 10)) {
        snprintf(msg, msg_len, "bad synthetic feed shape");
        return LX_INVAL;
    }
    sbuf b[F_N];
    memset(b, 0, sizeof b);
    char date[12];
    lx_date_format(f->day, 0, date);

    put(&b[F_AGENCY], "agency_id,agency_name,agency_url,agency_timezone\n"
                      "bench,Bench Railway,https://example.org,Asia/Shanghai\n");
    put(&b[F_STOPS], "stop_id,stop_name,stop_lat,stop_lon\n");
    put(&b[F_STATIONS], "stop_id,country,km\n");
    for (uint32_t s = 0; s < f->stations; s++) {
        put(&b[F_STOPS], "s%u,Station %u,%.4f,%.4f\n", s, s, 25.0 - 0.45 * s, 102.7 - 0.05 * s);
        put(&b[F_STATIONS], "s%u,CN,%.1f\n", s, km[s]);
    }
    put(&b[F_ROUTES], "route_id,agency_id,route_short_name,route_long_name,route_type\n"
                      "r,bench,B,Bench line,2\n");
    put(&b[F_DATES], "service_id,date,exception_type\nday,%s,1\n", date);
    put(&b[F_SEATS], "layout_id,coach,class,seats,letters,window_letters\n");
    for (uint32_t c = 1; c <= f->coaches; c++)
        put(&b[F_SEATS], "L,%u,second,%u,ABCDF,AF\n", c, f->seats_per_coach);
    put(&b[F_TRIPS], "route_id,service_id,trip_id,trip_short_name\n");
    put(&b[F_TRAINS], "trip_id,layout_id\n");
    put(&b[F_TIMES], "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n");
    for (uint32_t t = 0; t < f->trains; t++) {
        put(&b[F_TRIPS], "r,day,T%05u,B%u\n", t, t);
        put(&b[F_TRAINS], "T%05u,L\n", t);
        int dep = 6 * 60 + (int)(t % 720);
        for (uint32_t s = 0; s < f->stations; s++) {
            int arr = dep + (int)s * 37, lv = s == 0 || s + 1 == f->stations ? arr : arr + 2;
            put(&b[F_TIMES], "T%05u,", t);
            hms(&b[F_TIMES], arr);
            put(&b[F_TIMES], ",");
            hms(&b[F_TIMES], lv);
            put(&b[F_TIMES], ",s%u,%u\n", s, s + 1);
        }
    }

    lx_gtfs_file files[F_N];
    lx_err e = LX_OK;
    for (int i = 0; i < F_N; i++) {
        if (b[i].oom)
            e = LX_NOMEM;
        files[i] = (lx_gtfs_file){names[i], b[i].p, b[i].len};
    }
    lx_report *r = NULL;
    if (!e)
        e = lx_report_create(&r);
    if (!e) {
        lx_gtfs_opts opts = {.feed_name = "bench"};
        e = lx_gtfs_load_files(files, F_N, &opts, r, out);
        uint32_t n = 0;
        const lx_notice *nt = lx_report_notices(r, &n);
        for (uint32_t i = 0; e && i < n; i++)
            if (nt[i].severity == LX_SEV_ERROR) {
                snprintf(msg, msg_len, "%s:%u [%s] %s", nt[i].file, nt[i].line, nt[i].code,
                         nt[i].message);
                break;
            }
        if (e && (!n || msg[0] == 0))
            snprintf(msg, msg_len, "loading the synthetic feed: %s", lx_strerror(e));
        lx_report_destroy(r);
    } else {
        snprintf(msg, msg_len, "%s", lx_strerror(e));
    }
    for (int i = 0; i < F_N; i++)
        free(b[i].p);
    return e;
}
