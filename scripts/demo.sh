#!/usr/bin/env bash
# `make demo`: start pve-sim (a simulated PVE cluster) and the exporter against it; Ctrl-C stops both.
# With PVE_HOST set (and credentials in the environment), the exporter talks to that host instead.
set -euo pipefail
build=${1:-build}
[ $# -gt 0 ] && shift
listen=${DEMO_LISTEN:-127.0.0.1:9221}
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

args=(--web.listen-address "$listen")
if [ -z "${PVE_HOST:-}" ]; then
  sim=$build/tools/pve-sim/pve-sim
  if [ ! -x "$sim" ]; then
    echo "demo: $sim is not built and PVE_HOST is not set" >&2
    exit 1
  fi
  token='demo@pve!exporter=5e1f0c8a-demo-demo-demo-000000000000'
  "$sim" --listen 127.0.0.1:0 --port-file "$work/port" --cert-out "$work/ca.pem" \
    --nodes "${DEMO_NODES:-3}" --guests-per-node "${DEMO_GUESTS:-12}" --token "$token" >"$work/sim.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { echo "demo: pve-sim did not start:" >&2; cat "$work/sim.log" >&2; exit 1; }
  port=$(cat "$work/port")
  printf '%s' "${token#*=}" >"$work/token"
  chmod 600 "$work/token"
  # A module for /pve (the prometheus-pve-exporter style endpoint); the simulator's certificate
  # is self-signed, and modules have no CA option, so the module skips verification.
  token_user=${token%%!*}
  token_name=${token#*!}
  token_name=${token_name%%=*}
  cat >"$work/config.yml" <<YAML
modules:
  default:
    user: "$token_user"
    token_name: "$token_name"
    token_value: "${token#*=}"
    verify_ssl: false
YAML
  chmod 600 "$work/config.yml"
  args+=(--config.file "$work/config.yml" --api.host "127.0.0.1:$port" --api.token-id "${token%%=*}"
         --api.token-secret-file "$work/token" --api.ca-file "$work/ca.pem")
  echo "demo: pve-sim serves a simulated cluster at https://127.0.0.1:$port"
  echo "demo: peer-compatible endpoint:  curl -s 'http://$listen/pve?target=127.0.0.1:$port&module=default' | head"
fi
"$build/pve-exporter" "${args[@]}" "$@" &
pids+=($!)
echo "demo: exporter at http://$listen/   try:  curl -s http://$listen/metrics | grep ^pve_ | head"
echo "demo: Ctrl-C stops both"
wait -n "${pids[@]}"
