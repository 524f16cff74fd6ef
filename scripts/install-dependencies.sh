#!/usr/bin/env bash
# Installs the system libraries dnr builds against (Debian/Ubuntu), only those that are missing.
set -euo pipefail
packages=(pkg-config libopenblas-dev libpng-dev libturbojpeg0-dev libsixel-dev libncurses-dev libssl-dev tmux)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The PyTorch mirror's tests (scripts/test-python.sh) need python3 with venv.
if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  echo "installing: python3 python3-venv"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
fi
