"""Train dnr's IPC (Eq. 4) or denoiser (Eq. 5) with PyTorch, on CPUs or GPUs, one process or many.

    python -m dnr_train.train ipc --faces faces.pack --models ../Models --out runs/ipc --from-models --minutes 60
    torchrun --nproc-per-node 8 -m dnr_train.train diffusion --faces faces.pack --models ../Models --out runs/unet ...

Under torchrun each process trains on its own data stream and DistributedDataParallel averages the
gradients (NCCL on GPUs, gloo on CPUs). Checkpoints (weights, Adam, EMA, step) go to OUT/checkpoint.pt
and --resume continues from there; the EMA weights are exported to OUT as dnr's fp16 safetensors and
model card, so `dnr explore --weights OUT` (with the other networks copied beside) uses them.
"""
import argparse
import copy
import hashlib
import json
import math
import os
import signal
import shlex
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.utils.data import DataLoader

from . import data, guidance, networks, objectives, schedule, weights
from .dlib_model import FaceRecognizer, identity_loss

RECOGNIZER = "dlib_face_recognition_resnet_model_v1.dat"


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("network", choices=["ipc", "diffusion", "mask"])
    ap.add_argument("--faces", required=True, help="a face pack (dnr-pack-faces) or a folder of aligned faces")
    ap.add_argument("--models", default="Models", help="dnr's Models folder: the recognizer, the IPC (for diffusion), --from-models weights")
    ap.add_argument("--out", required=True, help="checkpoint, log and exported weights")
    ap.add_argument("--from-models", action="store_true", help="start from this network's weights in --models")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    ap.add_argument("--from-dnr-checkpoint", default="", help="continue a run `dnr train` started: its checkpoint.safetensors "
                    "(weights, Adam moments, EMA, step)")
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: use --minutes)")
    ap.add_argument("--minutes", type=float, default=0, help="stop after this many minutes (the lr schedule follows time)")
    ap.add_argument("--stop-at", type=int, default=0, help="stop at this step this time (the schedule still spans --steps); --resume goes on")
    ap.add_argument("--batch", type=int, default=16, help="per process")
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--warmup", type=int, default=100, help="steps of linear lr warm-up")
    ap.add_argument("--schedule-offset", type=int, default=0,
                    help="with --steps: this run begins this many steps into its cosine, which spans offset + --steps (an "
                         "unfinished run continued from its export keeps its learning rate; the warm-up still applies)")
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--identity-weight", type=float, default=1.0, help="ipc: λ of Eq. 4")
    ap.add_argument("--identity-smoothing", action="store_true",
                    help="ipc: score Eq. 4's identity term on g(x) blurred by [1 2 1]/4 in x and y (dlib's gradient rewards "
                         "near-Nyquist horizontal lines that L1 alone would not draw; validation scores Eq. 4 as written)")
    ap.add_argument("--focus", type=int, default=400, help="diffusion: half the timesteps from 1…focus")
    ap.add_argument("--input-perturbation", type=float, default=0.0,
                    help="diffusion: γ (Ning et al. 2023): y_t is noised with ε + γ·ξ, the target stays ε (DiffusionTrainer.inputPerturbation)")
    ap.add_argument("--unet", default="default", choices=["light", "default"], help="diffusion, without --from-models (default: the size shipped in Models/)")
    ap.add_argument("--config", default="", help="a fresh network's configuration as JSON (dnr's keys), instead of the default")
    ap.add_argument("--ipc-refresh", default="", help="diffusion: reload the IPC from this file whenever it changes")
    ap.add_argument("--update-scale", type=float, default=3.0, help="mask: the step k of the guided update the objective scores")
    ap.add_argument("--reevaluate-noise", action="store_true",
                    help="mask: score ŷ_{0,t} with ε̂ re-evaluated at the updated y_t (through the frozen denoiser, which undoes part "
                         "of the change, as the sampler's next step does) instead of held; pair it with --update-scale 10–30")
    ap.add_argument("--perceptual-weight", type=float, default=1.0, help="mask: λ of the face-perceptual distance")
    ap.add_argument("--coverage-weight", type=float, default=0.005, help="mask: μ, the weight of M's coverage (mean) in the objective")
    ap.add_argument("--decision-noise", type=float, default=1.0,
                    help="mask: scale of the logistic noise on M's decision logits in training (1: M is a Bernoulli draw, so the "
                         "branch commits; 0: the bare 0.5 threshold, whose logits can stay near 0)")
    ap.add_argument("--rebase-from", default="",
                    help="mask, with --from-models: the IPC the starting branch was trained on; fit the branch reading the "
                         "IPC in --models to the decisions the starting branch makes reading this one (objectives.mask_rebase_loss)")
    ap.add_argument("--delta", type=float, default=0.04, help="mask: δ of the proxy mask M′ (Eq. 8)")
    ap.add_argument("--noised", default="conditioned", choices=["clean", "conditioned"],
                    help="mask: y_t drawn around y_0 or around g(x) (the sampler's start)")
    ap.add_argument("--mask-width", type=int, default=32, help="mask: a fresh sub-branch's width")
    ap.add_argument("--workers", type=int, default=4, help="data workers per process")
    ap.add_argument("--validation-size", type=int, default=64, help="faces in the fixed validation batch")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--checkpoint", default="", help="checkpoint file (default OUT/checkpoint.pt)")
    ap.add_argument("--checkpoint-minutes", type=float, default=2,
                    help="checkpoint, export and validate on the fixed batch (OUT/validation.csv) this often")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"],
                    help="the networks' arithmetic: bf16 autocast (fp32 weights, Adam and loss) or fp32; auto is bf16 on "
                         "GPUs and on CPUs with bf16 instructions (AVX512-BF16 or AMX: 1.8× faster steps on Zen 4), else fp32")
    return ap.parse_args(argv)


def cpu_has_bf16():
    """Whether this CPU multiplies bf16 natively (elsewhere PyTorch emulates it, slower than fp32)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


# dnr's named denoisers (UNetConfiguration.restorationLight / .restorationDefault; a test holds them equal).
UNET_CONFIGS = {
    "light": {"attentionLevels": [2, 3], "blocksPerLevel": 1, "groups": 8, "inputChannels": 9, "outputChannels": 3,
              "resolution": 64, "timeEmbedding": 256, "timeFeatures": 64, "widths": [32, 64, 96, 128]},
    "default": {"attentionLevels": [2, 3], "blocksPerLevel": 2, "groups": 8, "inputChannels": 9, "outputChannels": 3,
                "resolution": 64, "timeEmbedding": 256, "timeFeatures": 64, "widths": [32, 64, 128, 192]},
}
IPC_CONFIG = {"architecture": "unet", "blocks": 2, "resolution": 64, "widths": [32, 64, 128, 256]}



def key_values(values):
    """log.csv's and validation.csv's last column: key=value;…"""
    return ";".join(f"{k}={v:.6f}" for k, v in values.items())


def ignore_interrupts(_worker):
    """Data workers leave Ctrl-C to the training process, which stops cleanly after the current step."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def file_sha256(path):
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def portable_command(arguments):
    """The command line as the card records it: paths under the home folder as ~/…, other absolute
    paths relative to the working folder, so that no machine's paths travel with the weights."""
    home = os.path.expanduser("~")
    def portable(a):
        if a == home or a.startswith(home + os.sep):
            return "~" + shlex.quote(a[len(home):]) if len(a) > len(home) else "~"
        return shlex.quote(os.path.relpath(a) if os.path.isabs(a) else a)
    return "python -m dnr_train.train " + " ".join(portable(a) for a in arguments)

class Run:
    def __init__(self, args):
        self.args = args
        self.distributed = "WORLD_SIZE" in os.environ
        if self.distributed:
            dist.init_process_group("nccl" if args.device.startswith("cuda") else "gloo")
            self.rank, self.world = dist.get_rank(), dist.get_world_size()
            if args.device.startswith("cuda"):
                args.device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
                torch.cuda.set_device(args.device)
        else:
            self.rank, self.world = 0, 1
        self.device = torch.device(args.device)
        self.cuda = self.device.type == "cuda"
        if self.cuda:
            torch.backends.cudnn.benchmark = True
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        self.bf16 = args.precision == "bf16" or (args.precision == "auto" and (self.cuda or cpu_has_bf16()))
        self.precision = "bf16 autocast" if self.bf16 else "fp32"
        torch.manual_seed(args.seed)
        os.makedirs(args.out, exist_ok=True)
        self.file = weights.FILES[args.network]
        self.started_from = None
        self.first_command = portable_command(sys.argv[1:])
        if args.from_models:
            path = os.path.join(args.models, self.file)
            self.model = weights.load(args.network, path)
            self.started_from = os.path.join(os.path.basename(os.path.normpath(args.models)), self.file)
        else:
            self.model = weights.build(args.network, json.loads(args.config) if args.config else self.default_config())
        self.model.to(self.device)
        self.ema = copy.deepcopy(self.model).requires_grad_(False)
        self.ema_updates = 0
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=args.lr)
        self.step, self.elapsed_before, self.losses = 0, 0.0, []
        self.validation_at_start, self.validation_batch = None, None
        if args.network in ("ipc", "mask"):
            self.recognizer = FaceRecognizer(os.path.join(args.models, RECOGNIZER)).to(self.device)
        if args.network == "mask":
            ipc_path = os.path.join(args.models, weights.FILES["ipc"])
            self.ipc = weights.load("ipc", ipc_path).to(self.device).requires_grad_(False).eval()
            self.ipc_sha256 = file_sha256(ipc_path)  # the card names the IPC whose features the branch reads
            self.unet = weights.load("diffusion", os.path.join(args.models, weights.FILES["diffusion"])).to(self.device).requires_grad_(False).eval()
            self.alpha_bars = schedule.alpha_bars().to(self.device)
            if args.rebase_from:  # the starting branch, frozen, reading the IPC it was trained on
                self.teacher = copy.deepcopy(self.model).requires_grad_(False).eval()
                self.teacher_ipc = weights.load("ipc", args.rebase_from).to(self.device).requires_grad_(False).eval()
        elif args.network == "diffusion":
            self.ipc_path, self.ipc_mtime = os.path.join(args.models, weights.FILES["ipc"]), None
            self.refresh_ipc()
            self.alpha_bars = schedule.alpha_bars().to(self.device)
        if args.resume:
            self.load_checkpoint()
        elif args.from_dnr_checkpoint:
            self.import_dnr_checkpoint(args.from_dnr_checkpoint)
        self.net = torch.nn.parallel.DistributedDataParallel(self.model) if self.distributed else self.model

    def default_config(self):
        if self.args.network == "ipc":
            return IPC_CONFIG
        if self.args.network == "diffusion":
            return UNET_CONFIGS[self.args.unet]
        ipc = weights.read_config(os.path.join(self.args.models, weights.FILES["ipc"]))
        return {"architecture": "subBranch", "width": self.args.mask_width, "featureChannels": ipc["widths"][0]}

    def resolution(self):
        return (self.ipc.cfg if self.args.network == "mask" else self.model.cfg)["resolution"]

    # --- the IPC the denoiser is conditioned on ---
    def refresh_ipc(self):
        if self.args.ipc_refresh and os.path.exists(self.args.ipc_refresh):
            self.ipc_path = self.args.ipc_refresh
        mtime = os.path.getmtime(self.ipc_path)  # exports are replaced atomically
        if mtime != self.ipc_mtime:
            self.ipc = weights.load("ipc", self.ipc_path).to(self.device).requires_grad_(False).eval()
            self.ipc_mtime = mtime
            self.ipc_sha256 = file_sha256(self.ipc_path)  # the card names the IPC whose g(x) the denoiser reads
            self.log(f"IPC loaded from {self.ipc_path}")

    # --- objectives ---
    def loss(self, model, clean, degraded, noise_seed=None):
        if self.args.network == "mask" and self.args.rebase_from:
            return objectives.mask_rebase_loss(model, self.ipc, self.teacher, self.teacher_ipc, degraded, self.args.delta)
        if self.args.network == "mask":
            generator = self.noise_generator(noise_seed)
            t = objectives.mask_timesteps(clean.shape[0], generator).to(self.device)
            noise = torch.randn(clean.shape, generator=generator).to(self.device)
            setup = objectives.mask_setup(self.ipc, self.unet, self.recognizer, self.alpha_bars, clean, degraded, t, noise, self.args.delta, self.args.noised)
            draw = None
            if self.args.decision_noise > 0 and noise_seed is None:  # validation scores the mask dnr ships: no draw
                grid = self.model.decision_grid(clean.shape[-1])  # the module under any DDP wrapper
                draw = networks.logistic_noise((clean.shape[0], 1, grid, grid), self.args.decision_noise, generator).to(self.device)
            mask = model(degraded, setup["proxy"], setup["features"], draw)
            return self.mask_objective(setup, mask), {"coverage": mask.mean().item()}
        if self.args.network == "ipc":
            restored = model(degraded).float()
            with torch.autocast(self.device.type, enabled=False):  # the recognizer in fp32 (TF32 on GPUs)
                with torch.no_grad():
                    target = self.recognizer(clean)
                scored = objectives.binomial_smoothed(restored) if self.args.identity_smoothing and noise_seed is None else restored
                identity = identity_loss(self.recognizer(scored), target).mean()
            l1 = (restored - clean).abs().mean()
            return l1 + self.args.identity_weight * identity, {"l1": l1.item(), "identity": identity.item()}
        with torch.no_grad():
            conditioned = self.ipc(degraded)
        generator = self.noise_generator(noise_seed)
        t = schedule.draw_timesteps(clean.shape[0], 1000, self.args.focus, generator).to(self.device)
        noise = torch.randn(clean.shape, generator=generator).to(self.device)
        inputs = noise
        if self.args.input_perturbation > 0 and noise_seed is None:  # validation scores Eq. 5 as written
            inputs = noise + self.args.input_perturbation * torch.randn(clean.shape, generator=generator).to(self.device)
        noisy = schedule.noised(clean, inputs, self.alpha_bars[t])
        predicted = guidance.predicted_noise(model, noisy, degraded, conditioned, t)
        mse = F.mse_loss(predicted.float(), noise)
        return mse, {}

    def noise_generator(self, seed=None):
        """Timesteps and noise of this step (a function of seed, rank and step, so resumes repeat them), or of `seed`."""
        return torch.Generator().manual_seed(data.batch_seed(self.args.seed, self.rank, self.step) + 1 if seed is None else seed)

    def mask_objective(self, setup, mask):
        return objectives.mask_objective(self.recognizer, setup, mask, self.args.update_scale, self.args.perceptual_weight,
                                         self.args.coverage_weight, self.unet if self.args.reevaluate_noise else None)

    # --- schedule ---
    def progress(self, elapsed):
        if self.args.steps:
            return (self.args.schedule_offset + self.step) / (self.args.schedule_offset + self.args.steps)
        return elapsed / (self.args.minutes * 60)

    def learning_rate(self, elapsed):
        warm = min(1.0, (self.step + 1) / max(1, self.args.warmup))
        return self.args.lr * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, self.progress(elapsed)))))

    def update_ema(self):
        self.ema_updates += 1
        decay = min(self.args.ema, (1 + self.ema_updates) / (10 + self.ema_updates))
        with torch.no_grad():
            for e, p in zip(self.ema.parameters(), self.model.parameters()):
                e.lerp_(p, 1 - decay)

    # --- records ---
    def log(self, text):
        if self.rank == 0:
            print(text, flush=True)

    def save_checkpoint(self, elapsed):
        if self.rank != 0:
            return
        state = {"model": self.model.state_dict(), "ema": self.ema.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "step": self.step, "ema_updates": self.ema_updates, "elapsed": elapsed, "config": self.model.cfg,
                 "validation_at_start": self.validation_at_start, "started_from": self.started_from,
                 "first_command": self.first_command, "recent_losses": self.losses[-100:]}
        path = self.checkpoint_path()
        torch.save(state, path + ".partial")
        os.replace(path + ".partial", path)

    def checkpoint_path(self):
        return self.args.checkpoint or os.path.join(self.args.out, "checkpoint.pt")

    def load_checkpoint(self):
        state = torch.load(self.checkpoint_path(), map_location=self.device)
        if state["config"] != self.model.cfg:
            self.model = weights.build(self.args.network, state["config"]).to(self.device)
            self.ema = copy.deepcopy(self.model).requires_grad_(False)
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=self.args.lr)
        self.model.load_state_dict(state["model"])
        self.ema.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step, self.ema_updates, self.elapsed_before = state["step"], state["ema_updates"], state["elapsed"]
        self.validation_at_start = state.get("validation_at_start")
        # What the run began from and how it was started survive every resume (the card names them).
        self.started_from = state.get("started_from", self.started_from)
        self.first_command = state.get("first_command") or self.first_command
        self.losses = list(state.get("recent_losses", []))  # the card's final loss spans the resume
        self.log(f"resumed at step {self.step}")

    def import_dnr_checkpoint(self, path):
        """Weights, EMA and Adam's moments and step from dnr's checkpoint (TrainingRun.swift): the
        same Adam (bias-corrected, ε outside the square root), so the run goes on as it would in dnr."""
        from safetensors import safe_open
        with safe_open(path, framework="pt") as f:
            meta = f.metadata()
            if meta.get("kind") != self.args.network:
                raise SystemExit(f"{path}: a {meta.get('kind')} checkpoint, not {self.args.network}")
            config = json.loads(meta["config"])
            self.model = weights.build(self.args.network, config).to(self.device)
            self.ema = copy.deepcopy(self.model).requires_grad_(False)
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=self.args.lr)
            names = self.model.dnr_names()
            get = lambda key: f.get_tensor(key).float().to(self.device)
            self.model.load_state_dict({ours: get("model." + d) for ours, d in names.items()})
            self.ema.load_state_dict({ours: get("ema." + d) for ours, d in names.items()})
            adam_step = int(meta.get("adam_step", meta["step"]))
            parameters = dict(self.model.named_parameters())
            for ours, d in names.items():
                self.optimizer.state[parameters[ours]] = {"step": torch.tensor(float(adam_step)),
                                                          "exp_avg": get("adam.m." + d), "exp_avg_sq": get("adam.v." + d)}
        self.step, self.ema_updates = int(meta["step"]), int(meta.get("ema_updates", meta["step"]))
        self.elapsed_before = float(meta.get("elapsed", 0))
        self.started_from = f"dnr checkpoint at step {self.step}" + (f" ({meta['started_from']})" if meta.get("started_from") else "")
        self.log(f"continuing dnr's run at step {self.step}")

    def export(self, elapsed, validation):
        if self.rank != 0:
            return
        path = os.path.join(self.args.out, self.file)
        weights.save(self.ema, path)
        recent = self.losses[-100:]
        weights.write_card(weights.card_path(path), {
            "network": self.args.network, "weights": self.file, "dtype": "F16", "configuration": self.model.cfg,
            "parameters": sum(p.numel() for p in self.model.parameters()),
            "data": f"{os.path.basename(os.path.normpath(self.args.faces))}: faces degraded on the fly with the paper's ranges at R = {self.resolution()} (PyTorch mirror of Eq. 10)",
            "steps": self.step, "batch": self.args.batch * self.world, "learning_rate": self.args.lr,
            "final_loss_mean_last_100": sum(recent) / max(1, len(recent)), "wall_seconds": int(elapsed), "ema": True,
            "validation_on_fixed_batch": validation, "validation_at_start": self.validation_at_start,
            "started_from": self.started_from,
            **({"input_perturbation": self.args.input_perturbation} if self.args.network == "diffusion" else {}),
            **({"ipc_sha256": self.ipc_sha256} if self.args.network == "diffusion" or (self.args.network == "mask" and self.model.sub_branch) else {}),
            "command": self.first_command,
            "last_command": portable_command(sys.argv[1:]),
            "trainer": f"dnr_train (PyTorch {torch.__version__}, {self.world} process(es) on {self.device.type}"
                       + (f", {torch.cuda.get_device_name(self.device)}" if self.cuda else "")
                       + f", {self.precision})",
        })

    def validate(self, faces):
        if self.validation_batch is None:
            self.validation_batch = data.fixed_batch(faces, self.args.validation_size)
        clean, degraded = (t.to(self.device) for t in self.validation_batch)
        out = {}
        with torch.no_grad(), self.autocast():
            for name, model in (("", self.model), ("ema_", self.ema)):
                total, parts = self.loss(model, clean, degraded, noise_seed=7)
                out[name + "loss"] = total.item()
                out.update({name + k: v for k, v in parts.items()})
            if self.args.network == "mask":  # the masks M should beat: M′ (its input), none, uniform
                g = self.noise_generator(7)
                t = objectives.mask_timesteps(clean.shape[0], g).to(self.device)
                setup = objectives.mask_setup(self.ipc, self.unet, self.recognizer, self.alpha_bars, clean, degraded, t,
                                              torch.randn(clean.shape, generator=g).to(self.device), self.args.delta,
                                              self.args.noised)
                for name, mask in (("objective_proxy", setup["proxy"]), ("objective_none", torch.zeros_like(setup["proxy"])),
                                   ("objective_uniform", torch.ones_like(setup["proxy"]))):
                    out[name] = self.mask_objective(setup, mask).item()
                out["coverage_proxy"] = setup["proxy"].mean().item()
        return out

    def record_validation(self, faces, elapsed):
        """Validates and appends the result to OUT/validation.csv (step, elapsed seconds, key=value;…), so a
        long run's curve is there to read without stopping it."""
        validation = self.validate(faces)
        if self.rank == 0:
            with open(os.path.join(self.args.out, "validation.csv"), "a") as file:
                file.write(f"{self.step},{elapsed:.1f}," + key_values(validation) + "\n")
        return validation

    def autocast(self):
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16)

    # --- the loop ---
    def train(self):
        args = self.args
        faces = data.load_faces(args.faces, self.resolution())
        self.log(f"{len(faces)} faces; {sum(p.numel() for p in self.model.parameters())} parameters; "
                 f"{self.world} process(es) × batch {args.batch} on {self.device}, {self.precision}")
        if self.validation_at_start is None:
            self.validation_at_start = self.validate(faces)
            self.log("validation at the start: " + json.dumps(self.validation_at_start))
        loader = DataLoader(data.DegradedBatches(faces, args.batch, args.seed, self.rank, start=self.step), batch_size=None,
                            num_workers=args.workers, pin_memory=self.cuda, persistent_workers=args.workers > 0,
                            prefetch_factor=4 if args.workers > 0 else None, worker_init_fn=ignore_interrupts)
        log = open(os.path.join(args.out, "log.csv"), "a")
        # SIGTERM or Ctrl-C ends the run after the current step, with a checkpoint and an export (one process only:
        # processes of a distributed run could stop at different steps; they keep the periodic checkpoints).
        stop = []

        def request_stop(number, _frame):
            if stop:  # a second signal quits at once
                sys.exit(1)
            stop.append(number)
        if not self.distributed:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, request_stop)
        start = time.time()
        last_checkpoint, last_log, images = start, start, 0
        for clean, degraded in loader:
            elapsed = self.elapsed_before + time.time() - start
            if (args.steps and self.step >= args.steps) or (args.minutes and elapsed >= args.minutes * 60) \
                    or (args.stop_at and self.step >= args.stop_at):
                break
            if stop:
                self.log(f"stopping at step {self.step} on signal {stop[0]}: checkpoint and export follow")
                break
            clean, degraded = clean.to(self.device, non_blocking=True), degraded.to(self.device, non_blocking=True)
            for group in self.optimizer.param_groups:
                group["lr"] = self.learning_rate(elapsed)
            with self.autocast():
                total, parts = self.loss(self.net, clean, degraded)
            self.optimizer.zero_grad(set_to_none=True)
            total.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.optimizer.step()
            self.update_ema()
            self.step += 1
            images += clean.shape[0] * self.world
            value = total.item()
            self.losses.append(value)
            log.write(f"{self.step},{elapsed:.1f},{value:.6f}," + key_values(parts) + "\n")
            if self.step % args.log_every == 0:
                now = time.time()
                recent = self.losses[-args.log_every:]
                self.log(f"step {self.step}  loss {sum(recent) / len(recent):.4f}  lr {self.optimizer.param_groups[0]['lr']:.2e}  "
                         f"{images / (now - last_log):.0f} images/s  {elapsed / 60:.1f} min")
                last_log, images = now, 0
                log.flush()
                if args.network == "diffusion" and args.ipc_refresh:
                    self.refresh_ipc()
            if time.time() - last_checkpoint >= args.checkpoint_minutes * 60:
                self.save_checkpoint(elapsed)
                self.export(elapsed, self.record_validation(faces, elapsed) if self.rank == 0 else None)
                last_checkpoint = time.time()
        elapsed = self.elapsed_before + time.time() - start
        self.save_checkpoint(elapsed)
        validation = self.record_validation(faces, elapsed)
        self.log("validation on a fixed batch: " + json.dumps(validation))
        self.export(elapsed, validation)
        log.close()
        digest = hashlib.sha256(b"".join(p.detach().cpu().numpy().tobytes() for p in self.model.parameters())).hexdigest()
        print(f"rank {self.rank} weights sha256 {digest}", flush=True)
        if self.distributed:
            dist.barrier()
            dist.destroy_process_group()


def main(argv=None):
    args = parse(argv)
    if not (args.steps or args.minutes):
        sys.exit("give --steps or --minutes")
    if args.rebase_from and not (args.network == "mask" and args.from_models):
        sys.exit("--rebase-from moves a trained mask branch: give it with `mask --from-models`")
    if args.schedule_offset and not args.steps:
        sys.exit("--schedule-offset needs --steps (the schedule's length in steps)")
    if not 0 <= args.input_perturbation <= 1:
        sys.exit("--input-perturbation must be in 0…1 (Ning et al. use 0.1)")
    Run(args).train()


if __name__ == "__main__":
    main()
