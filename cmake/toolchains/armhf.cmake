# Cross toolchain for armhf (32-bit ARMv7, hard float) with Debian's cross compiler;
# the target's libraries come from the stage that scripts/cross-test.sh unpacks.
set(PVEX_CROSS_TRIPLET arm-linux-gnueabihf)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(PVEX_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
