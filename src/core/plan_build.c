/* Building the planner's data from a network, once (lx_plan_create).
 *
 * Patterns: the runs of the trips of one feed (a frequency-based trip gives one run
 * per slot) are hashed on their stop sequence and pickup/drop-off rules and sorted by
 * (hash, first departure); each group of equal sequences is then split greedily into
 * FIFO patterns: a run joins the first pattern whose last run it never overtakes (at
 * every stop it arrives and departs no earlier), else starts a new one. Most groups
 * stay whole; a fast train that passes a slow one on the same stops gets a pattern of
 * its own, so that a binary search over one stop's departures finds the earliest trip
 * that is also the earliest everywhere downstream.
 *
 * Footpaths, each with its walking or change time: transfers.txt rows between two
 * stops; the platforms of one parent station among themselves; and links between
 * feeds, stations of two feeds bearing the same folded name within opts.link_meters,
 * or the same stop_code. The change time at a stop itself is kept apart (change[]).
 *
 * The mirrored direction is derived from the forward one at the end. */
#include "lanxang/text.h"
#include "mem.h"
#include "plan_int.h"
#include "tt_int.h"

#include <stdlib.h>
#include <string.h>

void lx_plan_opts_init(lx_plan_opts *o)
{
    o->min_change_seconds = 600;
    o->border_seconds = 3600;
    o->link_meters = 500;
    o->walk_mm_per_s = 1200;
    o->max_transfers = 5;
    o->max_duration_seconds = 2 * 86400;
    o->slack_seconds = 7200;
}

const lx_plan_opts *lx_plan_get_opts(const lx_plan *plan)
{
    return &plan->opts;
}

void lx_plan_dir_free(plan_dir *d)
{
    free(d->pat);
    free(d->pstop);
    free(d->pflag);
    free(d->blk);
    free(d->ptrip);
    free(d->sp_first);
    free(d->sp_pat);
    free(d->sp_pos);
    free(d->sp_svc);
    free(d->sp_dep);
    free(d->sp_one);
    free(d->sp_ix);
    free(d->fp_first);
    free(d->fp_to);
    free(d->fp_sec);
    free(d->rule_first);
    free(d->rule);
    free(d->gtrip_pat);
    free(d->gtrip_slot);
    free(d->lb_first);
    free(d->lb_from);
    free(d->lb_w);
    memset(d, 0, sizeof *d);
}

void lx_plan_destroy(lx_plan *p)
{
    if (!p)
        return;
    lx_plan_dir_free(&p->dir[0]);
    lx_plan_dir_free(&p->dir[1]);
    free(p->feed_stop0);
    free(p->feed_trip0);
    free(p->stop_feed);
    free(p->country);
    free(p->change);
    free(p->border);
    free(p->comp);
    free(p->feed_svc0);
    free(p->pat_svc);
    free(p->place);
    free(p->line_first);
    free(p->line_place);
    free(p->place_first);
    free(p->place_line);
    free(p);
}

/* ---- geometry without libm: the core links libc alone ---- */

static double approx_sqrt(double x)
{
    if (x <= 0)
        return 0;
    double r = x > 1 ? x / 2 : 1;
    for (int i = 0; i < 60; i++) {
        double n = (r + x / r) / 2;
        if (n == r)
            break;
        r = n;
    }
    return r;
}

/* cos of a latitude in degrees (|lat| <= 90), Taylor series to x^10 */
static double approx_cos_deg(double deg)
{
    double x = deg * 3.14159265358979323846 / 180, x2 = x * x, term = 1, sum = 1;
    for (int k = 1; k <= 5; k++) {
        term *= -x2 / ((2 * k - 1) * (2 * k));
        sum += term;
    }
    return sum;
}

/* metres between two stations (equirectangular: fine below a few km); -1 unknown */
static double distance_m(const lx_station *a, const lx_station *b)
{
    if (a->lat != a->lat || b->lat != b->lat || a->lon != a->lon || b->lon != b->lon)
        return -1;
    double k = 111195.0;
    double dy = (a->lat - b->lat) * k;
    double dx = (a->lon - b->lon) * k * approx_cos_deg((a->lat + b->lat) / 2);
    return approx_sqrt(dx * dx + dy * dy);
}

/* ---- patterns ---- */

typedef struct {
    uint64_t hash;
    lx_time_t first; /* first departure, offset included */
    uint32_t trip;
    int32_t offset;
} run_key;

static int run_cmp(const void *a, const void *b)
{
    const run_key *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->trip != y->trip)
        return x->trip < y->trip ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static uint8_t st_rule(const lx_tt *tt, uint32_t pos)
{
    return (uint8_t)((tt->st_pickup[pos] == 1) | (tt->st_dropoff[pos] == 1) << 1);
}

static uint64_t trip_hash(const lx_tt *tt, const lx_trip *tr)
{
    uint64_t h = 1469598103934665603ull ^ tr->st_count;
    for (uint32_t i = 0; i < tr->st_count; i++) {
        uint32_t p = tr->st_first + i;
        h = (h ^ tt->st_stop[p]) * 1099511628211ull;
        h = (h ^ st_rule(tt, p)) * 1099511628211ull;
    }
    return h;
}

static int same_sequence(const lx_tt *tt, uint32_t a, uint32_t b)
{
    const lx_trip *x = &tt->trips[a], *y = &tt->trips[b];
    if (x->st_count != y->st_count)
        return 0;
    for (uint32_t i = 0; i < x->st_count; i++)
        if (tt->st_stop[x->st_first + i] != tt->st_stop[y->st_first + i] ||
            st_rule(tt, x->st_first + i) != st_rule(tt, y->st_first + i))
            return 0;
    return 1;
}

/* run b never overtakes run a: at every stop it arrives and departs no earlier */
static int not_before(const lx_tt *tt, const run_key *a, const run_key *b)
{
    const lx_trip *x = &tt->trips[a->trip], *y = &tt->trips[b->trip];
    for (uint32_t i = 0; i < x->st_count; i++) {
        uint32_t p = x->st_first + i, q = y->st_first + i;
        if (tt->st_arr[q] + b->offset < tt->st_arr[p] + a->offset ||
            tt->st_dep[q] + b->offset < tt->st_dep[p] + a->offset)
            return 0;
    }
    return 1;
}

typedef struct {
    lx_vec pat, pstop, pflag, blk, ptrip;
} pat_builder;

static lx_err emit_pattern(lx_plan *pl, pat_builder *b, uint32_t feed, const lx_tt *tt,
                           const run_key *runs, const uint32_t *which, uint32_t n)
{
    const lx_trip *t0 = &tt->trips[runs[which[0]].trip];
    uint32_t ns = t0->st_count;
    plan_pattern *p = lx_vec_push(&b->pat);
    if (!p || lx_vec_reserve(&b->pstop, b->pstop.len + ns) ||
        lx_vec_reserve(&b->pflag, b->pflag.len + ns) ||
        lx_vec_reserve(&b->blk, b->blk.len + ns + (size_t)ns * n * 2) ||
        lx_vec_reserve(&b->ptrip, b->ptrip.len + n))
        return LX_NOMEM;
    *p = (plan_pattern){
        feed, ns, n, (uint32_t)b->pstop.len, (uint32_t)b->ptrip.len, (uint32_t)b->blk.len};
    uint32_t base = pl->feed_stop0[feed];
    for (uint32_t i = 0; i < ns; i++) {
        uint32_t pos = t0->st_first + i;
        uint32_t g = base + tt->st_stop[pos];
        uint8_t f = 0;
        if (i + 1 < ns && tt->st_pickup[pos] != 1)
            f |= PF_BOARD;
        if (i > 0 && tt->st_dropoff[pos] != 1)
            f |= PF_ALIGHT;
        uint16_t c = pl->country[g];
        if (i > 0) {
            uint16_t o = pl->country[base + tt->st_stop[pos - 1]];
            if (c && o && c != o)
                f |= PF_BORDER_IN;
        }
        if (i + 1 < ns) {
            uint16_t o = pl->country[base + tt->st_stop[pos + 1]];
            if (c && o && c != o)
                f |= PF_BORDER_OUT;
        }
        ((uint32_t *)b->pstop.data)[b->pstop.len++] = g;
        ((uint8_t *)b->pflag.data)[b->pflag.len++] = f;
        ((int32_t *)b->blk.data)[b->blk.len + i] = (int32_t)(g | (uint32_t)f << PSTOP_BITS);
    }
    lx_time_t *ta = (lx_time_t *)b->blk.data + b->blk.len + ns;
    lx_time_t *td = ta + (size_t)ns * n;
    for (uint32_t k = 0; k < n; k++) {
        const run_key *r = &runs[which[k]];
        const lx_trip *tr = &tt->trips[r->trip];
        for (uint32_t i = 0; i < ns; i++) {
            ta[(size_t)i * n + k] = tt->st_arr[tr->st_first + i] + r->offset;
            td[(size_t)i * n + k] = tt->st_dep[tr->st_first + i] + r->offset;
        }
        ((plan_ptrip *)b->ptrip.data)[b->ptrip.len++] =
            (plan_ptrip){r->trip, tr->service, r->offset};
    }
    b->blk.len += ns + (size_t)ns * n * 2;
    if (ns > pl->max_pat_stops)
        pl->max_pat_stops = ns;
    return LX_OK;
}

/* Splits one group of runs with equal sequences (sorted by first departure) into
 * FIFO patterns. */
static lx_err split_group(lx_plan *pl, pat_builder *b, uint32_t feed, const lx_tt *tt,
                          const run_key *runs, uint32_t *idx, uint32_t n, uint32_t *sub,
                          uint32_t *tmp)
{
    uint32_t n_sub = 0;
    /* sub[j]: last run of pattern j; tmp[k]: the pattern of idx[k] */
    for (uint32_t k = 0; k < n; k++) {
        uint32_t j = 0;
        while (j < n_sub && !not_before(tt, &runs[sub[j]], &runs[idx[k]]))
            j++;
        if (j == n_sub)
            n_sub++;
        sub[j] = idx[k];
        tmp[k] = j;
    }
    for (uint32_t j = 0; j < n_sub; j++) {
        uint32_t m = 0;
        for (uint32_t k = 0; k < n; k++)
            if (tmp[k] == j)
                sub[m++] = idx[k];
        lx_err e = emit_pattern(pl, b, feed, tt, runs, sub, m);
        if (e)
            return e;
    }
    return LX_OK;
}

static lx_err build_feed_patterns(lx_plan *pl, pat_builder *b, uint32_t feed)
{
    const lx_tt *tt = lx_net_feed(pl->net, feed);
    size_t n_runs = 0;
    for (uint32_t t = 0; t < tt->n_trips; t++) {
        const lx_trip *tr = &tt->trips[t];
        if (tr->st_count < 2 || tr->st_count > 65535)
            continue;
        if (!tr->freq_count) {
            n_runs++;
            continue;
        }
        for (uint32_t f = 0; f < tr->freq_count; f++) {
            const lx_frequency *fr = &tt->freqs[tr->freq_first + f];
            int32_t step = fr->headway > 0 ? fr->headway : 1;
            if (fr->end > fr->start)
                n_runs += (size_t)((fr->end - fr->start + step - 1) / step);
        }
    }
    if (!n_runs)
        return LX_OK;
    /* A trip named by a forbidden change (type 3 between two trips) or by a minimum
     * time for one (type 2 with a time) gets patterns of its own: riding the earliest
     * run of a pattern, RAPTOR would never ride another trip of it that arrives later
     * but may make the change (plan.c, relax()) */
    run_key *runs = malloc(n_runs * sizeof *runs);
    uint32_t *idx = malloc(n_runs * 3 * sizeof *idx);
    uint8_t *alone = calloc((size_t)tt->n_trips + 1, 1);
    uint8_t *route_alone = calloc((size_t)tt->n_routes + 1, 1);
    if (!runs || !idx || !alone || !route_alone) {
        free(runs);
        free(idx);
        free(alone);
        free(route_alone);
        return LX_NOMEM;
    }
    for (uint32_t i = 0; i < tt->n_transfers; i++) {
        const lx_transfer *x = &tt->transfers[i];
        if (!(x->type == 3 || (x->type == 2 && x->min_transfer_time > 0)) ||
            (x->from_trip == LX_NONE && x->from_route == LX_NONE) ||
            (x->to_trip == LX_NONE && x->to_route == LX_NONE))
            continue; /* not a rule between trips (feed_rules) */
        if (x->from_trip != LX_NONE)
            alone[x->from_trip] = 1;
        else
            route_alone[x->from_route] = 1;
        if (x->to_trip != LX_NONE)
            alone[x->to_trip] = 1;
        else
            route_alone[x->to_route] = 1;
    }
    for (uint32_t t = 0; t < tt->n_trips; t++)
        if (tt->trips[t].route < tt->n_routes)
            alone[t] |= route_alone[tt->trips[t].route];
    free(route_alone);
    size_t k = 0;
    for (uint32_t t = 0; t < tt->n_trips; t++) {
        const lx_trip *tr = &tt->trips[t];
        if (tr->st_count < 2 || tr->st_count > 65535)
            continue;
        uint64_t h = trip_hash(tt, tr) ^ (alone[t] ? (t + 1ull) * 0x9E3779B97F4A7C15ull : 0);
        lx_time_t first = tt->st_dep[tr->st_first];
        if (!tr->freq_count) {
            runs[k++] = (run_key){h, first, t, 0};
            continue;
        }
        for (uint32_t f = 0; f < tr->freq_count; f++) {
            const lx_frequency *fr = &tt->freqs[tr->freq_first + f];
            int32_t step = fr->headway > 0 ? fr->headway : 1;
            for (lx_time_t s = fr->start; s < fr->end; s += step)
                runs[k++] = (run_key){h, s, t, s - first};
        }
    }
    qsort(runs, n_runs, sizeof *runs, run_cmp);
    uint32_t *grp = idx, *sub = idx + n_runs, *tmp = idx + 2 * n_runs;
    lx_err e = LX_OK;
    for (size_t i = 0; i < n_runs && !e;) {
        size_t j = i;
        while (j < n_runs && runs[j].hash == runs[i].hash)
            j++;
        /* [i, j) share a hash; split them by the sequence itself (collisions) */
        for (size_t a = i; a < j && !e; a++) {
            if (runs[a].trip == UINT32_MAX)
                continue;
            uint32_t n = 0, lead = runs[a].trip;
            for (size_t c = a; c < j; c++)
                if (runs[c].trip != UINT32_MAX && same_sequence(tt, lead, runs[c].trip) &&
                    (runs[c].trip == lead || !(alone[lead] | alone[runs[c].trip])))
                    grp[n++] = (uint32_t)c;
            e = split_group(pl, b, feed, tt, runs, grp, n, sub, tmp);
            for (uint32_t c = 0; c < n; c++)
                runs[grp[c]].trip = UINT32_MAX; /* taken */
        }
        i = j;
    }
    free(runs);
    free(idx);
    free(alone);
    return e;
}

/* ---- stops: the stop -> (pattern, position) index, of the positions where one may
 * board (the only ones a round or a range search starts from) ---- */

static lx_err build_stop_index(lx_plan *pl, plan_dir *d)
{
    uint32_t total = 0;
    d->sp_first = calloc((size_t)pl->n_stops + 1, sizeof *d->sp_first);
    for (uint32_t p = 0; p < d->n_pat; p++)
        total += d->pat[p].n_stops;
    d->sp_pat = malloc(((size_t)total + 1) * sizeof *d->sp_pat);
    d->sp_pos = malloc(((size_t)total + 1) * sizeof *d->sp_pos);
    if (!d->sp_first || !d->sp_pat || !d->sp_pos)
        return LX_NOMEM;
    for (uint32_t p = 0; p < d->n_pat; p++)
        for (uint32_t i = 0; i < d->pat[p].n_stops; i++)
            if (d->pflag[d->pat[p].stop0 + i] & PF_BOARD)
                d->sp_first[d->pstop[d->pat[p].stop0 + i] + 1]++;
    for (uint32_t s = 0; s < pl->n_stops; s++)
        d->sp_first[s + 1] += d->sp_first[s];
    uint32_t *fill = malloc(((size_t)pl->n_stops + 1) * sizeof *fill);
    if (!fill)
        return LX_NOMEM;
    memcpy(fill, d->sp_first, ((size_t)pl->n_stops + 1) * sizeof *fill);
    for (uint32_t p = 0; p < d->n_pat; p++)
        for (uint32_t i = 0; i < d->pat[p].n_stops; i++) {
            if (!(d->pflag[d->pat[p].stop0 + i] & PF_BOARD))
                continue;
            uint32_t at = fill[d->pstop[d->pat[p].stop0 + i]]++;
            d->sp_pat[at] = p;
            d->sp_pos[at] = i;
        }
    free(fill);
    return LX_OK;
}

static lx_err build_trip_map(lx_plan *pl, plan_dir *d)
{
    d->gtrip_pat = malloc(((size_t)pl->n_gtrips + 1) * sizeof *d->gtrip_pat);
    d->gtrip_slot = malloc(((size_t)pl->n_gtrips + 1) * sizeof *d->gtrip_slot);
    if (!d->gtrip_pat || !d->gtrip_slot)
        return LX_NOMEM;
    memset(d->gtrip_pat, 0xff, ((size_t)pl->n_gtrips + 1) * sizeof *d->gtrip_pat);
    memset(d->gtrip_slot, 0xff, ((size_t)pl->n_gtrips + 1) * sizeof *d->gtrip_slot);
    for (uint32_t p = 0; p < d->n_pat; p++)
        for (uint32_t k = 0; k < d->pat[p].n_trips; k++) {
            const plan_ptrip *r = &d->ptrip[d->pat[p].trip0 + k];
            uint32_t g = pl->feed_trip0[d->pat[p].feed] + r->trip;
            if (r->offset == 0 && d->gtrip_pat[g] == LX_NONE) {
                d->gtrip_pat[g] = p;
                d->gtrip_slot[g] = k;
            }
        }
    return LX_OK;
}

/* ---- footpaths ---- */

typedef struct {
    uint32_t from, to;
    int32_t sec;
    uint8_t explicit_row, forbidden;
} edge;

static int edge_cmp(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    if (x->explicit_row != y->explicit_row) /* explicit rows first */
        return x->explicit_row > y->explicit_row ? -1 : 1;
    return x->sec < y->sec ? -1 : x->sec > y->sec;
}

static const lx_station *gstation(const lx_plan *pl, uint32_t g)
{
    uint32_t f = pl->stop_feed[g];
    return &lx_net_feed(pl->net, f)->stations[g - pl->feed_stop0[f]];
}

/* The change time the data gives a stop (lx_stations.txt, its own or its parent's),
 * else the default. */
static int32_t stop_change(const lx_plan *pl, uint32_t g)
{
    const lx_station *st = gstation(pl, g);
    if (st->change_time < 0 && st->parent != LX_NONE)
        st = &lx_net_feed(pl->net, pl->stop_feed[g])->stations[st->parent];
    return st->change_time >= 0 ? st->change_time : pl->opts.min_change_seconds;
}

/* Walking from global stop x to y: the distance at walking speed, but never less than
 * the change time of either. */
static int32_t walk_seconds(const lx_plan *pl, uint32_t x, uint32_t y)
{
    double m = distance_m(gstation(pl, x), gstation(pl, y));
    int32_t w = m < 0 ? 0 : (int32_t)(m * 1000 / pl->opts.walk_mm_per_s + 0.5);
    int32_t cx = stop_change(pl, x), cy = stop_change(pl, y), c = cx > cy ? cx : cy;
    return w > c ? w : c;
}

static lx_err add_edge(lx_vec *v, uint32_t from, uint32_t to, int32_t sec, int ex, int forb)
{
    if (from == to)
        return LX_OK;
    edge *e = lx_vec_push(v);
    if (!e)
        return LX_NOMEM;
    *e = (edge){from, to, sec, (uint8_t)ex, (uint8_t)forb};
    return LX_OK;
}

typedef struct {
    uint32_t key; /* offset of the folded name (or code) in text */
    uint32_t stop;
    uint8_t is_code;
} name_key;

typedef struct {
    const char *text;
    name_key *k;
} name_sort;

/* a small merge sort over name keys (qsort cannot see the text without a global) */
static int name_less(const char *text, const name_key *a, const name_key *b)
{
    if (a->is_code != b->is_code)
        return a->is_code < b->is_code;
    int c = strcmp(text + a->key, text + b->key);
    return c < 0 || (c == 0 && a->stop < b->stop);
}

static void name_msort(const char *text, name_key *k, name_key *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    name_msort(text, k, tmp, h);
    name_msort(text, k + h, tmp, n - h);
    size_t i = 0, j = h, o = 0;
    while (i < h && j < n)
        tmp[o++] = name_less(text, &k[j], &k[i]) ? k[j++] : k[i++];
    while (i < h)
        tmp[o++] = k[i++];
    while (j < n)
        tmp[o++] = k[j++];
    memcpy(k, tmp, n * sizeof *k);
}

/* Stations of two feeds that are one place: the same folded name within link_meters,
 * or the same stop_code within 10 x link_meters (either without coordinates). */
static lx_err add_links(lx_plan *pl, lx_vec *edges)
{
    if (pl->n_feeds < 2)
        return LX_OK;
    size_t n = 0, bytes = 0, cap = 1 << 16;
    name_key *k = malloc(((size_t)pl->n_stops * 2 + 1) * sizeof *k);
    name_key *tmp = malloc(((size_t)pl->n_stops * 2 + 1) * sizeof *tmp);
    char *text = malloc(cap);
    lx_err e = LX_OK;
    if (!k || !tmp || !text) {
        e = LX_NOMEM;
        goto out;
    }
    for (uint32_t g = 0; g < pl->n_stops; g++) {
        const lx_station *st = gstation(pl, g);
        for (int code = 0; code < 2; code++) {
            char buf[256];
            if (code) {
                if (!*st->code)
                    continue;
                lx_fold(st->code, buf, sizeof buf);
            } else {
                lx_fold(st->name, buf, sizeof buf);
            }
            size_t len = strlen(buf) + 1;
            if (len == 1)
                continue;
            if (bytes + len > cap) {
                while (bytes + len > cap)
                    cap *= 2;
                char *t = realloc(text, cap);
                if (!t) {
                    e = LX_NOMEM;
                    goto out;
                }
                text = t;
            }
            memcpy(text + bytes, buf, len);
            k[n++] = (name_key){(uint32_t)bytes, g, (uint8_t)code};
            bytes += len;
        }
    }
    name_msort(text, k, tmp, n);
    for (size_t i = 0; i < n && !e;) {
        size_t j = i + 1;
        while (j < n && k[j].is_code == k[i].is_code &&
               strcmp(text + k[j].key, text + k[i].key) == 0)
            j++;
        for (size_t a = i; a < j && !e; a++)
            for (size_t b = a + 1; b < j && !e; b++) {
                uint32_t x = k[a].stop, y = k[b].stop;
                if (pl->stop_feed[x] == pl->stop_feed[y])
                    continue;
                const lx_station *sx = gstation(pl, x), *sy = gstation(pl, y);
                double m = distance_m(sx, sy);
                /* a shared code is a shared place, but not across a country: codes
                 * of unrelated feeds may collide ("ABT"), so not beyond 10 links */
                if (m > (k[a].is_code ? 10.0 : 1.0) * pl->opts.link_meters)
                    continue;
                int32_t w = walk_seconds(pl, x, y);
                if (!(e = add_edge(edges, x, y, w, 0, 0)))
                    e = add_edge(edges, y, x, w, 0, 0);
            }
        i = j;
    }
out:
    free(k);
    free(tmp);
    free(text);
    return e;
}

static lx_err build_footpaths(lx_plan *pl)
{
    lx_vec v;
    lx_vec_init(&v, sizeof(edge));
    lx_err e = LX_OK;
    for (uint32_t f = 0; f < pl->n_feeds && !e; f++) {
        const lx_tt *tt = lx_net_feed(pl->net, f);
        uint32_t b = pl->feed_stop0[f];
        /* the platforms of a parent station, and the station itself */
        for (uint32_t s = 0; s < tt->n_stations && !e; s++) {
            uint32_t c0 = tt->child_first[s], c1 = tt->child_first[s + 1];
            for (uint32_t i = c0; i < c1 && !e; i++) {
                uint32_t x = tt->children[i];
                int32_t w = walk_seconds(pl, b + s, b + x);
                if (!(e = add_edge(&v, b + s, b + x, w, 0, 0)))
                    e = add_edge(&v, b + x, b + s, w, 0, 0);
                for (uint32_t j = c0; j < c1 && !e; j++)
                    if (j != i)
                        e = add_edge(&v, b + x, b + tt->children[j],
                                     walk_seconds(pl, b + x, b + tt->children[j]), 0, 0);
            }
        }
        /* transfers.txt between two stops, no trip or route named */
        for (uint32_t i = 0; i < tt->n_transfers && !e; i++) {
            const lx_transfer *t = &tt->transfers[i];
            if (t->from_stop == LX_NONE || t->to_stop == LX_NONE || t->from_trip != LX_NONE ||
                t->to_trip != LX_NONE || t->from_route != LX_NONE || t->to_route != LX_NONE)
                continue;
            uint32_t x = b + t->from_stop, y = b + t->to_stop;
            int32_t sec = t->type == 2 && t->min_transfer_time >= 0 ? t->min_transfer_time
                          : t->type == 1                            ? 0
                                                                    : -1;
            if (x == y) {
                if (t->type == 3)
                    pl->change[x] = -1;
                else if (sec >= 0)
                    pl->change[x] = sec;
                continue;
            }
            if (t->type >= 4)
                continue;
            if (sec < 0)
                sec = walk_seconds(pl, x, y);
            e = add_edge(&v, x, y, sec, 1, t->type == 3);
        }
    }
    if (!e)
        e = add_links(pl, &v);
    if (e) {
        lx_vec_free(&v);
        return e;
    }
    edge *ed = v.data;
    size_t n = v.len;
    if (n)
        qsort(ed, n, sizeof *ed, edge_cmp);
    /* keep the first of each (from, to): an explicit row, else the shortest walk */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && ed[m - 1].from == ed[i].from && ed[m - 1].to == ed[i].to)
            continue;
        ed[m++] = ed[i];
    }
    size_t kept = 0;
    for (size_t i = 0; i < m; i++)
        if (!ed[i].forbidden)
            ed[kept++] = ed[i];
    for (int dir = 0; dir < 2 && !e; dir++) {
        plan_dir *d = &pl->dir[dir];
        d->fp_first = calloc((size_t)pl->n_stops + 1, sizeof *d->fp_first);
        d->fp_to = malloc((kept + 1) * sizeof *d->fp_to);
        d->fp_sec = malloc((kept + 1) * sizeof *d->fp_sec);
        if (!d->fp_first || !d->fp_to || !d->fp_sec) {
            e = LX_NOMEM;
            break;
        }
        d->n_fp = (uint32_t)kept;
        for (size_t i = 0; i < kept; i++)
            d->fp_first[(dir ? ed[i].to : ed[i].from) + 1]++;
        for (uint32_t s = 0; s < pl->n_stops; s++)
            d->fp_first[s + 1] += d->fp_first[s];
        uint32_t *fill = malloc(((size_t)pl->n_stops + 1) * sizeof *fill);
        if (!fill) {
            e = LX_NOMEM;
            break;
        }
        memcpy(fill, d->fp_first, ((size_t)pl->n_stops + 1) * sizeof *fill);
        for (size_t i = 0; i < kept; i++) {
            uint32_t at = fill[dir ? ed[i].to : ed[i].from]++;
            d->fp_to[at] = dir ? ed[i].from : ed[i].to;
            d->fp_sec[at] = ed[i].sec;
        }
        free(fill);
    }
    lx_vec_free(&v);
    return e;
}

/* A counting sort: the items 0 .. n-1 by their key, read every `stride` bytes from
 * `key` (items whose key is n_keys or more are left out), into *first (n_keys + 1) and
 * *order: order[first[k] .. first[k + 1]) are the items of key k, in increasing order. */
static lx_err bucket(const void *key, size_t stride, uint32_t n, uint32_t n_keys, uint32_t **first,
                     uint32_t **order)
{
    *first = calloc((size_t)n_keys + 2, sizeof **first);
    *order = malloc(((size_t)n + 1) * sizeof **order);
    if (!*first || !*order)
        return LX_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = *(const uint32_t *)((const char *)key + (size_t)i * stride);
        if (k < n_keys)
            (*first)[k + 2]++;
    }
    for (uint32_t k = 0; k < n_keys; k++)
        (*first)[k + 2] += (*first)[k + 1];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = *(const uint32_t *)((const char *)key + (size_t)i * stride);
        if (k < n_keys)
            (*order)[(*first)[k + 1]++] = i;
    }
    return LX_OK;
}

/* ---- trip-to-trip rules ---- */

static int rule_usable(const lx_plan *pl, uint32_t g)
{
    return pl->dir[0].gtrip_pat[g] != LX_NONE;
}

/* One rule between two global trips, before it is put in each direction's arrays. */
typedef struct {
    uint32_t a, b, at, to; /* from trip, to trip (global), at its stop, to its stop */
    int32_t sec;
    uint8_t type; /* RULE_ */
} rule_row;

/* Past this many rules in all, the route-to-route rows that would make more are left
 * out (a row between two busy routes names every pair of their trips) */
#define MAX_RULES 4000000u

/* The trip sides of a transfers.txt row: its trip, else every trip of its route that
 * calls at the stop (arriving there, or leaving from there); *n 0: no such side. */
static void row_side(const lx_tt *tt, const uint32_t *rt_first, const uint32_t *rt_trip,
                     uint32_t trip, uint32_t route, uint32_t stop, int arriving, uint32_t *out,
                     uint32_t *n)
{
    *n = 0;
    if (trip != LX_NONE) {
        out[(*n)++] = trip;
        return;
    }
    if (route == LX_NONE || !rt_first)
        return;
    for (uint32_t i = rt_first[route]; i < rt_first[route + 1]; i++) {
        const lx_trip *tr = &tt->trips[rt_trip[i]];
        for (uint32_t k = arriving ? 1 : 0; k + (arriving ? 0 : 1) < tr->st_count; k++)
            if (tt->st_stop[tr->st_first + k] == stop) {
                out[(*n)++] = rt_trip[i];
                break;
            }
    }
}

static int key_cmp(const void *x, const void *y)
{
    const uint32_t *a = x, *b = y;
    for (int i = 0; i < 4; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* The trips of each route (CSR), for the rows naming routes; NULL when none does. */
static lx_err route_trips(const lx_tt *tt, uint32_t **first, uint32_t **trip)
{
    *first = *trip = NULL;
    int any = 0;
    for (uint32_t i = 0; i < tt->n_transfers && !any; i++)
        any = tt->transfers[i].from_route != LX_NONE || tt->transfers[i].to_route != LX_NONE;
    if (!any || !tt->n_trips)
        return LX_OK;
    return bucket(&tt->trips[0].route, sizeof *tt->trips, tt->n_trips, tt->n_routes, first, trip);
}

/* The rules of one feed into v: rows naming two trips (types 1-4), and rows naming a
 * route on a side (types 1-3), as every pair of trips of the route calling at the
 * stop; a row naming the two trips wins over a row naming their routes (GTFS: the
 * more specific row). */
static lx_err feed_rules(lx_plan *pl, uint32_t f, lx_vec *v)
{
    const lx_tt *tt = lx_net_feed(pl->net, f);
    uint32_t sb = pl->feed_stop0[f], tb = pl->feed_trip0[f];
    uint32_t *rt_first, *rt_trip, *sa = NULL, *sbv = NULL, *keys = NULL, n_keys = 0;
    lx_err e = route_trips(tt, &rt_first, &rt_trip);
    /* with route rows: the two sides' trips, and the keys of the two-trip rows, in one
     * block (sa) */
    if (!e && rt_first) {
        size_t nt = (size_t)tt->n_trips + 1;
        sa = malloc((2 * nt + ((size_t)tt->n_transfers + 1) * 4) * sizeof *sa);
        if (!sa)
            e = LX_NOMEM;
        else
            sbv = sa + nt, keys = sa + 2 * nt;
    }
    for (uint32_t pass = 0; pass < 2 && !e; pass++) {
        if (pass == 1 && n_keys) /* the two-trip rows, for the route rows' lookups */
            qsort(keys, n_keys, 4 * sizeof *keys, key_cmp);
        for (uint32_t i = 0; i < tt->n_transfers && !e; i++) {
            const lx_transfer *t = &tt->transfers[i];
            int trips = t->from_trip != LX_NONE && t->to_trip != LX_NONE;
            if (t->from_stop == LX_NONE || t->to_stop == LX_NONE || trips != (pass == 0))
                continue;
            if (trips && keys) { /* any type: a recommended change (0) wins too */
                uint32_t *k = keys + 4 * n_keys++;
                k[0] = t->from_trip, k[1] = t->to_trip, k[2] = t->from_stop, k[3] = t->to_stop;
            }
            if (t->type < 1 || t->type > 4)
                continue;
            uint8_t type = t->type == 2 || t->type == 1 ? RULE_GUARANTEED : t->type;
            int32_t sec = t->type == 2 && t->min_transfer_time > 0 ? t->min_transfer_time : 0;
            if (trips) {
                if (!rule_usable(pl, tb + t->from_trip) || !rule_usable(pl, tb + t->to_trip))
                    continue;
                rule_row *r = lx_vec_push(v);
                if (!r)
                    e = LX_NOMEM;
                else
                    *r = (rule_row){tb + t->from_trip,
                                    tb + t->to_trip,
                                    sb + t->from_stop,
                                    sb + t->to_stop,
                                    sec,
                                    type};
                continue;
            }
            /* a side named by its route (in-seat needs two trips) */
            if (t->type == 4 || !sa)
                continue;
            uint32_t na, nb;
            row_side(tt, rt_first, rt_trip, t->from_trip, t->from_route, t->from_stop, 1, sa, &na);
            row_side(tt, rt_first, rt_trip, t->to_trip, t->to_route, t->to_stop, 0, sbv, &nb);
            for (uint32_t x = 0; x < na && !e; x++)
                for (uint32_t y = 0; y < nb && !e; y++) {
                    uint32_t key[4] = {sa[x], sbv[y], t->from_stop, t->to_stop};
                    if (sa[x] == sbv[y] || !rule_usable(pl, tb + sa[x]) ||
                        !rule_usable(pl, tb + sbv[y]) ||
                        (n_keys && bsearch(key, keys, n_keys, 4 * sizeof *keys, key_cmp)))
                        continue;
                    if (v->len >= MAX_RULES)
                        goto out;
                    rule_row *r = lx_vec_push(v);
                    if (!r)
                        e = LX_NOMEM;
                    else
                        *r = (rule_row){tb + sa[x],      tb + sbv[y], sb + t->from_stop,
                                        sb + t->to_stop, sec,         type};
                }
        }
    }
out:
    free(sa);
    free(rt_first);
    free(rt_trip);
    return e;
}

/* Every feed's rules, in each direction's arrays by the trip left (the mirror's: by
 * the trip boarded, its stops swapped). */
static lx_err build_rules(lx_plan *pl)
{
    lx_vec v;
    lx_err e = LX_OK;
    lx_vec_init(&v, sizeof(rule_row));
    for (uint32_t f = 0; f < pl->n_feeds && !e; f++)
        e = feed_rules(pl, f, &v);
    const rule_row *rows = v.data;
    size_t n = e ? 0 : v.len;
    for (int dir = 0; dir < 2 && !e; dir++) {
        plan_dir *d = &pl->dir[dir];
        d->rule_first = calloc((size_t)pl->n_gtrips + 2, sizeof *d->rule_first);
        d->rule = malloc((n + 1) * sizeof *d->rule);
        if (!d->rule_first || !d->rule) {
            e = LX_NOMEM;
            break;
        }
        for (size_t i = 0; i < n; i++)
            d->rule_first[(dir ? rows[i].b : rows[i].a) + 2]++;
        for (uint32_t g = 0; g < pl->n_gtrips; g++)
            d->rule_first[g + 2] += d->rule_first[g + 1];
        for (size_t i = 0; i < n; i++) {
            const rule_row *x = &rows[i];
            plan_rule *r = &d->rule[d->rule_first[(dir ? x->b : x->a) + 1]++];
            *r = dir ? (plan_rule){x->to, x->at, x->a, x->sec, x->type}
                     : (plan_rule){x->at, x->to, x->b, x->sec, x->type};
            if (rule_restricts(x->type, x->sec))
                pl->has_forbidden = 1;
        }
        d->n_rule = d->rule_first[pl->n_gtrips];
    }
    lx_vec_free(&v);
    return e;
}

/* ---- the mirror ---- */

static lx_err build_mirror(lx_plan *pl)
{
    const plan_dir *f = &pl->dir[0];
    plan_dir *m = &pl->dir[1];
    size_t ns = 0, nt = 0;
    for (uint32_t p = 0; p < f->n_pat; p++) {
        ns += f->pat[p].n_stops;
        nt += f->pat[p].n_stops + (size_t)f->pat[p].n_stops * f->pat[p].n_trips * 2;
    }
    m->n_pat = f->n_pat;
    m->n_ptrip = f->n_ptrip;
    m->pat = malloc((f->n_pat + 1) * sizeof *m->pat);
    m->pstop = malloc((ns + 1) * sizeof *m->pstop);
    m->pflag = malloc(ns + 1);
    m->blk = malloc((nt + 1) * sizeof *m->blk);
    m->ptrip = malloc((f->n_ptrip + 1) * sizeof *m->ptrip);
    if (!m->pat || !m->pstop || !m->pflag || !m->blk || !m->ptrip)
        return LX_NOMEM;
    for (uint32_t p = 0; p < f->n_pat; p++) {
        const plan_pattern *fp = &f->pat[p];
        uint32_t n = fp->n_stops, k = fp->n_trips;
        m->pat[p] = *fp;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t j = n - 1 - i;
            uint8_t fl = f->pflag[fp->stop0 + j], o = 0;
            if (fl & PF_BOARD)
                o |= PF_ALIGHT;
            if (fl & PF_ALIGHT)
                o |= PF_BOARD;
            if (fl & PF_BORDER_IN)
                o |= PF_BORDER_OUT;
            if (fl & PF_BORDER_OUT)
                o |= PF_BORDER_IN;
            m->pstop[fp->stop0 + i] = f->pstop[fp->stop0 + j];
            m->pflag[fp->stop0 + i] = o;
            m->blk[fp->time0 + i] = (int32_t)(m->pstop[fp->stop0 + i] | (uint32_t)o << PSTOP_BITS);
            const lx_time_t *fa = pat_arr(f, fp), *fd = pat_dep(f, fp);
            lx_time_t *ma = m->blk + fp->time0 + n, *md = ma + (size_t)n * k;
            for (uint32_t t = 0; t < k; t++) {
                size_t src = (size_t)j * k + (k - 1 - t), dst = (size_t)i * k + t;
                md[dst] = -fa[src];
                ma[dst] = -fd[src];
            }
        }
        for (uint32_t t = 0; t < k; t++)
            m->ptrip[fp->trip0 + t] = f->ptrip[fp->trip0 + k - 1 - t];
    }
    return LX_OK;
}

/* ---- the reversed stop graph for lower bounds ---- */

static int edge_by_to(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->sec < y->sec ? -1 : x->sec > y->sec;
}

static lx_err build_lower_graph(lx_plan *pl, plan_dir *d)
{
    size_t n = d->n_fp + d->n_rule;
    for (uint32_t p = 0; p < d->n_pat; p++)
        n += d->pat[p].n_stops;
    edge *ed = malloc((n + 1) * sizeof *ed);
    if (!ed)
        return LX_NOMEM;
    size_t m = 0;
    for (uint32_t p = 0; p < d->n_pat; p++) {
        const plan_pattern *pt = &d->pat[p];
        const lx_time_t *ta = pat_arr(d, pt), *td = pat_dep(d, pt);
        for (uint32_t i = 0; i + 1 < pt->n_stops; i++) {
            int32_t w = INT32_MAX;
            for (uint32_t k = 0; k < pt->n_trips; k++) {
                int32_t x = ta[(size_t)(i + 1) * pt->n_trips + k] - td[(size_t)i * pt->n_trips + k];
                if (x < w)
                    w = x;
            }
            ed[m++] =
                (edge){d->pstop[pt->stop0 + i], d->pstop[pt->stop0 + i + 1], w < 0 ? 0 : w, 0, 0};
        }
    }
    for (uint32_t s = 0; s < pl->n_stops; s++)
        for (uint32_t j = d->fp_first[s]; j < d->fp_first[s + 1]; j++)
            ed[m++] = (edge){s, d->fp_to[j], d->fp_sec[j], 0, 0};
    for (uint32_t i = 0; i < d->n_rule; i++)
        if (d->rule[i].type != RULE_FORBIDDEN)
            ed[m++] = (edge){d->rule[i].at_stop, d->rule[i].to_stop, 0, 0, 0};
    if (m)
        qsort(ed, m, sizeof *ed, edge_by_to);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (ed[i].from != ed[i].to &&
            !(k && ed[k - 1].to == ed[i].to && ed[k - 1].from == ed[i].from))
            ed[k++] = ed[i];
    d->lb_first = calloc((size_t)pl->n_stops + 1, sizeof *d->lb_first);
    d->lb_from = malloc((k + 1) * sizeof *d->lb_from);
    d->lb_w = malloc((k + 1) * sizeof *d->lb_w);
    if (!d->lb_first || !d->lb_from || !d->lb_w) {
        free(ed);
        return LX_NOMEM;
    }
    for (size_t i = 0; i < k; i++) {
        d->lb_first[ed[i].to + 1]++;
        d->lb_from[i] = ed[i].from;
        d->lb_w[i] = ed[i].sec;
    }
    for (uint32_t s = 0; s < pl->n_stops; s++)
        d->lb_first[s + 1] += d->lb_first[s];
    d->n_lb = (uint32_t)k;
    free(ed);
    return LX_OK;
}

/* ---- connected parts (union-find), so that a search between two parts of the
 * network that no train or path joins answers at once ---- */

static uint32_t find_root(uint32_t *c, uint32_t x)
{
    while (c[x] != x) {
        c[x] = c[c[x]];
        x = c[x];
    }
    return x;
}

static void join(uint32_t *c, uint32_t a, uint32_t b)
{
    a = find_root(c, a);
    b = find_root(c, b);
    if (a != b)
        c[a < b ? b : a] = a < b ? a : b;
}

/* Joins in c the stops a footpath or a trip rule joins (forbidden rules too, or not). */
static void join_paths(const lx_plan *pl, uint32_t *c, int forbidden_too)
{
    const plan_dir *d = &pl->dir[0];
    for (uint32_t s = 0; s < pl->n_stops; s++)
        for (uint32_t j = d->fp_first[s]; j < d->fp_first[s + 1]; j++)
            join(c, s, d->fp_to[j]);
    for (uint32_t i = 0; i < d->n_rule; i++)
        if (forbidden_too || d->rule[i].type != RULE_FORBIDDEN)
            join(c, d->rule[i].at_stop, d->rule[i].to_stop);
}

static lx_err build_components(lx_plan *pl)
{
    const plan_dir *d = &pl->dir[0];
    pl->comp = malloc(((size_t)pl->n_stops + 1) * sizeof *pl->comp);
    if (!pl->comp)
        return LX_NOMEM;
    for (uint32_t s = 0; s < pl->n_stops; s++)
        pl->comp[s] = s;
    for (uint32_t p = 0; p < d->n_pat; p++)
        for (uint32_t i = 1; i < d->pat[p].n_stops; i++)
            join(pl->comp, d->pstop[d->pat[p].stop0], d->pstop[d->pat[p].stop0 + i]);
    join_paths(pl, pl->comp, 1);
    for (uint32_t s = 0; s < pl->n_stops; s++)
        pl->comp[s] = find_root(pl->comp, s);
    return LX_OK;
}

/* ---- lines, for the bound on trips (plan_int.h) ---- */

/* The global route (route0: each feed's first) of the first run of pattern pt. */
static uint32_t pat_route(const lx_plan *pl, const uint32_t *route0, const plan_pattern *pt)
{
    const lx_tt *tt = lx_net_feed(pl->net, pt->feed);
    return route0[pt->feed] + tt->trips[pl->dir[0].ptrip[pt->trip0].trip].route;
}

/* Most lines may have: past this many (line, place) pairs per stop, the search over
 * them per query is not worth its cost (a feed with a route per trip) */
#define LINE_PAIRS_PER_STOP 16

static lx_err build_lines(lx_plan *pl)
{
    const plan_dir *d = &pl->dir[0];
    uint32_t N = pl->n_stops, n_routes = 0;
    uint32_t *route0 = calloc((size_t)pl->n_feeds + 1, sizeof *route0);
    if (!route0)
        return LX_NOMEM;
    for (uint32_t f = 0; f < pl->n_feeds; f++)
        route0[f + 1] = route0[f] + lx_net_feed(pl->net, f)->n_routes;
    n_routes = route0[pl->n_feeds];
    uint32_t *pu = malloc(((size_t)N + 1) * sizeof *pu);
    uint32_t *lu = malloc(((size_t)n_routes + 1) * sizeof *lu);
    uint32_t *pat_line = malloc(((size_t)d->n_pat + 1) * sizeof *pat_line);
    pl->place = malloc(((size_t)N + 1) * sizeof *pl->place);
    lx_err e = LX_NOMEM;
    if (!pu || !lu || !pat_line || !pl->place)
        goto out;
    /* places: stops joined by footpaths and trip rules */
    for (uint32_t s = 0; s < N; s++)
        pu[s] = s;
    join_paths(pl, pu, 0);
    pl->n_places = 0;
    for (uint32_t s = 0; s < N; s++) {
        uint32_t r = find_root(pu, s);
        pl->place[s] = r == s ? pl->n_places++ : pl->place[r]; /* roots are the least */
    }
    /* lines: routes, those of two trips an in-seat rule joins made one. A pattern
     * belongs to the line of its first run: the stops of every run are its stops. */
    for (uint32_t r = 0; r < n_routes; r++)
        lu[r] = r;
    for (uint32_t g = 0; g < pl->n_gtrips; g++)
        for (uint32_t i = d->rule_first[g]; i < d->rule_first[g + 1]; i++) {
            uint32_t pa = d->gtrip_pat[g], pb = d->gtrip_pat[d->rule[i].to_gtrip];
            if (d->rule[i].type != RULE_IN_SEAT || pa == LX_NONE || pb == LX_NONE)
                continue;
            join(lu, pat_route(pl, route0, &d->pat[pa]), pat_route(pl, route0, &d->pat[pb]));
        }
    uint32_t n_lines = 0;
    for (uint32_t r = 0; r < n_routes; r++) {
        uint32_t x = find_root(lu, r);
        lu[r] = x == r ? n_lines++ : lu[x];
    }
    /* each line's places, once each: patterns bucketed by line, a stamp per place */
    uint32_t *cnt = NULL, *order = NULL;
    uint32_t *stamp = malloc(((size_t)pl->n_places + 1) * sizeof *stamp);
    lx_vec lp;
    lx_vec_init(&lp, sizeof(uint32_t));
    for (uint32_t p = 0; p < d->n_pat; p++)
        pat_line[p] = lu[pat_route(pl, route0, &d->pat[p])];
    if (!stamp || bucket(pat_line, sizeof *pat_line, d->n_pat, n_lines, &cnt, &order))
        goto out2;
    for (uint32_t x = 0; x < pl->n_places; x++)
        stamp[x] = LX_NONE;
    pl->line_first = malloc(((size_t)n_lines + 1) * sizeof *pl->line_first);
    if (!pl->line_first)
        goto out2;
    size_t budget = (size_t)LINE_PAIRS_PER_STOP * N;
    for (uint32_t l = 0; l < n_lines; l++) {
        pl->line_first[l] = (uint32_t)lp.len;
        for (uint32_t i = cnt[l]; i < cnt[l + 1]; i++) {
            const plan_pattern *pt = &d->pat[order[i]];
            for (uint32_t k = 0; k < pt->n_stops; k++) {
                uint32_t x = pl->place[d->pstop[pt->stop0 + k]];
                if (stamp[x] == l)
                    continue;
                stamp[x] = l;
                uint32_t *slot = lx_vec_push(&lp);
                if (!slot)
                    goto out2;
                *slot = x;
            }
        }
        if (lp.len > budget) { /* too many lines to be worth it: no bound */
            e = LX_OK;
            goto out2;
        }
    }
    pl->line_first[n_lines] = (uint32_t)lp.len;
    pl->n_lines = n_lines;
    size_t n_pairs;
    pl->line_place = lx_vec_steal(&lp, &n_pairs);
    /* and the lines through each place */
    pl->place_first = calloc((size_t)pl->n_places + 2, sizeof *pl->place_first);
    pl->place_line = malloc((n_pairs + 1) * sizeof *pl->place_line);
    if ((n_pairs && !pl->line_place) || !pl->place_first || !pl->place_line) {
        pl->n_lines = 0;
        goto out2;
    }
    for (size_t i = 0; i < n_pairs; i++)
        pl->place_first[pl->line_place[i] + 2]++;
    for (uint32_t x = 0; x < pl->n_places; x++)
        pl->place_first[x + 2] += pl->place_first[x + 1];
    for (uint32_t l = 0; l < pl->n_lines; l++)
        for (uint32_t i = pl->line_first[l]; i < pl->line_first[l + 1]; i++)
            pl->place_line[pl->place_first[pl->line_place[i] + 1]++] = l;
    e = LX_OK;
out2:
    lx_vec_free(&lp);
    free(cnt);
    free(order);
    free(stamp);
out:
    free(route0);
    free(pu);
    free(lu);
    free(pat_line);
    return e;
}

/* ---- create ---- */

/* The one service of each pattern's runs (plan_int.h), for skipping the patterns that
 * do not run on any day a search looks at. */
static lx_err sort_stop_pairs(const lx_plan *pl, plan_dir *d);

static lx_err build_pattern_services(lx_plan *pl)
{
    const plan_dir *d = &pl->dir[0];
    pl->feed_svc0 = calloc((size_t)pl->n_feeds + 1, sizeof *pl->feed_svc0);
    pl->pat_svc = malloc(((size_t)d->n_pat + 1) * sizeof *pl->pat_svc);
    if (!pl->feed_svc0 || !pl->pat_svc)
        return LX_NOMEM;
    for (uint32_t f = 0; f < pl->n_feeds; f++)
        pl->feed_svc0[f + 1] = pl->feed_svc0[f] + lx_net_feed(pl->net, f)->n_services;
    pl->n_gsvc = pl->feed_svc0[pl->n_feeds];
    for (uint32_t p = 0; p < d->n_pat; p++) {
        const plan_pattern *pt = &d->pat[p];
        uint32_t s = d->ptrip[pt->trip0].service;
        for (uint32_t t = 1; t < pt->n_trips && s != LX_NONE; t++)
            if (d->ptrip[pt->trip0 + t].service != s)
                s = LX_NONE;
        pl->pat_svc[p] = s == LX_NONE ? LX_NONE : pl->feed_svc0[pt->feed] + s;
    }
    for (int k = 0; k < 2; k++) {
        plan_dir *m = &pl->dir[k];
        uint32_t n = m->sp_first[pl->n_stops];
        m->sp_svc = malloc(((size_t)n + 1) * sizeof *m->sp_svc);
        if (!m->sp_svc)
            return LX_NOMEM;
        for (uint32_t j = 0; j < n; j++)
            m->sp_svc[j] = pl->pat_svc[m->sp_pat[j]];
        m->sp_dep = malloc(((size_t)n + 1) * 2 * sizeof *m->sp_dep);
        if (!m->sp_dep)
            return LX_NOMEM;
        m->dep_min = INT32_MAX;
        m->dep_max = INT32_MIN;
        for (uint32_t j = 0; j < n; j++) {
            const plan_pattern *pt = &m->pat[m->sp_pat[j]];
            const lx_time_t *col = pat_dep(m, pt) + (size_t)m->sp_pos[j] * pt->n_trips;
            m->sp_dep[2 * j] = col[0];
            m->sp_dep[2 * j + 1] = col[pt->n_trips - 1];
            if (col[0] < m->dep_min)
                m->dep_min = col[0];
            if (col[pt->n_trips - 1] > m->dep_max)
                m->dep_max = col[pt->n_trips - 1];
        }
        if (sort_stop_pairs(pl, m) != LX_OK)
            return LX_NOMEM;
    }
    return LX_OK;
}

/* Indexes each stop's (pattern, position) pairs in plan_dir.sp_ix: first those whose
 * first and last departure there differ (several runs), in pair order, then those
 * with one departure time, by that time (then pair order), from plan_dir.sp_one[s]
 * on, so that a round's queue finds the ones leaving in a window by binary search.
 * The pair arrays themselves keep their order (by pattern). */
typedef struct {
    int32_t f0, f1;
    uint32_t idx;
} sp_item;

static int sp_item_cmp(const void *a, const void *b)
{
    const sp_item *x = a, *y = b;
    int ox = x->f0 == x->f1, oy = y->f0 == y->f1;
    if (ox != oy)
        return ox - oy;
    if (ox && x->f0 != y->f0)
        return x->f0 < y->f0 ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static lx_err sort_stop_pairs(const lx_plan *pl, plan_dir *d)
{
    uint32_t most = 0;
    d->sp_one = malloc(((size_t)pl->n_stops + 1) * sizeof *d->sp_one);
    d->sp_ix = malloc(((size_t)d->sp_first[pl->n_stops] + 1) * sizeof *d->sp_ix);
    if (!d->sp_one || !d->sp_ix)
        return LX_NOMEM;
    for (uint32_t s = 0; s < pl->n_stops; s++)
        if (d->sp_first[s + 1] - d->sp_first[s] > most)
            most = d->sp_first[s + 1] - d->sp_first[s];
    sp_item *it = malloc(((size_t)most + 1) * sizeof *it);
    if (!it)
        return LX_NOMEM;
    for (uint32_t s = 0; s < pl->n_stops; s++) {
        uint32_t j0 = d->sp_first[s], n = d->sp_first[s + 1] - j0, one = n;
        for (uint32_t i = 0; i < n; i++)
            it[i] = (sp_item){d->sp_dep[2 * (j0 + i)], d->sp_dep[2 * (j0 + i) + 1], i};
        if (n > 1)
            qsort(it, n, sizeof *it, sp_item_cmp);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t j = j0 + it[i].idx;
            uint32_t g = d->sp_svc[j] == LX_NONE ? pl->n_gsvc : d->sp_svc[j];
            d->sp_ix[j0 + i] = (plan_spix){it[i].f0, it[i].f1, d->sp_pat[j], g, d->sp_pos[j]};
            if (one == n && it[i].f0 == it[i].f1)
                one = i;
        }
        d->sp_one[s] = j0 + one;
    }
    free(it);
    return LX_OK;
}

static uint16_t pack_country(const char *c)
{
    return c[0] && c[1] ? (uint16_t)((uint8_t)c[0] << 8 | (uint8_t)c[1]) : 0;
}

lx_err lx_plan_create(const lx_net *net, const lx_plan_opts *opts, lx_plan **out)
{
    *out = NULL;
    lx_plan *pl = calloc(1, sizeof *pl);
    if (!pl)
        return LX_NOMEM;
    pl->net = net;
    if (opts)
        pl->opts = *opts;
    else
        lx_plan_opts_init(&pl->opts);
    const lx_plan_opts *o = &pl->opts;
    if (o->min_change_seconds < 0 || o->border_seconds < 0 || o->link_meters < 0 ||
        o->walk_mm_per_s <= 0 || o->max_transfers < 0 || o->max_transfers > LX_PLAN_MAX_TRANSFERS ||
        o->max_duration_seconds <= 0 || o->max_duration_seconds > 7 * 86400 ||
        o->slack_seconds < 0) {
        free(pl);
        return LX_INVAL;
    }
    lx_err e = LX_NOMEM;
    pl->n_feeds = lx_net_feed_count(net);
    pl->feed_stop0 = calloc((size_t)pl->n_feeds + 1, sizeof *pl->feed_stop0);
    pl->feed_trip0 = calloc((size_t)pl->n_feeds + 1, sizeof *pl->feed_trip0);
    if (!pl->feed_stop0 || !pl->feed_trip0)
        goto fail;
    for (uint32_t f = 0; f < pl->n_feeds; f++) {
        const lx_tt *tt = lx_net_feed(net, f);
        pl->feed_stop0[f + 1] = pl->feed_stop0[f] + tt->n_stations;
        pl->feed_trip0[f + 1] = pl->feed_trip0[f] + tt->n_trips;
        if (tt->max_trip_span_days > pl->max_span_days)
            pl->max_span_days = tt->max_trip_span_days;
    }
    pl->n_stops = pl->feed_stop0[pl->n_feeds];
    if (pl->n_stops > PSTOP_MASK) {
        e = LX_TOOBIG;
        goto fail;
    }
    pl->n_gtrips = pl->feed_trip0[pl->n_feeds];
    pl->stop_feed = malloc(((size_t)pl->n_stops + 1) * sizeof *pl->stop_feed);
    pl->country = malloc(((size_t)pl->n_stops + 1) * sizeof *pl->country);
    pl->change = malloc(((size_t)pl->n_stops + 1) * sizeof *pl->change);
    pl->border = malloc(((size_t)pl->n_stops + 1) * sizeof *pl->border);
    if (!pl->stop_feed || !pl->country || !pl->change || !pl->border)
        goto fail;
    for (uint32_t f = 0; f < pl->n_feeds; f++) {
        const lx_tt *tt = lx_net_feed(net, f);
        for (uint32_t s = 0; s < tt->n_stations; s++) {
            uint32_t g = pl->feed_stop0[f] + s;
            const lx_station *st = &tt->stations[s];
            const lx_station *up = st->parent != LX_NONE ? &tt->stations[st->parent] : st;
            const char *c = *st->country ? st->country : up->country;
            int32_t bo = st->border_time >= 0 ? st->border_time : up->border_time;
            pl->stop_feed[g] = f;
            pl->country[g] = pack_country(c);
            pl->change[g] = stop_change(pl, g);
            pl->border[g] = bo >= 0 ? bo : o->border_seconds;
        }
    }
    pat_builder b;
    lx_vec_init(&b.pat, sizeof(plan_pattern));
    lx_vec_init(&b.pstop, sizeof(uint32_t));
    lx_vec_init(&b.pflag, 1);
    lx_vec_init(&b.blk, sizeof(int32_t));
    lx_vec_init(&b.ptrip, sizeof(plan_ptrip));
    e = LX_OK;
    for (uint32_t f = 0; f < pl->n_feeds && !e; f++)
        e = build_feed_patterns(pl, &b, f);
    plan_dir *d = &pl->dir[0];
    size_t len;
    d->n_pat = (uint32_t)b.pat.len;
    d->n_ptrip = (uint32_t)b.ptrip.len;
    d->pat = lx_vec_steal(&b.pat, &len);
    d->pstop = lx_vec_steal(&b.pstop, &len);
    d->pflag = lx_vec_steal(&b.pflag, &len);
    d->blk = lx_vec_steal(&b.blk, &len);
    d->ptrip = lx_vec_steal(&b.ptrip, &len);
    if (e)
        goto fail;
    e = LX_NOMEM;
    if (d->n_pat && (!d->pat || !d->pstop || !d->pflag || !d->blk || !d->ptrip))
        goto fail;
    if ((e = build_mirror(pl)) || (e = build_stop_index(pl, &pl->dir[0])) ||
        (e = build_stop_index(pl, &pl->dir[1])) || (e = build_trip_map(pl, &pl->dir[0])) ||
        (e = build_trip_map(pl, &pl->dir[1])) || (e = build_footpaths(pl)) ||
        (e = build_rules(pl)) || (e = build_components(pl)) || (e = build_lines(pl)) ||
        (e = build_lower_graph(pl, &pl->dir[0])) || (e = build_lower_graph(pl, &pl->dir[1])) ||
        (e = build_pattern_services(pl)))
        goto fail;
    *out = pl;
    return LX_OK;
fail:
    lx_plan_destroy(pl);
    return e;
}

void lx_plan_get_stats(const lx_plan *pl, lx_plan_stats *out)
{
    const plan_dir *d = &pl->dir[0];
    size_t times = 0, pos = 0;
    for (uint32_t p = 0; p < d->n_pat; p++) {
        times += (size_t)d->pat[p].n_stops * d->pat[p].n_trips;
        pos += d->pat[p].n_stops;
    }
    out->stops = pl->n_stops;
    out->patterns = d->n_pat;
    out->pattern_trips = d->n_ptrip;
    out->footpaths = d->n_fp;
    out->trip_rules = d->n_rule;
    size_t per_dir = d->n_pat * sizeof *d->pat + pos * (sizeof *d->pstop + 1) +
                     (pos + times * 2) * sizeof(lx_time_t) + d->n_ptrip * sizeof *d->ptrip +
                     ((size_t)pl->n_stops + 1) * 2 * sizeof(uint32_t) + pos * 2 * sizeof(uint32_t) +
                     (size_t)d->n_fp * 8 + ((size_t)pl->n_gtrips + 2) * 3 * sizeof(uint32_t) +
                     d->n_rule * sizeof(plan_rule);
    out->bytes = sizeof *pl + 2 * per_dir + (size_t)pl->n_stops * 14;
}
