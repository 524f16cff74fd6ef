"""The mirror's Eq. 10 against dnr's (`dnr degrade`) on the same faces and parameters (noise 0).

Measured: mean absolute differences 0.28–1.27 grey levels per face, mean signed differences within
±0.23 (no bias in the degradations). What remains is JPEG's: libjpeg's integer DCT and colour
conversion round some quantised coefficients to the other side of a step than the float version
does, which moves a whole 8×8 block by a fraction of that step (up to ~20 grey levels at q 30 for
a flipped chroma coefficient), so the per-pixel maximum is not small; blur and resampling alone
(q 100) differ by 0.4–0.5 on average."""
import os

import numpy as np
import pytest
import torch
from PIL import Image

from dnr_train import degradation, jpeg

FACES = ["Samples/astronaut_chip128.png", "Tests/FaceIDTests/Fixtures/chip03.png", "Tests/FaceIDTests/Fixtures/chip07.png"]
CASES = [(0.5, 1.0, 90), (1.0, 2.0, 60), (0.3, 3.3, 30), (1.2, 4.0, 75), (0.0, 1.0, 50), (0.8, 1.7, 100)]


def load(path):
    return torch.tensor(np.asarray(Image.open(path).convert("RGB")), dtype=torch.float32).permute(2, 0, 1) / 255


@pytest.fixture(scope="module")
def faces(repo, tmp_path_factory):
    folder = tmp_path_factory.mktemp("faces")
    paths = []
    for i, f in enumerate(FACES):
        path = str(folder / f"face{i}.png")
        Image.open(os.path.join(repo, f)).convert("RGB").resize((64, 64), Image.BOX).save(path)
        paths.append(path)
    return paths


@pytest.mark.parametrize("blur,scale,quality", CASES)
def test_matches_dnr_degrade(dnr, faces, tmp_path, blur, scale, quality):
    signed, absolute = [], []
    for i, face in enumerate(faces):
        out = str(tmp_path / f"out{i}.png")
        dnr("degrade", face, out, "--blur", blur, "--scale", scale, "--noise", 0, "--jpeg", quality, "--seed", 1)
        ours = degradation.apply(load(face), degradation.Parameters(blur, scale, 0.0, quality)) * 255
        difference = torch.round(ours) - load(out) * 255
        signed.append(difference.mean().item())
        absolute.append(difference.abs().mean().item())
    assert max(absolute) <= 1.4, f"mean abs differences {absolute} grey levels"
    assert max(map(abs, signed)) <= 0.25, f"mean signed differences {signed} grey levels"


def test_quality_tables_follow_libjpeg():
    """jpeg_quality_scaling: q 50 keeps the IJG tables, q 100 makes them all 1, q 10 multiplies by 5."""
    assert jpeg.quantisation_tables(50)[0, 0, :4].tolist() == [16, 11, 10, 16]
    assert jpeg.quantisation_tables(100).eq(1).all()
    assert jpeg.quantisation_tables(10)[1, 0, 0].item() == 85


def test_draws_follow_the_paper_ranges_at_64():
    import random
    rng = random.Random(3)
    draws = [degradation.draw(rng, 64) for _ in range(2000)]
    assert min(d.blur_sigma for d in draws) >= 0.1 / 8 and max(d.blur_sigma for d in draws) <= 10 / 8
    assert 1 <= min(d.scale for d in draws) and max(d.scale for d in draws) <= 4
    assert {d.jpeg_quality for d in draws} == set(range(30, 91))
    assert max(d.noise_sigma for d in draws) <= 20
