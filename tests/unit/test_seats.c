/* Unit tests of the seat map: the engine's lx_inv_seat_sellable (free over the stretch
 * and open under the quotas) read through the booking store's lx_book_seat_map, on the
 * built-in China–Laos feed with a store in memory. The seats it calls free are exactly
 * those lx_book_avail counts, class by class, before and after sales, for journeys with
 * and without quotas. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lanxang/book.h"
#include "lanxang/gtfs.h"
#include "view/journey.h"

#define NOW ((lx_instant_t)1797566400) /* 2026-12-18T11:00:00+07:00 */

typedef struct {
    lx_net *net;
    lx_book *book;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    lx_tt *tt;
    lx_book_opts mem = {.memory_only = 1};
    char msg[256];
    if (!f || lx_builtin_load(&tt) || lx_net_create(&f->net) || lx_net_add(f->net, tt) ||
        lx_book_open(NULL, f->net, &mem, &f->book, msg, sizeof msg))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    lx_book_close(f->book);
    lx_net_destroy(f->net);
    free(f);
    return 0;
}

static void journey(fx *f, const char *train, const char *date, const char *from,
                    const char *to, lx_journey *j)
{
    char msg[512];
    const char *field;
    lx_err e = lx_view_journey(f->net, train, date, from, to, j, msg, sizeof msg, &field);
    if (e)
        fail_msg("%s %s %s-%s: %s", train, date, from, to, msg);
}

/* The seat map agrees with lx_book_avail in every class; returns the map. */
static lx_book_seat *map_agrees(fx *f, const lx_journey *j, uint32_t *n)
{
    lx_book_seat *seats;
    assert_int_equal(lx_book_seat_map(f->book, j->leg.feed, &j->leg.leg, NOW, &seats, n), LX_OK);
    assert_true(*n > 0);
    for (uint32_t c = 0; c < j->n_classes; c++) {
        uint32_t avail = 0, count = 0;
        assert_int_equal(lx_book_avail(f->book, j->leg.feed, &j->leg.leg, j->classes[c], NOW, &avail),
                         LX_OK);
        for (uint32_t i = 0; i < *n; i++)
            count += !strcmp(seats[i].cls, j->classes[c]) && seats[i].sellable;
        assert_int_equal(count, avail);
    }
    return seats;
}

/* The seats with this quota of a journey: there are some, and none (sellable 0) or all
 * (sellable 1) of them can be sold to it. */
static void quota_seats(fx *f, const char *train, const char *date, const char *from,
                        const char *to, unsigned quota, int sellable)
{
    lx_journey j;
    uint32_t n, sell = 0, all = 0;
    journey(f, train, date, from, to, &j);
    lx_book_seat *s = map_agrees(f, &j, &n);
    for (uint32_t i = 0; i < n; i++)
        if (s[i].info.quota == quota) {
            all++;
            sell += s[i].sellable;
        }
    free(s);
    assert_true(all > 0);
    assert_int_equal(sell, sellable ? all : 0);
}

static void test_cross_border(void **state)
{
    fx *f = *state;
    quota_seats(f, "D87", "2026-12-20", "Kunming South", "Pu'er", LX_QUOTA_CROSS_BORDER, 0);
    quota_seats(f, "D87", "2026-12-20", "Kunming South", "Vientiane", LX_QUOTA_CROSS_BORDER, 1);
}

static void test_long_distance(void **state)
{
    fx *f = *state;
    /* two days ahead the share is kept for long journeys; within a day it is released */
    quota_seats(f, "D8801", "2026-12-21", "Kunming South", "Yuxi", LX_QUOTA_LONG_DISTANCE, 0);
    quota_seats(f, "D8801", "2026-12-21", "Kunming South", "Mohan", LX_QUOTA_LONG_DISTANCE, 1);
    quota_seats(f, "D8801", "2026-12-19", "Kunming South", "Yuxi", LX_QUOTA_LONG_DISTANCE, 1);
}

static void test_sold_seat(void **state)
{
    fx *f = *state;
    lx_journey part, whole, before;
    journey(f, "C82", "2026-12-20", "Vang Vieng", "Luang Prabang", &part);
    lx_book_req q;
    memset(&q, 0, sizeof q);
    q.feed = part.leg.feed;
    q.leg = part.leg.leg;
    q.cls = "second";
    q.n = 1;
    q.confirm = 1;
    strcpy(q.pax[0].name, "Seat Tester");
    strcpy(q.pax[0].document, "S1234567");
    q.seats[0] = "03-07D";
    lx_book_order o;
    char msg[256];
    assert_int_equal(lx_book_hold(f->book, &q, NOW, &o, msg, sizeof msg), LX_OK);
    journey(f, "C82", "2026-12-20", "Vientiane", "Luang Prabang", &whole);
    journey(f, "C82", "2026-12-20", "Vientiane", "Vang Vieng", &before);
    uint32_t n;
    lx_book_seat *s = map_agrees(f, &whole, &n), *t = map_agrees(f, &before, &n);
    assert_string_equal(s[0].label, "02-01A");
    assert_true(s[0].info.window && !s[0].info.aisle);
    for (uint32_t i = 0; i < n; i++) {
        int sold = !strcmp(s[i].label, "03-07D");
        assert_int_equal(s[i].sellable, !sold);
        assert_true(t[i].sellable);
    }
    free(s);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cross_border),
        cmocka_unit_test(test_long_distance),
        cmocka_unit_test(test_sold_seat),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
