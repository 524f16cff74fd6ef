"""dnr's networks in PyTorch, with dnr's parameter names (`dnr_names`) so weights move both ways.

- `Conditioner`: the IPC g_φ (Sec. 3.1), architecture "unet" (ConditionerConfiguration.swift).
- `ConditionalUNet`: the denoiser ε_θ(y_t, x, g(x), t) (UNetConfiguration.swift).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class PlainResidualBlock(nn.Module):
    """conv → ReLU → conv, added to the input; the second convolution starts at zero."""

    def __init__(self, width):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        nn.init.zeros_(self.conv2.weight); nn.init.zeros_(self.conv2.bias)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(x)))


class Conditioner(nn.Module):
    """The IPC's U-Net: g(x) = x + residual(x). Its state_dict names are dnr's."""

    def __init__(self, cfg):
        super().__init__()
        if cfg.get("architecture", "residual") != "unet":
            raise ValueError("only the 'unet' IPC architecture is mirrored")
        self.cfg = dict(cfg)
        widths, blocks = cfg["widths"], cfg["blocks"]
        inner = range(len(widths) - 1)
        self.head = nn.Conv2d(3, widths[0], 3, padding=1)
        self.encoder = nn.ModuleList(nn.ModuleList(PlainResidualBlock(widths[l]) for _ in range(blocks)) for l in inner)
        self.down = nn.ModuleList(nn.Conv2d(widths[l], widths[l + 1], 3, stride=2, padding=1) for l in inner)
        self.middle = nn.ModuleList(PlainResidualBlock(widths[-1]) for _ in range(blocks))
        self.up = nn.ModuleList(nn.Conv2d(widths[l + 1], widths[l], 3, padding=1) for l in reversed(inner))
        self.decoder = nn.ModuleList(nn.ModuleList(PlainResidualBlock(widths[l]) for _ in range(blocks)) for l in reversed(inner))
        self.tail = nn.Conv2d(widths[0], 3, 3, padding=1)
        nn.init.zeros_(self.tail.weight); nn.init.zeros_(self.tail.bias)

    def residual_and_features(self, x):
        h, skips = self.head(x), []
        for blocks, down in zip(self.encoder, self.down):
            for block in blocks:
                h = block(h)
            skips.append(h)
            h = F.relu(down(h))
        for block in self.middle:
            h = block(h)
        for up, blocks in zip(self.up, self.decoder):
            h = F.relu(up(F.interpolate(h, scale_factor=2, mode="nearest"))) + skips.pop()
            for block in blocks:
                h = block(h)
        return self.tail(h), h

    def forward(self, x):
        return x + self.residual_and_features(x)[0]

    def dnr_names(self):
        return {name: name for name in self.state_dict()}


class ResidualBlock(nn.Module):
    def __init__(self, cin, cout, emb, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.embedding = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.shortcut = None if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.embedding(F.silu(emb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.shortcut is None else self.shortcut(x)) + h


class AttentionBlock(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.projection = nn.Conv2d(c, c, 1)

    def forward(self, x):
        n, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(n, 3 * c, h * w).split(c, dim=1)
        a = torch.softmax(q.transpose(1, 2) @ k / math.sqrt(c), dim=-1)
        return x + self.projection((v @ a.transpose(1, 2)).reshape(n, c, h, w))


class ConditionalUNet(nn.Module):
    """ε_θ: input [y_t, x, g(x)] (9 channels), timestep t → predicted noise."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = dict(cfg)
        widths, g, e = cfg["widths"], cfg["groups"], cfg["timeEmbedding"]
        self.time = nn.ModuleList([nn.Linear(cfg["timeFeatures"], e), nn.Linear(e, e)])
        self.input = nn.Conv2d(cfg["inputChannels"], widths[0], 3, padding=1)
        self.encoder, self.enc_attn, self.down = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        width, skips = widths[0], []
        for level, wl in enumerate(widths):
            blocks, attn, s = nn.ModuleList(), nn.ModuleList(), []
            for _ in range(cfg["blocksPerLevel"]):
                blocks.append(ResidualBlock(width, wl, e, g)); width = wl
                attn.append(AttentionBlock(width, g) if level in cfg["attentionLevels"] else nn.Identity())
                s.append(width)
            self.encoder.append(blocks); self.enc_attn.append(attn); skips.append(s)
            if level < len(widths) - 1:
                self.down.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
        self.middle = nn.ModuleList([ResidualBlock(width, width, e, g), AttentionBlock(width, g), ResidualBlock(width, width, e, g)])
        self.decoder, self.dec_attn, self.up = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for level in reversed(range(len(widths))):
            blocks, attn = nn.ModuleList(), nn.ModuleList()
            for skip in reversed(skips[level]):
                blocks.append(ResidualBlock(width + skip, widths[level], e, g)); width = widths[level]
                attn.append(AttentionBlock(width, g) if level in cfg["attentionLevels"] else nn.Identity())
            self.decoder.append(blocks); self.dec_attn.append(attn)
            if level > 0:
                self.up.append(nn.Conv2d(width, width, 3, padding=1))
        self.out_norm = nn.GroupNorm(g, width)
        self.out_conv = nn.Conv2d(width, cfg["outputChannels"], 3, padding=1)

    def features(self, t):
        half = self.cfg["timeFeatures"] // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64, device=t.device) / half)
        args = t.to(torch.float64)[:, None] * freqs[None]
        return torch.cat([torch.cos(args), torch.sin(args)], dim=1).float()

    def forward(self, x, t):
        emb = self.time[1](F.silu(self.time[0](self.features(t))))
        h, skips = self.input(x), []
        for level in range(len(self.encoder)):
            for block, attn in zip(self.encoder[level], self.enc_attn[level]):
                h = attn(block(h, emb)); skips.append(h)
            if level < len(self.down):
                h = self.down[level](h)
        h = self.middle[2](self.middle[1](self.middle[0](h, emb)), emb)
        for i, blocks in enumerate(self.decoder):
            for block, attn in zip(blocks, self.dec_attn[i]):
                h = attn(block(torch.cat([h, skips.pop()], dim=1), emb))
            if i < len(self.up):
                h = self.up[i](F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.out_conv(F.silu(self.out_norm(h)))

    def dnr_names(self):
        """Maps this module's state_dict names to dnr's parameter names."""
        mapping = {}
        for name in self.state_dict():
            ours = (name.replace("enc_attn.", "encoder.ATT.").replace("dec_attn.", "decoder.ATT.")
                    .replace("middle.1.", "middle.attention.").replace("middle.2.", "middle.1.")
                    .replace("out_norm.", "output.norm.").replace("out_conv.", "output.conv."))
            for side in ("encoder", "decoder"):  # encoder.ATT.L.i.x → encoder.L.attention.i.x
                prefix = side + ".ATT."
                if ours.startswith(prefix):
                    level, index, rest = ours[len(prefix):].split(".", 2)
                    ours = f"{side}.{level}.attention.{index}.{rest}"
            mapping[name] = ours
        return mapping


class MaskBranch(nn.Module):
    """The mask branch (Sec. 3.2.1, MaskBranch.swift): (x, M′) and, as a sub-branch of the IPC, its
    features → mask probabilities; M is these made binary at 0.5."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = dict(cfg)
        w = cfg["width"]
        self.sub_branch = cfg.get("architecture", "standalone") == "subBranch"
        if self.sub_branch:
            self.conv1 = nn.Conv2d(cfg["featureChannels"] + 4, w, 3, padding=1)
            self.conv2 = nn.Conv2d(w, w, 3, stride=2, padding=1)
            self.conv3 = nn.Conv2d(w, w, 3, stride=2, padding=1)
            self.conv4 = nn.Conv2d(w, 1, 3, padding=1)
            nn.init.zeros_(self.conv4.weight); nn.init.zeros_(self.conv4.bias)  # starts undecided (p = ½)
        else:
            self.conv1 = nn.Conv2d(4, w, 3, padding=1)
            self.conv2 = nn.Conv2d(w, w, 3, padding=1)
            self.conv3 = nn.Conv2d(w, 1, 3, padding=1)

    def probabilities(self, x, proxy, features=None, noise=None):
        """`noise` ([N, 1] × the decision grid) is added to the logits where the branch decides, before they
        are resized to R: training draws it (logistic_noise), so M is a Bernoulli draw there."""
        with torch.autocast(x.device.type, enabled=False):  # fp32, as dnr decides: the 0.5 threshold must not move with rounding
            x, proxy = x.float(), proxy.float()
            inp = torch.cat([x, proxy * 2 - 1], 1)
            if not self.sub_branch:
                return torch.sigmoid(noised(self.conv3(F.relu(self.conv2(F.relu(self.conv1(inp))))), noise))
            features = features.float()
            if features.shape[2] != x.shape[2]:
                features = F.interpolate(features, scale_factor=x.shape[2] // features.shape[2], mode="nearest")
            h = F.relu(self.conv3(F.relu(self.conv2(F.relu(self.conv1(torch.cat([features, inp], 1)))))))
            return torch.sigmoid(F.interpolate(noised(self.conv4(h), noise), size=x.shape[2:], mode="bilinear", align_corners=False))

    def forward(self, x, proxy, features=None, noise=None):
        """M with a straight-through gradient; with `noise`, a draw of it."""
        p = self.probabilities(x, proxy, features, noise)
        return p + ((p > 0.5).to(p.dtype) - p).detach()

    def decision_grid(self, resolution):
        """The side of the grid the branch decides on: R/4 for a sub-branch, R for the standalone branch."""
        return (resolution + 3) // 4 if self.sub_branch else resolution

    def dnr_names(self):
        return {name: name for name in self.state_dict()}


def noised(logits, noise):
    return logits if noise is None else logits + noise


def logistic_noise(shape, scale, generator):
    """scale · (log u − log(1 − u)), u uniform: with scale 1, ℓ plus this is positive with probability σ(ℓ)
    (MaskBranch.logisticNoise)."""
    u = torch.rand(shape, generator=generator, dtype=torch.float64).clamp(1e-12, 1 - 1e-12)
    return (scale * (u.log() - (-u).log1p())).float()


def proxy_mask(conditioned, degraded, delta):
    """Eq. 8: M′ = 1[max over RGB of |g(x) − x| > δ] on the [0, 1] scale (images in [−1, 1])."""
    return ((conditioned - degraded).abs().amax(1, keepdim=True) / 2 > delta).to(conditioned.dtype)
