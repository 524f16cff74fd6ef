#!/usr/bin/env bash
# Installs what is missing, builds dnr in release mode and runs the main job: the explorer on the
# shipped sample. Until the denoiser is trained (Models/unet.safetensors), it degrades the sample
# instead and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build -c release
if [ -f Models/unet.safetensors ] && [ -f Models/ipc.safetensors ] && [ -t 1 ]; then
  exec .build/release/dnr explore
fi
out="${TMPDIR:-/tmp}/dnr-demo"
mkdir -p "$out"
.build/release/dnr degrade Samples/astronaut_chip128.png "$out/astronaut_degraded64.png" --size 64 --seed 1
echo "wrote $out/astronaut_degraded64.png"
[ -f Models/unet.safetensors ] || echo "dnr explore needs the trained denoiser (Models/unet.safetensors, from dnr train diffusion); it is not in Models/ yet."
