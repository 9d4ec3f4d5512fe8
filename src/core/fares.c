/* Passenger fare types and the fares of one order (lanxang/fares.h).
 *
 * An order is priced in two passes over its passengers, with no memory but out[]:
 * the first checks each passenger against its type (fare type known, birth date given
 * and well formed when the type has an age bound, age within the bounds) and prices
 * it; the second seats the lap passengers (seat 0: infants) on the adults and students
 * who have a seat, one each, in order: the first infant on the first such passenger,
 * the second on the next, and so on. Errors are reported for the first passenger in
 * order that fails, so the same order always gets the same answer. */
#include "lanxang/fares.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const lx_fare_type DEFAULTS[LX_FARE_TYPE_COUNT] = {
    {LX_NONE, "adult", -1, -1, 100, 1},
    {LX_NONE, "child", 0, 13, 50, 1},
    {LX_NONE, "infant", 0, 5, 0, 0},
    {LX_NONE, "student", -1, -1, 75, 1},
};

/* Who may hold an infant: a passenger of one of these types with a seat. */
static int holds_lap(const lx_pax_fare *p)
{
    return p->seat && (strcmp(p->fare_type, "adult") == 0 || strcmp(p->fare_type, "student") == 0);
}

static int type_index(const char *type)
{
    for (int i = 0; i < LX_FARE_TYPE_COUNT; i++)
        if (strcmp(type, DEFAULTS[i].fare_type) == 0)
            return i;
    return -1;
}

int lx_fare_type_valid(const char *type)
{
    return type && *type && type_index(type) >= 0;
}

const lx_fare_type *lx_fare_defaults(uint32_t *n)
{
    if (n)
        *n = LX_FARE_TYPE_COUNT;
    return DEFAULTS;
}

/* The defaults, overridden by rows (the first row of a type wins). */
static void effective(const lx_fare_type *rows, uint32_t n_rows, uint32_t agency, int by_agency,
                      lx_fare_type out[LX_FARE_TYPE_COUNT])
{
    int set[LX_FARE_TYPE_COUNT] = {0};
    memcpy(out, DEFAULTS, sizeof DEFAULTS);
    for (uint32_t i = 0; i < n_rows; i++) {
        if (by_agency && rows[i].agency != agency)
            continue;
        char name[sizeof rows[i].fare_type + 1];
        memcpy(name, rows[i].fare_type, sizeof rows[i].fare_type);
        name[sizeof rows[i].fare_type] = '\0';
        int k = type_index(name);
        if (k < 0 || set[k])
            continue;
        out[k] = rows[i];
        set[k] = 1;
    }
}

uint32_t lx_fare_types_of(const lx_tt *tt, uint32_t agency, lx_fare_type out[LX_FARE_TYPE_COUNT])
{
    uint32_t n = 0;
    const lx_fare_type *rows = tt && agency != LX_NONE ? lx_tt_fare_types(tt, &n) : NULL;
    effective(rows, n, agency, 1, out);
    return LX_FARE_TYPE_COUNT;
}

/* ---- rounding ---- */

int64_t lx_price_step(const char *currency)
{
    if (currency && strcmp(currency, "LAK") == 0)
        return 1000; /* kip: to the thousand, the smallest note in use */
    if (currency && strcmp(currency, "CNY") == 0)
        return 50; /* 12306: to half a yuan */
    return 1;
}

/* v (>= 0) to the nearest multiple of step, half up. */
static int64_t round_to(int64_t v, int64_t step)
{
    return (v + step / 2) / step * step;
}

int64_t lx_price_round(int64_t amount, const char *currency)
{
    return amount < 0 ? amount : round_to(amount, lx_price_step(currency));
}

int64_t lx_price_percent(int64_t amount, int percent, const char *currency)
{
    if (amount < 0)
        return amount;
    /* in hundredths of the minor unit the product is exact, and half a step of the
     * currency is a whole number of them, so one rounding gives the exact answer */
    return round_to(amount * percent, lx_price_step(currency) * 100) / 100;
}

int lx_age_on(lx_date_t birth, lx_date_t day)
{
    int by, bm, bd, y, m, d;
    lx_date_to_ymd(birth, &by, &bm, &bd);
    lx_date_to_ymd(day, &y, &m, &d);
    int age = y - by;
    if (m < bm || (m == bm && d < bd))
        age--;
    return age;
}

/* ---- notes ---- */

/* v in units of 10^-decimals of the main unit, as "1,234.50" (trailing zeros beyond
 * keep decimals dropped), into buf (>= 40 bytes). */
static void fmt_amount(char *buf, size_t cap, int64_t v, int decimals, int keep)
{
    char digits[32];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag || nd <= decimals);
    /* digits[] holds the number backwards; digits[0 .. decimals-1] are the decimals */
    int drop = 0;
    while (drop < decimals - keep && digits[drop] == '0')
        drop++;
    size_t o = 0;
    if (v < 0 && o + 1 < cap)
        buf[o++] = '-';
    for (int i = nd - 1; i >= decimals && o + 1 < cap; i--) {
        buf[o++] = digits[i];
        if (i > decimals && (i - decimals) % 3 == 0 && o + 1 < cap)
            buf[o++] = ',';
    }
    if (decimals > drop && o + 1 < cap)
        buf[o++] = '.';
    for (int i = decimals - 1; i >= drop && o + 1 < cap; i--)
        buf[o++] = digits[i];
    buf[o] = '\0';
}

/* "198,000 LAK", "470.00 CNY", "12.34" (no currency). */
static void fmt_money(char *buf, size_t cap, int64_t minor, const char *currency)
{
    int dig = currency ? lx_currency_digits(currency) : 2;
    fmt_amount(buf, cap, minor, dig, dig);
    if (currency && *currency) {
        size_t o = strlen(buf);
        snprintf(buf + o, cap - o, " %s", currency);
    }
}

/* The exact product base * percent / 100 ("166,500 LAK", "34.875 CNY"). */
static void fmt_exact(char *buf, size_t cap, int64_t hundredths, const char *currency)
{
    int dig = currency ? lx_currency_digits(currency) : 2;
    fmt_amount(buf, cap, hundredths, dig + 2, dig);
    if (currency && *currency) {
        size_t o = strlen(buf);
        snprintf(buf + o, cap - o, " %s", currency);
    }
}

/* Appends to a NUL-terminated buffer of cap bytes, cutting what does not fit. */
static void append(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t o = strlen(buf);
    if (o + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + o, cap - o, fmt, ap);
    va_end(ap);
}

static void write_note(lx_pax_fare *p, lx_date_t travel_day, const char *currency)
{
    char *s = p->note;
    size_t cap = sizeof p->note;
    s[0] = '\0';
    append(s, cap, "%s", p->fare_type);
    if (p->age >= 0) {
        char day[11];
        lx_date_format(travel_day, 1, day);
        append(s, cap, " (age %d on %s)", p->age, day);
    }
    if (p->percent == 0)
        append(s, cap, ": free");
    else if (p->base < 0)
        append(s, cap, ": %u%% of the adult fare (not known)", p->percent);
    else {
        char b[48], amt[48];
        fmt_money(b, sizeof b, p->base, currency);
        fmt_money(amt, sizeof amt, p->amount, currency);
        append(s, cap, ": %u%% of %s = ", p->percent, b);
        int64_t h = p->base * p->percent;
        if (p->percent != 100 && h != p->amount * 100) {
            char exact[48];
            fmt_exact(exact, sizeof exact, h, currency);
            append(s, cap, "%s, rounded to ", exact);
        }
        append(s, cap, "%s", amt);
    }
    if (!p->seat)
        append(s, cap, ", no seat, on passenger %u's lap", (unsigned)p->lap_of + 1);
}

/* ---- the order ---- */

static lx_err refuse(lx_err e, const char *name, char rule[24], char *msg, size_t msg_len,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static lx_err refuse(lx_err e, const char *name, char rule[24], char *msg, size_t msg_len,
                     const char *fmt, ...)
{
    if (rule)
        snprintf(rule, 24, "%s", name);
    if (msg && msg_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msg_len, fmt, ap);
        va_end(ap);
    }
    return e;
}

/* The type after `from` (in the order infant, child, adult) whose ages include age:
 * what a passenger too old for `from` buys instead. */
static const char *instead(const lx_fare_type eff[LX_FARE_TYPE_COUNT], const char *from, int age)
{
    static const int order[] = {2, 1, 0}; /* infant, child, adult */
    int past = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        const lx_fare_type *t = &eff[order[i]];
        if (!past) {
            past = strcmp(t->fare_type, from) == 0;
            continue;
        }
        if ((t->min_age < 0 || age >= t->min_age) && (t->max_age < 0 || age <= t->max_age))
            return t->fare_type;
    }
    return NULL;
}

lx_err lx_fare_order_rules(const lx_fare_type *rules, uint32_t n_rules, lx_date_t travel_day,
                           int64_t base, const char *currency, uint32_t n,
                           const char *const types[], const char *const births[], lx_pax_fare out[],
                           int64_t *total, char rule[24], char *msg, size_t msg_len)
{
    lx_fare_type eff[LX_FARE_TYPE_COUNT];
    effective(rules, rules ? n_rules : 0, 0, 0, eff);
    if (total)
        *total = 0;
    if (rule)
        rule[0] = '\0';
    if (msg && msg_len)
        msg[0] = '\0';
    if (n == 0 || n > LX_FARE_MAX_PAX)
        return refuse(LX_INVAL, "passengers", rule, msg, msg_len,
                      "an order has 1 to %d passengers, not %u", LX_FARE_MAX_PAX, n);
    if (base >= LX_FARE_MAX_BASE)
        return refuse(LX_RANGE, "base", rule, msg, msg_len, "the adult fare %lld is too large",
                      (long long)base);
    char day[11];
    lx_date_format(travel_day, 1, day);

    int64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        const char *type = types && types[i] && *types[i] ? types[i] : "adult";
        const char *birth = births && births[i] && *births[i] ? births[i] : NULL;
        int k = type_index(type);
        if (k < 0)
            return refuse(LX_INVAL, "fare_type", rule, msg, msg_len,
                          "passenger %u: '%.20s' is not a fare type (adult, child, infant or "
                          "student)",
                          i + 1, type);
        const lx_fare_type *t = &eff[k];
        lx_pax_fare *p = &out[i];
        memset(p, 0, sizeof *p);
        snprintf(p->fare_type, sizeof p->fare_type, "%s", t->fare_type);
        p->age = -1;
        if (birth) {
            lx_date_t b;
            if (lx_date_parse(birth, strlen(birth), 1, &b) != LX_OK)
                return refuse(LX_INVAL, "birth_date", rule, msg, msg_len,
                              "passenger %u: birth date '%.20s' is not a date YYYY-MM-DD", i + 1,
                              birth);
            if (b > travel_day)
                return refuse(LX_INVAL, "birth_date", rule, msg, msg_len,
                              "passenger %u: birth date %s is after the day of travel %s", i + 1,
                              birth, day);
            p->age = lx_age_on(b, travel_day);
        }
        int bounded = t->min_age >= 0 || t->max_age >= 0;
        if (bounded && p->age < 0)
            return refuse(LX_RULE, "birth_date_required", rule, msg, msg_len,
                          "passenger %u (%s) needs a birth date: the %s fare depends on age", i + 1,
                          t->fare_type, t->fare_type);
        if ((t->min_age >= 0 && p->age < t->min_age) || (t->max_age >= 0 && p->age > t->max_age)) {
            char name[24], range[40];
            snprintf(name, sizeof name, "%s_age", t->fare_type);
            if (t->min_age >= 0 && t->max_age >= 0)
                snprintf(range, sizeof range, "ages %d to %d", t->min_age, t->max_age);
            else if (t->max_age >= 0)
                snprintf(range, sizeof range, "ages up to %d", t->max_age);
            else
                snprintf(range, sizeof range, "ages from %d", t->min_age);
            const char *alt =
                p->age > t->max_age && t->max_age >= 0 ? instead(eff, t->fare_type, p->age) : NULL;
            return refuse(LX_RULE, name, rule, msg, msg_len,
                          "passenger %u (%s) is %d on %s, and the %s fare is for %s%s%s%s", i + 1,
                          t->fare_type, p->age, day, t->fare_type, range, alt ? "; buy the " : "",
                          alt ? alt : "", alt ? " fare instead" : "");
        }
        p->base = base < 0 ? -1 : base;
        p->percent = t->percent;
        p->seat = t->seat;
        p->lap_of = LX_FARE_NO_LAP;
        if (base < 0)
            p->amount = -1;
        else if (t->percent == 100)
            p->amount = base;
        else
            p->amount = lx_price_percent(base, t->percent, currency);
        sum = base < 0 ? -1 : sum + p->amount;
    }

    /* the lap passengers, each on the next adult or student with a seat */
    uint32_t next = 0, laps = 0, holders = 0;
    for (uint32_t i = 0; i < n; i++) {
        laps += !out[i].seat;
        holders += holds_lap(&out[i]);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (out[i].seat)
            continue;
        while (next < n && !holds_lap(&out[next]))
            next++;
        if (next == n)
            return refuse(LX_RULE, "infant_per_adult", rule, msg, msg_len,
                          "passenger %u (%s) has no lap to travel on: each %s travels without a "
                          "seat on the lap of an adult or student of the same order, one each, "
                          "and this order has %u %s(s) for %u adult(s) or student(s); buy the "
                          "child fare (with a seat) for this one",
                          i + 1, out[i].fare_type, out[i].fare_type, laps, out[i].fare_type,
                          holders);
        out[i].lap_of = (uint8_t)next++;
    }
    for (uint32_t i = 0; i < n; i++)
        write_note(&out[i], travel_day, currency);
    if (total)
        *total = sum;
    return LX_OK;
}

lx_err lx_fare_order(const lx_tt *tt, uint32_t agency, lx_date_t travel_day, int64_t base,
                     const char *currency, uint32_t n, const char *const types[],
                     const char *const births[], lx_pax_fare out[], int64_t *total, char rule[24],
                     char *msg, size_t msg_len)
{
    lx_fare_type eff[LX_FARE_TYPE_COUNT];
    lx_fare_types_of(tt, agency, eff);
    return lx_fare_order_rules(eff, LX_FARE_TYPE_COUNT, travel_day, base, currency, n, types,
                               births, out, total, rule, msg, msg_len);
}
