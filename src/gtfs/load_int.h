/* Shared state of the GTFS loader while one feed is read (load.c reads the standard
 * files, load_ext.c lanxang's extension files, table.c is the column/field layer
 * both use). */
#ifndef LX_GTFS_LOAD_INT_H
#define LX_GTFS_LOAD_INT_H

#include "lanxang/gtfs.h"
#include "../core/tt_int.h"
#include "csv.h"
#include "source.h"

typedef struct {
    const char *name;
    int required;
    int idx;        /* column index in the file, -1 when absent */
} lx_col;

/* One file being read. */
typedef struct {
    struct loader *l;
    const char *file;
    char *buf;
    size_t len;
    lx_csv csv;
    lx_col *cols;
    size_t n_cols;
    uint32_t n_header;
    uint32_t rows;
} lx_table;

typedef struct loader {
    lx_tt *tt;
    lx_report *r;
    lx_source *src;
    const lx_gtfs_opts *opts;
    lx_map agency_ids, route_ids, service_ids, layout_ids, station_ids, trip_ids;
    lx_vec agencies, stations, routes, trips, services, exceptions, freqs, transfers,
        translations, layouts, coaches, fares, rules, quotas;
    lx_vec ex_service;          /* service index of each exception, parallel */
    lx_vec parent_ids;          /* raw parent_station of each station */
    lx_map zone_names;          /* zone name -> index in tt->zones */
    int broken_stops, broken_trips, broken_routes, broken_services, broken_agencies;
} loader;

/* table.c */
int lx_table_open(loader *l, lx_table *t, const char *file, lx_col *cols, size_t n_cols,
                  int required);
int lx_table_next(lx_table *t);
void lx_table_close(lx_table *t);
const char *lx_field(const lx_table *t, int col);
uint32_t lx_field_len(const lx_table *t, int col);
int lx_has(const lx_table *t, int col);
/* reports missing_required_field when empty; returns whether present */
int lx_need(lx_table *t, int col);
const char *lx_str(lx_table *t, int col);  /* arena copy, "" when absent; NULL on OOM */
int lx_int(lx_table *t, int col, long lo, long hi, long dflt, lx_severity sev, long *out);
int lx_float(lx_table *t, int col, double lo, double hi, double *out);
int lx_gtime(lx_table *t, int col, lx_time_t *out);
int lx_gdate(lx_table *t, int col, lx_date_t *out);
void lx_notice_row(lx_table *t, lx_severity sev, const char *code, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* looks up a referenced id; reports foreign_key_violation when the id is not in map
 * (unless the referenced table is broken). Returns the index or LX_NONE. */
uint32_t lx_ref(lx_table *t, int col, const lx_map *map, const char *ref_file, int broken);
/* registers a primary key; reports duplicate_key. Returns 1 when new. */
int lx_key(lx_table *t, int col, lx_map *map, const char *key, uint32_t val);
/* resolves an IANA zone, reporting invalid_timezone; fixable names ("America/New
 * York") are repaired with a warning. NULL when unusable. */
const lx_tz *lx_zone(loader *l, lx_table *t, int col, lx_severity sev);
void lx_progress(loader *l, lx_table *t, int final);

/* load_ext.c */
lx_err lx_load_extensions(loader *l);

#endif
