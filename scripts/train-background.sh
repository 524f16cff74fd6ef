#!/usr/bin/env bash
# The long runs of the model campaign (issue 17) in the background of a working session, with the PyTorch mirror on
# 2 CPU cores, batch 16. RUN picks the network:
#   RUN=ipc                 the U-Net IPC: 10 100 steps, continued on a new cosine to 30 000 (TOTAL 30000) with
#                           --identity-smoothing (sessions 26–28; shipped in session 29)
#   RUN=denoiser (default)  the default-size denoiser: 30 000 steps, continued to 45 000 (TOTAL 45000; shipped in
#                           session 26); since session 29 continued from Models/ on a new cosine against the
#                           30 000-step IPC (TOTAL=75000 LR=1e-4)
#
#   scripts/train-background.sh start    resume from the checkpoint in the cache; on a machine without one, continue
#                                        from the export committed in Models/in-training/, or from Models/ once the
#                                        run is finished there (fresh Adam moments; an unfinished run's cosine goes on
#                                        where the export left it, a finished one's fine-tune gets a new cosine)
#   scripts/train-background.sh pause    SIGSTOP (before measuring speed or running an eval); `go` continues it
#   scripts/train-background.sh stop     a clean stop: checkpoint and export at the current step
#   scripts/train-background.sh keep     stop, copy the export into Models/in-training/ (commit it), start again
#                                        (for the IPC, then scripts/rebase-mask.sh moves the mask onto it)
#   scripts/train-background.sh status   the step, the last validation rows, whether it runs
#
# Environment: RUN, FACES (default ../shared/data/faces), CACHE (default ~/.cache/dnr/torch/unet-default or .../ipc),
# TOTAL (the run's length in steps, remembered in `total` beside the checkpoint and the export once started; a larger
# TOTAL on `start` resumes with the cosine stretched over TOTAL, so the learning rate steps up to its value at that
# point of the longer schedule), LR (on the `start` that begins a run from an
# export: its peak learning rate instead of the run's own, e.g. a fine-tune of a finished run whose new cosine would
# otherwise climb back to the first run's peak; kept in peak-lr beside the checkpoint and the export, so resumes keep it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
faces=$(realpath -m "${FACES:-$root/../shared/data/faces}")
source "$root/scripts/training-runs.sh"
cache=${CACHE:-$HOME/.cache/dnr/torch/$folder}
kept=$root/Models/in-training/$folder
log=$cache-train.log
total=${TOTAL:-$(cat "$cache/total" 2> /dev/null || cat "$kept/total" 2> /dev/null || echo "$default_total")}  # the run's own, once started
pattern="dnr_train.train $task .*--out $cache "  # this run only
common=(--faces "$faces" --out "$cache" "${train_options[@]}" --batch 16 --workers 1 --checkpoint-minutes 10 --log-every 50)

running() { pgrep -of "$pattern" > /dev/null; }
card_steps() { python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['steps'])" "$1/$name.card.json"; }
# A run continued from an export counts its own steps from 0; base-steps (beside its checkpoint, and copied beside its
# export by `keep`) holds the steps its starting point had, so TOTAL stays the steps in all.
base_steps() { cat "$1/base-steps" 2> /dev/null || echo 0; }
# schedule-start holds the step where the run's cosine began, so a run continued from an export (its cache lost) goes
# on along the same learning-rate schedule (--schedule-offset) instead of warming up to the peak rate again.
schedule_start() { cat "$1/schedule-start" 2> /dev/null || base_steps "$1"; }

start() {
    if running; then echo "already running (pid $(pgrep -of "$pattern"))"; return; fi
    mkdir -p "$cache"
    cd "$root/python"
    if [ -f "$cache/checkpoint.pt" ]; then
        args=(--models ../Models --resume --steps $((total - $(base_steps "$cache")))
              --schedule-offset $(( $(base_steps "$cache") - $(schedule_start "$cache") )))
        echo "resuming from $cache/checkpoint.pt"
    else
        local from=$kept
        [ -f "$from/$name.card.json" ] || from=$root/Models  # the finished run, committed as the shipped network
        done_steps=$(( $(base_steps "$from") + $(card_steps "$from") ))
        [ "$done_steps" -lt "$total" ] || { echo "the export in $from has $done_steps steps: nothing left of $total (set TOTAL)" >&2; exit 1; }
        models=$cache-models  # the committed networks with that export as $name.*
        mkdir -p "$models"
        ln -sf "$root"/Models/*.safetensors "$root"/Models/*.dat "$models/"
        ln -sf "$from"/$name.* "$models/"
        # A finished run (in Models/) is fine-tuned on a new cosine; an unfinished one goes on along its own.
        local begun=$done_steps
        [ "$from" = "$root/Models" ] || begun=$(schedule_start "$from")
        echo "$done_steps" > "$cache/base-steps"
        echo "$begun" > "$cache/schedule-start"
        # The peak learning rate: LR, else the unfinished run's own (peak-lr beside its export), else train_options'.
        if [ -n "${LR:-}" ]; then echo "$LR" > "$cache/peak-lr"
        elif [ "$from" != "$root/Models" ] && [ -f "$from/peak-lr" ]; then cp "$from/peak-lr" "$cache/peak-lr"
        else rm -f "$cache/peak-lr"; fi
        args=(--models "$models" --from-models --steps $((total - done_steps)) --schedule-offset $((done_steps - begun)))
        echo "no checkpoint in $cache: continuing the export at step $done_steps for $((total - done_steps)) steps"
    fi
    echo "$total" > "$cache/total"
    local peak; peak=$(cat "$cache/peak-lr" 2> /dev/null || true)
    [ -z "${LR:-}" ] || [ "$LR" = "$peak" ] || echo "LR=$LR ignored: the run resumes with its peak learning rate ${peak:-(its own)}" >&2
    [ -z "$peak" ] || args+=(--lr "$peak")  # after train_options' --lr: the last one counts
    nohup nice -n 5 python3 -m dnr_train.train $task "${common[@]}" "${args[@]}" >> "$log" 2>&1 &
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

# Whether every process of the run is stopped (SIGSTOP). The states are read whole first: grep -q in a pipe could
# SIGPIPE ps under pipefail.
all_stopped() {
    local states
    states=$(ps -o stat= -p "$(pgrep -d, -f "$pattern")")
    ! grep -qv '^T' <<< "$states"
}

# A run paused while it starts up (right after `keep`) has been seen running on; so check, and stop it again.
pause() {
    running || { echo "not running"; return; }
    for _ in 1 2 3 4 5; do
        pkill -STOP -f "$pattern"
        sleep 1
        if all_stopped; then echo paused; return; fi
    done
    echo "could not pause: $(ps -o pid=,stat= -p "$(pgrep -d, -f "$pattern")" | tr '\n' ' ')" >&2; exit 1
}

case "${1:-status}" in
    start) start ;;
    pause) pause ;;
    go) pkill -CONT -f "$pattern" && echo continuing ;;
    stop) stop ;;
    keep)
        stop
        mkdir -p "$kept"
        cp "$cache/$name.safetensors" "$cache/$name.card.json" "$kept/"
        [ "$name" != ipc ] || rm -f "$kept"/mask.*  # a mask rebased onto the previous export (rebase-mask.sh) is stale
        for record in base-steps schedule-start peak-lr total; do
            if [ -f "$cache/$record" ]; then cp "$cache/$record" "$kept/"; else rm -f "$kept/$record"; fi
        done
        echo "kept step $(( $(base_steps "$kept") + $(card_steps "$kept") )) in all in $kept"
        start ;;
    status)
        if ! running; then echo "not running"
        elif all_stopped; then echo "paused (pid $(pgrep -of "$pattern"); \`go\` continues it)"
        else echo "running (pid $(pgrep -of "$pattern"))"; fi
        last=$(tail -n 1 "$cache/log.csv" 2> /dev/null | cut -d, -f1)
        [[ "$last" =~ ^[0-9]+$ ]] && echo "last step: $(( $(base_steps "$cache") + last )) of $total"
        # The pace over the last 500 logged steps while running (a gap of over a minute between two steps is a pause or a
        # stop, left out), and the time left at that pace.
        tail -n 500 "$cache/log.csv" 2> /dev/null | awk -F, -v left=$((total - $(base_steps "$cache") - ${last:-0})) '
            $1 ~ /^[0-9]+$/ { if (seen && $1 > s && $2 - e < 60) { steps += $1 - s; seconds += $2 - e } s = $1; e = $2; seen = 1 }
            END { if (steps > 0 && seconds > 0) { r = steps / seconds * 60
                  printf "pace: %.0f steps/min while running; about %d h %02d min left\n", r, left / r / 60, (left / r) % 60 } }'
        [ -f "$cache/validation.csv" ] && tail -n 3 "$cache/validation.csv" ;;
    *) sed -n '2,/^set /{/^#/p}' "$0"; exit 2 ;;
esac
