"""Training pairs (y_0, x) drawn on the fly, as dnr's TrainingData: a face at random, a degradation
drawn from the paper's ranges (Eq. 10), both in [−1, 1]. Each DataLoader worker of each process has
its own seed."""
import random

import torch
from torch.utils.data import IterableDataset, get_worker_info

from . import degradation, facepack


def load_faces(path, resolution, split="train"):
    """uint8 [N, 3, R, R] from a face pack or a folder (with faces.csv: its `split`, train unless asked)."""
    if path.endswith(".pack"):
        if split != "train":
            raise ValueError(f"{path}: a face pack holds the train split only; read the {split} split from the faces folder")
        faces, header = facepack.read(path)
        if header["resolution"] != resolution:
            raise ValueError(f"{path}: packed at {header['resolution']} px, the model is {resolution}")
        return faces
    import numpy as np
    files = facepack.manifest_files(path, split)
    return torch.from_numpy(np.stack([facepack.read_face(f, resolution) for f in files])).permute(0, 3, 1, 2).contiguous()


def batch_seed(seed, rank, step):
    """The seed of one process's batch at one step: the data depend on (seed, rank, step) alone, so a
    resumed run draws what an uninterrupted one would, whatever the number of workers."""
    return (seed * 1_000_003 + rank) * 1_000_000_007 + step


class DegradedBatches(IterableDataset):
    """Batches (y_0, x) for steps start, start + 1, …; worker w of W makes the steps ≡ w (mod W),
    and DataLoader takes them round-robin, so they arrive in step order."""

    def __init__(self, faces, batch, seed, rank=0, start=0):
        self.faces, self.batch, self.seed, self.rank, self.start = faces, batch, seed, rank, start

    def __iter__(self):
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        step = self.start + worker
        while True:
            yield make_batch(self.faces, self.batch, batch_seed(self.seed, self.rank, step))
            step += workers


def make_batch(faces, size, seed):
    rng = random.Random(seed)
    generator = torch.Generator().manual_seed(seed % (1 << 63))
    resolution = faces.shape[-1]
    clean = faces[[rng.randrange(len(faces)) for _ in range(size)]].float() / 255
    degraded = torch.stack([degradation.apply(c, degradation.draw(rng, resolution), generator) for c in clean])
    return clean * 2 - 1, degraded * 2 - 1


def fixed_batch(faces, count=64, seed=12345):
    """A fixed validation batch: the first `count` faces, degradations from one seed."""
    rng = random.Random(seed)
    generator = torch.Generator().manual_seed(seed)
    clean = faces[:count].float() / 255
    degraded = torch.stack([degradation.apply(c, degradation.draw(rng, faces.shape[-1]), generator) for c in clean])
    return clean * 2 - 1, degraded * 2 - 1
