"""Where on the reverse run the estimate moves towards or away from the truth: PSNR, face-perceptual distance and sharpness
of ŷ0,t at every saved step (`dnr restore --save-steps 1`), of the final output and of g(x), paired against g(x).

Folders of same-named PNGs: the truth, g(x) (`dnr restore --ipc-only`) and the run (`dnr restore --save-steps 1`,
whose step files are NAME_stepKKKK_tT.png beside NAME.png).

    cd python && python3 ../scripts/diagnostics/trajectory.py --truth CLEAN --reference IPC --run NET4 [--run NET2]
    cd python && python3 ../scripts/diagnostics/trajectory.py --truth CLEAN --reference IPC --mean-of SEED0 SEED1 SEED2 SEED3
"""
import argparse
import math
import os
import re
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from dnr_train.dlib_model import FaceRecognizer  # noqa: E402
from measures import psnr, sharpness  # noqa: E402

STEP = re.compile(r"^(?P<name>.+)_step(?P<k>\d{4})_t(?P<t>\d+)\.png$")


def load(paths):
    arrays = [np.asarray(Image.open(p).convert("RGB"), dtype=np.float32) for p in paths]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2) / 127.5 - 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--reference", required=True, help="g(x)")
    ap.add_argument("--run", action="append", default=[], help="a dnr restore --save-steps 1 output folder")
    ap.add_argument("--mean-of", nargs="+", default=[], metavar="FOLDER",
                    help="dnr restore outputs of one method with different --seed: each one's score and their mean's")
    ap.add_argument("--recognizer", default=os.path.join(os.path.dirname(__file__), "..", "..", "Models",
                                                         "dlib_face_recognition_resnet_model_v1.dat"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    recognizer = FaceRecognizer(args.recognizer)
    names = sorted(n for n in os.listdir(args.truth) if n.endswith(".png"))
    truth = load([os.path.join(args.truth, n) for n in names])

    def scores(images):
        with torch.no_grad():
            return psnr(images, truth), recognizer.perceptual_distance(images, truth)

    reference = load([os.path.join(args.reference, n) for n in names])
    base_psnr, base_distance = scores(reference)
    print(f"{len(names)} faces; g(x): PSNR {base_psnr.mean():.2f}, face-perceptual {base_distance.mean():.4f}, "
          f"sharpness {sharpness(reference).mean():.0f} (truth {sharpness(truth).mean():.0f})\n")
    header = "| {} | PSNR | face-perceptual | minus g(x)'s (± 95 %) | sharpness |\n|---|---|---|---|---|"

    def row(label, images):
        p, d = scores(images)
        difference = d - base_distance
        half = 1.96 * difference.std().item() / math.sqrt(len(names))
        print(f"| {label} | {p.mean():.2f} | {d.mean():.4f} | {difference.mean():+.4f} ± {half:.4f} | "
              f"{sharpness(images).mean():.0f} |", flush=True)

    for run in args.run:
        steps = {}
        for f in os.listdir(run):
            m = STEP.match(f)
            if m:
                steps.setdefault((int(m["k"]), int(m["t"])), {})[m["name"] + ".png"] = os.path.join(run, f)
        print(f"{run}\n\n" + header.format("estimate"))
        for (k, t), files in sorted(steps.items()):
            row(f"ŷ0 at step {k} (t = {t})", load([files[n] for n in names]))
        row("final output", load([os.path.join(run, n) for n in names]))
        print()
    if args.mean_of:
        samples = [load([os.path.join(folder, n) for n in names]) for folder in args.mean_of]
        print(header.format("output"))
        for folder, images in zip(args.mean_of, samples):
            row(f"final output of {folder}", images)
        row(f"pixel mean of the {len(samples)}", torch.stack(samples).mean(0))

if __name__ == "__main__":
    main()
