# The long runs of issue 17, named once for train-background.sh and eval-in-training.sh (sourced, not run):
# RUN (denoiser or ipc) → the mirror's task, the weights' name, the folder under ~/.cache/dnr/torch/ and
# Models/in-training/, the run's default length and its own options.
case "${RUN:=ipc}" in
    denoiser) task=diffusion name=unet folder=unet-default default_total=45000 train_options=(--unet default --lr 2e-4) ;;
    ipc) task=ipc name=ipc folder=ipc default_total=30000 train_options=(--lr 3e-4 --identity-smoothing) ;;
    *) echo "RUN is denoiser or ipc, not ${RUN}" >&2; exit 2 ;;
esac
export RUN
