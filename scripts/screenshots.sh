#!/usr/bin/env bash
# A person's view of the explorer: dnr explore in `xterm -ti vt340` (sixel) under Xvfb, driven by
# xdotool, screenshots with ImageMagick (design.md §5). Needs: xvfb xterm xdotool imagemagick
# fonts-dejavu-core. Usage: scripts/screenshots.sh OUT_DIR [extra dnr explore arguments…]
set -euo pipefail
out=${1:?usage: scripts/screenshots.sh OUT_DIR [dnr explore arguments…]}
shift
mkdir -p "$out"
root=$(cd "$(dirname "$0")/.." && pwd)
dnr=${DNR:-$root/.build/release/dnr}
display=:${DISPLAY_NUMBER:-77}

Xvfb "$display" -screen 0 1700x1200x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
export DISPLAY=$display
xterm -ti vt340 -xrm 'XTerm*numColorRegisters: 256' -xrm 'XTerm*decTerminalID: vt340' -fa 'DejaVu Sans Mono' -fs 9 \
      -bg black -fg grey90 -geometry 170x52+0+0 -title dnr-explore \
      -e "cd $root && $dnr explore $* ; sleep 2" &
term=$!
sleep "${START_WAIT:-8}"
window=$(xdotool search --name dnr-explore | head -1)
# xterm ignores synthetic key events sent to a window id: move the pointer onto it and type.
xdotool mousemove --window "$window" 200 200
shot() { sleep "${2:-1}"; import -window "$window" "$out/$1.png"; echo "$out/$1.png"; }
keys() { xdotool type --delay 120 "$1"; }

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
