# Cross toolchain for arm64 (aarch64) with Debian's cross compiler;
# the target's libraries come from the stage that scripts/cross-test.sh unpacks.
set(PVEX_CROSS_TRIPLET aarch64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(PVEX_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
