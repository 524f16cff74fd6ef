# The long runs of issue 17, named once for train-background.sh, eval-in-training.sh and rebase-mask.sh (sourced, not run):
# RUN (denoiser or ipc) → the mirror's task, the weights' name, the folder under ~/.cache/dnr/torch/ and
# Models/in-training/, the run's default length and its own options.
case "${RUN:=denoiser}" in
    denoiser) task=diffusion name=unet folder=unet-default default_total=45000 train_options=(--unet default --lr 2e-4) ;;
    ipc) task=ipc name=ipc folder=ipc default_total=30000 train_options=(--lr 3e-4 --identity-smoothing) ;;
    *) echo "RUN is denoiser or ipc, not ${RUN}" >&2; exit 2 ;;
esac
export RUN
training_runs=(denoiser ipc)  # every RUN above

# For a measurement beside the runs: pauses every run that runs (both cores are the measurement's), until the calling
# script exits.
pause_background_run() {
    local control run paused=()
    control="$(dirname "${BASH_SOURCE[0]}")/train-background.sh"
    for run in "${training_runs[@]}"; do
        [[ $(RUN=$run "$control" status) == running* ]] || continue  # (grep -q in a pipe could SIGPIPE status under pipefail)
        RUN=$run "$control" pause
        paused+=("RUN=$run '$control' go;")
    done
    [ ${#paused[@]} -eq 0 ] || trap "${paused[*]}" EXIT
}
