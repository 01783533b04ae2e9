#!/usr/bin/env bash
# make container-test: build the image with podman (shared/container-testing.md recipe), run it
# read-only against pve-sim on loopback, check /metrics, the user, the health check; clean up.
# Where podman cannot run at all, prints "SKIP: <why>" and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
BUILD_DIR=${BUILD_DIR:-build}
IMAGE=${IMAGE:-localhost/pve-exporter:test}
BASE=docker.io/library/debian:bookworm-slim
NAME=pvex-ctest-$$
WORK=$(mktemp -d /tmp/pvex-ctest.XXXXXX)
PODMAN=(podman --runtime runc)
SIM_PID=

skip() { echo "SKIP: container-test: $*"; exit 0; }
log() { echo "container-test: $*"; }
die() { echo "container-test: FAIL: $*" >&2; exit 1; }

cleanup() {
  local status=$?
  set +e
  if "${PODMAN[@]}" container exists "$NAME" 2>/dev/null; then
    "${PODMAN[@]}" logs "$NAME" > "$WORK/container.log" 2>&1
    "${PODMAN[@]}" rm -f -t 5 "$NAME" >/dev/null 2>&1
    [ "$status" = 0 ] || { echo "--- container log"; cat "$WORK/container.log"; }
  fi
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. Tools.
need=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || skip "needs ${need[*]} and is not root to install them"
  log "installing podman runc debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -q -o DPkg::Lock::Timeout=600 \
    --no-install-recommends podman runc debootstrap uidmap >/dev/null \
    || skip "could not install podman/runc/debootstrap with apt-get"
fi

# 2. Podman's defaults trip over this kind of sandbox: no default ulimits, runc, host network.
if [ "$(id -u)" -eq 0 ] && ! grep -qs 'default_ulimits' /etc/containers/containers.conf; then
  mkdir -p /etc/containers
  printf '[containers]\ndefault_ulimits = []\n' >> /etc/containers/containers.conf
fi
"${PODMAN[@]}" info >/dev/null 2>"$WORK/info.err" \
  || skip "podman cannot run here: $(tail -n1 "$WORK/info.err")"

# 3. The base image, from Debian's archive instead of a registry. Trimmed like the official
# "slim" variant (no apt caches, docs, man pages or locales; dpkg told to skip them later too)
# so that the image size reported below means what it would mean with the real base image.
base_size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$BASE" 2>/dev/null || echo 0)
if [ "$base_size" -gt 150000000 ]; then
  log "re-creating $BASE: the existing one ($((base_size / 1024 / 1024)) MiB) is not trimmed"
  "${PODMAN[@]}" rmi -f "$BASE" >/dev/null 2>&1 || true
  base_size=0
fi
if [ "$base_size" -eq 0 ]; then
  log "creating $BASE with debootstrap (about 2 minutes)"
  rootfs=$WORK/rootfs
  debootstrap --variant=minbase bookworm "$rootfs" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log"; skip "debootstrap failed (no access to the Debian archive?)"; }
  cat > "$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
CFG
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda,locale}/* \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
  tar -C "$rootfs" -c . | "${PODMAN[@]}" import - "$BASE" >/dev/null 2>&1
  rm -rf "$rootfs"
fi

# 4. Build. --format docker keeps HEALTHCHECK (OCI drops it).
log "building $IMAGE"
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
"${PODMAN[@]}" build --network host --format docker -t "$IMAGE" \
  --build-arg VERSION="$version" --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" . >"$WORK/build.log" 2>&1 \
  || { tail -n 40 "$WORK/build.log"; die "podman build failed"; }
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
log "image size: $size bytes ($((size / 1024 / 1024)) MiB)"

# 5. Image metadata: non-root user, health check, port, labels.
user=$("${PODMAN[@]}" image inspect --format '{{.Config.User}}' "$IMAGE")
[ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] || die "image user is '$user'"
"${PODMAN[@]}" image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q healthcheck \
  || die "image has no HEALTHCHECK"
"${PODMAN[@]}" image inspect --format '{{json .Config.ExposedPorts}}' "$IMAGE" | grep -q 9221 \
  || die "image does not expose 9221"
"${PODMAN[@]}" image inspect --format '{{index .Labels "org.opencontainers.image.title"}}' "$IMAGE" \
  | grep -qx pve-exporter || die "OCI title label missing"
# Podman logs "unable to get systemd connection" for health-check timers where systemd does
# not run; that noise goes to podman.log, shown only on failure.
"${PODMAN[@]}" run --rm --network host "$IMAGE" --version >"$WORK/version.txt" 2>>"$WORK/podman.log" \
  || { cat "$WORK/version.txt" "$WORK/podman.log"; die "--version failed in the container"; }
log "version: $(head -n1 "$WORK/version.txt")"

# 6. A PVE to scrape: pve-sim on loopback, when the tree has it.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
mkdir -p "$WORK/etc"
chmod 0755 "$WORK" "$WORK/etc"
token_secret=0b6a4ed2-container-test-secret
if [ -d tools/pve-sim ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja >/dev/null
  cmake --build "$BUILD_DIR" --target pve-sim >/dev/null
  "$BUILD_DIR/tools/pve-sim/pve-sim" --listen 127.0.0.1:0 --port-file "$WORK/sim.port" \
    --cert-out "$WORK/etc/pve-ca.pem" --token "prometheus@pve!exporter=$token_secret" \
    --nodes 2 --guests-per-node 3 >"$WORK/sim.log" 2>&1 &
  SIM_PID=$!
  for _ in $(seq 100); do [ -s "$WORK/sim.port" ] && break; sleep 0.1; done
  [ -s "$WORK/sim.port" ] || { cat "$WORK/sim.log"; die "pve-sim did not start"; }
  SIM_PORT=$(cat "$WORK/sim.port")
  printf '%s\n' "$token_secret" > "$WORK/etc/token"
  cat > "$WORK/etc/config.yml" <<YAML
api:
  host: 127.0.0.1
  port: $SIM_PORT
  token_id: "prometheus@pve!exporter"
  token_secret_file: /etc/pve-exporter/token
  ca_file: /etc/pve-exporter/pve-ca.pem
web:
  listen_addresses: ["127.0.0.1:$PORT"]
YAML
  chmod 0644 "$WORK/etc/"*
  log "pve-sim on 127.0.0.1:$SIM_PORT"
else
  echo "container-test: note: tools/pve-sim not in this tree; scraping without a PVE target"
  printf 'web:\n  listen_addresses: ["127.0.0.1:%s"]\n' "$PORT" > "$WORK/etc/config.yml"
  chmod 0644 "$WORK/etc/config.yml"
fi

# 7. Run read-only, config mounted read-only, as the image's user.
"${PODMAN[@]}" run -d --name "$NAME" --network host --read-only \
  -v "$WORK/etc:/etc/pve-exporter:ro" -e PVE_EXPORTER_HEALTHCHECK_PORT="$PORT" \
  "$IMAGE" --config.file=/etc/pve-exporter/config.yml >/dev/null 2>>"$WORK/podman.log"
for _ in $(seq 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/-/healthy" 2>/dev/null && break
  "${PODMAN[@]}" container inspect --format '{{.State.Running}}' "$NAME" | grep -q true \
    || { "${PODMAN[@]}" logs "$NAME"; die "container exited"; }
  sleep 0.2
done
curl -fsS -o "$WORK/metrics.txt" "http://127.0.0.1:$PORT/metrics" \
  || { "${PODMAN[@]}" logs "$NAME"; die "GET /metrics failed"; }
grep -q '^pve_exporter_build_info{' "$WORK/metrics.txt" || die "/metrics lacks pve_exporter_build_info"
if [ -n "$SIM_PID" ]; then
  grep -Eq '^pve_[a-z_]+\{[^}]*node="' "$WORK/metrics.txt" \
    || { head -n 40 "$WORK/metrics.txt"; die "/metrics has no PVE node series from pve-sim"; }
fi
log "/metrics: $(grep -vc '^#' "$WORK/metrics.txt") samples"

uid=$("${PODMAN[@]}" exec "$NAME" id -u)
[ "$uid" != 0 ] || die "the exporter runs as root in the container"
log "runs as uid $uid"
"${PODMAN[@]}" healthcheck run "$NAME" 2>>"$WORK/podman.log" || die "health check failed"
log "health check: healthy"

"${PODMAN[@]}" stop -t 10 "$NAME" >/dev/null 2>>"$WORK/podman.log"
log "PASS (image $IMAGE, $((size / 1024 / 1024)) MiB)"
