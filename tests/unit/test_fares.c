/* Unit tests of passenger fare types (src/core/fares.c, lanxang/fares.h) and of
 * their file lx_fare_types.txt (src/gtfs/load_ext.c): the age bounds on the
 * exact days (the day before the 14th / 6th birthday and on it), infants on
 * laps, the birth date rules, the percentages, the rounding of LAK and CNY, the
 * notes; then tiny feeds through the loader: an operator without rows gets the
 * defaults, a row overrides a percent, bad rows are refused, and the rows
 * survive an export. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "lanxang/fares.h"
#include "lanxang/fees.h"

#define DAY lx_date_from_ymd(2026, 12, 20) /* the day of travel */

typedef struct {
  lx_err e;
  char rule[24];
  char msg[256];
  int64_t total;
  lx_pax_fare out[8];
} quote;

/* Prices an order of n passengers with the defaults (rules NULL) or a table. */
static lx_err order_rules(quote *q, const lx_fare_type *rules, uint32_t n_rules,
                          int64_t base, const char *cur, uint32_t n,
                          const char *const *types, const char *const *births) {
  memset(q, 0x5A, sizeof *q);
  q->e = lx_fare_order_rules(rules, n_rules, DAY, base, cur, n, types, births,
                             q->out, &q->total, q->rule, q->msg, sizeof q->msg);
  if (q->e == LX_OK) {
    assert_string_equal(q->rule, "");
    assert_string_equal(q->msg, "");
  } else {
    assert_true(strlen(q->msg) > 10);
    assert_int_equal(q->total, 0);
  }
  return q->e;
}

static lx_err order(quote *q, int64_t base, const char *cur, uint32_t n,
                    const char *const *types, const char *const *births) {
  return order_rules(q, NULL, 0, base, cur, n, types, births);
}

/* One passenger of a type and birth date: its amount, or -2 when refused. */
static int64_t one(int64_t base, const char *cur, const char *type,
                   const char *birth) {
  quote q;
  const char *t[] = {"adult", type}, *b[] = {NULL, birth};
  /* an adult comes along so that an infant has a lap */
  if (order(&q, base, cur, 2, t, b) != LX_OK)
    return -2;
  return q.out[1].amount;
}

static void expect_refused(quote *q, lx_err e, const char *rule,
                           const char *in_msg) {
  if (q->e != e || strcmp(q->rule, rule) != 0 ||
      (in_msg && !strstr(q->msg, in_msg)))
    fail_msg("expected %s/%s, got %s/%s: %s", lx_errcode(e), rule,
             lx_errcode(q->e), q->rule, q->msg);
}

static void test_child_age_boundary(void **state) {
  (void)state;
  quote q;
  /* 14th birthday on 2026-12-21: still 13 on the day of travel */
  const char *t[] = {"child"};
  const char *b13[] = {"2012-12-21"}, *b14[] = {"2012-12-20"};
  assert_int_equal(order(&q, 198000, "LAK", 1, t, b13), LX_OK);
  assert_int_equal(q.out[0].age, 13);
  assert_int_equal(q.out[0].amount, 99000);
  assert_int_equal(q.out[0].percent, 50);
  assert_int_equal(q.out[0].seat, 1);
  assert_int_equal(q.total, 99000);
  /* on the birthday: refused, and told to buy an adult ticket */
  assert_int_equal(order(&q, 198000, "LAK", 1, t, b14), LX_RULE);
  expect_refused(&q, LX_RULE, "child_age", "passenger 1");
  assert_non_null(strstr(q.msg, "adult"));
  /* a child under 6 may buy a child ticket with a seat */
  const char *b2[] = {"2024-06-01"};
  assert_int_equal(order(&q, 198000, "LAK", 1, t, b2), LX_OK);
  assert_int_equal(q.out[0].age, 2);
  assert_int_equal(q.out[0].seat, 1);
  assert_int_equal(q.out[0].amount, 99000);
}

static void test_infant_age_boundary(void **state) {
  (void)state;
  quote q;
  const char *t[] = {"adult", "infant"};
  const char *b5[] = {NULL, "2020-12-21"}, *b6[] = {NULL, "2020-12-20"};
  assert_int_equal(order(&q, 198000, "LAK", 2, t, b5), LX_OK);
  assert_int_equal(q.out[1].age, 5);
  assert_int_equal(q.out[1].amount, 0);
  assert_int_equal(q.out[1].seat, 0);
  assert_int_equal(q.out[1].lap_of, 0);
  assert_int_equal(q.out[0].lap_of, LX_FARE_NO_LAP);
  assert_int_equal(q.total, 198000);
  assert_int_equal(order(&q, 198000, "LAK", 2, t, b6), LX_RULE);
  expect_refused(&q, LX_RULE, "infant_age", "passenger 2");
  assert_non_null(strstr(q.msg, "child"));
}

static void test_infants_per_adult(void **state) {
  (void)state;
  quote q;
  const char *b[] = {NULL, "2024-01-01", "2025-01-01", NULL};
  const char *t1[] = {"adult", "infant", "infant"};
  assert_int_equal(order(&q, 198000, "LAK", 3, t1, b), LX_RULE);
  expect_refused(&q, LX_RULE, "infant_per_adult", "passenger 3");
  /* two adults (or an adult and a student) take one each, in order */
  const char *t2[] = {"adult", "infant", "infant", "student"};
  assert_int_equal(order(&q, 198000, "LAK", 4, t2, b), LX_OK);
  assert_int_equal(q.out[1].lap_of, 0);
  assert_int_equal(q.out[2].lap_of, 3);
  assert_int_equal(q.total, 198000 + 0 + 0 + 149000);
  /* a child is no lap */
  const char *t3[] = {"child", "infant"}, *b3[] = {"2016-01-01", "2024-01-01"};
  assert_int_equal(order(&q, 198000, "LAK", 2, t3, b3), LX_RULE);
  expect_refused(&q, LX_RULE, "infant_per_adult", "passenger 2");
  /* an infant alone */
  const char *t4[] = {"infant"}, *b4[] = {"2024-01-01"};
  assert_int_equal(order(&q, 198000, "LAK", 1, t4, b4), LX_RULE);
  expect_refused(&q, LX_RULE, "infant_per_adult", "passenger 1");
}

static void test_birth_dates(void **state) {
  (void)state;
  quote q;
  /* child and infant need one; a rule error comes before the lap check */
  const char *t1[] = {"adult", "infant"};
  assert_int_equal(order(&q, 198000, "LAK", 2, t1, NULL), LX_RULE);
  expect_refused(&q, LX_RULE, "birth_date_required", "passenger 2");
  const char *t2[] = {"child"}, *empty[] = {""};
  assert_int_equal(order(&q, 198000, "LAK", 1, t2, empty), LX_RULE);
  expect_refused(&q, LX_RULE, "birth_date_required", "passenger 1");
  /* malformed or impossible dates, and one after the day of travel */
  const char *bad[] = {"2020-02-30"};
  assert_int_equal(order(&q, 198000, "LAK", 1, t2, bad), LX_INVAL);
  expect_refused(&q, LX_INVAL, "birth_date", "2020-02-30");
  const char *bad2[] = {"20200101"};
  assert_int_equal(order(&q, 198000, "LAK", 1, t2, bad2), LX_INVAL);
  expect_refused(&q, LX_INVAL, "birth_date", NULL);
  const char *later[] = {"2026-12-21"};
  assert_int_equal(order(&q, 198000, "LAK", 1, t2, later), LX_INVAL);
  expect_refused(&q, LX_INVAL, "birth_date", "after");
  /* born on the day of travel: age 0, a child may travel */
  const char *today[] = {"2026-12-20"};
  assert_int_equal(order(&q, 198000, "LAK", 1, t2, today), LX_OK);
  assert_int_equal(q.out[0].age, 0);
  /* an adult's birth date is optional, and shown when given */
  const char *ta[] = {"adult", NULL}, *ba[] = {"1990-05-05", NULL};
  assert_int_equal(order(&q, 198000, "LAK", 2, ta, ba), LX_OK);
  assert_int_equal(q.out[0].age, 36);
  assert_int_equal(q.out[1].age, -1);
  assert_string_equal(q.out[1].fare_type, "adult");
  /* 29 February: a year older on 1 March */
  assert_int_equal(
      lx_age_on(lx_date_from_ymd(2012, 2, 29), lx_date_from_ymd(2026, 2, 28)),
      13);
  assert_int_equal(
      lx_age_on(lx_date_from_ymd(2012, 2, 29), lx_date_from_ymd(2026, 3, 1)),
      14);
  assert_int_equal(
      lx_age_on(lx_date_from_ymd(2012, 2, 29), lx_date_from_ymd(2016, 2, 29)),
      4);
}

static void test_fare_types(void **state) {
  (void)state;
  quote q;
  assert_true(lx_fare_type_valid("adult") && lx_fare_type_valid("child") &&
              lx_fare_type_valid("infant") && lx_fare_type_valid("student"));
  assert_false(lx_fare_type_valid(NULL) || lx_fare_type_valid("") ||
               lx_fare_type_valid("senior") || lx_fare_type_valid("Adult"));
  const char *t[] = {"adult", "senior"};
  assert_int_equal(order(&q, 198000, "LAK", 2, t, NULL), LX_INVAL);
  expect_refused(&q, LX_INVAL, "fare_type", "passenger 2");
  /* NULL types: all adults */
  assert_int_equal(order(&q, 198000, "LAK", 3, NULL, NULL), LX_OK);
  assert_int_equal(q.total, 3 * 198000);
  assert_int_equal(order(&q, 198000, "LAK", 0, NULL, NULL), LX_INVAL);
  expect_refused(&q, LX_INVAL, "passengers", NULL);
}

static void test_lak(void **state) {
  (void)state;
  assert_int_equal(one(198000, "LAK", "child", "2017-01-01"), 99000);
  assert_int_equal(one(198000, "LAK", "student", NULL),
                   148500 + 500); /* 148,500 up */
  assert_int_equal(one(333000, "LAK", "child", "2017-01-01"),
                   167000); /* 166,500 up */
  assert_int_equal(one(279000, "LAK", "child", "2017-01-01"),
                   140000); /* 139,500 up */
  assert_int_equal(one(103000, "LAK", "student", NULL),
                   77000); /* 77,250 down */
  assert_int_equal(one(350000, "LAK", "adult", NULL), 350000);
  /* 100 %: the adult fare as it is, even off the step */
  assert_int_equal(one(350400, "LAK", "adult", NULL), 350400);
  assert_int_equal(one(198000, "LAK", "infant", "2024-01-01"), 0);
}

static void test_cny(void **state) {
  (void)state;
  assert_int_equal(one(47000, "CNY", "child", "2017-01-01"),
                   23500); /* 470.00 -> 235.00 */
  assert_int_equal(one(2900, "CNY", "student", NULL),
                   2200); /* 21.75 -> 22.00 */
  assert_int_equal(one(4650, "CNY", "student", NULL),
                   3500); /* 34.875 -> 35.00 */
  assert_int_equal(one(2900, "CNY", "child", "2017-01-01"),
                   1450); /* 14.50 stays */
  assert_int_equal(one(4900, "CNY", "student", NULL),
                   3700); /* 36.75 -> 37.00 */
  assert_int_equal(one(4500, "CNY", "student", NULL),
                   3400); /* 33.75 -> 34.00 */
  assert_int_equal(one(4300, "CNY", "student", NULL),
                   3250); /* 32.25 -> 32.50 */
  assert_int_equal(one(3300, "CNY", "student", NULL),
                   2500); /* 24.75 -> 25.00 */
  assert_int_equal(one(4100, "CNY", "child", "2017-01-01"), 2050); /* 20.50 */
  assert_int_equal(one(4150, "CNY", "child", "2017-01-01"),
                   2100); /* 20.75 -> 21.00 */
  assert_int_equal(one(4050, "CNY", "child", "2017-01-01"),
                   2050); /* 20.25 -> 20.50 */
  assert_int_equal(one(7700, "CNY", "student", NULL),
                   5800); /* 57.75 -> 58.00 */
  assert_int_equal(one(7650, "CNY", "student", NULL),
                   5750); /* 57.375 -> 57.50 */
  assert_int_equal(one(7630, "CNY", "student", NULL),
                   5700); /* 57.225 -> 57.00 */
  /* another currency: to the minor unit, half up */
  assert_int_equal(one(1235, "USD", "child", "2017-01-01"), 618);
  assert_int_equal(one(1235, NULL, "child", "2017-01-01"), 618);
}

static void test_rounding_functions(void **state) {
  (void)state;
  assert_int_equal(lx_price_step("LAK"), 1000);
  assert_int_equal(lx_price_step("CNY"), 50);
  assert_int_equal(lx_price_step("USD"), 1);
  assert_int_equal(lx_price_step(NULL), 1);
  assert_int_equal(lx_fee_step("LAK"), lx_price_step("LAK"));
  assert_int_equal(lx_fee_step("CNY"), lx_price_step("CNY"));
  assert_int_equal(lx_price_round(166500, "LAK"), 167000);
  assert_int_equal(lx_price_round(166499, "LAK"), 166000);
  assert_int_equal(lx_price_round(2124, "CNY"), 2100);
  assert_int_equal(lx_price_round(2125, "CNY"), 2150);
  assert_int_equal(lx_price_round(2174, "CNY"), 2150);
  assert_int_equal(lx_price_round(2175, "CNY"), 2200);
  assert_int_equal(lx_price_round(-1, "CNY"), -1);
  assert_int_equal(lx_price_percent(4650, 75, "CNY"), 3500);
  assert_int_equal(lx_price_percent(-1, 75, "CNY"), -1);
  assert_int_equal(lx_price_percent(3, 50, NULL), 2); /* 1.5 up */
}

static void test_unknown_base(void **state) {
  (void)state;
  quote q;
  const char *t[] = {"adult", "child", "infant"};
  const char *b[] = {NULL, "2017-01-01", "2024-01-01"};
  assert_int_equal(order(&q, -1, "LAK", 3, t, b), LX_OK);
  assert_int_equal(q.total, -1);
  assert_int_equal(q.out[0].amount, -1);
  assert_int_equal(q.out[1].amount, -1);
  assert_int_equal(q.out[1].base, -1);
  assert_string_equal(
      q.out[1].note,
      "child (age 9 on 2026-12-20): 50% of the adult fare (not known)");
  /* the rules still hold */
  const char *b2[] = {NULL, "2010-01-01", "2024-01-01"};
  assert_int_equal(order(&q, -1, "LAK", 3, t, b2), LX_RULE);
  expect_refused(&q, LX_RULE, "child_age", NULL);
}

static void test_notes(void **state) {
  (void)state;
  quote q;
  const char *t[] = {"adult", "child", "infant", "student"};
  const char *b[] = {NULL, "2017-06-01", "2024-03-01", NULL};
  assert_int_equal(order(&q, 198000, "LAK", 4, t, b), LX_OK);
  assert_string_equal(q.out[0].note,
                      "adult: 100% of 198,000 LAK = 198,000 LAK");
  assert_string_equal(
      q.out[1].note,
      "child (age 9 on 2026-12-20): 50% of 198,000 LAK = 99,000 LAK");
  assert_string_equal(
      q.out[2].note,
      "infant (age 2 on 2026-12-20): free, no seat, on passenger 1's lap");
  assert_string_equal(
      q.out[3].note,
      "student: 75% of 198,000 LAK = 148,500 LAK, rounded to 149,000 LAK");
  assert_int_equal(q.total, 198000 + 99000 + 0 + 149000);
  const char *t2[] = {"student", "child"}, *b2[] = {NULL, "2017-06-01"};
  assert_int_equal(order(&q, 4650, "CNY", 2, t2, b2), LX_OK);
  assert_string_equal(
      q.out[0].note,
      "student: 75% of 46.50 CNY = 34.875 CNY, rounded to 35.00 CNY");
  assert_string_equal(q.out[1].note,
                      "child (age 9 on 2026-12-20): 50% of 46.50 CNY = 23.25 "
                      "CNY, rounded to 23.50 CNY");
  assert_int_equal(order(&q, 123456789, "CNY", 1, NULL, NULL), LX_OK);
  assert_string_equal(q.out[0].note,
                      "adult: 100% of 1,234,567.89 CNY = 1,234,567.89 CNY");
}

/* An operator's own table: a type it lists replaces the default, the others
 * stay. */
static void test_rule_table(void **state) {
  (void)state;
  quote q;
  const lx_fare_type rules[] = {
      {0, "child", 0, 11, 40, 1},    /* children to 11 only, 40 % */
      {0, "infant", 0, 2, 10, 0},    /* infants to 2, 10 % */
      {0, "student", 18, -1, 80, 1}, /* students from 18, 80 % */
  };
  const char *t[] = {"adult", "child", "infant", "student"};
  const char *b[] = {NULL, "2015-01-01", "2025-01-01", "2000-01-01"};
  assert_int_equal(order_rules(&q, rules, 3, 198000, "LAK", 4, t, b), LX_OK);
  assert_int_equal(q.out[0].amount, 198000);
  assert_int_equal(q.out[1].amount, 79000);  /* 79,200 */
  assert_int_equal(q.out[2].amount, 20000);  /* 19,800 */
  assert_int_equal(q.out[3].amount, 158000); /* 158,400 */
  assert_string_equal(
      q.out[2].note, "infant (age 1 on 2026-12-20): 10% of 198,000 LAK = "
                     "19,800 LAK, rounded to 20,000 LAK, no seat, on passenger "
                     "1's lap");
  const char *b12[] = {NULL, "2014-01-01", "2025-01-01", "2000-01-01"};
  assert_int_equal(order_rules(&q, rules, 3, 198000, "LAK", 4, t, b12),
                   LX_RULE);
  expect_refused(&q, LX_RULE, "child_age", "ages 0 to 11");
  /* a student needs a birth date here (a bound), and must be 18 */
  const char *bs[] = {NULL, "2015-01-01", "2025-01-01", NULL};
  assert_int_equal(order_rules(&q, rules, 3, 198000, "LAK", 4, t, bs), LX_RULE);
  expect_refused(&q, LX_RULE, "birth_date_required", "passenger 4");
  const char *by[] = {NULL, "2015-01-01", "2025-01-01", "2010-01-01"};
  assert_int_equal(order_rules(&q, rules, 3, 198000, "LAK", 4, t, by), LX_RULE);
  expect_refused(&q, LX_RULE, "student_age", "ages from 18");
  /* an infant of 4 is a child here */
  const char *b4[] = {NULL, "2015-01-01", "2022-06-01", "2000-01-01"};
  assert_int_equal(order_rules(&q, rules, 3, 198000, "LAK", 4, t, b4), LX_RULE);
  expect_refused(&q, LX_RULE, "infant_age", "buy the child fare");
}

/* ---- through the loader ---- */

static const char AGENCY[] =
    "agency_id,agency_name,agency_url,agency_timezone\n"
    "own,Own Rules,https://own.example,Asia/Vientiane\n"
    "plain,No Rows,https://plain.example,Asia/Vientiane\n";
static const char STOPS[] = "stop_id,stop_name,stop_lat,stop_lon\n"
                            "a,A,18.0,102.6\n"
                            "b,B,19.9,102.1\n";
static const char ROUTES[] = "route_id,agency_id,route_short_name,route_type\n"
                             "r1,own,D1,2\n"
                             "r2,plain,D2,2\n";
static const char TRIPS[] = "route_id,service_id,trip_id\n"
                            "r1,s,t1\n"
                            "r2,s,t2\n";
static const char STOP_TIMES[] =
    "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "t1,08:00:00,08:00:00,a,1\n"
    "t1,10:00:00,10:00:00,b,2\n"
    "t2,09:00:00,09:00:00,a,1\n"
    "t2,11:00:00,11:00:00,b,2\n";
static const char CALENDAR[] = "service_id,monday,tuesday,wednesday,thursday,"
                               "friday,saturday,sunday,start_date,end_date\n"
                               "s,1,1,1,1,1,1,1,20260101,20271231\n";

#define FILE_(n, t)                                                            \
  { n, t, sizeof(t) - 1 }

static lx_err load_with(const char *fare_types, lx_report **r, lx_tt **tt) {
  lx_gtfs_file files[] = {
      FILE_("agency.txt", AGENCY),
      FILE_("stops.txt", STOPS),
      FILE_("routes.txt", ROUTES),
      FILE_("trips.txt", TRIPS),
      FILE_("stop_times.txt", STOP_TIMES),
      FILE_("calendar.txt", CALENDAR),
      {"lx_fare_types.txt", fare_types, fare_types ? strlen(fare_types) : 0},
  };
  lx_gtfs_opts opts = {.feed_name = "fares"};
  return fx_try_load(files, fare_types ? 7 : 6, &opts, r, tt);
}

static uint32_t agency_index(const lx_tt *tt, const char *id) {
  uint32_t n;
  const lx_agency *a = lx_tt_agencies(tt, &n);
  for (uint32_t i = 0; i < n; i++)
    if (strcmp(a[i].id, id) == 0)
      return i;
  fail_msg("no agency %s", id);
  return LX_NONE;
}

static void test_feed_rows(void **state) {
  (void)state;
  lx_report *r;
  lx_tt *tt;
  const char *ft = "agency_id,fare_type,min_age,max_age,percent,seat\n"
                   "own,child,,11,40,1\n"
                   "own,student,,,60,1\n";
  assert_int_equal(load_with(ft, &r, &tt), LX_OK);
  assert_int_equal(lx_report_count(r, LX_SEV_WARNING), 0);
  assert_null(fx_find_notice(r, "unknown_file"));
  uint32_t n;
  const lx_fare_type *rows = lx_tt_fare_types(tt, &n);
  assert_int_equal(n, 2);
  assert_string_equal(rows[0].fare_type, "child");
  assert_int_equal(rows[0].min_age, -1);
  assert_int_equal(rows[0].max_age, 11);
  char msg[64];
  assert_int_equal(lx_tt_check(tt, msg, sizeof msg), LX_OK);

  uint32_t own = agency_index(tt, "own"), plain = agency_index(tt, "plain");
  lx_fare_type eff[LX_FARE_TYPE_COUNT];
  assert_int_equal(lx_fare_types_of(tt, own, eff), LX_FARE_TYPE_COUNT);
  assert_string_equal(eff[0].fare_type, "adult");
  assert_int_equal(eff[1].percent, 40);
  assert_int_equal(eff[2].percent, 0); /* infant: the default */
  assert_int_equal(eff[3].percent, 60);

  const char *t[] = {"adult", "child", "student", "infant"};
  const char *b[] = {NULL, "2017-01-01", NULL, "2024-01-01"};
  lx_pax_fare out[4];
  int64_t total;
  char rule[24], m[200];
  /* the operator's own percentages */
  assert_int_equal(lx_fare_order(tt, own, DAY, 198000, "LAK", 4, t, b, out,
                                 &total, rule, m, sizeof m),
                   LX_OK);
  assert_int_equal(out[1].amount, 79000);
  assert_int_equal(out[2].amount, 119000); /* 118,800 */
  assert_int_equal(out[3].amount, 0);
  assert_int_equal(total, 198000 + 79000 + 119000);
  /* the other operator has no rows: the defaults */
  assert_int_equal(lx_fare_order(tt, plain, DAY, 198000, "LAK", 4, t, b, out,
                                 &total, rule, m, sizeof m),
                   LX_OK);
  assert_int_equal(out[1].amount, 99000);
  assert_int_equal(out[2].amount, 149000);
  /* a 12-year-old is a child of plain, not of own */
  const char *b12[] = {NULL, "2014-01-01", NULL, "2024-01-01"};
  assert_int_equal(lx_fare_order(tt, own, DAY, 198000, "LAK", 4, t, b12, out,
                                 &total, rule, m, sizeof m),
                   LX_RULE);
  assert_string_equal(rule, "child_age");
  assert_int_equal(lx_fare_order(tt, plain, DAY, 198000, "LAK", 4, t, b12, out,
                                 &total, rule, m, sizeof m),
                   LX_OK);

  /* written back out and read again, the rows are the same */
  char *dir = fx_tmpdir("fares");
  lx_tt *back = fx_write_and_reload(tt, dir);
  char *text = fx_read_file(dir, "lx_fare_types.txt");
  assert_non_null(text);
  assert_string_equal(text, ft);
  uint32_t nb;
  const lx_fare_type *rb = lx_tt_fare_types(back, &nb);
  assert_int_equal(nb, n);
  assert_memory_equal(rb, rows, n * sizeof *rows);
  free(text);
  lx_tt_destroy(back);
  fx_rm_tree(dir);
  free(dir);
  lx_tt_destroy(tt);
  lx_report_destroy(r);

  /* without the file: no rows, nothing written */
  assert_int_equal(load_with(NULL, &r, &tt), LX_OK);
  lx_tt_fare_types(tt, &n);
  assert_int_equal(n, 0);
  assert_int_equal(lx_fare_order(tt, agency_index(tt, "own"), DAY, 198000,
                                 "LAK", 4, t, b, out, &total, rule, m,
                                 sizeof m),
                   LX_OK);
  assert_int_equal(out[1].amount, 99000);
  lx_tt_destroy(tt);
  lx_report_destroy(r);
}

static void expect_bad_row(const char *row, const char *code, const char *field,
                           uint32_t line) {
  char text[256];
  snprintf(text, sizeof text,
           "agency_id,fare_type,min_age,max_age,percent,seat\n%s\n", row);
  lx_report *r;
  lx_tt *tt;
  lx_err e = load_with(text, &r, &tt);
  const lx_notice *n = fx_find_notice(r, code);
  if (e != LX_FEED || !n) {
    lx_report_print(r, stderr, 1);
    fail_msg("row '%s': expected %s", row, code);
  }
  assert_string_equal(n->file, "lx_fare_types.txt");
  assert_int_equal(n->line, line);
  if (field)
    assert_string_equal(n->field, field);
  assert_null(tt);
  lx_report_destroy(r);
}

static void test_feed_bad_rows(void **state) {
  (void)state;
  expect_bad_row("own,senior,65,,50,1", "unexpected_enum_value", "fare_type",
                 2);
  expect_bad_row("nobody,child,,13,50,1", "foreign_key_violation", "agency_id",
                 2);
  expect_bad_row("own,child,,13,150,1", "number_out_of_range", "percent", 2);
  expect_bad_row("own,child,,13,half,1", "invalid_integer", "percent", 2);
  expect_bad_row("own,child,,13,,1", "missing_required_field", "percent", 2);
  expect_bad_row("own,child,14,13,50,1", "invalid_value", "min_age", 2);
  expect_bad_row("own,child,,-1,50,1", "number_out_of_range", "max_age", 2);
  expect_bad_row("own,child,,13,50,2", "number_out_of_range", "seat", 2);
  expect_bad_row("own,adult,,,100,0", "invalid_value", "seat", 2);
  expect_bad_row("own,child,,13,50,1\nown,child,,12,50,1", "duplicate_key",
                 "fare_type", 3);

  /* an infant with a seat loads, with a warning */
  lx_report *r;
  lx_tt *tt;
  assert_int_equal(
      load_with("agency_id,fare_type,min_age,max_age,percent,seat\n"
                "own,infant,,1,10,1\n",
                &r, &tt),
      LX_OK);
  assert_non_null(fx_find_notice(r, "infant_with_seat"));
  lx_pax_fare out[1];
  const char *t[] = {"infant"}, *b[] = {"2026-01-01"};
  assert_int_equal(lx_fare_order(tt, agency_index(tt, "own"), DAY, 198000,
                                 "LAK", 1, t, b, out, NULL, NULL, NULL, 0),
                   LX_OK);
  assert_int_equal(out[0].seat, 1);
  assert_int_equal(out[0].amount, 20000);
  lx_tt_destroy(tt);
  lx_report_destroy(r);
}

/* The built-in feed: both operators list the 12306 rule. */
static void test_builtin(void **state) {
  (void)state;
  lx_tt *tt;
  assert_int_equal(lx_builtin_load(&tt), LX_OK);
  const char *ids[] = {"crkg", "lcr"};
  for (size_t k = 0; k < 2; k++) {
    uint32_t n, mine = 0, ag = agency_index(tt, ids[k]);
    const lx_fare_type *rows = lx_tt_fare_types(tt, &n);
    for (uint32_t i = 0; i < n; i++)
      mine += rows[i].agency == ag;
    assert_int_equal(mine, LX_FARE_TYPE_COUNT);
    lx_fare_type eff[LX_FARE_TYPE_COUNT];
    lx_fare_types_of(tt, ag, eff);
    assert_int_equal(eff[0].percent, 100);
    assert_int_equal(eff[1].percent, 50);
    assert_int_equal(eff[1].max_age, 13);
    assert_int_equal(eff[2].percent, 0);
    assert_int_equal(eff[2].max_age, 5);
    assert_int_equal(eff[2].seat, 0);
    assert_int_equal(eff[3].percent, 75);
  }
  lx_tt_destroy(tt);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_child_age_boundary),
      cmocka_unit_test(test_infant_age_boundary),
      cmocka_unit_test(test_infants_per_adult),
      cmocka_unit_test(test_birth_dates),
      cmocka_unit_test(test_fare_types),
      cmocka_unit_test(test_lak),
      cmocka_unit_test(test_cny),
      cmocka_unit_test(test_rounding_functions),
      cmocka_unit_test(test_unknown_base),
      cmocka_unit_test(test_notes),
      cmocka_unit_test(test_rule_table),
      cmocka_unit_test(test_feed_rows),
      cmocka_unit_test(test_feed_bad_rows),
      cmocka_unit_test(test_builtin),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
