# revhub_target_warnings(TARGET): the project's warning set on one target.
# Generated protobuf code is built without it (it is not ours to fix).
function(revhub_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor
    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference
    -Wimplicit-fallthrough -Wno-missing-field-initializers)
  if(REVHUB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

option(REVHUB_WERROR "Treat warnings as errors" OFF)
