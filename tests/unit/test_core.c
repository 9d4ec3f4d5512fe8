/* Unit tests for the pure functions of the core (src/core): text folding and
 * matching, UTF-8 decoding, the error table, currency digits, the memory helpers and
 * an empty network. This test links lanxang_core alone: a dependency of the core on
 * anything else (the GTFS loader, SQLite, ...) breaks its build. Time functions are
 * covered by test_time.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanxang/error.h"
#include "lanxang/net.h"
#include "lanxang/text.h"
#include "lanxang/timetable.h"
#include "core/mem.h"

/* ---- lx_fold ---- */

static void check_fold(const char *in, const char *want)
{
    char out[256];
    size_t n = lx_fold(in, out, sizeof out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_fold_examples(void **state)
{
    (void)state;
    check_fold("Nà Mơ", "na mo");
    check_fold("Pu'er", "puer");
    check_fold("  Luang   Prabang ", "luang prabang");
    check_fold("KUNMING South", "kunming south");
    check_fold("Straße", "strasse");
    check_fold("Vang Vieng", "vang vieng");
    check_fold("", "");
}

static void test_fold_other_scripts_unchanged(void **state)
{
    (void)state;
    check_fold("ວຽງຈັນ", "ວຽງຈັນ");             /* Vientiane in Lao */
    check_fold("ຫຼວງພະບາງ", "ຫຼວງພະບາງ");     /* Luang Prabang in Lao */
    check_fold("万象", "万象");
    check_fold("昆明南", "昆明南");
    /* mixed: Latin folded, the rest kept, separators made one space */
    check_fold("Vientiane / 万象", "vientiane 万象");
}

static void test_fold_apostrophes_and_marks(void **state)
{
    (void)state;
    check_fold("Pu\xE2\x80\x99" "er", "puer");   /* U+2019 right single quotation mark */
    check_fold("Pu\xCA\xBC" "er", "puer");       /* U+02BC modifier letter apostrophe */
    check_fold("Pu`er", "puer");
    check_fold("Cafe\xCC\x81", "cafe");           /* e + combining acute */
    check_fold("Đà Nẵng", "da nang");
    check_fold("ÆRØ", "aero");
}

static void test_fold_punctuation_and_space(void **state)
{
    (void)state;
    check_fold("Boten-Vientiane", "boten vientiane");
    check_fold("\t Kunming,\n South!! ", "kunming south");
    check_fold("a\xC2\xA0" "b", "a b");           /* no-break space */
    check_fold("a\xE3\x80\x80" "b", "a b");       /* ideographic space */
    check_fold("---", "");
    check_fold("D87", "d87");
}

static void test_fold_truncates(void **state)
{
    (void)state;
    char out[4];
    memset(out, 'X', sizeof out);
    size_t n = lx_fold("ABCDEF", out, sizeof out);
    assert_int_equal(n, 6);
    assert_string_equal(out, "abc");
    /* cap 0: nothing written, the length still returned */
    assert_int_equal(lx_fold("Luang Prabang", NULL, 0), strlen("luang prabang"));
    /* cap 1: only the NUL */
    char one[1] = {'X'};
    assert_int_equal(lx_fold("ab", one, 1), 2);
    assert_int_equal(one[0], 0);
}

static void test_fold_invalid_utf8_kept(void **state)
{
    (void)state;
    /* text.h: "Invalid UTF-8 bytes are kept as they are." A lone byte >= 0x80 must not
     * be read as the code point of the same value (0xFF is not 'ÿ', 0xA0 is not a
     * no-break space). */
    check_fold("a\xFF" "b", "a\xFF" "b");
    check_fold("x\xC3", "x\xC3");          /* truncated two-byte sequence */
    check_fold("\x80" "q", "\x80" "q");    /* stray continuation byte */
    check_fold("a\xA0" "b", "a\xA0" "b");
    check_fold("\xE9t\xE9", "\xE9t\xE9");   /* Latin-1 "été", not UTF-8 */
}

/* ---- lx_edit_distance ---- */

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(lx_edit_distance("", ""), 0);
    assert_int_equal(lx_edit_distance("abc", ""), 3);
    assert_int_equal(lx_edit_distance("", "abc"), 3);
    assert_int_equal(lx_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(lx_edit_distance("sitting", "kitten"), 3);
    assert_int_equal(lx_edit_distance("vientiane", "vientiane"), 0);
    assert_int_equal(lx_edit_distance("boten", "botn"), 1);
    assert_int_equal(lx_edit_distance("boten", "botten"), 1);
    assert_int_equal(lx_edit_distance("boten", "baten"), 1);
    /* a swap of two neighbours is one edit */
    assert_int_equal(lx_edit_distance("ab", "ba"), 1);
    assert_int_equal(lx_edit_distance("vientiane", "vientaine"), 1);
    assert_int_equal(lx_edit_distance("luang prabang", "luang prabnag"), 1);
    assert_int_equal(lx_edit_distance("vientiane", "veintaine"), 2);
    /* counted in code points, not bytes */
    assert_int_equal(lx_edit_distance("万象", "万象"), 0);
    assert_int_equal(lx_edit_distance("万象", "万"), 1);
    assert_int_equal(lx_edit_distance("昆明", "昆明南"), 1);
    assert_int_equal(lx_edit_distance("na mo", "nà mơ"), 2);
}

static void test_edit_distance_long(void **state)
{
    (void)state;
    char a[301], b[301];
    memset(a, 'a', 300);
    a[300] = 0;
    memcpy(b, a, sizeof b);
    /* only the first 128 code points are compared */
    b[200] = 'z';
    assert_int_equal(lx_edit_distance(a, b), 0);
    b[200] = 'a';
    b[10] = 'z';
    assert_int_equal(lx_edit_distance(a, b), 1);
    a[130] = 0;
    assert_int_equal(lx_edit_distance(a, "a"), 127);
}

/* ---- lx_utf8_decode ---- */

static void check_decode(const char *s, size_t n, size_t want_len, uint32_t want_cp)
{
    uint32_t cp = 0xDEADBEEF;
    assert_int_equal(lx_utf8_decode(s, n, &cp), want_len);
    assert_int_equal(cp, want_cp);
}

static void test_utf8_valid(void **state)
{
    (void)state;
    check_decode("A", 1, 1, 'A');
    check_decode("\xC3\xA9", 2, 2, 0xE9);            /* é */
    check_decode("\xE4\xB8\x87", 3, 3, 0x4E07);      /* 万 */
    check_decode("\xE0\xBA\xA7", 3, 3, 0x0EA7);      /* ວ (Lao) */
    check_decode("\xF0\x9F\x98\x80", 4, 4, 0x1F600);
    check_decode("\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF);
    check_decode("\xC2\x80", 2, 2, 0x80);            /* smallest two-byte */
    check_decode("\xE0\xA0\x80", 3, 3, 0x800);       /* smallest three-byte */
    check_decode("\xEF\xBB\xBF", 3, 3, 0xFEFF);      /* BOM */
    /* only the first code point is decoded */
    check_decode("ab", 2, 1, 'a');
}

static void test_utf8_invalid(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(lx_utf8_decode("", 0, &cp), 0);
    /* an invalid byte is one byte long and its value is returned as is */
    check_decode("\x80", 1, 1, 0x80);                /* lone continuation */
    check_decode("\xBF" "a", 2, 1, 0xBF);
    check_decode("\xFF", 1, 1, 0xFF);
    check_decode("\xFE", 1, 1, 0xFE);
    check_decode("\xF8\x88\x80\x80\x80", 5, 1, 0xF8); /* five-byte form */
    check_decode("\xC0\x80", 2, 1, 0xC0);            /* overlong NUL */
    check_decode("\xC1\xBF", 2, 1, 0xC1);            /* overlong */
    check_decode("\xE0\x80\x80", 3, 1, 0xE0);        /* overlong */
    check_decode("\xF0\x80\x80\x80", 4, 1, 0xF0);    /* overlong */
    check_decode("\xED\xA0\x80", 3, 1, 0xED);        /* surrogate U+D800 */
    check_decode("\xED\xBF\xBF", 3, 1, 0xED);        /* surrogate U+DFFF */
    check_decode("\xF4\x90\x80\x80", 4, 1, 0xF4);    /* above U+10FFFF */
    check_decode("\xC3" "A", 2, 1, 0xC3);            /* bad continuation */
    check_decode("\xE4\xB8" "A", 3, 1, 0xE4);
    /* truncated: fewer bytes available than the lead byte announces */
    check_decode("\xE4\xB8\x87", 2, 1, 0xE4);
    check_decode("\xF0\x9F\x98\x80", 3, 1, 0xF0);
    check_decode("\xC3\xA9", 1, 1, 0xC3);
}

static void test_utf8_walk_never_stalls(void **state)
{
    (void)state;
    /* walking any byte string advances by at least one byte each step */
    unsigned char buf[256];
    for (int i = 0; i < 256; i++)
        buf[i] = (unsigned char)(255 - i);
    size_t i = 0, steps = 0;
    while (i < sizeof buf) {
        uint32_t cp;
        size_t len = lx_utf8_decode((const char *)buf + i, sizeof buf - i, &cp);
        assert_true(len >= 1 && len <= 4 && i + len <= sizeof buf);
        assert_true(cp <= 0x10FFFF);
        i += len;
        steps++;
    }
    assert_true(steps <= sizeof buf);
}

/* ---- the error table ---- */

static void test_error_table(void **state)
{
    (void)state;
    for (int e = 0; e < LX_ERR_COUNT_; e++) {
        const char *msg = lx_strerror((lx_err)e), *code = lx_errcode((lx_err)e);
        assert_non_null(msg);
        assert_non_null(code);
        assert_true(strlen(msg) > 0);
        assert_true(strlen(code) > 0);
        /* codes are stable lower-case snake_case */
        for (const char *p = code; *p; p++)
            assert_true(islower((unsigned char)*p) || *p == '_');
        int http = lx_err_http_status((lx_err)e);
        assert_true(http >= 200 && http <= 599);
        int exitc = lx_err_exit_code((lx_err)e);
        assert_true(exitc >= 0 && exitc <= 125);
        /* only success is 200 / exit 0 */
        assert_int_equal(http == 200, e == LX_OK);
        assert_int_equal(exitc == 0, e == LX_OK);
        /* codes and messages are unique */
        for (int f = 0; f < e; f++) {
            assert_string_not_equal(code, lx_errcode((lx_err)f));
            assert_string_not_equal(msg, lx_strerror((lx_err)f));
        }
    }
}

static void test_error_known_values(void **state)
{
    (void)state;
    assert_int_equal(LX_OK, 0);
    assert_string_equal(lx_errcode(LX_OK), "ok");
    assert_string_equal(lx_errcode(LX_NOTFOUND), "not_found");
    assert_int_equal(lx_err_http_status(LX_NOTFOUND), 404);
    assert_int_equal(lx_err_exit_code(LX_NOTFOUND), 3);
    assert_int_equal(lx_err_exit_code(LX_AMBIGUOUS), 4);
    assert_int_equal(lx_err_exit_code(LX_INVAL), 2);
    assert_int_equal(lx_err_http_status(LX_INVAL), 400);
    assert_int_equal(lx_err_http_status(LX_FEED), 422);
    assert_int_equal(lx_err_exit_code(LX_FEED), 65);
    assert_int_equal(lx_err_exit_code(LX_IO), 74);
    assert_int_equal(lx_err_exit_code(LX_INTERNAL), 70);
    assert_int_equal(lx_err_http_status(LX_TOOBIG), 413);
}

static void test_error_out_of_range(void **state)
{
    (void)state;
    /* an unknown value is reported as an internal error, never read out of bounds */
    lx_err bad[] = {LX_ERR_COUNT_, (lx_err)(LX_ERR_COUNT_ + 7), (lx_err)-1, (lx_err)100000};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_string_equal(lx_errcode(bad[i]), lx_errcode(LX_INTERNAL));
        assert_string_equal(lx_strerror(bad[i]), lx_strerror(LX_INTERNAL));
        assert_int_equal(lx_err_http_status(bad[i]), 500);
        assert_int_equal(lx_err_exit_code(bad[i]), 70);
    }
}

/* ---- currencies ---- */

static void test_currency_digits(void **state)
{
    (void)state;
    const char *zero[] = {"LAK", "JPY", "KRW", "VND", "KHR", "IDR"};
    for (size_t i = 0; i < sizeof zero / sizeof *zero; i++)
        assert_int_equal(lx_currency_digits(zero[i]), 0);
    const char *two[] = {"CNY", "USD", "EUR", "THB", "GBP", "CHF", "XYZ", ""};
    for (size_t i = 0; i < sizeof two / sizeof *two; i++)
        assert_int_equal(lx_currency_digits(two[i]), 2);
}

/* ---- memory helpers (src/core/mem.h) ---- */

static void test_arena(void **state)
{
    (void)state;
    lx_arena a;
    lx_arena_init(&a);
    const char *e = lx_arena_strndup(&a, "ignored", 0);
    assert_string_equal(e, "");
    const char *s = lx_arena_strndup(&a, "vientiane_and_more", 9);
    assert_string_equal(s, "vientiane");
    /* many small and a few big allocations, all 8-aligned, all writable */
    char *keep[64];
    for (int i = 0; i < 64; i++) {
        size_t n = i % 8 == 7 ? 40000 : (size_t)(i * 37 % 500 + 1);
        keep[i] = lx_arena_alloc(&a, n);
        assert_non_null(keep[i]);
        assert_int_equal((uintptr_t)keep[i] % 8, 0);
        memset(keep[i], i, n);
    }
    for (int i = 0; i < 64; i++)
        assert_int_equal((unsigned char)keep[i][0], i);
    assert_string_equal(s, "vientiane");
    assert_true(a.total >= 7 * 40000);
    lx_arena_free(&a);
    lx_arena_free(&a); /* freeing twice is harmless: it was reset */
}

static void test_vec(void **state)
{
    (void)state;
    lx_vec v;
    lx_vec_init(&v, sizeof(uint64_t));
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t *p = lx_vec_push(&v);
        assert_non_null(p);
        assert_int_equal(*p, 0); /* zeroed */
        *p = i * i;
    }
    assert_int_equal(v.len, 1000);
    size_t n;
    uint64_t *d = lx_vec_steal(&v, &n);
    assert_int_equal(n, 1000);
    assert_null(v.data);
    assert_int_equal(v.len, 0);
    for (uint64_t i = 0; i < 1000; i++)
        assert_int_equal(d[i], i * i);
    free(d);
    /* an empty vector hands over NULL */
    assert_null(lx_vec_steal(&v, &n));
    assert_int_equal(n, 0);
    assert_int_equal(lx_vec_reserve(&v, 100), LX_OK);
    assert_true(v.cap >= 100);
    lx_vec_free(&v);
}

static void test_map(void **state)
{
    (void)state;
    lx_map m;
    assert_int_equal(lx_map_init(&m, 4), LX_OK);
    static char keys[5000][12];
    for (uint32_t i = 0; i < 5000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%u", i);
        uint32_t old = 0;
        assert_int_equal(lx_map_put(&m, keys[i], (uint32_t)strlen(keys[i]), i, &old), LX_OK);
        assert_int_equal(old, UINT32_MAX);
    }
    assert_int_equal(m.count, 5000);
    for (uint32_t i = 0; i < 5000; i++)
        assert_int_equal(lx_map_get(&m, keys[i], (uint32_t)strlen(keys[i])), i);
    /* a present key keeps its value and reports it */
    uint32_t old = 0;
    assert_int_equal(lx_map_put(&m, "k42", 3, 999, &old), LX_OK);
    assert_int_equal(old, 42);
    assert_int_equal(lx_map_get(&m, "k42", 3), 42);
    /* keys are compared by length too: "k4" is a prefix of "k42" */
    assert_int_equal(lx_map_get(&m, "k42", 2), 4);
    assert_int_equal(lx_map_get(&m, "k5000", 5), UINT32_MAX);
    assert_int_equal(lx_map_get(&m, "", 0), UINT32_MAX);
    assert_int_equal(lx_map_put(&m, "", 0, 7, &old), LX_OK);
    assert_int_equal(lx_map_get(&m, "", 0), 7);
    lx_map_free(&m);
    /* a freed (zeroed) map answers "absent" */
    assert_int_equal(lx_map_get(&m, "k1", 2), UINT32_MAX);
}

static void test_hash_stable(void **state)
{
    (void)state;
    assert_true(lx_hash("abc", 3) == lx_hash("abcdef", 3));
    assert_true(lx_hash("abc", 3) != lx_hash("abd", 3));
    assert_true(lx_hash("", 0) == lx_hash("x", 0));
}

/* ---- an empty network ---- */

static void test_empty_net(void **state)
{
    (void)state;
    lx_net *net;
    assert_int_equal(lx_net_create(&net), LX_OK);
    assert_int_equal(lx_net_feed_count(net), 0);
    assert_null(lx_net_feed(net, 0));
    assert_int_equal(lx_net_feed_by_name(net, "china-laos"), LX_NONE);
    lx_place out[4];
    uint32_t n = 99;
    assert_int_equal(lx_net_resolve(net, "Vientiane", out, 4, &n), LX_NOTFOUND);
    assert_int_equal(n, 0);
    /* a query that folds to nothing is not a query */
    assert_int_equal(lx_net_resolve(net, " ,-' ", out, 4, &n), LX_INVAL);
    assert_int_equal(n, 0);
    lx_place a = {0, 0}, b = {0, 1};
    lx_net_leg legs[2];
    assert_int_equal(lx_net_legs_between(net, &a, 1, &b, 1, 20000, legs, 2), 0);
    lx_net_destroy(net);
    lx_net_destroy(NULL);
    lx_tt_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_examples),
        cmocka_unit_test(test_fold_other_scripts_unchanged),
        cmocka_unit_test(test_fold_apostrophes_and_marks),
        cmocka_unit_test(test_fold_punctuation_and_space),
        cmocka_unit_test(test_fold_truncates),
        cmocka_unit_test(test_fold_invalid_utf8_kept),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_edit_distance_long),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_utf8_walk_never_stalls),
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_error_known_values),
        cmocka_unit_test(test_error_out_of_range),
        cmocka_unit_test(test_currency_digits),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_vec),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_hash_stable),
        cmocka_unit_test(test_empty_net),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
