#!/usr/bin/env bash
# The export of the run in progress (Models/in-training/) against a committed evaluation, as each milestone of issue 17
# is measured: the committed networks with the export swapped in, `dnr eval --jobs 2`, then the report again with
# --baseline, paired face by face. The background run (scripts/train-background.sh) is paused while it evaluates.
# An IPC export is scored with the mask rebased onto it when scripts/rebase-mask.sh has put one beside it.
#
#   scripts/eval-in-training.sh OUT [BASELINE] [dnr eval options…]
#
#   OUT       the run's folder (resumable: run it again to go on); the weights it scores are linked in OUT.weights
#   BASELINE  a committed evaluation to pair against (default docs/eval-dev800-ipc30000-pipeline, the committed networks: ipc, net2, net4;
#             copied to OUT.baseline with its scores.csv.gz unzipped)
#   options   e.g. --limit 200 --methods ipc net2 net4 (default: all 800 dev faces, both settings, bicubic ipc net1–net4)
#
# Environment: RUN (denoiser or ipc, as train-background.sh), FACES (default ../shared/data/faces).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:?usage: scripts/eval-in-training.sh OUT [BASELINE] [dnr eval options…]}")
shift
baseline=$root/docs/eval-dev800-ipc30000-pipeline
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then baseline=$(realpath "$1"); shift; fi
eval_options=("$@")
[ ${#eval_options[@]} -gt 0 ] || eval_options=(--setting both --methods bicubic ipc net1 net2 net3 net4)
source "$root/scripts/training-runs.sh"
export_dir=$root/Models/in-training/$folder
[ -f "$export_dir/$name.safetensors" ] || { echo "no export in $export_dir" >&2; exit 1; }
faces=$(realpath -m "${FACES:-$root/../shared/data/faces}")
dnr=$root/.build/release/dnr
[ -x "$dnr" ] || { echo "build first: swift build -c release" >&2; exit 1; }

weights=$out.weights  # the committed networks with the export as $name.*
mkdir -p "$weights" "$out"
ln -sf "$root"/Models/*.safetensors "$root"/Models/*.card.json "$root"/Models/*.dat "$weights/"
ln -sf "$export_dir"/*.safetensors "$export_dir"/*.card.json "$weights/"  # with a rebased mask when there is one
base=$out.baseline  # the baseline with its scores unzipped (committed reports keep them gzipped)
mkdir -p "$base"
cp "$baseline/run.json" "$base/"
if [ -f "$baseline/scores.csv" ]; then cp "$baseline/scores.csv" "$base/"; else gunzip -c "$baseline/scores.csv.gz" > "$base/scores.csv"; fi

pause_background_run

"$dnr" eval --data "$faces" --weights "$weights" --out "$out" --jobs 2 "${eval_options[@]}"
"$dnr" eval --data "$faces" --weights "$weights" --out "$out" --baseline "$base" "${eval_options[@]}"
