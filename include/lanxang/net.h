/* lanxang: the network, every loaded timetable (feed) side by side.
 *
 * Feeds keep their own ids; a place in the network is (feed, station). Names typed
 * by people are resolved here, over every feed and every language. */
#ifndef LANXANG_NET_H
#define LANXANG_NET_H

#include "lanxang/timetable.h"

typedef struct lx_net lx_net;

typedef struct {
    uint32_t feed, station;
} lx_place;

lx_err lx_net_create(lx_net **out);
/* Destroys the network and every timetable added to it. */
void lx_net_destroy(lx_net *net);
/* Adds a timetable; the network owns it from now on (also on error). */
lx_err lx_net_add(lx_net *net, lx_tt *tt);
uint32_t lx_net_feed_count(const lx_net *net);
const lx_tt *lx_net_feed(const lx_net *net, uint32_t i);
/* The feed loaded under that name, or LX_NONE. */
uint32_t lx_net_feed_by_name(const lx_net *net, const char *name);

/* Resolves a station typed by a person: a GTFS stop_id ("feed:id" picks the feed),
 * a stop_code, or a name in any language of the feed, compared case- and
 * accent-insensitively (lx_fold). Exact matches win; otherwise a unique name that
 * contains the query as a whole word sequence.
 *  LX_OK: matches in out (up to cap), their count in *n.
 *  LX_AMBIGUOUS: several different stations match; they are in out.
 *  LX_NOTFOUND: nothing matches; out holds up to cap suggestions ("did you mean"),
 *  closest first, and *n their count (maybe 0).
 */
lx_err lx_net_resolve(const lx_net *net, const char *query, lx_place *out, uint32_t cap,
                      uint32_t *n);

/* A leg found in one feed of the network. */
typedef struct {
    uint32_t feed;
    lx_leg leg;
} lx_net_leg;

/* Trips of every feed leaving one of `from` on local date `day` and calling later at
 * one of `to` (both lists may mix feeds; only pairs within one feed count). Child
 * stops of parent stations are included. Sorted by departure; writes up to cap and
 * returns how many there are. */
uint32_t lx_net_legs_between(const lx_net *net, const lx_place *from, uint32_t n_from,
                             const lx_place *to, uint32_t n_to, lx_date_t day,
                             lx_net_leg *out, uint32_t cap);

/* Departures of every feed from one of `at` on local date `day`: legs to each trip's
 * last stop. Same conventions as lx_net_legs_between. */
uint32_t lx_net_departures(const lx_net *net, const lx_place *at, uint32_t n_at, lx_date_t day,
                           lx_net_leg *out, uint32_t cap);

#endif
