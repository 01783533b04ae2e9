#!/usr/bin/env bash
# End to end: the real binary on a free loopback port; scrape, promtool, formats, exit codes, SIGTERM.
set -euo pipefail
build=$1
bin=$build/pve-exporter
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)

"$bin" --web.listen-address "127.0.0.1:$port" 2>"$work/log" &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$port/-/healthy" >/dev/null || fail "not healthy: $(cat "$work/log")"

# Text format, validated by promtool.
curl -sf -D "$work/headers" "http://127.0.0.1:$port/metrics" >"$work/metrics.prom"
grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$work/headers" || fail "content type: $(cat "$work/headers")"
if command -v promtool >/dev/null; then
  promtool check metrics <"$work/metrics.prom" >"$work/promtool.out" 2>&1 || fail "promtool: $(cat "$work/promtool.out")"
  [ ! -s "$work/promtool.out" ] || fail "promtool findings: $(cat "$work/promtool.out")"
else
  echo "promtool not installed: lint skipped" >&2
fi
for series in 'pve_exporter_build_info{' 'process_resident_memory_bytes ' 'process_cpu_seconds_total ' \
  'process_open_fds ' 'process_max_fds ' 'process_start_time_seconds ' 'process_virtual_memory_bytes ' \
  'pve_exporter_collector_success{collector="exporter"} 1' 'pve_exporter_scrape_duration_seconds '; do
  grep -qF "$series" "$work/metrics.prom" || fail "missing $series"
done

# OpenMetrics on request, gzip on request.
curl -sf -H 'Accept: application/openmetrics-text; version=1.0.0' -D "$work/om.headers" \
  "http://127.0.0.1:$port/metrics" >"$work/metrics.om"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$work/om.headers" || fail "OM content type"
[ "$(tail -n 1 "$work/metrics.om")" = "# EOF" ] || fail "OpenMetrics output does not end with # EOF"
grep -q '^# TYPE process_cpu_seconds counter$' "$work/metrics.om" || fail "OM counter metadata keeps _total"
curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/metrics" | gunzip | grep -q '^process_max_fds ' || fail "gzip"

# Landing page, 404, 405.
curl -sf "http://127.0.0.1:$port/" | grep -q 'href="/metrics"' || fail "landing page"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")" = 404 ] || fail "404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "http://127.0.0.1:$port/metrics")" = 405 ] || fail "405"

# A second instance on the same port: one clear message, exit 1.
set +e
"$bin" --web.listen-address "127.0.0.1:$port" 2>"$work/second.log"
rc=$?
set -e
[ $rc -eq 1 ] || fail "second instance exited $rc"
grep -q "cannot listen on 127.0.0.1:$port: address already in use" "$work/second.log" || fail "message: $(cat "$work/second.log")"

# SIGTERM while idle: exit 0, quickly (bounded wait of 5 s; the note reports the measured time).
start=$(date +%s%N)
kill -TERM "$pid"
set +e
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
wait "$pid"
rc=$?
set -e
pid=
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc -eq 0 ] || fail "exit code after SIGTERM: $rc"
echo "SIGTERM to exit: ${elapsed_ms} ms"

# Configuration errors and checks.
set +e
"$bin" --log.level loud >/dev/null 2>"$work/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "bad log level exit $rc"
grep -q 'log.level: "loud" is not one of debug, info, warn, error' "$work/err" || fail "bad level message: $(cat "$work/err")"
"$bin" --config.check --api.host h --api.token-id 'u@pam!t' --api.token-secret topsecret >"$work/check" 2>&1 || fail "config.check exit"
grep -q topsecret "$work/check" && fail "secret in --config.check output"
grep -q 'configuration is valid' "$work/check" || fail "config.check output"
"$bin" --version >"$work/version"; grep -q "^pve-exporter version " "$work/version" || fail "--version"
"$bin" --help >"$work/help"; grep -q -- "--web.telemetry-path" "$work/help" || fail "--help"
echo "exporter basics: ok"
