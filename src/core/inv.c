/* The seat inventory of train runs: layout, quotas and the allocation policy.
 *
 * A RUN is a trip on a service day. It is created on first use (lx_inv_run_add) from
 * the timetable and never goes away before the lx_inv does. The day is the GTFS
 * service day (lx_leg.service_day): the run exists when the trip's service runs that
 * day. A frequency-based trip (frequencies.txt) is sold as its template alone, the run
 * of offset 0: selling each frequency slot separately would need a slot in the run's
 * key, which no caller has asked for yet.
 *
 * SEATS. The trip's seat layout lists coaches; each coach has one class, a seat count
 * and the letters of one row ("ABCDF"). Seat indexes run coach by coach in layout
 * order and, within a coach, row by row: seats = 118 with ABCDF gives 01A 01B 01C 01D
 * 01F 02A ... 24A 24B 24C (the last row partial). Window seats are those whose letter is
 * in window_letters. The aisle rule: a row of n letters has a left side of the first
 * ceil(n/2) letters and a right side of the rest; the aisle seats are the last letter of
 * the left side and the first of the right side, except that a side of one letter has
 * no aisle seat (it is a window seat alone): ABCDF -> C, D; ACDF -> C, D; ACF -> C.
 *
 * OCCUPANCY. A run has at most 64 segments (segment k: stop k to stop k+1), so each
 * seat's occupancy is one 64-bit word `occ` with bit k set when segment k is taken; a
 * journey from a to b is the mask of bits a .. b-1 and the seat is free for it when
 * (occ & mask) == 0. The words are one flat array, so a pass over a class's seats is a
 * walk over consecutive words.
 *
 * QUOTAS put every seat in one BUCKET, fixed when the run is created: general (0),
 * cross-border (1: every seat of the coaches a cross_border quota names) or
 * long-distance (2: share_pct percent of each class's seats that are not cross-border,
 * spread evenly over them: among a class's m such seats in index order, seat j is in
 * the share when floor((j+1) * pct / 100) > floor(j * pct / 100), which picks exactly
 * floor(m * pct / 100) seats, one every 100/pct). A journey may buy
 *   - general seats, always;
 *   - cross-border seats when it crosses the border (both ends' countries known and
 *     different; a stop without a country takes its parent station's);
 *   - long-distance seats when it is long (|km(to) - km(from)| >= the quota's min_km,
 *     km from lx_stations.txt or the parent station), or at any journey once `now` has
 *     reached the release: departure from the run's first stop - release_minutes.
 * (The loader allows one quota of each kind per trip; given more, the first
 * long-distance row would count and the cross-border coaches would add up.)
 *
 * FREE COUNTS. For each class, each stop pair (a, b) with a < b and each bucket, cnt
 * holds how many seats are free over a .. b. Pairs are packed in a triangle (pair =
 * tri[a] + b), the three buckets of a pair side by side, so lx_inv_avail reads one
 * flag byte and at most three adjacent counters:
 *   avail = cnt[gen] + (crosses ? cnt[cb] : 0) + (long || now >= release ? cnt[ld] : 0)
 * which is O(1) and branch-light. When a seat's word changes on segments x .. y-1, the
 * pairs whose freedom changes are exactly the pairs (a, b) that lie inside the seat's
 * free stretch lo .. hi around x .. y-1 and overlap it (a < y and b > x): the update
 * touches those counters and nothing else (at most (y - lo) * (hi - x) of them).
 *
 * ALLOCATION (src/core/inv_alloc.c). A hold is one pass over the seats of the asked
 * class, coach by coach, row by row. A seat is eligible when its bucket is open to the
 * journey (above) and it is free over the journey. Each eligible seat gets a score,
 * smaller is better, compared field by field:
 *   1. quota rank: a cross-border journey prefers cross-border seats, then (when it
 *      is long and the share is not released) long-distance seats, then general
 *      ones; a long journey prefers the long-distance share, then general seats;
 *      everybody else sees one rank. The quotas are there to be used by the journeys
 *      they protect, which leaves the general seats to the others.
 *   2. the passenger's wish (window / aisle) when one is given: a seat that does not
 *      match is taken only when no matching seat is left.
 *   3. FIT: the length of the seat's free stretch lo .. hi containing the journey. The
 *      tightest fit wins, so long free stretches stay whole for long journeys: a
 *      Pu'er - Luang Prabang journey goes into the gap a Kunming - Pu'er and a
 *      Luang Prabang - Vientiane sale left, not onto an untouched seat.
 *   4. a stretch the journey touches at one of its ends (lo == from or hi == to)
 *      leaves one fragment instead of two;
 *   5. the lowest seat index (so the choice is deterministic, and the front of the
 *      train fills first).
 * Single seats stop the pass early at a perfect score (rank 0, wish met, the stretch
 * is the journey itself). A GROUP of n wants to sit together, so the same pass also
 * keeps the n best seats of the current row and of the current coach: the row with
 * n eligible seats and the smallest sum of scores wins (sums compare field by field
 * too: quota ranks, then missed wishes, then fits, then untouched stretches; the
 * first such row on a tie); failing any such row, the coach with n eligible seats
 * and the smallest sum; failing that, the n best seats anywhere. Fewer than n
 * eligible seats is LX_SOLDOUT and nothing is taken. Named seats are taken exactly
 * or refused (LX_TAKEN, also when the quotas close them to the journey); the rest of
 * the group is chosen as above among the other seats. LX_ALLOC_FIRST_FIT takes the
 * lowest eligible indexes and exists to measure the policy against.
 *
 * WHY TIGHTEST FIT (bench/inventory/util.c, docs/PERFORMANCE.md). Offering the same
 * random journeys to each policy until the train is full: without refunds every greedy
 * rule sells within a seat or two of first fit — first fit fills the low seats first, so
 * the low seats are the fragmented ones and it mostly picks a tight stretch anyway. Once
 * refunds open holes, tightest fit sells 0.1–0.9% more seat-kilometres than first fit,
 * within half a percent of the best of the rules we tried (a random seat, "keep whole
 * seats whole", fewest stop pairs destroyed, scarce pairs weighted by demand, exact fit
 * first — none better on both counts), and refuses a quarter to a third fewer journeys
 * for want of a fitting seat while every section still has one. It refuses slightly
 * more journeys in all: the long journeys it keeps room for fill sections that short
 * ones would have used — a trade the operator wins on seat-kilometres. One exception:
 * with the cross-border coach quota, every sale on a quota seat crosses the border and
 * what is left of that seat can never be sold, so spreading cross-border journeys (a
 * random seat) sells more; a quota-aware rule is future work.
 *
 * ORDERS are kept per run, terminal ones too (a late payment is told "expired", not
 * "not found"), in a growable array with an open-addressing hash (linear probing,
 * backward-shift deletion) from id to index. The held ones are also in a binary
 * min-heap by deadline, so the next deadline is O(1), a hold enters or leaves in
 * O(log holds), and listing the k expired holds visits only them and their children.
 *
 * CHECKING (src/core/inv_check.c): lx_inv_check recomputes the words, the counts and
 * the heap from the orders alone and names the first difference.
 */
#include "inv_int.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct lx_inv {
    const lx_tt *tt;
    lx_inv_run **runs; /* creation order */
    uint32_t n_runs, cap_runs;
    uint32_t *hash;    /* index + 1 by (trip, day); 0 empty */
    uint32_t hash_cap; /* power of two */
};

void lx_inv_say(char *msg, size_t len, const char *fmt, ...)
{
    if (!msg || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

/* ---- order states ---- */

static const char *const state_names[] = {"none",      "held",    "confirmed",
                                          "cancelled", "expired", "refunded"};

const char *lx_order_state_name(lx_order_state s)
{
    return (unsigned)s < sizeof state_names / sizeof *state_names ? state_names[s] : "none";
}

lx_order_state lx_order_state_parse(const char *name)
{
    for (unsigned i = 1; name && i < sizeof state_names / sizeof *state_names; i++)
        if (strcmp(name, state_names[i]) == 0)
            return (lx_order_state)i;
    return LX_ORDER_NONE;
}

/* ---- the table of runs ---- */

lx_err lx_inv_create(const lx_tt *tt, lx_inv **out)
{
    *out = NULL;
    lx_inv *inv = calloc(1, sizeof *inv);
    if (!inv)
        return LX_NOMEM;
    inv->tt = tt;
    *out = inv;
    return LX_OK;
}

static void run_free(lx_inv_run *r)
{
    if (!r)
        return;
    free(r->cls_names);
    free(r->coaches);
    free(r->seats);
    free(r->occ);
    free(r->cnt);
    free(r->pflag);
    free(r->orders);
    free(r->ohash);
    free(r->heap);
    free(r->hpos);
    free(r);
}

void lx_inv_destroy(lx_inv *inv)
{
    if (!inv)
        return;
    for (uint32_t i = 0; i < inv->n_runs; i++)
        run_free(inv->runs[i]);
    free(inv->runs);
    free(inv->hash);
    free(inv);
}

const lx_tt *lx_inv_tt(const lx_inv *inv)
{
    return inv->tt;
}

static uint32_t run_home(uint32_t trip, lx_date_t day, uint32_t cap)
{
    uint64_t k = ((uint64_t)trip << 32 | (uint32_t)day) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(k >> 32) & (cap - 1);
}

lx_inv_run *lx_inv_run_find(const lx_inv *inv, uint32_t trip, lx_date_t day)
{
    if (!inv->hash_cap)
        return NULL;
    for (uint32_t i = run_home(trip, day, inv->hash_cap);; i = (i + 1) & (inv->hash_cap - 1)) {
        uint32_t v = inv->hash[i];
        if (!v)
            return NULL;
        lx_inv_run *r = inv->runs[v - 1];
        if (r->trip == trip && r->day == day)
            return r;
    }
}

static lx_err runs_insert(lx_inv *inv, lx_inv_run *r)
{
    if (inv->n_runs == inv->cap_runs) {
        uint32_t cap = inv->cap_runs ? inv->cap_runs * 2 : 16;
        lx_inv_run **v = realloc(inv->runs, cap * sizeof *v);
        if (!v)
            return LX_NOMEM;
        inv->runs = v;
        inv->cap_runs = cap;
    }
    if ((inv->n_runs + 1) * 2 > inv->hash_cap) {
        uint32_t cap = inv->hash_cap ? inv->hash_cap * 2 : 32;
        uint32_t *h = calloc(cap, sizeof *h);
        if (!h)
            return LX_NOMEM;
        for (uint32_t k = 0; k < inv->n_runs; k++) {
            uint32_t i = run_home(inv->runs[k]->trip, inv->runs[k]->day, cap);
            while (h[i])
                i = (i + 1) & (cap - 1);
            h[i] = k + 1;
        }
        free(inv->hash);
        inv->hash = h;
        inv->hash_cap = cap;
    }
    uint32_t i = run_home(r->trip, r->day, inv->hash_cap);
    while (inv->hash[i])
        i = (i + 1) & (inv->hash_cap - 1);
    inv->runs[inv->n_runs++] = r;
    inv->hash[i] = inv->n_runs;
    return LX_OK;
}

uint32_t lx_inv_run_count(const lx_inv *inv)
{
    return inv->n_runs;
}

lx_inv_run *lx_inv_run_at(const lx_inv *inv, uint32_t i)
{
    return i < inv->n_runs ? inv->runs[i] : NULL;
}

/* ---- building a run ---- */

/* Country and chainage of a stop, the parent station's when the stop has none. */
static void stop_meta(const lx_tt *tt, uint32_t st, char country[3], double *km)
{
    uint32_t n;
    const lx_station *s = lx_tt_stations(tt, &n);
    const lx_station *x = &s[st];
    const lx_station *p = x->parent != LX_NONE && x->parent < n ? &s[x->parent] : NULL;
    memcpy(country, x->country[0] || !p ? x->country : p->country, 3);
    country[2] = '\0';
    *km = !isnan(x->km) || !p ? x->km : p->km;
}

static int is_aisle(uint32_t pos, uint32_t n)
{
    uint32_t left = (n + 1) / 2, right = n - left;
    return (pos == left - 1 && left >= 2) || (pos == left && right >= 2);
}

/* Whether coach number `number` is listed in a space-separated list. */
static int coach_listed(const char *list, unsigned number)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        unsigned v = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (v < 100000)
                v = v * 10 + (unsigned)(*p - '0');
            p++;
            digits = 1;
        }
        if (digits && v == number && (*p == '\0' || *p == ' ' || *p == ','))
            return 1;
        while (*p && *p != ' ' && *p != ',')
            p++;
    }
    return 0;
}

static lx_err build_seats(lx_inv_run *r, const lx_tt *tt, const lx_layout *lay, char *msg,
                          size_t msg_len)
{
    uint32_t nc;
    const lx_coach *coaches = lx_tt_coaches(tt, &nc);
    if (lay->coach_count > UINT16_MAX) {
        lx_inv_say(msg, msg_len, "seat layout %s has too many coaches", lay->id);
        return LX_RANGE;
    }
    r->n_coaches = lay->coach_count;
    r->coaches = calloc(r->n_coaches ? r->n_coaches : 1, sizeof *r->coaches);
    r->cls_names = calloc(r->n_coaches ? r->n_coaches : 1, sizeof *r->cls_names);
    if (!r->coaches || !r->cls_names)
        return LX_NOMEM;
    uint32_t seats = 0;
    for (uint32_t k = 0; k < r->n_coaches; k++) {
        const lx_coach *c = &coaches[lay->coach_first + k];
        lx_inv_coach *rc = &r->coaches[k];
        uint32_t cls = 0;
        while (cls < r->n_cls && strcasecmp(r->cls_names[cls], c->cls) != 0)
            cls++;
        if (cls == r->n_cls) {
            if (r->n_cls == 255) {
                lx_inv_say(msg, msg_len, "seat layout %s has more than 255 classes", lay->id);
                return LX_RANGE;
            }
            r->cls_names[r->n_cls++] = c->cls;
        }
        size_t nl = strlen(c->letters);
        if ((nl == 0 && c->seats > 0) || nl > 64) {
            lx_inv_say(msg, msg_len, "coach %u of seat layout %s has %s seat letters",
                       (unsigned)c->coach, lay->id, nl ? "too many" : "no");
            return LX_RANGE;
        }
        rc->number = c->coach;
        rc->cls = (uint8_t)cls;
        rc->n_letters = (uint8_t)nl;
        rc->letters = c->letters;
        rc->first = seats;
        rc->count = c->seats;
        seats += c->seats;
    }
    r->n_seats = seats;
    r->seats = calloc(seats ? seats : 1, sizeof *r->seats);
    r->occ = calloc(seats ? seats : 1, sizeof *r->occ);
    if (!r->seats || !r->occ)
        return LX_NOMEM;
    for (uint32_t k = 0; k < r->n_coaches; k++) {
        const lx_coach *c = &coaches[lay->coach_first + k];
        const lx_inv_coach *rc = &r->coaches[k];
        for (uint32_t j = 0; j < rc->count; j++) {
            lx_inv_seatrec *s = &r->seats[rc->first + j];
            uint32_t pos = j % rc->n_letters;
            s->coach = (uint16_t)k;
            s->row = (uint16_t)(j / rc->n_letters + 1);
            s->letter = (uint8_t)pos;
            s->cls = rc->cls;
            s->flags =
                (uint8_t)((strchr(c->window_letters, rc->letters[pos]) ? LX_INV_SEAT_WINDOW : 0) |
                          (is_aisle(pos, rc->n_letters) ? LX_INV_SEAT_AISLE : 0));
        }
    }
    return LX_OK;
}

/* Quota buckets of the seats (see the essay). */
static void assign_quotas(lx_inv_run *r, const lx_tt *tt)
{
    uint32_t nq;
    const lx_quota *q = lx_tt_quotas(tt, &nq);
    const lx_quota *ld = NULL;
    for (uint32_t i = 0; i < nq; i++) {
        if (q[i].trip != r->trip)
            continue;
        if (q[i].kind == LX_QUOTA_CROSS_BORDER && q[i].coaches) {
            for (uint32_t k = 0; k < r->n_coaches; k++)
                if (coach_listed(q[i].coaches, r->coaches[k].number))
                    for (uint32_t j = 0; j < r->coaches[k].count; j++)
                        r->seats[r->coaches[k].first + j].bucket = LX_INV_B_CB;
        } else if (q[i].kind == LX_QUOTA_LONG_DISTANCE && !ld) {
            ld = &q[i];
        }
    }
    r->release = LX_INSTANT_MAX;
    if (!ld)
        return;
    r->has_ld = 1;
    r->ld_min_km = ld->min_km;
    r->release = r->dep[0] - (lx_instant_t)ld->release_minutes * 60;
    int64_t pct = ld->share_pct < 0 ? 0 : ld->share_pct > 100 ? 100 : ld->share_pct;
    for (uint32_t cls = 0; cls < r->n_cls; cls++) {
        int64_t j = 0;
        for (uint32_t s = 0; s < r->n_seats; s++) {
            if (r->seats[s].cls != cls || r->seats[s].bucket == LX_INV_B_CB)
                continue;
            if ((j + 1) * pct / 100 > j * pct / 100)
                r->seats[s].bucket = LX_INV_B_LD;
            j++;
        }
    }
}

/* The operator's rule for one scope, else its other rule, else NULL. */
static const lx_sales_rule *rule_for(const lx_tt *tt, uint32_t agency, const char *scope)
{
    uint32_t nr;
    const lx_sales_rule *rules = lx_tt_sales_rules(tt, &nr);
    const lx_sales_rule *other = NULL;
    for (uint32_t i = 0; i < nr; i++) {
        if (rules[i].agency != agency)
            continue;
        if (strcmp(rules[i].scope, scope) == 0)
            return &rules[i];
        if (!other)
            other = &rules[i];
    }
    return other;
}

static void read_rules(lx_inv_run *r, const lx_tt *tt, const lx_trip *tr)
{
    uint32_t nrt;
    const lx_route *routes = lx_tt_routes(tt, &nrt);
    uint32_t agency = tr->route < nrt ? routes[tr->route].agency : LX_NONE;
    const char *last = r->country[r->n_stops - 1];
    int cross = r->country[0][0] && last[0] && strcmp(r->country[0], last) != 0;
    const lx_sales_rule *hit = rule_for(tt, agency, cross ? "cross_border" : "domestic");
    r->hold_s = hit ? hit->hold_minutes * 60 : 30 * 60;
    r->hold_near_s = hit ? hit->hold_minutes_near * 60 : 10 * 60;
    r->near_s = hit ? hit->near_minutes * 60 : 120 * 60;
    for (int k = 0; k < 2; k++) {
        const lx_sales_rule *ru = rule_for(tt, agency, k ? "cross_border" : "domestic");
        r->open_s[k] = ru && ru->open_days > 0 ? ru->open_days * 86400 : 0;
        r->close_s[k] = ru && ru->close_minutes > 0 ? ru->close_minutes * 60 : 0;
        r->max_pax[k] = ru && ru->max_passengers > 0 ? ru->max_passengers : LX_INV_MAX_PAX;
    }
}

lx_err lx_inv_sales_check(const lx_inv_run *r, uint32_t from, uint32_t to, uint32_t n,
                          lx_instant_t now, lx_inv_sales *out)
{
    lx_inv_sales info = {LX_INV_RULE_NONE, 0, 0, 0};
    lx_err e = LX_OK;
    if (from < to && to < r->n_stops) {
        int k = lx_inv_is_cross_border(r, from, to);
        lx_instant_t dep = r->dep[from];
        info.close_at = dep - r->close_s[k];
        info.open_at = r->open_s[k] ? dep - r->open_s[k] : 0;
        info.max_passengers = (uint32_t)r->max_pax[k];
        if (now >= dep)
            e = LX_CLOSED, info.rule = LX_INV_RULE_DEPARTED;
        else if (now >= info.close_at)
            e = LX_RULE, info.rule = LX_INV_RULE_SALES_CLOSE;
        else if (info.open_at && now < info.open_at)
            e = LX_RULE, info.rule = LX_INV_RULE_SALES_OPEN;
        else if (n > info.max_passengers)
            e = LX_RULE, info.rule = LX_INV_RULE_MAX_PASSENGERS;
    }
    if (out)
        *out = info;
    return e;
}

const char *lx_inv_rule_name(lx_inv_rule rule)
{
    static const char *const names[] = {"", "departed", "sales_close", "sales_open",
                                        "max_passengers"};
    return rule < sizeof names / sizeof names[0] ? names[rule] : "";
}

static lx_err build_counts(lx_inv_run *r)
{
    uint32_t S = r->n_stops;
    r->n_pairs = S * (S - 1) / 2;
    /* pair index of (a, b) = tri[a] + b, consecutive in b for a fixed a */
    int32_t base = 0;
    for (uint32_t a = 0; a < S; a++) {
        r->tri[a] = base - (int32_t)a - 1;
        base += (int32_t)(S - a - 1);
    }
    r->pflag = calloc(r->n_pairs ? r->n_pairs : 1, 1);
    r->cnt = calloc((size_t)(r->n_cls ? r->n_cls : 1) * r->n_pairs * LX_INV_NB, sizeof *r->cnt);
    if (!r->pflag || !r->cnt)
        return LX_NOMEM;
    for (uint32_t a = 0; a + 1 < S; a++)
        for (uint32_t b = a + 1; b < S; b++)
            r->pflag[r->tri[a] + (int32_t)b] =
                (uint8_t)((lx_inv_is_cross_border(r, a, b) ? LX_INV_PAIR_CB : 0) |
                          (lx_inv_is_long_distance(r, a, b) ? LX_INV_PAIR_LD : 0));
    uint32_t tot[256][LX_INV_NB];
    memset(tot, 0, sizeof tot);
    for (uint32_t s = 0; s < r->n_seats; s++)
        tot[r->seats[s].cls][r->seats[s].bucket]++;
    for (uint32_t c = 0; c < r->n_cls; c++)
        for (uint32_t p = 0; p < r->n_pairs; p++)
            for (uint32_t b = 0; b < LX_INV_NB; b++)
                r->cnt[((size_t)c * r->n_pairs + p) * LX_INV_NB + b] = tot[c][b];
    return LX_OK;
}

static lx_err run_build(const lx_tt *tt, uint32_t trip, lx_date_t day, lx_inv_run **out, char *msg,
                        size_t msg_len)
{
    uint32_t nt, nl;
    const lx_trip *trips = lx_tt_trips(tt, &nt);
    const lx_layout *lays = lx_tt_layouts(tt, &nl);
    if (trip >= nt) {
        lx_inv_say(msg, msg_len, "no trip %u in the timetable", (unsigned)trip);
        return LX_NOTFOUND;
    }
    const lx_trip *tr = &trips[trip];
    if (tr->st_count < 2) {
        lx_inv_say(msg, msg_len, "trip %s has fewer than two stops", tr->id);
        return LX_NOTFOUND;
    }
    if (tr->st_count - 1 > LX_INV_MAX_SEGMENTS) {
        lx_inv_say(msg, msg_len, "trip %s has %u segments, more than the %d a run can hold", tr->id,
                   (unsigned)(tr->st_count - 1), LX_INV_MAX_SEGMENTS);
        return LX_RANGE;
    }
    if (!lx_tt_service_runs(tt, tr->service, day)) {
        char d[11];
        lx_date_format(day, 1, d);
        lx_inv_say(msg, msg_len, "trip %s does not run on service day %s", tr->id, d);
        return LX_NOTFOUND;
    }
    if (tr->layout == LX_NONE || tr->layout >= nl) {
        lx_inv_say(msg, msg_len, "trip %s has no seat layout (lx_train_layouts.txt)", tr->id);
        return LX_NOTFOUND;
    }
    lx_inv_run *r = calloc(1, sizeof *r);
    if (!r)
        return LX_NOMEM;
    r->tt = tt;
    r->trip = trip;
    r->day = day;
    r->n_stops = tr->st_count;
    const uint32_t *st_stop = lx_tt_st_stop(tt);
    lx_leg leg = {trip, day, 0, tr->st_first, tr->st_first + tr->st_count - 1, 0, 0};
    for (uint32_t k = 0; k < r->n_stops; k++) {
        stop_meta(tt, st_stop[tr->st_first + k], r->country[k], &r->km[k]);
        r->dep[k] = lx_tt_st_instant(tt, &leg, tr->st_first + k, 1);
    }
    lx_err e = build_seats(r, tt, &lays[tr->layout], msg, msg_len);
    if (e == LX_OK) {
        assign_quotas(r, tt);
        read_rules(r, tt, tr);
        e = build_counts(r);
    }
    if (e != LX_OK) {
        if (e == LX_NOMEM)
            lx_inv_say(msg, msg_len, "out of memory building the run of trip %s", tr->id);
        run_free(r);
        return e;
    }
    *out = r;
    return LX_OK;
}

lx_err lx_inv_run_add(lx_inv *inv, uint32_t trip, lx_date_t day, lx_inv_run **out, char *msg,
                      size_t msg_len)
{
    if (msg && msg_len)
        msg[0] = '\0';
    lx_inv_run *r = lx_inv_run_find(inv, trip, day);
    if (!r) {
        lx_err e = run_build(inv->tt, trip, day, &r, msg, msg_len);
        if (e != LX_OK) {
            *out = NULL;
            return e;
        }
        if ((e = runs_insert(inv, r)) != LX_OK) {
            run_free(r);
            lx_inv_say(msg, msg_len, "out of memory adding a run");
            *out = NULL;
            return e;
        }
    }
    *out = r;
    return LX_OK;
}

/* ---- a run's shape ---- */

uint32_t lx_inv_run_trip(const lx_inv_run *r)
{
    return r->trip;
}
lx_date_t lx_inv_run_day(const lx_inv_run *r)
{
    return r->day;
}
uint32_t lx_inv_stop_count(const lx_inv_run *r)
{
    return r->n_stops;
}
uint32_t lx_inv_seat_count(const lx_inv_run *r)
{
    return r->n_seats;
}
uint32_t lx_inv_class_count(const lx_inv_run *r)
{
    return r->n_cls;
}

const char *lx_inv_class_name(const lx_inv_run *r, uint32_t cls)
{
    return cls < r->n_cls ? r->cls_names[cls] : "";
}

uint32_t lx_inv_class(const lx_inv_run *r, const char *name)
{
    for (uint32_t c = 0; name && c < r->n_cls; c++)
        if (strcasecmp(r->cls_names[c], name) == 0)
            return c;
    return LX_NONE;
}

void lx_inv_seat_info(const lx_inv_run *r, uint32_t seat, lx_inv_seat *out)
{
    memset(out, 0, sizeof *out);
    if (seat >= r->n_seats)
        return;
    const lx_inv_seatrec *s = &r->seats[seat];
    const lx_inv_coach *c = &r->coaches[s->coach];
    out->coach = c->number;
    out->row = s->row;
    out->letter = c->letters[s->letter];
    out->cls = s->cls;
    out->window = (s->flags & LX_INV_SEAT_WINDOW) != 0;
    out->aisle = (s->flags & LX_INV_SEAT_AISLE) != 0;
    out->quota = s->bucket;
}

void lx_inv_seat_label(const lx_inv_run *r, uint32_t seat, char *buf, size_t n)
{
    if (!n)
        return;
    if (seat >= r->n_seats) {
        snprintf(buf, n, "?");
        return;
    }
    const lx_inv_seatrec *s = &r->seats[seat];
    const lx_inv_coach *c = &r->coaches[s->coach];
    snprintf(buf, n, "%02u-%02u%c", (unsigned)c->number, (unsigned)s->row, c->letters[s->letter]);
}

lx_err lx_inv_seat_parse(const lx_inv_run *r, const char *label, uint32_t *seat)
{
    const char *p = label;
    unsigned coach = 0, row = 0;
    int nd = 0;
    if (!p)
        return LX_INVAL;
    for (; *p >= '0' && *p <= '9'; p++, nd++)
        coach = coach * 10 + (unsigned)(*p - '0');
    if (nd < 1 || nd > 3 || (*p != '-' && *p != '/'))
        return LX_INVAL;
    p++;
    for (nd = 0; *p >= '0' && *p <= '9'; p++, nd++)
        row = row * 10 + (unsigned)(*p - '0');
    if (nd < 1 || nd > 5)
        return LX_INVAL;
    char letter = *p;
    if (letter >= 'a' && letter <= 'z')
        letter = (char)(letter - 'a' + 'A');
    if (letter < 'A' || letter > 'Z' || p[1] != '\0')
        return LX_INVAL;
    for (uint32_t k = 0; k < r->n_coaches; k++) {
        const lx_inv_coach *c = &r->coaches[k];
        if (c->number != coach)
            continue;
        const char *at = c->n_letters ? strchr(c->letters, letter) : NULL;
        if (!at || row < 1)
            return LX_NOTFOUND;
        uint64_t j = (uint64_t)(row - 1) * c->n_letters + (uint64_t)(at - c->letters);
        if (j >= c->count)
            return LX_NOTFOUND;
        *seat = c->first + (uint32_t)j;
        return LX_OK;
    }
    return LX_NOTFOUND;
}

int lx_inv_seat_free(const lx_inv_run *r, uint32_t seat, uint32_t from, uint32_t to)
{
    if (seat >= r->n_seats || from >= to || to >= r->n_stops)
        return 0;
    return (r->occ[seat] & lx_inv_mask(from, to)) == 0;
}

/* ---- times and quotas ---- */

lx_instant_t lx_inv_departure(const lx_inv_run *r, uint32_t pos)
{
    return pos < r->n_stops ? r->dep[pos] : r->dep[r->n_stops - 1];
}

int32_t lx_inv_hold_seconds(const lx_inv_run *r, uint32_t from, lx_instant_t now)
{
    lx_instant_t left = lx_inv_departure(r, from) - now;
    return left <= (lx_instant_t)r->near_s ? r->hold_near_s : r->hold_s;
}

const char *lx_inv_stop_country(const lx_inv_run *r, uint32_t pos)
{
    return pos < r->n_stops ? r->country[pos] : "";
}

int lx_inv_is_cross_border(const lx_inv_run *r, uint32_t from, uint32_t to)
{
    if (from >= r->n_stops || to >= r->n_stops)
        return 0;
    const char *a = r->country[from], *b = r->country[to];
    return a[0] && b[0] && strcmp(a, b) != 0;
}

int lx_inv_is_long_distance(const lx_inv_run *r, uint32_t from, uint32_t to)
{
    if (!r->has_ld || from >= r->n_stops || to >= r->n_stops)
        return 0;
    double a = r->km[from], b = r->km[to];
    if (isnan(a) || isnan(b))
        return 0;
    return fabs(b - a) >= (double)r->ld_min_km;
}

/* ---- queries ---- */

uint32_t lx_inv_avail(const lx_inv_run *r, uint32_t from, uint32_t to, uint32_t cls,
                      lx_instant_t now)
{
    if (from >= to || to >= r->n_stops || cls >= r->n_cls)
        return 0;
    uint32_t p = (uint32_t)(r->tri[from] + (int32_t)to);
    const uint32_t *c = &r->cnt[((size_t)cls * r->n_pairs + p) * LX_INV_NB];
    uint32_t f = r->pflag[p];
    return c[LX_INV_B_GEN] + ((f & LX_INV_PAIR_CB) ? c[LX_INV_B_CB] : 0) +
           ((f & LX_INV_PAIR_LD) || now >= r->release ? c[LX_INV_B_LD] : 0);
}

int lx_inv_seat_sellable(const lx_inv_run *r, uint32_t seat, uint32_t from, uint32_t to,
                         lx_instant_t now)
{
    if (!lx_inv_seat_free(r, seat, from, to))
        return 0;
    uint32_t f = r->pflag[r->tri[from] + (int32_t)to];
    switch (r->seats[seat].bucket) {
    case LX_INV_B_CB:
        return (f & LX_INV_PAIR_CB) != 0;
    case LX_INV_B_LD:
        return (f & LX_INV_PAIR_LD) || now >= r->release;
    default:
        return 1;
    }
}

/* ---- orders ---- */

static uint32_t order_home(lx_order_id id, uint32_t cap)
{
    uint64_t h = id * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32) & (cap - 1);
}

uint32_t lx_inv_order_find(const lx_inv_run *r, lx_order_id id)
{
    if (!r->ohash_cap)
        return LX_NONE;
    for (uint32_t i = order_home(id, r->ohash_cap);; i = (i + 1) & (r->ohash_cap - 1)) {
        uint32_t v = r->ohash[i];
        if (!v)
            return LX_NONE;
        if (r->orders[v - 1].id == id)
            return v - 1;
    }
}

/* The hash slot holding order index i. */
static uint32_t order_slot(const lx_inv_run *r, uint32_t i)
{
    uint32_t s = order_home(r->orders[i].id, r->ohash_cap);
    while (r->ohash[s] != i + 1)
        s = (s + 1) & (r->ohash_cap - 1);
    return s;
}

lx_err lx_inv_order_reserve(lx_inv_run *r)
{
    if (r->n_orders == r->cap_orders) {
        uint32_t cap = r->cap_orders ? r->cap_orders * 2 : 64;
        lx_inv_order *v = realloc(r->orders, cap * sizeof *v);
        if (!v)
            return LX_NOMEM;
        r->orders = v;
        uint32_t *h = realloc(r->heap, cap * sizeof *h);
        if (!h)
            return LX_NOMEM;
        r->heap = h;
        uint32_t *p = realloc(r->hpos, cap * sizeof *p);
        if (!p)
            return LX_NOMEM;
        r->hpos = p;
        r->cap_orders = cap;
    }
    if ((r->n_orders + 1) * 2 > r->ohash_cap) {
        uint32_t cap = r->ohash_cap ? r->ohash_cap * 2 : 128;
        uint32_t *h = calloc(cap, sizeof *h);
        if (!h)
            return LX_NOMEM;
        for (uint32_t k = 0; k < r->n_orders; k++) {
            uint32_t s = order_home(r->orders[k].id, cap);
            while (h[s])
                s = (s + 1) & (cap - 1);
            h[s] = k + 1;
        }
        free(r->ohash);
        r->ohash = h;
        r->ohash_cap = cap;
    }
    return LX_OK;
}

void lx_inv_order_insert(lx_inv_run *r, const lx_inv_order *o)
{
    assert(r->n_orders < r->cap_orders && (r->n_orders + 1) * 2 <= r->ohash_cap);
    uint32_t i = r->n_orders++;
    r->orders[i] = *o;
    r->hpos[i] = LX_NONE;
    uint32_t s = order_home(o->id, r->ohash_cap);
    while (r->ohash[s])
        s = (s + 1) & (r->ohash_cap - 1);
    r->ohash[s] = i + 1;
}

void lx_inv_order_remove(lx_inv_run *r, uint32_t i)
{
    uint32_t mask = r->ohash_cap - 1, hole = order_slot(r, i);
    /* backward-shift deletion: pull later entries of the probe chain into the hole */
    for (uint32_t j = (hole + 1) & mask; r->ohash[j]; j = (j + 1) & mask) {
        uint32_t k = order_home(r->orders[r->ohash[j] - 1].id, r->ohash_cap);
        int stays = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j);
        if (stays)
            continue;
        r->ohash[hole] = r->ohash[j];
        hole = j;
    }
    r->ohash[hole] = 0;
    assert(r->hpos[i] == LX_NONE);
    uint32_t last = r->n_orders - 1;
    if (i != last) {
        uint32_t s = order_slot(r, last);
        r->orders[i] = r->orders[last];
        r->ohash[s] = i + 1;
        r->hpos[i] = r->hpos[last];
        if (r->hpos[i] != LX_NONE)
            r->heap[r->hpos[i]] = i;
    }
    r->n_orders--;
}

/* ---- the heap of held orders ---- */

static int heap_less(const lx_inv_run *r, uint32_t a, uint32_t b)
{
    return r->orders[r->heap[a]].expires_at < r->orders[r->heap[b]].expires_at;
}

static void heap_swap(lx_inv_run *r, uint32_t a, uint32_t b)
{
    uint32_t t = r->heap[a];
    r->heap[a] = r->heap[b];
    r->heap[b] = t;
    r->hpos[r->heap[a]] = a;
    r->hpos[r->heap[b]] = b;
}

static void heap_up(lx_inv_run *r, uint32_t p)
{
    while (p > 0 && heap_less(r, p, (p - 1) / 2)) {
        heap_swap(r, p, (p - 1) / 2);
        p = (p - 1) / 2;
    }
}

static void heap_down(lx_inv_run *r, uint32_t p)
{
    for (;;) {
        uint32_t c = 2 * p + 1;
        if (c >= r->n_held)
            return;
        if (c + 1 < r->n_held && heap_less(r, c + 1, c))
            c++;
        if (!heap_less(r, c, p))
            return;
        heap_swap(r, c, p);
        p = c;
    }
}

void lx_inv_held_push(lx_inv_run *r, uint32_t i)
{
    assert(r->hpos[i] == LX_NONE && r->n_held < r->cap_orders);
    uint32_t p = r->n_held++;
    r->heap[p] = i;
    r->hpos[i] = p;
    heap_up(r, p);
}

void lx_inv_held_drop(lx_inv_run *r, uint32_t i)
{
    uint32_t p = r->hpos[i], last = --r->n_held;
    assert(p != LX_NONE && p <= last);
    if (p != last) {
        r->heap[p] = r->heap[last];
        r->hpos[r->heap[p]] = p;
        heap_down(r, p);
        heap_up(r, p);
    }
    r->hpos[i] = LX_NONE;
}

const lx_inv_order *lx_inv_order_get(const lx_inv_run *r, lx_order_id id)
{
    uint32_t i = lx_inv_order_find(r, id);
    return i == LX_NONE ? NULL : &r->orders[i];
}

uint32_t lx_inv_order_count(const lx_inv_run *r)
{
    return r->n_orders;
}

const lx_inv_order *lx_inv_order_at(const lx_inv_run *r, uint32_t i)
{
    return i < r->n_orders ? &r->orders[i] : NULL;
}
