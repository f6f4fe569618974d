#!/usr/bin/env bash
# Mesa's lavapipe (software Vulkan): the GPU correctness suite (test/gpu) runs the WebGPU code path on it
# where a machine has no GPU. Dawn (the `webgpu` package) refuses Mesa 22.3, Debian 12's own version
# (it asks for shaderUniform*ArrayDynamicIndexing); Mesa 25 from Debian's bookworm-backports works.
# Debian 13 and later ship a new enough Mesa. Run as root (or with sudo); idempotent.
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

installed=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
major=${installed%%.*}
if [ -n "$installed" ] && [ "${major:-0}" -ge 24 ] 2>/dev/null; then
  echo "lavapipe: mesa-vulkan-drivers $installed is installed"
  exit 0
fi

. /etc/os-release
if [ "${VERSION_CODENAME:-}" = bookworm ]; then
  # The backports suite from the mirror this machine already uses (no host of our own choosing).
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  if [ -z "$uri" ]; then
    echo "lavapipe: cannot tell this machine's Debian mirror; install mesa-vulkan-drivers >= 24 by hand" >&2
    exit 1
  fi
  echo "deb $uri bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/apprentice-bookworm-backports.list >/dev/null
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
else
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq mesa-vulkan-drivers >/dev/null
fi
echo "lavapipe: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) installed"
