#include "mem.h"

#include <stdlib.h>
#include <string.h>

struct lx_arena_block {
    lx_arena_block *next;
    size_t cap;
    _Alignas(8) unsigned char data[];
};

#define ARENA_BLOCK (64 * 1024)

void lx_arena_init(lx_arena *a) { memset(a, 0, sizeof *a); }

void lx_arena_free(lx_arena *a)
{
    lx_arena_block *b = a->head;
    while (b) {
        lx_arena_block *next = b->next;
        free(b);
        b = next;
    }
    memset(a, 0, sizeof *a);
}

void *lx_arena_alloc(lx_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (!a->head || a->cap - a->used < n) {
        size_t cap = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
        lx_arena_block *b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->cap = cap;
        if (a->head && cap != ARENA_BLOCK) {
            /* a big allocation gets a block of its own behind the current one, so
             * the free space of the current block is not thrown away */
            b->next = a->head->next;
            a->head->next = b;
            a->total += n;
            return b->data;
        }
        b->next = a->head;
        a->head = b;
        a->cap = cap;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    a->total += n;
    return p;
}

const char *lx_arena_strndup(lx_arena *a, const char *s, size_t len)
{
    if (len == 0)
        return "";
    char *p = lx_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = 0;
    return p;
}

void lx_vec_init(lx_vec *v, size_t elem)
{
    memset(v, 0, sizeof *v);
    v->elem = elem;
}

void lx_vec_free(lx_vec *v)
{
    free(v->data);
    v->data = NULL;
    v->len = v->cap = 0;
}

lx_err lx_vec_reserve(lx_vec *v, size_t n)
{
    if (n <= v->cap)
        return LX_OK;
    size_t cap = v->cap ? v->cap : 16;
    while (cap < n)
        cap *= 2;
    void *d = realloc(v->data, cap * v->elem);
    if (!d)
        return LX_NOMEM;
    v->data = d;
    v->cap = cap;
    return LX_OK;
}

void *lx_vec_push(lx_vec *v)
{
    if (v->len == v->cap && lx_vec_reserve(v, v->len + 1) != LX_OK)
        return NULL;
    void *p = (char *)v->data + v->len * v->elem;
    memset(p, 0, v->elem);
    v->len++;
    return p;
}

void *lx_vec_steal(lx_vec *v, size_t *len)
{
    void *d = v->data;
    if (len)
        *len = v->len;
    if (d && v->len < v->cap) {
        void *s = realloc(d, (v->len ? v->len : 1) * v->elem);
        if (s)
            d = s;
    }
    v->data = NULL;
    v->len = v->cap = 0;
    return d;
}

/* FNV-1a, 64-bit: keys are short ids ("GO202_26_2", "kunming_south"), for which it
 * is fast and spreads well enough with a power-of-two table. */
uint64_t lx_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

lx_err lx_map_init(lx_map *m, uint32_t expected)
{
    memset(m, 0, sizeof *m);
    uint32_t cap = 16;
    while (cap < expected * 2 && cap < (1u << 31))
        cap *= 2;
    m->keys = calloc(cap, sizeof *m->keys);
    m->lens = calloc(cap, sizeof *m->lens);
    m->vals = calloc(cap, sizeof *m->vals);
    if (!m->keys || !m->lens || !m->vals) {
        lx_map_free(m);
        return LX_NOMEM;
    }
    m->cap = cap;
    return LX_OK;
}

void lx_map_free(lx_map *m)
{
    free(m->keys);
    free(m->lens);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static uint32_t find_slot(const lx_map *m, const char *key, uint32_t len)
{
    uint32_t mask = m->cap - 1;
    uint32_t i = (uint32_t)lx_hash(key, len) & mask;
    while (m->keys[i] && !(m->lens[i] == len && memcmp(m->keys[i], key, len) == 0))
        i = (i + 1) & mask;
    return i;
}

static lx_err grow(lx_map *m)
{
    lx_map n;
    lx_err e = lx_map_init(&n, m->cap);
    if (e)
        return e;
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            uint32_t s = find_slot(&n, m->keys[i], m->lens[i]);
            n.keys[s] = m->keys[i];
            n.lens[s] = m->lens[i];
            n.vals[s] = m->vals[i];
        }
    n.count = m->count;
    lx_map_free(m);
    *m = n;
    return LX_OK;
}

lx_err lx_map_put(lx_map *m, const char *key, uint32_t len, uint32_t val, uint32_t *existing)
{
    if ((m->count + 1) * 4 > m->cap * 3) {
        lx_err e = grow(m);
        if (e)
            return e;
    }
    uint32_t s = find_slot(m, key, len);
    if (m->keys[s]) {
        if (existing)
            *existing = m->vals[s];
        return LX_OK;
    }
    m->keys[s] = key ? key : "";
    m->lens[s] = len;
    m->vals[s] = val;
    m->count++;
    if (existing)
        *existing = UINT32_MAX;
    return LX_OK;
}

uint32_t lx_map_get(const lx_map *m, const char *key, uint32_t len)
{
    if (!m->cap)
        return UINT32_MAX;
    uint32_t s = find_slot(m, key, len);
    return m->keys[s] ? m->vals[s] : UINT32_MAX;
}
