/* lanxang: dates, times of day, instants and time zones.
 *
 * Ranges and reasoning:
 *  - lx_date_t: a civil (calendar) date as days since 1970-01-01. int32 covers any
 *    date a timetable can hold; GTFS dates are 8 digits, so years 0000..9999 only,
 *    and we accept 1900..2199 (lx_date_parse refuses anything else).
 *  - lx_time_t: a GTFS time of day, seconds after "noon minus 12 h" of the service
 *    day (which is midnight except on DST change days). It can pass 24:00:00 for trains
 *    running after midnight; we accept up to 167:59:59 (a week) so that a long-distance
 *    train or a frequency-based expansion never wraps. LX_TIME_NONE marks a missing
 *    time (an untimed stop in GTFS).
 *  - lx_instant_t: seconds since the Unix epoch, UTC. int64.
 *
 * The core never reads the clock or the zoneinfo files: time is passed in, and a
 * lx_tz is built from the bytes of a TZif file (RFC 8536) by whoever can read files
 * (src/gtfs/tzdb.c), or as a fixed offset.
 */
#ifndef LANXANG_TIME_H
#define LANXANG_TIME_H

#include <stddef.h>
#include <stdint.h>
#include "lanxang/error.h"

typedef int32_t lx_date_t;
typedef int32_t lx_time_t;
typedef int64_t lx_instant_t;

#define LX_TIME_NONE INT32_MIN
#define LX_TIME_MAX (168 * 3600 - 1)
#define LX_DATE_MIN (-25567) /* 1900-01-01 */
#define LX_DATE_MAX 84005    /* 2199-12-31 */
#define LX_INSTANT_MAX INT64_MAX

/* Civil date <-> days since epoch (proleptic Gregorian). */
lx_date_t lx_date_from_ymd(int y, int m, int d);
void lx_date_to_ymd(lx_date_t day, int *y, int *m, int *d);
/* 0 = Monday .. 6 = Sunday (the order of GTFS calendar.txt columns). */
int lx_date_weekday(lx_date_t day);
/* Parses "YYYY-MM-DD" (dash = 1) or "YYYYMMDD" (dash = 0), len bytes, not
 * NUL-terminated. Refuses impossible dates (2026-02-30). */
lx_err lx_date_parse(const char *s, size_t len, int dash, lx_date_t *out);
/* Writes "YYYY-MM-DD" (dash) or "YYYYMMDD" into buf, NUL-terminated; buf >= 11 bytes. */
void lx_date_format(lx_date_t day, int dash, char *buf);

/* Parses a GTFS time "H:MM:SS" or "HH:MM:SS" (also "HH:MM" when allow_hm).
 * Hours may exceed 23 up to LX_TIME_MAX. */
lx_err lx_time_parse(const char *s, size_t len, int allow_hm, lx_time_t *out);
/* Writes "HH:MM:SS" (hours may exceed 24); buf >= 10 bytes. */
void lx_time_format(lx_time_t t, char *buf);

/* ---- time zones ---- */
typedef struct lx_tz lx_tz;

/* Builds a zone from the bytes of a TZif file (versions 1 to 4; the 64-bit data of v2+
 * and its POSIX TZ footer for instants after the last transition). name is copied. */
lx_err lx_tz_from_tzif(const char *name, const void *data, size_t len, lx_tz **out);
/* A zone with one fixed offset (seconds east of UTC), e.g. for "UTC". */
lx_err lx_tz_fixed(const char *name, int32_t utc_offset, lx_tz **out);
void lx_tz_destroy(lx_tz *tz);
/* The IANA name, valid until lx_tz_destroy. */
const char *lx_tz_name(const lx_tz *tz);
/* UTC offset in seconds in force at the instant t. */
int32_t lx_tz_offset_at(const lx_tz *tz, lx_instant_t t);
/* The instant of local wall-clock time secs (0..86399, may be outside) on date day.
 * For a local time that does not exist (spring forward) the offset in force before
 * the gap is used; for an ambiguous one (fall back) the earlier instant. */
lx_instant_t lx_tz_local_to_instant(const lx_tz *tz, lx_date_t day, int32_t secs);
/* The instant of a GTFS stop time: "noon minus 12 h" of the service day, plus t. */
lx_instant_t lx_tz_service_instant(const lx_tz *tz, lx_date_t service_day, lx_time_t t);
/* Splits an instant into the local date and seconds after local midnight, and
 * returns the offset used. */
int32_t lx_tz_to_local(const lx_tz *tz, lx_instant_t t, lx_date_t *day, int32_t *secs);
/* Formats t as ISO 8601 in the zone, "2026-12-20T08:08:00+08:00"; buf >= 26 bytes. */
void lx_tz_format_iso(const lx_tz *tz, lx_instant_t t, char *buf);
/* Formats an offset as "+08:00" (buf >= 7) — the zone mark shown next to times. */
void lx_format_offset(int32_t utc_offset, char *buf);

#endif
