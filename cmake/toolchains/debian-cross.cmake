# Shared part of the Debian cross toolchains: compilers <triplet>-gcc/g++, libraries and
# CMake package files from the multiarch directories /usr/lib/<triplet>, pkg-config limited to
# the target's .pc files, and qemu-user as the emulator for anything CMake wants to run.
# Expects PVEX_CROSS_TRIPLET, CMAKE_SYSTEM_PROCESSOR and PVEX_CROSS_QEMU from the caller.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${PVEX_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${PVEX_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${PVEX_CROSS_TRIPLET})

# Search the host's / (multiarch keeps the target's files apart by triplet) and the compiler's
# own sysroot; never pick up a build-machine library or package file.
set(CMAKE_FIND_ROOT_PATH /usr/${PVEX_CROSS_TRIPLET} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/cmake)

# pkg-config (cpp-httplib, libsystemd, libcrypt): only the target's .pc files.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${PVEX_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

find_program(PVEX_CROSS_QEMU_PATH ${PVEX_CROSS_QEMU})
if(PVEX_CROSS_QEMU_PATH)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${PVEX_CROSS_QEMU_PATH} -L /usr/${PVEX_CROSS_TRIPLET})
endif()
