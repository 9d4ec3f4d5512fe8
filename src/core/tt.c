/* Timetable: accessors, the indexes built after loading, and the queries.
 *
 * Service days. A GTFS stop time is an offset from "noon minus 12 h" of a service
 * day in the feed's zone, and may pass 24:00:00, so a train that leaves at 25:10 on
 * service day D leaves on the calendar day D+1. To answer "which trains leave
 * station S on local date X" we therefore try each service day from
 * X - (max_trip_span_days + 1) to X + 1 (the +1 covers a station whose zone is ahead
 * of the feed's), compute the real instant, and keep the runs whose local date at S
 * is X. max_trip_span_days is 0 for most feeds, so that is three bitmap probes per
 * call.
 *
 * Each service's running days are one bitmap from its first to its last running day,
 * built once from calendar.txt and calendar_dates.txt, so lx_tt_service_runs is a
 * subtraction and a bit test.
 */
#include "tt_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

lx_err lx_tt_create_empty(const char *feed_name, lx_tt **out)
{
    lx_tt *tt = calloc(1, sizeof *tt);
    if (!tt)
        return LX_NOMEM;
    lx_arena_init(&tt->strings);
    tt->feed_name = lx_arena_strndup(&tt->strings, feed_name, strlen(feed_name));
    if (!tt->feed_name) {
        free(tt);
        return LX_NOMEM;
    }
    tt->feed_info.start = tt->feed_info.end = LX_DATE_MIN - 1;
    *out = tt;
    return LX_OK;
}

void lx_tt_destroy(lx_tt *tt)
{
    if (!tt)
        return;
    free(tt->agencies);
    free(tt->stations);
    free(tt->routes);
    free(tt->trips);
    free(tt->services);
    free(tt->exceptions);
    free(tt->freqs);
    free(tt->transfers);
    free(tt->translations);
    free(tt->layouts);
    free(tt->coaches);
    free(tt->fares);
    free(tt->fare_first);
    free(tt->fare_index);
    free(tt->rules);
    free(tt->fare_types);
    free(tt->quotas);
    free(tt->st_stop);
    free(tt->st_seq);
    free(tt->st_arr);
    free(tt->st_dep);
    free(tt->st_pickup);
    free(tt->st_dropoff);
    free(tt->st_headsign);
    free(tt->day_bits);
    free(tt->call_first);
    free(tt->calls);
    free(tt->tr_index);
    free(tt->child_first);
    free(tt->children);
    for (uint32_t i = 0; i < tt->n_zones; i++)
        lx_tz_destroy(tt->zones[i]);
    free(tt->zones);
    lx_map_free(&tt->station_ids);
    lx_map_free(&tt->trip_ids);
    lx_arena_free(&tt->strings);
    free(tt);
}

const char *lx_tt_feed_name(const lx_tt *tt) { return tt->feed_name; }
const lx_tz *lx_tt_default_tz(const lx_tt *tt) { return tt->default_tz; }
const lx_feed_info *lx_tt_feed_info(const lx_tt *tt)
{
    return tt->has_feed_info ? &tt->feed_info : NULL;
}

#define TABLE_ACCESSOR(fn, type, field, count)                                             \
    const type *fn(const lx_tt *tt, uint32_t *n)                                           \
    {                                                                                      \
        if (n)                                                                             \
            *n = tt->count;                                                                \
        return tt->field;                                                                  \
    }
TABLE_ACCESSOR(lx_tt_agencies, lx_agency, agencies, n_agencies)
TABLE_ACCESSOR(lx_tt_stations, lx_station, stations, n_stations)
TABLE_ACCESSOR(lx_tt_routes, lx_route, routes, n_routes)
TABLE_ACCESSOR(lx_tt_trips, lx_trip, trips, n_trips)
TABLE_ACCESSOR(lx_tt_services, lx_service, services, n_services)
TABLE_ACCESSOR(lx_tt_service_exceptions, lx_service_exception, exceptions, n_exceptions)
TABLE_ACCESSOR(lx_tt_frequencies, lx_frequency, freqs, n_freqs)
TABLE_ACCESSOR(lx_tt_transfers, lx_transfer, transfers, n_transfers)
TABLE_ACCESSOR(lx_tt_translations, lx_translation, translations, n_translations)
TABLE_ACCESSOR(lx_tt_layouts, lx_layout, layouts, n_layouts)
TABLE_ACCESSOR(lx_tt_coaches, lx_coach, coaches, n_coaches)
TABLE_ACCESSOR(lx_tt_fares, lx_fare, fares, n_fares)
TABLE_ACCESSOR(lx_tt_sales_rules, lx_sales_rule, rules, n_rules)
TABLE_ACCESSOR(lx_tt_fare_types, lx_fare_type, fare_types, n_fare_types)
TABLE_ACCESSOR(lx_tt_quotas, lx_quota, quotas, n_quotas)
#undef TABLE_ACCESSOR

uint32_t lx_tt_stop_time_count(const lx_tt *tt) { return tt->n_st; }
const uint32_t *lx_tt_st_stop(const lx_tt *tt) { return tt->st_stop; }
const lx_time_t *lx_tt_st_arrival(const lx_tt *tt) { return tt->st_arr; }
const lx_time_t *lx_tt_st_departure(const lx_tt *tt) { return tt->st_dep; }
const uint8_t *lx_tt_st_pickup(const lx_tt *tt) { return tt->st_pickup; }
const uint8_t *lx_tt_st_dropoff(const lx_tt *tt) { return tt->st_dropoff; }
const uint32_t *lx_tt_st_sequence(const lx_tt *tt) { return tt->st_seq; }
const char *const *lx_tt_st_headsign(const lx_tt *tt) { return tt->st_headsign; }

uint32_t lx_tt_station_by_id(const lx_tt *tt, const char *id)
{
    return lx_map_get(&tt->station_ids, id, (uint32_t)strlen(id));
}

uint32_t lx_tt_trip_by_id(const lx_tt *tt, const char *id)
{
    return lx_map_get(&tt->trip_ids, id, (uint32_t)strlen(id));
}

/* "zh" matches "zh", "zh-CN", "zh-Hans"; "zh-CN" matches only itself */
static int lang_matches(const char *want, const char *have)
{
    size_t n = strlen(want);
    return strncasecmp(want, have, n) == 0 && (have[n] == 0 || have[n] == '-' || have[n] == '_');
}

const char *lx_tt_station_name(const lx_tt *tt, uint32_t station, const char *lang)
{
    const lx_station *s = &tt->stations[station];
    if (lang && *lang)
        for (uint32_t i = 0; i < s->tr_count; i++) {
            const lx_translation *t = &tt->translations[tt->tr_index[s->tr_first + i]];
            if (lang_matches(lang, t->lang))
                return t->translation;
        }
    return s->name;
}

int lx_tt_service_runs(const lx_tt *tt, uint32_t service, lx_date_t day)
{
    const lx_service *sv = &tt->services[service];
    if (day < sv->first_day || day > sv->last_day)
        return 0;
    uint32_t bit = (uint32_t)(day - sv->first_day);
    return (int)((tt->day_bits[sv->days_word + bit / 64] >> (bit % 64)) & 1);
}

const char *lx_tt_train_number(const lx_tt *tt, uint32_t trip)
{
    const lx_trip *t = &tt->trips[trip];
    if (*t->short_name)
        return t->short_name;
    if (*tt->routes[t->route].short_name)
        return tt->routes[t->route].short_name;
    return t->id;
}

uint32_t lx_tt_trips_by_number(const lx_tt *tt, const char *name, uint32_t *out, uint32_t cap)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < tt->n_trips; i++)
        if (strcasecmp(lx_tt_train_number(tt, i), name) == 0 ||
            strcasecmp(tt->trips[i].id, name) == 0) {
            if (n < cap)
                out[n] = i;
            n++;
        }
    return n;
}

/* Searches the fares of the lower stop only (fare_index, built by lx_tt_finalize): the
 * server prices every class of every train of a search, and scanning the whole table
 * each time was a tenth of its time. */
const lx_fare *lx_tt_fare(const lx_tt *tt, uint32_t agency, uint32_t a, uint32_t b,
                          const char *cls, const char *currency)
{
    uint32_t lo = a < b ? a : b, i0 = 0, i1 = tt->n_fares;
    if (tt->fare_first && lo < tt->n_stations) {
        i0 = tt->fare_first[lo];
        i1 = tt->fare_first[lo + 1];
    }
    for (uint32_t k = i0; k < i1; k++) {
        const lx_fare *f = &tt->fares[tt->fare_first ? tt->fare_index[k] : k];
        if (f->agency != agency)
            continue;
        if (!((f->from_stop == a && f->to_stop == b) || (f->from_stop == b && f->to_stop == a)))
            continue;
        if (strcmp(f->cls, cls) != 0)
            continue;
        if (currency && strcmp(f->currency, currency) != 0)
            continue;
        return f;
    }
    return NULL;
}

/* "CNY" for a station in China, "LAK" in Laos (its parent's country when it has none). */
static const char *country_currency(const lx_tt *tt, uint32_t stop)
{
    const char *cc = tt->stations[stop].country;
    if (!cc[0] && tt->stations[stop].parent != LX_NONE)
        cc = tt->stations[tt->stations[stop].parent].country;
    return !strcmp(cc, "CN") ? "CNY" : !strcmp(cc, "LA") ? "LAK" : NULL;
}

/* A fare of agency between a and b (or their parent stations) in currency (NULL any). */
static const lx_fare *fare_between(const lx_tt *tt, uint32_t agency, uint32_t a, uint32_t b,
                                   const char *cls, const char *currency)
{
    uint32_t pa = tt->stations[a].parent != LX_NONE ? tt->stations[a].parent : a;
    uint32_t pb = tt->stations[b].parent != LX_NONE ? tt->stations[b].parent : b;
    const lx_fare *f = lx_tt_fare(tt, agency, a, b, cls, currency);
    if (!f && (pa != a || pb != b))
        f = lx_tt_fare(tt, agency, pa, pb, cls, currency);
    return f;
}

const lx_fare *lx_tt_journey_fare(const lx_tt *tt, uint32_t trip, uint32_t a, uint32_t b,
                                  const char *cls, const char *currency)
{
    if (trip >= tt->n_trips || a >= tt->n_stations || b >= tt->n_stations)
        return NULL;
    uint32_t route = tt->trips[trip].route;
    uint32_t agency = route < tt->n_routes ? tt->routes[route].agency : LX_NONE;
    const char *side = currency && *currency ? currency : country_currency(tt, a);
    /* the operator's own fare first, then any operator's (a through train's section may
     * be priced by the operator of its side); in the currency asked, else the selling
     * side's, else any (but never another than the one asked) */
    for (int pass = 0; pass < 4; pass++) {
        const char *want = pass % 2 == 0 ? side : NULL;
        if ((pass % 2 == 0 && !want) || (pass % 2 == 1 && currency && *currency))
            continue;
        for (uint32_t g = 0; g <= tt->n_agencies; g++) {
            uint32_t ag = g == 0 ? agency : g - 1;
            if ((pass < 2) != (g == 0))
                continue;
            const lx_fare *f = fare_between(tt, ag, a, b, cls, want);
            if (f)
                return f;
        }
    }
    return NULL;
}

uint32_t lx_tt_station_group(const lx_tt *tt, uint32_t station, uint32_t *out, uint32_t cap)
{
    uint32_t n = 0;
    if (n < cap)
        out[n] = station;
    n++;
    for (uint32_t i = tt->child_first[station]; i < tt->child_first[station + 1]; i++) {
        if (n < cap)
            out[n] = tt->children[i];
        n++;
    }
    return n;
}

int lx_currency_digits(const char *currency)
{
    static const char *const zero[] = {"LAK", "JPY", "KRW", "VND", "KHR", "IDR", "CLP",
                                       "ISK", "PYG", "UGX", "XAF", "XOF"};
    for (size_t i = 0; i < sizeof zero / sizeof *zero; i++)
        if (strcmp(currency, zero[i]) == 0)
            return 0;
    return 2;
}

/* ---- finalize ---- */

static void set_day(lx_tt *tt, const lx_service *sv, lx_date_t day, int on)
{
    if (day < sv->first_day || day > sv->last_day)
        return;
    uint32_t bit = (uint32_t)(day - sv->first_day);
    uint64_t *w = &tt->day_bits[sv->days_word + bit / 64];
    if (on)
        *w |= (uint64_t)1 << (bit % 64);
    else
        *w &= ~((uint64_t)1 << (bit % 64));
}

static lx_err build_service_days(lx_tt *tt)
{
    uint64_t words = 0;
    for (uint32_t i = 0; i < tt->n_services; i++) {
        lx_service *sv = &tt->services[i];
        lx_date_t lo = LX_DATE_MAX + 1, hi = LX_DATE_MIN - 1;
        if (sv->has_calendar && sv->weekdays && sv->start <= sv->end) {
            lo = sv->start;
            hi = sv->end;
        }
        for (uint32_t k = 0; k < sv->ex_count; k++) {
            const lx_service_exception *ex = &tt->exceptions[sv->ex_first + k];
            if (ex->type == 1) {
                if (ex->date < lo)
                    lo = ex->date;
                if (ex->date > hi)
                    hi = ex->date;
            }
        }
        sv->first_day = lo;
        sv->last_day = hi;
        sv->days_word = (uint32_t)words;
        if (lo <= hi)
            words += ((uint64_t)(hi - lo) + 64) / 64;
        if (words > UINT32_MAX)
            return LX_TOOBIG;
    }
    tt->n_day_words = (uint32_t)words;
    tt->day_bits = calloc(words ? words : 1, sizeof *tt->day_bits);
    if (!tt->day_bits)
        return LX_NOMEM;
    for (uint32_t i = 0; i < tt->n_services; i++) {
        lx_service *sv = &tt->services[i];
        if (sv->first_day > sv->last_day)
            continue;
        if (sv->has_calendar)
            for (lx_date_t d = sv->start; d <= sv->end; d++)
                if (sv->weekdays & (1u << lx_date_weekday(d)))
                    set_day(tt, sv, d, 1);
        for (uint32_t k = 0; k < sv->ex_count; k++) {
            const lx_service_exception *ex = &tt->exceptions[sv->ex_first + k];
            set_day(tt, sv, ex->date, ex->type == 1);
        }
        /* a service whose every day was removed never runs */
        int any = 0;
        for (lx_date_t d = sv->first_day; d <= sv->last_day && !any; d++)
            any = lx_tt_service_runs(tt, i, d);
        if (!any)
            sv->last_day = sv->first_day - 1;
    }
    return LX_OK;
}

/* Counting sort of (key -> value) pairs into CSR form: first[k]..first[k+1]. */
static lx_err build_csr(uint32_t n_keys, uint32_t n, const uint32_t *keys, uint32_t **first_out,
                        uint32_t **vals_out, const uint32_t *vals_in)
{
    uint32_t *first = calloc((size_t)n_keys + 1, sizeof *first);
    uint32_t *vals = malloc((n ? n : 1) * sizeof *vals);
    if (!first || !vals) {
        free(first);
        free(vals);
        return LX_NOMEM;
    }
    for (uint32_t i = 0; i < n; i++)
        first[keys[i] + 1]++;
    for (uint32_t k = 0; k < n_keys; k++)
        first[k + 1] += first[k];
    uint32_t *fill = malloc(((size_t)n_keys + 1) * sizeof *fill);
    if (!fill) {
        free(first);
        free(vals);
        return LX_NOMEM;
    }
    memcpy(fill, first, ((size_t)n_keys + 1) * sizeof *fill);
    for (uint32_t i = 0; i < n; i++)
        vals[fill[keys[i]]++] = vals_in ? vals_in[i] : i;
    free(fill);
    *first_out = first;
    *vals_out = vals;
    return LX_OK;
}

static lx_err build_calls(lx_tt *tt)
{
    uint32_t *pos;
    lx_err e = build_csr(tt->n_stations, tt->n_st, tt->st_stop, &tt->call_first, &pos, NULL);
    if (e)
        return e;
    tt->calls = malloc((tt->n_st ? tt->n_st : 1) * sizeof *tt->calls);
    uint32_t *trip_of = malloc((tt->n_st ? tt->n_st : 1) * sizeof *trip_of);
    if (!tt->calls || !trip_of) {
        free(pos);
        free(trip_of);
        return LX_NOMEM;
    }
    for (uint32_t t = 0; t < tt->n_trips; t++)
        for (uint32_t k = 0; k < tt->trips[t].st_count; k++)
            trip_of[tt->trips[t].st_first + k] = t;
    for (uint32_t i = 0; i < tt->n_st; i++) {
        tt->calls[i].pos = pos[i];
        tt->calls[i].trip = trip_of[pos[i]];
    }
    free(pos);
    free(trip_of);
    return LX_OK;
}

static lx_err build_station_names(lx_tt *tt)
{
    uint32_t *keys = malloc((tt->n_translations ? tt->n_translations : 1) * sizeof *keys);
    uint32_t *vals = malloc((tt->n_translations ? tt->n_translations : 1) * sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return LX_NOMEM;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < tt->n_translations; i++) {
        const lx_translation *t = &tt->translations[i];
        if (strcmp(t->table, "stops") != 0 || strcmp(t->field, "stop_name") != 0)
            continue;
        if (*t->record_id) {
            uint32_t s = lx_tt_station_by_id(tt, t->record_id);
            if (s != LX_NONE) {
                keys[n] = s;
                vals[n++] = i;
            }
        } else if (*t->field_value) {
            for (uint32_t s = 0; s < tt->n_stations; s++)
                if (strcmp(tt->stations[s].name, t->field_value) == 0) {
                    uint32_t *k2 = realloc(keys, ((size_t)n + 1 + tt->n_translations) * sizeof *keys);
                    uint32_t *v2 = k2 ? realloc(vals, ((size_t)n + 1 + tt->n_translations) * sizeof *vals) : NULL;
                    if (!k2 || !v2) {
                        free(k2 ? k2 : keys);
                        free(vals);
                        return LX_NOMEM;
                    }
                    keys = k2;
                    vals = v2;
                    keys[n] = s;
                    vals[n++] = i;
                }
        }
    }
    uint32_t *first;
    lx_err e = build_csr(tt->n_stations, n, keys, &first, &tt->tr_index, vals);
    free(keys);
    free(vals);
    if (e)
        return e;
    for (uint32_t s = 0; s < tt->n_stations; s++) {
        tt->stations[s].tr_first = first[s];
        tt->stations[s].tr_count = first[s + 1] - first[s];
    }
    free(first);
    return LX_OK;
}

static lx_err build_children(lx_tt *tt)
{
    uint32_t *keys = malloc((tt->n_stations ? tt->n_stations : 1) * sizeof *keys);
    uint32_t *vals = malloc((tt->n_stations ? tt->n_stations : 1) * sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return LX_NOMEM;
    }
    uint32_t n = 0;
    for (uint32_t s = 0; s < tt->n_stations; s++)
        if (tt->stations[s].parent != LX_NONE) {
            keys[n] = tt->stations[s].parent;
            vals[n++] = s;
        }
    lx_err e = build_csr(tt->n_stations, n, keys, &tt->child_first, &tt->children, vals);
    free(keys);
    free(vals);
    return e;
}

static lx_err build_fares(lx_tt *tt)
{
    uint32_t *keys = malloc((tt->n_fares ? tt->n_fares : 1) * sizeof *keys);
    if (!keys)
        return LX_NOMEM;
    for (uint32_t i = 0; i < tt->n_fares; i++) {
        const lx_fare *f = &tt->fares[i];
        keys[i] = f->from_stop < f->to_stop ? f->from_stop : f->to_stop;
        if (keys[i] >= tt->n_stations) { /* not a station: lx_tt_fare scans the table */
            free(keys);
            return LX_OK;
        }
    }
    lx_err e = build_csr(tt->n_stations, tt->n_fares, keys, &tt->fare_first, &tt->fare_index, NULL);
    free(keys);
    return e;
}

lx_err lx_tt_finalize(lx_tt *tt)
{
    lx_err e;
    if ((e = lx_map_init(&tt->station_ids, tt->n_stations)) ||
        (e = lx_map_init(&tt->trip_ids, tt->n_trips)))
        return e;
    for (uint32_t i = 0; i < tt->n_stations; i++)
        if ((e = lx_map_put(&tt->station_ids, tt->stations[i].id,
                            (uint32_t)strlen(tt->stations[i].id), i, NULL)))
            return e;
    for (uint32_t i = 0; i < tt->n_trips; i++)
        if ((e = lx_map_put(&tt->trip_ids, tt->trips[i].id, (uint32_t)strlen(tt->trips[i].id), i,
                            NULL)))
            return e;
    if ((e = build_service_days(tt)) || (e = build_calls(tt)) || (e = build_station_names(tt)) ||
        (e = build_children(tt)) || (e = build_fares(tt)))
        return e;
    lx_time_t latest = 0;
    for (uint32_t t = 0; t < tt->n_trips; t++) {
        const lx_trip *tr = &tt->trips[t];
        /* (a trip without times at its ends is refused by the loader, which still
         * finalizes to report everything; it has no span) */
        if (!tr->st_count || tt->st_dep[tr->st_first] == LX_TIME_NONE ||
            tt->st_arr[tr->st_first + tr->st_count - 1] == LX_TIME_NONE)
            continue;
        lx_time_t end = tt->st_arr[tr->st_first + tr->st_count - 1];
        for (uint32_t f = 0; f < tr->freq_count; f++) {
            const lx_frequency *fr = &tt->freqs[tr->freq_first + f];
            lx_time_t shifted = end - tt->st_dep[tr->st_first] + fr->end;
            if (shifted > end)
                end = shifted;
        }
        if (end > latest)
            latest = end;
    }
    tt->max_trip_span_days = (uint32_t)(latest / 86400);
    return LX_OK;
}

/* ---- queries ---- */

lx_instant_t lx_tt_st_instant(const lx_tt *tt, const lx_leg *run, uint32_t pos, int departure)
{
    lx_time_t t = departure ? tt->st_dep[pos] : tt->st_arr[pos];
    return lx_tz_service_instant(tt->default_tz, run->service_day, t + run->offset);
}

static int in_set(uint32_t v, const uint32_t *set, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (set[i] == v)
            return 1;
    return 0;
}

typedef struct {
    lx_leg *out;
    uint32_t cap, n;
} leg_sink;

static void sink_put(leg_sink *k, const lx_leg *l)
{
    if (k->n < k->cap)
        k->out[k->n] = *l;
    k->n++;
}

/* Emits every run of trip `trip` whose departure from stop time `from_pos` falls on
 * local date `day` at that station. */
static void emit_runs(const lx_tt *tt, uint32_t trip, uint32_t from_pos, uint32_t to_pos,
                      lx_date_t day, leg_sink *k)
{
    const lx_trip *tr = &tt->trips[trip];
    const lx_tz *ztz = tt->stations[tt->st_stop[from_pos]].tz;
    lx_date_t lo = day - (lx_date_t)tt->max_trip_span_days - 1, hi = day + 1;
    for (lx_date_t sd = lo; sd <= hi; sd++) {
        if (!lx_tt_service_runs(tt, tr->service, sd))
            continue;
        lx_leg leg = {trip, sd, 0, from_pos, to_pos, 0, 0};
        uint32_t nf = tr->freq_count ? tr->freq_count : 1;
        for (uint32_t f = 0; f < nf; f++) {
            lx_time_t start = 0, end = 1, step = 1;
            if (tr->freq_count) {
                const lx_frequency *fr = &tt->freqs[tr->freq_first + f];
                lx_time_t base = tt->st_dep[tr->st_first];
                start = fr->start - base;
                end = fr->end - base;
                step = fr->headway > 0 ? fr->headway : 1;
            }
            for (lx_time_t off = start; off < end; off += step) {
                leg.offset = off;
                leg.departure = lx_tt_st_instant(tt, &leg, from_pos, 1);
                lx_date_t local;
                int32_t secs;
                lx_tz_to_local(ztz, leg.departure, &local, &secs);
                if (local != day)
                    continue;
                leg.arrival = lx_tt_st_instant(tt, &leg, to_pos, 0);
                sink_put(k, &leg);
            }
        }
    }
}

static int leg_cmp(const void *a, const void *b)
{
    const lx_leg *x = a, *y = b;
    if (x->departure != y->departure)
        return x->departure < y->departure ? -1 : 1;
    if (x->arrival != y->arrival)
        return x->arrival < y->arrival ? -1 : 1;
    return x->trip < y->trip ? -1 : x->trip > y->trip;
}

uint32_t lx_tt_legs_between(const lx_tt *tt, const uint32_t *from, uint32_t n_from,
                            const uint32_t *to, uint32_t n_to, lx_date_t day, lx_leg *out,
                            uint32_t cap)
{
    leg_sink k = {out, cap, 0};
    for (uint32_t i = 0; i < n_from; i++) {
        uint32_t s = from[i];
        if (s >= tt->n_stations)
            continue;
        for (uint32_t c = tt->call_first[s]; c < tt->call_first[s + 1]; c++) {
            uint32_t trip = tt->calls[c].trip, pos = tt->calls[c].pos;
            const lx_trip *tr = &tt->trips[trip];
            uint32_t end = tr->st_first + tr->st_count;
            if (tt->st_pickup[pos] == 1)
                continue;
            for (uint32_t p = pos + 1; p < end; p++)
                if (in_set(tt->st_stop[p], to, n_to) && tt->st_dropoff[p] != 1) {
                    emit_runs(tt, trip, pos, p, day, &k);
                    break;
                }
        }
    }
    if (out && cap && k.n)
        qsort(out, k.n < cap ? k.n : cap, sizeof *out, leg_cmp);
    return k.n;
}

uint32_t lx_tt_departures(const lx_tt *tt, const uint32_t *at, uint32_t n_at, lx_date_t day,
                          lx_leg *out, uint32_t cap)
{
    leg_sink k = {out, cap, 0};
    for (uint32_t i = 0; i < n_at; i++) {
        uint32_t s = at[i];
        if (s >= tt->n_stations)
            continue;
        for (uint32_t c = tt->call_first[s]; c < tt->call_first[s + 1]; c++) {
            uint32_t trip = tt->calls[c].trip, pos = tt->calls[c].pos;
            const lx_trip *tr = &tt->trips[trip];
            uint32_t last = tr->st_first + tr->st_count - 1;
            if (pos == last || tt->st_pickup[pos] == 1)
                continue;
            emit_runs(tt, trip, pos, last, day, &k);
        }
    }
    if (out && cap && k.n)
        qsort(out, k.n < cap ? k.n : cap, sizeof *out, leg_cmp);
    return k.n;
}

uint32_t lx_tt_trip_runs(const lx_tt *tt, uint32_t trip, lx_date_t day, lx_leg *out, uint32_t cap)
{
    leg_sink k = {out, cap, 0};
    const lx_trip *tr = &tt->trips[trip];
    if (tr->st_count)
        emit_runs(tt, trip, tr->st_first, tr->st_first + tr->st_count - 1, day, &k);
    if (out && cap && k.n)
        qsort(out, k.n < cap ? k.n : cap, sizeof *out, leg_cmp);
    return k.n;
}

lx_err lx_tt_check(const lx_tt *tt, char *msg, size_t msg_len)
{
#define FAIL(...)                                                                          \
    do {                                                                                   \
        snprintf(msg, msg_len, __VA_ARGS__);                                               \
        return LX_INTERNAL;                                                                \
    } while (0)
    uint64_t covered = 0;
    for (uint32_t t = 0; t < tt->n_trips; t++) {
        const lx_trip *tr = &tt->trips[t];
        if (tr->route >= tt->n_routes || tr->service >= tt->n_services)
            FAIL("trip %s: bad route or service index", tr->id);
        if ((uint64_t)tr->st_first + tr->st_count > tt->n_st)
            FAIL("trip %s: stop times out of range", tr->id);
        if (t > 0 && tr->st_first != tt->trips[t - 1].st_first + tt->trips[t - 1].st_count)
            FAIL("trip %s: stop times not contiguous", tr->id);
        covered += tr->st_count;
        for (uint32_t k = 0; k < tr->st_count; k++) {
            uint32_t p = tr->st_first + k;
            if (tt->st_stop[p] >= tt->n_stations)
                FAIL("trip %s: bad stop index", tr->id);
            if (tt->st_arr[p] > tt->st_dep[p])
                FAIL("trip %s: departs before it arrives at stop %u", tr->id, k);
            if (k && tt->st_arr[p] < tt->st_dep[p - 1])
                FAIL("trip %s: time goes backwards at stop %u", tr->id, k);
            if (k && tt->st_seq[p] <= tt->st_seq[p - 1])
                FAIL("trip %s: stop_sequence not increasing at stop %u", tr->id, k);
        }
    }
    if (covered != tt->n_st)
        FAIL("%llu stop times belong to no trip", (unsigned long long)(tt->n_st - covered));
    for (uint32_t s = 0; s < tt->n_stations; s++) {
        if (!tt->stations[s].tz)
            FAIL("station %s has no time zone", tt->stations[s].id);
        for (uint32_t c = tt->call_first[s]; c < tt->call_first[s + 1]; c++)
            if (tt->st_stop[tt->calls[c].pos] != s)
                FAIL("station %s: call index points elsewhere", tt->stations[s].id);
    }
    if (tt->call_first[tt->n_stations] != tt->n_st)
        FAIL("call index covers %u of %u stop times", tt->call_first[tt->n_stations], tt->n_st);
    for (uint32_t l = 0; l < tt->n_layouts; l++) {
        uint32_t seats = 0;
        for (uint32_t c = 0; c < tt->layouts[l].coach_count; c++)
            seats += tt->coaches[tt->layouts[l].coach_first + c].seats;
        if (seats != tt->layouts[l].seats)
            FAIL("layout %s: %u seats in coaches, %u in total", tt->layouts[l].id, seats,
                 tt->layouts[l].seats);
    }
    for (uint32_t i = 0; i < tt->n_fare_types; i++)
        if (tt->fare_types[i].agency >= tt->n_agencies)
            FAIL("fare type %u (%.12s): bad agency index", i, tt->fare_types[i].fare_type);
    return LX_OK;
#undef FAIL
}
