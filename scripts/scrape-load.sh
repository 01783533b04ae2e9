#!/usr/bin/env bash
# scrape-load.sh: the real exporter against pve-sim, measured from outside: CPU per scrape
# (utime+stime of /proc/<pid>/stat before and after each curl), wall time, answer size, peak
# resident memory (VmHWM) and resident memory after each answer (VmRSS).
#
#   scripts/scrape-load.sh [build-dir]
#   NODES=10 GUESTS=1000 SCRAPES=5 COMPRESS=0 scripts/scrape-load.sh build
#
# Environment: NODES, GUESTS (per node), SCRAPES (measured, after one warm-up), COMPRESS=1 (ask for
# gzip like Prometheus does), EXTRA (more exporter flags, e.g. "--no-guests.per-drive"), KEEP (a
# file to copy the last answer to).
# Talks to loopback only; starts and stops both processes itself.
set -euo pipefail
build=${1:-build}
nodes=${NODES:-10}
guests=${GUESTS:-1000}
scrapes=${SCRAPES:-5}
gzip=${COMPRESS:-0}
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

wait_file() {
  for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "scrape-load: $1 did not appear" >&2
  return 1
}

token='load@pve!load=0123456789abcdef'
"$build/tools/pve-sim/pve-sim" --listen 127.0.0.1:0 --port-file "$work/port" --cert-out "$work/ca.pem" \
  --nodes "$nodes" --guests-per-node "$guests" --static --threads 128 --token "$token" \
  >"$work/sim.log" 2>&1 &
pids+=($!)
wait_file "$work/port"
printf '%s' "${token#*=}" >"$work/secret"
chmod 600 "$work/secret"

# A free loopback port for the exporter.
port=$((20000 + RANDOM % 40000))
while ss -ltnH "sport = :$port" | grep -q .; do port=$((20000 + RANDOM % 40000)); done
# shellcheck disable=SC2086
"$build/pve-exporter" --web.listen-address "127.0.0.1:$port" --api.host "127.0.0.1:$(cat "$work/port")" \
  --api.token-id "${token%%=*}" --api.token-secret-file "$work/secret" --api.ca-file "$work/ca.pem" \
  --log.level warn ${EXTRA:-} >"$work/exporter.log" 2>&1 &
pid=$!
pids+=($pid)
for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && break; sleep 0.05; done

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
status_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"; }
curl_args=(-s -o "$work/body" -w '%{size_download} %{time_total}\n')
[ "$gzip" = 1 ] && curl_args+=(-H 'Accept-Encoding: gzip')

echo "pve-sim: $nodes nodes x $guests guests; exporter pid $pid; gzip=$gzip; extra='${EXTRA:-}'"
echo "idle before the first scrape: VmRSS $(($(status_kb VmRSS) / 1024)) MB"
curl "${curl_args[@]}" "http://127.0.0.1:$port/metrics" >/dev/null  # warm-up: connections, pools
printf '%-7s %12s %10s %12s %14s %14s\n' scrape cpu_ms wall_s bytes peak_rss_mb rss_after_mb
cpus=()
for i in $(seq 1 "$scrapes"); do
  c0=$(cpu_ticks)
  read -r bytes wall < <(curl "${curl_args[@]}" "http://127.0.0.1:$port/metrics")
  sleep 0.2  # the answer is sent; let the exporter hand memory back
  c1=$(cpu_ticks)
  cpus+=($(((c1 - c0) * 1000 / ticks)))
  printf '%-7s %12d %10s %12s %14.1f %14.1f\n' "$i" "${cpus[-1]}" "$wall" "$bytes" \
    "$(echo "$(status_kb VmHWM) / 1024" | bc -l)" "$(echo "$(status_kb VmRSS) / 1024" | bc -l)"
done
# CPU is read in clock ticks (10 ms): the mean over many scrapes is the figure to quote.
printf '%s\n' "${cpus[@]}" | sort -n | awk '{v[NR] = $1; s += $1}
  END {printf "cpu_ms per scrape: mean %.0f, median %d, min %d, max %d (%d scrapes)\n", s / NR,
       v[int((NR + 1) / 2)], v[1], v[NR], NR}'
echo "series in the last answer: $( ([ "$gzip" = 1 ] && gzip -dc "$work/body" || cat "$work/body") | grep -vc '^#')"
[ -n "${KEEP:-}" ] && cp "$work/body" "$KEEP"
true
