# revhub_target_warnings(TARGET): the project's warning set on one target.
# Generated protobuf code is built without it (it is not ours to fix).
# -Woverloaded-virtual is left out: gRPC callback services override one
# overload of each generated method by design. The project builds with g++
# (build/, ./dev run and ./dev test) and with clang (the sanitized tree,
# build-test/); flags only one of them knows are given to that one alone.
function(revhub_target_warnings target)
  set(only_gcc "")
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # A local that hides another local; clang has no "=local" form.
    set(only_gcc -Wshadow=local)
  endif()
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic ${only_gcc} -Wnon-virtual-dtor
    -Wcast-align -Wunused
    -Wimplicit-fallthrough -Wno-missing-field-initializers)
  if(REVHUB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

option(REVHUB_WERROR "Treat warnings as errors" OFF)
