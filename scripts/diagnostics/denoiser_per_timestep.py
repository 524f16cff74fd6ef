"""ε-MSE of one or more denoisers per band of timesteps, on dev faces (never trained on): which network predicts
the noise better where the sampler works (t ≤ T′ = 400), not only on the training loss's mix of timesteps.

Each network sees the same faces, degradations (the mirror's fixed batch), g(x) from one IPC, timesteps and noise.
--conditions puts something else in g(x)'s place too: how much the denoiser reads its condition, and how much a
better one could give it (x: the degraded input itself; truth: y_0, an oracle; zeros: no condition).

    cd python && python3 ../scripts/diagnostics/denoiser_per_timestep.py --faces ../../shared/data/faces \\
        --ipc ../Models/ipc.safetensors light=../Models/unet.safetensors default=../Models/in-training/unet-default/unet.safetensors
    cd python && python3 ../scripts/diagnostics/denoiser_per_timestep.py --faces ../../shared/data/faces \
        --ipc ../Models/ipc.safetensors --conditions ipc x truth zeros --bands 5 --bf16 unet=../Models/unet.safetensors
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from dnr_train import data, guidance, schedule, weights  # noqa: E402

BANDS = [(1, 50), (51, 100), (101, 200), (201, 300), (301, 400), (401, 600), (601, 1000)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", required=True, help="the faces folder (its dev split is used)")
    ap.add_argument("--ipc", required=True, help="the IPC whose g(x) the denoisers are given")
    ap.add_argument("networks", nargs="+", help="NAME=unet.safetensors")
    ap.add_argument("--count", type=int, default=96)
    ap.add_argument("--draws", type=int, default=2, help="timestep and noise draws per face and band")
    ap.add_argument("--bf16", action="store_true", help="run the denoisers under bf16 autocast, as the mirror validates")
    ap.add_argument("--conditions", nargs="+", default=["ipc"], choices=["ipc", "x", "truth", "zeros"],
                    help="what each denoiser gets in g(x)'s place (a column per network and condition)")
    ap.add_argument("--bands", type=int, default=len(BANDS), help="only the first N bands of timesteps (5: t ≤ 400)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    networks = dict(n.split("=", 1) for n in args.networks)
    models = {name: weights.load("diffusion", path).eval() for name, path in networks.items()}
    resolution = next(iter(models.values())).cfg["resolution"]
    faces = data.load_faces(args.faces, resolution, split="dev")[:args.count]
    clean, degraded = data.fixed_batch(faces, len(faces))
    with torch.no_grad():
        conditioned = weights.load("ipc", args.ipc).eval()(degraded)
    conditions = {"ipc": conditioned, "x": degraded, "truth": clean, "zeros": torch.zeros_like(clean)}
    columns = [(name, c) for name in models for c in args.conditions]
    label = (lambda name, c: name) if args.conditions == ["ipc"] else (lambda name, c: f"{name} on {c}")
    alpha_bars = schedule.alpha_bars()
    generator = torch.Generator().manual_seed(3)
    print(f"{len(faces)} dev faces, {args.draws} draws per band; ε-MSE (lower is better)\n")
    print("| t | " + " | ".join(label(*column) for column in columns) + " |\n|---|" + "---|" * len(columns))
    for low, high in BANDS[:args.bands]:
        errors = {column: [] for column in columns}
        for _ in range(args.draws):
            t = torch.randint(low, high + 1, (len(faces),), generator=generator)
            noise = torch.randn(clean.shape, generator=generator)
            noisy = schedule.noised(clean, noise, alpha_bars[t])
            with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                for name, c in columns:
                    predicted = guidance.predicted_noise(models[name], noisy, degraded, conditions[c], t)
                    errors[name, c].append(((predicted.float() - noise) ** 2).mean(dim=(1, 2, 3)))
        print(f"| {low}–{high} | " + " | ".join(f"{torch.cat(e).mean():.5f}" for e in errors.values()) + " |", flush=True)


if __name__ == "__main__":
    main()
