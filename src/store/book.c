/* Selling seats durably: the engine (lanxang/inv.h) over the data directory.
 *
 * WHAT IS ON DISK. One table, `orders` (migration 3 of the catalog, src/store/store.c),
 * one row per order: its latest snapshot. Everything in it names things the way the
 * feed does — feed name, GTFS trip_id and stop_ids, positions within the trip, the
 * class and the seat labels ("03-05A 03-05B"), the service day as YYYYMMDD — so a row
 * reads well in the sqlite3 shell and survives a re-import that renumbers the
 * timetable's indexes. Beside them: the engine's 64-bit order id (`oid`) and the same
 * as people see it (`id`, 13 characters of Crockford's base32), the passengers
 * ("name\tdocument" lines), the owner's name, price and currency, the payment
 * reference, the times.
 *
 * The key of a row is `seq`, the number of the change that wrote it, counted over every
 * process: max(seq) + 1 inside the write transaction. A change moves its order's row to
 * the new key (UPDATE ... SET seq = new WHERE seq = old: SQLite deletes and inserts).
 * Two reasons. "What changed since N" — how a process catches up with the others — is a
 * range of the primary key, with no second index to keep. And new rows go to the end of
 * the table: a commit of a few hundred sales dirties a handful of pages, where a key of
 * random order ids dirtied one page per order all over the file (measured: 4 KB of WAL
 * and its fsync per sale, and a third of the throughput). Nothing indexes `oid`; memory
 * knows each order's current seq, and a person looking one up in the shell can afford a
 * scan. A row is a snapshot rather than a log record because applying a snapshot is
 * idempotent (lx_inv_restore), a row is all one needs to rebuild an order, and the table
 * stays the size of the orders; there is no history of changes on disk.
 *
 * How a row is written (book_sql.c). A new order's row is inserted whole, and the new
 * orders of a batch go in 16 rows to one INSERT statement (SQLite's cost per statement
 * is paid once for 16 rows). A later change of an order's life (confirm, cancel,
 * refund, expire) changes only its state, its deadline, the time of the change and the
 * payment: its row moves to the new key with just those columns set (UPDATE orders SET
 * seq, state, expires_at, updated_at, payment WHERE seq = old) — the rest of the row is
 * the same snapshot already, so the row is still the order's whole latest snapshot and
 * nothing about catching up or crash safety changes. A change that would alter more
 * (none does today) rewrites the whole row; a row that has gone behind the store's back
 * is inserted whole again. All statements are prepared once, with bound parameters.
 *
 * WHAT IS IN MEMORY. One lx_inv per feed of the network; a map from order id to the
 * order's record (its feed and run, which the engine cannot tell from an id; the seq of
 * its row; and what the engine does not keep: owner name, passengers, payment, price,
 * last change), in 64 shards of open addressing; records live in chunks and never move,
 * so a pointer stays good until close. lx_book_get answers from memory alone.
 *
 * LOCKS. A run is changed by one thread at a time: 256 striped mutexes, a run's stripe
 * picked by hashing (feed, trip, day). lx_inv_run_add may not run beside anything else on
 * its lx_inv, so each feed has a readers-writer lock, taken for reading around every
 * engine call and for writing around run_add only (writer-preferring, so that a steady
 * stream of sales cannot starve the creation of a run). Availability takes these two
 * locks and nothing else: no SQL on the read path. book_int.h lists the lock order.
 *
 * GROUP COMMIT, IN TWO STAGES. A caller first prepares its operations in its own thread
 * (book_ops.c: checks, run, class, named seats, price, passengers' text, a fresh id:
 * everything that does not depend on the seats' state), puts them in a queue as one job
 * (on its stack) and waits. If nobody is leading, it becomes the leader: it takes the
 * whole queue as one batch and
 *   A. applies each operation to the engine, in queue order, under its run's locks,
 *      logging every change (before, after, and what its row will say); a hold first
 *      expires the run's holds whose deadline has passed, logged like any change; an
 *      operation the engine refuses changes nothing, and only its own result says so.
 *      This is stage A, under apply_mu: one batch at a time.
 *   B. waits for the batch before to be committed (commit_mu), hands the lead to the
 *      first caller still queued — whose stage A now runs while this batch is written
 *      — and then: BEGIN IMMEDIATE (SQLite's write lock; busy timeout 5 s, then
 *      LX_BUSY); checks whether other processes committed rows since (seq > the last
 *      it saw; one look at the end of the key); writes the rows of the logged changes,
 *      in the order they were made, with seq counting on; COMMIT, which writes the WAL
 *      but does not sync it (synchronous=NORMAL). This is stage B, under commit_mu.
 *   C. fdatasync()s the WAL itself, outside every lock — so the next batch is written
 *      while this one travels to the disk, and syncs of several batches overlap — then
 *      marks every job of the batch done and wakes its caller, who fills in the orders
 *      it asked for. Nothing is acknowledged before its sync.
 * So the engine's work on one batch and SQLite's on the batch before run in two threads
 * at once (on two cores), and the rows are written in exactly the order the engine made
 * the changes: one thread applies a batch, in queue order, and batches are applied and
 * committed in the same order. A row's seq order is therefore each run's order of
 * changes, which is what replaying rows needs (a seat freed by a refund and sold again
 * must be freed first). Operations that arrive while batches are applied and written
 * pile up and become the next batch, so the commits per second stay about constant
 * while the batches grow with the load: that is the whole trick of group commit. A sync
 * covers every byte written to the WAL before it, and batches commit in order, so an
 * acknowledged batch never depends on one that could still be lost. (With
 * opts->sync_normal there is no sync at all: a crash of the machine may lose the last
 * commits, a crash of the process loses nothing.)
 *
 * Between its stage A and its COMMIT a batch's changes are in memory but not on disk,
 * and so are those of the batch applied behind it ("staged"). Everything that needs
 * memory to equal the disk first takes them back (bk_undo_all: restoring each `before`
 * snapshot, newest first, and the records' text, times and row keys; new orders leave
 * the map) and applies them again afterwards (apply_batch, the same preparations, so
 * the same ids; an operation may now come out differently, e.g. sold out): stage B when
 * other processes wrote (take back this batch and the staged one, catch up on their
 * rows — so this process sells from the same seats as every other — apply both again),
 * lx_book_refresh (the same, for the staged batch), lx_book_check (compares with the
 * staged batch taken back). Readers may see changes of batches not committed yet
 * (availability one seat lower); they cannot see new orders, whose ids nobody has been
 * told yet.
 *
 * FAILURES. If anything fails between BEGIN and COMMIT (a full disk, an I/O error):
 * ROLLBACK, take back the staged batch and this one, give every operation of this batch
 * the error — SQLITE_FULL -> LX_NOSPACE, SQLITE_IOERR -> LX_IO, SQLITE_BUSY -> LX_BUSY,
 * anything else LX_STORE: nothing was sold — and apply the staged batch again without
 * it. The rows caught up stay applied: others committed them. A sync that fails after
 * COMMIT is another matter: the transaction is committed and may or may not be on the
 * disk, and nothing can take it back. The batch gets LX_IO ("outcome unknown") and the
 * store stops writing — every later batch is taken back and fails with LX_IO — until the
 * data directory is opened again, which reads what the disk really holds (the lesson
 * PostgreSQL learned about retrying fsync).
 *
 * OPENING. lx_book_open rebuilds memory from every row, oldest seq first, the same way
 * stage B catches up. A row that no longer fits the network (its feed is gone, its trip
 * or stops changed, a seat label the layout no longer has, seats that collide) is an
 * orphan: never deleted, listed by lx_book_check, and the other orders open normally.
 *
 * WITHOUT A DISK (opts->memory_only): no SQLite, no queue; each caller applies its own
 * operations under the same run locks, so the engine's throughput can be measured with
 * the locking and the bookkeeping of the store but without its commits.
 *
 * Ids are 64 random bits from getrandom (drawn 128 at a time per thread), never 0: an
 * anonymous order is reached by whoever knows its id, so ids must not be guessable. One
 * already in use (about never) is refused by the engine or the map when the order is
 * filed, and another is drawn. The owner token the engine compares is FNV-1a 64 of the
 * owner's name.
 *
 * WHAT RUNS WHERE, and why. The one stage that all changes go through must do as little
 * as it can, and two are better than one. The caller's thread prepares (prices, text,
 * ids, runs) and afterwards tells the order (labels, times: lx_book_order); stage A
 * only calls the engine and logs; stage B only binds numbers and strings that already
 * exist (seat labels are written without printf, bk_seat_label) and steps prepared
 * statements; the sync runs after the lead has passed on. (SQLite's own checkpoint,
 * every 1,000 pages of WAL, still runs in COMMIT: doing it on a connection of its own
 * after the acknowledgements shortened stage B but cost as much CPU as it saved, and
 * only the size of the WAL changed the figures, one way for sales, the other for
 * refunds.) On 2 vCPUs,
 * 16 threads selling one seat at a time in batches of 64 over 1,000 runs spend per
 * sale about 3-4 µs of CPU in stage A (three quarters of it the engine's best fit) and
 * 2 µs in stage B; see docs/design.md for what each step gained.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_int.h"
#include "store_int.h"

/* ---- open and close ---- */

lx_err lx_book_open(lx_store *s, const lx_net *net, const lx_book_opts *opts, lx_book **out,
                    char *msg, size_t msg_len)
{
    *out = NULL;
    if (msg && msg_len)
        msg[0] = 0;
    int memory_only = opts && opts->memory_only;
    if (!net || (!s && !memory_only))
        return bk_say(LX_INVAL, msg, msg_len, "a booking store needs a network and a store");
    lx_book *b = calloc(1, sizeof *b);
    if (!b)
        return LX_NOMEM;
    b->net = net;
    b->memory_only = memory_only;
    b->wal_fd = -1;
    if (s)
        memcpy(b->doc_key, lx_store_doc_key(s), BK_DOC_KEY);
    else
        bk_doc_key_random(b->doc_key);
    for (int i = 0; i < BK_STRIPES; i++)
        pthread_mutex_init(&b->stripes[i], NULL);
    for (int i = 0; i < BK_SHARDS; i++)
        pthread_mutex_init(&b->shards[i].mu, NULL);
    pthread_mutex_init(&b->q_mu, NULL);
    pthread_mutex_init(&b->apply_mu, NULL);
    pthread_mutex_init(&b->commit_mu, NULL);
    pthread_mutex_init(&b->stats_mu, NULL);
    pthread_mutex_init(&b->users_mu, NULL);
    pthread_mutex_init(&b->docs_mu, NULL);

    uint32_t n = lx_net_feed_count(net);
    lx_err e = LX_OK;
    if (n && !(b->feeds = calloc(n, sizeof *b->feeds)))
        e = LX_NOMEM;
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    for (uint32_t i = 0; i < n && !e; i++) {
        bk_feed *f = &b->feeds[i];
        f->tt = lx_net_feed(net, i);
        if ((e = lx_inv_create(f->tt, &f->inv)) != LX_OK) {
            bk_say(e, msg, msg_len, "cannot make the inventory of feed %s", lx_tt_feed_name(f->tt));
            break;
        }
        pthread_rwlock_init(&f->runs, &ra);
        b->n_feeds = i + 1;
    }
    pthread_rwlockattr_destroy(&ra);

    if (!e && !memory_only) {
        e = bk_sql_open(b, lx_store_dir(s), opts && opts->sync_normal, msg, msg_len);
        if (!e) {
            /* every row, oldest first, in one read transaction */
            int rc = bk_sql_begin(b, 0);
            if (rc == SQLITE_OK)
                rc = bk_sql_catch_up(b);
            if (rc == SQLITE_OK)
                rc = bk_sql_commit(b);
            else
                bk_sql_rollback(b);
            if (rc != SQLITE_OK)
                e = bk_say(bk_sql_err(rc), msg, msg_len, "reading the orders: %s",
                           bk_sql_errmsg(b));
        }
    }
    if (e) {
        lx_book_close(b);
        return e;
    }
    if (b->n_orphans)
        bk_say(LX_OK, msg, msg_len,
               "%zu order(s) no longer fit the network and stay on disk only (the first: "
               "%s: %s); lanxang check lists them",
               b->n_orphans, b->orphans[0].id, b->orphans[0].why);
    *out = b;
    return LX_OK;
}

void lx_book_close(lx_book *b)
{
    if (!b)
        return;
    if (b->db)
        bk_sql_close(b);
    bk_map_free(b);
    for (uint32_t i = 0; i < b->n_feeds; i++) {
        lx_inv_destroy(b->feeds[i].inv);
        pthread_rwlock_destroy(&b->feeds[i].runs);
    }
    free(b->feeds);
    free(b->batches[0].log);
    free(b->batches[1].log);
    free(b->orphans);
    for (int i = 0; i < BK_STRIPES; i++)
        pthread_mutex_destroy(&b->stripes[i]);
    for (int i = 0; i < BK_SHARDS; i++)
        pthread_mutex_destroy(&b->shards[i].mu);
    pthread_mutex_destroy(&b->q_mu);
    pthread_mutex_destroy(&b->apply_mu);
    pthread_mutex_destroy(&b->commit_mu);
    pthread_mutex_destroy(&b->stats_mu);
    pthread_mutex_destroy(&b->users_mu);
    pthread_mutex_destroy(&b->docs_mu);
    bk_users_free(b);
    bk_trips_free(b);
    free(b);
}

/* ---- group commit ---- */

/* Every result of every job of the list becomes e; single ops say why. */
static void fail_jobs(bk_job *jobs, lx_err e, const char *what, const char *why)
{
    for (bk_job *j = jobs; j; j = j->next) {
        j->err = e;
        for (size_t i = 0; i < j->n; i++)
            j->results[i] = e;
        if (j->expired)
            *j->expired = 0;
        bk_say(e, j->msg, j->msg_len, "%s: %s (%s)", what, lx_strerror(e), why);
    }
}

/* Applies every op of the batch's jobs to the engine, in queue order, logging the
 * changes (stage A; or again after an undo). apply_mu held. */
static void apply_batch(lx_book *b, bk_batch *bt)
{
    memset(&bt->st, 0, sizeof bt->st);
    for (bk_job *j = bt->jobs; j; j = j->next) {
        bk_ctx c = {.b = b, .now = j->now, .bt = bt};
        if (j->expired)
            *j->expired = 0;
        if (j->msg && j->msg_len && j->n == 1 && j->preps[0].err == LX_OK)
            j->msg[0] = 0; /* a refusal of an earlier try */
        for (size_t i = 0; i < j->n; i++)
            j->results[i] = bk_apply(&c, &j->ops[i], &j->preps[i], j->msg, j->msg_len, j->expired);
        bk_stats_sum(&bt->st, &c.st);
    }
}

/* Takes back every change not committed: the staged batch's, then bt's (NULL: none),
 * the reverse of the order they were made in. apply_mu held. */
static void rewind_batches(lx_book *b, bk_batch *bt)
{
    if (b->staged)
        bk_undo_all(b, b->staged);
    if (bt)
        bk_undo_all(b, bt);
}

/* Stage B of a batch (commit_mu held): BEGIN IMMEDIATE; if other processes wrote since,
 * take back this batch and the staged one, catch up, and apply both again; write the
 * rows; COMMIT. Whether it committed; if not, nothing of the batch is left in memory,
 * its jobs have the error, and the staged batch is applied again over what is left. */
static int commit_batch(lx_book *b, bk_batch *bt)
{
    if (b->broken) {
        pthread_mutex_lock(&b->apply_mu);
        rewind_batches(b, bt);
        fail_jobs(bt->jobs, b->broken, "nothing was changed",
                  "the disk failed to sync an earlier commit; open the data directory again");
        if (b->staged)
            apply_batch(b, b->staged);
        pthread_mutex_unlock(&b->apply_mu);
        return 0;
    }
    int rc = bk_sql_begin(b, 1);
    if (rc == SQLITE_OK && bk_sql_others(b, &rc) == 1) {
        /* sell from the same seats as every other process: what they committed first */
        pthread_mutex_lock(&b->apply_mu);
        rewind_batches(b, bt);
        rc = bk_sql_catch_up(b);
        if (rc == SQLITE_OK)
            apply_batch(b, bt);
        if (b->staged)
            apply_batch(b, b->staged);
        pthread_mutex_unlock(&b->apply_mu);
    }
    int64_t seq = b->seq;
    if (rc == SQLITE_OK)
        rc = bk_sql_flush(b, bt);
    if (rc == SQLITE_OK)
        rc = bk_sql_commit(b);
    if (rc != SQLITE_OK) {
        lx_err e = bk_sql_err(rc);
        char why[160];
        bk_copy(why, sizeof why, bk_sql_errmsg(b));
        bk_sql_rollback(b);
        pthread_mutex_lock(&b->apply_mu);
        rewind_batches(b, bt);
        b->seq = seq; /* rows caught up stay applied: others committed them */
        fail_jobs(bt->jobs, e, "nothing was changed", why);
        if (b->staged)
            apply_batch(b, b->staged);
        pthread_mutex_unlock(&b->apply_mu);
        return 0;
    }
    bk_undo_forget(b, bt);
    bt->st.commits++;
    bk_stats_add(b, &bt->st);
    return 1;
}

/* Leads one batch (q_mu held, the queue not empty, nobody leading): takes the whole
 * queue; stage A, applying it to the engine; then, once the batch before has committed,
 * hands the lead to the next in line — whose stage A runs while this batch is written —
 * and runs stage B, writing and committing it; and only then waits for the disk (the
 * next batch is written while this one is synced) and acknowledges the batch. Returns
 * with q_mu held. */
static void lead(lx_book *b, bk_job *self)
{
    bk_batch *bt = &b->batches[b->n_batches++ % 2];
    bk_job *jobs = b->q_head;
    bt->jobs = jobs;
    b->q_head = b->q_tail = NULL;
    for (bk_job *j = jobs; j; j = j->next)
        j->taken = 1;
    b->leading = 1;
    pthread_mutex_unlock(&b->q_mu);

    /* stage A: the engine */
    pthread_mutex_lock(&b->apply_mu);
    b->staged = bt;
    apply_batch(b, bt);
    pthread_mutex_unlock(&b->apply_mu);

    /* stage B: the rows, after the batch before's */
    pthread_mutex_lock(&b->commit_mu);
    b->staged = NULL;
    pthread_mutex_lock(&b->q_mu);
    b->leading = 0;
    if (b->q_head)
        pthread_cond_signal(&b->q_head->cond);
    pthread_mutex_unlock(&b->q_mu);
    int committed = commit_batch(b, bt);
    pthread_mutex_unlock(&b->commit_mu);
    /* from here on bt belongs to the batch after next: only `jobs` is ours */

    if (committed && b->sync && bk_sql_sync(b) != 0) {
        /* committed but maybe not on disk, and it cannot be undone any more: stop
         * writing; opening the data directory again tells what is there */
        pthread_mutex_lock(&b->commit_mu);
        b->broken = LX_IO;
        pthread_mutex_unlock(&b->commit_mu);
        fail_jobs(jobs, LX_IO, "the outcome is unknown until the data directory is opened again",
                  "the disk failed to sync the commit");
    }
    pthread_mutex_lock(&b->q_mu);
    for (bk_job *j = jobs, *next; j; j = next) {
        next = j->next; /* j may be gone once it is done and q_mu is released */
        j->done = 1;
        if (j != self)
            pthread_cond_signal(&j->cond);
    }
}

#define BK_STACK_PREPS 32 /* ops of one call prepared on the stack; more are malloc'ed */

static lx_err run_job(lx_book *b, const lx_book_op *ops, size_t n, lx_instant_t now,
                      lx_err *results, char *msg, size_t msg_len, uint32_t *expired)
{
    if (expired)
        *expired = 0;
    if (n == 0)
        return LX_OK;
    bk_prep stack[BK_STACK_PREPS], *preps = stack;
    if (n > BK_STACK_PREPS && !(preps = malloc(n * sizeof *preps))) {
        for (size_t i = 0; i < n; i++)
            results[i] = LX_NOMEM;
        return LX_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        bk_prepare(b, &ops[i], &preps[i], now, msg, msg_len);
    bk_job j = {.ops = ops,
                .preps = preps,
                .n = n,
                .results = results,
                .now = now,
                .msg = msg,
                .msg_len = msg_len,
                .expired = expired};
    if (b->memory_only) {
        bk_ctx c = {.b = b, .now = now};
        for (size_t i = 0; i < n; i++)
            results[i] = bk_apply(&c, &ops[i], &preps[i], msg, msg_len, expired);
        bk_stats_add(b, &c.st);
    } else {
        pthread_cond_init(&j.cond, NULL);
        pthread_mutex_lock(&b->q_mu);
        if (b->q_tail)
            b->q_tail->next = &j;
        else
            b->q_head = &j;
        b->q_tail = &j;
        while (!j.done) {
            if (!j.taken && !b->leading)
                lead(b, &j);
            else
                pthread_cond_wait(&j.cond, &b->q_mu);
        }
        pthread_mutex_unlock(&b->q_mu);
        pthread_cond_destroy(&j.cond);
    }
    for (size_t i = 0; i < n; i++)
        bk_finish(b, &ops[i], &preps[i], results[i]);
    if (preps != stack)
        free(preps);
    return j.err;
}

/* ---- the API ---- */

lx_err lx_book_exec(lx_book *b, const lx_book_op *ops, size_t n, lx_instant_t now, lx_err *results)
{
    return run_job(b, ops, n, now, results, NULL, 0, NULL);
}

static lx_err one(lx_book *b, const lx_book_op *op, lx_instant_t now, char *msg, size_t msg_len)
{
    lx_err r = LX_INTERNAL;
    if (msg && msg_len)
        msg[0] = 0;
    lx_err e = run_job(b, op, 1, now, &r, msg, msg_len, NULL);
    return e ? e : r;
}

lx_err lx_book_hold(lx_book *b, const lx_book_req *req, lx_instant_t now, lx_book_order *out,
                    char *msg, size_t msg_len)
{
    lx_book_op op = {
        .code = req && req->confirm ? LX_INV_SELL : LX_INV_HOLD, .req = req, .out = out};
    return one(b, &op, now, msg, msg_len);
}

lx_err lx_book_confirm(lx_book *b, const char *id, const char *owner, const char *payment,
                       lx_instant_t now, lx_book_order *out, char *msg, size_t msg_len)
{
    lx_book_op op = {
        .code = LX_INV_CONFIRM, .id = id, .owner = owner, .out = out, .payment = payment};
    return one(b, &op, now, msg, msg_len);
}

lx_err lx_book_cancel(lx_book *b, const char *id, const char *owner, lx_instant_t now,
                      lx_book_order *out, char *msg, size_t msg_len)
{
    lx_book_op op = {.code = LX_INV_CANCEL, .id = id, .owner = owner, .out = out};
    return one(b, &op, now, msg, msg_len);
}

lx_err lx_book_refund(lx_book *b, const char *id, const char *owner, lx_instant_t now,
                      lx_book_order *out, char *msg, size_t msg_len)
{
    lx_book_op op = {.code = LX_INV_REFUND, .id = id, .owner = owner, .out = out};
    return one(b, &op, now, msg, msg_len);
}

lx_err lx_book_exchange(lx_book *b, const char *id, const char *owner, const lx_book_req *req,
                        lx_instant_t now, lx_book_order *out, char *msg, size_t msg_len)
{
    lx_book_op op = {.code = LX_BOOK_EXCHANGE, .id = id, .owner = owner, .req = req, .out = out};
    return one(b, &op, now, msg, msg_len);
}

lx_err lx_book_hold_journey(lx_book *b, const lx_book_req *legs, uint32_t n, lx_instant_t now,
                            lx_book_order *outs, char *msg, size_t msg_len)
{
    lx_book_op op = {.code = LX_BOOK_JOURNEY_HOLD, .legs = legs, .n_legs = n, .outs = outs};
    return one(b, &op, now, msg, msg_len);
}

lx_err lx_book_journey_life(lx_book *b, const char *id, uint8_t code, const char *owner,
                            const char *payment, lx_instant_t now, lx_book_order *outs,
                            uint32_t *n, char *msg, size_t msg_len)
{
    lx_book_op op = {.code = LX_BOOK_JOURNEY_LIFE,
                     .id = id,
                     .owner = owner,
                     .payment = payment,
                     .life = code,
                     .outs = outs};
    lx_err e = one(b, &op, now, msg, msg_len);
    if (n) {
        /* the legs told: as many as the journey names (lx_book_order.journey) */
        lx_book_order o;
        *n = 0;
        if (lx_book_get(b, id, &o) == LX_OK) {
            *n = 1;
            for (const char *c = o.journey; *c; c++)
                *n += *c == ' ';
        }
    }
    return e;
}

lx_err lx_book_expire(lx_book *b, lx_instant_t now, uint32_t *count)
{
    uint32_t k = 0;
    lx_err r = LX_OK;
    lx_book_op op = {.code = LX_INV_EXPIRE};
    lx_err e = run_job(b, &op, 1, now, &r, NULL, 0, &k);
    if (count)
        *count = k;
    return e ? e : r;
}

lx_err lx_book_new_id(lx_book *b, char out[LX_BOOK_ID_LEN])
{
    for (int tries = 0; tries < 8; tries++) {
        lx_order_id oid = bk_id_new(b);
        if (!oid)
            break;
        if (!bk_map_find(b, oid)) {
            bk_id_format(oid, out);
            return LX_OK;
        }
    }
    out[0] = 0;
    return LX_INTERNAL;
}

lx_err lx_book_get(lx_book *b, const char *id, lx_book_order *out)
{
    lx_order_id oid = bk_id_parse(id);
    bk_order *rec = oid ? bk_map_find(b, oid) : NULL;
    if (!rec)
        return LX_NOTFOUND;
    bk_feed *f = &b->feeds[rec->feed];
    lx_err e = LX_NOTFOUND;
    pthread_rwlock_rdlock(&f->runs);
    pthread_mutex_lock(&b->stripes[rec->stripe]);
    const lx_inv_order *o = rec->oid == oid ? lx_inv_order_get(rec->run, oid) : NULL;
    if (o) {
        bk_fill(b, rec, o, out);
        e = LX_OK;
    }
    pthread_mutex_unlock(&b->stripes[rec->stripe]);
    pthread_rwlock_unlock(&f->runs);
    return e;
}

lx_err bk_leg_run(lx_book *b, uint32_t feed, const lx_leg *leg, lx_inv_run **run,
                  uint32_t *first)
{
    if (feed >= b->n_feeds)
        return LX_NOTFOUND;
    uint32_t nt;
    const lx_trip *trips = lx_tt_trips(b->feeds[feed].tt, &nt);
    if (leg->trip >= nt)
        return LX_NOTFOUND;
    const lx_trip *t = &trips[leg->trip];
    if (leg->from_pos < t->st_first || leg->to_pos >= t->st_first + t->st_count ||
        leg->from_pos >= leg->to_pos)
        return LX_INVAL;
    *first = t->st_first;
    return bk_run_get(b, feed, leg->trip, leg->service_day, 1, run, NULL, 0);
}

lx_err lx_book_avail(lx_book *b, uint32_t feed, const lx_leg *leg, const char *cls,
                     lx_instant_t now, uint32_t *free_seats)
{
    *free_seats = 0;
    lx_inv_run *run;
    uint32_t first;
    lx_err e = bk_leg_run(b, feed, leg, &run, &first);
    if (e)
        return e;
    uint32_t k =
        cls && *cls ? lx_inv_class(run, cls) : (lx_inv_class_count(run) == 1 ? 0 : LX_NONE);
    if (k == LX_NONE)
        return LX_INVAL;
    bk_feed *f = &b->feeds[feed];
    uint16_t stripe = bk_stripe_of(feed, leg->trip, leg->service_day);
    pthread_rwlock_rdlock(&f->runs);
    pthread_mutex_lock(&b->stripes[stripe]);
    *free_seats = lx_inv_avail(run, leg->from_pos - first, leg->to_pos - first, k, now);
    pthread_mutex_unlock(&b->stripes[stripe]);
    pthread_rwlock_unlock(&f->runs);
    return LX_OK;
}

lx_err lx_book_refresh(lx_book *b)
{
    if (b->memory_only)
        return LX_OK;
    pthread_mutex_lock(&b->commit_mu);
    pthread_mutex_lock(&b->apply_mu);
    int rc = bk_sql_begin(b, 0);
    if (rc == SQLITE_OK && bk_sql_others(b, &rc) == 1) {
        /* a batch applied but not committed yet goes after what others committed */
        rewind_batches(b, NULL);
        rc = bk_sql_catch_up(b);
        if (b->staged)
            apply_batch(b, b->staged);
    }
    bk_sql_rollback(b); /* a read transaction: nothing to commit */
    pthread_mutex_unlock(&b->apply_mu);
    pthread_mutex_unlock(&b->commit_mu);
    return bk_sql_err(rc);
}

void bk_each_run(lx_book *b, void (*fn)(lx_book *b, uint32_t feed, uint16_t stripe,
                                         lx_inv_run *run, void *arg),
                 void *arg)
{
    for (uint32_t k = 0; k < b->n_feeds; k++) {
        bk_feed *f = &b->feeds[k];
        for (uint32_t i = 0;; i++) {
            pthread_rwlock_rdlock(&f->runs);
            lx_inv_run *run = i < lx_inv_run_count(f->inv) ? lx_inv_run_at(f->inv, i) : NULL;
            if (!run) {
                pthread_rwlock_unlock(&f->runs);
                break;
            }
            uint16_t stripe = bk_stripe_of_run(k, run);
            pthread_mutex_lock(&b->stripes[stripe]);
            fn(b, k, stripe, run, arg);
            pthread_mutex_unlock(&b->stripes[stripe]);
            pthread_rwlock_unlock(&f->runs);
        }
    }
}

typedef struct {
    char *msg;
    size_t msg_len, *at;
    uint32_t findings, *runs, *orders;
} check_state;

/* One run's invariants, and every order of the run known to the map under that run. */
static void check_run(lx_book *b, uint32_t k, uint16_t stripe, lx_inv_run *run, void *arg)
{
    check_state *cs = arg;
    char why[256];
    if (lx_inv_check(run, why, sizeof why) != LX_OK) {
        bk_report(cs->msg, cs->msg_len, cs->at, "%s", why);
        cs->findings++;
    }
    uint32_t n = lx_inv_order_count(run);
    for (uint32_t j = 0; j < n; j++) {
        const lx_inv_order *o = lx_inv_order_at(run, j);
        bk_order *rec = bk_map_find(b, o->id);
        if (!rec || rec->run != run || rec->stripe != stripe || rec->feed != k) {
            char id[LX_BOOK_ID_LEN];
            bk_id_format(o->id, id);
            bk_report(cs->msg, cs->msg_len, cs->at, "order %s of train %s is %s", id,
                      lx_tt_train_number(b->feeds[k].tt, lx_inv_run_trip(run)),
                      rec ? "filed under another run" : "missing from the map");
            cs->findings++;
        }
    }
    (*cs->runs)++;
    *cs->orders += n;
}

static uint32_t check_memory(lx_book *b, char *msg, size_t msg_len, size_t *at, uint32_t *runs,
                             uint32_t *orders)
{
    check_state cs = {msg, msg_len, at, 0, runs, orders};
    bk_each_run(b, check_run, &cs);
    return cs.findings;
}

lx_err lx_book_check(lx_book *b, char *msg, size_t msg_len, uint32_t *runs, uint32_t *orders)
{
    size_t at = 0;
    uint32_t findings = 0, r = 0, o = 0;
    if (msg && msg_len)
        msg[0] = 0;
    if (b->memory_only) {
        findings = check_memory(b, msg, msg_len, &at, &r, &o);
    } else {
        pthread_mutex_lock(&b->commit_mu);
        pthread_mutex_lock(&b->apply_mu);
        /* one read transaction: catch up, then compare with the same snapshot; a batch
         * applied but not committed yet is taken back meanwhile */
        rewind_batches(b, NULL);
        int rc = bk_sql_begin(b, 0);
        if (rc == SQLITE_OK)
            rc = bk_sql_catch_up(b);
        if (rc != SQLITE_OK) {
            bk_report(msg, msg_len, &at, "cannot read the orders: %s", bk_sql_errmsg(b));
            findings++;
        }
        findings += check_memory(b, msg, msg_len, &at, &r, &o);
        uint32_t rows = 0;
        if (rc == SQLITE_OK) {
            findings += bk_sql_compare(b, msg, msg_len, &at, &rows);
            if (rows != o) {
                bk_report(msg, msg_len, &at, "%u orders in memory, %u rows on disk", o, rows);
                findings++;
            }
        }
        bk_sql_rollback(b);
        if (b->staged)
            apply_batch(b, b->staged);
        /* orphans are reported, not counted as findings: see book.h */
        for (size_t i = 0; i < b->n_orphans; i++)
            bk_report(msg, msg_len, &at, "order %s stays on disk only: %s", b->orphans[i].id,
                      b->orphans[i].why);
        pthread_mutex_unlock(&b->apply_mu);
        pthread_mutex_unlock(&b->commit_mu);
    }
    if (runs)
        *runs = r;
    if (orders)
        *orders = o;
    return findings ? LX_INTERNAL : LX_OK;
}

void lx_book_stats_get(lx_book *b, lx_book_stats *out)
{
    pthread_mutex_lock(&b->stats_mu);
    *out = b->stats;
    pthread_mutex_unlock(&b->stats_mu);
}
