#!/usr/bin/env python3
"""PyTorch port of dlib's face-recognition ResNet for `dnr bench recognizer` (never needed by the product).

Loads the weights dnr exported (same names), checks the descriptors against dnr's on the same input,
and times forward and forward+backward (w.r.t. the input) at batch 1 and 16 on the given threads.
"""
import argparse, json, statistics, time
import torch
import torch.nn.functional as F
from safetensors.torch import load_file


def zext_add(a, b):
    shape = [max(x, y) for x, y in zip(a.shape, b.shape)]
    def pad(t):
        return F.pad(t, (0, shape[3] - t.shape[3], 0, shape[2] - t.shape[2], 0, shape[1] - t.shape[1]))
    return pad(a) + pad(b)


def forward(w, down, x):
    def aff(t, p):
        return t * w[p + ".gamma"][None, :, None, None] + w[p + ".beta"][None, :, None, None]
    h = F.relu(aff(F.conv2d(x, w["stem.conv.weight"], w["stem.conv.bias"], stride=2), "stem.affine"))
    h = F.max_pool2d(h, 3, 2)
    for i in range(14):
        p = f"units.{i}."
        s = 2 if i in down else 1
        y = F.conv2d(h, w[p + "convA.weight"], w[p + "convA.bias"], stride=s, padding=0 if s == 2 else 1)
        y = F.relu(aff(y, p + "affineA"))
        y = aff(F.conv2d(y, w[p + "convB.weight"], w[p + "convB.bias"], padding=1), p + "affineB")
        short = F.avg_pool2d(h, 2, 2) if i in down else h
        h = F.relu(zext_add(short, y))
    return h.mean(dim=(2, 3)) @ w["projection"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 16])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = load_file(args.weights)
    meta = json.loads(open(args.weights + ".json").read())
    w = {k: v for k, v in data.items() if not k.startswith("check.")}
    down = set(meta["downsampling_units"])
    with torch.no_grad():
        d = forward(w, down, data["check.input"])
    diff = (d - data["check.descriptors"]).abs().max().item()
    report = {"max_difference_to_dnr": diff}
    for n in args.batches:
        x = torch.randn(n, 3, 150, 150) * 0.3
        with torch.no_grad():
            for _ in range(2): forward(w, down, x)
            t = []
            for _ in range(args.runs):
                t0 = time.perf_counter(); forward(w, down, x); t.append(time.perf_counter() - t0)
        report[f"forward_{n}"] = statistics.median(t)
        xg = x.clone().requires_grad_()
        for _ in range(2):
            forward(w, down, xg).sum().backward()
        t = []
        for _ in range(args.runs):
            xg.grad = None
            t0 = time.perf_counter(); forward(w, down, xg).sum().backward(); t.append(time.perf_counter() - t0)
        report[f"backward_{n}"] = statistics.median(t)
    json.dump(report, open(args.output, "w"))


if __name__ == "__main__":
    main()
