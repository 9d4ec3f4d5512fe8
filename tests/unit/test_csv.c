/* Unit tests for src/gtfs/csv.c, the in-place CSV reader of the GTFS loader.
 *
 * Every input is copied into a heap buffer of exactly len + 1 bytes (the one spare
 * byte the reader may overwrite), so that under ASan any read or write past it is
 * caught. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h" /* (FX_COUNT only) */
#include "gtfs/csv.h"

typedef struct {
    char *buf;
    lx_csv c;
} reader;

static void open_n(reader *r, const char *text, size_t len)
{
    r->buf = malloc(len + 1);
    assert_non_null(r->buf);
    memcpy(r->buf, text, len);
    assert_int_equal(lx_csv_init(&r->c, r->buf, len), 0);
}

static void open_s(reader *r, const char *text) { open_n(r, text, strlen(text)); }

static void close_r(reader *r)
{
    lx_csv_free(&r->c);
    free(r->buf);
}

/* A wildcard for a field whose text is not checked. */
static const char ANY[] = "(any)";

/* One record expected: its line, whether a quote was misplaced, its fields. */
typedef struct {
    uint32_t line;
    int bad_quote;
    const char *f[6]; /* NULL-terminated; ANY matches any text */
} rec;

/* One input, and the records it reads as, up to the first with line 0; then the end,
 * which stays the end. */
typedef struct {
    const char *name;
    const char *text;
    rec recs[4];
} csv_case;

static const csv_case CASES[] = {
    {"test_simple_lf",
     "stop_id,stop_name\nvte,Vientiane\nlpq,Luang Prabang\n",
     {{1, 0, {"stop_id", "stop_name"}}, {2, 0, {"vte", "Vientiane"}},
      {3, 0, {"lpq", "Luang Prabang"}}}},
    {"test_bom_is_skipped",
     "\xEF\xBB\xBF" "agency_id,agency_name\r\na,B\r\n",
     {{1, 0, {"agency_id", "agency_name"}}, {2, 0, {"a", "B"}}}},
    /* a BOM alone is an empty file */
    {"test_bom_is_skipped: a BOM alone", "\xEF\xBB\xBF", {{0}}},
    /* only a BOM at the very start is special: a second one is data */
    {"test_bom_is_skipped: only at the start", "x\n\xEF\xBB\xBFy\n",
     {{1, 0, {"x"}}, {2, 0, {"\xEF\xBB\xBFy"}}}},
    {"test_crlf", "a,b\r\n1,2\r\n3,4\r\n",
     {{1, 0, {"a", "b"}}, {2, 0, {"1", "2"}}, {3, 0, {"3", "4"}}}},
    {"test_cr_only", "a,b\r1,2\r3,4\r",
     {{1, 0, {"a", "b"}}, {2, 0, {"1", "2"}}, {3, 0, {"3", "4"}}}},
    {"test_mixed_line_ends", "a\nb\r\nc\rd",
     {{1, 0, {"a"}}, {2, 0, {"b"}}, {3, 0, {"c"}}, {4, 0, {"d"}}}},
    {"test_last_line_without_newline", "a,b\n1,22", {{1, 0, {"a", "b"}}, {2, 0, {"1", "22"}}}},
    /* the same with a quoted last field */
    {"test_last_line_without_newline: quoted", "a,b\n1,\"x y\"",
     {{1, 0, {"a", "b"}}, {2, 0, {"1", "x y"}}}},
    {"test_quoted_comma", "id,name,x\n1,\"Vientiane, Laos\",2\n",
     {{1, 0, {"id", "name", "x"}}, {2, 0, {"1", "Vientiane, Laos", "2"}}}},
    {"test_doubled_quotes", "\"The \"\"Lane Xang\"\" express\",\"\"\"\",end\n",
     {{1, 0, {"The \"Lane Xang\" express", "\"", "end"}}}},
    /* the record after a field with two line breaks starts on line 5 */
    {"test_embedded_newlines_and_lines", "h1,h2\n\"one\ntwo\nthree\",x\nnext,row\n",
     {{1, 0, {"h1", "h2"}}, {2, 0, {"one\ntwo\nthree", "x"}}, {5, 0, {"next", "row"}}}},
    /* CRLF inside a quoted field counts as one line, and is kept as written */
    {"test_embedded_newlines_and_lines: CRLF", "\"a\r\nb\",c\r\nd,e\r\n",
     {{1, 0, {"a\r\nb", "c"}}, {3, 0, {"d", "e"}}}},
    /* a CR alone inside quotes is a line break too */
    {"test_embedded_newlines_and_lines: CR", "\"a\rb\",c\rd\r",
     {{1, 0, {"a\rb", "c"}}, {3, 0, {"d"}}}},
    {"test_blank_lines_skipped", "\n\na,b\n\n\r\n\r1,2\n\n\n",
     {{3, 0, {"a", "b"}}, {7, 0, {"1", "2"}}}},
    /* unquoted fields lose surrounding spaces and tabs; quoted ones keep theirs */
    {"test_trimming", "  a  ,\tb\t, c d ,\" q \",  \"r\"  \n",
     {{1, 0, {"a", "b", "c d", " q ", "r"}}}},
    /* trailing spaces before CRLF */
    {"test_trimming: before CRLF", "x   \r\ny\t\r\n", {{1, 0, {"x"}}, {2, 0, {"y"}}}},
    {"test_empty_fields", ",,\na,\n,b\n\"\",x\n",
     {{1, 0, {"", "", ""}}, {2, 0, {"a", ""}}, {3, 0, {"", "b"}}, {4, 0, {"", "x"}}}},
    /* a trailing comma at the end of the buffer gives a last empty field */
    {"test_empty_fields: trailing comma", "a,", {{1, 0, {"a", ""}}}},
    {"test_unclosed_quote", "a,b\n1,\"never closed\n2,3\n",
     {{1, 0, {"a", "b"}}, {2, 1, {"1", ANY}}}},
    /* an unclosed quote right at the end of the buffer */
    {"test_unclosed_quote: at the end", "\"", {{1, 1, {ANY}}}},
    /* a quote inside an unquoted field; the flag is per record */
    {"test_stray_quotes", "ab\"c,d\nok,ok\n", {{1, 1, {ANY, ANY}}, {2, 0, {"ok", "ok"}}}},
    /* text after a closing quote */
    {"test_stray_quotes: after the closing quote", "\"ab\"cd,e\n", {{1, 1, {ANY, "e"}}}},
    {"test_empty_input", "", {{0}}},
    {"test_empty_input: blank lines", "\n\r\n\r", {{0}}},
};

/* reads the next record and checks it */
static void expect_rec(reader *r, const rec *want)
{
    assert_int_equal(lx_csv_next(&r->c), 1);
    assert_int_equal(r->c.line, want->line);
    assert_int_equal(r->c.bad_quote, want->bad_quote);
    uint32_t i = 0;
    for (; i < FX_COUNT(want->f) && want->f[i]; i++) {
        assert_true(i < r->c.nf);
        if (want->f[i] == ANY)
            continue;
        assert_string_equal(r->c.f[i], want->f[i]);
        assert_int_equal(r->c.len[i], strlen(want->f[i]));
    }
    assert_int_equal(r->c.nf, i);
}

static void expect_end(reader *r)
{
    assert_int_equal(lx_csv_next(&r->c), 0);
    /* and it stays at the end */
    assert_int_equal(lx_csv_next(&r->c), 0);
}

static void test_case(void **state)
{
    const csv_case *c = *state;
    reader r;
    open_s(&r, c->text);
    for (size_t i = 0; i < FX_COUNT(c->recs) && c->recs[i].line; i++)
        expect_rec(&r, &c->recs[i]);
    expect_end(&r);
    close_r(&r);
}

static void test_many_fields(void **state)
{
    (void)state;
    /* more fields than the initial capacity (32) */
    char text[1024];
    size_t o = 0;
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%s%d", i ? "," : "", i);
    text[o++] = '\n';
    text[o] = 0;
    reader r;
    open_s(&r, text);
    assert_int_equal(lx_csv_next(&r.c), 1);
    assert_int_equal(r.c.nf, 100);
    for (int i = 0; i < 100; i++) {
        char want[8];
        snprintf(want, sizeof want, "%d", i);
        assert_string_equal(r.c.f[i], want);
    }
    expect_end(&r);
    close_r(&r);
}

static void test_offset_progresses(void **state)
{
    (void)state;
    reader r;
    const char *text = "a,b\n1,2\n";
    open_s(&r, text);
    char *start = r.c.p;
    assert_int_equal(lx_csv_offset(&r.c, start), 0);
    assert_int_equal(lx_csv_next(&r.c), 1);
    assert_int_equal(lx_csv_offset(&r.c, start), 4);
    assert_int_equal(lx_csv_next(&r.c), 1);
    assert_int_equal(lx_csv_offset(&r.c, start), strlen(text));
    expect_end(&r);
    close_r(&r);
}

static const struct CMUnitTest OTHERS[] = {
    cmocka_unit_test(test_many_fields),
    cmocka_unit_test(test_offset_progresses),
};

int main(void)
{
    struct CMUnitTest tests[FX_COUNT(CASES) + FX_COUNT(OTHERS)];
    size_t k = 0;
    for (size_t i = 0; i < FX_COUNT(CASES); i++)
        tests[k++] = (struct CMUnitTest){CASES[i].name, test_case, NULL, NULL, (void *)&CASES[i]};
    for (size_t i = 0; i < FX_COUNT(OTHERS); i++)
        tests[k++] = OTHERS[i];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
