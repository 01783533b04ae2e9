# pve-exporter container image: build on Debian 12 with the -dev packages, run on Debian 12
# slim with only the shared libraries the binary links (found with ldd in the build stage).
# Multi-arch: built for linux/amd64, linux/arm64 and linux/arm/v7 by .github/workflows/release.yml.

ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config git \
      libcurl4-openssl-dev libcpp-httplib-dev libsimdjson-dev libyaml-cpp-dev libcli11-dev \
      libspdlog-dev libfmt-dev libexpected-dev zlib1g-dev libssl-dev libcrypt-dev libsystemd-dev \
      libdeflate-dev libisal-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# A git worktree's .git is a file pointing outside the build context, so git describe fails
# there: the version then comes from these build arguments (scripts/container-test.sh sets them).
ARG VERSION=dev
ARG REVISION=unknown
# RelWithDebInfo (-O2, like every other build of the project; GCC 12 at -O3 raises false
# -Wrestrict errors), stripped on install. The runtime stage installs exactly the packages
# that own the libraries the binary loads.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DPVEX_BUILD_TESTS=OFF -DPVEX_BUILD_BENCH=OFF \
      -DPVEX_VERSION_OVERRIDE="$([ "$VERSION" = dev ] || echo "$VERSION")" \
      -DPVEX_REVISION_OVERRIDE="$([ "$REVISION" = unknown ] || echo "$REVISION")" \
 && cmake --build /build --target pve-exporter -j "$(nproc)" \
 && install -D -m 0755 -s /build/pve-exporter /out/usr/bin/pve-exporter \
 && install -D -m 0755 packaging/container/healthcheck /out/usr/bin/pve-exporter-healthcheck \
 && install -D -m 0644 packaging/config.yml /out/etc/pve-exporter/config.yml.example \
 && install -D -m 0644 packaging/web-config.yml /out/etc/pve-exporter/web-config.yml.example \
 && ldd /out/usr/bin/pve-exporter | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' \
    | while read -r lib; do dpkg -S "*/$(basename "$lib")" | head -n1 | cut -d: -f1; done \
    | sort -u > /out/runtime-packages \
 && cat /out/runtime-packages

FROM ${DEBIAN_IMAGE}
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="pve-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Proxmox VE (API and ZFS kstat)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.documentation="docs/deployment.md" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
COPY --from=build /out/runtime-packages /tmp/runtime-packages
# ca-certificates: PVE hosts with ACME (public CA) certificates verify without a ca_file.
# curl: the health check, which must speak HTTPS too when the web config enables TLS; it adds
# little because libcurl is already a dependency of the exporter.
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends $(cat /tmp/runtime-packages) ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /tmp/runtime-packages \
 && groupadd --system --gid 65532 pve-exporter \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin pve-exporter
COPY --from=build /out/usr/bin/ /usr/bin/
COPY --from=build /out/etc/pve-exporter/ /etc/pve-exporter/
# Numeric so that "runAsNonRoot" policies can check it without reading /etc/passwd.
USER 65532:65532
EXPOSE 9221
# The exporter writes nothing to disk: `--read-only` works. Configuration: mount a file and
# pass --config.file=..., or use PVE_EXPORTER_* environment variables (docs/deployment.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/bin/pve-exporter-healthcheck"]
ENTRYPOINT ["/usr/bin/pve-exporter"]
