#!/usr/bin/env bash
# `systemd-analyze verify` on packaging/systemd/pve-exporter.service (args: build dir, source
# dir). The unit's ExecStart points at the freshly built binary so the check is about the unit.
# Exit 77 (skip) when systemd-analyze is not installed (./scripts/install-deps.sh systemd).
set -euo pipefail
BUILD_DIR=$(cd "${1:-build}" && pwd)
SRC_DIR=$(cd "${2:-.}" && pwd)
UNIT=$SRC_DIR/packaging/systemd/pve-exporter.service

if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze not installed (./scripts/install-deps.sh systemd)"
  exit 77
fi
BIN=$BUILD_DIR/pve-exporter
[ -x "$BIN" ] || { echo "FAIL: $BIN not built"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/bin/pve-exporter|$BIN|" "$UNIT" > "$work/pve-exporter.service"
grep -q "^ExecStart=$BIN " "$work/pve-exporter.service" || { echo "FAIL: no ExecStart"; exit 1; }

# verify prints warnings and errors for the unit (and sometimes for unrelated system units in
# this container): keep the lines about our unit, and fail on any of them.
set +e
SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$work/pve-exporter.service" \
  > "$work/out.txt" 2>&1
rc=$?
set -e
ours=$(grep -F "pve-exporter.service" "$work/out.txt" || true)
if [ $rc -ne 0 ] || [ -n "$ours" ]; then
  echo "FAIL: systemd-analyze verify (exit $rc):"
  cat "$work/out.txt"
  exit 1
fi

# The properties that make it hardened must be there, as systemd parses them.
for want in "Type=notify" "ProtectSystem=strict" "ProtectHome=yes" "NoNewPrivileges=yes" \
            "PrivateTmp=yes" "CapabilityBoundingSet=" "ReadOnlyPaths=/proc" \
            "LoadCredential=pve-token:/etc/pve-exporter/token" "User=pve-exporter"; do
  grep -qx "$want" "$work/pve-exporter.service" || { echo "FAIL: unit lacks $want"; exit 1; }
done
echo "systemd-analyze verify: OK ($(systemd-analyze --version | head -n1))"
