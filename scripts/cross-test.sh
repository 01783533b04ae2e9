#!/usr/bin/env bash
# make cross-test: cross-compile pve-exporter for arm64 and armhf with Debian's cross compilers
# and foreign-architecture -dev packages, then run the binaries under qemu-user: --version for
# both, and for arm64 a scrape of pve-sim on loopback (when the tree has tools/pve-sim).
# Installs what it needs (as root). ARCHES="arm64" limits the set. Prints "SKIP: ..." and exits
# 0 only where the tools cannot be installed at all.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
ARCHES=${ARCHES:-"arm64 armhf"}
BUILD_ROOT=${BUILD_ROOT:-$SRC/build-cross}
NATIVE_BUILD=${NATIVE_BUILD:-$SRC/build}
JOBS=${JOBS:-2}
WORK=$(mktemp -d /tmp/pvex-cross.XXXXXX)
PIDS=()

log() { echo "cross-test: $*"; }
die() { echo "cross-test: FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: cross-test: $*"; exit 0; }
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

triplet_of() { case $1 in arm64) echo aarch64-linux-gnu ;; armhf) echo arm-linux-gnueabihf ;; esac; }
toolchain_of() { case $1 in arm64) echo aarch64 ;; armhf) echo armhf ;; esac; }
qemu_of() { case $1 in arm64) echo qemu-aarch64 ;; armhf) echo qemu-arm ;; esac; }

# Foreign packages that are Multi-Arch: same, so they install beside the native ones.
foreign_pkgs=(libcurl4-openssl-dev libcpp-httplib-dev libspdlog-dev libfmt-dev zlib1g-dev
              libssl-dev libcrypt-dev libsystemd-dev libsimdjson14 libyaml-cpp0.7)
# libsimdjson-dev and libyaml-cpp-dev are not Multi-Arch: same: installing the foreign one would
# remove the native one. They are unpacked into a private staging prefix instead.
staged_pkgs=(libsimdjson-dev libyaml-cpp-dev libsimdjson14 libyaml-cpp0.7)

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  # Refuse anything that would remove a package: this machine's native build must survive.
  if apt-get install -s -q --no-install-recommends "$@" 2>&1 | grep -q '^Remv '; then
    apt-get install -s -q --no-install-recommends "$@" | grep '^Remv ' >&2
    die "installing $* would remove packages; refusing"
  fi
  apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends "$@" >"$WORK/apt.log" 2>&1 \
    || { tail -n 20 "$WORK/apt.log"; return 1; }
}

# 1. Tools and foreign libraries.
missing=()
for arch in $ARCHES; do
  t=$(triplet_of "$arch")
  command -v "$t-g++" >/dev/null || missing+=("g++-$t")
  for p in "${foreign_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p:$arch" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p:$arch")
  done
done
command -v qemu-aarch64 >/dev/null && command -v qemu-arm >/dev/null || missing+=(qemu-user)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || skip "needs ${missing[*]} and is not root to install them"
  for arch in $ARCHES; do
    dpkg --print-foreign-architectures | grep -qx "$arch" || dpkg --add-architecture "$arch"
  done
  log "installing ${missing[*]}"
  apt-get update -qq -o DPkg::Lock::Timeout=600 >/dev/null || skip "apt-get update failed"
  apt_install "${missing[@]}" || skip "apt-get could not install the cross tool chain"
fi

# 2. Per architecture: stage the non-multiarch -dev packages, configure, build, run.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for arch in $ARCHES; do
  t=$(triplet_of "$arch")
  stage=$BUILD_ROOT/stage-$arch
  if [ ! -e "$stage/.done" ]; then
    rm -rf "$stage" && mkdir -p "$stage/debs"
    (cd "$stage/debs" && apt-get download -q "${staged_pkgs[@]/%/:$arch}" >"$WORK/download.log" 2>&1) \
      || { cat "$WORK/download.log"; die "apt-get download ${staged_pkgs[*]} for $arch failed"; }
    for deb in "$stage"/debs/*.deb; do dpkg-deb -x "$deb" "$stage"; done
    touch "$stage/.done"
  fi

  build=$BUILD_ROOT/$arch
  log "$arch: configuring and building in $build"
  cmake -S "$SRC" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchains/$(toolchain_of "$arch").cmake" \
    -DCMAKE_PREFIX_PATH="$stage/usr" -DPVEX_BUILD_TESTS=OFF -DPVEX_BUILD_BENCH=OFF \
    ${CCACHE:+-DCMAKE_CXX_COMPILER_LAUNCHER=ccache} >"$WORK/configure-$arch.log" 2>&1 \
    || { tail -n 40 "$WORK/configure-$arch.log"; die "$arch: configure failed"; }
  cmake --build "$build" --target pve-exporter -j "$JOBS" >"$WORK/build-$arch.log" 2>&1 \
    || { grep -E 'error|FAILED' "$WORK/build-$arch.log" | head -n 30; die "$arch: build failed"; }
  file_type=$(file -b "$build/pve-exporter")
  log "$arch: $file_type"
  case $arch in
    arm64) [[ $file_type == *"ARM aarch64"* ]] || die "$arch: not an aarch64 binary" ;;
    armhf) [[ $file_type == *"32-bit"*"ARM"* ]] || die "$arch: not a 32-bit ARM binary" ;;
  esac

  qemu=$(qemu_of "$arch")
  "$qemu" -L "/usr/$t" "$build/pve-exporter" --version >"$WORK/version-$arch.txt" 2>&1 \
    || { cat "$WORK/version-$arch.txt"; die "$arch: --version under $qemu failed"; }
  log "$arch: $qemu: $(head -n1 "$WORK/version-$arch.txt")"
done

# 3. The arm64 binary under qemu scrapes pve-sim (native) on loopback.
if [[ " $ARCHES " == *" arm64 "* ]]; then
  if [ ! -d tools/pve-sim ]; then
    echo "cross-test: note: tools/pve-sim is not in this tree; the arm64 scrape step is skipped"
  else
    cmake -S "$SRC" -B "$NATIVE_BUILD" -G Ninja >/dev/null
    cmake --build "$NATIVE_BUILD" --target pve-sim -j "$JOBS" >/dev/null
    secret=cross-test-secret-0d9f
    "$NATIVE_BUILD/tools/pve-sim/pve-sim" --listen 127.0.0.1:0 --port-file "$WORK/sim.port" \
      --cert-out "$WORK/sim-ca.pem" --token "prometheus@pve!exporter=$secret" \
      --nodes 2 --guests-per-node 2 >"$WORK/sim.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do [ -s "$WORK/sim.port" ] && break; sleep 0.1; done
    [ -s "$WORK/sim.port" ] || { cat "$WORK/sim.log"; die "pve-sim did not start"; }
    printf '%s\n' "$secret" > "$WORK/token"
    port=$(free_port)
    cat > "$WORK/config.yml" <<YAML
api:
  host: 127.0.0.1
  port: $(cat "$WORK/sim.port")
  token_id: "prometheus@pve!exporter"
  token_secret_file: $WORK/token
  ca_file: $WORK/sim-ca.pem
web:
  listen_addresses: ["127.0.0.1:$port"]
YAML
    chmod 0600 "$WORK/config.yml" "$WORK/token"
    qemu-aarch64 -L /usr/aarch64-linux-gnu "$BUILD_ROOT/arm64/pve-exporter" \
      --config.file="$WORK/config.yml" >"$WORK/exporter.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 150); do
      curl -fsS -o /dev/null "http://127.0.0.1:$port/-/healthy" 2>/dev/null && break
      kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$WORK/exporter.log"; die "arm64 exporter exited"; }
      sleep 0.2
    done
    curl -fsS --max-time 60 -o "$WORK/metrics.txt" "http://127.0.0.1:$port/metrics" \
      || { cat "$WORK/exporter.log"; die "arm64: GET /metrics failed"; }
    grep -Eq '^pve_[a-z_]+\{[^}]*node="' "$WORK/metrics.txt" \
      || { head -n 40 "$WORK/metrics.txt"; die "arm64: /metrics has no PVE node series"; }
    log "arm64 under qemu scraped pve-sim: $(grep -vc '^#' "$WORK/metrics.txt") samples"
  fi
fi
log "PASS ($ARCHES)"
