"""Which frequency band of a restoration the face-perceptual distance rewards: a method's output with its content
below a Gaussian of σ pixels replaced by a reference's (y − G_σ·y + G_σ·r), scored against the truth.

Folders of same-named PNGs: the truth, the reference (g(x): `dnr restore --ipc-only`) and the method (`dnr restore`).

    cd python && python3 ../scripts/diagnostics/frequency_bands.py --truth CLEAN --reference IPC --method NET4 [--sigmas 1 2 4]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from dnr_train.dlib_model import FaceRecognizer, identity_loss  # noqa: E402
from measures import psnr  # noqa: E402


def load(folder, names):
    arrays = [np.asarray(Image.open(os.path.join(folder, n)).convert("RGB"), dtype=np.float32) for n in names]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2) / 127.5 - 1


def gaussian(images, sigma):
    radius = int(3 * sigma + 0.5)
    k = torch.exp(-torch.arange(-radius, radius + 1, dtype=torch.float32) ** 2 / (2 * sigma * sigma))
    k = (k / k.sum()).repeat(3, 1, 1, 1)
    x = F.pad(images, (radius,) * 4, mode="reflect")
    return F.conv2d(F.conv2d(x, k.view(3, 1, 1, -1), groups=3), k.view(3, 1, -1, 1), groups=3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--method", required=True)
    ap.add_argument("--sigmas", type=float, nargs="+", default=[1, 2, 4])
    ap.add_argument("--recognizer", default=os.path.join(os.path.dirname(__file__), "..", "..", "Models",
                                                         "dlib_face_recognition_resnet_model_v1.dat"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    names = sorted(n for n in os.listdir(args.method) if n.endswith(".png"))
    truth, reference, method = (load(f, names) for f in (args.truth, args.reference, args.method))
    recognizer = FaceRecognizer(args.recognizer)
    with torch.no_grad():
        descriptors = recognizer(truth)
        base = recognizer.perceptual_distance(reference, truth)
        print(f"{len(names)} faces; paired differences to the reference, mean ± 95 %\n")
        print("| output | PSNR | IDS | face-perceptual | minus the reference's |\n|---|---|---|---|---|")
        rows = [("reference", reference), ("method", method)]
        rows += [(f"method, below σ = {s:g} from the reference", method - gaussian(method, s) + gaussian(reference, s)) for s in args.sigmas]
        for name, images in rows:
            images = images.clamp(-1, 1)
            peak = psnr(images, truth)
            ids = 1 - identity_loss(recognizer(images), descriptors)
            distance = recognizer.perceptual_distance(images, truth)
            d = distance - base
            print(f"| {name} | {peak.mean():.2f} | {ids.mean():.4f} | {distance.mean():.4f} | "
                  f"{d.mean():+.4f} ± {1.96 * d.std() / len(names) ** 0.5:.4f} |", flush=True)


if __name__ == "__main__":
    main()
