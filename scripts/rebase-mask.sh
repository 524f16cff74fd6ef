#!/usr/bin/env bash
# The shipped mask sub-branch moved onto the IPC export in progress (Models/in-training/ipc/): the branch reads the
# IPC's features, so a retrained IPC moves M (docs/mask-decision.md). The mirror's `mask --rebase-from` fits the
# shipped branch, reading the new IPC, to the decisions it makes reading the shipped IPC; the result is written beside
# the export (mask.safetensors and its card), where scripts/eval-in-training.sh picks it up. The background run is
# paused meanwhile.
#
#   scripts/rebase-mask.sh [STEPS]     (default 400 steps of batch 16: about 8 minutes on 2 cores)
#
# Environment: FACES (default ../shared/data/faces).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
steps=${1:-400}
faces=$(realpath -m "${FACES:-$root/../shared/data/faces}")
export_dir=$root/Models/in-training/ipc
[ -f "$export_dir/ipc.safetensors" ] || { echo "no IPC export in $export_dir" >&2; exit 1; }
export RUN=ipc
source "$root/scripts/training-runs.sh"
work=$HOME/.cache/dnr/torch/mask-rebase  # the run's log and validation stay there to read
rm -rf "$work"
models=$work/models  # the shipped networks with the export's IPC
mkdir -p "$models"
ln -s "$root"/Models/*.safetensors "$root"/Models/*.card.json "$root"/Models/*.dat "$models/"
ln -sf "$export_dir"/ipc.* "$models/"
pause_background_run

cd "$root/python"
python3 -m dnr_train.train mask --faces "$faces" --models "$models" --from-models --rebase-from ../Models/ipc.safetensors \
    --out "$work/run" --steps "$steps" --batch 16 --lr 1e-3 --workers 1 --checkpoint-minutes 60 --log-every 50
cp "$work/run/mask.safetensors" "$work/run/mask.card.json" "$export_dir/"
echo "rebased mask written to $export_dir (validation: $(tail -n 1 "$work/run/validation.csv" | cut -d, -f3- | tr ';' ' '))"
