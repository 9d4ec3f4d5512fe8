# The waitlist over HTTP against a live server: requests made, shown, cancelled and
# refused; fulfilled by a cancelled hold and by expired holds; refunded at the cut-off.
add_test(NAME waitlist COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/test_waitlist.sh
                                $<TARGET_FILE:lanxang>)
set_tests_properties(waitlist PROPERTIES TIMEOUT 120)
