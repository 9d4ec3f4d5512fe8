/* The seat map of a journey (see seats.h). */
#include "view/seats.h"

#include <string.h>

#include "view/view.h"

lx_err lx_view_seat_journey(const lx_net *net, const char *train, const char *date,
                            const char *from, const char *to, const char *cls,
                            lx_journey *j, const char **one, char *msg, size_t msg_len,
                            const char **field)
{
    *one = NULL;
    lx_err e = lx_view_journey(net, train, date, from, to, j, msg, msg_len, field);
    if (e == LX_OK && cls && *cls && (e = lx_view_journey_class(j, cls, one, msg, msg_len)))
        *field = "class";
    return e;
}

const char *lx_view_quota_name(unsigned quota)
{
    return quota == LX_QUOTA_CROSS_BORDER    ? "cross_border"
           : quota == LX_QUOTA_LONG_DISTANCE ? "long_distance"
                                             : NULL;
}

static json_t *seat_object(const lx_book_seat *s)
{
    const char *q = lx_view_quota_name(s->info.quota);
    char letter[2] = {s->info.letter, 0};
    return json_pack("{s:s, s:i, s:s, s:b, s:b, s:b, s:o}", "seat", s->label, "row",
                     (int)s->info.row, "letter", letter, "window", (int)s->info.window,
                     "aisle", (int)s->info.aisle, "free", (int)s->sellable, "quota",
                     q ? json_string(q) : json_null());
}

/* {"class","free","coaches":[...]} of one class; seats in layout order, a coach's seats
 * next to each other. */
static json_t *class_object(const char *cls, const lx_book_seat *seats, uint32_t n)
{
    json_t *coaches = json_array(), *coach = NULL, *list = NULL;
    json_int_t free_seats = 0;
    int bad = !coaches;
    for (uint32_t i = 0; i < n && !bad; i++) {
        if (strcmp(seats[i].cls, cls) != 0)
            continue;
        if (!coach || i == 0 || seats[i - 1].info.coach != seats[i].info.coach ||
            strcmp(seats[i - 1].cls, cls) != 0) {
            list = json_array();
            coach = json_pack("{s:i, s:o}", "coach", (int)seats[i].info.coach, "seats",
                              list ? list : json_null());
            bad = !list || !coach || json_array_append_new(coaches, coach);
            if (bad)
                break;
        }
        free_seats += seats[i].sellable;
        bad = json_array_append_new(list, seat_object(&seats[i])) != 0;
    }
    if (bad) {
        json_decref(coaches);
        return NULL;
    }
    return json_pack("{s:s, s:I, s:o}", "class", cls, "free", free_seats, "coaches", coaches);
}

json_t *lx_view_seat_map(const lx_net *net, const lx_journey *j, const char *one,
                         const lx_book_seat *seats, uint32_t n)
{
    json_t *leg = lx_view_leg(net, &j->leg), *classes = json_array();
    json_t *out = NULL;
    if (!leg || !classes)
        goto done;
    for (uint32_t i = 0; i < j->n_classes; i++) {
        if (one && strcmp(one, j->classes[i]) != 0)
            continue;
        if (json_array_append_new(classes, class_object(j->classes[i], seats, n)))
            goto done;
    }
    out = json_pack("{s:s, s:s, s:O, s:O, s:O}", "train", j->train, "date", j->date, "from",
                    json_object_get(leg, "from"), "to", json_object_get(leg, "to"), "classes",
                    classes);
done:
    json_decref(leg);
    json_decref(classes);
    return out;
}
