/* lanxang: reading, validating and writing GTFS feeds.
 *
 * A feed is read whole: every file is validated while it is parsed, every problem
 * is recorded in a lx_report as a notice with a stable code (in the spirit of the
 * MobilityData GTFS validator), the file and the line. A feed with any notice of
 * severity error is refused: the loader returns LX_FEED and no timetable, so nothing
 * of it stays half-loaded. Warnings are kept in the report and the feed loads.
 */
#ifndef LANXANG_GTFS_H
#define LANXANG_GTFS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "lanxang/error.h"
#include "lanxang/timetable.h"

typedef enum { LX_SEV_INFO = 0, LX_SEV_WARNING = 1, LX_SEV_ERROR = 2 } lx_severity;

typedef struct {
    lx_severity severity;
    const char *code;     /* stable, snake_case, e.g. "foreign_key_violation" */
    const char *file;     /* "stop_times.txt", or "" for the feed as a whole */
    uint32_t line;        /* 1-based line in the file, 0 when not about a line */
    const char *field;    /* column name or "" */
    const char *message;  /* English sentence */
} lx_notice;

typedef struct lx_report lx_report;

lx_err lx_report_create(lx_report **out);
void lx_report_destroy(lx_report *r);
/* Adds a notice; printf-style message. At most LX_REPORT_KEEP notices of one code
 * are kept, the rest only counted. */
#define LX_REPORT_KEEP 100
void lx_report_add(lx_report *r, lx_severity sev, const char *code, const char *file,
                   uint32_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
uint32_t lx_report_count(const lx_report *r, lx_severity sev); /* including dropped ones */
/* The kept notices, in the order they were found; valid until the next add/destroy. */
const lx_notice *lx_report_notices(const lx_report *r, uint32_t *n);
/* How many notices of that code were found in all (kept or not). */
uint32_t lx_report_code_count(const lx_report *r, const char *code);
/* Human-readable report: one line per notice, "error stop_times.txt:12 [invalid_time]
 * departure_time: ...", then "N errors, N warnings". */
void lx_report_print(const lx_report *r, FILE *f, int with_info);
/* name for a severity: "info", "warning", "error" */
const char *lx_severity_name(lx_severity s);

/* One file of a feed held in memory (the built-in feed). */
typedef struct {
    const char *name;     /* "stops.txt" */
    const char *data;
    size_t len;
} lx_gtfs_file;

/* Progress of a long load: the file being read, bytes done of that file's size. */
typedef void (*lx_progress_fn)(void *ud, const char *file, size_t done, size_t total);

typedef struct {
    const char *feed_name;    /* name of the loaded timetable; default "feed" */
    lx_progress_fn progress;  /* may be NULL */
    void *progress_ud;
} lx_gtfs_opts;

/* Counts that a load ends with, for the summary. */
typedef struct {
    uint32_t agencies, stations, routes, trips, stop_times, services, transfers,
        frequencies, translations, layouts, fares;
    lx_date_t first_day, last_day; /* first and last day any service runs */
} lx_gtfs_summary;

/* Loads a feed from a directory or a .zip file at path. Problems go into r (which
 * must not be NULL). On LX_OK *out is a finalized timetable; on LX_FEED the report
 * has at least one error; other errors are I/O or memory. */
lx_err lx_gtfs_load_path(const char *path, const lx_gtfs_opts *opts, lx_report *r, lx_tt **out);
/* The same from files in memory. */
lx_err lx_gtfs_load_files(const lx_gtfs_file *files, size_t n, const lx_gtfs_opts *opts,
                          lx_report *r, lx_tt **out);
void lx_gtfs_summarize(const lx_tt *tt, lx_gtfs_summary *s);

/* Writes the timetable as a GTFS feed (and lanxang's extension files where it has
 * any) into the directory dir, which is created if missing. Files are written in
 * full and fsync'ed. */
lx_err lx_gtfs_write(const lx_tt *tt, const char *dir);

/* The China–Laos Railway feed built into the binary. */
const lx_gtfs_file *lx_builtin_feed(size_t *n);
/* Loads it under the name "china-laos". */
lx_err lx_builtin_load(lx_tt **out);

#endif
