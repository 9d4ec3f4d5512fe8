# libFuzzer targets, included by CMakeLists.txt when LX_FUZZ is ON (clang only). The
# whole tree is then compiled with -fsanitize=fuzzer-no-link,address,undefined; the
# targets add libFuzzer's main. Run them with `make fuzz-smoke` / `make fuzz`
# (tests/fuzz/run.sh); docs/testing.md tells how to reproduce a crash.
function(lx_add_fuzzer name)
  cmake_parse_arguments(F "" "" "LIBS" ${ARGN})
  add_executable(${name} ${CMAKE_SOURCE_DIR}/tests/fuzz/${name}.c)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${F_LIBS})
endfunction()

lx_add_fuzzer(fuzz_csv LIBS lanxang_gtfs)
lx_add_fuzzer(fuzz_gtfs LIBS lanxang_server lanxang_gtfs)
lx_add_fuzzer(fuzz_api LIBS lanxang_server lanxang_gtfs PkgConfig::JANSSON)
lx_add_fuzzer(fuzz_booking LIBS lanxang_server lanxang_gtfs PkgConfig::JANSSON)
