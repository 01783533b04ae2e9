#!/usr/bin/env bash
# scrape-ab.sh: two exporter binaries against one pve-sim, scraped alternately, so that both
# see the same machine at the same time (a shared VM's speed drifts by 10-30 % within minutes).
# Per scrape: the exporter's CPU time (perf stat task-clock, ns-precise, all threads) and page
# faults; at the end the mean and median of each and both processes' peak RSS (VmHWM).
#
#   scripts/scrape-ab.sh OLD_BINARY NEW_BINARY [rounds]
#   NODES=10 GUESTS=1000 COMPRESS=1 scripts/scrape-ab.sh /tmp/old/build/pve-exporter build/pve-exporter 10
#
# Needs `perf` (Debian linux-perf). Uses build/tools/pve-sim/pve-sim (BUILD to change).
# Talks to loopback only; starts and stops every process itself.
set -euo pipefail
old=$1
new=$2
rounds=${3:-8}
build=${BUILD:-build}
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

token='ab@pve!ab=0123456789abcdef'
"$build/tools/pve-sim/pve-sim" --listen 127.0.0.1:0 --port-file "$work/port" --cert-out "$work/ca.pem" \
  --nodes "${NODES:-10}" --guests-per-node "${GUESTS:-1000}" --static --threads 128 --token "$token" \
  >"$work/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do [ -s "$work/port" ] && break; sleep 0.05; done
printf '%s' "${token#*=}" >"$work/secret"
chmod 600 "$work/secret"

free_port() {
  local p=$((20000 + RANDOM % 40000))
  while ss -ltnH "sport = :$p" | grep -q .; do p=$((20000 + RANDOM % 40000)); done
  echo "$p"
}
start() {  # binary port
  "$1" --web.listen-address "127.0.0.1:$2" --api.host "127.0.0.1:$(cat "$work/port")" \
    --api.token-id "${token%%=*}" --api.token-secret-file "$work/secret" --api.ca-file "$work/ca.pem" \
    --log.level warn >"$work/exporter-$2.log" 2>&1 &
  pids+=($!)
  echo $!
}
port_a=$(free_port)
pid_a=$(start "$old" "$port_a")
port_b=$(free_port)
pid_b=$(start "$new" "$port_b")
for p in "$port_a" "$port_b"; do
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$p/-/healthy" >/dev/null 2>&1 && break; sleep 0.05; done
done
encoding=()
[ "${COMPRESS:-0}" = 1 ] && encoding=(-H 'Accept-Encoding: gzip')
for p in "$port_a" "$port_b"; do  # warm-up: connections, workers, pools
  curl -s "${encoding[@]}" -o /dev/null "http://127.0.0.1:$p/metrics"
done
measure() {  # pid port -> "cpu_ms faults"
  perf stat -x, -e task-clock,page-faults -p "$1" -- \
    curl -s "${encoding[@]}" -o /dev/null "http://127.0.0.1:$2/metrics" 2>&1 >/dev/null |
    awk -F, '$3 == "task-clock" || $3 ~ /task-clock/ {c = $1} $3 ~ /page-faults/ {f = $1} END {print c, f}'
  sleep 0.25  # the answer is out; let the exporter hand memory back
}
for _ in $(seq 1 "$rounds"); do
  echo "old $(measure "$pid_a" "$port_a")"
  echo "new $(measure "$pid_b" "$port_b")"
done >"$work/results"
hwm() { awk '$1 == "VmHWM:" {printf "%.1f MB", $2 / 1024}' "/proc/$1/status"; }
for who in old new; do
  pid=$pid_a
  [ "$who" = new ] && pid=$pid_b
  awk -v w="$who" '$1 == w {print $2, $3}' "$work/results" | sort -n | awk -v w="$who" -v h="$(hwm "$pid")" \
    '{c[NR] = $1; s += $1; f += $2} END {printf "%s: cpu_ms mean %.1f median %.1f, page faults %.0f, peak RSS %s (%d scrapes)\n", w, s / NR, c[int((NR + 1) / 2)], f / NR, h, NR}'
done
