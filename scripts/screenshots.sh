#!/usr/bin/env bash
# A person's view of the explorer: dnr explore in `xterm -ti vt340` (sixel) under Xvfb, driven by
# xdotool, screenshots with ImageMagick (design.md §5). Needs: xvfb xterm xdotool imagemagick
# fonts-dejavu-core. Usage: scripts/screenshots.sh OUT_DIR [extra dnr explore arguments…]
set -euo pipefail
out=${1:?usage: scripts/screenshots.sh OUT_DIR [dnr explore arguments…]}
shift
mkdir -p "$out"
source "$(dirname "$0")/xterm-session.sh"
START_WAIT=${START_WAIT:-8} start_explorer "$@"

shot start 1
keys "NNNNN"              # 50 steps
shot after-50-steps "${STEP_WAIT:-15}"
keys "c"                  # compare mode: off, uniform, masked on the same noise
keys "N"                  # ten steps in
keys "g"                  # where the guidance acts: this step's update and |ŷ0,t − g(x)| per row
shot guidance "${GUIDANCE_WAIT:-30}"
keys "g"
keys "e"                  # run to the end
shot compare "${COMPARE_WAIT:-90}"   # three runs of K steps; slower when training shares the cores
keys "?"
shot help 2
keys "?q"
wait $term || true
