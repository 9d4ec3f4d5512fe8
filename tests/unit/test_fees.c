/* Unit tests of the refund fee (src/core/fees.c, lanxang/fees.h): every bracket at its
 * boundaries (exactly 8 days, 8 days minus 1 s, 48 h, 48 h - 1 s, 24 h, 24 h - 1 s,
 * departure, departure + 1 s), the rounding to the minor unit, and how long a quote
 * holds. Links lanxang_core alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lanxang/fees.h"

#define H 3600
#define D (24 * H)
#define DEP ((lx_instant_t)1797728400) /* 2026-12-20T08:00:00+07:00 */

static void quote_in(const char *cur, int64_t price, lx_instant_t before, int percent,
                     int64_t fee)
{
    lx_refund_quote q;
    assert_int_equal(lx_refund_quote_at(price, cur, DEP, DEP - before, &q), LX_OK);
    assert_int_equal(q.percent, percent);
    assert_int_equal(q.fee, fee);
    assert_int_equal(q.fee + q.amount, price);
}

/* in the minor unit (no rounding step) */
static void quote(int64_t price, lx_instant_t before, int percent, int64_t fee)
{
    quote_in(NULL, price, before, percent, fee);
}

static void test_brackets(void **state)
{
    (void)state;
    quote(350000, 30 * D, 0, 0);
    quote(350000, 8 * D, 0, 0);
    quote(350000, 8 * D - 1, 5, 17500);
    quote(350000, 48 * H, 5, 17500);
    quote(350000, 48 * H - 1, 10, 35000);
    quote(350000, 24 * H, 10, 35000);
    quote(350000, 24 * H - 1, 20, 70000);
    quote(350000, 1, 20, 70000);
    quote(350000, 0, 20, 70000); /* the second of departure */
}

static void test_after_departure(void **state)
{
    (void)state;
    lx_refund_quote q;
    assert_int_equal(lx_refund_quote_at(350000, "LAK", DEP, DEP + 1, &q), LX_CLOSED);
    assert_int_equal(lx_refund_quote_at(350000, "LAK", DEP, DEP + 30 * D, &q), LX_CLOSED);
    assert_int_equal(lx_refund_quote_at(-1, "LAK", DEP, DEP - 30 * D, &q), LX_INVAL);
}

static void test_rounding(void **state)
{
    (void)state;
    quote(47000, 3 * D, 5, 2350);  /* 470.00 CNY: 23.50 */
    quote(47001, 3 * D, 5, 2350);  /* 2350.05 -> 2350 */
    quote(47010, 3 * D, 5, 2351);  /* 2350.5 -> 2351 (half up) */
    quote(199, 12 * H, 20, 40);    /* 39.8 -> 40 */
    quote(1, 12 * H, 20, 0);       /* 0.2 -> 0 */
    quote(0, 12 * H, 20, 0);
    quote(333333, 36 * H, 10, 33333);
}

/* Kip to the thousand; yuan to the half, as 12306 rounds its fees. */
static void test_currency_steps(void **state)
{
    (void)state;
    assert_int_equal(lx_fee_step("LAK"), 1000);
    assert_int_equal(lx_fee_step("CNY"), 50);
    assert_int_equal(lx_fee_step("USD"), 1);
    assert_int_equal(lx_fee_step(NULL), 1);
    quote_in("LAK", 1410000, 3 * D, 5, 71000);   /* 70,500 -> 71,000 (half up) */
    quote_in("LAK", 1410000, 36 * H, 10, 141000);
    quote_in("LAK", 350000, 3 * D, 5, 18000);    /* 17,500 -> 18,000 */
    quote_in("LAK", 1409000, 3 * D, 5, 70000);   /* 70,450 -> 70,000 */
    quote_in("LAK", 1000, 12 * H, 20, 0);        /* 200 -> 0 */
    quote_in("LAK", 3000, 12 * H, 20, 1000);     /* 600 -> 1,000 */
    quote_in("LAK", 0, 12 * H, 20, 0);
    quote_in("CNY", 4900, 3 * D, 5, 250);        /* 2.45 -> 2.50 */
    quote_in("CNY", 4400, 3 * D, 5, 200);        /* 2.20 (under .25) -> 2.00 */
    quote_in("CNY", 4500, 3 * D, 5, 250);        /* 2.25 -> 2.50 */
    quote_in("CNY", 5500, 3 * D, 5, 300);        /* 2.75 -> 3.00 */
    quote_in("CNY", 47000, 3 * D, 5, 2350);      /* 23.50 stays */
    quote_in("CNY", 10, 12 * H, 20, 0);          /* 0.02 -> 0 */
    quote_in("CNY", 100, 12 * H, 20, 0);         /* 0.20 -> 0 */
    quote_in("CNY", 150, 12 * H, 20, 50);        /* 0.30 -> 0.50 */
    /* rounding up never takes more than the price */
    quote_in("LAK", 600, 12 * H, 20, 0);         /* 120 -> 0 */
    quote_in("CNY", 40, 12 * H, 20, 0);          /* 0.08 -> 0 */
}

static lx_instant_t until(lx_instant_t before)
{
    lx_refund_quote q;
    assert_int_equal(lx_refund_quote_at(100000, "CNY", DEP, DEP - before, &q), LX_OK);
    return q.valid_until;
}

static void test_valid_until(void **state)
{
    (void)state;
    /* far from a boundary: 15 minutes */
    assert_int_equal(until(30 * D), DEP - 30 * D + LX_REFUND_OFFER_SECONDS);
    assert_int_equal(until(5 * D), DEP - 5 * D + LX_REFUND_OFFER_SECONDS);
    /* near one: up to the last second of the bracket, no further */
    assert_int_equal(until(8 * D + 60), DEP - 8 * D);
    assert_int_equal(until(8 * D), DEP - 8 * D);
    assert_int_equal(until(48 * H + 1), DEP - 48 * H);
    assert_int_equal(until(24 * H + 600), DEP - 24 * H);
    /* the last bracket ends at departure */
    assert_int_equal(until(300), DEP);
    assert_int_equal(until(0), DEP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brackets),
        cmocka_unit_test(test_after_departure),
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_currency_steps),
        cmocka_unit_test(test_valid_until),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
