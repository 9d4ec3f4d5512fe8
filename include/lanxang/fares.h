/* lanxang: passenger fare types and the fares of one order's passengers
 * (src/core/fares.c), pure functions of the operator's fare types, the adult fare of the
 * journey and the passengers.
 *
 * Fare types. Each operator (GTFS agency) lists its own in lx_fare_types.txt
 * (docs/gtfs-extensions.md); a type it does not list takes the built-in default, which
 * is China's 12306 rule:
 *   adult    100 %, any age
 *   child     50 %, age 0 to 13 (6 to under 14 must; under 6 may, to have a seat)
 *   infant     0 %, age 0 to 5, no seat of its own: on the lap of an adult or student
 *                   of the same order who has a seat, one infant each
 *   student   75 %, any age (12306: EMU second class; LCR's rule was not found)
 * Age is counted in whole years on the service day of travel from the birth date: a
 * passenger born on 2012-12-20 is 13 on 2026-12-19 and 14 on 2026-12-20 (one born on
 * 29 February turns a year older on 1 March in other years). A type with an age bound
 * needs the birth date.
 *
 * Rounding. A computed price (percent below 100) is rounded half up, exactly, to the
 * currency's step (lx_price_step): LAK to 1,000 kip; CNY to half a yuan the 12306 way
 * (a fractional part under 0.25 down to .00, 0.25 to under 0.75 to .50, from 0.75 up to
 * the next yuan); others to the minor unit. 100 % is the adult fare as it is. Amounts
 * are int64 in the currency's minor unit (fen: 750 = 7.50 CNY; kip: no minor unit).
 * The refund fee (lanxang/fees.h) rounds the same way, with these functions. */
#ifndef LANXANG_FARES_H
#define LANXANG_FARES_H

#include <stddef.h>
#include <stdint.h>
#include "lanxang/error.h"
#include "lanxang/time.h"
#include "lanxang/timetable.h"

#define LX_FARE_TYPE_COUNT 4 /* adult, child, infant, student */
#define LX_FARE_NO_LAP 0xFF  /* lx_pax_fare.lap_of of a passenger on no one's lap */
#define LX_FARE_MAX_PAX 254  /* passengers one call prices at most (lap_of is 8 bits) */
/* The largest adult fare lx_fare_order takes, exclusive: 10^15 minor units, so that
 * base * percent stays exact in int64. */
#define LX_FARE_MAX_BASE 1000000000000000LL

/* One passenger's fare, and how it was made. */
typedef struct {
    char fare_type[12]; /* adult, child, infant, student */
    int64_t base;       /* the adult fare of the journey, minor units; -1 unknown */
    int64_t amount;     /* this passenger's fare, rounded per currency; -1 unknown */
    uint16_t percent;   /* of base */
    int age;            /* whole years on the day of travel, -1 when no birth date */
    uint8_t seat;       /* 0: no seat of its own (infant) */
    uint8_t lap_of;     /* infant: index (0-based) of the passenger whose lap;
                           LX_FARE_NO_LAP for everyone else */
    char note[160];     /* how it was made, English, e.g. "child (age 9 on 2026-12-20):
                           50% of 198,000 LAK = 99,000 LAK" */
} lx_pax_fare;

/* Whether type is one of the fare types lanxang knows (adult, child, infant, student);
 * NULL and "" are not (they mean adult to lx_fare_order). */
int lx_fare_type_valid(const char *type);

/* The built-in defaults above, LX_FARE_TYPE_COUNT of them (agency LX_NONE). Static,
 * never NULL. */
const lx_fare_type *lx_fare_defaults(uint32_t *n);

/* An operator's fare types, one of each (LX_FARE_TYPE_COUNT, in the order adult, child,
 * infant, student): its rows of lx_fare_types.txt, the defaults for types it does not
 * list. agency LX_NONE (or one without rows): the defaults. Returns the count. */
uint32_t lx_fare_types_of(const lx_tt *tt, uint32_t agency, lx_fare_type out[LX_FARE_TYPE_COUNT]);

/* The fares of one order's n passengers, travelling on travel_day (the service day),
 * for an adult fare of base (minor units of currency; base < 0: unknown, then every
 * amount and *total are -1 but the rules are still checked). types[i] NULL or "" means
 * adult; births[i] NULL or "" means not given, else "YYYY-MM-DD"; either array may be
 * NULL (all adults / no birth dates). out has n elements; *total (may be NULL) gets
 * their sum.
 *   LX_OK     out[] and *total filled.
 *   LX_RULE   a passenger is refused: rule gets the rule's name, child_age or
 *             infant_age (<type>_age: the age is outside the type's bounds),
 *             birth_date_required, or infant_per_adult (more infants than adults and
 *             students with a seat to hold them), and msg a sentence naming the
 *             passenger (1-based) and what would do instead.
 *   LX_INVAL  an unknown fare type (rule "fare_type") or a birth date that is not a
 *             date or is after travel_day (rule "birth_date"); also n == 0 or above
 *             LX_FARE_MAX_PAX (rule "passengers").
 *   LX_RANGE  base >= LX_FARE_MAX_BASE (rule "base").
 * On an error *total is 0 and out[] is unspecified. rule (24 bytes) and msg (msg_len
 * bytes) may be NULL; they get "" on LX_OK. */
lx_err lx_fare_order(const lx_tt *tt, uint32_t agency, lx_date_t travel_day, int64_t base,
                     const char *currency, uint32_t n, const char *const types[],
                     const char *const births[], lx_pax_fare out[], int64_t *total, char rule[24],
                     char *msg, size_t msg_len);

/* The same with the operator's fare types given directly (n_rules rows, their agency
 * is ignored; a type not among them takes the default; NULL/0: all defaults). */
lx_err lx_fare_order_rules(const lx_fare_type *rules, uint32_t n_rules, lx_date_t travel_day,
                           int64_t base, const char *currency, uint32_t n,
                           const char *const types[], const char *const births[], lx_pax_fare out[],
                           int64_t *total, char rule[24], char *msg, size_t msg_len);

/* Whole years from birth to day (negative when day is before birth). */
int lx_age_on(lx_date_t birth, lx_date_t day);

/* ---- rounding, shared with the refund fee ---- */
/* The step prices are rounded to, in the currency's minor unit: 1000 for LAK, 50 for
 * CNY, else 1 (also for NULL). */
int64_t lx_price_step(const char *currency);
/* amount (minor units) rounded half up to the currency's step; a negative amount
 * (unknown) is returned as it is. */
int64_t lx_price_round(int64_t amount, const char *currency);
/* amount * percent / 100, exact (no rounding before the last step), rounded half up to
 * the currency's step. amount below LX_FARE_MAX_BASE, percent 0..100; a negative
 * amount is returned as it is. */
int64_t lx_price_percent(int64_t amount, int percent, const char *currency);

#endif
