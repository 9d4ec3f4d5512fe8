# The booking life cycle over HTTP against a live server: offers, bookings,
# fulfilment, cancellation, every error code, and the race for the last seats.
add_test(NAME api_book COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/test_api_book.sh
                               $<TARGET_FILE:lanxang>)
set_tests_properties(api_book PROPERTIES TIMEOUT 180)
