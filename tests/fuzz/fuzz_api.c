/* libFuzzer target: the JSON API's request handling (src/server/server_int.h), without
 * sockets or libmicrohttpd.
 *
 * The network is built once, in LLVMFuzzerInitialize, from the built-in China–Laos
 * feed, and shared by every input, with an empty booking store in memory and a fixed
 * clock (CLOCK, so an input answers the same every time), so that the routes that read
 * seats (offers, the seat map GET /api/v1/trains/{train}/seats, a booking, its QR code)
 * are reached too. Without a body no request can sell: the store only gains empty runs.
 * An input is
 *   byte 0      the method: methods[(byte0 - '0') % N_METHODS] below, so that seeds are
 *               text: '0' GET, '1' HEAD, '2' POST ... '8' the empty method
 *   bytes 1..   the raw request target, still percent-encoded; it is cut at the first
 *               NUL, as a transport would deliver it
 * and each answer must keep the promises of lx_api_handle: LX_OK (memory does not run
 * out here), a status from 200 to 599, a JSON content type (but for the 200s of
 * /metrics and of a ticket's qr.svg), a body of resp.len bytes that jansson parses,
 * an Allow header exactly on 405s, an {"error":{...}} object on
 * every error status, and for HEAD the same answer as for GET (a 405: the same code and
 * Allow header; its message names the method as sent). */
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

#define FUZZ_NAME "fuzz_api"
#include "fuzz_check.h"

static const char *const methods[] = {"GET",     "HEAD",   "POST", "PUT", "DELETE",
                                      "OPTIONS", "G\xffT", "get",  ""};
#define N_METHODS (sizeof methods / sizeof methods[0])

/* Built once, kept for the life of the process (still reachable: not a leak). */
static lx_net *net;
static lx_api *api;
static lx_book *book;

#define CLOCK ((lx_instant_t)1797566400) /* 2026-12-18T04:00:00Z */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    lx_tt *tt;
    lx_book_opts mem = {.memory_only = 1};
    char msg[256];
    if (lx_builtin_load(&tt) != LX_OK || lx_net_create(&net) != LX_OK ||
        lx_net_add(net, tt) != LX_OK || lx_api_create(net, &api) != LX_OK ||
        lx_book_open(NULL, net, &mem, &book, msg, sizeof msg) != LX_OK) {
        fprintf(stderr, "fuzz_api: cannot build the network of the built-in feed\n");
        abort();
    }
    lx_api_set_book(api, book, CLOCK);
    return 0;
}

/* Checks one answer; returns its parsed body (the caller releases it). */
static json_t *check_answer(const char *method, const char *target, lx_err e,
                            const lx_srv_resp *resp)
{
    if (e != LX_OK || resp->status < 200 || resp->status > 599 || !resp->body) {
        fprintf(stderr, "fuzz_api: %s %s -> %d, status %d\n", method, target, (int)e, resp->status);
        abort();
    }
    CHECK(resp->content_type);
    CHECK(strlen(resp->body) == resp->len);
    CHECK((resp->status == 405) == (resp->allow != NULL));
    if (strncmp(resp->content_type, "application/json", 16) != 0) {
        /* the two answers that are not JSON: GET /metrics and a ticket's QR code */
        CHECK(resp->status == 200);
        CHECK(strcmp(resp->content_type, "image/svg+xml") == 0 ||
              strncmp(resp->content_type, "text/plain; version=0.0.4", 25) == 0);
        return json_string_nocheck(resp->body);
    }
    json_error_t err;
    json_t *j = json_loadb(resp->body, resp->len, 0, &err);
    if (!j) {
        fprintf(stderr, "fuzz_api: %s %s -> %d, body is not JSON (%s): %.300s\n", method, target,
                resp->status, err.text, resp->body);
        abort();
    }
    if (resp->status >= 400) {
        json_t *eo = json_object_get(j, "error");
        CHECK(json_is_object(eo));
        CHECK(json_is_string(json_object_get(eo, "code")));
        CHECK(json_is_string(json_object_get(eo, "message")));
    } else {
        CHECK(json_is_object(j) || json_is_array(j));
    }
    return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *method = methods[(uint8_t)(data[0] - '0') % N_METHODS];
    char *target = malloc(size);
    CHECK(target);
    memcpy(target, data + 1, size - 1);
    target[size - 1] = 0;

    lx_srv_resp resp;
    lx_err e = lx_api_handle(api, method, target, &resp);
    json_t *j = check_answer(method, target, e, &resp);
    (void)lx_api_owns(target);

    if (strcmp(method, "HEAD") == 0) {
        lx_srv_resp get;
        lx_err e2 = lx_api_handle(api, "GET", target, &get);
        json_t *j2 = check_answer("GET", target, e2, &get);
        CHECK(get.status == resp.status);
        /* a 405 names the method as sent ("method HEAD not allowed here"): the same
         * refusal, with the same Allow header */
        if (resp.status == 405)
            CHECK(strcmp(get.allow, resp.allow) == 0 &&
                  json_equal(json_object_get(json_object_get(j, "error"), "code"),
                             json_object_get(json_object_get(j2, "error"), "code")));
        else
            CHECK(json_equal(j, j2));
        json_decref(j2);
        lx_srv_resp_clear(&get);
    }
    json_decref(j);
    lx_srv_resp_clear(&resp);
    CHECK(resp.body == NULL);
    free(target);
    return 0;
}
