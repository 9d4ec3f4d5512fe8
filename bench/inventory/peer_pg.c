/* peer_pg: the PostgreSQL design of the inventory benchmark (bench/inventory/peers.md).
 *
 * The usual database design: a row per seat and a row per ticket,
 *
 *   seat(train int, seat int, mask bigint, PRIMARY KEY (train, seat))
 *   ticket(id bigserial PRIMARY KEY, train int, seat int, mask bigint)
 *
 * where bit k of mask = the seat is sold on segment k (station k to k+1). Each thread has
 * its own connection and its own prepared statements, and sends one statement at a time
 * (a transaction's statements depend on each other's answers, so there is no pipeline):
 *
 *   query     SELECT count(*) FROM seat WHERE train = $1 AND mask & $2 = 0
 *   purchase  BEGIN;
 *             SELECT seat FROM seat WHERE train = $1 AND mask & $2 = 0
 *               ORDER BY seat LIMIT 1 FOR UPDATE SKIP LOCKED;          (first fit)
 *             UPDATE seat SET mask = mask | $3 WHERE train = $1 AND seat = $2;
 *             INSERT INTO ticket (train, seat, mask) VALUES (...) RETURNING id;
 *             COMMIT
 *   refund    BEGIN;
 *             UPDATE seat SET mask = mask & ~$3
 *               WHERE train = $1 AND seat = $2 AND mask & $3 = $3;      (must hit 1 row)
 *             DELETE FROM ticket WHERE id = $1;                          (must hit 1 row)
 *             COMMIT
 *
 * SKIP LOCKED answers no row when every seat still free for the journey is locked by
 * another purchase at that moment (they may yet commit or not). The design then says
 * "sold out", as a real system built this way would, and so does this driver: such a
 * purchase is counted as refused, without a retry. The default READ COMMITTED isolation
 * suffices: FOR UPDATE re-checks the WHERE clause on the newest version of a row that
 * was changed since the statement began, so a seat cannot be taken twice.
 *
 * Commits are durable when the server runs with fsync and synchronous_commit on, its
 * defaults; the driver asks the server (SHOW) and reports "durable" accordingly.
 * Only purchases and refunds write; a query is a read-only transaction of its own.
 */
#include <libpq-fe.h>

#include "peer_common.h"

static void *g_connect(const pc_opts *o, char *err, size_t n)
{
    PGconn *c = PQconnectdb(o->conninfo);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        pc_fmt(err, n, "cannot connect to postgres (%s): %s", o->conninfo,
               c ? PQerrorMessage(c) : "out of memory");
        PQfinish(c);
        return NULL;
    }
    return c;
}

static void g_disconnect(void *c) { PQfinish(c); }

/* Runs a statement: a prepared one by name with parameters (nparams >= 0), or plain SQL
 * (nparams < 0). Returns the result when its status is want, else NULL and err. */
static PGresult *g_run(PGconn *c, const char *stmt, int nparams, const char *const *vals,
                       ExecStatusType want, char *err, size_t n)
{
    PGresult *r = nparams < 0 ? PQexec(c, stmt) : PQexecPrepared(c, stmt, nparams, vals, NULL, NULL, 0);
    if (PQresultStatus(r) != want) {
        pc_fmt(err, n, "postgres: %s: %s", stmt, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
        PQclear(r);
        return NULL;
    }
    return r;
}

/* a command without rows; 0 = ok; rows >= 0: the count of rows it must touch */
static int g_cmd(PGconn *c, const char *stmt, int nparams, const char *const *vals, int rows,
                 char *err, size_t n)
{
    PGresult *r = g_run(c, stmt, nparams, vals, PGRES_COMMAND_OK, err, n);
    if (!r)
        return -1;
    int bad = rows >= 0 && atoi(PQcmdTuples(r)) != rows;
    if (bad)
        pc_fmt(err, n, "postgres: %s changed %s rows, not %d", stmt, PQcmdTuples(r), rows);
    PQclear(r);
    return bad ? -1 : 0;
}

static int g_load(void *conn, const pc_opts *o, pc_peer *self, char *err, size_t n)
{
    PGconn *c = conn;
    char sql[512];
    PGresult *f = g_run(c, "SELECT current_setting('fsync'), current_setting('synchronous_commit')",
                        -1, NULL, PGRES_TUPLES_OK, err, n);
    if (!f)
        return -1;
    self->durable = !strcmp(PQgetvalue(f, 0, 0), "on") && strcmp(PQgetvalue(f, 0, 1), "off") &&
                    strcmp(PQgetvalue(f, 0, 1), "local");
    PQclear(f);
    snprintf(sql, sizeof sql,
             "SET client_min_messages = warning;"
             "DROP TABLE IF EXISTS ticket, seat;"
             "CREATE TABLE seat (train int NOT NULL, seat int NOT NULL, mask bigint NOT NULL DEFAULT 0,"
             " PRIMARY KEY (train, seat));"
             "CREATE TABLE ticket (id bigserial PRIMARY KEY, train int NOT NULL, seat int NOT NULL,"
             " mask bigint NOT NULL);"
             "INSERT INTO seat (train, seat) SELECT t, s FROM generate_series(0, %" PRIu32 ") t,"
             " generate_series(0, %d) s;",
             o->trains - 1, BW_SEATS - 1);
    /* VACUUM cannot run inside the implicit transaction of a multi-statement string */
    if (g_cmd(c, sql, -1, NULL, -1, err, n) || g_cmd(c, "VACUUM ANALYZE seat", -1, NULL, -1, err, n) ||
        g_cmd(c, "VACUUM ANALYZE ticket", -1, NULL, -1, err, n))
        return -1;
    /* start the timed phase without a checkpoint of the load pending (needs a superuser
     * or pg_checkpoint; without, only skipped) */
    PQclear(PQexec(c, "CHECKPOINT"));
    return 0;
}

static const char *const G_STMTS[][2] = {
    {"query", "SELECT count(*) FROM seat WHERE train = $1::int AND mask & $2::bigint = 0"},
    {"pick", "SELECT seat FROM seat WHERE train = $1::int AND mask & $2::bigint = 0"
             " ORDER BY seat LIMIT 1 FOR UPDATE SKIP LOCKED"},
    {"take", "UPDATE seat SET mask = mask | $3::bigint WHERE train = $1::int AND seat = $2::int"},
    {"issue", "INSERT INTO ticket (train, seat, mask) VALUES ($1::int, $2::int, $3::bigint) RETURNING id"},
    {"free", "UPDATE seat SET mask = mask & ~$3::bigint"
             " WHERE train = $1::int AND seat = $2::int AND mask & $3::bigint = $3::bigint"},
    {"void", "DELETE FROM ticket WHERE id = $1::bigint"},
};

static int g_prepare(void *conn, const pc_opts *o, char *err, size_t n)
{
    (void)o;
    for (size_t i = 0; i < sizeof G_STMTS / sizeof G_STMTS[0]; i++) {
        PGresult *r = PQprepare(conn, G_STMTS[i][0], G_STMTS[i][1], 0, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            pc_fmt(err, n, "postgres: PREPARE %s: %s", G_STMTS[i][0], PQresultErrorMessage(r));
        PQclear(r);
        if (!ok)
            return -1;
    }
    return 0;
}

/* a purchase: the transaction of the header; refused when no seat row is returned */
static int g_buy(PGconn *c, pc_op *op, const char *const *v, char *err, size_t n)
{
    PGresult *r = g_run(c, "pick", 2, (const char *const[]){v[0], v[2]}, PGRES_TUPLES_OK, err, n);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        op->status = PC_REFUSED;
        return g_cmd(c, "ROLLBACK", -1, NULL, -1, err, n);
    }
    char seat[16];
    snprintf(seat, sizeof seat, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    const char *w[3] = {v[0], seat, v[2]};
    if (g_cmd(c, "take", 3, w, 1, err, n) ||
        !(r = g_run(c, "issue", 3, w, PGRES_TUPLES_OK, err, n)))
        return -1;
    op->ticket.seat = atoi(seat);
    op->ticket.id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    op->status = PC_DONE;
    return g_cmd(c, "COMMIT", -1, NULL, -1, err, n);
}

static int g_one(PGconn *c, pc_op *op, char *err, size_t n)
{
    const pc_ticket *t = &op->ticket;
    char train[16], seat[16], mask[24], id[24];
    const char *v[3] = {train, seat, mask};
    snprintf(train, sizeof train, "%" PRIu32, t->train);
    snprintf(seat, sizeof seat, "%" PRId32, t->seat);
    snprintf(mask, sizeof mask, "%" PRIu64, PC_MASK(t->from, t->to));
    snprintf(id, sizeof id, "%" PRId64, t->id);
    if (op->req.kind == BW_QUERY) {
        PGresult *r = g_run(c, "query", 2, (const char *const[]){train, mask}, PGRES_TUPLES_OK, err, n);
        if (!r)
            return -1;
        op->count = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        return 0;
    }
    if (g_cmd(c, "BEGIN", -1, NULL, -1, err, n))
        return -1;
    int rc;
    if (op->req.kind == BW_BUY) {
        rc = g_buy(c, op, v, err, n);
    } else {
        const char *w[1] = {id};
        rc = g_cmd(c, "free", 3, v, 1, err, n) || g_cmd(c, "void", 1, w, 1, err, n) ||
             g_cmd(c, "COMMIT", -1, NULL, -1, err, n);
        op->status = PC_DONE;
    }
    if (rc) /* leave the connection usable; the run fails anyway */
        PQclear(PQexec(c, "ROLLBACK"));
    return rc ? -1 : 0;
}

static int g_batch(void *conn, const pc_opts *o, pc_op *ops, int n, char *err, size_t en)
{
    (void)o;
    for (int i = 0; i < n; i++)
        if (g_one(conn, &ops[i], err, en))
            return -1;
    return 0;
}

/* every seat's mask; the ticket rows must be disjoint per seat and add up to it */
static int g_read_back(void *conn, const pc_opts *o, uint64_t *masks, int64_t *stored_tickets,
                       char *err, size_t n)
{
    PGconn *c = conn;
    size_t nseats = (size_t)o->trains * BW_SEATS;
    PGresult *s = g_run(c, "SELECT train, seat, mask FROM seat", -1, NULL, PGRES_TUPLES_OK, err, n);
    PGresult *t = s ? g_run(c, "SELECT train, seat, mask FROM ticket", -1, NULL, PGRES_TUPLES_OK, err, n) : NULL;
    uint64_t *sold = calloc(nseats, sizeof *sold);
    int rc = s && t && sold ? 0 : -1;
    if (!sold)
        pc_fmt(err, n, "out of memory");
    if (!rc && (size_t)PQntuples(s) != nseats) {
        pc_fmt(err, n, "the seat table has %d rows, not %zu", PQntuples(s), nseats);
        rc = -1;
    }
    for (int pass = 0; pass < 2 && !rc; pass++) {
        PGresult *r = pass ? t : s;
        for (int i = 0; i < PQntuples(r) && !rc; i++) {
            unsigned long train = strtoul(PQgetvalue(r, i, 0), NULL, 10);
            unsigned long seat = strtoul(PQgetvalue(r, i, 1), NULL, 10);
            uint64_t m = strtoull(PQgetvalue(r, i, 2), NULL, 10);
            size_t k = train * BW_SEATS + seat;
            if (train >= o->trains || seat >= BW_SEATS) {
                pc_fmt(err, n, "a row names train %lu seat %lu", train, seat);
                rc = -1;
            } else if (!pass) {
                masks[k] = m;
            } else if (sold[k] & m) {
                pc_fmt(err, n, "ticket rows sell seat %lu of train %lu twice", seat, train);
                rc = -1;
            } else {
                sold[k] |= m;
            }
        }
    }
    for (size_t k = 0; k < nseats && !rc; k++) {
        if (sold[k] != masks[k]) {
            pc_fmt(err, n, "seat %zu of train %zu: mask 0x%" PRIx64 ", ticket rows 0x%" PRIx64,
                   k % BW_SEATS, k / BW_SEATS, masks[k], sold[k]);
            rc = -1;
        }
    }
    *stored_tickets = t ? PQntuples(t) : -1;
    PQclear(s);
    PQclear(t);
    free(sold);
    return rc;
}

int main(int argc, char **argv)
{
    pc_peer p = {.design = "postgres-skip-locked", .durable = 1, .max_pipeline = 1,
                 .default_pipeline = 1, .default_ops = 10000, .connect = g_connect,
                 .disconnect = g_disconnect, .load = g_load, .prepare = g_prepare,
                 .batch = g_batch, .read_back = g_read_back};
    return pc_main(argc, argv, &p);
}
