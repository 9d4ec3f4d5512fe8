/* libFuzzer target: the booking life cycle of the JSON API (src/server/api_book.c)
 * through lx_api_handle_body, with request bodies, against a booking store that
 * lives as long as the process, so that the inputs of a run build up state together:
 * holds, fulfilments and cancellations of earlier inputs are still there.
 *
 * Built once, in LLVMFuzzerInitialize: the network of the built-in China–Laos feed, an
 * API over it, and a memory-only booking store (lx_book_open(NULL, net,
 * {.memory_only = 1})) served by the API with a fixed clock (CLOCK_START below,
 * 2026-12-01T00:00:00Z, before the runs of December 2026, so that an input answers the
 * same every time). Every RESET_EVERY inputs the store is closed and opened empty again, so that
 * a long run does not stay sold out.
 *
 * An input is one or more requests, separated by a line "===" ("\n===\n"); each is
 *   the first line  "METHOD TARGET": the method up to the first space, the raw request
 *                   target (still percent-encoded) after it; both are cut at a NUL
 *   the rest        after the first "\n", the request body, passed with its length and
 *                   not NUL-terminated; no "\n" at all: no body (NULL)
 * In the target, "$0" .. "$9" stand for the id of the latest booking the store made
 * (in this input or an earlier one), "$1" the one before it and so on ("NONE" when
 * there is no such booking yet), so that seeds can fulfil, read and cancel what they
 * booked although ids are random.
 *
 * Each answer must keep the promises of lx_api_handle_body: LX_OK (memory does not run
 * out here), a status from 200 to 599, a JSON content type, a body of resp.len bytes
 * that jansson parses; every error status carries the one error shape, an object whose
 * only member is "error": {"code": string, "message": string, "field": string or null};
 * a 2xx is an object or an array, and a 201 from POST /api/v1/bookings is a booking
 * with a string "id" and "state". After every input that made the store do anything
 * (its lx_book_stats changed: a change or a refusal), and every 64th input anyway,
 * lx_book_check of the store is LX_OK: no seat sold twice, counts right.
 * FUZZ_BOOKING_TRACE=1 prints every request and the start of its answer, to read a
 * reproducer. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanxang/book.h"
#include "lanxang/gtfs.h"
#include "lanxang/net.h"
#include "server/server_int.h"

#define FUZZ_NAME "fuzz_booking"
#include "fuzz_check.h"

#define CLOCK_START ((lx_instant_t)1796083200) /* 2026-12-01T00:00:00Z */
#define RESET_EVERY 4096
#define N_IDS 10
#define MAX_TARGET 4096 /* bytes of a target after the "$N" are replaced */

/* Built once, kept for the life of the process (still reachable: not a leak). */
static lx_net *net;
static lx_api *api;
static lx_book *book;
static unsigned long inputs;
/* the ids of the latest bookings, ids[0] the newest */
static char ids[N_IDS][LX_BOOK_ID_LEN];
static unsigned n_ids;
static int trace; /* FUZZ_BOOKING_TRACE=1: print every request and answer */

static void open_book(void)
{
    char msg[256] = "";
    lx_book_opts opts = {.memory_only = 1};
    if (lx_book_open(NULL, net, &opts, &book, msg, sizeof msg) != LX_OK) {
        fprintf(stderr, "fuzz_booking: cannot open a memory-only booking store: %s\n", msg);
        abort();
    }
    lx_api_set_book(api, book, CLOCK_START);
    n_ids = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    lx_tt *tt;
    if (lx_builtin_load(&tt) != LX_OK || lx_net_create(&net) != LX_OK ||
        lx_net_add(net, tt) != LX_OK || lx_api_create(net, &api) != LX_OK) {
        fprintf(stderr, "fuzz_booking: cannot build the network of the built-in feed\n");
        abort();
    }
    open_book();
    trace = getenv("FUZZ_BOOKING_TRACE") && *getenv("FUZZ_BOOKING_TRACE") == '1';
    return 0;
}

/* The target with "$N" replaced by the Nth latest booking id; NULL when too long. */
static char *expand_target(const char *t)
{
    char *out = malloc(MAX_TARGET + 1);
    CHECK(out);
    size_t k = 0;
    for (; *t; t++) {
        const char *rep = NULL;
        char one[2] = {*t, 0};
        if (t[0] == '$' && t[1] >= '0' && t[1] <= '9') {
            unsigned i = (unsigned)(t[1] - '0');
            rep = i < n_ids ? ids[i] : "NONE";
            t++;
        } else {
            rep = one;
        }
        size_t n = strlen(rep);
        if (k + n > MAX_TARGET) {
            free(out);
            return NULL;
        }
        memcpy(out + k, rep, n);
        k += n;
    }
    out[k] = 0;
    return out;
}

static void remember_id(const char *id)
{
    memmove(ids[1], ids[0], sizeof ids[0] * (N_IDS - 1));
    snprintf(ids[0], sizeof ids[0], "%s", id);
    if (n_ids < N_IDS)
        n_ids++;
}

/* Checks one answer (see the top of the file). */
static void check_answer(const char *method, const char *target, lx_err e, const lx_srv_resp *resp)
{
    if (e != LX_OK || resp->status < 200 || resp->status > 599 || !resp->body) {
        fprintf(stderr, "fuzz_booking: %.60s %.300s -> %d, status %d\n", method, target, (int)e,
                resp->status);
        abort();
    }
    CHECK(resp->content_type && strncmp(resp->content_type, "application/json", 16) == 0);
    CHECK(strlen(resp->body) == resp->len);
    CHECK((resp->status == 405) == (resp->allow != NULL));
    json_error_t err;
    json_t *j = json_loadb(resp->body, resp->len, 0, &err);
    if (!j) {
        fprintf(stderr, "fuzz_booking: %.60s %.300s -> %d, body is not JSON (%s): %.300s\n", method,
                target, resp->status, err.text, resp->body);
        abort();
    }
    if (resp->status >= 400) {
        json_t *eo = json_object_get(j, "error");
        if (!json_is_object(j) || json_object_size(j) != 1 || !json_is_object(eo)) {
            fprintf(stderr, "fuzz_booking: %.60s %.300s -> %d, not the error shape: %.300s\n",
                    method, target, resp->status, resp->body);
            abort();
        }
        json_t *code = json_object_get(eo, "code"), *msg = json_object_get(eo, "message");
        json_t *field = json_object_get(eo, "field");
        CHECK(json_is_string(code) && json_string_length(code) > 0);
        CHECK(json_is_string(msg) && json_string_length(msg) > 0);
        CHECK(!field || json_is_null(field) || json_is_string(field));
    } else {
        CHECK(json_is_object(j) || json_is_array(j));
    }
    if (resp->status == 201 && strcmp(method, "POST") == 0) {
        /* a booking made: remember its id for "$N" */
        json_t *id = json_object_get(j, "id");
        CHECK(json_is_string(id));
        CHECK(json_string_length(id) > 0 && json_string_length(id) < LX_BOOK_ID_LEN);
        CHECK(json_is_string(json_object_get(j, "state")));
        remember_id(json_string_value(id));
    }
    json_decref(j);
}

/* One request: data[0 .. size) as described at the top of the file. */
static void one_request(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t line = nl ? (size_t)(nl - data) : size;
    const uint8_t *sp = memchr(data, ' ', line);
    size_t mlen = sp ? (size_t)(sp - data) : line;
    char *method = malloc(mlen + 1);
    CHECK(method);
    memcpy(method, data, mlen);
    method[mlen] = 0;
    size_t tstart = sp ? mlen + 1 : line, tlen = line - tstart;
    char *raw = malloc(tlen + 1);
    CHECK(raw);
    memcpy(raw, data + tstart, tlen);
    raw[tlen] = 0;
    char *target = expand_target(raw);
    free(raw);
    if (!target) {
        free(method);
        return;
    }
    /* the body in a buffer of its own size, so that ASan sees a read past its end */
    char *body = NULL;
    size_t blen = 0;
    if (nl) {
        blen = size - line - 1;
        body = malloc(blen ? blen : 1);
        CHECK(body);
        memcpy(body, nl + 1, blen);
    }

    lx_srv_resp resp;
    lx_err e = lx_api_handle_body(api, method, target, body, blen, &resp);
    check_answer(method, target, e, &resp);
    if (trace)
        fprintf(stderr, "fuzz_booking: %.60s %.300s -> %d %.300s\n", method, target, resp.status,
                resp.body);
    lx_srv_resp_clear(&resp);
    CHECK(resp.body == NULL);
    free(body);
    free(target);
    free(method);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (++inputs % RESET_EVERY == 0) {
        lx_book_close(book);
        open_book();
    }
    lx_book_stats before, after;
    lx_book_stats_get(book, &before);
    static const char sep[] = "\n===\n";
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        const uint8_t *next = end;
        for (const uint8_t *q = p; q + sizeof sep - 1 <= end; q++)
            if (memcmp(q, sep, sizeof sep - 1) == 0) {
                next = q;
                break;
            }
        if (next > p)
            one_request(p, (size_t)(next - p));
        p = next == end ? end : next + sizeof sep - 1;
    }

    /* the check walks every run: skip it when the store saw no operation (its
     * statistics count every change and every refusal), except now and then */
    lx_book_stats_get(book, &after);
    if (memcmp(&before, &after, sizeof before) == 0 && inputs % 64 != 0)
        return 0;
    char msg[2048] = "";
    uint32_t runs = 0, orders = 0;
    lx_err e = lx_book_check(book, msg, sizeof msg, &runs, &orders);
    if (e != LX_OK) {
        fprintf(stderr, "fuzz_booking: lx_book_check -> %d: %s\n", (int)e, msg);
        abort();
    }
    return 0;
}
