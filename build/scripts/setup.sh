#!/usr/bin/env bash
# One command for a fresh machine: system packages, npm dependencies (the native kernels build during
# npm ci), the built app; then it runs the main job on the bundled demo data. Debian/Ubuntu; elsewhere install the equivalents
# of the apt packages below yourself and run from "npm ci" on.
set -euo pipefail
cd "$(dirname "$0")/../.."

# slurm-wlm + munge: npm test also runs the cluster job scripts under a one-node Slurm of its own (as root).
APT_PACKAGES="libopenblas-dev libdnnl-dev chromium slurm-wlm munge"
if command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
  fi
fi

npm ci --no-audit --no-fund
# Software Vulkan for the GPU correctness suite on machines without a GPU (Debian/Ubuntu only).
command -v apt-get >/dev/null 2>&1 && bash build/scripts/install-lavapipe.sh
npm run build
node electron/cli/apprentice.mjs info
# The main job on the bundled default: the whole method on real images in a few minutes (teachers trained,
# pseudo-labels, a student of a third architecture, scores on held-out masks), ending with the results
# table and the report's path. The workstation itself: npx apprentice web --open, or npm start.
exec node electron/cli/apprentice.mjs demo --out apprentice-demo
