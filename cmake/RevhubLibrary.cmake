# revhub_cc_library(NAME name [SRCS ...] [HDRS ...] [DEPS ...] [PRIVATE_DEPS ...])
#
# One folder, one library. Declares a static library (an INTERFACE library
# when it has no SRCS) named `name`, whose public headers are HDRS, which may
# use DEPS (propagated to its users) and PRIVATE_DEPS (not propagated).
# Includes are written from the project root ("hub/store/store.h"), so every
# library puts the root on its include path. The project's warnings apply.
#
# Which libraries a library may use is written down in docs/architecture.md
# and checked by the layering test (tests/layering); DEPS here must agree.
function(revhub_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HDRS;DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT ARG_NAME)
    message(FATAL_ERROR "revhub_cc_library: NAME is required")
  endif()
  if(ARG_SRCS)
    add_library(${ARG_NAME} STATIC ${ARG_SRCS} ${ARG_HDRS})
    target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
    revhub_target_warnings(${ARG_NAME})
  else()
    add_library(${ARG_NAME} INTERFACE)
    target_include_directories(${ARG_NAME} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${ARG_NAME} INTERFACE ${ARG_DEPS} ${ARG_PRIVATE_DEPS})
  endif()
endfunction()
