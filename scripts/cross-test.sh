#!/usr/bin/env bash
# make cross-test: cross-compile pve-exporter for arm64 and armhf with Debian's cross compilers
# and the target architecture's Debian -dev packages (unpacked into a stage, see below), then run
# the binaries under qemu-user: --version for both, and for arm64 a scrape of pve-sim on
# loopback (when the tree has tools/pve-sim). Installs the compilers and qemu-user (as root).
# ARCHES="arm64" limits the set. Prints "SKIP: ..." and exits 0 only where the tools cannot be
# installed at all.
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

# The target's -dev packages. They are not installed: a private apt (own state and cache, the
# host's sources) resolves them for the target architecture against an empty system, downloads
# the whole dependency closure and unpacks it into a stage. Installing them as foreign
# packages (dpkg --add-architecture) would tie them to the host's exact versions (Multi-Arch:
# same), break on the two that are not multiarch (libsimdjson-dev, libyaml-cpp-dev) and put the
# machine's native build at risk; the stage needs none of that.
target_dev_pkgs=(libcurl4-openssl-dev libcpp-httplib-dev libsimdjson-dev libyaml-cpp-dev libcli11-dev
                 libspdlog-dev libfmt-dev libexpected-dev zlib1g-dev libssl-dev libcrypt-dev
                 libsystemd-dev libdeflate-dev libisal-dev)
# From the closure, the C library and compiler runtime development files stay out of the stage:
# the cross tool chain brings its own (their runtime libraries go in, for qemu).
skip_in_stage='^(libc6-dev|linux-libc-dev|libgcc-[0-9]+-dev|libstdc\+\+-[0-9]+-dev|libc-dev-bin|gcc-[0-9]+-base)_'

# 1. Tools on the build machine: native packages only (compilers, qemu-user).
host_pkgs=()
for arch in $ARCHES; do
  t=$(triplet_of "$arch")
  command -v "$t-g++" >/dev/null || host_pkgs+=("g++-$t")
done
command -v qemu-aarch64 >/dev/null && command -v qemu-arm >/dev/null || host_pkgs+=(qemu-user)
command -v file >/dev/null || host_pkgs+=(file)
if [ ${#host_pkgs[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || skip "needs ${host_pkgs[*]} and is not root to install them"
  log "installing ${host_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Refuse anything that would remove or change an installed package.
  sim=$(apt-get install -s -q --no-install-recommends "${host_pkgs[@]}" 2>&1 || true)
  if grep -Eq '^Remv |^Inst [^ ]+ \[' <<<"$sim"; then
    grep -E '^Remv |^Inst [^ ]+ \[' <<<"$sim" >&2
    die "installing ${host_pkgs[*]} would change installed packages; refusing"
  fi
  apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends "${host_pkgs[@]}" \
    >"$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log"; skip "apt-get could not install ${host_pkgs[*]}"; }
fi

# 2. Per architecture: stage the target's packages, configure, build, run --version.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stage_of() { echo "$BUILD_ROOT/stage-$1"; }
for arch in $ARCHES; do
  t=$(triplet_of "$arch")
  stage=$(stage_of "$arch")
  if [ ! -e "$stage/.done" ]; then
    log "$arch: staging ${#target_dev_pkgs[@]} -dev packages and their dependencies"
    apt_dir=$BUILD_ROOT/apt-$arch
    rm -rf "$stage" "$apt_dir"
    mkdir -p "$stage" "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial"
    : > "$apt_dir/state/status"
    apt_opts=(-o "Dir::State=$apt_dir/state" -o "Dir::State::status=$apt_dir/state/status"
              -o "Dir::Cache=$apt_dir/cache" -o "APT::Architecture=$arch"
              -o "APT::Architectures::=$arch" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" update -q >"$WORK/apt-update-$arch.log" 2>&1 \
      || log "$arch: warning: apt-get update reported errors (continuing with what it fetched)"
    apt-get "${apt_opts[@]}" install --download-only -y -q --no-install-recommends \
      "${target_dev_pkgs[@]}" >"$WORK/apt-download-$arch.log" 2>&1 \
      || { tail -n 30 "$WORK/apt-download-$arch.log"; skip "$arch: the target packages cannot be downloaded"; }
    n=0
    for deb in "$apt_dir"/cache/archives/*.deb; do
      [[ $(basename "$deb") =~ $skip_in_stage ]] && continue
      dpkg-deb -x "$deb" "$stage"
      n=$((n + 1))
    done
    # Library symlinks that point at absolute paths would leave the stage: make them relative.
    find "$stage" -type l -lname '/*' | while read -r link; do
      target=$(readlink "$link")
      [ -e "$stage$target" ] && ln -sfr "$stage$target" "$link"
    done
    touch "$stage/.done"
    log "$arch: staged $n packages in $stage"
  fi

  build=$BUILD_ROOT/$arch
  log "$arch: configuring and building in $build"
  cmake -S "$SRC" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchains/$(toolchain_of "$arch").cmake" \
    -DPVEX_CROSS_STAGE="$stage" -DPVEX_BUILD_TESTS=OFF -DPVEX_BUILD_BENCH=OFF \
    $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) \
    >"$WORK/configure-$arch.log" 2>&1 \
    || { tail -n 40 "$WORK/configure-$arch.log"; die "$arch: configure failed"; }
  cmake --build "$build" --target pve-exporter -j "$JOBS" >"$WORK/build-$arch.log" 2>&1 \
    || { grep -E -A3 'error|FAILED' "$WORK/build-$arch.log" | head -n 40; die "$arch: build failed"; }
  file_type=$(file -b "$build/pve-exporter")
  log "$arch: $file_type"
  case $arch in
    arm64) [[ $file_type == *"ARM aarch64"* ]] || die "$arch: not an aarch64 binary" ;;
    armhf) [[ $file_type == *"32-bit"*"ARM"* ]] || die "$arch: not a 32-bit ARM binary" ;;
  esac
  # Every library the binary needs must be in the stage: proves the link used target libraries.
  "$t-readelf" -d "$build/pve-exporter" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' > "$WORK/needed-$arch.txt"
  log "$arch: needs $(tr '\n' ' ' < "$WORK/needed-$arch.txt")"

  qemu=$(qemu_of "$arch")
  "$qemu" -L "$stage" "$build/pve-exporter" --version >"$WORK/version-$arch.txt" 2>&1 \
    || { cat "$WORK/version-$arch.txt"; die "$arch: --version under $qemu failed"; }
  log "$arch: $qemu: --version: $(head -n1 "$WORK/version-$arch.txt")"
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
    qemu-aarch64 -L "$(stage_of arm64)" "$BUILD_ROOT/arm64/pve-exporter" \
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
