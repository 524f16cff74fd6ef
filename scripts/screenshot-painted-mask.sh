#!/usr/bin/env bash
# The README's painting picture: dnr explore in `xterm -ti vt340` under Xvfb (as scripts/screenshots.sh),
# a mask painted over the eyes (the left eye with the brush keys, the right eye with a mouse drag), then
# compare mode run to the end: off, uniform and eyes-only guidance on the same noise.
# Needs what scripts/xterm-session.sh needs. Usage: scripts/screenshot-painted-mask.sh OUT_DIR
set -euo pipefail
out=${1:?usage: scripts/screenshot-painted-mask.sh OUT_DIR}
mkdir -p "$out"
source "$(dirname "$0")/xterm-session.sh"
DISPLAY_NUMBER=${DISPLAY_NUMBER:-78} START_WAIT=${START_WAIT:-12} \
  start_explorer --align ffhq512 Samples/real-lq-ffhq512/Julia_Roberts_crop.png --snapshots "$out/snapshots"
eval "$(xdotool getwindowgeometry --shell "$window")"

# The mask pane's pixel (x, y) of 64 → window pixels, from the layout of a 170×52 window with four top
# panes (no ground truth): 21 rows × 42 columns per pane, the mask pane 4th, its image from row 4.
pane_rows=21 pane_columns=42 column0=$((3 * (pane_columns + 1))) row0=4
at() { python3 -c "print(int(($column0 + $1 * $pane_columns / 64 + 0.5) * $WIDTH / $columns), int(($row0 + $2 * $pane_rows / 64 + 0.5) * $HEIGHT / $lines))"; }
keys "bz>>"          # brush on, clear, radius 5
keys "HKhhkkll"      # pen up to (24, 24), then paint up and across the left eye
read -r x1 y < <(at 44 19); read -r x2 _ < <(at 48 19); read -r x3 _ < <(at 40 19)
xdotool mousemove --window "$window" "$x1" "$y" mousedown 1
for x in $(seq "$x1" 4 "$x2") $(seq "$x2" -4 "$x3"); do xdotool mousemove --window "$window" "$x" "$y"; sleep 0.03; done
xdotool mouseup 1
xdotool mousemove --window "$window" 5 5
shot painted 2
keys "w"             # save it: $out/snapshots/mask-1.png
keys "ce"            # compare mode, run to the end
shot compare-painted "${COMPARE_WAIT:-100}"
keys "q"
