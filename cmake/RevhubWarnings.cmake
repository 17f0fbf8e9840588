# revhub_target_warnings(TARGET): the project's warning set on one target.
# Generated protobuf code is built without it (it is not ours to fix).
# -Woverloaded-virtual is left out: gRPC callback services override one
# overload of each generated method by design.
function(revhub_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor
    -Wcast-align -Wunused
    -Wimplicit-fallthrough -Wno-missing-field-initializers)
  if(REVHUB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

option(REVHUB_WERROR "Treat warnings as errors" OFF)
