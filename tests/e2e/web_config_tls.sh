#!/usr/bin/env bash
# The exporter binary with --web.config.file: HTTPS with basic auth over loopback (right, wrong
# and missing password), no plain HTTP, /-/healthy exempt only with --web.health-without-auth,
# and a malformed web config refused at start (exit 1, the key named).
# Args: build dir, source dir. Exit 77 (skip) without openssl, curl or python3.
set -euo pipefail
BUILD_DIR=$(cd "${1:-build}" && pwd)
BIN=$BUILD_DIR/pve-exporter
for tool in openssl curl python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ -x "$BIN" ] || { echo "FAIL: $BIN not built"; exit 1; }

work=$(mktemp -d)
pid=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap 'stop; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; [ -f "$work/log" ] && cat "$work/log"; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))')
[[ $hash == \$2* ]] || { echo "SKIP: python3 crypt cannot make bcrypt hashes here"; exit 77; }
cat > "$work/web.yml" <<YAML
tls_server_config:
  cert_file: cert.pem
  key_file: key.pem
http_server_config:
  headers:
    X-Content-Type-Options: nosniff
basic_auth_users:
  prometheus: $hash
YAML
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=https://127.0.0.1:$port
curl_tls=(curl -sS --max-time 10 --cacert "$work/cert.pem" -o "$work/body" -D "$work/headers" -w '%{http_code}')

start() {
  "$BIN" --web.listen-address="127.0.0.1:$port" --web.config.file="$work/web.yml" "$@" >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    code=$("${curl_tls[@]}" "$url/-/ready" 2>/dev/null || true)
    [ "$code" = 401 ] || [ "$code" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || fail "exporter exited"
    sleep 0.1
  done
  fail "exporter did not answer on $url"
}

start
[ "$("${curl_tls[@]}" -u prometheus:s3cret "$url/metrics")" = 200 ] || fail "right password: not 200"
grep -q '^pve_exporter_build_info{' "$work/body" || fail "/metrics body lacks build_info"
grep -qi '^X-Content-Type-Options: nosniff' "$work/headers" || fail "configured header missing"
[ "$("${curl_tls[@]}" -u prometheus:wrong "$url/metrics")" = 401 ] || fail "wrong password: not 401"
grep -qi '^WWW-Authenticate: Basic' "$work/headers" || fail "401 without WWW-Authenticate"
[ "$("${curl_tls[@]}" "$url/metrics")" = 401 ] || fail "missing password: not 401"
[ "$("${curl_tls[@]}" "$url/-/healthy")" = 401 ] || fail "/-/healthy open without --web.health-without-auth"
if curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$port/metrics"; then
  fail "plain HTTP answered on the TLS port"
fi
stop

start --web.health-without-auth
[ "$("${curl_tls[@]}" "$url/-/healthy")" = 200 ] || fail "/-/healthy not open with --web.health-without-auth"
[ "$("${curl_tls[@]}" "$url/metrics")" = 401 ] || fail "/metrics open with --web.health-without-auth"
stop

printf 'tls_server_config:\n  cert_file: cert.pem\n  keyfile: key.pem\n' > "$work/web.yml"
set +e
"$BIN" --web.listen-address="127.0.0.1:$port" --web.config.file="$work/web.yml" >"$work/log" 2>&1
rc=$?
set -e
[ $rc = 1 ] || fail "malformed web config: exit $rc, want 1"
grep -q "tls_server_config.keyfile (line 3): unknown key (did you mean 'key_file'?)" "$work/log" \
  || fail "malformed web config: the key is not named"
echo "web config over TLS: OK"
