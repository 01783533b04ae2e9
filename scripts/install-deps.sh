#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the tests and the demo need; only what is missing.
# Idempotent: a machine that has everything runs no apt-get at all.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libcurl4-openssl-dev libcpp-httplib-dev libsimdjson-dev libyaml-cpp-dev libcli11-dev
  libspdlog-dev libfmt-dev libexpected-dev zlib1g-dev libssl-dev libcrypt-dev libsystemd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libdeflate-dev libisal-dev
  prometheus openssl curl python3
)
# Extra sets, by argument: `install-deps.sh cross` etc. add their own lists.
for extra in "$@"; do
  case "$extra" in
    valgrind) packages+=(valgrind) ;;
    systemd) packages+=(systemd) ;;
    *) echo "install-deps.sh: unknown package set '$extra'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: missing packages: ${missing[*]}; run as root (or install them) first" >&2
  exit 1
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The prometheus package would start a server under systemd; we only want promtool and the binary.
apt-get install -y -q --no-install-recommends "${missing[@]}"
