/* Name resolution over every feed.
 *
 * Names are folded (lx_fold) on every query rather than indexed: a railway has
 * hundreds or a few thousand stations, and folding them all takes well under a
 * millisecond, which keeps the timetable free of a second copy of every name. */
#include "lanxang/net.h"
#include "lanxang/text.h"
#include "tt_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct lx_net {
    lx_tt **feeds;
    uint32_t n, cap;
};

lx_err lx_net_create(lx_net **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? LX_OK : LX_NOMEM;
}

void lx_net_destroy(lx_net *net)
{
    if (!net)
        return;
    for (uint32_t i = 0; i < net->n; i++)
        lx_tt_destroy(net->feeds[i]);
    free(net->feeds);
    free(net);
}

lx_err lx_net_add(lx_net *net, lx_tt *tt)
{
    if (net->n == net->cap) {
        uint32_t cap = net->cap ? net->cap * 2 : 4;
        lx_tt **f = realloc(net->feeds, cap * sizeof *f);
        if (!f) {
            lx_tt_destroy(tt);
            return LX_NOMEM;
        }
        net->feeds = f;
        net->cap = cap;
    }
    net->feeds[net->n++] = tt;
    return LX_OK;
}

uint32_t lx_net_feed_count(const lx_net *net) { return net->n; }
const lx_tt *lx_net_feed(const lx_net *net, uint32_t i) { return i < net->n ? net->feeds[i] : NULL; }

uint32_t lx_net_feed_by_name(const lx_net *net, const char *name)
{
    for (uint32_t i = 0; i < net->n; i++)
        if (strcmp(net->feeds[i]->feed_name, name) == 0)
            return i;
    return LX_NONE;
}

#define FOLD_CAP 256

typedef struct {
    lx_place place;
    unsigned score; /* lower is better */
} cand;

/* the query is a whole-word part of the name: "luang" in "luang prabang", or any
 * part at all for scripts written without spaces (Lao, Chinese) */
static int contains_words(const char *name, const char *q)
{
    size_t ql = strlen(q);
    for (const char *p = strstr(name, q); p; p = strstr(p + 1, q)) {
        int starts = p == name || p[-1] == ' ' || ((unsigned char)*p & 0x80);
        int ends = p[ql] == 0 || p[ql] == ' ' || ((unsigned char)p[ql - 1] & 0x80);
        if (starts && ends)
            return 1;
    }
    return 0;
}

static void put(cand *c, uint32_t *n, uint32_t cap, lx_place p, unsigned score)
{
    for (uint32_t i = 0; i < *n; i++)
        if (c[i].place.feed == p.feed && c[i].place.station == p.station) {
            if (score < c[i].score)
                c[i].score = score;
            return;
        }
    if (*n < cap)
        c[(*n)++] = (cand){p, score};
}

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    if (x->place.feed != y->place.feed)
        return x->place.feed < y->place.feed ? -1 : 1;
    return x->place.station < y->place.station ? -1 : x->place.station > y->place.station;
}

/* Drops a child stop whose parent station is also in the list: the parent's group
 * already covers it. */
static uint32_t drop_children(const lx_net *net, cand *c, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        const lx_tt *tt = net->feeds[c[i].place.feed];
        uint32_t parent = tt->stations[c[i].place.station].parent;
        int covered = 0;
        for (uint32_t j = 0; j < n && parent != LX_NONE; j++)
            covered |= c[j].place.feed == c[i].place.feed && c[j].place.station == parent;
        if (!covered)
            c[k++] = c[i];
    }
    return k;
}

lx_err lx_net_resolve(const lx_net *net, const char *query, lx_place *out, uint32_t cap,
                      uint32_t *n)
{
    char q[FOLD_CAP], f[FOLD_CAP];
    *n = 0;
    lx_fold(query, q, sizeof q);
    if (!*q)
        return LX_INVAL;

    /* "feed:id" names a station of one feed by its id */
    const char *colon = strchr(query, ':');
    if (colon) {
        for (uint32_t i = 0; i < net->n; i++) {
            size_t fl = strlen(net->feeds[i]->feed_name);
            if (fl == (size_t)(colon - query) && strncmp(query, net->feeds[i]->feed_name, fl) == 0) {
                uint32_t s = lx_tt_station_by_id(net->feeds[i], colon + 1);
                if (s != LX_NONE) {
                    if (cap)
                        out[0] = (lx_place){i, s};
                    *n = 1;
                    return LX_OK;
                }
            }
        }
    }

    enum { MAXC = 64 };
    cand exact[MAXC], part[MAXC], near[MAXC];
    uint32_t ne = 0, np = 0, nn = 0;
    unsigned qlen = (unsigned)strlen(q);
    unsigned near_max = qlen < 4 ? 1 : qlen < 9 ? 2 : 3;
    for (uint32_t fi = 0; fi < net->n; fi++) {
        const lx_tt *tt = net->feeds[fi];
        for (uint32_t s = 0; s < tt->n_stations; s++) {
            const lx_station *st = &tt->stations[s];
            lx_place p = {fi, s};
            if (strcmp(st->id, query) == 0 || (*st->code && strcasecmp(st->code, query) == 0)) {
                put(exact, &ne, MAXC, p, 0);
                continue;
            }
            for (uint32_t k = 0; k <= st->tr_count; k++) {
                const char *name = k == st->tr_count
                                       ? st->name
                                       : tt->translations[tt->tr_index[st->tr_first + k]].translation;
                lx_fold(name, f, sizeof f);
                if (strcmp(f, q) == 0)
                    put(exact, &ne, MAXC, p, 0);
                else if (contains_words(f, q))
                    put(part, &np, MAXC, p, (unsigned)strlen(f));
                else {
                    unsigned d = lx_edit_distance(f, q);
                    if (d <= near_max)
                        put(near, &nn, MAXC, p, d);
                }
            }
        }
    }

    cand *use;
    uint32_t nu;
    lx_err result = LX_OK;
    if (ne) {
        use = exact, nu = drop_children(net, exact, ne);
    } else if (np) {
        use = part, nu = drop_children(net, part, np);
        /* several stations contain the query: it is a match only when they all bear
         * the same name (one station present in several feeds) */
        char first[FOLD_CAP];
        lx_fold(net->feeds[use[0].place.feed]->stations[use[0].place.station].name, first,
                sizeof first);
        for (uint32_t i = 1; i < nu; i++) {
            lx_fold(net->feeds[use[i].place.feed]->stations[use[i].place.station].name, f,
                    sizeof f);
            if (strcmp(f, first) != 0)
                result = LX_AMBIGUOUS;
        }
    } else {
        use = near, nu = nn;
        result = LX_NOTFOUND;
    }
    qsort(use, nu, sizeof *use, cand_cmp);
    for (uint32_t i = 0; i < nu && i < cap; i++)
        out[i] = use[i].place;
    *n = nu < cap ? nu : cap;
    return result;
}

/* Expands the places of one feed into its station ids, parent stations into their
 * children. Returns the count written (at most cap). */
static uint32_t feed_stations(const lx_net *net, uint32_t feed, const lx_place *pl, uint32_t n,
                              uint32_t *out, uint32_t cap)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (pl[i].feed != feed)
            continue;
        uint32_t tmp[256];
        uint32_t g = lx_tt_station_group(net->feeds[feed], pl[i].station, tmp, 256);
        for (uint32_t j = 0; j < g && j < 256 && k < cap; j++)
            out[k++] = tmp[j];
    }
    return k;
}

static int net_leg_cmp(const void *a, const void *b)
{
    const lx_net_leg *x = a, *y = b;
    if (x->leg.departure != y->leg.departure)
        return x->leg.departure < y->leg.departure ? -1 : 1;
    if (x->leg.arrival != y->leg.arrival)
        return x->leg.arrival < y->leg.arrival ? -1 : 1;
    if (x->feed != y->feed)
        return x->feed < y->feed ? -1 : 1;
    return x->leg.trip < y->leg.trip ? -1 : x->leg.trip > y->leg.trip;
}

/* legs between (to != NULL) or departures (to == NULL) over every feed */
static uint32_t net_legs(const lx_net *net, const lx_place *from, uint32_t n_from,
                         const lx_place *to, uint32_t n_to, lx_date_t day, lx_net_leg *out,
                         uint32_t cap)
{
    enum { MAXS = 1024 };
    uint32_t fs[MAXS], ts[MAXS], total = 0;
    for (uint32_t f = 0; f < net->n; f++) {
        uint32_t nf = feed_stations(net, f, from, n_from, fs, MAXS);
        uint32_t nt = to ? feed_stations(net, f, to, n_to, ts, MAXS) : 0;
        if (!nf || (to && !nt))
            continue;
        const lx_tt *tt = net->feeds[f];
        uint32_t want = to ? lx_tt_legs_between(tt, fs, nf, ts, nt, day, NULL, 0)
                           : lx_tt_departures(tt, fs, nf, day, NULL, 0);
        if (!want)
            continue;
        lx_leg *tmp = malloc(want * sizeof *tmp);
        if (!tmp)
            continue;
        if (to)
            lx_tt_legs_between(tt, fs, nf, ts, nt, day, tmp, want);
        else
            lx_tt_departures(tt, fs, nf, day, tmp, want);
        for (uint32_t i = 0; i < want; i++, total++)
            if (total < cap)
                out[total] = (lx_net_leg){f, tmp[i]};
        free(tmp);
    }
    if (out && cap && total)
        qsort(out, total < cap ? total : cap, sizeof *out, net_leg_cmp);
    return total;
}

uint32_t lx_net_legs_between(const lx_net *net, const lx_place *from, uint32_t n_from,
                             const lx_place *to, uint32_t n_to, lx_date_t day,
                             lx_net_leg *out, uint32_t cap)
{
    return net_legs(net, from, n_from, to, n_to, day, out, cap);
}

uint32_t lx_net_departures(const lx_net *net, const lx_place *at, uint32_t n_at, lx_date_t day,
                           lx_net_leg *out, uint32_t cap)
{
    return net_legs(net, at, n_at, NULL, 0, day, out, cap);
}
