"""The full-reference measures the diagnostics print, as `dnr eval` computes them (ImageMetrics.swift), on batches
of images in [−1, 1] ([N, 3, H, W]); one value per image."""
import torch


def psnr(images, truth):
    """PSNR in dB on the [0, 1] scale."""
    return 10 * torch.log10(4 / ((images - truth) ** 2).mean(dim=(1, 2, 3)))


def sharpness(images):
    """Variance of the 4-neighbour Laplacian of the grey image on [0, 255], over interior pixels."""
    grey = 127.5 * (images + 1)
    grey = 0.299 * grey[:, 0] + 0.587 * grey[:, 1] + 0.114 * grey[:, 2]
    laplacian = grey[:, :-2, 1:-1] + grey[:, 2:, 1:-1] + grey[:, 1:-1, :-2] + grey[:, 1:-1, 2:] - 4 * grey[:, 1:-1, 1:-1]
    return laplacian.flatten(1).var(1, unbiased=False)
