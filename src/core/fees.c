/* The fee of a refund (lanxang/fees.h). */
#include "lanxang/fees.h"
#include "lanxang/fares.h"

#include <string.h>

#define HOUR 3600
#define DAY (24 * HOUR)

/* The brackets, earliest first: from `before` seconds before departure on, `percent`. */
static const struct {
    lx_instant_t before;
    int percent;
} brackets[] = {{8 * DAY, 0}, {48 * HOUR, 5}, {24 * HOUR, 10}, {0, 20}};
#define N_BRACKETS (sizeof brackets / sizeof brackets[0])

int64_t lx_fee_step(const char *currency)
{
    return lx_price_step(currency); /* fees round like prices (lanxang/fares.h) */
}

lx_err lx_refund_quote_at(int64_t price, const char *currency, lx_instant_t departure,
                          lx_instant_t now, lx_refund_quote *out)
{
    memset(out, 0, sizeof *out);
    if (price < 0)
        return LX_INVAL;
    if (now > departure)
        return LX_CLOSED;
    lx_instant_t left = departure - now;
    size_t i = 0;
    while (i + 1 < N_BRACKETS && left < brackets[i].before)
        i++;
    out->percent = brackets[i].percent;
    /* exact, then half up to the currency's step (lx_price_percent), never above the
     * price */
    out->fee = lx_price_percent(price, out->percent, currency);
    if (out->fee > price)
        out->fee = price;
    out->amount = price - out->fee;
    lx_instant_t until = departure - brackets[i].before;
    if (now + LX_REFUND_OFFER_SECONDS < until)
        until = now + LX_REFUND_OFFER_SECONDS;
    out->valid_until = until;
    return LX_OK;
}

lx_err lx_refund_quote_changed(int64_t price, const char *currency, lx_instant_t departure,
                               lx_instant_t rules_departure, lx_instant_t now,
                               lx_refund_quote *out)
{
    if (now > departure || rules_departure >= departure)
        return lx_refund_quote_at(price, currency, departure, now, out);
    if (now <= rules_departure)
        return lx_refund_quote_at(price, currency, rules_departure, now, out);
    /* the original would have left: the last bracket, until this train leaves */
    lx_err e = lx_refund_quote_at(price, currency, now, now, out);
    lx_instant_t until = now + LX_REFUND_OFFER_SECONDS;
    out->valid_until = until < departure ? until : departure;
    return e;
}
