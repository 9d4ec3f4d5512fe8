/* lanxang: the fee of a refund (src/core/fees.c), a pure function of the price, the
 * departure and `now`.
 *
 * The brackets are 12306's (China Railway's), the only published table: LCR's own was
 * not found. By the time left before the journey's departure,
 *   8 days or more     free
 *   48 h to 8 days     5 %
 *   24 h to 48 h       10 %
 *   under 24 h         20 %      (up to and including the second of departure)
 *   after departure    no refund (LX_CLOSED)
 * A bracket includes its lower bound: exactly 8 days before is free, 8 days minus one
 * second costs 5 %. The fee is rounded half up to the currency's step (lx_fee_step):
 * LAK to 1,000 kip, CNY to half a yuan as 12306 does (under 0.25 down, 0.25 to 0.75 to
 * 0.5, from 0.75 up), others to the minor unit; never above the price, and
 * fee + amount == price. Prices are counted in the minor unit (fen, kip). */
#ifndef LANXANG_FEES_H
#define LANXANG_FEES_H

#include <stdint.h>
#include "lanxang/error.h"
#include "lanxang/time.h"

#define LX_REFUND_OFFER_SECONDS (15 * 60) /* how long a refund offer holds at most */

typedef struct {
    int percent;              /* 0, 5, 10 or 20 */
    int64_t fee;              /* in the minor unit */
    int64_t amount;           /* paid back: price - fee */
    lx_instant_t valid_until; /* the last second this fee holds (inclusive): the end of
                                 its bracket, departure, or now + LX_REFUND_OFFER_SECONDS,
                                 whichever comes first */
} lx_refund_quote;

/* The refund of a ticket bought for price (minor unit, >= 0) in currency (ISO 4217; NULL
 * or another: the minor unit) on a journey leaving at departure, asked at now. LX_OK
 * with *out; LX_CLOSED when now is after departure; LX_INVAL when price is negative
 * (unknown). */
lx_err lx_refund_quote_at(int64_t price, const char *currency, lx_instant_t departure,
                          lx_instant_t now, lx_refund_quote *out);
/* The refund of a changed ticket (lanxang/book.h, lx_book_exchange): its fee follows
 * the original's rules, counted from rules_departure (the original's departure) while
 * that is ahead; once the original would have left, the last bracket (20 %) holds until
 * the ticket's own departure. rules_departure >= departure: as lx_refund_quote_at. */
lx_err lx_refund_quote_changed(int64_t price, const char *currency, lx_instant_t departure,
                               lx_instant_t rules_departure, lx_instant_t now,
                               lx_refund_quote *out);
/* The step fees are rounded to, in the currency's minor unit: 1000 for LAK, 50 for CNY,
 * else 1. */
int64_t lx_fee_step(const char *currency);

#endif
