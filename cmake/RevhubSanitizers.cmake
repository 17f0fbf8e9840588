# REVHUB_SANITIZE=address;undefined (or thread) builds everything with the
# named sanitizers, for the fault and crash tests run under them by hand.
set(REVHUB_SANITIZE "" CACHE STRING "Sanitizers to build with: address;undefined or thread")
if(REVHUB_SANITIZE)
  string(REPLACE ";" "," _revhub_san "${REVHUB_SANITIZE}")
  add_compile_options(-fsanitize=${_revhub_san} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${_revhub_san})
endif()
