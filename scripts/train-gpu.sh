#!/usr/bin/env bash
# Continues the IPC and the denoiser from the committed weights on one GPU machine, side by side,
# with the PyTorch mirror (python/dnr_train); the denoiser reloads the IPC's export as it improves.
# Usage: scripts/train-gpu.sh FACES.pack OUT_FOLDER MINUTES
# Then: cp OUT/ipc/ipc.* OUT/unet/unet.* into a weights folder with mask.* and `dnr eval --weights` it.
set -euo pipefail
faces=$(realpath "$1"); out=$(realpath -m "$2"); minutes=$3
export PYTHONUNBUFFERED=1
mkdir -p "$out/ipc" "$out/unet"
cd "$(dirname "$0")/../python"
models=../Models
cuda=$(python3 -c "import torch; print(int(torch.cuda.is_available()))")
if [ "$cuda" = 1 ]; then nvidia-smi -L; batch=${BATCH:-128}; ipc_workers=7; unet_workers=6; else batch=${BATCH:-4}; ipc_workers=1; unet_workers=1; fi
python3 -m dnr_train.train ipc --faces "$faces" --models $models --out "$out/ipc" --checkpoint "${CHECKPOINTS:-$out}/ipc.pt" --from-models --minutes "$minutes" \
    --batch "$batch" --lr "${IPC_LR:-5e-4}" --workers $ipc_workers --checkpoint-minutes 1 --log-every "${LOG_EVERY:-100}" > "$out/ipc.log" 2>&1 &
ipc=$!
python3 -m dnr_train.train diffusion --faces "$faces" --models $models --out "$out/unet" --checkpoint "${CHECKPOINTS:-$out}/unet.pt" --from-models --minutes "$minutes" \
    --batch "$batch" --lr "${UNET_LR:-4e-4}" --workers $unet_workers --checkpoint-minutes 1 --log-every "${LOG_EVERY:-100}" \
    --ipc-refresh "$out/ipc/ipc.safetensors" > "$out/unet.log" 2>&1 &
unet=$!
status=0
wait $ipc || status=$?
wait $unet || status=$?
tail -n 4 "$out/ipc.log" "$out/unet.log"
exit $status
