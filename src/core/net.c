/* Name resolution over every feed.
 *
 * Every station name (and each of its translations) is folded (lx_fold) once, when
 * its feed joins the network, into one block per feed: the server resolves two names
 * per search, and folding every name again on each query cost more than the rest of a
 * search answer (a measured 15% of the server's time, docs/PERFORMANCE.md). A query
 * is folded and compared with the folded names; only when no name equals or contains
 * it does the slower edit distance ("did you mean") run, over the same names. */
#include "lanxang/net.h"
#include "lanxang/text.h"
#include "tt_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FOLD_CAP 256

/* The folded names of one feed: station s's names are fold[first[s] .. first[s+1]),
 * its own name last (as the loop in lx_net_resolve takes them), each a string at an
 * offset into text. */
typedef struct {
    uint32_t *first;          /* n_stations + 1 */
    uint32_t *at;             /* offsets into text, one per name */
    char *text;
} net_folded;

struct lx_net {
    lx_tt **feeds;
    net_folded *folded;
    uint32_t n, cap;
};

static const char *station_name(const lx_tt *tt, const lx_station *st, uint32_t k)
{
    return k == st->tr_count ? st->name
                             : tt->translations[tt->tr_index[st->tr_first + k]].translation;
}

static void folded_free(net_folded *f)
{
    free(f->first);
    free(f->at);
    free(f->text);
}

static lx_err fold_feed(const lx_tt *tt, net_folded *out)
{
    net_folded f = {calloc((size_t)tt->n_stations + 1, sizeof *f.first), NULL, NULL};
    size_t names = 0, bytes = 0, cap = 0;
    char buf[FOLD_CAP];
    if (!f.first)
        return LX_NOMEM;
    for (uint32_t s = 0; s < tt->n_stations; s++)
        names += (size_t)tt->stations[s].tr_count + 1;
    f.at = malloc((names ? names : 1) * sizeof *f.at);
    if (!f.at)
        goto nomem;
    names = 0;
    for (uint32_t s = 0; s < tt->n_stations; s++) {
        const lx_station *st = &tt->stations[s];
        f.first[s] = (uint32_t)names;
        for (uint32_t k = 0; k <= st->tr_count; k++) {
            lx_fold(station_name(tt, st, k), buf, sizeof buf);
            size_t len = strlen(buf) + 1;
            if (bytes + len > cap) {
                size_t ncap = cap ? cap * 2 : 4096;
                while (ncap < bytes + len)
                    ncap *= 2;
                char *t = realloc(f.text, ncap);
                if (!t)
                    goto nomem;
                f.text = t;
                cap = ncap;
            }
            memcpy(f.text + bytes, buf, len);
            f.at[names++] = (uint32_t)bytes;
            bytes += len;
        }
    }
    f.first[tt->n_stations] = (uint32_t)names;
    *out = f;
    return LX_OK;
nomem:
    folded_free(&f);
    return LX_NOMEM;
}

lx_err lx_net_create(lx_net **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? LX_OK : LX_NOMEM;
}

void lx_net_destroy(lx_net *net)
{
    if (!net)
        return;
    for (uint32_t i = 0; i < net->n; i++) {
        lx_tt_destroy(net->feeds[i]);
        folded_free(&net->folded[i]);
    }
    free(net->feeds);
    free(net->folded);
    free(net);
}

lx_err lx_net_add(lx_net *net, lx_tt *tt)
{
    if (net->n == net->cap) {
        uint32_t cap = net->cap ? net->cap * 2 : 4;
        lx_tt **f = realloc(net->feeds, cap * sizeof *f);
        if (f)
            net->feeds = f;
        net_folded *nf = f ? realloc(net->folded, cap * sizeof *nf) : NULL;
        if (nf)
            net->folded = nf;
        if (!f || !nf) {
            lx_tt_destroy(tt);
            return LX_NOMEM;
        }
        net->cap = cap;
    }
    if (fold_feed(tt, &net->folded[net->n]) != LX_OK) {
        lx_tt_destroy(tt);
        return LX_NOMEM;
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

/* A station's own name, folded (the last of its names in the block). */
static const char *own_folded(const lx_net *net, lx_place p)
{
    const net_folded *fo = &net->folded[p.feed];
    return fo->text + fo->at[fo->first[p.station + 1] - 1];
}

lx_err lx_net_resolve(const lx_net *net, const char *query, lx_place *out, uint32_t cap,
                      uint32_t *n)
{
    char q[FOLD_CAP];
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
    for (uint32_t fi = 0; fi < net->n; fi++) {
        const lx_tt *tt = net->feeds[fi];
        const net_folded *fo = &net->folded[fi];
        for (uint32_t s = 0; s < tt->n_stations; s++) {
            const lx_station *st = &tt->stations[s];
            lx_place p = {fi, s};
            if (strcmp(st->id, query) == 0 || (*st->code && strcasecmp(st->code, query) == 0)) {
                put(exact, &ne, MAXC, p, 0);
                continue;
            }
            for (uint32_t k = fo->first[s]; k < fo->first[s + 1]; k++) {
                const char *name = fo->text + fo->at[k];
                if (strcmp(name, q) == 0)
                    put(exact, &ne, MAXC, p, 0);
                else if (contains_words(name, q))
                    put(part, &np, MAXC, p, (unsigned)strlen(name));
            }
        }
    }
    /* nothing equals or contains the query: the names near it, for "did you mean" */
    if (!ne && !np) {
        unsigned qlen = (unsigned)strlen(q);
        unsigned near_max = qlen < 4 ? 1 : qlen < 9 ? 2 : 3;
        for (uint32_t fi = 0; fi < net->n; fi++) {
            const net_folded *fo = &net->folded[fi];
            for (uint32_t s = 0; s < net->feeds[fi]->n_stations; s++)
                for (uint32_t k = fo->first[s]; k < fo->first[s + 1]; k++) {
                    unsigned d = lx_edit_distance(fo->text + fo->at[k], q);
                    if (d <= near_max)
                        put(near, &nn, MAXC, (lx_place){fi, s}, d);
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
        const char *first = own_folded(net, use[0].place);
        for (uint32_t i = 1; i < nu; i++)
            if (strcmp(own_folded(net, use[i].place), first) != 0)
                result = LX_AMBIGUOUS;
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
