/* The answer cache (see cache.h for what is kept and for how long).
 *
 * Why. A search answer is a few kilobytes of JSON built from the timetable: resolving
 * two station names, finding the trains, local times in two zones, fares and free
 * seats per class, then serialising. That costs about 150 us of CPU, thirty times
 * what sending the answer costs; the same searches are asked again and again (the
 * next days from the capital, the cities on the line), so most answers can be copied
 * instead (docs/PERFORMANCE.md, "HTTP server").
 *
 * Layout. SLOTS slots, direct mapped by a 64-bit FNV-1a hash of the raw request
 * target; a slot is guarded by one of STRIPES mutexes (slot % STRIPES). A put replaces
 * what the slot held. A hit copies the body out under the lock (a copy of a few
 * kilobytes is far cheaper than the answer, and the transport frees what it sends).
 * The bytes held are counted; a put that would go past the budget keeps nothing.
 */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lanxang/inv.h"

#define SLOTS 4096u
#define STRIPES 64u
#define MAX_ENTRY (256u << 10) /* larger answers are not kept */

typedef struct {
    uint64_t hash;
    char *target;              /* NULL: empty slot */
    char *body;
    size_t len;
    int status, route;
    const char *content_type;  /* static */
    lx_cache_rule rule;
    lx_cache_tag tag;          /* LX_CACHE_SEATS: the state it was made from */
} entry;

struct lx_cache {
    pthread_mutex_t mu[STRIPES];
    entry slots[SLOTS];
    size_t max_bytes;
    uint64_t bytes;            /* held, atomically updated */
    uint64_t hits, misses, stored;
};

static const struct {
    const char *pattern;
    lx_cache_rule rule;
} rules[] = {
    {"/api/v1/stations", LX_CACHE_NET},
    {"/api/v1/stations/{}", LX_CACHE_NET},
    {"/api/v1/stations/{}/departures", LX_CACHE_NET},
    {"/api/v1/trains", LX_CACHE_NET},
    {"/api/v1/trains/{}/timetable", LX_CACHE_NET},
    {"/api/v1/offers", LX_CACHE_SEATS},
    {"/api/v1/trains/{}/seats", LX_CACHE_SEATS},
    /* journeys: with a class they are seat-aware and priced, so they go with the seats */
    {"/api/v1/journeys", LX_CACHE_SEATS},
};

lx_cache_rule lx_cache_rule_of(const char *pattern)
{
    for (size_t i = 0; pattern && i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(rules[i].pattern, pattern) == 0)
            return rules[i].rule;
    return LX_CACHE_NONE;
}

lx_cache_tag lx_cache_seats_tag(lx_instant_t now)
{
    return (lx_cache_tag){now, lx_inv_changes()};
}

lx_err lx_cache_create(size_t max_bytes, lx_cache **out)
{
    *out = NULL;
    if (!max_bytes)
        return LX_OK;
    lx_cache *c = calloc(1, sizeof *c);
    if (!c)
        return LX_NOMEM;
    for (unsigned i = 0; i < STRIPES; i++)
        pthread_mutex_init(&c->mu[i], NULL);
    c->max_bytes = max_bytes;
    *out = c;
    return LX_OK;
}

static void entry_clear(lx_cache *c, entry *e)
{
    if (e->target)
        __atomic_sub_fetch(&c->bytes, strlen(e->target) + e->len, __ATOMIC_RELAXED);
    free(e->target);
    free(e->body);
    memset(e, 0, sizeof *e);
}

void lx_cache_destroy(lx_cache *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < SLOTS; i++)
        entry_clear(c, &c->slots[i]);
    for (unsigned i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&c->mu[i]);
    free(c);
}

static uint64_t hash_of(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

int lx_cache_get(lx_cache *c, const char *target, lx_cache_tag seats_tag, lx_srv_resp *resp)
{
    if (!c)
        return 0;
    uint64_t h = hash_of(target);
    entry *e = &c->slots[h % SLOTS];
    pthread_mutex_t *mu = &c->mu[(h % SLOTS) % STRIPES];
    int hit = 0;
    pthread_mutex_lock(mu);
    if (e->target && e->hash == h && strcmp(e->target, target) == 0 &&
        (e->rule != LX_CACHE_SEATS ||
         (e->tag.now == seats_tag.now && e->tag.changes == seats_tag.changes))) {
        char *body = malloc(e->len ? e->len : 1);
        if (body) {
            memcpy(body, e->body, e->len);
            memset(resp, 0, sizeof *resp);
            resp->status = e->status;
            resp->content_type = e->content_type;
            resp->route = e->route;
            resp->body = body;
            resp->len = e->len;
            hit = 1;
        }
    }
    pthread_mutex_unlock(mu);
    __atomic_add_fetch(hit ? &c->hits : &c->misses, 1, __ATOMIC_RELAXED);
    return hit;
}

void lx_cache_put(lx_cache *c, const char *target, lx_cache_rule rule, lx_cache_tag seats_tag,
                  const lx_srv_resp *resp)
{
    if (!c || rule == LX_CACHE_NONE || resp->status != 200 || !resp->body ||
        resp->len > MAX_ENTRY || resp->allow)
        return;
    uint64_t h = hash_of(target);
    size_t tlen = strlen(target);
    entry *e = &c->slots[h % SLOTS];
    pthread_mutex_t *mu = &c->mu[(h % SLOTS) % STRIPES];
    pthread_mutex_lock(mu);
    entry_clear(c, e);
    uint64_t held = __atomic_add_fetch(&c->bytes, tlen + resp->len, __ATOMIC_RELAXED);
    char *t = held <= c->max_bytes ? malloc(tlen + 1) : NULL;
    char *body = t ? malloc(resp->len ? resp->len : 1) : NULL;
    if (!body) {
        free(t);
        __atomic_sub_fetch(&c->bytes, tlen + resp->len, __ATOMIC_RELAXED);
    } else {
        memcpy(t, target, tlen + 1);
        memcpy(body, resp->body, resp->len);
        *e = (entry){h, t, body, resp->len, resp->status, resp->route, resp->content_type,
                     rule, seats_tag};
        __atomic_add_fetch(&c->stored, 1, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(mu);
}

void lx_cache_stats_get(lx_cache *c, lx_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    out->hits = __atomic_load_n(&c->hits, __ATOMIC_RELAXED);
    out->misses = __atomic_load_n(&c->misses, __ATOMIC_RELAXED);
    out->stored = __atomic_load_n(&c->stored, __ATOMIC_RELAXED);
    out->bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
}
