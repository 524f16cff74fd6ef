"""The DDPM schedule (NoiseSchedule.swift) and Eq. 3's noising (DiffusionMath.noised)."""
import torch


def alpha_bars(steps=1000, beta_start=1e-4, beta_end=0.02):
    """ᾱ_t for t = 0…T (index t), ᾱ_0 = 1, float64."""
    i = torch.arange(steps, dtype=torch.float64)
    betas = beta_start + (beta_end - beta_start) * i / max(steps - 1, 1) if steps > 1 else torch.full((1,), beta_start, dtype=torch.float64)
    return torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(1 - betas, 0)])


def noised(start, noise, alpha_bar):
    """Eq. 3: y_t = √ᾱ_t·y_0 + √(1 − ᾱ_t)·ε, ᾱ_t per sample [N]."""
    a = alpha_bar.to(start.dtype).view(-1, 1, 1, 1)
    return a.sqrt() * start + (1 - a).sqrt() * noise


def draw_timesteps(n, steps, focus, generator, focus_share=0.5):
    """As DiffusionTrainer.drawTimestep: a share from 1…focus, the rest from 1…T (focus 0: all from 1…T)."""
    focused = (torch.rand(n, generator=generator) < focus_share) & (focus > 0)
    limit = torch.where(focused, min(focus, steps) if focus > 0 else steps, steps)
    return torch.minimum(1 + (torch.rand(n, generator=generator, dtype=torch.float64) * limit).long(), limit)
