"""The mask objective's terms per update scale k and mask, with ε̂ held and re-evaluated after the update
(objectives.mask_objective_terms, what `--reevaluate-noise` trains on): which k the objective should use so that
one update stands for what the sampler's s·σ_t² does, and whether a mask beats no guidance and uniform guidance.

Dev faces (never trained on), the mirror's degradations from one seed, t uniform in 1…400, y_t around g(x).

    cd python && python3 ../scripts/diagnostics/mask_objective_scales.py --faces ../../shared/data/faces --models W \\
        [--mask OTHER/mask.safetensors] [--count 32] [--scales 1 3 10 30 100]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from dnr_train import data, objectives, schedule, weights  # noqa: E402
from dnr_train.dlib_model import FaceRecognizer  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", required=True, help="the faces folder (its dev split is used)")
    ap.add_argument("--models", required=True, help="a Models folder: recognizer, ipc, unet and mask")
    ap.add_argument("--mask", default="", help="another mask branch to score beside the folder's")
    ap.add_argument("--count", type=int, default=32)
    ap.add_argument("--scales", type=float, nargs="+", default=[1, 3, 10, 30, 100])
    args = ap.parse_args()
    torch.set_num_threads(1)
    load = lambda network, path: weights.load(network, path).eval().requires_grad_(False)
    recognizer = FaceRecognizer(os.path.join(args.models, "dlib_face_recognition_resnet_model_v1.dat"))
    ipc = load("ipc", os.path.join(args.models, weights.FILES["ipc"]))
    unet = load("diffusion", os.path.join(args.models, weights.FILES["diffusion"]))
    branches = {"M": load("mask", os.path.join(args.models, weights.FILES["mask"]))}
    if args.mask:
        branches["M (" + os.path.basename(os.path.dirname(os.path.abspath(args.mask))) + ")"] = load("mask", args.mask)
    faces = data.load_faces(args.faces, ipc.cfg["resolution"], split="dev")[:args.count]
    clean, degraded = data.fixed_batch(faces, len(faces))
    generator = torch.Generator().manual_seed(7)
    t = objectives.mask_timesteps(len(faces), generator)
    noise = torch.randn(clean.shape, generator=generator)
    setup = objectives.mask_setup(ipc, unet, recognizer, schedule.alpha_bars(), clean, degraded, t, noise, 0.04)
    with torch.no_grad():
        masks = {"none": torch.zeros_like(setup["proxy"]), "uniform": torch.ones_like(setup["proxy"]), "M′": setup["proxy"]}
        masks.update({name: branch(degraded, setup["proxy"], setup["features"] if branch.sub_branch else None)
                      for name, branch in branches.items()})
    print(f"{len(faces)} dev faces; coverage " + ", ".join(f"{n} {m.mean().item():.1%}" for n, m in masks.items() if n != "none"))
    print("identity loss / face-perceptual distance (lower is better)\n")
    print("| ε̂ | k | " + " | ".join(masks) + " |\n|---|---|" + "---|" * len(masks))
    for reevaluate in (False, True):
        for k in args.scales:
            cells = []
            for mask in masks.values():
                with torch.no_grad():
                    identity, perceptual, _ = objectives.mask_objective_terms(recognizer, setup, mask, k, unet if reevaluate else None)
                cells.append(f"{identity.item():.5f} / {perceptual.item():.5f}")
            print(f"| {'re-evaluated' if reevaluate else 'held'} | {k:g} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
