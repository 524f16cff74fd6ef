"""Training faces packed small enough to carry to a GPU machine that has only torch and numpy.

A pack holds N faces at the model resolution R as quantised 8×8 DCT coefficients (JPEG's transform
and IJG tables at one quality, no chroma subsampling), compressed with lzma: about 1.6 KB a face at
R = 64 and quality 90 (41.8 dB PSNR to the uncompressed faces), decoded on load with torch alone.
Packing reads the images with Pillow and brings them to R as dnr's TrainingData does (area filter).

    dnr-pack-faces --data ../shared/data/faces --split train --resolution 64 --out faces.pack
"""
import argparse
import csv
import json
import lzma
import os
import random
import struct

import numpy as np
import torch

from .jpeg import dct_matrix, quantisation_tables, rgb_to_ycbcr, ycbcr_to_rgb

MAGIC = b"DNRFACES"


def manifest_files(folder, split):
    path = os.path.join(folder, "faces.csv")
    if os.path.exists(path):
        with open(path) as f:
            return [os.path.join(folder, row["file"]) for row in csv.DictReader(f) if row["split"] == split]
    return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.lower().endswith((".png", ".jpg", ".jpeg")))


def read_face(path, resolution):
    from PIL import Image
    image = Image.open(path).convert("RGB")
    if image.width != image.height:
        raise ValueError(f"{path}: not square")
    if image.width != resolution:
        image = image.resize((resolution, resolution), Image.BOX if image.width > resolution else Image.BICUBIC)
    return np.asarray(image)


def encode(faces, quality):
    """faces: uint8 [N, R, R, 3] → lzma-compressed int16 coefficients, coefficient-major."""
    x = torch.from_numpy(faces).permute(0, 3, 1, 2).double()
    ycc = torch.stack([rgb_to_ycbcr(f) for f in x]) - 128
    n, c, r, _ = ycc.shape
    blocks = ycc.reshape(n, c, r // 8, 8, r // 8, 8).permute(0, 1, 2, 4, 3, 5)
    d = dct_matrix(torch.float64)
    tables = quantisation_tables(quality).double()[[0, 1, 1]][None, :, None, None]
    q = torch.round((d @ blocks @ d.T) / tables).to(torch.int16)
    return lzma.compress(q.permute(4, 5, 1, 0, 2, 3).contiguous().numpy().tobytes(), preset=9)


def decode(blob, n, resolution, quality):
    """→ uint8 tensor [N, 3, R, R]."""
    r, b = resolution, resolution // 8
    q = torch.from_numpy(np.frombuffer(lzma.decompress(blob), dtype=np.int16).copy()).reshape(8, 8, 3, n, b, b)
    q = q.permute(3, 2, 4, 5, 0, 1).float()
    d = dct_matrix(torch.float32)
    tables = quantisation_tables(quality)[[0, 1, 1]][None, :, None, None]
    faces = []
    for start in range(0, n, 2048):
        blocks = d.T @ (q[start:start + 2048] * tables) @ d
        ycc = blocks.permute(0, 1, 2, 4, 3, 5).reshape(-1, 3, r, r) + 128
        rgb = torch.stack([ycbcr_to_rgb(f) for f in ycc])
        faces.append(torch.clamp(torch.round(rgb), 0, 255).to(torch.uint8))
    return torch.cat(faces)


def write(path, faces, quality, info):
    blob = encode(faces, quality)
    header = json.dumps(dict(info, count=len(faces), resolution=faces.shape[1], quality=quality)).encode()
    with open(path + ".partial", "wb") as f:
        f.write(MAGIC + struct.pack("<Q", len(header)) + header + blob)
    os.replace(path + ".partial", path)


def read(path):
    """→ (uint8 faces [N, 3, R, R], header dict)."""
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        raise ValueError(f"{path}: not a face pack")
    (length,) = struct.unpack("<Q", data[8:16])
    header = json.loads(data[16:16 + length])
    return decode(data[16 + length:], header["count"], header["resolution"], header["quality"]), header


def main():
    ap = argparse.ArgumentParser(description="Pack training faces for a GPU machine (see the module docstring).")
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="train")
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--quality", type=int, default=90)
    ap.add_argument("--limit", type=int, default=0, help="at most this many faces, drawn at random (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    files = manifest_files(args.data, args.split)
    if args.limit and args.limit < len(files):
        files = sorted(random.Random(args.seed).sample(files, args.limit))
    faces = np.stack([read_face(f, args.resolution) for f in files])
    write(args.out, faces, args.quality, {"data": os.path.basename(os.path.normpath(args.data)), "split": args.split,
                                          "files": [os.path.relpath(f, args.data) for f in files]})
    print(f"{args.out}: {len(files)} faces, {os.path.getsize(args.out) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
