#!/usr/bin/env bash
# The resident memory an empty C++ program has once it links the libraries pve-exporter links
# (as Debian 12 packages them), next to the exporter itself: how much of the exporter's idle RSS
# is the dependency stack's. Usage: scripts/rss-floor.sh [build dir]   (docs/performance.md)
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/empty.cpp" <<'CPP'
#include <cstdio>
#include <cstring>
int main() {
  FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  char line[256];
  while (f && std::fgets(line, sizeof line, f))
    if (std::strncmp(line, "Rss:", 4) == 0) std::fputs(line + 4, stdout);
  return 0;
}
CPP
measure() {  # label, libraries...
  local label=$1
  shift
  g++ -O2 "$work/empty.cpp" -o "$work/empty" -Wl,--no-as-needed "$@"
  printf '%-44s %s\n' "$label" "$("$work/empty" | tr -s ' ')"
}
measure "empty program (libstdc++, libc)"
measure "+ cpp-httplib (OpenSSL, brotli, zlib)" -lcpp-httplib
measure "+ spdlog fmt yaml-cpp simdjson crypt" -lcpp-httplib -lspdlog -lfmt -lyaml-cpp -lsimdjson -lcrypt
measure "+ libsystemd" -lcpp-httplib -lspdlog -lfmt -lyaml-cpp -lsimdjson -lcrypt -lsystemd
measure "+ libcurl (the whole stack)" -lcpp-httplib -lspdlog -lfmt -lyaml-cpp -lsimdjson -lcrypt -lsystemd -lcurl
if [ -x "$build/pve-exporter" ]; then
  port=$((20000 + RANDOM % 20000))
  "$build/pve-exporter" --web.listen-address "127.0.0.1:$port" --log.level error &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && break; sleep 0.05; done
  printf '%-44s %s\n' "pve-exporter, idle after start" "$(awk '/^Rss:/ {print $2 " kB"}' "/proc/$pid/smaps_rollup")"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
fi
