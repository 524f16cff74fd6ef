"""How good a regressor the denoiser is where the sampler starts: PSNR and face-perceptual distance of its one-step
estimate ŷ0 (Eq. 6) from y_t, against g(x)'s, on dev faces (never trained on).

y_t is formed two ways: from the truth (as training forms it, Eq. 3) and from g(x) (as the sampler forms y_T′ at
inference). "mean of N" averages ŷ0 over N noise draws: the denoiser's posterior-mean estimate, which a single
reverse run's sample cannot beat on a distortion-like measure. If even that is no closer to the truth than g(x),
the diffusion can only get below g(x) by detail the measure does not count as distortion.

    cd python && python3 ../scripts/diagnostics/denoiser_estimate.py --faces ../../shared/data/faces --models ../Models
"""
import argparse
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from dnr_train import data, guidance, schedule, weights  # noqa: E402
from dnr_train.dlib_model import FaceRecognizer  # noqa: E402
from measures import psnr  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", required=True, help="the faces folder (its dev split is used)")
    ap.add_argument("--models", required=True, help="a folder with ipc.*, unet.* and dlib's recognizer")
    ap.add_argument("--unet", help="another denoiser's safetensors (default: MODELS/unet.safetensors)")
    ap.add_argument("--count", type=int, default=96)
    ap.add_argument("--draws", type=int, default=4, help="noise draws per face and timestep")
    ap.add_argument("--timesteps", type=int, nargs="+", default=[400, 300, 200, 100])
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("THREADS", "1")))
    unet = weights.load("diffusion", args.unet or os.path.join(args.models, weights.FILES["diffusion"])).eval()
    ipc = weights.load("ipc", os.path.join(args.models, weights.FILES["ipc"])).eval()
    recognizer = FaceRecognizer(os.path.join(args.models, "dlib_face_recognition_resnet_model_v1.dat"))
    faces = data.load_faces(args.faces, unet.cfg["resolution"], split="dev")[:args.count]
    clean, degraded = data.fixed_batch(faces, len(faces))
    alpha_bars = schedule.alpha_bars()
    generator = torch.Generator().manual_seed(5)

    def scores(images):
        images = images.clamp(-1, 1)
        with torch.no_grad():
            return psnr(images, clean), recognizer.perceptual_distance(images, clean)

    with torch.no_grad():
        conditioned = ipc(degraded)
    rows = [("g(x)", *scores(conditioned))]
    for t in args.timesteps:
        steps = torch.full((len(faces),), t)
        for start_name, start in (("truth", clean), ("g(x)", conditioned)):
            estimates = []
            for _ in range(args.draws):
                noise = torch.randn(clean.shape, generator=generator)
                noisy = schedule.noised(start, noise, alpha_bars[steps])
                with torch.no_grad():
                    predicted = guidance.predicted_noise(unet, noisy, degraded, conditioned, steps)
                    estimates.append(guidance.predicted_start(noisy, predicted, alpha_bars[steps]).clamp(-1, 1))
            one = [scores(e) for e in estimates]
            rows.append((f"ŷ0 at t = {t} from noised {start_name}, one draw",
                         torch.stack([p for p, _ in one]).mean(0), torch.stack([d for _, d in one]).mean(0)))
            rows.append((f"ŷ0 at t = {t} from noised {start_name}, mean of {args.draws}",
                         *scores(torch.stack(estimates).mean(0))))
    base_psnr, base_distance = rows[0][1], rows[0][2]
    n = len(faces)
    print(f"{n} dev faces (the mirror's fixed degradations), {args.draws} draws; ± 95 % of the paired difference to g(x)\n")
    print("| estimate | PSNR | face-perceptual | minus g(x)'s |\n|---|---|---|---|")
    for name, p, d in rows:
        difference = d - base_distance
        half = 1.96 * difference.std().item() / math.sqrt(n) if name != "g(x)" else 0
        change = f"{difference.mean():+.4f} ± {half:.4f}" if name != "g(x)" else ""
        print(f"| {name} | {p.mean():.2f} | {d.mean():.4f} | {change} |", flush=True)


if __name__ == "__main__":
    main()
