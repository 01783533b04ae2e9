#!/usr/bin/env bash
# promtool check + unit tests of rules/zfs.yml (tests/rules/zfs_test.yml). Args: build dir, source dir.
# Exit 77 (skipped) when promtool is not installed.
set -euo pipefail
src=${2:?usage: zfs_rules.sh BUILD_DIR SOURCE_DIR}
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool not installed: skipping" >&2
  exit 77
fi
promtool check rules "$src/rules/zfs.yml"
cd "$src/tests/rules"
promtool test rules zfs_test.yml
