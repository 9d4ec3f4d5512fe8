/* bench_inv: what its files share (bench_inv.c: options, the in-memory designs, the
 * report; bench_inv_durable.c: the designs over lx_book; bench_inv_micro.c: --micro). */
#ifndef LX_BENCH_INV_H
#define LX_BENCH_INV_H

#include "lanxang/inv.h"
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *design; /* mem-runlock, mem-global, mem-shard, durable, durable-normal,
                           book-mem */
    int workload;       /* 'a', 'b' or 's' (workload.h) */
    uint32_t threads, trains;
    uint64_t ops_per_thread;
    uint64_t seed;
    uint32_t batch;     /* durable, book-mem: requests per batch */
    uint32_t shards;    /* mem-shard: writer threads */
    uint32_t lat_every; /* in-memory designs: time every lat_every-th request */
    const char *dir;    /* durable: where the temporary data directories go */
} bi_opts;

/* What a run measured. lat: latency samples in nanoseconds (malloc'ed). */
typedef struct {
    uint64_t ops, queries, purchases, refused, refunds;
    double seconds;
    uint32_t *lat;
    size_t n_lat;
    const char *latency_of; /* "request" or "batch" */
    int durable;
    char extra[512]; /* more JSON members, each starting with a comma */
} bi_result;

/* The service day of every synthetic run: 2026-12-20. */
lx_date_t bi_day(void);
/* Monotonic clock, nanoseconds. */
uint64_t bi_ns(void);
/* Appends a latency sample, growing the array. 0 on success. */
int bi_lat_push(uint32_t **lat, size_t *n, size_t *cap, uint64_t ns);
/* Prints a problem to stderr, prefixed "bench_inv: ". */
void bi_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The designs over lx_book (bench_inv_durable.c). 0 when every check passed. */
int bi_run_durable(const bi_opts *o, int sync_normal, int memory_only, bi_result *res);
/* --micro (bench_inv_micro.c): prints its JSON lines; 0 on success. */
int bi_run_micro(uint32_t trains, uint64_t seed);

#endif
