#!/bin/sh
# Builds and runs conv-libraries.cc (needs libdnnl-dev and libopenblas-dev).
set -e
out="${TMPDIR:-/tmp}/apprentice-conv-libraries"
g++ -O3 -std=c++17 -fopenmp "$(dirname "$0")/conv-libraries.cc" -o "$out" -ldnnl -lopenblas
OMP_WAIT_POLICY=PASSIVE "$out"
