/* lanxang: text helpers for matching names typed by people. */
#ifndef LANXANG_TEXT_H
#define LANXANG_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Folds a UTF-8 name for comparison: ASCII and Latin letters lower-cased with their
 * accents removed ("Nà Mơ" -> "na mo", "Straße" -> "strasse"), combining marks
 * dropped, apostrophes removed ("Pu'er" -> "puer"), other punctuation and runs of
 * white space made one space, trimmed. Other scripts (Lao, Chinese) are kept as they
 * are. Writes at most cap bytes including the NUL; returns the folded length (which
 * may be >= cap when truncated). Invalid UTF-8 bytes are kept as they are. */
size_t lx_fold(const char *in, char *out, size_t cap);

/* Edit distance (Levenshtein with adjacent swaps) between two UTF-8 strings, in code points; strings
 * longer than 128 code points are compared on their first 128. */
unsigned lx_edit_distance(const char *a, const char *b);

/* Decodes one UTF-8 code point at s (n bytes available); returns its length (1 for an
 * invalid byte, whose value is returned as is in *cp). */
size_t lx_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* A travel document number as shown and kept: every character a '*' but the last 4
 * ("P1234567" -> "****4567"; 4 or fewer characters: all '*'). Masking a masked number
 * gives it back. buf of at least strlen(doc) + 1 bytes. */
void lx_mask_document(const char *doc, char *buf, size_t n);

#endif
