/* lanxang: e-tickets that a gate verifies offline.
 *
 * A ticket is one passenger's seat of a confirmed order, packed into a few dozen bytes,
 * signed with the operator's Ed25519 key (libsodium) and written as base64url text, the
 * payload of its QR code. The byte layout is in docs/tickets.md. A gate or a conductor's
 * device that holds only the public key checks the signature, the station, the train, the
 * date and the time window on its own; what it cannot know offline (a refund, a second
 * use) is checked against the data directory by lx_ticket_gate.
 *
 * Three parts, three files:
 *  - src/ticket/ticket.c: packing, signing, verifying, base64url. No I/O, no clock, no
 *    allocation: `now` is passed in, so a gate device can embed it with libsodium alone.
 *  - src/ticket/keys.c, qr.c: the key files of the data directory, the QR code
 *    (libqrencode) as terminal text or SVG.
 *  - src/ticket/gate.c: a scan at a gate: lx_ticket_verify, then the order's state in the
 *    booking store and the check-in recorded in the catalog (lx_store_checkin).
 */
#ifndef LANXANG_TICKET_H
#define LANXANG_TICKET_H

#include <stddef.h>
#include <stdint.h>
#include "lanxang/book.h"
#include "lanxang/store.h"

#define LX_TICKET_VERSION 1
#define LX_TICKET_PK_LEN 32          /* Ed25519 public key */
#define LX_TICKET_SK_LEN 64          /* libsodium's secret key: seed + public key */
#define LX_TICKET_SIG_LEN 64
#define LX_TICKET_NAME_MAX 24        /* bytes of the passenger's name kept (whole UTF-8
                                        characters; a name on a ticket is for the eye) */
#define LX_TICKET_BIN_MAX 512        /* a packed ticket with its signature is below this */
#define LX_TICKET_TEXT_MAX 688       /* its base64url text, with the NUL */

/* A ticket as it is packed; every string NUL-terminated. */
typedef struct {
    char order[LX_BOOK_ID_LEN];      /* "7K3M..." (13 characters) */
    uint8_t index, count;            /* this passenger (0-based) of count in the order */
    char feed[64];
    char train[32];                  /* public number, "C82" */
    lx_date_t service_day;
    char from_stop[64], to_stop[64]; /* GTFS stop_ids */
    char cls[32];
    char seat[12];                   /* "03-05A" */
    lx_instant_t departure, arrival; /* of the journey */
    char passenger[LX_TICKET_NAME_MAX + 1];
} lx_ticket;

/* The outcome of a check. Codes for JSON: lx_ticket_result_code. */
typedef enum {
    LX_TICKET_ACCEPTED = 0,
    LX_TICKET_MALFORMED,         /* not base64url, truncated, unknown version, bad field */
    LX_TICKET_BAD_SIGNATURE,     /* not signed by this key, or altered */
    LX_TICKET_WRONG_STATION,     /* the journey does not start at this gate's station */
    LX_TICKET_WRONG_TRAIN,
    LX_TICKET_WRONG_DATE,
    LX_TICKET_TOO_EARLY,         /* before the window opens (departure - early) */
    LX_TICKET_TOO_LATE,          /* after it closes (arrival + late) */
    LX_TICKET_UNKNOWN_ORDER,     /* gate: no such order in the data directory */
    LX_TICKET_NOT_VALID,         /* gate: the order is refunded, cancelled, not confirmed,
                                    or its seats changed since the ticket was issued */
    LX_TICKET_ALREADY_USED,      /* gate: checked in before */
    LX_TICKET_RESULT_COUNT_
} lx_ticket_result;

/* "accepted", "malformed", "bad_signature", "wrong_station", "wrong_train",
 * "wrong_date", "too_early", "too_late", "unknown_order", "not_valid",
 * "already_used". Never NULL. */
const char *lx_ticket_result_code(lx_ticket_result r);
/* The error of a refusal: LX_OK accepted, LX_CONFLICT already used (HTTP 409, exit 6),
 * LX_FORMAT for every other refusal (HTTP 422, exit 65). */
lx_err lx_ticket_result_err(lx_ticket_result r);

/* What a gate expects besides the signature. Zero-initialised: any station, train and
 * date, the default window. */
typedef struct {
    const char *const *stations; /* GTFS stop_ids of the gate's station (NULL: any); the */
    uint32_t n_stations;         /* ticket's from_stop must be one of them */
    const char *train;           /* NULL or "": any */
    lx_date_t service_day;       /* with has_day */
    int has_day;
    int32_t early;               /* seconds before departure the window opens; 0: 1200 */
    int32_t late;                /* seconds after arrival it closes; 0: at arrival */
} lx_ticket_check;

/* ---- the core: no I/O ---- */

/* Packs and signs one ticket and writes its payload text (base64url, NUL-terminated)
 * into out. LX_INVAL when a field does not fit (lengths of lx_ticket), LX_TOOBIG when
 * cap is too small. */
lx_err lx_ticket_encode(const lx_ticket *t, const uint8_t sk[LX_TICKET_SK_LEN], char *out,
                        size_t cap);
/* The tickets of a confirmed order, one per passenger: out[i] for passenger i, *n how
 * many. LX_CONFLICT when the order is not confirmed. */
lx_err lx_ticket_issue(const lx_book_order *o, const uint8_t sk[LX_TICKET_SK_LEN],
                       char out[][LX_TICKET_TEXT_MAX], uint32_t *n);
/* Verifies a payload (len bytes of text; surrounding white space is ignored) with the
 * public key alone, at `now`, against check (may be NULL). *out (may be NULL) receives
 * the decoded ticket whenever the signature is good, even when another check fails. */
lx_ticket_result lx_ticket_verify(const char *text, size_t len,
                                  const uint8_t pk[LX_TICKET_PK_LEN], lx_instant_t now,
                                  const lx_ticket_check *check, lx_ticket *out);

/* base64url without padding (RFC 4648 §5). encode: returns the text's length, or 0 when
 * cap is too small (cap counts the NUL). decode: returns the number of bytes, or -1 for
 * text that is not base64url or does not fit. */
size_t lx_ticket_b64_encode(const uint8_t *in, size_t n, char *out, size_t cap);
long lx_ticket_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

/* ---- keys: DIR/keys/ticket.key (private, 0600) and DIR/keys/ticket.pub ---- */

typedef struct {
    uint8_t pk[LX_TICKET_PK_LEN];
    uint8_t sk[LX_TICKET_SK_LEN];
} lx_ticket_keys;

/* Reads the key pair of a data directory, creating it first when there is none (create
 * = 1; the directory must exist). A new key is written to a temporary file, fsync'ed and
 * linked into place, so it appears whole or not at all and an existing key is never
 * overwritten, even by two processes creating one at once. A private key readable by
 * group or others is refused (LX_STORE), as ssh does. LX_NOTFOUND: no key and !create. */
lx_err lx_ticket_keys_open(const char *dir, int create, lx_ticket_keys *out, char *msg,
                           size_t msg_len);
/* Only the public key: DIR/keys/ticket.pub. */
lx_err lx_ticket_pubkey_load(const char *dir, uint8_t pk[LX_TICKET_PK_LEN], char *msg,
                             size_t msg_len);
/* A public key as text: 43 characters of base64url, or 64 hex digits. 1 on success. */
int lx_ticket_pubkey_parse(const char *text, uint8_t pk[LX_TICKET_PK_LEN]);
/* Wipes the secret key from memory. */
void lx_ticket_keys_wipe(lx_ticket_keys *k);

/* ---- QR codes (libqrencode, error correction level M) ---- */

/* The QR code of a payload as lines of UTF-8 half blocks (two modules a character, a
 * quiet zone of 2), for a terminal with light text on a dark background; or as an SVG
 * document (quiet zone of 4). *out is malloc'ed and NUL-terminated: free it. */
lx_err lx_ticket_qr_text(const char *payload, char **out);
lx_err lx_ticket_qr_svg(const char *payload, char **out);

/* ---- a scan at a gate ---- */

/* Records the first use of ticket `ticket` of order `order` (table checkins of the
 * catalog). LX_OK: recorded now. LX_CONFLICT: it was recorded before; *first_at and
 * first_station (may be NULL) tell when and where. Implemented in src/store/store.c,
 * the only code that speaks SQL. */
lx_err lx_store_checkin(lx_store *s, const char *order, uint32_t ticket, lx_instant_t at,
                        const char *station, lx_instant_t *first_at, char *first_station,
                        size_t first_station_len);

/* A scan: lx_ticket_verify with pk and check, then the order in the booking store (it
 * must exist, be confirmed, and still hold this passenger's seat on this journey), then
 * the check-in (at `station`, may be NULL or ""). *result says why a ticket is refused;
 * *out (may be NULL) is the ticket; *first_at (may be NULL) is the first check-in of a
 * ticket already used. Returns LX_OK when the scan was decided (accepted or refused, see
 * *result), or the error of the store (LX_STORE, LX_IO, LX_BUSY): nothing recorded.
 * msg (may be NULL) explains a refusal in English. */
lx_err lx_ticket_gate(lx_store *s, lx_book *b, const uint8_t pk[LX_TICKET_PK_LEN],
                      const char *payload, const lx_ticket_check *check, const char *station,
                      lx_instant_t now, lx_ticket_result *result, lx_ticket *out,
                      lx_instant_t *first_at, char *msg, size_t msg_len);

#endif
