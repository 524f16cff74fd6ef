"""Eq. 10, ((I ⊗ k_σ)↓s + n)_JPEG q then resized back, as dnr's Degradation.swift does it: sampled
Gaussian of radius ⌈3σ⌉ with mirrored borders, antialiased bicubic (a = −0.5, Pillow's) down to
round(R/s) px, Gaussian noise of σ grey levels, a JPEG round trip at quality q, bicubic back to R
and a clamp to [0, 1]. Parameters are drawn from the paper's ranges scaled to R (DegradationRanges)."""
import math
import random
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from . import jpeg


@dataclass
class Parameters:
    blur_sigma: float
    scale: float
    noise_sigma: float
    jpeg_quality: int


def paper_ranges(resolution):
    r = resolution / 512
    return {"blur_sigma": (0.1 * r, 10 * r), "scale": (1.0, max(1.0, 32 * r)), "noise_sigma": (0.0, 20.0), "jpeg_quality": (30, 90)}


def draw(rng: random.Random, resolution):
    ranges = paper_ranges(resolution)
    return Parameters(rng.uniform(*ranges["blur_sigma"]), rng.uniform(*ranges["scale"]),
                      rng.uniform(*ranges["noise_sigma"]), rng.randint(*ranges["jpeg_quality"]))


def gaussian_blur(image, sigma):
    radius = max(1, math.ceil(3 * sigma))
    k = torch.arange(-radius, radius + 1, dtype=torch.float64)
    k = torch.exp(-k * k / (2 * sigma * sigma))
    k = (k / k.sum()).to(image.dtype)
    c = image.shape[0]
    x = image[None]
    # reflect-101 borders (torch's "reflect"), which needs radius < side: mirror repeatedly otherwise.
    while radius >= min(x.shape[-2:]):
        x = F.pad(x, (x.shape[-1] - 1,) * 2 + (x.shape[-2] - 1,) * 2, mode="reflect")
    x = F.pad(x, (radius, radius, 0, 0), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    x = F.pad(x, (0, 0, radius, radius), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)
    if x.shape[-1] != image.shape[-1]:  # undo the repeated mirroring's growth (centre crop)
        dy, dx = (x.shape[-2] - image.shape[-2]) // 2, (x.shape[-1] - image.shape[-1]) // 2
        x = x[..., dy:dy + image.shape[-2], dx:dx + image.shape[-1]]
    return x[0]


def resize(image, height, width):
    return F.interpolate(image[None], size=(height, width), mode="bicubic", antialias=True, align_corners=False)[0]


def apply(image, p: Parameters, generator: torch.Generator = None):
    """image: [3, R, R] in [0, 1]; returns the degraded image in [0, 1]."""
    _, h, w = image.shape
    x = gaussian_blur(image, p.blur_sigma) if p.blur_sigma > 0 else image
    sh, sw = max(1, math.floor(h / p.scale + 0.5)), max(1, math.floor(w / p.scale + 0.5))
    if (sh, sw) != (h, w):
        x = resize(x, sh, sw)
    if p.noise_sigma > 0:
        x = x + torch.randn(x.shape, generator=generator, dtype=x.dtype) * (p.noise_sigma / 255)
    x = jpeg.roundtrip(x * 255, p.jpeg_quality) / 255
    if (sh, sw) != (h, w):
        x = resize(x, h, w)
    return torch.clamp(x, 0, 1)
