#!/usr/bin/env bash
# Installs what is missing, builds dnr in release mode and runs the main job on the shipped samples.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build -c release
out="${TMPDIR:-/tmp}/dnr-demo"
mkdir -p "$out"
.build/release/dnr degrade Samples/astronaut_chip128.png "$out/astronaut_degraded64.png" --size 64 --seed 1
echo "wrote $out/astronaut_degraded64.png"
