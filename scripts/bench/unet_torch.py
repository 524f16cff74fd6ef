#!/usr/bin/env python3
"""PyTorch mirror of dnr's ConditionalUNet, for `dnr bench engine` (never needed by the product).

Loads the same configuration JSON and safetensors weights (same parameter names) and times the
forward at batch 1 and a training step (forward + backward + Adam) at the given batch, on the given
number of threads. Writes a JSON report and the batch-1 output for a parity check.
"""
import argparse, json, math, resource, statistics, time
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file


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
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
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
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / half)
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


def our_names(model):
    """Maps dnr's parameter names to this module's state_dict names."""
    mapping = {}
    for name in model.state_dict():
        ours = (name.replace("enc_attn.", "encoder.ATT.").replace("dec_attn.", "decoder.ATT.")
                .replace("middle.1.", "middle.attention.").replace("middle.2.", "middle.1.")
                .replace("out_norm.", "output.norm.").replace("out_conv.", "output.conv."))
        for side in ("encoder", "decoder"):  # encoder.ATT.L.i.x -> encoder.L.attention.i.x
            prefix = side + ".ATT."
            if ours.startswith(prefix):
                level, index, rest = ours[len(prefix):].split(".", 2)
                ours = f"{side}.{level}.attention.{index}.{rest}"
        mapping[name] = ours
    return mapping


def peak_rss_mib():
    # VmHWM is this process's own peak; getrusage's ru_maxrss would include the parent's peak
    # before exec (Linux keeps it across execve).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    for a in ("--config", "--weights", "--input", "--output"):
        ap.add_argument(a, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--forward-runs", type=int, default=10)
    ap.add_argument("--train-runs", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = json.load(open(args.config))
    model = ConditionalUNet(cfg)
    weights = load_file(args.weights)
    state = {name: weights[ours] for name, ours in our_names(model).items()}
    model.load_state_dict(state, strict=True)

    x = load_file(args.input)["input"]
    with torch.no_grad():
        for _ in range(2):
            y = model(x, torch.tensor([500.0]))
        times = []
        for _ in range(args.forward_runs):
            t0 = time.perf_counter(); model(x, torch.tensor([500.0])); times.append(time.perf_counter() - t0)
    out_path = args.output.replace(".json", "_output.safetensors")
    save_file({"output": y.contiguous()}, out_path)

    if args.train_runs == 0:  # a forward-only round of an interleaved comparison
        json.dump({"forward_seconds": statistics.median(times), "train_seconds": None, "peak_rss_mib": peak_rss_mib(),
                   "output_path": out_path, "torch": torch.__version__, "threads": torch.get_num_threads()}, open(args.output, "w"))
        print(f"torch  forward batch 1: {statistics.median(times) * 1000:.1f} ms")
        return

    r = cfg["resolution"]
    gen = torch.Generator().manual_seed(11)
    xb = torch.randn(args.batch, cfg["inputChannels"], r, r, generator=gen)
    tb = torch.tensor([float(i * 61 % 1000) for i in range(args.batch)])
    target = torch.randn(args.batch, cfg["outputChannels"], r, r, generator=gen)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    def step():
        opt.zero_grad(set_to_none=True)
        F.mse_loss(model(xb, tb), target).backward()
        opt.step()
    step()
    train = []
    for _ in range(args.train_runs):
        t0 = time.perf_counter(); step(); train.append(time.perf_counter() - t0)
    json.dump({"forward_seconds": statistics.median(times), "train_seconds": statistics.median(train),
               "peak_rss_mib": peak_rss_mib(), "output_path": out_path,
               "torch": torch.__version__, "threads": torch.get_num_threads()}, open(args.output, "w"))
    print(f"torch  forward batch 1: {statistics.median(times) * 1000:.1f} ms; train step batch {args.batch}: "
          f"{statistics.median(train) * 1000:.1f} ms (torch {torch.__version__}, {torch.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
