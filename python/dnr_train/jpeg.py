"""A JPEG round trip without entropy coding (which is lossless): what libjpeg-turbo does to pixels
at a given quality with 4:2:0 chroma — JFIF YCbCr, 2×2 chroma averaging, 8×8 DCT, the IJG tables
scaled by quality, rounding, and on decoding the triangle ("fancy") chroma upsampling.

The integer DCT and colour conversion of libjpeg differ from these float versions by rounding only;
tests/test_degradation.py measures the difference against dnr's real codec."""
import math

import torch
import torch.nn.functional as F

_LUMA = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
         14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
         49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
_CHROMA = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
           47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32


def dct_matrix(dtype=torch.float32, device=None):
    k = torch.arange(8, dtype=torch.float64)[:, None]
    n = torch.arange(8, dtype=torch.float64)[None]
    m = torch.cos(math.pi * (2 * n + 1) * k / 16) * math.sqrt(2 / 8)
    m[0] = math.sqrt(1 / 8)
    return m.to(dtype=dtype, device=device)


def quantisation_tables(quality, device=None):
    """libjpeg's jpeg_quality_scaling and baseline clamp to 1…255: [2, 8, 8] (luma, chroma)."""
    quality = min(max(int(quality), 1), 100)
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    tables = torch.tensor([_LUMA, _CHROMA], dtype=torch.float32, device=device)
    return torch.clamp(torch.floor((tables * scale + 50) / 100), 1, 255).reshape(2, 8, 8)


def rgb_to_ycbcr(x):
    r, g, b = x[0], x[1], x[2]
    return torch.stack([0.299 * r + 0.587 * g + 0.114 * b,
                        -0.168735892 * r - 0.331264108 * g + 0.5 * b + 128,
                        0.5 * r - 0.418687589 * g - 0.081312411 * b + 128])


def ycbcr_to_rgb(y):
    l, cb, cr = y[0], y[1] - 128, y[2] - 128
    return torch.stack([l + 1.402 * cr, l - 0.344136286 * cb - 0.714136286 * cr, l + 1.772 * cb])


def _blocks_roundtrip(plane, table, d):
    """Quantises a plane [H, W] (multiples of 8) in the DCT domain and returns it decoded."""
    h, w = plane.shape
    b = (plane - 128).reshape(h // 8, 8, w // 8, 8).permute(0, 2, 1, 3)
    q = torch.round((d @ b @ d.T) / table)
    out = (d.T @ (q * table) @ d).permute(0, 2, 1, 3).reshape(h, w) + 128
    return torch.clamp(torch.round(out), 0, 255)


def roundtrip(image, quality):
    """image: [3, H, W] in grey levels 0…255 (float); returns the decoded image, 0…255, rounded."""
    _, h, w = image.shape
    x = torch.clamp(torch.round(image), 0, 255)
    ph, pw = -h % 16, -w % 16
    x = F.pad(x[None], (0, pw, 0, ph), mode="replicate")[0] if ph or pw else x
    ycc = torch.clamp(torch.round(rgb_to_ycbcr(x)), 0, 255)  # libjpeg's samples are 8-bit at every stage
    tables = quantisation_tables(quality, x.device)
    d = dct_matrix(x.dtype, x.device)
    luma = _blocks_roundtrip(ycc[0], tables[0], d)
    chroma = torch.round(F.avg_pool2d(ycc[1:][None], 2)[0])
    ch, cw = chroma.shape[1:]
    cp = (-ch % 8, -cw % 8)
    if cp[0] or cp[1]:
        chroma = F.pad(chroma[None], (0, cp[1], 0, cp[0]), mode="replicate")[0]
    chroma = torch.stack([_blocks_roundtrip(c, tables[1], d) for c in chroma])[:, :ch, :cw]
    chroma = torch.round(F.interpolate(chroma[None], scale_factor=2, mode="bilinear", align_corners=False)[0])
    out = ycbcr_to_rgb(torch.cat([luma[None], chroma]))
    return torch.clamp(torch.round(out), 0, 255)[:, :h, :w]
