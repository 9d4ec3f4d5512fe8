/* lanxang: the timetable of one railway (one GTFS feed plus lanxang's extensions).
 *
 * A lx_tt is built once by a loader (src/gtfs) and is read-only afterwards, so any
 * number of threads may query it at once without locks. All its strings live in one
 * arena owned by the lx_tt: every `const char *` it hands out is valid until
 * lx_tt_destroy and is never NULL (a missing value is ""). Ids are dense indexes
 * (uint32, LX_NONE for "none"): a feed with more than 4 billion of anything is not a
 * feed we can hold in memory anyway.
 *
 * Stop times are stored as parallel arrays (structure of arrays) in trip order, so a
 * trip's stops are one contiguous run: st_first .. st_first + st_count. Each station
 * also has the list of (trip, position) pairs that call there (query results are sorted
 * by departure), which makes "departures from a station" and "trains from A to B" a walk over
 * one short list.
 */
#ifndef LANXANG_TIMETABLE_H
#define LANXANG_TIMETABLE_H

#include <stddef.h>
#include <stdint.h>
#include "lanxang/error.h"
#include "lanxang/time.h"

#define LX_NONE UINT32_MAX

typedef struct lx_tt lx_tt;

typedef struct {
    const char *id, *name, *url, *timezone, *lang, *phone, *fare_url, *email;
    const lx_tz *tz;             /* resolved zone of agency_timezone */
} lx_agency;

typedef struct {
    const char *id, *code, *name, *desc, *zone_id, *url, *timezone, *platform_code;
    double lat, lon;             /* NAN when absent */
    uint32_t parent;             /* parent station, LX_NONE */
    uint8_t location_type;       /* 0 stop, 1 station, 2 entrance, 3 node, 4 boarding area */
    uint8_t wheelchair_boarding;
    char country[3];             /* ISO 3166 alpha-2 from lx_stations.txt, "" unknown */
    double km;                   /* chainage from lx_stations.txt, NAN unknown */
    int32_t change_time;         /* lx_stations.txt min_change_time: seconds to change
                                    trains here, -1 unknown (the planner's default) */
    int32_t border_time;         /* lx_stations.txt border_time: seconds of border control
                                    for a change here across a border, -1 unknown */
    const lx_tz *tz;             /* stop_timezone, else the parent's, else the feed's */
    uint32_t tr_first, tr_count; /* this stop's stop_name translations */
} lx_station;

typedef struct {
    const char *id, *short_name, *long_name, *desc, *url, *color, *text_color;
    uint32_t agency;
    int32_t type;
} lx_route;

typedef struct {
    const char *id, *headsign, *short_name, *block_id;
    uint32_t route, service;
    uint32_t st_first, st_count; /* run of stop times */
    uint32_t layout;             /* seat layout, LX_NONE */
    int8_t direction_id;         /* -1 absent */
    uint8_t wheelchair_accessible, bikes_allowed;
    uint32_t freq_first, freq_count; /* frequencies.txt rows of this trip */
} lx_trip;

typedef struct {
    const char *id;
    uint8_t has_calendar;
    uint8_t weekdays;            /* bit 0 = Monday .. bit 6 = Sunday */
    lx_date_t start, end;        /* calendar.txt range when has_calendar */
    uint32_t ex_first, ex_count; /* calendar_dates.txt rows, sorted by date */
    lx_date_t first_day;         /* first and last day the service runs; */
    lx_date_t last_day;          /* first_day > last_day when it never runs */
    uint32_t days_word;          /* bitmap of running days from first_day */
} lx_service;

typedef struct {
    lx_date_t date;
    uint8_t type;                /* 1 added, 2 removed */
} lx_service_exception;

typedef struct {
    uint32_t trip;
    lx_time_t start, end;
    int32_t headway;             /* seconds */
    uint8_t exact_times;
} lx_frequency;

typedef struct {
    uint32_t from_stop, to_stop, from_route, to_route, from_trip, to_trip;
    uint8_t type;                /* GTFS transfer_type 0..5 */
    int32_t min_transfer_time;   /* seconds, -1 absent */
} lx_transfer;

typedef struct {
    const char *table, *field, *lang, *translation, *record_id, *record_sub_id, *field_value;
} lx_translation;

typedef struct {
    const char *publisher_name, *publisher_url, *lang, *default_lang, *version,
        *contact_email, *contact_url;
    lx_date_t start, end;        /* LX_DATE_MIN - 1 when absent */
} lx_feed_info;

/* lanxang extensions: seat layouts, fares, sales rules and fare types (see
 * docs/gtfs-extensions.md) */
typedef struct {
    uint16_t coach;              /* coach number as painted on the car */
    const char *cls;             /* seat class: business, first, second, standard, ... */
    uint16_t seats;
    const char *letters;         /* letters of one row, e.g. "ABCDF" */
    const char *window_letters;  /* e.g. "AF" */
} lx_coach;

typedef struct {
    const char *id;
    uint32_t coach_first, coach_count;
    uint32_t seats;              /* total over the coaches */
} lx_layout;

typedef struct {
    uint32_t agency, from_stop, to_stop;  /* unordered pair */
    const char *cls;
    char currency[4];            /* ISO 4217 */
    int64_t amount;              /* in the currency's minor unit (fen for CNY, kip for LAK) */
} lx_fare;

typedef struct {
    uint32_t agency;
    const char *scope;           /* "domestic" or "cross_border" */
    int32_t open_days, close_minutes, hold_minutes, hold_minutes_near, near_minutes,
        max_passengers;
} lx_sales_rule;

/* A passenger fare type of one operator (lx_fare_types.txt): who may buy it, at what
 * share of the adult fare, and whether it brings a seat. The pricing and the rules that
 * use it are in lanxang/fares.h. */
typedef struct {
    uint32_t agency;             /* LX_NONE in the built-in defaults (lx_fare_defaults) */
    char fare_type[12];          /* adult, child, infant or student (lx_fare_type_valid) */
    int16_t min_age, max_age;    /* whole years on the day of travel, both inclusive;
                                    -1: no bound. A type with a bound needs a birth date */
    uint16_t percent;            /* of the adult fare, 0-100 */
    uint8_t seat;                /* 0: travels on a passenger's lap, without a seat */
} lx_fare_type;

/* A seat quota of one trip (lx_seat_quotas.txt). Quotas of one trip never share a seat:
 * the engine (lanxang/inv.h) assigns cross-border coaches first, then the long-distance
 * share from the seats left. */
typedef enum {
    LX_QUOTA_CROSS_BORDER = 1,   /* these coaches sell only journeys across a border */
    LX_QUOTA_LONG_DISTANCE = 2   /* a share kept for long journeys until a release time */
} lx_quota_kind;

typedef struct {
    uint32_t trip;
    uint8_t kind;                /* lx_quota_kind */
    const char *coaches;         /* cross_border: coach numbers, space-separated */
    int32_t share_pct;           /* long_distance: percent of each class's seats, 0-100 */
    int32_t min_km;              /* long_distance: journeys at least this long qualify */
    int32_t release_minutes;     /* long_distance: sold to anyone from this long before
                                    the train leaves its first stop */
} lx_quota;

/* ---- life cycle ---- */
void lx_tt_destroy(lx_tt *tt);

/* The name under which the feed was loaded ("china-laos", "lirr"), and the default
 * zone of its stop times (the agencies' zone). */
const char *lx_tt_feed_name(const lx_tt *tt);
const lx_tz *lx_tt_default_tz(const lx_tt *tt);
const lx_feed_info *lx_tt_feed_info(const lx_tt *tt); /* NULL when no feed_info.txt */

/* ---- tables: pointer to the first element and the count; valid until destroy ---- */
const lx_agency *lx_tt_agencies(const lx_tt *tt, uint32_t *n);
const lx_station *lx_tt_stations(const lx_tt *tt, uint32_t *n);
const lx_route *lx_tt_routes(const lx_tt *tt, uint32_t *n);
const lx_trip *lx_tt_trips(const lx_tt *tt, uint32_t *n);
const lx_service *lx_tt_services(const lx_tt *tt, uint32_t *n);
const lx_service_exception *lx_tt_service_exceptions(const lx_tt *tt, uint32_t *n);
const lx_frequency *lx_tt_frequencies(const lx_tt *tt, uint32_t *n);
const lx_transfer *lx_tt_transfers(const lx_tt *tt, uint32_t *n);
const lx_translation *lx_tt_translations(const lx_tt *tt, uint32_t *n);
const lx_layout *lx_tt_layouts(const lx_tt *tt, uint32_t *n);
const lx_coach *lx_tt_coaches(const lx_tt *tt, uint32_t *n);
const lx_fare *lx_tt_fares(const lx_tt *tt, uint32_t *n);
const lx_sales_rule *lx_tt_sales_rules(const lx_tt *tt, uint32_t *n);
const lx_fare_type *lx_tt_fare_types(const lx_tt *tt, uint32_t *n); /* in file order */
const lx_quota *lx_tt_quotas(const lx_tt *tt, uint32_t *n);  /* sorted by trip */

/* Stop times, as parallel arrays of lx_tt_stop_time_count() elements. */
uint32_t lx_tt_stop_time_count(const lx_tt *tt);
const uint32_t *lx_tt_st_stop(const lx_tt *tt);
const lx_time_t *lx_tt_st_arrival(const lx_tt *tt);
const lx_time_t *lx_tt_st_departure(const lx_tt *tt);
const uint8_t *lx_tt_st_pickup(const lx_tt *tt);   /* GTFS pickup_type */
const uint8_t *lx_tt_st_dropoff(const lx_tt *tt);  /* GTFS drop_off_type */
const uint32_t *lx_tt_st_sequence(const lx_tt *tt);
const char *const *lx_tt_st_headsign(const lx_tt *tt); /* NULL when the feed has none */

/* ---- lookups ---- */
/* By GTFS id: LX_NONE when absent. O(1) (hash). */
uint32_t lx_tt_station_by_id(const lx_tt *tt, const char *id);
uint32_t lx_tt_trip_by_id(const lx_tt *tt, const char *id);
/* A station's name in a language ("en", "lo", "zh", ...): the translation, else the
 * stop_name. Never NULL. */
const char *lx_tt_station_name(const lx_tt *tt, uint32_t station, const char *lang);
/* Whether the service runs on that date. */
int lx_tt_service_runs(const lx_tt *tt, uint32_t service, lx_date_t day);
/* The public train number: trip_short_name, else route_short_name, else trip_id. */
const char *lx_tt_train_number(const lx_tt *tt, uint32_t trip);
/* Trips whose public number or trip_id equals name (exact, case-insensitive), written
 * to out (up to cap); returns how many there are. */
uint32_t lx_tt_trips_by_number(const lx_tt *tt, const char *name, uint32_t *out, uint32_t cap);
/* The fare for (agency, a, b, class) in a currency (NULL = any); NULL if none. */
const lx_fare *lx_tt_fare(const lx_tt *tt, uint32_t agency, uint32_t a, uint32_t b,
                          const char *cls, const char *currency);
/* The fare of a journey of trip from station a to b in a class: the trip's operator's,
 * else any operator's (a through train's sections may be priced by each side's); at
 * each, between the stations, else their parent stations; in currency when given (only
 * that one), else the departure country's currency (CNY in China, LAK in Laos), else
 * any. NULL when there is none. Offers and the booking store price alike through it. */
const lx_fare *lx_tt_journey_fare(const lx_tt *tt, uint32_t trip, uint32_t a, uint32_t b,
                                  const char *cls, const char *currency);

/* The stations a name may stand for: the station itself and, for a parent station
 * (location_type 1), its child stops. Writes up to cap; returns the count. */
uint32_t lx_tt_station_group(const lx_tt *tt, uint32_t station, uint32_t *out, uint32_t cap);

/* ---- queries ---- */
/* One scheduled run of a trip between two of its stops on a service day. For a
 * frequency-based trip, offset is added to every time of the template. */
typedef struct {
    uint32_t trip;
    lx_date_t service_day;
    int32_t offset;              /* frequency shift in seconds, 0 for plain trips */
    uint32_t from_pos, to_pos;   /* stop time indexes (absolute, into the st_ arrays) */
    lx_instant_t departure, arrival;
} lx_leg;

/* All trips that leave one of the stations in `from` (n_from) on local date `day`
 * (in the departure station's zone), and later call at one of `to`, where passengers
 * may board and alight. Sorted by departure. Writes up to cap legs; returns how many
 * there are (call again with a larger buffer if it is more than cap). */
uint32_t lx_tt_legs_between(const lx_tt *tt, const uint32_t *from, uint32_t n_from,
                            const uint32_t *to, uint32_t n_to, lx_date_t day,
                            lx_leg *out, uint32_t cap);
/* Departures from the stations on local date `day`: legs whose to_pos is the trip's
 * last stop. Same buffer convention. */
uint32_t lx_tt_departures(const lx_tt *tt, const uint32_t *at, uint32_t n_at, lx_date_t day,
                          lx_leg *out, uint32_t cap);
/* The runs of a trip whose first departure falls on local date `day` at its first
 * stop (one for plain trips, one per frequency slot otherwise). Same convention. */
uint32_t lx_tt_trip_runs(const lx_tt *tt, uint32_t trip, lx_date_t day, lx_leg *out,
                         uint32_t cap);
/* The instant of stop time `pos` of a run (arrival or departure). */
lx_instant_t lx_tt_st_instant(const lx_tt *tt, const lx_leg *run, uint32_t pos, int departure);

/* Digits of the minor unit of an ISO 4217 currency: 0 for LAK, JPY, KRW, VND ...,
 * 2 for CNY, USD, EUR, THB and any other. Amounts are stored in minor units. */
int lx_currency_digits(const char *currency);

/* Consistency check of a loaded timetable (the invariants the queries rely on).
 * Returns LX_OK or LX_INTERNAL with a description in msg (msg_len bytes). */
lx_err lx_tt_check(const lx_tt *tt, char *msg, size_t msg_len);

#endif
