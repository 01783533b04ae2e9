# Generates version.cpp from `git describe` at configure time; feeds --version and build_info.
# CMake re-configures when HEAD moves (a commit, a checkout), so the version never goes stale.
# -DPVEX_VERSION_OVERRIDE=1.2.3 (and -DPVEX_REVISION_OVERRIDE=<sha>) set them where there is no
# git checkout, e.g. a container build from a source tarball.
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
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --path-format=absolute --git-path logs/HEAD
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE _head_log
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND EXISTS "${_head_log}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_head_log}")
  endif()
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --abbrev-ref HEAD
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE _branch
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _branch)
    set(PVEX_BRANCH "${_branch}")
  endif()
endif()
if(PVEX_VERSION_OVERRIDE)
  set(PVEX_VERSION "${PVEX_VERSION_OVERRIDE}")
endif()
if(PVEX_REVISION_OVERRIDE)
  set(PVEX_REVISION "${PVEX_REVISION_OVERRIDE}")
endif()
# Plain digits-only versions for packaging (CPack), e.g. "0.1.0" from "0.1.0-3-gabc".
string(REGEX MATCH "^[0-9]+\\.[0-9]+\\.[0-9]+" PVEX_VERSION_NUMERIC "${PVEX_VERSION}")
if(NOT PVEX_VERSION_NUMERIC)
  set(PVEX_VERSION_NUMERIC "0.0.0")
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/version.cpp.in ${CMAKE_BINARY_DIR}/generated/version.cpp @ONLY)
