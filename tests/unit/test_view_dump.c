/* lx_view_dump (src/view/dump.c) writes exactly what json_dumps(j, JSON_COMPACT |
 * LX_VIEW_JSON_FLAGS) writes: on every view of the built-in feed the server answers
 * with (stations, the trains between every pair of stations, timetables, departures,
 * prices) and on random trees full of the awkward cases (escapes, control characters,
 * UTF-8, extreme integers, reals that look like integers, deep nesting). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanxang/gtfs.h"
#include "lanxang/time.h"
#include "view/view.h"

static int same_as_jansson(json_t *j)
{
    char *want = json_dumps(j, JSON_COMPACT | LX_VIEW_JSON_FLAGS);
    size_t len = 0;
    char *got = lx_view_dump(j, &len);
    int ok = want && got && strcmp(want, got) == 0 && len == strlen(want);
    if (!ok)
        fprintf(stderr, "jansson: %.300s\nlx_view_dump: %.300s\n", want ? want : "(null)",
                got ? got : "(null)");
    free(want);
    free(got);
    return ok;
}

static void test_views(void **state)
{
    (void)state;
    lx_tt *tt;
    lx_net *net;
    assert_int_equal(lx_builtin_load(&tt), LX_OK);
    assert_int_equal(lx_net_create(&net), LX_OK);
    assert_int_equal(lx_net_add(net, tt), LX_OK);
    const lx_tt *t = lx_net_feed(net, 0);
    uint32_t ns;
    lx_tt_stations(t, &ns);
    lx_date_t day = lx_date_from_ymd(2026, 12, 20);
    unsigned compared = 0;
    json_t *all = json_array();
    for (uint32_t a = 0; a < ns; a++) {
        json_t *st = lx_view_station(net, (lx_place){0, a});
        assert_true(same_as_jansson(st));
        json_array_append_new(all, st);
        for (uint32_t b = 0; b < ns; b++) {
            lx_place pa = {0, a}, pb = {0, b};
            lx_net_leg legs[64];
            uint32_t n = lx_net_legs_between(net, &pa, 1, &pb, 1, day, legs, 64);
            for (uint32_t i = 0; i < n && i < 64; i++) {
                json_t *leg = lx_view_leg(net, &legs[i]);
                assert_true(same_as_jansson(leg));
                json_decref(leg);
                compared++;
            }
        }
        lx_net_leg dep[64];
        uint32_t n = lx_net_departures(net, &(lx_place){0, a}, 1, day, dep, 64);
        for (uint32_t i = 0; i < n && i < 64; i++) {
            json_t *tv = lx_view_timetable(net, &dep[i]);
            assert_true(same_as_jansson(tv));
            json_decref(tv);
        }
    }
    assert_true(same_as_jansson(all));
    assert_true(compared > 100);
    json_decref(all);
    const int64_t amounts[] = {0, 1, 99, 100, 6150, 12345, 999999, -1};
    for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++) {
        json_t *p = lx_view_price(amounts[i], "CNY");
        json_t *q = lx_view_price(amounts[i], "LAK");
        json_t *pair = json_pack("[o,o]", p, q);
        assert_true(same_as_jansson(pair));
        json_decref(pair);
    }
    json_t *err = lx_view_error(LX_INVAL, "a \"quoted\"\tmessage\n", "passengers[0].name");
    assert_true(same_as_jansson(err));
    json_decref(err);
    lx_net_destroy(net);
}

static uint64_t rnd = 20261124;

static uint64_t next(void)
{
    rnd ^= rnd << 13;
    rnd ^= rnd >> 7;
    rnd ^= rnd << 17;
    return rnd;
}

static json_t *random_string(void)
{
    static const char *const parts[] = {"a", "Vientiane", "\"", "\\", "/", "\b", "\f", "\n",
                                        "\r", "\t", "\x01", "\x1f", "\x7f", "万象",
                                        "ວຽງຈັນ", "€", "😀", " ", "\xe2\x80\xa8"};
    char s[256] = "";
    size_t n = next() % 8;
    for (size_t i = 0; i < n; i++)
        strcat(s, parts[next() % (sizeof parts / sizeof parts[0])]);
    return json_string(s);
}

static json_t *random_tree(int depth)
{
    static const double reals[] = {0.0, -0.0, 1.0, -1.0, 0.1, 61.5, 102.689, 1e15, 1e16,
                                   1e17, 123456789012345.0, 1.5e-7, 1e300, -2.5e-300,
                                   3.141592653589793, 100.0, 0.30000000000000004, 1e-4,
                                   0.0001000001, 9.9999e-5, 999999999.999999, 1e9,
                                   -17.966667, 101.4, 25.03842, 0.000001, 123.0000005};
    static const json_int_t ints[] = {0, 1, -1, 9, 10, -10, 664, INT64_MAX, INT64_MIN,
                                      1797733800, -9007199254740993LL};
    switch (depth > 6 ? next() % 6 : next() % 8) {
    case 0: return json_null();
    case 1: return json_boolean(next() % 2);
    case 2: return json_integer(ints[next() % (sizeof ints / sizeof ints[0])]);
    case 3:
        switch (next() % 3) {
        case 0: return json_real(reals[next() % (sizeof reals / sizeof reals[0])]);
        case 1: /* decimals of a few places, as coordinates and prices are */
            return json_real((double)((int64_t)(next() % 2000000000000ull) - 1000000000000ll) /
                             (double)(1 + 9 * (next() % 2)) / 1e6);
        default: return json_real((double)(int64_t)next() / (double)(1 + next() % 100000));
        }
    case 4:
    case 5: return random_string();
    case 6: {
        json_t *a = json_array();
        for (int i = 0, n = (int)(next() % 5); i < n; i++)
            json_array_append_new(a, random_tree(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (int i = 0, n = (int)(next() % 5); i < n; i++) {
            json_t *k = random_string();
            json_object_set_new(o, json_string_value(k), random_tree(depth + 1));
            json_decref(k);
        }
        return o;
    }
    }
}

static void test_random_trees(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        json_t *j = json_pack("[o]", random_tree(0));
        assert_true(same_as_jansson(j));
        json_decref(j);
    }
    /* a lone value is not a JSON text either writes */
    json_t *t = json_true();
    assert_null(lx_view_dump(t, NULL));
    assert_null(json_dumps(t, JSON_COMPACT));
}

static void test_deep_and_empty(void **state)
{
    (void)state;
    assert_null(lx_view_dump(NULL, NULL));
    json_t *e = json_pack("{s:[], s:{}, s:s}", "a", "b", "", "");
    assert_true(same_as_jansson(e));
    json_decref(e);
    json_t *deep = json_array();
    for (int i = 0; i < 3000; i++)
        deep = json_pack("[o]", deep);
    assert_true(same_as_jansson(deep));
    json_decref(deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_views),
        cmocka_unit_test(test_random_trees),
        cmocka_unit_test(test_deep_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
