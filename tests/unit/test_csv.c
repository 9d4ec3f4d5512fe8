/* Unit tests for src/gtfs/csv.c, the in-place CSV reader of the GTFS loader.
 *
 * Every input is copied into a heap buffer of exactly len + 1 bytes (the one spare
 * byte the reader may overwrite), so that under ASan any read or write past it is
 * caught. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* reads the next record and checks its line and fields (NULL-terminated list) */
static void expect_rec(reader *r, uint32_t line, ...)
{
    assert_int_equal(lx_csv_next(&r->c), 1);
    assert_int_equal(r->c.line, line);
    va_list ap;
    va_start(ap, line);
    uint32_t i = 0;
    for (const char *want; (want = va_arg(ap, const char *)); i++) {
        assert_true(i < r->c.nf);
        assert_string_equal(r->c.f[i], want);
        assert_int_equal(r->c.len[i], strlen(want));
    }
    va_end(ap);
    assert_int_equal(r->c.nf, i);
}

static void expect_end(reader *r)
{
    assert_int_equal(lx_csv_next(&r->c), 0);
    /* and it stays at the end */
    assert_int_equal(lx_csv_next(&r->c), 0);
}

static void test_simple_lf(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "stop_id,stop_name\nvte,Vientiane\nlpq,Luang Prabang\n");
    expect_rec(&r, 1, "stop_id", "stop_name", NULL);
    assert_int_equal(r.c.bad_quote, 0);
    expect_rec(&r, 2, "vte", "Vientiane", NULL);
    expect_rec(&r, 3, "lpq", "Luang Prabang", NULL);
    expect_end(&r);
    close_r(&r);
}

static void test_bom_is_skipped(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "\xEF\xBB\xBF" "agency_id,agency_name\r\na,B\r\n");
    expect_rec(&r, 1, "agency_id", "agency_name", NULL);
    expect_rec(&r, 2, "a", "B", NULL);
    expect_end(&r);
    close_r(&r);

    /* a BOM alone is an empty file */
    open_s(&r, "\xEF\xBB\xBF");
    expect_end(&r);
    close_r(&r);

    /* only a BOM at the very start is special: a second one is data */
    open_s(&r, "x\n\xEF\xBB\xBFy\n");
    expect_rec(&r, 1, "x", NULL);
    expect_rec(&r, 2, "\xEF\xBB\xBFy", NULL);
    expect_end(&r);
    close_r(&r);
}

static void test_crlf(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "a,b\r\n1,2\r\n3,4\r\n");
    expect_rec(&r, 1, "a", "b", NULL);
    expect_rec(&r, 2, "1", "2", NULL);
    expect_rec(&r, 3, "3", "4", NULL);
    expect_end(&r);
    close_r(&r);
}

static void test_cr_only(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "a,b\r1,2\r3,4\r");
    expect_rec(&r, 1, "a", "b", NULL);
    expect_rec(&r, 2, "1", "2", NULL);
    expect_rec(&r, 3, "3", "4", NULL);
    expect_end(&r);
    close_r(&r);
}

static void test_mixed_line_ends(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "a\nb\r\nc\rd");
    expect_rec(&r, 1, "a", NULL);
    expect_rec(&r, 2, "b", NULL);
    expect_rec(&r, 3, "c", NULL);
    expect_rec(&r, 4, "d", NULL);
    expect_end(&r);
    close_r(&r);
}

static void test_last_line_without_newline(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "a,b\n1,22");
    expect_rec(&r, 1, "a", "b", NULL);
    expect_rec(&r, 2, "1", "22", NULL);
    expect_end(&r);
    close_r(&r);

    /* the same with a quoted last field */
    open_s(&r, "a,b\n1,\"x y\"");
    expect_rec(&r, 1, "a", "b", NULL);
    expect_rec(&r, 2, "1", "x y", NULL);
    assert_int_equal(r.c.bad_quote, 0);
    expect_end(&r);
    close_r(&r);
}

static void test_quoted_comma(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "id,name,x\n1,\"Vientiane, Laos\",2\n");
    expect_rec(&r, 1, "id", "name", "x", NULL);
    expect_rec(&r, 2, "1", "Vientiane, Laos", "2", NULL);
    assert_int_equal(r.c.bad_quote, 0);
    expect_end(&r);
    close_r(&r);
}

static void test_doubled_quotes(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "\"The \"\"Lane Xang\"\" express\",\"\"\"\",end\n");
    expect_rec(&r, 1, "The \"Lane Xang\" express", "\"", "end", NULL);
    assert_int_equal(r.c.bad_quote, 0);
    expect_end(&r);
    close_r(&r);
}

static void test_embedded_newlines_and_lines(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "h1,h2\n\"one\ntwo\nthree\",x\nnext,row\n");
    expect_rec(&r, 1, "h1", "h2", NULL);
    expect_rec(&r, 2, "one\ntwo\nthree", "x", NULL);
    assert_int_equal(r.c.bad_quote, 0);
    /* the record after a field with two line breaks starts on line 5 */
    expect_rec(&r, 5, "next", "row", NULL);
    expect_end(&r);
    close_r(&r);

    /* CRLF inside a quoted field counts as one line, and is kept as written */
    open_s(&r, "\"a\r\nb\",c\r\nd,e\r\n");
    expect_rec(&r, 1, "a\r\nb", "c", NULL);
    expect_rec(&r, 3, "d", "e", NULL);
    expect_end(&r);
    close_r(&r);

    /* a CR alone inside quotes is a line break too */
    open_s(&r, "\"a\rb\",c\rd\r");
    expect_rec(&r, 1, "a\rb", "c", NULL);
    expect_rec(&r, 3, "d", NULL);
    expect_end(&r);
    close_r(&r);
}

static void test_blank_lines_skipped(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "\n\na,b\n\n\r\n\r1,2\n\n\n");
    expect_rec(&r, 3, "a", "b", NULL);
    expect_rec(&r, 7, "1", "2", NULL);
    expect_end(&r);
    close_r(&r);
}

static void test_trimming(void **state)
{
    (void)state;
    reader r;
    /* unquoted fields lose surrounding spaces and tabs; quoted ones keep theirs */
    open_s(&r, "  a  ,\tb\t, c d ,\" q \",  \"r\"  \n");
    expect_rec(&r, 1, "a", "b", "c d", " q ", "r", NULL);
    assert_int_equal(r.c.bad_quote, 0);
    expect_end(&r);
    close_r(&r);

    /* trailing spaces before CRLF */
    open_s(&r, "x   \r\ny\t\r\n");
    expect_rec(&r, 1, "x", NULL);
    expect_rec(&r, 2, "y", NULL);
    expect_end(&r);
    close_r(&r);
}

static void test_empty_fields(void **state)
{
    (void)state;
    reader r;
    open_s(&r, ",,\na,\n,b\n\"\",x\n");
    expect_rec(&r, 1, "", "", "", NULL);
    expect_rec(&r, 2, "a", "", NULL);
    expect_rec(&r, 3, "", "b", NULL);
    expect_rec(&r, 4, "", "x", NULL);
    assert_int_equal(r.c.bad_quote, 0);
    expect_end(&r);
    close_r(&r);

    /* a trailing comma at the end of the buffer gives a last empty field */
    open_s(&r, "a,");
    expect_rec(&r, 1, "a", "", NULL);
    expect_end(&r);
    close_r(&r);
}

static void test_unclosed_quote(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "a,b\n1,\"never closed\n2,3\n");
    expect_rec(&r, 1, "a", "b", NULL);
    assert_int_equal(r.c.bad_quote, 0);
    assert_int_equal(lx_csv_next(&r.c), 1);
    assert_int_equal(r.c.line, 2);
    assert_int_equal(r.c.bad_quote, 1);
    assert_int_equal(r.c.nf, 2);
    assert_string_equal(r.c.f[0], "1");
    expect_end(&r);
    close_r(&r);

    /* an unclosed quote right at the end of the buffer */
    open_s(&r, "\"");
    assert_int_equal(lx_csv_next(&r.c), 1);
    assert_int_equal(r.c.bad_quote, 1);
    expect_end(&r);
    close_r(&r);
}

static void test_stray_quotes(void **state)
{
    (void)state;
    reader r;
    /* a quote inside an unquoted field */
    open_s(&r, "ab\"c,d\nok,ok\n");
    assert_int_equal(lx_csv_next(&r.c), 1);
    assert_int_equal(r.c.bad_quote, 1);
    assert_int_equal(r.c.nf, 2);
    /* the flag is per record */
    expect_rec(&r, 2, "ok", "ok", NULL);
    assert_int_equal(r.c.bad_quote, 0);
    expect_end(&r);
    close_r(&r);

    /* text after a closing quote */
    open_s(&r, "\"ab\"cd,e\n");
    assert_int_equal(lx_csv_next(&r.c), 1);
    assert_int_equal(r.c.bad_quote, 1);
    assert_int_equal(r.c.nf, 2);
    assert_string_equal(r.c.f[1], "e");
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

static void test_empty_input(void **state)
{
    (void)state;
    reader r;
    open_s(&r, "");
    expect_end(&r);
    close_r(&r);
    open_s(&r, "\n\r\n\r");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_lf),
        cmocka_unit_test(test_bom_is_skipped),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_cr_only),
        cmocka_unit_test(test_mixed_line_ends),
        cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_quoted_comma),
        cmocka_unit_test(test_doubled_quotes),
        cmocka_unit_test(test_embedded_newlines_and_lines),
        cmocka_unit_test(test_blank_lines_skipped),
        cmocka_unit_test(test_trimming),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_unclosed_quote),
        cmocka_unit_test(test_stray_quotes),
        cmocka_unit_test(test_many_fields),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_offset_progresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
