#!/usr/bin/env bash
# The explorer on a whole photo: dnr explore on the shipped group photo in `xterm -ti vt340` under Xvfb
# (as scripts/screenshots.sh); the faces found are the samples. Runs the second face to the end, then
# takes a snapshot (which also writes the photo with that face restored).
# Needs what scripts/xterm-session.sh needs. Usage: scripts/screenshot-photo.sh OUT_DIR
set -euo pipefail
out=${1:?usage: scripts/screenshot-photo.sh OUT_DIR}
mkdir -p "$out"
source "$(dirname "$0")/xterm-session.sh"
DISPLAY_NUMBER=${DISPLAY_NUMBER:-79} START_WAIT=${START_WAIT:-20} \
  start_explorer Samples/group_photo_1024x768.png --snapshots "$out/snapshots"
keys "]"             # the second face
keys "e"             # run to the end
shot photo-face "${RUN_WAIT:-30}"
keys "p"             # snapshot: panes, and the photo with the faces restored so far
shot photo-snapshot 3
keys "q"
