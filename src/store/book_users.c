/* Who cancelled how many unpaid holds, and when (issue 5's rule cancel_limit: three
 * cancelled unpaid holds in a day bar a user from holding until the next day, as 12306
 * does).
 *
 * A user is whoever the hold names (lx_book_req.user: an account), else the lead
 * passenger's document by its keyed hash ("doc:" + hex), so the rule holds for people
 * who book without an account too; the name is kept in the order's extra lines
 * ("user=..."). Each user's three latest cancels are kept in memory, in an open
 * addressing table over FNV-1a of the name (64 bits: two users sharing a hash is
 * treated as about never happening). It is filled from the rows at open and when
 * catching up (every row of a cancelled order whose extra names a user), kept by each
 * cancel the leader applies, and taken back when a cancel is undone. Expired holds do
 * not count: the rule is about holds given up, not about slow payers.
 *
 * The day is the calendar day where the hold is asked: in the time zone of the new
 * journey's departure station. A user is barred when their three latest cancels all
 * fall on the day of now there; the bar lifts at the next local midnight. */
#include <stdlib.h>
#include <string.h>

#include "book_int.h"

#define CANCELS 3

struct bk_user {
    uint64_t key;                 /* 0: empty */
    lx_instant_t at[CANCELS];     /* the latest cancels, newest first; 0 none */
};

static uint64_t key_of(const char *user)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)user; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h ? h : 1;
}

/* The slot of key (empty when absent); NULL when the table is full. Under users_mu. */
static struct bk_user *slot(lx_book *b, uint64_t key)
{
    if (!b->users_cap)
        return NULL;
    for (uint32_t i = (uint32_t)key & (b->users_cap - 1), k = 0; k < b->users_cap;
         i = (i + 1) & (b->users_cap - 1), k++)
        if (b->users[i].key == key || b->users[i].key == 0)
            return &b->users[i];
    return NULL;
}

static int grow(lx_book *b)
{
    uint32_t cap = b->users_cap ? b->users_cap * 2 : 256;
    struct bk_user *old = b->users, *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    uint32_t old_cap = b->users_cap;
    b->users = t;
    b->users_cap = cap;
    for (uint32_t i = 0; i < old_cap; i++)
        if (old[i].key)
            *slot(b, old[i].key) = old[i];
    free(old);
    return 0;
}

void bk_user_cancel(lx_book *b, const char *user, lx_instant_t at, int add)
{
    if (!user || !*user)
        return;
    uint64_t key = key_of(user);
    pthread_mutex_lock(&b->users_mu);
    if (add && (b->users_n + 1) * 2 > b->users_cap && grow(b) != 0) {
        pthread_mutex_unlock(&b->users_mu);
        return; /* out of memory: the rule is not applied to this cancel */
    }
    struct bk_user *u = slot(b, key);
    if (u && add) {
        if (!u->key) {
            u->key = key;
            b->users_n++;
        }
        /* newest first; a row read late (another process's) finds its place */
        int i = CANCELS - 1;
        if (at > u->at[i]) {
            while (i > 0 && u->at[i - 1] < at) {
                u->at[i] = u->at[i - 1];
                i--;
            }
            u->at[i] = at;
        }
    } else if (u && u->key) {
        for (int i = 0; i < CANCELS; i++)
            if (u->at[i] == at) {
                memmove(&u->at[i], &u->at[i + 1], (size_t)(CANCELS - 1 - i) * sizeof u->at[0]);
                u->at[CANCELS - 1] = 0;
                break;
            }
    }
    pthread_mutex_unlock(&b->users_mu);
}

int bk_user_barred(lx_book *b, const char *user, const lx_tz *tz, lx_instant_t now,
                   lx_instant_t *until)
{
    if (!user || !*user)
        return 0;
    lx_instant_t at[CANCELS];
    pthread_mutex_lock(&b->users_mu);
    struct bk_user *u = slot(b, key_of(user));
    int known = u && u->key;
    if (known)
        memcpy(at, u->at, sizeof at);
    pthread_mutex_unlock(&b->users_mu);
    if (!known || !at[CANCELS - 1])
        return 0;
    lx_date_t today, day;
    int32_t secs;
    lx_tz_to_local(tz, now, &today, &secs);
    for (int i = 0; i < CANCELS; i++) {
        int32_t s2;
        lx_tz_to_local(tz, at[i], &day, &s2);
        if (day != today || at[i] > now)
            return 0;
    }
    /* the next local midnight, whatever the zone's offset does meanwhile */
    *until = now - secs + 86400;
    int32_t s3;
    lx_tz_to_local(tz, *until, &day, &s3);
    *until -= s3 > 43200 ? s3 - 86400 : s3;
    return 1;
}

void bk_users_free(lx_book *b)
{
    free(b->users);
    b->users = NULL;
    b->users_cap = b->users_n = 0;
}
