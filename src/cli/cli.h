/* The `lanxang` command: shared state and helpers of the subcommands. */
#ifndef LX_CLI_H
#define LX_CLI_H

#include <jansson.h>
#include <stdio.h>
#include "lanxang/book.h"
#include "lanxang/gtfs.h"
#include "lanxang/net.h"
#include "lanxang/store.h"

typedef struct {
    const char *data_dir;   /* --data, default ./lanxang-data */
    int data_given;
    int no_builtin;         /* --no-builtin */
    const char *lang;       /* --lang en|lo|zh for station names */
    lx_net *net;
} lx_cli;

typedef struct {
    const char *name;
    int (*run)(lx_cli *c, int argc, char **argv);
    const char *summary;
    const char *usage;      /* full --help text */
} lx_cmd;

/* One option of a command: a flag (flag != NULL) or an option with a value. */
typedef struct {
    const char *name;       /* "--date" */
    const char **value;     /* set to the value, for an option that takes one */
    int *flag;              /* set to 1, for a flag */
} cli_opt;

/* Reads a command's arguments (argv[0] is the command): the options in opts (ended
 * by {NULL}), as "--name value" or "--name=value", anywhere on the line, and between
 * min_pos and max_pos other arguments, written to pos. Returns 0, or prints a usage
 * error and returns 2. */
int cli_args(const lx_cmd *cmd, int argc, char **argv, const cli_opt *opts, const char **pos,
             int min_pos, int max_pos, const char *what);

/* An option that may be given several times ("--passenger A --passenger B"): each
 * value is appended to vals (up to cap; more is a usage error), *n counts them. */
typedef struct {
    const char *name;
    const char **vals;
    int cap;
    int *n;
} cli_multi;

/* cli_args with repeatable options too (multi ended by {NULL}, or NULL). */
int cli_args_multi(const lx_cmd *cmd, int argc, char **argv, const cli_opt *opts,
                   const cli_multi *multi, const char **pos, int min_pos, int max_pos,
                   const char *what);

/* Loads the built-in railway and every feed of the data directory into c->net.
 * Returns 0 or an exit code (the error is printed). */
int cli_load_net(lx_cli *c);
/* Prints "lanxang: MESSAGE" on stderr and returns the exit code of e. */
int cli_fail(lx_err e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error: prints the message and the usage, returns 2. */
int cli_usage_error(const lx_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether argv[i] is --help/-h; prints the usage then. */
int cli_wants_help(const lx_cmd *cmd, int argc, char **argv);
/* Prints a JSON value (indented) on stdout and releases it; returns 0. */
int cli_print_json(json_t *v);
/* The zone mark of an offset: "UTC+8", "UTC+5:30", "UTC-4" */
void cli_zone_mark(int32_t off, char *buf, size_t n);
/* "08:08 UTC+8" (and " +1d" when the local date differs from ref_day) */
void cli_local_time(const lx_tz *tz, lx_instant_t t, lx_date_t ref_day, char *buf, size_t n);
/* Resolves a station name over the loaded railways; on failure prints the reason
 * (with suggestions) and returns the exit code, else 0. */
int cli_resolve(lx_cli *c, const char *name, lx_place *out, uint32_t cap, uint32_t *n);
/* Parses --date; on failure prints the error and returns 0. */
int cli_parse_date(const char *s, lx_date_t *out);
/* The time "now" of the selling commands: the clock, unless the environment variable
 * LANXANG_NOW is set (Unix seconds, or ISO 8601 such as 2026-12-19T10:00:00+07:00).
 * Returns 0, or prints why LANXANG_NOW is unreadable and returns 2. */
int cli_now(lx_instant_t *now);
/* Reports a refusal: "lanxang: MESSAGE" on stderr and, with json, the error object
 * {"error":{"code","message","field"}} on stdout. Returns the exit code of e (never 0). */
int cli_refuse(int json, lx_err e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Loads the network (unless c->net is loaded) and opens the booking store of the data
 * directory. create: create the data directory when it does not exist; otherwise a
 * missing one gives *book = NULL and 0 (nothing was ever sold there). Returns 0 or the
 * exit code (the error printed as cli_refuse does). Close with cli_close_book. */
int cli_open_book(lx_cli *c, int create, int json, lx_store **store, lx_book **book);
/* The start of every command on one order: reads the id (any case) into id
 * (LX_BOOK_ID_LEN bytes) and opens the booking store. 0 with both open (close them with
 * cli_close_book), or the exit code after saying why (no such order, no data directory). */
int cli_open_order(lx_cli *c, int json, const char *arg, char *id, lx_store **store,
                   lx_book **book);
void cli_close_book(lx_store *store, lx_book *book);
/* Prints an order: the JSON order object (src/view/view.h), or a few lines of text.
 * Returns 0. */
int cli_print_order(lx_cli *c, const lx_book_order *o, int json);
/* "111.50 CNY", "232000 LAK", "-" when unknown (amount < 0). */
void cli_format_price(int64_t amount, const char *currency, char *buf, size_t n);
/* A --passenger "NAME:DOCUMENT[,TOKEN...]" (split at the last colon; tokens: a fare
 * type, a document type, a birth date) into p (cmd_inv.c); 0 when it is not one. */
int cli_parse_passenger(const char *arg, lx_book_pax *p);

/* Prints text padded to a display width (counts CJK as 2 columns). */
void cli_pad(FILE *f, const char *s, int width);

extern const lx_cmd lx_cmd_stations, lx_cmd_trains, lx_cmd_timetable, lx_cmd_import,
    lx_cmd_validate, lx_cmd_export, lx_cmd_feeds, lx_cmd_remove, lx_cmd_serve, lx_cmd_check,
    lx_cmd_avail, lx_cmd_seats, lx_cmd_hold, lx_cmd_confirm, lx_cmd_cancel, lx_cmd_refund, lx_cmd_change, lx_cmd_order,
    lx_cmd_ticket, lx_cmd_gate, lx_cmd_keys, lx_cmd_waitlist,
    lx_cmd_plan;

#endif
