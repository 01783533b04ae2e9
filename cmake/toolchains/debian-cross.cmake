# Shared part of the Debian cross toolchains: compilers <triplet>-gcc/g++ (C library from the
# cross packages under /usr/<triplet>), every other library and header from a staged sysroot
# (PVEX_CROSS_STAGE: the target's Debian packages unpacked by scripts/cross-test.sh, so nothing
# foreign is installed on the build machine), pkg-config limited to the stage, and qemu-user as
# the emulator for anything CMake wants to run.
# Expects PVEX_CROSS_TRIPLET, CMAKE_SYSTEM_PROCESSOR and PVEX_CROSS_QEMU from the caller.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${PVEX_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${PVEX_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${PVEX_CROSS_TRIPLET})

set(PVEX_CROSS_STAGE "" CACHE PATH "Unpacked target packages (usr/include, usr/lib/<triplet>)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PVEX_CROSS_STAGE)
if(NOT PVEX_CROSS_STAGE)
  message(FATAL_ERROR "PVEX_CROSS_STAGE is not set: run scripts/cross-test.sh, or pass "
                      "-DPVEX_CROSS_STAGE=<dir with the target's packages unpacked>")
endif()
set(_stage ${PVEX_CROSS_STAGE})
set(_t ${PVEX_CROSS_TRIPLET})

# Only the stage and the cross C library are searched; never a build-machine file.
set(CMAKE_FIND_ROOT_PATH ${_stage} /usr/${_t})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The cross compiler does not look in the stage by itself: headers (the triplet folder first,
# as a native multiarch compiler does) and the libraries' own dependencies at link time.
set(CMAKE_C_FLAGS_INIT "-isystem ${_stage}/usr/include/${_t} -isystem ${_stage}/usr/include")
set(CMAKE_CXX_FLAGS_INIT "${CMAKE_C_FLAGS_INIT}")
foreach(_dir ${_stage}/usr/lib/${_t} ${_stage}/lib/${_t})
  string(APPEND CMAKE_EXE_LINKER_FLAGS_INIT " -L${_dir} -Wl,-rpath-link,${_dir}")
  string(APPEND CMAKE_SHARED_LINKER_FLAGS_INIT " -L${_dir} -Wl,-rpath-link,${_dir}")
endforeach()

# pkg-config (cpp-httplib, libsystemd, libcrypt, curl, openssl): the stage's .pc files, with
# their /usr paths moved into the stage.
set(ENV{PKG_CONFIG_LIBDIR} "${_stage}/usr/lib/${_t}/pkgconfig:${_stage}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${_stage}")

# qemu-user with the stage as its root: the target's dynamic loader and libraries are there.
find_program(PVEX_CROSS_QEMU_PATH ${PVEX_CROSS_QEMU})
if(PVEX_CROSS_QEMU_PATH)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${PVEX_CROSS_QEMU_PATH} -L ${_stage})
endif()
