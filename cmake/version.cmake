# Generates version.cpp from `git describe` at configure time; feeds --version and build_info.
find_package(Git QUIET)
set(PVEX_VERSION "0.0.0-dev")
set(PVEX_REVISION "unknown")
set(PVEX_BRANCH "unknown")
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git")
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --tags --always --dirty
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE _describe
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _describe)
    string(REGEX REPLACE "^v" "" PVEX_VERSION "${_describe}")
  endif()
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse HEAD WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE _rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _rev)
    set(PVEX_REVISION "${_rev}")
  endif()
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --abbrev-ref HEAD
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE _branch
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _branch)
    set(PVEX_BRANCH "${_branch}")
  endif()
endif()
# Plain digits-only versions for packaging (CPack), e.g. "0.1.0" from "0.1.0-3-gabc".
string(REGEX MATCH "^[0-9]+\\.[0-9]+\\.[0-9]+" PVEX_VERSION_NUMERIC "${PVEX_VERSION}")
if(NOT PVEX_VERSION_NUMERIC)
  set(PVEX_VERSION_NUMERIC "0.0.0")
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/version.cpp.in ${CMAKE_BINARY_DIR}/generated/version.cpp @ONLY)
