/* The server's answer cache (cache.c): whole API answers kept by request target, so a
 * search asked again is answered by one copy instead of being computed anew.
 *
 * An answer is kept under one of two rules, by its route:
 *   LX_CACHE_NET    it follows from the timetables alone (stations, trains between two
 *                   stations, departures, a timetable), which do not change while the
 *                   server runs: kept until evicted;
 *   LX_CACHE_SEATS  it also reads the seat inventory and the clock (offers: free seats
 *                   per class; a train's seat map): given again only within the same
 *                   second of the API's clock and while no run has changed
 *                   (lx_inv_changes), so it is exactly what computing it again gives.
 * Only 200 answers to GET (and HEAD) are kept. Entries live in a fixed table (a new
 * answer replaces the one in its slot), within a byte budget; safe between threads. */
#ifndef LX_SERVER_CACHE_H
#define LX_SERVER_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "server_int.h"

typedef enum { LX_CACHE_NONE, LX_CACHE_NET, LX_CACHE_SEATS } lx_cache_rule;

typedef struct lx_cache lx_cache;

typedef struct {
    uint64_t hits, misses, stored, bytes;
} lx_cache_stats;

/* A cache of at most max_bytes of answers; *out NULL (no cache) when max_bytes is 0. */
lx_err lx_cache_create(size_t max_bytes, lx_cache **out);
void lx_cache_destroy(lx_cache *c);

/* The rule for the answers of a route pattern of the API's route table
 * ("/api/v1/offers"). */
lx_cache_rule lx_cache_rule_of(const char *pattern);

/* The state an LX_CACHE_SEATS answer depends on, read before computing it: the
 * second of the API's clock and the count of changes to runs. */
typedef struct {
    lx_instant_t now;
    uint64_t changes;
} lx_cache_tag;
lx_cache_tag lx_cache_seats_tag(lx_instant_t now);

/* On a hit, fills resp (status, content type, route and a malloc'ed copy of the body)
 * and returns 1. seats_tag: lx_cache_seats_tag now. */
int lx_cache_get(lx_cache *c, const char *target, lx_cache_tag seats_tag, lx_srv_resp *resp);
/* Keeps a copy of resp (a 200 answer) under target; seats_tag as read before the
 * answer was computed. Quietly keeps nothing when out of memory or budget. */
void lx_cache_put(lx_cache *c, const char *target, lx_cache_rule rule, lx_cache_tag seats_tag,
                  const lx_srv_resp *resp);
void lx_cache_stats_get(lx_cache *c, lx_cache_stats *out);

/* The cache whose counters GET /metrics shows (metrics.c); NULL: none. Set before the
 * server takes requests, cleared after it stops. */
void lx_metrics_set_cache(lx_cache *c);

#endif
