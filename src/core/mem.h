/* Internal memory helpers of the core: a bump arena for strings, growable arrays,
 * and a string -> index hash map. Used by the loaders while a timetable is built;
 * nothing here is used on a query path except lx_map_get. */
#ifndef LX_CORE_MEM_H
#define LX_CORE_MEM_H

#include <stddef.h>
#include <stdint.h>
#include "lanxang/error.h"

/* ---- arena: many small allocations freed together ---- */
typedef struct lx_arena_block lx_arena_block;
typedef struct {
    lx_arena_block *head;
    size_t used, cap;    /* in the head block */
    size_t total;        /* bytes handed out, for memory reports */
} lx_arena;

void lx_arena_init(lx_arena *a);
void lx_arena_free(lx_arena *a);
/* NULL only when out of memory. Aligned to 8 bytes. */
void *lx_arena_alloc(lx_arena *a, size_t n);
/* Copies len bytes and a NUL. The empty string is a shared literal. */
const char *lx_arena_strndup(lx_arena *a, const char *s, size_t len);

/* ---- growable array of fixed-size elements ---- */
typedef struct {
    void *data;
    size_t len, cap, elem;
} lx_vec;

void lx_vec_init(lx_vec *v, size_t elem);
void lx_vec_free(lx_vec *v);
/* Pointer to a new zeroed element at the end, or NULL when out of memory. */
void *lx_vec_push(lx_vec *v);
lx_err lx_vec_reserve(lx_vec *v, size_t n);
/* Hands the buffer over (shrunk to fit); the vector is left empty. */
void *lx_vec_steal(lx_vec *v, size_t *len);

/* ---- string -> uint32 hash map (open addressing, keys not owned) ---- */
typedef struct {
    const char **keys;
    uint32_t *lens, *vals;
    uint32_t cap, count;     /* cap is a power of two */
} lx_map;

lx_err lx_map_init(lx_map *m, uint32_t expected);
void lx_map_free(lx_map *m);
/* Inserts key -> val unless the key is present; *existing gets the old value then
 * (or LX_NONE-like UINT32_MAX when new). The key bytes must outlive the map. */
lx_err lx_map_put(lx_map *m, const char *key, uint32_t len, uint32_t val, uint32_t *existing);
/* UINT32_MAX when absent. */
uint32_t lx_map_get(const lx_map *m, const char *key, uint32_t len);

uint64_t lx_hash(const char *s, size_t len);

#endif
