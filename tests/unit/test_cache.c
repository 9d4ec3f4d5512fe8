/* The server's answer cache (src/server/cache.h): what is kept, for how long, within
 * which budget, and that threads sharing it each get whole, right answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "lanxang/inv.h"

static lx_srv_resp answer(int status, const char *body)
{
    lx_srv_resp r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.content_type = "application/json; charset=utf-8";
    r.route = 7;
    r.body = (char *)body;
    r.len = strlen(body);
    return r;
}

static const lx_cache_tag T0 = {1797733800, 5};

/* a hit's body, as a string (freed by the caller); NULL on a miss */
static char *get(lx_cache *c, const char *target, lx_cache_tag tag)
{
    lx_srv_resp r;
    if (!lx_cache_get(c, target, tag, &r))
        return NULL;
    char *s = malloc(r.len + 1);
    assert_non_null(s);
    memcpy(s, r.body, r.len);
    s[r.len] = 0;
    assert_int_equal(r.status, 200);
    assert_int_equal(r.route, 7);
    assert_string_equal(r.content_type, "application/json; charset=utf-8");
    free(r.body);
    return s;
}

static void assert_hit(lx_cache *c, const char *target, lx_cache_tag tag, const char *want)
{
    char *got = get(c, target, tag);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_rules(void **state)
{
    (void)state;
    assert_int_equal(lx_cache_rule_of("/api/v1/trains"), LX_CACHE_NET);
    assert_int_equal(lx_cache_rule_of("/api/v1/stations/{}/departures"), LX_CACHE_NET);
    assert_int_equal(lx_cache_rule_of("/api/v1/offers"), LX_CACHE_SEATS);
    assert_int_equal(lx_cache_rule_of("/api/v1/trains/{}/seats"), LX_CACHE_SEATS);
    assert_int_equal(lx_cache_rule_of("/api/v1/journeys"), LX_CACHE_SEATS);
    assert_int_equal(lx_cache_rule_of("/api/v1/bookings"), LX_CACHE_NONE);
    assert_int_equal(lx_cache_rule_of("/api/v1/bookings/{}"), LX_CACHE_NONE);
    assert_int_equal(lx_cache_rule_of("/metrics"), LX_CACHE_NONE);
    assert_int_equal(lx_cache_rule_of(NULL), LX_CACHE_NONE);
    /* the tag reads the engine's change count */
    assert_true(lx_cache_seats_tag(42).changes == lx_inv_changes());
    assert_true(lx_cache_seats_tag(42).now == 42);
}

static void test_no_cache(void **state)
{
    (void)state;
    lx_cache *c = (lx_cache *)1;
    assert_int_equal(lx_cache_create(0, &c), LX_OK);
    assert_null(c);
    lx_srv_resp r = answer(200, "[]");
    lx_cache_put(NULL, "/api/v1/trains", LX_CACHE_NET, T0, &r);
    assert_null(get(NULL, "/api/v1/trains", T0));
    lx_cache_stats st;
    lx_cache_stats_get(NULL, &st);
    assert_true(st.hits == 0 && st.misses == 0);
    lx_cache_destroy(NULL);
}

static void test_net_answers_stay(void **state)
{
    (void)state;
    lx_cache *c;
    assert_int_equal(lx_cache_create(1 << 20, &c), LX_OK);
    const char *t = "/api/v1/trains?from=Vientiane&to=Vang%20Vieng&date=2026-12-20";
    assert_null(get(c, t, T0));
    lx_srv_resp r = answer(200, "[{\"train\":\"C82\"}]");
    lx_cache_put(c, t, LX_CACHE_NET, T0, &r);
    assert_hit(c, t, T0, "[{\"train\":\"C82\"}]");
    /* not tied to the clock nor to the seats */
    assert_hit(c, t, (lx_cache_tag){T0.now + 3600, T0.changes + 9}, "[{\"train\":\"C82\"}]");
    /* another target is another answer */
    assert_null(get(c, "/api/v1/trains?from=Vientiane&to=Vang%20Vieng&date=2026-12-21", T0));
    /* a new answer replaces the old */
    r = answer(200, "[]");
    lx_cache_put(c, t, LX_CACHE_NET, T0, &r);
    assert_hit(c, t, T0, "[]");
    lx_cache_stats st;
    lx_cache_stats_get(c, &st);
    assert_true(st.hits == 3 && st.misses == 2 && st.stored == 2);
    assert_true(st.bytes == strlen(t) + 2);
    lx_cache_destroy(c);
}

static void test_seat_answers_expire(void **state)
{
    (void)state;
    lx_cache *c;
    assert_int_equal(lx_cache_create(1 << 20, &c), LX_OK);
    const char *t = "/api/v1/offers?from=VJM&to=YTM&date=2026-12-20";
    lx_srv_resp r = answer(200, "[{\"free\":664}]");
    lx_cache_put(c, t, LX_CACHE_SEATS, T0, &r);
    assert_hit(c, t, T0, "[{\"free\":664}]");
    /* the next second, or any change of any run, and it is computed again */
    assert_null(get(c, t, (lx_cache_tag){T0.now + 1, T0.changes}));
    assert_null(get(c, t, (lx_cache_tag){T0.now, T0.changes + 1}));
    assert_null(get(c, t, (lx_cache_tag){T0.now - 1, T0.changes}));
    assert_hit(c, t, T0, "[{\"free\":664}]");
    lx_cache_destroy(c);
}

static void test_only_plain_200s(void **state)
{
    (void)state;
    lx_cache *c;
    assert_int_equal(lx_cache_create(1 << 20, &c), LX_OK);
    lx_srv_resp r = answer(404, "{\"error\":{}}");
    lx_cache_put(c, "/a", LX_CACHE_NET, T0, &r);
    r = answer(200, "{}");
    lx_cache_put(c, "/b", LX_CACHE_NONE, T0, &r);
    r.allow = "GET, HEAD";
    lx_cache_put(c, "/c", LX_CACHE_NET, T0, &r);
    r = answer(200, "");
    r.body = NULL;
    lx_cache_put(c, "/d", LX_CACHE_NET, T0, &r);
    assert_null(get(c, "/a", T0));
    assert_null(get(c, "/b", T0));
    assert_null(get(c, "/c", T0));
    assert_null(get(c, "/d", T0));
    lx_cache_stats st;
    lx_cache_stats_get(c, &st);
    assert_true(st.stored == 0 && st.bytes == 0);
    lx_cache_destroy(c);
}

static void test_budget(void **state)
{
    (void)state;
    lx_cache *c;
    size_t budget = 1 << 20;
    assert_int_equal(lx_cache_create(budget, &c), LX_OK);
    size_t big = 200u << 10;
    char *body = malloc(big + 1);
    assert_non_null(body);
    memset(body, 'x', big);
    body[big] = 0;
    lx_srv_resp r = answer(200, body);
    char t[64];
    for (int i = 0; i < 20; i++) {
        snprintf(t, sizeof t, "/api/v1/trains?n=%d", i);
        lx_cache_put(c, t, LX_CACHE_NET, T0, &r);
    }
    lx_cache_stats st;
    lx_cache_stats_get(c, &st);
    assert_true(st.bytes <= budget);
    assert_true(st.stored >= 4 && st.stored < 20);
    /* one answer larger than an entry may be is never kept */
    char *huge = malloc((300u << 10) + 1);
    assert_non_null(huge);
    memset(huge, 'y', 300u << 10);
    huge[300u << 10] = 0;
    r = answer(200, huge);
    lx_cache_destroy(c);
    assert_int_equal(lx_cache_create(8u << 20, &c), LX_OK);
    lx_cache_put(c, "/huge", LX_CACHE_NET, T0, &r);
    assert_null(get(c, "/huge", T0));
    lx_cache_destroy(c);
    free(huge);
    free(body);
}

/* threads putting and getting the same targets: every hit is the whole answer of its
 * own target */
typedef struct {
    lx_cache *c;
    int seed, bad, hits;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    unsigned x = (unsigned)w->seed * 2654435761u + 1;
    char t[64], want[128];
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        unsigned k = (x >> 8) % 300;
        snprintf(t, sizeof t, "/api/v1/trains?k=%u", k);
        snprintf(want, sizeof want, "[\"answer %u\",\"%0*u\"]", k, (int)(k % 60), k);
        if ((x >> 20) % 4 == 0) {
            lx_srv_resp r = answer(200, want);
            lx_cache_put(w->c, t, LX_CACHE_NET, T0, &r);
        } else {
            char *got = get(w->c, t, T0);
            if (got) {
                w->hits++;
                w->bad += strcmp(got, want) != 0;
                free(got);
            }
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    lx_cache *c;
    assert_int_equal(lx_cache_create(4u << 20, &c), LX_OK);
    enum { N = 4 };
    pthread_t th[N];
    worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker){c, i + 1, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    int hits = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].bad, 0);
        hits += w[i].hits;
    }
    assert_true(hits > 0);
    lx_cache_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),          cmocka_unit_test(test_no_cache),
        cmocka_unit_test(test_net_answers_stay), cmocka_unit_test(test_seat_answers_expire),
        cmocka_unit_test(test_only_plain_200s), cmocka_unit_test(test_budget),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
