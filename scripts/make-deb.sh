#!/usr/bin/env bash
# make deb: build the .deb with CPack from an existing build dir ($1, default build), check its
# contents, then install, upgrade, remove and purge it in a Debian 12 chroot made with
# debootstrap (cached under <build>/deb-test). Where a chroot cannot be made, the install test
# prints "SKIP: ..." and the package is still built and inspected.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=$(cd "${1:-build}" && pwd)
CACHE=$BUILD_DIR/deb-test
WORK=$(mktemp -d /tmp/pvex-deb.XXXXXX)
ROOT=$WORK/root
MOUNTED=()

log() { echo "make-deb: $*"; }
die() { echo "make-deb: FAIL: $*" >&2; exit 1; }
cleanup() {
  set +e
  for m in "${MOUNTED[@]}"; do umount -l "$m" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. Build the package.
cmake --build "$BUILD_DIR" --target pve-exporter >/dev/null
rm -rf "$BUILD_DIR/packages"
(cd "$BUILD_DIR" && cpack -G DEB >"$WORK/cpack.log" 2>&1) || { cat "$WORK/cpack.log"; die "cpack failed"; }
DEB=$(ls "$BUILD_DIR"/packages/*.deb)
[ "$(echo "$DEB" | wc -l)" -eq 1 ] || die "expected one .deb, got: $DEB"
log "built $DEB ($(stat -c %s "$DEB") bytes)"

# 2. Contents and metadata.
dpkg-deb -c "$DEB" > "$WORK/contents.txt"
dpkg-deb -I "$DEB" > "$WORK/info.txt"
expect_file() { # mode-prefix path
  grep -Eq "^$1 root/root .* \./${2#/}\$" "$WORK/contents.txt" \
    || { cat "$WORK/contents.txt"; die "package lacks $2 with mode $1"; }
}
expect_file '-rwxr-xr-x' /usr/bin/pve-exporter
expect_file '-rw-r--r--' /lib/systemd/system/pve-exporter.service
expect_file '-rw-r-----' /etc/pve-exporter/config.yml
expect_file '-rw-r--r--' /usr/share/man/man1/pve-exporter.1.gz
expect_file '-rw-r--r--' /usr/share/doc/pve-exporter/examples/web-config.yml
dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles | grep -qx /etc/pve-exporter/config.yml \
  || die "config.yml is not a conffile"
grep -q '^ Depends:.*libc6' "$WORK/info.txt" || { cat "$WORK/info.txt"; die "no shlibs Depends"; }
dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/share/man/man1/pve-exporter.1.gz | gzip -dc \
  > "$WORK/man.1"
grep -q '^\.SH OPTIONS' "$WORK/man.1" || die "man page has no OPTIONS section"
if command -v man >/dev/null; then
  MANWIDTH=80 man -l "$WORK/man.1" >/dev/null 2>"$WORK/man.err" || { cat "$WORK/man.err"; die "man page does not render"; }
fi
log "contents OK: $(wc -l < "$WORK/contents.txt") entries; $(grep '^ Depends:' "$WORK/info.txt")"

# 3. Install test in a debootstrap chroot.
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: make-deb install test: needs root for a chroot"; exit 0; fi
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 debootstrap \
    >/dev/null 2>&1 || { echo "SKIP: make-deb install test: debootstrap not installable"; exit 0; }
fi
if [ ! -s "$CACHE/rootfs.tar" ]; then
  log "creating a Debian 12 chroot with debootstrap (about 2 minutes, cached)"
  mkdir -p "$CACHE"
  debootstrap --variant=minbase bookworm "$WORK/bootstrap" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log"; echo "SKIP: make-deb install test: debootstrap failed"; exit 0; }
  rm -f "$WORK"/bootstrap/var/cache/apt/archives/*.deb
  tar -C "$WORK/bootstrap" -cf "$CACHE/rootfs.tar.tmp" . && mv "$CACHE/rootfs.tar.tmp" "$CACHE/rootfs.tar"
  rm -rf "$WORK/bootstrap"
fi
mkdir -p "$ROOT"
tar -C "$ROOT" -xf "$CACHE/rootfs.tar"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
if mount -t proc proc "$ROOT/proc" 2>/dev/null; then MOUNTED+=("$ROOT/proc"); fi
cp "$DEB" "$ROOT/tmp/pve-exporter.deb"
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

in_root apt-get update -qq >"$WORK/chroot-apt.log" 2>&1 || { cat "$WORK/chroot-apt.log"; die "apt-get update in the chroot"; }
in_root apt-get install -y -q --no-install-recommends /tmp/pve-exporter.deb >"$WORK/install.log" 2>&1 \
  || { cat "$WORK/install.log"; die "installing the package in the chroot failed"; }
log "installed in a clean chroot (dependencies resolved by apt)"

got=$(in_root stat -c '%U:%G %a' /etc/pve-exporter/config.yml)
[ "$got" = "root:pve-exporter 640" ] || die "/etc/pve-exporter/config.yml is $got, want root:pve-exporter 640"
got=$(in_root stat -c '%U:%G %a' /etc/pve-exporter)
[ "$got" = "root:pve-exporter 750" ] || die "/etc/pve-exporter is $got, want root:pve-exporter 750"
in_root getent passwd pve-exporter | grep -q ':/nonexistent:/usr/sbin/nologin$' || die "no system user"
in_root /usr/bin/pve-exporter --version >"$WORK/version.txt" 2>&1 \
  || { cat "$WORK/version.txt"; die "the installed binary does not run (missing Depends?)"; }
in_root test -f /lib/systemd/system/pve-exporter.service || die "unit not installed"
log "checks after install OK: config root:pve-exporter 0640, user, binary runs: $(head -n1 "$WORK/version.txt")"

# Reinstall (upgrade path): the admin's edit and the permissions survive.
echo "# local edit" >> "$ROOT/etc/pve-exporter/config.yml"
in_root dpkg -i /tmp/pve-exporter.deb >"$WORK/reinstall.log" 2>&1 || { cat "$WORK/reinstall.log"; die "reinstall failed"; }
grep -q '^# local edit' "$ROOT/etc/pve-exporter/config.yml" || die "reinstall lost the local edit"
[ "$(in_root stat -c '%U:%G %a' /etc/pve-exporter/config.yml)" = "root:pve-exporter 640" ] || die "reinstall changed permissions"

# Remove: program gone, configuration kept.
in_root apt-get remove -y -q pve-exporter >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; die "remove failed"; }
[ ! -e "$ROOT/usr/bin/pve-exporter" ] || die "binary left after remove"
[ ! -e "$ROOT/lib/systemd/system/pve-exporter.service" ] || die "unit left after remove"
[ -e "$ROOT/etc/pve-exporter/config.yml" ] || die "remove deleted the configuration"

# Purge: configuration and overrides gone, nothing of the package left.
in_root apt-get purge -y -q pve-exporter >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; die "purge failed"; }
[ ! -e "$ROOT/etc/pve-exporter" ] || die "/etc/pve-exporter left after purge"
[ ! -e "$ROOT/etc/default/pve-exporter" ] || die "/etc/default/pve-exporter left after purge"
in_root dpkg-statoverride --list | grep -q pve-exporter && die "statoverrides left after purge"
if in_root dpkg-query -W -f='${Status}' pve-exporter 2>/dev/null | grep -q installed; then
  die "package still known to dpkg after purge"
fi
while read -r _ _ _ _ _ path _; do
  path=${path#.}
  case $path in */) continue ;; esac
  [ -e "$ROOT$path" ] && die "$path left after purge"
done < "$WORK/contents.txt"
log "remove keeps the config, purge leaves nothing: OK"
log "PASS $(basename "$DEB")"
