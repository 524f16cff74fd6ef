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
cp "$work/run/mask.safetensors" "$export_dir/"
# The card as a record another machine can read: the command that made it (not this run's scratch paths) and its lineage.
python3 - "$work/run/mask.card.json" "$export_dir/mask.card.json" "$steps" "$root/Models/mask.card.json" <<'PY'
import json, sys
source, target, steps, shipped = sys.argv[1:]
card, old = json.load(open(source)), json.load(open(shipped))
card["command"] = card["last_command"] = f"scripts/rebase-mask.sh {steps}"
card["started_from"] = "Models/mask.safetensors"
card["lineage"] = (f"The shipped sub-branch (ipc_sha256 {old.get('ipc_sha256', '?')[:16]}…; its lineage: {old.get('lineage', '–')}) "
                   f"rebased onto this IPC: {steps} steps of the mirror's `mask --rebase-from`, BCE to the hard decisions "
                   "the shipped branch makes reading the shipped IPC (docs/mask-decision.md).")
json.dump(card, open(target, "w"), indent=2, sort_keys=True, ensure_ascii=False)
open(target, "a").write("\n")
PY
echo "rebased mask written to $export_dir (validation: $(tail -n 1 "$work/run/validation.csv" | cut -d, -f3- | tr ';' ' '))"
