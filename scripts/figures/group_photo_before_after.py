#!/usr/bin/env python3
"""The README's group-photo figure: the photo before and after `dnr restore`, then each face before
(top) and after (bottom), cut around the boxes in the restore sidecar.

    .build/release/dnr restore Samples/group_photo_1024x768.png -o /tmp/group/restored.png
    python3 scripts/figures/group_photo_before_after.py Samples/group_photo_1024x768.png /tmp/group/restored.png docs/group-photo-before-after.jpg
"""
import json
import sys

from PIL import Image

before_path, after_path, out_path = sys.argv[1:4]
before, after = Image.open(before_path).convert("RGB"), Image.open(after_path).convert("RGB")
record = json.load(open(after_path.rsplit(".", 1)[0] + ".json"))
tiles = []
for face in record["faces"]:
    box = face["box"]
    cx, cy = (box["left"] + box["right"]) // 2, (box["top"] + box["bottom"]) // 2
    s = int(face["chipSide"] * 0.75)
    crop = (cx - s, cy - s, cx + s, cy + s)
    tiles.append((before.crop(crop).resize((160, 160), Image.LANCZOS), after.crop(crop).resize((160, 160), Image.LANCZOS)))
width = len(tiles) * 165 - 5
half = (width - 10) // 2
height = int(half * before.height / before.width)
figure = Image.new("RGB", (width, height + 10 + 325), "white")
figure.paste(before.resize((half, height), Image.LANCZOS), (0, 0))
figure.paste(after.resize((half, height), Image.LANCZOS), (half + 10, 0))
for i, (b, a) in enumerate(tiles):
    figure.paste(b, (i * 165, height + 10))
    figure.paste(a, (i * 165, height + 10 + 165))
figure.save(out_path, quality=90)
print(out_path, figure.size)
