# Script mode (cmake -P), run at install time: writes pve-exporter.1.gz from
# packaging/pve-exporter.1.in with the OPTIONS section taken from `pve-exporter --help`.
# Variables: PVEX_BINARY, PVEX_TEMPLATE, PVEX_VERSION, PVEX_OUTPUT, optional PVEX_EMULATOR
# (a list; empty when the binary runs natively), PVEX_CAN_RUN (OFF when cross-compiling
# without an emulator: the section then points to --help).
set(help "")
if(PVEX_CAN_RUN)
  execute_process(COMMAND ${PVEX_EMULATOR} ${PVEX_BINARY} --help OUTPUT_VARIABLE help
                  ERROR_VARIABLE help_err RESULT_VARIABLE rc TIMEOUT 30)
  if(NOT rc EQUAL 0)
    set(help "")
  endif()
endif()
if(help STREQUAL "")
  set(help "Run pve-exporter --help for the full list of flags.")
endif()
# roff: escape backslashes, and protect lines that start with a dot or an apostrophe.
string(REPLACE "\\" "\\e" help "${help}")
string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
string(REGEX REPLACE "\n+$" "" help "${help}")
set(PVEX_HELP "${help}")
string(TIMESTAMP PVEX_MAN_DATE "%Y-%m-%d" UTC)  # honours SOURCE_DATE_EPOCH
get_filename_component(out_dir "${PVEX_OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${out_dir}")
string(REGEX REPLACE "\\.gz$" "" plain "${PVEX_OUTPUT}")
configure_file("${PVEX_TEMPLATE}" "${plain}" @ONLY)
execute_process(COMMAND gzip -9nf "${plain}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip ${plain} failed")
endif()
