"""The mask branch's objective (MaskTrainer.swift): at t ≤ 400, the guided update of y_t with M,
ŷ_{0,t} again (ε̂ held or re-evaluated), scored against y_0 with the identity loss plus λ times the
face-perceptual distance, plus μ times M's coverage (where the guidance changes nothing, only the
coverage term decides, so M stays off there); and the loss that moves a trained branch onto a retrained IPC. The IPC's (Eq. 4; its optional smoothing is here) and the denoiser's (Eq. 5) are a line each, in train.py."""
import torch
import torch.nn.functional as F

from . import guidance, schedule
from .dlib_model import identity_loss
from .networks import proxy_mask


def binomial_smoothed(images):
    """Images blurred by [1 2 1]/4 along x and along y (edges mirrored): the near-Nyquist detail removed, a
    component at f cycles/px kept at cos²(πf) per axis. The IPC's identity term can score g(x) through it
    (--identity-smoothing), so that dlib's gradient no longer pays for thin lines (docs/ipc-milestone-eval.md)."""
    taps = images.new_tensor([1.0, 2.0, 1.0]) / 4
    kernel = (taps[:, None] * taps[None, :]).expand(images.shape[1], 1, 3, 3)
    return F.conv2d(F.pad(images, (1, 1, 1, 1), mode="reflect"), kernel, groups=images.shape[1])


def mask_timesteps(n, generator, limit=400):
    """The mask trainer's timesteps: uniform in 1…limit (restoration starts at T′ ≤ 400)."""
    return 1 + torch.randint(0, limit, (n,), generator=generator)


def mask_setup(ipc, unet, recognizer, alpha_bars, clean, degraded, t, noise, delta, noised="conditioned"):
    """Everything the objective needs that does not depend on the mask. `noised`: the image y_t is
    drawn around, y_0 ("clean") or g(x) ("conditioned", where the sampler starts at T′)."""
    with torch.no_grad(), torch.autocast(clean.device.type, enabled=False):
        residual, features = ipc.residual_and_features(degraded)
        conditioned = degraded + residual
        alpha_bar = alpha_bars[t]
        noisy = schedule.noised(clean if noised == "clean" else conditioned, noise, alpha_bar)
        epsilon = guidance.predicted_noise(unet, noisy, degraded, conditioned, t)
        start = guidance.predicted_start(noisy, epsilon, alpha_bar)
        gradient = guidance.held_noise_gradient(start, alpha_bar, recognizer(conditioned), recognizer)
        truth = recognizer(clean)
    return {"noisy": noisy, "epsilon": epsilon, "gradient": gradient, "alpha_bar": alpha_bar, "clean": clean, "truth": truth,
            "proxy": proxy_mask(conditioned, degraded, delta), "features": features, "degraded": degraded,
            "conditioned": conditioned, "t": t}


def mask_objective(recognizer, setup, mask, update_scale, perceptual_weight, coverage_weight=0.005, reevaluate_with=None):
    identity, perceptual, coverage = mask_objective_terms(recognizer, setup, mask, update_scale, reevaluate_with)
    return identity + perceptual_weight * perceptual + coverage_weight * coverage


def mask_objective_terms(recognizer, setup, mask, update_scale, reevaluate_with=None):
    """The objective's identity loss, face-perceptual distance and coverage, each a batch mean.
    `reevaluate_with`: the frozen denoiser, to score ŷ_{0,t} with ε̂ of the updated y_t instead of ε̂ held
    (MaskTrainer.reevaluatesNoise); in fp32, as the update is far below bf16's resolution of y_t."""
    with torch.autocast(setup["clean"].device.type, enabled=False):
        updated = guidance.shifted(setup["noisy"], setup["gradient"], mask, update_scale)
        epsilon = setup["epsilon"] if reevaluate_with is None else \
            guidance.predicted_noise(reevaluate_with, updated, setup["degraded"], setup["conditioned"], setup["t"])
        restored = guidance.predicted_start(updated, epsilon, setup["alpha_bar"])
        return identity_loss(recognizer(restored), setup["truth"]).mean(), \
            recognizer.perceptual_distance(restored, setup["clean"]).mean(), mask.mean()


def mask_inputs(ipc, degraded, delta):
    """What the sub-branch reads from an IPC: its first-scale features and the proxy M′ of its g(x)."""
    with torch.no_grad(), torch.autocast(degraded.device.type, enabled=False):
        residual, features = ipc.residual_and_features(degraded)
        return features, proxy_mask(degraded + residual, degraded, delta)


def mask_rebase_loss(mask, ipc, teacher, teacher_ipc, degraded, delta):
    """Moving a trained sub-branch onto a retrained IPC (--rebase-from): the branch reading the new IPC is fitted
    (binary cross-entropy) to the decision M the starting branch makes reading the IPC it was trained on, so M keeps
    its regions. The target is the hard 0/1 decision, so the branch also comes out committed where it was not."""
    features, proxy = mask_inputs(ipc, degraded, delta)
    old_features, old_proxy = mask_inputs(teacher_ipc, degraded, delta)
    with torch.no_grad():
        target = (teacher.probabilities(degraded, old_proxy, old_features) > 0.5).float()
    p = mask.probabilities(degraded, proxy, features)
    loss = F.binary_cross_entropy(p.clamp(1e-6, 1 - 1e-6), target)
    decided = (p > 0.5).float()
    return loss, {"coverage": decided.mean().item(), "agreement": (decided == target).float().mean().item(),
                  "teacher_coverage": target.mean().item()}
