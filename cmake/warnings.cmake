# pvex_warnings: the compiler settings our own targets share (never linked by third-party code).
add_library(pvex_warnings INTERFACE)
target_compile_options(pvex_warnings INTERFACE -Wall -Wextra -Wpedantic -Werror)
