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


def test_recognizer_descriptors_and_input_gradient(reference, repo):
    ref, _ = reference
    recognizer = FaceRecognizer(os.path.join(repo, "Models", "dlib_face_recognition_resnet_model_v1.dat"))
    x = ref["recognizer.input"].clone().requires_grad_()
    d = recognizer(x)
    (d * ref["recognizer.direction"]).sum().backward()
    close(d.detach(), ref["recognizer.descriptors"])
    close(x.grad, ref["recognizer.gradient"])


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
