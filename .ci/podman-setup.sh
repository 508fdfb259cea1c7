#!/usr/bin/env bash
# Makes this machine able to build and run the project's containers for real, without Docker:
# podman (Debian package) as the engine, a Docker-compatible API socket for docker-compose,
# and local stand-ins for base images that no registry here serves.
#
#   source .ci/podman-setup.sh [Dockerfile]      (as root; .ci/run does)
#   -> exports DOCKER_HOST (docker-compose and `docker` clients talk to podman through it)
#   -> fjc_health_pump_start / fjc_health_pump_stop: run the containers' health checks
#      (podman runs them from systemd timers, which this machine has not)
#
# Facts behind each step (Debian 12, root, no systemd, cgroup v1/v2 hybrid):
# - crun refuses the hybrid cgroup layout; runc works.
# - raising RLIMIT_NOFILE/NPROC is not permitted here, so containers get lower default ulimits.
# - no container registry is reachable: every `FROM node:<tag>` image is built locally from
#   Debian's own packages (debootstrap) plus this machine's Node.js, and tagged with that name.
#   The stand-in carries this machine's CA bundle so that npm inside a build reaches the registry.
# - bridge networks and published ports work; host networking works too.
set -u
_fjc_log=${FJC_LOG:-/tmp/fjord-containers}
mkdir -p "$_fjc_log"

fjc_install() {
  local missing=""
  for c in podman runc docker-compose debootstrap; do command -v $c >/dev/null 2>&1 || missing="$missing $c"; done
  [ -z "$missing" ] && return 0
  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y podman runc docker-compose debootstrap) >"$_fjc_log/apt.log" 2>&1
}

fjc_configure() {
  mkdir -p /etc/containers
  if ! grep -q 'runtime = "runc"' /etc/containers/containers.conf 2>/dev/null; then
    cat > /etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
  fi
}

# The Debian mirror this machine's apt already uses (the first one its sources name).
fjc_mirror() {
  local m
  m=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')
  [ -n "$m" ] || m=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
  echo "$m"
}

# Builds a stand-in for each `FROM node:<tag>` of the Dockerfile that podman does not have.
fjc_base_images() {
  local dockerfile=${1:-Dockerfile} tag rootfs
  for tag in $(grep -oiE '^FROM +node:[^ ]+' "$dockerfile" | awk '{print $2}' | sort -u); do
    podman image exists "docker.io/library/$tag" && continue
    rootfs=$(mktemp -d /tmp/fjord-rootfs-XXXX)
    debootstrap --variant=minbase bookworm "$rootfs" "$(fjc_mirror)" >"$_fjc_log/debootstrap.log" 2>&1 || { echo "debootstrap failed (see $_fjc_log/debootstrap.log)"; return 1; }
    cp "$(command -v node)" "$rootfs/usr/bin/node"
    mkdir -p "$rootfs/usr/lib/node_modules" "$rootfs/etc/ssl/certs"
    cp -a "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$rootfs/usr/lib/node_modules/npm"
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/bin/npx"
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    chroot "$rootfs" groupadd --gid 1000 node && chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
    tar -C "$rootfs" -c . | podman import --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' - "docker.io/library/$tag" >/dev/null || return 1
    rm -rf "$rootfs"
  done
}

fjc_socket() {
  export DOCKER_HOST=unix://$_fjc_log/podman.sock
  [ -S "$_fjc_log/podman.sock" ] && podman --url "$DOCKER_HOST" info >/dev/null 2>&1 && return 0
  (podman system service --time=0 "$DOCKER_HOST" >"$_fjc_log/service.log" 2>&1 &)
  for _ in $(seq 1 20); do [ -S "$_fjc_log/podman.sock" ] && return 0; sleep 0.5; done
  echo "podman API socket did not come up"; return 1
}

fjc_health_pump_start() {
  ( while true; do for c in $(podman ps --format '{{.Names}}'); do podman healthcheck run "$c" >/dev/null 2>&1; done; sleep 2; done ) &
  FJC_PUMP_PID=$!
}
fjc_health_pump_stop() { [ -n "${FJC_PUMP_PID:-}" ] && kill "$FJC_PUMP_PID" 2>/dev/null; FJC_PUMP_PID=; }

fjc_install || { echo "could not install podman, runc, docker-compose, debootstrap (see $_fjc_log/apt.log)"; return 1 2>/dev/null || exit 1; }
fjc_configure
fjc_base_images "${1:-Dockerfile}" || { return 1 2>/dev/null || exit 1; }
fjc_socket || { return 1 2>/dev/null || exit 1; }
