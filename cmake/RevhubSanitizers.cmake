# REVHUB_SANITIZE=address;undefined (or thread) builds everything with the
# named sanitizers. `./dev test` builds its tree (build-test/) with
# address;undefined under clang; every undefined-behaviour report is fatal
# (-fno-sanitize-recover), so a test that triggers one fails.
#
# REVHUB_FUZZ=ON (clang only) also instruments every object for libFuzzer's
# coverage (-fsanitize=fuzzer-no-link) and builds the fuzz targets of
# tests/fuzz, which link the same objects with -fsanitize=fuzzer: the code is
# compiled once for the tests and the fuzzers.
set(REVHUB_SANITIZE "" CACHE STRING "Sanitizers to build with: address;undefined or thread")
option(REVHUB_FUZZ "Build the libFuzzer targets (tests/fuzz); needs clang" OFF)
if(REVHUB_SANITIZE)
  string(REPLACE ";" "," _revhub_san "${REVHUB_SANITIZE}")
  add_compile_options(-fsanitize=${_revhub_san} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${_revhub_san})
  if("undefined" IN_LIST REVHUB_SANITIZE)
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()
if(REVHUB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "REVHUB_FUZZ needs clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
