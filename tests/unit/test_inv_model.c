/* A randomized test of the seat inventory engine against a reference model.
 *
 * The model is deliberately plain: a seat x segment matrix of booleans, the orders in
 * an array indexed by id, and loops. Millions of random operations (holds and sales
 * with random journeys, classes, group sizes, wishes, named seats and policies;
 * confirms, cancels, refunds and expiries of random orders by their owner or someone
 * else; replays, undos and arbitrary snapshots through lx_inv_restore) run against
 * both at random times that cross the quotas' release and the departures. After each
 * operation the result must be the model's (which error, or ok), the change record
 * the model's, the chosen seats the ones the model's own implementation of the policy
 * picks, and lx_inv_avail the model's count for every (from, to, class) of the run
 * (of a sample of them for the 65-stop run, all of them every few hundred operations).
 * Every few thousand operations lx_inv_check runs and every order is compared.
 *
 * Runs: Q (5 stops CN CN CN LA LA, a cross-border coach and a 25 % long-distance share,
 * two classes, on two days), P (4 domestic stops, 6 seats, no quotas) and L (65 stops:
 * 64 segments, the most a run holds; a stop of unknown country and one of unknown km;
 * three classes). The inventory is rebuilt every EPOCH operations so that the orders
 * stay few enough for the model's loops.
 *
 * Seeded: LX_INV_SEED=<n> in the environment repeats a run; the seed and the operation
 * number are printed with any failure. LX_INV_OPS=<n> overrides the number of
 * operations (2.4 million; 1 million under sanitizers). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lanxang/inv.h"
#include "lanxang/timetable.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define OPS_DEFAULT (SANITIZED ? 1000000u : 2400000u)
#define EPOCH 60000u
#define MAX_SEATS 32
#define MAX_STOPS 65

/* ---- the feed ---- */

typedef struct {
    const char *country; /* "" unknown */
    double km;           /* NAN unknown */
} stop_def;

typedef struct {
    const char *id, *layout;
    uint32_t n_stops;
    stop_def stops[MAX_STOPS];
    const char *quota_rows; /* lines of lx_seat_quotas.txt */
    /* the quotas again, for the model */
    const char *cb_coaches;
    int ld_pct, ld_km, ld_release_min;
} trip_def;

static trip_def trips[3] = {
    {"Q", "q", 5,
     {{"CN", 0}, {"CN", 150}, {"CN", 420}, {"LA", 610}, {"LA", 900}},
     "Q,cross_border,1,,,\nQ,long_distance,,25,400,600\n", "1", 25, 400, 600},
    {"P", "p", 4, {{"CN", 0}, {"CN", 50}, {"CN", 120}, {"CN", 200}}, "", "", 0, 0, 0},
    {"L", "l", 65, {{"", 0}}, "L,cross_border,2,,,\nL,long_distance,,30,200,120\n", "2", 30,
     200, 120},
};

static const char layouts_txt[] = "layout_id,coach,class,seats,letters,window_letters\n"
                                  "q,1,second,5,ABCDF,AF\n"
                                  "q,2,second,12,ABCDF,AF\n"
                                  "q,3,first,8,ACDF,AF\n"
                                  "p,1,standard,6,ABC,AC\n"
                                  "l,1,second,10,ABCDF,AF\n"
                                  "l,2,sleeper,4,AB,AB\n"
                                  "l,3,first,3,ACF,AF\n";

/* cb coach numbers of a trip, for the model */
static int coach_in(const char *list, unsigned coach)
{
    for (const char *p = list; *p;) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p)
            break;
        if (v == coach)
            return 1;
        p = end;
    }
    return 0;
}

typedef struct {
    char *buf;
    size_t len, cap;
} text;

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        assert_true(n >= 0);
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap = t->cap * 2 + (size_t)n + 64;
        t->buf = realloc(t->buf, t->cap);
        assert_non_null(t->buf);
        if (t->len == 0)
            t->buf[0] = '\0';
    }
}

static lx_tt *load_feed(void)
{
    trip_def *l = &trips[2];
    for (uint32_t i = 0; i < l->n_stops; i++) {
        l->stops[i].country = i < 40 ? "CN" : "LA";
        l->stops[i].km = 12.0 * i;
    }
    l->stops[10].country = ""; /* unknown: journeys from or to it cross no border */
    l->stops[20].km = NAN;     /* unknown: journeys from or to it are never long */

    text stops = {0}, st = {0}, ext = {0}, tr = {0}, tl = {0}, quo = {0};
    put(&stops, "stop_id,stop_name,stop_lat,stop_lon\n");
    put(&st, "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n");
    put(&ext, "stop_id,country,km\n");
    put(&tr, "route_id,service_id,trip_id\n");
    put(&tl, "trip_id,layout_id\n");
    put(&quo, "trip_id,kind,coaches,share_pct,min_km,release_minutes\n");
    for (int t = 0; t < 3; t++) {
        const trip_def *d = &trips[t];
        put(&tr, "r,daily,%s\n", d->id);
        put(&tl, "%s,%s\n", d->id, d->layout);
        put(&quo, "%s", d->quota_rows);
        for (uint32_t i = 0; i < d->n_stops; i++) {
            put(&stops, "%s%u,Stop %s %u,20.0,101.0\n", d->id, i, d->id, i);
            int secs = 6 * 3600 + (int)i * 300;
            put(&st, "%s,%02d:%02d:00,%02d:%02d:00,%s%u,%u\n", d->id, secs / 3600,
                secs / 60 % 60, secs / 3600, secs / 60 % 60, d->id, i, i + 1);
            put(&ext, "%s%u,%s,", d->id, i, d->stops[i].country);
            if (!isnan(d->stops[i].km))
                put(&ext, "%g", d->stops[i].km);
            put(&ext, "\n");
        }
    }
    lx_gtfs_file files[] = {
#define F(name, text) {name, text, sizeof(text) - 1}
#define T(name, t) {name, (t).buf, (t).len}
        F("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\n"
                        "crkg,China Railway Kunming,https://crkg.example.cn,Asia/Shanghai\n"),
        F("routes.txt", "route_id,agency_id,route_short_name,route_type\nr,crkg,D,2\n"),
        F("calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,"
                          "sunday,start_date,end_date\n"
                          "daily,1,1,1,1,1,1,1,20260101,20261231\n"),
        F("lx_seat_layouts.txt", layouts_txt),
        F("lx_sales_rules.txt", "agency_id,scope,open_days,close_minutes,hold_minutes,"
                                "hold_minutes_near,near_minutes,max_passengers\n"
                                "crkg,domestic,1,30,30,10,120,5\n"
                                "crkg,cross_border,15,30,20,5,60,4\n"),
        T("stops.txt", stops),
        T("stop_times.txt", st),
        T("lx_stations.txt", ext),
        T("trips.txt", tr),
        T("lx_train_layouts.txt", tl),
        T("lx_seat_quotas.txt", quo),
#undef F
#undef T
    };
    lx_tt *tt = fx_load_ok(files, FX_COUNT(files), "model", NULL);
    free(stops.buf);
    free(st.buf);
    free(ext.buf);
    free(tr.buf);
    free(tl.buf);
    free(quo.buf);
    return tt;
}

/* ---- randomness and failures ---- */

static uint64_t rng_state, seed;
static unsigned long long op_no;

static uint64_t rnd64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n) { return n ? (uint32_t)(rnd64() % n) : 0; }

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond))                                                                              \
            die(__LINE__, __VA_ARGS__);                                                           \
    } while (0)

static void die(int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fail_msg("test_inv_model.c:%d: seed %llu (LX_INV_SEED=%llu), operation %llu: %s", line,
             (unsigned long long)seed, (unsigned long long)seed, op_no, msg);
}

/* ---- the model ---- */

enum { B_GEN = 0, B_CB = 1, B_LD = 2 };

typedef struct {
    const trip_def *def;
    lx_date_t day;
    lx_inv_run *r;
    uint32_t S, n_seats, n_cls;
    lx_inv_seat seat[MAX_SEATS];
    uint8_t taken[MAX_SEATS][MAX_STOPS];
    lx_instant_t dep[MAX_STOPS], release;
    int cb[MAX_STOPS][MAX_STOPS], ld[MAX_STOPS][MAX_STOPS];
    int cross_run;                   /* the run's ends are in different countries */
    lx_inv_order *orders;            /* by id; state NONE: no such order */
    uint32_t next_id, cap;
    uint32_t *active;                /* ids that were held or confirmed (lazily pruned) */
    uint32_t n_active, cap_active;
    lx_instant_t clock;
    int have_last;
    lx_inv_change last;              /* the run's latest change, for undo */
} mrun;

static int m_free(const mrun *m, uint32_t s, uint32_t from, uint32_t to)
{
    for (uint32_t k = from; k < to; k++)
        if (m->taken[s][k])
            return 0;
    return 1;
}

static void m_mark(mrun *m, const lx_inv_order *o, uint8_t v)
{
    if (o->state != LX_ORDER_HELD && o->state != LX_ORDER_CONFIRMED)
        return;
    for (uint32_t i = 0; i < o->n; i++)
        for (uint32_t k = o->from; k < o->to; k++) {
            CHECK(m->taken[o->seats[i]][k] != v, "model: seat %u segment %u twice", o->seats[i], k);
            m->taken[o->seats[i]][k] = v;
        }
}

/* -1 closed, else the rank of a bucket for a journey at now */
static int m_rank(const mrun *m, uint32_t bucket, uint32_t from, uint32_t to, lx_instant_t now)
{
    int cb = m->cb[from][to], ld = m->ld[from][to], rel = now >= m->release;
    int gen = (cb ? 1 : 0) + (ld && !rel ? 1 : 0);
    if (bucket == B_GEN)
        return gen;
    if (bucket == B_CB)
        return cb ? 0 : -1;
    if (rel)
        return gen;
    return ld ? (cb ? 1 : 0) : -1;
}

static uint32_t m_avail(const mrun *m, uint32_t from, uint32_t to, uint32_t cls, lx_instant_t now)
{
    uint32_t n = 0;
    for (uint32_t s = 0; s < m->n_seats; s++)
        if (m->seat[s].cls == cls && m_rank(m, m->seat[s].quota, from, to, now) >= 0 &&
            m_free(m, s, from, to))
            n++;
    return n;
}

typedef struct {
    uint32_t seat;
    uint32_t f[4]; /* rank, wish missed, stretch length, not touched */
    uint32_t group;
} cand;

static int cand_less(const cand *a, const cand *b)
{
    for (int i = 0; i < 4; i++)
        if (a->f[i] != b->f[i])
            return a->f[i] < b->f[i];
    return a->seat < b->seat;
}

static void cand_sort(cand *c, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && cand_less(&c[j], &c[j - 1]); j--) {
            cand t = c[j];
            c[j] = c[j - 1];
            c[j - 1] = t;
        }
}

/* The k best of the candidates of one group (row or coach) into sum; 0 if fewer. */
static int group_sum(const cand *all, uint32_t n, uint32_t group, uint32_t k, cand *pick,
                     uint32_t sum[4])
{
    cand g[MAX_SEATS];
    uint32_t ng = 0;
    for (uint32_t i = 0; i < n; i++)
        if (all[i].group == group)
            g[ng++] = all[i];
    if (ng < k)
        return 0;
    cand_sort(g, ng);
    memset(sum, 0, 4 * sizeof *sum);
    for (uint32_t i = 0; i < k; i++) {
        pick[i] = g[i];
        for (int f = 0; f < 4; f++)
            sum[f] += g[i].f[f];
    }
    return 1;
}

static int sum_less(const uint32_t a[4], const uint32_t b[4])
{
    for (int i = 0; i < 4; i++)
        if (a[i] != b[i])
            return a[i] < b[i];
    return 0;
}

/* The model's choice of k seats, sorted, into out; 0 when fewer are eligible. */
static int m_choose(const mrun *m, const lx_inv_request *q, lx_instant_t now, uint32_t k,
                    uint32_t *out)
{
    cand c[MAX_SEATS];
    uint32_t n = 0;
    for (uint32_t s = 0; s < m->n_seats; s++) {
        const lx_inv_seat *si = &m->seat[s];
        int named = 0;
        for (uint32_t i = 0; i < q->n_want; i++)
            named |= q->want[i] == s;
        int rank = m_rank(m, si->quota, q->from, q->to, now);
        if (si->cls != q->cls || named || rank < 0 || !m_free(m, s, q->from, q->to))
            continue;
        uint32_t lo = q->from, hi = q->to;
        while (lo > 0 && !m->taken[s][lo - 1])
            lo--;
        while (hi < m->S - 1 && !m->taken[s][hi])
            hi++;
        cand *x = &c[n++];
        x->seat = s;
        x->f[0] = (uint32_t)rank;
        x->f[1] = q->pref == LX_SEAT_WINDOW  ? !si->window
                  : q->pref == LX_SEAT_AISLE ? !si->aisle
                                             : 0;
        x->f[2] = hi - lo;
        x->f[3] = !(lo == q->from || hi == q->to);
    }
    if (n < k)
        return 0;
    cand pick[LX_INV_MAX_PAX];
    if (q->policy == LX_ALLOC_FIRST_FIT) {
        for (uint32_t i = 0; i < k; i++)
            pick[i] = c[i];
    } else {
        int found = 0;
        for (int level = 0; level < 2 && !found && k > 1; level++) {
            uint32_t best[4] = {0};
            cand tmp[LX_INV_MAX_PAX];
            uint32_t sum[4];
            for (uint32_t i = 0; i < n; i++) {
                const lx_inv_seat *si = &m->seat[c[i].seat];
                c[i].group = si->coach * 1000u + (level ? 0 : si->row);
            }
            for (uint32_t i = 0; i < n; i++) {
                if (i > 0 && c[i].group == c[i - 1].group)
                    continue; /* each group once, in seat order */
                if (group_sum(c, n, c[i].group, k, tmp, sum) && (!found || sum_less(sum, best))) {
                    found = 1;
                    memcpy(best, sum, sizeof best);
                    memcpy(pick, tmp, k * sizeof *tmp);
                }
            }
        }
        if (!found) {
            cand_sort(c, n);
            for (uint32_t i = 0; i < k; i++)
                pick[i] = c[i];
        }
    }
    for (uint32_t i = 0; i < k; i++) {
        uint32_t v = pick[i].seat, j = i;
        for (; j > 0 && out[j - 1] > v; j--)
            out[j] = out[j - 1];
        out[j] = v;
    }
    return 1;
}

static lx_inv_order *m_order(mrun *m, lx_order_id id)
{
    return id > 0 && id < m->next_id ? &m->orders[id] : NULL;
}

static void m_push_active(mrun *m, uint32_t id)
{
    if (m->n_active == m->cap_active) {
        m->cap_active = m->cap_active ? m->cap_active * 2 : 256;
        m->active = realloc(m->active, m->cap_active * sizeof *m->active);
        assert_non_null(m->active);
    }
    m->active[m->n_active++] = id;
}

/* Sets the model's order (marking seats), as lx_inv_restore does. */
static void m_set(mrun *m, const lx_inv_order *snap)
{
    lx_inv_order *o = m_order(m, snap->id);
    assert_non_null(o);
    m_mark(m, o, 0);
    *o = *snap;
    if (o->state == LX_ORDER_NONE) { /* gone: as if never made */
        memset(o, 0, sizeof *o);
        o->id = snap->id;
    }
    m_mark(m, o, 1);
    if (o->state == LX_ORDER_HELD || o->state == LX_ORDER_CONFIRMED)
        m_push_active(m, (uint32_t)o->id);
}

static void m_new_id(mrun *m)
{
    if (m->next_id == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->orders = realloc(m->orders, m->cap * sizeof *m->orders);
        assert_non_null(m->orders);
    }
    memset(&m->orders[m->next_id], 0, sizeof *m->orders);
    m->orders[m->next_id].id = m->next_id;
    m->next_id++;
}

static void m_init(mrun *m, lx_inv *inv, const lx_tt *tt, const trip_def *d, lx_date_t day)
{
    memset(m, 0, sizeof *m);
    m->def = d;
    m->day = day;
    char msg[256];
    uint32_t trip = lx_tt_trip_by_id(tt, d->id);
    lx_err e = lx_inv_run_add(inv, trip, day, &m->r, msg, sizeof msg);
    CHECK(e == LX_OK, "lx_inv_run_add %s: %s", d->id, msg);
    m->S = lx_inv_stop_count(m->r);
    m->n_seats = lx_inv_seat_count(m->r);
    m->n_cls = lx_inv_class_count(m->r);
    CHECK(m->S == d->n_stops && m->n_seats <= MAX_SEATS, "run shape");
    for (uint32_t s = 0; s < m->n_seats; s++)
        lx_inv_seat_info(m->r, s, &m->seat[s]);
    for (uint32_t k = 0; k < m->S; k++) {
        m->dep[k] = lx_inv_departure(m->r, k);
        CHECK(m->dep[k] == m->dep[0] + 300 * (lx_instant_t)k, "departure %u", k);
    }
    m->release = d->ld_pct ? m->dep[0] - 60 * (lx_instant_t)d->ld_release_min : LX_INSTANT_MAX;
    for (uint32_t a = 0; a < m->S; a++)
        for (uint32_t b = a + 1; b < m->S; b++) {
            const stop_def *x = &d->stops[a], *y = &d->stops[b];
            m->cb[a][b] = x->country[0] && y->country[0] && strcmp(x->country, y->country);
            m->ld[a][b] = d->ld_pct && !isnan(x->km) && !isnan(y->km) &&
                          fabs(y->km - x->km) >= d->ld_km;
            CHECK(lx_inv_is_cross_border(m->r, a, b) == m->cb[a][b], "cross border %u-%u", a, b);
            CHECK(lx_inv_is_long_distance(m->r, a, b) == m->ld[a][b], "long %u-%u", a, b);
        }
    const stop_def *first = &d->stops[0], *last = &d->stops[m->S - 1];
    m->cross_run = first->country[0] && last->country[0] && strcmp(first->country, last->country);
    /* the quota buckets, by the rule */
    for (uint32_t c = 0; c < m->n_cls; c++) {
        uint32_t j = 0;
        for (uint32_t s = 0; s < m->n_seats; s++) {
            if (m->seat[s].cls != c)
                continue;
            uint32_t want = 0;
            if (coach_in(d->cb_coaches, m->seat[s].coach))
                want = B_CB;
            else {
                if ((j + 1) * (uint32_t)d->ld_pct / 100 > j * (uint32_t)d->ld_pct / 100)
                    want = B_LD;
                j++;
            }
            CHECK(m->seat[s].quota == want, "seat %u of %s: quota %u, not %u", s, d->id,
                  m->seat[s].quota, want);
        }
    }
    m_new_id(m); /* id 0 is never an order */
    m->clock = m->dep[0] - 26 * 3600; /* before domestic sales open (1 day) */
}

static void m_free_all(mrun *m)
{
    free(m->orders);
    free(m->active);
}

/* ---- one operation ---- */

static const char *ename(lx_err e) { return lx_errcode(e); }

static lx_instant_t m_hold_seconds(const mrun *m, uint32_t from, lx_instant_t now)
{
    int near = m->dep[from] - now <= (m->cross_run ? 60 : 120) * 60;
    return (lx_instant_t)(m->cross_run ? (near ? 5 : 20) : (near ? 10 : 30)) * 60;
}

static lx_err m_expect_take(mrun *m, const lx_inv_op *op, lx_inv_order *out)
{
    const lx_inv_request *q = &op->req;
    const lx_inv_order *o = m_order(m, op->order);
    if (op->order == 0 || (o && o->state != LX_ORDER_NONE) || q->from >= q->to ||
        q->to >= m->S || q->cls >= m->n_cls || q->n < 1 || q->n > LX_INV_MAX_PAX ||
        q->n_want > q->n || q->pref > 2 || q->policy > 1 || op->hold_seconds < 0)
        return LX_INVAL;
    for (uint32_t i = 0; i < q->n_want; i++) {
        if (q->want[i] >= m->n_seats || m->seat[q->want[i]].cls != q->cls)
            return LX_INVAL;
        for (uint32_t j = 0; j < i; j++)
            if (q->want[i] == q->want[j])
                return LX_INVAL;
    }
    /* the sales rules above: domestic sales open 1 day ahead, every sale closes 30
     * minutes before departure from `from`, at most 4 passengers across the border */
    int cross = m->cb[q->from][q->to];
    if (op->now >= m->dep[q->from])
        return LX_CLOSED;
    if (op->now >= m->dep[q->from] - 30 * 60 || (!cross && op->now < m->dep[q->from] - 86400) ||
        q->n > (cross ? 4u : 5u))
        return LX_RULE;
    for (uint32_t i = 0; i < q->n_want; i++)
        if (!m_free(m, q->want[i], q->from, q->to) ||
            m_rank(m, m->seat[q->want[i]].quota, q->from, q->to, op->now) < 0)
            return LX_TAKEN;
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < q->n_want; i++)
        out->seats[i] = q->want[i];
    uint32_t k = q->n - q->n_want;
    if (k && !m_choose(m, q, op->now, k, out->seats + q->n_want))
        return LX_SOLDOUT;
    out->id = op->order;
    out->owner = op->owner;
    out->cls = q->cls;
    out->n = q->n;
    out->from = q->from;
    out->to = q->to;
    out->created_at = op->now;
    if (op->code == LX_INV_SELL) {
        out->state = LX_ORDER_CONFIRMED;
    } else {
        out->state = LX_ORDER_HELD;
        out->expires_at =
            op->now + (op->hold_seconds ? op->hold_seconds : m_hold_seconds(m, q->from, op->now));
        if (out->expires_at > m->dep[q->from])
            out->expires_at = m->dep[q->from];
    }
    return LX_OK;
}

static lx_err m_expect_change(mrun *m, const lx_inv_op *op, lx_inv_order *out)
{
    const lx_inv_order *o = m_order(m, op->order);
    if (!o || o->state == LX_ORDER_NONE)
        return LX_NOTFOUND;
    if (op->code != LX_INV_EXPIRE && op->owner != o->owner)
        return LX_FORBIDDEN;
    *out = *o;
    switch (op->code) {
    case LX_INV_CONFIRM:
        if (o->state == LX_ORDER_EXPIRED || (o->state == LX_ORDER_HELD && op->now >= o->expires_at))
            return LX_EXPIRED;
        if (o->state != LX_ORDER_HELD)
            return LX_CONFLICT;
        out->state = LX_ORDER_CONFIRMED;
        out->expires_at = 0;
        return LX_OK;
    case LX_INV_CANCEL:
        if (o->state != LX_ORDER_HELD)
            return LX_CONFLICT;
        out->state = LX_ORDER_CANCELLED;
        return LX_OK;
    case LX_INV_REFUND:
        if (o->state != LX_ORDER_CONFIRMED)
            return LX_CONFLICT;
        out->state = LX_ORDER_REFUNDED;
        return LX_OK;
    case LX_INV_EXPIRE:
        if (o->state != LX_ORDER_HELD || o->expires_at > op->now)
            return LX_CONFLICT;
        out->state = LX_ORDER_EXPIRED;
        return LX_OK;
    }
    return LX_INVAL;
}

static uint32_t pick_target(mrun *m)
{
    uint32_t r = rnd(100);
    if (r < 3)
        return r == 0 ? 0 : m->next_id + rnd(5); /* no such order */
    if (r < 13 || m->n_active == 0)
        return 1 + rnd(m->next_id - 1 ? m->next_id - 1 : 1);
    /* a held or confirmed order, pruning the ones that no longer are */
    for (int tries = 0; tries < 4 && m->n_active; tries++) {
        uint32_t i = rnd(m->n_active), id = m->active[i];
        uint8_t st = m->orders[id].state;
        if (st == LX_ORDER_HELD || st == LX_ORDER_CONFIRMED)
            return id;
        m->active[i] = m->active[--m->n_active];
    }
    return 1 + rnd(m->next_id - 1 ? m->next_id - 1 : 1);
}

static void random_request(mrun *m, lx_inv_op *op)
{
    lx_inv_request *q = &op->req;
    q->from = (uint8_t)rnd(m->S - 1);
    uint32_t span = m->S - 1 - q->from;
    q->to = (uint8_t)(q->from + 1 + (rnd(2) ? rnd(span) : rnd(span < 3 ? span : 3)));
    q->cls = (uint8_t)rnd(m->n_cls);
    q->n = (uint8_t)(rnd(10) < 6 ? 1 : 1 + rnd(LX_INV_MAX_PAX));
    q->pref = (uint8_t)rnd(3);
    q->policy = (uint8_t)(rnd(6) == 0 ? LX_ALLOC_FIRST_FIT : LX_ALLOC_BEST_FIT);
    if (rnd(100) < 15) {
        q->n_want = (uint8_t)(1 + rnd(q->n));
        for (uint32_t i = 0; i < q->n_want; i++) {
            uint32_t s;
            do
                s = rnd(m->n_seats);
            while (m->seat[s].cls != q->cls && rnd(20));
            q->want[i] = s;
        }
        /* a few duplicates come by chance, and sometimes a seat the run lacks */
        if (rnd(100) == 0)
            q->want[0] = m->n_seats + rnd(3);
    }
    op->hold_seconds = rnd(2) ? 0 : (int32_t)(60 + rnd(3600));
    /* now and then a request that is wrong */
    switch (rnd(200)) {
    case 0: q->to = q->from; break;
    case 1: q->to = (uint8_t)m->S; break;
    case 2: q->cls = (uint8_t)m->n_cls; break;
    case 3: q->n = 0; break;
    case 4: q->n = LX_INV_MAX_PAX + 1; break;
    case 5: q->pref = 3; break;
    case 6: q->policy = 2; break;
    case 7: op->hold_seconds = -1; break;
    case 8: q->n_want = (uint8_t)(q->n + 1); break;
    case 9: op->order = 1 + rnd(m->next_id - 1 ? m->next_id - 1 : 1); break; /* duplicate id */
    default: break;
    }
}

/* field by field: struct copies need not copy padding */
static int same_order(const lx_inv_order *a, const lx_inv_order *b)
{
    if (a->id != b->id || a->owner != b->owner || a->state != b->state || a->cls != b->cls ||
        a->n != b->n || a->from != b->from || a->to != b->to || a->created_at != b->created_at ||
        a->expires_at != b->expires_at)
        return 0;
    for (int i = 0; i < LX_INV_MAX_PAX; i++)
        if (a->seats[i] != b->seats[i])
            return 0;
    return 1;
}

static void compare_order(const lx_inv_order *a, const lx_inv_order *b, const char *what)
{
    CHECK(same_order(a, b),
          "%s: engine order %llu state %s n %u seats %u %u %u from %u to %u exp %lld; "
          "model state %s n %u seats %u %u %u from %u to %u exp %lld",
          what, (unsigned long long)a->id, lx_order_state_name(a->state), a->n, a->seats[0],
          a->seats[1], a->seats[2], a->from, a->to, (long long)a->expires_at,
          lx_order_state_name(b->state), b->n, b->seats[0], b->seats[1], b->seats[2], b->from,
          b->to, (long long)b->expires_at);
}

/* outcomes seen: [op code][lx_err], restores at code 0 */
static uint64_t seen[8][LX_ERR_COUNT_];

static void op_take_or_change(mrun *m)
{
    lx_inv_op op;
    memset(&op, 0, sizeof op);
    uint32_t r = rnd(100);
    op.code = (uint8_t)(r < 32   ? LX_INV_HOLD
                        : r < 47 ? LX_INV_SELL
                        : r < 64 ? LX_INV_CONFIRM
                        : r < 74 ? LX_INV_CANCEL
                        : r < 86 ? LX_INV_REFUND
                                 : LX_INV_EXPIRE);
    m->clock += rnd(11);
    op.now = rnd(10) ? m->clock : m->clock - rnd(3600);
    lx_inv_order want;
    lx_err expect;
    int is_take = op.code == LX_INV_HOLD || op.code == LX_INV_SELL;
    if (is_take) {
        op.order = m->next_id;
        op.owner = 1 + rnd(3);
        random_request(m, &op);
        expect = m_expect_take(m, &op, &want);
    } else {
        op.order = pick_target(m);
        const lx_inv_order *o = m_order(m, op.order);
        op.owner = o && rnd(100) < 94 ? o->owner : 1 + rnd(3);
        if (op.code == LX_INV_EXPIRE && o && o->state == LX_ORDER_HELD && rnd(2))
            op.now = o->expires_at - 1 + rnd(3); /* around the deadline */
        if (op.code == LX_INV_CONFIRM && o && o->state == LX_ORDER_HELD && rnd(4) == 0)
            op.now = o->expires_at - 1 + rnd(2);
        expect = m_expect_change(m, &op, &want);
    }
    lx_inv_change chg;
    memset(&chg, 0xAB, sizeof chg);
    lx_err got = lx_inv_apply(m->r, &op, &chg);
    CHECK(got == expect,
          "op %d on %s order %llu (%u-%u class %u n %u want %u policy %u): engine %s, model %s",
          op.code, m->def->id, (unsigned long long)op.order, op.req.from, op.req.to, op.req.cls,
          op.req.n, op.req.n_want, op.req.policy, ename(got), ename(expect));
    seen[op.code][got]++;
    if (got != LX_OK)
        return;
    if (is_take && op.order == m->next_id)
        m_new_id(m); /* else the id of an order a restore removed, used again */
    lx_inv_order before = *m_order(m, op.order);
    compare_order(&chg.before, &before, "change before");
    compare_order(&chg.after, &want, "change after");
    m_set(m, &want);
    m->have_last = 1;
    m->last = chg;
}

/* replay, undo, or an arbitrary snapshot */
static void op_restore(mrun *m)
{
    uint32_t r = rnd(100);
    m->clock += rnd(11);
    lx_inv_order snap;
    lx_err expect = LX_OK;
    if (r < 30 && m->have_last) {
        snap = m->last.before; /* undo the latest change */
    } else if (r < 55) {
        uint32_t id = pick_target(m);
        const lx_inv_order *o = m_order(m, id);
        if (!o)
            return;
        snap = *o; /* replay what is there */
        if (snap.state == LX_ORDER_NONE)
            snap.id = id;
    } else if (r < 95) {
        uint32_t id = pick_target(m);
        const lx_inv_order *o = m_order(m, id);
        if (!o || o->state == LX_ORDER_NONE)
            return;
        snap = *o;
        snap.state = (uint8_t)rnd(6);
        snap.expires_at = snap.state == LX_ORDER_HELD ? m->clock + rnd(1200) : 0;
        if (rnd(4) == 0) { /* other seats of the class */
            for (uint32_t i = 0; i < snap.n; i++) {
                uint32_t s;
                do
                    s = rnd(m->n_seats);
                while (m->seat[s].cls != snap.cls);
                int dup = 0;
                for (uint32_t j = 0; j < i; j++)
                    dup |= snap.seats[j] == s;
                if (dup && snap.state != LX_ORDER_NONE) /* a removal needs the id alone */
                    expect = LX_INVAL;
                snap.seats[i] = s;
            }
        }
        if (expect == LX_OK && (snap.state == LX_ORDER_HELD || snap.state == LX_ORDER_CONFIRMED)) {
            /* collides with another order? (its own current seats do not count) */
            lx_inv_order tmp = *o;
            m_mark(m, &tmp, 0);
            for (uint32_t i = 0; i < snap.n; i++)
                if (!m_free(m, snap.seats[i], snap.from, snap.to))
                    expect = LX_TAKEN;
            m_mark(m, &tmp, 1);
        }
    } else {
        uint32_t id = pick_target(m);
        const lx_inv_order *o = m_order(m, id);
        if (!o || o->state == LX_ORDER_NONE)
            return;
        snap = *o;
        switch (rnd(4)) {
        case 0: snap.seats[0] = m->n_seats; break;
        case 1: snap.to = (uint8_t)m->S; break;
        case 2: snap.n = 0; break;
        default: snap.id = 0; break;
        }
        expect = LX_INVAL;
    }
    lx_err got = lx_inv_restore(m->r, &snap);
    CHECK(got == expect, "restore of order %llu to %s on %s: engine %s, model %s",
          (unsigned long long)snap.id, lx_order_state_name(snap.state), m->def->id, ename(got),
          ename(expect));
    seen[0][got]++;
    if (got == LX_OK)
        m_set(m, &snap);
    m->have_last = 0;
}

/* ---- comparing ---- */

static void compare_avail(mrun *m, int all)
{
    lx_instant_t nows[2] = {m->clock, m->clock + (lx_instant_t)rnd(40000) - 20000};
    if (all || m->S <= 8) {
        for (uint32_t c = 0; c < m->n_cls; c++)
            for (uint32_t a = 0; a < m->S; a++)
                for (uint32_t b = a + 1; b < m->S; b++) {
                    lx_instant_t now = nows[(a + b) & 1];
                    uint32_t e = lx_inv_avail(m->r, a, b, c, now), w = m_avail(m, a, b, c, now);
                    CHECK(e == w, "avail %s %u-%u class %u: engine %u, model %u", m->def->id, a,
                          b, c, e, w);
                }
        return;
    }
    for (int i = 0; i < 24; i++) {
        uint32_t a = rnd(m->S - 1), b = a + 1 + rnd(m->S - 1 - a), c = rnd(m->n_cls);
        lx_instant_t now = nows[i & 1];
        uint32_t e = lx_inv_avail(m->r, a, b, c, now), w = m_avail(m, a, b, c, now);
        CHECK(e == w, "avail %s %u-%u class %u: engine %u, model %u", m->def->id, a, b, c, e, w);
    }
}

static void compare_all(mrun *m)
{
    char msg[256];
    CHECK(lx_inv_check(m->r, msg, sizeof msg) == LX_OK, "lx_inv_check %s: %s", m->def->id, msg);
    uint32_t n = 0;
    lx_instant_t min = LX_INSTANT_MAX;
    uint32_t expired = 0;
    for (uint32_t id = 1; id < m->next_id; id++) {
        const lx_inv_order *o = &m->orders[id];
        const lx_inv_order *e = lx_inv_order_get(m->r, id);
        if (o->state == LX_ORDER_NONE) {
            CHECK(e == NULL, "order %u should not exist", id);
            continue;
        }
        CHECK(e != NULL, "order %u missing", id);
        compare_order(e, o, "stored order");
        n++;
        if (o->state == LX_ORDER_HELD) {
            if (o->expires_at < min)
                min = o->expires_at;
            expired += o->expires_at <= m->clock;
        }
    }
    CHECK(lx_inv_order_count(m->r) == n, "order count %u, model %u", lx_inv_order_count(m->r), n);
    CHECK(lx_inv_next_expiry(m->r) == min, "next expiry %lld, model %lld",
          (long long)lx_inv_next_expiry(m->r), (long long)min);
    lx_order_id ids[4];
    CHECK(lx_inv_expired(m->r, m->clock, ids, 4) == expired, "expired count");
    for (uint32_t i = 0; i < 4 && i < expired; i++) {
        const lx_inv_order *o = m_order(m, ids[i]);
        CHECK(o && o->state == LX_ORDER_HELD && o->expires_at <= m->clock, "expired id");
    }
    compare_avail(m, 1);
}

/* ---- the test ---- */

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 10) : dflt;
}

static void test_against_model(void **state)
{
    (void)state;
    seed = env_u64("LX_INV_SEED", 20261203);
    uint64_t ops = env_u64("LX_INV_OPS", OPS_DEFAULT);
    rng_state = seed;
    lx_tt *tt = load_feed();
    lx_date_t day = lx_date_from_ymd(2026, 12, 3);
    enum { NR = 4 };
    mrun *runs = calloc(NR, sizeof *runs);
    assert_non_null(runs);
    uint64_t counts[8] = {0};
    for (op_no = 0; op_no < ops;) {
        lx_inv *inv;
        assert_int_equal(lx_inv_create(tt, &inv), LX_OK);
        m_init(&runs[0], inv, tt, &trips[0], day);
        m_init(&runs[1], inv, tt, &trips[0], day + 1);
        m_init(&runs[2], inv, tt, &trips[1], day);
        m_init(&runs[3], inv, tt, &trips[2], day);
        CHECK(lx_inv_run_count(inv) == NR, "run count");
        uint64_t end = op_no + EPOCH < ops ? op_no + EPOCH : ops;
        for (; op_no < end; op_no++) {
            uint32_t x = rnd(100);
            mrun *m = &runs[x < 35 ? 0 : x < 50 ? 1 : x < 70 ? 2 : 3];
            if (rnd(100) < 5) {
                op_restore(m);
                counts[0]++;
            } else {
                op_take_or_change(m);
                counts[1]++;
            }
            compare_avail(m, m->S <= 8 || op_no % 509 == 0);
            if (op_no % 4999 == 0)
                for (int i = 0; i < NR; i++)
                    compare_all(&runs[i]);
        }
        for (int i = 0; i < NR; i++) {
            compare_all(&runs[i]);
            m_free_all(&runs[i]);
        }
        lx_inv_destroy(inv);
    }
    printf("test_inv_model: %llu operations (%llu restores), seed %llu\n",
           (unsigned long long)op_no, (unsigned long long)counts[0], (unsigned long long)seed);
    static const char *const names[] = {"restore", "hold", "sell", "confirm",
                                        "cancel",  "refund", "expire"};
    for (int c = 0; c <= LX_INV_EXPIRE; c++) {
        printf("  %-8s", names[c]);
        for (int e = 0; e < LX_ERR_COUNT_; e++)
            if (seen[c][e])
                printf(" %s %llu", lx_errcode((lx_err)e), (unsigned long long)seen[c][e]);
        printf("\n");
    }
    /* the run is worth something only if every outcome came up */
    if (ops >= 100000) {
        int want[][2] = {{LX_INV_HOLD, LX_OK},        {LX_INV_HOLD, LX_SOLDOUT},
                         {LX_INV_HOLD, LX_TAKEN},     {LX_INV_HOLD, LX_CLOSED},
                         {LX_INV_HOLD, LX_INVAL},     {LX_INV_SELL, LX_OK},
                         {LX_INV_CONFIRM, LX_OK},     {LX_INV_CONFIRM, LX_EXPIRED},
                         {LX_INV_CONFIRM, LX_CONFLICT}, {LX_INV_CONFIRM, LX_FORBIDDEN},
                         {LX_INV_CONFIRM, LX_NOTFOUND}, {LX_INV_CANCEL, LX_OK},
                         {LX_INV_REFUND, LX_OK},      {LX_INV_EXPIRE, LX_OK},
                         {LX_INV_EXPIRE, LX_CONFLICT}, {0, LX_OK},
                         {0, LX_TAKEN},               {0, LX_INVAL}};
        for (size_t i = 0; i < sizeof want / sizeof *want; i++)
            CHECK(seen[want[i][0]][want[i][1]] > 0, "%s never gave %s", names[want[i][0]],
                  lx_errcode((lx_err)want[i][1]));
    }
    free(runs);
    lx_tt_destroy(tt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
