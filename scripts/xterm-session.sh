# Sourced by the screenshot scripts: `dnr explore ARGS…` in `xterm -ti vt340` (sixel, 170×52 cells)
# under Xvfb, with helpers to type keys and take screenshots. Needs: xvfb xterm xdotool imagemagick
# fonts-dejavu-core. Set `out` before sourcing; START_WAIT (seconds) and DISPLAY_NUMBER may be set.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dnr=${DNR:-$root/.build/release/dnr}
columns=170 lines=52
start_explorer() {
  Xvfb ":${DISPLAY_NUMBER:-77}" -screen 0 1700x1200x24 >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null || true' EXIT
  sleep 1
  export DISPLAY=:${DISPLAY_NUMBER:-77}
  xterm -ti vt340 -xrm 'XTerm*numColorRegisters: 256' -xrm 'XTerm*decTerminalID: vt340' -fa 'DejaVu Sans Mono' -fs 9 \
        -bg black -fg grey90 -geometry ${columns}x${lines}+0+0 -title dnr-explore \
        -e "cd $root && $dnr explore $* ; sleep 2" &
  term=$!
  sleep "${START_WAIT:-10}"
  window=$(xdotool search --name dnr-explore | head -1)
  # xterm ignores synthetic key events sent to a window id: move the pointer onto it and type.
  xdotool mousemove --window "$window" 5 5
}
shot() { sleep "${2:-1}"; import -window "$window" "$out/$1.png"; echo "$out/$1.png"; }
keys() { xdotool type --delay 150 "$1"; }
