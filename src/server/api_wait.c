/* The waitlist over HTTP (lanxang/waitlist.h, issue 5):
 *
 *   POST   /api/v1/waitlist        {"from","to","passengers":[...as bookings...],
 *                                   "choices":[{"train","date","class"}] (1-4),
 *                                   "payment"} -> 201 the request, Location
 *   GET    /api/v1/waitlist/{id}   -> 200 the request
 *   DELETE /api/v1/waitlist/{id}   -> 200 the request, "cancelled", refunded in full;
 *                                   409 once it is no longer open
 *
 * A request as told: lx_view_waitlist (src/view/wait.h), as `lanxang waitlist --json`.
 *
 * The pass that sells the seats that come back (lx_wait_run) runs after a request is
 * made (a choice with seats free now is sold at once), before one is shown, and from
 * lx_api_seats_returned: the server's sweeper after holds expire, and the handlers that
 * give seats back (cancel, refund, exchange). The lx_wait handle is opened on first
 * use (the API must have a booking store and its catalog, lx_api_set_book and
 * lx_api_set_tickets) and closed by lx_api_destroy.
 */
#include "api_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lanxang/waitlist.h"
#include "view/journey.h"
#include "view/view.h"
#include "view/wait.h"

/* Opening the handle once among the workers. */
static pthread_mutex_t wait_open_mu = PTHREAD_MUTEX_INITIALIZER;

lx_wait *lx_api_wait(const lx_api *api)
{
    if (!api->book || !api->store)
        return NULL;
    pthread_mutex_lock(&wait_open_mu);
    lx_wait *w = api->wait;
    if (!w) {
        char msg[512];
        if (lx_wait_open(api->store, api->book, api->net, &w, msg, sizeof msg) == LX_OK)
            ((lx_api *)api)->wait = w; /* made by lx_api_create (calloc): not const */
        else
            fprintf(stderr, "lanxang: the waitlist cannot open: %s\n", msg);
    }
    pthread_mutex_unlock(&wait_open_mu);
    return w;
}

void lx_api_seats_returned(const lx_api *api)
{
    lx_wait *w = lx_api_wait(api);
    if (!w)
        return;
    lx_err e = lx_wait_run(w, lx_api_now(api), NULL);
    if (e != LX_OK)
        fprintf(stderr, "lanxang: the waitlist pass: %s\n", lx_strerror(e));
}

/* Answers with the request of that id (its booking when fulfilled). */
static lx_err reply_request(const req *r, lx_srv_resp *resp, int status, const lx_wait_req *q)
{
    lx_book_order o;
    return lx_api_reply(resp, status,
                        lx_view_waitlist(r->api->net, q, lx_view_wait_order(r->api->book, q, &o)));
}

/* The handle, or a 503 answer. */
static lx_wait *want_wait(const req *r, lx_srv_resp *resp, lx_err *err)
{
    if (!lx_api_want_book(r, resp, err))
        return NULL;
    lx_wait *w = lx_api_wait(r->api);
    if (!w)
        *err = lx_api_reply_errorf(resp, LX_BUSY, NULL, "this server keeps no waitlist");
    return w;
}

/* ---- POST /api/v1/waitlist ---- */

static lx_err refused(const req *r, lx_srv_resp *resp, lx_err e, const lx_journey *j, uint32_t n,
                      int choice, char *msg, size_t msg_len)
{
    if (e == LX_NOMEM)
        return e;
    if ((e == LX_RULE || e == LX_CLOSED) && j) {
        lx_inv_sales si;
        char rule[32];
        lx_view_hold_refusal(r->api->book, j, n, e, lx_api_now(r->api), &si, rule, sizeof rule,
                             msg, msg_len);
        char full[1200];
        snprintf(full, sizeof full, "choice %d: %s", choice + 1, msg);
        return lx_api_reply_rule(resp, e, full,
                                 si.rule != LX_INV_RULE_NONE ? lx_view_sales(j->tt, &j->leg.leg, &si)
                                                             : json_pack("{s:s}", "rule", rule));
    }
    return lx_api_reply_errorf(resp, e, NULL, "%s", *msg ? msg : lx_strerror(e));
}

lx_err lx_api_h_wait_add(const req *r, lx_srv_resp *resp)
{
    static const char *const known[] = {"from", "to", "passengers", "choices", "payment", NULL};
    static const char *const known_choice[] = {"train", "date", "class", NULL};
    lx_err err = LX_OK;
    json_t *body;
    lx_wait *w = want_wait(r, resp, &err);
    if (!w || !lx_api_read_body(r, resp, &err, 0, &body))
        return err;
    lx_book_req q;
    memset(&q, 0, sizeof q);
    const char *from, *to, *payment;
    lx_instant_t now = lx_api_now(r->api);
    if (!lx_api_only_known(body, known, "", resp, &err) ||
        !lx_api_want_string(body, "from", "from", 256, resp, &err, &from) ||
        !lx_api_want_string(body, "to", "to", 256, resp, &err, &to) ||
        !lx_api_want_string(body, "payment", "payment", 63, resp, &err, &payment) ||
        !lx_api_read_passengers(body, &q, now, resp, &err)) {
        json_decref(body);
        return err;
    }
    json_t *cs = json_object_get(body, "choices");
    size_t nc = json_is_array(cs) ? json_array_size(cs) : 0;
    if (!json_is_array(cs) || nc == 0) {
        json_decref(body);
        return lx_api_reply_errorf(resp, LX_INVAL, "choices",
                                   "'choices' must be an array of 1 to %d {\"train\", \"date\", "
                                   "\"class\"}",
                                   LX_WAIT_MAX_CHOICES);
    }
    if (nc > LX_WAIT_MAX_CHOICES) {
        json_decref(body);
        char msg[200];
        snprintf(msg, sizeof msg,
                 "a waitlist request names at most %d choices, not %zu (rule waitlist_choices)",
                 LX_WAIT_MAX_CHOICES, nc);
        return lx_api_reply_rule(resp, LX_RULE, msg,
                                 json_pack("{s:s}", "rule", "waitlist_choices"));
    }
    lx_wait_req wr;
    memset(&wr, 0, sizeof wr);
    lx_journey js[LX_WAIT_MAX_CHOICES];
    char msg[1024] = "";
    for (size_t i = 0; i < nc; i++) {
        json_t *c = json_array_get(cs, i);
        char prefix[24], ft[40], fd[40], fc[40];
        snprintf(prefix, sizeof prefix, "choices[%zu].", i);
        snprintf(ft, sizeof ft, "%strain", prefix);
        snprintf(fd, sizeof fd, "%sdate", prefix);
        snprintf(fc, sizeof fc, "%sclass", prefix);
        const char *train, *date, *cls;
        if (!json_is_object(c)) {
            json_decref(body);
            return lx_api_reply_errorf(resp, LX_INVAL, "choices",
                                       "choices[%zu] must be an object {\"train\", \"date\", "
                                       "\"class\"}",
                                       i);
        }
        if (!lx_api_only_known(c, known_choice, prefix, resp, &err) ||
            !lx_api_want_string(c, "train", ft, 64, resp, &err, &train) ||
            !lx_api_want_string(c, "date", fd, 32, resp, &err, &date) ||
            !lx_api_want_string(c, "class", fc, 32, resp, &err, &cls)) {
            json_decref(body);
            return err;
        }
        const char *field;
        lx_err e = lx_view_wait_choice(r->api->net, train, date, from, to, cls, &js[i],
                                       &wr.choices[i], msg, sizeof msg, &field);
        if (e) {
            json_decref(body);
            if (e == LX_NOMEM)
                return e;
            char f[40];
            if (field && strcmp(field, "from") && strcmp(field, "to"))
                snprintf(f, sizeof f, "%s%s", prefix, field);
            else
                snprintf(f, sizeof f, "%s", field ? field : "");
            return lx_api_reply_errorf(resp, e, *f ? f : NULL, "%s", msg);
        }
    }
    wr.n_choices = (uint32_t)nc;
    wr.n = q.n;
    memcpy(wr.pax, q.pax, sizeof wr.pax);
    snprintf(wr.payment, sizeof wr.payment, "%s", payment);
    snprintf(wr.seller, sizeof wr.seller, "%s", r->api->seller);
    json_decref(body);
    lx_wait_refusal why;
    msg[0] = 0;
    lx_err e = lx_wait_add(w, &wr, now, &why, msg, sizeof msg);
    memset(q.pax, 0, sizeof q.pax);
    if (e)
        return refused(r, resp, e, why.choice >= 0 ? &js[why.choice] : NULL, wr.n, why.choice,
                       msg, sizeof msg);
    /* a choice with a seat free now is sold at once */
    lx_wait_run(w, now, NULL);
    lx_wait_req cur;
    if (lx_wait_get(w, wr.id, &cur) != LX_OK)
        cur = wr;
    e = reply_request(r, resp, 201, &cur);
    if (e == LX_OK && resp->status == 201)
        snprintf(resp->location, sizeof resp->location, "/api/v1/waitlist/%s", cur.id);
    return e;
}

/* ---- GET, DELETE /api/v1/waitlist/{id} ---- */

static lx_err no_request(const req *r, lx_srv_resp *resp)
{
    return lx_api_reply_errorf(resp, LX_NOTFOUND, "id", "no waitlist request '%.40s'", r->arg[0]);
}

/* The start of GET and DELETE: the handle and the path's request id, or NULL with the
 * answer (503, 404) given and *err set. */
static lx_wait *want_request(const req *r, lx_srv_resp *resp, char id[LX_BOOK_ID_LEN],
                             lx_err *err)
{
    lx_wait *w = want_wait(r, resp, err);
    if (w && !lx_api_path_id(r, id)) {
        *err = no_request(r, resp);
        return NULL;
    }
    return w;
}

lx_err lx_api_h_wait_get(const req *r, lx_srv_resp *resp)
{
    lx_err err = LX_OK;
    char id[LX_BOOK_ID_LEN];
    lx_wait *w = want_request(r, resp, id, &err);
    if (!w)
        return err;
    lx_wait_run(w, lx_api_now(r->api), NULL);
    lx_wait_req q;
    lx_err e = lx_wait_get(w, id, &q);
    if (e == LX_NOTFOUND)
        return no_request(r, resp);
    if (e)
        return lx_api_reply_errorf(resp, e, NULL, "waitlist request %s: %s", id, lx_strerror(e));
    return reply_request(r, resp, 200, &q);
}

lx_err lx_api_h_wait_cancel(const req *r, lx_srv_resp *resp)
{
    lx_err err = LX_OK;
    char id[LX_BOOK_ID_LEN];
    lx_wait *w = want_request(r, resp, id, &err);
    if (!w)
        return err;
    lx_instant_t now = lx_api_now(r->api);
    lx_wait_req q;
    lx_err e = lx_wait_cancel(w, id, now, &q);
    if (e == LX_OK)
        return reply_request(r, resp, 200, &q);
    if (e == LX_NOTFOUND)
        return no_request(r, resp);
    if (e == LX_CONFLICT && lx_wait_get(w, id, &q) == LX_OK)
        return lx_api_reply_errorf(resp, e, "id",
                                   "waitlist request %s is %s: only an open request can be "
                                   "cancelled",
                                   q.id, lx_wait_state_name(q.state));
    return lx_api_reply_errorf(resp, e, NULL, "waitlist request %s: %s", id, lx_strerror(e));
}
