# The booking life cycle over HTTP against a live server: offers, bookings,
# fulfilment, cancellation, every error code, and the race for the last seats.
add_test(NAME api_book COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/test_api_book.sh
                               $<TARGET_FILE:lanxang>)
set_tests_properties(api_book PROPERTIES TIMEOUT 180)

# Issue 5's passenger rules over HTTP and the command, each at its boundary: fares by
# passenger type and the fare quote, one trip at a time per document, changes, the
# refund fee kept, the bar after three cancelled holds.
add_test(NAME rules COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/test_rules.sh
                            $<TARGET_FILE:lanxang>)
set_tests_properties(rules PROPERTIES TIMEOUT 120)
