"""Training with the mirror: two gloo processes stay identical and lower the loss, the export loads
in dnr and restores the same image, and a run stopped and resumed ends where an unbroken one does."""
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from dnr_train import weights

TINY = {"ipc": {"architecture": "unet", "blocks": 1, "resolution": 64, "widths": [8, 16]},
        "diffusion": {"attentionLevels": [1], "blocksPerLevel": 1, "groups": 4, "inputChannels": 9, "outputChannels": 3,
                      "resolution": 64, "timeEmbedding": 16, "timeFeatures": 8, "widths": [8, 16]},
        "mask": {"architecture": "subBranch", "width": 8, "featureChannels": 32}}


def train(repo, network, out, *extra, processes=1):
    module = ["-m", "dnr_train.train"]
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}", *module] \
        if processes > 1 else [sys.executable, *module]
    args = [network, "--faces", os.path.join(repo, "Tests", "FaceIDTests", "Fixtures"), "--models", os.path.join(repo, "Models"),
            "--out", str(out), "--config", json.dumps(TINY[network]), "--batch", "2", "--validation-size", "8",
            "--device", "cpu", "--log-every", "5", *map(str, extra)]
    env = dict(os.environ, PYTHONPATH=os.path.join(repo, "python"), OMP_NUM_THREADS="1")
    result = subprocess.run(command + args, cwd=os.path.join(repo, "python"), env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def test_two_gloo_processes_train_one_model_that_dnr_loads(repo, dnr, tmp_path):
    out = tmp_path / "run"
    log = train(repo, "ipc", out, "--steps", 16, "--lr", "3e-3", "--workers", 1, processes=2)
    digests = dict(re.findall(r"rank (\d) weights sha256 ([0-9a-f]+)", log))
    assert set(digests) == {"0", "1"} and digests["0"] == digests["1"], log[-2000:]
    card = json.load(open(out / "ipc.card.json"))
    assert card["batch"] == 4 and card["steps"] == 16
    assert card["validation_on_fixed_batch"]["loss"] < card["validation_at_start"]["loss"], card

    # dnr loads the export (beside the committed UNet and mask) and restores the same g(x).
    for name in ("unet.safetensors", "mask.safetensors"):
        shutil.copy(os.path.join(repo, "Models", name), out / name)
    sample = os.path.join(repo, "Samples", "synthetic", "astronaut_lq64.png")
    dnr("restore", sample, "--weights", out, "--ipc-only", "-o", tmp_path / "restored.png")
    restored = np.asarray(Image.open(tmp_path / "restored.png").convert("RGB")).astype(np.float32)
    model = weights.load("ipc", str(out / "ipc.safetensors"))
    x = torch.tensor(np.asarray(Image.open(sample).convert("RGB")), dtype=torch.float32).permute(2, 0, 1)[None] / 127.5 - 1
    with torch.no_grad():
        ours = torch.clamp(torch.round((model(x)[0] + 1) * 127.5), 0, 255).permute(1, 2, 0).numpy()
    assert np.abs(ours - restored).max() <= 1


@pytest.mark.parametrize("network", ["ipc", "diffusion", "mask"])
def test_resumed_run_ends_where_an_unbroken_one_does(repo, tmp_path, network):
    train(repo, network, tmp_path / "whole", "--steps", 6, "--workers", 2)
    train(repo, network, tmp_path / "parts", "--steps", 6, "--stop-at", 3, "--workers", 2)
    train(repo, network, tmp_path / "parts", "--steps", 6, "--resume", "--workers", 2)
    whole = torch.load(tmp_path / "whole" / "checkpoint.pt")
    parts = torch.load(tmp_path / "parts" / "checkpoint.pt")
    assert whole["step"] == parts["step"] == 6
    # The card names how the run began, not the resume (and no machine paths: --out is outside the repo,
    # so it is recorded relative to the working folder).
    card = json.load(open(tmp_path / "parts" / weights.card_path(weights.FILES[network]).split("/")[-1]))
    assert "--stop-at 3" in card["command"] and "--resume" in card["last_command"], card
    assert not re.search(r"(^| )/", card["command"] + " " + card["last_command"]), card
    # Its final loss is the last steps' mean across the resume, and a resume with no steps left keeps it.
    whole_card = json.load(open(tmp_path / "whole" / weights.card_path(weights.FILES[network]).split("/")[-1]))
    assert card["final_loss_mean_last_100"] > 0
    assert card["final_loss_mean_last_100"] == pytest.approx(whole_card["final_loss_mean_last_100"], rel=1e-4)
    train(repo, network, tmp_path / "parts", "--steps", 6, "--resume", "--workers", 2)
    again = json.load(open(tmp_path / "parts" / weights.card_path(weights.FILES[network]).split("/")[-1]))
    assert again["final_loss_mean_last_100"] == card["final_loss_mean_last_100"]
    # A sub-branch's card names the IPC whose features it reads (ModelStore.maskPairingNote), a denoiser's the IPC
    # whose g(x) it was trained on.
    if network in ("mask", "diffusion"):
        with open(os.path.join(repo, "Models", "ipc.safetensors"), "rb") as file:
            assert card["ipc_sha256"] == hashlib.sha256(file.read()).hexdigest()
    else:
        assert "ipc_sha256" not in card
    for key in ("model", "ema"):
        for name, value in whole[key].items():
            assert torch.allclose(value, parts[key][name], atol=1e-6), f"{key} {name}"


def test_a_run_started_in_dnr_continues_here(repo, tmp_path):
    """dnr trains a tiny IPC for three steps; the mirror takes its weights, EMA, Adam moments and step."""
    import subprocess as sp
    from safetensors.torch import load_file
    from dnr_train import train as trainer
    # dnr's tiny run: its trainers take a configuration only through --from-models, so start from a tiny export.
    models = tmp_path / "models"
    models.mkdir()
    tiny = weights.build("ipc", TINY["ipc"])
    weights.save(tiny, str(models / "ipc.safetensors"), dtype=torch.float32)
    os.symlink(os.path.join(repo, "Models", "dlib_face_recognition_resnet_model_v1.dat"), models / "dlib_face_recognition_resnet_model_v1.dat")
    from conftest import dnr_binary
    sp.run([dnr_binary(), "train", "ipc", "--data", os.path.join(repo, "Tests", "FaceIDTests", "Fixtures"), "--models", str(models),
            "--from-models", "--steps", "3", "--batch", "2", "--cache", str(tmp_path / "cache"), "--checkpoint-every", "3",
            "--sample-every", "1000", "--lr", "1e-3"], check=True, capture_output=True, cwd=repo)
    run = trainer.Run(trainer.parse(["ipc", "--faces", os.path.join(repo, "Tests", "FaceIDTests", "Fixtures"), "--models",
                                     os.path.join(repo, "Models"), "--out", str(tmp_path / "out"), "--steps", "10", "--lr", "1e-3",
                                     "--from-dnr-checkpoint", str(tmp_path / "cache" / "checkpoint.safetensors"), "--device", "cpu"]))
    assert run.step == 3 and run.ema_updates == 3
    saved = load_file(str(tmp_path / "cache" / "checkpoint.safetensors"))
    start = weights.load("ipc", str(models / "ipc.safetensors")).state_dict()
    parameters = dict(run.model.named_parameters())
    for name, value in run.model.state_dict().items():
        assert torch.equal(value, saved["model." + name]) and torch.equal(run.ema.state_dict()[name], saved["ema." + name])
        state = run.optimizer.state[parameters[name]]
        assert state["step"].item() == 3 and torch.equal(state["exp_avg_sq"], saved["adam.v." + name])
    assert any(not torch.equal(v, start[k]) for k, v in run.model.state_dict().items()), "dnr's three steps moved the weights"


def test_input_perturbation_noises_the_input_not_the_target(repo, tmp_path):
    """As DiffusionTrainer.inputPerturbation: y_t from ε + γ·ξ (ξ drawn after t and ε), target ε; validation unperturbed."""
    import torch.nn.functional as F
    from dnr_train import schedule, train as trainer
    gamma = 0.5
    run = trainer.Run(trainer.parse(["diffusion", "--faces", os.path.join(repo, "Tests", "FaceIDTests", "Fixtures"), "--models",
                                     os.path.join(repo, "Models"), "--out", str(tmp_path / "out"), "--steps", "1",
                                     "--config", json.dumps(TINY["diffusion"]), "--input-perturbation", str(gamma), "--device", "cpu"]))
    torch.manual_seed(3)
    clean, degraded = torch.rand(2, 3, 64, 64) * 2 - 1, torch.rand(2, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        reported, _ = run.loss(run.model, clean, degraded)
        g = run.noise_generator()
        t = schedule.draw_timesteps(2, 1000, run.args.focus, g)
        noise = torch.randn(clean.shape, generator=g)
        perturbed = noise + gamma * torch.randn(clean.shape, generator=g)
        conditioned = run.ipc(degraded)

        def loss(inputs, target):
            y = schedule.noised(clean, inputs, run.alpha_bars[t])
            return F.mse_loss(run.model(torch.cat([y, degraded, conditioned], 1), t.float()), target).item()
        assert abs(reported.item() - loss(perturbed, noise)) <= 1e-5 * reported.item()
        assert abs(reported.item() - loss(perturbed, perturbed)) > 1e-3 * reported.item()
        validation, _ = run.loss(run.model, clean, degraded, noise_seed=7)
        g = torch.Generator().manual_seed(7)
        t = schedule.draw_timesteps(2, 1000, run.args.focus, g)
        noise = torch.randn(clean.shape, generator=g)
        assert abs(validation.item() - loss(noise, noise)) <= 1e-5 * validation.item()


def test_bf16_autocast_computes_the_same_loss_in_bf16(repo, tmp_path):
    """--precision bf16 runs the denoiser under bf16 autocast (its loss moves off fp32's, within bf16's rounding);
    --precision fp32 is plain fp32 arithmetic."""
    from dnr_train import train as trainer
    losses = {}
    for precision in ("fp32", "bf16"):
        run = trainer.Run(trainer.parse(["diffusion", "--faces", os.path.join(repo, "Tests", "FaceIDTests", "Fixtures"), "--models",
                                         os.path.join(repo, "Models"), "--out", str(tmp_path / precision), "--steps", "1",
                                         "--config", json.dumps(TINY["diffusion"]), "--device", "cpu", "--precision", precision]))
        assert run.bf16 == (precision == "bf16")
        torch.manual_seed(3)
        clean, degraded = torch.rand(4, 3, 64, 64) * 2 - 1, torch.rand(4, 3, 64, 64) * 2 - 1
        with torch.no_grad(), run.autocast():
            losses[precision] = run.loss(run.model, clean, degraded, noise_seed=7)[0].item()
    difference = abs(losses["bf16"] - losses["fp32"]) / losses["fp32"]
    assert 1e-6 < difference < 2e-2, losses


def test_a_schedule_offset_continues_the_cosine_of_the_longer_run(repo, tmp_path):
    """--schedule-offset N --steps S: step k gets the learning rate of step N + k of a run of N + S steps (after warm-up)."""
    from dnr_train import train as trainer

    def run(*extra):
        return trainer.Run(trainer.parse(["ipc", "--faces", os.path.join(repo, "Tests", "FaceIDTests", "Fixtures"), "--models",
                                          os.path.join(repo, "Models"), "--out", str(tmp_path / "out"), "--lr", "1e-3",
                                          "--config", json.dumps(TINY["ipc"]), "--device", "cpu", *extra]))

    def rate(r, step):
        r.step = step
        return r.learning_rate(0)
    whole, continued = run("--steps", "1000"), run("--steps", "600", "--schedule-offset", "400")
    for k in (100, 300, 599):
        assert abs(rate(continued, k) - rate(whole, 400 + k)) < 1e-12
    assert abs(rate(whole, 400) - 1e-3 * (0.1 + 0.45 * (1 + math.cos(0.4 * math.pi)))) < 1e-12
    assert rate(continued, 99) == pytest.approx(rate(whole, 499))  # warm-up ends at step 99
    assert rate(continued, 49) == pytest.approx(0.5 * rate(whole, 449), rel=1e-2)  # and the continuation warms up again


def test_sigterm_stops_after_a_step_with_a_checkpoint_and_an_export(repo, tmp_path):
    """Killing a run (SIGTERM, or Ctrl-C) loses nothing: the step it was on is checkpointed and exported."""
    import signal as signals
    import time
    out = tmp_path / "run"
    module = [sys.executable, "-m", "dnr_train.train", "diffusion", "--faces", os.path.join(repo, "Tests", "FaceIDTests", "Fixtures"),
              "--models", os.path.join(repo, "Models"), "--out", str(out), "--config", json.dumps(TINY["diffusion"]), "--batch", "2",
              "--validation-size", "4", "--device", "cpu", "--log-every", "1", "--steps", "100000", "--workers", "1",
              "--checkpoint-minutes", "60"]
    env = dict(os.environ, PYTHONPATH=os.path.join(repo, "python"), OMP_NUM_THREADS="1")
    process = subprocess.Popen(module, cwd=os.path.join(repo, "python"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 300
    while not (out / "log.csv").exists() or len(open(out / "log.csv").read().splitlines()) < 3:
        assert time.time() < deadline and process.poll() is None, "the run did not start"
        time.sleep(0.2)
    process.send_signal(signals.SIGTERM)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output[-3000:]
    steps = len(open(out / "log.csv").read().splitlines())
    assert torch.load(out / "checkpoint.pt")["step"] == steps, output[-2000:]
    card = json.load(open(out / "unet.card.json"))
    assert card["steps"] == steps and card["validation_on_fixed_batch"], card
    assert f"stopping at step {steps} on signal" in output, output[-2000:]


def test_every_checkpoint_records_the_validation_a_run_stopped_there_reports(repo, tmp_path):
    """validation.csv gets a row at each checkpoint (here every step) and at the end; a row is the validation the
    run's weights at that step give, so it equals the card of a run that stopped at that step."""
    train(repo, "diffusion", tmp_path / "long", "--steps", 3, "--checkpoint-minutes", 0, "--workers", 1)
    train(repo, "diffusion", tmp_path / "short", "--steps", 1, "--workers", 1)
    rows = [line.split(",", 2) for line in open(tmp_path / "long" / "validation.csv").read().splitlines()]
    assert [int(step) for step, _, _ in rows] == [1, 2, 3, 3], rows
    values = [dict((k, float(v)) for k, v in (pair.split("=") for pair in fields.split(";"))) for _, _, fields in rows]
    assert values[2] == pytest.approx(values[3], abs=1e-6) and values[0]["ema_loss"] != values[2]["ema_loss"], values
    short = json.load(open(tmp_path / "short" / "unet.card.json"))["validation_on_fixed_batch"]
    assert values[0] == pytest.approx(short, abs=1e-6), (values[0], short)
    assert json.load(open(tmp_path / "long" / "unet.card.json"))["validation_on_fixed_batch"] == pytest.approx(values[3], abs=1e-6)


def test_named_denoisers_are_dnrs(repo):
    """--unet light|default builds the networks `dnr train diffusion --unet` builds (UNetConfiguration.swift)."""
    from dnr_train import train as trainer
    source = open(os.path.join(repo, "Sources", "Restoration", "Networks", "UNetConfiguration.swift")).read()
    for name, swift in (("light", "restorationLight"), ("default", "restorationDefault")):
        body = re.search(rf"static let {swift} = UNetConfiguration\((.*?)\)\n", source, re.S).group(1)
        fields = dict(re.findall(r"(\w+): (\[[^\]]*\]|\d+)", body))
        ours = trainer.UNET_CONFIGS[name]
        assert set(fields) <= set(ours), (name, fields)
        for key, value in fields.items():
            assert ours[key] == json.loads(value), (name, key, ours[key], value)


def test_logistic_noise_makes_the_threshold_a_bernoulli_draw():
    """As MaskBranch.logisticNoise: ℓ + L > 0 with probability σ(ℓ); mean 0, variance s²π²/3."""
    from dnr_train.networks import logistic_noise
    draws = logistic_noise((200_000,), 1.0, torch.Generator().manual_seed(3)).double()
    for logit in (-2.0, 0.0, 1.0):
        assert abs((logit + draws > 0).double().mean().item() - 1 / (1 + np.exp(-logit))) < 0.005
    assert abs(draws.mean().item()) < 0.02 and abs(draws.var().item() - np.pi ** 2 / 3) < 0.05
    half = logistic_noise((200_000,), 0.5, torch.Generator().manual_seed(4)).double()
    assert abs(half.var().item() - np.pi ** 2 / 12) < 0.02


def test_binomial_smoothing_keeps_cos_squared_of_each_frequency():
    """[1 2 1]/4 per axis: a row pattern at f cycles/px is scaled by cos²(πf); Nyquist lines vanish, constants stay."""
    from dnr_train.objectives import binomial_smoothed
    y = torch.arange(32, dtype=torch.float64)[:, None].expand(32, 32)
    lines = torch.cos(np.pi * y)  # alternate rows: the Nyquist frequency along y
    assert binomial_smoothed(lines[None, None]).abs().max().item() < 1e-12
    f = 0.3
    wave = torch.cos(2 * np.pi * f * y.T)  # along x this time
    smoothed = binomial_smoothed(wave[None, None].repeat(1, 3, 1, 1))
    expected = np.cos(np.pi * f) ** 2 * wave
    assert torch.allclose(smoothed[0, :, :, 1:-1], expected[:, 1:-1].expand(3, 32, 30), atol=1e-12)
    assert torch.allclose(binomial_smoothed(torch.full((1, 3, 8, 8), 0.7, dtype=torch.float64)), torch.tensor(0.7, dtype=torch.float64))


def test_identity_smoothing_scores_the_blurred_restoration_in_training_only(repo, tmp_path):
    """--identity-smoothing: Eq. 4's identity term on b(g(x)) while training, on g(x) in validation; L1 unchanged."""
    from dnr_train import train as trainer
    from dnr_train.dlib_model import identity_loss
    from dnr_train.objectives import binomial_smoothed
    run = trainer.Run(trainer.parse(["ipc", "--faces", os.path.join(repo, "Tests", "FaceIDTests", "Fixtures"), "--models",
                                     os.path.join(repo, "Models"), "--out", str(tmp_path / "out"), "--steps", "1",
                                     "--config", json.dumps(TINY["ipc"]), "--identity-smoothing", "--device", "cpu",
                                     "--precision", "fp32"]))
    torch.manual_seed(3)
    clean, degraded = torch.rand(2, 3, 64, 64) * 2 - 1, torch.rand(2, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        restored = run.model(degraded)
        target = run.recognizer(clean)
        l1 = (restored - clean).abs().mean()
        smoothed = l1 + identity_loss(run.recognizer(binomial_smoothed(restored)), target).mean()
        plain = l1 + identity_loss(run.recognizer(restored), target).mean()
        assert abs(run.loss(run.model, clean, degraded)[0].item() - smoothed.item()) <= 1e-5 * smoothed.item()
        assert abs(run.loss(run.model, clean, degraded, noise_seed=7)[0].item() - plain.item()) <= 1e-5 * plain.item()
        assert abs(smoothed.item() - plain.item()) > 1e-4


def test_rebasing_a_mask_fits_it_to_the_old_ipcs_decisions(repo, tmp_path):
    """--rebase-from: binary cross-entropy of the branch reading the IPC in --models against the 0/1 decision the
    starting branch (frozen) makes reading the old IPC; the decision moves with the IPC, so the target is the old one's."""
    import torch.nn.functional as F
    from dnr_train import train as trainer
    from dnr_train.networks import proxy_mask
    old = weights.load("ipc", os.path.join(repo, "Models", "ipc.safetensors"))
    retrained = weights.load("ipc", os.path.join(repo, "Models", "ipc.safetensors"))
    torch.manual_seed(5)
    with torch.no_grad():
        for p in retrained.parameters():
            p.mul_(1 + 0.05 * torch.randn_like(p))
    models = tmp_path / "models"
    models.mkdir()
    for name in ("unet.safetensors", "mask.safetensors", trainer.RECOGNIZER):
        os.symlink(os.path.join(repo, "Models", name), models / name)
    weights.save(retrained, str(models / "ipc.safetensors"))
    run = trainer.Run(trainer.parse(["mask", "--faces", os.path.join(repo, "Tests", "FaceIDTests", "Fixtures"), "--models",
                                     str(models), "--from-models", "--rebase-from", os.path.join(repo, "Models", "ipc.safetensors"),
                                     "--out", str(tmp_path / "out"), "--steps", "1", "--device", "cpu", "--precision", "fp32"]))
    sample = np.asarray(Image.open(os.path.join(repo, "Samples", "synthetic", "astronaut_lq64.png")).convert("RGB"))
    face = torch.tensor(sample, dtype=torch.float32).permute(2, 0, 1)[None] / 127.5 - 1
    degraded = torch.cat([face, face.flip(3)])

    def decision_inputs(ipc):
        residual, features = ipc.residual_and_features(degraded)
        return proxy_mask(degraded + residual, degraded, 0.04), features
    with torch.no_grad():
        ipc = weights.load("ipc", str(models / "ipc.safetensors"))  # as saved (fp16), as the run loaded it
        target = (run.teacher.probabilities(degraded, *decision_inputs(old)) > 0.5).float()
        p = run.model.probabilities(degraded, *decision_inputs(ipc))
        expected = F.binary_cross_entropy(p.clamp(1e-6, 1 - 1e-6), target).item()
        loss, parts = run.loss(run.model, None, degraded)
        assert abs(loss.item() - expected) <= 1e-5 * expected
        assert parts["agreement"] == pytest.approx(((p > 0.5).float() == target).float().mean().item())
        assert 0.5 < parts["agreement"] < 1  # the retrained IPC moves the decision: there is something to fit
