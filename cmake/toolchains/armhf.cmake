# Cross toolchain for armhf (32-bit ARMv7, hard float) with Debian's cross compiler and
# multiarch -dev packages (dpkg --add-architecture armhf; scripts/cross-test.sh installs them).
set(PVEX_CROSS_TRIPLET arm-linux-gnueabihf)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(PVEX_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
