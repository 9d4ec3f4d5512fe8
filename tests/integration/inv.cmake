# Selling seats: the command (tests/integration/test_inv.sh) and the crash test of
# issues 3 and 5 (tests/crash: a booking and waitlist storm killed with SIGKILL, then
# verified; about 6 s, under ASan too; CRASH_ROUNDS in the environment changes its 5
# rounds).
add_test(NAME inv COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/test_inv.sh $<TARGET_FILE:lanxang>)

add_executable(lx_storm tests/crash/storm.c)
target_link_libraries(lx_storm PRIVATE lanxang_store Threads::Threads)
add_test(NAME crash COMMAND bash ${CMAKE_SOURCE_DIR}/tests/crash/crash.sh $<TARGET_FILE:lanxang>
                            $<TARGET_FILE:lx_storm>)
set_tests_properties(crash PROPERTIES TIMEOUT 240)
