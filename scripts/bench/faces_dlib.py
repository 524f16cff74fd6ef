#!/usr/bin/env python3
"""dlib's own CNN face detector and 5-point landmarks on a photo, timed (for `dnr bench faces`).

    python3 scripts/bench/faces_dlib.py --photo P --models Models --threads 2 --runs 3 --output OUT.json
"""
import argparse
import json
import os
import time

parser = argparse.ArgumentParser()
parser.add_argument("--photo", required=True)
parser.add_argument("--models", required=True)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--output", required=True)
args = parser.parse_args()
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)

import dlib  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

img = np.asarray(Image.open(args.photo).convert("RGB"))
detector = dlib.cnn_face_detection_model_v1(os.path.join(args.models, "mmod_human_face_detector.dat"))
predictor = dlib.shape_predictor(os.path.join(args.models, "shape_predictor_5_face_landmarks.dat"))
result = {"dlib": dlib.__version__, "cuda": bool(dlib.DLIB_USE_CUDA)}
for upsample in (0, 1):
    detector(img, upsample)  # warm-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        dets = detector(img, upsample)
        times.append(time.perf_counter() - start)
    result[f"detect_upsample{upsample}"] = sorted(times)[len(times) // 2]
    result[f"faces_upsample{upsample}"] = len(dets)
dets = detector(img, 1)
start = time.perf_counter()
for _ in range(args.runs):
    for d in dets:
        predictor(img, d.rect)
result["landmarks_per_face"] = (time.perf_counter() - start) / max(1, args.runs * len(dets))
with open(args.output, "w") as f:
    json.dump(result, f)
