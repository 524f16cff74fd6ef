"""Does dnr's face-perceptual distance reward plausible detail, or only correct detail?

Scores, on the first N dev faces (paper-setting degradations of the mirror's fixed batch), the distance to the
truth of: the input, g(x), blurred truths, the truth plus white noise of the same MSE, and smooth images plus fine
detail that is plausible but wrong (another face's) or right (the truth's own). Findings: docs/face-perceptual-metric.md.

    cd python && python3 ../scripts/diagnostics/face_perceptual_preference.py --faces ../../shared/data/faces --models ../Models
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from dnr_train import data, degradation, weights  # noqa: E402
from dnr_train.dlib_model import FaceRecognizer  # noqa: E402
from measures import psnr  # noqa: E402


def gaussian_blur(images, sigma):
    return torch.stack([degradation.gaussian_blur(image, sigma) for image in images])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", required=True, help="the faces folder (its dev split is scored)")
    ap.add_argument("--models", required=True, help="folder with ipc.safetensors and dlib's recognizer")
    ap.add_argument("--count", type=int, default=128)
    ap.add_argument("--resolution", type=int, default=64)
    args = ap.parse_args()
    torch.set_num_threads(1)
    faces = data.load_faces(args.faces, args.resolution, split="dev")[:args.count]
    clean, degraded = data.fixed_batch(faces, len(faces))
    ipc = weights.load("ipc", os.path.join(args.models, "ipc.safetensors")).eval()
    recognizer = FaceRecognizer(os.path.join(args.models, "dlib_face_recognition_resnet_model_v1.dat"))

    def report(name, images):
        peak = psnr(images, clean).mean().item()
        with torch.no_grad():
            distance = recognizer.perceptual_distance(images.clamp(-1, 1), clean).mean().item()
        print(f"| {name} | {peak:.2f} | {distance:.4f} |", flush=True)

    with torch.no_grad():
        conditioned = ipc(degraded)
    noise = torch.Generator().manual_seed(1)
    detail = clean - gaussian_blur(clean, 1.0)
    anothers = detail[torch.roll(torch.arange(len(faces)), 1)]  # the next face's fine detail: plausible, not this face's
    print(f"{len(faces)} dev faces at {args.resolution} px\n\n| image | PSNR | face-perceptual |\n|---|---|---|")
    report("degraded input x", degraded)
    report("IPC g(x)", conditioned)
    for sigma in (0.7, 1.0, 1.4):
        blurred = gaussian_blur(clean, sigma)
        report(f"truth blurred, σ = {sigma}", blurred)
        rms = ((blurred - clean) ** 2).mean().sqrt()
        report(f"truth + white noise, the same MSE as σ = {sigma}", clean + rms * torch.randn(clean.shape, generator=noise))
    report("truth blurred (σ = 1) + its own detail × 0.5", gaussian_blur(clean, 1.0) + 0.5 * detail)
    report("truth blurred (σ = 1) + another face's detail", gaussian_blur(clean, 1.0) + anothers)
    report("g(x) + the truth's own detail (an oracle)", conditioned + detail)
    report("g(x) + another face's detail", conditioned + anothers)


if __name__ == "__main__":
    main()
