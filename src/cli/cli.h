/* The `lanxang` command: shared state and helpers of the subcommands. */
#ifndef LX_CLI_H
#define LX_CLI_H

#include <jansson.h>
#include <stdio.h>
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
/* Prints text padded to a display width (counts CJK as 2 columns). */
void cli_pad(FILE *f, const char *s, int width);

extern const lx_cmd lx_cmd_stations, lx_cmd_trains, lx_cmd_timetable, lx_cmd_import,
    lx_cmd_validate, lx_cmd_export, lx_cmd_feeds, lx_cmd_remove, lx_cmd_serve, lx_cmd_check;

#endif
