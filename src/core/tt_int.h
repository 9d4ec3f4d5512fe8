/* The inside of a lx_tt, shared by the core (queries) and the loaders (src/gtfs),
 * which fill the tables and then call lx_tt_finalize to build the indexes. After
 * finalize nothing changes. */
#ifndef LX_CORE_TT_INT_H
#define LX_CORE_TT_INT_H

#include "lanxang/timetable.h"
#include "mem.h"

/* One call of a trip at a station, for the per-station index. */
typedef struct {
    uint32_t trip;
    uint32_t pos;        /* absolute stop time index */
} lx_call;

struct lx_tt {
    lx_arena strings;    /* every string of the timetable */
    const char *feed_name;
    const lx_tz *default_tz;
    lx_feed_info feed_info;
    int has_feed_info;

    lx_agency *agencies;     uint32_t n_agencies;
    lx_station *stations;    uint32_t n_stations;
    lx_route *routes;        uint32_t n_routes;
    lx_trip *trips;          uint32_t n_trips;
    lx_service *services;    uint32_t n_services;
    lx_service_exception *exceptions; uint32_t n_exceptions;
    lx_frequency *freqs;     uint32_t n_freqs;
    lx_transfer *transfers;  uint32_t n_transfers;
    lx_translation *translations; uint32_t n_translations;
    lx_layout *layouts;      uint32_t n_layouts;
    lx_coach *coaches;       uint32_t n_coaches;
    lx_fare *fares;          uint32_t n_fares;
    lx_sales_rule *rules;    uint32_t n_rules;
    lx_fare_type *fare_types; uint32_t n_fare_types;
    lx_quota *quotas;        uint32_t n_quotas;     /* sorted by trip */

    /* stop times, structure of arrays, n_st long, grouped by trip */
    uint32_t n_st;
    uint32_t *st_stop, *st_seq;
    lx_time_t *st_arr, *st_dep;
    uint8_t *st_pickup, *st_dropoff;
    const char **st_headsign;    /* NULL when no stop has a headsign */

    /* built by lx_tt_finalize */
    uint64_t *day_bits;          /* service running days, see lx_service.days_word */
    uint32_t n_day_words;
    uint32_t *call_first;        /* n_stations + 1 offsets into calls */
    lx_call *calls;              /* by station, then by departure time */
    uint32_t *tr_index;          /* translation indexes of stop names, by station */
    uint32_t *child_first;       /* n_stations + 1 offsets into children */
    uint32_t *children;
    uint32_t *fare_first;        /* n_stations + 1 offsets into fare_index: the fares */
    uint32_t *fare_index;        /*   by the lower of their two stops, in table order */
    lx_map station_ids, trip_ids;
    lx_tz **zones;               /* the zones stations and agencies point to; owned */
    uint32_t n_zones;
    uint32_t max_trip_span_days; /* how many days after its service day a trip can end */
};

/* Builds the indexes and the service bitmaps; the tables must be complete and their
 * cross references valid (the loader has checked them). */
lx_err lx_tt_finalize(lx_tt *tt);
/* An empty timetable with its arena ready. */
lx_err lx_tt_create_empty(const char *feed_name, lx_tt **out);

#endif
