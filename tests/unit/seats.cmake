# The seat map: the engine's sellable-seat predicate through the booking store
# (lx_book_seat_map), on the built-in feed with a store in memory.
lx_add_test(test_seats SOURCES tests/unit/test_seats.c LIBS lanxang_view lanxang_store)
