# The waitlist (src/store/waitlist.c) over the booking store: fulfilment by an expiry,
# a cancel and a refund, oldest first, the cut-off, a crash between sale and row.
lx_add_test(test_waitlist SOURCES tests/unit/test_waitlist.c tests/unit/fixture.c
            LIBS lanxang_store)
