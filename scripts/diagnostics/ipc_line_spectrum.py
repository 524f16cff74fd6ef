"""The thin horizontal lines g(x) draws across the eyes and forehead: how strong they are, and whether dlib's identity
rests on them. Dev faces degraded with the PyTorch mirror's Eq. 10 (the paper's ranges, or the extreme ×4 setting), the
committed IPC, then:

- the mean power spectrum of g(x) and of x along y and along x (the face's centre, 48 px), each over the truth's;
  a line pattern shows as a ratio along y above the ratio along x at the same frequency;
- dlib's distance to the truth after a [1 2 1]/4 smoothing along y (which removes lines of period ~2 px) against the
  same smoothing along x: if the identity rested on the lines, smoothing along y would cost more;
- the power of Eq. 4's identity gradient (D_cos to the truth, with respect to g(x) and to x) along y over along x per
  frequency: what the identity term asks the IPC to draw.

    cd python && python3 ../scripts/diagnostics/ipc_line_spectrum.py --faces ../../shared/data/faces --count 300 --setting extreme
"""
import argparse
import os
import random
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from dnr_train import data, degradation, weights  # noqa: E402
from dnr_train.dlib_model import FaceRecognizer, identity_loss  # noqa: E402

MODELS = os.path.join(os.path.dirname(__file__), "..", "..", "Models")


def degraded(faces, setting, seed):
    rng, generator = random.Random(seed), torch.Generator().manual_seed(seed)
    def parameters():
        if setting == "extreme":  # EvaluationSetting.extreme: a 16-px input at R = 64
            return degradation.Parameters(rng.uniform(0.1, 0.6), 4.0, rng.uniform(0, 5), rng.randint(60, 90))
        return degradation.draw(rng, faces.shape[-1])
    return torch.stack([degradation.apply(face, parameters(), generator) for face in faces])


def smoothed(images, axis):
    """[1 2 1]/4 along axis 2 (y) or 3 (x), borders replicated."""
    padding = (0, 0, 1, 1) if axis == 2 else (1, 1, 0, 0)
    p = F.pad(images, padding, mode="replicate")
    n = images.shape[axis]
    return (p.narrow(axis, 0, n) + 2 * p.narrow(axis, 1, n) + p.narrow(axis, 2, n)) / 4


def spectrum(images, axis):
    """Mean power per frequency along axis over the central 48×48 pixels."""
    centre = images[:, :, 8:56, 8:56]
    centre = centre - centre.mean(axis, keepdim=True)
    power = torch.fft.rfft(centre, dim=axis).abs() ** 2
    return power.mean((0, 1, 5 - axis))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--faces", required=True, help="the faces folder (its dev split is read)")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--setting", choices=["paper", "extreme"], default="extreme")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--ipc", default=os.path.join(MODELS, "ipc.safetensors"),
                    help="the IPC's weights (default the committed ones; e.g. ../Models/in-training/ipc/ipc.safetensors)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    recognizer = FaceRecognizer(os.path.join(MODELS, "dlib_face_recognition_resnet_model_v1.dat"))
    ipc = weights.load("ipc", args.ipc).eval()
    faces = data.load_faces(args.faces, 64, split="dev")[: args.count].float() / 255
    truth = faces * 2 - 1
    x = degraded(faces, args.setting, args.seed) * 2 - 1
    with torch.no_grad():
        restored = ipc(x).float().clamp(-1, 1)
        reference = recognizer(truth)

        def distance(images):
            return torch.linalg.norm(recognizer(images) - reference, dim=1)

        ratios = {name: [spectrum(images, axis) / spectrum(truth, axis) for axis in (2, 3)]
                  for name, images in (("g(x)", restored), ("x", x))}
        print(f"{args.count} dev faces, setting {args.setting}: power over the truth's, along y / along x")
        print("cycles/px   g(x) y   g(x) x   x y      x x")
        for k in range(len(ratios["x"][0])):
            print(f"{k / 48:9.3f}   {ratios['g(x)'][0][k]:.3f}    {ratios['g(x)'][1][k]:.3f}    "
                  f"{ratios['x'][0][k]:.3f}    {ratios['x'][1][k]:.3f}")
        before = distance(restored)
        print(f"g(x): dlib distance to the truth {before.mean():.4f}, same person {100 * (before < 0.6).float().mean():.1f} %")
        for axis, name in ((2, "y"), (3, "x")):
            change = distance(smoothed(restored, axis)) - before
            print(f"smoothed along {name}: distance {change.mean():+.4f} ± {1.96 * change.std() / len(change) ** 0.5:.4f} (95 %)")
    gradients = {}
    for name, images in (("g(x)", restored), ("x", x)):
        images = images.clone().requires_grad_(True)
        identity_loss(recognizer(images), reference).sum().backward()
        gradients[name] = spectrum(images.grad, 2) / spectrum(images.grad, 3)
    print("identity gradient's power along y over along x\ncycles/px   g(x)    x")
    for k in range(1, len(gradients["x"])):
        print(f"{k / 48:9.3f}   {gradients['g(x)'][k]:.2f}    {gradients['x'][k]:.2f}")


if __name__ == "__main__":
    main()
