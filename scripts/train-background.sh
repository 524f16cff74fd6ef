#!/usr/bin/env bash
# The long run of the model campaign (issue 17) in the background of a working session, with the PyTorch mirror:
# today the default-size denoiser, batch 16 on 2 CPU cores: 30 000 steps (shipped), continued to 45 000.
#
#   scripts/train-background.sh start    resume from the checkpoint in the cache; on a machine without one, continue
#                                        from the export committed in Models/in-training/, or from Models/unet.* once
#                                        the run is finished there (fresh Adam moments, a new cosine over the steps left)
#   scripts/train-background.sh pause    SIGSTOP (before measuring speed or running an eval); `go` continues it
#   scripts/train-background.sh stop     a clean stop: checkpoint and export at the current step
#   scripts/train-background.sh keep     stop, copy the export into Models/in-training/ (commit it), start again
#   scripts/train-background.sh status   the step, the last validation rows, whether it runs
#
# Environment: FACES (default ../shared/data/faces), CACHE (default ~/.cache/dnr/torch/unet-default), TOTAL (the
# run's length in steps, default 45000; a larger TOTAL on `start` resumes with the cosine stretched over TOTAL, so the
# learning rate steps up to its value at that point of the longer schedule).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
faces=$(realpath -m "${FACES:-$root/../shared/data/faces}")
cache=${CACHE:-$HOME/.cache/dnr/torch/unet-default}
kept=$root/Models/in-training/unet-default
log=$cache-train.log
total=${TOTAL:-45000}
pattern="dnr_train.train diffusion .*--out $cache "  # this run only
common=(--faces "$faces" --out "$cache" --unet default --batch 16 --lr 2e-4 --workers 1 --checkpoint-minutes 10 --log-every 50)

running() { pgrep -of "$pattern" > /dev/null; }

start() {
    if running; then echo "already running (pid $(pgrep -of "$pattern"))"; return; fi
    mkdir -p "$cache"
    cd "$root/python"
    if [ -f "$cache/checkpoint.pt" ]; then
        args=(--models ../Models --resume --steps $total)
        echo "resuming from $cache/checkpoint.pt"
    else
        local from=$kept
        [ -f "$from/unet.card.json" ] || from=$root/Models  # the finished run, committed as the shipped denoiser
        done_steps=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['steps'])" "$from/unet.card.json")
        [ "$done_steps" -lt "$total" ] || { echo "the export in $from has $done_steps steps: nothing left of $total (set TOTAL)" >&2; exit 1; }
        models=$cache-models  # the committed networks with that export as unet.*
        mkdir -p "$models"
        ln -sf "$root"/Models/*.safetensors "$root"/Models/*.dat "$models/"
        ln -sf "$from"/unet.* "$models/"
        args=(--models "$models" --from-models --steps $((total - done_steps)))
        echo "no checkpoint in $cache: continuing the export at step $done_steps for $((total - done_steps)) steps"
    fi
    nohup nice -n 5 python3 -m dnr_train.train diffusion "${common[@]}" "${args[@]}" >> "$log" 2>&1 &
    echo "started (pid $!); log $log, validation curve $cache/validation.csv"
}

stop() {
    running || { echo "not running"; return; }
    local pid; pid=$(pgrep -of "$pattern")
    pkill -CONT -f "$pattern"  # `pause` stopped the data workers too: a stopped worker would hold the clean stop
    kill -TERM "$pid"
    while kill -0 "$pid" 2> /dev/null; do sleep 2; done
    tail -n 2 "$log"
}

case "${1:-status}" in
    start) start ;;
    pause) pkill -STOP -f "$pattern" && echo paused ;;
    go) pkill -CONT -f "$pattern" && echo continuing ;;
    stop) stop ;;
    keep)
        stop
        mkdir -p "$kept"
        cp "$cache/unet.safetensors" "$cache/unet.card.json" "$kept/"
        echo "kept step $(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['steps'])" "$kept/unet.card.json") in $kept"
        start ;;
    status)
        if running; then echo "running (pid $(pgrep -of "$pattern"))"; else echo "not running"; fi
        [ -f "$cache/log.csv" ] && echo "last step: $(tail -n 1 "$cache/log.csv" | cut -d, -f1)"
        [ -f "$cache/validation.csv" ] && tail -n 3 "$cache/validation.csv" ;;
    *) sed -n 2,13p "$0"; exit 2 ;;
esac
