/* Internal interface of the booking store (src/store/book*.c). See the essay at the top
 * of book.c for the design; this header only names the pieces.
 *
 *   book.c      the public API, open and close, the group commit (its two stages, the
 *               leaders and followers)
 *   book_ops.c  operations: prepared by the caller, applied to the engine by a leader,
 *               finished by the caller (holds, sales, the life cycle, expiry); undo;
 *               prices; an order as lx_book_order tells it
 *   book_mem.c  what the engine does not keep: the map of orders (id -> run and the
 *               order's extra data), runs and their locks, order ids
 *   book_sql.c  rows: writing a batch's changes, reading rows back into memory (open,
 *               catch-up), comparing the disk with memory (lx_book_check)
 *
 * Locks, always taken in this order, never two of one kind at once:
 *   commit_mu (the connection: a leader's stage B, refresh's, check's)
 *   -> apply_mu (the engine's changes: a leader's stage A; stage B, refresh and check
 *      when they undo and redo the batches not committed yet)
 *   -> a feed's runs lock (read: any engine call on one of its runs; write:
 *      lx_inv_run_add) -> a run stripe -> docs_mu (book_trips.c) -> a shard of the
 *      order map -> stats_mu; and users_mu (book_users.c), a leaf.
 *   A change (lx_book_exchange) is the one op that holds two runs: it takes the two
 *   feeds' locks and then the two stripes, each kind in ascending order.
 *   q_mu (the queue): no other lock is taken under it. A stage A leader takes
 *   commit_mu after releasing apply_mu, never while holding it.
 */
#ifndef LX_BOOK_INT_H
#define LX_BOOK_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "lanxang/book.h"
#include "lanxang/fares.h"

#define BK_DOC_KEY 32      /* the data directory's key for document hashes (book_docs.c) */
#define BK_DOC_HASH_HEX 33 /* 32 hex digits and a NUL */
#define BK_STRIPES 256 /* run locks: a run uses stripe hash(feed, trip, day) % BK_STRIPES */
#define BK_SHARDS 64   /* order map shards: an order lives in shard id % BK_SHARDS */
#define BK_CHUNK 1024  /* order records allocated this many at a time */
#define BK_QUOTE 33    /* bk_prepare's op code of lx_book_fare_quote: a hold's checks */

/* What the store keeps of an order beside the engine: where it is and the data the
 * engine has no use for. Allocated in chunks, never moved nor freed before close, so a
 * pointer stays valid; fields other than oid, feed, run and stripe change only under
 * the run's stripe lock. */
typedef struct {
    lx_order_id oid;          /* 0 once removed (a new order whose commit failed) */
    uint32_t feed;
    uint16_t stripe;
    char currency[4];         /* "" when no fare is known */
    lx_inv_run *run;
    int64_t row;              /* seq of its row on disk, 0 none yet */
    int64_t price;            /* -1 unknown */
    lx_instant_t updated_at;
    lx_instant_t dep, arr;    /* indexed orders: the journey's times (book_trips.c) */
    uint8_t indexed;          /* its documents are in the trips index */
    uint8_t live;             /* indexed: held or confirmed (under docs_mu) */
    char *text;               /* NULL (all empty) or malloc'ed
                                 "owner\0payment\0pax\0extra\0" (bk_text_make) */
} bk_order;

typedef struct bk_chunk {
    struct bk_chunk *next;
    uint32_t used;
    bk_order recs[BK_CHUNK];
} bk_chunk;

/* One shard of the order map: open addressing (linear probing) over oid; a slot holds
 * the id beside the pointer, so a probe reads no record. */
typedef struct {
    lx_order_id oid;          /* 0: empty */
    bk_order *rec;
} bk_slot;

typedef struct {
    pthread_mutex_t mu;
    bk_slot *slots;
    uint32_t cap, count;      /* cap a power of two, count <= cap / 2 */
    bk_chunk *chunks;
} bk_shard;

typedef struct {
    const lx_tt *tt;
    lx_inv *inv;
    pthread_rwlock_t runs;    /* read: engine calls; write: lx_inv_run_add */
} bk_feed;

/* One change of a batch, kept until its commit: enough to write its row and to undo it.
 * The row is written from this record alone (text, updated), never from the order's
 * record, which the next batch may change meanwhile. */
typedef struct {
    bk_order *rec;
    lx_inv_change chg;
    lx_instant_t old_updated, updated; /* rec->updated_at before and after */
    int64_t old_row;          /* rec->row before this change's row was written */
    char *old_text;           /* the text before, when this change replaced it */
    const char *text;         /* the order's text after it (alive until this commits) */
    uint8_t was_new, text_replaced;
} bk_undo;

typedef struct {
    char id[LX_BOOK_ID_LEN];
    char why[112];
} bk_orphan;

struct bk_prep_s;
struct bk_job;

/* A batch of jobs between its stage A (applied to the engine) and its commit: the
 * jobs in queue order and the log of the changes they made, in the order made. */
typedef struct {
    struct bk_job *jobs;
    bk_undo *log;
    size_t n_log, cap_log, flushed; /* flushed: changes whose rows are written */
    lx_book_stats st;         /* counted while applying, added to the book's at commit */
} bk_batch;

/* A caller's request waiting in the queue (on the caller's stack). */
typedef struct bk_job {
    const lx_book_op *ops;
    struct bk_prep_s *preps;  /* one per op */
    size_t n;
    lx_err *results;
    lx_instant_t now;
    char *msg;                /* single-op calls: why the op was refused */
    size_t msg_len;
    uint32_t *expired;        /* lx_book_expire: how many */
    lx_err err;               /* the batch's, when its commit failed */
    int taken;                /* a leader took it into a batch */
    int done;
    pthread_cond_t cond;
    struct bk_job *next;
} bk_job;

struct lx_book {
    const lx_net *net;
    uint32_t n_feeds;
    bk_feed *feeds;
    int memory_only;
    pthread_mutex_t stripes[BK_STRIPES];
    bk_shard shards[BK_SHARDS];

    pthread_mutex_t q_mu;     /* the queue of group commit */
    bk_job *q_head, *q_tail;
    int leading;              /* a leader took the queue and is in its stage A */

    pthread_mutex_t apply_mu; /* a batch being applied, and `staged` */
    bk_batch batches[2];      /* a batch in stage B and the next one, in turn */
    unsigned n_batches;       /* batches begun: the next uses batches[n_batches % 2] */
    bk_batch *staged;         /* applied (or being applied), its stage B not begun */

    pthread_mutex_t commit_mu; /* everything below: stage B, or refresh's and check's */
    sqlite3 *db;
    sqlite3_stmt *st_put, *st_put_many, *st_move, *st_state, *st_since;
    sqlite3_stmt *st_begin, *st_begin_read, *st_commit, *st_rollback;
    int64_t seq;              /* the highest seq applied to memory (seen or written) */
    int wal_fd;               /* DIR/lanxang.db-wal, synced by us after each COMMIT; -1:
                                 SQLite syncs in COMMIT itself (synchronous=FULL) */
    int sync;                 /* sync before acknowledging (not opts->sync_normal) */
    lx_err broken;            /* LX_IO once a sync failed: nothing more is written */
    bk_orphan *orphans;
    size_t n_orphans, cap_orphans;

    pthread_mutex_t stats_mu;
    lx_book_stats stats;
    uint8_t doc_key[BK_DOC_KEY]; /* the data directory's (random when memory_only) */

    pthread_mutex_t docs_mu;  /* the trips index (book_trips.c), a leaf after a stripe */
    struct bk_doc *docs;
    uint32_t docs_cap, docs_n;

    pthread_mutex_t users_mu; /* the users' latest cancels (book_users.c) */
    struct bk_user *users;
    uint32_t users_cap, users_n;
};

/* Applying one job (of a batch, or in memory_only one lx_book_exec). */
typedef struct {
    lx_book *b;
    lx_instant_t now;
    bk_batch *bt;             /* durable: the batch whose log records the changes */
    lx_book_stats st;         /* counted here, added to the batch's (or book's) once */
} bk_ctx;

/* ---- book_docs.c: travel documents at rest ---- */
/* DIR/keys/documents.key, made (0600) on first use. */
lx_err bk_doc_key_load(const char *dir, uint8_t key[BK_DOC_KEY], char *msg, size_t msg_len);
void bk_doc_key_random(uint8_t key[BK_DOC_KEY]);
/* The masked number ("****4567") and the keyed hash (hex) of a document number. */
void bk_doc_protect(const uint8_t key[BK_DOC_KEY], const char *doc, char *masked, size_t mlen,
                    char hash[BK_DOC_HASH_HEX]);
/* Passenger lines with every clear number replaced (malloc'ed; NULL out of memory). */
char *bk_protect_passengers(const uint8_t key[BK_DOC_KEY], const char *text);
/* Registers lx_protect_passengers(text) on a connection; key must outlive it. */
int bk_doc_sql_register(sqlite3 *db, const uint8_t *key);

/* ---- book_trips.c: the rule overlapping_trip ---- */
/* Whether an order's text has passengers with documents (then it is indexed). */
int bk_trips_indexed(const char *text);
void bk_trips_lock(lx_book *b);
void bk_trips_unlock(lx_book *b);
/* The departure and arrival of positions from -> to of a run of a feed. */
void bk_trip_times(const lx_book *b, uint32_t feed, const lx_inv_run *run, uint32_t from,
                   uint32_t to, lx_instant_t *dep, lx_instant_t *arr);
/* LX_RULE (why says which passenger and order) when a live order on another run, not
 * exclude, holds a document of text for a trip overlapping [dep, arr). Under docs_mu. */
lx_err bk_trips_overlap(lx_book *b, const char *text, const lx_inv_run *run, lx_instant_t dep,
                        lx_instant_t arr, lx_order_id exclude, char *why, size_t why_len);
/* Indexes rec under each document of text; 0, or -1 out of memory. Under docs_mu. */
int bk_trips_add(lx_book *b, bk_order *rec, const char *text);
void bk_trips_free(lx_book *b);

/* ---- book_users.c: the rule cancel_limit ---- */
/* Records (add) or takes back (!add) a cancel of an unpaid hold by user at `at`. */
void bk_user_cancel(lx_book *b, const char *user, lx_instant_t at, int add);
/* 1 when user cancelled three unpaid holds on the day of now in zone tz: *until the next
 * local midnight, when the bar lifts. */
int bk_user_barred(lx_book *b, const char *user, const lx_tz *tz, lx_instant_t now,
                   lx_instant_t *until);
void bk_users_free(lx_book *b);

/* ---- book_mem.c ---- */
uint64_t bk_owner_token(const char *owner);
void bk_id_format(lx_order_id oid, char out[LX_BOOK_ID_LEN]);
/* 0 when text is not an order id. */
lx_order_id bk_id_parse(const char *text);
/* A fresh random id (not 0); 0 when the kernel gives no random bits. It may, about
 * never, be in use: whoever files the order checks (take() in book_ops.c). */
lx_order_id bk_id_new(lx_book *b);
uint16_t bk_stripe_of(uint32_t feed, uint32_t trip, lx_date_t day);
uint16_t bk_stripe_of_run(uint32_t feed, const lx_inv_run *run);
/* Calls fn for every run of every feed, under the feed's read lock and the run's stripe
 * (the lock order of this file), in creation order. */
void bk_each_run(lx_book *b, void (*fn)(lx_book *b, uint32_t feed, uint16_t stripe,
                                         lx_inv_run *run, void *arg),
                 void *arg);
/* The run of (trip, day) of a feed, created when create is set. Takes and releases the
 * feed's runs lock: call it holding no lock. */
lx_err bk_run_get(lx_book *b, uint32_t feed, uint32_t trip, lx_date_t day, int create,
                  lx_inv_run **out, char *msg, size_t msg_len);
/* The run of a journey's leg (created when new) and the index of its trip's first stop
 * time. LX_NOTFOUND: no such feed or trip (or no layout); LX_INVAL: the leg does not
 * fit the trip. Call it holding no lock. */
lx_err bk_leg_run(lx_book *b, uint32_t feed, const lx_leg *leg, lx_inv_run **run,
                  uint32_t *first);
bk_order *bk_map_find(lx_book *b, lx_order_id oid);
/* A new record for oid in the map; NULL when out of memory, or (*dup set) when the map
 * has that id already. */
bk_order *bk_map_add(lx_book *b, lx_order_id oid, int *dup);
/* Takes rec out of the map; the record stays allocated (oid 0) until close. */
void bk_map_remove(lx_book *b, bk_order *rec);
void bk_map_free(lx_book *b);
/* A text blob of (owner, payment, pax, extra) or NULL when all are empty; *err set on
 * no memory. */
char *bk_text_make(const char *owner, const char *payment, const char *pax, const char *extra,
                   int *err);
const char *bk_text_owner(const char *text);
const char *bk_text_payment(const char *text);
const char *bk_text_pax(const char *text);
/* The order's extra lines, "key=value\n" each (column `extra`, migration 6): what its
 * life added beside the seats (refund_fee, changed_from, changed_to, fee_departure,
 * user). */
const char *bk_text_extra(const char *text);
/* The value of key in extra lines into out: 1 found, 0 not (out ""). */
int bk_extra_get(const char *extra, const char *key, char *out, size_t cap);
/* The number of key, or dflt when absent or not a number. */
int64_t bk_extra_int(const char *extra, const char *key, int64_t dflt);
/* Extra lines with key set to val (replacing it): malloc'ed, NULL out of memory. */
char *bk_extra_set(const char *extra, const char *key, const char *val);
/* The keyed document hashes of passenger lines (32 hex digits after "\t#"), at most
 * LX_INV_MAX_PAX, pointing into pax; a passenger without a document has none. */
uint32_t bk_pax_hashes(const char *pax, const char *out[LX_INV_MAX_PAX]);
/* Splits the line at p (to its '\n' or the end) at tabs into up to n fields, f[i] of
 * caps[i] bytes (fields not there: ""); returns where the next line starts. */
const char *bk_split_line(const char *p, char **f, const size_t *caps, int n);
/* Appends a printf-formatted line (and a line break) to msg at *at, as far as it fits. */
void bk_report(char *msg, size_t msg_len, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Writes a printf-formatted message to msg (NULL or 0 bytes: nothing); returns e. */
lx_err bk_say(lx_err e, char *msg, size_t msg_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A seat's label as lx_inv_seat_label writes it ("03-05A": coach and row of at least
 * two digits, the letter), without printf: rows and orders are told many times a
 * second. Returns its length. */
size_t bk_seat_label(const lx_inv_run *run, uint32_t seat, char buf[12]);
/* Copies a string into a fixed array, cut to fit. */
void bk_copy(char *dst, size_t cap, const char *src);
/* Passengers as text lines (tabs and line breaks in them become spaces) into buf; key
 * NULL: as told (masked, with doc_hash), see book_mem.c. */
void bk_pax_format(const uint8_t key[BK_DOC_KEY], const lx_book_pax *pax, uint32_t n, char *buf,
                   size_t len);

/* ---- book_ops.c ---- */
/* What the caller's thread works out about an op before the op is queued, and what the
 * leader leaves for it after (see "operations" in book_ops.c). */
typedef struct bk_prep_s {
    lx_err err;               /* refused already while preparing */
    uint32_t feed;
    uint16_t stripe;
    lx_inv_run *run;          /* HOLD, SELL */
    bk_order *rec;            /* the order acted on (CONFIRM, CANCEL, REFUND, EXPIRE) */
    lx_inv_op iop;            /* the engine's op, but for `now` */
    bk_order price;           /* HOLD, SELL: only its price and currency */
    char *text;               /* HOLD, SELL: the new order's text until it takes it */
    bk_order *done;           /* the order to tell in op->out, NULL none */
    lx_inv_order after;       /* ... as the op left it */
    uint8_t text_given;       /* text went to the order: an undo freed it, a redo
                                 makes it again */
    uint8_t fixed_id;         /* the request named the order's id (lx_book_req.id) */
    uint8_t quote;            /* BK_QUOTE: a fare quote, every fare with its note */
    lx_order_id exclude;      /* EXCHANGE: the order being changed (its documents are
                                 not another ticket's) */
    char *xtext;              /* EXCHANGE: the new order's text, kept for a redo */
    char user[80];            /* HOLD, SELL: who asks (lx_book_req.user, else "doc:" and
                                 the lead passenger's document hash) */
    struct bk_prep_s *legs;   /* JOURNEY_*: one prep per leg (malloc'ed), n_legs */
    uint32_t n_legs;
    uint32_t n_pax;           /* HOLD, SELL: passengers, seated first, then infants */
    lx_book_pax pax[LX_INV_MAX_PAX]; /* ... with their fare types and fares */
    lx_pax_fare fares[LX_INV_MAX_PAX]; /* ... and how each fare was made */
    char why[200];            /* HOLD, SELL refused by a rule while applying: the reason */
} bk_prep;

void bk_prepare(lx_book *b, const lx_book_op *op, bk_prep *p, lx_instant_t now, char *msg,
                size_t msg_len);
/* Applies one prepared op (again, after an undo, is fine); why it was refused goes to
 * msg. Durable (c->bt): changes are logged in the batch. */
lx_err bk_apply(bk_ctx *c, const lx_book_op *op, bk_prep *p, char *msg, size_t msg_len,
                uint32_t *expired);
/* After the op's outcome is final: fills op->out (result LX_OK) and frees what is left. */
void bk_finish(lx_book *b, const lx_book_op *op, bk_prep *p, lx_err result);
/* Undoes a batch's logged changes from the last to the first, and forgets them. */
void bk_undo_all(lx_book *b, bk_batch *bt);
/* The batch is committed: frees what its changes replaced, and forgets them. */
void bk_undo_forget(lx_book *b, bk_batch *bt);
/* Fills out from an order's snapshot and its record; call under the run's stripe lock. */
void bk_fill(const lx_book *b, const bk_order *rec, const lx_inv_order *o, lx_book_order *out);
void bk_stats_add(lx_book *b, const lx_book_stats *st);
void bk_stats_sum(lx_book_stats *to, const lx_book_stats *st);

/* ---- book_sql.c ---- */
lx_err bk_sql_open(lx_book *b, const char *dir, int sync_normal, char *msg, size_t msg_len);
void bk_sql_close(lx_book *b);
/* Writes the rows of the batch's changes not written yet; SQLite's code. */
int bk_sql_flush(lx_book *b, bk_batch *bt);
/* Whether rows with seq > b->seq exist (other processes wrote since): 1 yes, 0 no, -1
 * an error (*rc). In a transaction the caller opened. */
int bk_sql_others(lx_book *b, int *rc);
/* Applies every row with seq > b->seq to memory (in a transaction the caller opened);
 * rows that do not fit the network become orphans. SQLite's code. */
int bk_sql_catch_up(lx_book *b);
/* Compares every row with memory, appending findings to msg at *at; returns how many. */
uint32_t bk_sql_compare(lx_book *b, char *msg, size_t msg_len, size_t *at, uint32_t *rows);
/* BEGIN IMMEDIATE (write) or BEGIN, COMMIT, ROLLBACK (when a transaction is open). */
int bk_sql_begin(lx_book *b, int write);
int bk_sql_commit(lx_book *b);
/* Makes the committed transactions durable (fdatasync of the WAL), without any lock;
 * 0, or -1 with errno. */
int bk_sql_sync(lx_book *b);
void bk_sql_rollback(lx_book *b);
const char *bk_sql_errmsg(lx_book *b);
/* SQLite's result code as an lx_err. */
lx_err bk_sql_err(int rc);
void bk_orphan_add(lx_book *b, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- test hook ---- */
/* Runs SQL on the booking store's own connection between two commits, e.g.
 * "PRAGMA max_page_count = 1" to make the next commit fail as on a full disk. */
lx_err lx_book_test_sql(lx_book *b, const char *sql);
/* Makes every later sync of the WAL fail, as a dying disk would. LX_INVAL when the
 * store does not sync the WAL itself (memory_only, sync_normal). */
lx_err lx_book_test_fail_sync(lx_book *b);

#endif
