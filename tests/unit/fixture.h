/* Shared helpers of the unit tests: temporary folders and the files in them, and
 * GTFS feeds that must load. Every helper fails the running cmocka test (it
 * asserts) when something it needs goes wrong, so a test reads as what it checks.
 * A test that calls them links fixture.c (add it to the test's SOURCES in
 * tests/tests.cmake) and lanxang_gtfs, or a library that brings it. */
#ifndef LX_TEST_FIXTURE_H
#define LX_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lanxang/gtfs.h"
#include "lanxang/net.h"

#define FX_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- folders and files ---- */

/* A fresh folder $TMPDIR/lx-test-<tag>-XXXXXX (or under /tmp); free() the path. */
char *fx_tmpdir(const char *tag);

/* rm -rf path; 0 when nothing is left of it. */
int fx_rm_tree(const char *path);

/* dir/name into buf (name NULL: dir alone), which must be large enough; returns buf. */
char *fx_join(char *buf, size_t cap, const char *dir, const char *name);
#define FX_JOIN(buf, dir, name) fx_join((buf), sizeof(buf), (dir), (name))

/* Whether dir/name (name NULL: dir) exists (not following a last link) / is a folder. */
int fx_exists(const char *dir, const char *name);
int fx_is_dir(const char *dir, const char *name);

/* Writes dir/name with len bytes of data, replacing it; fx_write_text writes a string. */
void fx_write_file(const char *dir, const char *name, const void *data, size_t len);
void fx_write_text(const char *dir, const char *name, const char *text);

/* The whole of dir/name, NUL-terminated (free() it), or NULL when it cannot be opened. */
char *fx_read_file(const char *dir, const char *name);

/* How many entries dir has ("." and ".." aside) whose names end in suffix (NULL: all). */
size_t fx_dir_count(const char *dir, const char *suffix);

/* ---- feeds ---- */

/* Every kept notice has a code, a message, a file, a field and a severity in range. */
void fx_check_notices(const lx_report *r);

/* The first notice with this code, or NULL. */
const lx_notice *fx_find_notice(const lx_report *r, const char *code);

/* Loads files with opts into a new report *r (its notices checked as above) and
 * returns the loader's answer; *tt is what the loader left there (it must set it). */
lx_err fx_try_load(const lx_gtfs_file *files, size_t n, const lx_gtfs_opts *opts,
                   lx_report **r, lx_tt **tt);

/* A feed that must load, from memory or from a folder, under this feed name: LX_OK,
 * a timetable that passes lx_tt_check, no error notice. The report goes to *r (r
 * NULL: it is destroyed); the report is printed when the load fails. */
lx_tt *fx_load_ok(const lx_gtfs_file *files, size_t n, const char *name, lx_report **r);
lx_tt *fx_load_path_ok(const char *dir, const char *name, lx_report **r);

/* A new network holding one feed that must load (fx_load_ok, under this feed name);
 * *tt (tt may be NULL) is that feed, owned by the network. Destroy it with
 * lx_net_destroy. */
lx_net *fx_net_ok(const lx_gtfs_file *files, size_t n, const char *name, const lx_tt **tt);

/* Two summaries are equal, field by field; fx_same_summary compares two timetables'. */
void fx_summary_equal(const lx_gtfs_summary *a, const lx_gtfs_summary *b);
void fx_same_summary(const lx_tt *a, const lx_tt *b);

/* Writes tt into dir with lx_gtfs_write and loads it back (fx_load_path_ok, under
 * tt's name), which must give the same summary; returns what was loaded back. */
lx_tt *fx_write_and_reload(const lx_tt *tt, const char *dir);

#endif
