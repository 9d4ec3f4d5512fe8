/* The GTFS loader: reads the standard files of a feed into a lx_tt, validating as it
 * goes.
 *
 * Order matters because of foreign keys: agency -> stops -> routes -> calendar and
 * calendar_dates -> trips -> stop_times -> frequencies, transfers, translations,
 * feed_info -> lanxang's extension files (load_ext.c). Each table is kept in a
 * growable vector and handed to the timetable at the end.
 *
 * Stop times are the bulk of any feed (90% of the bytes) and the one hot loop: a row
 * costs two hash lookups (trip_id, stop_id), two time parses and three integer
 * parses, and writes 22 bytes into parallel arrays. Rows may come in any order;
 * a counting sort by trip and then a sort by stop_sequence inside each trip (skipped
 * when the trip is already in order, as it nearly always is) put them in trip order
 * without a comparison sort over the whole file.
 *
 * Untimed intermediate stops (GTFS allows them) get times interpolated linearly
 * between the timed stops around them, so every stop time the core sees is timed.
 *
 * Nothing is half-loaded: when the report holds an error at the end, everything built
 * so far is freed and the caller gets LX_FEED.
 */
#define _GNU_SOURCE /* qsort_r */
#include "load_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STR(dst, t, c)                                                                     \
    do {                                                                                   \
        if (!((dst) = lx_str((t), (c))))                                                   \
            return LX_NOMEM;                                                               \
    } while (0)

/* ---- agency.txt ---- */
enum { A_ID, A_NAME, A_URL, A_TZ, A_LANG, A_PHONE, A_FARE, A_EMAIL };

static lx_err load_agency(loader *l)
{
    lx_col cols[] = {{"agency_id", 0, -1}, {"agency_name", 1, -1}, {"agency_url", 1, -1},
                     {"agency_timezone", 1, -1}, {"agency_lang", 0, -1}, {"agency_phone", 0, -1},
                     {"agency_fare_url", 0, -1}, {"agency_email", 0, -1}};
    lx_table t;
    int o = lx_table_open(l, &t, "agency.txt", cols, 8, 1);
    if (o <= 0) {
        l->broken_agencies = 1;
        return LX_OK;
    }
    while (lx_table_next(&t) > 0) {
        lx_agency *a = lx_vec_push(&l->agencies);
        if (!a)
            return LX_NOMEM;
        STR(a->id, &t, A_ID);
        STR(a->name, &t, A_NAME);
        STR(a->url, &t, A_URL);
        STR(a->timezone, &t, A_TZ);
        STR(a->lang, &t, A_LANG);
        STR(a->phone, &t, A_PHONE);
        STR(a->fare_url, &t, A_FARE);
        STR(a->email, &t, A_EMAIL);
        lx_need(&t, A_NAME);
        lx_need(&t, A_URL);
        if (lx_need(&t, A_TZ))
            a->tz = lx_zone(l, &t, A_TZ, LX_SEV_ERROR);
        lx_key(&t, A_ID, &l->agency_ids, a->id, (uint32_t)(l->agencies.len - 1));
        const lx_agency *first = l->agencies.data;
        if (a->tz && l->agencies.len > 1 && first->tz && first->tz != a->tz)
            lx_notice_row(&t, LX_SEV_ERROR, "inconsistent_agency_timezone", A_TZ,
                          "agency %s uses %s, agency %s %s: all agencies of a feed must share one "
                          "time zone", a->id, lx_tz_name(a->tz), first->id, lx_tz_name(first->tz));
        if (!l->tt->default_tz && a->tz)
            l->tt->default_tz = a->tz;
    }
    if (l->agencies.len > 1) {
        const lx_agency *as = l->agencies.data;
        for (size_t i = 0; i < l->agencies.len; i++)
            if (!*as[i].id)
                lx_report_add(l->r, LX_SEV_ERROR, "missing_required_field", "agency.txt",
                              (uint32_t)i + 2, "agency_id",
                              "agency_id is required when a feed has several agencies");
    }
    if (l->agencies.len == 0)
        lx_report_add(l->r, LX_SEV_ERROR, "missing_required_field", "agency.txt", 0, "",
                      "agency.txt has no agency");
    lx_table_close(&t);
    return LX_OK;
}

/* ---- stops.txt ---- */
enum { S_ID, S_CODE, S_NAME, S_DESC, S_LAT, S_LON, S_ZONE, S_URL, S_LTYPE, S_PARENT, S_TZ,
       S_WHEEL, S_PLATFORM };

static lx_err load_stops(loader *l)
{
    lx_col cols[] = {{"stop_id", 1, -1},       {"stop_code", 0, -1},     {"stop_name", 0, -1},
                     {"stop_desc", 0, -1},     {"stop_lat", 0, -1},      {"stop_lon", 0, -1},
                     {"zone_id", 0, -1},       {"stop_url", 0, -1},      {"location_type", 0, -1},
                     {"parent_station", 0, -1}, {"stop_timezone", 0, -1},
                     {"wheelchair_boarding", 0, -1}, {"platform_code", 0, -1}};
    lx_table t;
    int o = lx_table_open(l, &t, "stops.txt", cols, 13, 1);
    if (o <= 0) {
        l->broken_stops = 1;
        return LX_OK;
    }
    lx_vec lines;
    lx_vec_init(&lines, sizeof(uint32_t));
    while (lx_table_next(&t) > 0) {
        lx_station *s = lx_vec_push(&l->stations);
        const char **parent = lx_vec_push(&l->parent_ids);
        uint32_t *line = lx_vec_push(&lines);
        if (!s || !parent || !line) {
            lx_vec_free(&lines);
            return LX_NOMEM;
        }
        *line = t.csv.line;
        STR(s->id, &t, S_ID);
        STR(s->code, &t, S_CODE);
        STR(s->name, &t, S_NAME);
        STR(s->desc, &t, S_DESC);
        STR(s->zone_id, &t, S_ZONE);
        STR(s->url, &t, S_URL);
        STR(s->timezone, &t, S_TZ);
        STR(s->platform_code, &t, S_PLATFORM);
        STR(*parent, &t, S_PARENT);
        s->parent = LX_NONE;
        s->km = NAN;
        s->change_time = s->border_time = -1;
        long v;
        lx_int(&t, S_LTYPE, 0, 4, 0, LX_SEV_ERROR, &v);
        s->location_type = (uint8_t)v;
        lx_int(&t, S_WHEEL, 0, 2, 0, LX_SEV_WARNING, &v);
        s->wheelchair_boarding = (uint8_t)v;
        if (lx_need(&t, S_ID))
            lx_key(&t, S_ID, &l->station_ids, s->id, (uint32_t)(l->stations.len - 1));
        if (s->location_type <= 2) {
            lx_need(&t, S_NAME);
            lx_need(&t, S_LAT);
            lx_need(&t, S_LON);
        }
        lx_float(&t, S_LAT, -90, 90, &s->lat);
        lx_float(&t, S_LON, -180, 180, &s->lon);
        if (s->lat == 0 && s->lon == 0)
            lx_notice_row(&t, LX_SEV_WARNING, "point_near_origin", S_LAT,
                          "the stop lies at 0,0, which is surely wrong");
        if (lx_has(&t, S_TZ))
            s->tz = lx_zone(l, &t, S_TZ, LX_SEV_ERROR);
        if (s->location_type == 1 && **parent)
            lx_notice_row(&t, LX_SEV_ERROR, "station_with_parent_station", S_PARENT,
                          "a station (location_type 1) cannot have a parent_station");
        if (s->location_type >= 2 && !**parent)
            lx_notice_row(&t, LX_SEV_ERROR, "missing_required_field", S_PARENT,
                          "parent_station is required for location_type %u", s->location_type);
    }
    /* parents, then zones inherited from them */
    lx_station *st = l->stations.data;
    const char **pid = l->parent_ids.data;
    const uint32_t *ln = lines.data;
    for (size_t i = 0; i < l->stations.len; i++) {
        if (!*pid[i])
            continue;
        uint32_t p = lx_map_get(&l->station_ids, pid[i], (uint32_t)strlen(pid[i]));
        if (p == UINT32_MAX)
            lx_report_add(l->r, LX_SEV_ERROR, "foreign_key_violation", "stops.txt", ln[i],
                          "parent_station", "parent_station '%s' is not in stops.txt", pid[i]);
        else if (p == i)
            lx_report_add(l->r, LX_SEV_ERROR, "foreign_key_violation", "stops.txt", ln[i],
                          "parent_station", "stop %s is its own parent", st[i].id);
        else
            st[i].parent = p;
    }
    lx_vec_free(&lines);
    for (size_t i = 0; i < l->stations.len; i++) {
        const lx_tz *tz = st[i].tz;
        /* up the parent chain (at most two levels in valid feeds; bounded anyway) */
        for (uint32_t p = st[i].parent, hops = 0; !tz && p != LX_NONE && hops < 4;
             p = st[p].parent, hops++)
            tz = st[p].tz;
        st[i].tz = tz;
    }
    lx_table_close(&t);
    return LX_OK;
}

/* ---- routes.txt ---- */
enum { R_ID, R_AGENCY, R_SHORT, R_LONG, R_DESC, R_TYPE, R_URL, R_COLOR, R_TEXT };

static int valid_color(const char *s, uint32_t len)
{
    if (len != 6)
        return 0;
    for (uint32_t i = 0; i < 6; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return 1;
}

static lx_err load_routes(loader *l)
{
    lx_col cols[] = {{"route_id", 1, -1},   {"agency_id", 0, -1},  {"route_short_name", 0, -1},
                     {"route_long_name", 0, -1}, {"route_desc", 0, -1}, {"route_type", 1, -1},
                     {"route_url", 0, -1},  {"route_color", 0, -1}, {"route_text_color", 0, -1}};
    lx_table t;
    int o = lx_table_open(l, &t, "routes.txt", cols, 9, 1);
    if (o <= 0) {
        l->broken_routes = 1;
        return LX_OK;
    }
    while (lx_table_next(&t) > 0) {
        lx_route *r = lx_vec_push(&l->routes);
        if (!r)
            return LX_NOMEM;
        STR(r->id, &t, R_ID);
        STR(r->short_name, &t, R_SHORT);
        STR(r->long_name, &t, R_LONG);
        STR(r->desc, &t, R_DESC);
        STR(r->url, &t, R_URL);
        STR(r->color, &t, R_COLOR);
        STR(r->text_color, &t, R_TEXT);
        if (lx_need(&t, R_ID))
            lx_key(&t, R_ID, &l->route_ids, r->id, (uint32_t)(l->routes.len - 1));
        r->agency = 0;
        if (lx_has(&t, R_AGENCY)) {
            uint32_t a = lx_ref(&t, R_AGENCY, &l->agency_ids, "agency.txt", l->broken_agencies);
            r->agency = a == LX_NONE ? 0 : a;
        } else if (l->agencies.len > 1) {
            lx_notice_row(&t, LX_SEV_ERROR, "missing_required_field", R_AGENCY,
                          "agency_id is required when the feed has several agencies");
        }
        if (!*r->short_name && !*r->long_name)
            lx_notice_row(&t, LX_SEV_ERROR, "missing_required_field", R_SHORT,
                          "a route needs route_short_name or route_long_name");
        long type = 3; /* stays when route_type is missing (reported) */
        if (lx_need(&t, R_TYPE) && lx_int(&t, R_TYPE, 0, 1702, 3, LX_SEV_ERROR, &type)) {
            if (type > 12 && type < 100)
                lx_notice_row(&t, LX_SEV_ERROR, "unexpected_enum_value", R_TYPE,
                              "%ld is not a route_type", type);
        }
        r->type = (int32_t)type;
        if (lx_has(&t, R_COLOR) && !valid_color(lx_field(&t, R_COLOR), lx_field_len(&t, R_COLOR)))
            lx_notice_row(&t, LX_SEV_ERROR, "invalid_color", R_COLOR,
                          "'%s' is not a colour RRGGBB", lx_field(&t, R_COLOR));
        if (lx_has(&t, R_TEXT) && !valid_color(lx_field(&t, R_TEXT), lx_field_len(&t, R_TEXT)))
            lx_notice_row(&t, LX_SEV_ERROR, "invalid_color", R_TEXT,
                          "'%s' is not a colour RRGGBB", lx_field(&t, R_TEXT));
    }
    lx_table_close(&t);
    return LX_OK;
}

/* ---- calendar.txt and calendar_dates.txt ---- */
static uint32_t service_index(loader *l, const char *id, size_t len, lx_err *e)
{
    uint32_t s = lx_map_get(&l->service_ids, id, (uint32_t)len);
    if (s != UINT32_MAX)
        return s;
    lx_service *sv = lx_vec_push(&l->services);
    const char *key = sv ? lx_arena_strndup(&l->tt->strings, id, len) : NULL;
    if (!sv || !key) {
        *e = LX_NOMEM;
        return LX_NONE;
    }
    sv->id = key;
    s = (uint32_t)(l->services.len - 1);
    if (lx_map_put(&l->service_ids, key, (uint32_t)len, s, NULL) != LX_OK)
        *e = LX_NOMEM;
    return s;
}

static lx_err load_calendar(loader *l, int *have)
{
    lx_col cols[] = {{"service_id", 1, -1}, {"monday", 1, -1},   {"tuesday", 1, -1},
                     {"wednesday", 1, -1},  {"thursday", 1, -1}, {"friday", 1, -1},
                     {"saturday", 1, -1},   {"sunday", 1, -1},   {"start_date", 1, -1},
                     {"end_date", 1, -1}};
    lx_table t;
    int o = lx_table_open(l, &t, "calendar.txt", cols, 10, 0);
    if (o < 0)
        l->broken_services = 1;
    if (o <= 0)
        return LX_OK;
    *have = 1;
    lx_err e = LX_OK;
    while (lx_table_next(&t) > 0) {
        if (!lx_need(&t, 0))
            continue;
        size_t before = l->services.len;
        uint32_t s = service_index(l, lx_field(&t, 0), lx_field_len(&t, 0), &e);
        if (e)
            return e;
        if (l->services.len == before) {
            lx_notice_row(&t, LX_SEV_ERROR, "duplicate_key", 0, "service_id '%s' appears twice",
                          lx_field(&t, 0));
            continue;
        }
        lx_service *sv = (lx_service *)l->services.data + s;
        sv->has_calendar = 1;
        for (int d = 0; d < 7; d++) {
            long v;
            if (lx_need(&t, 1 + d) && lx_int(&t, 1 + d, 0, 1, 0, LX_SEV_ERROR, &v) && v)
                sv->weekdays |= (uint8_t)(1u << d);
        }
        if (lx_need(&t, 8))
            lx_gdate(&t, 8, &sv->start);
        if (lx_need(&t, 9))
            lx_gdate(&t, 9, &sv->end);
        if (sv->start < LX_DATE_MIN || sv->end < LX_DATE_MIN) {
            sv->has_calendar = 0; /* unusable; reported above */
        } else if (sv->end < sv->start) {
            lx_notice_row(&t, LX_SEV_ERROR, "start_and_end_range_out_of_order", 9,
                          "end_date comes before start_date");
            sv->has_calendar = 0;
        }
    }
    lx_table_close(&t);
    return LX_OK;
}

typedef struct {
    uint32_t service;
    lx_date_t date;
    uint8_t type;
    uint32_t line;
} raw_exception;

static int ex_cmp(const void *a, const void *b)
{
    const raw_exception *x = a, *y = b;
    if (x->service != y->service)
        return x->service < y->service ? -1 : 1;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static lx_err load_calendar_dates(loader *l, int *have)
{
    lx_col cols[] = {{"service_id", 1, -1}, {"date", 1, -1}, {"exception_type", 1, -1}};
    lx_table t;
    int o = lx_table_open(l, &t, "calendar_dates.txt", cols, 3, 0);
    if (o < 0)
        l->broken_services = 1;
    if (o <= 0)
        return LX_OK;
    *have = 1;
    lx_vec raw;
    lx_vec_init(&raw, sizeof(raw_exception));
    lx_err e = LX_OK;
    while (lx_table_next(&t) > 0) {
        int ok = lx_need(&t, 0) & lx_need(&t, 1) & lx_need(&t, 2);
        lx_date_t d;
        long type;
        ok = ok && lx_gdate(&t, 1, &d) && lx_int(&t, 2, 1, 2, 1, LX_SEV_ERROR, &type);
        if (!ok)
            continue;
        uint32_t s = service_index(l, lx_field(&t, 0), lx_field_len(&t, 0), &e);
        raw_exception *x = e ? NULL : lx_vec_push(&raw);
        if (!x) {
            lx_vec_free(&raw);
            return LX_NOMEM;
        }
        *x = (raw_exception){s, d, (uint8_t)type, t.csv.line};
    }
    raw_exception *rx = raw.data;
    if (raw.len)
        qsort(rx, raw.len, sizeof *rx, ex_cmp);
    if (lx_vec_reserve(&l->exceptions, raw.len) != LX_OK) {
        lx_vec_free(&raw);
        return LX_NOMEM;
    }
    lx_service *sv = l->services.data;
    for (size_t i = 0; i < raw.len; i++) {
        if (i && rx[i].service == rx[i - 1].service && rx[i].date == rx[i - 1].date) {
            char ds[11];
            lx_date_format(rx[i].date, 1, ds);
            lx_report_add(l->r, LX_SEV_ERROR, "duplicate_key", "calendar_dates.txt", rx[i].line,
                          "date", "service %s has two entries for %s", sv[rx[i].service].id, ds);
            continue;
        }
        lx_service *s = &sv[rx[i].service];
        if (!s->ex_count)
            s->ex_first = (uint32_t)l->exceptions.len;
        s->ex_count++;
        lx_service_exception *x = lx_vec_push(&l->exceptions);
        x->date = rx[i].date;
        x->type = rx[i].type;
    }
    lx_vec_free(&raw);
    lx_table_close(&t);
    return LX_OK;
}

/* ---- trips.txt ---- */
enum { T_ROUTE, T_SERVICE, T_ID, T_HEADSIGN, T_SHORT, T_DIR, T_BLOCK, T_WHEEL, T_BIKES };

static lx_err load_trips(loader *l)
{
    lx_col cols[] = {{"route_id", 1, -1},       {"service_id", 1, -1},   {"trip_id", 1, -1},
                     {"trip_headsign", 0, -1},  {"trip_short_name", 0, -1},
                     {"direction_id", 0, -1},   {"block_id", 0, -1},
                     {"wheelchair_accessible", 0, -1}, {"bikes_allowed", 0, -1}};
    lx_table t;
    int o = lx_table_open(l, &t, "trips.txt", cols, 9, 1);
    if (o <= 0) {
        l->broken_trips = 1;
        return LX_OK;
    }
    while (lx_table_next(&t) > 0) {
        int ok = lx_need(&t, T_ID) & lx_need(&t, T_ROUTE) & lx_need(&t, T_SERVICE);
        if (!ok)
            continue;
        uint32_t route = lx_ref(&t, T_ROUTE, &l->route_ids, "routes.txt", l->broken_routes);
        uint32_t service = lx_ref(&t, T_SERVICE, &l->service_ids, "calendar.txt or calendar_dates.txt",
                                  l->broken_services);
        lx_trip *tr = lx_vec_push(&l->trips);
        if (!tr)
            return LX_NOMEM;
        STR(tr->id, &t, T_ID);
        STR(tr->headsign, &t, T_HEADSIGN);
        STR(tr->short_name, &t, T_SHORT);
        STR(tr->block_id, &t, T_BLOCK);
        tr->route = route;
        tr->service = service;
        tr->layout = LX_NONE;
        long v;
        lx_int(&t, T_DIR, 0, 1, -1, LX_SEV_ERROR, &v);
        tr->direction_id = (int8_t)v;
        lx_int(&t, T_WHEEL, 0, 2, 0, LX_SEV_WARNING, &v);
        tr->wheelchair_accessible = (uint8_t)v;
        lx_int(&t, T_BIKES, 0, 2, 0, LX_SEV_WARNING, &v);
        tr->bikes_allowed = (uint8_t)v;
        /* keep only usable trips; the problem is reported */
        if (route == LX_NONE || service == LX_NONE ||
            !lx_key(&t, T_ID, &l->trip_ids, tr->id, (uint32_t)(l->trips.len - 1)))
            l->trips.len--;
    }
    lx_table_close(&t);
    return LX_OK;
}

/* ---- stop_times.txt ---- */
enum { ST_TRIP, ST_ARR, ST_DEP, ST_STOP, ST_SEQ, ST_HEADSIGN, ST_PICKUP, ST_DROPOFF, ST_TIMEPOINT };

typedef struct {
    uint32_t *trip, *stop, *seq, *line;
    lx_time_t *arr, *dep;
    uint8_t *pickup, *dropoff;
    const char **headsign;
    size_t n, cap;
} st_raw;

static void st_raw_free(st_raw *s)
{
    free(s->trip);
    free(s->stop);
    free(s->seq);
    free(s->line);
    free(s->arr);
    free(s->dep);
    free(s->pickup);
    free(s->dropoff);
    free(s->headsign);
    memset(s, 0, sizeof *s);
}

static int st_raw_grow(st_raw *s, size_t cap, int headsigns)
{
#define GROW(f)                                                                            \
    do {                                                                                   \
        void *p = realloc(s->f, cap * sizeof *s->f);                                       \
        if (!p)                                                                            \
            return -1;                                                                     \
        s->f = p;                                                                          \
    } while (0)
    GROW(trip);
    GROW(stop);
    GROW(seq);
    GROW(line);
    GROW(arr);
    GROW(dep);
    GROW(pickup);
    GROW(dropoff);
    if (headsigns)
        GROW(headsign);
#undef GROW
    s->cap = cap;
    return 0;
}

/* fills untimed stops between timed ones; returns 0 when an edge is untimed */
static int interpolate(lx_time_t *arr, lx_time_t *dep, uint32_t n)
{
    if (arr[0] == LX_TIME_NONE || dep[n - 1] == LX_TIME_NONE)
        return 0;
    uint32_t last = 0;
    for (uint32_t i = 1; i < n; i++) {
        if (arr[i] == LX_TIME_NONE)
            continue;
        for (uint32_t k = last + 1; k < i; k++) {
            lx_time_t t = dep[last] + (lx_time_t)((int64_t)(arr[i] - dep[last]) * (k - last) / (i - last));
            arr[k] = dep[k] = t;
        }
        last = i;
    }
    return 1;
}

static int pos_cmp(const void *a, const void *b, void *seq_)
{
    const uint32_t *seq = seq_;
    uint32_t x = seq[*(const uint32_t *)a], y = seq[*(const uint32_t *)b];
    return x < y ? -1 : x > y;
}

static lx_err load_stop_times(loader *l)
{
    lx_col cols[] = {{"trip_id", 1, -1},       {"arrival_time", 0, -1},  {"departure_time", 0, -1},
                     {"stop_id", 1, -1},       {"stop_sequence", 1, -1}, {"stop_headsign", 0, -1},
                     {"pickup_type", 0, -1},   {"drop_off_type", 0, -1}, {"timepoint", 0, -1}};
    lx_table t;
    int o = lx_table_open(l, &t, "stop_times.txt", cols, 9, 1);
    if (o <= 0)
        return LX_OK;
    int headsigns = cols[ST_HEADSIGN].idx >= 0;
    st_raw s = {0};
    if (st_raw_grow(&s, t.len / 40 + 16, headsigns) < 0)
        goto oom;
    while (lx_table_next(&t) > 0) {
        if (!(lx_need(&t, ST_TRIP) & lx_need(&t, ST_STOP) & lx_need(&t, ST_SEQ)))
            continue;
        uint32_t trip = lx_ref(&t, ST_TRIP, &l->trip_ids, "trips.txt", l->broken_trips);
        uint32_t stop = lx_ref(&t, ST_STOP, &l->station_ids, "stops.txt", l->broken_stops);
        long seq, pick, drop;
        lx_time_t arr, dep;
        int ok = lx_int(&t, ST_SEQ, 0, UINT32_MAX - 1, 0, LX_SEV_ERROR, &seq);
        ok &= lx_gtime(&t, ST_ARR, &arr);
        ok &= lx_gtime(&t, ST_DEP, &dep);
        ok &= lx_int(&t, ST_PICKUP, 0, 3, 0, LX_SEV_ERROR, &pick);
        ok &= lx_int(&t, ST_DROPOFF, 0, 3, 0, LX_SEV_ERROR, &drop);
        if (!ok || trip == LX_NONE || stop == LX_NONE)
            continue;
        if ((arr == LX_TIME_NONE) != (dep == LX_TIME_NONE)) {
            lx_notice_row(&t, LX_SEV_WARNING, "stop_time_with_only_arrival_or_departure_time",
                          arr == LX_TIME_NONE ? ST_ARR : ST_DEP,
                          "only one of arrival_time and departure_time is given; using it for both");
            if (arr == LX_TIME_NONE)
                arr = dep;
            else
                dep = arr;
        }
        if (arr != LX_TIME_NONE && dep < arr)
            lx_notice_row(&t, LX_SEV_ERROR, "stop_time_with_departure_before_arrival_time", ST_DEP,
                          "departure %s comes before arrival %s", lx_field(&t, ST_DEP),
                          lx_field(&t, ST_ARR));
        const lx_station *st = (const lx_station *)l->stations.data + stop;
        if (st->location_type != 0 && st->location_type != 4)
            lx_notice_row(&t, LX_SEV_ERROR, "wrong_stop_location_type", ST_STOP,
                          "stop %s has location_type %u; trains stop at stops (0) or boarding "
                          "areas (4)", st->id, st->location_type);
        if (s.n == s.cap && st_raw_grow(&s, s.cap * 2, headsigns) < 0)
            goto oom;
        size_t i = s.n++;
        s.trip[i] = trip;
        s.stop[i] = stop;
        s.seq[i] = (uint32_t)seq;
        s.line[i] = t.csv.line;
        s.arr[i] = arr;
        s.dep[i] = dep;
        s.pickup[i] = (uint8_t)pick;
        s.dropoff[i] = (uint8_t)drop;
        if (headsigns && !(s.headsign[i] = lx_str(&t, ST_HEADSIGN)))
            goto oom;
    }
    lx_progress(l, &t, 1);
    lx_table_close(&t);

    /* counting sort by trip */
    size_t n_trips = l->trips.len;
    lx_trip *trips = l->trips.data;
    uint32_t *first = calloc(n_trips + 1, sizeof *first);
    uint32_t *order = malloc((s.n ? s.n : 1) * sizeof *order);
    lx_tt *tt = l->tt;
    tt->st_stop = malloc((s.n ? s.n : 1) * sizeof *tt->st_stop);
    tt->st_seq = malloc((s.n ? s.n : 1) * sizeof *tt->st_seq);
    tt->st_arr = malloc((s.n ? s.n : 1) * sizeof *tt->st_arr);
    tt->st_dep = malloc((s.n ? s.n : 1) * sizeof *tt->st_dep);
    tt->st_pickup = malloc(s.n ? s.n : 1);
    tt->st_dropoff = malloc(s.n ? s.n : 1);
    if (headsigns)
        tt->st_headsign = malloc((s.n ? s.n : 1) * sizeof *tt->st_headsign);
    if (!first || !order || !tt->st_stop || !tt->st_seq || !tt->st_arr || !tt->st_dep ||
        !tt->st_pickup || !tt->st_dropoff || (headsigns && !tt->st_headsign)) {
        free(first);
        free(order);
        goto oom;
    }
    for (size_t i = 0; i < s.n; i++)
        first[s.trip[i] + 1]++;
    for (size_t k = 0; k < n_trips; k++)
        first[k + 1] += first[k];
    for (size_t k = 0; k < n_trips; k++) {
        trips[k].st_first = first[k];
        trips[k].st_count = first[k + 1] - first[k];
    }
    for (size_t i = 0; i < s.n; i++)
        order[first[s.trip[i]]++] = (uint32_t)i;
    free(first);
    for (size_t k = 0; k < n_trips; k++) {
        lx_trip *tr = &trips[k];
        uint32_t *o2 = order + tr->st_first, n = tr->st_count;
        int sorted = 1;
        for (uint32_t i = 1; i < n && sorted; i++)
            sorted = s.seq[o2[i]] > s.seq[o2[i - 1]];
        if (!sorted)
            qsort_r(o2, n, sizeof *o2, pos_cmp, s.seq);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = o2[i], p = tr->st_first + i;
            if (i && s.seq[r] == s.seq[o2[i - 1]])
                lx_report_add(l->r, LX_SEV_ERROR, "duplicate_key", "stop_times.txt", s.line[r],
                              "stop_sequence", "trip %s has stop_sequence %u twice", tr->id, s.seq[r]);
            tt->st_stop[p] = s.stop[r];
            tt->st_seq[p] = s.seq[r];
            tt->st_arr[p] = s.arr[r];
            tt->st_dep[p] = s.dep[r];
            tt->st_pickup[p] = s.pickup[r];
            tt->st_dropoff[p] = s.dropoff[r];
            if (headsigns)
                tt->st_headsign[p] = s.headsign[r];
        }
        if (n < 2)
            lx_report_add(l->r, LX_SEV_WARNING, "unusable_trip", "trips.txt", 0, "trip_id",
                          "trip %s has %u stop time%s: it cannot be travelled", tr->id, n,
                          n == 1 ? "" : "s");
        if (n == 0)
            continue;
        lx_time_t *arr = tt->st_arr + tr->st_first, *dep = tt->st_dep + tr->st_first;
        if (!interpolate(arr, dep, n)) {
            lx_report_add(l->r, LX_SEV_ERROR, "missing_trip_edge", "stop_times.txt",
                          s.line[arr[0] == LX_TIME_NONE ? o2[0] : o2[n - 1]], "arrival_time",
                          "trip %s has no time at its %s stop", tr->id,
                          arr[0] == LX_TIME_NONE ? "first" : "last");
            continue;
        }
        for (uint32_t i = 1; i < n; i++)
            if (arr[i] < dep[i - 1]) {
                char a[12], d[12];
                lx_time_format(arr[i], a);
                lx_time_format(dep[i - 1], d);
                lx_report_add(l->r, LX_SEV_ERROR,
                              "stop_time_with_arrival_before_previous_departure_time",
                              "stop_times.txt", s.line[o2[i]], "arrival_time",
                              "trip %s arrives at %s before it left the previous stop at %s "
                              "(times go backwards)", tr->id, a, d);
                break;
            }
    }
    tt->n_st = (uint32_t)s.n;
    free(order);
    st_raw_free(&s);
    return LX_OK;
oom:
    lx_table_close(&t);
    st_raw_free(&s);
    return LX_NOMEM;
}

/* ---- frequencies.txt ---- */
static lx_err load_frequencies(loader *l)
{
    lx_col cols[] = {{"trip_id", 1, -1}, {"start_time", 1, -1}, {"end_time", 1, -1},
                     {"headway_secs", 1, -1}, {"exact_times", 0, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "frequencies.txt", cols, 5, 0) <= 0)
        return LX_OK;
    while (lx_table_next(&t) > 0) {
        if (!(lx_need(&t, 0) & lx_need(&t, 1) & lx_need(&t, 2) & lx_need(&t, 3)))
            continue;
        lx_frequency f = {0};
        long head, exact;
        f.trip = lx_ref(&t, 0, &l->trip_ids, "trips.txt", l->broken_trips);
        int ok = lx_gtime(&t, 1, &f.start) & lx_gtime(&t, 2, &f.end) &
                 lx_int(&t, 3, 1, 86400, 0, LX_SEV_ERROR, &head) &
                 lx_int(&t, 4, 0, 1, 0, LX_SEV_ERROR, &exact);
        if (!ok || f.trip == LX_NONE)
            continue;
        if (f.end <= f.start) {
            lx_notice_row(&t, LX_SEV_ERROR, "start_and_end_range_out_of_order", 2,
                          "end_time is not after start_time");
            continue;
        }
        f.headway = (int32_t)head;
        f.exact_times = (uint8_t)exact;
        lx_frequency *p = lx_vec_push(&l->freqs);
        if (!p)
            return LX_NOMEM;
        *p = f;
    }
    lx_table_close(&t);
    return LX_OK;
}

static int freq_cmp(const void *a, const void *b)
{
    const lx_frequency *x = a, *y = b;
    if (x->trip != y->trip)
        return x->trip < y->trip ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static void attach_frequencies(loader *l)
{
    lx_frequency *f = l->freqs.data;
    lx_trip *trips = l->trips.data;
    if (l->freqs.len)
        qsort(f, l->freqs.len, sizeof *f, freq_cmp);
    for (size_t i = 0; i < l->freqs.len; i++) {
        lx_trip *tr = &trips[f[i].trip];
        if (!tr->freq_count)
            tr->freq_first = (uint32_t)i;
        tr->freq_count++;
    }
}

/* ---- transfers.txt ---- */
static lx_err load_transfers(loader *l)
{
    lx_col cols[] = {{"from_stop_id", 0, -1}, {"to_stop_id", 0, -1},  {"from_route_id", 0, -1},
                     {"to_route_id", 0, -1},  {"from_trip_id", 0, -1}, {"to_trip_id", 0, -1},
                     {"transfer_type", 1, -1}, {"min_transfer_time", 0, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "transfers.txt", cols, 8, 0) <= 0)
        return LX_OK;
    while (lx_table_next(&t) > 0) {
        lx_transfer x = {LX_NONE, LX_NONE, LX_NONE, LX_NONE, LX_NONE, LX_NONE, 0, -1};
        long type = 0, mt;
        int ok = lx_int(&t, 6, 0, 5, 0, LX_SEV_ERROR, &type);
        ok &= lx_int(&t, 7, 0, 86400, -1, LX_SEV_ERROR, &mt);
        if (type < 4) {
            ok &= lx_need(&t, 0) & lx_need(&t, 1);
        }
        uint32_t *dst[] = {&x.from_stop, &x.to_stop, &x.from_route, &x.to_route, &x.from_trip,
                           &x.to_trip};
        const lx_map *maps[] = {&l->station_ids, &l->station_ids, &l->route_ids,
                                &l->route_ids, &l->trip_ids, &l->trip_ids};
        const char *files[] = {"stops.txt", "stops.txt", "routes.txt", "routes.txt", "trips.txt",
                               "trips.txt"};
        int broken[] = {l->broken_stops, l->broken_stops, l->broken_routes, l->broken_routes,
                        l->broken_trips, l->broken_trips};
        for (int c = 0; c < 6; c++)
            if (lx_has(&t, c) && (*dst[c] = lx_ref(&t, c, maps[c], files[c], broken[c])) == LX_NONE)
                ok = 0;
        if ((type == 4 || type == 5) && !(lx_has(&t, 4) && lx_has(&t, 5))) {
            lx_notice_row(&t, LX_SEV_ERROR, "missing_required_field", 4,
                          "in-seat transfers (type %ld) need from_trip_id and to_trip_id", type);
            ok = 0;
        }
        if (!ok)
            continue;
        x.type = (uint8_t)type;
        x.min_transfer_time = (int32_t)mt;
        lx_transfer *p = lx_vec_push(&l->transfers);
        if (!p)
            return LX_NOMEM;
        *p = x;
    }
    lx_table_close(&t);
    return LX_OK;
}

/* ---- translations.txt ---- */
static lx_err load_translations(loader *l)
{
    lx_col cols[] = {{"table_name", 1, -1}, {"field_name", 1, -1},   {"language", 1, -1},
                     {"translation", 1, -1}, {"record_id", 0, -1},   {"record_sub_id", 0, -1},
                     {"field_value", 0, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "translations.txt", cols, 7, 0) <= 0)
        return LX_OK;
    while (lx_table_next(&t) > 0) {
        if (!(lx_need(&t, 0) & lx_need(&t, 1) & lx_need(&t, 2) & lx_need(&t, 3)))
            continue;
        lx_translation *x = lx_vec_push(&l->translations);
        if (!x)
            return LX_NOMEM;
        STR(x->table, &t, 0);
        STR(x->field, &t, 1);
        STR(x->lang, &t, 2);
        STR(x->translation, &t, 3);
        STR(x->record_id, &t, 4);
        STR(x->record_sub_id, &t, 5);
        STR(x->field_value, &t, 6);
        if (*x->record_id && *x->field_value)
            lx_notice_row(&t, LX_SEV_ERROR, "translation_unexpected_value", 6,
                          "record_id and field_value cannot both be given");
        if (strcmp(x->table, "stops") == 0 && *x->record_id &&
            lx_map_get(&l->station_ids, x->record_id, (uint32_t)strlen(x->record_id)) == UINT32_MAX)
            lx_notice_row(&t, LX_SEV_ERROR, "translation_foreign_key_violation", 4,
                          "record_id '%s' is not in stops.txt", x->record_id);
    }
    lx_table_close(&t);
    return LX_OK;
}

/* ---- feed_info.txt ---- */
static lx_err load_feed_info(loader *l)
{
    lx_col cols[] = {{"feed_publisher_name", 1, -1}, {"feed_publisher_url", 1, -1},
                     {"feed_lang", 1, -1},           {"default_lang", 0, -1},
                     {"feed_start_date", 0, -1},     {"feed_end_date", 0, -1},
                     {"feed_version", 0, -1},        {"feed_contact_email", 0, -1},
                     {"feed_contact_url", 0, -1},    {"feed_timezone", 0, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "feed_info.txt", cols, 10, 0) <= 0)
        return LX_OK;
    lx_feed_info *fi = &l->tt->feed_info;
    int rows = 0;
    while (lx_table_next(&t) > 0) {
        if (rows++) {
            lx_notice_row(&t, LX_SEV_ERROR, "more_than_one_entity", -1,
                          "feed_info.txt must have one row");
            continue;
        }
        lx_need(&t, 0);
        lx_need(&t, 1);
        lx_need(&t, 2);
        STR(fi->publisher_name, &t, 0);
        STR(fi->publisher_url, &t, 1);
        STR(fi->lang, &t, 2);
        STR(fi->default_lang, &t, 3);
        STR(fi->version, &t, 6);
        STR(fi->contact_email, &t, 7);
        STR(fi->contact_url, &t, 8);
        lx_gdate(&t, 4, &fi->start);
        lx_gdate(&t, 5, &fi->end);
        if (fi->start >= LX_DATE_MIN && fi->end >= LX_DATE_MIN && fi->end < fi->start)
            lx_notice_row(&t, LX_SEV_ERROR, "start_and_end_range_out_of_order", 5,
                          "feed_end_date comes before feed_start_date");
        /* feed_timezone is not in the specification, but feeds carry it; a bad one is
         * worth a warning since people read it */
        if (lx_has(&t, 9)) {
            const lx_tz *tz = lx_zone(l, &t, 9, LX_SEV_WARNING);
            const lx_tz *def = l->tt->default_tz;
            if (tz && def && tz != def)
                lx_notice_row(&t, LX_SEV_WARNING, "inconsistent_feed_timezone", 9,
                              "feed_timezone %s differs from agency_timezone %s", lx_tz_name(tz),
                              lx_tz_name(def));
        }
        l->tt->has_feed_info = 1;
    }
    lx_table_close(&t);
    return LX_OK;
}

/* ---- the whole feed ---- */
static const char *const known_files[] = {
    "agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
    "calendar_dates.txt", "frequencies.txt", "transfers.txt", "translations.txt", "feed_info.txt",
    "lx_stations.txt", "lx_seat_layouts.txt", "lx_train_layouts.txt", "lx_fares.txt",
    "lx_sales_rules.txt", "lx_seat_quotas.txt", "lx_fare_types.txt", NULL};
static const char *const ignored_files[] = {
    "shapes.txt", "fare_attributes.txt", "fare_rules.txt", "fare_media.txt", "fare_products.txt",
    "fare_leg_rules.txt", "fare_transfer_rules.txt", "rider_categories.txt", "areas.txt",
    "stop_areas.txt", "networks.txt", "route_networks.txt", "timeframes.txt", "pathways.txt",
    "levels.txt", "attributions.txt", "location_groups.txt", "location_group_stops.txt",
    "booking_rules.txt", "locations.geojson", NULL};

static int listed(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

static void check_files(loader *l)
{
    size_t n;
    const char *const *names = lx_source_names(l->src, &n);
    for (size_t i = 0; i < n; i++) {
        if (listed(known_files, names[i]))
            continue;
        if (listed(ignored_files, names[i]))
            lx_report_add(l->r, LX_SEV_INFO, "ignored_file", names[i], 0, "",
                          "%s is valid GTFS that lanxang does not use", names[i]);
        else
            lx_report_add(l->r, LX_SEV_INFO, "unknown_file", names[i], 0, "",
                          "%s is not part of the specification and is ignored", names[i]);
    }
}

static void check_services(loader *l)
{
    lx_tt *tt = l->tt;
    for (uint32_t i = 0; i < tt->n_services; i++)
        if (tt->services[i].first_day > tt->services[i].last_day) {
            uint32_t trips = 0;
            for (uint32_t k = 0; k < tt->n_trips; k++)
                trips += tt->trips[k].service == i;
            lx_report_add(l->r, LX_SEV_WARNING, "service_never_active", "calendar.txt", 0,
                          "service_id", "service %s never runs (%u trip%s use it)",
                          tt->services[i].id, trips, trips == 1 ? "" : "s");
        }
}

#define MOVE(field, count, vec)                                                            \
    do {                                                                                   \
        size_t n_;                                                                         \
        tt->field = lx_vec_steal(&l->vec, &n_);                                            \
        tt->count = (uint32_t)n_;                                                          \
    } while (0)

static lx_err load_all(loader *l)
{
    lx_err e;
    int have_cal = 0, have_dates = 0;
    check_files(l);
    if ((e = load_agency(l)) || (e = load_stops(l)) || (e = load_routes(l)) ||
        (e = load_calendar(l, &have_cal)) || (e = load_calendar_dates(l, &have_dates)))
        return e;
    if (!have_cal && !have_dates && !l->broken_services)
        lx_report_add(l->r, LX_SEV_ERROR, "missing_required_file", "calendar.txt", 0, "",
                      "the feed has neither calendar.txt nor calendar_dates.txt");
    if ((e = load_trips(l)) || (e = load_stop_times(l)) || (e = load_frequencies(l)) ||
        (e = load_transfers(l)) || (e = load_translations(l)) || (e = load_feed_info(l)))
        return e;
    attach_frequencies(l);
    if ((e = lx_load_extensions(l)))
        return e;

    lx_tt *tt = l->tt;
    if (!tt->default_tz) {
        lx_tz *utc;
        if ((e = lx_tz_fixed("UTC", 0, &utc)))
            return e;
        lx_tz **z = realloc(tt->zones, (tt->n_zones + 1) * sizeof *z);
        if (!z) {
            lx_tz_destroy(utc);
            return LX_NOMEM;
        }
        tt->zones = z;
        z[tt->n_zones++] = utc;
        tt->default_tz = utc;
    }
    lx_station *st = l->stations.data;
    for (size_t i = 0; i < l->stations.len; i++)
        if (!st[i].tz)
            st[i].tz = tt->default_tz;
    lx_agency *ag = l->agencies.data;
    for (size_t i = 0; i < l->agencies.len; i++)
        if (!ag[i].tz)
            ag[i].tz = tt->default_tz;
    MOVE(agencies, n_agencies, agencies);
    MOVE(stations, n_stations, stations);
    MOVE(routes, n_routes, routes);
    MOVE(trips, n_trips, trips);
    MOVE(services, n_services, services);
    MOVE(exceptions, n_exceptions, exceptions);
    MOVE(freqs, n_freqs, freqs);
    MOVE(transfers, n_transfers, transfers);
    MOVE(translations, n_translations, translations);
    MOVE(layouts, n_layouts, layouts);
    MOVE(coaches, n_coaches, coaches);
    MOVE(fares, n_fares, fares);
    MOVE(rules, n_rules, rules);
    MOVE(quotas, n_quotas, quotas);
    if ((e = lx_tt_finalize(tt)))
        return e;
    check_services(l);
    return LX_OK;
}
#undef MOVE

static lx_err load_source(lx_source *src, const lx_gtfs_opts *opts, lx_report *r, lx_tt **out)
{
    static const lx_gtfs_opts none = {0};
    if (!opts)
        opts = &none;
    *out = NULL;
    loader l;
    memset(&l, 0, sizeof l);
    l.r = r;
    l.src = src;
    l.opts = opts;
    lx_err e = lx_tt_create_empty(opts->feed_name ? opts->feed_name : "feed", &l.tt);
    if (e)
        return e;
    lx_map *maps[] = {&l.agency_ids, &l.route_ids, &l.service_ids, &l.layout_ids,
                      &l.station_ids, &l.trip_ids, &l.zone_names};
    for (size_t i = 0; i < sizeof maps / sizeof *maps && !e; i++)
        e = lx_map_init(maps[i], 64);
    lx_vec_init(&l.agencies, sizeof(lx_agency));
    lx_vec_init(&l.stations, sizeof(lx_station));
    lx_vec_init(&l.routes, sizeof(lx_route));
    lx_vec_init(&l.trips, sizeof(lx_trip));
    lx_vec_init(&l.services, sizeof(lx_service));
    lx_vec_init(&l.exceptions, sizeof(lx_service_exception));
    lx_vec_init(&l.freqs, sizeof(lx_frequency));
    lx_vec_init(&l.transfers, sizeof(lx_transfer));
    lx_vec_init(&l.translations, sizeof(lx_translation));
    lx_vec_init(&l.layouts, sizeof(lx_layout));
    lx_vec_init(&l.coaches, sizeof(lx_coach));
    lx_vec_init(&l.fares, sizeof(lx_fare));
    lx_vec_init(&l.rules, sizeof(lx_sales_rule));
    lx_vec_init(&l.quotas, sizeof(lx_quota));
    lx_vec_init(&l.parent_ids, sizeof(const char *));
    if (!e)
        e = load_all(&l);
    lx_vec *vecs[] = {&l.agencies, &l.stations,  &l.routes,    &l.trips,  &l.services,
                      &l.exceptions, &l.freqs,   &l.transfers, &l.translations, &l.layouts,
                      &l.coaches,  &l.fares,     &l.rules,     &l.quotas,  &l.parent_ids};
    for (size_t i = 0; i < sizeof vecs / sizeof *vecs; i++)
        lx_vec_free(vecs[i]);
    for (size_t i = 0; i < sizeof maps / sizeof *maps; i++)
        lx_map_free(maps[i]);
    if (!e && lx_report_count(r, LX_SEV_ERROR))
        e = LX_FEED;
    if (e) {
        lx_tt_destroy(l.tt);
        return e;
    }
    *out = l.tt;
    return LX_OK;
}

lx_err lx_gtfs_load_path(const char *path, const lx_gtfs_opts *opts, lx_report *r, lx_tt **out)
{
    lx_source *src;
    char msg[512];
    *out = NULL;
    lx_err e = lx_source_open_path(path, &src, msg, sizeof msg);
    if (e) {
        lx_report_add(r, LX_SEV_ERROR, "unreadable_feed", "", 0, "", "%s", msg);
        return e;
    }
    e = load_source(src, opts, r, out);
    lx_source_close(src);
    return e;
}

lx_err lx_gtfs_load_files(const lx_gtfs_file *files, size_t n, const lx_gtfs_opts *opts,
                          lx_report *r, lx_tt **out)
{
    lx_source *src;
    *out = NULL;
    lx_err e = lx_source_open_memory(files, n, &src);
    if (e)
        return e;
    e = load_source(src, opts, r, out);
    lx_source_close(src);
    return e;
}

void lx_gtfs_summarize(const lx_tt *tt, lx_gtfs_summary *s)
{
    memset(s, 0, sizeof *s);
    lx_tt_agencies(tt, &s->agencies);
    lx_tt_stations(tt, &s->stations);
    lx_tt_routes(tt, &s->routes);
    lx_tt_trips(tt, &s->trips);
    s->stop_times = lx_tt_stop_time_count(tt);
    const lx_service *sv = lx_tt_services(tt, &s->services);
    lx_tt_transfers(tt, &s->transfers);
    lx_tt_frequencies(tt, &s->frequencies);
    lx_tt_translations(tt, &s->translations);
    lx_tt_layouts(tt, &s->layouts);
    lx_tt_fares(tt, &s->fares);
    s->first_day = LX_DATE_MAX + 1;
    s->last_day = LX_DATE_MIN - 1;
    for (uint32_t i = 0; i < s->services; i++)
        if (sv[i].first_day <= sv[i].last_day) {
            if (sv[i].first_day < s->first_day)
                s->first_day = sv[i].first_day;
            if (sv[i].last_day > s->last_day)
                s->last_day = sv[i].last_day;
        }
}
