"""The same weights give the same outputs in dnr and in the mirror (max abs difference ≤ 1e-4)."""
import json
import os

import numpy as np
import torch
from PIL import Image

from dnr_train import weights
from dnr_train.dlib_model import FaceRecognizer
from dnr_train.networks import MaskBranch

TOLERANCE = 1e-4


def close(a, b, tolerance=TOLERANCE):
    difference = (a - b).abs().max().item()
    assert difference <= tolerance, f"max abs difference {difference:.3g} > {tolerance}"


def test_ipc_output_and_features(reference, repo):
    ref, _ = reference
    model = weights.load("ipc", os.path.join(repo, "Models", "ipc.safetensors"))
    with torch.no_grad():
        residual, features = model.residual_and_features(ref["ipc.input"])
    close(ref["ipc.input"] + residual, ref["ipc.output"])
    close(features, ref["ipc.features"])


def test_unet_at_three_timesteps(reference, repo):
    ref, _ = reference
    model = weights.load("diffusion", os.path.join(repo, "Models", "unet.safetensors"))
    assert ref["unet.timesteps"].tolist() == [1, 400, 999]
    with torch.no_grad():
        out = model(ref["unet.input"], ref["unet.timesteps"])
    close(out, ref["unet.output"])


def test_mask_branches(reference, repo):
    ref, metadata = reference
    folder_mask = weights.load("mask", os.path.join(repo, "Models", "mask.safetensors"))
    sub = MaskBranch(json.loads(metadata["masksub.config"]))
    prefix = "masksub.weights."
    sub.load_state_dict({k[len(prefix):]: v for k, v in ref.items() if k.startswith(prefix)}, strict=True)
    with torch.no_grad():
        features = ref["ipc.features"] if folder_mask.sub_branch else None
        close(folder_mask.probabilities(ref["mask.x"], ref["mask.proxy"], features), ref["mask.probabilities"])
        close(sub.probabilities(ref["mask.x"], ref["mask.proxy"], ref["ipc.features"]), ref["masksub.probabilities"])
        close(sub.probabilities(ref["mask.x"], ref["mask.proxy"], ref["ipc.features"], ref["masksub.decision_noise"]),
              ref["masksub.probabilities_noised"])
    # Under the trainer's bf16 autocast the branch still decides in fp32, as dnr does (the committed mask's logits
    # that decide "on" are ~1e-4: in bf16 its coverage of the validation faces fell from 28 % to 2 %).
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        close(folder_mask.probabilities(ref["mask.x"], ref["mask.proxy"], features), ref["mask.probabilities"])
        close(sub.probabilities(ref["mask.x"], ref["mask.proxy"], ref["ipc.features"]), ref["masksub.probabilities"])


def test_recognizer_descriptors_and_input_gradient(reference, repo):
    ref, _ = reference
    recognizer = FaceRecognizer(os.path.join(repo, "Models", "dlib_face_recognition_resnet_model_v1.dat"))
    x = ref["recognizer.input"].clone().requires_grad_()
    d = recognizer(x)
    (d * ref["recognizer.direction"]).sum().backward()
    close(d.detach(), ref["recognizer.descriptors"])
    # Input gradients: where a ReLU's input lies within float32 rounding of zero (a few of ~2 M per
    # pair), the two engines can take opposite sides and route a patch's gradient differently; both
    # are right to rounding (float64 sides with one or the other). Measured on these inputs: 196 of
    # 24,576 values differ by more than 1e-4 (at most 1.3e-3), in one 12×12 patch; the rest by < 1e-7.
    difference = (x.grad - ref["recognizer.gradient"]).abs()
    assert (difference > TOLERANCE).float().mean().item() <= 0.01
    assert difference.norm() / ref["recognizer.gradient"].norm() <= 1e-2


def test_recognizer_matches_dlib(repo):
    """dlib's own descriptors of 150×150 chips (the fixtures dnr's Swift tests use)."""
    folder = os.path.join(repo, "Tests", "FaceIDTests", "Fixtures")
    chips = json.load(open(os.path.join(folder, "descriptors.json")))["chips"]
    images = torch.stack([torch.tensor(np.asarray(Image.open(os.path.join(folder, c["file"])).convert("RGB")), dtype=torch.float32)
                          .permute(2, 0, 1) / 127.5 - 1 for c in chips])
    recognizer = FaceRecognizer(os.path.join(repo, "Models", "dlib_face_recognition_resnet_model_v1.dat"))
    with torch.no_grad():
        close(recognizer(images), torch.tensor([c["descriptor"] for c in chips]))


def test_weights_round_trip_in_dnr_format(tmp_path, repo):
    """Saved fp16 under dnr's names with the configuration in the metadata, loaded back strictly."""
    model = weights.load("diffusion", os.path.join(repo, "Models", "unet.safetensors"))
    path = str(tmp_path / "unet.safetensors")
    weights.save(model, path)
    again = weights.load("diffusion", path)
    for (name, a), b in zip(model.state_dict().items(), again.state_dict().values()):
        assert torch.equal(a.half().float(), b), name
    assert weights.read_config(path) == weights.read_config(os.path.join(repo, "Models", "unet.safetensors"))


def test_mask_objective(reference, repo):
    """MaskTrainer's objective with the folder's mask on dnr's fixed batch, timesteps and noise."""
    from dnr_train import objectives, schedule
    ref, _ = reference
    models = os.path.join(repo, "Models")
    ipc, unet = weights.load("ipc", os.path.join(models, "ipc.safetensors")), weights.load("diffusion", os.path.join(models, "unet.safetensors"))
    mask = weights.load("mask", os.path.join(models, "mask.safetensors"))
    recognizer = FaceRecognizer(os.path.join(models, "dlib_face_recognition_resnet_model_v1.dat"))
    setup = objectives.mask_setup(ipc, unet, recognizer, schedule.alpha_bars(), ref["maskobjective.clean"], ref["maskobjective.degraded"],
                                  ref["maskobjective.timesteps"].long(), ref["maskobjective.noise"], 0.04, noised="clean")
    with torch.no_grad():
        m = mask(ref["maskobjective.degraded"], setup["proxy"], setup["features"] if mask.sub_branch else None)
        value = objectives.mask_objective(recognizer, setup, m, 10.0, 1.0, coverage_weight=0.0)
    close(value.reshape(1), ref["maskobjective.value"])
    close(m.mean().reshape(1), ref["maskobjective.coverage"])
    around = objectives.mask_setup(ipc, unet, recognizer, schedule.alpha_bars(), ref["maskobjective.clean"], ref["maskobjective.degraded"],
                                   ref["maskobjective.timesteps"].long(), ref["maskobjective.noise"], 0.04, noised="conditioned")
    with torch.no_grad():
        value = objectives.mask_objective(recognizer, around, m, 10.0, 1.0, coverage_weight=0.5)
    close(value.reshape(1), ref["maskobjective.value_conditioned"])
    assert abs(value.item() - ref["maskobjective.value"].item()) > 1e-3  # the two draws differ
    with torch.no_grad():
        uniform = torch.ones_like(m)
        reevaluated = objectives.mask_objective(recognizer, around, uniform, 10.0, 1.0, coverage_weight=0.5, reevaluate_with=unet)
        held = objectives.mask_objective(recognizer, around, uniform, 10.0, 1.0, coverage_weight=0.5)
    close(reevaluated.reshape(1), ref["maskobjective.value_reevaluated_uniform"])
    assert abs(reevaluated.item() - held.item()) > 1e-4  # the denoiser's answer to the update counts
