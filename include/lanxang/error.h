/* lanxang: one error enum for the whole library.
 *
 * Every error is listed once, in LX_ERRNO_MAP, with its message, the HTTP status the
 * server answers with and the exit code the `lanxang` command ends with. Nothing else
 * in the tree maps errors to statuses or exit codes.
 *
 * Exit codes (documented in docs/cli.md):
 *   0 success, 1 general failure, 2 usage error, 3 not found, 4 ambiguous name,
 *   5 no seat to be had (sold out, or the named seat is taken),
 *   6 the order is not in a state that allows the operation (expired, already
 *     confirmed, sales closed), 7 not the order's owner,
 *   65 bad input data (sysexits EX_DATAERR), 70 internal error (EX_SOFTWARE),
 *   74 input/output error (EX_IOERR), 75 busy, try again (EX_TEMPFAIL).
 */
#ifndef LANXANG_ERROR_H
#define LANXANG_ERROR_H

/*      name       JSON code        message                          http  exit */
#define LX_ERRNO_MAP(X)                                                              \
    X(OK,        "ok",            "success",                         200,  0)  \
    X(NOMEM,     "no_memory",     "out of memory",                   500, 70)  \
    X(INVAL,     "invalid",       "invalid argument",                400,  2)  \
    X(NOTFOUND,  "not_found",     "not found",                       404,  3)  \
    X(AMBIGUOUS, "ambiguous",     "ambiguous name",                  400,  4)  \
    X(RANGE,     "out_of_range",  "value out of range",              400,  2)  \
    X(FORMAT,    "malformed",     "malformed data",                  422, 65)  \
    X(FEED,      "invalid_feed",  "the feed has errors",             422, 65)  \
    X(TZ,        "bad_timezone",  "unknown or malformed time zone",  422, 65)  \
    X(IO,        "io_error",      "input/output error",              500, 74)  \
    X(STORE,     "store_error",   "data directory error",            500, 74)  \
    X(TOOBIG,    "too_large",     "too large",                       413, 65)  \
    X(METHOD,    "method_not_allowed", "method not allowed",         405,  2)  \
    X(SOLDOUT,   "sold_out",      "no seats left",                   409,  5)  \
    X(TAKEN,     "seat_taken",    "the seat is not free",            409,  5)  \
    X(CONFLICT,  "conflict",      "not allowed in the order's state", 409, 6)  \
    X(EXPIRED,   "expired",       "the hold has expired",            409,  6)  \
    X(CLOSED,    "sales_closed",  "sales are closed for this train", 409,  6)  \
    X(RULE,      "rule_refused",  "refused by a passenger rule",     422,  6)  \
    X(FORBIDDEN, "forbidden",     "not the owner of this order",     403,  7)  \
    X(NOSPACE,   "no_space",      "no space left on the device",     507, 74)  \
    X(BUSY,      "busy",          "busy, try again",                 503, 75)  \
    X(INTERNAL,  "internal",      "internal error",                  500, 70)

typedef enum {
#define LX_ERR_ENUM_(name, code, msg, http, exitc) LX_##name,
    LX_ERRNO_MAP(LX_ERR_ENUM_)
#undef LX_ERR_ENUM_
    LX_ERR_COUNT_
} lx_err;

/* A static, human-readable English message. Never NULL. */
const char *lx_strerror(lx_err e);
/* The stable lower-case code used in JSON errors, e.g. "not_found". Never NULL. */
const char *lx_errcode(lx_err e);
int lx_err_http_status(lx_err e);
int lx_err_exit_code(lx_err e);

#endif
