#!/usr/bin/env python3
"""PyTorch mirror of dnr's ConditionalUNet, for `dnr bench engine` (never needed by the product).

Loads the same configuration JSON and safetensors weights (same parameter names) and times the
forward at batch 1 and a training step (forward + backward + Adam) at the given batch, on the given
number of threads. Writes a JSON report and the batch-1 output for a parity check.
"""
import argparse, json, os, resource, statistics, sys, time
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from dnr_train.networks import ConditionalUNet  # noqa: E402  (the training package's mirror, same names)


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
    state = {name: weights[ours] for name, ours in model.dnr_names().items()}
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
