"""Weights in dnr's format: safetensors with dnr's names, the configuration as JSON in the
metadata key "config", fp16 for exports (what `dnr train` writes), and a model card beside them."""
import datetime
import json
import os

import torch
from safetensors.torch import load_file, safe_open, save_file

from .networks import Conditioner, ConditionalUNet, MaskBranch

FILES = {"ipc": "ipc.safetensors", "diffusion": "unet.safetensors", "mask": "mask.safetensors"}


def read_config(path):
    with safe_open(path, framework="pt") as f:
        meta = f.metadata() or {}
    if "config" not in meta:
        raise ValueError(f"{path}: no 'config' in the safetensors metadata; not written by dnr")
    return json.loads(meta["config"])


def build(network, cfg):
    return {"ipc": Conditioner, "diffusion": ConditionalUNet, "mask": MaskBranch}[network](cfg)


def load_into(model, path):
    """Loads dnr's weights strictly: every parameter present, no unused tensor, shapes equal."""
    tensors = load_file(path)
    names = model.dnr_names()
    missing = [d for d in names.values() if d not in tensors]
    unused = sorted(set(tensors) - set(names.values()))
    if missing or unused:
        raise ValueError(f"{path}: missing {missing[:5]}, unused {unused[:5]}")
    state = {ours: tensors[d].float() for ours, d in names.items()}
    model.load_state_dict(state, strict=True)
    return model


def load(network, path):
    return load_into(build(network, read_config(path)), path)


def save(model, path, dtype=torch.float16):
    """Writes the model's weights under dnr's names (fp16 by default, as dnr exports)."""
    names = model.dnr_names()
    tensors = {d: t.detach().to("cpu", dtype).contiguous() for ours, t in model.state_dict().items() for d in [names[ours]]}
    tmp = path + ".partial"
    save_file(tensors, tmp, metadata={"config": json.dumps(model.cfg, separators=(",", ":"), sort_keys=True)})
    os.replace(tmp, path)


def write_card(path, card):
    card = dict(card)
    card.setdefault("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    tmp = path + ".partial"
    with open(tmp, "w") as f:
        json.dump(card, f, indent=2, sort_keys=True)
    os.replace(tmp, path)


def card_path(weights_path):
    return weights_path[: -len(".safetensors")] + ".card.json"
