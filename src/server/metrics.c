/* Metrics for Prometheus (GET /metrics) and the OpenAPI document of the API
 * (GET /api/v1/openapi.json).
 *
 * Counters. Every answered request is counted by server.c once it is done
 * (lx_metrics_count): by method, route and status, and its time in a histogram by
 * route. The counters are process-wide relaxed atomics in fixed arrays, so counting
 * takes no lock and allocates nothing; a scrape reads each counter once, so a scrape
 * that races requests may see a count and a histogram that differ by those requests,
 * as Prometheus allows.
 *
 * Routes. The label `route` is the pattern of the API's route table (api.c) entry
 * that answered — the dispatcher says which in lx_srv_resp.route, so nothing here
 * matches paths again — "{}" standing for a captured segment, so that the label set
 * stays small whatever the paths asked for. Paths under /api that match no pattern are
 * "(unmatched)", the web page's files "(static)".
 *
 * The booking counters come from lx_book_stats_get at each scrape.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "cache.h"
#include "server/assets.h"
#include "server_int.h"

/* ---- labels ---- */

/* Slots: the API's route table entries (lx_api_route_pattern), then "(unmatched)" for an
 * API path no route matched, then "(static)" for the web files. */
#define MAX_ROUTES 64
#define N_ROUTES (MAX_ROUTES + 2)
#define ROUTE_UNMATCHED MAX_ROUTES
#define ROUTE_STATIC (MAX_ROUTES + 1)

static const char *route_label(size_t r)
{
    if (r == ROUTE_UNMATCHED)
        return "(unmatched)";
    if (r == ROUTE_STATIC)
        return "(static)";
    return lx_api_route_pattern(r);
}

/* The slot of the histogram: entries of one pattern (GET and DELETE of
 * /api/v1/bookings/{}) share the first one's, so each route label is one series. */
static size_t route_slot(size_t r)
{
    const char *p = route_label(r);
    for (size_t i = 0; i < r && i < MAX_ROUTES; i++)
        if (lx_api_route_pattern(i) && strcmp(lx_api_route_pattern(i), p) == 0)
            return i;
    return r;
}

static const char *const METHODS[] = {"GET",  "HEAD",    "POST",  "PUT",
                                      "DELETE", "PATCH", "OPTIONS", "other"};
#define N_METHODS (sizeof METHODS / sizeof METHODS[0])

/* Statuses 100 to 599, one slot each. */
#define STATUS_MIN 100
#define N_STATUS 500

/* Histogram bounds in microseconds (le in seconds: 0.0005 ... 2.5). */
static const uint64_t BOUNDS_US[] = {500, 1000, 2500, 5000, 10000, 25000,
                                     50000, 100000, 250000, 1000000, 2500000};
#define N_BOUNDS (sizeof BOUNDS_US / sizeof BOUNDS_US[0])

static _Atomic uint64_t requests[N_METHODS][N_ROUTES][N_STATUS];
static struct {
    _Atomic uint64_t bucket[N_BOUNDS + 1]; /* not cumulative; the last is +Inf */
    _Atomic uint64_t sum_us, count;
} latency[N_ROUTES];

/* ---- counting ---- */

int lx_metrics_owns(const char *target)
{
    size_t n = strcspn(target, "?");
    return n == 8 && strncmp(target, "/metrics", 8) == 0;
}

void lx_metrics_count(const char *method, int route, int status, long long us)
{
    size_t m = 0;
    while (m < N_METHODS - 1 && strcmp(METHODS[m], method) != 0)
        m++;
    size_t r = route < 0                             ? ROUTE_STATIC
               : route == 0 || route > MAX_ROUTES ? ROUTE_UNMATCHED
                                                  : route_slot((size_t)route - 1);
    if (status >= STATUS_MIN && status < STATUS_MIN + N_STATUS)
        atomic_fetch_add_explicit(&requests[m][r][status - STATUS_MIN], 1,
                                  memory_order_relaxed);
    uint64_t u = us > 0 ? (uint64_t)us : 0;
    size_t b = 0;
    while (b < N_BOUNDS && u > BOUNDS_US[b])
        b++;
    atomic_fetch_add_explicit(&latency[r].bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency[r].sum_us, u, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency[r].count, 1, memory_order_relaxed);
}

/* ---- the exposition ---- */

static lx_cache *shown_cache;

void lx_metrics_set_cache(lx_cache *c) { shown_cache = c; }

static void render_cache(FILE *f)
{
    if (!shown_cache)
        return;
    lx_cache_stats cs;
    lx_cache_stats_get(shown_cache, &cs);
    fprintf(f,
            "# HELP lanxang_answer_cache_requests_total API GET requests looked up in the "
            "answer cache, by result.\n"
            "# TYPE lanxang_answer_cache_requests_total counter\n"
            "lanxang_answer_cache_requests_total{result=\"hit\"} %llu\n"
            "lanxang_answer_cache_requests_total{result=\"miss\"} %llu\n"
            "# HELP lanxang_answer_cache_stored_total Answers put in the answer cache.\n"
            "# TYPE lanxang_answer_cache_stored_total counter\n"
            "lanxang_answer_cache_stored_total %llu\n"
            "# HELP lanxang_answer_cache_bytes Bytes of answers held in the answer cache.\n"
            "# TYPE lanxang_answer_cache_bytes gauge\n"
            "lanxang_answer_cache_bytes %llu\n",
            (unsigned long long)cs.hits, (unsigned long long)cs.misses,
            (unsigned long long)cs.stored, (unsigned long long)cs.bytes);
}

lx_err lx_metrics_render(lx_book *book, lx_srv_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return LX_NOMEM;

    fputs("# HELP lanxang_http_requests_total HTTP requests answered, by method, route "
          "pattern and status.\n"
          "# TYPE lanxang_http_requests_total counter\n",
          f);
    for (size_t m = 0; m < N_METHODS; m++)
        for (size_t r = 0; r < N_ROUTES; r++)
            for (size_t s = 0; s < N_STATUS; s++) {
                uint64_t v = atomic_load_explicit(&requests[m][r][s], memory_order_relaxed);
                if (v)
                    fprintf(f,
                            "lanxang_http_requests_total{method=\"%s\",route=\"%s\","
                            "status=\"%zu\"} %llu\n",
                            METHODS[m], route_label(r), s + STATUS_MIN, (unsigned long long)v);
            }

    fputs("# HELP lanxang_http_request_duration_seconds Time from the request line to the "
          "end of the answer, by route pattern.\n"
          "# TYPE lanxang_http_request_duration_seconds histogram\n",
          f);
    for (size_t r = 0; r < N_ROUTES; r++) {
        uint64_t count = atomic_load_explicit(&latency[r].count, memory_order_relaxed);
        if (!count)
            continue;
        uint64_t cum = 0;
        for (size_t b = 0; b <= N_BOUNDS; b++) {
            cum += atomic_load_explicit(&latency[r].bucket[b], memory_order_relaxed);
            if (b < N_BOUNDS)
                fprintf(f,
                        "lanxang_http_request_duration_seconds_bucket{route=\"%s\","
                        "le=\"%g\"} %llu\n",
                        route_label(r), (double)BOUNDS_US[b] / 1e6, (unsigned long long)cum);
            else
                fprintf(f,
                        "lanxang_http_request_duration_seconds_bucket{route=\"%s\","
                        "le=\"+Inf\"} %llu\n",
                        route_label(r), (unsigned long long)cum);
        }
        uint64_t sum = atomic_load_explicit(&latency[r].sum_us, memory_order_relaxed);
        fprintf(f, "lanxang_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", route_label(r),
                (double)sum / 1e6);
        /* count = the +Inf bucket, read once above */
        fprintf(f, "lanxang_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                route_label(r), (unsigned long long)cum);
    }

    if (book) {
        lx_book_stats st;
        memset(&st, 0, sizeof st);
        lx_book_stats_get(book, &st);
        const struct {
            const char *kind;
            uint64_t v;
        } kinds[] = {{"hold", st.holds},       {"sale", st.sales},
                     {"confirm", st.confirms}, {"cancel", st.cancels},
                     {"refund", st.refunds},   {"expiry", st.expiries}};
        fputs("# HELP lanxang_bookings_total Booking operations done by the store since it "
              "was opened, by kind.\n"
              "# TYPE lanxang_bookings_total counter\n",
              f);
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            fprintf(f, "lanxang_bookings_total{kind=\"%s\"} %llu\n", kinds[i].kind,
                    (unsigned long long)kinds[i].v);
        fprintf(f,
                "# HELP lanxang_book_commits_total Transactions committed by the booking "
                "store.\n"
                "# TYPE lanxang_book_commits_total counter\n"
                "lanxang_book_commits_total %llu\n"
                "# HELP lanxang_book_refusals_total Booking operations refused (sold out, "
                "seat taken, conflict ...).\n"
                "# TYPE lanxang_book_refusals_total counter\n"
                "lanxang_book_refusals_total %llu\n",
                (unsigned long long)st.commits, (unsigned long long)st.refusals);
    }

    render_cache(f);
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return LX_NOMEM;
    }
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp->body = buf;
    resp->len = len;
    return LX_OK;
}

/* ---- handlers of the route table ---- */

lx_err lx_api_h_metrics(const req *r, lx_srv_resp *resp)
{
    return lx_metrics_render(r->api->book, resp);
}

lx_err lx_api_h_openapi(const req *r, lx_srv_resp *resp)
{
    (void)r;
    size_t n;
    const lx_asset *a = lx_web_assets(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].path, "openapi.json") == 0) {
            memset(resp, 0, sizeof *resp);
            resp->body = malloc(a[i].len ? a[i].len : 1);
            if (!resp->body)
                return LX_NOMEM;
            memcpy(resp->body, a[i].data, a[i].len);
            resp->len = a[i].len;
            resp->status = 200;
            resp->content_type = "application/json; charset=utf-8";
            return LX_OK;
        }
    return lx_api_reply_error(resp, LX_NOTFOUND, "the OpenAPI document is not built in",
                              NULL);
}
