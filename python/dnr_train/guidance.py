"""ε̂ and Eqs. 6, 7 and 9 as the sampler and the trainers use them (DiffusionMath.swift, IdentityGuidance.swift)."""
import torch

from .dlib_model import identity_loss


def per_sample(alpha_bar, like):
    return alpha_bar.to(like.dtype).view(-1, *([1] * (like.dim() - 1)))


def predicted_noise(unet, current, degraded, conditioned, t):
    """ε̂(y_t; x, g(x), t): the UNet reads [y_t, x, g(x)] along the channels (ConditionalUNet.predictNoise)."""
    return unet(torch.cat([current, degraded, conditioned], 1), t.float())


def predicted_start(current, noise, alpha_bar):
    """Eq. 6: ŷ_{0,t} = (y_t − √(1 − ᾱ_t)·ε̂) / √ᾱ_t."""
    a = per_sample(alpha_bar, current)
    return (current - (1 - a).sqrt() * noise) / a.sqrt()


def arc_loss(predicted, target, recognizer):
    """Eq. 7: L_arc = D_cos(f(ŷ_{0,t}), f(g(x))), summed over the batch (`target` holds f(g(x)))."""
    return identity_loss(recognizer(predicted), target).sum()


def held_noise_gradient(predicted, alpha_bar, target, recognizer):
    """∇_{y_t} L_arc with ε̂ held: (1/√ᾱ_t)·∇_{ŷ0} L_arc."""
    with torch.enable_grad():
        start = predicted.detach().requires_grad_()
        gradient, = torch.autograd.grad(arc_loss(start, target, recognizer), start)
    return gradient / per_sample(alpha_bar, gradient).sqrt()


def shifted(value, gradient, mask, factor):
    """Eq. 9: v − k·(∇L ⊙ M) (∇L itself without a mask)."""
    return value - factor * (gradient if mask is None else gradient * mask)
