/* A CSV reader for GTFS files (RFC 4180 plus what real feeds contain): a UTF-8 BOM,
 * CRLF, LF or CR line ends, quoted fields with commas, doubled quotes and line
 * breaks, blank lines. It works in place on a buffer the caller owns and lets it
 * modify: a quoted field is unescaped where it lies, so no field is copied. */
#ifndef LX_GTFS_CSV_H
#define LX_GTFS_CSV_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *p, *end;
    uint32_t line;        /* line where the current record started (1-based) */
    uint32_t next_line;
    uint32_t nf;          /* fields in the current record */
    uint32_t cap;
    char **f;             /* field starts (NUL-terminated in place) */
    uint32_t *len;        /* field lengths */
    int bad_quote;        /* the record had a stray or unclosed quote */
} lx_csv;

/* buf must have one writable byte past len (it is overwritten). */
int lx_csv_init(lx_csv *c, char *buf, size_t len);
void lx_csv_free(lx_csv *c);
/* Reads the next record: 1, or 0 at the end; -1 when out of memory. Blank lines are
 * skipped. */
int lx_csv_next(lx_csv *c);
/* Bytes consumed so far, for progress. */
static inline size_t lx_csv_offset(const lx_csv *c, const char *start) { return (size_t)(c->p - start); }

#endif
