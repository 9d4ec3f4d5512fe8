/* lanxang's extension files, read after the standard GTFS files (their formats are
 * in docs/gtfs-extensions.md):
 *   lx_stations.txt      stop_id,country,km,min_change_time,border_time
 *   lx_seat_layouts.txt  layout_id,coach,class,seats,letters,window_letters
 *   lx_train_layouts.txt trip_id,layout_id
 *   lx_fares.txt         agency_id,from_stop_id,to_stop_id,class,currency,price
 *   lx_sales_rules.txt   agency_id,scope,open_days,close_minutes,hold_minutes,
 *                        hold_minutes_near,near_minutes,max_passengers
 *   lx_seat_quotas.txt   trip_id,kind,coaches,share_pct,min_km,release_minutes
 *   lx_fare_types.txt    agency_id,fare_type,min_age,max_age,percent,seat
 * They are all optional: a plain GTFS feed simply has no seats or fares yet. */
#include "load_int.h"
#include "lanxang/fares.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lx_err load_stations_ext(loader *l)
{
    lx_col cols[] = {{"stop_id", 1, -1},
                     {"country", 0, -1},
                     {"km", 0, -1},
                     {"min_change_time", 0, -1},
                     {"border_time", 0, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "lx_stations.txt", cols, 5, 0) <= 0)
        return LX_OK;
    while (lx_table_next(&t) > 0) {
        if (!lx_need(&t, 0))
            continue;
        uint32_t s = lx_ref(&t, 0, &l->station_ids, "stops.txt", l->broken_stops);
        double km;
        long change = -1, border = -1;
        int ok = lx_float(&t, 2, -100000, 100000, &km);
        ok &= lx_int(&t, 3, 0, 86400, -1, LX_SEV_ERROR, &change);
        ok &= lx_int(&t, 4, 0, 86400, -1, LX_SEV_ERROR, &border);
        const char *c = lx_field(&t, 1);
        if (lx_has(&t, 1) && !(lx_field_len(&t, 1) == 2 && isupper((unsigned char)c[0]) &&
                               isupper((unsigned char)c[1]))) {
            lx_notice_row(&t, LX_SEV_ERROR, "invalid_country_code", 1,
                          "'%s' is not an ISO 3166 country code such as LA or CN", c);
            ok = 0;
        }
        if (!ok || s == LX_NONE)
            continue;
        lx_station *st = (lx_station *)l->stations.data + s;
        memcpy(st->country, c, lx_field_len(&t, 1) == 2 ? 3 : 1);
        st->km = km;
        st->change_time = (int32_t)change;
        st->border_time = (int32_t)border;
    }
    lx_table_close(&t);
    return LX_OK;
}

static lx_err load_layouts(loader *l)
{
    lx_col cols[] = {{"layout_id", 1, -1}, {"coach", 1, -1},   {"class", 1, -1},
                     {"seats", 1, -1},     {"letters", 1, -1}, {"window_letters", 0, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "lx_seat_layouts.txt", cols, 6, 0) <= 0)
        return LX_OK;
    while (lx_table_next(&t) > 0) {
        if (!(lx_need(&t, 0) & lx_need(&t, 1) & lx_need(&t, 2) & lx_need(&t, 3) & lx_need(&t, 4)))
            continue;
        long coach, seats;
        if (!(lx_int(&t, 1, 1, 99, 1, LX_SEV_ERROR, &coach) &
              lx_int(&t, 3, 0, 500, 0, LX_SEV_ERROR, &seats)))
            continue;
        const char *letters = lx_field(&t, 4), *win = lx_field(&t, 5);
        int bad = 0;
        for (const char *p = letters; *p; p++)
            bad |= !isupper((unsigned char)*p) || strchr(p + 1, *p) != NULL;
        for (const char *p = win; *p; p++)
            bad |= strchr(letters, *p) == NULL;
        if (bad) {
            lx_notice_row(&t, LX_SEV_ERROR, "invalid_seat_letters", 4,
                          "letters '%s' (window '%s') must be distinct capitals, window letters "
                          "among them", letters, win);
            continue;
        }
        /* coaches of one layout must be consecutive rows of the file */
        uint32_t li = lx_map_get(&l->layout_ids, lx_field(&t, 0), lx_field_len(&t, 0));
        lx_layout *lay = li == UINT32_MAX ? NULL : (lx_layout *)l->layouts.data + li;
        if (lay && lay->coach_first + lay->coach_count != l->coaches.len) {
            lx_notice_row(&t, LX_SEV_ERROR, "layout_rows_not_together", 0,
                          "the coaches of layout %s must be listed together", lx_field(&t, 0));
            continue;
        }
        if (!lay) {
            lay = lx_vec_push(&l->layouts);
            if (!lay)
                return LX_NOMEM;
            if (!(lay->id = lx_str(&t, 0)))
                return LX_NOMEM;
            lay->coach_first = (uint32_t)l->coaches.len;
            if (lx_map_put(&l->layout_ids, lay->id, (uint32_t)strlen(lay->id),
                           (uint32_t)(l->layouts.len - 1), NULL) != LX_OK)
                return LX_NOMEM;
        }
        /* (no pointer arithmetic on the empty vector: its data is NULL) */
        for (uint32_t k = 0; k < lay->coach_count; k++)
            if (((const lx_coach *)l->coaches.data)[lay->coach_first + k].coach == coach)
                lx_notice_row(&t, LX_SEV_ERROR, "duplicate_key", 1,
                              "layout %s has coach %ld twice", lay->id, coach);
        lx_coach *c = lx_vec_push(&l->coaches);
        if (!c)
            return LX_NOMEM;
        c->coach = (uint16_t)coach;
        c->seats = (uint16_t)seats;
        if (!(c->cls = lx_str(&t, 2)) || !(c->letters = lx_str(&t, 4)) ||
            !(c->window_letters = lx_str(&t, 5)))
            return LX_NOMEM;
        lay->coach_count++;
        lay->seats += (uint32_t)seats;
    }
    lx_table_close(&t);
    return LX_OK;
}

static lx_err load_train_layouts(loader *l)
{
    lx_col cols[] = {{"trip_id", 1, -1}, {"layout_id", 1, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "lx_train_layouts.txt", cols, 2, 0) <= 0)
        return LX_OK;
    while (lx_table_next(&t) > 0) {
        if (!(lx_need(&t, 0) & lx_need(&t, 1)))
            continue;
        uint32_t trip = lx_ref(&t, 0, &l->trip_ids, "trips.txt", l->broken_trips);
        uint32_t lay = lx_ref(&t, 1, &l->layout_ids, "lx_seat_layouts.txt", 0);
        if (trip == LX_NONE || lay == LX_NONE)
            continue;
        lx_trip *tr = (lx_trip *)l->trips.data + trip;
        if (tr->layout != LX_NONE)
            lx_notice_row(&t, LX_SEV_ERROR, "duplicate_key", 0, "trip %s has two layouts", tr->id);
        tr->layout = lay;
    }
    lx_table_close(&t);
    return LX_OK;
}

/* No fare reaches a trillion in any currency's main unit (a trillion kip is about
 * fifty million dollars); anything larger is a typo, and refusing it keeps every
 * amount far inside int64 in minor units. */
#define MAX_PRICE 1000000000000LL

/* "470", "470.5", "470.50" -> minor units; refuses more decimals than the currency has */
static int parse_price(const char *s, int digits, int64_t *out)
{
    int64_t whole = 0, frac = 0;
    int fd = 0;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return 0;
    for (; isdigit((unsigned char)*p); p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > MAX_PRICE)
            return 0;
    }
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++) {
            if (++fd > digits && *p != '0')
                return 0;
            if (fd <= digits)
                frac = frac * 10 + (*p - '0');
        }
        if (fd == 0)
            return 0;
    }
    if (*p)
        return 0;
    for (int k = fd < digits ? fd : digits; k < digits; k++)
        frac *= 10;
    int64_t scale = 1;
    for (int k = 0; k < digits; k++)
        scale *= 10;
    *out = whole * scale + frac;
    return 1;
}

static lx_err load_fares(loader *l)
{
    lx_col cols[] = {{"agency_id", 1, -1}, {"from_stop_id", 1, -1}, {"to_stop_id", 1, -1},
                     {"class", 1, -1},     {"currency", 1, -1},     {"price", 1, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "lx_fares.txt", cols, 6, 0) <= 0)
        return LX_OK;
    while (lx_table_next(&t) > 0) {
        int ok = 1;
        for (int c = 0; c < 6; c++)
            ok &= lx_need(&t, c);
        if (!ok)
            continue;
        lx_fare f = {0};
        f.agency = lx_ref(&t, 0, &l->agency_ids, "agency.txt", l->broken_agencies);
        f.from_stop = lx_ref(&t, 1, &l->station_ids, "stops.txt", l->broken_stops);
        f.to_stop = lx_ref(&t, 2, &l->station_ids, "stops.txt", l->broken_stops);
        const char *cur = lx_field(&t, 4);
        if (lx_field_len(&t, 4) != 3 || !isupper((unsigned char)cur[0]) ||
            !isupper((unsigned char)cur[1]) || !isupper((unsigned char)cur[2])) {
            lx_notice_row(&t, LX_SEV_ERROR, "invalid_currency", 4,
                          "'%s' is not an ISO 4217 currency code such as LAK or CNY", cur);
            continue;
        }
        memcpy(f.currency, cur, 4);
        if (!parse_price(lx_field(&t, 5), lx_currency_digits(cur), &f.amount)) {
            lx_notice_row(&t, LX_SEV_ERROR, "invalid_currency_amount", 5,
                          "'%s' is not a price in %s (at most %d decimals)", lx_field(&t, 5), cur,
                          lx_currency_digits(cur));
            continue;
        }
        if (f.agency == LX_NONE || f.from_stop == LX_NONE || f.to_stop == LX_NONE)
            continue;
        if (!(f.cls = lx_str(&t, 3)))
            return LX_NOMEM;
        lx_fare *p = lx_vec_push(&l->fares);
        if (!p)
            return LX_NOMEM;
        *p = f;
    }
    lx_table_close(&t);
    return LX_OK;
}

static lx_err load_rules(loader *l)
{
    lx_col cols[] = {{"agency_id", 1, -1},     {"scope", 1, -1},        {"open_days", 1, -1},
                     {"close_minutes", 1, -1}, {"hold_minutes", 1, -1}, {"hold_minutes_near", 0, -1},
                     {"near_minutes", 0, -1},  {"max_passengers", 0, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "lx_sales_rules.txt", cols, 8, 0) <= 0)
        return LX_OK;
    while (lx_table_next(&t) > 0) {
        if (!(lx_need(&t, 0) & lx_need(&t, 1) & lx_need(&t, 2) & lx_need(&t, 3) & lx_need(&t, 4)))
            continue;
        lx_sales_rule r = {0};
        r.agency = lx_ref(&t, 0, &l->agency_ids, "agency.txt", l->broken_agencies);
        const char *scope = lx_field(&t, 1);
        if (strcmp(scope, "domestic") != 0 && strcmp(scope, "cross_border") != 0) {
            lx_notice_row(&t, LX_SEV_ERROR, "unexpected_enum_value", 1,
                          "scope must be domestic or cross_border, not '%s'", scope);
            continue;
        }
        long v[6];
        int ok = lx_int(&t, 4, 1, 1440, 30, LX_SEV_ERROR, &v[2]);
        /* hold_minutes_near defaults to hold_minutes, so that is read first */
        ok &= lx_int(&t, 2, 0, 366, 0, LX_SEV_ERROR, &v[0]) &
                 lx_int(&t, 3, 0, 1440, 0, LX_SEV_ERROR, &v[1]) &
                 lx_int(&t, 5, 1, 1440, v[2], LX_SEV_ERROR, &v[3]) &
                 lx_int(&t, 6, 0, 10080, 0, LX_SEV_ERROR, &v[4]) &
                 lx_int(&t, 7, 1, 99, 5, LX_SEV_ERROR, &v[5]);
        if (!ok || r.agency == LX_NONE)
            continue;
        if (!(r.scope = lx_str(&t, 1)))
            return LX_NOMEM;
        r.open_days = (int32_t)v[0];
        r.close_minutes = (int32_t)v[1];
        r.hold_minutes = (int32_t)v[2];
        r.hold_minutes_near = (int32_t)v[3];
        r.near_minutes = (int32_t)v[4];
        r.max_passengers = (int32_t)v[5];
        lx_sales_rule *p = lx_vec_push(&l->rules);
        if (!p)
            return LX_NOMEM;
        *p = r;
    }
    lx_table_close(&t);
    return LX_OK;
}

/* Passenger fare types. The rows go straight to the timetable (nothing else in the
 * loader refers to them); an operator without rows gets the defaults of
 * lanxang/fares.h, one without a row for a type that type's default. */
static lx_err load_fare_types(loader *l)
{
    lx_col cols[] = {{"agency_id", 1, -1}, {"fare_type", 1, -1}, {"min_age", 0, -1},
                     {"max_age", 0, -1},   {"percent", 1, -1},   {"seat", 0, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "lx_fare_types.txt", cols, 6, 0) <= 0)
        return LX_OK;
    lx_vec rows;
    lx_vec_init(&rows, sizeof(lx_fare_type));
    while (lx_table_next(&t) > 0) {
        if (!(lx_need(&t, 0) & lx_need(&t, 1) & lx_need(&t, 4)))
            continue;
        lx_fare_type f = {0};
        f.agency = lx_ref(&t, 0, &l->agency_ids, "agency.txt", l->broken_agencies);
        const char *type = lx_field(&t, 1);
        if (!lx_fare_type_valid(type)) {
            lx_notice_row(&t, LX_SEV_ERROR, "unexpected_enum_value", 1,
                          "fare_type must be adult, child, infant or student, not '%s'", type);
            continue;
        }
        long lo, hi, pct, seat;
        if (!(lx_int(&t, 2, 0, 150, -1, LX_SEV_ERROR, &lo) &
              lx_int(&t, 3, 0, 150, -1, LX_SEV_ERROR, &hi) &
              lx_int(&t, 4, 0, 100, 100, LX_SEV_ERROR, &pct) &
              lx_int(&t, 5, 0, 1, 1, LX_SEV_ERROR, &seat)))
            continue;
        if (lo >= 0 && hi >= 0 && lo > hi) {
            lx_notice_row(&t, LX_SEV_ERROR, "invalid_value", 2,
                          "min_age %ld is above max_age %ld: no one could buy this fare", lo, hi);
            continue;
        }
        if (!seat && (strcmp(type, "adult") == 0 || strcmp(type, "student") == 0)) {
            lx_notice_row(&t, LX_SEV_ERROR, "invalid_value", 5,
                          "an %s always has a seat (seat must be 1): infants travel on their lap",
                          type);
            continue;
        }
        if (strcmp(type, "infant") == 0 && seat)
            lx_notice_row(&t, LX_SEV_WARNING, "infant_with_seat", 5,
                          "infants of this operator get a seat of their own, so they need no "
                          "adult's lap");
        if (f.agency == LX_NONE)
            continue;
        const lx_fare_type *have = rows.data;
        int dup = 0;
        for (size_t i = 0; i < rows.len && !dup; i++)
            dup = have[i].agency == f.agency && strcmp(have[i].fare_type, type) == 0;
        if (dup) {
            lx_notice_row(&t, LX_SEV_ERROR, "duplicate_key", 1, "agency %s has two %s rows",
                          lx_field(&t, 0), type);
            continue;
        }
        snprintf(f.fare_type, sizeof f.fare_type, "%s", type);
        f.min_age = (int16_t)lo;
        f.max_age = (int16_t)hi;
        f.percent = (uint16_t)pct;
        f.seat = (uint8_t)seat;
        lx_fare_type *p = lx_vec_push(&rows);
        if (!p) {
            lx_table_close(&t);
            lx_vec_free(&rows);
            return LX_NOMEM;
        }
        *p = f;
    }
    lx_table_close(&t);
    size_t n;
    l->tt->fare_types = lx_vec_steal(&rows, &n);
    l->tt->n_fare_types = (uint32_t)n;
    return LX_OK;
}

/* Whether every number of a space-separated coach list is a coach of the layout;
 * names the first that is not in *bad. An empty list is refused (-1). */
static int coaches_in_layout(const loader *l, uint32_t layout, const char *list, long *bad)
{
    const lx_layout *lay = (const lx_layout *)l->layouts.data + layout;
    const lx_coach *co = (const lx_coach *)l->coaches.data + lay->coach_first;
    int any = 0;
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char *end;
        long c = strtol(p, &end, 10);
        if (end == p || (*end && *end != ' ')) {
            *bad = -1;
            return 0;
        }
        uint32_t k = 0;
        while (k < lay->coach_count && co[k].coach != c)
            k++;
        if (k == lay->coach_count) {
            *bad = c;
            return 0;
        }
        any = 1;
        p = end;
    }
    *bad = -1;
    return any;
}

static int quota_cmp(const void *a, const void *b)
{
    const lx_quota *x = a, *y = b;
    if (x->trip != y->trip)
        return x->trip < y->trip ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

static lx_err load_quotas(loader *l)
{
    lx_col cols[] = {{"trip_id", 1, -1}, {"kind", 1, -1},   {"coaches", 0, -1},
                     {"share_pct", 0, -1}, {"min_km", 0, -1}, {"release_minutes", 0, -1}};
    lx_table t;
    if (lx_table_open(l, &t, "lx_seat_quotas.txt", cols, 6, 0) <= 0)
        return LX_OK;
    while (lx_table_next(&t) > 0) {
        if (!(lx_need(&t, 0) & lx_need(&t, 1)))
            continue;
        lx_quota q = {0};
        q.trip = lx_ref(&t, 0, &l->trip_ids, "trips.txt", l->broken_trips);
        const char *kind = lx_field(&t, 1);
        if (strcmp(kind, "cross_border") == 0)
            q.kind = LX_QUOTA_CROSS_BORDER;
        else if (strcmp(kind, "long_distance") == 0)
            q.kind = LX_QUOTA_LONG_DISTANCE;
        else {
            lx_notice_row(&t, LX_SEV_ERROR, "unexpected_enum_value", 1,
                          "kind must be cross_border or long_distance, not '%s'", kind);
            continue;
        }
        long v[3];
        int ok = lx_int(&t, 3, 0, 100, 0, LX_SEV_ERROR, &v[0]) &
                 lx_int(&t, 4, 0, 100000, 0, LX_SEV_ERROR, &v[1]) &
                 lx_int(&t, 5, 0, 527040, 0, LX_SEV_ERROR, &v[2]);
        if (!ok || q.trip == LX_NONE)
            continue;
        const lx_trip *tr = (const lx_trip *)l->trips.data + q.trip;
        if (tr->layout == LX_NONE) {
            lx_notice_row(&t, LX_SEV_ERROR, "foreign_key_violation", 0,
                          "trip %s has a quota but no seat layout (lx_train_layouts.txt)", tr->id);
            continue;
        }
        if (!(q.coaches = lx_str(&t, 2)))
            return LX_NOMEM;
        long bad;
        if (q.kind == LX_QUOTA_CROSS_BORDER && !coaches_in_layout(l, tr->layout, q.coaches, &bad)) {
            if (bad >= 0)
                lx_notice_row(&t, LX_SEV_ERROR, "foreign_key_violation", 2,
                              "coach %ld is not in the seat layout of trip %s", bad, tr->id);
            else
                lx_notice_row(&t, LX_SEV_ERROR, "invalid_value", 2,
                              "coaches must list coach numbers separated by spaces, not '%s'",
                              q.coaches);
            continue;
        }
        if (q.kind == LX_QUOTA_LONG_DISTANCE && !lx_need(&t, 3))
            continue;
        q.share_pct = (int32_t)v[0];
        q.min_km = (int32_t)v[1];
        q.release_minutes = (int32_t)v[2];
        const lx_quota *have = l->quotas.data;
        int dup = 0;
        for (size_t i = 0; i < l->quotas.len && !dup; i++)
            dup = have[i].trip == q.trip && have[i].kind == q.kind;
        if (dup) {
            lx_notice_row(&t, LX_SEV_ERROR, "duplicate_key", 1, "trip %s has two %s quotas",
                          tr->id, kind);
            continue;
        }
        lx_quota *p = lx_vec_push(&l->quotas);
        if (!p)
            return LX_NOMEM;
        *p = q;
    }
    lx_table_close(&t);
    if (l->quotas.len > 1)
        qsort(l->quotas.data, l->quotas.len, sizeof(lx_quota), quota_cmp);
    return LX_OK;
}

lx_err lx_load_extensions(loader *l)
{
    lx_err e;
    if ((e = load_stations_ext(l)) || (e = load_layouts(l)) || (e = load_train_layouts(l)) ||
        (e = load_fares(l)) || (e = load_rules(l)) || (e = load_quotas(l)) ||
        (e = load_fare_types(l)))
        return e;
    return LX_OK;
}
